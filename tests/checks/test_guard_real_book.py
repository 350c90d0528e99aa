"""The real book passes every guard (fails until the chapters are clean)."""

from __future__ import annotations

import pytest

from bookkit.checks import bib as bibcheck
from bookkit.checks import htmlsafety
from bookkit.checks import links_internal as linkcheck_internal
from bookkit.checks import pages as pagecheck
from bookkit.checks import rendered
from bookkit.checks import urls as urlcheck
from guardutil import HERE

ROOT = HERE.parents[1]


@pytest.mark.parametrize("check", [bibcheck.check, pagecheck.check, urlcheck.check],
                         ids=["bibcheck", "pagecheck", "urlcheck"])
def test_real_book_passes(check):
    problems = check(ROOT)
    assert not problems, "\n" + "\n".join(problems)


@pytest.mark.build
def test_built_site_links_anchors_images_and_footers(html_dir):
    problems = linkcheck_internal.check(html_dir, ROOT)
    assert not problems, "\n" + "\n".join(problems)


@pytest.mark.build
def test_built_site_content_follows_the_html_allow_list(html_dir):
    problems = htmlsafety.check(html_dir, ROOT)
    assert not problems, "\n" + "\n".join(problems)


@pytest.mark.build
def test_built_pages_read_right(html_dir):
    problems = rendered.check(html_dir, ROOT)
    assert not problems, "\n" + "\n".join(problems)
