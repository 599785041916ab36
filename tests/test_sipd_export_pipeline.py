"""The demo's budget as SIPD's whole-pemda export, dropped into the shared demo's landing, publishes
the same pagu per OPD, sub kegiatan, akun and sumber dana as the per-OPD files it replaces.

`apbd demo --sipd-export` writes the same world with its rincian
lines in one XLSX per year and tahapan; the files are copied into a copy of the shared demo (so they
arrive after the per-OPD files) and the real pipeline runs: ingest (only the export is new), dbt
build, gate, publish. The published marts are compared with the shared demo's, to the rupiah.
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

from dagster_project.lib.core.paths import PROJECT_ROOT
from dagster_project.lib.ingest.loader import current_inputs
from tests.pipeline_kit import APBD, DEMO_SCALE, DEMO_YEARS, env_for, run_to_end

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
    """A copy of the shared demo with the export dropped into its landing, run to the end."""
    landing, _ = export_world
    root, paths = copy_demo("sipd_export")
    for f in sorted((landing / "sipd" / "rincian_pemda").rglob("*.xlsx")):
        target = paths.landing / f.relative_to(landing)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, target)  # arrives now: after every per-OPD file
    rc, output = run_to_end(root)
    assert rc == 0, output[-4000:]
    return paths, output


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


def test_loading_the_export_publishes_the_same_pagu_as_the_per_opd_files(
    replaced, published_demo, demo_run, export_world
):
    paths, output = replaced
    # every rincian slot is now held by the export, none by an OPD's own file
    slots = current_inputs(paths).filter(pl.col("tabel") == "dpa_rincian")
    assert slots.height > 0 and slots["berkas"].str.starts_with("sipd/rincian_pemda/").all()
    assert slots["baris_karantina"].sum() == 0
    sheets = sorted((export_world[0] / "sipd" / "rincian_pemda").rglob("*.xlsx"))
    assert (
        f"Kiriman: {len(sheets)} berkas diproses ({slots.height} slot OPD × periode) (0 ditolak"
        in output
    )
    before = query(published_demo.published_db, PAGU)
    after = query(paths.published_db, PAGU)
    assert len(after) == len(before) and after == before  # every row, to the rupiah
    # and every budget fact and compliance figure built on it (only the source file differs)
    for table in ("fct_anggaran", "mart_kepatuhan_belanja", "mart_kepatuhan_belanja_program"):
        same = f"select * exclude (sumber_sha256) from marts.{table} order by all"
        assert query(paths.published_db, same) == query(published_demo.published_db, same), table
    for tahun, totals in demo_run.manifest["totals"].items():
        per_opd = dict(
            query(
                paths.published_db,
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
    assert query(paths.published_db, located) == query(published_demo.published_db, located)
