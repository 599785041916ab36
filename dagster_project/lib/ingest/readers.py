"""Read what OPDs actually send into string columns named as the contract names them.

OPD files arrive as CSV (comma or semicolon, UTF-8, UTF-8 with BOM or Windows-1252) or XLSX with
SIPD-style title rows above the header, merged header cells and a totals row at the bottom. This
module finds the header row, maps the header names through the contract's aliases and returns every
cell as text with its line number in the original file; typing and validation happen in `ingest`.
Anything that is not a readable table raises `LandingFileError` with a message for the operator.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import polars as pl

from dagster_project.lib.contracts.model import PEMDA_COLUMN, Contract

LINE_COL = "_baris"
HEADER_SCAN_ROWS = 30
DEFAULT_MAX_BYTES = 200 * 1024 * 1024  # larger files are refused with a size message
_TOTAL_WORDS = re.compile(r"(?i)^\s*(jumlah|total|grand total|sub ?total)\b")


class LandingFileError(Exception):
    """A whole file cannot be used. `message` is Indonesian, for the OPD operator."""

    def __init__(self, message: str, *, rule: str) -> None:
        super().__init__(message)
        self.message = message
        self.rule = rule


@dataclass
class RawTable:
    """Cells as text, columns renamed to contract names, `_baris` = 1-based line in the file."""

    frame: pl.DataFrame
    file_format: str
    header_line: int
    unknown_columns: list[str] = field(default_factory=list)
    skipped_lines: list[tuple[int, str]] = field(default_factory=list)  # (line, why)
    # CSV lines with more values than the header has columns: line -> the values past the header
    # (typically `1.234,56` unquoted in a comma CSV). Never truncated silently: ingest rejects them.
    ragged_lines: dict[int, str] = field(default_factory=dict)


@lru_cache(maxsize=1 << 16)  # the same few hundred header texts, in every file
def normalise_header(text: str) -> str:
    text = unicodedata.normalize("NFKC", str(text)).strip().lower()
    text = re.sub(r"\(.*?\)", " ", text)  # "Pagu (Rp)" -> "pagu"
    return re.sub(r"[^0-9a-z]+", "_", text).strip("_")


def header_map(contract: Contract) -> dict[str, str]:
    """Normalised header text -> contract column name (names and all aliases)."""
    out: dict[str, str] = {}
    for col in contract.columns:
        for name in (col.name, *col.aliases):
            out.setdefault(normalise_header(name), col.name)
    return out


def sniff_format(head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml")):
        return "html"
    if not head.strip():
        return "empty"
    return "csv"


def decode_text(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM) first, Windows-1252 as the fallback OPD spreadsheets use."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


DELIMITERS = ",;\t|"


def _sniff_delimiter(text: str) -> str:
    """The delimiter among `DELIMITERS`: csv.Sniffer's choice, else the most frequent."""
    sample = "\n".join(text.splitlines()[:HEADER_SCAN_ROWS])
    # Without a quote Sniffer's quote rule cannot apply, only its consistency rule, which costs
    # 127 counts a line (every ASCII character) to weigh four (2/3 of the demo's CSV files).
    if '"' in sample or "'" in sample:
        try:
            return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
        except csv.Error:
            pass
    elif delim := _consistent_delimiter(sample):
        return delim
    counts = {d: sample.count(d) for d in DELIMITERS}
    return max(counts, key=counts.get)  # type: ignore[arg-type]


