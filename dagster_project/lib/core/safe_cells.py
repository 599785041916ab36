"""Formula injection: the one place that makes a cell safe to open in Excel or LibreOffice.

A text cell that starts with `=`, `+`, `-` or `@` (or a tab / carriage return in front of one) is
run as a formula by a spreadsheet program when the file is opened: `=HYPERLINK(...)`, `@SUM(...)`,
`+cmd|' /C calc'!A0` (DDE). OPD files carry such text (uraian, keterangan, names) and the project
echoes it back in feedback reports, exports and query results. Every XLSX or CSV the project writes
goes through this module: `neutralise_cell` for one value, `neutralise_frame` for a Polars frame,
`write_csv` / `write_xlsx` for whole files.

Rule (OWASP "CSV injection"): such a text value gets a leading apostrophe `'`, so the program shows
it as text. The prefix is looked for after any leading spaces (also no-break and ideographic spaces),
and the full-width forms `＝ ＋ － ＠` count too: spreadsheet programs with an East-Asian input method
read them as their ASCII twins. A value that is a plain number (`-5000000`, `+62`, `-1.234,5`) is
left alone: it cannot be a formula and OPD operators must be able to read it as they typed it.
Numbers, dates and booleans are never touched; column names are text like any other cell. XLSX
files are written with xlsxwriter with string-to-formula, -URL and -number conversion off, so a text
cell is always stored as text. The rule is written once (`_DANGER`, `_PLAIN_NUMBER`) and run by
Python, Polars and DuckDB alike.

Terminals are the other place a cell can act: `terminal_text` makes a value safe to print (control
characters such as ESC and bidirectional overrides shown as `\\x1b`-style escapes); print it as a
`rich.text.Text`, never as markup, so `[link=…]` or `[/bold]` in a cell stays literal.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from dagster_project.lib.core.files import atomic_write

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
_SPACES = " \u00a0\u3000"  # space, no-break space, ideographic (full-width) space
# A formula sign after optional spaces, or a tab / CR / LF first. Literal characters only, so the
# same pattern runs in Python `re`, Polars (Rust regex) and DuckDB (RE2).
_DANGER = f"^(?:[\t\r\n]|[{_SPACES}]*[=+\\-@＝＋－＠])"
_PLAIN_NUMBER = re.compile(f"^[{_SPACES}]*[+-]?[0-9][0-9.,]*$")
_DANGER_RE = re.compile(_DANGER)

XLSX_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "nan_inf_to_errors": True,
}


def is_dangerous(value: Any) -> bool:
    """True when a spreadsheet program would treat this text value as a formula."""
    return (
        isinstance(value, str)
        and _DANGER_RE.match(value) is not None
        and not _PLAIN_NUMBER.match(value)
    )


def neutralise_cell(value: Any) -> Any:
    """The value, with a leading `'` if it is text a spreadsheet would run as a formula."""
    return "'" + value if is_dangerous(value) else value


def neutralise_expr(expr: pl.Expr) -> pl.Expr:
    """`neutralise_cell` as a Polars expression over a String column."""
    return (
        pl.when(expr.str.contains(_DANGER) & ~expr.str.contains(_PLAIN_NUMBER.pattern))
        .then(pl.lit("'") + expr)
        .otherwise(expr)
    )


def neutralise_sql(column: str) -> str:
    """`neutralise_cell` as a DuckDB expression over a VARCHAR column (`column` already quoted),
    for bulk CSV written by DuckDB itself."""
    return (
        f"case when regexp_matches({column}, '{_DANGER}') "
        f"and not regexp_matches({column}, '{_PLAIN_NUMBER.pattern}') "
        f"then '''' || {column} else {column} end"
    )


def neutralise_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text column of `frame` neutralised (String, and Enum/Categorical as String); other
    types unchanged. Column names are left as they are: `neutralise_header` is for writing them."""
    text = (pl.String, pl.Categorical, pl.Enum)
    cols = [n for n, t in frame.schema.items() if isinstance(t, text) or t in text]
    exprs = (neutralise_expr(pl.col(c).cast(pl.String)).alias(c) for c in cols)
    return frame.with_columns(exprs) if cols else frame


