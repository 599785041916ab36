"""The data dictionary (`make docs`): dbt docs with every published column described in
Indonesian and English, its catalog read from the published mart without changing it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dagster_project.lib.core.paths import DBT_DIR
from dagster_project.lib.publish.publisher import sha256_file

YAML_FILES = sorted(
    [
        *(DBT_DIR / "models" / "marts").rglob("_*__models.yml"),
        DBT_DIR / "seeds" / "properti" / "_seeds.yml",
    ]
)


def bilingual(text: str | None) -> bool:
    """'Indonesian. / English.' (either order): two non-empty halves around ' / '."""
    parts = " ".join((text or "").split()).split(" / ")
    return len(parts) >= 2 and all(p.strip(" .") for p in parts)


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: p.name)
def test_every_published_model_and_column_is_described_in_both_languages(path):
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    missing = []
    for node in [*doc.get("models", []), *doc.get("seeds", [])]:
        if not bilingual(node.get("description")):
            missing.append(node["name"])
        missing += [
            f"{node['name']}.{c['name']}"
            for c in node.get("columns", [])
            if not bilingual(c.get("description"))
        ]
    assert not missing


def test_dbt_docs_generate_reads_the_published_mart_read_only(published_demo, tmp_path):
    before = sha256_file(published_demo.published_db)
    target = tmp_path / "docs"
    dbt = Path(sys.executable).with_name("dbt")
    args = ["docs", "generate", "--static", "--quiet", "--target", "docs"]
    dirs = ["--profiles-dir", str(DBT_DIR), "--project-dir", str(DBT_DIR)]
    result = subprocess.run(
        [str(dbt), *args, *dirs, "--target-path", str(target)],
        cwd=DBT_DIR,
        env={**os.environ, "APBD_DATA_DIR": str(published_demo.root)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert sha256_file(published_demo.published_db) == before
    assert not published_demo.published_db.with_suffix(".duckdb.wal").exists()

    catalog = json.loads((target / "catalog.json").read_text(encoding="utf-8"))
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    assert (
        manifest["metadata"]["send_anonymous_usage_stats"] is False
    )  # the docs page tracks nothing
    assert (target / "static_index.html").stat().st_size > 100_000  # opens without a server

    published = {
        uid: node
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["schema"] == "marts"
    }
    assert {n["name"] for n in published.values()} >= {
        "mart_anggaran_realisasi",
        "mart_realisasi_bulanan",
        "dim_opd",
        "fct_realisasi",
    }
    undocumented = []
    for uid, node in published.items():
        assert uid in catalog["nodes"], f"{node['name']} not found in the published mart"
        for col in catalog["nodes"][uid]["columns"]:
            desc = node["columns"].get(col, {}).get("description")
            if not bilingual(desc):
                undocumented.append(f"{node['name']}.{col}")
    assert not undocumented
