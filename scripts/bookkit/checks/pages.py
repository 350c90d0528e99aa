"""Source-level checks of the book's pages and figures (no build needed).

Rules, each reported as ``book/page.md:LINE: message``:

* chapters: every _toc.yml entry has a source file, a ``# Title`` and an
  intro paragraph right after the title;
* published pages: no TODO / TBD / WIP / FIXME, no empty sections;
* figures (``{figure}`` with backtick or colon fences): a caption, ``:alt:``
  text and a ``:name:`` label; the image is a local file that exists;
* images of any kind (figure, image, ``![]()``, ``<img>``): local ones exist
  and are at most 500 KB unless scripts/guards.yml ``large_images`` names them
  with a reason (remote images are urlcheck's business);
* no raw ``<script>`` and no inline event handlers (``onclick=`` ...) (a
  quick first look: the build applies the full HTML allow-list,
  bookkit.extensions.security);
* every directive or code fence that opens is closed (reported at its line);
* every page source in book/ is listed in _toc.yml (else it is silently not
  published).

Run alone: ``python -m bookkit.checks.pages`` (or ``book-check-pages``).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from bookkit.checks.source import (
    report,
    HEADING_RE, LABEL_RE, ROOT, Page, book_pages, load_allowlist, page_path,
    problem, rel, scan, strip_code_spans, toc_files,
)

MAX_IMAGE_BYTES = 500 * 1024
FIGURE_DIRECTIVES = {"figure"}
IMAGE_DIRECTIVES = {"figure", "image"}
WIP_RE = re.compile(r"\b(TODO|TBD|WIP|FIXME)\b", re.I)
URL_RE = re.compile(r"https?://\S+")
SCRIPT_RE = re.compile(r"<\s*script\b", re.I)
# An attribute like onclick= / onload= inside an HTML tag.
HANDLER_RE = re.compile(r"<[a-zA-Z][^>]*?\s(on[a-z]+)\s*=", re.I)
MD_IMAGE_RE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?")
HTML_IMG_RE = re.compile(r"<img\b[^>]*?\ssrc\s*=\s*[\"']([^\"']+)[\"']", re.I)
REMOTE = ("http://", "https://", "//", "data:")


def check_chapter(root: Path, page: Page) -> list[str]:
    """A ``# Title`` first, then an intro paragraph right after it."""
    name = page.path.relative_to(root / "book")
    body = [ln for ln in page.lines
            if ln.kind not in ("meta", "comment") and ln.text.strip()
            and not LABEL_RE.match(ln.text)]
    if not body or not (HEADING_RE.match(body[0].text) and body[0].text.startswith("# ")):
        line = body[0].no if body else 1
        return [problem(root, page.path, line,
                        f"chapter {name} must start with a `# Title` heading")]
    title = body[0]
    nxt = body[1] if len(body) > 1 else None
    intro_ok = (nxt is not None and nxt.kind == "text"
                and not re.match(r"^\s*(#|[-*+] |\d+[.)] |>|\||<|\$\$|!\[)", nxt.text))
    if not intro_ok:
        return [problem(root, page.path, title.no,
                        "chapter has no intro paragraph: write 2-4 sentences of plain "
                        "text right after the title, before any heading, list, table or directive")]
    return []


def check_wip_and_sections(root: Path, page: Page) -> list[str]:
    out = []
    for ln in page.lines:
        if ln.kind != "text":
            continue
        text = URL_RE.sub(" ", strip_code_spans(ln.text))
        m = WIP_RE.search(text)
        if m:
            out.append(problem(root, page.path, ln.no,
                               f"'{m[1]}' in a published page: finish the text or remove the note"))
    # Empty sections: a heading with no content before the next heading of the
    # same or a higher level (subsections count as content).
    heads = [(ln, len(HEADING_RE.match(ln.text)["hashes"])) for ln in page.lines
             if ln.kind == "text" and HEADING_RE.match(ln.text)]
    for idx, (ln, level) in enumerate(heads):
        nxt = heads[idx + 1] if idx + 1 < len(heads) else None
        if nxt and nxt[1] > level:
            continue  # it opens with a subsection: that is content
        end = nxt[0].no if nxt else len(page.lines) + 1
        content = [x for x in page.lines
                   if ln.no < x.no < end and x.text.strip()
                   and x.kind not in ("comment", "meta") and not LABEL_RE.match(x.text)]
        if not content:
            title = HEADING_RE.match(ln.text)["title"]
            out.append(problem(root, page.path, ln.no,
                               f"empty section '{title}': write its content or remove the heading"))
    return out


def image_refs(page: Page) -> list[tuple[str, int, str]]:
    """Every image a page shows: (target, line, how it is written)."""
    refs = []
    for d in page.directives:
        if d.name in IMAGE_DIRECTIVES and d.arg:
            refs.append((d.arg, d.line, f"{{{d.name}}}"))
    for ln in page.lines:
        if ln.kind not in ("text", "raw"):
            continue
        text = strip_code_spans(ln.text)
        refs += [(m[1], ln.no, "![]()") for m in MD_IMAGE_RE.finditer(text)]
        refs += [(m[1], ln.no, "<img>") for m in HTML_IMG_RE.finditer(text)]
    return refs


