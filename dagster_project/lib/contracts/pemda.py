"""Which pemda (Kemendagri region government: `64.72` Kota Samarinda) a landing file belongs to.

A deployment holds one pemda or many. Files of one pemda land in `landing/<kode_pemda>/<sistem>/…`;
today's single-city layout `landing/<sistem>/…` stays valid and means the deployment's default pemda
(`pemda_bawaan` in `data/konfigurasi.json`, written by `apbd demo`; 64.72 when absent). A folder code
must be a real pemda of the region list (seed `ref_pemda`, 552 provinces, kabupaten and kota).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import duckdb
import polars as pl

from dagster_project.lib.contracts.model import pemda_column
from dagster_project.lib.contracts.reference import seed
from dagster_project.lib.core.paths import DataPaths, pemda_folder, pemda_of_folder

DEFAULT_PEMDA = "64.72"  # Kota Samarinda: the first pemda, and the default of every deployment
# The pemda whose own lists the seeds ref_opd, ref_wilayah and ref_pohon_kinerja are; another
# pemda sends its lists as landing files (contracts referensi__opd, __wilayah, __pohon_kinerja).
SEED_PEMDA = "64.72"
# A landing folder that is meant as a pemda code (the kode_pemda contract's pattern: two digits, or
# two dot two): anything else at the top of landing/ is a source system's folder (sipd, bpkad, …)
# of the default pemda.
PEMDA_FOLDER = re.compile(pemda_column().pattern or "")


def pemda_bawaan(paths: DataPaths) -> str:
    """The deployment's default pemda: the one `landing/<sistem>/…` means (read once per
    version of `data/konfigurasi.json`: ingest asks for every file)."""
    try:
        st = paths.konfigurasi.stat()
    except FileNotFoundError:
        return DEFAULT_PEMDA
    return _pemda_bawaan(paths.konfigurasi, st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=8)
def _pemda_bawaan(path: Path, mtime_ns: int, size: int) -> str:
    config = json.loads(path.read_text(encoding="utf-8"))
    return str(config.get("pemda_bawaan") or DEFAULT_PEMDA)


def write_pemda_bawaan(paths: DataPaths, kode_pemda: str) -> None:
    """Record the default pemda in `data/konfigurasi.json`, keeping any other setting."""
    try:
        config = json.loads(paths.konfigurasi.read_text(encoding="utf-8"))
    except FileNotFoundError:
        config = {}
    config["pemda_bawaan"] = kode_pemda
    paths.konfigurasi.parent.mkdir(parents=True, exist_ok=True)
    paths.konfigurasi.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


def pemda_names() -> dict[str, str]:
    """Kode pemda -> name (`ref_pemda`: the real list of provinces, kabupaten and kota)."""
    return dict(_names_of(seed("ref_pemda")))


_names: tuple[pl.DataFrame, dict[str, str]] | None = None


def _names_of(frame: pl.DataFrame) -> dict[str, str]:
    """The names of the seed frame `seed` returns (the same object while the CSV is unchanged),
    built once: ingest asks for every landing file of a pemda folder."""
    global _names
    if _names is None or _names[0] is not frame:
        _names = (frame, dict(frame.select("kode_pemda", "nama_pemda").iter_rows()))
    return _names[1]


def unknown_pemda_message(folder: str) -> str:
    """Why a landing folder named like a pemda code is refused, and what to do (Indonesian)."""
    return (
        f"Folder landing/{folder}/ bukan kode pemda Kemendagri yang dikenal (daftar ref_pemda, "
        f"contoh 64.72 = Kota Samarinda, 64.71 = Kota Balikpapan). Pindahkan berkas ke folder "
        f"landing/<kode pemda>/… yang benar, atau ke landing/<sistem>/… bila berkas milik pemda "
        f"bawaan; berkas di folder ini tidak dimuat."
    )


def pemda_folders(paths: DataPaths) -> list[str]:
    """The folders directly under landing/ that are named like a pemda code, known or not."""
    if not paths.landing.is_dir():
        return []
    return sorted(
        p.name for p in paths.landing.iterdir() if p.is_dir() and PEMDA_FOLDER.match(p.name)
    )


class PemdaError(ValueError):
    """A `--pemda` that cannot be served; `message` is Indonesian, for the operator."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def pemda_present(paths: DataPaths) -> list[str]:
    """The pemda this deployment holds: those whose data is in raw/ (`pemda=<kode>` folders), or
    has landed (a known `landing/<kode>/` folder, or today's `landing/<sistem>/…` for the
    default pemda). Sorted codes."""
    found: set[str] = set()
    if paths.raw.is_dir():
        found |= {pemda_of_folder(p.name) for p in paths.raw.glob(f"*/*/{pemda_folder('*')}")}
        found |= {pemda_of_folder(p.name) for p in paths.ingest_log.glob(pemda_folder("*"))}
    known = pemda_names()
    found |= {f for f in pemda_folders(paths) if f in known}
    if any(_has_files(paths.landing / folder) for folder in _pemda_landing_folders()):
        found.add(pemda_bawaan(paths))  # today's single-city layout
    return sorted(found)


