"""Issue 12: two pemda in one warehouse, end to end, as an operator runs it.

`apbd demo --pemda 2` (Samarinda and one kab/kota drawn from ref_pemda) then `apbd run`, at the
smallest scale: every gate check passes and the mart is published; each pemda's SP2D spending
per year equals its generator's totals to the rupiah; every mart and fact holds both pemda under
kode_pemda, its first column. test_pemda_models proves on a twin world that no join mixes two
pemda; this module proves the real path (landing folders, ingest, dbt, gate, publish) serves two.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from dagster_project.defs.transform.project import SEED_TESTS
from dagster_project.lib.core.paths import DBT_DIR, PROJECT_ROOT
from tests.pipeline_kit import APBD, copy_state, dbt_target, env_for, run_to_end

pytestmark = pytest.mark.slow

# Marts whose rows come from national files or rules, not from one pemda's own data.
NASIONAL = {"dim_akun", "dim_indikator", "dim_sub_kegiatan", "dim_sumber_dana", "dim_waktu"}


@pytest.fixture(scope="module")
def dua_pemda(tmp_path_factory):
    root = tmp_path_factory.mktemp("dua_pemda")
    demo = subprocess.run(
        [APBD, "demo", "--pemda", "2", "--scale", "0.05", "--data-dir", str(root / "data")],
        cwd=PROJECT_ROOT,
        env=env_for(root),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    code, out = run_to_end(root)
    assert code == 0, f"apbd run gagal (exit {code}):\n{out[-4000:]}"
    return root / "data"


def test_both_pemda_reconcile_with_their_generator_to_the_rupiah(dua_pemda):
    landing = dua_pemda / "landing"
    kode = sorted(p.name for p in landing.iterdir() if p.is_dir() and p.name[:2].isdigit())
    assert len(kode) == 2 and "64.72" in kode
    with duckdb.connect(str(dua_pemda / "published" / "apbd_mart.duckdb"), read_only=True) as con:
        got = {
            (p, str(t)): v
            for p, t, v in con.execute(
                "select kode_pemda, tahun, sum(nilai_rp) from marts.fct_realisasi group by all"
            ).fetchall()
        }
    for k in kode:
        manifest = json.loads((landing / k / "_manifest.json").read_text(encoding="utf-8"))
        for tahun, total in manifest["totals"].items():
            assert got[(k, tahun)] == Decimal(total["realisasi"]), (k, tahun)


def test_every_mart_is_keyed_by_pemda_and_holds_both(dua_pemda):
    with duckdb.connect(str(dua_pemda / "published" / "apbd_mart.duckdb"), read_only=True) as con:
        tables = [
            t
            for (t,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        ]
        assert len(tables) > 30
        for table in tables:
            if table in NASIONAL:
                continue
            first = con.execute(
                "select column_name from information_schema.columns where table_schema = 'marts' "
                "and table_name = ? order by ordinal_position limit 1",
                [table],
            ).fetchall()
            assert first == [("kode_pemda",)], table
            n_rows, n_pemda = con.execute(
                f'select count(*), count(distinct kode_pemda) from marts."{table}"'
            ).fetchall()[0]
            assert n_rows == 0 or n_pemda >= 2 or table == "dim_pemda", (table, n_pemda)


# ---------------------------------------------------------------- apps, reports, exports per pemda
# On the same published two-pemda world (no other run): each reader shows one pemda at a time,
# its figures only, under its own name; the default is the deployment's pemda_bawaan (Samarinda).


def _lain(data: Path) -> str:
    """The pemda drawn beside Samarinda."""
    (kode,) = [
        p.name
        for p in (data / "landing").iterdir()
        if p.is_dir() and p.name[:2].isdigit() and p.name != "64.72"
    ]
    return kode


def _mart(data: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(data / "published" / "apbd_mart.duckdb"), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_reports_show_one_pemda_under_its_own_name(dua_pemda):
    from dagster_project.lib.contracts.pemda import pilih_pemda_terbit
    from dagster_project.lib.core.paths import DataPaths
    from dagster_project.lib.outputs import reports
    from dagster_project.lib.publish.publisher import open_published

    paths, lain = DataPaths(dua_pemda), _lain(dua_pemda)
    ((nama_lain, jenis_lain),) = _mart(
        dua_pemda, "select nama_pemda, jenis from marts.dim_pemda where kode_pemda = ?", [lain]
    )
    with open_published(paths) as con:
        bawaan = pilih_pemda_terbit(con, paths)  # several pemda, none asked: pemda_bawaan
        assert bawaan.kode_pemda == "64.72"
        for pemda in (bawaan, pilih_pemda_terbit(con, paths, lain)):
            sel = reports.resolve_selection(con, 2025, pemda=pemda)
            rep = reports.build_report(con, sel)
            ((pagu, realisasi),) = _mart(
                dua_pemda,
                "select sum(pagu_akhir_rp), sum(realisasi_rp) from marts.mart_anggaran_realisasi "
                "where kode_pemda = ? and tahun = 2025",
                [pemda.kode_pemda],
            )
            total = reports.totals(rep.tables[1].rows)
            assert (total["pagu_akhir"], total["realisasi"]) == (pagu, realisasi), pemda
            assert rep.title.endswith(f"Seluruh OPD {pemda.nama_pemda}")
            assert rep.author == f"Gudang data APBD {pemda.nama_pemda}"
            # every table of the report is this pemda's: the curve sums to its SP2D
            curve = next(t for t in rep.tables if t.sheet == "Kurva serapan")
            assert curve.total["realisasi"] == realisasi
    assert nama_lain != "Kota Samarinda" and sel.pemda.nama_pemda == nama_lain
    assert sel.slug == f"{lain.replace('.', '_')}_2025_{jenis_lain}"  # not Samarinda's file


def test_laporan_and_ekspor_take_pemda_like_status_and_run(dua_pemda, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from dagster_project.cli import app

    lain = _lain(dua_pemda)
    monkeypatch.setenv("APBD_DATA_DIR", str(dua_pemda))
    runner = CliRunner()
    result = runner.invoke(app, ["laporan", "--pemda", lain, "--keluar", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert [p.name for p in tmp_path.iterdir()] == [
        f"laporan_{lain.replace('.', '_')}_2025_{_jenis(dua_pemda, lain)}.xlsx"
    ]
    wrong = runner.invoke(app, ["laporan", "--pemda", "99.99", "--keluar", str(tmp_path)])
    assert wrong.exit_code != 0 and "bukan kode pemda" in wrong.output

    from dagster_project.lib.contracts.pemda import nama_pemda_terbit
    from dagster_project.lib.core.paths import DataPaths
    from dagster_project.lib.outputs import banding
    from dagster_project.lib.publish.publisher import open_published

    with open_published(DataPaths(dua_pemda)) as con:
        for kode in ("64.72", lain):
            rep = banding.build_banding_report(
                con, 2025, "murni", "perubahan", pemda=nama_pemda_terbit(con, kode)
            )
            ((bersih,),) = _mart(
                dua_pemda,
                "select sum(selisih_rp) from marts.mart_perubahan_anggaran where kode_pemda = ? "
                "and tahun = 2025 and tahap_dari = 'murni' and tahap_ke = 'perubahan' "
                "and status <> 'tetap'",
                [kode],
            )
            assert rep.tables[0].total["selisih_rp"] == bersih, kode

    out = tmp_path / "ekspor"
    result = runner.invoke(
        app, ["ekspor", "--pemda", lain, "--tanpa-validasi", "--keluar", str(out)]
    )
    assert result.exit_code == 0, result.output
    descriptor = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    ((nama,),) = _mart(
        dua_pemda, "select nama_pemda from marts.dim_pemda where kode_pemda = ?", [lain]
    )
    assert descriptor["regionCode"] == lain
    assert descriptor["title"].startswith(f"APBD {nama}:")
    assert "Samarinda" not in json.dumps(descriptor["title"] + descriptor["description"])
    with duckdb.connect() as con:
        for table in (
            "mart_anggaran_realisasi",
            "dim_opd",
            "fct_realisasi",
            "mart_kelompok_pembanding",
        ):
            rows = con.execute(
                f"select distinct kode_pemda from '{out}/parquet/{table}.parquet'"
            ).fetchall()
            assert rows == [(lain,)], table
        for table in ("dim_pemda", "mart_pembanding_pemda"):  # every pemda (eksporSemuaPemda)
            (n,) = con.execute(f"select count(*) from '{out}/parquet/{table}.parquet'").fetchone()
            assert n == _mart(dua_pemda, f"select count(*) from marts.{table}")[0][0], table
        (n_akun,) = con.execute(f"select count(*) from '{out}/parquet/dim_akun.parquet'").fetchone()
    assert n_akun == _mart(dua_pemda, "select count(*) from marts.dim_akun")[0][0]  # national


def _jenis(data: Path, kode: str) -> str:
    return _mart(data, "select jenis from marts.dim_pemda where kode_pemda = ?", [kode])[0][0]


def test_apps_pick_one_pemda_and_filter_every_figure_by_it(dua_pemda, monkeypatch):
    from dagster_project.lib.contracts.pemda import Pemda
    from tests.test_notebooks import run_app

    lain = _lain(dua_pemda)
    ((nama, jenis),) = _mart(
        dua_pemda, "select nama_pemda, jenis from marts.dim_pemda where kode_pemda = ?", [lain]
    )
    text, defs = run_app("notebooks/02_keuangan_serapan.py", dua_pemda, monkeypatch)
    assert sorted(defs["pilih_pemda"].options.values()) == sorted(["64.72", lain])
    assert defs["pemda"].kode_pemda == "64.72"  # the default: pemda_bawaan
    names = sorted(defs["pilih_pemda"].options)
    shown = "data-options='[" + ",".join(f"&quot;{n}&quot;" for n in names) + "]'"
    assert shown in text  # the picker is shown beside the other filters
    for nb in ("notebooks/01_perencana_alokasi.py", "notebooks/02_keuangan_serapan.py"):
        text, defs = run_app(nb, dua_pemda, monkeypatch, pemda=Pemda(lain, nama, jenis))
        assert "Traceback" not in text
        assert f"{nama}" in text and "APBD Kota Samarinda" not in text, nb
        if "total" in defs:  # finance app: the report's figures of this pemda
            ((pagu,),) = _mart(
                dua_pemda,
                "select sum(pagu_akhir_rp) from marts.mart_anggaran_realisasi "
                "where kode_pemda = ? and tahun = ?",
                [lain, defs["pilihan"].tahun],
            )
            assert defs["total"]["pagu_akhir"] == pagu
        else:  # planner: spending by group, kelurahan and the scenario are this pemda's
            assert defs["pilihan"]["menurut"] == "bidang_urusan"
            ((pagu,),) = _mart(
                dua_pemda,
                "select sum(p) from (select round(sum(pagu_akhir_rp)) as p "
                "from marts.mart_anggaran_realisasi where kode_pemda = ? and tahun = ? "
                "group by kode_bidang_urusan)",
                [lain, defs["pilihan"]["tahun"]],
            )
            assert defs["belanja"]["pagu_akhir"].sum() == pagu
            assert defs["kelurahan"]["kode_wilayah"].str.starts_with(lain + ".").all()
            assert defs["hasil_skenario"].kode_pemda == lain
            assert set(defs["hasil_skenario"].baris["kode_pemda"]) == {lain}


def test_scenario_workbook_and_reasons_name_the_pemda_and_its_kind(dua_pemda, tmp_path):
    import zipfile

    from dagster_project.lib.core.paths import DataPaths
    from dagster_project.lib.planning import scenario as sk
    from dagster_project.lib.planning.workbook import write_xlsx
    from dagster_project.lib.publish.publisher import open_published

    lain = _lain(dua_pemda)
    ((nama, jenis),) = _mart(
        dua_pemda, "select nama_pemda, jenis from marts.dim_pemda where kode_pemda = ?", [lain]
    )
    with open_published(DataPaths(dua_pemda)) as con:
        hasil = sk.skenario_bawaan(con, lain)
    assert hasil is not None and hasil.kode_pemda == lain
    core = zipfile.ZipFile(write_xlsx(hasil, tmp_path / "s.xlsx")).read("docProps/core.xml")
    assert f"Gudang data APBD {nama}".encode() in core and b"Samarinda" not in core
    # a kabupaten's reasons call it a kabupaten; Samarinda's still say kota
    for kode, kind in (("64.72", "kota"), (lain, jenis)):
        alasan = _mart(
            dua_pemda,
            "select alasan from marts.mart_kebutuhan_wilayah where kode_pemda = ? "
            "and tingkat_wilayah in ('kota', 'kabupaten')",
            [kode],
        )
        assert alasan and all(
            a.startswith(f"baris {kind}: belanja untuk seluruh {kind}") for (a,) in alasan
        ), kode
        other = "kabupaten" if kind == "kota" else "kota"
        teks = " ".join(
            a or ""
            for (a,) in _mart(
                dua_pemda,
                "select alasan from marts.mart_kebutuhan_wilayah where kode_pemda = ? union all "
                "select alasan from marts.mart_proyeksi_serapan where kode_pemda = ? union all "
                "select alasan from marts.mart_anomali where kode_pemda = ?",
                [kode, kode, kode],
            )
        )
        assert f"seluruh {other}" not in teks and f"median {other} " not in teks, kode


def test_a_slice_build_recomputes_its_pemda_only_and_equals_the_full_build(dua_pemda, tmp_path):
    """Issue 12 (incremental): after a published build, dbt recomputes only the pemda whose raw
    files changed, from the last published build (lib/transform/irisan.py, as the pipeline's dbt
    asset runs it; test_automation's monthly file runs it through Dagster). The kept build is
    made stale for the other pemda (its facts off by a rupiah, an intermediate table's rows
    gone) and marked for Samarinda; one raw file of the other pemda is rewritten. The slice build
    then holds, table by table, exactly the fixture's full build of the same raw data, but for
    Samarinda's marked rows, which prove that a pemda outside the slice is not recomputed."""
    from dagster_project.lib.transform import irisan

    root = tmp_path / "irisan"
    paths = copy_state(dua_pemda.parent, root)
    lain = _lain(paths.root)
    with duckdb.connect(str(irisan.state_db(paths))) as con:
        con.execute(
            "update marts.fct_realisasi set nilai_rp = nilai_rp + 1 where kode_pemda = ?", [lain]
        )
        con.execute(
            "delete from intermediate.int_belanja_split_to_wilayah where kode_pemda = ?", [lain]
        )
        marked = con.execute(
            "update marts.mart_anggaran_realisasi set realisasi_rp = realisasi_rp + 7 "
            "where kode_pemda = '64.72' and realisasi_rp > 0"
        ).fetchone()[0]
    assert marked > 0
    raw = sorted((paths.raw / "bpkad" / "sp2d" / f"pemda={lain}").rglob("*.parquet"))[0]
    os.utime(raw)  # the file rewritten, as ingest does when a month is sent again

    rencana = irisan.plan(paths)
    assert rencana.irisan == (lain,), rencana.alasan
    assert rencana.sumber == ("bpkad.sp2d",), rencana.alasan
    build = paths.build / "apbd_build.duckdb"
    irisan.prepare_build(paths, build, rencana)
    manifest = json.loads((DBT_DIR / "target" / "manifest.json").read_text(encoding="utf-8"))
    args, sempit = irisan.dbt_build_args(rencana, manifest)
    dbt = subprocess.run(
        [
            str(Path(sys.executable).with_name("dbt")),
            *args,
            *("--project-dir", str(DBT_DIR), "--exclude", SEED_TESTS),
        ],
        env={
            **env_for(root),
            "APBD_BUILD_DB": str(build),
            "DBT_PROFILES_DIR": str(DBT_DIR),
            "DBT_TARGET_PATH": dbt_target(paths.build / "dbt_target_irisan"),
        },
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert dbt.returncode == 0, dbt.stdout[-4000:]
    assert "START sql seed" not in dbt.stdout  # the seeds are the kept build's
    # Only what SP2D reaches ran (and what reads the ingest log): the budget's models did not.
    results = json.loads((paths.build / "dbt_target_irisan" / "run_results.json").read_text())
    ran = {r["unique_id"] for r in results["results"]}
    # exactly what `narrowing` leaves in: dbt's selection drops nothing more, nothing less
    buildable = {
        u
        for u, n in manifest["nodes"].items()
        if n["resource_type"] in ("model", "test")
        and SEED_TESTS.removeprefix("tag:") not in n["tags"]
    }
    assert ran == buildable - sempit.model - sempit.test
    assert {"model.apbd.fct_realisasi", "model.apbd.mart_status_sumber"} <= ran
    assert {"model.apbd.fct_anggaran", "model.apbd.stg_sipd__dpa_rincian"} <= sempit.model
    assert any(u.startswith("test.apbd.relationships_fct_realisasi_") for u in ran)

    with duckdb.connect() as con:
        con.execute(f"attach '{build}' as irisan (read_only)")
        con.execute(f"attach '{dua_pemda / 'published' / 'apbd_mart.duckdb'}' as penuh (read_only)")
        tables = [
            t
            for (t,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_catalog = 'penuh' and table_schema = 'marts' order by 1"
            ).fetchall()
        ]
        assert len(tables) > 30
        for t in tables:
            if t == "mart_kepatuhan_pelaporan":
                continue  # built whole on the day's date: a run after midnight (WITA) differs
            for a, b in (("irisan", "penuh"), ("penuh", "irisan")):
                extra = f"(select * from {a}.marts.{t} except all select * from {b}.marts.{t})"
                if t == "mart_anggaran_realisasi":  # Samarinda's marked rows, and only those
                    rows = con.execute(f"select kode_pemda, count(*) from {extra} group by all")
                    assert rows.fetchall() == [("64.72", marked)], (t, a)
                else:
                    n = con.execute(f"select count(*) from {extra}").fetchone()[0]
                    assert n == 0, f"{t}: {n} baris di {a} yang tidak ada di {b}"

    # Had dbt failed in this build, its file would take the state's place with the slice
    # marked unpublished: the next build recomputes the same slice and carries over the same
    # tables, as the last published build has them (test_irisan).
    irisan.keep_candidate(paths, build, rencana, "run-gagal", gagal=True)
    again = irisan.plan(paths)
    assert (again.irisan, again.sumber) == (rencana.irisan, rencana.sumber)
    assert irisan.dbt_build_args(again, manifest) == (args, sempit)
