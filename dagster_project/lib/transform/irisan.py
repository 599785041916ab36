"""Slice builds: after a good build, only the pemda whose raw data changed are built again.

A full build computes every table from all raw data into a new build file. At 10 pemda one OPD's
re-sent SP2D month then costs nearly a whole build, though nine pemda's figures cannot have moved.
So the build after a good one starts from that build's file (its *state*, kept here) and recomputes
only the slice of pemda whose raw files changed:

- **What may be sliced** is the model's own declaration: materialization `irisan_pemda`
  (dbt/macros/irisan_pemda.sql; marts take it from their contract). A pemda's rows of such a table
  depend on that pemda's raw data, the national files and the seeds only. Every other table (the
  peer marts, code dims shared by all pemda, what reads the ingest log) is rebuilt whole, views
  always are.
- **What changed** is read from raw/ itself, not from the ingest log: a fingerprint of every
  Parquet file (path, size, mtime) per source and `pemda=<kode>` folder, whatever wrote or removed
  it. A pemda whose fingerprint differs from the state's, appears or disappears is in the slice.
- **What runs** is what can have moved (`Penyempitan`): the models and tests downstream of the
  sources whose files changed, and of what the fingerprint cannot see (the ingest log, the
  scenario store, a model reading an environment variable). Every other table is the kept
  build's, as its inputs are. A data test runs when any node it reads runs (a relationship from a
  recomputed fact to an unchanged dim is checked again), a view's tests too. A view is created
  again only when its SQL may differ: the kept build's view is the same query of the same code
  (the state holds one code version), unless the SQL is made from what dbt reads while it
  compiles (a glob of raw/, a query, an environment variable: `_compiled_from_code`).
- **When the state cannot be trusted** the build is full: no state yet, another version of the
  code (dbt models, macros, seeds, contracts, the quality gate, DuckDB or dbt itself) or of the
  national files (anything in raw/ outside a pemda folder), or a forced full build
  (`apbd run --penuh`).
- **The state is the last published build**: the build file is copied aside as a candidate once
  dbt has finished (before the schemas that do not ship are dropped, so intermediate tables stay),
  and the candidate becomes the state only when the publish of the same run succeeds.
- **A slice build takes the state** (a rename: at 10 pemda a copy of the ~1 GB file cost a tenth
  of the re-sent month's run). Should it not publish (dbt or the gate failed), its candidate, kept
  even when dbt failed, becomes the state with the slice's fingerprints marked unpublished
  (`BELUM_TERBIT`): the next build recomputes every pemda × source the failed one touched, and
  carries over only tables it left as the last published build had them. Only a crash while
  dbt runs leaves no state (the next build is full).

tests/test_irisan.py holds a slice build equal, table by table, to a full build of the same raw data.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import duckdb

from dagster_project.lib.core.files import fsync_dir, write_json_atomic
from dagster_project.lib.core.paths import (
    CONTRACTS_DIR,
    DBT_DIR,
    DataPaths,
    pemda_folder,
    pemda_of_folder,
)

# A slice build file holds the slice in the schema of the intermediate models, whose tables dbt
# lists once when it starts (the macro finds them in its relation cache, without a query in each
# node, dbt/macros/irisan_pemda.sql irisan_dibangun), dropped before anything ships:
SLICE_SCHEMA = "intermediate"
SLICE_TABLE = "irisan_pemda"  # the pemda to recompute
# (sumber, kode_pemda) for each of the slice's folders in raw/ (the macro sets the files each
# per-pemda source reads from it: no dbt node globs raw/)
SLICE_FOLDERS = "irisan_berkas"
# The fingerprint of a pemda's source that a build recomputed but did not publish: no raw folder
# has it, so the next build recomputes that pemda × source (`_adopt_unpublished`).
BELUM_TERBIT = "belum-terbit"
META_FOLDER = "_meta"  # raw/_meta: the ingest log, read only by models built whole
_PEMDA_PREFIX = pemda_folder("")
# Everything of the code that decides what a table holds, and whether it may be published.
_CODE_DIRS = ("models", "macros", "seeds")
_GATE_DIR = Path(__file__).resolve().parents[1] / "gate"


@dataclass(frozen=True)
class Sidik:
    """Fingerprints of what a build reads: the code, the national raw files, and each pemda's
    files per source (`{kode_pemda: {"bpkad.sp2d": digest}}`)."""

    kode: str
    nasional: str
    pemda: dict[str, dict[str, str]]

    def to_dict(self) -> dict[str, Any]:
        return {"kode": self.kode, "nasional": self.nasional, "pemda": self.pemda}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Sidik:
        # a state kept before sources were told apart has one digest per pemda (ValueError)
        pemda = {k: dict(v) for k, v in d["pemda"].items()}
        return cls(d["kode"], d["nasional"], pemda)


@dataclass(frozen=True)
class Rencana:
    """What this build does: `irisan` None for a full build, else the pemda to recompute, and
    `sumber` the sources ("bpkad.sp2d") whose files changed for them. From this run's walk of
    raw/: `terlacak` every source with a folder there (national or per pemda: the sources whose
    changes the fingerprint sees) and `ukuran_raw` their bytes (machine.dbt_threads)."""

    irisan: tuple[str, ...] | None
    alasan: str
    sidik: Sidik
    sumber: tuple[str, ...] = ()
    terlacak: tuple[str, ...] = ()
    ukuran_raw: int = 0

    @property
    def penuh(self) -> bool:
        return self.irisan is None


def _files_digest(files: Iterable[tuple[str, int, int]]) -> str:
    h = hashlib.sha256()
    for rel, size, mtime in sorted(files):
        h.update(f"{rel}\0{size}\0{mtime}\n".encode())
    return h.hexdigest()


def code_files() -> list[Path]:
    """The files of the code a build's tables depend on: the dbt project, the contracts and the
    quality gate (which does not check again a table carried over from the last published build:
    it passed this gate)."""
    files = [DBT_DIR / "dbt_project.yml"]
    for root in [DBT_DIR / d for d in _CODE_DIRS] + [CONTRACTS_DIR, _GATE_DIR]:
        files += [p for p in root.rglob("*") if p.is_file() and p.suffix != ".pyc"]
    return sorted(files)


def code_fingerprint() -> str:
    """`code_files` and the engines' versions."""
    import dbt.version  # the dbt-core the build runs

    h = hashlib.sha256(f"duckdb {duckdb.__version__}; dbt {dbt.version.__version__}\n".encode())
    for p in code_files():
        h.update(str(p.relative_to(DBT_DIR.parent)).encode() + b"\0" + p.read_bytes() + b"\n")
    return h.hexdigest()


