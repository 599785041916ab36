"""The demo's SP2D recipients and the cases it plants for the review list (issue 14 §4).

Recipients, as BPKAD's treasury system records the third party of each SP2D (name and NPWP):

* the OPD's Bendahara Pengeluaran for UP/GU/TU, payroll and bansos: an instansi pemerintah NPWP
  (15 digits starting ``00``);
* one contractor per capital (or BTT) sub kegiatan and one supplier per goods/services account of
  a sub kegiatan: companies (badan, 15-digit NPWP starting ``01``–``03``); hibah goes to a
  foundation (badan);
* individuals for honoraria and small direct payments: since 2024 an individual's NPWP is their
  NIK (16 digits, PMK 112/PMK.03/2022), personal data that ingest pseudonymises.

A company's NPWP is written either in the old 15-digit mask (``01.234.567.8-722.000``) or in its
16-digit form (``0`` + the 15 digits), as exports from the two eras do.

Planted cases (``kinds``), the truth in the manifest under ``kebenaran.anomali``; every planted
payment is an ordinary SP2D, so every total in the manifest still reconciles:

* ``pembayaran_ganda``: an LS payment paid again to the same recipient, same amount, 1–7 days
  later, on a line with room (no line goes over its pagu);
* ``pemecahan_paket``: three payments to one new supplier within two weeks, each 88–99 % (all different) of the
  pengadaan langsung limit (Rp200 juta), on a line with room;
* ``sesudah_batas_tahun``: a December LS payment moved to a working day after the year's SP2D
  closing date (27 December, the last day ordinary demo payments use);
* ``melebihi_pagu``: a payment on a nearly spent line that takes it over its DPA pagu;
* ``harga_satuan_tinggi``: a goods/services line of the final phase whose unit price is 8 × its
  own (volume cut so the amount stays), on a component priced at or above the city median;
* ``lompatan_tahap``: a line whose unit price in the perubahan is 3 × its murni price (volume cut
  so the amount stays), on a component priced at or below the city median (so 3 × stays under the
  outlier rule's ratio).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import statistics
from collections import defaultdict
from dataclasses import replace
from decimal import Decimal
from typing import Any

from dagster_project.lib.demo.model import Line, Opd, Payment

KINDS = (
    "pembayaran_ganda",
    "pemecahan_paket",
    "sesudah_batas_tahun",
    "melebihi_pagu",
    "harga_satuan_tinggi",
    "lompatan_tahap",
)
PER_TAHUN = 4  # cases of each kind per fiscal year
BATAS_PENGADAAN_LANGSUNG = Decimal(200_000_000)  # Perpres 12/2021, barang/konstruksi/jasa lainnya
HARI_TERAKHIR_DESEMBER = 27  # ordinary demo payments never fall later (generator._working_days)
FAKTOR_HARGA = 8
FAKTOR_LOMPATAN = 3
JUTA = Decimal(1_000_000)

_DEPAN = ("Ahmad", "Siti", "Budi", "Rina", "Muhammad", "Dewi", "Agus", "Nur", "Rahmat", "Fitri",
          "Hendra", "Wahyuni", "Syamsul", "Aisyah", "Yusuf", "Lestari")  # fmt: skip
_BELAKANG = ("Hidayat", "Rahmawati", "Saputra", "Wijaya", "Nugroho", "Hasanah", "Pratama",
             "Kurniawan", "Sari", "Effendi", "Maulana", "Anggraini")  # fmt: skip
_USAHA = ("Mahakam", "Borneo", "Karang Mumus", "Etam", "Tepian", "Lempake", "Samarinda",
          "Khatulistiwa", "Segiri", "Palaran", "Sungai Kunjang", "Loa Bakung")  # fmt: skip
_USAHA_2 = ("Jaya", "Mandiri", "Konstruksi", "Sejahtera", "Abadi", "Teknik", "Persada", "Utama",
            "Karya", "Sentosa")  # fmt: skip


def _digits(*parts: object, n: int) -> str:
    h = hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()
    return str(int(h, 16))[:n].rjust(n, "0")


def _npwp_15(kode: str, *parts: object) -> str:
    """A 15-digit NPWP: taxpayer code (00 instansi pemerintah, 01–03 badan), serial, check digit,
    KPP 722 (Samarinda) and branch 000."""
    return kode + _digits(*parts, n=6) + _digits("cek", *parts, n=1) + "722000"


def _ditulis(npwp15: str, rng: random.Random) -> str:
    """As the treasury export writes a 15-digit NPWP: old mask or the 16-digit form."""
    if rng.random() < 0.5:
        k = npwp15
        return f"{k[0:2]}.{k[2:5]}.{k[5:8]}.{k[8]}-{k[9:12]}.{k[12:15]}"
    return "0" + npwp15


def _nik(rng: random.Random) -> str:
    """A NIK of a Samarinda resident: 6472 + kecamatan + birth date (women +40) + serial."""
    kec = rng.randint(1, 10)
    day = rng.randint(1, 28) + (40 if rng.random() < 0.5 else 0)
    return (
        f"6472{kec:02d}{day:02d}{rng.randint(1, 12):02d}{rng.randint(60, 99):02d}"
        f"{rng.randint(1, 999):04d}"
    )


class Penerima:
    """The recipients of one fiscal year, drawn deterministically from the seed."""

    def __init__(self, seed: int, year: int):
        self.seed = seed
        self.year = year
        self.rng = random.Random(f"{seed}:{year}:penerima")
        self._badan: dict[tuple[str, ...], tuple[str, str]] = {}
        self._orang: dict[str, list[tuple[str, str]]] = {}

    def bendahara(self, opd: Opd) -> tuple[str, str]:
        return f"Bendahara Pengeluaran {opd.nama}", "0" + _npwp_15("00", "bendahara", opd.kode)

    def badan(self, *key: str, jenis: str = "usaha") -> tuple[str, str]:
        if key not in self._badan:
            rng = self.rng
            if jenis == "yayasan":
                nama = f"Yayasan {rng.choice(_USAHA)} {rng.choice(('Peduli', 'Sejahtera', 'Bina Umat'))}"
                kode = "03"
            else:
                nama = f"{rng.choice(('CV', 'PT'))} {rng.choice(_USAHA)} {rng.choice(_USAHA_2)}"
                kode = rng.choice(("01", "02"))
            self._badan[key] = (nama, _ditulis(_npwp_15(kode, self.seed, *key), rng))
        return self._badan[key]

    def orang(self, opd: Opd) -> tuple[str, str]:
        pool = self._orang.setdefault(
            opd.kode,
            [
                (f"{self.rng.choice(_DEPAN)} {self.rng.choice(_BELAKANG)}", _nik(self.rng))
                for _ in range(8)
            ],
        )
        return pool[self.rng.randrange(len(pool))]


def tetapkan_penerima(payments: list[Payment], opds: list[Opd], seed: int, year: int) -> None:
    """Every payment gets its recipient (before the advances, refunds and corrections are drawn
    from them, which keep the recipient of the payment they copy)."""
    by_kode = {o.kode: o for o in opds}
    who = Penerima(seed, year)
    for p in payments:
        opd = by_kode[p.kode_skpd]
        akun = p.kode_akun
        if p.jenis in ("UP", "GU", "TU", "GU_NIHIL", "TU_NIHIL") or akun.startswith(
            ("5.1.01", "5.1.06")
        ):
            p.nama_penerima, p.npwp_penerima = who.bendahara(opd)
        elif akun.startswith("5.1.05"):
            p.nama_penerima, p.npwp_penerima = who.badan(
                p.kode_skpd, p.kode_sub_kegiatan, akun, jenis="yayasan"
            )
        elif akun.startswith(("5.2", "5.3")):
            p.nama_penerima, p.npwp_penerima = who.badan(p.kode_skpd, p.kode_sub_kegiatan)
        elif p.nilai < 50 * JUTA and who.rng.random() < 0.7:
            p.nama_penerima, p.npwp_penerima = who.orang(opd)
        else:
            p.nama_penerima, p.npwp_penerima = who.badan(p.kode_skpd, p.kode_sub_kegiatan, akun)


def _hari_kerja(
    wdays: dict[int, list[int]], year: int, after: dt.date, within: int
) -> dt.date | None:
    days = [
        dt.date(year, m, d)
        for m in range(after.month, 13)
        for d in wdays[m]
        if after < dt.date(year, m, d) <= after + dt.timedelta(days=within)
    ]
    return days[0] if days else None


def tanam_pembayaran(
    rng: random.Random,
    payments: list[Payment],
    ruang: dict[tuple[str, str], dict[str, tuple[Decimal, str]]],
    opds: list[Opd],
    wdays: dict[int, list[int]],
    year: int,
    seed: int,
) -> list[Payment]:
    """The planted payment cases: new payments (returned) and December payments moved after the
    closing date (in place). Lines of sub kegiatan drawn at a high absorption only, so the
    evidence world's low-absorption programs keep their figures."""
    ratio = {(o.kode, s.kode): s.ratio for o in opds for s in o.subkeg if s.murni is not None}
    ls = [
        p
        for p in payments
        if p.jenis == "LS"
        and p.kode_akun.startswith(("5.1.02", "5.2"))
        and ratio.get((p.kode_skpd, p.kode_sub_kegiatan), 0) >= 0.85
        and not p.nama_penerima.startswith("Bendahara")
    ]
    ls.sort(key=lambda p: (p.tanggal, p.kode_skpd, p.kode_sub_kegiatan, p.kode_akun, p.nilai))
    rng.shuffle(ls)
    used: set[int] = set()
    lines_used: set[tuple[str, str, str]] = set()
    out: list[Payment] = []

    def room(p: Payment) -> Decimal:
        return ruang[(p.kode_skpd, p.kode_sub_kegiatan)][p.kode_akun][0]

    def take(p: Payment, amount: Decimal) -> None:
        r, dana = ruang[(p.kode_skpd, p.kode_sub_kegiatan)][p.kode_akun]
        ruang[(p.kode_skpd, p.kode_sub_kegiatan)][p.kode_akun] = (r - amount, dana)
        lines_used.add((p.kode_skpd, p.kode_sub_kegiatan, p.kode_akun))

    def free(p: Payment) -> bool:
        return (
            id(p) not in used and (p.kode_skpd, p.kode_sub_kegiatan, p.kode_akun) not in lines_used
        )

    # payment beyond the DPA line: a nearly spent line goes over its pagu (not a line with a refund
    # or a correction, which the room does not count and which could take it back under)
    dikoreksi = {
        (p.kode_skpd, p.kode_sub_kegiatan, p.kode_akun)
        for p in payments
        if p.jenis in ("PENGEMBALIAN", "KOREKSI")
    }
    n = 0
    for p in ls:
        if n == PER_TAHUN:
            break
        r = room(p)
        if (
            not free(p)
            or (p.kode_skpd, p.kode_sub_kegiatan, p.kode_akun) in dikoreksi
            or not (0 <= r <= 50 * JUTA)
            or p.tanggal.month > 11
        ):
            continue
        n += 1
        amount = r + Decimal(rng.randint(10, 60)) * JUTA
        day = _hari_kerja(wdays, year, p.tanggal, 30) or p.tanggal
        out.append(replace(p, tanggal=day, nilai=amount, kasus=f"melebihi_pagu:{year}-{n}"))
        used.add(id(p))
        take(p, amount)
    # double payment: the same recipient and amount again 1-7 days later
    n = 0
    for p in ls:
        if n == PER_TAHUN:
            break
        if not free(p) or not (10 * JUTA <= p.nilai < 150 * JUTA) or room(p) < p.nilai:
            continue
        day = _hari_kerja(wdays, year, p.tanggal, rng.randint(1, 7))
        if day is None:
            continue
        n += 1
        p.kasus = f"pembayaran_ganda:{year}-{n}"
        out.append(replace(p, tanggal=day))
        used.add(id(p))
        take(p, p.nilai)
    # splitting: three payments just under the pengadaan langsung limit to one new supplier
    n = 0
    for p in ls:
        if n == PER_TAHUN:
            break
        if not free(p) or room(p) < 3 * BATAS_PENGADAAN_LANGSUNG or p.tanggal.month > 10:
            continue
        n += 1
        nama, npwp = _baru(seed, year, n)
        day = p.tanggal
        # three different amounts (two equal ones would be a double payment, another case)
        for k, share in enumerate(sorted(rng.sample(range(8800, 9900), 3))):
            amount = BATAS_PENGADAAN_LANGSUNG * share / 10_000
            day = _hari_kerja(wdays, year, day, rng.randint(2, 5)) or day
            out.append(
                replace(
                    p,
                    tanggal=day,
                    nilai=amount,
                    nama_penerima=nama,
                    npwp_penerima=npwp,
                    keterangan=f"{p.keterangan} (pesanan {k + 1})",
                    kasus=f"pemecahan_paket:{year}-{n}",
                )
            )
            take(p, amount)
        used.add(id(p))
    # after the closing date: a December LS payment moved to 28-31 December
    late = [d for d in range(HARI_TERAKHIR_DESEMBER + 1, 32) if dt.date(year, 12, d).weekday() < 5]
    n = 0
    for p in ls:
        if n == PER_TAHUN or not late:
            break
        if not free(p) or p.tanggal.month != 12:
            continue
        n += 1
        p.tanggal = dt.date(year, 12, rng.choice(late))
        p.kasus = f"sesudah_batas_tahun:{year}-{n}"
        used.add(id(p))
    return out


