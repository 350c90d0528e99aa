"""Sphinx extension: "What's new", per edition, from the data and its git history.

```{whats-new}``` lists, newest edition first, the models added and the
records whose facts changed (fields other than ``checked``; a record only
re-checked is counted apart). An edition is a month (year.month, like
``book_edition`` in _config.yml): the book's state at the last commit of
that month that touched book/data/models.yaml. The working copy belongs to
the configured edition. The website also gets an Atom feed of the same
entries, ``whats-new.atom``, linked from the page's head.

History comes from ``git log --follow`` of the data file. It degrades
gracefully, saying so on the page: in a shallow clone the oldest commit
available is the baseline (earlier editions are not listed); without git
(e.g. a source archive) only the current edition is shown.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from xml.etree import ElementTree as ET

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from bookkit.data import safeyaml

logger = logging.getLogger(__name__)
ATOM = "http://www.w3.org/2005/Atom"
FEED = "whats-new.atom"
#: Fields whose change is not a change of facts.
NOT_FACTS = {"checked"}


@dataclass
class Edition:
    name: str                      # "2026.12"
    updated: datetime              # last change in the edition
    added: list[tuple[str, str]] = field(default_factory=list)          # (id, name)
    changed: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (id, name, fields)
    removed: list[tuple[str, str]] = field(default_factory=list)
    rechecked: int = 0
    baseline: int | None = None    # the oldest state known: a record count, no diff


@dataclass
class History:
    editions: list[Edition]
    note: str = ""                 # why the history is incomplete, if it is


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def _records(text: str, where: str) -> dict[str, dict]:
    items = safeyaml.loads(text, where) or []
    return {str(r["id"]): r for r in items if isinstance(r, dict) and "id" in r}


def diff(name: str, updated: datetime, old: dict[str, dict], new: dict[str, dict]) -> Edition:
    ed = Edition(name, updated)
    for ident, rec in new.items():
        if ident not in old:
            ed.added.append((ident, str(rec.get("name", ident))))
            continue
        before = old[ident]
        fields = sorted(k for k in set(rec) | set(before) if rec.get(k) != before.get(k))
        facts = [f for f in fields if f not in NOT_FACTS]
        if facts:
            ed.changed.append((ident, str(rec.get("name", ident)), facts))
        elif fields:
            ed.rechecked += 1
    ed.removed = [(i, str(r.get("name", i))) for i, r in old.items() if i not in new]
    return ed


def history(root: Path, data_file: Path, current_edition: str) -> History:
    """Editions from git (newest first), with the working copy as the current edition."""
    rel = data_file.resolve().relative_to(root.resolve()).as_posix()
    current = _records(data_file.read_text(encoding="utf-8"), rel)
    now = datetime.fromtimestamp(data_file.stat().st_mtime, timezone.utc)
    log = _git(root, "log", "--follow", "--format=@%H %cI", "--name-only", "--", rel)
    if log is None:
        ed = Edition(current_edition, now, baseline=len(current))
        return History([ed], "No git history is available to this build (not a git clone), so only "
                             "the current edition is listed.")
    shallow = (_git(root, "rev-parse", "--is-shallow-repository") or "").strip() == "true"
    commits: list[tuple[str, datetime, str]] = []  # newest first: (sha, date, path then)
    sha, when = None, None
    for line in log.splitlines():
        if line.startswith("@"):
            sha, stamp = line[1:].split(" ", 1)
            when = datetime.fromisoformat(stamp).astimezone(timezone.utc)
        elif line.strip() and sha:
            commits.append((sha, when, line.strip()))
            sha = None
    # The last commit of each month is that edition's state.
    months: dict[str, tuple[str, datetime, str]] = {}
    for sha, when, path in commits:
        months.setdefault(f"{when:%Y.%m}", (sha, when, path))
    states: list[tuple[str, datetime, dict[str, dict]]] = []
    unreadable: list[str] = []
    for month in sorted(months):
        sha, when, path = months[month]
        text = _git(root, "show", f"{sha}:{path}")
        if text is None:
            continue
        try:
            states.append((month, when, _records(text, f"{path} at {sha[:12]}")))
        except safeyaml.YamlError as err:  # an old state the strict loader refuses: said on the page
            unreadable.append(str(err))
    if states and states[-1][0] == current_edition:
        states[-1] = (current_edition, max(states[-1][1], now) if current != states[-1][2] else states[-1][1],
                      current)
    elif not states or current != states[-1][2] or current_edition > states[-1][0]:
        states.append((current_edition, now, current))
    editions: list[Edition] = []
    for i, (name, when, records) in enumerate(states):
        if i == 0:
            if shallow:
                editions.append(Edition(name, when, baseline=len(records)))
            else:
                editions.append(diff(name, when, {}, records))
        else:
            editions.append(diff(name, when, states[i - 1][2], records))
    note = ""
    if shallow:
        note = (f"This build ran on a shallow clone of the repository: the history before "
                f"{states[0][1]:%d %B %Y} is not available, so earlier editions are not listed and the "
                "oldest edition shown has no list of changes. A full clone (git fetch --unshallow) "
                "gives the whole history.")
    elif not commits:
        note = "The data file has no history in git yet: only the current edition is listed."
    if unreadable:
        note = " ".join([note, "These past states of the data could not be read, so the changes they "
                               "hold are missing from this page:", "; ".join(unreadable) + "."]).strip()
    return History(list(reversed(editions)), note)


def digest(hist: History) -> str:
    return hashlib.sha256(json.dumps([hist.note, [e.__dict__ for e in hist.editions]], default=str,
                                     sort_keys=True).encode()).hexdigest()


def history_key(root: Path, data_file: Path, edition: str) -> str:
    """What the history is computed from: the file's git log, its text and date, the edition."""
    rel = data_file.resolve().relative_to(root.resolve()).as_posix()
    key = hashlib.sha256()
    for part in (edition, str(data_file.stat().st_mtime), _git(root, "rev-parse", "--is-shallow-repository"),
                 _git(root, "log", "--follow", "--format=@%H %cI", "--name-only", "--", rel)):
        key.update(repr(part).encode())
    key.update(data_file.read_bytes())
    return key.hexdigest()


