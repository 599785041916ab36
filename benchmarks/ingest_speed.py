"""Direct ingest speed: every landing file of the default demo, CSV and XLSX apart, no Dagster.

    .venv/bin/python benchmarks/ingest_speed.py [--scale 1.0] [--repeat 3] [--baseline main]

Generates the demo into a temporary data folder, then `--repeat` times: forgets everything ingested
(raw/, quarantine/, the landing archive; landing/ stays) and, for each source contract in turn,
runs `ingest_source` on its CSV files, then on its XLSX files, timing each call. Prints the
median seconds and files per second per source and format, files/s for all CSV and all XLSX
files, and, with `--baseline REV`, the same for that git revision measured in the same run on
the same landing files (its tree is exported with `git archive` and run in a subprocess) and the
ratio. `APBD_INGEST_WORKERS` applies to both (a revision before the process pool ignores it).
The first repeat also starts the worker processes (printed apart). Timings only, no
assertions: the tests check behaviour.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORMATS = {".csv": "CSV", ".txt": "CSV", ".xlsx": "XLSX"}


def reset_ingest(paths) -> None:
    """Forget everything ingested; keep what was sent (landing/)."""
    for p in (paths.raw, paths.quarantine, paths.landing_archive):
        shutil.rmtree(p, ignore_errors=True)
    paths.ensure()


def peak_rss_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def worker_peak_rss_mb() -> list[float]:
    """Peak RSS of each ingest worker process (none before the process pool existed)."""
    try:
        from dagster_project.lib.ingest.workers import pids
    except ImportError:
        return []
    return [peak_rss_mb(pid) for pid in pids()]


def measure(data_dir: Path, repeat: int) -> dict:
    """{"<source> <format>": [seconds per repeat]}, their file counts and the peak RSS of this
    process and of the ingest workers, for the code importable here."""
    os.environ["APBD_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("APBD_HMAC_KEY", "benchmark-key-not-secret-0123456789")
    from dagster_project.lib.contracts.model import source_contracts
    from dagster_project.lib.core.paths import DataPaths
    from dagster_project.lib.ingest.loader import ingest_source, landing_files

    paths = DataPaths.from_env()
    seconds: dict[str, list[float]] = {}
    files: dict[str, int] = {}
    for _ in range(repeat):
        reset_ingest(paths)
        for name, contract in source_contracts().items():
            by_format: dict[str, list[Path]] = {}
            for p in landing_files(contract, paths):
                by_format.setdefault(FORMATS.get(p.suffix.lower(), "lain"), []).append(p)
            for fmt, chosen in sorted(by_format.items()):
                t = time.perf_counter()
                outcomes = ingest_source(contract, paths, files=chosen)
                seconds.setdefault(f"{name} {fmt}", []).append(time.perf_counter() - t)
                files[f"{name} {fmt}"] = len(outcomes)
    return {
        "seconds": seconds,
        "files": files,
        "peak_rss_mb": peak_rss_mb(),
        "worker_peak_rss_mb": worker_peak_rss_mb(),
    }


def measure_revision(rev: str, data_dir: Path, repeat: int) -> dict:
    """`measure` run on the code of git revision `rev`, in a subprocess."""
    tree = Path(tempfile.mkdtemp(prefix="apbd-bench-rev-"))
    try:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", rev, "dagster_project", "data_contracts", "dbt"],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
        return measure_here(data_dir, repeat, tree)
    finally:
        shutil.rmtree(tree, ignore_errors=True)


def measure_here(data_dir: Path, repeat: int, tree: Path = ROOT) -> dict:
    """`measure` on the code of `tree` (this one by default), in a subprocess like the
    baseline (so the memory figures of both exclude generating the demo)."""
    out = subprocess.run(
        [sys.executable, __file__, "--measure", str(data_dir), "--repeat", str(repeat)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(tree)},
        cwd=tree,
    ).stdout
    return json.loads(out.splitlines()[-1])


def summarise(result: dict) -> dict[str, tuple[int, float]]:
    """{row: (files, median seconds)}: each source × format, then each format and all."""
    out = {k: (result["files"][k], statistics.median(v)) for k, v in result["seconds"].items()}
    repeats = len(next(iter(result["seconds"].values())))
    rows = list(out)
    for fmt in [*sorted({k.rsplit(" ", 1)[1] for k in rows}), "semua"]:
        keys = [k for k in rows if fmt == "semua" or k.endswith(" " + fmt)]
        per_repeat = [sum(result["seconds"][k][i] for k in keys) for i in range(repeats)]
        out[f"= {fmt}"] = (sum(out[k][0] for k in keys), statistics.median(per_repeat))
    return out


def first_repeat(result: dict) -> float:
    return sum(v[0] for v in result["seconds"].values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="demo scale (default: make run's)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", metavar="REV", help="also measure this git revision")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data folder")
    parser.add_argument("--measure", metavar="DATA_DIR", help=argparse.SUPPRESS)  # subprocess
    args = parser.parse_args()

    if args.measure:
        print(json.dumps(measure(Path(args.measure), args.repeat)))
        return 0

    root = Path(tempfile.mkdtemp(prefix="apbd-bench-"))
    data_dir = root / "data"
    from dagster_project.lib.demo.generator import generate
    from dagster_project.lib.ingest.workers import worker_count

    t = time.perf_counter()
    manifest = generate(data_dir / "landing", scale=args.scale)
    print(
        f"demo: {len(manifest['files'])} files, scale {args.scale}, {time.perf_counter() - t:.1f} s;"
        f" ingest workers: {worker_count()}"
    )
    base = measure_revision(args.baseline, data_dir, args.repeat) if args.baseline else None
    result = measure_here(data_dir, args.repeat)
    now, before = summarise(result), summarise(base) if base else {}

    label = args.baseline or "-"
    print(
        f"\nmedian of {args.repeat}{'':28s}{'files':>6s}{'s now':>8s}{'files/s':>9s}"
        f"{'s ' + label:>10s}{'files/s':>9s}{'ratio':>8s}"
    )
    for name, (n, sec) in now.items():
        row = f"  {name:36s}{n:6d}{sec:8.2f}{n / sec:9.1f}"
        if name in before:
            b = before[name][1]
            row += f"{b:10.2f}{before[name][0] / b:9.1f}{b / sec:7.1f}×"
        print(row)
    line = f"first repeat (starts the workers): {first_repeat(result):.2f} s"
    if base:
        line += f" ({label}: {first_repeat(base):.2f} s)"
    print(line)
    rss = f"peak RSS of the measuring process: {result['peak_rss_mb']:.0f} MB"
    print(rss + (f" ({label}: {base['peak_rss_mb']:.0f} MB)" if base else ""))
    if result["worker_peak_rss_mb"]:
        print(
            "peak RSS of each worker process: "
            + ", ".join(f"{mb:.0f} MB" for mb in result["worker_peak_rss_mb"])
        )
    if hasattr(os, "getloadavg"):
        print(f"load average (1, 5, 15 min): {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if args.keep:
        print(f"data kept in {root}")
    else:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
