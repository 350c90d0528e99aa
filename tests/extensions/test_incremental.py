"""An incremental build gives the same site as a clean build of the same
sources: every page, the search index (with the glossary's entries), the
sitemap and the generated files, compared byte for byte
(bookkit.tools.sitediff; dates are from git in both)."""

from __future__ import annotations

import json
import re
import subprocess

from bookkit.tools.sitediff import compare
from bookpaths import copy_book, sphinx_build


def git(repo, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=test@example.org", *args],
                   cwd=repo, check=True, capture_output=True)


def index_entries(html) -> dict:
    text = (html / "searchindex.js").read_text(encoding="utf-8")
    data = json.loads(re.match(r"Search\.setIndex\((.*)\)\s*$", text, re.S).group(1))
    return data["indexentries"]


def test_incremental_build_equals_clean_build(tmp_path):
    book = copy_book(tmp_path)  # tmp_path/book, a git repository of its own for the dates
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "book")
    first = sphinx_build(book, tmp_path / "incremental")
    assert first.returncode == 0, first.stderr
    glossary_entries = index_entries(tmp_path / "incremental" / "html")
    assert glossary_entries, "the clean build's search index has no glossary entries"

    chapter = book / "timeline.md"
    chapter.write_text(chapter.read_text(encoding="utf-8")
                       + "\n\n## A section added later\n\nA new paragraph about {term}`open weights <Open weights>`.\n",
                       encoding="utf-8")
    git(tmp_path, "commit", "-q", "-am", "edit a chapter")
    again = sphinx_build(book, tmp_path / "incremental")
    assert again.returncode == 0, again.stderr
    clean = sphinx_build(book, tmp_path / "clean")
    assert clean.returncode == 0, clean.stderr

    report = compare(tmp_path / "incremental" / "html", tmp_path / "clean" / "html", ignore_dates=True)
    assert report.same, "incremental and clean builds differ:\n" + "\n".join(report.lines())
    assert index_entries(tmp_path / "incremental" / "html") == glossary_entries
    assert "A section added later" in (tmp_path / "incremental" / "html" / "searchindex.js").read_text()
