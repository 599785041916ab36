"""Aplikasi BPKAD: serapan anggaran terhadap rencana kas dan terhadap hasil, per program, dengan
program dan baris bertanda.

Notebook marimo (juga bisa dijalankan sebagai aplikasi: `marimo run notebooks/02_keuangan_serapan.py`).
Hanya membaca mart terbit, read-only (folder dari APBD_DATA_DIR). Angka dan tanda dihitung oleh
`dagster_project.lib.outputs.reports`, fungsi yang sama dengan `apbd laporan`, jadi aplikasi dan laporan
XLSX selalu sama.
"""

import marimo

__generated_with = "0.25.2"
app = marimo.App(width="full", app_title="APBD — serapan (BPKAD)")


@app.cell
def _():
    from decimal import Decimal

    import altair as alt
    import marimo as mo
    import polars as pl

    from dagster_project.lib.core.fmt import angka, persen, rupiah
    from dagster_project.lib.outputs import reports
    from dagster_project.lib.outputs.apps import (
        VEGA_LOCALE,
        pemda_dipilih,
        pemda_pilihan,
        pemda_ui,
        published_paths,
        short_name,
    )
    from dagster_project.lib.publish.publisher import open_published

    return (
        Decimal,
        VEGA_LOCALE,
        alt,
        angka,
        mo,
        open_published,
        pemda_dipilih,
        pemda_pilihan,
        pemda_ui,
        persen,
        pl,
        published_paths,
        reports,
        rupiah,
        short_name,
    )


@app.cell
def _(mo, pemda_pilihan, published_paths):
    paths = published_paths(mo)
    # One pemda at a time: every figure below is the chosen pemda's (no picker with one pemda).
    pilih_pemda = pemda_pilihan(mo, paths)
    return paths, pilih_pemda


@app.cell
def _(paths, pemda_dipilih, pilih_pemda):
    # Its own cell, so a test can run the app for another pemda: app.run(defs={"pemda": …}).
    pemda = pemda_dipilih(paths, pilih_pemda.value)
    return (pemda,)


@app.cell
def _(mo, open_published, paths, pemda, reports):
    meta = reports.published_meta(paths)
    with open_published(paths) as _con:
        daftar_tahun = reports.available_years(_con, pemda.kode_pemda)
    mo.md(
        f"""
        # Serapan anggaran terhadap rencana kas — BPKAD {pemda.nama_pemda}

        Realisasi SP2D dibandingkan dengan pagu akhir dan rencana kas (anggaran kas) per bulan,
        per program, dengan tanda untuk baris akun yang melebihi pagu dan serapan di bawah
        ambang. Angka sama dengan `apbd laporan`.

        <small>Sumber: mart terbit versi `{meta["version"]}`, diterbitkan {meta["published_at"]}.</small>
        """
    )
    return (daftar_tahun,)


@app.cell
def _(daftar_tahun, mo):
    tahun = mo.ui.dropdown(
        options=[str(t) for t in daftar_tahun], value=str(daftar_tahun[-1]), label="Tahun"
    )
    ambang = mo.ui.slider(
        start=10,
        stop=100,
        step=5,
        value=50,
        label="Tandai bila realisasi < ambang % dari rencana kas",
        show_value=True,
    )
    return ambang, tahun


@app.cell
def _(mo, open_published, paths, pemda, reports, tahun):
    with open_published(paths) as _con:
        _opd = reports.list_opd(_con, int(tahun.value), pemda.kode_pemda)
        _bulan_laporan = reports.reporting_month(_con, int(tahun.value), pemda.kode_pemda)
    opd = mo.ui.dropdown(
        options={"Semua OPD": "", **{f"{s or n} ({k})": k for k, n, s in _opd}},
        value="Semua OPD",
        label="OPD",
        searchable=True,
    )
    bulan = mo.ui.dropdown(
        options={nama: str(i) for i, nama in enumerate(reports.NAMA_BULAN, start=1)},
        value=reports.NAMA_BULAN[_bulan_laporan - 1],
        label="Rencana kas s.d. bulan",
    )
    return bulan, opd


