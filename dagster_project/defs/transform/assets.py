"""dbt models as assets, built into a fresh build file; dbt tests become asset checks."""

import graphlib
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from dagster_project.defs.resources import WarehouseResource
from dagster_project.defs.transform.project import SEED_TESTS, dbt_project
from dagster_project.lib.contracts.model import source_contracts
from dagster_project.lib.core import machine
from dagster_project.lib.gate.checks import finalize_build
from dagster_project.lib.transform import irisan
from dagster_project.lib.transform.dbt_parse import own_parse

INGEST_LOG = dg.AssetKey(["meta", "ingest_log"])
# The metadata key of a table a slice build carried over (the gate does not check it again).
CARRIED_OVER = "irisan"
# ... and of a sliced table it recomputed for its pemda only, listed (the gate checks their rows).
RECOMPUTED_FOR = "irisan_pemda"
# ... and of a view it left as the last published build had it (same SQL; its rows may differ).
VIEW_KEPT = "view_tetap"


class ApbdTranslator(DagsterDbtTranslator):
    """Keys are [schema, model] and groups are the warehouse layer (staging, marts, reference)."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        schema = dbt_resource_props.get("config", {}).get("schema") or "main"
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_resource_props.get("config", {}).get("schema") or "main"

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        if not any(d.asset_key == INGEST_LOG for d in spec.deps):
            return spec
        # Every ingest asset appends to the ingest log as it loads files: that is its lineage
        # (and what mart_kepatuhan_pelaporan is built from).
        deps = [d for d in spec.deps if d.asset_key != INGEST_LOG]
        deps += [dg.AssetDep(dg.AssetKey([c.system, c.table])) for c in source_contracts().values()]
        return spec.replace_attributes(deps=deps)


translator = ApbdTranslator(
    settings=DagsterDbtTranslatorSettings(enable_source_tests_as_checks=True)
)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    exclude=SEED_TESTS,
    dagster_dbt_translator=translator,
    pool="duckdb",
)
def apbd_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
):
    """Build seeds, models and tests into a new build file; only dbt writes it."""
    build_db = warehouse.build_db
    build_db.parent.mkdir(parents=True, exist_ok=True)
    (warehouse.paths.root / "tmp").mkdir(exist_ok=True)
    # Full, or the last published build with only the pemda whose raw data changed recomputed
    # (lib/transform/irisan.py); a slice build leaves the seeds as that build loaded them.
    rencana = irisan.plan(warehouse.paths)
    irisan.prepare_build(warehouse.paths, build_db, rencana)
    context.log.info(f"dbt: {rencana.alasan}")
    # A run of every dbt asset and check (the pipeline's, the sensor's) leaves out of a slice
    # build what cannot have moved; a run of some (picked in the UI) builds what it picked, with
    # the selection dagster-dbt makes for it.
    whole_run = (
        context.assets_def.keys_by_output_name == context.assets_def.node_keys_by_output_name
        and context.assets_def.check_specs_by_output_name
        == context.assets_def.node_check_specs_by_output_name
    )
    manifest = dbt_project_manifest() if whole_run else None
    args, sempit = irisan.dbt_build_args(rencana, manifest)
    # dbt's unit tests check the SQL logic on fixed inputs, not the data: they do not change
    # between runs, so production builds skip them (as dbt's docs advise; a third of the build's
    # execution time) and the test suite runs them once (tests/test_dbt_project.py `built_db`).
    # The reference date goes in the environment, not in --vars: a new --vars value makes dbt
    # parse the whole project again (~10 s), a new value of an env_var only the model reading it.
    # dbt's threads for the data's size (lib/core/machine.py: large models one at a time).
    threads = machine.dbt_threads(
        rencana.ukuran_raw, ceiling=int(os.environ.get("APBD_BUILD_THREADS") or machine.cpus())
    )
    context.log.info(f"dbt: {threads} thread, {rencana.ukuran_raw / 2**20:,.0f} MiB raw Parquet")
    # dbt's saved parse in the data folder, this checkout's (lib/transform/dbt_parse.py)
    if own_parse(warehouse.dbt_target):
        context.log.info("dbt: parse checkout ini dipasang (belum ada, atau dari checkout lain)")
    with dbt_env(APBD_TANGGAL_ACUAN=str(warehouse.reference_date), APBD_BUILD_THREADS=str(threads)):
        invocation = dbt.cli(
            args,
            context=context,
            target_path=warehouse.dbt_target,
        )
    # Events are held until dbt exits: only then may anything else open the build file, and the
    # row counts of the tables it built are read from it (read-only) and added to each event.
    events = []
    try:
        events.extend(invocation.stream())
    except Exception:
        # dbt failed: nothing is published. A slice build took the state; its file, whole but
        # for what failed, is kept to take the state's place (lib/transform/irisan.py).
        if not rencana.penuh and invocation.process.poll() is not None:
            irisan.keep_candidate(
                warehouse.paths, build_db, rencana, context.run.run_id, gagal=True
            )
        yield from events
        raise
    # dbt has exited: keep the build (intermediate tables too) as the next run's state should
    # this run publish it, copied while the events are stored (the build file is only read until
    # the copy is done); then drop the views over raw Parquet and the tables that must not ship.
    with irisan.candidate_kept(warehouse.paths, build_db, rencana, context.run.run_id):
        counts = table_row_counts(build_db)
        sliced = set() if rencana.penuh else sliced_tables(manifest)

        def with_counts(event):
            if isinstance(event, dg.Output):
                key = context.asset_key_for_output(event.output_name)
                metadata = dict(event.metadata)
                if (n := counts.get(tuple(key.path))) is not None:
                    metadata["dagster/row_count"] = n
                if key in sliced:
                    metadata[RECOMPUTED_FOR] = dg.MetadataValue.json(list(rencana.irisan))
                event = event.with_metadata(metadata)
            return event

        # What the slice build left out is in this build file as the last published build had
        # it: materialised by this run all the same, so that what reads it (the publish step)
        # runs, each once what it reads has been (Dagster wants a multi-asset's outputs in
        # dependency order; a kept view may read a table the slice recomputed).
        yield from after_their_inputs(
            context,
            map(with_counts, events),
            carried_over(context, manifest, sempit, counts),
            manifest,
            sempit,
        )
    finalize_build(build_db)


def dbt_project_manifest() -> dict[str, Any]:
    return json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))


def sliced_tables(manifest: dict[str, Any] | None) -> set[dg.AssetKey]:
    """The tables a slice build recomputes for its pemda only (materialization irisan_pemda),
    as far as a run of every dbt asset knows them (the manifest: None for a run of some)."""
    if manifest is None:
        return set()
    return {
        translator.get_asset_key(n)
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["config"].get("materialized") == "irisan_pemda"
    }


def carried_over(
    context: dg.AssetExecutionContext,
    manifest: dict[str, Any] | None,
    sempit: irisan.Penyempitan | None,
    counts: Mapping[tuple[str, ...], int],
) -> list[tuple[str, dg.Output]]:
    """(unique id, output) for each table or view the slice build left out
    (`irisan.narrowing`), those it stands on first. A table's inputs did not change (`irisan`:
    the gate does not check it again); a view's SQL did not, but its rows are those of what it
    reads (`VIEW_KEPT`)."""
    if not (manifest and sempit):
        return []
    nodes = manifest["nodes"]
    order = graphlib.TopologicalSorter(
        {u: [d for d in nodes[u]["depends_on"]["nodes"] if d in sempit.model] for u in sempit.model}
    )
    out = []
    for uid in order.static_order():
        key = translator.get_asset_key(nodes[uid])
        if key not in context.selected_asset_keys:
            continue
        if nodes[uid]["config"]["materialized"] == "view":
            metadata: dict[str, Any] = {
                VIEW_KEPT: "view dari hasil bangun terbit terakhir: SQL-nya sama, barisnya "
                "mengikuti tabel yang dibacanya"
            }
        else:
            metadata = {
                CARRIED_OVER: "dibawa dari hasil bangun terbit terakhir: masukannya tidak berubah"
            }
        if (n := counts.get(tuple(key.path))) is not None:
            metadata["dagster/row_count"] = n
        output_name = context.assets_def.get_output_name_for_asset_key(key)
        out.append((uid, dg.Output(None, output_name=output_name, metadata=metadata)))
    return out


def after_their_inputs(
    context: dg.AssetExecutionContext,
    events: Iterable[Any],
    carried: list[tuple[str, dg.Output]],
    manifest: dict[str, Any] | None,
    sempit: irisan.Penyempitan | None,
) -> Iterator[Any]:
    """dbt's events as they come, with each carried-over output (`carried_over`, in dependency
    order) yielded as soon as every model it reads that dbt ran has been yielded."""
    if not carried:
        yield from events
        return
    nodes = manifest["nodes"]
    uid_of = {
        translator.get_asset_key(nodes[u]): u
        for u, n in nodes.items()
        if n["resource_type"] == "model"
    }
    ran = {u for u in uid_of.values() if u not in sempit.model}
    kept = {u for u, _ in carried}
    waits = {
        u: {d for d in nodes[u]["depends_on"]["nodes"] if d in ran or d in kept} for u, _ in carried
    }
    done: set[str] = set()
    pending = list(carried)

    def ready() -> Iterator[dg.Output]:
        for item in list(pending):  # in dependency order: a chain of kept nodes in one pass
            if waits[item[0]] <= done:
                pending.remove(item)
                done.add(item[0])
                yield item[1]

    yield from ready()
    for event in events:
        yield event
        if isinstance(event, dg.Output):
            done.add(uid_of.get(context.asset_key_for_output(event.output_name), ""))
            yield from ready()
    yield from (output for _, output in pending)  # waiting on a model dbt did not report


@contextmanager
def dbt_env(**values: str):
    """Variables for the dbt subprocess started inside (mart_kepatuhan_pelaporan reads the
    reference date APBD_TANGGAL_ACUAN, the profile APBD_BUILD_THREADS); this process's
    environment is restored afterwards."""
    before = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def table_row_counts(build_db: Path) -> dict[tuple[str, str], int]:
    """(schema, table) -> rows, for every table (not view) in the finished build file."""
    with duckdb.connect(str(build_db), read_only=True, config=machine.duckdb_config()) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' and table_catalog = current_database()"
        ).fetchall()
        return {
            (schema, name): con.execute(f'select count(*) from "{schema}"."{name}"').fetchone()[0]
            for schema, name in tables
        }
