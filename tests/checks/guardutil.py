"""Helpers for the guard tests: copy the good fixture book, break one thing."""

from __future__ import annotations

import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
GOOD = FIXTURES / "good"


def good_book(tmp_path: Path) -> Path:
    """A fresh copy of fixtures/good (a tiny repo with book/) that passes every guard."""
    repo = tmp_path / "repo"
    shutil.copytree(GOOD, repo)
    return repo


def edit(repo: Path, rel: str, old: str, new: str) -> None:
    """Replace exactly one occurrence of ``old`` (the fault) in repo/rel."""
    path = repo / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"fixture text {old!r} must occur once in {rel}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def append(repo: Path, rel: str, text: str) -> None:
    path = repo / rel
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def line_of(repo: Path, rel: str, needle: str) -> int:
    """1-based line of the first line containing ``needle``."""
    for no, line in enumerate((repo / rel).read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return no
    raise AssertionError(f"{needle!r} not in {rel}")


def only(problems: list[str], expected_start: str, *words: str) -> str:
    """Assert there is exactly one problem, at ``expected_start`` (file:line:),
    whose message contains every word; return it."""
    assert len(problems) == 1, "expected exactly one problem, got:\n" + "\n".join(problems)
    (p,) = problems
    assert p.startswith(expected_start), f"{p!r} should start with {expected_start!r}"
    for w in words:
        assert w in p, f"{w!r} not in {p!r}"
    return p
