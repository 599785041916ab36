"""Slice builds (lib/transform/irisan.py): when a build may start from the last published one, and
which pemda it recomputes. The slice build itself is held equal to a full build of the same raw
data in test_pemda_pipeline (two pemda, one re-sends a month of SP2D)."""

from __future__ import annotations

import json
import os

import pytest

from dagster_project.lib.core.paths import DataPaths
from dagster_project.lib.transform import irisan


def _raw_file(paths: DataPaths, rel: str, data: bytes = b"PAR1") -> None:
    path = paths.raw / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


@pytest.fixture
def warehouse(tmp_path) -> DataPaths:
    """raw/ of two pemda and a national file, built and published once (the state kept)."""
    paths = DataPaths(tmp_path / "data")
    paths.ensure()
    _raw_file(paths, "bpkad/sp2d/pemda=64.72/tahun=2025/a.parquet")
    _raw_file(paths, "bpkad/sp2d/pemda=64.01/tahun=2025/b.parquet")
    _raw_file(paths, "bpkad/sp2d/_schema.parquet")
    _raw_file(paths, "djpk/apbd_pemda/tahun=2025/djpk.parquet")
    _raw_file(paths, "_meta/ingest_log/1.parquet")
    publish_state(paths, "run-1")
    return paths


def publish_state(paths: DataPaths, run_id: str) -> None:
    """What a run that published does: its build kept as candidate, then promoted."""
    build = paths.build / "apbd_build.duckdb"
    rencana = irisan.plan(paths)
    irisan.prepare_build(paths, build, rencana)
    if not build.exists():
        import duckdb

        duckdb.connect(str(build)).close()
    irisan.keep_candidate(paths, build, rencana, run_id)
    assert irisan.promote_candidate(paths, run_id)


def test_first_build_is_full(tmp_path):
    paths = DataPaths(tmp_path / "data")
    paths.ensure()
    rencana = irisan.plan(paths)
    assert rencana.penuh and "belum ada" in rencana.alasan


def test_nothing_changed_is_an_empty_slice(warehouse):
    rencana = irisan.plan(warehouse)
    assert rencana.irisan == ()
    assert rencana.ukuran_raw == 4 * len(b"PAR1")  # the ingest log's file not counted


def test_a_pemda_file_resent_slices_that_pemda_only(warehouse):
    _raw_file(warehouse, "bpkad/sp2d/pemda=64.01/tahun=2025/b.parquet", b"PAR1 dikirim ulang")
    rencana = irisan.plan(warehouse)
    assert rencana.irisan == ("64.01",)
    assert rencana.sumber == ("bpkad.sp2d",)


def test_a_new_pemda_and_a_removed_pemda_are_both_in_the_slice(warehouse):
    _raw_file(warehouse, "sipd/dpa_rincian/pemda=13.01/tahun=2025/c.parquet")
    (warehouse.raw / "bpkad/sp2d/pemda=64.01/tahun=2025/b.parquet").unlink()
    rencana = irisan.plan(warehouse)
    assert rencana.irisan == ("13.01", "64.01")
    assert rencana.sumber == ("bpkad.sp2d", "sipd.dpa_rincian")


def test_the_ingest_log_alone_does_not_slice(warehouse):
    """It is read only by models built whole (mart_status_sumber, mart_kepatuhan_pelaporan)."""
    _raw_file(warehouse, "_meta/ingest_log/2.parquet")
    assert irisan.plan(warehouse).irisan == ()


@pytest.mark.parametrize(
    "change",
    ["djpk/apbd_pemda/tahun=2025/djpk.parquet", "bpkad/sp2d/_schema.parquet"],
    ids=["berkas nasional", "skema raw"],
)
def test_a_national_file_or_a_schema_makes_the_build_full(warehouse, change):
    _raw_file(warehouse, change, b"PAR1 versi baru")
    rencana = irisan.plan(warehouse)
    assert rencana.penuh and "nasional" in rencana.alasan


def test_other_code_makes_the_build_full(warehouse, monkeypatch):
    monkeypatch.setattr(irisan, "code_fingerprint", lambda: "kode lain")
    rencana = irisan.plan(warehouse)
    assert rencana.penuh and "kode" in rencana.alasan


