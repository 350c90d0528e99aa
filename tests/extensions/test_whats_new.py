"""What's new: editions from the data's git history (full clone, shallow clone,
no git at all), and its Atom feed read back by a feed parser."""

from __future__ import annotations

import os
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from xml.etree import ElementTree as ET

import feedparser
import pytest

from bookkit.extensions import whats_new as wn

ATOM = "{http://www.w3.org/2005/Atom}"


def record(ident: str, **fields) -> str:
    lines = [f"- id: {ident}", f"  name: {fields.pop('name', ident.upper())}"]
    lines += [f"  {k}: {v}" for k, v in {"parameters_b": 7, "checked": "2026-01-01", **fields}.items()]
    return "\n".join(lines) + "\n"


def commit(repo: Path, when: str, text: str, message: str) -> None:
    (repo / "book" / "data").mkdir(parents=True, exist_ok=True)
    (repo / "book" / "data" / "models.yaml").write_text(text, encoding="utf-8")
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when,
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True, env=env)
    subprocess.run(["git", "-C", str(repo), "commit", "-q", "-m", message], check=True, env=env)


@pytest.fixture()
def repo(tmp_path) -> Path:
    repo = tmp_path / "full"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    commit(repo, "2026-10-05T10:00:00+00:00", record("a") + record("b"), "two models")
    commit(repo, "2026-10-20T10:00:00+00:00", record("a") + record("b", parameters_b=8), "b: fix")
    commit(repo, "2026-11-02T10:00:00+00:00",
           record("a", checked="2026-11-01") + record("b", parameters_b=9) + record("c"), "c added")
    return repo


def data_file(repo: Path) -> Path:
    return repo / "book" / "data" / "models.yaml"


def test_full_history_lists_each_edition_newest_first(repo):
    hist = wn.history(repo, data_file(repo), "2026.11")
    assert hist.note == ""
    assert [e.name for e in hist.editions] == ["2026.11", "2026.10"]
    nov, oct_ = hist.editions
    assert oct_.added == [("a", "A"), ("b", "B")], "the first edition adds every record"
    assert nov.added == [("c", "C")]
    assert nov.changed == [("b", "B", ["parameters_b"])], "the month's last commit against the previous month's"
    assert nov.rechecked == 1, "a record only re-checked is counted, not listed as changed"


def test_working_copy_is_the_configured_edition(repo):
    data_file(repo).write_text(data_file(repo).read_text() + record("d"), encoding="utf-8")
    hist = wn.history(repo, data_file(repo), "2026.12")
    assert [e.name for e in hist.editions] == ["2026.12", "2026.11", "2026.10"]
    assert hist.editions[0].added == [("d", "D")]


def test_shallow_clone_degrades_with_a_clear_note(repo, tmp_path):
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow)], check=True)
    hist = wn.history(shallow, data_file(shallow), "2026.11")
    assert "shallow clone" in hist.note and "git fetch --unshallow" in hist.note
    assert [e.name for e in hist.editions] == ["2026.11"]
    assert hist.editions[0].baseline == 3 and hist.editions[0].added == [], "no invented additions"
    assert "oldest state" in wn.summary(hist.editions[0])


def test_no_git_lists_the_current_edition_only(tmp_path):
    (tmp_path / "book" / "data").mkdir(parents=True)
    (tmp_path / "book" / "data" / "models.yaml").write_text(record("a"), encoding="utf-8")
    env_dir = tmp_path / "book"
    hist = wn.history(tmp_path, env_dir / "data" / "models.yaml", "2026.12")
    assert "No git history" in hist.note
    assert [(e.name, e.baseline) for e in hist.editions] == [("2026.12", 1)]


def test_atom_feed_is_valid_for_a_feed_reader(repo):
    hist = wn.history(repo, data_file(repo), "2026.11")
    text = wn.atom_feed(hist, "https://example.org/book/", "A <Book> & co", "Authors")
    root = ET.fromstring(text.encode())
    assert root.tag == f"{ATOM}feed"
    for tag in ("title", "id", "updated", "author"):
        assert root.find(f"{ATOM}{tag}") is not None, f"Atom requires feed/{tag}"
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 2
    for entry in entries:
        for tag in ("title", "id", "updated", "summary"):
            assert entry.find(f"{ATOM}{tag}") is not None, f"Atom requires entry/{tag}"
    feed = feedparser.parse(text)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title == "A <Book> & co: what's new"
    assert feed.entries[0].link == "https://example.org/book/whats-new.html#edition-2026-11"
    assert "C" in feed.entries[0].summary and feed.entries[0].updated_parsed is not None


@pytest.mark.build
def test_built_page_and_feed_agree(html_dir):
    from bs4 import BeautifulSoup

    page = BeautifulSoup((html_dir / "whats-new.html").read_text(encoding="utf-8"), "html.parser")
    link = page.select_one('link[rel="alternate"][type="application/atom+xml"]')
    assert link is not None and link["href"] == "whats-new.atom"
    feed = feedparser.parse((html_dir / "whats-new.atom").read_text(encoding="utf-8"))
    assert feed.bozo == 0 and feed.entries, "the website's feed parses and has entries"
    sections = [s["id"] for s in page.select("section[id^=edition-]")]
    assert [e.link.split("#")[1] for e in feed.entries] == sections
    newest = datetime(*feed.entries[0].updated_parsed[:6], tzinfo=timezone.utc)
    assert newest.year >= 2026


def test_history_is_recomputed_only_when_its_inputs_change(repo, monkeypatch):
    from types import SimpleNamespace

    calls = []
    real = wn.history
    monkeypatch.setattr(wn, "history", lambda *args: calls.append(args) or real(*args))
    env = SimpleNamespace()
    config = SimpleNamespace(modeldata_models="data/models.yaml", book_edition="2026.11")

    def build():  # one build: a new application object, the same saved environment
        return wn.get_history(SimpleNamespace(srcdir=str(repo / "book"), config=config, env=env))

    first = build()
    assert build() == first and len(calls) == 1, "nothing changed: the saved history is used"
    commit(repo, "2026-11-20T10:00:00+00:00", record("a") + record("b", parameters_b=9) + record("d"), "d added")
    assert "d" in [m for m, _ in build().editions[0].added] and len(calls) == 2, "a new commit: recomputed"
    config.book_edition = "2026.12"
    assert build().editions[0].name == "2026.12" and len(calls) == 3, "a new edition: recomputed"