@app.cell
def _(ambang, bulan, mo, opd, pemda_ui, pilih_pemda, tahun):
    mo.hstack(
        [*pemda_ui(pilih_pemda), tahun, opd, bulan, ambang], justify="start", gap=2, wrap=True
    )
    return


@app.cell
def _(Decimal, ambang, bulan, open_published, opd, paths, pemda, reports, tahun):
    # One read of the mart for everything below (same functions as the XLSX report).
    _ambang = Decimal(ambang.value) / 100
    with open_published(paths) as _con:
        pilihan = reports.resolve_selection(_con, int(tahun.value), opd.value or None, pemda=pemda)
        rincian = [
            reports.with_derived(r, _ambang)
            for r in reports.sub_kegiatan_rows(_con, pilihan, int(bulan.value))
        ]
        kurva = reports.absorption_curve(_con, pilihan)
        lebih = reports.overspent_lines(_con, pilihan)
        kinerja = reports.kinerja_program_rows(_con, pilihan)
    for _r in rincian:
        _r["opd"] = _r.get("singkatan") or _r.get("nama_skpd")
    per_program = reports.rollup(rincian, ["opd", "kode_program", "nama_program"], _ambang)
    total = reports.totals(rincian, _ambang)
    return kinerja, kurva, lebih, per_program, pilihan, rincian, total


@app.cell
def _(bulan, mo, persen, reports, rupiah, total):
    _sd = reports.NAMA_BULAN[int(bulan.value) - 1]

    def _p(x):
        return persen(x * 100 if x is not None else None)

    mo.hstack(
        [
            mo.stat(rupiah(total["pagu_akhir"], short=True), label="Pagu akhir"),
            mo.stat(rupiah(total["realisasi"], short=True), label="Realisasi (SP2D)"),
            mo.stat(_p(total["serapan"]), label="Serapan"),
            mo.stat(rupiah(total["rencana_kas_sd"], short=True), label=f"Rencana kas s.d. {_sd}"),
            mo.stat(_p(total["capaian_rencana_kas"]), label="Realisasi thd rencana kas"),
            mo.stat(str(total["baris_melebihi_pagu"]), label="Baris akun melebihi pagu"),
        ],
        justify="start",
        gap=2,
        wrap=True,
    )
    return


@app.cell
def _(VEGA_LOCALE, alt, kurva, mo, pilihan, pl):
    _long = pl.DataFrame(
        [
            {
                "bulan": r["bulan"],
                "nama_bulan": r["nama_bulan"],
                "seri": seri,
                "persen": float(v) * 100,
            }
            for r in kurva
            for seri, v in (
                ("Rencana kas kumulatif", r["rencana_kas_kumulatif_persen"]),
                ("Realisasi kumulatif", r["serapan_kumulatif_persen"]),
            )
            if v is not None
        ]
    )
    mo.stop(_long.height == 0, mo.callout("Tidak ada data bulanan untuk pilihan ini.", kind="warn"))
    _seri = ["Rencana kas kumulatif", "Realisasi kumulatif"]
    _chart = (
        alt.Chart(_long)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "nama_bulan:N", sort=alt.SortField("bulan"), title=None, axis=alt.Axis(labelAngle=0)
            ),
            y=alt.Y("persen:Q", title="% dari pagu akhir", scale=alt.Scale(domain=[0, 100])),
            color=alt.Color(
                "seri:N",
                title=None,
                scale=alt.Scale(domain=_seri, range=["#9ecae1", "#08519c"]),
                legend=alt.Legend(orient="bottom"),
            ),
            strokeDash=alt.StrokeDash(
                "seri:N", scale=alt.Scale(domain=_seri, range=[[5, 3], [1, 0]]), legend=None
            ),
            tooltip=[
                alt.Tooltip("nama_bulan:N", title="Bulan"),
                alt.Tooltip("seri:N", title="Seri"),
                alt.Tooltip("persen:Q", title="% pagu", format=",.1f"),
            ],
        )
        .properties(
            title=f"Kurva serapan {pilihan.tahun} — {pilihan.label}", width="container", height=320
        )
        .configure(locale=VEGA_LOCALE)
    )
    mo.Html(f"<div data-testid='kurva-serapan'>{mo.as_html(_chart)}</div>")
    return


