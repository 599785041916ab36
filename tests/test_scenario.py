"""The allocation scenario engine on small hand-made cities (fast, no pipeline).

Amounts are whole rupiah; `M` keeps the figures readable. The tier tables here are test input
for the scenario reader; the real `marts.mart_prioritas_alokasi` (issue 4) is exercised end to end
in tests/test_kepatuhan_skenario_pipeline.py.
"""

from __future__ import annotations

import csv
from decimal import Decimal

import duckdb
import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from dagster_project.cli import app
from dagster_project.lib.core.paths import SEEDS_DIR, DataPaths
from dagster_project.lib.core.safe_cells import neutralise_cell
from dagster_project.lib.planning import scenario as sk
from dagster_project.lib.planning.store import parquet_bytes, read, read_index, save
from dagster_project.lib.planning.workbook import write_xlsx

M = 1_000_000_000  # a milyar rupiah


def aturan_seed() -> list[sk.Aturan]:
    """The real rules from dbt/seeds/ref_belanja_wajib.csv (the one config)."""
    with (SEEDS_DIR / "ref_belanja_wajib.csv").open(encoding="utf-8", newline="") as f:
        return [
            sk.Aturan(
                kode=r["kode_aturan"],
                nama=r["nama_aturan"],
                arah=r["arah"],
                ambang_persen=Decimal(r["ambang_persen"]),
                berlaku_mulai=int(r["berlaku_mulai"]),
                berlaku_sampai=int(r["berlaku_sampai"]) if r["berlaku_sampai"] else None,
                dipakai_skenario=r["dipakai_skenario"] == "true",
                dasar_hukum=r["dasar_hukum"],
            )
            for r in csv.DictReader(f)
        ]


def kebijakan_seed(*kontrak: sk.Kontrak) -> sk.Kebijakan:
    """The real floors and earmarked sources of the seeds, with the given contracts."""
    with (SEEDS_DIR / "ref_lantai_skenario.csv").open(encoding="utf-8", newline="") as f:
        lantai = tuple(
            sk.Lantai(r["kode_lantai"], r["nama_lantai"], Decimal(r["persen_dari_dasar"]),
                      r["dasar_hukum"], r["keterangan"])
            for r in csv.DictReader(f)
        )  # fmt: skip
    with (SEEDS_DIR / "ref_sumber_dana_terikat.csv").open(encoding="utf-8", newline="") as f:
        terikat = tuple(
            sk.DanaTerikat(r["kode_awalan"], r["kelompok"], r["peruntukan"], r["dasar_hukum"])
            for r in csv.DictReader(f)
        )
    with (SEEDS_DIR / "ref_infrastruktur_akun.csv").open(encoding="utf-8", newline="") as f:
        infrastruktur = tuple(
            sk.AkunInfrastruktur(r["awalan_akun"], r["dihitung"] == "true", r["cakupan_program"])
            for r in csv.DictReader(f)
        )
    return sk.Kebijakan(lantai, tuple(kontrak), terikat, infrastruktur)


def tanpa_batas() -> list[sk.Aturan]:
    """Rules present but none enforced (to test tiers, growth and rounding alone)."""
    return [
        sk.Aturan(a.kode, a.nama, a.arah, a.ambang_persen, a.berlaku_mulai, a.berlaku_sampai, False)
        for a in aturan_seed()
    ]


def prog(
    skpd, program, total, *, pegawai=0, infra=0, fungsi="01", transfer=0, hkpd=None, nama=None,
    terikat=0, terikat_infra=0, sumber=None, spm=0, btt=0,
):  # fmt: skip
    return {
        "terikat_rp": Decimal(terikat),
        "terikat_infrastruktur_rp": Decimal(terikat_infra),
        "sumber_terikat": sumber,
        "spm_rp": Decimal(spm),
        "spm_infrastruktur_rp": Decimal(0),
        "btt_rp": Decimal(btt),
        "kode_skpd": skpd,
        "nama_skpd": f"OPD {skpd}",
        "kode_program": program,
        "nama_program": nama or f"Program {program}",
        "kode_fungsi": fungsi,
        "total_belanja_rp": Decimal(total),
        "belanja_pegawai_rp": Decimal(pegawai),
        "belanja_pegawai_hkpd_rp": Decimal(pegawai if hkpd is None else hkpd),
        "belanja_transfer_rp": Decimal(transfer),
        "pendidikan_rp": Decimal(total if fungsi == "08" else 0),
        "infrastruktur_rp": Decimal(infra),
    }


def dasar(*rows, tahun=2025) -> sk.DataDasar:
    return sk.DataDasar(tahun, "perubahan", pl.DataFrame(list(rows), schema=sk.DASAR_COLUMNS))


def tiers(**by_program) -> pl.DataFrame:
    """tiers(E_02="D") -> a tier table; the key is <skpd>_<program suffix>."""
    rows = []
    for key, tier in by_program.items():
        skpd, suffix = key.split("_")
        rows.append({"kode_skpd": skpd, "kode_program": f"{skpd}.{suffix}", "tier": tier})
    return pl.DataFrame(
        rows, schema={"kode_skpd": pl.String, "kode_program": pl.String, "tier": pl.String}
    )


# A small city: education (E), public works (P), secretariat (S). 1,800 M in all, 450 M staff.
KOTA = dasar(
    prog("E", "E.01", 400 * M, pegawai=300 * M, fungsi="08"),  # support program, staff
    prog("E", "E.02", 200 * M, infra=100 * M, fungsi="08"),  # schools: building + operations
    prog("P", "P.01", 100 * M, pegawai=50 * M, fungsi="05"),
    prog("P", "P.02", 500 * M, infra=450 * M, fungsi="05"),  # roads
    prog("S", "S.01", 300 * M, pegawai=100 * M),
    prog("S", "S.02", 200 * M),
    prog("S", "S.03", 100 * M),
)
KOTA_TIER = tiers(E_01="B", E_02="D", P_01="B", P_02="C", S_01="B", S_02="D", S_03="A")


# Every rule of the seed held, also those binding only from 2027 (the engine's default holds
# the rules in force in the scenario year).
SEMUA = sk.OpsiSkenario(hanya_aturan_wajib=False)


def by_program(h: sk.HasilSkenario) -> dict[str, dict]:
    return {r["kode_program"]: r for r in h.baris.iter_rows(named=True)}


def cek(h: sk.HasilSkenario, kode: str) -> sk.CekAturan:
    return next(c for c in h.cek if c.kode == kode)


# ---------------------------------------------------------------------------------------------
# input parsing
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [("3183000000000", 3_183_000_000_000), ("3.183.000.000.000", 3_183_000_000_000), ("1", 1)],
)
def test_pagu_total_accepts_whole_rupiah_plain_or_with_thousand_dots(text, value):
    assert sk.parse_rupiah_bulat(text) == value


@pytest.mark.parametrize(
    "text",
    ["Rp3,183 T", "3,183 T", "3.183 T", "3,183,000,000,000", "3183000000000,00", "3.18.000",
     "3183000000000.5", "0", "-5", "", "3 183 000"],
)  # fmt: skip
def test_pagu_total_refuses_anything_else_and_says_which_forms_work(text):
    with pytest.raises(sk.SkenarioError) as exc:
        sk.parse_rupiah_bulat(text)
    assert "3183000000000" in str(exc.value) and "3.183.000.000.000" in str(exc.value)


