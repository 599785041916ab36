"""Incremental (one new monthly file) against full rebuild, measured in one run.

    .venv/bin/python benchmarks/incremental_vs_full.py [--scale 1.0] [--repeat 3]

On a fresh data folder with the Samarinda demo (2024–2025) it times, `--repeat` times each:

- full: every landing file ingested into an empty raw/, dbt, gate, publish (`run_pipeline()`,
  what `make run` does on a new machine);
- incremental: BPKAD re-sends one month of SP2D with one row corrected; the landing sensor
  requests its run and that run (one partition of `bpkad/sp2d`, then dbt, gate, publish) is
  executed in process, as the daemon would launch it;
- no change: `run_pipeline()` again with nothing new (the cost of a rebuild from raw alone).

and prints the medians and the incremental / full ratio. Timings only, no assertions: the tests
check behaviour.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path


def reset_warehouse(paths) -> None:
    """Forget everything ingested or built; keep what was sent (landing/)."""
    for p in (paths.raw, paths.quarantine, paths.build, paths.published, paths.root / "archive"):
        shutil.rmtree(p, ignore_errors=True)
    paths.ensure()


class LandingSensor:
    """The landing sensor evaluated in this process, tick by tick, as the daemon would; the first
    tick (at creation) counts what is in landing now as seen.

    Runs use the instance the full pipeline uses (`runtime.pipeline_instance()`: Dagster's SQLite
    files, the event log written without a disk sync per event), so incremental ÷ full compares
    the same storage. With `dagster_storage=True`, Dagster's own storage from dagster.yaml (what
    the daemon's run workers open): a connection, commit and sync per event, and a one-month run
    stores ~2,600 events, 644 of them (123 planned assets, 521 planned checks) before its first
    step: 50 s of a 143 s incremental run at 1 pemda, scale 0.1, on a loaded 2-core machine."""

    def __init__(self, *, dagster_storage: bool = False) -> None:
        import dagster as dg

        from dagster_project.definitions import defs
        from dagster_project.runtime import pipeline_instance

        self.instance = dg.DagsterInstance.get() if dagster_storage else pipeline_instance()
        self.definitions = defs()
        self.sensor = self.definitions.resolve_sensor_def("landing_sensor")
        self.cursor = None
        self.tick()

    def tick(self):
        import dagster as dg

        ctx = dg.build_sensor_context(
            instance=self.instance,
            cursor=self.cursor,
            definitions=self.definitions,
            resources=self.definitions.resources,
        )
        result = self.sensor(ctx)
        self.cursor = result.cursor
        return result

    def run(self, request):
        """Execute one run request in process, as the daemon would launch it."""
        job = self.definitions.resolve_job_def(request.job_name).get_subset(
            asset_selection=set(request.asset_selection),
            asset_check_selection=set(request.asset_check_keys),
        )
        return job.execute_in_process(
            instance=self.instance, partition_key=request.partition_key, tags=request.tags
        )


def resend_month(
    paths, sensor: LandingSensor, original: str, i: int
) -> tuple[float, float, str, str]:
    """BPKAD re-sends the SP2D of March 2025 (`original`, its text as first sent) with payment
    `i`'s description corrected; the sensor's run for it (one partition of `bpkad/sp2d`, then dbt,
    gate, publish) is executed. Returns (seconds of the run, of the sensor tick, partition, the
    run's id)."""
    rows = list(csv.reader(io.StringIO(original)))
    # the description (keterangan), not the line's end: that is the payee's NPWP, and a
    # "corrected" NPWP is invalid, so the payment went to quarantine and the month's total fell
    rows[1 + i][rows[0].index("keterangan")] += f" (koreksi {i + 1})"
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    sp2d = sp2d_month(paths)
    sp2d.write_text(text.getvalue(), encoding="utf-8")
    old = time.time() - 120
    os.utime(sp2d, (old, old))
    t = time.perf_counter()
    result = sensor.tick()
    sensed = time.perf_counter() - t
    (req,) = result.run_requests
    t = time.perf_counter()
    run = sensor.run(req)
    assert run.success
    return time.perf_counter() - t, sensed, req.partition_key, run.run_id


def sp2d_month(paths):
    """Samarinda's SP2D of March 2025: `landing/64.72/…` in a demo of several pemda."""
    rel = Path("bpkad") / "sp2d" / "2025" / "sp2d_2025_03.csv"
    many = paths.landing / "64.72" / rel
    return many if many.exists() else paths.landing / rel


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="demo scale (default: make run's)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the temporary data folder")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="apbd-bench-"))
    os.environ["DAGSTER_HOME"] = str(root / "dagster_home")

    from dagster_project.lib.demo.generator import generate
    from dagster_project.lib.ingest.pseudonymise import ensure_hmac_key
    from dagster_project.runtime import configure_environment, ensure_dbt_manifest, run_pipeline

    paths = configure_environment(root / "data")
    ensure_hmac_key(paths)  # as `apbd run` does: beneficiary lists need the pseudonymisation key
    ensure_dbt_manifest()
    t = time.perf_counter()
    manifest = generate(paths.landing, scale=args.scale)
    print(
        f"demo: {len(manifest['files'])} files, scale {args.scale}, {time.perf_counter() - t:.1f} s"
    )

    full, incremental, unchanged = [], [], []
    for i in range(args.repeat):
        reset_warehouse(paths)
        t = time.perf_counter()
        report = run_pipeline()
        full.append(time.perf_counter() - t)
        assert report.success, report.failed_steps or report.failed_checks
        print(f"full #{i + 1}: {full[-1]:.1f} s  {fmt(report.stage_seconds)}")

    sensor = LandingSensor()
    original = sp2d_month(paths).read_text(encoding="utf-8")
    for i in range(args.repeat):
        seconds, sensed, partition, _ = resend_month(paths, sensor, original, i)
        incremental.append(seconds)
        print(
            f"incremental #{i + 1}: {seconds:.1f} s (sensor tick {sensed:.2f} s, "
            f"partition {partition})"
        )

    for i in range(args.repeat):
        t = time.perf_counter()
        report = run_pipeline()
        unchanged.append(time.perf_counter() - t)
        print(f"no change #{i + 1}: {unchanged[-1]:.1f} s  {fmt(report.stage_seconds)}")

    med_full, med_inc = statistics.median(full), statistics.median(incremental)
    print()
    print(f"median full rebuild:           {med_full:7.1f} s")
    print(f"median incremental (1 file):   {med_inc:7.1f} s")
    print(f"median rebuild, nothing new:   {statistics.median(unchanged):7.1f} s")
    print(f"ratio incremental / full:      {med_inc / med_full:7.2f}")
    if hasattr(os, "getloadavg"):
        print(f"load average (1, 5, 15 min):   {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    else:
        print(f"data kept in {root}")
    return 0


def fmt(stages: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.1f}" for k, v in stages.items())


if __name__ == "__main__":
    raise SystemExit(main())
