"""The gate's business-rule suites for the marts, built from the mart contracts, checked in DuckDB.

Contract facts (column set, `logicalTypeOptions` minimum/maximum/exclusiveMinimum, `pattern`,
allowed values) become expectations here, so they are written once, in the contract. Required
columns are not restated: not-null is dbt's constraint in the build and the gate's contract check
(`required_not_null`) on the file. What a contract cannot say (money is never negative, the revised budget replaces
the original one, …) is a business rule, registered by model name in `BUSINESS_RULES`.

Rules are written in Great Expectations' (1.x) vocabulary: the same expectation names, arguments
and row conditions (`gxe.ExpectColumnValuesToBeBetween(column=..., min_value=0, row_condition=
Col("tier") == "A")`), and `Expectation.to_gx()` gives the GX object. They are evaluated inside
DuckDB, on the gate's read-only connection to the build file: one aggregate query per expectation
(the unexpected rows counted where they are, five examples fetched), never the whole mart pulled
into pandas. GX itself is not imported by the gate: importing it took ~6 s, its context ~1 s and
validating every mart as a pandas frame ~7 s of each run on the default demo, and GX over
SQLAlchemy on DuckDB is silently wrong (stack.md). The semantics are GX's (nulls are ignored by
column-value rules, a row condition `!=` keeps nulls as pandas does, pair rules skip rows where
both values are missing unless told otherwise); tests/test_gate.py checks them against GX itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import duckdb

from dagster_project.lib.contracts.reference import parameters
from dagster_project.lib.core.sql import qident, qstring
from dagster_project.lib.gate.checks import PASSES_EXPECTATIONS, CheckResult

if TYPE_CHECKING:
    from dagster_project.lib.contracts.model import Contract

_NUMERIC = {"integer", "number", "decimal", "double", "float", "long", "int"}
_EXAMPLES = 5


def _meta(aturan: str, rule: str, source: str) -> dict[str, str]:
    """Indonesian rule (shown to users), English rule, and where the rule comes from."""
    return {"aturan": aturan, "rule": rule, "source": source}


# --------------------------------------------------------------------------------------------
# The vocabulary: GX's expectations and row conditions, as data DuckDB can evaluate
# --------------------------------------------------------------------------------------------


def _literal(value: Any) -> str:
    """A SQL literal for a value written in this module (never user input)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return qstring(str(value))


@dataclass(frozen=True)
class Condition:
    """A GX row condition (`Col("tier") == "A"`, `Col("x").is_null()`, `a & b`)."""

    op: str  # ==, !=, <, <=, >, >=, is_null, is_not_null, is_in, and
    column: str = ""
    value: Any = None
    parts: tuple[Condition, ...] = ()

    def __and__(self, other: Condition) -> Condition:
        return Condition("and", parts=(self, other))

    def sql(self) -> str:
        """The DuckDB predicate selecting the rows GX (on pandas) would select: comparisons skip
        nulls, except `!=`, which keeps them (NaN != "x" is true in pandas)."""
        if self.op == "and":
            return " and ".join(f"({p.sql()})" for p in self.parts)
        col = qident(self.column)
        if self.op == "is_null":
            return f"{col} is null"
        if self.op == "is_not_null":
            return f"{col} is not null"
        if self.op == "is_in":
            return f"{col} in ({', '.join(_literal(v) for v in self.value)})"
        if self.op == "!=":
            return f"{col} is distinct from {_literal(self.value)}"
        return f"{col} {'=' if self.op == '==' else self.op} {_literal(self.value)}"

    def to_gx(self) -> Any:
        from great_expectations.expectations.row_conditions import Column

        if self.op == "and":
            first, second = (p.to_gx() for p in self.parts)
            return first & second
        col = Column(self.column)
        if self.op in ("is_null", "is_not_null", "is_in"):
            method = getattr(col, self.op)
            return method(self.value) if self.op == "is_in" else method()
        ops = {"==": "__eq__", "!=": "__ne__", "<": "__lt__", "<=": "__le__", ">": "__gt__"}
        return getattr(col, ops.get(self.op, "__ge__"))(self.value)


class Col:
    """GX's `Column` for row conditions: `Col("tier") == "A"`, `Col("x").is_null()`."""

    __hash__ = None  # type: ignore[assignment]  # compares into a Condition, never hashed

    def __init__(self, name: str) -> None:
        self.name = name

    def __eq__(self, value: Any) -> Condition:  # type: ignore[override]
        return Condition("==", self.name, value)

    def __ne__(self, value: Any) -> Condition:  # type: ignore[override]
        return Condition("!=", self.name, value)

    def __lt__(self, value: Any) -> Condition:
        return Condition("<", self.name, value)

    def __le__(self, value: Any) -> Condition:
        return Condition("<=", self.name, value)

    def __gt__(self, value: Any) -> Condition:
        return Condition(">", self.name, value)

    def __ge__(self, value: Any) -> Condition:
        return Condition(">=", self.name, value)

    def is_null(self) -> Condition:
        return Condition("is_null", self.name)

    def is_not_null(self) -> Condition:
        return Condition("is_not_null", self.name)

    def is_in(self, values: Iterable[Any]) -> Condition:
        return Condition("is_in", self.name, tuple(values))


