"""Personal data at rest: owner-only files, a retention period, purge on request (UU 27/2022 PDP).

A source contract with a `personalData` column (today: Dinas Sosial's beneficiary lists) marks
every file that holds its rows as personal data:

- **Owner-only.** The file as sent (`data/landing/...`), its copy in the content-addressed landing
  archive, its raw Parquet (pseudonyms and age bands are still personal data) and its quarantine
  rows and feedback workbook are mode 0600, their folders 0700 (`make_private`).
- **Retention.** The contract's ODCS `slaProperties` `retention` (e.g. 90 days) says how long the
  file as sent is kept after it was first loaded. `purge` then removes it from landing and the
  archive, with its quarantine rows and feedback workbook; the raw Parquet (pseudonymised, what
  the marts are built from) stays. What was removed — sha256, path, row counts, when, why — is
  appended to `data/archive/penghapusan/` and the ingest log is never rewritten, so lineage
  (`sumber_sha256` in the marts) still resolves to a sha256 and its row counts.
- **On request.** `apbd hapus-data-pribadi --sebelum DATE` or `--berkas SHA` runs the same purge
  for what was loaded before a date or for one file version. Idempotent: a second run finds
  nothing left to remove and says so.
"""

from __future__ import annotations

import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl

from dagster_project.lib.contracts.model import Contract, source_contracts
from dagster_project.lib.core.files import atomic_write
from dagster_project.lib.core.paths import DataPaths

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
ALASAN_RETENSI = "retensi"
ALASAN_PERMINTAAN = "permintaan"
PURGE_SCHEMA = {
    "sha256": pl.String,
    "berkas": pl.String,
    "sistem": pl.String,
    "tabel": pl.String,
    "dimuat_pertama": pl.Datetime("us"),
    "baris_dibaca": pl.Int64,
    "baris_dimuat": pl.Int64,
    "baris_karantina": pl.Int64,
    "dihapus_pada": pl.Datetime("us"),
    "alasan": pl.String,
    "jumlah_berkas_dihapus": pl.Int64,
}


def purge_log_dir(paths: DataPaths) -> Path:
    return paths.root / "archive" / "penghapusan"


def make_private(path: Path, root: Path) -> None:
    """`path` owner-only (0600 file / 0700 folder) and every folder from `root` down to it 0700.

    A file the pipeline does not own (a sender's upload on a shared drive) is left as it is."""
    try:
        path.chmod(PRIVATE_DIR if path.is_dir() else PRIVATE_FILE)
        folder = path.parent
        while folder.is_relative_to(root):
            folder.chmod(PRIVATE_DIR)
            if folder == root:
                break
            folder = folder.parent
    except PermissionError:
        pass


def is_private(path: Path) -> bool:
    """No permission bit for group or others."""
    return stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


def personal_contracts() -> list[Contract]:
    return [c for c in source_contracts().values() if c.has_personal_data]


def personal_roots(contract: Contract, paths: DataPaths) -> list[Path]:
    """The folders that hold this source's personal data: landing (today's folder first, then
    each pemda's `landing/<kode_pemda>/…`), raw and quarantine."""
    from dagster_project.lib.contracts.pemda import pemda_folders

    base = Path(contract.system) / contract.table
    landing = contract.landing_path.split("{", 1)[0].rstrip("/")
    pemda = [paths.landing / f / landing for f in pemda_folders(paths)]
    return [paths.landing / landing, paths.raw / base, paths.quarantine / base, *pemda]


def protect_at_rest(contract: Contract, paths: DataPaths, log: pl.DataFrame) -> None:
    """Owner-only permissions on every file of a personal-data source (after each ingest), also
    on what an older version of the pipeline left readable (archive copies included)."""
    if not contract.has_personal_data:
        return
    for root in personal_roots(contract, paths):
        if root.exists():
            make_private(root, root.parent)
            for p in root.rglob("*"):
                make_private(p, root)
    versions = _versions([contract], log)
    for sha in versions["sha256"].to_list() if versions.height else []:
        for copy in (paths.landing_archive / sha[:2]).glob(f"{sha}.*"):
            make_private(copy, paths.landing_archive.parent)


# ---------------------------------------------------------------------------------------------
# Retention and purge


@dataclass
class PurgeReport:
    """What one purge removed: one row per file version, and the paths that went."""

    removed: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=PURGE_SCHEMA))
    files: list[Path] = field(default_factory=list)
    unknown_sha: str | None = None

    def summary(self) -> str:
        if self.unknown_sha:
            return (
                f"Tidak ada berkas data pribadi dengan sha256 {self.unknown_sha} di log ingest; "
                "tidak ada yang dihapus. Periksa sha256 di `apbd status` atau log ingest."
            )
        if not self.removed.height:
            return "Tidak ada berkas data pribadi yang perlu dihapus (sudah bersih)."
        baris = int(self.removed["baris_dibaca"].sum())
        return (
            f"{self.removed.height} versi berkas data pribadi dihapus ({len(self.files)} berkas: "
            f"kiriman asli, arsip, karantina, umpan balik; {baris} baris terkirim). sha256 dan "
            "jumlah baris tetap tercatat di log ingest dan data/archive/penghapusan/."
        )


