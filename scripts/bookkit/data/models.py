"""The book's model facts: schema, loading with line numbers, validation, export.

book/data/models.yaml holds one record per model; book/data/licences.yaml the
licences they use. Every table, figure and fact box about models is generated
from these files (see sphinx_modeldata.py), so a number is typed once.

Run ``python -m bookkit.data.models`` (or ``book-check-data``) to validate the
data alone; problems are printed as ``file:line: record 'id' field 'f': ...``.
"""

from __future__ import annotations

import argparse
import csv
import functools
import hashlib
import io
import json
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
import re
from typing import Annotated, Any, Literal

import yaml
from bookkit.data import safeyaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

ROOT = Path(__file__).resolve().parents[3]
DATA_DIR = ROOT / "book" / "data"
MODELS_FILE = DATA_DIR / "models.yaml"
LICENCES_FILE = DATA_DIR / "licences.yaml"
BIB_FILE = ROOT / "book" / "references.bib"

#: Licence of the data itself (the same as the book's text).
DATA_LICENCE = "CC-BY-4.0"

Modality = Literal[
    "text", "code", "vision-language", "multimodal", "image", "video",
    "speech", "audio", "retrieval", "document", "robotics",
]
#: Finer kinds of model, for filtering (a record may have several).
Tag = Literal[
    "reasoning", "instruct", "base", "coder", "agentic", "guard", "embedding",
    "reranker", "ocr", "tts", "asr", "music", "vla", "world-model", "omni",
    "small", "edge",
]
#: primary: cited to the developer's own card, paper or announcement;
#: secondary: no primary source found, so two independent secondary sources.
Evidence = Literal["primary", "secondary"]
YesNo = Literal["yes", "no", "conditional"]

#: Fields that may be null, but only with a written reason in ``unknown``.
NULLABLE_WITH_REASON = ("parameters_b", "training_tokens_t", "context_length")
#: Attention shape (for KV-cache sizes), wanted for open-weight language models;
#: a field left out may carry its reason under ``unknown`` too.
ATTENTION_FIELDS = ("layers", "kv_heads", "head_dim", "kv_layers", "kv_latent_dim")
#: Open-weight records of these modalities must give their attention shape (or a reason).
ATTENTION_MODALITIES = ("text", "code", "vision-language", "multimodal")


def attention_gaps(rec: "ModelRecord") -> list[str]:
    """Attention fields an open-weight language record lacks without a written reason.

    The KV-cache size needs the layer count and either the key/value heads and
    head size or, for multi-head latent attention, the latent width.
    """
    if not rec.open_weights or rec.modality not in ATTENTION_MODALITIES:
        return []
    needed = ["layers"] + ([] if rec.kv_latent_dim is not None else ["kv_heads", "head_dim"])
    return [f for f in needed if getattr(rec, f) is None and not rec.unknown.get(f, "").strip()]


