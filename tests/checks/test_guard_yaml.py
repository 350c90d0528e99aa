"""Strict YAML everywhere, and the settings check: each attack fed to the guard."""

from __future__ import annotations

import pytest

from bookkit.checks import config as configcheck
from bookkit.checks import lint
from bookkit.data import models as modeldata
from bookkit.data import safeyaml
from guardutil import edit, good_book, line_of, only

# Twelve lines, a billion list items once expanded: safe_load takes hours.
ALIAS_BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


@pytest.mark.parametrize("text, line, words", [
    (ALIAS_BOMB, 1, ["anchor '&a' is not allowed", "write values out"]),
    ("a: 1\nb: *a\n", 2, ["alias '*a' is not allowed", "write the value out"]),
    ("a: !!python/object/apply:os.system [ls]\n", 1, ["tag", "is not allowed"]),
    ("x: !custom 1\n", 1, ["tag '!custom' is not allowed"]),
    ("name: A\nkey: 1\nname: B\n", 3, ["key 'name' appears twice", "first at line 1", "keep one"]),
    ("a:\n" + "".join("  " * i + "- \n" for i in range(1, 60)), 41, ["nested more than", "flatten"]),
    ("[" * 20000 + "]" * 20000, 1, ["nested more than 40 levels deep"]),
    ("a: [1,\n", 2, ["not valid YAML"]),
])
def test_safeyaml_refuses_with_file_and_line(text, line, words):
    with pytest.raises(safeyaml.YamlError) as info:
        safeyaml.loads(text, "book/x.yaml")
    msg = str(info.value)
    assert msg.startswith(f"book/x.yaml:{line}: "), msg
    for w in words:
        assert w in msg, msg


def test_safeyaml_keeps_plain_values():
    assert safeyaml.loads("a: [1, x]\nb: {c: 2024-01-02}\nd: yes\n") == {
        "a": [1, "x"], "b": {"c": __import__("datetime").date(2024, 1, 2)}, "d": True}


@pytest.mark.parametrize("rel, old, new, marker, words", [
    ("book/data/models.yaml", "  name: Mistral 7B\n", "  name: Mistral 7B\n  name: Other\n", "name: Other",
     "key 'name' appears twice"),
    ("book/data/models.yaml", "- id: mistral-7b\n", "- &rec\n  id: mistral-7b\n", "&rec", "anchor '&rec'"),
    ("book/_toc.yml", "root: index\n", "root: index\nroot: other\n", "root: other", "key 'root' appears twice"),
    ("book/_config.yml", "title: Fixture\n", "title: !!binary aGk=\n", "title:", "tag"),
])
def test_lint_reports_refused_yaml_once_at_its_line(tmp_path, capsys, rel, old, new, marker, words):
    repo = good_book(tmp_path)
    edit(repo, rel, old, new)
    assert lint.main([str(repo)]) == 1
    out = capsys.readouterr().out.splitlines()
    hits = [p for p in out if p.startswith(f"{rel}:{line_of(repo, rel, marker)}: ") and words in p]
    assert len(hits) == 1, out
    assert not any("crashed" in p or "Traceback" in p for p in out), out


@pytest.mark.parametrize("old, new, marker, words", [
    ("title: Fixture\n", "title: [Fixture\n", "repository", "not valid YAML"),
    ("title: Fixture\n", "title: 3\n", "title:", "setting 'title': 3 is not of type 'string'"),
    ("title: Fixture\n", "title: Fixture\ntitel: typo\n", "titel", "unknown setting 'titel'"),
    ("title: Fixture\n", "title: Fixture\nsphinx:\n  extra_extensions:\n    - bookkit.extensions.nope\n",
     "bookkit.extensions.nope", "extension 'bookkit.extensions.nope' cannot be imported"),
])
def test_invalid_config_is_caught_by_lint_naming_the_file(tmp_path, capsys, old, new, marker, words):
    repo = good_book(tmp_path)
    rel = "book/_config.yml"
    edit(repo, rel, old, new)
    only(configcheck.check(repo), f"{rel}:{line_of(repo, rel, marker)}: ", words)
    assert lint.main([str(repo)]) == 1
    assert any(p.startswith(f"{rel}:") and words in p for p in capsys.readouterr().out.splitlines())


