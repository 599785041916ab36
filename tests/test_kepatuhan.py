"""The reporting calendar: due dates, what counts as received, days late (lib/contracts/jadwal.py).

The dbt model mart_kepatuhan_pelaporan follows the same rules (its unit test in
dbt/models/marts/kepatuhan/_kepatuhan__unit_tests.yml uses the SP2D cases below; the end-to-end test
compares the two on a whole demo).
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime

import polars as pl
import pytest

from dagster_project.lib.contracts import jadwal
from dagster_project.lib.contracts.ingest_log import LOG_SCHEMA
from dagster_project.lib.contracts.model import source_contracts
from dagster_project.lib.contracts.reference import opd_codes
from dagster_project.lib.core.paths import SEEDS_DIR
from tests.conftest import DINKES

ACUAN = date(2025, 3, 1)


def log(*rows: tuple) -> pl.DataFrame:
    """Ingest-log rows: (sistem, tabel, tahun, pengirim, periode, status, received UTC)."""
    return pl.DataFrame(
        [
            {
                "sistem": s,
                "tabel": t,
                "tahun": y,
                "pengirim": p,
                "periode": per,
                "status": st,
                "diterima_pada": datetime.fromisoformat(at),
                "dimuat_pada": datetime.fromisoformat(at),
                "sha256": f"{i}",
                "berkas": f"f{i}",
            }
            for i, (s, t, y, p, per, st, at) in enumerate(rows)
        ],
        schema=LOG_SCHEMA,
    )


def sp2d(tahun, periode, status, at):
    return ("bpkad", "sp2d", tahun, "bpkad", periode, status, at)


SP2D_LOG = log(
    sp2d(2024, "01", "dimuat", "2024-02-05 10:00:00"),  # before the 10th: on time
    sp2d(2024, "02", "dimuat", "2024-03-15 02:00:00"),  # 5 days after 10 March
    sp2d(2024, "03", "ditolak", "2024-04-01 02:00:00"),  # rejected first: not a submission,
    sp2d(2024, "03", "dimuat", "2024-04-20 02:00:00"),  # then accepted 10 days late
    sp2d(2024, "04", "ditolak", "2024-05-02 02:00:00"),  # rejected only: still missing
    sp2d(2024, "05", "dimuat", "2024-06-10 16:30:00"),  # 00:30 WITA on the 11th: 1 day late
    sp2d(2024, "06", "dimuat", "2024-07-10 15:00:00"),  # 23:00 WITA on the 10th: on time
    sp2d(2024, "7", "dimuat", "2024-08-01 00:00:00"),  # period spelled `7`: July
    sp2d(2025, "01", "dimuat", "2025-03-05 00:00:00"),  # after the reference date: not yet
)


@pytest.fixture(scope="module")
def sp2d_table() -> pl.DataFrame:
    return jadwal.kepatuhan(SP2D_LOG, ACUAN, ["bpkad.sp2d"])


def row(table, tahun, periode) -> dict:
    (r,) = table.filter((pl.col("tahun") == tahun) & (pl.col("periode") == periode)).to_dicts()
    return r


@pytest.mark.parametrize(
    ("tahun", "periode", "status", "hari", "versi", "ditolak"),
    [
        (2024, "01", "tepat_waktu", 0, 1, 0),
        (2024, "02", "terlambat", 5, 1, 0),
        (2024, "03", "terlambat", 10, 2, 1),
        (2024, "04", "belum_dikirim", 295, 1, 1),
        (2024, "05", "terlambat", 1, 1, 0),
        (2024, "06", "tepat_waktu", 0, 1, 0),
        (2024, "07", "tepat_waktu", 0, 1, 0),
        (2024, "12", "belum_dikirim", 50, 0, 0),
        (2025, "01", "belum_dikirim", 19, 0, 0),
        (2025, "02", "belum_jatuh_tempo", 0, 0, 0),
    ],
)
def test_sp2d_status_and_days_late(sp2d_table, tahun, periode, status, hari, versi, ditolak):
    r = row(sp2d_table, tahun, periode)
    assert (r["status"], r["hari_terlambat"], r["jumlah_versi"], r["jumlah_ditolak"]) == (
        status,
        hari,
        versi,
        ditolak,
    )
    assert r["is_terlambat"] == (status in ("terlambat", "belum_dikirim"))


def test_due_dates_follow_the_calendar(sp2d_table):
    assert row(sp2d_table, 2024, "01")["tanggal_jatuh_tempo"] == date(2024, 2, 10)
    assert row(sp2d_table, 2024, "12")["tanggal_jatuh_tempo"] == date(2025, 1, 10)
    assert sp2d_table.height == 24  # 2024 and 2025, twelve months each
    assert jadwal.due_date(2025, 1, 0) == date(2025, 1, 31)  # DPA murni
    assert jadwal.due_date(2025, 6, 15) == date(2025, 7, 15)  # triwulan 2


def test_every_opd_of_the_master_is_expected_and_overdue_ones_are_listed():
    dpa = log(("sipd", "dpa_sub_kegiatan", 2025, DINKES, "murni", "dimuat", "2025-01-20 01:00:00"))
    table = jadwal.kepatuhan(dpa, ACUAN, ["sipd.dpa_sub_kegiatan"])
    murni = table.filter((pl.col("tahun") == 2025) & (pl.col("periode") == "murni"))
    assert sorted(murni["pengirim"]) == opd_codes(2025)
    late = jadwal.overdue(table, "sipd.dpa_sub_kegiatan").filter(pl.col("tahun") == 2025)
    assert DINKES not in set(late["pengirim"])
    assert set(late["pengirim"]) == set(opd_codes(2025)) - {DINKES}
    assert set(late["hari_terlambat"]) == {29}  # 31 January to 1 March
    perubahan = table.filter((pl.col("tahun") == 2025) & (pl.col("periode") == "perubahan"))
    assert set(perubahan["status"]) == {"belum_jatuh_tempo"}


def test_calendar_rows_agree_with_the_contracts():
    contracts = source_contracts()
    cadence = {"monthly": "bulanan", "quarterly": "triwulanan"}
    with (SEEDS_DIR / f"{jadwal.SEED}.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        c = contracts.get(f"{r['sistem']}.{r['tabel']}")
        if c is None:
            continue  # a source still to come (its contract adds it to the mart by itself)
        assert r["pengirim"] == c.submitter, r
        if c.period_cadence:
            assert r["siklus"] == cadence[c.period_cadence], r
        if r["siklus"] == "tahap":
            assert not c.period_cadence and r["periode"] and r["bulan_akhir"], r
    # Every source owed by a date has a row; a national file Bappeda downloads (DJPK's APBD of
    # every pemda, BPS's kab/kota indicators: contract reportingCalendar false) has none, so it
    # never shows as a late sender in mart_kepatuhan_pelaporan.
    owed = {k for k, c in contracts.items() if c.properties.get("reportingCalendar", True)}
    assert owed < set(contracts)
    assert {"djpk.apbd_pemda", "bps.indikator_kabkota"} <= set(contracts) - owed
    assert jadwal.sources_with_calendar(contracts) == owed


def test_reference_date_is_given_or_today_in_samarinda(monkeypatch):
    monkeypatch.delenv(jadwal.ENV_TANGGAL_ACUAN, raising=False)
    wita_1am = datetime(2025, 1, 31, 17, 0, tzinfo=UTC)
    assert jadwal.tanggal_acuan(now=wita_1am) == date(2025, 2, 1)
    monkeypatch.setenv(jadwal.ENV_TANGGAL_ACUAN, "2025-06-30")
    assert jadwal.tanggal_acuan() == date(2025, 6, 30)
    assert jadwal.tanggal_acuan("2024-12-31") == date(2024, 12, 31)
