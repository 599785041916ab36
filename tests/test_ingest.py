"""Ingest against the real contracts: typed Parquet, quarantine with reasons, slots, the log."""

from __future__ import annotations

import os
from decimal import Decimal

import polars as pl
import pytest
import xlsxwriter

from dagster_project.lib.contracts.model import source_contracts
from dagster_project.lib.contracts.reference import opd_codes
from dagster_project.lib.ingest.loader import (
    STATUS_LOADED,
    STATUS_REJECTED,
    STATUS_UNCHANGED,
    current_inputs,
    ingest_source,
    log_files,
    read_ingest_log,
)
from tests.conftest import DINKES, DISDIKBUD

DPA = source_contracts()["sipd.dpa_sub_kegiatan"]
SP2D = source_contracts()["bpkad.sp2d"]

HEADER = "tahun,tahap,kode_skpd,kode_sub_kegiatan,pagu_rp,kode_kelurahan,indikator_keluaran,target_keluaran,satuan_keluaran"
GOOD_ROWS = [
    f"2024,murni,{DINKES},1.02.02.2.02.0004,1250000000,64.72.01.1001,Jumlah balita dilayani,1200,Orang",
    f"2024,murni,{DINKES},1.02.01.2.02.0001,9800000000.50,,Gaji dan tunjangan ASN,12,Bulan",
]


def write_dpa(
    paths, rows, *, opd=DINKES, tahun=2024, name="dpa_sub_kegiatan_murni.csv", header=HEADER
):
    target = paths.landing / "sipd" / "dpa_sub_kegiatan" / str(tahun) / opd / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return target


def raw_dpa(paths) -> pl.DataFrame:
    return pl.read_parquet(
        paths.raw
        / "sipd"
        / "dpa_sub_kegiatan"
        / "pemda=64.72"
        / "tahun=2024"
        / DINKES
        / "murni.parquet"
    )


def test_good_csv_becomes_typed_parquet_with_lineage(data_paths):
    write_dpa(data_paths, GOOD_ROWS)
    (outcome,) = ingest_source(DPA, data_paths)
    assert outcome.status == STATUS_LOADED and outcome.rows_loaded == 2
    raw = raw_dpa(data_paths)
    assert raw.schema["pagu_rp"] == pl.Decimal(18, 2)
    assert raw.schema["kode_sub_kegiatan"] == pl.String
    assert raw["pagu_rp"].sum() == Decimal("11050000000.50")
    assert set(raw["_sumber_sha256"]) == {outcome.sha256}
    assert raw["_baris"].to_list() == [2, 3]  # line numbers in the original file
    log = read_ingest_log(data_paths)
    assert (
        log.height == 1
        and log["status"][0] == STATUS_LOADED
        and log["kontrak_versi"][0] == DPA.version
    )


def test_broken_rows_are_quarantined_with_reasons_and_the_rest_loads(data_paths):
    write_dpa(
        data_paths,
        [
            *GOOD_ROWS,
            f"2024,murni,{DINKES},1.02.99.2.02.0099,500000000,,x,1,Unit",  # unknown sub kegiatan
            f"2024,murni,{DINKES},1.02.02.2.02.0001,-5000000,,x,1,Unit",  # negative pagu
        ],
    )
    (outcome,) = ingest_source(DPA, data_paths)
    assert (outcome.rows_loaded, outcome.rows_quarantined) == (2, 2)
    errors = outcome.errors.to_dicts()
    by_line = {e["_baris"]: e for e in errors}
    assert by_line[4]["aturan"] == "kode_tidak_berlaku" and "tidak dikenal" in by_line[4]["alasan"]
    assert by_line[4]["nilai"] == "1.02.99.2.02.0099"
    assert by_line[5]["aturan"] == "minimum" and "negatif" in by_line[5]["alasan"]
    assert by_line[5]["kolom"] == "pagu_rp" and by_line[5]["nilai"] == "-5000000"
    stem = (
        data_paths.quarantine / "sipd" / "dpa_sub_kegiatan" / "pemda=64.72" / "tahun=2024" / DINKES
    )
    rows = pl.read_parquet(next(stem.glob("*.rows.parquet")))
    assert rows["_baris"].to_list() == [4, 5] and rows["_alasan"].str.len_chars().min() > 10
    assert raw_dpa(data_paths).height == 2


