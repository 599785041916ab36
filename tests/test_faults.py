"""Faults and isolation on one copy of the session's published demo, one re-run paying for both.

Faults: SIGKILL the real pipeline (`apbd run` in a subprocess, with dbt) during ingest and during
the dbt build, and the real publish step (gate, then `publish()`, in a subprocess) before and
after its swap. After each kill the published mart is byte-identical to the last good version or
is a complete new version that passed the gate; it opens read-only and passes its contract
checks; no partial Parquet is read as complete; the next plain run gets past the point where the
previous one died and publishes; and the next publish after a killed publish goes through.

Isolation between OPDs (from test_isolation.py): before the killed runs, OPD A sends a new
version of its rincian (same rows, new bytes) and BPKAD a December SP2D that pushes one of A's
lines above its pagu; OPD B sends a broken rincian. The run that recovers from the kills
publishes: A's new version and the new SP2D are in the mart, B's figures still come from its
previous version, and `mart_status_sumber` says B's slot is stale and since when. Also here, on
the same runs: no secret (the HMAC key) in the repo, logs or outputs.

A planner's saved scenario (and one an older engine saved) waits in the copy from the start: the
recovering run, which finds no new file to ingest (the killed runs already loaded them), is also
"the next plain run" that must publish it, re-read no unchanged file, and print a short summary
(`apbd run` as a user starts it). The tests run in order on one data folder, each step building
on the state the one before left: two killed runs and one full run in all; the isolation tests read the state the recovering run
left, before the publish kills change it. The publish kills take a build file that a real run
gated (the demo's version, archived when the recovering run replaced it), so they cost a file
copy, not another pipeline run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from decimal import Decimal

import dagster as dg
import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from dagster_project.cli import app
from dagster_project.lib.contracts.model import source_contracts
from dagster_project.lib.core.paths import PROJECT_ROOT
from dagster_project.lib.ingest.loader import read_ingest_log
from dagster_project.lib.ingest.raw_audit import audit_raw
from dagster_project.lib.planning.store import directory, read_index
from dagster_project.lib.publish.publisher import (
    archive_file,
    current_version,
    list_versions,
    sha256_file,
)
from tests.conftest import TEST_HMAC_KEY
from tests.pipeline_kit import (
    APBD,
    crlf,
    env_for,
    kill_group,
    output_of,
    published_checks,
    run_to_end,
    start_publish,
    start_run,
    streams_of,
    wait_for,
    wait_to_end,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chain(copy_demo, baseline_run):
    root, paths = copy_demo("fault")
    changed = [  # new versions (same rows, new bytes) of a few SP2D files: work for the next run
        crlf(p) for p in sorted((paths.landing / "bpkad" / "sp2d" / "2024").glob("*.csv"))[:3]
    ]
    return {
        "root": root,
        "paths": paths,
        "changed": changed,
        "good": sha256_file(paths.published_db),  # the last good published version
        "versions": {v["version"] for v in list_versions(paths)},
        "demo_version": current_version(paths)["version"],
        # the isolation tests' inputs, sent with the faults' (below); every run's output
        "isolation": send_isolation_inputs(paths),
        "baseline_root": baseline_run[0],
        "outputs": [baseline_run[1]],
        "skenario": save_scenarios(paths, root),
    }


PAGU_2026 = 3_183_000_000_000  # APBD murni 2026 (domain.md §4.2)
LAMA = "0123456789abcdef"  # the id of a scenario an older engine saved


def save_scenarios(paths, root) -> dict:
    """`apbd scenario` saves a planner's scenario; beside it, one an older engine saved (without the
    columns added since). Returns the saved scenario's index entry and rows."""
    # one program protected: not the default scenario's inputs (that one is the build's own)
    (protect,) = q(
        paths,
        """select p.kode_program from marts.mart_kepatuhan_belanja_program as p
           join marts.mart_prioritas_alokasi as t using (tahun, kode_skpd, kode_program)
           where p.tahun = 2025 and p.tahap = 'perubahan' and t.tier in ('C', 'D')
           order by t.tier, p.total_belanja_rp, p.kode_program limit 1""",
    )[0]
    mp = pytest.MonkeyPatch()
    mp.setenv("APBD_DATA_DIR", str(paths.root))
    try:
        args = [
            "scenario",
            "--tahun",
            "2026",
            "--pagu-total",
            str(PAGU_2026),
            "--lindungi",
            protect,
        ]
        out = root / "skenario.xlsx"
        result = CliRunner().invoke(
            app, [*args, "--output", str(out), "--data-dir", str(paths.root)]
        )
    finally:
        mp.undo()
    assert result.exit_code == 0, result.output
    (entry,) = read_index(paths)
    saved = pl.read_parquet(directory(paths) / f"{entry['id_skenario']}.parquet")
    saved.drop("tahap_dasar", "terkunci_rp", "is_bawaan").with_columns(
        id_skenario=pl.lit(LAMA)
    ).write_parquet(directory(paths) / f"{LAMA}.parquet")
    return {"entry": entry, "saved": saved}


