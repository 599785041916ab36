"""The quality gate: decides whether a finished build may replace the published mart.

Runs after dbt has exited (architecture rules 2-4): `finalize_build` drops the schemas that must
not ship and checkpoints the file; then the gate's asset checks (`defs/publish/checks.py`) open the
build file READ-ONLY and the publish asset (`defs/publish/assets.py`) reads dbt's results. Three
kinds of evidence, each a list of `CheckResult`s:

- `dbt_checks`: dbt's own results (`run_results.json`): every model, test and unit test of the run;
- `contract_checks`: the mart contracts (`data_contracts/marts/*.odcs.yaml`): table, columns,
  types, required columns without nulls, key, rows (the gate's independent check of the file);
- `expectations.gx_checks`: the expectation suites in GX's vocabulary, evaluated in DuckDB (contract ranges, patterns, values + business rules).

Messages are Indonesian, one sentence a planner or OPD operator can act on; English goes in
`metadata["message_en"]`. No Dagster import here: `defs/` turns these into asset checks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from dagster_project.lib.contracts.model import PEMDA_COLUMN
from dagster_project.lib.core.machine import duckdb_config
from dagster_project.lib.core.sql import qident, qstring

if TYPE_CHECKING:
    from dagster_project.lib.contracts.model import Contract

# Check names (predicates about the asset they guard; dbt tests keep dbt's names).
EXISTS = "table_exists"
MATCHES_CONTRACT = "matches_contract"
REQUIRED_NOT_NULL = "required_not_null"
PRIMARY_KEY_UNIQUE = "primary_key_unique"
HAS_ROWS = "has_rows"
PASSES_EXPECTATIONS = "passes_expectations"
DBT_RESULTS = "dbt_run_results"

_EXAMPLES = 5  # offending values quoted in a message / metadata


@dataclass
class CheckResult:
    """One piece of evidence for the gate. `blocking` failures stop the publish."""

    name: str
    target: str
    passed: bool
    blocking: bool
    message: str
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def is_blocking_failure(self) -> bool:
        return self.blocking and not self.passed

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --------------------------------------------------------------------------------------------
# dbt results
# --------------------------------------------------------------------------------------------

_PASS = {"pass", "success", "no-op"}
_WARN = {"warn"}


def _load_json(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as f:
        return json.load(f)


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def _relation_target(relation_name: str | None) -> str | None:
    # '"apbd"."marts"."mart_x"' -> 'marts.mart_x'
    if not relation_name:
        return None
    parts = [p.strip('"`') for p in relation_name.split(".")]
    return ".".join(parts[-2:]) if len(parts) >= 2 else parts[-1]


def _node_target(node: dict[str, Any]) -> str:
    return f"{node.get('schema')}.{node.get('alias') or node.get('name')}"


class _Manifest:
    """The few manifest look-ups the gate needs: which model a test guards."""

    def __init__(self, data: dict[str, Any] | None):
        self.nodes: dict[str, Any] = (data or {}).get("nodes", {})
        self.unit_tests: dict[str, Any] = (data or {}).get("unit_tests", {})
        self._by_name = {
            n["name"]: uid for uid, n in self.nodes.items() if n.get("resource_type") == "model"
        }

    def node(self, uid: str) -> dict[str, Any] | None:
        return self.nodes.get(uid) or self.unit_tests.get(uid)

    def target_of(self, uid: str) -> str | None:
        node = self.node(uid)
        if node is None:
            return None
        rtype = node.get("resource_type") or uid.split(".", 1)[0]
        if rtype in ("model", "seed", "snapshot"):
            return _node_target(node)
        attached = node.get("attached_node")
        if not attached and rtype == "unit_test":
            attached = self._by_name.get(node.get("model", ""))
        if not attached:
            deps = (node.get("depends_on") or {}).get("nodes") or []
            attached = next((d for d in deps if d.split(".", 1)[0] in ("model", "seed")), None)
        target = self.nodes.get(attached or "")
        return _node_target(target) if target else None


def _dbt_failure(message: str, message_en: str, **meta: Any) -> list[CheckResult]:
    return [
        CheckResult(
            name=DBT_RESULTS,
            target="dbt",
            passed=False,
            blocking=True,
            message=message,
            metadata={"message_en": message_en, **meta},
        )
    ]


def dbt_checks(
    run_results_path: Path,
    manifest_path: Path | None,
    *,
    started_at: datetime | None = None,
) -> list[CheckResult]:
    """One CheckResult per node in dbt's `run_results.json` (models, seeds, tests, unit tests).

    `warn` is a non-blocking failure; `fail`, `error`, `skipped` and anything else are blocking
    (a skipped test is a guard that did not run). Missing, unreadable or stale results (written
    before `started_at`, i.e. by an earlier run) mean dbt did not finish: one blocking failure.
    With the manifest, a test's target is the model it is attached to (`marts.mart_x`).
    """
    run_results_path = Path(run_results_path)
    if not run_results_path.exists():
        return _dbt_failure(
            "Hasil dbt (run_results.json) tidak ditemukan, artinya dbt tidak selesai berjalan; "
            "mart tidak diterbitkan, jalankan ulang pipeline dan periksa log dbt.",
            "dbt run_results.json is missing: dbt did not finish.",
            path=str(run_results_path),
        )
    try:
        data = _load_json(run_results_path)
        results = data["results"]
        if "elapsed_time" not in data:  # written only when dbt reached the end of its run
            raise KeyError("elapsed_time")
    except (OSError, ValueError, KeyError, TypeError) as e:
        return _dbt_failure(
            "Hasil dbt (run_results.json) rusak atau tidak lengkap, artinya dbt tidak selesai "
            "dengan benar; mart tidak diterbitkan, jalankan ulang pipeline.",
            f"dbt run_results.json is unreadable or incomplete: {e!r}",
            path=str(run_results_path),
        )
    generated_at = _parse_time((data.get("metadata") or {}).get("generated_at"))
    if started_at is not None:
        started = started_at if started_at.tzinfo else started_at.replace(tzinfo=UTC)
        if generated_at is None or generated_at < started:
            return _dbt_failure(
                "Hasil dbt yang ditemukan berasal dari proses sebelumnya, bukan dari proses ini; "
                "dbt tidak selesai, jadi mart tidak diterbitkan.",
                "run_results.json predates this run: dbt did not finish.",
                path=str(run_results_path),
                generated_at=str(generated_at),
                started_at=started.isoformat(),
            )
    if not results:
        return _dbt_failure(
            "dbt tidak menjalankan model atau uji apa pun, jadi hasil build tidak bisa "
            "dipastikan; periksa pilihan model (--select) pada pipeline.",
            "dbt ran no nodes.",
            path=str(run_results_path),
        )

    manifest = _Manifest(None)
    if manifest_path is not None and Path(manifest_path).exists():
        manifest = _Manifest(_load_json(Path(manifest_path)))

    return [_dbt_result(r, manifest) for r in results]


def _dbt_result(r: dict[str, Any], manifest: _Manifest) -> CheckResult:
    uid: str = r.get("unique_id", "?")
    status = str(r.get("status", "")).lower()
    rtype = uid.split(".", 1)[0]
    parts = uid.split(".")
    node = manifest.node(uid) or {}
    failures = r.get("failures")
    dbt_message = r.get("message")
    is_test = rtype in ("test", "unit_test")

    if is_test:
        name = node.get("name") or (parts[-1] if rtype == "unit_test" else parts[2])
        if rtype == "unit_test":
            target = manifest.target_of(uid) or (parts[2] if len(parts) > 3 else "dbt")
        else:
            target = manifest.target_of(uid) or "dbt"
    else:
        name = f"dbt_{rtype}"
        target = manifest.target_of(uid) or _relation_target(r.get("relation_name")) or uid

    passed = status in _PASS
    blocking = status not in _WARN
    kind = "Uji unit dbt" if rtype == "unit_test" else "Uji dbt"
    on = f" pada {target}" if target != "dbt" else ""
    n = failures if isinstance(failures, int) else None
    rows = f"{n} baris" if n is not None else "sejumlah baris"

    if passed:
        msg = f"{kind} '{name}' lulus." if is_test else f"dbt berhasil membangun {target}."
        en = f"{rtype} {uid}: {status}"
    elif status == "warn":
        msg = (
            f"{kind} '{name}' memberi peringatan ({rows}){on}; mart tetap boleh "
            "terbit, tetapi data ini perlu diperiksa."
        )
        en = f"{rtype} {uid} warned: {dbt_message}"
    elif status == "fail" and rtype == "unit_test":
        msg = (
            f"Uji unit dbt '{name}' gagal: logika model {target} tidak lagi menghasilkan "
            "keluaran yang diharapkan; tim data perlu memperbaiki model sebelum mart terbit."
        )
        en = f"unit test {uid} failed: {dbt_message}"
    elif status == "fail":
        msg = (
            f"Uji dbt '{name}' gagal: {rows} melanggar aturan{on}; perbaiki data "
            "sumber atau model lalu jalankan ulang pipeline."
        )
        en = f"test {uid} failed with {failures} failing rows"
    elif status == "skipped":
        what = f"{kind} '{name}'" if is_test else f"Pembangunan {target}"
        msg = (
            f"{what} dilewati dbt karena langkah sebelumnya gagal, jadi hasilnya tidak bisa "
            "dipastikan; perbaiki kegagalan yang lebih dulu."
        )
        en = f"{rtype} {uid} was skipped (an upstream node failed)"
    elif is_test:
        msg = (
            f"{kind} '{name}' tidak bisa dijalankan (galat dbt); tim data perlu memeriksa log "
            f"dbt: {_short(dbt_message)}"
        )
        en = f"{rtype} {uid} errored: {dbt_message}"
    else:
        msg = (
            f"dbt gagal membangun {target}; tim data perlu memeriksa log dbt: {_short(dbt_message)}"
        )
        en = f"{rtype} {uid} status {status}: {dbt_message}"

    return CheckResult(
        name=name,
        target=target,
        passed=passed,
        blocking=blocking,
        message=msg,
        metadata={
            "unique_id": uid,
            "resource_type": rtype,
            "status": status,
            "failures": failures,
            "dbt_message": dbt_message,
            "execution_time": r.get("execution_time"),
            "message_en": en,
        },
    )


def _short(text: Any, limit: int = 200) -> str:
    s = " ".join(str(text or "tanpa pesan").split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


# --------------------------------------------------------------------------------------------
# Mart contracts
# --------------------------------------------------------------------------------------------

_TYPE_OK = re.compile(r"^[A-Za-z][A-Za-z0-9_ ]*(\(\s*\d+\s*(,\s*\d+\s*)?\))?(\[\])?$")


@cache
def normalise_type(physical_type: str) -> str:
    """The DuckDB spelling of a contract type: `NUMERIC(18, 2)` -> `DECIMAL(18,2)`, `INT` ->
    `INTEGER`, `TEXT`/`VARCHAR(10)` -> `VARCHAR`. DuckDB's own parser decides, so the contract
    and `information_schema` are compared in the same vocabulary. Raises ValueError if unknown."""
    t = " ".join(physical_type.split())
    if not _TYPE_OK.match(t):
        raise ValueError(f"not a DuckDB type: {physical_type!r}")
    with duckdb.connect() as con:
        try:
            return con.execute(f"select typeof(cast(null as {t}))").fetchone()[0]
        except duckdb.Error as e:
            raise ValueError(f"not a DuckDB type: {physical_type!r}") from e


def _table_sql(contract: Contract) -> str:
    return f"{qident(contract.system)}.{qident(contract.table)}"


def _actual_columns(con: duckdb.DuckDBPyConnection, contract: Contract) -> dict[str, str]:
    rows = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = current_database() and table_schema = ? and table_name = ? "
        "order by ordinal_position",
        [contract.system, contract.table],
    ).fetchall()
    return dict(rows)


def _table_type(con: duckdb.DuckDBPyConnection, contract: Contract) -> str | None:
    row = con.execute(
        "select table_type from information_schema.tables "
        "where table_catalog = current_database() and table_schema = ? and table_name = ?",
        [contract.system, contract.table],
    ).fetchone()
    return row[0] if row else None


def contract_checks(
    con: duckdb.DuckDBPyConnection,
    contracts: Iterable[Contract],
    *,
    pemda: Sequence[str] | None = None,
) -> list[CheckResult]:
    """Five checks per mart contract, always all five (so each Dagster check gets a result):
    `table_exists`, `matches_contract` (exact column set, DuckDB types), `required_not_null`,
    `primary_key_unique` and `has_rows`. A check that cannot run because the table or a column is
    missing fails too, saying so.

    `pemda`: the only pemda whose rows the build recomputed (a slice build's sliced table; the
    other pemda's rows are the last published build's, which passed this gate). Where the key
    holds kode_pemda, the row checks (required columns, key) read those pemda's rows only: a key
    unique within each pemda is unique in the table."""
    out: list[CheckResult] = []
    for contract in contracts:
        out += _contract_checks_one(con, contract, pemda)
    return out


def _contract_checks_one(
    con: duckdb.DuckDBPyConnection, contract: Contract, pemda: Sequence[str] | None = None
) -> list[CheckResult]:
    """The five checks of one mart, in order; when the table is missing the other four fail,
    saying why."""
    result = _result_factory(contract)
    target = contract.key
    table_type = _table_type(con, contract)
    if table_type is None:
        out = [
            result(
                EXISTS,
                False,
                f"Tabel {target} tidak ada di hasil build; model dbt-nya belum dibangun atau "
                "gagal, jadi mart tidak bisa diterbitkan.",
                f"table {target} does not exist in the build",
            )
        ]
        blocked = f"Tidak dapat diperiksa karena tabel {target} tidak ada."
        for name in (MATCHES_CONTRACT, REQUIRED_NOT_NULL, PRIMARY_KEY_UNIQUE, HAS_ROWS):
            out.append(result(name, False, blocked, "not checked: table missing", skipped=True))
        return out
    actual = _actual_columns(con, contract)
    table = _table_sql(contract)
    rows = table
    if pemda is not None and PEMDA_COLUMN in contract.primary_key and PEMDA_COLUMN in actual:
        kode = ", ".join(map(qstring, pemda)) or "null"
        rows = f"(select * from {table} where {qident(PEMDA_COLUMN)} in ({kode}))"
    return [
        _check_is_table(contract, table_type, result),
        _check_columns(contract, actual, result),
        _check_required(con, contract, rows, actual, result),
        _check_primary_key(con, contract, rows, actual, result),
        _check_rows(con, contract, table, result),
    ]


def _result_factory(contract: Contract):
    """`result(name, passed, message_id, message_en, **meta)` for one contract's checks."""
    base_meta = {"contract": contract.id, "contract_version": contract.version}

    def result(name: str, passed: bool, message: str, en: str, **meta: Any) -> CheckResult:
        return CheckResult(
            name=name,
            target=contract.key,
            passed=passed,
            blocking=True,
            message=message,
            metadata={**base_meta, **meta, "message_en": en},
        )

    return result


