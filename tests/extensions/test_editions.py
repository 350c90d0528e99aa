"""The offline editions (`make pdf`, `make epub`, built by `make test` before
pytest) and the edition: each file opens, has the book's chapters, every
figure, a fact from the data, the edition and the title, and nothing of the
website (comments, buttons, scripts) or of unexpanded MyST."""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from bookpaths import BOOK, ROOT

BUILD = ROOT / "_build"
CONFIG = yaml.safe_load((BOOK / "_config.yml").read_text(encoding="utf-8"))
EDITION = CONFIG["sphinx"]["config"]["book_edition"]
STEM = CONFIG["repository"]["url"].rstrip("/").split("/")[-1]
TITLE = CONFIG["title"]
# Things that must never reach a reader of the offline files.
LEAKS = ["Project name not set", "{fact}", "{cite", "{model-", "{doc}", "{ref}", "{numref}",
         "Show comments", "utterances", "edit this page", "Edit this page"]


def chapters() -> list[str]:
    """Every page of _toc.yml but the front page and the website-only ones, in order."""
    toc = yaml.safe_load((BOOK / "_toc.yml").read_text(encoding="utf-8"))
    web_only = {"catalogue", "whats-new"}
    found = []

    def walk(entries):
        for entry in entries or []:
            if "file" in entry and entry["file"] not in web_only:
                found.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc["parts"]:
        walk(part["chapters"])
    return found


def html_figures() -> list[tuple[str, str]]:
    """(caption, image file name) of the website chapters' figures, in book order."""
    found = []
    for name in ["index", *chapters()]:
        soup = BeautifulSoup((BUILD / "html" / f"{name}.html").read_text(encoding="utf-8"), "html.parser")
        found += [(f.select_one("figcaption").get_text(" ", strip=True), Path(f.select_one("img")["src"]).name)
                  for f in soup.select("article figure") if f.select_one("figcaption") and f.select_one("img")]
    return found


def a_fact() -> tuple[str, str]:
    """A known fact from the data: a model's organisation, as the fact box shows it."""
    records = yaml.safe_load((BOOK / "data" / "models.yaml").read_text(encoding="utf-8"))
    rec = next(r for r in records if r["id"] == "mistral-7b")
    return rec["name"], rec["organisation"]


# --- PDF ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pdf():
    path = BUILD / "pdf" / f"{STEM}.pdf"
    if not path.is_file():
        pytest.fail(f"{path} is missing: run `make pdf` (make test builds it)")
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    pages = [re.sub(r"\s+", " ", page.extract_text() or "") for page in reader.pages]
    reader.page_texts = pages  # extracted once for every test of this module
    return path, reader, " ".join(pages)


@pytest.mark.build
def test_pdf_opens_with_cover_contents_and_every_chapter(pdf):
    path, reader, text = pdf
    assert 100 <= len(reader.pages) <= 3000, f"{path}: {len(reader.pages)} pages"
    cover = reader.page_texts[0]
    from bookkit.extensions.editions import edition_month

    assert "Open Models" in cover and f"Version {EDITION}" in cover, "the cover shows the title and edition"
    assert f"The {edition_month(EDITION)} edition" in cover, "and the edition's month"
    assert reader.metadata.title == TITLE
    def titles(items):
        for item in items:
            yield from (titles(item) if isinstance(item, list) else [item["/Title"]])

    outline = list(titles(reader.outline))
    assert "Table of Contents" in outline
    for name in chapters():
        title = BeautifulSoup((BUILD / "html" / f"{name}.html").read_text(encoding="utf-8"),
                              "html.parser").select_one("article h1").get_text(strip=True).rstrip("#")
        assert title in text, f"chapter '{title}' is not in the PDF"
    assert "Catalogue" not in outline, "website-only pages stay out of the PDF"


