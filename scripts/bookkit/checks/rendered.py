"""What readers see: the visible text of the built pages, and the spelling of the sources.

The source can be right and the page still wrong: a value from the data
followed by the same word in prose ("175 billion billion parameters"), a
sentence edited twice ("The The model data chapter"), a role or directive
that was not expanded and shows its markup ("{cite:p}`key`", "```{note}").
So this check reads the **built** pages' content area, as text, block by
block (code blocks left out):

* a word written twice in a row (a few words that can rightly repeat, like
  "that that", are allowed);
* MyST markup left in the visible text: ``{role}`...``, code fences with a
  directive (```` ```{ ```` or ``:::{``);
* prose typeset as a formula: two ``$`` in a paragraph ("US$20 ... US$10")
  open math.

Each finding is reported at the page's source file and the line where the
text is written (found by searching the source for the text around it).

``spelling(root)`` runs codespell on the sources (pages, data, bibliography,
README and CONTRIBUTING) with the project's word list,
scripts/codespell-words.txt; it is part of ``make lint``.

Run: ``python -m bookkit.checks.rendered [_build/html]``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import html5lib

from bookkit.checks.htmlsafety import content_area, source_of
from bookkit.checks.source import ROOT, book_pages, problem, rel, site_check_main

BLOCKS = {"p", "li", "td", "th", "dt", "dd", "figcaption", "caption", "h1", "h2", "h3", "h4", "h5", "h6",
          "blockquote", "summary"}
SKIP = {"pre", "script", "style", "code", "kbd", "samp", "math"}
# Not after a hyphen: "finer-gated Gated DeltaNet" names a method.
DOUBLED_RE = re.compile(r"(?<![-\w])([A-Za-z]+)\s+(\1)\b", re.I)
# Words that may rightly follow themselves in English prose.
DOUBLES_OK = {"that", "had", "is", "bye", "ha", "no", "very", "so", "far"}
MARKUP_RE = re.compile(r"\{[a-z][\w:.-]*\}`[^`]*`?|`{3,}\s*\{|:{3,}\s*\{")
WORDS_FILE = Path("scripts") / "codespell-words.txt"


def _text(el: ElementTree.Element, out: list[str]) -> None:
    """Visible text of el, leaving out code and nested blocks (read on their own)."""
    if el.text:
        out.append(el.text)
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        classes = child.get("class", "").split()
        if tag not in SKIP and tag not in BLOCKS and "headerlink" not in classes:
            _text(child, out)
        elif tag in ("code", "kbd", "samp") or tag in BLOCKS:
            out.append(" ")
        if child.tail:
            out.append(child.tail)


def visible_blocks(page: Path) -> list[str]:
    doc = html5lib.parse(page.read_text(encoding="utf-8"), treebuilder="etree", namespaceHTMLElements=False)
    article = content_area(doc)
    if article is None:
        return []
    blocks = []
    for el in article.iter():
        if isinstance(el.tag, str) and el.tag in BLOCKS:
            parts: list[str] = []
            _text(el, parts)
            text = " ".join("".join(parts).split())
            if text:
                blocks.append(text)
    return blocks


def find_line(source: Path, text: str, start: int, end: int) -> int | None:
    """The source line of text[start:end]: search for it, then for its context."""
    if not source.is_file() or source.suffix not in (".md", ".rst"):
        return None
    body = source.read_text(encoding="utf-8")
    found = text[start:end].split()
    after = text[end:end + 60].split()
    before = text[max(0, start - 60):start].split()
    # (needle, whether the line is that of its end): the text itself; its last
    # word with what follows; what precedes with its first word (one of the two
    # may come from the data or a title, and is not in the source); then the
    # context alone. Matched across line breaks.
    candidates = [(found, False), (found[-1:] + after[:4], False), (before[-4:] + found[:1], True),
                  (after[:5], False), (before[-5:], True)]
    for words, at_end in candidates:
        if len(" ".join(words)) < 8:
            continue
        m = re.search(r"\s+".join(re.escape(w) for w in words), body)
        if m:
            return body.count("\n", 0, m.end() if at_end else m.start()) + 1
    return None


# Math that reads as prose: dollar signs (US$20 ... US$10) opened a formula.
PROSE_IN_MATH_RE = re.compile(r"[A-Za-z]{3,}\s+[A-Za-z]{3,}\s+[A-Za-z]{3,}")


def prose_math(page: Path) -> list[str]:
    doc = html5lib.parse(page.read_text(encoding="utf-8"), treebuilder="etree", namespaceHTMLElements=False)
    article = content_area(doc)
    found = []
    for el in (article.iter() if article is not None else ()):
        if isinstance(el.tag, str) and "math" in el.get("class", "").split():
            text = " ".join("".join(el.itertext()).split()).strip("\\()[] ")
            if PROSE_IN_MATH_RE.search(text):
                found.append(text)
    return found


def check_page(root: Path, html_dir: Path, page: Path) -> list[str]:
    source = source_of(root, html_dir, page)
    shown = page.relative_to(html_dir).as_posix()
    out = []
    for text in prose_math(page):
        line = find_line(source, text, 0, min(len(text), 40))
        out.append(problem(root, source, line,
                           f"text became a formula on the built {shown} (\"{text[:50]}...\"): two '$' signs "
                           "opened math; write a dollar sign in text as \\$ (US\\$20)"))
    for text in visible_blocks(page):
        for m in DOUBLED_RE.finditer(text):
            if m[1].lower() in DOUBLES_OK:
                continue
            line = find_line(source, text, m.start(), m.end())
            out.append(problem(root, source, line,
                               f"'{m[0]}' reads as a doubled word on the built {shown} (\"...{text[max(0, m.start() - 30):m.end() + 30]}...\"): "
                               "remove one; if one comes from a {fact} or the data, remove the word written in the page"))
        for m in MARKUP_RE.finditer(text):
            line = find_line(source, text, m.start(), m.end())
            out.append(problem(root, source, line,
                               f"markup '{m[0][:30]}' shows as text on the built {shown}: the role or directive "
                               "was not expanded; check its spelling, its backticks and that it is not inside code"))
    return out


def check(html_dir: Path, root: Path = ROOT) -> list[str]:
    out: list[str] = []
    for page in sorted(html_dir.rglob("*.html")):
        if "_static" not in page.relative_to(html_dir).parts:
            out += check_page(root, html_dir, page)
    return out


# --- spelling of the sources ------------------------------------------------------


def spelling_targets(root: Path) -> list[Path]:
    book = root / "book"
    found = list(book_pages(root)) + sorted((book / "data").glob("*.yaml"))
    found += [p for p in (book / "references.bib", root / "README.md", root / "CONTRIBUTING.md") if p.is_file()]
    return found


def spelling(root: Path = ROOT) -> list[str]:
    """codespell on the sources; each finding as ``path:line: word ==> fix``."""
    targets = spelling_targets(root)
    if not targets:
        return []
    # People's names in the bibliography are spelled as they are (Widder, Stap),
    # and addresses as the sites spell them (.../presse/...).
    cmd = [sys.executable, "-m", "codespell_lib", "--check-filenames", "--quiet-level", "3",
           "--ignore-regex", r"^\s*(author|editor)\s*=.*$", "--uri-ignore-words-list", "*"]
    words = root / WORDS_FILE
    if words.is_file():
        cmd += ["--ignore-words", str(words)]
    res = subprocess.run(cmd + [str(p) for p in targets], capture_output=True, text=True, cwd=root)
    if res.returncode not in (0, 65):  # 65: misspellings found
        return [f"codespell: could not run ({res.stderr.strip() or res.returncode})"]
    out = []
    for line in res.stdout.splitlines():
        m = re.match(r"^(.*?):(\d+): (.*)$", line)
        if not m:
            continue
        out.append(problem(root, Path(m[1]) if Path(m[1]).is_absolute() else root / m[1], int(m[2]),
                           f"spelling: {m[3]}: fix it, or if the word is right add it (lowercase) to "
                           f"{WORDS_FILE.as_posix()}"))
    return out


def main(argv: list[str] | None = None) -> int:
    return site_check_main("rendered", __doc__, check, argv)


if __name__ == "__main__":
    sys.exit(main())