def _check_is_table(contract: Contract, table_type: str, result) -> CheckResult:
    target = contract.key
    if table_type != "BASE TABLE":
        # A view in the mart points at staging views or raw Parquet that do not ship to users.
        return result(
            EXISTS,
            False,
            f"{target} berupa VIEW, bukan tabel; mart terbit harus berisi tabel agar bisa "
            "dibaca tanpa data mentah, jadi ubah materialisasi model dbt-nya menjadi table.",
            f"{target} is a {table_type}, not a table",
            table_type=table_type,
        )
    return result(EXISTS, True, f"Tabel {target} ada.", f"table {target} exists")


def _check_columns(contract: Contract, actual: dict[str, str], result) -> CheckResult:
    """Exact column set and DuckDB types."""
    target = contract.key
    expected: dict[str, str] = {}
    bad_contract_types: dict[str, str] = {}
    for c in contract.columns:
        try:
            expected[c.name] = normalise_type(c.physical_type)
        except ValueError:
            bad_contract_types[c.name] = c.physical_type
            expected[c.name] = c.physical_type.upper()
    missing = [c for c in expected if c not in actual]
    extra = [c for c in actual if c not in expected]
    wrong = {
        c: {"contract": expected[c], "actual": actual[c]}
        for c in expected
        if c in actual and c not in bad_contract_types and actual[c] != expected[c]
    }
    problems = []
    if missing:
        problems.append("kolom hilang: " + ", ".join(missing))
    if extra:
        problems.append("kolom di luar kontrak: " + ", ".join(extra))
    if wrong:
        problems.append(
            "tipe salah: "
            + ", ".join(f"{c} {v['actual']} (kontrak {v['contract']})" for c, v in wrong.items())
        )
    if bad_contract_types:
        problems.append(
            "tipe di kontrak tidak dikenal DuckDB: "
            + ", ".join(f"{c} {t}" for c, t in bad_contract_types.items())
        )
    if problems:
        msg = (
            f"Struktur {target} tidak sesuai kontrak ({'; '.join(problems)}); model dbt atau "
            f"kontrak {contract.path.name} perlu diselaraskan sebelum mart terbit."
        )
        return result(
            MATCHES_CONTRACT,
            False,
            msg,
            f"schema of {target} differs from the contract",
            missing_columns=missing,
            extra_columns=extra,
            wrong_types=wrong,
            unknown_contract_types=bad_contract_types,
        )
    else:
        return result(
            MATCHES_CONTRACT,
            True,
            f"Kolom dan tipe {target} sesuai kontrak ({len(expected)} kolom).",
            "columns and types match the contract",
            columns=len(expected),
        )


