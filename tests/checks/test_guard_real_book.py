"""The real book passes every guard (fails until the chapters are clean)."""

from __future__ import annotations

import subprocess
import sys
import time

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


def test_make_lint_is_fast():
    start = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "bookkit.checks.lint"], capture_output=True, text=True, cwd=ROOT)
    took = time.perf_counter() - start
    assert "Traceback" not in res.stderr, res.stderr
    assert took < 5, f"make lint took {took:.1f} s"


@pytest.mark.build
def test_built_site_links_anchors_images_and_footers(html_dir):
    start = time.perf_counter()
    problems = linkcheck_internal.check(html_dir, ROOT)
    took = time.perf_counter() - start
    assert not problems, "\n" + "\n".join(problems)
    assert took < 10, f"the internal link check took {took:.1f} s"
