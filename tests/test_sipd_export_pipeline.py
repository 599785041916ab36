"""The demo's budget as SIPD's whole-pemda export, dropped into the shared demo's landing, builds
the same pagu per OPD, sub kegiatan, akun and sumber dana as the per-OPD files it replaces.

`apbd demo --sipd-export` writes the same world with its rincian lines in one XLSX per year and
tahapan; the files are copied into a copy of the shared demo (so they arrive after the per-OPD
files), the real loader ingests what is new (only the export: every other file is unchanged), and
dbt builds the budget marts and their data tests into a fresh build file from that raw Parquet.
The marts are compared with the shared demo's published ones, to the rupiah. (The rest of a run,
gate and publish, does not depend on where a rincian line came from: the shared demo's run and
test_faults' recovering run prove it; this module pays for one targeted dbt build, not a run.)
"""

from __future__ import annotations

import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import PurePosixPath

import duckdb
import polars as pl
import pytest

from dagster_project.lib.contracts.model import source_contracts
from dagster_project.lib.core.paths import PROJECT_ROOT
from dagster_project.lib.ingest.loader import current_inputs, ingest_source, read_ingest_log
from tests.pipeline_kit import APBD, DEMO_SCALE, DEMO_YEARS, build_models, env_for, pipeline_env

# The marts the comparison reads, and everything upstream of them (seeds, staging, facts).
BUDGET_MARTS = (
    "+mart_anggaran_realisasi",
    "+mart_kepatuhan_belanja",
    "+mart_kepatuhan_belanja_program",
    "+fct_belanja_wilayah",
    "+fct_anggaran",
)
RUN_ID = "uji-ekspor-sipd"

PAGU = """
    select tahun, kode_skpd, kode_sub_kegiatan, kode_akun, kode_sumber_dana,
           sum(pagu_murni_rp), sum(pagu_perubahan_rp), sum(pagu_akhir_rp), sum(realisasi_rp)
    from marts.mart_anggaran_realisasi group by all order by all"""


def query(db, sql):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def export_world(demo_run, tmp_path_factory):
    """The shared demo's world written by `apbd demo --sipd-export`: (landing folder, manifest)."""
    root = tmp_path_factory.mktemp("sipd_export_world")
    subprocess.run(
        [APBD, "demo", "--sipd-export", "--scale", str(DEMO_SCALE), "--data-dir", str(root)],
        cwd=PROJECT_ROOT,
        env=env_for(root),
        check=True,
        capture_output=True,
    )
    landing = root / "landing"
    manifest = json.loads((landing / "_manifest.json").read_text(encoding="utf-8"))
    assert manifest["years"] == list(DEMO_YEARS)  # the CLI's default years are the demo's
    return landing, manifest


@pytest.fixture(scope="module")
def replaced(export_world, copy_demo):
    """A copy of the shared demo with the export dropped into its landing: the real loader ingests
    it, then `dbt build` (models and data tests) of the budget marts into a fresh build file.
    Returns (paths, build file)."""
    landing, _ = export_world
    root, paths = copy_demo("sipd_export")
    for f in sorted((landing / "sipd" / "rincian_pemda").rglob("*.xlsx")):
        target = paths.landing / f.relative_to(landing)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, target)  # arrives now: after every per-OPD file
    with pipeline_env(root):
        ingest_source(source_contracts()["sipd.dpa_rincian"], paths, run_id=RUN_ID)
    build = build_models(root, "ekspor_sipd", *BUDGET_MARTS)
    return paths, build


def test_the_export_is_written_from_the_same_lines_and_every_other_file_is_identical(
    demo_run, export_world
):
    _, manifest = export_world
    per_opd = {f["path"]: f["sha256"] for f in demo_run.manifest["files"]}
    export = {f["path"]: f["sha256"] for f in manifest["files"]}
    rincian = {p for p in per_opd if p.startswith("sipd/dpa_rincian/")}
    sheets = {p for p in export if p.startswith("sipd/rincian_pemda/")}
    assert {p: s for p, s in per_opd.items() if p not in rincian} == {
        p: s for p, s in export.items() if p not in sheets
    }
    # one sheet per year and tahapan the per-OPD files have, and the same true totals
    phases = {
        (p.split("/")[2], PurePosixPath(p).stem.removeprefix("dpa_rincian_")) for p in rincian
    }
    per_sheet = {
        (p.split("/")[2], PurePosixPath(p).stem.removeprefix("rincian_belanja_")) for p in sheets
    }
    assert per_sheet == phases
    assert manifest["totals"] == demo_run.manifest["totals"]


def test_loading_the_export_builds_the_same_pagu_as_the_per_opd_files(
    replaced, published_demo, demo_run, export_world
):
    paths, build = replaced
    # every rincian slot is now held by the export, none by an OPD's own file
    slots = current_inputs(paths).filter(pl.col("tabel") == "dpa_rincian")
    assert slots.height > 0 and slots["berkas"].str.starts_with("sipd/rincian_pemda/").all()
    assert slots["baris_karantina"].sum() == 0
    # the ingest read the export's sheets and nothing else: one entry per OPD slot, none rejected
    # (what the run summary counts as "N berkas diproses (M slot OPD × periode) (0 ditolak utuh)")
    sheets = sorted((export_world[0] / "sipd" / "rincian_pemda").rglob("*.xlsx"))
    done = read_ingest_log(paths).filter(pl.col("run_id") == RUN_ID)
    assert done["berkas"].n_unique() == len(sheets) and done.height == slots.height
    assert done.filter(pl.col("status") == "ditolak").height == 0
    before = query(published_demo.published_db, PAGU)
    after = query(build, PAGU)
    assert len(after) == len(before) and after == before  # every row, to the rupiah
    # and every budget fact and compliance figure built on it (only the source file differs)
    for table in ("fct_anggaran", "mart_kepatuhan_belanja", "mart_kepatuhan_belanja_program"):
        same = f"select * exclude (sumber_sha256) from marts.{table} order by all"
        assert query(build, same) == query(published_demo.published_db, same), table
    for tahun, totals in demo_run.manifest["totals"].items():
        per_opd = dict(
            query(
                build,
                "select kode_skpd, sum(pagu_akhir_rp) from marts.mart_anggaran_realisasi "
                f"where tahun = {int(tahun)} group by all",
            )
        )
        expected = {k: Decimal(v["pagu_akhir"]) for k, v in totals["per_opd"].items()}
        assert {k: v for k, v in per_opd.items() if v} == {k: v for k, v in expected.items() if v}
    # the export has no line location: a line follows its sub kegiatan's kelurahan (or the city),
    # so money may move between places, but every sub kegiatan keeps its pagu and realisasi
    located = """select tahun, kode_skpd, kode_sub_kegiatan, sum(pagu_akhir_rp), sum(realisasi_rp)
                 from marts.fct_belanja_wilayah group by all order by all"""
    assert query(build, located) == query(published_demo.published_db, located)
