"""Aplikasi perencana Bappeda: belanja menurut urusan, fungsi, OPD dan program.

Notebook marimo yang juga dijalankan sebagai aplikasi web (`make app`). Hanya membaca mart terbit
(`data/published/apbd_mart.duckdb`, read-only; folder dari APBD_DATA_DIR).

Sections are independent cells that read the shared filter values (`pilihan`): the sections on
need versus spend per kelurahan, evidence tiers and an allocation scenario are added here as
their marts are published (issues 3 and 4), each reading the same `pilihan`.
"""

import marimo

__generated_with = "0.25.2"
app = marimo.App(width="full", app_title="APBD Samarinda — perencana")


@app.cell
def _():
    import altair as alt
    import marimo as mo
    import polars as pl

    from dagster_project.lib.apps import VEGA_LOCALE, read_frame, short_name
    from dagster_project.lib.fmt import persen, rupiah
    from dagster_project.lib.paths import DataPaths
    from dagster_project.lib.reports import published_meta

    return (
        DataPaths,
        VEGA_LOCALE,
        alt,
        mo,
        persen,
        pl,
        published_meta,
        read_frame,
        rupiah,
        short_name,
    )


@app.cell
def _(DataPaths, mo, pl, read_frame):
    paths = DataPaths.from_env()
    mo.stop(
        not paths.published_db.exists(),
        mo.callout(
            mo.md(
                f"**Belum ada mart terbit** di `{paths.published_db}`. "
                "Jalankan `make run` dulu, lalu muat ulang halaman ini."
            ),
            kind="danger",
        ),
    )

    def kueri(sql: str, params: dict | None = None) -> pl.DataFrame:
        return read_frame(paths, sql, params)

    return kueri, paths


@app.cell
def _(mo, paths, published_meta):
    meta = published_meta(paths)
    mo.md(
        f"""
        # Belanja APBD Kota Samarinda — untuk perencana

        Pagu (DPA murni dan akhir) dan realisasi SP2D menurut urusan, fungsi, OPD, program atau
        jenis belanja. Pilih tahun, OPD dan urusan; tabel bisa diurutkan dengan mengeklik judul
        kolom dan diunduh sebagai CSV.

        <small>Sumber: mart terbit versi `{meta["version"]}`, diterbitkan {meta["published_at"]}.</small>
        """
    )
    return


@app.cell
def _(kueri, mo):
    _tahun = kueri("select distinct tahun from marts.mart_anggaran_realisasi order by tahun")[
        "tahun"
    ].to_list()
    _opd = kueri(
        """
        select m.kode_skpd, any_value(coalesce(o.singkatan, m.nama_skpd)) as nama
        from marts.mart_anggaran_realisasi as m
        left join marts.dim_opd as o
            on o.kode_skpd = m.kode_skpd and o.masih_berlaku
        group by m.kode_skpd order by nama
        """
    )
    _urusan = kueri(
        """
        select kode_urusan, any_value(nama_urusan) as nama
        from marts.mart_anggaran_realisasi where kode_urusan is not null
        group by kode_urusan order by kode_urusan
        """
    )
    tahun = mo.ui.dropdown(
        options=[str(t) for t in _tahun], value=str(_tahun[-1]), label="Tahun anggaran"
    )
    opd = mo.ui.multiselect(
        options={f"{r['nama']} ({r['kode_skpd']})": r["kode_skpd"] for r in _opd.to_dicts()},
        label="OPD (kosong = semua)",
    )
    urusan = mo.ui.multiselect(
        options={
            f"{r['kode_urusan']} {r['nama'].title()}": r["kode_urusan"] for r in _urusan.to_dicts()
        },
        label="Urusan (kosong = semua)",
    )
    menurut = mo.ui.dropdown(
        options={
            "Urusan": "urusan",
            "Bidang urusan": "bidang_urusan",
            "Fungsi": "fungsi",
            "OPD": "skpd",
            "Program": "program",
            "Jenis belanja": "akun_3",
        },
        value="Bidang urusan",
        label="Kelompokkan menurut",
    )
    mo.hstack([tahun, opd, urusan, menurut], justify="start", gap=2, wrap=True)
    return menurut, opd, tahun, urusan


