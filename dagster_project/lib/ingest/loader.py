"""Contract-driven ingest: landing file -> typed Parquet in raw/, bad rows to quarantine/.

One landing file fills one *slot*: (source, fiscal year, submitter, period). The newest accepted
file for a slot replaces that slot's Parquet atomically; every version stays in the ingest log and
in the content-addressed landing archive. A row that breaks the contract is never dropped silently:
it goes to quarantine with the line number, column, value, rule and a reason in Indonesian. A file
that cannot be used at all is rejected whole and the slot keeps its previous version. A file that
holds many senders' slots (SIPD's whole-pemda rincian export, a contract that `loadsInto` this
one) is split into one part per OPD, each loaded into its slot like a file of its own.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl

from dagster_project.lib.contracts.ingest_log import LOG_SCHEMA
from dagster_project.lib.contracts.model import PEMDA_COLUMN, Column, Contract, feeder_contracts
from dagster_project.lib.contracts.pemda import (
    PEMDA_FOLDER,
    SEED_PEMDA,
    pemda_bawaan,
    pemda_folders,
    pemda_names,
    unknown_pemda_message,
)
from dagster_project.lib.contracts.reference import check_codes, check_sign
from dagster_project.lib.core.faults import failpoint
from dagster_project.lib.core.files import atomic_write, sha256_file
from dagster_project.lib.core.idformat import (
    parse_date,
    parse_decimal,
    parse_integer,
    split_number_text,
)
from dagster_project.lib.core.paths import DataPaths, pemda_folder, year_folder
from dagster_project.lib.ingest import djpk_portal
from dagster_project.lib.ingest.pseudonymise import (
    SLOT_PEMDA,
    hmac_key,
    normalise_personal,
    personal_data_checks,
    protect,
)
from dagster_project.lib.ingest.readers import (
    DEFAULT_MAX_BYTES,
    LINE_COL,
    Headed,
    LandingFileError,
    RawTable,
    read_cells,
    read_landing_file,
    tidy,
)
from dagster_project.lib.ingest.retention import (
    PRIVATE_FILE,
    make_private,
    protect_at_rest,
    purge,
)
from dagster_project.lib.ingest.sipd_export import split_per_opd
from dagster_project.lib.ingest.workers import apply_env, run_env, submit_all, worker_count

ACCEPTED_SUFFIXES = {".csv", ".xlsx", ".txt"}
STATUS_LOADED, STATUS_REJECTED, STATUS_UNCHANGED = "dimuat", "ditolak", "tidak_berubah"
BATCH_ROWS = 200_000  # rows of received files checked together (one query; memory stays small)
# Files whose cells are tidied together (`readers.tidy`: one query instead of a few per file;
# 8,131 files of the 10-pemda demo read in 22.8 s instead of 36.2 s, one process).
TIDY_FILES = 64
_TEXT = "__teks"

ERROR_SCHEMA = {
    "_baris": pl.Int32,
    "kolom": pl.String,
    "nilai": pl.String,
    "aturan": pl.String,
    "alasan": pl.String,
}


@dataclass(frozen=True)
class Slot:
    system: str
    table: str
    tahun: int | None  # None: a source not sent per year
    pengirim: str
    periode: str
    kode_pemda: str | None = None  # None: a national source (every pemda in one file)

    def _folder(self, root: Path) -> Path:
        base = root / self.system / self.table
        if self.kode_pemda is not None:
            base = base / pemda_folder(self.kode_pemda)
        return base / year_folder(self.tahun) / self.pengirim

    def raw_file(self, paths: DataPaths) -> Path:
        """raw/<sistem>/<tabel>/pemda=<kode>/tahun=<t>/<pengirim>/<periode>.parquet"""
        return self._folder(paths.raw) / f"{self.periode}.parquet"

    def quarantine_stem(self, paths: DataPaths, sha256: str) -> Path:
        return self._folder(paths.quarantine) / f"{self.periode}__{sha256[:12]}"


@dataclass
class IngestOutcome:
    berkas: str
    sha256: str
    status: str
    message: str
    slot: Slot | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_skipped: int = 0
    errors: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=ERROR_SCHEMA))
    warnings: list[str] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line, why): blank/totals
    feedback_path: Path | None = None  # None: nothing to tell the sender (a clean file)
    bagian: str = ""  # which OPD's part of a whole-pemda file (SIPD export), else empty
    log_entry: dict | None = field(default=None, repr=False)  # its ingest-log record, once final

    @property
    def has_news(self) -> bool:
        """Something the sender should hear about: a refusal, a quarantined row, a warning, a
        row ignored. A clean file that loaded whole gets no feedback workbook."""
        return bool(
            self.status == STATUS_REJECTED or self.rows_quarantined or self.warnings or self.skipped
        )

    def summary(self) -> str:
        if self.status == STATUS_UNCHANGED:
            return f"{self.berkas}: tidak berubah sejak dimuat sebelumnya (dilewati)."
        where = f" Umpan balik: {self.feedback_path.name}" if self.feedback_path else ""
        what = f"{self.berkas} [{self.bagian}]" if self.bagian else self.berkas
        if self.status == STATUS_REJECTED:
            return f"{what}: DITOLAK. {self.message}{where}"
        return (
            f"{what}: {self.rows_loaded} baris dimuat, {self.rows_quarantined} "
            f"dikarantina, {self.rows_skipped} diabaikan.{where}"
        )


# ---------------------------------------------------------------------------------------------
# Landing layout


def landing_root(contract: Contract, paths: DataPaths, folder: str | None = None) -> Path:
    """The source's landing folder: `landing/<sistem>/<tabel>` (the default pemda's, or a
    national source's), or under a pemda's folder `landing/<folder>/<sistem>/<tabel>`."""
    base = paths.landing if folder is None else paths.landing / folder
    return base / contract.landing_path.split("{", 1)[0].rstrip("/")


def landing_roots(contract: Contract, paths: DataPaths) -> list[tuple[str | None, Path]]:
    """(pemda folder or None, root) of every place the source's files may land: today's
    `landing/<sistem>/…` and, for a pemda-level source, each `landing/<kode_pemda>/…` (a folder
    named like a pemda code that is not one is listed too: its files are refused with a reason)."""
    roots: list[tuple[str | None, Path]] = [(None, landing_root(contract, paths))]
    if contract.per_pemda or contract.loads_into:
        roots += [(f, landing_root(contract, paths, f)) for f in pemda_folders(paths)]
    return roots


def pemda_of(path: Path, contract: Contract, paths: DataPaths) -> str | None:
    """The pemda a landing file belongs to: its `landing/<kode_pemda>/` folder, else the
    deployment's default pemda (`pemda_bawaan`); None for a national source. An unknown code
    is refused (LandingFileError) with a message that names the folder."""
    if not (contract.per_pemda or contract.loads_into):
        return None
    rel = path.relative_to(paths.landing).parts if path.is_relative_to(paths.landing) else ()
    if len(rel) > 1 and PEMDA_FOLDER.match(rel[0]):
        if rel[0] not in pemda_names():
            raise LandingFileError(unknown_pemda_message(rel[0]), rule="pemda_tidak_dikenal")
        return rel[0]
    return pemda_bawaan(paths)


def _path_regex(contract: Contract) -> re.Pattern[str]:
    rel = contract.landing_path.split("{", 1)[1] if "{" in contract.landing_path else ""
    rel = "{" + rel if rel else ""
    pattern = re.escape(rel).replace(r"\{tahun\}", r"(?P<tahun>\d{4})")
    pattern = pattern.replace(r"\{kode_skpd\}", r"(?P<kode_skpd>[^/]+)")
    return re.compile("^" + pattern + r"(?P<file>[^/]+)$")


def landing_files(contract: Contract, paths: DataPaths) -> list[Path]:
    """The source's landing files, and those of the files loaded into it (`feeder_contracts`:
    SIPD's whole-pemda export for `sipd.dpa_rincian`), so one asset writes each raw table."""
    out: list[Path] = []
    for c in (contract, *feeder_contracts(contract.key)):
        for _, root in landing_roots(c, paths):
            if root.exists():
                out += (
                    p
                    for p in root.rglob("*")
                    if p.is_file()
                    and not p.name.startswith((".", "~$"))
                    and not p.name.endswith(".part")
                )
    return sorted(out)


def _root_of(path: Path, contract: Contract, paths: DataPaths) -> Path:
    """The landing root (`landing_roots`) a file lies under: its pemda folder's, else today's."""
    rel = path.relative_to(paths.landing).parts if path.is_relative_to(paths.landing) else ()
    if (contract.per_pemda or contract.loads_into) and len(rel) > 1 and PEMDA_FOLDER.match(rel[0]):
        return landing_root(contract, paths, rel[0])
    return landing_root(contract, paths)


def _inside(path: Path, root: Path) -> bool:
    """Whether `path` really lies under `root`: no link or '..' below the root leads out of it.
    A path under the root with neither below it is (an lstat per folder below the root, not a
    resolve of both paths whole: this runs for every landing file, twice a run); any other is
    judged by resolving both."""
    if path.is_relative_to(root):
        rel = path.relative_to(root).parts
        if ".." not in rel and not any(
            root.joinpath(*rel[: i + 1]).is_symlink() for i in range(len(rel))
        ):
            return True
    return path.resolve().is_relative_to(root.resolve())


