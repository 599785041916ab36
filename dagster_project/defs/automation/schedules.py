"""The daily refresh: rebuild the warehouse from all raw, gate and republish, every night.

New files do not wait for it (the landing sensor loads each one as it arrives); the refresh
re-judges everything against today's date (days late in `mart_kepatuhan_pelaporan`, the
`submitted_on_time` checks) and republishes. It covers every unpartitioned asset (dbt, publish)
and every check on the raw sources; one schedule cannot also re-ingest every partition, because
Dagster builds one job per partitions definition, and re-ingesting unchanged files changes
nothing anyway (`make run` and the landing sensor's all-partition runs do that).
"""

import dagster as dg

from dagster_project.defs.automation.sensors import DOWNSTREAM, INGEST_CHECKS

rebuild_job = dg.define_asset_job(
    name="rebuild",
    selection=DOWNSTREAM | INGEST_CHECKS,
    description=(
        "dbt membangun ulang gudang dari semua data raw, gerbang mutu, terbit; semua cek sumber "
        "dinilai ulang. / Rebuild from all raw, gate, publish; re-run every source check."
    ),
)

daily_refresh = dg.ScheduleDefinition(
    name="daily_refresh",
    target=rebuild_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Makassar",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description=(
        "Setiap hari 02:00 WITA: dbt membangun ulang gudang dari semua data raw, gerbang mutu, "
        "terbit; cek kiriman tepat waktu dinilai ulang per hari ini."
    ),
)
