"""The demo generator writes realistic landing files whose figures reconcile to the rupiah.

Files are generated into ``tmp_path`` and read back the way an outsider would: CSV with Polars
(comma or semicolon, plain or Indonesian numbers) and XLSX with Polars + fastexcel (SIPD layout
with title rows) or openpyxl (cell types). Nothing here trusts the generator's own structures.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest
import yaml

from dagster_project.lib.demo import generator as demo

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SEEDS = PROJECT_ROOT / "dbt" / "seeds"
CONTRACTS = PROJECT_ROOT / "data_contracts" / "sources"
TABLES = ("dpa_sub_kegiatan", "dpa_rincian", "anggaran_kas")
MONEY = {
    "pagu_rp",
    "harga_satuan_rp",
    "total_rp",
    "nilai_rp",
    *(f"bulan_{i}" for i in range(1, 13)),
}
QTY = {"volume", "target_keluaran"}
INTS = {"tahun", "no_rincian"}
TARGETS = {2024: (5_100e9, 5_640e9), 2025: (4_980e9, 5_800e9)}
FILE_RE = re.compile(
    r"^(sipd/(dpa_sub_kegiatan|dpa_rincian|anggaran_kas)/(20[0-9]{2})/([0-9.]{22})/"
    r"\2_(murni|perubahan|pergeseran_[0-9]+|pergeseran_perubahan_[0-9]+)\.(csv|xlsx)"
    r"|bpkad/sp2d/(20[0-9]{2})/sp2d_\7_(0[1-9]|1[0-2])\.csv)$"
)
# Performance, outcome and beneficiary files (issue 3); their content is tested in test_demo_evidence.
EVIDENCE_RE = re.compile(
    r"^(opd/realisasi_kinerja/20[0-9]{2}/[0-9.]{22}/realisasi_kinerja_tw[1-4]\.(csv|xlsx)"
    r"|bps/indikator_wilayah/20[0-9]{2}/indikator_wilayah_[a-z0-9]+\.(csv|xlsx)"
    r"|dinsos/penerima_bansos/20[0-9]{2}/penerima_bansos_[a-z0-9]+\.(csv|xlsx))$"
)

# The real national files the project carries (issue 13 §3), landed as they are.
REAL_RE = re.compile(
    r"^(djpk/apbd_pemda/20[0-9]{2}/apbd_pemda_[a-z_]+\.csv"
    r"|bps/indikator_kabkota/[a-z_]+_20[0-9]{2}-20[0-9]{2}\.csv)$"
)


def is_budget_file(path: str) -> bool:
    return path.startswith(("sipd/", "bpkad/"))


# ---------------------------------------------------------------------------------------------
# reading landing files back
# ---------------------------------------------------------------------------------------------


def contract(source: str, table: str) -> list[dict[str, Any]]:
    doc = yaml.safe_load((CONTRACTS / f"{source}__{table}.odcs.yaml").read_text("utf-8"))
    return doc["schema"][0]["properties"]


def alias_map(source: str, table: str) -> dict[str, str]:
    out = {}
    for prop in contract(source, table):
        out[prop["name"]] = prop["name"]
        for cp in prop.get("customProperties") or []:
            if cp["property"] == "aliases":
                for a in cp["value"]:
                    out[str(a)] = prop["name"]
    return out


def to_decimal(text: str, indonesian: bool) -> Decimal:
    if indonesian:
        text = text.replace(".", "").replace(",", ".")
    return Decimal(text)


def typed(row: dict[str, Any], indonesian: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in row.items():
        if v is None or v == "":
            out[k] = None
        elif k in MONEY or k in QTY:
            out[k] = to_decimal(str(v), indonesian)
        elif k in INTS:
            out[k] = int(Decimal(str(v)))
        elif k == "tanggal_sp2d":
            s = str(v)
            out[k] = (
                dt.date.fromisoformat(s) if "-" in s else dt.datetime.strptime(s, "%d/%m/%Y").date()
            )
        else:
            out[k] = str(v)
    return out


def read_csv(path: Path) -> tuple[list[dict[str, Any]], str]:
    header = path.read_text(encoding="utf-8").split("\n", 1)[0]
    sep = ";" if header.count(";") > header.count(",") else ","
    df = pl.read_csv(path, separator=sep, infer_schema=False)
    return [typed(r, sep == ";") for r in df.to_dicts()], sep


def read_xlsx(path: Path, table: str) -> tuple[list[dict[str, Any]], int]:
    aliases = alias_map("sipd", table)
    raw = pl.read_excel(
        path, engine="calamine", has_header=False, infer_schema_length=0, raise_if_empty=False
    )
    rows = raw.rows()
    header_idx = next(i for i, r in enumerate(rows) if "Kode SKPD" in r)
    header = [aliases[h] for h in rows[header_idx]]
    data = [dict(zip(header, r, strict=True)) for r in rows[header_idx + 1 :]]
    return [typed(r, False) for r in data], header_idx


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """Two fiscal years at a small scale: every identity, code and total is checked on this."""
    root = tmp_path_factory.mktemp("landing_small")
    return root, demo.generate(root, scale=0.2, years=(2024, 2025))


@pytest.fixture(scope="module")
def landing_full(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """One fiscal year at the default scale (volumes)."""
    root = tmp_path_factory.mktemp("landing_full")
    return root, demo.generate(root, years=(2024,))


@pytest.fixture(scope="module")
def parsed(landing: tuple[Path, dict]) -> tuple[dict[str, list[dict[str, Any]]], dict[str, int]]:
    """Every landing file read back: rows per table, and the row count of each file."""
    root = landing[0]
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    counts: dict[str, int] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.name != "_manifest.json"):
        rel = path.relative_to(root).as_posix()
        if EVIDENCE_RE.match(rel) or REAL_RE.match(rel):
            continue
        m = FILE_RE.match(rel)
        assert m, rel
        if rel.startswith("bpkad/"):
            rows, _ = read_csv(path)
            counts[rel] = len(rows)
            out["sp2d"] += [{**r, "tahun": int(m.group(7))} for r in rows]
            continue
        table, year, skpd = m.group(2), int(m.group(3)), m.group(4)
        rows = read_xlsx(path, table)[0] if path.suffix == ".xlsx" else read_csv(path)[0]
        counts[rel] = len(rows)
        for r in rows:
            assert r["kode_skpd"] == skpd, (rel, r["kode_skpd"])
            assert r["tahun"] == year and r["tahap"] == m.group(5)
        out[table] += rows
    return out, counts


@pytest.fixture(scope="module")
def tables(parsed: tuple[dict, dict[str, int]]) -> dict[str, list[dict[str, Any]]]:
    return parsed[0]


def seed(name: str) -> list[dict[str, str]]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def valid(r: dict[str, str], year: int) -> bool:
    return int(r["tahun_mulai"]) <= year and (
        not r["tahun_selesai"] or year <= int(r["tahun_selesai"])
    )


def money(d: Decimal) -> str:
    return f"{d:.2f}"


# The spending types of the accounting rule, read from the seed the warehouse uses (the generator
# states the rule independently): UP and TU advances are not spending.
BELANJA = {r["jenis_sp2d"] for r in seed("ref_jenis_sp2d") if r["diakui_belanja"] == "true"}
URUTAN = {"murni": 0, "perubahan": 99}


def urutan(tahap: str) -> int:
    """murni -> pergeseran_N -> perubahan -> pergeseran_perubahan_N."""
    if tahap in URUTAN:
        return URUTAN[tahap]
    n = int(tahap.rsplit("_", 1)[1])
    return 100 + n if tahap.startswith("pergeseran_perubahan_") else n


def tahap_akhir(rows: list[dict[str, Any]]) -> dict[tuple[int, str], str]:
    """(tahun, kode_skpd) -> the latest DPA phase of that OPD."""
    out: dict[tuple[int, str], str] = {}
    for r in rows:
        k = (r["tahun"], r["kode_skpd"])
        if k not in out or urutan(r["tahap"]) > urutan(out[k]):
            out[k] = r["tahap"]
    return out


# ---------------------------------------------------------------------------------------------
# determinism, layout, manifest
# ---------------------------------------------------------------------------------------------


def test_same_seed_and_scale_give_byte_identical_files(tmp_path: Path) -> None:
    a = demo.generate(tmp_path / "a", scale=0.1, years=(2024,))
    b = demo.generate(tmp_path / "b", scale=0.1, years=(2024,))
    assert a == b
    assert (tmp_path / "a" / "_manifest.json").read_bytes() == (
        tmp_path / "b" / "_manifest.json"
    ).read_bytes()
    for f in a["files"]:
        assert (tmp_path / "a" / f["path"]).read_bytes() == (
            tmp_path / "b" / f["path"]
        ).read_bytes()
    assert any(f["path"].endswith(".xlsx") for f in a["files"])
    c = demo.generate(tmp_path / "c", seed=7, scale=0.1, years=(2024,))
    assert {f["sha256"] for f in c["files"]} != {f["sha256"] for f in a["files"]}


def test_a_program_whose_lines_name_no_site_still_lands_in_one_kelurahan(tmp_path: Path) -> None:
    """Seed 7331 at full scale has, in 2025, a program serving a kelurahan outcome whose
    sub kegiatan carry no site line at all: the generator used to fail (min() of an empty area);
    the lot now lands in one kelurahan, where the effect method can judge it."""
    manifest = demo.generate(tmp_path, seed=7331, scale=1.0)
    sasaran = manifest["kebenaran"]["wilayah_sasaran"]
    assert sasaran and all(w["kelurahan"] for w in sasaran)


def test_files_are_at_the_documented_paths(landing: tuple[Path, dict]) -> None:
    root, manifest = landing
    on_disk = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} - {
        "_manifest.json"
    }
    assert on_disk == {f["path"] for f in manifest["files"]}
    assert all(FILE_RE.match(p) or EVIDENCE_RE.match(p) or REAL_RE.match(p) for p in on_disk)
    real = {p for p in on_disk if REAL_RE.match(p)}
    assert real == {
        p.relative_to(demo.EMBEDDED_DIR).as_posix() for p in demo.EMBEDDED_DIR.rglob("*.csv")
    }
    for p in real:
        assert (root / p).read_bytes() == (demo.EMBEDDED_DIR / p).read_bytes(), p
    for year in (2024, 2025):
        opds = [r["kode_skpd"] for r in seed("ref_opd") if valid(r, year)]
        assert len(opds) == 40
        fases = {
            demo.PERGESERAN_TANPA_PERUBAHAN: ("murni", "pergeseran_1"),
            demo.PERGESERAN_SESUDAH_PERUBAHAN: (
                "murni", "pergeseran_1", "perubahan", "pergeseran_perubahan_1"
            ) if year == 2024 else ("murni", "perubahan"),
        }  # fmt: skip
        assert set(fases) <= set(opds)
        for kode in opds:
            for table in TABLES:
                for tahap in fases.get(kode, ("murni", "perubahan")):
                    stem = f"sipd/{table}/{year}/{kode}/{table}_{tahap}"
                    assert f"{stem}.csv" in on_disk or f"{stem}.xlsx" in on_disk, stem
            phases = {p.rsplit(".", 1)[0] for p in on_disk if f"/{year}/{kode}/dpa_rincian_" in p}
            assert len(phases) == len(fases.get(kode, ("murni", "perubahan"))), (kode, phases)
        months = sorted(p for p in on_disk if p.startswith(f"bpkad/sp2d/{year}/"))
        assert months == [f"bpkad/sp2d/{year}/sp2d_{year}_{m:02d}.csv" for m in range(1, 13)]
    # the retired OPD (Bappeda, merged into Bapperida in 2023) sends nothing in 2024–2025
    assert not any("/5.01.0.00.0.00.01.0000/" in p for p in on_disk)


def test_opds_send_csv_and_xlsx_in_both_styles(landing: tuple[Path, dict]) -> None:
    root, manifest = landing
    fmt: dict[str, set[str]] = defaultdict(set)
    for f in manifest["files"]:
        m = FILE_RE.match(f["path"])
        if m and m.group(4):
            path = root / f["path"]
            if path.suffix == ".xlsx":
                fmt[m.group(4)].add("xlsx")
            else:
                header = path.read_text(encoding="utf-8").split("\n", 1)[0]
                fmt[m.group(4)].add("csv;" if ";" in header else "csv,")
    assert all(len(v) == 1 for v in fmt.values()), "one OPD, one format"
    counts = Counter(next(iter(v)) for v in fmt.values())
    assert counts["xlsx"] >= 15 and counts["csv;"] >= 5 and counts["csv,"] >= 5
    # Indonesian CSV: 1.234.567,00 money; plain CSV: 1234567.00
    semi = next(root / f["path"] for f in manifest["files"] if "dpa_rincian" in f["path"]
                and f["path"].endswith(".csv")
                and ";" in (root / f["path"]).read_text().split("\n", 1)[0])  # fmt: skip
    assert re.search(r";[0-9]{1,3}(\.[0-9]{3})+,[0-9]{2}(;|$)", semi.read_text(), re.M)


def test_xlsx_follows_the_sipd_layout(landing: tuple[Path, dict]) -> None:
    root, manifest = landing
    xlsx = [
        root / f["path"]
        for f in manifest["files"]
        if f["path"].endswith(".xlsx") and is_budget_file(f["path"])
    ]
    title_rows = set()
    for path in xlsx[:12]:
        table = path.parent.parent.parent.name
        wb = openpyxl.load_workbook(path, read_only=True)
        ws = wb.active
        rows = list(ws.iter_rows())
        header_idx = next(i for i, r in enumerate(rows) if any(c.value == "Kode SKPD" for c in r))
        title_rows.add(header_idx)
        titles = " ".join(str(c.value) for r in rows[:header_idx] for c in r if c.value)
        assert (
            "ANGGARAN" in titles
            and "Tahun Anggaran" in titles.title()
            and "SAMARINDA" in titles.upper()
        )
        header = [c.value for c in rows[header_idx]]
        humans = {a for a in alias_map("sipd", table) if a[:1].isupper()}
        assert set(header) <= humans, header
        assert "Kode Sub Kegiatan" in header
        for r in rows[header_idx + 1 : header_idx + 6]:
            cells = dict(zip(header, r, strict=True))
            assert cells["Kode SKPD"].data_type == "s"
            assert cells["Kode Sub Kegiatan"].data_type == "s"
            money_col = next(h for h in header if "(Rp)" in h or h.startswith("Bulan"))
            assert cells[money_col].data_type == "n"
        wb.close()
    assert title_rows <= {3, 4, 5} and len(title_rows) >= 2


def test_manifest_lists_every_file_with_hash_and_rows(
    landing: tuple[Path, dict], parsed: tuple[dict, dict[str, int]]
) -> None:
    root, manifest = landing
    counts = parsed[1]
    assert manifest["seed"] == 20240101 and manifest["years"] == [2024, 2025]
    assert json.loads((root / "_manifest.json").read_text(encoding="utf-8")) == manifest
    assert [f["path"] for f in manifest["files"]] == sorted(f["path"] for f in manifest["files"])
    for f in manifest["files"]:
        path = root / f["path"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == f["sha256"]
        if is_budget_file(f["path"]):
            assert counts[f["path"]] == f["rows"], f["path"]
    assert set(counts) == {f["path"] for f in manifest["files"] if is_budget_file(f["path"])}


# ---------------------------------------------------------------------------------------------
# the budget reconciles to the rupiah
# ---------------------------------------------------------------------------------------------


def test_rincian_lines_multiply_out_and_sum_to_pagu(tables: dict) -> None:
    lines = defaultdict(Decimal)
    for r in tables["dpa_rincian"]:
        assert r["volume"] * r["harga_satuan_rp"] == r["total_rp"], r
        assert r["total_rp"] > 0
        lines[(r["tahun"], r["tahap"], r["kode_skpd"], r["kode_sub_kegiatan"])] += r["total_rp"]
    pagu = {
        (r["tahun"], r["tahap"], r["kode_skpd"], r["kode_sub_kegiatan"]): r["pagu_rp"]
        for r in tables["dpa_sub_kegiatan"]
    }
    assert len(pagu) == len(tables["dpa_sub_kegiatan"]), "one row per sub kegiatan"
    assert pagu == dict(lines)
    keys = Counter(
        (r["tahun"], r["tahap"], r["kode_skpd"], r["kode_sub_kegiatan"], r["no_rincian"])
        for r in tables["dpa_rincian"]
    )
    assert max(keys.values()) == 1


def test_anggaran_kas_sums_to_rincian_per_akun(tables: dict) -> None:
    rincian = defaultdict(Decimal)
    for r in tables["dpa_rincian"]:
        key = (r["tahun"], r["tahap"], r["kode_skpd"], r["kode_sub_kegiatan"], r["kode_akun"])
        rincian[key] += r["total_rp"]
    kas = {}
    for r in tables["anggaran_kas"]:
        months = [r[f"bulan_{i}"] for i in range(1, 13)]
        assert all(m is not None and m >= 0 for m in months), r
        key = (r["tahun"], r["tahap"], r["kode_skpd"], r["kode_sub_kegiatan"], r["kode_akun"])
        assert key not in kas
        kas[key] = sum(months, Decimal(0))
    assert kas == dict(rincian)
    # back-loaded: the second half of the year plans more cash than the first
    first = sum((r[f"bulan_{i}"] for r in tables["anggaran_kas"] for i in range(1, 7)), Decimal(0))
    second = sum(
        (r[f"bulan_{i}"] for r in tables["anggaran_kas"] for i in range(7, 13)), Decimal(0)
    )
    assert second > first


def test_sp2d_never_exceeds_pagu_akhir(tables: dict, landing: tuple[Path, dict]) -> None:
    """Net spending (refunds and corrections included, advances not) per line stays within the
    pagu of the OPD's latest phase (pergeseran included); advances are drawn on budget lines.
    The only lines over it are exactly the payments beyond the DPA line the demo plants for the
    review list (issue 14 §4, `kebenaran.anomali.melebihi_pagu`)."""
    akhir = tahap_akhir(tables["dpa_rincian"])
    pagu = defaultdict(Decimal)
    for r in tables["dpa_rincian"]:
        if r["tahap"] == akhir[(r["tahun"], r["kode_skpd"])]:
            pagu[(r["tahun"], r["kode_skpd"], r["kode_sub_kegiatan"], r["kode_akun"])] += r[
                "total_rp"
            ]
    paid = defaultdict(Decimal)
    lines = set()
    for r in tables["sp2d"]:
        key = (r["tahun"], r["kode_skpd"], r["kode_sub_kegiatan"], r["kode_akun"])
        lines.add(key)
        if r["jenis_sp2d"] in BELANJA:
            paid[key] += r["nilai_rp"]
    assert lines <= set(pagu)
    assert all(v >= 0 for v in paid.values())
    over = {k for k, v in paid.items() if v > pagu[k]}
    planted = {
        (c["tahun"], c["kode_skpd"], c["kode_sub_kegiatan"], c["kode_akun"])
        for c in landing[1]["kebenaran"]["anomali"]["melebihi_pagu"]
    }
    assert len(planted) >= 6
    assert over == planted, sorted(over ^ planted)[:5]


def test_sp2d_rows_are_well_formed(tables: dict, landing: tuple[Path, dict]) -> None:
    root = landing[0]
    header = (root / "bpkad/sp2d/2024/sp2d_2024_01.csv").read_text().split("\n", 1)[0].split(",")
    assert "tahun" not in header, "the fiscal year comes from the folder"
    assert header == [p["name"] for p in contract("bpkad", "sp2d") if p["name"] != "tahun"]
    for year in (2024, 2025):
        rows = [r for r in tables["sp2d"] if r["tahun"] == year]
        nomor = Counter(r["nomor_sp2d"] for r in rows)
        assert max(nomor.values()) == 1
        for r in rows:
            dokumen = {"PENGEMBALIAN": "STS", "KOREKSI": "KOREKSI"}.get(r["jenis_sp2d"], "SP2D")
            assert re.match(rf"^[0-9]{{5,}}/{dokumen}/{r['jenis_sp2d']}/{re.escape(r['kode_skpd'])}/{year}$",
                            r["nomor_sp2d"])  # fmt: skip
            assert r["tanggal_sp2d"].year == year and r["tanggal_sp2d"].weekday() < 5
            if r["jenis_sp2d"] == "PENGEMBALIAN":
                assert r["nilai_rp"] < 0  # a refund is a contra row
            elif r["jenis_sp2d"] == "KOREKSI":
                assert r["nilai_rp"] != 0
            else:
                assert r["nilai_rp"] > 0
        jenis = Counter(r["jenis_sp2d"] for r in rows)
        assert set(jenis) == {
            "LS", "UP", "GU", "GU_NIHIL", "TU", "TU_NIHIL", "PENGEMBALIAN", "KOREKSI"
        }  # fmt: skip
        # every TU advance is settled; corrections come in pairs that cancel out
        assert jenis["TU"] == jenis["TU_NIHIL"]
        assert sum(r["nilai_rp"] for r in rows if r["jenis_sp2d"] == "KOREKSI") == 0
        # salaries are paid every month by LS
        gaji = {(r["kode_skpd"], r["tanggal_sp2d"].month) for r in rows
                if r["kode_akun"] == "5.1.01.01.01.0001"}  # fmt: skip
        opds = {k for k, _ in gaji}
        assert len(opds) == 40 and gaji == {(k, m) for k in opds for m in range(1, 13)}
        assert all(r["jenis_sp2d"] == "LS" for r in rows if r["kode_akun"].startswith("5.1.01."))
        # weighted toward the end of the year
        by_month = Counter(r["tanggal_sp2d"].month for r in rows)
        assert by_month[11] + by_month[12] > sum(by_month.values()) * 2 / 12


def test_sp2d_dates_iso_in_most_months_indonesian_in_a_couple(landing: tuple[Path, dict]) -> None:
    root = landing[0]
    for year in (2024, 2025):
        styles = []
        for m in range(1, 13):
            text = (root / f"bpkad/sp2d/{year}/sp2d_{year}_{m:02d}.csv").read_text()
            dates = [line.split(",")[1] for line in text.splitlines()[1:]]
            iso = all(re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", d) for d in dates)
            dmy = all(re.fullmatch(r"[0-9]{2}/[0-9]{2}/[0-9]{4}", d) for d in dates)
            assert iso or dmy
            styles.append("iso" if iso else "dmy")
        assert styles.count("dmy") == 2


# ---------------------------------------------------------------------------------------------
# realistic size and shape
# ---------------------------------------------------------------------------------------------


def test_totals_are_in_the_stated_ranges(landing: tuple[Path, dict], tables: dict) -> None:
    _, manifest = landing
    for year, (murni, perubahan) in TARGETS.items():
        pagu = manifest["totals"][str(year)]["pagu"]
        assert abs(float(pagu["murni"]) / murni - 1) <= 0.03
        assert abs(float(pagu["perubahan"]) / perubahan - 1) <= 0.03
        for tahap in ("murni", "perubahan"):
            lines = [r for r in tables["dpa_rincian"] if r["tahun"] == year and r["tahap"] == tahap]
            total = sum((r["total_rp"] for r in lines), Decimal(0))
            pegawai = sum((r["total_rp"] for r in lines if r["kode_akun"].startswith("5.1.01.")),
                          Decimal(0))  # fmt: skip
            modal = sum((r["total_rp"] for r in lines if r["kode_akun"].startswith("5.2.")),
                        Decimal(0))  # fmt: skip
            assert 0.24 <= pegawai / total <= 0.30, (year, tahap, pegawai / total)
            assert 0.20 <= modal / total <= 0.30, (year, tahap, modal / total)
            assert any(r["kode_akun"].startswith("5.1.05.") for r in lines)  # hibah
            assert any(r["kode_akun"].startswith("5.1.06.") for r in lines)  # bansos
            assert any(r["kode_akun"].startswith("5.3.") for r in lines)  # BTT


def test_realisation_is_mostly_70_to_98_percent_of_pagu(tables: dict) -> None:
    pagu = defaultdict(Decimal)
    for r in tables["dpa_sub_kegiatan"]:
        if r["tahap"] == "perubahan":
            pagu[(r["tahun"], r["kode_skpd"], r["kode_sub_kegiatan"])] = r["pagu_rp"]
    paid = defaultdict(Decimal)
    for r in tables["sp2d"]:
        if r["jenis_sp2d"] in BELANJA:
            paid[(r["tahun"], r["kode_skpd"], r["kode_sub_kegiatan"])] += r["nilai_rp"]
    ratios = sorted(float(paid[k] / v) for k, v in pagu.items())
    in_band = sum(1 for x in ratios if 0.70 <= x <= 0.99) / len(ratios)
    assert in_band >= 0.6, in_band
    assert ratios[len(ratios) // 2] >= 0.75
    assert sum(1 for x in ratios if x < 0.6) >= 5, "a few sub kegiatan lag behind"


def test_every_code_resolves_in_the_seeds(tables: dict) -> None:
    nomen = defaultdict(list)
    for n in seed("ref_nomenklatur"):
        nomen[n["kode_sub_kegiatan"]].append(n)
    akun = defaultdict(list)
    for a in seed("ref_akun"):
        akun[a["kode_akun"]].append(a)
    dana = {r["kode_sumber_dana"] for r in seed("ref_sumber_dana")}
    wilayah = {r["kode_wilayah"]: r for r in seed("ref_wilayah")}
    opd = {r["kode_skpd"]: r for r in seed("ref_opd")}
    for table in (*TABLES, "sp2d"):
        for r in tables[table]:
            year = r["tahun"]
            code = r["kode_sub_kegiatan"]
            key = "X.XX" + code[4:] if code[4:10] == ".01.2." else code
            assert any(valid(n, year) for n in nomen[key]), code
            assert r["kode_skpd"] in opd and valid(opd[r["kode_skpd"]], year)
            if key.startswith("X.XX"):
                assert code[:4] == opd[r["kode_skpd"]]["kode_bidang_urusan_1"], code
            else:
                bidang = {opd[r["kode_skpd"]][f"kode_bidang_urusan_{i}"] for i in (1, 2, 3)}
                assert code[:4] in bidang, (code, r["kode_skpd"])
            if "kode_akun" in r:
                assert r["kode_akun"].count(".") == 5
                assert any(valid(a, year) for a in akun[r["kode_akun"]]), r["kode_akun"]
            if r.get("kode_sumber_dana"):
                assert r["kode_sumber_dana"] in dana
    for r in tables["dpa_sub_kegiatan"]:
        assert r["satuan_keluaran"] in demo.SATUAN_KELUARAN
        assert r["indikator_keluaran"]
        if r["kode_kelurahan"]:  # a kelurahan, a kecamatan or the whole city (64.72)
            lokasi = wilayah[r["kode_kelurahan"]]
            kec = opd[r["kode_skpd"]]["kode_kecamatan"]
            if lokasi["level"] == "kelurahan":
                assert not kec or lokasi["kode_kecamatan"] == kec
            elif lokasi["level"] == "kecamatan":
                assert not kec or lokasi["kode_wilayah"] == kec
            else:
                assert lokasi["level"] == "kota"
    located = [r for r in tables["dpa_sub_kegiatan"] if r["kode_kelurahan"]]
    assert 20 <= len(located) < len(tables["dpa_sub_kegiatan"]) / 3
    missing = sum(1 for r in tables["dpa_sub_kegiatan"] if r["target_keluaran"] is None)
    assert 0 < missing < 0.08 * len(tables["dpa_sub_kegiatan"]), "a few targets are left blank"


@pytest.mark.parametrize("table", [*TABLES, "sp2d"])
def test_values_match_the_contract_patterns(tables: dict, table: str) -> None:
    source = "bpkad" if table == "sp2d" else "sipd"
    for prop in contract(source, table):
        pattern = (prop.get("logicalTypeOptions") or {}).get("pattern")
        name = prop["name"]
        values = [r.get(name) for r in tables[table]]
        if prop.get("required"):
            assert all(v is not None for v in values), name
        if pattern:
            bad = [v for v in values if v is not None and not re.match(pattern, str(v))]
            assert not bad, (name, bad[:5])


def test_manifest_totals_equal_the_files(landing: tuple[Path, dict], tables: dict) -> None:
    _, manifest = landing
    for year in (2024, 2025):
        got = manifest["totals"][str(year)]
        subs = [r for r in tables["dpa_sub_kegiatan"] if r["tahun"] == year]
        pays = [r for r in tables["sp2d"] if r["tahun"] == year]
        for tahap in ("murni", "perubahan"):
            total = sum((r["pagu_rp"] for r in subs if r["tahap"] == tahap), Decimal(0))
            assert got["pagu"][tahap] == money(total)
        # realisasi = SP2D spending minus refunds, UP and TU advances excluded
        spent = [r for r in pays if r["jenis_sp2d"] in BELANJA]
        assert any(r["jenis_sp2d"] == "UP" for r in pays) and len(spent) < len(pays)
        assert got["realisasi"] == money(sum((r["nilai_rp"] for r in spent), Decimal(0)))
        akhir = tahap_akhir(subs)
        per_opd: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        for r in subs:
            per_opd[r["kode_skpd"]][f"pagu_{r['tahap']}"] += r["pagu_rp"]
            if r["tahap"] == akhir[(year, r["kode_skpd"])]:
                per_opd[r["kode_skpd"]]["pagu_akhir"] += r["pagu_rp"]
        for r in spent:
            per_opd[r["kode_skpd"]]["realisasi"] += r["nilai_rp"]
        fields = ("pagu_murni", "pagu_perubahan", "pagu_akhir", "realisasi")
        expected = {k: {f: money(v[f]) for f in fields} for k, v in per_opd.items()}
        assert got["per_opd"] == expected


def test_default_scale_volumes(landing_full: tuple[Path, dict], landing: tuple[Path, dict]) -> None:
    _, full = landing_full
    _, small = landing
    rows = Counter()
    for f in full["files"]:
        rows[f["path"].split("/")[1]] += f["rows"]
    assert 25_000 <= rows["sp2d"] <= 40_000
    small_rincian = sum(f["rows"] for f in small["files"]
                        if "dpa_rincian/2024/" in f["path"])  # fmt: skip
    assert rows["dpa_rincian"] > 2 * small_rincian, "scale multiplies rincian lines"
    assert (
        full["totals"]["2024"]["pagu"] == small["totals"]["2024"]["pagu"]
        or abs(float(full["totals"]["2024"]["pagu"]["murni"]) / 5_100e9 - 1) <= 0.03
    )


def test_scale_and_years(tmp_path: Path) -> None:
    assert demo._years_for(1.0, None) == (2024, 2025)
    assert demo._years_for(3.0, None) == (2023, 2024, 2025)
    assert demo._years_for(6.0, None) == (2021, 2022, 2023, 2024, 2025)
    assert demo._years_for(3.0, (2024,)) == (2024,)
    m = demo.generate(tmp_path, scale=0.1, years=(2022,))
    paths = {f["path"] for f in m["files"]}
    # 2022: Bappeda still exists; Bapperida (2023) does not yet
    assert any("/2022/5.01.0.00.0.00.01.0000/" in p for p in paths)
    assert not any("/5.01.5.05.0.00.01.0000/" in p for p in paths)
    assert abs(float(m["totals"]["2022"]["pagu"]["murni"]) / demo.TOTALS[2022][0] - 1) < 0.03
    with pytest.raises(ValueError):
        demo.generate(tmp_path / "x", years=(2019,))
