"""The hand-written code lists of performance and outcome (ref_satuan, ref_indikator,
ref_pohon_kinerja) are well-formed and agree with each other and with the nomenclature."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
import yaml

from dagster_project.lib.demo import evidence as demo_evidence

SEEDS = Path(__file__).resolve().parents[1] / "dbt" / "seeds"
COLUMNS = {
    "ref_satuan": ["ejaan", "kode_satuan", "nama_satuan", "jenis_satuan", "biaya_per_unit_sebanding"],
    "ref_indikator": [
        "kode_indikator", "nama_indikator", "konsep", "definisi", "rumus_perhitungan",
        "interpretasi", "kode_satuan", "arah", "produsen_data", "sumber_acuan_kota",
        "sumber_acuan_kelurahan", "frekuensi", "level_estimasi_terendah", "indikator_kebutuhan",
    ],
    "ref_pohon_kinerja": ["kode_pemda", "kode_program", "kode_indikator", "dasar_keterkaitan"],
}  # fmt: skip


def read(name: str) -> list[dict[str, str]]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("name", sorted(COLUMNS))
def test_seed_is_plain_utf8_csv_with_the_documented_header(name: str) -> None:
    raw = (SEEDS / f"{name}.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" not in raw
    rows = list(csv.reader(raw.decode("utf-8").splitlines()))
    assert rows[0] == COLUMNS[name] and len(rows) > 1
    assert all(len(r) == len(rows[0]) and all(v == v.strip() for v in r) for r in rows[1:])


def test_yaml_types_every_column_and_codes_are_text() -> None:
    doc = yaml.safe_load((SEEDS / "properti" / "_seeds__kinerja.yml").read_text(encoding="utf-8"))
    seeds = {s["name"]: s for s in doc["seeds"]}
    assert set(seeds) == set(COLUMNS)
    for name, cols in COLUMNS.items():
        types = seeds[name]["config"]["column_types"]
        assert list(types) == cols
        assert all(types[c] == "varchar" for c in cols if c.startswith("kode_"))
        assert {c["name"] for c in seeds[name]["columns"]} == set(cols)
        assert all(c.get("description") for c in seeds[name]["columns"])


def test_satuan_spellings_are_normalised_and_unique() -> None:
    rows = read("ref_satuan")
    ejaan = [r["ejaan"] for r in rows]
    assert len(ejaan) == len(set(ejaan))
    assert all(e == " ".join(e.lower().split()) for e in ejaan)
    kinds = {"jumlah", "persen", "indeks", "luas", "panjang", "waktu", "uang", "kualitatif"}
    assert {r["jenis_satuan"] for r in rows} <= kinds
    canonical = {}
    for r in rows:  # one canonical unit has one name and one kind
        assert canonical.setdefault(r["kode_satuan"], (r["nama_satuan"], r["jenis_satuan"])) == (
            r["nama_satuan"],
            r["jenis_satuan"],
        )
    # every spelling the demo OPDs use is known, except the ones planted as unknown
    spelled = {v.lower() for vs in demo_evidence.SATUAN_VARIANTS.values() for v in vs}
    assert spelled <= set(ejaan)
    assert not {u.lower() for u in demo_evidence.UNKNOWN_SATUAN} & set(ejaan)


def test_indicators_have_satu_data_metadata() -> None:
    satuan = {r["kode_satuan"] for r in read("ref_satuan")}
    rows = read("ref_indikator")
    assert len({r["kode_indikator"] for r in rows}) == len(rows)
    for r in rows:
        assert re.fullmatch(r"[a-z][a-z0-9_]+", r["kode_indikator"])
        assert r["kode_satuan"] in satuan and r["arah"] in {"naik", "turun", "netral"}
        assert r["definisi"] and r["produsen_data"] and r["sumber_acuan_kota"]
        assert bool(r["sumber_acuan_kelurahan"]) == (r["level_estimasi_terendah"] == "kelurahan")
        assert r["indikator_kebutuhan"] in {"true", "false"}
    stunting = next(r for r in rows if r["kode_indikator"] == "prevalensi_stunting")
    assert (stunting["sumber_acuan_kota"], stunting["sumber_acuan_kelurahan"]) == (
        "SSGI",
        "e-PPGBM",
    )
    assert set(demo_evidence.OUTCOMES) <= {r["kode_indikator"] for r in rows}


def test_cascade_links_real_programs_to_known_indicators() -> None:
    programs = {r["kode_program"] for r in read("ref_nomenklatur")}
    indicators = {r["kode_indikator"] for r in read("ref_indikator")}
    rows = read("ref_pohon_kinerja")
    assert len({r["kode_program"] for r in rows}) == len(rows), "one outcome per program"
    for r in rows:
        assert r["kode_program"] in programs and r["kode_program"][5:7] != "01"
        assert r["kode_indikator"] in indicators and r["dasar_keterkaitan"]