def q(paths, sql, params=None):
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def send_isolation_inputs(paths) -> dict:
    """OPD A's new rincian version, BPKAD's December SP2D above one of A's lines, OPD B's broken
    rincian; returns A, B, their published figures before and the line that goes over its pagu."""
    rincian = sorted((paths.landing / "sipd" / "dpa_rincian" / "2024").iterdir())
    csv_opds = [d for d in rincian if (d / "dpa_rincian_murni.csv").exists()]
    opd_a, opd_b = csv_opds[0].name, csv_opds[1].name
    before = {
        opd: q(
            paths,
            "select sum(pagu_akhir_rp), sum(realisasi_rp), string_agg(distinct sumber_sha256, ',') "
            "from marts.mart_anggaran_realisasi where kode_skpd = ?",
            [opd],
        )[0]
        for opd in (opd_a, opd_b)
    }
    # A: a new version of its rincian (re-saved with Windows line endings).
    crlf(paths.landing / "sipd" / "dpa_rincian" / "2024" / opd_a / "dpa_rincian_murni.csv")
    # BPKAD: a December 2024 payment that takes one of A's 2024 lines above its pagu.
    kode_sub, akun, dana, pagu, real = q(
        paths,
        "select kode_sub_kegiatan, kode_akun, kode_sumber_dana, pagu_akhir_rp, realisasi_rp "
        "from marts.mart_anggaran_realisasi where kode_skpd = ? and tahun = 2024 "
        "and pagu_akhir_rp > 0 order by pagu_akhir_rp limit 1",
        [opd_a],
    )[0]
    extra = pagu - real + Decimal(1_000_000)
    dec = paths.landing / "bpkad" / "sp2d" / "2024" / "sp2d_2024_12.csv"
    with dec.open("a", encoding="utf-8") as fh:
        fh.write(f"9999/SP2D/LS/2024,2024-12-15,{opd_a},{kode_sub},{akun},{dana},LS,{extra},uji\n")
    # B: a broken rincian (cut off in the middle: a truncated upload) → rejected whole.
    bad = paths.landing / "sipd" / "dpa_rincian" / "2024" / opd_b / "dpa_rincian_murni.csv"
    text = bad.read_text(encoding="utf-8")
    bad.write_text("<html><body>Sesi habis, silakan login ulang</body></html>\n" + text[:200])
    return {"a": opd_a, "b": opd_b, "before": before, "line": (kode_sub, akun, dana)}


def _kill_publish(chain, point: str) -> None:
    """Gate and publish a copy of the demo's gated build; SIGKILL the process at `point`."""
    paths = chain["paths"]
    build = paths.build / f"build_{point}.duckdb"
    shutil.copyfile(archive_file(paths, chain["demo_version"]), build)
    marker = paths.root / "tmp" / f"failpoint__{point}"
    proc = start_publish(chain["root"], build, run_id=point, APBD_FAILPOINT=point)
    wait_for(marker.exists, proc, timeout=600)
    kill_group(proc)
    marker.unlink()


def test_1_sigkill_during_ingest(chain):
    paths = chain["paths"]
    marker = paths.root / "tmp" / "failpoint__ingest_tmp_ditulis"
    proc = start_run(
        chain["root"], APBD_FAILPOINT="ingest_tmp_ditulis", APBD_HMAC_KEY=TEST_HMAC_KEY
    )
    wait_for(marker.exists, proc)
    half_written = list(paths.raw.rglob(".*.tmp-*"))
    kill_group(proc)
    marker.unlink()
    chain["outputs"].append(output_of(proc))

    assert half_written, "the kill must land while a Parquet file is being written"
    assert all(not p.name.endswith(".parquet") for p in half_written)  # dbt never globs them
    assert sha256_file(paths.published_db) == chain["good"]
    assert published_checks(paths) == []
    for contract in source_contracts().values():  # what dbt would read is whole and valid
        result = audit_raw(contract, paths)
        assert result.passed, result.message


