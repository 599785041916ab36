"""Shared fixtures: a fresh data folder per test, quiet telemetry, no network."""

from __future__ import annotations

import os

import pytest

from dagster_project.lib.paths import DataPaths

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

DINKES = "1.02.0.00.0.00.01.0000"
DISDIKBUD = "1.01.2.22.0.00.01.0000"


@pytest.fixture
def data_paths(tmp_path, monkeypatch) -> DataPaths:
    paths = DataPaths(tmp_path / "data")
    paths.ensure()
    monkeypatch.setenv("APBD_DATA_DIR", str(paths.root))
    return paths


# A secret that only the test runs know: no file, log or output may ever contain it.
TEST_HMAC_KEY = "uji-" + os.urandom(16).hex()


@pytest.fixture(scope="session")
def baseline_run(tmp_path_factory):
    """One small demo (scale 0.2, 2024) run to the end by `apbd run` in a subprocess, with the
    HMAC key in the environment. Fault and isolation tests copy its data folder and break it."""
    from dagster_project.lib.demo import generate
    from tests.pipeline_kit import DEMO_SCALE, DEMO_YEARS, run_to_end

    root = tmp_path_factory.mktemp("baseline")
    generate(root / "data" / "landing", scale=DEMO_SCALE, years=DEMO_YEARS)
    rc, out = run_to_end(root, APBD_HMAC_KEY=TEST_HMAC_KEY)
    assert rc == 0, out[-6000:]
    return root, out
