"""Derive the project's curated reference code lists (dbt seeds) from the official lists.

Dev-time only. Reads the real Permendagri 90 / Kemendagri lists in ``../shared/reference`` (or
``--reference DIR``) and writes the seeds in ``dbt/seeds/`` deterministically: UTF-8, comma,
header row, every code as text, rows sorted by key. The project never reads ``../shared`` at run
time; it reads these committed CSVs.

    .venv/bin/python scripts/curate_reference.py [--reference DIR] [--out DIR]

Curation choices (documented here because the seeds are the only copy the project carries):

* ``ref_nomenklatur``: kab/kota rows only. For every bidang urusan a Samarinda OPD serves, a few
  hand-picked sub kegiatan (``MUST_INCLUDE``) plus a round-robin over kegiatan up to a quota; all
  ``X.XX`` penunjang rows; and the ``nonaktif`` rows of every selected program as retired codes.
  Rows that only apply to Aceh / DIY / desa (marked ``*)`` in the source, or naming desa, mukim,
  kasultanan …) are skipped. Versioning by fiscal year: active rows ``tahun_mulai=2021`` with an
  open end, retired rows ``2020``–``2020``. Names lose the ``rn`` suffix the SIMDA export left
  where a line break was escaped, and repeated blanks.
* ``ref_akun``: every level 1–4 row under akun 5; a curated set of level-5 objects (both their
  active and inactive rows) and of their level-6 children (``AKUN_LEVEL6``: all children, or a
  listed subset, or the first N). Duplicated codes: the inactive row is retired (2020–2020), the
  active row valid from 2021.
* ``ref_sumber_dana``: every active row. ``ref_fungsi``: all 56 rows. ``ref_bidang_urusan_fungsi``:
  the kab/kota rows except the contaminated ``?.01`` row; kearsipan (2.24) has no fungsi in the
  source and is mapped to 01 Pelayanan Umum, the fungsi of its sub-fungsi 01.02 Kearsipan.
* ``ref_wilayah``: the 70 Samarinda rows as they are (blank population stays blank).
* ``ref_opd``: hand-curated here (no official list exists in the reference folder, domain.md §8).
* ``ref_pemda``: every province and kab/kota of the Kemendagri region list (its code is the key,
  ``64.72``), with population, area, jenis (provinsi, kabupaten, kota), island group, and the codes
  other publishers use: BPS (the indicator codebook's ``wilayah`` sheet, matched by province and
  name: BPS numbers kab/kota differently from Kemendagri) and DJPK (the national APBD file's
  ``Kodepemda`` beside its BPS ``wilayah``). Where a name does not match, ``PEMDA_BPS_ALIAS``
  says why (renamed regencies, names the codebook cut at 30 characters are matched by prefix);
  where a publisher's code is wrong or missing, ``catatan_kode`` says so (``PEMDA_KODE_CATATAN``):
  the one place those quirks are resolved.

The real national files the peer marts need are embedded too (``--embedded DIR``, default
``dagster_project/lib/demo/data/pembanding/``, laid out as landing paths; ``make run``'s demo lands
them like any submission, lib/demo/generator.py):

* ``djpk/apbd_pemda/2023/apbd_pemda_akun_jenis.csv``: the kab/kota rows of DJPK's national APBD
  file, revenue and spending accounts (4xxx, 5xxx; pembiayaan 6xxx dropped: no peer figure uses
  it), the columns the contract reads (the always-'-' satuan, sumber, keterangan dropped), rows
  as published otherwise. The 4 ``#N/A`` account rows are dropped (the full file's test shows
  they are quarantined with their reason).
* ``bps/indikator_kabkota/``: the indicators the peer marts read (IPM 2019–2021, P0 2018–2021 for
  the three-year change, TPT 2020 and 2021), the contract's columns only (the empty target
  columns and id_periode dropped); each file named after the years it now holds.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import defaultdict
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REFERENCE = PROJECT_ROOT.parent / "shared" / "reference"
DEFAULT_OUT = PROJECT_ROOT / "dbt" / "seeds"
DEFAULT_EMBEDDED = PROJECT_ROOT / "dagster_project" / "lib" / "demo" / "data" / "pembanding"

ACTIVE_FROM = "2021"
RETIRED_FROM = "2020"
RETIRED_UNTIL = "2020"

# --------------------------------------------------------------------------------------------
# Nomenclature curation
# --------------------------------------------------------------------------------------------

# Substantive sub kegiatan per bidang urusan (active rows, excluding X.XX).
BIDANG_QUOTA: dict[str, int] = {
    "1.01": 16, "1.02": 16, "1.03": 20, "1.04": 8, "1.05": 21, "1.06": 8,
    "2.07": 7, "2.08": 7, "2.09": 4, "2.10": 3, "2.11": 8, "2.12": 7, "2.13": 3, "2.14": 7,
    "2.15": 8, "2.16": 4, "2.17": 4, "2.18": 6, "2.19": 7, "2.20": 2, "2.21": 2, "2.22": 4,
    "2.23": 3, "2.24": 3,
    "3.25": 7, "3.26": 7, "3.27": 4, "3.30": 4, "3.31": 3,
    "4.01": 7, "4.02": 6, "5.01": 5, "5.02": 15, "5.03": 5, "5.04": 2, "5.05": 3, "6.01": 7,
    "7.01": 12, "8.01": 7,
}  # fmt: skip

# Sub kegiatan a Samarinda budget needs by name: big-ticket infrastructure, SPM services,
# hibah/bansos/BTT carriers, kecamatan/kelurahan (Probebaya) and revenue collection.
MUST_INCLUDE: tuple[str, ...] = (
    # 1.01 pendidikan
    "1.01.02.2.01.0001", "1.01.02.2.01.0002", "1.01.02.2.01.0008", "1.01.02.2.01.0023",
    "1.01.02.2.01.0026", "1.01.02.2.02.0001", "1.01.02.2.02.0014", "1.01.02.2.02.0036",
    "1.01.02.2.03.0001", "1.01.02.2.03.0013",
    # 1.02 kesehatan
    "1.02.02.2.01.0002", "1.02.02.2.01.0009", "1.02.02.2.01.0014", "1.02.02.2.01.0016",
    "1.02.02.2.02.0001", "1.02.02.2.02.0004", "1.02.02.2.02.0008", "1.02.02.2.02.0011",
    "1.02.02.2.02.0015", "1.02.02.2.02.0026", "1.02.02.2.02.0032", "1.02.02.2.02.0033",
    "1.02.02.2.03.0002", "1.02.05.2.02.0001",
    # 1.03 PUPR: roads, bridges, the tunnel, drainage and flood control, water, sanitation
    "1.03.10.2.01.0002", "1.03.10.2.01.0005", "1.03.10.2.01.0008", "1.03.10.2.01.0009",
    "1.03.10.2.01.0010", "1.03.10.2.01.0011", "1.03.10.2.01.0012", "1.03.10.2.01.0015",
    "1.03.06.2.01.0005", "1.03.06.2.01.0006", "1.03.06.2.01.0007", "1.03.06.2.01.0009",
    "1.03.02.2.01.0010", "1.03.02.2.01.0013", "1.03.02.2.01.0014", "1.03.02.2.01.0046",
    "1.03.03.2.01.0005", "1.03.05.2.01.0003", "1.03.08.2.01.0002", "1.03.12.2.02.0001",
    # 1.04 perumahan dan kawasan permukiman
    "1.04.03.2.02.0001", "1.04.03.2.03.0002", "1.04.03.2.03.0006", "1.04.04.2.01.0001",
    "1.04.05.2.01.0002",
    # 1.05 trantibum, bencana, kebakaran
    "1.05.02.2.01.0001", "1.05.02.2.01.0002", "1.05.02.2.01.0005", "1.05.02.2.01.0007",
    "1.05.02.2.02.0002", "1.05.03.2.01.0001", "1.05.03.2.03.0002", "1.05.03.2.03.0003",
    "1.05.03.2.03.0004", "1.05.04.2.01.0001", "1.05.04.2.01.0002", "1.05.04.2.01.0003",
    "1.05.04.2.01.0006", "1.05.04.2.01.0007", "1.05.03.2.01.0002", "1.05.03.2.02.0001",
    "1.05.03.2.02.0002", "1.05.02.2.01.0003", "1.05.02.2.02.0001", "1.05.04.2.01.0008",
    "1.05.04.2.04.0001",
    # 1.06 sosial (bansos)
    "1.06.04.2.01.0001", "1.06.04.2.02.0003", "1.06.05.2.02.0001", "1.06.05.2.02.0003",
    "1.06.06.2.01.0001",
    # 2.xx
    "2.11.11.2.01.0002", "2.11.11.2.01.0003", "2.11.11.2.01.0007",
    "2.15.02.2.02.0002", "2.15.02.2.03.0004", "2.15.02.2.06.0002",
    "2.19.03.2.02.0002", "2.19.03.2.03.0003", "2.19.03.2.04.0002",
    # 4.01 Setda (hibah keagamaan/kemasyarakatan, pengadaan, hukum, pembangunan)
    "4.01.02.2.02.0001", "4.01.02.2.02.0003", "4.01.02.2.03.0001", "4.01.03.2.02.0002",
    "4.01.03.2.03.0001",
    # 5.01 perencanaan
    "5.01.02.2.01.0005", "5.01.02.2.03.0003",
    # 5.02 keuangan (BPKAD: BTT, kas, akuntansi, BMD) and pendapatan (Bapenda: pajak)
    "5.02.02.2.01.0005", "5.02.02.2.02.0001", "5.02.02.2.03.0004", "5.02.02.2.04.0009",
    "5.02.03.2.01.0006", "5.02.04.2.01.0005", "5.02.04.2.01.0007", "5.02.04.2.01.0011",
    "5.02.02.2.01.0001", "5.02.02.2.02.0003", "5.02.03.2.01.0005", "5.02.04.2.01.0001",
    "5.02.04.2.01.0006", "5.02.04.2.01.0009", "5.02.04.2.01.0013",
    # 7.01 kecamatan and kelurahan (Probebaya runs through 7.01.03.2.02.*)
    "7.01.02.2.01.0001", "7.01.02.2.02.0002", "7.01.03.2.02.0001", "7.01.03.2.02.0002",
    "7.01.03.2.02.0003", "7.01.04.2.01.0001", "7.01.05.2.01.0008",
    # 8.01 kesbangpol (hibah pilkada, bantuan keuangan parpol)
    "8.01.02.2.01.0003", "8.01.03.2.01.0003", "8.01.04.2.01.0003",
)  # fmt: skip

# Rows that do not apply to a kota outside Aceh/DIY/Papua (no desa, no coast, no mukim).
NOT_FOR_SAMARINDA = re.compile(
    r"\*\)|\bDesa\b(?!/Kelurahan| dan Kelurahan)|Perdesaan|Pedesaan|Kalurahan|Kapanewon|Kemantren|Mukim|Gampong|Qanun|Syariat"
    r"|Aceh|Papua|Kasultanan|Kadipaten|Keistimewaan|Pantai|Breakwater|Seawall|Angkutan Laut"
    r"|Provinsi(?!/)|Transmigrasi|Ulayat|Hukum Adat",
)

NOMENKLATUR_COLUMNS = (
    "kode_urusan", "nama_urusan", "kode_bidang_urusan", "nama_bidang_urusan", "kode_program",
    "nama_program", "kode_kegiatan", "nama_kegiatan", "kode_sub_kegiatan", "nama_sub_kegiatan",
    "tahun_mulai", "tahun_selesai",
)  # fmt: skip

# --------------------------------------------------------------------------------------------
# Account-code curation: level-5 objects and which of their level-6 children to keep.
# Value: None = every active child; int N = the first N active children by code; tuple = those.
# --------------------------------------------------------------------------------------------

AKUN_LEVEL6: dict[str, int | tuple[str, ...] | None] = {
    # 5.1.01 pegawai
    **{f"5.1.01.01.{i:02d}": None for i in range(1, 13)},
    "5.1.01.02.01": None, "5.1.01.02.05": None,
    "5.1.01.03.03": None, "5.1.01.03.05": None, "5.1.01.03.06": None, "5.1.01.03.07": None,
    **{f"5.1.01.04.{i:02d}": None for i in (1, 2, 3, 4, 5, 6, 8, 9, 12, 13)},
    **{f"5.1.01.05.{i:02d}": None for i in range(1, 10)},
    "5.1.01.06.01": None, "5.1.01.06.02": None,
    # 5.1.02 barang dan jasa
    "5.1.02.01.01": (
        "0001", "0002", "0004", "0008", "0009", "0012", "0013", "0024", "0025", "0026", "0027",
        "0028", "0029", "0030", "0031", "0032", "0034", "0035", "0036", "0037", "0038", "0039",
        "0040", "0041", "0052", "0053", "0055", "0056", "0064", "0065", "0066", "0067",
    ),
    "5.1.02.01.02": 4,
    "5.1.02.02.01": (
        "0003", "0004", "0006", "0009", "0011", "0013", "0014", "0016", "0017", "0018", "0019",
        "0020", "0022", "0024", "0026", "0027", "0029", "0030", "0031", "0033", "0039", "0047",
        "0051", "0052", "0055", "0059", "0060", "0061", "0063", "0064", "0068",
    ),
    "5.1.02.02.02": None,
    "5.1.02.02.04": ("0003", "0036", "0037", "0040", "0121"),
    "5.1.02.02.05": ("0001", "0009", "0043"),
    "5.1.02.02.08": ("0002", "0009", "0019", "0020", "0021", "0032"),
    "5.1.02.02.09": 6,
    "5.1.02.02.12": None,
    "5.1.02.03.02": ("0035", "0036", "0037", "0038", "0040", "0121"),
    "5.1.02.03.03": ("0001", "0006", "0010", "0012", "0030"),
    "5.1.02.03.04": ("0004", "0014", "0010", "0023"),
    "5.1.02.04.01": None,
    "5.1.02.05.01": None,
    # 5.1.04 subsidi, 5.1.05 hibah, 5.1.06 bansos
    "5.1.04.02.02": None,
    "5.1.05.01.01": None, "5.1.05.02.01": None,
    "5.1.05.05.01": None, "5.1.05.05.02": None, "5.1.05.05.03": None, "5.1.05.05.04": None,
    "5.1.05.07.01": None,
    **{f"5.1.06.{j:02d}.{i:02d}": None for j in (1, 2, 3, 4) for i in (1, 2)},
    # 5.2 modal
    "5.2.01.01.01": 4, "5.2.01.01.02": ("0001", "0002", "0009"),
    "5.2.02.01.01": 4, "5.2.02.02.01": None, "5.2.02.02.03": 2,
    "5.2.02.05.01": None, "5.2.02.05.02": None, "5.2.02.05.03": None,
    "5.2.02.06.02": 4, "5.2.02.07.01": ("0001", "0002", "0005", "0010", "0021", "0029"),
    "5.2.02.07.02": None, "5.2.02.08.03": 4, "5.2.02.10.01": None, "5.2.02.10.02": None,
    "5.2.02.15.03": None, "5.2.02.18.01": None, "5.2.02.19.01": None,
    "5.2.03.01.01": (
        "0001", "0002", "0006", "0009", "0010", "0011", "0012", "0013", "0016", "0018", "0030",
        "0032", "0033", "0036",
    ),
    "5.2.03.01.02": 3,
    "5.2.04.01.01": ("0003", "0004", "0009", "0010"), "5.2.04.01.02": ("0003", "0004", "0013"),
    "5.2.04.02.04": None, "5.2.04.02.06": None, "5.2.04.02.07": None,
    "5.2.04.03.02": None, "5.2.04.03.03": None,
    "5.2.04.04.01": None, "5.2.04.04.02": None,
    "5.2.05.01.01": 4, "5.2.05.02.01": None, "5.2.05.08.01": None,
    # 5.3 BTT, 5.4 transfer
    "5.3.01.01.01": None,
    "5.4.02.02.01": None, "5.4.02.02.02": None, "5.4.02.04.01": None, "5.4.02.04.02": None,
}  # fmt: skip

# --------------------------------------------------------------------------------------------
# OPD master (hand-curated; domain.md §1.5, §4.1). kode_skpd = up to three bidang urusan, the
# OPD number and the unit. Bidang slots in the CSV are blank when unused.
# --------------------------------------------------------------------------------------------

KECAMATAN = (
    ("01", "Palaran"), ("02", "Samarinda Seberang"), ("03", "Samarinda Ulu"),
    ("04", "Samarinda Ilir"), ("05", "Samarinda Utara"), ("06", "Sungai Kunjang"),
    ("07", "Sambutan"), ("08", "Sungai Pinang"), ("09", "Samarinda Kota"),
    ("10", "Loa Janan Ilir"),
)  # fmt: skip

# (bidang list, OPD number, nama, singkatan, jenis, tahun_mulai, tahun_selesai)
OPD: tuple[tuple[tuple[str, ...], str, str, str, str, str, str], ...] = (
    (("4.01",), "01", "Sekretariat Daerah", "Setda", "sekretariat", "2021", ""),
    (("4.02",), "01", "Sekretariat DPRD", "Setwan", "sekretariat", "2021", ""),
    (("6.01",), "01", "Inspektorat Daerah", "Inspektorat", "inspektorat", "2021", ""),
    # Planning merged with research into Bapperida by the 2023 amendment of Perda 4/2016.
    (("5.01",), "01", "Badan Perencanaan Pembangunan Daerah", "Bappeda", "badan", "2021", "2022"),
    (("5.01", "5.05"), "01", "Badan Perencanaan Pembangunan, Riset dan Inovasi Daerah",
     "Bapperida", "badan", "2023", ""),
    (("5.02",), "01", "Badan Pengelolaan Keuangan dan Aset Daerah", "BPKAD", "badan", "2021", ""),
    (("5.02",), "02", "Badan Pendapatan Daerah", "Bapenda", "badan", "2021", ""),
    (("5.03", "5.04"), "01", "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia", "BKPSDM",
     "badan", "2021", ""),
    (("8.01",), "01", "Badan Kesatuan Bangsa dan Politik", "Kesbangpol", "badan", "2021", ""),
    (("1.05",), "01", "Badan Penanggulangan Bencana Daerah", "BPBD", "badan", "2021", ""),
    (("1.05",), "02", "Satuan Polisi Pamong Praja", "Satpol PP", "satuan", "2021", ""),
    (("1.05",), "03", "Dinas Pemadam Kebakaran dan Penyelamatan", "Damkar", "dinas", "2021", ""),
    (("1.01", "2.22"), "01", "Dinas Pendidikan dan Kebudayaan", "Disdikbud", "dinas", "2021", ""),
    (("1.02",), "01", "Dinas Kesehatan", "Dinkes", "dinas", "2021", ""),
    (("1.03",), "01", "Dinas Pekerjaan Umum dan Penataan Ruang", "PUPR", "dinas", "2021", ""),
    (("1.04", "2.10"), "01", "Dinas Perumahan dan Kawasan Permukiman", "Disperkim", "dinas",
     "2021", ""),
    (("2.11",), "01", "Dinas Lingkungan Hidup", "DLH", "dinas", "2021", ""),
    (("2.15",), "01", "Dinas Perhubungan", "Dishub", "dinas", "2021", ""),
    (("2.16", "2.21", "2.20"), "01", "Dinas Komunikasi dan Informatika", "Diskominfo", "dinas",
     "2021", ""),
    (("1.06", "2.13"), "01", "Dinas Sosial dan Pemberdayaan Masyarakat", "Dinsos PM", "dinas",
     "2021", ""),
    (("2.08",), "01", "Dinas Pemberdayaan Perempuan dan Perlindungan Anak", "DP2PA", "dinas",
     "2021", ""),
    (("2.14",), "01", "Dinas Pengendalian Penduduk dan Keluarga Berencana", "DPPKB", "dinas",
     "2021", ""),
    (("2.07",), "01", "Dinas Tenaga Kerja", "Disnaker", "dinas", "2021", ""),
    (("2.12",), "01", "Dinas Kependudukan dan Pencatatan Sipil", "Disdukcapil", "dinas", "2021",
     ""),
    (("2.18",), "01", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu", "DPMPTSP",
     "dinas", "2021", ""),
    (("2.17", "3.30", "3.31"), "01",
     "Dinas Perdagangan, Koperasi, Usaha Kecil dan Menengah, dan Perindustrian", "Diskumi",
     "dinas", "2021", ""),
    (("2.09", "3.27"), "01", "Dinas Ketahanan Pangan dan Pertanian", "DKPP", "dinas", "2021", ""),
    (("3.25",), "01", "Dinas Perikanan", "Diskan", "dinas", "2021", ""),
    (("3.26",), "01", "Dinas Pariwisata", "Dispar", "dinas", "2021", ""),
    (("2.19",), "01", "Dinas Kepemudaan dan Olahraga", "Dispora", "dinas", "2021", ""),
    (("2.23", "2.24"), "01", "Dinas Perpustakaan dan Kearsipan", "DPK", "dinas", "2021", ""),
)  # fmt: skip


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------

_RN_SUFFIX = re.compile(r"(?<=[A-Za-z\)\.])rn$")
_BLANKS = re.compile(r"\s+")


def clean_name(name: str) -> str:
    """Undo the SIMDA export's escaped line breaks ('…Daerahrn') and repeated blanks."""
    name = _BLANKS.sub(" ", (name or "").replace("\r", " ").replace("\n", " ")).strip()
    if not name.lower().endswith(("modern", "intern")):
        name = _RN_SUFFIX.sub("", name).strip()
    return name


