"""The pipeline against data size: seconds per stage, memory, the DuckDB-only limit, incremental.

    .venv/bin/python benchmarks/scale.py [--pemda 1 10 100] [--scale 0.3 1 3] [--baseline REV]
    make bench                       # the same with the defaults (1 pemda, scale 0.3 and 1)

A size is a number of pemda × a `--scale` (every combination of the two lists). For each size, on
a fresh data folder, each step in its own subprocess (so its peak memory is its own: the parent
samples the resident memory of the subprocess and its children, dbt included, four times a
second), started once the last step's writes have reached the disk (`os.sync()`) and with
Python's bytecode kept as `make` keeps it (PYTHONDONTWRITEBYTECODE dropped):

1. **demo**: `generate()` writes the Samarinda demo's landing files (`--scale`); with `--pemda N`
   above 1, `apbd demo --pemda N` does (`generate_banyak`: Samarinda and N - 1 kab/kota drawn from
   `ref_pemda`, each with a budget in proportion to its population, `--scale` within each);
2. **pipeline**: `run_pipeline()`, what `apbd run` does: ingest → dbt build → gate → publish,
   after the set-up `make setup` does for a data folder (the dbt parse, timed as start-up).
   Stage seconds are the wall time the stage's Dagster steps covered (from the run's step stats);
   **gaps** is the rest of the pipeline's time (Dagster between steps, dbt's start-up and parse
   inside its step is counted in dbt); **start-up** is importing the code and parsing the dbt
   manifest before the pipeline starts. Ingest files/s and rows/s are the landing files and the
   raw rows written, over the ingest stage's seconds;
3. **limit**: what DuckDB alone needs for the same build: the compiled SQL of every seed and model
   dbt ran (`<data>/build/dbt_target/manifest.json`), in DAG order, in one DuckDB connection,
   against the same raw Parquet (seeds copied from the published mart, no tests; the one Python
   model run as dbt-duckdb runs it). `end-to-end ÷ limit` compares the pipeline with it;
4. **queries**: the planner app (`notebooks/01_perencana_alokasi.py`) run headless against the
   published mart with its default choices; every query it sends through `read_frame` is then
   repeated `--query-repeat` times (a new read-only connection each time, as the app does):
   p50 and p95 of all of them;
5. **incremental**: BPKAD re-sends one SP2D month of Samarinda (`incremental_vs_full.py`: the
   landing sensor's run for that one partition, then dbt, gate, publish) ÷ the full pipeline, with
   the run's seconds per stage (sensor tick, ingest, dbt build, gate, publish, gaps) as for the
   full pipeline.

`--rerun N` then runs the pipeline N more times on each size's kept folders with nothing new
(ingest finds every file loaded; dbt, gate, publish), the variants alternating, and reports the
medians: on a shared machine the fairer before/after of dbt and the gate.

`--baseline REV` measures git revision REV the same way in the same sitting (its tree is exported
with `git archive`; the subprocesses import it first), so before and after share the machine's
load. Writes `benchmarks/results/scale.json`, `scale.md` (the table the README quotes) and
`scale.png` (seconds against the size). Timings only, no assertions: the tests check behaviour.

At 100 pemda (≈ 82 k landing files at scale 1) one size takes hours on a 2-core machine: measure
10 first and extrapolate, rather than start 100 blind.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
STAGES = ("demo", "start-up", "ingest", "dbt build", "gerbang mutu", "publish", "gaps")
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


# ------------------------------------------------------------------------ the worker (subprocess)


def worker_demo(data: Path, scale: float, pemda: int) -> dict:
    """What `apbd demo [--pemda N] --scale S` writes (timed: the generator only)."""
    from dagster_project.lib.contracts.pemda import DEFAULT_PEMDA, write_pemda_bawaan
    from dagster_project.lib.demo.banyak_pemda import generate_banyak
    from dagster_project.lib.demo.generator import generate
    from dagster_project.runtime import configure_environment

    paths = configure_environment(data)
    write_pemda_bawaan(paths, DEFAULT_PEMDA)
    t = time.perf_counter()
    if pemda > 1:
        files = generate_banyak(paths.landing, pemda, scale=scale)["jumlah_berkas"]
    else:
        files = len(generate(paths.landing, scale=scale)["files"])
    return {"seconds": time.perf_counter() - t, "files": files}


def _duckdb_config(data: Path) -> dict:
    """The pipeline's DuckDB settings (`machine.duckdb_config`: the build's memory limit, spill
    to `<data>/tmp`, the sources' files found under `<data>`), so the DuckDB-only limit runs
    under the build's own rule; DuckDB's defaults for a `--baseline` revision from before that
    rule."""
    try:
        from dagster_project.lib.core.machine import duckdb_config
        from dagster_project.lib.core.paths import DataPaths
    except ImportError:
        return {}
    return duckdb_config(DataPaths(data))


def raw_rows(raw: Path, config: dict) -> int:
    """Rows in the raw Parquet of every source under `raw` (not the ingest log in `raw/_meta`)."""
    import duckdb

    rows = 0
    with duckdb.connect(config=config) as con:
        for system in sorted(p for p in raw.iterdir() if not p.name.startswith("_")):
            for table in sorted(p for p in system.iterdir() if p.is_dir()):
                if any(table.rglob("*.parquet")):
                    rows += con.execute(
                        f"select count(*) from read_parquet('{table}/**/*.parquet', "
                        "union_by_name = true)"
                    ).fetchone()[0]
    return rows


def sp2d_per_year(raw: Path, config: dict) -> float | None:
    """SP2D (payments) per fiscal year in raw/, all pemda together: the size issue 12 names
    its 100-pemda world by (≈ 6.5 M a year)."""
    import duckdb

    files = raw / "bpkad" / "sp2d"
    if not any(files.glob("pemda=*/**/*.parquet")):
        return None
    with duckdb.connect(config=config) as con:
        return con.execute(
            "select count(*) / count(distinct tahun) "
            f"from read_parquet('{files}/pemda=*/**/*.parquet', union_by_name = true)"
        ).fetchone()[0]


def worker_pipeline(data: Path) -> dict:
    t0 = time.perf_counter()
    from dagster_project.lib.ingest.pseudonymise import ensure_hmac_key
    from dagster_project.runtime import (
        configure_environment,
        ensure_dbt_manifest,
        pipeline_instance,
        run_pipeline,
    )

    paths = configure_environment(data)
    ensure_hmac_key(paths)
    ensure_dbt_manifest()
    # What `make setup` does for a clone's own data folder: parse the dbt project with the run's
    # environment (here into the target folder the pipeline's dbt uses), so the run may reuse it.
    subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "parse", "--quiet", "--profiles-dir", "."],
        check=True,
        cwd=Path.cwd() / "dbt",
        env={**os.environ, "DBT_TARGET_PATH": str(paths.build / "dbt_target")},
    )
    startup = time.perf_counter() - t0
    started = time.time()
    report = run_pipeline()
    instance = pipeline_instance()
    steps = [
        {"key": st.step_key, "start": st.start_time, "end": st.end_time}
        for run_id in report.run_ids
        for st in instance.get_run_step_stats(run_id)
        if st.start_time and st.end_time
    ]
    rows = raw_rows(paths.raw, _duckdb_config(paths.root))
    return {
        "sp2d_per_year": sp2d_per_year(paths.raw, _duckdb_config(paths.root)),
        "success": report.success,
        "failed": [*report.failed_steps, *report.failed_checks][:5],
        "startup_seconds": startup,
        "started": started,
        "seconds": report.seconds,
        "steps": steps,
        "raw_rows": rows,
    }


def _dag_order(manifest: dict) -> list[dict]:
    """Seeds and models in an order where every node comes after what it depends on."""
    nodes = {
        uid: n
        for uid, n in manifest["nodes"].items()
        if n["resource_type"] in ("seed", "model")
        and n["config"].get("materialized") != "ephemeral"
        and n["config"].get("enabled", True)
    }
    done: set[str] = set()
    order: list[dict] = []

    def visit(uid: str) -> None:
        if uid in done or uid not in nodes:
            return
        done.add(uid)
        for dep in nodes[uid]["depends_on"].get("nodes", []):
            visit(dep)
        order.append(nodes[uid])

    for uid in sorted(nodes):
        visit(uid)
    return order


def _in_batches(con, manifest: dict, relation: str, code: str, per_batch: int) -> None:
    """A model configured `irisan_per_batch: N` as its full build makes it
    (dbt/macros/irisan_pemda.sql): created empty, then N pemda at a time, the slice's DuckDB
    variables set for each batch (irisan_variabel: irisan_pemda, and irisan_berkas, each
    per-pemda source's files) so the filter is pushed into every scan beneath."""
    sources = [
        (f"{s['source_name']}.{s['name']}", meta["irisan_pemda"], meta["awalan_pemda"])
        for s in manifest["sources"].values()
        if (meta := s["config"].get("meta") or s["meta"]).get("irisan_pemda")
    ]
    found = {
        (name, kode)
        for name, folder, awalan in sources
        for (kode,) in con.execute(
            f"select distinct regexp_extract(file, '/{awalan}([^/]+)/', 1) "
            f"from glob('{folder}/{awalan}*/**/*.parquet')"
        ).fetchall()
    }
    every = sorted({kode for _, kode in found})
    con.execute(f"create table {relation} as select * from ({code}) as irisan where false")
    for i in range(0, len(every), per_batch):
        batch = every[i : i + per_batch]
        listed = ", ".join(f"'{k}'" for k in batch)
        con.execute(f"set variable irisan_pemda = [{listed}]::varchar[]")
        files = {
            name: [f"{folder}/_schema.parquet"]
            + [f"{folder}/{awalan}{k}/**/*.parquet" for k in batch if (name, k) in found]
            for name, folder, awalan in sources
        }
        con.execute("set variable irisan_berkas = ?::map(varchar, varchar[])", [files])
        con.execute(
            f"insert into {relation} by name select * from ({code}) as irisan "
            f"where kode_pemda in ({listed})"
        )
    con.execute("reset variable irisan_pemda")
    con.execute("reset variable irisan_berkas")


def worker_limit(data: Path) -> dict:
    """Every seed and model dbt ran, as compiled, in one DuckDB connection (no dbt, no tests)."""
    import importlib.util

    import duckdb

    manifest = json.loads((data / "build" / "dbt_target" / "manifest.json").read_text())
    order = _dag_order(manifest)
    work = data / "tmp" / "limit"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    catalog = order[0]["database"]  # compiled SQL names the build file's catalog
    published = data / "published" / "apbd_mart.duckdb"
    failed: list[str] = []
    t = time.perf_counter()
    con = duckdb.connect(str(work / f"{catalog}.duckdb"), config=_duckdb_config(data))
    con.execute(f"attach '{published}' as terbit (read_only true)")
    for node in order:
        schema, relation = node["schema"], node["relation_name"]
        con.execute(f'create schema if not exists "{catalog}"."{schema}"')
        try:
            if node["resource_type"] == "seed":
                con.execute(
                    f'create table {relation} as select * from terbit."{schema}"."{node["alias"]}"'
                )
            elif node["language"] == "python":
                path = work / f"{node['alias']}.py"
                path.write_text(node["compiled_code"], encoding="utf-8")
                spec = importlib.util.spec_from_file_location(node["alias"], path)
                module = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(module)
                dbt = module.dbtObj(lambda name: con.query(f"select * from {name}"))
                frame = module.model(dbt, con)
                con.register("hasil_python", frame)
                con.execute(f"create table {relation} as select * from hasil_python")
                con.unregister("hasil_python")
            elif per_batch := node["config"].get("irisan_per_batch"):
                _in_batches(con, manifest, relation, node["compiled_code"], int(per_batch))
            else:
                kind = "view" if node["config"]["materialized"] == "view" else "table"
                con.execute(f"create {kind} {relation} as {node['compiled_code']}")
        except duckdb.Error as e:
            failed.append(f"{node['name']}: {str(e).splitlines()[0][:160]}")
    con.execute("checkpoint")
    seconds = time.perf_counter() - t
    con.close()
    shutil.rmtree(work, ignore_errors=True)
    return {
        "seconds": seconds,
        "seeds": sum(n["resource_type"] == "seed" for n in order),
        "models": sum(n["resource_type"] == "model" for n in order),
        "failed": failed,
    }


def worker_queries(data: Path, repeat: int) -> dict:
    """The planner app's own queries: run the notebook headless, then time what it asked."""
    import importlib.util

    os.environ["APBD_DATA_DIR"] = str(data)
    from dagster_project.lib.core.paths import DataPaths
    from dagster_project.lib.outputs import apps

    asked: list[tuple[str, dict]] = []
    read_frame = apps.read_frame

    def recording(paths, sql, params=None):
        asked.append((sql, dict(params or {})))
        return read_frame(paths, sql, params)

    apps.read_frame = recording  # the notebook imports it from the module when its cell runs
    notebook = Path.cwd() / "notebooks" / "01_perencana_alokasi.py"  # the measured tree's app
    spec = importlib.util.spec_from_file_location("perencana", notebook)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    t = time.perf_counter()
    module.app.run()
    app_seconds = time.perf_counter() - t
    apps.read_frame = read_frame

    paths = DataPaths.from_env()
    per_query: list[list[float]] = []
    for sql, params in asked:
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            read_frame(paths, sql, params)
            times.append((time.perf_counter() - t) * 1000)
        per_query.append(times)
    every = sorted(x for q in per_query for x in q)
    return {
        "app_seconds": app_seconds,
        "queries": len(asked),
        "repeat": repeat,
        "p50_ms": _pct(every, 50),
        "p95_ms": _pct(every, 95),
        "slowest_p95_ms": max((_pct(sorted(q), 95) for q in per_query), default=None),
    }


def worker_incremental(data: Path) -> dict:
    """One re-sent SP2D month to republished, as incremental_vs_full.py measures it."""
    sys.path.insert(0, str(Path(__file__).parent))
    from incremental_vs_full import LandingSensor, resend_month, sp2d_month

    from dagster_project.runtime import configure_environment

    paths = configure_environment(data)
    sensor = LandingSensor()
    original = sp2d_month(paths).read_text(encoding="utf-8")
    started = time.time()
    seconds, sensed, partition, run_id = resend_month(paths, sensor, original, 0)
    ended = time.time()
    steps = [
        {"key": st.step_key, "start": st.start_time, "end": st.end_time}
        for st in sensor.instance.get_run_step_stats(run_id)
        if st.start_time and st.end_time
    ]
    run = sensor.instance.get_run_stats(run_id)
    first = min(st["start"] for st in steps)
    last = max(st["end"] for st in steps)
    return {
        "seconds": seconds,
        "sensor_seconds": sensed,
        "partition": partition,
        "started": started,
        "steps": steps,
        # where the gaps are: before the run starts (the job's subset resolved), from its start
        # to its first step, from its last step to its end, and after (the result returned)
        "gaps_where": {
            "before run": run.start_time - started - sensed,
            "run start → first step": first - run.start_time,
            "last step → run end": run.end_time - last,
            "after run": ended - run.end_time,
        },
    }


def _pct(sorted_values: list[float], p: float) -> float | None:
    if not sorted_values:
        return None
    k = (len(sorted_values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


WORKERS = {
    "demo": lambda a: worker_demo(a.data, a.scale[0], a.pemda[0]),
    "pipeline": lambda a: worker_pipeline(a.data),
    "limit": lambda a: worker_limit(a.data),
    "queries": lambda a: worker_queries(a.data, a.query_repeat),
    "incremental": lambda a: worker_incremental(a.data),
}


# ------------------------------------------------------------------------ the parent: memory


def _tree_rss(pid: int) -> int:
    """Resident bytes of `pid` and every process below it (dbt runs in a child of the pipeline)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read().rsplit(b")", 1)[1].split()
            ppid, pages = int(stat[1]), int(stat[21])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
        rss[int(entry.name)] = pages * PAGE
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo += children.get(p, [])
    return total


def run_worker(mode: str, data: Path, env: dict, cwd: Path, extra: list[str]) -> tuple[dict, list]:
    """Run one step in a subprocess; return its JSON and the (time, tree RSS) samples."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", mode, "--data", str(data)]
    log = data.parent / f"{mode}.log"
    # The last step's writes reach the disk first: the kernel writes dirty pages back at the
    # disk's pace (here ~100 MB/s), and a step started while the last one's gigabyte is still
    # being written back pays for it (the re-sent month's ~1 GB copy of the build file took
    # 0.3 s on an idle disk and 5-7 s behind another run's writes). A re-sent file arrives at a
    # moment of its own, not seconds after a full build.
    os.sync()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [*cmd, *extra], env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=out
        )
        samples: list[tuple[float, int]] = []
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(0.25):
                samples.append((time.time(), _tree_rss(proc.pid)))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        stdout, _ = proc.communicate()
        stop.set()
        sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{mode} failed (exit {proc.returncode}); see {log}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the step and every process it waited for
    out = json.loads(stdout.decode().strip().splitlines()[-1])
    out["cpu_seconds"] = sum(
        getattr(after, f) - getattr(before, f) for f in ("ru_utime", "ru_stime")
    )
    return out, samples


# ------------------------------------------------------------------------ the parent: one size


def _union(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[list[float]] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def _peak(samples, intervals) -> int:
    return max((r for t, r in samples if any(a <= t <= b for a, b in intervals)), default=0)


def stage_seconds(pipe: dict) -> dict[str, float]:
    """Wall seconds per stage (the union of its steps' spans), the gaps and the total, and CPU."""
    from dagster_project.runtime import stage_of  # the stage rule `apbd run` prints its times by

    by_stage: dict[str, list[tuple[float, float]]] = {}
    for st in pipe["steps"]:
        by_stage.setdefault(stage_of(st["key"]), []).append((st["start"], st["end"]))
    out = {k: sum(b - a for a, b in _union(v)) for k, v in sorted(by_stage.items())}
    out["gaps"] = pipe["seconds"] - sum(out.values())
    return {**out, "total": pipe["seconds"], "cpu": pipe["cpu_seconds"]}


def rerun(folders: dict[str, tuple[Path, dict, Path]], times: int) -> dict:
    """`run_pipeline()` again on each kept, published data folder with nothing new (ingest checks
    the files' sha256, then dbt, gate, publish), the variants alternating, `times` rounds:
    {label: {stage: median seconds}}."""
    import statistics

    runs: dict[str, list[dict]] = {label: [] for label in folders}
    for _ in range(times):
        for label, (data, env, cwd) in folders.items():
            pipe, _ = run_worker("pipeline", data, env, cwd, [])
            runs[label].append(stage_seconds(pipe))
            print(f"[{label} rerun] {runs[label][-1]}", flush=True)
    return {
        label: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for label, rs in runs.items()
    }


def measure_size(pemda: int, scale: float, label: str, env: dict, cwd: Path, args) -> dict:
    from dagster_project.runtime import stage_of

    root = Path(tempfile.mkdtemp(prefix=f"apbd-scale-{label}-{pemda}p-"))
    data = root / "data"
    env = {
        **env,
        "APBD_DATA_DIR": str(data),
        "DAGSTER_HOME": str(root / "dagster_home"),
        "APBD_HMAC_KEY": "benchmark-key-not-secret-0123456789",
    }
    out: dict = {"scale": scale, "pemda": pemda, "label": label}
    print(f"[{label} {pemda} pemda scale {scale}] {root}", flush=True)

    demo, samples = run_worker(
        "demo", data, env, cwd, ["--scale", str(scale), "--pemda", str(pemda)]
    )
    out["files"] = demo["files"]
    seconds = {"demo": demo["seconds"]}
    peak = {"demo": max((r for _, r in samples), default=0)}

    pipe, samples = run_worker("pipeline", data, env, cwd, [])
    if not pipe["success"]:
        raise RuntimeError(f"pipeline failed: {pipe['failed']}")
    seconds["start-up"] = pipe["startup_seconds"]
    peak["start-up"] = max((r for t, r in samples if t < pipe["started"]), default=0)
    by_stage: dict[str, list[tuple[float, float]]] = {}
    for st in pipe["steps"]:
        by_stage.setdefault(stage_of(st["key"]), []).append((st["start"], st["end"]))
    covered = 0.0
    for name in ("ingest", "dbt build", "gerbang mutu", "publish"):
        spans = _union(by_stage.get(name, []))
        seconds[name] = sum(b - a for a, b in spans)
        covered += seconds[name]
        peak[name] = _peak(samples, spans)
    seconds["gaps"] = pipe["seconds"] - covered
    every = _union([s for spans in by_stage.values() for s in spans])
    pipe_end = pipe["started"] + pipe["seconds"]
    gaps, last = [], pipe["started"]
    for a, b in every:
        gaps.append((last, a))
        last = b
    gaps.append((last, pipe_end))
    peak["gaps"] = _peak(samples, gaps)
    out["pipeline_seconds"] = pipe["seconds"]
    out["pipeline_cpu_seconds"] = pipe["cpu_seconds"]  # start-up included: the same process
    out["raw_rows"] = pipe["raw_rows"]
    out["sp2d_per_year"] = pipe.get("sp2d_per_year")  # None from a --baseline before it
    out["ingest_files_per_s"] = demo["files"] / seconds["ingest"] if seconds["ingest"] else None
    out["ingest_rows_per_s"] = pipe["raw_rows"] / seconds["ingest"] if seconds["ingest"] else None
    out["peak_rss_pipeline_mb"] = max((r for _, r in samples), default=0) / 2**20

    limit, _ = run_worker("limit", data, env, cwd, [])
    out["limit"] = limit
    out["end_to_end_over_limit"] = pipe["seconds"] / limit["seconds"]

    queries, _ = run_worker("queries", data, env, cwd, ["--query-repeat", str(args.query_repeat)])
    out["queries"] = queries

    if not args.no_incremental:
        inc, _ = run_worker("incremental", data, env, cwd, [])
        inc["stages"] = {"sensor": inc["sensor_seconds"], **stage_seconds(inc)}
        out["incremental"] = {k: v for k, v in inc.items() if k != "steps"}
        out["incremental_over_full"] = inc["seconds"] / pipe["seconds"]

    out["seconds"] = seconds
    out["peak_rss_mb"] = {k: v / 2**20 for k, v in peak.items()}
    out["load_average"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    out["_folder"] = (str(data), env, str(cwd))
    print(json.dumps(out, indent=1, default=str), flush=True)
    return out


def export_revision(rev: str) -> Path:
    tree = Path(tempfile.mkdtemp(prefix="apbd-scale-rev-"))
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


# ------------------------------------------------------------------------ the parent: report


def _fmt(v, digits=1) -> str:
    return "–" if v is None else f"{v:,.{digits}f}"


def markdown(results: list[dict], meta: dict) -> str:
    cols = [_column(r) for r in results]
    lines = [
        f"Measured {meta['when']} on {meta['cpus']} cores, {meta['ram_gb']:.0f} GB RAM "
        f"(load average before: {meta['load_before']}); one run per column. "
        "`benchmarks/scale.py`.",
        "",
        "| | " + " | ".join(cols) + " |",
        "|---|" + "---:|" * len(cols),
        "| landing files | " + " | ".join(f"{r['files']:,}" for r in results) + " |",
        "| raw rows | " + " | ".join(f"{r['raw_rows']:,}" for r in results) + " |",
        "| SP2D a year | " + " | ".join(_fmt(r.get("sp2d_per_year"), 0) for r in results) + " |",
    ]
    for stage in STAGES:
        lines.append(
            f"| {stage} (s) | " + " | ".join(_fmt(r["seconds"].get(stage)) for r in results) + " |"
        )
    rows = [
        ("**pipeline, set-up excluded (s)**", lambda r: _fmt(r["pipeline_seconds"])),
        (
            "CPU of the pipeline process and its children (s)",
            lambda r: _fmt(r.get("pipeline_cpu_seconds")),
        ),
        ("DuckDB-only limit (s)", lambda r: _fmt(r["limit"]["seconds"])),
        ("**end-to-end ÷ limit**", lambda r: _fmt(r["end_to_end_over_limit"])),
        (
            "incremental: one SP2D month (s)",
            lambda r: _fmt(r.get("incremental", {}).get("seconds")),
        ),
        ("incremental ÷ full", lambda r: _fmt(r.get("incremental_over_full"), 2)),
        *(
            (f"incremental: {stage} (s)", lambda r, s=stage: _fmt(_inc_stage(r, s)))
            for stage in ("sensor", "ingest", "dbt build", "gerbang mutu", "publish", "gaps")
        ),
        ("ingest files/s", lambda r: _fmt(r["ingest_files_per_s"])),
        ("ingest rows/s", lambda r: _fmt(r["ingest_rows_per_s"], 0)),
        ("peak RSS ingest (MB)", lambda r: _fmt(r["peak_rss_mb"]["ingest"], 0)),
        ("peak RSS dbt build (MB)", lambda r: _fmt(r["peak_rss_mb"]["dbt build"], 0)),
        ("peak RSS gate (MB)", lambda r: _fmt(r["peak_rss_mb"]["gerbang mutu"], 0)),
        ("peak RSS publish (MB)", lambda r: _fmt(r["peak_rss_mb"]["publish"], 0)),
        ("peak RSS pipeline (MB)", lambda r: _fmt(r["peak_rss_pipeline_mb"], 0)),
        (
            "planner queries p50 / p95 (ms)",
            lambda r: f"{_fmt(r['queries']['p50_ms'])} / {_fmt(r['queries']['p95_ms'])}",
        ),
    ]
    lines += [f"| {name} | " + " | ".join(f(r) for r in results) + " |" for name, f in rows]
    lines.append("")
    for r in results:
        if r["limit"]["failed"]:
            lines.append(
                f"{_column(r)}: {len(r['limit']['failed'])} models failed "
                f"in the limit run: {'; '.join(r['limit']['failed'][:3])}"
            )
    return "\n".join(lines) + "\n"


def _column(r: dict) -> str:
    return f"{r['label']} · {r.get('pemda', 1)} pemda · scale {r['scale']:g}"


def _inc_stage(r: dict, stage: str) -> float | None:
    return r.get("incremental", {}).get("stages", {}).get(stage)


def rerun_markdown(reruns: dict) -> str:
    if not reruns:
        return ""
    lines = [
        "",
        "Again with nothing new (ingest finds every file loaded; dbt, gate, publish), medians:",
        "",
    ]
    cols = [(size, label) for size, by in reruns.items() for label in by]
    lines.append("| | " + " | ".join(f"{label} · {size}" for size, label in cols) + " |")
    lines.append("|---|" + "---:|" * len(cols))
    for stage in ("ingest", "dbt build", "gerbang mutu", "publish", "gaps", "total", "cpu"):
        lines.append(
            f"| {stage} (s) | "
            + " | ".join(_fmt(reruns[s][label].get(stage)) for s, label in cols)
            + " |"
        )
    return "\n".join(lines) + "\n"


def chart(results: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for label in dict.fromkeys(r["label"] for r in results):
        mine = sorted((r for r in results if r["label"] == label), key=lambda r: r["raw_rows"])
        x = [r["raw_rows"] for r in mine]
        ax.plot(x, [r["pipeline_seconds"] for r in mine], "o-", label=f"pipeline ({label})")
        ax.plot(x, [r["limit"]["seconds"] for r in mine], "s--", label=f"DuckDB-only ({label})")
        if any("incremental" in r for r in mine):
            inc = [(r["raw_rows"], r["incremental"]["seconds"]) for r in mine if "incremental" in r]
            ax.plot(*zip(*inc, strict=True), "^:", label=f"one SP2D month re-sent ({label})")
        for r in mine:
            ax.annotate(
                f"{r.get('pemda', 1)} pemda × {r['scale']:g}",
                (r["raw_rows"], r["pipeline_seconds"]),
                textcoords="offset points", xytext=(4, 4), fontsize=7,
            )  # fmt: skip
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("raw rows (demo --pemda × --scale)")
    ax.set_ylabel("seconds")
    ax.set_title("APBD pipeline: time against data size")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> int:
    from dagster_project.lib.core import machine

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, nargs="+", default=[0.3, 1.0])
    parser.add_argument(
        "--pemda", type=int, nargs="+", default=[1],
        help="numbers of pemda (apbd demo --pemda N): 1 10 100",
    )  # fmt: skip
    parser.add_argument("--baseline", metavar="REV", help="also measure this git revision")
    parser.add_argument("--query-repeat", type=int, default=20)
    parser.add_argument("--no-incremental", action="store_true")
    parser.add_argument(
        "--rerun", type=int, default=0, metavar="N",
        help="then N rounds of the pipeline again with nothing new, variants alternating",
    )  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the temporary data folders")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--worker", choices=WORKERS, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        print(json.dumps(WORKERS[args.worker](args), default=str))
        return 0
    if min(args.pemda) < 1:
        parser.error("--pemda: at least 1")

    # The steps run as `make` runs them: with Python's bytecode kept (the Makefile unexports
    # PYTHONDONTWRITEBYTECODE). Where a shell sets it, each step's processes compiled what they
    # import from source: dbt's Python model alone took 3.7 s instead of 0.7 s (polars, pyarrow).
    env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONDONTWRITEBYTECODE")
    }
    variants = [("now", env, ROOT)]
    tree = None
    if args.baseline:
        tree = export_revision(args.baseline)
        variants.insert(0, (args.baseline, {**env, "PYTHONPATH": str(tree)}, tree))
    meta = {
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cpus": machine.cpus(),
        "ram_gb": machine.ram_mb() / 1024,
        "load_before": ", ".join(f"{x:.1f}" for x in os.getloadavg()),
        "pemda": args.pemda,
        "scale": args.scale,
    }
    results, reruns = [], {}
    try:
        for pemda, scale in [(n, s) for n in args.pemda for s in args.scale]:
            mine = [
                measure_size(pemda, scale, label, venv, cwd, args) for label, venv, cwd in variants
            ]
            if args.rerun:
                folders = {r["label"]: (Path(r["_folder"][0]), r["_folder"][1], Path(r["_folder"][2])) for r in mine}  # fmt: skip
                reruns[f"{pemda} pemda · scale {scale:g}"] = rerun(folders, args.rerun)
            for r in mine:
                data = Path(r.pop("_folder")[0])
                if not args.keep:
                    shutil.rmtree(data.parent, ignore_errors=True)
            results += mine
    finally:
        if tree:
            shutil.rmtree(tree, ignore_errors=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "scale.json").write_text(
        json.dumps({"meta": meta, "results": results, "reruns": reruns}, indent=1, default=str)
        + "\n"
    )
    table = markdown(results, meta) + rerun_markdown(reruns)
    (args.out / "scale.md").write_text(table, encoding="utf-8")
    chart(results, args.out / "scale.png")
    print(table)
    print(f"written: {args.out / 'scale.json'}, scale.md, scale.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
