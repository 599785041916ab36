"""Allocation scenarios: next year's APBD per OPD × program under a ceiling (pure, no Dagster).

What a planner gets
-------------------
`compute_skenario(dasar, tier, aturan, tahun=2026, pagu_total=3_183_000_000_000)` proposes a pagu
per OPD × program from last year's allocation, the evidence tier of each program and the
mandatory-spending rules, and explains every change in Indonesian. `simpan_skenario` writes it to
the scenario store (`data/scenarios/<id>.parquet` + `_indeks.json`), `write_xlsx` writes a
workbook a planner can open. The published mart is never written: the next publish picks the
store up as the dbt source `skenario.alokasi` and ships it as `marts.mart_skenario_alokasi`
(see `dbt/models/staging/skenario/`).

Inputs (read by `load_from_mart` from the published mart, read-only)
--------------------------------------------------------------------
- base: `marts.mart_kepatuhan_belanja_program` at the latest budget position of the base year
  (the year before `tahun`, else the latest earlier year; tahap = the last phase that year, i.e.
  pagu akhir): per OPD × program the total, belanja pegawai (5.1.01: committed, never cut),
  belanja transfer (5.4: committed), the infrastructure part and whether the program counts for
  education (fungsi 08);
- tiers: `marts.mart_prioritas_alokasi` (columns used: tahun, kode_skpd, kode_program, tier A–D;
  the newest row per program with tahun <= `tahun`); a program without a tier is treated as B;
- rules: `reference.ref_belanja_wajib` (thresholds, `dipakai_skenario`, berlaku_mulai);
- what may not move (`load_kebijakan`, issue 10): `reference.ref_lantai_skenario` (the floors and
  their legal basis, percent of the base amount), `ref_kontrak_tahun_jamak` (multi-year contract
  obligations per fiscal year), `ref_sumber_dana_terikat` (earmarked sources, for the reasons);
  the rupiah per program come with the base (terikat_rp, spm_rp, btt_rp and their infrastructure
  parts, computed in mart_kepatuhan_belanja_program);
- what counts as infrastructure: the base's infrastruktur_rp is the numerator the compliance mart
  reports; a multi-year contract's account is classified by the same seed,
  `reference.ref_infrastruktur_akun`, with the mart's rule (`Kebijakan.infrastruktur`): no
  account code list lives in this module;
- the base (`--dasar`): the base year's murni (default: KUA-PPAS N+1 is drafted before the
  APBD-P of N) or its final position (perubahan);
- a program the tier mart marks outside the tiers (a boolean `di_luar_tier`/`dinilai_tier`
  column, see KOLOM_DI_LUAR_TIER) is never cut or grown by tier.

The allocation rule (deterministic, exact, whole rupiah)
--------------------------------------------------------
Each program's budget is split into a locked part (staff + transfers, and the floors of
ref_lantai_skenario: earmarked non-staff money stays in its program, BTT and the SPM sub kegiatan
keep their base amount, a multi-year contract's obligation that year; each with its reason and
legal basis in `HasilSkenario.kunci`), an infrastructure part and the rest. Money moves only in
the last two; a locked part above last year's program grows the program to it.
1. Protection: tier A and `--lindungi` programs keep at least `persen_perlindungan` (100 %) of
   last year's pagu.
2. Floors first: for every enforced floor (education ≥ 20 % of the total, infrastructure ≥ 40 % of
   the total minus transfers, each per-OPD floor) the required amount is computed for the new
   total. A class short of it is topped up: programs that also help another short floor first,
   then the best tier (A, B, C, D), in proportion to last year's pagu.
3. Cuts (total below what is allocated): tier D first, then C, then B, never A or protected
   programs. Within a tier every program loses the same fraction of what it can lose, except
   that a floor never goes below its requirement: when a floor's slack is used up, its
   programs (or their infrastructure part) are held and the rest of the tier carries the cut.
   Floors are held by the programs cut last, B (and A) before C before D: after the cut, what
   a floor kept in a tier D program above the level its tier was cut to moves to the floor's
   tier A and B programs (growth as in rule 4: A up to +tambah_maks['A'], B up to
   +tambah_maks['B'], then both in proportion to last year), or to its C programs when it has
   no A or B program; then the same for tier C (to A and B only). A move counts only programs
   that serve every floor the mover holds, so it changes neither the total nor any floor. A
   floor with no better program keeps the money where it is, and the reason says so. Hence,
   unless a floor has no better program, tier D keeps no larger share of what it could lose
   than C, nor C than B (tests/test_scenario.py, the floor-order tests).
4. Growth (total above): tier A first, up to +`tambah_maks['A']` (20 %), then B up to
   +`tambah_maks['B']` (10 %), then A and B together in proportion to their pagu.
5. Whole rupiah: amounts are computed as exact fractions, rounded down, and the left-over rupiah
   go first to any floor that rounding pushed below its requirement, then by largest remainder
   (ties in kode_skpd, kode_program order), so the total equals the ceiling exactly.
6. The staff cap (belanja pegawai ≤ 30 %) is checked, not enforced: staff costs are never cut,
   so when committed staff alone exceeds the cap the scenario reports the conflict and its size
   in rupiah instead of breaking the commitment.
A ceiling too small for the locked and protected spending and the floors raises
`SkenarioTidakLayak` naming each binding floor in rupiah, with the smallest workable total and
the shortfall. The rules enforced by default are those in force in the scenario year
(`hanya_aturan_wajib`); later ones on request. `skenario_bawaan` is the default scenario each
publish ships (dbt/models/marts/prioritas/mart_skenario_bawaan.py).

Design note: the tier rule (`mart_prioritas_alokasi`, drill-down `mart_prioritas_sub_kegiatan`)
-----------------------------------------------------------------------------------------------
Weights and thresholds are in `dbt/seeds/ref_aturan_tier.csv` (one row per parameter with its
description); the models read them with `ref('ref_aturan_tier')` (macro `aturan_tier_pivot`),
never as literals, and share the rule through the macros in `dbt/macros/tier_bukti.sql`. Per OPD
× program × year, from `mart_kinerja_program`, `mart_kinerja_sub_kegiatan` and
`mart_kebutuhan_wilayah`:
- the program's verdict (klasifikasi of `mart_kinerja_program`, issue 10): serapan_rendah (the
  money inside the tiers, BTT and transfers left out, below 60 %), tidak_efektif (outputs missed
  with the money absorbed, or evidence of no effect: the whole effect interval below the smallest
  meaningful effect), efektif (the whole interval above 0), belum_cukup_bukti (too little
  evidence, or an interval holding both 0 and a meaningful effect). The effect method
  (`int_program_outcome_compared`, parameters in `ref_aturan_dampak`, lags in `ref_belanja_bukti`):
  located spending judged after its lag (belanja modal a year later), kelurahan shared with
  another program serving the indicator left out and listed, the change regressed on last year's
  level over untouched kelurahan (regression to the mean), a realisation-weighted mean residual,
  and a deterministic permutation interval (the same rupiah placed at random on comparison
  kelurahan); below kelurahan_sasaran_min kelurahan or belanja_sasaran_min_rp it is never
  efektif or tidak_efektif;
- five component scores in [0, 1], null when not measurable: serapan (serapan_dinilai_persen: 1
  inside [serapan_sehat_min, 100], falling linearly to 0 at serapan_rendah and at
  serapan_lebih), capaian keluaran (0 at or below capaian_keluaran_buruk, 1 at 100 % or more),
  dampak outcome (1 when the effect is seen, 0 with evidence of no effect, null otherwise: not
  significant is not failed), biaya per keluaran (realisation-weighted ratio to the peer median,
  1 at or below 1, 0 at or above rasio_biaya_mahal), kebutuhan wilayah (realisation-weighted need
  percentile of the kelurahan served); skor_bukti = weighted mean of those present;
- mutu_data = share of the program's sub kegiatan with a measurable output; history:
  tahun_riwayat = budget years with a pagu; a program is new when tahun_riwayat <
  tahun_riwayat_min while the warehouse holds that many years.
Tier, the first rule that applies (macro `tier_bukti`); it never contradicts the verdict
(dbt test assert_tier_sejalan_klasifikasi, GX rules on both marts):
  0. all money BTT or transfers (ref_belanja_bukti.dinilai_tier false) → no tier, `ditier` false,
     outside the scenario's cuts; a program's BTT part is left out of its serapan;
  1. program penunjang → B; 2. pagu akhir 0 → C; 3. serapan_rendah (waste shown by SP2D
     against the DPA, not by the OPD's reports) → D when the program is not new, else C;
  4. no measurable output → B if efektif, else C; 5. tidak_efektif (evidence of waste from the
     outputs or the outcome) → D when the program is not new and mutu_data ≥ mutu_data_min_d,
     else C; 6. new program → B; 7. efektif with skor ≥ ambang_a and mutu_data ≥
     mutu_data_min_a → A, other efektif → B; 8. skor ≥ ambang_b → B; 9. else C (never D without
     evidence).
Each row carries `alasan` (the deciding rule, the effect sentence of mart_kinerja_program word
for word, then every component figure) and the figures as columns. The sub kegiatan drill-down
judges its own absorption and outputs and inherits its program's effect verdict. Edge cases are
dbt unit tests (`int_prioritas_alokasi_tiered` in `_intermediate__unit_tests.yml`); measured against the generator's planted
truth (efektif where the planted effect shows that year; D vs tidak_efektif ∪ serapan_rendah) in
tests/test_pipeline.py, and on the placebo world in tests/test_placebo_pipeline.py.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from dagster_project.lib.core.fmt import rupiah

ENGINE_VERSION = "3"  # 3: floors held by B before C before D (issue 10)
TIERS = ("A", "B", "C", "D")
TIER_LABEL = {
    "A": "pertahankan/tambah",
    "B": "pertahankan",
    "C": "tinjau ulang",
    "D": "kandidat pemotongan",
}
URUTAN_POTONG = ("D", "C", "B")
MART_SKENARIO = "mart_skenario_alokasi"
TABEL_TIER = "marts.mart_prioritas_alokasi"
# A scenario is one pemda's: the engine reads that pemda's rows of the marts and of the per-pemda
# seeds (ref_plafon_skenario, ref_kontrak_tahun_jamak). A mart or seed without kode_pemda (built
# before issue 12) is one pemda's as a whole: Kota Samarinda's.
KODE_PEMDA_BAWAAN = "64.72"
INDEKS = "_indeks.json"
_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")


# --------------------------------------------------------------------------------------------
# Errors (Indonesian messages a planner can act on)
# --------------------------------------------------------------------------------------------


class SkenarioError(ValueError):
    """The inputs of a scenario cannot be used; the message says why, in Indonesian."""


class SkenarioTidakLayak(SkenarioError):
    """No allocation meets the commitments and floors under this ceiling."""

    def __init__(self, message: str, *, pagu_total: int, pagu_minimal: int | None):
        super().__init__(message)
        self.pagu_total = pagu_total
        self.pagu_minimal = pagu_minimal

    @property
    def kekurangan_rp(self) -> int | None:
        if self.pagu_minimal is None:
            return None
        return self.pagu_minimal - self.pagu_total


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Aturan:
    """One row of reference.ref_belanja_wajib."""

    kode: str
    nama: str
    arah: str  # minimal | maksimal
    ambang_persen: Decimal
    berlaku_mulai: int
    berlaku_sampai: int | None
    dipakai_skenario: bool
    dasar_hukum: str = ""

    def wajib_pada(self, tahun: int) -> bool:
        return self.berlaku_mulai <= tahun and (
            self.berlaku_sampai is None or tahun <= self.berlaku_sampai
        )

    def status_pada(self, tahun: int) -> str:
        if tahun < self.berlaku_mulai:
            return f"belum wajib (berlaku mulai TA {self.berlaku_mulai})"
        if self.berlaku_sampai is not None and tahun > self.berlaku_sampai:
            return f"acuan (tidak lagi wajib sejak TA {self.berlaku_sampai + 1})"
        return "wajib"


@dataclass(frozen=True)
class OpsiSkenario:
    """What a planner may choose. Every field enters the scenario id."""

    lindungi: tuple[str, ...] = ()  # kode_program kept at least at last year's level (all OPDs)
    lantai_opd: tuple[tuple[str, int], ...] = ()  # (kode_skpd, minimum total in rupiah)
    persen_perlindungan: Decimal = Decimal(100)  # tier A / protected keep >= this % of base
    tambah_maks: tuple[tuple[str, Decimal], ...] = (("A", Decimal(20)), ("B", Decimal(10)))
    hanya_aturan_wajib: bool = True  # enforce only rules binding in `tahun` (False: also later)
    tier_bawaan: str = "B"  # tier of a program the tier table does not list

    def normalised(self) -> OpsiSkenario:
        lantai: dict[str, int] = {}
        for kode, nilai in self.lantai_opd:
            if kode in lantai and lantai[kode] != nilai:
                raise SkenarioError(
                    f"Lantai OPD {kode} diberikan dua kali dengan nilai berbeda; "
                    "sebutkan satu nilai saja."
                )
            lantai[kode] = int(nilai)
        return OpsiSkenario(
            lindungi=tuple(sorted(set(self.lindungi))),
            lantai_opd=tuple(sorted(lantai.items())),
            persen_perlindungan=Decimal(self.persen_perlindungan),
            tambah_maks=tuple((t, Decimal(p)) for t, p in self.tambah_maks),
            hanya_aturan_wajib=self.hanya_aturan_wajib,
            tier_bawaan=self.tier_bawaan,
        )


DASAR_COLUMNS = {
    "kode_skpd": pl.String,
    "nama_skpd": pl.String,
    "kode_program": pl.String,
    "nama_program": pl.String,
    "kode_fungsi": pl.String,
    "total_belanja_rp": pl.Decimal(18, 2),
    "belanja_pegawai_rp": pl.Decimal(18, 2),
    "belanja_pegawai_hkpd_rp": pl.Decimal(18, 2),
    "belanja_transfer_rp": pl.Decimal(18, 2),
    "pendidikan_rp": pl.Decimal(18, 2),
    "infrastruktur_rp": pl.Decimal(18, 2),
    # what the scenario may not move (see mart_kepatuhan_belanja_program); absent = none
    "terikat_rp": pl.Decimal(18, 2),
    "terikat_infrastruktur_rp": pl.Decimal(18, 2),
    "sumber_terikat": pl.String,
    "spm_rp": pl.Decimal(18, 2),
    "spm_infrastruktur_rp": pl.Decimal(18, 2),
    "btt_rp": pl.Decimal(18, 2),
}
# The base: last year's original APBD (default: the TAPD drafts KUA-PPAS N+1 in mid-year N, before
# the APBD-P of N) or its final position (perubahan, or a later pergeseran).
DASAR_PILIHAN = ("murni", "perubahan")


@dataclass(frozen=True)
class Lantai:
    """One row of reference.ref_lantai_skenario: a floor as a percent of its base amount."""

    kode: str  # btt | spm | sumber_dana_terikat | tahun_jamak
    nama: str
    persen: Decimal
    dasar_hukum: str
    keterangan: str = ""


@dataclass(frozen=True)
class Kontrak:
    """One row of reference.ref_kontrak_tahun_jamak: an obligation in one fiscal year."""

    nomor: str
    tahun: int
    kode_skpd: str
    kode_program: str
    nilai: Decimal
    nama: str = ""
    kode_sub_kegiatan: str | None = None
    kode_akun: str | None = None


@dataclass(frozen=True)
class DanaTerikat:
    """One row of reference.ref_sumber_dana_terikat (for the reasons and the workbook)."""

    kode_awalan: str
    kelompok: str
    peruntukan: str
    dasar_hukum: str


@dataclass(frozen=True)
class AkunInfrastruktur:
    """One row of reference.ref_infrastruktur_akun: whether an account prefix counts as
    infrastructure (UU HKPD Pasal 147), everywhere (`semua`) or outside support programs only
    (`program_layanan`)."""

    awalan_akun: str
    dihitung: bool
    cakupan_program: str


@dataclass(frozen=True)
class Kebijakan:
    """What the scenario may not move beyond staff and transfers: the floors of
    ref_lantai_skenario (a floor absent here is not applied), the multi-year contracts and the
    earmarked-source list; and the infrastructure accounts of ref_infrastruktur_akun (what part
    of a contract counts for the infrastructure floor). `Kebijakan()` applies none (hand-made
    tests of the tier rule)."""

    lantai: tuple[Lantai, ...] = ()
    kontrak: tuple[Kontrak, ...] = ()
    dana_terikat: tuple[DanaTerikat, ...] = ()
    infrastruktur_akun: tuple[AkunInfrastruktur, ...] = ()

    def infrastruktur(self, kode_akun: str | None, kode_program: str) -> bool:
        """Does spending on `kode_akun` in `kode_program` count as infrastructure? The rule of
        mart_kepatuhan_belanja_program (the numerator of the >= 40 % rule), on the same seed:
        the longest prefix of ref_infrastruktur_akun matching the account (the account itself or
        a prefix followed by a dot) decides; `program_layanan` rows count outside support
        programs (U.BB.01) only; an account no row matches does not count."""
        akun = kode_akun or ""
        cocok = [
            a
            for a in self.infrastruktur_akun
            if akun == a.awalan_akun or akun.startswith(a.awalan_akun + ".")
        ]
        if not cocok:
            return False
        a = max(cocok, key=lambda a: len(a.awalan_akun))
        penunjang = kode_program[5:7] == "01"
        return a.dihitung and (a.cakupan_program == "semua" or not penunjang)

    def persen(self, kode: str) -> Decimal | None:
        return next((x.persen for x in self.lantai if x.kode == kode), None)

    def dasar_hukum(self, kode: str) -> str:
        return next((x.dasar_hukum for x in self.lantai if x.kode == kode), "")


@dataclass(frozen=True)
class DataDasar:
    """Last year's allocation per OPD × program (columns as in DASAR_COLUMNS)."""

    tahun_dasar: int
    tahap_dasar: str
    program: pl.DataFrame
    kode_pemda: str = KODE_PEMDA_BAWAAN


