"""Issue 14 §3 and §4 measured: the year-end forecast back-test and the review list's precision
and recall against the demo's planted truth.

    .venv/bin/python benchmarks/inyear_truth.py --seed 20240101 [--scale 1.0]
        [--years 2024 2025] [--workdir DIR]

For one seed, scale and set of fiscal years it generates the demo world, ingests every landing
file with the real loader and builds the two marts with everything they need into a scratch
DuckDB file (`dbt seed` + `dbt run --select +mart_proyeksi_serapan +mart_anomali`, models only),
then prints and writes to benchmarks/results/inyear_<seed>_<scale>_<years>.md:

- the back-test: for every past year with a complete December, the forecasts the mart made at
  the end of each month 1–11 (per OPD and program, pagu > 0) against that year's actual final
  absorption: month -> mean absolute error in percentage points, the share of actual outcomes
  inside the forecast range, and the method used (profil_opd / profil_kota / rencana_kas); the
  first demo year has no earlier year, so its forecasts are the cash-plan rule. Beside the
  mart's rule, two simpler ones on the same rows: realisation + the whole rest of the cash plan,
  and realisation ÷ the profile's share of the final realisation paid by that month;
- per kind of the review list: rows, planted cases, precision and recall
  (lib/demo/anomali.skor, the same scoring tests/test_telaah.py asserts on);
- how long each of the two marts took to build (dbt's run_results.json).

Figures only, no assertions: tests/test_telaah.py checks behaviour on the shared demo.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
MARTS = ("mart_proyeksi_serapan", "mart_anomali")


def prepare(workdir: Path, seed: int, scale: float, years: tuple[int, ...]) -> dict:
    from dagster_project.lib.contracts.model import source_contracts
    from dagster_project.lib.demo.generator import generate
    from dagster_project.lib.ingest.loader import ingest_source
    from dagster_project.lib.ingest.pseudonymise import ensure_hmac_key
    from dagster_project.runtime import configure_environment

    shutil.rmtree(workdir / "data", ignore_errors=True)
    paths = configure_environment(workdir / "data")
    ensure_hmac_key(paths)
    t = time.perf_counter()
    manifest = generate(paths.landing, seed=seed, scale=scale, years=years)
    print(f"demo: seed {seed}, scale {scale}, years {list(years)}: "
          f"{len(manifest['files'])} files, {time.perf_counter() - t:.0f} s")  # fmt: skip
    t = time.perf_counter()
    for contract in source_contracts().values():
        ingest_source(contract, paths)
    print(f"ingest: {time.perf_counter() - t:.0f} s")
    return manifest


def build(workdir: Path) -> tuple[Path, dict[str, float]]:
    db = workdir / "eval.duckdb"
    db.unlink(missing_ok=True)
    env = {**os.environ, "APBD_BUILD_DB": str(db), "APBD_DATA_DIR": str(workdir / "data")}
    dbt = [str(Path(sys.executable).with_name("dbt")), "--quiet"]
    where = ["--project-dir", str(ROOT / "dbt"), "--profiles-dir", str(ROOT / "dbt")]
    target = workdir / "dbt_target"
    t = time.perf_counter()
    for cmd in (
        [*dbt, "seed", *where, "--target-path", str(target)],
        [*dbt, "run", *where, "--target-path", str(target), "--select",
         *(f"+{m}" for m in MARTS)],
    ):  # fmt: skip
        done = subprocess.run(cmd, cwd=ROOT / "dbt", env=env, capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"{' '.join(cmd[1:3])} failed:\n{done.stdout[-4000:]}{done.stderr}")
    print(f"dbt: {time.perf_counter() - t:.0f} s")
    return db, build_times(target)


def build_times(target: Path) -> dict[str, float]:
    """Seconds each of the two marts took in the last dbt run into `target`."""
    path = target / "run_results.json"
    results = json.loads(path.read_text(encoding="utf-8"))["results"] if path.exists() else []
    return {
        r["unique_id"].split(".")[-1]: r["execution_time"]
        for r in results
        if r["unique_id"].split(".")[-1] in MARTS
    }


BACKTEST = """
with akhir as (
    select tahun, kode_skpd, kode_program,
           100 * realisasi_kumulatif_rp / pagu_akhir_rp as aktual
    from marts.mart_proyeksi_serapan
    where bulan_proyeksi = 12 and pagu_akhir_rp > 0
)
select p.bulan_proyeksi as bulan,
       count(*) as n,
       round(avg(abs(100 * p.proyeksi_realisasi_rp / p.pagu_akhir_rp - a.aktual)), 2) as mae_pp,
       round(median(abs(100 * p.proyeksi_realisasi_rp / p.pagu_akhir_rp - a.aktual)), 2)
           as median_ae_pp,
       round(avg(abs(100 * least(p.realisasi_kumulatif_rp + p.sisa_rencana_kas_rp,
                                   greatest(p.pagu_akhir_rp, p.realisasi_kumulatif_rp))
                      / p.pagu_akhir_rp - a.aktual)), 2) as mae_sisa_kas_pp,
       round(avg(case when p.porsi_profil_persen > 0 then abs(
                 100 * least(p.realisasi_kumulatif_rp / (p.porsi_profil_persen / 100),
                             greatest(p.pagu_akhir_rp, p.realisasi_kumulatif_rp))
                 / p.pagu_akhir_rp - a.aktual) end), 2) as mae_bagi_porsi_pp,
       round(100 * avg(case when a.aktual between p.proyeksi_serapan_bawah_persen - 0.005
                                           and p.proyeksi_serapan_atas_persen + 0.005
                            then 1 else 0 end), 1) as dalam_rentang_persen,
       string_agg(distinct p.metode_proyeksi, ', ' order by p.metode_proyeksi) as metode
