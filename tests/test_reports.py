"""`apbd laporan`: the finance workbook (XLSX), its print versions (HTML, PDF) and the formula
neutraliser, checked against a freshly published demo mart."""

from __future__ import annotations

import shutil
from decimal import Decimal

import duckdb
import openpyxl
import pytest
from typer.testing import CliRunner

from dagster_project.cli import app
from dagster_project.lib.core.fmt import rupiah
from dagster_project.lib.core.safe_cells import FORMULA_PREFIXES, neutralise_cell, neutralise_sql
from dagster_project.lib.outputs import reports
from dagster_project.lib.publish.publisher import open_published, sha256_file

DINKES = "1.02.0.00.0.00.01.0000"
RINGKASAN_OPD = [
    "Kode program",
    "Program",
    "Pagu murni",
    "Pagu akhir",
    "Realisasi (SP2D)",
    "Sisa pagu",
    "Serapan",
    "Rencana kas s.d. Desember",
    "Realisasi thd rencana kas",
    "Baris akun melebihi pagu",
    "Tanda",
]
MONEY = {"Pagu murni", "Pagu akhir", "Realisasi (SP2D)", "Sisa pagu", "Rencana kas s.d. Desember"}
HEADER_ROW = 4  # title, subtitle, blank, then the headings


# ---------------------------------------------------------------------- neutraliser (no mart)


@pytest.mark.parametrize(
    "value",
    [
        '=HYPERLINK("http://x","klik")',
        "+cmd|' /C calc'!A0",
        "-5 hari",
        "@SUM(A1)",
        "\t=1",
        "\r=1",
        " =1",
    ],  # leading spaces do not hide a formula (issue 16)
)
def test_text_that_a_spreadsheet_would_evaluate_gets_an_apostrophe(value):
    assert neutralise_cell(value) == "'" + value


@pytest.mark.parametrize(
    "value", ["Dinas Kesehatan", "1.02.02", "", " -5", 5, -5, Decimal("-1.5"), None, True]
)
def test_plain_text_and_numbers_pass_unchanged(value):
    assert neutralise_cell(value) is value or neutralise_cell(value) == value


def test_the_sql_rule_matches_the_python_rule():
    samples = [*(p + "x" for p in FORMULA_PREFIXES), "aman", "", None, "'sudah", "1.02"]
    con = duckdb.connect()
    got = [
        r[0]
        for r in con.execute(
            f"select {neutralise_sql('v')} from unnest($s) with ordinality as t(v, i) order by i",
            {"s": samples},
        ).fetchall()
    ]
    assert got == [neutralise_cell(s) for s in samples]


# ---------------------------------------------------------------------- against the demo mart


def mart_totals(paths, where: str) -> dict[str, Decimal]:
    with open_published(paths) as con:
        row = con.execute(
            f"""select sum(pagu_murni_rp), sum(pagu_akhir_rp), sum(realisasi_rp),
                       sum(sisa_pagu_rp), count(*) filter (where melebihi_pagu)
                from marts.mart_anggaran_realisasi where {where}"""
        ).fetchone()
    return dict(zip(["pagu_murni", "pagu_akhir", "realisasi", "sisa", "lebih"], row, strict=True))


def exact(value) -> Decimal:
    """A cell's float back to the rupiah-and-sen it was written from."""
    return Decimal(repr(value)).quantize(Decimal("0.01"))


@pytest.fixture(scope="module")
def laporan_dinkes(published_demo, tmp_path_factory, artifacts_dir):
    out = tmp_path_factory.mktemp("laporan")
    before = sha256_file(published_demo.published_db)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("APBD_DATA_DIR", str(published_demo.root))
        args = [
            "laporan",
            "--opd",
            "dinkes",
            "--tahun",
            "2025",
            "-f",
            "xlsx",
            "-f",
            "html",
            "-f",
            "pdf",
            "--keluar",
        ]
        result = CliRunner().invoke(app, [*args, str(out)])
    assert result.exit_code == 0, result.output
    assert sha256_file(published_demo.published_db) == before  # read-only, byte for byte
    for p in out.iterdir():  # for a person to open
        shutil.copyfile(p, artifacts_dir / p.name)
    return out, result.output


