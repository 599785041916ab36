"""The quality gate on real DuckDB files and real GX, with a synthetic mart contract.

Each violation fixture breaks exactly one rule (commented) and must fail the check that guards
that rule, with a message that names the column or test. The gate is what production runs: the
contract checks and GX suites of the gate's asset checks (`defs/publish/checks.py`) and dbt's
results read by the publish asset (`defs/publish/assets.py`), which is materialised for real here.
"""

from __future__ import annotations

import dataclasses
import json
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project.lib.contracts.model import Contract, load_contract
from dagster_project.lib.core.paths import DataPaths
from dagster_project.lib.gate.checks import (
    EXISTS,
    HAS_ROWS,
    MATCHES_CONTRACT,
    PASSES_EXPECTATIONS,
    PRIMARY_KEY_UNIQUE,
    REQUIRED_NOT_NULL,
    contract_checks,
    dbt_checks,
    finalize_build,
    normalise_type,
    wal_path,
)
from dagster_project.lib.gate.expectations import gx_checks
from dagster_project.lib.publish.publisher import PublishError, publish, sha256_file

MART = "mart_anggaran_realisasi"
TARGET = f"marts.{MART}"

CONTRACT_YAML = textwrap.dedent(
    """\
    apiVersion: v3.1.0
    kind: DataContract
    id: urn:datacontract:apbd:mart_anggaran_realisasi
    name: Anggaran dan realisasi (uji)
    version: 0.0.1
    status: draft
    description:
      purpose: Kontrak sintetis untuk uji gerbang mutu.
    schema:
      - name: mart_anggaran_realisasi
        physicalName: mart_anggaran_realisasi
        logicalType: object
        properties:
          - name: tahun
            logicalType: integer
            physicalType: INTEGER
            required: true
            primaryKey: true
            primaryKeyPosition: 1
            logicalTypeOptions: {minimum: 2020, maximum: 2035}
          - name: kode_sub_kegiatan
            logicalType: string
            physicalType: VARCHAR
            required: true
            primaryKey: true
            primaryKeyPosition: 2
            logicalTypeOptions: {pattern: "^[0-9]\\\\.[0-9]{2}\\\\.[0-9]{2}\\\\.2\\\\.[0-9]{2}\\\\.[0-9]{4}$"}
          - name: jenis_belanja
            logicalType: string
            physicalType: VARCHAR
            required: true
            customProperties:
              - {property: allowedValues, value: [operasi, modal]}
          - name: tahap_akhir
            logicalType: string
            physicalType: VARCHAR
            required: true
          - name: pagu_murni_rp
            logicalType: number
            physicalType: DECIMAL(18, 2)
            required: true
            customProperties:
              - {property: unit, value: IDR}
          - name: pagu_perubahan_rp
            logicalType: number
            physicalType: NUMERIC(18,2)
            required: false
          - name: pagu_akhir_rp
            logicalType: number
            physicalType: DECIMAL(18,2)
            required: true
          - name: realisasi_rp
            logicalType: number
            physicalType: DECIMAL(18,2)
            required: true
          - name: serapan_persen
            logicalType: number
            physicalType: DECIMAL(9,2)
            required: false
          - name: keterangan
            logicalType: string
            physicalType: TEXT
            required: false
    """
)

DDL = f"""
create schema marts;
create table marts.{MART} (
    tahun INTEGER, kode_sub_kegiatan VARCHAR, jenis_belanja VARCHAR, tahap_akhir VARCHAR,
    pagu_murni_rp DECIMAL(18,2), pagu_perubahan_rp DECIMAL(18,2), pagu_akhir_rp DECIMAL(18,2),
    realisasi_rp DECIMAL(18,2), serapan_persen DECIMAL(9,2), keterangan VARCHAR
);
insert into marts.{MART} values
    (2025, '1.02.02.2.02.0004', 'operasi', 'murni', 1000000.00, null,       1000000.00,  750000.00,  75.00, null),
    (2025, '1.01.02.2.01.0001', 'modal', 'perubahan', 5000000.00, 6000000.00, 6000000.00, 6000000.00, 100.00, 'APBD-P'),
    (2025, '7.01.02.2.02.0002', 'operasi', 'perubahan', 250000.00, 200000.00,   200000.00,       0.00,   0.00, null),
    (2024, '1.02.02.2.02.0004', 'operasi', 'murni', 900000.00, null,         900000.00,  899999.99,  99.99, null);
"""


