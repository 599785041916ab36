"""Many pemda in one deployment, at ingest: the pemda folder, kode_pemda on every row, rows of
another pemda quarantined, an unknown pemda folder refused, one pemda's bad file blocking nothing
of another's; today's single-city layout means the default pemda (issue 12 §1)."""

from __future__ import annotations

import polars as pl

from dagster_project.lib.contracts.model import PEMDA_COLUMN, source_contracts
from dagster_project.lib.contracts.pemda import DEFAULT_PEMDA, pemda_bawaan, write_pemda_bawaan
from dagster_project.lib.ingest.loader import (
    STATUS_LOADED,
    STATUS_REJECTED,
    current_inputs,
    ingest_source,
    landing_files,
    log_files,
    read_ingest_log,
)
from tests.conftest import DINKES

DPA = source_contracts()["sipd.dpa_sub_kegiatan"]
HEADER = "tahun,tahap,kode_skpd,kode_sub_kegiatan,pagu_rp,kode_kelurahan"
BALIKPAPAN = "64.71"


def rows(pemda: str, pagu: str = "1250000000") -> list[str]:
    return [
        f"2024,murni,{DINKES},1.02.02.2.02.0004,{pagu},{pemda}.01.1001",
        f"2024,murni,{DINKES},1.02.01.2.02.0001,9800000000,",
    ]


def land(paths, lines, *, pemda: str | None = None, header=HEADER, name="dpa_murni.csv"):
    base = paths.landing if pemda is None else paths.landing / pemda
    target = base / "sipd" / "dpa_sub_kegiatan" / "2024" / DINKES / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return target


def raw(paths, pemda: str) -> pl.DataFrame:
    folder = paths.raw / "sipd" / "dpa_sub_kegiatan" / f"pemda={pemda}" / "tahun=2024" / DINKES
    return pl.read_parquet(folder / "murni.parquet")


def test_kode_pemda_is_one_shared_column_of_every_pemda_level_source():
    for key, contract in source_contracts().items():
        national = key.startswith("djpk.") or key == "bps.indikator_kabkota"
        assert contract.per_pemda is not national, key
        if national:
            assert PEMDA_COLUMN not in contract.column_names, key
            continue
        first = contract.columns[0]
        assert first.name == PEMDA_COLUMN and first.required and first.primary_key, key
        assert contract.stored_primary_key[0] == PEMDA_COLUMN, key
        assert first == source_contracts()["bpkad.sp2d"].columns[0]  # declared once


def test_single_city_layout_means_the_default_pemda_and_fills_kode_pemda(data_paths):
    assert pemda_bawaan(data_paths) == DEFAULT_PEMDA  # no konfigurasi.json: Samarinda
    land(data_paths, rows("64.72"))
    (outcome,) = ingest_source(DPA, data_paths)
    assert outcome.status == STATUS_LOADED and outcome.rows_loaded == 2
    assert not outcome.warnings  # the pemda is filled without a word to the sender
    frame = raw(data_paths, "64.72")
    assert frame.columns[0] == PEMDA_COLUMN and frame[PEMDA_COLUMN].to_list() == ["64.72"] * 2
    (entry,) = read_ingest_log(data_paths).to_dicts()
    assert entry["kode_pemda"] == "64.72" and entry["raw_path"].startswith(
        "raw/sipd/dpa_sub_kegiatan/pemda=64.72/tahun=2024/"
    )
    assert [f.parent.name for f in log_files(data_paths)] == ["pemda=64.72"]
    assert current_inputs(data_paths)["kode_pemda"].to_list() == ["64.72"]


def test_the_default_pemda_is_the_deployments_setting(data_paths):
    write_pemda_bawaan(data_paths, BALIKPAPAN)
    land(data_paths, rows(BALIKPAPAN))
    (outcome,) = ingest_source(DPA, data_paths)
    assert outcome.status == STATUS_LOADED and outcome.rows_loaded == 2
    assert raw(data_paths, BALIKPAPAN)[PEMDA_COLUMN].unique().to_list() == [BALIKPAPAN]


