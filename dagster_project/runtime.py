"""Process set-up shared by the CLI and tests: environment defaults, dbt manifest, Dagster run."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from dagster_project.lib.core import machine
from dagster_project.lib.core.paths import DBT_DIR, PROJECT_ROOT, DataPaths

# Defaults of every run (an operator's own value wins): telemetry off, and dbt's log file quieter.
RUN_ENV = {
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "DO_NOT_TRACK": "1",
    "GX_ANALYTICS_ENABLED": "false",
    "DAGSTER_DISABLE_TELEMETRY": "true",
    # dbt's own log file (<data>/build/dbt_target/dbt.log) at info: every node's result, warnings
    # and errors, not every SQL statement it sends (debug, dbt's default: ~10 MB a build, and
    # ~0.8 s of dbt's CPU per build of the default demo; the SQL of each node is in the target's
    # compiled/ and run/ folders). An operator chasing a query sets DBT_LOG_LEVEL_FILE=debug.
    "DBT_LOG_LEVEL_FILE": "info",
}


def configure_environment(data_dir: Path | None = None) -> DataPaths:
    """Set the variables dbt and Dagster read (at run time, never at import) and make folders."""
    for k, v in {**RUN_ENV, **machine.build_settings()}.items():
        os.environ.setdefault(k, v)
    if data_dir is not None:
        os.environ["APBD_DATA_DIR"] = str(Path(data_dir).resolve())
    os.environ.setdefault("APBD_DATA_DIR", str((PROJECT_ROOT / "data").resolve()))
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(PROJECT_ROOT / ".dagster_home")))
    ensure_dagster_home(home)
    paths = DataPaths.from_env()
    paths.ensure()
    (paths.root / "tmp").mkdir(exist_ok=True)
    return paths


# Telemetry off; one run at a time (every run rebuilds the one build file, then publishes it);
# one step per pool at a time (ingest, duckdb).
DAGSTER_YAML = """\
telemetry:
  enabled: false
concurrency:
  runs:
    max_concurrent_runs: 1
  pools:
    default_limit: 1
