"""Helpers shared by the notebooks that run as web apps (`notebooks/*.py`, marimo).

The apps read the published mart only, read-only, with a fresh connection per query so they
always show the version that is published now (a publish is an atomic rename; an open
connection would keep reading the old file).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from dagster_project.lib.paths import DataPaths
from dagster_project.lib.publish import open_published

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
        "months": [
            "Januari",
            "Februari",
            "Maret",
            "April",
            "Mei",
            "Juni",
            "Juli",
            "Agustus",
            "September",
            "Oktober",
            "November",
            "Desember",
        ],
        "shortMonths": [
            "Jan",
            "Feb",
            "Mar",
            "Apr",
            "Mei",
            "Jun",
            "Jul",
            "Agu",
            "Sep",
            "Okt",
            "Nov",
            "Des",
        ],
    },
}


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