class RawScan(NamedTuple):
    """What `raw_fingerprint` read from raw/: the national files' fingerprint, each pemda's per
    source (`{kode_pemda: {"bpkad.sp2d": digest}}`), the sources seen and their bytes in all."""

    nasional: str
    pemda: dict[str, dict[str, str]]
    terlacak: tuple[str, ...]
    ukuran: int


def raw_fingerprint(raw: Path) -> RawScan:
    """Every Parquet file in raw/ but the ingest log; a source is its folder
    `raw/<system>/<table>` ("system.table")."""
    national: list[tuple[str, int, int]] = []
    per_pemda: dict[str, dict[str, list[tuple[str, int, int]]]] = {}
    seen: set[str] = set()
    size = 0
    if raw.exists():
        for dirpath, dirnames, filenames in os.walk(raw):
            rel_dir = Path(dirpath).relative_to(raw)
            if rel_dir.parts[:1] == (META_FOLDER,):
                dirnames.clear()
                continue
            pemda = next(
                (pemda_of_folder(p) for p in rel_dir.parts if p.startswith(_PEMDA_PREFIX)), None
            )
            source = ".".join(rel_dir.parts[:2])
            for name in filenames:
                if not name.endswith(".parquet"):
                    continue
                st = os.stat(os.path.join(dirpath, name))
                entry = (str(rel_dir / name), st.st_size, st.st_mtime_ns)
                size += st.st_size
                seen.add(source)
                if pemda:
                    per_pemda.setdefault(pemda, {}).setdefault(source, []).append(entry)
                else:
                    national.append(entry)
    digests = {
        k: {s: _files_digest(f) for s, f in sorted(v.items())} for k, v in sorted(per_pemda.items())
    }
    return RawScan(_files_digest(national), digests, tuple(sorted(seen)), size)


def fingerprint(paths: DataPaths) -> tuple[Sidik, RawScan]:
    """The build's fingerprints, and the walk of raw/ they come from."""
    scan = raw_fingerprint(paths.raw)
    return Sidik(code_fingerprint(), scan.nasional, scan.pemda), scan


# ------------------------------------------------------------------------------- state on disk


def state_dir(paths: DataPaths) -> Path:
    return paths.build / "keadaan"


def state_db(paths: DataPaths) -> Path:
    return state_dir(paths) / "apbd_keadaan.duckdb"


def _state_json(paths: DataPaths) -> Path:
    return state_dir(paths) / "apbd_keadaan.json"


def _candidate_db(paths: DataPaths) -> Path:
    return state_dir(paths) / "calon.duckdb"