def test_2_sigkill_during_dbt_build(chain):
    paths = chain["paths"]
    build = paths.build / "apbd_build.duckdb"
    assert not build.exists()
    proc = start_run(chain["root"], APBD_HMAC_KEY=TEST_HMAC_KEY)
    wait_for(lambda: build.exists() and build.stat().st_size > 0, proc, step=0.05)
    # This run got past ingest: the killed ingest's temp files are gone, the new files are in.
    assert not list(paths.raw.rglob(".*.tmp-*"))
    loaded = set(read_ingest_log(paths).filter(pl.col("status") == "dimuat")["berkas"])
    assert {c.split("/landing/", 1)[1] for c in chain["changed"]} <= loaded
    time.sleep(1.0)  # dbt is building seeds and models now
    assert proc.poll() is None
    kill_group(proc)
    chain["outputs"].append(output_of(proc))

    assert build.exists()  # a half-built file is left behind …
    assert sha256_file(paths.published_db) == chain["good"]  # … and never published
    assert published_checks(paths) == []


def test_3_next_run_recovers_by_itself(chain):
    paths = chain["paths"]
    chain["log_before_3"] = read_ingest_log(paths).height
    proc = start_run(chain["root"], APBD_HMAC_KEY=TEST_HMAC_KEY)
    rc = wait_to_end(proc)
    chain["streams_3"] = streams_of(proc)
    out = "".join(chain["streams_3"])
    chain["outputs"].append(out)
    chain["recovered"] = True
    assert rc == 0, out[-6000:]
    assert sha256_file(paths.published_db) != chain["good"]
    assert published_checks(paths) == []
    assert not list(paths.raw.rglob(".*.tmp-*"))
    inputs = {i["sha256"] for i in current_version(paths)["inputs"]}
    log = read_ingest_log(paths)
    for berkas in chain["changed"]:
        rel = berkas.split("/landing/", 1)[1]
        assert log.filter(pl.col("berkas") == rel)["sha256"][-1] in inputs
    # The two killed runs are marked failed (their pool slots were freed, or this run would
    # have waited for them forever).
    old = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = env_for(chain["root"])["DAGSTER_HOME"]
    try:
        with dg.DagsterInstance.get() as instance:
            statuses = [r.status for r in instance.get_runs()]
    finally:
        if old is None:
            os.environ.pop("DAGSTER_HOME")
        else:
            os.environ["DAGSTER_HOME"] = old
    # One run per killed process is left failed; a full run is several Dagster runs (one per
    # partitions definition, then the rebuild), so the recovering run adds several successes.
    assert statuses.count(dg.DagsterRunStatus.FAILURE) == 2
    assert statuses.count(dg.DagsterRunStatus.SUCCESS) >= 1
    assert not [
        s for s in statuses if s in (dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING)
    ]
    new = {v["version"] for v in list_versions(paths)} - chain["versions"]
    assert len(new) == 1  # one run, one new version: the recovering run's
    chain["versions"] |= new
    chain["good"] = sha256_file(paths.published_db)


MAX_RUN_LINES = 80


def test_3_the_next_run_publishes_the_saved_scenarios(chain):
    paths, entry, saved = chain["paths"], chain["skenario"]["entry"], chain["skenario"]["saved"]
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        mart = con.sql(
            "select * from marts.mart_skenario_alokasi where id_skenario = $id order by all",
            params={"id": entry["id_skenario"]},
        ).pl()
        lama = con.execute(
            "select count(*), count(tahap_dasar), count(terkunci_rp), bool_or(is_bawaan) "
            "from marts.mart_skenario_alokasi where id_skenario = ?",
            [LAMA],
        ).fetchall()
    assert mart.height == saved.height
    assert mart.sort("kode_skpd", "kode_program").equals(saved.sort("kode_skpd", "kode_program"))
    assert mart["pagu_usulan_rp"].sum() == Decimal(PAGU_2026)
    assert lama == [(saved.height, 0, 0, False)]  # the older engine's scenario: still published


def test_3_the_next_run_rereads_no_unchanged_file_and_still_publishes(chain):
    """The killed runs loaded every new file; the next plain run ingests nothing and publishes."""
    paths = chain["paths"]
    assert read_ingest_log(paths).height == chain["log_before_3"]  # nothing re-ingested
    (n,) = q(paths, "select count(*) from marts.mart_anggaran_realisasi")[0]
    assert n > 0


