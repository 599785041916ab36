"""Reports for BPKAD finance staff: pagu, realisasi, serapan and flags per OPD or per program.

One `Report` is built from the published mart (read-only connection passed in) and written three
ways from the same rows: an XLSX workbook for Excel (Rupiah number format, Indonesian headings,
frozen header row, filters, totals that follow the filter), an HTML page for the browser's print
dialog, and a PDF (fpdf2, no network, no system libraries).

Performance sits beside the money: capaian keluaran (output achievement), cost per unit of output
against the median of the same sub kegiatan elsewhere, outcome impact and the performance flags,
read from `mart_kinerja_program` (per program) and `mart_kinerja_sub_kegiatan` (per sub kegiatan
and location). Percent columns of those marts (0–150) become fractions here, so every percentage
in the workbook carries the same `0.0%` format.

Every text cell written to XLSX (and CSV by `exports`) goes through `neutralise_cell`, so a value
such as `=HYPERLINK(...)` arriving in an OPD's file can never become a live formula.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dagster_project.lib.contracts.pemda import (
    DEFAULT_PEMDA,
    Pemda,
    PemdaError,
    choose_pemda,
    nama_pemda_terbit,
    pemda_seed,
    pemda_terbit,
)
from dagster_project.lib.core.files import atomic_write, write_text_atomic
from dagster_project.lib.core.fmt import angka, persen, rupiah
from dagster_project.lib.core.idformat import NAMA_BULAN
from dagster_project.lib.core.safe_cells import neutralise_cell

if TYPE_CHECKING:
    import duckdb

    from dagster_project.lib.core.paths import DataPaths

DEFAULT_AMBANG = Decimal("0.5")  # realisation below half of the cash plan to date is flagged
RUPIAH_FORMAT = "[$Rp-421]#,##0"  # Excel shows Rp1.234.567 with Indonesian regional settings
PERSEN_FORMAT = "0.0%"
JUMLAH_FORMAT = "#,##0"
ANGKA_FORMAT = "#,##0.00"  # ratios and scores: 2,35 (cost 2.35 × the median)

# The performance flags of mart_kinerja_program / mart_kinerja_sub_kegiatan, as a reader says them.
TANDA_KINERJA = {
    "flag_serapan_rendah": "serapan rendah (< 60 %)",
    "flag_keluaran_rendah": "capaian keluaran rendah (< 60 %)",
    "flag_tanpa_indikator_terukur": "tanpa indikator terukur",
    "flag_laporan_tidak_lengkap": "laporan triwulan 4 belum ada",
    "flag_laporan_terlambat": "laporan terlambat",
    "flag_biaya_unit_tinggi": "biaya per unit ≥ 2× median",
}
KLASIFIKASI = {
    "efektif": "efektif",
    "tidak_efektif": "tidak efektif",
    "serapan_rendah": "serapan rendah",
    "dampak_belum_terukur": "dampak belum terukur",
    "belum_dapat_dinilai": "belum dapat dinilai",
}

# --------------------------------------------------------------------------------------------
# Errors and selection
# --------------------------------------------------------------------------------------------


class ReportError(ValueError):
    """A report cannot be made; `message` says why and `hint` what to do (Indonesian)."""

    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class Selection:
    """What a report covers: one pemda's fiscal year, optionally one OPD and/or one program."""

    tahun: int
    kode_skpd: str | None = None
    nama_skpd: str | None = None
    singkatan: str | None = None
    kode_program: str | None = None
    nama_program: str | None = None
    pemda: Pemda = field(default_factory=lambda: pemda_seed(DEFAULT_PEMDA))

    @property
    def kode_pemda(self) -> str:
        return self.pemda.kode_pemda

    @property
    def scope(self) -> str:
        if self.kode_program:
            return "program"
        return "opd" if self.kode_skpd else "pemda"

    @property
    def label(self) -> str:
        parts = []
        if self.kode_skpd:
            parts.append(f"{self.nama_skpd or self.kode_skpd}")
        if self.kode_program:
            parts.append(f"Program {self.kode_program} {self.nama_program or ''}".strip())
        return " — ".join(parts) or f"Seluruh OPD {self.pemda.nama_pemda}"

    @property
    def slug(self) -> str:
        # Samarinda's file names stay what they were before the pemda key (laporan_2025_kota);
        # another pemda's lead with its code, so two pemda never write the same file.
        parts = [] if self.kode_pemda == DEFAULT_PEMDA else [self.kode_pemda]
        parts.append(str(self.tahun))
        if self.kode_skpd:
            parts.append(self.singkatan or self.kode_skpd)
        if self.kode_program:
            parts.append(self.kode_program)
        if not (self.kode_skpd or self.kode_program):
            parts.append(self.pemda.jenis_teks)
        return re.sub(r"[^a-z0-9]+", "_", "_".join(parts).lower()).strip("_")


def available_years(con: duckdb.DuckDBPyConnection, kode_pemda: str) -> list[int]:
    rows = con.execute(
        "select distinct tahun from marts.mart_anggaran_realisasi where kode_pemda = $kode_pemda "
        "order by tahun",
        {"kode_pemda": kode_pemda},
    ).fetchall()
    return [r[0] for r in rows]


def list_opd(
    con: duckdb.DuckDBPyConnection, tahun: int, kode_pemda: str
) -> list[tuple[str, str, str | None]]:
    """(kode_skpd, nama_skpd, singkatan) of every OPD of `kode_pemda` with a budget in `tahun`,
    by code."""
    return con.execute(
        """
        select m.kode_skpd, any_value(m.nama_skpd), any_value(o.singkatan)
        from marts.mart_anggaran_realisasi as m
        left join marts.dim_opd as o
            on o.kode_pemda = m.kode_pemda and o.kode_skpd = m.kode_skpd
            and m.tahun between o.tahun_mulai and coalesce(o.tahun_selesai, m.tahun)
        where m.tahun = $tahun and m.kode_pemda = $kode_pemda
        group by m.kode_skpd
        order by m.kode_skpd
        """,
        {"tahun": tahun, "kode_pemda": kode_pemda},
    ).fetchall()


def resolve_selection(
    con: duckdb.DuckDBPyConnection,
    tahun: int | None = None,
    opd: str | None = None,
    program: str | None = None,
    pemda: Pemda | None = None,
) -> Selection:
    """Turn what a user typed (year, OPD code/short name/part of its name, program code or part of
    its name) into a `Selection` of `pemda` (None: the only pemda the mart holds; a caller with
    the data folder passes `contracts.pemda.pilih_pemda_terbit`'s), or raise `ReportError` with
    a hint."""
    pemda = pemda_laporan(con, pemda)
    years = available_years(con, pemda.kode_pemda)
    if not years:
        raise ReportError(
            "Mart terbit belum berisi data anggaran.", "jalankan pipeline dulu: make run"
        )
    if tahun is None:
        tahun = years[-1]
    elif tahun not in years:
        raise ReportError(
            f"Tahun {tahun} tidak ada di mart terbit (tersedia: {', '.join(map(str, years))}).",
            f"pakai salah satu tahun itu, mis. --tahun {years[-1]}",
        )
    kode_skpd = nama_skpd = singkatan = None
    if opd:
        opds = list_opd(con, tahun, pemda.kode_pemda)
        kode_skpd, nama_skpd, singkatan = _match_opd(opds, opd, tahun)
    kode_program = nama_program = None
    if program:
        kode_program, nama_program = _match_program(
            con, tahun, program, kode_skpd, pemda.kode_pemda
        )
    return Selection(tahun, kode_skpd, nama_skpd, singkatan, kode_program, nama_program, pemda)


def pemda_laporan(con: duckdb.DuckDBPyConnection, pemda: Pemda | None) -> Pemda:
    """`pemda`, or (None) the only pemda the mart holds; a caller with the data folder passes
    `contracts.pemda.pilih_pemda_terbit`'s, which also knows the deployment's default."""
    if pemda is not None:
        return pemda
    try:
        kode = choose_pemda([p.kode_pemda for p in pemda_terbit(con)], None, where="di mart terbit")
    except PemdaError as exc:
        raise ReportError(exc.message, "pilih pemda dengan --pemda <kode>") from exc
    return nama_pemda_terbit(con, kode or DEFAULT_PEMDA)