def test_indonesian_formats_semicolons_bom_and_cp1252_are_parsed(data_paths):
    header = "Tahun Anggaran;Tahap;Kode SKPD;Kode Sub Kegiatan;Nama Sub Kegiatan;Pagu (Rp)"
    body = f"2024;murni;{DINKES};1.02.02.2.02.0004;Pelayanan Kesehatan Balita – Posyandu;Rp 1.250.000.000,50\n"
    target = (
        data_paths.landing / "sipd/dpa_sub_kegiatan/2024" / DINKES / "dpa_sub_kegiatan_murni.csv"
    )
    target.parent.mkdir(parents=True)
    target.write_bytes((header + "\n" + body).encode("cp1252"))
    (outcome,) = ingest_source(DPA, data_paths)
    assert outcome.status == STATUS_LOADED, outcome.errors
    raw = raw_dpa(data_paths)
    assert str(raw["pagu_rp"][0]) == "1250000000.50"
    assert raw["nama_sub_kegiatan"][0].endswith("– Posyandu")


def test_sipd_style_xlsx_with_title_rows_and_totals_row(data_paths):
    target = (
        data_paths.landing / "sipd/dpa_sub_kegiatan/2024" / DINKES / "dpa_sub_kegiatan_murni.xlsx"
    )
    target.parent.mkdir(parents=True)
    wb = xlsxwriter.Workbook(target)
    ws = wb.add_worksheet("DPA")
    ws.merge_range(0, 0, 0, 4, "DOKUMEN PELAKSANAAN ANGGARAN SATUAN KERJA PERANGKAT DAERAH")
    ws.write(1, 0, "PEMERINTAH KOTA SAMARINDA")
    ws.write(2, 0, "Tahun Anggaran 2024")
    ws.write_row(4, 0, ["Tahun Anggaran", "Tahap", "Kode SKPD", "Kode Sub Kegiatan", "Pagu (Rp)"])
    ws.write_number(5, 0, 2024)
    ws.write_string(5, 1, "murni")
    ws.write_string(5, 2, DINKES)
    ws.write_string(5, 3, "1.02.02.2.02.0004")
    ws.write_number(5, 4, 1250000000)
    ws.write_string(6, 3, "JUMLAH")
    ws.write_formula(6, 4, "=SUM(E6:E6)", None, 1250000000)
    wb.close()
    (outcome,) = ingest_source(DPA, data_paths)
    assert outcome.status == STATUS_LOADED and outcome.rows_loaded == 1
    assert outcome.rows_skipped == 1 and outcome.rows_quarantined == 0


def test_same_file_twice_is_a_noop(data_paths):
    write_dpa(data_paths, GOOD_ROWS)
    ingest_source(DPA, data_paths)
    before = sorted(p.relative_to(data_paths.ingest_log) for p in data_paths.ingest_log.rglob("*"))
    (again,) = ingest_source(DPA, data_paths)
    assert again.status == STATUS_UNCHANGED
    assert (
        sorted(p.relative_to(data_paths.ingest_log) for p in data_paths.ingest_log.rglob("*"))
        == before
    )


def test_corrected_file_replaces_its_slot_and_keeps_history(data_paths):
    path = write_dpa(data_paths, GOOD_ROWS)
    (first,) = ingest_source(DPA, data_paths)
    write_dpa(data_paths, [GOOD_ROWS[0].replace("1250000000", "1300000000")])
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 10))
    (second,) = ingest_source(DPA, data_paths)
    assert second.status == STATUS_LOADED and second.sha256 != first.sha256
    raw = raw_dpa(data_paths)
    assert raw.height == 1 and set(raw["_sumber_sha256"]) == {second.sha256}
    assert read_ingest_log(data_paths).height == 2
    archived = {p.stem for p in data_paths.landing_archive.rglob("*.csv")}
    assert archived == {first.sha256, second.sha256}
    assert current_inputs(data_paths)["sha256"].to_list() == [second.sha256]


