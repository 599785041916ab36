"""Process set-up shared by the CLI and tests: environment defaults, dbt manifest, Dagster run."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from dagster_project.lib.paths import DBT_DIR, PROJECT_ROOT, DataPaths

QUIET_ENV = {
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "DO_NOT_TRACK": "1",
    "GX_ANALYTICS_ENABLED": "false",
    "DAGSTER_DISABLE_TELEMETRY": "true",
}


def configure_environment(data_dir: Path | None = None) -> DataPaths:
    """Set the variables dbt and Dagster read (at run time, never at import) and make folders."""
    for k, v in QUIET_ENV.items():
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


def ensure_dagster_home(home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    cfg = home / "dagster.yaml"
    if not cfg.exists():
        cfg.write_text(
            "telemetry:\n  enabled: false\nconcurrency:\n  pools:\n    default_limit: 1\n",
            encoding="utf-8",
        )


def _dbt_inputs_mtime() -> float:
    files = [DBT_DIR / "dbt_project.yml", DBT_DIR / "profiles.yml"]
    for sub in ("models", "macros", "tests", "seeds", "snapshots"):
        files += [p for p in (DBT_DIR / sub).rglob("*") if p.is_file()]
    return max((p.stat().st_mtime for p in files if p.exists()), default=0.0)


def ensure_dbt_manifest(force: bool = False) -> Path:
    """dagster-dbt reads the manifest when definitions load: (re)parse when it is missing or older
    than any dbt file, so Dagster never runs against a stale view of the project."""
    manifest = DBT_DIR / "target" / "manifest.json"
    if force or not manifest.exists() or manifest.stat().st_mtime < _dbt_inputs_mtime():
        subprocess.run(
            [
                str(Path(sys.executable).parent / "dbt"),
                "parse",
                "--quiet",
                "--project-dir",
                str(DBT_DIR),
                "--profiles-dir",
                str(DBT_DIR),
            ],
            check=True,
            cwd=DBT_DIR,
        )
    return manifest


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


def _stage(step_key: str) -> str:
    if step_key.startswith("apbd_dbt_models"):
        return "dbt build"
    if "matches_contract" in step_key or "passes_expectations" in step_key:
        return "gerbang mutu"
    if step_key.startswith("published"):
        return "publish"
    return "ingest"


def run_pipeline(log_level: str = "WARNING") -> RunReport:
    """Materialise every asset (ingest → dbt → gate → publish) in this process."""
    import dagster as dg

    from dagster_project.definitions import defs

    start = time.perf_counter()
    instance = dg.DagsterInstance.get()
    recover_abandoned_runs(instance)
    job = defs().resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(
        instance=instance,
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
        tags={PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()},
    )
    stage: dict[str, float] = defaultdict(float)
    for st in instance.get_run_step_stats(result.run_id):
        if st.start_time and st.end_time:
            stage[_stage(st.step_key)] += st.end_time - st.start_time
    report = RunReport(success=result.success, seconds=0.0, run_id=result.run_id)
    for ev in result.all_events:
        if ev.event_type_value == "STEP_FAILURE":
            report.failed_steps.append(
                (ev.step_key or "", str(ev.event_specific_data.error.message).strip())
            )
        if ev.event_type_value == "ASSET_CHECK_EVALUATION":
            data = ev.event_specific_data
            if not data.passed:
                name = f"{'/'.join(data.asset_key.path)}:{data.check_name}"
                report.failed_checks.append((name, data.description or ""))
    report.stage_seconds = dict(stage)
    report.seconds = time.perf_counter() - start
    return report
