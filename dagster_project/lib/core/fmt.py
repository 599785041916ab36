"""Indonesian display formats: Rp1.234.567, 98,5 % and 2,35."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def rupiah(value: Decimal | int | float | None, *, short: bool = False) -> str:
    if value is None:
        return "-"
    v = Decimal(value)
    if short:
        for size, unit in (
            (Decimal(10) ** 12, "T"),
            (Decimal(10) ** 9, "M"),
            (Decimal(10) ** 6, "jt"),
        ):
            if abs(v) >= size:
                return f"Rp{_id_number((v / size).quantize(Decimal('0.01'), ROUND_HALF_UP))} {unit}"
    return f"Rp{_id_number(v.quantize(Decimal('1'), ROUND_HALF_UP))}"


def persen(value: Decimal | float | None) -> str:
    if value is None:
        return "-"
    return f"{_id_number(Decimal(value).quantize(Decimal('0.1'), ROUND_HALF_UP))} %"


def angka(value: Decimal | int | float | None, decimals: int = 2) -> str:
    """A plain number with Indonesian separators: 1234.5 -> '1.234,50' (ratios, scores)."""
    if value is None:
        return "-"
    step = Decimal(1).scaleb(-decimals)
    return _id_number(Decimal(value).quantize(step, ROUND_HALF_UP))


def _id_number(v: Decimal) -> str:
    """1234567.89 -> 1.234.567,89 (Indonesian grouping and decimal comma)."""
    return f"{v:,}".replace(",", "\x00").replace(".", ",").replace("\x00", ".")
