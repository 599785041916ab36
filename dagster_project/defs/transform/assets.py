"""dbt models as assets, built into a fresh build file; dbt tests become asset checks."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from dagster_project.defs.resources import WarehouseResource
from dagster_project.defs.transform.project import dbt_project
from dagster_project.lib.gate import finalize_build


class ApbdTranslator(DagsterDbtTranslator):
    """Keys are [schema, model] and groups are the warehouse layer (staging, marts, reference)."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        schema = dbt_resource_props.get("config", {}).get("schema") or "main"
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_resource_props.get("config", {}).get("schema") or "main"


translator = ApbdTranslator(
    settings=DagsterDbtTranslatorSettings(enable_source_tests_as_checks=True)
)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=translator,
    pool="duckdb",
)
def apbd_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
):
    """Build seeds, models and tests into a new build file; only dbt writes it."""
    build_db = warehouse.build_db
    build_db.parent.mkdir(parents=True, exist_ok=True)
    for stale in (build_db, build_db.with_name(build_db.name + ".wal")):
        stale.unlink(missing_ok=True)
    (warehouse.paths.root / "tmp").mkdir(exist_ok=True)
    invocation = dbt.cli(["build"], context=context, target_path=warehouse.dbt_target)
    yield from invocation.stream()
    # dbt has exited: drop the views over raw Parquet that must not ship, checkpoint, close.
    finalize_build(build_db)
