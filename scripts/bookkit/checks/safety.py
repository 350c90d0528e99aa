"""Source-level safety checks: what a pull request could slip into book/.

Reported as ``path:line: message``, before any build:

* **symlinks**: a link in book/ whose target is outside book/ would publish
  that file (the build refuses it too; here it is named at once);
* **SVG figures** are code: no ``<script>``, no event handlers (``on*=``), no
  ``<foreignObject>``, no reference to anything outside the file (``href``
  other than ``#id``, ``url(...)`` or ``@import`` of another address), no
  DOCTYPE declarations or entities;
* **{eval-rst}** blocks may not hold ``raw`` or ``include`` directives (the
  page readers would see them as code; the build would run them);
* **invisible and direction-changing characters** (bidi controls such as
  U+202E, zero-width characters, the BOM inside text) in pages, data and
  the bibliography: they make text and URLs read differently from what they
  are ("Trojan source").

Run alone: ``python -m bookkit.checks.safety``.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import xml.parsers.expat
from pathlib import Path

from bookkit.checks.source import ROOT, book_pages, problem, report, scan

INVISIBLE_RE = re.compile(r"[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
NAMES = {
    "\u202e": "RIGHT-TO-LEFT OVERRIDE", "\u202d": "LEFT-TO-RIGHT OVERRIDE", "\u200b": "ZERO WIDTH SPACE",
    "\u200c": "ZERO WIDTH NON-JOINER", "\u200d": "ZERO WIDTH JOINER", "\u2066": "LEFT-TO-RIGHT ISOLATE",
    "\u2067": "RIGHT-TO-LEFT ISOLATE", "\u2068": "FIRST STRONG ISOLATE", "\u2069": "POP DIRECTIONAL ISOLATE",
    "\u202a": "LEFT-TO-RIGHT EMBEDDING", "\u202b": "RIGHT-TO-LEFT EMBEDDING", "\u202c": "POP DIRECTIONAL FORMATTING",
    "\u200e": "LEFT-TO-RIGHT MARK", "\u200f": "RIGHT-TO-LEFT MARK", "\ufeff": "BYTE ORDER MARK",
    "\u2060": "WORD JOINER", "\u00ad": "SOFT HYPHEN",
}
EVAL_RST_REFUSED = re.compile(r"^\s*\.\.\s+(raw|include|csv-table|literalinclude)::", re.I)
SVG_HREF_OK = re.compile(r"^#[\w.:-]*$")
SVG_URL_RE = re.compile(r"url\(\s*['\"]?\s*(?!#)([^'\")\s]+)|@import", re.I)


def invisible_problems(root: Path, path: Path, lines: list[tuple[int, str]]) -> list[str]:
    out = []
    for no, text in lines:
        for m in INVISIBLE_RE.finditer(text):
            ch = m[0]
            name = NAMES.get(ch, "invisible formatting character")
            out.append(problem(root, path, no,
                               f"invisible character U+{ord(ch):04X} ({name}) at column {m.start() + 1}: remove "
                               "it; it makes the text (or a URL) read differently from what it is"))
    return out


def check_symlinks(root: Path) -> list[str]:
    book = root / "book"
    top = os.path.realpath(book)
    out = []
    for dirpath, dirnames, filenames in os.walk(book):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            if not path.is_symlink():
                continue
            real = os.path.realpath(path)
            if real != top and not real.startswith(top + os.sep):
                shown = path.relative_to(root).as_posix()  # the link itself, not its target
                out.append(f"{shown}: symbolic link to {os.readlink(path)} (outside book/): the site must "
                           "not publish files from elsewhere; put the file itself in book/")
    return out


def svg_problems(root: Path, path: Path) -> list[str]:
    out: list[str] = []
    parser = xml.parsers.expat.ParserCreate()
    style_depth = [0]

    def bad(message: str) -> None:
        out.append(problem(root, path, parser.CurrentLineNumber, f"SVG {message}: {SVG_FIX}"))

    def start(name: str, attrs: dict) -> None:
        local = name.rsplit(":", 1)[-1].lower()
        if local == "script":
            bad("has a <script>")
        if local == "foreignobject":
            bad("has a <foreignObject> (HTML inside an image)")
        if local == "style":
            style_depth[0] += 1
        for key, value in attrs.items():
            k = key.rsplit(":", 1)[-1].lower()
            if k.startswith("on"):
                bad(f"has an event handler {key}=")
            elif k == "href" and not SVG_HREF_OK.match(value.strip()):
                bad(f"refers to {value[:60]!r} ({key}=): only references inside the file (#id) are allowed")
            elif k == "style" and SVG_URL_RE.search(value):
                bad("style refers to another file (url(...) or @import)")

    def end(name: str) -> None:
        if name.rsplit(":", 1)[-1].lower() == "style":
            style_depth[0] -= 1

    def text(data: str) -> None:
        if style_depth[0] and SVG_URL_RE.search(data):
            bad("<style> refers to another file (url(...) or @import)")

    def doctype(_name, _system_id, _public_id, has_internal_subset) -> None:
        # <!DOCTYPE svg PUBLIC ... "svg11.dtd"> (matplotlib, Inkscape) is harmless;
        # an internal subset [ ... ] declares entities.
        if has_internal_subset:
            bad("has a DOCTYPE with declarations (entities can expand without bound or read files)")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = lambda *a: bad("declares an entity")
    try:
        parser.Parse(path.read_bytes(), True)
    except xml.parsers.expat.ExpatError as err:
        out.append(problem(root, path, err.lineno, f"SVG is not well-formed XML ({err}): re-export it"))
    return out


SVG_FIX = ("re-export it as a plain drawing (Inkscape: Save as > Optimized/Plain SVG), or remove that part; "
           "figures must not run code or load anything")


def check(root: Path = ROOT) -> list[str]:
    out = check_symlinks(root)
    book = root / "book"
    for svg in sorted(book.rglob("*.svg")):
        if "_build" in svg.relative_to(book).parts or svg.is_symlink():
            continue
        out += svg_problems(root, svg)
    for path in book_pages(root):
        page = scan(path)
        out += invisible_problems(root, path, [(ln.no, ln.text) for ln in page.lines])
        for d in page.directives:
            if d.name != "eval-rst":
                continue
            for ln in d.body:
                m = EVAL_RST_REFUSED.match(ln.text)
                if m:
                    out.append(problem(root, path, ln.no,
                                       f"'.. {m[1]}::' inside {{eval-rst}}: not allowed (raw HTML and file "
                                       "inclusion bypass the page checks); write it in Markdown"))
    others = sorted((book / "data").glob("*.yaml")) + [book / "references.bib", book / "_config.yml",
                                                        book / "_toc.yml"]
    for path in others:
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            out += invisible_problems(root, path, list(enumerate(text.splitlines(), start=1)))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root")
    return report("safety", check(parser.parse_args(argv).root))


if __name__ == "__main__":
    sys.exit(main())