from marts.mart_proyeksi_serapan as p
inner join akhir as a using (tahun, kode_skpd, kode_program)
where p.bulan_proyeksi < 12 and p.pagu_akhir_rp > 0 and {where}
group by p.bulan_proyeksi
order by p.bulan_proyeksi
"""


def backtest(con: duckdb.DuckDBPyConnection, where: str) -> list[tuple]:
    return con.execute(BACKTEST.format(where=where)).fetchall()


def table(rows: list[tuple], header: tuple[str, ...]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(v) for v in r) + " |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    from dagster_project.lib.demo import anomali

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=20240101)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--years", type=int, nargs="+", default=[2024, 2025])
    ap.add_argument("--workdir", type=Path)
    ap.add_argument(
        "--ulang", action="store_true", help="score the eval.duckdb already in --workdir again"
    )
    args = ap.parse_args()
    years = tuple(sorted(args.years))
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="inyear_"))
    workdir.mkdir(parents=True, exist_ok=True)
    os.environ["DAGSTER_HOME"] = str(workdir / "dagster_home")
    if args.ulang:
        manifest = json.loads((workdir / "data" / "landing" / "_manifest.json").read_text("utf-8"))
        db, times = workdir / "eval.duckdb", build_times(workdir / "dbt_target")
    else:
        manifest = prepare(workdir, args.seed, args.scale, years)
        db, times = build(workdir)
    out: list[str] = [
        f"# In-year marts: seed {args.seed}, scale {args.scale}, years {list(years)}",
        "",
        "Generated by `benchmarks/inyear_truth.py` (figures only).",
        "",
    ]
    with duckdb.connect(str(db), read_only=True) as con:
        header = (
            "bulan",
            "n",
            "MAE (pp)",
            "median AE (pp)",
            "MAE realisasi + seluruh sisa kas (pp)",
            "MAE realisasi ÷ porsi profil (pp)",
            "aktual dalam rentang (%)",
            "metode",
        )
        later = [y for y in years if y > years[0]]
        if later:
            rows = backtest(con, f"p.tahun in ({', '.join(map(str, later))})")
            out += ["## Back-test, years with an earlier year (profile)", "",
                    table(rows, header), ""]  # fmt: skip
        rows = backtest(con, f"p.tahun = {years[0]}")
        out += [f"## Back-test, first year {years[0]} (no earlier year: cash-plan rule)", "",
                table(rows, header), ""]  # fmt: skip
        rel = con.execute("select * from marts.mart_anomali")
        cols = [d[0] for d in rel.description]
        daftar = [dict(zip(cols, r, strict=True)) for r in rel.fetchall()]
    scores = anomali.skor(daftar, manifest["kebenaran"]["anomali"])
    out += [
        "## Review list against the planted truth",
        "",
        table(
            [(k, n, p, f"{pr:.3f}", f"{rc:.3f}") for k, (n, p, pr, rc) in scores.items()],
            ("aturan", "baris", "ditanam", "precision", "recall"),
        ),
        "",
        "## Build time (dbt run, seconds)",
        "",
        table([(m, f"{times.get(m, float('nan')):.2f}") for m in MARTS], ("model", "detik")),
        "",
    ]
    text = "\n".join(out)
    print(text)
    results = ROOT / "benchmarks" / "results"
    results.mkdir(parents=True, exist_ok=True)
    name = f"inyear_{args.seed}_{args.scale:g}_{years[0]}-{years[-1]}.md"
    (results / name).write_text(text, encoding="utf-8")
    print(f"written: benchmarks/results/{name}")


if __name__ == "__main__":
    main()
