"""pagecheck: each page/figure rule fed its fault, on a copy of the good fixture."""

from __future__ import annotations

import pytest

from bookkit.checks import lint
from bookkit.checks import pages as pagecheck
from guardutil import append, edit, good_book, line_of, only

MODELS = "book/models.md"


def test_good_fixture_passes(tmp_path):
    assert pagecheck.check(good_book(tmp_path)) == []


@pytest.mark.parametrize("old, new, marker, words", [
    # colon-fence figure
    (":name: fig-models-small\n", "", ":::{figure}", "has no label: add `:name:"),
    (":alt: A small square.\n", "", ":::{figure}", "has no alt text"),
    ("\nA caption for the square.\n", "\n", ":::{figure}", "has no caption"),
    # backtick-fence figure with YAML options
    ("name: fig-models-yaml\n", "", "```{figure}", "has no label"),
    ("alt: The same square.\n", "", "```{figure}", "has no alt text"),
    (":::{figure} figures/small.svg", ":::{figure} figures/nope.svg", ":::{figure}",
     "image 'figures/nope.svg' ({figure}) not found: expected book/figures/nope.svg"),
    ("![A small square](figures/small.svg)", "![A small square](figures/gone.png)", "![A small",
     "image 'figures/gone.png' (![]()) not found"),
])
def test_figure_rules(tmp_path, old, new, marker, words):
    repo = good_book(tmp_path)
    edit(repo, MODELS, old, new)
    only(pagecheck.check(repo), f"{MODELS}:{line_of(repo, MODELS, marker)}: ", words)


def test_large_image_needs_allowlist_with_reason(tmp_path):
    repo = good_book(tmp_path)
    (repo / "book/figures/big.png").write_bytes(b"\0" * 600 * 1024)
    append(repo, MODELS, "\n<img src=\"figures/big.png\" alt=\"big\">\n")
    line = line_of(repo, MODELS, "big.png")
    only(pagecheck.check(repo), f"{MODELS}:{line}: ", "is 600 KB (limit 500 KB)", "large_images")
    guards = repo / "scripts/guards.yml"
    guards.write_text("large_images:\n  - path: figures/big.png\n")
    only(pagecheck.check(repo), "scripts/guards.yml:2: ", "has no reason")
    guards.write_text("large_images:\n  - path: figures/big.png\n    reason: A photo; SVG impossible.\n")
    assert pagecheck.check(repo) == []


@pytest.mark.parametrize("snippet, words", [
    ("<script>alert(1)</script>", "raw <script>"),
    ('<a href="#" onclick="steal()">x</a>', "inline event handler 'onclick='"),
    ('<img src="figures/small.svg" alt="x" onerror="x()">', "inline event handler 'onerror='"),
])
def test_no_scripts(tmp_path, snippet, words):
    repo = good_book(tmp_path)
    append(repo, MODELS, f"\nText with {snippet} inside.\n")
    only(pagecheck.check(repo), f"{MODELS}:{line_of(repo, MODELS, snippet[:12])}: ", words)


def test_script_in_raw_directive(tmp_path):
    repo = good_book(tmp_path)
    append(repo, MODELS, "\n```{raw} html\n<script src=\"x.js\"></script>\n```\n")
    only(pagecheck.check(repo), f"{MODELS}:{line_of(repo, MODELS, 'x.js')}: ", "raw <script>")


@pytest.mark.parametrize("word", ["TODO", "wip", "TBD", "FIXME"])
def test_no_unfinished_text(tmp_path, word):
    repo = good_book(tmp_path)
    append(repo, MODELS, f"\nThis part is {word}: more soon.\n")
    only(pagecheck.check(repo), f"{MODELS}:{line_of(repo, MODELS, 'more soon')}: ",
         f"'{word}' in a published page")


def test_empty_section(tmp_path):
    repo = good_book(tmp_path)
    append(repo, "book/index.md", "\n## Empty one\n\n(lbl)=\n% note\n\n## Another\n\nText.\n")
    only(pagecheck.check(repo), f"book/index.md:{line_of(repo, 'book/index.md', '## Empty one')}: ",
         "empty section 'Empty one'")


def test_empty_section_at_end_and_subsection_is_content(tmp_path):
    repo = good_book(tmp_path)
    append(repo, "book/index.md", "\n## Parent\n### Child\n\nText.\n\n## Last\n")
    only(pagecheck.check(repo), f"book/index.md:{line_of(repo, 'book/index.md', '## Last')}: ",
         "empty section 'Last'")


def test_chapter_needs_title(tmp_path):
    repo = good_book(tmp_path)
    edit(repo, MODELS, "# Models\n", "")
    only(pagecheck.check(repo), f"{MODELS}:", "must start with a `# Title` heading")


@pytest.mark.parametrize("first", ["## Straight to a section", ":::{note}\nA note.\n:::", "- a list"])
def test_chapter_needs_intro_paragraph(tmp_path, first):
    repo = good_book(tmp_path)
    edit(repo, "book/index.md", "# Fixture book\n", f"# Fixture book\n\n{first}\n")
    only(pagecheck.check(repo), "book/index.md:1: ", "chapter has no intro paragraph")


def test_toc_entry_without_file(tmp_path):
    repo = good_book(tmp_path)
    append(repo, "book/_toc.yml", "  - file: ghost\n")
    only(pagecheck.check(repo), f"book/_toc.yml:{line_of(repo, 'book/_toc.yml', 'ghost')}: ",
         "chapter 'ghost' has no source file: create book/ghost.md")


def test_unpublished_pages_are_not_checked(tmp_path):
    repo = good_book(tmp_path)
    (repo / "book/draft.md").write_text("TODO\n")
    # Its text is not checked (no TODO report); that it is missing from the toc is.
    only(pagecheck.check(repo), "book/draft.md: ", "not in book/_toc.yml")


def test_lint_runs_every_check(tmp_path, capsys):
    repo = good_book(tmp_path)
    assert lint.main([str(repo)]) == 0
    append(repo, MODELS, "\nTBD, see http://example.org and {cite}`nope2020x`.\n")
    assert lint.main([str(repo)]) == 1
    out = capsys.readouterr().out
    line = line_of(repo, MODELS, "TBD")
    for words in ("citation key 'nope2020x'", "'TBD' in a published page", "uses http"):
        assert f"{MODELS}:{line}: " in out and words in out, out
