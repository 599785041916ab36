"""Great Expectations (1.x) suites for the marts, built from the mart contracts.

Contract facts (column set, `logicalTypeOptions` minimum/maximum/exclusiveMinimum, `pattern`,
allowed values) become expectations here, so they are written once, in the contract. Required
columns are not restated: not-null is dbt's constraint in the build and the gate's contract check
(`required_not_null`) on the file. What a contract cannot say (money is never negative, the revised budget replaces
the original one, …) is a business rule, registered by model name in `BUSINESS_RULES`.

GX validates pandas frames read from the read-only build connection (`con.execute(...).df()`);
never GX over SQLAlchemy on DuckDB (stack.md: silently wrong). GX is imported inside the
functions that need it (~3-6 s import) and runs in an ephemeral, in-memory context with analytics
and progress bars off: nothing is written to disk, nothing is sent anywhere.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import duckdb

from dagster_project.lib.contracts.reference import parameters
from dagster_project.lib.gate.checks import PASSES_EXPECTATIONS, CheckResult, qident

if TYPE_CHECKING:
    import great_expectations as gx
    import pandas as pd
    from great_expectations.expectations import Expectation

    from dagster_project.lib.contracts.model import Contract

_NUMERIC = {"integer", "number", "decimal", "double", "float", "long", "int"}
_EXAMPLES = 5


def _meta(aturan: str, rule: str, source: str) -> dict[str, str]:
    """Indonesian rule (shown to users), English rule, and where the rule comes from."""
    return {"aturan": aturan, "rule": rule, "source": source}


def _gx():
    # GX reads this when a context is created; set it before import for older code paths too.
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    import great_expectations as gx
    import great_expectations.expectations as gxe

    return gx, gxe


# --------------------------------------------------------------------------------------------
# Contract facts → expectations
# --------------------------------------------------------------------------------------------


def _typed(value: str, logical_type: str) -> Any:
    if logical_type in ("integer", "int", "long"):
        return int(value)
    if logical_type in _NUMERIC:
        return float(value)
    return value


def contract_expectations(contract: Contract) -> list[Expectation]:
    """Expectations that restate facts of the contract (nothing else): the column set, ranges,
    patterns and allowed values."""
    _, gxe = _gx()
    src = f"contract:{contract.path.name}"
    exps: list[Expectation] = [
        gxe.ExpectTableColumnsToMatchSet(
            column_set=contract.column_names,
            exact_match=True,
            meta=_meta(
                "kolom tabel harus persis seperti di kontrak",
                "columns must match the contract exactly",
                src,
            ),
        )
    ]
    # Not-null is not restated here: dbt's not_null constraint enforces it in the build and the
    # gate's contract check (`required_not_null`) checks the file; one rule, one mechanism there.
    for c in contract.columns:
        low, strict = c.minimum, False
        if isinstance(c.exclusive_minimum, bool):  # JSON-Schema draft-4 style: a flag
            strict = c.exclusive_minimum
        elif c.exclusive_minimum is not None:
            low, strict = c.exclusive_minimum, True
        high = c.maximum
        if (low is not None or high is not None) and c.logical_type in _NUMERIC:
            kwargs: dict[str, Any] = {"column": c.name}
            parts_id, parts_en = [], []
            if low is not None:
                kwargs["min_value"] = low
                kwargs["strict_min"] = strict
                parts_id.append(f"{'lebih dari' if strict else 'minimal'} {low:g}")
                parts_en.append(f"{'>' if strict else '>='} {low:g}")
            if high is not None:
                kwargs["max_value"] = high
                parts_id.append(f"maksimal {high:g}")
                parts_en.append(f"<= {high:g}")
            exps.append(
                gxe.ExpectColumnValuesToBeBetween(
                    **kwargs,
                    meta=_meta(
                        f"{c.name} harus {' dan '.join(parts_id)}",
                        f"{c.name} must be {' and '.join(parts_en)}",
                        src,
                    ),
                )
            )
        if c.pattern:
            exps.append(
                gxe.ExpectColumnValuesToMatchRegex(
                    column=c.name,
                    regex=c.pattern,
                    meta=_meta(
                        f"format {c.name} harus sesuai pola {c.pattern}",
                        f"{c.name} must match {c.pattern}",
                        src,
                    ),
                )
            )
        if c.enum:
            values = [_typed(v, c.logical_type) for v in c.enum]
            exps.append(
                gxe.ExpectColumnValuesToBeInSet(
                    column=c.name,
                    value_set=values,
                    meta=_meta(
                        f"{c.name} hanya boleh berisi {', '.join(map(str, values))}",
                        f"{c.name} must be one of {values}",
                        src,
                    ),
                )
            )
    return exps


# --------------------------------------------------------------------------------------------
# Business rules, by model name
# --------------------------------------------------------------------------------------------

_MONEY_RULE = re.compile(r"^(pagu|realisasi)(_\w+)?_rp$")


def anggaran_realisasi_rules(contract: Contract) -> list[Expectation]:
    """mart_anggaran_realisasi: money never negative, serapan set exactly where pagu akhir > 0,
    pagu akhir = the pagu of the final phase where that is perubahan or murni (a pergeseran final
    phase is checked by dbt against fct_anggaran); at least one row."""
    _, gxe = _gx()
    from great_expectations.expectations.row_conditions import Column as Col

    src = "business:mart_anggaran_realisasi"
    exps: list[Expectation] = [
        gxe.ExpectColumnValuesToBeBetween(
            column=name,
            min_value=0,
            meta=_meta(f"{name} tidak boleh negatif", f"{name} must not be negative", src),
        )
        for name in contract.column_names
        if _MONEY_RULE.match(name)
    ]
    exps += [
        # Realisation above pagu is a finding (flagged in `melebihi_pagu`), not a broken build;
        # what must hold is that serapan exists exactly where there is a pagu to divide by.
        *_serapan_rules(src),
        gxe.ExpectColumnPairValuesToBeEqual(
            column_A="pagu_akhir_rp",
            column_B="pagu_perubahan_rp",
            row_condition=Col("tahap_akhir") == "perubahan",
            meta=_meta(
                "pagu_akhir_rp harus sama dengan pagu_perubahan_rp bila tahap akhir = perubahan",
                "pagu_akhir_rp must equal pagu_perubahan_rp where the final phase is perubahan",
                src,
            ),
        ),
        gxe.ExpectColumnPairValuesToBeEqual(
            column_A="pagu_akhir_rp",
            column_B="pagu_murni_rp",
            row_condition=Col("tahap_akhir") == "murni",
            meta=_meta(
                "pagu_akhir_rp harus sama dengan pagu_murni_rp bila tahap akhir = murni",
                "pagu_akhir_rp must equal pagu_murni_rp where the final phase is murni",
                src,
            ),
        ),
    ]
    return exps


def kepatuhan_belanja_rules(contract: Contract) -> list[Expectation]:
    """mart_kepatuhan_belanja: money never negative, the measured spending never exceeds its base,
    a rule is met exactly when no reallocation is needed; at least one row."""
    _, gxe = _gx()
    from great_expectations.expectations.row_conditions import Column as Col

    src = "business:mart_kepatuhan_belanja"
    exps: list[Expectation] = [
        gxe.ExpectColumnValuesToBeBetween(
            column=name,
            min_value=0,
            meta=_meta(f"{name} tidak boleh negatif", f"{name} must not be negative", src),
        )
        for name in ("total_belanja_rp", "pembilang_rp", "penyebut_rp", "batas_rp")
    ]
    exps += [
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="penyebut_rp",
            column_B="pembilang_rp",
            or_equal=True,
            meta=_meta(
                "pembilang_rp tidak boleh melebihi penyebut_rp (bagian dari keseluruhan)",
                "pembilang_rp must not exceed penyebut_rp (a part of the whole)",
                src,
            ),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="penyesuaian_rp",
            value_set=[0],
            row_condition=Col("memenuhi") == True,  # noqa: E712 - GX row condition, not Python truth
            meta=_meta(
                "penyesuaian_rp harus 0 bila aturan terpenuhi",
                "penyesuaian_rp must be 0 where the rule is met",
                src,
            ),
        ),
        gxe.ExpectTableRowCountToBeBetween(
            min_value=1,
            meta=_meta("tabel tidak boleh kosong", "table must have at least one row", src),
        ),
    ]
    return exps


def kepatuhan_belanja_program_rules(contract: Contract) -> list[Expectation]:
    """mart_kepatuhan_belanja_program: money never negative (budget and SP2D are never negative)
    and every counted part lies within the program's total."""
    _, gxe = _gx()

    src = "business:mart_kepatuhan_belanja_program"
    money = [c.name for c in contract.columns if c.is_money]
    exps: list[Expectation] = [
        gxe.ExpectColumnValuesToBeBetween(
            column=name,
            min_value=0,
            meta=_meta(f"{name} tidak boleh negatif", f"{name} must not be negative", src),
        )
        for name in money
    ]
    exps += [
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=whole,
            column_B=part,
            or_equal=True,
            meta=_meta(
                f"{part} tidak boleh melebihi {whole}",
                f"{part} must not exceed {whole}",
                src,
            ),
        )
        for whole, part in (
            ("total_belanja_rp", "belanja_pegawai_rp"),
            ("belanja_pegawai_rp", "belanja_pegawai_hkpd_rp"),
            ("total_belanja_rp", "pendidikan_rp"),
            ("total_belanja_rp", "infrastruktur_rp"),
            ("total_belanja_rp", "kesehatan_rp"),
        )
    ]
    return exps


