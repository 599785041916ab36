"""Personal data never leaves ingest: keyed pseudonyms, age bands, NIK checks, masked quarantine."""

from __future__ import annotations

import datetime as dt
import os
import stat

import polars as pl
import pytest

from dagster_project.lib.contracts.model import source_contracts
from dagster_project.lib.ingest.loader import STATUS_LOADED, ingest_source, read_ingest_log
from dagster_project.lib.ingest.pseudonymise import (
    KEY_ENV,
    MissingKeyError,
    age_band,
    ensure_hmac_key,
    hmac_key,
    key_file,
    pseudonym,
)

BANSOS = source_contracts()["dinsos.penerima_bansos"]
KEY = "kunci-uji-hanya-untuk-pytest-0123456789"
HEADER = "tahun;NIK;Nama Penerima;Tanggal Lahir;Jenis Kelamin;Kode Kelurahan;Program Bantuan;Nilai Bantuan (Rp)"
GOOD = [
    "2024;6472014501850001;Siti Aminah;05/01/1985;P;64.72.01.1001;BST;3.600.000",
    "2024;'6472021203700002;Budi Santoso;12 Maret 1970;L;64.72.02.1001;BST;3.600.000",
]
BAD = [
    "2024;647201450185000;Pendek Satu;05/01/1985;P;64.72.01.1001;BST;3.600.000",  # 15 digits
    "2024;6403014501850001;Luar Kota;05/01/1985;P;64.72.01.1001;BST;3.600.000",  # Kukar NIK
    "2024;6,47201E+15;Excel Rusak;31/02/1985;P;64.72.01.1001;BST;3.600.000",  # Excel + bad date
    "2024;6472031203700003;Belum Lahir;12/03/2030;L;64.72.03.1001;BST;1.000.000",  # future birth
]
PERSONAL = ["6472014501850001", "6472021203700002", "647201450185000", "6403014501850001"]
NAMES = ["Siti Aminah", "Budi Santoso", "Pendek Satu", "Luar Kota", "Excel Rusak", "Belum Lahir"]
BIRTHS = ["05/01/1985", "12 Maret 1970", "31/02/1985", "12/03/2030"]


def write_bansos(paths, rows, name="penerima_bansos_bst.csv"):
    target = paths.landing / "dinsos" / "penerima_bansos" / "2024" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return target


def all_text(frame: pl.DataFrame) -> str:
    return "\n".join(
        str(v) for col in frame.columns for v in frame[col].cast(pl.String).to_list() if v
    )


def test_pseudonym_is_keyed_deterministic_and_hex():
    a = pseudonym("6472014501850001", b"kunci-satu-yang-panjang")
    assert a == pseudonym("6472014501850001", b"kunci-satu-yang-panjang")
    assert a != pseudonym("6472014501850001", b"kunci-dua-yang-panjang!")
    assert len(a) == 64 and set(a) <= set("0123456789abcdef")


def test_key_from_environment_then_local_file(data_paths, monkeypatch):
    monkeypatch.setenv(KEY_ENV, KEY)
    assert hmac_key(data_paths) == KEY.encode()
    assert ensure_hmac_key(data_paths) is None and not key_file(data_paths).exists()
    monkeypatch.delenv(KEY_ENV)
    with pytest.raises(MissingKeyError, match="APBD_HMAC_KEY"):
        hmac_key(data_paths)
    path = ensure_hmac_key(data_paths)
    assert path == key_file(data_paths)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    first = hmac_key(data_paths)
    assert len(first) == 64
    ensure_hmac_key(data_paths)  # an existing key is never replaced: pseudonyms stay stable
    assert hmac_key(data_paths) == first
    monkeypatch.setenv(KEY_ENV, "pendek")
    with pytest.raises(MissingKeyError, match="terlalu pendek"):
        hmac_key(data_paths)


def test_age_band_on_31_december_of_the_fiscal_year():
    frame = pl.DataFrame(
        {
            "lahir": [
                dt.date(2020, 12, 31),
                dt.date(2019, 1, 1),
                dt.date(1980, 6, 1),
                dt.date(1965, 1, 1),
                dt.date(1964, 12, 31),
                None,
            ],
            "tahun": [2024] * 6,
        }
    )
    bands = frame.select(age_band(pl.col("lahir"), pl.col("tahun")).alias("b"))["b"].to_list()
    assert bands == ["0-4", "5-14", "25-44", "45-59", "60+", None]


