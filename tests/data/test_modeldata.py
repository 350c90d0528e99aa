"""The model data: schema validation, messages that locate faults, one truth."""

from __future__ import annotations

import re
import textwrap
from datetime import date
from pathlib import Path

import pytest
import yaml

from bookkit.data import models as modeldata
from bookpaths import copy_book, sphinx_build

GOOD = {
    "id": "demo-7b", "name": "Demo 7B", "organisation": "Demo Lab", "released": date(2024, 1, 2),
    "modality": "text", "parameters_b": 7.0, "active_parameters_b": None, "training_tokens_t": 2.0,
    "context_length": 4096, "architecture": "Decoder-only transformer", "licence": "Apache-2.0",
    "commercial_use": "yes", "commercial_condition": None, "open_weights": True,
    "open_training_code": False, "open_training_data": False, "citations": ["demo2024"],
    "checked": date(2024, 2, 1), "layers": 32, "kv_heads": 8, "head_dim": 128,
}
BIB = "@misc{demo2024, title={Demo}, author={Lab, Demo}, year={2024}, url={https://example.org/demo}}\n"


class _NoAliases(yaml.SafeDumper):
    """The data loader refuses anchors/aliases, so the tests never write them."""

    def ignore_aliases(self, data):
        return True


def dump(records) -> str:
    return yaml.dump(records, Dumper=_NoAliases, sort_keys=False)


def problems_for(tmp_path: Path, records: list[dict], today: date = date(2026, 1, 1)) -> list[str]:
    models = tmp_path / "models.yaml"
    models.write_text(dump(records))
    bib = tmp_path / "refs.bib"
    bib.write_text(BIB)
    try:
        modeldata.load(models, modeldata.LICENCES_FILE, bib, today=today)
    except modeldata.DataError as err:
        return [str(p) for p in err.problems]
    return []


def line_of(tmp_path: Path, needle: str) -> int:
    lines = (tmp_path / "models.yaml").read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def test_real_data_is_valid():
    data = modeldata.load()
    assert data.models, "book/data/models.yaml has no records"


def test_good_record_passes(tmp_path):
    assert problems_for(tmp_path, [GOOD]) == []


@pytest.mark.parametrize(
    ("change", "field", "expected"),
    [
        ({"parameters_b": "seven"}, "parameters_b", "valid number"),
        ({"licence": "Made-Up-1.0"}, "licence", "unknown licence 'Made-Up-1.0'"),
        ({"checked": date(2027, 5, 1)}, "checked", "in the future"),
        ({"modality": "smell"}, "modality", "Input should be"),
        ({"citations": ["nosuchkey2020"]}, "citations", "citation key 'nosuchkey2020' not in"),
        ({"training_tokens_t": None}, "training_tokens_t", "say why"),
        ({"commercial_use": "conditional"}, "commercial_condition", "give the condition"),
        ({"active_parameters_b": 9.0}, "active_parameters_b", "must be smaller"),
        ({"paramters_b": 7.0}, "paramters_b", "unknown field"),
    ],
)
def test_bad_record_names_record_field_and_line(tmp_path, change, field, expected):
    problems = problems_for(tmp_path, [{**GOOD, **change}])
    assert len(problems) == 1, problems
    message = problems[0]
    assert f"record 'demo-7b' field '{field}'" in message
    assert expected in message
    # file:line points at the offending key (or the record when the key is absent).
    path, line, _ = message.split(":", 2)
    assert path.endswith("models.yaml")
    key = field if field in {**GOOD, **change} else "id"
    assert int(line) == line_of(tmp_path, f"{key}:")


def test_open_language_model_without_attention_shape_is_reported(tmp_path):
    """An open-weight language record needs its attention shape, or a reason per missing field."""
    record = {k: v for k, v in GOOD.items() if k not in ("layers", "kv_heads", "head_dim")}
    problems = problems_for(tmp_path, [record])
    assert [p.split("field ")[1].split(":")[0] for p in problems] == ["'head_dim'", "'kv_heads'", "'layers'"] \
        or sorted(p.split("field ")[1].split(":")[0] for p in problems) == ["'head_dim'", "'kv_heads'", "'layers'"]
    for message in problems:
        path, line, text = message.split(":", 2)
        assert path.endswith("models.yaml")
        assert int(line) == line_of(tmp_path, "id: demo-7b")  # the record, since the keys are absent
        assert "record 'demo-7b'" in text and "attention shape" in text and "unknown:" in text


def test_attention_shape_reasons_or_latent_are_accepted(tmp_path):
    reasons = {**{k: v for k, v in GOOD.items() if k not in ("layers", "kv_heads", "head_dim")},
               "unknown": {"layers": "Not published.", "kv_heads": "Not published.", "head_dim": "Not published."}}
    latent = {**{k: v for k, v in GOOD.items() if k not in ("kv_heads", "head_dim")}, "id": "demo-mla",
              "kv_latent_dim": 576}
    closed = {**{k: v for k, v in GOOD.items() if k not in ("layers", "kv_heads", "head_dim")}, "id": "demo-api",
              "open_weights": False}
    image = {**closed, "id": "demo-image", "open_weights": True, "modality": "image"}
    assert problems_for(tmp_path, [reasons, latent, closed, image]) == []


def test_missing_field_is_reported(tmp_path):
    record = {k: v for k, v in GOOD.items() if k != "released"}
    problems = problems_for(tmp_path, [record])
    assert problems and "record 'demo-7b' field 'released': missing" in problems[0]


def test_duplicate_ids_are_reported(tmp_path):
    problems = problems_for(tmp_path, [GOOD, GOOD])
    assert any("field 'id': duplicate id (first used at line 1)" in p for p in problems)


