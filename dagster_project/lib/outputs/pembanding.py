"""A pemda among its peers: the figures the planner app section and `apbd laporan --pembanding`
show for the pemda they serve (issue 12: the app's pemda, `--pemda`; Samarinda by default), read
from the published peer marts (issue 13 §5).

Where the numbers come from, and where they do not: every value, median, percentile and sentence
is read from `marts.mart_posisi_pembanding`, every peer's own figures from
`marts.mart_pembanding_pemda`, the members of a peer group from `marts.mart_kelompok_pembanding`
and the group's rule from `reference.ref_kelompok_pembanding` (the rules kept as data). Nothing
here computes a median or a percentile: the report and the app show what the mart says, so the
workbook, the app and a `apbd kueri` on the mart agree.

The user chooses the peer group (`--kelompok` / the app's dropdown) among the groups the mart
lists for the pemda; the default is the pemda's comparable group (`KELOMPOK_BAWAAN`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from dagster_project.lib.contracts.jadwal import dbt_vars
from dagster_project.lib.core.fmt import angka, persen, rupiah
from dagster_project.lib.outputs.reports import Report, ReportColumn, ReportError, ReportTable

if TYPE_CHECKING:
    import duckdb

# The warehouse's own pemda (Kemendagri code as in ref_pemda) and the peer group a report uses
# unless the user picks another: dbt vars, the one place the models read them too.
PEMDA_SENDIRI: str = dbt_vars()["kode_pemda_kota"]
KELOMPOK_BAWAAN: str = dbt_vars()["kelompok_pembanding_bawaan"]

# The shares of belanja the app draws side by side (pegawai, barang/jasa, modal, bansos, transfer).
PORSI_BELANJA = {
    "porsi_belanja_pegawai_persen": "Pegawai",
    "porsi_belanja_barang_jasa_persen": "Barang dan jasa",
    "porsi_belanja_modal_persen": "Modal",
    "porsi_belanja_bansos_persen": "Bantuan sosial",
    "porsi_belanja_transfer_persen": "Transfer",
}

_TABEL_POSISI = "mart_posisi_pembanding"


@dataclass(frozen=True)
class PilihanPembanding:
    """Whom the report compares with whom: one pemda, one peer group, one budget year."""

    kode_pemda: str
    nama_pemda: str
    kode_kelompok: str
    nama_kelompok: str
    aturan: str  # the group's rule in words (ref_kelompok_pembanding.keterangan)
    tahun: int
    jumlah_pemda: int  # members of the group, the pemda itself included

    @property
    def slug(self) -> str:
        text = f"pembanding_{self.tahun}_{self.nama_pemda}_{self.kode_kelompok}".lower()
        return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def teks_nilai(bentuk: str, nilai: Decimal | float | None) -> str:
    """A figure as a person reads it, by its `bentuk` in ref_ukuran_pembanding (rp, persen,
    angka): Rp4.514.798, 27,9 %, 80,76."""
    if bentuk == "rp":
        return rupiah(nilai)
    if bentuk == "persen":
        return persen(nilai)
    return angka(nilai)


def _rows(rel) -> list[dict[str, Any]]:
    cols = [d[0] for d in rel.description]
    return [dict(zip(cols, r, strict=True)) for r in rel.fetchall()]


def _has_peer_marts(con: duckdb.DuckDBPyConnection) -> bool:
    (n,) = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'marts' "
        "and table_name in ('mart_posisi_pembanding', 'mart_pembanding_pemda', "
        "'mart_kelompok_pembanding')"
    ).fetchone()
    return n == 3


def daftar_kelompok(con: duckdb.DuckDBPyConnection, kode_pemda: str) -> list[dict[str, Any]]:
    """The peer groups the mart lists for `kode_pemda`, the default first: kode, nama, aturan
    (the rule in words) and how many pemda are in it (the pemda itself included)."""
    return _rows(
        con.execute(
            """
            select
                k.kode_kelompok,
                any_value(k.nama_kelompok) as nama_kelompok,
                any_value(r.keterangan) as aturan,
                count(*) as jumlah_pemda
            from marts.mart_kelompok_pembanding as k
            left join reference.ref_kelompok_pembanding as r
                on r.kode_kelompok = k.kode_kelompok
            where k.kode_pemda = $kode_pemda
            group by k.kode_kelompok
            order by k.kode_kelompok <> $bawaan, jumlah_pemda, k.kode_kelompok
            """,
            {"kode_pemda": kode_pemda, "bawaan": KELOMPOK_BAWAAN},
        )
    )


def daftar_tahun(con: duckdb.DuckDBPyConnection, kode_pemda: str) -> list[int]:
    """The budget years with peer figures for `kode_pemda`, oldest first."""
    return [
        r[0]
        for r in con.execute(
            f"select distinct tahun from marts.{_TABEL_POSISI} where kode_pemda = $k order by 1",
            {"k": kode_pemda},
        ).fetchall()
    ]


def resolve_pembanding(
    con: duckdb.DuckDBPyConnection,
    *,
    kelompok: str | None = None,
    tahun: int | None = None,
    pemda: str | None = None,
) -> PilihanPembanding:
    """Turn what the user typed (peer group code or name, year, pemda code or name) into a
    `PilihanPembanding`, or raise `ReportError` saying what exists (Indonesian)."""
    if not _has_peer_marts(con):
        raise ReportError(
            "Mart pembanding (mart_posisi_pembanding) belum ada di mart terbit.",
            "jalankan pipeline dengan berkas APBD DJPK dan indikator BPS: make run",
        )
    kode_pemda, nama_pemda = _match_pemda(con, pemda or PEMDA_SENDIRI)
    years = daftar_tahun(con, kode_pemda)
    if not years:
        raise ReportError(
            f"Belum ada angka pembanding untuk {nama_pemda} di mart terbit.",
            "letakkan berkas APBD nasional DJPK di data/landing/djpk/apbd_pemda/<tahun>/ "
            "lalu jalankan: apbd run",
        )
    if tahun is None:
        tahun = years[-1]
    elif tahun not in years:
        raise ReportError(
            f"Tahun {tahun} tidak ada di mart pembanding untuk {nama_pemda} "
            f"(tersedia: {', '.join(map(str, years))}).",
            f"pakai salah satu tahun itu, mis. --tahun {years[-1]}",
        )
    groups = daftar_kelompok(con, kode_pemda)
    wanted = (kelompok or KELOMPOK_BAWAAN).strip().lower()
    found = [g for g in groups if g["kode_kelompok"].lower() == wanted] or [
        g for g in groups if wanted and wanted in (g["nama_kelompok"] or "").lower()
    ]
    if len(found) != 1:
        daftar = "; ".join(
            f"{g['kode_kelompok']} = {g['nama_kelompok']} ({g['jumlah_pemda']} pemda)"
            for g in groups
        )
        why = "cocok dengan lebih dari satu" if found else "tidak dikenal"
        raise ReportError(
            f"Kelompok pembanding '{kelompok}' {why}. Kelompok yang ada untuk {nama_pemda}: "
            f"{daftar}.",
            f"pakai kodenya, mis. --kelompok {groups[0]['kode_kelompok'] if groups else 'nasional'}",
        )
    g = found[0]
    return PilihanPembanding(
        kode_pemda=kode_pemda,
        nama_pemda=nama_pemda,
        kode_kelompok=g["kode_kelompok"],
        nama_kelompok=g["nama_kelompok"],
        aturan=g["aturan"] or "",
        tahun=tahun,
        jumlah_pemda=int(g["jumlah_pemda"]),
    )


def _match_pemda(con: duckdb.DuckDBPyConnection, text: str) -> tuple[str, str]:
    """A pemda by Kemendagri code (64.72), BPS code (6472) or part of its name (Samarinda)."""
    rows = con.execute(
        """
        select distinct kode_pemda, nama_pemda, kode_bps
        from marts.mart_kelompok_pembanding
        left join reference.ref_pemda using (kode_pemda, nama_pemda)
        order by kode_pemda
        """
    ).fetchall()
    t = text.strip().lower()
    for found in (
        [r for r in rows if t in (r[0].lower(), str(r[2] or "").lower())],
        [r for r in rows if t in r[1].lower()],
    ):
        if len(found) == 1:
            return found[0][0], found[0][1]
        if len(found) > 1:
            names = "; ".join(f"{r[1]} ({r[0]})" for r in found[:6])
            raise ReportError(
                f"'{text}' cocok dengan {len(found)} pemda: {names}.",
                "sebutkan kode Kemendagri-nya, mis. --pemda 64.72",
            )
    raise ReportError(
        f"Pemda '{text}' tidak ada di mart pembanding.",
        'lihat daftar: apbd kueri "select distinct kode_pemda, nama_pemda '
        'from marts.mart_kelompok_pembanding"',
    )


def posisi_rows(con: duckdb.DuckDBPyConnection, p: PilihanPembanding) -> list[dict[str, Any]]:
    """One row per figure of `mart_posisi_pembanding` for the choice, in the order and with the
    unit of `ref_ukuran_pembanding` (the wording kept as data): value, group median, the
    difference, percentile in the group and nationally, how many pemda had the figure, and the
    mart's sentence."""
    return _rows(
        con.execute(
            f"""
            select
                m.kode_ukuran, m.nama_ukuran, u.bentuk,
                case u.bentuk
                    when 'rp' then 'rupiah'
                    when 'persen' then trim('% ' || coalesce(u.pelengkap, ''))
                    else 'angka'
                end as satuan,
                m.nilai, m.median_kelompok, m.nilai - m.median_kelompok as selisih_median,
                m.persentil_kelompok, m.persentil_nasional, m.jumlah_pembanding, m.kalimat
            from marts.{_TABEL_POSISI} as m
            left join reference.ref_ukuran_pembanding as u on u.kode_ukuran = m.kode_ukuran
            where m.kode_pemda = $kode_pemda and m.kode_kelompok = $kode_kelompok
                and m.tahun = $tahun
            order by u.urutan nulls last, m.kode_ukuran
            """,
            {"kode_pemda": p.kode_pemda, "kode_kelompok": p.kode_kelompok, "tahun": p.tahun},
        )
    )


