"""Running the real pipeline, for fault and end-to-end tests.

`apbd run` in a subprocess (`start_run`, `run_to_end`): each run gets its own data folder and
DAGSTER_HOME; the process is started in its own session so a SIGKILL can take it down with its
children (dbt) at once, like a power cut or the OOM killer. `start_publish`: only the publish step,
on a build file, in a subprocess to kill. `pipeline_env`: the environment for a run in this process.
`build_models`: only dbt, for some marts and what they stand on, from a data folder's raw Parquet
(for tests of a method or a source, not of the pipeline around it).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

from dagster_project.defs.transform.project import SEED_TESTS
from dagster_project.lib.core.paths import BUILD_FILE, DBT_DIR, PROJECT_ROOT, DataPaths
from dagster_project.lib.transform.dbt_parse import own_parse

APBD = str(Path(sys.executable).with_name("apbd"))
# The session's shared demo (tests/conftest.py `demo_run`): small, but large enough for every
# test that reads it (test_pipeline's personal-data scan needs more than 1,000 NIKs and birth
# dates sent: 0.2 sends 864 and 840, 0.3 sends more; its precision and recall bars are set at
# 0.3), two years for the carried-over, scenario and year-on-year marts.
DEMO_SCALE = 0.3
DEMO_YEARS = (2024, 2025)


@contextlib.contextmanager
def pipeline_env(root: Path, **extra: str) -> Iterator[DataPaths]:
    """Run the pipeline in this process on `root/data` with `root/dagster_home` and the shared
    demo's key (tests/conftest.py TEST_HMAC_KEY); every variable is restored afterwards."""
    from dagster_project.runtime import configure_environment
    from tests.conftest import TEST_HMAC_KEY

    mp = pytest.MonkeyPatch()
    try:
        mp.setenv("DAGSTER_HOME", str(root / "dagster_home"))
        mp.setenv("APBD_HMAC_KEY", TEST_HMAC_KEY)
        for key, value in extra.items():
            mp.setenv(key, value)
        yield configure_environment(root / "data")  # sets APBD_DATA_DIR (undone below)
    finally:
        mp.undo()


def env_for(root: Path, **extra: str) -> dict[str, str]:
    # this process's environment, a run's defaults included (tests/conftest.py sets RUN_ENV)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("APBD_", "DAGSTER_", "PYTEST_")) and k != "DBT_TARGET_PATH"
    }
    env.update(APBD_DATA_DIR=str(root / "data"), DAGSTER_HOME=str(root / "dagster_home"), **extra)
    return env


def dbt_target(target: Path) -> str:
    """`target` for DBT_TARGET_PATH of a dbt run by hand, holding the project's parse as a
    pipeline run's does (lib/transform/dbt_parse.py): dbt then parses only what differs. The
    profile and the sources name no data folder (lib/transform/dbt_duckdb.py), so the parse holds
    in any test's folder."""
    own_parse(target)
    return str(target)


