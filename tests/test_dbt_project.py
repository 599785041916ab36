"""The dbt project end to end on a small raw dataset: `dbt build` passes and the marts hold the
figures worked out by hand below.

The dataset (fiscal year 2024, two OPDs of Kota Samarinda) is written as typed Parquet in the
layout ingest uses (`raw/<system>/<table>/pemda=64.72/tahun=<t>/<pengirim>/<periode>.parquet`),
with the polars schema taken from the source contracts, so it is exactly what dbt reads in
production:

- Dinas Kesehatan (OPD_A) has murni, pergeseran_1 and perubahan. In the perubahan, the ATK line
  of sub kegiatan A1 is removed (final pagu 0) although 50 M was already paid on it; the capital
  line is raised to 1.2 B; the salary line of the support program (X.XX form in the
  nomenclature, 1.02.01... in the DPA) is cut to 450 M.
- Dinas Pendidikan (OPD_B) has only murni; one payment (5 M) hits a line without budget.

dbt runs once per session (about 10 s); the assertions read the build file read-only. The dbt
unit tests run in this build, once per suite (the pipeline's builds skip them).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pytest

from dagster_project.lib.contracts.model import source_contracts
from dagster_project.lib.core.paths import DBT_DIR, DataPaths
from dagster_project.lib.ingest.loader import ensure_log_schema_file, ensure_schema_file
from dagster_project.runtime import PARSE_LOG, ensure_dbt_manifest
from tests.pipeline_kit import dbt_target

TAHUN = 2024
OPD_A = "1.02.0.00.0.00.01.0000"  # Dinas Kesehatan: murni, pergeseran_1, perubahan
OPD_B = "1.01.2.22.0.00.01.0000"  # Dinas Pendidikan dan Kebudayaan: murni only
SUB_A1 = "1.02.02.2.02.0004"  # Pengelolaan Pelayanan Kesehatan Balita
SUB_A2 = "1.02.01.2.02.0001"  # X.XX.01.2.02.0001 Penyediaan Gaji dan Tunjangan ASN, as in a DPA
SUB_B1 = "1.01.02.2.01.0001"  # Pembangunan Unit Sekolah Baru
SUB_B2 = "1.01.01.2.02.0001"  # X.XX.01.2.02.0001 for Dinas Pendidikan
GAJI = "5.1.01.01.01.0001"  # Belanja Gaji Pokok PNS
ATK = "5.1.02.01.01.0024"  # Alat Tulis Kantor
GEDUNG = "5.2.03.01.01.0001"  # Belanja Modal Bangunan Gedung Kantor
DAU = "1.02.01.01.02"  # Dana Alokasi Umum
DAK = "2.02.01.01.03"  # DAK Fisik

M = 1_000_000  # a million rupiah, to keep the figures readable

# (tahap, kode_skpd, kode_sub_kegiatan, kode_akun, kode_sumber_dana, total_rp): one rincian each.
RINCIAN = [
    ("murni", OPD_A, SUB_A1, ATK, DAU, 200 * M),
    ("murni", OPD_A, SUB_A1, GEDUNG, DAK, 500 * M),
    ("murni", OPD_A, SUB_A1, GEDUNG, DAK, 300 * M),  # two lines, one budget line of 800 M
    ("murni", OPD_A, SUB_A2, GAJI, DAU, 500 * M),
    ("pergeseran_1", OPD_A, SUB_A1, ATK, DAU, 200 * M),
    ("pergeseran_1", OPD_A, SUB_A1, GEDUNG, DAK, 800 * M),
    ("pergeseran_1", OPD_A, SUB_A2, GAJI, DAU, 480 * M),
    ("perubahan", OPD_A, SUB_A1, GEDUNG, DAK, 1_200 * M),  # ATK removed
    ("perubahan", OPD_A, SUB_A2, GAJI, DAU, 450 * M),
    ("murni", OPD_B, SUB_B1, GEDUNG, DAK, 3_000 * M),
    ("murni", OPD_B, SUB_B2, GAJI, DAU, 240 * M),
]

# (nomor, tanggal, kode_skpd, kode_sub_kegiatan, kode_akun, kode_sumber_dana, jenis, nilai_rp)
SP2D = [
    ("0001/SP2D/LS/2024", date(2024, 3, 15), OPD_A, SUB_A1, GEDUNG, DAK, "LS", 400 * M),
    ("0002/SP2D/LS/2024", date(2024, 7, 20), OPD_A, SUB_A1, GEDUNG, DAK, "LS", 500 * M),
    ("0003/SP2D/LS/2024", date(2024, 2, 10), OPD_A, SUB_A1, ATK, DAU, "LS", 50 * M),
    ("0004/SP2D/GU/2024", date(2024, 1, 25), OPD_A, SUB_A2, GAJI, DAU, "GU", 37_500_000),
    ("0005/SP2D/LS/2024", date(2024, 2, 26), OPD_A, SUB_A2, GAJI, DAU, "LS", 37_500_000),
    ("0006/SP2D/LS/2024", date(2024, 6, 28), OPD_B, SUB_B1, GEDUNG, DAK, "LS", 1_000 * M),
    ("0007/SP2D/LS/2024", date(2024, 1, 31), OPD_B, SUB_B2, GAJI, DAU, "LS", 20 * M),
    ("0008/SP2D/GU/2024", date(2024, 4, 5), OPD_B, SUB_B2, ATK, DAU, "GU", 5 * M),  # no budget
    # Advances are the treasurer's cash, not spending: no figure below moves because of them.
    ("0009/SP2D/UP/2024", date(2024, 1, 5), OPD_A, SUB_A1, ATK, DAU, "UP", 100 * M),
    ("0010/SP2D/TU/2024", date(2024, 5, 6), OPD_B, SUB_B1, GEDUNG, DAK, "TU", 30 * M),
]
BUKAN_BELANJA = {"UP", "TU"}  # ref_jenis_sp2d.diakui_belanja = false


def _sha(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def _kas_bulanan(total: int) -> list[Decimal]:
    """A cash plan over twelve months that sums exactly to `total` (remainder in December)."""
    per_bulan = total // 12
    return [Decimal(per_bulan)] * 11 + [Decimal(total - 11 * per_bulan)]


KODE_PEMDA = "64.72"  # the pemda every hand-made row belongs to (raw/<sistem>/<tabel>/pemda=64.72/)


def _write(raw: Path, key: str, pengirim: str, periode: str, rows: list[dict]) -> None:
    """One landed file's rows as ingest writes them: contract columns plus lineage."""
    contract = source_contracts()[key]
    berkas = f"landing/{contract.system}/{contract.table}/{TAHUN}/{pengirim}/{periode}.csv"
    lineage = {
        "_sumber_sha256": _sha(berkas),
        "_sumber_berkas": berkas,
        "_dimuat_pada": datetime(2024, 12, 31, 8, 0),
    }
    pemda = {"kode_pemda": KODE_PEMDA} if "kode_pemda" in contract.polars_schema else {}
    frame = pl.DataFrame(
        [{**pemda, **r, **lineage, "_baris": i + 2} for i, r in enumerate(rows)],
        schema={
            **contract.polars_schema,
            "_sumber_sha256": pl.String,
            "_sumber_berkas": pl.String,
            "_baris": pl.Int32,
            "_dimuat_pada": pl.Datetime("us"),
        },
    )
    folder = raw / contract.system / contract.table
    target = (folder / f"pemda={KODE_PEMDA}" if pemda else folder) / f"tahun={TAHUN}" / pengirim
    target.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(target / f"{periode}.parquet")