def test_a_row_of_another_pemda_is_quarantined_as_pemda_lain(data_paths):
    # Balikpapan's folder: one row in a Samarinda kelurahan, one naming Samarinda outright
    header = f"{HEADER},kode_pemda"
    lines = [
        f"{rows(BALIKPAPAN)[0]},{BALIKPAPAN}",
        f"2024,murni,{DINKES},1.02.02.2.02.0005,5000000,64.72.01.1001,{BALIKPAPAN}",
        f"2024,murni,{DINKES},1.02.01.2.02.0001,9800000000,,64.72",
    ]
    land(data_paths, lines, pemda=BALIKPAPAN, header=header)
    (outcome,) = ingest_source(DPA, data_paths)
    assert outcome.status == STATUS_LOADED
    assert (outcome.rows_loaded, outcome.rows_quarantined) == (1, 2)
    errors = outcome.errors.filter(pl.col("aturan") == "pemda_lain")
    assert errors.select("_baris", "kolom", "nilai").rows() == [
        (3, "kode_kelurahan", "64.72.01.1001"),
        (4, "kode_pemda", "64.72"),
    ]
    assert all("pemda lain" in a and "landing/<kode pemda>/" in a for a in errors["alasan"])
    assert outcome.feedback_path is not None and "pemda=64.71" in outcome.feedback_path.as_posix()
    assert raw(data_paths, BALIKPAPAN)["kode_sub_kegiatan"].to_list() == ["1.02.02.2.02.0004"]


def test_an_unknown_pemda_folder_is_refused_with_a_message_naming_it(data_paths):
    land(data_paths, rows("99.99"), pemda="99.99")
    assert landing_files(DPA, data_paths)  # seen, so that it is told, never silently ignored
    (outcome,) = ingest_source(DPA, data_paths)
    assert outcome.status == STATUS_REJECTED
    assert "landing/99.99/" in outcome.message and "bukan kode pemda" in outcome.message
    assert "Pindahkan berkas" in outcome.message
    assert outcome.errors["aturan"].to_list() == ["pemda_tidak_dikenal"]
    assert outcome.feedback_path is not None and outcome.feedback_path.exists()
    assert not list(data_paths.raw.rglob("*/dpa_sub_kegiatan/**/murni.parquet"))


def test_two_pemda_side_by_side_one_bad_file_leaves_the_others_raw_intact(data_paths):
    land(data_paths, rows("64.72"), pemda="64.72")
    land(data_paths, rows(BALIKPAPAN, pagu="700000000"), pemda=BALIKPAPAN)
    first = ingest_source(DPA, data_paths)
    assert [o.status for o in first] == [STATUS_LOADED] * 2
    samarinda = raw(data_paths, "64.72")
    # Balikpapan resends a broken file (every row bad)
    land(data_paths, ["2024,murni,bukan-kode,x,abc,"], pemda=BALIKPAPAN, name="dpa_murni (2).csv")
    bad = ingest_source(DPA, data_paths)
    assert [o.status for o in bad if "(2)" in o.berkas] == [STATUS_REJECTED]
    assert raw(data_paths, "64.72").equals(samarinda)  # untouched
    kept = raw(data_paths, BALIKPAPAN)  # its previous version stays in use
    assert kept["pagu_rp"].cast(pl.Int64).to_list() == [700000000, 9800000000]
    slots = current_inputs(data_paths).select("kode_pemda", "pengirim", "periode").rows()
    assert slots == [("64.71", DINKES, "murni"), ("64.72", DINKES, "murni")]
    logged = read_ingest_log(data_paths)
    assert sorted(set(logged["kode_pemda"])) == ["64.71", "64.72"]
    assert {f.parent.name for f in log_files(data_paths)} == {"pemda=64.71", "pemda=64.72"}


def test_a_single_city_deployment_from_before_pemda_folders_upgrades_in_place(data_paths):
    land(data_paths, rows("64.72"))
    ingest_source(DPA, data_paths)
    before = raw(data_paths, "64.72")
    # what an older version left: raw without the pemda level or column, a log without kode_pemda
    table = data_paths.raw / "sipd" / "dpa_sub_kegiatan"
    (new,) = table.glob("pemda=64.72/tahun=2024/*/murni.parquet")
    old = table / new.relative_to(table / "pemda=64.72")
    old.parent.mkdir(parents=True)
    before.drop(PEMDA_COLUMN).write_parquet(old)
    new.unlink()
    for f in log_files(data_paths):
        pl.read_parquet(f).drop("kode_pemda").write_parquet(data_paths.ingest_log / f.name)
        f.unlink()
    assert read_ingest_log(data_paths)["kode_pemda"].to_list() == ["64.72"]  # read as default's
    legacy_log = sorted(data_paths.ingest_log.glob("2*.parquet"))
    (again,) = ingest_source(DPA, data_paths)
    assert again.status == "tidak_berubah"  # the file is not loaded a second time
    assert not list(table.glob("tahun=*/**/*.parquet"))  # moved, not copied
    assert raw(data_paths, "64.72").equals(before)
    assert current_inputs(data_paths).select("kode_pemda", "pengirim").rows() == [("64.72", DINKES)]
    assert legacy_log and not list(data_paths.ingest_log.glob("2*.parquet"))
    assert [f.name for f in log_files(data_paths)] == [f.name for f in legacy_log]
    assert pl.read_parquet(log_files(data_paths)[0])["kode_pemda"].to_list() == ["64.72"]