def test_3_the_run_prints_a_short_summary_and_the_path_of_the_full_log(chain):
    """What a user sees from `apbd run` (the recovering run is one as a user starts it)."""
    stdout, stderr = chain["streams_3"]
    lines = stdout.splitlines()
    assert len(lines) <= MAX_RUN_LINES, stdout
    assert stderr.strip() == "", stderr  # no library warning reaches the terminal
    text = " ".join(stdout.split())
    for stage in ("ingest", "dbt build", "gerbang mutu", "publish"):
        assert stage in text
    assert "Cek mutu:" in text and "lulus" in text and "Mart terbit:" in text
    assert "Pagu, realisasi, serapan per OPD" in text and "Waktu:" in text
    (path_line,) = [line for line in lines if line.startswith("Log lengkap:")]
    log = chain["root"] / "data" / "logs" / path_line.split(":", 1)[1].strip().rsplit("/", 1)[-1]
    assert log.exists() and str(log.parent) in path_line
    full = log.read_text(encoding="utf-8", errors="replace")
    # every dbt line; library warnings, when a run has any, go there too (stderr is empty above)
    assert "PASS=" in full
    assert "BetaWarning" not in stdout and " of " not in stdout.split("Cek mutu")[0]


# ---------------------------------------------------------------------------------------------
# Isolation between OPDs, on the state the recovering run left (before the publish kills)


@pytest.fixture(scope="module")
def two_opds(chain):
    """The isolation inputs after the recovering run (test_3), and `apbd status` on that state.
    Run without test_3 (`-k`), this makes the plain next run itself."""
    if not chain.get("recovered"):
        rc, out = run_to_end(chain["root"], APBD_HMAC_KEY=TEST_HMAC_KEY)
        chain["outputs"].append(out)
        chain["recovered"] = True
        assert rc == 0, out[-6000:]
    paths = chain["paths"]
    status = subprocess.run(
        [APBD, "status", "--data-dir", str(paths.root), "--jumlah", "30"],
        capture_output=True,
        text=True,
        env=env_for(chain["root"]),
        cwd=PROJECT_ROOT,
        check=False,
    )
    return {
        **chain["isolation"],
        "root": chain["root"],
        "paths": paths,
        "baseline_root": chain["baseline_root"],
        "outputs": [*chain["outputs"], status.stdout + status.stderr],
        "status": status,
    }


def test_the_mart_is_published_with_the_good_opds_new_data(two_opds):
    paths, a = two_opds["paths"], two_opds["a"]
    assert len(list_versions(paths)) == 2 and published_checks(paths) == []
    log = read_ingest_log(paths)
    new_a = log.filter(
        pl.col("berkas").str.contains(f"dpa_rincian/2024/{a}/"), pl.col("status") == "dimuat"
    ).tail(1)["sha256"][0]
    (shas,) = q(
        paths,
        "select string_agg(distinct sumber_sha256, ',') from marts.mart_anggaran_realisasi "
        "where kode_skpd = ?",
        [a],
    )[0]
    assert new_a in shas  # A's figures now come from its new file version
    kode_sub, akun, dana = two_opds["line"]
    (over,) = q(
        paths,
        "select melebihi_pagu from marts.mart_anggaran_realisasi where kode_skpd = ? and "
        "tahun = 2024 and kode_sub_kegiatan = ? and kode_akun = ? and kode_sumber_dana = ?",
        [a, kode_sub, akun, dana],
    )[0]
    assert over is True  # realisation above pagu: loaded and flagged, not dropped


