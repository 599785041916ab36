"""Atomic publish, archive, rollback and concurrent readers, on real DuckDB files.

Each version's file holds a version number in every row of `marts.versi` and in `marts.info`, and a
row count and sum that only that version has: a reader checks all of them in one query, so an
answer stitched from two versions cannot pass.

Module-level imports stay light (no GX, no polars): the reader processes import this module.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import queue
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from dagster_project.lib.core.paths import DataPaths
from dagster_project.lib.gate.checks import CheckResult, wal_path
from dagster_project.lib.publish.publisher import (
    PublishError,
    archive_file,
    current_version,
    discard_build,
    list_versions,
    open_published,
    publish,
    rollback,
    sha256_file,
)

BASE_ROWS = 150_000  # > one DuckDB row group, so a file is many blocks
READERS = 20
PUBLISHES = 5

QUERY = """
select min(versi), max(versi), count(*), sum(nilai), (select any_value(versi) from marts.info)
from marts.versi
"""


def expected(version: int) -> tuple[int, int]:
    n = BASE_ROWS + version
    return n, version * n * (n + 1) // 2


def make_version(path: Path, version: int) -> Path:
    """A build file that identifies `version` in every row (and its count and sum)."""
    n, _ = expected(version)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.versi as select ?::INTEGER as versi, (i * ?)::BIGINT as nilai "
            "from range(1, ? + 1) t(i)",
            [version, version, n],
        )
        con.execute("create table marts.info as select ?::INTEGER as versi", [version])
    assert not wal_path(path).exists()
    return path


def read_version(db: Path) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        lo, hi, cnt, total, info = con.execute(QUERY).fetchone()
    assert lo == hi == info and (cnt, total) == expected(lo)
    return lo


@pytest.fixture
def paths(tmp_path) -> DataPaths:
    p = DataPaths(tmp_path / "data")
    p.ensure()
    return p


def build(paths: DataPaths, version: int) -> Path:
    return make_version(paths.build / f"run_{version}.duckdb", version)


CHECKS = [
    CheckResult("has_rows", "marts.versi", True, True, "ok", {}),
    {"name": "assert_x", "target": "marts.versi", "passed": False, "blocking": False,
     "message": "peringatan"},
]  # fmt: skip


def do_publish(paths: DataPaths, version: int, **kw) -> dict:
    inputs = [{"path": f"landing/x_{version}.csv", "sha256": f"{version:064x}", "rows": version}]
    return publish(
        build(paths, version), paths, run_id=f"run-{version}", inputs=inputs, checks=CHECKS, **kw
    )


# --------------------------------------------------------------------------------------------
# publish, archive, prune
# --------------------------------------------------------------------------------------------


def test_publish_swaps_atomically_and_archives(paths):
    b1 = build(paths, 1)
    sha1 = sha256_file(b1)
    e1 = publish(b1, paths, run_id="run-1", inputs=[], checks=CHECKS)
    assert not b1.exists()  # moved, not copied
    assert sha256_file(paths.published_db) == sha1 == e1["sha256"]
    assert e1["size_bytes"] == paths.published_db.stat().st_size
    assert e1["previous_version"] is None
    assert e1["checks"]["total"] == 2 and e1["checks"]["warnings"] == 1
    assert list(paths.publish_archive.iterdir()) == []
    inode1 = paths.published_db.stat().st_ino

    e2 = do_publish(paths, 2)
    assert read_version(paths.published_db) == 2
    assert e2["previous_version"] == e1["version"]
    archived = archive_file(paths, e1["version"])
    assert archived.name.startswith("apbd_mart__") and archived.name.endswith("__run-1.duckdb")
    assert archived.stat().st_ino == inode1  # a hard link: the very bytes that were published
    assert sha256_file(archived) == sha1
    assert read_version(archived) == 1

    log = sorted(paths.publish_log.glob("*.json"))
    assert len(log) == 2 and not list(paths.publish_log.glob(".*.tmp*"))
    assert e2["inputs"][0]["sha256"] == f"{2:064x}"
    assert current_version(paths)["version"] == e2["version"]
    versions = list_versions(paths)
    assert [v["version"] for v in versions] == [e2["version"], e1["version"]]
    assert versions[0]["is_current"] and not versions[1]["is_current"]
    assert versions[1]["archive_exists"]


def test_a_publish_reads_only_the_new_file(paths, monkeypatch):
    """The published file's version is known from its identity (device, inode, size, mtime) the
    log recorded, so a publish hashes the new build only, not the published mart as well (at 100
    pemda, gigabytes read at every publish); an entry without an identity (written before it was
    recorded) is still found by its sha256."""
    from dagster_project.lib.publish import publisher

    e1 = do_publish(paths, 1)
    hashed: list[str] = []
    monkeypatch.setattr(
        publisher, "sha256_file", lambda p: hashed.append(Path(p).name) or sha256_file(p)
    )
    e2 = do_publish(paths, 2)
    assert hashed == ["run_2.duckdb"] and e2["previous_version"] == e1["version"]
    assert current_version(paths)["version"] == e2["version"]

    entry = next(paths.publish_log.glob(f"{e2['version']}.json"))
    old = json.loads(entry.read_text(encoding="utf-8"))
    del old["identitas"]
    entry.write_text(json.dumps(old), encoding="utf-8")
    hashed.clear()
    e3 = do_publish(paths, 3)
    assert e3["previous_version"] == e2["version"]
    assert hashed == ["run_3.duckdb", paths.published_db.name]


def test_archive_is_pruned_to_keep_newest(paths):
    entries = [do_publish(paths, v, keep=10) for v in range(1, 13)]
    archived = sorted(paths.publish_archive.glob("*.duckdb"))
    assert len(archived) == 10  # 11 superseded versions, the oldest pruned
    assert archived == sorted(archive_file(paths, e["version"]) for e in entries[1:11])
    assert entries[-1]["pruned"] == [archive_file(paths, entries[0]["version"]).name]
    by_version = {v["version"]: v for v in list_versions(paths)}
    assert not by_version[entries[0]["version"]]["archive_exists"]
    assert by_version[entries[-1]["version"]]["is_current"]


def test_rollback_restores_exact_bytes(paths):
    shas = {}
    entries = {}
    for v in (1, 2, 3):
        b = build(paths, v)
        shas[v] = sha256_file(b)
        entries[v] = publish(b, paths, run_id=f"run-{v}", inputs=[{"v": v}], checks=CHECKS)
        assert entries[v]["sha256"] == shas[v]

    r1 = rollback(paths)  # one step back: 3 -> 2
    assert (
        sha256_file(paths.published_db) == shas[2]
        and r1["restored_version"] == entries[2]["version"]
    )
    assert r1["action"] == "rollback" and r1["inputs"] == entries[2]["inputs"]
    assert archive_file(paths, entries[3]["version"]).exists()  # the one we left is kept
    assert current_version(paths)["version"] == r1["version"]

    rollback(paths)  # and again: 2 -> 1
    assert sha256_file(paths.published_db) == shas[1]
    with pytest.raises(PublishError, match="Tidak ada versi lebih lama"):
        rollback(paths)
    assert sha256_file(paths.published_db) == shas[1]  # a refused rollback changes nothing

    rollback(paths, entries[3]["version"])  # forward again, by name
    assert sha256_file(paths.published_db) == shas[3]
    with open_published(paths) as con:
        assert con.execute("select versi from marts.info").fetchone() == (3,)
    assert [v["action"] for v in list_versions(paths)][:3] == ["rollback"] * 3
    with pytest.raises(PublishError, match="tidak ada di log"):
        rollback(paths, "19990101T000000_000000Z__nope")


def test_open_published_without_a_publish_says_so(paths):
    with pytest.raises(FileNotFoundError, match="Belum ada mart yang diterbitkan"):
        open_published(paths)
    assert current_version(paths) is None and list_versions(paths) == []


def test_publish_refuses_a_build_with_a_wal(paths):
    b = build(paths, 1)
    wal_path(b).write_bytes(b"x")
    with pytest.raises(PublishError, match="WAL"):
        publish(b, paths, run_id="r", inputs=[], checks=[])
    assert not paths.published_db.exists()


CONTRACT = textwrap.dedent(
    """\
    apiVersion: v3.1.0
    kind: DataContract
    id: urn:datacontract:apbd:versi
    name: versi
    version: 0.0.1
    status: draft
    schema:
      - name: versi
        logicalType: object
        properties:
          - {name: versi, logicalType: integer, physicalType: INTEGER, required: true}
          - {name: nilai, logicalType: integer, physicalType: BIGINT, required: true,
             primaryKey: true}
    """
)


def test_failed_gate_leaves_published_bytes_unchanged(paths, tmp_path):
    from dagster_project.lib.contracts.model import load_contract
    from dagster_project.lib.gate.checks import contract_checks
    from dagster_project.lib.gate.expectations import gx_checks

    (tmp_path / "marts").mkdir()
    (tmp_path / "marts" / "versi.odcs.yaml").write_text(CONTRACT, encoding="utf-8")
    contract = load_contract(tmp_path / "marts" / "versi.odcs.yaml")

    def gate_failures(build_db: Path) -> list[str]:
        """The gate's asset checks (contract, GX) on the build, read-only: blocking failures."""
        with duckdb.connect(str(build_db), read_only=True) as con:
            checks = contract_checks(con, [contract]) + gx_checks(
                con, [contract], business_rules={}
            )
        return [c.name for c in checks if c.blocking and not c.passed]

    good = build(paths, 1)
    assert gate_failures(good) == []
    publish(good, paths, run_id="run-1", inputs=[], checks=[])
    before = sha256_file(paths.published_db), paths.published_db.stat().st_mtime_ns
    log_before = sorted(p.name for p in paths.publish_log.iterdir())

    bad = build(paths, 2)
    with duckdb.connect(str(bad)) as con:  # breaks: nilai is the primary key
        con.execute("insert into marts.versi select * from marts.versi limit 1")
    failed = gate_failures(bad)
    assert failed
    assert "primary_key_unique" in failed
    moved = discard_build(bad)  # the orchestrator never calls publish on a failed gate

    assert (sha256_file(paths.published_db), paths.published_db.stat().st_mtime_ns) == before
    assert sorted(p.name for p in paths.publish_log.iterdir()) == log_before
    assert list(paths.publish_archive.iterdir()) == []
    assert not bad.exists() and moved.parent == paths.build / "failed"
    for v in range(3, 10):  # only the newest 5 failed builds are kept
        discard_build(build(paths, v))
    assert len(list((paths.build / "failed").glob("*.duckdb"))) == 5