def _candidate_json(paths: DataPaths) -> Path:
    return state_dir(paths) / "calon.json"


def read_state(paths: DataPaths) -> Sidik | None:
    """The fingerprints the kept state was built from, or None when there is no usable state."""
    if not state_db(paths).exists():
        return None
    try:
        return Sidik.from_dict(json.loads(_state_json(paths).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError):
        return None


def plan(paths: DataPaths) -> Rencana:
    """Full or slice, and why (in Indonesian: it is shown in the run's log and metadata)."""
    _adopt_unpublished(paths)
    now, scan = fingerprint(paths)
    seen = {"terlacak": scan.terlacak, "ukuran_raw": scan.ukuran}
    before = read_state(paths)
    if before is None:
        alasan = "bangun penuh: belum ada hasil bangun terakhir yang terbit"
    elif before.kode != now.kode:
        alasan = "bangun penuh: kode model, seed, kontrak atau versi mesin berubah"
    elif before.nasional != now.nasional:
        alasan = "bangun penuh: berkas nasional (DJPK, BPS) atau skema raw berubah"
    else:
        alasan = None
    if alasan:
        return Rencana(None, alasan, now, **seen)
    sumber: set[str] = set()
    changed = []
    for k in sorted(set(before.pemda) | set(now.pemda)):
        lama, baru = before.pemda.get(k, {}), now.pemda.get(k, {})
        beda = {s for s in set(lama) | set(baru) if lama.get(s) != baru.get(s)}
        if beda:
            changed.append(k)
            sumber |= beda
    if not changed:
        return Rencana((), "irisan kosong: tidak ada data pemda yang berubah", now, **seen)
    return Rencana(
        tuple(changed),
        f"irisan {len(changed)} pemda: {', '.join(changed)} (sumber berubah: "
        f"{', '.join(sorted(sumber))})",
        now,
        tuple(sorted(sumber)),
        **seen,
    )


@dataclass(frozen=True)
class Penyempitan:
    """The nodes (dbt unique ids) a slice build leaves as the kept build has them: `model` the
    tables and views, `test` the data tests."""

    model: frozenset[str]
    test: frozenset[str]


def narrowing(rencana: Rencana, manifest: dict[str, Any]) -> Penyempitan | None:
    """What a slice build need not run (None: a full build runs everything). A model runs when
    it is downstream of a source whose files changed for the slice, or of a source the
    fingerprint does not see (not in raw/, or the ingest log in raw/_meta), or reads an
    environment variable (mart_kepatuhan_pelaporan's reference date); a data test runs when any
    node it depends on runs."""
    if rencana.penuh:
        return None
    start = set()
    for uid, src in manifest["sources"].items():
        name = f"{src['source_name']}.{src['name']}"
        if name in rencana.sumber or name not in rencana.terlacak:
            start.add(uid)
    nodes = manifest["nodes"]
    start |= {
        uid
        for uid, n in nodes.items()
        if n["resource_type"] == "model" and "env_var(" in n.get("raw_code", "")
    }
    runs, todo = set(start), list(start)
    children = manifest["child_map"]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in runs and nodes.get(child, {}).get("resource_type") == "model":
                runs.add(child)
                todo.append(child)
    models = {u for u, n in nodes.items() if n["resource_type"] == "model"}
    tests = {
        u
        for u, n in nodes.items()
        if n["resource_type"] == "test" and not runs.intersection(n["depends_on"]["nodes"])
    }
    views = {
        u
        for u in runs & models
        if nodes[u]["config"]["materialized"] == "view" and _compiled_from_code(nodes[u], manifest)
    }
    return Penyempitan(model=frozenset(models - runs | views), test=frozenset(tests))


# What a model or macro calls to read the database, the files or the environment while dbt
# compiles it (source_or_empty globs raw/ for a source's files; mart_kepatuhan_pelaporan reads
# its reference date from the environment).
_READS_WHILE_COMPILING = ("run_query(", "env_var(", "adapter.", "glob(")


def _compiled_from_code(node: dict[str, Any], manifest: dict[str, Any]) -> bool:
    """Whether the node's SQL follows from the code alone: neither it nor a macro it calls,
    directly or through another, reads anything while dbt compiles it."""
    macros = manifest.get("macros", {})
    seen: set[str] = set()
    todo = list(node["depends_on"].get("macros", ()))
    texts = [node.get("raw_code", "")]
    while todo:
        uid = todo.pop()
        if uid not in seen and uid in macros:
            seen.add(uid)
            texts.append(macros[uid].get("macro_sql", ""))
            todo.extend(macros[uid].get("depends_on", {}).get("macros", ()))
    return not any(call in text for text in texts for call in _READS_WHILE_COMPILING)


def dbt_build_args(
    rencana: Rencana, manifest: dict[str, Any] | None = None
) -> tuple[list[str], Penyempitan | None]:
    """`dbt build` as the pipeline runs it (the selection aside, which Dagster adds): no unit
    tests (they check the SQL on fixed inputs, not the data: the test suite runs them); a slice
    build does not load the seeds again (the code, seeds included, is that of the kept build)
    and, given the manifest, leaves out what its inputs cannot have moved (`narrowing`, by full
    name and without dbt's indirect selection, which would drop a relationship test between a
    node that runs and one that does not). Returns the arguments and what they leave out."""
    args = ["build", "--exclude-resource-type", "unit_test"]
    if rencana.penuh:
        return args, None
    args += ["--exclude-resource-type", "seed"]
    sempit = narrowing(rencana, manifest) if manifest is not None else None
    if sempit and (sempit.model or sempit.test):
        names = ["fqn:" + p for p in _fqn_prefixes(manifest, sempit.model | sempit.test)]
        args += ["--indirect-selection", "empty", "--exclude", " ".join(names)]
    return args, sempit


def _fqn_prefixes(manifest: dict[str, Any], left_out: frozenset[str]) -> list[str]:
    """The fewest `fqn:` names selecting exactly `left_out` among the models and tests: a folder
    (fqn prefix) where all of them are left out, else the node itself. dbt matches each name
    against every node, three times in a build: 280 names cost it ~2 s before the first node."""
    runnable = {
        uid: tuple(n["fqn"])
        for uid, n in manifest["nodes"].items()
        if n["resource_type"] in ("model", "test")
    }
    runs_under: dict[tuple[str, ...], bool] = {}  # fqn prefix -> does any node under it run
    for uid, fqn in runnable.items():
        for i in range(1, len(fqn) + 1):
            runs_under[fqn[:i]] = runs_under.get(fqn[:i], False) or uid not in left_out
    return sorted(
        {
            ".".join(next(fqn[:i] for i in range(1, len(fqn) + 1) if not runs_under[fqn[:i]]))
            for uid, fqn in runnable.items()
            if uid in left_out
        }
    )


def slice_of_build(con: duckdb.DuckDBPyConnection, table: str) -> list[str] | None:
    """Inside a build: the slice (kode_pemda) when this is a slice build and `table` (schema.name,
    quoted or not) exists from the last good build, else None (build it whole). For a model
    dbt's SQL materialization does not serve (mart_skenario_bawaan, a Python model)."""
    *_, schema, name = [p.strip('"') for p in table.split(".")]
    found = con.execute(
        "select count(*) filter (where table_schema = ? and table_name = ?), "
        "count(*) filter (where table_schema = ? and table_name = ?) "
        "from information_schema.tables where table_catalog = current_database()",
        [SLICE_SCHEMA, SLICE_TABLE, schema, name],
    ).fetchone()
    if not (found[0] and found[1]):
        return None
    kode = con.execute(f"select kode_pemda from {SLICE_SCHEMA}.{SLICE_TABLE}").fetchall()
    return [r[0] for r in kode]


def prepare_build(paths: DataPaths, build_db: Path, rencana: Rencana) -> None:
    """A new build file: empty for a full build, else the state itself (moved, not copied: its
    description goes first, so a crash leaves no state rather than one described wrongly) with
    the slice written into it: its pemda, and the folders in raw/ each of them has per source
    (from this run's walk)."""
    for stale in (build_db, build_db.with_name(build_db.name + ".wal")):
        stale.unlink(missing_ok=True)
    if rencana.penuh:
        return
    _state_json(paths).unlink(missing_ok=True)
    os.replace(state_db(paths), build_db)
    folders = [(s, k) for k in rencana.irisan for s in rencana.sidik.pemda.get(k, {})]
    with duckdb.connect(str(build_db)) as con:
        con.execute(f"create schema if not exists {SLICE_SCHEMA}")
        con.execute(
            f"create or replace table {SLICE_SCHEMA}.{SLICE_TABLE} (kode_pemda varchar not null)"
        )
        con.executemany(
            f"insert into {SLICE_SCHEMA}.{SLICE_TABLE} values (?)", [(k,) for k in rencana.irisan]
        )
        con.execute(
            f"create or replace table {SLICE_SCHEMA}.{SLICE_FOLDERS} "
            "(sumber varchar not null, kode_pemda varchar not null)"
        )
        if folders:
            con.executemany(f"insert into {SLICE_SCHEMA}.{SLICE_FOLDERS} values (?, ?)", folders)


def keep_candidate(
    paths: DataPaths, build_db: Path, rencana: Rencana, run_id: str, *, gagal: bool = False
) -> None:
    """After dbt, before the schemas that do not ship are dropped: the build as next run's state,
    if this run publishes it (`promote_candidate`), and, for a slice build, if it does not
    (`_adopt_unpublished`). `gagal`: dbt failed, the build file will not be published and
    becomes the candidate itself."""
    if gagal:
        _make_room(paths, build_db)
        os.replace(build_db, _candidate_db(paths))
        _describe_candidate(paths, rencana, run_id)
    else:
        with candidate_kept(paths, build_db, rencana, run_id):
            pass


@contextmanager
def candidate_kept(paths: DataPaths, build_db: Path, rencana: Rencana, run_id: str):
    """`keep_candidate` with the copy made while the body runs: the body may read the build file
    (row counts) and do what does not touch it (Dagster storing the build's events), never write
    it. At 10 pemda the ~1 GB copy took 0.3 s with the disk idle and 0.6–3.4 s right after dbt's
    own writes; storing the events ~1.3 s. On leaving, the copy has finished (the pool waits for
    it, whatever the body did); the candidate is described (usable) only when both succeeded."""
    _make_room(paths, build_db)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kandidat") as pool:
        copied = pool.submit(shutil.copyfile, build_db, _candidate_db(paths))
        yield
    copied.result()
    _describe_candidate(paths, rencana, run_id)


def _make_room(paths: DataPaths, build_db: Path) -> None:
    """Before a candidate is put aside: the build file without the slice's tables (prepare_build),
    checkpointed (whole in itself), and no description of an earlier candidate left."""
    with duckdb.connect(str(build_db)) as con:
        con.execute(f"drop table if exists {SLICE_SCHEMA}.{SLICE_TABLE}")
        con.execute(f"drop table if exists {SLICE_SCHEMA}.{SLICE_FOLDERS}")
        con.execute("checkpoint")
    state_dir(paths).mkdir(parents=True, exist_ok=True)
    _candidate_json(paths).unlink(missing_ok=True)


def _describe_candidate(paths: DataPaths, rencana: Rencana, run_id: str) -> None:
    irisan = None if rencana.penuh else list(rencana.irisan)
    write_json_atomic(
        _candidate_json(paths),
        {"run_id": run_id, **rencana.sidik.to_dict(), "irisan": irisan, "sumber": rencana.sumber},
    )


def promote_candidate(paths: DataPaths, run_id: str) -> bool:
    """This run's build was published: its candidate becomes the state (`_install_candidate`)."""
    found = _candidate(paths)
    if found is None or found[0]["run_id"] != run_id:
        return False
    _install_candidate(paths, found[1])
    return True


def _candidate(paths: DataPaths) -> tuple[dict[str, Any], Sidik] | None:
    """The candidate's description (`keep_candidate`) and its fingerprints, or None when there is
    no usable one."""
    if not _candidate_db(paths).exists():
        return None
    try:
        meta = json.loads(_candidate_json(paths).read_text(encoding="utf-8"))
        sidik = Sidik.from_dict(meta)
    except (OSError, ValueError, KeyError):
        return None
    return (meta, sidik) if "run_id" in meta else None


def _adopt_unpublished(paths: DataPaths) -> None:
    """A slice build took the state (`prepare_build`) and did not publish: its candidate becomes
    the state, the pemda × sources it recomputed marked unpublished. Every table it left out is
    still the last published build's; every table it recomputed is downstream of a marked source
    and runs again. A full build's candidate is never adopted: it took nothing."""
    found = None if state_db(paths).exists() else _candidate(paths)
    if found is None or found[0].get("irisan") is None:
        return
    meta, sidik = found
    for kode in meta["irisan"]:
        sidik.pemda.setdefault(kode, {}).update(dict.fromkeys(meta["sumber"], BELUM_TERBIT))
    _install_candidate(paths, sidik)


def _install_candidate(paths: DataPaths, sidik: Sidik) -> None:
    """The candidate becomes the state. The state's description goes first and comes back last,
    so a crash in between leaves no state (a full build next) rather than a state described by
    another build's fingerprints."""
    _state_json(paths).unlink(missing_ok=True)
    os.replace(_candidate_db(paths), state_db(paths))
    write_json_atomic(_state_json(paths), sidik.to_dict())
    _candidate_json(paths).unlink(missing_ok=True)
    fsync_dir(state_dir(paths))


def forget_state(paths: DataPaths) -> None:
    """The next build is full (`apbd run --penuh`)."""
    shutil.rmtree(state_dir(paths), ignore_errors=True)
