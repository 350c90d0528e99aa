"""Freshness, tested offline: records not checked for six months are listed
by `make lint` as warnings (never failures), and the weekly workflow's issue
step, run with a stand-in `gh` that records its calls, opens, updates or
closes ONE "Stale model records" issue."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml

from bookkit.checks import freshness, lint
from guardutil import HERE

ROOT = HERE.parents[1]
TODAY = date(2026, 12, 15)


def make_book(tmp_path: Path, checked: str) -> Path:
    """A copy of the book's data and config, with Mistral 7B last checked on ``checked``."""
    (tmp_path / "book" / "data").mkdir(parents=True)
    for name in ("licences.yaml", "models.yaml"):
        shutil.copy(ROOT / "book" / "data" / name, tmp_path / "book" / "data" / name)
    shutil.copy(ROOT / "book" / "_config.yml", tmp_path / "book" / "_config.yml")
    path = tmp_path / "book" / "data" / "models.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("- id: mistral-7b\n")
    end = text.index("\n- id:", start + 1)
    block = text[start:end]
    old = next(line for line in block.splitlines() if line.startswith("  checked:"))
    text = text[:start] + block.replace(old, f"  checked: {checked}") + text[end:]
    path.write_text(text, encoding="utf-8")
    return tmp_path


@pytest.fixture()
def book(tmp_path) -> Path:
    """Mistral 7B left unchecked for a year (370 days before TODAY)."""
    return make_book(tmp_path, "2025-12-10")


def test_stale_record_is_a_warning_with_file_line_and_what_to_do(book):
    warnings = freshness.warnings(book, TODAY)
    assert len(warnings) == 1, warnings
    line = (book / "book" / "data" / "models.yaml").read_text().splitlines().index("- id: mistral-7b") + 1
    assert warnings[0].startswith(f"book/data/models.yaml:{line}: warning: record 'mistral-7b'")
    assert "2025-12-10 (370 days ago)" in warnings[0] and "update 'checked'" in warnings[0]


def test_records_checked_within_six_months_are_not_stale(tmp_path):
    assert freshness.stale_records(make_book(tmp_path, "2026-06-20"), TODAY) == []  # 178 days


def test_lint_prints_the_warnings_but_does_not_fail(book, monkeypatch, capsys):
    monkeypatch.setattr(lint, "CHECKS", [])
    monkeypatch.setattr(lint, "WARNINGS", [lambda root: freshness.warnings(root, TODAY)])
    assert lint.main([str(book)]) == 0
    out, err = capsys.readouterr()
    assert "record 'mistral-7b' was last checked" in out and "1 warning(s)" in err


def test_issue_body_lists_records_with_links(book):
    stale = freshness.stale_records(book, TODAY)
    body = freshness.markdown(stale, TODAY, freshness.repository_url(book))
    repo = yaml.safe_load((ROOT / "book" / "_config.yml").read_text())["repository"]["url"]
    assert "| `mistral-7b` | Mistral 7B | 2025-12-10 | 370 |" in body
    assert f"({repo}/blob/main/book/data/models.yaml#L" in body
    assert "closed when no record is stale" in body


def test_command_exit_status(book, tmp_path):
    run = lambda root, *a: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "bookkit.checks.freshness", "--root", str(root), *a], capture_output=True, text=True)
    stale = run(book, "--today", TODAY.isoformat(), "--markdown")
    assert stale.returncode == 1 and "mistral-7b" in stale.stdout
    fresh = run(make_book(tmp_path / "fresh", "2026-06-20"), "--today", TODAY.isoformat(), "--markdown")
    assert fresh.returncode == 0 and "Every model record was checked" in fresh.stdout


# --- the workflow, offline --------------------------------------------------------------

FAKE_GH = """#!/usr/bin/env bash
echo "$*" >> "$GH_LOG"
if [ "$1 $2" = "issue list" ]; then printf '%s' "$OPEN_ISSUE"; fi
"""


def issue_step() -> str:
    wf = yaml.safe_load((ROOT / ".github" / "workflows" / "stale.yml").read_text())
    steps = wf["jobs"]["stale"]["steps"]
    return next(s["run"] for s in steps if "tracking issue" in s.get("name", ""))


def run_issue_step(tmp_path: Path, status: int, open_issue: str) -> tuple[int, list[str]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    gh = bin_dir / "gh"
    gh.write_text(FAKE_GH)
    gh.chmod(0o755)
    log = tmp_path / "gh.log"
    log.write_text("")
    (tmp_path / "stale.md").write_text("body")
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "GH_LOG": str(log), "OPEN_ISSUE": open_issue,
           "STATUS": str(status), "GH_TOKEN": "none"}
    done = subprocess.run(["bash", "-e", "-c", issue_step()], cwd=tmp_path, env=env, capture_output=True, text=True)
    return done.returncode, log.read_text().splitlines()


def test_workflow_is_weekly_and_lists_with_the_freshness_check():
    wf = yaml.safe_load((ROOT / ".github" / "workflows" / "stale.yml").read_text())
    triggers = wf[True] if True in wf else wf["on"]
    assert "schedule" in triggers
    runs = "\n".join(s.get("run", "") for s in wf["jobs"]["stale"]["steps"])
    assert "bookkit.checks.freshness --markdown" in runs
    assert wf["jobs"]["stale"]["permissions"] == {"issues": "write"}


def test_workflow_opens_one_issue_when_records_go_stale(tmp_path):
    code, calls = run_issue_step(tmp_path, status=1, open_issue="")
    assert code == 0
    assert calls[0].startswith("issue list") and 'in:title "Stale model records"' in calls[0]
    assert calls[1] == "issue create --title Stale model records --body-file stale.md"


def test_workflow_updates_the_open_issue_instead_of_opening_another(tmp_path):
    code, calls = run_issue_step(tmp_path, status=1, open_issue="42")
    assert code == 0 and calls[1] == "issue edit 42 --body-file stale.md"
    assert not any("create" in c for c in calls)


def test_workflow_closes_the_issue_when_nothing_is_stale(tmp_path):
    code, calls = run_issue_step(tmp_path, status=0, open_issue="42")
    assert code == 0 and calls[1].startswith("issue close 42")
    code, calls = run_issue_step(tmp_path, status=0, open_issue="")
    assert code == 0 and len(calls) == 1, "nothing to close"


def test_workflow_fails_loudly_when_the_check_crashes(tmp_path):
    code, calls = run_issue_step(tmp_path, status=2, open_issue="42")
    assert code != 0 and len(calls) == 1, "no issue is touched when the data does not load"
