"""Access: planners and finance staff read the published mart only, read-only, and `apbd query`
cannot write, attach other files or read local files; `apbd rollback` restores an archived version.

The published mart here is a small DuckDB file published with the real `publish`; the commands run
through the real CLI (typer's runner) against it.
"""

from __future__ import annotations

import duckdb
import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from dagster_project.cli import app
from dagster_project.lib.core.paths import DataPaths
from dagster_project.lib.publish.access import QUERY_CONFIG, QueryRefused, open_for_query, run_query
from dagster_project.lib.publish.publisher import open_published, publish, sha256_file
from tests.test_publish import make_version, readers_during_publishes

runner = CliRunner()
INJECTED = '=HYPERLINK("http://x.invalid","klik")'


def build(paths: DataPaths, version: int):
    db = make_version(paths.build / f"run_{version}.duckdb", version)
    with duckdb.connect(str(db)) as con:
        con.execute(
            "create table marts.catatan as select * from (values (1, ?), (2, '-5000000'), "
            "(3, 'biasa')) t(no, teks)",
            [INJECTED],
        )
    return db


@pytest.fixture
def published(tmp_path, monkeypatch) -> DataPaths:
    paths = DataPaths(tmp_path / "data")
    paths.ensure()
    monkeypatch.setenv("APBD_DATA_DIR", str(paths.root))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    for v in (1, 2):
        publish(build(paths, v), paths, run_id=f"run-{v}", inputs=[], checks=[])
    return paths


def cli(paths: DataPaths, *args: str):
    return runner.invoke(app, [*args, "--data-dir", str(paths.root)])


# --------------------------------------------------------------------------------------------
# apbd query: one SELECT, read-only, no files


def test_query_answers_a_select(published):
    result = cli(published, "query", "select max(versi) as v, count(*) as n from marts.versi")
    assert result.exit_code == 0, result.output
    assert "150002" in result.output


@pytest.mark.parametrize(
    ("sql", "words"),
    [
        ("COPY marts.versi TO '{tmp}/bocor.csv'", "COPY tidak diizinkan"),
        ("EXPORT DATABASE '{tmp}/ekspor'", "EXPORT DATABASE tidak diizinkan"),
        ("ATTACH '{tmp}/lain.duckdb' AS lain", "ATTACH tidak diizinkan"),
        ("select * from read_csv('/etc/passwd')", "Membaca berkas di luar mart tidak diizinkan"),
        ("select * from read_text('/etc/passwd')", "Membaca berkas di luar mart tidak diizinkan"),
        ("select * from read_parquet('{tmp}/data/raw/**/*.parquet')", "di luar mart"),
        ("select * from glob('/etc/*')", "Membaca berkas di luar mart tidak diizinkan"),
        ("INSERT INTO marts.versi VALUES (9, 9)", "Mart terbit hanya-baca"),
        ("DELETE FROM marts.versi", "Mart terbit hanya-baca"),
        ("CREATE TABLE marts.x AS SELECT 1", "Mart terbit hanya-baca"),
        ("DROP TABLE marts.versi", "Mart terbit hanya-baca"),
        ("SET enable_external_access = true", "Pengaturan DuckDB tidak boleh diubah"),
        ("INSTALL httpfs", "INSTALL/LOAD"),
        ("LOAD httpfs", "INSTALL/LOAD"),
        ("select 1; COPY marts.versi TO '{tmp}/bocor.csv'", "Kirim satu perintah SELECT saja"),
    ],
    ids=lambda v: v if len(v) < 30 else v[:30],
)
def test_query_refuses_writes_attach_and_local_files(published, tmp_path, sql, words):
    before = sha256_file(published.published_db)
    result = cli(published, "query", sql.format(tmp=tmp_path))
    assert result.exit_code == 1, result.output
    assert "perintah ditolak" in result.output and words in " ".join(result.output.split())
    assert sha256_file(published.published_db) == before
    assert not (tmp_path / "bocor.csv").exists() and not (tmp_path / "ekspor").exists()


