"""The dbt layer rule (README, "dbt layers"), checked on the project's manifest.

staging -> intermediate -> core (dims, then facts) -> marts by domain. A model reads only layers
below its own; within a layer, intermediate models read each other and dims read dims; facts never
read facts and marts never read marts, except the default scenario (MART_READS_MART). The folder
says the layer and the prefix must agree with it; every YAML file is named after its folder.

The manifest is dbt/target/manifest.json when it is newer than every file of the project (`make
setup` writes it), else a `dbt parse` into a temporary target.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from dagster_project.lib.core.paths import DBT_DIR

MODELS = DBT_DIR / "models"
MART_DOMAINS = ("anggaran", "kepatuhan", "kinerja", "pembanding", "prioritas", "status")

# Rank of each layer: a model may read a model of a lower rank; same rank only as SAME_RANK says.
RANK = {"staging": 0, "intermediate": 1, "dim": 2, "fct": 3, "mart": 4}
SAME_RANK = {"intermediate", "dim"}
PREFIX = {"staging": "stg_", "intermediate": "int_", "dim": "dim_", "fct": "fct_", "mart": "mart_"}

# The only mart -> mart reads, each with its reason. The default scenario (marts/prioritas) is
# computed after the marts by the engine of `apbd scenario`, which by design reads the PUBLISHED
# marts by name, the same tables a planner's scenario reads from the published file: its base
# budget from the kepatuhan domain (the one read across domains) and its tiers from prioritas.
# mart_skenario_alokasi ships its rows beside the saved scenarios.
MART_READS_MART = {
    ("mart_skenario_bawaan", "mart_kepatuhan_belanja_program"): "scenario engine input (base)",
    ("mart_skenario_bawaan", "mart_prioritas_alokasi"): "scenario engine input (tiers)",
    ("mart_skenario_alokasi", "mart_skenario_bawaan"): "ships the default scenario",
}


def _layer(path: str, name: str) -> str:
    """The layer a model's file path puts it in (path relative to dbt/, models/...)."""
    parts = Path(path).parts[1:-1]
    if parts[:1] == ("staging",) and len(parts) == 2:
        return "staging"
    if parts == ("intermediate",):
        return "intermediate"
    if parts == ("marts", "core"):
        return "fct" if name.startswith("fct_") else "dim"
    if len(parts) == 2 and parts[0] == "marts" and parts[1] in MART_DOMAINS:
        return "mart"
    raise AssertionError(f"{path}: not in a layer folder (staging/<system>, intermediate, marts/…)")


def layer_violations(manifest: dict) -> list[str]:
    """Every ref that breaks the layer rule and every model whose prefix does not match its
    folder, as readable lines naming the offending edge."""
    nodes = manifest["nodes"]
    models = {uid: n for uid, n in nodes.items() if n["resource_type"] == "model"}
    found = []
    for node in models.values():
        name, path = node["name"], node["original_file_path"]
        layer = _layer(path, name)
        if not name.startswith(PREFIX[layer]):
            found.append(f"{path}: {layer} models are named {PREFIX[layer]}…")
        for parent_id in node["depends_on"]["nodes"]:
            if parent_id.startswith("source.") and layer != "staging":
                found.append(f"{name} ({layer}) -> {parent_id}: only staging reads sources")
            if parent_id not in models:
                continue  # seeds: every layer may read them
            parent = models[parent_id]
            p_layer = _layer(parent["original_file_path"], parent["name"])
            edge = f"{name} ({layer}) -> {parent['name']} ({p_layer})"
            if RANK[p_layer] > RANK[layer]:
                found.append(f"{edge}: reads a higher layer")
            elif p_layer == layer and layer not in SAME_RANK:
                if layer == "mart" and (name, parent["name"]) in MART_READS_MART:
                    continue
                found.append(f"{edge}: a {layer} model reads another {layer} model")
    return sorted(found)


def yaml_name_violations(models: Path = MODELS) -> list[str]:
    """YAML files not named _<folder>__models.yml, _<folder>__unit_tests.yml or (staging only)
    _<folder>__sources.yml."""
    found = []
    for yml in sorted([*models.rglob("*.yml"), *models.rglob("*.yaml")]):
        folder = yml.parent.name
        allowed = {f"_{folder}__models.yml", f"_{folder}__unit_tests.yml"}
        if yml.parent.parent.name == "staging":
            allowed.add(f"_{folder}__sources.yml")
        if yml.name not in allowed:
            found.append(f"{yml.relative_to(models.parent)}: name it one of {sorted(allowed)}")
    return found