def skenario_alokasi_rules(contract: Contract) -> list[Expectation]:
    """mart_skenario_alokasi: base, committed staff and proposal never negative; a proposal never
    below committed staff spending; the infrastructure part within the proposal. The table may be
    empty (no scenario saved yet)."""
    _, gxe = _gx()

    src = "business:mart_skenario_alokasi"
    exps: list[Expectation] = [
        gxe.ExpectColumnValuesToBeBetween(
            column=name,
            min_value=0,
            meta=_meta(f"{name} tidak boleh negatif", f"{name} must not be negative", src),
        )
        for name in (
            "pagu_dasar_rp",
            "belanja_pegawai_rp",
            "pagu_usulan_rp",
            "infrastruktur_usulan_rp",
            "pagu_total_rp",
        )
    ]
    exps += [
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=whole,
            column_B=part,
            or_equal=True,
            meta=_meta(aturan, rule, src),
        )
        for whole, part, aturan, rule in (
            (
                "pagu_usulan_rp",
                "belanja_pegawai_rp",
                "pagu usulan tidak boleh di bawah belanja pegawai terikat",
                "the proposal must not fall below committed staff spending",
            ),
            (
                "pagu_usulan_rp",
                "infrastruktur_usulan_rp",
                "bagian infrastruktur tidak boleh melebihi pagu usulan",
                "the infrastructure part must not exceed the proposal",
            ),
        )
    ]
    return exps


