"""SIPD's whole-pemda rincian export loads as if each OPD had sent its own DPA rincian file.

Real XLSX written by openpyxl (title rows over a merged cell, group heading rows, Indonesian
numbers, a totals row), the real contracts and loader, real Parquet and feedback workbooks.
"""

from __future__ import annotations

import os
import shutil
from decimal import Decimal

import openpyxl
import polars as pl
import pytest

from dagster_project.lib.contracts.model import feeder_contracts, source_contracts
from dagster_project.lib.ingest.loader import (
    STATUS_LOADED,
    STATUS_REJECTED,
    STATUS_UNCHANGED,
    current_inputs,
    ingest_source,
    landing_files,
    read_ingest_log,
)
from dagster_project.lib.ingest.sipd_export import HEADING
from tests.conftest import DINKES, DISDIKBUD

RINCIAN = source_contracts()["sipd.dpa_rincian"]
(EXPORT,) = feeder_contracts("sipd.dpa_rincian")
COLUMNS = [c.name for c in EXPORT.columns]
BAD_CODE = "1.05.0.00.0.00.01"  # an OPD whose kode_skpd lost its last segments in the sheet

URUSAN = {"kode_urusan": "1", "nama_urusan": "URUSAN PEMERINTAHAN WAJIB PELAYANAN DASAR"}
DINKES_ORG = {"kode_skpd": DINKES, "nama_skpd": "Dinas Kesehatan", "kode_sub_unit": DINKES}
DISDIK_ORG = {
    "kode_skpd": DISDIKBUD,
    "nama_skpd": "Dinas Pendidikan dan Kebudayaan",
    "kode_sub_unit": DISDIKBUD,
}
BALITA = {
    "kode_bidang_urusan": "1.02",
    "kode_program": "1.02.02",
    "kode_kegiatan": "1.02.02.2.02",
    "kode_sub_kegiatan": "1.02.02.2.02.0004",
    "nama_sub_kegiatan": "Pengelolaan Pelayanan Kesehatan Balita",
}
GAJI_DINKES = {"kode_sub_kegiatan": "1.02.01.2.02.0001", "nama_sub_kegiatan": "Gaji dan Tunjangan"}
USB = {"kode_sub_kegiatan": "1.01.02.2.01.0001", "nama_sub_kegiatan": "Pembangunan USB"}
DAU = {"kode_sumber_dana": "1.02.01.01.02", "nama_sumber_dana": "Dana Alokasi Umum"}


def line(org, sub, akun, komponen, pagu, tahun=2024):
    return {
        "tahun": tahun,
        **URUSAN,
        **org,
        **sub,
        **DAU,
        "kode_rekening": akun,
        "nama_rekening": "rekening",
        "kode_standar_harga": "1.1.12.01.01.0001",
        "nama_standar_harga": komponen,
        "pagu": pagu,
    }


def heading(org, sub):
    return {"tahun": 2024, **URUSAN, **org, **sub}


ATK = "5.1.02.01.01.0024"
GAJI = "5.1.01.01.01.0001"
MODAL = "5.2.02.05.01.0005"
SHEET = [
    {"kode_urusan": "1", "nama_urusan": URUSAN["nama_urusan"]},  # urusan heading, no OPD
    heading(DINKES_ORG, BALITA),
    line(DINKES_ORG, BALITA, ATK, "Kertas HVS", "1.250.000,00"),  # Indonesian text
    line(DINKES_ORG, BALITA, ATK, "Kertas HVS", 1_250_000),  # same component twice: two lines
    line(DINKES_ORG, BALITA, MODAL, "Laptop", "15.000.000"),
    heading(DINKES_ORG, GAJI_DINKES),
    line(DINKES_ORG, GAJI_DINKES, GAJI, "Gaji pokok PNS", Decimal("987654321.50")),
    heading(DISDIK_ORG, USB),
    line(DISDIK_ORG, USB, MODAL, "Meja siswa", "2.500.000,00"),
    line(DISDIK_ORG, USB, MODAL, "Papan tulis", "-750.000"),  # negative pagu
    line(DISDIK_ORG, USB, ATK, "Spidol", "300.000", tahun=2023),  # another year
    line(DISDIK_ORG, USB, "5.1.02.99.99.9999", "Kapur", "50.000"),  # an account that is not
    line({"kode_skpd": BAD_CODE, "nama_skpd": "Satpol PP"}, USB, ATK, "Borgol", "100.000"),
]
SHEET_START = 6  # 3 title rows, a blank row, the header: data from line 6


