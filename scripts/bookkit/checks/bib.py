"""Citation lint for book/references.bib, and its canonical formatter.

pybtex parses the file (every syntax error is collected, none is skipped);
this module adds the book's rules on top:

* no duplicate keys (case-folded: Sphinx treats ``Foo`` and ``foo`` as one);
* no two entries for the same DOI, arXiv id or URL;
* every key cited in a published page exists; every entry is cited somewhere
  (in a page, or in a ``citations:`` list of book/data/*.yaml);
* each entry has a title; an author (or editor/organization); a year (or
  date); and a doi, eprint (arXiv) or url; DOIs and arXiv ids are well-formed;
* keys follow ``<surname-or-org><year><title word(s)>`` in lowercase;
* the file is in canonical form (``make format`` rewrites it so);
* its URLs pass the URL hygiene rules (bookkit.checks.urls).

Run alone: ``python -m bookkit.checks.bib`` (or ``book-check-bib``);
``python -m bookkit.checks.bib --format`` rewrites the file canonically.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from collections import defaultdict
from pathlib import Path

import pybtex.errors
from bookkit.data import safeyaml
from pybtex.database import BibliographyData
from pybtex.database.input.bibtex import Parser

from bookkit.checks.source import ROOT, ROLE_RE, book_pages, problem, rel, scan, strip_code_spans, report

KEY_RE = re.compile(r"^[a-z]+[0-9]{4}[a-z0-9]+$")
DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")
# New-style arXiv ids (2302.13971, optional version) and old ones (hep-th/9901001).
ARXIV_RE = re.compile(r"^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?/\d{7})(v\d+)?$")
ARXIV_DOI_RE = re.compile(r"^10\.48550/arxiv\.(.+)$", re.I)
# Where each entry starts: @type{key,  (pybtex does not keep line numbers).
ENTRY_RE = re.compile(r"^\s*@\s*(\w+)\s*[{(]\s*([^,\s]+)\s*,", re.M)
CITE_ROLE_RE = re.compile(r"^(foot)?cite(:[a-z]+)?$")
# Canonical field order; any other field follows, alphabetically.
FIELD_ORDER = [
    "author", "editor", "title", "booktitle", "journal", "volume", "number",
    "pages", "publisher", "organization", "institution", "school", "address",
    "edition", "series", "howpublished", "type", "year", "month", "date",
    "eprint", "archiveprefix", "primaryclass", "doi", "url", "urldate", "note",
]


FIELD_START_RE = re.compile(r"^\s*[A-Za-z][\w-]*\s*=")


def first_syntax_fault(text: str) -> tuple[int, str] | None:
    """The first BibTeX syntax fault, at the line where it is (pybtex reports
    where it noticed it, often lines later), or None if none is found."""
    n = len(text)
    line_at = lambda i: text.count("\n", 0, i) + 1  # noqa: E731
    i = 0
    while True:
        at = text.find("@", i)
        if at < 0:
            return None
        m = re.compile(r"@\s*(\w+)\s*([{(])").match(text, at)
        if not m:
            i = at + 1
            continue
        kind = m[1].lower()
        if kind in ("comment", "preamble", "string"):
            i = m.end()
            continue
        start = at
        close = "}" if m[2] == "{" else ")"
        km = re.compile(r"\s*([^,\s{}()]+)\s*,").match(text, m.end())
        if not km:
            return line_at(m.end()), f"entry at line {line_at(start)}: a key and a comma must follow '@{m[1]}{{'"
        i = km.end()
        while True:
            ws = re.compile(r"\s*").match(text, i)
            i = ws.end()
            if i >= n:
                return line_at(start), f"entry at line {line_at(start)} is never closed: add '{close}'"
            if text[i] == close:
                i += 1
                break
            fm = re.compile(r"([A-Za-z][\w-]*)\s*=\s*").match(text, i)
            if not fm:
                if text[i] == "@":
                    return line_at(start), f"entry at line {line_at(start)} is never closed: add '{close}' before the next entry"
                return line_at(i), f"expected a field (name = {{value}}) or the closing '{close}', found {text[i:i + 20].splitlines()[0]!r}"
            name = fm[1].lower()
            i = fm.end()
            while True:  # value parts joined by #
                if i < n and text[i] == "{":
                    depth, j, opened = 0, i, i
                    while j < n:
                        c = text[j]
                        if c == "\\":
                            j += 2
                            continue
                        if c == "{":
                            depth += 1
                        elif c == "}":
                            depth -= 1
                            if depth == 0:
                                break
                        elif c == "\n" and depth >= 1 and FIELD_START_RE.match(text[j + 1:text.find("\n", j + 1) if text.find("\n", j + 1) > 0 else n]) and depth == 1:
                            return line_at(opened), (f"field '{name}': the '{{' opened here is not closed before the "
                                                     "next field: add the missing '}'")
                        j += 1
                    if j >= n:
                        return line_at(opened), f"field '{name}': the '{{' opened here is never closed: add '}}'"
                    i = j + 1
                elif i < n and text[i] == '"':
                    j = text.find('"', i + 1)
                    if j < 0:
                        return line_at(i), f"field '{name}': the '\"' opened here is never closed"
                    i = j + 1
                else:
                    vm = re.compile(r"[\w.:+-]+").match(text, i)
                    if not vm:
                        return line_at(i), f"field '{name}' has no value: write {name} = {{value}}"
                    i = vm.end()
                ws = re.compile(r"\s*").match(text, i)
                if ws.end() < n and text[ws.end()] == "#":
                    i = re.compile(r"\s*").match(text, ws.end() + 1).end()
                    continue
                break
            end_value = i
            i = re.compile(r"\s*").match(text, i).end()
            if i < n and text[i] == ",":
                i += 1
                continue
            if i < n and text[i] == close:
                continue
            return line_at(end_value), (f"field '{name}': missing ',' after its value (before "
                                        f"{text[i:i + 20].splitlines()[0]!r})")


SPECIAL_RE = re.compile(r"^\s*@\s*(comment|string|preamble)\b", re.I)
MACRO_RE = re.compile(r"^\s*([A-Za-z][\w-]*)\s*=\s*([A-Za-z][\w.:+-]*)\s*(?:[,}#]|$)")
CONCAT_RE = re.compile(r"[}\"\w]\s*#\s*[{\"\w]")


def lossy_constructs(text: str) -> list[tuple[int, str]]:
    """(line, what) for everything the canonical form cannot keep: comments,
    @comment/@string/@preamble, macros (month = jan) and # concatenation."""
    out = []
    for no, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("%"):
            out.append((no, "a % comment (BibTeX keeps no comments): put the note in the entry's "
                            "note field, or delete it"))
        elif SPECIAL_RE.match(line):
            kind = SPECIAL_RE.match(line)[1].lower()
            fix = {"comment": "put the note in an entry's note field, or delete it",
                   "string": "write the value out in full in each entry that uses it",
                   "preamble": "remove it (the book's bibliography does not use LaTeX preambles)"}[kind]
            out.append((no, f"an @{kind} block: {fix}"))
        else:
            m = MACRO_RE.match(line)
            if m:
                out.append((no, f"field '{m[1]}' uses the macro '{m[2]}': write the value in braces, "
                                f"e.g. {m[1]} = {{...}} (a number needs no macro either)"))
            elif "=" in line and CONCAT_RE.search(line.split("=", 1)[1]):
                out.append((no, "a value joined with '#': write the whole value in one pair of braces"))
    return out


