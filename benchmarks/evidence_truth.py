"""The evidence marts against the demo's planted truth: confusion counts, precision and recall.

    .venv/bin/python benchmarks/evidence_truth.py --seed 101 [--scale 0.3] [--tanpa-efek]
        [--workdir DIR] [--full] [--select "int_program_outcome_compared+ ..."] [--diagnose]

For one seed and scale (and the placebo world with `--tanpa-efek`) it generates the demo world,
ingests every landing file with the real loader, builds the real dbt project into a scratch DuckDB
file (`dbt run`, models only; `--full` runs the whole pipeline instead: ingest, dbt build, gate,
publish, and scores the published mart) and prints, per class, TP / FP / FN, precision and recall:

- efektif (klasifikasi) against every program-year whose planted effect shows in that year's
  outcome change (`manifest.kebenaran.program[].tahun_dampak`), over those where it shows in at
  least 3 kelurahan within the evidence window (`tahun_dampak_terlihat`: visible by design), and
  over those whose evidence
  reaches the minimum size of `ref_aturan_dampak` (status_dampak berdampak / tidak_berdampak);
- tier A against the same, tier D against the planted wasteful programs (tidak_efektif,
  serapan_rendah), every year, and over the wasteful program-years whose waste the data can show
  (low absorption, missed outputs, or money in at least 3 kelurahan with outcome data within the
  evidence window: `tahun_terukur`); in the "terlihat" rows a planted truth too small to be seen
  is scored neither way (not owed, not a false positive);
- kurang_terlayani (mart_kebutuhan_wilayah) against the planted under-served kelurahan;
- the abstentions (belum_cukup_bukti) and, with `--diagnose`, why each planted effective
  program-year was missed (kekurangan_bukti, interval, shared kelurahan, lag).

With `--workdir DIR` the generated and ingested world is kept and reused when it was made with
the same seed, scale and placebo flag: a second call only rebuilds the dbt models (seeds
included) and scores them, so a change to the effect models is measured in about a minute;
`--select` narrows that rebuild to a dbt selection on top of an earlier full build. Figures
only, no assertions: tests/test_pipeline.py and tests/test_placebo_pipeline.py check behaviour.
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
from collections import Counter
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BOROS = {"tidak_efektif", "serapan_rendah"}


def prepare(workdir: Path, seed: int, scale: float, tanpa_efek: bool) -> dict:
    """Generate and ingest the world under workdir/data, unless the same one is already there."""
    from dagster_project.lib.contracts.model import source_contracts
    from dagster_project.lib.demo.generator import generate
    from dagster_project.lib.ingest.loader import ingest_source
    from dagster_project.lib.ingest.pseudonymise import ensure_hmac_key
    from dagster_project.runtime import configure_environment

    wanted = {"seed": seed, "scale": scale, "tanpa_efek": tanpa_efek}
    stamp = workdir / "dunia.json"
    paths = configure_environment(workdir / "data")
    if stamp.exists() and json.loads(stamp.read_text())["dunia"] == wanted:
        return json.loads((paths.landing / "_manifest.json").read_text(encoding="utf-8"))
    shutil.rmtree(workdir / "data", ignore_errors=True)
    paths = configure_environment(workdir / "data")
    ensure_hmac_key(paths)
    t = time.perf_counter()
    manifest = generate(
        paths.landing, seed=seed, scale=scale, years=(2024, 2025), tanpa_efek=tanpa_efek
    )
    print(f"demo: seed {seed}, scale {scale}, tanpa_efek {tanpa_efek}: "
          f"{len(manifest['files'])} files, {time.perf_counter() - t:.0f} s")  # fmt: skip
    t = time.perf_counter()
    for contract in source_contracts().values():
        ingest_source(contract, paths)
    print(f"ingest: {time.perf_counter() - t:.0f} s")
    stamp.write_text(json.dumps({"dunia": wanted}), encoding="utf-8")
    (workdir / "eval.duckdb").unlink(missing_ok=True)
    return manifest


def build(workdir: Path, select: str | None) -> Path:
    """The dbt models (and seeds) into workdir/eval.duckdb; `select` only on an earlier build."""
    db = workdir / "eval.duckdb"
    env = {**os.environ, "APBD_BUILD_DB": str(db), "APBD_DATA_DIR": str(workdir / "data")}
    dbt = [str(Path(sys.executable).with_name("dbt")), "--quiet"]
    where = ["--project-dir", str(ROOT / "dbt"), "--profiles-dir", str(ROOT / "dbt")]
    t = time.perf_counter()
    steps = [[*dbt, "seed", *where]]
    steps.append([*dbt, "run", *where, *(["--select", *select.split()] if select and db.exists()
                                          else [])])  # fmt: skip
    for cmd in steps:
        done = subprocess.run(cmd, cwd=ROOT / "dbt", env=env, capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"{' '.join(cmd[1:3])} failed:\n{done.stdout[-4000:]}{done.stderr}")
    print(f"dbt ({select or 'everything'}): {time.perf_counter() - t:.0f} s")
    return db


def full_pipeline(workdir: Path, seed: int, scale: float, tanpa_efek: bool) -> tuple[dict, Path]:
    """The real pipeline end to end (ingest, dbt build with tests, gate, publish)."""
    shutil.rmtree(workdir / "data", ignore_errors=True)
    os.environ["DAGSTER_HOME"] = str(workdir / "dagster_home")
    from dagster_project.lib.demo.generator import generate
    from dagster_project.lib.ingest.pseudonymise import ensure_hmac_key
    from dagster_project.runtime import configure_environment, ensure_dbt_manifest, run_pipeline

    paths = configure_environment(workdir / "data")
    ensure_hmac_key(paths)
    ensure_dbt_manifest()
    manifest = generate(
        paths.landing, seed=seed, scale=scale, years=(2024, 2025), tanpa_efek=tanpa_efek
    )
    t = time.perf_counter()
    report = run_pipeline()
    print(f"pipeline: {time.perf_counter() - t:.0f} s, success {report.success}")
    if not report.success:
        raise SystemExit(f"pipeline failed: {report.failed_steps} {report.failed_checks}")
    (workdir / "dunia.json").unlink(missing_ok=True)  # the published mart, not a reusable build
    return manifest, paths.published_db


def counts(predicted: set, actual: set) -> tuple[int, int, int, float, float]:
    tp = len(predicted & actual)
    fp, fn = len(predicted - actual), len(actual - predicted)
    precision = tp / len(predicted) if predicted else 1.0
    recall = tp / len(actual) if actual else 1.0
    return tp, fp, fn, precision, recall


def score(db: Path, manifest: dict) -> tuple[dict[str, tuple], list[tuple]]:
    """Confusion counts per class, and every program-year row the scores rest on."""
    truth = manifest["kebenaran"]
    kelas = {(p["kode_skpd"], p["kode_program"]): p["kelas"] for p in truth["program"]}
    shows = {
        (t, p["kode_skpd"], p["kode_program"])
        for p in truth["program"]
        if p["kelas"] == "efektif"
        for t in p["tahun_dampak"]
    }
    with duckdb.connect(str(db), read_only=True) as con:
        # why the evidence is short is in the intermediate model (a build, not the published mart)
        dalam = con.execute(
            "select count(*) from duckdb_views() where schema_name = 'intermediate' "
            "and view_name = 'int_program_outcome_compared'"
        ).fetchone()[0]
        kurang = "d.kekurangan_bukti" if dalam else "null"
        gabung = (
            "left join intermediate.int_program_outcome_compared as d "
            "using (tahun, kode_skpd, kode_program)"
            if dalam
            else ""
        )
        rows = con.execute(
            f"""select k.tahun, k.kode_skpd, k.kode_program, k.klasifikasi, k.status_dampak,
                      p.tier, {kurang}, k.jumlah_kelurahan_sasaran,
                      k.jumlah_kelurahan_bersama, k.belanja_sasaran_rp,
                      k.selisih_perbaikan_outcome, k.selisih_batas_bawah,
                      k.selisih_batas_atas, k.efek_bermakna
               from marts.mart_kinerja_program as k
               join marts.mart_prioritas_alokasi as p using (tahun, kode_skpd, kode_program)
               {gabung}"""
        ).fetchall()
        wilayah = con.execute(
            """select tahun, kode_wilayah, kurang_terlayani from marts.mart_kebutuhan_wilayah
               where tingkat_wilayah = 'kelurahan'"""
        ).fetchall()
    key = {r[:3] for r in rows}
    actual_ef = shows & key
    # planted in at least 3 kelurahan that year (the generator's JANGKAUAN_MIN): visible by design
    terlihat = {
        (t, p["kode_skpd"], p["kode_program"])
        for p in truth["program"]
        if p["kelas"] == "efektif"
        for t in p.get("tahun_dampak_terlihat", p["tahun_dampak"])
    } & key
    cukup = {r[:3] for r in rows if r[:3] in shows and r[4] in ("berdampak", "tidak_berdampak")}
    boros = {r[:3] for r in rows if kelas.get(r[1:3]) in BOROS}
    # waste the data can show: low absorption, missed outputs, or no outcome effect where the
    # program's money reached enough kelurahan with data within the evidence window
    prog = {(p["kode_skpd"], p["kode_program"]): p for p in truth["program"]}
    boros_terlihat = {
        (t, o, p)
        for t, o, p in boros
        if prog[(o, p)]["kelas"] == "serapan_rendah"
        or prog[(o, p)]["keluaran_tidak_tercapai"]
        or t in prog[(o, p)].get("tahun_terukur", [t])
    }
    efektif = {r[:3] for r in rows if r[3] == "efektif"}
    tier_d = {r[:3] for r in rows if r[5] == "D"}
    under = set(truth["kelurahan_kurang_terlayani"])
    out = {
        "efektif (semua)": counts(efektif, actual_ef),
        # a planted effect too small to be seen is neither owed (recall) nor wrong (precision)
        "efektif (terlihat)": counts(efektif - (actual_ef - terlihat), terlihat),
        "efektif (bukti cukup)": counts(efektif, cukup),
        "tier A": counts({r[:3] for r in rows if r[5] == "A"}, actual_ef),
        "tier D (semua)": counts(tier_d, boros),
        "tier D (terlihat)": counts(tier_d - (boros - boros_terlihat), boros_terlihat),
        "kurang_terlayani": counts(
            {(t, k) for t, k, f in wilayah if f}, {(t, k) for t, k, _ in wilayah if k in under}
        ),
    }
    return out, rows


def report(scores: dict, rows: list[tuple], manifest: dict, diagnose: bool) -> None:
    print(f"\n{'kelas':24} {'TP':>4} {'FP':>4} {'FN':>4} {'presisi':>8} {'recall':>7}")
    for name, (tp, fp, fn, p, r) in scores.items():
        print(f"{name:24} {tp:4d} {fp:4d} {fn:4d} {p:8.3f} {r:7.3f}")
    n = len(rows)
    ef_a = sum(1 for r in rows if r[3] == "efektif" or r[5] == "A")
    abstain = sum(1 for r in rows if r[3] == "belum_cukup_bukti")
    measured = sum(1 for r in rows if r[4] not in (None, "tidak_terukur"))
    print(f"\nprogram-years {n}, measured {measured}, efektif or tier A {ef_a} "
          f"({100 * ef_a / n:.1f} %), belum_cukup_bukti {abstain}")  # fmt: skip
    if not diagnose:
        return
    truth = manifest["kebenaran"]
    shows = {
        (t, p["kode_skpd"], p["kode_program"])
        for p in truth["program"]
        if p["kelas"] == "efektif"
        for t in p["tahun_dampak"]
    }
    kelas = {(p["kode_skpd"], p["kode_program"]): p["kelas"] for p in truth["program"]}
    planted_years = {
        (t, p["kode_skpd"], p["kode_program"])
        for p in truth["program"]
        if p["kelas"] == "efektif"
        for t in p["tahun"]
    }
    why: Counter = Counter()
    print("\nplanted-effective program-years missed (tahun opd program: why)")
    for r in sorted(rows):
        if r[:3] not in shows or r[3] == "efektif":
            continue
        (t, o, p, klas, _status, _tier, kurang, n_s, n_b, rp, sel, lo, hi, bermakna) = r
        if klas != "belum_cukup_bukti":
            reason = f"klasifikasi {klas}"
        elif kurang:
            reason = f"belum_cukup_bukti: {kurang}"
        else:
            reason = "belum_cukup_bukti: rentang memuat 0"
        why[reason] += 1
        rp_juta = f"{float(rp or 0) / 1e6:,.0f}"
        print(f"  {t} {o} {p}: {reason}; sasaran {n_s}, bersama {n_b}, Rp{rp_juta} juta, "
              f"selisih {sel} [{lo}, {hi}], bermakna {bermakna}")  # fmt: skip
    for reason, k in why.most_common():
        print(f"  {k:3d}  {reason}")
    no_show = sorted(y for y in planted_years if y not in shows)
    print(f"planted-effective program-years whose effect never shows in the data "
          f"(lag past the last year, placebo): {len(no_show)}")  # fmt: skip
    fp = [r for r in rows if r[3] == "efektif" and r[:3] not in shows]
    for r in fp:
        print(f"  efektif but no planted effect that year: {r[:3]} kelas {kelas.get(r[1:3])}")
    miss_d = [r for r in rows if kelas.get(r[1:3]) in BOROS and r[5] != "D"]
    print(f"wasteful program-years not in tier D: {len(miss_d)}")
    for reason, k in Counter((kelas.get(r[1:3]), r[3], r[5], r[6]) for r in miss_d).most_common():
        print(f"  {k:3d}  truth {reason[0]}, klasifikasi {reason[1]}, tier {reason[2]}, "
              f"kekurangan {reason[3]}")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=20240101)
    parser.add_argument("--scale", type=float, default=0.3, help="tests/test_pipeline.py's")
    parser.add_argument("--tanpa-efek", action="store_true", help="the placebo world")
    parser.add_argument("--workdir", type=Path, help="keep and reuse the world here")
    parser.add_argument("--full", action="store_true", help="the whole pipeline, published mart")
    parser.add_argument("--select", help="dbt selection to rebuild on an earlier build")
    parser.add_argument("--diagnose", action="store_true", help="why each miss was missed")
    args = parser.parse_args()

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="apbd-bukti-"))
    workdir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DAGSTER_HOME", str(workdir / "dagster_home"))
    if args.full:
        manifest, db = full_pipeline(workdir, args.seed, args.scale, args.tanpa_efek)
    else:
        manifest = prepare(workdir, args.seed, args.scale, args.tanpa_efek)
        db = build(workdir, args.select)
    scores, rows = score(db, manifest)
    print(f"seed {args.seed}, scale {args.scale}, tanpa_efek {args.tanpa_efek}")
    report(scores, rows, manifest, args.diagnose)
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
