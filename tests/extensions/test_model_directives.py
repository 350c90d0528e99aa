"""Fact boxes and generated tables are built as nodes from the data: every
data field shows as written (text, never markup), citations still link."""

from __future__ import annotations

import textwrap

import pytest

from bookpaths import copy_book, sphinx_build

# Characters the data schema allows but MyST would read as markup (emphasis,
# strong, maths): fact boxes and tables must show them as written.
MARKUP_NAME = "GPT-J *6B* _x_"
MARKUP_ORG = "Eleuther **AI** $y$ https://example.org"


def test_data_fields_are_text_never_markup(tmp_path):
    from bs4 import BeautifulSoup

    book = copy_book(tmp_path)
    models = book / "data" / "models.yaml"
    text = models.read_text(encoding="utf-8")
    text = text.replace("  name: GPT-J 6B\n", f"  name: '{MARKUP_NAME}'\n", 1)
    text = text.replace("  organisation: EleutherAI\n", f"  organisation: '{MARKUP_ORG}'\n", 1)
    models.write_text(text, encoding="utf-8")
    (book / "_toc.yml").write_text("format: jb-book\nroot: page\nchapters:\n  - file: models/retrieval\n")
    (book / "page.md").write_text(textwrap.dedent("""\
        # Page

        ```{model-facts} gpt-j-6b
        ```

        ```{model-table} all-models
        ```

        ```{model-table} retrieval-models
        ```

        ```{bibliography}
        ```
        """))
    result = sphinx_build(book, tmp_path / "out", "-D", "suppress_warnings=bibtex.bibliography_cited_entries")
    page = BeautifulSoup((tmp_path / "out" / "html" / "page.html").read_text(), "html.parser")
    box = page.select_one(".model-facts")
    assert box is not None, result.stderr[-3000:]
    assert box.select_one(".rubric").get_text() == f"{MARKUP_NAME} at a glance"
    cells = {tr.find_all("td")[0].get_text(strip=True): tr.find_all("td")[1] for tr in box.select("tr")}
    assert cells["Organisation"].get_text(strip=True) == MARKUP_ORG
    assert cells["Organisation"].find("a") is None and cells["Organisation"].find("strong") is None
    assert cells["Organisation"].find(class_="math") is None
    # Citations are still real links to the bibliography, and the licence links to its text.
    assert cells["Sources"].select("a[href^='#']"), cells["Sources"]
    assert cells["Licence"].find("a", href=True) is not None
    row = next(tr for tr in page.select("table.model-table tr")
               if tr.find("td") and tr.find("td").get_text(" ", strip=True).startswith("GPT-J"))
    first, second = row.find_all("td")[:2]
    assert first.get_text(" ", strip=True).startswith(MARKUP_NAME)
    assert first.find("em") is None and first.find("code") is None
    assert second.get_text(strip=True) == MARKUP_ORG
    # A linked table: each name links to its section (or page), then its sources; the caption links too.
    linked = page.select_one("table#table-retrieval-models")
    assert linked is not None and linked.select_one("caption a[href]") is not None
    first = linked.select("tbody tr")[0].find("td")
    hrefs = [a["href"] for a in first.find_all("a", href=True)]
    assert any(h.startswith("models/retrieval.html") for h in hrefs) and any(h.startswith("#") for h in hrefs), hrefs


@pytest.mark.build
def test_fact_boxes_mark_secondary_evidence_and_show_notes(html_dir):
    """A record resting on secondary sources says so in its fact box; a record's note is shown."""
    import re

    import yaml

    from bookpaths import BOOK

    records = {r["id"]: r for r in yaml.safe_load((BOOK / "data" / "models.yaml").read_text(encoding="utf-8"))}
    boxed = {}
    for page in BOOK.rglob("*.md"):
        for rid in re.findall(r"```\{model-facts\} (\S+)", page.read_text(encoding="utf-8")):
            boxed.setdefault(rid, page.relative_to(BOOK).with_suffix(".html"))
    secondary = [rid for rid in boxed if records[rid].get("evidence") == "secondary"]
    assert secondary, "no boxed record rests on secondary sources: nothing to check"
    for rid in secondary:
        html = (html_dir / boxed[rid]).read_text(encoding="utf-8")
        box = html[html.index(f"{records[rid]['name']} at a glance"):]
        box = box[:box.index("</table>")]
        assert "secondary sources only" in box, f"{boxed[rid]}: fact box of '{rid}' does not say its evidence is secondary"
        if records[rid].get("note"):
            assert "Note" in box, f"{boxed[rid]}: fact box of '{rid}' does not show the record's note"
