"""The demo budget as SIPD RI's whole-pemda *rincian belanja* export (`apbd demo --sipd-export`).

One XLSX per fiscal year and tahapan, `sipd/rincian_pemda/{tahun}/rincian_belanja_{tahap}.xlsx`,
in the shape of `data_contracts/sources/sipd__rincian_pemda.odcs.yaml` (its column names, in its
order): title rows over merged cells, the header, then per OPD and sub kegiatan a group heading row
(codes and names down to the sub kegiatan, its subtotal in `pagu`, `kode_rekening` empty) followed
by one row per component. It is written from the very rincian rows the per-OPD DPA files hold, so
loading it must give every OPD slot the same pagu per sub kegiatan, akun and sumber dana. What the
export has no column for (volume, satuan, harga satuan, koefisien, the line's location) is not
written; `kode_standar_harga` is left empty (the demo has no SSH catalogue).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter

from dagster_project.lib.core.files import read_yaml
from dagster_project.lib.core.paths import CONTRACTS_DIR
from dagster_project.lib.demo.model import (
    FIXED_CREATED,
    Opd,
    kota,
    nomenclature_key,
    read_seed,
    valid_in_year,
)

CONTRACT = CONTRACTS_DIR / "sources" / "sipd__rincian_pemda.odcs.yaml"


def columns() -> list[str]:
    """The export's columns, as its contract lists them."""
    doc = read_yaml(CONTRACT)
    return [p["name"] for p in doc["schema"][0]["properties"]]


class Names:
    """Names of the codes an export row spells out, from the committed seeds of one year."""

    def __init__(self, year: int, akun: dict[str, str]) -> None:
        rows = [r for r in read_seed("ref_nomenklatur") if valid_in_year(r, year)]
        self.urusan = {r["kode_urusan"]: r["nama_urusan"] for r in rows}
        self.bidang = {r["kode_bidang_urusan"]: r["nama_bidang_urusan"] for r in rows}
        self.program = {r["kode_program"]: r["nama_program"] for r in rows}
        self.kegiatan = {r["kode_kegiatan"]: r["nama_kegiatan"] for r in rows}
        self.sub = {r["kode_sub_kegiatan"]: r["nama_sub_kegiatan"] for r in rows}
        self.akun = akun
        self.dana = {
            r["kode_sumber_dana"]: r["nama_sumber_dana"] for r in read_seed("ref_sumber_dana")
        }

    def heading(self, opd: Opd, year: int, kode_sub: str) -> dict[str, Any]:
        key = nomenclature_key(kode_sub)  # X.XX.01.2.… for the support program
        return {
            "tahun": year,
            "kode_urusan": kode_sub[:1],
            "nama_urusan": self.urusan.get(kode_sub[:1]),
            "kode_skpd": opd.kode,
            "nama_skpd": opd.nama,
            "kode_sub_unit": opd.kode,
            "nama_sub_unit": opd.nama,
            "kode_bidang_urusan": kode_sub[:4],
            "nama_bidang_urusan": self.bidang.get(kode_sub[:4]),
            "kode_program": kode_sub[:7],
            "nama_program": self.program.get(key[:7]),
            "kode_kegiatan": kode_sub[:12],
            "nama_kegiatan": self.kegiatan.get(key[:12]),
            "kode_sub_kegiatan": kode_sub,
            "nama_sub_kegiatan": self.sub.get(key),
        }


def rows_of(opd: Opd, year: int, rincian: list[dict[str, Any]], names: Names) -> list[dict]:
    """One OPD's rincian rows of one tahapan as export rows, each sub kegiatan under its heading."""
    out: list[dict[str, Any]] = []
    by_sub: dict[str, list[dict[str, Any]]] = {}
    for r in rincian:
        by_sub.setdefault(r["kode_sub_kegiatan"], []).append(r)
    for kode_sub, lines in by_sub.items():
        head = names.heading(opd, year, kode_sub)
        out.append({**head, "pagu": sum((ln["total_rp"] for ln in lines), Decimal(0))})
        for ln in lines:
            out.append(
                {
                    **head,
                    "kode_sumber_dana": ln["kode_sumber_dana"],
                    "nama_sumber_dana": names.dana.get(ln["kode_sumber_dana"]),
                    "kode_rekening": ln["kode_akun"],
                    "nama_rekening": names.akun.get(ln["kode_akun"]),
                    "nama_standar_harga": ln["uraian_komponen"],
                    "pagu": ln["total_rp"],
                }
            )
    return out


def write_xlsx(path: Path, rows: list[dict[str, Any]], year: int, tahap: str) -> None:
    """The sheet as Bappeda downloads it from SIPD RI."""
    cols = columns()
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    wb.set_properties({"title": "Rincian Belanja", "author": "SIPD RI", "created": FIXED_CREATED})
    ws = wb.add_worksheet("Rincian Belanja")
    bold = wb.add_format({"bold": True, "align": "center"})
    head = wb.add_format({"bold": True, "border": 1, "bg_color": "#D9E1F2"})
    money = wb.add_format({"num_format": "#,##0.00"})
    ws.merge_range(0, 0, 0, len(cols) - 1, f"RINCIAN BELANJA PEMERINTAH {kota()[1].upper()}", bold)
    ws.merge_range(1, 0, 1, len(cols) - 1, f"Tahun Anggaran {year} - Tahapan {tahap}", bold)
    for j, name in enumerate(cols):
        ws.write_string(3, j, name, head)
    for i, r in enumerate(rows, start=4):
        for j, name in enumerate(cols):
            v = r.get(name)
            if v is None:
                continue
            if isinstance(v, Decimal):
                ws.write_number(i, j, float(v), money)
            elif isinstance(v, int):
                ws.write_number(i, j, v)
            else:
                ws.write_string(i, j, str(v))
    wb.close()
