"""Publish: the gated build file replaces the published mart in one atomic rename."""

from datetime import timedelta

import dagster as dg

from dagster_project.defs.resources import WarehouseResource
from dagster_project.lib.contracts.model import mart_contracts
from dagster_project.lib.gate.checks import dbt_checks
from dagster_project.lib.ingest.loader import current_inputs
from dagster_project.lib.publish.publisher import publish
from dagster_project.lib.transform import irisan


@dg.asset(
    key=["published", "apbd_mart"],
    group_name="published",
    kinds={"duckdb"},
    deps=[dg.AssetKey(["marts", name]) for name in mart_contracts()],
    description="Mart APBD terbit (data/published/apbd_mart.duckdb), hanya-baca bagi pengguna.",
    pool="duckdb",
    # The daily refresh starts at 02:00 WITA; a mart not republished by 06:00 is stale.
    freshness_policy=dg.FreshnessPolicy.cron(
        deadline_cron="0 6 * * *", lower_bound_delta=timedelta(hours=4), timezone="Asia/Makassar"
    ),
)
def apbd_mart(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Publish the build file once every blocking check upstream has passed."""
    paths = warehouse.paths
    results = dbt_checks(
        warehouse.dbt_target / "run_results.json", warehouse.dbt_target / "manifest.json"
    )
    blocking_failed = [r for r in results if r.blocking and not r.passed]
    if blocking_failed:
        raise dg.Failure(
            description="Gerbang mutu gagal; mart lama tetap terbit: "
            + "; ".join(r.message for r in blocking_failed[:5])
        )
    inputs = current_inputs(paths)
    record = publish(
        warehouse.build_db,
        paths,
        run_id=context.run.run_id,
        inputs=inputs.to_dicts(),
        checks=results,
    )
    # The published build becomes the state the next build starts from (lib/transform/irisan.py).
    irisan.promote_candidate(paths, context.run.run_id)
    return dg.MaterializeResult(
        metadata={
            "path": str(paths.published_db),
            "version": record.get("version"),
            "input_files": inputs.height,
            "dbt_checks_passed": sum(r.passed for r in results),
        }
    )
