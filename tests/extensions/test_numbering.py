"""Figure numbering from page skeletons (bookkit.extensions.buildspeed) gives
the numbers Sphinx gives from the full doctrees, after a clean build and after
an incremental one that adds, removes and moves numbered elements."""

from __future__ import annotations

import pickle
import textwrap
from pathlib import Path

from bookkit.extensions.buildspeed import SKELETONS
from bookkit.tools.sitediff import compare
from bookpaths import sphinx_build

CONF = """
project = "Numbering fixture"
extensions = ["myst_parser", "sphinx_external_toc", "bookkit.extensions.buildspeed"]
external_toc_path = "_toc.yml"
myst_enable_extensions = ["colon_fence", "dollarmath", "amsmath"]
numfig = True
html_theme = "basic"
exclude_patterns = ["_build"]
"""

TOC = """
format: jb-book
root: index
parts:
  - caption: Numbered
    numbered: true
    chapters:
      - file: one
        sections:
          - file: one/a
      - file: two
  - caption: Not numbered
    chapters:
      - file: three
"""

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>\n'


def numbered(name: str, extra: str = "") -> str:
    return textwrap.dedent(f"""\
        # Page {name}

        ```{{figure}} /dot.svg
        :name: fig-{name.replace('/', '-')}-1

        A captioned figure on {name}.
        ```

        ## A section

        :::{{table}} A captioned table on {name}
        :name: table-{name.replace('/', '-')}

        | a | b |
        |---|---|
        | 1 | 2 |
        :::

        | uncaptioned | table |
        |---|---|
        | 1 | 2 |

        ```{{code-block}} python
        :caption: A captioned listing
        :name: code-{name.replace('/', '-')}

        print("{name}")
        ```

        See {{numref}}`fig-{name.replace('/', '-')}-1` and {{numref}}`table-{name.replace('/', '-')}`.
        {extra}
        """)


def make_book(root: Path) -> Path:
    book = root / "book"
    pages = {"index": "# Home\n\nThe front page.\n", "one": numbered("one"), "one/a": numbered("one/a"),
             "two": numbered("two"), "three": numbered("three")}
    for page, text in pages.items():
        path = book / f"{page}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (book / "dot.svg").write_text(SVG)
    (book / "conf.py").write_text(textwrap.dedent(CONF))
    (book / "_toc.yml").write_text(textwrap.dedent(TOC))
    return book


def build(book: Path, out: Path, skeletons: bool):
    result = sphinx_build(book, out, "-D", f"bookkit_numbering_skeletons={int(skeletons)}")
    assert result.returncode == 0, result.stderr
    with open(out / "doctrees" / "environment.pickle", "rb") as f:
        env = pickle.load(f)
    # The fast build really kept skeletons (and so numbered from them).
    assert set(getattr(env, SKELETONS, {})) == (set(env.all_docs) if skeletons else set())
    return env.toc_fignumbers


def test_numbers_from_skeletons_equal_numbers_from_doctrees(tmp_path):
    book = make_book(tmp_path)
    fast = build(book, tmp_path / "fast", skeletons=True)
    full = build(book, tmp_path / "full", skeletons=False)
    assert fast == full
    # Numbered by chapter (numfig_secnum_depth 1): one/a's figure is chapter 1's second.
    assert fast["one/a"]["figure"]["fig-one-a-1"] == (1, 2), fast
    assert compare(tmp_path / "fast" / "html", tmp_path / "full" / "html").same

    # Edit: one/a gains a figure before its first; two loses its table.
    page = book / "one" / "a.md"
    page.write_text(page.read_text().replace(
        "# Page one/a\n", "# Page one/a\n\n```{figure} /dot.svg\n:name: fig-new\n\nA new first figure.\n```\n"))
    page = book / "two.md"
    page.write_text(page.read_text().replace(":::{table} A captioned table on two", ":::{table}")
                    .replace(" and {numref}`table-two`", ""))
    fast = build(book, tmp_path / "fast", skeletons=True)
    full = build(book, tmp_path / "full", skeletons=False)
    assert fast == full
    assert fast["one/a"]["figure"]["fig-new"] == (1, 2)
    assert fast["one/a"]["figure"]["fig-one-a-1"] == (1, 3)
    assert "table" not in fast.get("two", {})
    report = compare(tmp_path / "fast" / "html", tmp_path / "full" / "html")
    assert report.same, "\n".join(report.lines())