def _match_opd(opds: list[tuple[str, str, str | None]], text: str, tahun: int):
    t = text.strip().lower()
    for exact in (
        [o for o in opds if o[0].lower() == t],
        [o for o in opds if (o[2] or "").lower() == t],
        [o for o in opds if t in (o[1] or "").lower() or t in (o[2] or "").lower()],
    ):
        if len(exact) == 1:
            return exact[0]
        if len(exact) > 1:
            names = "; ".join(f"{o[2] or o[1]} ({o[0]})" for o in exact[:5])
            raise ReportError(
                f"'{text}' cocok dengan {len(exact)} OPD pada tahun {tahun}: {names}.",
                "sebutkan kode OPD atau singkatannya dengan lengkap, mis. --opd Dinkes",
            )
    raise ReportError(
        f"OPD '{text}' tidak ditemukan di anggaran tahun {tahun}.",
        'lihat daftar OPD: apbd kueri "select distinct kode_pemda, kode_skpd, nama_skpd from '
        f'marts.mart_anggaran_realisasi where tahun = {tahun}"',
    )


def _match_program(
    con, tahun: int, text: str, kode_skpd: str | None, kode_pemda: str
) -> tuple[str, str]:
    rows = con.execute(
        """
        select kode_program, any_value(nama_program)
        from marts.mart_anggaran_realisasi
        where tahun = $tahun and kode_pemda = $kode_pemda
            and ($kode_skpd is null or kode_skpd = $kode_skpd)
            and kode_program is not null
        group by kode_program order by kode_program
        """,
        {"tahun": tahun, "kode_skpd": kode_skpd, "kode_pemda": kode_pemda},
    ).fetchall()
    t = text.strip().lower()
    exact = [r for r in rows if r[0].lower() == t]
    found = exact or [r for r in rows if t in (r[1] or "").lower()]
    if len(found) == 1:
        return found[0]
    where = f"tahun {tahun}" + (" untuk OPD itu" if kode_skpd else "")
    if found:
        names = "; ".join(f"{r[0]} {r[1]}" for r in found[:5])
        raise ReportError(
            f"'{text}' cocok dengan {len(found)} program pada {where}: {names}.",
            "sebutkan kode program lengkap, mis. --program 1.02.02",
        )
    raise ReportError(
        f"Program '{text}' tidak ditemukan di anggaran {where}.",
        'lihat daftar program: apbd kueri "select distinct kode_program, nama_program from '
        f'marts.mart_anggaran_realisasi where tahun = {tahun}"',
    )


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------

MEASURES = (
    "pagu_murni",
    "pagu_akhir",
    "realisasi",
    "rencana_kas_sd",
    "realisasi_sd",
    "baris_melebihi_pagu",
)


def _filters(sel: Selection, alias: str = "m") -> str:
    cond = [f"{alias}.kode_pemda = $kode_pemda", f"{alias}.tahun = $tahun"]
    if sel.kode_skpd:
        cond.append(f"{alias}.kode_skpd = $kode_skpd")
    if sel.kode_program:
        cond.append(f"{alias}.kode_program = $kode_program")
    return " and ".join(cond)


def _params(sel: Selection, **extra: Any) -> dict[str, Any]:
    p: dict[str, Any] = {"kode_pemda": sel.kode_pemda, "tahun": sel.tahun, **extra}
    if sel.kode_skpd:
        p["kode_skpd"] = sel.kode_skpd
    if sel.kode_program:
        p["kode_program"] = sel.kode_program
    return p


def reporting_month(con: duckdb.DuckDBPyConnection, tahun: int, kode_pemda: str) -> int:
    """The last month of `tahun` with any SP2D of `kode_pemda` in the mart (1 when there is none
    yet): the month up to which realisation is compared with the cash plan."""
    (bulan,) = con.execute(
        """select max(bulan) from marts.mart_realisasi_bulanan
        where kode_pemda = $kode_pemda and tahun = $tahun and realisasi_rp <> 0""",
        {"tahun": tahun, "kode_pemda": kode_pemda},
    ).fetchone()
    return int(bulan or 1)


def sub_kegiatan_rows(
    con: duckdb.DuckDBPyConnection, sel: Selection, bulan: int
) -> list[dict[str, Any]]:
    """One row per OPD × sub kegiatan in the selection: pagu, realisasi, the cash plan and the
    realisation up to `bulan`, and how many account lines are over their pagu. Exact Decimals."""
    sql = f"""
        with a as (
            select
                m.kode_skpd,
                m.kode_sub_kegiatan,
                any_value(m.nama_skpd) as nama_skpd,
                any_value(m.kode_program) as kode_program,
                any_value(m.nama_program) as nama_program,
                any_value(m.kode_kegiatan) as kode_kegiatan,
                any_value(m.nama_kegiatan) as nama_kegiatan,
                any_value(m.nama_sub_kegiatan) as nama_sub_kegiatan,
                sum(m.pagu_murni_rp) as pagu_murni,
                sum(m.pagu_akhir_rp) as pagu_akhir,
                sum(m.realisasi_rp) as realisasi,
                count(*) filter (where m.melebihi_pagu) as baris_melebihi_pagu
            from marts.mart_anggaran_realisasi as m
            where {_filters(sel)}
            group by m.kode_skpd, m.kode_sub_kegiatan
        ),

        k as (
            select
                b.kode_skpd,
                b.kode_sub_kegiatan,
                sum(b.rencana_kas_kumulatif_rp) as rencana_kas_sd,
                sum(b.realisasi_kumulatif_rp) as realisasi_sd
            from marts.mart_realisasi_bulanan as b
            where b.kode_pemda = $kode_pemda and b.tahun = $tahun and b.bulan = $bulan
            group by b.kode_skpd, b.kode_sub_kegiatan
        ),

        o as (
            select kode_skpd, any_value(singkatan) as singkatan
            from marts.dim_opd
            where kode_pemda = $kode_pemda
                and $tahun between tahun_mulai and coalesce(tahun_selesai, $tahun)
            group by kode_skpd
        )

        select
            a.*,
            o.singkatan,
            coalesce(k.rencana_kas_sd, 0) as rencana_kas_sd,
            coalesce(k.realisasi_sd, 0) as realisasi_sd
        from a
        left join k on k.kode_skpd = a.kode_skpd and k.kode_sub_kegiatan = a.kode_sub_kegiatan
        left join o on o.kode_skpd = a.kode_skpd
        order by a.kode_skpd, a.kode_program, a.kode_kegiatan, a.kode_sub_kegiatan
    """
    rel = con.execute(sql, _params(sel, bulan=bulan))
    cols = [d[0] for d in rel.description]
    return [dict(zip(cols, r, strict=True)) for r in rel.fetchall()]


def _ratio(num: Decimal | None, den: Decimal | None) -> Decimal | None:
    if num is None or not den:
        return None
    return (Decimal(num) / Decimal(den)).quantize(Decimal("0.0001"), ROUND_HALF_UP)


def flags(row: dict[str, Any], ambang: Decimal = DEFAULT_AMBANG) -> list[str]:
    """Why a row deserves a look, in Indonesian: account lines paid beyond their pagu, and
    realisation below `ambang` × the cash plan up to the reporting month."""
    out = []
    if row.get("baris_melebihi_pagu"):
        out.append(f"melebihi pagu ({row['baris_melebihi_pagu']} baris akun)")
    ratio = _ratio(row.get("realisasi_sd"), row.get("rencana_kas_sd"))
    if ratio is not None and ratio < ambang:
        out.append(f"di bawah rencana kas (< {persen(ambang * 100)})")
    return out


def with_derived(row: dict[str, Any], ambang: Decimal = DEFAULT_AMBANG) -> dict[str, Any]:
    """Add sisa pagu, serapan (fraction), realisation against the cash plan and flags."""
    out = dict(row)
    out["sisa_pagu"] = row["pagu_akhir"] - row["realisasi"]
    out["serapan"] = _ratio(row["realisasi"], row["pagu_akhir"])
    out["capaian_rencana_kas"] = _ratio(row["realisasi_sd"], row["rencana_kas_sd"])
    out["tanda"] = "; ".join(flags(row, ambang))
    return out


