"""BPS outcome indicators of every kab/kota (issue 13), through their contract like any source:
files of several years (no year folder), comma or point decimals, quirks quarantined with their
reason. Needs ../shared/reference/real (or APBD_REFERENCE_DIR); skips where it is absent."""

from __future__ import annotations

import os
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from dagster_project.lib.contracts.model import source_contracts
from dagster_project.lib.core.paths import PROJECT_ROOT
from dagster_project.lib.ingest.loader import ingest_source

REFERENCE = Path(os.environ.get("APBD_REFERENCE_DIR", PROJECT_ROOT.parent / "shared" / "reference"))
FOLDER = REFERENCE / "real" / "bps_indikator_kabkota"


@pytest.mark.skipif(not FOLDER.is_dir(), reason=f"real BPS files not at {FOLDER}")
def test_every_indicator_file_loads_and_each_quirk_is_quarantined_with_its_reason(data_paths):
    landing = data_paths.landing / "bps" / "indikator_kabkota"
    landing.mkdir(parents=True)
    for f in FOLDER.glob("*.csv"):
        shutil.copy(f, landing / f.name)
    outcomes = {o.berkas.rsplit("/", 1)[-1]: o for o in ingest_source(
        source_contracts()["bps.indikator_kabkota"], data_paths
    )}  # fmt: skip
    assert len(outcomes) == 17 and {o.status for o in outcomes.values()} == {"dimuat"}
    # the 2020 growth written with an en dash ('–2,95') is a negative number, not an error
    assert outcomes["pertm_ekonomi_2019-2021.csv"].rows_quarantined == 0
    # P2 lists 2021 three times with different values for every kab/kota: never guessed
    p2 = outcomes["keparahan_2015-2021.csv"].errors
    assert p2.filter(p2["aturan"] == "kunci_ganda").height == 1545
    # '-' (no figure) is quarantined with its reason, never read as zero
    dash = outcomes["tpt_2021-2021.csv"].errors
    assert set(dash["nilai"]) == {"-"} and set(dash["aturan"]) == {"format_number"}
    raw = data_paths.raw / "bps" / "indikator_kabkota" / "semua_tahun"
    con = duckdb.connect()
    ipm = dict(
        con.execute(
            f"""
            select tahun, nilai from read_parquet('{raw}/**/*.parquet', union_by_name = true)
            where kode_bps = '6472' and nama_indikator = 'ind1_ipm'
            """
        ).fetchall()
    )
    # Samarinda's IPM as the files write it ("80,20" with a comma, 80.76 with a point; 2022 comes
    # in pertm_ekonomi_2021-2022.csv, which holds several indicators despite its name)
    assert ipm == {
        2019: Decimal("80.20"), 2020: Decimal("80.11"), 2021: Decimal("80.76"),
        2022: Decimal("81.43"),
    }  # fmt: skip
    growth = con.execute(
        f"""
        select min(nilai) from read_parquet('{raw}/**/*.parquet', union_by_name = true)
        where nama_indikator = 'ind1_pertm_ekonomi' and tahun = 2020
        """
    ).fetchone()[0]
    assert growth < 0  # 2020: the pandemic year