@app.cell
def _(mo):
    sumbu_hasil = mo.ui.dropdown(
        options={"Capaian keluaran (%)": "capaian_keluaran", "Skor dampak": "skor_dampak"},
        value="Capaian keluaran (%)",
        label="Sumbu tegak",
    )
    mo.vstack(
        [
            mo.md(
                """
                ## Belanja terhadap hasil per program

                Serapan (realisasi ÷ pagu akhir) dibandingkan dengan capaian keluaran atau skor
                dampak (perbaikan outcome di kelurahan sasaran dibanding kelurahan lain; 2 atau
                lebih = dampak nyata). Warna = klasifikasi mart kinerja; program di kanan bawah
                menyerap anggaran tetapi keluarannya tertinggal.
                """
            ),
            sumbu_hasil,
        ]
    )
    return (sumbu_hasil,)


@app.cell
def _(VEGA_LOCALE, alt, kinerja, mo, pilihan, pl, short_name, sumbu_hasil):
    _y = sumbu_hasil.value
    _judul_y = next(k for k, v in sumbu_hasil.options.items() if v == _y)
    _titik = pl.DataFrame(
        [
            {
                "opd": r["opd"],
                "kode_program": r["kode_program"],
                "program": r["nama_program"],
                "serapan": float(r["serapan"]) * 100,
                "capaian_keluaran": None
                if r["capaian_keluaran"] is None
                else float(r["capaian_keluaran"]) * 100,
                "skor_dampak": None if r["skor_dampak"] is None else float(r["skor_dampak"]),
                "miliar": float(r["pagu_akhir"]) / 1e9,
                "klasifikasi": r["klasifikasi_teks"],
                "alasan": r["alasan"] or "",
            }
            for r in kinerja
            if r["serapan"] is not None
        ],
        infer_schema_length=None,
    )
    mo.stop(
        _titik.height == 0 or _titik[_y].is_null().all(),
        mo.callout(f"Belum ada data kinerja program ({_judul_y}) untuk pilihan ini.", kind="warn"),
    )
    _titik = _titik.filter(pl.col(_y).is_not_null()).with_columns(
        short_name(pl.col("program")).alias("program")
    )
    _kelas = ["efektif", "tidak efektif", "serapan rendah", "dampak belum terukur"]
    _chart = (
        alt.Chart(_titik)
        .mark_circle(opacity=0.8, stroke="#333", strokeWidth=0.3)
        .encode(
            x=alt.X("serapan:Q", title="Serapan (%)"),
            y=alt.Y(f"{_y}:Q", title=_judul_y),
            size=alt.Size("miliar:Q", title="Pagu akhir (Rp miliar)", legend=None),
            color=alt.Color(
                "klasifikasi:N",
                title="Klasifikasi",
                scale=alt.Scale(
                    domain=[*_kelas, "belum dapat dinilai"],
                    range=["#1a9850", "#d73027", "#fdae61", "#9ecae1", "#bdbdbd"],
                ),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("opd:N", title="OPD"),
                alt.Tooltip("kode_program:N", title="Kode program"),
                alt.Tooltip("program:N", title="Program"),
                alt.Tooltip("serapan:Q", title="Serapan %", format=",.1f"),
                alt.Tooltip(f"{_y}:Q", title=_judul_y, format=",.1f"),
                alt.Tooltip("miliar:Q", title="Pagu (Rp miliar)", format=",.2f"),
                alt.Tooltip("klasifikasi:N", title="Klasifikasi"),
                alt.Tooltip("alasan:N", title="Alasan"),
            ],
        )
        .properties(
            title=f"Serapan dan hasil {pilihan.tahun} — {pilihan.label} ({_titik.height} program)",
            width="container",
            height=360,
        )
        .configure(locale=VEGA_LOCALE)
    )
    mo.Html(f"<div data-testid='grafik-kinerja'>{mo.as_html(_chart)}</div>")
    return


