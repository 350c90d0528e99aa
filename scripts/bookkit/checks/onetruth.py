"""One truth: chapters must not type a model fact that the data already holds.

A line of prose that names a model (by its record name, or its family name
without the size, e.g. "Llama 2" for "Llama 2 70B") and also types that
record's parameter count, training tokens, context length or release date is
reported, with the ``{fact}`` role to use instead, so the number follows
book/data/models.yaml. Run alone: ``python -m bookkit.checks.onetruth``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from bookkit.data import models as modeldata
from bookkit.checks.source import ROOT, ROLE_RE, problem, report, scan, strip_code_spans

SIZE_RE = re.compile(r"\s+\d+(?:\.\d+)?[BbMmTt](?:-[A-Za-z0-9.]+)?$")
MIN_FAMILY = 5  # shorter family names ("Phi", "OPT") match too much prose


def _number(value: float) -> str:
    """A regex for a number as it may be typed: 7 or 7.0, 1,000 or 1000."""
    text = f"{value:g}"
    if "." in text:
        return re.escape(text)
    return f"{int(value):,}".replace(",", ",?") + r"(?:\.0)?"


def _count_patterns(billions: float) -> list[str]:
    # "70 billion" is a claim; "70B" is usually part of a name ("Llama 2 70B"),
    # so the short form counts only when it is said to be parameters.
    param = r"(?=[- ]*param)"
    forms = [rf"{_number(billions)}\s*billion", rf"{_number(billions)}\s*B\b{param}"]
    if billions < 1:
        forms += [rf"{_number(billions * 1000)}\s*million", rf"{_number(billions * 1000)}\s*M\b{param}"]
    if billions >= 1000:
        forms += [rf"{_number(billions / 1000)}\s*trillion", rf"{_number(billions / 1000)}\s*T\b{param}"]
    return forms


def _date_patterns(d) -> list[str]:
    month = d.strftime("%B")
    return [rf"\b{d.day}\s+{month}\s+{d.year}\b", rf"\b{month}\s+{d.day},\s+{d.year}\b", d.isoformat()]


def fact_patterns(rec: modeldata.ModelRecord) -> list[tuple[str, re.Pattern]]:
    """(field, compiled regex) for each typed form of this record's numbers."""
    found: list[tuple[str, str]] = []
    if rec.parameters_b:
        found += [("parameters_b", p) for p in _count_patterns(rec.parameters_b)]
    if rec.active_parameters_b:
        found += [("active_parameters_b", p) for p in _count_patterns(rec.active_parameters_b)]
    if rec.training_tokens_t:
        found += [("training_tokens_t", rf"{_number(rec.training_tokens_t)}\s*(?:T\b|trillion)\s+tokens")]
    if rec.context_length and rec.context_length >= 1024:
        ctx = rec.context_length
        forms = [_number(ctx)] + ([f"{ctx // 1024}\\s*K"] if ctx % 1024 == 0 else [])
        found += [("context_length", rf"(?<![\d.,]){f}(?![\d,])[- ]*(?:tokens?|context)") for f in forms]
    found += [("released", p) for p in _date_patterns(rec.released)]
    return [(f, re.compile(rf"(?<![\w.]){p}")) for f, p in found]


def names(rec: modeldata.ModelRecord) -> list[str]:
    family = SIZE_RE.sub("", rec.name)
    return [rec.name] + ([family] if family != rec.name and len(family) >= MIN_FAMILY else [])


def check(root: Path = ROOT) -> list[str]:
    book = root / "book"
    try:
        data = modeldata.load(book / "data" / "models.yaml", book / "data" / "licences.yaml", None)
    except (modeldata.DataError, FileNotFoundError):
        return []  # the data check reports invalid data; nothing to compare against
    # A name must not match inside a longer one: "Llama 3" is not "Llama 3.1".
    # Regexes are compiled only for records a line names (compiling them all costs seconds).
    rules = [(rec, [n.lower() for n in names(rec)]) for rec in data.models]
    compiled: dict[str, tuple[list[re.Pattern], list[tuple[str, re.Pattern]]]] = {}

    def regexes(rec: modeldata.ModelRecord):
        if rec.id not in compiled:
            compiled[rec.id] = ([re.compile(rf"(?<!\w){re.escape(n)}(?!\w|\.\d)", re.I) for n in names(rec)],
                                fact_patterns(rec))
        return compiled[rec.id]

    problems: list[str] = []
    for path in sorted(book.glob("*.md")):
        for line in scan(path).text_lines():
            # Roles ({fact}, {cite}, ...) and code are not typed numbers.
            text = ROLE_RE.sub(" ", strip_code_spans(line.text))
            low = text.lower()
            for rec, lowered in rules:
                # A plain substring test first: most lines name no model, and regexes are slow.
                if not any(n in low for n in lowered):
                    continue
                name_res, patterns = regexes(rec)
                if not any(n.search(text) for n in name_res):
                    continue
                prose = text
                for n in name_res:  # "Llama 2 70B" must not count as typing 70B
                    prose = n.sub(" ", prose)
                for field, pattern in patterns:
                    m = pattern.search(prose)
                    if m:
                        problems.append(problem(
                            root, path, line.no,
                            f"'{m.group(0).strip()}' types the {field} of '{rec.name}' by hand: write "
                            f"{{fact}}`{rec.id}:{field}` so it follows book/data/models.yaml"))
                        break
    return problems


def main(argv: list[str] | None = None) -> int:
    return report("onetruth", check(Path(argv[0]) if argv else ROOT))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