@pytest.fixture(scope="module")
def contract(tmp_path_factory) -> Contract:
    folder = tmp_path_factory.mktemp("contracts") / "marts"
    folder.mkdir()
    path = folder / f"{MART}.odcs.yaml"
    path.write_text(CONTRACT_YAML, encoding="utf-8")
    return load_contract(path)


def make_build(path: Path, *breakage: str) -> Path:
    """A build file holding the good mart, then each `breakage` statement applied."""
    with duckdb.connect(str(path)) as con:
        con.execute(DDL)
        for sql in breakage:
            con.execute(sql)
    return path


def check(results, name: str, target: str = TARGET):
    (found,) = [r for r in results if r.name == name and r.target == target]
    return found


def contract_and_gx(path: Path, contract: Contract):
    """The gate's two asset checks on one mart, on the build file opened read-only."""
    with duckdb.connect(str(path), read_only=True) as con:
        return contract_checks(con, [contract]), gx_checks(con, [contract])


def blocking_failures(results) -> list:
    """What stops the publish: any blocking check that failed (a warning never does)."""
    return [r for r in results if r.blocking and not r.passed]


def data_folder(tmp_path: Path) -> DataPaths:
    paths = DataPaths(tmp_path / "data")
    paths.ensure()
    (paths.build / "dbt_target").mkdir()
    return paths


def build_file(paths: DataPaths) -> Path:
    """Where dbt writes the build the publish asset takes (`WarehouseResource.build_db`)."""
    return paths.build_db


def materialise_publish(paths: DataPaths) -> tuple[bool, str]:
    """Materialise the real publish asset on `paths` (it reads dbt's run_results.json and
    manifest.json in build/dbt_target); returns (success, the step's failure message)."""
    from dagster_project.defs.publish.assets import apbd_mart
    from dagster_project.defs.resources import WarehouseResource

    result = dg.materialize(
        [apbd_mart],
        resources={"warehouse": WarehouseResource(data_dir=str(paths.root))},
        raise_on_error=False,
    )
    failures = [
        str(ev.event_specific_data.error.message)
        for ev in result.all_events
        if ev.event_type_value == "STEP_FAILURE"
    ]
    return result.success, " ".join(failures)


# --------------------------------------------------------------------------------------------
# dbt artifacts, written by hand in the shape dbt 1.11 writes them
# --------------------------------------------------------------------------------------------

TEST_UID = f"test.apbd.not_null_{MART}_realisasi_rp.1a2b3c"
WARN_UID = "test.apbd.assert_serapan_wajar.9f8e7d"
UNIT_UID = f"unit_test.apbd.{MART}.hitung_serapan"
MODEL_UID = f"model.apbd.{MART}"