"""


def ensure_dagster_home(home: Path, *, overwrite: bool = False) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    cfg = home / "dagster.yaml"
    if overwrite or not cfg.exists():
        cfg.write_text(DAGSTER_YAML, encoding="utf-8")
    return cfg


def _dbt_inputs_mtime() -> float:
    files = [DBT_DIR / "dbt_project.yml", DBT_DIR / "profiles.yml"]
    for sub in ("models", "macros", "tests", "seeds", "snapshots"):
        files += [p for p in (DBT_DIR / sub).rglob("*") if p.is_file()]
    return max((p.stat().st_mtime for p in files if p.exists()), default=0.0)


# The JSON log of the parse that made dbt/target/manifest.json: always a whole parse (a new
# target folder each time), so every warning about the project's files is in it.
PARSE_LOG = "parse_log.jsonl"


def ensure_dbt_manifest(force: bool = False) -> Path:
    """dagster-dbt reads the manifest when definitions load: (re)parse when it is missing or older
    than any dbt file, so Dagster never runs against a stale view of the project.

    Several processes may ask at once (the test workers, `dg dev` beside `apbd run`): one parses
    while the others wait on a lock and then find the manifest fresh. dbt writes into a folder of
    its own and the manifest is moved into place in one step, so a reader never sees half a file
    (two parses writing target/manifest.json together once left it corrupt and newer than its
    inputs, so nothing parsed it again)."""
    import fcntl
    import shutil
    import tempfile

    target = DBT_DIR / "target"
    manifest = target / "manifest.json"

    def stale() -> bool:
        return not manifest.exists() or manifest.stat().st_mtime < _dbt_inputs_mtime()

    if not force and not stale():
        return manifest
    target.mkdir(exist_ok=True)
    with (target / ".parse.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if force or stale():
            scratch = Path(tempfile.mkdtemp(prefix=".parse-", dir=target))
            try:
                subprocess.run(
                    [
                        str(Path(sys.executable).parent / "dbt"),
                        "parse",
                        "--quiet",
                        "--project-dir",
                        str(DBT_DIR),
                        "--profiles-dir",
                        str(DBT_DIR),
                        "--target-path",
                        str(scratch),
                        # its log beside the manifest, as JSON (PARSE_LOG: a whole parse, read
                        # by test_dbt_project for deprecation warnings)
                        "--log-path",
                        str(scratch),
                        "--log-format-file",
                        "json",
                    ],
                    check=True,
                    cwd=DBT_DIR,
                    # the build settings `configure_environment` gives a run: the same profile,
                    # so the run's dbt reuses this parse (partial_parse.msgpack), not parse again
                    env={**machine.build_settings(), **os.environ},
                )
                if (scratch / "dbt.log").exists():
                    os.replace(scratch / "dbt.log", target / PARSE_LOG)
                for name in ("partial_parse.msgpack", "semantic_manifest.json", "manifest.json"):
                    if (scratch / name).exists():  # the manifest last: it is what readers check
                        os.replace(scratch / name, target / name)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
    return manifest


def pipeline_instance():
    """The Dagster instance of $DAGSTER_HOME for a pipeline run in this process: Dagster's own
    SQLite files, with the event log written through `defs/event_log.py` (one pooled connection
    per file, no disk sync per event) instead of a new connection for each of a run's thousands
    of events. Other Dagster processes (`dg dev`, the daemon) open the same files as usual."""
    import dagster as dg
    from dagster._core.instance.ref import InstanceRef

    from dagster_project.defs.event_log import FastSqliteEventLogStorage

    ref = InstanceRef.from_dir(os.environ["DAGSTER_HOME"])
    data = ref.event_storage_data
    if data is None or data.class_name != "SqliteEventLogStorage":
        return dg.DagsterInstance.from_ref(ref)  # configured otherwise: leave it as it is
    ref = ref._replace(
        storage_data=None,  # its parts, below, one of them replaced
        event_storage_data=FastSqliteEventLogStorage.replacing(data),
    )
    return dg.DagsterInstance.from_ref(ref)


PID_TAG, HOST_TAG = "apbd/pid", "apbd/host"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover_abandoned_runs(instance) -> list[str]:
    """Fail the headless runs whose process is gone (SIGKILL, power cut, OOM killer) and free the
    concurrency-pool slots they still hold; otherwise the next run waits for those slots forever.
    Only runs started by `run_pipeline` on this host are touched (tagged with their pid)."""
    import dagster as dg

    active = {dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING}
    recovered = []
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=list(active))):
        pid = run.tags.get(PID_TAG)
        if not pid or run.tags.get(HOST_TAG) != socket.gethostname() or _alive(int(pid)):
            continue
        instance.report_run_failed(
            run, f"Proses run (pid {pid}) sudah tidak ada: dihentikan paksa sebelum selesai."
        )
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        recovered.append(run.run_id)
    return recovered


@dataclass
class RunReport:
    success: bool
    seconds: float
    run_id: str = ""
    stage_seconds: dict[str, float] = field(default_factory=dict)
    failed_checks: list[tuple[str, str]] = field(default_factory=list)
    failed_steps: list[tuple[str, str]] = field(default_factory=list)
    run_ids: list[str] = field(default_factory=list)
    warned_checks: list[tuple[str, str]] = field(default_factory=list)  # WARN: reported only
    passed_checks: int = 0

    def add(self, result, instance) -> None:
        """Fold one in-process run's outcome, failures and step times into the report."""
        import dagster as dg

        self.run_ids.append(result.run_id)
        self.run_id = result.run_id
        self.success = self.success and result.success
        for st in instance.get_run_step_stats(result.run_id):
            if st.start_time and st.end_time:
                stage = stage_of(st.step_key)
                self.stage_seconds[stage] = (
                    self.stage_seconds.get(stage, 0.0) + st.end_time - st.start_time
                )
        for ev in result.all_events:
            if ev.event_type_value == "STEP_FAILURE":
                self.failed_steps.append(
                    (ev.step_key or "", str(ev.event_specific_data.error.message).strip())
                )
            if ev.event_type_value == "ASSET_CHECK_EVALUATION":
                data = ev.event_specific_data
                self.passed_checks += bool(data.passed)
                if not data.passed:
                    name = f"{'/'.join(data.asset_key.path)}:{data.check_name}"
                    warned = data.severity == dg.AssetCheckSeverity.WARN
                    (self.warned_checks if warned else self.failed_checks).append(
                        (name, data.description or "")
                    )


