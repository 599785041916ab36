"""The real Dagster UI: started as `make dev` starts it, asked over GraphQL, stopped by its PID.

`dg dev` started from a script must get a session of its own and be stopped with SIGINT to its
own process id (docs/stack.md: otherwise it ignores the signals). Telemetry is off through
DAGSTER_HOME/dagster.yaml, and HOME points at an empty folder that must stay empty.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from dagster_project.definitions import defs
from dagster_project.lib.core.paths import PROJECT_ROOT
from dagster_project.runtime import ensure_dagster_home
from tests import server_kit
from tests.server_kit import free_port

pytestmark = pytest.mark.slow

STARTUP_SECONDS = 300  # two shared cores: the code server imports dbt, GX, Polars

QUERY = """
{
  assetNodes {
    assetKey { path }
    groupName
    description
    isPartitioned
    assetChecksOrError {
      ... on AssetChecks { checks { name blocking } }
    }
  }
  repositoriesOrError {
    ... on RepositoryConnection {
      nodes {
        sensors { name sensorState { status } }
        schedules { name cronSchedule scheduleState { status } }
        jobs { name }
      }
    }
  }
}
"""


def dev_command(port: int) -> list[str]:
    """The command `make dev` runs, read from the Makefile itself (make -n)."""
    out = subprocess.run(
        ["make", "-s", "-n", "dev", f"DEV_PORT={port}"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    (line,) = [ln for ln in out.splitlines() if " dev --host " in ln]
    cmd = shlex.split(line)
    assert cmd[-4:] == ["--host", "127.0.0.1", "--port", str(port)], cmd
    return cmd


def get(url: str, body: dict | None = None, timeout: float = 30) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return json.loads(resp.read())


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_dev_server_shows_every_asset_and_check_and_stops_cleanly(tmp_path):
    port = free_port()
    home = tmp_path / "home"
    home.mkdir()
    dagster_home = tmp_path / "dagster_home"
    ensure_dagster_home(dagster_home)
    env = {
        **os.environ,
        "HOME": str(home),
        "DAGSTER_HOME": str(dagster_home),
        "APBD_DATA_DIR": str(tmp_path / "data"),  # empty landing: the sensor finds nothing
    }
    cmd = dev_command(port)
    log = (tmp_path / "dev.log").open("w")
    proc = server_kit.popen(cmd, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert proc.poll() is None, (tmp_path / "dev.log").read_text()[-3000:]
            try:
                info = get(f"{base}/server_info", timeout=5)
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                assert time.monotonic() < deadline, "dg dev did not answer in time"
                time.sleep(2)
        assert info["dagster_version"]
        while True:  # the webserver answers before the code location has loaded
            data = get(f"{base}/graphql", {"query": QUERY}, timeout=120)["data"]
            if data["assetNodes"] or time.monotonic() > deadline:
                break
            time.sleep(2)
    finally:
        proc.send_signal(signal.SIGINT)  # its own PID, not a name
        state = server_kit.signal_state(proc.pid)
        try:
            try:
                proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                pytest.fail(f"dg dev did not stop within 120 s of SIGINT; signals: {state}")
            # Stopped by its PID, the whole session goes: webserver, daemon, code server.
            deadline = time.monotonic() + 30
            while group_alive(proc.pid) and time.monotonic() < deadline:
                time.sleep(1)
            clean = not group_alive(proc.pid)
        finally:
            if group_alive(proc.pid):  # leave nothing behind, even when the test fails
                os.killpg(proc.pid, signal.SIGKILL)
        log.close()

    assert proc.returncode == 0, (tmp_path / "dev.log").read_text()[-3000:]
    definitions = defs()
    graph = definitions.resolve_asset_graph()
    expected_assets = {tuple(k.path) for k in graph.get_all_asset_keys()}
    served = {tuple(n["assetKey"]["path"]): n for n in data["assetNodes"]}
    assert set(served) == expected_assets
    expected_checks = {(tuple(k.asset_key.path), k.name) for k in graph.asset_check_keys}
    served_checks = {
        (key, c["name"]): c["blocking"]
        for key, n in served.items()
        for c in n["assetChecksOrError"].get("checks", [])
    }
    assert set(served_checks) == expected_checks
    assert served_checks[(("sipd", "dpa_sub_kegiatan"), "matches_contract")] is True
    assert served_checks[(("sipd", "dpa_sub_kegiatan"), "submitted_on_time")] is False
    assert served[("sipd", "dpa_sub_kegiatan")]["isPartitioned"] is True
    assert served[("marts", "mart_kepatuhan_pelaporan")]["description"]
    (repo,) = data["repositoriesOrError"]["nodes"]
    assert {s["name"]: s["sensorState"]["status"] for s in repo["sensors"]} == {
        "landing_sensor": "RUNNING"
    }
    assert [s["name"] for s in repo["schedules"]] == ["daily_refresh"]
    assert {"ingest_opd_tahun", "ingest_bulan_tahun", "rebuild"} <= {
        j["name"] for j in repo["jobs"]
    }
    assert clean, "processes of the dev server outlived it"
    assert not (home / ".dagster").exists()  # no telemetry or instance id written under HOME
