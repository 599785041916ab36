"""Aplikasi perencana Bappeda: belanja menurut urusan, fungsi, OPD dan program.

Notebook marimo yang juga dijalankan sebagai aplikasi web (`make app`). Hanya membaca mart terbit
(`data/published/apbd_mart.duckdb`, read-only; folder dari APBD_DATA_DIR).

Sections are independent cells that read the shared filter values (`pilihan`, `saring`):
spending by group, need versus spend per kelurahan (mart_kebutuhan_wilayah), evidence tiers per
program (mart_prioritas_alokasi, shown only once it is published), the pemda among its peers (the
peer marts, through `lib/outputs/pembanding`, with its own peer group and DJPK year dropdowns: the
peers' budget year is not the city's) and an allocation scenario at a chosen ceiling, computed in
memory by `lib/scenario` and never saved from here. One pemda at a time (`pemda`, a dropdown
only when the mart holds several): every query below is filtered by it.
"""

import marimo

__generated_with = "0.25.2"
app = marimo.App(width="full", app_title="APBD — perencana")


@app.cell
def _():
    import altair as alt
    import marimo as mo
    import polars as pl

    from dagster_project.lib.core.fmt import angka, persen, rupiah
    from dagster_project.lib.outputs import pembanding as pb
    from dagster_project.lib.outputs.apps import (
        VEGA_LOCALE,
        pemda_dipilih,
        pemda_pilihan,
        pemda_ui,
        published_paths,
        read_frame,
        short_name,
        skenario_per_opd,
        table_exists,
    )
    from dagster_project.lib.outputs.reports import ReportError, published_meta
    from dagster_project.lib.planning import scenario as sk
    from dagster_project.lib.publish.publisher import open_published

    return (
        ReportError,
        VEGA_LOCALE,
        alt,
        angka,
        mo,
        open_published,
        pb,
        pemda_dipilih,
        pemda_pilihan,
        pemda_ui,
        persen,
        pl,
        published_meta,
        published_paths,
        read_frame,
        rupiah,
        short_name,
        sk,
        skenario_per_opd,
        table_exists,
    )


@app.cell
def _(mo, pemda_pilihan, pl, published_paths, read_frame):
    paths = published_paths(mo)
    pilih_pemda = pemda_pilihan(mo, paths)

    def kueri(sql: str, params: dict | None = None) -> pl.DataFrame:
        return read_frame(paths, sql, params)

    return kueri, paths, pilih_pemda


@app.cell
def _(paths, pemda_dipilih, pilih_pemda):
    # Its own cell, so a test can run the app for another pemda: app.run(defs={"pemda": …}).
    pemda = pemda_dipilih(paths, pilih_pemda.value)
    return (pemda,)


@app.cell
def _(mo, paths, pemda, published_meta):
    meta = published_meta(paths)
    mo.md(
        f"""
        # Belanja APBD {pemda.nama_pemda} — untuk perencana

        Pagu (DPA murni dan akhir) dan realisasi SP2D menurut urusan, fungsi, OPD, program atau
        jenis belanja. Pilih tahun, OPD dan urusan; tabel bisa diurutkan dengan mengeklik judul
        kolom dan diunduh sebagai CSV.

        <small>Sumber: mart terbit versi `{meta["version"]}`, diterbitkan {meta["published_at"]}.</small>
        """
    )
    return