def _baru(seed: int, year: int, n: int) -> tuple[str, str]:
    """A supplier that appears for the first time (the splitting cases)."""
    rng = random.Random(f"{seed}:{year}:pemasok-baru:{n}")
    nama = (
        f"CV {rng.choice(_USAHA)} {rng.choice(_USAHA_2)} {rng.choice(('Prima', 'Baru', 'Lestari'))}"
    )
    return nama, _ditulis(_npwp_15("01", seed, year, "baru", n), rng)


def kebenaran_pembayaran(payments: list[Payment]) -> dict[str, list[dict[str, Any]]]:
    """The planted payment cases by kind: SP2D numbers (and the line for melebihi_pagu)."""
    cases: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for p in payments:
        if not p.kasus:
            continue
        kind, case = p.kasus.split(":")
        c = cases[kind].setdefault(
            case,
            {
                "kasus": case,
                "kode_skpd": p.kode_skpd,
                "kode_sub_kegiatan": p.kode_sub_kegiatan,
                "kode_akun": p.kode_akun,
                "kode_sumber_dana": p.kode_sumber_dana,
                "nomor_sp2d": [],
            },
        )
        c["nomor_sp2d"].append(p.nomor)
    return {k: sorted(v.values(), key=lambda c: c["kasus"]) for k, v in cases.items()}