def bib_path(root: Path) -> Path:
    return root / "book" / "references.bib"


def parse(text: str) -> tuple[BibliographyData, list]:
    """Parse with pybtex, collecting every error instead of stopping.

    ``person_fields=()`` keeps author/editor as written, so the formatter
    can write them back unchanged.
    """
    with pybtex.errors.capture() as errors:
        data = Parser(person_fields=()).parse_string(text)
    return data, list(errors)


def entry_lines(text: str) -> list[tuple[str, int]]:
    """(key, line) of every entry in file order, duplicates included."""
    return [(m[2], text.count("\n", 0, m.start(2)) + 1)
            for m in ENTRY_RE.finditer(text)
            if m[1].lower() not in ("comment", "string", "preamble")]


def cited_keys(root: Path) -> dict[str, list[tuple[Path, int]]]:
    """Every key cited with a {cite}-family role in a published page."""
    cited: dict[str, list[tuple[Path, int]]] = defaultdict(list)
    for path in book_pages(root):
        for ln in scan(path).text_lines():
            for m in ROLE_RE.finditer(strip_code_spans(ln.text)):
                if not CITE_ROLE_RE.match(m["role"]):
                    continue
                # {cite:p}`{see}key1{p. 3}, key2`: drop pre/post notes.
                for key in re.sub(r"\{[^}]*\}", "", m["content"]).split(","):
                    if key.strip():
                        cited[key.strip()].append((path, ln.no))
    return cited