# ---------------------------------------------------------------------------------------------
# floors, caps, tiers, exact sum
# ---------------------------------------------------------------------------------------------


def test_cut_scenario_meets_every_floor_sums_exactly_and_never_cuts_staff():
    h = sk.compute_skenario(
        KOTA, KOTA_TIER, aturan_seed(), tahun=2026, opsi=SEMUA, pagu_total=1_200 * M + 7
    )
    rows = by_program(h)
    total = sum(r["pagu_usulan_rp"] for r in rows.values())
    assert total == Decimal(1_200 * M + 7)  # to the rupiah, odd rupiah included
    assert all(
        r["pagu_usulan_rp"] == r["pagu_usulan_rp"].to_integral_value() for r in rows.values()
    )
    # education >= 20 % of the total (exact), infrastructure >= 40 % of total minus transfers
    edu = sum(r["pagu_usulan_rp"] for r in rows.values() if r["kode_fungsi"] == "08")
    infra = sum(r["infrastruktur_usulan_rp"] for r in rows.values())
    assert edu * 100 >= total * 20
    assert infra * 100 >= total * 40
    assert cek(h, "pendidikan").memenuhi and cek(h, "infrastruktur").memenuhi
    # staff: 450 M of 1,200 M = 37.5 % > 30 %: reported as a conflict, never cut
    assert not cek(h, "pegawai").memenuhi
    for r in rows.values():
        assert r["pagu_usulan_rp"] >= r["belanja_pegawai_rp"]
    # tier A is protected
    assert rows["S.03"]["pagu_usulan_rp"] >= rows["S.03"]["pagu_dasar_rp"]
    assert rows["S.03"]["dilindungi"] is True


def test_infrastructure_floor_holds_the_infrastructure_part_and_the_rest_of_the_tier_pays():
    h = sk.compute_skenario(
        KOTA, KOTA_TIER, aturan_seed(), tahun=2026, opsi=SEMUA, pagu_total=1_200 * M
    )
    rows = by_program(h)
    # 40 % of 1,200 M = 480 M of the 550 M infrastructure: exactly 70 M of it may go
    assert sum(r["infrastruktur_usulan_rp"] for r in rows.values()) == Decimal(480 * M)
    assert "infrastruktur 40 % tetap terpenuhi" in rows["P.02"]["alasan"]
    assert cek(h, "infrastruktur").keterangan == "Memenuhi, tepat di batas."


def test_cuts_take_tier_d_first_then_c_then_b_and_never_a():
    aturan = tanpa_batas()
    base = dasar(
        prog("S", "S.01", 100 * M), prog("S", "S.02", 100 * M), prog("S", "S.03", 100 * M),
        prog("S", "S.04", 100 * M),
    )  # fmt: skip
    t = tiers(S_01="A", S_02="B", S_03="C", S_04="D")
    only_d = by_program(sk.compute_skenario(base, t, aturan, tahun=2026, pagu_total=350 * M))
    assert [only_d[k]["pagu_usulan_rp"] for k in ("S.01", "S.02", "S.03", "S.04")] == [
        Decimal(100 * M), Decimal(100 * M), Decimal(100 * M), Decimal(50 * M)
    ]  # fmt: skip
    d_then_c = by_program(sk.compute_skenario(base, t, aturan, tahun=2026, pagu_total=250 * M))
    assert [d_then_c[k]["pagu_usulan_rp"] for k in ("S.01", "S.02", "S.03", "S.04")] == [
        Decimal(100 * M), Decimal(100 * M), Decimal(50 * M), Decimal(0)
    ]  # fmt: skip
    assert "tier C dipotong setelah tier D habis" in d_then_c["S.03"]["alasan"]
    to_b = by_program(sk.compute_skenario(base, t, aturan, tahun=2026, pagu_total=110 * M))
    assert to_b["S.01"]["pagu_usulan_rp"] == Decimal(100 * M)  # A untouched
    assert to_b["S.02"]["pagu_usulan_rp"] == Decimal(10 * M)


def test_a_proportional_cut_leaves_exact_whole_rupiah_by_largest_remainder():
    base = dasar(prog("S", "S.01", 100), prog("S", "S.02", 100), prog("S", "S.03", 100))
    h = sk.compute_skenario(base, tiers(S_01="D", S_02="D", S_03="D"), tanpa_batas(), tahun=2026,
                           pagu_total=200)  # fmt: skip
    # 66.67 each: two left-over rupiah go to the first two in code order (equal remainders)
    assert h.baris["pagu_usulan_rp"].to_list() == [Decimal(67), Decimal(67), Decimal(66)]
    assert h.baris["perubahan_persen"].to_list() == [
        Decimal("-33.00"), Decimal("-33.00"), Decimal("-34.00")
    ]  # fmt: skip


def test_growth_goes_to_tier_a_then_b_within_their_caps_then_to_both():
    base = dasar(prog("S", "S.01", 100 * M), prog("S", "S.02", 100 * M), prog("S", "S.03", 100 * M))
    h = sk.compute_skenario(base, tiers(S_01="A", S_02="B", S_03="C"), tanpa_batas(), tahun=2026,
                           pagu_total=340 * M)  # fmt: skip
    rows = by_program(h)
    # +20 % to A, +10 % to B, the remaining 10 M half each
    assert rows["S.01"]["pagu_usulan_rp"] == Decimal(125 * M)
    assert rows["S.02"]["pagu_usulan_rp"] == Decimal(115 * M)
    assert rows["S.03"]["pagu_usulan_rp"] == Decimal(100 * M)
    assert "Ditambah karena pagu total naik" in rows["S.01"]["alasan"]
    assert rows["S.03"]["alasan"].endswith("Tidak berubah.")


def test_a_floor_missed_at_base_is_topped_up_from_the_best_tier_and_paid_by_cuts():
    base = dasar(
        prog("E", "E.01", 50 * M, fungsi="08"), prog("E", "E.02", 50 * M, fungsi="08"),
        prog("S", "S.01", 900 * M),
    )  # fmt: skip
    aturan = [a for a in aturan_seed() if a.kode in ("pendidikan", "pegawai")]
    h = sk.compute_skenario(base, tiers(E_01="A", E_02="C", S_01="D"), aturan, tahun=2026,
                           pagu_total=1_000 * M)  # fmt: skip
    rows = by_program(h)
    assert rows["E.01"]["pagu_usulan_rp"] == Decimal(150 * M)  # the A program takes the top-up
    assert rows["E.02"]["pagu_usulan_rp"] == Decimal(50 * M)
    assert rows["S.01"]["pagu_usulan_rp"] == Decimal(800 * M)
    assert "Ditambah agar memenuhi minimal pendidikan 20 %" in rows["E.01"]["alasan"]
    assert cek(h, "pendidikan").porsi_persen == Decimal("20.00")


# ---------------------------------------------------------------------------------------------
# floors are held by tier B (and A) before C before D (issue 10)
# ---------------------------------------------------------------------------------------------


def bagian_tersisa(h: sk.HasilSkenario) -> dict[str, Decimal]:
    """Per tier B, C, D: the share of its cuttable base (base minus staff) the proposal keeps,
    over the programs that are not protected (the measure of the pipeline test)."""
    out = {}
    for t in ("B", "C", "D"):
        rows = h.baris.filter(~pl.col("dilindungi") & (pl.col("tier") == t))
        pegawai = rows["belanja_pegawai_rp"].sum()
        out[t] = (rows["pagu_usulan_rp"].sum() - pegawai) / (rows["pagu_dasar_rp"].sum() - pegawai)
    return out