def _serapan_rules(src: str) -> list[Expectation]:
    """serapan_persen is set exactly where there is a pagu to divide by."""
    _, gxe = _gx()
    from great_expectations.expectations.row_conditions import Column as Col

    return [
        gxe.ExpectColumnValuesToNotBeNull(
            column="serapan_persen",
            row_condition=Col("pagu_akhir_rp") > 0,
            meta=_meta(
                "serapan_persen harus terisi bila pagu_akhir_rp > 0",
                "serapan_persen must be set where pagu_akhir_rp > 0",
                src,
            ),
        ),
        gxe.ExpectColumnValuesToBeNull(
            column="serapan_persen",
            row_condition=Col("pagu_akhir_rp") == 0,
            meta=_meta(
                "serapan_persen harus kosong bila pagu_akhir_rp = 0 (tidak dibagi nol)",
                "serapan_persen must be null where pagu_akhir_rp = 0",
                src,
            ),
        ),
        gxe.ExpectTableRowCountToBeBetween(
            min_value=1,
            meta=_meta("tabel tidak boleh kosong", "table must have at least one row", src),
        ),
    ]


def kinerja_program_rules(contract: Contract) -> list[Expectation]:
    """mart_kinerja_program: serapan only with a pagu; the class agrees with the figures it
    rests on (serapan of the tiered money < 60 is serapan_rendah; efektif has its whole effect
    interval above 0 and at least the minimum evidence of ref_aturan_dampak); located spending is
    part of the realisation."""
    _, gxe = _gx()
    from great_expectations.expectations.row_conditions import Column as Col

    src = "business:mart_kinerja_program"
    aturan = parameters("ref_aturan_dampak")  # the effect method's rule, from its seed
    return [
        *_serapan_rules(src),
        gxe.ExpectColumnValuesToBeInSet(
            column="klasifikasi",
            value_set=["serapan_rendah"],
            row_condition=Col("serapan_dinilai_persen") < 60,
            meta=_meta(
                "program dengan serapan di bawah 60% harus berklasifikasi serapan_rendah",
                "a programme absorbing under 60 % must be classed serapan_rendah",
                src,
            ),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="selisih_batas_bawah",
            min_value=0,
            strict_min=True,
            row_condition=Col("klasifikasi") == "efektif",
            meta=_meta(
                "program efektif harus punya seluruh rentang dampak di atas 0",
                "an efektif programme must have its whole effect interval above 0",
                src,
            ),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="jumlah_kelurahan_sasaran",
            min_value=aturan["kelurahan_sasaran_min"],
            row_condition=Col("klasifikasi") == "efektif",
            meta=_meta(
                f"program efektif harus punya sekurang-kurangnya "
                f"{aturan['kelurahan_sasaran_min']:g} kelurahan sasaran (ref_aturan_dampak)",
                "an efektif programme must rest on the minimum number of kelurahan",
                src,
            ),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="belanja_sasaran_rp",
            min_value=aturan["belanja_sasaran_min_rp"],
            row_condition=Col("klasifikasi") == "efektif",
            meta=_meta(
                f"program efektif harus berbelanja sekurang-kurangnya "
                f"Rp{aturan['belanja_sasaran_min_rp']:,.0f} di kelurahan sasaran (ref_aturan_dampak)",
                "an efektif programme must rest on the minimum spending",
                src,
            ),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="klasifikasi",
            value_set=[
                "serapan_rendah",
                "tidak_efektif",
                "belum_dapat_dinilai",
                "belum_cukup_bukti",
            ],
            row_condition=Col("status_dampak") == "belum_cukup_bukti",
            meta=_meta(
                "belum cukup bukti dampak tidak pernah efektif (dan tidak_efektif hanya karena "
                "serapan atau keluaran)",
                "not enough evidence is never efektif",
                src,
            ),
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="realisasi_rp",
            column_B="realisasi_berlokasi_rp",
            or_equal=True,
            meta=_meta(
                "realisasi berlokasi tidak boleh melebihi realisasi",
                "located realisation must not exceed realisation",
                src,
            ),
        ),
    ]


