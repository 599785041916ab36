"""Mandatory-spending compliance and allocation scenarios on the published demo mart, end to end.

On a copy of the session's published demo (2024–2025). The evidence tiers a scenario needs are
the real published `marts.mart_prioritas_alokasi` (issue 4); only the "no tier table" message is
tested on a copy of the mart without it. That a saved scenario is published by the next run is
tested on test_faults' recovering run (it saves one before its killed runs), which pays for no
run of this module's own.
"""

from __future__ import annotations

import shutil
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from dagster_project.cli import app
from dagster_project.lib.planning import scenario as sk
from dagster_project.lib.planning.store import directory, parquet_bytes, read_index
from dagster_project.lib.planning.workbook import write_xlsx
from tests.pipeline_kit import pipeline_env

pytestmark = pytest.mark.slow

PAGU_2026 = 3_183_000_000_000  # APBD murni 2026 (domain.md §4.2)
TPG_TAMSIL_TKG = ("2.02.01.01.04.04", "2.02.01.01.04.05", "2.02.01.01.04.06")


@pytest.fixture(scope="module")
def published(copy_demo):
    """A copy of the session's published demo with its own Dagster home: this module saves a
    scenario and publishes again, which the shared demo must never see."""
    root, _ = copy_demo("kepatuhan")
    with pipeline_env(root) as paths:
        yield paths


@pytest.fixture(scope="module")
def with_tiers(published):
    """The published mart: it holds the real evidence tiers (mart_prioritas_alokasi)."""
    return published.published_db


@pytest.fixture(scope="module")
def without_tiers(published, tmp_path_factory):
    """A data folder whose published mart is a copy without the tier table (an older mart)."""
    root = tmp_path_factory.mktemp("tanpa_tier")
    copy = root / published.published_db.relative_to(published.root)
    copy.parent.mkdir(parents=True)
    shutil.copyfile(published.published_db, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("drop table marts.mart_prioritas_alokasi")
    return root


def rows(db, sql, params=None):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def ceil_cent(d: Decimal) -> Decimal:
    return d.quantize(Decimal("0.01"), ROUND_CEILING)


def floor_cent(d: Decimal) -> Decimal:
    return d.quantize(Decimal("0.01"), ROUND_FLOOR)


# ---------------------------------------------------------------------------------------------
# mart_kepatuhan_belanja
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("tahap", "kolom"), [("murni", "pagu_murni_rp"), ("perubahan", "pagu_akhir_rp"), ("realisasi", "realisasi_rp")])  # fmt: skip
def test_kepatuhan_matches_an_independent_computation_from_the_line_mart(published, tahap, kolom):
    db = published.published_db
    tpg = ", ".join(f"'{c}'" for c in TPG_TAMSIL_TKG)
    (total, edu, infra, pegawai, pegawai_hkpd, kesehatan) = rows(
        db,
        f"""
        select sum({kolom}),
               sum({kolom}) filter (where kode_fungsi = '08'),
               sum({kolom}) filter (where substr(kode_program, 6, 2) <> '01' and (
                   kode_akun similar to '5[.]2[.]0[134][.].*'
                   or kode_akun similar to '5[.]1[.]02[.]03[.]0[34][.].*')),
               sum({kolom}) filter (where kode_akun like '5.1.01.%'),
               sum({kolom}) filter (where kode_akun like '5.1.01.%'
                   and kode_sumber_dana not in ({tpg})),
               sum({kolom}) filter (where kode_fungsi = '06' and kode_akun not like '5.1.01.%')
        from marts.mart_anggaran_realisasi where tahun = 2025""",
    )[0]
    expected = {
        "pendidikan": (edu, total, Decimal(20), "minimal"),
        "infrastruktur": (infra, total, Decimal(40), "minimal"),
        "pegawai": (pegawai_hkpd, total, Decimal(30), "maksimal"),
        "kesehatan": (kesehatan, total - pegawai, Decimal(10), "minimal"),
    }
    got = rows(
        db,
        """select kode_aturan, pembilang_rp, penyebut_rp, batas_rp, memenuhi, penyesuaian_rp,
                  total_belanja_rp, penjelasan
           from marts.mart_kepatuhan_belanja where tahun = 2025 and tahap = ?""",
        [tahap],
    )
    assert {r[0] for r in got} == set(expected)
    for kode, num, den, batas, memenuhi, penyesuaian, total_rp, penjelasan in got:
        e_num, e_den, ambang, arah = expected[kode]
        exact = ambang * e_den / 100
        e_batas = ceil_cent(exact) if arah == "minimal" else floor_cent(exact)
        assert (num, den, batas, total_rp) == (e_num, e_den, e_batas, total), kode
        ok = e_num >= e_batas if arah == "minimal" else e_num <= e_batas
        assert memenuhi is ok, kode
        assert penyesuaian == (0 if ok else abs(e_num - e_batas)), kode
        assert ("MEMENUHI" if ok else "TIDAK MEMENUHI") in penjelasan


