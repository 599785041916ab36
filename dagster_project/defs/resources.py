"""Resources: one per external system. Environment is read here and nowhere else in `defs/`."""

import sys
from datetime import date
from functools import cached_property
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource
from packaging import version

from dagster_project.defs.transform.project import dbt_project
from dagster_project.lib.contracts import jadwal
from dagster_project.lib.core.paths import DataPaths


class WarehouseResource(dg.ConfigurableResource):
    """The data folders (landing, raw, quarantine, build, published) under one root."""

    data_dir: str | None = None
    tanggal_acuan: str | None = None

    @property
    def paths(self) -> DataPaths:
        return DataPaths(Path(self.data_dir).resolve()) if self.data_dir else DataPaths.from_env()

    @property
    def build_db(self) -> Path:
        """dbt's build file (dbt opens the same one: lib/transform/dbt_duckdb.py)."""
        return self.paths.build_db

    @property
    def reference_date(self) -> date:
        """The date reporting deadlines are judged on: configured, $APBD_TANGGAL_ACUAN or today."""
        return jadwal.tanggal_acuan(self.tanggal_acuan)

    @property
    def dbt_target(self) -> Path:
        """dbt's target folder for pipeline runs: run_results.json there feeds the gate."""
        return self.paths.build / "dbt_target"


class DbtResource(DbtCliResource):
    """dagster-dbt's resource without two fixed costs of every dbt call that this project never
    uses: `dbt --version` in a subprocess to learn the version (dbt's imports and a look-up of the
    latest release: ~3.5 s) and a dbt adapter loaded in this process with every macro of the
    project (used only to fetch column metadata or row counts; `apbd_dbt_models` reads row counts
    from the build file itself). The dbt run is the same `dbt_executable` subprocess."""

    @cached_property
    def _cli_version(self) -> version.Version:
        from dbt.version import __version__  # the dbt-core of this environment, dbt_executable's

        return version.parse(__version__)

    def _initialize_dbt_core_adapter(self, args):
        return None


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(
        resources={
            "warehouse": WarehouseResource(),
            # The dbt of this environment, whether or not the venv is on PATH.
            "dbt": DbtResource(
                project_dir=dbt_project, dbt_executable=str(Path(sys.executable).parent / "dbt")
            ),
        }
    )