def test_the_gate_is_part_of_the_code_a_state_was_built_with():
    """The gate does not check again a table carried over from the last published build, which
    passed it: so a change to the gate's code, like one to a model, makes the next build full
    (test_other_code_makes_the_build_full)."""
    files = set(irisan.code_files())
    gate = irisan._GATE_DIR
    assert {gate / "checks.py", gate / "expectations.py"} <= files
    assert irisan.DBT_DIR / "macros" / "irisan_pemda.sql" in files


def test_a_slice_build_starts_from_the_state_with_its_slice_written_in(warehouse):
    import duckdb

    _raw_file(warehouse, "bpkad/sp2d/pemda=64.72/tahun=2025/a.parquet", b"PAR1 baru")
    build = warehouse.build / "apbd_build.duckdb"
    irisan.prepare_build(warehouse, build, irisan.plan(warehouse))
    schema = irisan.SLICE_SCHEMA
    with duckdb.connect(str(build), read_only=True) as con:
        assert con.execute(f"select * from {schema}.{irisan.SLICE_TABLE}").fetchall() == [
            ("64.72",)
        ]
        # the slice's folders in raw/, which the macro's file lists are made of
        folders = con.execute(f"select * from {schema}.{irisan.SLICE_FOLDERS}").fetchall()
        assert ("bpkad.sp2d", "64.72") in folders and {k for _, k in folders} == {"64.72"}


def _state(paths: DataPaths) -> dict:
    return json.loads((irisan.state_dir(paths) / "apbd_keadaan.json").read_text())


def _slice_build(paths: DataPaths) -> tuple[irisan.Rencana, os.PathLike]:
    build = paths.build / "apbd_build.duckdb"
    rencana = irisan.plan(paths)
    irisan.prepare_build(paths, build, rencana)
    return rencana, build


def test_a_slice_build_takes_the_state_instead_of_copying_it(warehouse):
    """At 10 pemda the state is ~1 GB: a copy cost a tenth of a re-sent month's run."""
    _raw_file(warehouse, "bpkad/sp2d/pemda=64.72/tahun=2025/a.parquet", b"PAR1 baru")
    inode = irisan.state_db(warehouse).stat().st_ino
    _, build = _slice_build(warehouse)
    assert build.stat().st_ino == inode
    assert not irisan.state_db(warehouse).exists()


def test_a_slice_build_that_fails_the_gate_leaves_its_slice_to_recompute(warehouse):
    """A failed gate publishes nothing. The slice build took the state: its candidate becomes
    the state, with what it recomputed marked unpublished, so the next build recomputes the
    same slice (and what it carries over is, as before, the last published build's)."""
    before = _state(warehouse)
    _raw_file(warehouse, "bpkad/sp2d/pemda=64.72/tahun=2025/a.parquet", b"PAR1 baru")
    rencana, build = _slice_build(warehouse)
    irisan.keep_candidate(warehouse, build, rencana, "run-gagal")
    assert not irisan.promote_candidate(warehouse, "run-lain")  # another run's publish
    again = irisan.plan(warehouse)
    assert (again.irisan, again.sumber) == (("64.72",), ("bpkad.sp2d",))
    state = _state(warehouse)
    assert state["pemda"]["64.72"]["bpkad.sp2d"] == irisan.BELUM_TERBIT
    assert state["pemda"]["64.01"] == before["pemda"]["64.01"]
    assert irisan.plan(warehouse).irisan == ("64.72",)  # adopted once, planned alike again


def test_a_slice_build_whose_dbt_failed_leaves_its_file_as_the_state(warehouse):
    """dbt failed: its build file itself (moved, not copied) takes the state's place; a file
    re-sent meanwhile by the other pemda joins the slice."""
    _raw_file(warehouse, "bpkad/sp2d/pemda=64.72/tahun=2025/a.parquet", b"PAR1 baru")
    rencana, build = _slice_build(warehouse)
    inode = build.stat().st_ino
    irisan.keep_candidate(warehouse, build, rencana, "run-gagal", gagal=True)
    assert not build.exists()
    _raw_file(warehouse, "bpkad/sp2d/pemda=64.01/tahun=2025/b.parquet", b"PAR1 dikirim ulang")
    assert irisan.plan(warehouse).irisan == ("64.01", "64.72")
    assert irisan.state_db(warehouse).stat().st_ino == inode