def anggota_rows(con: duckdb.DuckDBPyConnection, p: PilihanPembanding) -> list[dict[str, Any]]:
    """Every member of the chosen group (the pemda itself included, `is_diri`) with its own
    figures from `mart_pembanding_pemda` for the year, highest spending per capita first.
    Percent columns stay as the mart has them (0–100)."""
    return _rows(
        con.execute(
            """
            select
                m.kode_pemda_pembanding = m.kode_pemda as is_diri,
                m.kode_pemda_pembanding as kode_pemda,
                m.nama_pemda_pembanding as nama_pemda,
                f.nama_provinsi,
                f.penduduk,
                f.belanja_rp,
                f.belanja_per_kapita_rp,
                f.porsi_belanja_pegawai_persen,
                f.porsi_belanja_barang_jasa_persen,
                f.porsi_belanja_modal_persen,
                f.porsi_belanja_bansos_persen,
                f.porsi_belanja_transfer_persen,
                f.porsi_pad_persen,
                f.porsi_transfer_masuk_persen,
                f.ipm,
                f.tahun_ipm,
                f.persen_miskin,
                f.tahun_persen_miskin
            from marts.mart_kelompok_pembanding as m
            left join marts.mart_pembanding_pemda as f
                on f.kode_pemda = m.kode_pemda_pembanding and f.tahun = $tahun
            where m.kode_pemda = $kode_pemda and m.kode_kelompok = $kode_kelompok
            order by f.belanja_per_kapita_rp desc nulls last, m.nama_pemda_pembanding
            """,
            {"kode_pemda": p.kode_pemda, "kode_kelompok": p.kode_kelompok, "tahun": p.tahun},
        )
    )


