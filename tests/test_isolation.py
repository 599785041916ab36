"""Isolation between OPDs, end to end: one OPD's bad file never blocks the others.

On a copy of the session's published demo, OPD A sends a new version of its rincian (same rows,
new bytes) and BPKAD a December SP2D that pushes one of A's lines above its pagu; OPD B sends a
broken rincian.
The next run publishes: A's new version and the new SP2D are in the mart, B's figures still come
from its previous version, and `mart_status_sumber` says B's slot is stale and since when.
Also here, on the same runs: no secret (the HMAC key) in the repo, logs or outputs.
"""

from __future__ import annotations

import subprocess
from decimal import Decimal

import duckdb
import polars as pl
import pytest

from dagster_project.lib.core.paths import PROJECT_ROOT
from dagster_project.lib.ingest.loader import read_ingest_log
from dagster_project.lib.publish.publisher import list_versions
from tests.conftest import TEST_HMAC_KEY
from tests.pipeline_kit import APBD, crlf, env_for, published_checks, run_to_end

pytestmark = pytest.mark.slow


def q(paths, sql, params=None):
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.fixture(scope="module")
def two_opds(copy_demo, baseline_run):
    root, paths = copy_demo("isolasi")
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
    # BPKAD: a December payment that takes one of A's lines above its pagu.
    kode_sub, akun, dana, pagu, real = q(
        paths,
        "select kode_sub_kegiatan, kode_akun, kode_sumber_dana, pagu_akhir_rp, realisasi_rp "
        "from marts.mart_anggaran_realisasi where kode_skpd = ? and pagu_akhir_rp > 0 "
        "order by pagu_akhir_rp limit 1",
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
    rc, out = run_to_end(root, APBD_HMAC_KEY=TEST_HMAC_KEY)
    assert rc == 0, out[-6000:]
    status = subprocess.run(
        [APBD, "status", "--data-dir", str(paths.root), "--jumlah", "30"],
        capture_output=True,
        text=True,
        env=env_for(root),
        cwd=PROJECT_ROOT,
        check=False,
    )
    return {
        "root": root,
        "paths": paths,
        "a": opd_a,
        "b": opd_b,
        "before": before,
        "line": (kode_sub, akun, dana),
        "outputs": [baseline_run[1], out, status.stdout + status.stderr],
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
        "kode_sub_kegiatan = ? and kode_akun = ? and kode_sumber_dana = ?",
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
    roots = [two_opds["root"], two_opds["root"].parent]  # this run's and the baseline's
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