@app.cell
def _(pl, short_name):
    def tabel_rupiah(rows, kolom):
        """Rows of Decimals → a frame for display: money as whole rupiah, ratios as %."""
        data = []
        for r in rows:
            d = {}
            for key, judul, jenis in kolom:
                v = r.get(key)
                if jenis == "rupiah":
                    v = None if v is None else round(v)
                elif jenis == "persen":
                    v = None if v is None else round(float(v) * 100, 1)
                elif jenis == "angka":
                    v = None if v is None else float(v)
                d[judul] = v
            data.append(d)
        frame = pl.DataFrame(data, infer_schema_length=None)
        for _key, judul, jenis in kolom:
            if jenis == "nama" and judul in frame.columns:
                frame = frame.with_columns(short_name(pl.col(judul)).alias(judul))
        return frame

    return (tabel_rupiah,)


@app.cell
def _(bulan, mo, per_program, persen, reports, rupiah, tabel_rupiah):
    _sd = reports.NAMA_BULAN[int(bulan.value) - 1]
    _frame = tabel_rupiah(
        per_program,
        [
            ("opd", "OPD", "teks"),
            ("kode_program", "Kode program", "teks"),
            ("nama_program", "Program", "nama"),
            ("pagu_akhir", "Pagu akhir", "rupiah"),
            ("realisasi", "Realisasi", "rupiah"),
            ("serapan", "Serapan %", "persen"),
            ("rencana_kas_sd", f"Rencana kas s.d. {_sd}", "rupiah"),
            ("capaian_rencana_kas", "Realisasi thd rencana kas %", "persen"),
            ("baris_melebihi_pagu", "Baris melebihi pagu", "jumlah"),
            ("tanda", "Tanda", "teks"),
        ],
    )
    _rp = {c: rupiah for c in ("Pagu akhir", "Realisasi", f"Rencana kas s.d. {_sd}")}
    _pc = {c: persen for c in ("Serapan %", "Realisasi thd rencana kas %")}
    mo.vstack(
        [
            mo.md("## Belanja terhadap rencana per program"),
            mo.ui.table(
                _frame,
                selection=None,
                page_size=15,
                format_mapping={**_rp, **_pc},
                show_column_summaries=False,
                show_data_types=False,
            ),
        ]
    )
    return


@app.cell
def _(angka, kinerja, mo, persen, rupiah, tabel_rupiah):
    _bertanda = [r for r in kinerja if r["tanda_kinerja"]]
    _frame = tabel_rupiah(
        _bertanda,
        [
            ("opd", "OPD", "teks"),
            ("kode_program", "Kode program", "teks"),
            ("nama_program", "Program", "nama"),
            ("pagu_akhir", "Pagu akhir", "rupiah"),
            ("serapan", "Serapan %", "persen"),
            ("capaian_keluaran", "Capaian keluaran %", "persen"),
            ("skor_dampak", "Skor dampak", "angka"),
            ("rasio_biaya_tertinggi", "Biaya per unit / median", "angka"),
            ("klasifikasi_teks", "Klasifikasi", "teks"),
            ("tanda_kinerja", "Tanda kinerja", "teks"),
            ("alasan", "Alasan", "teks"),
        ],
    )
    _tabel = mo.ui.table(
        _frame,
        selection=None,
        page_size=10,
        format_mapping={
            "Pagu akhir": rupiah,
            "Serapan %": persen,
            "Capaian keluaran %": persen,
            "Skor dampak": angka,
            "Biaya per unit / median": angka,
        },
        show_column_summaries=False,
        show_data_types=False,
    )
    mo.vstack(
        [
            mo.md(f"## Program bertanda kinerja ({len(_bertanda)} dari {len(kinerja)})"),
            mo.md(
                "Tanda dari mart kinerja: serapan atau capaian keluaran di bawah 60 %, tanpa "
                "indikator terukur, laporan triwulan 4 belum ada atau terlambat, dan biaya per "
                "unit keluaran 2 kali median sub kegiatan sejenis atau lebih."
            ),
            mo.Html(f"<div data-testid='tabel-program-bertanda'>{mo.as_html(_tabel)}</div>")
            if _bertanda
            else mo.md("Tidak ada program bertanda kinerja."),
        ]
    )
    return