def _consistent_delimiter(sample: str) -> str:
    """csv.Sniffer's `_guess_delimiter` (Python 3.11), step for step, over `DELIMITERS` only (its
    result is always one of them): the candidate found the same number of times on at least 90 %
    of the lines, judged on the first 10 non-empty lines, then 20, and so on; several: Sniffer's
    preferred order, then the most consistent; none: "". tests/test_bad_inputs.py holds it equal
    to Sniffer on thousands of samples."""
    lines = [line for line in sample.split("\n") if line]
    chunk = min(10, len(lines))
    frequency: dict[str, dict[int, int]] = {d: {} for d in DELIMITERS}
    modes: dict[str, tuple[int, int]] = {}
    found: dict[str, tuple[int, int]] = {}
    start, end, iteration = 0, chunk, 0
    while start < len(lines):
        iteration += 1
        for line in lines[start:end]:
            for d in DELIMITERS:
                f = frequency[d]
                n = line.count(d)
                f[n] = f.get(n, 0) + 1
        for d, f in frequency.items():
            items = list(f.items())
            if len(items) == 1 and items[0][0] == 0:
                continue
            mode = max(items, key=lambda x: x[1])
            items.remove(mode)
            modes[d] = (mode[0], mode[1] - sum(i[1] for i in items))
        total = float(min(chunk * iteration, len(lines)))
        consistency = 1.0
        while not found and consistency >= 0.9:
            for d, (n, rows) in modes.items():
                if n > 0 and rows > 0 and rows / total >= consistency:
                    found[d] = (n, rows)
            consistency -= 0.01
        if len(found) == 1:
            return next(iter(found))
        start = end
        end += chunk
    for d in csv.Sniffer().preferred:
        if d in found:
            return d
    return max(found.items(), key=lambda kv: (kv[1], kv[0]))[0] if found else ""


def _read_csv_cells(data: bytes) -> tuple[pl.DataFrame, str]:
    text, encoding = decode_text(data)
    delim = _sniff_delimiter(text)
    # As many columns as the widest line, so no value past the header is silently cut off.
    width = max((len(r) for r in csv.reader(io.StringIO(text), delimiter=delim)), default=1)
    try:
        df = pl.read_csv(
            io.StringIO(text),
            separator=delim,
            has_header=False,
            infer_schema=False,
            truncate_ragged_lines=True,
            quote_char='"',
            schema={f"column_{i + 1}": pl.String for i in range(max(width, 1))},
            missing_columns="insert",
        )
    except pl.exceptions.PolarsError as exc:
        raise LandingFileError(
            f"Berkas CSV tidak dapat dibaca ({exc.__class__.__name__}). Simpan ulang dari Excel "
            "sebagai 'CSV UTF-8' lalu kirim kembali.",
            rule="csv_tidak_terbaca",
        ) from exc
    return df, f"csv({encoding},{'titik koma' if delim == ';' else repr(delim)})"


def _read_xlsx_cells(path: Path, contract: Contract) -> pl.DataFrame:
    import fastexcel

    try:
        reader = fastexcel.read_excel(path)
        best, best_score = None, -1
        for name in reader.sheet_names:
            sheet = reader.load_sheet(name, header_row=None, dtypes="string")
            df = sheet.to_polars()
            score = _find_header(df, header_map(contract))[1]
            if score > best_score:
                best, best_score = df, score
    except Exception as exc:  # calamine raises its own error types for corrupt archives
        raise LandingFileError(
            "Berkas Excel rusak atau terpotong dan tidak dapat dibuka. Buka di Excel, simpan "
            "ulang sebagai .xlsx, lalu kirim kembali.",
            rule="xlsx_rusak",
        ) from exc
    if best is None:
        raise LandingFileError("Berkas Excel tidak memiliki lembar kerja.", rule="xlsx_kosong")
    return best


def _find_header(cells: pl.DataFrame, names: dict[str, str]) -> tuple[int, int]:
    """Index of the row that names the most contract columns, and how many it names."""
    best_idx, best_score = 0, 0
    # A row names at most one column per cell: one naming as many as there are cells (the usual
    # CSV header) cannot be beaten by a later row, which is then not read.
    most = min(cells.width, len(set(names.values())))
    for idx, row in enumerate(cells.head(HEADER_SCAN_ROWS).iter_rows()):
        score = len(
            {names[n] for v in row if v is not None and (n := normalise_header(v)) in names}
        )
        if score > best_score:
            best_idx, best_score = idx, score
            if score == most:
                break
    return best_idx, best_score


@dataclass
class Headed:
    """A file's cells with its header row found and its columns named as the contract names
    them (`rename`: cell column -> contract column): what `tidy` needs, for many files at once."""

    cells: pl.DataFrame
    file_format: str
    header_index: int  # 0-based row of the header in `cells`
    rename: dict[str, str]
    unknown_columns: list[str]


