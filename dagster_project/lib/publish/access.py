"""Read-only access for planners and finance staff: `apbd query` and anything that runs user SQL.

Two locks, so neither alone has to be perfect:

1. the statement is parsed by DuckDB itself (`extract_statements`) and only one SELECT, EXPLAIN
   or PRAGMA is let through, with an Indonesian message saying why anything else is refused;
2. the connection is opened `read_only=True` with `enable_external_access = false` (no COPY,
   ATTACH, EXPORT, read_csv/read_parquet/read_text/glob of local files, no INSTALL/LOAD),
   autoloading of extensions off and `lock_configuration = true`, so the SQL cannot switch any
   of it back on. The engine refuses what the first lock might miss.

Only the published mart is opened (never the build file, never raw Parquet).
"""

from __future__ import annotations

import duckdb

from dagster_project.lib.core.paths import DataPaths

QUERY_CONFIG: dict[str, str | bool | int] = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "lock_configuration": True,
}
_ALLOWED = {"SELECT", "EXPLAIN", "PRAGMA"}
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


def open_for_query(paths: DataPaths) -> duckdb.DuckDBPyConnection:
    """The published mart, read-only, with file access and configuration changes disabled."""
    db = paths.published_db
    if not db.exists():
        raise FileNotFoundError(
            f"Belum ada mart yang diterbitkan ({db}). Jalankan pipeline (`apbd run`) sampai "
            "gerbang mutu lulus, lalu coba lagi."
        )
    return duckdb.connect(str(db), read_only=True, config=dict(QUERY_CONFIG))


def check_statement(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Raise QueryRefused unless `sql` is exactly one SELECT / EXPLAIN / PRAGMA."""
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
    if kind in _REFUSALS:
        raise QueryRefused(_REFUSALS[kind], rule=f"ditolak_{kind.lower()}")
    raise QueryRefused(_WRITE.format(kind=kind), rule="hanya_baca")


def explain_error(exc: duckdb.Error) -> QueryRefused | None:
    """The engine's refusal of a locked-down action, as a QueryRefused (None for other errors)."""
    text = str(exc)
    if isinstance(exc, duckdb.PermissionException) or "disabled by configuration" in text:
        return QueryRefused(_FILES, rule="akses_berkas")
    if "read-only mode" in text or "read_only" in text.lower():
        return QueryRefused(_WRITE.format(kind="yang menulis"), rule="hanya_baca")
    if "configuration has been locked" in text:
        return QueryRefused(_REFUSALS["SET"], rule="ditolak_set")
    return None


def run_query(con: duckdb.DuckDBPyConnection, sql: str) -> duckdb.DuckDBPyConnection:
    """Check, then execute on a connection from `open_for_query`; engine refusals become
    QueryRefused. Returns the cursor (fetch from it)."""
    check_statement(con, sql)
    try:
        return con.execute(sql)
    except duckdb.Error as exc:
        if refused := explain_error(exc):
            raise refused from exc
        raise
