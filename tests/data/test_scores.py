"""The benchmark scores (book/data/scores.yaml): schema, located messages, references, rendering."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
import yaml

from bookkit.data import models as modeldata
from bookkit.data import scores as scoredata
from bookpaths import copy_book, sphinx_build

BIB = "@misc{demo2024, title={Demo}, author={Lab, Demo}, year={2024}, url={https://example.org/demo}}\n"
MODELS = [{"id": "demo-7b"}]
BENCH = {"id": "demo-bench", "name": "Demo Bench", "measures": "Demo skill", "citation": "demo2024"}
ROW = {"model": "demo-7b", "benchmark": "demo-bench", "score": 50.0, "unit": "%",
       "setting": "zero-shot; no thinking", "source": "demo2024", "reported_by": "developer"}


def problems_for(tmp_path: Path, rows: list[dict], benchmarks: list[dict] | None = None) -> list[str]:
    scores = tmp_path / "scores.yaml"
    scores.write_text(yaml.safe_dump({"benchmarks": benchmarks or [BENCH], "scores": rows}, sort_keys=False))
    models = tmp_path / "models.yaml"
    models.write_text(yaml.safe_dump(MODELS))
    bib = tmp_path / "refs.bib"
    bib.write_text(BIB)
    try:
        scoredata.load(scores, models, bib)
    except modeldata.DataError as err:
        return [str(p) for p in err.problems]
    return []


def line_of(tmp_path: Path, needle: str) -> int:
    lines = (tmp_path / "scores.yaml").read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def test_real_scores_are_valid_and_cover_the_main_models():
    data = scoredata.load()
    models = {s.model for s in data.scores if s.reported_by == "developer"}
    assert len(models) >= 12, f"only {len(models)} models have developer-reported scores"
    assert all(s.setting.strip() for s in data.scores)


def test_good_row_passes(tmp_path):
    assert problems_for(tmp_path, [ROW]) == []


@pytest.mark.parametrize(
    ("change", "field", "expected"),
    [
        ({"score": "high"}, "score", "valid number"),
        ({"unit": "points"}, "unit", "Input should be"),
        ({"reported_by": "press"}, "reported_by", "Input should be"),
        ({"score": 140.0}, "score", "140 is not a percentage"),
        ({"model": "no-such-model"}, "model", "'no-such-model' is not the id of a record"),
        ({"source": "nosuchkey2020"}, "source", "citation key 'nosuchkey2020' not in"),
        ({"benchmark": "no-bench"}, "benchmark", "unknown benchmark 'no-bench'"),
    ],
)
def test_bad_field_is_reported_with_file_line_and_field(tmp_path, change, field, expected):
    problems = problems_for(tmp_path, [{**ROW, **change}])
    assert len(problems) == 1, problems
    line = line_of(tmp_path, f"{field}:")
    assert re.match(rf".*scores\.yaml:{line}: score '[^']+' field '{field}': .*{re.escape(expected)}", problems[0]), \
        problems


def test_missing_setting_and_unknown_field_are_located(tmp_path):
    row = {k: v for k, v in ROW.items() if k != "setting"} | {"harness": "x"}
    problems = problems_for(tmp_path, [row])
    record_line = line_of(tmp_path, "- model: demo-7b")
    assert any(p.endswith(f"scores.yaml:{record_line}: score 'demo-7b/demo-bench' field 'setting': missing")
               for p in problems), problems
    assert any("field 'harness': unknown field" in p for p in problems), problems


def test_benchmark_citation_must_be_in_the_bib(tmp_path):
    problems = problems_for(tmp_path, [ROW], [{**BENCH, "citation": "missing2020key"}])
    line = line_of(tmp_path, "citation:")
    assert problems == [f"{tmp_path / 'scores.yaml'}:{line}: benchmark 'demo-bench' field 'citation': citation key "
                        f"'missing2020key' not in {tmp_path / 'refs.bib'}"]


def test_duplicate_row_names_the_first(tmp_path):
    problems = problems_for(tmp_path, [dict(ROW), dict(ROW)])
    first = line_of(tmp_path, "- model: demo-7b")
    assert len(problems) == 1 and f"as line {first}" in problems[0], problems


def test_invalid_yaml_and_wrong_shape_name_the_line(tmp_path):
    scores = tmp_path / "scores.yaml"
    scores.write_text("benchmarks: [unclosed\n")
    with pytest.raises(modeldata.DataError, match=r"scores\.yaml:\d+: not valid YAML"):
        scoredata.load(scores, modeldata.MODELS_FILE, None)
    scores.write_text("- model: x\n")
    with pytest.raises(modeldata.DataError, match=r"scores\.yaml:1: expected a mapping"):
        scoredata.load(scores, modeldata.MODELS_FILE, None)


def test_lint_runs_the_scores_check():
    from bookkit.checks import lint

    assert scoredata.check in lint.CHECKS


def test_lint_check_reports_a_bad_model_id(tmp_path):
    data = tmp_path / "book" / "data"
    data.mkdir(parents=True)
    (data / "models.yaml").write_text(yaml.safe_dump(MODELS))
    (tmp_path / "book" / "references.bib").write_text(BIB)
    (data / "scores.yaml").write_text(yaml.safe_dump({"benchmarks": [BENCH], "scores": [{**ROW, "model": "ghost"}]},
                                                     sort_keys=False))
    problems = scoredata.check(tmp_path)
    assert len(problems) == 1 and re.match(r"book/data/scores\.yaml:\d+: score 'ghost/demo-bench' field 'model'",
                                           problems[0].replace(str(tmp_path) + "/", "")), problems


def test_table_renders_fields_as_plain_text(tmp_path):
    """A setting that looks like markup reaches the page as text; the table carries its label and caption."""
    book = copy_book(tmp_path)
    scores_file = book / "data" / "scores.yaml"
    doc = yaml.safe_load(scores_file.read_text())
    row = next(s for s in doc["scores"] if s["reported_by"] == "developer")
    row["setting"] = "*not emphasis* {cite:p}`nokey` <b>bold</b>"
    scores_file.write_text(yaml.safe_dump(doc, sort_keys=False))
    (book / "_toc.yml").write_text("format: jb-book\nroot: index\nchapters:\n  - file: table\n")
    (book / "table.md").write_text(textwrap.dedent(f"""\
        # Table

        ```{{score-table}} {row["benchmark"]}
        :name: table-demo-scores
        ```

        ```{{bibliography}}
        ```
        """))
    result = sphinx_build(book, tmp_path / "out", "-D", "only_build_toc_files=0", "-D",
                          "suppress_warnings=bibtex.bibliography_cited_entries")
    from bs4 import BeautifulSoup

    page = BeautifulSoup((tmp_path / "out" / "html" / "table.html").read_text(), "html.parser")
    table = page.find("table", id="table-demo-scores")
    assert table is not None, result.stderr[-2000:]
    assert "as reported by the developer" in table.find("caption").get_text(" ", strip=True)
    cells = [td.get_text(" ", strip=True) for td in table.find_all("td")]
    assert any(c.startswith("*not emphasis* {cite:p}`nokey` <b>bold</b> [") for c in cells), cells
    assert table.find("em") is None and table.find("b") is None


@pytest.mark.build
def test_evaluating_chapter_shows_the_labelled_score_table(html_dir):
    html = (html_dir / "evaluating.html").read_text(encoding="utf-8")
    match = re.search(r'<table[^>]*id="table-scores"[^>]*>.*?</table>', html, re.S)
    assert match, "evaluating.html has no table with id 'table-scores'"
    assert "as reported by the developer" in match.group(0)
    assert "Setting (as reported)" in match.group(0)