def _check_required(
    con: duckdb.DuckDBPyConnection, contract: Contract, table: str, actual: dict[str, str], result
) -> CheckResult:
    target = contract.key
    required = [c.name for c in contract.columns if c.required and c.name in actual]
    required_missing = [c.name for c in contract.columns if c.required and c.name not in actual]
    nulls: dict[str, int] = {}
    if required:
        counts = con.execute(
            "select "
            + ", ".join(f"count(*) filter (where {qident(c)} is null)" for c in required)
            + f" from {table}"
        ).fetchone()
        nulls = {c: int(n) for c, n in zip(required, counts, strict=True) if n}
    if nulls or required_missing:
        parts = [f"{c} ({n} baris)" for c, n in nulls.items()]
        parts += [f"{c} (kolom tidak ada)" for c in required_missing]
        return result(
            REQUIRED_NOT_NULL,
            False,
            f"Kolom wajib di {target} berisi nilai kosong: {', '.join(parts)}; lengkapi data "
            "sumbernya atau perbaiki model sebelum mart terbit.",
            f"required columns with nulls: {nulls}; missing: {required_missing}",
            null_counts=nulls,
            missing_columns=required_missing,
        )
    else:
        return result(
            REQUIRED_NOT_NULL,
            True,
            f"Semua kolom wajib di {target} terisi.",
            "no nulls in required columns",
            required_columns=required,
        )


