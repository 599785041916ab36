"""The gate as blocking asset checks on every mart: contract and expectation suite (in DuckDB).

They run after dbt has exited, on the build file opened read-only; a failure stops publication
(the publish asset is downstream of every mart) and the last good mart stays published.
"""

import dagster as dg
import duckdb

from dagster_project.defs.resources import WarehouseResource
from dagster_project.lib.contracts.model import Contract, mart_contracts
from dagster_project.lib.core.machine import duckdb_config
from dagster_project.lib.gate.checks import CheckResult, contract_checks
from dagster_project.lib.gate.expectations import gx_checks


def _as_result(results: list[CheckResult]) -> dg.AssetCheckResult:
    failed = [r for r in results if not r.passed]
    return dg.AssetCheckResult(
        passed=not failed,
        description="; ".join(r.message for r in failed) or "; ".join(r.message for r in results),
        metadata={"checks": len(results), "failed": len(failed)},
    )


def build_gate_checks(contract: Contract) -> list[dg.AssetChecksDefinition]:
    key = dg.AssetKey(["marts", contract.table])

    @dg.asset_check(
        asset=key,
        name="matches_contract",
        blocking=True,
        description=f"Mart sesuai kontrak {contract.id} (kolom, tipe, wajib isi, kunci).",
    )
    def _contract(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with duckdb.connect(
            str(warehouse.build_db), read_only=True, config=duckdb_config(warehouse.paths)
        ) as con:
            return _as_result(contract_checks(con, [contract]))

    @dg.asset_check(
        asset=key,
        name="passes_expectations",
        blocking=True,
        description="Suite aturan mutu untuk mart ini (aturan bisnis, dinilai di DuckDB).",
    )
    def _expectations(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with duckdb.connect(
            str(warehouse.build_db), read_only=True, config=duckdb_config(warehouse.paths)
        ) as con:
            return _as_result(gx_checks(con, [contract]))

    _contract.__name__ = f"{contract.table}_matches_contract"
    _expectations.__name__ = f"{contract.table}_passes_expectations"
    return [_contract, _expectations]


gate_checks = [chk for c in mart_contracts().values() for chk in build_gate_checks(c)]
