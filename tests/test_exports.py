"""`apbd ekspor`: Parquet + CSV of every marts table and a Fiscal Data Package that passes
`frictionless validate`, checked against a freshly published demo mart."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from dagster_project.cli import app
from dagster_project.lib.contracts.model import core_contracts, mart_contracts
from dagster_project.lib.core.paths import DataPaths
from dagster_project.lib.outputs.exports import export_published, table_docs, validate_package
from dagster_project.lib.publish.publisher import open_published, sha256_file


def contracts_with(prop: str) -> set[str]:
    """The dims, facts and marts whose contract sets customProperty `prop`."""
    return {
        n for n, c in {**core_contracts(), **mart_contracts()}.items() if c.properties.get(prop)
    }


@pytest.fixture(scope="module")
def ekspor(published_demo, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ekspor") / "apbd"
    before = sha256_file(published_demo.published_db)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("APBD_DATA_DIR", str(published_demo.root))
        result = CliRunner().invoke(app, ["ekspor", "--tanpa-validasi", "--keluar", str(out)])
    assert result.exit_code == 0, result.output
    assert sha256_file(published_demo.published_db) == before
    return out


@pytest.fixture(scope="module")
def descriptor(ekspor) -> dict:
    return json.loads((ekspor / "datapackage.json").read_text(encoding="utf-8"))


def test_the_package_passes_frictionless_validate(ekspor):
    frictionless = Path(sys.executable).with_name("frictionless")
    result = subprocess.run(
        [str(frictionless), "validate", "--json", "datapackage.json"],
        cwd=ekspor,
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(result.stdout)
    errors = [e["message"] for t in report["tasks"] for e in t["errors"]][:5]
    assert result.returncode == 0 and report["valid"], errors or result.stderr[-2000:]
    assert {t["name"] for t in report["tasks"]} >= {"mart_anggaran_realisasi", "fct_realisasi"}


# Every pemda's rows in each package (contract customProperty eksporSemuaPemda)
SEMUA_PEMDA = {"dim_pemda", "mart_pembanding_pemda"}


def test_every_marts_table_is_exported_as_parquet_and_csv_with_its_rows(ekspor, published_demo):
    """Samarinda's rows of every table keyed by kode_pemda (its peer groups too, not every
    kab/kota's), every row of the national tables and of those whose contract says so."""
    with open_published(published_demo) as con:
        keyed = {
            r[0]
            for r in con.execute(
                "select table_name from duckdb_columns() where schema_name = 'marts' "
                "and column_name = 'kode_pemda'"
            ).fetchall()
        }
        tables = {
            r[0]: con.execute(
                f"select count(*) from marts.{r[0]}"
                + (" where kode_pemda = '64.72'" if r[0] in keyed - SEMUA_PEMDA else "")
            ).fetchone()[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts'"
            ).fetchall()
        }
        (lain,) = con.execute(
            "select count(*) from marts.dim_pemda where kode_pemda <> '64.72'"
        ).fetchone()
        (real,) = con.execute(
            "select sum(realisasi_rp) from marts.mart_anggaran_realisasi"
        ).fetchone()
    assert contracts_with("eksporSemuaPemda") == SEMUA_PEMDA
    assert len(tables) >= 11
    con = duckdb.connect()
    for name, n in tables.items():
        pq = ekspor / "parquet" / f"{name}.parquet"
        assert con.execute(f"select count(*) from read_parquet('{pq}')").fetchone()[0] == n, name
        with (ekspor / "csv" / f"{name}.csv").open(encoding="utf-8", newline="") as f:
            assert sum(1 for _ in csv.reader(f)) == n + 1, name  # + header
    # Samarinda's groups with all their members (the national one: every kab/kota), and no
    # other pemda's groups; the region list and the peers' figures whole
    grup = con.execute(
        "select distinct kode_pemda from read_parquet($p)",
        {"p": str(ekspor / "parquet" / "mart_kelompok_pembanding.parquet")},
    ).fetchall()
    assert grup == [("64.72",)]
    (nasional,) = con.execute(
        "select count(*) from read_parquet($p) where kode_kelompok = 'nasional'",
        {"p": str(ekspor / "parquet" / "mart_kelompok_pembanding.parquet")},
    ).fetchone()
    assert nasional > 500  # every kab/kota of the national files
    (wilayah,) = con.execute(
        "select count(*) from read_parquet($p) where kode_pemda <> '64.72'",
        {"p": str(ekspor / "parquet" / "dim_pemda.parquet")},
    ).fetchone()
    assert wilayah == lain > 500
    csv_real = con.execute(
        "select sum(realisasi_rp::decimal(18,2)) from read_csv($p, all_varchar = true)",
        {"p": str(ekspor / "csv" / "mart_anggaran_realisasi.csv")},
    ).fetchone()[0]
    assert Decimal(csv_real) == real  # to the rupiah


def test_budget_phases_map_murni_approved_perubahan_adjusted_realisasi_executed(descriptor):
    res = next(r for r in descriptor["resources"] if r["name"] == "mart_anggaran_realisasi")
    fields = {f["name"]: f for f in res["schema"]["fields"]}
    assert fields["pagu_murni_rp"]["normalize"] == {"tahap_fiskal": "approved"}
    assert fields["pagu_perubahan_rp"]["normalize"] == {"tahap_fiskal": "adjusted"}
    assert fields["realisasi_rp"]["normalize"] == {"tahap_fiskal": "executed"}
    extra = {f["name"]: f for f in res["schema"]["extraFields"]}
    assert extra["nilai_rp"]["columnType"] == "value" and extra["nilai_rp"]["normalizationTarget"]
    assert extra["tahap_fiskal"]["columnType"] == "phase"
    assert extra["mata_uang"]["constant"] == "IDR"
    assert extra["arah"]["constant"] == "expenditure"
    measures = descriptor["model"]["measures"]
    assert {m["source"]: m["phase"] for m in measures.values()} == {
        "pagu_murni_rp": "approved",
        "pagu_perubahan_rp": "adjusted",
        "realisasi_rp": "executed",
    }
    assert all(
        m["currency"] == "IDR" and m["direction"] == "expenditure" for m in measures.values()
    )


