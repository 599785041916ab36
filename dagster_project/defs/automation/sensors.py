"""The landing sensor: every new or changed landing file starts a run for its partition.

One run per file: that source's ingest asset for exactly the partition the file fills, then dbt
(always the whole project: it rebuilds the warehouse from all raw), the gate's blocking checks
and the publish. Run key = the file's sha256, so the same bytes never start a second run. A file
still being written waits for a later tick (`lib/ingest/landing_watch.py`). A file that fits no
partition (wrong folder, OPD not in the master, no period in its name) starts one run over every
partition of its source, so ingest rejects it with a reason the sender can act on.
"""

import json
import time

import dagster as dg

from dagster_project.defs.ingest import assets as ingest
from dagster_project.defs.resources import WarehouseResource
from dagster_project.defs.transform import assets as transform
from dagster_project.lib.contracts.model import Contract, source_contracts
from dagster_project.lib.ingest.landing_watch import SETTLE_SECONDS, Arrival, scan
from dagster_project.lib.ingest.partitions import (
    TAHUN,
    TIME_DIMENSIONS,
    Partitioning,
    partition_of,
    partitioning,
    whole_pemda_year,
)

# (the module, not its list: the defs loader would see a second copy of every asset)
INGEST = dg.AssetSelection.assets(*ingest.ingest_assets)
# What a partition's run rebuilds after its ingest asset: every other asset (dbt, publish, …).
DOWNSTREAM = dg.AssetSelection.all() - INGEST
# dbt runs every test, including those on the sources of other partitions' assets.
INGEST_CHECKS = dg.AssetSelection.checks_for_assets(*ingest.ingest_assets)


def job_name(scheme: Partitioning | None) -> str:
    return "ingest_" + ("_".join(scheme.dimensions) if scheme else "tanpa_partisi")


def _load_jobs() -> dict:
    """One job per partitions definition: its ingest assets, then everything downstream.

    A job holds one partitions definition, so sources partitioned alike share a job (opd × tahun:
    the SIPD tables; bulan × tahun: SP2D) and the sensor names the one each run needs.
    """
    by_job: dict[str, list[dg.AssetsDefinition]] = {}
    for a in ingest.ingest_assets:
        scheme = partitioning(source_contracts()[".".join(a.key.path)])
        by_job.setdefault(job_name(scheme), []).append(a)
    return {
        name: dg.define_asset_job(
            name=name,
            selection=dg.AssetSelection.assets(*assets) | DOWNSTREAM | INGEST_CHECKS,
            description=(
                "Muat partisi kiriman (dipicu landing_sensor per berkas), lalu dbt, gerbang mutu "
                "dan terbit. / Load the partitions a file fills, then rebuild, gate, publish."
            ),
        )
        for name, assets in sorted(by_job.items())
    }


load_jobs = _load_jobs()


def run_checks(graph, selected: list[dg.AssetKey]) -> list[dg.AssetCheckKey]:
    """The checks of a run: those on its assets, and every dbt test (dbt runs them all)."""
    chosen = set(selected)
    keys = {k for k in graph.asset_check_keys if k.asset_key in chosen}
    return sorted(keys | set(transform.apbd_dbt_models.check_keys), key=str)


def run_request(
    arrival: Arrival,
    contract: Contract,
    key: dict | None,
    rest: list[dg.AssetKey],
    context: dg.SensorEvaluationContext,
) -> dg.RunRequest | None:
    """The run one arrived file needs: its partition (or, unplaced, all partitions) and after."""
    scheme = partitioning(contract)
    tags = {"apbd/berkas": arrival.berkas, "apbd/sha256": arrival.sha256}
    partition = None
    if scheme is not None and key is not None:
        partition = ingest.partition_key(scheme, key)
    elif scheme is not None:
        keys = ingest.partitions_def(scheme).get_partition_keys(
            dynamic_partitions_store=context.instance
        )
        if not keys:
            return None  # no partition exists yet to run over: `make run` will read it
        tags |= {
            "dagster/asset_partition_range_start": keys[0],
            "dagster/asset_partition_range_end": keys[-1],
        }
    selected = [dg.AssetKey([contract.system, contract.table]), *rest]
    return dg.RunRequest(
        job_name=job_name(scheme),
        # The same bytes never run twice; going back to an earlier version of a file must run,
        # so that key also carries when it was sent.
        run_key=f"{arrival.sha256}:{arrival.mtime_ns}" if arrival.loaded_before else arrival.sha256,
        asset_selection=selected,
        asset_check_keys=run_checks(context.repository_def.asset_graph, selected),
        partition_key=partition,
        tags=tags,
    )


@dg.sensor(
    name="landing_sensor",
    description=(
        "Memantau data/landing: setiap berkas baru atau berubah (sha256) memicu satu run untuk "
        "partisinya (OPD × tahun/periode), lalu dbt, gerbang mutu dan terbit."
    ),
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    jobs=list(load_jobs.values()),
)
def landing_sensor(
    context: dg.SensorEvaluationContext, warehouse: WarehouseResource
) -> dg.SensorResult:
    paths = warehouse.paths
    cursor = json.loads(context.cursor) if context.cursor else {}
    found = scan(
        paths, source_contracts().values(), cursor, now=time.time(), settle_seconds=SETTLE_SECONDS
    )
    graph = context.repository_def.asset_graph
    rest = sorted(DOWNSTREAM.resolve(graph), key=lambda k: k.path) if found.arrivals else []
    requests, new_keys = [], {}
    for a in found.arrivals:
        scheme = partitioning(a.contract)
        key = partition_of(a.path, a.contract, paths, scheme) if scheme else None
        whole_year = whole_pemda_year(a.path, a.contract, paths) if scheme else None
        if whole_year is not None:  # SIPD's whole-pemda export: every OPD of its year
            context.log.info(f"{a.berkas}: berkas seluruh pemda, dimuat lewat run semua partisi.")
            if not context.instance.has_dynamic_partition(TAHUN, whole_year):
                new_keys.setdefault(TAHUN, set()).add(whole_year)
        elif scheme is not None and key is None:
            context.log.warning(
                f"{a.berkas}: tidak cocok dengan partisi mana pun (folder, OPD atau periode tidak "
                "dikenal); dimuat lewat run semua partisi agar ditolak dengan alasannya."
            )
        for dim in TIME_DIMENSIONS:  # a first file for a year adds that year's partitions
            if key and dim in key and not context.instance.has_dynamic_partition(dim, key[dim]):
                new_keys.setdefault(dim, set()).add(key[dim])
        if (request := run_request(a, a.contract, key, rest, context)) is not None:
            requests.append(request)
    if found.waiting:
        context.log.info(f"{len(found.waiting)} berkas masih ditulis: {found.waiting[:5]}")
    cursor_json = json.dumps(found.cursor, separators=(",", ":"))
    if requests:
        return dg.SensorResult(
            run_requests=requests,
            cursor=cursor_json,
            dynamic_partitions_requests=[
                dg.AddDynamicPartitionsRequest(dim, sorted(keys)) for dim, keys in new_keys.items()
            ],
        )
    reason = (
        f"{len(found.waiting)} berkas masih ditulis, menunggu tick berikutnya"
        if found.waiting
        else "tidak ada berkas baru atau berubah"
    )
    return dg.SensorResult(skip_reason=reason, cursor=cursor_json)