def write_export(paths, rows=SHEET, *, tahun=2024, name="rincian_belanja_murni.xlsx"):
    """The sheet as SIPD RI prints it: merged title rows, the header, rows, a totals row."""
    target = paths.landing / "sipd" / "rincian_pemda" / str(tahun) / name
    target.parent.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Rincian Belanja"
    ws.append(["RINCIAN BELANJA PEMERINTAH KOTA SAMARINDA"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    ws.append([f"Tahun Anggaran {tahun} - Tahapan Murni"])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(COLUMNS))
    ws.append(["Diunduh dari SIPD RI"])
    ws.append([])
    ws.append(COLUMNS)
    for r in rows:
        ws.append([r.get(c) for c in COLUMNS])
    ws.append(["JUMLAH", *[None] * (len(COLUMNS) - 2), "1.000.000"])
    wb.save(target)
    return target


def raw_slot(paths, opd, tahap="murni", tahun=2024) -> pl.DataFrame:
    return pl.read_parquet(
        paths.raw
        / "sipd"
        / "dpa_rincian"
        / "pemda=64.72"
        / f"tahun={tahun}"
        / opd
        / f"{tahap}.parquet"
    )


def test_the_export_is_a_contracted_source_read_by_the_rincian_ingest():
    assert EXPORT.key == "sipd.rincian_pemda" and "sipd.rincian_pemda" not in source_contracts()
    assert COLUMNS == [
        "tahun",
        "kode_urusan",
        "nama_urusan",
        "kode_skpd",
        "nama_skpd",
        "kode_sub_unit",
        "nama_sub_unit",
        "kode_bidang_urusan",
        "nama_bidang_urusan",
        "kode_program",
        "nama_program",
        "kode_kegiatan",
        "nama_kegiatan",
        "kode_sub_kegiatan",
        "nama_sub_kegiatan",
        "kode_sumber_dana",
        "nama_sumber_dana",
        "kode_rekening",
        "nama_rekening",
        "kode_standar_harga",
        "nama_standar_harga",
        "pagu",
    ]
    # every column it stores is a column of sipd.dpa_rincian (no second definition of it)
    targets = {c.extra["loadsAs"] for c in EXPORT.columns if c.extra.get("loadsAs")}
    assert targets <= set(RINCIAN.column_names)
    assert EXPORT.column("pagu").physical_type == "DECIMAL(18,2)"
    # the patterns the reader uses to tell a totals row from data are the target's own
    for col in EXPORT.columns:
        if col.pattern:
            assert col.pattern == RINCIAN.column(col.extra["loadsAs"]).pattern, col.name


def test_the_sheet_is_split_per_opd_and_each_slot_loads_like_its_own_file(data_paths):
    path = write_export(data_paths)
    assert path in landing_files(RINCIAN, data_paths)
    outcomes = ingest_source(RINCIAN, data_paths)
    by = {o.slot.pengirim if o.slot else None: o for o in outcomes}
    assert set(by) == {DINKES, DISDIKBUD, None}

    # Dinas Kesehatan: all four lines, totals to the rupiah, nothing invented
    dinkes = raw_slot(data_paths, DINKES)
    assert by[DINKES].status == STATUS_LOADED and by[DINKES].rows_quarantined == 0
    assert dinkes["total_rp"].sum() == Decimal("1250000") * 2 + Decimal("15000000") + Decimal(
        "987654321.50"
    )
    assert set(dinkes["tahap"]) == {"murni"} and set(dinkes["tahun"]) == {2024}
    assert (
        dinkes.select("volume", "satuan", "harga_satuan_rp", "koefisien", "kode_lokasi")
        .null_count()
        .row(0)
        == (4,) * 5
    )
    per_sub = (
        dinkes.sort("_baris").group_by("kode_sub_kegiatan", maintain_order=True).agg("no_rincian")
    )
    assert per_sub.rows() == [("1.02.02.2.02.0004", [1, 2, 3]), ("1.02.01.2.02.0001", [1])]
    assert dinkes.filter(pl.col("no_rincian") == 3)["uraian_komponen"].to_list() == ["Laptop"]
    assert set(dinkes["_sumber_berkas"]) == {"sipd/rincian_pemda/2024/rincian_belanja_murni.xlsx"}
    # the two heading rows of its block (and the urusan heading above it) are skipped, counted
    assert by[DINKES].skipped[:3] == [
        (SHEET_START, HEADING),
        (SHEET_START + 1, HEADING),
        (SHEET_START + 5, HEADING),
    ]
    assert by[DINKES].rows_skipped == 3

    # Disdikbud: the good line loads, the negative and other-year lines are quarantined with
    # a reason that names the OPD, and Dinkes is not held back by them
    disdik = raw_slot(data_paths, DISDIKBUD)
    assert disdik["total_rp"].to_list() == [Decimal("2500000.00")]
    assert (by[DISDIKBUD].rows_loaded, by[DISDIKBUD].rows_quarantined) == (1, 3)
    reasons = by[DISDIKBUD].errors.to_dicts()
    rules = {(e["_baris"], e["aturan"]) for e in reasons}
    assert (SHEET_START + 9, "minimum") in rules and (SHEET_START + 10, "tahun_berbeda") in rules
    assert (SHEET_START + 11, "kode_tidak_berlaku") in rules
    assert all(
        e["alasan"].startswith(f"OPD Dinas Pendidikan dan Kebudayaan ({DISDIKBUD}): ")
        for e in reasons
    )
    # the totals row at the bottom belongs to the last OPD block above it (skipped, not loaded)
    assert (SHEET_START + 13, "baris jumlah/total diabaikan") in by[DISDIKBUD].skipped

    # the OPD with a malformed code: rejected alone, named, the others loaded
    bad = by[None]
    assert bad.status == STATUS_REJECTED and bad.rows_quarantined == 1
    assert "Satpol PP" in bad.message
    (err,) = bad.errors.to_dicts()
    assert err["_baris"] == SHEET_START + 12 and err["nilai"] == BAD_CODE
    assert err["alasan"].startswith("OPD Satpol PP: kode_skpd")

    # one feedback workbook per OPD, in its own folder, listing the headings it skipped; an OPD
    # with rejected rows is told how to replace its part
    ringkasan = dict(
        openpyxl.load_workbook(by[DISDIKBUD].feedback_path)["Ringkasan"].iter_rows(values_only=True)
    )
    assert "ekspor SIPD seluruh pemda" in ringkasan["Langkah berikutnya"]
    wb = openpyxl.load_workbook(by[DINKES].feedback_path)
    skipped = [r for r in wb["Baris diabaikan"].iter_rows(values_only=True)]
    assert sum(HEADING in (c or "") for r in skipped for c in r if isinstance(c, str)) == 3
    assert DINKES in str(by[DINKES].feedback_path)

    # and one summary for Bappeda: a row per OPD part, with the pagu loaded and where to look
    summaries = data_paths.quarantine / "sipd" / "dpa_rincian" / "pemda=64.72" / "_seluruh_pemda"
    (summary,) = summaries.glob("*.xlsx")
    rows = list(openpyxl.load_workbook(summary)["Per OPD"].iter_rows(values_only=True))[1:]
    by_opd = {r[0]: r for r in rows}
    assert set(by_opd) == {DINKES, DISDIKBUD, None}
    assert by_opd[DINKES][2:7] == ("DIMUAT", 4, 0, 3, 1005154321.5)
    assert by_opd[DISDIKBUD][2:7] == ("DIMUAT SEBAGIAN", 1, 3, 2, 2500000)
    assert by_opd[None][2] == "DITOLAK" and by_opd[DISDIKBUD][7].endswith(".umpan_balik.xlsx")

    log = read_ingest_log(data_paths)
    loaded = log.filter(pl.col("status") == STATUS_LOADED)
    assert sorted(loaded["pengirim"]) == sorted([DINKES, DISDIKBUD])
    assert set(loaded["tabel"]) == {"dpa_rincian"} and set(loaded["periode"]) == {"murni"}

    # the same file again, or a renamed copy of it: nothing to do
    again = ingest_source(RINCIAN, data_paths)
    assert [o.status for o in again] == [STATUS_UNCHANGED]
    shutil.copyfile(path, path.with_name("rincian_belanja_murni (1).xlsx"))
    again = ingest_source(RINCIAN, data_paths)
    assert [o.status for o in again] == [STATUS_UNCHANGED] * 2


def _write_opd_file(paths, total: str) -> None:
    target = paths.landing / "sipd" / "dpa_rincian" / "2024" / DINKES / "dpa_rincian_murni.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        "tahun,tahap,kode_skpd,kode_sub_kegiatan,no_rincian,kode_akun,kode_sumber_dana,"
        "uraian_komponen,volume,satuan,harga_satuan_rp,total_rp\n"
        f"2024,murni,{DINKES},1.02.02.2.02.0004,1,{ATK},1.02.01.01.02,Kertas,2,Rim,"
        f"{Decimal(total) / 2},{total}\n",
        encoding="utf-8",
    )


