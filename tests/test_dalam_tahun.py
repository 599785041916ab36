"""Issue 14 §1 and §2 on the shared demo: what the budget phases changed line by line
(mart_perubahan_anggaran, `apbd banding`) and what the OPDs report against the SP2D paid
(mart_rekonsiliasi_realisasi, the Rekonsiliasi sheet), each measured against the truth the demo
planted (lib/demo/dalam_tahun.py). Read-only on the published demo; no pipeline run of its own.
The matching and status rules on fixed inputs are the dbt unit tests of the two int_ models."""

from __future__ import annotations

from decimal import Decimal

import openpyxl
import pytest
from typer.testing import CliRunner

from dagster_project.cli import app
from dagster_project.lib.demo import dalam_tahun as dt
from dagster_project.lib.demo.generator import (
    PERGESERAN_SESUDAH_PERUBAHAN,
    PERGESERAN_TANPA_PERUBAHAN,
)
from dagster_project.lib.outputs import reports
from dagster_project.lib.publish.publisher import open_published, sha256_file

SELAIN_PERGESERAN = {PERGESERAN_TANPA_PERUBAHAN, PERGESERAN_SESUDAH_PERUBAHAN}


def _rows(paths, sql: str, params: dict | None = None) -> list[dict]:
    with open_published(paths) as con:
        cur = con.execute(sql, params or {})
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def test_perubahan_anggaran_finds_planted_changes_and_moves(demo_run, published_demo):
    truth = demo_run.manifest["kebenaran"]["perubahan_rincian"]
    assert {t["tanam"] for t in truth} >= {"nomor_baru", "dipindah", "diganti", "nama_baru"}
    for tahun in demo_run.manifest["years"]:
        # murni → perubahan: every pair with murni is compared, whatever phases lie between
        rows = _rows(
            published_demo,
            """select * from marts.mart_perubahan_anggaran
            where tahun = $t and tahap_dari = 'murni' and tahap_ke = 'perubahan'""",
            {"t": tahun},
        )
        skor = dt.skor_perubahan_rincian(
            rows, [t for t in truth if t["tahun"] == tahun], SELAIN_PERGESERAN
        )
        for status in ("berubah", "dipindah"):
            s = skor[status]
            assert s.tp >= 10, (tahun, status, str(s))
            assert s.presisi >= 0.95 and s.recall >= 0.95, (tahun, status, str(s))
        # every way of matching is used, and every row says why in words
        assert {r["cara_pencocokan"] for r in rows} == {
            "kode_persis",
            "kode_saja",
            "nama_mirip",
            "tidak_ditemukan",
        }
        assert all(r["alasan"] for r in rows)
        nama = [r for r in rows if r["cara_pencocokan"] == "nama_mirip"]
        assert all(r["kemiripan_nama"] >= Decimal("0.9") for r in nama)
        moved = next(r for r in rows if r["status"] == "dipindah")
        assert moved["kode_sub_kegiatan_ke"] in moved["alasan"]


def test_perubahan_ringkas_adds_up_to_the_budget_mart(demo_run, published_demo):
    """Per OPD, the murni side and the final side of the line-by-line comparison are the pagu
    murni and pagu akhir of mart_anggaran_realisasi, to the rupiah."""
    for tahun in demo_run.manifest["years"]:
        rows = _rows(
            published_demo,
            """
            with anggaran as (
                select kode_skpd, sum(pagu_murni_rp) as murni, sum(pagu_akhir_rp) as akhir
                from marts.mart_anggaran_realisasi where tahun = $t group by all
            )
            select r.kode_skpd, r.pagu_dari_rp, r.pagu_ke_rp, a.murni, a.akhir
            from marts.mart_perubahan_anggaran_ringkas as r
            join anggaran as a using (kode_skpd)
            where r.tahun = $t and r.tahap_dari = 'murni' and r.tahap_ke = 'perubahan'
                and r.tingkat = 'opd'
            """,
            {"t": tahun},
        )
        assert len(rows) >= 30
        assert all(r["pagu_dari_rp"] == r["murni"] for r in rows)
        biasa = [r for r in rows if r["kode_skpd"] not in SELAIN_PERGESERAN]
        assert all(r["pagu_ke_rp"] == r["akhir"] for r in biasa)


def test_rekonsiliasi_finds_planted_over_and_under_claims(demo_run, published_demo):
    truth = demo_run.manifest["kebenaran"]["klaim_keuangan"]
    rows = _rows(published_demo, "select * from marts.mart_rekonsiliasi_realisasi")
    skor = dt.skor_klaim(rows, truth)
    assert skor.tp >= 50, str(skor)
    assert skor.presisi >= 0.9 and skor.recall >= 0.9, str(skor)
    status = {(r["tahun"], r["triwulan"], r["kode_skpd"], r["kode_sub_kegiatan"]): r for r in rows}
    tanpa = [t for t in truth if t["jenis"] == "tanpa_sp2d"]
    assert tanpa
    for t in tanpa:  # a claim where no SP2D was paid is never 'cocok'
        r = status[(t["tahun"], t["triwulan"], t["kode_skpd"], t["kode_sub_kegiatan"])]
        assert r["status"] == "dilaporkan_tanpa_sp2d", r
    lebih = next(r for r in rows if r["status"] == "selisih" and r["arah_selisih"] == "lebih")
    assert "dilaporkan lebih" in lebih["alasan"] and "di luar toleransi" in lebih["alasan"]
    assert abs(lebih["selisih_rp"]) > lebih["toleransi_rp"]
    # the tolerance in force is the seed's, published with the mart
    (seed,) = _rows(published_demo, "select * from reference.ref_toleransi_rekonsiliasi")
    assert {r["toleransi_persen"] for r in rows} == {seed["toleransi_persen"]}