def neutralise_header(names: Iterable[str]) -> list[str]:
    """Column names as they may be written to a CSV or XLSX header row."""
    return [str(neutralise_cell(str(n))) for n in names]


def write_csv(frame: pl.DataFrame, path: Path, *, separator: str = ",") -> Path:
    """A CSV (UTF-8 with BOM, so Excel reads Indonesian text right) with every cell and column
    name neutralised."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    safe = neutralise_frame(frame)
    safe.columns = neutralise_header(safe.columns)
    safe.write_csv(path, separator=separator, include_bom=True)
    return path


# C0 and C1 control characters (ESC, BEL, backspace, CSI …), DEL, and the invisible
# direction/joiner marks that make text display other than it reads. Newline and tab are layout.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def terminal_text(value: Any) -> str:
    """A value as text that is safe to print in a terminal: control characters shown as escapes
    (`\\x1b`), never sent. Print the result as `rich.text.Text` so `[…]` is not read as markup."""
    text = "" if value is None else str(value)
    return _CONTROL.sub(
        lambda m: (
            f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}"
        ),
        text,
    )


def _width(values: Iterable[Any], header: str) -> float:
    longest = max([len(header), *(len(str(v)) for v in values if v is not None)], default=8)
    return float(min(max(longest + 2, 8), 80))


def add_sheet(
    workbook: Any,
    name: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    formats: dict[str, Any] | None = None,
) -> Any:
    """One table sheet: bold frozen header, autofilter, column widths, every cell and column name
    neutralised.

    `workbook` is an `xlsxwriter.Workbook` created with `XLSX_OPTIONS` (plus `constant_memory` for
    long results: `rows` may be a generator, written once in order); strings are written with
    `write_string`, so nothing a sender typed is ever stored as a formula."""
    formats = formats or {}
    ws = workbook.add_worksheet(name[:31])
    bold = formats.get("header") or workbook.add_format(
        {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"}
    )
    for c, h in enumerate(neutralise_header(headers)):
        ws.write_string(0, c, h, bold)
    sample, n = [], 0  # the first 2,000 rows size the columns
    for n, row in enumerate(rows, start=1):
        if n <= 2000:
            sample.append(row)
        for c, v in enumerate(row):
            write_cell(ws, n, c, v, formats)
    ws.freeze_panes(1, 0)
    if headers:
        ws.autofilter(0, 0, max(n, 1), len(headers) - 1)
        for c, h in enumerate(headers):
            ws.set_column(c, c, _width((row[c] for row in sample), str(h)))
    return ws


def number_formats(workbook: Any) -> dict[str, Any]:
    """The number and date formats `write_cell` uses, added to `workbook`."""
    return {
        "number": workbook.add_format({"num_format": "#,##0.##"}),
        "date": workbook.add_format({"num_format": "dd/mm/yyyy"}),
        "datetime": workbook.add_format({"num_format": "dd/mm/yyyy hh:mm"}),
    }


def write_cell(ws: Any, row: int, col: int, value: Any, formats: dict[str, Any] | None = None):
    """Write one value with the right xlsxwriter call: text is always text, never a formula."""
    from datetime import date, datetime
    from decimal import Decimal

    formats = formats or {}
    if value is None:
        ws.write_blank(row, col, None)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value)
    elif isinstance(value, int | float | Decimal):
        ws.write_number(row, col, float(value), formats.get("number"))
    elif isinstance(value, datetime) and value.tzinfo is None:
        ws.write_datetime(row, col, value, formats.get("datetime"))
    elif isinstance(value, datetime):  # Excel has no time zones: keep the offset, as text
        ws.write_string(row, col, value.isoformat(sep=" "))
    elif isinstance(value, date):
        ws.write_datetime(
            row, col, datetime(value.year, value.month, value.day), formats.get("date")
        )
    else:
        ws.write_string(row, col, str(neutralise_cell(str(value))))


def write_xlsx(sheets: dict[str, pl.DataFrame], path: Path) -> Path:
    """An XLSX with one neutralised, filterable sheet per frame (written atomically)."""
    import xlsxwriter

    path = Path(path)
    with atomic_write(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), XLSX_OPTIONS)
        formats = number_formats(wb)
        for name, frame in sheets.items():
            add_sheet(wb, name, frame.columns, frame.rows(), formats=formats)
        wb.close()
    return path
