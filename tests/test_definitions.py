"""The Dagster graph as users see it: lineage, every check on the asset it guards, docs, automation.

A light snapshot (style §5.11): renaming, regrouping or dropping an asset or check fails here.
"""

from __future__ import annotations

import json

import dagster as dg
import pytest

from dagster_project.definitions import defs
from dagster_project.lib.contracts.model import mart_contracts, source_contracts
from dagster_project.lib.core.paths import DBT_DIR

SOURCES = {dg.AssetKey([c.system, c.table]): c for c in source_contracts().values()}
MARTS = {dg.AssetKey(["marts", name]): c for name, c in mart_contracts().items()}
PUBLISHED = dg.AssetKey(["published", "apbd_mart"])


@pytest.fixture(scope="module")
def definitions():
    return defs()


@pytest.fixture(scope="module")
def graph(definitions):
    return definitions.resolve_asset_graph()


@pytest.fixture(scope="module")
def specs(definitions):
    return {s.key: s for s in definitions.resolve_all_asset_specs()}


@pytest.fixture(scope="module")
def checks(graph):
    out: dict[dg.AssetKey, dict[str, bool]] = {}
    for key in graph.asset_check_keys:
        out.setdefault(key.asset_key, {})[key.name] = graph.get_check_spec(key).blocking
    return out


def test_assets_and_groups(graph, specs):
    keys = set(graph.get_all_asset_keys())
    assert set(SOURCES) | set(MARTS) | {PUBLISHED} <= keys
    assert {specs[k].group_name for k in SOURCES} == {"raw"}
    assert {specs[k].group_name for k in MARTS} == {"marts"}
    assert dg.AssetKey(["reference", "ref_jadwal_pelaporan"]) in keys
    # The ingest log is lineage, not an orphan source: written by every ingest asset.
    log = graph.get(dg.AssetKey(["staging", "stg_meta__ingest_log"]))
    assert set(log.parent_keys) == set(SOURCES)
    assert PUBLISHED in graph.get(dg.AssetKey(["marts", "mart_kepatuhan_pelaporan"])).child_keys
    # The evidence tiers (issue 4) read what the performance and need marts publish (the same
    # intermediate models: marts never read marts, tests/test_dbt_layers.py) and the tier rule,
    # and are published.
    tier = graph.get(dg.AssetKey(["marts", "mart_prioritas_alokasi"]))
    upstream, todo = set(), list(tier.parent_keys)
    while todo:
        key = todo.pop()
        if key not in upstream:
            upstream.add(key)
            todo.extend(graph.get(key).parent_keys)
    for mart in ("mart_kinerja_program", "mart_kinerja_sub_kegiatan", "mart_kebutuhan_wilayah"):
        behind = set(graph.get(dg.AssetKey(["marts", mart])).parent_keys)
        assert behind and behind <= upstream, mart
    assert dg.AssetKey(["reference", "ref_aturan_tier"]) in upstream
    assert PUBLISHED in tier.child_keys
    # its sub kegiatan drill-down reads the same program tiers
    drill = graph.get(dg.AssetKey(["marts", "mart_prioritas_sub_kegiatan"]))
    assert set(tier.parent_keys) <= set(drill.parent_keys)


def test_every_contract_and_gx_suite_is_a_check_on_the_asset_it_guards(checks):
    for key, contract in SOURCES.items():
        assert checks[key]["matches_contract"] is True  # blocks dbt
        # a schedule is per fiscal year, for a source owed by a date (not a national download)
        if "{tahun}" in contract.landing_path and contract.properties.get(
            "reportingCalendar", True
        ):
            assert checks[key]["submitted_on_time"] is False  # a warning for Bappeda
        else:
            assert "submitted_on_time" not in checks[key], key
    for key in MARTS:
        assert checks[key]["matches_contract"] is True  # blocks the publish
        assert checks[key]["passes_expectations"] is True


def test_every_dbt_test_of_a_model_is_a_check_and_the_seeds_own_are_not(checks):
    """Production builds skip the tests written on seeds (transform/assets.py `SEED_TESTS`; the
    suite runs them in test_dbt_project); every other dbt test is a check on the asset it tests.
    Raw sources carry no generated dbt test: `matches_contract` (above) is their check."""
    manifest = json.loads((DBT_DIR / "target" / "manifest.json").read_text(encoding="utf-8"))
    tests = {
        n["name"]: n["original_file_path"]
        for n in manifest["nodes"].values()
        if n["resource_type"] == "test"
    }
    names = {name for by_name in checks.values() for name in by_name}
    on_seeds = {t for t, path in tests.items() if path.startswith("seeds/")}
    assert len(on_seeds) > 100 and not on_seeds & names
    assert set(tests) - on_seeds <= names, sorted(set(tests) - on_seeds - names)
    for key in SOURCES:
        assert not any(n.startswith("source_") for n in checks[key]), key


def test_descriptions_and_columns_come_from_contracts_and_dbt_docs(specs):
    for key, contract in {**SOURCES, **MARTS}.items():
        spec = specs[key]
        assert spec.description, key
        schema = spec.metadata["dagster/column_schema"]
        # Raw holds the stored columns: personal data is already pseudonymised (nik -> nik_hash).
        expected = contract.stored_column_names if key in SOURCES else contract.column_names
        assert [c.name for c in schema.columns] == expected, key
        assert all(c.description for c in schema.columns), key
    assert specs[PUBLISHED].description


def test_ingest_is_partitioned_and_the_rest_is_not(specs):
    for key, contract in SOURCES.items():
        # a source sent per year is partitioned; one whose files hold several years is not
        yearly = "{tahun}" in contract.landing_path
        assert (specs[key].partitions_def is not None) == yearly, key
    unpartitioned = [k for k, s in specs.items() if k not in SOURCES and s.partitions_def]
    assert not unpartitioned


def test_sensor_schedule_jobs_and_freshness(definitions, specs):
    repo = definitions.get_repository_def()
    assert {s.name for s in repo.sensor_defs} == {"landing_sensor"}
    (schedule,) = repo.schedule_defs
    assert schedule.name == "daily_refresh" and schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Asia/Makassar"
    jobs = {j.name for j in definitions.resolve_all_job_defs()}
    assert {"ingest_opd_tahun", "ingest_bulan_tahun", "rebuild"} <= jobs
    rebuild = definitions.resolve_job_def("rebuild")
    assert PUBLISHED in rebuild.asset_layer.executable_asset_keys
    assert not set(SOURCES) & set(rebuild.asset_layer.executable_asset_keys)
    assert isinstance(specs[PUBLISHED].freshness_policy, dg.FreshnessPolicy)
