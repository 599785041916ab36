"""The process pool ingest spreads its files over, so a run uses every core it may.

Reading, checking and writing a landing file is Python and small Polars calls (one core each);
files of different slots share nothing, so `loader.ingest_source` hands groups of them to these
worker processes. The pool is started once per process (spawned, never forked: Polars and
Dagster run threads) and kept for the next source; `APBD_INGEST_WORKERS` sets its size
(default: the cores this process may use; 1 = everything in this process, no pool).

A worker takes the `APBD_*` environment of the call it serves (`run_env` → `apply_env`), so the
data folder, the pseudonymisation key and the failpoints are the caller's even when the pool
outlived an earlier call that had others. This module imports no Polars: a worker limits
Polars' threads before Polars starts (two workers on two cores, one thread each).
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor

from dagster_project.lib.core import machine

ENV = "APBD_INGEST_WORKERS"
_PREFIX = "APBD_"
_pool: ProcessPoolExecutor | None = None
_size = 0


def worker_count() -> int:
    """How many processes ingest may use: `APBD_INGEST_WORKERS`, else the cores available."""
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return machine.cpus()
    try:
        return max(1, int(raw))
    except ValueError:
        raise ValueError(
            f"{ENV}={raw!r}: harus bilangan bulat ≥ 1 (jumlah proses ingest)"
        ) from None


def _init(polars_threads: int) -> None:
    os.environ.setdefault("POLARS_MAX_THREADS", str(polars_threads))


def pool(size: int) -> ProcessPoolExecutor:
    """The shared pool of `size` processes (a new one if the size changed or a worker died)."""
    global _pool, _size
    if _pool is not None and (_size != size or getattr(_pool, "_broken", False)):
        shutdown()
    if _pool is None:
        _pool = ProcessPoolExecutor(
            max_workers=size,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init,
            initargs=(max(1, machine.cpus() // size),),
        )
        _size = size
    return _pool


def submit_all(size: int, fn: Callable, calls: Iterable[tuple]) -> list[Future]:
    """`fn(*args)` for each args of `calls` in the pool of `size` processes."""
    executor = pool(size)
    with _main_not_reimported():  # a process started now does not run the caller's script
        return [executor.submit(fn, *args) for args in calls]


@contextlib.contextmanager
def _main_not_reimported() -> Iterator[None]:
    """A spawned process imports the parent's `__main__` script again, which runs a script
    without an `if __name__ == "__main__"` guard a second time (and makes that script's
    ingest start workers of its own). The workers need nothing of it: while they start, the
    main module names no file, so they skip it. (ProcessPoolExecutor starts them in submit.)"""
    main = sys.modules.get("__main__")
    had_file, file = hasattr(main, "__file__"), getattr(main, "__file__", None)
    spec = getattr(main, "__spec__", None)
    try:
        main.__spec__ = None
        if had_file:
            del main.__file__
        yield
    finally:
        main.__spec__ = spec
        if had_file:
            main.__file__ = file


def warm() -> None:
    """Start the workers now (they import Polars and the project, ~1 s each), while the caller
    has other work to do before its first ingest; nothing when ingest runs in one process."""
    if (size := worker_count()) > 1:
        submit_all(size, os.getpid, [()] * size)


def pids() -> list[int]:
    """The worker processes running now (for the benchmark's memory figures)."""
    return list(_pool._processes) if _pool is not None else []  # type: ignore[attr-defined]


def shutdown() -> None:
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)
        _pool = None


atexit.register(shutdown)


@contextlib.contextmanager
def shut_down_after() -> Iterator[None]:
    """The pool ends with the block (a pipeline run): an idle worker holds ~250 MB."""
    try:
        yield
    finally:
        shutdown()


def run_env() -> dict[str, str]:
    """The caller's `APBD_*` variables, for the worker that serves it."""
    return {k: v for k, v in os.environ.items() if k.startswith(_PREFIX)}


def apply_env(env: dict[str, str]) -> None:
    """In a worker: exactly the caller's `APBD_*` variables, none left from an earlier call."""
    for k in [k for k in os.environ if k.startswith(_PREFIX) and k not in env]:
        del os.environ[k]
    os.environ.update(env)
