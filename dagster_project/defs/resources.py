"""Resources: one per external system. Environment is read here and nowhere else in `defs/`."""

import sys
from datetime import date
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from dagster_project.defs.transform.project import dbt_project
from dagster_project.lib.contracts import jadwal
from dagster_project.lib.core.paths import DataPaths

BUILD_FILE = "apbd_build.duckdb"


class WarehouseResource(dg.ConfigurableResource):
    """The data folders (landing, raw, quarantine, build, published) under one root."""

    data_dir: str | None = None
    tanggal_acuan: str | None = None

    @property
    def paths(self) -> DataPaths:
        return DataPaths(Path(self.data_dir).resolve()) if self.data_dir else DataPaths.from_env()

    @property
    def build_db(self) -> Path:
        """dbt's build file (profiles.yml points at the same place through APBD_DATA_DIR)."""
        return self.paths.build / BUILD_FILE

    @property
    def reference_date(self) -> date:
        """The date reporting deadlines are judged on: configured, $APBD_TANGGAL_ACUAN or today."""
        return jadwal.tanggal_acuan(self.tanggal_acuan)

    @property
    def dbt_target(self) -> Path:
        """dbt's target folder for pipeline runs: run_results.json there feeds the gate."""
        return self.paths.build / "dbt_target"


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(
        resources={
            "warehouse": WarehouseResource(),
            # The dbt of this environment, whether or not the venv is on PATH.
            "dbt": DbtCliResource(
                project_dir=dbt_project, dbt_executable=str(Path(sys.executable).parent / "dbt")
            ),
        }
    )