def parent_code(code: str) -> str:
    return code.rsplit(".", 1)[0] if "." in code else ""


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def write_csv(path: Path, columns: tuple[str, ...], rows: list[dict[str, str]]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow([r.get(c, "") or "" for c in columns])
    return len(rows)


def assert_unique(rows: list[dict[str, str]], key: tuple[str, ...], what: str) -> None:
    seen: set[tuple[str, ...]] = set()
    for r in rows:
        k = tuple(r[c] for c in key)
        if k in seen:
            raise SystemExit(f"{what}: duplicate key {k}")
        seen.add(k)


# --------------------------------------------------------------------------------------------
# Pemda crosswalk curation
# --------------------------------------------------------------------------------------------

# Kemendagri code -> BPS name in the codebook, where the name changed (the codebook is older).
PEMDA_BPS_ALIAS: dict[str, tuple[str, str]] = {
    "12.12": ("Kabupaten Toba Samosir", "renamed Toba (PP 2020)"),
    "61.02": ("Kabupaten Pontianak", "renamed Mempawah (PP 58/2014)"),
    "64.01": ("Kabupaten Pasir", "renamed Paser (PP 49/2007)"),
    "65.01": ("Kabupaten Bulongan", "BPS spelling Bulongan"),
    "76.01": ("Kabupaten Mamuju Utara", "renamed Pasangkayu (PP 2017)"),
    "81.03": ("Kabupaten Maluku Tenggara Bara", "renamed Kepulauan Tanimbar (PP 2019)"),
    "75.71": ("Kabupaten Kota Gorontalo", "the codebook writes 'Kabupaten Kota Gorontalo'"),
    "19": ("Provinsi Bangka Belitung", "BPS short name"),
    "31": ("Provinsi DKI Jakarta", "BPS short name"),
    "34": ("Provinsi DI Yogyakarta", "BPS short name"),
    "71.09": ("Kabupaten Siau Tagulandang Bia", "Kemendagri abbreviates 'Kep.'"),
}
# A publisher's code that is wrong or missing, by Kemendagri code: (BPS code to use, note).
PEMDA_KODE_CATATAN: dict[str, tuple[str | None, str]] = {
    "64.74": ("6474", "APBD DJPK dan kodebuku BPS menulis Bontang 6473; kode BPS Bontang 6474"),
    "93": (None, "provinsi baru (UU 14/2022): belum ada di data BPS 2015-2022"),
    "94": (None, "provinsi baru (UU 15/2022): belum ada di data BPS 2015-2022"),
    "95": (None, "provinsi baru (UU 16/2022): belum ada di data BPS 2015-2022"),
    "96": (None, "provinsi baru (UU 29/2022): belum ada di data BPS 2015-2022"),
}
# Province code (2 digits) -> island group, for peer groups by island.
PULAU = {
    **dict.fromkeys(("11", "12", "13", "14", "15", "16", "17", "18", "19", "21"), "Sumatera"),
    **dict.fromkeys(("31", "32", "33", "34", "35", "36"), "Jawa"),
    **dict.fromkeys(("51", "52", "53"), "Bali dan Nusa Tenggara"),
    **dict.fromkeys(("61", "62", "63", "64", "65"), "Kalimantan"),
    **dict.fromkeys(("71", "72", "73", "74", "75", "76"), "Sulawesi"),
    **dict.fromkeys(("81", "82"), "Maluku"),
    **dict.fromkeys(("91", "92", "93", "94", "95", "96"), "Papua"),
}
_PAPUA = frozenset(k for k, v in PULAU.items() if v == "Papua")  # provinces split since 2022


def _jenis(nama: str, level: str) -> str:
    if level == "provinsi":
        return "provinsi"
    return "kota" if nama.strip().lower().startswith("kota") else "kabupaten"


def _name_key(nama: str) -> str:
    n = re.sub(r"^(provinsi|kabupaten administrasi|kabupaten|kab\.|kota administrasi|kota)\s+", "",
               nama.strip().lower())  # fmt: skip
    return re.sub(r"[^a-z]", "", n.replace("kep.", "kepulauan"))


def _bps_codebook(ref: Path) -> list[dict[str, str]]:
    import fastexcel  # dev-time only, like the rest of this script

    sheet = fastexcel.read_excel(ref / "real" / "kodebuku_indikator_wilayah.xlsx")
    rows = sheet.load_sheet("wilayah", dtypes="string").to_polars().iter_rows(named=True)
    return [
        {"kode_bps": r["id"], "nama": r["nama_provinsi"].strip(), "prov": r["id"][:2]}
        for r in rows
        if r["id"] != "1000"
    ]


def build_pemda(ref: Path) -> list[dict[str, str]]:
    regions = read_csv(ref / "wilayah_provinsi_kabkota.csv")
    names = {r["kode_kemendagri"]: r["nama"] for r in regions if r["level"] == "provinsi"}
    group = lambda prov: "papua" if prov in _PAPUA else prov  # noqa: E731
    bps_by_key: dict[tuple[str, str, str], list[dict[str, str]]] = defaultdict(list)
    for b in _bps_codebook(ref):
        jenis = "provinsi" if b["kode_bps"].endswith("00") else _jenis(b["nama"], "")
        bps_by_key[(group(b["prov"]), jenis, _name_key(b["nama"]))].append(b)
    djpk: dict[str, str] = {}
    for r in read_csv(ref / "real" / "apbd_pemda_akun_jenis.csv"):
        if r["wilayah"] != "#N/A":
            djpk.setdefault(r["wilayah"], r["Kodepemda"])
    out = []
    for r in regions:
        kode, prov = r["kode_kemendagri"], r["kode_provinsi"]
        jenis = _jenis(r["nama"], r["level"])
        alias, why = PEMDA_BPS_ALIAS.get(kode, (r["nama"], ""))
        key = (group(prov), _jenis(alias, r["level"]), _name_key(alias))
        hits = (
            bps_by_key.get(key)
            or [  # the codebook cuts names at 30 characters
                b
                for (g, j, n), bs in bps_by_key.items()
                for b in bs
                if (g, j) == key[:2] and len(b["nama"]) >= 30 and key[2].startswith(n)
            ]
        )
        kode_bps = hits[0]["kode_bps"] if len(hits) == 1 else None
        notes = [f"nama BPS '{alias}': {why}"] if why else []
        if kode in PEMDA_KODE_CATATAN:
            kode_bps, note = PEMDA_KODE_CATATAN[kode]
            notes.append(note)
        elif kode_bps is None:
            raise SystemExit(f"ref_pemda: no BPS code for {kode} {r['nama']} ({len(hits)} matches)")
        # DJPK's national file writes Bontang under 6473: look its DJPK code up where it is
        djpk_key = "6473" if kode == "64.74" else kode_bps
        kode_djpk = djpk.get(djpk_key or "", "")
        if not kode_djpk and "administrasi" in r["nama"].lower():
            notes.append("wilayah administrasi DKI, bukan daerah otonom: tidak ada APBD")
        elif not kode_djpk:
            notes.append("tidak ada di berkas APBD DJPK 2023 (baris berkode BPS #N/A tanpa nama)")
        out.append(
            {
                "kode_pemda": kode,
                "nama_pemda": clean_name(r["nama"]),
                "jenis": jenis,
                "kode_provinsi": prov,
                "nama_provinsi": names[prov],
                "pulau": PULAU[prov],
                "kode_bps": kode_bps or "",
                "kode_djpk": kode_djpk,
                "penduduk": r["penduduk_total"],
                "luas_km2": r["luas_km2"],
                "catatan_kode": "; ".join(notes),
            }
        )
    out.sort(key=lambda r: [int(p) for p in r["kode_pemda"].split(".")])
    assert_unique(out, ("kode_pemda",), "ref_pemda")
    assert_unique([r for r in out if r["kode_bps"]], ("kode_bps",), "ref_pemda BPS")
    assert_unique([r for r in out if r["kode_djpk"]], ("kode_djpk",), "ref_pemda DJPK")
    return out


# --------------------------------------------------------------------------------------------
# builders
# --------------------------------------------------------------------------------------------


def build_nomenklatur(ref: Path) -> list[dict[str, str]]:
    src = [
        r
        for r in read_csv(ref / "permendagri90_2020" / "sub_kegiatan_flat.csv")
        if r["jns_pemda"] == "kabupaten_kota" and not r["kode_bidang_urusan"].startswith("?")
    ]
    by_code_active = {r["kode_sub_kegiatan"]: r for r in src if r["status"] == "aktif"}

    selected: dict[str, dict[str, str]] = {}
    for code in MUST_INCLUDE:
        r = by_code_active.get(code)
        if r is None:
            raise SystemExit(f"MUST_INCLUDE {code} is not an active kab/kota sub kegiatan")
        if r["kode_bidang_urusan"] not in BIDANG_QUOTA:
            raise SystemExit(f"MUST_INCLUDE {code}: bidang not in BIDANG_QUOTA")
        selected[code] = r

    candidates: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in sorted(by_code_active.values(), key=lambda r: r["kode_sub_kegiatan"]):
        special_region = "*)" in r["nama_kegiatan"] + r["nama_program"]
        if (
            r["kode_bidang_urusan"] in BIDANG_QUOTA
            and not special_region
            and not NOT_FOR_SAMARINDA.search(r["nama_sub_kegiatan"])
        ):
            candidates[r["kode_bidang_urusan"]].append(r)

    for bidang, quota in BIDANG_QUOTA.items():
        have = sum(1 for r in selected.values() if r["kode_bidang_urusan"] == bidang)
        # round-robin over kegiatan so every kegiatan of the bidang gets a turn
        by_kegiatan: dict[str, list[dict[str, str]]] = defaultdict(list)
        for r in candidates[bidang]:
            if r["kode_sub_kegiatan"] not in selected:
                by_kegiatan[r["kode_kegiatan"]].append(r)
        queues = [by_kegiatan[k] for k in sorted(by_kegiatan)]
        depth = 0
        while have < quota and any(len(q) > depth for q in queues):
            for q in queues:
                if have >= quota:
                    break
                if len(q) > depth:
                    selected[q[depth]["kode_sub_kegiatan"]] = q[depth]
                    have += 1
            depth += 1
        if have == 0:
            raise SystemExit(f"bidang {bidang}: no sub kegiatan selected")

    out: list[dict[str, str]] = []

    def emit(r: dict[str, str], retired: bool) -> None:
        row = {c: clean_name(r[c]) if c.startswith("nama_") else r[c] for c in r}
        row["tahun_mulai"] = RETIRED_FROM if retired else ACTIVE_FROM
        row["tahun_selesai"] = RETIRED_UNTIL if retired else ""
        out.append(row)

    for r in selected.values():
        emit(r, retired=False)
    programs = {r["kode_program"] for r in selected.values()}
    for r in src:
        if r["kode_bidang_urusan"] == "X.XX":
            emit(r, retired=r["status"] != "aktif")
        elif (
            r["status"] != "aktif"
            and r["kode_program"] in programs
            and not NOT_FOR_SAMARINDA.search(r["nama_sub_kegiatan"])
        ):
            emit(r, retired=True)

    out.sort(key=lambda r: (r["kode_sub_kegiatan"], r["tahun_mulai"]))
    assert_unique(out, ("kode_sub_kegiatan", "tahun_mulai"), "ref_nomenklatur")
    return out


def build_akun(ref: Path) -> list[dict[str, str]]:
    src = [
        r
        for r in read_csv(ref / "permendagri90_2020" / "kode_rekening_flat.csv")
        if r["kode_akun"] == "5" or r["kode_akun"].startswith("5.")
    ]
    keep: list[dict[str, str]] = []
    for r in src:
        level = int(r["level"])
        code = r["kode_akun"]
        if level <= 4 or (level == 5 and code in AKUN_LEVEL6):
            keep.append(r)
    for parent, spec in AKUN_LEVEL6.items():
        children = sorted(
            (r for r in src if r["level"] == "6" and parent_code(r["kode_akun"]) == parent),
            key=lambda r: (r["kode_akun"], r["status"]),
        )
        active = [r for r in children if r["status"] == "aktif"]
        if not active:
            raise SystemExit(f"AKUN_LEVEL6 {parent}: no active level-6 children")
        if spec is None:
            codes = {r["kode_akun"] for r in active}
        elif isinstance(spec, int):
            codes = {r["kode_akun"] for r in active[:spec]}
        else:
            codes = {f"{parent}.{s}" for s in spec}
            missing = codes - {r["kode_akun"] for r in active}
            if missing:
                raise SystemExit(f"AKUN_LEVEL6 {parent}: not active level 6: {sorted(missing)}")
        keep.extend(r for r in children if r["kode_akun"] in codes)
    if not all(p in {r["kode_akun"] for r in keep if r["level"] == "5"} for p in AKUN_LEVEL6):
        raise SystemExit("AKUN_LEVEL6 lists a level-5 code that is not in the source")

    out = []
    for r in keep:
        retired = r["status"] != "aktif"  # renamed/withdrawn before 2021: valid in 2020 only
        out.append(
            {
                "kode_akun": r["kode_akun"],
                "nama_akun": clean_name(r["nama_akun"]),
                "level": r["level"],
                "kode_induk": parent_code(r["kode_akun"]),
                "tahun_mulai": RETIRED_FROM if retired else ACTIVE_FROM,
                "tahun_selesai": RETIRED_UNTIL if retired else "",
            }
        )
    out.sort(key=lambda r: (r["kode_akun"], r["tahun_mulai"]))
    assert_unique(out, ("kode_akun", "tahun_mulai"), "ref_akun")
    return out


def build_sumber_dana(ref: Path) -> list[dict[str, str]]:
    out = [
        {
            "kode_sumber_dana": r["kode_sumber_dana"],
            "nama_sumber_dana": clean_name(r["uraian"]),
            "level": r["level"],
            "kode_induk": parent_code(r["kode_sumber_dana"]),
        }
        for r in read_csv(ref / "permendagri90_2020" / "sumber_dana_flat.csv")
        if r["status"] == "aktif"
    ]
    out.sort(key=lambda r: r["kode_sumber_dana"])
    assert_unique(out, ("kode_sumber_dana",), "ref_sumber_dana")
    return out


def build_fungsi(ref: Path) -> list[dict[str, str]]:
    out = [
        {
            "kode_fungsi": r["kode_fungsi"].zfill(2),
            "kode_subfungsi": r["kode_subfungsi"].zfill(2) if r["kode_subfungsi"] else "",
            "nama": clean_name(r["nama"]),
        }
        for r in read_csv(ref / "permendagri90_2020" / "fungsi_subfungsi.csv")
    ]
    out.sort(key=lambda r: (r["kode_fungsi"], r["kode_subfungsi"]))
    assert_unique(out, ("kode_fungsi", "kode_subfungsi"), "ref_fungsi")
    return out


FUNGSI_OVERRIDE = {"2.24": "01"}  # kearsipan: blank in the source, sub-fungsi 01.02 Kearsipan


def build_bidang_fungsi(ref: Path) -> list[dict[str, str]]:
    out = []
    for r in read_csv(ref / "permendagri90_2020" / "bidang_urusan_fungsi.csv"):
        if r["jns_pemda"] != "kabupaten_kota" or r["kode_bidang_urusan"].startswith("?"):
            continue
        kode = r["kode_bidang_urusan"]
        fungsi = r["kode_fungsi"].zfill(2) if r["kode_fungsi"] else FUNGSI_OVERRIDE.get(kode, "")
        out.append(
            {
                "kode_bidang_urusan": kode,
                "nama_bidang_urusan": clean_name(r["nama_bidang_urusan"]),
                "kode_fungsi": fungsi,
            }
        )
    out.sort(key=lambda r: r["kode_bidang_urusan"])
    assert_unique(out, ("kode_bidang_urusan",), "ref_bidang_urusan_fungsi")
    return out


# The pemda whose own lists (ref_wilayah, ref_opd) these are: Kota Samarinda. Other pemda's lists
# arrive as data (landing referensi/...), never as seeds.
KODE_PEMDA = "64.72"


def build_wilayah(ref: Path) -> list[dict[str, str]]:
    out = [
        {
            "kode_pemda": KODE_PEMDA,
            "kode_wilayah": r["kode_kemendagri"],
            "level": r["level"],
            "nama": clean_name(r["nama"]),
            "kode_kecamatan": r["kode_kecamatan"],
            "nama_kecamatan": r["nama_kecamatan"],
            "penduduk_2023": r["penduduk_2023"],
            "luas_km2": r["luas_km2"],
        }
        for r in read_csv(ref / "samarinda_6472_kecamatan_kelurahan.csv")
    ]
    out.sort(key=lambda r: r["kode_wilayah"])
    assert_unique(out, ("kode_wilayah",), "ref_wilayah")
    return out


def skpd_code(bidang: tuple[str, ...], nomor: str, unit: str = "0000") -> str:
    slots = [*bidang, "0.00", "0.00"][:3]
    return f"{slots[0]}.{slots[1]}.{slots[2]}.{nomor}.{unit}"


def build_opd(nomenklatur: list[dict[str, str]]) -> list[dict[str, str]]:
    known_bidang = {r["kode_bidang_urusan"] for r in nomenklatur}
    out = []
    rows = [*OPD]
    for nomor, nama in KECAMATAN:
        rows.append(
            (("7.01",), nomor, f"Kecamatan {nama}", f"Kec. {nama}", "kecamatan", "2021", "")
        )
    for bidang, nomor, nama, singkatan, jenis, mulai, selesai in rows:
        missing = [b for b in bidang if b not in known_bidang]
        if missing:
            raise SystemExit(f"OPD {nama}: bidang {missing} not in ref_nomenklatur")
        slots = [*bidang, "", ""][:3]
        out.append(
            {
                "kode_pemda": KODE_PEMDA,
                "kode_skpd": skpd_code(bidang, nomor),
                "nama_skpd": nama,
                "singkatan": singkatan,
                "jenis": jenis,
                "kode_bidang_urusan_1": slots[0],
                "kode_bidang_urusan_2": slots[1],
                "kode_bidang_urusan_3": slots[2],
                "kode_kecamatan": f"64.72.{nomor}" if jenis == "kecamatan" else "",
                "tahun_mulai": mulai,
                "tahun_selesai": selesai,
            }
        )
    out.sort(key=lambda r: r["kode_skpd"])
    assert_unique(out, ("kode_skpd",), "ref_opd")
    return out


SEEDS: dict[str, tuple[str, ...]] = {
    "ref_nomenklatur": NOMENKLATUR_COLUMNS,
    "ref_akun": ("kode_akun", "nama_akun", "level", "kode_induk", "tahun_mulai", "tahun_selesai"),
    "ref_sumber_dana": ("kode_sumber_dana", "nama_sumber_dana", "level", "kode_induk"),
    "ref_fungsi": ("kode_fungsi", "kode_subfungsi", "nama"),
    "ref_bidang_urusan_fungsi": ("kode_bidang_urusan", "nama_bidang_urusan", "kode_fungsi"),
    "ref_wilayah": (
        "kode_pemda", "kode_wilayah", "level", "nama", "kode_kecamatan", "nama_kecamatan", "penduduk_2023",
        "luas_km2",
    ),
    "ref_pemda": (
        "kode_pemda", "nama_pemda", "jenis", "kode_provinsi", "nama_provinsi", "pulau", "kode_bps",
        "kode_djpk", "penduduk", "luas_km2", "catatan_kode",
    ),
    "ref_opd": (
        "kode_pemda", "kode_skpd", "nama_skpd", "singkatan", "jenis", "kode_bidang_urusan_1",
        "kode_bidang_urusan_2", "kode_bidang_urusan_3", "kode_kecamatan", "tahun_mulai",
        "tahun_selesai",
    ),
}  # fmt: skip


def curate(reference: Path, out_dir: Path) -> dict[str, int]:
    """Write every seed; return row counts by seed name."""
    if not reference.is_dir():
        raise SystemExit(f"reference folder not found: {reference}")
    nomenklatur = build_nomenklatur(reference)
    tables = {
        "ref_nomenklatur": nomenklatur,
        "ref_akun": build_akun(reference),
        "ref_sumber_dana": build_sumber_dana(reference),
        "ref_fungsi": build_fungsi(reference),
        "ref_bidang_urusan_fungsi": build_bidang_fungsi(reference),
        "ref_wilayah": build_wilayah(reference),
        "ref_pemda": build_pemda(reference),
        "ref_opd": build_opd(nomenklatur),
    }
    return {
        name: write_csv(out_dir / f"{name}.csv", SEEDS[name], rows) for name, rows in tables.items()
    }


# The BPS indicator files the peer marts read: (file, first year kept, last year kept).
EMBEDDED_BPS: tuple[tuple[str, int, int], ...] = (
    ("ipm_2019-2021.csv", 2019, 2021),
    ("tingkatmiskin_2015-2021.csv", 2018, 2021),
    ("tpt_2020-2020.csv", 2020, 2020),
    ("tpt_2021-2021.csv", 2021, 2021),
)
EMBEDDED_APBD_COLUMNS = ("wilayah", "Kodepemda", "Tahun", "standarjenis_APBD_id", "nilai", "versi")
EMBEDDED_BPS_COLUMNS = (
    "wilayah", "tahun", "periode", "nilai", "nasional", "satuan", "versi", "id_indikator",
    "nama_indikator",
)  # fmt: skip


def curate_embedded(reference: Path, out_dir: Path) -> dict[str, int]:
    """Write the curated real files the project carries (landing layout); rows per file."""
    real = reference / "real"
    apbd = [
        r
        for r in read_csv(real / "apbd_pemda_akun_jenis.csv")
        if not r["Kodepemda"].endswith(".00") and r["standarjenis_APBD_id"][:1] in ("4", "5")
    ]
    counts = {}
    rel = "djpk/apbd_pemda/2023/apbd_pemda_akun_jenis.csv"
    counts[rel] = write_csv(out_dir / rel, EMBEDDED_APBD_COLUMNS, apbd)
    for name, first, last in EMBEDDED_BPS:
        rows = [
            r
            for r in read_csv(real / "bps_indikator_kabkota" / name)
            if first <= int(r["tahun"]) <= last
        ]
        stem = name.rsplit("_", 1)[0]
        rel = f"bps/indikator_kabkota/{stem}_{first}-{last}.csv"
        counts[rel] = write_csv(out_dir / rel, EMBEDDED_BPS_COLUMNS, rows)
    return counts


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE)
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.add_argument("--embedded", type=Path, default=DEFAULT_EMBEDDED)
    args = p.parse_args(argv)
    counts = curate(args.reference, args.out) | curate_embedded(args.reference, args.embedded)
    for name, n in counts.items():
        print(f"{name}: {n} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
