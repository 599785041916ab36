"""Publish, archive and roll back the mart file (architecture rules 3 and 4).

A publish is one `os.replace` of a gated build file onto `published/apbd_mart.duckdb` on the same
filesystem: readers that opened the old file keep reading the old inode, readers that open after
the rename get the new one, nobody sees a mix. The superseded file is hard-linked into
`published/archive/` first (no copy, no window without a published file), and every publish or
rollback writes one JSON entry in `published/publish_log/`. The published file itself is never
modified: it stays byte-for-byte what the gate checked; metadata lives only in the log.

A failed gate publishes nothing: the orchestrator does not call `publish` and moves the build
aside with `discard_build` for inspection.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from dagster_project.lib.core.faults import failpoint
from dagster_project.lib.core.files import (
    atomic_write,
    fsync_dir,
    sha256_file,
    write_json_atomic,
)
from dagster_project.lib.core.paths import DataPaths
from dagster_project.lib.gate.checks import CheckResult, wal_path

ARCHIVE_PREFIX = "apbd_mart__"
FAILED_DIR = "failed"
KEEP_FAILED = 5
_CHUNK = 1 << 20


class PublishError(RuntimeError):
    """Publishing or rolling back is not possible; the message says why, in Indonesian."""


# --------------------------------------------------------------------------------------------
# Small file-system helpers
# --------------------------------------------------------------------------------------------


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _stamp(t: datetime) -> str:
    # Sortable and filename-safe; microseconds so consecutive publishes never collide.
    return t.strftime("%Y%m%dT%H%M%S_%fZ")


def _safe(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", s).strip("-")[:80] or "tanpa-id"


def _link_or_copy(src: Path, dst: Path) -> str:
    try:
        os.link(src, dst)
        return "hardlink"
    except OSError:
        with atomic_write(dst) as tmp:
            shutil.copyfile(src, tmp)
        return "copy"


def _write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    write_json_atomic(path, data)
    fsync_dir(path.parent)


@contextlib.contextmanager
def _publish_lock(paths: DataPaths) -> Iterator[None]:
    """One publisher/rollback at a time (readers never take this lock)."""
    paths.published.mkdir(parents=True, exist_ok=True)
    with (paths.published / ".publish.lock").open("a") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def _ensure_dirs(paths: DataPaths) -> None:
    for p in (paths.published, paths.publish_archive, paths.publish_log):
        p.mkdir(parents=True, exist_ok=True)


# --------------------------------------------------------------------------------------------
# Publish log
# --------------------------------------------------------------------------------------------


def archive_file(paths: DataPaths, version: str) -> Path:
    """Where the file of `version` lives once it has been superseded."""
    return paths.publish_archive / f"{ARCHIVE_PREFIX}{version}.duckdb"


def _read_log(paths: DataPaths) -> list[dict[str, Any]]:
    """Every entry, newest first."""
    entries = list(_log_newest_first(paths))
    entries.sort(key=lambda e: (e.get("published_at", ""), e.get("version", "")), reverse=True)
    return entries


def _checks_summary(checks: Sequence[CheckResult | dict[str, Any]]) -> dict[str, Any]:
    items = []
    for c in checks:
        d = c.to_dict() if isinstance(c, CheckResult) else dict(c)
        items.append(
            {
                "name": d.get("name"),
                "target": d.get("target"),
                "passed": bool(d.get("passed")),
                "blocking": bool(d.get("blocking", True)),
                "message": d.get("message"),
            }
        )
    return {
        "total": len(items),
        "passed": sum(i["passed"] for i in items),
        "failed_blocking": sum((not i["passed"]) and i["blocking"] for i in items),
        "warnings": sum((not i["passed"]) and not i["blocking"] for i in items),
        "items": items,
    }


def _identity(path: Path) -> dict[str, int]:
    """What tells one file from another without reading it: a rename (the publish, a rollback's
    swap) keeps all four, any write changes the modification time."""
    st = path.stat()
    return {"dev": st.st_dev, "ino": st.st_ino, "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _current_entry(paths: DataPaths, entries: Iterable[dict[str, Any]]) -> dict[str, Any] | None:
    """The newest entry (`entries` newest first) of the file published now: the one that
    recorded this file's identity, else (an entry from before identities were recorded, a file
    restored by hand) the one with its sha256. The identity spares reading the published file
    at every publish (at 100 pemda, gigabytes)."""
    db = paths.published_db
    if not db.exists():
        return None
    now = _identity(db)
    candidates = []
    for e in entries:
        if e.get("identitas") == now:
            return e
        if e.get("size_bytes") == now["size"]:
            candidates.append(e)
    if not candidates:
        return None
    digest = sha256_file(db)
    return next((e for e in candidates if e.get("sha256") == digest), None)


def _log_newest_first(paths: DataPaths) -> Iterator[dict[str, Any]]:
    """The log's entries newest first, each read only when asked for (file names begin with the
    publish time, `_stamp`): a publish needs the current entry, not the whole history."""
    if not paths.publish_log.exists():
        return
    for p in sorted(paths.publish_log.glob("*.json"), reverse=True):
        try:
            yield json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # a torn entry cannot exist (atomic write); skip foreign files


def current_version(paths: DataPaths) -> dict[str, Any] | None:
    """The newest log entry whose sha256 matches the file published now (None if nothing is
    published, or the file is not one the log knows)."""
    return _current_entry(paths, _read_log(paths))


def list_versions(paths: DataPaths) -> list[dict[str, Any]]:
    """Every logged publish/rollback, newest first, with `is_current` and `archive_exists`."""
    entries = _read_log(paths)
    current = _current_entry(paths, entries)
    out = []
    for e in entries:
        is_current = current is not None and e.get("version") == current.get("version")
        out.append(
            {
                **e,
                "is_current": is_current,
                "archive_exists": archive_file(paths, e["version"]).exists(),
            }
        )
    return out


# --------------------------------------------------------------------------------------------
# Publish / rollback
# --------------------------------------------------------------------------------------------


def _archive_current(paths: DataPaths, entries: Iterable[dict[str, Any]]) -> dict[str, Any] | None:
    """Hard-link (fallback copy) the published file into the archive, named after the version it
    holds. Returns what was archived, or None when nothing is published yet."""
    db = paths.published_db
    if not db.exists():
        return None
    current = _current_entry(paths, entries)
    if current is not None:
        version = current["version"]
    else:  # a file the log does not know (placed by hand, or its log entry was lost)
        version = f"{_stamp(_utc_now())}__tidak-tercatat-{sha256_file(db)[:8]}"
    dst = archive_file(paths, version)
    method = "exists"
    if not dst.exists():
        method = _link_or_copy(db, dst)
        fsync_dir(dst.parent)
    return {"version": version, "file": str(dst.relative_to(paths.published)), "method": method}


def _prune_archive(paths: DataPaths, keep: int) -> list[str]:
    files = sorted(paths.publish_archive.glob(f"{ARCHIVE_PREFIX}*.duckdb"), reverse=True)
    removed = []
    for old in files[max(keep, 0) :]:
        old.unlink(missing_ok=True)
        removed.append(old.name)
    if removed:
        fsync_dir(paths.publish_archive)
    return removed


def _check_published_has_no_wal(paths: DataPaths) -> None:
    if wal_path(paths.published_db).exists():
        raise PublishError(
            f"Ada file WAL di samping mart terbit ({wal_path(paths.published_db).name}): "
            "seseorang membukanya untuk menulis. Periksa dan hapus WAL itu sebelum menerbitkan "
            "atau rollback."
        )


def publish(
    build_db: Path,
    paths: DataPaths,
    *,
    run_id: str,
    inputs: list[dict[str, Any]],
    checks: Sequence[CheckResult | dict[str, Any]],
    keep: int = 10,
) -> dict[str, Any]:
    """Make a gated build the published mart in one atomic rename. Call only if the gate passed.

    Steps: archive the current published file (hard link), prune the archive to `keep` files,
    write the publish-log entry (one JSON file, atomically), then `os.replace(build_db,
    published_db)` and fsync the directory. The log entry is written before the swap, so a process
    killed at any step leaves a published file the log knows: the old one (the new entry is then
    never current) or the new one. The build file is moved, not copied: afterwards `build_db` is
    gone. Returns the log entry."""
    build_db = Path(build_db)
    _ensure_dirs(paths)
    if not build_db.exists():
        raise PublishError(f"File build {build_db} tidak ada; tidak ada yang bisa diterbitkan.")
    if wal_path(build_db).exists():
        raise PublishError(
            f"File build {build_db.name} masih punya WAL; jalankan finalize_build (CHECKPOINT) "
            "dan gerbang mutu dulu."
        )
    if build_db.stat().st_dev != paths.published.stat().st_dev:
        raise PublishError(
            f"File build {build_db} tidak berada di sistem berkas yang sama dengan "
            f"{paths.published}; penggantian atomik tidak mungkin. Letakkan build di "
            f"{paths.build}."
        )

    with _publish_lock(paths):
        _check_published_has_no_wal(paths)
        digest = sha256_file(build_db)
        identity = _identity(build_db)  # kept by the rename below
        now = _utc_now()
        version = f"{_stamp(now)}__{_safe(run_id)}"
        archived = _archive_current(paths, _log_newest_first(paths))
        pruned = _prune_archive(paths, keep)
        entry = {
            "version": version,
            "action": "publish",
            "run_id": run_id,
            "published_at": now.isoformat(),
            "file": paths.published_db.name,
            "sha256": digest,
            "size_bytes": identity["size"],
            "identitas": identity,
            "inputs": list(inputs),
            "checks": _checks_summary(checks),
            "previous_version": archived["version"] if archived else None,
            "previous_archived_as": archived["file"] if archived else None,
            "archive_file": str(archive_file(paths, version).relative_to(paths.published)),
            "pruned": pruned,
        }
        _write_json_atomic(paths.publish_log / f"{version}.json", entry)
        failpoint("publish_sebelum_ganti", paths.root)
        os.replace(build_db, paths.published_db)
        fsync_dir(paths.published)
        if build_db.parent != paths.published:
            fsync_dir(build_db.parent)
        failpoint("publish_sesudah_ganti", paths.root)
    return entry


def _rollback_target(
    paths: DataPaths, entries: list[dict[str, Any]], current: dict[str, Any] | None
) -> dict[str, Any]:
    if current is None:
        raise PublishError(
            "Versi mart yang sedang terbit tidak tercatat di log; sebutkan versi tujuan rollback "
            "secara eksplisit (lihat daftar versi)."
        )
    # The publish whose bytes are current (for a rollback entry: the version it restored).
    origin_id = current.get("restored_version") or current["version"]
    origin = next((e for e in entries if e["version"] == origin_id), current)
    for e in entries:  # newest first
        if (
            e.get("action") == "publish"
            and e.get("published_at", "") < origin.get("published_at", "")
            and e.get("sha256") != current.get("sha256")
            and archive_file(paths, e["version"]).exists()
        ):
            return e
    raise PublishError(
        "Tidak ada versi lebih lama di arsip untuk rollback; mart yang sekarang tetap terbit."
    )


def rollback(paths: DataPaths, version: str | None = None) -> dict[str, Any]:
    """Restore an archived version as the published mart, atomically.

    `version=None` goes one step back in publish history (from the version whose bytes are
    current). The archived file is verified against its logged sha256, copied to a temporary file
    in `published/`, fsynced, and renamed over the published file; the current file is archived
    first. The rollback is logged as its own entry. Returns that entry."""
    _ensure_dirs(paths)
    with _publish_lock(paths):
        _check_published_has_no_wal(paths)
        entries = _read_log(paths)
        current = _current_entry(paths, entries)
        if version is None:
            target = _rollback_target(paths, entries, current)
        else:
            target = next((e for e in entries if e["version"] == version), None)
            if target is None:
                raise PublishError(f"Versi {version!r} tidak ada di log penerbitan.")
        src = archive_file(paths, target["version"])
        if not src.exists():
            if current is not None and current.get("sha256") == target.get("sha256"):
                raise PublishError(f"Versi {target['version']} sudah menjadi mart yang terbit.")
            raise PublishError(
                f"File arsip versi {target['version']} sudah tidak ada (terpangkas); pilih "
                "versi lain."
            )

        with atomic_write(paths.published_db) as tmp:  # a copy of the archive, verified first
            shutil.copyfile(src, tmp)
            digest = sha256_file(tmp)
            if digest != target.get("sha256"):
                raise PublishError(
                    f"File arsip versi {target['version']} tidak cocok dengan sha256 di log "
                    "(rusak atau diubah); rollback dibatalkan."
                )
            archived = _archive_current(paths, entries)
            now = _utc_now()
            new_version = f"{_stamp(now)}__rollback"
            restored_origin = target.get("restored_version") or target["version"]
            entry = {
                "version": new_version,
                "action": "rollback",
                "run_id": target.get("run_id"),
                "published_at": now.isoformat(),
                "file": paths.published_db.name,
                "sha256": digest,
                "size_bytes": tmp.stat().st_size,
                "identitas": _identity(tmp),  # kept by atomic_write's rename
                "restored_version": restored_origin,
                "restored_from": str(src.relative_to(paths.published)),
                "inputs": target.get("inputs", []),
                "checks": target.get("checks", {}),
                "previous_version": archived["version"] if archived else None,
                "previous_archived_as": archived["file"] if archived else None,
                "archive_file": str(archive_file(paths, new_version).relative_to(paths.published)),
            }
            _write_json_atomic(paths.publish_log / f"{new_version}.json", entry)  # before the swap
        fsync_dir(paths.published)
    return entry


def open_published(paths: DataPaths) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published mart (the only way readers should open it)."""
    db = paths.published_db
    if not db.exists():
        raise FileNotFoundError(
            f"Belum ada mart yang diterbitkan ({db}). Jalankan pipeline (`apbd run`) sampai "
            "gerbang mutu lulus, lalu coba lagi."
        )
    return duckdb.connect(str(db), read_only=True)


def discard_build(build_db: Path, keep: int = KEEP_FAILED) -> Path | None:
    """Move a build that failed the gate to `<build dir>/failed/` for inspection (its WAL too),
    keeping the newest `keep`. The published mart is not touched. Returns the new path."""
    build_db = Path(build_db)
    if not build_db.exists():
        return None
    failed = build_db.parent / FAILED_DIR
    failed.mkdir(parents=True, exist_ok=True)
    dst = failed / f"{_stamp(_utc_now())}__{build_db.name}"
    os.replace(build_db, dst)
    if wal_path(build_db).exists():
        os.replace(wal_path(build_db), wal_path(dst))
    builds = sorted(p for p in failed.glob("*.duckdb"))
    for old in builds[: max(len(builds) - keep, 0)]:
        old.unlink(missing_ok=True)
        wal_path(old).unlink(missing_ok=True)
    return dst