# --------------------------------------------------------------------------------------------
# Concurrency: readers in other processes during consecutive publishes
# --------------------------------------------------------------------------------------------


def _reader(db: str, final: int, ready, stop, out, config: dict | None = None) -> None:
    """Open the published file read-only (with `config`: a planner's `apbd query` connection),
    query, close; again and again until it shows `final`. Spawned processes import this module,
    whose imports stay light (test_access's would cost each of them 2 s more: it imports the CLI)."""
    queries, errors, mixed, backwards = 0, [], 0, 0
    seen: dict[int, int] = {}
    last = 0
    announced = False
    deadline = time.monotonic() + 60
    while not stop.is_set() and time.monotonic() < deadline:
        try:
            with duckdb.connect(db, read_only=True, config=config or {}) as con:
                lo, hi, cnt, total, info = con.execute(QUERY).fetchone()
        except Exception as e:  # every failure counts; none is expected
            errors.append(repr(e)[:300])
            continue
        queries += 1
        if not (lo == hi == info and (cnt, total) == expected(lo)):
            mixed += 1
        backwards += lo < last
        last = lo
        seen[lo] = seen.get(lo, 0) + 1
        if not announced:
            ready.put(os.getpid())
            announced = True
        if lo == final:
            break
    out.put(
        {
            "queries": queries,
            "errors": errors,
            "mixed": mixed,
            "backwards": backwards,
            "seen": seen,
            "last": last,
        }
    )