def test_good_fixture_config_passes(tmp_path):
    assert configcheck.check(good_book(tmp_path)) == []


@pytest.mark.parametrize("field, value, words", [
    ("organisation", "<img src=x onload=alert(1)>", "'<'"),
    ("name", "Evil {cite:p}`x`", "'{'"),
    ("name", "Evil [link](https://example.org)", "']('"),
    ("architecture", "Decoder \u202eesrever", "U+202E"),
    ("name", "Zero\u200bwidth", "U+200B"),
    ("architecture", "bell \x07", "U+0007"),
    ("name", "A &lt;b&gt;", "'&lt;'"),
])
def test_data_text_fields_reject_markup_at_the_yaml_line(tmp_path, field, value, words):
    repo = good_book(tmp_path)
    rel = "book/data/models.yaml"
    path = repo / rel
    text = path.read_text(encoding="utf-8")
    old = next(ln for ln in text.splitlines() if ln.startswith(f"  {field}: "))
    edit(repo, rel, old + "\n", f"  {field}: {safeyaml_quote(value)}\n")
    problems = modeldata.check(repo)
    line = line_of(repo, rel, f"  {field}: ")
    only(problems, f"{rel}:{line}: ", f"field '{field}'", words, "data fields are plain text")


def safeyaml_quote(value: str) -> str:
    import json

    return json.dumps(value)  # a JSON string is a YAML double-quoted scalar


def test_citation_key_cannot_carry_markup(tmp_path):
    repo = good_book(tmp_path)
    rel = "book/data/models.yaml"
    edit(repo, rel, "citations: [jiang2023mistral]", 'citations: ["jiang2023mistral`<b>"]')
    only(modeldata.check(repo), f"{rel}:{line_of(repo, rel, 'citations:')}: ", "field 'citations'",
         "should match pattern")


def test_deep_nesting_never_crashes_the_bib_or_data_checks(tmp_path, capsys):
    """20,000 levels of nesting (in the data and in a bib value) are reported
    as problems at their lines, never as a bare RecursionError."""
    from bookkit.checks import bib as bibcheck

    repo = good_book(tmp_path)
    rel = "book/data/models.yaml"
    edit(repo, rel, "  citations: [jiang2023mistral]\n",
         "  citations: [jiang2023mistral]\n  deep: " + "[" * 20000 + "]" * 20000 + "\n")
    edit(repo, "book/references.bib", "title = {Mistral {7B}}", "title = {Mistral " + "{" * 20000 + "7B"
         + "}" * 20000 + "}")
    problems = bibcheck.check(repo)
    assert any(p.startswith("book/references.bib:3: BibTeX syntax error") for p in problems), problems
    only(modeldata.check(repo), f"{rel}:{line_of(repo, rel, 'deep:')}: ", "nested more than 40 levels deep")
    assert lint.main([str(repo)]) == 1
    out = capsys.readouterr().out
    assert "RecursionError" not in out and "crashed" not in out, out


def test_no_module_reads_yaml_without_the_strict_loader():
    import re
    from pathlib import Path

    scripts = Path(safeyaml.__file__).resolve().parents[1]
    offenders = []
    for path in sorted(scripts.rglob("*.py")):
        if path.name == "safeyaml.py":
            continue
        for no, line in enumerate(path.read_text().splitlines(), start=1):
            if re.search(r"\byaml\.(safe_load|load|full_load|unsafe_load|load_all|safe_load_all)\("
                         r"|\b(C?(Safe|Full|Unsafe)?Loader)\(", line):
                offenders.append(f"{path.relative_to(scripts.parent)}:{no}: use bookkit.data.safeyaml")
    assert not offenders, "\n".join(offenders)
