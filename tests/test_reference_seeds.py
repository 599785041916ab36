"""The curated reference seeds are well-formed, and agree with the official code lists.

The official lists live outside the project (``../shared/reference``, or ``APBD_REFERENCE_DIR``);
the tests that need them skip cleanly where that folder is absent.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SEEDS = PROJECT_ROOT / "dbt" / "seeds"
REFERENCE = Path(os.environ.get("APBD_REFERENCE_DIR", PROJECT_ROOT.parent / "shared" / "reference"))
P90 = REFERENCE / "permendagri90_2020"

COLUMNS = {
    "ref_nomenklatur": [
        "kode_urusan", "nama_urusan", "kode_bidang_urusan", "nama_bidang_urusan",
        "kode_program", "nama_program", "kode_kegiatan", "nama_kegiatan", "kode_sub_kegiatan",
        "nama_sub_kegiatan", "tahun_mulai", "tahun_selesai",
    ],
    "ref_akun": ["kode_akun", "nama_akun", "level", "kode_induk", "tahun_mulai", "tahun_selesai"],
    "ref_sumber_dana": ["kode_sumber_dana", "nama_sumber_dana", "level", "kode_induk"],
    "ref_fungsi": ["kode_fungsi", "kode_subfungsi", "nama"],
    "ref_bidang_urusan_fungsi": ["kode_bidang_urusan", "nama_bidang_urusan", "kode_fungsi"],
    "ref_wilayah": [
        "kode_pemda", "kode_wilayah", "level", "nama", "kode_kecamatan", "nama_kecamatan", "penduduk_2023",
        "luas_km2",
    ],
    "ref_pemda": [
        "kode_pemda", "nama_pemda", "jenis", "kode_provinsi", "nama_provinsi", "pulau", "kode_bps",
        "kode_djpk", "penduduk", "luas_km2", "catatan_kode",
    ],
    "ref_opd": [
        "kode_pemda", "kode_skpd", "nama_skpd", "singkatan", "jenis", "kode_bidang_urusan_1",
        "kode_bidang_urusan_2", "kode_bidang_urusan_3", "kode_kecamatan", "tahun_mulai",
        "tahun_selesai",
    ],
}  # fmt: skip

SKPD = r"^[0-9]\.[0-9]{2}\.[0-9]\.[0-9]{2}\.[0-9]\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}$"
BIDANG = r"^([1-8]\.[0-9]{2}|X\.XX)$"
PATTERNS = {
    ("ref_nomenklatur", "kode_urusan"): r"^([1-8]|X)$",
    ("ref_nomenklatur", "kode_bidang_urusan"): BIDANG,
    ("ref_nomenklatur", "kode_program"): r"^([1-8]\.[0-9]{2}|X\.XX)\.[0-9]{2}$",
    ("ref_nomenklatur", "kode_kegiatan"): r"^([1-8]\.[0-9]{2}|X\.XX)\.[0-9]{2}\.2\.[0-9]{2}$",
    ("ref_nomenklatur", "kode_sub_kegiatan"): (
        r"^([1-8]\.[0-9]{2}|X\.XX)\.[0-9]{2}\.2\.[0-9]{2}\.[0-9]{4}$"
    ),
    ("ref_akun", "kode_akun"): r"^5(\.[0-9](\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?)?)?$",
    ("ref_sumber_dana", "kode_sumber_dana"): r"^[12](\.[0-9]{2}){0,5}$",
    ("ref_fungsi", "kode_fungsi"): r"^0[1-9]$",
    ("ref_fungsi", "kode_subfungsi"): r"^([0-9]{2})?$",
    ("ref_bidang_urusan_fungsi", "kode_bidang_urusan"): BIDANG,
    ("ref_bidang_urusan_fungsi", "kode_fungsi"): r"^(0[1-9])?$",
    ("ref_wilayah", "kode_wilayah"): r"^64\.72(\.[0-9]{2}(\.[0-9]{4})?)?$",
    ("ref_pemda", "kode_pemda"): r"^[0-9]{2}(\.[0-9]{2})?$",
    ("ref_pemda", "kode_bps"): r"^([0-9]{4})?$",
    ("ref_pemda", "kode_djpk"): r"^([0-9]{2}\.[0-9]{2})?$",
    ("ref_opd", "kode_skpd"): SKPD,
    # Samarinda's own lists; another pemda's arrive as data (landing referensi/...), not as seeds
    ("ref_opd", "kode_pemda"): r"^64\.72$",
    ("ref_wilayah", "kode_pemda"): r"^64\.72$",
    ("ref_opd", "kode_bidang_urusan_1"): r"^[1-8]\.[0-9]{2}$",
    ("ref_opd", "kode_bidang_urusan_2"): r"^([1-8]\.[0-9]{2})?$",
    ("ref_opd", "kode_kecamatan"): r"^(64\.72\.[0-9]{2})?$",
}
YEARS = r"^(20[2-3][0-9])?$"


def read(name: str) -> list[dict[str, str]]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def official(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


needs_reference = pytest.mark.skipif(
    not REFERENCE.is_dir(), reason=f"official reference lists not available at {REFERENCE}"
)


# ---------------------------------------------------------------------------------------------
# well-formed
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(COLUMNS))
def test_seed_file_is_plain_utf8_csv_with_the_documented_header(name: str) -> None:
    raw = (SEEDS / f"{name}.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "no BOM"
    assert b"\r\n" not in raw, "LF line endings"
    text = raw.decode("utf-8")
    rows = list(csv.reader(text.splitlines()))
    assert rows[0] == COLUMNS[name]
    assert len(rows) > 1
    for r in rows[1:]:
        assert len(r) == len(COLUMNS[name])
        assert all(v == v.strip() for v in r), r


@pytest.mark.parametrize(("name", "column"), sorted(PATTERNS))
def test_codes_are_text_in_their_official_shape(name: str, column: str) -> None:
    pattern = re.compile(PATTERNS[(name, column)])
    bad = [r[column] for r in read(name) if not pattern.match(r[column])]
    assert not bad, bad[:10]


def test_codes_keep_leading_and_trailing_zeros() -> None:
    """What a number-inferring tool would destroy: '08', '2.10', '1.01.02.2.01.0010'."""
    assert "08" in {r["kode_fungsi"] for r in read("ref_fungsi")}
    assert "2.10" in {r["kode_bidang_urusan"] for r in read("ref_nomenklatur")}
    assert "5.1.02.02.01.0030" in {r["kode_akun"] for r in read("ref_akun")}


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("ref_nomenklatur", ("kode_sub_kegiatan", "tahun_mulai")),
        ("ref_akun", ("kode_akun", "tahun_mulai")),
        ("ref_sumber_dana", ("kode_sumber_dana",)),
        ("ref_fungsi", ("kode_fungsi", "kode_subfungsi")),
        ("ref_bidang_urusan_fungsi", ("kode_bidang_urusan",)),
        ("ref_wilayah", ("kode_wilayah",)),
        ("ref_opd", ("kode_skpd",)),
        ("ref_pemda", ("kode_pemda",)),
    ],
)
def test_keys_are_unique(name: str, key: tuple[str, ...]) -> None:
    counts = Counter(tuple(r[c] for c in key) for r in read(name))
    assert not [k for k, n in counts.items() if n > 1]


@pytest.mark.parametrize("name", ["ref_nomenklatur", "ref_akun", "ref_opd"])
def test_versioned_rows_never_overlap_for_a_fiscal_year(name: str) -> None:
    code = {"ref_nomenklatur": "kode_sub_kegiatan", "ref_akun": "kode_akun"}.get(name, "kode_skpd")
    rows = read(name)
    for r in rows:
        assert re.match(YEARS, r["tahun_mulai"]) and r["tahun_mulai"]
        assert re.match(YEARS, r["tahun_selesai"])
        if r["tahun_selesai"]:
            assert int(r["tahun_selesai"]) >= int(r["tahun_mulai"])
    for year in range(2020, 2031):
        valid = Counter(
            r[code]
            for r in rows
            if int(r["tahun_mulai"]) <= year
            and (not r["tahun_selesai"] or year <= int(r["tahun_selesai"]))
        )
        assert not [c for c, n in valid.items() if n > 1], year


def test_versioning_convention_of_code_lists() -> None:
    for name in ("ref_nomenklatur", "ref_akun"):
        for r in read(name):
            assert (r["tahun_mulai"], r["tahun_selesai"]) in {("2021", ""), ("2020", "2020")}
    akun = read("ref_akun")
    retired = {r["kode_akun"] for r in akun if r["tahun_mulai"] == "2020"}
    active = {r["kode_akun"] for r in akun if r["tahun_mulai"] == "2021"}
    assert retired & active, "renamed codes keep both versions"
    assert "5.1.02.01.01.0024" in retired & active  # the domain.md example


def test_akun_hierarchy_is_complete() -> None:
    akun = read("ref_akun")
    codes = {r["kode_akun"] for r in akun}
    levels = Counter(r["level"] for r in akun)
    assert levels["1"] == 1 and levels["2"] == 4 and levels["3"] == 14 and levels["4"] == 76
    assert 150 <= levels["5"] + levels["6"] <= 700
    for r in akun:
        assert r["level"] == str(r["kode_akun"].count(".") + 1)
        if r["level"] != "1":
            assert r["kode_induk"] in codes, r
    for prefix in ("5.1.01.", "5.1.02.", "5.1.05.", "5.1.06.", "5.2.01.", "5.2.02.", "5.2.03.",
                   "5.2.04.", "5.2.05.", "5.3.01.", "5.4.02."):  # fmt: skip
        assert any(c.startswith(prefix) and c.count(".") == 5 for c in codes), prefix


def test_sumber_dana_and_fungsi_hierarchies() -> None:
    sd = read("ref_sumber_dana")
    codes = {r["kode_sumber_dana"] for r in sd}
    for r in sd:
        assert r["level"] == str(r["kode_sumber_dana"].count(".") + 1)
        assert not r["kode_induk"] or r["kode_induk"] in codes
    for leaf in ("1.02.01.01.02.01", "1.02.01.01.01.01", "2.02.01.01.03.11", "2.02.01.01.04.04"):
        assert leaf in codes  # DAU, DBH, DAK Fisik jalan, DAK Non Fisik TPG
    fungsi = read("ref_fungsi")
    assert len({r["kode_fungsi"] for r in fungsi}) == 9 and len(fungsi) == 56
    bf = {r["kode_bidang_urusan"]: r["kode_fungsi"] for r in read("ref_bidang_urusan_fungsi")}
    assert bf["X.XX"] == "" and bf["1.01"] == "08" and bf["1.02"] == "06" and bf["1.03"] == "05"
    assert set(bf.values()) - {""} <= {r["kode_fungsi"] for r in fungsi}


def test_nomenklatur_subset_covers_samarinda() -> None:
    rows = read("ref_nomenklatur")
    assert 300 <= len(rows) <= 450
    bidang = {r["kode_bidang_urusan"] for r in rows}
    for b in ("1.01", "1.02", "1.03", "1.04", "1.05", "1.06", "4.01", "4.02", "5.01", "5.02",
              "5.03", "6.01", "7.01", "8.01", "X.XX"):  # fmt: skip
        assert b in bidang, b
    xx = [r for r in rows if r["kode_bidang_urusan"] == "X.XX"]
    assert {r["kode_sub_kegiatan"] for r in xx} >= {"X.XX.01.2.02.0001", "X.XX.01.2.02.0008"}
    active = [r for r in rows if r["tahun_mulai"] == "2021"]
    for r in active:
        assert r["kode_sub_kegiatan"].startswith(r["kode_kegiatan"] + ".")
        assert r["kode_kegiatan"].startswith(r["kode_program"] + ".2.")
        assert r["kode_program"].startswith(r["kode_bidang_urusan"] + ".")
        assert not re.search(r"rn$|\*\)", r["nama_sub_kegiatan"]), r["nama_sub_kegiatan"]
    retired_programs = {r["kode_program"] for r in rows if r["tahun_mulai"] == "2020"}
    assert retired_programs <= {r["kode_program"] for r in active}


def test_opd_master() -> None:
    opd = read("ref_opd")
    nomen_bidang = {r["kode_bidang_urusan"] for r in read("ref_nomenklatur")}
    wilayah = {r["kode_wilayah"]: r for r in read("ref_wilayah")}
    assert 38 <= len(opd) <= 45
    assert {r["jenis"] for r in opd} == {
        "sekretariat", "inspektorat", "badan", "dinas", "satuan", "kecamatan",
    }  # fmt: skip
    for r in opd:
        slots = [r[f"kode_bidang_urusan_{i}"] for i in (1, 2, 3)]
        code_slots = [r["kode_skpd"][0:4], r["kode_skpd"][5:9], r["kode_skpd"][10:14]]
        assert [s or "0.00" for s in slots] == code_slots, r
        assert all(s in nomen_bidang for s in slots if s), r
    kec = [r for r in opd if r["jenis"] == "kecamatan"]
    assert len(kec) == 10
    assert sorted(r["kode_kecamatan"] for r in kec) == [f"64.72.{i:02d}" for i in range(1, 11)]
    assert all(wilayah[r["kode_kecamatan"]]["level"] == "kecamatan" for r in kec)
    assert len({r["kode_skpd"] for r in kec}) == 10
    merged = [r for r in opd if r["tahun_selesai"] == "2022"]
    assert len(merged) == 1
    assert any(
        r["tahun_mulai"] == "2023"
        and r["kode_bidang_urusan_1"] == merged[0]["kode_bidang_urusan_1"]
        for r in opd
    )
    active_2024 = [r for r in opd if not r["tahun_selesai"] or int(r["tahun_selesai"]) >= 2024]
    assert len(active_2024) == 40


def test_wilayah() -> None:
    rows = read("ref_wilayah")
    assert Counter(r["level"] for r in rows) == {"kota": 1, "kecamatan": 10, "kelurahan": 59}
    for r in rows:
        assert r["penduduk_2023"] == "" or r["penduduk_2023"].isdigit()
        assert r["luas_km2"] == "" or Decimal(r["luas_km2"]) > 0
        if r["level"] == "kelurahan":
            assert r["kode_wilayah"].startswith(r["kode_kecamatan"] + ".")
    assert any(r["penduduk_2023"] == "" for r in rows)


def test_pemda_crosswalk() -> None:
    """Every province and kab/kota with its Kemendagri, BPS and DJPK codes side by side; a code
    that is missing or was corrected says why."""
    rows = {r["kode_pemda"]: r for r in read("ref_pemda")}
    assert Counter(r["jenis"] for r in rows.values()) == {
        "provinsi": 38, "kabupaten": 416, "kota": 98,
    }  # fmt: skip
    samarinda = rows["64.72"]
    assert (samarinda["kode_bps"], samarinda["kode_djpk"], samarinda["jenis"]) == (
        "6472",
        "17.11",
        "kota",
    )
    assert samarinda["pulau"] == "Kalimantan" and int(samarinda["penduduk"]) > 800_000
    assert rows["64.74"]["kode_bps"] == "6474" and "6473" in rows["64.74"]["catatan_kode"]
    for r in rows.values():
        if not r["kode_bps"] or not r["kode_djpk"]:
            assert r["catatan_kode"], r
        assert r["kode_pemda"][:2] == r["kode_provinsi"]
    bps = Counter(r["kode_bps"] for r in rows.values() if r["kode_bps"])
    djpk = Counter(r["kode_djpk"] for r in rows.values() if r["kode_djpk"])
    assert max(bps.values()) == 1 and max(djpk.values()) == 1


def test_seeds_yml_types_every_code_as_varchar() -> None:
    doc = yaml.safe_load((SEEDS / "properti" / "_seeds.yml").read_text(encoding="utf-8"))
    seeds = {s["name"]: s for s in doc["seeds"]}
    assert set(seeds) == set(COLUMNS)
    for name, cols in COLUMNS.items():
        types = seeds[name]["config"]["column_types"]
        assert set(types) == set(cols), name
        documented = {c["name"] for c in seeds[name]["columns"]}
        assert documented == set(cols), name
        for c in cols:
            expected = {
                "tahun_mulai": "integer", "tahun_selesai": "integer", "level": "integer",
                "penduduk_2023": "integer", "luas_km2": "decimal(12,3)", "penduduk": "integer",
            }.get(c, "varchar")  # fmt: skip
            if name == "ref_wilayah" and c == "level":
                expected = "varchar"
            assert types[c] == expected, (name, c)
        assert seeds[name].get("description")
        tests = list(seeds[name].get("data_tests") or [])
        for col in seeds[name]["columns"]:
            assert col.get("description"), (name, col["name"])
            tests += col.get("data_tests") or []
        for t in tests:  # dbt 1.11: generic-test arguments nest under `arguments:`
            if isinstance(t, dict):
                (body,) = t.values()
                assert set(body) <= {"arguments", "config"}, t


# ---------------------------------------------------------------------------------------------
# agreement with the official lists
# ---------------------------------------------------------------------------------------------


@needs_reference
def test_nomenklatur_codes_exist_in_the_official_list() -> None:
    off = [r for r in official(P90 / "sub_kegiatan_flat.csv") if r["jns_pemda"] == "kabupaten_kota"]
    status = {(r["kode_sub_kegiatan"], r["status"]): r for r in off}
    for r in read("ref_nomenklatur"):
        st = "aktif" if r["tahun_mulai"] == "2021" else "nonaktif"
        o = status.get((r["kode_sub_kegiatan"], st))
        assert o is not None, r["kode_sub_kegiatan"]
        for c in ("kode_urusan", "kode_bidang_urusan", "kode_program", "kode_kegiatan"):
            assert r[c] == o[c], (r["kode_sub_kegiatan"], c)
    seed_xx = {(r["kode_sub_kegiatan"], r["tahun_mulai"]) for r in read("ref_nomenklatur")}
    for o in off:
        if o["kode_bidang_urusan"] == "X.XX":
            mulai = "2021" if o["status"] == "aktif" else "2020"
            assert (o["kode_sub_kegiatan"], mulai) in seed_xx, o["kode_sub_kegiatan"]


@needs_reference
def test_akun_codes_exist_in_the_official_list() -> None:
    off = {(r["kode_akun"], r["status"]) for r in official(P90 / "kode_rekening_flat.csv")}
    for r in read("ref_akun"):
        st = "aktif" if r["tahun_mulai"] == "2021" else "nonaktif"
        assert (r["kode_akun"], st) in off, r["kode_akun"]


@needs_reference
def test_sumber_dana_fungsi_and_wilayah_exist_in_the_official_lists() -> None:
    sd = {
        r["kode_sumber_dana"]
        for r in official(P90 / "sumber_dana_flat.csv")
        if r["status"] == "aktif"
    }
    assert {r["kode_sumber_dana"] for r in read("ref_sumber_dana")} == sd
    fs = {
        (r["kode_fungsi"].zfill(2), r["kode_subfungsi"].zfill(2) if r["kode_subfungsi"] else "")
        for r in official(P90 / "fungsi_subfungsi.csv")
    }
    assert {(r["kode_fungsi"], r["kode_subfungsi"]) for r in read("ref_fungsi")} == fs
    bf = {
        r["kode_bidang_urusan"]: r["kode_fungsi"].zfill(2) if r["kode_fungsi"] else ""
        for r in official(P90 / "bidang_urusan_fungsi.csv")
        if r["jns_pemda"] == "kabupaten_kota"
    }
    for r in read("ref_bidang_urusan_fungsi"):
        assert r["kode_bidang_urusan"] in bf
        if bf[r["kode_bidang_urusan"]]:  # 2.24 is blank in the source, mapped by curation
            assert r["kode_fungsi"] == bf[r["kode_bidang_urusan"]]
    wil = {
        r["kode_kemendagri"] for r in official(REFERENCE / "samarinda_6472_kecamatan_kelurahan.csv")
    }
    assert {r["kode_wilayah"] for r in read("ref_wilayah")} == wil


@needs_reference
def test_every_pemda_in_the_real_budget_and_indicator_files_has_one_crosswalk_row() -> None:
    by_bps = {r["kode_bps"]: r for r in read("ref_pemda") if r["kode_bps"]}
    by_djpk = {r["kode_djpk"]: r for r in read("ref_pemda") if r["kode_djpk"]}
    apbd = official(REFERENCE / "real" / "apbd_pemda_akun_jenis.csv")
    pairs = {(r["wilayah"], r["Kodepemda"]) for r in apbd}
    for wilayah, djpk in pairs:
        if wilayah == "#N/A":  # the file's own gap: a DJPK code without a BPS code or name
            continue
        assert by_djpk[djpk]["kode_bps"] == {"6473": "6474"}.get(wilayah, wilayah), (wilayah, djpk)
    assert len(by_djpk) == len({d for w, d in pairs if w != "#N/A"})
    ipm = official(REFERENCE / "real" / "bps_indikator_kabkota" / "ipm_2019-2021.csv")
    missing = {r["wilayah"] for r in ipm} - set(by_bps) - {"1000"}  # 1000: the national row
    assert not missing, sorted(missing)


@needs_reference
def test_seeds_are_reproduced_by_the_curation_script(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "curate_reference", PROJECT_ROOT / "scripts" / "curate_reference.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    counts = module.curate(REFERENCE, tmp_path)
    for name in COLUMNS:
        assert (tmp_path / f"{name}.csv").read_bytes() == (SEEDS / f"{name}.csv").read_bytes(), name
        assert counts[name] == len(read(name))
    # The real national files the project carries (issue 13 §3) are the script's output too.
    embedded = module.curate_embedded(REFERENCE, tmp_path / "pembanding")
    carried = PROJECT_ROOT / "dagster_project" / "lib" / "demo" / "data" / "pembanding"
    assert sorted(embedded) == sorted(
        p.relative_to(carried).as_posix() for p in carried.rglob("*.csv")
    )
    for rel in embedded:
        assert (tmp_path / "pembanding" / rel).read_bytes() == (carried / rel).read_bytes(), rel


def test_code_lists_are_read_once_per_version_of_the_file(tmp_path, monkeypatch):
    """Ingest reads a code list once for all the files of a run, and again once it changes."""
    import polars as pl

    from dagster_project.lib.contracts import reference

    monkeypatch.setattr(reference, "SEEDS_DIR", tmp_path)
    seed = tmp_path / "ref_uji.csv"
    seed.write_text("kode,tahun_mulai,tahun_selesai\n1.01,2020,\n", encoding="utf-8")
    assert reference.seed("ref_uji") is reference.seed("ref_uji")  # cached
    rows = pl.LazyFrame({"no": [1, 2], "kode": ["1.01", "1.02"], "tahun": [2024, 2024]})

    def reasons() -> list[str | None]:
        checked = reference.check_codes(rows, "kode", "tahun", ("ref_uji", "kode"), key="no")
        return checked.sort("no").collect()["reason"].to_list()

    first = reasons()
    assert first[0] is None and "'1.02' tidak dikenal" in first[1]
    seed.write_text("kode,tahun_mulai,tahun_selesai\n1.01,2020,2023\n1.02,2020,\n", "utf-8")
    second = reasons()
    assert "'1.01' sudah tidak berlaku pada tahun 2024" in second[0] and second[1] is None
    assert reference.seed("ref_uji")["kode"].to_list() == ["1.01", "1.02"]