@app.cell
def _(kueri, mo, pemda, pemda_ui, pilih_pemda):
    _p = {"kode_pemda": pemda.kode_pemda}
    _tahun = kueri(
        "select distinct tahun from marts.mart_anggaran_realisasi "
        "where kode_pemda = $kode_pemda order by tahun",
        _p,
    )["tahun"].to_list()
    _opd = kueri(
        """
        select m.kode_skpd, any_value(coalesce(o.singkatan, m.nama_skpd)) as nama
        from marts.mart_anggaran_realisasi as m
        left join marts.dim_opd as o
            on o.kode_pemda = m.kode_pemda and o.kode_skpd = m.kode_skpd and o.masih_berlaku
        where m.kode_pemda = $kode_pemda
        group by m.kode_skpd order by nama
        """,
        _p,
    )
    _urusan = kueri(
        """
        select kode_urusan, any_value(nama_urusan) as nama
        from marts.mart_anggaran_realisasi
        where kode_pemda = $kode_pemda and kode_urusan is not null
        group by kode_urusan order by kode_urusan
        """,
        _p,
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
    mo.hstack(
        [*pemda_ui(pilih_pemda), tahun, opd, urusan, menurut], justify="start", gap=2, wrap=True
    )
    return menurut, opd, tahun, urusan


@app.cell
def _(menurut, opd, pemda, tahun, urusan):
    # The one place the filters are read: every section below uses `pilihan` and `saring`.
    pilihan = {
        "kode_pemda": pemda.kode_pemda,
        "tahun": int(tahun.value),
        "opd": list(opd.value),
        "urusan": list(urusan.value),
        "menurut": menurut.value,
    }
    _cond = ["m.kode_pemda = $kode_pemda", "m.tahun = $tahun"]
    if pilihan["opd"]:
        _cond.append("list_contains($opd, m.kode_skpd)")
    if pilihan["urusan"]:
        _cond.append("list_contains($urusan, m.kode_urusan)")
    saring = " and ".join(_cond)
    parameter = {k: pilihan[k] for k in ("kode_pemda", "tahun", "opd", "urusan") if pilihan[k]}
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


@app.cell
def _(mo):
    ukuran_kebutuhan = mo.ui.dropdown(
        options={
            "Indeks kebutuhan": "indeks_kebutuhan",
            "Prevalensi stunting (%)": "prevalensi_stunting",
            "Penduduk miskin (%)": "persentase_penduduk_miskin",
        },
        value="Prevalensi stunting (%)",
        label="Kebutuhan menurut",
    )
    mo.vstack(
        [
            mo.md(
                """
                ## Kebutuhan dan belanja per kelurahan

                Kebutuhan (stunting, kemiskinan, sekolah, akses kesehatan) dibandingkan dengan
                belanja berlokasi per kapita. *Kesenjangan* = persentil kebutuhan dikurangi indeks
                layanan (belanja per kapita dan cakupan bansos); kelurahan **kurang terlayani**
                ditandai merah. Kesenjangan dan tanda dihitung mart dari seluruh belanja; bila OPD
                atau urusan dipilih, grafik dan kolom *Belanja pilihan per kapita* memakai belanja
                OPD atau urusan itu saja.
                """
            ),
            ukuran_kebutuhan,
        ]
    )
    return (ukuran_kebutuhan,)


@app.cell
def _(kueri, parameter, saring):
    # One row per kelurahan, most under-served first. The spending of the chosen OPD/urusan is
    # taken from fct_belanja_wilayah, limited to the sub kegiatan the filters select (`saring`).
    kelurahan = kueri(
        f"""
        with pilihan as (
            select f.kode_wilayah, sum(f.realisasi_rp) as belanja_pilihan_rp
            from marts.fct_belanja_wilayah as f
            where f.kode_pemda = $kode_pemda and f.tahun = $tahun and exists (
                select 1 from marts.mart_anggaran_realisasi as m
                where {saring}
                    and m.kode_skpd = f.kode_skpd
                    and m.kode_sub_kegiatan = f.kode_sub_kegiatan
            )
            group by f.kode_wilayah
        )

        select
            w.peringkat_kesenjangan,
            w.kode_wilayah,
            w.nama_wilayah,
            w.nama_kecamatan,
            w.jumlah_penduduk,
            w.prevalensi_stunting::double as prevalensi_stunting,
            w.persentase_penduduk_miskin::double as persentase_penduduk_miskin,
            w.indeks_kebutuhan::double as indeks_kebutuhan,
            w.belanja_per_kapita_rp::double as belanja_per_kapita_rp,
            (coalesce(p.belanja_pilihan_rp, 0) / nullif(w.jumlah_penduduk, 0))::double
                as belanja_pilihan_per_kapita_rp,
            w.kesenjangan::double as kesenjangan,
            coalesce(w.kurang_terlayani, false) as kurang_terlayani,
            w.alasan
        from marts.mart_kebutuhan_wilayah as w
        left join pilihan as p on p.kode_wilayah = w.kode_wilayah
        where w.kode_pemda = $kode_pemda and w.tahun = $tahun
            and w.tingkat_wilayah = 'kelurahan'
        order by w.kesenjangan desc nulls last, w.kode_wilayah
        """,
        parameter,
    )
    return (kelurahan,)


@app.cell
def _(VEGA_LOCALE, alt, kelurahan, mo, pilihan, pl, ukuran_kebutuhan):
    mo.stop(
        kelurahan.height == 0,
        mo.callout(f"Belum ada data kebutuhan wilayah untuk {pilihan['tahun']}.", kind="warn"),
    )
    _tersaring = bool(pilihan["opd"] or pilihan["urusan"])
    _y, _judul_y = (
        ("belanja_pilihan_per_kapita_rp", "Belanja OPD/urusan pilihan per kapita (Rp)")
        if _tersaring
        else ("belanja_per_kapita_rp", "Belanja berlokasi per kapita (Rp)")
    )
    _x = ukuran_kebutuhan.value
    _judul_x = next(k for k, v in ukuran_kebutuhan.options.items() if v == _x)
    _titik = kelurahan.with_columns(
        pl.when(pl.col("kurang_terlayani"))
        .then(pl.lit("Kurang terlayani"))
        .otherwise(pl.lit("Lainnya"))
        .alias("status")
    )
    _chart = (
        alt.Chart(_titik)
        .mark_circle(opacity=0.85, stroke="#333", strokeWidth=0.3)
        .encode(
            x=alt.X(f"{_x}:Q", title=_judul_x, scale=alt.Scale(zero=False)),
            y=alt.Y(f"{_y}:Q", title=_judul_y),
            size=alt.Size("jumlah_penduduk:Q", title="Penduduk", legend=None),
            color=alt.Color(
                "status:N",
                title=None,
                scale=alt.Scale(
                    domain=["Kurang terlayani", "Lainnya"], range=["#d62728", "#9ecae1"]
                ),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("nama_wilayah:N", title="Kelurahan"),
                alt.Tooltip("nama_kecamatan:N", title="Kecamatan"),
                alt.Tooltip(f"{_x}:Q", title=_judul_x, format=",.2f"),
                alt.Tooltip(f"{_y}:Q", title=_judul_y, format=",.0f"),
                alt.Tooltip("kesenjangan:Q", title="Kesenjangan", format=",.2f"),
                alt.Tooltip("alasan:N", title="Alasan"),
            ],
        )
        .properties(
            title=f"Kebutuhan dan belanja per kapita {pilihan['tahun']} ({kelurahan.height} kelurahan)",
            width="container",
            height=360,
        )
        .configure(locale=VEGA_LOCALE)
    )
    grafik_kelurahan = mo.ui.altair_chart(_chart, chart_selection=False, legend_selection=False)
    _kurang = int(kelurahan["kurang_terlayani"].sum())
    mo.vstack(
        [
            mo.md(
                f"**{kelurahan.height} kelurahan** pada {pilihan['tahun']}, "
                f"**{_kurang} kurang terlayani**."
            ),
            mo.Html(f"<div data-testid='grafik-kelurahan'>{mo.as_html(grafik_kelurahan)}</div>"),
        ]
    )
    return (grafik_kelurahan,)


@app.cell
def _(kelurahan, mo, persen, pilihan, pl, rupiah):
    _kolom = [
        pl.col("peringkat_kesenjangan").alias("Peringkat kesenjangan"),
        pl.col("nama_wilayah").alias("Kelurahan"),
        pl.col("nama_kecamatan").alias("Kecamatan"),
        pl.col("jumlah_penduduk").alias("Penduduk"),
        pl.col("prevalensi_stunting").alias("Stunting %"),
        pl.col("persentase_penduduk_miskin").alias("Penduduk miskin %"),
        pl.col("indeks_kebutuhan").round(2).alias("Indeks kebutuhan"),
        pl.col("belanja_per_kapita_rp").alias("Belanja per kapita"),
    ]
    if pilihan["opd"] or pilihan["urusan"]:
        _kolom.append(pl.col("belanja_pilihan_per_kapita_rp").alias("Belanja pilihan per kapita"))
    _kolom += [
        pl.col("kesenjangan").round(2).alias("Kesenjangan"),
        pl.when(pl.col("kurang_terlayani"))
        .then(pl.lit("Ya"))
        .otherwise(pl.lit(""))
        .alias("Kurang terlayani"),
        pl.col("alasan").fill_null("").alias("Alasan"),
    ]
    tabel_kelurahan = mo.ui.table(
        kelurahan.select(_kolom),
        selection=None,
        page_size=10,
        format_mapping={
            "Belanja per kapita": rupiah,
            "Belanja pilihan per kapita": rupiah,
            "Stunting %": persen,
            "Penduduk miskin %": persen,
        },
        show_column_summaries=False,
        show_data_types=False,
        label="Kelurahan, paling kurang terlayani di atas (klik judul kolom untuk mengurutkan)",
    )
    mo.Html(f"<div data-testid='tabel-kelurahan'>{mo.as_html(tabel_kelurahan)}</div>")
    return (tabel_kelurahan,)


@app.cell
def _(kueri, mo, paths, pilihan, table_exists):
    # Issue 14 §1: what each budget phase changed, line by line (mart_perubahan_anggaran).
    ada_mart_perubahan = table_exists(paths, "marts", "mart_perubahan_anggaran")
    _pasangan = (
        kueri(
            """select tahap_dari, tahap_ke, count(*) as n from marts.mart_perubahan_anggaran
            where kode_pemda = $kode_pemda and tahun = $tahun group by tahap_dari, tahap_ke
            order by (tahap_dari = 'murni') desc, n desc""",
            {"kode_pemda": pilihan["kode_pemda"], "tahun": pilihan["tahun"]},
        ).to_dicts()
        if ada_mart_perubahan
        else []
    )
    _opsi = {
        f"{r['tahap_dari']} → {r['tahap_ke']}": f"{r['tahap_dari']}|{r['tahap_ke']}"
        for r in _pasangan
    }
    pasangan_tahap = mo.ui.dropdown(
        options=_opsi or {"(tidak ada)": ""},
        value=next(iter(_opsi), "(tidak ada)"),
        label="Bandingkan tahap",
    )
    return ada_mart_perubahan, pasangan_tahap


@app.cell
def _(ada_mart_perubahan, kueri, mo, pasangan_tahap, pilihan, pl, rupiah):
    mo.stop(
        not ada_mart_perubahan or not pasangan_tahap.value,
        mo.vstack(
            [
                mo.md("## Perubahan anggaran baris demi baris"),
                mo.md("Belum ada perbandingan tahap DPA untuk tahun ini di mart terbit."),
            ]
        ),
    )
    _dari, _ke = pasangan_tahap.value.split("|")
    _param = {
        "kode_pemda": pilihan["kode_pemda"],
        "tahun": pilihan["tahun"],
        "dari": _dari,
        "ke": _ke,
    }
    _opd = ""
    if pilihan["opd"]:
        _opd = "and (list_contains($opd, b.kode_skpd_dari) or list_contains($opd, b.kode_skpd_ke))"
        _param["opd"] = pilihan["opd"]
    _baris = kueri(
        f"""
        select b.status as "Status", coalesce(o.singkatan, b.kode_skpd) as "OPD",
            b.kode_sub_kegiatan as "Sub kegiatan",
            coalesce(b.uraian_komponen_ke, b.uraian_komponen_dari) as "Komponen",
            b.pagu_dari_rp::double as "Pagu sebelum", b.pagu_ke_rp::double as "Pagu sesudah",
            b.selisih_rp::double as "Selisih", b.cara_pencocokan as "Dicocokkan",
            b.alasan as "Penjelasan"
        from marts.mart_perubahan_anggaran as b
        left join marts.dim_opd as o
            on o.kode_pemda = b.kode_pemda and o.kode_skpd = b.kode_skpd and o.masih_berlaku
        where b.kode_pemda = $kode_pemda and b.tahun = $tahun and b.tahap_dari = $dari and b.tahap_ke = $ke
            and b.status <> 'tetap' {_opd}
        order by abs(b.selisih_rp) desc, b.id_baris
        """,
        _param,
    )
    _status = _baris.group_by("Status").len().sort("Status")
    _ringkas = ", ".join(f"{r['len']} {r['Status']}" for r in _status.to_dicts())
    _bersih = _baris["Selisih"].sum() if _baris.height else 0
    mo.vstack(
        [
            mo.md(
                f"## Perubahan anggaran baris demi baris: {_dari} → {_ke}\n\n"
                f"{_ringkas or 'tidak ada baris yang berubah'}; selisih bersih "
                f"{rupiah(_bersih)}. Baris dicocokkan dengan kode, lalu dengan kemiripan nama "
                "komponen bila nomornya berganti atau pindah sub kegiatan/OPD (cara di kolom "
                "*Dicocokkan*). Workbook lengkap: `apbd banding --tahun "
                f"{pilihan['tahun']} --dari {_dari} --ke {_ke}`."
            ),
            pasangan_tahap,
            mo.Html(
                "<div data-testid='tabel-perubahan-anggaran'>"
                + mo.as_html(
                    mo.ui.table(
                        _baris.with_columns(pl.col("Komponen").str.slice(0, 60)),
                        selection=None,
                        page_size=10,
                        format_mapping={
                            "Pagu sebelum": rupiah,
                            "Pagu sesudah": rupiah,
                            "Selisih": rupiah,
                        },
                        show_column_summaries=False,
                        show_data_types=False,
                    )
                ).text
                + "</div>"
            )
            if _baris.height
            else mo.md("Tidak ada baris yang berubah."),
        ]
    )
    return


@app.cell
def _(paths, table_exists):
    ada_mart_prioritas = table_exists(paths, "marts", "mart_prioritas_alokasi")
    return (ada_mart_prioritas,)


@app.cell
def _(ada_mart_prioritas, kueri, mo, parameter, saring):
    mo.stop(
        not ada_mart_prioritas,
        mo.vstack(
            [
                mo.md("## Tingkat bukti per program"),
                mo.callout(
                    mo.md(
                        "**Mart prioritas belum terbit** (`marts.mart_prioritas_alokasi` tidak "
                        "ada di mart terbit). Tier bukti A–D per program akan tampil di sini "
                        "setelah mart itu diterbitkan oleh `apbd run`."
                    ),
                    kind="warn",
                ),
            ]
        ),
    )
    # The chosen OPD/urusan select programs through the budget mart (`saring`), as above.
    prioritas = kueri(
        f"""
        select
            p.tier,
            p.label_tier,
            p.kode_skpd,
            p.nama_skpd,
            p.kode_program,
            p.nama_program,
            p.skor_bukti::double as skor_bukti,
            p.pagu_akhir_rp::double as pagu_akhir_rp,
            p.alasan
        from marts.mart_prioritas_alokasi as p
        where p.kode_pemda = $kode_pemda and p.tahun = $tahun and exists (
            select 1 from marts.mart_anggaran_realisasi as m
            where {saring} and m.kode_skpd = p.kode_skpd and m.kode_program = p.kode_program
        )
        order by p.tier, p.pagu_akhir_rp desc, p.kode_skpd, p.kode_program
        """,
        parameter,
    )
    return (prioritas,)


@app.cell
def _(VEGA_LOCALE, alt, mo, pilihan, pl, prioritas, rupiah, short_name):
    mo.stop(
        prioritas.height == 0,
        mo.callout(f"Tidak ada tier program untuk pilihan ini ({pilihan['tahun']}).", kind="warn"),
    )
    _per_tier = (
        prioritas.group_by("tier", "label_tier")
        .agg(pl.len().alias("program"), pl.col("pagu_akhir_rp").sum().alias("pagu"))
        .with_columns((pl.col("pagu") / 1e9).round(2).alias("miliar"))
        .sort("tier")
    )
    _chart = (
        alt.Chart(_per_tier)
        .mark_bar()
        .encode(
            x=alt.X("miliar:Q", title="Pagu akhir (Rp miliar)"),
            y=alt.Y("label_tier:N", sort=alt.SortField("tier"), title=None),
            color=alt.Color(
                "tier:N",
                legend=None,
                scale=alt.Scale(
                    domain=["A", "B", "C", "D"], range=["#1a9850", "#91cf60", "#fdae61", "#d73027"]
                ),
            ),
            tooltip=[
                alt.Tooltip("label_tier:N", title="Tier"),
                alt.Tooltip("program:Q", title="Program"),
                alt.Tooltip("miliar:Q", title="Rp miliar", format=",.2f"),
            ],
        )
        .properties(title=f"Pagu akhir {pilihan['tahun']} menurut tier bukti", width="container")
        .configure(locale=VEGA_LOCALE)
    )
    _tabel = mo.ui.table(
        prioritas.select(
            pl.col("label_tier").alias("Tier"),
            pl.col("nama_skpd").alias("OPD"),
            pl.col("kode_program").alias("Kode program"),
            short_name(pl.col("nama_program")).alias("Program"),
            pl.col("skor_bukti").round(2).alias("Skor bukti"),
            pl.col("pagu_akhir_rp").alias("Pagu akhir"),
            pl.col("alasan").fill_null("").alias("Alasan"),
        ),
        selection=None,
        page_size=10,
        format_mapping={"Pagu akhir": rupiah},
        show_column_summaries=False,
        show_data_types=False,
        label=f"{prioritas.height} program (klik judul kolom untuk mengurutkan)",
    )
    mo.vstack(
        [
            mo.md("## Tingkat bukti per program"),
            mo.md(
                "Tier A (pertahankan/tambah) sampai D (kandidat pemotongan) dari skor bukti: "
                "serapan, capaian keluaran, tren hasil, biaya per keluaran dan kebutuhan wilayah."
            ),
            mo.Html(f"<div data-testid='grafik-tier'>{mo.as_html(_chart)}</div>"),
            mo.Html(f"<div data-testid='tabel-tier'>{mo.as_html(_tabel)}</div>"),
        ]
    )
    return


@app.cell
def _(mo, open_published, paths, pb, pemda, table_exists):
    # The peer groups the mart lists for the chosen pemda (rules kept as data:
    # ref_kelompok_pembanding), the comparable group first; none when the peer marts are not
    # published yet.
    daftar_kelompok = []
    if table_exists(paths, "marts", "mart_posisi_pembanding"):
        with open_published(paths) as _con:
            daftar_kelompok = pb.daftar_kelompok(_con, pemda.kode_pemda)
    _pilihan = {
        f"{g['nama_kelompok']} ({g['jumlah_pemda']} pemda)": g["kode_kelompok"]
        for g in daftar_kelompok
    }
    kelompok_pembanding = mo.ui.dropdown(
        options=_pilihan or {"-": "-"},
        value=next(iter(_pilihan), "-"),
        label="Bandingkan dengan",
    )
    _tahun = []
    if daftar_kelompok:
        with open_published(paths) as _con:
            _tahun = pb.daftar_tahun(_con, pemda.kode_pemda)
    tahun_pembanding = mo.ui.dropdown(
        options=[str(t) for t in _tahun] or ["-"],
        value=str(_tahun[-1]) if _tahun else "-",
        label="Tahun APBD (berkas DJPK)",
    )
    return daftar_kelompok, kelompok_pembanding, tahun_pembanding


@app.cell
def _(kelompok_pembanding):
    # Its own cell, so a test can run the app with another peer group: app.run(defs={...}).
    kode_kelompok_pembanding = kelompok_pembanding.value
    return (kode_kelompok_pembanding,)


@app.cell
def _(tahun_pembanding):
    tahun_apbd_pembanding = None if tahun_pembanding.value == "-" else int(tahun_pembanding.value)
    return (tahun_apbd_pembanding,)


@app.cell
def _(
    ReportError,
    daftar_kelompok,
    kode_kelompok_pembanding,
    open_published,
    paths,
    pb,
    pemda,
    pl,
    tahun_apbd_pembanding,
):
    # Everything shown comes from the peer marts as published: positions (value, median,
    # percentiles, sentence) from mart_posisi_pembanding, each member's own figures from
    # mart_pembanding_pemda. Nothing is recomputed here.
    pilihan_pembanding = masalah_pembanding = None
    posisi_pembanding = anggota_pembanding = pl.DataFrame()
    if daftar_kelompok:
        try:
            with open_published(paths) as _con:
                pilihan_pembanding = pb.resolve_pembanding(
                    _con,
                    kelompok=kode_kelompok_pembanding,
                    tahun=tahun_apbd_pembanding,
                    pemda=pemda.kode_pemda,
                )
                posisi_pembanding = pl.DataFrame(
                    pb.posisi_rows(_con, pilihan_pembanding), infer_schema_length=None
                )
                anggota_pembanding = pl.DataFrame(
                    pb.anggota_rows(_con, pilihan_pembanding), infer_schema_length=None
                )
        except ReportError as _exc:
            masalah_pembanding = f"{_exc.message} ({_exc.hint})"
    return anggota_pembanding, masalah_pembanding, pilihan_pembanding, posisi_pembanding


@app.cell
def _(
    angka,
    kelompok_pembanding,
    masalah_pembanding,
    mo,
    pb,
    pemda,
    pilihan_pembanding,
    pl,
    posisi_pembanding,
    tahun_pembanding,
):
    _judul = mo.md(
        f"""
        ## {pemda.nama_pemda} di antara pemda pembanding

        APBD yang direncanakan (berkas nasional DJPK) dan hasil pembangunan (IPM, penduduk miskin
        dari BPS) {pemda.nama_pemda} dibandingkan dengan kabupaten/kota lain. Pilih kelompok
        pembanding; aturannya disimpan sebagai data, bukan di aplikasi. Persentil 0 = terendah,
        100 = tertinggi dalam kelompok. Laporan yang sama: `apbd laporan --pembanding`.
        """
    )
    mo.stop(
        pilihan_pembanding is None,
        mo.vstack(
            [
                _judul,
                mo.callout(
                    mo.md(
                        f"**Angka pembanding tidak dapat ditampilkan.** {masalah_pembanding}"
                        if masalah_pembanding
                        else "**Belum ada angka pembanding** di mart terbit "
                        "(`marts.mart_posisi_pembanding`). Bagian ini tampil setelah `apbd run` "
                        "menerbitkan APBD DJPK dan indikator BPS."
                    ),
                    kind="warn",
                ),
            ]
        ),
    )
    _p = pilihan_pembanding
    _tabel = posisi_pembanding.select(
        (
            pl.col("nama_ukuran").str.slice(0, 1).str.to_uppercase()
            + pl.col("nama_ukuran").str.slice(1)
        ).alias("Ukuran"),
        pl.struct("bentuk", "nilai")
        .map_elements(lambda r: pb.teks_nilai(r["bentuk"], r["nilai"]), pl.String)
        .alias(_p.nama_pemda),
        pl.struct("bentuk", "median_kelompok")
        .map_elements(lambda r: pb.teks_nilai(r["bentuk"], r["median_kelompok"]), pl.String)
        .alias("Median kelompok"),
        pl.col("persentil_kelompok").cast(pl.Float64).alias("Persentil kelompok"),
        pl.col("persentil_nasional").cast(pl.Float64).alias("Persentil nasional"),
        pl.col("jumlah_pembanding").alias("Jumlah pemda"),
        pl.col("kalimat").alias("Kalimat"),
    )
    mo.vstack(
        [
            _judul,
            mo.hstack([kelompok_pembanding, tahun_pembanding], justify="start", gap=2),
            mo.md(
                f"**{_p.nama_kelompok}**: {_p.aturan} **{_p.jumlah_pemda} pemda** termasuk "
                f"{_p.nama_pemda} ({_p.jumlah_pemda - 1} pembanding), APBD {_p.tahun}. "
                "Baca persentil bersama jumlah pemda: dalam kelompok kecil satu pemda "
                "menggesernya jauh."
            ),
            mo.Html(
                "<div data-testid='tabel-posisi-pembanding'>"
                + mo.as_html(
                    mo.ui.table(
                        _tabel,
                        selection=None,
                        page_size=12,
                        format_mapping={
                            "Persentil kelompok": lambda v: angka(v, 1),
                            "Persentil nasional": lambda v: angka(v, 1),
                        },
                        show_column_summaries=False,
                        show_data_types=False,
                        label="Posisi per ukuran",
                    )
                ).text
                + "</div>"
            ),
        ]
    )
    return


@app.cell
def _(VEGA_LOCALE, alt, anggota_pembanding, mo, pb, pilihan_pembanding, pl, posisi_pembanding):
    mo.stop(pilihan_pembanding is None or anggota_pembanding.height == 0)
    _warna = alt.Color(
        "peran:N",
        title=None,
        scale=alt.Scale(
            domain=[pilihan_pembanding.nama_pemda, "Pembanding"], range=["#d62728", "#9ecae1"]
        ),
        legend=alt.Legend(orient="bottom"),
    )
    _porsi_kolom = [k for k in pb.PORSI_BELANJA if k in anggota_pembanding.columns]
    _titik = anggota_pembanding.select(  # the chart's data: plain floats (JSON), no Decimal
        pl.col("nama_pemda"),
        pl.col("nama_provinsi"),
        pl.when(pl.col("is_diri"))
        .then(pl.lit(pilihan_pembanding.nama_pemda))
        .otherwise(pl.lit("Pembanding"))
        .alias("peran"),
        (pl.col("belanja_per_kapita_rp").cast(pl.Float64) / 1e6).alias("per_kapita_juta"),
        pl.col("ipm").cast(pl.Float64),
        pl.col("persen_miskin").cast(pl.Float64),
        *[pl.col(k).cast(pl.Float64) for k in _porsi_kolom],
    )
    _porsi = (
        _titik.unpivot(
            index=["nama_pemda", "peran"],
            on=_porsi_kolom,
            variable_name="kode_ukuran",
            value_name="persen",
        )
        .with_columns(
            pl.col("kode_ukuran").replace_strict(pb.PORSI_BELANJA).alias("jenis"),
        )
        .sort("peran", descending=True)  # the pemda itself drawn last, on top
    )
    _median = posisi_pembanding.filter(pl.col("kode_ukuran").is_in(_porsi_kolom)).select(
        pl.col("kode_ukuran").replace_strict(pb.PORSI_BELANJA).alias("jenis"),
        pl.col("median_kelompok").cast(pl.Float64).alias("median"),
    )
    _urut = list(pb.PORSI_BELANJA.values())
    _porsi_chart = alt.layer(
        alt.Chart(_porsi)
        .mark_circle(opacity=0.9, stroke="#333", strokeWidth=0.3)
        .encode(
            x=alt.X("persen:Q", title="Porsi dari belanja (%)"),
            y=alt.Y("jenis:N", sort=_urut, title=None),
            color=_warna,
            size=alt.condition(alt.datum.peran == "Pembanding", alt.value(60), alt.value(220)),
            tooltip=[
                alt.Tooltip("nama_pemda:N", title="Pemda"),
                alt.Tooltip("jenis:N", title="Belanja"),
                alt.Tooltip("persen:Q", title="%", format=",.1f"),
            ],
        ),
        alt.Chart(_median)
        .mark_tick(color="#333", thickness=2, size=22)
        .encode(
            x="median:Q",
            y=alt.Y("jenis:N", sort=_urut),
            tooltip=[alt.Tooltip("median:Q", title="Median kelompok (%)", format=",.1f")],
        ),
    ).properties(
        title=f"Porsi jenis belanja, APBD {pilihan_pembanding.tahun} (garis = median kelompok)",
        width="container",
        height=alt.Step(34),
    )

    def _sebar(kolom: str, judul: str):
        _dasar = alt.Chart(_titik).encode(
            x=alt.X("per_kapita_juta:Q", title="Belanja per kapita (Rp juta)"),
            y=alt.Y(f"{kolom}:Q", title=judul, scale=alt.Scale(zero=False)),
        )
        return alt.layer(
            _dasar.mark_circle(opacity=0.9, stroke="#333", strokeWidth=0.3).encode(
                color=_warna,
                size=alt.condition(alt.datum.peran == "Pembanding", alt.value(70), alt.value(220)),
                tooltip=[
                    alt.Tooltip("nama_pemda:N", title="Pemda"),
                    alt.Tooltip("nama_provinsi:N", title="Provinsi"),
                    alt.Tooltip("per_kapita_juta:Q", title="Rp juta per jiwa", format=",.2f"),
                    alt.Tooltip(f"{kolom}:Q", title=judul, format=",.2f"),
                ],
            ),
            _dasar.transform_filter(alt.datum.peran != "Pembanding")
            .mark_text(align="left", dx=9, fontWeight="bold", color="#d62728")
            .encode(text="nama_pemda:N"),
        ).properties(title=f"Belanja per kapita dan {judul}", width=420, height=300)

    _hasil = alt.hconcat(_sebar("ipm", "IPM"), _sebar("persen_miskin", "penduduk miskin (%)"))
    mo.vstack(
        [
            mo.Html(
                "<div data-testid='grafik-porsi-pembanding'>"
                + mo.as_html(
                    mo.ui.altair_chart(
                        _porsi_chart.configure(locale=VEGA_LOCALE),
                        chart_selection=False,
                        legend_selection=False,
                    )
                ).text
                + "</div>"
            ),
            mo.Html(
                "<div data-testid='grafik-hasil-pembanding'>"
                + mo.as_html(
                    mo.ui.altair_chart(
                        _hasil.configure(locale=VEGA_LOCALE),
                        chart_selection=False,
                        legend_selection=False,
                    )
                ).text
                + "</div>"
            ),
        ]
    )
    return


@app.cell
def _(angka, anggota_pembanding, mo, persen, pilihan_pembanding, pl, rupiah):
    mo.stop(pilihan_pembanding is None or anggota_pembanding.height == 0)
    _persen = {
        "porsi_belanja_pegawai_persen": "Pegawai %",
        "porsi_belanja_barang_jasa_persen": "Barang dan jasa %",
        "porsi_belanja_modal_persen": "Modal %",
        "porsi_belanja_bansos_persen": "Bansos %",
        "porsi_belanja_transfer_persen": "Transfer %",
        "porsi_pad_persen": "PAD / pendapatan %",
        "persen_miskin": "Penduduk miskin %",
    }
    _tabel = anggota_pembanding.select(
        pl.when(pl.col("is_diri")).then(pl.lit("◀")).otherwise(pl.lit("")).alias(" "),
        pl.col("nama_pemda").alias("Pemda"),
        pl.col("nama_provinsi").alias("Provinsi"),
        pl.col("penduduk").alias("Penduduk"),
        pl.col("belanja_per_kapita_rp").cast(pl.Float64).alias("Belanja per kapita"),
        *[
            pl.col(k).cast(pl.Float64).alias(v)
            for k, v in _persen.items()
            if k in anggota_pembanding.columns
        ],
        pl.col("ipm").cast(pl.Float64).round(2).alias("IPM"),
    )
    mo.Html(
        "<div data-testid='tabel-pembanding'>"
        + mo.as_html(
            mo.ui.table(
                _tabel,
                selection=None,
                page_size=15,
                format_mapping={"Belanja per kapita": rupiah, "Penduduk": lambda v: angka(v, 0)}
                | {v: persen for v in _persen.values()},
                show_column_summaries=False,
                show_data_types=False,
                label=f"{anggota_pembanding.height} pemda, belanja per kapita tertinggi di atas",
            )
        ).text
        + "</div>"
    )
    return


@app.cell
def _(mo, open_published, paths, pemda, sk):
    # The pemda's default ceiling: its row of ref_plafon_skenario (Samarinda 2026: Rp3,183 T),
    # else its newest murni total; the year after its newest budget year.
    with open_published(paths) as _con:
        tahun_skenario, _pagu, _ = sk.plafon_bawaan(_con, pemda.kode_pemda) or (0, 1, "")
    pagu_masukan = mo.ui.number(
        start=1,
        stop=100_000_000_000_000,
        step=1_000_000_000,
        value=_pagu,
        label=f"Pagu total TA {tahun_skenario} (rupiah penuh)",
        full_width=False,
    )
    return pagu_masukan, tahun_skenario


@app.cell
def _(pagu_masukan):
    # Its own cell, so a test can run the app with another ceiling: app.run(defs={...}).
    pagu_skenario = int(pagu_masukan.value)
    return (pagu_skenario,)


@app.cell
def _(ada_mart_prioritas, open_published, pagu_skenario, paths, pemda, pl, sk, tahun_skenario):
    # In memory only: the scenario is computed from the published mart (read-only) and shown;
    # nothing is written to the scenario store. `apbd scenario` is the way to save one.
    hasil_skenario = masalah_skenario = None
    try:
        with open_published(paths) as _con:
            _dasar = sk.load_dasar(_con, tahun_skenario, kode_pemda=pemda.kode_pemda)
            _aturan = sk.load_aturan(_con)
            _kebijakan = sk.load_kebijakan(_con, pemda.kode_pemda)
            _tier = (
                sk.load_tier(_con, tahun_skenario, pemda.kode_pemda)
                if ada_mart_prioritas
                else pl.DataFrame(
                    schema={k: pl.String for k in ("kode_skpd", "kode_program", "tier")}
                )
            )
        hasil_skenario = sk.compute_skenario(
            _dasar,
            _tier,
            _aturan,
            tahun=tahun_skenario,
            pagu_total=pagu_skenario,
            kebijakan=_kebijakan,
        )
    except sk.SkenarioError as exc:  # SkenarioTidakLayak included
        masalah_skenario = exc
    return hasil_skenario, masalah_skenario


@app.cell
def _(
    ada_mart_prioritas,
    hasil_skenario,
    masalah_skenario,
    mo,
    pagu_masukan,
    pagu_skenario,
    rupiah,
    sk,
    tahun_skenario,
):
    _bagian = [
        mo.md(
            f"""
            ## Skenario alokasi TA {tahun_skenario}

            Usulan pagu per OPD dan program di bawah pagu total, dari alokasi tahun lalu, tier
            bukti dan batas belanja wajib (aturan yang sama dengan `apbd scenario`). Dihitung di
            sini saja, tidak disimpan; untuk menyimpan dan mendapat buku kerja XLSX pakai
            `apbd scenario --tahun {tahun_skenario} --pagu-total {pagu_skenario}`.
            """
        ),
        mo.hstack(
            [
                pagu_masukan,
                mo.md(f"= **{rupiah(pagu_skenario)}** ({rupiah(pagu_skenario, short=True)})"),
            ],
            justify="start",
            align="center",
            gap=1,
        ),
    ]
    if not ada_mart_prioritas:
        _bagian.append(
            mo.callout(
                mo.md(
                    "**Mart prioritas belum terbit**: semua program diperlakukan sebagai tier B "
                    "(pertahankan), jadi pemotongan dan tambahan dibagi rata menurut pagu."
                ),
                kind="warn",
            )
        )
    if isinstance(masalah_skenario, sk.SkenarioTidakLayak):
        _kurang = masalah_skenario.kekurangan_rp
        _bagian.append(
            mo.callout(
                mo.md(
                    f"**Skenario tidak layak.** {masalah_skenario}"
                    + (f"\n\nKekurangan: **{rupiah(_kurang)}**." if _kurang else "")
                ),
                kind="danger",
            )
        )
    elif masalah_skenario is not None:
        _bagian.append(
            mo.callout(
                mo.md(f"**Skenario tidak dapat dihitung.** {masalah_skenario}"), kind="danger"
            )
        )
    elif hasil_skenario is not None:
        for _teks in hasil_skenario.konflik:
            _bagian.append(mo.callout(mo.md(f"**Konflik:** {_teks}"), kind="danger"))
        for _teks in hasil_skenario.catatan:
            _bagian.append(mo.md(f"*Catatan:* {_teks}"))
    mo.vstack(_bagian)
    return


@app.cell
def _(hasil_skenario, mo, persen, pilihan, pl, rupiah, skenario_per_opd):
    mo.stop(hasil_skenario is None)
    _baris = hasil_skenario.baris
    if pilihan["opd"]:
        _baris = _baris.filter(pl.col("kode_skpd").is_in(pilihan["opd"]))
    if pilihan["urusan"]:
        _baris = _baris.filter(
            pl.col("kode_program").str.split(".").list.first().is_in(pilihan["urusan"])
        )
    _dasar, _usulan = f"TA {hasil_skenario.tahun_dasar}", f"Usulan TA {hasil_skenario.tahun}"
    _per_opd = skenario_per_opd(_baris).select(
        pl.col("nama_skpd").alias("OPD"),
        pl.col("pagu_dasar_rp").cast(pl.Float64).alias(_dasar),
        pl.col("pagu_usulan_rp").cast(pl.Float64).alias(_usulan),
        pl.col("perubahan_rp").cast(pl.Float64).alias("Perubahan"),
        pl.col("perubahan_persen").alias("Perubahan %"),
        pl.col("penjelasan").alias("Penjelasan"),
    )
    _program = _baris.sort("perubahan_rp").select(
        pl.col("nama_skpd").alias("OPD"),
        pl.col("kode_program").alias("Kode program"),
        pl.col("nama_program").alias("Program"),
        pl.col("tier").alias("Tier"),
        pl.col("pagu_dasar_rp").cast(pl.Float64).alias(_dasar),
        pl.col("pagu_usulan_rp").cast(pl.Float64).alias(_usulan),
        pl.col("perubahan_rp").cast(pl.Float64).alias("Perubahan"),
        pl.col("perubahan_persen").cast(pl.Float64).alias("Perubahan %"),
        pl.col("alasan").alias("Alasan"),
    )
    _uang = {_dasar: rupiah, _usulan: rupiah, "Perubahan": rupiah, "Perubahan %": persen}
    _tabel_opd = mo.ui.table(
        _per_opd,
        selection=None,
        page_size=10,
        format_mapping=_uang,
        show_column_summaries=False,
        show_data_types=False,
        label=f"{_per_opd.height} OPD, penurunan terbesar di atas",
    )
    _cek = pl.DataFrame(
        [
            {
                "Aturan": c.nama,
                "Porsi %": None if c.porsi_persen is None else float(c.porsi_persen),
                "Batas %": float(c.ambang_persen),
                "Memenuhi": "ya" if c.memenuhi else "TIDAK",
                "Status": c.status,
                "Keterangan": c.keterangan,
            }
            for c in hasil_skenario.cek
        ]
    )
    mo.vstack(
        [
            mo.md(f"### Per OPD: pagu {_dasar} → {_usulan}"),
            mo.Html(f"<div data-testid='tabel-skenario-opd'>{mo.as_html(_tabel_opd)}</div>"),
            mo.md("### Per program, dengan alasannya"),
            mo.ui.table(
                _program,
                selection=None,
                page_size=10,
                format_mapping=_uang,
                show_column_summaries=False,
                show_data_types=False,
            ),
            mo.md("### Batas belanja wajib pada usulan"),
            mo.ui.table(
                _cek,
                selection=None,
                format_mapping={"Porsi %": persen, "Batas %": persen},
                show_column_summaries=False,
                show_data_types=False,
            ),
        ]
    )
    return


if __name__ == "__main__":
    app.run()