def test_the_candidate_is_copied_while_the_build_is_read(warehouse):
    """The copy runs while the step stores dbt's events and reads the build file (its row counts);
    the candidate holds the build as dbt left it, the slice's own tables aside."""
    import duckdb

    _raw_file(warehouse, "bpkad/sp2d/pemda=64.72/tahun=2025/a.parquet", b"PAR1 baru")
    rencana, build = _slice_build(warehouse)
    with duckdb.connect(str(build)) as con:
        con.execute("create table main.fakta as select range as n from range(100000)")
    with (
        irisan.candidate_kept(warehouse, build, rencana, "run-2"),
        duckdb.connect(str(build), read_only=True) as con,
    ):
        assert con.execute("select count(*) from main.fakta").fetchone() == (100000,)
    assert irisan.promote_candidate(warehouse, "run-2")
    with duckdb.connect(str(irisan.state_db(warehouse)), read_only=True) as con:
        assert con.execute("select count(*) from main.fakta").fetchone() == (100000,)
        assert not con.execute(
            f"select * from information_schema.tables where table_schema = '{irisan.SLICE_SCHEMA}' "
            f"and table_name in ('{irisan.SLICE_TABLE}', '{irisan.SLICE_FOLDERS}')"
        ).fetchall()
    assert build.exists()  # the build file itself goes on to the gate and publish


def test_no_candidate_when_the_step_fails_while_it_is_copied(warehouse):
    """Storing the events failed: the copy is waited for and left undescribed, so the next
    build does not take it (a slice build had taken the state: it is full)."""
    _raw_file(warehouse, "bpkad/sp2d/pemda=64.72/tahun=2025/a.parquet", b"PAR1 baru")
    rencana, build = _slice_build(warehouse)
    with (
        pytest.raises(RuntimeError, match="penyimpanan"),
        irisan.candidate_kept(warehouse, build, rencana, "run-2"),
    ):
        raise RuntimeError("penyimpanan event gagal")
    assert not irisan.promote_candidate(warehouse, "run-2")
    assert irisan.plan(warehouse).penuh


def test_a_published_slice_build_clears_its_marks(warehouse):
    _raw_file(warehouse, "bpkad/sp2d/pemda=64.72/tahun=2025/a.parquet", b"PAR1 baru")
    rencana, build = _slice_build(warehouse)
    irisan.keep_candidate(warehouse, build, rencana, "run-gagal")
    publish_state(warehouse, "run-2")  # adopts the failed build, recomputes 64.72, publishes
    assert irisan.plan(warehouse).irisan == ()
    assert irisan.BELUM_TERBIT not in json.dumps(_state(warehouse))


def test_an_unpublished_full_build_is_never_adopted(warehouse):
    """A full build takes nothing from the state: there is nothing to put back."""
    irisan.forget_state(warehouse)
    rencana, build = _slice_build(warehouse)
    assert rencana.penuh
    import duckdb

    duckdb.connect(str(build)).close()
    irisan.keep_candidate(warehouse, build, rencana, "run-gagal")
    assert irisan.plan(warehouse).penuh


def test_forgetting_the_state_makes_the_next_build_full(warehouse):
    irisan.forget_state(warehouse)  # `apbd run --penuh`
    assert irisan.plan(warehouse).penuh


def test_a_state_without_its_description_is_not_used(warehouse):
    """promote_candidate removes the description first and writes it last: a crash in between
    leaves a state file nobody may trust."""
    os.remove(irisan.state_dir(warehouse) / "apbd_keadaan.json")
    assert irisan.plan(warehouse).penuh


