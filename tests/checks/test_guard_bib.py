"""bibcheck: each rule fed its fault, on a copy of the good fixture book."""

from __future__ import annotations

import pytest

from bookkit.checks import bib as bibcheck
from guardutil import append, edit, good_book, line_of, only

BIB = "book/references.bib"
TOUVRON = """@misc{touvron2023llama,
  author = {Touvron, Hugo and others},
  title = {{LLaMA}: Open and Efficient Foundation Language Models},
  year = {2023},
  eprint = {2302.13971},
  archiveprefix = {arXiv},
  doi = {10.48550/arXiv.2302.13971},
}
"""


def test_good_fixture_passes(tmp_path):
    assert bibcheck.check(good_book(tmp_path)) == []


def test_syntax_error_is_located(tmp_path):
    repo = good_book(tmp_path)
    edit(repo, BIB, "  year = {2023},\n  eprint = {2310.06825},", "  year = {2023}\n  eprint = {2310.06825},")
    # The fault is the missing comma after the year, not the line where pybtex noticed it.
    line = line_of(repo, BIB, "  year = {2023}")
    only(bibcheck.check(repo), f"{BIB}:{line}: ", "BibTeX syntax error", "field 'year': missing ','")


def test_duplicate_key_case_folded(tmp_path):
    repo = good_book(tmp_path)
    append(repo, BIB, "\n" + TOUVRON.replace("touvron2023llama", "Touvron2023LLaMA"))
    line = line_of(repo, BIB, "@misc{Touvron2023LLaMA")
    only(bibcheck.check(repo), f"{BIB}:{line}: ", "duplicate key 'Touvron2023LLaMA'",
         "'touvron2023llama' at line 10")


@pytest.mark.parametrize("field, same", [
    ("doi = {10.48550/arXiv.2302.13971}", "DOI"),
    ("eprint = {2302.13971v2}", "arXiv id"),
    ("url = {https://arxiv.org/abs/2302.13971}", "URL"),
])
def test_same_work_twice(tmp_path, field, same):
    repo = good_book(tmp_path)
    if same == "URL":  # give both entries the same URL
        edit(repo, BIB, "  doi = {10.48550/arXiv.2310.06825},\n",
             "  doi = {10.48550/arXiv.2310.06825},\n  url = {https://arxiv.org/abs/2302.13971},\n")
        edit(repo, BIB, "  doi = {10.48550/arXiv.2302.13971},\n",
             "  doi = {10.48550/arXiv.2302.13971},\n  url = {https://arxiv.org/abs/2302.13971/},\n")
    else:  # a second entry, cited, that is the same paper
        append(repo, BIB, "\n@misc{meta2023llama,\n  author = {{Meta AI}},\n  title = {LLaMA again},\n"
                          f"  year = {{2023}},\n  {field},\n}}\n")
        append(repo, "book/index.md", "\nAgain {cite:p}`meta2023llama`.\n")
    problems = [p for p in bibcheck.check(repo) if "canonical" not in p]
    only(problems, f"{BIB}:", f"same {same} as entry")


def test_unknown_citation_key_with_suggestion(tmp_path):
    repo = good_book(tmp_path)
    edit(repo, "book/models.md", "{cite:t}`touvron2023llama`", "{cite:t}`touvron2023llam`")
    line = line_of(repo, "book/models.md", "touvron2023llam`")
    p = only(bibcheck.check(repo), f"book/models.md:{line}: ")
    assert p == (f"book/models.md:{line}: citation key 'touvron2023llam' not in book/references.bib "
                 "(did you mean 'touvron2023llama'?)")


@pytest.mark.parametrize("role", ["cite", "cite:p", "cite:t", "cite:ps", "cite:ts", "cite:year",
                                  "cite:authorpar", "footcite"])
def test_every_cite_role_is_seen(tmp_path, role):
    repo = good_book(tmp_path)
    append(repo, "book/index.md", f"\nAlso {{{role}}}`jiang2023mistral, nosuch2020key`.\n")
    line = line_of(repo, "book/index.md", "nosuch2020key")
    only(bibcheck.check(repo), f"book/index.md:{line}: ", "'nosuch2020key' not in")


def test_cite_in_code_is_ignored(tmp_path):
    # fixtures/good/book/models.md has {cite}`nosuchkey2020x` inside a code fence
    assert "nosuchkey2020x" in (good_book(tmp_path) / "book/models.md").read_text()
    assert bibcheck.check(good_book(tmp_path / "b")) == []