@app.cell
def _(menurut, opd, tahun, urusan):
    # The one place the filters are read: every section below uses `pilihan` and `saring`.
    pilihan = {
        "tahun": int(tahun.value),
        "opd": list(opd.value),
        "urusan": list(urusan.value),
        "menurut": menurut.value,
    }
    _cond = ["m.tahun = $tahun"]
    if pilihan["opd"]:
        _cond.append("list_contains($opd, m.kode_skpd)")
    if pilihan["urusan"]:
        _cond.append("list_contains($urusan, m.kode_urusan)")
    saring = " and ".join(_cond)
    parameter = {k: pilihan[k] for k in ("tahun", "opd", "urusan") if pilihan[k]}
    return parameter, pilihan, saring


@app.cell
def _(kueri, parameter, pilihan, pl, saring, short_name):
    _dim = pilihan["menurut"]
    belanja = kueri(
        f"""
        select
            coalesce(m.kode_{_dim}, '-') as kode,
            coalesce(any_value(m.nama_{_dim}), '(tanpa nama)') as kelompok,
            round(sum(m.pagu_murni_rp))::bigint as pagu_murni,
            round(sum(m.pagu_akhir_rp))::bigint as pagu_akhir,
            round(sum(m.realisasi_rp))::bigint as realisasi,
            count(distinct m.kode_skpd) as jumlah_opd,
            count(distinct m.kode_sub_kegiatan) as jumlah_sub_kegiatan
        from marts.mart_anggaran_realisasi as m
        where {saring}
        group by m.kode_{_dim}
        order by pagu_akhir desc
        """,
        parameter,
    ).with_columns(short_name(pl.col("kelompok")).alias("kelompok"))
    return (belanja,)


@app.cell
def _(belanja, mo, persen, pilihan, rupiah):
    _pagu = belanja["pagu_akhir"].sum() if belanja.height else 0
    _real = belanja["realisasi"].sum() if belanja.height else 0
    mo.hstack(
        [
            mo.stat(rupiah(_pagu, short=True), label=f"Pagu akhir {pilihan['tahun']}"),
            mo.stat(rupiah(_real, short=True), label="Realisasi (SP2D)"),
            mo.stat(persen(_real / _pagu * 100 if _pagu else None), label="Serapan"),
            mo.stat(str(belanja.height), label="Kelompok"),
        ],
        justify="start",
        gap=2,
    )
    return


@app.cell
def _(VEGA_LOCALE, alt, belanja, mo, pl, pilihan):
    mo.stop(belanja.height == 0, mo.callout("Tidak ada anggaran untuk pilihan ini.", kind="warn"))
    _top = belanja.head(20).with_columns(
        pl.col("kelompok").str.slice(0, 60).alias("kelompok_pendek")
    )
    _long = _top.unpivot(
        index=["kode", "kelompok_pendek"],
        on=["pagu_akhir", "realisasi"],
        variable_name="ukuran",
        value_name="rupiah",
    ).with_columns(
        pl.col("ukuran").replace({"pagu_akhir": "Pagu akhir", "realisasi": "Realisasi"}),
        (pl.col("rupiah") / 1e9).round(2).alias("miliar"),
    )
    _chart = (
        alt.Chart(_long)
        .mark_bar()
        .encode(
            y=alt.Y("kelompok_pendek:N", sort="-x", title=None),
            x=alt.X("miliar:Q", title="Rp miliar"),
            yOffset="ukuran:N",
            color=alt.Color(
                "ukuran:N",
                title=None,
                scale=alt.Scale(range=["#9ecae1", "#08519c"]),
            ),
            tooltip=[
                alt.Tooltip("kode:N", title="Kode"),
                alt.Tooltip("kelompok_pendek:N", title="Kelompok"),
                alt.Tooltip("ukuran:N", title="Ukuran"),
                alt.Tooltip("miliar:Q", title="Rp miliar", format=",.2f"),
            ],
        )
        .properties(
            title=f"Pagu akhir dan realisasi {pilihan['tahun']} (20 terbesar)",
            width="container",
            height=alt.Step(12),
        )
        .configure(locale=VEGA_LOCALE)
    )
    grafik = mo.ui.altair_chart(_chart, chart_selection=False, legend_selection=False)
    mo.Html(f"<div data-testid='grafik-belanja'>{mo.as_html(grafik)}</div>")
    return (grafik,)