def read_landing_file(
    path: Path, contract: Contract, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> RawTable:
    """One landing file as text cells named as the contract names them."""
    return tidy([read_cells(path, contract, max_bytes=max_bytes)], contract)[0]


def read_cells(path: Path, contract: Contract, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Headed:
    """A landing file's cells and its header: everything of reading that is the file's alone.
    `tidy` does the rest, one query for a whole batch of files (per file, Polars' fixed cost of
    a query was most of the time a small file took: 46,153 collects for 8,131 files)."""
    size = path.stat().st_size
    if size > max_bytes:
        raise LandingFileError(
            f"Berkas terlalu besar ({size / 1024 / 1024:,.0f} MB; batas "
            f"{max_bytes / 1024 / 1024:,.0f} MB). Pecah per bulan atau per OPD lalu kirim ulang.",
            rule="berkas_terlalu_besar",
        )
    with path.open("rb") as fh:
        head = fh.read(4096)
    fmt = sniff_format(head)
    if fmt == "empty":
        raise LandingFileError("Berkas kosong (0 baris).", rule="berkas_kosong")
    if fmt == "html":
        raise LandingFileError(
            "Berkas ini halaman HTML/XML, bukan CSV atau Excel (biasanya hasil 'Simpan Halaman' "
            "dari peramban). Unduh ulang ekspor CSV/XLSX dari SIPD.",
            rule="bukan_tabel",
        )
    if fmt == "xls":
        raise LandingFileError(
            "Format Excel lama (.xls) tidak diterima. Simpan sebagai .xlsx lalu kirim ulang.",
            rule="format_xls",
        )
    if fmt == "xlsx":
        cells, fmt_name = _read_xlsx_cells(path, contract), "xlsx"
    else:
        cells, fmt_name = _read_csv_cells(path.read_bytes())
    return _headed(cells, contract, fmt_name)


def _headed(cells: pl.DataFrame, contract: Contract, fmt: str) -> Headed:
    names = header_map(contract)
    if cells.height == 0:
        raise LandingFileError("Berkas kosong (0 baris).", rule="berkas_kosong")
    hdr_idx, score = _find_header(cells, names)
    if score == 0:
        expected = ", ".join(  # the pemda comes from the folder: no sender writes it
            c.name for c in contract.columns if c.required and c.name != PEMDA_COLUMN
        )
        raise LandingFileError(
            "Baris judul kolom tidak ditemukan di 30 baris pertama. Kolom wajib: " + expected + ".",
            rule="judul_kolom_tidak_ditemukan",
        )
    header = list(cells.row(hdr_idx))
    rename: dict[str, str] = {}
    unknown: list[str] = []
    for src, text in zip(cells.columns, header, strict=True):
        if text is None or not str(text).strip():
            continue
        target = names.get(normalise_header(text))
        if target is None or target in rename.values():
            unknown.append(str(text).strip())
            continue
        rename[src] = target
    return Headed(cells, fmt, hdr_idx, rename, unknown)


_FILE = "__berkas"  # which file of a `tidy` batch a row comes from


def tidy(batch: list[Headed], contract: Contract) -> list[RawTable]:
    """The data rows of each file of `batch` (in order): blanks as nulls, blank lines and totals
    rows set aside with their line numbers, values past the header kept per CSV line (`ragged`),
    a column-number row or a second header row under the header skipped. The files' rows go
    through one query together: a column one file lacks is null in its rows, which changes
    none of the row tests (blank: every value null; totals: a total word in some value and no
    code in a required code column)."""
    if not batch:
        return []
    names = header_map(contract)
    frames = [
        h.cells.lazy()
        .with_row_index(LINE_COL, offset=1)
        .slice(h.header_index + 1)
        .select(
            pl.lit(i, pl.Int32).alias(_FILE),
            pl.col(LINE_COL).cast(pl.Int32),
            *[pl.col(s).cast(pl.String).alias(t) for s, t in h.rename.items()],
        )
        for i, h in enumerate(batch)
    ]
    value_cols = list(dict.fromkeys(t for h in batch for t in h.rename.values()))
    # A totals row ("JUMLAH", "Total") has text in a label cell and no codes: not data.
    required_codes = [
        c.name for c in contract.columns if c.required and c.pattern and c.name in value_cols
    ]
    blank = pl.all_horizontal(pl.col(value_cols).is_null())
    total = (
        pl.any_horizontal(pl.col(value_cols).str.contains(_TOTAL_WORDS.pattern).fill_null(False))
        & pl.all_horizontal(
            [~pl.col(c).str.contains(r"\d\.\d").fill_null(False) for c in required_codes]
        )
        if required_codes
        else pl.lit(False)
    )
    stripped = pl.col(value_cols).str.strip_chars()
    lines = (
        pl.concat(frames, how="diagonal")
        # blank -> null; `when`, not `.replace("", None)`, which costs ~0.5 ms a column a file
        .with_columns(pl.when(stripped != "").then(stripped))
        .with_columns(blank.alias("__kosong"), (total & ~blank).alias("__jumlah"))
    )
    flagged, kept = pl.collect_all(
        [
            lines.filter(pl.col("__kosong") | pl.col("__jumlah")).select(
                _FILE, LINE_COL, "__kosong"
            ),
            lines.filter(~pl.col("__kosong") & ~pl.col("__jumlah")).drop("__kosong", "__jumlah"),
        ]
    )
    skipped_of: dict[int, tuple[list[tuple[int, str]], list[tuple[int, str]]]] = {}
    for i, ln, is_blank in flagged.iter_rows():
        blanks, totals = skipped_of.setdefault(i, ([], []))
        (blanks if is_blank else totals).append(
            (ln, "baris kosong" if is_blank else "baris jumlah/total diabaikan")
        )
    bodies = kept.partition_by(_FILE, as_dict=True, include_key=False)
    out = []
    for i, h in enumerate(batch):
        columns = [LINE_COL, *h.rename.values()]
        body = bodies.get((i,))
        if body is None:
            body = pl.DataFrame(
                schema={c: pl.Int32 if c == LINE_COL else pl.String for c in columns}
            )
        else:
            body = body.select(columns)
        blanks, totals = skipped_of.get(i, ([], []))
        out.append(_finish_table(h, body, [*blanks, *totals], names))
    return out


def _finish_table(
    h: Headed, body: pl.DataFrame, skipped: list[tuple[int, str]], names: dict[str, str]
) -> RawTable:
    """What is left of a file's reading once its rows are tidied: values past the header of a
    CSV line, a column-number row and a second header row under the header (`names`: the
    contract's `header_map`)."""
    cells, hdr_idx = h.cells, h.header_index
    header = cells.row(hdr_idx)
    ragged: dict[int, str] = {}
    last = max((i for i, t in enumerate(header) if t is not None and str(t).strip()), default=-1)
    overflow = cells.columns[last + 1 :]
    if h.file_format.startswith("csv") and overflow:
        spill = (
            cells.with_row_index(LINE_COL, offset=1)
            .slice(hdr_idx + 1)
            .select(
                pl.col(LINE_COL).cast(pl.Int32),
                pl.concat_str([pl.col(c) for c in overflow], separator=" | ", ignore_nulls=True)
                .replace("", None)
                .alias("lebih"),
            )
            .drop_nulls("lebih")
        )
        ragged = dict(zip(spill[LINE_COL].to_list(), spill["lebih"].to_list(), strict=True))
    # SIPD prints a column-number row under the header ("1 2 3 …" or "(1) (2) …"): skip it.
    if body.height:
        first = [v for v in body.row(0)[1:] if v is not None]
        numbers = [re.fullmatch(r"\(?(\d{1,2})\)?", v) for v in first]
        if len(first) >= 2 and all(numbers):
            seq = [int(m.group(1)) for m in numbers if m]
            if seq == sorted(seq) and len(set(seq)) == len(seq):
                skipped.append((body[LINE_COL][0], "baris nomor kolom diabaikan"))
                body = body.slice(1)
    # A second header row under a merged header repeats names instead of values: skip it.
    if body.height:
        first = [v for v in body.row(0)[1:] if v is not None]
        if (
            first
            and all(normalise_header(v) in names or not re.search(r"\d", v) for v in first)
            and any(normalise_header(v) in names for v in first)
        ):
            skipped.append((body[LINE_COL][0], "baris judul kedua diabaikan"))
            body = body.slice(1)
    return RawTable(
        frame=body,
        file_format=h.file_format,
        header_line=hdr_idx + 1,
        unknown_columns=h.unknown_columns,
        skipped_lines=skipped,
        ragged_lines=ragged,
    )
