"""The catalogue of bad inputs: every way an OPD file can be wrong, one test per case.

Each case ends in one of three outcomes, and the test says which:
- parsed: the rows load (Indonesian formats, encodings, layouts are understood, not rejected);
- quarantined: the bad rows go to quarantine with line, column, value, rule and an Indonesian
  reason; the good rows of the same file load;
- refused: the whole file is rejected with an Indonesian message and the slot keeps its previous
  version.
Every processed file also gets its feedback XLSX (checked by `ingest_one`).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest
import xlsxwriter

from dagster_project.lib.contracts.model import load_contract, source_contracts
from dagster_project.lib.core.paths import PROJECT_ROOT, DataPaths
from dagster_project.lib.ingest.feedback import SUFFIX
from dagster_project.lib.ingest.loader import (
    STATUS_LOADED,
    STATUS_REJECTED,
    STATUS_UNCHANGED,
    IngestOutcome,
    current_inputs,
    ingest_source,
    read_ingest_log,
)
from dagster_project.lib.ingest.readers import DEFAULT_MAX_BYTES
from tests.conftest import DINKES, DISDIKBUD

DPA = source_contracts()["sipd.dpa_sub_kegiatan"]
SP2D = source_contracts()["bpkad.sp2d"]

HEADER = "tahun,tahap,kode_skpd,kode_sub_kegiatan,pagu_rp,nama_sub_kegiatan"
SUB_1, SUB_2, SUB_3 = "1.02.02.2.02.0004", "1.02.01.2.02.0001", "1.02.02.2.01.0001"
ROW_1 = f"2024,murni,{DINKES},{SUB_1},1250000000,Pelayanan Kesehatan Balita"
ROW_2 = f"2024,murni,{DINKES},{SUB_2},9800000000.50,Gaji dan Tunjangan ASN"
SP2D_HEADER = (
    "nomor_sp2d,tanggal_sp2d,kode_skpd,kode_sub_kegiatan,kode_akun,kode_sumber_dana,"
    "jenis_sp2d,nilai_rp"
)
SP2D_TAIL = f"{DINKES},{SUB_1},5.1.02.01.01.0024,1.02.01.01.02,LS"


# --------------------------------------------------------------------------------------------
# helpers


def dpa_path(paths: DataPaths, name="dpa_sub_kegiatan_murni.csv", opd=DINKES, tahun=2024) -> Path:
    target = paths.landing / "sipd" / "dpa_sub_kegiatan" / str(tahun) / opd / name
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def land(paths: DataPaths, data: bytes | str, **kw) -> Path:
    target = dpa_path(paths, **kw)
    target.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return target


def csv(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def land_sp2d(paths: DataPaths, rows: list[str], bulan: int = 12, tahun: int = 2024) -> Path:
    target = paths.landing / "bpkad" / "sp2d" / str(tahun) / f"sp2d_{tahun}_{bulan:02d}.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(csv(*rows, header=SP2D_HEADER), encoding="utf-8")
    return target


def feedback_sheets(outcome: IngestOutcome) -> dict[str, list[tuple]]:
    """The feedback XLSX as {sheet: rows}; also checks it is a proper, safe report."""
    assert outcome.feedback_path is not None and outcome.feedback_path.name.endswith(SUFFIX)
    wb = openpyxl.load_workbook(outcome.feedback_path)
    assert wb.sheetnames == ["Ringkasan", "Baris ditolak", "Per aturan", "Baris diabaikan"]
    out = {}
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"formula stored in {ws.title}!{cell.coordinate}"
        out[ws.title] = [tuple(r) for r in ws.iter_rows(values_only=True)]
    assert out["Baris ditolak"][0] == ("Baris", "Kolom", "Nilai", "Aturan", "Alasan")
    return out


def ingest_one(paths: DataPaths, contract=DPA) -> IngestOutcome:
    """Ingest the one landed file; check the feedback rule: a workbook for a file with something
    to tell its sender (refused, a row quarantined or ignored, a warning), none for a clean one."""
    (outcome,) = ingest_source(contract, paths)
    if outcome.status != STATUS_UNCHANGED:
        entry = read_ingest_log(paths).tail(1).to_dicts()[0]
        told = (
            outcome.status == STATUS_REJECTED
            or outcome.rows_quarantined
            or outcome.rows_skipped
            or entry["pesan"]  # a warning (extra columns, columns filled from the folder)
        )
        if told:
            sheets = feedback_sheets(outcome)
            summary = dict(sheets["Ringkasan"][1:])
            assert summary["Berkas"] == outcome.berkas
            assert summary["Baris dimuat"] == outcome.rows_loaded
            assert entry["umpan_balik_path"] == str(outcome.feedback_path.relative_to(paths.root))
        else:  # loaded whole, nothing ignored: nothing to tell, no workbook anywhere
            assert outcome.status == STATUS_LOADED and outcome.feedback_path is None
            assert entry["umpan_balik_path"] is None
            assert not list(paths.quarantine.rglob(f"*{outcome.sha256[:12]}*"))
    return outcome


def rules(outcome: IngestOutcome) -> dict[int | None, set[str]]:
    out: dict[int | None, set[str]] = {}
    for e in outcome.errors.iter_rows(named=True):
        out.setdefault(e["_baris"], set()).add(e["aturan"])
    return out


def raw_rows(paths: DataPaths, periode="murni", opd=DINKES) -> pl.DataFrame:
    return pl.read_parquet(
        paths.raw
        / "sipd"
        / "dpa_sub_kegiatan"
        / "pemda=64.72"
        / "tahun=2024"
        / opd
        / f"{periode}.parquet"
    )


def assert_refused(outcome: IngestOutcome, rule: str, words: str) -> None:
    assert outcome.status == STATUS_REJECTED, outcome.summary()
    assert rules(outcome) == {None: {rule}}, outcome.errors
    assert words in outcome.message, outcome.message
    sheets = feedback_sheets(outcome)
    assert dict(sheets["Ringkasan"][1:])["Status"] == "DITOLAK"
    assert sheets["Baris ditolak"][1][3] == rule


# --------------------------------------------------------------------------------------------
# 1. Schema drift, extra columns, wrong types


def test_schema_drift_missing_required_column_is_refused(data_paths):
    land(data_paths, csv(f"2024,murni,{DINKES},{SUB_1}", header="tahun,tahap,kode_skpd,kode_sub"))
    outcome = ingest_one(data_paths)
    assert_refused(outcome, "kolom_hilang", "Kolom wajib tidak ada: kode_sub_kegiatan")
    assert "pagu_rp" in outcome.message


def test_schema_drift_renamed_and_reordered_headers_are_parsed(data_paths):
    header = "Pagu (Rp),Kode Sub Kegiatan,Nama Sub Kegiatan,Kode SKPD,Tahapan,Tahun Anggaran"
    land(data_paths, csv(f"1250000000,{SUB_1},Balita,{DINKES},murni,2024", header=header))
    outcome = ingest_one(data_paths)
    assert (outcome.status, outcome.rows_loaded) == (STATUS_LOADED, 1)
    assert raw_rows(data_paths)["pagu_rp"].to_list() == [Decimal("1250000000.00")]


def test_schema_drift_no_recognisable_header_is_refused(data_paths):
    land(data_paths, "a,b,c\n1,2,3\n")
    assert_refused(ingest_one(data_paths), "judul_kolom_tidak_ditemukan", "Kolom wajib: tahun")


def test_extra_columns_are_ignored_with_a_warning(data_paths):
    land(data_paths, csv(ROW_1 + ",catatan bebas,99", header=HEADER + ",Catatan,Kolom Baru"))
    outcome = ingest_one(data_paths)
    assert (outcome.status, outcome.rows_loaded) == (STATUS_LOADED, 1)
    assert any("Catatan, Kolom Baru" in w for w in outcome.warnings)
    assert "Catatan" not in raw_rows(data_paths).columns


@pytest.mark.parametrize(
    ("row", "kolom", "aturan"),
    [
        (f"2024,murni,{DINKES},{SUB_1},seratus juta,x", "pagu_rp", "format_number"),
        (f"2024,murni,{DINKES},{SUB_1},1.250.000.000.5,x", "pagu_rp", "format_number"),
        (f"dua ribu,murni,{DINKES},{SUB_1},1000,x", "tahun", "format_integer"),
        (f"2024,murni,{DINKES},1.2.3,1000,x", "kode_sub_kegiatan", "format_kode"),
        (f"2024,murni,{DINKES},{SUB_1},,x", "pagu_rp", "wajib_diisi"),
    ],
    ids=["pagu_teks", "pagu_format_campur", "tahun_teks", "kode_salah_format", "pagu_kosong"],
)
def test_wrong_types_are_quarantined(data_paths, row, kolom, aturan):
    land(data_paths, csv(ROW_2, row))
    outcome = ingest_one(data_paths)
    assert (outcome.rows_loaded, outcome.rows_quarantined) == (1, 1)
    (err,) = outcome.errors.filter(pl.col("aturan") == aturan).to_dicts()
    assert (err["_baris"], err["kolom"]) == (3, kolom)
    listed = feedback_sheets(outcome)["Baris ditolak"][1:]
    assert (3, kolom, err["nilai"], aturan, err["alasan"]) in listed


# --------------------------------------------------------------------------------------------
# 2. Indonesian formats, encodings, delimiters, SIPD layouts: parsed, not rejected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"1.234.567,89"', "1234567.89"),
        ('"Rp 1.500.000"', "1500000.00"),
        ('"Rp1.500.000,50"', "1500000.50"),
        ('"1,234,567.89"', "1234567.89"),
        ('"1234567,5"', "1234567.50"),
        ("1.25E+09", "1250000000.00"),
    ],
)
def test_indonesian_number_formats_are_parsed(data_paths, text, expected):
    land(data_paths, csv(f"2024,murni,{DINKES},{SUB_1},{text},x"))
    outcome = ingest_one(data_paths)
    assert outcome.rows_loaded == 1, outcome.errors
    assert str(raw_rows(data_paths)["pagu_rp"][0]) == expected


@pytest.mark.parametrize(
    "text", ["31/12/2024", "31 Desember 2024", "31 Des 2024", "31-12-2024", "2024-12-31"]
)
def test_indonesian_dates_are_parsed(data_paths, text):
    land_sp2d(data_paths, [f"0001/SP2D/LS/2024,{text},{SP2D_TAIL},1000000"])
    outcome = ingest_one(data_paths, SP2D)
    assert outcome.rows_loaded == 1, outcome.errors
    raw = pl.read_parquet(data_paths.raw / "bpkad/sp2d/pemda=64.72/tahun=2024/bpkad/12.parquet")
    assert raw["tanggal_sp2d"].cast(pl.String).to_list() == ["2024-12-31"]


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig"])
def test_windows_1252_and_utf8_bom_are_read(data_paths, encoding):
    land(data_paths, csv(f"2024,murni,{DINKES},{SUB_1},1000,Peningkatan Mutu – Pelayanan ‘Balita’"))
    path = dpa_path(data_paths)
    path.write_bytes(path.read_text(encoding="utf-8").encode(encoding))
    outcome = ingest_one(data_paths)
    assert outcome.rows_loaded == 1
    assert raw_rows(data_paths)["nama_sub_kegiatan"][0] == "Peningkatan Mutu – Pelayanan ‘Balita’"
    assert encoding.split("-")[0] in read_ingest_log(data_paths)["format"][0].replace(
        "utf-8", "utf"
    )


def test_semicolon_csv_is_read(data_paths):
    land(
        data_paths,
        csv(f"2024;murni;{DINKES};{SUB_1};1.250.000,00;x", header=HEADER.replace(",", ";")),
    )
    outcome = ingest_one(data_paths)
    assert outcome.rows_loaded == 1
    assert "titik koma" in read_ingest_log(data_paths)["format"][0]


def test_delimiter_rule_is_csv_sniffers_on_unquoted_samples():
    """The reader weighs only the four delimiters where csv.Sniffer weighs every ASCII
    character: the same choice on thousands of unquoted samples built to be ambiguous (numbers
    with `.` and `,`, ragged lines, preambles, blank lines, several candidates per line)."""
    import csv as csvlib
    import random

    from dagster_project.lib.ingest.readers import DELIMITERS, _consistent_delimiter

    rng = random.Random(20261205)
    atoms = ["2024", "1.234,56", "a b", "x", "", "|", ";", ",", "\t", "Rp 1.500", "64.72"]
    differ = []
    for _ in range(3000):
        width, main, faithful = rng.randint(1, 6), rng.choice(DELIMITERS), rng.uniform(0.6, 1)
        lines = []
        for _ in range(rng.randint(0, 35)):
            sep = main if rng.random() < faithful else rng.choice(DELIMITERS)
            cells = [rng.choice(atoms) for _ in range(width + (rng.random() < 0.1))]
            lines.append(sep.join(cells) if rng.random() < 0.95 else "")
        sample = "\n".join(lines)
        try:
            theirs = csvlib.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
        except csvlib.Error:
            theirs = ""
        if _consistent_delimiter(sample) != theirs:
            differ.append(sample)
    assert not differ, differ[:3]


def test_xlsx_with_merged_header_rows_and_totals_row_is_read(data_paths):
    path = dpa_path(data_paths, name="dpa_sub_kegiatan_murni.xlsx")
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("DPA")
    ws.merge_range(0, 0, 0, 4, "DOKUMEN PELAKSANAAN ANGGARAN SATUAN KERJA PERANGKAT DAERAH")
    ws.merge_range(1, 0, 1, 4, "PEMERINTAH KOTA SAMARINDA — Tahun Anggaran 2024")
    ws.merge_range(3, 0, 3, 2, "Identitas")  # a two-row header: group names above the columns
    ws.merge_range(3, 3, 3, 4, "Anggaran")
    ws.write_row(4, 0, ["Tahun Anggaran", "Tahap", "Kode SKPD", "Kode Sub Kegiatan", "Pagu (Rp)"])
    ws.write_row(5, 0, ["(1)", "(2)", "(3)", "(4)", "(5)"])  # SIPD's column-number row
    for i, (sub, pagu) in enumerate([(SUB_1, 1_250_000_000), (SUB_2, 500_000_000)]):
        ws.write_number(6 + i, 0, 2024)
        ws.write_string(6 + i, 1, "murni")
        ws.write_string(6 + i, 2, DINKES)
        ws.write_string(6 + i, 3, sub)
        ws.write_number(6 + i, 4, pagu)
    ws.write_string(9, 0, "JUMLAH")
    ws.write_formula(9, 4, "=SUM(E7:E8)", None, 1_750_000_000)
    wb.close()
    outcome = ingest_one(data_paths)
    assert (outcome.status, outcome.rows_loaded, outcome.rows_quarantined) == (STATUS_LOADED, 2, 0)
    assert {why for _, why in outcome.skipped} >= {"baris jumlah/total diabaikan"}
    assert raw_rows(data_paths)["pagu_rp"].sum() == Decimal(1_750_000_000)
    skipped_sheet = feedback_sheets(outcome)["Baris diabaikan"]
    assert (10, "baris jumlah/total diabaikan") in skipped_sheet


def test_unquoted_decimal_comma_in_a_comma_csv_is_quarantined_not_truncated(data_paths):
    """`1.234.567,89` unquoted in a comma CSV splits into two values; reading the first and
    dropping the rest would load a wrong pagu silently, so the row is held back."""
    land(data_paths, csv(ROW_2, f"2024,murni,{DINKES},{SUB_1},1.234.567,89,Balita"))
    outcome = ingest_one(data_paths)
    assert rules(outcome) == {3: {"kolom_berlebih"}} and outcome.rows_loaded == 1
    assert "'Balita'" in outcome.errors["alasan"][0]
    assert "titik koma" in outcome.errors["alasan"][0]


# --------------------------------------------------------------------------------------------
# 3. Files that are not a table at all: refused whole


@pytest.mark.parametrize(
    ("data", "rule", "words"),
    [
        (b"", "berkas_kosong", "Berkas kosong"),
        (b"\r\n  \n", "berkas_kosong", "Berkas kosong"),
        (HEADER.encode() + b"\n", "tanpa_data", "tidak berisi baris data"),
    ],
    ids=["nol_byte", "hanya_spasi", "hanya_judul"],
)
def test_empty_files_are_refused(data_paths, data, rule, words):
    land(data_paths, data)
    assert_refused(ingest_one(data_paths), rule, words)


def _xlsx_bytes(tmp_path: Path) -> bytes:
    path = tmp_path / "ok.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet()
    ws.write_row(0, 0, HEADER.split(","))
    ws.write_row(1, 0, ROW_1.split(","))
    wb.close()
    return path.read_bytes()


@pytest.mark.parametrize("damage", ["terpotong", "isi_acak", "zip_tanpa_lembar"])
def test_truncated_or_corrupt_xlsx_is_refused(data_paths, tmp_path, damage):
    good = _xlsx_bytes(tmp_path)
    if damage == "terpotong":
        data = good[: len(good) // 2]
    elif damage == "isi_acak":
        data = b"PK\x03\x04" + os.urandom(4000)
    else:
        zpath = tmp_path / "bukan.xlsx"
        with zipfile.ZipFile(zpath, "w") as z:
            z.writestr("hello.txt", "bukan excel")
        data = zpath.read_bytes()
    land(data_paths, data, name="dpa_sub_kegiatan_murni.xlsx")
    assert_refused(ingest_one(data_paths), "xlsx_rusak", "Berkas Excel rusak atau terpotong")


def test_csv_that_is_really_html_is_refused(data_paths):
    html = "\ufeff<!DOCTYPE html><html><body><table><tr><td>tahun</td></tr></table></body></html>"
    land(data_paths, html)
    assert_refused(ingest_one(data_paths), "bukan_tabel", "halaman HTML/XML")


def test_old_binary_xls_is_refused(data_paths):
    land(data_paths, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, name="dpa_murni.csv")
    assert_refused(ingest_one(data_paths), "format_xls", "Format Excel lama (.xls)")


HUGE = 1 << 30  # 1 GiB

_HUGE_SCRIPT = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from dagster_project.lib.contracts.model import source_contracts
    from dagster_project.lib.ingest.loader import ingest_source
    from dagster_project.lib.core.paths import DataPaths

    def peak_rss_kb():
        # VmHWM belongs to this process image; ru_maxrss would carry pytest's peak across exec.
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])

    paths = DataPaths(Path(sys.argv[1]))
    before = peak_rss_kb()
    t = time.perf_counter()
    (out,) = ingest_source(source_contracts()["sipd.dpa_sub_kegiatan"], paths)
    print(json.dumps({
        "status": out.status, "message": out.message, "rules": out.errors["aturan"].to_list(),
        "feedback": str(out.feedback_path), "seconds": time.perf_counter() - t,
        "maxrss_before_mb": before / 1024,
        "maxrss_mb": peak_rss_kb() / 1024,
    }))
    """
)


