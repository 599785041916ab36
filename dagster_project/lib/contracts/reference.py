"""Code lists (the dbt seeds) as ingest sees them: which codes are valid in which fiscal year.

The seeds in `dbt/seeds/` are the single copy of every code list; dbt loads them into the
warehouse and ingest reads the same CSVs to judge each row against its own fiscal year's list.
"""

from __future__ import annotations

from functools import cache

import polars as pl

from dagster_project.lib.core.paths import SEEDS_DIR

FIRST_YEAR, LAST_YEAR = 2000, 2100


@cache
def seed(name: str) -> pl.DataFrame:
    """A seed CSV with every column as text (codes stay text, `1.01` never becomes a number)."""
    return pl.read_csv(SEEDS_DIR / f"{name}.csv", infer_schema=False)


def validity(name: str, column: str) -> pl.DataFrame:
    """(code, tahun_mulai, tahun_selesai) for a code column; unversioned lists are always valid."""
    df = seed(name)
    start = (
        pl.col("tahun_mulai").cast(pl.Int32) if "tahun_mulai" in df.columns else pl.lit(FIRST_YEAR)
    )
    end = pl.col("tahun_selesai").cast(pl.Int32) if "tahun_selesai" in df.columns else pl.lit(None)
    return df.select(
        pl.col(column).alias("kode"),
        start.cast(pl.Int32).alias("tahun_mulai"),
        end.cast(pl.Int32).fill_null(LAST_YEAR).alias("tahun_selesai"),
    ).unique()


def support_program_form(code: pl.Expr) -> pl.Expr:
    """`1.02.01.2.02.0001` -> `X.XX.01.2.02.0001`: the support program as the nomenclature lists it.

    In a DPA the 'Program Penunjang Urusan Pemerintahan Daerah' (program 01) is instantiated with
    the OPD's own bidang urusan; Permendagri 90 lists it once as X.XX.
    """
    return pl.when(code.str.slice(5, 3) == "01.").then(pl.lit("X.XX") + code.str.slice(4))


def check_codes(
    frame: pl.DataFrame, column: str, year_column: str, ref: tuple[str, str]
) -> pl.Series:
    """For each row: null if the code is valid in the row's year, else the reason (Indonesian)."""
    name, ref_col = ref
    valid = validity(name, ref_col)
    rows = frame.select(
        pl.int_range(pl.len()).alias("_i"),
        pl.col(column).alias("kode"),
        pl.col(year_column).cast(pl.Int32).alias("tahun"),
    )
    candidates = pl.concat(
        [
            rows,
            rows.with_columns(support_program_form(pl.col("kode")).alias("kode")).drop_nulls("kode")
            if name == "ref_nomenklatur"
            else rows.clear(),
        ]
    )
    joined = candidates.join(valid, on="kode", how="left")
    per_row = joined.group_by("_i").agg(
        known=pl.col("tahun_mulai").is_not_null().any(),
        valid=(
            (pl.col("tahun") >= pl.col("tahun_mulai"))
            & (pl.col("tahun") <= pl.col("tahun_selesai"))
        ).any(),
        first=pl.col("tahun_mulai").min(),
        last=pl.col("tahun_selesai").max(),
    )
    out = rows.join(per_row, on="_i", how="left").sort("_i")
    label = _LABELS.get(name, name)
    reason = (
        pl.when(pl.col("kode").is_null() | pl.col("valid"))
        .then(None)
        .when(~pl.col("known"))
        .then(
            pl.format(
                "kode {} '{}' tidak dikenal dalam {}", pl.lit(column), pl.col("kode"), pl.lit(label)
            )
        )
        .when(pl.col("tahun") > pl.col("last"))
        .then(
            pl.format(
                "kode {} '{}' sudah tidak berlaku pada tahun {} (berlaku s.d. {}) dalam {}",
                pl.lit(column),
                pl.col("kode"),
                pl.col("tahun"),
                pl.col("last"),
                pl.lit(label),
            )
        )
        .otherwise(
            pl.format(
                "kode {} '{}' belum berlaku pada tahun {} (mulai {}) dalam {}",
                pl.lit(column),
                pl.col("kode"),
                pl.col("tahun"),
                pl.col("first"),
                pl.lit(label),
            )
        )
    )
    return out.select(reason.alias("r"))["r"]


_SIGN_WORDS = {"positif": "positif", "negatif": "negatif", "bukan_nol": "bukan nol"}


def check_sign(frame: pl.DataFrame, column: str, rule: dict[str, str]) -> pl.Series:
    """For each row: null if `column` has the sign the code list allows for the row's type, else
    the reason (Indonesian). `rule` is the contract's `signRule`: {column: the type column,
    reference: "seed.sign_column"}, the seed keyed by a column of the type column's name, with sign
    values positif, negatif or bukan_nol. Unknown types
    pass here: the type column's own reference check reports them."""
    name, sign_col = rule["reference"].split(".", 1)
    kind_col = rule["column"]
    table = seed(name).select(pl.col(kind_col), pl.col(sign_col).alias("_tanda"))
    rows = frame.select(pl.col(kind_col), pl.col(column).alias("_v")).join(
        table, on=kind_col, how="left", maintain_order="left"
    )
    v, tanda = pl.col("_v"), pl.col("_tanda")
    wrong = (
        ((tanda == "positif") & (v <= 0))
        | ((tanda == "negatif") & (v >= 0))
        | ((tanda == "bukan_nol") & (v == 0))
    )
    reason = pl.when(v.is_not_null() & wrong.fill_null(False)).then(
        pl.format(
            "kolom {}: nilai {} harus {} untuk {} {}",
            pl.lit(column),
            v.cast(pl.String),
            tanda.replace_strict(_SIGN_WORDS, default=tanda),
            pl.lit(kind_col),
            pl.col(kind_col),
        )
    )
    return rows.select(reason.alias("r"))["r"]


_LABELS = {
    "ref_nomenklatur": "nomenklatur sub kegiatan Permendagri 90",
    "ref_akun": "kode rekening belanja",
    "ref_sumber_dana": "kode sumber dana",
    "ref_opd": "daftar OPD Kota Samarinda",
    "ref_wilayah": "kode wilayah Kota Samarinda",
    "ref_indikator": "daftar indikator outcome wilayah (ref_indikator)",
    "ref_jenis_sp2d": "daftar jenis SP2D (UP, GU, GU_NIHIL, TU, TU_NIHIL, LS, PENGEMBALIAN, KOREKSI)",
}


def opd_codes(tahun: int | None = None) -> list[str]:
    """OPD master codes (valid in `tahun` when given): the one list partitions and dbt share."""
    v = validity("ref_opd", "kode_skpd")
    if tahun is not None:
        v = v.filter((pl.col("tahun_mulai") <= tahun) & (pl.col("tahun_selesai") >= tahun))
    return sorted(v["kode"].unique().to_list())