@pytest.mark.parametrize(("tahap", "kolom"), [("murni", "pagu_murni_rp"), ("perubahan", "pagu_akhir_rp"), ("realisasi", "realisasi_rp")])  # fmt: skip
def test_the_scenario_classifies_infrastructure_as_the_compliance_mart_does(
    published, tahap, kolom
):
    """One rule: the scenario's reading of reference.ref_infrastruktur_akun
    (`Kebijakan.infrastruktur`, used for multi-year contracts) applied to every DPA line gives
    each program's infrastruktur_rp of mart_kepatuhan_belanja_program to the sen."""
    from collections import defaultdict

    with duckdb.connect(str(published.published_db), read_only=True) as con:
        kebijakan = sk.load_kebijakan(con)
        lines = con.execute(
            f"select kode_skpd, kode_program, kode_akun, sum({kolom}) "
            "from marts.mart_anggaran_realisasi where tahun = 2025 group by all"
        ).fetchall()
        mart = {
            (skpd, program): v
            for skpd, program, v in con.execute(
                "select kode_skpd, kode_program, infrastruktur_rp from "
                "marts.mart_kepatuhan_belanja_program where tahun = 2025 and tahap = ?",
                [tahap],
            ).fetchall()
            if v
        }
    scenario = defaultdict(Decimal)
    for skpd, program, akun, nilai in lines:
        if nilai and kebijakan.infrastruktur(akun, program):
            scenario[(skpd, program)] += nilai
    assert mart and dict(scenario) == mart


def test_kepatuhan_covers_every_phase_and_realisasi_for_every_rule(published):
    got = rows(
        published.published_db,
        "select tahun, tahap, count(*) from marts.mart_kepatuhan_belanja group by all order by all",
    )
    assert got == [
        (2024, "murni", 4), (2024, "pergeseran_1", 4), (2024, "pergeseran_perubahan_1", 4),
        (2024, "perubahan", 4), (2024, "realisasi", 4),
        (2025, "murni", 4), (2025, "pergeseran_1", 4), (2025, "perubahan", 4),
        (2025, "realisasi", 4),
    ]  # fmt: skip


def test_the_scenario_mart_ships_only_the_default_scenario_before_any_is_saved(published):
    """Every publish ships one default scenario (issue 10): 2026 (after the latest budget year
    2025) at the ref_plafon_skenario ceiling, summing to it exactly; nothing saved yet."""
    assert rows(
        published.published_db,
        "select count(distinct id_skenario), min(tahun), min(pagu_total_rp), sum(pagu_usulan_rp), "
        "bool_and(is_bawaan), min(tahap_dasar) from marts.mart_skenario_alokasi",
    ) == [(1, 2026, Decimal(PAGU_2026), Decimal(PAGU_2026), True, "murni")]
    assert rows(published.published_db, "select count(*) from reference.ref_aturan_tier")[0][0] > 0


def test_the_readme_scenario_query_returns_rows_on_the_default_demo(published):
    # README "Three questions a planner asks": the default scenario for Dinas Kesehatan
    found = rows(
        published.published_db,
        """select kode_program, tier, pagu_dasar_rp, pagu_usulan_rp, perubahan_persen
           from marts.mart_skenario_alokasi where is_bawaan
           and nama_skpd = 'Dinas Kesehatan' order by perubahan_rp""",
    )
    assert len(found) >= 2


