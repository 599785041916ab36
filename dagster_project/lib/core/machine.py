"""What this machine has (cores, memory) and what the build may use of it.

dbt's profile (`dbt/profiles.yml`) reads the build's settings from the environment:
`APBD_BUILD_THREADS` (dbt threads: every core this process may run on) and `APBD_BUILD_MEMORY`
(DuckDB `memory_limit` of the build: half the RAM, at least 1 GB; DuckDB spills what does not
fit to `<data>/tmp`, profiles.yml `temp_directory`). `build_settings()` computes them;
`runtime.configure_environment` sets them unless they are set already, so an operator can pin
either (e.g. `APBD_BUILD_MEMORY=6GB` on a machine the build shares).
"""

from __future__ import annotations

import os


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


def build_settings() -> dict[str, str]:
    """The environment dbt's profile reads for the build: threads and DuckDB's memory limit."""
    return {
        "APBD_BUILD_THREADS": str(cpus()),
        "APBD_BUILD_MEMORY": f"{max(1024, ram_mb() // 2)}MB",
    }
