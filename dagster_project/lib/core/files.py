"""Files written whole or not at all, and their sha256: the one implementation every stage uses.

A writer fills a temporary name beside the target (same folder, so the same filesystem), flushes
it to disk, then `os.replace`s it onto the target: a reader sees the old file or the new one,
never half of one, and a killed process leaves only a `.<name>.tmp-<pid>` file that
`ingest.loader.clean_partial_writes` removes.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

_CHUNK = 1 << 20
# libyaml's loader (in PyYAML's wheels): the 52 contracts parse in 0.07 s instead of 0.68 s, in
# every process that loads them (each `apbd` command, Dagster run and dbt Python model).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> Any:
    """A YAML file's content, loaded safely (plain data, no Python objects)."""
    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_YAML_LOADER)


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with Path(path).open("rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def temp_path(path: Path) -> Path:
    """The temporary name beside `path` that `atomic_write` fills."""
    path = Path(path)
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    """Make a rename inside `path` durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_write(path: Path, *, durable: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside `path` for the caller to write; when the block ends, flush
    it to disk (`durable`) and rename it onto `path` (callers that must survive a power cut
    right after the rename also `fsync_dir` the folder). On an error the target is untouched and the
    temporary file is removed.

        with atomic_write(target) as tmp:
            frame.write_parquet(tmp)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(path)
    try:
        yield tmp
        if durable:
            fsync_file(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes_atomic(path: Path, data: bytes) -> Path:
    with atomic_write(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text_atomic(path: Path, text: str) -> Path:
    with atomic_write(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_json_atomic(path: Path, data: dict[str, Any]) -> Path:
    return write_text_atomic(path, json.dumps(data, ensure_ascii=False, indent=2, default=str))