def locate(path: Path, contract: Contract, paths: DataPaths) -> tuple[int | None, str, str]:
    """(tahun, pengirim, nama berkas) from the landing path, or LandingFileError; tahun is None
    for a source whose landing path has no `{tahun}` (its files hold several years)."""
    root = _root_of(path, contract, paths)
    if not _inside(path, root):
        raise LandingFileError(
            "Berkas berada di luar folder kiriman (tautan atau nama berkas dengan '..').",
            rule="jalur_tidak_sah",
        )
    rel = path.relative_to(root).as_posix()
    m = _path_regex(contract).match(rel)
    example = contract.landing_path.format(tahun="2025", kode_skpd="<kode_skpd>")
    if not m:
        raise LandingFileError(
            f"Berkas diletakkan di folder yang salah ({rel}). Letakkan di landing/{example}.",
            rule="folder_salah",
        )
    if Path(m["file"]).suffix.lower() not in ACCEPTED_SUFFIXES:
        raise LandingFileError(
            f"Jenis berkas '{Path(m['file']).suffix}' tidak diterima; kirim .csv atau .xlsx.",
            rule="jenis_berkas",
        )
    pengirim = m.groupdict().get("kode_skpd") or contract.submitter
    if contract.per_opd and not re.fullmatch(
        contract.column("kode_skpd").pattern or r".+", pengirim
    ):
        raise LandingFileError(
            f"Nama folder OPD '{pengirim}' bukan kode SKPD yang sah (contoh 1.02.0.00.0.00.01.0000).",
            rule="folder_opd_salah",
        )
    tahun = int(m["tahun"]) if m.groupdict().get("tahun") else None
    return tahun, pengirim, m["file"]


# ---------------------------------------------------------------------------------------------
# Ingest log (append-only: one small Parquet file per batch of events, written atomically)


def log_files(paths: DataPaths) -> list[Path]:
    """The ingest log's event files: `raw/_meta/ingest_log/pemda=<kode>/2….parquet` per pemda,
    national sources' (and a log written before pemda folders) directly in the folder."""
    if not paths.ingest_log.exists():
        return []
    return sorted(
        [*paths.ingest_log.glob("2*.parquet"), *paths.ingest_log.glob("pemda=*/2*.parquet")]
    )


def read_ingest_log(paths: DataPaths) -> pl.DataFrame:
    files = log_files(paths)
    if not files:
        return pl.DataFrame(schema=LOG_SCHEMA)
    # One scan of every event file (a log written before a column was added reads it as null).
    # A record written before pemda folders (no kode_pemda) of a pemda-level source is the
    # deployment's default pemda's, as its files were (`migrate_raw` moved them there).
    return (
        pl.scan_parquet(files, schema=LOG_SCHEMA, missing_columns="insert", extra_columns="ignore")
        .with_columns(
            pl.when(
                pl.col("kode_pemda").is_null()
                & (pl.col("sistem") + "." + pl.col("tabel")).is_in(_pemda_sources())
            )
            .then(pl.lit(pemda_bawaan(paths)))
            .otherwise(pl.col("kode_pemda"))
            .alias("kode_pemda")
        )
        .sort("dimuat_pada")
        .collect()
    )


def _pemda_sources() -> list[str]:
    from dagster_project.lib.contracts.model import source_contracts

    return [k for k, c in source_contracts().items() if c.per_pemda]


def migrate_log(paths: DataPaths) -> int:
    """Ingest-log files written before pemda folders (no kode_pemda column) are rewritten under
    their pemda's folder with the column filled as `read_ingest_log` reads it, so dbt's
    `meta.ingest_log` sees the same; national records stay at the top. Returns files moved."""
    old = [
        f
        for f in sorted(paths.ingest_log.glob("2*.parquet"))
        if PEMDA_COLUMN not in pl.read_parquet_schema(f)
    ]
    default, pemda_sources = pemda_bawaan(paths), _pemda_sources()
    for f in old:
        frame = pl.read_parquet(f).with_columns(
            pl.when((pl.col("sistem") + "." + pl.col("tabel")).is_in(pemda_sources))
            .then(pl.lit(default))
            .otherwise(pl.lit(None, pl.String))
            .alias(PEMDA_COLUMN)
        )
        for (kode,), part in frame.partition_by(PEMDA_COLUMN, as_dict=True).items():
            folder = paths.ingest_log if kode is None else paths.ingest_log / pemda_folder(kode)
            _write_atomic(part.select(list(LOG_SCHEMA)).cast(LOG_SCHEMA), folder / f.name)
        f.unlink()
    return len(old)


def migrate_raw(contract: Contract, paths: DataPaths) -> int:
    """Raw files written before pemda folders (`raw/<sistem>/<tabel>/tahun=<t>/…`, no kode_pemda)
    move to the deployment's default pemda (`…/pemda=<kode>/tahun=<t>/…`, kode_pemda filled):
    nothing already loaded is lost or counted twice. Returns how many moved; once done, none."""
    if not contract.per_pemda:
        return 0
    table = paths.raw / contract.system / contract.table
    legacy = [
        f
        for pattern in ("tahun=*/**/*.parquet", "semua_tahun/**/*.parquet")
        for f in sorted(table.glob(pattern))
    ]
    kode_pemda = pemda_bawaan(paths)
    for old in legacy:
        frame = pl.read_parquet(old)
        if PEMDA_COLUMN not in frame.columns:
            frame = frame.select(pl.lit(kode_pemda).alias(PEMDA_COLUMN), pl.all())
        target = table / pemda_folder(kode_pemda) / old.relative_to(table)
        _write_atomic(frame, target, private=contract.has_personal_data)
        old.unlink()
    return len(legacy)


def _write_atomic(frame: pl.DataFrame, target: Path, *, private: bool = False) -> None:
    """`private` (personal data): the file is 0600 before it appears under its name."""
    with atomic_write(target) as tmp:
        frame.write_parquet(tmp, compression="zstd", statistics=True)
        if private:
            tmp.chmod(PRIVATE_FILE)
        failpoint("ingest_tmp_ditulis")  # written, not renamed yet: a kill leaves only the tmp


def write_log(paths: DataPaths, entries: Sequence[dict]) -> list[Path]:
    """One Parquet file per pemda for the records of a batch of files, written after everything
    those files wrote (raw, quarantine, feedback): a kill before it leaves the files unlogged, so
    the next run ingests them again, and never a record of a raw Parquet that is not there.
    The name starts with the first record's time (the log's order) and is unique per batch."""
    by_pemda: dict[str | None, list[dict]] = {}
    for e in entries:
        by_pemda.setdefault(e.get("kode_pemda"), []).append(e)
    written = []
    for kode_pemda, group in by_pemda.items():
        frame = pl.DataFrame(group, schema=LOG_SCHEMA)
        first = min(e["dimuat_pada"] for e in group).strftime("%Y%m%dT%H%M%S%f")
        name = f"{first}__{group[-1]['sha256'][:12]}__{len(group)}.parquet"
        folder = (
            paths.ingest_log if kode_pemda is None else paths.ingest_log / pemda_folder(kode_pemda)
        )
        _write_atomic(frame, folder / name)
        written.append(folder / name)
    return written


def clean_partial_writes(paths: DataPaths) -> int:
    """Remove temp files left by a killed ingest; a finished Parquet is never a temp file."""
    n = 0
    for root in (paths.raw, paths.quarantine):
        if root.exists():
            for tmp in root.rglob(".*.tmp-*"):
                tmp.unlink(missing_ok=True)
                n += 1
    return n


# ---------------------------------------------------------------------------------------------
# Row validation, derived from the contract


def _parse(col: Column, text: pl.Expr) -> pl.Expr:
    dtype = col.polars_dtype
    if isinstance(dtype, pl.Decimal):
        return parse_decimal(text, dtype)
    if dtype.is_integer():
        return parse_integer(text, dtype)
    if dtype == pl.Date:
        return parse_date(text)
    if dtype == pl.Boolean:
        return text.str.to_lowercase().replace_strict(
            {
                "ya": True,
                "y": True,
                "1": True,
                "true": True,
                "tidak": False,
                "t": False,
                "0": False,
                "false": False,
            },
            default=None,
            return_dtype=pl.Boolean,
        )
    return text


def _fmt(v: float) -> str:
    return f"{v:,.0f}".replace(",", ".") if float(v).is_integer() else str(v)


