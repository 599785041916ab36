"""Issue 12: two pemda in one warehouse, end to end, as an operator runs it.

`apbd demo --pemda 2` (Samarinda and one kab/kota drawn from ref_pemda) then `apbd run`, at the
smallest scale: every gate check passes and the mart is published; each pemda's SP2D spending
per year equals its generator's totals to the rupiah; every mart and fact holds both pemda under
kode_pemda, its first column. test_pemda_models proves on a twin world that no join mixes two
pemda; this module proves the real path (landing folders, ingest, dbt, gate, publish) serves two.
"""

from __future__ import annotations

import json
import subprocess
from decimal import Decimal

import duckdb
import pytest

from dagster_project.lib.core.paths import PROJECT_ROOT
from tests.pipeline_kit import APBD, env_for, run_to_end

pytestmark = pytest.mark.slow

# Marts whose rows come from national files or rules, not from one pemda's own data.
NASIONAL = {"dim_akun", "dim_indikator", "dim_sub_kegiatan", "dim_sumber_dana", "dim_waktu"}


@pytest.fixture(scope="module")
def dua_pemda(tmp_path_factory):
    root = tmp_path_factory.mktemp("dua_pemda")
    demo = subprocess.run(
        [APBD, "demo", "--pemda", "2", "--scale", "0.05", "--data-dir", str(root / "data")],
        cwd=PROJECT_ROOT,
        env=env_for(root),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    code, out = run_to_end(root)
    assert code == 0, f"apbd run gagal (exit {code}):\n{out[-4000:]}"
    return root / "data"


def test_both_pemda_reconcile_with_their_generator_to_the_rupiah(dua_pemda):
    landing = dua_pemda / "landing"
    kode = sorted(p.name for p in landing.iterdir() if p.is_dir() and p.name[:2].isdigit())
    assert len(kode) == 2 and "64.72" in kode
    with duckdb.connect(str(dua_pemda / "published" / "apbd_mart.duckdb"), read_only=True) as con:
        got = {
            (p, str(t)): v
            for p, t, v in con.execute(
                "select kode_pemda, tahun, sum(nilai_rp) from marts.fct_realisasi group by all"
            ).fetchall()
        }
    for k in kode:
        manifest = json.loads((landing / k / "_manifest.json").read_text(encoding="utf-8"))
        for tahun, total in manifest["totals"].items():
            assert got[(k, tahun)] == Decimal(total["realisasi"]), (k, tahun)


def test_every_mart_is_keyed_by_pemda_and_holds_both(dua_pemda):
    with duckdb.connect(str(dua_pemda / "published" / "apbd_mart.duckdb"), read_only=True) as con:
        tables = [
            t
            for (t,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        ]
        assert len(tables) > 30
        for table in tables:
            if table in NASIONAL:
                continue
            first = con.execute(
                "select column_name from information_schema.columns where table_schema = 'marts' "
                "and table_name = ? order by ordinal_position limit 1",
                [table],
            ).fetchall()
            assert first == [("kode_pemda",)], table
            n_rows, n_pemda = con.execute(
                f'select count(*), count(distinct kode_pemda) from marts."{table}"'
            ).fetchall()[0]
            assert n_rows == 0 or n_pemda >= 2 or table == "dim_pemda", (table, n_pemda)