def _replan(ln: Line, factor: int) -> bool:
    """Unit price × factor, count ÷ factor (the amount about the same); False when the line's
    volume cannot be re-planned that way."""
    if not ln.mult or ln.n < factor:
        return False
    ln.n = ln.n // factor
    ln.volume = Decimal(ln.n * ln.mult)
    ln.koef = f"{ln.n}{ln.tail}"
    ln.harga = ln.harga * factor
    return True


def tanam_rincian(
    rng: random.Random, opds: list[Opd], year: int, skip: tuple[str, ...]
) -> dict[str, list[dict[str, Any]]]:
    """Plant unit-price outliers and phase jumps in the budget lines (before the cash plans and
    SP2D are drawn from them, so those follow). OPDs in `skip` (their final phase is a
    pergeseran) are left alone."""
    harga: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    for o in opds:
        for s in o.subkeg:
            for ln in s.perubahan:
                harga[(ln.uraian, ln.satuan)].append(ln.harga)
    median = {k: statistics.median(v) for k, v in harga.items() if len(v) >= 5}
    cand = [
        (o, s, ln)
        for o in opds
        if o.kode not in skip
        for s in sorted(o.subkeg, key=lambda s: s.kode)
        for ln in s.perubahan
        if ln.comp == "barjas" and (ln.uraian, ln.satuan) in median and ln.satuan not in LUMPSUM
    ]
    rng.shuffle(cand)
    truth: dict[str, list[dict[str, Any]]] = {"harga_satuan_tinggi": [], "lompatan_tahap": []}
    touched: set[tuple[str, str]] = set()
    for o, s, ln in cand:
        key = (o.kode, s.kode)
        if key in touched:
            continue
        med = median[(ln.uraian, ln.satuan)]
        murni = {m.no: m for m in s.murni or []}.get(ln.no)
        row = {"kode_skpd": o.kode, "kode_sub_kegiatan": s.kode, "no_rincian": ln.no}
        if len(truth["harga_satuan_tinggi"]) < PER_TAHUN and murni is None and ln.harga >= med:
            if _replan(ln, FAKTOR_HARGA):
                truth["harga_satuan_tinggi"].append({**row, "tahap": "perubahan"})
                touched.add(key)
        elif (
            len(truth["lompatan_tahap"]) < PER_TAHUN
            and murni is not None
            and murni.uraian == ln.uraian
            and murni.satuan == ln.satuan
            and murni.harga <= med
            and ln.harga <= med
            and ln.mult
            and ln.n >= FAKTOR_LOMPATAN
        ):
            factor = FAKTOR_LOMPATAN * murni.harga / ln.harga
            ln.n = max(1, int(ln.n / factor))
            ln.volume = Decimal(ln.n * ln.mult)
            ln.koef = f"{ln.n}{ln.tail}"
            ln.harga = murni.harga * FAKTOR_LOMPATAN
            truth["lompatan_tahap"].append({**row, "tahap": "perubahan"})
            touched.add(key)
    return truth


