"""Helpers of the browser tests (conftest.py has the fixtures)."""


from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import urlparse

import yaml

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "book"
HTML = ROOT / "_build" / "html"
CHROMIUM = os.environ.get("BOOK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 667}


# --- what the book contains ------------------------------------------------------
def book_config() -> dict:
    return yaml.safe_load((BOOK / "_config.yml").read_text(encoding="utf-8"))


def _toc_files(node) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        for key in ("root", "file"):
            if isinstance(node.get(key), str):
                found.append(node[key])
        for key in ("parts", "chapters", "sections"):
            for child in node.get(key, []) or []:
                found.extend(_toc_files(child))
    return found


def toc_pages() -> list[str]:
    """Every page of _toc.yml (front page first), as its .html path."""
    toc = yaml.safe_load((BOOK / "_toc.yml").read_text(encoding="utf-8"))
    pages = []
    for name in _toc_files(toc):
        stem = str(Path(name).with_suffix("")) if Path(name).suffix in (".md", ".ipynb") else name
        pages.append(f"{stem}.html")
    return list(dict.fromkeys(pages))


def chapter_pages() -> list[str]:
    """The chapters: every _toc.yml page except the root (front page)."""
    return toc_pages()[1:]


# Pages the reader can reach that are not in the toc.
EXTRA_PAGES = ["search.html", "genindex.html", "model/mistral-7b.html"]
ALL_PAGES = toc_pages() + EXTRA_PAGES


@dataclass
class Visit:
    """One page opened in a fresh browser context, with what happened at load."""

    page: object
    url: str
    console_errors: list[str] = field(default_factory=list)
    failed_local: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    external_after_load: list[str] = field(default_factory=list)
    loaded: bool = False
    status: int | None = None

    def note_external(self, url: str) -> None:
        (self.external_after_load if self.loaded else self.external).append(url)


Stub = Callable[[object], bool]  # route -> handled?


def open_visit(browser, url: str, *, viewport=DESKTOP, color_scheme="light", stub: Stub | None = None,
               bypass_csp: bool = False) -> Visit:
    context = browser.new_context(viewport=viewport, color_scheme=color_scheme, service_workers="block",
                                  bypass_csp=bypass_csp)
    page = context.new_page()
    visit = Visit(page=page, url=url)

    def on_route(route):
        request_url = route.request.url
        host = urlparse(request_url).hostname
        if host == "127.0.0.1" or request_url.startswith(("data:", "blob:")):
            route.continue_()
            return
        visit.note_external(request_url)
        if stub is not None and stub(route):
            return
        route.abort()

    context.route("**/*", on_route)

    def on_console(msg):
        if msg.type != "error" or visit.loaded:
            return
        if (msg.location or {}).get("url") == url and "status of 404" in msg.text:
            return  # the 404 page's own status, tested by its test
        visit.console_errors.append(msg.text)

    def on_pageerror(err):
        if not visit.loaded:
            visit.console_errors.append(f"uncaught: {err}")

    def on_response(response):
        if urlparse(response.url).hostname == "127.0.0.1" and response.status >= 400 and not visit.loaded:
            if response.url != url:  # the 404 page itself is expected to be a 404
                visit.failed_local.append(f"{response.status} {response.url}")

    def on_failed(request):
        if urlparse(request.url).hostname == "127.0.0.1" and not visit.loaded:
            visit.failed_local.append(f"failed {request.url}: {request.failure}")

    page.on("console", on_console)
    page.on("pageerror", on_pageerror)
    page.on("response", on_response)
    page.on("requestfailed", on_failed)
    response = page.goto(url, wait_until="load")
    visit.status = response.status if response else None
    # Loaded means: the fonts (icon subsets are requested when first used),
    # every image not marked lazy, and the scripts run after the load event.
    page.evaluate(SETTLED_JS)
    visit.loaded = True
    return visit


# The explicit conditions that a page has finished loading, in place of
# waiting for the network to be idle (which costs half a second a page).
SETTLED_JS = """
async () => {
  await document.fonts.ready;
  await Promise.all(Array.from(document.images)
    .filter(img => img.loading !== "lazy" && !img.complete)
    .map(img => new Promise(done => { img.onload = img.onerror = done; })));
  await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
  await new Promise(done => requestIdleCallback(done, {timeout: 2000}));
  return true;
}
"""

# Two frames: IntersectionObserver callbacks for what a scroll revealed have run.
AFTER_TWO_FRAMES_JS = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


