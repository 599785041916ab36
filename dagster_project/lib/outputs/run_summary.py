"""What `apbd run` shows a person: one progress bar per stage, then a short summary.

The full logs (every dbt node, Dagster's log lines, library warnings) go to a file under
`data/logs/` (see `core/capture.py`); the summary says where. The stage states come from
`runtime.PipelineWatch` (any object with `done`, `total`, `unit`, `started`, `finished`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from dagster_project.lib.core.fmt import angka, persen, rupiah
from dagster_project.lib.core.paths import DataPaths

MAX_PROBLEM_FILES = 5  # the rest: `apbd status`


def _n(value) -> str:
    return angka(value or 0, 0)


class StageBars:
    """One rich progress bar per stage; `update(states)` moves them (thread-safe: rich locks).
    `disable=True` (for `--verbose`, where the logs scroll by instead) draws nothing."""

    def __init__(self, console: Console | None, stages: list[str], disable: bool = False) -> None:
        self.progress = Progress(
            TextColumn("{task.description:<14}"),
            BarColumn(bar_width=30),
            MofNCompleteColumn(),
            TextColumn("{task.fields[unit]}"),
            TimeElapsedColumn(),
            console=console,
            disable=disable,
        )
        self.tasks = {
            name: self.progress.add_task(name, total=None, start=False, unit="") for name in stages
        }

    def __enter__(self) -> StageBars:
        self.progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.stop()

    def begin(self, name: str) -> None:
        self.progress.start_task(self.tasks[name])

    def finish(self, name: str) -> None:
        task = self.tasks[name]
        if not self.progress.tasks[task].started:
            self.progress.start_task(task)
        t = self.progress.tasks[task]
        total = t.total if t.total is not None else max(t.completed, 1)
        self.progress.update(task, total=total, completed=total)
        self.progress.stop_task(task)

    def update(self, states: dict[str, Any]) -> None:
        for name, s in states.items():
            task = self.tasks.get(name)
            if task is None or self.progress.tasks[task].finished:
                continue
            if s.started and not self.progress.tasks[task].started:
                self.progress.start_task(task)
            self.progress.update(task, completed=s.done, total=s.total, unit=s.unit)
            if s.finished:
                self.finish(name)


def _problem(r: dict[str, Any]) -> str:
    """One short line per file with a problem; the details are in its feedback workbook."""
    # a whole-pemda file (SIPD export) is one entry per OPD: say which OPD
    who = f" [{r['pengirim']}]" if r["pengirim"] and r["pengirim"] not in r["berkas"] else ""
    if r["status"] == "ditolak" and not r["baris_karantina"]:
        return f"{r['berkas']}{who}: ditolak utuh — {(r['pesan'] or '')[:90]}"
    return f"{r['berkas']}{who}: {_n(r['baris_karantina'])} baris dikarantina"


def _run_files(paths: DataPaths, run_ids: list[str]) -> pl.DataFrame:
    from dagster_project.lib.ingest.loader import read_ingest_log

    return read_ingest_log(paths).filter(pl.col("run_id").is_in(run_ids))


def print_run_summary(
    console: Console,
    paths: DataPaths,
    report,
    stages: dict[str, float],
    total_seconds: float,
    log_file: Path | None,
    pemda: str | None = None,
) -> None:
    """Rows in and quarantined (by pemda when there are several), checks, the per-OPD table
    (of `pemda`; with several pemda and none chosen, the totals per pemda), stage times, the log
    file's path."""
    from dagster_project.lib.publish.publisher import current_version

    done = _run_files(paths, report.run_ids)
    if done.height:
        problems = done.filter((pl.col("status") != "dimuat") | (pl.col("baris_karantina") > 0))
        files = done["berkas"].n_unique()  # a SIPD export fills one slot per OPD
        slots = f" ({_n(done.height)} slot OPD × periode)" if files != done.height else ""
        console.print(
            f"[bold]Kiriman:[/] {_n(files)} berkas diproses{slots} "
            f"({_n(done.filter(pl.col('status') == 'ditolak').height)} ditolak utuh); "
            f"{_n(done['baris_dibaca'].sum())} baris dibaca, "
            f"{_n(done['baris_dimuat'].sum())} dimuat, "
            f"{_n(done['baris_karantina'].sum())} dikarantina."
        )
        if done["kode_pemda"].drop_nulls().n_unique() > 1:
            from dagster_project.lib.outputs.status import print_per_pemda

            print_per_pemda(console, done, "Kiriman run ini per pemda")
        if problems.height:
            console.print(
                f"  Umpan balik untuk {problems.height} berkas bermasalah (XLSX per berkas): "
                f"{paths.quarantine}/"
            )
            for r in problems.head(MAX_PROBLEM_FILES).iter_rows(named=True):
                console.print(f"  [yellow]![/] {_problem(r)}", highlight=False)
            if problems.height > MAX_PROBLEM_FILES:
                console.print(
                    f"  … dan {problems.height - MAX_PROBLEM_FILES} berkas lain: [cyan]apbd status[/]"
                )
    else:
        console.print("Tidak ada berkas baru atau berubah di landing.")

    failed, warned = len(report.failed_checks), len(report.warned_checks)
    console.print(
        f"[bold]Cek mutu:[/] {_n(report.passed_checks)} lulus, {failed} gagal, "
        f"{warned} peringatan"
        + (" (kiriman terlambat atau belum ada: apbd status)" if warned else "")
        + "."
    )
    if report.success:
        _print_opd_summary(console, paths, pemda)
        version = current_version(paths) or {}
        console.print(
            f"[bold green]Mart terbit:[/] {paths.published_db} (versi {version.get('version', '?')})"
        )
    else:
        console.print(
            "[bold red]Tidak ada yang diterbitkan; mart terakhir yang baik tetap dipakai.[/]"
        )
        for name, why in report.failed_checks[:10]:
            console.print(f"  [red]✗ cek {name}[/]: {why[:300]}")
        for step, why in report.failed_steps[:10]:
            console.print(f"  [red]✗ langkah {step}[/]: {why.splitlines()[0] if why else ''}")
    times = " · ".join(f"{name} {sec:.0f} dtk" for name, sec in stages.items())
    console.print(f"[bold]Waktu:[/] {times} · [bold]total {total_seconds:.0f} dtk[/]")
    if log_file is not None:
        console.print(f"[bold]Log lengkap:[/] {log_file}", highlight=False, soft_wrap=True)
    console.print(
        'Kueri: [cyan]apbd kueri "select * from marts.mart_anggaran_realisasi limit 10"[/]'
    )


