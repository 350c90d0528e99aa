"""Benchmark scores as the developers report them: schema, loading, validation.

book/data/scores.yaml holds two lists. ``benchmarks`` names each benchmark the
book reports scores on, with the paper (or official page) that defines it.
``scores`` holds one row per model and benchmark *as one report gives it*:
the score, its unit, the setting it was measured in (shots, thinking on or
off, tools, samples) and the bib key of the model card or report that states
it. The table directive in bookkit.extensions.score_tables renders it.

Scores from different reports are measured with different harnesses,
prompts and settings, so the rows are never ranked against each other.

Run ``python -m bookkit.data.scores`` to validate the file alone; problems are
printed as ``file:line: score 'model/benchmark' field 'f': ...`` like the
model data's.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bookkit.data import models as modeldata
from bookkit.data import safeyaml
from bookkit.data.models import DataError, Problem

ROOT = modeldata.ROOT
SCORES_FILE = modeldata.DATA_DIR / "scores.yaml"

#: Who measured the score: the model's developer in its own card or report, or
#: someone else (another lab's report, a leaderboard). The book's score table
#: shows developer-reported rows only.
ReportedBy = Literal["developer", "third-party"]
#: Units of a score: a percentage (accuracy, pass@1, resolved rate) or a rating.
Unit = Literal["%", "rating"]


class Benchmark(BaseModel):
    """A benchmark the scores refer to, cited to the work that defines it."""

    model_config = ConfigDict(extra="forbid", strict=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$")
    name: str = Field(min_length=1)
    measures: str = Field(min_length=1)  # one phrase: what a high score means
    citation: str = Field(min_length=1)  # bib key of the defining paper or page


class Score(BaseModel):
    """One score for one model on one benchmark, as one report states it."""

    model_config = ConfigDict(extra="forbid", strict=True)

    model: str = Field(min_length=1)  # an id in models.yaml
    benchmark: str = Field(min_length=1)  # an id under benchmarks
    score: float = Field(ge=0)
    unit: Unit
    setting: str = Field(min_length=3)  # shots, thinking on/off, tools, samples, version
    source: str = Field(min_length=1)  # bib key of the card or report that reports it
    reported_by: ReportedBy
    note: str | None = None  # where the report is ambiguous: what the row assumes


@dataclass
class ScoreData:
    benchmarks: dict[str, Benchmark]
    scores: list[Score]

    def for_benchmark(self, benchmark: str) -> list[Score]:
        return [s for s in self.scores if s.benchmark == benchmark]


# --- loading with line numbers ----------------------------------------------


def _node_lines(seq: yaml.Node) -> tuple[list[int], list[dict[str, int]]]:
    """The line of each item of a YAML sequence, and of each key in it."""
    record_lines, key_lines = [], []
    for child in seq.value:
        record_lines.append(child.start_mark.line + 1)
        keys = {}
        if isinstance(child, yaml.MappingNode):
            for key, _ in child.value:
                keys[str(key.value)] = key.start_mark.line + 1
        key_lines.append(keys)
    return record_lines, key_lines


def _load_located(path: Path) -> dict[str, tuple[list[Any], list[int], list[dict[str, int]]]]:
    if not path.is_file():
        raise DataError([Problem(path, 1, "file is missing")])
    text = path.read_text(encoding="utf-8")
    try:
        # Strict loading: no aliases, tags or duplicate keys; bounded depth.
        node, doc = safeyaml.compose(text, path)
    except safeyaml.YamlError as err:
        raise DataError([Problem(path, err.line, err.message)]) from None
    if not isinstance(node, yaml.MappingNode) or not isinstance(doc, dict):
        raise DataError([Problem(path, 1, "expected a mapping with the lists 'benchmarks:' and 'scores:'")])
    out = {}
    problems = []
    for key, value in node.value:
        name = str(key.value)
        if name not in ("benchmarks", "scores"):
            problems.append(Problem(path, key.start_mark.line + 1,
                                    f"unknown top-level key '{name}': use 'benchmarks' and 'scores'"))
            continue
        if not isinstance(value, yaml.SequenceNode):
            problems.append(Problem(path, key.start_mark.line + 1, f"'{name}' must be a list"))
            continue
        record_lines, key_lines = _node_lines(value)
        out[name] = (doc[name] or [], record_lines, key_lines)
    for name in ("benchmarks", "scores"):
        if name not in out and not problems:
            problems.append(Problem(path, 1, f"the list '{name}:' is missing"))
    if problems:
        raise DataError(problems)
    return out


def _label(item: Any, index: int) -> str:
    if isinstance(item, dict) and "model" in item:
        return f"score '{item.get('model')}/{item.get('benchmark')}'"
    if isinstance(item, dict) and "id" in item:
        return f"benchmark '{item['id']}'"
    return f"item #{index + 1}"


def _validate(path, items, record_lines, key_lines, schema):
    good, problems = [], []
    for index, item in enumerate(items):
        label = _label(item, index)
        try:
            good.append((schema.model_validate(item), record_lines[index], key_lines[index]))
        except ValidationError as err:
            for e in err.errors():
                field = str(e["loc"][0]) if e["loc"] else ""
                line = key_lines[index].get(field, record_lines[index])
                what = "missing" if e["type"] == "missing" else e["msg"]
                if e["type"] == "extra_forbidden":
                    what = "unknown field (check the spelling against bookkit/data/scores.py)"
                got = "" if e["type"] in ("missing", "extra_forbidden") else f" (got {e['input']!r})"
                problems.append(Problem(path, line, f"{label} field '{field}': {what}{got}"))
    return good, problems


def load(
    scores_file: Path = SCORES_FILE,
    models_file: Path = modeldata.MODELS_FILE,
    bib_file: Path | None = modeldata.BIB_FILE,
) -> ScoreData:
    """Load and validate the scores; raise DataError listing every problem."""
    lists = _load_located(scores_file)
    benchmarks, problems = _validate(scores_file, *lists["benchmarks"], Benchmark)
    scores, score_problems = _validate(scores_file, *lists["scores"], Score)
    problems += score_problems

    model_ids = _model_ids(models_file)
    bib_keys = _bib_keys(bib_file) if bib_file else None

    by_id: dict[str, Benchmark] = {}
    for bench, line, lines in benchmarks:
        if bench.id in by_id:
            problems.append(Problem(scores_file, lines.get("id", line), f"benchmark '{bench.id}' field 'id': "
                                    "appears twice"))
        by_id[bench.id] = bench
        if bib_keys is not None and bench.citation not in bib_keys:
            problems.append(Problem(scores_file, lines.get("citation", line),
                                    f"benchmark '{bench.id}' field 'citation': citation key '{bench.citation}' "
                                    f"not in {modeldata._rel(bib_file)}"))

    seen: dict[tuple[str, str, str, str], int] = {}
    for row, line, lines in scores:
        def bad(field: str, message: str) -> None:
            problems.append(Problem(scores_file, lines.get(field, line),
                                    f"score '{row.model}/{row.benchmark}' field '{field}': {message}"))

        if row.model not in model_ids:
            bad("model", f"'{row.model}' is not the id of a record in {modeldata._rel(models_file)}")
        if row.benchmark not in by_id:
            bad("benchmark", f"unknown benchmark '{row.benchmark}': add it under 'benchmarks:' first")
        if bib_keys is not None and row.source not in bib_keys:
            bad("source", f"citation key '{row.source}' not in {modeldata._rel(bib_file)}")
        if row.unit == "%" and row.score > 100:
            bad("score", f"{row.score:g} is not a percentage")
        key = (row.model, row.benchmark, row.setting, row.source)
        if key in seen:
            bad("setting", f"the same model, benchmark, setting and source as line {seen[key]}")
        seen.setdefault(key, line)
    if problems:
        raise DataError(sorted(problems, key=lambda p: (str(p.path), p.line)))
    return ScoreData(by_id, [s for s, _, _ in scores])


_MODEL_ID = re.compile(r"^- id:\s*[\"']?([a-z0-9][a-z0-9.-]*)", re.M)


def _model_ids(models_file: Path) -> set[str]:
    """Ids in models.yaml, read with a pattern (each record starts with ``- id:``): the model
    data is validated by its own check, and parsing it twice would slow ``make lint``."""
    try:
        return set(_MODEL_ID.findall(models_file.read_text(encoding="utf-8")))
    except OSError:
        return set()


_BIB_KEY = re.compile(r"^@\w+\s*\{\s*([^,\s]+)\s*,", re.M)


def _bib_keys(bib_file: Path) -> set[str]:
    """Entry keys of references.bib, read with a pattern: the bib check parses the file in full,
    and a second full parse would double the time of ``make lint``."""
    try:
        return set(_BIB_KEY.findall(bib_file.read_text(encoding="utf-8")))
    except OSError:
        return set()


def check(root: Path = ROOT) -> list[str]:
    """Validate book/data/scores.yaml under ``root`` (for lint); a book without one has nothing to check."""
    data_dir = root / "book" / "data"
    if not (data_dir / "scores.yaml").is_file():
        return []
    try:
        load(data_dir / "scores.yaml", data_dir / "models.yaml", root / "book" / "references.bib")
    except DataError as err:
        return [str(p) for p in err.problems]
    return []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scores", type=Path, default=SCORES_FILE)
    parser.add_argument("--models", type=Path, default=modeldata.MODELS_FILE)
    parser.add_argument("--bib", type=Path, default=modeldata.BIB_FILE)
    args = parser.parse_args(argv)
    try:
        data = load(args.scores, args.models, args.bib)
    except DataError as err:
        print(err, file=sys.stderr)
        print(f"{len(err.problems)} problem(s) in the scores", file=sys.stderr)
        return 1
    print(f"{modeldata._rel(args.scores)}: {len(data.scores)} scores on {len(data.benchmarks)} benchmarks: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
