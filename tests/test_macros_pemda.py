"""The macro jenis_pemda (dbt/macros/jenis_pemda.sql) says 'kota' or 'kabupaten' from the code
alone; the region list (seed ref_pemda) says it in its own column. They must agree for every
kab/kota, or a reason in a mart would call a kabupaten a kota. Rendered with Jinja and run in
DuckDB: no dbt build needed."""

from __future__ import annotations

import duckdb
import jinja2

from dagster_project.lib.core.paths import DBT_DIR


def test_jenis_pemda_agrees_with_the_region_list_for_every_kab_kota():
    macro = (DBT_DIR / "macros" / "jenis_pemda.sql").read_text(encoding="utf-8")
    expr = jinja2.Environment().from_string(macro + "{{ jenis_pemda('kode_pemda') }}").render()
    seed = str(DBT_DIR / "seeds" / "ref_pemda.csv")
    with duckdb.connect() as con:
        rows = con.execute(
            f"select kode_pemda, nama_pemda, jenis, {expr} as dari_kode "
            "from read_csv(?, all_varchar = true) where jenis <> 'provinsi'",
            [seed],
        ).fetchall()
        ((tanpa_kode,),) = con.execute(
            f"select {expr} from (select null::varchar as kode_pemda)"
        ).fetchall()
    assert len(rows) > 500  # 416 kabupaten and 98 kota
    assert {r[2] for r in rows} == {"kabupaten", "kota"}
    assert [r for r in rows if r[2] != r[3]] == []
    assert tanpa_kode == "kota"  # rows without a code are the default pemda's (Samarinda)
