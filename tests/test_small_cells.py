"""Small cells (issue 16 point 1, UU PDP): no published or exported figure counts fewer people
than the threshold in `dbt/seeds/ref_ambang_sel_kecil.csv`, and none can be recomputed from a
total. Which columns count people is read from the dbt manifest (contracts' `countsPeople` and
the dbt YAML's `meta: {hitungan_orang: true}`), never from a list in this file."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import polars as pl
import pytest

from dagster_project.lib.core.paths import DBT_DIR, PROJECT_ROOT, SEEDS_DIR
from dagster_project.lib.outputs.exports import export_published, table_docs
from dagster_project.lib.publish.publisher import open_published, sha256_file


def _manifest() -> dict:
    from dagster_project.runtime import ensure_dbt_manifest

    ensure_dbt_manifest()
    return json.loads((DBT_DIR / "target" / "manifest.json").read_text(encoding="utf-8"))


def _meta(column: dict) -> dict:
    return {**(column.get("meta") or {}), **((column.get("config") or {}).get("meta") or {})}


def people_columns(manifest: dict, schema: str = "marts") -> dict[str, set[str]]:
    """{model: columns that count people} for every model built into `schema`."""
    out: dict[str, set[str]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model" and node["schema"] == schema:
            cols = {c for c, col in node["columns"].items() if _meta(col).get("hitungan_orang")}
            if cols:
                out[node["name"]] = cols
    return out


def threshold() -> int:
    with (SEEDS_DIR / "ref_ambang_sel_kecil.csv").open(encoding="utf-8") as fh:
        (row,) = [r for r in csv.DictReader(fh) if r["kode_aturan"] == "sel_kecil"]
    return int(row["ambang_minimum"])


def test_the_threshold_is_kept_as_data_and_within_statistical_practice():
    assert 3 <= threshold() <= 10


def test_every_published_count_of_people_carries_the_rule():
    manifest = _manifest()
    counted = people_columns(manifest)
    assert {"fct_penerima_bansos", "mart_kebutuhan_wilayah"} <= set(counted)
    tests = {
        (n["attached_node"], n.get("column_name"), n["test_metadata"]["name"])
        for n in manifest["nodes"].values()
        if n["resource_type"] == "test" and n.get("test_metadata")
    }
    for model, cols in counted.items():
        for col in cols:
            assert (f"model.apbd.{model}", col, "sel_kecil") in tests, (model, col)
    # A column that looks like a count of people but is not marked would escape the rule.
    looks_like = re.compile(r"^jumlah_(penerima|orang|jiwa|peserta|pasien|siswa)")
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model" and node["schema"] == "marts":
            for c in node["columns"]:
                if looks_like.match(c):
                    assert c in counted.get(node["name"], set()), (node["name"], c)
    # The exporter reads the same marks (contracts + dbt YAML) for its datapackage and its check.
    docs = table_docs()
    assert {t: d.people for t, d in docs.items() if d.people} == counted


def test_reports_and_apps_never_read_a_count_of_people_around_the_rule():
    """Reports and apps read the published mart only (test_notebooks, test_reports); none of them
    re-aggregates a people count (a sum over suppressed cells could undo the suppression)."""
    counted = {c for cols in people_columns(_manifest()).values() for c in cols}
    sources = [
        PROJECT_ROOT / "dagster_project" / "lib" / "outputs" / "reports.py",
        PROJECT_ROOT / "dagster_project" / "lib" / "outputs" / "apps.py",
        *sorted((PROJECT_ROOT / "notebooks").glob("*.py")),
        *sorted((PROJECT_ROOT / "dagster_project" / "templates").glob("*")),
    ]
    for path in sources:
        text = path.read_text(encoding="utf-8")
        assert not [c for c in counted if c in text], path


def _under(frame: pl.DataFrame, col: str, ambang: int) -> int:
    return frame.filter((pl.col(col) > 0) & (pl.col(col) < ambang)).height


@pytest.fixture(scope="module")
def exported(published_demo, tmp_path_factory) -> Path:
    before = sha256_file(published_demo.published_db)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("APBD_DATA_DIR", str(published_demo.root))
        result = export_published(published_demo, tmp_path_factory.mktemp("ekspor") / "apbd")
    assert sha256_file(published_demo.published_db) == before
    return result.folder


def test_no_cell_under_the_threshold_in_the_mart_or_the_export(published_demo, exported):
    ambang = threshold()
    counted = people_columns(_manifest())
    with open_published(published_demo) as con:
        published = con.execute("select ambang_minimum from reference.ref_ambang_sel_kecil")
        assert published.fetchall() == [(ambang,)]
        for model, cols in counted.items():
            mart = con.sql(f"select * from marts.{model}").pl()
            exported_csv = pl.read_csv(exported / "csv" / f"{model}.csv", infer_schema_length=0)
            exported_pq = pl.read_parquet(exported / "parquet" / f"{model}.parquet")
            for col in cols:
                assert _under(mart, col, ambang) == 0, (model, col)
                assert _under(exported_pq, col, ambang) == 0, (model, col)
                values = exported_csv[col].cast(pl.Int64, strict=False).to_frame()
                assert _under(values, col, ambang) == 0, (model, col)
        fact = con.sql("select * from marts.fct_penerima_bansos").pl()
    # The small demo has small cells: they are there, hidden with their money and a reason.
    hidden = fact.filter(pl.col("is_disembunyikan"))
    assert hidden.height > 0 and fact.height > hidden.height
    assert hidden["jumlah_penerima"].null_count() == hidden.height
    assert hidden["nilai_bantuan_rp"].null_count() == hidden.height
    assert hidden["alasan_disembunyikan"].null_count() == 0
    assert hidden["alasan_disembunyikan"].str.starts_with("kurang dari").any()
    assert hidden["alasan_disembunyikan"].str.starts_with("disembunyikan pelengkap").any()
    shown = fact.filter(~pl.col("is_disembunyikan"))
    assert shown["jumlah_penerima"].min() >= ambang
    assert shown["alasan_disembunyikan"].null_count() == shown.height
    package = json.loads((exported / "datapackage.json").read_text(encoding="utf-8"))
    rule = package["kerahasiaan"]
    assert rule["ambang_sel_minimum"] == ambang
    assert {t: set(c) for t, c in rule["kolom_hitungan_orang"].items()} == counted
    bansos = next(r for r in package["resources"] if r["name"] == "fct_penerima_bansos")
    assert "disembunyikan" in bansos["description"]


def test_no_suppressed_cell_can_be_recomputed_from_a_total(published_demo):
    """Secondary suppression: in every margin of fct_penerima_bansos (the lines the model's
    dbt test lists), never exactly one hidden cell beside shown ones."""
    manifest = _manifest()
    (test,) = [
        n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "test"
        and n.get("attached_node") == "model.apbd.fct_penerima_bansos"
        and n["test_metadata"]["name"] == "sel_kecil_tidak_terhitung_ulang"
    ]
    margins = test["test_metadata"]["kwargs"]["garis"]
    assert len(margins) >= 5
    with open_published(published_demo) as con:
        fact = con.sql("select * from marts.fct_penerima_bansos").pl()
    for margin in margins:
        lone = (
            fact.group_by(margin)
            .agg(
                pl.col("is_disembunyikan").sum().alias("tersembunyi"),
                (~pl.col("is_disembunyikan")).sum().alias("terlihat"),
            )
            .filter((pl.col("tersembunyi") == 1) & (pl.col("terlihat") > 0))
        )
        assert lone.height == 0, (margin, lone.head(3).to_dicts())