def kinerja_sub_kegiatan_rules(contract: Contract) -> list[Expectation]:
    """mart_kinerja_sub_kegiatan: serapan only with a pagu; a missing capaian always says why;
    a cost ratio only with a cost per unit; a missing cost per unit always says why."""
    _, gxe = _gx()
    from great_expectations.expectations.row_conditions import Column as Col

    src = "business:mart_kinerja_sub_kegiatan"
    return [
        *_serapan_rules(src),
        gxe.ExpectColumnValuesToNotBeNull(
            column="alasan_capaian_kosong",
            row_condition=Col("capaian_keluaran_persen").is_null(),
            meta=_meta(
                "capaian_keluaran_persen kosong harus disertai alasan_capaian_kosong",
                "a null capaian_keluaran_persen must come with a reason",
                src,
            ),
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="biaya_per_unit_rp",
            row_condition=Col("rasio_biaya_terhadap_median").is_not_null(),
            meta=_meta(
                "rasio biaya hanya ada bila biaya per unit ada",
                "a cost ratio needs a cost per unit",
                src,
            ),
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="alasan_tanpa_biaya_per_unit",
            row_condition=Col("biaya_per_unit_rp").is_null(),
            meta=_meta(
                "biaya per unit kosong harus disertai alasan_tanpa_biaya_per_unit",
                "a missing cost per unit must say why",
                src,
            ),
        ),
    ]


def kebutuhan_wilayah_rules(contract: Contract) -> list[Expectation]:
    """mart_kebutuhan_wilayah: one city row per year that is never ranked or flagged; a kelurahan
    whose service cannot be ranked (a tie at zero) is never flagged; every kelurahan row has a
    population."""
    _, gxe = _gx()
    from great_expectations.expectations.row_conditions import Column as Col

    src = "business:mart_kebutuhan_wilayah"
    return [
        gxe.ExpectColumnValuesToBeInSet(
            column="kurang_terlayani",
            value_set=[False],
            row_condition=Col("tingkat_wilayah") == "kota",
            meta=_meta(
                "baris kota tidak pernah ditandai kurang terlayani",
                "the city row is never flagged under-served",
                src,
            ),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="kurang_terlayani",
            value_set=[False],
            row_condition=Col("dasar_penilaian_layanan") == "tidak_dinilai",
            meta=_meta(
                "kelurahan yang layanannya tidak dapat diperingkat tidak ditandai kurang terlayani",
                "a kelurahan whose service cannot be ranked is never flagged under-served",
                src,
            ),
        ),
        gxe.ExpectColumnValuesToBeNull(
            column="peringkat_kesenjangan",
            row_condition=Col("tingkat_wilayah") == "kota",
            meta=_meta(
                "baris kota tidak diberi peringkat kesenjangan",
                "the city row has no gap rank",
                src,
            ),
        ),
        gxe.ExpectColumnValuesToNotBeNull(
            column="jumlah_penduduk",
            row_condition=Col("tingkat_wilayah") == "kelurahan",
            meta=_meta(
                "setiap kelurahan harus punya jumlah penduduk (Dukcapil) untuk belanja per kapita",
                "every kelurahan needs a population for spending per capita",
                src,
            ),
        ),
        gxe.ExpectTableRowCountToBeBetween(
            min_value=1,
            meta=_meta("tabel tidak boleh kosong", "table must have at least one row", src),
        ),
    ]


