"""The real national files the project carries (issue 13 §3): small, real, landed by the demo like
any submission, and replaced per pemda and year by a newer file dropped in landing. Runs without
../shared: the files are part of the project."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb

from dagster_project.lib.contracts.model import source_contracts
from dagster_project.lib.core.machine import duckdb_config
from dagster_project.lib.core.paths import PROJECT_ROOT
from dagster_project.lib.demo.generator import EMBEDDED_DIR
from dagster_project.lib.ingest.loader import ensure_log_schema_file, ingest_source
from tests.pipeline_kit import dbt_target

APBD = EMBEDDED_DIR / "djpk" / "apbd_pemda" / "2023" / "apbd_pemda_akun_jenis.csv"
DBT_DIR = PROJECT_ROOT / "dbt"
MAX_BYTES = 800_000  # all embedded files together (measured 701,459 bytes when curated)


def test_the_embedded_files_are_small_and_hold_samarinda_exactly():
    files = sorted(EMBEDDED_DIR.rglob("*.csv"))
    assert [p.relative_to(EMBEDDED_DIR).as_posix() for p in files] == [
        "bps/indikator_kabkota/ipm_2019-2021.csv",
        "bps/indikator_kabkota/tingkatmiskin_2018-2021.csv",
        "bps/indikator_kabkota/tpt_2020-2020.csv",
        "bps/indikator_kabkota/tpt_2021-2021.csv",
        "djpk/apbd_pemda/2023/apbd_pemda_akun_jenis.csv",
    ]
    assert sum(p.stat().st_size for p in files) <= MAX_BYTES
    with APBD.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert {r["Kodepemda"][-3:] for r in rows} != {".00"}  # kab/kota only
    assert not [r for r in rows if r["Kodepemda"].endswith(".00")]
    assert len({r["Kodepemda"] for r in rows}) == 508  # every kab/kota of the national file
    pegawai = [
        r["nilai"] for r in rows if (r["Kodepemda"], r["standarjenis_APBD_id"]) == ("17.11", "5101")
    ]
    assert pegawai == ["1110043851249"]


def _dbt_run_staging(root: Path) -> None:
    env = {
        **os.environ,
        "APBD_DATA_DIR": str(root),
        "DBT_PROFILES_DIR": str(DBT_DIR),
        "DBT_TARGET_PATH": dbt_target(root / "dbt_target"),
        "DBT_LOG_PATH": str(root / "dbt_logs"),
    }
    (root / "build").mkdir(exist_ok=True)
    dbt = Path(sys.executable).with_name("dbt")
    result = subprocess.run(
        # the staging model maps DJPK's codes to kode_pemda through the seed ref_pemda
        [
            str(dbt),
            "build",
            "--select",
            "ref_pemda",
            "stg_djpk__apbd_pemda",
            "--resource-type",
            "seed",
            "--resource-type",
            "model",
            "--project-dir",
            str(DBT_DIR),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:]


def test_a_newer_file_replaces_the_embedded_figures_per_pemda_and_year(data_paths):
    """The embedded national file, then a newer file holding Samarinda only: Samarinda's 2023 comes
    from the newer file whole (an account it leaves out is gone, not kept from the old file);
    every other pemda keeps the embedded figures."""
    folder = data_paths.landing / "djpk" / "apbd_pemda" / "2023"
    folder.mkdir(parents=True)
    (folder / APBD.name).write_bytes(APBD.read_bytes())
    contract = source_contracts()["djpk.apbd_pemda"]
    (first,) = ingest_source(contract, data_paths)
    assert (first.status, first.rows_quarantined) == ("dimuat", 0)
    revisi = folder / "apbd_pemda_revisi_samarinda.csv"
    revisi.write_text(
        "Kodepemda,Tahun,standarjenis_APBD_id,nilai\n"
        "17.11,2023,5101,1200000000000\n"
        "17.11,2023,5102,900000000000\n",
        encoding="utf-8",
    )
    unchanged, second = ingest_source(contract, data_paths)
    assert unchanged.status == "tidak_berubah"
    assert (second.berkas.rsplit("/", 1)[1], second.status, second.rows_loaded) == (
        revisi.name,
        "dimuat",
        2,
    )
    ensure_log_schema_file(data_paths)
    _dbt_run_staging(data_paths.root)
    # a staging view: it reads raw Parquet named under the data folder (machine.duckdb_config)
    with duckdb.connect(str(data_paths.build_db), read_only=True, config=duckdb_config()) as con:
        samarinda = con.execute(
            """select kode_akun, nilai_rp from staging.stg_djpk__apbd_pemda
            where kode_djpk = '17.11' and tahun = 2023 order by 1"""
        ).fetchall()
        others = con.execute(
            """select count(distinct kode_djpk), count(*) from staging.stg_djpk__apbd_pemda
            where kode_djpk <> '17.11'"""
        ).fetchone()
    assert samarinda == [
        ("5.1.01", Decimal(1_200_000_000_000)),
        ("5.1.02", Decimal(900_000_000_000)),
    ]
    with APBD.open(encoding="utf-8", newline="") as f:
        embedded = [r for r in csv.DictReader(f) if r["Kodepemda"] != "17.11"]
    assert others == (len({r["Kodepemda"] for r in embedded}), len(embedded))