def _touch(path, t):
    os.utime(path, (t, t))


def test_latest_arrival_per_slot_wins_between_opd_file_and_export(data_paths):
    """An OPD's own DPA and the SIPD export fill the same slot (tahun, OPD, tahap): whichever
    arrived last is what the slot holds, exactly as between two files of that OPD."""
    _write_opd_file(data_paths, "500000")
    opd_file = next((data_paths.landing / "sipd" / "dpa_rincian").rglob("*.csv"))
    export = write_export(data_paths, SHEET[:7])  # Dinkes only
    _touch(opd_file, 1_700_000_000)
    _touch(export, 1_700_000_100)  # the export arrived after the OPD's file
    ingest_source(RINCIAN, data_paths)
    assert raw_slot(data_paths, DINKES)["total_rp"].sum() == Decimal("1005154321.50")
    (cur,) = current_inputs(data_paths).filter(pl.col("pengirim") == DINKES).iter_rows(named=True)
    assert cur["berkas"].startswith("sipd/rincian_pemda/")

    # the OPD corrects its own file afterwards: its file replaces the export's part
    _write_opd_file(data_paths, "750000")
    _touch(opd_file, 1_700_000_200)
    outcomes = ingest_source(RINCIAN, data_paths)
    assert sorted(o.status for o in outcomes) == [STATUS_LOADED, STATUS_UNCHANGED]
    assert raw_slot(data_paths, DINKES)["total_rp"].to_list() == [Decimal("750000.00")]
    (cur,) = current_inputs(data_paths).filter(pl.col("pengirim") == DINKES).iter_rows(named=True)
    assert cur["berkas"].startswith("sipd/dpa_rincian/")