def run_results(tmp_path: Path, *results: dict, generated_at: datetime | None = None) -> Path:
    t = (generated_at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    data = {
        "metadata": {"dbt_version": "1.11.16", "generated_at": t, "invocation_id": "x"},
        "results": list(results),
        "elapsed_time": 3.2,
        "args": {"which": "build"},
    }
    path = tmp_path / "run_results.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def node(uid: str, status: str, failures: int | None = 0, message: str | None = None) -> dict:
    return {
        "unique_id": uid,
        "status": status,
        "failures": failures,
        "message": message,
        "execution_time": 0.1,
        "relation_name": f'"build"."marts"."{MART}"' if uid.startswith("model.") else None,
    }


def manifest(tmp_path: Path) -> Path:
    model = {"resource_type": "model", "name": MART, "schema": "marts", "alias": MART}
    data = {
        "nodes": {
            MODEL_UID: model,
            TEST_UID: {
                "resource_type": "test",
                "name": f"not_null_{MART}_realisasi_rp",
                "attached_node": MODEL_UID,
            },
            WARN_UID: {
                "resource_type": "test",
                "name": "assert_serapan_wajar",
                "attached_node": None,
                "depends_on": {"nodes": [MODEL_UID]},
            },
        },
        "unit_tests": {
            UNIT_UID: {
                "resource_type": "unit_test",
                "name": "hitung_serapan",
                "model": MART,
                "depends_on": {"nodes": [MODEL_UID]},
            }
        },
    }
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------
# The good case
# --------------------------------------------------------------------------------------------


def test_good_mart_passes_every_check_and_is_published(tmp_path, contract):
    paths = data_folder(tmp_path)
    target = paths.build / "dbt_target"
    build = Path(finalize_build(make_build(build_file(paths)))["build_db"])
    rr = run_results(
        target,
        node(MODEL_UID, "success", None),
        node(TEST_UID, "pass"),
        node(UNIT_UID, "pass"),
    )
    started = datetime.now(UTC) - timedelta(minutes=1)
    cc, gx_results = contract_and_gx(build, contract)
    checks = [*dbt_checks(rr, manifest(target), started_at=started), *cc, *gx_results]
    assert not blocking_failures(checks), [c.message for c in blocking_failures(checks)]
    assert all(c.passed for c in checks)
    names = {(c.name, c.target) for c in checks}
    for name in (EXISTS, MATCHES_CONTRACT, REQUIRED_NOT_NULL, PRIMARY_KEY_UNIQUE, HAS_ROWS):
        assert (name, TARGET) in names
    assert (PASSES_EXPECTATIONS, TARGET) in names
    assert (f"not_null_{MART}_realisasi_rp", TARGET) in names
    assert ("hitung_serapan", TARGET) in names
    assert ("dbt_model", TARGET) in names
    gx = check(checks, PASSES_EXPECTATIONS)
    # contract facts (column set, tahun range, pattern, enum) + business rules; not-null is the
    # contract check's rule (REQUIRED_NOT_NULL above), never GX's as well
    assert gx.metadata["expectations"] >= 8
    # The gate passed: the publish asset makes exactly this build the published mart.
    sha = sha256_file(build)
    success, failure = materialise_publish(paths)
    assert success, failure
    assert sha256_file(paths.published_db) == sha and not build.exists()


def test_contract_types_are_normalised_by_duckdb():
    assert normalise_type("DECIMAL(18, 2)") == "DECIMAL(18,2)"
    assert normalise_type("numeric(18,2)") == "DECIMAL(18,2)"
    assert normalise_type("TEXT") == "VARCHAR"
    assert normalise_type("INT") == "INTEGER"
    with pytest.raises(ValueError):
        normalise_type("VARCHAR; drop table x")


# --------------------------------------------------------------------------------------------
# One violation each
# --------------------------------------------------------------------------------------------


def test_missing_column_fails_matches_contract(tmp_path, contract):
    # breaks: the contract lists `keterangan`
    path = make_build(tmp_path / "b.duckdb", f"alter table marts.{MART} drop column keterangan")
    cc, gx = contract_and_gx(path, contract)
    bad = check(cc, MATCHES_CONTRACT)
    assert not bad.passed and bad.blocking
    assert "kolom hilang: keterangan" in bad.message
    assert bad.metadata["missing_columns"] == ["keterangan"]
    assert all(c.passed for c in cc if c.name != MATCHES_CONTRACT)
    assert not gx[0].passed  # GX's column-set expectation sees it too
    assert "kolom tabel harus persis seperti di kontrak" in gx[0].message


def test_wrong_type_fails_matches_contract(tmp_path, contract):
    # breaks: tahun is INTEGER in the contract; a BIGINT mart changes the published interface
    path = make_build(tmp_path / "b.duckdb", f"alter table marts.{MART} alter tahun type BIGINT")
    cc, _ = contract_and_gx(path, contract)
    bad = check(cc, MATCHES_CONTRACT)
    assert not bad.passed
    assert "tahun BIGINT (kontrak INTEGER)" in bad.message
    assert bad.metadata["wrong_types"] == {"tahun": {"contract": "INTEGER", "actual": "BIGINT"}}


def test_money_as_double_fails_matches_contract(tmp_path, contract):
    # breaks: money is DECIMAL(18,2), never float
    path = make_build(
        tmp_path / "b.duckdb", f"alter table marts.{MART} alter realisasi_rp type DOUBLE"
    )
    cc, _ = contract_and_gx(path, contract)
    bad = check(cc, MATCHES_CONTRACT)
    assert "realisasi_rp DOUBLE (kontrak DECIMAL(18,2))" in bad.message


def test_null_in_required_column_fails_required_not_null(tmp_path, contract):
    # breaks: realisasi_rp is required
    path = make_build(
        tmp_path / "b.duckdb", f"update marts.{MART} set realisasi_rp = null where tahun = 2024"
    )
    cc, gx = contract_and_gx(path, contract)
    bad = check(cc, REQUIRED_NOT_NULL)
    assert not bad.passed and bad.blocking
    assert "realisasi_rp (1 baris)" in bad.message
    assert bad.metadata["null_counts"] == {"realisasi_rp": 1}
    assert check(cc, MATCHES_CONTRACT).passed
    # One mechanism per rule: the contract check above, not a GX expectation as well.
    assert gx[0].passed, gx[0].message


def test_duplicate_key_fails_primary_key_unique(tmp_path, contract):
    # breaks: (tahun, kode_sub_kegiatan) is the primary key
    path = make_build(
        tmp_path / "b.duckdb",
        f"insert into marts.{MART} select * from marts.{MART} where tahun = 2024",
    )
    cc, _ = contract_and_gx(path, contract)
    bad = check(cc, PRIMARY_KEY_UNIQUE)
    assert not bad.passed and bad.blocking
    assert "2024/1.02.02.2.02.0004 (2x)" in bad.message
    assert bad.metadata["duplicate_keys"] == 1
    assert bad.metadata["examples"][0]["jumlah"] == 2
    assert all(c.passed for c in cc if c.name != PRIMARY_KEY_UNIQUE)


def test_a_slice_builds_rows_are_checked_for_its_pemda_only(tmp_path):
    """A slice build recomputed one pemda's rows of a sliced mart; the others are the last
    published build's. Where the key holds kode_pemda the gate reads the slice's rows only: a
    duplicate or a null there fails, one among the other pemda's rows is not looked at."""
    column = (
        "      - {name: kode_pemda, logicalType: string, physicalType: VARCHAR,"
        " required: true, primaryKey: true, primaryKeyPosition: 0}\n"
    )
    yaml = CONTRACT_YAML.replace("    properties:\n", "    properties:\n" + column, 1)
    folder = tmp_path / "marts"
    folder.mkdir()
    (folder / f"{MART}.odcs.yaml").write_text(yaml, encoding="utf-8")
    contract = load_contract(folder / f"{MART}.odcs.yaml")
    assert contract.primary_key[0] == "kode_pemda"
    two_pemda = [
        f"create table t as select * from marts.{MART}",
        f"drop table marts.{MART}",
        f"create table marts.{MART} as select k as kode_pemda, t.* from t, "
        "(values ('64.72'), ('64.01')) v(k)",
    ]
    lain = f"insert into marts.{MART} select * from marts.{MART} where kode_pemda = '64.01'"

    def row_checks(path: Path, pemda=None) -> tuple[bool, bool]:
        with duckdb.connect(str(path), read_only=True) as con:
            cc = contract_checks(con, [contract], pemda=pemda)
        return check(cc, PRIMARY_KEY_UNIQUE).passed, check(cc, REQUIRED_NOT_NULL).passed

    other = make_build(
        tmp_path / "lain.duckdb",
        *two_pemda,
        lain,
        f"update marts.{MART} set realisasi_rp = null where kode_pemda = '64.01'",
    )
    assert row_checks(other) == (False, False)  # a full build reads every row
    assert row_checks(other, ["64.72"]) == (True, True)
    mine = make_build(tmp_path / "irisan.duckdb", *two_pemda, lain.replace("64.01", "64.72"))
    assert row_checks(mine, ["64.72"]) == (False, True)
    assert row_checks(mine, []) == (True, True)  # an empty slice recomputed no row


def test_empty_table_fails_has_rows(tmp_path, contract):
    path = make_build(tmp_path / "b.duckdb", f"delete from marts.{MART}")
    cc, gx = contract_and_gx(path, contract)
    assert not check(cc, HAS_ROWS).passed
    assert "kosong" in check(cc, HAS_ROWS).message
    assert "tabel tidak boleh kosong" in gx[0].message


def test_missing_table_fails_every_contract_check(tmp_path, contract):
    path = make_build(tmp_path / "b.duckdb", f"drop table marts.{MART}")
    cc, gx = contract_and_gx(path, contract)
    assert len(cc) == 5 and not any(c.passed for c in cc)
    assert "tidak ada di hasil build" in check(cc, EXISTS).message
    assert not gx[0].passed and gx[0].blocking


def test_view_instead_of_table_fails_table_exists(tmp_path, contract):
    # breaks: a view in the mart would point at staging/raw Parquet that does not ship
    path = make_build(
        tmp_path / "b.duckdb",
        f"alter table marts.{MART} rename to t",
        f"create view marts.{MART} as select * from marts.t",
    )
    cc, _ = contract_and_gx(path, contract)
    assert not check(cc, EXISTS).passed
    assert "VIEW" in check(cc, EXISTS).message


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        # business rule: serapan exists wherever there is a pagu to divide by
        (f"update marts.{MART} set serapan_persen = null where tahun = 2024",
         "serapan_persen harus terisi bila pagu_akhir_rp > 0"),
        # business rule: money is never negative
        (f"update marts.{MART} set realisasi_rp = -5 where tahun = 2024",
         "realisasi_rp tidak boleh negatif (1 baris"),
        # business rule: pagu_akhir = pagu_perubahan where the final phase is the APBD-P
        (f"update marts.{MART} set pagu_akhir_rp = 1 where pagu_perubahan_rp = 6000000",
         "pagu_akhir_rp harus sama dengan pagu_perubahan_rp bila tahap akhir = perubahan (1 baris"),
        # business rule: where the final phase is murni, pagu_akhir = pagu_murni
        (f"update marts.{MART} set pagu_akhir_rp = 1 where tahun = 2024",
         "pagu_akhir_rp harus sama dengan pagu_murni_rp bila tahap akhir = murni (1 baris"),
        # contract: tahun minimum 2020, maximum 2035
        (f"update marts.{MART} set tahun = 2040 where tahun = 2024",
         "tahun harus minimal 2020 dan maksimal 2035 (1 baris, contoh: 2040)"),
        # contract: kode_sub_kegiatan pattern
        (f"update marts.{MART} set kode_sub_kegiatan = '1.02.02.1.02.0004' where tahun = 2024",
         "format kode_sub_kegiatan harus sesuai pola"),
        # contract: allowed values
        (f"update marts.{MART} set jenis_belanja = 'hibah' where tahun = 2024",
         "jenis_belanja hanya boleh berisi operasi, modal (1 baris, contoh: hibah)"),
    ],
    ids=["serapan", "negatif", "pagu-perubahan", "pagu-murni", "tahun", "pola", "enum"],
)  # fmt: skip
def test_gx_violation_fails_passes_expectations(tmp_path, contract, breakage, expected):
    path = make_build(tmp_path / "b.duckdb", breakage)
    cc, gx = contract_and_gx(path, contract)
    (suite,) = gx
    assert suite.name == PASSES_EXPECTATIONS and suite.target == TARGET
    assert not suite.passed and suite.blocking
    assert suite.metadata["failed_expectations"] == 1, suite.metadata["failures"]
    assert expected in suite.message, suite.message
    assert all(c.passed for c in cc)  # contract checks do not cover these rules


