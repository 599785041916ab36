"""How each source is partitioned, derived from its contract alone (no Dagster import).

The contract's landing path names the dimensions: `{kode_skpd}` gives one partition per OPD (from
the OPD master seed, the list dbt uses), `{tahun}` one per fiscal year, and a periodic source
(contract property `periodCadence: monthly | quarterly`) is split by the period its file name
carries (`periodFileNamePattern`). Dagster allows two dimensions per asset, so:

| source                       | dimensions    | one partition                                   |
|------------------------------|---------------|-------------------------------------------------|
| per OPD, per phase (DPA …)   | opd × tahun   | {opd: 1.02.0.00.0.00.01.0000, tahun: 2025}      |
| per OPD, quarterly           | opd × periode | {opd: 1.02.0.00.0.00.01.0000, periode: 2025-tw1} |
| one sender, monthly (SP2D)   | bulan × tahun | {bulan: 03, tahun: 2025}                        |
| one sender, yearly           | tahun         | {tahun: 2025}                                   |

The OPD and month dimensions are fixed lists; fiscal years (and year-periods) are added as files
for them arrive (`TIME_DIMENSIONS`), so the partitions are the years the warehouse holds, from the
first year of the OPD master to next year at most. A source without `{tahun}` in its landing path
is not partitioned. A file that cannot be placed (wrong folder, unknown OPD, no period in its
name) belongs to no partition: only a run over all partitions reads it, and ingest then rejects it
with a reason the sender can act on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from dagster_project.lib.contracts.model import Contract, feeder_contracts
from dagster_project.lib.contracts.reference import opd_codes, validity
from dagster_project.lib.core.paths import DataPaths, pemda_folder
from dagster_project.lib.ingest.loader import landing_files, locate
from dagster_project.lib.ingest.readers import LandingFileError

# cadence -> (dimension name when it is a dimension of its own, period labels in order)
CADENCES: dict[str, tuple[str, tuple[str, ...]]] = {
    "monthly": ("bulan", tuple(f"{m:02d}" for m in range(1, 13))),
    "quarterly": ("triwulan", tuple(f"tw{q}" for q in range(1, 5))),
}
OPD, TAHUN, PERIODE = "opd", "tahun", "periode"
TIME_DIMENSIONS = (TAHUN, PERIODE)  # grow with the data (Dagster: dynamic partitions)

PartitionKey = Mapping[str, str]  # dimension name -> value


def normalise_period(cadence: str, value: str) -> str | None:
    """`3`, `03` -> `03` (monthly); `TW1`, `tw1`, `1` -> `tw1` (quarterly); else None."""
    digits = re.findall(r"\d+", value)
    if not digits:
        return None
    n = int(digits[-1])
    labels = CADENCES[cadence][1]
    return labels[n - 1] if 1 <= n <= len(labels) else None


def partition_years(today: date | None = None) -> tuple[str, ...]:
    """Fiscal years from the first year of the OPD master to next year (DPA are sent ahead)."""
    first = int(validity("ref_opd", "kode_skpd")["tahun_mulai"].min())
    last = (today or date.today()).year + 1
    return tuple(str(y) for y in range(first, last + 1))


@dataclass(frozen=True)
class Partitioning:
    """The partition dimensions of one source and how a landing file maps onto them."""

    per_opd: bool
    cadence: str | None
    years: tuple[str, ...]
    submitter: str

    @property
    def dimensions(self) -> dict[str, tuple[str, ...]]:
        """Dimension name -> every possible key, sorted by name (Dagster's multi-partition order).

        For a time dimension these are the keys a file may have; the partitions that exist are
        the ones files arrived for."""
        dims: dict[str, tuple[str, ...]] = {}
        periods = CADENCES[self.cadence][1] if self.cadence else ()
        if self.per_opd:
            dims[OPD] = tuple(opd_codes())
            if self.cadence:
                dims[PERIODE] = tuple(f"{y}-{p}" for y in self.years for p in periods)
            else:
                dims[TAHUN] = self.years
        else:
            dims[TAHUN] = self.years
            if self.cadence:
                dims[CADENCES[self.cadence][0]] = periods
        return dict(sorted(dims.items()))

    def key(self, tahun: int | str, pengirim: str, periode: str | None) -> dict[str, str]:
        key: dict[str, str] = {}
        if self.per_opd:
            key[OPD] = pengirim
            key[PERIODE if self.cadence else TAHUN] = (
                f"{tahun}-{periode}" if self.cadence else str(tahun)
            )
        else:
            key[TAHUN] = str(tahun)
            if self.cadence:
                key[CADENCES[self.cadence][0]] = str(periode)
        return dict(sorted(key.items()))

    def contains(self, key: PartitionKey) -> bool:
        dims = self.dimensions
        return set(key) == set(dims) and all(v in dims[d] for d, v in key.items())

    def slot(self, key: PartitionKey) -> tuple[str, str, str | None]:
        """(tahun, pengirim, periode or None) of a partition key."""
        pengirim = key.get(OPD, self.submitter)
        if PERIODE in key:
            tahun, periode = key[PERIODE].split("-", 1)
            return tahun, pengirim, periode
        periode = key.get(CADENCES[self.cadence][0]) if self.cadence else None
        return key[TAHUN], pengirim, periode


def partitioning(contract: Contract, today: date | None = None) -> Partitioning | None:
    """The partitioning of a source, or None when its landing path has no `{tahun}`."""
    if "{tahun}" not in contract.landing_path:
        return None
    cadence = contract.period_cadence
    if cadence is not None and cadence not in CADENCES:
        raise ValueError(
            f"{contract.path.name}: periodCadence {cadence!r} must be one of {sorted(CADENCES)}"
        )
    return Partitioning(
        per_opd="{kode_skpd}" in contract.landing_path,
        cadence=cadence,
        years=partition_years(today),
        submitter=contract.submitter,
    )


def partition_of(
    path: Path, contract: Contract, paths: DataPaths, scheme: Partitioning
) -> dict[str, str] | None:
    """The partition a landing file belongs to, or None when it cannot be placed."""
    try:
        tahun, pengirim, name = locate(path, contract, paths)
    except LandingFileError:
        return None
    periode = None
    if scheme.cadence:
        m = contract.period_pattern.search(name) if contract.period_pattern else None
        periode = normalise_period(scheme.cadence, m.group(1)) if m else None
        if periode is None:
            return None
    key = scheme.key(tahun, pengirim, periode)
    return key if scheme.contains(key) else None


def whole_pemda_year(path: Path, contract: Contract, paths: DataPaths) -> str | None:
    """The fiscal year of a file loaded into `contract` for many OPDs at once (SIPD's
    whole-pemda export, a `feeder_contracts` file): it fills no single partition, so a run over
    all of them loads it; None for any other file."""
    for feeder in feeder_contracts(contract.key):
        try:
            tahun, _, _ = locate(path, feeder, paths)
        except LandingFileError:
            continue
        return str(tahun)
    return None


def _frozen(key: PartitionKey) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(key.items()))


def time_keys(contract: Contract, paths: DataPaths, scheme: Partitioning) -> dict[str, set[str]]:
    """Time dimension -> the keys the landing files of a source fill (the partitions to add)."""
    out: dict[str, set[str]] = {}
    for p in landing_files(contract, paths):
        key = partition_of(p, contract, paths, scheme)
        for dim in TIME_DIMENSIONS:
            if key and dim in key:
                out.setdefault(dim, set()).add(key[dim])
    return out


def files_in_partitions(
    contract: Contract, paths: DataPaths, scheme: Partitioning, keys: Iterable[PartitionKey]
) -> list[Path]:
    """The landing files of the given partitions (and nothing else)."""
    wanted = {_frozen(k) for k in keys}
    out = []
    for p in landing_files(contract, paths):
        key = partition_of(p, contract, paths, scheme)
        if key is not None and _frozen(key) in wanted:
            out.append(p)
    return out


def raw_files_in_partitions(
    contract: Contract, paths: DataPaths, scheme: Partitioning, keys: Iterable[PartitionKey]
) -> list[Path]:
    """The raw Parquet files (slots) the given partitions currently hold."""
    out: list[Path] = []
    for key in keys:
        tahun, pengirim, periode = scheme.slot(key)
        table = paths.raw / contract.system / contract.table
        # every pemda's slot of the partition (pemda is not a partition dimension: Dagster
        # allows two, and opd × tahun already takes them)
        found = sorted(table.glob(f"{pemda_folder('*')}/tahun={tahun}/{pengirim}/*.parquet"))
        found += sorted(table.glob(f"tahun={tahun}/{pengirim}/*.parquet"))
        for f in found:
            if periode is None or (
                scheme.cadence and normalise_period(scheme.cadence, f.stem) == periode
            ):
                out.append(f)
    return out
