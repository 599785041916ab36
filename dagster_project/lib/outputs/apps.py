"""Helpers shared by the notebooks that run as web apps (`notebooks/*.py`, marimo).

The apps read the published mart only, read-only, with a fresh connection per query so they
always show the version that is published now (a publish is an atomic rename; an open
connection would keep reading the old file).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from dagster_project.lib.contracts.pemda import (
    Pemda,
    PemdaError,
    nama_pemda_terbit,
    pemda_terbit,
    pilih_pemda_terbit,
)
from dagster_project.lib.core.idformat import NAMA_BULAN, NAMA_BULAN_SINGKAT
from dagster_project.lib.core.paths import DataPaths
from dagster_project.lib.publish.publisher import open_published

# Vega-Lite number locale: 1.234.567,89 and Rp on chart axes and tooltips.
VEGA_LOCALE = {
    "number": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["Rp", ""]},
    "time": {
        "dateTime": "%A, %e %B %Y, %X",
        "date": "%d/%m/%Y",
        "time": "%H:%M:%S",
        "periods": ["AM", "PM"],
        "days": ["Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"],
        "shortDays": ["Min", "Sen", "Sel", "Rab", "Kam", "Jum", "Sab"],
        "months": list(NAMA_BULAN),
        "shortMonths": list(NAMA_BULAN_SINGKAT),
    },
}


def published_paths(mo: Any) -> DataPaths:
    """The data folder (APBD_DATA_DIR) of the published mart; stops the app (`mo`, the notebook's
    marimo module) with a plain message when nothing is published yet."""
    paths = DataPaths.from_env()
    mo.stop(
        not paths.published_db.exists(),
        mo.callout(
            mo.md(
                f"**Belum ada mart terbit** di `{paths.published_db}`. "
                "Jalankan `make run` dulu, lalu muat ulang halaman ini."
            ),
            kind="danger",
        ),
    )
    return paths


def pemda_pilihan(mo: Any, paths: DataPaths) -> Any:
    """The app's pemda dropdown (`mo.ui.dropdown`, value = kode_pemda): the pemda the published
    mart holds, by name; the default is what `apbd laporan` would show without --pemda (the only
    pemda, else the deployment's pemda_bawaan, else the first). `len(options) == 1` for a
    single-pemda mart: the app then shows no picker (`pemda_ui`)."""
    with open_published(paths) as con:
        daftar = pemda_terbit(con)
        try:
            awal = pilih_pemda_terbit(con, paths)
        except PemdaError:
            awal = daftar[0] if daftar else None
    mo.stop(
        awal is None,
        mo.callout(mo.md("**Mart terbit belum memuat data pemda mana pun.**"), kind="danger"),
    )
    return mo.ui.dropdown(
        options={p.nama_pemda: p.kode_pemda for p in daftar},
        value=awal.nama_pemda,
        label="Pemda",
        searchable=len(daftar) > 10,
    )


def pemda_dipilih(paths: DataPaths, kode_pemda: str) -> Pemda:
    """The chosen pemda with its name and kind from the published `dim_pemda`."""
    with open_published(paths) as con:
        return nama_pemda_terbit(con, kode_pemda)


def pemda_ui(pilihan: Any) -> list[Any]:
    """The pemda dropdown to place beside the other filters: none when the mart holds one pemda
    (the single-city app looks as it always did)."""
    return [pilihan] if len(pilihan.options) > 1 else []


def read_frame(paths: DataPaths, sql: str, params: dict[str, Any] | None = None) -> pl.DataFrame:
    """Run one read-only query on the published mart and return a Polars frame."""
    with open_published(paths) as con:
        return con.sql(sql, params=params or {}).pl()


def short_name(expr: pl.Expr) -> pl.Expr:
    """Nomenclature names as a person reads them: 'URUSAN PEMERINTAHAN BIDANG KESEHATAN' →
    'Kesehatan', 'PROGRAM PENUNJANG …' → 'Program Penunjang …'."""
    out = expr.str.replace(r"^URUSAN PEMERINTAHAN (BIDANG )?", "").str.to_titlecase()
    for word in _SMALL_WORDS:
        out = out.str.replace_all(f" {word.title()} ", f" {word} ", literal=True)
    return out


_SMALL_WORDS = ("dan", "di", "ke", "dari", "yang", "untuk", "atau", "pada", "dengan", "serta")


def table_exists(paths: DataPaths, schema: str, table: str) -> bool:
    """Whether the published mart has `schema.table` (a section can wait for a mart to ship)."""
    with open_published(paths) as con:
        (n,) = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = $schema and table_name = $table",
            {"schema": schema, "table": table},
        ).fetchone()
    return n > 0


def skenario_per_opd(baris: pl.DataFrame) -> pl.DataFrame:
    """Scenario rows (mart_skenario_alokasi columns) summed per OPD, largest cut first: last
    year's pagu → the proposal, and in words which programs moved and in which tier.

    'penjelasan' reads e.g. '3 program dipotong (tier D: 2, tier C: 1); 1 ditambah (tier A: 1);
    10 tetap'."""

    return (
        baris.group_by("kode_skpd")
        .agg(
            pl.col("nama_skpd").first(),
            pl.len().alias("jumlah_program"),
            pl.col("pagu_dasar_rp").sum(),
            pl.col("pagu_usulan_rp").sum(),
            pl.col("perubahan_rp").sum(),
            pl.struct("tier", "perubahan_rp").alias("_program"),
        )
        .with_columns(
            pl.when(pl.col("pagu_dasar_rp") != 0)
            .then(
                pl.col("perubahan_rp").cast(pl.Float64) / pl.col("pagu_dasar_rp").cast(pl.Float64)
            )
            .mul(100)
            .round(2)
            .alias("perubahan_persen"),
            pl.col("_program")
            .map_elements(_penjelasan, return_dtype=pl.String)
            .alias("penjelasan"),
        )
        .drop("_program")
        .sort(["perubahan_rp", "kode_skpd"])
    )


def _penjelasan(program: list[dict[str, Any]]) -> str:
    """How an OPD's programs moved, counted per tier."""
    parts = []
    for nama, pilih in (
        ("dipotong", lambda v: v < 0),
        ("ditambah", lambda v: v > 0),
    ):
        tiers = sorted(p["tier"] for p in program if pilih(p["perubahan_rp"]))
        if tiers:
            rinci = ", ".join(f"tier {t}: {tiers.count(t)}" for t in sorted(set(tiers)))
            parts.append(f"{len(tiers)} program {nama} ({rinci})")
    tetap = sum(1 for p in program if p["perubahan_rp"] == 0)
    if tetap:
        parts.append(f"{tetap} tetap")
    return "; ".join(parts)
