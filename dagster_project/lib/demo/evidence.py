"""Demo evidence with a planted truth: performance reports, regional outcomes and beneficiaries.

`demo.generate` calls this module for every fiscal year after the budget is planned and before
SP2D payments are drawn, then once at the end for the outcome series. It writes

* ``opd/realisasi_kinerja/{tahun}/{kode_skpd}/realisasi_kinerja_tw{1-4}.{csv|xlsx}``: every
  program (capaian), kegiatan (hasil) and sub kegiatan (keluaran) indicator with its annual target
  and realisation cumulative to the quarter, plus self-reported financial and physical progress;
* ``bps/indikator_wilayah/{tahun}/indikator_wilayah_{produsen}.{csv|xlsx}``: population and
  outcome indicators per kelurahan (and kecamatan/kota) for the year before the first budget year
  and every budget year (at least three years);
* ``dinsos/penerima_bansos/{tahun}/penerima_bansos_{program}.{csv|xlsx}``: beneficiaries with
  NIK, name, birth date, sex, kelurahan and amount.

The planted truth (returned by `truth()`, written to the manifest, never read by the models):

* every program linked to a kelurahan-level outcome indicator in ``ref_pohon_kinerja`` whose money
  can reach at least ``JANGKAUAN_MIN`` kelurahan (that many rincian lines spent on site) spends in
  5-10 kelurahan (its site lines spread over them, ``kode_lokasi``) and is **efektif** (its
  indicator improves where its money went, by ``OutcomeSpec.effect`` ≈ 1.5 standard deviations
  of the year-on-year change), **tidak_efektif** (money absorbed, no effect; half of them also
  miss their outputs) or **serapan_rendah** (20-50 % of the pagu paid); a program too small to
  reach that many kelurahan gets no planted outcome (a design choice: no method could see it);
* other programs are **serapan_rendah** (8 %), **tidak_efektif** through missed outputs despite
  absorbed money (6 %) or **lainnya**; support programs (X.XX.01) are always lainnya;
* six kelurahan with high need are **under-served**: no located spending at all and a low share
  of their poor population among beneficiaries.

Noise: outcome changes have a common trend plus normal noise; output achievement varies around its
class; a few targets are text, some satuan are spelled freely, some quarterly reports are missing
or late, one OPD-year never sends its fourth quarter, beneficiary lists contain malformed NIKs and
duplicates, outcome files contain rows with wrong region codes. Randomness comes from separate
`random.Random` streams (seeded by seed, year and subject), so the budget tables keep their own
streams; what changes in them is the realisation ratio of planted programs and the kelurahan of
located sub kegiatan.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Protocol

import xlsxwriter

from dagster_project.lib.contracts.reference import parameters
from dagster_project.lib.demo.model import (
    FIXED_CREATED,
    SAMARINDA,
    Opd,
    Reference,
    SubKeg,
    kota,
    nomenclature_key,
    rasio_pemda,
    read_seed,
)


class Planner(Protocol):
    """What the evidence world reads of one year's budget plan (`generator.Planner`)."""

    year: int
    nomen: dict[str, dict[str, str]]


EFEKTIF, TIDAK_EFEKTIF, SERAPAN_RENDAH, LAINNYA = (
    "efektif",
    "tidak_efektif",
    "serapan_rendah",
    "lainnya",
)
N_UNDERSERVED = 6
TOTAL_PENDUDUK_2023 = (
    861_878  # BPS mid-2023 (domain.md 3.1); Dukcapil kelurahan sum is scaled to it
)
Emit = Callable[..., None]


@dataclass(frozen=True)
class OutcomeSpec:
    """A kelurahan-level outcome: baseline from need, yearly trend, noise and planted effect.

    `better` is +1 when higher is better, -1 when lower is better; trend, sigma and effect are in
    the indicator's unit, measured in the "better" direction. The observed value is a structural
    level (baseline from need, common trend, planted effects) plus a transient shock that decays
    by `RHO_TRANSIEN` a year (sigma is the yearly shock), so a kelurahan that looked bad last year
    tends to look better this year without any program: regression to the mean. `effect` is
    about 1.5 standard deviations of the year-on-year change, comparable to the noise."""

    kode: str
    sumber: str
    produsen: str
    better: int
    at_no_need: float
    at_full_need: float
    trend: float
    sigma: float
    effect: float
    decimals: int = 2