@app.cell
def _(belanja, mo, persen, pl, rupiah):
    _total = belanja["pagu_akhir"].sum() or 1
    _tabel = belanja.select(
        pl.col("kode").alias("Kode"),
        pl.col("kelompok").alias("Kelompok"),
        pl.col("pagu_murni").alias("Pagu murni"),
        pl.col("pagu_akhir").alias("Pagu akhir"),
        (pl.col("pagu_akhir") - pl.col("pagu_murni")).alias("Perubahan"),
        pl.col("realisasi").alias("Realisasi"),
        (pl.col("realisasi") / pl.col("pagu_akhir") * 100).round(1).alias("Serapan %"),
        (pl.col("pagu_akhir") / _total * 100).round(1).alias("Porsi pagu %"),
        pl.col("jumlah_opd").alias("OPD"),
        pl.col("jumlah_sub_kegiatan").alias("Sub kegiatan"),
    )
    tabel = mo.ui.table(
        _tabel,
        selection=None,
        page_size=15,
        format_mapping={
            "Pagu murni": rupiah,
            "Pagu akhir": rupiah,
            "Perubahan": rupiah,
            "Realisasi": rupiah,
            "Serapan %": persen,
            "Porsi pagu %": persen,
        },
        show_column_summaries=False,
        show_data_types=False,
        label="Tabel (klik judul kolom untuk mengurutkan)",
    )
    mo.Html(f"<div data-testid='tabel-belanja'>{mo.as_html(tabel)}</div>")
    return (tabel,)


@app.cell
def _(VEGA_LOCALE, alt, belanja, kueri, mo, parameter, pilihan, pl, saring):
    # Composition by jenis belanja (pegawai, barang dan jasa, modal, ...) within each group.
    _dim = pilihan["menurut"]
    mo.stop(_dim == "akun_3")
    _komposisi = (
        kueri(
            f"""
        with t as (
            select
                coalesce(m.kode_{_dim}, '-') as kode,
                coalesce(m.nama_akun_3, m.kode_akun_3) as jenis_belanja,
                sum(m.pagu_akhir_rp)::double as pagu
            from marts.mart_anggaran_realisasi as m
            where {saring}
            group by all
        ),

        besar as (
            select kode from t group by kode order by sum(pagu) desc limit 15
        )

        select t.* from t inner join besar using (kode)
        """,
            parameter,
        )
        .join(belanja.select("kode", "kelompok"), on="kode", how="left")
        .with_columns(
            (pl.col("kode") + " " + pl.col("kelompok").fill_null("").str.slice(0, 45)).alias(
                "label"
            )
        )
    )
    _chart = (
        alt.Chart(_komposisi)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", sort="-x", title=None),
            x=alt.X(
                "pagu:Q", stack="normalize", title="Porsi pagu akhir", axis=alt.Axis(format="%")
            ),
            color=alt.Color("jenis_belanja:N", title="Jenis belanja"),
            tooltip=[
                alt.Tooltip("label:N", title="Kelompok"),
                alt.Tooltip("jenis_belanja:N", title="Jenis belanja"),
                alt.Tooltip("pagu:Q", title="Pagu (Rp)", format=",.0f"),
            ],
        )
        .properties(title="Komposisi jenis belanja (15 kelompok terbesar)", width="container")
        .configure(locale=VEGA_LOCALE)
    )
    mo.vstack([mo.md("## Komposisi belanja"), _chart])
    return


if __name__ == "__main__":
    app.run()
