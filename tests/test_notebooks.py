"""Every notebook runs headless (`marimo export html`, which executes all cells and fails when one
raises) against a freshly published demo mart, reading it read-only."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dagster_project.lib.paths import PROJECT_ROOT
from dagster_project.lib.publish import sha256_file

NOTEBOOKS = sorted((PROJECT_ROOT / "notebooks").glob("[0-9][0-9]_*.py"))


def test_there_are_a_planner_and_a_finance_notebook():
    assert [p.name for p in NOTEBOOKS] == ["01_perencana_alokasi.py", "02_keuangan_serapan.py"]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_reads_the_published_mart_only_through_the_read_only_helpers(notebook):
    tree = ast.parse(notebook.read_text(encoding="utf-8"))
    calls = {ast.unparse(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    assert not any(c.endswith("duckdb.connect") for c in calls)  # only open_published/read_frame
    assert calls & {"open_published", "read_frame"}
    source = notebook.read_text(encoding="utf-8")
    for schema in ("staging.", "intermediate.", "raw/", "landing"):
        assert schema not in source, schema


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_headless_against_the_published_demo(
    notebook, published_demo, artifacts_dir, tmp_path
):
    out = artifacts_dir / f"{notebook.stem}.html"
    before = sha256_file(published_demo.published_db)
    tree = sorted(notebook.parent.rglob("*"))
    env = {
        **os.environ,
        "APBD_DATA_DIR": str(published_demo.root),
        "MARIMO_SKIP_UPDATE_CHECK": "1",
        # marimo keeps a session cache in __marimo__/ beside the notebook unless Python has a
        # pycache prefix: keep test runs out of the work tree.
        "PYTHONPYCACHEPREFIX": str(tmp_path / "pycache"),
    }
    marimo = Path(sys.executable).with_name("marimo")
    result = subprocess.run(
        [str(marimo), "export", "html", "--no-include-code", str(notebook), "-o", str(out), "-f"],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    html = out.read_text(encoding="utf-8")
    assert "Belum ada mart terbit" not in html
    assert "Traceback" not in html
    assert "Rp" in html and "Serapan" in html
    assert sha256_file(published_demo.published_db) == before
    assert sorted(notebook.parent.rglob("*")) == tree  # nothing written beside the notebooks
