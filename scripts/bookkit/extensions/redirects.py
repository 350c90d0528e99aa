"""Sphinx extension (HTML only): old links into a split page keep working.

book/data/redirects.yaml lists, for a page that was split, each anchor that
moved and the ``docname#anchor`` that holds it now. On that page a small
deferred script (static/bookkit/anchor-redirects.js) reads the map from its
own ``data-redirects`` attribute and, when the address names an anchor that
is no longer on the page, replaces the address with the new one. Without
JavaScript the reader lands at the top of the old page, whose table lists
the new pages.
"""

from __future__ import annotations

import json
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

from bookkit.data import safeyaml

REDIRECTS_FILE = Path("data") / "redirects.yaml"
SCRIPT = "bookkit/anchor-redirects.js"


def load_redirects(srcdir: Path) -> dict[str, dict[str, str]]:
    """The redirect map, checked for shape; a bad file stops the build with its name."""
    path = Path(srcdir) / REDIRECTS_FILE
    if not path.is_file():
        return {}
    try:
        data = safeyaml.load_file(path) or {}
    except safeyaml.YamlError as err:
        raise ExtensionError(str(err)) from None
    if not isinstance(data, dict) or not all(
        isinstance(v, dict) and all(isinstance(a, str) and isinstance(t, str) for a, t in v.items())
        for v in data.values()
    ):
        raise ExtensionError(f"{path}: expected 'page: {{anchor: page#anchor}}' mappings of text")
    return data


def _builder_inited(app: Sphinx) -> None:
    app.env.bookkit_redirects = load_redirects(Path(app.srcdir))


def _page_context(app: Sphinx, pagename: str, templatename, context, doctree) -> None:
    moved = getattr(app.env, "bookkit_redirects", {}).get(pagename)
    if not moved:
        return
    urls = {}
    for anchor, target in moved.items():
        doc, _, frag = target.partition("#")
        urls[anchor] = app.builder.get_relative_uri(pagename, doc) + (f"#{frag}" if frag else "")
    app.add_js_file(SCRIPT, loading_method="defer",
                    **{"data-redirects": json.dumps(urls, separators=(",", ":"), sort_keys=True)})


def setup(app: Sphinx) -> dict:
    app.setup_extension("bookkit.extensions.book")  # registers the static folder
    # Only HTML pages have addresses with anchors to follow.
    app.connect("builder-inited", lambda a: _builder_inited(a) if a.builder.format == "html" else None)
    app.connect("html-page-context", _page_context)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
