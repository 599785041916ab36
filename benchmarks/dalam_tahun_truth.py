"""Issue 14 §1–2 against the demo's planted truth, on a published data folder.

    .venv/bin/apbd demo --seed 7 --scale 1 --data-dir /tmp/d && .venv/bin/apbd run --data-dir /tmp/d
    .venv/bin/python benchmarks/dalam_tahun_truth.py --data-dir /tmp/d

Prints, per year, TP / FP / FN, precision and recall of `berubah` and `dipindah` in
mart_perubahan_anggaran (murni against perubahan, the OPDs without a pergeseran), of
`selisih` in mart_rekonsiliasi_realisasi, the rows per status, and how long the run's dbt build
took for each model of these marts (from the build's run_results.json). Figures only, no
assertions: tests/test_dalam_tahun.py checks behaviour on the shared demo.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import duckdb

from dagster_project.lib.demo import dalam_tahun as dt
from dagster_project.lib.demo.generator import (
    PERGESERAN_SESUDAH_PERUBAHAN,
    PERGESERAN_TANPA_PERUBAHAN,
)

MODELS = (
    "int_rincian_carried_to_tahap",
    "int_rincian_matched_across_tahap",
    "mart_perubahan_anggaran",
    "mart_perubahan_anggaran_ringkas",
    "int_realisasi_dilaporkan_compared_to_sp2d",
    "mart_rekonsiliasi_realisasi",
)


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> list[dict]:
    cur = con.execute(sql, params or {})
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, required=True)
    root = ap.parse_args().data_dir
    manifest = json.loads((root / "landing" / "_manifest.json").read_text(encoding="utf-8"))
    truth = manifest["kebenaran"]
    print(f"seed {manifest['seed']}, scale {manifest['scale']}, years {manifest['years']}")
    con = duckdb.connect(str(root / "published" / "apbd_mart.duckdb"), read_only=True)
    for tahun in manifest["years"]:
        ke = "perubahan"
        r = rows(
            con,
            """select * from marts.mart_perubahan_anggaran
            where tahun = $t and tahap_dari = 'murni' and tahap_ke = $k""",
            {"t": tahun, "k": ke},
        )
        t = [x for x in truth["perubahan_rincian"] if x["tahun"] == tahun]
        skor = dt.skor_perubahan_rincian(
            r, t, {PERGESERAN_TANPA_PERUBAHAN, PERGESERAN_SESUDAH_PERUBAHAN}
        )
        for status, s in skor.items():
            print(f"{tahun} murni → {ke} {status:<9} {s}")
    print(
        f"selisih (all years) {dt.skor_klaim(rows(con, 'select * from marts.mart_rekonsiliasi_realisasi'), truth['klaim_keuangan'])}"
    )
    for table in ("mart_perubahan_anggaran", "mart_rekonsiliasi_realisasi"):
        counts = con.execute(
            f"select status, count(*) from marts.{table} group by 1 order by 1"
        ).fetchall()
        print(table, dict(counts))
    results = root / "build" / "dbt_target" / "run_results.json"
    if results.exists():
        run = json.loads(results.read_text(encoding="utf-8"))["results"]
        times = {x["unique_id"].rsplit(".", 1)[-1]: x["execution_time"] for x in run}
        print("dbt build, s:", {m: round(times[m], 2) for m in MODELS if m in times})


if __name__ == "__main__":
    main()
