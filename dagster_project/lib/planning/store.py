"""The scenario store: saved allocation scenarios, outside the (read-only) published mart.

Layout under the data root (git-ignored):

    data/scenarios/<id_skenario>.parquet   the rows of one scenario, exactly the columns and types
                                           of the mart_skenario_alokasi contract; immutable: the
                                           id is a hash of every input, so the same id is the
                                           same content and a second save changes nothing
    data/scenarios/_indeks.json            one entry per scenario: parameters, checks, conflicts,
                                           when it was first saved (the only time-dependent bit)

How scenarios become queryable: dbt reads the folder as the source `skenario.alokasi`
(generated from the mart contract, see `dbt_codegen.scenario_source_yaml`) through
`stg_skenario__alokasi` into `marts.mart_skenario_alokasi`; the next `apbd run` gates and
publishes it with everything else. An empty store gives an empty, typed table.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from dagster_project.lib.core.files import write_bytes_atomic
from dagster_project.lib.core.paths import DataPaths
from dagster_project.lib.planning.scenario import INDEKS, HasilSkenario, SkenarioError, mart_schema


def directory(paths: DataPaths) -> Path:
    """Where saved scenarios live (created on first save)."""
    return paths.scenarios


def parquet_bytes(hasil: HasilSkenario) -> bytes:
    """The Parquet file of a scenario: same scenario, same bytes."""
    buf = io.BytesIO()
    hasil.baris.select(list(mart_schema())).write_parquet(buf, compression="zstd", statistics=True)
    return buf.getvalue()


@contextlib.contextmanager
def _kunci(folder: Path) -> Iterator[None]:
    with (folder / ".indeks.lock").open("a") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def _entri(hasil: HasilSkenario) -> dict[str, Any]:
    return {
        "id_skenario": hasil.id_skenario,
        **hasil.parameter,
        "jumlah_program": hasil.baris.height,
        "cek": [
            {
                "aturan": c.kode,
                "porsi_persen": None if c.porsi_persen is None else str(c.porsi_persen),
                "ambang_persen": str(c.ambang_persen),
                "arah": c.arah,
                "memenuhi": c.memenuhi,
                "ditegakkan": c.ditegakkan,
                "status": c.status,
            }
            for c in hasil.cek
        ],
        "konflik": hasil.konflik,
        "catatan": hasil.catatan,
    }


def save(hasil: HasilSkenario, paths: DataPaths) -> Path:
    """Save a scenario (Parquet + index entry); returns the Parquet path. Idempotent."""
    folder = directory(paths)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{hasil.id_skenario}.parquet"
    data = parquet_bytes(hasil)
    with _kunci(folder):
        if not target.exists() or target.read_bytes() != data:
            write_bytes_atomic(target, data)
        indeks = read_index(paths)
        lama = next((e for e in indeks if e["id_skenario"] == hasil.id_skenario), None)
        entri = _entri(hasil)
        entri["disimpan_pada"] = (lama or {}).get("disimpan_pada") or datetime.now(UTC).isoformat(
            timespec="seconds"
        )
        indeks = sorted(
            [e for e in indeks if e["id_skenario"] != hasil.id_skenario] + [entri],
            key=lambda e: e["id_skenario"],
        )
        text = json.dumps(indeks, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        write_bytes_atomic(folder / INDEKS, text.encode("utf-8"))
    return target


def read_index(paths: DataPaths) -> list[dict[str, Any]]:
    """Every saved scenario's index entry, by id."""
    path = directory(paths) / INDEKS
    if not path.exists():
        return []
    return json.loads(path.read_text(encoding="utf-8"))


def read(paths: DataPaths, id_skenario: str) -> pl.DataFrame:
    """The rows of one saved scenario."""
    path = directory(paths) / f"{id_skenario}.parquet"
    if not path.exists():
        raise SkenarioError(f"Skenario {id_skenario} tidak ada di {directory(paths)}.")
    return pl.read_parquet(path)
