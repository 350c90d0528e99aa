"""How the book writes numbers and dates from the model data: one convention, used everywhere.

Fact boxes, generated tables, the ``{fact}`` role and the figures' axes all
format through this module, so a number reads the same on every page.

Counts (parameters, training tokens)
    A short form with a suffix: K thousand, M million, B billion, T trillion,
    and the value as the data gives it: ``7.3B``, ``809M``, ``1.6T``, ``15T``,
    ``402B``. No rounding: the data's precision is kept.
Context windows (tokens)
    As the models' makers state them: a power-of-two size in units of 1,024
    (``128K`` is 131,072 tokens, ``1M`` is 1,048,576), a round decimal size in
    units of 1,000 (``200K`` is 200,000, ``10M`` is 10,000,000); any other size
    in full with thousands separators (``12,345``). The exact figure is in
    the data downloads.
Dates
    ``4 June 2021`` in running text and fact boxes; ``2021-06`` or
    ``2021-06-04`` in table columns.
Missing values
    ``–`` (en dash) in tables.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

MISSING = "–"
SUFFIXES = [(Decimal(10) ** 12, "T"), (Decimal(10) ** 9, "B"), (Decimal(10) ** 6, "M"), (Decimal(10) ** 3, "K")]
KIBI, MEBI = 1024, 1024 * 1024


def _plain(value: Decimal) -> str:
    """Decimal without exponent or trailing zeros: 7.30 -> '7.3', 1E+1 -> '10'."""
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def count(value: float | int | Decimal) -> str:
    """A count with a suffix: 7_300_000_000 -> '7.3B'; 125_000_000 -> '125M'; 950 -> '950'."""
    number = Decimal(str(value))
    if number < 0:
        raise ValueError(f"a count cannot be negative: {value}")
    for size, suffix in SUFFIXES:
        if number >= size:
            return _plain(number / size) + suffix
    return _plain(number)


def parameters(billions: float | None) -> str:
    """Parameters stored in billions: 7.3 -> '7.3B'; 0.125 -> '125M'; 1000 -> '1T'."""
    return MISSING if billions is None else count(Decimal(str(billions)) * 10**9)


def tokens(trillions: float | None) -> str:
    """Training tokens stored in trillions: 15 -> '15T'; 0.402 -> '402B'."""
    return MISSING if trillions is None else count(Decimal(str(trillions)) * 10**12)


def context(length: int | None) -> str:
    """A context window in tokens: 131072 -> '128K'; 200000 -> '200K'; 10**7 -> '10M'."""
    if length is None:
        return MISSING
    if length >= MEBI and length % MEBI == 0:
        return f"{length // MEBI}M"
    if length >= KIBI and length % KIBI == 0:
        return f"{length // KIBI}K"
    if length >= 10**6 and length % 10**6 == 0:
        return f"{length // 10**6}M"
    if length >= 1000 and length % 1000 == 0:
        return f"{length // 1000}K"
    return f"{length:,}"


def day(d: date) -> str:
    """4 June 2021."""
    return f"{d.day} {d:%B %Y}"


def month(d: date) -> str:
    """2021-06."""
    return f"{d:%Y-%m}"


def iso_day(d: date) -> str:
    """2021-06-04."""
    return d.isoformat()


def share(part: float, whole: float | None) -> str:
    """A percentage without decimals: 12.9 of 46.7 -> '28%'."""
    return f"{part / whole:.0%}" if whole else MISSING


CONVENTION = ("K thousand, M million, B billion, T trillion; a context window of 128K is "
              "131,072 tokens (a power of two), one of 200K is 200,000.")
