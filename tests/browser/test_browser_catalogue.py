"""The catalogue in a real browser: filters and sorting work with the keyboard,
screen readers are told the order and the count, axe finds nothing once the
table is filtered and sorted, and without JavaScript the whole table is there
with no dead controls."""

from __future__ import annotations

import pytest

from browserkit import BOOK, DESKTOP, open_visit

from bookkit.data import safeyaml
from bookkit.extensions import catalogue as cat

pytestmark = pytest.mark.browser
RECORDS = safeyaml.load_file(BOOK / "data" / "models.yaml")
VISIBLE_ROWS = "() => Array.from(document.querySelectorAll('.catalogue-table tbody tr')).filter(r => !r.hidden).length"


@pytest.fixture()
def catalogue(browser, site):
    v = open_visit(browser, site + "catalogue.html", viewport=DESKTOP)
    yield v.page
    v.page.context.close()


def test_filters_narrow_the_table_and_announce_the_count(catalogue):
    page = catalogue
    assert page.is_visible("form.catalogue-filters"), "the script adds the filters"
    for key, label, _ in cat.filters(None):  # every filter the rows carry has a labelled control
        assert page.locator(f'label[for="catalogue-{key}"]').inner_text() == label
        assert page.locator(f"#catalogue-{key} option").count() > 1, key
    assert page.evaluate(VISIBLE_ROWS) == len(RECORDS)
    org = "Mistral AI"
    expected = sum(1 for r in RECORDS if r["organisation"] == org)
    page.select_option("#catalogue-organisation", org)
    assert page.evaluate(VISIBLE_ROWS) == expected
    status = page.locator("[data-catalogue-count]")
    assert status.get_attribute("role") == "status"
    assert status.inner_text() == f"{expected} of {len(RECORDS)} models match the filters."
    page.select_option("#catalogue-organisation", "")
    page.fill("#catalogue-q", "llama")
    assert page.evaluate(VISIBLE_ROWS) == sum(1 for r in RECORDS if "llama" in r["name"].lower())
    page.click("button[type=reset]")
    page.wait_for_function(f"() => ({VISIBLE_ROWS})() === {len(RECORDS)}")


def test_sorting_by_keyboard_sets_aria_sort(catalogue):
    page = catalogue
    header = page.locator("th[data-sort-type=number]").first  # Parameters
    button = header.locator("button.catalogue-sort")
    button.focus()
    page.keyboard.press("Enter")
    assert header.get_attribute("aria-sort") == "ascending"
    page.keyboard.press("Enter")
    assert header.get_attribute("aria-sort") == "descending"
    biggest = max((r for r in RECORDS if r.get("parameters_b")), key=lambda r: r["parameters_b"])
    first = page.locator(".catalogue-table tbody tr").first.locator("th").inner_text()
    assert first == biggest["name"]


def test_axe_after_filtering_and_sorting(browser, site, axe_source):
    from test_browser_pages import AXE_RUN_JS

    # axe-core goes in as an inline script, which the page's own policy blocks.
    v = open_visit(browser, site + "catalogue.html", viewport=DESKTOP, bypass_csp=True)
    try:
        page = v.page
        page.select_option("#catalogue-year", "2024")
        page.locator("button.catalogue-sort").nth(2).click()
        page.add_script_tag(content=axe_source)
        assert page.evaluate(AXE_RUN_JS) == []
    finally:
        page.context.close()


def test_without_javascript_every_model_is_listed(browser, site):
    context = browser.new_context(java_script_enabled=False, viewport=DESKTOP)
    try:
        page = context.new_page()
        page.goto(site + "catalogue.html")
        assert page.locator(".catalogue-table tbody tr").count() == len(RECORDS)
        assert page.locator("article form, article select, article input").count() == 0, "no controls that cannot work"
        page.locator(".catalogue-table tbody th a").first.click()
        page.wait_for_url("**/model/*.html")
    finally:
        context.close()


def test_search_finds_a_model_page_by_its_name(browser, site):
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(site + "search.html?q=Mistral+7B")
        page.wait_for_function("() => /Search finished/.test("
                               "(document.querySelector('.search-summary') || {}).innerText || '')",
                               timeout=30000)
        links = page.eval_on_selector_all("#search-results ul.search li a",
                                          "els => els.map(a => a.getAttribute('href').split(/[?#]/)[0])")
        assert "model/mistral-7b.html" in links, links
    finally:
        context.close()