def _column_checks(col: Column) -> list[tuple[str, pl.Expr]]:
    """(rule, reason-or-null expression) for one column, evaluated on parsed + text columns."""
    t, v = pl.col(col.name + _TEXT), pl.col(col.name)
    kind = {"number": "angka", "integer": "bilangan bulat", "date": "tanggal"}.get(col.logical_type)
    checks: list[tuple[str, pl.Expr]] = []
    if col.required:
        checks.append(
            (
                "wajib_diisi",
                pl.when(t.is_null()).then(pl.lit(f"kolom {col.name} wajib diisi tetapi kosong")),
            )
        )
    if kind:
        hint = " (contoh 31/12/2025 atau 31 Desember 2025)" if kind == "tanggal" else ""
        checks.append(
            (
                f"format_{col.logical_type}",
                pl.when(t.is_not_null() & v.is_null()).then(
                    pl.format(f"kolom {col.name}: '{{}}' bukan {kind} yang dikenali{hint}", t)
                ),
            )
        )
    if col.pattern:
        checks.append(
            (
                "format_kode",
                pl.when(v.is_not_null() & ~v.cast(pl.String).str.contains(col.pattern)).then(
                    pl.format(f"kolom {col.name}: '{{}}' tidak sesuai format yang ditetapkan", t)
                ),
            )
        )
    if col.enum:
        checks.append(
            (
                "nilai_diizinkan",
                pl.when(v.is_not_null() & ~v.is_in(list(col.enum))).then(
                    pl.format(
                        f"kolom {col.name}: '{{}}' bukan salah satu dari {', '.join(col.enum)}", t
                    )
                ),
            )
        )
    if col.minimum is not None:
        neg = " (negatif)" if col.minimum == 0 else ""
        checks.append(
            (
                "minimum",
                pl.when(v < col.minimum).then(
                    pl.format(
                        f"kolom {col.name}: nilai {{}}{neg} di bawah batas minimum {_fmt(col.minimum)}",
                        t,
                    )
                ),
            )
        )
    if col.exclusive_minimum is not None:
        checks.append(
            (
                "minimum",
                pl.when(v <= col.exclusive_minimum).then(
                    pl.format(
                        f"kolom {col.name}: nilai {{}} harus lebih dari {_fmt(col.exclusive_minimum)}",
                        t,
                    )
                ),
            )
        )
    if col.maximum is not None:
        checks.append(
            (
                "maksimum",
                pl.when(v > col.maximum).then(
                    pl.format(
                        f"kolom {col.name}: nilai {{}} melebihi batas wajar {_fmt(col.maximum)}", t
                    )
                ),
            )
        )
    checks += personal_data_checks(col, t, v)
    return checks


_FILE, _ROW = "__berkas", "__row"  # which file of the batch a row came from; a row's key
# The slot of a row's file, as columns, so one query checks the rows of many files.
_TAHUN, _PENGIRIM, _PERIODE, _SPILL = "__tahun", "__pengirim", "__periode", "__lebih"
_PEMDA = SLOT_PEMDA


