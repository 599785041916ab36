"""The demo world's data model: OPDs, sub kegiatan, DPA lines, payments and the seed-backed
reference lists. Shared by the budget generator (`generator`) and the evidence world (`evidence`)."""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from dagster_project.lib.core.paths import SEEDS_DIR

FIXED_CREATED = dt.datetime(2024, 1, 1, 0, 0, 0)
ZERO = Decimal(0)
# DPA lines of a works or service sub kegiatan that are spent at the office, not on site
OFFICE_LINE = re.compile(r"Honorarium|Alat Tulis|ATK|Perjalanan Dinas|Rapat|Makan|Cetak", re.I)


@dataclass(frozen=True)
class Profile:
    weight: float
    peg: float
    modal: float
    hibah: float = 0.0
    bansos: float = 0.0
    btt: float = 0.0
    programs: tuple[str, ...] = ()  # restrict substantive sub kegiatan to these programs
    forced: tuple[str, ...] = ()  # substantive sub kegiatan always budgeted
    extra_penunjang: tuple[str, ...] = ()
    context: str = ""  # key into CONTEXT_POOLS


@dataclass
class Line:
    no: int
    akun: str
    dana: str
    uraian: str
    koef: str
    volume: Decimal
    satuan: str
    harga: Decimal
    comp: str  # peg | barjas | modal | hibah | bansos | btt
    n: int = 0  # koefisien count (volume = n × mult) when the volume can be re-planned
    mult: int = 0  # 0: volume is fixed, a revision changes the unit price instead
    tail: str = ""  # koefisien text after the count, e.g. " Orang x 12 Bulan"

    @property
    def total(self) -> Decimal:
        return self.volume * self.harga


@dataclass
class SubKeg:
    kode: str  # instantiated code as written in DPA/SP2D
    nama: str
    kind: str
    kelurahan: str
    indikator: str
    target: Decimal | None
    satuan_out: str
    murni: list[Line] | None  # None: the sub kegiatan only exists in the perubahan
    perubahan: list[Line] = field(default_factory=list)
    ratio: float = 0.9  # realisation ratio drawn for SP2D
    target_p: Decimal | None = None  # output target in the perubahan (None: same as murni)
    # where the DPA says each rincian line is spent (line no -> kelurahan code, or 64.72 for the
    # whole city); a line not listed follows the sub kegiatan's kelurahan
    lokasi_rincian: dict[int, str] = field(default_factory=dict)

    def lines(self, tahap: str) -> list[Line]:
        return (self.murni or []) if tahap == "murni" else self.perubahan

    def pagu(self, tahap: str) -> Decimal:
        return sum((ln.total for ln in self.lines(tahap)), ZERO)

    def site_lines(self) -> list[Line]:
        """The rincian lines spent on site (works, goods and services outside the office), of
        every phase, in line order: each can name its own kelurahan (kode_lokasi)."""
        lines = {ln.no: ln for ln in (self.murni or []) + self.perubahan}
        return [
            ln
            for _, ln in sorted(lines.items())
            if ln.comp in ("modal", "barjas") and not OFFICE_LINE.search(ln.uraian)
        ]


@dataclass
class Opd:
    kode: str
    nama: str
    singkatan: str
    jenis: str
    bidang: tuple[str, ...]
    kode_kecamatan: str
    profile: Profile
    fmt: str = "csv_plain"  # csv_plain | csv_id | xlsx
    title_rows: int = 5
    subkeg: list[SubKeg] = field(default_factory=list)


@dataclass
class Payment:
    tanggal: dt.date
    kode_skpd: str
    kode_sub_kegiatan: str
    kode_akun: str
    kode_sumber_dana: str
    jenis: str
    nilai: Decimal
    keterangan: str
    nomor: str = ""
    # the third party as the treasury records it (lib/demo/anomali.py) and, for a payment the demo
    # plants on the review list, its case ("<kind>:<n>"; "" for an ordinary payment)
    nama_penerima: str = ""
    npwp_penerima: str = ""
    kasus: str = ""