def write_raw_fixture(raw: Path) -> None:
    """The dataset described in the module docstring, under `raw`."""
    files: dict[tuple[str, str], list[tuple]] = {}
    for r in RINCIAN:
        files.setdefault((r[1], r[0]), []).append(r)

    for (opd, tahap), lines in files.items():
        rincian, pagu, kas = [], {}, {}
        for no, (_, _, sub, akun, dana, total) in enumerate(lines, start=1):
            rincian.append(
                {
                    "tahun": TAHUN,
                    "tahap": tahap,
                    "kode_skpd": opd,
                    "kode_sub_kegiatan": sub,
                    "no_rincian": no,
                    "kode_akun": akun,
                    "kode_sumber_dana": dana,
                    "uraian_komponen": f"Komponen {no}",
                    "koefisien": "1 Paket",
                    "volume": Decimal(1),
                    "satuan": "Paket",
                    "harga_satuan_rp": Decimal(total),
                    "total_rp": Decimal(total),
                }
            )
            pagu[sub] = pagu.get(sub, 0) + total
            kas[(sub, akun)] = kas.get((sub, akun), 0) + total
        _write(raw, "sipd.dpa_rincian", opd, tahap, rincian)
        _write(
            raw,
            "sipd.dpa_sub_kegiatan",
            opd,
            tahap,
            [
                {
                    "tahun": TAHUN,
                    "tahap": tahap,
                    "kode_skpd": opd,
                    "nama_skpd": None,
                    "kode_sub_kegiatan": sub,
                    "nama_sub_kegiatan": None,
                    "pagu_rp": Decimal(p),
                    "kode_kelurahan": None,
                    "indikator_keluaran": None,
                    "target_keluaran": None,
                    "satuan_keluaran": None,
                }
                for sub, p in pagu.items()
            ],
        )
        _write(
            raw,
            "sipd.anggaran_kas",
            opd,
            tahap,
            [
                {
                    "tahun": TAHUN,
                    "tahap": tahap,
                    "kode_skpd": opd,
                    "kode_sub_kegiatan": sub,
                    "kode_akun": akun,
                    **{f"bulan_{b}": v for b, v in enumerate(_kas_bulanan(total), start=1)},
                }
                for (sub, akun), total in kas.items()
            ],
        )

    by_month: dict[int, list[dict]] = {}
    for nomor, tgl, opd, sub, akun, dana, jenis, nilai in SP2D:
        by_month.setdefault(tgl.month, []).append(
            {
                "nomor_sp2d": nomor,
                "tanggal_sp2d": tgl,
                "tahun": TAHUN,
                "kode_skpd": opd,
                "kode_sub_kegiatan": sub,
                "kode_akun": akun,
                "kode_sumber_dana": dana,
                "jenis_sp2d": jenis,
                "nilai_rp": Decimal(nilai),
                "keterangan": None,
            }
        )
    for bulan, rows in sorted(by_month.items()):
        _write(raw, "bpkad.sp2d", "bpkad", f"sp2d_{bulan:02d}", rows)
    # Sources this dataset leaves empty (performance, outcomes, beneficiaries) get the zero-row
    # file ingest writes, so dbt can read them.
    for contract in source_contracts().values():
        ensure_schema_file(contract, DataPaths(raw.parent))
    ensure_log_schema_file(DataPaths(raw.parent))


