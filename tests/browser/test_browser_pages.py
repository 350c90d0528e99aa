"""Every page of the built book, opened in headless Chromium.

Loads cleanly and offline, images render and have alt text, phones never
scroll sideways, axe-core finds no accessibility violations, and the reader
features (description, buttons, last-updated date, 404 page, sitemap) are there.
"""

from __future__ import annotations

import re

import pytest

from browserkit import ALL_PAGES, PHONE, book_config, chapter_pages, open_visit, toc_pages

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("page", ALL_PAGES)
def test_page_loads_clean_and_offline(visit, page):
    v = visit(page)
    assert v.status == 200, f"{page}: HTTP {v.status}"
    assert v.console_errors == [], f"{page}: console errors at load: {v.console_errors}"
    assert v.failed_local == [], f"{page}: failed local requests: {v.failed_local}"
    assert v.external == [], f"{page}: requests to other hosts at load: {v.external}"


IMAGES_JS = """
async () => {
  const imgs = Array.from(document.images);
  for (const img of imgs) {
    img.loading = "eager";
    try { await img.decode(); } catch (e) {}
  }
  return imgs.map(img => ({
    src: img.currentSrc || img.src,
    width: img.naturalWidth,
    alt: img.getAttribute("alt"),
  }));
}
"""


@pytest.mark.parametrize("page", ALL_PAGES)
def test_images_render_and_have_alt_text(visit, page):
    images = visit(page).page.evaluate(IMAGES_JS)
    broken = [i["src"] for i in images if not i["width"]]
    no_alt = [i["src"] for i in images if not (i["alt"] or "").strip()]
    assert broken == [], f"{page}: images that do not render: {broken}"
    assert no_alt == [], f"{page}: images without alt text: {no_alt}"


OVERFLOW_JS = """
() => {
  const root = document.documentElement;
  const limit = root.clientWidth;
  const culprits = [];
  if (root.scrollWidth > limit) {
    for (const el of document.querySelectorAll("body *")) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.right <= limit + 1) continue;
      // Inside a box that scrolls on its own: fine.
      let p = el.parentElement, contained = false;
      while (p && p !== document.body) {
        const s = getComputedStyle(p);
        if (["auto", "scroll", "hidden"].includes(s.overflowX) && p.getBoundingClientRect().right <= limit + 1) {
          contained = true; break;
        }
        p = p.parentElement;
      }
      if (!contained) culprits.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
        (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "") +
        " right=" + Math.round(r.right));
    }
  }
  return {scrollWidth: root.scrollWidth, clientWidth: limit, culprits: culprits.slice(0, 8)};
}
"""


@pytest.mark.parametrize("page", ALL_PAGES)
def test_no_horizontal_scroll_at_375px(visit, page):
    result = visit(page, viewport=PHONE).page.evaluate(OVERFLOW_JS)
    assert result["scrollWidth"] <= result["clientWidth"], (
        f"{page}: at 375 px the page scrolls sideways "
        f"({result['scrollWidth']} > {result['clientWidth']}): {result['culprits']}"
    )


AXE_RUN_JS = """
async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ")),
  }));
}
"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("page", ALL_PAGES)
def test_axe_finds_no_violations(browser, site, axe_source, page, scheme):
    # axe-core goes in as an inline script, which the page's own policy blocks.
    v = open_visit(browser, site + page, color_scheme=scheme, bypass_csp=True)
    try:
        v.page.add_script_tag(content=axe_source)
        violations = v.page.evaluate(AXE_RUN_JS)
    finally:
        v.page.context.close()
    assert violations == [], f"{page} ({scheme}): axe-core violations: {violations}"


@pytest.mark.parametrize("page", toc_pages() + ["search.html", "genindex.html"])
def test_page_has_a_description(visit, page):
    content = visit(page).page.evaluate(
        "() => (document.querySelector('meta[name=description]') || {}).content || ''"
    )
    assert content.strip(), f"{page}: no <meta name=description> (front matter html_meta: description)"
    og = visit(page).page.evaluate(
        "() => (document.querySelector('meta[property=\"og:title\"]') || {}).content || ''"
    )
    if page in toc_pages():
        assert og.strip(), f"{page}: no og:title (social card metadata)"


@pytest.mark.parametrize("page", chapter_pages())
def test_edit_issue_repository_buttons_and_last_updated(visit, page):
    repo = book_config()["repository"]["url"].rstrip("/")
    links = visit(page).page.evaluate(
        """() => Object.fromEntries(
             ["repository", "edit", "issues"].map(k => {
               const a = document.querySelector(".btn-source-" + k + "-button");
               return [k, a ? a.getAttribute("href") : null];
             }))"""
    )
    assert links["repository"] == repo, f"{page}: repository button: {links['repository']}"
    assert links["edit"] and links["edit"].startswith(f"{repo}/edit/"), f"{page}: edit button: {links['edit']}"
    assert links["issues"] and links["issues"].startswith(f"{repo}/issues/new"), f"{page}: issue button: {links['issues']}"
    updated = visit(page).page.evaluate(
        "() => (document.querySelector('.last-updated') || {}).textContent || ''"
    )
    assert re.search(r"\d{4}-\d{2}-\d{2}", updated), f"{page}: no 'last updated' date in the footer: {updated!r}"


@pytest.mark.parametrize("path", ["no-such-page.html", "a/b/c/deeply/missing/page.html"])
def test_404_page_works_at_any_depth(browser, site, path):
    v = open_visit(browser, site + path)
    try:
        assert v.status == 404
        assert v.failed_local == [], f"404 page at {path}: failed requests {v.failed_local}"
        assert v.console_errors == [], f"404 page at {path}: console errors {v.console_errors}"
        assert v.external == []
        # Styled (the theme's CSS loaded) and its links lead back into the book.
        assert v.page.evaluate("() => document.styleSheets.length") >= 3
        assert "not found" in v.page.title().lower()
        home = v.page.evaluate(
            "() => Array.from(document.querySelectorAll('article a')).map(a => a.href)"
        )
        assert site + "index.html" in home, f"404 page links: {home}"
        response = v.page.goto(site + "index.html")
        assert response.status == 200
    finally:
        v.page.context.close()


def test_sitemap_and_robots(site, visit):
    page = visit("index.html").page
    sitemap = page.request.get(site + "sitemap.xml")
    assert sitemap.status == 200
    base = book_config()["html"]["baseurl"].rstrip("/") + "/"
    text = sitemap.text()
    for html in toc_pages():
        assert f"<loc>{base}{html}</loc>" in text, f"sitemap.xml lacks {base}{html}"
    robots = page.request.get(site + "robots.txt")
    assert robots.status == 200 and f"Sitemap: {base}sitemap.xml" in robots.text()