def test_earmarked_spending_matches_an_independent_sum_over_the_dpa_lines(published):
    """terikat_rp per year and phase = the non-staff, non-transfer, non-BTT DPA lines whose
    sumber dana falls under a ref_sumber_dana_terikat prefix, summed here from fct_anggaran."""
    mart = dict(
        ((t, h), v)
        for t, h, v in rows(
            published.published_db,
            "select tahun, tahap, sum(terikat_rp) from marts.mart_kepatuhan_belanja_program "
            "where tahap in ('murni', 'perubahan') group by all",
        )
    )
    lines = rows(
        published.published_db,
        """select a.tahun, a.tahap, sum(a.pagu_rp) from marts.fct_anggaran as a
           where a.tahap in ('murni', 'perubahan')
             and a.kode_akun like '5.%' and a.kode_akun not like '5.1.01.%'
             and a.kode_akun not like '5.3.%' and a.kode_akun not like '5.4.%'
             and exists (select 1 from reference.ref_sumber_dana_terikat as t
                         where a.kode_sumber_dana = t.kode_awalan
                            or starts_with(a.kode_sumber_dana, t.kode_awalan || '.'))
           group by all""",
    )
    assert lines and all(mart[(t, h)] == v for t, h, v in lines), (mart, lines)
    # (on the default scale-1 demo the 2025 final position holds Rp529.191.039.290: issue 10's
    # figure; this small demo draws its funding sources differently)
    assert mart[(2025, "perubahan")] > 0


def test_the_default_scenario_keeps_every_locked_rupiah_in_its_program(published):
    got = rows(
        published.published_db,
        """select s.kode_program, s.pagu_usulan_rp, s.terkunci_rp,
                  p.belanja_pegawai_rp + p.belanja_transfer_rp + p.terikat_rp + p.btt_rp
                  + p.spm_rp as dikunci_dasar, p.btt_rp, s.alasan
           from marts.mart_skenario_alokasi as s
           join marts.mart_kepatuhan_belanja_program as p
             on p.tahun = s.tahun_dasar and p.tahap = s.tahap_dasar
            and p.kode_skpd = s.kode_skpd and p.kode_program = s.kode_program
           where s.is_bawaan""",
    )
    assert got
    for kode, usulan, terkunci, dikunci_dasar, btt, alasan in got:
        assert usulan >= terkunci >= ceil_cent(dikunci_dasar) - 1, kode  # + contracts
        if btt > 0:
            assert usulan >= btt and "belanja tidak terduga (btt)" in alasan


# ---------------------------------------------------------------------------------------------
# a scenario at the 2026 ceiling
# ---------------------------------------------------------------------------------------------


def protected_code(db) -> str:
    """The program a planner protects in these tests: the smallest tier C program of 2025 (tier D
    when no program is C)."""
    return rows(
        db,
        """select p.kode_program from marts.mart_kepatuhan_belanja_program as p
           join marts.mart_prioritas_alokasi as t using (tahun, kode_skpd, kode_program)
           where p.tahun = 2025 and p.tahap = 'perubahan' and t.tier in ('C', 'D')
           order by t.tier, p.total_belanja_rp, p.kode_program limit 1""",
    )[0][0]


def test_the_scenario_reads_the_published_evidence_tiers(with_tiers):
    with duckdb.connect(str(with_tiers), read_only=True) as con:
        tier = sk.load_tier(con, 2026)
        newest = con.execute(
            """select kode_skpd, kode_program, tier from marts.mart_prioritas_alokasi
               qualify row_number() over (partition by kode_skpd, kode_program
                                          order by tahun desc) = 1
               order by all"""
        ).fetchall()
    assert tier.rows() == newest
    assert {"A", "B", "D"} <= set(tier["tier"])


