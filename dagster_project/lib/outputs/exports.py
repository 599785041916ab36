"""Open-data export of the published mart: Parquet and CSV of every `marts.*` table, described by
one Fiscal Data Package (`datapackage.json`).

The package is a Tabular Data Package (validated offline by `frictionless`) carrying the fiscal
modelling of the Fiscal Data Package spec in both of its forms, so OpenSpending-style tools of
either generation can read it:

- v1.0: each field of `mart_anggaran_realisasi` has a `columnType` from the os-types taxonomy;
  the three money columns carry `normalize` with their budget phase (pagu murni → `approved`,
  pagu perubahan → `adjusted`, realisasi → `executed`) and `extraFields` name the unpivoted
  amount, phase, currency (IDR) and direction (expenditure);
- v0.3 (the `model` property that domain.md §5 describes): measures with currency, factor,
  direction and phase; dimensions with dimensionType and classificationType.

Classifications: administrative = OPD; functional = fungsi; economic = akun (levels 1–4 and 6);
programme = urusan → bidang urusan → program → kegiatan → sub kegiatan (a project-specific
columnType family declared in `columnTypes`, as the spec allows); funding source = sumber dana.

One pemda per package (`apbd ekspor --pemda`, default: the only pemda of the mart, else the
deployment's pemda_bawaan): every table keyed by kode_pemda is exported with that pemda's rows
only (its peer groups too); national tables (dim_akun, …) and those whose contract says
`eksporSemuaPemda` (dim_pemda, the peers' figures in mart_pembanding_pemda) whole. Name, title,
region and sources are the pemda's (`dim_pemda`). Samarinda's package keeps its name and folder
(`apbd-kota-samarinda`, `exports/apbd`); another pemda's goes to `exports/apbd_<kode>`.

Descriptions (Indonesian / English), required columns and primary keys come from the mart
contracts and the dbt YAML; nothing is written twice. Text cells in CSV are neutralised against
formula injection (`safe_cells.neutralise_sql`). The export is built in a temporary folder and moved
into place, so a half-written export is never visible.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dagster_project.lib.contracts.pemda import DEFAULT_PEMDA, Pemda
from dagster_project.lib.core.files import read_yaml, sha256_file
from dagster_project.lib.core.paths import DBT_DIR
from dagster_project.lib.core.safe_cells import neutralise_sql
from dagster_project.lib.core.sql import qident, qstring

if TYPE_CHECKING:
    import duckdb

    from dagster_project.lib.core.paths import DataPaths

FISCAL_TABLE = "mart_anggaran_realisasi"
PHASES = {  # mart column → FDP budget phase
    "pagu_murni_rp": "approved",
    "pagu_perubahan_rp": "adjusted",
    "realisasi_rp": "executed",
}

# os-types column types of the fiscal resource; programme and funding-source types are ours.
COLUMN_TYPES = {
    "tahun": "date:fiscal-year",
    "kode_skpd": "administrative-classification:generic:level1:code:full",
    "nama_skpd": "administrative-classification:generic:level1:label",
    "kode_urusan": "programme-classification:permendagri90:level1:code:full",
    "nama_urusan": "programme-classification:permendagri90:level1:label",
    "kode_bidang_urusan": "programme-classification:permendagri90:level2:code:full",
    "nama_bidang_urusan": "programme-classification:permendagri90:level2:label",
    "kode_program": "programme-classification:permendagri90:level3:code:full",
    "nama_program": "programme-classification:permendagri90:level3:label",
    "kode_kegiatan": "programme-classification:permendagri90:level4:code:full",
    "nama_kegiatan": "programme-classification:permendagri90:level4:label",
    "kode_sub_kegiatan": "programme-classification:permendagri90:level5:code:full",
    "nama_sub_kegiatan": "programme-classification:permendagri90:level5:label",
    "kode_fungsi": "functional-classification:generic:level1:code:full",
    "nama_fungsi": "functional-classification:generic:level1:label",
    "kode_akun_1": "economic-classification:generic:level1:code:full",
    "nama_akun_1": "economic-classification:generic:level1:label",
    "kode_akun_2": "economic-classification:generic:level2:code:full",
    "nama_akun_2": "economic-classification:generic:level2:label",
    "kode_akun_3": "economic-classification:generic:level3:code:full",
    "nama_akun_3": "economic-classification:generic:level3:label",
    "kode_akun_4": "economic-classification:generic:level4:code:full",
    "nama_akun_4": "economic-classification:generic:level4:label",
    "kode_akun": "economic-classification:generic:level6:code:full",
    "nama_akun": "economic-classification:generic:level6:label",
    "kode_sumber_dana": "funding-source:permendagri90:code:full",
    "nama_sumber_dana": "funding-source:permendagri90:label",
}
_PROGRAMME_LEVELS = ("urusan", "bidang urusan", "program", "kegiatan", "sub kegiatan")


def _custom_column_types() -> list[dict[str, Any]]:
    """Explicit definitions of the column types os-types does not have (FDP 'explicit typing')."""
    base = "programme-classification:permendagri90"
    out: list[dict[str, Any]] = []
    for i, name in enumerate(_PROGRAMME_LEVELS, start=1):
        code = {
            "name": f"{base}:level{i}:code:full",
            "dataType": "string",
            "dimensionType": "classification",
            "classificationType": "programme",
            "uniqueIdentifier": True,
            "description": f"Nomenklatur Permendagri 90/2019: kode {name}.",
        }
        if i > 1:
            code["parent"] = f"{base}:level{i - 1}:code"
        out.append(code)
        out.append(
            {
                "name": f"{base}:level{i}:label",
                "dataType": "string",
                "dimensionType": "classification",
                "classificationType": "programme",
                "labelfor": f"{base}:level{i}:code",
            }
        )
    for level in (6,):  # os-types stops at level 4; kode_akun is the level-6 sub rincian objek
        out.append(
            {
                "name": f"economic-classification:generic:level{level}:code:full",
                "dataType": "string",
                "dimensionType": "classification",
                "classificationType": "economic",
                "parent": "economic-classification:generic:level4:code",
                "uniqueIdentifier": True,
                "description": "Kode rekening tingkat 6 (sub rincian objek), Permendagri 90/2019.",
            }
        )
        out.append(
            {
                "name": f"economic-classification:generic:level{level}:label",
                "dataType": "string",
                "dimensionType": "classification",
                "classificationType": "economic",
                "labelfor": f"economic-classification:generic:level{level}:code",
            }
        )
    out.append(
        {
            "name": "funding-source:permendagri90:code:full",
            "dataType": "string",
            "dimensionType": "classification",
            "uniqueIdentifier": True,
            "description": "Kode sumber dana (Permendagri 90/2019).",
        }
    )
    out.append(
        {
            "name": "funding-source:permendagri90:label",
            "dataType": "string",
            "dimensionType": "classification",
            "labelfor": "funding-source:permendagri90:code",
        }
    )
    return out


# --------------------------------------------------------------------------------------------
# Table documentation: contracts for the marts, dbt YAML for dims/facts
# --------------------------------------------------------------------------------------------


@dataclass
class TableDoc:
    description: str = ""
    columns: dict[str, str] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)
    primary_key: list[str] = field(default_factory=list)
    units: dict[str, str] = field(default_factory=dict)
    people: set[str] = field(default_factory=set)  # counts of people: the small-cell rule


def _is_hard_not_null(test: object) -> bool:
    """A `not_null` test that always applies and fails the build (not a warning, no `where`)."""
    if test == "not_null":
        return True
    if isinstance(test, dict) and "not_null" in test:
        config = (test["not_null"] or {}).get("config", {})
        return config.get("severity", "error") != "warn" and not config.get("where")
    return False


def _tests(entry: dict[str, Any]) -> list[Any]:
    return list(entry.get("data_tests") or entry.get("tests") or [])


@cache
def table_docs() -> dict[str, TableDoc]:
    """Descriptions, required columns and keys of every model under dbt/models/marts."""
    from dagster_project.lib.contracts.model import mart_contracts

    docs: dict[str, TableDoc] = {}
    for yml in sorted((DBT_DIR / "models" / "marts").rglob("_*__models.yml")):
        for model in (read_yaml(yml) or {}).get("models", []):
            doc = TableDoc(description=" ".join((model.get("description") or "").split()))
            for test in _tests(model):
                if isinstance(test, dict) and "unique_combination_of_columns" in test:
                    args = test["unique_combination_of_columns"]
                    args = args.get("arguments", args)
                    doc.primary_key = list(args["combination_of_columns"])
            for col in model.get("columns", []):
                doc.columns[col["name"]] = " ".join((col.get("description") or "").split())
                if ((col.get("config") or {}).get("meta") or {}).get("hitungan_orang"):
                    doc.people.add(col["name"])
                names = {t if isinstance(t, str) else next(iter(t)) for t in _tests(col)}
                if any(_is_hard_not_null(t) for t in _tests(col)):
                    doc.required.add(col["name"])
                if "unique" in names and not doc.primary_key:
                    doc.primary_key = [col["name"]]
            docs[model["name"]] = doc
    for name, contract in mart_contracts().items():
        doc = docs.setdefault(name, TableDoc())
        doc.description = contract.description or doc.description
        doc.columns.update({c.name: c.description for c in contract.columns})
        doc.required |= {c.name for c in contract.columns if c.required}
        doc.primary_key = contract.primary_key or doc.primary_key
        doc.units = {c.name: c.unit for c in contract.columns if c.unit}
        doc.people |= {c.name for c in contract.columns if c.extra.get("countsPeople")}
    return docs


class SmallCellError(RuntimeError):
    """A published count of people below the threshold: nothing is exported."""


def small_cell_rule(
    con: duckdb.DuckDBPyConnection, tables: list[str], pemda: Pemda | None = None
) -> dict[str, Any]:
    """The small-cell rule as the mart was published with it (threshold from
    `reference.ref_ambang_sel_kecil`, people-count columns from the contracts and dbt YAML), after
    checking it holds in every table (`pemda`'s rows when given): a cell between 1 and
    threshold - 1 stops the export."""
    docs = table_docs()
    (ambang,) = con.execute(
        "select max(ambang_minimum) from reference.ref_ambang_sel_kecil "
        "where kode_aturan = 'sel_kecil'"
    ).fetchone()
    counted = {t: sorted(docs[t].people) for t in tables if t in docs and docs[t].people}
    for t, cols in counted.items():
        for c in cols:
            (n,) = con.execute(
                f"select count(*) from marts.{qident(t)} where {qident(c)} > 0 and {qident(c)} < ?"
                + _and_pemda(con, t, pemda),
                [ambang],
            ).fetchone()
            if n:
                raise SmallCellError(
                    f"{n} baris marts.{t}.{c} menghitung kurang dari {ambang} orang; ekspor "
                    "dibatalkan (UU PDP). Terbitkan ulang mart dengan `apbd run`."
                )
    return {
        "ambang_sel_minimum": ambang,
        "kolom_hitungan_orang": {t: cols for t, cols in counted.items()},
        "aturan": (
            f"Setiap angka yang menghitung orang di bawah {ambang} tidak diterbitkan (kosong, "
            "dengan tanda dan alasan), beserta sel pelengkap yang memungkinkan sel kecil "
            "dihitung ulang dari total (reference.ref_ambang_sel_kecil, UU 27/2022 PDP). / "
            f"Every count of people below {ambang} is suppressed, with complementary cells."
        ),
    }


# --------------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------------

_TYPES = {
    "VARCHAR": "string",
    "INTEGER": "integer",
    "BIGINT": "integer",
    "SMALLINT": "integer",
    "HUGEINT": "integer",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "DOUBLE": "number",
    "FLOAT": "number",
}


def _field_type(duck_type: str) -> str:
    t = duck_type.upper()
    if t.startswith("DECIMAL"):
        return "number"
    if t.startswith("TIMESTAMP"):
        return "datetime"
    return _TYPES.get(t, "string")


@dataclass
class ExportResult:
    folder: Path
    descriptor: Path
    tables: dict[str, int]  # table → rows
    seconds: float = 0.0


def package_name(pemda: Pemda) -> str:
    """`apbd-kota-samarinda`, `apbd-kabupaten-kutai-kartanegara`."""
    return "apbd-" + re.sub(r"[^a-z0-9]+", "-", pemda.nama_pemda.lower()).strip("-")


def default_folder(paths: DataPaths, pemda: Pemda) -> Path:
    """Where `apbd ekspor` writes without --keluar: `exports/apbd` for Samarinda (as before the
    pemda key), `exports/apbd_<kode>` for another pemda, so two pemda never share a folder."""
    if pemda.kode_pemda == DEFAULT_PEMDA:
        return paths.exports / "apbd"
    return paths.exports / f"apbd_{pemda.kode_pemda}"


def _has_pemda(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    (n,) = con.execute(
        "select count(*) from information_schema.columns where table_schema = 'marts' "
        "and table_name = ? and column_name = 'kode_pemda'",
        [table],
    ).fetchone()
    return n > 0


def _and_pemda(con: duckdb.DuckDBPyConnection, table: str, pemda: Pemda | None) -> str:
    """` and kode_pemda = '<kode>'`: a package holds `pemda`'s rows of every table keyed by
    kode_pemda, its peer groups and its place among them included (mart_kelompok_pembanding lists
    every kab/kota's groups: 382,549 rows, of which Samarinda's are 571). '' for a table without
    kode_pemda (a national code list, dim_akun …), one whose contract says every pemda's rows
    belong in each package (customProperty `eksporSemuaPemda`: the region list, the peers' own
    figures a pemda is compared with), and a mart published before the pemda key."""
    if pemda is None or not _has_pemda(con, table) or not _has_pemda(con, "dim_opd"):
        return ""
    if table in _whole_tables():
        return ""
    return " and kode_pemda = " + qstring(pemda.kode_pemda)


@cache
def _whole_tables() -> frozenset[str]:
    """Tables exported with every pemda's rows (contract customProperty `eksporSemuaPemda`)."""
    from dagster_project.lib.contracts.model import core_contracts, mart_contracts

    contracts = {**core_contracts(), **mart_contracts()}
    return frozenset(n for n, c in contracts.items() if c.properties.get("eksporSemuaPemda"))


def mart_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts' order by 1"
        ).fetchall()
    ]


