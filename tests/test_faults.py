"""Faults: SIGKILL the real pipeline (`apbd run` in a subprocess, with dbt) during ingest, during
the dbt build and during publish (before and after the swap). After each kill the published mart
is byte-identical to the last good version or is a complete new version that passed the gate; it
opens read-only and passes its contract checks; no partial Parquet is read as complete; and the
next plain run gets past the point where the previous one died, until one publishes.

The tests run in order on one data folder (a copy of the baseline run), each run being the "next
run" of the one killed before it: that keeps the module to about five pipeline runs.
"""

from __future__ import annotations

import time

import dagster as dg
import polars as pl
import pytest

from dagster_project.lib.contracts.model import source_contracts
from dagster_project.lib.ingest.loader import read_ingest_log
from dagster_project.lib.ingest.raw_audit import audit_raw
from dagster_project.lib.publish.publisher import current_version, list_versions, sha256_file
from tests.pipeline_kit import (
    copy_state,
    crlf,
    env_for,
    kill_group,
    published_checks,
    run_to_end,
    start_run,
    wait_for,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chain(baseline_run, tmp_path_factory):
    root = tmp_path_factory.mktemp("fault")
    paths = copy_state(baseline_run[0], root)
    changed = [  # new versions (same rows, new bytes) of a few SP2D files: work for the next run
        crlf(p) for p in sorted((paths.landing / "bpkad" / "sp2d" / "2024").glob("*.csv"))[:3]
    ]
    return {
        "root": root,
        "paths": paths,
        "changed": changed,
        "good": sha256_file(paths.published_db),  # the last good published version
        "versions": {v["version"] for v in list_versions(paths)},
    }


def _kill_at(chain, point: str):
    paths = chain["paths"]
    marker = paths.root / "tmp" / f"failpoint__{point}"
    proc = start_run(chain["root"], APBD_FAILPOINT=point)
    wait_for(marker.exists, proc)
    kill_group(proc)
    marker.unlink()
    return proc


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


def test_3_sigkill_during_publish_before_the_swap(chain):
    paths = chain["paths"]
    _kill_at(chain, "publish_sebelum_ganti")
    (killed,) = [v for v in list_versions(paths) if v["version"] not in chain["versions"]]
    chain["versions"].add(killed["version"])
    assert killed["checks"]["failed_blocking"] == 0  # only a gated build gets this far
    assert sha256_file(paths.published_db) == chain["good"] and not killed["is_current"]
    assert published_checks(paths) == []


def test_4_sigkill_during_publish_after_the_swap(chain):
    paths = chain["paths"]
    _kill_at(chain, "publish_sesudah_ganti")
    (killed,) = [v for v in list_versions(paths) if v["version"] not in chain["versions"]]
    assert killed["checks"]["failed_blocking"] == 0 and killed["is_current"]
    now = sha256_file(paths.published_db)
    assert now == killed["sha256"] != chain["good"]  # a complete new version that passed the gate
    assert published_checks(paths) == []
    chain["good"] = now


def test_5_next_run_recovers_by_itself(chain):
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
    # The four killed runs are marked failed (their pool slots were freed, or this run would
    # have waited for them forever).
    import os

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
    assert statuses.count(dg.DagsterRunStatus.FAILURE) == 4
    assert statuses.count(dg.DagsterRunStatus.SUCCESS) >= 1
    assert not [
        s for s in statuses if s in (dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING)
    ]