@app.cell
def _(bulan, mo, persen, reports, rincian, rupiah, tabel_rupiah):
    _sd = reports.NAMA_BULAN[int(bulan.value) - 1]
    _flagged = [r for r in rincian if r["tanda"]]
    _frame = tabel_rupiah(
        _flagged,
        [
            ("opd", "OPD", "teks"),
            ("kode_sub_kegiatan", "Kode sub kegiatan", "teks"),
            ("nama_sub_kegiatan", "Sub kegiatan", "teks"),
            ("pagu_akhir", "Pagu akhir", "rupiah"),
            ("realisasi", "Realisasi", "rupiah"),
            ("serapan", "Serapan %", "persen"),
            ("rencana_kas_sd", f"Rencana kas s.d. {_sd}", "rupiah"),
            ("capaian_rencana_kas", "Realisasi thd rencana kas %", "persen"),
            ("tanda", "Tanda", "teks"),
        ],
    )
    mo.vstack(
        [
            mo.md(f"## Sub kegiatan bertanda ({len(_flagged)} dari {len(rincian)})"),
            mo.ui.table(
                _frame,
                selection=None,
                page_size=10,
                format_mapping={
                    "Pagu akhir": rupiah,
                    "Realisasi": rupiah,
                    f"Rencana kas s.d. {_sd}": rupiah,
                    "Serapan %": persen,
                    "Realisasi thd rencana kas %": persen,
                },
                show_column_summaries=False,
                show_data_types=False,
            )
            if _flagged
            else mo.md("Tidak ada sub kegiatan bertanda."),
        ]
    )
    return


@app.cell
def _(lebih, mo, rupiah, tabel_rupiah):
    _frame = tabel_rupiah(
        lebih,
        [
            ("kode_skpd", "Kode OPD", "teks"),
            ("kode_sub_kegiatan", "Kode sub kegiatan", "teks"),
            ("kode_akun", "Kode akun", "teks"),
            ("nama_akun", "Akun", "teks"),
            ("nama_sumber_dana", "Sumber dana", "teks"),
            ("pagu_akhir", "Pagu akhir", "rupiah"),
            ("realisasi", "Realisasi", "rupiah"),
            ("kelebihan", "Kelebihan", "rupiah"),
        ],
    )
    mo.vstack(
        [
            mo.md(f"## Baris akun yang realisasinya melebihi pagu ({len(lebih)})"),
            mo.ui.table(
                _frame,
                selection=None,
                page_size=10,
                format_mapping={"Pagu akhir": rupiah, "Realisasi": rupiah, "Kelebihan": rupiah},
                show_column_summaries=False,
                show_data_types=False,
            )
            if lebih
            else mo.md("Tidak ada baris akun yang melebihi pagu."),
        ]
    )
    return


@app.cell
def _(mo, open_published, paths, pemda, reports, tahun):
    # A year still running: the forecast made at its latest month. A complete year: the one made
    # at the end of June, beside what the year actually absorbed.
    with open_published(paths) as _con:
        _terakhir = reports.reporting_month(_con, int(tahun.value), pemda.kode_pemda)
    bulan_proyeksi = mo.ui.dropdown(
        options={nama: str(i) for i, nama in enumerate(reports.NAMA_BULAN[:11], start=1)},
        value=reports.NAMA_BULAN[(_terakhir if _terakhir < 12 else 6) - 1],
        label="Proyeksi dibuat pada akhir bulan",
    )
    return (bulan_proyeksi,)


@app.cell
def _(bulan_proyeksi, open_published, paths, pilihan, reports):
    # Where the year will end (mart_proyeksi_serapan) and the review list (mart_anomali), read
    # with the same functions as `apbd laporan`.
    with open_published(paths) as _con:
        proyeksi = reports.proyeksi_rows(_con, pilihan, int(bulan_proyeksi.value))
        telaah = reports.telaah_rows(_con, pilihan)
    return proyeksi, telaah


