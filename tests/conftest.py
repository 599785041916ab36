"""Shared fixtures: a fresh data folder per test, quiet telemetry, no network."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dagster_project.lib.core.paths import DataPaths

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("MARIMO_SKIP_UPDATE_CHECK", "1")
# Tests bring their own pseudonymisation key (never the one `make run` creates under data/);
# test_pseudonymise recomputes pseudonyms with it.
os.environ.setdefault("APBD_HMAC_KEY", "kunci-uji-hanya-untuk-pytest-0123456789")
# A secret that only the pipeline runs of the secrets test know: no file, log or output may
# ever contain it.
TEST_HMAC_KEY = "uji-" + os.urandom(16).hex()

DINKES = "1.02.0.00.0.00.01.0000"
DISDIKBUD = "1.01.2.22.0.00.01.0000"


@pytest.fixture
def data_paths(tmp_path, monkeypatch) -> DataPaths:
    paths = DataPaths(tmp_path / "data")
    paths.ensure()
    monkeypatch.setenv("APBD_DATA_DIR", str(paths.root))
    return paths


@pytest.fixture(scope="session")
def baseline_run(tmp_path_factory):
    """One small demo (scale 0.2, 2024) run to the end by `apbd run` in a subprocess, with the
    HMAC key in the environment. Fault and isolation tests copy its data folder and break it."""
    from dagster_project.lib.demo.generator import generate
    from tests.pipeline_kit import DEMO_SCALE, DEMO_YEARS, run_to_end

    root = tmp_path_factory.mktemp("baseline")
    generate(root / "data" / "landing", scale=DEMO_SCALE, years=DEMO_YEARS)
    rc, out = run_to_end(root, APBD_HMAC_KEY=TEST_HMAC_KEY)
    assert rc == 0, out[-6000:]
    return root, out


@pytest.fixture(scope="session")
def published_demo(tmp_path_factory) -> DataPaths:
    """A small demo data set run through the whole pipeline and published, once per session, for
    the tests of what users touch (reports, exports, notebooks, the browser app, the data
    dictionary). Treat it as read-only: those tools must never change the published mart."""
    from dagster_project.lib.demo.generator import generate
    from dagster_project.runtime import configure_environment, ensure_dbt_manifest, run_pipeline

    root = tmp_path_factory.mktemp("published_demo")
    saved = {k: os.environ.get(k) for k in ("APBD_DATA_DIR", "DAGSTER_HOME")}
    os.environ["DAGSTER_HOME"] = str(root / "dagster_home")
    try:
        paths = configure_environment(root / "data")
        ensure_dbt_manifest()
        generate(paths.landing, scale=0.2, years=(2024, 2025))
        report = run_pipeline()
    finally:  # the environment of later tests stays as it was
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    assert report.success, (report.failed_steps, report.failed_checks)
    return paths


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """`test-artifacts/` (git-ignored): screenshots and exported notebooks a person can open."""
    from dagster_project.lib.core.paths import PROJECT_ROOT

    path = PROJECT_ROOT / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path
