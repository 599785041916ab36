"""End to end with the real stack: partitions, the landing sensor's run, reporting discipline.

One demo (2024–2025) whose files are re-dated to plausible submission dates, except that one OPD
sends its DPA murni 12 days late and another never sends its DPPA perubahan, and BPKAD's
December SP2D has not arrived; judged on 15 January 2026. Later tests build on that state.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time, timedelta

import dagster as dg
import duckdb
import polars as pl
import pytest

from dagster_project.definitions import defs
from dagster_project.defs.ingest.assets import ingest_assets
from dagster_project.lib.contracts import jadwal
from dagster_project.lib.contracts.model import mart_contracts, source_contracts
from dagster_project.lib.demo.generator import generate
from dagster_project.lib.ingest.loader import landing_files, locate, read_ingest_log
from dagster_project.lib.ingest.partitions import normalise_period, partition_of, partitioning
from dagster_project.runtime import configure_environment, ensure_dbt_manifest, run_pipeline

pytestmark = pytest.mark.slow

ACUAN = date(2026, 1, 15)
LATE_DAYS = 12


def due_dates() -> dict[tuple[str, str, str], tuple[int, int]]:
    """(sistem, tabel, periode or '*') -> (bulan_akhir, hari_tenggat) from the calendar seed."""
    out = {}
    for r in jadwal.calendar_rows():
        out[(r["sistem"], r["tabel"], r["periode"] or "*")] = (r["bulan_akhir"], r["hari_tenggat"])
    return out


def redate(path, when: date) -> None:
    """The file 'arrived' at 10:00 WITA on `when`."""
    t = datetime.combine(when, time(2, 0), tzinfo=UTC).timestamp()
    os.utime(path, (t, t))


def submit_on_time(paths) -> None:
    calendar = due_dates()
    for contract in source_contracts().values():
        if not contract.properties.get("reportingCalendar", True):
            continue  # a national download (DJPK, BPS): owed by no date, its landing time is moot
        for f in landing_files(contract, paths):
            tahun, _, name = locate(f, contract, paths)
            if contract.period_cadence:  # 03 (monthly) or tw1 (quarterly): due after its end
                periode = normalise_period(
                    contract.period_cadence, contract.period_pattern.search(name)[1]
                )
                bulan = int(periode[2:]) * 3 if periode.startswith("tw") else int(periode)
                tenggat = calendar[(contract.system, contract.table, "*")][1]
            else:
                periode = contract.period_pattern.search(name)[1]
                if (contract.system, contract.table, periode) not in calendar:
                    # a pergeseran has no due date in the reporting calendar: it arrives mid-year
                    redate(f, date(int(tahun), 6, 30))
                    continue
                bulan, tenggat = calendar[(contract.system, contract.table, periode)]
            redate(f, jadwal.due_date(tahun, bulan, tenggat) - timedelta(days=3))


def unsent_kinerja(paths) -> list[tuple]:
    """(opd, realisasi_kinerja, tahun, twN, kode_skpd) for every quarter due before ACUAN whose
    report is not in landing, for each OPD that sent a DPA that year."""
    calendar = due_dates()
    tenggat = calendar[("opd", "realisasi_kinerja", "*")][1]
    missing = []
    for tahun in (2024, 2025):
        opds = sorted(
            p.name for p in (paths.landing / "sipd" / "dpa_sub_kegiatan" / str(tahun)).iterdir()
        )
        for opd in opds:
            sent = {
                f.stem[-3:]
                for f in (paths.landing / "opd" / "realisasi_kinerja" / str(tahun) / opd).glob("*")
            }
            for q in (1, 2, 3, 4):
                if f"tw{q}" not in sent and jadwal.due_date(tahun, q * 3, tenggat) < ACUAN:
                    missing.append(("opd", "realisasi_kinerja", tahun, f"tw{q}", opd))
    return sorted(missing)


def unsent_perubahan(paths) -> list[tuple]:
    """(sipd, table, tahun, perubahan, kode_skpd, days overdue) for every OPD that sent a murni DPA
    and no DPPA: the one the test removes, and the demo's OPD whose budget only saw a pergeseran
    (the reporting calendar still expects its DPPA after the APBD-P: listed until it is sent)."""
    out = []
    for table in ("anggaran_kas", "dpa_rincian", "dpa_sub_kegiatan"):
        for year_dir in sorted((paths.landing / "sipd" / table).iterdir()):
            tahun = int(year_dir.name)
            days = (ACUAN - jadwal.due_date(tahun, 10, 0)).days
            for opd in sorted(p for p in year_dir.iterdir() if p.is_dir()):
                if any(opd.glob("*_murni.*")) and not any(opd.glob("*_perubahan.*")):
                    out.append(("sipd", table, tahun, "perubahan", opd.name, days))
    return out


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("otomasi")
    mp = pytest.MonkeyPatch()
    mp.setenv("DAGSTER_HOME", str(root / "dagster_home"))
    mp.setenv(jadwal.ENV_TANGGAL_ACUAN, ACUAN.isoformat())
    paths = configure_environment(root / "data")
    ensure_dbt_manifest()
    # Without the national DJPK/BPS downloads: a deployment that has not fetched them yet must
    # still ingest, build and publish (its peer marts empty), and this world tests the calendar.
    generate(paths.landing, scale=0.1, years=(2024, 2025), pembanding=False)
    submit_on_time(paths)
    dpa = paths.landing / "sipd" / "dpa_sub_kegiatan" / "2025"
    late_opd, missing_opd = sorted(p.name for p in dpa.iterdir())[2:4]
    (late_file,) = (dpa / late_opd).glob("dpa_sub_kegiatan_murni.*")
    redate(late_file, date(2025, 1, 31) + timedelta(days=LATE_DAYS))
    for table in ("dpa_sub_kegiatan", "dpa_rincian", "anggaran_kas"):
        for f in (paths.landing / "sipd" / table / "2025" / missing_opd).glob("*_perubahan.*"):
            f.unlink()
    (paths.landing / "bpkad" / "sp2d" / "2025" / "sp2d_2025_12.csv").unlink()
    report = run_pipeline()
    yield {
        "paths": paths,
        "report": report,
        "late_opd": late_opd,
        "missing_opd": missing_opd,
        "instance": dg.DagsterInstance.get(),
    }
    mp.undo()


def published(paths, sql: str):
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_full_run_materialises_every_partition_and_publishes(world):
    report, instance = world["report"], world["instance"]
    assert report.success, (report.failed_steps, report.failed_checks)
    # One run per partitions definition of the ingest assets (opd × tahun for SIPD, opd × periode
    # for kinerja, bulan × tahun for SP2D, BPS's, Dinsos's and DJPK's own, and one for the
    # unpartitioned national BPS file), then one rebuild and publish.
    assert len(report.run_ids) == len({id(a.partitions_def) for a in ingest_assets}) + 1 == 8
    for asset in ingest_assets:
        if asset.partitions_def is None:
            assert instance.get_latest_materialization_event(asset.key), asset.key
        else:
            assert instance.get_materialized_partitions(asset.key), asset.key
    dpa = instance.get_materialized_partitions(dg.AssetKey(["sipd", "dpa_sub_kegiatan"]))
    assert dg.MultiPartitionKey({"opd": world["late_opd"], "tahun": "2025"}) in dpa
    sp2d = instance.get_materialized_partitions(dg.AssetKey(["bpkad", "sp2d"]))
    assert dg.MultiPartitionKey({"bulan": "03", "tahun": "2025"}) in sp2d
    # Every quarterly report sent is its own partition: OPD × year-quarter.
    contract = source_contracts()["opd.realisasi_kinerja"]
    scheme = partitioning(contract)
    sent = {
        dg.MultiPartitionKey(partition_of(f, contract, world["paths"], scheme))
        for f in landing_files(contract, world["paths"])
    }
    kinerja = instance.get_materialized_partitions(dg.AssetKey(["opd", "realisasi_kinerja"]))
    assert sent and sent <= set(kinerja)
    assert {k.keys_by_dimension["periode"][-3:] for k in sent} == {"tw1", "tw2", "tw3", "tw4"}
    # published without the national downloads: the peer marts are there, and empty
    assert published(
        world["paths"],
        "select (select count(*) from marts.mart_pembanding_pemda), "
        "(select count(*) from marts.mart_posisi_pembanding), "
        "(select count(*) from marts.mart_anggaran_realisasi) > 0",
    ) == [(0, 0, True)]


def test_an_overdue_opd_fails_the_freshness_check_and_the_mart_lists_it(world):
    paths, report = world["paths"], world["report"]
    warned = dict(report.warned_checks)
    assert world["missing_opd"] not in str(report.failed_checks)  # a warning, not a gate
    assert "sipd/dpa_sub_kegiatan:submitted_on_time" in warned
    assert "bpkad/sp2d:submitted_on_time" in warned
    rows = published(
        paths,
        """select sistem, tabel, tahun, periode, pengirim, hari_terlambat
        from marts.mart_kepatuhan_pelaporan where status = 'belum_dikirim' order by all""",
    )
    m = world["missing_opd"]
    expected = sorted([("bpkad", "sp2d", 2025, "12", "bpkad", 5), *unsent_perubahan(paths)])
    for table in ("anggaran_kas", "dpa_rincian", "dpa_sub_kegiatan"):
        assert ("sipd", table, 2025, "perubahan", m, 76) in expected
    assert [r for r in rows if r[1] != "realisasi_kinerja"] == expected
    # The demo never sends some quarterly performance reports: exactly those past their due
    # date (the 15th after the quarter) are listed, with the days since that date.
    assert [r[:5] for r in rows if r[1] == "realisasi_kinerja"] == unsent_kinerja(paths)
    for _, _, tahun, periode, _, days in (r for r in rows if r[1] == "realisasi_kinerja"):
        quarter_due = jadwal.due_date(tahun, int(periode[-1]) * 3, 15)
        assert days == (ACUAN - quarter_due).days > 0
    late = published(
        paths,
        f"""select tabel, periode, hari_terlambat from marts.mart_kepatuhan_pelaporan
        where status = 'terlambat' and pengirim = '{world["late_opd"]}'""",
    )
    assert late == [("dpa_sub_kegiatan", "murni", LATE_DAYS)]
    (counts,) = published(
        paths,
        "select count(*) filter (where status = 'tepat_waktu'), count(distinct tanggal_acuan), "
        "max(tanggal_acuan) from marts.mart_kepatuhan_pelaporan",
    )
    assert counts[0] > 400 and counts[1] == 1 and counts[2] == ACUAN


def test_the_check_names_the_overdue_opd(world):
    instance = world["instance"]
    key = dg.AssetCheckKey(dg.AssetKey(["sipd", "dpa_sub_kegiatan"]), "submitted_on_time")
    records = instance.event_log_storage.get_asset_check_execution_history(key, limit=1)
    evaluation = records[0].event.dagster_event.event_specific_data
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN
    unsent = [r for r in unsent_perubahan(world["paths"]) if r[1] == "dpa_sub_kegiatan"]
    assert world["missing_opd"] in {r[4] for r in unsent}
    assert evaluation.metadata["pengirim_belum_dikirim"].value == sorted({r[4] for r in unsent})
    assert evaluation.metadata["jumlah_belum_dikirim"].value == len(unsent)


def test_dagster_and_the_mart_judge_alike(world):
    paths = world["paths"]
    py = jadwal.kepatuhan(read_ingest_log(paths), ACUAN, source_contracts())
    cols = ["tahun", "sistem", "tabel", "periode", "pengirim", "status", "hari_terlambat"]
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        sql = f"select {', '.join(cols)} from marts.mart_kepatuhan_pelaporan"
        mart = pl.from_arrow(con.execute(sql).to_arrow_table())
    key = cols[:5]
    assert (
        py.select(cols).sort(key).to_dicts() == mart.cast({"tahun": pl.Int32}).sort(key).to_dicts()
    )
    assert {"realisasi_kinerja", "indikator_wilayah", "penerima_bansos"} <= set(mart["tabel"])


def test_after_a_full_run_the_sensor_has_nothing_to_do(world):
    definitions = defs()
    ctx = dg.build_sensor_context(
        instance=world["instance"], definitions=definitions, resources=definitions.resources
    )
    result = definitions.resolve_sensor_def("landing_sensor")(ctx)
    assert not result.run_requests


def test_one_monthly_file_reingests_one_partition_and_republishes(world):
    paths, instance = world["paths"], world["instance"]
    definitions = defs()
    sensor = definitions.resolve_sensor_def("landing_sensor")
    ctx = dg.build_sensor_context(
        instance=instance, definitions=definitions, resources=definitions.resources
    )
    cursor = sensor(ctx).cursor
    f = paths.landing / "bpkad" / "sp2d" / "2025" / "sp2d_2025_03.csv"
    text = f.read_text(encoding="utf-8")
    f.write_text(text.replace("Gaji Induk Maret", "Gaji Induk bulan Maret", 1), encoding="utf-8")
    redate(f, date(2025, 4, 8))
    log_before = read_ingest_log(paths).height
    versions_before = len(list(paths.publish_log.glob("*.json")))
    ctx = dg.build_sensor_context(
        instance=instance, cursor=cursor, definitions=definitions, resources=definitions.resources
    )
    (req,) = sensor(ctx).run_requests
    assert req.partition_key == dg.MultiPartitionKey({"bulan": "03", "tahun": "2025"})
    # The run the daemon would launch: the request's job, assets and checks, for its partition.
    job = definitions.resolve_job_def(req.job_name).get_subset(
        asset_selection=set(req.asset_selection), asset_check_selection=set(req.asset_check_keys)
    )
    result = job.execute_in_process(
        instance=instance, partition_key=req.partition_key, tags=req.tags
    )
    assert result.success
    checked = {(e.asset_key.path[-1], e.check_name) for e in result.get_asset_check_evaluations()}
    assert ("sp2d", "matches_contract") in checked
    assert ("mart_anggaran_realisasi", "passes_expectations") in checked  # gated publish
    log = read_ingest_log(paths)
    assert log.height == log_before + 1  # exactly that file, nothing else re-read
    assert log.tail(1)["berkas"][0] == "bpkad/sp2d/2025/sp2d_2025_03.csv"
    (mat,) = result.asset_materializations_for_node("bpkad__sp2d")
    assert mat.partition == req.partition_key
    # a slice build (lib/transform/irisan.py): what SP2D reaches is rebuilt, the budget's tables
    # are the last published build's, materialised as such so that the publish step runs
    dbt = {
        m.asset_key.path[-1]: m.metadata
        for m in result.asset_materializations_for_node("apbd_dbt_models")
    }
    assert "irisan" not in dbt["fct_realisasi"] and "irisan" in dbt["fct_anggaran"]
    assert dbt["fct_anggaran"]["dagster/row_count"].value > 0
    # a view over a recomputed table keeps the last build's SQL (not created again: same code),
    # materialised after what it reads; its rows moved, so its test ran again
    view = "int_bansos_daftar_compared_to_sp2d"
    assert "view_tetap" in dbt[view] and "irisan" not in dbt[view]
    assert any(e.asset_key.path[-1] == view for e in result.get_asset_check_evaluations())
    # the gate checks what was rebuilt; a mart carried over passed it when it was published
    gate = {
        (e.asset_key.path[-1], e.check_name): e
        for e in result.get_asset_check_evaluations()
        if e.check_name in ("matches_contract", "passes_expectations")
        and e.asset_key.path[0] == "marts"
    }
    assert len(gate) == 2 * len(mart_contracts()) and all(e.passed for e in gate.values())
    rebuilt = gate[("mart_anggaran_realisasi", "matches_contract")]
    assert "irisan" not in rebuilt.metadata and rebuilt.metadata["checks"].value == 5
    assert "irisan" in dbt["mart_perubahan_anggaran"]
    kept = gate[("mart_perubahan_anggaran", "passes_expectations")]
    assert "irisan" in kept.metadata and "Tidak diperiksa ulang" in kept.description
    assert len(list(paths.publish_log.glob("*.json"))) == versions_before + 1
    (n,) = published(
        paths,
        "select count(*) from marts.fct_realisasi where keterangan like 'Gaji Induk bulan Maret%'",
    )[0]
    assert n == 1