# Roads of tier D, A and B; a tier C program and a large tier B one outside every floor.
JALAN = dasar(
    prog("P", "P.02", 200 * M, infra=200 * M, fungsi="04"),
    prog("P", "P.03", 100 * M, infra=100 * M, fungsi="04"),
    prog("P", "P.04", 100 * M, infra=100 * M, fungsi="04"),
    prog("S", "S.02", 100 * M),
    prog("S", "S.03", 500 * M),
)
JALAN_TIER = tiers(P_02="D", P_03="B", P_04="A", S_02="C", S_03="B")
HANYA_INFRA = [a for a in aturan_seed() if a.kode == "infrastruktur"]


def test_a_floor_is_held_by_tier_a_and_b_programs_not_by_the_d_program_the_cut_reaches_first():
    # 1,000 M -> 700 M; infrastructure needs 40 % = 280 M of its 400 M. The cut takes D first:
    # its roads program could only lose 120 M before the floor bound, so the old rule kept 80 M
    # there while C went to 0 and B paid (D kept 40 % of its base, C 0 %). Now the 80 M the floor
    # needs move to the A and B roads: A +20 %, B +10 %, the other 50 M in proportion.
    h = sk.compute_skenario(JALAN, JALAN_TIER, HANYA_INFRA, tahun=2026, opsi=SEMUA,
                           pagu_total=700 * M)  # fmt: skip
    rows = by_program(h)
    assert {k: r["pagu_usulan_rp"] for k, r in rows.items()} == {
        "P.02": Decimal(0), "P.03": Decimal(135 * M), "P.04": Decimal(145 * M),
        "S.02": Decimal(0), "S.03": Decimal(420 * M),
    }  # fmt: skip
    assert sum(r["infrastruktur_usulan_rp"] for r in rows.values()) == Decimal(280 * M)
    assert cek(h, "infrastruktur").keterangan == "Memenuhi, tepat di batas."
    assert bagian_tersisa(h)["D"] <= bagian_tersisa(h)["C"] <= bagian_tersisa(h)["B"] < 1
    assert "dipindah ke program tier A/B" in rows["P.02"]["alasan"]
    assert "tier D dipotong lebih dulu" in rows["P.02"]["alasan"]
    assert "Ditambah agar memenuhi minimal infrastruktur 40 %" in rows["P.03"]["alasan"]
    assert "Ditambah agar memenuhi minimal infrastruktur 40 %" in rows["P.04"]["alasan"]


def test_without_an_a_or_b_program_in_the_floor_a_c_program_holds_it_before_a_d_program():
    # Education (20 % of 600 M = 120 M) has only a D and a C program. The cut takes D's 180 M of
    # slack, C's other program and 20 M of B; the floor's last 20 M go from D to the C school.
    base = dasar(
        prog("E", "E.02", 200 * M, fungsi="08"), prog("E", "E.03", 100 * M, fungsi="08"),
        prog("S", "S.02", 200 * M), prog("S", "S.03", 500 * M),
    )  # fmt: skip
    t = tiers(E_02="D", E_03="C", S_02="C", S_03="B")
    aturan = [a for a in aturan_seed() if a.kode == "pendidikan"]
    h = sk.compute_skenario(base, t, aturan, tahun=2026, opsi=SEMUA, pagu_total=600 * M)
    rows = by_program(h)
    assert {k: r["pagu_usulan_rp"] for k, r in rows.items()} == {
        "E.02": Decimal(0), "E.03": Decimal(120 * M), "S.02": Decimal(0), "S.03": Decimal(480 * M),
    }  # fmt: skip
    assert cek(h, "pendidikan").memenuhi
    assert "dipindah ke program tier C yang juga dihitung" in rows["E.02"]["alasan"]


@pytest.mark.parametrize("pagu", [990, 950, 900, 800, 700, 650, 600, 560])
def test_at_every_ceiling_d_keeps_no_more_of_its_base_than_c_and_c_no_more_than_b(pagu):
    h = sk.compute_skenario(JALAN, JALAN_TIER, HANYA_INFRA, tahun=2026, opsi=SEMUA,
                           pagu_total=pagu * M)  # fmt: skip
    kept = bagian_tersisa(h)
    assert kept["D"] <= kept["C"] <= kept["B"], kept
    assert h.baris["pagu_usulan_rp"].sum() == Decimal(pagu * M)
    assert cek(h, "infrastruktur").memenuhi


def test_a_floor_with_only_d_programs_keeps_their_money_and_says_why():
    base = dasar(prog("P", "P.02", 300 * M, infra=300 * M, fungsi="04"), prog("S", "S.02", 700 * M))
    h = sk.compute_skenario(base, tiers(P_02="D", S_02="C"), HANYA_INFRA, tahun=2026, opsi=SEMUA,
                           pagu_total=500 * M)  # fmt: skip
    rows = by_program(h)
    assert rows["P.02"]["pagu_usulan_rp"] == Decimal(200 * M)  # 40 % of 500 M: no one else can
    assert rows["S.02"]["pagu_usulan_rp"] == Decimal(300 * M)
    assert (
        "Sebagian tidak dipotong agar minimal infrastruktur 40 % tetap terpenuhi"
        in (rows["P.02"]["alasan"])
    )


def test_without_tier_a_nothing_is_protected_or_grown_on_evidence():
    # The placebo world (no true effect anywhere) has no tier A: growth goes to B alone (+10 %,
    # then B in proportion), C and D never grow, nothing is protected, cuts take D first.
    base = dasar(prog("S", "S.01", 100 * M), prog("S", "S.02", 300 * M),
                 prog("S", "S.03", 100 * M), prog("S", "S.04", 100 * M))  # fmt: skip
    t = tiers(S_01="B", S_02="B", S_03="C", S_04="D")
    naik = sk.compute_skenario(base, t, tanpa_batas(), tahun=2026, pagu_total=680 * M)
    assert [r["pagu_usulan_rp"] for r in by_program(naik).values()] == [
        Decimal(120 * M), Decimal(360 * M), Decimal(100 * M), Decimal(100 * M)
    ]  # fmt: skip
    turun = sk.compute_skenario(base, t, tanpa_batas(), tahun=2026, pagu_total=550 * M)
    assert [r["pagu_usulan_rp"] for r in by_program(turun).values()] == [
        Decimal(100 * M), Decimal(300 * M), Decimal(100 * M), Decimal(50 * M)
    ]  # fmt: skip
    assert not any(naik.baris["dilindungi"]) and not any(turun.baris["dilindungi"])


def test_staff_cap_conflict_is_reported_with_its_rupiah_not_solved_by_cutting_staff():
    base = dasar(prog("S", "S.01", 500 * M, pegawai=400 * M), prog("S", "S.02", 500 * M))
    aturan = [a for a in aturan_seed() if a.kode == "pegawai"]
    h = sk.compute_skenario(base, tiers(S_01="D", S_02="D"), aturan, tahun=2027,
                           pagu_total=1_000 * M)  # fmt: skip
    c = cek(h, "pegawai")
    assert not c.memenuhi and c.selisih_rp == Decimal(100 * M)  # 400 M against a 300 M cap
    (konflik,) = h.konflik
    assert "KONFLIK" in konflik and "Rp100.000.000.000" in konflik
    assert "paling sedikit Rp1.333.333.333.334" in konflik  # 400 M / 30 %, rounded up
    assert "Status aturan: wajib" in konflik
    assert by_program(h)["S.01"]["pagu_usulan_rp"] == Decimal(500 * M)  # staff untouched


