"""Read-only access for planners and finance staff: `apbd query` and anything that runs user SQL.

Two locks, so neither alone has to be perfect:

1. the statement is parsed by DuckDB itself (`extract_statements`) and only one SELECT, EXPLAIN
   or allowed PRAGMA is let through, with an Indonesian message saying why anything else is
   refused;
2. the connection is opened `read_only=True` with `enable_external_access = false` (no COPY,
   ATTACH, EXPORT, read_csv/read_parquet/read_text/glob of local files, no INSTALL/LOAD),
   autoloading of extensions off and `lock_configuration = true`, so the SQL cannot switch any
   of it back on. The engine refuses what the first lock might miss.

PRAGMA allow-list (`ALLOWED_PRAGMAS`): only the ones that describe the mart — `show_tables`,
`show_tables_expanded`, `show_databases`, `table_info`, `database_list`, `database_size`,
`storage_info`, `version`, `platform`, `functions`, `collations`. Every other PRAGMA (profiling to
a file, checkpoints, settings) is refused before it reaches the engine. `SHOW`, `DESCRIBE` and
`SUMMARIZE` are SELECTs to DuckDB and stay allowed.

Limits (`QueryLimits`, configuration with defaults from the machine): one query may use at most
`APBD_QUERY_MEMORY` (default a quarter of the RAM), `APBD_QUERY_THREADS` (default half the
cores), `APBD_QUERY_TIMEOUT` seconds (default 300; `QueryGuard` interrupts the engine from a timer
thread) and `APBD_QUERY_SPILL` of spill files (default a fifth of the free disk in whole GB,
at least 1, at most 20).
Spill files go to `data/tmp/query-<pid>`, never next to the mart in `published/`, and the folder
is removed when the connection closes, even after an error; folders left by killed processes are
removed by the next query.

Only the published mart is opened (never the build file, never raw Parquet).
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from dagster_project.lib.core import machine
from dagster_project.lib.core.paths import DataPaths

QUERY_CONFIG: dict[str, str | bool | int] = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "lock_configuration": True,
}
_ALLOWED = {"SELECT", "EXPLAIN"}
ALLOWED_PRAGMAS = frozenset(
    {
        "show_tables",
        "show_tables_expanded",
        "show_databases",
        "table_info",
        "database_list",
        "database_size",
        "storage_info",
        "version",
        "platform",
        "functions",
        "collations",
    }
)
# The PRAGMA's name after any leading comments: `/* x */ pragma Table_Info('t')` -> table_info.
_PRAGMA_NAME = re.compile(
    r"^(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*pragma\s+\"?([a-z_][a-z0-9_]*)", re.I | re.S
)
_HINT_EXPORT = "Untuk menyimpan hasil, pakai --format csv|xlsx|parquet --output <berkas>."

_REFUSALS = {
    "COPY": "COPY tidak diizinkan: apbd query hanya membaca mart terbit. " + _HINT_EXPORT,
    "EXPORT": "EXPORT DATABASE tidak diizinkan: apbd query hanya membaca mart terbit. "
    + _HINT_EXPORT,
    "ATTACH": "ATTACH tidak diizinkan: hanya mart terbit yang boleh dibaca, bukan berkas lain.",
    "DETACH": "DETACH tidak diizinkan: hanya mart terbit yang boleh dibaca.",
    "SET": "Pengaturan DuckDB tidak boleh diubah lewat apbd query.",
    "VARIABLE_SET": "Pengaturan DuckDB tidak boleh diubah lewat apbd query.",
    "LOAD": "Memasang atau memuat ekstensi DuckDB (INSTALL/LOAD) tidak diizinkan.",
    "EXTENSION": "Memasang atau memuat ekstensi DuckDB (INSTALL/LOAD) tidak diizinkan.",
}
_WRITE = (
    "Mart terbit hanya-baca: perintah {kind} tidak diizinkan (INSERT, UPDATE, DELETE, CREATE, "
    "DROP, ALTER dan sejenisnya tidak bisa dijalankan). Kirim SELECT saja."
)
_PRAGMA = (
    "PRAGMA {name} tidak diizinkan. Yang boleh: "
    + ", ".join(sorted(ALLOWED_PRAGMAS))
    + ". Untuk melihat tabel: SHOW ALL TABLES; kolom: DESCRIBE marts.<tabel>."
)
_TIMEOUT = (
    "Kueri dihentikan setelah {seconds} detik (batas waktu apbd query, APBD_QUERY_TIMEOUT). "
    "Persempit kueri: saring dengan WHERE, ringkas dengan GROUP BY, ambil sebagian dengan LIMIT, "
    "dan hindari CROSS JOIN atau JOIN tanpa syarat ON."
)
_MEMORY = (
    "Kueri dihentikan: memori yang diperlukan melebihi batas apbd query ({memory}, "
    "APBD_QUERY_MEMORY; ruang sementara {spill}, APBD_QUERY_SPILL). Persempit kueri: saring "
    "dengan WHERE, ringkas dengan GROUP BY, atau ambil sebagian dengan LIMIT."
)
_FILES = (
    "Membaca berkas di luar mart tidak diizinkan (read_csv, read_parquet, read_text, glob, "
    "ATTACH, COPY …): apbd query hanya membaca tabel mart terbit."
)


class QueryRefused(Exception):
    """A statement `apbd query` will not run. `message` is Indonesian, for the user."""

    def __init__(self, message: str, *, rule: str) -> None:
        super().__init__(message)
        self.message = message
        self.rule = rule


class QueryStopped(QueryRefused):
    """A query that ran and was stopped by a limit (time, memory). Indonesian `message`."""


class LimitSettingInvalid(ValueError):
    """An APBD_QUERY_* setting that cannot be read. Indonesian message."""


@dataclass(frozen=True)
class QueryLimits:
    """What one user query may use. `from_env` reads the configuration; defaults from the machine."""

    memory: str  # DuckDB memory_limit, e.g. "6GB"
    threads: int
    seconds: float  # wall-clock time limit, query and fetch together
    spill: str  # DuckDB max_temp_directory_size

    @classmethod
    def from_env(cls, root: Path, env: dict[str, str] | None = None) -> QueryLimits:
        env = dict(os.environ) if env is None else env
        ram_mb = machine.ram_mb()
        free_mb = shutil.disk_usage(_existing_parent(root)).free // 2**20
        return cls(
            memory=_size(env, "APBD_QUERY_MEMORY", f"{max(256, ram_mb // 4)}MB"),
            threads=int(_number(env, "APBD_QUERY_THREADS", max(1, machine.cpus() // 2), 1)),
            seconds=_number(env, "APBD_QUERY_TIMEOUT", 300, 0.1),
            spill=_size(env, "APBD_QUERY_SPILL", f"{max(1, min(free_mb // 5 // 1024, 20))}GB"),
        )

    def config(self, spill_dir: Path) -> dict[str, str | bool | int]:
        """The connection configuration: the locks of QUERY_CONFIG plus these limits."""
        return {
            **QUERY_CONFIG,
            "memory_limit": self.memory,
            "threads": self.threads,
            "temp_directory": str(spill_dir),
            "max_temp_directory_size": self.spill,
        }


def _existing_parent(path: Path) -> Path:
    path = Path(path).resolve()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _size(env: dict[str, str], name: str, default: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        return default
    if machine.size_mb(value) is None:
        raise LimitSettingInvalid(
            f"{name}={value!r} tidak sah: tulis ukuran seperti 2GB atau 512MB."
        )
    return value


def _number(env: dict[str, str], name: str, default: float, least: float) -> float:
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not least <= number < 1e9:  # also NaN and infinity
        raise LimitSettingInvalid(f"{name}={value!r} tidak sah: tulis angka {least:g} atau lebih.")
    return number


def spill_dir(paths: DataPaths) -> Path:
    """This process's spill folder: data/tmp/query-<pid> (outside published/)."""
    return paths.tmp / f"query-{os.getpid()}"


