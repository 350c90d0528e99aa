"""One number format for the whole book (bookkit.data.formats): the unit
convention, and every place that shows the data using it."""

from __future__ import annotations

import re
from datetime import date

import pytest

from bookkit.data import formats
from bookkit.data import models as modeldata
from bookpaths import BOOK


@pytest.mark.parametrize("billions, text", [
    (7.3, "7.3B"), (7, "7B"), (0.125, "125M"), (0.809, "809M"), (1000, "1T"), (1600, "1.6T"),
    (46.7, "46.7B"), (20.55, "20.55B"), (6.05, "6.05B"), (None, "–"),
])
def test_parameters(billions, text):
    assert formats.parameters(billions) == text


@pytest.mark.parametrize("trillions, text", [
    (15, "15T"), (0.402, "402B"), (0.18, "180B"), (1.0, "1T"), (5.93, "5.93T"), (None, "–"),
])
def test_training_tokens(trillions, text):
    assert formats.tokens(trillions) == text


@pytest.mark.parametrize("length, text", [
    (131_072, "128K"), (2048, "2K"), (1_048_576, "1M"), (262_144, "256K"),  # powers of two: 1,024
    (200_000, "200K"), (100_000, "100K"), (1_000_000, "1M"), (10_000_000, "10M"),  # round decimals
    (12_345, "12,345"), (77, "77"), (None, "–"),  # anything else in full
])
def test_context(length, text):
    assert formats.context(length) == text


def test_counts_never_lose_precision_or_go_negative():
    assert formats.count(1_234_567) == "1.234567M"
    with pytest.raises(ValueError):
        formats.count(-1)


def test_dates():
    d = date(2021, 6, 4)
    assert (formats.day(d), formats.month(d), formats.iso_day(d)) == ("4 June 2021", "2021-06", "2021-06-04")


def test_every_record_formats_in_the_convention():
    shape = re.compile(r"^(\d+(\.\d+)?[KMBT]|\d{1,3}(,\d{3})*|–)$")
    for rec in modeldata.load().models:
        for text in (formats.parameters(rec.parameters_b), formats.parameters(rec.active_parameters_b),
                     formats.tokens(rec.training_tokens_t), formats.context(rec.context_length)):
            assert shape.match(text), f"{rec.id}: {text!r} is not in the book's number format"


def test_the_fact_role_and_tables_use_the_format():
    from bookkit.extensions import model_directives as md

    data = modeldata.load()
    rec = next(m for m in data.models if m.context_length == 131_072 and m.parameters_b)
    assert md.fact_value(data, rec, "context_length") == "128K"
    assert md.fact_value(data, rec, "parameters_b") == formats.parameters(rec.parameters_b)
    spec = md.table_spec(data, "small-models")
    cells = {c for row in spec.rows for c in row if isinstance(c, str)}
    assert not any(re.fullmatch(r"\d{1,3}(,\d{3})+", c) and int(c.replace(",", "")) % 1024 == 0 for c in cells)


UNIT_AFTER_COUNT = re.compile(
    r"\{fact\}`[^`]+:(?:parameters_b|active_parameters_b|training_tokens_t)`\s+(?:billion|trillion|million)\b")


def test_prose_does_not_repeat_the_unit_after_a_count():
    """{fact}`x:parameters_b` already ends in its unit (7B): '7B billion' is a doubled unit."""
    found = []
    for page in sorted(BOOK.glob("*.md")):
        text = page.read_text(encoding="utf-8")
        for match in UNIT_AFTER_COUNT.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"{page.name}:{line}: {match.group(0)!r}: drop the unit, the role writes it")
    assert found == [], "\n".join(found)
