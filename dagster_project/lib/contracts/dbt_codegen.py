"""Derive dbt YAML from the data contracts, so a column is defined once.

- `dbt/models/staging/<system>/_<system>__sources.yml`: one dbt source per source contract, read
  from the raw Parquet that ingest writes (`external_location`), with column docs and key tests.
- `dbt/macros/contract_columns.sql`: the macro a staging model selects its contract columns with
  (typed casts, staging renames, the lineage columns), so a staging model never restates a type.
- `dbt/models/marts/<domain>/_<domain>__models.yml` (from `data_contracts/marts/`, one file per
  domain folder: the contract's `martDomain` customProperty names it) and
  `dbt/models/marts/core/_core__models.yml` (the published dims and facts, from
  `data_contracts/core/`): every model with `contract: enforced`, typed and described columns,
  constraints and tests.

One mechanism per kind of rule: on dims, facts and marts, types and not-null are the enforced dbt
contract and its `not_null` constraints; relationships are generated dbt tests, and so are
uniqueness and accepted values on dims and facts. A mart's key and allowed values are the quality
gate's (lib/gate/: `primary_key_unique`, `passes_expectations`), which blocks its publication and
tells the planner which rows, so the mart carries no dbt test restating them. Raw sources are
checked by ingest and the raw audit before dbt reads them, so their YAML carries only the tests a
contract adds by hand (`dbtTests`).

Run `apbd contracts generate` after editing a contract; a test fails while the files are stale.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import yaml

from dagster_project.lib.contracts.ingest_log import LOG_COLUMNS
from dagster_project.lib.contracts.model import (
    Column,
    Contract,
    core_contracts,
    mart_contracts,
    source_contracts,
)
from dagster_project.lib.core.paths import DBT_DIR, DataPaths, pemda_folder

HEADER = (
    "# GENERATED from {what} by `apbd contracts generate`. Do not edit by hand:\n"
    "# change the source of truth, then regenerate.\n"
)

# Columns ingest adds to every raw row so each figure traces back to its file (architecture rule 7).
LINEAGE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    (
        "_sumber_sha256",
        "varchar",
        "SHA-256 berkas kiriman asal baris ini. / SHA-256 of the source file.",
    ),
    (
        "_sumber_berkas",
        "varchar",
        "Jalur berkas kiriman di landing. / Landing path of the source file.",
    ),
    ("_baris", "integer", "Nomor baris di berkas asal. / Line number in the source file."),
    ("_dimuat_pada", "timestamp", "Waktu baris dimuat (UTC). / When the row was loaded (UTC)."),
)


# The names staging gives the lineage columns (every staging model ends with them).
LINEAGE_STAGING_NAMES = {
    "_sumber_sha256": "sumber_sha256",
    "_sumber_berkas": "sumber_berkas",
    "_baris": "sumber_baris",
    "_dimuat_pada": "dimuat_pada",
}


def _dbt_type(col: Column) -> str:
    return col.physical_type.lower()


def _column_tests(col: Column, contract: Contract, *, source: bool) -> list[object]:
    """Generated dbt data tests of a dim, fact or mart column. A required column gets a `not_null`
    constraint (`models_yaml`), never a `not_null` test as well: the enforced contract already
    fails the build on a null, so the test could never fail. A mart column gets no `unique` or
    `accepted_values` test: the gate checks them before publication (module docstring).

    A source gets none but the contract's own `dbtTests`: what a field says of raw rows is checked
    where they are written and again before dbt reads them (ingest validates every row: required,
    pattern, accepted values, lib/ingest/loader.py; the blocking asset check `matches_contract`
    re-checks the whole source: types, required, the key across files, lib/ingest/raw_audit.py).
    A generated test on a source could only fail if those two did, and cost a dbt node per column
    in every build (94 not_null, 11 key and 6 accepted-values nodes, a fifth of the build's)."""
    own = list(col.extra.get("dbtTests", ()))
    if source:
        return own
    tests: list[object] = []
    gated = contract.kind == "marts"  # the gate checks a mart's key and allowed values
    if not gated and (col.unique or (col.primary_key and len(contract.stored_primary_key) == 1)):
        tests.append("unique")
    if col.enum and not gated:
        tests.append({"accepted_values": {"arguments": _accepted(col)}})
    if col.relationship:
        model, field = col.relationship
        tests.append({"relationships": {"arguments": {"to": f"ref('{model}')", "field": field}}})
    if col.extra.get("countsPeople"):
        tests.append("sel_kecil")  # the small-cell rule (dbt/tests/generic/sel_kecil.sql)
    return tests + own


def _accepted(col: Column) -> dict[str, object]:
    """`accepted_values` arguments: the contract lists values as text; a number or boolean column
    compares them unquoted."""
    if col.logical_type in ("integer", "number", "boolean"):
        return {"values": [yaml.safe_load(v) for v in col.enum], "quote": False}
    return {"values": list(col.enum)}


def _key_test(contract: Contract, *, source: bool = False) -> list[object]:
    """The table's key, and any table-level test the contract adds (customProperty `dbtTests`:
    a dbt test that no contract field expresses, written in dbt's own form). A source's key is
    the raw audit's to check (see `_column_tests`), a mart's the gate's."""
    pk = contract.stored_primary_key
    tests: list[object] = []
    if contract.properties.get("keyScope") == "file" or source or contract.kind == "marts":
        # keyScope file: unique within a file; files overlap (several years each), staging
        # dedupes. A mart's key: the gate's `primary_key_unique`.
        pk = []
    if len(pk) > 1:
        tests.append(
            {"unique_combination_of_columns": {"arguments": {"combination_of_columns": pk}}}
        )
    return tests + list(contract.properties.get("dbtTests", ()))


# The sources' files, named relative to the data folder: dbt's DuckDB finds them through its
# file_search_path (lib/transform/dbt_duckdb.py), so the parsed project names no data folder.
DATA = DataPaths(Path())


def _location(pattern: str, *, slice_key: str | None = None, hive: bool = False) -> dict:
    """A Parquet source's meta: `pola_berkas` (the glob of its files: source_or_empty counts
    them) and the `external_location` dbt-duckdb reads. With `slice_key` (a per-pemda raw
    source, "system.table") the file list is that key's in the DuckDB variable irisan_berkas
    when a slice build sets it (the slice's pemda folders only: dbt/macros/irisan_pemda.sql),
    else every file."""
    files = f"['{pattern}']"
    if slice_key:
        files = f"coalesce(getvariable('irisan_berkas')['{slice_key}'], {files})"
    options = "union_by_name = true" + ("" if hive else ", hive_partitioning = false")
    return {"pola_berkas": pattern, "external_location": f"read_parquet({files}, {options})"}


def sources_yaml(system: str, contracts: list[Contract]) -> str:
    tables = []
    for c in contracts:
        columns = [
            {
                "name": col.name,
                "data_type": _dbt_type(col),
                "description": col.description,
                **({"data_tests": t} if (t := _column_tests(col, c, source=True)) else {}),
            }
            for col in c.stored_columns  # what raw Parquet holds: personal columns pseudonymised
        ]
        columns += [{"name": n, "data_type": t, "description": d} for n, t, d in LINEAGE_COLUMNS]
        table: dict[str, object] = {
            "name": c.table,
            "description": c.description,
            "config": {
                "meta": {
                    "contract": c.id,
                    "contract_version": c.version,
                    **_location(
                        f"{(DATA.raw / c.system / c.table).as_posix()}/**/*.parquet",
                        slice_key=f"{c.system}.{c.table}" if c.per_pemda else None,
                    ),
                    # one pemda's rows per file, under raw/<system>/<table>/pemda=<kode>/
                    # (the folder and the pemda level's prefix, read by the slice macro)
                    **(
                        {
                            "irisan_pemda": (DATA.raw / c.system / c.table).as_posix(),
                            "awalan_pemda": pemda_folder(""),
                        }
                        if c.per_pemda
                        else {}
                    ),
                }
            },
            "columns": columns,
        }
        if kt := _key_test(c, source=True):
            table["data_tests"] = kt
        tables.append(table)
    doc = {
        "version": 2,
        "sources": [
            {
                "name": system,
                "description": f"Data mentah {system} yang lolos kontrak, dari Parquet hasil ingest.",
                "tables": tables,
            }
        ],
    }
    return HEADER.format(what="data_contracts/sources") + _dump(doc)


def ingest_log_yaml() -> str:
    """The ingest log as dbt source `meta.ingest_log` (columns from `ingest_log.LOG_COLUMNS`)."""
    table = {
        "name": "ingest_log",
        "description": (
            "Log ingest: satu baris per versi berkas kiriman (dimuat atau ditolak). / One row per "
            "landing file version processed by ingest, loaded or rejected."
        ),
        "config": {
            "meta": {
                **_location(f"{DATA.ingest_log.as_posix()}/**/*.parquet"),
            }
        },
        "columns": [
            {"name": name, "data_type": _duck_type(dtype), "description": desc}
            for name, (dtype, desc) in LOG_COLUMNS.items()
        ],
    }
    doc = {
        "version": 2,
        "sources": [{"name": "meta", "description": "Metadata pipeline.", "tables": [table]}],
    }
    return HEADER.format(what="dagster_project/lib/contracts/ingest_log.py LOG_COLUMNS") + _dump(
        doc
    )


def scenario_source_yaml() -> str:
    """The scenario store (`data/scenarios/*.parquet`, written by `apbd scenario`) as dbt source
    `skenario.alokasi`, with the columns of the mart_skenario_alokasi contract: a saved scenario
    holds exactly the rows of that mart. No tests here; the mart carries them."""
    contract = mart_contracts()["mart_skenario_alokasi"]
    table = {
        "name": "alokasi",
        "description": (
            "Skenario alokasi yang disimpan `apbd scenario`, satu berkas Parquet per skenario. / "
            "Saved allocation scenarios, one Parquet file each."
        ),
        "config": {
            "meta": {
                "contract": contract.id,
                "contract_version": contract.version,
                **_location(f"{DATA.scenarios.as_posix()}/*.parquet", hive=True),
            }
        },
        "columns": [
            {"name": col.name, "data_type": _dbt_type(col), "description": col.description}
            for col in contract.columns
        ],
    }
    doc = {
        "version": 2,
        "sources": [
            {
                "name": "skenario",
                "description": "Penyimpanan skenario alokasi (data/scenarios).",
                "tables": [table],
            }
        ],
    }
    return HEADER.format(what="data_contracts/marts/mart_skenario_alokasi") + _dump(doc)


def staging_macro(contracts: list[Contract]) -> str:
    """`contract_columns(system, table, ...)`: the typed select list of a source's stored columns
    and its lineage, as a staging model needs it; `rename`, `cast_as`, `exclude` and `relation`
    (a prefix such as `source.`) cover what a staging model does differently."""
    lines = [
        "{#- GENERATED from data_contracts/sources by `apbd contracts generate`. Do not edit by hand:",
        "    change the contract, then regenerate. One entry per stored column: source name, type",
        "    (the contract's physical type), staging name. -#}",
        "{% macro contract_columns(system, table, rename={}, cast_as={}, exclude=[], relation='') -%}",
        "    {%- set columns = {",
    ]
    lineage = [(n, t, LINEAGE_STAGING_NAMES[n]) for n, t, _ in LINEAGE_COLUMNS]
    for c in contracts:
        lines.append(f"        '{c.system}.{c.table}': [")
        stored = [(col.name, _dbt_type(col), col.name) for col in c.stored_columns]
        lines += [f"            ['{n}', '{t}', '{s}']," for n, t, s in stored + lineage]
        lines.append("        ],")
    lines += [
        "    }[system ~ '.' ~ table] -%}",
        "    {%- for name, type, staging_name in columns if name not in exclude %}",
        "        cast({{ relation }}{{ name }} as {{ cast_as.get(name, type) }})",
        "        as {{ rename.get(name, staging_name) }}{{ ',' if not loop.last }}",
        "    {%- endfor %}",
        "{%- endmacro %}",
        "",
    ]
    return "\n".join(lines)


def _duck_type(dtype: object) -> str:
    import polars as pl

    return {pl.String(): "varchar", pl.Int32(): "integer", pl.Int64(): "bigint"}.get(
        dtype, "timestamp"
    )


def materialization(c: Contract) -> str:
    """`irisan_pemda` for a published table keyed by pemda (a slice build recomputes only the
    pemda whose data changed: dbt/macros/irisan_pemda.sql), `table` for one without kode_pemda or
    whose contract says why it is built whole (customProperty `dibangunUtuh`)."""
    if "kode_pemda" in c.column_names and not c.properties.get("dibangunUtuh"):
        return "irisan_pemda"
    return "table"


def models_yaml(contracts: list[Contract], what: str) -> str:
    models = []
    for c in contracts:
        columns = []
        for col in c.columns:
            entry: dict[str, object] = {
                "name": col.name,
                "data_type": _dbt_type(col),
                "description": col.description,
            }
            if col.required:
                entry["constraints"] = [{"type": "not_null"}]
                if materialization(c) == "irisan_pemda":
                    # dbt knows only its own materialisations enforce constraints; irisan_pemda
                    # creates the table as `table` does (create_table_as, with the contract)
                    entry["constraints"][0]["warn_unsupported"] = False
            if col.extra.get("countsPeople"):  # published counts of people: one rule covers all
                entry["config"] = {"meta": {"hitungan_orang": True}}
            if t := _column_tests(col, c, source=False):
                entry["data_tests"] = t
            columns.append(entry)
        model: dict[str, object] = {
            "name": c.table,
            "description": c.description,
            "config": {
                "contract": {"enforced": True},
                "materialized": materialization(c),
                "meta": {"contract": c.id, "contract_version": c.version},
            },
            "columns": columns,
        }
        if kt := _key_test(c):
            model["data_tests"] = kt
        models.append(model)
    return HEADER.format(what=what) + _dump({"version": 2, "models": models})


def _dump(doc: object) -> str:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)