def _validate(
    batch: Sequence[tuple[RawTable, Slot]], contract: Contract, paths: DataPaths | None = None
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The (file, slot)s of the batch checked: (good typed rows, quarantined text rows with
    `_alasan`, long error table), each row with its file's place in the batch (`_FILE`).

    The rows of every file of the batch are checked by one query: with files of a few hundred
    rows, the fixed cost of each polars operation, not the rows, is what ingest pays for."""
    rows = _batch_rows(batch).with_row_index(_ROW)
    raw = normalise_personal(split_number_text(rows, contract.text_columns), contract)
    parsed = (
        raw.select(
            _ROW,
            _FILE,
            LINE_COL,
            _TAHUN,
            _PENGIRIM,
            _PERIODE,
            _PEMDA,
            _SPILL,
            *[pl.col(c.name).alias(c.name + _TEXT) for c in contract.columns],
        )
        .with_columns(_parse(c, pl.col(c.name + _TEXT)).alias(c.name) for c in contract.columns)
        .collect()
        .lazy()  # the code-list checks below read it again
    )
    checks: list[tuple[str, str, pl.Expr]] = []
    for col in contract.columns:
        checks += [(col.name, rule, expr) for rule, expr in _column_checks(col)]
    checks += _slot_checks(contract, ragged=any(t.ragged_lines for t, _ in batch))
    # Code lists, judged against the row's own fiscal year.
    evaluated = parsed
    for col in contract.columns:
        if col.reference:
            reasons = check_codes(parsed, col.name, "tahun", col.reference, key=_ROW)
            name = f"__kode_{col.name}"
            if col.reference[0] in _PEMDA_LISTS:
                # a seed of Samarinda's own codes (OPD, kelurahan) judges Samarinda's rows; another
                # pemda's rows are judged by its own list once loaded (`_own_list_reasons`)
                own = _own_list_reasons(parsed, col, paths, "tahun" in contract.column_names)
                reasons = reasons.join(own, on=_ROW, how="left").select(
                    _ROW,
                    pl.when(pl.col(_PEMDA) == SEED_PEMDA)
                    .then(pl.col("reason"))
                    .otherwise(pl.col("__sendiri"))
                    .alias("reason"),
                )
            evaluated = evaluated.join(
                reasons.rename({"reason": name}), on=_ROW, how="left", maintain_order="left"
            )
            checks.append((col.name, "kode_tidak_berlaku", pl.col(name)))
    # Signs that depend on another column (an SP2D is positive, a refund negative).
    for col in contract.columns:
        if rule := col.extra.get("signRule"):
            checks.append((col.name, "tanda_nilai", check_sign(col.name, rule)))
    dup_exact, dup_key = _duplicate_reasons(contract)
    checks += [
        ("*", "duplikat_baris", dup_exact),
        (",".join(contract.primary_key) or "*", "kunci_ganda", dup_key),
    ]
    evaluated = evaluated.with_columns(
        expr.alias(f"__e{i}") for i, (_, _, expr) in enumerate(checks)
    )
    return _split_by_errors(evaluated, checks, contract)


def _per_file(frame: pl.DataFrame, n: int) -> list[pl.DataFrame]:
    """A batch frame's rows of each of its `n` files (`_FILE`), in order, without `_FILE`."""
    parts = {k[0]: v for k, v in frame.partition_by(_FILE, as_dict=True, include_key=False).items()}
    empty = frame.clear().drop(_FILE)
    return [parts.get(i, empty) for i in range(n)]


def _batch_rows(batch: Sequence[tuple[RawTable, Slot]]) -> pl.LazyFrame:
    """The rows of every file of the batch, one frame, each with its file's place in the batch
    (`_FILE`), its slot (`_TAHUN`, `_PENGIRIM`, `_PERIODE`, `_PEMDA`) and the values past its
    header (`_SPILL`, ragged CSV lines). Built with a few calls for the whole batch: a lazy
    frame per file with its own literals cost more than checking the rows."""
    n = len(batch)
    slots = pl.DataFrame(
        {
            _FILE: range(n),
            _TAHUN: [slot.tahun for _, slot in batch],
            _PENGIRIM: [slot.pengirim for _, slot in batch],
            _PERIODE: [slot.periode for _, slot in batch],
            _PEMDA: [slot.kode_pemda for _, slot in batch],
        },
        schema={_FILE: pl.Int32, _TAHUN: pl.Int32, **dict.fromkeys(_SLOT_TEXT, pl.String)},
    )
    heights = pl.Series([table.frame.height for table, _ in batch], dtype=pl.UInt32)
    place = pl.select(pl.int_range(n, dtype=pl.Int32).repeat_by(heights).explode().drop_nulls())
    rows = pl.concat([table.frame for table, _ in batch], how="diagonal_relaxed")
    rows = rows.with_columns(place.to_series().alias(_FILE)).join(
        slots, on=_FILE, how="left", maintain_order="left"
    )
    spilled = [(i, line, v) for i, (t, _) in enumerate(batch) for line, v in t.ragged_lines.items()]
    if not spilled:
        return rows.lazy().with_columns(pl.lit(None, pl.String).alias(_SPILL))
    spill = pl.DataFrame(
        spilled, schema={_FILE: pl.Int32, LINE_COL: pl.Int32, _SPILL: pl.String}, orient="row"
    )
    return rows.lazy().join(spill.lazy(), on=[_FILE, LINE_COL], how="left", maintain_order="left")


_SLOT_TEXT = (_PENGIRIM, _PERIODE, _PEMDA)


# Code lists that are one pemda's own (the seeds are Samarinda's), not the nation's: seed ->
# (its code column, the referensi table in which another pemda sends its own list).
_PEMDA_LISTS = {"ref_wilayah": ("kode_wilayah", "wilayah"), "ref_opd": ("kode_skpd", "opd")}


def _own_list_reasons(
    parsed: pl.LazyFrame, col: Column, paths: DataPaths | None, by_year: bool
) -> pl.LazyFrame:
    """(`_ROW`, `_PEMDA`, `__sendiri`): for a row of a pemda other than the seeds' whose own list
    (raw `referensi/<list>/pemda=<kode>/`) is loaded, why its code is not on it; null otherwise (no
    list yet: the format and prefix checks are all that can be said at ingest)."""
    code_col, table = _PEMDA_LISTS[col.reference[0]]
    rows = parsed.select(_ROW, _PEMDA, pl.col(col.name).alias("__kode"), *(["tahun"] * by_year))
    files = sorted((paths.raw / "referensi" / table).glob("pemda=*/**/*.parquet")) if paths else []
    if not files:
        return rows.select(_ROW, _PEMDA, pl.lit(None, pl.String).alias("__sendiri"))
    lists = pl.scan_parquet(files, missing_columns="insert", extra_columns="ignore").select(
        pl.col(PEMDA_COLUMN).alias(_PEMDA),
        pl.col(code_col).alias("__kode"),
        *(
            [pl.col("tahun_mulai").fill_null(0), pl.col("tahun_selesai").fill_null(9999)]
            if table == "opd"
            else [pl.lit(0).alias("tahun_mulai"), pl.lit(9999).alias("tahun_selesai")]
        ),
    )
    year = pl.col("tahun") if by_year else pl.lit(None, pl.Int32)
    matched = (
        rows.join(lists, on=[_PEMDA, "__kode"], how="left")
        .group_by(_ROW)
        .agg(
            pl.col(_PEMDA).first(),
            pl.col("__kode").first(),
            known=pl.col("tahun_mulai").is_not_null().any(),
            valid=((year >= pl.col("tahun_mulai")) & (year <= pl.col("tahun_selesai")))
            .fill_null(True)
            .any(),
        )
    )
    has_list = lists.select(_PEMDA).unique().with_columns(pl.lit(True).alias("__ada"))
    label = "daftar OPD" if table == "opd" else "daftar wilayah"
    return matched.join(has_list, on=_PEMDA, how="left").select(
        _ROW,
        _PEMDA,
        pl.when(
            pl.col("__ada") & pl.col("__kode").is_not_null() & ~(pl.col("known") & pl.col("valid"))
        )
        .then(
            pl.format(
                f"kode {col.name} '{{}}' tidak ada dalam {label} pemda {{}} yang berlaku "
                f"(referensi/{table})",
                pl.col("__kode"),
                pl.col(_PEMDA),
            )
        )
        .alias("__sendiri"),
    )


def _region_columns(contract: Contract) -> list[str]:
    """Columns holding a Kemendagri region code (kelurahan, kecamatan, kota): its first two
    levels are the pemda it lies in."""
    return [
        c.name
        for c in contract.columns
        if (c.reference and c.reference[0] == "ref_wilayah") or c.extra.get("kodeWilayah")
    ]


def _pemda_checks(contract: Contract) -> list[tuple[str, str, pl.Expr]]:
    """A row must belong to the pemda of its folder: its `kode_pemda` (when the file carries
    it) and every region code it names. Quarantined as `pemda_lain`, like another OPD's row."""
    if not contract.per_pemda:
        return []
    where = "kirim lewat folder landing/<kode pemda>/ pemda tersebut"
    checks = [
        (
            PEMDA_COLUMN,
            "pemda_lain",
            pl.when(pl.col(PEMDA_COLUMN) != pl.col(_PEMDA)).then(
                pl.format(
                    f"baris milik pemda lain ({{}}), bukan pemda folder kiriman {{}}; {where}",
                    pl.col(PEMDA_COLUMN),
                    pl.col(_PEMDA),
                )
            ),
        )
    ]
    for name in _region_columns(contract):
        code = pl.col(name).cast(pl.String)
        inside = (code == pl.col(_PEMDA)) | code.str.starts_with(pl.col(_PEMDA) + ".")
        shaped = code.str.contains(r"^[0-9]{2}\.[0-9]{2}")  # else the format check says it
        checks.append(
            (
                name,
                "pemda_lain",
                pl.when(shaped & ~inside).then(
                    pl.format(
                        f"{name} '{{}}' berada di luar wilayah pemda folder kiriman {{}} "
                        f"(baris milik pemda lain); {where}",
                        code,
                        pl.col(_PEMDA),
                    )
                ),
            )
        )
    return checks


def _slot_checks(contract: Contract, *, ragged: bool) -> list[tuple[str, str, pl.Expr]]:
    """The row must belong to the pemda, sender, year and period of its file, and fit its
    columns."""
    checks: list[tuple[str, str, pl.Expr]] = _pemda_checks(contract)
    if "{tahun}" in contract.landing_path:  # a file of several years has no folder year
        checks.append(
            (
                "tahun",
                "tahun_berbeda",
                pl.when(pl.col("tahun") != pl.col(_TAHUN)).then(
                    pl.format(
                        "tahun {} berbeda dengan folder kiriman tahun {}",
                        pl.col("tahun"),
                        pl.col(_TAHUN),
                    )
                ),
            )
        )
    if contract.per_opd:
        checks.append(
            (
                "kode_skpd",
                "opd_lain",
                pl.when(pl.col("kode_skpd") != pl.col(_PENGIRIM)).then(
                    pl.format(
                        "baris milik OPD lain ({}), bukan OPD pengirim {}; "
                        "kirim lewat folder OPD tersebut",
                        pl.col("kode_skpd"),
                        pl.col(_PENGIRIM),
                    )
                ),
            )
        )
    if contract.period_column:
        pc = contract.period_column
        checks.append(
            (
                pc,
                "periode_berbeda",
                pl.when(pl.col(pc) != pl.col(_PERIODE)).then(
                    pl.format(
                        f"{pc} '{{}}' berbeda dengan periode berkas '{{}}'",
                        pl.col(pc),
                        pl.col(_PERIODE),
                    )
                ),
            )
        )
    if contract.period_date_column:
        dc = contract.period_date_column
        checks.append(
            (
                dc,
                "di_luar_periode",
                pl.when(
                    (pl.col(dc).dt.year() != pl.col(_TAHUN))
                    | (pl.col(dc).dt.month() != pl.col(_PERIODE).cast(pl.Int32, strict=False))
                ).then(
                    pl.format(
                        "tanggal {} di luar periode berkas (bulan {} tahun {})",
                        pl.col(dc).cast(pl.String),
                        pl.col(_PERIODE),
                        pl.col(_TAHUN),
                    )
                ),
            )
        )
    if ragged:
        checks.append(
            (
                "*",
                "kolom_berlebih",
                pl.when(pl.col(_SPILL).is_not_null()).then(
                    pl.format(
                        "baris berisi nilai di luar kolom berjudul ('{}'); biasanya angka "
                        "berkoma desimal (1.234,56) tanpa tanda kutip di CSV berpemisah koma: "
                        "simpan ulang sebagai CSV berpemisah titik koma",
                        pl.col(_SPILL),
                    )
                ),
            )
        )
    return checks


def _duplicate_reasons(contract: Contract) -> tuple[pl.Expr, pl.Expr]:
    """An identical row repeated is quarantined after its first copy; two different rows with
    the same key are both quarantined (which one is right is the OPD's call)."""
    pk = contract.primary_key
    value_cols = [c.name for c in contract.columns]
    first_line = pl.col(LINE_COL).min().over(_FILE, *value_cols)
    dup_exact = pl.when(pl.col(LINE_COL) != first_line).then(
        pl.format("baris duplikat (sama persis dengan baris {})", first_line)
    )
    dup_key = (
        pl.when(
            pk
            and (pl.struct(value_cols).n_unique().over(_FILE, *pk) > 1)
            & pl.all_horizontal(pl.col(pk).is_not_null())
        ).then(
            pl.lit(
                "kunci ganda: " + ", ".join(pk) + " sama dengan baris lain tetapi isinya berbeda"
            )
        )
        if pk
        else pl.lit(None)
    )
    return dup_exact, dup_key


def _split_by_errors(
    evaluated: pl.LazyFrame, checks: list[tuple[str, str, pl.Expr]], contract: Contract
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Rows without an error are typed and kept; the others keep their text and `_alasan`; the
    long error table has one row per (line, rule) with the column and the value as sent."""
    err_cols = [f"__e{i}" for i in range(len(checks))]
    evaluated = evaluated.with_columns(
        pl.concat_list(err_cols).list.drop_nulls().list.join("; ").alias("_alasan")
    ).collect()
    bad_mask = pl.col("_alasan") != ""
    good = evaluated.filter(~bad_mask).select(
        _FILE, LINE_COL, *[pl.col(c.name).cast(c.polars_dtype) for c in contract.columns]
    )
    bad_rows = evaluated.filter(bad_mask).select(
        _FILE,
        LINE_COL,
        *[pl.col(c.name + _TEXT).alias(c.name) for c in contract.columns],
        "_alasan",
    )
    if not bad_rows.height:
        return good, bad_rows, pl.DataFrame(schema={_FILE: pl.Int32, **ERROR_SCHEMA})
    meta = pl.DataFrame(
        {"__k": err_cols, "kolom": [c for c, _, _ in checks], "aturan": [r for _, r, _ in checks]}
    )
    errors = (
        evaluated.filter(bad_mask)
        .select(_FILE, LINE_COL, *err_cols, *[c.name + _TEXT for c in contract.columns])
        .unpivot(
            index=[_FILE, LINE_COL, *[c.name + _TEXT for c in contract.columns]],
            on=err_cols,
            variable_name="__k",
            value_name="alasan",
        )
        .drop_nulls("alasan")
        .join(meta, on="__k")
    )
    nilai = pl.coalesce(
        [pl.when(pl.col("kolom") == c.name).then(pl.col(c.name + _TEXT)) for c in contract.columns]
    )
    errors = (
        errors.with_columns(nilai.alias("nilai"))
        .select(_FILE, pl.col(LINE_COL).alias("_baris"), "kolom", "nilai", "aturan", "alasan")
        .cast(ERROR_SCHEMA)
        .sort(_FILE, "_baris", "kolom")
    )
    return good, bad_rows, errors


# ---------------------------------------------------------------------------------------------
# One file


def _period(table: RawTable, contract: Contract, name: str) -> str:
    if (pat := contract.period_pattern) and (m := pat.search(name)):
        return m.group(1)
    col = contract.period_column
    frame = table.frame
    if col and col in frame.columns:
        values = frame[col].drop_nulls().unique().to_list()
        if len(values) == 1:
            return str(values[0])
    what = contract.properties.get("periodDescription") or (
        f"tahap ({contract.period_pattern.pattern})" if col else "bulan (_01 … _12)"
    )
    raise LandingFileError(
        f"Periode berkas tidak dapat ditentukan: nama berkas harus memuat {what}, "
        f"misalnya {contract.table}_murni.xlsx atau sp2d_2025_03.csv.",
        rule="periode_tidak_jelas",
    )


def _fill_from_path(
    table: RawTable,
    contract: Contract,
    tahun: int | None,
    pengirim: str,
    periode: str,
    kode_pemda: str | None = None,
) -> list[str]:
    """Columns the folder already says (year, OPD, period) may be left out of the file, and
    are named in a warning. The pemda is always the folder's: filled without a word (no sender
    writes it), and a file that does carry it is checked against the folder (`pemda_lain`)."""
    if (
        kode_pemda is not None
        and PEMDA_COLUMN not in table.frame.columns
        and any(c.name == PEMDA_COLUMN for c in contract.columns)
    ):
        table.frame = table.frame.with_columns(pl.lit(kode_pemda).alias(PEMDA_COLUMN))
    from_path = {"tahun": str(tahun)} if tahun is not None else {}
    if contract.per_opd:
        from_path["kode_skpd"] = pengirim
    if contract.period_column:
        from_path[contract.period_column] = periode
    present = set(table.frame.columns)
    absent = {c.name: c for c in contract.columns if c.name not in present}
    filled = [name for name in from_path if name in absent]
    # Optional columns absent from the file are simply empty.
    empty = [n for n, c in absent.items() if n not in from_path and not c.required]
    if filled or empty:
        table.frame = table.frame.with_columns(
            *[pl.lit(from_path[name]).alias(name) for name in filled],
            *[pl.lit(None, pl.String).alias(name) for name in empty],
        )
    return filled


@dataclass
class _Received:
    """A landing file read and placed in its slot; its rows are checked with its batch."""

    entry: dict
    table: RawTable
    slot: Slot
    filled: list[str]
    key: bytes  # pseudonymisation key (personal data only)
    bagian: str = ""  # an OPD's part of a whole-pemda file: named in every reason and summary


@dataclass
class _Seen:
    """What the ingest log says before a run, as the per-file look-ups need it."""

    log: pl.DataFrame
    latest: dict[str, str]  # berkas -> sha256 of its newest logged version
    loaded: set[str]  # sha256 of every version ever loaded

    @classmethod
    def of(cls, log: pl.DataFrame) -> _Seen:
        return cls(
            log,
            dict(zip(log["berkas"], log["sha256"], strict=True)),  # sorted: the last one wins
            set(log.filter(pl.col("status") == STATUS_LOADED)["sha256"]),
        )


@dataclass
class _Reading:
    """A landing file placed and read up to its cells (`Headed`, waiting for its batch's tidy
    step, `readers.tidy`), or whole (`RawTable`: a source with its own reader)."""

    entry: dict
    name: str
    key: bytes
    read: Headed | RawTable


def _receive_start(
    path: Path, contract: Contract, paths: DataPaths, *, seen: _Seen, run_id: str
) -> IngestOutcome | _Reading:
    """Read one landing file as far as it is its own business, or say why not: unchanged (an
    outcome, nothing written), or rejected whole (an outcome, feedback and log written)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    berkas = _berkas(path, paths)
    sha = sha256_file(path)
    if seen.latest.get(berkas) == sha:
        return IngestOutcome(berkas, sha, STATUS_UNCHANGED, "tidak berubah")
    if sha in seen.loaded and _is_current_elsewhere(seen.log, sha, berkas, contract):
        return IngestOutcome(
            berkas, sha, STATUS_UNCHANGED, "isi sama dengan versi yang sedang dipakai (dilewati)"
        )
    # No key, no personal data: fail loudly before the file is logged (it is not the file's fault).
    key = hmac_key(paths) if contract.has_personal_data else b""

    entry = _log_entry(path, sha, berkas, contract, now=now, run_id=run_id)
    try:
        entry["kode_pemda"] = pemda_of(path, contract, paths)
        tahun, pengirim, name = locate(path, contract, paths)
        entry.update(tahun=tahun, pengirim=pengirim)
        if (pat := contract.period_pattern) and (m := pat.search(name)):
            entry["periode"] = m.group(1)  # known from the name even if the content is unusable
        if entry["ukuran_byte"] <= DEFAULT_MAX_BYTES:  # a refused huge file stays in landing only
            _archive(path, sha, paths, private=contract.has_personal_data)
        return _Reading(entry, name, key, _read(path, contract))
    except LandingFileError as exc:
        return _reject(paths, entry, contract, exc)


def _receive_end(
    reading: _Reading, table: RawTable, contract: Contract, paths: DataPaths
) -> IngestOutcome | _Received:
    """Place a file whose rows are read in its slot, or reject it whole (no period, a contract
    column or every data row missing)."""
    entry, slot = reading.entry, None
    try:
        entry["format"] = table.file_format
        periode = _period(table, contract, reading.name)
        slot = Slot(
            contract.system,
            contract.table,
            entry["tahun"],
            entry["pengirim"],
            periode,
            entry["kode_pemda"],
        )
        entry["periode"] = periode
        filled = _fill_from_path(
            table, contract, entry["tahun"], entry["pengirim"], periode, entry["kode_pemda"]
        )
        _require_columns_and_rows(table, contract)
    except LandingFileError as exc:
        return _reject(paths, entry, contract, exc, slot=slot)
    return _Received(entry, table, slot, filled, reading.key)


def _reject(
    paths: DataPaths,
    entry: dict,
    contract: Contract,
    exc: LandingFileError,
    *,
    slot: Slot | None = None,
) -> IngestOutcome:
    """A file rejected whole: its log record, feedback and outcome say why."""
    entry["pesan"] = exc.message
    outcome = IngestOutcome(
        entry["berkas"],
        entry["sha256"],
        STATUS_REJECTED,
        exc.message,
        slot=slot,
        errors=_file_error(exc),
    )
    return _finish(paths, entry, contract, outcome)


def _receive_all(
    readings: list[IngestOutcome | _Reading], contract: Contract, paths: DataPaths
) -> list[IngestOutcome | _Received]:
    """The files of `readings` (in order) through their batch's one tidy step, then placed."""
    headed = [r.read for r in readings if isinstance(r, _Reading) and isinstance(r.read, Headed)]
    tables = iter(tidy(headed, contract))
    return [
        _receive_end(r, next(tables) if isinstance(r.read, Headed) else r.read, contract, paths)
        if isinstance(r, _Reading)
        else r
        for r in readings
    ]


# Readers of sources whose files are not a header row over data rows (contract `shape`).
SHAPE_READERS = {"djpk_portal": djpk_portal.raw_table}


def _read(path: Path, contract: Contract) -> Headed | RawTable:
    """The file read as far as it is its own business: the general CSV/XLSX reader's cells and
    header (`readers.tidy` does the rest, per batch), or the whole table from the contract's own
    reader when it names a `shape`."""
    if (shape := contract.properties.get("shape")) is not None:
        if shape not in SHAPE_READERS:
            raise ValueError(
                f"{contract.key}: unknown shape {shape!r} (known: {sorted(SHAPE_READERS)})"
            )
        if path.stat().st_size <= DEFAULT_MAX_BYTES:
            return SHAPE_READERS[shape](path)
    return read_cells(path, contract)  # a file over the size limit is refused there


def _conclude(batch: list[_Received], contract: Contract, paths: DataPaths) -> list[IngestOutcome]:
    """Check the rows of a batch of received files, then load each file in turn.

    Pseudonymising, naming an OPD's part in its reasons and adding the source columns are done
    for the whole batch at once (row by row, the same for every file), then split per file."""
    good, bad_rows, errors = _validate([(r.table, r.slot) for r in batch], contract, paths)
    keys = {r.key for r in batch}  # one pseudonymisation key per run
    assert len(keys) == 1, "one batch, one pseudonymisation key"
    good, bad_rows, errors = protect(contract, good, bad_rows, errors, keys.pop())
    if any(r.bagian for r in batch):
        labels = {i: r.bagian + ": " for i, r in enumerate(batch) if r.bagian}

        def label(column: str) -> pl.Expr:
            prefix = pl.col(_FILE).replace_strict(labels, default="", return_dtype=pl.String)
            return (prefix + pl.col(column)).alias(column)

        bad_rows = bad_rows.with_columns(label("_alasan"))
        errors = errors.with_columns(label("alasan"))
    raw = _raw_rows(good, batch, contract)
    n = len(batch)
    outcomes = []
    for r, raw_part, bad_part, error_part in zip(
        batch, _per_file(raw, n), _per_file(bad_rows, n), _per_file(errors, n), strict=True
    ):
        outcome = _load(
            paths, r.entry, contract, r.table, r.slot, raw_part, bad_part, error_part, r.filled
        )
        outcome.bagian = r.bagian
        outcomes.append(outcome)
    return outcomes


def _raw_rows(good: pl.DataFrame, batch: list[_Received], contract: Contract) -> pl.DataFrame:
    """The good rows of a batch as raw/ stores them: the contract's columns, then the file each
    came from (sha256, landing path), its line and when it was loaded; with `_FILE`."""
    source = pl.DataFrame(
        {
            _FILE: range(len(batch)),
            "_sumber_sha256": [r.entry["sha256"] for r in batch],
            "_sumber_berkas": [r.entry["berkas"] for r in batch],
            "_dimuat_pada": [r.entry["dimuat_pada"] for r in batch],
        },
        schema={
            _FILE: pl.Int32,
            "_sumber_sha256": pl.String,
            "_sumber_berkas": pl.String,
            "_dimuat_pada": pl.Datetime("us"),
        },
    )
    return (
        good.lazy()
        .rename({LINE_COL: "_baris"})
        .join(source.lazy(), on=_FILE, how="left", maintain_order="left")
        .select(
            _FILE,
            *contract.stored_column_names,
            "_sumber_sha256",
            "_sumber_berkas",
            "_baris",
            "_dimuat_pada",
        )
        .collect()
    )


def _receive_export(
    path: Path, export: Contract, contract: Contract, paths: DataPaths, *, seen: _Seen, run_id: str
) -> list[IngestOutcome | _Received]:
    """A whole-pemda file (SIPD's rincian export): read with its own contract, split per OPD
    (`lib/ingest/sipd_export.py`), each part placed in its OPD's slot of `contract` as if that
    OPD had sent it. The file whole is rejected only when it cannot be read at all; rows that
    name no OPD are rejected on their own; every part is then checked like a per-OPD file."""
    now = datetime.now(UTC).replace(tzinfo=None)
    berkas = path.relative_to(paths.landing).as_posix()
    sha = sha256_file(path)
    if seen.latest.get(berkas) == sha:
        return [IngestOutcome(berkas, sha, STATUS_UNCHANGED, "tidak berubah")]
    if sha in seen.loaded and _is_current_elsewhere(seen.log, sha, berkas, export):
        return [IngestOutcome(berkas, sha, STATUS_UNCHANGED, "isi sama dengan versi dipakai")]
    key = hmac_key(paths) if contract.has_personal_data else b""
    entry = _log_entry(path, sha, berkas, contract, now=now, run_id=run_id)
    try:
        kode_pemda = entry["kode_pemda"] = pemda_of(path, export, paths)
        tahun, _, name = locate(path, export, paths)
        entry["tahun"] = tahun
        if entry["ukuran_byte"] <= DEFAULT_MAX_BYTES:
            _archive(path, sha, paths)
        table = read_landing_file(path, export)
        entry.update(format=table.file_format, periode=_period(table, export, name))
        _fill_from_path(table, export, tahun, export.submitter, entry["periode"])
        _require_columns_and_rows(table, export)
        split = split_per_opd(table, export, contract)
        if not split.parts and not split.unplaced.height:
            raise LandingFileError(
                f"Berkas hanya berisi {split.headings} baris judul kelompok (kode_rekening "
                "kosong) tanpa baris rincian. Unduh ulang ekspor rincian belanja dari SIPD.",
                rule="tanpa_data",
            )
    except LandingFileError as exc:
        entry["pesan"] = exc.message
        outcome = IngestOutcome(berkas, sha, STATUS_REJECTED, exc.message, errors=_file_error(exc))
        return [_finish(paths, entry, contract, outcome)]
    out: list[IngestOutcome | _Received] = []
    if split.unplaced.height:
        out.append(_reject_unplaced(paths, dict(entry), contract, split.unplaced))
    for i, part in enumerate(split.parts, start=1):
        slot = Slot(
            contract.system, contract.table, tahun, part.kode_skpd, entry["periode"], kode_pemda
        )
        # one log event per part: its own time stamp (the event's file name), in sheet order
        part_entry = dict(
            entry, pengirim=part.kode_skpd, dimuat_pada=now + timedelta(microseconds=i)
        )
        filled = _fill_from_path(
            part.table, contract, tahun, part.kode_skpd, slot.periode, kode_pemda
        )
        out.append(_Received(part_entry, part.table, slot, filled, key, part.label))
    return out


def _summarise_whole_pemda(
    paths: DataPaths, contract: Contract, outcomes: list[IngestOutcome]
) -> None:
    """For each whole-pemda file of the run, one summary workbook for its sender (Bappeda)."""
    from dagster_project.lib.ingest.feedback import STATUS_LABEL, write_export_summary

    by_file: dict[tuple[str, str], list[IngestOutcome]] = {}
    for o in outcomes:
        if o.bagian:
            by_file.setdefault((o.berkas, o.sha256), []).append(o)
    for (berkas, sha), parts in by_file.items():
        rows = []
        for o in parts:
            pagu = None
            if o.status == STATUS_LOADED and o.slot is not None:
                pagu = pl.read_parquet(o.slot.raw_file(paths), columns=["total_rp"])[
                    "total_rp"
                ].sum()
            status = (
                "dimuat_sebagian" if o.status == STATUS_LOADED and o.rows_quarantined else o.status
            )
            rows.append(
                (
                    o.slot.pengirim if o.slot else None,
                    o.bagian,
                    STATUS_LABEL.get(status, status.upper()),
                    o.rows_loaded,
                    o.rows_quarantined,
                    o.rows_skipped,
                    pagu,
                    str(o.feedback_path.relative_to(paths.root)) if o.feedback_path else None,
                )
            )
        kode_pemda = next((o.log_entry or {}).get("kode_pemda") for o in parts)
        write_export_summary(paths, contract.system, contract.table, berkas, sha, rows, kode_pemda)


def _reject_unplaced(
    paths: DataPaths, entry: dict, contract: Contract, rows: pl.DataFrame
) -> IngestOutcome:
    """Rows of a whole-pemda file whose kode_skpd names no OPD: rejected, with the OPD's name."""
    errors = rows.select(
        pl.col(LINE_COL).alias("_baris"),
        pl.lit("kode_skpd").alias("kolom"),
        pl.col("kode_skpd").alias("nilai"),
        pl.lit("format_kode").alias("aturan"),
        pl.format(
            "OPD {}: kode_skpd '{}' bukan kode SKPD yang sah (contoh {}); baris ini tidak dimuat, "
            "OPD lain tetap dimuat. Perbaiki kode di SIPD lalu unduh ulang.",
            pl.col("nama_skpd").fill_null("tanpa nama"),
            pl.col("kode_skpd").fill_null(""),
            pl.lit("1.02.0.00.0.00.01.0000"),
        ).alias("alasan"),
    ).cast(ERROR_SCHEMA)
    message = (
        f"{rows.height} baris tanpa kode SKPD yang sah tidak dimuat: "
        + ", ".join(sorted({str(n) for n in rows["nama_skpd"].fill_null("tanpa nama")}))
        + "."
    )
    entry.update(baris_dibaca=rows.height, baris_karantina=rows.height, pesan=message)
    outcome = IngestOutcome(
        entry["berkas"],
        entry["sha256"],
        STATUS_REJECTED,
        message,
        rows_read=rows.height,
        rows_quarantined=rows.height,
        errors=errors,
        bagian="kode SKPD tidak sah",
    )
    return _finish(paths, entry, contract, outcome)


def _log_entry(
    path: Path, sha: str, berkas: str, contract: Contract, *, now: datetime, run_id: str
) -> dict:
    """The ingest-log record of one file version, as rejected until it is loaded."""
    stat = path.stat()
    return {
        "sha256": sha,
        "berkas": berkas,
        "sistem": contract.system,
        "tabel": contract.table,
        "kode_pemda": None,
        "tahun": None,
        "pengirim": None,
        "periode": None,
        "format": None,
        "ukuran_byte": stat.st_size,
        "diterima_pada": datetime.fromtimestamp(stat.st_mtime, UTC).replace(tzinfo=None),
        "dimuat_pada": now,
        "status": STATUS_REJECTED,
        "baris_dibaca": 0,
        "baris_dimuat": 0,
        "baris_karantina": 0,
        "baris_diabaikan": 0,
        "kontrak_id": contract.id,
        "kontrak_versi": contract.version,
        "pesan": "",
        "raw_path": None,
        "karantina_path": None,
        "umpan_balik_path": None,
        "run_id": run_id,
    }


def _require_columns_and_rows(table: RawTable, contract: Contract) -> None:
    """A file without a contract column or without data rows is rejected whole."""
    missing = [c.name for c in contract.columns if c.name not in table.frame.columns]
    if missing:
        raise LandingFileError(
            "Kolom wajib tidak ada: "
            + ", ".join(
                f"{m} (judul yang diterima: {', '.join(contract.column(m).aliases[:3]) or m})"
                for m in missing
            )
            + ". Periksa baris judul kolom.",
            rule="kolom_hilang",
        )
    if table.frame.height == 0:
        raise LandingFileError(
            "Berkas tidak berisi baris data di bawah judul kolom.", rule="tanpa_data"
        )


def _file_error(exc: LandingFileError) -> pl.DataFrame:
    """The error table of a file rejected whole: one row, no line or column."""
    row = {"_baris": None, "kolom": None, "nilai": None, "aturan": exc.rule, "alasan": exc.message}
    return pl.DataFrame([row], schema=ERROR_SCHEMA)


def _load(
    paths: DataPaths,
    entry: dict,
    contract: Contract,
    table: RawTable,
    slot: Slot,
    raw: pl.DataFrame,
    bad_rows: pl.DataFrame,
    errors: pl.DataFrame,
    filled: list[str],
) -> IngestOutcome:
    """Quarantine the bad rows, replace the slot's raw Parquet with the good ones (`raw`: as
    stored, `_raw_rows`), log it."""
    sha, berkas = entry["sha256"], entry["berkas"]
    warnings = []
    if table.unknown_columns:
        warnings.append("kolom tambahan diabaikan: " + ", ".join(table.unknown_columns))
    if filled:
        warnings.append("diisi dari folder/nama berkas: " + ", ".join(filled))
    outcome = IngestOutcome(
        berkas,
        sha,
        STATUS_LOADED,
        "",
        slot=slot,
        rows_read=table.frame.height,
        rows_loaded=raw.height,
        rows_quarantined=bad_rows.height,
        rows_skipped=len(table.skipped_lines),
        errors=errors,
        warnings=warnings,
        skipped=list(table.skipped_lines),
    )
    if bad_rows.height:
        stem = slot.quarantine_stem(paths, sha)
        private = contract.has_personal_data
        _write_atomic(bad_rows, stem.with_suffix(".rows.parquet"), private=private)
        _write_atomic(errors, stem.with_suffix(".errors.parquet"), private=private)
        entry["karantina_path"] = str(stem.relative_to(paths.root))
    entry.update(
        format=table.file_format,
        baris_dibaca=outcome.rows_read,
        baris_dimuat=raw.height,
        baris_karantina=bad_rows.height,
        baris_diabaikan=outcome.rows_skipped,
        pesan="; ".join(warnings),
    )
    if raw.height == 0:
        outcome.status = STATUS_REJECTED
        outcome.message = (
            f"Semua {bad_rows.height} baris melanggar kontrak; versi sebelumnya "
            "tetap dipakai. Lihat umpan balik per baris."
        )
        entry.update(status=STATUS_REJECTED, pesan=outcome.message)
        return _finish(paths, entry, contract, outcome)
    target = slot.raw_file(paths)
    _write_atomic(raw, target, private=contract.has_personal_data)
    entry.update(status=STATUS_LOADED, raw_path=str(target.relative_to(paths.root)))
    return _finish(paths, entry, contract, outcome)


def _finish(
    paths: DataPaths, entry: dict, contract: Contract, outcome: IngestOutcome
) -> IngestOutcome:
    """Write the sender's feedback report where there is something to tell; the log entry is
    kept on the outcome and written with its batch (`write_log`, last)."""
    from dagster_project.lib.ingest.feedback import write_feedback

    if outcome.has_news:
        report = write_feedback(paths, entry, contract, outcome.errors, outcome.skipped)
        entry["umpan_balik_path"] = str(report.relative_to(paths.root))
        outcome.feedback_path = report
    outcome.log_entry = entry
    return outcome


def _is_current_elsewhere(log: pl.DataFrame, sha: str, berkas: str, contract: Contract) -> bool:
    """The same content is what its slot holds now, sent again under another name in the same
    folder for the same period (a copy such as `..._murni (1).csv`): nothing to do."""
    if "/" not in berkas:
        return False
    folder, name = berkas.rsplit("/", 1)
    same = log.filter(
        (pl.col("sha256") == sha)
        & (pl.col("status") == STATUS_LOADED)
        & pl.col("berkas").str.starts_with(folder + "/")
        & ~pl.col("berkas").str.slice(len(folder) + 1).str.contains("/")
    )
    if (pat := contract.period_pattern) and (m := pat.search(name)):
        same = same.filter(pl.col("periode") == m.group(1))
    if not same.height:
        return False
    current = current_inputs_from_log(log)
    return (
        current.join(same.select(SLOT_COLUMNS).unique(), on=SLOT_COLUMNS)["sha256"]
        .is_in([sha])
        .any()
    )


def _archive(path: Path, sha: str, paths: DataPaths, *, private: bool = False) -> None:
    target = paths.landing_archive / sha[:2] / f"{sha}{path.suffix.lower()}"
    if target.exists():
        return
    with atomic_write(target, durable=False) as tmp:
        shutil.copyfile(path, tmp)
        if private:  # owner-only before it appears; its folders too
            tmp.chmod(PRIVATE_FILE)
            make_private(tmp, paths.landing_archive.parent)


MIN_FILES_PER_TASK = 8  # fewer files than two tasks' worth: no worker processes
MAX_FILES_PER_TASK = 256  # a task holds its outcomes until done (a slot is never split)


def ingest_source(
    contract: Contract,
    paths: DataPaths,
    *,
    files: Iterable[Path] | None = None,
    run_id: str = "",
    workers: int | None = None,
) -> list[IngestOutcome]:
    """Ingest every new or changed landing file of one source, oldest first.

    With many files, tasks of them run in `workers` processes (default `worker_count()`,
    `lib/ingest/workers.py`): every version of a slot is in one task, read in arrival order (the
    latest still wins). Each task's ingest-log records are written in one file when the task
    is done, after everything its files wrote (in one process: one file per batch of rows)."""
    paths.ensure()
    clean_partial_writes(paths)
    migrate_raw(contract, paths)
    migrate_log(paths)
    log = read_ingest_log(paths)
    candidates = list(files) if files is not None else landing_files(contract, paths)
    candidates.sort(key=lambda p: (p.stat().st_mtime, p.as_posix()))  # latest arrival wins
    workers = worker_count() if workers is None else workers
    seen = _Seen.of(log)
    # Files sent before and unchanged are told apart here (a sha256 each), so a run with
    # little new starts no worker for them.
    same: dict[int, IngestOutcome] = {}
    if workers > 1 and len(candidates) >= 2 * MIN_FILES_PER_TASK:
        same = {i: o for i, p in enumerate(candidates) if (o := _unchanged(p, paths, seen))}
    todo = [(i, p) for i, p in enumerate(candidates) if i not in same]
    tasks = _tasks(todo, contract, paths, workers)
    if len(tasks) < 2:
        outcomes = _ingest_files(contract, paths, candidates, seen, run_id, logged=True)
    else:
        done = dict(_ingest_in_workers(contract, paths, tasks, log, run_id, workers))
        outcomes = [same.get(i) or done[i] for i in range(len(candidates))]
    _summarise_whole_pemda(paths, contract, outcomes)
    ensure_schema_file(contract, paths)
    ensure_log_schema_file(paths)
    if contract.has_personal_data:
        protect_at_rest(contract, paths, log)
        purge(paths, log, contracts=[contract])  # past the contract's retention period
    return outcomes


def _berkas(path: Path, paths: DataPaths) -> str:
    """A landing file's name in the ingest log: its path under landing/."""
    if path.is_relative_to(paths.landing):
        return path.relative_to(paths.landing).as_posix()
    return str(path)


def _unchanged(path: Path, paths: DataPaths, seen: _Seen) -> IngestOutcome | None:
    """The outcome of a file whose content is the one logged under its name, else None."""
    berkas = _berkas(path, paths)
    if berkas not in seen.latest:  # a new name: never unchanged, and no sha256 to pay for here
        return None
    sha = sha256_file(path)
    if seen.latest[berkas] == sha:
        return IngestOutcome(berkas, sha, STATUS_UNCHANGED, "tidak berubah")
    return None


def _tasks(
    indexed: list[tuple[int, Path]], contract: Contract, paths: DataPaths, workers: int
) -> list[list[tuple[int, Path]]]:
    """The files (with their place in arrival order) split into tasks for the workers, about
    four per worker. Every version of a slot goes to the same task: a slot's files all live in
    one folder (a copy under another name is recognised within its folder), so a task takes
    whole folders, or a folder's files of one period when each name says its period. One task
    (no workers) for a few files, or when a whole-pemda file (SIPD export) is among them: it
    fills the slots of many folders at once."""
    if workers < 2 or len(indexed) < 2 * MIN_FILES_PER_TASK:
        return [indexed]
    feeders = _feeder_roots(contract, paths)
    if feeders and any(_feeder_of(p, feeders) for _, p in indexed):
        return [indexed]
    folders: dict[Path, list[tuple[int, Path]]] = {}
    for i, p in indexed:
        folders.setdefault(p.parent, []).append((i, p))
    groups: dict[tuple[Path, str], list[tuple[int, Path]]] = {}
    for folder, files in folders.items():
        periods = _name_periods(contract, [p for _, p in files])
        for (i, p), period in zip(files, periods, strict=True):
            groups.setdefault((folder, period), []).append((i, p))
    size = min(MAX_FILES_PER_TASK, max(MIN_FILES_PER_TASK, -(-len(indexed) // (4 * workers))))
    tasks: list[list[tuple[int, Path]]] = [[]]
    for group in groups.values():
        if len(tasks[-1]) >= size:
            tasks.append([])
        tasks[-1] += group
    return [sorted(t) for t in tasks if t]


def _feeder_roots(contract: Contract, paths: DataPaths) -> dict[Path, Contract]:
    """The resolved landing roots of the files loaded into `contract` (`feeder_contracts`: SIPD's
    whole-pemda export), every pemda's folder too -> that feeder's contract."""
    return {
        root.resolve(): f
        for f in feeder_contracts(contract.key)
        for _, root in landing_roots(f, paths)
    }


def _feeder_of(path: Path, feeders: dict[Path, Contract]) -> Contract | None:
    """The feeder contract whose landing root holds `path`, else None. One resolve and a
    look-up per folder above the file: testing each root in turn resolved the file once per
    root, and there is a root per pemda (100 pemda: 1.6 M resolves for SIPD's rincian alone)."""
    if not feeders:
        return None
    return next((f for d in path.resolve().parents if (f := feeders.get(d)) is not None), None)


def _name_periods(contract: Contract, files: list[Path]) -> list[str]:
    """The period each file's name gives its slot (BPKAD's `sp2d_2025_03.csv`: one slot per
    month in one folder), so the months of a folder can go to different workers; all "" (the
    folder is one group) when a file of the folder names none: its period is in its rows."""
    pattern = contract.period_pattern
    found = [pattern.search(p.name) for p in files] if pattern else []
    if not found or not all(found):
        return [""] * len(files)
    return [m.group(1) for m in found]  # type: ignore[union-attr]


def _ingest_in_workers(
    contract: Contract,
    paths: DataPaths,
    tasks: list[list[tuple[int, Path]]],
    log: pl.DataFrame,
    run_id: str,
    workers: int,
) -> list[tuple[int, IngestOutcome]]:
    """Run the tasks in the worker pool; log each task's files as it finishes. A failed task
    does not stop the others (their files are logged); its error is raised at the end.
    Returns (place in arrival order, outcome) for every file."""
    from concurrent.futures import as_completed

    env = run_env()
    calls = [(contract, paths, t, _log_for(log, t, paths), run_id, env) for t in tasks]
    futures = submit_all(workers, _ingest_task, calls)
    placed: list[tuple[int, IngestOutcome]] = []
    error: BaseException | None = None
    for fut in as_completed(futures):
        try:
            done = fut.result()
        except BaseException as exc:  # re-raised below, after the others are logged
            error = error or exc
            continue
        write_log(paths, [o.log_entry for _, o in done if o.log_entry is not None])
        placed += done
    if error is not None:
        raise error
    return placed


def _log_for(log: pl.DataFrame, task: list[tuple[int, Path]], paths: DataPaths) -> pl.DataFrame:
    """The part of the log a task's files are judged on, in log order: the records of files in
    its folders and every record of the slots those fill (a whole-pemda file fills them from
    another folder). Unchanged-file and same-content-copy checks look no further."""
    folders = list({_berkas(p, paths).rsplit("/", 1)[0] for _, p in task})
    keys = ["sistem", "tabel", "kode_pemda", "tahun", "pengirim"]
    indexed = log.with_row_index("__i")
    mine = indexed.filter(pl.col("berkas").str.replace(r"/[^/]*$", "").is_in(folders))
    slots = indexed.join(mine.select(keys).unique(), on=keys, how="semi", nulls_equal=True)
    return pl.concat([mine, slots]).unique("__i").sort("__i").drop("__i")


def _ingest_task(
    contract: Contract,
    paths: DataPaths,
    task: list[tuple[int, Path]],
    log: pl.DataFrame,
    run_id: str,
    env: dict[str, str],
) -> list[tuple[int, IngestOutcome]]:
    """In a worker process: ingest one task's files (one outcome each, no whole-pemda file);
    the caller writes their log records."""
    apply_env(env)
    outcomes = _ingest_files(contract, paths, [p for _, p in task], _Seen.of(log), run_id)
    return [(i, o) for (i, _), o in zip(task, outcomes, strict=True)]


def _ingest_files(
    contract: Contract,
    paths: DataPaths,
    candidates: list[Path],
    seen: _Seen,
    run_id: str,
    *,
    logged: bool = False,
) -> list[IngestOutcome]:
    """Receive, check and load the files in order, rows checked in batches of `BATCH_ROWS`.
    `logged`: write the log records of each batch as it is done (else the caller does)."""
    feeders = _feeder_roots(contract, paths)
    outcomes: list[IngestOutcome | _Received] = []
    waiting: list[int] = []  # received files whose rows are not checked yet
    rows = 0  # rows of the waiting files
    unlogged = 0  # outcomes[:unlogged] are logged

    def conclude() -> None:
        nonlocal unlogged, rows
        if waiting:
            done = _conclude([outcomes[i] for i in waiting], contract, paths)
            for i, outcome in zip(waiting, done, strict=True):
                outcomes[i] = outcome
            waiting.clear()
            rows = 0
        if logged:
            write_log(paths, [o.log_entry for o in outcomes[unlogged:] if o.log_entry])
            unlogged = len(outcomes)

    pending: list[IngestOutcome | _Reading] = []  # files read up to their cells
    cells = 0  # rows of cells of the pending files

    def place(received: Iterable[IngestOutcome | _Received]) -> None:
        nonlocal rows
        for r in received:
            outcomes.append(r)
            if isinstance(r, _Received):
                waiting.append(len(outcomes) - 1)
                rows += r.table.frame.height

    def read_pending() -> None:
        nonlocal cells
        place(_receive_all(pending, contract, paths))
        pending.clear()
        cells = 0

    for p in candidates:
        export = _feeder_of(p, feeders)
        if export is None:
            pending.append(reading := _receive_start(p, contract, paths, seen=seen, run_id=run_id))
            if isinstance(reading, _Reading) and isinstance(reading.read, Headed):
                cells += reading.read.cells.height
            if len(pending) < TIDY_FILES and cells < BATCH_ROWS:
                continue
            read_pending()
        else:
            read_pending()  # the files before it first: outcomes stay in arrival order
            place(_receive_export(p, export, contract, paths, seen=seen, run_id=run_id))
        if rows >= BATCH_ROWS:
            conclude()
    read_pending()
    conclude()
    return outcomes  # type: ignore[return-value]  # every _Received is concluded


def ensure_log_schema_file(paths: DataPaths) -> Path:
    """A zero-row log file, so dbt can read the ingest log before anything was sent."""
    target = paths.ingest_log / "_schema.parquet"
    # written again when the log gained a column since (kode_pemda)
    if not target.exists() or dict(pl.read_parquet_schema(target)) != LOG_SCHEMA:
        _write_atomic(pl.DataFrame(schema=LOG_SCHEMA), target)
    return target


def ensure_schema_file(contract: Contract, paths: DataPaths) -> Path:
    """A zero-row Parquet with the contract's types, so dbt can read a source with no data yet."""
    target = paths.raw / contract.system / contract.table / "_schema.parquet"
    schema = {
        **contract.stored_polars_schema,
        "_sumber_sha256": pl.String,
        "_sumber_berkas": pl.String,
        "_baris": pl.Int32,
        "_dimuat_pada": pl.Datetime("us"),
    }
    # written again when the contract gained a column since (kode_pemda)
    if not target.exists() or dict(pl.read_parquet_schema(target)) != schema:
        _write_atomic(pl.DataFrame(schema=schema), target)
    return target


SLOT_COLUMNS = ["sistem", "tabel", "kode_pemda", "tahun", "pengirim", "periode"]


def current_inputs(paths: DataPaths) -> pl.DataFrame:
    """The file version each slot currently holds in raw/ (the newest one loaded)."""
    return current_inputs_from_log(read_ingest_log(paths))


def current_inputs_from_log(log: pl.DataFrame) -> pl.DataFrame:
    log = log.filter(pl.col("status") == STATUS_LOADED)
    return (
        log.sort("dimuat_pada")
        .group_by(SLOT_COLUMNS, maintain_order=True)
        .last()
        .select(*SLOT_COLUMNS, "berkas", "sha256", "dimuat_pada", "baris_dimuat", "baris_karantina")
        .sort(SLOT_COLUMNS)
    )