def build_models(
    root: Path, name: str, *selectors: str, data_tests: bool = True, **extra: str
) -> Path:
    """`dbt build` (models, seeds and data tests; not the unit tests nor the seeds' own tests, as in
    production: test_dbt_project runs them)
    of `selectors` (`+mart_x`: the mart and everything upstream) from `root/data/raw` into a fresh
    build file `root/data/build/<name>/apbd_build.duckdb`; returns its path. Data tests are selected
    cautiously: those of the selected models only, not those that also read unselected ones.
    `data_tests=False`: models and seeds only (the caller checks what it needs itself).
    `extra`: environment variables for dbt (e.g. APBD_TANGGAL_ACUAN)."""
    build = root / "data" / "build" / name / BUILD_FILE
    env = {
        **env_for(root, **extra),
        "APBD_BUILD_DB": str(build),
        "DBT_PROFILES_DIR": str(DBT_DIR),
        "DBT_TARGET_PATH": dbt_target(root / "data" / "build" / f"dbt_target_{name}"),
        "DBT_LOG_PATH": str(root / "data" / "logs" / f"dbt_{name}"),
    }
    dbt = [str(Path(sys.executable).with_name("dbt")), "build", "--project-dir", str(DBT_DIR)]
    select = ["--select", *selectors, "--indirect-selection", "cautious", "--exclude", SEED_TESTS]
    result = subprocess.run(
        [*dbt, *select, "--exclude-resource-type", "unit_test", *(() if data_tests else ("test",))],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=RUN_TIMEOUT,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    return build


def start_run(root: Path, **extra: str) -> subprocess.Popen:
    """`apbd run` as a user starts it, in its own session; stdout and stderr each to a file."""
    log_path = root / f"run_{time.time_ns()}.log"
    with log_path.open("wb") as out, log_path.with_suffix(".err").open("wb") as err:
        proc = subprocess.Popen(
            [APBD, "run", "--no-demo", "--data-dir", str(root / "data")],
            cwd=PROJECT_ROOT,
            env=env_for(root, **extra),
            stdout=out,
            stderr=err,
            start_new_session=True,
        )  # the child has its own copies of both files
    proc.log_path = log_path  # type: ignore[attr-defined]
    return proc


def streams_of(proc: subprocess.Popen) -> tuple[str, str]:
    """(stdout, stderr) of a run `start_run` started."""
    out = proc.log_path  # type: ignore[attr-defined]
    return tuple(
        f.read_text(encoding="utf-8", errors="replace") for f in (out, out.with_suffix(".err"))
    )  # type: ignore[return-value]


def output_of(proc: subprocess.Popen) -> str:
    """Everything the run printed (stdout, then stderr)."""
    return "".join(streams_of(proc))


# Safety limits, not expectations: a run takes a few minutes on an idle machine, but under
# `make test -n 2` two pipelines share the two cores (and the machine may be shared as well).
RUN_TIMEOUT = 1800


def wait_to_end(proc: subprocess.Popen, timeout: float = RUN_TIMEOUT) -> int:
    """The run's return code; past `timeout` it is killed (with its children) and this raises."""
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        raise


def run_to_end(root: Path, timeout: float = RUN_TIMEOUT, **extra: str) -> tuple[int, str]:
    proc = start_run(root, **extra)
    return wait_to_end(proc, timeout), output_of(proc)


# The publish step alone, as the orchestrator runs it once the gate's checks passed: the gate's
# contract checks on the build (read-only), then `publish()` with the current inputs.
_PUBLISH = """
import json, sys
from pathlib import Path
import duckdb
from dagster_project.lib.contracts.model import mart_contracts
from dagster_project.lib.core.paths import DataPaths
from dagster_project.lib.gate.checks import contract_checks
from dagster_project.lib.ingest.loader import current_inputs
from dagster_project.lib.publish.publisher import publish
paths, build, run_id = DataPaths(Path(sys.argv[1])), Path(sys.argv[2]), sys.argv[3]
with duckdb.connect(str(build), read_only=True) as con:
    checks = contract_checks(con, mart_contracts().values())
failed = [c.name for c in checks if c.blocking and not c.passed]
if failed:
    sys.exit("gate failed: " + json.dumps(failed))
publish(build, paths, run_id=run_id, inputs=current_inputs(paths).to_dicts(), checks=checks)
"""


def start_publish(root: Path, build: Path, run_id: str, **extra: str) -> subprocess.Popen:
    """Gate and publish `build` into `root/data` in a subprocess (its own session, to kill)."""
    log_path = root / f"publish_{time.time_ns()}.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-c", _PUBLISH, str(root / "data"), str(build), run_id],
            cwd=PROJECT_ROOT,
            env=env_for(root, **extra),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    proc.log_path = log_path  # type: ignore[attr-defined]
    return proc


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the run and everything it started (dbt), then reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)


def wait_for(
    what: Callable[[], bool],
    proc: subprocess.Popen,
    timeout: float = RUN_TIMEOUT,
    step: float = 0.02,
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
