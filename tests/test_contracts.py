"""The contracts are valid ODCS and everything derived from them is in step."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import open_data_contract_standard
import pytest
import yaml

from dagster_project.lib.contracts.dbt_codegen import stale_files
from dagster_project.lib.contracts.model import (
    core_contracts,
    mart_contracts,
    polars_dtype,
    source_contracts,
)
from dagster_project.lib.core.paths import CONTRACTS_DIR

SCHEMA = json.loads(
    (Path(open_data_contract_standard.__file__).parent / "schema.json").read_text(encoding="utf-8")
)
ALL = sorted(CONTRACTS_DIR.rglob("*.odcs.yaml"))


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_contract_is_valid_odcs(path):
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    errors = list(jsonschema.Draft202012Validator(SCHEMA).iter_errors(doc))
    assert not errors, [e.message for e in errors]


def test_validator_rejects_a_broken_contract():
    doc = yaml.safe_load(ALL[0].read_text(encoding="utf-8"))
    doc["schema"][0]["properties"][0]["logicalType"] = "money"
    assert list(jsonschema.Draft202012Validator(SCHEMA).iter_errors(doc))


def test_every_source_column_is_fully_specified():
    for contract in source_contracts().values():
        assert contract.primary_key, contract.key
        for col in contract.columns:
            polars_dtype(col.physical_type)  # a type we can read into
            assert col.description, f"{contract.key}.{col.name} has no description"
            assert " / " in col.description, f"{contract.key}.{col.name}: Indonesian / English"
            if col.is_money:
                assert col.physical_type.upper().startswith("DECIMAL(18,2)")
            if col.name.startswith("kode_"):
                assert col.physical_type == "VARCHAR", "codes are text, never numbers"


@pytest.mark.parametrize(
    ("contracts", "one"),
    [(mart_contracts, "mart_anggaran_realisasi"), (core_contracts, "fct_realisasi")],
    ids=["marts", "dims-and-facts"],
)
def test_published_contracts_exist_codes_are_text_and_money_is_decimal(contracts, one):
    published = contracts()
    assert one in published
    for contract in published.values():
        for col in contract.columns:
            if col.name.endswith("_rp"):
                assert col.physical_type.upper() == "DECIMAL(18,2)", f"{contract.table}.{col.name}"
            if col.name.startswith("kode_"):
                assert col.physical_type == "VARCHAR", f"{contract.table}.{col.name}"
            assert col.description, f"{contract.table}.{col.name} has no description"


def test_generated_dbt_yaml_is_up_to_date():
    assert not stale_files(), "run: apbd contracts generate"
