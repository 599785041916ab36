"""What this machine has (cores, memory) and what the build may use of it.

dbt reads the build's settings from the environment (the profile, `dbt/profiles.yml`, and its
plugin, `lib/transform/dbt_duckdb.py`):
`APBD_BUILD_THREADS` (dbt threads: at most every core this process may run on; the dbt asset
lowers it to one for a large build, `dbt_threads`) and `APBD_BUILD_MEMORY` (DuckDB
`memory_limit` of the build, `duckdb_memory_mb`). `build_settings()` computes them;
`runtime.configure_environment` sets them unless they are set already, so an operator can pin
either (e.g. `APBD_BUILD_MEMORY=3GB` on a machine the build shares).

The memory limit is one rule for every DuckDB database the pipeline opens on the whole data
(`duckdb_config`: dbt's build, through the profile's plugin; the raw audit and row counts of
ingest, finalize and the gate's checks on the build file, the benchmark's DuckDB-only limit):
`memory_limit`, `temp_directory` = `<data>/tmp` (what does not fit spills there; an in-memory
database would otherwise spill into `.tmp` of whatever folder the process runs in) and
`preserve_insertion_order` = false (DuckDB's advice for loading and writing data larger than
memory: a 150 MB build of the scale-0.3 demo ran 120 of its 121 models with it, 98 without; no
model ends in ORDER BY, so a table's row order was never defined: joins and aggregates on two
threads do not keep it). DuckDB's `max_temp_directory_size` stays at its default (90 % of the
free disk). And `file_search_path` = the data folder, where the dbt sources name their files.
"""

from __future__ import annotations

import os
import re
from typing import Any

from dagster_project.lib.core.paths import DataPaths

# Issue 12: the whole pipeline, 100 pemda included, within 8 GB of RAM (peak RSS of the process
# tree). DuckDB's memory_limit bounds its buffer manager only; beside it run the Dagster run
# process (at most 1.75 GB at 100 pemda: the gate stage's peak, DuckDB included,
# benchmarks/results/pemda100), dbt's own Python (≈0.3 GB: a dbt build of the demo under a
# 200 MB limit peaked at 330 MB) and what DuckDB allocates outside its buffer manager (its
# out-of-memory guide: set the limit well below what the process may use). 5 GiB + 1.75 + 0.3
# leaves ≈1 GB of the 8 for that.
DUCKDB_MEMORY_CAP_MB = 5 * 1024
DUCKDB_MEMORY_FLOOR_MB = 1024  # DuckDB wants ~128 MB per thread; a build below 1 GB only spills


def cpus() -> int:
    """Cores this process may run on (its CPU affinity, not the machine's whole count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def ram_mb() -> int:
    """Physical memory in MB."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2**20
    except (AttributeError, ValueError, OSError):  # not POSIX: assume a small office PC
        return 4096


def duckdb_memory_mb(ram: int | None = None) -> int:
    """DuckDB's memory limit for the build, in MiB: a quarter of the RAM, between 1 GiB and
    `DUCKDB_MEMORY_CAP_MB` (5 GiB: 24 GiB here gives 5 GiB, 16 GiB 4 GiB, 8 GiB 2 GiB).

    A quarter, not half as before: at half (12 GB here) the 100-pemda build grew to a peak RSS
    of 12.35 GB (issue 12's bar is 8 GB), and the build shares the machine with the Dagster
    process, the OS and, on a small office PC, whatever else runs; the cap holds the bar on a
    bigger machine too. What does not fit spills to disk instead."""
    ram = ram_mb() if ram is None else ram
    return min(DUCKDB_MEMORY_CAP_MB, max(DUCKDB_MEMORY_FLOOR_MB, ram // 4))


# dbt runs models side by side (one per thread) while the raw data is at most this share of
# DuckDB's memory limit, one at a time above it. Two large models side by side each allocate
# outside DuckDB's limit (its out-of-memory guide: "some operations circumvent the buffer
# manager"): at 100 pemda (1.1 GB of raw Parquet, limit 5 GiB) int_kode_dipakai_unioned and
# int_rincian_matched_across_tahap peaked at 8.6 GB side by side and 5.3 GB one after the
# other, in 55 and 66 s; the whole dbt stage took 7:45 on two threads (peak 8.6 GB) and 7:35 on
# one (6.4 GB): DuckDB already spreads one large query over every core. Small builds gain from
# two threads (dbt's own cost per node overlaps): the 1-pemda demo's raw data is ≈ 10 MB.
RAW_SHARE_FOR_THREADS = 8


def dbt_threads(raw_bytes: int, ceiling: int | None = None, memory_mb: int | None = None) -> int:
    """dbt threads for a build over `raw_bytes` of raw Parquet: `ceiling` (the cores, or what an
    operator pinned) while the raw data is at most 1/RAW_SHARE_FOR_THREADS of DuckDB's memory
    limit, else one."""
    ceiling = cpus() if ceiling is None else ceiling
    memory_mb = build_memory_mb() if memory_mb is None else memory_mb
    if raw_bytes * RAW_SHARE_FOR_THREADS > memory_mb * 2**20:
        return 1
    return ceiling


_UNITS = {"kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12}
_UNITS |= {"kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b)\s*", re.I)


def size_mb(text: str) -> int | None:
    """A size as DuckDB reads it ("3GB", "5120MiB", "2 gib") in MiB, None if it is not one."""
    m = _SIZE.fullmatch(text)
    return int(float(m[1]) * _UNITS[m[2].lower()] / 2**20) if m else None


def build_memory_mb() -> int:
    """The build's DuckDB memory limit in MiB: `APBD_BUILD_MEMORY` when set, else the machine's
    rule."""
    pinned = size_mb(os.environ.get("APBD_BUILD_MEMORY", ""))
    return duckdb_memory_mb() if pinned is None else pinned


def build_settings() -> dict[str, str]:
    """The environment dbt's profile reads for the build: threads and DuckDB's memory limit."""
    return {
        "APBD_BUILD_THREADS": str(cpus()),
        "APBD_BUILD_MEMORY": f"{duckdb_memory_mb()}MiB",
    }


def duckdb_config(paths: DataPaths | None = None) -> dict[str, Any]:
    """`duckdb.connect(..., config=duckdb_config())` for a database the pipeline opens on the
    whole data of `paths` (default: `APBD_DATA_DIR`'s), dbt's build included (its plugin,
    lib/transform/dbt_duckdb.py): the build's memory limit (`APBD_BUILD_MEMORY` when set), spill
    to `<data>/tmp`, insertion order not kept, DuckDB's threads (every core, or
    `APBD_DUCKDB_THREADS`), and `file_search_path` = the data folder, where
    the dbt sources' files are named (`raw/...`: a view of the build over raw Parquet reads
    through it). Readers of the published mart have their own limits (`lib/publish/access.py`)."""
    paths = paths or DataPaths.from_env()
    if "," in str(paths.root):  # file_search_path is a comma-separated list
        raise ValueError(
            f"Folder data {paths.root} memuat koma; pindahkan ke folder tanpa koma "
            "(the data folder's path must not contain a comma)."
        )
    memory = os.environ.get("APBD_BUILD_MEMORY") or build_settings()["APBD_BUILD_MEMORY"]
    config = {
        "memory_limit": memory,
        "temp_directory": str(paths.tmp),
        "preserve_insertion_order": False,
        "file_search_path": str(paths.root),
    }
    if threads := os.environ.get("APBD_DUCKDB_THREADS"):  # default: every core
        config["threads"] = int(threads)
    return config
