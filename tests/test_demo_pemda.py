"""`apbd demo --pemda N` (issue 12 §2): pemda 1 is the single-city world byte for byte, the
others are drawn per seed from the real kab/kota list, each deterministic, under its own code,
with its truth per pemda in the manifest; and what they land is ingested under its pemda."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from multiprocessing import get_context
from pathlib import Path

import pytest

from dagster_project.lib.contracts.model import source_contracts
from dagster_project.lib.core.paths import DataPaths
from dagster_project.lib.demo import generator as demo
from dagster_project.lib.demo.banyak_pemda import _satu, generate_banyak, pemda_demo, pilih_pemda
from dagster_project.lib.demo.model import Payment, read_seed
from dagster_project.lib.ingest.loader import STATUS_LOADED, ingest_source
from tests.test_demo import BELANJA, money, read_csv, read_xlsx

SCALE, SEED, YEARS = 0.05, 20240101, (2025,)  # one fiscal year: the test stays cheap


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files_under(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): sha(p)
        for p in root.rglob("*")
        if p.is_file() and p.name != "_manifest.json"
    }


@pytest.fixture(scope="module")
def worlds(tmp_path_factory) -> tuple[Path, dict, Path, dict]:
    """--pemda 3 (in this process; the pool's worker is the determinism test's) and the
    single-city world, same seed and scale."""
    many, single = tmp_path_factory.mktemp("tiga"), tmp_path_factory.mktemp("satu")
    return (
        many,
        generate_banyak(many, 3, seed=SEED, scale=SCALE, years=YEARS, workers=1),
        single,
        demo.generate(single, seed=SEED, scale=SCALE, years=YEARS),
    )


def test_pemda_1_is_the_single_city_world_byte_for_byte(worlds):
    many, manifest, single, single_manifest = worlds
    assert manifest["pemda"][0]["kode_pemda"] == "64.72"
    samarinda, city = files_under(many / "64.72"), files_under(single)
    national = {f["path"] for f in single_manifest["files"]} - set(samarinda)
    assert national and all(p.startswith(("djpk/", "bps/indikator_kabkota/")) for p in national)
    assert samarinda == {p: h for p, h in city.items() if p not in national}
    assert {f["path"]: f["sha256"] for f in manifest["files"]} == {p: city[p] for p in national}
    own = json.loads((many / "64.72" / "_manifest.json").read_text(encoding="utf-8"))
    for key in ("seed", "scale", "years", "totals", "kebenaran"):
        assert own[key] == single_manifest[key], key
    assert own["files"] == [f for f in single_manifest["files"] if f["path"] not in national]


def test_other_pemda_are_drawn_per_seed_and_each_is_deterministic(worlds, tmp_path):
    many, manifest, _, _ = worlds
    drawn = pilih_pemda(SEED, 3)
    assert [p.kode for p in drawn] == [p["kode_pemda"] for p in manifest["pemda"]]
    assert [p.kode for p in pilih_pemda(SEED + 1, 3)] != [p.kode for p in drawn]
    assert len({p.seed for p in drawn}) == 3
    other = drawn[1]
    # the same pemda generated alone, in a worker process as the pool runs it: the same bytes
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        pool.submit(_satu, str(tmp_path), other, SCALE, YEARS, False, False).result()
    assert files_under(tmp_path / other.kode) == files_under(many / other.kode)
    lists = files_under(many / other.kode)
    assert {p for p in lists if p.startswith("referensi/")} == {
        f"referensi/{n}/{n}.csv" for n in ("opd", "wilayah", "pohon_kinerja")
    }
    wilayah = (many / other.kode / "referensi/wilayah/wilayah.csv").read_text(encoding="utf-8")
    codes = [line.split(",")[1] for line in wilayah.splitlines()[1:]]
    assert codes and all(c == other.kode or c.startswith(other.kode + ".") for c in codes)
    # its own area (ref_pemda), not Samarinda's 716.783 km²; kecamatan (and kecamatan offices)
    # as many as its size calls for, each a template kecamatan with its share of the area
    rows = list(csv.DictReader(io.StringIO(wilayah)))
    ref = {r["kode_pemda"]: r for r in read_seed("ref_pemda")}
    area, base = Decimal(ref[other.kode]["luas_km2"]), ref["64.72"]
    (own,) = [r for r in rows if r["kode_wilayah"] == other.kode]
    assert Decimal(own["luas_km2"]) == area != Decimal("716.783")
    template = {
        r["kode_wilayah"][-2:]: r for r in read_seed("ref_wilayah") if r["level"] == "kecamatan"
    }
    n = round(len(template) * (int(ref[other.kode]["penduduk"]) / int(base["penduduk"])) ** 0.5)
    assert other.jumlah_kecamatan == max(4, min(40, n))
    kec = [r for r in rows if r["level"] == "kecamatan"]
    assert [r["kode_wilayah"] for r in kec] == [
        f"{other.kode}.{i:02d}" for i in range(1, other.jumlah_kecamatan + 1)
    ]
    per_area = area / Decimal(base["luas_km2"]) * len(template) / other.jumlah_kecamatan
    for i, mine in enumerate(kec):
        theirs = template[f"{i % len(template) + 1:02d}"]
        if theirs["luas_km2"]:
            ratio = Decimal(mine["luas_km2"]) / Decimal(theirs["luas_km2"])
            assert abs(ratio - per_area) < Decimal("0.001"), mine
    kelurahan = [r for r in rows if r["level"] == "kelurahan"]
    assert {r["kode_kecamatan"] for r in kelurahan} == {r["kode_wilayah"] for r in kec}
    opd = (many / other.kode / "referensi/opd/opd.csv").read_text(encoding="utf-8")
    offices = [r for r in csv.DictReader(io.StringIO(opd)) if r["kode_kecamatan"]]
    assert sorted(r["kode_kecamatan"] for r in offices) == [r["kode_wilayah"] for r in kec]
    assert all(other.nama.split(" ", 1)[1] in r["singkatan"] for r in offices)


def test_manifest_truth_per_pemda_matches_its_files(worlds):
    many, manifest, _, _ = worlds
    pagu = {}
    for entry in manifest["pemda"]:
        root = many / entry["kode_pemda"]
        own = json.loads((root / "_manifest.json").read_text(encoding="utf-8"))
        assert entry["totals"] == own["totals"]
        assert {f["path"]: f["sha256"] for f in own["files"]} == files_under(root)
        pagu[entry["kode_pemda"]] = Decimal(own["totals"]["2025"]["pagu"]["murni"])
        for year in own["years"]:
            sub: dict[str, Decimal] = defaultdict(Decimal)
            folder = root / "sipd" / "dpa_sub_kegiatan" / str(year)
            for path in (p for p in folder.rglob("*") if p.is_file()):
                xlsx = path.suffix == ".xlsx"
                rows = read_xlsx(path, "dpa_sub_kegiatan")[0] if xlsx else read_csv(path)[0]
                for r in rows:
                    sub[r["tahap"]] += r["pagu_rp"]
            spent = Decimal(0)
            for path in (root / "bpkad" / "sp2d" / str(year)).glob("*.csv"):
                spent += sum(
                    (r["nilai_rp"] for r in read_csv(path)[0] if r["jenis_sp2d"] in BELANJA),
                    Decimal(0),
                )
            got = own["totals"][str(year)]
            assert got["pagu"] == {t: money(sub[t]) for t in ("murni", "perubahan")}
            assert got["realisasi"] == money(spent)
    # budgets in proportion to population (whole millions, ± planner rounding)
    for entry in manifest["pemda"][1:]:
        ratio = pagu[entry["kode_pemda"]] / pagu["64.72"]
        assert abs(float(ratio) / entry["rasio_penduduk"] - 1) < 0.02, entry


def test_each_generated_pemda_ingests_under_its_own_code(worlds, tmp_path, monkeypatch):
    many, manifest, _, _ = worlds
    kode = manifest["pemda"][2]["kode_pemda"]
    paths = DataPaths(tmp_path / "data")
    paths.ensure()
    (paths.landing / kode).symlink_to(many / kode, target_is_directory=True)
    monkeypatch.setenv("APBD_HMAC_KEY", "k" * 64)
    for key in ("sipd.dpa_sub_kegiatan", "referensi.wilayah", "dinsos.penerima_bansos"):
        outcomes = ingest_source(source_contracts()[key], paths, workers=1)
        assert outcomes and all(o.status == STATUS_LOADED for o in outcomes), key
        assert all(o.slot.kode_pemda == kode for o in outcomes), key
    raw = paths.raw / "referensi" / "wilayah" / f"pemda={kode}" / "semua_tahun"
    assert list(raw.rglob("wilayah.parquet"))


def test_a_payment_above_the_sp2d_bound_is_paid_as_several_sp2d_that_sum_to_it():
    """The bound is the SP2D contract's (as ingest reads it); a payment above it becomes the fewest
    rows within it, all different, summing to it exactly in its own unit; others stay as they are."""
    bound = demo.batas_sp2d()
    nilai_rp = source_contracts()["bpkad.sp2d"].column("nilai_rp")
    assert bound == Decimal(str(nilai_rp.maximum)) == -Decimal(str(nilai_rp.minimum))

    def paid(nilai: str) -> Payment:
        return Payment(dt.date(2024, 3, 4), "1.03.0.00.0.00.01.0000", "1.03.10.2.01.0001",
                       "5.2.04.01.01.0001", "1.01.01", "LS", Decimal(nilai), "Termin 1 Terowongan",
                       nama_penerima="PT Etam Konstruksi", npwp_penerima="012345678722000")  # fmt: skip

    within = paid(str(bound))
    assert demo._dalam_batas([within], bound) == [within]
    for nilai, parts in (
        ("894686794601", 2),  # Kab. Bekasi's tunnel termin at scale 0.1
        (str(2 * bound), 3),  # two equal halves would be a double payment: three parts
        ("500000000000.01", 2),  # sen stay sen
        ("-1500000000000.37", 4),  # a refund or correction as large: the same, negative
    ):
        original = paid(nilai)
        rows = demo._dalam_batas([original], bound)
        assert len(rows) == parts
        assert sum(r.nilai for r in rows) == original.nilai
        assert all(abs(r.nilai) <= bound for r in rows)
        assert len({r.nilai for r in rows}) == parts
        assert all(r.nilai.as_tuple().exponent == original.nilai.as_tuple().exponent for r in rows)
        assert [r.keterangan for r in rows] == [
            f"Termin 1 Terowongan (SP2D {k} dari {parts})" for k in range(1, parts + 1)
        ]
        unchanged = ("tanggal", "kode_skpd", "kode_sub_kegiatan", "kode_akun", "jenis",
                     "nama_penerima", "npwp_penerima")  # fmt: skip
        assert {tuple(getattr(r, f) for f in unchanged) for r in rows} == {
            tuple(getattr(original, f) for f in unchanged)
        }


def test_a_big_kabupaten_pays_its_largest_termin_in_several_sp2d_that_ingest_accepts(
    tmp_path, monkeypatch
):
    """Kab. Bekasi at scale 0.1 pays a capital line in one termin above the SP2D contract's bound
    (Rp894.7 billion in 2024): it lands as several SP2D within the bound, with distinct numbers,
    the manifest's realisation is the files' sum and ingest quarantines none of them (issue 12:
    the 100-pemda run lost 6 such rows, and 5 pemda-years their reconciliation)."""
    paths = DataPaths(tmp_path / "data")
    paths.ensure()
    info = _satu(str(paths.landing), pemda_demo(SEED, "32.16"), 0.1, (2024,), False, False)
    bound = demo.batas_sp2d()
    rows = []
    for path in sorted((paths.landing / "32.16" / "bpkad" / "sp2d" / "2024").glob("*.csv")):
        rows += read_csv(path)[0]
    assert all(abs(r["nilai_rp"]) <= bound for r in rows)
    assert len({r["nomor_sp2d"] for r in rows}) == len(rows)
    split: dict[tuple, list] = defaultdict(list)
    for r in rows:
        if m := re.fullmatch(r"(.*) \(SP2D (\d+) dari (\d+)\)", r["keterangan"]):
            split[(m[1], m[3], r["kode_sub_kegiatan"], r["kode_akun"])].append(r["nilai_rp"])
    assert split, "no payment of this world was above the bound: the test proves nothing"
    for (_, n, *_), parts in split.items():
        assert len(parts) == int(n) and sum(parts) > bound
    spent = sum((r["nilai_rp"] for r in rows if r["jenis_sp2d"] in BELANJA), Decimal(0))
    assert info["totals"]["2024"]["realisasi"] == money(spent)
    monkeypatch.setenv("APBD_HMAC_KEY", "k" * 64)
    outcomes = ingest_source(source_contracts()["bpkad.sp2d"], paths, workers=1)
    assert len(outcomes) == 12 and all(o.status == STATUS_LOADED for o in outcomes)
    assert sum(o.rows_quarantined or 0 for o in outcomes) == 0