STAGES = ("ingest", "dbt build", "gerbang mutu", "publish")


def stage_of(step_key: str) -> str:
    """The pipeline stage a Dagster step belongs to (checks on the raw sources are ingest's)."""
    if step_key.startswith("apbd_dbt_models"):
        return "dbt build"
    if step_key.startswith("gerbang_mutu"):  # defs/publish/checks.py: one step checks all marts
        return "gerbang mutu"
    if step_key.startswith("published"):
        return "publish"
    return "ingest"


@dataclass
class StageState:
    """How far one stage is: `done` of `total` units (files, dbt nodes, checks; None: unknown)."""

    unit: str
    done: int = 0
    total: int | None = None
    started: bool = False
    finished: bool = False


INSTANCE_POLL_SECONDS = 5.0  # reading step stats from the event log costs CPU the run needs
_DBT_NODE = re.compile(rb"\b(\d+) of (\d+) (?:OK|PASS|WARN|ERROR|FAIL|SKIP)\b")


class PipelineWatch:
    """What a running pipeline is doing, read every second without touching it: the Dagster
    runs started since `since` (their steps started and finished), the ingest log folder (files
    processed) and the run's log file (dbt's "N of M OK" lines). It only reads; `on_update` gets
    the stages' states about once a second (the CLI draws one progress bar per stage)."""

    def __init__(self, instance, paths: DataPaths, log_file: Path | None, on_update) -> None:
        from dagster_project.lib.contracts.model import source_contracts
        from dagster_project.lib.ingest.loader import landing_files

        self.instance, self.paths, self.log_file, self.on_update = (
            instance,
            paths,
            log_file,
            on_update,
        )
        self.since = time.time()
        self._log_rows: dict[Path, int] = {}
        self.logged_before = self._ingest_logged()
        files = sum(len(landing_files(c, paths)) for c in source_contracts().values())
        self.states = {
            "ingest": StageState("berkas", total=files),
            "dbt build": StageState("node"),
            "gerbang mutu": StageState("langkah", total=1),
            "publish": StageState("langkah", total=1),
        }
        self._dbt_done: set[bytes] = set()
        self._finished_runs: dict[str, list] = {}
        self._asked_at = float("-inf")
        self._log_offset = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="pipeline-watch", daemon=True)

    def _ingest_logged(self) -> int:
        """Files in the ingest log: one Parquet per batch of files, so the records in each (read
        from its footer once; a log file never changes once it has its name)."""
        import polars as pl

        from dagster_project.lib.ingest.loader import log_files

        for f in log_files(self.paths):
            if f not in self._log_rows:
                self._log_rows[f] = pl.scan_parquet(f).select(pl.len()).collect().item()
        return sum(self._log_rows.values())

    def _read_dbt_progress(self) -> None:
        if self.log_file is None or not self.log_file.exists():
            return
        with self.log_file.open("rb") as fh:
            fh.seek(self._log_offset)
            chunk = fh.read()
        cut = chunk.rfind(b"\n") + 1  # whole lines only; the rest is read next time
        self._log_offset += cut
        state = self.states["dbt build"]
        for m in _DBT_NODE.finditer(chunk[:cut]):
            self._dbt_done.add(m.group(1))
            state.total = max(state.total or 0, int(m.group(2)))
        state.done = len(self._dbt_done)
        state.started = state.started or bool(self._dbt_done)

    def poll(self) -> dict[str, StageState]:
        import dagster as dg

        ingest = self.states["ingest"]
        ingest.done = min(self._ingest_logged() - self.logged_before, ingest.total or 0)
        self._read_dbt_progress()
        if time.monotonic() - self._asked_at < INSTANCE_POLL_SECONDS:
            return self.states  # files and dbt nodes move every second; steps are asked less
        self._asked_at = time.monotonic()
        created = datetime.fromtimestamp(self.since - 1, tz=UTC)
        steps = []
        for run in self.instance.get_runs(filters=dg.RunsFilter(created_after=created)):
            stats = self._finished_runs.get(run.run_id)
            if stats is None:
                stats = self.instance.get_run_step_stats(run.run_id)
                if run.is_finished:  # its steps no longer change: read them once
                    self._finished_runs[run.run_id] = stats
            steps += stats
        for name in ("gerbang mutu", "publish"):
            mine = [st for st in steps if stage_of(st.step_key) == name]
            self.states[name].started = bool(mine)
            self.states[name].done = sum(1 for st in mine if st.end_time)
        seen = {stage_of(st.step_key) for st in steps if st.start_time}
        for i, name in enumerate(STAGES):
            self.states[name].started |= name in seen
            # A stage is over once a later one has begun.
            self.states[name].finished |= any(later in seen for later in STAGES[i + 1 :])
        return self.states

    def _loop(self) -> None:
        while not self._stop.wait(1.0):
            try:
                self.on_update(self.poll())
            except Exception:  # display only: never let it disturb the run
                continue

    def __enter__(self) -> PipelineWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._asked_at = float("-inf")
        with contextlib.suppress(Exception):
            self.poll()