def _check_primary_key(
    con: duckdb.DuckDBPyConnection, contract: Contract, table: str, actual: dict[str, str], result
) -> CheckResult:
    target = contract.key
    pk = contract.primary_key
    pk_missing = [c for c in pk if c not in actual]
    if not pk:
        return result(
            PRIMARY_KEY_UNIQUE,
            True,
            f"Kontrak {target} tidak menetapkan kunci utama; tidak ada yang diperiksa.",
            "contract declares no primary key",
            skipped=True,
        )
    elif pk_missing:
        return result(
            PRIMARY_KEY_UNIQUE,
            False,
            f"Kunci utama {target} tidak dapat diperiksa karena kolom "
            f"{', '.join(pk_missing)} tidak ada.",
            f"primary key columns missing: {pk_missing}",
            primary_key=pk,
            missing_columns=pk_missing,
        )
    else:
        cols = ", ".join(qident(c) for c in pk)
        any_null = " or ".join(f"{qident(c)} is null" for c in pk)
        null_keys = con.execute(f"select count(*) from {table} where {any_null}").fetchone()[0]
        dup_groups = con.execute(
            f"select count(*) from (select 1 from {table} group by {cols} having count(*) > 1)"
        ).fetchone()[0]
        if dup_groups or null_keys:
            dup = con.execute(
                f"select {cols}, count(*) as n from {table} group by all having count(*) > 1 "
                f"order by n desc limit {_EXAMPLES}"
            ).fetchall()
            examples = [dict(zip([*pk, "jumlah"], map(_jsonable, row), strict=True)) for row in dup]
            shown = "; ".join(
                "/".join(str(e[c]) for c in pk) + f" ({e['jumlah']}x)" for e in examples
            )
            parts = []
            if dup_groups:
                parts.append(f"{dup_groups} nilai kunci muncul lebih dari sekali, mis. {shown}")
            if null_keys:
                parts.append(f"{null_keys} baris dengan kunci kosong")
            return result(
                PRIMARY_KEY_UNIQUE,
                False,
                f"Kunci utama {target} ({', '.join(pk)}) tidak unik: {'; '.join(parts)}; "
                "ada baris ganda yang harus dihapus atau digabung di model dbt.",
                f"primary key not unique: {dup_groups} duplicated keys, {null_keys} null keys",
                primary_key=pk,
                duplicate_keys=int(dup_groups),
                null_keys=int(null_keys),
                examples=examples,
            )
        else:
            return result(
                PRIMARY_KEY_UNIQUE,
                True,
                f"Kunci utama {target} ({', '.join(pk)}) unik.",
                "primary key is unique",
                primary_key=pk,
            )