def _prioritas_rules(src: str, kolom_terukur: str) -> list[Expectation]:
    """Tier rules shared by mart_prioritas_alokasi and its sub kegiatan drill-down: a tier A row
    has the data quality, the score and the proven effect the rule asks for; nothing measurable
    never earns A; poor data never makes a cut candidate; support programs stay B."""
    _, gxe = _gx()
    from great_expectations.expectations.row_conditions import Column as Col

    aturan = parameters("ref_aturan_tier")  # the tier rule, from its seed
    return [
        gxe.ExpectColumnValuesToBeBetween(
            column="mutu_data",
            min_value=aturan["mutu_data_min_a"],
            row_condition=Col("tier") == "A",
            meta=_meta(
                f"tier A harus punya mutu data minimal {aturan['mutu_data_min_a']:g} "
                "(mutu_data_min_a di ref_aturan_tier)",
                "a tier A row must have data quality of at least mutu_data_min_a",
                src,
            ),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="skor_bukti",
            min_value=aturan["ambang_a"],
            row_condition=Col("tier") == "A",
            meta=_meta(
                f"tier A harus punya skor bukti minimal {aturan['ambang_a']:g} (ambang_a)",
                "a tier A row must score at least ambang_a",
                src,
            ),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="dampak_terbukti",
            value_set=[True],
            row_condition=Col("tier") == "A",
            meta=_meta(
                "tier A hanya untuk program yang dampak outcome-nya terlihat (rentang di atas 0)",
                "tier A needs an outcome effect whose interval lies above 0",
                src,
            ),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="klasifikasi_kinerja",
            value_set=["efektif"],
            row_condition=Col("tier") == "A",
            meta=_meta(
                "tier A hanya untuk klasifikasi efektif (satu putusan, satu cerita)",
                "tier A only for an efektif klasifikasi",
                src,
            ),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="klasifikasi_kinerja",
            value_set=["serapan_rendah", "tidak_efektif"],
            row_condition=Col("tier") == "D",
            meta=_meta(
                "tier D hanya dengan bukti pemborosan (serapan_rendah atau tidak_efektif); "
                "belum cukup bukti bukan gagal",
                "tier D only with evidence of waste",
                src,
            ),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="tier",
            value_set=["B", "C"],
            row_condition=Col("klasifikasi_kinerja") == "belum_cukup_bukti",
            meta=_meta(
                "belum cukup bukti tidak pernah tier A atau D",
                "not enough evidence is never tier A or D",
                src,
            ),
        ),
        gxe.ExpectColumnValuesToBeNull(
            column="tier",
            row_condition=Col("ditier") == False,  # noqa: E712 (GX column condition)
            meta=_meta(
                "BTT dan transfer (ref_belanja_bukti) di luar tier: tier kosong",
                "rows outside the tiers have no tier",
                src,
            ),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="tier",
            value_set=["B", "C", "D"],
            row_condition=Col(kolom_terukur) == 0,
            meta=_meta(
                "tanpa indikator terukur tidak pernah tier A",
                "nothing measurable never earns tier A",
                src,
            ),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="mutu_data",
            min_value=aturan["mutu_data_min_d"],
            row_condition=(Col("tier") == "D") & (Col("klasifikasi_kinerja") == "tidak_efektif"),
            meta=_meta(
                f"tier D karena tidak efektif harus punya mutu data minimal "
                f"{aturan['mutu_data_min_d']:g} (mutu data buruk saja memberi C, bukan D)",
                "a tier D row judged tidak_efektif must have data quality of at least "
                "mutu_data_min_d",
                src,
            ),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="tier",
            value_set=["B"],
            row_condition=Col("program_penunjang") == True,  # noqa: E712 (GX column condition)
            meta=_meta(
                "program penunjang selalu tier B (tidak dinilai terhadap outcome)",
                "support programs are always tier B",
                src,
            ),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="tier",
            # B, or C when it has no pagu or nothing measurable (those rules come first)
            value_set=["B", "C"],
            row_condition=Col("program_baru") == True,  # noqa: E712
            meta=_meta(
                "program baru tanpa riwayat tidak pernah A atau D",
                "a new program is never A or D",
                src,
            ),
        ),
    ]