def test_null_with_reason_is_accepted(tmp_path):
    record = {**GOOD, "training_tokens_t": None, "unknown": {"training_tokens_t": "Not disclosed."}}
    assert problems_for(tmp_path, [record]) == []


def test_every_problem_is_reported_at_once(tmp_path):
    bad = [{**GOOD, "id": "a", "licence": "Nope"}, {**GOOD, "id": "b", "modality": "smell"}]
    problems = problems_for(tmp_path, bad)
    assert len(problems) == 2 and "'a'" in problems[0] and "'b'" in problems[1]


def test_invalid_yaml_names_the_line(tmp_path):
    models = tmp_path / "models.yaml"
    models.write_text("- id: x\n  name: [unclosed\n")
    with pytest.raises(modeldata.DataError) as err:
        modeldata.load(models, modeldata.LICENCES_FILE, None)
    assert re.match(r".*models\.yaml:\d+: not valid YAML", str(err.value))


def test_exports_hold_every_record():
    data = modeldata.load()
    csv_text = modeldata.to_csv(data)
    assert len(csv_text.strip().splitlines()) == len(data.models) + 1
    assert '"licence": "CC-BY-4.0"' in modeldata.to_json(data)


def test_changed_value_reaches_the_rendered_table(tmp_path):
    """One truth: edit the data only, rebuild, and the table shows the new value."""
    book = copy_book(tmp_path)
    data = modeldata.load()
    target = next(m for m in data.models
                  if m.open_weights and m.released.year == 2023 and m.parameters_b and m.parameters_b < 15
                  and m.modality in ("text", "code", "vision-language", "multimodal"))
    models_file = book / "data" / "models.yaml"
    text = models_file.read_text()
    pattern = re.compile(rf"(- id: {re.escape(target.id)}\n(?:  .*\n)*?  parameters_b: )[0-9.]+")
    assert pattern.search(text), f"could not find parameters_b of {target.id}"
    models_file.write_text(pattern.sub(r"\g<1>12.345", text, count=1))
    (book / "_toc.yml").write_text("format: jb-book\nroot: index\nchapters:\n  - file: table\n")
    (book / "table.md").write_text(textwrap.dedent("""\
        # Table

        ```{model-table} under-15b-2023
        ```

        ```{bibliography}
        ```
        """))
    result = sphinx_build(book, tmp_path / "out", "-D", "only_build_toc_files=0", "-D",
                          "suppress_warnings=bibtex.bibliography_cited_entries")
    from bs4 import BeautifulSoup

    page = BeautifulSoup((tmp_path / "out" / "html" / "table.html").read_text(), "html.parser")
    rows = [[td.get_text(" ", strip=True) for td in tr.find_all("td")] for tr in page.select("table tr")]
    row = next(r for r in rows if r and r[0].startswith(target.name))
    assert row[3] == "12.345B", (row, result.stderr[-2000:])


def onetruth_problems(tmp_path: Path, chapter: str) -> list[str]:
    from bookkit.checks import onetruth

    (tmp_path / "book" / "data").mkdir(parents=True)
    models = tmp_path / "book" / "data" / "models.yaml"
    models.write_text(yaml.safe_dump([{**GOOD, "name": "Demo 7B", "parameters_b": 7.3,
                                       "released": date(2024, 1, 2)}], sort_keys=False))
    (tmp_path / "book" / "data" / "licences.yaml").write_text(modeldata.LICENCES_FILE.read_text())
    (tmp_path / "book" / "chapter.md").write_text(chapter)
    return onetruth.check(tmp_path)


@pytest.mark.parametrize(("line", "typed", "field"), [
    ("Demo 7B has 7.3 billion parameters.", "7.3 billion", "parameters_b"),
    ("Demo 7B was released on 2 January 2024.", "2 January 2024", "released"),
    ("Demo 7B is a 7.3B-parameter model.", "7.3B", "parameters_b"),
])
def test_typed_model_fact_is_reported_with_the_role_to_use(tmp_path, line, typed, field):
    problems = onetruth_problems(tmp_path, f"# Title\n\nIntro.\n\n{line}\n")
    assert problems == [f"book/chapter.md:5: '{typed}' types the {field} of 'Demo 7B' by hand: write "
                        f"{{fact}}`demo-7b:{field}` so it follows book/data/models.yaml"]


@pytest.mark.parametrize("line", [
    "Demo 7B is good at code.",                      # the size in a name is not a claim
    "Demo 7B has {fact}`demo-7b:parameters_b` parameters.",
    "Other has 7.3 billion parameters.",             # no model named on the line
    "```\nDemo 7B has 7.3 billion parameters.\n```",  # code is not prose
])
def test_names_roles_and_code_are_not_typed_facts(tmp_path, line):
    assert onetruth_problems(tmp_path, f"# Title\n\nIntro.\n\n{line}\n") == []


def test_real_book_types_no_model_fact():
    from bookkit.checks import onetruth

    assert onetruth.check() == []


def test_missing_data_file_is_a_problem_not_a_crash(tmp_path):
    problems = modeldata.check(tmp_path)
    assert problems and problems[0].endswith("licences.yaml:1: file is missing")


def test_every_modality_has_a_group_and_a_colour_in_the_release_chart():
    from typing import get_args

    from bookkit.data.figures import MODALITY_COLOURS, MODALITY_GROUPS

    missing = [m for m in get_args(modeldata.Modality) if MODALITY_GROUPS.get(m) not in MODALITY_COLOURS]
    assert not missing, f"modalities without a chart group and colour in bookkit/data/figures.py: {missing}"
