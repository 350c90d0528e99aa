"""Browser tests: the built book in headless Debian Chromium, driven by Playwright.

* The site (_build/html, built by ``make test`` just before pytest) is served
  on 127.0.0.1, on a free port, by a thread, gzip on, under the path of the
  site's base URL (``/open-models/``), with 404.html for missing pages: as
  GitHub Pages serves it (bookkit.tools.sitesrv).
* The browser is /usr/bin/chromium (``apt-get install chromium``); Playwright
  never downloads one. Every request to a host other than 127.0.0.1 is
  recorded and aborted, unless a test installs a stub for it (the
  utterances tests stub utteranc.es).
* Each page is opened once per viewport and shared by the tests that only
  read it (``visit``); tests that click or scroll open their own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bookkit.tools.sitesrv import serve, site_prefix
from browserkit import BOOK, CHROMIUM, CHROMIUM_ARGS, DESKTOP, HTML, ROOT, Visit, open_visit

# --- server and browser --------------------------------------------------------
@pytest.fixture(scope="session")
def site() -> str:
    if not (HTML / "index.html").is_file():
        pytest.fail(f"{HTML}/index.html is missing: build the book first (make html, or make test)")
    with serve(HTML, gzip=True, prefix=site_prefix(BOOK / "_config.yml")) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (scripts/ensure-chromium.sh)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def visit(browser, site):
    """``visit(page, viewport=DESKTOP)``: the page opened once, shared (read-only use)."""
    cache: dict[tuple, Visit] = {}

    def get(page: str, viewport=DESKTOP) -> Visit:
        key = (page, tuple(sorted(viewport.items())))
        if key not in cache:
            cache[key] = open_visit(browser, site + page, viewport=viewport)
        return cache[key]

    yield get
    for v in cache.values():
        v.page.context.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    path = ROOT / "node_modules" / "axe-core" / "axe.min.js"
    if not path.is_file():
        pytest.fail("node_modules/axe-core is missing: run `npm ci` (make test does)")
    return path.read_text(encoding="utf-8")
