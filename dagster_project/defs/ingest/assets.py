"""Ingest assets: one per source contract, keyed like the dbt source they feed."""

import dagster as dg
import duckdb

from dagster_project.defs.resources import WarehouseResource
from dagster_project.lib.contracts import Contract, source_contracts
from dagster_project.lib.ingest import (
    STATUS_LOADED,
    STATUS_REJECTED,
    STATUS_UNCHANGED,
    ingest_source,
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


def raw_row_count(warehouse: WarehouseResource, contract: Contract) -> int:
    glob = warehouse.paths.raw / contract.system / contract.table / "**" / "*.parquet"
    with duckdb.connect() as con:
        return con.execute(
            f"select count(*) from read_parquet('{glob}', union_by_name = true)"
        ).fetchone()[0]


def build_ingest_asset(contract: Contract) -> dg.AssetsDefinition:
    @dg.asset(
        key=[contract.system, contract.table],
        group_name="raw",
        kinds={"polars", "parquet"},
        description=contract.description,
        metadata={
            "dagster/column_schema": column_schema(contract),
            "contract": contract.id,
            "contract_version": contract.version,
            "landing": f"data/landing/{contract.landing_path}",
        },
        pool="ingest",
    )
    def _ingest(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource
    ) -> dg.MaterializeResult:
        outcomes = ingest_source(contract, warehouse.paths, run_id=context.run.run_id)
        for o in outcomes:
            if o.status != STATUS_UNCHANGED:
                (
                    context.log.warning
                    if o.status == STATUS_REJECTED or o.rows_quarantined
                    else context.log.info
                )(o.summary())
        by = lambda s: [o for o in outcomes if o.status == s]  # noqa: E731
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": raw_row_count(warehouse, contract),
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
