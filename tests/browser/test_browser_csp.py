"""The Content-Security-Policy is on every page, blocks what it should, and the
book still works under it: comments, search, the theme switch, the print and
fullscreen buttons, with no policy violation reported by the browser.

Violations are collected with the ``securitypolicyviolation`` event (an init
script, installed before any page script runs) as well as from the console.
"""

from __future__ import annotations

import re
from urllib.parse import quote_plus

import pytest

from browserkit import ALL_PAGES, chapter_pages
from test_browser_comments import utterances_stub

pytestmark = pytest.mark.browser

RECORD = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sourceFile || "") + ":" + e.lineNumber);
});
window.__printed = 0;
window.print = function () { window.__printed += 1; };
"""
POLICY_JS = """() => {
  const m = document.querySelector('meta[http-equiv="Content-Security-Policy"]');
  const r = document.querySelector('meta[name="referrer"]');
  const first = document.head.querySelector('meta[http-equiv], script');
  return {policy: m && m.content, referrer: r && r.content,
          first: first && first.outerHTML.slice(0, 60),
          handlers: [...document.querySelectorAll('*')].flatMap(el => [...el.attributes]
            .filter(a => a.name.startsWith('on')).map(a => el.tagName + ' ' + a.name))};
}"""


def open_page(browser, url: str, *, stub=None, color_scheme="light"):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, color_scheme=color_scheme,
                                  service_workers="block")
    context.add_init_script(RECORD)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda msg: console.append(msg.text) if "Content Security Policy" in msg.text else None)

    def on_route(route):
        if route.request.url.startswith("http://127.0.0.1") or (stub and stub(route)):
            if route.request.url.startswith("http://127.0.0.1"):
                route.continue_()
            return
        route.abort()

    context.route("**/*", on_route)
    page.goto(url, wait_until="load")
    return page, console


def violations(page, console) -> list[str]:
    return page.evaluate("() => window.__csp") + console


def directives(policy: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}


@pytest.mark.parametrize("name", ALL_PAGES)
def test_every_page_has_the_policy_first_and_no_violation(browser, site, name):
    page, console = open_page(browser, site + name)
    try:
        found = page.evaluate(POLICY_JS)
        assert found["policy"], f"{name}: no Content-Security-Policy meta"
        assert found["first"].startswith('<meta http-equiv="Content-Security-Policy"'), found["first"]
        d = directives(found["policy"])
        assert d["object-src"] == ["'none'"]
        assert d["frame-src"] == ["https://utteranc.es"]
        assert d["base-uri"] == ["'self'"] and d["form-action"] == ["'self'"]
        assert "'unsafe-inline'" not in d["script-src"] and "'unsafe-eval'" not in d["script-src"]
        assert set(d["script-src"]) - {"'self'", "https://utteranc.es"} <= {
            s for s in d["script-src"] if s.startswith("'sha256-")}
        assert found["referrer"] == "same-origin"
        assert found["handlers"] == [], f"{name}: inline event handlers {found['handlers']}"
        assert violations(page, console) == [], f"{name}: {violations(page, console)}"
        assert page.evaluate("() => document.querySelectorAll('script[type=\"text/x-thebe-config\"]').length") == 0
    finally:
        page.context.close()


def test_policy_blocks_an_injected_handler(browser, site):
    """What the policy is for: script that got into a page does not run."""
    page, console = open_page(browser, site + "index.html")
    try:
        page.evaluate("""() => {
          const box = document.createElement('div');
          box.innerHTML = '<img src="data:," onerror="window.__pwned = 1"><a id="x" onclick="window.__pwned = 2">x</a>';
          document.body.appendChild(box);
          document.getElementById('x').click();
          const s = document.createElement('script'); s.textContent = 'window.__pwned = 3';
          document.body.appendChild(s);
        }""")
        page.wait_for_timeout(300)
        assert page.evaluate("() => window.__pwned") is None
        assert any("script-src" in v for v in page.evaluate("() => window.__csp")), console
    finally:
        page.context.close()


def test_comments_iframe_is_created_under_the_policy(browser, site):
    chapter = chapter_pages()[0]
    page, console = open_page(browser, site + chapter, stub=utterances_stub)
    try:
        page.dispatch_event(".book-comments__load", "click")
        frame = page.wait_for_selector(".book-comments iframe.utterances-frame", state="attached")
        assert frame.get_attribute("src").startswith("https://utteranc.es/utterances.html?theme=github-")
        for _ in range(50):
            if any(f.url.startswith("https://utteranc.es/utterances.html") for f in page.frames):
                break
            page.wait_for_timeout(100)
        assert any(f.url.startswith("https://utteranc.es/utterances.html") for f in page.frames), \
            "the utterances frame did not load under the policy"
        assert violations(page, console) == []
    finally:
        page.context.close()


def test_search_works_under_the_policy(browser, site):
    page, console = open_page(browser, site + "search.html?q=" + quote_plus("licence"))
    try:
        page.wait_for_selector("#search-results ul.search li a", timeout=10000)
        assert violations(page, console) == []
    finally:
        page.context.close()


def test_theme_switch_works_under_the_policy(browser, site):
    page, console = open_page(browser, site + "models.html" if "models.html" in ALL_PAGES else site + ALL_PAGES[0])
    try:
        seen = set()
        for _ in range(3):
            page.click(".article-header-buttons .theme-switch-button")
            seen.add(page.evaluate("() => document.documentElement.dataset.theme"))
        assert seen == {"light", "dark"}
        assert violations(page, console) == []
    finally:
        page.context.close()


def test_print_button_works_without_an_inline_handler(browser, site):
    page, console = open_page(browser, site + chapter_pages()[0])
    try:
        button = page.locator(".btn-download-pdf-button")
        assert button.get_attribute("onclick") is None
        assert button.get_attribute("data-bookkit-action") == "print"
        button.dispatch_event("click")
        page.wait_for_function("() => window.__printed === 1", timeout=3000)
        assert re.search(r"fullscreen", page.locator(".btn-fullscreen-button").get_attribute("data-bookkit-action"))
        assert violations(page, console) == []
    finally:
        page.context.close()
