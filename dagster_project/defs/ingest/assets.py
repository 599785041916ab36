"""Ingest assets: one per source contract, keyed like the dbt source they feed.

Each is partitioned as its contract's landing path says (`lib/ingest/partitions.py`): OPD × tahun for
what every OPD sends, tahun × bulan for BPKAD's monthly SP2D, OPD × periode for a quarterly OPD
report. Years (and year-periods) are dynamic partitions, added as files for them arrive. A run
for one partition ingests that partition's landing files only; a run over every partition (one
run: `BackfillPolicy.single_run()`) ingests every landing file of the source, including those
that fit no partition, so they are rejected with a reason the sender can act on.
"""

from collections.abc import Sequence
from functools import cache

import dagster as dg
import duckdb

from dagster_project.defs.resources import WarehouseResource
from dagster_project.lib.contracts.model import Contract, source_contracts
from dagster_project.lib.core.machine import duckdb_config
from dagster_project.lib.ingest.loader import (
    STATUS_LOADED,
    STATUS_REJECTED,
    STATUS_UNCHANGED,
    ingest_source,
)
from dagster_project.lib.ingest.partitions import (
    TIME_DIMENSIONS,
    Partitioning,
    files_in_partitions,
    partitioning,
    raw_files_in_partitions,
)


def column_schema(contract: Contract) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=c.name,
                type=c.physical_type,
                description=c.description,
                constraints=dg.TableColumnConstraints(
                    nullable=not c.required,
                    unique=c.unique,
                    other=[f"pattern {c.pattern}"] if c.pattern else [],
                ),
            )
            for c in contract.stored_columns
        ]
    )


@cache
def partitions_def(scheme: Partitioning) -> dg.PartitionsDefinition:
    """One definition object per scheme, so sources partitioned alike share it (and a run).

    OPDs and months are fixed lists; years grow with the data: one dynamic set per time
    dimension (`tahun`, `periode`), shared by every source that has it."""
    dims = {
        name: dg.DynamicPartitionsDefinition(name=name)
        if name in TIME_DIMENSIONS
        else dg.StaticPartitionsDefinition(list(keys))
        for name, keys in scheme.dimensions.items()
    }
    if len(dims) == 1:
        return next(iter(dims.values()))
    return dg.MultiPartitionsDefinition(dims)


def partition_key(scheme: Partitioning, key: dict[str, str]) -> str:
    """The Dagster partition key of a {dimension: value} mapping."""
    return dg.MultiPartitionKey(key) if len(key) > 1 else next(iter(key.values()))


def _as_dicts(scheme: Partitioning, keys: Sequence[str]) -> list[dict[str, str]]:
    pdef = partitions_def(scheme)
    if isinstance(pdef, dg.MultiPartitionsDefinition):
        return [dict(pdef.get_partition_key_from_str(k).keys_by_dimension) for k in keys]
    (dim,) = scheme.dimensions
    return [{dim: k} for k in keys]


def selected_partitions(
    context: dg.AssetExecutionContext, scheme: Partitioning
) -> list[dict[str, str]] | None:
    """The run's partitions, or None when the run covers every partition of the asset."""
    keys = context.partition_keys
    every = partitions_def(scheme).get_partition_keys(dynamic_partitions_store=context.instance)
    if set(keys) >= set(every):
        return None
    return _as_dicts(scheme, keys)


def raw_row_count(files: Sequence[str]) -> int:
    if not files:
        return 0
    with duckdb.connect(config=duckdb_config()) as con:
        return con.execute(
            "select count(*) from read_parquet($files, union_by_name = true)", {"files": files}
        ).fetchone()[0]


def build_ingest_asset(contract: Contract) -> dg.AssetsDefinition:
    scheme = partitioning(contract)

    @dg.asset(
        key=[contract.system, contract.table],
        group_name="raw",
        kinds={"polars", "parquet"},
        description=contract.description,
        metadata={
            "dagster/column_schema": column_schema(contract),
            "contract": contract.id,
            "contract_version": contract.version,
            "landing": "data/landing/"
            + ("[<kode_pemda>/]" if contract.per_pemda else "")
            + contract.landing_path,
            "partisi": " × ".join(scheme.dimensions) if scheme else "-",
        },
        partitions_def=partitions_def(scheme) if scheme else None,
        backfill_policy=dg.BackfillPolicy.single_run() if scheme else None,
        pool="ingest",
    )
    def _ingest(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource
    ) -> dg.MaterializeResult:
        paths = warehouse.paths
        keys = selected_partitions(context, scheme) if scheme else None
        files = None if keys is None else files_in_partitions(contract, paths, scheme, keys)
        outcomes = ingest_source(contract, paths, files=files, run_id=context.run.run_id)
        # A file the sender must act on gets its own warning; clean files share one message
        # (every log line is an event Dagster stores: one per file made a run of 828 files slow).
        for o in outcomes:
            if o.status == STATUS_REJECTED or o.rows_quarantined:
                context.log.warning(o.summary())
        clean = [o for o in outcomes if o.status == STATUS_LOADED and not o.rows_quarantined]
        if clean:
            context.log.info(
                f"{len(clean)} berkas dimuat utuh:\n" + "\n".join(o.summary() for o in clean)
            )
        by = lambda s: [o for o in outcomes if o.status == s]  # noqa: E731
        if keys is None:
            raw = sorted(
                str(p)
                for p in (paths.raw / contract.system / contract.table).rglob("*.parquet")
                if p.name != "_schema.parquet"
            )
        else:
            raw = [str(p) for p in raw_files_in_partitions(contract, paths, scheme, keys)]
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": raw_row_count(raw),
                "partisi_dijalankan": "semua" if keys is None else len(keys),
                "berkas_diperiksa": len(outcomes),
                "pemda": ", ".join(
                    sorted({o.slot.kode_pemda for o in outcomes if o.slot and o.slot.kode_pemda})
                )
                or "-",
                "berkas_dimuat": len(by(STATUS_LOADED)),
                "berkas_ditolak": len(by(STATUS_REJECTED)),
                "berkas_tidak_berubah": len(by(STATUS_UNCHANGED)),
                "baris_dimuat": sum(o.rows_loaded for o in outcomes),
                "baris_karantina": sum(o.rows_quarantined for o in outcomes),
                "ditolak": dg.MetadataValue.md(
                    "\n".join(f"- {o.summary()}" for o in by(STATUS_REJECTED)) or "-"
                ),
            }
        )

    return _ingest


ingest_assets = [build_ingest_asset(c) for c in source_contracts().values()]