def rollup(
    rows: Iterable[dict[str, Any]], keys: Sequence[str], ambang: Decimal = DEFAULT_AMBANG
) -> list[dict[str, Any]]:
    """Sum the measures of `rows` by `keys` (first-seen order), then derive ratios and flags."""
    groups: dict[tuple, dict[str, Any]] = {}
    for r in rows:
        k = tuple(r.get(key) for key in keys)
        g = groups.get(k)
        if g is None:
            g = groups[k] = {key: r.get(key) for key in keys}
            g.update({m: Decimal(0) for m in MEASURES})
            g["baris_melebihi_pagu"] = 0
        for m in MEASURES:
            g[m] += r[m] or 0
    return [with_derived(g, ambang) for g in groups.values()]


def totals(rows: Iterable[dict[str, Any]], ambang: Decimal = DEFAULT_AMBANG) -> dict[str, Any]:
    (total,) = rollup(rows, [], ambang) or [with_derived(dict.fromkeys(MEASURES, Decimal(0)))]
    return total


def absorption_curve(con: duckdb.DuckDBPyConnection, sel: Selection) -> list[dict[str, Any]]:
    """Twelve rows: the month's cash plan and SP2D, cumulative, and both as a share of pagu."""
    rel = con.execute(
        f"""
        with pilih as (
            select distinct m.kode_skpd, m.kode_sub_kegiatan
            from marts.mart_anggaran_realisasi as m
            where {_filters(sel)}
        )

        select
            b.bulan,
            sum(b.rencana_kas_rp) as rencana_kas,
            sum(b.realisasi_rp) as realisasi,
            sum(b.rencana_kas_kumulatif_rp) as rencana_kas_kumulatif,
            sum(b.realisasi_kumulatif_rp) as realisasi_kumulatif,
            sum(b.pagu_akhir_rp) as pagu_akhir
        from marts.mart_realisasi_bulanan as b
        inner join pilih
            on pilih.kode_skpd = b.kode_skpd and pilih.kode_sub_kegiatan = b.kode_sub_kegiatan
        where b.kode_pemda = $kode_pemda and b.tahun = $tahun
        group by b.bulan
        order by b.bulan
        """,
        _params(sel),
    )
    cols = [d[0] for d in rel.description]
    out = []
    for r in rel.fetchall():
        d = dict(zip(cols, r, strict=True))
        d["nama_bulan"] = NAMA_BULAN[d["bulan"] - 1]
        d["rencana_kas_kumulatif_persen"] = _ratio(d["rencana_kas_kumulatif"], d["pagu_akhir"])
        d["serapan_kumulatif_persen"] = _ratio(d["realisasi_kumulatif"], d["pagu_akhir"])
        out.append(d)
    return out


def spending_type_rows(con: duckdb.DuckDBPyConnection, sel: Selection) -> list[dict[str, Any]]:
    """Pagu and realisasi by jenis belanja (account level 3: pegawai, barang dan jasa, modal…)."""
    rel = con.execute(
        f"""
        select
            m.kode_akun_3,
            any_value(m.nama_akun_3) as nama_akun_3,
            sum(m.pagu_murni_rp) as pagu_murni,
            sum(m.pagu_akhir_rp) as pagu_akhir,
            sum(m.realisasi_rp) as realisasi,
            count(*) filter (where m.melebihi_pagu) as baris_melebihi_pagu
        from marts.mart_anggaran_realisasi as m
        where {_filters(sel)}
        group by m.kode_akun_3
        order by m.kode_akun_3
        """,
        _params(sel),
    )
    cols = [d[0] for d in rel.description]
    rows = []
    for r in rel.fetchall():
        d = dict(zip(cols, r, strict=True))
        d["sisa_pagu"] = d["pagu_akhir"] - d["realisasi"]
        d["serapan"] = _ratio(d["realisasi"], d["pagu_akhir"])
        rows.append(d)
    return rows


def overspent_lines(con: duckdb.DuckDBPyConnection, sel: Selection) -> list[dict[str, Any]]:
    """Account lines (OPD × sub kegiatan × akun × sumber dana) paid beyond their final pagu."""
    rel = con.execute(
        f"""
        select
            m.kode_skpd, m.nama_skpd, m.kode_sub_kegiatan, m.nama_sub_kegiatan, m.kode_akun,
            m.nama_akun, m.nama_sumber_dana, m.pagu_akhir_rp as pagu_akhir,
            m.realisasi_rp as realisasi, -m.sisa_pagu_rp as kelebihan
        from marts.mart_anggaran_realisasi as m
        where {_filters(sel)} and m.melebihi_pagu
        order by kelebihan desc
        """,
        _params(sel),
    )
    cols = [d[0] for d in rel.description]
    return [dict(zip(cols, r, strict=True)) for r in rel.fetchall()]


def proyeksi_rows(
    con: duckdb.DuckDBPyConnection, sel: Selection, bulan: int
) -> list[dict[str, Any]]:
    """Where the year will end (mart_proyeksi_serapan): the forecast made at the end of `bulan`
    (or the latest month with data before it), one row per OPD × program in the selection,
    lowest forecast first, with the actual final absorption when the year is complete (how the
    forecast fared). Percentages as fractions (0.855 = 85,5 %)."""
    rows = _rows(
        con.execute(
            f"""
            select
                m.kode_skpd, m.nama_skpd, m.kode_program, m.nama_program,
                m.pagu_akhir_rp as pagu_akhir, m.realisasi_kumulatif_rp as realisasi,
                m.serapan_kumulatif_persen as serapan, m.proyeksi_serapan_persen as proyeksi,
                m.proyeksi_serapan_bawah_persen as proyeksi_bawah,
                m.proyeksi_serapan_atas_persen as proyeksi_atas,
                m.porsi_desember_persen as porsi_desember, m.metode_proyeksi as metode,
                m.is_di_bawah_ambang, m.is_menumpuk_desember, m.alasan,
                akhir.serapan_kumulatif_persen as serapan_akhir
            from marts.mart_proyeksi_serapan as m
            left join marts.mart_proyeksi_serapan as akhir
                on akhir.kode_pemda = m.kode_pemda and akhir.tahun = m.tahun
                and akhir.kode_skpd = m.kode_skpd
                and akhir.kode_program = m.kode_program and akhir.bulan_proyeksi = 12
                and m.bulan_proyeksi < 12
            where {_filters(sel)} and m.bulan_proyeksi = (
                select max(bulan_proyeksi) from marts.mart_proyeksi_serapan
                where kode_pemda = $kode_pemda and tahun = $tahun and bulan_proyeksi <= $bulan
            )
            order by m.proyeksi_serapan_persen nulls last, m.kode_skpd, m.kode_program
            """,
            _params(sel, bulan=bulan),
        )
    )
    for r in rows:
        _percent_to_fraction(
            r,
            "serapan",
            "proyeksi",
            "proyeksi_bawah",
            "proyeksi_atas",
            "porsi_desember",
            "serapan_akhir",
        )
        r["opd"] = r["nama_skpd"] or r["kode_skpd"]
        r["tanda"] = "; ".join(
            teks
            for kolom, teks in (
                ("is_di_bawah_ambang", "proyeksi di bawah ambang"),
                ("is_menumpuk_desember", "menumpuk di Desember"),
            )
            if r[kolom]
        )
    return rows


def telaah_rows(con: duckdb.DuckDBPyConnection, sel: Selection) -> list[dict[str, Any]]:
    """The review list (mart_anomali) in the selection: one row per case, largest amount first.
    A program selection keeps the cases of its sub kegiatan."""
    cond = ["m.kode_pemda = $kode_pemda", "m.tahun = $tahun"]
    if sel.kode_skpd:
        cond.append("m.kode_skpd = $kode_skpd")
    if sel.kode_program:
        cond.append("starts_with(m.kode_sub_kegiatan, $kode_program || '.')")
    return _rows(
        con.execute(
            f"""
            select
                m.nama_aturan, m.kode_skpd, m.nama_skpd, m.kode_sub_kegiatan, m.kode_akun,
                m.penerima, m.nilai_rp as nilai, m.nilai_pembanding_rp as pembanding,
                m.nomor_sp2d, m.kunci_rincian, m.alasan
            from marts.mart_anomali as m
            where {" and ".join(cond)}
            order by m.kode_aturan, m.nilai_rp desc
            """,
            _params(sel),
        )
    )