def full_range_tags(partitions_def, instance) -> dict[str, str] | None:
    """Run tags for one run over every partition of a partitions definition (None: none yet)."""
    keys = partitions_def.get_partition_keys(dynamic_partitions_store=instance)
    if not keys:
        return None
    return {
        "dagster/asset_partition_range_start": keys[0],
        "dagster/asset_partition_range_end": keys[-1],
    }


def add_time_partitions(instance, paths: DataPaths) -> dict[str, list[str]]:
    """Add the years (and year-periods) the landing files fill as dynamic partitions."""
    from dagster_project.lib.contracts.model import source_contracts
    from dagster_project.lib.ingest.partitions import partitioning, time_keys

    wanted: dict[str, set[str]] = {}
    for contract in source_contracts().values():
        if (scheme := partitioning(contract)) is not None:
            for dim, keys in time_keys(contract, paths, scheme).items():
                wanted.setdefault(dim, set()).update(keys)
    added = {}
    for dim, keys in wanted.items():
        new = sorted(keys - set(instance.get_dynamic_partitions(dim)))
        if new:
            instance.add_dynamic_partitions(dim, new)
            added[dim] = new
    return added


def ingest_runs(
    instance, paths: DataPaths, definitions, run_config: dict, tags: dict[str, str]
) -> Iterator[object]:
    """The ingest stage of `run_pipeline`: one Dagster run (`materialize`) per partitions
    definition of the ingest assets, over all their partitions, with their own checks (dbt's
    tests on the sources run with dbt); yields each run's result. Sources nothing was sent for
    yet get only the empty tables dbt reads them as. `benchmarks/ingest_stage.py` times it."""
    import dagster as dg

    from dagster_project.defs.ingest import checks
    from dagster_project.defs.ingest.assets import ingest_assets
    from dagster_project.lib.contracts.model import source_contracts
    from dagster_project.lib.ingest.loader import ingest_source

    add_time_partitions(instance, paths)
    groups: dict[int, tuple[object, list[dg.AssetsDefinition]]] = {}
    for asset in ingest_assets:
        groups.setdefault(id(asset.partitions_def), (asset.partitions_def, []))[1].append(asset)
    for pdef, assets in groups.values():
        range_tags = full_range_tags(pdef, instance) if pdef is not None else None
        if pdef is not None and range_tags is None:
            for a in assets:
                ingest_source(source_contracts()[".".join(a.key.path)], paths, files=[])
            continue
        keys = {a.key for a in assets}
        own_checks = [c for c in checks.raw_checks if {k.asset_key for k in c.check_keys} <= keys]
        yield dg.materialize(
            [*assets, *own_checks],
            selection=dg.AssetSelection.assets(*assets),
            instance=instance,
            resources=definitions.resources,
            tags={**(range_tags or {}), **tags},
            raise_on_error=False,
            run_config=run_config,
        )