def test_the_bad_opds_previous_version_stays_and_is_marked_stale(two_opds):
    paths, b = two_opds["paths"], two_opds["b"]
    now = q(
        paths,
        "select sum(pagu_akhir_rp), sum(realisasi_rp), string_agg(distinct sumber_sha256, ',') "
        "from marts.mart_anggaran_realisasi where kode_skpd = ?",
        [b],
    )[0]
    assert now[0] == two_opds["before"][b][0]  # B's pagu from its previous rincian version
    log = read_ingest_log(paths)
    rejected = log.filter(
        pl.col("berkas").str.contains(f"dpa_rincian/2024/{b}/"), pl.col("status") == "ditolak"
    ).to_dicts()
    (rej,) = rejected
    assert "HTML" in rej["pesan"]
    row = q(
        paths,
        "select status_slot, is_basi, basi_sejak, sha256_berlaku, sha256_ditolak_terakhir, "
        "alasan_ditolak_terakhir, umpan_balik_ditolak_terakhir from marts.mart_status_sumber "
        "where tabel = 'dpa_rincian' and pengirim = ? and periode = 'murni' and tahun = 2024",
        [b],
    )
    ((state, stale, since, current, last_bad, reason, feedback),) = row
    assert (state, stale, last_bad) == ("basi", True, rej["sha256"])
    assert since == rej["dimuat_pada"]  # stale since the rejected submission was processed
    assert current in two_opds["before"][b][2]  # the version the mart still uses
    assert "HTML" in reason and (paths.root / feedback).exists()
    others = q(paths, "select count(*) from marts.mart_status_sumber where is_basi")[0][0]
    assert others == 1  # every other slot is current


def test_status_command_lists_the_stale_slot_and_feedback(two_opds):
    status, b = two_opds["status"], two_opds["b"]
    assert status.returncode == 0, status.stderr
    text = " ".join(status.stdout.split())
    assert "Data basi di mart terbit" in text and "umpan balik" in text
    assert b[:10] in text and "dpa_rincian" in text


def test_no_secret_in_the_repo_logs_or_outputs(two_opds):
    key = TEST_HMAC_KEY.encode()
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=PROJECT_ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    hits = [f for f in tracked if f and key in (PROJECT_ROOT / f.decode()).read_bytes()]
    # this run's, every other world of this worker's tmp folder and the baseline's (under xdist
    # the shared demo is built in the folder above the workers' own)
    roots = [two_opds["root"], two_opds["root"].parent, two_opds["baseline_root"]]
    for root in {r for r in roots}:
        for f in root.rglob("*"):
            if f.is_file() and not f.is_symlink() and key in f.read_bytes():
                hits.append(str(f))
    hits += [i for i, out in enumerate(two_opds["outputs"]) if TEST_HMAC_KEY in out]
    assert hits == []
    checked = [p for p in two_opds["paths"].root.rglob("*") if p.is_file()]
    assert any("ingest_log" in str(p) for p in checked) and any(
        "publish_log" in str(p) for p in checked
    )
    assert any((two_opds["root"] / "dagster_home").rglob("*.db"))  # Dagster's run/event logs


# ---------------------------------------------------------------------------------------------
# Publish kills


def test_4_sigkill_during_publish_before_the_swap(chain):
    paths = chain["paths"]
    _kill_publish(chain, "publish_sebelum_ganti")
    (killed,) = [v for v in list_versions(paths) if v["version"] not in chain["versions"]]
    chain["versions"].add(killed["version"])
    assert killed["checks"]["failed_blocking"] == 0  # only a gated build gets this far
    assert sha256_file(paths.published_db) == chain["good"] and not killed["is_current"]
    assert published_checks(paths) == []


def test_5_sigkill_during_publish_after_the_swap(chain):
    paths = chain["paths"]
    _kill_publish(chain, "publish_sesudah_ganti")
    (killed,) = [v for v in list_versions(paths) if v["version"] not in chain["versions"]]
    chain["versions"].add(killed["version"])
    assert killed["checks"]["failed_blocking"] == 0 and killed["is_current"]
    now = sha256_file(paths.published_db)
    assert now == killed["sha256"] != chain["good"]  # a complete new version that passed the gate
    assert published_checks(paths) == []
    chain["good"] = now


def test_6_next_publish_after_the_killed_ones_goes_through(chain):
    """The publish lock and the log entries the killed publishes left block nothing."""
    paths = chain["paths"]
    (recovered,) = [
        v
        for v in list_versions(paths)
        if v["run_id"] not in ("publish_sebelum_ganti", "publish_sesudah_ganti")
        and v["version"] != chain["demo_version"]
    ]
    build = paths.build / "build_lagi.duckdb"
    shutil.copyfile(archive_file(paths, recovered["version"]), build)
    proc = start_publish(chain["root"], build, run_id="terbit_lagi")
    assert proc.wait(timeout=600) == 0, output_of(proc)[-4000:]
    entry = current_version(paths)
    assert entry["run_id"] == "terbit_lagi" and entry["version"] not in chain["versions"]
    assert sha256_file(paths.published_db) == entry["sha256"] == recovered["sha256"]
    assert entry["previous_version"] is not None and not build.exists()
    assert published_checks(paths) == []
