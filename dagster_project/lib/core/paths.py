"""Where the project and its runtime data live. One place; everything else asks here."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[3]
CONTRACTS_DIR = PROJECT_ROOT / "data_contracts"
DBT_DIR = PROJECT_ROOT / "dbt"
SEEDS_DIR = DBT_DIR / "seeds"
BUILD_FILE = "apbd_build.duckdb"  # dbt's build file; its stem is the catalog name dbt writes into


@dataclass(frozen=True)
class DataPaths:
    """The runtime folders under one data root (git-ignored `data/` by default)."""

    root: Path

    @classmethod
    def from_env(cls) -> DataPaths:
        return cls(Path(os.environ.get("APBD_DATA_DIR", PROJECT_ROOT / "data")).resolve())

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def konfigurasi(self) -> Path:
        """The deployment's small settings file (`pemda_bawaan`: the pemda of landing/<sistem>/…),
        written by `apbd demo`; absent means the defaults."""
        return self.root / "konfigurasi.json"

    @property
    def raw(self) -> Path:
        return self.root / "raw"

    @property
    def ingest_log(self) -> Path:
        return self.root / "raw" / "_meta" / "ingest_log"

    @property
    def landing_archive(self) -> Path:
        """Every landed file ever loaded, by sha256: nothing is overwritten in place."""
        return self.root / "archive" / "landing"

    @property
    def quarantine(self) -> Path:
        return self.root / "quarantine"

    @property
    def build(self) -> Path:
        return self.root / "build"

    @property
    def build_db(self) -> Path:
        """The file dbt builds into (only dbt writes it); publish moves it to `published_db`."""
        return self.build / BUILD_FILE

    @property
    def scenarios(self) -> Path:
        """The saved allocation scenarios (lib/planning/store.py), read by dbt as a source."""
        return self.root / "scenarios"

    @property
    def published(self) -> Path:
        return self.root / "published"

    @property
    def published_db(self) -> Path:
        return self.published / "apbd_mart.duckdb"

    @property
    def publish_archive(self) -> Path:
        return self.published / "archive"

    @property
    def publish_log(self) -> Path:
        return self.published / "publish_log"

    @property
    def exports(self) -> Path:
        return self.root / "exports"

    @property
    def tmp(self) -> Path:
        """Scratch space, never under `published/`: DuckDB spill files of dbt builds and of
        `apbd kueri` (`query-<pid>/`, removed after each query)."""
        return self.root / "tmp"

    @property
    def logs(self) -> Path:
        """Full logs of `apbd run` (dbt, Dagster, library warnings); the terminal gets a summary."""
        return self.root / "logs"

    def ensure(self) -> None:
        for p in (
            self.landing,
            self.raw,
            self.ingest_log,
            self.quarantine,
            self.build,
            self.published,
            self.publish_archive,
            self.publish_log,
        ):
            p.mkdir(parents=True, exist_ok=True)


_PEMDA_PREFIX = "pemda="


def pemda_folder(kode_pemda: str) -> str:
    """The pemda level of raw, quarantine and ingest-log paths (hive style): `pemda=64.72`."""
    return f"{_PEMDA_PREFIX}{kode_pemda}"


def pemda_of_folder(name: str) -> str:
    """The code in a `pemda_folder` name: `pemda=64.72` -> `64.72`."""
    return name.removeprefix(_PEMDA_PREFIX)


def year_folder(tahun: int | None) -> str:
    """The year level of raw and quarantine paths: `tahun=2025`, or `semua_tahun` for a source whose
    files are not sent per year (several years in one file: no `{tahun}` in its landing path)."""
    return "semua_tahun" if tahun is None else f"tahun={tahun}"