def _resource(
    con: duckdb.DuckDBPyConnection, table: str, folder: Path, doc: TableDoc
) -> dict[str, Any]:
    cols = con.execute(f"describe marts.{qident(table)}").fetchall()
    fields = []
    for name, duck_type, *_ in cols:
        f: dict[str, Any] = {"name": name, "type": _field_type(duck_type)}
        if doc.columns.get(name):
            f["description"] = doc.columns[name]
        if name in doc.required:
            f["constraints"] = {"required": True}
        if unit := doc.units.get(name):
            f["unit"] = unit
        if table == FISCAL_TABLE:
            if name in COLUMN_TYPES:
                f["columnType"] = COLUMN_TYPES[name]
            if name in PHASES:
                f["normalize"] = {"tahap_fiskal": PHASES[name]}
        fields.append(f)
    schema: dict[str, Any] = {"fields": fields, "missingValues": [""]}
    if doc.primary_key:
        schema["primaryKey"] = doc.primary_key
    if table == FISCAL_TABLE:
        schema["extraFields"] = [
            {
                "name": "nilai_rp",
                "type": "number",
                "columnType": "value",
                "normalizationTarget": True,
                "description": "Nilai rupiah satu tahap anggaran. / Amount of one budget phase.",
            },
            {
                "name": "tahap_fiskal",
                "type": "string",
                "columnType": "phase",
                "description": (
                    "Tahap: approved = pagu murni, adjusted = pagu perubahan, executed = "
                    "realisasi SP2D. / Budget phase."
                ),
            },
            {
                "name": "mata_uang",
                "type": "string",
                "columnType": "value-currency:code",
                "constant": "IDR",
            },
            {
                "name": "arah",
                "type": "string",
                "columnType": "direction",
                "constant": "expenditure",
            },
        ]
    csv = folder / "csv" / f"{table}.csv"
    return {
        "name": table,
        "title": doc.description.split(" / ")[0][:120] if doc.description else table,
        "description": doc.description,
        "path": f"csv/{table}.csv",
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "bytes": csv.stat().st_size,
        "hash": f"sha256:{sha256_file(csv)}",
        "schema": schema,
    }


