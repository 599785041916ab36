"""`apbd banding` (issue 14 §1), read-only on the published mart: what changed between two
budget phases of one year, line by line (`marts.mart_perubahan_anggaran`, largest changes first)
and per OPD, program and account (`marts.mart_perubahan_anggaran_ringkas`). It uses the report
model and writers of ``reports`` (rupiah formats, formula-safe cells)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import duckdb

from dagster_project.lib.contracts.pemda import DEFAULT_PEMDA, Pemda
from dagster_project.lib.outputs.reports import (
    Report,
    ReportColumn,
    ReportError,
    ReportTable,
    _rows,
    pemda_laporan,
)

STATUS_BANDING = {
    "ditambah": "Ditambah",
    "dihapus": "Dihapus",
    "berubah": "Berubah",
    "dipindah": "Dipindah",
    "tetap": "Tetap",
}
CARA = {
    "kode_persis": "Kode dan uraian sama",
    "kode_saja": "Kode sama, uraian berganti",
    "nama_mirip": "Kemiripan nama",
    "tidak_ditemukan": "Tidak ditemukan",
}


def tahap_tersedia(
    con: duckdb.DuckDBPyConnection, tahun: int, pemda: Pemda | None = None
) -> list[str]:
    """The budget phases the mart compares for `tahun` of `pemda` (None: the only pemda of the
    mart), in order."""
    rows = con.execute(
        """select tahap from (
            select tahap_dari as tahap from marts.mart_perubahan_anggaran
            where kode_pemda = $p and tahun = $t
            union select tahap_ke from marts.mart_perubahan_anggaran
            where kode_pemda = $p and tahun = $t)""",
        {"p": pemda_laporan(con, pemda).kode_pemda, "t": tahun},
    ).fetchall()

    def urutan(t: str) -> int:
        if t == "murni":
            return 0
        if t == "perubahan":
            return 99
        if m := re.fullmatch(r"pergeseran_perubahan_(\d+)", t):
            return 100 + int(m[1])
        m = re.fullmatch(r"pergeseran_(\d+)", t)
        return int(m[1]) if m else 1000

    return sorted((r[0] for r in rows), key=urutan)


def _pasangan(con: duckdb.DuckDBPyConnection, tahun: int, dari: str, ke: str, pemda: Pemda) -> None:
    """Raise a ReportError a planner can act on when the pair is not in the mart."""
    ada = tahap_tersedia(con, tahun, pemda)
    if not ada:
        tahun_ada = [
            r[0]
            for r in con.execute(
                "select distinct tahun from marts.mart_perubahan_anggaran where kode_pemda = $p "
                "order by 1",
                {"p": pemda.kode_pemda},
            ).fetchall()
        ]
        raise ReportError(
            f"Tidak ada perbandingan tahap untuk tahun {tahun}.",
            "tahun yang ada: "
            + (", ".join(map(str, tahun_ada)) or "belum ada (jalankan apbd run)"),
        )
    for t in (dari, ke):
        if t not in ada:
            raise ReportError(
                f"Tahap '{t}' tidak ada pada tahun {tahun}.",
                f"tahap yang ada pada {tahun}: {', '.join(ada)}",
            )
    if ada.index(dari) >= ada.index(ke):
        raise ReportError(
            f"Tahap '{dari}' tidak sebelum '{ke}'.",
            f"urutan tahap {tahun}: {' → '.join(ada)}; pakai --dari yang lebih awal",
        )
    (n,) = con.execute(
        """select count(*) from marts.mart_perubahan_anggaran
        where kode_pemda = $p and tahun = $t and tahap_dari = $d and tahap_ke = $k""",
        {"p": pemda.kode_pemda, "t": tahun, "d": dari, "k": ke},
    ).fetchone()
    if not n:
        raise ReportError(
            f"Mart tidak membandingkan {dari} langsung dengan {ke} pada tahun {tahun}.",
            f"yang dibandingkan: dua tahap berurutan ({' → '.join(ada)}) dan murni ke setiap "
            "tahap sesudahnya",
        )


BARIS_COLUMNS = [
    ReportColumn("status_teks", "Status", "text", 1.0),
    ReportColumn("kode_skpd_dari", "OPD (sebelum)", "code", 1.6, in_pdf=False),
    ReportColumn("kode_sub_kegiatan_dari", "Sub kegiatan (sebelum)", "code", 1.5),
    ReportColumn("no_rincian_dari", "No (sebelum)", "count", 0.5, in_pdf=False),
    ReportColumn("kode_skpd_ke", "OPD (sesudah)", "code", 1.6, in_pdf=False),
    ReportColumn("kode_sub_kegiatan_ke", "Sub kegiatan (sesudah)", "code", 1.5),
    ReportColumn("no_rincian_ke", "No (sesudah)", "count", 0.5, in_pdf=False),
    ReportColumn("nama_skpd", "OPD", "text", 2.0),
    ReportColumn("kode_akun", "Kode akun", "code", 1.4),
    ReportColumn("uraian", "Komponen", "text", 2.5),
    ReportColumn("pagu_dari_rp", "Pagu sebelum", "rupiah", 1.3),
    ReportColumn("pagu_ke_rp", "Pagu sesudah", "rupiah", 1.3),
    ReportColumn("selisih_rp", "Selisih", "rupiah", 1.3),
    ReportColumn("yang_berubah", "Yang berubah", "text", 1.4),
    ReportColumn("cara_teks", "Cara dicocokkan", "text", 1.2, in_pdf=False),
    ReportColumn("kemiripan_nama", "Kemiripan nama", "number", 0.7, in_pdf=False),
    ReportColumn("alasan", "Penjelasan", "text", 4.0),
]
RINGKAS_COLUMNS = [
    ReportColumn("kode", "Kode", "code", 1.8),
    ReportColumn("nama", "Nama", "text", 3.0),
    ReportColumn("pagu_dari_rp", "Pagu sebelum", "rupiah", 1.4),
    ReportColumn("pagu_ke_rp", "Pagu sesudah", "rupiah", 1.4),
    ReportColumn("selisih_rp", "Selisih", "rupiah", 1.4),
    ReportColumn("selisih_persen", "Selisih %", "percent", 0.8),
    ReportColumn("jumlah_berubah", "Baris berubah", "count", 0.7),
    ReportColumn("jumlah_ditambah", "Ditambah", "count", 0.7),
    ReportColumn("jumlah_dihapus", "Dihapus", "count", 0.7),
    ReportColumn("jumlah_dipindah_masuk", "Dipindah masuk", "count", 0.7),
    ReportColumn("jumlah_dipindah_keluar", "Dipindah keluar", "count", 0.7),
    ReportColumn("alasan", "Ringkasan", "text", 4.0, in_pdf=False),
]


def banding_rows(
    con: duckdb.DuckDBPyConnection,
    tahun: int,
    dari: str,
    ke: str,
    *,
    semua: bool = False,
    pemda: Pemda | None = None,
) -> list[dict[str, Any]]:
    """The changed lines of `pemda` (None: the only pemda of the mart; every line with `semua`),
    largest absolute change first."""
    rows = _rows(
        con.execute(
            f"""
            select b.*, coalesce(o.nama_skpd, b.kode_skpd) as nama_skpd,
                coalesce(b.uraian_komponen_ke, b.uraian_komponen_dari) as uraian
            from marts.mart_perubahan_anggaran as b
            left join marts.dim_opd as o
                on o.kode_pemda = b.kode_pemda and o.kode_skpd = b.kode_skpd
            where b.kode_pemda = $p and b.tahun = $t and b.tahap_dari = $d and b.tahap_ke = $k
                {"" if semua else "and b.status <> 'tetap'"}
            order by abs(b.selisih_rp) desc, b.status, b.id_baris
            """,
            {"p": pemda_laporan(con, pemda).kode_pemda, "t": tahun, "d": dari, "k": ke},
        )
    )
    for r in rows:
        r["status_teks"] = STATUS_BANDING[r["status"]]
        r["cara_teks"] = CARA[r["cara_pencocokan"]]
    return rows


def ringkas_rows(
    con: duckdb.DuckDBPyConnection,
    tahun: int,
    dari: str,
    ke: str,
    tingkat: str,
    pemda: Pemda | None = None,
) -> list[dict[str, Any]]:
    """Totals per OPD, program or account of `pemda` (None: the only pemda of the mart),
    largest absolute change first (percent as fraction)."""
    nama = {
        "opd": "(select max(nama_skpd) from marts.dim_opd o "
        "where o.kode_pemda = r.kode_pemda and o.kode_skpd = r.kode_skpd)",
        "program": "(select max(nama_program) from marts.dim_sub_kegiatan s "
        "where s.kode_program = r.kode_program)",
        "akun": "(select max(nama_akun) from marts.dim_akun a where a.kode_akun = r.kode_akun)",
    }[tingkat]
    rows = _rows(
        con.execute(
            f"""
            select r.*, {nama} as nama
            from marts.mart_perubahan_anggaran_ringkas as r
            where r.kode_pemda = $p and r.tahun = $t and r.tahap_dari = $d and r.tahap_ke = $k
                and r.tingkat = $g
            order by abs(r.selisih_rp) desc, r.kode
            """,
            {
                "p": pemda_laporan(con, pemda).kode_pemda,
                "t": tahun,
                "d": dari,
                "k": ke,
                "g": tingkat,
            },
        )
    )
    for r in rows:
        if r["selisih_persen"] is not None:
            r["selisih_persen"] = Decimal(r["selisih_persen"]) / 100
    return rows


def _jumlah(rows: list[dict[str, Any]], *keys: str) -> dict[str, Any]:
    return {k: sum((r[k] or 0 for r in rows), Decimal(0)) for k in keys}


def build_banding_report(
    con: duckdb.DuckDBPyConnection,
    tahun: int,
    dari: str,
    ke: str,
    *,
    meta: dict[str, Any] | None = None,
    pemda: Pemda | None = None,
) -> Report:
    """The workbook of `apbd banding` for `pemda` (None: the only pemda of the mart): changed
    lines largest first, then per OPD, program and account, and the notes (how lines are
    matched, the threshold in force)."""
    pemda = pemda_laporan(con, pemda)
    _pasangan(con, tahun, dari, ke, pemda)
    meta = meta or {}
    baris = banding_rows(con, tahun, dari, ke, pemda=pemda)
    uang = ("pagu_dari_rp", "pagu_ke_rp", "selisih_rp")
    hitung = ("jumlah_berubah", "jumlah_ditambah", "jumlah_dihapus")
    pindah = ("jumlah_dipindah_masuk", "jumlah_dipindah_keluar")
    tables = [
        ReportTable(
            "Perubahan terbesar",
            f"Baris rincian yang berubah dari {dari} ke {ke}, perubahan terbesar lebih dulu",
            BARIS_COLUMNS,
            baris,
            {"status_teks": "Jumlah", **_jumlah(baris, *uang)},
        )
    ]
    for tingkat, sheet in (("opd", "Per OPD"), ("program", "Per program"), ("akun", "Per akun")):
        rows = ringkas_rows(con, tahun, dari, ke, tingkat, pemda)
        total = {"kode": "Jumlah", **_jumlah(rows, *uang, *hitung, *pindah)}
        if tingkat == "akun":
            total.pop("jumlah_dipindah_masuk"), total.pop("jumlah_dipindah_keluar")
        tables.append(
            ReportTable(
                sheet, f"Perubahan {dari} ke {ke} {sheet.lower()}", RINGKAS_COLUMNS, rows, total
            )
        )
    (ambang,) = con.execute(
        "select ambang_kemiripan_nama from reference.ref_pencocokan_rincian"
    ).fetchone()
    return Report(
        title=f"Perubahan APBD {tahun}: {dari} → {ke} — {pemda.nama_pemda}",
        subtitle=(
            f"Sumber: mart APBD terbit versi {meta.get('version', '-')} "
            f"(diterbitkan {meta.get('published_at', '-')}); mart_perubahan_anggaran."
        ),
        tables=tables,
        notes=[
            ("Pemda", f"{pemda.nama_pemda} (kode Kemendagri {pemda.kode_pemda})"),
            ("Tahun, tahap", f"{tahun}: {dari} → {ke}"),
            ("Versi mart terbit", str(meta.get("version", "-"))),
            ("Diterbitkan pada", str(meta.get("published_at", "-"))),
            (
                "Status",
                "Ditambah: baris baru. Dihapus: baris yang tidak ada lagi. Berubah: pagu, volume, "
                "harga satuan, sumber dana atau lokasi berubah. Dipindah: baris pindah ke sub "
                "kegiatan atau OPD lain. Baris yang tetap tidak dicantumkan di sheet pertama.",
            ),
            (
                "Cara dicocokkan",
                "Pertama dengan kode (OPD, sub kegiatan, nomor rincian, akun) dan uraian yang "
                "sama; lalu dengan kemiripan nama komponen (Jaro-Winkler, akun sama, minimal "
                f"{str(ambang).replace('.', ',')} menurut reference.ref_pencocokan_rincian) untuk "
                "baris yang nomornya berganti atau pindah; lalu dengan kode saja.",
            ),
            (
                "OPD tanpa DPA tahap ini",
                "OPD yang tidak menerbitkan DPA pada suatu tahap memakai DPA tahap terakhirnya "
                "sebelum itu (disebut di kolom Penjelasan).",
            ),
        ],
        nama_pemda=pemda.nama_pemda,
        # Samarinda's file keeps its name; another pemda's carries its code
        stem=f"banding_{tahun}_{dari}_{ke}"
        if pemda.kode_pemda == DEFAULT_PEMDA
        else f"banding_{pemda.kode_pemda.replace('.', '_')}_{tahun}_{dari}_{ke}",
    )