def test_rows_of_another_opd_are_rejected_for_those_rows(data_paths):
    write_dpa(
        data_paths, [*GOOD_ROWS, f"2024,murni,{DISDIKBUD},1.01.02.2.01.0001,700000000,,x,1,Unit"]
    )
    (outcome,) = ingest_source(DPA, data_paths)
    assert outcome.rows_quarantined == 1
    reason = outcome.errors.filter(pl.col("aturan") == "opd_lain")["alasan"][0]
    assert DISDIKBUD in reason and "OPD lain" in reason


def test_missing_required_column_rejects_the_file_and_keeps_the_previous_version(data_paths):
    path = write_dpa(data_paths, GOOD_ROWS)
    ingest_source(DPA, data_paths)
    before = raw_dpa(data_paths)
    path.write_text("tahun,tahap,kode_skpd,kode_sub_kegiatan\n2024,murni,x,y\n", encoding="utf-8")
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 10))
    (outcome,) = ingest_source(DPA, data_paths)
    assert outcome.status == STATUS_REJECTED
    assert "pagu_rp" in outcome.message and "Kolom wajib tidak ada" in outcome.message
    assert raw_dpa(data_paths).equals(before)


@pytest.mark.parametrize(
    ("tahun", "expected"),
    [(2020, None), (2024, "sudah tidak berlaku pada tahun 2024")],
)
def test_retired_code_is_judged_against_its_own_fiscal_year(data_paths, tahun, expected):
    code = "2.14.03.2.01.0005"  # nonaktif after the 2020 nomenclature
    opd = "2.14.0.00.0.00.01.0000"
    row = f"{tahun},murni,{opd},{code},100000000,,x,1,Unit"
    write_dpa(data_paths, [row], opd=opd, tahun=tahun)
    (outcome,) = ingest_source(DPA, data_paths)
    reasons = outcome.errors.filter(pl.col("kolom") == "kode_sub_kegiatan")["alasan"].to_list()
    if expected is None:
        assert not reasons
    else:
        assert any(expected in r for r in reasons)


