"""The landing sensor, evaluated with Dagster's own test utilities on real files.

A new file starts exactly one run for exactly its partition; the same bytes never start a second;
a file still being written waits for a later tick.
"""

from __future__ import annotations

import hashlib
import os
import time

import dagster as dg
import pytest

from dagster_project.definitions import defs
from dagster_project.lib.contracts.model import source_contracts
from dagster_project.lib.ingest.loader import ingest_source
from tests.conftest import DINKES
from tests.test_ingest import GOOD_ROWS
from tests.test_ingest import write_dpa as _write_dpa

DPA = source_contracts()["sipd.dpa_sub_kegiatan"]
DPA_KEY = dg.AssetKey(["sipd", "dpa_sub_kegiatan"])
INGEST_KEYS = {dg.AssetKey([c.system, c.table]) for c in source_contracts().values()}


@pytest.fixture(scope="module")
def definitions():
    return defs()


@pytest.fixture
def instance():
    with dg.instance_for_test() as inst:
        yield inst


class Ticks:
    """Evaluate the sensor tick after tick, carrying its cursor like the daemon does."""

    def __init__(self, definitions, instance):
        self.definitions = definitions
        self.instance = instance
        self.sensor = definitions.resolve_sensor_def("landing_sensor")
        self.cursor: str | None = None
        self.run_keys: set[str] = set()

    def tick(self) -> list[dg.RunRequest]:
        ctx = dg.build_sensor_context(
            instance=self.instance,
            cursor=self.cursor,
            definitions=self.definitions,
            resources=self.definitions.resources,
        )
        result = self.sensor(ctx)
        self.cursor = result.cursor
        self.new_partitions = {
            r.partitions_def_name: list(r.partition_keys)
            for r in result.dynamic_partitions_requests or []
        }
        for name, keys in self.new_partitions.items():  # as the daemon does, before the runs
            self.instance.add_dynamic_partitions(name, keys)
        # The daemon drops a request whose run key this sensor already used.
        fresh = [r for r in result.run_requests or [] if r.run_key not in self.run_keys]
        self.run_keys |= {r.run_key for r in fresh}
        return fresh


@pytest.fixture
def ticks(definitions, instance, data_paths):
    return Ticks(definitions, instance)


def write_dpa(paths, rows=GOOD_ROWS, **kw):
    """A valid 2025 DPA murni of Dinkes (or `opd=`), as the OPD sends it."""
    return _write_dpa(paths, [r.replace("2024,", "2025,", 1) for r in rows], tahun=2025, **kw)


def settled(path, seconds_ago: float = 300) -> None:
    t = time.time() - seconds_ago
    os.utime(path, (t, t))


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_new_file_requests_exactly_one_run_for_exactly_its_partition(ticks, data_paths):
    f = write_dpa(data_paths)
    settled(f)
    (req,) = ticks.tick()
    assert req.run_key == sha(f)
    assert req.job_name == "ingest_opd_tahun"
    assert req.partition_key == dg.MultiPartitionKey({"opd": DINKES, "tahun": "2025"})
    selected = set(req.asset_selection)
    assert selected & INGEST_KEYS == {DPA_KEY}  # that source only, none of the others
    assert dg.AssetKey(["published", "apbd_mart"]) in selected  # ends with a gated publish
    assert dg.AssetKey(["marts", "mart_kepatuhan_pelaporan"]) in selected
    checks = {(k.asset_key, k.name) for k in req.asset_check_keys}
    assert (DPA_KEY, "matches_contract") in checks
    assert (dg.AssetKey(["marts", "mart_anggaran_realisasi"]), "matches_contract") in checks
    assert req.tags["apbd/berkas"].endswith("dpa_sub_kegiatan_murni.csv")
    assert ticks.new_partitions == {"tahun": ["2025"]}  # the first file of a year adds it
    assert ticks.tick() == []  # nothing new on the next tick
    assert ticks.new_partitions == {}