def _dbt_env(data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "APBD_DATA_DIR": str(data_dir),
        "DBT_PROFILES_DIR": str(DBT_DIR),
        # Keep dbt's target/ and logs out of the work tree, so runs do not race.
        "DBT_TARGET_PATH": dbt_target(data_dir / "dbt_target"),
        "DBT_LOG_PATH": str(data_dir / "dbt_logs"),
    }


def _dbt(args: list[str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    dbt = Path(sys.executable).with_name("dbt")
    return subprocess.run(
        [str(dbt), *args, "--project-dir", str(DBT_DIR)],
        env=_dbt_env(data_dir),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


@pytest.fixture(scope="session")
def built_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (DBT_DIR / "seeds" / "ref_nomenklatur.csv").exists():
        pytest.skip("the seeds (dbt/seeds/ref_*.csv) are not there yet")
    data_dir = tmp_path_factory.mktemp("apbd")
    write_raw_fixture(data_dir / "raw")
    ensure_log_schema_file(DataPaths(data_dir))  # the ingest log source needs one file to read
    (data_dir / "build").mkdir()
    # from the checkout's parse (make setup's, `_dbt_env`), as every pipeline run: a whole parse
    # here cost 18 s of the suite (test_dbt_parse_has_no_deprecation_warnings reads the whole
    # parse that made it)
    result = _dbt(["build"], data_dir)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    # Every dbt unit test runs (and passes) here, once per suite: the pipeline's builds skip them
    # (`--exclude-resource-type unit_test`, defs/transform/assets.py).
    target = data_dir / "dbt_target"
    declared = json.loads((target / "manifest.json").read_text(encoding="utf-8"))["unit_tests"]
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    ran = {r["unique_id"]: r["status"] for r in results if r["unique_id"].startswith("unit_test.")}
    assert declared and set(ran) == set(declared), sorted(set(declared) ^ set(ran))[:5]
    assert set(ran.values()) == {"pass"}, [u for u, st in ran.items() if st != "pass"]
    return DataPaths(data_dir).build_db


def _rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_mart_total_equals_sp2d_total(built_db: Path) -> None:
    total = sum(Decimal(s[-1]) for s in SP2D if s[6] not in BUKAN_BELANJA)
    assert _rows(built_db, "select sum(realisasi_rp) from marts.mart_anggaran_realisasi") == [
        (total,)
    ]
    assert total == Decimal(2_050 * M)


def test_phase_totals_per_opd(built_db: Path) -> None:
    rows = _rows(
        built_db,
        """
        select kode_skpd, any_value(tahap_akhir), sum(pagu_murni_rp), sum(pagu_perubahan_rp),
               sum(pagu_akhir_rp)
        from marts.mart_anggaran_realisasi group by kode_skpd order by kode_skpd
    """,
    )
    assert rows == [
        (OPD_B, "murni", Decimal(3_240 * M), None, Decimal(3_240 * M)),
        (OPD_A, "perubahan", Decimal(1_500 * M), Decimal(1_650 * M), Decimal(1_650 * M)),
    ]


def test_line_figures(built_db: Path) -> None:
    rows = _rows(
        built_db,
        """
        select kode_skpd, kode_sub_kegiatan, kode_akun, pagu_murni_rp, pagu_perubahan_rp,
               pagu_akhir_rp, realisasi_rp, sisa_pagu_rp, serapan_persen, melebihi_pagu,
               jumlah_sp2d
        from marts.mart_anggaran_realisasi
    """,
    )
    d = Decimal
    assert {r[:3]: r[3:] for r in rows} == {
        # removed in the perubahan, yet paid: final pagu 0, serapan null, over budget
        (OPD_A, SUB_A1, ATK): (d(200 * M), d(0), d(0), d(50 * M), d(-50 * M), None, True, 1),
        (OPD_A, SUB_A1, GEDUNG): (
            d(800 * M),
            d(1_200 * M),
            d(1_200 * M),
            d(900 * M),
            d(300 * M),
            d("75.00"),
            False,
            2,
        ),
        # pergeseran_1 (480 M) is ignored; 75 M / 450 M = 16.666...% -> 16.67
        (OPD_A, SUB_A2, GAJI): (
            d(500 * M),
            d(450 * M),
            d(450 * M),
            d(75 * M),
            d(375 * M),
            d("16.67"),
            False,
            2,
        ),
        # OPD without perubahan: pagu_perubahan null, final pagu = murni
        (OPD_B, SUB_B1, GEDUNG): (
            d(3_000 * M),
            None,
            d(3_000 * M),
            d(1_000 * M),
            d(2_000 * M),
            d("33.33"),
            False,
            1,
        ),
        (OPD_B, SUB_B2, GAJI): (
            d(240 * M),
            None,
            d(240 * M),
            d(20 * M),
            d(220 * M),
            d("8.33"),
            False,
            1,
        ),
        # a payment on a line without budget still appears
        (OPD_B, SUB_B2, ATK): (d(0), None, d(0), d(5 * M), d(-5 * M), None, True, 1),
    }


def test_monthly_mart_reconciles(built_db: Path) -> None:
    rows = _rows(
        built_db,
        """
        select count(*), count(distinct (kode_skpd, kode_sub_kegiatan, kode_akun)),
               sum(realisasi_rp), sum(rencana_kas_rp)
        from marts.mart_realisasi_bulanan
    """,
    )
    # six budget lines x 12 months; the cash plan of the final phase equals the final pagu
    assert rows == [(72, 6, Decimal(2_050 * M), Decimal((1_650 + 3_240) * M))]
    curve = _rows(
        built_db,
        f"""
        select bulan, realisasi_kumulatif_rp, serapan_kumulatif_persen
        from marts.mart_realisasi_bulanan
        where kode_skpd = '{OPD_A}' and kode_sub_kegiatan = '{SUB_A1}' and kode_akun = '{GEDUNG}'
          and bulan in (2, 3, 7, 12)
        order by bulan
    """,
    )
    assert curve == [
        (2, Decimal(0), Decimal("0.00")),
        (3, Decimal(400 * M), Decimal("33.33")),
        (7, Decimal(900 * M), Decimal("75.00")),
        (12, Decimal(900 * M), Decimal("75.00")),
    ]


def test_support_program_code_resolves_to_opd_bidang(built_db: Path) -> None:
    rows = _rows(
        built_db,
        f"""
        select kode_bidang_urusan, kode_program, kode_sub_kegiatan_nomenklatur, ada_di_nomenklatur
        from marts.dim_sub_kegiatan
        where tahun = {TAHUN} and kode_sub_kegiatan = '{SUB_A2}'
    """,
    )
    assert rows == [("1.02", "1.02.01", "X.XX.01.2.02.0001", True)]


def test_every_figure_names_its_source_files(built_db: Path) -> None:
    (missing,) = _rows(
        built_db,
        """
        select count(*) from marts.mart_anggaran_realisasi
        where sumber_sha256 is null or sumber_sha256 = ''
    """,
    )
    assert missing == (0,)
    (line,) = _rows(
        built_db,
        f"""
        select sumber_sha256 from marts.mart_anggaran_realisasi
        where kode_skpd = '{OPD_B}' and kode_akun = '{ATK}'
    """,
    )
    assert line[0] == _sha(f"landing/bpkad/sp2d/{TAHUN}/bpkad/sp2d_04.csv")


def test_dbt_parse_has_no_deprecation_warnings() -> None:
    """dbt 1.11 syntax throughout: `data_tests`, test `arguments:`, `meta` under `config:`. Read
    from the log of the whole parse that made the manifest every run starts from
    (`runtime.ensure_dbt_manifest`, which `make setup` forces)."""
    ensure_dbt_manifest()
    path = DBT_DIR / "target" / PARSE_LOG
    assert path.exists(), f"{path} hilang: jalankan `make setup` (dbt parse)"
    events = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    names = [e["info"]["name"] for e in events]
    assert "UnableToPartialParse" in names, names[:20]  # the whole project parsed
    assert "CommandCompleted" in names, names[-20:]
    flagged = [
        f"{e['info']['name']}: {e['info']['msg']}"
        for e in events
        if e["info"]["level"] in ("warn", "error") or "Deprecation" in e["info"]["name"]
    ]
    assert flagged == []