def tanda_kinerja(row: dict[str, Any]) -> str:
    """The performance flags that are set on a row, in Indonesian, joined by '; '."""
    return "; ".join(teks for kolom, teks in TANDA_KINERJA.items() if row.get(kolom))


def _percent_to_fraction(row: dict[str, Any], *keys: str) -> None:
    for key in keys:
        if row.get(key) is not None:
            row[key] = Decimal(row[key]) / 100


def _rows(rel) -> list[dict[str, Any]]:
    cols = [d[0] for d in rel.description]
    return [dict(zip(cols, r, strict=True)) for r in rel.fetchall()]


def kinerja_program_rows(con: duckdb.DuckDBPyConnection, sel: Selection) -> list[dict[str, Any]]:
    """One row per OPD × program of `mart_kinerja_program` in the selection: money, capaian,
    outcome impact, the highest flagged cost ratio, flags and the mart's own classification and
    reasons. Percentages as fractions (0.855 = 85,5 %)."""
    flag_cols = ", ".join(f"k.{c}" for c in TANDA_KINERJA)
    rows = _rows(
        con.execute(
            f"""
            select
                k.kode_skpd, k.nama_skpd, o.singkatan, k.kode_program, k.nama_program,
                k.program_penunjang, k.pagu_akhir_rp as pagu_akhir, k.realisasi_rp as realisasi,
                k.serapan_persen as serapan, k.jumlah_indikator_terukur,
                k.capaian_keluaran_persen as capaian_keluaran,
                k.capaian_outcome_persen as capaian_outcome, k.nama_indikator_outcome,
                k.skor_dampak, k.rasio_biaya_tertinggi, k.triwulan_terakhir, {flag_cols},
                k.klasifikasi, k.alasan
            from marts.mart_kinerja_program as k
            left join marts.dim_opd as o
                on o.kode_pemda = k.kode_pemda and o.kode_skpd = k.kode_skpd
                and k.tahun between o.tahun_mulai and coalesce(o.tahun_selesai, k.tahun)
            where {_filters(sel, "k")}
            order by k.kode_skpd, k.kode_program
            """,
            _params(sel),
        )
    )
    for r in rows:
        _percent_to_fraction(r, "serapan", "capaian_keluaran", "capaian_outcome")
        r["opd"] = r["singkatan"] or r["nama_skpd"] or r["kode_skpd"]
        r["tanda_kinerja"] = tanda_kinerja(r)
        r["klasifikasi_teks"] = KLASIFIKASI.get(r["klasifikasi"], r["klasifikasi"])
    return rows


def kinerja_sub_kegiatan_rows(
    con: duckdb.DuckDBPyConnection, sel: Selection
) -> list[dict[str, Any]]:
    """One row per OPD × sub kegiatan (× location) of `mart_kinerja_sub_kegiatan`: the main
    output indicator, its target and realisation, capaian, cost per unit of output against the
    median of the same sub kegiatan, flags and notes. Percentages as fractions."""
    flag_cols = ", ".join(f"k.{c}" for c in TANDA_KINERJA if c != "flag_laporan_terlambat")
    rows = _rows(
        con.execute(
            f"""
            select
                k.kode_skpd, k.nama_skpd, o.singkatan, k.kode_program, k.kode_sub_kegiatan,
                k.nama_sub_kegiatan, k.nama_wilayah_lokasi, k.pagu_akhir_rp as pagu_akhir,
                k.realisasi_rp as realisasi, k.serapan_persen as serapan, k.indikator_keluaran,
                k.kode_satuan, k.target_keluaran, k.realisasi_keluaran,
                k.capaian_keluaran_persen as capaian_keluaran, k.alasan_capaian_kosong,
                k.biaya_per_unit_rp, k.median_biaya_per_unit_rp, k.rasio_biaya_terhadap_median,
                {flag_cols}, k.catatan
            from marts.mart_kinerja_sub_kegiatan as k
            left join marts.dim_opd as o
                on o.kode_pemda = k.kode_pemda and o.kode_skpd = k.kode_skpd
                and k.tahun between o.tahun_mulai and coalesce(o.tahun_selesai, k.tahun)
            where {_filters(sel, "k")}
            order by k.kode_skpd, k.kode_sub_kegiatan, k.kode_wilayah_lokasi
            """,
            _params(sel),
        )
    )
    for r in rows:
        _percent_to_fraction(r, "serapan", "capaian_keluaran")
        r["opd"] = r["singkatan"] or r["nama_skpd"] or r["kode_skpd"]
        r["tanda_kinerja"] = tanda_kinerja(r)
        r["keterangan"] = "; ".join(x for x in (r["alasan_capaian_kosong"], r["catatan"]) if x)
    return rows


# --------------------------------------------------------------------------------------------
# Report model
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportColumn:
    key: str
    title: str
    kind: str = "text"  # text | code | rupiah | percent | count | number
    weight: float = 1.0  # relative width in the PDF
    in_pdf: bool = True


@dataclass
class ReportTable:
    sheet: str
    title: str
    columns: list[ReportColumn]
    rows: list[dict[str, Any]]
    total: dict[str, Any] | None = None
    sorot: str | None = None  # a row key whose true value sets the row in bold (e.g. `is_diri`)


@dataclass
class Report:
    """One report, whatever it covers: tables (one sheet each) and the 'Catatan' notes. The
    realisation report sets `selection`, `bulan` and `ambang`; another report (the peer
    comparison, `lib/outputs/pembanding.py`) names its files with `stem` instead."""

    title: str
    subtitle: str
    tables: list[ReportTable]
    notes: list[tuple[str, str]] = field(default_factory=list)
    selection: Selection | None = None
    bulan: int | None = None
    ambang: Decimal | None = None
    stem: str | None = None
    # whose warehouse made it (the document's author): the report's pemda
    nama_pemda: str = field(default_factory=lambda: pemda_seed(DEFAULT_PEMDA).nama_pemda)

    @property
    def author(self) -> str:
        return f"Gudang data APBD {self.nama_pemda}"

    @property
    def file_stem(self) -> str:
        return self.stem or f"laporan_{self.selection.slug}"


def published_meta(paths: DataPaths) -> dict[str, Any]:
    """Version, time, run and sha256 of the mart that is published now (from the publish log)."""
    from dagster_project.lib.publish.publisher import current_version

    entry = current_version(paths) or {}
    return {
        "version": entry.get("version", "tidak tercatat"),
        "published_at": entry.get("published_at", "-"),
        "run_id": entry.get("run_id", "-"),
        "sha256": entry.get("sha256", "-"),
    }


def _measure_columns(bulan: int) -> list[ReportColumn]:
    sd = f"s.d. {NAMA_BULAN[bulan - 1]}"
    return [
        ReportColumn("pagu_murni", "Pagu murni", "rupiah", 1.5, in_pdf=False),
        ReportColumn("pagu_akhir", "Pagu akhir", "rupiah", 1.5),
        ReportColumn("realisasi", "Realisasi (SP2D)", "rupiah", 1.5),
        ReportColumn("sisa_pagu", "Sisa pagu", "rupiah", 1.5),
        ReportColumn("serapan", "Serapan", "percent", 0.8),
        ReportColumn("rencana_kas_sd", f"Rencana kas {sd}", "rupiah", 1.5),
        ReportColumn("capaian_rencana_kas", "Realisasi thd rencana kas", "percent", 0.9),
        ReportColumn("baris_melebihi_pagu", "Baris akun melebihi pagu", "count", 0.8),
        ReportColumn("tanda", "Tanda", "text", 2.0),
    ]