def _model_v03() -> dict[str, Any]:
    """The v0.3 `model`: measures with phase/currency/direction, dimensions by classification."""

    def dim(dtype: str, attrs: dict[str, str], pk: list[str], **extra: Any) -> dict[str, Any]:
        return {
            "dimensionType": dtype,
            **extra,
            "primaryKey": pk,
            "attributes": {
                a: {"source": src, "resource": FISCAL_TABLE} for a, src in attrs.items()
            },
        }

    measures = {
        name.removesuffix("_rp"): {
            "source": name,
            "resource": FISCAL_TABLE,
            "currency": "IDR",
            "factor": 1,
            "direction": "expenditure",
            "phase": phase,
        }
        for name, phase in PHASES.items()
    }
    return {
        "measures": measures,
        "dimensions": {
            "tahun": dim("datetime", {"tahun": "tahun"}, ["tahun"]),
            "opd": dim(
                "classification",
                {"kode_skpd": "kode_skpd", "nama_skpd": "nama_skpd"},
                ["kode_skpd"],
                classificationType="administrative",
            ),
            "fungsi": dim(
                "classification",
                {"kode_fungsi": "kode_fungsi", "nama_fungsi": "nama_fungsi"},
                ["kode_fungsi"],
                classificationType="functional",
            ),
            "akun": dim(
                "classification",
                {
                    c: c
                    for c in (
                        "kode_akun_1",
                        "nama_akun_1",
                        "kode_akun_2",
                        "nama_akun_2",
                        "kode_akun_3",
                        "nama_akun_3",
                        "kode_akun_4",
                        "nama_akun_4",
                        "kode_akun",
                        "nama_akun",
                    )
                },
                ["kode_akun"],
                classificationType="economic",
            ),
            "nomenklatur": dim(
                "classification",
                {
                    c: c
                    for lvl in ("urusan", "bidang_urusan", "program", "kegiatan", "sub_kegiatan")
                    for c in (f"kode_{lvl}", f"nama_{lvl}")
                },
                ["kode_sub_kegiatan"],
                classificationType="programme",
            ),
            "sumber_dana": dim(
                "classification",
                {"kode_sumber_dana": "kode_sumber_dana", "nama_sumber_dana": "nama_sumber_dana"},
                ["kode_sumber_dana"],
            ),
        },
    }