#: What a text field may not hold: markup that would turn it into something
#: other than text on a page (HTML tags, MyST roles, code and substitutions,
#: links, entities, table cells, escapes), control characters, and invisible
#: or direction-changing characters (bidi controls, zero-width characters)
#: that make text read differently from what it is. (Characters such as
#: ``_``, ``*`` and ``$`` occur in real names and prices and stay allowed.)
MARKUP_RE = re.compile(
    r"[<>`{}|\\]|\]\(|&#?\w+;"
    r"|[\x00-\x09\x0b-\x1f\x7f-\x9f\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)


def plain_text(value: str) -> str:
    """A data field is text, never markup: refuse what a page would interpret."""
    m = MARKUP_RE.search(value)
    if m:
        raise ValueError(
            f"{m[0]!r} (U+{ord(m[0][0]):04X}) at character {m.start() + 1} is markup or an invisible/control "
            "character: data fields are plain text; write it without < > ` { } | \\, "
            "links, entities or invisible characters")
    return value


#: A plain-text field (see plain_text).
Text = Annotated[str, AfterValidator(plain_text)]
#: A citation key as it may appear inside a {cite} role.
CitationKey = Annotated[str, Field(pattern=r"^[A-Za-z0-9][\w.:+/-]*$")]
#: An https URL with nothing that could end a Markdown link early.
SAFE_URL = r"^https://[^\s<>()`\"'{}|\\^]+$"


def _yaml_bool_to_word(value: Any) -> Any:
    # YAML 1.1 reads a bare yes/no as a boolean; accept it as the word meant.
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return value


class Licence(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9.+-]*$")
    name: Text = Field(min_length=1)
    spdx: bool
    url: str | None = Field(pattern=SAFE_URL, default=None)
    commercial: YesNo
    osi_approved: bool

    _words = field_validator("commercial", mode="before")(_yaml_bool_to_word)


class ModelRecord(BaseModel):
    """One model as the book describes it. Units are in the field names."""

    model_config = ConfigDict(extra="forbid", strict=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$")
    name: Text = Field(min_length=1)
    organisation: Text = Field(min_length=1)
    released: date
    modality: Modality
    parameters_b: float | None = Field(gt=0)  # total parameters, billions
    active_parameters_b: float | None = Field(default=None, gt=0)  # MoE: per token
    training_tokens_t: float | None = Field(gt=0)  # pre-training tokens, trillions
    context_length: int | None = Field(gt=0)  # tokens
    architecture: Text = Field(min_length=1)
    licence: str
    commercial_use: YesNo
    commercial_condition: Text | None = None
    open_weights: bool
    open_training_code: bool
    open_training_data: bool
    citations: list[CitationKey] = Field(min_length=1)
    checked: date
    evidence: Evidence = "primary"
    # Where sources disagree: what each says and which one the record follows.
    note: Text | None = None
    family: Text | None = None  # groups related models, e.g. "Qwen3"
    base_model: str | None = None  # id of the record this one derives from
    # Attention shape, from the config or paper (see ATTENTION_FIELDS).
    layers: int | None = Field(default=None, gt=0)
    kv_heads: int | None = Field(default=None, gt=0)  # key/value heads (GQA/MQA/MHA)
    head_dim: int | None = Field(default=None, gt=0)
    kv_layers: int | None = Field(default=None, gt=0)  # layers keeping a full KV cache, if fewer
    kv_latent_dim: int | None = Field(default=None, gt=0)  # MLA: cached values per token per layer
    tags: list[Tag] = Field(default_factory=list)
    unknown: dict[str, Text] = Field(default_factory=dict)

    _words = field_validator("commercial_use", mode="before")(_yaml_bool_to_word)

    @property
    def is_moe(self) -> bool:
        return self.active_parameters_b is not None


@dataclass
class Problem:
    """A validation problem, located in a data file."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        try:
            shown = self.path.relative_to(ROOT)
        except ValueError:
            shown = self.path
        return f"{shown}:{self.line}: {self.message}"


class DataError(Exception):
    """Raised when the data files do not validate; carries every problem."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class ModelData:
    models: list[ModelRecord]
    licences: dict[str, Licence]

    def by_id(self) -> dict[str, ModelRecord]:
        return {m.id: m for m in self.models}


# --- loading with line numbers ----------------------------------------------


def _load_located(path: Path) -> tuple[list[Any], list[dict[str, int]], list[int]]:
    """Load a YAML list of mappings, with the line of each record and each key."""
    if not path.is_file():
        raise DataError([Problem(path, 1, "file is missing")])
    text = path.read_text(encoding="utf-8")
    try:
        # Strict loading (no aliases, tags or duplicate keys; bounded depth);
        # the nodes keep the line numbers.
        node, items = safeyaml.compose(text, path)
    except safeyaml.YamlError as err:
        raise DataError([Problem(path, err.line, err.message)]) from None
    if items is None:
        return [], [], []
    if not isinstance(node, yaml.SequenceNode) or not isinstance(items, list):
        raise DataError([Problem(path, 1, "expected a list of records (each starting with '- id:')")])
    key_lines: list[dict[str, int]] = []
    record_lines: list[int] = []
    for child in node.value:
        record_lines.append(child.start_mark.line + 1)
        lines = {}
        if isinstance(child, yaml.MappingNode):
            for key, value in child.value:
                lines[str(key.value)] = key.start_mark.line + 1
                if isinstance(value, yaml.MappingNode):  # e.g. unknown: {field: reason}
                    for sub, _ in value.value:
                        lines[f"{key.value}.{sub.value}"] = sub.start_mark.line + 1
        key_lines.append(lines)
    return items, key_lines, record_lines


def _validate_list(path: Path, schema: type[BaseModel], label: str):
    """(valid items with their key and record lines, problems) of one data file.

    One build loads the data more than once (the model pages, then the fact
    boxes); strict YAML loading and validation take seconds, so the result is
    kept per version of the file's content."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
    good, problems = _validated(path, digest, schema, label)
    return list(good), list(problems)


@functools.lru_cache(maxsize=8)
def _validated(path: Path, _digest: str, schema: type[BaseModel], label: str):
    items, key_lines, record_lines = _load_located(path)
    good, problems = [], []
    for index, item in enumerate(items):
        ident = item.get("id", f"#{index + 1}") if isinstance(item, dict) else f"#{index + 1}"
        try:
            good.append((schema.model_validate(item), key_lines[index], record_lines[index]))
        except ValidationError as err:
            for e in err.errors():
                field = str(e["loc"][0]) if e["loc"] else ""
                line = key_lines[index].get(field, record_lines[index])
                if len(e["loc"]) > 1:  # e.g. unknown.parameters_b, citations.0
                    inner = f"{field}.{e['loc'][1]}"
                    line = key_lines[index].get(inner, line)
                    field = inner if isinstance(e["loc"][1], str) else field
                what = "missing" if e["type"] == "missing" else e["msg"]
                if e["type"] == "extra_forbidden":
                    what = "unknown field (check the spelling against the schema in bookkit/modeldata.py)"
                got = "" if e["type"] in ("missing", "extra_forbidden") else f" (got {e['input']!r})"
                problems.append(Problem(path, line, f"{label} '{ident}' field '{field}': {what}{got}"))
    return tuple(good), tuple(problems)


def load(
    models_file: Path = MODELS_FILE,
    licences_file: Path = LICENCES_FILE,
    bib_file: Path | None = BIB_FILE,
    today: date | None = None,
) -> ModelData:
    """Load and fully validate the data; raise DataError listing every problem."""
    today = today or date.today()
    licences, problems = _validate_list(licences_file, Licence, "licence")
    models, model_problems = _validate_list(models_file, ModelRecord, "record")
    problems += model_problems

    licence_ids: dict[str, Licence] = {}
    for lic, lines, line in licences:
        if lic.id in licence_ids:
            problems.append(Problem(licences_file, line, f"licence id '{lic.id}' appears twice"))
        licence_ids[lic.id] = lic

    bib_keys = _bib_keys(bib_file) if bib_file else None
    seen: dict[str, int] = {}
    all_ids = {rec.id for rec, _, _ in models}
    for rec, lines, line in models:
        def bad(field: str, message: str) -> None:
            where = lines.get(field, line)
            problems.append(Problem(models_file, where, f"record '{rec.id}' field '{field}': {message}"))

        if rec.id in seen:
            bad("id", f"duplicate id (first used at line {seen[rec.id]})")
        seen.setdefault(rec.id, line)
        if rec.licence not in licence_ids:
            bad("licence", f"unknown licence '{rec.licence}': use an id from {_rel(licences_file)} or add it there")
        for field in ("released", "checked"):
            if getattr(rec, field) > today:
                bad(field, f"date {getattr(rec, field)} is in the future")
        if rec.checked < rec.released:
            bad("checked", "checked before the model was released")
        for field in NULLABLE_WITH_REASON:
            if getattr(rec, field) is None and not rec.unknown.get(field, "").strip():
                bad(field, f"is null: say why under 'unknown: {{{field}: <reason>}}' (never guess)")
        for field in rec.unknown:
            if field not in NULLABLE_WITH_REASON + ATTENTION_FIELDS:
                problems.append(Problem(models_file, lines.get(f"unknown.{field}", line),
                                        f"record '{rec.id}' field 'unknown': '{field}' cannot be unknown"))
            elif getattr(rec, field) is not None:
                problems.append(Problem(models_file, lines.get(f"unknown.{field}", line),
                                        f"record '{rec.id}' field 'unknown': '{field}' has a value, drop its reason"))
        for field in attention_gaps(rec):
            bad(field, "open-weight language model without its attention shape: give the value from the "
                       f"config.json or the paper, or say why under 'unknown: {{{field}: <reason>}}' (never guess)")
        if (rec.commercial_use == "conditional") != bool(rec.commercial_condition):
            bad("commercial_condition", "give the condition exactly when commercial_use is 'conditional'")
        if rec.base_model is not None and rec.base_model not in all_ids:
            bad("base_model", f"'{rec.base_model}' is not the id of a record")
        if rec.evidence == "secondary" and len(rec.citations) < 2:
            bad("evidence", "secondary evidence needs two independent sources in citations")
        if rec.kv_layers is not None and rec.layers is not None and rec.kv_layers > rec.layers:
            bad("kv_layers", "cannot exceed layers")
        if rec.active_parameters_b is not None and rec.parameters_b is not None \
                and rec.active_parameters_b >= rec.parameters_b:
            bad("active_parameters_b", "must be smaller than parameters_b (it is a mixture-of-experts share)")
        if bib_keys is not None:
            for key in rec.citations:
                if key not in bib_keys:
                    bad("citations", f"citation key '{key}' not in {_rel(bib_file)}")
    if problems:
        raise DataError(sorted(problems, key=lambda p: (str(p.path), p.line)))
    return ModelData([m for m, _, _ in models], licence_ids)


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def _bib_keys(bib_file: Path) -> frozenset[str] | None:
    """The bib's keys, or None when it does not parse (bookkit.checks.bib says where).
    Several checks ask for the keys of the same file: parse it once per version."""
    try:
        return _parsed_bib_keys(str(bib_file), bib_file.stat().st_mtime_ns)
    except OSError:
        return None


@functools.lru_cache(maxsize=4)
def _parsed_bib_keys(path: str, _mtime_ns: int) -> frozenset[str] | None:
    from pybtex.database import parse_file
    from pybtex.exceptions import PybtexError

    try:
        return frozenset(parse_file(path, bib_format="bibtex").entries.keys())
    except PybtexError:
        return None


# --- export -----------------------------------------------------------------

CSV_FIELDS = [
    "id", "name", "organisation", "released", "modality", "parameters_b",
    "active_parameters_b", "training_tokens_t", "context_length", "architecture",
    "licence", "commercial_use", "commercial_condition", "open_weights",
    "open_training_code", "open_training_data", "citations", "checked", "evidence",
    "note", "family", "base_model", "layers", "kv_heads", "head_dim", "kv_layers",
    "kv_latent_dim", "tags", "unknown",
]


def to_json(data: ModelData) -> str:
    doc = {
        "licence": DATA_LICENCE,
        "description": "Model facts of the Open Models book; units are in the field names.",
        "models": [m.model_dump(mode="json") for m in data.models],
        "licences": [lic.model_dump(mode="json") for lic in data.licences.values()],
    }
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def to_csv(data: ModelData) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for m in data.models:
        row = m.model_dump(mode="json")
        row["citations"] = ";".join(m.citations)
        row["tags"] = ";".join(m.tags)
        row["unknown"] = "; ".join(f"{k}: {v}" for k, v in m.unknown.items())
        writer.writerow(row)
    return out.getvalue()


def check(root: Path = ROOT) -> list[str]:
    """Validate the data files under ``root``; return problems as strings (for lint)."""
    data_dir = root / "book" / "data"
    try:
        load(data_dir / "models.yaml", data_dir / "licences.yaml", root / "book" / "references.bib")
    except DataError as err:
        out = []
        for p in err.problems:
            try:
                shown = p.path.resolve().relative_to(root.resolve()).as_posix()
            except ValueError:
                shown = str(p.path)
            out.append(f"{shown}:{p.line}: {p.message}")
        return out
    return []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, default=MODELS_FILE)
    parser.add_argument("--licences", type=Path, default=LICENCES_FILE)
    parser.add_argument("--bib", type=Path, default=BIB_FILE)
    args = parser.parse_args(argv)
    try:
        data = load(args.models, args.licences, args.bib)
    except DataError as err:
        print(err, file=sys.stderr)
        print(f"{len(err.problems)} problem(s) in the model data", file=sys.stderr)
        return 1
    print(f"{_rel(args.models)}: {len(data.models)} records, {len(data.licences)} licences: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