def readers_during_publishes(
    paths: DataPaths, builds: dict[int, Path], readers: int, config: dict | None = None
) -> list[dict]:
    """`readers` processes querying the published mart while `builds` 2.. are published one
    after another (version 1 is published first): each reader's report, once it saw the last."""
    final = max(builds)
    publish(builds[1], paths, run_id="run-1", inputs=[], checks=[])
    ctx = mp.get_context("spawn")
    ready, out, stop = ctx.Queue(), ctx.Queue(), ctx.Event()
    args = (str(paths.published_db), final, ready, stop, out, config)
    procs = [ctx.Process(target=_reader, args=args) for _ in range(readers)]
    for p in procs:
        p.start()
    try:
        for _ in procs:  # every reader has answered at least one query on version 1
            ready.get(timeout=60)
        for v in range(2, final + 1):
            time.sleep(0.25)
            publish(builds[v], paths, run_id=f"run-{v}", inputs=[], checks=[])
        reports = [out.get(timeout=60) for _ in procs]
    finally:
        stop.set()
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
    for q in (ready, out):
        with pytest.raises(queue.Empty):
            q.get_nowait()
    return reports


def test_readers_see_one_whole_version_during_publishes(paths):
    final = 1 + PUBLISHES
    builds = {v: build(paths, v) for v in range(1, final + 1)}
    reports = readers_during_publishes(paths, builds, READERS)

    queries = sum(r["queries"] for r in reports)
    errors = [e for r in reports for e in r["errors"]]
    seen: dict[int, int] = {}
    for r in reports:
        for v, n in r["seen"].items():
            seen[v] = seen.get(v, 0) + n
    print(
        f"\n{READERS} reader processes, {PUBLISHES} publishes: {queries} queries answered, "
        f"{len(errors)} errors, answers per version {dict(sorted(seen.items()))}"
    )
    assert errors == []
    assert sum(r["mixed"] for r in reports) == 0  # every answer from exactly one version
    assert sum(r["backwards"] for r in reports) == 0  # no reader ever went back in time
    assert all(r["last"] == final for r in reports)
    assert {1, final} <= set(seen) and len(seen) >= 4
    assert read_version(paths.published_db) == final
    assert len(list(paths.publish_archive.glob("*.duckdb"))) == PUBLISHES
