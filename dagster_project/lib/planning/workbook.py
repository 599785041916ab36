"""A scenario as an Excel workbook a planner can open, filter and forward.

Sheets: `Ringkasan` (parameters, the ceiling and every locked rupiah by kind, the floor/cap
checks, conflicts, the ten largest changes), `Usulan per program` (every OPD × program with tier,
base, committed staff cost, locked rupiah, proposal, change and reason), `Kunci dan lantai` (every
locked rupiah: program, kind, amount, what it is and its legal basis) and `Per OPD`. Indonesian headings, `Rp` number format (Excel shows the
thousands separator of the reader's locale), frozen header row, autofilter, column widths.
Same scenario, same bytes (the document date is fixed, xlsxwriter writes no other clock).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import xlsxwriter

from dagster_project.lib.contracts.pemda import pemda_seed
from dagster_project.lib.core.fmt import rupiah
from dagster_project.lib.core.safe_cells import neutralise_cell
from dagster_project.lib.planning.scenario import (
    JENIS_KUNCI,
    TIER_LABEL,
    CekAturan,
    HasilSkenario,
)

_DOC_DATE = dt.datetime(2000, 1, 1)  # fixed: the workbook must not depend on the clock
RP = '"Rp"#,##0;[Red]-"Rp"#,##0'
PERSEN = "0.00%;[Red]-0.00%"


def _num(v: Any) -> float | None:
    return None if v is None else float(Decimal(v))


class _Sheet:
    def __init__(self, wb: xlsxwriter.Workbook, name: str, fmt: dict[str, Any]):
        self.ws = wb.add_worksheet(name)
        self.fmt = fmt

    def write(self, row: int, col: int, value: Any, kind: str = "text") -> None:
        if value is None:
            self.ws.write_blank(row, col, None, self.fmt.get(kind))
        elif kind in ("rp", "persen", "angka"):
            v = _num(value)
            if kind == "persen":
                v = v / 100
            self.ws.write_number(row, col, v, self.fmt[kind])
        elif isinstance(value, bool):
            self.ws.write_string(row, col, "ya" if value else "tidak", self.fmt.get(kind))
        else:
            self.ws.write_string(row, col, str(neutralise_cell(str(value))), self.fmt.get(kind))

    def table(
        self, top: int, columns: list[tuple[str, str, str, int]], rows: list[dict[str, Any]]
    ) -> int:
        """columns: (heading, key, kind, width). Returns the next free row."""
        for c, (head, _, _, width) in enumerate(columns):
            self.ws.write_string(top, c, head, self.fmt["head"])
            self.ws.set_column(c, c, width)
        for r, row in enumerate(rows, start=top + 1):
            for c, (_, key, kind, _) in enumerate(columns):
                self.write(r, c, row.get(key), kind)
        return top + 1 + len(rows)

    def list_table(
        self, columns: list[tuple[str, str, str, int]], rows: list[dict[str, Any]]
    ) -> None:
        """A whole-sheet table from the first row: frozen heading and an autofilter."""
        last = self.table(0, columns, rows)
        self.ws.freeze_panes(1, 0)
        self.ws.autofilter(0, 0, max(last - 1, 0), len(columns) - 1)


PROGRAM_COLUMNS = [
    ("Kode SKPD", "kode_skpd", "text", 24),
    ("Nama OPD", "nama_skpd", "text", 40),
    ("Kode program", "kode_program", "text", 13),
    ("Nama program", "nama_program", "text", 50),
    ("Tier", "tier", "text", 6),
    ("Arti tier", "arti_tier", "text", 20),
    ("Dilindungi", "dilindungi", "text", 10),
    ("Pagu dasar (Rp)", "pagu_dasar_rp", "rp", 21),
    ("Belanja pegawai terikat (Rp)", "belanja_pegawai_rp", "rp", 21),
    ("Terkunci (Rp)", "terkunci_rp", "rp", 21),
    ("Pagu usulan (Rp)", "pagu_usulan_rp", "rp", 21),
    ("Perubahan (Rp)", "perubahan_rp", "rp", 21),
    ("Perubahan (%)", "perubahan_persen", "persen", 12),
    ("Infrastruktur dalam usulan (Rp)", "infrastruktur_usulan_rp", "rp", 21),
    ("Alasan", "alasan", "wrap", 90),
]


def write_xlsx(hasil: HasilSkenario, path: Path) -> Path:
    """Write the workbook of one scenario to `path` (parent folders are created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # the scenario's pemda as the region list names it (the list dim_pemda is built from)
    nama = pemda_seed(hasil.kode_pemda).nama_pemda
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    wb.set_properties(
        {
            "title": f"Skenario alokasi APBD {nama} TA {hasil.tahun} ({hasil.id_skenario})",
            "subject": "Usulan alokasi per OPD dan program",
            "author": f"Gudang data APBD {nama}",
            "created": _DOC_DATE,
        }
    )
    fmt = {
        "head": wb.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True}
        ),
        "title": wb.add_format({"bold": True, "font_size": 14}),
        "bold": wb.add_format({"bold": True}),
        "text": wb.add_format({}),
        "wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
        "rp": wb.add_format({"num_format": RP}),
        "persen": wb.add_format({"num_format": PERSEN}),
        "angka": wb.add_format({"num_format": "0"}),
    }
    _ringkasan(_Sheet(wb, "Ringkasan", fmt), hasil)
    _program(_Sheet(wb, "Usulan per program", fmt), hasil)
    _kunci(_Sheet(wb, "Kunci dan lantai", fmt), hasil)
    _opd(_Sheet(wb, "Per OPD", fmt), hasil)
    wb.close()
    return path