def test_the_same_file_again_starts_nothing(ticks, data_paths):
    f = write_dpa(data_paths)
    settled(f)
    assert len(ticks.tick()) == 1
    settled(f, 10)  # touched: new mtime, same bytes
    assert ticks.tick() == []
    f.write_bytes(f.read_bytes())  # re-uploaded identical
    settled(f, 100)
    assert ticks.tick() == []
    ticks.cursor = None  # even with its state lost, the run key (sha256) starts nothing twice
    assert ticks.tick() == []


def test_a_half_written_file_waits_until_it_is_complete(ticks, data_paths):
    f = write_dpa(data_paths, GOOD_ROWS[:1])  # still arriving: mtime now
    assert ticks.tick() == []
    with f.open("a", encoding="utf-8") as fh:  # more bytes arrive between ticks
        fh.write(GOOD_ROWS[1].replace("2024,", "2025,", 1) + "\n")
    assert ticks.tick() == []
    (req,) = ticks.tick()  # unchanged since the last tick: complete
    assert req.run_key == sha(f)


def test_a_changed_file_runs_again_and_so_does_going_back(ticks, data_paths):
    f = write_dpa(data_paths)
    settled(f, 400)
    first = sha(f)
    assert len(ticks.tick()) == 1
    ingest_source(DPA, data_paths)  # the run loaded it
    f2 = write_dpa(data_paths, GOOD_ROWS[:1])
    settled(f2, 300)
    (changed,) = ticks.tick()
    assert changed.run_key == sha(f2) != first
    ingest_source(DPA, data_paths)
    write_dpa(data_paths)  # the OPD sends the first one again
    settled(f, 200)
    (back,) = ticks.tick()
    assert sha(f) == first and back.run_key.startswith(first + ":")  # a new key: it must run


def test_a_file_already_loaded_starts_nothing(ticks, data_paths):
    f = write_dpa(data_paths)
    settled(f)
    ingest_source(DPA, data_paths)  # e.g. by `make run`
    assert ticks.tick() == []


def test_monthly_sp2d_file_runs_its_month(ticks, data_paths):
    f = data_paths.landing / "bpkad" / "sp2d" / "2025" / "sp2d_2025_03.csv"
    f.parent.mkdir(parents=True)
    f.write_text("nomor_sp2d,tanggal_sp2d\n1,2025-03-04\n", encoding="utf-8")
    settled(f)
    (req,) = ticks.tick()
    assert req.job_name == "ingest_bulan_tahun"
    assert req.partition_key == dg.MultiPartitionKey({"bulan": "03", "tahun": "2025"})
    assert set(req.asset_selection) & INGEST_KEYS == {dg.AssetKey(["bpkad", "sp2d"])}


def test_quarterly_kinerja_report_runs_its_opd_and_quarter(ticks, data_paths):
    f = (
        data_paths.landing
        / "opd"
        / "realisasi_kinerja"
        / "2025"
        / DINKES
        / "realisasi_kinerja_tw2.csv"
    )
    f.parent.mkdir(parents=True)
    f.write_text("kode_skpd,triwulan\n" + DINKES + ",2\n", encoding="utf-8")
    settled(f)
    (req,) = ticks.tick()
    assert req.job_name == "ingest_opd_periode"
    assert req.partition_key == dg.MultiPartitionKey({"opd": DINKES, "periode": "2025-tw2"})
    assert set(req.asset_selection) & INGEST_KEYS == {dg.AssetKey(["opd", "realisasi_kinerja"])}


def test_a_file_that_fits_no_partition_runs_all_partitions_to_be_rejected(ticks, data_paths):
    ticks.instance.add_dynamic_partitions("tahun", ["2024", "2025"])  # years already held
    f = write_dpa(data_paths, opd="9.99.9.99.9.99.99.9999")
    settled(f)
    (req,) = ticks.tick()
    assert req.partition_key is None  # a run over every partition of that source
    pdef = ticks.definitions.resolve_assets_def(DPA_KEY).partitions_def
    keys = pdef.get_partition_keys(dynamic_partitions_store=ticks.instance)
    assert req.tags["dagster/asset_partition_range_start"] == keys[0]
    assert req.tags["dagster/asset_partition_range_end"] == keys[-1]
