"""The sidebar rendered once per folder (bookkit.extensions.slim_theme) gives
the same pages as the theme's per-page rendering, on a book with parts,
nested chapters, sections in sub-folders and pages outside the tree."""

from __future__ import annotations

import textwrap
from pathlib import Path

from bookkit.extensions.slim_theme import mark_current
from bookkit.tools.sitediff import compare
from bookpaths import sphinx_build

CONF = """
project = "Sidebar fixture"
book_edition = "2026.12"
extensions = ["myst_parser", "sphinx_external_toc", "sphinx_book_theme", "sphinx_comments", "bookkit.extensions.book",
              "bookkit.extensions.slim_theme"]
external_toc_path = "_toc.yml"
html_theme = "sphinx_book_theme"
html_theme_options = {"home_page_in_toc": True, "show_navbar_depth": 2}
exclude_patterns = ["_build"]
"""

TOC = """
format: jb-book
root: index
parts:
  - caption: First part
    chapters:
      - file: one
        sections:
          - file: one/a
            sections:
              - file: one/a/deep
          - file: one/b
      - file: two
  - caption: Second part
    chapters:
      - file: three
        sections:
          - file: three/x
"""

PAGES = ["index", "one", "one/a", "one/a/deep", "one/b", "two", "three", "three/x", "orphan"]


def make_book(root: Path) -> Path:
    book = root / "book"
    for page in PAGES:
        path = book / f"{page}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        title = page.replace("/", " ").title()
        front = "---\norphan: true\n---\n" if page == "orphan" else ""
        path.write_text(f"{front}# {title}\n\nText of {page}.\n\n## A section of {page}\n\nMore text.\n")
    (book / "conf.py").write_text(textwrap.dedent(CONF))
    (book / "_toc.yml").write_text(textwrap.dedent(TOC))
    return book


def test_sidebar_once_gives_the_same_site_as_the_theme(tmp_path):
    book = make_book(tmp_path)
    once = sphinx_build(book, tmp_path / "once")
    assert once.returncode == 0, once.stderr
    theme = sphinx_build(book, tmp_path / "theme", "-D", "bookkit_sidebar_once=0")
    assert theme.returncode == 0, theme.stderr
    report = compare(tmp_path / "once" / "html", tmp_path / "theme" / "html")
    assert report.same, "\n".join(report.lines())
    # The fixture really has nested, current, opened entries.
    deep = (tmp_path / "once" / "html" / "one" / "a" / "deep.html").read_text()
    assert 'class="toctree-l3 current active' in deep and '<details open="open">' in deep
    # Every toggle has an accessible name (axe-core: summary-name).
    assert '<summary aria-label="Sections of One">' in deep and "<summary>" not in deep


def test_name_summaries_names_each_toggle_after_its_entry():
    from bookkit.extensions.slim_theme import name_summaries

    html_text = ('<a class="reference internal" href="m.html">Models &amp; <em>more</em></a>'
                 '<details open="open"><summary><span class="toctree-toggle"></span></summary>')
    assert name_summaries(html_text).endswith(
        '<details open="open"><summary aria-label="Sections of Models &amp; more"><span class="toctree-toggle"></span></summary>')


NEUTRAL = (
    '<ul class="nav bd-sidenav">\n'
    '<li class="toctree-l1 has-children"><a class="reference internal" href="a.html">A</a>'
    '<details><summary>v</summary><ul>\n'
    '<li class="toctree-l2"><a class="reference internal" href="b.html">B</a></li>\n'
    "</ul></details></li>\n"
    '<li class="toctree-l1"><a class="reference internal" href="c.html">C</a></li>\n'
    "</ul>"
)


def test_mark_current_marks_the_branch_and_opens_it():
    marked = mark_current(NEUTRAL, "b.html")
    assert marked.startswith('<ul class="current nav bd-sidenav">')
    assert '<li class="toctree-l1 current active has-children">' in marked
    assert '<details open="open"><summary>v</summary><ul class="current">' in marked
    assert '<li class="toctree-l2 current active"><a class="current reference internal" href="#">B</a>' in marked
    assert '<li class="toctree-l1"><a class="reference internal" href="c.html">' in marked


def test_mark_current_gives_up_on_a_page_linked_twice_or_not_at_all():
    assert mark_current(NEUTRAL + NEUTRAL, "c.html") is None
    assert mark_current(NEUTRAL, "nowhere.html") is None
