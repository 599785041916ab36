"""Submission feedback: an XLSX for the OPD operator who sent a file, where there is something
to tell.

Written by ingest for a processed file that was refused, had rows quarantined or ignored (blank,
totals, heading rows) or drew a warning (extra columns, columns filled from the folder); a file
that loaded whole gets none, and its log record has no `umpan_balik_path` (on the default demo,
35 of 833 files have one; writing a workbook for every file was a tenth of ingest). A file that
did not change is not processed again. The workbook goes beside the quarantine files of its slot:

    data/quarantine/<sistem>/<tabel>/pemda=<kode_pemda>/tahun=<t>/<pengirim>/<periode>__<sha12>.umpan_balik.xlsx

A file that cannot be placed in a slot (wrong folder, a path outside the landing area) gets its
report under `data/quarantine/<sistem>/<tabel>/_tidak_terpetakan/<sha12>.umpan_balik.xlsx`. The
name never comes from the sent file's name, so a hostile name cannot steer where it is written.

Sheets (Indonesian headings, frozen header, filter, widths; every cell neutralised by `safe_cells`):
`Ringkasan` (what was received and what happened, what to do next), `Baris ditolak` (line, column,
value, rule, reason), `Per aturan` (counts per rule) and `Baris diabaikan` (blank and totals rows).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from dagster_project.lib.contracts.model import Contract
from dagster_project.lib.core.files import atomic_write
from dagster_project.lib.core.paths import DataPaths, pemda_folder, year_folder
from dagster_project.lib.core.safe_cells import XLSX_OPTIONS, add_sheet
from dagster_project.lib.ingest.pseudonymise import MASK

SUFFIX = ".umpan_balik.xlsx"
MAX_ROWS = 100_000  # rows listed in the XLSX; the .errors.parquet beside it has them all
UNPLACED = "_tidak_terpetakan"
_PERSONAL_FLAGS = ("personalData", "pseudonymise", "pseudonymize", "pii")

STATUS_LABEL = {
    "dimuat": "DIMUAT",
    "dimuat_sebagian": "DIMUAT SEBAGIAN",
    "ditolak": "DITOLAK",
}

ATURAN_PENJELASAN = {
    "wajib_diisi": "Kolom wajib diisi",
    "format_number": "Bukan angka yang dikenali",
    "format_integer": "Bukan bilangan bulat",
    "format_date": "Bukan tanggal yang dikenali",
    "format_kode": "Format kode salah",
    "nilai_diizinkan": "Nilai di luar pilihan",
    "minimum": "Di bawah batas minimum",
    "maksimum": "Melebihi batas wajar",
    "tahun_berbeda": "Tahun berbeda dengan folder",
    "opd_lain": "Baris milik OPD lain",
    "pemda_lain": "Baris milik pemda lain",
    "pemda_tidak_dikenal": "Folder bukan kode pemda yang dikenal",
    "periode_berbeda": "Periode berbeda dengan nama berkas",
    "di_luar_periode": "Tanggal di luar periode berkas",
    "kode_tidak_berlaku": "Kode tidak berlaku pada tahun anggaran",
    "duplikat_baris": "Baris duplikat",
    "kunci_ganda": "Kunci ganda",
    "kolom_berlebih": "Nilai di luar kolom berjudul",
}


@dataclass(frozen=True)
class Submission:
    """What the report says about one processed file (from the ingest log entry)."""

    berkas: str
    sha256: str
    sistem: str
    tabel: str
    kode_pemda: str | None
    tahun: int | None
    pengirim: str | None
    periode: str | None
    format: str | None
    status: str
    dimuat_pada: datetime
    baris_dibaca: int
    baris_dimuat: int
    baris_karantina: int
    baris_diabaikan: int
    pesan: str
    kontrak: str

    @classmethod
    def from_log_entry(cls, entry: dict[str, Any]) -> Submission:
        return cls(
            berkas=entry["berkas"],
            sha256=entry["sha256"],
            sistem=entry["sistem"],
            tabel=entry["tabel"],
            kode_pemda=entry.get("kode_pemda"),
            tahun=entry.get("tahun"),
            pengirim=entry.get("pengirim"),
            periode=entry.get("periode"),
            format=entry.get("format"),
            status=entry["status"],
            dimuat_pada=entry["dimuat_pada"],
            baris_dibaca=entry.get("baris_dibaca") or 0,
            baris_dimuat=entry.get("baris_dimuat") or 0,
            baris_karantina=entry.get("baris_karantina") or 0,
            baris_diabaikan=entry.get("baris_diabaikan") or 0,
            pesan=entry.get("pesan") or "",
            kontrak=f"{entry.get('kontrak_id')} v{entry.get('kontrak_versi')}",
        )

    @property
    def label(self) -> str:
        if self.status == "dimuat" and self.baris_karantina:
            return STATUS_LABEL["dimuat_sebagian"]
        return STATUS_LABEL.get(self.status, self.status.upper())


def feedback_path(paths: DataPaths, sub: Submission) -> Path:
    """Where the report of one file version goes (beside its quarantine files)."""
    base = paths.quarantine / sub.sistem / sub.tabel
    if sub.kode_pemda is not None:
        base = base / pemda_folder(sub.kode_pemda)
    if not sub.pengirim:  # the file could not be placed (wrong folder, unknown sender)
        return base / UNPLACED / f"{sub.sha256[:12]}{SUFFIX}"
    periode = sub.periode or "tanpa_periode"
    folder = year_folder(sub.tahun)  # no year: a source whose files hold several years
    return base / folder / sub.pengirim / f"{periode}__{sub.sha256[:12]}{SUFFIX}"


def personal_columns(contract: Contract) -> set[str]:
    """Columns the contract marks as personal data: their values are masked in the report."""
    return {c.name for c in contract.columns if any(c.extra.get(f) for f in _PERSONAL_FLAGS)}


def mask(value: str | None) -> str | None:
    """`3171234567890001` -> `(disamarkan, 16 karakter)`: the line number finds the row and the
    length says what is wrong; no digit of it is quoted (four digits of a NIK already narrow a
    person down to one kecamatan). A value ingest already masked stays as it is."""
    if value is None or value == MASK:
        return value
    return f"{MASK[:-1]}, {len(value)} karakter)"


def _mask_personal(errors: pl.DataFrame, hidden: set[str]) -> pl.DataFrame:
    """Personal values masked in `nilai` and wherever the reason quotes them."""
    if not hidden or not errors.height:
        return errors
    rows = []
    for r in errors.iter_rows(named=True):
        if r["kolom"] in hidden and r["nilai"]:
            r["alasan"] = (r["alasan"] or "").replace(r["nilai"], mask(r["nilai"]) or "")
            r["nilai"] = mask(r["nilai"])
        rows.append(r)
    return pl.DataFrame(rows, schema=errors.schema)


def next_step(sub: Submission) -> str:
    if sub.baris_karantina and sub.pengirim and sub.pengirim not in sub.berkas:
        # an OPD's part of a whole-pemda file (SIPD's rincian export, sent by Bappeda)
        return (
            "Bagian OPD ini berasal dari ekspor SIPD seluruh pemda. Baris yang lolos sudah dimuat. "
            "Perbaiki baris di lembar 'Baris ditolak' di SIPD lalu minta Bappeda mengunduh ulang "
            "ekspornya, atau kirim DPA rincian OPD sendiri ke foldernya: kiriman terbaru "
            "menggantikan bagian ini untuk tahap yang sama."
        )
    if sub.status == "ditolak" and sub.baris_karantina:
        return (
            "Seluruh baris ditolak. Perbaiki baris di lembar 'Baris ditolak' lalu kirim ulang "
            "berkas ke folder yang sama; data versi sebelumnya tetap dipakai sampai itu."
        )
    if sub.status == "ditolak":
        return (
            "Berkas tidak dapat dipakai (lihat Pesan). Perbaiki lalu kirim ulang ke folder yang "
            "sama; data versi sebelumnya tetap dipakai sampai itu."
        )
    if sub.baris_karantina:
        return (
            "Baris yang lolos sudah dimuat. Perbaiki baris di lembar 'Baris ditolak' lalu kirim "
            "ulang SELURUH berkas (bukan hanya baris yang diperbaiki): berkas baru menggantikan "
            "berkas ini untuk periode yang sama."
        )
    return "Tidak ada yang perlu dilakukan: semua baris dimuat."


def write_feedback(
    paths: DataPaths,
    entry: dict[str, Any],
    contract: Contract,
    errors: pl.DataFrame,
    skipped: list[tuple[int, str]] | None = None,
) -> Path:
    """Write the XLSX report for one processed file; return its path. Atomic (tmp + rename)."""
    import xlsxwriter

    sub = Submission.from_log_entry(entry)
    target = feedback_path(paths, sub)
    target.parent.mkdir(parents=True, exist_ok=True)
    errors = _mask_personal(errors, personal_columns(contract))
    with atomic_write(target, durable=False) as tmp:  # regenerated if lost
        # in_memory: the parts are zipped from memory, not from a dozen temp files per workbook.
        wb = xlsxwriter.Workbook(str(tmp), {**XLSX_OPTIONS, "in_memory": True})
        wb.set_properties(
            {"title": f"Umpan balik kiriman {sub.berkas}", "author": "Gudang data APBD"}
        )
        head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "valign": "top"})
        formats = {"header": head, "number": wb.add_format({"num_format": "#,##0"})}

        summary = [
            ("Berkas", sub.berkas),
            ("Status", sub.label),
            ("Pesan", sub.pesan or "-"),
            ("Langkah berikutnya", next_step(sub)),
            ("Sumber (tabel)", f"{sub.sistem}.{sub.tabel} — {contract.name}"),
            ("Tahun anggaran", sub.tahun),
            ("Pengirim (OPD)", sub.pengirim or "-"),
            ("Periode", sub.periode or "-"),
            ("Format terbaca", sub.format or "-"),
            ("Baris data dibaca", sub.baris_dibaca),
            ("Baris dimuat", sub.baris_dimuat),
            ("Baris ditolak (dikarantina)", sub.baris_karantina),
            ("Baris diabaikan (kosong/jumlah)", sub.baris_diabaikan),
            ("Diproses pada (UTC)", sub.dimuat_pada.strftime("%d/%m/%Y %H:%M:%S")),
            ("SHA-256 berkas", sub.sha256),
            ("Kontrak data", sub.kontrak),
        ]
        ws = add_sheet(wb, "Ringkasan", ["Keterangan", "Nilai"], summary, formats=formats)
        ws.set_column(0, 0, 32)
        ws.set_column(1, 1, 100, wb.add_format({"text_wrap": True, "valign": "top"}))

        shown = (
            errors.sort("_baris", "kolom", nulls_last=False).head(MAX_ROWS)
            if errors.height
            else errors
        )
        rows = [
            (r["_baris"], r["kolom"] or "-", r["nilai"], r["aturan"], r["alasan"])
            for r in shown.iter_rows(named=True)
        ]
        if errors.height > MAX_ROWS:
            rows.append(
                (
                    None,
                    "-",
                    None,
                    "terpotong",
                    f"{errors.height - MAX_ROWS} alasan lain tidak ditampilkan",
                )
            )
        add_sheet(
            wb,
            "Baris ditolak",
            ["Baris", "Kolom", "Nilai", "Aturan", "Alasan"],
            rows,
            formats=formats,
        )
        per_rule = (
            errors.group_by("aturan", "kolom")
            .agg(pl.col("_baris").n_unique().alias("n"))
            .sort("n", "aturan", descending=[True, False])
            if errors.height  # a clean file: nothing to count
            else errors
        )
        add_sheet(
            wb,
            "Per aturan",
            ["Aturan", "Penjelasan", "Kolom", "Jumlah baris"],
            [
                (r["aturan"], ATURAN_PENJELASAN.get(r["aturan"], "-"), r["kolom"] or "-", r["n"])
                for r in per_rule.iter_rows(named=True)
            ],
            formats=formats,
        )
        add_sheet(
            wb, "Baris diabaikan", ["Baris", "Keterangan"], list(skipped or []), formats=formats
        )
        wb.close()
    return target


WHOLE_PEMDA = "_seluruh_pemda"
EXPORT_SUMMARY_HEADERS = [
    "Kode SKPD",
    "OPD",
    "Status",
    "Baris dimuat",
    "Baris dikarantina",
    "Baris diabaikan (judul/jumlah)",
    "Pagu dimuat (Rp)",
    "Umpan balik OPD",
]


def write_export_summary(
    paths: DataPaths,
    sistem: str,
    tabel: str,
    berkas: str,
    sha256: str,
    rows: list[tuple],
    kode_pemda: str | None = None,
) -> Path:
    """One workbook for whoever sent a whole-pemda file (Bappeda, SIPD's rincian export): per
    OPD part, what happened and where that OPD's own feedback is. Beside the unplaced reports:
    `quarantine/<sistem>/<tabel>/_seluruh_pemda/<sha12>.ringkasan.xlsx`."""
    import xlsxwriter

    base = paths.quarantine / sistem / tabel
    if kode_pemda is not None:  # beside that pemda's quarantine and feedback
        base = base / pemda_folder(kode_pemda)
    target = base / WHOLE_PEMDA / f"{sha256[:12]}.ringkasan.xlsx"
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(target, durable=False) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {**XLSX_OPTIONS, "in_memory": True})
        wb.set_properties({"title": f"Ringkasan kiriman {berkas}", "author": "Gudang data APBD"})
        formats = {
            "header": wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1}),
            "number": wb.add_format({"num_format": "#,##0"}),
        }
        intro = [
            ("Berkas", berkas),
            ("SHA-256 berkas", sha256),
            ("Bagian OPD", len(rows)),
            (
                "Cara membaca",
                "Satu baris per OPD: setiap OPD dimuat seperti berkas DPA-nya sendiri.",
            ),
        ]
        add_sheet(wb, "Ringkasan", ["Keterangan", "Nilai"], intro, formats=formats)
        add_sheet(wb, "Per OPD", EXPORT_SUMMARY_HEADERS, rows, formats=formats)
        wb.close()
    return target


def summary_line(entry: dict[str, Any]) -> str:
    """One line per processed file for the run output (Indonesian)."""
    sub = Submission.from_log_entry(entry)
    if sub.status == "ditolak":
        what = f"DITOLAK — {sub.pesan}"
    else:
        what = (
            f"{sub.baris_dimuat} baris dimuat, {sub.baris_karantina} ditolak, "
            f"{sub.baris_diabaikan} diabaikan"
        )
    where = entry.get("umpan_balik_path")
    return f"{sub.berkas}: {what}" + (f" (umpan balik: {where})" if where else "")
