"""`apbd`: the command planners, finance staff and operators use. Help text is Indonesian."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from dagster_project.lib.fmt import persen, rupiah

app = typer.Typer(
    help="Gudang data APBD Kota Samarinda (APBD evidence warehouse).",
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


def _fail(message: str, hint: str) -> None:
    err.print(f"[bold red]Gagal:[/] {message}\n[dim]Yang bisa dilakukan:[/] {hint}")
    raise typer.Exit(code=1)


@app.command()
def demo(
    scale: Annotated[float, typer.Option(help="Pengali volume data (skala benchmark).")] = 1.0,
    seed: Annotated[int, typer.Option(help="Benih acak; sama benih = berkas identik.")] = 20240101,
    data_dir: DataDir = None,
) -> None:
    """Tulis data demo Samarinda ke data/landing (write the demo landing files)."""
    from dagster_project.lib.demo import generate
    from dagster_project.runtime import configure_environment

    paths = configure_environment(data_dir)
    manifest = generate(paths.landing, seed=seed, scale=scale)
    console.print(f"{len(manifest['files'])} berkas demo ditulis ke {paths.landing}")


@app.command()
def run(
    data_dir: DataDir = None,
    demo_if_empty: Annotated[
        bool, typer.Option("--demo/--no-demo", help="Buat data demo bila landing kosong.")
    ] = True,
) -> None:
    """Jalankan seluruh pipeline: ingest, dbt, gerbang mutu, terbit (run everything)."""
    import time

    from dagster_project.lib.pseudonymise import ensure_hmac_key
    from dagster_project.runtime import configure_environment, ensure_dbt_manifest, run_pipeline

    t0 = time.perf_counter()
    paths = configure_environment(data_dir)
    ensure_hmac_key(paths)  # a local key (data/.secrets, mode 600) unless APBD_HMAC_KEY is set
    stages: dict[str, float] = {}
    if demo_if_empty and not any(p.is_file() for p in paths.landing.rglob("*")):
        from dagster_project.lib.demo import generate

        t = time.perf_counter()
        generate(paths.landing)
        stages["data demo"] = time.perf_counter() - t
    t = time.perf_counter()
    ensure_dbt_manifest()
    stages["persiapan (dbt parse, impor)"] = time.perf_counter() - t
    report = run_pipeline()
    stages.update(report.stage_seconds)
    _print_run(report, paths, stages, time.perf_counter() - t0)
    if not report.success:
        raise typer.Exit(code=1)


def _print_run(report, paths, stages: dict[str, float], total: float) -> None:
    from dagster_project.lib.publish import current_version

    if report.success:
        _print_opd_summary(paths)
        version = current_version(paths) or {}
        console.print(
            f"[bold green]Mart terbit:[/] {paths.published_db} (versi {version.get('version', '?')})"
        )
    else:
        console.print(
            "[bold red]Tidak ada yang diterbitkan; mart terakhir yang baik tetap dipakai.[/]"
        )
        for name, why in report.failed_checks:
            console.print(f"  [red]✗ cek {name}[/]: {why}")
        for step, why in report.failed_steps:
            console.print(f"  [red]✗ langkah {step}[/]: {why.splitlines()[0] if why else ''}")
    timing = Table(title="Waktu per tahap (detik)", show_header=True)
    timing.add_column("tahap")
    timing.add_column("detik", justify="right")
    for name, sec in stages.items():
        timing.add_row(name, f"{sec:.1f}")
    timing.add_row("[bold]total[/]", f"[bold]{total:.1f}[/]")
    console.print(timing)
    console.print(
        'Kueri: [cyan]apbd query "select * from marts.mart_anggaran_realisasi limit 10"[/]'
    )


def _print_opd_summary(paths) -> None:
    from dagster_project.lib.publish import open_published

    with open_published(paths) as con:
        rows = con.execute(
            """
            select m.tahun, m.kode_skpd, coalesce(any_value(o.singkatan), any_value(m.nama_skpd)),
                   sum(m.pagu_akhir_rp) as pagu, sum(m.realisasi_rp) as realisasi
            from marts.mart_anggaran_realisasi as m
            left join reference.ref_opd as o on o.kode_skpd = m.kode_skpd
            where m.tahun = (select max(tahun) from marts.mart_anggaran_realisasi)
            group by m.tahun, m.kode_skpd order by pagu desc
            """
        ).fetchall()
    table = Table(title=f"Pagu, realisasi, serapan per OPD — tahun {rows[0][0] if rows else '-'}")
    for col, just in (
        ("OPD", "left"),
        ("Pagu akhir", "right"),
        ("Realisasi", "right"),
        ("Serapan", "right"),
    ):
        table.add_column(col, justify=just)
    for _, kode, nama, pagu, real in rows:
        table.add_row(
            f"{nama or kode}",
            rupiah(pagu),
            rupiah(real),
            persen(real / pagu * 100 if pagu else None),
        )
    total_p = sum(r[3] or 0 for r in rows)
    total_r = sum(r[4] or 0 for r in rows)
    table.add_row(
        "[bold]Total[/]",
        rupiah(total_p),
        rupiah(total_r),
        persen(total_r / total_p * 100 if total_p else None),
    )
    console.print(table)


@app.command()
def status(data_dir: DataDir = None) -> None:
    """Versi mart terbit, kapan, dari run mana, dan kiriman terakhir (publish status)."""
    import polars as pl

    from dagster_project.lib.ingest import read_ingest_log
    from dagster_project.lib.publish import list_versions
    from dagster_project.runtime import configure_environment

    paths = configure_environment(data_dir)
    versions = list_versions(paths)
    if not versions:
        console.print("Belum ada mart yang diterbitkan. Jalankan: [cyan]make run[/]")
    else:
        v = versions[0]
        console.print(
            f"Versi terbit: [bold]{v.get('version')}[/] pada {v.get('published_at')} "
            f"(run {v.get('run_id')}); {len(versions)} versi tercatat."
        )
    log = read_ingest_log(paths)
    rejected = log.filter(pl.col("status") == "ditolak").tail(10)
    console.print(
        f"Berkas dimuat: {log.filter(pl.col('status') == 'dimuat').height}, "
        f"ditolak: {log.filter(pl.col('status') == 'ditolak').height}"
    )
    for r in rejected.iter_rows(named=True):
        console.print(f"  [red]✗[/] {r['berkas']}: {r['pesan']}")


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="SQL SELECT atas mart terbit.")],
    data_dir: DataDir = None,
    limit: Annotated[int, typer.Option(help="Baris maksimum yang ditampilkan.")] = 50,
) -> None:
    """Kueri SQL hanya-baca atas mart terbit (read-only SQL on the published mart)."""
    import duckdb

    from dagster_project.lib.publish import open_published
    from dagster_project.runtime import configure_environment

    paths = configure_environment(data_dir)
    try:
        with open_published(paths) as con:
            rel = con.execute(sql)
            cols = [d[0] for d in rel.description]
            rows = rel.fetchmany(limit)
    except duckdb.Error as exc:
        _fail(str(exc).splitlines()[0], 'periksa nama tabel/kolom: apbd query "show all tables"')
    table = Table(*cols)
    for r in rows:
        table.add_row(*["" if v is None else str(v) for v in r])
    console.print(table)


@app.command()
def rollback(
    versi: Annotated[
        str | None, typer.Option(help="Versi tujuan (default: versi sebelumnya).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Kembalikan mart terbit ke versi arsip sebelumnya (restore an archived version)."""
    from dagster_project.lib.publish import rollback as do_rollback
    from dagster_project.runtime import configure_environment

    paths = configure_environment(data_dir)
    try:
        entry = do_rollback(paths, versi)
    except (FileNotFoundError, ValueError) as exc:
        _fail(str(exc), "lihat daftar versi dengan: apbd status")
    console.print(f"Mart dikembalikan ke versi {entry.get('restored_version', versi)}.")


@contracts_app.command("generate")
def contracts_generate() -> None:
    """Tulis ulang YAML dbt yang diturunkan dari kontrak (regenerate dbt YAML)."""
    from dagster_project.lib.dbt_codegen import write_generated

    for p in write_generated():
        console.print(f"ditulis: {p}")


@contracts_app.command("check")
def contracts_check() -> None:
    """Gagal bila YAML dbt tidak sesuai kontrak (fail when generated YAML is stale)."""
    from dagster_project.lib.dbt_codegen import stale_files

    stale = stale_files()
    if stale:
        _fail("YAML dbt usang: " + ", ".join(map(str, stale)), "jalankan: apbd contracts generate")
    console.print("YAML dbt sesuai kontrak.")


def main() -> None:  # pragma: no cover - entry point
    app(sys.argv[1:])
