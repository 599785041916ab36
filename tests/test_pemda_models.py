"""Two pemda side by side in one warehouse (issue 12 §1): every model keyed by pemda, none mixing two.

The twin world: a copy of the shared demo (Kota Samarinda, 64.72) in which every pemda-level raw
file (sipd, opd, bpkad, dinsos, BPS kelurahan indicators, the ingest log) is duplicated as a second
pemda, 64.71 (Kota Balikpapan): kode_pemda and every region code rewritten (64.72.KK.LLLL ->
64.71.KK.LLLL), with its own lists (OPD, wilayah, pohon kinerja) sent as referensi data, as every
pemda but Samarinda sends them. One dbt build of the published dims, facts and marts later:

- every one of them keyed by pemda has kode_pemda as its first column;
- 64.72's rows equal the single-city published mart's rows, and 64.71's rows equal them too once
  its code is rewritten back (EXCEPT ALL both ways, money exact): a join, group by or window that
  forgets kode_pemda doubles or mixes figures and fails here.

Left out, and why: the peer marts (mart_kelompok_pembanding, mart_pembanding_pemda,
mart_posisi_pembanding, mart_rekonsiliasi_djpk) span every pemda of the national files by design,
and the default scenario (mart_skenario_alokasi) is not yet computed per pemda; the national code
dims (dim_akun, dim_sub_kegiatan, dim_sumber_dana, dim_waktu, dim_indikator) have no pemda.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from dagster_project.lib.contracts.model import core_contracts, mart_contracts
from tests.pipeline_kit import build_models

KOTA = "64.72"  # the shared demo's pemda
KEMBAR = "64.71"  # its twin
TANPA_PEMDA = {
    # national code lists: one row per code (and year), whatever pemda uses it
    "dim_akun", "dim_indikator", "dim_sub_kegiatan", "dim_sumber_dana", "dim_waktu",
    # span every pemda of the national files by design (kode_pemda = the peer)
    "mart_kelompok_pembanding", "mart_pembanding_pemda", "mart_posisi_pembanding",
    "mart_rekonsiliasi_djpk",
    # the scenario engine (lib/planning/scenario.py) reads one pemda's marts: not yet per pemda
    "mart_skenario_alokasi",
}  # fmt: skip
DAFTAR = {"opd": "ref_opd", "wilayah": "ref_wilayah", "pohon_kinerja": "ref_pohon_kinerja"}
SEEDS = Path(__file__).resolve().parents[1] / "dbt" / "seeds"


def keyed_tables() -> list[str]:
    return sorted(
        name
        for name, contract in {**core_contracts(), **mart_contracts()}.items()
        if name not in TANPA_PEMDA
    )


def _varchar_rewritten(con: duckdb.DuckDBPyConnection, relation: str, dari: str, ke: str) -> str:
    """`select` of `relation` with every text column's `dari` replaced by `ke`."""
    cols = con.execute(f"select column_name, column_type from (describe {relation})").fetchall()
    return ", ".join(
        f"replace(\"{c}\", '{dari}', '{ke}') as \"{c}\"" if t == "VARCHAR" else f'"{c}"'
        for c, t in cols
    )


