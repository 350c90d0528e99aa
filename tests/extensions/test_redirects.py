"""Old links into the split Models page still land on the section they meant."""

from __future__ import annotations

import re

import pytest
from sphinx.errors import ExtensionError

from bookkit.extensions.redirects import load_redirects
from bookpaths import BOOK


def _ids(html: str) -> set[str]:
    return set(re.findall(r'\sid="([^"]+)"', html))


@pytest.mark.build
def test_every_redirect_target_exists_and_every_moved_anchor_left(html_dir):
    redirects = load_redirects(BOOK)
    assert redirects, "book/data/redirects.yaml lists no moved anchors"
    for old_page, moved in redirects.items():
        old_ids = _ids((html_dir / f"{old_page}.html").read_text(encoding="utf-8"))
        for anchor, target in moved.items():
            assert anchor not in old_ids, (
                f"book/data/redirects.yaml: '{anchor}' is still on {old_page}.html, so the redirect "
                "would never fire: remove the entry")
            doc, _, frag = target.partition("#")
            page = html_dir / f"{doc}.html"
            assert page.is_file(), f"book/data/redirects.yaml: '{anchor}' points to {doc}, which is not built"
            if frag:
                assert frag in _ids(page.read_text(encoding="utf-8")), (
                    f"book/data/redirects.yaml: '{anchor}' points to {target}, but {doc}.html has no id '{frag}'")


@pytest.mark.build
def test_the_old_page_carries_the_redirect_script(html_dir):
    html = (html_dir / "models.html").read_text(encoding="utf-8")
    assert re.search(r'<script[^>]+data-redirects="[^"]*gpt-j-6b[^"]*"[^>]*anchor-redirects\.js', html) or \
        re.search(r'<script[^>]+anchor-redirects\.js[^>]*data-redirects="[^"]*gpt-j-6b', html)


def test_a_malformed_map_names_its_file(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "redirects.yaml").write_text("models:\n  - not a mapping\n")
    with pytest.raises(ExtensionError, match=r"redirects\.yaml: expected"):
        load_redirects(tmp_path)