def test_raw_holds_pseudonyms_and_age_bands_never_nik_name_or_birth_date(data_paths):
    write_bansos(data_paths, GOOD)
    (outcome,) = ingest_source(BANSOS, data_paths)
    assert outcome.status == STATUS_LOADED and outcome.rows_loaded == 2
    raw = pl.read_parquet(next(data_paths.raw.rglob("bst.parquet")))
    assert raw.columns[:4] == ["kode_pemda", "tahun", "nik_hash", "kelompok_umur"]
    assert not {"nik", "nama", "tanggal_lahir"} & set(raw.columns)
    assert raw["nik_hash"].to_list() == [
        pseudonym("6472014501850001", KEY.encode()),
        pseudonym("6472021203700002", KEY.encode()),  # the leading apostrophe is Excel's
    ]
    assert raw["kelompok_umur"].to_list() == ["25-44", "45-59"]
    text = all_text(raw)
    assert not any(s in text for s in PERSONAL + NAMES + BIRTHS)


def test_bad_niks_are_quarantined_with_reasons_that_never_quote_them(data_paths):
    write_bansos(data_paths, GOOD + BAD)
    (outcome,) = ingest_source(BANSOS, data_paths)
    assert (outcome.rows_loaded, outcome.rows_quarantined) == (2, 4)
    by_line = {}
    for e in outcome.errors.to_dicts():
        by_line.setdefault(e["_baris"], []).append(e)
    assert by_line[4][0]["aturan"] == "nik_16_angka" and "15 karakter" in by_line[4][0]["alasan"]
    assert by_line[5][0]["aturan"] == "nik_bukan_samarinda"
    assert "bukan kode kecamatan Kota Samarinda" in by_line[5][0]["alasan"]
    rules6 = {e["aturan"] for e in by_line[6]}
    assert rules6 == {"nik_16_angka", "format_date"}
    assert any("angka ilmiah Excel" in e["alasan"] for e in by_line[6])
    assert by_line[7][0]["aturan"] == "tanggal_lahir_tidak_wajar"
    stem = (
        data_paths.quarantine
        / "dinsos"
        / "penerima_bansos"
        / "pemda=64.72"
        / "tahun=2024"
        / "dinsos"
    )
    rows = pl.read_parquet(next(stem.glob("*.rows.parquet")))
    errors = pl.read_parquet(next(stem.glob("*.errors.parquet")))
    assert not {"nik", "nama", "tanggal_lahir"} & set(rows.columns)
    assert "nik_hash" in rows.columns and rows["_baris"].to_list() == [4, 5, 6, 7]
    for frame in (rows, errors, outcome.errors):
        text = all_text(frame)
        assert not any(s in text for s in PERSONAL + NAMES + BIRTHS + ["6,47201E+15"]), text
    log = read_ingest_log(data_paths)
    assert not any(s in all_text(log) for s in PERSONAL + NAMES)


def test_without_a_key_nothing_is_loaded_and_the_file_waits_for_the_key(data_paths, monkeypatch):
    write_bansos(data_paths, GOOD)
    monkeypatch.delenv(KEY_ENV)
    with pytest.raises(MissingKeyError):
        ingest_source(BANSOS, data_paths)
    assert read_ingest_log(data_paths).height == 0  # not logged: the file is not at fault
    assert not list(data_paths.raw.rglob("bst.parquet"))
    monkeypatch.setenv(KEY_ENV, KEY)
    (outcome,) = ingest_source(BANSOS, data_paths)
    assert outcome.status == STATUS_LOADED


def test_key_never_appears_in_what_ingest_writes(data_paths):
    write_bansos(data_paths, GOOD + BAD)
    ingest_source(BANSOS, data_paths)
    for path in data_paths.root.rglob("*"):
        if path.is_file() and "landing" not in path.parts:
            assert KEY.encode() not in path.read_bytes(), path
    assert os.environ[KEY_ENV] == KEY