def build_report(
    con: duckdb.DuckDBPyConnection,
    sel: Selection,
    *,
    meta: dict[str, Any] | None = None,
    bulan: int | None = None,
    ambang: Decimal = DEFAULT_AMBANG,
    now: datetime | None = None,
) -> Report:
    """All tables of one report, from the published mart (`con` read-only): one sheet each."""
    if bulan is None:
        bulan = reporting_month(con, sel.tahun, sel.kode_pemda)
    if not 1 <= bulan <= 12:
        raise ReportError(f"Bulan {bulan} tidak sah.", "pakai --bulan 1 sampai 12")
    detail = [with_derived(r, ambang) for r in sub_kegiatan_rows(con, sel, bulan)]
    if not detail:
        raise ReportError(
            f"Tidak ada baris anggaran untuk {sel.label} tahun {sel.tahun}.",
            "periksa pilihan --opd/--program, atau lihat: apbd status",
        )
    for r in detail:
        r["opd"] = r.get("singkatan") or r.get("nama_skpd") or r["kode_skpd"]
    measures = _measure_columns(bulan)
    total = totals(detail, ambang)
    meta = meta or {}
    return Report(
        title=f"Laporan realisasi APBD {sel.tahun} — {sel.label}",
        subtitle=(
            f"Sumber: mart APBD terbit versi {meta.get('version', '-')} "
            f"(diterbitkan {meta.get('published_at', '-')}); realisasi dan rencana kas s.d. "
            f"{NAMA_BULAN[bulan - 1]} {sel.tahun}."
        ),
        selection=sel,
        bulan=bulan,
        ambang=ambang,
        nama_pemda=sel.pemda.nama_pemda,
        tables=[
            _summary_table(sel, detail, measures, total, ambang),
            ReportTable(
                "Rincian",
                "Rincian per sub kegiatan",
                [*DETAIL_LEAD, *measures],
                detail,
                {**total, "opd": "Jumlah"},
            ),
            ReportTable(
                "Jenis belanja",
                "Menurut jenis belanja",
                JENIS_COLUMNS,
                spending_type_rows(con, sel),
                {**totals(detail, ambang), "kode_akun_3": "Jumlah", "tanda": ""},
            ),
            _curve_table(con, sel),
            _kinerja_program_table(con, sel),
            _kinerja_sub_table(con, sel),
            _overspent_table(con, sel),
            ReportTable(
                "Proyeksi akhir tahun",
                f"Proyeksi serapan akhir tahun, dibuat s.d. {NAMA_BULAN[bulan - 1]}",
                PROYEKSI_COLUMNS,
                proyeksi_rows(con, sel, bulan),
            ),
            ReportTable(
                "Daftar telaah",
                "Pembayaran dan baris anggaran untuk ditelaah (bukan tuduhan)",
                TELAAH_COLUMNS,
                telaah_rows(con, sel),
            ),
            rekonsiliasi_table(con, sel),
        ],
        notes=_notes(sel, meta, bulan, ambang, now or datetime.now().astimezone()),
    )


# The lead columns of the summary sheet per scope, and what it is "per".
SUMMARY_LEAD = {
    "pemda": (
        ["kode_skpd", "nama_skpd"],
        [
            ReportColumn("kode_skpd", "Kode OPD", "code", 1.8),
            ReportColumn("nama_skpd", "OPD", "text", 3.5),
        ],
        "per OPD",
    ),
    "opd": (
        ["kode_program", "nama_program"],
        [
            ReportColumn("kode_program", "Kode program", "code", 1.0),
            ReportColumn("nama_program", "Program", "text", 4.0),
        ],
        "per program",
    ),
    "program": (
        ["opd", "kode_kegiatan", "nama_kegiatan"],
        [
            ReportColumn("opd", "OPD", "text", 1.4),
            ReportColumn("kode_kegiatan", "Kode kegiatan", "code", 1.2),
            ReportColumn("nama_kegiatan", "Kegiatan", "text", 3.5),
        ],
        "per OPD dan kegiatan",
    ),
}
DETAIL_LEAD = [
    ReportColumn("opd", "OPD", "text", 1.2),
    ReportColumn("kode_program", "Kode program", "code", 1.0, in_pdf=False),
    ReportColumn("nama_program", "Program", "text", 3.0, in_pdf=False),
    ReportColumn("kode_kegiatan", "Kode kegiatan", "code", 1.2, in_pdf=False),
    ReportColumn("nama_kegiatan", "Kegiatan", "text", 3.0, in_pdf=False),
    ReportColumn("kode_sub_kegiatan", "Kode sub kegiatan", "code", 1.6),
    ReportColumn("nama_sub_kegiatan", "Sub kegiatan", "text", 3.5),
]
CURVE_COLUMNS = [
    ReportColumn("nama_bulan", "Bulan", "text", 1.0),
    ReportColumn("rencana_kas", "Rencana kas bulan ini", "rupiah", 1.5),
    ReportColumn("realisasi", "Realisasi bulan ini", "rupiah", 1.5),
    ReportColumn("rencana_kas_kumulatif", "Rencana kas kumulatif", "rupiah", 1.5),
    ReportColumn("realisasi_kumulatif", "Realisasi kumulatif", "rupiah", 1.5),
    ReportColumn("rencana_kas_kumulatif_persen", "Rencana kas kumulatif / pagu", "percent", 1.0),
    ReportColumn("serapan_kumulatif_persen", "Serapan kumulatif / pagu", "percent", 1.0),
]
JENIS_COLUMNS = [
    ReportColumn("kode_akun_3", "Kode jenis belanja", "code", 1.0),
    ReportColumn("nama_akun_3", "Jenis belanja", "text", 3.0),
    ReportColumn("pagu_murni", "Pagu murni", "rupiah", 1.5),
    ReportColumn("pagu_akhir", "Pagu akhir", "rupiah", 1.5),
    ReportColumn("realisasi", "Realisasi (SP2D)", "rupiah", 1.5),
    ReportColumn("sisa_pagu", "Sisa pagu", "rupiah", 1.5),
    ReportColumn("serapan", "Serapan", "percent", 0.8),
    ReportColumn("baris_melebihi_pagu", "Baris akun melebihi pagu", "count", 0.8),
]
KINERJA_PROGRAM_COLUMNS = [
    ReportColumn("opd", "OPD", "text", 1.2),
    ReportColumn("kode_program", "Kode program", "code", 1.0),
    ReportColumn("nama_program", "Program", "text", 3.0),
    ReportColumn("pagu_akhir", "Pagu akhir", "rupiah", 1.5),
    ReportColumn("realisasi", "Realisasi (SP2D)", "rupiah", 1.5),
    ReportColumn("serapan", "Serapan", "percent", 0.8),
    ReportColumn("capaian_keluaran", "Capaian keluaran", "percent", 0.9),
    ReportColumn("capaian_outcome", "Capaian outcome (laporan OPD)", "percent", 0.9),
    ReportColumn("skor_dampak", "Skor dampak", "number", 0.8),
    ReportColumn("rasio_biaya_tertinggi", "Biaya per unit tertinggi / median", "number", 0.9),
    ReportColumn("klasifikasi_teks", "Klasifikasi", "text", 1.3),
    ReportColumn("tanda_kinerja", "Tanda kinerja", "text", 2.2),
    ReportColumn("alasan", "Alasan", "text", 3.5),
]
KINERJA_SUB_COLUMNS = [
    ReportColumn("opd", "OPD", "text", 1.1),
    ReportColumn("kode_sub_kegiatan", "Kode sub kegiatan", "code", 1.5),
    ReportColumn("nama_sub_kegiatan", "Sub kegiatan", "text", 2.6, in_pdf=False),
    ReportColumn("nama_wilayah_lokasi", "Lokasi", "text", 1.3),
    ReportColumn("realisasi", "Realisasi (SP2D)", "rupiah", 1.4),
    ReportColumn("indikator_keluaran", "Indikator keluaran", "text", 3.0),
    ReportColumn("kode_satuan", "Satuan", "text", 0.8),
    ReportColumn("target_keluaran", "Target keluaran", "number", 0.9),
    ReportColumn("realisasi_keluaran", "Realisasi keluaran", "number", 0.9),
    ReportColumn("capaian_keluaran", "Capaian keluaran", "percent", 0.9),
    ReportColumn("biaya_per_unit_rp", "Biaya per unit keluaran", "rupiah", 1.4),
    ReportColumn("median_biaya_per_unit_rp", "Median biaya per unit", "rupiah", 1.4),
    ReportColumn("rasio_biaya_terhadap_median", "Biaya per unit / median", "number", 0.8),
    ReportColumn("tanda_kinerja", "Tanda kinerja", "text", 2.0),
    ReportColumn("keterangan", "Keterangan", "text", 2.5, in_pdf=False),
]
OVERSPENT_COLUMNS = [
    ReportColumn("kode_skpd", "Kode OPD", "code", 1.6),
    ReportColumn("kode_sub_kegiatan", "Kode sub kegiatan", "code", 1.5),
    ReportColumn("nama_sub_kegiatan", "Sub kegiatan", "text", 3.0),
    ReportColumn("kode_akun", "Kode akun", "code", 1.5),
    ReportColumn("nama_akun", "Akun", "text", 3.0),
    ReportColumn("nama_sumber_dana", "Sumber dana", "text", 1.8),
    ReportColumn("pagu_akhir", "Pagu akhir", "rupiah", 1.4),
    ReportColumn("realisasi", "Realisasi (SP2D)", "rupiah", 1.4),
    ReportColumn("kelebihan", "Kelebihan", "rupiah", 1.4),
]