def data_keys(root: Path) -> set[str]:
    """Keys in ``citations:`` lists of book/data/*.yaml (model records cite too)."""
    keys: set[str] = set()

    def walk(node) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "citations" and isinstance(v, list):
                    keys.update(str(x) for x in v)
                else:
                    walk(v)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for path in sorted((root / "book" / "data").glob("*.yaml")):
        try:
            walk(safeyaml.load_file(path))
        except safeyaml.YamlError:
            pass  # the data check reports broken YAML
    return keys


def field_order(name: str) -> tuple[int, str]:
    return (FIELD_ORDER.index(name) if name in FIELD_ORDER else len(FIELD_ORDER), name)


def format_bib(data: BibliographyData) -> str:
    """The canonical text: entries sorted by key, fields in FIELD_ORDER,
    lowercase names, two-space indent, ``name = {value},``, one blank line
    between entries. pybtex has already collapsed whitespace in values."""
    chunks = []
    for key in sorted(data.entries, key=str.casefold):
        entry = data.entries[key]
        fields = sorted(((k.lower(), v) for k, v in entry.fields.items()),
                        key=lambda kv: field_order(kv[0]))
        body = "".join(f"  {k} = {{{v.strip()}}},\n" for k, v in fields)
        chunks.append(f"@{entry.type.lower()}{{{key},\n{body}}}\n")
    return "\n".join(chunks)


def syntax_problems(root: Path, path: Path, text: str, errors: list) -> list[str]:
    """pybtex's errors, the first one moved to the line where the fault is
    (pybtex names the line where it noticed it, often several lines later)."""
    errors = [e for e in errors if "repeated bibliography entry" not in str(e)]  # reported with both lines
    if not errors:
        return []
    out = []
    fault = first_syntax_fault(text)
    if fault:
        out.append(problem(root, path, fault[0], f"BibTeX syntax error: {fault[1]}"))
        errors = errors[1:]
    for err in errors:
        msg = re.sub(r"^syntax error in line \d+: ", "", str(err))
        out.append(problem(root, path, getattr(err, "lineno", None), f"BibTeX syntax error: {msg}"))
    return out


def check_entries(root: Path, path: Path, text: str, data: BibliographyData) -> list[str]:
    out = []
    lines = dict(entry_lines(text))
    seen: dict[str, dict[str, str]] = {"DOI": {}, "arXiv id": {}, "URL": {}}
    for key, entry in data.entries.items():
        line = lines.get(key, 1)
        f = {k.lower(): v.strip() for k, v in entry.fields.items()}

        def bad(msg: str) -> None:
            out.append(problem(root, path, line, f"entry '{key}': {msg}"))

        if not KEY_RE.match(key):
            bad("key does not follow the convention <surname-or-org><year><title word(s)>, "
                "lowercase ASCII, e.g. 'touvron2023llama'")
        if not f.get("title"):
            bad("missing title")
        if not (f.get("author") or f.get("editor") or f.get("organization") or f.get("institution")):
            bad("missing author (people as 'Surname, Given and others', or an organisation as {{Name}})")
        if not (f.get("year") or f.get("date")):
            bad("missing year (or date)")
        if not (f.get("doi") or f.get("eprint") or f.get("url")):
            bad("needs a doi, an eprint (arXiv id) or a url so readers can find it")
        doi = f.get("doi", "")
        if doi and not DOI_RE.match(doi):
            bad(f"doi {doi!r} is not a bare DOI: write it as 10.NNNN/suffix (no https://doi.org/)")
        eprint = f.get("eprint", "")
        prefix = f.get("archiveprefix", "arXiv")
        arxiv = eprint if prefix.lower() == "arxiv" else ""
        if arxiv and not ARXIV_RE.match(arxiv):
            bad(f"eprint {eprint!r} is not an arXiv id like 2302.13971 (no 'arXiv:' prefix, no URL)")
            arxiv = ""
        m = ARXIV_DOI_RE.match(doi)
        if m and arxiv and m[1].split("v")[0] != arxiv.split("v")[0]:
            bad(f"doi {doi!r} and eprint {eprint!r} name different arXiv papers")
        arxiv = arxiv or (m[1] if m else "")
        ids = {
            "DOI": doi.casefold(),
            "arXiv id": re.sub(r"v\d+$", "", arxiv).casefold(),
            "URL": re.sub(r"^https?://(www\.)?", "", f.get("url", "")).rstrip("/").casefold(),
        }
        for kind, value in ids.items():
            if not value:
                continue
            if value in seen[kind]:
                bad(f"same {kind} as entry '{seen[kind][value]}': merge the two entries into one")
                break  # an arXiv DOI is also an arXiv id: say it once
            seen[kind][value] = key
    return out