@dataclass(frozen=True)
class PemdaDemo:
    """A pemda of a many-pemda demo (`lib/demo/banyak_pemda.py`): one drawn from the real
    kab/kota list (`ref_pemda`), its world is Samarinda's template under its own code, with its
    own seed, a budget and population scaled by its population (`rasio`, to Samarinda's) and its
    regions' areas by its own area (`rasio_luas`, to Samarinda's 716.783 km²)."""

    kode: str
    nama: str
    penduduk: int
    seed: int
    rasio: float
    luas_km2: Decimal | None = None  # ref_pemda's area; None: Samarinda's template as it is
    rasio_luas: Decimal = Decimal(1)

    @property
    def jumlah_kecamatan(self) -> int:
        """How many kecamatan (and so kecamatan offices, OPDs) the pemda has: Samarinda's 10 ×
        √(population ratio), between 4 and 40 (kecamatan grow slower than people: Samarinda
        881 k has 10, Kabupaten Lampung Tengah 1,39 M gets 13, a kota of 100 k gets 4)."""
        return max(4, min(40, round(len(_kecamatan_templat()) * math.sqrt(self.rasio))))

    @property
    def singkat(self) -> str:
        return self.nama.removeprefix("Kabupaten ").removeprefix("Kota ")


SAMARINDA = ("64.72", "Kota Samarinda")
_PEMDA: list[PemdaDemo | None] = [None]  # the pemda this process generates; None: Samarinda


def set_pemda(pemda: PemdaDemo | None) -> None:
    """Generate `pemda`'s world in this process from now on (None: Samarinda, as seeded)."""
    _PEMDA[0] = pemda


def kota() -> tuple[str, str]:
    """(kode, nama) of the pemda being generated: ('64.72', 'Kota Samarinda') by default."""
    p = _PEMDA[0]
    return SAMARINDA if p is None else (p.kode, p.nama)


def rasio_pemda() -> float:
    """The generated pemda's population over Samarinda's (1.0 for Samarinda)."""
    p = _PEMDA[0]
    return 1.0 if p is None else p.rasio


