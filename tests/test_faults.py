"""Faults: SIGKILL the real pipeline (`apbd run` in a subprocess, with dbt) during ingest and
during the dbt build, and the real publish step (gate, then `publish()`, in a subprocess) before
and after its swap. After each kill the published mart is byte-identical to the last good version
or is a complete new version that passed the gate; it opens read-only and passes its contract
checks; no partial Parquet is read as complete; the next plain run gets past the point where the
previous one died and publishes; and the next publish after a killed publish goes through.

The tests run in order on one data folder (a copy of the session's published demo), each step
building on the state the one before left: two killed runs and one full run in all. The publish
kills take a build file that a real run gated (the demo's version, archived when the recovering
run replaced it), so they cost a file copy, not another pipeline run.
"""

from __future__ import annotations

import os
import shutil
import time

import dagster as dg
import polars as pl
import pytest

from dagster_project.lib.contracts.model import source_contracts
from dagster_project.lib.ingest.loader import read_ingest_log
from dagster_project.lib.ingest.raw_audit import audit_raw
from dagster_project.lib.publish.publisher import (
    archive_file,
    current_version,
    list_versions,
    sha256_file,
)
from tests.pipeline_kit import (
    crlf,
    env_for,
    kill_group,
    output_of,
    published_checks,
    run_to_end,
    start_publish,
    start_run,
    wait_for,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chain(copy_demo):
    root, paths = copy_demo("fault")
    changed = [  # new versions (same rows, new bytes) of a few SP2D files: work for the next run
        crlf(p) for p in sorted((paths.landing / "bpkad" / "sp2d" / "2024").glob("*.csv"))[:3]
    ]
    return {
        "root": root,
        "paths": paths,
        "changed": changed,
        "good": sha256_file(paths.published_db),  # the last good published version
        "versions": {v["version"] for v in list_versions(paths)},
        "demo_version": current_version(paths)["version"],
    }


def _kill_publish(chain, point: str) -> None:
    """Gate and publish a copy of the demo's gated build; SIGKILL the process at `point`."""
    paths = chain["paths"]
    build = paths.build / f"build_{point}.duckdb"
    shutil.copyfile(archive_file(paths, chain["demo_version"]), build)
    marker = paths.root / "tmp" / f"failpoint__{point}"
    proc = start_publish(chain["root"], build, run_id=point, APBD_FAILPOINT=point)
    wait_for(marker.exists, proc, timeout=120)
    kill_group(proc)
    marker.unlink()


def test_1_sigkill_during_ingest(chain):
    paths = chain["paths"]
    marker = paths.root / "tmp" / "failpoint__ingest_tmp_ditulis"
    proc = start_run(chain["root"], APBD_FAILPOINT="ingest_tmp_ditulis")
    wait_for(marker.exists, proc)
    half_written = list(paths.raw.rglob(".*.tmp-*"))
    kill_group(proc)
    marker.unlink()

    assert half_written, "the kill must land while a Parquet file is being written"
    assert all(not p.name.endswith(".parquet") for p in half_written)  # dbt never globs them
    assert sha256_file(paths.published_db) == chain["good"]
    assert published_checks(paths) == []
    for contract in source_contracts().values():  # what dbt would read is whole and valid
        result = audit_raw(contract, paths)
        assert result.passed, result.message


def test_2_sigkill_during_dbt_build(chain):
    paths = chain["paths"]
    build = paths.build / "apbd_build.duckdb"
    assert not build.exists()
    proc = start_run(chain["root"])
    wait_for(lambda: build.exists() and build.stat().st_size > 0, proc, step=0.05)
    # This run got past ingest: the killed ingest's temp files are gone, the new files are in.
    assert not list(paths.raw.rglob(".*.tmp-*"))
    loaded = set(read_ingest_log(paths).filter(pl.col("status") == "dimuat")["berkas"])
    assert {c.split("/landing/", 1)[1] for c in chain["changed"]} <= loaded
    time.sleep(1.0)  # dbt is building seeds and models now
    assert proc.poll() is None
    kill_group(proc)

    assert build.exists()  # a half-built file is left behind …
    assert sha256_file(paths.published_db) == chain["good"]  # … and never published
    assert published_checks(paths) == []


def test_3_next_run_recovers_by_itself(chain):
    paths = chain["paths"]
    rc, out = run_to_end(chain["root"])
    assert rc == 0, out[-6000:]
    assert sha256_file(paths.published_db) != chain["good"]
    assert published_checks(paths) == []
    assert not list(paths.raw.rglob(".*.tmp-*"))
    inputs = {i["sha256"] for i in current_version(paths)["inputs"]}
    log = read_ingest_log(paths)
    for berkas in chain["changed"]:
        rel = berkas.split("/landing/", 1)[1]
        assert log.filter(pl.col("berkas") == rel)["sha256"][-1] in inputs
    # The two killed runs are marked failed (their pool slots were freed, or this run would
    # have waited for them forever).
    old = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = env_for(chain["root"])["DAGSTER_HOME"]
    try:
        with dg.DagsterInstance.get() as instance:
            statuses = [r.status for r in instance.get_runs()]
    finally:
        if old is None:
            os.environ.pop("DAGSTER_HOME")
        else:
            os.environ["DAGSTER_HOME"] = old
    # One run per killed process is left failed; a full run is several Dagster runs (one per
    # partitions definition, then the rebuild), so the recovering run adds several successes.
    assert statuses.count(dg.DagsterRunStatus.FAILURE) == 2
    assert statuses.count(dg.DagsterRunStatus.SUCCESS) >= 1
    assert not [
        s for s in statuses if s in (dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING)
    ]
    new = {v["version"] for v in list_versions(paths)} - chain["versions"]
    assert len(new) == 1  # one run, one new version: the recovering run's
    chain["versions"] |= new
    chain["good"] = sha256_file(paths.published_db)


def test_4_sigkill_during_publish_before_the_swap(chain):
    paths = chain["paths"]
    _kill_publish(chain, "publish_sebelum_ganti")
    (killed,) = [v for v in list_versions(paths) if v["version"] not in chain["versions"]]
    chain["versions"].add(killed["version"])
    assert killed["checks"]["failed_blocking"] == 0  # only a gated build gets this far
    assert sha256_file(paths.published_db) == chain["good"] and not killed["is_current"]
    assert published_checks(paths) == []


def test_5_sigkill_during_publish_after_the_swap(chain):
    paths = chain["paths"]
    _kill_publish(chain, "publish_sesudah_ganti")
    (killed,) = [v for v in list_versions(paths) if v["version"] not in chain["versions"]]
    chain["versions"].add(killed["version"])
    assert killed["checks"]["failed_blocking"] == 0 and killed["is_current"]
    now = sha256_file(paths.published_db)
    assert now == killed["sha256"] != chain["good"]  # a complete new version that passed the gate
    assert published_checks(paths) == []
    chain["good"] = now


def test_6_next_publish_after_the_killed_ones_goes_through(chain):
    """The publish lock and the log entries the killed publishes left block nothing."""
    paths = chain["paths"]
    (recovered,) = [
        v
        for v in list_versions(paths)
        if v["run_id"] not in ("publish_sebelum_ganti", "publish_sesudah_ganti")
        and v["version"] != chain["demo_version"]
    ]
    build = paths.build / "build_lagi.duckdb"
    shutil.copyfile(archive_file(paths, recovered["version"]), build)
    proc = start_publish(chain["root"], build, run_id="terbit_lagi")
    assert proc.wait(timeout=120) == 0, output_of(proc)[-4000:]
    entry = current_version(paths)
    assert entry["run_id"] == "terbit_lagi" and entry["version"] not in chain["versions"]
    assert sha256_file(paths.published_db) == entry["sha256"] == recovered["sha256"]
    assert entry["previous_version"] is not None and not build.exists()
    assert published_checks(paths) == []
