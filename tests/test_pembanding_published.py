"""The peer marts on the shared published demo (issue 13): the demo lands the real national files
the project carries, so `make run` publishes Samarinda among its peers from real figures."""

from __future__ import annotations

import shutil
from decimal import Decimal

import duckdb

from dagster_project.lib.contracts.model import mart_contracts
from dagster_project.lib.core.paths import DataPaths
from dagster_project.lib.gate.checks import contract_checks
from dagster_project.lib.gate.expectations import gx_checks

PEER_MARTS = ("mart_pembanding_pemda", "mart_kelompok_pembanding", "mart_posisi_pembanding")


def _rows(paths: DataPaths, sql: str) -> list[tuple]:
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_the_peer_marts_publish_real_figures_and_samarindas_sentence(published_demo):
    counts = _rows(
        published_demo,
        """select (select count(*) from marts.mart_pembanding_pemda),
            (select count(distinct kode_pemda) from marts.mart_kelompok_pembanding),
            (select count(*) from marts.mart_posisi_pembanding where kode_pemda = '64.72')""",
    )
    assert counts == [(501, 501, 55)]  # 501 kab/kota with a population; 5 groups x 11 figures
    ((belanja, pegawai, kalimat),) = _rows(
        published_demo,
        """select p.belanja_rp, p.porsi_belanja_pegawai_persen, k.kalimat
        from marts.mart_pembanding_pemda as p
        inner join marts.mart_posisi_pembanding as k
            on p.kode_pemda = k.kode_pemda and p.tahun = k.tahun
        where p.kode_pemda = '64.72' and p.tahun = 2023
            and k.kode_kelompok = 'sebanding' and k.kode_ukuran = 'porsi_belanja_pegawai_persen'""",
    )
    assert pegawai == Decimal("27.9")
    assert belanja > 0
    assert kalimat.startswith("belanja pegawai 27,9 % dari belanja, median kota sebanding ")
    # Fiscal-capacity peers: same kind, same band of revenue per capita (ref_pita_kapasitas_fiskal).
    ((pita_sama, n_fiskal),) = _rows(
        published_demo,
        """select bool_and(p.pendapatan_per_kapita_rp >= f.batas_bawah_rp
                and p.pendapatan_per_kapita_rp < f.batas_atas_rp), count(*)
        from marts.mart_kelompok_pembanding as k
        inner join marts.mart_pembanding_pemda as p on k.kode_pemda_pembanding = p.kode_pemda
        cross join reference.ref_pita_kapasitas_fiskal as f
        where k.kode_pemda = '64.72' and k.kode_kelompok = 'fiskal'
            and f.kode_pita = '2'""",
    )
    assert pita_sama and n_fiskal == 40  # Samarinda: Rp3,83 juta per kapita, band 2
    # The group's wording follows the pemda's kind (ref_kelompok_pembanding.sebutan).
    kabupaten = _rows(
        published_demo,
        """select kalimat from marts.mart_posisi_pembanding
        where kode_pemda = '32.01' and kode_kelompok = 'sebanding'
            and kode_ukuran = 'porsi_belanja_modal_persen'""",
    )
    assert (
        kabupaten[0][0].startswith("belanja modal ")
        and ", median kabupaten sebanding " in (kabupaten[0][0])
    )


def test_the_gate_checks_the_peer_marts_and_a_broken_one_fails(published_demo, tmp_path):
    contracts = [mart_contracts()[name] for name in PEER_MARTS]
    with duckdb.connect(str(published_demo.published_db), read_only=True) as con:
        results = contract_checks(con, contracts) + gx_checks(con, contracts)
    assert {r.target for r in results} == {f"marts.{name}" for name in PEER_MARTS}
    assert all(r.passed for r in results), [r.message for r in results if not r.passed]
    broken = tmp_path / "rusak.duckdb"
    shutil.copy(published_demo.published_db, broken)
    with duckdb.connect(str(broken)) as con:
        con.execute(
            "update marts.mart_pembanding_pemda set porsi_belanja_pegawai_persen = 127.9 "
            "where kode_pemda = '64.72'"
        )
    with duckdb.connect(str(broken), read_only=True) as con:
        (gx,) = gx_checks(con, [mart_contracts()["mart_pembanding_pemda"]])
    assert not gx.passed and gx.blocking
    assert "porsi_belanja_pegawai_persen" in gx.message
    # Without DJPK's national file the peer figures are empty: the city's own marts still publish
    # (contract bolehKosong), while an empty city mart still blocks.
    with duckdb.connect(str(broken)) as con:
        for table in ("mart_pembanding_pemda", "mart_posisi_pembanding", "mart_anggaran_realisasi"):
            con.execute(f"delete from marts.{table}")
    with duckdb.connect(str(broken), read_only=True) as con:
        marts = mart_contracts()
        rows = {
            r.target: r
            for r in contract_checks(
                con, [marts[n] for n in (*PEER_MARTS, "mart_anggaran_realisasi")]
            )
            if r.name == "has_rows"
        }
    assert rows["marts.mart_pembanding_pemda"].passed
    assert rows["marts.mart_posisi_pembanding"].passed
    assert rows["marts.mart_kelompok_pembanding"].passed  # from the seeds: never empty
    assert not rows["marts.mart_anggaran_realisasi"].passed
    assert rows["marts.mart_anggaran_realisasi"].blocking


def test_national_files_are_never_late_senders(published_demo):
    """DJPK's and BPS's national files are downloads, not submissions owed by a date (contract
    reportingCalendar false): the reporting-compliance mart has no row for them."""
    rows = _rows(
        published_demo,
        """select distinct sistem || '.' || tabel from marts.mart_kepatuhan_pelaporan
        where sistem in ('djpk', 'bps')""",
    )
    assert rows == [("bps.indikator_wilayah",)]


def test_the_city_beside_djpk_says_which_years_cannot_be_compared(published_demo):
    """Issue 13 §6 on the demo: the demo's years (2024, 2025) are not in the embedded DJPK file
    (2023), so nothing is compared, and the mart says so for every year instead of being empty.
    The comparison itself is the dbt unit test mart_rekonsiliasi_djpk_tahun_bersama_dan_tahun_sepihak."""
    rows = _rows(
        published_demo,
        """select tahun, status_perbandingan, count(*), count(selisih_rp),
            bool_and(gudang_rp is null), bool_and(djpk_rp is null), any_value(keterangan)
        from marts.mart_rekonsiliasi_djpk group by all order by tahun""",
    )
    assert [r[:6] for r in rows] == [
        (2023, "tahun_tidak_ada_di_gudang", rows[0][2], 0, True, False),
        (2024, "tahun_tidak_ada_di_djpk", rows[1][2], 0, False, True),
        (2025, "tahun_tidak_ada_di_djpk", rows[2][2], 0, False, True),
    ]
    assert rows[1][6] == (
        "Tahun 2024 tidak ada di berkas APBD DJPK (tahun di berkas: 2023); tidak dibandingkan."
    )
    (pegawai,) = _rows(
        published_demo,
        """select djpk_rp from marts.mart_rekonsiliasi_djpk
        where tahun = 2023 and kode_akun = '5.1.01'""",
    )
    assert pegawai == (Decimal("1110043851249.00"),)