def test_laporan_writes_the_three_formats(laporan_dinkes):
    out, output = laporan_dinkes
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "laporan_2025_dinkes.html",
        "laporan_2025_dinkes.pdf",
        "laporan_2025_dinkes.xlsx",
    ]
    assert "Dinas Kesehatan" in output and "serapan" in output


def test_xlsx_has_indonesian_headings_rupiah_formats_frozen_header_and_filters(laporan_dinkes):
    out, _ = laporan_dinkes
    wb = openpyxl.load_workbook(out / "laporan_2025_dinkes.xlsx")
    assert wb.sheetnames == [
        "Ringkasan",
        "Rincian",
        "Jenis belanja",
        "Kurva serapan",
        "Kinerja program",
        "Kinerja sub kegiatan",
        "Melebihi pagu",
        "Proyeksi akhir tahun",
        "Daftar telaah",
        "Rekonsiliasi",
        "Catatan",
    ]
    ws = wb["Ringkasan"]
    headings = [c.value for c in ws[HEADER_ROW]]
    assert headings == RINGKASAN_OPD
    n = ws.max_row - HEADER_ROW - 1  # data rows (the last row holds the totals)
    assert ws.freeze_panes == f"A{HEADER_ROW + 1}"
    assert ws.auto_filter.ref == f"A{HEADER_ROW}:K{HEADER_ROW + n}"
    for col, title in enumerate(headings, start=1):
        cell = ws.cell(HEADER_ROW + 1, col)
        if title in MONEY:
            assert cell.number_format == reports.RUPIAH_FORMAT == "[$Rp-421]#,##0", title
        elif title in ("Serapan", "Realisasi thd rencana kas"):
            assert cell.number_format == "0.0%", title
        width = ws.column_dimensions[cell.column_letter].width
        assert 8 <= width <= 62, (title, width)
    assert ws.column_dimensions["B"].width > ws.column_dimensions["A"].width  # names get room
    # totals follow the filter (SUBTOTAL 109 skips hidden rows)
    assert ws.cell(ws.max_row, 4).value == f"=SUBTOTAL(109,D{HEADER_ROW + 1}:D{HEADER_ROW + n})"
    assert ws.cell(ws.max_row, 1).value == "Jumlah"
    rincian = wb["Rincian"]
    assert rincian.freeze_panes == f"A{HEADER_ROW + 1}" and rincian.auto_filter.ref
    last = rincian.max_row - 1  # the row under the data holds the SUBTOTAL formulas
    for row in rincian.iter_rows(min_row=HEADER_ROW + 1, max_row=last, values_only=True):
        for value in row:
            assert not (isinstance(value, str) and value.startswith(FORMULA_PREFIXES)), value


def test_xlsx_totals_equal_the_mart_to_the_rupiah(laporan_dinkes, published_demo):
    out, _ = laporan_dinkes
    expected = mart_totals(published_demo, f"tahun = 2025 and kode_skpd = '{DINKES}'")
    wb = openpyxl.load_workbook(out / "laporan_2025_dinkes.xlsx", data_only=True)
    ws = wb["Ringkasan"]
    total = [c.value for c in ws[ws.max_row]]  # cached values of the SUBTOTAL formulas
    assert exact(total[2]) == expected["pagu_murni"]
    assert exact(total[3]) == expected["pagu_akhir"]
    assert exact(total[4]) == expected["realisasi"]
    assert exact(total[5]) == expected["sisa"]
    assert total[9] == expected["lebih"]
    assert total[6] == pytest.approx(
        float(expected["realisasi"] / expected["pagu_akhir"]), abs=1e-4
    )
    # and the detail rows add up to the same, row by row
    rincian = wb["Rincian"]
    heads = [c.value for c in rincian[HEADER_ROW]]
    i_real = heads.index("Realisasi (SP2D)")
    rows = list(rincian.iter_rows(min_row=HEADER_ROW + 1, values_only=True))[:-1]
    assert sum(exact(r[i_real]) for r in rows) == expected["realisasi"]
    # the monthly curve ends where the totals are
    kurva = wb["Kurva serapan"]
    months = list(kurva.iter_rows(min_row=HEADER_ROW + 1, values_only=True))
    assert [m[0] for m in months[:12]] == list(reports.NAMA_BULAN)
    assert exact(months[11][4]) == expected["realisasi"]  # realisasi kumulatif, Desember