# units whose "unit price" is a whole package or period, never comparable across lines
LUMPSUM = ("Paket", "Bulan", "Tahun", "Kegiatan", "Ls", "Lumpsum")


# ---------------------------------------------------------------------------------------------
# Scoring the review list against the planted truth (tests/test_telaah.py, benchmarks/)


def cocok(kind: str, case: dict[str, Any], row: dict[str, Any]) -> bool:
    """A mart_anomali row finds a planted case: the same SP2D (payments), the same DPA line
    (beyond the pagu) or the same rincian line (budget lines)."""
    if row["tahun"] != case["tahun"] or row["kode_skpd"] != case["kode_skpd"]:
        return False
    if kind == "melebihi_pagu":
        return all(
            row[k] == case[k] for k in ("kode_sub_kegiatan", "kode_akun", "kode_sumber_dana")
        )
    if "nomor_sp2d" in case:
        return bool(set(case["nomor_sp2d"]) & set((row["nomor_sp2d"] or "").split("; ")))
    key = f"{case['tahap']}|{case['kode_sub_kegiatan']}|{case['no_rincian']}"
    return key in (row["kunci_rincian"] or "").split("; ")


def skor(rows: list[dict[str, Any]], truth: dict[str, list[dict[str, Any]]]) -> dict[str, tuple]:
    """{kind: (rows, planted, precision, recall)} of the review list against the planted truth
    (a row is right when it finds a planted case; a case is found when a row finds it)."""
    out = {}
    for kind in KINDS:
        found = [r for r in rows if r["kode_aturan"] == kind]
        planted = truth.get(kind, [])
        tp = sum(any(cocok(kind, c, r) for c in planted) for r in found)
        hit = sum(any(cocok(kind, c, r) for r in found) for c in planted)
        out[kind] = (
            len(found),
            len(planted),
            tp / len(found) if found else 0.0,
            hit / len(planted) if planted else 0.0,
        )
    return out
