"""dbt-duckdb plugin (`plugins` in dbt/profiles.yml): the database dbt opens and its settings,
read from the environment when dbt opens it, not written into the profile.

dbt reuses its last parse (target/partial_parse.msgpack) only while a hash of the profile's
connection values is unchanged. A profile naming the data folder (the build file, the spill
folder) made dbt parse the whole project again in every new data folder: the first run after
`make setup`, `apbd run --data-dir`, each copy of the demo in the tests (`dbt parse`, measured:
7.6 s with the last parse in another data folder, 3.1 s in the same one). So neither the profile
nor the sources name it: dbt-duckdb calls this plugin just before it connects, and it gives

- the build file: `$APBD_BUILD_DB` (an ad-hoc build), else `<data>/build/apbd_build.duckdb`
  (`DataPaths.build_db`); the profile's `path` is only its name, the catalog dbt writes into;
- DuckDB's settings for the whole data (`machine.duckdb_config`: the memory limit, spilling to
  `<data>/tmp`, insertion order not kept, and `file_search_path` = the data folder, where the
  sources' files are named: `raw/<system>/<table>/…`, `scenarios/…`, lib/contracts/dbt_codegen.py),
  one rule with every other connection of the pipeline on the whole data.

`<data>` is `$APBD_DATA_DIR` (`runtime.configure_environment` sets it for every run).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
from dbt_common.exceptions import DbtRuntimeError

from dagster_project.lib.core.machine import duckdb_config
from dagster_project.lib.core.paths import DataPaths


class Plugin(BasePlugin):
    def update_connection_config(self, creds: Any, config: dict[str, Any]) -> None:
        paths = DataPaths.from_env()
        build = Path(os.environ.get("APBD_BUILD_DB") or paths.build_db).resolve()
        if build.stem != creds.database:
            raise DbtRuntimeError(
                f"APBD_BUILD_DB={build}: berkas build harus bernama {creds.database}.duckdb "
                "(katalog yang ditulis dbt); taruh build lain di folder lain. / The build file "
                f"must be named {creds.database}.duckdb; put another build in another folder."
            )
        build.parent.mkdir(parents=True, exist_ok=True)  # DuckDB creates the file, not folders
        creds.path = str(build)
        config.update(duckdb_config(paths))
