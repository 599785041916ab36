"""Running the real pipeline (`apbd run`) in a subprocess, for fault and end-to-end tests.

Each run gets its own data folder and DAGSTER_HOME; the process is started in its own session so
a SIGKILL can take it down with its children (dbt) at once, like a power cut or the OOM killer.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from dagster_project.lib.core.paths import PROJECT_ROOT, DataPaths

APBD = str(Path(sys.executable).with_name("apbd"))
DEMO_SCALE = 0.2
DEMO_YEARS = (2024,)


def env_for(root: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("APBD_", "DAGSTER_", "PYTEST_")) and k != "DBT_TARGET_PATH"
    }
    env.update(
        APBD_DATA_DIR=str(root / "data"),
        DAGSTER_HOME=str(root / "dagster_home"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DO_NOT_TRACK="1",
        GX_ANALYTICS_ENABLED="false",
        **extra,
    )
    return env


def start_run(root: Path, **extra: str) -> subprocess.Popen:
    log_path = root / f"run_{time.time_ns()}.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(
        [APBD, "run", "--no-demo", "--data-dir", str(root / "data")],
        cwd=PROJECT_ROOT,
        env=env_for(root, **extra),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()  # the child has its own copy
    proc.log_path = log_path  # type: ignore[attr-defined]
    return proc


def output_of(proc: subprocess.Popen) -> str:
    return proc.log_path.read_text(encoding="utf-8", errors="replace")  # type: ignore[attr-defined]


def run_to_end(root: Path, timeout: float = 300, **extra: str) -> tuple[int, str]:
    proc = start_run(root, **extra)
    try:
        rc = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        raise
    return rc, output_of(proc)


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the run and everything it started (dbt), then reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)


def wait_for(
    what: Callable[[], bool], proc: subprocess.Popen, timeout: float = 240, step: float = 0.02
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if what():
            return
        if proc.poll() is not None:
            raise AssertionError(
                f"the run ended before the fault point:\n{output_of(proc)[-4000:]}"
            )
        time.sleep(step)
    kill_group(proc)
    raise AssertionError(f"fault point not reached in {timeout} s:\n{output_of(proc)[-4000:]}")


def copy_state(src: Path, dst: Path) -> DataPaths:
    """A copy of a finished run's data folder (landing, raw, published …) to break things in."""
    shutil.copytree(src / "data", dst / "data", symlinks=True)
    return DataPaths(dst / "data")


def published_checks(paths: DataPaths) -> list[str]:
    """What is wrong with the published mart right now ([] = opens read-only and every mart
    passes its contract checks, and the publish log knows the file)."""
    from dagster_project.lib.contracts.model import mart_contracts
    from dagster_project.lib.gate.checks import contract_checks
    from dagster_project.lib.publish.publisher import current_version

    problems = []
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        for c in contract_checks(con, mart_contracts().values()):
            if not c.passed:
                problems.append(f"{c.target}/{c.name}: {c.message}")
    entry = current_version(paths)
    if entry is None:
        problems.append("the published file is not in the publish log")
    elif entry.get("checks", {}).get("failed_blocking"):
        problems.append("the published version had failing blocking checks")
    return problems


def crlf(path: Path) -> str:
    """Re-save a CSV with Windows line endings: same rows, new bytes, new sha256."""
    data = path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    path.write_bytes(data)
    return path.as_posix()