def _print_opd_summary(console: Console, paths: DataPaths, pemda: str | None = None) -> None:
    """Per OPD of one pemda; a mart keyed by pemda holding several and none chosen: per pemda."""
    from dagster_project.lib.publish.publisher import open_published

    with open_published(paths) as con:
        mart = "marts.mart_anggaran_realisasi"
        keyed = "kode_pemda" in {r[0] for r in con.execute(f"describe {mart}").fetchall()}
        n_pemda = (
            con.execute(f"select count(distinct kode_pemda) from {mart}").fetchone()[0]
            if keyed
            else 1
        )
        by_pemda = keyed and pemda is None and n_pemda > 1
        where = "and m.kode_pemda = $pemda" if keyed and pemda else ""
        key, label = (
            ("m.kode_pemda", "m.kode_pemda")
            if by_pemda
            else ("m.kode_skpd", "coalesce(o.singkatan, m.nama_skpd)")
        )
        rows = con.execute(
            f"""
            select m.tahun, {key}, any_value({label}),
                   sum(m.pagu_akhir_rp) as pagu, sum(m.realisasi_rp) as realisasi
            from {mart} as m
            left join (
                select kode_skpd, any_value(singkatan) as singkatan
                from reference.ref_opd group by kode_skpd
            ) as o on o.kode_skpd = m.kode_skpd
            where m.tahun = (select max(tahun) from {mart}) {where}
            group by m.tahun, {key} order by pagu desc
            """,
            {"pemda": pemda} if where else None,
        ).fetchall()
    what = "pemda" if by_pemda else "OPD" + (f" pemda {pemda}" if pemda and keyed else "")
    table = Table(
        title=f"Pagu, realisasi, serapan per {what} — tahun {rows[0][0] if rows else '-'}",
        box=None,
        padding=(0, 1),
    )
    for col, just in (
        ("pemda" if by_pemda else "OPD", "left"),
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