def _remove_stale_spill(paths: DataPaths) -> None:
    """Remove spill folders of `apbd query` processes that no longer run (killed, crashed)."""
    if os.name != "posix" or not paths.tmp.is_dir():  # os.kill(pid, 0) is only a probe on POSIX
        return
    for folder in paths.tmp.glob("query-*"):
        pid = folder.name.removeprefix("query-")
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except PermissionError:  # alive, someone else's
            pass


@contextmanager
def open_for_query(
    paths: DataPaths, limits: QueryLimits | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The published mart, read-only, with file access and configuration changes disabled and
    the user-query limits set; its spill folder is removed on exit, whatever happened."""
    db = paths.published_db
    if not db.exists():
        raise FileNotFoundError(
            f"Belum ada mart yang diterbitkan ({db}). Jalankan pipeline (`apbd run`) sampai "
            "gerbang mutu lulus, lalu coba lagi."
        )
    limits = limits or QueryLimits.from_env(paths.root)
    _remove_stale_spill(paths)
    spill = spill_dir(paths)
    spill.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        con = duckdb.connect(str(db), read_only=True, config=limits.config(spill))
        try:
            yield con
        finally:
            con.close()
    finally:
        shutil.rmtree(spill, ignore_errors=True)


def check_statement(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Raise QueryRefused unless `sql` is exactly one SELECT / EXPLAIN / allowed PRAGMA."""
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryRefused(
            "SQL tidak dapat dibaca: " + str(exc).splitlines()[0], rule="sql_tidak_sah"
        ) from exc
    if not statements:
        raise QueryRefused("Tidak ada perintah SQL.", rule="sql_kosong")
    if len(statements) > 1:
        raise QueryRefused(
            f"Kirim satu perintah SELECT saja (diterima {len(statements)} perintah).",
            rule="banyak_perintah",
        )
    kind = statements[0].type.name
    if kind in _ALLOWED:
        return
    if kind == "PRAGMA":
        name = _PRAGMA_NAME.match(statements[0].query)
        if name and name.group(1).lower() in ALLOWED_PRAGMAS:
            return
        shown = name.group(1) if name else statements[0].query.strip()[:40]
        raise QueryRefused(_PRAGMA.format(name=shown), rule="ditolak_pragma")
    if kind in _REFUSALS:
        raise QueryRefused(_REFUSALS[kind], rule=f"ditolak_{kind.lower()}")
    raise QueryRefused(_WRITE.format(kind=kind), rule="hanya_baca")


def explain_error(exc: duckdb.Error, limits: QueryLimits | None = None) -> QueryRefused | None:
    """The engine's refusal of a locked-down action, or (given the `limits`) its stop at a memory
    limit, as a QueryRefused / QueryStopped; None for other errors (a wrong column name is the
    user's to read)."""
    text = str(exc)
    if limits and isinstance(exc, duckdb.OutOfMemoryException):
        return QueryStopped(
            _MEMORY.format(memory=limits.memory, spill=limits.spill), rule="batas_memori"
        )
    if isinstance(exc, duckdb.PermissionException) or "disabled by configuration" in text:
        return QueryRefused(_FILES, rule="akses_berkas")
    if "read-only mode" in text or "read_only" in text.lower():
        return QueryRefused(_WRITE.format(kind="yang menulis"), rule="hanya_baca")
    if "configuration has been locked" in text:
        return QueryRefused(_REFUSALS["SET"], rule="ditolak_set")
    return None


def run_query(con: duckdb.DuckDBPyConnection, sql: str) -> duckdb.DuckDBPyConnection:
    """Check, then execute on a connection from `open_for_query`; engine refusals become
    QueryRefused. Returns the cursor (fetch from it; rows come as they are fetched)."""
    check_statement(con, sql)
    try:
        return con.execute(sql)
    except duckdb.Error as exc:
        if refused := explain_error(exc):
            raise refused from exc
        raise


def query_batches(con: duckdb.DuckDBPyConnection, sql: str, batch_rows: int = 65_536) -> Any:
    """Check, then stream the result as an Arrow RecordBatchReader: the engine produces the rows
    as they are read, so memory does not grow with the result."""
    check_statement(con, sql)
    try:
        relation = con.sql(sql)
        if relation is None:  # an allowed statement that returns nothing
            relation = con.sql("select null as hasil where false")
        return relation.to_arrow_reader(batch_rows)
    except duckdb.Error as exc:
        if refused := explain_error(exc):
            raise refused from exc
        raise


def _engine_error(exc: Exception) -> duckdb.Error:
    """A DuckDB error that came through the Arrow stream, as its DuckDB class again."""
    text = str(exc)
    for prefix, kind in (
        ("INTERRUPT Error", duckdb.InterruptException),
        ("Out of Memory Error", duckdb.OutOfMemoryException),
        ("Permission Error", duckdb.PermissionException),
    ):
        if prefix in text:
            return kind(text[text.index(prefix) :])
    return duckdb.Error(text)


class QueryGuard:
    """The time limit of one query and the engine's stops and refusals as Indonesian errors.

    `with QueryGuard(con, limits) as guard:` starts a timer that calls `con.interrupt()` when the
    time is up; a DuckDB error raised inside the block leaves it as QueryStopped/QueryRefused when
    it is a limit or a refusal. Code that does work between engine calls (writing rows) calls
    `guard.check()` so the limit holds there too.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, limits: QueryLimits) -> None:
        self.con, self.limits = con, limits
        self.expired = threading.Event()
        self._timer = threading.Timer(limits.seconds, self._stop)
        self._timer.daemon = True

    def _stop(self) -> None:
        self.expired.set()
        self.con.interrupt()

    def _timeout(self) -> QueryStopped:
        seconds = f"{self.limits.seconds:g}".replace(".", ",")  # Indonesian decimal comma
        return QueryStopped(_TIMEOUT.format(seconds=seconds), rule="batas_waktu")

    def check(self) -> None:
        if self.expired.is_set():
            raise self._timeout()

    def batches(self, reader: Any) -> Iterator[Any]:
        """The record batches of `reader` (from `query_batches`), the time limit checked between
        them. An engine error while streaming reaches Python as an Arrow/OS error: it is raised
        again as the DuckDB error it is, so it is explained like any other."""
        import pyarrow as pa  # here, not at import: query subprocesses start faster

        batches = iter(reader)
        while True:
            try:
                batch = next(batches)
            except StopIteration:
                return
            except (OSError, pa.ArrowException) as exc:
                raise _engine_error(exc) from exc
            self.check()
            yield batch

    def __enter__(self) -> QueryGuard:
        self._timer.start()
        return self

    def __exit__(self, kind: Any, exc: BaseException | None, tb: Any) -> None:
        self._timer.cancel()
        if isinstance(exc, duckdb.InterruptException) and self.expired.is_set():
            raise self._timeout() from exc
        if isinstance(exc, duckdb.Error) and (mapped := explain_error(exc, self.limits)):
            raise mapped from exc