def read_seed(name: str) -> list[dict[str, str]]:
    """A seed's rows; for another pemda than Samarinda, its regions (and its kecamatan offices)
    are Samarinda's template under the pemda's own code, with synthetic names."""
    with (SEEDS_DIR / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    pemda = _PEMDA[0]
    if pemda is None or name not in ("ref_wilayah", "ref_opd"):
        return rows
    rows = _kecamatan_sebanyak(name, rows, pemda.jumlah_kecamatan)
    return [_rewrite(name, r, pemda) for r in rows]


@lru_cache(maxsize=1)
def _kecamatan_templat() -> tuple[str, ...]:
    """Samarinda's kecamatan numbers ('01' … '10'): the template another pemda's are made of."""
    with (SEEDS_DIR / "ref_wilayah.csv").open(encoding="utf-8", newline="") as f:
        return tuple(
            sorted(r["kode_wilayah"][-2:] for r in csv.DictReader(f) if r["level"] == "kecamatan")
        )


def _kecamatan_sebanyak(name: str, rows: list[dict[str, str]], n: int) -> list[dict[str, str]]:
    """Samarinda's template with `n` kecamatan: kecamatan i is a copy of template kecamatan
    ((i - 1) mod 10) + 1 under number i, with its kelurahan and (ref_opd) its kecamatan office;
    population and area per region scaled by 10 / n, so the pemda's totals stay those of its
    size. Other rows unchanged; n = 10 returns the template as it is."""
    templat = _kecamatan_templat()
    if n == len(templat):
        return rows
    faktor = Decimal(len(templat)) / n
    kota = SAMARINDA[0]

    def salin(r: dict[str, str], kk: str) -> dict[str, str]:
        r = dict(r)
        old = f"{kota}.{r['kode_kecamatan'][-2:]}"
        r["kode_kecamatan"] = f"{kota}.{kk}"
        if name == "ref_opd":  # 7.01.0.00.0.00.<kk>.0000: the office's number is its kecamatan's
            parts = r["kode_skpd"].split(".")
            parts[-2] = kk
            r["kode_skpd"] = ".".join(parts)
            return r
        r["kode_wilayah"] = f"{kota}.{kk}" + r["kode_wilayah"][len(old) :]
        if r.get("penduduk_2023"):
            r["penduduk_2023"] = str(round(int(r["penduduk_2023"]) * faktor))
        if r.get("luas_km2"):
            r["luas_km2"] = str((Decimal(r["luas_km2"]) * faktor).quantize(Decimal("0.001")))
        return r

    tetap = [r for r in rows if not r["kode_kecamatan"]]
    per_kec: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in rows:
        if r["kode_kecamatan"]:
            per_kec[r["kode_kecamatan"][-2:]].append(r)
    # kecamatan rows first, then kelurahan, as in the seed
    salinan = [
        salin(r, f"{i:02d}")
        for i in range(1, n + 1)
        for r in per_kec[templat[(i - 1) % len(templat)]]
    ]
    salinan.sort(key=lambda r: (r.get("level") == "kelurahan", r["kode_kecamatan"]))
    return tetap + salinan


def recode(code: str, pemda: PemdaDemo) -> str:
    """`64.72.01.1001` -> `<pemda>.01.1001`: a Samarinda region code under another pemda."""
    return pemda.kode + code[len(SAMARINDA[0]) :] if code.startswith(SAMARINDA[0]) else code


def _rewrite(name: str, row: dict[str, str], pemda: PemdaDemo) -> dict[str, str]:
    row = dict(row)
    if name == "ref_opd":
        if row["kode_kecamatan"]:
            row["kode_kecamatan"] = recode(row["kode_kecamatan"], pemda)
            row["nama_skpd"] = f"Kecamatan {pemda.singkat} {row['kode_kecamatan'][-2:]}"
            row["singkatan"] = f"Kec. {pemda.singkat} {row['kode_kecamatan'][-2:]}"
        return row
    kode = row["kode_wilayah"] = recode(row["kode_wilayah"], pemda)
    if row["level"] == "kota":
        row["nama"] = pemda.nama
        row["level"] = "kabupaten" if pemda.nama.startswith("Kabupaten") else "kota"
    elif row["level"] == "kecamatan":
        row["nama"] = f"{pemda.singkat} {kode[-2:]}"
    else:
        row["nama"] = f"{pemda.singkat} {kode[-7:]}"
    if row.get("kode_kecamatan"):
        row["kode_kecamatan"] = recode(row["kode_kecamatan"], pemda)
        row["nama_kecamatan"] = f"{pemda.singkat} {row['kode_kecamatan'][-2:]}"
    if row.get("penduduk_2023"):
        row["penduduk_2023"] = str(round(int(row["penduduk_2023"]) * pemda.rasio))
    if row.get("luas_km2") and pemda.luas_km2 is not None:
        # the pemda's own area (ref_pemda); its kecamatan and kelurahan share it as Samarinda's do
        luas = pemda.luas_km2 if kode == pemda.kode else Decimal(row["luas_km2"]) * pemda.rasio_luas
        row["luas_km2"] = str(luas.quantize(Decimal("0.001"), ROUND_HALF_UP))
    return row


def valid_in_year(row: dict[str, str], year: int) -> bool:
    start = int(row["tahun_mulai"])
    end = int(row["tahun_selesai"]) if row.get("tahun_selesai") else None
    return start <= year and (end is None or year <= end)


@dataclass
class Reference:
    nomenklatur: list[dict[str, str]]
    akun: list[dict[str, str]]
    sumber_dana: set[str]
    opd: list[dict[str, str]]
    kelurahan_by_kec: dict[str, list[str]]

    @classmethod
    def load(cls) -> Reference:
        kel: dict[str, list[str]] = defaultdict(list)
        for r in read_seed("ref_wilayah"):
            if r["level"] == "kelurahan":
                kel[r["kode_kecamatan"]].append(r["kode_wilayah"])
        return cls(
            nomenklatur=read_seed("ref_nomenklatur"),
            akun=read_seed("ref_akun"),
            sumber_dana={r["kode_sumber_dana"] for r in read_seed("ref_sumber_dana")},
            opd=read_seed("ref_opd"),
            kelurahan_by_kec={k: sorted(v) for k, v in sorted(kel.items())},
        )

    def nomen_for(self, year: int) -> dict[str, dict[str, str]]:
        return {r["kode_sub_kegiatan"]: r for r in self.nomenklatur if valid_in_year(r, year)}

    def akun_for(self, year: int) -> dict[str, str]:
        return {r["kode_akun"]: r["nama_akun"] for r in self.akun if valid_in_year(r, year)}


def nomenclature_key(kode: str) -> str:
    """The seed row an emitted code resolves to: B.BB.01.2.KK.SSSS → X.XX.01.2.KK.SSSS."""
    if kode[4:10] == ".01.2.":
        return "X.XX" + kode[4:]
    return kode