PROYEKSI_COLUMNS = [
    ReportColumn("opd", "OPD", "text", 2.0),
    ReportColumn("kode_program", "Kode program", "code", 1.0),
    ReportColumn("nama_program", "Program", "text", 3.0),
    ReportColumn("pagu_akhir", "Pagu akhir", "rupiah", 1.4),
    ReportColumn("realisasi", "Realisasi s.d. bulan ini", "rupiah", 1.4),
    ReportColumn("serapan", "Serapan s.d. bulan ini", "percent", 0.8),
    ReportColumn("proyeksi", "Proyeksi akhir tahun", "percent", 0.8),
    ReportColumn("proyeksi_bawah", "Rentang bawah", "percent", 0.8),
    ReportColumn("proyeksi_atas", "Rentang atas", "percent", 0.8),
    ReportColumn("porsi_desember", "Porsi Desember", "percent", 0.8),
    ReportColumn("serapan_akhir", "Realisasi akhir (tahun lengkap)", "percent", 0.8),
    ReportColumn("tanda", "Tanda", "text", 1.6),
    ReportColumn("alasan", "Penjelasan", "text", 5.0, in_pdf=False),
]

TELAAH_COLUMNS = [
    ReportColumn("nama_aturan", "Aturan", "text", 2.0),
    ReportColumn("kode_skpd", "Kode OPD", "code", 1.6),
    ReportColumn("kode_sub_kegiatan", "Kode sub kegiatan", "code", 1.5),
    ReportColumn("penerima", "Penerima", "text", 2.4),
    ReportColumn("nilai", "Nilai ditelaah", "rupiah", 1.4),
    ReportColumn("pembanding", "Pembanding", "rupiah", 1.4),
    ReportColumn("nomor_sp2d", "Nomor SP2D", "text", 3.0, in_pdf=False),
    ReportColumn("kunci_rincian", "Baris rincian DPA", "text", 2.0, in_pdf=False),
    ReportColumn("alasan", "Untuk ditelaah", "text", 5.0),
]


def _sum(rows: Sequence[dict[str, Any]], key: str) -> Decimal:
    return sum((r[key] for r in rows), Decimal(0))


def _summary_table(
    sel: Selection,
    detail: list[dict[str, Any]],
    measures: list[ReportColumn],
    total: dict[str, Any],
    ambang: Decimal,
) -> ReportTable:
    keys, lead, per = SUMMARY_LEAD[sel.scope]
    return ReportTable(
        "Ringkasan",
        f"Ringkasan {per}",
        lead + measures,
        rollup(detail, keys, ambang),
        {**total, lead[0].key: "Jumlah"},
    )


def _curve_table(con: duckdb.DuckDBPyConnection, sel: Selection) -> ReportTable:
    curve = absorption_curve(con, sel)
    total = {
        "nama_bulan": "Jumlah",
        "rencana_kas": _sum(curve, "rencana_kas"),
        "realisasi": _sum(curve, "realisasi"),
    }
    return ReportTable(
        "Kurva serapan", "Rencana kas dan realisasi per bulan", CURVE_COLUMNS, curve, total
    )


def _kinerja_program_table(con: duckdb.DuckDBPyConnection, sel: Selection) -> ReportTable:
    rows = kinerja_program_rows(con, sel)
    total = {
        "opd": "Jumlah",
        "pagu_akhir": _sum(rows, "pagu_akhir"),
        "realisasi": _sum(rows, "realisasi"),
    }
    total["serapan"] = _ratio(total["realisasi"], total["pagu_akhir"])
    return ReportTable(
        "Kinerja program",
        "Serapan, capaian dan tanda kinerja per program",
        KINERJA_PROGRAM_COLUMNS,
        rows,
        total,
    )


def _kinerja_sub_table(con: duckdb.DuckDBPyConnection, sel: Selection) -> ReportTable:
    rows = kinerja_sub_kegiatan_rows(con, sel)
    return ReportTable(
        "Kinerja sub kegiatan",
        "Capaian dan biaya per unit keluaran per sub kegiatan dan lokasi",
        KINERJA_SUB_COLUMNS,
        rows,
        {"opd": "Jumlah", "realisasi": _sum(rows, "realisasi")},
    )


def _overspent_table(con: duckdb.DuckDBPyConnection, sel: Selection) -> ReportTable:
    rows = overspent_lines(con, sel)
    total = {"kode_skpd": "Jumlah"} | {
        k: _sum(rows, k) for k in ("pagu_akhir", "realisasi", "kelebihan")
    }
    return ReportTable(
        "Melebihi pagu",
        "Baris akun yang realisasinya melebihi pagu akhir",
        OVERSPENT_COLUMNS,
        rows,
        total,
    )


def _notes(
    sel: Selection, meta: dict[str, Any], bulan: int, ambang: Decimal, now: datetime
) -> list[tuple[str, str]]:
    """The 'Catatan' sheet: where the figures come from and what each measure means."""
    return [
        ("Cakupan", f"{sel.label}, tahun anggaran {sel.tahun}"),
        ("Pemda", f"{sel.pemda.nama_pemda} (kode Kemendagri {sel.kode_pemda})"),
        ("Versi mart terbit", str(meta.get("version", "-"))),
        ("Diterbitkan pada", str(meta.get("published_at", "-"))),
        ("Run pipeline", str(meta.get("run_id", "-"))),
        ("SHA-256 berkas mart", str(meta.get("sha256", "-"))),
        ("Laporan dibuat pada", now.strftime("%Y-%m-%d %H:%M %Z").strip()),
        ("Bulan laporan", f"{NAMA_BULAN[bulan - 1]} (bulan terakhir dengan SP2D di mart)"),
        (
            "Pagu akhir",
            "DPA tahap terakhir OPD tahun itu (murni, pergeseran, perubahan, atau pergeseran "
            "sesudah perubahan).",
        ),
        (
            "Realisasi",
            "Belanja yang diakui dari SP2D BPKAD: LS, GU, GU nihil dan TU nihil, dikurangi "
            "pengembalian; UP dan TU (uang muka bendahara) tidak dihitung. Sama dengan mart "
            "sampai rupiah.",
        ),
        ("Serapan", "Realisasi ÷ pagu akhir."),
        (
            "Realisasi thd rencana kas",
            f"Realisasi kumulatif ÷ rencana kas kumulatif s.d. {NAMA_BULAN[bulan - 1]}.",
        ),
        (
            "Tanda 'melebihi pagu'",
            "Ada baris akun (sub kegiatan × akun × sumber dana) yang realisasinya melebihi pagu "
            "akhirnya; daftar baris ada di sheet 'Melebihi pagu'.",
        ),
        (
            "Tanda 'di bawah rencana kas'",
            f"Realisasi kumulatif kurang dari {persen(ambang * 100)} rencana kas kumulatif "
            f"s.d. {NAMA_BULAN[bulan - 1]}.",
        ),
        (
            "Proyeksi akhir tahun",
            "Realisasi s.d. bulan laporan + sisa rencana kas × porsi sisa rencana kas yang pada "
            "tahun-tahun sebelumnya terealisasi sampai Desember (profil OPD, atau profil "
            f"{sel.pemda.jenis_teks} bila OPD belum punya cukup tahun; seluruh sisa rencana kas bila belum ada tahun "
            "sebelumnya); rentang dari sebaran profil; ambang di reference.ref_aturan_proyeksi. "
            "Sumber: mart_proyeksi_serapan.",
        ),
        (
            "Daftar telaah",
            "Kasus yang ditemukan aturan reference.ref_aturan_anomali (pembayaran ganda, "
            "pemecahan paket, sesudah batas akhir tahun, melebihi pagu, harga satuan tinggi, "
            "lompatan harga antartahap): bahan telaah dengan dokumen sumbernya, bukan tuduhan. "
            "Sumber: mart_anomali.",
        ),
        (
            "Capaian keluaran",
            "Rata-rata capaian indikator keluaran yang terukur (realisasi ÷ target, tiap "
            "indikator dibatasi 150 %) pada laporan triwulan terakhir; kosong bila tidak ada "
            "indikator terukur (alasannya di kolom Keterangan). Sumber: mart_kinerja_program "
            "dan mart_kinerja_sub_kegiatan.",
        ),
        (
            "Biaya per unit keluaran",
            "Realisasi SP2D ÷ realisasi keluaran (satuan jumlah, luas, panjang; laporan triwulan "
            "4), dibandingkan dengan median sub kegiatan yang sama di semua OPD dan tahun. "
            "2,00 berarti dua kali median.",
        ),
        (
            "Skor dampak",
            "Perbaikan indikator outcome di kelurahan sasaran dikurangi perbaikan di kelurahan "
            "pembanding, dibagi variasi wajarnya; 2 atau lebih dianggap dampak nyata.",
        ),
        (
            "Tanda kinerja",
            "; ".join(TANDA_KINERJA.values())
            + ". Batas 60 % dan 2× median sama dengan mart kinerja.",
        ),
    ]