def test_huge_file_is_refused_with_a_size_message_and_bounded_memory(data_paths):
    path = dpa_path(data_paths)
    with path.open("wb") as fh:  # sparse: 1 GiB on paper, a few KB on disk
        fh.write(csv(ROW_1).encode())
        fh.truncate(HUGE)
    assert path.stat().st_size == HUGE > DEFAULT_MAX_BYTES
    proc = subprocess.run(
        [sys.executable, "-c", _HUGE_SCRIPT, str(data_paths.root)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=PROJECT_ROOT,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    print(
        f"\n1 GiB file: {result['status']} in {result['seconds']:.1f} s, peak RSS "
        f"{result['maxrss_mb']:.0f} MB (after imports {result['maxrss_before_mb']:.0f} MB)"
    )
    assert result["status"] == STATUS_REJECTED and result["rules"] == ["berkas_terlalu_besar"]
    assert "Berkas terlalu besar" in result["message"] and "Pecah per bulan" in result["message"]
    # The file is hashed in 1 MB chunks and never read whole: ingest adds far less than the
    # 1 GiB file to the process's peak.
    assert result["maxrss_mb"] - result["maxrss_before_mb"] < 256
    assert result["maxrss_mb"] < 500
    assert result["maxrss_mb"] - result["maxrss_before_mb"] < 150
    assert not list(data_paths.landing_archive.rglob("*.csv"))  # not copied to the archive
    assert Path(result["feedback"]).exists()


# --------------------------------------------------------------------------------------------
# 4. Row-level business rules: quarantined with the rule and reason


def test_duplicate_rows_are_quarantined(data_paths):
    other = ROW_1.replace("1250000000", "1300000000")
    land(
        data_paths,
        csv(
            ROW_1,
            ROW_2,
            ROW_1,
            f"2024,murni,{DINKES},{SUB_3},5,a",
            f"2024,murni,{DINKES},{SUB_3},6,b",
        ),
    )
    outcome = ingest_one(data_paths)
    found = rules(outcome)
    assert found[4] == {"duplikat_baris"}  # exact copy of line 2: line 2 loads, line 4 does not
    assert found[5] == found[6] == {"kunci_ganda"}  # same key, different content: both held back
    assert outcome.rows_loaded == 2 and other not in outcome.errors["nilai"].to_list()
    reasons = outcome.errors["alasan"].to_list()
    assert any("sama persis dengan baris 2" in r for r in reasons)


@pytest.mark.parametrize(
    ("pagu", "aturan", "words"),
    [
        ("-5000000", "minimum", "(negatif) di bawah batas minimum 0"),
        ("(5.000.000)", "minimum", "(negatif)"),
        ("20000000000000", "maksimum", "melebihi batas wajar 10.000.000.000.000"),
    ],
    ids=["negatif", "negatif_kurung", "tidak_wajar"],
)
def test_negative_or_absurd_amounts_are_quarantined(data_paths, pagu, aturan, words):
    land(data_paths, csv(ROW_2, f'2024,murni,{DINKES},{SUB_1},"{pagu}",x'))
    outcome = ingest_one(data_paths)
    (err,) = outcome.errors.to_dicts()
    assert (err["_baris"], err["kolom"], err["aturan"]) == (3, "pagu_rp", aturan)
    assert words in err["alasan"]


def test_absurd_sp2d_amount_is_quarantined(data_paths):
    land_sp2d(
        data_paths,
        [
            f"0001/SP2D/LS/2024,01/12/2024,{SP2D_TAIL},0",
            f"0002/SP2D/LS/2024,02/12/2024,{SP2D_TAIL},900000000000",
            f"0003/SP2D/LS/2024,03/12/2024,{SP2D_TAIL},1000000",
        ],
    )
    outcome = ingest_one(data_paths, SP2D)
    assert rules(outcome) == {2: {"tanda_nilai"}, 3: {"maksimum"}}  # an SP2D of 0 is not one
    assert outcome.rows_loaded == 1


def test_sp2d_sign_follows_its_type_refunds_and_corrections_load(data_paths):
    """ref_jenis_sp2d.tanda: an SP2D is positive, a refund (PENGEMBALIAN, STS) a negative contra
    row, a correction (KOREKSI) signed but not zero; an unknown type is refused by name."""
    tail = f"{DINKES},{SUB_1},5.1.02.01.01.0024,1.02.01.01.02"
    land_sp2d(
        data_paths,
        [
            f"0001/SP2D/LS/2024,02/12/2024,{tail},LS,-1000000",
            f"0002/STS/PENGEMBALIAN/2024,03/12/2024,{tail},PENGEMBALIAN,500000",
            f"0003/STS/PENGEMBALIAN/2024,04/12/2024,{tail},PENGEMBALIAN,-500000",
            f"0004/KOREKSI/KOREKSI/2024,05/12/2024,{tail},KOREKSI,0",
            f"0005/KOREKSI/KOREKSI/2024,06/12/2024,{tail},KOREKSI,-250000",
            f"0006/SP2D/UP/2024,09/12/2024,{tail},UP,10000000",
            f'0007/SP2D/TU_NIHIL/2024,10/12/2024,{tail},TU_NIHIL,"(5.000.000)"',
            f"0008/SP2D/XX/2024,11/12/2024,{tail},XX,1000",
        ],
    )
    outcome = ingest_one(data_paths, SP2D)
    assert rules(outcome) == {
        2: {"tanda_nilai"},
        3: {"tanda_nilai"},
        5: {"tanda_nilai"},
        8: {"tanda_nilai"},
        9: {"kode_tidak_berlaku"},
    }
    alasan = dict(zip(outcome.errors["_baris"], outcome.errors["alasan"], strict=True))
    assert alasan[2] == "kolom nilai_rp: nilai -1000000.00 harus positif untuk jenis_sp2d LS"
    assert (
        alasan[3] == "kolom nilai_rp: nilai 500000.00 harus negatif untuk jenis_sp2d PENGEMBALIAN"
    )
    assert alasan[5] == "kolom nilai_rp: nilai 0.00 harus bukan nol untuk jenis_sp2d KOREKSI"
    assert "jenis SP2D" in alasan[9] and "'XX' tidak dikenal" in alasan[9]
    raw = pl.read_parquet(data_paths.raw / "bpkad/sp2d/pemda=64.72/tahun=2024/bpkad/12.parquet")
    assert dict(zip(raw["jenis_sp2d"], raw["nilai_rp"], strict=True)) == {
        "PENGEMBALIAN": Decimal("-500000.00"),
        "KOREKSI": Decimal("-250000.00"),
        "UP": Decimal("10000000.00"),
    }


def test_unknown_code_is_quarantined(data_paths):
    land(data_paths, csv(ROW_1, f"2024,murni,{DINKES},1.02.99.2.02.0099,1000,x"))
    outcome = ingest_one(data_paths)
    (err,) = outcome.errors.to_dicts()
    assert err["aturan"] == "kode_tidak_berlaku" and "tidak dikenal" in err["alasan"]


def test_dpa_location_is_a_kelurahan_a_kecamatan_or_the_whole_city(data_paths):
    """Issue 10: a DPA location may name a kelurahan, a kecamatan (split over its kelurahan) or
    64.72 (seluruh kota); a malformed code or one outside Samarinda is quarantined with a reason."""
    header = HEADER + ",kode_kelurahan"
    rows = [
        f"2024,murni,{DINKES},1.02.02.2.01.0001,1000,kelurahan,64.72.01.1001",
        f"2024,murni,{DINKES},1.02.02.2.01.0002,1000,kecamatan,64.72.01",
        f"2024,murni,{DINKES},1.02.02.2.01.0009,1000,seluruh kota,64.72",
        f"2024,murni,{DINKES},1.02.02.2.02.0001,1000,salah ketik,64.72.1.1001",
        f"2024,murni,{DINKES},1.02.02.2.02.0002,1000,bukan Samarinda,64.72.99.9999",
    ]
    land(data_paths, csv(*rows, header=header))
    outcome = ingest_one(data_paths)
    assert (outcome.rows_loaded, outcome.rows_quarantined) == (3, 2)
    errors = {e["_baris"]: e for e in outcome.errors.to_dicts()}
    assert set(errors) == {5, 6} and {e["kolom"] for e in errors.values()} == {"kode_kelurahan"}
    assert errors[6]["aturan"] == "kode_tidak_berlaku" and "tidak dikenal" in errors[6]["alasan"]
    assert sorted(raw_rows(data_paths)["kode_kelurahan"].to_list()) == [
        "64.72",
        "64.72.01",
        "64.72.01.1001",
    ]


@pytest.mark.parametrize(("tahun", "valid"), [(2020, True), (2024, False)])
def test_retired_code_is_judged_against_its_own_fiscal_year(data_paths, tahun, valid):
    """2.14.03.2.01.0005 is in the 2020 nomenclature and retired after it. (The seeds' OPD list
    starts in 2021, so a 2020 row is still held back for its kode_skpd: only the sub kegiatan
    verdict is the point here.)"""
    code, opd = "2.14.03.2.01.0005", "2.14.0.00.0.00.01.0000"
    land(data_paths, csv(f"{tahun},murni,{opd},{code},100000000,x"), opd=opd, tahun=tahun)
    outcome = ingest_one(data_paths)
    sub = outcome.errors.filter(pl.col("kolom") == "kode_sub_kegiatan")["alasan"].to_list()
    if valid:
        assert sub == []
    else:
        assert sub == [
            f"kode kode_sub_kegiatan '{code}' sudah tidak berlaku pada tahun 2024 (berlaku s.d. "
            "2020) dalam nomenklatur sub kegiatan Permendagri 90"
        ]


def test_sp2d_dated_outside_the_fiscal_year_is_quarantined(data_paths):
    land_sp2d(
        data_paths,
        [
            f"0001/SP2D/LS/2024,15/12/2024,{SP2D_TAIL},1000000",
            f"0002/SP2D/LS/2024,05/01/2025,{SP2D_TAIL},2000000",
            f"0003/SP2D/LS/2024,31 Desember 2023,{SP2D_TAIL},3000000",
        ],
    )
    outcome = ingest_one(data_paths, SP2D)
    assert rules(outcome) == {3: {"di_luar_periode"}, 4: {"di_luar_periode"}}
    assert all("bulan 12 tahun 2024" in r for r in outcome.errors["alasan"])


def test_realisation_above_pagu_is_loaded_and_left_to_the_mart_flag(data_paths):
    """An SP2D is judged on its own at ingest; that it exceeds the pagu is a finding the mart
    flags (`melebihi_pagu`, dbt unit test mart_anggaran_realisasi_serapan and the end-to-end
    test in test_faults.py), never a reason to drop a legal payment."""
    land(data_paths, csv(f"2024,murni,{DINKES},{SUB_1},1000,x"))
    assert ingest_one(data_paths).rows_loaded == 1
    land_sp2d(data_paths, [f"0001/SP2D/LS/2024,15/12/2024,{SP2D_TAIL},5000000"])
    outcome = ingest_one(data_paths, SP2D)
    assert (outcome.status, outcome.rows_loaded, outcome.rows_quarantined) == (STATUS_LOADED, 1, 0)


def test_rows_of_another_opd_are_quarantined_for_those_rows(data_paths):
    land(data_paths, csv(ROW_1, f"2024,murni,{DISDIKBUD},1.01.02.2.01.0001,700000000,x"))
    outcome = ingest_one(data_paths)
    assert rules(outcome) == {3: {"opd_lain"}} and outcome.rows_loaded == 1
    assert DISDIKBUD in outcome.errors["alasan"][0] and "OPD lain" in outcome.errors["alasan"][0]


NIK_CONTRACT = """\
apiVersion: v3.1.0
kind: DataContract
id: urn:datacontract:apbd:uji__penerima
name: Penerima bantuan (kontrak uji)
version: 0.0.1
status: draft
customProperties:
  - {property: submitter, value: dinsos}
  - {property: landingPath, value: "uji/penerima/{tahun}/"}
  - {property: periodFileNamePattern, value: "_(0[1-9]|1[0-2])\\\\."}
schema:
  - name: penerima
    logicalType: object
    properties:
      - {name: tahun, logicalType: integer, physicalType: INTEGER, required: true}
      - name: nik
        logicalType: string
        physicalType: VARCHAR
        required: true
        primaryKey: true
        description: NIK penerima (16 digit, Kota Samarinda 6472).
        logicalTypeOptions: {pattern: "^6472[0-9]{12}$"}
        customProperties:
          - {property: personalData, value: true}
      - {name: nilai_rp, logicalType: number, physicalType: "DECIMAL(18,2)", required: true}
"""


def test_nik_malformed_or_from_another_region_is_quarantined_and_masked(data_paths, tmp_path):
    """Against the generic mechanism (pattern + personalData flag) with a test-only contract;
    `dinsos.penerima_bansos` (issue 3) adds HMAC pseudonymisation on top of it."""
    (tmp_path / "sources").mkdir()
    cpath = tmp_path / "sources" / "uji__penerima.odcs.yaml"
    cpath.write_text(NIK_CONTRACT, encoding="utf-8")
    contract = load_contract(cpath)
    target = data_paths.landing / "uji" / "penerima" / "2024" / "penerima_2024_03.csv"
    target.parent.mkdir(parents=True)
    good, short, other = "6472011234560001", "647201123456", "6471019876540002"
    target.write_text(
        f"tahun,nik,nilai_rp\n2024,{good},600000\n2024,{short},600000\n2024,{other},600000\n",
        encoding="utf-8",
    )
    outcome = ingest_one(data_paths, contract)
    assert outcome.rows_loaded == 1 and rules(outcome) == {3: {"format_kode"}, 4: {"format_kode"}}
    listed = feedback_sheets(outcome)["Baris ditolak"][1:]
    # No digit of a NIK, not even the first four (issue 16); the length says what is wrong.
    assert [r[2] for r in listed] == ["(disamarkan, 12 karakter)", "(disamarkan, 16 karakter)"]
    assert not any(re.search(r"\d{4}", r[4]) for r in listed), listed
    with zipfile.ZipFile(outcome.feedback_path) as z:
        text = b"".join(z.read(n) for n in z.namelist())
    assert short.encode() not in text and other.encode() not in text  # masked in the report


# --------------------------------------------------------------------------------------------
# 5. Formula injection and hostile file names


INJECTIONS = [
    '=HYPERLINK("http://x.invalid","klik")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
]


def test_formula_cells_are_loaded_as_text_and_neutralised_in_every_output(data_paths, tmp_path):
    from dagster_project.lib.core.safe_cells import (
        neutralise_cell,
        neutralise_frame,
        write_csv,
        write_xlsx,
    )

    rows = [
        f'2024,murni,{DINKES},{SUB_1},1000,"{v.replace(chr(34), chr(34) * 2)}"'
        for v in INJECTIONS[:1]
    ] + [f'2024,murni,{DINKES},{SUB_2},"=1000+1",x']
    land(data_paths, csv(*rows))
    outcome = ingest_one(data_paths)
    # Stored exactly as sent (as text, never evaluated) ...
    assert raw_rows(data_paths)["nama_sub_kegiatan"].to_list() == [INJECTIONS[0]]
    # ... a formula in a number column is not a number ...
    (err,) = outcome.errors.to_dicts()
    assert (err["kolom"], err["aturan"], err["nilai"]) == ("pagu_rp", "format_number", "=1000+1")
    # ... and the feedback report shows it neutralised (feedback_sheets checks no formula cells).
    listed = feedback_sheets(outcome)["Baris ditolak"][1:]
    assert listed[0][2] == "'=1000+1"

    # The one helper, on every dangerous prefix; plain numbers are left as they are.
    for v in INJECTIONS:
        assert neutralise_cell(v) == "'" + v
    for v in ["-5000000", "+6281234", "-1.234,5", "biasa", "", None, 12.5]:
        assert neutralise_cell(v) == v
    frame = pl.DataFrame({"teks": [*INJECTIONS, "-5000000", "aman"], "n": list(range(7))})
    assert neutralise_frame(frame)["teks"].to_list() == [
        *("'" + v for v in INJECTIONS),
        "-5000000",
        "aman",
    ]
    out_csv = write_csv(frame, tmp_path / "x.csv")
    text = out_csv.read_text(encoding="utf-8-sig")
    assert all(
        line.startswith(("'", "\"'", "teks", "-5000000", "aman")) for line in text.splitlines()
    )
    out_xlsx = write_xlsx({"hasil": frame}, tmp_path / "x.xlsx")
    ws = openpyxl.load_workbook(out_xlsx)["hasil"]
    cells = [c for row in ws.iter_rows(min_row=2) for c in row]
    assert not [c for c in cells if c.data_type == "f"]
    assert [c.value for c in cells if c.column == 1][:5] == ["'" + v for v in INJECTIONS]


def test_xlsx_formulas_in_input_are_never_executed(data_paths):
    path = dpa_path(data_paths, name="dpa_sub_kegiatan_murni.xlsx")
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet()
    ws.write_row(0, 0, HEADER.split(","))
    ws.write_row(1, 0, [2024, "murni", DINKES, SUB_1])
    ws.write_formula(1, 4, '=WEBSERVICE("http://x.invalid")*0+1000', None, 1000)
    ws.write_formula(1, 5, '=HYPERLINK("http://x.invalid","x")', None, "x")
    wb.close()
    outcome = ingest_one(data_paths)
    assert outcome.rows_loaded == 1  # the cached value is read; the formula is never evaluated
    raw = raw_rows(data_paths)
    assert raw["pagu_rp"].to_list() == [Decimal(1000)] and raw["nama_sub_kegiatan"][0] == "x"


def test_path_traversal_file_names_are_refused(data_paths, tmp_path):
    outside = tmp_path / "x.csv"
    outside.write_text(csv(ROW_1), encoding="utf-8")
    opd_dir = dpa_path(data_paths).parent
    dotted = opd_dir / ".." / ".." / ".." / ".." / ".." / ".." / "x.csv"  # ../../x.csv
    link = opd_dir / "dpa_sub_kegiatan_murni.csv"
    link.symlink_to("/etc/passwd")
    outcomes = ingest_source(DPA, data_paths, files=[dotted, link])
    for outcome in outcomes:
        assert outcome.status == STATUS_REJECTED and rules(outcome) == {None: {"jalur_tidak_sah"}}
        assert "di luar folder kiriman" in outcome.message
        # the report's place comes from the sha256, never from the hostile name
        assert outcome.feedback_path.resolve().is_relative_to(data_paths.quarantine.resolve())
    assert not list((data_paths.raw / "sipd").rglob("tahun=*/**/*.parquet"))
    assert not list(data_paths.landing_archive.rglob("*"))  # neither file was copied


def test_file_in_the_wrong_folder_or_of_the_wrong_type_is_refused(data_paths):
    wrong = data_paths.landing / "sipd" / "dpa_sub_kegiatan" / "2024" / "dpa_murni.csv"
    wrong.parent.mkdir(parents=True, exist_ok=True)
    wrong.write_text(csv(ROW_1), encoding="utf-8")
    pdf = land(data_paths, b"%PDF-1.4", name="dpa_sub_kegiatan_murni.pdf")
    by_name = {Path(o.berkas).name: o for o in ingest_source(DPA, data_paths)}
    assert rules(by_name["dpa_murni.csv"]) == {None: {"folder_salah"}}
    assert rules(by_name[pdf.name]) == {None: {"jenis_berkas"}}
    for o in by_name.values():
        feedback_sheets(o)


# --------------------------------------------------------------------------------------------
# 6. Re-sending and correcting


def test_same_file_again_even_under_another_name_is_a_noop(data_paths):
    land(data_paths, csv(ROW_1, ROW_2))
    first = ingest_one(data_paths)
    log_before = read_ingest_log(data_paths).height
    (again,) = ingest_source(DPA, data_paths)
    assert again.status == STATUS_UNCHANGED
    land(data_paths, csv(ROW_1, ROW_2), name="dpa_sub_kegiatan_murni (1).csv")  # a copy
    outcomes = ingest_source(DPA, data_paths)
    assert {o.status for o in outcomes} == {STATUS_UNCHANGED}
    assert read_ingest_log(data_paths).height == log_before
    assert set(raw_rows(data_paths)["_sumber_sha256"]) == {first.sha256}


def test_corrected_file_replaces_only_its_partition_and_keeps_history(data_paths):
    murni = land(data_paths, csv(ROW_1, ROW_2))
    perubahan_rows = [r.replace("murni", "perubahan") for r in (ROW_1, ROW_2)]
    land(data_paths, csv(*perubahan_rows), name="dpa_sub_kegiatan_perubahan.csv")
    other = land(
        data_paths,
        csv(ROW_1.replace(DINKES, DISDIKBUD).replace(SUB_1, "1.01.02.2.01.0001")),
        opd=DISDIKBUD,
    )
    outcomes = ingest_source(DPA, data_paths)
    assert {o.status for o in outcomes} == {STATUS_LOADED}
    untouched = {
        p: p.stat().st_mtime_ns
        for p in data_paths.raw.rglob("*.parquet")
        if p.name != "murni.parquet" or DISDIKBUD in str(p)
    }
    first_sha = next(
        o.sha256 for o in outcomes if o.berkas.endswith(murni.name) and DINKES in o.berkas
    )

    murni.write_text(csv(ROW_1.replace("1250000000", "1300000000")), encoding="utf-8")
    os.utime(murni, (murni.stat().st_atime, murni.stat().st_mtime + 10))
    (fixed,) = [o for o in ingest_source(DPA, data_paths) if o.status != STATUS_UNCHANGED]
    assert fixed.status == STATUS_LOADED and fixed.sha256 != first_sha
    assert raw_rows(data_paths)["pagu_rp"].to_list() == [Decimal(1_300_000_000)]
    assert set(raw_rows(data_paths)["_sumber_sha256"]) == {fixed.sha256}
    assert {p: p.stat().st_mtime_ns for p in untouched} == untouched  # other partitions untouched
    log = read_ingest_log(data_paths).filter(
        pl.col("berkas").str.ends_with(f"{DINKES}/{murni.name}")
    )
    assert log["sha256"].to_list() == [first_sha, fixed.sha256]  # both versions in the log
    archived = {p.stem for p in data_paths.landing_archive.rglob("*.csv")}
    assert {first_sha, fixed.sha256} <= archived  # and in the landing archive
    assert other.exists()
    cur = current_inputs(data_paths).filter(
        pl.col("pengirim") == DINKES, pl.col("periode") == "murni"
    )
    assert cur["sha256"].to_list() == [fixed.sha256]