@app.cell
def _(VEGA_LOCALE, alt, bulan_proyeksi, mo, persen, pl, proyeksi, reports, rupiah, tabel_rupiah):
    _sd = reports.NAMA_BULAN[int(bulan_proyeksi.value) - 1]
    _rendah = [r for r in proyeksi if r["is_di_bawah_ambang"]]
    _numpuk = [r for r in proyeksi if r["is_menumpuk_desember"]]
    _grafik = [r for r in proyeksi if r["proyeksi"] is not None][:15]
    _chart = None
    if _grafik:
        _data = pl.DataFrame(
            [
                {
                    "Program": f"{r['kode_program']} {r['nama_program'] or ''}"[:60],
                    "Proyeksi": float(r["proyeksi"]) * 100,
                    "Bawah": float(r["proyeksi_bawah"]) * 100,
                    "Atas": float(r["proyeksi_atas"]) * 100,
                    "Serapan saat ini": float(r["serapan"] or 0) * 100,
                }
                for r in _grafik
            ]
        )
        _y = alt.Y("Program:N", sort=None, title=None)
        _chart = (
            alt.layer(
                alt.Chart(_data)
                .mark_rule(strokeWidth=3, opacity=0.5)
                .encode(y=_y, x=alt.X("Bawah:Q", title="Serapan akhir tahun (%)"), x2="Atas:Q"),
                alt.Chart(_data).mark_point(filled=True, size=70).encode(y=_y, x="Proyeksi:Q"),
                alt.Chart(_data).mark_tick(color="gray").encode(y=_y, x="Serapan saat ini:Q"),
            )
            .properties(width="container", height=22 * len(_grafik))
            .configure(locale=VEGA_LOCALE)
        )
    _frame = tabel_rupiah(
        proyeksi,
        [
            ("opd", "OPD", "nama"),
            ("kode_program", "Kode program", "teks"),
            ("nama_program", "Program", "nama"),
            ("pagu_akhir", "Pagu akhir", "rupiah"),
            ("serapan", f"Serapan s.d. {_sd} %", "persen"),
            ("proyeksi", "Proyeksi akhir tahun %", "persen"),
            ("proyeksi_bawah", "Rentang bawah %", "persen"),
            ("proyeksi_atas", "Rentang atas %", "persen"),
            ("porsi_desember", "Porsi Desember %", "persen"),
            ("serapan_akhir", "Realisasi akhir %", "persen"),
            ("tanda", "Tanda", "teks"),
            ("alasan", "Penjelasan", "teks"),
        ],
    )
    _pc = {
        c: persen
        for c in (
            f"Serapan s.d. {_sd} %",
            "Proyeksi akhir tahun %",
            "Rentang bawah %",
            "Rentang atas %",
            "Porsi Desember %",
            "Realisasi akhir %",
        )
    }
    mo.vstack(
        [
            mo.md(
                f"""
                ## Proyeksi serapan akhir tahun (dibuat s.d. {_sd})

                {len(_rendah)} dari {len(proyeksi)} program diproyeksikan di bawah ambang serapan;
                {len(_numpuk)} menumpuk pembayaran di Desember. Aturannya satu kalimat di kolom
                Penjelasan: realisasi s.d. bulan ini + sisa rencana kas × porsi sisa rencana kas
                yang pada tahun-tahun sebelumnya terealisasi sampai Desember (ambang di
                `reference.ref_aturan_proyeksi`).
                Grafik: 15 proyeksi terendah, titik = proyeksi, garis = rentang, tanda abu-abu =
                serapan s.d. bulan ini. Untuk tahun yang sudah lengkap, kolom Realisasi akhir
                menunjukkan seberapa tepat proyeksi itu.
                """
            ),
            bulan_proyeksi,
            mo.Html(
                "<div data-testid='grafik-proyeksi'>"
                + mo.as_html(mo.ui.altair_chart(_chart)).text
                + "</div>"
            )
            if _chart is not None
            else mo.md("Belum ada proyeksi."),
            mo.Html(
                "<div data-testid='tabel-proyeksi'>"
                + mo.as_html(
                    mo.ui.table(
                        _frame,
                        selection=None,
                        page_size=10,
                        format_mapping={"Pagu akhir": rupiah, **_pc},
                        show_column_summaries=False,
                        show_data_types=False,
                    )
                ).text
                + "</div>"
            ),
        ]
    )
    return