def test_case_only_mismatch(tmp_path):
    repo = good_book(tmp_path)
    edit(repo, "book/models.md", "{cite:t}`touvron2023llama`", "{cite:t}`Touvron2023llama`")
    only(bibcheck.check(repo), "book/models.md:", "write it exactly as 'touvron2023llama'")


def test_orphan_entry(tmp_path):
    repo = good_book(tmp_path)
    (repo / "book/data/models.yaml").write_text("- id: x\n  citations: []\n")
    only(bibcheck.check(repo), f"{BIB}:1: ", "entry 'jiang2023mistral' is never cited")


def test_data_citations_block_list_count(tmp_path):
    repo = good_book(tmp_path)
    (repo / "book/data/models.yaml").write_text("- id: x\n  citations:\n    - jiang2023mistral\n")
    assert bibcheck.check(repo) == []


@pytest.mark.parametrize("old, new, words", [
    ("  title = {Mistral {7B}},\n", "", "missing title"),
    ("  author = {Jiang, Albert Q. and others},\n", "", "missing author"),
    ("  year = {2023},\n  eprint = {2310.06825}", "  eprint = {2310.06825}", "missing year"),
    ("  eprint = {2310.06825},\n  archiveprefix = {arXiv},\n  doi = {10.48550/arXiv.2310.06825},\n", "",
     "needs a doi, an eprint"),
    ("doi = {10.48550/arXiv.2310.06825}", "doi = {https://doi.org/10.48550/arXiv.2310.06825}", "not a bare DOI"),
    ("eprint = {2310.06825}", "eprint = {arXiv:2310.06825}", "is not an arXiv id"),
    ("eprint = {2310.06825}", "eprint = {2310.06826}", "name different arXiv papers"),
])
def test_entry_fields(tmp_path, old, new, words):
    repo = good_book(tmp_path)
    edit(repo, BIB, old, new)
    only(bibcheck.check(repo), f"{BIB}:1: ", "entry 'jiang2023mistral'", words)


def test_http_url_in_bib(tmp_path):
    repo = good_book(tmp_path)
    edit(repo, BIB, "  doi = {10.48550/arXiv.2310.06825},\n",
         "  doi = {10.48550/arXiv.2310.06825},\n  url = {http://mistral.ai/news/x?utm_source=feed},\n")
    problems = bibcheck.check(repo)
    line = line_of(repo, BIB, "http://mistral.ai")
    assert len(problems) == 2, problems
    assert all(p.startswith(f"{BIB}:{line}: ") for p in problems)
    assert "uses http" in problems[0] and "tracking parameters (utm_source)" in problems[1]


def test_key_convention(tmp_path):
    repo = good_book(tmp_path)
    for rel in (BIB, "book/data/models.yaml"):
        edit(repo, rel, "jiang2023mistral", "Jiang-2023")
    problems = [p for p in bibcheck.check(repo) if "canonical" not in p]
    only(problems, f"{BIB}:1: ", "entry 'Jiang-2023'", "key does not follow the convention")


def test_not_canonical_then_make_format_fixes_it(tmp_path):
    repo = good_book(tmp_path)
    # fields out of order, odd spacing, entries unsorted
    bib = repo / BIB
    text = bib.read_text()
    first, second = text.split("\n\n")
    bib.write_text(second.replace("  year = {2023},\n", "") .replace("@misc{touvron2023llama,",
                   "@MISC{touvron2023llama,\n    year  =   {2023},") + "\n" + first)
    only(bibcheck.check(repo), f"{BIB}:1: ", "not in canonical form", "run `make format`")
    assert bibcheck.format_file(repo) == 0
    assert bib.read_text() == text
    assert bibcheck.check(repo) == []
    assert bibcheck.format_file(repo) == 0 and bib.read_text() == text  # idempotent


def test_format_refuses_a_broken_file(tmp_path):
    repo = good_book(tmp_path)
    edit(repo, BIB, "  year = {2023},\n  eprint = {2310.06825},", "  year = {2023}\n  eprint = {2310.06825},")
    before = (repo / BIB).read_text()
    assert bibcheck.format_file(repo) == 1
    assert (repo / BIB).read_text() == before


def test_cli_exit_status(tmp_path, capsys):
    repo = good_book(tmp_path)
    assert bibcheck.main(["--root", str(repo)]) == 0
    edit(repo, "book/index.md", "touvron2023llama", "touvron2023llam")
    assert bibcheck.main(["--root", str(repo)]) == 1
    assert "book/index.md:3: citation key 'touvron2023llam'" in capsys.readouterr().out
