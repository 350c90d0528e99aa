"""What HTML the book's pages may contain: an allow-list, applied with a real parser.

Pages accept raw HTML, and the site runs on readers' machines, so anything
that could run script, load from elsewhere, post a form, frame another page
or hide text is refused. The HTML is parsed with html5lib, the parser that
follows the HTML standard as browsers do, so a tag split over lines, an
attribute without quotes or a ``<img/src=x/onerror=...>`` is seen exactly as
a browser would see it.

Two places apply the same rules:

* **in the build** (bookkit.extensions.security): every raw HTML fragment of
  a page (MyST HTML blocks and inline HTML, ``{raw} html``, ``.. raw:: html``
  inside ``{eval-rst}``) is checked; a refused fragment is a build error at
  the page's file and line and is not published;
* **on the built site** (this module's ``check``, run by ``make test``): the
  content area of every page (``<article>``) is parsed again, so whatever
  reached the pages by another road (generated text, a theme template, an
  extension) is held to the same allow-list. A finding names the page's
  source file and the line where the offending text is written (or the data
  file, for generated content).

The allow-list, for content:

* elements: text structure (p, lists, tables, headings, emphasis, code,
  figures, details...), links and images; never script, style, iframe,
  frame, object, embed, form, input, button, svg, math, meta, link, base;
* attributes: ELEMENT_ATTRS below plus aria-*; never an event handler
  (``on*``), ``style`` (it can hide text), ``srcdoc``, ``formaction``;
* URLs (href, src, cite): relative, ``#anchor``, https, http and mailto only
  (``javascript:``, ``data:``, ``vbscript:`` ... are refused).

Run: ``python -m bookkit.checks.htmlsafety [_build/html]``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from xml.etree import ElementTree

import html5lib

from bookkit.checks.source import ROOT, problem, site_check_main
from bookkit.extensions import catalogue  # its generated table's data-* attributes

# Elements a page may write as raw HTML.
RAW_ELEMENTS = {
    "a", "abbr", "b", "bdi", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd",
    "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "rp", "rt",
    "ruby", "s", "samp", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "time", "tr", "u", "ul", "var", "wbr",
}
# What Sphinx, the theme and the book's extensions add to the content area.
BUILT_ELEMENTS = RAW_ELEMENTS | {"section", "article", "aside", "nav", "button", "label"}
GLOBAL_ATTRS = {"class", "id", "title", "lang", "role", "translate"}
ELEMENT_ATTRS = {
    "a": {"href", "rel", "hreflang", "download", "target"},
    "img": {"src", "alt", "width", "height", "loading", "decoding"},
    "td": {"colspan", "rowspan", "headers"}, "th": {"colspan", "rowspan", "headers", "scope", "abbr"},
    "col": {"span"}, "colgroup": {"span"}, "ol": {"start", "reversed", "type"},
    "li": {"value"}, "time": {"datetime"}, "details": {"open"}, "abbr": set(),
    "blockquote": {"cite"}, "q": {"cite"}, "del": {"cite", "datetime"}, "ins": {"cite", "datetime"},
    "button": {"type"}, "label": {"for"},
}
# Built pages only: Sphinx writes table/figure widths as style, the comments
# block carries its settings as data-* attributes, the catalogue's rows their
# filter values.
BUILT_STYLE_RE = re.compile(r"^\s*((width|height|vertical-align)\s*:\s*[\w.%-]+\s*;?\s*)+$")
BUILT_DATA_ATTRS = {"data-repo", "data-issue-term", "data-label", "data-theme", "data-theme-light",
                    "data-theme-dark", "data-crossorigin", "data-bookkit-action"} | catalogue.DATA_ATTRIBUTES
URL_ATTRS = {"href", "src", "cite"}
# Theme classes that hide what they are put on (raw HTML only).
HIDING_CLASSES = {"d-none", "hidden", "invisible", "visually-hidden", "sr-only", "collapse",
                  "pst-js-only", "d-print-block", "d-print-inline", "toggle-hidden", "hide"}
SAFE_SCHEMES = {"http", "https", "mailto"}
SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
# Parse errors that mean a fragment ends inside a tag: what follows it in the
# page (other HTML) would become part of that tag.
OPEN_TAG_ERRORS = {"eof-in-tag-name", "eof-in-attribute-name", "eof-after-attribute-name",
                   "expected-end-of-tag-but-got-eof", "eof-in-attribute-value-double-quote",
                   "eof-in-attribute-value-single-quote", "eof-in-attribute-value-no-quotes",
                   "eof-after-attribute-value", "expected-attribute-value-but-got-eof",
                   "eof-in-comment", "eof-in-comment-double-dash", "eof-in-comment-end-dash",
                   "eof-in-bogus-comment"}

WHAT_TO_DO = ("use Markdown or a directive instead (raw HTML may only use text elements, links "
              "and images; see CONTRIBUTING.md, 'Checks')")


def url_scheme(value: str) -> str:
    """The scheme a browser would see ('' for relative URLs): it ignores
    whitespace and control characters inside and around the scheme."""
    cleaned = re.sub(r"[\x00-\x20\x7f]", "", value)
    m = SCHEME_RE.match(cleaned)
    return m[1].lower() if m else ""


def _parse(text: str) -> tuple[ElementTree.Element, list[str]]:
    parser = html5lib.HTMLParser(tree=html5lib.getTreeBuilder("etree"), namespaceHTMLElements=False)
    fragment = parser.parseFragment(text)
    return fragment, [err[1] for err in parser.errors]


def element_problems(el: ElementTree.Element, built: bool = False) -> list[tuple[str, str]]:
    """(message, snippet to find in the source) for one element."""
    tag = el.tag if isinstance(el.tag, str) else ""
    out = []
    allowed = BUILT_ELEMENTS if built else RAW_ELEMENTS
    if tag and tag not in allowed:
        out.append((f"<{tag}> is not allowed in a page", f"<{tag}"))
        return out  # its attributes do not matter
    for name, value in el.attrib.items():
        name_l = name.lower()
        if name_l.startswith("on"):
            out.append((f"event handler {name_l}= on <{tag}> runs script", name))
        elif name_l in URL_ATTRS:
            scheme = url_scheme(value)
            if scheme and scheme not in SAFE_SCHEMES:
                out.append((f"{name_l}=\"{scheme}:...\" on <{tag}>: only https, http, mailto "
                            "and relative links are allowed", value[:40] or name))
        elif name_l == "class" and not built and HIDING_CLASSES & set(value.split()):
            out.append((f"class '{sorted(HIDING_CLASSES & set(value.split()))[0]}' on <{tag}> hides text", value))
        elif name_l == "style" and built and BUILT_STYLE_RE.match(value):
            continue
        elif built and name_l in BUILT_DATA_ATTRS:
            continue
        elif built and name_l == "tabindex" and value.strip() == "0":
            continue  # a scrollable table region reachable by keyboard
        elif name_l.startswith("aria-") or name_l in GLOBAL_ATTRS or name_l in ELEMENT_ATTRS.get(tag, ()):
            continue
        else:
            why = " (it can hide or restyle text)" if name_l == "style" else ""
            out.append((f"attribute {name_l}= on <{tag}> is not allowed{why}", name))
    return out


def fragment_problems(text: str) -> list[tuple[str, str]]:
    """(message, snippet) for each refused thing in a raw HTML fragment."""
    fragment, errors = _parse(text)
    out = []
    if OPEN_TAG_ERRORS & set(errors):
        out.append(("raw HTML ends inside an unfinished tag or comment: close it in the same block "
                     "(what follows would become part of it)", text.strip()[:40]))
    for el in fragment.iter():
        if el is fragment:
            continue
        out += element_problems(el)
    return out


# --- the built site -----------------------------------------------------------------


def source_of(root: Path, html_dir: Path, page: Path) -> Path:
    """The source file a built page came from (book/<name>.md), if it exists."""
    name = page.relative_to(html_dir).with_suffix("")
    for suffix in (".md", ".ipynb", ".rst"):
        candidate = root / "book" / name.with_suffix(suffix)
        if candidate.is_file():
            return candidate
    return page


def locate(root: Path, source: Path, snippet: str) -> tuple[Path, int | None]:
    """Where ``snippet`` is written: the page source, else a data file."""
    snippet = (snippet.strip().splitlines() or [""])[0]
    candidates = [source] + sorted((root / "book" / "data").glob("*.yaml"))
    for path in candidates:
        if not path.is_file() or path.suffix not in (".md", ".yaml", ".rst", ".yml"):
            continue
        for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if snippet and snippet in line:
                return path, no
    return source, None


def content_area(doc: ElementTree.Element) -> ElementTree.Element | None:
    for el in doc.iter("article"):
        if "bd-article" in el.get("class", "").split():
            return el
    return None


def check_page(root: Path, html_dir: Path, page: Path) -> list[str]:
    doc = html5lib.parse(page.read_text(encoding="utf-8"), treebuilder="etree",
                         namespaceHTMLElements=False)
    article = content_area(doc)
    if article is None:
        return []
    source = source_of(root, html_dir, page)
    out = []
    for el in article.iter():
        if not isinstance(el.tag, str):
            continue
        for message, snippet in element_problems(el, built=True):
            path, line = locate(root, source, snippet)
            out.append(problem(root, path, line, f"{message} (in the built {page.relative_to(html_dir)}): "
                                                 f"{WHAT_TO_DO}"))
    return out


def check(html_dir: Path, root: Path = ROOT) -> list[str]:
    out: list[str] = []
    for page in sorted(html_dir.rglob("*.html")):
        if "_static" in page.relative_to(html_dir).parts:
            continue
        out += check_page(root, html_dir, page)
    return out


def main(argv: list[str] | None = None) -> int:
    return site_check_main("htmlsafety", __doc__, check, argv)


if __name__ == "__main__":
    sys.exit(main())