def make_twin(raw: Path) -> int:
    """Duplicate every raw file under pemda=64.72 as pemda=64.71 (codes rewritten) and write
    64.71's own lists as referensi raw files; returns how many files were written."""
    con = duckdb.connect()
    written = 0
    for path in sorted(raw.rglob(f"pemda={KOTA}/**/*.parquet")):
        rel = path.relative_to(raw).as_posix().replace(f"pemda={KOTA}", f"pemda={KEMBAR}")
        out = raw / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        con.execute(f"create or replace view asal as select * from read_parquet('{path}')")
        select = _varchar_rewritten(con, "asal", KOTA, KEMBAR)
        con.execute(f"copy (select {select} from asal) to '{out}' (format parquet)")
        written += 1
    for daftar, seed in DAFTAR.items():
        out = raw / "referensi" / daftar / f"pemda={KEMBAR}" / "kembar.parquet"
        out.parent.mkdir(parents=True, exist_ok=True)
        con.execute(
            f"create or replace view asal as select * from "
            f"read_csv('{SEEDS / f'{seed}.csv'}', all_varchar = true, header = true)"
        )
        cols = [r[0] for r in con.execute("select column_name from (describe asal)").fetchall()]
        select = ", ".join(
            f"nullif(replace(\"{c}\", '{KOTA}', '{KEMBAR}'), '') as \"{c}\"" for c in cols
        )
        con.execute(f"copy (select {select} from asal) to '{out}' (format parquet)")
        written += 1
    return written


@pytest.fixture(scope="module")
def twin(copy_demo, published_demo) -> tuple[Path, Path]:
    """(build file of the twin world, the shared demo's published mart)."""
    root, paths = copy_demo("kembar")
    assert make_twin(paths.raw) > 20
    published = published_demo.published_db
    with duckdb.connect(str(published), read_only=True) as con:
        (acuan,) = con.execute(
            "select max(tanggal_acuan) from marts.mart_kepatuhan_pelaporan"
        ).fetchall()[0]
    build = build_models(
        root, "kembar", *(f"+{name}" for name in keyed_tables()), APBD_TANGGAL_ACUAN=str(acuan)
    )
    return build, published


def test_every_keyed_table_leads_with_kode_pemda_and_holds_both_pemda(twin):
    build, _ = twin
    with duckdb.connect(str(build), read_only=True) as con:
        for name in keyed_tables():
            first = con.execute(
                "select column_name from duckdb_columns() where schema_name = 'marts' "
                "and table_name = ? order by column_index limit 1",
                [name],
            ).fetchall()
            assert first == [("kode_pemda",)], name
            pemda = con.execute(
                f"select distinct kode_pemda from marts.{name} order by 1"
            ).fetchall()
            rows = con.execute(f"select count(*) from marts.{name}").fetchall()[0][0]
            assert rows == 0 or pemda == [(KEMBAR,), (KOTA,)], (name, pemda)


def test_each_pemda_equals_the_single_city_build(twin):
    """64.72's rows, and 64.71's with its code rewritten back, equal the published single-city
    mart row for row (EXCEPT ALL both ways)."""
    build, published = twin
    con = duckdb.connect()
    con.execute(f"attach '{build}' as kembar (read_only)")
    con.execute(f"attach '{published}' as tunggal (read_only)")
    beda = {}
    for name in keyed_tables():
        satu = f"tunggal.marts.{name}"
        cols = ", ".join(
            f'"{r[0]}"'
            for r in con.execute(f"select column_name from (describe {satu})").fetchall()
        )
        con.execute(
            f"create or replace view kota as select {cols} from kembar.marts.{name} "
            f"where kode_pemda = '{KOTA}'"
        )
        con.execute(
            f"create or replace view kembar_asal as select {cols} from kembar.marts.{name} "
            f"where kode_pemda = '{KEMBAR}'"
        )
        con.execute(
            f"create or replace view kembar_balik as select "
            f"{_varchar_rewritten(con, 'kembar_asal', KEMBAR, KOTA)} from kembar_asal"
        )
        n = con.execute(f"select count(*) from {satu}").fetchall()[0][0]
        for label, view in (("64.72", "kota"), ("64.71", "kembar_balik")):
            lebih = con.execute(
                f"select count(*) from (select * from {view} except all select {cols} from {satu})"
            ).fetchall()[0][0]
            kurang = con.execute(
                f"select count(*) from (select {cols} from {satu} except all select * from {view})"
            ).fetchall()[0][0]
            if lebih or kurang:
                beda[f"{name} {label}"] = (n, lebih, kurang)
    assert not beda, beda