@pytest.mark.build
def test_pdf_has_every_figure_numbered_and_drawn(pdf):
    path, reader, text = pdf
    figures = html_figures()
    assert figures, "the chapters have figures"
    pages = reader.page_texts
    for number, (caption, _image) in enumerate(figures, start=1):
        where = [i for i, t in enumerate(pages) if re.search(rf"Fig\. ?{number}\b", t)]
        assert where, f"figure {number} ({caption[:60]}...) is not in the PDF"
        # WeasyPrint paints an SVG as a form XObject, a raster as an image
        # XObject: the caption's page (or the one before, when the caption
        # flowed over) paints at least one.
        # (The text may also mention "Fig. N" elsewhere: any such page will do.)
        painted = [i for i in sorted({j for w in where for j in (w, w - 1)})
                   if re.search(rb"/[\w.]+ Do\b", reader.pages[i].get_contents().get_data())]
        assert painted, f"figure {number} ({caption[:60]}...) has no drawing on its page"


@pytest.mark.build
def test_pdf_facts_bibliography_links_and_no_leaks(pdf):
    path, reader, text = pdf
    name, organisation = a_fact()
    assert f"{name} at a glance" in text and organisation in text
    assert "References" in text and "Touvron" in text, "the bibliography is in the PDF"
    internal = 0
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            action = annot.get("/A")
            if annot.get("/Dest") is not None or (action is not None and action.get("/S") == "/GoTo"):
                internal += 1
    assert internal > 500, f"internal links work as links ({internal} found)"
    leaks = [leak for leak in LEAKS if leak in text]
    assert leaks == [], f"{path} shows {leaks}"
    assert b"/JavaScript" not in path.read_bytes(), "no script in the PDF"


# --- EPUB ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def epub():
    path = BUILD / "epub" / f"{STEM}.epub"
    if not path.is_file():
        pytest.fail(f"{path} is missing: run `make epub` (make test builds it)")
    return path, zipfile.ZipFile(path)


@pytest.mark.build
def test_epub_is_a_valid_container(epub):
    """The checks of EPUBCheck's container rules that matter to readers."""
    path, z = epub
    assert z.testzip() is None, "every member's CRC is right"
    first = z.infolist()[0]
    assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
    assert z.read("mimetype") == b"application/epub+zip"
    container = z.read("META-INF/container.xml").decode()
    opf_path = re.search(r'full-path="([^"]+)"', container).group(1)
    opf = z.read(opf_path).decode()
    assert f"<dc:title>{TITLE}</dc:title>" in opf
    assert EDITION in opf, "the edition is in the package metadata"
    names = set(z.namelist())
    base = str(Path(opf_path).parent)
    for href in re.findall(r'<item [^>]*href="([^"]+)"', opf):
        member = href if base == "." else f"{base}/{href}"
        assert member in names, f"the manifest names {href}, which is not in the file"
    identifier = re.search(r"<dc:identifier[^>]*>([^<]+)<", opf).group(1)
    ncx = next(z.read(n).decode() for n in names if n.endswith(".ncx"))
    assert f'name="dtb:uid" content="{identifier}"' in ncx, "the NCX names the book as the OPF does"
    for member in names:
        if member.endswith(".svg"):
            assert b"<!DOCTYPE" not in z.read(member)[:500], f"{member}: EPUB 3 forbids external DTDs"
        if member.endswith((".xhtml", ".opf", ".ncx")):
            from xml.etree import ElementTree as ET

            ET.fromstring(z.read(member))  # well-formed XML, or this raises