def _marts_by_domain() -> dict[str, list[Contract]]:
    """Mart contracts by the domain folder they are built in (dbt/models/marts/<martDomain>/)."""
    by_domain: dict[str, list[Contract]] = defaultdict(list)
    for c in mart_contracts().values():
        domain = c.properties.get("martDomain")
        if not domain:
            raise ValueError(
                f"{c.path}: customProperty martDomain missing (the folder under dbt/models/marts/)"
            )
        by_domain[str(domain)].append(c)
    return by_domain


def generated_files() -> dict[Path, str]:
    """Every generated file (dbt YAML and the staging macro) and the text it should hold."""
    by_system: dict[str, list[Contract]] = defaultdict(list)
    for c in source_contracts().values():
        by_system[c.system].append(c)
    files = {
        DBT_DIR / "models" / "staging" / system / f"_{system}__sources.yml": sources_yaml(
            system, cs
        )
        for system, cs in sorted(by_system.items())
    }
    files[DBT_DIR / "models" / "staging" / "meta" / "_meta__sources.yml"] = ingest_log_yaml()
    files[DBT_DIR / "macros" / "contract_columns.sql"] = staging_macro(
        [c for _, cs in sorted(by_system.items()) for c in cs]
    )
    if "mart_skenario_alokasi" in mart_contracts():
        files[DBT_DIR / "models" / "staging" / "skenario" / "_skenario__sources.yml"] = (
            scenario_source_yaml()
        )
    for domain, marts in sorted(_marts_by_domain().items()):
        files[DBT_DIR / "models" / "marts" / domain / f"_{domain}__models.yml"] = models_yaml(
            marts, f"data_contracts/marts (martDomain: {domain})"
        )
    if core := list(core_contracts().values()):
        files[DBT_DIR / "models" / "marts" / "core" / "_core__models.yml"] = models_yaml(
            core, "data_contracts/core"
        )
    return files


def write_generated() -> list[Path]:
    """Write the generated files; return those that changed."""
    changed = []
    for path, text in generated_files().items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


def stale_files() -> list[Path]:
    return [
        p
        for p, t in generated_files().items()
        if not p.exists() or p.read_text(encoding="utf-8") != t
    ]