def test_teacher_allowances_from_tkd_do_not_count_against_the_staff_cap():
    base = dasar(prog("E", "E.01", 1_000 * M, pegawai=400 * M, hkpd=250 * M, fungsi="08"))
    h = sk.compute_skenario(base, tiers(E_01="B"), aturan_seed(), tahun=2027, pagu_total=1_000 * M)
    assert cek(h, "pegawai").memenuhi and cek(h, "pegawai").pembilang_rp == Decimal(250 * M)


def test_rules_not_yet_binding_can_be_left_out():
    strict = sk.compute_skenario(
        KOTA, KOTA_TIER, aturan_seed(), tahun=2026, opsi=SEMUA, pagu_total=1_200 * M
    )
    loose = sk.compute_skenario(
        KOTA, KOTA_TIER, aturan_seed(), tahun=2026, pagu_total=1_200 * M,
        opsi=sk.OpsiSkenario(hanya_aturan_wajib=True),
    )  # fmt: skip
    assert cek(strict, "infrastruktur").ditegakkan and not cek(loose, "infrastruktur").ditegakkan
    assert cek(loose, "infrastruktur").status == "belum wajib (berlaku mulai TA 2027)"
    assert not cek(loose, "infrastruktur").memenuhi  # D is cut first, schools and roads with it
    assert cek(loose, "pendidikan").ditegakkan and cek(loose, "pendidikan").memenuhi
    assert strict.id_skenario != loose.id_skenario


# ---------------------------------------------------------------------------------------------
# protection, floors per OPD, infeasible ceilings
# ---------------------------------------------------------------------------------------------


def test_protected_programs_and_opd_floors_are_kept():
    opsi = sk.OpsiSkenario(
        lindungi=("S.02",), lantai_opd=(("P", 500 * M),), hanya_aturan_wajib=False
    )
    h = sk.compute_skenario(
        KOTA, KOTA_TIER, aturan_seed(), tahun=2026, pagu_total=1_300 * M, opsi=opsi
    )
    rows = by_program(h)
    assert rows["S.02"]["pagu_usulan_rp"] == Decimal(200 * M)  # tier D, but protected
    assert "Dilindungi atas permintaan perencana." in rows["S.02"]["alasan"]
    assert rows["P.01"]["pagu_usulan_rp"] + rows["P.02"]["pagu_usulan_rp"] >= Decimal(500 * M)


@pytest.mark.parametrize(
    ("opsi", "pesan"),
    [
        (sk.OpsiSkenario(lindungi=("9.99.99",)), "9.99.99"),
        (sk.OpsiSkenario(lantai_opd=(("X", 1),)), "OPD pada lantai OPD tidak ada"),
        (sk.OpsiSkenario(lantai_opd=(("S", 1), ("S", 2))), "dua kali"),
    ],
)
def test_unknown_codes_in_the_options_are_refused_by_name(opsi, pesan):
    with pytest.raises(sk.SkenarioError, match=pesan):
        sk.compute_skenario(
            KOTA, KOTA_TIER, aturan_seed(), tahun=2026, pagu_total=1_200 * M, opsi=opsi
        )


def test_a_ceiling_below_the_commitments_says_by_how_many_rupiah():
    base = dasar(prog("S", "S.01", 1_000, pegawai=1_000), prog("S", "S.02", 200),
                 prog("S", "S.03", 300))  # fmt: skip
    t = tiers(S_01="B", S_02="A", S_03="D")
    with pytest.raises(sk.SkenarioTidakLayak) as exc:
        sk.compute_skenario(base, t, tanpa_batas(), tahun=2026, pagu_total=1_100)
    assert exc.value.pagu_minimal == 1_200 and exc.value.kekurangan_rp == 100
    msg = str(exc.value)
    assert "kurang Rp100" in msg and "paling sedikit Rp1.200" in msg
    assert "belanja pegawai dan transfer terikat Rp1.000" in msg
    assert "program tier A dan yang dilindungi Rp200" in msg
    ok = sk.compute_skenario(base, t, tanpa_batas(), tahun=2026, pagu_total=1_200)
    assert by_program(ok)["S.03"]["pagu_usulan_rp"] == Decimal(0)


def test_the_smallest_workable_ceiling_accounts_for_the_floors():
    with pytest.raises(sk.SkenarioTidakLayak) as exc:
        sk.compute_skenario(
            KOTA, KOTA_TIER, aturan_seed(), tahun=2026, opsi=SEMUA, pagu_total=700 * M
        )
    minimal = exc.value.pagu_minimal
    assert minimal is not None and minimal > 700 * M
    assert "batas minimal infrastruktur 40 %" in str(exc.value)
    sk.compute_skenario(KOTA, KOTA_TIER, aturan_seed(), tahun=2026, opsi=SEMUA, pagu_total=minimal)
    with pytest.raises(sk.SkenarioTidakLayak):
        sk.compute_skenario(
            KOTA, KOTA_TIER, aturan_seed(), tahun=2026, opsi=SEMUA, pagu_total=minimal - 1
        )


# ---------------------------------------------------------------------------------------------
# tiers as input
# ---------------------------------------------------------------------------------------------


def test_a_program_without_a_tier_is_treated_as_b_and_said_so():
    h = sk.compute_skenario(KOTA, KOTA_TIER.filter(pl.col("kode_program") != "S.01"), aturan_seed(),
                           tahun=2026, pagu_total=1_200 * M)  # fmt: skip
    assert by_program(h)["S.01"]["tier"] == "B"
    assert "tier bawaan" in by_program(h)["S.01"]["alasan"]
    assert any("1 program tidak memiliki tier" in c for c in h.catatan)


@pytest.mark.parametrize(
    ("frame", "pesan"),
    [
        (tiers(S_01="E"), "Tier harus A, B, C atau D"),
        (pl.concat([tiers(S_01="A"), tiers(S_01="B")]), "Tier ganda"),
    ],
)
def test_bad_tier_tables_are_refused(frame, pesan):
    with pytest.raises(sk.SkenarioError, match=pesan):
        sk.compute_skenario(
            KOTA, frame, aturan_seed(), tahun=2026, opsi=SEMUA, pagu_total=1_200 * M
        )


def test_tiers_are_read_at_program_level_newest_first_and_a_missing_table_is_explained():
    con = duckdb.connect()
    con.execute("create schema marts")
    with pytest.raises(sk.SkenarioError, match="belum ada"):
        sk.load_tier(con, 2026)
    con.execute(
        """create table marts.mart_prioritas_alokasi as select * from (values
            (2024, 'S', 'S.01', null, 'D'),
            (2025, 'S', 'S.01', null, 'a'),
            (2025, 'S', 'S.01', 'S.01.2.01.0001', 'C'),
            (2027, 'S', 'S.01', null, 'B')
        ) as t(tahun, kode_skpd, kode_program, kode_sub_kegiatan, tier)"""
    )
    assert sk.load_tier(con, 2026).rows() == [("S", "S.01", "A")]
    con.execute("create or replace table marts.mart_prioritas_alokasi as select 1 as tahun")
    with pytest.raises(sk.SkenarioError, match="kode_program"):
        sk.load_tier(con, 2026)


