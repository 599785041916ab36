"""Shared fixtures: a fresh data folder per test, quiet telemetry, no network, and ONE published demo.

How to write a test that needs published data (read this before adding a pipeline run):

- Read-only: take `published_demo` (a `DataPaths`). It is one Samarinda demo (scale
  `DEMO_SCALE`, years `DEMO_YEARS`, pseudonymised with `TEST_HMAC_KEY`) run once per session
  through the real pipeline (ingest, dbt build, gate, publish). Never change anything under it:
  every other test reads the same files. `demo_run` gives the same run with its root folder, the
  generator's manifest (planted truth and totals) and the run report.
- Changing state (new landing files, a kill, a saved scenario, another run): take `copy_demo`
  and call it, e.g. `root, paths = copy_demo("isolasi")`: a copy of the demo's data folder in a
  new tmp folder, next to an empty `dagster_home/` for that copy. Run the real pipeline on it in a
  subprocess with `pipeline_kit.run_to_end(root)` / `start_run(root)`, or in this process inside
  `with pipeline_kit.pipeline_env(root): run_pipeline()`.
- Nothing published needed: `data_paths` (an empty data folder, APBD_DATA_DIR set for the test).
- A new world only when the demo cannot be it (the automation module re-dates and withholds
  files before the first ingest): build it under `pipeline_env` and mark the module `slow`.
- Another run costs minutes: first see whether a run the suite already makes can carry your
  assertions. test_faults' recovering run (`apbd run` in a subprocess) also carries the
  isolation tests (one OPD's bad file never blocks the others), a saved scenario published by the
  next run, the no-op ingest of unchanged files and what `apbd run` prints.
- A test of a method or a source, not of the pipeline around it, needs no run: ingest with the
  real loader (`ingest_source`) and `pipeline_kit.build_models(root, name, "+mart_x")` builds only
  those marts and what they stand on (test_placebo_pipeline, test_sipd_export_pipeline).

Tests that use `published_demo`, `demo_run`, `copy_demo`, `baseline_run` or `built_db` (a dbt
build on hand-made raw files, test_dbt_project), directly or through another fixture, are marked
`slow` automatically (`pytest_collection_modifyitems` below): `make test-fast` runs the rest
(`-m "not slow"`), `make test` runs everything.

`make test` runs on both cores (pytest-xdist, `-n 2 --dist loadfile`, Makefile). What that asks
of a test module:
- A module is one unit of work: its tests run in order on one worker, so a module-scoped
  fixture (a world, a copied demo and its re-run) is built once. State is never shared between
  modules (but for the shared demo, below): tests that build on one state live in one module.
- The modules that run their own pipeline are handed out first, longest first (`FIRST` below),
  so the two cores start on the long work while one of them builds the shared demo. Add a new
  module that runs a pipeline to `FIRST`, in order of its cost.
- The shared demo is built once per `make test`, by the first worker that needs it, under a file
  lock; the other worker reads the same folder (read-only) and gets copies of it like any test.
  Each worker has its own tmp folders; nothing else is shared between them, and servers pick a
  free port.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from dagster_project.lib.core.paths import DataPaths
from dagster_project.runtime import RUN_ENV

# A run's defaults (telemetry off, dbt's log file at info) for this process and every subprocess
for _k, _v in RUN_ENV.items():
    os.environ.setdefault(_k, _v)
os.environ.setdefault("MARIMO_SKIP_UPDATE_CHECK", "1")
# Ingest inside a test process runs in that process: two xdist workers already keep both cores
# busy, and a pool of ingest workers per test process only adds process start-ups (clean clone,
# this machine: pytest 511 s and 943 s of CPU with pools, 425 s and 783 s without). The pool is tested with
# explicit `workers=2` (test_ingest), and every `apbd run` a test starts in a subprocess
# (pipeline_kit.env_for drops APBD_* variables) uses the default, both cores.
os.environ.setdefault("APBD_INGEST_WORKERS", "1")
# Tests bring their own pseudonymisation key (never the one `make run` creates under data/);
# test_pseudonymise recomputes pseudonyms with it.
os.environ.setdefault("APBD_HMAC_KEY", "kunci-uji-hanya-untuk-pytest-0123456789")
# The one key of the shared demo and every copy of it: a secret that no file, log or output may
# ever contain (test_faults' isolation tests check). New for every `pytest` run; the xdist workers of one run
# derive the same key from the run's id (the demo one worker builds is copied by the other).
_RUN_ID = os.environ.get("PYTEST_XDIST_TESTRUNUID") or os.urandom(16).hex()
TEST_HMAC_KEY = "uji-" + hashlib.sha256(f"apbd-uji:{_RUN_ID}".encode()).hexdigest()[:32]

DINKES = "1.02.0.00.0.00.01.0000"
DISDIKBUD = "1.01.2.22.0.00.01.0000"

# Fixtures that run the pipeline (or dbt build) or stand on one that did: their tests are `slow`.
SLOW_FIXTURES = frozenset({"demo_run", "published_demo", "copy_demo", "baseline_run", "built_db"})


# Modules handed out first under xdist, longest first: the shared demo's first user (its build
# starts at once), then the modules that run worlds of their own (the other worker needs no
# demo for them), then those that copy the demo and run again. Everything else follows in the
# usual order (collection order, alphabetical).
FIRST = (
    "test_faults",  # builds the shared demo; two killed runs and a recovering one (+ isolation)
    "test_automation",  # its own world (re-dated files) and a re-ingest run (no waiting)
    "test_placebo_pipeline",  # its own placebo world: ingest and a dbt build of the evidence marts
    "test_pipeline",  # a copy of the demo: exports, a report and a failing re-run
    "test_sipd_export_pipeline",  # a copy of the demo, SIPD's export ingested, budget marts rebuilt
    "test_pemda_pipeline",  # its own two-pemda world: apbd demo --pemda 2 and apbd run
    "test_pemda_models",  # a copy of the demo twinned as a second pemda, every keyed mart rebuilt
    "test_sql_lint",  # sqlfluff over every dbt SQL file
    "test_dbt_project",  # a dbt build on hand-made raw files (and the dbt unit tests)
    # then the longest of the rest (clean clone, 5 Dec 2026: seconds on a busy worker), so that
    # the run ends on short modules: a 27 s module handed out last had one worker idle for 27 s
    "test_browser",  # 51: the apps in Chromium
    "test_notebooks",  # 41
    "test_demo",  # 31
    "test_exports",  # 30: frictionless validate
    "test_access",  # 29: twenty readers during five publishes
    "test_webserver",  # 27: `dg dev`
    "test_data_dictionary",  # 19: dbt docs generate
    "test_query_limits",  # 18
    "test_bad_inputs",  # 17
    "test_demo_pemda",  # 15
    "test_demo_evidence",  # 14
)


def pytest_collection_modifyitems(config, items):
    slow = pytest.mark.slow
    for item in items:
        if SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(slow)
    # xdist hands out modules in this order (`--no-loadscope-reorder`, Makefile)
    rank = {name: i for i, name in enumerate(FIRST)}
    items.sort(key=lambda item: rank.get(item.module.__name__.rsplit(".", 1)[-1], len(rank)))


@pytest.fixture
def data_paths(tmp_path, monkeypatch) -> DataPaths:
    paths = DataPaths(tmp_path / "data")
    paths.ensure()
    monkeypatch.setenv("APBD_DATA_DIR", str(paths.root))
    return paths


@dataclass
class DemoRun:
    root: Path  # holds data/ and dagster_home/
    paths: DataPaths
    manifest: dict[str, Any]  # the generator's: files, totals, planted truth
    report: Any  # runtime.RunReport of the run
    output: str  # what the run printed (checked for the secret key)


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory) -> DemoRun:
    """The session's one published demo: generated, then run through the whole pipeline in this
    process (every ingest partition, dbt build, gate, publish) with `TEST_HMAC_KEY`. Under xdist
    the first worker to ask builds it in the folder the workers share; the others wait for it."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):  # not under xdist
        return _build_demo(tmp_path_factory.mktemp("demo"))
    shared = tmp_path_factory.getbasetemp().parent  # one folder per run, above each worker's own
    root = shared / "demo"
    with (shared / "demo.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes (or the process dies)
        done = root / "demo_run.json"
        if done.exists():
            saved = json.loads(done.read_text(encoding="utf-8"))
            log = (root / "demo_run.log").read_text(encoding="utf-8", errors="replace")
            paths = DataPaths((root / "data").resolve())  # as the builder's `pipeline_env` made it
            return DemoRun(root, paths, saved["manifest"], _run_report(saved["report"]), log)
        if root.exists():
            pytest.fail(f"the shared demo's build failed in the other worker: see {root}")
        root.mkdir()
        run = _build_demo(root)
        done.write_text(
            json.dumps({"manifest": run.manifest, "report": run.report.__dict__}, default=str),
            encoding="utf-8",
        )
        return run


def _run_report(saved: dict[str, Any]):
    """The builder's `RunReport`, as the other xdist worker reads it back from JSON."""
    from dagster_project.runtime import RunReport

    pairs = ("failed_checks", "failed_steps", "warned_checks")
    return RunReport(**{k: [tuple(p) for p in v] if k in pairs else v for k, v in saved.items()})


def _build_demo(root: Path) -> DemoRun:
    from dagster_project.lib.core.capture import capture_output
    from dagster_project.lib.demo.generator import generate
    from dagster_project.runtime import ensure_dbt_manifest, run_pipeline
    from tests.pipeline_kit import DEMO_SCALE, DEMO_YEARS, pipeline_env

    log = root / "demo_run.log"  # this process's and dbt's output during the run, as `apbd run`
    with pipeline_env(root) as paths:
        ensure_dbt_manifest()
        manifest = generate(paths.landing, scale=DEMO_SCALE, years=DEMO_YEARS)
        # fd 1 and 2 (dbt, the children) and, under pytest's capture, Python's own streams too
        with (
            capture_output(log),
            log.open("a", encoding="utf-8") as fh,
            contextlib.redirect_stdout(fh),
            contextlib.redirect_stderr(fh),
        ):
            report = run_pipeline(log_file=log)
    output = log.read_text(encoding="utf-8", errors="replace")
    assert report.success, (report.failed_steps, report.failed_checks, output[-4000:])
    return DemoRun(root, paths, manifest, report, output)


@pytest.fixture(scope="session")
def published_demo(demo_run) -> DataPaths:
    """The shared demo's data folder (published mart, landing, raw, logs). Read-only: the tools
    users touch (reports, exports, notebooks, the app, the data dictionary) must never change it."""
    return demo_run.paths


@pytest.fixture(scope="session")
def baseline_run(demo_run) -> tuple[Path, str]:
    """(root, output) of the shared demo, for tests that copy its folder and break it."""
    return demo_run.root, demo_run.output


@pytest.fixture(scope="session")
def copy_demo(demo_run, tmp_path_factory) -> Callable[[str], tuple[Path, DataPaths]]:
    """`copy_demo(name)` -> (root, paths): a private copy of the shared demo's data folder under a
    new tmp `root`, with `root/dagster_home` left fresh. Change and re-run it as you like."""
    from tests.pipeline_kit import copy_state

    def make(name: str) -> tuple[Path, DataPaths]:
        root = tmp_path_factory.mktemp(name)
        return root, copy_state(demo_run.root, root)

    return make


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """`test-artifacts/` (git-ignored): screenshots and exported notebooks a person can open."""
    from dagster_project.lib.core.paths import PROJECT_ROOT

    path = PROJECT_ROOT / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path
