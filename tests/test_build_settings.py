"""What the build may use of the machine: dbt threads and DuckDB's memory limit (profiles.yml reads
APBD_BUILD_THREADS and APBD_BUILD_MEMORY; lib/core/machine.py computes them)."""

from __future__ import annotations

import os

import yaml

from dagster_project.lib.core import machine
from dagster_project.lib.core.paths import DBT_DIR
from dagster_project.runtime import configure_environment


def test_build_uses_every_core_and_half_the_ram_unless_pinned(tmp_path, monkeypatch):
    for name in ("APBD_BUILD_THREADS", "APBD_BUILD_MEMORY", "APBD_DATA_DIR", "DAGSTER_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    configure_environment(tmp_path / "data")
    assert os.environ["APBD_BUILD_THREADS"] == str(machine.cpus())
    assert os.environ["APBD_BUILD_MEMORY"] == f"{max(1024, machine.ram_mb() // 2)}MB"

    monkeypatch.setenv("APBD_BUILD_MEMORY", "3GB")  # an operator pins it: kept
    monkeypatch.setenv("APBD_BUILD_THREADS", "1")
    configure_environment(tmp_path / "data")
    assert (os.environ["APBD_BUILD_MEMORY"], os.environ["APBD_BUILD_THREADS"]) == ("3GB", "1")


def test_dbt_profile_takes_threads_memory_and_spill_folder_from_the_environment():
    build = yaml.safe_load((DBT_DIR / "profiles.yml").read_text())["apbd"]["outputs"]["build"]
    assert "env_var('APBD_BUILD_THREADS'" in build["threads"]
    assert "env_var('APBD_BUILD_MEMORY'" in build["settings"]["memory_limit"]
    assert build["settings"]["temp_directory"].endswith("/tmp")  # spills under <data>/tmp
