"""The page per model, the catalogue and what's new, as built by `make test`,
plus the incremental rebuild after a one-record edit (on a copy of the book)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date

import pytest
import yaml
from bs4 import BeautifulSoup

from bookkit.data.models import Licence, ModelData, ModelRecord
from bookkit.extensions import catalogue as cat
from bookkit.extensions import model_pages
from bookpaths import BOOK, copy_book

RECORDS = yaml.safe_load((BOOK / "data" / "models.yaml").read_text(encoding="utf-8"))


def soup(path):
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


# --- model pages --------------------------------------------------------------------


@pytest.mark.build
def test_every_record_has_a_page_at_a_stable_url(html_dir):
    for rec in RECORDS:
        page = html_dir / "model" / f"{rec['id']}.html"
        assert page.is_file(), f"no page for record '{rec['id']}'"
    names = {soup(html_dir / "model" / f"{r['id']}.html").select_one("article h1").get_text(strip=True)
             .rstrip("#") for r in RECORDS[:5]}
    assert names == {r["name"] for r in RECORDS[:5]}


@pytest.mark.build
def test_model_page_has_every_part(html_dir):
    page = soup(html_dir / "model" / "mistral-7b.html")
    article = page.select_one("article")
    text = article.get_text(" ", strip=True)
    assert article.select_one(".model-facts"), "the fact box"
    assert "Mistral 7B at a glance" in text and "Mistral AI" in text
    heads = [h.get_text(strip=True).rstrip("#") for h in article.select("section h2")]
    assert heads == ["Licence", "Where the book discusses it", "Related models", "Sources", "Last checked",
                     "Cite this record"]
    hrefs = [a["href"] for a in article.select("a[href]")]
    assert any(h.startswith("../licences.html") for h in hrefs), "licence summary links the licences chapter"
    assert any(re.fullmatch(r"\.\./models(/[\w-]+)?\.html#mistral-7b", h) for h in hrefs), \
        "links to the section that discusses the model"
    assert any(h.startswith("../timeline.html#") for h in hrefs), "and to the timeline's section"
    assert any(h.startswith("../references.html#") for h in hrefs), "sources link the bibliography"
    assert "last checked against its sources on 23 November 2026" in text
    bib = article.select_one("div.highlight-bibtex pre, pre")
    assert "@misc{openmodels-mistral-7b" in bib.get_text() and "model/mistral-7b.html" in bib.get_text()
    assert page.select_one('meta[name="description"]')["content"].startswith("Mistral 7B (Mistral AI, 2023)")


@pytest.mark.build
def test_search_finds_model_pages_by_name(html_dir):
    index = (html_dir / "searchindex.js").read_text(encoding="utf-8")
    data = json.loads(index[index.index("(") + 1: index.rindex(")")])
    titles = dict(zip(data["docnames"], data["titles"]))
    assert titles["model/mistral-7b"] == "Mistral 7B"
    assert all(f"model/{r['id']}" in titles for r in RECORDS)


def test_mentions_are_found_in_the_sources_with_their_heading(tmp_path):
    (tmp_path / "a.md").write_text(
        "# A\n\n## First\n\nSee {fact}`m1:name` here.\n\n```text\n{fact}`m9:name` in code\n```\n\n"
        "### Second\n\n```{model-facts} m2\n```\n\nAfter the box, {fact}`m4:name`.\n\n"
        "````{note}\nIn a note {fact}`m5:name`.\n```python\n{fact}`m8:name`\n```\n````\n", encoding="utf-8")
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "m1.md").write_text("{fact}`m3:name`", encoding="utf-8")
    from sphinx.util.matching import Matcher

    found = model_pages.scan_mentions(tmp_path, Matcher([]))
    assert found == {"a": {"m1": [(5, "First")], "m2": [(13, "Second")], "m4": [(16, "Second")],
                           "m5": [(19, "Second")]}}


def record(ident, **over) -> ModelRecord:
    base = dict(id=ident, name=ident.upper(), organisation="Org", released=date(2024, 1, 1), modality="text",
                parameters_b=7.0, training_tokens_t=1.0, context_length=4096, architecture="x", licence="MIT",
                commercial_use="yes", open_weights=True, open_training_code=False, open_training_data=False,
                citations=["k"], checked=date(2026, 1, 1))
    return ModelRecord.model_validate({**base, **over})


def test_related_models_by_family_and_base_model():
    data = ModelData([record("a", family="F"), record("b", family="F"), record("c", base_model="a"),
                      record("d", base_model="a"), record("e")],
                     {"MIT": Licence(id="MIT", name="MIT", spdx=True, url=None, commercial="yes", osi_approved=True)})
    by = data.by_id()
    rel = {m.id: why for m, why in model_pages.related(data, by["a"])}
    assert rel == {"b": "same family (F)", "c": "derived from it", "d": "derived from it"}
    assert {m.id: why for m, why in model_pages.related(data, by["c"])} == {"a": "its base model",
                                                                             "d": "same base model"}
    assert model_pages.related(data, by["e"]) == []


def test_names_are_text_in_generated_sources():
    assert model_pages.md_text("A *b* `c` {fact}`x` [l](u) <i>") == \
        r"A \*b\* \`c\` \{fact\}\`x\` \[l\]\(u\) \<i\>"


@pytest.mark.build
def test_every_fact_box_in_a_chapter_links_its_model_page(html_dir):
    page = soup(html_dir / "models" / "2026.html")
    boxes = page.select(".model-facts")
    assert boxes, "the 2026 page has fact boxes"
    for box in boxes:
        title = box.select_one(".rubric").get_text(strip=True).removesuffix(" at a glance")
        links = [a["href"] for a in box.select("p.model-facts-page a")]
        assert len(links) == 1 and links[0].startswith("../model/"), f"{title}: {links}"
        assert (html_dir / "models" / links[0]).resolve().is_file(), links[0]
    own = soup(html_dir / "model" / "mistral-7b.html")
    assert not own.select("p.model-facts-page"), "a model's own page does not link to itself"


# --- catalogue ----------------------------------------------------------------------


@pytest.mark.build
def test_catalogue_lists_every_model_without_javascript(html_dir):
    page = soup(html_dir / "catalogue.html")
    table = page.select_one("table.catalogue-table")
    rows = table.select("tbody tr")
    assert len(rows) == len(RECORDS)
    links = {a["href"] for a in table.select("tbody th a")}
    assert links == {f"model/{r['id']}.html" for r in RECORDS}
    for key, _, _ in cat.filters(None):
        assert all(row.has_attr(f"data-{key}") for row in rows), key
        assert f"data-{key}" in cat.DATA_ATTRIBUTES, f"the built-site HTML check must accept data-{key}"
    assert not page.select("article form, article select, article input"), "no dead controls without JS"
    assert table.select_one("caption") is not None and table.select("thead th[scope=col]")
    scripts = [s["src"].split("?")[0] for s in page.select("script[src]") if "catalogue" in s["src"]]
    assert scripts == ["_static/bookkit/catalogue.js"]
    size = (html_dir / "_static" / "bookkit" / "catalogue.js").stat().st_size
    assert size < 8 * 1024, f"the catalogue script is small ({size} bytes)"
    other = soup(html_dir / "models.html")
    assert not [s for s in other.select("script[src]") if "catalogue" in s["src"]], "loaded only where used"


def test_catalogue_buckets_and_licence_classes():
    assert cat.size_bucket(None) == "not known" and cat.size_bucket(2.9) == "under 3B"
    assert cat.size_bucket(3) == "3B to 15B" and cat.size_bucket(405) == "100B and more"
    assert cat.context_bucket(8192) == "up to 8K" and cat.context_bucket(131072) == "32K to 128K"
    assert cat.context_bucket(1_000_000) == "over 128K"
    data = ModelData([record("a"), record("b", open_weights=False)],
                     {"MIT": Licence(id="MIT", name="MIT", spdx=True, url=None, commercial="yes", osi_approved=True)})
    assert cat.licence_class(data, data.models[0]) == "open source (OSI-approved)"
    assert cat.licence_class(data, data.models[1]) == "weights not released"
    # The schema refuses markup in a name; the page escapes anyway (model_copy skips validation).
    hostile = record("x").model_copy(update={"name": "<b>X & Y</b>"})
    html = cat.catalogue_html(ModelData([hostile], data.licences), lambda i: f"m/{i}")
    assert "&lt;b&gt;X &amp; Y&lt;/b&gt;" in html and "<b>X" not in html, "data is text, never markup"


# --- incremental rebuild ------------------------------------------------------------------


def build(src, out):
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-n",
           "-d", str(out / "doctrees"), str(src), str(out / "html")]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=src, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return re.findall(r"reading sources\.\.\. \[\s*\d+%\] (\S+)", done.stdout)


@pytest.mark.build
def test_one_record_edit_rereads_only_its_page_and_the_pages_using_the_data(tmp_path):
    src = copy_book(tmp_path)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-C", str(src)]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "book"]):
        subprocess.run([*git, *args], check=True, capture_output=True)  # pages show git dates
    out = tmp_path / "out"
    first = build(src, out)
    assert "model/gpt-j-6b" in first
    data_file = src / "data" / "models.yaml"
    text = data_file.read_text(encoding="utf-8")
    start = text.index("- id: mistral-7b\n")
    end = text.index("\n- id:", start + 1)
    block = text[start:end].replace("name: Mistral 7B\n", "name: Mistral *7B* & co\n", 1)
    block = re.sub(r"context_length: \d+", "context_length: 16384", block, count=1)
    data_file.write_text(text[:start] + block + text[end:], encoding="utf-8")
    again = build(src, out)
    pages = [d for d in again if d.startswith("model/")]
    assert pages == ["model/mistral-7b"], f"re-read model pages: {pages}"
    assert "catalogue" in again and "data" in again, "pages that use the data are re-read"
    page = soup(out / "html" / "model" / "mistral-7b.html")
    assert page.select_one("article h1").get_text(strip=True).rstrip("#") == "Mistral *7B* & co", "the name is text, not Markdown"
    assert "16K tokens" in page.select_one(".model-facts").get_text()
    third = build(src, out)
    assert third == [], f"a build with nothing changed re-reads {third}"
