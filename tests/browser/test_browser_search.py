"""Offline search: a model's name finds the chapter that covers it."""

from __future__ import annotations

import re
from urllib.parse import quote_plus

import pytest
import yaml

from browserkit import BOOK, HTML, toc_pages

pytestmark = pytest.mark.browser


def _text(html: str) -> str:
    article = re.search(r'<article class="bd-article">(.*?)</article>', html, re.S)
    body = article.group(1) if article else html
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def model_cases() -> list[tuple[str, str]]:
    """(model name, a page whose text names it), the Models chapter first."""
    path = BOOK / "data" / "models.yaml"
    if not path.is_file():
        return []
    names = [m["name"] for m in yaml.safe_load(path.read_text(encoding="utf-8")) or [] if m.get("name")]
    pages = [p for p in toc_pages() if (HTML / p).is_file()]
    pages.sort(key=lambda p: p != "models.html")
    texts = {p: _text((HTML / p).read_text(encoding="utf-8")) for p in pages}
    cases = []
    for name in names:
        page = next((p for p in pages if name in texts[p]), None)
        if page:
            cases.append((name, page))
    return cases[:3]


def test_search_for_a_model_name_returns_its_chapter(browser, site):
    cases = model_cases()
    if not cases:
        pytest.skip("no page of the built book names a model of book/data/models.yaml yet")
    context = browser.new_context()
    page = context.new_page()
    try:
        for name, chapter in cases:
            page.goto(site + "search.html?q=" + quote_plus(name))
            page.wait_for_selector("#search-results ul.search li", timeout=10000)
            # Results are listed one by one: wait for the last (Sphinx's status line).
            page.wait_for_function("() => /Search finished/.test("
                                   "(document.querySelector('.search-summary') || {}).innerText || '')",
                                   timeout=30000)
            links = page.eval_on_selector_all(
                "#search-results ul.search li a", "els => els.map(a => a.getAttribute('href'))"
            )
            pages = [re.sub(r"[?#].*$", "", href) for href in links]
            assert chapter in pages, f"searching {name!r}: results {pages} lack {chapter}"
    finally:
        context.close()


def test_search_box_submits_to_the_search_page(browser, site):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        page.goto(site + "index.html")
        page.keyboard.press("Control+k")
        field = page.locator("#pst-search-dialog input[name=q]")
        field.wait_for(state="visible")
        field.fill("licence")
        field.press("Enter")
        page.wait_for_url(re.compile(r"search\.html\?q=licence"))
        page.wait_for_selector("#search-results", timeout=10000)
    finally:
        context.close()