def test_the_four_classifications_are_declared(descriptor):
    res = next(r for r in descriptor["resources"] if r["name"] == "mart_anggaran_realisasi")
    types = {f["name"]: f.get("columnType", "") for f in res["schema"]["fields"]}
    assert types["kode_skpd"].startswith("administrative-classification:")
    assert types["kode_fungsi"].startswith("functional-classification:")
    for col in ("kode_akun_1", "kode_akun_2", "kode_akun_3", "kode_akun_4", "kode_akun"):
        assert types[col].startswith("economic-classification:"), col
    chain = [
        types[c]
        for c in (
            "kode_urusan",
            "kode_bidang_urusan",
            "kode_program",
            "kode_kegiatan",
            "kode_sub_kegiatan",
        )
    ]
    assert chain == [
        f"programme-classification:permendagri90:level{i}:code:full" for i in range(1, 6)
    ]
    declared = {t["name"]: t for t in descriptor["columnTypes"]}
    for level in range(2, 6):  # urusan → bidang urusan → program → kegiatan → sub kegiatan
        parent = declared[f"programme-classification:permendagri90:level{level}:code:full"][
            "parent"
        ]
        assert parent == f"programme-classification:permendagri90:level{level - 1}:code"
    dims = descriptor["model"]["dimensions"]
    assert {d.get("classificationType") for d in dims.values()} >= {
        "administrative",
        "functional",
        "economic",
        "programme",
    }


def test_every_column_is_described_and_keys_and_provenance_are_there(descriptor, published_demo):
    from dagster_project.lib.outputs.reports import published_meta

    for res in descriptor["resources"]:
        for f in res["schema"]["fields"]:
            assert " / " in f.get("description", ""), (res["name"], f["name"])
        assert res["schema"].get("primaryKey"), res["name"]
        assert res["hash"].startswith("sha256:")
    assert descriptor["apbd"]["mart_sha256"] == sha256_file(published_demo.published_db)
    assert descriptor["version"] == published_meta(published_demo)["version"]
    assert descriptor["fiscalPeriod"] == {"start": "2024-01-01", "end": "2025-12-31"}


def test_a_changed_csv_fails_validation(ekspor, tmp_path):
    import shutil

    copy = tmp_path / "apbd"
    shutil.copytree(ekspor, copy)
    dp = json.loads((copy / "datapackage.json").read_text(encoding="utf-8"))
    dp["resources"] = [r for r in dp["resources"] if r["name"] == "dim_opd"]  # keep it quick
    (copy / "datapackage.json").write_text(json.dumps(dp), encoding="utf-8")
    assert validate_package(copy / "datapackage.json") == []
    target = copy / "csv" / "dim_opd.csv"
    target.write_text(
        target.read_text(encoding="utf-8").replace("Dinas", "Dinaz", 1), encoding="utf-8"
    )
    errors = validate_package(copy / "datapackage.json")
    assert any("dim_opd" in e and "hash" in e for e in errors), errors


def test_formula_like_text_is_neutralised_in_csv_and_numbers_are_not(tmp_path):
    """A text value an OPD could type (=HYPERLINK…, +62…, @…, -…) lands in the CSV with a leading
    apostrophe; a negative amount stays a number; the package still validates."""
    paths = DataPaths(tmp_path / "data")
    paths.published.mkdir(parents=True)
    con = duckdb.connect(str(paths.published_db))
    con.execute("create schema marts")
    # every published mart carries its small-cell threshold (the export states it)
    con.execute("create schema reference")
    con.execute(
        "create table reference.ref_ambang_sel_kecil as "
        "select 'sel_kecil' as kode_aturan, 5 as ambang_minimum"
    )
    con.execute(
        """create table marts.uji as select * from (values
            ('=HYPERLINK("http://contoh","klik")', -5.00::decimal(18,2), 1),
            ('+62 811 000', 10.00::decimal(18,2), 2),
            ('@SUM(A1)', 0.00::decimal(18,2), 3),
            ('-biasa', 1.50::decimal(18,2), 4),
            ('aman', null, 5)
        ) as t(keterangan, nilai_rp, no)"""
    )
    con.close()
    result = export_published(paths, tmp_path / "out")
    with (result.folder / "csv" / "uji.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["keterangan"] for r in rows] == [
        '\'=HYPERLINK("http://contoh","klik")',
        "'+62 811 000",
        "'@SUM(A1)",
        "'-biasa",
        "aman",
    ]
    assert [r["nilai_rp"] for r in rows] == ["-5.00", "10.00", "0.00", "1.50", ""]
    assert validate_package(result.descriptor) == []


def test_table_docs_cover_every_published_column(published_demo):
    docs = table_docs()
    with open_published(published_demo) as con:
        cols = con.execute(
            "select table_name, column_name from duckdb_columns() where schema_name = 'marts'"
        ).fetchall()
    missing = [(t, c) for t, c in cols if not docs.get(t) or not docs[t].columns.get(c)]
    assert not missing
