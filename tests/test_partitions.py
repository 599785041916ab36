"""Partitions come from the contracts and the OPD master, and a file maps to exactly one."""

from __future__ import annotations

from datetime import date

import dagster as dg
import pytest

from dagster_project.defs.ingest.assets import ingest_assets, partition_key, partitions_def
from dagster_project.lib.contracts.model import source_contracts
from dagster_project.lib.contracts.reference import opd_codes
from dagster_project.lib.ingest.partitions import (
    files_in_partitions,
    normalise_period,
    partition_of,
    partition_years,
    partitioning,
    raw_files_in_partitions,
)
from tests.conftest import DINKES, DISDIKBUD

CONTRACTS = source_contracts()
DPA = CONTRACTS["sipd.dpa_sub_kegiatan"]
SP2D = CONTRACTS["bpkad.sp2d"]


def touch(paths, rel: str, text: str = "x") -> object:
    p = paths.landing / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


def test_opd_dimension_is_the_opd_master_that_dbt_uses():
    for contract in CONTRACTS.values():
        scheme = partitioning(contract)
        if scheme is None:  # files of several years: not partitioned (bps.indikator_kabkota)
            assert "{tahun}" not in contract.landing_path
            continue
        if contract.per_opd:
            time_dimension = "periode" if contract.period_cadence else "tahun"
            assert list(scheme.dimensions) == ["opd", time_dimension]
            assert list(scheme.dimensions["opd"]) == opd_codes()
        assert "2024" in scheme.dimensions.get("tahun", ()) or "periode" in scheme.dimensions


def test_years_run_from_the_opd_master_to_next_year():
    years = partition_years(date(2026, 11, 29))
    assert years[0] == "2021" and years[-1] == "2027"


def test_monthly_source_is_bulan_by_tahun():
    scheme = partitioning(SP2D)
    assert SP2D.period_cadence == "monthly"
    assert scheme.dimensions["bulan"] == tuple(f"{m:02d}" for m in range(1, 13))
    assert list(scheme.dimensions) == ["bulan", "tahun"]


def test_quarterly_opd_report_is_opd_by_year_quarter(data_paths):
    """`periodCadence: quarterly` in the kinerja contract: one partition per OPD and quarter."""
    kinerja = CONTRACTS["opd.realisasi_kinerja"]
    scheme = partitioning(kinerja, date(2026, 1, 1))
    assert kinerja.period_cadence == "quarterly"
    assert list(scheme.dimensions) == ["opd", "periode"]
    assert "2025-tw1" in scheme.dimensions["periode"]
    assert scheme.key(2025, DINKES, "tw3") == {"opd": DINKES, "periode": "2025-tw3"}
    assert scheme.slot({"opd": DINKES, "periode": "2025-tw3"}) == ("2025", DINKES, "tw3")
    f = touch(data_paths, f"opd/realisasi_kinerja/2025/{DINKES}/realisasi_kinerja_TW3.xlsx")
    assert partition_of(f, kinerja, data_paths, scheme) == {"opd": DINKES, "periode": "2025-tw3"}


@pytest.mark.parametrize(
    ("cadence", "value", "expected"),
    [
        ("monthly", "03", "03"),
        ("monthly", "3", "03"),
        ("monthly", "13", None),
        ("quarterly", "TW2", "tw2"),
        ("quarterly", "tw4", "tw4"),
        ("quarterly", "5", None),
        ("monthly", "murni", None),
    ],
)
def test_period_labels_are_normalised(cadence, value, expected):
    assert normalise_period(cadence, value) == expected


def test_a_landing_file_maps_to_exactly_one_partition(data_paths):
    dpa = partitioning(DPA)
    sp2d = partitioning(SP2D)
    f = touch(data_paths, f"sipd/dpa_sub_kegiatan/2025/{DINKES}/dpa_sub_kegiatan_murni.xlsx")
    assert partition_of(f, DPA, data_paths, dpa) == {"opd": DINKES, "tahun": "2025"}
    g = touch(data_paths, "bpkad/sp2d/2025/sp2d_2025_03.csv")
    assert partition_of(g, SP2D, data_paths, sp2d) == {"bulan": "03", "tahun": "2025"}
    # Wrong folder, an OPD not in the master, a year outside the partitions, no month: no home.
    for rel in (
        f"sipd/dpa_sub_kegiatan/{DINKES}/x.csv",
        "sipd/dpa_sub_kegiatan/2025/9.99.9.99.9.99.99.9999/dpa_sub_kegiatan_murni.csv",
        f"sipd/dpa_sub_kegiatan/2019/{DINKES}/dpa_sub_kegiatan_murni.csv",
    ):
        assert partition_of(touch(data_paths, rel), DPA, data_paths, dpa) is None, rel
    assert (
        partition_of(touch(data_paths, "bpkad/sp2d/2025/sp2d.csv"), SP2D, data_paths, sp2d) is None
    )


def test_a_partition_reads_its_own_files_only(data_paths):
    dpa = partitioning(DPA)
    mine = [
        touch(data_paths, f"sipd/dpa_sub_kegiatan/2025/{DINKES}/dpa_sub_kegiatan_murni.csv"),
        touch(data_paths, f"sipd/dpa_sub_kegiatan/2025/{DINKES}/dpa_sub_kegiatan_perubahan.csv"),
    ]
    touch(data_paths, f"sipd/dpa_sub_kegiatan/2024/{DINKES}/dpa_sub_kegiatan_murni.csv")
    touch(data_paths, f"sipd/dpa_sub_kegiatan/2025/{DISDIKBUD}/dpa_sub_kegiatan_murni.csv")
    got = files_in_partitions(DPA, data_paths, dpa, [{"opd": DINKES, "tahun": "2025"}])
    assert sorted(got) == sorted(mine)
    raw = (
        data_paths.raw
        / "sipd"
        / "dpa_sub_kegiatan"
        / "pemda=64.72"
        / "tahun=2025"
        / DINKES
        / "murni.parquet"
    )
    raw.parent.mkdir(parents=True)
    raw.write_bytes(b"")
    assert raw_files_in_partitions(DPA, data_paths, dpa, [{"opd": DINKES, "tahun": "2025"}]) == [
        raw
    ]


def test_dagster_partitions_follow_the_scheme():
    by_key = {a.key: a for a in ingest_assets}
    sipd = [by_key[dg.AssetKey(["sipd", t])] for t in ("dpa_sub_kegiatan", "dpa_rincian")]
    # Sources partitioned alike share one definition object, so one run can cover them.
    assert sipd[0].partitions_def is sipd[1].partitions_def
    pdef = sipd[0].partitions_def
    assert isinstance(pdef, dg.MultiPartitionsDefinition)
    sp2d = by_key[dg.AssetKey(["bpkad", "sp2d"])].partitions_def
    assert sp2d is partitions_def(partitioning(SP2D))
    with dg.instance_for_test() as instance:
        # Years are partitions once files for them arrive (shared by every source).
        assert pdef.get_partition_keys(dynamic_partitions_store=instance) == []
        instance.add_dynamic_partitions("tahun", ["2024", "2025"])
        keys = pdef.get_partition_keys(dynamic_partitions_store=instance)
        assert len(keys) == 2 * len(opd_codes())
        assert partition_key(partitioning(DPA), {"opd": DINKES, "tahun": "2025"}) in keys
        assert len(sp2d.get_partition_keys(dynamic_partitions_store=instance)) == 24