def test_status_shows_each_pemda_and_refuses_one_the_deployment_does_not_hold(data_paths):
    from typer.testing import CliRunner

    from dagster_project.cli import app

    land(data_paths, rows("64.72"))  # today's layout: the default pemda
    land(data_paths, rows(BALIKPAPAN), pemda=BALIKPAPAN)
    ingest_source(DPA, data_paths)
    runner, root = CliRunner(), str(data_paths.root)
    overview = runner.invoke(app, ["status", "--data-dir", root], terminal_width=200)
    assert overview.exit_code == 0, overview.output
    assert "Kiriman per pemda" in overview.output
    assert "Kota Balikpapan" in overview.output and "Kota Samarinda" in overview.output
    one = runner.invoke(app, ["status", "--data-dir", root, "--pemda", BALIKPAPAN])
    assert (
        one.exit_code == 0
        and "(pemda 64.71)" in one.output
        and "Kiriman per pemda" not in (one.output)
    )
    absent = runner.invoke(app, ["status", "--data-dir", root, "--pemda", "11.01"])
    assert absent.exit_code == 1
    assert "tidak ada di deployment ini" in absent.output
    assert "64.71 (Kota Balikpapan)" in absent.output and "64.72 (Kota Samarinda)" in absent.output


def test_another_pemdas_rows_are_judged_by_its_own_opd_list_once_loaded(data_paths):
    from tests.conftest import DISDIKBUD

    opd = data_paths.landing / BALIKPAPAN / "referensi" / "opd" / "opd.csv"
    opd.parent.mkdir(parents=True)
    opd.write_text(
        "kode_skpd,nama_skpd,jenis,tahun_mulai\n" + f"{DINKES},Dinas Kesehatan,dinas,2021\n",
        encoding="utf-8",
    )
    (listed,) = ingest_source(source_contracts()["referensi.opd"], data_paths)
    assert listed.status == STATUS_LOADED and listed.slot.tahun is None
    land(data_paths, rows(BALIKPAPAN), pemda=BALIKPAPAN)  # Dinkes: on its list
    # Disdikbud: an OPD of Samarinda's list, not of Balikpapan's
    sent = data_paths.landing / BALIKPAPAN / "sipd" / "dpa_sub_kegiatan" / "2024" / DISDIKBUD
    sent.mkdir(parents=True)
    (sent / "dpa_murni.csv").write_text(
        f"{HEADER}\n2024,murni,{DISDIKBUD},1.01.02.2.01.0001,5000000,\n", encoding="utf-8"
    )
    outcomes = {o.slot.pengirim: o for o in ingest_source(DPA, data_paths)}
    assert (outcomes[DINKES].status, outcomes[DINKES].rows_loaded) == (STATUS_LOADED, 2)
    refused = outcomes[DISDIKBUD]
    assert refused.status == STATUS_REJECTED and refused.rows_quarantined == 1
    assert refused.errors.select("kolom", "aturan", "alasan").rows() == [
        (
            "kode_skpd",
            "kode_tidak_berlaku",
            f"kode kode_skpd '{DISDIKBUD}' tidak ada dalam daftar OPD pemda 64.71 yang berlaku "
            "(referensi/opd)",
        )
    ]


def test_a_whole_pemda_sipd_export_in_a_pemda_folder_fills_that_pemdas_slots(data_paths):
    from tests.test_sipd_export import write_export

    sent = write_export(data_paths)
    moved = data_paths.landing / BALIKPAPAN / sent.relative_to(data_paths.landing)
    moved.parent.mkdir(parents=True)
    sent.rename(moved)
    outcomes = ingest_source(source_contracts()["sipd.dpa_rincian"], data_paths, workers=2)
    loaded = [o for o in outcomes if o.status == STATUS_LOADED]
    assert loaded and {o.slot.kode_pemda for o in loaded} == {BALIKPAPAN}
    raw_root = data_paths.raw / "sipd" / "dpa_rincian"
    assert {p.parts[-4] for p in raw_root.rglob("*.parquet") if p.name != "_schema.parquet"} == {
        "pemda=64.71"
    }
    (summary,) = data_paths.quarantine.rglob("*.ringkasan.xlsx")  # for that pemda's Bappeda
    assert "pemda=64.71" in summary.parts