def _manifest() -> dict:
    """A dbt manifest in miniature: sources a.x (changed), a.y (unchanged), meta.log (the ingest
    log, not fingerprinted); m1 reads a.x, m2 a.y, m3 both through m1 and m2, m4 reads an
    environment variable; tests on m2 alone, on m3 and m2 (a relationship) and on source a.y;
    in folder `lama`, m6 reads a.y and has a test. Views on m1: v1 (a test on it), v2 calling a
    macro that calls one globbing files while it compiles (source_or_empty's kind), and v3
    on v1."""

    def node(
        kind: str,
        name: str,
        parents: list[str],
        code: str = "select 1",
        folder=(),
        view=False,
        macros=(),
    ) -> dict:
        return {
            "resource_type": kind,
            "fqn": ["apbd", *folder, name],
            "raw_code": code,
            "config": {"materialized": "view" if view else "table"},
            "depends_on": {"nodes": parents, "macros": list(macros)},
        }

    nodes = {
        "model.apbd.m1": node("model", "m1", ["source.apbd.a.x"]),
        "model.apbd.m2": node("model", "m2", ["source.apbd.a.y"]),
        "model.apbd.m3": node("model", "m3", ["model.apbd.m1", "model.apbd.m2"]),
        "model.apbd.m4": node("model", "m4", [], "select '{{ env_var(\"T\") }}'"),
        "model.apbd.m5": node("model", "m5", ["source.apbd.meta.log"]),
        "test.apbd.t_m2": node("test", "t_m2", ["model.apbd.m2"]),
        "test.apbd.t_m3_m2": node("test", "t_m3_m2", ["model.apbd.m3", "model.apbd.m2"]),
        "test.apbd.t_y": node("test", "t_y", ["source.apbd.a.y"]),
        "test.apbd.t_x": node("test", "t_x", ["source.apbd.a.x"]),
        "model.apbd.m6": node("model", "m6", ["source.apbd.a.y"], folder=["lama"]),
        "test.apbd.t_m6": node("test", "t_m6", ["model.apbd.m6"], folder=["lama"]),
        "model.apbd.v1": node("model", "v1", ["model.apbd.m1"], view=True),
        "test.apbd.t_v1": node("test", "t_v1", ["model.apbd.v1"]),
        "model.apbd.v2": node("model", "v2", ["model.apbd.m1"], view=True, macros=["macro.b"]),
        "model.apbd.v3": node("model", "v3", ["model.apbd.v1"]),
    }
    macros = {
        "macro.b": {"macro_sql": "{{ return(c()) }}", "depends_on": {"macros": ["macro.c"]}},
        "macro.c": {"macro_sql": "{{ run_query('select 1 from glob(...)') }}"},
    }
    children: dict[str, list[str]] = {}
    for uid, n in nodes.items():
        for parent in n["depends_on"]["nodes"]:
            children.setdefault(parent, []).append(uid)
    sources = {
        f"source.apbd.{s}.{t}": {"source_name": s, "name": t}
        for s, t in (("a", "x"), ("a", "y"), ("meta", "log"))
    }
    return {"nodes": nodes, "sources": sources, "child_map": children, "macros": macros}


def test_a_slice_build_runs_only_what_its_changed_sources_reach():
    sidik = irisan.Sidik("kode", "nasional", {})
    seen = {"terlacak": ("a.x", "a.y")}
    rencana = irisan.Rencana(("64.01",), "irisan", sidik, sumber=("a.x",), **seen)
    args, sempit = irisan.dbt_build_args(rencana, _manifest())
    # v1's SQL is the kept build's (same code): not created again, but what reads it (v3) runs,
    # and so does its test (its rows moved); v2's SQL may differ (a glob while compiling)
    assert sempit.model == {"model.apbd.m2", "model.apbd.m6", "model.apbd.v1"}
    # the relationship from a recomputed m3 to the unchanged m2 is checked again
    assert sempit.test == {"test.apbd.t_m2", "test.apbd.t_y", "test.apbd.t_m6"}
    # a folder where nothing runs is left out by one name (dbt matches each name against every
    # node: fewer names, a faster selection)
    assert args[-4:] == [
        "--indirect-selection",
        "empty",
        "--exclude",
        "fqn:apbd.lama fqn:apbd.m2 fqn:apbd.t_m2 fqn:apbd.t_y fqn:apbd.v1",
    ]

    empty = irisan.Rencana((), "irisan kosong", sidik, **seen)
    assert irisan.narrowing(empty, _manifest()).model == {
        "model.apbd.m1",
        "model.apbd.m2",
        "model.apbd.m3",
        "model.apbd.m6",
        "model.apbd.v1",
        "model.apbd.v2",
        "model.apbd.v3",
    }
    full = irisan.Rencana(None, "penuh", sidik, **seen)
    assert irisan.dbt_build_args(full, _manifest()) == (
        ["build", "--exclude-resource-type", "unit_test"],
        None,
    )
