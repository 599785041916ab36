"""The gate as blocking asset checks on every mart: contract and expectation suite (in DuckDB).

Every mart has two blocking checks, `matches_contract` and `passes_expectations`; one step
(`gerbang_mutu`) runs them all after dbt has exited, on the build file opened read-only once. A
failure stops publication (the publish asset is downstream of every mart) and the last good mart
stays published.

A mart that a slice build carried over from the last published build (its output of this run
says so: metadata `irisan`, defs/transform/assets.py `carried_over`) is not checked again: it is
the very table that passed this gate when it was published, under the same code (a change to the
gate, as to the models, seeds or contracts, makes the next build full: lib/transform/irisan.py
`code_fingerprint`). A sliced mart it recomputed for its pemda (metadata `irisan_pemda`) has its
rows' required columns and key checked for those pemda only (lib/gate/checks.py
`contract_checks`); its structure and the expectation suite are checked whole.
"""

from collections.abc import Iterator
from functools import partial

import dagster as dg
import duckdb

from dagster_project.defs.resources import WarehouseResource
from dagster_project.defs.transform.assets import CARRIED_OVER, RECOMPUTED_FOR
from dagster_project.lib.contracts.model import Contract, mart_contracts
from dagster_project.lib.core.machine import duckdb_config
from dagster_project.lib.gate.checks import CheckResult, contract_checks
from dagster_project.lib.gate.expectations import gx_checks

MATCHES_CONTRACT = "matches_contract"
PASSES_EXPECTATIONS = "passes_expectations"


def _key(contract: Contract) -> dg.AssetKey:
    return dg.AssetKey(["marts", contract.table])


def _specs(contract: Contract) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(
            MATCHES_CONTRACT,
            asset=_key(contract),
            blocking=True,
            description=f"Mart sesuai kontrak {contract.id} (kolom, tipe, wajib isi, kunci).",
        ),
        dg.AssetCheckSpec(
            PASSES_EXPECTATIONS,
            asset=_key(contract),
            blocking=True,
            description="Suite aturan mutu untuk mart ini (aturan bisnis, dinilai di DuckDB).",
        ),
    ]


def _as_result(key: dg.AssetKey, name: str, results: list[CheckResult]) -> dg.AssetCheckResult:
    failed = [r for r in results if not r.passed]
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=name,
        passed=not failed,
        description="; ".join(r.message for r in failed) or "; ".join(r.message for r in results),
        metadata={"checks": len(results), "failed": len(failed)},
    )


def slice_in_run(
    context: dg.AssetCheckExecutionContext, keys: set[dg.AssetKey]
) -> tuple[set[dg.AssetKey], dict[dg.AssetKey, list[str]]]:
    """Of `keys`, from their materialisation in this run: those carried over whole, and for each
    sliced table a slice build recomputed, the pemda it recomputed."""
    kept, recomputed = set(), {}
    for key in keys:
        event = context.instance.get_latest_materialization_event(key)
        if event is None or event.run_id != context.run.run_id:
            continue
        metadata = event.asset_materialization.metadata if event.asset_materialization else {}
        if CARRIED_OVER in metadata:
            kept.add(key)
        elif RECOMPUTED_FOR in metadata:
            recomputed[key] = list(metadata[RECOMPUTED_FOR].value)
    return kept, recomputed


MARTS = mart_contracts()


@dg.multi_asset_check(
    specs=[spec for c in MARTS.values() for spec in _specs(c)],
    name="gerbang_mutu",
    description="Gerbang mutu: kontrak dan suite aturan mutu setiap mart, dalam satu langkah.",
    can_subset=True,
)
def gerbang_mutu(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> Iterator[dg.AssetCheckResult]:
    selected = context.selected_asset_check_keys
    kept, recomputed = slice_in_run(context, {k.asset_key for k in selected})
    if kept:
        context.log.info(
            f"gerbang mutu: {len(kept)} mart dibawa utuh dari hasil bangun terbit terakhir, "
            "tidak diperiksa ulang"
        )
    with duckdb.connect(
        str(warehouse.build_db), read_only=True, config=duckdb_config(warehouse.paths)
    ) as con:
        for contract in MARTS.values():
            key = _key(contract)
            for name, check in (
                (MATCHES_CONTRACT, partial(contract_checks, pemda=recomputed.get(key))),
                (PASSES_EXPECTATIONS, gx_checks),
            ):
                if dg.AssetCheckKey(key, name) not in selected:
                    continue
                if key in kept:
                    yield dg.AssetCheckResult(
                        asset_key=key,
                        check_name=name,
                        passed=True,
                        description="Tidak diperiksa ulang: tabel ini dibawa utuh dari hasil "
                        "bangun terbit terakhir (masukannya tidak berubah), yang lolos gerbang "
                        "ini dengan kode yang sama.",
                        metadata={CARRIED_OVER: "dibawa dari hasil bangun terbit terakhir"},
                    )
                    continue
                yield _as_result(key, name, check(con, [contract]))
