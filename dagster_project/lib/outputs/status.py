"""What `apbd status` and the run summary print: published version, stale slots, feedback files.

Staleness is read from the published mart (`marts.mart_status_sumber`, built by dbt from the
ingest log), so the rule lives in one place; the list of recent submissions and their feedback
reports comes from the ingest log itself, which is newer than the last publish.
"""

from __future__ import annotations

import polars as pl
from rich.console import Console
from rich.table import Table

from dagster_project.lib.core.paths import DataPaths


def _short_time(v) -> str:
    return v.strftime("%d/%m/%Y %H:%M") if v is not None else "-"


def stale_slots(
    paths: DataPaths, opd: str | None = None, pemda: str | None = None
) -> pl.DataFrame | None:
    """Stale slots as the published mart records them (None when no mart or no status mart)."""
    import duckdb

    from dagster_project.lib.publish.publisher import open_published

    if not paths.published_db.exists():
        return None
    try:
        with open_published(paths) as con:
            frame = con.sql(  # a relation, not a DB-API cursor: no extra copy, no warning
                "select * from marts.mart_status_sumber where is_basi "
                "order by basi_sejak, sistem, tabel, tahun, pengirim, periode"
            ).pl()
    except duckdb.Error:
        return None
    if pemda and "kode_pemda" in frame.columns:
        frame = frame.filter(pl.col("kode_pemda") == pemda)
    return frame.filter(pl.col("pengirim") == opd) if opd else frame


def per_pemda(log: pl.DataFrame) -> pl.DataFrame:
    """Files loaded and refused, rows quarantined, per pemda (a national file: `nasional`)."""
    from dagster_project.lib.ingest.loader import STATUS_LOADED, STATUS_REJECTED

    return (
        log.with_columns(pl.col("kode_pemda").fill_null("nasional"))
        .group_by("kode_pemda")
        .agg(
            dimuat=(pl.col("status") == STATUS_LOADED).sum(),
            ditolak=(pl.col("status") == STATUS_REJECTED).sum(),
            baris_dimuat=pl.col("baris_dimuat").sum(),
            baris_karantina=pl.col("baris_karantina").sum(),
        )
        .sort("kode_pemda")
    )


def print_per_pemda(console: Console, log: pl.DataFrame, title: str) -> None:
    """One row per pemda: what a deployment of many pemda shows before any one is chosen."""
    from dagster_project.lib.contracts.pemda import pemda_names

    names = pemda_names()
    t = Table(title=title, box=None, padding=(0, 1))
    for col, just in (
        ("pemda", "left"),
        ("nama", "left"),
        ("berkas dimuat", "right"),
        ("ditolak", "right"),
        ("baris dimuat", "right"),
        ("dikarantina", "right"),
    ):
        t.add_column(col, justify=just)
    for r in per_pemda(log).iter_rows(named=True):
        t.add_row(
            r["kode_pemda"],
            names.get(r["kode_pemda"], "DJPK/BPS seluruh pemda"),
            *(f"{r[k]:,}".replace(",", ".") for k in ("dimuat", "ditolak")),
            *(f"{r[k]:,}".replace(",", ".") for k in ("baris_dimuat", "baris_karantina")),
        )
    console.print(t)


def print_status(
    console: Console, paths: DataPaths, *, opd: str | None, jumlah: int, pemda: str | None = None
) -> None:
    """`pemda`: one pemda's status; None with several present: the overview by pemda first."""
    from dagster_project.lib.ingest.feedback import summary_line
    from dagster_project.lib.ingest.loader import STATUS_LOADED, STATUS_REJECTED, read_ingest_log
    from dagster_project.lib.publish.publisher import list_versions

    versions = list_versions(paths)
    current = next((v for v in versions if v["is_current"]), None)
    if not paths.published_db.exists():
        console.print("Belum ada mart yang diterbitkan. Jalankan: [cyan]make run[/]")
    elif current is None:
        console.print(
            "[bold yellow]Mart terbit tidak dikenal di log penerbitan[/] (diletakkan manual atau "
            "log hilang); jalankan [cyan]apbd run[/] untuk menerbitkan versi yang tercatat."
        )
    else:
        restored = (
            f", hasil rollback ke {current['restored_version']}"
            if current.get("action") == "rollback"
            else ""
        )
        console.print(
            f"Versi terbit: [bold]{current['version']}[/] pada {current.get('published_at')} "
            f"(run {current.get('run_id')}{restored}; sha256 {current['sha256'][:12]}); "
            f"{len(versions)} versi tercatat, "
            f"{sum(v['archive_exists'] for v in versions)} ada di arsip untuk rollback."
        )

    stale = stale_slots(paths, opd, pemda)
    if stale is not None and stale.height:
        t = Table(title="Data basi di mart terbit (kiriman terbaru ditolak, versi lama dipakai)")
        for col in (
            "sumber",
            "tahun",
            "pengirim",
            "periode",
            "basi sejak",
            "versi dipakai",
            "alasan",
        ):
            t.add_column(col)
        for r in stale.iter_rows(named=True):
            t.add_row(
                f"{r['sistem']}.{r['tabel']}",
                str(r["tahun"]),
                r["pengirim"],
                r["periode"],
                _short_time(r["basi_sejak"]),
                (r["sha256_berlaku"] or "belum ada")[:12],
                (r["alasan_ditolak_terakhir"] or "")[:120],
            )
        console.print(t)
    elif stale is not None:
        console.print("Tidak ada data basi di mart terbit: setiap slot memakai kiriman terbarunya.")

    log = read_ingest_log(paths)
    many = log["kode_pemda"].drop_nulls().n_unique() > 1
    if pemda:
        log = log.filter(pl.col("kode_pemda").is_null() | (pl.col("kode_pemda") == pemda))
    elif many:
        print_per_pemda(console, log, "Kiriman per pemda (pilih satu: apbd status --pemda <kode>)")
    if opd:
        log = log.filter(pl.col("pengirim") == opd)
    console.print(
        f"Berkas dimuat: {log.filter(pl.col('status') == STATUS_LOADED).height}, "
        f"ditolak: {log.filter(pl.col('status') == STATUS_REJECTED).height}"
        + (f" (pengirim {opd})" if opd else "")
        + (f" (pemda {pemda})" if pemda and many else "")
    )
    recent = log.sort("dimuat_pada", descending=True).head(jumlah)
    if recent.height:
        console.print(f"{recent.height} kiriman terakhir dan laporan umpan baliknya:")
    for r in recent.iter_rows(named=True):
        mark = (
            "[red]✗[/]"
            if r["status"] == STATUS_REJECTED
            else "[yellow]![/]"
            if r.get("baris_karantina")
            else "[green]✓[/]"
        )
        console.print(f"  {mark} {_short_time(r['dimuat_pada'])} {summary_line(r)}", soft_wrap=True)
