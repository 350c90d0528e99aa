"""The real book passes every guard (fails until the chapters are clean)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bookkit.checks import bib as bibcheck
from bookkit.checks import links_internal as linkcheck_internal
from bookkit.checks import pages as pagecheck
from bookkit.checks import urls as urlcheck
from guardutil import HERE

ROOT = HERE.parents[1]


@pytest.mark.parametrize("check", [bibcheck.check, pagecheck.check, urlcheck.check],
                         ids=["bibcheck", "pagecheck", "urlcheck"])
def test_real_book_passes(check):
    problems = check(ROOT)
    assert not problems, "\n" + "\n".join(problems)


def test_make_lint_runs_clean():
    # How long it takes is measured by `make bench`, not asserted here.
    res = subprocess.run([sys.executable, "-m", "bookkit.checks.lint"], capture_output=True, text=True, cwd=ROOT)
    assert "Traceback" not in res.stderr, res.stderr


@pytest.mark.build
def test_built_site_links_anchors_images_and_footers(html_dir):
    problems = linkcheck_internal.check(html_dir, ROOT)
    assert not problems, "\n" + "\n".join(problems)
