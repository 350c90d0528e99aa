"""The model data: schema validation, messages that locate faults, one truth."""

from __future__ import annotations

import re
import textwrap
from datetime import date
from pathlib import Path

import pytest
import yaml

from bookkit import modeldata
from conftest import copy_book, sphinx_build

GOOD = {
    "id": "demo-7b", "name": "Demo 7B", "organisation": "Demo Lab", "released": date(2024, 1, 2),
    "modality": "text", "parameters_b": 7.0, "active_parameters_b": None, "training_tokens_t": 2.0,
    "context_length": 4096, "architecture": "Decoder-only transformer", "licence": "Apache-2.0",
    "commercial_use": "yes", "commercial_condition": None, "open_weights": True,
    "open_training_code": False, "open_training_data": False, "citations": ["demo2024"],
    "checked": date(2024, 2, 1),
}
BIB = "@misc{demo2024, title={Demo}, author={Lab, Demo}, year={2024}, url={https://example.org/demo}}\n"


def problems_for(tmp_path: Path, records: list[dict], today: date = date(2026, 1, 1)) -> list[str]:
    models = tmp_path / "models.yaml"
    models.write_text(yaml.safe_dump(records, sort_keys=False))
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
        """))
    result = sphinx_build(book, tmp_path / "out", "-D", "only_build_toc_files=0", "-D",
                          "suppress_warnings=bibtex.bibliography_cited_entries")
    html = (tmp_path / "out" / "html" / "table.html").read_text()
    row = next(r for r in html.split("<tr") if target.name in r)
    assert "12.345B" in row, result.stderr[-2000:]