def build_descriptor(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    tables: list[str],
    meta: dict[str, Any],
    now: datetime,
    pemda: Pemda,
) -> dict[str, Any]:
    docs = table_docs()
    fiscal = FISCAL_TABLE in tables
    years = (
        [
            r[0]
            for r in con.execute(
                f"select distinct tahun from marts.{FISCAL_TABLE} where true"
                + _and_pemda(con, FISCAL_TABLE, pemda)
                + " order by tahun"
            ).fetchall()
        ]
        if fiscal
        else []
    )
    nama = pemda.nama_pemda
    # 'Samarinda', 'Kutai Kartanegara': the name without its kind, as people search for it
    singkat = re.sub(r"^(Kota|Kabupaten|Provinsi)\s+", "", nama)
    descriptor = {
        "profile": "tabular-data-package",
        "name": package_name(pemda),
        "title": f"APBD {nama}: pagu dan realisasi (Fiscal Data Package)",
        "description": (
            f"Mart APBD terbit {nama}: pagu DPA murni dan perubahan, realisasi SP2D, "
            "rencana kas bulanan, dimensi dan fakta. Tabel utama mart_anggaran_realisasi "
            "dipetakan sebagai Fiscal Data Package (tahap murni → approved, perubahan → adjusted, "
            f"realisasi → executed). / The published APBD mart of {nama} as a Fiscal Data "
            "Package."
        ),
        "version": str(meta.get("version", "")),
        "created": now.isoformat(timespec="seconds"),
        "keywords": ["APBD", singkat, "anggaran", "realisasi", "fiscal-data-package"],
        "countryCode": "ID",
        "regionCode": pemda.kode_pemda,
        "fiscalPeriod": {"start": f"{years[0]}-01-01", "end": f"{years[-1]}-12-31"}
        if years
        else None,
        "sources": [
            {"title": "SIPD RI: DPA sub kegiatan, rincian dan anggaran kas (per OPD)"},
            {"title": f"BPKAD {nama}: SP2D"},
        ],
        "apbd": {
            "mart_version": meta.get("version"),
            "mart_published_at": meta.get("published_at"),
            "mart_run_id": meta.get("run_id"),
            "mart_sha256": meta.get("sha256"),
        },
        "kerahasiaan": small_cell_rule(con, tables, pemda),
        "columnTypes": _custom_column_types(),
        "model": _model_v03(),
        "resources": [_resource(con, t, folder, docs.get(t, TableDoc())) for t in tables],
    }
    if not years:
        del descriptor["fiscalPeriod"]
    if not fiscal:  # nothing to map: a plain tabular package
        del descriptor["columnTypes"], descriptor["model"]
    return descriptor


