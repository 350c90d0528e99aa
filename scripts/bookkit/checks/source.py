"""Shared helpers for the guards: where the book is, and a MyST-aware reader.

The guards report problems as ``path:line: message`` strings, with paths
relative to the repository root, so a contributor (or an editor) can jump
straight to the line. Every check function takes ``root`` (the repository)
so tests can point it at a small fixture tree.

The reader is deliberately small: it knows just enough MyST to tell prose
from code (backtick/tilde fences, ``{code-block}``-like directives), find the
options and body of ``{figure}``-like directives written with backtick or
colon fences, and skip front matter and ``%`` comments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from bookkit.data import safeyaml

ROOT = Path(__file__).resolve().parents[3]

# Directives whose content is code or data, not prose: never scanned for
# citations, TODOs or links.
CODE_DIRECTIVES = {
    "code", "code-block", "sourcecode", "code-cell", "literalinclude",
    "math", "mermaid", "graphviz", "eval-rst", "jupyter-execute",
}
# Directives whose content goes into the page as raw HTML: scanned for scripts.
RAW_DIRECTIVES = {"raw"}

FENCE_RE = re.compile(
    r"^(?P<indent>\s{0,3})(?P<fence>`{3,}|~{3,}|:{3,})\s*"
    r"(?:\{(?P<name>[^}\s]+)\})?\s*(?P<arg>.*?)\s*$"
)
OPTION_RE = re.compile(r"^\s*:(?P<key>[\w-]+):\s*(?P<value>.*?)\s*$")
HEADING_RE = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<title>.*?)\s*#*\s*$")
LABEL_RE = re.compile(r"^\s*\([\w.:-]+\)=\s*$")  # a MyST target line: (label)=
ROLE_RE = re.compile(r"\{(?P<role>[\w:.-]+)\}`(?P<content>[^`]*)`")
# A role (kept as is) or an inline code span (blanked), left to right, so the
# backticks of {cite:p}`key` never start a code span.
ROLE_OR_CODE_RE = re.compile(r"(?P<role>\{[\w:.-]+\}`[^`]*`)|(?P<ticks>`+)(?!`)(.+?)(?<!`)(?P=ticks)(?!`)")


def rel(root: Path, path: Path) -> str:
    """``path`` relative to the repository root, as shown in messages."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def problem(root: Path, path: Path, line: int | None, message: str) -> str:
    """Format one problem as ``path:line: message`` (path relative to root)."""
    shown = rel(root, path)
    return f"{shown}:{line}: {message}" if line else f"{shown}: {message}"


def report(name: str, problems: list[str]) -> int:
    """Print problems one per line, a count on stderr; the exit status of a check."""
    import sys

    for p in problems:
        print(p)
    print(f"{name}: {len(problems)} problem(s)", file=sys.stderr)
    return 1 if problems else 0


