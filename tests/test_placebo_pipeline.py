"""The placebo world (issue 10): the same city, budget and spending, every true effect zero.

A method an evaluator would sign finds (almost) nothing here: at most 5 % of program-years are
efektif or tier A, and no reason claims an effect as "terbukti". One placebo demo is generated,
ingested by the real loader and built by dbt (the evidence marts, what they stand on, and their
data tests) once for the module. Dagster, the gate and publishing add nothing to the method: the
shared demo's run and test_automation's world exercise them.
"""

from __future__ import annotations

import duckdb
import pytest

from dagster_project.lib.contracts.model import source_contracts
from dagster_project.lib.demo.generator import generate
from dagster_project.lib.ingest.loader import ingest_source
from tests.pipeline_kit import build_models, pipeline_env

# What the tests read, and everything upstream of it.
EVIDENCE_MARTS = ("+mart_kinerja_program", "+mart_prioritas_alokasi", "+mart_skenario_alokasi")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def placebo(tmp_path_factory):
    """(build file, manifest) of the placebo world: generated, ingested, dbt-built."""
    root = tmp_path_factory.mktemp("plasebo")
    with pipeline_env(root) as paths:
        # the national DJPK/BPS files play no part in the effect method: left out
        manifest = generate(
            paths.landing, scale=0.3, years=(2024, 2025), tanpa_efek=True, pembanding=False
        )
        for contract in source_contracts().values():
            ingest_source(contract, paths, run_id="plasebo")
    build = build_models(root, "plasebo", *EVIDENCE_MARTS)
    return build, manifest


def test_placebo_world_finds_almost_no_effect_and_never_claims_proof(placebo):
    build, manifest = placebo
    assert manifest["kebenaran"]["tanpa_efek"] is True
    with duckdb.connect(str(build), read_only=True) as con:
        (rows, efektif_or_a, diukur) = con.execute(
            """select count(*),
                      count(*) filter (where k.klasifikasi = 'efektif' or p.tier = 'A'),
                      count(*) filter (where k.status_dampak <> 'tidak_terukur')
               from marts.mart_kinerja_program as k
               join marts.mart_prioritas_alokasi as p using (tahun, kode_skpd, kode_program)"""
        ).fetchone()
        claims = con.execute(
            """select kode_program, alasan from marts.mart_kinerja_program
               where alasan ilike '%terbukti%'
               union all
               select kode_program, alasan from marts.mart_prioritas_alokasi
               where alasan ilike '%terbukti%'"""
        ).fetchall()
    print(
        f"\nplasebo: {efektif_or_a} of {rows} program-years efektif or tier A ({diukur} measured)"
    )
    assert diukur >= 20, "the placebo must have effects to measure"
    assert efektif_or_a <= 0.05 * rows
    assert not claims, claims[:3]


def test_the_default_scenario_on_the_placebo_moves_no_money_towards_evidence(placebo):
    """Almost no tier A in a world without effects (issue 10's bar: at most 5 % of program-years
    efektif or A, the false positives of a 95 % interval), so the published default scenario
    protects and grows almost nothing on the strength of evidence: only tier B (its locks or B
    growth) and those few tier A programs may gain, only tier A is protected, and the total is
    the ceiling to the rupiah."""
    build, _ = placebo
    with duckdb.connect(str(build), read_only=True) as con:
        (rows, jumlah, pagu, tier_a, dilindungi_bukan_a, naik_bukan_ab) = con.execute(
            """select count(*), sum(pagu_usulan_rp), min(pagu_total_rp),
                      count(*) filter (where tier = 'A'),
                      count(*) filter (where dilindungi and tier <> 'A'),
                      count(*) filter (where perubahan_rp > 0 and tier not in ('A', 'B'))
               from marts.mart_skenario_alokasi where is_bawaan"""
        ).fetchone()
    assert rows > 0 and jumlah == pagu
    assert tier_a <= 0.05 * rows
    assert (dilindungi_bukan_a, naik_bukan_ab) == (0, 0)
