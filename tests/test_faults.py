"""Faults: SIGKILL the real pipeline (`apbd run` in a subprocess, with dbt) during ingest, during
the dbt build and during publish. After each kill the published mart is byte-identical to the last
good version or is a complete new version that passed the gate; it opens read-only and passes its
contract checks; no partial Parquet is read as complete; and a plain re-run recovers by itself.
"""

from __future__ import annotations

import time

import pytest

from dagster_project.lib.contracts import source_contracts
from dagster_project.lib.publish import current_version, list_versions, sha256_file
from dagster_project.lib.raw_audit import audit_raw
from tests.pipeline_kit import (
    copy_state,
    crlf,
    kill_group,
    published_checks,
    run_to_end,
    start_run,
    wait_for,
)

pytestmark = pytest.mark.slow


def _change_inputs(paths, n: int = 2) -> list[str]:
    """New versions (same rows, new bytes) of a few SP2D files, so the next run has work."""
    files = sorted((paths.landing / "bpkad" / "sp2d" / "2024").glob("*.csv"))[:n]
    return [crlf(p) for p in files]


def _recovers(tmp_path, paths, before: str) -> dict:
    rc, out = run_to_end(tmp_path)
    assert rc == 0, out[-6000:]
    assert sha256_file(paths.published_db) != before
    assert published_checks(paths) == []
    assert not list(paths.raw.rglob(".*.tmp-*"))
    return current_version(paths)


def test_sigkill_during_ingest_leaves_the_mart_and_raw_whole(baseline_run, tmp_path):
    paths = copy_state(baseline_run[0], tmp_path)
    before = sha256_file(paths.published_db)
    _change_inputs(paths)
    marker = paths.root / "tmp" / "failpoint__ingest_tmp_ditulis"
    proc = start_run(tmp_path, APBD_FAILPOINT="ingest_tmp_ditulis")
    wait_for(marker.exists, proc)
    half_written = list(paths.raw.rglob(".*.tmp-*"))
    kill_group(proc)

    assert half_written, "the kill must land while a Parquet is being written"
    assert all(not p.name.endswith(".parquet") for p in half_written)  # never globbed by dbt
    assert sha256_file(paths.published_db) == before
    assert published_checks(paths) == []
    for contract in source_contracts().values():  # what dbt would read is whole and valid
        result = audit_raw(contract, paths)
        assert result.passed, result.message

    marker.unlink()
    entry = _recovers(tmp_path, paths, before)
    assert entry["checks"]["failed_blocking"] == 0


def test_sigkill_during_dbt_build_leaves_the_mart_untouched(baseline_run, tmp_path):
    paths = copy_state(baseline_run[0], tmp_path)
    before = sha256_file(paths.published_db)
    _change_inputs(paths)
    build = paths.build / "apbd_build.duckdb"
    assert not build.exists()
    proc = start_run(tmp_path)
    wait_for(lambda: build.exists() and build.stat().st_size > 0, proc, step=0.05)
    time.sleep(1.0)  # dbt is creating seeds and models now
    assert proc.poll() is None
    kill_group(proc)

    assert build.exists()  # a half-built file is left behind …
    assert sha256_file(paths.published_db) == before  # … and never published
    assert published_checks(paths) == []
    _recovers(tmp_path, paths, before)  # the next run starts the build afresh


@pytest.mark.parametrize("point", ["publish_sebelum_ganti", "publish_sesudah_ganti"])
def test_sigkill_during_publish_leaves_old_or_new_whole_version(baseline_run, tmp_path, point):
    paths = copy_state(baseline_run[0], tmp_path)
    before = sha256_file(paths.published_db)
    logged_before = {v["version"] for v in list_versions(paths)}
    _change_inputs(paths)
    marker = paths.root / "tmp" / f"failpoint__{point}"
    proc = start_run(tmp_path, APBD_FAILPOINT=point)
    wait_for(marker.exists, proc)
    kill_group(proc)

    after = sha256_file(paths.published_db)
    new_entries = [v for v in list_versions(paths) if v["version"] not in logged_before]
    (killed,) = new_entries  # the log entry is written before the swap
    assert killed["checks"]["failed_blocking"] == 0  # only a gated build gets this far
    if point == "publish_sebelum_ganti":
        assert after == before and not killed["is_current"]
    else:
        assert after == killed["sha256"] != before and killed["is_current"]
    assert published_checks(paths) == []

    marker.unlink()
    _recovers(tmp_path, paths, after)