def _versions(contracts: Iterable[Contract], log: pl.DataFrame) -> pl.DataFrame:
    """One row per file version of the personal-data sources in the ingest log."""
    keys = [(c.system, c.table) for c in contracts]
    if not keys or not log.height:
        return pl.DataFrame()
    log = log.filter(
        pl.any_horizontal((pl.col("sistem") == s) & (pl.col("tabel") == t) for s, t in keys)
    )
    return (
        log.sort("dimuat_pada")
        .group_by("sha256", maintain_order=True)
        .agg(
            pl.col("sistem", "tabel").last(),
            pl.col("berkas").unique().alias("semua_berkas"),
            pl.col("berkas").last(),
            pl.col("dimuat_pada").first().alias("dimuat_pertama"),
            pl.col("baris_dibaca", "baris_dimuat", "baris_karantina").last(),
            pl.col("karantina_path").drop_nulls().unique().alias("karantina"),
            pl.col("umpan_balik_path").drop_nulls().unique().alias("umpan_balik"),
        )
    )


def _files_of(version: dict, paths: DataPaths, contract: Contract) -> list[Path]:
    """Every file on disk that holds this version's personal data (as sent, or its rejects)."""
    from dagster_project.lib.core.files import sha256_file

    sha = version["sha256"]
    found = list((paths.landing_archive / sha[:2]).glob(f"{sha}.*"))
    for stem in version["karantina"]:
        found += [paths.root / f"{stem}.rows.parquet", paths.root / f"{stem}.errors.parquet"]
    found += [paths.root / p for p in version["umpan_balik"]]
    named = {paths.landing / b for b in version["semua_berkas"]}
    # The same content under another name (a renamed copy is skipped, never logged) goes too.
    roots = personal_roots(contract, paths)
    landings = [roots[0], *roots[3:]]
    sent = [p for root in landings if root.exists() for p in root.rglob("*") if p.is_file()]
    found += [p for p in sent if p in named or sha256_file(p) == sha]
    return [p for p in dict.fromkeys(found) if p.is_file()]


def purge(
    paths: DataPaths,
    log: pl.DataFrame,
    *,
    now: datetime | None = None,
    sebelum: date | None = None,
    sha256: str | None = None,
    contracts: Iterable[Contract] | None = None,
) -> PurgeReport:
    """Remove personal-data files past their retention (default), loaded before `sebelum`, or of
    one file version (`sha256`, a prefix of at least 8 characters). Returns what went. `log`:
    the ingest log (`ingest.loader.read_ingest_log`), which says what was loaded when."""
    now = (now or datetime.now(UTC)).replace(tzinfo=None)
    by_key = {(c.system, c.table): c for c in (contracts or personal_contracts())}
    versions = _versions(by_key.values(), log)
    report = PurgeReport()
    if sha256 is not None:
        sha256 = sha256.strip().lower()
        chosen = (
            versions.filter(pl.col("sha256").str.starts_with(sha256)) if len(sha256) >= 8 else None
        )
        if chosen is None or not chosen.height:
            report.unknown_sha = sha256
            return report
        versions, alasan = chosen, ALASAN_PERMINTAAN
    elif sebelum is not None:
        cutoff = datetime.combine(sebelum, datetime.min.time())
        versions = (
            versions.filter(pl.col("dimuat_pertama") < cutoff) if versions.height else versions
        )
        alasan = ALASAN_PERMINTAAN
    else:
        alasan = ALASAN_RETENSI
    rows = []
    for v in versions.iter_rows(named=True) if versions.height else []:
        contract = by_key[(v["sistem"], v["tabel"])]
        if alasan == ALASAN_RETENSI and (
            contract.retention_days is None
            or v["dimuat_pertama"] + timedelta(days=contract.retention_days) > now
        ):
            continue
        files = _files_of(v, paths, contract)
        if not files:
            continue  # already purged: nothing to do, nothing to record again
        for f in files:
            f.unlink(missing_ok=True)
        report.files += files
        rows.append(
            {
                **{k: v[k] for k in ("sha256", "berkas", "sistem", "tabel", "dimuat_pertama")},
                **{k: v[k] for k in ("baris_dibaca", "baris_dimuat", "baris_karantina")},
                "dihapus_pada": now,
                "alasan": alasan,
                "jumlah_berkas_dihapus": len(files),
            }
        )
    if rows:
        report.removed = pl.DataFrame(rows, schema=PURGE_SCHEMA)
        _record(paths, report.removed, now)
    return report


def _record(paths: DataPaths, removed: pl.DataFrame, now: datetime) -> None:
    """Append what was removed to the purge index (one small Parquet per purge, atomic)."""
    with atomic_write(purge_log_dir(paths) / f"{now:%Y%m%dT%H%M%S%f}.parquet") as tmp:
        removed.write_parquet(tmp)


def read_purge_log(paths: DataPaths) -> pl.DataFrame:
    files = sorted(purge_log_dir(paths).glob("2*.parquet"))
    if not files:
        return pl.DataFrame(schema=PURGE_SCHEMA)
    return pl.concat([pl.read_parquet(f) for f in files]).sort("dihapus_pada")