def rebuild_without_raw_checks(definitions):
    """The `rebuild` job less the checks defined on the raw sources (defs/ingest/checks.py),
    which `ingest_runs` has just run; dbt's source tests, shown as checks on the same assets,
    stay (they are part of the dbt build)."""
    import dagster as dg

    from dagster_project.defs.automation.schedules import rebuild_job
    from dagster_project.defs.ingest import checks

    graph = definitions.resolve_asset_graph()
    selection = rebuild_job.selection - dg.AssetSelection.checks(*checks.raw_checks)
    return definitions.resolve_job_def(rebuild_job.name).get_subset(
        asset_selection=selection.resolve(graph),
        asset_check_selection=selection.resolve_checks(graph),
    )


def run_pipeline(
    log_level: str = "WARNING", *, on_progress=None, log_file: Path | None = None
) -> RunReport:
    """Materialise every asset in this process: every partition of every ingest asset, then
    dbt, the gate and the publish.

    A run holds one partitions definition, so this is one run per partitions definition of the
    ingest assets (each over all its partitions, `BackfillPolicy.single_run`), with the checks
    on their raw sources, then the `rebuild` job (dbt, gate, publish: what the daily schedule
    runs) without those checks, which judged the same raw data a moment before. A failed ingest
    run stops there, nothing rebuilt or published: a source that broke its contract fails its
    run (`matches_contract` is blocking).

    `on_progress(states)` (optional) is called about once a second with each stage's
    `StageState` while the pipeline runs (see `PipelineWatch`; `log_file` is where this process's
    output goes, for dbt's node count).
    """
    from dagster_project.lib.ingest import workers

    workers.warm()  # ingest's worker processes start while Dagster and the definitions load
    import dagster as dg

    from dagster_project.definitions import defs

    start = time.perf_counter()
    instance = pipeline_instance()
    recover_abandoned_runs(instance)
    owner = {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}
    paths = DataPaths.from_env()
    definitions = defs()
    run_config = {"loggers": {"console": {"config": {"log_level": log_level}}}}
    report = RunReport(success=True, seconds=0.0)
    watch = (
        PipelineWatch(instance, paths, log_file, on_progress)
        if on_progress
        else contextlib.nullcontext()
    )
    with watch, workers.shut_down_after():  # the ingest workers end with the run
        for result in ingest_runs(instance, paths, definitions, run_config, owner):
            report.add(result, instance)
        if report.success:
            result = rebuild_without_raw_checks(definitions).execute_in_process(
                instance=instance, raise_on_error=False, run_config=run_config, tags=owner
            )
            report.add(result, instance)
            published = any(
                ev.event_type_value == "ASSET_MATERIALIZATION"
                and ev.asset_key == dg.AssetKey(["published", "apbd_mart"])
                for ev in result.all_events
            )
            if report.success and not published:
                # A step upstream of the publish materialised nothing (Dagster then skips the
                # publish): the run did not fail, but nothing new was published.
                report.success = False
                report.failed_steps.append(
                    ("published__apbd_mart", "terbit dilewati: ada mart yang tidak dibangun")
                )
    report.seconds = time.perf_counter() - start
    return report
