"""Which landing files arrived since the last look, and are complete (no Dagster import).

The landing sensor calls `scan` on every tick with the state it kept from the last one (the
cursor: per file its size, mtime and, once read, its sha256). A file is *ready* when it has
stopped changing: its size and mtime are what the previous tick saw, or its mtime is older than
the settle window (a file copied in long ago, or re-dated). A file still being written changes
between ticks, so it waits. A ready file is *new* when its sha256 is not what the warehouse last
loaded from that path (the ingest log): a re-upload of the same bytes, or a touched file, starts
nothing; a corrected file, or going back to an earlier version, does.

The cursor holds one short entry per landing file. At a national scale (10^5 files) it should move
to a table; for one city (hundreds of files a year) a JSON string is enough.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from dagster_project.lib.contracts.model import Contract
from dagster_project.lib.core.files import sha256_file
from dagster_project.lib.core.paths import DataPaths
from dagster_project.lib.ingest.loader import landing_files, read_ingest_log

SETTLE_SECONDS = 60.0


@dataclass(frozen=True)
class Arrival:
    """A complete landing file whose content the warehouse has not loaded from that path."""

    path: Path
    berkas: str  # path relative to landing/, as the ingest log names it
    contract: Contract
    sha256: str
    mtime_ns: int
    loaded_before: bool  # these bytes were loaded from this path once, then replaced


@dataclass
class Scan:
    arrivals: list[Arrival] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)  # still being written
    cursor: dict = field(default_factory=dict)


def _log_index(paths: DataPaths) -> tuple[dict[str, str], dict[str, set[str]]]:
    """(latest sha256 per landing path, every sha256 ever loaded per path) from the ingest log."""
    log = read_ingest_log(paths).filter(pl.col("berkas").is_not_null())
    latest = {r["berkas"]: r["sha256"] for r in log.sort("dimuat_pada").iter_rows(named=True)}
    seen: dict[str, set[str]] = {}
    for r in log.filter(pl.col("status") == "dimuat").iter_rows(named=True):
        seen.setdefault(r["berkas"], set()).add(r["sha256"])
    return latest, seen


def scan(
    paths: DataPaths,
    contracts: Iterable[Contract],
    cursor: dict | None,
    *,
    now: float,
    settle_seconds: float = SETTLE_SECONDS,
    hasher: Callable[[Path], str] = sha256_file,
) -> Scan:
    """Look at every landing file of every source once; return what is ready and new."""
    before: dict[str, list] = dict((cursor or {}).get("files", {}))
    after: dict[str, list] = {}
    out = Scan()
    index: tuple[dict[str, str], dict[str, set[str]]] | None = None
    for contract in contracts:
        for path in landing_files(contract, paths):
            try:
                st = path.stat()
            except FileNotFoundError:  # removed while we looked
                continue
            berkas = path.relative_to(paths.landing).as_posix()
            size, mtime_ns = st.st_size, st.st_mtime_ns
            prev = before.get(berkas)
            unchanged = prev is not None and prev[0] == size and prev[1] == mtime_ns
            if unchanged and prev[2]:
                after[berkas] = prev  # handled on an earlier tick
                continue
            settled = now - mtime_ns / 1e9 >= settle_seconds
            if not (unchanged or settled):
                after[berkas] = [size, mtime_ns, None]
                out.waiting.append(berkas)
                continue
            sha = hasher(path)
            after[berkas] = [size, mtime_ns, sha]
            if prev is not None and prev[2] == sha:
                continue  # same bytes again (touched, or re-sent identical)
            if index is None:
                index = _log_index(paths)
            latest, seen = index
            if latest.get(berkas) == sha:
                continue  # already what the warehouse holds for this path
            out.arrivals.append(
                Arrival(
                    path=path,
                    berkas=berkas,
                    contract=contract,
                    sha256=sha,
                    mtime_ns=mtime_ns,
                    loaded_before=sha in seen.get(berkas, set()),
                )
            )
    out.cursor = {"files": after}
    return out
