"""Comments (utterances) on every chapter: configured, lazy, following the theme.

utteranc.es is never contacted: its client.js and iframe page are replaced by
stubs that behave like the real ones where it matters here (the client reads
its script tag's attributes and inserts an iframe; the iframe records the
``set-theme`` messages it receives).
"""

from __future__ import annotations

import json
import re

import pytest

from browserkit import AFTER_TWO_FRAMES_JS, book_config, chapter_pages, open_visit

pytestmark = pytest.mark.browser

CLIENT_STUB = """
(function () {
  var s = document.currentScript, attrs = {};
  ["repo", "issue-term", "label", "theme", "crossorigin"].forEach(function (a) { attrs[a] = s.getAttribute(a); });
  window.__utterancesClient = attrs;
  var box = document.createElement("div");
  box.className = "utterances";
  var frame = document.createElement("iframe");
  frame.className = "utterances-frame";
  frame.title = "Comments";
  frame.src = "https://utteranc.es/utterances.html?theme=" + encodeURIComponent(attrs.theme);
  box.appendChild(frame);
  s.parentNode.insertBefore(box, s.nextSibling);
})();
"""
FRAME_STUB = """<!doctype html><html lang="en"><head><title>utterances stub</title></head><body>
<script>window.received = []; addEventListener("message", function (e) { window.received.push(e.data); });</script>
</body></html>"""


def utterances_stub(route) -> bool:
    url = route.request.url
    if url.startswith("https://utteranc.es/client.js"):
        route.fulfill(status=200, content_type="application/javascript", body=CLIENT_STUB)
        return True
    if url.startswith("https://utteranc.es/utterances.html"):
        route.fulfill(status=200, content_type="text/html", body=FRAME_STUB)
        return True
    return False


def expected_settings() -> dict:
    config = book_config()
    repo = "/".join(config["repository"]["url"].rstrip("/").split("/")[-2:])
    utterances = config["html"]["comments"]["utterances"]
    return {
        "repo": repo,
        "issueTerm": utterances.get("issue-term", "pathname"),
        "label": utterances.get("label", "comments"),
    }


BOX_JS = "() => { const b = document.querySelector('div.book-comments'); return b ? Object.assign({}, b.dataset) : null; }"


@pytest.mark.parametrize("page", chapter_pages())
def test_comments_container_and_settings_on_every_chapter(visit, page):
    v = visit(page)
    data = v.page.evaluate(BOX_JS)
    assert data is not None, f"{page}: no div.book-comments"
    want = expected_settings()
    for key, value in want.items():
        assert data.get(key) == value, f"{page}: data-{key} is {data.get(key)!r}, want {value!r}"
    assert data.get("theme") in ("github-light", "github-dark"), f"{page}: data-theme {data.get('theme')!r}"
    assert data.get("theme") == data.get("themeLight"), f"{page}: light page, comments theme {data.get('theme')!r}"
    assert not any("utteranc.es" in u for u in v.external), f"{page}: utterances requested at load"
    # The broken stock script must not be there.
    assert v.page.evaluate("() => document.querySelectorAll('script[kind=utterances]').length") == 0


def _scroll_to_end(page) -> None:
    page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")


@pytest.mark.parametrize("page", chapter_pages())
def test_widget_script_is_requested_only_after_scrolling_to_the_end(browser, site, page):
    # A short window, so that even a short chapter scrolls.
    v = open_visit(browser, site + page, viewport={"width": 1000, "height": 400}, stub=utterances_stub)
    try:
        assert v.external == [], f"{page}: requests to other hosts at load: {v.external}"
        scrollable = v.page.evaluate("() => document.documentElement.scrollHeight > innerHeight + 50")
        assert scrollable, f"{page}: does not scroll at 400 px height"
        # A small scroll that does not reach the comments requests nothing.
        far = v.page.evaluate(
            "() => { scrollBy(0, 60); return document.querySelector('.book-comments').getBoundingClientRect().top > innerHeight + 400; }"
        )
        if far:
            v.page.evaluate(AFTER_TWO_FRAMES_JS)  # the scroll's intersection callbacks have run
            assert v.external_after_load == [], f"{page}: requested before the end: {v.external_after_load}"
        with v.page.expect_request(re.compile(r"^https://utteranc\.es/client\.js"), timeout=5000):
            _scroll_to_end(v.page)
        client = v.page.wait_for_function("() => window.__utterancesClient").json_value()
        want = expected_settings()
        assert client["repo"] == want["repo"]
        assert client["issue-term"] == want["issueTerm"]
        assert client["label"] == want["label"]
        assert client["theme"] == "github-light"
    finally:
        v.page.context.close()


def test_show_comments_button_loads_the_widget(browser, site):
    page = chapter_pages()[0]
    v = open_visit(browser, site + page, stub=utterances_stub)
    try:
        assert v.external == []
        with v.page.expect_request(re.compile(r"^https://utteranc\.es/client\.js"), timeout=5000):
            v.page.dispatch_event(".book-comments__load", "click")
        v.page.wait_for_selector(".book-comments iframe.utterances-frame", state="attached")
    finally:
        v.page.context.close()


def _switch_to(page, theme: str) -> None:
    for _ in range(4):
        if page.evaluate("() => document.documentElement.dataset.theme") == theme:
            return
        page.click(".article-header-buttons .theme-switch-button")
    raise AssertionError(f"the theme switch never reached {theme!r}")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_theme_switch_changes_page_and_comments_theme(browser, site, scheme):
    page = "models.html" if "models.html" in chapter_pages() else chapter_pages()[0]
    v = open_visit(browser, site + page, color_scheme=scheme, stub=utterances_stub)
    p = v.page
    try:
        box = ".book-comments"
        # Before the widget loads, the OS preference decides (auto mode).
        assert p.evaluate("() => document.documentElement.dataset.theme") == scheme
        assert p.get_attribute(box, "data-theme") == f"github-{scheme}"
        other = "dark" if scheme == "light" else "light"
        # Switch before loading: the widget starts with the site's theme.
        _switch_to(p, other)
        assert p.get_attribute(box, "data-theme") == f"github-{other}"
        # dispatch_event: a real click would scroll, and scrolling to the
        # comments loads them by itself.
        p.dispatch_event(".book-comments__load", "click")
        client = p.wait_for_function("() => window.__utterancesClient").json_value()
        assert client["theme"] == f"github-{other}"
        iframe = p.wait_for_selector(".book-comments iframe.utterances-frame", state="attached")
        frame = iframe.content_frame()
        assert frame is not None, "the utterances iframe has no frame"
        frame.wait_for_url(re.compile(r"^https://utteranc\.es/utterances\.html"))
        frame.wait_for_load_state()
        frame.wait_for_function("() => Array.isArray(window.received)")
        # Switch after loading: the page and the widget (postMessage) follow.
        _switch_to(p, scheme)
        assert p.get_attribute(box, "data-theme") == f"github-{scheme}"
        frame.wait_for_function("() => window.received.length > 0", timeout=3000)
        received = frame.evaluate("() => window.received")
        assert received[-1] == {"type": "set-theme", "theme": f"github-{scheme}"}, json.dumps(received)
        # The page's own colours changed too.
        assert p.evaluate("() => document.documentElement.dataset.theme") == scheme
    finally:
        p.context.close()