def test_the_base_is_the_latest_budget_position_before_the_year():
    con = duckdb.connect()
    con.execute("create schema marts")
    cols = ", ".join(f"{c} {'varchar' if t == pl.String else 'decimal(18,2)'}"
                     for c, t in sk.DASAR_COLUMNS.items())  # fmt: skip
    con.execute(
        f"create table marts.mart_kepatuhan_belanja_program (tahun integer, tahap varchar, "
        f"urutan_tahap integer, {cols})"
    )
    for tahun, tahap, urutan, total in [
        (2024, "perubahan", 99, 7), (2025, "murni", 0, 10), (2025, "pergeseran_1", 1, 11),
        (2025, "realisasi", 100, 9), (2026, "murni", 0, 99),
    ]:  # fmt: skip
        con.execute(
            "insert into marts.mart_kepatuhan_belanja_program (tahun, tahap, urutan_tahap, "
            "kode_skpd, kode_program, total_belanja_rp) values (?, ?, ?, 'S', 'S.01', ?)",
            [tahun, tahap, urutan, total],
        )
    d = sk.load_dasar(con, 2026, "perubahan")  # the final position: the last phase that year
    assert (d.tahun_dasar, d.tahap_dasar) == (2025, "pergeseran_1")
    assert d.program["total_belanja_rp"].to_list() == [Decimal(11)]
    with pytest.raises(sk.SkenarioError, match="sebelum TA 2024"):
        sk.load_dasar(con, 2024)


# ---------------------------------------------------------------------------------------------
# what may not move: earmarked money, multi-year contracts, BTT, SPM (issue 10)
# ---------------------------------------------------------------------------------------------


def assert_jumlah(h: sk.HasilSkenario) -> None:
    assert sum(h.baris["pagu_usulan_rp"].to_list()) == Decimal(h.pagu_total)


def test_earmarked_money_never_leaves_its_program_under_a_cut_or_a_floor_top_up():
    # S.01 (tier D) is 90 % DAK Fisik; the education floor must be topped up by cutting D.
    base = dasar(
        prog("E", "E.01", 100 * M, fungsi="08"),
        prog("S", "S.01", 500 * M, terikat=450 * M, sumber="DAK Fisik"),
        prog("S", "S.02", 400 * M),
    )
    t = tiers(E_01="B", S_01="D", S_02="C")
    aturan = [a for a in aturan_seed() if a.kode == "pendidikan"]
    h = sk.compute_skenario(base, t, aturan, tahun=2026, pagu_total=800 * M,
                           kebijakan=kebijakan_seed())  # fmt: skip
    rows = by_program(h)
    assert_jumlah(h)
    assert rows["S.01"]["pagu_usulan_rp"] == Decimal(450 * M)  # only its free 50 M moved
    assert rows["S.01"]["terkunci_rp"] == Decimal(450 * M)
    assert rows["E.01"]["pagu_usulan_rp"] == Decimal(160 * M)  # 20 % of 800 M
    assert rows["S.02"]["pagu_usulan_rp"] == Decimal(190 * M)  # C pays once D's free part is gone
    assert "dana terikat Rp450.000.000.000 (DAK Fisik: tidak dipindah" in rows["S.01"]["alasan"]
    (kunci,) = [k for k in h.kunci if k[2] == "S.01"]
    assert kunci[4] == "sumber_dana_terikat" and kunci[5] == 450 * M
    assert "DAK Fisik: UU 1/2022 (HKPD)" in kunci[7]  # the legal basis, from the seed
    # without the policy the same money would have been cut (the lock is what holds it)
    bebas = by_program(sk.compute_skenario(base, t, aturan, tahun=2026, pagu_total=800 * M))
    assert bebas["S.01"]["pagu_usulan_rp"] < Decimal(450 * M)


def test_earmarked_money_does_not_grow_with_the_tiers():
    base = dasar(
        prog("S", "S.01", 100 * M, terikat=100 * M, sumber="BLUD"), prog("S", "S.02", 100 * M)
    )
    h = sk.compute_skenario(base, tiers(S_01="A", S_02="B"), tanpa_batas(), tahun=2026,
                           pagu_total=220 * M, kebijakan=kebijakan_seed())  # fmt: skip
    rows = by_program(h)
    assert_jumlah(h)
    assert rows["S.01"]["pagu_usulan_rp"] == Decimal(100 * M)  # BLUD revenue: not the city's
    assert rows["S.02"]["pagu_usulan_rp"] == Decimal(120 * M)


KONTRAK_2026 = sk.Kontrak("TJ/001", 2026, "P", "P.02", Decimal(300 * M), "Jembatan", None, "5.2.04")
KONTRAK_2027 = sk.Kontrak("TJ/001", 2027, "P", "P.02", Decimal(520 * M), "Jembatan", None, "5.2.04")


def test_a_multi_year_contract_is_a_floor_of_its_program_in_its_year_only():
    base = dasar(prog("P", "P.02", 500 * M, infra=450 * M), prog("S", "S.02", 500 * M))
    t = tiers(P_02="D", S_02="C")
    kebijakan = kebijakan_seed(KONTRAK_2026, KONTRAK_2027)
    h = sk.compute_skenario(base, t, tanpa_batas(), tahun=2026, pagu_total=600 * M,
                           kebijakan=kebijakan)  # fmt: skip
    rows = by_program(h)
    assert_jumlah(h)
    assert rows["P.02"]["pagu_usulan_rp"] == Decimal(300 * M)  # D cut down to the obligation
    assert rows["P.02"]["infrastruktur_usulan_rp"] == Decimal(300 * M)  # capital: infrastructure
    assert "kontrak tahun jamak Rp300.000.000.000 (TJ/001, Jembatan" in rows["P.02"]["alasan"]
    # 2027: the 520 M obligation exceeds last year's program: the program grows to it
    h27 = sk.compute_skenario(base, t, tanpa_batas(), tahun=2027, pagu_total=1_000 * M,
                             kebijakan=kebijakan)  # fmt: skip
    assert_jumlah(h27)
    assert by_program(h27)["P.02"]["pagu_usulan_rp"] == Decimal(520 * M)
    assert by_program(h27)["S.02"]["pagu_usulan_rp"] == Decimal(480 * M)


# codes stay text, money decimal (as dbt loads the seeds)
TEKS_SEED = {c: "varchar" for c in ("kode_pemda", "kode_skpd", "kode_program", "kode_sub_kegiatan",
                                     "kode_akun", "awalan_akun", "kode_awalan")} | {"nilai_rp": "decimal(18,2)"}  # fmt: skip


def reference_db(tmp_path, **ganti: str):
    """A DuckDB holding the scenario's reference seeds as the published mart does, read from
    dbt/seeds/ (or, per seed name, from the CSV text given)."""
    con = duckdb.connect(str(tmp_path / "ref.duckdb"))
    con.execute("create schema reference")
    for seed in ("ref_lantai_skenario", "ref_kontrak_tahun_jamak", "ref_sumber_dana_terikat",
                 "ref_infrastruktur_akun"):  # fmt: skip
        path = SEEDS_DIR / f"{seed}.csv"
        if seed in ganti:
            path = tmp_path / f"{seed}.csv"
            path.write_text(ganti[seed], encoding="utf-8")
        header = path.read_text(encoding="utf-8").splitlines()[0].split(",")
        types = {c: t for c, t in TEKS_SEED.items() if c in header}
        con.execute(
            f"create table reference.{seed} as select * from read_csv(?, header = true, "
            f"types = {types})",
            [str(path)],
        )
    return con