@app.cell
def _(mo, rupiah, tabel_rupiah, telaah):
    _frame = tabel_rupiah(
        telaah,
        [
            ("nama_aturan", "Aturan", "teks"),
            ("kode_skpd", "Kode OPD", "teks"),
            ("penerima", "Penerima", "teks"),
            ("nilai", "Nilai ditelaah", "rupiah"),
            ("nomor_sp2d", "Nomor SP2D", "teks"),
            ("kunci_rincian", "Baris rincian DPA", "teks"),
            ("alasan", "Untuk ditelaah", "teks"),
        ],
    )
    mo.vstack(
        [
            mo.md(f"## Daftar telaah ({len(telaah)}): bahan pemeriksaan, bukan tuduhan"),
            mo.ui.table(
                _frame,
                selection=None,
                page_size=10,
                format_mapping={"Nilai ditelaah": rupiah},
                show_column_summaries=False,
                show_data_types=False,
            )
            if telaah
            else mo.md("Tidak ada kasus untuk ditelaah pada pilihan ini."),
        ]
    )
    return


@app.cell
def _(mo, open_published, paths, persen, pilihan, reports, rupiah, tabel_rupiah):
    # Issue 14 §2: what the OPDs report as realisasi keuangan against the SP2D paid.
    with open_published(paths) as _con:
        _rekon = reports.rekonsiliasi_rows(_con, pilihan)
        _status = _con.execute(
            """select status, count(*) from marts.mart_rekonsiliasi_realisasi
            where kode_pemda = $p and tahun = $t and triwulan = (select max(triwulan)
                from marts.mart_rekonsiliasi_realisasi where kode_pemda = $p and tahun = $t)
            group by status""",
            {"p": pilihan.kode_pemda, "t": pilihan.tahun},
        ).fetchall()
    _n = dict(_status)
    _frame = tabel_rupiah(
        _rekon,
        [
            ("triwulan", "Triwulan", "teks"),
            ("opd", "OPD", "teks"),
            ("status_teks", "Status", "teks"),
            ("dilaporkan_rp", "Dilaporkan OPD", "rupiah"),
            ("sp2d_rp", "SP2D s.d. akhir triwulan", "rupiah"),
            ("selisih_rp", "Selisih", "rupiah"),
            ("selisih_persen", "Selisih %", "persen"),
            ("kode_sub_kegiatan", "Kode sub kegiatan", "teks"),
            ("nama_sub_kegiatan", "Sub kegiatan", "nama"),
            ("alasan", "Penjelasan", "teks"),
        ],
    )
    mo.vstack(
        [
            mo.md(
                "## Laporan OPD terhadap SP2D (rekonsiliasi)\n\n"
                "Realisasi keuangan yang dilaporkan OPD di laporan kinerja triwulan terakhir "
                "dibandingkan SP2D yang diakui sebagai belanja s.d. akhir triwulan itu (seluruh "
                f"{pilihan.pemda.jenis_teks}, triwulan terakhir): {_n.get('cocok', 0)} cocok, "
                f"{_n.get('selisih', 0)} selisih di luar toleransi, "
                f"{_n.get('dilaporkan_tanpa_sp2d', 0)} dilaporkan tanpa SP2D, "
                f"{_n.get('sp2d_tanpa_laporan', 0)} SP2D tanpa laporan. "
                "Toleransi: `reference.ref_toleransi_rekonsiliasi`. Sama dengan sheet "
                "*Rekonsiliasi* di `apbd laporan`."
            ),
            mo.Html(
                "<div data-testid='tabel-rekonsiliasi'>"
                + mo.as_html(
                    mo.ui.table(
                        _frame,
                        selection=None,
                        page_size=10,
                        format_mapping={
                            "Dilaporkan OPD": rupiah,
                            "SP2D s.d. akhir triwulan": rupiah,
                            "Selisih": rupiah,
                            "Selisih %": lambda v: persen(v),
                        },
                        show_column_summaries=False,
                        show_data_types=False,
                    )
                ).text
                + "</div>"
            )
            if _rekon
            else mo.md("Semua laporan triwulan terakhir cocok dengan SP2D."),
        ]
    )
    return


if __name__ == "__main__":
    app.run()
