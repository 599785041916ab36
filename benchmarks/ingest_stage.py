"""The ingest stage as `apbd run` runs it (Dagster, every ingest asset and its checks), before/after.

    .venv/bin/python benchmarks/ingest_stage.py --pemda 10 --scale 0.05 [--repeat 3] [--baseline main]
    .venv/bin/python benchmarks/ingest_stage.py --data /tmp/w10/data --repeat 3 --baseline main

Writes the world once (`apbd demo --pemda N --scale S`, or uses `--data`'s landing files), then
`--repeat` rounds, each measuring this tree and, with `--baseline REV`, git revision REV (its tree
exported with `git archive`), the two alternating so both share the machine's load. One measure,
in its own subprocess with a fresh `DAGSTER_HOME`: forget everything ingested (raw/, quarantine/,
the landing archive), then what `runtime.run_pipeline` does up to dbt: one `materialize` per
partitions definition of the ingest assets over all their partitions, with their own checks
(`matches_contract`, `submitted_on_time`). Reports the ingest stage's seconds (the wall time its
Dagster steps covered, as `apbd run` and `benchmarks/scale.py` count it), the whole call's wall
seconds, files/s and raw rows, the median of the rounds and the ratio; `--noop` also times a second
ingest with nothing new (every file already loaded). Timings only: the tests check behaviour.
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


def measure(data: Path, reset: bool) -> dict:
    """In a subprocess: the ingest stage on `data` with the code importable here."""
    home = Path(tempfile.mkdtemp(prefix="apbd-ingest-home-"))
    os.environ["DAGSTER_HOME"] = str(home)
    os.environ.setdefault("APBD_HMAC_KEY", "benchmark-key-not-secret-0123456789")
    from dagster_project.runtime import configure_environment

    paths = configure_environment(data)
    if reset:
        for p in (paths.raw, paths.quarantine, paths.landing_archive):
            shutil.rmtree(p, ignore_errors=True)
        paths.ensure()
    from dagster_project.lib.ingest import workers

    workers.warm()
    from scale import raw_rows  # benchmarks/scale.py, beside this script

    from dagster_project.definitions import defs
    from dagster_project.runtime import ingest_runs, pipeline_instance

    instance = pipeline_instance()
    definitions = defs()
    run_config = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}
    time.sleep(2)  # the workers warm up as in `apbd run` (while Dagster loads)
    t0 = time.perf_counter()
    stage, ok = 0.0, True
    with workers.shut_down_after():
        for result in ingest_runs(instance, paths, definitions, run_config, {}):
            ok = ok and result.success
            for st in instance.get_run_step_stats(result.run_id):
                if st.start_time and st.end_time:
                    stage += st.end_time - st.start_time
    wall = time.perf_counter() - t0
    rows = raw_rows(paths.raw, {})
    shutil.rmtree(home, ignore_errors=True)
    return {"ok": ok, "stage": stage, "wall": wall, "rows": rows, "load": os.getloadavg()[0]}


def run_measure(tree: Path, data: Path, reset: bool) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--measure", str(data), *(["--reset"] if reset else [])],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(tree)},
        cwd=tree,
    ).stdout
    return json.loads(out.splitlines()[-1])


def export_tree(rev: str) -> Path:
    """Revision `rev`'s code in a temporary folder, with this tree's parsed dbt manifest."""
    tree = Path(tempfile.mkdtemp(prefix="apbd-bench-rev-"))
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "dagster_project", "data_contracts", "dbt"],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")  # Dagster's project root
    shutil.copytree(ROOT / "dbt" / "target", tree / "dbt" / "target", dirs_exist_ok=True)
    return tree


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pemda", type=int, default=10)
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--data", type=Path, help="use this data folder's landing files")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", metavar="REV")
    parser.add_argument("--noop", action="store_true", help="also time a run with nothing new")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # subprocess
    parser.add_argument("--reset", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure.resolve(), args.reset)))
        return 0

    data = args.data
    if data is None:
        data = Path(tempfile.mkdtemp(prefix="apbd-ingest-")) / "data"
        demo = [str(Path(sys.executable).parent / "apbd"), "demo", "--pemda", str(args.pemda)]
        subprocess.run(
            [*demo, "--scale", str(args.scale)],
            check=True,
            env={**os.environ, "APBD_DATA_DIR": str(data)},
            stdout=subprocess.DEVNULL,
        )
    data = data.resolve()
    files = sum(
        1 for p in (data / "landing").rglob("*") if p.is_file() and not p.name.startswith("_")
    )
    variants = {"now": ROOT}
    if args.baseline:
        variants = {args.baseline: export_tree(args.baseline), "now": ROOT}
    results: dict[str, list[dict]] = {}
    try:
        for i in range(args.repeat):
            for name, tree in variants.items():
                r = run_measure(tree, data, reset=True)
                if args.noop:
                    r["noop"] = run_measure(tree, data, reset=False)["stage"]
                results.setdefault(name, []).append(r)
                print(
                    f"round {i + 1} {name:>10s}: ingest {r['stage']:7.1f} s "
                    f"({files / r['stage']:6.1f} files/s), wall {r['wall']:7.1f} s, "
                    f"{r['rows']} raw rows"
                    + (f", no-op {r['noop']:.1f} s" if args.noop else "")
                    + f", load {r['load']:.1f}{'' if r['ok'] else ', FAILED'}",
                    flush=True,
                )
    finally:
        for name, tree in variants.items():
            if name != "now":
                shutil.rmtree(tree, ignore_errors=True)
    print(f"\n{files} landing files; median of {args.repeat}:")
    med = {n: statistics.median(r["stage"] for r in rs) for n, rs in results.items()}
    for name, rs in results.items():
        line = (
            f"  {name:>10s}: ingest {med[name]:7.1f} s, {files / med[name]:6.1f} files/s, "
            f"wall {statistics.median(r['wall'] for r in rs):7.1f} s"
        )
        if args.noop:
            line += f", no-op {statistics.median(r['noop'] for r in rs):.1f} s"
        print(line)
    if args.baseline:
        print(f"  ratio (files/s now ÷ {args.baseline}): {med[args.baseline] / med['now']:.2f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
