"""Blocking checks on raw data: dbt never reads a source that breaks its contract."""

import dagster as dg

from dagster_project.defs.resources import WarehouseResource
from dagster_project.lib.contracts import Contract, source_contracts
from dagster_project.lib.raw_audit import audit_raw


def build_contract_check(contract: Contract) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey([contract.system, contract.table]),
        name="matches_contract",
        description=f"Raw Parquet sesuai kontrak {contract.id} (tipe, wajib isi, kunci unik).",
        blocking=True,
    )
    def _check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        result = audit_raw(contract, warehouse.paths)
        return dg.AssetCheckResult(
            passed=result.passed,
            description=result.message,
            metadata=result.metadata,
        )

    _check.__name__ = f"{contract.system}_{contract.table}_matches_contract"
    return _check


contract_checks = [build_contract_check(c) for c in source_contracts().values()]