def export_published(
    paths: DataPaths,
    out_dir: Path | None = None,
    *,
    on_progress: Callable[[str, int, int], None] | None = None,
    now: datetime | None = None,
    pemda: str | None = None,
) -> ExportResult:
    """Write Parquet, CSV and `datapackage.json` for every `marts.*` table, with the rows of pemda
    `pemda` (None: `contracts.pemda.pilih_pemda_terbit`'s default), into `out_dir` (default
    `default_folder`), replacing a previous export only once the new one is whole."""
    import time

    from dagster_project.lib.contracts.pemda import pilih_pemda_terbit
    from dagster_project.lib.outputs.reports import published_meta
    from dagster_project.lib.publish.publisher import open_published

    t0 = time.perf_counter()
    with open_published(paths) as con:
        dipilih = pilih_pemda_terbit(con, paths, pemda)
    out_dir = Path(out_dir or default_folder(paths, dipilih)).resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    work = out_dir.with_name(f".{out_dir.name}.{os.getpid()}.tmp")
    shutil.rmtree(work, ignore_errors=True)
    (work / "csv").mkdir(parents=True)
    (work / "parquet").mkdir()
    meta = published_meta(paths)
    now = now or datetime.now().astimezone()
    progress = on_progress or (lambda _desc, _done, _total: None)
    rows: dict[str, int] = {}
    try:
        with open_published(paths) as con:
            tables = mart_tables(con)
            total = 2 * len(tables) + 1
            done = 0
            for t in tables:
                cols = con.execute(f"describe marts.{qident(t)}").fetchall()
                progress(f"Parquet {t}", done, total)
                where = "where true" + _and_pemda(con, t, dipilih)
                con.execute(
                    f"copy (select * from marts.{qident(t)} {where}) to "
                    f"{qstring(work / 'parquet' / (t + '.parquet'))} "
                    "(format parquet, compression zstd)"
                )
                done += 1
                progress(f"CSV {t}", done, total)
                select = ", ".join(
                    f"{neutralise_sql(qident(n))} as {qident(n)}"
                    if typ.upper() == "VARCHAR"
                    else qident(n)
                    for n, typ, *_ in cols
                )
                con.execute(
                    f"copy (select {select} from marts.{qident(t)} {where}) to "
                    f"{qstring(work / 'csv' / (t + '.csv'))} (format csv, header, delimiter ',')"
                )
                (rows[t],) = con.execute(
                    f"select count(*) from marts.{qident(t)} {where}"
                ).fetchone()
                done += 1
            progress("datapackage.json", done, total)
            descriptor = build_descriptor(con, work, tables, meta, now, dipilih)
        (work / "datapackage.json").write_text(
            json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        old = out_dir.with_name(f".{out_dir.name}.{os.getpid()}.old")
        if out_dir.exists():
            os.replace(out_dir, old)
        os.replace(work, out_dir)
        shutil.rmtree(old, ignore_errors=True)
        progress("selesai", total, total)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return ExportResult(
        folder=out_dir,
        descriptor=out_dir / "datapackage.json",
        tables=rows,
        seconds=time.perf_counter() - t0,
    )


def validate_package(descriptor: Path) -> list[str]:
    """Validate the package (descriptor, every CSV against its schema, keys, sizes and sha256)
    offline with frictionless; returns the errors as readable lines (empty when valid)."""
    from frictionless import validate

    report = validate(str(descriptor))
    if report.valid:
        return []
    return [
        f"{task.name}: {err.type}: {err.message}"
        for task in report.tasks
        for err in task.errors[:20]
    ] + [f"paket: {err.type}: {err.message}" for err in report.errors[:20]]