def prioritas_alokasi_rules(contract: Contract) -> list[Expectation]:
    """mart_prioritas_alokasi: the tier rules, and the table is never empty."""
    _, gxe = _gx()
    src = "business:mart_prioritas_alokasi"
    return [
        *_prioritas_rules(src, "jumlah_sub_kegiatan_terukur"),
        gxe.ExpectTableRowCountToBeBetween(
            min_value=1,
            meta=_meta("tabel tidak boleh kosong", "table must have at least one row", src),
        ),
    ]


def rekonsiliasi_djpk_rules(contract: Contract) -> list[Expectation]:
    """mart_rekonsiliasi_djpk: a difference exists exactly where a year is compared (both sides
    have it), and the table is never silently empty (a year only one side has is a row too)."""
    _, gxe = _gx()
    from great_expectations.expectations.row_conditions import Column as Col

    src = "business:mart_rekonsiliasi_djpk"
    compared = Col("status_perbandingan") == "dibandingkan"
    exps: list[Expectation] = [
        gxe.ExpectColumnValuesToNotBeNull(
            column=name,
            row_condition=compared,
            meta=_meta(
                f"{name} harus terisi bila tahun itu dibandingkan",
                f"{name} must be set where the year is compared",
                src,
            ),
        )
        for name in ("gudang_rp", "djpk_rp", "selisih_rp")
    ]
    exps += [
        gxe.ExpectColumnValuesToBeNull(
            column="selisih_rp",
            row_condition=Col("status_perbandingan") != "dibandingkan",
            meta=_meta(
                "selisih_rp harus kosong bila tahun itu hanya ada di satu sisi",
                "selisih_rp must be null where only one side has the year",
                src,
            ),
        ),
        gxe.ExpectTableRowCountToBeBetween(
            min_value=1,
            meta=_meta("tabel tidak boleh kosong", "table must have at least one row", src),
        ),
    ]
    return exps


def prioritas_sub_kegiatan_rules(contract: Contract) -> list[Expectation]:
    """mart_prioritas_sub_kegiatan: the same tier rules per sub kegiatan."""
    return _prioritas_rules("business:mart_prioritas_sub_kegiatan", "jumlah_indikator_terukur")


def perubahan_anggaran_rules(contract: Contract) -> list[Expectation]:
    """mart_perubahan_anggaran: a line without its earlier side is ditambah, without its later
    side dihapus, and only a matched line can be berubah, dipindah or tetap (issue 14 §1)."""
    _, gxe = _gx()
    from great_expectations.expectations.row_conditions import Column as Col

    src = "business:mart_perubahan_anggaran"
    return [
        gxe.ExpectColumnValuesToBeInSet(
            column="status",
            value_set=["ditambah"],
            row_condition=Col("pagu_dari_rp").is_null(),
            meta=_meta(
                "baris tanpa sisi awal berstatus ditambah",
                "a line without its earlier side is 'ditambah'",
                src,
            ),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="status",
            value_set=["dihapus"],
            row_condition=Col("pagu_ke_rp").is_null(),
            meta=_meta(
                "baris tanpa sisi akhir berstatus dihapus",
                "a line without its later side is 'dihapus'",
                src,
            ),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="cara_pencocokan",
            value_set=["tidak_ditemukan"],
            row_condition=Col("status").is_in(["ditambah", "dihapus"]),
            meta=_meta(
                "baris ditambah atau dihapus tidak punya pasangan",
                "an added or removed line has no match",
                src,
            ),
        ),
    ]


def rekonsiliasi_realisasi_rules(contract: Contract) -> list[Expectation]:
    """mart_rekonsiliasi_realisasi: a difference exists exactly where the OPD reported, and
    'cocok' never lies outside the tolerance (issue 14 §2)."""
    _, gxe = _gx()
    from great_expectations.expectations.row_conditions import Column as Col

    src = "business:mart_rekonsiliasi_realisasi"
    return [
        gxe.ExpectColumnValuesToBeNull(
            column="selisih_rp",
            row_condition=Col("dilaporkan_rp").is_null(),
            meta=_meta(
                "selisih_rp kosong bila OPD tidak melaporkan",
                "no difference where nothing was reported",
                src,
            ),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="status",
            value_set=["sp2d_tanpa_laporan"],
            row_condition=Col("dilaporkan_rp").is_null(),
            meta=_meta(
                "tanpa laporan berstatus sp2d_tanpa_laporan",
                "a row without a report is 'sp2d_tanpa_laporan'",
                src,
            ),
        ),
    ]


BusinessRules = Callable[["Contract"], list["Expectation"]]