OUTCOMES: dict[str, OutcomeSpec] = {
    "persentase_penduduk_miskin": OutcomeSpec(
        "persentase_penduduk_miskin", "DTKS", "dtks", -1, 6.0, 26.0, 0.3, 0.4, 0.7
    ),
    "prevalensi_stunting": OutcomeSpec(
        "prevalensi_stunting", "e-PPGBM", "dinkes", -1, 6.0, 24.0, 0.5, 0.6, 1.0
    ),
    "angka_partisipasi_sekolah": OutcomeSpec(
        "angka_partisipasi_sekolah", "Dapodik", "dapodik", 1, 97.0, 85.0, 0.3, 0.6, 1.0
    ),
    "akses_fasilitas_kesehatan": OutcomeSpec(
        "akses_fasilitas_kesehatan", "Dinkes", "dinkes", 1, 98.0, 62.0, 0.6, 1.0, 1.7
    ),
}
RHO_TRANSIEN = 0.5  # share of last year's transient shock still present this year
SELEKSI_KEBUTUHAN = 1.2  # how strongly OPDs pick the kelurahan that looked worst last year
PORSI_MODAL_BERJEDA = 0.5  # a sub kegiatan mostly belanja modal shows its effect a year later
# How many kelurahan a program serving a kelurahan outcome spends in (its site lines spread over
# them): real programs reach many of the city's 59 kelurahan; one with fewer site lines than
# JANGKAUAN_MIN gets no planted outcome (too small for any method to see).
JANGKAUAN = (5, 10)
JANGKAUAN_MIN = 3
# City-level series (BPS and the Ministry of Health); real values where domain.md has them.
KOTA_SERIES: dict[tuple[str, str], dict[int, float]] = {
    ("ipm", "BPS"): {2021: 80.76, 2022: 81.52, 2023: 82.32, 2024: 83.11, 2025: 83.64, 2026: 84.1},
    ("persentase_penduduk_miskin", "BPS"): {
        2021: 4.99, 2022: 4.85, 2023: 4.81, 2024: 4.30, 2025: 4.12, 2026: 3.95,
    },
    ("tingkat_pengangguran_terbuka", "BPS"): {
        2021: 6.78, 2022: 5.92, 2023: 5.61, 2024: 5.33, 2025: 5.18, 2026: 5.05,
    },
    ("prevalensi_stunting", "SSGI"): {2021: 21.6, 2022: 25.3, 2024: 21.9, 2025: 20.4},
    ("prevalensi_stunting", "SKI"): {2023: 24.4},
}  # fmt: skip
SATUAN_VARIANTS: dict[str, tuple[str, ...]] = {
    "Dokumen": ("Dokumen", "Dokumen", "Dok.", "dokumen"),
    "Laporan": ("Laporan", "Laporan", "Lap."),
    "Unit": ("Unit", "Unit", "unit", "Buah"),
    "Orang": ("Orang", "Orang", "org", "Jiwa"),
    "Paket": ("Paket", "Paket", "Pkt"),
    "Kegiatan": ("Kegiatan", "Kegiatan", "Keg"),
    "M2": ("M2", "M2", "m²", "Meter Persegi"),
    "Km": ("Km", "Km", "Kilometer"),
    "Persen": ("Persen", "%", "%"),
}
UNKNOWN_SATUAN = ("Ls", "Berkas", "Gelombang")
CUMULATIVE_SHARE = (0.22, 0.47, 0.72, 1.0)
NAMA_DEPAN_L = (
    "Ahmad", "Budi", "Dedi", "Eko", "Fajar", "Hendra", "Irwan", "Joko", "Kurniawan", "Muhammad",
    "Rahmat", "Rudi", "Slamet", "Syahrani", "Taufik", "Wahyu", "Yusuf", "Zainal", "Arif", "Bambang",
)  # fmt: skip
NAMA_DEPAN_P = (
    "Aisyah", "Dewi", "Fitri", "Hartini", "Indah", "Kartini", "Lestari", "Maria", "Nurul",
    "Putri", "Rahmawati", "Siti", "Sri", "Wulan", "Yuliana", "Ernawati", "Halimah", "Rosita",
)  # fmt: skip
NAMA_BELAKANG = (
    "Saputra", "Hidayat", "Kusuma", "Pratama", "Santoso", "Wijaya", "Nugroho", "Rahman",
    "Syahputra", "Hasanah", "Lubis", "Siregar", "Gunawan", "Setiawan", "Maulana", "Utami",
    "Anggraini", "Firmansyah", "Ramadhan", "Handayani", "Sulistyo", "Kurniasih", "Irawan", "Basri",
)  # fmt: skip
BANSOS = {
    # program code: (sub kegiatan, yearly amount per recipient, recipients at scale 1, ages)
    "BST": ("1.06.05.2.02.0003", (1_800_000, 3_600_000), 2600, (25, 75)),
    "PERMAKANAN": ("1.06.04.2.02.0003", (2_700_000, 3_600_000), 600, (60, 92)),
}


def _read_seed(name: str) -> list[dict[str, str]]:
    return read_seed(name)  # the generated pemda's regions (lib/demo/model.py)


def _title(text: str) -> str:
    small = {"dan", "di", "ke", "dari", "yang", "untuk", "atau", "pada", "dalam", "serta", "bagi"}
    words = text.lower().split()
    return " ".join(
        w
        if (i and w in small)
        else (w.upper() if w in {"ukm", "ukp", "psu", "kb", "ks"} else w[:1].upper() + w[1:])
        for i, w in enumerate(words)
    )


def _q(value: float, decimals: int) -> Decimal:
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)


@dataclass
class Kelurahan:
    kode: str
    nama: str
    kode_kecamatan: str
    need: float
    underserved: bool
    penduduk: dict[int, int] = field(default_factory=dict)
    nilai: dict[tuple[str, int], float] = field(default_factory=dict)  # (indikator, tahun)
    coverage: float = 0.8


@dataclass
class ProgramPlan:
    kode_skpd: str
    kode_program: str
    kelas: str
    indikator: str | None
    spatial: bool
    misses_outputs: bool