@pytest.mark.parametrize(
    ("kode_akun", "kode_program", "infrastruktur"),
    [("5.2.04", "P.02", True),  # roads capital in a service program
     ("5.2.02", "P.02", False),  # equipment: capital, but not infrastructure
     ("5.1.02.03.04", "P.02", True),  # maintenance of roads and networks
     ("5.1.02.03.04.0001", "P.02", True),  # a full account under the prefix
     ("5.2.03", "1.01.01", False),  # an office building in a support program
     ("5.1.02.04", "P.02", False),  # official travel
     ("5.3.01", "P.02", False)],  # no row: not infrastructure
)  # fmt: skip
def test_a_contract_counts_as_infrastructure_by_the_seed_the_compliance_mart_uses(
    kode_akun, kode_program, infrastruktur
):
    assert kebijakan_seed().infrastruktur(kode_akun, kode_program) is infrastruktur


def test_changing_the_infrastructure_seed_changes_the_scenario(tmp_path):
    # P.02 (D, 500 M, 450 M roads) owes 300 M on a roads contract in 2026; the contract is locked
    # either way, but only an infrastructure account makes it count for the >= 40 % floor.
    base = dasar(prog("P", "P.02", 500 * M, infra=450 * M), prog("S", "S.02", 500 * M))
    kontrak = (
        "nomor_persetujuan,tahun_anggaran,kode_skpd,kode_program,kode_sub_kegiatan,kode_akun,"
        "nama_pekerjaan,nilai_rp,keterangan\n"
        "TJ/001,2026,P,P.02,,5.2.04,Jembatan,300000000000.00,uji\n"
    )
    seed = (SEEDS_DIR / "ref_infrastruktur_akun.csv").read_text(encoding="utf-8")
    jalan = '5.2.04,"Belanja modal jalan, jaringan, dan irigasi",true,'
    assert jalan in seed
    diubah = seed.replace(jalan, '5.2.04,"Belanja modal jalan, jaringan, dan irigasi",false,')

    def hitung(**ganti):
        folder = tmp_path / ("diubah" if ganti else "asli")
        folder.mkdir()
        with reference_db(folder, ref_kontrak_tahun_jamak=kontrak, **ganti) as con:
            kebijakan = sk.load_kebijakan(con)
        return sk.compute_skenario(base, tiers(P_02="D", S_02="C"), tanpa_batas(), tahun=2026,
                                  pagu_total=600 * M, kebijakan=kebijakan)  # fmt: skip

    asli, ubah = hitung(), hitung(ref_infrastruktur_akun=diubah)
    assert by_program(asli)["P.02"]["infrastruktur_usulan_rp"] == Decimal(300 * M)
    assert by_program(ubah)["P.02"]["infrastruktur_usulan_rp"] == Decimal(0)
    assert by_program(ubah)["P.02"]["pagu_usulan_rp"] == Decimal(300 * M)  # still locked
    assert cek(asli, "infrastruktur").pembilang_rp == Decimal(300 * M)
    assert cek(ubah, "infrastruktur").pembilang_rp == Decimal(0)
    assert asli.id_skenario != ubah.id_skenario  # the seed is an input of the scenario id


def test_a_contract_for_a_program_without_a_base_is_refused_by_number():
    base = dasar(prog("S", "S.02", 500 * M))
    with pytest.raises(sk.SkenarioError, match=r"TJ/001 \(P P.02\)"):
        sk.compute_skenario(base, tiers(S_02="C"), tanpa_batas(), tahun=2026, pagu_total=500 * M,
                           kebijakan=kebijakan_seed(KONTRAK_2026))  # fmt: skip


def test_btt_keeps_its_minimum_and_is_never_cut_or_grown_by_tier():
    # BPKAD's program: 30 M BTT (5.3) and 20 M of other spending; tier D (low absorption).
    base = dasar(prog("K", "K.02", 50 * M, btt=30 * M), prog("S", "S.02", 100 * M))
    t = tiers(K_02="D", S_02="D")
    h = sk.compute_skenario(base, t, tanpa_batas(), tahun=2026, pagu_total=40 * M,
                           kebijakan=kebijakan_seed())  # fmt: skip
    rows = by_program(h)
    assert_jumlah(h)
    assert rows["K.02"]["pagu_usulan_rp"] >= Decimal(30 * M)
    assert "belanja tidak terduga (btt) Rp30.000.000.000" in rows["K.02"]["alasan"]
    up = sk.compute_skenario(base, tiers(K_02="A", S_02="B"), tanpa_batas(), tahun=2026,
                            pagu_total=200 * M, kebijakan=kebijakan_seed())  # fmt: skip
    # growth goes to the movable parts only: K.02's 20 M (+20 %, then a share), never the BTT
    assert_jumlah(up)
    assert by_program(up)["K.02"]["terkunci_rp"] == Decimal(30 * M)


def test_a_row_the_tier_mart_marks_outside_the_tiers_is_neither_cut_nor_grown():
    base = dasar(prog("K", "K.02", 50 * M), prog("S", "S.02", 100 * M), prog("S", "S.03", 100 * M))
    t = tiers(K_02="D", S_02="D", S_03="A").with_columns(
        di_luar_tier=pl.col("kode_program") == "K.02"
    )
    down = by_program(sk.compute_skenario(base, t, tanpa_batas(), tahun=2026, pagu_total=200 * M))
    assert down["K.02"]["pagu_usulan_rp"] == Decimal(50 * M)
    assert down["S.02"]["pagu_usulan_rp"] == Decimal(50 * M)
    assert "Di luar tier (bukan program)" in down["K.02"]["alasan"]
    up = by_program(sk.compute_skenario(base, t, tanpa_batas(), tahun=2026, pagu_total=300 * M))
    assert up["K.02"]["pagu_usulan_rp"] == Decimal(50 * M)


def test_spm_spending_keeps_its_floor_when_its_program_is_cut():
    base = dasar(prog("D", "D.02", 200 * M, spm=120 * M), prog("S", "S.02", 200 * M))
    h = sk.compute_skenario(base, tiers(D_02="D", S_02="D"), tanpa_batas(), tahun=2026,
                           pagu_total=134 * M, kebijakan=kebijakan_seed())  # fmt: skip
    rows = by_program(h)
    assert_jumlah(h)
    # 14 M of the 280 M movable stay, in proportion: D.02 keeps 120 M + 80/280 of 14 M
    assert rows["D.02"]["pagu_usulan_rp"] == Decimal(124 * M)
    assert rows["S.02"]["pagu_usulan_rp"] == Decimal(10 * M)
    assert "lantai spm Rp120.000.000.000" in rows["D.02"]["alasan"]
    assert "UU 23/2014 Pasal 298" in next(k[7] for k in h.kunci if k[4] == "spm")


