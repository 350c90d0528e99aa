"""A reader following an old link models.html#anchor lands on the section's new page."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("anchor, lands_on", [
    ("gpt-j-6b", "models/to-2022.html#gpt-j-6b"),
    ("models-deepseek-r1", "models/2025.html#models-deepseek-r1"),
    ("models-comparing", "evaluating.html#models-comparing"),  # moved to the Evaluating chapter
    ("models-comparing-small", "models.html#models-comparing-small"),  # did not move: stays
])
def test_old_anchor_lands_on_its_new_home(browser, site, anchor, lands_on):
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(site + "models.html#" + anchor)
        page.wait_for_url("**/" + lands_on, timeout=10000)
        assert page.evaluate("id => !!document.getElementById(id)", lands_on.split("#")[1])
    finally:
        context.close()