# --------------------------------------------------------------------------------------------
# The report (same Report model and writers as `apbd laporan`)
# --------------------------------------------------------------------------------------------

POSISI_COLUMNS = [
    ReportColumn("nama_ukuran", "Ukuran", "text", 2.6),
    ReportColumn("satuan", "Satuan", "text", 1.3),
    ReportColumn("nilai", "Nilai", "number", 1.3),
    ReportColumn("median_kelompok", "Median kelompok", "number", 1.3),
    ReportColumn("selisih_median", "Selisih dari median", "number", 1.3),
    ReportColumn("persentil_kelompok", "Persentil dalam kelompok (0–100)", "number", 1.0),
    ReportColumn("persentil_nasional", "Persentil nasional (0–100)", "number", 1.0),
    ReportColumn("jumlah_pembanding", "Jumlah pemda dengan angka ini", "count", 1.0),
    ReportColumn("kalimat", "Kalimat", "text", 4.5),
]

ANGGOTA_COLUMNS = [
    ReportColumn("nama_pemda", "Pemda", "text", 2.2),
    ReportColumn("nama_provinsi", "Provinsi", "text", 1.6),
    ReportColumn("penduduk", "Penduduk", "count", 1.1),
    ReportColumn("belanja_per_kapita_rp", "Belanja per kapita", "rupiah", 1.3),
    ReportColumn("porsi_belanja_pegawai_persen", "Belanja pegawai", "percent", 0.9),
    ReportColumn("porsi_belanja_barang_jasa_persen", "Belanja barang dan jasa", "percent", 0.9),
    ReportColumn("porsi_belanja_modal_persen", "Belanja modal", "percent", 0.9),
    ReportColumn("porsi_belanja_bansos_persen", "Belanja bansos", "percent", 0.9),
    ReportColumn("porsi_belanja_transfer_persen", "Belanja transfer", "percent", 0.9),
    ReportColumn("porsi_pad_persen", "PAD / pendapatan", "percent", 0.9),
    ReportColumn("ipm", "IPM", "number", 0.8),
    ReportColumn("persen_miskin", "Penduduk miskin (P0)", "percent", 0.9),
    ReportColumn("keterangan", "Keterangan", "text", 1.4),
]