def _pemda_landing_folders() -> list[str]:
    """`sipd/dpa_sub_kegiatan`, …: where a pemda-level source lands, below landing/[<kode>/]."""
    from dagster_project.lib.contracts.model import _all_source_contracts

    return sorted(
        c.landing_path.split("{", 1)[0].rstrip("/")
        for c in _all_source_contracts()
        if c.per_pemda or c.loads_into
    )


def _has_files(folder: Path) -> bool:
    return folder.is_dir() and any(p.is_file() for p in folder.rglob("*"))


def describe(kode_pemda: str) -> str:
    """`64.72 (Kota Samarinda)`."""
    return f"{kode_pemda} ({pemda_names().get(kode_pemda, 'tidak dikenal')})"


def resolve_pemda(paths: DataPaths, requested: str | None) -> str | None:
    """The pemda a command serves: `requested` when it is one the deployment holds, else the only
    one present (None when none is). Several present and none asked: PemdaError listing them."""
    return choose_pemda(pemda_present(paths), requested)


def choose_pemda(
    present: list[str],
    requested: str | None,
    bawaan: str | None = None,
    where: str = "di deployment ini",
) -> str | None:
    """The one rule for which pemda a command or app shows, given the pemda `present`:
    `requested` when present (an unknown code, or one not present: PemdaError); else the only
    one present; else `bawaan` (the deployment's default) when given and present; else, several
    present, PemdaError listing them. None when none is present."""
    listed = ", ".join(describe(k) for k in present) or "belum ada"
    if requested is not None:
        if requested not in pemda_names():
            raise PemdaError(
                f"'{requested}' bukan kode pemda Kemendagri yang dikenal (contoh 64.72 = Kota "
                f"Samarinda). Pemda {where}: {listed}."
            )
        if present and requested not in present:
            raise PemdaError(
                f"Pemda {describe(requested)} tidak ada {where}. Pemda yang ada: {listed}."
            )
        return requested
    if len(present) > 1:
        if bawaan in present:
            return bawaan
        raise PemdaError(
            f"{where[3:].capitalize()} memuat {len(present)} pemda: {listed}. Pilih satu dengan "
            "--pemda <kode>, misalnya --pemda " + present[0] + "."
        )
    return present[0] if present else None


# --------------------------------------------------------------------------------------------
# Readers of the published mart (reports, exports, apps): the pemda it holds and their names
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pemda:
    """One pemda as a reader names it: `Kota Samarinda`, jenis `kota` (or kabupaten)."""

    kode_pemda: str
    nama_pemda: str
    jenis: str

    @property
    def jenis_teks(self) -> str:
        """What a kab/kota-wide scope is called in text: 'kota' or 'kabupaten'."""
        return self.jenis if self.jenis in ("kota", "kabupaten", "provinsi") else "pemda"


def pemda_terbit(con: duckdb.DuckDBPyConnection) -> list[Pemda]:
    """The pemda whose OPDs the published mart holds (`marts.dim_opd`), with their names and
    kind from `marts.dim_pemda`, by code. A mart built before issue 12 (no kode_pemda) holds
    the default pemda only."""
    cols = {
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'marts' and table_name = 'dim_opd'"
        ).fetchall()
    }
    if "kode_pemda" in cols:
        kode = [
            r[0] for r in con.execute("select distinct kode_pemda from marts.dim_opd").fetchall()
        ]
    else:
        kode = [DEFAULT_PEMDA] if cols else []
    return [nama_pemda_terbit(con, k) for k in sorted(kode)]


def nama_pemda_terbit(con: duckdb.DuckDBPyConnection, kode_pemda: str) -> Pemda:
    """Name and kind of `kode_pemda` from the published `marts.dim_pemda` (the region list the
    mart was built with; the seed when the mart has no dim_pemda)."""
    try:
        row = con.execute(
            "select nama_pemda, jenis from marts.dim_pemda where kode_pemda = $k",
            {"k": kode_pemda},
        ).fetchone()
    except duckdb.CatalogException:
        row = None
    if row is None:
        return pemda_seed(kode_pemda)
    return Pemda(kode_pemda, str(row[0]), str(row[1]))


def pemda_seed(kode_pemda: str) -> Pemda:
    """`kode_pemda` as the region list (seed `ref_pemda`) names it."""
    seeded = seed("ref_pemda").filter(pl.col("kode_pemda") == kode_pemda)
    if not seeded.height:
        return Pemda(kode_pemda, kode_pemda, "pemda")
    return Pemda(kode_pemda, str(seeded["nama_pemda"][0]), str(seeded["jenis"][0]))


def pilih_pemda_terbit(
    con: duckdb.DuckDBPyConnection, paths: DataPaths, requested: str | None = None
) -> Pemda:
    """The pemda a reader of the published mart shows (`apbd laporan`, `apbd ekspor`, the apps):
    `--pemda` when the mart holds it, else the only one it holds, else the deployment's default
    (`pemda_bawaan`, also when it holds none yet). PemdaError for a `requested` code that is not a
    pemda or not in the mart, or several pemda and not the default among them."""
    present = [p.kode_pemda for p in pemda_terbit(con)]
    kode = choose_pemda(present, requested, pemda_bawaan(paths), where="di mart terbit")
    # a mart without OPDs yet (nothing to filter): the deployment's default names it
    return nama_pemda_terbit(con, kode or pemda_bawaan(paths))
