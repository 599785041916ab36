"""Shared fixtures: a fresh data folder per test, quiet telemetry, no network."""

from __future__ import annotations

import os

import pytest

from dagster_project.lib.paths import DataPaths

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
# Tests bring their own pseudonymisation key (never the one `make run` creates under data/).
os.environ.setdefault("APBD_HMAC_KEY", "kunci-uji-hanya-untuk-pytest-0123456789")

DINKES = "1.02.0.00.0.00.01.0000"
DISDIKBUD = "1.01.2.22.0.00.01.0000"


@pytest.fixture
def data_paths(tmp_path, monkeypatch) -> DataPaths:
    paths = DataPaths(tmp_path / "data")
    paths.ensure()
    monkeypatch.setenv("APBD_DATA_DIR", str(paths.root))
    return paths
