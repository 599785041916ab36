"""Deterministic, realistic demo landing data for Kota Samarinda (pure Python, no Dagster).

``generate(landing_dir)`` writes what the OPDs and BPKAD would drop into ``data/landing``:

* ``sipd/dpa_sub_kegiatan/{tahun}/{kode_skpd}/dpa_sub_kegiatan_{tahap}.{csv|xlsx}`` (murni and
  perubahan; two OPDs also pergeseran_1 and pergeseran_perubahan_1, see PERGESERAN_*)
* ``sipd/dpa_rincian/{tahun}/{kode_skpd}/dpa_rincian_{tahap}.{csv|xlsx}``
* ``sipd/anggaran_kas/{tahun}/{kode_skpd}/anggaran_kas_{tahap}.{csv|xlsx}``
* ``bpkad/sp2d/{tahun}/sp2d_{tahun}_{MM}.csv``
* the real national files the peer marts read, as the project carries them (curated by
  scripts/curate_reference.py into ``lib/demo/data/pembanding/``, already in landing layout):
  ``djpk/apbd_pemda/2023/…`` and ``bps/indikator_kabkota/…``; a newer file in landing replaces
  them like any submission

and a manifest ``_manifest.json`` with the sha256 and row count of every file and the exact
totals (decimal strings) that the published mart must reconcile to.

The budget is built top-down so its shape is realistic (belanja ≈ Rp 5.1 T murni / 5.64 T
perubahan in 2024, pegawai ≈ 25–30 %, modal ≈ 20–30 %) and bottom-up so every identity holds to
the rupiah: volume × harga satuan = jumlah per rincian line, pagu = Σ rincian per sub kegiatan,
anggaran kas per (sub kegiatan, akun) = Σ rincian of that akun, and SP2D per (OPD, sub kegiatan,
akun) ≤ pagu perubahan except where the demo plants a payment beyond the DPA line for the review
list (``lib/demo/anomali.py``, which also records each SP2D's recipient). A payment above the SP2D
contract's plausibility bound on ``nilai_rp`` (a big kabupaten's termin at a small ``--scale``)
is paid as several SP2D within it (``_dalam_batas``). Money is ``decimal.Decimal`` throughout;
floats only draw shares.

Codes come from the committed seeds in ``dbt/seeds`` (never from ``../shared``); column names and
the human header aliases come from the source contracts in ``data_contracts/sources``; the demo's
assumptions (OPD profiles, component and payroll templates, special components, calendar) are the
data files in ``lib/demo/data/``. Same seed and scale give byte-identical files.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import hashlib
import io
import json
import math
import random
import re
from collections import defaultdict
from dataclasses import replace
from decimal import ROUND_FLOOR, Decimal
from functools import cache
from pathlib import Path
from typing import Any

import xlsxwriter

from dagster_project.lib.core.files import read_yaml
from dagster_project.lib.core.paths import CONTRACTS_DIR
from dagster_project.lib.demo import anomali, dalam_tahun
from dagster_project.lib.demo import sipd_export as sipd_export_xlsx
from dagster_project.lib.demo.evidence import EvidenceWorld
from dagster_project.lib.demo.model import (
    FIXED_CREATED,
    OFFICE_LINE,
    SAMARINDA,
    ZERO,
    Line,
    Opd,
    Payment,
    Profile,
    Reference,
    SubKeg,
    kota,
    nomenclature_key,
    rasio_pemda,
    valid_in_year,
)

SOURCE_CONTRACTS_DIR = CONTRACTS_DIR / "sources"

DEFAULT_YEARS: tuple[int, ...] = (2024, 2025)
TAHAP = ("murni", "perubahan")

# Belanja daerah per fiscal year (murni, perubahan), rupiah. 2021, 2023–2025 from domain.md §4.2
# (2021 murni = APBD-P minus the Rp 723 bn increase); 2022 and 2026-perubahan are estimates.
TOTALS: dict[int, tuple[int, int]] = {
    2021: (2_592_271_870_684, 3_315_271_870_684),
    2022: (3_300_000_000_000, 3_850_000_000_000),
    2023: (3_900_000_000_000, 4_700_000_000_000),
    2024: (5_100_000_000_000, 5_640_000_000_000),
    2025: (4_980_000_000_000, 5_800_000_000_000),
    2026: (3_183_000_000_000, 3_400_000_000_000),
}
DEFAULT_TOTAL = (5_000_000_000_000, 5_500_000_000_000)

BULAN = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
    "Oktober", "November", "Desember",
)  # fmt: skip
SATUAN_KELUARAN = ("Dokumen", "Laporan", "Unit", "Orang", "Paket", "Kegiatan", "M2", "Km", "Persen")

HUNDRED = Decimal(100)
CENT = Decimal("0.01")

# --------------------------------------------------------------------------------------------
# Funding sources (level-6 active codes in ref_sumber_dana)
# --------------------------------------------------------------------------------------------
DAU = "1.02.01.01.02.01"
DBH = "1.02.01.01.01.01"
BANKEU_PROV = "1.02.02.02.01.01"
BAGI_HASIL_PROV = "1.02.02.01.01.01"
PAD = (
    "1.01.01.07.01.01",
    "1.01.01.15.01.01",
    "1.01.01.16.01.01",
    "1.01.01.10.01.01",
    "1.01.02.01.01.01",
)
BLUD = "1.01.04.16.01.01"
KAPITASI = "1.01.04.18.01.01"
PAJAK_ROKOK_JKN = "2.01.01.02.02.01"
SILPA = ("1.04.01.05.01.01", "1.04.01.01.01.01")
DAK_NF_TPG = "2.02.01.01.04.04"
DAK_NF_TAMSIL = "2.02.01.01.04.05"
DAK_NF_BY_OPD = {
    "Dinkes": "2.02.01.01.04.11",
    "DPPKB": "2.02.01.01.04.15",
    "Disdukcapil": "2.02.01.01.04.17",
    "Dispar": "2.02.01.01.04.18",
}
DAK_FISIK_BY_OPD = {
    "PUPR": "2.02.01.01.03.11",
    "Disdikbud": "2.02.01.01.03.02",
    "Dinkes": "2.02.01.01.03.12",
    "Disperkim": "2.02.01.01.03.10",
    "DLH": "2.02.01.01.03.31",
    "Diskumi": "2.02.01.01.03.29",
}

# --------------------------------------------------------------------------------------------
# The demo's tables (profiles, component pools, payroll lines, calendar) are data files in
# lib/demo/data/: the assumptions a reader may want to change, kept out of the code.
# --------------------------------------------------------------------------------------------
DATA_DIR = Path(__file__).with_name("data")
EMBEDDED_DIR = DATA_DIR / "pembanding"  # real DJPK and BPS files, in landing layout


def _yaml(name: str) -> Any:
    return read_yaml(DATA_DIR / name)


def _csv(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _profile(spec: dict[str, Any]) -> Profile:
    return Profile(**{k: tuple(v) if isinstance(v, list) else v for k, v in spec.items()})


_PROFIL = _yaml("profil_opd.yaml")
# OPD profiles: share of total belanja (weight), pegawai and modal fractions, special components
PROFILES: dict[str, Profile] = {k: _profile(v) for k, v in _PROFIL["opd"].items()}
KECAMATAN_PROFILE = _profile(_PROFIL["kecamatan"])
COMMON_PENUNJANG: tuple[str, ...] = tuple(_PROFIL["penunjang_umum"])
# Sub kegiatan that carry a special component.
SPECIAL_KIND: dict[str, str] = _PROFIL["komponen_khusus"]

# Sub kegiatan that build, rehabilitate or buy something (they carry belanja modal and a location).
FISIK = re.compile(
    r"^(Pembangunan|Rehabilitasi|Rekonstruksi|Pelebaran|Penggantian|Normalisasi|Revitalisasi"
    r"|Pembebasan Lahan|Penambahan Ruang|Perbaikan Rumah|Pelaksanaan Pembangunan"
    r"|Peningkatan (Jalan|Saluran|Tanggul|Jaringan|Polder|Bangunan|Pintu|Kanal|Stasiun|SPAM|TPA)"
    r"|Pengadaan (?!Dokumen|Obat|Bahan|Cadangan)|Penyediaan (Sarana|Prasarana|Perlengkapan)"
    r"|Pemeliharaan (Rutin|Berkala) (Jalan|Jembatan)|Pengembangan (Puskesmas|Rumah Sakit))"
)

# --------------------------------------------------------------------------------------------
# Line templates: (kode_akun, uraian komponen, satuan, price low, price high, style), by kelompok
# (and kunci: a nomenclature suffix, a context or a name pattern) in data/komponen.csv
# --------------------------------------------------------------------------------------------
Tmpl = tuple[str, str, str, int, int, str]
Alloc = dict[int, dict[str, int]]  # id(SubKeg) -> component -> rupiah


def _templates() -> dict[str, dict[str, tuple[Tmpl, ...]]]:
    out: dict[str, dict[str, list[Tmpl]]] = defaultdict(lambda: defaultdict(list))
    for r in _csv("komponen.csv"):
        tmpl = (r["kode_akun"], r["uraian_komponen"], r["satuan"], int(r["harga_min"]),
                int(r["harga_maks"]), r["gaya"])  # fmt: skip
        out[r["kelompok"]][r["kunci"]].append(tmpl)
    return {k: {kk: tuple(vv) for kk, vv in v.items()} for k, v in out.items()}


_KOMPONEN = _templates()
OFFICE_POOL = _KOMPONEN["kantor"][""]
UTILITY_POOL = _KOMPONEN["utilitas"][""]
OUTSOURCE_POOL = _KOMPONEN["alih_daya"][""]
OFFICE_BY_SUFFIX = _KOMPONEN["kantor_per_sub_kegiatan"]
MAINT_POOL = _KOMPONEN["pemeliharaan"][""]
MODAL_PENUNJANG = _KOMPONEN["modal_penunjang"]
CONTEXT_POOLS = _KOMPONEN["konteks"]
KONSULTANSI = _KOMPONEN["konsultansi"][""]
# Modal line by sub kegiatan name (first match wins).
MODAL_RULES: tuple[tuple[str, Tmpl], ...] = tuple(
    (pattern, tmpls[0]) for pattern, tmpls in _KOMPONEN["modal_menurut_nama"].items()
)
MODAL_DEFAULT: Tmpl = _KOMPONEN["modal_bawaan"][""][0]
# The main line of a sub kegiatan of its own kind (BLUD jasa pelayanan, JKN premiums, Probebaya,
# the mayor's operational fund), by kind.
SUB_KEGIATAN_LINES: dict[str, Tmpl] = {
    kind: tmpls[0] for kind, tmpls in _KOMPONEN["utama_sub_kegiatan"].items()
}
HONOR_LINES = _KOMPONEN["honorarium"][""]


def _special() -> dict[str, list[tuple[str, int | None, Tmpl, float]]]:
    """Special components by jenis: (OPD or "" for any, year or None for every, template, share)."""
    out: dict[str, list[tuple[str, int | None, Tmpl, float]]] = defaultdict(list)
    for r in _csv("komponen_khusus.csv"):
        tmpl = (r["kode_akun"], r["uraian_komponen"], r["satuan"], int(r["harga_min"]),
                int(r["harga_maks"]), r["gaya"])  # fmt: skip
        year = int(r["tahun"]) if r["tahun"] else None
        out[r["jenis"]].append((r["opd"], year, tmpl, float(r["porsi"])))
    return dict(out)


SPECIAL_LINES = _special()


# Pegawai lines of "Penyediaan Gaji dan Tunjangan ASN" and of the KDH and DPRD: (akun, uraian,
# share, months paid), by kelompok in data/belanja_pegawai.csv
def _payroll() -> dict[str, tuple[tuple[str, str, float, int], ...]]:
    out: dict[str, list[tuple[str, str, float, int]]] = defaultdict(list)
    for r in _csv("belanja_pegawai.csv"):
        out[r["kelompok"]].append(
            (r["kode_akun"], r["uraian_komponen"], float(r["porsi"]), int(r["bulan_dibayar"]))
        )
    return {k: tuple(v) for k, v in out.items()}


_PEGAWAI = _payroll()
GAJI_LINES = _PEGAWAI["gaji_asn"]
TPG_LINES = _PEGAWAI["tpg"]
KDH_LINES = _PEGAWAI["kdh"]
DPRD_LINES = _PEGAWAI["dprd"]
AVG_ASN_MONTHLY = 9_200_000  # gaji + tunjangan + TPP per pegawai per bulan (demo assumption)

_KALENDER = _yaml("kalender.yaml")


def _month_days(days: list[str]) -> tuple[tuple[int, int], ...]:
    return tuple((int(d[:2]), int(d[3:])) for d in days)


HOLIDAYS = {int(y): _month_days(v) for y, v in _KALENDER["libur_nasional"].items()}
FIXED_HOLIDAYS = _month_days(_KALENDER["libur_tetap"])
THR_MONTH: dict[int, int] = _KALENDER["bulan_thr"]
GAJI13_MONTH: int = _KALENDER["bulan_gaji_13"]
# Monthly profiles (cash plan and payment dates), by component.
PROFILE_MONTHS: dict[str, list[int]] = _KALENDER["profil_rencana_kas"]
PAY_MONTHS: dict[str, list[int]] = _KALENDER["profil_pembayaran"]

# --------------------------------------------------------------------------------------------
# data model
# --------------------------------------------------------------------------------------------


def _contract_columns(source: str, table: str) -> list[tuple[str, str]]:
    """[(property name, human header)] in contract order, from the ODCS aliases."""
    doc = read_yaml(SOURCE_CONTRACTS_DIR / f"{source}__{table}.odcs.yaml")
    out = []
    for prop in doc["schema"][0]["properties"]:
        aliases: list[str] = []
        for cp in prop.get("customProperties") or []:
            if cp.get("property") == "aliases":
                aliases = [str(a) for a in cp.get("value") or []]
        human = next((a for a in aliases if "(Rp)" in a), None)
        human = human or next((a for a in aliases if a[:1].isupper()), prop["name"])
        out.append((prop["name"], human))
    return out


# --------------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------------


def _floor100(x: Decimal) -> Decimal:
    return (x / HUNDRED).to_integral_value(ROUND_FLOOR) * HUNDRED


def _split(total: int, weights: list[float]) -> list[int]:
    """Split an integer total by weights; the last part absorbs rounding."""
    if not weights:
        return []
    s = sum(weights) or 1.0
    parts = [int(total * w / s) for w in weights]
    parts[-1] += total - sum(parts)
    return parts


def _lognorm_weights(rng: random.Random, n: int, sigma: float = 0.8) -> list[float]:
    return [rng.lognormvariate(0.0, sigma) for _ in range(n)]


def _fmt_qty(d: Decimal) -> str:
    return format(d.normalize(), "f")


def _fmt_money_plain(d: Decimal) -> str:
    return format(d.quantize(CENT), "f")


def _fmt_money_id(d: Decimal) -> str:
    """Indonesian number format: 1.234.567,89."""
    s = f"{d.quantize(CENT):,.2f}"
    return s.replace(",", "_").replace(".", ",").replace("_", ".")


def _koef_num(v: Decimal | int) -> str:
    return format(Decimal(v).normalize(), "f").replace(".", ",")


def _working_days(year: int, month: int) -> list[int]:
    hol = set(FIXED_HOLIDAYS) | set(HOLIDAYS.get(year, ()))
    last = calendar.monthrange(year, month)[1]
    days = [
        d
        for d in range(1, last + 1)
        if dt.date(year, month, d).weekday() < 5 and (month, d) not in hol
    ]
    if month == 12:
        days = [d for d in days if d <= 27] or days
    return days


# --------------------------------------------------------------------------------------------
# planning the budget
# --------------------------------------------------------------------------------------------


def _profile_for(singkatan: str, jenis: str, year: int) -> Profile:
    if jenis == "kecamatan":
        return KECAMATAN_PROFILE
    p = PROFILES.get(singkatan, Profile(0.5, 0.45, 0.05))
    if singkatan == "Kesbangpol" and year == 2024:
        # Pilkada serentak 2024: hibah to KPU and Bawaslu runs through Kesbangpol.
        return Profile(1.3, 0.12, 0.01, hibah=0.70, forced=p.forced)
    return p


def _classify(code: str, nama: str) -> str:
    key = nomenclature_key(code)
    if key.startswith("X.XX"):
        suffix = key[8:]
        return {
            "2.02.0001": "gaji",
            "2.11.0001": "kdh",
            "2.11.0004": "kdh_ops",
            "2.15.0001": "dprd",
            "2.10.0001": "blud",
            "2.08.0002": "utility",
            "2.08.0004": "outsource",
        }.get(
            suffix,
            "modal_pen"
            if suffix.startswith("2.07")
            else "maint"
            if suffix.startswith("2.09")
            else "office",
        )
    if key in SPECIAL_KIND:
        return SPECIAL_KIND[key]
    if FISIK.search(nama):
        return "fisik"
    return "program"


def _indicator(
    rng: random.Random, nama: str, kind: str, n_asn: int
) -> tuple[str, Decimal | None, str]:
    if kind == "gaji":
        return "Jumlah Orang yang Menerima Gaji dan Tunjangan ASN", Decimal(n_asn), "Orang"
    rules = (
        (r"Jalan(?! Lingkungan)|Pelebaran|Rekonstruksi|Drainase|Saluran|Sungai", "Km"),
        (r"Taman|Ruang Terbuka|Penataan|Kumuh|Kawasan|PSU", "M2"),
        (
            r"Pembangunan|Rehabilitasi|Pengadaan|Sarana|Jembatan|Puskesmas|Sekolah|Ruang|Gedung"
            r"|Alat|Kendaraan|Peralatan|Mebel|Rumah",
            "Unit",
        ),
        (
            r"Laporan|Pelaporan|Evaluasi|Monitoring|Pengawasan|Reviu|Rekonsiliasi|Akuntansi",
            "Laporan",
        ),
        (
            r"Penyusunan|Dokumen|Perencanaan|Kajian|Rencana|Analisis|Regulasi|Kebijakan|Produk Hukum"
            r"|DPA|RKA",
            "Dokumen",
        ),
        (
            r"Pelayanan Kesehatan|Pelatihan|Kapasitas|Bimbingan|Pegawai|ASN|Atlet|Peserta|Penduduk"
            r"|Siswa|Pendidik|Masyarakat|Keluarga|Anak|Perempuan|Korban|Penderita|Ibu|Balita|Usia"
            r"|Orang|Gaji|Jaminan",
            "Orang",
        ),
        (r"Persentase|Cakupan|Pengendalian|Pencegahan|Penanganan", "Persen"),
        (r"Pemeliharaan|Operasional|Penyediaan|Jasa|Pengelolaan|Bantuan|Hibah", "Paket"),
    )
    satuan = "Kegiatan"
    for pattern, sat in rules:
        if re.search(pattern, nama):
            satuan = sat
            break
    text = {
        "Dokumen": f"Jumlah Dokumen {nama}",
        "Laporan": f"Jumlah Laporan {nama}",
        "Unit": f"Jumlah Unit {nama}",
        "Orang": f"Jumlah Orang yang Mendapatkan Layanan {nama}",
        "Paket": f"Jumlah Paket {nama}",
        "Kegiatan": f"Jumlah Kegiatan {nama}",
        "M2": f"Luas {nama}",
        "Km": f"Panjang {nama}",
        "Persen": f"Persentase Capaian {nama}",
    }[satuan]
    target: Decimal | None
    if satuan == "Km":
        target = Decimal(rng.randint(5, 120)) / 10
    elif satuan == "M2":
        target = Decimal(rng.randrange(500, 25_000, 50))
    elif satuan == "Orang":
        target = Decimal(rng.choice((20, 25, 30, 40, 50, 60, 100, 150, 250, 500, 1200, 3500)))
    elif satuan == "Persen":
        target = Decimal(rng.choice((80, 85, 90, 95, 100)))
    elif satuan == "Laporan":
        target = Decimal(rng.choice((1, 2, 4, 12)))
    elif satuan == "Dokumen":
        target = Decimal(rng.randint(1, 6))
    elif satuan == "Unit":
        target = Decimal(rng.randint(1, 40))
    else:
        target = Decimal(rng.randint(1, 24))
    if rng.random() < 0.04:
        target = None  # the operator left the target blank
    return text, target, satuan


class Planner:
    """Builds one fiscal year's budget (murni + perubahan) for every OPD."""

    def __init__(self, ref: Reference, seed: int, scale: float, year: int):
        self.ref = ref
        self.seed = seed
        self.scale = scale
        self.year = year
        self.nomen = ref.nomen_for(year)
        self.akun = ref.akun_for(year)

    def rng(self, *parts: object) -> random.Random:
        return random.Random(":".join(str(p) for p in (self.seed, self.year, *parts)))

    # -- helpers ---------------------------------------------------------------------------

    def _n_lines(self, rng: random.Random, lo: int, hi: int) -> int:
        return max(1, round(rng.randint(lo, hi) * self.scale))

    def _dana(self, rng: random.Random, opd: Opd, comp: str, kind: str) -> str:
        if kind == "blud":
            return BLUD if rng.random() < 0.7 else KAPITASI
        if kind == "jkn":
            return PAJAK_ROKOK_JKN if rng.random() < 0.35 else DAU
        if comp in ("peg", "hibah", "bansos", "btt"):
            return DAU if rng.random() < 0.85 else DBH
        if comp == "modal":
            r = rng.random()
            dak = DAK_FISIK_BY_OPD.get(opd.singkatan)
            if dak and r < 0.25:
                return dak
            if opd.singkatan in ("PUPR", "Disperkim") and r < 0.40:
                return BANKEU_PROV
            return DBH if r < 0.75 else DAU
        r = rng.random()
        nf = DAK_NF_BY_OPD.get(opd.singkatan)
        if nf and r < 0.20:
            return nf
        if r < 0.45:
            return rng.choice(PAD)
        if r < 0.55:
            return BAGI_HASIL_PROV
        return DAU if r < 0.85 else DBH

    def _line(
        self,
        rng: random.Random,
        t: Tmpl,
        amount: int,
        no: int,
        dana: str,
        comp: str,
        uraian: str | None = None,
    ) -> Line | None:
        akun, ur, satuan, lo, hi, style = t
        if amount < 1_000:
            return None
        price = rng.uniform(lo, hi) if hi else float(amount)
        koef: str
        n, mult, tail = 0, 0, ""
        if style == "ob":
            n, mult, tail = max(1, round(amount / (price * 12))), 12, " Orang x 12 Bulan"
            vol = Decimal(n * 12)
            koef = f"{n}{tail}"
        elif style == "ok":
            k = rng.choice((1, 2, 3, 4, 6, 12))
            n, mult, tail = max(1, round(amount / (price * k))), k, f" {satuan} x {k} Kali"
            vol = Decimal(n * k)
            koef = f"{n}{tail}"
        elif style == "bulan":
            vol = Decimal(12)
            koef = "12 Bulan"
        elif style == "km":
            vol = Decimal(max(1, round(amount / price * 10))) / 10
            koef = f"{_koef_num(vol)} Km"
        elif style == "paket":
            vol = Decimal(1)
            koef = f"1 {satuan}"
        else:
            n, mult, tail = max(1, min(200_000, round(amount / price))), 1, f" {satuan}"
            vol = Decimal(n)
            koef = f"{n}{tail}"
        harga = _floor100(Decimal(amount) / vol)
        if harga <= 0:
            harga = HUNDRED
        return Line(no, akun, dana, uraian or ur, koef, vol, satuan, harga, comp, n, mult, tail)

    def _payroll_lines(
        self,
        rng: random.Random,
        spec: tuple[tuple[str, str, float, int], ...],
        amount: int,
        persons: int,
        opd: Opd,
        start_no: int,
    ) -> list[Line]:
        keep = max(3, round(len(spec) * min(1.0, self.scale)))
        chosen = spec[:keep]
        amounts = _split(amount, [s for _, _, s, _ in chosen])
        out = []
        for i, ((akun, uraian, _, months), amt) in enumerate(zip(chosen, amounts, strict=True)):
            vol = Decimal(persons * months)
            harga = _floor100(Decimal(amt) / vol) or HUNDRED
            dana = (
                DAK_NF_TPG
                if akun == TPG_LINES[0][0]
                else (
                    DAK_NF_TAMSIL
                    if akun == TPG_LINES[1][0]
                    else self._dana(rng, opd, "peg", "gaji")
                )
            )
            out.append(
                Line(
                    start_no + i,
                    akun,
                    dana,
                    uraian,
                    f"{persons} Orang x {months} Bulan",
                    vol,
                    "Orang/Bulan",
                    harga,
                    "peg",
                )
            )
        return out

    # -- sub kegiatan selection --------------------------------------------------------------

    def _penunjang_codes(self, opd: Opd) -> list[str]:
        suffixes = list(COMMON_PENUNJANG) + list(opd.profile.extra_penunjang)
        if opd.jenis == "kecamatan":
            suffixes = [s for s in suffixes if s not in ("2.02.0005", "2.09.0009")]
        codes = []
        for s in dict.fromkeys(suffixes):
            key = f"X.XX.01.{s}"
            if key in self.nomen:
                codes.append(f"{opd.bidang[0]}.01.{s}")
        return codes

    def _pool(self, opd: Opd) -> list[str]:
        prog = opd.profile.programs
        pool = [
            code
            for code, r in self.nomen.items()
            if r["kode_bidang_urusan"] in opd.bidang
            and (not prog or r["kode_program"] in prog)
            and (code not in SPECIAL_KIND or code in opd.profile.forced)
        ]
        return sorted(pool)

    # -- one OPD ----------------------------------------------------------------------------

    def plan_opd(self, opd: Opd, budget: int) -> None:
        """An OPD's murni DPA: its sub kegiatan, the budget split by component over them, then
        each sub kegiatan's rincian lines, indicator, location and absorption."""
        rng = self.rng(opd.kode, "murni")
        subs = self._choose_sub_kegiatan(rng, opd, budget)
        by_kind: dict[str, list[SubKeg]] = defaultdict(list)
        for s in subs:
            by_kind[s.kind].append(s)
        alloc: Alloc = defaultdict(lambda: defaultdict(int))
        prof = opd.profile
        peg = int(budget * prof.peg)
        modal = int(budget * prof.modal)
        special = {c: int(budget * getattr(prof, c)) for c in ("hibah", "bansos", "btt")}
        barjas = budget - peg - modal - sum(special.values())
        self._allocate_pegawai(by_kind, alloc, peg)
        barjas += self._allocate_modal(rng, by_kind, alloc, modal, budget)
        for comp, amount in special.items():
            carriers = by_kind[comp]
            if not carriers:
                barjas += amount
                continue
            for s, amt in zip(carriers, _split(amount, [1.0] * len(carriers)), strict=True):
                alloc[id(s)][comp] += amt
        self._allocate_barjas(rng, by_kind, alloc, barjas, budget)

        gaji_sub = by_kind["gaji"][0]
        n_asn = max(5, round(alloc[id(gaji_sub)]["peg"] / (AVG_ASN_MONTHLY * 14)))
        kel_pool = self._kelurahan_pool(opd)
        for s in subs:
            s.murni = self._build_lines(rng, opd, s, alloc[id(s)], n_asn)
            self._describe(rng, opd, s, n_asn, kel_pool)
        opd.subkeg = [s for s in subs if s.murni]

    def _choose_sub_kegiatan(self, rng: random.Random, opd: Opd, budget: int) -> list[SubKeg]:
        """The support sub kegiatan, the profile's forced ones, and a number that grows with the
        budget drawn from the OPD's nomenclature pool."""
        pool = self._pool(opd)
        forced = [c for c in opd.profile.forced if c in pool]
        n_sub = max(5, min(30, int(4 + 2.3 * math.sqrt(budget / 1e10))))
        rest = [c for c in pool if c not in forced]
        rng.shuffle(rest)
        substantive = sorted(forced + rest[: max(0, n_sub - len(forced))])
        subs: list[SubKeg] = []
        for code in self._penunjang_codes(opd) + substantive:
            nama = self.nomen[nomenclature_key(code)]["nama_sub_kegiatan"]
            subs.append(SubKeg(code, nama, _classify(code, nama), "", "", None, "", murni=[]))
        return subs

    @staticmethod
    def _allocate_pegawai(by_kind: dict[str, list[SubKeg]], alloc: Alloc, peg: int) -> None:
        """Payroll (+ DPRD / KDH / BLUD jasa pelayanan), a little honorarium elsewhere."""
        honor_subs = (by_kind["fisik"] + by_kind["program"])[:3]
        honor = int(peg * 0.03) if honor_subs else 0
        payroll = peg - honor
        for kind, share in (("dprd", 0.50), ("kdh", 0.02), ("kdh_ops", 0.02), ("blud", 0.12)):
            if by_kind[kind]:
                alloc[id(by_kind[kind][0])]["peg"] += int(payroll * share)
                payroll -= int(payroll * share)
        alloc[id(by_kind["gaji"][0])]["peg"] += payroll
        for s, amt in zip(honor_subs, _split(honor, [1.0] * len(honor_subs)), strict=True):
            alloc[id(s)]["peg"] += amt

    @staticmethod
    def _allocate_modal(
        rng: random.Random, by_kind: dict[str, list[SubKeg]], alloc: Alloc, modal: int, budget: int
    ) -> int:
        """Capital spending on the physical sub kegiatan (the multi-year tunnel takes a large
        share), some on the support procurement ones; returns what stays operational (all of
        it when the OPD has nowhere to book capital spending)."""
        fisik = by_kind["fisik"]
        mpen = by_kind["modal_pen"]
        if not fisik and not mpen:
            return modal
        to_pen = modal if not fisik else min(int(modal * 0.15), int(2e9 + budget * 0.004))
        if not mpen:
            to_pen = 0
        fisik_w = _lognorm_weights(rng, len(fisik), 0.9)
        for s in fisik:
            if re.search(r"Terowongan|Tunnel", s.nama):
                fisik_w[fisik.index(s)] = sum(fisik_w) * 0.35  # the multi-year city tunnel
        for s, amt in zip(fisik, _split(modal - to_pen, fisik_w) if fisik else [], strict=True):
            alloc[id(s)]["modal"] += amt
        for s, amt in zip(mpen, _split(to_pen, [1.0] * len(mpen)) if mpen else [], strict=True):
            alloc[id(s)]["modal"] += amt
        return 0

    @staticmethod
    def _allocate_barjas(
        rng: random.Random,
        by_kind: dict[str, list[SubKeg]],
        alloc: Alloc,
        barjas: int,
        budget: int,
    ) -> None:
        """Barang dan jasa: fixed shares to BLUD, JKN and Probebaya, a budget-dependent share to
        office, utility, outsourcing and maintenance, the rest over the programme sub kegiatan."""
        office = by_kind["office"] + by_kind["utility"] + by_kind["outsource"] + by_kind["maint"]
        office += by_kind["kdh"] + by_kind["dprd"]
        f_off = 0.55 if budget < 2e10 else 0.35 if budget < 1e11 else 0.18
        remaining = barjas
        for kind, share in {"blud": 0.35, "jkn": 0.22, "probebaya": 0.55}.items():
            for s in by_kind[kind]:
                amt = int(barjas * share / len(by_kind[kind]))
                alloc[id(s)]["barjas"] += amt
                remaining -= amt
        office_amt = int(remaining * f_off)
        kind_w = {"outsource": 3.0, "utility": 1.8, "maint": 0.9, "office": 0.35, "kdh": 0.6,
                  "dprd": 1.2}  # fmt: skip
        ow = [kind_w.get(s.kind, 0.35) * rng.uniform(0.6, 1.4) for s in office]
        for s, amt in zip(office, _split(office_amt, ow) if office else [], strict=True):
            alloc[id(s)]["barjas"] += amt
        rest_subs = by_kind["program"] + by_kind["fisik"] + by_kind["hibah"] + by_kind["bansos"]
        rw = _lognorm_weights(rng, len(rest_subs), 0.8)
        rw = [
            w * (0.45 if s.kind == "fisik" else 0.1 if s.kind in ("hibah", "bansos") else 1.0)
            for w, s in zip(rw, rest_subs, strict=True)
        ]
        left = remaining - office_amt
        if rest_subs:
            for s, amt in zip(rest_subs, _split(left, rw), strict=True):
                alloc[id(s)]["barjas"] += amt
        elif office:
            alloc[id(office[0])]["barjas"] += left
        else:
            alloc[id(by_kind["gaji"][0])]["peg"] += left

    def _kelurahan_pool(self, opd: Opd) -> list[str]:
        if opd.kode_kecamatan:
            return self.ref.kelurahan_by_kec.get(opd.kode_kecamatan, [])
        return [k for v in self.ref.kelurahan_by_kec.values() for k in v]

    def _describe(
        self, rng: random.Random, opd: Opd, s: SubKeg, n_asn: int, kel_pool: list[str]
    ) -> None:
        s.indikator, s.target, s.satuan_out = _indicator(rng, s.nama, s.kind, n_asn)
        # physical works sit in a kelurahan; a kecamatan's own programmes in one of its kelurahan
        in_kecamatan = opd.jenis == "kecamatan" and not nomenclature_key(s.kode).startswith("X")
        located = (s.kind in ("fisik", "probebaya") or in_kecamatan) and kel_pool
        if located and not (s.kind == "fisik" and re.search(r"Pengadaan|Kendaraan", s.nama)):
            s.kelurahan = rng.choice(kel_pool)
        ratio = rng.random()
        if ratio < 0.80:
            s.ratio = rng.uniform(0.70, 0.98)
        elif ratio < 0.93:
            s.ratio = rng.uniform(0.45, 0.70)
        else:
            s.ratio = rng.uniform(0.10, 0.45)

    def _pool_for(self, opd: Opd, s: SubKeg) -> tuple[Tmpl, ...]:
        ctx = CONTEXT_POOLS.get(opd.profile.context, ())
        if s.kind == "utility":
            return UTILITY_POOL
        if s.kind == "outsource":
            return OUTSOURCE_POOL
        if s.kind == "maint":
            return MAINT_POOL
        if s.kind == "office":
            return OFFICE_BY_SUFFIX.get(nomenclature_key(s.kode)[8:], OFFICE_POOL[:10])
        if s.kind in ("program", "fisik", "blud", "probebaya", "jkn", "hibah", "bansos"):
            return ctx + OFFICE_POOL[:10] if ctx else OFFICE_POOL
        return OFFICE_POOL

    def _build_lines(
        self, rng: random.Random, opd: Opd, s: SubKeg, alloc: dict[str, int], n_asn: int
    ) -> list[Line]:
        """The rincian lines of one sub kegiatan from its allocation per component, numbered in
        order: pegawai, modal, the special components, barang dan jasa."""
        modal = alloc.get("modal", 0)
        drafts = [
            *self._pegawai_lines(rng, opd, s, alloc.get("peg", 0), n_asn),
            *self._modal_lines(rng, opd, s, modal),
        ]
        for comp in ("hibah", "bansos", "btt"):
            if amount := alloc.get(comp, 0):
                drafts += [
                    self._line(rng, t, amt, 0, self._dana(rng, opd, comp, s.kind), comp)
                    for t, amt in self._special_lines(rng, opd, comp, amount)
                ]
        drafts += self._barjas_lines(rng, opd, s, alloc.get("barjas", 0), modal)
        lines = [line for line in drafts if line is not None]
        for no, line in enumerate(lines, start=1):
            line.no = no
        return lines

    def _pegawai_lines(
        self, rng: random.Random, opd: Opd, s: SubKeg, peg: int, n_asn: int
    ) -> list[Line | None]:
        if not peg:
            return []
        if s.kind == "gaji":
            spec = GAJI_LINES + (TPG_LINES if opd.singkatan == "Disdikbud" else ())
            spec = tuple(sorted(spec, key=lambda x: -x[2]))
            return list(self._payroll_lines(rng, spec, peg, n_asn, opd, 1))
        if s.kind == "dprd":
            return list(self._payroll_lines(rng, DPRD_LINES, peg, 45, opd, 1))
        if s.kind == "kdh":
            return list(self._payroll_lines(rng, KDH_LINES, peg, 2, opd, 1))
        if s.kind == "kdh_ops":
            t = SUB_KEGIATAN_LINES["kdh_ops"]
            monthly = _floor100(Decimal(peg) / 12)
            return [Line(0, t[0], DAU, t[1], "12 Bulan", Decimal(12), t[2], monthly, "peg")]
        if s.kind == "blud":
            return [self._line(rng, SUB_KEGIATAN_LINES["blud"], peg, 0, BLUD, "peg")]
        return [self._line(rng, rng.choice(HONOR_LINES), peg, 0, DAU, "peg")]

    def _modal_lines(
        self, rng: random.Random, opd: Opd, s: SubKeg, modal: int
    ) -> list[Line | None]:
        if not modal:
            return []
        if s.kind == "modal_pen":
            tmpls = MODAL_PENUNJANG.get(nomenclature_key(s.kode)[8:], (MODAL_DEFAULT,))
            n = min(len(tmpls), self._n_lines(rng, 1, 3))
            amounts = _split(modal, [1.0] * n)
        else:
            tmpl = next((t for pat, t in MODAL_RULES if re.search(pat, s.nama)), MODAL_DEFAULT)
            amounts = _split(modal, _lognorm_weights(rng, self._n_lines(rng, 1, 3), 0.5))
            tmpls = (tmpl,) * len(amounts)
        return [
            self._line(rng, t, amt, 0, self._dana(rng, opd, "modal", s.kind), "modal")
            for t, amt in zip(tmpls, amounts, strict=False)
        ]

    def _barjas_lines(
        self, rng: random.Random, opd: Opd, s: SubKeg, barjas: int, modal: int
    ) -> list[Line | None]:
        """Barang dan jasa: the sub kegiatan's own main line (JKN premiums, Probebaya), design
        and supervision consultants for physical works, then komponen drawn from its pool."""
        if not barjas:
            return []
        pool = self._pool_for(opd, s)
        parts: list[tuple[Tmpl, int]] = []
        if s.kind in ("jkn", "probebaya"):
            parts.append((SUB_KEGIATAN_LINES[s.kind], int(barjas * 0.85)))
            barjas -= parts[-1][1]
        if s.kind == "blud":
            pool = CONTEXT_POOLS["dinkes"] + UTILITY_POOL[:2] + OUTSOURCE_POOL[:2]
        if s.kind == "fisik" and modal:
            for t in KONSULTANSI:
                amt = min(int(modal * 0.03), barjas // 3)
                parts.append((t, amt))
                barjas -= amt
        if s.kind in ("utility", "outsource"):
            n = min(len(pool), self._n_lines(rng, 2, len(pool)))
        else:  # bigger budgets have more komponen lines, not absurd volumes
            by_size = min(12, max(2, round(barjas / 2.5e8)))
            n = self._n_lines(rng, by_size, by_size + 3)
        idx = sorted(rng.sample(range(len(pool)), min(n, len(pool))))
        idx += [rng.randrange(len(pool)) for _ in range(n - len(idx))]
        chosen = [pool[i] for i in idx]
        parts += zip(chosen, _split(barjas, _lognorm_weights(rng, len(chosen), 0.6)), strict=True)
        return [self._barjas_line(rng, opd, s, t, amt) for t, amt in parts]

    def _barjas_line(
        self, rng: random.Random, opd: Opd, s: SubKeg, t: Tmpl, amt: int
    ) -> Line | None:
        if t[5] != "jiwa":
            return self._line(rng, t, amt, 0, self._dana(rng, opd, "barjas", s.kind), "barjas")
        jiwa = max(1, round(amt / (t[3] * 12)))  # premiums: people x 12 months at the tariff
        dana = self._dana(rng, opd, "barjas", "jkn")
        koef = f"{jiwa} Jiwa x 12 Bulan"
        return Line(0, t[0], dana, t[1], koef, Decimal(jiwa * 12), "Jiwa/Bulan", Decimal(t[3]),
                    "barjas", jiwa, 12, " Jiwa x 12 Bulan")  # fmt: skip

    def _special_lines(
        self, rng: random.Random, opd: Opd, comp: str, amount: int
    ) -> list[tuple[Tmpl, int]]:
        """The lines of a special component (hibah, bansos, btt) from data/komponen_khusus.csv:
        an OPD's own rows for this year, else its rows for every year, else the component's
        rows for any OPD; a small scale keeps fewer of them (the BTT reserve is one line)."""
        rows = SPECIAL_LINES[comp]
        specs = next(
            [(tmpl, share) for who, year, tmpl, share in rows if (who, year) == key]
            for key in ((opd.singkatan, self.year), (opd.singkatan, None), ("", None))
            if any((who, year) == key for who, year, _, _ in rows)
        )
        if comp == "btt":
            return [(specs[0][0], amount)]
        keep = specs[: max(1, round(len(specs) * min(1.0, self.scale)))]
        amounts = _split(amount, [w for _, w in keep])
        return [(t, a) for (t, _), a in zip(keep, amounts, strict=True)]

    # -- perubahan ----------------------------------------------------------------------------

    def plan_perubahan(self, opds: list[Opd], target: int) -> None:
        raw: list[tuple[Line, Decimal]] = []  # non-pegawai lines with their uncalibrated harga
        peg_total = ZERO
        for opd in opds:
            rng = self.rng(opd.kode, "perubahan")
            for s in opd.subkeg:
                g = rng.choices(
                    (
                        rng.uniform(0.80, 0.98),
                        1.0,
                        rng.uniform(1.02, 1.25),
                        rng.uniform(1.25, 1.80),
                    ),
                    weights=(18, 42, 28, 12),
                )[0]
                lines: list[Line] = []
                for ln in s.murni or []:
                    if ln.comp == "peg":
                        f = Decimal(str(round(rng.uniform(1.00, 1.06), 4)))
                        # a pay rise on the same koefisien (its re-plan fields not carried)
                        harga = _floor100(ln.harga * f) or HUNDRED
                        new = replace(ln, harga=harga, n=0, mult=0, tail="")
                        peg_total += new.total
                    else:
                        gl = g * rng.uniform(0.97, 1.03)
                        if ln.comp == "btt":
                            gl = rng.uniform(0.30, 0.90)
                        elif ln.comp == "hibah":
                            gl = rng.uniform(0.98, 1.05)
                        elif ln.comp == "modal":
                            gl *= 0.97
                        new = replace(ln)
                        if ln.mult and ln.n >= 3:  # APBD-P re-plans quantities, not prices
                            new.n = max(1, round(ln.n * gl))
                            new.volume = Decimal(new.n * ln.mult)
                            new.koef = f"{new.n}{ln.tail}"
                            raw.append((new, ln.harga))
                        else:
                            raw.append((new, ln.harga * Decimal(str(round(gl, 6)))))
                    lines.append(new)
                if g > 1.1 and s.kind in ("program", "fisik", "office") and rng.random() < 0.5:
                    pool = self._pool_for(opd, s)
                    t = pool[rng.randrange(len(pool))]
                    amt = int(float(s.pagu("murni")) * rng.uniform(0.05, 0.20))
                    ln = self._line(rng, t, amt, len(lines) + 1, rng.choice(SILPA), "barjas")
                    if ln is not None:
                        raw.append((ln, ln.harga))
                        lines.append(ln)
                s.perubahan = lines
            # new sub kegiatan added in the APBD-P
            spare = [
                c
                for c in self._pool(opd)
                if c not in {x.kode for x in opd.subkeg} and c not in SPECIAL_KIND
            ]
            budget = sum(float(s.pagu("murni")) for s in opd.subkeg)
            for code in spare[: rng.choice((0, 0, 1, 1, 2))]:
                nama = self.nomen[code]["nama_sub_kegiatan"]
                s = SubKeg(code, nama, _classify(code, nama), "", "", None, "", murni=None)
                amount = int(budget * rng.uniform(0.005, 0.03))
                comp_alloc = (
                    {"barjas": amount}
                    if s.kind != "fisik"
                    else {"modal": int(amount * 0.85), "barjas": amount - int(amount * 0.85)}
                )
                s.perubahan = self._build_lines(rng, opd, s, comp_alloc, 0)
                for ln in s.perubahan:
                    ln.dana = rng.choice(SILPA) if rng.random() < 0.6 else ln.dana
                    if ln.comp == "peg":
                        peg_total += ln.total
                    else:
                        raw.append((ln, ln.harga))
                self._describe(rng, opd, s, 0, self._kelurahan_pool(opd))
                s.ratio = min(s.ratio, rng.uniform(0.55, 0.90))
                if s.perubahan:
                    opd.subkeg.append(s)
        # calibrate the non-pegawai lines so the APBD-P hits its total
        nonpeg_raw = sum((ln.volume * h for ln, h in raw), ZERO)
        k = (Decimal(target) - peg_total) / nonpeg_raw
        for ln, h in raw:
            ln.harga = _floor100(h * k) or HUNDRED
        for opd in opds:
            for s in opd.subkeg:
                if s.murni is not None and s.target is not None:
                    growth = float(s.pagu("perubahan") / (s.pagu("murni") or 1))
                    if growth > 1.2 and s.satuan_out in ("Unit", "Orang", "Paket", "Kegiatan"):
                        s.target_p = Decimal(math.ceil(float(s.target) * min(growth, 1.5)))


# --------------------------------------------------------------------------------------------
# pergeseran: DPA phases besides murni and perubahan
# --------------------------------------------------------------------------------------------

# Two OPDs shift money between their own lines by pergeseran (Perkada, total unchanged), so the
# marts' "latest phase" rule has a case each way: one with pergeseran and no perubahan (every
# year), one with a pergeseran before and another after the perubahan (the first generated year;
# the newest year, the scenario's base, ends at its APBD-P). Every other OPD: murni + perubahan.
PERGESERAN_TANPA_PERUBAHAN = "2.23.2.24.0.00.01.0000"  # Dinas Perpustakaan dan Kearsipan
PERGESERAN_SESUDAH_PERUBAHAN = "2.07.0.00.0.00.01.0000"  # Dinas Tenaga Kerja

# The DPA files of an OPD in one year: (tahap, lines per sub kegiatan); None = s.lines(tahap).
Fase = tuple[str, dict[str, list[Line]] | None]
FASE_BIASA: list[Fase] = [("murni", None), ("perubahan", None)]


def _geser(rng: random.Random, lines: dict[str, list[Line]]) -> dict[str, list[Line]]:
    """A pergeseran of one OPD's DPA: a copy where part of one goods/services or capital line
    moves to a new rincian line of another sub kegiatan. The OPD total is unchanged."""
    new = {k: [replace(ln) for ln in v] for k, v in sorted(lines.items())}
    movable = [(k, ln) for k, v in new.items() for ln in v if ln.comp in ("barjas", "modal")]
    if len(movable) < 2:
        return new
    k_from, donor = movable[rng.randrange(len(movable))]
    receivers = [(k, ln) for k, ln in movable if k != k_from] or movable
    k_to, like = receivers[rng.randrange(len(receivers))]
    cut = _floor100(donor.harga * Decimal(str(round(rng.uniform(0.10, 0.25), 4))))
    if cut <= 0:
        return new
    donor.harga -= cut
    amount = donor.volume * cut
    no = max(ln.no for ln in new[k_to]) + 1
    uraian = f"Tambahan hasil pergeseran: {like.uraian}"
    new[k_to].append(
        Line(no, like.akun, like.dana, uraian, "1 Paket", Decimal(1), "Paket", amount, like.comp)
    )
    return new


def _plan_pergeseran(
    planner: Planner, opds: list[Opd], sesudah_perubahan: bool
) -> dict[str, list[Fase]]:
    """The DPA phases of the OPDs that shift by pergeseran; s.perubahan becomes each sub
    kegiatan's final lines (what payments, cash plans and evidence are drawn against)."""
    fases: dict[str, list[Fase]] = {}
    for opd in opds:
        rng = planner.rng(opd.kode, "pergeseran")
        if opd.kode == PERGESERAN_TANPA_PERUBAHAN:
            opd.subkeg = [s for s in opd.subkeg if s.murni is not None]
            akhir = _geser(rng, {s.kode: s.murni or [] for s in opd.subkeg})
            fases[opd.kode] = [("murni", None), ("pergeseran_1", akhir)]
        elif opd.kode == PERGESERAN_SESUDAH_PERUBAHAN and sesudah_perubahan:
            sebelum = _geser(rng, {s.kode: s.murni for s in opd.subkeg if s.murni})
            perubahan = {s.kode: s.perubahan for s in opd.subkeg}
            akhir = _geser(rng, perubahan)
            fases[opd.kode] = [
                ("murni", None),
                ("pergeseran_1", sebelum),
                ("perubahan", perubahan),
                ("pergeseran_perubahan_1", akhir),
            ]
        else:
            continue
        for s in opd.subkeg:
            s.perubahan = akhir[s.kode]
            if opd.kode == PERGESERAN_TANPA_PERUBAHAN:
                s.target_p = None
    return fases


# --------------------------------------------------------------------------------------------
# anggaran kas and SP2D
# --------------------------------------------------------------------------------------------


def _akun_totals(s: SubKeg, tahap: str) -> dict[str, tuple[Decimal, str, str]]:
    """{akun: (total, component, first sumber dana)} for one sub kegiatan and tahap."""
    return _akun_totals_of(s.lines(tahap))


def _akun_totals_of(lines: list[Line]) -> dict[str, tuple[Decimal, str, str]]:
    out: dict[str, tuple[Decimal, str, str]] = {}
    for ln in lines:
        if ln.akun in out:
            t, c, d = out[ln.akun]
            out[ln.akun] = (t + ln.total, c, d)
        else:
            out[ln.akun] = (ln.total, ln.comp, ln.dana)
    return out


def _kas_weights(comp: str, akun: str, year: int, new_in_perubahan: bool) -> list[int]:
    if comp == "peg":
        w = [1] * 12
        if akun.startswith("5.1.01.01.0") and akun[10] in "12345":
            w[THR_MONTH.get(year, 4) - 1] += 1
            w[GAJI13_MONTH - 1] += 1
        return w
    w = list(PROFILE_MONTHS[comp])
    if new_in_perubahan:
        w = [0] * 8 + [max(x, 1) for x in w[8:]]
    return w


def _anggaran_kas(total: Decimal, weights: list[int]) -> list[Decimal]:
    wsum = sum(weights)
    months = []
    for w in weights[:11]:
        months.append((total * w / wsum / 1000).to_integral_value(ROUND_FLOOR) * 1000)
    months.append(total - sum(months, ZERO))
    return months


def _sp2d_for_year(planner: Planner, opds: list[Opd], akun_names: dict[str, str]) -> list[Payment]:
    year = planner.year
    scale = planner.scale
    wdays = {m: _working_days(year, m) for m in range(1, 13)}
    payments: list[Payment] = []
    # Room left on each budget line (pagu akhir - spending) and its funding source, per
    # (OPD, sub kegiatan): a correction may only move spending to a line with room.
    ruang: dict[tuple[str, str], dict[str, tuple[Decimal, str]]] = defaultdict(dict)
    for opd in opds:
        rng = planner.rng(opd.kode, "sp2d")
        for s in opd.subkeg:
            new_sub = s.murni is None
            for akun, (pagu, comp, dana) in _akun_totals(s, "perubahan").items():
                ruang[(opd.kode, s.kode)][akun] = (pagu, dana)
                if comp == "peg":
                    r = rng.uniform(0.955, 0.995)
                elif comp == "btt":
                    r = rng.uniform(0.05, 0.45)
                else:
                    r = min(1.0, s.ratio * rng.uniform(0.95, 1.04))
                cents = rng.random() < 0.03
                q = CENT if cents else Decimal(1)
                realised = (pagu * Decimal(str(round(r, 6)))).quantize(q, ROUND_FLOOR)
                if realised <= 0:
                    continue
                ruang[(opd.kode, s.kode)][akun] = (pagu - realised, dana)
                nama_akun = akun_names.get(akun, akun)
                if comp == "peg":
                    payments += _payroll_payments(
                        rng, opd, s, akun, dana, realised, year, wdays, scale, nama_akun
                    )
                else:
                    payments += _other_payments(
                        rng,
                        opd,
                        s,
                        akun,
                        dana,
                        comp,
                        realised,
                        year,
                        wdays,
                        scale,
                        new_sub,
                        nama_akun,
                    )
    anomali.tetapkan_penerima(payments, opds, planner.seed, year)
    payments += _uang_persediaan(planner, payments, wdays)
    payments += _pengembalian_dan_koreksi(planner, payments, ruang, wdays)
    rng = planner.rng("anomali", "sp2d")
    payments += anomali.tanam_pembayaran(rng, payments, ruang, opds, wdays, year, planner.seed)
    payments = _dalam_batas(payments, batas_sp2d())
    payments.sort(
        key=lambda p: (
            p.tanggal,
            p.kode_skpd,
            p.kode_sub_kegiatan,
            p.kode_akun,
            p.nilai,
            p.keterangan,
        )
    )
    width = max(5, len(str(len(payments))))
    for i, p in enumerate(payments, start=1):
        dokumen = {"PENGEMBALIAN": "STS", "KOREKSI": "KOREKSI"}.get(p.jenis, "SP2D")
        p.nomor = f"{i:0{width}d}/{dokumen}/{p.jenis}/{p.kode_skpd}/{year}"
    return payments


@cache
def batas_sp2d() -> Decimal:
    """The largest amount one SP2D row may carry: the SP2D contract's plausibility bound on
    `nilai_rp` (ingest quarantines a row beyond it, either sign), as the loader reads it."""
    from dagster_project.lib.contracts.model import load_contract

    col = load_contract(SOURCE_CONTRACTS_DIR / "bpkad__sp2d.odcs.yaml").column("nilai_rp")
    return min(abs(Decimal(str(x))) for x in (col.minimum, col.maximum) if x is not None)


def _dalam_batas(payments: list[Payment], batas: Decimal) -> list[Payment]:
    """Every payment above `batas` (either sign) paid as several SP2D, as a treasury pays a large
    termin or payroll in batches: the fewest parts within the bound, in the payment's own unit
    (whole rupiah, or sen when it has sen), summing to it exactly and all different (two equal
    amounts to one recipient within days would be the review list's double payment); the same
    day, line and recipient, the keterangan numbering the parts. Payments within the bound are
    kept as they are, so a world without a larger one is written byte for byte as before.

    In a big kabupaten at a small `--scale` a capital line gets one termin (Kab. Bekasi at 0.1:
    Rp894.7 billion for a tunnel), which the contract's bound would quarantine."""
    out: list[Payment] = []
    for p in payments:
        if abs(p.nilai) <= batas:
            out.append(p)
            continue
        unit = Decimal(1) if p.nilai == p.nilai.to_integral_value() else CENT
        units, cap = int(abs(p.nilai) / unit), int(batas / unit)
        n = -(-units // cap)
        while True:  # parts base, base + 1, …, base + n - 1 (+1 on the last `rest`)
            base, rest = divmod(units - n * (n - 1) // 2, n)
            parts = [base + k + (k >= n - rest) for k in range(n)]
            if parts[-1] <= cap:
                break
            n += 1
        sign = 1 if p.nilai > 0 else -1
        out += [
            replace(p, nilai=sign * part * unit, keterangan=f"{p.keterangan} (SP2D {k} dari {n})")
            for k, part in enumerate(parts, start=1)
        ]
    return out


# The SP2D types that are spending (LRA, Permendagri 77/2020): the generator's own statement of
# the rule whose outcome the manifest's `realisasi` records. UP and TU advances are not spending.
BELANJA = frozenset({"LS", "GU", "GU_NIHIL", "TU_NIHIL", "PENGEMBALIAN", "KOREKSI"})
JUTA = Decimal(1_000_000)
RIBU = Decimal(1000)


def _ceil_to(x: Decimal, step: Decimal) -> Decimal:
    return -((-x / step).to_integral_value(ROUND_FLOOR)) * step


def _floor_to(x: Decimal, step: Decimal) -> Decimal:
    return (x / step).to_integral_value(ROUND_FLOOR) * step


def _later_day(
    rng: random.Random, wdays: dict[int, list[int]], after: dt.date, max_months: int = 2
) -> dt.date:
    """A working day after `after` within the same fiscal year (the last one when none is)."""
    month = min(12, after.month + rng.randint(0, max_months))
    days = [d for d in wdays[month] if dt.date(after.year, month, d) > after]
    while not days and month < 12:
        month += 1
        days = wdays[month]
    if not days:
        return after
    return dt.date(after.year, month, rng.choice(days))


def _uang_persediaan(
    planner: Planner, payments: list[Payment], wdays: dict[int, list[int]]
) -> list[Payment]:
    """The treasurer's advances around the spending already drawn: each OPD that spends through
    GU gets a UP advance in January (not spending) and settles its last December GU as GU nihil;
    each TU spending becomes the settlement (TU nihil) of a TU advance drawn earlier that month
    (the advance is not spending; its unused rest goes back to the kas daerah)."""
    year = planner.year
    rng = planner.rng("bpkad", "uang-persediaan")
    extra: list[Payment] = []
    gu: dict[str, list[Payment]] = defaultdict(list)
    for p in sorted(payments, key=lambda p: (p.tanggal, p.kode_sub_kegiatan, p.kode_akun, p.nilai)):
        if p.jenis == "GU":
            gu[p.kode_skpd].append(p)
        elif p.jenis == "TU":
            p.jenis = "TU_NIHIL"
            p.keterangan = p.keterangan.replace(
                "Tambahan Uang Persediaan (TU)", "Pertanggungjawaban TU (TU nihil)"
            )
            first = wdays[p.tanggal.month][0]
            day = dt.date(year, p.tanggal.month, min(first, p.tanggal.day))
            advance = _ceil_to(p.nilai * Decimal(str(round(rng.uniform(1.0, 1.2), 4))), JUTA)
            extra.append(
                replace(
                    p,
                    tanggal=day,
                    jenis="TU",
                    nilai=advance,
                    keterangan=p.keterangan.replace(
                        "Pertanggungjawaban TU (TU nihil)", "Tambahan Uang Persediaan (TU)"
                    ),
                )
            )
    for _, spent in sorted(gu.items()):
        first = spent[0]
        extra.append(
            replace(
                first,
                tanggal=dt.date(year, 1, wdays[1][0]),
                jenis="UP",
                nilai=_ceil_to(sum((p.nilai for p in spent), ZERO) / 10, JUTA),
                keterangan=f"Uang Persediaan (UP) Tahun Anggaran {year}",
            )
        )
        last = spent[-1]
        if last.tanggal.month == 12:
            last.jenis = "GU_NIHIL"
            last.keterangan = last.keterangan.replace(
                "Penggantian Uang Persediaan (GU)", "Pertanggungjawaban UP akhir tahun (GU nihil)"
            )
    return extra


def _pengembalian_dan_koreksi(
    planner: Planner,
    payments: list[Payment],
    ruang: dict[tuple[str, str], dict[str, tuple[Decimal, str]]],
    wdays: dict[int, list[int]],
) -> list[Payment]:
    """Refunds of overpaid goods/services and capital payments (STS, negative contra rows: about
    2 % of them, at least one) and corrections of a payment charged to the wrong account (a
    signed pair moving half of it to another line of the same sub kegiatan with room; up to
    three, at least one when any line has room). Every line keeps spending within its pagu."""
    rng = planner.rng("bpkad", "pengembalian")
    spent = [
        p
        for p in payments
        if p.jenis in ("LS", "GU", "TU_NIHIL")
        and p.kode_akun.startswith(("5.1.02.", "5.2."))
        and p.nilai >= JUTA
    ]
    out: list[Payment] = []
    refunds = [p for p in spent if rng.random() < 0.02] or spent[:1]
    for p in refunds:
        amount = _floor_to(p.nilai * Decimal(str(round(rng.uniform(0.02, 0.15), 4))), RIBU)
        if amount <= 0:
            continue
        out.append(
            replace(
                p,
                tanggal=_later_day(rng, wdays, p.tanggal),
                jenis="PENGEMBALIAN",
                nilai=-amount,
                keterangan=f"Pengembalian kelebihan pembayaran (STS) - {p.keterangan}",
            )
        )
    refunded = {id(p) for p in refunds}
    koreksi = 0
    for i in rng.sample(range(len(spent)), len(spent)):
        p = spent[i]
        if koreksi == 3 or id(p) in refunded or p.nilai < 5 * JUTA:
            continue
        amount = _floor_to(p.nilai / 2, RIBU)
        lines = ruang[(p.kode_skpd, p.kode_sub_kegiatan)]
        fits = sorted(a for a, (room, _) in lines.items() if a != p.kode_akun and room >= amount)
        if not fits:
            continue
        to = fits[0]
        room, dana = lines[to]
        lines[to] = (room - amount, dana)
        day = _later_day(rng, wdays, p.tanggal)
        ket = f"Koreksi salah bebankan akun {p.kode_akun} ke {to}"
        out.append(replace(p, tanggal=day, jenis="KOREKSI", nilai=-amount, keterangan=ket))
        out.append(
            replace(
                p,
                tanggal=day,
                kode_akun=to,
                kode_sumber_dana=dana,
                jenis="KOREKSI",
                nilai=amount,
                keterangan=ket,
            )
        )
        koreksi += 1
    return out


def _parts(rng: random.Random, total: Decimal, n: int) -> list[Decimal]:
    n = max(1, min(n, int(total // 1000) or 1))
    if n == 1:
        return [total]
    w = [rng.uniform(0.5, 1.5) for _ in range(n)]
    s = sum(w)
    parts = [
        (total * Decimal(str(round(x / s, 8))) / 100).to_integral_value(ROUND_FLOOR) * 100
        for x in w[:-1]
    ]
    parts.append(total - sum(parts, ZERO))
    return [p for p in parts if p > 0] if parts[-1] > 0 else [total]


def _pick_day(
    rng: random.Random, wdays: dict[int, list[int]], month: int, year: int, first: bool = False
) -> dt.date:
    days = wdays[month]
    d = days[0] if first else rng.choice(days)
    return dt.date(year, month, d)


def _payroll_payments(
    rng: random.Random,
    opd: Opd,
    s: SubKeg,
    akun: str,
    dana: str,
    realised: Decimal,
    year: int,
    wdays: dict[int, list[int]],
    scale: float,
    nama_akun: str,
) -> list[Payment]:
    """Salaries: one LS payment per month (two at scale >= 1.5), plus THR and the 13th."""
    weights = _kas_weights("peg", akun, year, False)
    months = [m for m in range(1, 13) for _ in range(weights[m - 1])]
    per_month = 2 if scale >= 1.5 else 1
    slots = [(m, k) for m in months for k in range(per_month)]
    amounts = _parts(rng, realised, len(slots))
    seen: dict[int, int] = defaultdict(int)
    out = []
    for (m, _), amt in zip(slots, amounts, strict=False):
        seen[m] += 1
        if weights[m - 1] > 1 and seen[m] > per_month:
            label = "THR" if m == THR_MONTH.get(year, 4) else "Gaji Ketiga Belas"
        else:
            label = "Gaji Induk" if seen[m] == 1 else "Gaji Susulan"
        ket = f"{label} {BULAN[m - 1]} {year} - {nama_akun} - {opd.singkatan}"
        out.append(
            Payment(
                _pick_day(rng, wdays, m, year, first=seen[m] == 1),
                opd.kode,
                s.kode,
                akun,
                dana,
                "LS",
                amt,
                ket,
            )
        )
    return out


def _other_payments(
    rng: random.Random,
    opd: Opd,
    s: SubKeg,
    akun: str,
    dana: str,
    comp: str,
    realised: Decimal,
    year: int,
    wdays: dict[int, list[int]],
    scale: float,
    new_sub: bool,
    nama_akun: str,
) -> list[Payment]:
    """Contract termins, hibah/bansos tranches, BTT and UP/GU/TU/LS barang-jasa payments."""
    if comp == "modal":
        n = max(1, min(6, round(float(realised) / 4e8)))
    elif comp == "hibah":
        n = rng.randint(1, 3)
    elif comp == "bansos":
        n = 4
    elif comp == "btt":
        n = rng.randint(1, 4)
    else:
        n = max(1, min(40, round(float(realised) / 7e7)))
    n = max(1, round(n * scale))
    weights = list(PAY_MONTHS[comp])
    if new_sub:
        weights = [0] * 9 + [max(x, 1) for x in weights[9:]]
    amounts = _parts(rng, realised, n)
    months = sorted(rng.choices(range(1, 13), weights=weights, k=len(amounts)))
    out = []
    for i, (m, amt) in enumerate(zip(months, amounts, strict=True), start=1):
        if comp == "modal":
            jenis = "LS"
            ket = ("Uang Muka " if i == 1 and len(amounts) > 1 else f"Termin {i} ") + s.nama
        elif comp in ("hibah", "bansos"):
            jenis = "LS"
            word = "Hibah" if comp == "hibah" else "Bantuan Sosial"
            ket = f"Penyaluran {word} Tahap {i} - {nama_akun}"
        elif comp == "btt":
            jenis = "LS"
            ket = "Belanja Tidak Terduga Penanganan Darurat Banjir dan Tanah Longsor"
        elif amt >= 50_000_000:
            jenis = "LS"
            ket = f"Pembayaran {nama_akun} - {s.nama}"
        else:
            x = rng.random()
            jenis = "GU" if x < 0.82 else "TU" if x < 0.96 else "LS"
            ket = {
                "GU": "Penggantian Uang Persediaan (GU)",
                "TU": "Tambahan Uang Persediaan (TU)",
                "LS": "Pembayaran Langsung",
            }[jenis] + f" - {nama_akun}"
        out.append(
            Payment(_pick_day(rng, wdays, m, year), opd.kode, s.kode, akun, dana, jenis, amt, ket)
        )
    return out


# --------------------------------------------------------------------------------------------
# writers
# --------------------------------------------------------------------------------------------

MONEY = {
    "pagu_rp",
    "harga_satuan_rp",
    "total_rp",
    "nilai_rp",
    *(f"bulan_{i}" for i in range(1, 13)),
}
TITLES = {
    "dpa_sub_kegiatan": "DOKUMEN PELAKSANAAN {p}ANGGARAN SATUAN KERJA PERANGKAT DAERAH",
    "dpa_rincian": "RINCIAN DOKUMEN PELAKSANAAN {p}ANGGARAN BELANJA SATUAN KERJA PERANGKAT DAERAH",
    "anggaran_kas": "ANGGARAN KAS {p}SATUAN KERJA PERANGKAT DAERAH",
}


def _csv_bytes(
    columns: list[str], rows: list[dict[str, Any]], sep: str, indo: bool, dmy: bool = False
) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=sep, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        out = []
        for c in columns:
            v = r.get(c)
            if v is None:
                out.append("")
            elif isinstance(v, Decimal):
                if c in MONEY:
                    out.append(_fmt_money_id(v) if indo else _fmt_money_plain(v))
                else:  # quantities: decimal comma, no thousands separator
                    out.append(_fmt_qty(v).replace(".", ",") if indo else _fmt_qty(v))
            elif isinstance(v, dt.date):
                out.append(v.strftime("%d/%m/%Y") if dmy else v.isoformat())
            else:
                out.append(str(v))
        w.writerow(out)
    return buf.getvalue().encode("utf-8")


def _write_xlsx(
    path: Path,
    table: str,
    cols: list[tuple[str, str]],
    rows: list[dict[str, Any]],
    opd: Opd,
    year: int,
    tahap: str,
) -> None:
    # Small sheets are fastest in memory; big ones stream row by row (constant_memory).
    big = len(rows) * len(cols) > 200_000
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True} if big else {"in_memory": True})
    wb.set_properties(
        {
            "title": TITLES[table].format(p=""),
            "author": "SIPD RI",
            "company": f"Pemerintah {kota()[1]}",
            "created": FIXED_CREATED,
        }
    )
    ws = wb.add_worksheet("Lampiran")
    bold = wb.add_format({"bold": True})
    head = wb.add_format({"bold": True, "border": 1, "bg_color": "#D9E1F2", "text_wrap": True})
    money = wb.add_format({"num_format": "#,##0", "border": 1})
    qty = wb.add_format({"num_format": "#,##0.##", "border": 1})
    txt = wb.add_format({"border": 1})
    prefix = "PERUBAHAN " if tahap == "perubahan" else ""
    titles = [
        TITLES[table].format(p=prefix),
        f"PEMERINTAH {kota()[1].upper()}",
        f"Tahun Anggaran {year}",
        f"{opd.kode} - {opd.nama}",
        "",
    ]
    if opd.title_rows == 4:
        titles = [titles[0], f"PEMERINTAH {kota()[1].upper()} TAHUN ANGGARAN {year}", opd.nama, ""]
    elif opd.title_rows == 3:
        titles = [
            titles[0],
            f"PEMERINTAH {kota()[1].upper()} - Tahun Anggaran {year}",
            f"Perangkat Daerah: {opd.nama}",
        ]
    for i, t in enumerate(titles):
        if t:
            ws.write_string(i, 0, t, bold)
    hr = len(titles)
    for j, (_, human) in enumerate(cols):
        ws.write_string(hr, j, human, head)
    for i, r in enumerate(rows, start=hr + 1):
        for j, (name, _) in enumerate(cols):
            v = r.get(name)
            if v is None:
                continue
            if isinstance(v, Decimal):
                ws.write_number(i, j, float(v), money if name in MONEY else qty)
            elif isinstance(v, int):
                ws.write_number(i, j, v, txt)
            else:
                ws.write_string(i, j, str(v), txt)
    ws.set_column(0, len(cols) - 1, 18)
    wb.close()


# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------


def _years_for(scale: float, years: tuple[int, ...] | None) -> tuple[int, ...]:
    if years is not None:
        return tuple(sorted(set(years)))
    extra = min(3, int(scale) - 2) if scale >= 3 else 0
    return tuple(range(DEFAULT_YEARS[0] - extra, DEFAULT_YEARS[0])) + DEFAULT_YEARS


def _opds_for(ref: Reference, year: int, seed: int) -> list[Opd]:
    all_codes = sorted(r["kode_skpd"] for r in ref.opd)
    order = all_codes[:]
    random.Random(f"{seed}:format").shuffle(order)
    n = len(order)
    fmt = {
        c: ("xlsx" if i < n // 2 else "csv_id" if i < (3 * n) // 4 else "csv_plain")
        for i, c in enumerate(order)
    }
    title_rows = {c: (3, 4, 5)[i % 3] for i, c in enumerate(order)}
    out = []
    for r in sorted(ref.opd, key=lambda r: r["kode_skpd"]):
        if not valid_in_year(r, year):
            continue
        bidang = tuple(
            b
            for b in (
                r["kode_bidang_urusan_1"],
                r["kode_bidang_urusan_2"],
                r["kode_bidang_urusan_3"],
            )
            if b
        )
        out.append(
            Opd(
                r["kode_skpd"],
                r["nama_skpd"],
                r["singkatan"],
                r["jenis"],
                bidang,
                r["kode_kecamatan"],
                _profile_for(r["singkatan"], r["jenis"], year),
                fmt[r["kode_skpd"]],
                title_rows[r["kode_skpd"]],
            )
        )
    return out


def _check_codes(planner: Planner, opds: list[Opd], ref: Reference) -> None:
    for opd in opds:
        for s in opd.subkeg:
            key = nomenclature_key(s.kode)
            if key not in planner.nomen:
                raise RuntimeError(f"{s.kode} does not resolve in ref_nomenklatur {planner.year}")
            if key.startswith("X.XX") and s.kode[:4] != opd.bidang[0]:
                raise RuntimeError(f"{s.kode}: penunjang not instantiated with {opd.bidang[0]}")
            for tahap in TAHAP:
                for ln in s.lines(tahap):
                    if ln.akun not in planner.akun:
                        raise RuntimeError(f"akun {ln.akun} not valid in {planner.year}")
                    if ln.dana not in ref.sumber_dana:
                        raise RuntimeError(f"sumber dana {ln.dana} not in ref_sumber_dana")
                    if ln.total <= 0:
                        raise RuntimeError(f"non-positive rincian {s.kode} {ln.akun}")


def generate(
    landing_dir: Path,
    *,
    seed: int = 20240101,
    scale: float = 1.0,
    years: tuple[int, ...] | None = None,
    tanpa_efek: bool = False,
    sipd_export: bool = False,
    pembanding: bool = True,
) -> dict:
    """Write the demo landing files and return (and write) the manifest.

    ``years`` defaults to (2024, 2025); with ``scale >= 3`` and no explicit years, earlier fiscal
    years are added (2023, 2022, 2021). ``scale`` multiplies rincian lines per sub kegiatan and
    SP2D payments; yearly totals stay at the real APBD size. ``tanpa_efek`` writes the placebo
    world: the same budget and spending, every true outcome effect zero. ``sipd_export`` writes
    the rincian lines as SIPD's whole-pemda export (one file per year and tahapan,
    `lib/demo/sipd_export.py`) instead of one ``dpa_rincian`` file per OPD; every other file is
    byte-identical. ``pembanding=False`` leaves out the real national DJPK and BPS files
    (``data/pembanding/``) the demo otherwise lands.
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    landing_dir = Path(landing_dir)
    ref = Reference.load()
    yrs = _years_for(scale, years)
    cols = {
        "dpa_sub_kegiatan": _contract_columns("sipd", "dpa_sub_kegiatan"),
        "dpa_rincian": _contract_columns("sipd", "dpa_rincian"),
        "anggaran_kas": _contract_columns("sipd", "anggaran_kas"),
        "sp2d": [c for c in _contract_columns("bpkad", "sp2d") if c[0] != "tahun"],
    }
    files: list[dict[str, Any]] = []
    totals: dict[str, Any] = {}

    def emit(rel: str, data: bytes | None, n_rows: int, path: Path | None = None) -> None:
        path = path or landing_dir / rel
        if data is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        files.append({"path": rel, "sha256": sha, "rows": n_rows})

    if min(yrs) < 2021:
        raise ValueError(f"the seeds hold no nomenclature before 2021 (asked for {min(yrs)})")
    # Performance, outcome and beneficiary data with a planted truth (lib/demo/evidence.py).
    evidence = EvidenceWorld(ref, seed, yrs, scale, tanpa_efek=tanpa_efek)
    # issue 14: planted in-year truths (review-list cases, line-level budget changes,
    # self-reported realisation)
    kebenaran_anomali: dict[str, list[dict[str, Any]]] = {k: [] for k in anomali.KINDS}
    klaim = dalam_tahun.KlaimKeuangan(seed, BELANJA)
    evidence.laporan_keuangan = klaim.dilaporkan
    perubahan_rincian: list[dict[str, Any]] = []
    for year in yrs:
        planner = Planner(ref, seed, scale, year)
        opds = _opds_for(ref, year, seed)
        t_murni, t_perubahan = TOTALS.get(year, DEFAULT_TOTAL)
        if kota() != SAMARINDA:  # another pemda: a budget in proportion to its population
            t_murni, t_perubahan = (_pemda_total(t) for t in (t_murni, t_perubahan))
        weights = [o.profile.weight for o in opds]
        budgets = _split(t_murni, weights)
        for opd, b in zip(opds, budgets, strict=True):
            planner.plan_opd(opd, b)
        planner.plan_perubahan(opds, t_perubahan)
        pergeseran = (PERGESERAN_TANPA_PERUBAHAN, PERGESERAN_SESUDAH_PERUBAHAN)
        rng_rincian = planner.rng("anomali", "rincian")
        kasus = anomali.tanam_rincian(rng_rincian, opds, year, skip=pergeseran)
        fases = _plan_pergeseran(planner, opds, sesudah_perubahan=year == yrs[0])
        export: dict[str, list[dict[str, Any]]] = {}  # tahap -> whole-pemda rincian rows
        naming = sipd_export_xlsx.Names(year, planner.akun) if sipd_export else None
        _check_codes(planner, opds, ref)
        evidence.plant_year(planner, opds)
        _place_lines(evidence, opds, seed, year)
        # the review list's planted lines keep their planted prices: no §1 edit in their sub kegiatan
        ditelaah = frozenset(
            (c["kode_skpd"], c["kode_sub_kegiatan"])
            for cases in kasus.values()
            for c in cases
            if "kode_sub_kegiatan" in c
        )
        perubahan_rincian += dalam_tahun.tanam_perubahan_rincian(
            seed, year, opds, set(fases), ditelaah
        )
        payments = _sp2d_for_year(planner, opds, planner.akun)
        kasus.update(anomali.kebenaran_pembayaran(payments))
        for kind, cases in kasus.items():
            kebenaran_anomali[kind] += [{"tahun": year, **c} for c in cases]

        per_opd: dict[str, dict[str, Decimal]] = {}
        pagu_total = {t: ZERO for t in TAHAP}
        for opd in opds:
            per_opd[opd.kode] = {
                "pagu_murni": ZERO,
                "pagu_perubahan": ZERO,
                "pagu_akhir": ZERO,
                "realisasi": ZERO,
            }
            for tahap, lines in fases.get(opd.kode, FASE_BIASA):
                sub_rows, rin_rows, kas_rows = _tables(opd, year, tahap, lines)
                pagu = sum((r["pagu_rp"] for r in sub_rows), ZERO)
                if tahap in TAHAP:
                    per_opd[opd.kode][f"pagu_{tahap}"] = pagu
                    pagu_total[tahap] += pagu
                per_opd[opd.kode]["pagu_akhir"] = pagu  # phases are written in order
                if naming is not None:
                    export.setdefault(tahap, []).extend(
                        sipd_export_xlsx.rows_of(opd, year, rin_rows, naming)
                    )
                for table, rows in (
                    ("dpa_sub_kegiatan", sub_rows),
                    ("dpa_rincian", rin_rows),
                    ("anggaran_kas", kas_rows),
                ):
                    if naming is not None and table == "dpa_rincian":
                        continue  # in the whole-pemda export instead
                    base = f"sipd/{table}/{year}/{opd.kode}/{table}_{tahap}"
                    if opd.fmt == "xlsx":
                        rel = f"{base}.xlsx"
                        path = landing_dir / rel
                        path.parent.mkdir(parents=True, exist_ok=True)
                        _write_xlsx(path, table, cols[table], rows, opd, year, tahap)
                        emit(rel, None, len(rows), path)
                    else:
                        names = [c for c, _ in cols[table]]
                        indo = opd.fmt == "csv_id"
                        data = _csv_bytes(names, rows, ";" if indo else ",", indo)
                        emit(f"{base}.csv", data, len(rows))

        for tahap, rows in export.items():
            rel = f"sipd/rincian_pemda/{year}/rincian_belanja_{tahap}.xlsx"
            sipd_export_xlsx.write_xlsx(landing_dir / rel, rows, year, tahap)
            emit(rel, None, len(rows), landing_dir / rel)

        klaim.catat_sp2d(year, payments)  # the SP2D files as written: what an honest OPD reports
        realisasi = ZERO
        dmy_months = set(random.Random(f"{seed}:{year}:dates").sample(range(1, 13), 2))
        by_month: dict[int, list[Payment]] = defaultdict(list)
        for p in payments:
            by_month[p.tanggal.month].append(p)
            if p.jenis in BELANJA:  # UP and TU advances are not spending
                per_opd[p.kode_skpd]["realisasi"] += p.nilai
                realisasi += p.nilai
        names = [c for c, _ in cols["sp2d"]]
        for m in range(1, 13):
            rows = [
                {
                    "nomor_sp2d": p.nomor,
                    "tanggal_sp2d": p.tanggal,
                    "kode_skpd": p.kode_skpd,
                    "kode_sub_kegiatan": p.kode_sub_kegiatan,
                    "kode_akun": p.kode_akun,
                    "kode_sumber_dana": p.kode_sumber_dana,
                    "jenis_sp2d": p.jenis,
                    "nilai_rp": p.nilai,
                    "keterangan": p.keterangan,
                    "nama_penerima": p.nama_penerima,
                    "npwp_penerima": p.npwp_penerima,
                }
                for p in by_month[m]
            ]
            data = _csv_bytes(names, rows, ",", False, dmy=m in dmy_months)
            emit(f"bpkad/sp2d/{year}/sp2d_{year}_{m:02d}.csv", data, len(rows))

        totals[str(year)] = {
            "pagu": {t: _fmt_money_plain(pagu_total[t]) for t in TAHAP},
            "realisasi": _fmt_money_plain(realisasi),
            "per_opd": {
                k: {kk: _fmt_money_plain(vv) for kk, vv in v.items()}
                for k, v in sorted(per_opd.items())
            },
        }

    evidence.write(landing_dir, emit)
    # real figures, landed as they are (``pembanding=False``: a world without the national files,
    # whose peer marts publish empty, as in a deployment that has not dropped them in)
    for path in sorted(EMBEDDED_DIR.rglob("*.csv")) if pembanding else ():
        rel = path.relative_to(EMBEDDED_DIR).as_posix()
        data = path.read_bytes()
        emit(rel, data, data.count(b"\n") - 1)
    manifest = {
        "seed": seed,
        "scale": scale,
        "years": list(yrs),
        "files": sorted(files, key=lambda f: f["path"]),
        "totals": totals,
        "kebenaran": {
            **evidence.truth(),
            "anomali": kebenaran_anomali,
            "perubahan_rincian": perubahan_rincian,
            "klaim_keuangan": klaim.terkirim([f["path"] for f in files]),
        },
    }
    landing_dir.mkdir(parents=True, exist_ok=True)
    (landing_dir / "_manifest.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return manifest


def _pemda_total(total: int) -> int:
    """Samarinda's yearly total scaled by the generated pemda's population, whole millions."""
    return int(Decimal(total) * Decimal(repr(rasio_pemda())) / JUTA) * int(JUTA)


def _place_lines(evidence: EvidenceWorld, opds: list[Opd], seed: int, year: int) -> None:
    """Where the DPA says the money is spent, beyond the one kelurahan of a sub kegiatan.

    Only sub kegiatan of programs that serve no outcome in the performance tree are touched, so
    the evidence world's treated areas stay exactly as planted; the under-served kelurahan never
    receive a line. Such a program's works sit in up to three kelurahan, one line per place, with
    the office lines at the city (64.72); a service sub kegiatan without a kelurahan is delivered
    in two to four kelurahan (its lines spread over them) or says plainly that it serves the whole
    city (kode_kelurahan 64.72)."""
    served = [k for k in evidence.kelurahan.values() if not k.underserved]
    for opd in opds:
        for s in opd.subkeg:
            prog = s.kode[:7]
            plan = evidence.plans.get((opd.kode, prog))
            if prog[5:7] == "01" or plan is None or plan.indikator is not None:
                continue
            rng = random.Random(f"{seed}:lokasi_rincian:{year}:{opd.kode}:{s.kode}")
            lines = sorted({ln.no: ln for ln in s.lines("murni") + s.perubahan}.values(),
                           key=lambda ln: ln.no)  # fmt: skip
            site = [ln for ln in lines if ln.comp in ("modal", "barjas")]
            site = [ln for ln in site if not OFFICE_LINE.search(ln.uraian)]
            if s.kelurahan and len(site) >= 2 and rng.random() < 0.6:
                kec = evidence.kelurahan[s.kelurahan].kode_kecamatan
                near = sorted(
                    k.kode for k in served if k.kode_kecamatan == kec and k.kode != s.kelurahan
                )
                places = [s.kelurahan, *rng.sample(near, min(len(near), rng.randint(1, 2)))]
            elif not s.kelurahan and s.kind == "program" and len(site) >= 2:
                if rng.random() < 0.35:
                    pool = sorted(
                        k.kode
                        for k in served
                        if not opd.kode_kecamatan or k.kode_kecamatan == opd.kode_kecamatan
                    )
                    places = rng.sample(pool, min(len(pool), rng.randint(2, 4)))
                else:
                    s.kelurahan = kota()[0]
                    continue
            else:
                continue
            for i, ln in enumerate(site):
                s.lokasi_rincian[ln.no] = places[i % len(places)]
            for ln in lines:
                if ln.no not in s.lokasi_rincian and OFFICE_LINE.search(ln.uraian):
                    s.lokasi_rincian[ln.no] = kota()[0]


def _tables(
    opd: Opd, year: int, tahap: str, fase: dict[str, list[Line]] | None = None
) -> tuple[list[dict], list[dict], list[dict]]:
    """The DPA rows of one OPD at one phase: `fase` holds the lines of a pergeseran (or of a
    perubahan followed by one); without it, the sub kegiatan's own murni/perubahan lines."""
    sub_rows: list[dict[str, Any]] = []
    rin_rows: list[dict[str, Any]] = []
    kas_rows: list[dict[str, Any]] = []
    for s in sorted(opd.subkeg, key=lambda s: s.kode):
        lines = fase.get(s.kode, []) if fase is not None else s.lines(tahap)
        if not lines:
            continue
        base = {"tahun": year, "tahap": tahap, "kode_skpd": opd.kode, "kode_sub_kegiatan": s.kode}
        sub_rows.append(
            {
                **base,
                "nama_skpd": opd.nama,
                "nama_sub_kegiatan": s.nama,
                "pagu_rp": sum((ln.total for ln in lines), ZERO),
                "kode_kelurahan": s.kelurahan or None,
                "indikator_keluaran": s.indikator,
                "target_keluaran": s.target_p
                if tahap.startswith(("perubahan", "pergeseran_perubahan"))
                and s.target_p is not None
                else s.target,
                "satuan_keluaran": s.satuan_out,
            }
        )
        for ln in lines:
            rin_rows.append(
                {
                    **base,
                    "no_rincian": ln.no,
                    "kode_akun": ln.akun,
                    "kode_sumber_dana": ln.dana,
                    "uraian_komponen": ln.uraian,
                    "koefisien": ln.koef,
                    "volume": ln.volume,
                    "satuan": ln.satuan,
                    "harga_satuan_rp": ln.harga,
                    "total_rp": ln.total,
                    "kode_lokasi": s.lokasi_rincian.get(ln.no),
                }
            )
        for akun, (total, comp, _) in sorted(_akun_totals_of(lines).items()):
            w = _kas_weights(comp, akun, year, s.murni is None)
            months = _anggaran_kas(total, w)
            kas_rows.append(
                {
                    **base,
                    "kode_akun": akun,
                    **{f"bulan_{i}": v for i, v in enumerate(months, start=1)},
                }
            )
    return sub_rows, rin_rows, kas_rows