def check_figures(root: Path, page: Page, allowed_large: set[str]) -> list[str]:
    out = []
    for d in page.directives:
        if d.name not in FIGURE_DIRECTIVES:
            continue
        where = f"figure {d.arg or '(no image)'}"
        if not d.arg:
            out.append(problem(root, page.path, d.line, "figure without an image path"))
        name, _ = d.options.get("name", ("", 0))
        if not name:
            out.append(problem(root, page.path, d.line,
                               f"{where} has no label: add `:name: fig-<chapter>-<what>`"))
        alt, _ = d.options.get("alt", ("", 0))
        if not alt:
            out.append(problem(root, page.path, d.line,
                               f"{where} has no alt text: add `:alt: <one sentence saying what it shows>`"))
        if not any(ln.text.strip() for ln in d.body):
            out.append(problem(root, page.path, d.line,
                               f"{where} has no caption: write it as the directive's content"))
    for target, line, how in image_refs(page):
        if target.startswith(REMOTE):
            continue  # urlcheck reports remote images
        path = (page.path.parent / target.split("#")[0].split("?")[0])
        if target.startswith("/"):
            path = root / "book" / target.lstrip("/")
        if not path.is_file():
            out.append(problem(root, page.path, line,
                               f"image {target!r} ({how}) not found: expected {rel(root, path)}"))
            continue
        in_book = path.resolve().as_posix().removeprefix((root / "book").resolve().as_posix() + "/")
        size = path.stat().st_size
        if size > MAX_IMAGE_BYTES and in_book not in allowed_large:
            out.append(problem(root, page.path, line,
                               f"image {target!r} is {size // 1024} KB (limit 500 KB): make it "
                               "smaller (SVG, or compress it), or list it under large_images in "
                               "scripts/guards.yml with a reason"))
    return out


def check_html(root: Path, page: Page) -> list[str]:
    out = []
    for ln in page.lines:
        if ln.kind not in ("text", "raw"):
            continue
        text = strip_code_spans(ln.text) if ln.kind == "text" else ln.text
        if SCRIPT_RE.search(text):
            out.append(problem(root, page.path, ln.no,
                               "raw <script> in a chapter: scripts belong in a Sphinx extension, not in pages"))
        m = HANDLER_RE.search(text)
        if m:
            out.append(problem(root, page.path, ln.no,
                               f"inline event handler '{m[1]}=' in a chapter: remove it (no scripts in pages)"))
    return out


def check_unclosed(root: Path, page: Page) -> list[str]:
    out = []
    for fence, line in page.unclosed:
        closing = re.match(r"^[`~:]+", fence)
        out.append(problem(root, page.path, line,
                           f"'{fence}' is opened here and never closed: add a line '{closing[0] if closing else '```'}' "
                           "where it ends (until then, the rest of the page is inside it)"))
    return out


def check_unlisted(root: Path) -> list[str]:
    """Every page source in book/ is in _toc.yml (otherwise it is silently not published)."""
    import fnmatch

    from bookkit.data import safeyaml

    book = root / "book"
    config = book / "_config.yml"
    try:
        excludes = (safeyaml.load_file(config) or {}).get("exclude_patterns") or [] if config.is_file() else []
    except (safeyaml.YamlError, AttributeError):
        excludes = []  # the settings check reports it
    listed = {page_path(root, name).resolve() for name, _ in toc_files(root)}
    out = []
    for path in sorted(book.rglob("*.md")):
        name = path.relative_to(book).as_posix()
        if name.split("/")[0] in ("_build", "data") or any(fnmatch.fnmatch(name, p) for p in excludes):
            continue
        if path.resolve() not in listed:
            if "% Generated from book/data/models.yaml" in path.read_text(encoding="utf-8")[:2000]:
                continue  # a model page written by the build (bookkit.extensions.model_pages)
            entry = name[:-3]
            out.append(problem(root, path, None,
                               f"this page is not in book/_toc.yml, so it is not published: add "
                               f"'- file: {entry}' to book/_toc.yml where it belongs, or delete the file"))
    return out


def check(root: Path = ROOT) -> list[str]:
    """All page and figure rules; returns the problems (empty = all good)."""
    out: list[str] = []
    toc = root / "book" / "_toc.yml"
    large, out_allow = load_allowlist(root, "large_images")
    out += out_allow
    allowed_large = {str(e.get("path", "")).lstrip("/") for e in large}
    for name, line in toc_files(root):
        path = page_path(root, name)
        if not path.exists():
            out.append(problem(root, toc, line,
                               f"chapter '{name}' has no source file: create {rel(root, path)} "
                               "or remove it from _toc.yml"))
    out += check_unlisted(root)
    for path in book_pages(root):
        page = scan(path)
        out += check_chapter(root, page)
        out += check_wip_and_sections(root, page)
        out += check_figures(root, page, allowed_large)
        out += check_html(root, page)
        out += check_unclosed(root, page)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root")
    args = parser.parse_args(argv)
    problems = check(args.root)
    return report("pagecheck", problems)


if __name__ == "__main__":
    sys.exit(main())