# Rules a contract cannot state, one entry per mart model. Keep each rule in one mechanism:
# types/nulls/ranges of a single column belong in the contract, keys/relationships in dbt tests.
def proyeksi_serapan_rules(contract: Contract) -> list[Expectation]:
    """mart_proyeksi_serapan (issue 14 §3): money never negative, the forecast inside its range
    (bawah <= proyeksi <= atas), at least one row."""
    _, gxe = _gx()
    src = "business:mart_proyeksi_serapan"
    exps: list[Expectation] = [
        gxe.ExpectColumnValuesToBeBetween(
            column=name,
            min_value=0,
            meta=_meta(f"{name} tidak boleh negatif", f"{name} must not be negative", src),
        )
        for name in ("pagu_akhir_rp", "proyeksi_realisasi_rp", "rencana_kas_kumulatif_rp")
    ]
    for low, high in (
        ("proyeksi_serapan_bawah_persen", "proyeksi_serapan_persen"),
        ("proyeksi_serapan_persen", "proyeksi_serapan_atas_persen"),
    ):
        exps.append(
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=high,
                column_B=low,
                or_equal=True,
                ignore_row_if="either_value_is_missing",
                meta=_meta(
                    f"{low} tidak boleh di atas {high} (proyeksi di dalam rentangnya)",
                    f"{low} must not exceed {high} (the forecast lies in its range)",
                    src,
                ),
            )
        )
    exps.append(
        gxe.ExpectTableRowCountToBeBetween(
            min_value=1,
            meta=_meta("tabel tidak boleh kosong", "table must have at least one row", src),
        )
    )
    return exps


def anomali_rules(contract: Contract) -> list[Expectation]:
    """mart_anomali (issue 14 §4): every row is worded as a review item ("Untuk ditelaah: ..."),
    never an accusation, and the amount under review is positive."""
    _, gxe = _gx()
    src = "business:mart_anomali"
    return [
        gxe.ExpectColumnValuesToMatchRegex(
            column="alasan",
            regex=r"^Untuk ditelaah: ",
            meta=_meta(
                "alasan harus diawali 'Untuk ditelaah: ' (bahan telaah, bukan tuduhan)",
                "alasan must start with 'Untuk ditelaah: ' (a review item, not an accusation)",
                src,
            ),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="nilai_rp",
            min_value=0,
            strict_min=True,
            meta=_meta("nilai_rp harus lebih dari 0", "nilai_rp must be positive", src),
        ),
    ]


BUSINESS_RULES: dict[str, BusinessRules] = {
    "mart_anggaran_realisasi": anggaran_realisasi_rules,
    "mart_kinerja_program": kinerja_program_rules,
    "mart_kinerja_sub_kegiatan": kinerja_sub_kegiatan_rules,
    "mart_kebutuhan_wilayah": kebutuhan_wilayah_rules,
    "mart_kepatuhan_belanja": kepatuhan_belanja_rules,
    "mart_kepatuhan_belanja_program": kepatuhan_belanja_program_rules,
    "mart_skenario_alokasi": skenario_alokasi_rules,
    "mart_prioritas_alokasi": prioritas_alokasi_rules,
    "mart_prioritas_sub_kegiatan": prioritas_sub_kegiatan_rules,
    "mart_rekonsiliasi_djpk": rekonsiliasi_djpk_rules,
    "mart_proyeksi_serapan": proyeksi_serapan_rules,
    "mart_anomali": anomali_rules,
    "mart_perubahan_anggaran": perubahan_anggaran_rules,
    "mart_rekonsiliasi_realisasi": rekonsiliasi_realisasi_rules,
}


def build_suite(
    contract: Contract, business_rules: Mapping[str, BusinessRules] = BUSINESS_RULES
) -> gx.ExpectationSuite:
    """The GX suite of one mart: contract facts + the model's business rules."""
    gx, _ = _gx()
    exps = contract_expectations(contract)
    if rules := business_rules.get(contract.table):
        exps += rules(contract)
    return gx.ExpectationSuite(name=contract.table, expectations=exps)


@functools.cache
def _context():
    """One ephemeral GX context per process (creating one costs about a second; the gate checks
    twelve marts, one asset check each). Each validation replaces its mart's data source."""
    gx, _ = _gx()
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def validate_frame(df: pd.DataFrame, suite: gx.ExpectationSuite, *, context=None):
    """Validate one pandas frame against one suite in an ephemeral context."""
    context = context or _context()
    source = context.data_sources.add_or_update_pandas(f"mart_{suite.name}")
    asset = source.add_dataframe_asset(suite.name)
    batch_def = asset.add_batch_definition_whole_dataframe("whole")
    batch = batch_def.get_batch(batch_parameters={"dataframe": df})
    return batch.validate(suite, result_format="SUMMARY")