def test_floors_above_the_ceiling_are_refused_naming_each_binding_floor():
    base = dasar(
        prog("P", "P.02", 500 * M, pegawai=50 * M),
        prog("K", "K.02", 50 * M, btt=30 * M),
        prog("S", "S.01", 300 * M, terikat=100 * M, sumber="DAK Fisik; Pendapatan BLUD"),
        prog("D", "D.02", 200 * M, spm=60 * M),
    )
    t = tiers(P_02="D", K_02="D", S_01="D", D_02="D")
    with pytest.raises(sk.SkenarioTidakLayak) as exc:
        sk.compute_skenario(base, t, tanpa_batas(), tahun=2026, pagu_total=500 * M,
                           kebijakan=kebijakan_seed(KONTRAK_2026))  # fmt: skip
    pesan = str(exc.value)
    for bagian in (
        "belanja pegawai dan transfer terikat Rp50.000.000.000",
        "dana terikat Rp100.000.000.000",
        "kontrak tahun jamak Rp300.000.000.000",
        "belanja tidak terduga (btt) Rp30.000.000.000",
        "lantai spm Rp60.000.000.000",
        "kurang Rp40.000.000.000",
    ):
        assert bagian in pesan, (bagian, pesan)
    assert exc.value.pagu_minimal == 540 * M


def test_base_choice_murni_or_perubahan_changes_the_base_and_the_id():
    con = duckdb.connect()
    con.execute("create schema marts")
    cols = ", ".join(f"{c} {'varchar' if t == pl.String else 'decimal(18,2)'}"
                     for c, t in sk.DASAR_COLUMNS.items())  # fmt: skip
    con.execute(
        f"create table marts.mart_kepatuhan_belanja_program (tahun integer, tahap varchar, "
        f"urutan_tahap integer, {cols})"
    )
    for tahap, urutan, total in [("murni", 0, 100), ("perubahan", 50, 130), ("realisasi", 100, 90)]:
        con.execute(
            "insert into marts.mart_kepatuhan_belanja_program (tahun, tahap, urutan_tahap, "
            "kode_skpd, kode_program, total_belanja_rp) values (2025, ?, ?, 'S', 'S.01', ?)",
            [tahap, urutan, total],
        )
    murni, akhir = sk.load_dasar(con, 2026), sk.load_dasar(con, 2026, "perubahan")
    assert (murni.tahap_dasar, akhir.tahap_dasar) == ("murni", "perubahan")  # default: murni
    assert murni.program["total_belanja_rp"].to_list() == [Decimal(100)]
    assert akhir.program["total_belanja_rp"].to_list() == [Decimal(130)]
    hm = sk.compute_skenario(murni, tiers(S_01="B"), tanpa_batas(), tahun=2026, pagu_total=120)
    ha = sk.compute_skenario(akhir, tiers(S_01="B"), tanpa_batas(), tahun=2026, pagu_total=120)
    assert hm.baris["pagu_dasar_rp"].to_list() == [Decimal(100)]
    assert ha.baris["pagu_dasar_rp"].to_list() == [Decimal(130)]
    assert hm.baris["tahap_dasar"].to_list() == ["murni"]
    assert hm.id_skenario != ha.id_skenario
    with pytest.raises(sk.SkenarioError, match="'murni' atau 'perubahan'"):
        sk.load_dasar(con, 2026, "pergeseran")


def test_the_rules_in_force_in_the_scenario_year_are_the_default():
    h = sk.compute_skenario(KOTA, KOTA_TIER, aturan_seed(), tahun=2026, pagu_total=1_200 * M)
    assert not cek(h, "infrastruktur").ditegakkan  # binds from 2027
    assert cek(h, "pendidikan").ditegakkan


# ---------------------------------------------------------------------------------------------
# determinism, outputs
# ---------------------------------------------------------------------------------------------


def test_same_inputs_give_the_same_id_rows_parquet_and_workbook(tmp_path):
    a = sk.compute_skenario(
        KOTA, KOTA_TIER, aturan_seed(), tahun=2026, opsi=SEMUA, pagu_total=1_234_567_891_011
    )
    b = sk.compute_skenario(
        KOTA, KOTA_TIER, aturan_seed(), tahun=2026, opsi=SEMUA, pagu_total=1_234_567_891_011
    )
    assert a.id_skenario == b.id_skenario and a.baris.equals(b.baris)
    assert parquet_bytes(a) == parquet_bytes(b)
    x1, x2 = write_xlsx(a, tmp_path / "1.xlsx"), write_xlsx(b, tmp_path / "2.xlsx")
    assert x1.read_bytes() == x2.read_bytes()
    other = sk.compute_skenario(
        KOTA, KOTA_TIER, aturan_seed(), tahun=2026, opsi=SEMUA, pagu_total=1_234_567_891_012
    )
    assert other.id_skenario != a.id_skenario
    retiered = sk.compute_skenario(KOTA, KOTA_TIER.with_columns(pl.lit("B").alias("tier")),
                                  aturan_seed(), tahun=2026, opsi=SEMUA, pagu_total=1_234_567_891_011)  # fmt: skip
    assert retiered.id_skenario != a.id_skenario


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=SUM(A1)", "'=SUM(A1)"), ("+62 812", "'+62 812"), ("-1 hari", "'-1 hari"), ("-1", "-1"), ("@cmd", "'@cmd"),
     ("\tx", "'\tx"), ("Dinas =", "Dinas ="), ("", ""), (-5, -5), (None, None)],
)  # fmt: skip
def test_neutralise_cell(value, expected):
    assert neutralise_cell(value) == expected


def test_workbook_has_indonesian_headings_rupiah_format_frozen_header_filter(tmp_path):
    base = dasar(
        prog("S", "S.01", 100 * M, nama='=HYPERLINK("http://x")'), prog("S", "S.02", 100 * M)
    )
    h = sk.compute_skenario(base, tiers(S_01="A", S_02="D"), tanpa_batas(), tahun=2026,
                           pagu_total=150 * M)  # fmt: skip
    wb = openpyxl.load_workbook(write_xlsx(h, tmp_path / "s.xlsx"))
    assert wb.sheetnames == ["Ringkasan", "Usulan per program", "Kunci dan lantai", "Per OPD"]
    ws = wb["Usulan per program"]
    head = [c.value for c in ws[1]]
    assert head[:4] == ["Kode SKPD", "Nama OPD", "Kode program", "Nama program"]
    assert "Pagu usulan (Rp)" in head and "Alasan" in head
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:O3"
    col = head.index("Pagu usulan (Rp)") + 1
    assert '"Rp"#,##0' in ws.cell(row=2, column=col).number_format
    assert ws.cell(row=2, column=col).value == 100 * M
    assert ws.cell(row=2, column=4).value == '\'=HYPERLINK("http://x")'  # text, never a formula
    summary = [c.value for row in wb["Ringkasan"].iter_rows() for c in row if c.value]
    assert "Pemeriksaan batas belanja wajib" in summary and "Sepuluh perubahan terbesar" in summary