def _newest_input() -> float:
    files = [
        DBT_DIR / "dbt_project.yml",
        *(p for d in ("models", "macros") for p in (DBT_DIR / d).rglob("*") if p.is_file()),
    ]
    return max(p.stat().st_mtime for p in files)


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    current = DBT_DIR / "target" / "manifest.json"
    if current.exists() and current.stat().st_mtime >= _newest_input():
        return json.loads(current.read_text(encoding="utf-8"))
    target = tmp_path_factory.mktemp("dbt_target")
    dbt = Path(sys.executable).with_name("dbt")
    subprocess.run(
        [str(dbt), "parse", "--quiet", "--profiles-dir", ".", "--target-path", str(target)],
        cwd=DBT_DIR,
        check=True,
    )
    return json.loads((target / "manifest.json").read_text(encoding="utf-8"))


def test_every_ref_points_forward(manifest: dict) -> None:
    violations = layer_violations(manifest)
    assert not violations, "\n".join(violations)


def test_yaml_files_follow_the_naming_scheme() -> None:
    violations = yaml_name_violations()
    assert not violations, "\n".join(violations)
    # the singular tests: one file beside them, none in generic/
    tests = DBT_DIR / "tests"
    assert sorted(p.relative_to(tests).as_posix() for p in tests.rglob("*.y*ml")) == [
        "_singular__tests.yml"
    ]


def test_marts_publish_in_schema_marts(manifest: dict) -> None:
    """Domain folders are for readers: every mart still lands in schema marts (users, apps, the
    gate and exports query marts.<table>); the default scenario is built beside the
    intermediate models and dropped before publishing, as mart_skenario_alokasi ships it."""
    schemas = {
        n["name"]: n["schema"]
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["original_file_path"].startswith("models/marts/")
    }
    assert {m for m, s in schemas.items() if s != "marts"} == {"mart_skenario_bawaan"}
    assert schemas["mart_skenario_bawaan"] == "intermediate"


@pytest.mark.parametrize(
    ("child", "parent", "expected"),
    [
        (
            "int_program_outcome_compared",
            "fct_belanja_wilayah",
            "int_program_outcome_compared (intermediate) -> fct_belanja_wilayah (fct): "
            "reads a higher layer",
        ),
        (
            "fct_belanja_wilayah",
            "mart_anggaran_realisasi",
            "fct_belanja_wilayah (fct) -> mart_anggaran_realisasi (mart): reads a higher layer",
        ),
        (
            "fct_belanja_wilayah",
            "fct_realisasi",
            "fct_belanja_wilayah (fct) -> fct_realisasi (fct): a fct model reads another fct model",
        ),
        (
            "mart_prioritas_alokasi",
            "mart_kinerja_program",
            "mart_prioritas_alokasi (mart) -> mart_kinerja_program (mart): a mart model reads "
            "another mart model",
        ),
    ],
    ids=["int-reads-fct", "fct-reads-mart", "fct-reads-fct", "mart-reads-mart"],
)
def test_a_planted_backward_ref_is_named(
    manifest: dict, child: str, parent: str, expected: str
) -> None:
    """The check can fail: the real manifest with one edge of today's main planted back."""
    planted = copy.deepcopy(manifest)
    by_name = {
        n["name"]: uid for uid, n in planted["nodes"].items() if n["resource_type"] == "model"
    }
    planted["nodes"][by_name[child]]["depends_on"]["nodes"].append(by_name[parent])
    assert layer_violations(planted) == [expected]


def test_a_misnamed_model_and_yaml_file_are_named(manifest: dict, tmp_path: Path) -> None:
    planted = copy.deepcopy(manifest)
    uid = next(u for u, n in planted["nodes"].items() if n["name"] == "int_wilayah_typed")
    planted["nodes"][uid]["name"] = "dim_wilayah_typed"
    assert layer_violations(planted) == [
        "models/intermediate/int_wilayah_typed.sql: intermediate models are named int_…"
    ]
    for old in ("marts/kinerja/_kinerja__models.yml", "staging/sipd/_sipd__sources.yml"):
        (tmp_path / "models" / old).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "models" / old).write_text("version: 2\n", encoding="utf-8")
    (tmp_path / "models" / "marts" / "_marts__kinerja__unit_tests.yml").write_text("version: 2\n")
    (tmp_path / "models" / "marts" / "kinerja" / "_sources.yml").write_text("version: 2\n")
    assert yaml_name_violations(tmp_path / "models") == [
        "models/marts/_marts__kinerja__unit_tests.yml: name it one of "
        "['_marts__models.yml', '_marts__unit_tests.yml']",
        "models/marts/kinerja/_sources.yml: name it one of "
        "['_kinerja__models.yml', '_kinerja__unit_tests.yml']",
    ]
