"""`apbd`: the command planners, finance staff and operators use. Help text is Indonesian."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from dagster_project.lib.core.fmt import angka, persen, rupiah

app = typer.Typer(
    help="Gudang data APBD Kota Samarinda (APBD evidence warehouse).",
    epilog="Nama Inggris juga diterima (English aliases): kueri = query, skenario = scenario, "
    "pulihkan = rollback, laporan = report, banding = compare, ekspor = export, aplikasi = app, "
    "hapus-data-pribadi = purge-personal-data.",
    no_args_is_help=True,
    add_completion=False,
)
contracts_app = typer.Typer(help="Kontrak data (data contracts).", no_args_is_help=True)
app.add_typer(contracts_app, name="contracts")
console = Console()
err = Console(stderr=True)

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Folder data (default: ./data atau APBD_DATA_DIR)."),
]

PemdaOption = Annotated[
    str | None,
    typer.Option(
        "--pemda",
        help="Kode pemda Kemendagri (mis. 64.72); bawaan: satu-satunya pemda yang ada.",
    ),
]


def _command(name: str, alias: str):
    """A command under its Indonesian name, and under its English alias (not listed twice)."""

    def register(fn):
        app.command(name)(fn)
        app.command(alias, hidden=True)(fn)
        return fn

    return register


def _pemda_of(paths, kode: str) -> str:
    """`--pemda kode` when the deployment holds it, else a message listing the pemda it holds."""
    from dagster_project.lib.contracts.pemda import PemdaError, resolve_pemda

    try:
        return resolve_pemda(paths, kode) or kode
    except PemdaError as exc:
        _fail(exc.message, "ulangi dengan --pemda <kode> salah satu pemda yang ada")
        raise  # unreachable: _fail exits


def _only_pemda(paths) -> str | None:
    """The one pemda of the deployment, or None when it holds none or several."""
    from dagster_project.lib.contracts.pemda import pemda_present

    present = pemda_present(paths)
    return present[0] if len(present) == 1 else None


def _fail(message: str, hint: str) -> None:
    from rich.markup import escape

    from dagster_project.lib.core.safe_cells import terminal_text

    # Messages quote user input (SQL, paths): never markup, never terminal control codes.
    message, hint = escape(terminal_text(message)), escape(terminal_text(hint))
    err.print(f"[bold red]Gagal:[/] {message}\n[dim]Yang bisa dilakukan:[/] {hint}")
    raise typer.Exit(code=1)


@app.command()
def demo(
    scale: Annotated[float, typer.Option(help="Pengali volume data (skala benchmark).")] = 1.0,
    seed: Annotated[int, typer.Option(help="Benih acak; sama benih = berkas identik.")] = 20240101,
    tanpa_efek: Annotated[
        bool,
        typer.Option(
            "--tanpa-efek",
            help="Dunia plasebo: anggaran dan belanja sama, tetapi tidak ada program yang "
            "benar-benar berdampak (uji metode bukti).",
        ),
    ] = False,
    sipd_export: Annotated[
        bool,
        typer.Option(
            "--sipd-export",
            help="Tulis rincian belanja sebagai satu ekspor SIPD seluruh pemda per tahun dan "
            "tahapan (sipd/rincian_pemda/), bukan satu berkas rincian per OPD.",
        ),
    ] = False,
    pemda: Annotated[
        int,
        typer.Option(
            "--pemda",
            min=1,
            help="Jumlah pemda: 1 = Kota Samarinda saja; lebih dari 1 = Samarinda dan kab/kota "
            "lain yang diundi dari daftar ref_pemda, masing-masing di landing/<kode_pemda>/.",
        ),
    ] = 1,
    data_dir: DataDir = None,
) -> None:
    """Tulis data demo Samarinda ke data/landing (write the demo landing files)."""
    from dagster_project.lib.contracts.pemda import DEFAULT_PEMDA, write_pemda_bawaan
    from dagster_project.lib.demo.generator import generate
    from dagster_project.runtime import configure_environment

    paths = configure_environment(data_dir)
    write_pemda_bawaan(paths, DEFAULT_PEMDA)  # what landing/<sistem>/… means
    if pemda > 1:
        from dagster_project.lib.demo.banyak_pemda import generate_banyak

        many = generate_banyak(
            paths.landing,
            pemda,
            seed=seed,
            scale=scale,
            tanpa_efek=tanpa_efek,
            sipd_export=sipd_export,
        )
        console.print(
            f"{many['jumlah_berkas']} berkas demo untuk {pemda} pemda ditulis ke "
            f"{paths.landing}: "
            + ", ".join(f"{p['kode_pemda']} {p['nama_pemda']}" for p in many["pemda"])
        )
        return
    manifest = generate(
        paths.landing, seed=seed, scale=scale, tanpa_efek=tanpa_efek, sipd_export=sipd_export
    )
    console.print(f"{len(manifest['files'])} berkas demo ditulis ke {paths.landing}")


@app.command()
def run(
    data_dir: DataDir = None,
    demo_if_empty: Annotated[
        bool, typer.Option("--demo/--no-demo", help="Buat data demo bila landing kosong.")
    ] = True,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose", "-v", help="Tampilkan semua log (dbt, Dagster) di layar, bukan ke berkas."
        ),
    ] = False,
    pemda: PemdaOption = None,
    penuh: Annotated[
        bool,
        typer.Option(
            "--penuh",
            help="Bangun ulang semua tabel dari seluruh data raw, bukan hanya pemda yang datanya "
            "berubah sejak mart terakhir terbit (rebuild everything).",
        ),
    ] = False,
) -> None:
    """Jalankan seluruh pipeline: ingest, dbt, gerbang mutu, terbit (run everything).

    Layar: satu bilah kemajuan per tahap dan ringkasan; log lengkap ke data/logs/."""
    import contextlib
    import time
    from datetime import datetime

    from dagster_project.lib.core.capture import capture_output
    from dagster_project.lib.ingest.pseudonymise import ensure_hmac_key
    from dagster_project.lib.outputs.run_summary import StageBars, print_run_summary
    from dagster_project.runtime import (
        STAGES,
        configure_environment,
        ensure_dbt_manifest,
        run_pipeline,
    )

    t0 = time.perf_counter()
    paths = configure_environment(data_dir)
    if pemda is not None:
        _pemda_of(paths, pemda)  # an unknown or absent pemda is told before the run, not after
    ensure_hmac_key(paths)  # a local key (data/.secrets, mode 600) unless APBD_HMAC_KEY is set
    if penuh:
        from dagster_project.lib.transform.irisan import forget_state

        forget_state(paths)  # no state to start from: dbt builds every table from all raw
    make_demo = demo_if_empty and not any(p.is_file() for p in paths.landing.rglob("*"))
    log_file = None if verbose else paths.logs / f"run_{datetime.now():%Y%m%dT%H%M%S}.log"
    stages: dict[str, float] = {}
    names = ["data demo"] * make_demo + ["persiapan", *STAGES]
    try:
        with contextlib.ExitStack() as stack:
            terminal = stack.enter_context(capture_output(log_file)) if log_file else None
            bars = stack.enter_context(StageBars(Console(file=terminal), names, disable=verbose))
            if make_demo:
                from dagster_project.lib.demo.generator import generate

                t = time.perf_counter()
                bars.begin("data demo")
                generate(paths.landing)
                bars.finish("data demo")
                stages["data demo"] = time.perf_counter() - t
            t = time.perf_counter()
            bars.begin("persiapan")
            ensure_dbt_manifest()
            bars.finish("persiapan")
            stages["persiapan"] = time.perf_counter() - t
            report = run_pipeline(log_level="INFO", on_progress=bars.update, log_file=log_file)
            if report.success:
                for name in STAGES:
                    bars.finish(name)
    except BaseException:
        if log_file is not None:
            err.print(
                f"[bold red]Run terhenti.[/] Log lengkap: {log_file}",
                highlight=False,
                soft_wrap=True,
            )
        raise
    stages.update(report.stage_seconds)
    print_run_summary(
        console, paths, report, stages, time.perf_counter() - t0, log_file, pemda=pemda
    )
    if not report.success:
        raise typer.Exit(code=1)


@app.command()
def status(
    data_dir: DataDir = None,
    opd: Annotated[
        str | None, typer.Option("--opd", help="Hanya kiriman satu pengirim (kode SKPD/bpkad).")
    ] = None,
    jumlah: Annotated[int, typer.Option(help="Kiriman terakhir yang ditampilkan.")] = 15,
    pemda: PemdaOption = None,
) -> None:
    """Versi mart terbit, slot data yang basi, dan umpan balik kiriman (publish status).

    Dengan beberapa pemda dan tanpa --pemda: ringkasan per pemda lebih dulu."""
    from dagster_project.lib.outputs.status import print_status
    from dagster_project.runtime import configure_environment

    paths = configure_environment(data_dir)
    chosen = _pemda_of(paths, pemda) if pemda is not None else _only_pemda(paths)
    print_status(console, paths, opd=opd, jumlah=jumlah, pemda=chosen)


@_command("kueri", "query")
def query(
    sql: Annotated[str, typer.Argument(help="SQL SELECT atas mart terbit.")],
    data_dir: DataDir = None,
    limit: Annotated[int, typer.Option(help="Baris maksimum yang ditampilkan.")] = 50,
    fmt: Annotated[
        str, typer.Option("--format", help="table (layar), csv, xlsx atau parquet.")
    ] = "table",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Berkas hasil untuk csv/xlsx/parquet.")
    ] = None,
    timpa: Annotated[bool, typer.Option("--timpa", help="Timpa berkas --output yang ada.")] = False,
) -> None:
    """Kueri SQL hanya-baca atas mart terbit (read-only SQL on the published mart)."""
    import duckdb

    from dagster_project.lib.outputs.query_results import (
        OutputRefused,
        check_output,
        output_format,
        query_table,
        query_to_file,
    )
    from dagster_project.lib.publish.access import LimitSettingInvalid, QueryRefused, QueryStopped
    from dagster_project.runtime import configure_environment

    paths = configure_environment(data_dir)
    try:
        fmt = output_format(fmt, output)
        if fmt == "table":
            console.print(query_table(paths, sql, limit))
            return
        timpa = timpa or _ask_overwrite(output)
        target = check_output(paths, output, fmt, overwrite=timpa)
        console.print(f"{query_to_file(paths, sql, target, fmt)} baris ditulis ke {target}")
    except OutputRefused as exc:
        _fail(exc.message, exc.hint)
    except QueryStopped as exc:
        _fail(exc.message, "persempit kueri lalu coba lagi")
    except QueryRefused as exc:
        _fail(f"perintah ditolak. {exc.message}", 'contoh: apbd kueri "select ... from marts..."')
    except FileNotFoundError as exc:
        _fail(str(exc), "jalankan: apbd run")
    except OSError as exc:
        _fail(f"hasil tidak bisa ditulis: {exc.strerror or exc}", "pilih folder atau nama lain")
    except LimitSettingInvalid as exc:
        _fail(str(exc), "perbaiki variabel APBD_QUERY_* atau hapus agar memakai nilai bawaan")
    except duckdb.Error as exc:
        _fail(str(exc).splitlines()[0], 'periksa nama tabel/kolom: apbd kueri "show all tables"')


def _ask_overwrite(output: Path | None) -> bool:
    """On a terminal, ask before overwriting an existing --output file (elsewhere: --timpa)."""
    if output is None or not output.is_file() or not sys.stdin.isatty():
        return False
    return typer.confirm(f"Berkas {output} sudah ada. Timpa?", default=False)


@_command("pulihkan", "rollback")
def rollback(
    versi: Annotated[
        str | None, typer.Option(help="Versi tujuan (default: versi sebelumnya).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Kembalikan mart terbit ke versi arsip sebelumnya (restore an archived version)."""
    from dagster_project.lib.publish.publisher import PublishError
    from dagster_project.lib.publish.publisher import rollback as do_rollback
    from dagster_project.runtime import configure_environment

    paths = configure_environment(data_dir)
    try:
        entry = do_rollback(paths, versi)
    except (FileNotFoundError, ValueError, PublishError) as exc:
        _fail(str(exc), "lihat daftar versi dengan: apbd status")
    console.print(
        f"Mart dikembalikan ke versi {entry.get('restored_version', versi)} "
        f"(sha256 {entry['sha256'][:12]}; dicatat sebagai {entry['version']})."
    )