# --------------------------------------------------------------------------------------------
# The gate's view: one CheckResult per suite
# --------------------------------------------------------------------------------------------


def _jsonable(v: Any) -> Any:
    if v is None or isinstance(v, bool | int | str):
        return v
    if isinstance(v, float):
        return float(v) if v == v else None  # NaN -> null; np.float64 -> float
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    if hasattr(v, "item"):  # numpy scalar
        return _jsonable(v.item())
    return str(v)


def _severity(cfg) -> str:
    sev = getattr(cfg, "severity", None) or "critical"
    return str(getattr(sev, "value", sev)).lower()


def _failure(r) -> dict[str, Any]:
    cfg = r.expectation_config
    meta = cfg.meta or {}
    res = r.result or {}
    exc = r.exception_info or {}
    raised = exc.get("raised_exception") if isinstance(exc, dict) else False
    return {
        "expectation": cfg.type,
        "column": cfg.kwargs.get("column") or cfg.kwargs.get("column_A"),
        "aturan": meta.get("aturan", cfg.type),
        "rule": meta.get("rule", cfg.type),
        "source": meta.get("source"),
        "severity": _severity(cfg),
        "unexpected_count": _jsonable(res.get("unexpected_count")),
        "unexpected_percent": _jsonable(res.get("unexpected_percent")),
        "examples": _jsonable((res.get("partial_unexpected_list") or [])[:_EXAMPLES]),
        "observed_value": _jsonable(res.get("observed_value")),
        "error": " ".join(str(exc.get("exception_message", "")).split()) if raised else None,
    }


def _describe(f: dict[str, Any]) -> str:
    if f["error"]:
        return f"{f['aturan']} (aturan tidak dapat dijalankan: {f['error'][:120]})"
    if f["unexpected_count"] is not None:
        ex = ", ".join(
            "(" + "; ".join(map(str, e)) + ")" if isinstance(e, list) else str(e)
            for e in f["examples"]
        )
        return f"{f['aturan']} ({f['unexpected_count']} baris" + (f", contoh: {ex})" if ex else ")")
    if f["observed_value"] is not None:
        return f"{f['aturan']} (teramati: {f['observed_value']})"
    return f["aturan"]


def _suite_check(target: str, suite_name: str, result) -> CheckResult:
    total = len(result.results)
    failures = [_failure(r) for r in result.results if not r.success]
    blocking = any(f["severity"] == "critical" for f in failures) or not failures
    meta = {
        "suite": suite_name,
        "expectations": total,
        "failed_expectations": len(failures),
        "failures": failures,
    }
    if not failures:
        return CheckResult(
            name=PASSES_EXPECTATIONS,
            target=target,
            passed=True,
            blocking=True,
            message=f"Semua {total} aturan mutu (GX) untuk {target} terpenuhi.",
            metadata={**meta, "message_en": f"all {total} expectations passed"},
        )
    listed = "; ".join(_describe(f) for f in failures)
    return CheckResult(
        name=PASSES_EXPECTATIONS,
        target=target,
        passed=False,
        blocking=blocking,
        message=(
            f"{len(failures)} dari {total} aturan mutu (GX) untuk {target} dilanggar: {listed}; "
            "perbaiki data sumber atau model sebelum mart terbit."
        ),
        metadata={
            **meta,
            "message_en": "failed: " + "; ".join(f["rule"] for f in failures),
        },
    )


def gx_checks(
    con: duckdb.DuckDBPyConnection,
    contracts: Iterable[Contract],
    *,
    business_rules: Mapping[str, BusinessRules] = BUSINESS_RULES,
) -> list[CheckResult]:
    """One `passes_expectations` CheckResult per mart contract, validating the whole table as a
    pandas frame read through `con` (the gate's read-only connection)."""
    contracts = list(contracts)
    if not contracts:
        return []
    context = _context()
    out: list[CheckResult] = []
    for contract in contracts:
        target = contract.key
        try:
            df = con.execute(
                f"select * from {qident(contract.system)}.{qident(contract.table)}"
            ).df()
        except duckdb.Error as e:
            out.append(
                CheckResult(
                    name=PASSES_EXPECTATIONS,
                    target=target,
                    passed=False,
                    blocking=True,
                    message=f"Aturan mutu (GX) untuk {target} tidak dapat dijalankan karena "
                    "tabelnya tidak bisa dibaca; lihat pemeriksaan table_exists.",
                    metadata={"suite": contract.table, "error": str(e), "message_en": str(e)},
                )
            )
            continue
        suite = build_suite(contract, business_rules)
        result = validate_frame(df, suite, context=context)
        out.append(_suite_check(target, suite.name, result))
    return out