def test_notes_say_where_the_figures_come_from_and_what_is_missing(laporan_dinkes, published_demo):
    out, _ = laporan_dinkes
    ws = openpyxl.load_workbook(out / "laporan_2025_dinkes.xlsx")["Catatan"]
    notes = {r[0]: r[1] for r in ws.iter_rows(min_row=4, values_only=True)}
    meta = reports.published_meta(published_demo)
    assert notes["Versi mart terbit"] == meta["version"] != "tidak tercatat"
    assert notes["SHA-256 berkas mart"] == sha256_file(published_demo.published_db)
    assert "Belum tersedia" not in notes  # capaian and cost per output are in the workbook now
    assert "mart_kinerja_program" in notes["Capaian keluaran"]
    assert "median" in notes["Biaya per unit keluaran"]


def test_html_and_pdf_carry_the_same_totals(laporan_dinkes, published_demo):
    out, _ = laporan_dinkes
    expected = mart_totals(published_demo, f"tahun = 2025 and kode_skpd = '{DINKES}'")
    html = (out / "laporan_2025_dinkes.html").read_text(encoding="utf-8")
    assert "<script" not in html and "http" not in html.split("</style>")[0]  # prints offline
    assert "@page { size: A4 landscape" in html
    for heading in (
        "Pagu akhir",
        "Realisasi (SP2D)",
        "Serapan",
        "Tanda",
        "Capaian keluaran",
        "Biaya per unit keluaran",
        "Biaya per unit / median",
        "Tanda kinerja",
    ):
        assert f"<th>{heading}</th>" in html
    assert rupiah(expected["pagu_akhir"]) in html and rupiah(expected["realisasi"]) in html
    pdf = (out / "laporan_2025_dinkes.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf.count(b"/Type /Page\n") >= 8


KINERJA_PROGRAM = [
    "OPD",
    "Kode program",
    "Program",
    "Pagu akhir",
    "Realisasi (SP2D)",
    "Serapan",
    "Capaian keluaran",
    "Capaian outcome (laporan OPD)",
    "Skor dampak",
    "Biaya per unit tertinggi / median",
    "Klasifikasi",
    "Tanda kinerja",
    "Alasan",
]
KINERJA_SUB = [
    "OPD",
    "Kode sub kegiatan",
    "Sub kegiatan",
    "Lokasi",
    "Realisasi (SP2D)",
    "Indikator keluaran",
    "Satuan",
    "Target keluaran",
    "Realisasi keluaran",
    "Capaian keluaran",
    "Biaya per unit keluaran",
    "Median biaya per unit",
    "Biaya per unit / median",
    "Tanda kinerja",
    "Keterangan",
]
FORMATS = {
    "rupiah": "[$Rp-421]#,##0",
    "percent": "0.0%",
    "number": "#,##0.00",
}


def sheet_rows(ws) -> tuple[list[str], list[dict]]:
    """Headings and data rows (the totals row left off) of one report sheet, as dicts."""
    headings = [c.value for c in ws[HEADER_ROW]]
    rows = [
        dict(zip(headings, r, strict=True))
        for r in ws.iter_rows(min_row=HEADER_ROW + 1, max_row=ws.max_row - 1, values_only=True)
    ]
    return headings, rows


def mart_dicts(paths, sql: str) -> list[dict]:
    with open_published(paths) as con:
        rel = con.execute(sql)
        cols = [d[0] for d in rel.description]
        return [dict(zip(cols, r, strict=True)) for r in rel.fetchall()]


def percent_cell(value) -> Decimal | None:
    """A 0.0% cell back to the mart's percent figure (0.8569 → 85.69)."""
    return None if value is None else (Decimal(repr(value)) * 100).quantize(Decimal("0.01"))


def test_xlsx_carries_capaian_cost_per_output_and_flags_per_program(laporan_dinkes, published_demo):
    out, _ = laporan_dinkes
    wb = openpyxl.load_workbook(out / "laporan_2025_dinkes.xlsx")
    ws = wb["Kinerja program"]
    headings, rows = sheet_rows(ws)
    assert headings == KINERJA_PROGRAM
    kinds = {
        "Pagu akhir": "rupiah",
        "Realisasi (SP2D)": "rupiah",
        "Serapan": "percent",
        "Capaian keluaran": "percent",
        "Capaian outcome (laporan OPD)": "percent",
        "Skor dampak": "number",
        "Biaya per unit tertinggi / median": "number",
    }
    for col, title in enumerate(headings, start=1):
        if title in kinds:
            assert ws.cell(HEADER_ROW + 1, col).number_format == FORMATS[kinds[title]], title
    expected = mart_dicts(
        published_demo,
        f"""select * from marts.mart_kinerja_program
        where tahun = 2025 and kode_skpd = '{DINKES}' order by kode_program""",
    )
    assert [r["Kode program"] for r in rows] == [e["kode_program"] for e in expected]
    assert expected, "the demo has programs for Dinkes"
    for row, e in zip(rows, expected, strict=True):
        assert exact(row["Pagu akhir"]) == e["pagu_akhir_rp"]
        assert exact(row["Realisasi (SP2D)"]) == e["realisasi_rp"]
        assert percent_cell(row["Capaian keluaran"]) == e["capaian_keluaran_persen"]
        assert percent_cell(row["Serapan"]) == e["serapan_persen"]
        assert row["Skor dampak"] == (None if e["skor_dampak"] is None else float(e["skor_dampak"]))
        rasio = e["rasio_biaya_tertinggi"]
        assert row["Biaya per unit tertinggi / median"] == (None if rasio is None else float(rasio))
        assert row["Alasan"] == e["alasan"]
        set_flags = [reports.TANDA_KINERJA[k] for k in reports.TANDA_KINERJA if e[k]]
        assert row["Tanda kinerja"] == ("; ".join(set_flags) or None)
    # Dinkes 2025 carries no flag in the shared demo since cost per output is judged only on
    # comparable units outside support programs; the flags still reach the sheet text where the
    # mart sets them (every flagged program of the year renders its flags)
    flagged = [
        e
        for e in mart_dicts(
            published_demo, "select * from marts.mart_kinerja_program where tahun = 2025"
        )
        if any(e[k] for k in reports.TANDA_KINERJA)
    ]
    assert flagged, "the demo has flagged programs in 2025"
    assert all(reports.tanda_kinerja(e) for e in flagged)
    # the total row follows the filter and equals the mart
    total = [c.value for c in ws[ws.max_row]]
    assert total[0] == "Jumlah"
    assert total[3] == f"=SUBTOTAL(109,D{HEADER_ROW + 1}:D{ws.max_row - 1})"
    cached = openpyxl.load_workbook(out / "laporan_2025_dinkes.xlsx", data_only=True)
    cached_total = [c.value for c in cached["Kinerja program"][ws.max_row]]
    assert exact(cached_total[3]) == sum(e["pagu_akhir_rp"] for e in expected)


def test_xlsx_carries_cost_per_unit_against_the_median_per_sub_kegiatan(
    laporan_dinkes, published_demo
):
    out, _ = laporan_dinkes
    ws = openpyxl.load_workbook(out / "laporan_2025_dinkes.xlsx")["Kinerja sub kegiatan"]
    headings, rows = sheet_rows(ws)
    assert headings == KINERJA_SUB
    expected = mart_dicts(
        published_demo,
        f"""select * from marts.mart_kinerja_sub_kegiatan
        where tahun = 2025 and kode_skpd = '{DINKES}'
        order by kode_sub_kegiatan, kode_wilayah_lokasi""",
    )
    assert len(rows) == len(expected) > 0
    first = {title: ws.cell(HEADER_ROW + 1, c).number_format for c, title in enumerate(headings, 1)}
    assert first["Biaya per unit keluaran"] == first["Median biaya per unit"] == FORMATS["rupiah"]
    assert first["Biaya per unit / median"] == FORMATS["number"]
    assert first["Capaian keluaran"] == FORMATS["percent"]
    for row, e in zip(rows, expected, strict=True):
        assert row["Kode sub kegiatan"] == e["kode_sub_kegiatan"]
        assert row["Lokasi"] == e["nama_wilayah_lokasi"]
        assert percent_cell(row["Capaian keluaran"]) == e["capaian_keluaran_persen"]
        biaya = e["biaya_per_unit_rp"]
        assert (
            None
            if row["Biaya per unit keluaran"] is None
            else exact(row["Biaya per unit keluaran"])
        ) == biaya
        rasio = e["rasio_biaya_terhadap_median"]
        assert row["Biaya per unit / median"] == (None if rasio is None else float(rasio))
        assert ("biaya per unit" in (row["Tanda kinerja"] or "")) == e["flag_biaya_unit_tinggi"]
    assert any(r["Biaya per unit / median"] for r in rows)


def test_city_and_programme_reports_reconcile_with_the_mart(published_demo):
    with open_published(published_demo) as con:
        kota = reports.build_report(con, reports.resolve_selection(con, 2024))
        sel = reports.resolve_selection(con, 2024, program="1.02.02")
        program = reports.build_report(con, sel)
    expected = mart_totals(published_demo, "tahun = 2024")
    assert kota.tables[0].total["pagu_akhir"] == expected["pagu_akhir"]
    assert kota.tables[0].total["realisasi"] == expected["realisasi"]
    assert sum(r["realisasi"] for r in kota.tables[0].rows) == expected["realisasi"]  # per OPD
    assert {c.key for c in kota.tables[0].columns} >= {"kode_skpd", "nama_skpd"}
    only = mart_totals(published_demo, "tahun = 2024 and kode_program = '1.02.02'")
    assert program.tables[1].total["realisasi"] == only["realisasi"]
    assert program.tables[3].rows[-1]["realisasi_kumulatif"] == only["realisasi"]
    assert program.file_stem == "laporan_2024_1_02_02"


def test_flags_follow_the_threshold(published_demo):
    with open_published(published_demo) as con:
        sel = reports.resolve_selection(con, 2025, "Dinkes")
        rows = reports.sub_kegiatan_rows(con, sel, 12)
    loose = [reports.with_derived(r, Decimal("0.1")) for r in rows]
    strict = [reports.with_derived(r, Decimal("1.0")) for r in rows]
    below = [r for r in strict if "rencana kas" in r["tanda"]]
    assert len(below) > sum("rencana kas" in r["tanda"] for r in loose)
    assert all(r["capaian_rencana_kas"] < 1 for r in below)
    over = [r for r in strict if r["baris_melebihi_pagu"]]
    assert all("melebihi pagu" in r["tanda"] for r in over)


def test_a_wrong_opd_is_one_clear_sentence_and_what_to_do(published_demo):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("APBD_DATA_DIR", str(published_demo.root))
        result = CliRunner().invoke(app, ["laporan", "--opd", "Dinas Rahasia"])
    assert result.exit_code == 1
    assert "Gagal: OPD 'Dinas Rahasia' tidak ditemukan" in result.output
    assert "Yang bisa dilakukan:" in result.output
    assert "Traceback" not in result.output