# --------------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------------


def _display(col: ReportColumn, value: Any) -> str:
    """The value as a person reads it: Rp1.234.567, 78,7 %, 1.234, 2,35."""
    if value is None or value == "":
        return "" if col.kind in ("text", "code") else "-"
    if col.kind == "rupiah":
        return rupiah(value)
    if col.kind == "percent":
        return persen(Decimal(value) * 100)
    if col.kind == "count":
        return rupiah(value)[2:]
    if col.kind == "number":
        return angka(value)
    return str(neutralise_cell(value))


def _width(col: ReportColumn, rows: Sequence[dict[str, Any]], total: dict | None) -> float:
    """A sensible Excel column width: the longest formatted value (or the heading's longest
    word), bounded so names wrap instead of running off the page."""
    cells = [_display(col, r.get(col.key)) for r in rows[:2000]]
    if total and total.get(col.key) is not None:
        cells.append(_display(col, total.get(col.key)))
    longest = max((len(c) for c in cells), default=0)
    heading = max(len(w) for w in col.title.split())
    cap = {"text": 60, "code": 24}.get(col.kind, 22)
    return float(min(max(longest, heading, 6) + 2, cap))


def write_xlsx(report: Report, path: Path) -> Path:
    """The workbook for Excel: one sheet per table plus 'Catatan' (sources, definitions)."""
    with atomic_write(path) as tmp:
        _fill_xlsx(report, tmp)
    return Path(path)