class EvidenceWorld:
    """The demo's hidden state across fiscal years: need, outcomes, program classes, effects."""

    def __init__(
        self,
        ref: Reference,
        seed: int,
        years: tuple[int, ...],
        scale: float,
        tanpa_efek: bool = False,
    ):
        self.seed = seed
        self.tanpa_efek = tanpa_efek  # the placebo world: every true effect is zero
        # what an OPD reports as realisasi keuangan, given the figure drawn here (the generator
        # sets it: the SP2D paid, or a planted claim; lib/demo/dalam_tahun.py)
        self.laporan_keuangan: Callable[[int, str, str, int, Decimal], Decimal | None] | None = None
        self.years = years
        self.scale = scale
        self.outcome_years = (min(years) - 1, *years)
        self.cascade = {
            r["kode_program"]: r["kode_indikator"] for r in _read_seed("ref_pohon_kinerja")
        }
        self.indikator = {r["kode_indikator"]: r for r in _read_seed("ref_indikator")}
        wilayah = _read_seed("ref_wilayah")
        self.kecamatan = {
            r["kode_wilayah"]: r["nama"] for r in wilayah if r["level"] == "kecamatan"
        }
        rng = self.rng("dunia")
        rows = [r for r in wilayah if r["level"] == "kelurahan"]
        # six under-served kelurahan, in six different kecamatan, all with high need
        by_kec: dict[str, list[dict[str, str]]] = defaultdict(list)
        for r in rows:
            by_kec[r["kode_kecamatan"]].append(r)
        kecs = sorted(by_kec)
        rng.shuffle(kecs)
        under = {
            rng.choice(sorted(by_kec[k], key=lambda r: r["kode_wilayah"]))["kode_wilayah"]
            for k in kecs[:N_UNDERSERVED]
        }
        self.kelurahan: dict[str, Kelurahan] = {}
        for r in rows:
            u = r["kode_wilayah"] in under
            need = rng.uniform(0.78, 1.0) if u else rng.betavariate(2.0, 2.3)
            self.kelurahan[r["kode_wilayah"]] = Kelurahan(
                r["kode_wilayah"], r["nama"], r["kode_kecamatan"], need, u,
                coverage=rng.uniform(0.22, 0.40) if u else rng.uniform(0.62, 0.95),
            )  # fmt: skip
        self._population(rows, rng)
        self.struktur: dict[tuple[str, str], float] = {}  # (kelurahan, indikator) -> level
        self.transien: dict[tuple[str, str], float] = {}  # (kelurahan, indikator) -> shock
        self._baselines(rng)
        self.plans: dict[tuple[str, str], ProgramPlan] = {}
        self.treated: dict[tuple[int, str, str], list[str]] = {}  # (tahun, opd, program) -> kel
        self.present: dict[tuple[str, str], list[int]] = defaultdict(list)
        self.effects: dict[tuple[int, str, str], float] = defaultdict(float)
        # (tahun, opd, program) -> the outcome years its planted effect shows in
        self.effect_years: dict[tuple[int, str, str], set[int]] = defaultdict(set)
        # (opd, program, outcome year) -> the kelurahan its planted effect shows in that year
        self.effect_kelurahan: dict[tuple[str, str, int], set[str]] = defaultdict(set)
        # (opd, program, outcome year) -> the kelurahan its money reaches in time to matter that
        # year, whatever its class (where its outcome can be judged at all)
        self.landed_kelurahan: dict[tuple[str, str, int], set[str]] = defaultdict(set)
        self.simulated_until = self.outcome_years[0]
        self._outcomes_done = False
        self._gap_cache: dict[int, set[tuple[str, str]]] = {}
        self.people: dict[str, list[dict[str, Any]]] = {}
        self.budget_years: list[tuple[Planner, list[Opd]]] = []

    def write(self, landing: Path, emit: Emit) -> None:
        """Everything, once every fiscal year is planted (outcomes depend on all of them)."""
        self._simulate_outcomes()
        for planner, opds in self.budget_years:
            self.write_kinerja(landing, emit, planner, opds)
            self.write_bansos(landing, emit, planner.year)
        self.write_outcomes(landing, emit)

    def rng(self, *parts: object) -> random.Random:
        return random.Random(":".join(str(p) for p in (self.seed, "bukti", *parts)))

    # -- the world -----------------------------------------------------------------------------

    def _population(self, rows: list[dict[str, str]], rng: random.Random) -> None:
        base = {
            r["kode_wilayah"]: int(r["penduduk_2023"])
            if r["penduduk_2023"]
            else rng.randint(9_000, 22_000)
            for r in rows
        }
        total = TOTAL_PENDUDUK_2023 if kota() == SAMARINDA else TOTAL_PENDUDUK_2023 * rasio_pemda()
        k = total / sum(base.values())
        for kode, kel in sorted(self.kelurahan.items()):
            p = base[kode] * k
            for y in range(min(self.outcome_years), max(self.outcome_years) + 1):
                kel.penduduk[y] = round(p * (1.012 + rng.uniform(-0.004, 0.004)) ** (y - 2023))

    def _baselines(self, rng: random.Random) -> None:
        y0 = self.outcome_years[0]
        for kel in self.kelurahan.values():
            for spec in OUTCOMES.values():
                span = spec.at_full_need - spec.at_no_need
                level = spec.at_no_need + span * kel.need + rng.gauss(0, 0.08 * abs(span))
                shock = rng.gauss(0, spec.sigma / math.sqrt(1 - RHO_TRANSIEN**2))
                self.struktur[(kel.kode, spec.kode)] = level
                self.transien[(kel.kode, spec.kode)] = shock
                kel.nilai[(spec.kode, y0)] = min(99.5, max(0.5, level + shock))

    def _pool(self, opd: Opd) -> list[str]:
        """Kelurahan where an OPD may locate spending: its own kecamatan for a kecamatan office,
        otherwise the whole city; never an under-served kelurahan (that is the planted truth)."""
        return sorted(
            k.kode
            for k in self.kelurahan.values()
            if not k.underserved
            and (not opd.kode_kecamatan or k.kode_kecamatan == opd.kode_kecamatan)
        )

    def _weighted_sample(
        self,
        rng: random.Random,
        pool: list[str],
        n: int,
        indikator: str | None = None,
        year: int | None = None,
    ) -> list[str]:
        """`n` distinct kelurahan, more likely where need is higher; for a program serving an
        outcome indicator, more likely where that indicator looked worst last year (observed,
        transient shock included: the kelurahan chosen for money regress to the mean)."""
        chosen: list[str] = []
        left = list(pool)
        weight = {k: 0.3 + self.kelurahan[k].need for k in left}
        if indikator in OUTCOMES and year is not None:
            spec = OUTCOMES[indikator]
            last = {k: self.kelurahan[k].nilai[(spec.kode, year - 1)] for k in left}
            mean = sum(last.values()) / len(last)
            sd = math.sqrt(sum((v - mean) ** 2 for v in last.values()) / len(last)) or 1.0
            weight = {
                k: math.exp(SELEKSI_KEBUTUHAN * spec.better * (mean - v) / sd)
                for k, v in last.items()
            }
        while left and len(chosen) < n:
            w = [weight[k] for k in left]
            pick = rng.choices(left, weights=w)[0]
            chosen.append(pick)
            left.remove(pick)
        return chosen

    # -- one fiscal year: classes, realisation ratios and locations --------------------------

    def _program_plan(self, opd: Opd, prog: str, subs: list[SubKeg]) -> ProgramPlan:
        key = (opd.kode, prog)
        if key in self.plans:
            return self.plans[key]
        rng = self.rng("kelas", opd.kode, prog)
        indikator = self.cascade.get(prog)
        # An outcome is planted (an effect, or none) only where a real program could show it:
        # money on site in at least JANGKAUAN_MIN kelurahan. A program too small for that keeps
        # its outcome link in the performance tree but is planted like one without it.
        sites = sum(len(s.site_lines()) for s in subs if s.kind != "bansos")
        spatial = indikator in OUTCOMES and sites >= JANGKAUAN_MIN
        r = rng.random()
        if any(s.kind == "btt" for s in subs):
            kelas = LAINNYA  # the BTT reserve is left mostly unspent by design, not by waste
            spatial = False
        elif prog[5:7] == "01":
            kelas = LAINNYA
        elif spatial:
            kelas = EFEKTIF if r < 0.42 else TIDAK_EFEKTIF if r < 0.80 else SERAPAN_RENDAH
        else:
            kelas = SERAPAN_RENDAH if r < 0.08 else TIDAK_EFEKTIF if r < 0.14 else LAINNYA
        misses = kelas == TIDAK_EFEKTIF and (not spatial or rng.random() < 0.5)
        plan = ProgramPlan(opd.kode, prog, kelas, indikator, spatial, misses)
        self.plans[key] = plan
        return plan

    def plant_year(self, planner: Planner, opds: list[Opd]) -> None:
        """Set each program's class (stable across years), the realisation ratio of its sub
        kegiatan and where its money is spent; record the outcome effects of effective ones."""
        if self._outcomes_done:
            raise RuntimeError("plant every fiscal year before writing the evidence")
        year = planner.year
        self.budget_years.append((planner, opds))
        programs: list[tuple[Opd, ProgramPlan, list[SubKeg]]] = []
        for opd in opds:
            by_prog: dict[str, list[SubKeg]] = defaultdict(list)
            for s in opd.subkeg:
                by_prog[s.kode[:7]].append(s)
            for prog, subs in sorted(by_prog.items()):
                plan = self._program_plan(opd, prog, subs)
                programs.append((opd, plan, subs))
                self.present[(opd.kode, prog)].append(year)
        for opd, plan, subs in programs:
            rng = self.rng("rasio", year, opd.kode, plan.kode_program)
            low = self._under_spend_ratio(rng, subs) if plan.kelas == SERAPAN_RENDAH else 0.0
            for s in subs:
                if plan.kelas == SERAPAN_RENDAH:
                    s.ratio = min(0.55, low * rng.uniform(0.9, 1.1))
                elif plan.kelas in (EFEKTIF, TIDAK_EFEKTIF):
                    s.ratio = rng.uniform(0.84, 0.98)
                elif s.ratio < 0.66:
                    s.ratio = rng.uniform(0.66, 0.80)
        # Locations: a program serving a kelurahan outcome spends in 5-10 kelurahan (JANGKAUAN),
        # chosen where the indicator looked worst last year, its site lines dealt over them;
        # programs serving the same indicator may share kelurahan (nothing keeps them apart). An
        # effective program's effect lands in the year its spending can matter: the same year, or
        # a year later for a sub kegiatan that is mostly belanja modal (effects beyond the last
        # outcome year are never observed).
        self._simulate_until(year - 1)
        for opd, plan, subs in sorted(programs, key=lambda t: (t[0].kode, t[1].kode_program)):
            rng = self.rng("lokasi", year, opd.kode, plan.kode_program)
            pool = self._pool(opd)
            if plan.spatial and pool:
                locatable = sorted((s for s in subs if s.kind != "bansos"), key=lambda s: s.kode)
                sites = {s.kode: s.site_lines() for s in locatable}
                reach = min(len(pool), sum(map(len, sites.values())), rng.randint(*JANGKAUAN))
                if opd.kode_kecamatan:  # a kecamatan office: the neediest part of its kecamatan
                    reach = min(reach, max(JANGKAUAN_MIN, len(pool) // 2))
                if locatable and not reach:  # no site line at all: one place for the lot
                    reach = 1
                area = self._weighted_sample(rng, pool, reach, plan.indikator, year)
                # site lines dealt over the area, largest first, each to the kelurahan with the
                # least of the program's money of the same kind so far (services and works alike
                # reach the kelurahan the program targets); office lines stay with the sub
                # kegiatan's kelurahan (that of its largest site line)
                landed: dict[str, list[SubKeg]] = defaultdict(list)
                money = {lag: dict.fromkeys(area, Decimal(0)) for lag in (0, 1)}
                lines = [(ln, s) for s in locatable for ln in sites[s.kode]]
                placed: set[str] = set()
                for ln, s in sorted(lines, key=lambda t: (-t[0].total, t[1].kode, t[0].no)):
                    lag = self._lag(s)  # works fill the area from its other end
                    kind = money[lag]
                    kel = min(area, key=lambda k: (kind[k], (1 - 2 * lag) * area.index(k)))
                    kind[kel] += ln.total
                    s.lokasi_rincian[ln.no] = kel
                    if s.kode not in placed:
                        s.kelurahan = kel
                        placed.add(s.kode)
                    if s not in landed[kel]:
                        landed[kel].append(s)
                for s in locatable:
                    if not sites[s.kode]:  # no site line: the sub kegiatan spends in one place
                        lag = self._lag(s)
                        kind = money[lag]
                        s.kelurahan = min(
                            area, key=lambda k: (kind[k], (1 - 2 * lag) * area.index(k))
                        )
                        landed[s.kelurahan].append(s)
                self.treated[(year, opd.kode, plan.kode_program)] = sorted(landed)
                for kel, here in landed.items():
                    for lag in {self._lag(s) for s in here}:
                        if year + lag <= self.outcome_years[-1]:
                            self.landed_kelurahan[(opd.kode, plan.kode_program, year + lag)].add(
                                kel
                            )
                if plan.kelas == EFEKTIF:
                    # the effect where the money went: about spec.effect in every kelurahan of
                    # the area, in each year the spending there can matter (services the same
                    # year, a sub kegiatan mostly belanja modal a year later)
                    spec = OUTCOMES[plan.indikator]
                    for kel, here in sorted(landed.items()):
                        lags = sorted({self._lag(s) for s in here})
                        for lag in lags:
                            size = spec.effect * rng.uniform(0.85, 1.15)
                            if self.tanpa_efek or year + lag > self.outcome_years[-1]:
                                continue
                            self.effects[(year + lag, kel, spec.kode)] += size
                            self.effect_years[(year, opd.kode, plan.kode_program)].add(year + lag)
                            self.effect_kelurahan[(opd.kode, plan.kode_program, year + lag)].add(
                                kel
                            )
            else:
                for s in sorted(subs, key=lambda s: s.kode):
                    if s.kelurahan:
                        s.kelurahan = self._weighted_sample(rng, pool, 1)[0] if pool else ""

    @classmethod
    def _lag(cls, s: SubKeg) -> int:
        """Years before a sub kegiatan's spending can show in an outcome."""
        return 1 if cls._modal_share(s) >= PORSI_MODAL_BERJEDA else 0

    @staticmethod
    def _modal_share(s: SubKeg) -> float:
        lines = s.lines("perubahan") or s.lines("murni")
        total = sum((ln.total for ln in lines), Decimal(0))
        modal = sum((ln.total for ln in lines if ln.comp == "modal"), Decimal(0))
        return float(modal / total) if total else 0.0

    @staticmethod
    def _under_spend_ratio(rng: random.Random, subs: list[SubKeg]) -> float:
        """The realisation ratio of an under-spending program's non-salary lines, chosen so the
        whole program pays 25-48 % of its pagu: salaries are paid at ~97.5 % and the BTT reserve
        at ~25 % whatever the ratio (see demo._sp2d_for_year)."""
        total = peg = btt = Decimal(0)
        for s in subs:
            for ln in s.lines("perubahan"):
                total += ln.total
                peg += ln.total if ln.comp == "peg" else 0
                btt += ln.total if ln.comp == "btt" else 0
        rest = total - peg - btt
        if rest <= 0:
            return 0.05
        goal = float(total) * rng.uniform(0.25, 0.48) - 0.975 * float(peg) - 0.25 * float(btt)
        return min(0.5, max(0.05, goal / float(rest)))

    # -- outcomes ------------------------------------------------------------------------------

    def _simulate_until(self, last: int) -> None:
        """Outcome values up to year `last` (every effect landing in those years is planted by
        then: effects land in the spending year or the year after)."""
        for y in range(self.simulated_until + 1, last + 1):
            for spec in OUTCOMES.values():
                rng = self.rng("outcome", spec.kode, y)
                for kode, kel in sorted(self.kelurahan.items()):
                    key = (kode, spec.kode)
                    self.struktur[key] += spec.better * (
                        spec.trend + self.effects.get((y, kode, spec.kode), 0.0)
                    )
                    self.transien[key] = RHO_TRANSIEN * self.transien[
                        key
                    ] + spec.better * rng.gauss(0, spec.sigma)
                    value = self.struktur[key] + self.transien[key]
                    kel.nilai[(spec.kode, y)] = min(99.5, max(0.5, value))
            self.simulated_until = y

    def _simulate_outcomes(self) -> None:
        if self._outcomes_done:
            return
        self._simulate_until(self.outcome_years[-1])
        self._outcomes_done = True

    def kota_value(self, indikator: str, year: int) -> float:
        self._simulate_outcomes()
        kels = self.kelurahan.values()
        total = sum(k.penduduk[year] for k in kels)
        return sum(k.nilai[(indikator, year)] * k.penduduk[year] for k in kels) / total

    def outcome_gaps(self, year: int) -> set[tuple[str, str]]:
        """(kelurahan, indikator) pairs missing from their producer's file of `year`: about 2 %
        of the rows, a kelurahan left out of one producer's list."""
        rng = self.rng("berkas_outcome", year)
        return {
            (kode, spec.kode)
            for kode in sorted(self.kelurahan)
            for spec in OUTCOMES.values()
            if rng.random() < 0.02
        }

    def write_outcomes(self, landing: Path, emit: Emit) -> None:
        """One file per producer and year: Dukcapil, Dinkes, DTKS (Dinsos), Dapodik, BPS and the
        Ministry of Health's survey (SSGI/SKI)."""
        self._simulate_outcomes()
        for y in self.outcome_years:
            gaps = self.outcome_gaps(y)
            files: dict[str, list[dict[str, Any]]] = defaultdict(list)
            kec_pop: dict[str, int] = defaultdict(int)
            for kode, kel in sorted(self.kelurahan.items()):
                kec_pop[kel.kode_kecamatan] += kel.penduduk[y]
                files["dukcapil"].append(
                    self._row(
                        y,
                        kode,
                        kel.nama,
                        "jumlah_penduduk",
                        "Dukcapil",
                        kel.penduduk[y],
                        "Jiwa",
                        "administratif",
                        0,
                    )
                )
                for spec in OUTCOMES.values():
                    if (kode, spec.kode) in gaps:
                        continue
                    files[spec.produsen].append(
                        self._row(
                            y,
                            kode,
                            kel.nama,
                            spec.kode,
                            spec.sumber,
                            kel.nilai[(spec.kode, y)],
                            "%",
                            "administratif",
                            spec.decimals,
                        )
                    )
            for kec, pop in sorted(kec_pop.items()):
                files["dukcapil"].append(
                    self._row(
                        y,
                        kec,
                        self.kecamatan[kec],
                        "jumlah_penduduk",
                        "Dukcapil",
                        pop,
                        "Jiwa",
                        "administratif",
                        0,
                    )
                )
            files["dukcapil"].append(
                self._row(
                    y,
                    *kota(),
                    "jumlah_penduduk",
                    "Dukcapil",
                    sum(kec_pop.values()),
                    "Jiwa",
                    "administratif",
                    0,
                )
            )
            for spec in OUTCOMES.values():
                files[spec.produsen].append(
                    self._row(
                        y,
                        *kota(),
                        spec.kode,
                        spec.sumber,
                        self.kota_value(spec.kode, y),
                        "%",
                        "administratif",
                        spec.decimals,
                    )
                )
            for (kode, sumber), series in sorted(KOTA_SERIES.items()):
                if y in series:
                    stem = "bps" if sumber == "BPS" else "kemenkes"
                    satuan = "Indeks" if kode == "ipm" else "%"
                    files[stem].append(
                        self._row(
                            y,
                            *kota(),
                            kode,
                            sumber,
                            series[y],
                            satuan,
                            "survei",
                            2,
                        )
                    )
            # producers' mistakes: a BPS-style region code and an unknown kecamatan
            files["dapodik"].append(
                self._row(
                    y,
                    f"{kota()[0].replace('.', '')}010",
                    "PALARAN (kode BPS)",
                    "angka_partisipasi_sekolah",
                    "Dapodik",
                    95.1,
                    "%",
                    "administratif",
                    1,
                )
            )
            files["dtks"].append(
                self._row(
                    y,
                    f"{kota()[0]}.11",
                    "Kecamatan tidak dikenal",
                    "persentase_penduduk_miskin",
                    "DTKS",
                    12.0,
                    "%",
                    "administratif",
                    2,
                )
            )
            for stem, rows in sorted(files.items()):
                rel = f"bps/indikator_wilayah/{y}/indikator_wilayah_{stem}"
                if stem == "dinkes":
                    rel += ".xlsx"
                    path = landing / rel
                    _write_xlsx(
                        path,
                        OUTCOME_HEADER,
                        rows,
                        [
                            "DATA INDIKATOR KESEHATAN PER WILAYAH",
                            f"Dinas Kesehatan {kota()[1]} - Tahun {y}",
                        ],
                    )
                    emit(rel, None, len(rows), path)
                else:
                    indo = stem in ("dtks", "dapodik")
                    rel += ".csv"
                    emit(
                        rel, _csv_bytes(OUTCOME_HEADER, rows, ";" if indo else ",", indo), len(rows)
                    )

    @staticmethod
    def _row(
        y: int,
        kode: str,
        nama: str,
        ind: str,
        sumber: str,
        nilai: float,
        satuan: str,
        metode: str,
        decimals: int,
    ) -> dict[str, Any]:
        return {
            "tahun": y, "kode_wilayah": kode, "nama_wilayah": nama, "kode_indikator": ind,
            "sumber": sumber, "nilai": _q(nilai, decimals), "satuan": satuan, "metode": metode,
        }  # fmt: skip

    # -- performance reports ---------------------------------------------------------------------

    def write_kinerja(self, landing: Path, emit: Emit, planner: Planner, opds: list[Opd]) -> None:
        year = planner.year
        self._simulate_outcomes()
        rng_opd = self.rng("tw4_hilang", year)
        quiet = sorted(
            o.kode for o in opds
            if all(self.plans[(o.kode, p)].kelas == LAINNYA for p in {s.kode[:7] for s in o.subkeg})
        )  # fmt: skip
        no_tw4 = rng_opd.choice(quiet) if quiet else None
        for opd in opds:
            rng = self.rng("kinerja", year, opd.kode)
            rows_by_q = self._kinerja_rows(rng, planner, opd)
            style = opd.fmt
            for q in (1, 2, 3, 4):
                if (q < 4 and rng.random() < 0.08) or (q == 4 and opd.kode == no_tw4):
                    continue  # report never sent
                q_end = dt.date(year, 3 * q, 31 if q in (1, 4) else 30)
                late = rng.random() < 0.15
                signed = q_end + dt.timedelta(
                    days=rng.randint(16, 45) if late else rng.randint(3, 10)
                )
                rows = [{**r, "tanggal_laporan": signed} for r in rows_by_q[q]]
                base = f"opd/realisasi_kinerja/{year}/{opd.kode}/realisasi_kinerja_tw{q}"
                if style == "xlsx":
                    rel = base + ".xlsx"
                    _write_xlsx(landing / rel, KINERJA_HEADER, rows, [
                        "LAPORAN REALISASI KINERJA DAN ANGGARAN (E-MONEV)",
                        f"{opd.kode} - {opd.nama}", f"Triwulan {q} Tahun Anggaran {year}",
                    ])  # fmt: skip
                    emit(rel, None, len(rows), landing / rel)
                else:
                    indo = style == "csv_id"
                    emit(
                        base + ".csv",
                        _csv_bytes(KINERJA_HEADER, rows, ";" if indo else ",", indo, dmy=indo),
                        len(rows),
                    )

    def _kinerja_rows(
        self, rng: random.Random, planner: Planner, opd: Opd
    ) -> dict[int, list[dict[str, Any]]]:
        year = planner.year
        out: dict[int, list[dict[str, Any]]] = {q: [] for q in (1, 2, 3, 4)}
        text_in_target = opd.fmt == "csv_plain"  # these OPDs type text targets into Target
        subs = sorted(opd.subkeg, key=lambda s: s.kode)
        by_keg: dict[str, list[tuple[SubKeg, float]]] = defaultdict(list)
        by_prog: dict[str, list[float]] = defaultdict(list)
        for s in subs:
            plan = self.plans[(opd.kode, s.kode[:7])]
            if plan.kelas == SERAPAN_RENDAH:
                a = s.ratio * rng.uniform(0.85, 1.15)
            elif plan.misses_outputs:
                a = rng.uniform(0.30, 0.55)
            elif plan.kelas == LAINNYA and s.kode[5:7] == "01":
                a = rng.uniform(0.92, 1.02)
            else:
                a = rng.uniform(0.88, 1.08)
            by_keg[s.kode[:12]].append((s, a))
            by_prog[s.kode[:7]].append(a)
            target = s.target_p if s.target_p is not None else s.target
            satuan = s.satuan_out
            text_target = None
            if target is None or (satuan in ("Dokumen", "Laporan") and rng.random() < 0.25):
                text_target = (
                    f"Tersedianya {s.nama}"
                    if satuan in ("Dokumen", "Laporan")
                    else f"Terlaksananya {s.nama}"
                )
                target = None
            spelled = (
                rng.choice(UNKNOWN_SATUAN)
                if rng.random() < 0.01
                else rng.choice(SATUAN_VARIANTS[satuan])
            )
            decimals = 1 if satuan == "Km" else 2 if satuan == "Persen" else 0
            pagu = s.pagu("perubahan") or s.pagu("murni")
            for q in (1, 2, 3, 4):
                share = CUMULATIVE_SHARE[q - 1] * (rng.uniform(0.9, 1.1) if q < 4 else 1.0)
                real = None if target is None else _q(float(target) * a * share, decimals)
                if real is not None and a < 0.6:  # missed outputs stay missed after rounding
                    real = _q(
                        math.floor(float(target) * a * share * 10**decimals) / 10**decimals,
                        decimals,
                    )
                keu = (
                    pagu
                    * Decimal(str(round(min(1.0, s.ratio * share * rng.uniform(0.97, 1.03)), 6)))
                ).quantize(Decimal(1))
                if self.laporan_keuangan is not None:
                    keu = self.laporan_keuangan(year, opd.kode, s.kode, q, keu)
                out[q].append(self._kinerja_row(
                    year, q, opd.kode, "sub_kegiatan", s.kode, s.indikator, spelled,
                    target, text_target, real, ("Tersedia" if q == 4 else "Dalam proses") if text_target else None,
                    None, keu, _q(min(100.0, 100 * a * share * rng.uniform(0.95, 1.05)), 2),
                    "Pengadaan terlambat karena gagal lelang" if a < 0.6 and q == 4 else None, text_in_target,
                ))  # fmt: skip
        for keg, items in sorted(by_keg.items()):
            nama = planner.nomen[nomenclature_key(items[0][0].kode)]["nama_kegiatan"]
            mean_a = sum(a for _, a in items) / len(items)
            for q in (1, 2, 3, 4):
                real = _q(min(100.0, 100 * mean_a) * CUMULATIVE_SHARE[q - 1], 2)
                out[q].append(self._kinerja_row(
                    year, q, opd.kode, "kegiatan", keg, f"Persentase {_title(nama)} yang Terlaksana Sesuai Rencana",
                    "%", Decimal(100), None, real, None, None, None, None, None, text_in_target,
                ))  # fmt: skip
        names = {r["kode_program"]: r["nama_program"] for r in planner.nomen.values()}
        for prog, achievements in sorted(by_prog.items()):
            nama = _title(names.get("X.XX" + prog[4:] if prog[5:7] == "01" else prog, prog))
            nama = nama.removeprefix("Program ")
            plan = self.plans[(opd.kode, prog)]
            spec = OUTCOMES.get(plan.indikator or "")
            text_program = spec is None and self.rng("teks", year, opd.kode, prog).random() < 0.1
            mean_a = sum(achievements) / len(achievements)
            for q in (1, 2, 3, 4):
                if spec is not None:
                    target = _q(
                        self.kota_value(spec.kode, year - 1) + spec.better * (spec.trend + 0.4), 2
                    )
                    row = self._kinerja_row(
                        year, q, opd.kode, "program", prog, self.indikator[spec.kode]["nama_indikator"],
                        "%", target, None, _q(self.kota_value(spec.kode, year), 2) if q == 4 else None,
                        None, "naik" if spec.better > 0 else "turun", None, None, None, text_in_target,
                    )  # fmt: skip
                elif text_program:
                    row = self._kinerja_row(
                        year, q, opd.kode, "program", prog, f"Meningkatnya Kualitas {nama}", None, None,
                        f"Meningkatnya kualitas {nama.lower()}", None, "Meningkat" if q == 4 else None,
                        "naik", None, None, None, text_in_target,
                    )  # fmt: skip
                else:
                    row = self._kinerja_row(
                        year, q, opd.kode, "program", prog, f"Persentase Sasaran {nama} yang Tercapai",
                        "%", Decimal(100), None, _q(min(100.0, 100 * mean_a), 2) if q == 4 else None,
                        None, "naik", None, None, None, text_in_target,
                    )  # fmt: skip
                out[q].append(row)
        return out

    @staticmethod
    def _kinerja_row(
        year: int, q: int, kode_skpd: str, tingkat: str, kode: str, indikator: str, satuan: str | None,
        target: Decimal | None, target_teks: str | None, realisasi: Decimal | None, realisasi_teks: str | None,
        arah: str | None, keuangan: Decimal | None, fisik: Decimal | None, keterangan: str | None,
        text_in_target: bool,
    ) -> dict[str, Any]:  # fmt: skip
        row: dict[str, Any] = {
            "tahun": year, "triwulan": str(q), "kode_skpd": kode_skpd, "tingkat": tingkat,
            "kode_nomenklatur": kode, "indikator": indikator, "satuan": satuan,
            "target": target, "target_teks": target_teks, "realisasi": realisasi,
            "realisasi_teks": realisasi_teks, "arah": arah, "realisasi_keuangan_rp": keuangan,
            "realisasi_fisik_persen": fisik, "keterangan": keterangan,
        }  # fmt: skip
        if text_in_target and target_teks and target is None:
            row["target"], row["target_teks"] = target_teks, None
        return row

    # -- beneficiaries -------------------------------------------------------------------------

    def write_bansos(self, landing: Path, emit: Emit, year: int) -> None:
        self._simulate_outcomes()
        for program, (sub, (lo, hi), n_base, (age_lo, age_hi)) in sorted(BANSOS.items()):
            rng = self.rng("bansos", program, year)
            people = self._recipients(
                rng, program, year, max(150, round(n_base * min(self.scale, 1.0))), age_lo, age_hi
            )
            rows = []
            amount = Decimal(rng.randrange(lo, hi + 1, 300_000))
            for p in people:
                rows.append({
                    "tahun": year, "nik": p["nik"], "nama": p["nama"],
                    "tanggal_lahir": p["tanggal_lahir"], "jenis_kelamin": p["jk"],
                    "kode_kelurahan": p["kelurahan"], "program_bansos": program,
                    "kode_sub_kegiatan": sub, "nilai_bantuan_rp": amount,
                })  # fmt: skip
            # operators' mistakes: malformed and out-of-town NIKs, Excel's scientific notation,
            # a row sent twice and two rows for one person with different amounts
            for i, r in enumerate(rows):
                x = rng.random()
                if x < 0.004:
                    r["nik"] = r["nik"][:-1]
                elif x < 0.007:
                    r["nik"] = "6403" + r["nik"][4:]
                elif x < 0.009:
                    r["nik"] = f"{int(r['nik']) / 1e15:.5f}".rstrip("0").replace(".", ",") + "E+15"
                if i == 7:
                    rows.append(dict(r))
                if i == 11:
                    rows.append({**r, "nilai_bantuan_rp": r["nilai_bantuan_rp"] + 300_000})
            rel = f"dinsos/penerima_bansos/{year}/penerima_bansos_{program.lower()}"
            if program == "PERMAKANAN":
                rel += ".xlsx"
                for r in rows:
                    d = r["tanggal_lahir"]
                    r["tanggal_lahir"] = f"{d.day} {BULAN_ID[d.month - 1]} {d.year}"
                _write_xlsx(
                    landing / rel,
                    BANSOS_HEADER,
                    rows,
                    [
                        "DAFTAR PENERIMA PERMAKANAN LANSIA",
                        f"Dinas Sosial {kota()[1]} Tahun {year}",
                    ],
                )
                emit(rel, None, len(rows), landing / rel)
            else:
                rel += ".csv"
                emit(rel, _csv_bytes(BANSOS_HEADER, rows, ";", True, dmy=True), len(rows))

    def _recipients(
        self, rng: random.Random, program: str, year: int, n: int, age_lo: int, age_hi: int
    ) -> list[dict[str, Any]]:
        """Recipients per kelurahan in proportion to poor population × coverage; three in four of
        last year's recipients stay on the list."""
        kels = sorted(self.kelurahan.values(), key=lambda k: k.kode)
        w = [
            k.nilai[("persentase_penduduk_miskin", year)] * k.penduduk[year] * k.coverage
            for k in kels
        ]
        previous = self.people.get(f"{program}:{year - 1}", [])
        stay = [p for p in previous if rng.random() < 0.75]
        used = {p["nik"] for p in stay}
        people = list(stay)
        while len(people) < n:
            kel = rng.choices(kels, weights=w)[0]
            jk = "P" if rng.random() < 0.6 else "L"
            age = rng.randint(age_lo, age_hi)
            born = dt.date(year - age, rng.randint(1, 12), rng.randint(1, 28))
            day = born.day + (40 if jk == "P" else 0)
            nik = f"{kota()[0].replace('.', '')}{kel.kode_kecamatan[-2:]}{day:02d}{born.month:02d}{born.year % 100:02d}{rng.randint(1, 9999):04d}"
            if nik in used:
                continue
            used.add(nik)
            first = rng.choice(NAMA_DEPAN_P if jk == "P" else NAMA_DEPAN_L)
            people.append(
                {
                    "nik": nik,
                    "nama": f"{first} {rng.choice(NAMA_BELAKANG)}",
                    "tanggal_lahir": born,
                    "jk": jk,
                    "kelurahan": kel.kode,
                }
            )
        people.sort(key=lambda p: (p["kelurahan"], p["nik"]))
        self.people[f"{program}:{year}"] = people
        return people

    # -- the truth -----------------------------------------------------------------------------

    def _in_window(
        self,
        per_year: dict[tuple[str, str, int], set[str]],
        p: ProgramPlan,
        year: int,
        jendela: int | None = None,
        sesudah: int | None = None,
    ) -> int:
        """Distinct kelurahan of `per_year` for program p over the evidence window of `year`
        (the effect method's jendela_tahun_bukti years up to `year` and jendela_tahun_bukti_sesudah
        years after it, read from its seed), counting a kelurahan only in the years its change of
        p's indicator can be measured: its value is in the producer's file that year and the year
        before (outcome_gaps)."""
        aturan = parameters("ref_aturan_dampak")
        jendela = jendela or int(aturan["jendela_tahun_bukti"])
        sesudah = int(aturan["jendela_tahun_bukti_sesudah"]) if sesudah is None else sesudah
        measured = {
            (kel, y)
            for y in range(year - jendela + 1, year + sesudah + 1)
            for kel in per_year.get((p.kode_skpd, p.kode_program, y), set())
            if y - 1 in self.outcome_years
            and (kel, p.indikator) not in self._gaps(y)
            and (kel, p.indikator) not in self._gaps(y - 1)
        }
        return len({kel for kel, _ in measured})

    def _gaps(self, year: int) -> set[tuple[str, str]]:
        if year not in self._gap_cache:
            self._gap_cache[year] = self.outcome_gaps(year)
        return self._gap_cache[year]

    def truth(self) -> dict[str, Any]:
        self._simulate_outcomes()
        landing: dict[tuple[str, str], set[int]] = defaultdict(set)
        for (_, o, p), ys in self.effect_years.items():
            landing[(o, p)] |= ys
        return {
            "tanpa_efek": self.tanpa_efek,
            "catatan": (
                "Kebenaran tersembunyi demo: dipakai uji untuk mengukur presisi dan recall "
                "klasifikasi mart, tidak pernah dibaca model dbt."
            ),
            "program": [
                {
                    "kode_skpd": p.kode_skpd,
                    "kode_program": p.kode_program,
                    "kelas": TIDAK_EFEKTIF if self.tanpa_efek and p.kelas == EFEKTIF else p.kelas,
                    "indikator": p.indikator,
                    "terukur_per_kelurahan": p.spatial,
                    "keluaran_tidak_tercapai": p.misses_outputs,
                    "tahun": sorted(set(self.present[(p.kode_skpd, p.kode_program)])),
                    # outcome years in which this program's planted effect shows (none in the
                    # placebo world, none before capital works can matter)
                    "tahun_dampak": sorted(landing[(p.kode_skpd, p.kode_program)]),
                    # of those, the years it shows in at least JANGKAUAN_MIN kelurahan with a
                    # measured change within the evidence window (ref_aturan_dampak.
                    # jendela_tahun_bukti and jendela_tahun_bukti_sesudah: that year, the one
                    # before and the one after): enough to be seen at the minimum evidence size
                    # (the rest is planted but too small to be seen)
                    "tahun_dampak_terlihat": sorted(
                        y
                        for y in landing[(p.kode_skpd, p.kode_program)]
                        if self._in_window(self.effect_kelurahan, p, y) >= JANGKAUAN_MIN
                    ),
                    # outcome years in which its money lands in a kelurahan with a measured change
                    # (this year) and in at least JANGKAUAN_MIN such kelurahan within the evidence
                    # window: the years its outcome effect, or the lack of one, can be judged
                    "tahun_terukur": sorted(
                        y
                        for y in self.outcome_years
                        if self._in_window(self.landed_kelurahan, p, y, jendela=1, sesudah=0)
                        and self._in_window(self.landed_kelurahan, p, y) >= JANGKAUAN_MIN
                    ),
                }
                for _, p in sorted(self.plans.items())
            ],
            "kelurahan_kurang_terlayani": sorted(
                k.kode for k in self.kelurahan.values() if k.underserved
            ),
            "wilayah_sasaran": [
                {"tahun": y, "kode_skpd": o, "kode_program": p, "kelurahan": ks}
                for (y, o, p), ks in sorted(self.treated.items())
            ],
        }


# ---------------------------------------------------------------------------------------------
# writers (headers are the contracts' first human alias, as OPDs would type them)

BULAN_ID = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
    "Oktober", "November", "Desember",
)  # fmt: skip
KINERJA_HEADER = [
    ("tahun", "Tahun Anggaran"), ("triwulan", "Triwulan"), ("kode_skpd", "Kode SKPD"),
    ("tingkat", "Tingkat"), ("kode_nomenklatur", "Kode"), ("indikator", "Indikator"),
    ("satuan", "Satuan"), ("target", "Target"), ("target_teks", "Target Teks"),
    ("realisasi", "Realisasi"), ("realisasi_teks", "Realisasi Teks"), ("arah", "Arah"),
    ("realisasi_keuangan_rp", "Realisasi Keuangan (Rp)"),
    ("realisasi_fisik_persen", "Realisasi Fisik (%)"), ("tanggal_laporan", "Tanggal Laporan"),
    ("keterangan", "Keterangan"),
]  # fmt: skip
OUTCOME_HEADER = [
    ("tahun", "Tahun"), ("kode_wilayah", "Kode Wilayah"), ("nama_wilayah", "Nama Wilayah"),
    ("kode_indikator", "Kode Indikator"), ("sumber", "Sumber Data"), ("nilai", "Nilai"),
    ("satuan", "Satuan"), ("metode", "Metode"),
]  # fmt: skip
BANSOS_HEADER = [
    ("tahun", "Tahun"), ("nik", "NIK"), ("nama", "Nama Penerima"),
    ("tanggal_lahir", "Tanggal Lahir"), ("jenis_kelamin", "Jenis Kelamin"),
    ("kode_kelurahan", "Kode Kelurahan"), ("program_bansos", "Program Bantuan"),
    ("kode_sub_kegiatan", "Kode Sub Kegiatan"), ("nilai_bantuan_rp", "Nilai Bantuan (Rp)"),
]  # fmt: skip


def _cell(v: Any, indo: bool, dmy: bool) -> str:
    if v is None:
        return ""
    if isinstance(v, Decimal):
        s = format(v, "f")
        if indo:
            whole, _, frac = s.partition(".")
            neg = whole.startswith("-")
            whole = whole.lstrip("-")
            grouped = f"{int(whole):,}".replace(",", ".") if len(whole) > 3 else whole
            return ("-" if neg else "") + grouped + ("," + frac if frac else "")
        return s
    if isinstance(v, dt.date):
        return v.strftime("%d/%m/%Y") if dmy else v.isoformat()
    return str(v)


def _csv_bytes(
    header: list[tuple[str, str]],
    rows: list[dict[str, Any]],
    sep: str,
    indo: bool,
    dmy: bool = False,
) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=sep, lineterminator="\n")
    w.writerow([h for _, h in header])
    for r in rows:
        w.writerow([_cell(r.get(c), indo, dmy) for c, _ in header])
    return buf.getvalue().encode("utf-8")