def _check_rows(
    con: duckdb.DuckDBPyConnection, contract: Contract, table: str, result
) -> CheckResult:
    target = contract.key
    n_rows = con.execute(f"select count(*) from {table}").fetchone()[0]
    if n_rows > 0:
        return result(
            HAS_ROWS,
            True,
            f"{target} berisi {n_rows} baris.",
            f"{n_rows} rows",
            **{"dagster/row_count": n_rows},
        )
    elif contract.properties.get("bolehKosong"):
        # A mart filled by users, not by sources (saved scenarios): empty is a valid state.
        return result(
            HAS_ROWS,
            True,
            f"{target} kosong (0 baris); kontraknya mengizinkan tabel kosong.",
            "table is empty, which its contract allows (bolehKosong)",
            **{"dagster/row_count": 0},
        )
    else:
        return result(
            HAS_ROWS,
            False,
            f"{target} kosong (0 baris); kemungkinan data sumber belum masuk, jadi mart "
            "yang lama tetap dipakai.",
            "table is empty",
            **{"dagster/row_count": 0},
        )


def _jsonable(v: Any) -> Any:
    if v is None or isinstance(v, bool | int | float | str):
        return v
    return str(v)


# --------------------------------------------------------------------------------------------
# Build file housekeeping
# --------------------------------------------------------------------------------------------