@dataclass(frozen=True)
class Expectation:
    """One GX expectation: its class (`ExpectColumnValuesToBeBetween`), arguments, meta."""

    gx_class: str
    kwargs: dict[str, Any]
    meta: dict[str, str] = field(default_factory=dict)
    row_condition: Condition | None = None
    severity: str = "critical"

    @property
    def type(self) -> str:
        """GX's expectation type: expect_column_values_to_be_between, ..."""
        return re.sub(r"(?<!^)(?=[A-Z])", "_", self.gx_class).lower()

    def to_gx(self) -> Any:
        """The same expectation as a great_expectations object (imports GX: seconds)."""
        import great_expectations.expectations as gx_expectations

        kwargs = dict(self.kwargs)
        if self.row_condition is not None:
            kwargs["row_condition"] = self.row_condition.to_gx()
        return getattr(gx_expectations, self.gx_class)(**kwargs, meta=self.meta)


def _expectation(gx_class: str) -> Callable[..., Expectation]:
    def make(
        *, meta: dict[str, str] | None = None, row_condition: Condition | None = None, **kwargs: Any
    ) -> Expectation:
        return Expectation(gx_class, kwargs, meta or {}, row_condition)

    make.__name__ = gx_class
    return make


# What the rules below may use; each is evaluated by `_evaluate`.
gxe = SimpleNamespace(
    **{
        name: _expectation(name)
        for name in (
            "ExpectTableColumnsToMatchSet",
            "ExpectTableRowCountToBeBetween",
            "ExpectColumnValuesToBeBetween",
            "ExpectColumnValuesToMatchRegex",
            "ExpectColumnValuesToBeInSet",
            "ExpectColumnValuesToBeNull",
            "ExpectColumnValuesToNotBeNull",
            "ExpectColumnPairValuesToBeEqual",
            "ExpectColumnPairValuesAToBeGreaterThanB",
        )
    }
)


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


@dataclass(frozen=True)
class Suite:
    """The expectations of one mart (GX's ExpectationSuite: a name and its expectations)."""

    name: str
    expectations: list[Expectation]


def build_suite(
    contract: Contract, business_rules: Mapping[str, BusinessRules] = BUSINESS_RULES
) -> Suite:
    """The suite of one mart: contract facts + the model's business rules."""
    exps = contract_expectations(contract)
    if rules := business_rules.get(contract.table):
        exps += rules(contract)
    return Suite(name=contract.table, expectations=exps)


# --------------------------------------------------------------------------------------------
# Evaluation in DuckDB
# --------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What GX reports of one expectation (result_format SUMMARY), as far as the gate uses it."""

    expectation: Expectation
    success: bool
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    examples: list[Any] = field(default_factory=list)
    observed_value: Any = None
    error: str | None = None


_PAIR_SKIP = {
    "both_values_are_missing": "not ({a} is null and {b} is null)",
    "either_value_is_missing": "{a} is not null and {b} is not null",
    "neither": "true",
}


def _unexpected(exp: Expectation) -> tuple[str, str, list[str]]:
    """(rows the expectation looks at, which of them are unexpected, the columns shown as examples)
    for a column-value or column-pair expectation, as SQL predicates."""
    kw = exp.kwargs
    where = exp.row_condition.sql() if exp.row_condition is not None else "true"
    if "column_A" in kw:
        a, b = qident(kw["column_A"]), qident(kw["column_B"])
        skip = _PAIR_SKIP[kw.get("ignore_row_if", "both_values_are_missing")].format(a=a, b=b)
        if exp.gx_class == "ExpectColumnPairValuesToBeEqual":
            bad = f"{a} is distinct from {b}"
        else:
            bad = f"not coalesce({a} {'>=' if kw.get('or_equal') else '>'} {b}, false)"
        return f"({where}) and {skip}", bad, [a, b]
    col = qident(kw["column"])
    if exp.gx_class == "ExpectColumnValuesToBeNull":
        return where, f"{col} is not null", [col]
    if exp.gx_class == "ExpectColumnValuesToNotBeNull":
        return where, f"{col} is null", []
    if exp.gx_class == "ExpectColumnValuesToBeBetween":
        ok = []
        if kw.get("min_value") is not None:
            ok.append(f"{col} {'>' if kw.get('strict_min') else '>='} {_literal(kw['min_value'])}")
        if kw.get("max_value") is not None:
            ok.append(f"{col} {'<' if kw.get('strict_max') else '<='} {_literal(kw['max_value'])}")
        bad = f"not ({' and '.join(ok) or 'true'})"
    elif exp.gx_class == "ExpectColumnValuesToMatchRegex":
        bad = f"not regexp_matches({col}::varchar, {_literal(kw['regex'])})"
    elif exp.gx_class == "ExpectColumnValuesToBeInSet":
        bad = f"{col} not in ({', '.join(_literal(v) for v in kw['value_set']) or 'null'})"
    else:
        raise ValueError(f"{exp.gx_class} tidak dikenal oleh gerbang mutu")
    return f"({where}) and {col} is not null", bad, [col]