def site_check_main(name: str, doc: str, check, argv: list[str] | None = None) -> int:
    """The command line shared by the checks of the built site: ``[html_dir] [--root R]``."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("html_dir", nargs="?", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root")
    args = parser.parse_args(argv)
    if not (args.html_dir / "index.html").is_file():
        print(f"{name}: {args.html_dir}/index.html missing: build first (make html)", file=sys.stderr)
        return 2
    return report(name, check(args.html_dir, args.root))


@dataclass
class Line:
    no: int          # 1-based line number
    text: str        # the line as written
    kind: str        # text | code | raw | fence | option | meta | comment


@dataclass
class Directive:
    name: str
    arg: str
    line: int                                   # line of the opening fence
    fence: str                                  # the fence as written (```, :::)
    options: dict[str, tuple[str, int]] = field(default_factory=dict)
    body: list[Line] = field(default_factory=list)   # its own content lines
    end: int = 0                                # line of the closing fence


@dataclass
class Page:
    path: Path
    lines: list[Line]
    directives: list[Directive]
    # Fences opened and never closed: (the fence line as written, its line number).
    unclosed: list[tuple[str, int]] = field(default_factory=list)

    def text_lines(self) -> list[Line]:
        return [ln for ln in self.lines if ln.kind == "text"]


def scan(path: Path, text: str | None = None) -> Page:
    """Split a MyST file into classified lines and directives."""
    if text is None:
        text = path.read_text(encoding="utf-8")
    raw = text.splitlines()
    lines: list[Line] = []
    directives: list[Directive] = []
    # Each open fence: (char, length, kind of its content, Directive or None, line).
    stack: list[tuple[str, int, str, Directive | None, int]] = []
    in_options = False   # directly after a directive's opening line
    in_yaml_opts = False  # inside a --- ... --- options block
    i = 0
    if raw and raw[0].strip() == "---":  # front matter
        lines.append(Line(1, raw[0], "meta"))
        i = 1
        while i < len(raw):
            lines.append(Line(i + 1, raw[i], "meta"))
            i += 1
            if raw[i - 1].strip() == "---":
                break
    for i in range(i, len(raw)):
        no, s = i + 1, raw[i]
        top = stack[-1] if stack else None
        content_kind = top[2] if top else "text"
        m = FENCE_RE.match(s)
        # 1. Closing fence of the innermost block?
        if (top and m and not m["name"] and not m["arg"]
                and m["fence"][0] == top[0] and len(m["fence"]) >= top[1]):
            if top[3]:
                top[3].end = no
            stack.pop()
            lines.append(Line(no, s, "fence"))
            in_options = in_yaml_opts = False
            continue
        directive = top[3] if top else None
        # 2. Options of the directive just opened (:key: value, or a YAML block).
        if directive and in_yaml_opts:
            if s.strip() == "---":
                in_yaml_opts = False
            else:
                om = re.match(r"^\s*([\w-]+):\s*(.*?)\s*$", s)
                if om:
                    directive.options[om[1]] = (om[2], no)
            lines.append(Line(no, s, "option"))
            continue
        if directive and in_options:
            if s.strip() == "---" and not directive.options:
                in_yaml_opts = True
                lines.append(Line(no, s, "option"))
                continue
            om = OPTION_RE.match(s)
            if om:
                directive.options[om["key"]] = (om["value"], no)
                lines.append(Line(no, s, "option"))
                continue
            in_options = False
        # 3. Inside code: everything is code until the closing fence.
        if content_kind in ("code", "raw"):
            ln = Line(no, s, content_kind)
            lines.append(ln)
            if directive:
                directive.body.append(ln)
            continue
        # 4. Opening fence (a code block or a directive)?
        if m and (m["fence"][0] != ":" or m["name"]):
            name = m["name"]
            if m["fence"][0] == ":" or name:
                kind = ("code" if name in CODE_DIRECTIVES
                        else "raw" if name in RAW_DIRECTIVES else "text")
            else:
                kind = "code"  # a plain ``` fence with or without a language
            new = None
            if name:
                new = Directive(name, m["arg"], no, m["fence"])
                directives.append(new)
                in_options = True
            stack.append((m["fence"][0], len(m["fence"]), kind, new, no))
            lines.append(Line(no, s, "fence"))
            continue
        kind = "comment" if s.lstrip().startswith("%") else "text"
        ln = Line(no, s, kind)
        lines.append(ln)
        if directive:
            directive.body.append(ln)
    unclosed = [(raw[entry[4] - 1].strip(), entry[4]) for entry in stack]
    return Page(path, lines, directives, unclosed)


def strip_code_spans(s: str) -> str:
    """Blank out inline code spans (keeping roles like {cite:p}`key`)."""
    return ROLE_OR_CODE_RE.sub(lambda m: m[0] if m["role"] else " " * len(m[0]), s)


def toc_files(root: Path) -> list[tuple[str, int]]:
    """Every page named in book/_toc.yml, in order, with its line in _toc.yml."""
    toc = root / "book" / "_toc.yml"
    text = toc.read_text(encoding="utf-8")
    data = safeyaml.loads(text, rel(root, toc)) or {}
    names: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            for key in ("root", "file"):
                if isinstance(node.get(key), str):
                    names.append(node[key])
            for value in node.values():
                if isinstance(value, (list, dict)):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data)
    found = []
    for name in names:
        m = re.search(rf"^\s*-?\s*(?:root|file):\s*['\"]?{re.escape(name)}['\"]?\s*$",
                      text, re.M)
        found.append((name, text.count("\n", 0, m.start()) + 1 if m else 1))
    return found


def page_path(root: Path, name: str) -> Path:
    """The source file of a _toc.yml entry (``models`` -> book/models.md)."""
    base = root / "book" / name
    if base.suffix in (".md", ".ipynb"):
        return base
    for suffix in (".md", ".ipynb"):
        if base.with_suffix(suffix).exists():
            return base.with_suffix(suffix)
    return base.with_suffix(".md")


def book_pages(root: Path) -> list[Path]:
    """The published MyST pages: those in _toc.yml that exist as .md files."""
    pages = []
    for name, _ in toc_files(root):
        path = page_path(root, name)
        if path.suffix == ".md" and path.exists() and path not in pages:
            pages.append(path)
    return pages


def load_allowlist(root: Path, section: str) -> tuple[list[dict], list[str]]:
    """Entries of one section of scripts/guards.yml, and problems with it.

    Every exception to a guard is written there with a ``reason``; an entry
    without a reason is itself a problem.
    """
    path = root / "scripts" / "guards.yml"
    if not path.exists():
        return [], []
    text = path.read_text(encoding="utf-8")
    data = safeyaml.loads(text, rel(root, path)) or {}
    entries = data.get(section) or []
    problems = []
    for entry in entries:
        if not isinstance(entry, dict) or not str(entry.get("reason") or "").strip():
            first = next(iter(entry.values())) if isinstance(entry, dict) and entry else entry
            idx = text.find(str(first))
            line = text.count("\n", 0, idx) + 1 if idx >= 0 else 1
            problems.append(problem(root, path, line,
                                    f"{section} entry {first!r} has no reason: add `reason: why`"))
    return [e for e in entries if isinstance(e, dict)], problems