@pytest.mark.parametrize(
    ("name", "rows", "rule"),
    [
        ("rincian_belanja.xlsx", SHEET[:3], "harus memuat tahapan"),  # no tahapan in the name
        ("rincian_belanja_murni.xlsx", SHEET[:2], "judul kelompok"),  # headings only
    ],
)
def test_an_unusable_export_is_rejected_whole_and_every_slot_keeps_its_version(
    data_paths, name, rows, rule
):
    _write_opd_file(data_paths, "500000")
    ingest_source(RINCIAN, data_paths)
    before = raw_slot(data_paths, DINKES)
    write_export(data_paths, rows, name=name)
    (outcome,) = [o for o in ingest_source(RINCIAN, data_paths) if o.status != STATUS_UNCHANGED]
    assert outcome.status == STATUS_REJECTED and outcome.feedback_path.exists()
    assert rule in outcome.message  # Indonesian, for Bappeda's operator
    assert raw_slot(data_paths, DINKES).equals(before)


def test_the_landing_sensor_runs_every_opd_partition_of_the_rincian_for_an_export(data_paths):
    """An export fills many OPD partitions: the sensor starts one run of the rincian ingest over
    all of them (as for any file no single partition holds), and nothing once it is loaded."""
    import dagster as dg

    from dagster_project.definitions import defs
    from tests.test_sensor import Ticks, settled

    with dg.instance_for_test() as instance:
        ticks = Ticks(defs(), instance)
        instance.add_dynamic_partitions("tahun", ["2025"])
        path = write_export(data_paths)  # the first file of 2024
        settled(path)
        (req,) = ticks.tick()
        assert ticks.new_partitions == {"tahun": ["2024"]}  # its year becomes a partition
        ingest_keys = {dg.AssetKey([c.system, c.table]) for c in source_contracts().values()}
        assert set(req.asset_selection) & ingest_keys == {dg.AssetKey(["sipd", "dpa_rincian"])}
        assert req.partition_key is None and "dagster/asset_partition_range_start" in req.tags
        assert req.tags["apbd/berkas"] == "sipd/rincian_pemda/2024/rincian_belanja_murni.xlsx"
        ingest_source(RINCIAN, data_paths)  # the run loaded it
        ticks.cursor = None
        assert ticks.tick() == []