def parse_rupiah_bulat(text: str) -> int:
    """Whole rupiah from a planner's input: `3183000000000` or `3.183.000.000.000` only.

    Anything else (decimals, `Rp`, `T`/`M` suffixes, commas, spaces) is refused with a message
    that shows both accepted forms: a wrong digit in a budget ceiling is worth a second look."""
    s = (text or "").strip()
    if re.fullmatch(r"[0-9]+", s) or re.fullmatch(r"[0-9]{1,3}(\.[0-9]{3})+", s):
        value = int(s.replace(".", ""))
        if value > 0:
            return value
    raise SkenarioError(
        f"Nilai rupiah {text!r} tidak dikenali. Tulis rupiah penuh tanpa satuan, mis. "
        "3183000000000 atau 3.183.000.000.000 (titik sebagai pemisah ribuan); bentuk seperti "
        "'Rp3,183 T', '3,183e12' atau angka desimal tidak diterima."
    )


# --------------------------------------------------------------------------------------------
# Reading the published mart (read-only connection)
# --------------------------------------------------------------------------------------------


def _table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? "
            "and table_name = ?",
            [schema, table],
        ).fetchall()[0][0]
    )


def _has_pemda(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".")
    return bool(
        con.execute(
            "select count(*) from information_schema.columns where table_schema = ? "
            "and table_name = ? and column_name = 'kode_pemda'",
            [schema, name],
        ).fetchall()[0][0]
    )


