"""Indonesian and other number formats as OPD, BPS and DJPK files write them (lib/core/idformat)."""

from __future__ import annotations

import polars as pl
import pytest

from dagster_project.lib.core.idformat import normalise_number

CASES = {
    "1.234.567,89": "1234567.89",  # Indonesian
    "Rp 1.250.000.000,50": "1250000000.50",
    "1,234,567.89": "1234567.89",  # English, from an English-locale Excel
    "66,41": "66.41",  # comma decimal (BPS files mix both in one column)
    "72.29": "72.29",
    "0,381": "0.381",  # a Gini ratio: a group never follows a leading 0, so never 381
    "0.381": "0.381",
    "-0,5": "-0.5",
    "(1.000)": "-1000",  # accounting negative
    "\u20132,95": "-2.95",  # an en dash for minus (BPS growth 2020, as Excel autocorrects it)
    "\u22120,5": "-0.5",  # the minus sign
    "1250000000.5": "1250000000.5",  # Excel float
    "0": "0",
}


@pytest.mark.parametrize(("text", "number"), sorted(CASES.items()))
def test_numbers_as_files_write_them(text: str, number: str) -> None:
    got = pl.select(normalise_number(pl.lit(text))).item()
    assert got == number


@pytest.mark.parametrize("text", ["12.3.4", "satu juta", "1,2,3", "--5", ""])
def test_what_is_not_a_number_becomes_null_and_is_never_guessed(text: str) -> None:
    assert pl.select(normalise_number(pl.lit(text))).item() is None
