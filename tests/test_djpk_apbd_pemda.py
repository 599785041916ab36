"""The national DJPK APBD file (issue 13): every pemda's planned budget per jenis-level account,
ingested through its contract like any other source. Needs ../shared/reference/real (or
APBD_REFERENCE_DIR); skips where it is absent."""

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
NATIONAL = REFERENCE / "real" / "apbd_pemda_akun_jenis.csv"


@pytest.mark.skipif(not NATIONAL.is_file(), reason=f"real DJPK file not at {NATIONAL}")
def test_the_national_file_loads_every_pemda_and_quarantines_the_na_accounts(data_paths):
    target = data_paths.landing / "djpk" / "apbd_pemda" / "2023" / NATIONAL.name
    target.parent.mkdir(parents=True)
    shutil.copy(NATIONAL, target)
    (outcome,) = ingest_source(source_contracts()["djpk.apbd_pemda"], data_paths)
    assert outcome.status == "dimuat"
    assert (outcome.rows_read, outcome.rows_loaded) == (11_743, 11_739)
    na = outcome.errors.filter(outcome.errors["aturan"] == "format_kode")
    assert na.height == 4 and set(na["nilai"]) == {"#N/A"}
    assert set(na["kolom"]) == {"kode_akun_jenis"}
    raw = data_paths.raw / "djpk" / "apbd_pemda"
    con = duckdb.connect()
    pemda, pegawai = con.execute(
        f"""
        select count(distinct kode_djpk),
            sum(nilai_rp) filter (where kode_djpk = '17.11' and kode_akun_jenis = '5101')
        from read_parquet('{raw}/**/*.parquet')
        """
    ).fetchone()
    assert pemda == 546
    assert pegawai == Decimal("1110043851249")  # Samarinda's belanja pegawai 2023, exactly