def test_workbook_shows_the_ceiling_and_every_locked_rupiah_with_its_reason(tmp_path):
    base = dasar(
        prog("P", "P.02", 500 * M, pegawai=20 * M, infra=450 * M),
        prog("K", "K.02", 50 * M, btt=30 * M),
        prog("S", "S.01", 300 * M, terikat=100 * M, sumber="DAK Fisik"),
        prog("D", "D.02", 200 * M, spm=60 * M),
    )
    h = sk.compute_skenario(base, tiers(P_02="D", K_02="D", S_01="D", D_02="D"), tanpa_batas(),
                           tahun=2026, pagu_total=800 * M,
                           kebijakan=kebijakan_seed(KONTRAK_2026))  # fmt: skip
    wb = openpyxl.load_workbook(write_xlsx(h, tmp_path / "s.xlsx"))
    ws = wb["Kunci dan lantai"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    jenis = {(r[2], r[4]): r for r in rows}
    assert jenis[("P.02", "Kontrak tahun jamak")][5] == 300 * M
    assert jenis[("P.02", "Belanja pegawai")][5] == 20 * M
    assert jenis[("K.02", "Belanja tidak terduga (BTT)")][5] == 30 * M
    assert "PP 12/2019" in jenis[("K.02", "Belanja tidak terduga (BTT)")][7]
    assert jenis[("S.01", "Dana terikat")][5] == 100 * M
    assert "Perpres petunjuk teknis DAK Fisik" in jenis[("S.01", "Dana terikat")][7]
    assert jenis[("D.02", "Lantai SPM")][5] == 60 * M
    ringkasan = {
        r[0].value: r[1].value for r in wb["Ringkasan"].iter_rows() if r[0].value and r[1].value
    }
    assert ringkasan["Pagu total (plafon)"] == 800 * M
    assert ringkasan["Jumlah terkunci"] == 510 * M  # 20 + 300 + 30 + 100 + 60
    assert ringkasan["Dapat dialokasikan menurut tier bukti"] == 290 * M


def test_store_saves_once_and_reads_back(tmp_path):
    paths = DataPaths(tmp_path / "data")
    h = sk.compute_skenario(
        KOTA, KOTA_TIER, aturan_seed(), tahun=2026, opsi=SEMUA, pagu_total=1_200 * M
    )
    first = save(h, paths)
    stamp = read_index(paths)[0]["disimpan_pada"]
    again = save(h, paths)
    assert first == again == paths.root / "scenarios" / f"{h.id_skenario}.parquet"
    (entry,) = read_index(paths)
    assert entry["disimpan_pada"] == stamp and entry["pagu_total_rp"] == 1_200 * M
    assert {c["aturan"]: c["memenuhi"] for c in entry["cek"]} == {
        "infrastruktur": True, "pegawai": False, "pendidikan": True
    }  # fmt: skip
    assert read(paths, h.id_skenario).equals(h.baris)
    assert first.read_bytes() == parquet_bytes(h)


def test_cli_refuses_an_unreadable_ceiling_before_touching_the_mart(tmp_path):
    result = CliRunner().invoke(
        app,
        ["scenario", "--tahun", "2026", "--pagu-total", "Rp3,183 T", "--data-dir", str(tmp_path)],
    )
    assert result.exit_code == 1
    out = " ".join(result.output.split())
    assert "tidak dikenali" in out and "3.183.000.000.000" in out


def test_cli_refuses_a_malformed_opd_floor(tmp_path):
    result = CliRunner().invoke(
        app,
        ["scenario", "--tahun", "2026", "--pagu-total", "3183000000000", "--lantai-opd",
         "1.02.0.00.0.00.01.0000", "--data-dir", str(tmp_path)],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "<kode_skpd>=<rupiah>" in " ".join(result.output.split())


def test_a_floor_no_program_can_serve_is_named():
    base = dasar(prog("S", "S.01", 100 * M))
    with pytest.raises(sk.SkenarioTidakLayak, match="minimal pendidikan 20 %") as exc:
        sk.compute_skenario(
            base, tiers(S_01="B"), aturan_seed(), tahun=2026, opsi=SEMUA, pagu_total=90 * M
        )
    assert exc.value.pagu_minimal is None and "tidak ada program" in str(exc.value)


def test_tier_config_weights_sum_to_one_and_every_parameter_is_described():
    with (SEEDS_DIR / "ref_aturan_tier.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    weights = [Decimal(r["nilai"]) for r in rows if r["kode_parameter"].startswith("bobot_")]
    assert sum(weights) == 1 and len(weights) == 5
    assert all(r["keterangan"] and r["satuan"] for r in rows)
    values = {r["kode_parameter"]: Decimal(r["nilai"]) for r in rows}
    # (ambang_c is gone: issue 10, tier D only with evidence of waste, never a low score alone)
    assert values["ambang_a"] > values["ambang_b"] > 0


def test_mandatory_spending_config_is_one_row_per_rule():
    rules = {a.kode: a for a in aturan_seed()}
    assert set(rules) == {"pendidikan", "infrastruktur", "pegawai", "kesehatan"}
    assert (rules["pendidikan"].arah, rules["pendidikan"].ambang_persen) == ("minimal", 20)
    assert (rules["infrastruktur"].arah, rules["infrastruktur"].ambang_persen) == ("minimal", 40)
    assert (rules["pegawai"].arah, rules["pegawai"].ambang_persen) == ("maksimal", 30)
    assert rules["pegawai"].berlaku_mulai == rules["infrastruktur"].berlaku_mulai == 2027
    assert not rules["kesehatan"].dipakai_skenario and rules["kesehatan"].berlaku_sampai == 2023


def test_gx_business_rules_catch_a_proposal_below_staff_and_a_met_rule_with_a_gap():
    from dagster_project.lib.contracts.model import mart_contracts
    from dagster_project.lib.gate.expectations import gx_checks

    h = sk.compute_skenario(
        KOTA, KOTA_TIER, aturan_seed(), tahun=2026, opsi=SEMUA, pagu_total=1_200 * M
    )
    bad = h.baris.with_columns(
        pl.when(pl.col("kode_program") == "E.01")
        .then(pl.lit(Decimal(1)).cast(pl.Decimal(18, 2)))
        .otherwise(pl.col("pagu_usulan_rp"))
        .alias("pagu_usulan_rp")
    )
    con = duckdb.connect()
    con.execute("create schema marts")
    con.register("bad", bad.to_arrow())
    con.execute("create table marts.mart_skenario_alokasi as select * from bad")
    con.execute(
        "create table marts.mart_kepatuhan_belanja as select * from (values (2026, 'murni', 0, "
        "'pendidikan', 'x', 'minimal', 20.00::decimal(5,2), 100.00::decimal(18,2), "
        "10.00::decimal(18,2), 100.00::decimal(18,2), 10.00::decimal(9,2), 20.00::decimal(18,2),"
        " true, -10.00::decimal(18,2), 10.00::decimal(18,2), true, 2003, null::integer, 'UU', "
        "'teks', 'a')) as t(tahun, tahap, urutan_tahap, kode_aturan, nama_aturan, arah, "
        "ambang_persen, total_belanja_rp, pembilang_rp, penyebut_rp, porsi_persen, batas_rp, "
        "memenuhi, selisih_rp, penyesuaian_rp, wajib_berlaku, berlaku_mulai, berlaku_sampai, "
        "dasar_hukum, penjelasan, sumber_sha256)"
    )
    marts = mart_contracts()
    skenario, kepatuhan = gx_checks(
        con, [marts["mart_skenario_alokasi"], marts["mart_kepatuhan_belanja"]]
    )
    assert not skenario.passed and "di bawah belanja pegawai" in skenario.message
    assert not kepatuhan.passed and "penyesuaian_rp harus 0" in kepatuhan.message