def test_an_unknown_opd_code_is_rejected_alone_and_a_line_without_account_is_no_heading(data_paths):
    ghost = {"kode_skpd": "9.99.9.99.9.99.99.9999", "nama_skpd": "Dinas Bayangan"}
    no_account = line(DINKES_ORG, BALITA, None, "Tinta printer", "90.000")  # a line, not a heading
    write_export(data_paths, [*SHEET[:7], line(ghost, BALITA, ATK, "Kertas", "10.000"), no_account])
    by = {o.slot.pengirim: o for o in ingest_source(RINCIAN, data_paths)}
    assert by[DINKES].status == STATUS_LOADED and by[DINKES].rows_loaded == 4
    (missing,) = by[DINKES].errors.to_dicts()
    assert (missing["_baris"], missing["kolom"], missing["aturan"]) == (
        SHEET_START + 8,
        "kode_akun",
        "wajib_diisi",
    )
    assert by[ghost["kode_skpd"]].status == STATUS_REJECTED  # its only row broke the contract
    (err,) = by[ghost["kode_skpd"]].errors.filter(pl.col("kolom") == "kode_skpd").to_dicts()
    assert err["aturan"] == "kode_tidak_berlaku"
    assert err["alasan"].startswith("OPD Dinas Bayangan (9.99.9.99.9.99.99.9999): ")
    assert not (
        data_paths.raw / "sipd" / "dpa_rincian" / "pemda=64.72" / "tahun=2024" / ghost["kode_skpd"]
    ).exists()


def test_the_export_saved_as_a_semicolon_csv_loads_the_same(data_paths):
    """Saved from Excel as CSV (semicolon, Indonesian numbers): the same split and totals."""
    target = data_paths.landing / "sipd" / "rincian_pemda" / "2024" / "rincian_perubahan.csv"
    target.parent.mkdir(parents=True)
    rows = [";".join(COLUMNS)]
    for r in SHEET[:7]:
        rows.append(";".join("" if r.get(c) is None else str(r[c]) for c in COLUMNS))
    target.write_text("\n".join(rows) + "\n", encoding="cp1252")
    (outcome,) = ingest_source(RINCIAN, data_paths)
    assert outcome.status == STATUS_LOADED and outcome.slot.periode == "perubahan"
    assert outcome.rows_skipped == 3 and outcome.rows_quarantined == 0
    assert raw_slot(data_paths, DINKES, "perubahan")["total_rp"].sum() == Decimal("1005154321.50")