def _rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return [
        {**r, "arti_tier": TIER_LABEL.get(r.get("tier") or "", "")}
        for r in frame.iter_rows(named=True)
    ]


def _status(c: CekAturan) -> str:
    if c.memenuhi:
        return "MEMENUHI"
    return "KONFLIK" if c.arah == "maksimal" else "TIDAK MEMENUHI"


def _ringkasan(s: _Sheet, hasil: HasilSkenario) -> None:
    s.ws.set_column(0, 0, 34)
    s.ws.set_column(1, 7, 22)
    nama = pemda_seed(hasil.kode_pemda).nama_pemda
    s.write(0, 0, f"Skenario alokasi APBD {nama} TA {hasil.tahun}", "title")
    dasar = Decimal(hasil.baris["pagu_dasar_rp"].sum())
    p = hasil.parameter
    info = [
        ("Id skenario", hasil.id_skenario, "text"),
        ("Tahun anggaran usulan", hasil.tahun, "angka"),
        (
            f"Dasar: TA {hasil.tahun_dasar} tahap {hasil.tahap_dasar} "
            + ("(APBD murni)" if hasil.tahap_dasar == "murni" else "(posisi akhir)"),
            dasar,
            "rp",
        ),
        ("Pagu total usulan", hasil.pagu_total, "rp"),
        ("Perubahan total", Decimal(hasil.pagu_total) - dasar, "rp"),
        ("Program dilindungi (permintaan)", ", ".join(p["lindungi"]) or "tidak ada", "text"),
        (
            "Lantai OPD",
            "; ".join(f"{k} ≥ {rupiah(v)}" for k, v in p["lantai_opd"].items()) or "tidak ada",
            "text",
        ),
        ("Perlindungan tier A", f"≥ {p['persen_perlindungan']} % pagu dasar", "text"),
        (
            "Aturan belum wajib ikut dijaga",
            "tidak"
            if p["hanya_aturan_wajib"]
            else "ya (aturan yang baru wajib sesudah tahun skenario juga dijaga)",
            "text",
        ),
        ("Versi mesin skenario", p["versi_mesin"], "text"),
    ]
    row = 2
    for label, value, kind in info:
        s.write(row, 0, label, "bold")
        s.write(row, 1, value, kind)
        row += 1
    row += 1
    s.write(row, 0, "Plafon dan bagian yang tidak dapat dipindah", "bold")
    per_jenis = hasil.kunci_per_jenis()
    terkunci = sum(per_jenis.values())
    plafon = [
        {"uraian": "Pagu total (plafon)", "nilai": hasil.pagu_total},
        *(
            {"uraian": JENIS_KUNCI[j], "nilai": per_jenis[j]}
            for j in JENIS_KUNCI
            if per_jenis.get(j)
        ),
        {"uraian": "Jumlah terkunci", "nilai": terkunci},
        {"uraian": "Dapat dialokasikan menurut tier bukti", "nilai": hasil.pagu_total - terkunci},
    ]
    row = s.table(
        row + 1, [("Uraian", "uraian", "text", 34), ("Rupiah", "nilai", "rp", 22)], plafon
    )
    s.write(row, 0, "Rincian dan dasar hukum setiap rupiah terkunci: lembar 'Kunci dan lantai'.")
    row += 2
    s.write(row, 0, "Pemeriksaan batas belanja wajib", "bold")
    cek_rows = [
        {
            "aturan": c.nama,
            "batas": f"{c.arah} {c.ambang_persen.normalize():f} %",
            "porsi": c.porsi_persen,
            "nilai": c.pembilang_rp,
            "batas_rp": c.batas_rp,
            "status": _status(c),
            "berlaku": c.status,
            "keterangan": c.keterangan,
        }
        for c in hasil.cek
    ]
    row = s.table(
        row + 1,
        [
            ("Aturan", "aturan", "wrap", 34),
            ("Batas", "batas", "text", 22),
            ("Porsi usulan", "porsi", "persen", 22),
            ("Nilai (Rp)", "nilai", "rp", 22),
            ("Batas (Rp)", "batas_rp", "rp", 22),
            ("Status", "status", "text", 22),
            ("Berlaku", "berlaku", "wrap", 22),
            ("Keterangan", "keterangan", "wrap", 80),
        ],
        cek_rows,
    )
    row += 1
    for teks in [*hasil.konflik, *hasil.catatan]:
        s.write(row, 0, teks, "text")
        row += 1
    row += 1
    s.write(row, 0, "Sepuluh perubahan terbesar", "bold")
    s.table(row + 1, PROGRAM_COLUMNS, _rows(hasil.perubahan_terbesar(10)))


