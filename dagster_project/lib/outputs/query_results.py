"""What `apbd query` prints and writes: a safe table on screen, or a CSV/XLSX/Parquet file.

- **Streaming.** Rows come from the engine as Arrow record batches (`access.query_batches`) and are
  written batch by batch, so memory does not grow with the result (benchmarks/query_output_memory.py
  measures it). XLSX is the exception that proves the rule: a sheet holds at most 1,048,576 rows
  including the header, so the rows are collected up to that cap, and a result over it is refused
  before anything is written. Nothing is cut silently: the count printed is the count written.
- **Output files.** `check_output` refuses a path inside the project's data folder other than
  `data/exports/` (the mart, the HMAC key, the ingest log and the landing files live there),
  refuses to overwrite an existing file unless asked to (`--timpa`), and every file is written to a
  temporary file in the same folder and renamed into place, so a failed or stopped query leaves
  neither a half-written nor a header-only file.
- **Injection.** CSV and XLSX cells and column names go through `safe_cells` (formula injection);
  on screen every header and cell is a `rich.text.Text` of `safe_cells.terminal_text`: never read
  as Rich markup, control characters (ESC …) shown as escapes.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
from rich.table import Table
from rich.text import Text

from dagster_project.lib.core.files import atomic_write
from dagster_project.lib.core.fmt import angka
from dagster_project.lib.core.paths import DataPaths
from dagster_project.lib.core.safe_cells import (
    XLSX_OPTIONS,
    add_sheet,
    neutralise_frame,
    neutralise_header,
    number_formats,
    terminal_text,
)
from dagster_project.lib.publish.access import (
    QueryGuard,
    QueryLimits,
    open_for_query,
    query_batches,
    run_query,
)

FORMATS = ("table", "csv", "xlsx", "parquet")
XLSX_MAX_ROWS = 1_048_576  # one Excel sheet, header row included
XLSX_MAX_COLUMNS = 16_384
BATCH_ROWS = 65_536


class OutputRefused(Exception):
    """An output `apbd query` will not write. Indonesian `message` and `hint`, for the user."""

    def __init__(self, message: str, hint: str, *, rule: str) -> None:
        super().__init__(message)
        self.message, self.hint, self.rule = message, hint, rule


def output_format(fmt: str, output: Path | None) -> str:
    """The format asked for; with `--output` but no `--format`, the one the file name says."""
    fmt = fmt.lower()
    if fmt == "table" and output is not None:
        suffix = Path(output).suffix.lower().lstrip(".")
        if suffix not in _WRITERS:
            raise OutputRefused(
                f"format berkas {output} tidak dikenali",
                "pakai --format csv, xlsx atau parquet (atau akhiran .csv/.xlsx/.parquet)",
                rule="format",
            )
        return suffix
    return fmt


def check_output(paths: DataPaths, output: Path | None, fmt: str, *, overwrite: bool) -> Path:
    """The file a query result may be written to, or OutputRefused saying why not."""
    if fmt not in FORMATS:
        raise OutputRefused(
            f"format '{fmt}' tidak dikenal", "pakai --format " + ", ".join(FORMATS), rule="format"
        )
    if output is None:
        raise OutputRefused(
            f"--format {fmt} perlu --output <berkas>",
            f"contoh: --output hasil.{fmt}",
            rule="output",
        )
    target = Path(output).expanduser().resolve()  # symlinks followed: a link cannot smuggle
    root, exports = paths.root.resolve(), paths.exports.resolve()
    if target.is_relative_to(root) and not target.is_relative_to(exports):
        raise OutputRefused(
            f"hasil kueri tidak boleh ditulis ke {target}: folder data proyek ({root}) menyimpan "
            "mart terbit, kunci rahasia, log ingest dan berkas kiriman OPD",
            f"pilih folder lain, atau folder ekspor: --output {exports / f'hasil.{fmt}'}",
            rule="folder_data",
        )
    if target.is_dir():
        raise OutputRefused(
            f"{target} adalah folder",
            f"beri nama berkas, mis. {target / f'hasil.{fmt}'}",
            rule="folder",
        )
    if target.exists() and not overwrite:
        raise OutputRefused(
            f"berkas {target} sudah ada dan tidak ditimpa",
            "tambahkan --timpa untuk menimpanya, atau pilih nama berkas lain",
            rule="sudah_ada",
        )
    return target


def query_table(paths: DataPaths, sql: str, limit: int) -> Table:
    """The first `limit` rows as a Rich table; a caption says when there were more."""
    limits = QueryLimits.from_env(paths.root)
    with open_for_query(paths, limits) as con, QueryGuard(con, limits):
        cur = run_query(con, sql)
        cols = [d[0] for d in cur.description]
        rows = cur.fetchmany(limit + 1)
    more = len(rows) > limit
    caption = f"{limit} baris pertama; hasil lebih panjang. Pakai --limit atau --format csv."
    table = Table(caption=caption if more else None)
    for c in cols:
        table.add_column(Text(terminal_text(c)))
    for row in rows[:limit]:
        table.add_row(*(Text(terminal_text(v)) for v in row))
    return table


def query_to_file(paths: DataPaths, sql: str, target: Path, fmt: str) -> int:
    """Run `sql` and write its result to `target` (from `check_output`); the rows written."""
    limits = QueryLimits.from_env(paths.root)
    with open_for_query(paths, limits) as con, QueryGuard(con, limits) as guard:
        reader = query_batches(con, sql, BATCH_ROWS)
        try:
            with atomic_write(target) as tmp:
                return _WRITERS[fmt](reader, tmp, guard)
        finally:
            reader.close()  # the reader holds the database open until it is closed


def _unique(names: list[str]) -> list[str]:
    """Column names made unique (`a`, `a_2`): `select 1 as a, 2 as a` is legal SQL."""
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n}_{seen[n]}")
    return out


def _as_frame(batch: pa.RecordBatch) -> pl.DataFrame:
    """A batch as a Polars frame for CSV/XLSX: ENUMs as text, types a spreadsheet cannot hold
    (lists, structs, intervals, blobs) as their text form."""
    columns = []
    for col in batch.columns:
        t = col.type
        if pa.types.is_dictionary(t):
            col = col.dictionary_decode()
        elif pa.types.is_nested(t) or pa.types.is_interval(t) or pa.types.is_binary(t):
            col = pa.array([None if v is None else str(v) for v in col.to_pylist()], pa.string())
        columns.append(col)
    return pl.from_arrow(pa.RecordBatch.from_arrays(columns, _unique(batch.schema.names)))


def _write_csv(reader: Any, tmp: Path, guard: QueryGuard) -> int:
    rows = 0
    with tmp.open("wb") as fh:
        fh.write(codecs.BOM_UTF8)
        header = pl.DataFrame(schema=dict.fromkeys(neutralise_header(_unique(reader.schema.names))))
        header.write_csv(fh)
        for batch in guard.batches(reader):
            neutralise_frame(_as_frame(batch)).write_csv(fh, include_header=False)
            rows += batch.num_rows
    return rows


def _write_parquet(reader: Any, tmp: Path, guard: QueryGuard) -> int:
    import pyarrow.parquet as pq

    schema = reader.schema
    schema = pa.schema([f.with_name(n) for f, n in zip(schema, _unique(schema.names), strict=True)])
    rows = 0
    with pq.ParquetWriter(tmp, schema) as writer:
        for batch in guard.batches(reader):
            writer.write_batch(pa.RecordBatch.from_arrays(batch.columns, schema=schema))
            rows += batch.num_rows
    return rows


def _write_xlsx(reader: Any, tmp: Path, guard: QueryGuard) -> int:
    import xlsxwriter

    if len(reader.schema) > XLSX_MAX_COLUMNS:
        raise OutputRefused(
            f"hasil kueri punya {len(reader.schema)} kolom, padahal satu lembar Excel memuat "
            f"paling banyak {angka(XLSX_MAX_COLUMNS, 0)} kolom; tidak ada berkas yang ditulis",
            "pakai --format csv atau parquet, atau pilih kolom yang perlu saja",
            rule="batas_xlsx",
        )
    batches, rows = [], 0
    for batch in guard.batches(reader):  # at most one sheet of rows is held
        rows += batch.num_rows
        if rows > XLSX_MAX_ROWS - 1:
            raise OutputRefused(
                f"hasil kueri lebih dari {angka(XLSX_MAX_ROWS - 1, 0)} baris, padahal satu lembar "
                f"Excel memuat paling banyak {angka(XLSX_MAX_ROWS, 0)} baris termasuk judul "
                "kolom; tidak ada berkas yang ditulis",
                "pakai --format csv atau parquet, atau persempit kueri (WHERE, GROUP BY, LIMIT)",
                rule="batas_xlsx",
            )
        batches.append(batch)
    names = _unique(reader.schema.names)

    # The engine is done here; writing (at most one sheet) is not cut by the time limit.
    cells = (row for batch in batches for row in _as_frame(batch).iter_rows())
    wb = xlsxwriter.Workbook(str(tmp), {**XLSX_OPTIONS, "constant_memory": True})
    add_sheet(wb, "hasil", names, cells, formats=number_formats(wb))
    wb.close()
    return rows


_WRITERS = {"csv": _write_csv, "xlsx": _write_xlsx, "parquet": _write_parquet}
