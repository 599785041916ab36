"""End to end with the real stack: demo files → Dagster (ingest, dbt, gate) → published mart.

One demo data set is generated and run once per module; later tests build on that state.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

import duckdb
import pytest

from dagster_project.lib.demo import generate
from dagster_project.lib.ingest import read_ingest_log
from dagster_project.lib.paths import DataPaths
from dagster_project.runtime import configure_environment, ensure_dbt_manifest, run_pipeline

pytestmark = pytest.mark.slow


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    root = tmp_path_factory.mktemp("pipeline")
    mp = pytest.MonkeyPatch()
    mp.setenv("DAGSTER_HOME", str(root / "dagster_home"))
    paths = configure_environment(root / "data")
    ensure_dbt_manifest()
    manifest = generate(paths.landing, scale=0.3, years=(2024, 2025))
    report = run_pipeline()
    yield paths, manifest, report
    mp.undo()


def query(paths: DataPaths, sql: str):
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_first_run_publishes(pipeline):
    paths, _, report = pipeline
    assert report.success, (report.failed_steps, report.failed_checks)
    assert paths.published_db.exists()
    assert {"ingest", "dbt build", "gerbang mutu", "publish"} <= set(report.stage_seconds)


def test_mart_reconciles_to_the_rupiah_with_the_generator_manifest(pipeline):
    paths, manifest, _ = pipeline
    for tahun, totals in manifest["totals"].items():
        (real, murni, perubahan) = query(
            paths,
            f"""
            select sum(realisasi_rp), sum(pagu_murni_rp), sum(pagu_perubahan_rp)
            from marts.mart_anggaran_realisasi where tahun = {int(tahun)}""",
        )[0]
        assert real == Decimal(totals["realisasi"])
        assert murni == Decimal(totals["pagu"]["murni"])
        assert perubahan == Decimal(totals["pagu"]["perubahan"])
        per_opd = dict(
            query(
                paths,
                f"""
            select kode_skpd, sum(realisasi_rp) from marts.mart_anggaran_realisasi
            where tahun = {int(tahun)} group by all""",
            )
        )
        expected = {k: Decimal(v["realisasi"]) for k, v in totals["per_opd"].items()}
        assert {k: v for k, v in per_opd.items() if v} == {k: v for k, v in expected.items() if v}


def test_published_file_holds_marts_only_and_no_views_over_raw(pipeline):
    paths, _, _ = pipeline
    schemas = {r[0] for r in query(paths, "select distinct schema_name from duckdb_schemas()")}
    assert "staging" not in schemas and "intermediate" not in schemas
    assert {"marts", "reference"} <= schemas


def test_second_run_is_a_noop_for_unchanged_files_and_still_publishes(pipeline):
    paths, _, _ = pipeline
    log_before = read_ingest_log(paths).height
    report = run_pipeline()
    assert report.success, (report.failed_steps, report.failed_checks)
    assert read_ingest_log(paths).height == log_before  # nothing re-ingested
    versions = sorted(p.name for p in paths.publish_log.glob("*.json"))
    assert len(versions) == 2
    (n,) = query(paths, "select count(*) from marts.mart_anggaran_realisasi")[0]
    assert n > 0


def test_broken_file_is_quarantined_and_a_failed_gate_keeps_the_published_mart(pipeline):
    paths, _, _ = pipeline
    before = sha(paths.published_db)
    opd_dir = next((paths.landing / "sipd" / "dpa_sub_kegiatan" / "2025").iterdir())
    opd = opd_dir.name
    sub = query(
        paths,
        f"""select kode_sub_kegiatan from marts.mart_anggaran_realisasi
        where tahun = 2025 and kode_skpd = '{opd}' and pagu_murni_rp > 0 limit 1""",
    )[0][0]
    for old in opd_dir.glob("dpa_sub_kegiatan_murni.*"):
        old.unlink()
    # A valid-looking row whose pagu no longer matches its rincian (the gate must catch it), an
    # unknown sub kegiatan and a negative pagu (ingest must quarantine them with reasons).
    (opd_dir / "dpa_sub_kegiatan_murni.csv").write_text(
        "tahun,tahap,kode_skpd,kode_sub_kegiatan,pagu_rp\n"
        f"2025,murni,{opd},{sub},1\n"
        f"2025,murni,{opd},1.02.99.2.02.0099,500000000\n"
        f"2025,murni,{opd},{sub[:-4]}9998,-5000000\n",
        encoding="utf-8",
    )
    report = run_pipeline()
    assert not report.success
    assert sha(paths.published_db) == before  # byte-for-byte the last good mart
    log = read_ingest_log(paths).filter(read_ingest_log(paths)["berkas"].str.contains(opd))
    last = log.tail(1).to_dicts()[0]
    assert last["baris_karantina"] == 2 and last["baris_dimuat"] == 1
    errors = next(paths.quarantine.rglob("*.errors.parquet"))
    import polars as pl

    reasons = pl.read_parquet(errors)["alasan"].to_list()
    assert any("tidak dikenal" in r for r in reasons) and any("negatif" in r for r in reasons)
    failures = " ".join(
        name + " " + why for name, why in report.failed_checks + report.failed_steps
    )
    assert "pagu" in failures.lower()
    entries = [json.loads(p.read_text()) for p in paths.publish_log.glob("*.json")]
    assert len(entries) == 2  # nothing new was published
