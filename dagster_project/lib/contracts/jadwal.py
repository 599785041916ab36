"""The reporting calendar and who is late (no Dagster import).

The calendar is the seed `dbt/seeds/ref_jadwal_pelaporan.csv`: per source (and per budget phase)
its cadence and due date. `kepatuhan()` lays it over the OPD master and the ingest log exactly as
the dbt model `mart_kepatuhan_pelaporan` does, so the freshness checks in Dagster and the mart
Bappeda reads say the same thing (tests/test_kepatuhan.py runs both on the same data).

Rules, as of a reference date `tanggal_acuan` (default: today in Samarinda, WITA):
- due date = last day of the period's last month + `hari_tenggat` days;
- a submission counts from the first version ingest *loaded* (a rejected file is not a
  submission), received = the file's mtime in local time, only versions received by the
  reference date count;
- status: `tepat_waktu` (received by the due date), `terlambat` (received after it),
  `belum_dikirim` (due date passed, nothing loaded: overdue), `belum_jatuh_tempo`;
- `hari_terlambat` = days after the due date it arrived, or, still missing, days overdue so far.
"""

from __future__ import annotations

import calendar as _calendar
import os
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from functools import cache

import polars as pl

from dagster_project.lib.contracts.reference import seed
from dagster_project.lib.core.files import read_yaml
from dagster_project.lib.core.paths import DBT_DIR

SEED = "ref_jadwal_pelaporan"
ENV_TANGGAL_ACUAN = "APBD_TANGGAL_ACUAN"
TEPAT_WAKTU, TERLAMBAT, BELUM_DIKIRIM, BELUM_JATUH_TEMPO = (
    "tepat_waktu",
    "terlambat",
    "belum_dikirim",
    "belum_jatuh_tempo",
)
# Periods of a cadence and the month each ends in (a `tahap` row names its own period).
PERIODS: dict[str, tuple[tuple[str, int], ...]] = {
    "bulanan": tuple((f"{m:02d}", m) for m in range(1, 13)),
    "triwulanan": tuple((f"tw{q}", 3 * q) for q in range(1, 5)),
}
KEY = ["tahun", "sistem", "tabel", "periode", "pengirim"]


@cache
def dbt_vars() -> dict:
    doc = read_yaml(DBT_DIR / "dbt_project.yml")
    return doc.get("vars") or {}


def utc_offset_hours() -> int:
    """Samarinda's clock (WITA, UTC+8): due dates are local dates. One value, in dbt's vars."""
    return int(dbt_vars()["jadwal_utc_offset_jam"])


def tanggal_acuan(value: str | date | None = None, *, now: datetime | None = None) -> date:
    """The reference date: given, else $APBD_TANGGAL_ACUAN, else today in local time."""
    value = value or os.environ.get(ENV_TANGGAL_ACUAN) or None
    if isinstance(value, date):
        return value
    if value:
        return date.fromisoformat(value)
    now = now or datetime.now(UTC)
    return (now.astimezone(UTC) + timedelta(hours=utc_offset_hours())).date()


def calendar_rows() -> list[dict]:
    """The seed, typed."""
    out = []
    for r in seed(SEED).iter_rows(named=True):
        out.append(
            {
                **r,
                "bulan_akhir": int(r["bulan_akhir"]) if r["bulan_akhir"] else None,
                "hari_tenggat": int(r["hari_tenggat"]),
                "tahun_mulai": int(r["tahun_mulai"]),
            }
        )
    return out


def sources_with_calendar(sources: Iterable[str]) -> set[str]:
    """Of the given `sistem.tabel` keys, those the calendar lists."""
    listed = {f"{r['sistem']}.{r['tabel']}" for r in calendar_rows()}
    return set(sources) & listed


def due_date(tahun: int, bulan_akhir: int, hari_tenggat: int) -> date:
    last = _calendar.monthrange(tahun, bulan_akhir)[1]
    return date(tahun, bulan_akhir, last) + timedelta(days=hari_tenggat)


def _opd_names() -> pl.DataFrame:
    return seed("ref_opd").select(
        "kode_skpd",
        "nama_skpd",
        pl.col("tahun_mulai").cast(pl.Int32),
        pl.col("tahun_selesai").cast(pl.Int32),
    )