@pytest.fixture(scope="module")
def skenario_2026(with_tiers):
    with duckdb.connect(str(with_tiers), read_only=True) as con:
        dasar, tier, aturan, kebijakan = sk.load_from_mart(con, 2026, "perubahan")
        transfer = con.execute(
            "select sum(belanja_transfer_rp), sum(belanja_pegawai_hkpd_rp) "
            "from marts.mart_kepatuhan_belanja_program where tahun = 2025 and tahap = 'perubahan'"
        ).fetchall()[0]
    # The 2027 floors held in 2026 and no locks beyond staff (the engine's rule alone; the
    # default scenario with every lock is tested on the published mart above).
    opsi = sk.OpsiSkenario(lindungi=(protected_code(with_tiers),), hanya_aturan_wajib=False)
    # Samarinda's 2026 ceiling, or, where the demo's protected programs and the 2027 floors need
    # more, the least ceiling the engine says is feasible rounded up to Rp100 miliar: still far
    # below the base, so every cut and floor rule binds.
    try:
        hasil = sk.compute_skenario(
            dasar, tier, aturan, tahun=2026, pagu_total=PAGU_2026, opsi=opsi
        )
    except sk.SkenarioTidakLayak as exc:
        assert exc.pagu_minimal is not None, exc
        pagu = -(-exc.pagu_minimal // 100_000_000_000) * 100_000_000_000
        assert pagu < dasar.program["total_belanja_rp"].sum() * 9 // 10
        hasil = sk.compute_skenario(dasar, tier, aturan, tahun=2026, pagu_total=pagu, opsi=opsi)
    assert kebijakan.lantai  # read from the published seeds, applied by `apbd scenario`
    return hasil, dasar, tier, aturan, opsi, transfer, None


def test_scenario_sums_exactly_to_the_2026_ceiling(skenario_2026):
    hasil, dasar, *_ = skenario_2026
    assert hasil.tahun_dasar == 2025 and hasil.tahap_dasar == "perubahan"
    assert hasil.baris.height == dasar.program.height
    assert hasil.baris["pagu_usulan_rp"].sum() == Decimal(hasil.pagu_total)
    assert (hasil.baris["pagu_total_rp"] == Decimal(hasil.pagu_total)).all()


def test_scenario_meets_the_education_floor(skenario_2026):
    hasil, *_ = skenario_2026
    edu = hasil.baris.filter(pl.col("kode_fungsi") == "08")["pagu_usulan_rp"].sum()
    assert edu * 100 >= Decimal(hasil.pagu_total) * 20


def test_scenario_meets_the_infrastructure_floor(skenario_2026):
    hasil, *_, (transfer, _), _ = skenario_2026
    infra = hasil.baris["infrastruktur_usulan_rp"].sum()
    assert infra * 100 >= (Decimal(hasil.pagu_total) - transfer) * 40


def test_scenario_staff_cap_is_met_or_reported_as_a_conflict_with_its_exact_excess(skenario_2026):
    hasil, *_, (_, pegawai_hkpd), _ = skenario_2026
    cap = floor_cent(Decimal(hasil.pagu_total) * 30 / 100)
    c = next(c for c in hasil.cek if c.kode == "pegawai")
    assert c.pembilang_rp == pegawai_hkpd
    if pegawai_hkpd <= cap:
        assert c.memenuhi and not hasil.konflik
    else:  # the demo's committed staff (≈ Rp1,3 T) is above 30 % of Rp3,183 T
        assert not c.memenuhi
        (konflik,) = hasil.konflik
        from dagster_project.lib.core.fmt import rupiah

        assert rupiah(pegawai_hkpd - cap) in konflik and "tidak memotong belanja pegawai" in konflik


def test_scenario_never_cuts_staff_and_keeps_protected_programs(skenario_2026):
    hasil, *_, opsi, _, _ = skenario_2026
    b = hasil.baris
    assert (b["pagu_usulan_rp"] >= b["belanja_pegawai_rp"]).all()
    protected = b.filter(pl.col("dilindungi"))
    assert protected.height > 0
    assert (protected["pagu_usulan_rp"] >= protected["pagu_dasar_rp"]).all()
    assert set(opsi.lindungi) <= set(protected["kode_program"].to_list())
    assert (b.filter(pl.col("tier") == "A")["perubahan_rp"] >= 0).all()


def test_scenario_cuts_d_before_c_before_b(skenario_2026):
    hasil, *_ = skenario_2026
    b = hasil.baris.filter(~pl.col("dilindungi"))
    # Committed staff costs are never cut, so compare what is left of the cuttable part, for
    # each tier that has unprotected programs (the 0.3 demo's 2026 view has none in tier C).
    pct = {}
    for t in ("D", "C", "B"):
        rows = b.filter(pl.col("tier") == t)
        if rows.is_empty():
            continue
        pegawai = rows["belanja_pegawai_rp"].sum()
        pct[t] = (rows["pagu_usulan_rp"].sum() - pegawai) / (rows["pagu_dasar_rp"].sum() - pegawai)
    assert {"B", "D"} <= set(pct)  # the cut order is tested on at least the two ends
    assert list(pct.values()) == sorted(pct.values()) and pct["B"] < 1
    assert all(r for r in hasil.baris["alasan"].to_list())


def test_scenario_is_deterministic_to_the_byte(skenario_2026, tmp_path):
    hasil, dasar, tier, aturan, opsi, _, kebijakan = skenario_2026
    again = sk.compute_skenario(dasar, tier, aturan, tahun=2026, pagu_total=hasil.pagu_total, opsi=opsi,
                               kebijakan=kebijakan)  # fmt: skip
    assert again.id_skenario == hasil.id_skenario
    assert parquet_bytes(again) == parquet_bytes(hasil)
    one, two = write_xlsx(hasil, tmp_path / "1.xlsx"), write_xlsx(again, tmp_path / "2.xlsx")
    assert one.read_bytes() == two.read_bytes()


# ---------------------------------------------------------------------------------------------
# the command, the store, and the next publish
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tier_csv(with_tiers, tmp_path_factory):
    path = tmp_path_factory.mktemp("tier") / "tier.csv"
    with duckdb.connect(str(with_tiers), read_only=True) as con:
        con.execute(
            "copy (select kode_skpd, kode_program, tier from marts.mart_prioritas_alokasi "
            "qualify row_number() over (partition by kode_skpd, kode_program order by tahun desc) "
            f"= 1 order by all) to '{path}' (header)"
        )
    return path


def _cli(published, *args):
    mp = pytest.MonkeyPatch()
    mp.setenv("APBD_DATA_DIR", str(published.root))
    try:
        return CliRunner().invoke(app, ["scenario", *args, "--data-dir", str(published.root)])
    finally:
        mp.undo()


def test_cli_without_a_tier_table_explains_what_is_missing(without_tiers):
    mp = pytest.MonkeyPatch()
    mp.setenv("APBD_DATA_DIR", str(without_tiers))
    try:
        result = CliRunner().invoke(
            app,
            ["scenario", "--tahun", "2026", "--pagu-total", "3183000000000", "--tanpa-simpan",
             "--data-dir", str(without_tiers)],
        )  # fmt: skip
    finally:
        mp.undo()
    assert result.exit_code == 1
    assert "mart_prioritas_alokasi belum ada" in " ".join(result.output.split())


def test_cli_infeasible_ceiling_says_by_how_many_rupiah(published, tier_csv):
    result = _cli(published, "--tahun", "2026", "--pagu-total", "1.000.000.000.000",
                  "--tier-berkas", str(tier_csv), "--tanpa-simpan")  # fmt: skip
    out = " ".join(result.output.split())
    assert result.exit_code == 1 and "tidak cukup" in out and "kurang Rp" in out


def test_cli_2026_ceiling_with_the_defaults_writes_its_workbook(published, tmp_path):
    """`apbd scenario --tahun 2026 --pagu-total 3183000000000` on the demo: rules in force in
    2026, every lock of the seeds; the workbook lists each locked rupiah with its legal basis."""
    import openpyxl

    xlsx = tmp_path / "bawaan.xlsx"
    result = _cli(published, "--tahun", "2026", "--pagu-total", "3183000000000",
                  "--output", str(xlsx), "--tanpa-simpan")  # fmt: skip
    assert result.exit_code == 0, result.output
    kunci = openpyxl.load_workbook(xlsx)["Kunci dan lantai"]
    jenis = {r[4].value for r in kunci.iter_rows(min_row=2)}
    assert {"Belanja pegawai", "Dana terikat", "Belanja tidak terduga (BTT)"} <= jenis
    assert {"Lantai SPM", "Kontrak tahun jamak"} <= jenis
    murni = _cli(published, "--tahun", "2026", "--pagu-total", "3183000000000", "--dasar",
                 "murni", "--output", str(tmp_path / "murni.xlsx"), "--tanpa-simpan")  # fmt: skip
    assert murni.exit_code == 0, murni.output
    assert "dasar TA 2025 murni" in " ".join(murni.output.split())
    strict = _cli(published, "--tahun", "2026", "--pagu-total", "3183000000000",
                  "--aturan-mendatang", "--tanpa-simpan")  # fmt: skip
    if strict.exit_code:  # the 2027 floors on top of the locks: refused, naming each floor
        out = " ".join(strict.output.split())
        assert "dana terikat Rp" in out and "batas minimal infrastruktur 40 %" in out


def test_cli_scenario_prints_top_ten_writes_the_workbook_and_saves(published, with_tiers, tmp_path):
    xlsx = tmp_path / "skenario_2026.xlsx"
    protect = protected_code(with_tiers)
    # The tiers come from the published mart (no --tier-berkas).
    result = _cli(published, "--tahun", "2026", "--pagu-total", "3.183.000.000.000",
                  "--lindungi", protect, "--output", str(xlsx))  # fmt: skip
    assert result.exit_code == 0, result.output
    out = result.output
    assert "10 perubahan terbesar" in out and " 1. " in out and "10. " in out and "Alasan:" in out
    assert xlsx.exists()
    (entry,) = read_index(published)
    assert entry["pagu_total_rp"] == PAGU_2026 and entry["lindungi"] == [protect]
    assert (directory(published) / f"{entry['id_skenario']}.parquet").exists()
