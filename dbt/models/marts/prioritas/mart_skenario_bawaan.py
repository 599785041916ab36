"""The default allocation scenario every publish ships (issue 10): the year after the latest
budget year, at the ceiling of ref_plafon_skenario (else that year's murni total), with the
default options of `apbd scenario` (base = murni, rules in force that year, every floor
of ref_lantai_skenario). The engine is dagster_project/lib/planning/scenario.py, the same code
`apbd scenario` runs on the published mart, so it reads the marts below by name from this build:
a computation after the marts, hence here in the prioritas domain. Built in the intermediate
schema, which is dropped before publishing: mart_skenario_alokasi is what ships. No rows when the build
holds no budget or the ceiling cannot carry the floors (the reason is logged)."""


def model(dbt, session):
    dbt.config(materialized="table", schema="intermediate")
    # lineage: the engine reads these tables by name from this build
    dbt.ref("mart_kepatuhan_belanja_program")
    dbt.ref("mart_prioritas_alokasi")
    dbt.ref("ref_belanja_wajib")
    dbt.ref("ref_lantai_skenario")
    dbt.ref("ref_kontrak_tahun_jamak")
    dbt.ref("ref_sumber_dana_terikat")
    dbt.ref("ref_infrastruktur_akun")  # a contract's infrastructure part, as the compliance mart
    dbt.ref("ref_plafon_skenario")

    import polars as pl

    from dagster_project.lib.planning.scenario import default_skenario_rows
    from dagster_project.lib.transform.irisan import slice_of_build

    # A slice build (dbt/macros/irisan_pemda.sql does the same for SQL tables) computes the
    # slice's pemda only and keeps every other pemda's rows from the last good build.
    # A polars frame, not an Arrow table: dbt-duckdb imports pyarrow.dataset (and with it
    # pandas, 1.2 s) for an Arrow table only; DuckDB reads either the same way.
    irisan = slice_of_build(session, str(dbt.this))
    if irisan is None:
        return default_skenario_rows(session)
    kept = session.sql(f"select * from {dbt.this}").pl().filter(~pl.col("kode_pemda").is_in(irisan))
    return pl.concat([kept, default_skenario_rows(session, irisan)], how="vertical_relaxed")