@_command("skenario", "scenario")
def scenario(
    tahun: Annotated[
        int, typer.Option("--tahun", help="Tahun anggaran yang diusulkan, mis. 2026.")
    ],
    pagu_total: Annotated[
        str,
        typer.Option(
            "--pagu-total",
            help="Pagu total (plafon belanja) dalam rupiah penuh: 3183000000000 atau "
            "3.183.000.000.000.",
        ),
    ],
    lindungi: Annotated[
        list[str] | None,
        typer.Option(
            "--lindungi",
            help="Kode program (U.BB.PP) yang tidak boleh turun dari pagu tahun lalu; boleh "
            "diulang.",
        ),
    ] = None,
    lantai_opd: Annotated[
        list[str] | None,
        typer.Option(
            "--lantai-opd",
            help="Pagu minimal satu OPD: <kode_skpd>=<rupiah>, mis. "
            "1.02.0.00.0.00.01.0000=600.000.000.000; boleh diulang.",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", help="Berkas XLSX (default: data/exports/skenario_<id>.xlsx)."),
    ] = None,
    tier_berkas: Annotated[
        Path | None,
        typer.Option(
            "--tier-berkas",
            help="CSV tier (kode_skpd,kode_program,tier) dipakai sebagai ganti "
            "marts.mart_prioritas_alokasi.",
        ),
    ] = None,
    aturan_mendatang: Annotated[
        bool,
        typer.Option(
            "--aturan-mendatang/--hanya-aturan-wajib",
            help="Pratinjau: jaga juga batas yang baru wajib sesudah tahun skenario (UU HKPD, "
            "mulai 2027). Default: hanya aturan yang berlaku pada tahun skenario.",
        ),
    ] = False,
    dasar_tahap: Annotated[
        str,
        typer.Option(
            "--dasar",
            help="Dasar skenario: murni (default: APBD murni tahun dasar, seperti saat KUA-PPAS "
            "disusun) atau perubahan (posisi akhir tahun dasar).",
        ),
    ] = "murni",
    simpan: Annotated[
        bool,
        typer.Option(
            "--simpan/--tanpa-simpan",
            help="Simpan ke data/scenarios agar masuk mart pada penerbitan berikutnya.",
        ),
    ] = True,
    pemda: PemdaOption = None,
    data_dir: DataDir = None,
) -> None:
    """Usulan alokasi tahun depan per OPD dan program di bawah pagu total (allocation scenario)."""
    from dagster_project.lib.planning import scenario as sk
    from dagster_project.lib.planning.store import save as save_skenario
    from dagster_project.lib.planning.workbook import write_xlsx
    from dagster_project.lib.publish.publisher import open_published
    from dagster_project.runtime import configure_environment

    paths = configure_environment(data_dir)
    try:
        total = sk.parse_rupiah_bulat(pagu_total)
        lantai = []
        for item in lantai_opd or []:
            kode, sep, nilai = item.partition("=")
            if not sep or not kode.strip():
                raise sk.SkenarioError(
                    f"Lantai OPD {item!r} harus berbentuk <kode_skpd>=<rupiah>, mis. "
                    "1.02.0.00.0.00.01.0000=600000000000."
                )
            lantai.append((kode.strip(), sk.parse_rupiah_bulat(nilai)))
        opsi = sk.OpsiSkenario(
            lindungi=tuple(lindungi or ()),
            lantai_opd=tuple(lantai),
            hanya_aturan_wajib=not aturan_mendatang,
        )
        with open_published(paths) as con:
            dasar = sk.load_dasar(con, tahun, dasar_tahap, pemda)
            aturan = sk.load_aturan(con)
            kebijakan = sk.load_kebijakan(con, pemda)
            tier = sk.load_tier_csv(tier_berkas) if tier_berkas else sk.load_tier(con, tahun, pemda)
        hasil = sk.compute_skenario(
            dasar, tier, aturan, tahun=tahun, pagu_total=total, opsi=opsi, kebijakan=kebijakan
        )
    except sk.SkenarioTidakLayak as exc:
        _fail(str(exc), "naikkan --pagu-total, kurangi --lindungi atau --lantai-opd.")
    except sk.SkenarioError as exc:
        _fail(str(exc), "periksa pilihan perintah: apbd skenario --help")
    except FileNotFoundError as exc:
        _fail(str(exc), "jalankan pipeline dulu: apbd run")
    xlsx = output or paths.exports / f"skenario_{hasil.id_skenario}.xlsx"
    write_xlsx(hasil, xlsx)
    stored = save_skenario(hasil, paths) if simpan else None
    _print_skenario(hasil, xlsx, stored)


def _print_skenario(hasil, xlsx: Path, stored: Path | None) -> None:
    from decimal import Decimal

    dasar = Decimal(hasil.baris["pagu_dasar_rp"].sum())
    beda = Decimal(hasil.pagu_total) - dasar
    console.print(
        f"[bold]Skenario {hasil.id_skenario}[/]: TA {hasil.tahun}, pagu total "
        f"{rupiah(hasil.pagu_total)} (dasar TA {hasil.tahun_dasar} {hasil.tahap_dasar}: "
        f"{rupiah(dasar)}, "
        f"{'naik' if beda >= 0 else 'turun'} {rupiah(abs(beda))})"
    )
    if kunci := hasil.kunci_per_jenis():
        from dagster_project.lib.planning.scenario import JENIS_KUNCI

        console.print(
            f"Tidak dapat dipindah {rupiah(sum(kunci.values()))}: "
            + ", ".join(f"{JENIS_KUNCI[j].lower()} {rupiah(v)}" for j, v in kunci.items())
            + " (rincian dan dasar hukum: lembar 'Kunci dan lantai')."
        )
    cek = Table(title="Batas belanja wajib pada usulan")
    for col, just in (("Aturan", "left"), ("Porsi", "right"), ("Status", "left"), ("", "left")):
        cek.add_column(col, justify=just)
    for c in hasil.cek:
        if c.memenuhi:
            status = "[green]memenuhi[/]"
        else:
            status = "[red]KONFLIK[/]" if c.arah == "maksimal" else "[red]TIDAK[/]"
        cek.add_row(c.nama, persen(c.porsi_persen), status, c.status)
    console.print(cek)
    for teks in hasil.konflik:
        console.print(f"[bold red]Konflik:[/] {teks}")
    for teks in hasil.catatan:
        console.print(f"[dim]Catatan:[/] {teks}")
    console.print("[bold]10 perubahan terbesar[/]")
    for n, r in enumerate(hasil.perubahan_terbesar(10).iter_rows(named=True), start=1):
        arah = "naik" if r["perubahan_rp"] > 0 else "turun"
        console.print(
            f"{n:>2}. {r['nama_skpd'] or r['kode_skpd']} — {r['nama_program'] or ''} "
            f"({r['kode_program']}), tier {r['tier']}: {arah} {rupiah(abs(r['perubahan_rp']))} "
            f"({persen(r['perubahan_persen'])}), dari {rupiah(r['pagu_dasar_rp'], short=True)} "
            f"menjadi {rupiah(r['pagu_usulan_rp'], short=True)}.\n    Alasan: {r['alasan']}"
        )
    console.print(f"Buku kerja: {xlsx}")
    if stored:
        console.print(
            f"Disimpan: {stored} (masuk marts.mart_skenario_alokasi pada `apbd run` berikutnya)"
        )


class FormatLaporan(StrEnum):
    xlsx = "xlsx"
    html = "html"
    pdf = "pdf"


def _progress():
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


@_command("laporan", "report")
def laporan(
    tahun: Annotated[
        int | None,
        typer.Option("--tahun", "--year", help="Tahun anggaran (default: tahun terakhir di mart)."),
    ] = None,
    opd: Annotated[
        str | None,
        typer.Option(help="OPD: kode, singkatan atau sebagian nama (mis. Dinkes). / Agency."),
    ] = None,
    program: Annotated[
        str | None,
        typer.Option(help="Kode program (mis. 1.02.02) atau sebagian namanya. / Programme."),
    ] = None,
    format: Annotated[
        list[FormatLaporan] | None,
        typer.Option(
            "--format",
            "-f",
            help="xlsx (Excel), html (cetak dari peramban), pdf; boleh diulang. Default: xlsx.",
        ),
    ] = None,
    bulan: Annotated[
        int | None,
        typer.Option(
            "--bulan",
            "--month",
            help="Bulan pembanding rencana kas (1–12; default: bulan terakhir dengan SP2D).",
        ),
    ] = None,
    ambang: Annotated[
        float,
        typer.Option(
            help="Tandai bila realisasi < ambang % dari rencana kas s.d. bulan laporan.",
        ),
    ] = 50.0,
    keluar: Annotated[
        Path | None,
        typer.Option("--keluar", "--out", help="Folder hasil (default: data/exports/laporan)."),
    ] = None,
    pembanding: Annotated[
        bool,
        typer.Option(
            "--pembanding",
            "--peers",
            help="Laporan pemda di antara pemda pembanding (APBD DJPK, IPM dan kemiskinan "
            "BPS) sebagai ganti laporan realisasi.",
        ),
    ] = False,
    kelompok: Annotated[
        str | None,
        typer.Option(
            "--kelompok",
            "--group",
            help="Dengan --pembanding: kelompok pembanding (sebanding, provinsi, pulau, nasional, "
            "…; default: kota/kabupaten sebanding).",
        ),
    ] = None,
    pemda: Annotated[
        str | None,
        typer.Option(
            help="Kode pemda Kemendagri laporan (mis. 64.72); bawaan: satu-satunya pemda di mart "
            "terbit, atau pemda_bawaan. Dengan --pembanding: pemda yang dibandingkan (kode 64.72, "
            "kode BPS 6472 atau nama)."
        ),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Laporan XLSX/HTML/PDF per OPD atau program: pagu, realisasi, serapan (finance report);
    dengan --pembanding: posisi pemda di antara pemda pembanding (peer report)."""
    from decimal import Decimal

    import duckdb

    from dagster_project.lib.contracts.pemda import PemdaError, pilih_pemda_terbit
    from dagster_project.lib.outputs import pembanding as pb
    from dagster_project.lib.outputs import reports
    from dagster_project.lib.publish.publisher import open_published
    from dagster_project.runtime import configure_environment

    paths = configure_environment(data_dir)
    formats = list(dict.fromkeys(f.value for f in (format or [FormatLaporan.xlsx])))
    out_dir = (keluar or paths.exports / "laporan").resolve()
    if not 0 < ambang <= 100:
        _fail(f"Ambang {ambang} % tidak sah.", "pakai angka antara 1 dan 100, mis. --ambang 50")
    if pembanding and (opd or program or bulan):
        _fail(
            "--opd, --program dan --bulan tidak berlaku untuk laporan pembanding.",
            "pakai --kelompok, --pemda dan --tahun bersama --pembanding",
        )
    if not pembanding and kelompok:
        _fail("--kelompok hanya untuk laporan pembanding.", "tambahkan --pembanding")
    written: list[Path] = []
    try:
        with _progress() as progress:
            task = progress.add_task("Membaca mart terbit", total=1 + len(formats))
            meta = reports.published_meta(paths)
            with open_published(paths) as con:
                if pembanding:
                    gudang = pilih_pemda_terbit(con, paths)  # whose warehouse writes it
                    pilihan = pb.resolve_pembanding(
                        con, kelompok=kelompok, tahun=tahun, pemda=pemda or gudang.kode_pemda
                    )
                    rep = pb.build_pembanding_report(con, pilihan, meta=meta)
                    rep.nama_pemda = gudang.nama_pemda
                else:
                    dipilih = pilih_pemda_terbit(con, paths, pemda)
                    sel = reports.resolve_selection(con, tahun, opd, program, dipilih)
                    rep = reports.build_report(
                        con, sel, meta=meta, bulan=bulan, ambang=Decimal(str(ambang)) / 100
                    )
            progress.advance(task)
            for fmt in formats:
                progress.update(task, description=f"Menulis {fmt.upper()}")
                written.append(reports.WRITERS[fmt](rep, out_dir / f"{rep.file_stem}.{fmt}"))
                progress.advance(task)
    except reports.ReportError as exc:
        _fail(exc.message, exc.hint)
    except PemdaError as exc:
        _fail(exc.message, "ulangi dengan --pemda <kode> salah satu pemda yang ada")
    except FileNotFoundError as exc:
        _fail(str(exc).split(". ")[0] + ".", "jalankan: make run (atau apbd run)")
    except duckdb.Error as exc:
        _fail(f"Mart terbit tidak bisa dibaca: {str(exc).splitlines()[0]}", "lihat: apbd status")
    except OSError as exc:
        _fail(
            f"Tidak bisa menulis ke {out_dir}: {exc.strerror or exc}.",
            "pilih folder lain dengan --keluar",
        )
    if pembanding:
        console.print(
            f"[bold]{rep.title}[/] ({pilihan.nama_kelompok}, {pilihan.jumlah_pemda} pemda):"
        )
        for row in rep.tables[0].rows:
            persentil = angka(row["persentil_kelompok"], 1)
            console.print(f"  {row['kalimat']}; persentil {persentil}", markup=False)
        for p in written:
            console.print(f"  ditulis: {p}")
        return
    total = reports.totals(rep.tables[1].rows)
    console.print(
        f"[bold]{rep.title}[/]: pagu akhir {rupiah(total['pagu_akhir'])}, realisasi "
        f"{rupiah(total['realisasi'])}, serapan "
        f"{persen(total['serapan'] * 100 if total['serapan'] is not None else None)}; "
        f"{sum(1 for r in rep.tables[1].rows if r['tanda'])} sub kegiatan bertanda."
    )
    for p in written:
        console.print(f"  ditulis: {p}")


@_command("banding", "compare")
def banding(
    tahun: Annotated[int, typer.Option("--tahun", "--year", help="Tahun anggaran.")],
    dari: Annotated[
        str, typer.Option("--dari", "--from", help="Tahap awal (murni, pergeseran_1, …).")
    ] = "murni",
    ke: Annotated[
        str | None,
        typer.Option(
            "--ke", "--to", help="Tahap sesudahnya (perubahan, …; default: tahap terakhir)."
        ),
    ] = None,
    keluar: Annotated[
        Path | None,
        typer.Option("--keluar", "--out", help="Folder hasil (default: data/exports/laporan)."),
    ] = None,
    pemda: Annotated[
        str | None,
        typer.Option(
            "--pemda",
            help="Kode pemda Kemendagri (mis. 64.72); bawaan: satu-satunya pemda di mart terbit, "
            "atau pemda_bawaan.",
        ),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Perubahan APBD baris demi baris antara dua tahap DPA, perubahan terbesar lebih dulu (XLSX)
    (budget changes line by line between two phases)."""
    import duckdb

    from dagster_project.lib.contracts.pemda import PemdaError, pilih_pemda_terbit
    from dagster_project.lib.outputs import banding as bd
    from dagster_project.lib.outputs import reports
    from dagster_project.lib.publish.publisher import open_published
    from dagster_project.runtime import configure_environment

    paths = configure_environment(data_dir)
    out_dir = (keluar or paths.exports / "laporan").resolve()
    try:
        meta = reports.published_meta(paths)
        with open_published(paths) as con:
            dipilih = pilih_pemda_terbit(con, paths, pemda)
            tahap = bd.tahap_tersedia(con, tahun, dipilih)
            rep = bd.build_banding_report(
                con,
                tahun,
                dari,
                ke or (tahap[-1] if tahap else "perubahan"),
                meta=meta,
                pemda=dipilih,
            )
        path = reports.write_xlsx(rep, out_dir / f"{rep.file_stem}.xlsx")
    except reports.ReportError as exc:
        _fail(exc.message, exc.hint)
    except PemdaError as exc:
        _fail(exc.message, "ulangi dengan --pemda <kode> salah satu pemda yang ada")
    except FileNotFoundError as exc:
        _fail(str(exc).split(". ")[0] + ".", "jalankan: make run (atau apbd run)")
    except duckdb.Error as exc:
        _fail(f"Mart terbit tidak bisa dibaca: {str(exc).splitlines()[0]}", "lihat: apbd status")
    except OSError as exc:
        _fail(
            f"Tidak bisa menulis ke {out_dir}: {exc.strerror or exc}.",
            "pilih folder lain dengan --keluar",
        )
    baris = rep.tables[0].rows
    console.print(
        f"[bold]{rep.title}[/]: {len(baris)} baris berubah, ditambah, dihapus atau dipindah; "
        f"selisih bersih {rupiah(rep.tables[0].total['selisih_rp'])}."
    )
    for r in baris[:10]:
        console.print(
            f"  {r['status_teks']:<9} {rupiah(r['selisih_rp']):>20}  {r['nama_skpd']}: "
            f"{r['uraian']}",
            markup=False,
        )
    console.print(f"  ditulis: {path}")


@_command("ekspor", "export")
def ekspor(
    keluar: Annotated[
        Path | None,
        typer.Option("--keluar", "--out", help="Folder hasil (default: data/exports/apbd)."),
    ] = None,
    validasi: Annotated[
        bool,
        typer.Option(
            "--validasi/--tanpa-validasi",
            help="Periksa paket dengan frictionless setelah ditulis (validate the package).",
        ),
    ] = True,
    pemda: Annotated[
        str | None,
        typer.Option(
            "--pemda",
            help="Kode pemda Kemendagri yang diekspor (mis. 64.72); bawaan: satu-satunya pemda "
            "di mart terbit, atau pemda_bawaan.",
        ),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Ekspor data terbuka satu pemda: Parquet, CSV dan Fiscal Data Package (open-data export)."""
    import duckdb

    from dagster_project.lib.contracts.pemda import PemdaError
    from dagster_project.lib.outputs.exports import (
        SmallCellError,
        export_published,
        validate_package,
    )
    from dagster_project.runtime import configure_environment

    paths = configure_environment(data_dir)
    try:
        with _progress() as progress:
            task = progress.add_task("Ekspor", total=None)

            def step(desc: str, done: int, total: int) -> None:
                progress.update(task, description=desc, completed=done, total=total)

            result = export_published(paths, keluar, on_progress=step, pemda=pemda)
            errors: list[str] = []
            if validasi:
                progress.update(task, description="Validasi frictionless", total=None)
                errors = validate_package(result.descriptor)
    except FileNotFoundError as exc:
        _fail(str(exc).split(". ")[0] + ".", "jalankan: make run (atau apbd run)")
    except SmallCellError as exc:
        _fail(str(exc), "jalankan: apbd run (mart baru menerapkan aturan sel kecil)")
    except PemdaError as exc:
        _fail(exc.message, "ulangi dengan --pemda <kode> salah satu pemda yang ada")
    except duckdb.Error as exc:
        _fail(f"Mart terbit tidak bisa dibaca: {str(exc).splitlines()[0]}", "lihat: apbd status")
    except OSError as exc:
        _fail(
            f"Tidak bisa menulis ekspor: {exc.strerror or exc}.",
            "pilih folder lain dengan --keluar, atau periksa ruang disk",
        )
    table = Table(title=f"Ekspor ke {result.folder}")
    table.add_column("tabel")
    table.add_column("baris", justify="right")
    for name, n in result.tables.items():
        table.add_row(name, f"{n:,}".replace(",", "."))
    console.print(table)
    console.print(f"Fiscal Data Package: {result.descriptor}")
    if errors:
        for e in errors[:10]:
            err.print(f"  [red]✗[/] {e}")
        _fail(
            f"Paket tidak lolos validasi frictionless ({len(errors)} galat).",
            "laporkan ke tim data; galat pertama tercantum di atas",
        )
    if validasi:
        console.print("[green]✓[/] lolos validasi frictionless")


NOTEBOOK_APPS = {"perencana": "01_perencana_alokasi.py", "keuangan": "02_keuangan_serapan.py"}


@_command("aplikasi", "app")
def aplikasi(
    nama: Annotated[str, typer.Argument(help="perencana atau keuangan.")] = "perencana",
    host: Annotated[
        str, typer.Option(help="Alamat yang didengar (default hanya komputer ini).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 2718,
    berkas_token: Annotated[
        Path | None,
        typer.Option(
            "--berkas-token", help="Berkas berisi token login (wajib bila bukan 127.0.0.1)."
        ),
    ] = None,
    nama_host: Annotated[
        list[str] | None,
        typer.Option(
            "--nama-host", help="Nama host lain yang boleh dipakai peramban (boleh berulang)."
        ),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Aplikasi web perencana/keuangan (marimo), hanya untuk halamannya sendiri (web app)."""
    from dagster_project.lib.core.paths import PROJECT_ROOT
    from dagster_project.lib.outputs.app_server import AppServerError, serve
    from dagster_project.runtime import configure_environment

    if nama not in NOTEBOOK_APPS:
        _fail(f"aplikasi '{nama}' tidak dikenal.", "pilih " + " atau ".join(NOTEBOOK_APPS))
    configure_environment(data_dir)
    console.print(f"Aplikasi {nama}: http://{host}:{port}/ (Ctrl-C untuk berhenti)")
    try:
        serve(
            PROJECT_ROOT / "notebooks" / NOTEBOOK_APPS[nama],
            host=host,
            port=port,
            token_file=berkas_token,
            extra_hosts=nama_host or (),
        )
    except AppServerError as exc:
        _fail(str(exc), "lihat README, bagian aplikasi untuk komputer lain.")


@_command("hapus-data-pribadi", "purge-personal-data")
def hapus_data_pribadi(
    sebelum: Annotated[
        str | None,
        typer.Option(
            "--sebelum", help="Hapus berkas yang dimuat sebelum tanggal ini (2026-01-31)."
        ),
    ] = None,
    berkas: Annotated[
        str | None, typer.Option("--berkas", help="sha256 berkas yang dihapus (min. 8 karakter).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Hapus berkas asli berisi data pribadi (NIK, nama, tgl lahir): retensi atau permintaan."""
    from datetime import date

    from dagster_project.lib.ingest.loader import read_ingest_log
    from dagster_project.lib.ingest.retention import purge
    from dagster_project.runtime import configure_environment

    try:
        tanggal = date.fromisoformat(sebelum) if sebelum else None
    except ValueError:
        _fail(f"tanggal '{sebelum}' tidak dikenali.", "tulis sebagai TTTT-BB-HH, mis. 2026-01-31.")
    paths = configure_environment(data_dir)
    report = purge(paths, read_ingest_log(paths), sebelum=tanggal, sha256=berkas)
    for row in report.removed.iter_rows(named=True):
        console.print(f"  {row['sha256'][:12]}  {row['berkas']}  ({row['baris_dibaca']} baris)")
    console.print(report.summary())
    if report.unknown_sha:
        raise typer.Exit(code=1)


@contracts_app.command("generate")
def contracts_generate() -> None:
    """Tulis ulang YAML dbt yang diturunkan dari kontrak (regenerate dbt YAML)."""
    from dagster_project.lib.contracts.dbt_codegen import write_generated

    for p in write_generated():
        console.print(f"ditulis: {p}")


@contracts_app.command("check")
def contracts_check() -> None:
    """Gagal bila YAML dbt tidak sesuai kontrak (fail when generated YAML is stale)."""
    from dagster_project.lib.contracts.dbt_codegen import stale_files

    stale = stale_files()
    if stale:
        _fail("YAML dbt usang: " + ", ".join(map(str, stale)), "jalankan: apbd contracts generate")
    console.print("YAML dbt sesuai kontrak.")


def main() -> None:  # pragma: no cover - entry point
    app(sys.argv[1:])
