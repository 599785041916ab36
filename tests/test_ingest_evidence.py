"""Ingest of the evidence sources: performance reports and regional outcome indicators."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import xlsxwriter

from dagster_project.lib.contracts.model import source_contracts
from dagster_project.lib.ingest.loader import STATUS_LOADED, STATUS_REJECTED, ingest_source
from tests.conftest import DINKES

KINERJA = source_contracts()["opd.realisasi_kinerja"]
OUTCOME = source_contracts()["bps.indikator_wilayah"]


def write_kinerja(paths, text, *, name="realisasi_kinerja_tw2.csv", opd=DINKES):
    target = paths.landing / "opd" / "realisasi_kinerja" / "2024" / opd / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def raw_kinerja(paths, periode="2") -> pl.DataFrame:
    return pl.read_parquet(
        paths.raw
        / "opd"
        / "realisasi_kinerja"
        / "pemda=64.72"
        / "tahun=2024"
        / DINKES
        / f"{periode}.parquet"
    )


def test_text_targets_are_kept_apart_never_rejected(data_paths):
    write_kinerja(
        data_paths,
        "Tingkat,Kode,Indikator,Satuan,Target,Target Teks,Realisasi,Arah\n"
        "program,1.02.02,Prevalensi stunting,%,14%,,15.2,turun\n"
        "sub_kegiatan,1.02.02.2.02.0004,Dokumen RKPD,Dok.,Tersedianya dokumen RKPD,,Tersedia,\n"
        'sub_kegiatan,1.02.02.2.02.0005,Balita ditimbang,org,"1.200",,650,\n'
        "sub_kegiatan,1.02.02.2.02.0006,Posyandu aktif,Ls,0,,3,\n"
        "kegiatan,1.02.02.2.02,Pelayanan kesehatan,Persen,100 %,Seluruh posyandu,97.5,\n",
    )
    (outcome,) = ingest_source(KINERJA, data_paths)
    assert outcome.status == STATUS_LOADED, outcome.errors
    assert (outcome.rows_loaded, outcome.rows_quarantined) == (5, 0)
    raw = raw_kinerja(data_paths).sort("_baris")
    assert raw.schema["target"] == pl.Decimal(18, 4)
    assert raw["target"].to_list() == [
        Decimal("14"),
        None,
        Decimal("1200"),
        Decimal("0"),
        Decimal("100"),
    ]
    assert raw["target_teks"].to_list() == [
        None,
        "Tersedianya dokumen RKPD",
        None,
        None,
        "Seluruh posyandu",
    ]
    assert raw["realisasi_teks"].to_list()[1] == "Tersedia"
    assert raw["satuan"].to_list() == ["%", "Dok.", "org", "Ls", "Persen"]  # normalised in dbt
    assert set(raw["triwulan"]) == {"2"}  # from the file name


def test_a_row_of_another_quarter_is_quarantined_and_the_rest_loads(data_paths):
    write_kinerja(
        data_paths,
        "Triwulan,Tingkat,Kode,Indikator,Target,Realisasi\n"
        "2,program,1.02.02,Prevalensi stunting,14,15\n"
        "3,program,1.02.02,Cakupan imunisasi,95,80\n"
        "2,sub kegiatan,1.02.02.2.02.0004,Dokumen,1,1\n",
    )
    (outcome,) = ingest_source(KINERJA, data_paths)
    assert (outcome.rows_loaded, outcome.rows_quarantined) == (1, 2)
    rules = {e["_baris"]: e["aturan"] for e in outcome.errors.to_dicts()}
    assert rules == {3: "periode_berbeda", 4: "nilai_diizinkan"}


def test_sipd_style_xlsx_report_with_title_rows(data_paths):
    target = (
        data_paths.landing / "opd/realisasi_kinerja/2024" / DINKES / "realisasi_kinerja_tw4.xlsx"
    )
    target.parent.mkdir(parents=True)
    wb = xlsxwriter.Workbook(target)
    ws = wb.add_worksheet("E-MONEV")
    ws.write_string(0, 0, "LAPORAN REALISASI KINERJA DAN ANGGARAN (E-MONEV)")
    ws.write_string(1, 0, f"{DINKES} - Dinas Kesehatan")
    header = ["Tingkat", "Kode", "Indikator", "Satuan", "Target", "Realisasi",
              "Realisasi Keuangan (Rp)", "Tanggal Laporan"]  # fmt: skip
    for j, h in enumerate(header):
        ws.write_string(3, j, h)
    row = ["sub_kegiatan", "1.02.02.2.02.0004", "Jumlah balita", "Orang"]
    for j, v in enumerate(row):
        ws.write_string(4, j, v)
    ws.write_number(4, 4, 1200)
    ws.write_number(4, 5, 1180)
    ws.write_number(4, 6, 1250000000)
    ws.write_string(4, 7, "15 Januari 2025")
    wb.close()
    (outcome,) = ingest_source(KINERJA, data_paths)
    assert outcome.status == STATUS_LOADED, outcome.errors
    raw = raw_kinerja(data_paths, "4")
    assert raw["realisasi_keuangan_rp"][0] == Decimal("1250000000.00")
    assert str(raw["tanggal_laporan"][0]) == "2025-01-15"


def write_outcome(paths, text, name="indikator_wilayah_dinkes.csv", tahun=2024):
    target = paths.landing / "bps" / "indikator_wilayah" / str(tahun) / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def test_outcome_sources_are_part_of_the_key_and_bad_codes_are_quarantined(data_paths):
    write_outcome(
        data_paths,
        "Tahun;Kode Wilayah;Kode Indikator;Sumber Data;Nilai;Metode\n"
        "2024;64.72;prevalensi_stunting;SSGI;21,9;survei\n"
        "2024;64.72;prevalensi_stunting;e-PPGBM;11,2;administratif\n"
        "2024;64.72.01.1001;prevalensi_stunting;e-PPGBM;14,05;administratif\n"
        "2024;6472010;prevalensi_stunting;e-PPGBM;14;administratif\n"
        "2024;64.72.01.1001;stunting_balita;e-PPGBM;14;administratif\n",
    )
    (outcome,) = ingest_source(OUTCOME, data_paths)
    assert (outcome.rows_loaded, outcome.rows_quarantined) == (3, 2)
    errors = outcome.errors.to_dicts()
    assert any(e["_baris"] == 5 and e["aturan"] == "format_kode" for e in errors)
    assert any(
        e["_baris"] == 6 and "daftar indikator outcome wilayah" in e["alasan"] for e in errors
    )
    raw = pl.read_parquet(next(data_paths.raw.rglob("indikator_wilayah/**/dinkes.parquet")))
    assert sorted(raw["sumber"].to_list()) == ["SSGI", "e-PPGBM", "e-PPGBM"]
    assert Decimal("21.9") in raw["nilai"].to_list()


def test_outcome_file_without_producer_in_its_name_is_rejected_with_the_convention(data_paths):
    write_outcome(data_paths, "Tahun,Kode Wilayah,Kode Indikator,Sumber,Nilai\n", name="data.csv")
    (outcome,) = ingest_source(OUTCOME, data_paths)
    assert outcome.status == STATUS_REJECTED
    assert "indikator_wilayah_dukcapil.csv" in outcome.message
