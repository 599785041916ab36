"""Indonesian number and date formats, as polars expressions over text.

`1.234.567,89`, `Rp 1.500.000`, `1,234,567.89`, `(1.000)` and Excel's `1250000000.5` are numbers;
`31/12/2025`, `31-12-2025`, `31 Desember 2025`, `2025-12-31` and Excel serial days are dates. A value
that matches none of them becomes null, and the caller reports it (it is never guessed).
"""

from __future__ import annotations

from typing import TypeVar

import polars as pl

Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)

# The one list of Indonesian month names (reports, apps, demo, date parsing).
NAMA_BULAN = (
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
)
NAMA_BULAN_SINGKAT = tuple(n[:3] for n in NAMA_BULAN)  # Jan … Agu … Des

# Month words as written in dates, to month number: full names, abbreviations, old spellings.
BULAN = {
    "januari": 1,
    "jan": 1,
    "februari": 2,
    "pebruari": 2,
    "feb": 2,
    "peb": 2,
    "maret": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "mei": 5,
    "juni": 6,
    "jun": 6,
    "juli": 7,
    "jul": 7,
    "agustus": 8,
    "agu": 8,
    "agt": 8,
    "ags": 8,
    "aug": 8,
    "september": 9,
    "sep": 9,
    "sept": 9,
    "oktober": 10,
    "okt": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "nopember": 11,
    "nop": 11,
    "desember": 12,
    "des": 12,
    "dec": 12,
    "may": 5,
    "june": 6,
    "july": 7,
    "october": 10,
    "december": 12,
    "january": 1,
    "february": 2,
    "march": 3,
    "august": 8,
}

# A thousands group never follows a leading 0: `0,381` and `0.381` are decimals (a Gini ratio, a
# share), never 381.
_ID_GROUPED = r"^-?[1-9]\d{0,2}(\.\d{3})+(,\d+)?$"  # 1.234.567,89
_EN_GROUPED = r"^-?[1-9]\d{0,2}(,\d{3})+(\.\d+)?$"  # 1,234,567.89
_COMMA_DEC = r"^-?\d+,\d+$"  # 1234,5
_PLAIN = r"^-?\d+(\.\d+)?$"  # 1234.5 (also Excel floats)
_SCI = r"^-?\d+(\.\d+)?[eE][+-]?\d+$"  # 1.25E+09 from Excel


def normalise_number(expr: pl.Expr) -> pl.Expr:
    """Text -> canonical `-1234.56` text, or null when it is not a number in a known format."""
    s = (
        expr.str.replace_all(r"(?i)\s*(rp\.?|idr)\s*", "")
        .str.replace_all(r"[\s\u00a0]", "")
        .str.replace(r"^[\u2013\u2212]", "-")  # an en dash or minus sign (Word/Excel autocorrect)
        .str.replace(r"^\((.*)\)$", "-$1")
        .str.replace(r"^-?\+", "")
    )
    return (
        pl.when(s.str.contains(_ID_GROUPED))
        .then(s.str.replace_all(r"\.", "").str.replace(",", "."))
        .when(s.str.contains(_EN_GROUPED))
        .then(s.str.replace_all(",", ""))
        .when(s.str.contains(_COMMA_DEC))
        .then(s.str.replace(",", "."))
        .when(s.str.contains(_PLAIN))
        .then(s)
        .when(s.str.contains(_SCI))
        .then(s.cast(pl.Float64, strict=False).round(4).cast(pl.String))
        .otherwise(None)
    )


def parse_decimal(expr: pl.Expr, dtype: pl.Decimal) -> pl.Expr:
    return normalise_number(expr).cast(dtype, strict=False)


def parse_integer(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    n = normalise_number(expr)
    # "2024.0" from Excel is an integer; "2024.5" is not.
    return pl.when(n.str.contains(r"^-?\d+(\.0+)?$")).then(
        n.str.replace(r"\.0+$", "").cast(dtype, strict=False)
    )


def parse_date(expr: pl.Expr) -> pl.Expr:
    s = expr.str.strip_chars()
    iso = s.str.slice(0, 10).str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    dmy_slash = s.str.strptime(pl.Date, "%d/%m/%Y", strict=False)
    dmy_dash = s.str.strptime(pl.Date, "%d-%m-%Y", strict=False)
    parts = s.str.to_lowercase().str.extract_groups(r"^(\d{1,2})[\s\-]+([a-z]+)\.?[\s\-]+(\d{4})$")
    month = parts.struct.field("2").replace_strict(BULAN, default=None, return_dtype=pl.Int8)
    named = pl.date(
        parts.struct.field("3").cast(pl.Int32, strict=False),
        month,
        parts.struct.field("1").cast(pl.Int8, strict=False),
    )
    # Excel serial day numbers (1900 system), only in a plausible range (2000..2099).
    serial = s.cast(pl.Float64, strict=False)
    excel = pl.when(serial.is_between(36526, 73050)).then(
        (pl.lit(-25569) + serial.floor()).cast(pl.Int32).cast(pl.Date)
    )
    return pl.coalesce(iso, dmy_slash, dmy_dash, named, excel)


def split_number_text(frame: Frame, text_columns: dict[str, str]) -> Frame:
    """Keep numbers and text apart: a numeric column whose cell is not a number moves the cell to
    its text column instead of failing validation (a target "Tersedianya dokumen RKPD" is a valid
    target, not a broken number). `text_columns` maps numeric column -> text column (the
    contract's `textColumn`). A trailing percent sign is part of a number ("95%", "95 %").
    """
    names = set(frame.collect_schema().names())
    for num, txt in text_columns.items():
        if num not in names:
            continue
        if txt not in names:
            frame = frame.with_columns(pl.lit(None, pl.String).alias(txt))
        cleaned = pl.col(num).str.replace(r"\s*%\s*$", "")
        is_number = normalise_number(cleaned).is_not_null()
        moved = pl.col(num).is_not_null() & ~is_number
        frame = frame.with_columns(
            pl.when(moved & pl.col(txt).is_not_null() & (pl.col(txt) != pl.col(num)))
            .then(pl.concat_str([pl.col(txt), pl.col(num)], separator=" / "))
            .when(moved)
            .then(pl.coalesce(pl.col(txt), pl.col(num)))
            .otherwise(pl.col(txt))
            .alias(txt),
            pl.when(is_number).then(cleaned).otherwise(None).alias(num),
        )
    return frame
