"""In-year truths the demo plants (issue 14 §1 and §2), measured by tests against the marts.

§1 — what the perubahan changed, line by line. ``tanam_perubahan_rincian`` edits the APBD-P lines
of sub kegiatan that have no per-line location, so that matching lines across phases is not
trivial: a sub kegiatan's lines renumbered (``nomor_baru``), a line moved to another sub kegiatan
of the same or another OPD (``dipindah``), a line removed and a different one added for the same
amount (``diganti``) and a component renamed on the same number (``nama_baru``). Every edit keeps
each (sub kegiatan, akun, sumber dana) total and the order in which a sub kegiatan's accounts first
appear: a moved line (as the murni had it) leaves a new component of its APBD-P amount behind and
is offset on a line of the same account and funding source where it lands.
So cash plans, SP2D, evidence and every published total are the same as without the edits (the
generator draws payments per account, in that order). The truth is the full line correspondence
of every touched sub kegiatan; elsewhere a line keeps its number.

§2 — what the OPDs report against what the treasury paid. ``KlaimKeuangan`` turns the demo's
quarterly ``realisasi_keuangan_rp`` into an honest report (SP2D recognised as spending up to the
quarter's end, within ±1 %) and plants over-claims, under-claims and reports of spending where no
SP2D was paid; its truth lists every planted row.

Own random streams (``seed:year:...``): nothing else the generator draws moves.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from dagster_project.lib.demo.model import Line, Opd, Payment, SubKeg

CENT = Decimal("0.01")
TAHAP_DARI, TAHAP_KE = "murni", "perubahan"

# Share of the eligible sub kegiatan (no per-line location, in murni and perubahan) touched.
PORSI_NOMOR_BARU = 0.05
PORSI_DIPINDAH = 0.03
PORSI_DIGANTI = 0.02
PORSI_NAMA_BARU = 0.02
PORSI_PINDAH_OPD = 0.3  # of the moves, the share that goes to another OPD

# What replaces a removed line (``diganti``): components no template uses.
KOMPONEN_PENGGANTI = (
    "Sewa Tenda dan Kursi Kegiatan Lapangan",
    "Jasa Dokumentasi dan Publikasi Video",
    "Pengadaan Seragam Petugas Lapangan",
    "Sewa Kendaraan Operasional Roda Empat",
    "Jasa Penerjemah Bahasa Isyarat",
    "Langganan Aplikasi Rapat Daring",
)


def _nama(uraian: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", uraian.lower()).strip()


def _kunci(opd: Opd, s: SubKeg, no: int) -> str:
    return f"{opd.kode}|{s.kode}|{no}"


def _bagi_pas(t: Decimal, volume: Decimal) -> Decimal | None:
    """t / volume when it is a whole number of cents (the line stays volume × harga exactly)."""
    if volume <= 0:
        return None
    q = (t / volume).quantize(CENT)
    return q if q * volume == t else None


def tanam_perubahan_rincian(
    seed: int,
    year: int,
    opds: list[Opd],
    lewati: set[str],
    sub_lewati: frozenset[tuple[str, str]] = frozenset(),
) -> list[dict[str, Any]]:
    """Plant the §1 edits in the APBD-P lines (`s.perubahan`) of the OPDs not in `lewati`, never
    in a sub kegiatan of `sub_lewati` ((kode_skpd, kode_sub_kegiatan): those holding a line the
    review list's truth plants, whose unit price must stay as planted); return the truth rows:
    every line of every touched sub kegiatan, ``dari`` (its murni key) → ``ke`` (its perubahan
    key), None on the side where it does not exist."""
    rng = random.Random(f"{seed}:{year}:perubahan_rincian")
    bebas = [
        (opd, s)
        for opd in opds
        if opd.kode not in lewati
        for s in sorted(opd.subkeg, key=lambda s: s.kode)
        if s.murni and s.perubahan and not s.lokasi_rincian and (opd.kode, s.kode) not in sub_lewati
    ]
    murni_no = {id(s): {ln.no for ln in s.murni or []} for _, s in bebas}
    asal: dict[int, tuple[Opd, SubKeg, int] | None] = {}
    for opd, s in bebas:
        for ln in s.perubahan:
            asal[id(ln)] = (opd, s, ln.no) if ln.no in murni_no[id(s)] else None
    disentuh: dict[int, tuple[Opd, SubKeg]] = {}
    tanam: dict[int, str] = {}  # id(line) -> what was planted on it

    def bisa(s: SubKeg) -> bool:
        return id(s) not in disentuh

    def sentuh(opd: Opd, s: SubKeg) -> None:
        disentuh[id(s)] = (opd, s)

    # renumbered: every line of the sub kegiatan moves one number along (names distinct on both
    # sides, so the truth is unambiguous)
    for opd, s in bebas:
        names = [_nama(ln.uraian) for ln in s.perubahan]
        distinct = len(set(names)) == len(names) == len({_nama(x.uraian) for x in s.murni or []})
        if len(s.perubahan) >= 2 and distinct and rng.random() < PORSI_NOMOR_BARU:
            nos = [ln.no for ln in s.perubahan]
            for ln, no in zip(s.perubahan, nos[1:] + nos[:1], strict=True):
                ln.no = no
                tanam[id(ln)] = "nomor_baru"
            sentuh(opd, s)

    # moved: line L of A goes to B as the murni had it (a new number at the end of B); in A a
    # new component of the same account, funding source and amount takes its place, and in B a
    # line of the same account and funding source gives up L's amount (its unit price re-planned)
    n_pindah = max(1, round(len(bebas) * PORSI_DIPINDAH))
    per_akun: dict[tuple[str, str], list[tuple[Opd, SubKeg, Line]]] = defaultdict(list)
    for opd, s in bebas:
        for ln in s.perubahan:
            per_akun[(ln.akun, ln.dana)].append((opd, s, ln))
    garis = [
        x
        for k in sorted(per_akun)
        for x in per_akun[k]
        if x[2].comp in ("barjas", "modal") and asal[id(x[2])] is not None
    ]
    rng.shuffle(garis)
    for opd_a, a, pindah in garis:
        if n_pindah == 0:
            break
        if not bisa(a) or pindah not in a.perubahan:
            continue
        murni = next(ln for ln in a.murni or [] if ln.no == asal[id(pindah)][2])
        t = murni.total
        lain_opd = rng.random() < PORSI_PINDAH_OPD
        pilihan = [
            (o, s, ln)
            for o, s, ln in per_akun[(pindah.akun, pindah.dana)]
            if s is not a
            and bisa(s)
            and (o.kode != opd_a.kode) == lain_opd
            and ln.total > 2 * t
            and _bagi_pas(t, ln.volume) is not None
        ]
        if not pilihan or murni.dana != pindah.dana:
            continue
        opd_b, b, adj = pilihan[rng.randrange(len(pilihan))]
        ada = {_nama(ln.uraian) for ln in a.perubahan}
        nama = [n for n in KOMPONEN_PENGGANTI if _nama(n) not in ada]
        ganti = Line(
            max(ln.no for ln in a.perubahan) + 1,
            pindah.akun,
            pindah.dana,
            nama[rng.randrange(len(nama))],
            "1 Paket",
            Decimal(1),
            "Paket",
            pindah.total,
            pindah.comp,
        )
        a.perubahan[a.perubahan.index(pindah)] = ganti
        asal[id(ganti)] = None
        tanam[id(ganti)] = "pengganti"
        adj.harga -= _bagi_pas(t, adj.volume) or 0
        dipindah = replace(murni, no=max(ln.no for ln in b.perubahan) + 1)
        b.perubahan.append(dipindah)
        asal[id(dipindah)] = asal[id(pindah)]
        tanam[id(dipindah)] = "dipindah"
        sentuh(opd_a, a)
        sentuh(opd_b, b)
        n_pindah -= 1

    # replaced: line R removed, a different component of the same amount in its place (a new
    # number, same account and funding source)
    for opd, s in bebas:
        if not bisa(s) or rng.random() >= PORSI_DIGANTI:
            continue
        calon = [ln for ln in s.perubahan if ln.comp == "barjas" and asal[id(ln)] is not None]
        if not calon:
            continue
        hapus = calon[rng.randrange(len(calon))]
        ada = {_nama(ln.uraian) for ln in s.perubahan}
        nama = [n for n in KOMPONEN_PENGGANTI if _nama(n) not in ada]
        baru = Line(
            max(ln.no for ln in s.perubahan) + 1,
            hapus.akun,
            hapus.dana,
            nama[rng.randrange(len(nama))],
            "1 Paket",
            Decimal(1),
            "Paket",
            hapus.total,
            hapus.comp,
        )
        s.perubahan[s.perubahan.index(hapus)] = baru
        asal[id(baru)] = None
        tanam[id(baru)] = "diganti"
        sentuh(opd, s)

    # renamed on the same number: the component's description rewritten
    for opd, s in bebas:
        if not bisa(s) or rng.random() >= PORSI_NAMA_BARU:
            continue
        ln = s.perubahan[rng.randrange(len(s.perubahan))]
        if asal.get(id(ln)) is None:
            continue
        ln.uraian = f"{ln.uraian} (Perubahan Spesifikasi)"
        tanam[id(ln)] = "nama_baru"
        sentuh(opd, s)

    kebenaran: list[dict[str, Any]] = []
    dipakai: set[str] = set()
    for opd, s in sorted(disentuh.values(), key=lambda t: (t[0].kode, t[1].kode)):
        for ln in s.perubahan:
            dari = asal.get(id(ln))
            kunci_dari = _kunci(*dari) if dari else None
            if kunci_dari:
                dipakai.add(kunci_dari)
            kebenaran.append(
                {
                    "tahun": year,
                    "tahap_dari": TAHAP_DARI,
                    "tahap_ke": TAHAP_KE,
                    "dari": kunci_dari,
                    "ke": _kunci(opd, s, ln.no),
                    "tanam": tanam.get(id(ln)),
                }
            )
    for opd, s in sorted(disentuh.values(), key=lambda t: (t[0].kode, t[1].kode)):
        for ln in s.murni or []:
            if _kunci(opd, s, ln.no) not in dipakai:
                kebenaran.append(
                    {
                        "tahun": year,
                        "tahap_dari": TAHAP_DARI,
                        "tahap_ke": TAHAP_KE,
                        "dari": _kunci(opd, s, ln.no),
                        "ke": None,
                        "tanam": "dihapus",
                    }
                )
    return kebenaran


# --------------------------------------------------------------------------------------------
# §2 self-reported realisation
# --------------------------------------------------------------------------------------------

AKHIR_TRIWULAN = {1: (3, 31), 2: (6, 30), 3: (9, 30), 4: (12, 31)}
PORSI_LEBIH = 0.03  # reports claiming more than SP2D paid
PORSI_KURANG = 0.03  # reports claiming less
PORSI_TANPA_SP2D = 0.25  # of the reports where no SP2D was paid yet: a claim of spending anyway
MIN_TANAM_RP = Decimal(10_000_000)  # over/under claims only where SP2D paid at least this


@dataclass
class KlaimKeuangan:
    """The quarterly `realisasi_keuangan_rp` an OPD reports: SP2D recognised as spending up to the
    quarter's end (cumulative, ±1 %), or a planted over-claim, under-claim or claim without SP2D."""

    seed: int
    belanja: frozenset[str]  # the SP2D types recognised as spending (generator.BELANJA)
    kumulatif: dict[tuple[int, str, str, int], Decimal] = field(default_factory=dict)
    kebenaran: list[dict[str, Any]] = field(default_factory=list)

    def catat_sp2d(self, year: int, payments: list[Payment]) -> None:
        per_q: dict[tuple[str, str, int], Decimal] = defaultdict(Decimal)
        for p in payments:
            if p.jenis in self.belanja and p.tanggal.year == year:
                per_q[(p.kode_skpd, p.kode_sub_kegiatan, (p.tanggal.month - 1) // 3 + 1)] += p.nilai
        keys = {(o, s) for o, s, _ in per_q}
        for o, s in keys:
            run = Decimal(0)
            for q in (1, 2, 3, 4):
                run += per_q.get((o, s, q), Decimal(0))
                self.kumulatif[(year, o, s, q)] = run

    def dilaporkan(
        self, year: int, kode_skpd: str, kode_sub: str, q: int, keu: Decimal | None
    ) -> Decimal | None:
        """What the OPD writes in the report for one sub kegiatan and quarter."""
        if keu is None:
            return None
        rng = random.Random(f"{self.seed}:{year}:klaim:{kode_skpd}:{kode_sub}:{q}")
        sp2d = self.kumulatif.get((year, kode_skpd, kode_sub, q), Decimal(0))
        x = rng.random()
        jujur = (sp2d * Decimal(str(round(rng.uniform(0.99, 1.01), 6)))).quantize(
            Decimal(1), ROUND_HALF_UP
        )
        jenis, nilai = None, max(jujur, Decimal(0))
        if sp2d <= 0:
            if x < PORSI_TANPA_SP2D:
                jenis, nilai = "tanpa_sp2d", keu
        elif sp2d >= MIN_TANAM_RP:
            if x < PORSI_LEBIH:
                jenis = "lebih"
                nilai = (sp2d * Decimal(str(round(rng.uniform(1.15, 1.60), 4)))).quantize(
                    Decimal(1), ROUND_HALF_UP
                )
            elif x < PORSI_LEBIH + PORSI_KURANG:
                jenis = "kurang"
                nilai = (sp2d * Decimal(str(round(rng.uniform(0.40, 0.85), 4)))).quantize(
                    Decimal(1), ROUND_HALF_UP
                )
        if jenis is not None:
            self.kebenaran.append(
                {
                    "tahun": year,
                    "triwulan": q,
                    "kode_skpd": kode_skpd,
                    "kode_sub_kegiatan": kode_sub,
                    "jenis": jenis,
                    "dilaporkan_rp": str(nilai),
                    "sp2d_rp": str(sp2d),
                }
            )
        return nilai

    def terkirim(self, paths: list[str]) -> list[dict[str, Any]]:
        """The planted claims in the reports the demo actually sent (a quarter's report may be
        withheld: `evidence.write_kinerja`), given the landing paths written."""
        sent = set()
        for p in paths:
            if m := re.fullmatch(
                r"opd/realisasi_kinerja/(\d+)/([^/]+)/realisasi_kinerja_tw(\d)\.\w+", p
            ):
                sent.add((int(m[1]), m[2], int(m[3])))
        return [t for t in self.kebenaran if (t["tahun"], t["kode_skpd"], t["triwulan"]) in sent]


# --------------------------------------------------------------------------------------------
# scoring the marts against the planted truth (tests and benchmarks)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Skor:
    tp: int
    fp: int
    fn: int

    @property
    def presisi(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def __str__(self) -> str:
        return f"presisi {self.presisi:.3f} recall {self.recall:.3f} (TP {self.tp}, FP {self.fp}, FN {self.fn})"


def _skor(prediksi: set, benar: set) -> Skor:
    return Skor(len(prediksi & benar), len(prediksi - benar), len(benar - prediksi))


def skor_perubahan_rincian(
    rows: list[dict[str, Any]], kebenaran: list[dict[str, Any]], lewati_opd: set[str]
) -> dict[str, Skor]:
    """Precision/recall of `berubah` and `dipindah` in mart_perubahan_anggaran rows of one year's
    murni → final pair (the planted phases of every OPD not in `lewati_opd`) against the truth:
    a line keeps its number unless its sub kegiatan was touched (then the records say where it
    went). The truth status of a true pair is judged from the lines' own fields."""
    sisi_dari: dict[str, tuple] = {}
    sisi_ke: dict[str, tuple] = {}
    prediksi: dict[str, set] = {"berubah": set(), "dipindah": set()}
    for r in rows:
        d, k = (None if x == "-" else x for x in r["id_baris"].split(" > "))
        if (d and d.split("|")[0] in lewati_opd) or (k and k.split("|")[0] in lewati_opd):
            continue
        if d:
            sisi_dari[d] = (r["pagu_dari_rp"], r["volume_dari"], r["harga_satuan_dari_rp"],
                            r["kode_sumber_dana_dari"], r["kode_lokasi_dari"])  # fmt: skip
        if k:
            sisi_ke[k] = (r["pagu_ke_rp"], r["volume_ke"], r["harga_satuan_ke_rp"],
                          r["kode_sumber_dana_ke"], r["kode_lokasi_ke"])  # fmt: skip
        if r["status"] in prediksi:
            prediksi[r["status"]].add((d, k))
    disentuh = {x.rsplit("|", 1)[0] for t in kebenaran for x in (t["dari"], t["ke"]) if x}
    pasangan = {(t["dari"], t["ke"]) for t in kebenaran}
    for d in sisi_dari:
        if d.rsplit("|", 1)[0] not in disentuh:
            pasangan.add((d, d if d in sisi_ke else None))
    for k in sisi_ke:
        if k.rsplit("|", 1)[0] not in disentuh and k not in sisi_dari:
            pasangan.add((None, k))
    benar: dict[str, set] = {"berubah": set(), "dipindah": set()}
    for d, k in pasangan:
        if d is None or k is None or d not in sisi_dari or k not in sisi_ke:
            continue
        if d.rsplit("|", 1)[0] != k.rsplit("|", 1)[0]:
            benar["dipindah"].add((d, k))
        elif sisi_dari[d] != sisi_ke[k]:
            benar["berubah"].add((d, k))
    return {s: _skor(prediksi[s], benar[s]) for s in prediksi}


def skor_klaim(rows: list[dict[str, Any]], kebenaran: list[dict[str, Any]]) -> Skor:
    """Precision/recall of `selisih` in mart_rekonsiliasi_realisasi against the planted over- and
    under-claims."""
    benar = {
        (t["tahun"], t["triwulan"], t["kode_skpd"], t["kode_sub_kegiatan"])
        for t in kebenaran
        if t["jenis"] in ("lebih", "kurang")
    }
    prediksi = {
        (r["tahun"], r["triwulan"], r["kode_skpd"], r["kode_sub_kegiatan"])
        for r in rows
        if r["status"] == "selisih"
    }
    return _skor(prediksi, benar)
