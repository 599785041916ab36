"""The peer marts on the shared published demo (issue 13): the demo lands the real national files
the project carries, so `make run` publishes Samarinda among its peers from real figures."""

from __future__ import annotations

from decimal import Decimal

import duckdb

from dagster_project.lib.core.paths import DataPaths


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
    assert counts == [(501, 501, 40)]  # 501 kab/kota with a population; 4 groups x 10 figures
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