def get_history(app: Sphinx) -> History:
    """The history, computed once per build, and only when its inputs changed since the last
    build (reading every past state of the data with the strict YAML loader takes seconds)."""
    if getattr(app, "whats_new_history", None) is None:
        src = Path(app.srcdir)
        top = _git(src, "rev-parse", "--show-toplevel")
        root = Path(top.strip()) if top else src.parent
        data_file = src / app.config.modeldata_models
        key = history_key(root, data_file, app.config.book_edition)
        cached = getattr(app.env, "whats_new_cache", None)
        if cached is not None and cached[0] == key:
            app.whats_new_history = cached[1]
        else:
            app.whats_new_history = history(root, data_file, app.config.book_edition)
            app.env.whats_new_cache = (key, app.whats_new_history)
    return app.whats_new_history


def anchor(edition: str) -> str:
    return "edition-" + edition.replace(".", "-")


def summary(ed: Edition) -> str:
    if ed.baseline is not None:
        return f"{ed.baseline} records (the oldest state in this history; no list of changes)."
    parts = [f"{len(ed.added)} model{'s' if len(ed.added) != 1 else ''} added",
             f"{len(ed.changed)} record{'s' if len(ed.changed) != 1 else ''} with changed facts"]
    if ed.removed:
        parts.append(f"{len(ed.removed)} removed")
    if ed.rechecked:
        parts.append(f"{ed.rechecked} re-checked without changes")
    return ", ".join(parts) + "."