def test_laporan_rekonsiliasi_sheet_lists_what_does_not_agree(published_demo):
    with open_published(published_demo) as con:
        sel = reports.resolve_selection(con, 2025, None, None)
        table = reports.rekonsiliasi_table(con, sel)
    expected = _rows(
        published_demo,
        """select count(*) as n from marts.mart_rekonsiliasi_realisasi
        where tahun = 2025 and status <> 'cocok' and triwulan = (
            select max(triwulan) from marts.mart_rekonsiliasi_realisasi where tahun = 2025)""",
    )[0]["n"]
    assert table.sheet == "Rekonsiliasi" and len(table.rows) == expected > 0
    gaps = [
        abs(r["selisih_rp"] if r["selisih_rp"] is not None else r["sp2d_rp"]) for r in table.rows
    ]
    assert gaps == sorted(gaps, reverse=True)
    assert {r["status_teks"] for r in table.rows} <= set(reports.STATUS_REKON.values())


@pytest.fixture(scope="module")
def banding_2025(published_demo, tmp_path_factory, artifacts_dir):
    out = tmp_path_factory.mktemp("banding")
    before = sha256_file(published_demo.published_db)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("APBD_DATA_DIR", str(published_demo.root))
        args = ["banding", "--tahun", "2025", "--dari", "murni", "--ke", "perubahan"]
        ok = CliRunner().invoke(app, [*args, "--keluar", str(out)])
        salah = CliRunner().invoke(app, [*args[:-1], "pergeseran_9", "--keluar", str(out)])
    assert sha256_file(published_demo.published_db) == before
    path = out / "banding_2025_murni_perubahan.xlsx"
    if path.exists():
        (artifacts_dir / path.name).write_bytes(path.read_bytes())
    return ok, salah, path


def test_banding_writes_the_largest_changes_first_in_rupiah(banding_2025):
    ok, _, path = banding_2025
    assert ok.exit_code == 0, ok.output
    assert "Perubahan APBD 2025: murni → perubahan" in ok.output
    wb = openpyxl.load_workbook(path, read_only=True)
    assert wb.sheetnames == ["Perubahan terbesar", "Per OPD", "Per program", "Per akun", "Catatan"]
    head, *body, total = wb["Perubahan terbesar"].iter_rows(min_row=4)
    titles = [c.value for c in head]
    assert titles[:3] == ["Status", "OPD (sebelum)", "Sub kegiatan (sebelum)"]
    col = titles.index("Selisih")
    values = [row[col].value for row in body]
    assert len(values) > 50
    assert [abs(v) for v in values] == sorted((abs(v) for v in values), reverse=True)
    assert body[0][col].number_format == reports.RUPIAH_FORMAT
    assert {row[0].value for row in body} == {"Berubah", "Ditambah", "Dihapus", "Dipindah"}
    assert total[0].value == "Jumlah"


def test_banding_refuses_a_phase_the_year_does_not_have(banding_2025):
    _, salah, _ = banding_2025
    assert salah.exit_code == 1
    text = " ".join(salah.output.split())
    assert "Tahap 'pergeseran_9' tidak ada pada tahun 2025" in text
    assert "murni" in text and "perubahan" in text  # the phases that do exist


def test_banding_pairs_murni_with_every_later_phase_and_names_a_wrong_order(published_demo):
    from dagster_project.lib.outputs import banding

    with open_published(published_demo) as con:
        tahap = banding.tahap_tersedia(con, 2024)
        rep = banding.build_banding_report(con, 2024, "murni", "perubahan")
        with pytest.raises(reports.ReportError) as salah:
            banding.build_banding_report(con, 2024, "perubahan", "murni")
        with pytest.raises(reports.ReportError) as tahun_lain:
            banding.build_banding_report(con, 2031, "murni", "perubahan")
    # 2024 has a pergeseran before and after its perubahan: murni → perubahan is still compared
    assert tahap == ["murni", "pergeseran_1", "perubahan", "pergeseran_perubahan_1"]
    assert rep.tables[0].rows and rep.file_stem == "banding_2024_murni_perubahan"
    assert "tidak sebelum" in salah.value.message and "→" in salah.value.hint
    assert "tahun 2031" in tahun_lain.value.message and "2024, 2025" in tahun_lain.value.hint
