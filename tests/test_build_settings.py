"""What the build may use of the machine: dbt threads and DuckDB's memory limit (APBD_BUILD_THREADS
and APBD_BUILD_MEMORY, computed by lib/core/machine.py; the profile reads the threads, its plugin
lib/transform/dbt_duckdb.py gives DuckDB the memory limit), and a build under a tiny memory limit
that completes by spilling to <data>/tmp."""

from __future__ import annotations

import contextlib
import os
import threading
import types
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import yaml

from dagster_project.lib.core import machine
from dagster_project.lib.core.paths import DBT_DIR, DataPaths
from dagster_project.runtime import configure_environment
from tests.pipeline_kit import build_models


def test_build_uses_every_core_and_a_quarter_of_the_ram_unless_pinned(tmp_path, monkeypatch):
    for name in ("APBD_BUILD_THREADS", "APBD_BUILD_MEMORY", "APBD_DATA_DIR", "DAGSTER_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    configure_environment(tmp_path / "data")
    assert os.environ["APBD_BUILD_THREADS"] == str(machine.cpus())
    assert os.environ["APBD_BUILD_MEMORY"] == f"{machine.duckdb_memory_mb()}MiB"

    monkeypatch.setenv("APBD_BUILD_MEMORY", "3GB")  # an operator pins it: kept
    monkeypatch.setenv("APBD_BUILD_THREADS", "1")
    configure_environment(tmp_path / "data")
    assert (os.environ["APBD_BUILD_MEMORY"], os.environ["APBD_BUILD_THREADS"]) == ("3GB", "1")


@pytest.mark.parametrize(
    ("ram_mib", "limit_mib"),
    [
        (2048, 1024),  # never below 1 GiB
        (4096, 1024),
        (8192, 2048),  # a quarter of the RAM
        (16384, 4096),
        (24576, 5120),  # this machine (24 GiB): 5 GiB, issue 12's 8 GB with room beside it
        (131072, 5120),  # a big server: still 5 GiB
    ],
)
def test_duckdb_memory_is_a_quarter_of_the_ram_between_1_and_5_gib(ram_mib, limit_mib):
    assert machine.duckdb_memory_mb(ram_mib) == limit_mib


@pytest.mark.parametrize(
    ("raw_mib", "memory", "threads"),
    [
        (10, None, 2),  # the 1-pemda demo: models side by side
        (110, None, 2),  # 10 pemda at scale 0.1
        (1100, None, 1),  # 100 pemda: 8.6 GB side by side, 6.4 GB one at a time
        (600, "5GiB", 2),  # up to an eighth of DuckDB's limit
        (700, "5GiB", 1),
        (300, "2GB", 1),  # a small office PC: its limit, pinned or computed, sets the line
    ],
)
def test_large_builds_run_their_models_one_at_a_time(monkeypatch, raw_mib, memory, threads):
    if memory:
        monkeypatch.setenv("APBD_BUILD_MEMORY", memory)
    else:
        monkeypatch.delenv("APBD_BUILD_MEMORY", raising=False)
    assert machine.dbt_threads(raw_mib * 2**20, ceiling=2, memory_mb=None if memory else 5120) == (
        threads
    )
    assert machine.dbt_threads(10 * 2**20, ceiling=1) == 1  # an operator's pin is the most


def test_every_pipeline_duckdb_gets_the_build_limit_and_spill_folder(tmp_path, monkeypatch):
    """One rule for the dbt build and every other database the pipeline opens on the whole data
    (raw audit, gate, benchmark limit): machine.duckdb_config, which DuckDB accepts as it is."""
    monkeypatch.setenv("APBD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("APBD_BUILD_MEMORY", raising=False)
    config = machine.duckdb_config()
    assert config["memory_limit"] == machine.build_settings()["APBD_BUILD_MEMORY"]
    assert config["temp_directory"] == str((tmp_path / "data" / "tmp").resolve())
    monkeypatch.setenv("APBD_BUILD_MEMORY", "300MB")  # pinned for the build: pinned for all
    other = DataPaths(tmp_path / "lain")
    config = machine.duckdb_config(other)
    with duckdb.connect(config=config) as con:
        got = con.execute(
            "select current_setting('memory_limit'), current_setting('temp_directory'), "
            "current_setting('preserve_insertion_order'), current_setting('file_search_path')"
        ).fetchone()
    assert got == ("286.1 MiB", str(other.tmp), False, str(other.root))


def test_dbt_opens_the_build_file_of_the_environment_with_the_pipelines_settings(
    tmp_path, monkeypatch
):
    """The profile names no data folder (dbt's partial-parse check hashes its connection values):
    its plugin gives dbt the build file and DuckDB's settings when dbt opens the database, the
    same settings as every other connection on the whole data, and the folder the sources'
    files are named in. Given once, at connect: `settings` would be SET again on every cursor,
    and DuckDB refuses a second SET temp_directory once something spilled there."""
    from dbt_common.exceptions import DbtRuntimeError

    from dagster_project.lib.transform.dbt_duckdb import Plugin

    text = (DBT_DIR / "profiles.yml").read_text(encoding="utf-8")
    build = yaml.safe_load(text)["apbd"]["outputs"]["build"]
    assert "env_var('APBD_BUILD_THREADS'" in build["threads"]
    assert not {"settings", "config_options"} & set(build)
    assert "APBD_DATA_DIR" not in yaml.safe_dump(build)
    assert [p["module"] for p in build["plugins"]] == [Plugin.__module__]
    sources = [p.read_text(encoding="utf-8") for p in (DBT_DIR / "models").rglob("*.yml")]
    assert not [s for s in sources if "APBD_DATA_DIR" in s]

    paths = DataPaths(tmp_path / "data")
    monkeypatch.setenv("APBD_DATA_DIR", str(paths.root))
    monkeypatch.setenv("APBD_BUILD_MEMORY", "300MB")
    monkeypatch.delenv("APBD_BUILD_DB", raising=False)
    creds = types.SimpleNamespace(path=build["path"], database=Path(build["path"]).stem)
    config: dict[str, object] = {}
    Plugin(name="dbt_duckdb", plugin_config={}).update_connection_config(creds, config)
    assert creds.path == str(paths.build_db)
    assert config == machine.duckdb_config(paths)
    assert config["memory_limit"] == "300MB" and config["preserve_insertion_order"] is False

    monkeypatch.setenv("APBD_BUILD_DB", str(tmp_path / "lain" / paths.build_db.name))
    Plugin(name="dbt_duckdb", plugin_config={}).update_connection_config(creds, {})
    assert creds.path == str(tmp_path / "lain" / paths.build_db.name)  # an ad-hoc build
    monkeypatch.setenv("APBD_BUILD_DB", str(tmp_path / "test.duckdb"))
    with pytest.raises(DbtRuntimeError, match=r"harus bernama apbd_build\.duckdb"):
        Plugin(name="dbt_duckdb", plugin_config={}).update_connection_config(creds, {})


@contextlib.contextmanager
def spill_files(folder: Path) -> Iterator[dict[str, int]]:
    """The largest size seen of each file in `folder` while the block runs (polled every 10 ms:
    DuckDB removes its spill files when the query that wrote them ends)."""
    seen: dict[str, int] = {}
    done = threading.Event()

    def poll() -> None:
        while not done.wait(0.01):
            with contextlib.suppress(FileNotFoundError):
                for entry in os.scandir(folder):
                    with contextlib.suppress(FileNotFoundError):
                        size = entry.stat().st_size
                        seen[entry.name] = max(seen.get(entry.name, 0), size)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    try:
        yield seen
    finally:
        done.set()
        watcher.join()


def test_a_build_under_a_tiny_memory_limit_spills_and_builds_the_same_mart(
    copy_demo, published_demo
):
    """The shared demo's budget mart and everything under it (26 nodes), rebuilt by dbt from its
    raw Parquet with DuckDB limited to 112 MB on one thread (dbt's and DuckDB's): what does not
    fit goes to <data>/tmp, every model after the spill still runs, and the mart is the published
    one, row for row. Measured on the scale-0.3 demo, DuckDB on one thread: 100 MB runs out of
    memory on what DuckDB cannot spill, 112 MB spills, 128 MB needs no spill. On two DuckDB
    threads 100 MB spilled 6–12 MB and once in a loaded CI run ran out (95.3 of 95.3 MiB): the
    peak varies with how the threads interleave, so this test pins one. The profile's former
    `settings` failed the first model after the spill (`Cannot switch temporary directory`)."""
    root, paths = copy_demo("hemat_memori")
    with spill_files(paths.tmp) as seen:
        build = build_models(
            root,
            "hemat",
            "+mart_anggaran_realisasi",
            data_tests=False,
            APBD_BUILD_MEMORY="112MB",
            APBD_BUILD_THREADS="1",
            APBD_DUCKDB_THREADS="1",
        )
    spilled = {name: size for name, size in seen.items() if "storage" in name and size}
    assert spilled, f"nothing spilled to {paths.tmp} under 112 MB: {seen}"
    with duckdb.connect(str(build), read_only=True) as con:
        con.execute(f"attach '{published_demo.published_db}' as terbit (read_only true)")
        a = "select * from marts.mart_anggaran_realisasi"
        b = "select * from terbit.marts.mart_anggaran_realisasi"
        assert con.execute(f"select count(*) from ({a})").fetchone()[0] > 0
        for x, y in ((a, b), (b, a)):
            assert con.execute(f"select count(*) from ({x} except all {y})").fetchone()[0] == 0