def _write_xlsx(
    path: Path, header: list[tuple[str, str]], rows: list[dict[str, Any]], titles: list[str]
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"in_memory": True})
    wb.set_properties(
        {"title": titles[0], "author": f"Pemerintah {kota()[1]}", "created": FIXED_CREATED}
    )
    ws = wb.add_worksheet("Data")
    bold = wb.add_format({"bold": True})
    head = wb.add_format({"bold": True, "border": 1, "bg_color": "#D9E1F2", "text_wrap": True})
    for i, t in enumerate(titles):
        ws.write_string(i, 0, t, bold)
    hr = len(titles) + 1
    for j, (_, h) in enumerate(header):
        ws.write_string(hr, j, h, head)
    for i, r in enumerate(rows, start=hr + 1):
        for j, (c, _) in enumerate(header):
            v = r.get(c)
            if v is None:
                continue
            if isinstance(v, Decimal):
                ws.write_number(i, j, float(v))
            elif isinstance(v, int) and not isinstance(v, bool):
                ws.write_number(i, j, v)
            elif isinstance(v, dt.date):
                ws.write_string(i, j, v.strftime("%d/%m/%Y"))
            else:
                ws.write_string(i, j, str(v))
    ws.set_column(0, len(header) - 1, 16)
    wb.close()
