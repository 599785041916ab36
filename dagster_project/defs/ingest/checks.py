"""Checks on raw data, per source contract.

- `matches_contract` (blocking): dbt never reads a source that breaks its contract.
- `submitted_on_time` (warning): which senders are past the reporting calendar's due date with
  nothing loaded. The same rule builds `marts.mart_kepatuhan_pelaporan` (lib/contracts/jadwal.py).
"""

import dagster as dg

from dagster_project.defs.resources import WarehouseResource
from dagster_project.lib.contracts import jadwal
from dagster_project.lib.contracts.model import Contract, source_contracts
from dagster_project.lib.ingest.loader import read_ingest_log
from dagster_project.lib.ingest.raw_audit import audit_raw

_LISTED = 50  # overdue submissions spelled out in the check's metadata


def build_contract_check(contract: Contract) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey([contract.system, contract.table]),
        name="matches_contract",
        description=f"Raw Parquet sesuai kontrak {contract.id} (tipe, wajib isi, kunci unik).",
        blocking=True,
    )
    def _check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        result = audit_raw(contract, warehouse.paths)
        return dg.AssetCheckResult(
            passed=result.passed,
            description=result.message,
            metadata=result.metadata,
        )

    _check.__name__ = f"{contract.system}_{contract.table}_matches_contract"
    return _check


def build_freshness_check(contract: Contract) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey([contract.system, contract.table]),
        name="submitted_on_time",
        description=(
            "Kiriman yang sudah lewat jatuh tempo jadwal pelaporan (ref_jadwal_pelaporan) tetapi "
            "belum diterima, per pengirim dan periode. Peringatan, tidak menghentikan terbit."
        ),
        blocking=False,
    )
    def _check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        acuan = warehouse.reference_date
        table = jadwal.kepatuhan(read_ingest_log(warehouse.paths), acuan, [contract.key])
        late = jadwal.overdue(table, contract.key)
        received_late = table.filter(table["status"] == jadwal.TERLAMBAT)
        lines = [
            f"| {r['nama_pengirim']} | {r['pengirim']} | {r['laporan']} | {r['tahun']} "
            f"| {r['periode']} | {r['tanggal_jatuh_tempo']} | {r['hari_terlambat']} |"
            for r in late.head(_LISTED).iter_rows(named=True)
        ]
        senders = sorted(set(late["pengirim"]))
        if late.is_empty():
            description = (
                f"Semua kiriman {contract.key} yang jatuh tempo s.d. {acuan} sudah diterima."
            )
        else:
            worst = late.row(0, named=True)
            description = (
                f"{late.height} kiriman {contract.key} lewat jatuh tempo dan belum diterima "
                f"(per {acuan}), dari {len(senders)} pengirim; terlama: {worst['nama_pengirim']} "
                f"{worst['laporan']} {worst['tahun']} {worst['periode']}, "
                f"{worst['hari_terlambat']} hari."
            )
        return dg.AssetCheckResult(
            passed=late.is_empty(),
            severity=dg.AssetCheckSeverity.WARN,
            description=description,
            metadata={
                "tanggal_acuan": str(acuan),
                "jumlah_belum_dikirim": late.height,
                "jumlah_diterima_terlambat": received_late.height,
                "jumlah_diharapkan": table.height,
                "pengirim_belum_dikirim": dg.MetadataValue.json(senders),
                "rincian": dg.MetadataValue.md(
                    "| pengirim | kode | laporan | tahun | periode | jatuh tempo | hari |\n"
                    "|---|---|---|---|---|---|---|\n" + "\n".join(lines)
                    if lines
                    else "-"
                ),
            },
        )

    _check.__name__ = f"{contract.system}_{contract.table}_submitted_on_time"
    return _check


contract_checks = [build_contract_check(c) for c in source_contracts().values()]
freshness_checks = [
    build_freshness_check(c)
    for c in source_contracts().values()
    if c.key in jadwal.sources_with_calendar(source_contracts())
]
# The checks on the raw sources: each ingest run runs its own (runtime.ingest_runs), and
# `apbd run`'s rebuild right after leaves them out (runtime.rebuild_without_raw_checks).
raw_checks = [*contract_checks, *freshness_checks]
