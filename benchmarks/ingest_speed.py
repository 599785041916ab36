"""Direct ingest speed: every landing file of the default demo, every source, no Dagster.

    .venv/bin/python benchmarks/ingest_speed.py [--scale 1.0] [--repeat 3] [--baseline REV]

Generates the demo into a temporary data folder, then `--repeat` times: forgets everything ingested
(raw/, quarantine/, the landing archive; landing/ stays) and runs `ingest_source` for each source
contract in turn, timing each. Prints the median seconds per source, the total, files per second,
and the ratio against the figures measured before the ingest speed work (`BEFORE`, same machine);
`--baseline REV` measures that git revision instead, in one run with the current code, on the same
landing files (its tree is exported with `git archive` and run in a subprocess). Timings only, no
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
# Main at 9a3492f, before the ingest speed work: medians of 3 at scale 1.0 (828 files), measured
# with `--baseline 9a3492f` on the shared 2-core machine (load average ≈ 15; the current code
# took 40.8 s in the same run). Compare like with like: rerun with --baseline on a busy machine.
BEFORE = {
    "bpkad.sp2d": 3.66,
    "bps.indikator_wilayah": 1.73,
    "dinsos.penerima_bansos": 0.61,
    "opd.realisasi_kinerja": 31.51,
    "sipd.anggaran_kas": 18.70,
    "sipd.dpa_rincian": 16.25,
    "sipd.dpa_sub_kegiatan": 17.62,
    "total": 93.27,
}


def reset_ingest(paths) -> None:
    """Forget everything ingested; keep what was sent (landing/)."""
    for p in (paths.raw, paths.quarantine, paths.landing_archive):
        shutil.rmtree(p, ignore_errors=True)
    paths.ensure()


def measure(data_dir: Path, repeat: int) -> dict:
    """{source: [seconds per repeat]} and the file count, for the code importable here."""
    os.environ["APBD_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("APBD_HMAC_KEY", "benchmark-key-not-secret-0123456789")
    from dagster_project.lib.contracts.model import source_contracts
    from dagster_project.lib.core.paths import DataPaths
    from dagster_project.lib.ingest.loader import ingest_source

    paths = DataPaths.from_env()
    seconds: dict[str, list[float]] = {}
    files = 0
    for _ in range(repeat):
        reset_ingest(paths)
        files = 0
        for name, contract in source_contracts().items():
            t = time.perf_counter()
            outcomes = ingest_source(contract, paths)
            seconds.setdefault(name, []).append(time.perf_counter() - t)
            files += len(outcomes)
    return {"seconds": seconds, "files": files}


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
        out = subprocess.run(
            [sys.executable, __file__, "--measure", str(data_dir), "--repeat", str(repeat)],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(tree)},
            cwd=tree,
        ).stdout
        return json.loads(out.splitlines()[-1])
    finally:
        shutil.rmtree(tree, ignore_errors=True)


def medians(result: dict) -> dict[str, float]:
    per_source = {k: statistics.median(v) for k, v in result["seconds"].items()}
    totals = [sum(run) for run in zip(*result["seconds"].values(), strict=True)]
    return {**per_source, "total": statistics.median(totals)}


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

    t = time.perf_counter()
    manifest = generate(data_dir / "landing", scale=args.scale)
    print(
        f"demo: {len(manifest['files'])} files, scale {args.scale}, {time.perf_counter() - t:.1f} s"
    )
    before = (
        medians(measure_revision(args.baseline, data_dir, args.repeat)) if args.baseline else BEFORE
    )
    result = measure(data_dir, args.repeat)
    now = medians(result)
    files = result["files"]

    label = args.baseline or "9a3492f*"
    print(f"\nmedian of {args.repeat} (seconds){'':18s}{'now':>8s}{label:>10s}{'ratio':>8s}")
    for name, sec in now.items():
        b = before.get(name)
        ratio = f"{b / sec:7.1f}×" if b else ""
        print(f"  {name:42s}{sec:8.2f}{b or float('nan'):10.2f}{ratio:>8s}")
    print(
        f"files: {files}, {files / now['total']:.1f} files/s (before: {files / before['total']:.1f})"
    )
    if not args.baseline:
        print("* the figures in BEFORE, measured on a busy machine; --baseline REV measures now")
    if hasattr(os, "getloadavg"):
        print(f"load average (1, 5, 15 min): {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if args.keep:
        print(f"data kept in {root}")
    else:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