def test_sp2d_dated_outside_its_month_is_quarantined_and_dates_parse(data_paths):
    target = data_paths.landing / "bpkad" / "sp2d" / "2024" / "sp2d_2024_03.csv"
    target.parent.mkdir(parents=True)
    head = "nomor_sp2d,tanggal_sp2d,kode_skpd,kode_sub_kegiatan,kode_akun,kode_sumber_dana,jenis_sp2d,nilai_rp"
    target.write_text(
        "\n".join(
            [
                head,
                f"0001/SP2D/LS/2024,15/03/2024,{DINKES},1.02.02.2.02.0004,5.1.02.01.01.0024,1.02.01.01.02,LS,1000000",
                f"0002/SP2D/LS/2024,2 Maret 2024,{DINKES},1.02.02.2.02.0004,5.1.02.01.01.0024,1.02.01.01.02,LS,2000000",
                f"0003/SP2D/LS/2024,2025-01-05,{DINKES},1.02.02.2.02.0004,5.1.02.01.01.0024,1.02.01.01.02,LS,3000000",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    (outcome,) = ingest_source(SP2D, data_paths)
    assert outcome.rows_loaded == 2
    (err,) = outcome.errors.filter(pl.col("aturan") == "di_luar_periode").to_dicts()
    assert err["_baris"] == 4 and "bulan 03 tahun 2024" in err["alasan"]
    raw = pl.read_parquet(data_paths.raw / "bpkad/sp2d/pemda=64.72/tahun=2024/bpkad/03.parquet")
    assert raw["tahun"].to_list() == [2024, 2024]  # filled from the folder


def test_files_checked_together_are_each_judged_by_their_own_slot(data_paths):
    """One run checks the rows of many files in one query: duplicates, OPD and year are still
    judged per file (the same line in two OPDs' files is no duplicate; a row of another OPD or
    year is quarantined in the file that holds it only)."""
    row = GOOD_ROWS[0]
    write_dpa(data_paths, [row, row])  # an exact duplicate within one file
    other = row.replace(DINKES, DISDIKBUD)
    write_dpa(data_paths, [other, row], opd=DISDIKBUD)  # the other OPD's file holds Dinkes' row
    write_dpa(data_paths, [row.replace("2024,", "2025,", 1)], tahun=2025)  # its own year
    outcomes = {o.slot.pengirim + str(o.slot.tahun): o for o in ingest_source(DPA, data_paths)}
    dinkes, disdik, dinkes_2025 = (
        outcomes[DINKES + "2024"],
        outcomes[DISDIKBUD + "2024"],
        outcomes[DINKES + "2025"],
    )
    assert (dinkes.rows_loaded, dinkes.rows_quarantined) == (1, 1)
    assert dinkes.errors["aturan"].to_list() == ["duplikat_baris"]
    assert dinkes.errors["_baris"].to_list() == [3]
    assert (disdik.rows_loaded, disdik.rows_quarantined) == (1, 1)
    assert disdik.errors["aturan"].to_list() == ["opd_lain"]
    assert disdik.errors["_baris"].to_list() == [3]
    assert f"bukan OPD pengirim {DISDIKBUD}" in disdik.errors["alasan"][0]
    assert (dinkes_2025.rows_loaded, dinkes_2025.rows_quarantined) == (1, 0)
    assert dinkes_2025.errors.is_empty()


def _land_many(paths) -> dict[str, object]:
    """20 DPA files of 10 OPDs (two phases each) arriving one after the other; Dinkes re-sends
    its murni under another name (the later one must win), one file has a negative pagu, one is
    an HTML page. Returns the files that have something to tell their sender."""
    t0, n = 1_700_000_000, 0
    for opd in list(opd_codes())[:10]:
        for tahap in ("murni", "perubahan"):
            rows = [r.replace(DINKES, opd).replace(",murni,", f",{tahap},") for r in GOOD_ROWS]
            p = write_dpa(paths, rows, opd=opd, name=f"dpa_sub_kegiatan_{tahap}.csv")
            os.utime(p, (t0 + n, t0 + n))
            n += 1
    later = write_dpa(
        paths,
        [GOOD_ROWS[0].replace("1250000000", "1300000000")],
        name="dpa_sub_kegiatan_murni (1).csv",
    )
    negative = write_dpa(
        paths,
        [GOOD_ROWS[0].replace(DINKES, DISDIKBUD), GOOD_ROWS[1].replace(",9800000000.50,", ",-5,")],
        opd=DISDIKBUD,
        name="dpa_sub_kegiatan_pergeseran_1.csv",
    )
    negative.write_text(negative.read_text().replace(",murni,", ",pergeseran_1,"))
    html = write_dpa(paths, [], opd=DISDIKBUD, name="dpa_sub_kegiatan_pergeseran_2.csv")
    html.write_text("<html><body>Sesi habis</body></html>\n")
    for i, p in enumerate((later, negative, html)):
        os.utime(p, (t0 + 100 + i, t0 + 100 + i))
    return {"later": later, "html": html, "told": {negative.name, html.name}}


@pytest.fixture
def workers_shut_down():
    from dagster_project.lib.ingest import workers

    with workers.shut_down_after():  # no idle workers left for the rest of the session
        yield


def test_files_spread_over_worker_processes_load_as_in_one_process(
    data_paths, tmp_path, workers_shut_down
):
    """Ingest on two worker processes writes what one process writes (raw Parquet, quarantine,
    feedback, log records, outcomes in arrival order); the latest version of a slot still wins;
    only a file with something to tell gets a workbook; the log is one file per batch of files
    (one per call in one process, one per task with workers), not one per file."""
    import shutil

    from dagster_project.lib.core.paths import DataPaths
    from dagster_project.lib.ingest.feedback import SUFFIX

    landed = _land_many(data_paths)
    serial = DataPaths(tmp_path / "serial")
    shutil.copytree(data_paths.landing, serial.landing)  # copy2: the same arrival times
    one = ingest_source(DPA, serial, workers=1)
    two = ingest_source(DPA, data_paths, workers=2)
    assert len(one) == len(two) == 23

    def seen(outcomes):
        return [
            (o.berkas, o.status, o.rows_loaded, o.rows_quarantined, o.feedback_path is not None)
            for o in outcomes
        ]

    assert seen(two) == seen(one)
    assert {o.berkas.rsplit("/", 1)[1] for o in two if o.feedback_path} == landed["told"]
    for paths in (serial, data_paths):
        assert {p.name for p in paths.quarantine.rglob(f"*{SUFFIX}")} == {
            o.feedback_path.name for o in two if o.feedback_path
        }
    for a in sorted(serial.raw.rglob("tahun=*/**/*.parquet")):
        b = data_paths.raw / a.relative_to(serial.raw)
        assert (
            pl.read_parquet(a).drop("_dimuat_pada").equals(pl.read_parquet(b).drop("_dimuat_pada"))
        ), a
    raw = raw_dpa(data_paths)  # Dinkes' murni: the later file, sent under another name
    assert raw["pagu_rp"].to_list() == [Decimal("1300000000")]
    assert set(raw["_sumber_berkas"]) == {
        landed["later"].relative_to(data_paths.landing).as_posix()
    }

    def log(paths):
        return read_ingest_log(paths).drop("dimuat_pada", "run_id").sort("berkas")

    assert log(data_paths).equals(log(serial)) and log(serial).height == 23
    files_one = log_files(serial)
    files_two = log_files(data_paths)
    assert len(files_one) == 1 and 2 <= len(files_two) < 23
    # sent again unchanged: told apart before any worker, nothing logged
    again = ingest_source(DPA, data_paths, workers=2)
    assert [o.status for o in again] == [STATUS_UNCHANGED] * 23
    assert [o.berkas for o in again] == [o.berkas for o in two]
    assert len(log_files(data_paths)) == len(files_two)
    # 18 files re-saved (new bytes, same rows) and a renamed copy of a file in use: the workers
    # judge them on their folders' part of the log, as one process would on all of it
    folder = data_paths.landing / "sipd/dpa_sub_kegiatan/2024"
    opds = list(opd_codes())[:10]
    resaved = [
        p
        for opd in opds[:4] + opds[5:]
        for pattern in ("*_p*.csv", "*_murni.csv")  # not Dinkes' `murni (1)`
        for p in sorted((folder / opd).glob(pattern))
    ]
    for p in resaved:
        p.write_bytes(p.read_bytes().replace(b"\n", b"\r\n"))
    kept = folder / opds[4] / "dpa_sub_kegiatan_perubahan.csv"
    (kept.parent / "dpa_sub_kegiatan_perubahan (2).csv").write_bytes(kept.read_bytes())
    third = {o.berkas: o for o in ingest_source(DPA, data_paths, workers=2)}
    html = landed["html"].relative_to(data_paths.landing).as_posix()
    assert len(third) == 24 and len(resaved) >= 2 * 8
    assert {b for b, o in third.items() if o.status == STATUS_LOADED} == {
        p.relative_to(data_paths.landing).as_posix() for p in resaved
    } - {html}
    assert third[html].status == STATUS_REJECTED  # still an HTML page
    copy = third[f"sipd/dpa_sub_kegiatan/2024/{opds[4]}/dpa_sub_kegiatan_perubahan (2).csv"]
    assert copy.status == STATUS_UNCHANGED and "sedang dipakai" in copy.message
