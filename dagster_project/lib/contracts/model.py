"""Data contracts (ODCS v3): the one place a column is defined.

Readers, row validation, dbt source/model YAML and docs are all derived from the contract files in
`data_contracts/`. This module loads them (validated by the standard's own pydantic model) into a
small, typed view the rest of the code uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl
from open_data_contract_standard.model import OpenDataContractStandard, SchemaProperty

from dagster_project.lib.core.files import read_yaml
from dagster_project.lib.core.paths import CONTRACTS_DIR

# The shared column of every pemda-level source (data_contracts/shared/kode_pemda.yaml).
PEMDA_COLUMN = "kode_pemda"
NATIONAL = "nasional"  # a source contract's `cakupan`: its files carry every pemda, own codes

_DECIMAL = re.compile(r"^DECIMAL\((\d+),\s*(\d+)\)$", re.IGNORECASE)


@dataclass(frozen=True)
class Column:
    name: str
    logical_type: str
    physical_type: str
    required: bool = False
    primary_key: bool = False
    unique: bool = False
    description: str = ""
    pattern: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: float | None = None
    enum: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    reference: tuple[str, str] | None = None  # (seed name, column), e.g. ("ref_opd", "kode_skpd")
    unit: str | None = None
    relationship: tuple[str, str] | None = None  # (model, column) for mart foreign keys
    classification: str | None = None  # ODCS `classification`, e.g. "restricted" for personal data
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def polars_dtype(self) -> pl.DataType:
        return polars_dtype(self.physical_type)

    @property
    def is_money(self) -> bool:
        return self.unit == "IDR"

    @property
    def personal_data(self) -> dict[str, Any] | None:
        """The `personalData` customProperty: how ingest replaces this column before anything is
        written (`transform`: hmac, age_band or drop; `output`: the column it becomes)."""
        value = self.extra.get("personalData")
        return value if isinstance(value, dict) else None

    def stored(self) -> Column | None:
        """The column as raw Parquet holds it: itself, its pseudonymised form, or None (dropped)."""
        pd = self.personal_data
        if pd is None:
            return self
        transform = pd.get("transform")
        if transform == "drop":
            return None
        if transform not in ("hmac", "age_band", "npwp", "badan_only"):
            raise ValueError(f"{self.name}: unknown personalData transform {transform!r}")
        if transform in ("npwp", "badan_only"):  # clear for a company, hidden for a person
            return Column(
                name=pd["output"],
                logical_type="string",
                physical_type="VARCHAR",
                required=self.required,
                description=" ".join(str(pd.get("description", "")).split()),
                pattern=r"^(0[0-9]{15}|[0-9a-f]{64})$" if transform == "npwp" else None,
                extra={"derivedFrom": self.name, "transform": transform},
            )
        return Column(
            name=pd["output"],
            logical_type="string",
            physical_type="VARCHAR",
            required=self.required,
            primary_key=self.primary_key if transform == "hmac" else False,
            unique=self.unique if transform == "hmac" else False,
            description=" ".join(str(pd.get("description", "")).split()),
            pattern=r"^[0-9a-f]{64}$" if transform == "hmac" else None,
            enum=tuple(pd.get("values", ())) if transform == "age_band" else (),
            extra={"derivedFrom": self.name, "transform": transform},
        )


@dataclass(frozen=True)
class Contract:
    """One ODCS contract with one schema object (one table)."""

    path: Path
    id: str
    name: str
    version: str
    kind: str  # "sources", "core" (published dims and facts) or "marts"
    system: str  # e.g. "sipd"; "marts" for a published table (dim, fact or mart: schema marts)
    table: str
    description: str
    columns: tuple[Column, ...]
    properties: dict[str, Any]
    retention_days: int | None = (
        None  # ODCS slaProperties `retention`: how long a sent file is kept
    )

    @property
    def key(self) -> str:
        return f"{self.system}.{self.table}"

    @property
    def primary_key(self) -> list[str]:
        return [c.name for c in self.columns if c.primary_key]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def polars_schema(self) -> dict[str, pl.DataType]:
        return {c.name: c.polars_dtype for c in self.columns}

    @property
    def text_columns(self) -> dict[str, str]:
        """Numeric column -> the text column that takes its non-numeric cells (`textColumn`)."""
        return {c.name: c.extra["textColumn"] for c in self.columns if c.extra.get("textColumn")}

    # What raw Parquet holds. `columns` are what a submitter sends (readers and row validation use
    # them); personal columns never reach raw: ingest replaces each by its `stored()` form.
    @property
    def has_personal_data(self) -> bool:
        return any(c.personal_data for c in self.columns)

    @property
    def stored_columns(self) -> tuple[Column, ...]:
        return tuple(s for c in self.columns if (s := c.stored()) is not None)

    @property
    def stored_column_names(self) -> list[str]:
        return [c.name for c in self.stored_columns]

    @property
    def stored_primary_key(self) -> list[str]:
        return [c.name for c in self.stored_columns if c.primary_key]

    @property
    def stored_polars_schema(self) -> dict[str, pl.DataType]:
        return {c.name: c.polars_dtype for c in self.stored_columns}

    # Landing conventions (source contracts only)
    @property
    def submitter(self) -> str:
        return self.properties.get("submitter", "opd")

    @property
    def per_opd(self) -> bool:
        return self.submitter == "opd"

    @property
    def per_pemda(self) -> bool:
        """One pemda's data (every row carries `kode_pemda`, files land under the pemda's
        folder), as opposed to a national file (`cakupan: nasional`: DJPK, BPS kab/kota)."""
        return self.kind == "sources" and self.properties.get("cakupan") != NATIONAL

    @property
    def landing_path(self) -> str:
        return self.properties["landingPath"]

    @property
    def period_column(self) -> str | None:
        return self.properties.get("periodColumn")

    @property
    def period_date_column(self) -> str | None:
        return self.properties.get("periodDateColumn")

    @property
    def period_cadence(self) -> str | None:
        """`monthly` or `quarterly` for a periodic source (one file per period), else None."""
        return self.properties.get("periodCadence")

    @property
    def loads_into(self) -> str | None:
        """`system.table` of the source this one is loaded into (SIPD's whole-pemda export is
        split into `sipd.dpa_rincian`), or None: it has its own raw table, asset and dbt source."""
        return self.properties.get("loadsInto")

    @property
    def period_pattern(self) -> re.Pattern[str] | None:
        p = self.properties.get("periodFileNamePattern")
        return re.compile(p) if p else None


def polars_dtype(physical_type: str) -> pl.DataType:
    t = physical_type.strip().upper()
    if m := _DECIMAL.match(t):
        return pl.Decimal(int(m.group(1)), int(m.group(2)))
    return {
        "VARCHAR": pl.String(),
        "INTEGER": pl.Int32(),
        "BIGINT": pl.Int64(),
        "DOUBLE": pl.Float64(),
        "DATE": pl.Date(),
        "TIMESTAMP": pl.Datetime("us"),
        "BOOLEAN": pl.Boolean(),
    }[t]


def _custom(props: list[Any] | None) -> dict[str, Any]:
    return {p.property: p.value for p in (props or []) if p.property}


def _column(prop: Any) -> Column:
    opts = prop.logicalTypeOptions or {}
    custom = _custom(prop.customProperties)
    ref = custom.get("referenceList")
    rel = None
    for r in prop.relationships or []:
        to = r.to if isinstance(r.to, str) else None
        if to:
            model, col = to.rsplit(".", 1)
            rel = (model, col)
    return Column(
        name=prop.name,
        logical_type=prop.logicalType or "string",
        physical_type=prop.physicalType or "VARCHAR",
        required=bool(prop.required),
        primary_key=bool(prop.primaryKey),
        unique=bool(prop.unique),
        description=" ".join((prop.description or "").split()),
        pattern=opts.get("pattern"),
        minimum=opts.get("minimum"),
        maximum=opts.get("maximum"),
        exclusive_minimum=opts.get("exclusiveMinimum"),
        enum=tuple(str(v) for v in custom.get("allowedValues", []) or []),
        aliases=tuple(custom.get("aliases", []) or []),
        reference=tuple(ref.split(".", 1)) if ref else None,
        unit=custom.get("unit"),
        relationship=rel,
        classification=prop.classification,
        extra=custom,
    )


@cache
def pemda_column() -> Column:
    """`kode_pemda`, declared once (data_contracts/shared/kode_pemda.yaml) and added by this
    model as the first column and key part of every pemda-level source contract."""
    doc = read_yaml(CONTRACTS_DIR / "shared" / f"{PEMDA_COLUMN}.yaml")
    return _column(SchemaProperty.model_validate(doc))


def load_contract(path: Path) -> Contract:
    odcs = OpenDataContractStandard(**read_yaml(path))  # its from_file: the Python parser
    (obj,) = odcs.schema_ or []
    kind = path.parent.name
    stem = path.name.removesuffix(".odcs.yaml")
    system, table = stem.split("__", 1) if kind == "sources" else ("marts", stem)
    if table != obj.name:
        raise ValueError(f"{path}: schema name {obj.name!r} must match the file name ({table!r})")
    desc = odcs.description.purpose if odcs.description else ""
    properties = _custom(odcs.customProperties)
    columns = tuple(_column(p) for p in obj.properties or [])
    if (
        kind == "sources"
        and properties.get("cakupan") != NATIONAL
        and "loadsInto" not in properties
    ):
        columns = (pemda_column(), *columns)  # a file loaded into another source gets it there
    return Contract(
        path=path,
        id=odcs.id,
        name=odcs.name or table,
        version=odcs.version,
        kind=kind,
        system=system,
        table=table,
        description=" ".join((desc or obj.description or "").split()),
        columns=columns,
        properties=properties,
        retention_days=_retention_days(odcs),
    )


_DAYS_PER_UNIT = {"d": 1, "day": 1, "days": 1, "hari": 1, "y": 365, "year": 365, "years": 365}


def _retention_days(odcs: OpenDataContractStandard) -> int | None:
    """The `retention` SLA property in days (`value: 90, unit: d`), or None when unset."""
    for sla in odcs.slaProperties or []:
        if sla.property == "retention":
            unit = (sla.unit or "d").lower()
            if unit not in _DAYS_PER_UNIT:
                raise ValueError(f"retention unit {sla.unit!r} not understood (use d or y)")
            return int(sla.value) * _DAYS_PER_UNIT[unit]
    return None


@cache
def _all_source_contracts() -> tuple[Contract, ...]:
    return tuple(load_contract(p) for p in sorted((CONTRACTS_DIR / "sources").glob("*.odcs.yaml")))


@cache
def source_contracts() -> dict[str, Contract]:
    """All source contracts with a raw table of their own, keyed `system.table` (the dbt source
    they feed). A contract that `loadsInto` another is read by that source's ingest."""
    return {c.key: c for c in _all_source_contracts() if not c.loads_into}


@cache
def feeder_contracts(key: str) -> tuple[Contract, ...]:
    """The contracts of files that are loaded into the source `key` (their `loadsInto`)."""
    return tuple(c for c in _all_source_contracts() if c.loads_into == key)


def _published(folder: str) -> dict[str, Contract]:
    """The contracts of published tables in `data_contracts/<folder>/`, keyed by model name."""
    return {
        c.table: c
        for c in (load_contract(p) for p in sorted((CONTRACTS_DIR / folder).glob("*.odcs.yaml")))
    }


@cache
def mart_contracts() -> dict[str, Contract]:
    """All mart contracts, keyed by model name."""
    return _published("marts")


@cache
def core_contracts() -> dict[str, Contract]:
    """The published dimensions and facts (data_contracts/core/), keyed by model name: the
    shared keys and grains every mart is built from."""
    return _published("core")