_PERSEN_ANGGOTA = [c.key for c in ANGGOTA_COLUMNS if c.kind == "percent"]


def build_pembanding_report(
    con: duckdb.DuckDBPyConnection,
    p: PilihanPembanding,
    *,
    meta: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Report:
    """The peer report: 'Posisi' (each figure against the group), 'Pembanding' (every member
    with its figures, the pemda itself marked) and 'Catatan' (rule, sample, sources)."""
    posisi = posisi_rows(con, p)
    if not posisi:
        raise ReportError(
            f"Mart pembanding tidak punya angka {p.nama_pemda} dalam kelompok "
            f"'{p.nama_kelompok}' tahun {p.tahun}.",
            "pilih kelompok lain dengan --kelompok, atau lihat: apbd status",
        )
    anggota = anggota_rows(con, p)
    for r in anggota:
        for key in _PERSEN_ANGGOTA:
            if r.get(key) is not None:
                r[key] = Decimal(r[key]) / 100  # the workbook's percent columns are fractions
        r["keterangan"] = "pemda yang dibandingkan" if r["is_diri"] else ""
    meta = meta or {}
    judul_kelompok = f"{p.nama_kelompok.lower()} ({p.jumlah_pemda} pemda)"
    return Report(
        title=f"{p.nama_pemda} di antara pemda pembanding, APBD {p.tahun}",
        subtitle=(
            f"Kelompok: {p.nama_kelompok} — {p.aturan} {p.jumlah_pemda} pemda termasuk "
            f"{p.nama_pemda}. Sumber: mart APBD terbit versi {meta.get('version', '-')} "
            f"(diterbitkan {meta.get('published_at', '-')})."
        ),
        tables=[
            ReportTable(
                "Posisi",
                f"Posisi {p.nama_pemda} di antara {judul_kelompok}",
                POSISI_COLUMNS,
                posisi,
            ),
            ReportTable(
                "Pembanding",
                f"Anggota kelompok {judul_kelompok}, belanja per kapita tertinggi di atas",
                ANGGOTA_COLUMNS,
                anggota,
                sorot="is_diri",
            ),
        ],
        notes=_notes(p, anggota, meta, now or datetime.now().astimezone()),
        stem=f"laporan_{p.slug}",
    )


def _notes(
    p: PilihanPembanding, anggota: list[dict[str, Any]], meta: dict[str, Any], now: datetime
) -> list[tuple[str, str]]:
    tahun_ipm = sorted({r["tahun_ipm"] for r in anggota if r.get("tahun_ipm")})
    tahun_p0 = sorted({r["tahun_persen_miskin"] for r in anggota if r.get("tahun_persen_miskin")})
    return [
        ("Pemda", p.nama_pemda),
        ("Tahun anggaran", str(p.tahun)),
        ("Kelompok pembanding", f"{p.nama_kelompok} (kode {p.kode_kelompok})"),
        ("Aturan kelompok", p.aturan or "-"),
        (
            "Jumlah pemda",
            f"{p.jumlah_pemda} pemda dalam kelompok, termasuk {p.nama_pemda} "
            f"({p.jumlah_pemda - 1} pembanding). Kolom 'Jumlah pemda dengan angka ini' di sheet "
            "Posisi menghitung pemda yang punya angka itu; median dan persentil hanya dari "
            "mereka.",
        ),
        (
            "Kelompok lain",
            "Pilih kelompok lain dengan apbd laporan --pembanding --kelompok <kode>; aturan "
            "kelompok disimpan sebagai data di reference.ref_kelompok_pembanding.",
        ),
        (
            "Persentil",
            "Persen pemda lain dalam kelompok yang angkanya lebih rendah: 0 = terendah, 100 = "
            "tertinggi. Tinggi tidak selalu baik (mis. penduduk miskin, pengangguran).",
        ),
        (
            "Kelompok kecil",
            "Dengan sedikit pemda, satu pemda menggeser median dan persentil jauh: baca "
            "persentil bersama kolom 'Jumlah pemda dengan angka ini'.",
        ),
        (
            "Anggaran",
            "APBD yang direncanakan (bukan realisasi) menurut berkas nasional DJPK per jenis "
            "akun; belanja per kapita = belanja daerah ÷ penduduk (reference.ref_pemda).",
        ),
        (
            "Indikator BPS",
            "Nilai terakhir yang terukur (bukan proyeksi): IPM tahun "
            f"{', '.join(map(str, tahun_ipm)) or '-'}, penduduk miskin (P0) tahun "
            f"{', '.join(map(str, tahun_p0)) or '-'}.",
        ),
        (
            "Sumber",
            "marts.mart_posisi_pembanding (nilai, median, persentil, kalimat), "
            "marts.mart_pembanding_pemda (angka tiap pemda), marts.mart_kelompok_pembanding "
            "(anggota kelompok).",
        ),
        ("Versi mart terbit", str(meta.get("version", "-"))),
        ("Diterbitkan pada", str(meta.get("published_at", "-"))),
        ("SHA-256 berkas mart", str(meta.get("sha256", "-"))),
        ("Laporan dibuat pada", now.strftime("%Y-%m-%d %H:%M %Z").strip()),
    ]