def _program(s: _Sheet, hasil: HasilSkenario) -> None:
    rows = _rows(hasil.baris)
    s.list_table(PROGRAM_COLUMNS, rows)


def _kunci(s: _Sheet, hasil: HasilSkenario) -> None:
    rows = [
        {
            "kode_skpd": r[0],
            "nama_skpd": r[1],
            "kode_program": r[2],
            "nama_program": r[3],
            "jenis": JENIS_KUNCI[r[4]],
            "nilai": r[5],
            "uraian": r[6],
            "dasar_hukum": r[7],
        }
        for r in hasil.kunci
    ]
    columns = [
        ("Kode SKPD", "kode_skpd", "text", 24),
        ("Nama OPD", "nama_skpd", "text", 36),
        ("Kode program", "kode_program", "text", 13),
        ("Nama program", "nama_program", "text", 44),
        ("Jenis", "jenis", "text", 24),
        ("Terkunci (Rp)", "nilai", "rp", 21),
        ("Uraian", "uraian", "wrap", 60),
        ("Dasar hukum", "dasar_hukum", "wrap", 70),
    ]
    s.list_table(columns, rows)


def _opd(s: _Sheet, hasil: HasilSkenario) -> None:
    per_opd = (
        hasil.baris.group_by("kode_skpd")
        .agg(
            pl.col("nama_skpd").first(),
            pl.col("pagu_dasar_rp").sum(),
            pl.col("belanja_pegawai_rp").sum(),
            pl.col("pagu_usulan_rp").sum(),
            pl.col("perubahan_rp").sum(),
        )
        .sort("kode_skpd")
    )
    rows = [
        {
            **r,
            "perubahan_persen": None
            if not r["pagu_dasar_rp"]
            else Decimal(r["perubahan_rp"]) * 100 / Decimal(r["pagu_dasar_rp"]),
        }
        for r in per_opd.iter_rows(named=True)
    ]
    columns = [
        ("Kode SKPD", "kode_skpd", "text", 24),
        ("Nama OPD", "nama_skpd", "text", 44),
        ("Pagu dasar (Rp)", "pagu_dasar_rp", "rp", 21),
        ("Belanja pegawai terikat (Rp)", "belanja_pegawai_rp", "rp", 21),
        ("Pagu usulan (Rp)", "pagu_usulan_rp", "rp", 21),
        ("Perubahan (Rp)", "perubahan_rp", "rp", 21),
        ("Perubahan (%)", "perubahan_persen", "persen", 12),
    ]
    s.list_table(columns, rows)