def _fill_xlsx(report: Report, tmp: Path) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(
        str(tmp),
        {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    wb.set_properties(
        {
            "title": report.title,
            "subject": report.subtitle,
            "author": report.author,
            "comments": "Dibuat dari mart terbit (read-only) oleh apbd laporan.",
        }
    )
    f_title = wb.add_format({"bold": True, "font_size": 14})
    f_sub = wb.add_format({"italic": True, "font_color": "#555555"})
    f_head = wb.add_format(
        {
            "bold": True,
            "text_wrap": True,
            "valign": "vcenter",
            "align": "center",
            "bg_color": "#DDEBF7",
            "border": 1,
        }
    )
    base = {"valign": "top"}
    fmt = {
        "text": wb.add_format({**base, "text_wrap": True}),
        "code": wb.add_format({**base, "num_format": "@"}),
        "rupiah": wb.add_format({**base, "num_format": RUPIAH_FORMAT}),
        "percent": wb.add_format({**base, "num_format": PERSEN_FORMAT}),
        "count": wb.add_format({**base, "num_format": JUMLAH_FORMAT}),
        "number": wb.add_format({**base, "num_format": ANGKA_FORMAT}),
    }
    sorot = {**base, "bold": True, "bg_color": "#FCE4D6"}
    fmt_sorot = {
        "text": wb.add_format({**sorot, "text_wrap": True}),
        "code": wb.add_format({**sorot, "num_format": "@"}),
        "rupiah": wb.add_format({**sorot, "num_format": RUPIAH_FORMAT}),
        "percent": wb.add_format({**sorot, "num_format": PERSEN_FORMAT}),
        "count": wb.add_format({**sorot, "num_format": JUMLAH_FORMAT}),
        "number": wb.add_format({**sorot, "num_format": ANGKA_FORMAT}),
    }
    bold = {"bold": True, "top": 1, "bg_color": "#F2F2F2"}
    fmt_total = {
        "text": wb.add_format({**bold}),
        "code": wb.add_format({**bold, "num_format": "@"}),
        "rupiah": wb.add_format({**bold, "num_format": RUPIAH_FORMAT}),
        "percent": wb.add_format({**bold, "num_format": PERSEN_FORMAT}),
        "count": wb.add_format({**bold, "num_format": JUMLAH_FORMAT}),
        "number": wb.add_format({**bold, "num_format": ANGKA_FORMAT}),
    }

    for table in report.tables:
        ws = wb.add_worksheet(table.sheet[:31])
        ws.write_string(0, 0, neutralise_cell(report.title), f_title)
        ws.write_string(1, 0, neutralise_cell(f"{table.title}. {report.subtitle}"), f_sub)
        header = 3
        ws.set_row(header, 32)
        for c, col in enumerate(table.columns):
            ws.write_string(header, c, col.title, f_head)
            ws.set_column(c, c, _width(col, table.rows, table.total))
        first = header + 1
        for i, row in enumerate(table.rows):
            look = fmt_sorot if table.sorot and row.get(table.sorot) else fmt
            for c, col in enumerate(table.columns):
                _write_cell(ws, first + i, c, col, row.get(col.key), look[col.kind])
        last = first + len(table.rows) - 1
        if table.rows:
            ws.autofilter(header, 0, last, len(table.columns) - 1)
        else:
            ws.autofilter(header, 0, header, len(table.columns) - 1)
            ws.write_string(first, 0, "Tidak ada baris.", fmt["text"])
        ws.freeze_panes(first, 0)
        if table.total is not None and table.rows:
            _write_total_row(ws, table, first, last, fmt_total)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(header)

    ws = wb.add_worksheet("Catatan")
    ws.write_string(0, 0, neutralise_cell(report.title), f_title)
    ws.write_string(2, 0, "Hal", f_head)
    ws.write_string(2, 1, "Keterangan", f_head)
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 100)
    for i, (k, v) in enumerate(report.notes, start=3):
        ws.write_string(i, 0, neutralise_cell(k), fmt["text"])
        ws.write_string(i, 1, neutralise_cell(v), fmt["text"])
    wb.close()


def _write_cell(ws, r: int, c: int, col: ReportColumn, value: Any, cell_format) -> None:
    if value is None or value == "":
        ws.write_blank(r, c, None, cell_format)
    elif col.kind in ("rupiah", "percent", "count", "number"):
        ws.write_number(r, c, float(value), cell_format)
    else:
        ws.write_string(r, c, str(neutralise_cell(value)), cell_format)


def _write_total_row(ws, table: ReportTable, first: int, last: int, fmt_total) -> None:
    """Totals under the data: SUBTOTAL(109, …) so they follow the filter, with the exact total
    cached as the formula's value (what a reader without recalculation sees)."""
    from xlsxwriter.utility import xl_rowcol_to_cell

    r = last + 1
    total = table.total or {}
    for c, col in enumerate(table.columns):
        value = total.get(col.key)
        f = fmt_total[col.kind]
        if col.kind in ("rupiah", "count") and value is not None:
            rng = f"{xl_rowcol_to_cell(first, c)}:{xl_rowcol_to_cell(last, c)}"
            ws.write_formula(r, c, f"=SUBTOTAL(109,{rng})", f, float(value))
        elif col.kind in ("percent", "number") and value is not None:
            ws.write_number(r, c, float(value), f)
        elif value not in (None, ""):
            ws.write_string(r, c, str(neutralise_cell(value)), f)
        else:
            ws.write_blank(r, c, None, f)


def render_html(report: Report) -> str:
    """A self-contained page (no scripts, no external assets) laid out for A4 landscape print."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).resolve().parents[2] / "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )
    env.globals["show"] = _display
    return env.get_template("laporan.html.j2").render(report=report)


def write_html(report: Report, path: Path) -> Path:
    return write_text_atomic(path, render_html(report))


_PDF_REPLACE = str.maketrans(
    {"—": "-", "–": "-", "÷": "/", "×": "x", "≥": ">=", "’": "'", "“": '"', "”": '"'}
)


def _latin1(text: str) -> str:
    """The PDF core fonts cover Latin-1 only: map common typography, drop the rest visibly."""
    text = unicodedata.normalize("NFC", text.translate(_PDF_REPLACE))
    return text.encode("latin-1", "replace").decode("latin-1")


def write_pdf(report: Report, path: Path) -> Path:
    """The same report as a PDF (A4 landscape; the XLSX has every column, the PDF the main ones)."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    class _Pdf(FPDF):
        def footer(self) -> None:
            self.set_y(-10)
            self.set_font("Helvetica", size=7)
            self.cell(0, 5, _latin1(f"{report.title} - halaman {self.page_no()}/{{nb}}"), align="C")

    pdf = _Pdf(orientation="L", unit="mm", format="A4")
    pdf.set_title(_latin1(report.title))
    pdf.set_author(_latin1(report.author))
    pdf.set_creation_date(datetime.now().astimezone())
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.set_margins(10, 10, 10)
    heading = FontFace(emphasis="BOLD", fill_color=(221, 235, 247))
    total_style = FontFace(emphasis="BOLD", fill_color=(242, 242, 242))
    sorot_style = FontFace(emphasis="BOLD", fill_color=(252, 228, 214))
    for t_index, table in enumerate(report.tables):
        pdf.add_page()
        if t_index == 0:
            pdf.set_font("Helvetica", "B", 13)
            pdf.multi_cell(0, 6, _latin1(report.title), new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Helvetica", "I", 8)
            pdf.multi_cell(0, 4, _latin1(report.subtitle), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(0, 6, _latin1(table.title), new_x="LMARGIN", new_y="NEXT")
        cols = [c for c in table.columns if c.in_pdf]
        pdf.set_font("Helvetica", size=6.5)
        numeric = ("rupiah", "percent", "count", "number")
        aligns = ["RIGHT" if c.kind in numeric else "LEFT" for c in cols]
        with pdf.table(
            col_widths=[c.weight for c in cols],
            headings_style=heading,
            line_height=3.2,
            text_align=aligns,
            padding=0.8,
        ) as pt:
            head = pt.row()
            for c in cols:
                head.cell(_latin1(c.title), align="CENTER")
            rows = table.rows or [{cols[0].key: "Tidak ada baris."}]
            for r in rows:
                style = sorot_style if table.sorot and r.get(table.sorot) else None
                row = pt.row(style=style)
                for c in cols:
                    row.cell(_latin1(_display(c, r.get(c.key))))
            if table.total is not None and table.rows:
                row = pt.row()
                for c in cols:
                    value = table.total.get(c.key)
                    row.cell(
                        _latin1(_display(c, value) if value is not None else ""), style=total_style
                    )
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(0, 6, "Catatan", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=7.5)
    with pdf.table(
        col_widths=(1, 4), headings_style=heading, line_height=3.6, text_align="LEFT", padding=0.8
    ) as pt:
        head = pt.row()
        head.cell("Hal")
        head.cell("Keterangan")
        for k, v in report.notes:
            row = pt.row()
            row.cell(_latin1(k))
            row.cell(_latin1(v))
    with atomic_write(path) as tmp:
        pdf.output(str(tmp))
    return Path(path)


# --------------------------------------------------------------------------------------------
# The reconciliation sheet (issue 14 §2): self-reported realisation against SP2D
# --------------------------------------------------------------------------------------------

STATUS_REKON = {
    "cocok": "Cocok",
    "selisih": "Selisih",
    "dilaporkan_tanpa_sp2d": "Dilaporkan tanpa SP2D",
    "sp2d_tanpa_laporan": "SP2D tanpa laporan",
}
REKON_COLUMNS = [
    ReportColumn("triwulan", "Triwulan", "count", 0.6),
    ReportColumn("kode_skpd", "Kode OPD", "code", 1.6, in_pdf=False),
    ReportColumn("opd", "OPD", "text", 1.4),
    ReportColumn("kode_sub_kegiatan", "Kode sub kegiatan", "code", 1.5),
    ReportColumn("nama_sub_kegiatan", "Sub kegiatan", "text", 2.5),
    ReportColumn("status_teks", "Status", "text", 1.1),
    ReportColumn("dilaporkan_rp", "Dilaporkan OPD", "rupiah", 1.4),
    ReportColumn("sp2d_rp", "SP2D s.d. akhir triwulan", "rupiah", 1.4),
    ReportColumn("selisih_rp", "Selisih", "rupiah", 1.3),
    ReportColumn("selisih_persen", "Selisih %", "percent", 0.8),
    ReportColumn("alasan", "Penjelasan", "text", 4.0, in_pdf=False),
]


def rekonsiliasi_rows(con: duckdb.DuckDBPyConnection, sel: Selection) -> list[dict[str, Any]]:
    """The latest quarter's reconciliation rows in the selection that do not agree (selisih,
    reported without SP2D, SP2D without report), largest difference first."""
    rows = _rows(
        con.execute(
            f"""
            with m as (
                select r.*, coalesce(o.singkatan, o.nama_skpd, r.kode_skpd) as opd
                from marts.mart_rekonsiliasi_realisasi as r
                left join marts.dim_opd as o
                    on o.kode_pemda = r.kode_pemda and o.kode_skpd = r.kode_skpd
            )
            select m.*, (select max(s.nama_sub_kegiatan) from marts.dim_sub_kegiatan s
                         where s.kode_sub_kegiatan = m.kode_sub_kegiatan) as nama_sub_kegiatan
            from m
            where {_filters(sel)} and m.status <> 'cocok'
                and m.triwulan = (select max(triwulan) from marts.mart_rekonsiliasi_realisasi
                                  where kode_pemda = $kode_pemda and tahun = $tahun)
            order by abs(coalesce(m.selisih_rp, m.sp2d_rp)) desc, m.kode_skpd,
                m.kode_sub_kegiatan
            """,
            _params(sel),
        )
    )
    for r in rows:
        r["status_teks"] = STATUS_REKON[r["status"]]
        if r["selisih_persen"] is not None:
            r["selisih_persen"] = Decimal(r["selisih_persen"]) / 100
    return rows


def rekonsiliasi_table(con: duckdb.DuckDBPyConnection, sel: Selection) -> ReportTable:
    rows = rekonsiliasi_rows(con, sel)
    q = rows[0]["triwulan"] if rows else "terakhir"
    return ReportTable(
        "Rekonsiliasi",
        f"Realisasi keuangan yang dilaporkan OPD (triwulan {q}) dibandingkan SP2D yang diakui "
        "sebagai belanja s.d. akhir triwulan; hanya yang tidak cocok",
        REKON_COLUMNS,
        rows,
        {
            "kode_skpd": "Jumlah",
            "dilaporkan_rp": sum((r["dilaporkan_rp"] or 0 for r in rows), Decimal(0)),
            "sp2d_rp": _sum(rows, "sp2d_rp"),
        },
    )


WRITERS = {"xlsx": write_xlsx, "html": write_html, "pdf": write_pdf}