def check(root: Path = ROOT) -> list[str]:
    """All citation rules; returns the problems (empty = all good)."""
    path = bib_path(root)
    if not path.exists():
        return [problem(root, path, None, "missing: the book's bibliography must live here")]
    text = path.read_text(encoding="utf-8")
    out: list[str] = []
    # Duplicate keys, compared case-folded, each with the line of its copy.
    first: dict[str, tuple[str, int]] = {}
    for key, line in entry_lines(text):
        if key.casefold() in first:
            other, oline = first[key.casefold()]
            out.append(problem(root, path, line,
                               f"duplicate key '{key}' (also '{other}' at line {oline}; keys "
                               "are compared ignoring case): merge them or rename one"))
        else:
            first[key.casefold()] = (key, line)
    data, errors = parse(text)
    out += syntax_problems(root, path, text, errors)
    for line, what in lossy_constructs(text):
        out.append(problem(root, path, line, f"{what} (the canonical form, `make format`, cannot keep it)"))
    if errors:
        return out  # the entries are unreliable until the file parses
    out += check_entries(root, path, text, data)
    # Cited keys exist; entries are cited.
    keys = {k.casefold(): k for k in data.entries}
    cited = cited_keys(root)
    for key, places in sorted(cited.items()):
        if keys.get(key.casefold()) == key:
            continue
        for page, line in places:
            if key.casefold() in keys:
                hint = f"write it exactly as '{keys[key.casefold()]}'"
            else:
                close = difflib.get_close_matches(key, list(data.entries), n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'?" if close else "add an entry for it"
            out.append(problem(root, page, line,
                               f"citation key '{key}' not in {rel(root, path)} ({hint})"))
    used = {k.casefold() for k in cited} | {k.casefold() for k in data_keys(root)}
    lines = dict(entry_lines(text))
    for key in data.entries:
        if key.casefold() not in used:
            out.append(problem(root, path, lines.get(key, 1),
                               f"entry '{key}' is never cited: cite it in a page or remove it"))
    # Canonical form.
    canonical = format_bib(data)
    if text != canonical and not lossy_constructs(text):
        a, b = text.splitlines(), canonical.splitlines()
        diff = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        out.append(problem(root, path, diff + 1,
                           "not in canonical form (sorted by key, fields in a fixed order, "
                           "two-space indent): run `make format`, which rewrites the layout and "
                           "keeps every entry, field and value"))
    # URL hygiene of the entries' URLs (https only, no tracking, DOIs as DOIs...).
    from bookkit.checks import urls as urlcheck
    out += urlcheck.check_file(root, path)
    return out


def format_file(root: Path = ROOT) -> int:
    path = bib_path(root)
    text = path.read_text(encoding="utf-8")
    data, errors = parse(text)
    if errors:
        for p in syntax_problems(root, path, text, errors):
            print(p)
        print("make format: fix the errors above first; the file was not changed", file=sys.stderr)
        return 1
    lossy = lossy_constructs(text)
    if lossy:
        for line, what in lossy:
            print(problem(root, path, line, f"make format would not keep this line: {what}"))
        print("make format: refused, so that nothing is lost; change the lines above, then run it "
              "again. The file was not changed.", file=sys.stderr)
        return 1
    canonical = format_bib(data)
    if parse(canonical)[0].entries.keys() != data.entries.keys() or any(
            dict(parse(canonical)[0].entries[k].fields) != dict(v.fields) for k, v in data.entries.items()):
        print(f"make format: the canonical form would change an entry's content; {rel(root, path)} "
              "was not changed (please report this)", file=sys.stderr)
        return 1
    if canonical != text:
        path.write_text(canonical, encoding="utf-8")
        print(f"rewrote {rel(root, path)} in canonical form ({len(data.entries)} entries)")
    else:
        print(f"{rel(root, path)} is already canonical")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root")
    parser.add_argument("--format", action="store_true",
                        help="rewrite book/references.bib in canonical form")
    args = parser.parse_args(argv)
    if args.format:
        return format_file(args.root)
    problems = check(args.root)
    return report("bibcheck", problems)


if __name__ == "__main__":
    sys.exit(main())