@pytest.mark.build
def test_epub_has_every_chapter_figure_and_fact_and_no_leaks(epub):
    path, z = epub
    pages = {n: z.read(n).decode() for n in z.namelist() if n.endswith(".xhtml") and n != "nav.xhtml"}
    for name in chapters():
        assert f"{name}.xhtml" in pages, f"chapter {name} is not in the EPUB"
    assert "catalogue.xhtml" not in pages and not any(n.startswith("model/") for n in pages)
    images = {Path(n).name for n in z.namelist() if n.startswith("_images/")}
    for page, html in pages.items():
        for src in re.findall(r'<img [^>]*src="([^"]+)"', html):
            assert src in z.namelist(), f"{page}: figure {src} is missing from the EPUB"
    missing = [(caption[:50], image) for caption, image in html_figures() if image not in images]
    assert missing == [], f"figures of the website missing from the EPUB: {missing}"
    text = re.sub(r"<[^>]+>", " ", "\n".join(pages.values()))
    name, organisation = a_fact()
    assert f"{name} at a glance" in text and organisation in text
    assert f"Edition {EDITION}" in pages["index.xhtml"]
    leaks = [leak for leak in LEAKS if leak in text]
    assert leaks == [], f"{path} shows {leaks}"
    dangling = [(p, h) for p, html in pages.items() for h in re.findall(r'href="([^"#]+)', html)
                if not h.startswith(("http:", "https:", "mailto:")) and h.split("/")[-1].split(".")[0] in
                ("catalogue", "whats-new") or "model/" in h and not h.startswith("http")]
    assert dangling == [], f"links to website-only pages: {dangling[:5]}"
    assert "Its own page" not in text, "fact boxes link model pages on the website only"
    scripts = [p for p, html in pages.items() if "<script" in html]
    assert scripts == [], f"pages with scripts: {scripts}"
    assert not any(n.endswith(".js") for n in z.namelist())


# --- the edition ----------------------------------------------------------------------


def test_edition_is_set_once_as_year_month():
    assert re.fullmatch(r"20\d\d\.(0[1-9]|1[0-2])", EDITION)
    text = (BOOK / "_config.yml").read_text(encoding="utf-8")
    assert text.count(EDITION) == 1, "the edition is typed once, in book/_config.yml"
    for page in BOOK.glob("*.md"):
        assert EDITION not in page.read_text(encoding="utf-8"), f"{page.name} types the edition"


@pytest.mark.build
def test_front_page_shows_edition_and_latest_downloads(html_dir):
    soup = BeautifulSoup((html_dir / "index.html").read_text(encoding="utf-8"), "html.parser")
    line = soup.select_one("p.book-edition")
    assert line is not None and f"Edition {EDITION}" in line.get_text()
    hrefs = [a["href"] for a in line.select("a")]
    repo = CONFIG["repository"]["url"].rstrip("/")
    assert hrefs == [f"{repo}/releases/latest/download/{STEM}.pdf",
                     f"{repo}/releases/latest/download/{STEM}.epub", "catalogue.html", "whats-new.html"]


def tag_check_script() -> str:
    wf = yaml.safe_load((ROOT / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8"))
    steps = wf["jobs"]["release"]["steps"]
    return next(s["run"] for s in steps if "tag names the edition" in s.get("name", ""))


@pytest.mark.parametrize("tag, ok", [(f"edition-{EDITION}", True), ("edition-1999.01", False),
                                     (f"v{EDITION}", False)])
def test_release_workflow_only_publishes_the_configured_edition(tag, ok):
    done = subprocess.run(["bash", "-e", "-c", tag_check_script()], cwd=ROOT, env={"TAG": tag, "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True)
    assert (done.returncode == 0) == ok, done.stdout + done.stderr
    if not ok:
        assert "book_edition" in done.stdout and "book/_config.yml" in done.stdout


def test_release_workflow_builds_and_attaches_both_files():
    wf = yaml.safe_load((ROOT / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8"))
    triggers = wf[True] if True in wf else wf["on"]
    assert triggers["push"]["tags"] == ["edition-*"]
    runs = "\n".join(s.get("run", "") for s in wf["jobs"]["release"]["steps"])
    assert "make pdf epub" in runs
    assert "gh release create" in runs and "_build/pdf/*.pdf" in runs and "_build/epub/*.epub" in runs