def wal_path(db: Path) -> Path:
    return Path(f"{db}.wal")


def finalize_build(
    build_db: Path, drop_schemas: Sequence[str] = ("staging", "intermediate")
) -> dict[str, Any]:
    """After dbt exits, before the gate: drop the schemas that must not ship (views over raw
    Parquet), CHECKPOINT so the file is self-contained, and make sure no `.wal` is left.

    Opens the file read-write exactly once; call it only when no one else has it open."""
    build_db = Path(build_db)
    if not build_db.exists():
        raise FileNotFoundError(f"File build tidak ditemukan: {build_db}")
    with duckdb.connect(str(build_db), config=duckdb_config()) as con:
        present = {
            r[0]
            for r in con.execute(
                "select schema_name from information_schema.schemata "
                "where catalog_name = current_database()"
            ).fetchall()
        }
        dropped = [s for s in drop_schemas if s in present]
        for s in dropped:
            con.execute(f"drop schema {qident(s)} cascade")
        con.execute("checkpoint")
    if wal_path(build_db).exists():
        raise RuntimeError(
            f"File WAL {wal_path(build_db)} masih ada setelah CHECKPOINT; file build belum "
            "utuh, jadi tidak boleh diperiksa atau diterbitkan."
        )
    return {"build_db": str(build_db), "dropped_schemas": dropped, "size": build_db.stat().st_size}