def expected_submissions(acuan: date, sources: Iterable[str]) -> pl.DataFrame:
    """One row per submission the calendar expects up to the reference year."""
    sources = set(sources)
    opd = _opd_names()
    rows = []
    for r in calendar_rows():
        if f"{r['sistem']}.{r['tabel']}" not in sources:
            continue
        periods = PERIODS.get(r["siklus"]) or ((r["periode"], r["bulan_akhir"]),)
        for tahun in range(r["tahun_mulai"], acuan.year + 1):
            if r["pengirim"] == "opd":
                valid = opd.filter(
                    (pl.col("tahun_mulai") <= tahun)
                    & (pl.col("tahun_selesai").is_null() | (pl.col("tahun_selesai") >= tahun))
                )
                senders = list(zip(valid["kode_skpd"], valid["nama_skpd"], strict=True))
            else:
                senders = [(r["pengirim"], r["pengirim"].upper())]
            for periode, bulan in periods:
                due = due_date(tahun, bulan, r["hari_tenggat"])
                for kode, nama in senders:
                    rows.append(
                        {
                            "tahun": tahun,
                            "sistem": r["sistem"],
                            "tabel": r["tabel"],
                            "periode": periode,
                            "pengirim": kode,
                            "laporan": r["laporan"],
                            "siklus": r["siklus"],
                            "nama_pengirim": nama,
                            "tanggal_jatuh_tempo": due,
                        }
                    )
    schema = {
        "tahun": pl.Int32,
        "sistem": pl.String,
        "tabel": pl.String,
        "periode": pl.String,
        "pengirim": pl.String,
        "laporan": pl.String,
        "siklus": pl.String,
        "nama_pengirim": pl.String,
        "tanggal_jatuh_tempo": pl.Date,
    }
    return pl.DataFrame(rows, schema=schema)


def _normalised_periode(siklus: pl.Expr, periode: pl.Expr) -> pl.Expr:
    """The log's period as the calendar spells it (`3` -> `03`, `TW1` -> `tw1`)."""
    number = periode.str.extract(r"([0-9]+)\D*$", 1).cast(pl.Int32, strict=False)
    return (
        pl.when(siklus == "bulanan")
        .then(number.cast(pl.String).str.zfill(2))
        .when(siklus == "triwulanan")
        .then(pl.lit("tw") + number.cast(pl.String))
        .otherwise(periode)
    )


def kepatuhan(log: pl.DataFrame, acuan: date, sources: Iterable[str]) -> pl.DataFrame:
    """Every expected submission with its due date, first receipt, status and days late."""
    expected = expected_submissions(acuan, sources)
    siklus = expected.select("sistem", "tabel", "siklus").unique()
    offset = timedelta(hours=utc_offset_hours())
    received = (
        log.join(siklus, on=["sistem", "tabel"])
        .with_columns(
            pl.col("tahun").cast(pl.Int32),
            _normalised_periode(pl.col("siklus"), pl.col("periode")).alias("periode"),
            (pl.col("diterima_pada") + offset).dt.date().alias("_tanggal_terima"),
        )
        .filter(pl.col("_tanggal_terima") <= acuan)
        .group_by("tahun", "sistem", "tabel", "periode", "pengirim")
        .agg(
            pl.len().cast(pl.Int32).alias("jumlah_versi"),
            (pl.col("status") == "ditolak").sum().cast(pl.Int32).alias("jumlah_ditolak"),
            pl.col("diterima_pada").filter(pl.col("status") == "dimuat").min()
            .alias("diterima_pertama_pada"),
            pl.col("diterima_pada").max().alias("diterima_terakhir_pada"),
        )
    )  # fmt: skip
    out = expected.join(received, on=KEY, how="left").with_columns(
        pl.lit(acuan).alias("tanggal_acuan"),
        (pl.col("diterima_pertama_pada") + offset).dt.date().alias("tanggal_diterima"),
        pl.col("jumlah_versi").fill_null(0),
        pl.col("jumlah_ditolak").fill_null(0),
    )
    due = pl.col("tanggal_jatuh_tempo")
    got = pl.col("tanggal_diterima")
    status = (
        pl.when(got.is_not_null() & (got <= due))
        .then(pl.lit(TEPAT_WAKTU))
        .when(got.is_not_null())
        .then(pl.lit(TERLAMBAT))
        .when(due < acuan)
        .then(pl.lit(BELUM_DIKIRIM))
        .otherwise(pl.lit(BELUM_JATUH_TEMPO))
    )
    late_days = (
        pl.when(got.is_not_null())
        .then(pl.max_horizontal((got - due).dt.total_days(), pl.lit(0)))
        .otherwise(pl.max_horizontal((pl.lit(acuan) - due).dt.total_days(), pl.lit(0)))
        .cast(pl.Int32)
    )
    return (
        out.with_columns(status.alias("status"), late_days.alias("hari_terlambat"))
        .with_columns(pl.col("status").is_in([TERLAMBAT, BELUM_DIKIRIM]).alias("is_terlambat"))
        .select(
            *KEY,
            "laporan",
            "siklus",
            "nama_pengirim",
            "status",
            "is_terlambat",
            "tanggal_jatuh_tempo",
            "tanggal_diterima",
            "tanggal_acuan",
            "hari_terlambat",
            "jumlah_versi",
            "jumlah_ditolak",
            "diterima_pertama_pada",
            "diterima_terakhir_pada",
        )
        .sort(KEY)
    )


def overdue(table: pl.DataFrame, source: str) -> pl.DataFrame:
    """The overdue submissions (due date passed, nothing loaded) of one `sistem.tabel`."""
    sistem, tabel = source.split(".", 1)
    return table.filter(
        (pl.col("sistem") == sistem)
        & (pl.col("tabel") == tabel)
        & (pl.col("status") == BELUM_DIKIRIM)
    ).sort("hari_terlambat", "pengirim", descending=[True, False])