def _evaluate(
    con: duckdb.DuckDBPyConnection, relation: str, columns: list[str], exp: Expectation
) -> Outcome:
    """One expectation on `relation`, inside DuckDB: counted where the rows are, five examples."""
    kw = exp.kwargs
    try:
        if exp.gx_class == "ExpectTableColumnsToMatchSet":
            want, have = set(kw["column_set"]), set(columns)
            ok = want == have if kw.get("exact_match", True) else want <= have
            return Outcome(exp, ok, observed_value=columns)
        if exp.gx_class == "ExpectTableRowCountToBeBetween":
            (n,) = con.execute(f"select count(*) from {relation}").fetchone()
            low, high = kw.get("min_value"), kw.get("max_value")
            ok = (low is None or n >= low) and (high is None or n <= high)
            return Outcome(exp, ok, observed_value=n)
        where, bad, shown = _unexpected(exp)
        n_bad, n_all = con.execute(
            f"select count(*) filter (where {bad}), count(*) from {relation} where {where}"
        ).fetchone()
        examples: list[Any] = []
        if n_bad and shown:
            rows = con.execute(
                f"select {', '.join(shown)} from {relation} where ({where}) and ({bad}) "
                f"limit {_EXAMPLES}"
            ).fetchall()
            examples = [list(r) if len(r) > 1 else r[0] for r in rows]
        return Outcome(
            exp,
            n_bad == 0,
            unexpected_count=n_bad,
            unexpected_percent=100.0 * n_bad / n_all if n_all else None,
            examples=examples,
        )
    except (duckdb.Error, KeyError, ValueError) as e:  # GX: the expectation raised
        return Outcome(exp, False, error=" ".join(str(e).split()))


def evaluate_suite(con: duckdb.DuckDBPyConnection, relation: str, suite: Suite) -> list[Outcome]:
    """Every expectation of `suite` on `relation` (schema.table), through `con`."""
    columns = [d[0] for d in con.execute(f"select * from {relation} limit 0").description]
    return [_evaluate(con, relation, columns, exp) for exp in suite.expectations]


# --------------------------------------------------------------------------------------------
# The gate's view: one CheckResult per suite
# --------------------------------------------------------------------------------------------


def _jsonable(v: Any) -> Any:
    if v is None or isinstance(v, bool | int | str):
        return v
    if isinstance(v, float):
        return float(v) if v == v else None  # NaN -> null
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    return str(v)  # Decimal, date, ...


def _failure(o: Outcome) -> dict[str, Any]:
    exp = o.expectation
    meta = exp.meta or {}
    return {
        "expectation": exp.type,
        "column": exp.kwargs.get("column") or exp.kwargs.get("column_A"),
        "aturan": meta.get("aturan", exp.type),
        "rule": meta.get("rule", exp.type),
        "source": meta.get("source"),
        "severity": exp.severity,
        "unexpected_count": o.unexpected_count,
        "unexpected_percent": _jsonable(o.unexpected_percent),
        "examples": _jsonable(o.examples[:_EXAMPLES]),
        "observed_value": _jsonable(o.observed_value),
        "error": o.error,
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


def _suite_check(target: str, suite_name: str, outcomes: list[Outcome]) -> CheckResult:
    total = len(outcomes)
    failures = [_failure(o) for o in outcomes if not o.success]
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
    """One `passes_expectations` CheckResult per mart contract, each expectation evaluated in
    DuckDB through `con` (the gate's read-only connection)."""
    out: list[CheckResult] = []
    for contract in contracts:
        target = contract.key
        relation = f"{qident(contract.system)}.{qident(contract.table)}"
        suite = build_suite(contract, business_rules)
        try:
            outcomes = evaluate_suite(con, relation, suite)
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
        out.append(_suite_check(target, suite.name, outcomes))
    return out