def test_duckdb_evaluation_finds_what_great_expectations_finds():
    """The gate evaluates its suites in DuckDB (lib/gate/expectations.py). On a table with nulls,
    every expectation type and row-condition operator the rules use finds exactly the rows GX
    itself finds on the same table as a pandas frame (pass/fail and unexpected count)."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    from dagster_project.lib.gate.expectations import Col, Suite, evaluate_suite, gxe

    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(
        """create table marts.t as select * from (values
            (1.0, 1.0, '1.01', 'x', true), (2.0, null, '1.02', 'y', false),
            (null, 3.0, '1.3', 'z', null), (null, null, null, null, true),
            (-1.0, -2.0, '2.01', 'x', false), (5.0, 7.0, '1.011', 'y', true),
            (12.0, 12.0, '9.99', 'x', true), (3.0, 2.0, 'x.01', null, false)
        ) t(a, b, kode, s, f)"""
    )
    on_x = Col("s") == "x"
    conditions = [
        None, on_x, Col("s") != "x", Col("a") > 2, Col("a") < 3, Col("a") >= 2, Col("a") <= 1,
        Col("b").is_null(), Col("b").is_not_null(), Col("s").is_in(["x", "y"]),
        on_x & (Col("f") == True),  # noqa: E712 (a GX row condition)
    ]  # fmt: skip
    rules = [
        lambda c: gxe.ExpectColumnValuesToBeBetween(column="a", min_value=0, row_condition=c),
        lambda c: gxe.ExpectColumnValuesToBeBetween(
            column="a", min_value=0, max_value=10, strict_min=True, row_condition=c
        ),
        lambda c: gxe.ExpectColumnValuesToMatchRegex(
            column="kode", regex=r"^\d\.\d{2}$", row_condition=c
        ),
        lambda c: gxe.ExpectColumnValuesToBeInSet(
            column="s", value_set=["x", "y"], row_condition=c
        ),
        lambda c: gxe.ExpectColumnValuesToBeNull(column="b", row_condition=c),
        lambda c: gxe.ExpectColumnValuesToNotBeNull(column="b", row_condition=c),
        lambda c: gxe.ExpectColumnPairValuesToBeEqual(column_A="a", column_B="b", row_condition=c),
        lambda c: gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="a", column_B="b", or_equal=True, row_condition=c
        ),
        lambda c: gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="a", column_B="b", ignore_row_if="either_value_is_missing", row_condition=c
        ),
    ]
    exps = [rule(c) for rule in rules for c in conditions]
    exps += [
        gxe.ExpectTableColumnsToMatchSet(column_set=["a", "b", "kode", "s", "f"], exact_match=True),
        gxe.ExpectTableColumnsToMatchSet(column_set=["a", "b"], exact_match=True),
        gxe.ExpectTableRowCountToBeBetween(min_value=1),
        gxe.ExpectTableRowCountToBeBetween(min_value=9),
    ]
    exps = [dataclasses.replace(e, meta={"aturan": f"r{i}"}) for i, e in enumerate(exps)]

    ours = {
        o.expectation.meta["aturan"]: o for o in evaluate_suite(con, "marts.t", Suite("t", exps))
    }
    suite = gx.ExpectationSuite(name="t", expectations=[e.to_gx() for e in exps])
    context = gx.get_context(
        mode="ephemeral",
        project_config=DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(),
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
        ),
    )
    source = context.data_sources.add_or_update_pandas("t")
    batch = source.add_dataframe_asset("t").add_batch_definition_whole_dataframe("all")
    frame = con.execute("select * from marts.t").df()
    result = batch.get_batch(batch_parameters={"dataframe": frame}).validate(suite)
    assert len(result.results) == len(exps)
    for r in result.results:
        key = r.expectation_config.meta["aturan"]
        mine = ours[key]
        assert mine.error is None, (key, mine.error)
        want = (r.success, r.result.get("unexpected_count"))
        assert (mine.success, mine.unexpected_count) == want, (key, mine.expectation)


# --------------------------------------------------------------------------------------------
# dbt results
# --------------------------------------------------------------------------------------------


def test_failing_dbt_test_blocks_and_names_the_model(tmp_path):
    rr = run_results(
        tmp_path,
        node(MODEL_UID, "success", None),
        node(TEST_UID, "fail", 3, "Got 3 results, configured to fail if != 0"),
        node(WARN_UID, "warn", 2, "Got 2 results, configured to warn if != 0"),
        node(UNIT_UID, "fail", None, "actual differs from expected"),
    )
    results = dbt_checks(rr, manifest(tmp_path))
    assert len(results) == 4
    failed = check(results, f"not_null_{MART}_realisasi_rp")
    assert not failed.passed and failed.blocking
    assert failed.metadata["failures"] == 3
    assert "3 baris melanggar aturan pada marts.mart_anggaran_realisasi" in failed.message
    warned = check(results, "assert_serapan_wajar")
    assert not warned.passed and not warned.blocking  # a warning never blocks
    assert "peringatan (2 baris)" in warned.message
    unit = check(results, "hitung_serapan")
    assert not unit.passed and unit.blocking
    assert check(results, "dbt_model").passed


def test_dbt_test_without_manifest_still_reported(tmp_path):
    rr = run_results(tmp_path, node(TEST_UID, "error", None, "Binder Error: column x"))
    (r,) = dbt_checks(rr, None)
    assert r.name == f"not_null_{MART}_realisasi_rp" and r.target == "dbt"
    assert not r.passed and r.blocking and "Binder Error" in r.message


def test_skipped_model_blocks(tmp_path):
    rr = run_results(tmp_path, node(MODEL_UID, "skipped", None))
    (r,) = dbt_checks(rr, None)
    assert r.target == TARGET and not r.passed and r.blocking
    assert "dilewati" in r.message


def test_missing_or_stale_run_results_is_one_blocking_failure(tmp_path, contract):
    (missing,) = dbt_checks(tmp_path / "nope" / "run_results.json", None)
    assert not missing.passed and missing.blocking
    assert "dbt tidak selesai" in missing.message

    old = run_results(
        tmp_path, node(TEST_UID, "pass"), generated_at=datetime.now(UTC) - timedelta(hours=2)
    )
    (stale,) = dbt_checks(old, None, started_at=datetime.now(UTC) - timedelta(minutes=5))
    assert not stale.passed and "proses sebelumnya" in stale.message

    (tmp_path / "run_results.json").write_text('{"results": [', encoding="utf-8")
    (torn,) = dbt_checks(tmp_path / "run_results.json", None)
    assert not torn.passed and "rusak" in torn.message

    # A good mart without dbt's results: that one failure alone stops the publish.
    paths = data_folder(tmp_path / "tanpa_hasil_dbt")
    build = make_build(build_file(paths))
    cc, gx = contract_and_gx(build, contract)
    checks = [*dbt_checks(paths.build / "dbt_target" / "run_results.json", None), *cc, *gx]
    assert [c.name for c in blocking_failures(checks)] == ["dbt_run_results"]
    success, failure = materialise_publish(paths)
    assert not success
    assert "Gerbang mutu gagal; mart lama tetap terbit" in failure
    assert "run_results.json" in failure
    assert not paths.published_db.exists() and build.exists()


# --------------------------------------------------------------------------------------------
# finalize_build
# --------------------------------------------------------------------------------------------


def test_finalize_build_drops_schemas_and_leaves_no_wal(tmp_path):
    parquet = tmp_path / "raw.parquet"
    path = tmp_path / "build.duckdb"
    with duckdb.connect() as mem:
        mem.execute(f"copy (select 1 as a) to '{parquet}' (format parquet)")
    with duckdb.connect(str(path)) as con:
        # leave un-checkpointed work behind, as a killed writer would
        con.execute("pragma disable_checkpoint_on_shutdown")
        con.execute("set checkpoint_threshold = '1GB'")
        con.execute("create schema staging")
        con.execute(f"create view staging.stg_raw as select * from read_parquet('{parquet}')")
        con.execute("create schema intermediate")
        con.execute("create table intermediate.int_x as select 1 as a")
        con.execute("create schema marts")
        con.execute("create table marts.mart_x as select 2 as b")
    assert wal_path(path).exists()

    info = finalize_build(path)
    assert info["dropped_schemas"] == ["staging", "intermediate"]
    assert not wal_path(path).exists()
    with duckdb.connect(str(path), read_only=True) as con:
        schemas = {r[0] for r in con.execute("select schema_name from duckdb_schemas()").fetchall()}
        assert {"staging", "intermediate"}.isdisjoint(schemas)
        assert con.execute("select b from marts.mart_x").fetchone() == (2,)

    # a build that still has a WAL is never published
    with duckdb.connect(str(path)) as con:
        con.execute("pragma disable_checkpoint_on_shutdown")
        con.execute("set checkpoint_threshold = '1GB'")
        con.execute("insert into marts.mart_x values (3)")
    paths = data_folder(tmp_path)
    with pytest.raises(PublishError, match="WAL"):  # the publish step refuses it
        publish(path, paths, run_id="run-wal", inputs=[], checks=[])
    assert not paths.published_db.exists()