def pemda_tersedia(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The pemda whose budget the mart holds (mart_kepatuhan_belanja_program), sorted; a mart
    without kode_pemda holds Kota Samarinda's only."""
    table = "marts.mart_kepatuhan_belanja_program"
    if not _table_exists(con, *table.split(".")):
        return []
    if not _has_pemda(con, table):
        return [KODE_PEMDA_BAWAAN]
    return [
        r[0] for r in con.execute(f"select distinct kode_pemda from {table} order by 1").fetchall()
    ]


def pilih_pemda(con: duckdb.DuckDBPyConnection, kode_pemda: str | None) -> str:
    """`kode_pemda` when the mart holds it; None = the only pemda the mart holds (the rule of
    `contracts.pemda.choose_pemda`; a scenario has no default among several). Otherwise an
    Indonesian message listing the pemda it holds."""
    from dagster_project.lib.contracts.pemda import PemdaError, choose_pemda

    try:
        return choose_pemda(pemda_tersedia(con), kode_pemda, where="di mart terbit") or (
            KODE_PEMDA_BAWAAN
        )
    except PemdaError as exc:
        raise SkenarioError(exc.message + " Skenario dibuat per pemda.") from exc


def _dan_pemda(con: duckdb.DuckDBPyConnection, table: str, kode_pemda: str) -> tuple[str, list]:
    """(`and kode_pemda = ?`, [kode_pemda]) when `table` has the column, else ('', [])."""
    if _has_pemda(con, table):
        return " and kode_pemda = ?", [kode_pemda]
    return "", []


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> pl.DataFrame:
    # DuckDB 2.0: a relation (`sql`) converts to Polars; a DB-API result (`execute`) does not.
    return con.sql(sql, params=params).pl()


def load_aturan(con: duckdb.DuckDBPyConnection) -> list[Aturan]:
    """The rules of reference.ref_belanja_wajib."""
    if not _table_exists(con, "reference", "ref_belanja_wajib"):
        raise SkenarioError(
            "Tabel reference.ref_belanja_wajib tidak ada di mart terbit; jalankan pipeline "
            "(apbd run) dengan versi proyek yang memuat konfigurasi belanja wajib."
        )
    rows = con.execute(
        "select kode_aturan, nama_aturan, arah, ambang_persen, berlaku_mulai, berlaku_sampai, "
        "dipakai_skenario, dasar_hukum from reference.ref_belanja_wajib order by kode_aturan"
    ).fetchall()
    return [
        Aturan(
            kode=r[0],
            nama=r[1],
            arah=r[2],
            ambang_persen=Decimal(r[3]),
            berlaku_mulai=int(r[4]),
            berlaku_sampai=None if r[5] is None else int(r[5]),
            dipakai_skenario=bool(r[6]),
            dasar_hukum=r[7] or "",
        )
        for r in rows
    ]


def load_dasar(
    con: duckdb.DuckDBPyConnection,
    tahun: int,
    dasar: str = "murni",
    kode_pemda: str | None = None,
) -> DataDasar:
    """Last year's allocation of pemda `kode_pemda` (None: the only one in the mart) in the
    newest budget year before `tahun`: its original APBD (`dasar="murni"`, the default) or its
    final position (`dasar="perubahan"`: the perubahan, or a later pergeseran). Columns of
    DASAR_COLUMNS the mart lacks (an older mart) are zero."""
    if dasar not in DASAR_PILIHAN:
        raise SkenarioError(
            f"Dasar skenario harus 'murni' atau 'perubahan', bukan {dasar!r}: murni = APBD murni "
            "tahun dasar, perubahan = posisi akhir tahun dasar (perubahan/pergeseran terakhir)."
        )
    if not _table_exists(con, "marts", "mart_kepatuhan_belanja_program"):
        raise SkenarioError(
            "Tabel marts.mart_kepatuhan_belanja_program tidak ada di mart terbit; jalankan "
            "pipeline (apbd run) dengan versi proyek terbaru."
        )
    pemda = pilih_pemda(con, kode_pemda)
    dan, p = _dan_pemda(con, "marts.mart_kepatuhan_belanja_program", pemda)
    found = con.execute(
        "select max(tahun) from marts.mart_kepatuhan_belanja_program "
        f"where tahun < ? and tahap <> 'realisasi'{dan}",
        [tahun, *p],
    ).fetchall()[0][0]
    if found is None:
        raise SkenarioError(
            f"Tidak ada data anggaran sebelum TA {tahun} di mart terbit; skenario memerlukan "
            "alokasi tahun sebelumnya sebagai dasar."
        )
    where = "tahap = 'murni'" if dasar == "murni" else "tahap <> 'realisasi'"
    row = con.execute(
        "select tahap from marts.mart_kepatuhan_belanja_program where tahun = ? "
        f"and {where}{dan} order by urutan_tahap desc limit 1",
        [found, *p],
    ).fetchall()
    if not row:
        raise SkenarioError(
            f"TA {found} tidak memiliki anggaran murni di mart terbit; pilih --dasar perubahan."
        )
    tahap = row[0][0]
    ada = {r[0] for r in con.execute("describe marts.mart_kepatuhan_belanja_program").fetchall()}
    cols = ", ".join(c if c in ada else f"null as {c}" for c in DASAR_COLUMNS)
    frame = _frame(
        con,
        f"select {cols} from marts.mart_kepatuhan_belanja_program where tahun = ? and tahap = ?"
        f"{dan} order by kode_skpd, kode_program",
        [found, tahap, *p],
    )
    return DataDasar(int(found), tahap, frame.cast(DASAR_COLUMNS), pemda)


# A boolean column of the tier mart that marks rows outside the tiers (not programs: BTT, ...);
# the first present is read: true in a `di_luar_tier`-like column, false in a `dinilai`-like one.
KOLOM_DI_LUAR_TIER = ("di_luar_tier", "bukan_program", "tidak_dinilai")
KOLOM_DINILAI_TIER = ("dinilai_tier", "bertier", "dinilai")


def load_tier(
    con: duckdb.DuckDBPyConnection, tahun: int, kode_pemda: str | None = None
) -> pl.DataFrame:
    """Program tiers of pemda `kode_pemda` (None: the only one in the mart) from
    marts.mart_prioritas_alokasi: the newest row per (kode_skpd,
    kode_program) with tahun <= `tahun`. Program-level rows only when the table also holds sub
    kegiatan rows (a null `kode_sub_kegiatan`, or `tingkat = 'program'`). When the mart marks
    rows as outside the tiers (KOLOM_DI_LUAR_TIER / KOLOM_DINILAI_TIER), the frame carries
    `di_luar_tier`: such rows are never cut or grown by tier."""
    if not _table_exists(con, "marts", "mart_prioritas_alokasi"):
        raise SkenarioError(
            f"Tabel bukti {TABEL_TIER} belum ada di mart terbit, jadi tier program (A–D) belum "
            "bisa dibaca. Tabel itu dibangun dan diterbitkan oleh pipeline (apbd run) dari mart "
            "kinerja; mart terbit ini lebih lama. Jalankan pipeline lagi, atau berikan tier dari "
            "berkas CSV (kode_skpd,kode_program,tier) dengan --tier-berkas."
        )
    cols = {r[0] for r in con.execute(f"describe {TABEL_TIER}").fetchall()}
    missing = {"tahun", "kode_skpd", "kode_program", "tier"} - cols
    if missing:
        raise SkenarioError(
            f"Tabel {TABEL_TIER} tidak memiliki kolom {', '.join(sorted(missing))}; mesin "
            "skenario memerlukan tahun, kode_skpd, kode_program dan tier."
        )
    where, params = ["tahun <= ?"], [tahun]
    if "kode_pemda" in cols:
        where.append("kode_pemda = ?")
        params.append(pilih_pemda(con, kode_pemda))
    if "kode_sub_kegiatan" in cols:
        where.append("kode_sub_kegiatan is null")
    if "tingkat" in cols:
        where.append("tingkat = 'program'")
    flag = next((f"coalesce({c}, false)" for c in KOLOM_DI_LUAR_TIER if c in cols), None) or next(
        (f"not coalesce({c}, true)" for c in KOLOM_DINILAI_TIER if c in cols), None
    )
    extra = f", {flag} as di_luar_tier" if flag else ""
    frame = _frame(
        con,
        f"select * exclude (n) from ("
        f"  select kode_skpd, kode_program, tier{extra}, row_number() over ("
        f"    partition by kode_skpd, kode_program order by tahun desc) as n"
        f"  from {TABEL_TIER} where {' and '.join(where)}"
        f") where n = 1 order by kode_skpd, kode_program",
        params,
    )
    return normalise_tier(frame)


def load_tier_csv(path: Path) -> pl.DataFrame:
    """Tiers a planner supplies by hand: a CSV with kode_skpd, kode_program, tier."""
    try:
        frame = pl.read_csv(path, infer_schema=False)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise SkenarioError(f"Berkas tier {path} tidak dapat dibaca: {exc}") from exc
    missing = {"kode_skpd", "kode_program", "tier"} - set(frame.columns)
    if missing:
        raise SkenarioError(
            f"Berkas tier {path} harus memiliki kolom kode_skpd, kode_program, tier "
            f"(kurang: {', '.join(sorted(missing))})."
        )
    return normalise_tier(frame.select("kode_skpd", "kode_program", "tier"))


def normalise_tier(frame: pl.DataFrame) -> pl.DataFrame:
    """Trimmed upper-case tiers, one per program; anything but A–D is refused. An optional
    boolean `di_luar_tier` (not a program: never cut or grown by tier) is kept."""
    out = frame.select(
        pl.col("kode_skpd").cast(pl.String).str.strip_chars(),
        pl.col("kode_program").cast(pl.String).str.strip_chars(),
        pl.col("tier").cast(pl.String).str.strip_chars().str.to_uppercase(),
        *([pl.col("di_luar_tier").cast(pl.Boolean)] if "di_luar_tier" in frame.columns else []),
    )
    bad = out.filter(~pl.col("tier").is_in(list(TIERS)) | pl.col("tier").is_null())
    if bad.height:
        ex = ", ".join(f"{r[0]}/{r[1]}={r[2]!r}" for r in bad.head(5).iter_rows())
        raise SkenarioError(f"Tier harus A, B, C atau D; {bad.height} baris tidak: {ex}.")
    dup = out.group_by("kode_skpd", "kode_program").len().filter(pl.col("len") > 1)
    if dup.height:
        ex = ", ".join(
            f"{r[0]}/{r[1]}" for r in dup.sort("kode_skpd", "kode_program").head(5).rows()
        )
        raise SkenarioError(f"Tier ganda untuk program yang sama: {ex}; satu tier per program.")
    return out.sort("kode_skpd", "kode_program")


def load_kebijakan(con: duckdb.DuckDBPyConnection, kode_pemda: str | None = None) -> Kebijakan:
    """The floors, multi-year contracts (pemda `kode_pemda`'s; None: the only one in the mart),
    earmarked sources and infrastructure accounts of the reference seeds."""
    for table in (
        "ref_lantai_skenario",
        "ref_kontrak_tahun_jamak",
        "ref_sumber_dana_terikat",
        "ref_infrastruktur_akun",
    ):
        if not _table_exists(con, "reference", table):
            raise SkenarioError(
                f"Tabel reference.{table} tidak ada di mart terbit, jadi lantai skenario (dana "
                "terikat, BTT, SPM, kontrak tahun jamak, akun infrastruktur) belum bisa dibaca; "
                "jalankan pipeline (apbd run) dengan versi proyek terbaru."
            )
    lantai = tuple(
        Lantai(r[0], r[1], Decimal(r[2]), r[3] or "", r[4] or "")
        for r in con.execute(
            "select kode_lantai, nama_lantai, persen_dari_dasar, dasar_hukum, keterangan "
            "from reference.ref_lantai_skenario order by kode_lantai"
        ).fetchall()
    )
    dan, p = _dan_pemda(con, "reference.ref_kontrak_tahun_jamak", pilih_pemda(con, kode_pemda))
    kontrak = tuple(
        Kontrak(r[0], int(r[1]), r[2], r[3], Decimal(r[4]), r[5] or "", r[6], r[7])
        for r in con.execute(
            "select nomor_persetujuan, tahun_anggaran, kode_skpd, kode_program, nilai_rp, "
            "nama_pekerjaan, kode_sub_kegiatan, kode_akun from reference.ref_kontrak_tahun_jamak "
            f"where true{dan} order by tahun_anggaran, nomor_persetujuan",
            p,
        ).fetchall()
    )
    terikat = tuple(
        DanaTerikat(r[0], r[1], r[2] or "", r[3] or "")
        for r in con.execute(
            "select kode_awalan, kelompok, peruntukan, dasar_hukum "
            "from reference.ref_sumber_dana_terikat order by kode_awalan"
        ).fetchall()
    )
    infrastruktur = tuple(
        AkunInfrastruktur(r[0], bool(r[1]), r[2])
        for r in con.execute(
            "select awalan_akun, dihitung, cakupan_program "
            "from reference.ref_infrastruktur_akun order by awalan_akun"
        ).fetchall()
    )
    return Kebijakan(lantai, kontrak, terikat, infrastruktur)


def load_from_mart(
    con: duckdb.DuckDBPyConnection,
    tahun: int,
    dasar: str = "murni",
    kode_pemda: str | None = None,
) -> tuple[DataDasar, pl.DataFrame, list[Aturan], Kebijakan]:
    """Base allocation, tiers, rules and floors of one pemda (None: the only one in the mart)
    from one read-only connection to the mart."""
    return (
        load_dasar(con, tahun, dasar, kode_pemda),
        load_tier(con, tahun, kode_pemda),
        load_aturan(con),
        load_kebijakan(con, kode_pemda),
    )


# --------------------------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CekAturan:
    """A floor or cap evaluated on the proposal."""

    kode: str
    nama: str
    arah: str
    ambang_persen: Decimal
    pembilang_rp: Decimal
    penyebut_rp: Decimal
    batas_rp: Decimal
    porsi_persen: Decimal | None
    memenuhi: bool
    ditegakkan: bool
    status: str  # wajib / belum wajib / acuan
    keterangan: str

    @property
    def selisih_rp(self) -> Decimal:
        return self.pembilang_rp - self.batas_rp


@dataclass
class HasilSkenario:
    id_skenario: str
    tahun: int
    tahun_dasar: int
    tahap_dasar: str
    pagu_total: int
    opsi: OpsiSkenario
    baris: pl.DataFrame  # the mart_skenario_alokasi rows
    cek: list[CekAturan]
    konflik: list[str]
    catatan: list[str] = field(default_factory=list)
    # every locked rupiah: (kode_skpd, nama_skpd, kode_program, nama_program, jenis, rupiah,
    # uraian, dasar_hukum); jenis in JENIS_KUNCI
    kunci: list[tuple] = field(default_factory=list)

    @property
    def kode_pemda(self) -> str:
        """Whose scenario this is (the rows' kode_pemda; Samarinda's when there are none)."""
        if "kode_pemda" in self.baris.columns and self.baris.height:
            return str(self.baris["kode_pemda"][0])
        return KODE_PEMDA_BAWAAN

    def kunci_per_jenis(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for row in self.kunci:
            out[row[4]] += row[5]
        return dict(out)

    @property
    def parameter(self) -> dict[str, Any]:
        return {
            "tahun": self.tahun,
            "tahun_dasar": self.tahun_dasar,
            "tahap_dasar": self.tahap_dasar,
            "pagu_total_rp": self.pagu_total,
            "lindungi": list(self.opsi.lindungi),
            "lantai_opd": {k: v for k, v in self.opsi.lantai_opd},
            "persen_perlindungan": str(self.opsi.persen_perlindungan),
            "tambah_maks": {t: str(p) for t, p in self.opsi.tambah_maks},
            "hanya_aturan_wajib": self.opsi.hanya_aturan_wajib,
            "tier_bawaan": self.opsi.tier_bawaan,
            "versi_mesin": ENGINE_VERSION,
        }

    def perubahan_terbesar(self, n: int = 10) -> pl.DataFrame:
        """The `n` largest changes by absolute rupiah (ties by code), as a planner reads them."""
        return (
            self.baris.with_columns(pl.col("perubahan_rp").abs().alias("_abs"))
            .filter(pl.col("_abs") > 0)
            .sort(["_abs", "kode_skpd", "kode_program"], descending=[True, False, False])
            .head(n)
            .drop("_abs")
        )


# --------------------------------------------------------------------------------------------
# The allocation
# --------------------------------------------------------------------------------------------


@dataclass
class _Program:
    key: tuple[str, str]
    nama_skpd: str | None
    nama_program: str | None
    kode_fungsi: str | None
    tier: str
    tier_dari_tabel: bool
    dilindungi_permintaan: bool
    pagu_dasar: Decimal
    pegawai: Decimal
    pegawai_hkpd: Decimal
    transfer: Decimal
    tetap: int  # never moved: staff + transfers + every lock below, whole rupiah (rounded up)
    pendidikan: bool
    komitmen: int = 0  # staff + transfers, whole rupiah (rounded up)
    kunci: list[_Kunci] = field(default_factory=list)  # the other locked rupiah, with reasons
    di_luar_tier: bool = False  # not a program (BTT, ...): never cut or grown by tier

    @property
    def dilindungi(self) -> bool:
        return self.tier == "A" or self.dilindungi_permintaan

    @property
    def kunci_infra(self) -> int:
        return sum(k.infrastruktur for k in self.kunci)


@dataclass(frozen=True)
class _Kunci:
    """Rupiah of one program the scenario may not move, and why."""

    jenis: str  # sumber_dana_terikat | btt | spm | tahun_jamak
    nilai: int
    infrastruktur: int  # the part that counts as infrastructure
    uraian: str  # what it is, with the amounts it comes from
    dasar_hukum: str


@dataclass
class _Unit:
    """A movable part of one program: its infrastructure spending or the rest."""

    program: int
    jenis: str  # "infra" | "lain"
    dasar: int
    bawah: int  # lower bound (protection)
    kelas: frozenset[str]
    x: Fraction = Fraction(0)


def _dec(v: Any) -> Decimal:
    return Decimal(0) if v is None else Decimal(v)


def _ceil_int(d: Decimal) -> int:
    return int(d.to_integral_value(ROUND_CEILING))


def _round_int(d: Decimal) -> int:
    return int(d.to_integral_value(ROUND_HALF_UP))


def _persen_of(persen: Decimal, basis: Fraction | int, *, naik: bool) -> int:
    """persen % of basis in whole rupiah, rounded up (a floor) or down (a cap)."""
    exact = Fraction(persen) * Fraction(basis) / 100
    return (
        -((-exact.numerator) // exact.denominator) if naik else exact.numerator // exact.denominator
    )


class _Alokasi:
    """One run of the allocation rule at one ceiling (see the module docstring)."""

    def __init__(
        self,
        programs: list[_Program],
        infra: list[int],
        aturan: list[Aturan],
        opsi: OpsiSkenario,
        tahun: int,
    ):
        self.programs = programs
        self.opsi = opsi
        self.tahun = tahun
        self.aturan = {a.kode: a for a in aturan}
        self.ditegakkan = {
            a.kode
            for a in aturan
            if a.dipakai_skenario
            and a.arah == "minimal"
            and a.kode in ("pendidikan", "infrastruktur")
            and (a.wajib_pada(tahun) or not opsi.hanya_aturan_wajib)
        }
        lantai = dict(opsi.lantai_opd)
        self.lantai = lantai
        self.units: list[_Unit] = []
        prot = opsi.persen_perlindungan
        for i, p in enumerate(programs):
            pagu = _ceil_int(p.pagu_dasar)  # whole rupiah, never below last year
            infra_dasar = min(max(infra[i] - p.kunci_infra, 0), max(pagu - p.tetap, 0))
            lain_dasar = max(pagu - p.tetap - infra_dasar, 0)
            opd_kelas = {f"opd:{p.key[0]}"} if p.key[0] in lantai else set()
            edu = {"pendidikan"} if p.pendidikan else set()
            for jenis, dasar in (("infra", infra_dasar), ("lain", lain_dasar)):
                kelas = set(opd_kelas) | edu
                if jenis == "infra":
                    kelas.add("infrastruktur")
                bawah = 0
                if p.di_luar_tier:  # not a program: the tiers never cut it
                    bawah = dasar
                elif p.dilindungi:
                    bawah = min(dasar, _persen_of(prot, dasar, naik=True))
                self.units.append(_Unit(i, jenis, dasar, bawah, frozenset(kelas)))
        self.tetap_total = sum(p.tetap for p in programs)
        self.transfer_total = sum(p.transfer for p in programs)
        self.log: dict[int, list[tuple[str, Fraction, str]]] = defaultdict(list)
        # per tier, the share of its room the cut left to programs no floor held (see _potong)
        self.tersisa: dict[str, Fraction] = {t: Fraction(1) for t in URUTAN_POTONG}

    # -- floors ---------------------------------------------------------------------------------

    def kebutuhan(self, pagu_total: int) -> dict[str, int]:
        """Required amount per enforced floor class at this ceiling (whole rupiah, rounded up)."""
        req: dict[str, int] = {}
        if "pendidikan" in self.ditegakkan:
            a = self.aturan["pendidikan"]
            req["pendidikan"] = _persen_of(a.ambang_persen, pagu_total, naik=True)
        if "infrastruktur" in self.ditegakkan:
            a = self.aturan["infrastruktur"]
            basis = Fraction(pagu_total) - Fraction(self.transfer_total)
            req["infrastruktur"] = _persen_of(a.ambang_persen, max(basis, Fraction(0)), naik=True)
        for kode, nilai in self.lantai.items():
            req[f"opd:{kode}"] = nilai
        return req

    def _tetap_kelas(self, kelas: str) -> int:
        if kelas == "pendidikan":
            return sum(p.tetap for p in self.programs if p.pendidikan)
        if kelas.startswith("opd:"):
            kode = kelas[4:]
            return sum(p.tetap for p in self.programs if p.key[0] == kode)
        return sum(p.kunci_infra for p in self.programs)  # the locked infrastructure

    def jumlah_kelas(self, kelas: str) -> Fraction:
        return self._tetap_kelas(kelas) + sum(u.x for u in self.units if kelas in u.kelas)

    # -- the run --------------------------------------------------------------------------------

    def jalankan(self, pagu_total: int, *, catat: bool) -> Fraction:
        """Allocate; returns the rupiah that could not be cut (0 = feasible)."""
        for u in self.units:
            u.x = Fraction(u.dasar)
        self.log = defaultdict(list)
        req = self.kebutuhan(pagu_total)
        self._penuhi_lantai(req, catat=catat)
        sisa = Fraction(pagu_total - self.tetap_total) - sum(u.x for u in self.units)
        if sisa < 0:
            awal = [u.x for u in self.units]
            kurang = self._potong(-sisa, req, catat=catat)
            if kurang:
                return kurang
            self._naikkan_lantai(req, awal, catat=catat)
            if catat:
                self._catat_dijaga(req, awal)
        elif sisa > 0:
            self._tambah(sisa, catat=catat)
        return Fraction(0)

    def _penuhi_lantai(self, req: Mapping[str, int], *, catat: bool) -> None:
        for kelas in sorted(req, key=lambda k: (not k.startswith("opd:"), k)):
            kurang = req[kelas] - self.jumlah_kelas(kelas)
            if kurang <= 0:
                continue
            members = [u for u in self.units if kelas in u.kelas]
            if not members:
                raise SkenarioTidakLayak(
                    f"Batas {self._nama_kelas(kelas)} tidak dapat dipenuhi karena tidak ada "
                    "program yang dihitung untuknya di data dasar.",
                    pagu_total=0,
                    pagu_minimal=None,
                )
            # Tier A and B programs first (C and D only when the floor has no A or B program
            # with money); among them those that also help another floor that is short.
            pref = [
                u
                for u in members
                if self._tumbuh(u) and self.programs[u.program].tier in ("A", "B")
            ] or members
            short = {k for k in req if k != kelas and req[k] > self.jumlah_kelas(k)}
            most = max(len(u.kelas & short) for u in pref)
            group = [u for u in pref if len(u.kelas & short) == most]
            self._bagi_tambahan(group, kurang, ("lantai", kelas), catat=catat)

    def _potong(self, kurang: Fraction, req: Mapping[str, int], *, catat: bool) -> Fraction:
        """Cut `kurang` rupiah, tier D first, then C, then B; a unit whose floor has no slack left
        is held. Records in `self.tersisa` the share of its cuttable room each tier's programs
        that were never held keep (1: the tier was not reached, 0: cut to the bottom)."""
        budget = {k: self.jumlah_kelas(k) - req[k] for k in req}
        self.tersisa = {t: Fraction(1) for t in URUTAN_POTONG}
        for tier in URUTAN_POTONG:
            if kurang <= 0:
                break
            units = [u for u in self.units if self.programs[u.program].tier == tier]

            def room(u: _Unit) -> Fraction:
                return u.x - u.bawah

            def active(u: _Unit) -> bool:
                return room(u) > 0 and all(budget[k] > 0 for k in u.kelas if k in budget)

            live = [u for u in units if active(u)]
            while kurang > 0 and live:
                total = sum(room(u) for u in live)
                rho = min(Fraction(1), kurang / total)
                for k in budget:
                    in_k = sum(room(u) for u in live if k in u.kelas)
                    if in_k > 0:
                        rho = min(rho, budget[k] / in_k)
                self.tersisa[tier] *= 1 - rho
                for u in live:
                    cut = rho * room(u)
                    if not cut:
                        continue
                    u.x -= cut
                    kurang -= cut
                    for k in u.kelas:
                        if k in budget:
                            budget[k] -= cut
                    if catat:
                        self.log[u.program].append(("potong", cut, tier))
                live = [u for u in live if active(u)]
            if live and kurang <= 0:
                break
            if not live:  # every program of the tier that could lose money is at its bottom or held
                self.tersisa[tier] = Fraction(0)
        return max(kurang, Fraction(0))

    def _sasaran(self, u: _Unit, awal: Fraction) -> Fraction:
        """Where the cut leaves a unit of its tier that no floor holds (its tier's level)."""
        tier = self.programs[u.program].tier
        if tier not in URUTAN_POTONG or awal <= u.bawah:
            return awal
        return u.bawah + self.tersisa[tier] * (awal - u.bawah)

    def _pemegang(self, u: _Unit, kelas: frozenset[str]) -> list[_Unit]:
        """Who holds a floor's money instead of `u`: the units with money that count for every
        floor in `kelas`, of tier A and B; for a tier D unit, tier C ones when there is no A or
        B one."""
        calon = [v for v in self.units if v is not u and self._tumbuh(v) and kelas <= v.kelas]
        tier = self.programs[u.program].tier
        for lebih_baik in (("A", "B"), ("C",) if tier == "D" else ()):
            pool = [v for v in calon if self.programs[v.program].tier in lebih_baik]
            if pool:
                return pool
        return []

    def _naikkan_lantai(
        self, req: Mapping[str, int], awal: Sequence[Fraction], *, catat: bool
    ) -> None:
        """Floors are held by tier B (and A) before C before D (rule 3). After the cut, money a
        floor kept in a tier D or C program above its tier's level (`_sasaran`) moves to the
        floor's better programs (`_pemegang`), D first, then C, in code order. Each move is
        neutral for the total and for every floor: the receivers count for every floor the
        mover holds, and a floor of the mover with slack for the move needs none. The receivers
        were never cut (a floor without slack held them), so the money is growth
        (`_isi_pemegang`). A mover whose floors have no better program keeps its money."""
        for tier in ("D", "C"):
            for j, u in enumerate(self.units):
                p = self.programs[u.program]
                if p.tier != tier or p.dilindungi or p.di_luar_tier:
                    continue
                pindah = u.x - self._sasaran(u, awal[j])
                lantai = [k for k in u.kelas if k in req]
                if pindah <= 0 or not lantai:
                    continue
                ditahan = frozenset(k for k in lantai if self.jumlah_kelas(k) - req[k] < pindah)
                pool = self._pemegang(u, ditahan or frozenset(lantai))
                if not pool:
                    continue
                kelas = ",".join(sorted(ditahan or lantai))
                u.x -= pindah
                self._isi_pemegang(pool, pindah, kelas, catat=catat)
                if catat:
                    penerima = "/".join(sorted({self.programs[v.program].tier for v in pool}))
                    self.log[u.program].append(("potong", pindah, tier))
                    self.log[u.program].append(("dialihkan", pindah, kelas))
                    self.log[u.program].append(("penerima", Fraction(0), penerima))

    def _isi_pemegang(
        self, pool: Sequence[_Unit], jumlah: Fraction, kelas: str, *, catat: bool
    ) -> None:
        """Give a floor's money to its holders as growth (rule 4): tier A up to
        +tambah_maks['A'] of last year, B up to +tambah_maks['B'] (growth already given
        counts), then all of `pool` in proportion to last year's amounts."""

        def give(
            pairs: Sequence[tuple[_Unit, Fraction]], amount: Fraction, *, batas: bool
        ) -> Fraction:
            pairs = [(u, w) for u, w in pairs if w > 0]
            total = sum(w for _, w in pairs)
            if total <= 0 or amount <= 0:
                return amount
            given = min(amount, total) if batas else amount
            for u, w in pairs:
                add = given * w / total
                u.x += add
                if catat:
                    self.log[u.program].append(("lantai", add, kelas))
            return amount - given

        for tier, persen in self.opsi.tambah_maks:
            ruang = [
                (u, Fraction(u.dasar) * (100 + Fraction(persen)) / 100 - u.x)
                for u in pool
                if self.programs[u.program].tier == tier
            ]
            jumlah = give(ruang, jumlah, batas=True)
        give([(u, Fraction(u.dasar)) for u in pool], jumlah, batas=False)

    def _catat_dijaga(self, req: Mapping[str, int], awal: Sequence[Fraction]) -> None:
        """Log the units a floor kept above their tier's level (for the reasons)."""
        slack = {k: self.jumlah_kelas(k) - req[k] for k in req}
        for j, u in enumerate(self.units):
            held = [k for k in u.kelas if k in slack and slack[k] <= 0]
            if held and u.x > self._sasaran(u, awal[j]):
                self.log[u.program].append(("dijaga", Fraction(0), ",".join(sorted(held))))

    def _tambah(self, tambah: Fraction, *, catat: bool) -> None:
        self._bagi_tambahan(self.units, tambah, ("tambah", ""), catat=catat)

    def _tumbuh(self, u: _Unit) -> bool:
        """May grow with the tiers: had money and is a program (not BTT and the like)."""
        return bool(u.dasar) and not self.programs[u.program].di_luar_tier

    def _bagi_tambahan(
        self, units: Sequence[_Unit], tambah: Fraction, event: tuple[str, str], *, catat: bool
    ) -> None:
        """Share extra money over `units`: tier A up to +tambah_maks['A'] of last year, then B up
        to +tambah_maks['B'], then A and B together in proportion to last year's amounts; units
        without A or B share it in proportion (or equally when none had money)."""
        jenis, kelas = event
        caps = dict(self.opsi.tambah_maks)

        def give(pool: Sequence[_Unit], amount: Fraction, label: str) -> None:
            weights = [Fraction(u.dasar) for u in pool]
            if sum(weights) == 0:
                weights = [Fraction(1)] * len(pool)
            total = sum(weights)
            for u, w in zip(pool, weights, strict=True):
                add = amount * w / total
                u.x += add
                if catat and add:
                    self.log[u.program].append((jenis, add, kelas or label))

        for tier in ("A", "B"):
            if tier not in caps or tambah <= 0:
                continue
            pool = [u for u in units if self._tumbuh(u) and self.programs[u.program].tier == tier]
            room = sum(Fraction(u.dasar) * Fraction(caps[tier]) / 100 for u in pool)
            if pool and room > 0:
                amount = min(tambah, room)
                give(pool, amount, tier)
                tambah -= amount
        if tambah <= 0:
            return
        pool = [u for u in units if self._tumbuh(u) and self.programs[u.program].tier in ("A", "B")]
        if not pool:  # no A or B program with money: share over every program that had money
            pool = (
                [u for u in units if self._tumbuh(u)]
                or [u for u in units if not self.programs[u.program].di_luar_tier]
                or list(units)
            )
        give(pool, tambah, "sisa")

    # -- whole rupiah ---------------------------------------------------------------------------

    def bulatkan(self, pagu_total: int) -> list[int]:
        """Round every unit down, then hand out the left-over rupiah: first to floors that
        rounding pushed below their requirement, then by largest remainder (ties in order)."""
        req = self.kebutuhan(pagu_total)
        base = [u.x.numerator // u.x.denominator for u in self.units]
        frac = [u.x - b for u, b in zip(self.units, base, strict=True)]
        left = pagu_total - self.tetap_total - sum(base)
        order = sorted(range(len(self.units)), key=lambda j: (-frac[j], j))
        bumped: set[int] = set()

        def kelas_sum(k: str) -> int:
            return self._tetap_kelas(k) + sum(
                base[j] + (1 if j in bumped else 0)
                for j, u in enumerate(self.units)
                if k in u.kelas
            )

        for k in sorted(req):
            for j in order:
                if kelas_sum(k) >= req[k] or left <= 0:
                    break
                if k in self.units[j].kelas and frac[j] > 0 and j not in bumped:
                    bumped.add(j)
                    left -= 1
        for j in order:
            if left <= 0:
                break
            if j not in bumped:
                bumped.add(j)
                left -= 1
        if left != 0:  # pragma: no cover - the sum of remainders is exactly the left-over
            raise RuntimeError("pembulatan tidak menghabiskan sisa rupiah")
        return [b + (1 if j in bumped else 0) for j, b in enumerate(base)]

    def _nama_kelas(self, kelas: str) -> str:
        if kelas.startswith("opd:"):
            return f"lantai OPD {kelas[4:]}"
        a = self.aturan[kelas]
        return f"minimal {kelas} {_persen_teks(a.ambang_persen)}"


def _persen_teks(p: Decimal | None) -> str:
    if p is None:
        return "-"
    s = f"{Decimal(p).quantize(_CENT, ROUND_HALF_UP):f}".replace(".", ",")
    return (s[:-3] if s.endswith(",00") else s) + " %"


def _persen_naik(persen: Decimal, nilai: Decimal) -> int:
    """persen % of a rupiah amount, whole rupiah rounded up (a floor never rounds down)."""
    return _persen_of(persen, Fraction(nilai), naik=True) if nilai > 0 else 0


def _kunci_program(
    r: Mapping[str, Any], kebijakan: Kebijakan, kontrak: Sequence[Kontrak]
) -> list[_Kunci]:
    """The locked rupiah of one base row (see Kebijakan), largest legal weight first."""
    out = []
    if (persen := kebijakan.persen("sumber_dana_terikat")) is not None:
        nilai = _dec(r.get("terikat_rp"))
        if nilai > 0:
            sumber = r.get("sumber_terikat") or "sumber dana terikat"
            dasar = "; ".join(
                f"{d.kelompok}: {d.dasar_hukum}"
                for d in kebijakan.dana_terikat
                if d.kelompok in sumber.split("; ")
            )
            out.append(
                _Kunci(
                    "sumber_dana_terikat",
                    _persen_naik(persen, nilai),
                    _persen_naik(persen, _dec(r.get("terikat_infrastruktur_rp"))),
                    f"{sumber}: tidak dipindah ke program lain",
                    dasar or kebijakan.dasar_hukum("sumber_dana_terikat"),
                )
            )
    for k in kontrak:
        if (persen := kebijakan.persen("tahun_jamak")) is None:
            break
        infra = kebijakan.infrastruktur(k.kode_akun, r["kode_program"])
        nilai = _persen_naik(persen, k.nilai)
        out.append(
            _Kunci(
                "tahun_jamak",
                nilai,
                nilai if infra else 0,
                f"{k.nomor}, {k.nama}: kewajiban TA {k.tahun} {rupiah(k.nilai)}",
                kebijakan.dasar_hukum("tahun_jamak"),
            )
        )
    if (persen := kebijakan.persen("btt")) is not None and _dec(r.get("btt_rp")) > 0:
        nilai = _dec(r.get("btt_rp"))
        out.append(
            _Kunci(
                "btt",
                _persen_naik(persen, nilai),
                0,
                f"paling sedikit {_persen_teks(persen)} dari BTT tahun dasar {rupiah(nilai)}; "
                "bukan program, tidak dinilai tier",
                kebijakan.dasar_hukum("btt"),
            )
        )
    if (persen := kebijakan.persen("spm")) is not None and _dec(r.get("spm_rp")) > 0:
        nilai = _dec(r.get("spm_rp"))
        out.append(
            _Kunci(
                "spm",
                _persen_naik(persen, nilai),
                _persen_naik(persen, _dec(r.get("spm_infrastruktur_rp"))),
                f"paling sedikit {_persen_teks(persen)} dari belanja sub kegiatan SPM tahun dasar "
                f"{rupiah(nilai)}",
                kebijakan.dasar_hukum("spm"),
            )
        )
    return out


def _programs(
    dasar: DataDasar,
    tier: pl.DataFrame,
    opsi: OpsiSkenario,
    kebijakan: Kebijakan | None = None,
    tahun: int | None = None,
) -> tuple[list[_Program], list[int], list[str]]:
    frame = dasar.program
    if frame.is_empty():
        raise SkenarioError(
            f"Data dasar TA {dasar.tahun_dasar} kosong; tidak ada yang dialokasikan."
        )
    kebijakan = kebijakan or Kebijakan()
    tiers = {(r[0], r[1]): r[2] for r in tier.iter_rows()}
    luar = (
        {(r[0], r[1]) for r in tier.filter(pl.col("di_luar_tier")).iter_rows()}
        if "di_luar_tier" in tier.columns
        else set()
    )
    kontrak: dict[tuple[str, str], list[Kontrak]] = defaultdict(list)
    for k in kebijakan.kontrak:
        if k.tahun == tahun:
            kontrak[(k.kode_skpd, k.kode_program)].append(k)
    keys = set(zip(frame["kode_skpd"].to_list(), frame["kode_program"].to_list(), strict=True))
    lepas = [k for key, ks in sorted(kontrak.items()) if key not in keys for k in ks]
    if lepas:
        raise SkenarioError(
            "Kontrak tahun jamak untuk program yang tidak ada di data dasar TA "
            f"{dasar.tahun_dasar}: "
            + ", ".join(f"{k.nomor} ({k.kode_skpd} {k.kode_program})" for k in lepas)
            + ". Perbaiki kode SKPD/program di dbt/seeds/ref_kontrak_tahun_jamak.csv."
        )
    known_program = set(frame["kode_program"].to_list())
    unknown = [k for k in opsi.lindungi if k not in known_program]
    if unknown:
        raise SkenarioError(
            f"Program yang diminta dilindungi tidak ada di data dasar TA {dasar.tahun_dasar}: "
            f"{', '.join(unknown)}. Gunakan kode program U.BB.PP, mis. 1.02.02."
        )
    known_opd = set(frame["kode_skpd"].to_list())
    unknown = [k for k, _ in opsi.lantai_opd if k not in known_opd]
    if unknown:
        raise SkenarioError(
            f"OPD pada lantai OPD tidak ada di data dasar TA {dasar.tahun_dasar}: "
            f"{', '.join(unknown)}. Gunakan kode SKPD lengkap, mis. 1.02.0.00.0.00.01.0000."
        )
    catatan = []
    programs, infra = [], []
    tanpa_tier = 0
    for r in frame.sort("kode_skpd", "kode_program").iter_rows(named=True):
        key = (r["kode_skpd"], r["kode_program"])
        t = tiers.get(key)
        if t is None:
            tanpa_tier += 1
        pegawai, transfer = _dec(r["belanja_pegawai_rp"]), _dec(r["belanja_transfer_rp"])
        kunci = _kunci_program(r, kebijakan, kontrak.get(key, ()))
        komitmen = _ceil_int(pegawai + transfer)
        programs.append(
            _Program(
                key=key,
                nama_skpd=r["nama_skpd"],
                nama_program=r["nama_program"],
                kode_fungsi=r["kode_fungsi"],
                tier=t or opsi.tier_bawaan,
                tier_dari_tabel=t is not None,
                dilindungi_permintaan=r["kode_program"] in opsi.lindungi,
                pagu_dasar=_dec(r["total_belanja_rp"]),
                pegawai=pegawai,
                pegawai_hkpd=_dec(r["belanja_pegawai_hkpd_rp"]),
                transfer=transfer,
                tetap=komitmen + sum(k.nilai for k in kunci),
                pendidikan=_dec(r["pendidikan_rp"]) > 0 and r["kode_fungsi"] == "08",
                komitmen=komitmen,
                kunci=kunci,
                di_luar_tier=key in luar,
            )
        )
        infra.append(_round_int(_dec(r["infrastruktur_rp"])))
    if tanpa_tier:
        catatan.append(
            f"{tanpa_tier} program tidak memiliki tier di tabel bukti; diperlakukan sebagai tier "
            f"{opsi.tier_bawaan} ({TIER_LABEL[opsi.tier_bawaan]})."
        )
    extra = set(tiers) - {p.key for p in programs}
    if extra:
        catatan.append(
            f"{len(extra)} program bertier tidak ada di data dasar TA {dasar.tahun_dasar} "
            "(program baru tanpa pagu dasar) dan tidak dialokasikan."
        )
    return programs, infra, catatan


def _layak(alokasi: _Alokasi, pagu_total: int) -> bool:
    try:
        return alokasi.jalankan(pagu_total, catat=False) == 0
    except SkenarioTidakLayak:
        return False


def _pagu_minimal(alokasi: _Alokasi, pagu_total: int) -> int | None:
    """The smallest whole-rupiah ceiling at which the rule finds an allocation (binary search;
    feasibility only grows with the ceiling: floors take at most 60 % of each extra rupiah)."""
    lo, hi = pagu_total, max(pagu_total * 2, 1)
    for _ in range(64):
        if _layak(alokasi, hi):
            break
        lo, hi = hi, hi * 2
    else:  # pragma: no cover - a floor with no program at all
        return None
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _layak(alokasi, mid):
            hi = mid
        else:
            lo = mid
    return hi


def id_skenario(payload: Mapping[str, Any]) -> str:
    """The scenario id: sha256 of the canonical JSON of every input, first 16 hex digits."""
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _payload(
    dasar: DataDasar,
    tier: pl.DataFrame,
    aturan: list[Aturan],
    opsi: OpsiSkenario,
    tahun: int,
    pagu_total: int,
    kebijakan: Kebijakan,
) -> dict[str, Any]:
    # another pemda's scenario never shares an id (nor a stored file) with Samarinda's, whose
    # ids stay what they were before scenarios were keyed by pemda
    pemda = {} if dasar.kode_pemda == KODE_PEMDA_BAWAAN else {"kode_pemda": dasar.kode_pemda}
    return {
        **pemda,
        "versi_mesin": ENGINE_VERSION,
        "tahun": tahun,
        "pagu_total": pagu_total,
        "tahun_dasar": dasar.tahun_dasar,
        "tahap_dasar": dasar.tahap_dasar,
        "opsi": {
            "lindungi": list(opsi.lindungi),
            "lantai_opd": [list(x) for x in opsi.lantai_opd],
            "persen_perlindungan": str(opsi.persen_perlindungan),
            "tambah_maks": [[t, str(p)] for t, p in opsi.tambah_maks],
            "hanya_aturan_wajib": opsi.hanya_aturan_wajib,
            "tier_bawaan": opsi.tier_bawaan,
        },
        "aturan": [
            [
                a.kode,
                a.arah,
                str(a.ambang_persen),
                a.berlaku_mulai,
                a.berlaku_sampai,
                a.dipakai_skenario,
            ]
            for a in sorted(aturan, key=lambda a: a.kode)
        ],
        "dasar": [
            [str(v) if v is not None else None for v in row]
            for row in dasar.program.sort("kode_skpd", "kode_program").iter_rows()
        ],
        "tier": [list(r) for r in tier.sort("kode_skpd", "kode_program").iter_rows()],
        "kebijakan": {
            "lantai": [[x.kode, str(x.persen)] for x in kebijakan.lantai],
            "kontrak": [
                [k.nomor, k.tahun, k.kode_skpd, k.kode_program, str(k.nilai), k.kode_akun]
                for k in kebijakan.kontrak
                if k.tahun == tahun
            ],
            "infrastruktur_akun": [
                [a.awalan_akun, a.dihitung, a.cakupan_program] for a in kebijakan.infrastruktur_akun
            ],
        },
    }


def compute_skenario(
    dasar: DataDasar,
    tier: pl.DataFrame,
    aturan: Sequence[Aturan],
    *,
    tahun: int,
    pagu_total: int,
    opsi: OpsiSkenario | None = None,
    kebijakan: Kebijakan | None = None,
) -> HasilSkenario:
    """Propose next year's pagu per OPD × program under `pagu_total` (see the module docstring).
    `kebijakan` holds what may not move besides staff and transfers (earmarked money, BTT, SPM,
    multi-year contracts; `load_kebijakan` reads it from the mart); None applies none of it.
    Same inputs, same output (rows, order, id). Raises SkenarioTidakLayak when the ceiling cannot
    carry the commitments and floors, SkenarioError for unusable inputs."""
    opsi = (opsi or OpsiSkenario()).normalised()
    aturan = list(aturan)
    if opsi.tier_bawaan not in TIERS:
        raise SkenarioError(f"Tier bawaan harus A, B, C atau D, bukan {opsi.tier_bawaan!r}.")
    if not isinstance(pagu_total, int) or pagu_total <= 0:
        raise SkenarioError("Pagu total harus bilangan bulat rupiah yang positif.")
    if tahun <= dasar.tahun_dasar:
        raise SkenarioError(
            f"Tahun skenario ({tahun}) harus sesudah tahun dasar ({dasar.tahun_dasar})."
        )
    tier = normalise_tier(tier)
    kebijakan = kebijakan or Kebijakan()
    programs, infra, catatan = _programs(dasar, tier, opsi, kebijakan, tahun)
    alokasi = _Alokasi(programs, infra, aturan, opsi, tahun)

    for kelas in alokasi.kebutuhan(pagu_total):
        if not any(kelas in u.kelas for u in alokasi.units):
            raise SkenarioTidakLayak(
                f"Batas {alokasi._nama_kelas(kelas)} tidak dapat dipenuhi: tidak ada program di "
                f"data dasar TA {dasar.tahun_dasar} yang dihitung untuknya.",
                pagu_total=pagu_total,
                pagu_minimal=None,
            )
    sisa = alokasi.jalankan(pagu_total, catat=True) if _layak(alokasi, pagu_total) else None
    if sisa is None:
        minimal = _pagu_minimal(alokasi, pagu_total)
        raise SkenarioTidakLayak(
            _pesan_tidak_layak(alokasi, pagu_total, minimal),
            pagu_total=pagu_total,
            pagu_minimal=minimal,
        )
    nilai = alokasi.bulatkan(pagu_total)
    usulan = [p.tetap for p in programs]
    for u, v in zip(alokasi.units, nilai, strict=True):
        usulan[u.program] += v
    infra_usulan = [p.kunci_infra for p in programs]  # locked infrastructure counts too
    for u, v in zip(alokasi.units, nilai, strict=True):
        if u.jenis == "infra":
            infra_usulan[u.program] += v

    payload = _payload(dasar, tier, aturan, opsi, tahun, pagu_total, kebijakan)
    sid = id_skenario(payload)
    baris = _baris(sid, tahun, dasar, programs, usulan, infra_usulan, alokasi, pagu_total)
    transfer = sum((p.transfer for p in programs), Decimal(0))
    pegawai_hkpd = sum((p.pegawai_hkpd for p in programs), Decimal(0))
    cek, konflik = check_constraints(baris, pegawai_hkpd, transfer, aturan, tahun, opsi)
    if sum(usulan) != pagu_total:  # pragma: no cover - guarded by construction
        raise RuntimeError("jumlah usulan tidak sama dengan pagu total")
    return HasilSkenario(
        id_skenario=sid,
        tahun=tahun,
        tahun_dasar=dasar.tahun_dasar,
        tahap_dasar=dasar.tahap_dasar,
        pagu_total=pagu_total,
        opsi=opsi,
        baris=baris,
        cek=cek,
        konflik=konflik,
        catatan=catatan,
        kunci=[
            (p.key[0], p.nama_skpd, p.key[1], p.nama_program, jenis, nilai, uraian, dasar_hukum)
            for p in programs
            for jenis, nilai, uraian, dasar_hukum in _rincian_kunci(p)
        ],
    )


JENIS_KUNCI = {
    "pegawai": "Belanja pegawai",
    "transfer": "Belanja transfer",
    "sumber_dana_terikat": "Dana terikat",
    "tahun_jamak": "Kontrak tahun jamak",
    "btt": "Belanja tidak terduga (BTT)",
    "spm": "Lantai SPM",
}


def _rincian_kunci(p: _Program) -> list[tuple[str, int, str, str]]:
    """Every locked rupiah of one program: (jenis, rupiah, what, legal basis)."""
    out = []
    if p.pegawai > 0:
        out.append(("pegawai", _ceil_int(p.pegawai), "belanja pegawai (5.1.01): komitmen", ""))
    if p.transfer > 0:
        out.append(
            (
                "transfer",
                p.komitmen - _ceil_int(p.pegawai) if p.pegawai > 0 else p.komitmen,
                "belanja transfer (5.4: bagi hasil, bantuan keuangan): komitmen",
                "",
            )
        )
    out += [(k.jenis, k.nilai, k.uraian, k.dasar_hukum) for k in p.kunci]
    return out


def _pesan_tidak_layak(alokasi: _Alokasi, pagu_total: int, minimal: int | None) -> str:
    lindung = sum(u.bawah for u in alokasi.units if not alokasi.programs[u.program].di_luar_tier)
    luar = sum(u.bawah for u in alokasi.units if alokasi.programs[u.program].di_luar_tier)
    per_jenis: dict[str, int] = defaultdict(int)
    for p in alokasi.programs:
        for k in p.kunci:
            per_jenis[k.jenis] += k.nilai
    parts = [
        "belanja pegawai dan transfer terikat " + rupiah(sum(p.komitmen for p in alokasi.programs))
    ]
    for jenis in ("sumber_dana_terikat", "tahun_jamak", "btt", "spm"):
        if per_jenis.get(jenis):
            parts.append(f"{JENIS_KUNCI[jenis].lower()} {rupiah(per_jenis[jenis])}")
    if luar:
        parts.append(f"pos di luar tier {rupiah(luar)}")
    if lindung:
        parts.append(f"program tier A dan yang dilindungi {rupiah(lindung)}")
    for kode, nilai in alokasi.lantai.items():
        parts.append(f"lantai OPD {kode} {rupiah(nilai)}")
    for kode in sorted(alokasi.ditegakkan):
        a = alokasi.aturan[kode]
        parts.append(f"batas minimal {kode} {_persen_teks(a.ambang_persen)}")
    head = f"Pagu total {rupiah(pagu_total)} tidak cukup untuk " + ", ".join(parts) + "."
    if minimal is None:
        return head + " Tidak ada pagu total yang dapat memenuhi semua syarat itu."
    return (
        f"{head} Pagu total paling sedikit {rupiah(minimal)} diperlukan: kurang "
        f"{rupiah(minimal - pagu_total)}. Naikkan pagu total, kurangi program yang dilindungi "
        "atau lantai OPD; lantai dana terikat, BTT, SPM dan kontrak tahun jamak ada di "
        "dbt/seeds/ref_lantai_skenario.csv."
    )


def _alasan(alokasi: _Alokasi, i: int, p: _Program, dasar_rp: Decimal, usulan: int) -> str:
    tier_teks = f"Tier {p.tier} ({TIER_LABEL[p.tier]})" + (
        "" if p.tier_dari_tabel else ", tier bawaan karena tidak ada di tabel bukti"
    )
    parts = [tier_teks + "."]
    events = alokasi.log.get(i, [])
    lantai = sorted({k for e, _, ks in events if e == "lantai" for k in ks.split(",") if k})
    dialihkan = sorted({k for e, _, ks in events if e == "dialihkan" for k in ks.split(",") if k})
    penerima = "/".join(
        sorted({t for e, _, ts in events if e == "penerima" for t in ts.split("/")})
    )
    potong = sum((a for e, a, _ in events if e == "potong"), Fraction(0))
    tambah = sum((a for e, a, _ in events if e == "tambah"), Fraction(0))
    dijaga = sorted({k for e, _, ks in events if e == "dijaga" for k in ks.split(",")})
    beda = Decimal(usulan) - dasar_rp
    if p.di_luar_tier:
        parts.append("Di luar tier (bukan program): tidak dipotong atau ditambah menurut tier.")
    if p.kunci:
        parts.append(
            "Terkunci: "
            + "; ".join(
                f"{JENIS_KUNCI[k.jenis].lower()} {rupiah(k.nilai)} ({k.uraian})" for k in p.kunci
            )
            + "."
        )
    if p.dilindungi_permintaan:
        parts.append("Dilindungi atas permintaan perencana.")
    elif p.tier == "A":
        parts.append("Dilindungi karena tier A.")
    if lantai:
        names = ", ".join(alokasi._nama_kelas(k) for k in lantai)
        parts.append(f"Ditambah agar memenuhi {names}.")
    if potong:
        urutan = {
            "D": "tier D dipotong lebih dulu",
            "C": "tier C dipotong setelah tier D habis",
            "B": "tier B dipotong setelah tier D dan C habis",
        }[p.tier]
        parts.append(
            f"Dipotong karena pagu total turun: {urutan}, sebanding dengan belanja non-pegawainya."
        )
    if dialihkan:
        names = ", ".join(alokasi._nama_kelas(k) for k in dialihkan)
        parts.append(
            f"Bagiannya untuk {names} dipindah ke program tier {penerima} yang juga dihitung "
            "untuk batas itu: lantai diisi tier B (dan A) lebih dulu, lalu C, lalu D."
        )
    if dijaga:
        names = ", ".join(alokasi._nama_kelas(k) for k in dijaga)
        parts.append(f"Sebagian tidak dipotong agar {names} tetap terpenuhi.")
    if tambah:
        parts.append(
            "Ditambah karena pagu total naik: tier A dulu, lalu tier B."
            if p.tier in ("A", "B")
            else "Ditambah dari sisa kenaikan pagu total."
        )
    if usulan == p.tetap and p.tetap > 0 and beda < 0:
        parts.append(
            f"Tinggal bagian terkunci {rupiah(p.tetap)} (pegawai, transfer dan lantai di atas), "
            "tidak dipotong."
        )
    elif p.pegawai > 0 and beda < 0:
        parts.append(f"Belanja pegawai {rupiah(p.pegawai)} tidak dipotong (komitmen).")
    if beda == 0:
        parts.append("Tidak berubah.")
    return " ".join(parts)


def _baris(
    sid: str,
    tahun: int,
    dasar: DataDasar,
    programs: list[_Program],
    usulan: list[int],
    infra_usulan: list[int],
    alokasi: _Alokasi,
    pagu_total: int,
) -> pl.DataFrame:
    rows = []
    for i, (p, u, iu) in enumerate(zip(programs, usulan, infra_usulan, strict=True)):
        dasar_rp = p.pagu_dasar.quantize(_CENT)
        beda = (Decimal(u) - dasar_rp).quantize(_CENT)
        pct = None if dasar_rp == 0 else (beda * _HUNDRED / dasar_rp).quantize(_CENT, ROUND_HALF_UP)
        rows.append(
            {
                "kode_pemda": dasar.kode_pemda,
                "id_skenario": sid,
                "tahun": tahun,
                "is_bawaan": False,
                "tahun_dasar": dasar.tahun_dasar,
                "tahap_dasar": dasar.tahap_dasar,
                "kode_skpd": p.key[0],
                "nama_skpd": p.nama_skpd,
                "kode_program": p.key[1],
                "nama_program": p.nama_program,
                "kode_fungsi": p.kode_fungsi,
                "tier": p.tier,
                "dilindungi": p.dilindungi,
                "pagu_dasar_rp": dasar_rp,
                "belanja_pegawai_rp": p.pegawai.quantize(_CENT),
                "terkunci_rp": Decimal(p.tetap).quantize(_CENT),
                "pagu_usulan_rp": Decimal(u).quantize(_CENT),
                "perubahan_rp": beda,
                "perubahan_persen": pct,
                "infrastruktur_usulan_rp": Decimal(iu).quantize(_CENT),
                "pagu_total_rp": Decimal(pagu_total).quantize(_CENT),
                "alasan": _alasan(alokasi, i, p, dasar_rp, u),
            }
        )
    return pl.DataFrame(rows, schema=mart_schema(), orient="row").sort("kode_skpd", "kode_program")


def mart_schema() -> dict[str, pl.DataType]:
    """Column names and types of mart_skenario_alokasi, from its contract."""
    from dagster_project.lib.contracts.model import mart_contracts

    return mart_contracts()[MART_SKENARIO].polars_schema


# --------------------------------------------------------------------------------------------
# The default scenario every publish ships
# --------------------------------------------------------------------------------------------


def plafon_bawaan(
    con: duckdb.DuckDBPyConnection, kode_pemda: str | None = None
) -> tuple[int, int, str] | None:
    """(tahun, pagu_total, where the ceiling comes from) of pemda `kode_pemda`'s default scenario
    (None: the only pemda in the mart): the year after its newest budget year, at its row of
    reference.ref_plafon_skenario, else at the newest year's murni total. None when the mart
    holds no budget of it."""
    if not _table_exists(con, "marts", "mart_kepatuhan_belanja_program"):
        return None
    pemda = pilih_pemda(con, kode_pemda)
    dan, p = _dan_pemda(con, "marts.mart_kepatuhan_belanja_program", pemda)
    terakhir = con.execute(
        "select max(tahun) from marts.mart_kepatuhan_belanja_program "
        f"where tahap <> 'realisasi'{dan}",
        p,
    ).fetchall()[0][0]
    if terakhir is None:
        return None
    tahun = int(terakhir) + 1
    if _table_exists(con, "reference", "ref_plafon_skenario"):
        dan_plafon, p_plafon = _dan_pemda(con, "reference.ref_plafon_skenario", pemda)
        row = con.execute(
            "select pagu_total_rp, sumber from reference.ref_plafon_skenario "
            f"where tahun = ?{dan_plafon}",
            [tahun, *p_plafon],
        ).fetchall()
        if row:
            return tahun, _ceil_int(Decimal(row[0][0])), f"ref_plafon_skenario: {row[0][1]}"
    murni = con.execute(
        "select sum(total_belanja_rp) from marts.mart_kepatuhan_belanja_program "
        f"where tahun = ? and tahap = 'murni'{dan}",
        [terakhir, *p],
    ).fetchall()[0][0]
    if murni is None:
        return None
    return tahun, _ceil_int(Decimal(murni)), f"pagu murni TA {terakhir}"


def skenario_bawaan(
    con: duckdb.DuckDBPyConnection, kode_pemda: str | None = None
) -> HasilSkenario | None:
    """Pemda `kode_pemda`'s default scenario (see `plafon_bawaan`) with the default options, or
    None when there is no budget or the ceiling cannot carry the floors."""
    plafon = plafon_bawaan(con, kode_pemda)
    if plafon is None:
        return None
    tahun, pagu_total, asal = plafon
    dasar, tier, aturan, kebijakan = load_from_mart(con, tahun, kode_pemda=kode_pemda)
    try:
        hasil = compute_skenario(
            dasar, tier, aturan, tahun=tahun, pagu_total=pagu_total, kebijakan=kebijakan
        )
    except SkenarioTidakLayak as exc:
        print(f"Skenario bawaan TA {tahun} pemda {dasar.kode_pemda} tidak dibuat: {exc}")
        return None
    hasil.catatan.append(f"Skenario bawaan penerbitan; plafon dari {asal}.")
    return hasil


def default_skenario_rows(
    con: duckdb.DuckDBPyConnection, pemda_list: Sequence[str] | None = None
) -> pl.DataFrame:
    """The rows of every pemda's default scenario (or of those in `pemda_list`) in the mart's
    columns (none for a pemda that has none)."""
    frames = [pl.DataFrame(schema=mart_schema())]
    chosen = pemda_tersedia(con)
    if pemda_list is not None:
        chosen = [p for p in chosen if p in set(pemda_list)]
    for pemda in chosen:
        hasil = skenario_bawaan(con, pemda)
        if hasil is not None:
            frames.append(
                hasil.baris.with_columns(is_bawaan=pl.lit(True)).select(list(mart_schema()))
            )
    return pl.concat(frames)


# --------------------------------------------------------------------------------------------
# Checks on a proposal (independent of how it was computed)
# --------------------------------------------------------------------------------------------


def check_constraints(
    baris: pl.DataFrame,
    pegawai_hkpd: Decimal,
    transfer: Decimal,
    aturan: Sequence[Aturan],
    tahun: int,
    opsi: OpsiSkenario,
) -> tuple[list[CekAturan], list[str]]:
    """Every floor and cap of ref_belanja_wajib measured on the proposal rows, given the
    committed staff spending as UU HKPD counts it and the (unchanged) transfers; and the
    conflicts (a cap that committed staff costs alone break). Health has no per-program split in
    the scenario rows and is left to mart_kepatuhan_belanja."""
    total = Decimal(baris["pagu_usulan_rp"].sum())
    edu = Decimal(baris.filter(pl.col("kode_fungsi") == "08")["pagu_usulan_rp"].sum())
    infra = Decimal(baris["infrastruktur_usulan_rp"].sum())
    cek, konflik = [], []
    for a in sorted(aturan, key=lambda a: a.kode):
        if a.kode == "pendidikan":
            num, den = edu, total
        elif a.kode == "infrastruktur":
            num, den = infra, total - transfer
        elif a.kode == "pegawai":
            num, den = pegawai_hkpd, total
        else:
            continue
        naik = a.arah == "minimal"
        batas = Decimal(_persen_of(a.ambang_persen, Fraction(den), naik=naik))
        memenuhi = num >= batas if naik else num <= batas
        porsi = None if den == 0 else (num * _HUNDRED / den).quantize(_CENT, ROUND_HALF_UP)
        ditegakkan = a.dipakai_skenario and (a.wajib_pada(tahun) or not opsi.hanya_aturan_wajib)
        status = a.status_pada(tahun)
        if memenuhi:
            ruang = abs(num - batas)
            ket = (
                "Memenuhi, tepat di batas."
                if ruang == 0
                else f"Memenuhi, {'lebih' if naik else 'masih'} {rupiah(ruang)} "
                + ("di atas batas." if naik else "di bawah batas.")
            )
        elif a.kode == "pegawai":
            ket = (
                f"KONFLIK: belanja pegawai terikat {rupiah(num)} = {_persen_teks(porsi)} dari "
                f"pagu total, melebihi batas {_persen_teks(a.ambang_persen)} sebesar "
                f"{rupiah(num - batas)}. Skenario tidak memotong belanja pegawai (komitmen), "
                "jadi batas ini hanya dapat dipenuhi dengan kebijakan kepegawaian atau pagu total "
                f"paling sedikit {rupiah(_pagu_untuk_batas_atas(num, a.ambang_persen))}."
            )
            konflik.append(f"{ket} Status aturan: {status}.")
        else:
            ket = f"TIDAK memenuhi: kurang {rupiah(batas - num)}."
            if ditegakkan:  # pragma: no cover - the allocation guarantees enforced floors
                konflik.append(f"{a.nama}: {ket}")
        cek.append(
            CekAturan(
                kode=a.kode,
                nama=a.nama,
                arah=a.arah,
                ambang_persen=a.ambang_persen,
                pembilang_rp=num,
                penyebut_rp=den,
                batas_rp=batas,
                porsi_persen=porsi,
                memenuhi=memenuhi,
                ditegakkan=ditegakkan and a.arah == "minimal",
                status=status,
                keterangan=ket,
            )
        )
    return cek, konflik


def _pagu_untuk_batas_atas(nilai: Decimal, persen: Decimal) -> int:
    """The smallest total under which `nilai` is at most `persen` %: ceil(nilai × 100 / persen)."""
    exact = Fraction(nilai) * 100 / Fraction(persen)
    return -((-exact.numerator) // exact.denominator)