def test_the_engine_itself_refuses_what_the_statement_check_would_miss(published, tmp_path):
    """Even with the statement check bypassed, the connection cannot write or touch files."""
    with open_for_query(published) as con:
        for sql in (
            f"COPY marts.versi TO '{tmp_path}/bocor.csv'",
            "select * from read_csv('/etc/passwd')",
            f"ATTACH '{tmp_path}/lain.duckdb'",
            "create table marts.x as select 1",
            "set enable_external_access = true",
            "reset lock_configuration",
        ):
            with pytest.raises(duckdb.Error):
                con.execute(sql)
        settings = dict(
            con.execute(
                "select name, value from duckdb_settings() where name in "
                "('enable_external_access', 'lock_configuration')"
            ).fetchall()
        )
    assert settings == {"enable_external_access": "false", "lock_configuration": "true"}
    assert QUERY_CONFIG["enable_external_access"] is False
    assert not (tmp_path / "bocor.csv").exists()


def test_run_query_maps_engine_refusals_to_indonesian(published):
    with open_for_query(published) as con, pytest.raises(QueryRefused) as exc:
        run_query(con, "select * from read_csv('/etc/passwd')")
    assert exc.value.rule == "akses_berkas"


def test_a_write_through_the_reader_connection_fails(published):
    """Notebooks and the CLI open the mart with `open_published`: read-only."""
    before = sha256_file(published.published_db)
    with open_published(published) as con, pytest.raises(duckdb.Error, match="read-only"):
        con.execute("insert into marts.info values (99)")
    assert sha256_file(published.published_db) == before


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_query_writes_csv_xlsx_parquet_and_neutralises_formulas(published, tmp_path, fmt):
    out = tmp_path / f"hasil.{fmt}"
    result = cli(
        published, "query", "select no, teks from marts.catatan order by no", "--format", fmt,
        "-o", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "3 baris ditulis" in result.output
    if fmt == "csv":
        lines = out.read_text(encoding="utf-8-sig").splitlines()
        assert lines[1].startswith("1,\"'=HYPERLINK") and lines[2] == "2,-5000000"
    elif fmt == "xlsx":
        ws = openpyxl.load_workbook(out)["hasil"]
        values = [c.value for c in ws["B"]][1:]
        assert values == ["'" + INJECTED, "-5000000", "biasa"]
        assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    else:  # Parquet is data, not a spreadsheet: values stay exactly as stored
        assert pl.read_parquet(out)["teks"].to_list() == [INJECTED, "-5000000", "biasa"]


def test_query_output_never_goes_into_the_published_folder(published):
    target = published.published / "x.csv"
    result = cli(published, "query", "select 1", "--format", "csv", "-o", str(target))
    assert result.exit_code == 1 and not target.exists()


# --------------------------------------------------------------------------------------------
# apbd rollback and apbd status


def test_rollback_command_restores_the_previous_version(published):
    archived = sorted(published.publish_archive.glob("*.duckdb"))
    assert len(archived) == 1
    version_1 = sha256_file(archived[0])
    result = cli(published, "rollback")
    assert result.exit_code == 0, result.output
    assert "Mart dikembalikan ke versi" in result.output
    assert sha256_file(published.published_db) == version_1
    with open_published(published) as con:
        assert con.execute("select versi from marts.info").fetchone() == (1,)
    again = cli(published, "rollback")  # nothing older: a clear refusal, no traceback
    assert again.exit_code == 1 and "Tidak ada versi lebih lama" in again.output
    status = cli(published, "status")
    assert status.exit_code == 0 and "hasil rollback ke" in status.output


def test_status_says_when_nothing_is_published(tmp_path, monkeypatch):
    paths = DataPaths(tmp_path / "kosong")
    monkeypatch.setenv("APBD_DATA_DIR", str(paths.root))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    result = cli(paths, "status")
    assert result.exit_code == 0 and "Belum ada mart yang diterbitkan" in result.output
    result = cli(paths, "query", "select 1")
    assert result.exit_code == 1 and "Belum ada mart yang diterbitkan" in result.output


# --------------------------------------------------------------------------------------------
# 20 locked-down query connections during 5 publishes


def test_twenty_query_readers_during_five_publishes_see_one_version_each(tmp_path):
    paths = DataPaths(tmp_path / "data")
    paths.ensure()
    final = 6
    builds = {v: make_version(paths.build / f"b{v}.duckdb", v) for v in range(1, final + 1)}
    reports = readers_during_publishes(paths, builds, 20, dict(QUERY_CONFIG))
    assert [e for r in reports for e in r["errors"]] == []
    assert sum(r["mixed"] for r in reports) == 0
    assert all(r["last"] == final for r in reports)