class WhatsNew(SphinxDirective):
    def run(self) -> list[nodes.Node]:
        self.env.note_dependency(self.config.modeldata_models)
        docs = getattr(self.env, "whats_new_docs", set())
        docs.add(self.env.docname)
        self.env.whats_new_docs = docs
        hist = get_history(self.env.app)
        self.env.whats_new_digest = digest(hist)
        out: list[nodes.Node] = []
        feed = nodes.paragraph()
        feed += nodes.Text("Follow the changes in a feed reader: ")
        feed += nodes.reference("", "the Atom feed of this page", refuri=FEED)
        feed += nodes.Text(".")
        out.append(feed)
        if hist.note:
            out.append(nodes.note("", nodes.paragraph(text=hist.note)))
        known = {m.id for m in self.env.app.modeldata.models}
        for ed in hist.editions:
            section = nodes.section(ids=[anchor(ed.name)], names=[anchor(ed.name)])
            section += nodes.title(text=f"Edition {ed.name}")
            section += nodes.paragraph(text=summary(ed))
            for label, entries in (("Added", [(i, n, None) for i, n in ed.added]),
                                   ("Facts changed", ed.changed)):
                if not entries:
                    continue
                section += nodes.rubric(text=label)
                items = nodes.bullet_list()
                for ident, name, fields in sorted(entries, key=lambda e: e[1].lower()):
                    para = nodes.paragraph()
                    if ident in known:
                        ref = addnodes.pending_xref("", refdomain="std", reftype="doc",
                                                    reftarget=f"/model/{ident}", refexplicit=True, refwarn=True)
                        ref += nodes.inline(text=name)
                        para += ref
                    else:
                        para += nodes.Text(name)
                    if fields:
                        para += nodes.Text(": " + ", ".join(fields))
                    items += nodes.list_item("", para)
                section += items
            if ed.removed:
                section += nodes.rubric(text="Removed")
                section += nodes.paragraph(text=", ".join(sorted(n for _, n in ed.removed)))
            self.state.document.note_implicit_target(section, section)
            out.append(section)
        return out


def outdated(app: Sphinx, env, added, changed, removed) -> list[str]:
    """New commits change the page even when the data file did not change."""
    docs = getattr(env, "whats_new_docs", set())
    if docs and getattr(env, "whats_new_digest", None) != digest(get_history(app)):
        return sorted(docs & set(env.found_docs))
    return []


def purge(app: Sphinx, env, docname: str) -> None:
    getattr(env, "whats_new_docs", set()).discard(docname)


def merge(app: Sphinx, env, docnames, other) -> None:
    env.whats_new_docs = getattr(env, "whats_new_docs", set()) | (getattr(other, "whats_new_docs", set()) & set(docnames))
    if getattr(other, "whats_new_digest", None):
        env.whats_new_digest = other.whats_new_digest


def atom_feed(hist: History, base: str, title: str, author: str, page: str = "whats-new.html") -> str:
    """The editions as an Atom 1.0 feed (text content only)."""
    ET.register_namespace("", ATOM)

    def sub(parent, tag, text=None, **attrs):
        el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            el.text = text
        return el

    feed = ET.Element(f"{{{ATOM}}}feed")
    sub(feed, "title", f"{title}: what's new")
    sub(feed, "id", base + page)
    sub(feed, "updated", max(e.updated for e in hist.editions).isoformat())
    sub(feed, "link", rel="self", href=base + FEED)
    sub(feed, "link", rel="alternate", href=base + page)
    sub(sub(feed, "author"), "name", author)
    for ed in hist.editions:
        entry = sub(feed, "entry")
        sub(entry, "title", f"Edition {ed.name}: {summary(ed)}")
        sub(entry, "id", f"{base}{page}#{anchor(ed.name)}")
        sub(entry, "updated", ed.updated.isoformat())
        sub(entry, "link", rel="alternate", href=f"{base}{page}#{anchor(ed.name)}")
        lines = [summary(ed)]
        if ed.added:
            lines.append("Added: " + ", ".join(n for _, n in ed.added) + ".")
        if ed.changed:
            lines.append("Facts changed: " + "; ".join(f"{n} ({', '.join(f)})" for _, n, f in ed.changed) + ".")
        sub(entry, "summary", "\n".join(lines), type="text")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"


def write_feed(app: Sphinx, exception) -> None:
    from bookkit.extensions.book import html_only

    if exception or not html_only(app) or not getattr(app.env, "whats_new_docs", None):
        return
    base = (app.config.html_baseurl or "").rstrip("/") + "/"
    page = app.builder.get_target_uri(sorted(app.env.whats_new_docs)[0])
    text = atom_feed(get_history(app), base, app.config.project, app.config.author, page)
    path = Path(app.outdir) / FEED
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def feed_link(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if pagename in getattr(app.env, "whats_new_docs", set()):
        prefix = "../" * pagename.count("/")
        context["metatags"] = context.get("metatags", "") + (
            f'\n<link rel="alternate" type="application/atom+xml" title="What\'s new" href="{prefix}{FEED}">')


def setup(app: Sphinx) -> dict:
    app.setup_extension("bookkit.extensions.model_directives")
    app.add_directive("whats-new", WhatsNew)
    app.connect("env-get-outdated", outdated)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    app.connect("html-page-context", feed_link)
    app.connect("build-finished", write_feed)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}
