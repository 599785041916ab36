"""DJPK portal files (issue 13): both shapes the portal has used, exact rupiah, totals never counted
twice, and a clear refusal for what cannot be read. The real files are in
../shared/reference/real/djpk_portal_jatim (or APBD_REFERENCE_DIR; tests that need them skip where it is absent)."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pytest
import xlsxwriter

from dagster_project.lib.contracts.model import source_contracts
from dagster_project.lib.core.machine import duckdb_config
from dagster_project.lib.core.paths import DBT_DIR, PROJECT_ROOT
from dagster_project.lib.ingest.djpk_portal import (
    PortalFileError,
    account_tree,
    parse_amount,
    read_portal,
    totals,
)
from dagster_project.lib.ingest.loader import (
    ensure_log_schema_file,
    ingest_source,
    read_ingest_log,
)
from tests.pipeline_kit import dbt_target

REFERENCE = Path(os.environ.get("APBD_REFERENCE_DIR", PROJECT_ROOT.parent / "shared" / "reference"))
REAL = REFERENCE / "real" / "djpk_portal_jatim"
needs_real = pytest.mark.skipif(not REAL.is_dir(), reason=f"real DJPK files not at {REAL}")

# The 2023 shape, as the portal writes it (a group with one line shown twice, a unit suffix).
SHAPE_2023 = """akun,anggaran,realisasi,persentase
" Pendapatan Daerah","2.235,46 M","1.778,64 M",79.56
" PAD","297,18 M","260,53 M",87.67
" Pajak Daerah","61,33 M","44,41 M",72.41
" Retribusi Daerah","15,42 M","9,92 M",64.35
" Hasil Pengelolaan Kekayaan Daerah yang Dipisahkan","3,38 M","2,70 M",79.89
" Lain-Lain PAD yang Sah","217,05 M","203,49 M",93.76
" TKDD","1.783,15 M","1.405,06 M",78.80
" Pendapatan Transfer Pemerintah Pusat","1.783,15 M","1.405,06 M",78.80
" Pendapatan Lainnya","155,12 M","113,04 M",72.87
" Pendapatan Transfer Antar Daerah","155,12 M","113,04 M",72.87
" Belanja Daerah","2.327,64 M","1.511,64 M",64.94
" Belanja Pegawai","938,40 M","642,07 M",68.42
" Belanja Pegawai","938,40 M","642,07 M",68.42
" Belanja Barang dan Jasa","538,08 M","355,01 M",65.98
" Belanja Barang dan Jasa","538,08 M","355,01 M",65.98
" Belanja Modal","230,95 M","112,37 M",48.66
" Belanja Modal","230,95 M","112,37 M",48.66
" Belanja Lainnya","620,21 M","402,19 M",64.85
" Belanja Bagi Hasil","7,68 M","0,00 M",0.00
" Belanja Bantuan Keuangan","448,12 M","324,23 M",72.35
" Belanja Hibah","153,90 M","76,44 M",49.67
" Belanja Bantuan Sosial","4,51 M","1,52 M",33.63
" Belanja Tidak Terduga","6,00 M","0,00 M",0.00
"""


def _write(tmp_path: Path, text: str, name: str = "pemda.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _leaf_sum(rows: pl.DataFrame, root: str, column: str = "anggaran_rp") -> Decimal:
    """Σ of the counted rows under `root` that have no counted row below them in the file."""
    counted = rows.filter(pl.col("jenis_baris") == "akun")
    parents = set(counted["induk"].drop_nulls())
    tree = account_tree()

    def under(kode: str) -> bool:
        while kode is not None:
            if kode == root:
                return True
            kode = tree[kode].induk
        return False

    return sum(
        (
            r[column] or Decimal(0)
            for r in counted.iter_rows(named=True)
            if r["kode_akun_portal"] not in parents and under(r["kode_akun_portal"])
        ),
        Decimal(0),
    )


def test_the_unit_suffix_becomes_exact_rupiah():
    assert parse_amount("10.723,82 M", column="anggaran", line=2) == Decimal("10723820000000")
    assert parse_amount("2223.07", column="anggaran", line=2) == Decimal("2223070000000")
    assert parse_amount("Rp 1,5 T", column="anggaran", line=2) == Decimal("1500000000000")
    assert parse_amount("0,00 M", column="realisasi", line=2) == Decimal(0)
    assert parse_amount("", column="realisasi", line=2) is None


def test_the_2023_shape_counts_a_group_shown_twice_once(tmp_path):
    rows = read_portal(_write(tmp_path, SHAPE_2023))
    belanja = totals(rows)["5"]
    assert belanja == Decimal("2327640000000")
    assert rows.filter(pl.col("jenis_baris") == "duplikat")["nama_akun"].to_list() == [
        "Belanja Pegawai",
        "Belanja Barang dan Jasa",
        "Belanja Modal",
    ]
    # the leaves add up to the stated total within the portal's rounding (Rp0,01 M a row), and
    # would be Rp1,7 T over if the repeated groups were counted again
    assert abs(_leaf_sum(rows, "5") - belanja) <= Decimal("0.005e9") * 10
    assert rows.filter(pl.col("nama_akun") == "Belanja Modal")["kode_akun_permendagri"][0] == "5.2"


def test_an_xlsx_and_a_semicolon_csv_with_rupiah_prefixes_read_the_same(tmp_path):
    expected = read_portal(_write(tmp_path, SHAPE_2023))
    table = list(csv.reader(io.StringIO(SHAPE_2023)))
    xlsx = tmp_path / "pemda.xlsx"
    wb = xlsxwriter.Workbook(xlsx)
    ws = wb.add_worksheet("APBD")
    ws.write_row(0, 0, ["Portal APBD DJPK"])  # a title line above the table
    for i, row in enumerate(table, start=2):
        ws.write_row(i, 0, row)
    wb.close()
    semicolon = "\n".join(
        ";".join([r[0], f"Rp {r[1]}", f"Rp {r[2]}", r[3].replace(".", ",")]) for r in table[1:]
    )
    for path in (xlsx, _write(tmp_path, "Akun;Anggaran;Realisasi;Persentase\n" + semicolon)):
        got = read_portal(path)
        cols = ["kode_akun_portal", "jenis_baris", "anggaran_rp", "realisasi_rp", "persentase"]
        assert got.select(cols).equals(expected.select(cols)), path.name


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("akun,nilai,realisasi,persentase\nPAD,1,1,100\n", ["'anggaran'", "'nilai'"]),
        (
            'akun,anggaran,realisasi,persentase\nPAD,"12,3,4 M",1,1\n',
            ["Baris 2", "anggaran", "12,3,4 M"],
        ),
        ('akun,anggaran,realisasi,persentase\nPAD,"1,0 Z",1,1\n', ["Baris 2", "1,0 Z"]),
        (
            "akun,anggaran,realisasi,persentase\nBelanja Rahasia,1,1,100\n",
            ["Belanja Rahasia", "baris 2"],
        ),
        (
            "akun,anggaran,realisasi,persentase\nPAD,1,1,100\n PAD,2,1,50\n",
            ["PAD", "dua kali", "baris 2 dan 3"],
        ),
    ],
    ids=[
        "missing-column",
        "ambiguous-number",
        "unknown-unit",
        "unknown-account",
        "twice-differing",
    ],
)
def test_a_file_it_cannot_read_is_refused_with_the_column_row_or_value(tmp_path, text, words):
    with pytest.raises(PortalFileError) as err:
        read_portal(_write(tmp_path, text))
    for word in words:
        assert word in err.value.message


@needs_real
def test_every_real_portal_file_loads_with_its_own_totals_never_counted_twice():
    files = sorted(REAL.glob("*/*.csv"))
    assert len(files) == 76  # 38 pemda x 2021, 2023
    for path in files:
        rows = read_portal(path)
        stated = {}
        with path.open(encoding="utf-8") as f:
            for r in csv.DictReader(f):
                name = r["akun"].strip()
                if name in ("Pendapatan Daerah", "Belanja Daerah") and name not in stated:
                    stated[name] = r["anggaran"]
        got = totals(rows)
        assert got["4"] == parse_amount(stated["Pendapatan Daerah"], column="a", line=0), path
        assert got["5"] == parse_amount(stated["Belanja Daerah"], column="a", line=0), path
        for root in ("4", "5"):  # the counted rows add up to the stated total
            n = rows.filter(pl.col("jenis_baris") == "akun").height
            assert abs(_leaf_sum(rows, root) - got[root]) <= Decimal("0.005e9") * n, (path, root)


# --------------------------------------------------------------------------------------------
# The portal files as a contracted source (djpk.portal_apbd): landing, ingest log, quarantine,
# staging with the pemda resolved from the file name.


def _dbt_run(root: Path, select: str) -> None:
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
        [str(dbt), "build", "--select", select, "--project-dir", str(DBT_DIR)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:]


@needs_real
def test_every_real_portal_file_loads_as_a_source_and_names_its_pemda(data_paths):
    contract = source_contracts()["djpk.portal_apbd"]
    for path in sorted(REAL.glob("*/*.csv")):
        target = data_paths.landing / "djpk" / "portal_apbd" / path.parent.name / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
    outcomes = ingest_source(contract, data_paths)
    assert len(outcomes) == 76
    assert {(o.status, o.rows_quarantined) for o in outcomes} == {("dimuat", 0)}
    ensure_log_schema_file(data_paths)
    _dbt_run(data_paths.root, "+stg_djpk__portal_apbd")
    # a staging view: it reads raw Parquet named under the data folder (machine.duckdb_config)
    with duckdb.connect(str(data_paths.build_db), read_only=True, config=duckdb_config()) as con:
        per_year = con.execute(
            """select tahun, count(distinct kode_pemda), count(distinct pemda),
                count(*) filter (where status_pemda <> 'dikenali')
            from staging.stg_djpk__portal_apbd group by tahun order by tahun"""
        ).fetchall()
        loaded = con.execute(
            """select tahun, pemda, kode_akun_portal, anggaran_rp from staging.stg_djpk__portal_apbd
            where tingkat = 0 and jenis_baris = 'akun' and kode_akun_portal in ('4', '5')"""
        ).fetchall()
        surabaya = con.execute(
            """select distinct kode_pemda, kode_djpk from staging.stg_djpk__portal_apbd
            where pemda in ('Surabaya', 'Kota_Blitar', 'Blitar') order by 1"""
        ).fetchall()
    assert per_year == [(2021, 38, 38, 0), (2023, 38, 38, 0)]
    assert surabaya == [("35.05", "13.03"), ("35.72", "13.30"), ("35.78", "13.37")]
    # The published totals are the file's own top rows, exactly (never a sum counted twice).
    for tahun, pemda, kode, anggaran in loaded:
        assert totals(read_portal(REAL / str(tahun) / f"{pemda}.csv"))[kode] == anggaran


def test_a_portal_file_it_cannot_read_is_refused_and_the_loaded_version_stays(data_paths):
    contract = source_contracts()["djpk.portal_apbd"]
    target = data_paths.landing / "djpk" / "portal_apbd" / "2023" / "Kota_Contoh.csv"
    target.parent.mkdir(parents=True)
    target.write_text(SHAPE_2023, encoding="utf-8")
    (first,) = ingest_source(contract, data_paths)
    assert (first.status, first.rows_loaded) == ("dimuat", 23)
    raw = first.slot.raw_file(data_paths)
    before = raw.read_bytes()
    # The portal changes its format: a new unit suffix the reader does not know.
    target.write_text(SHAPE_2023.replace("2.327,64 M", "2.327,64 Mrd"), encoding="utf-8")
    (second,) = ingest_source(contract, data_paths)
    assert second.status == "ditolak"
    assert "anggaran" in second.message and "2.327,64 Mrd" in second.message
    assert raw.read_bytes() == before  # nothing already loaded is lost
    assert second.feedback_path is not None and second.feedback_path.is_file()
    log = read_ingest_log(data_paths)
    assert log["status"].to_list() == ["dimuat", "ditolak"]


def test_every_contract_shape_has_its_reader():
    from dagster_project.lib.ingest.loader import SHAPE_READERS

    shapes = {c.properties.get("shape") for c in source_contracts().values()} - {None}
    assert shapes == {"djpk_portal"} and shapes <= set(SHAPE_READERS)
