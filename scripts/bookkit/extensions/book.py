"""Sphinx extension: derive per-feature settings from the book's single facts.

_config.yml states each fact about the book once (title, author, repository
URL, site URL, text licence). Features that need the same fact in another
shape get it from here, so nothing is typed twice:

* ``comments_config["utterances"]["repo"]`` <- ``owner/name`` of the repository URL
* the licence line of every page footer <- ``book_licence``

It also registers ``scripts/bookkit/static`` (CSS, JS and icons under
``_static/bookkit/``) once, for every bookkit extension that ships assets.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError

LICENCE_URLS = {
    "CC-BY-4.0": ("CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/"),
}


def repository_slug(url: str) -> str:
    """Return ``owner/name`` for a GitHub repository URL."""
    parsed = urlparse(url)
    parts = [p for p in parsed.path.split("/") if p]
    if parsed.netloc != "github.com" or len(parts) != 2:
        raise ConfigError(
            f"book/_config.yml: repository.url {url!r} must look like "
            "https://github.com/OWNER/NAME"
        )
    return "/".join(parts)


def derive_settings(app: Sphinx, config: Config) -> None:
    repo_url = config.html_theme_options.get("repository_url", "")
    comments = dict(config.comments_config or {})
    if comments.get("utterances"):
        utterances = dict(comments["utterances"])
        utterances.setdefault("repo", repository_slug(repo_url))
        comments["utterances"] = utterances
        config.comments_config = comments
    licence = config.book_licence
    if licence not in LICENCE_URLS:
        raise ConfigError(
            f"book/_config.yml: book_licence {licence!r} is not one of {sorted(LICENCE_URLS)}"
        )
    name, url = LICENCE_URLS[licence]
    theme_options = dict(config.html_theme_options)
    if not theme_options.get("extra_footer"):
        theme_options["extra_footer"] = (
            f'<p class="book-licence">Text, figures and data: <a href="{url}" rel="license">{name}</a>. '
            "Code: MIT.</p>"
        )
    config.html_theme_options = theme_options


STATIC = Path(__file__).resolve().parent / "static"


def add_static_path(app: Sphinx) -> None:
    if app.builder.format == "html" and str(STATIC) not in app.config.html_static_path:
        app.config.html_static_path.append(str(STATIC))


def setup(app: Sphinx) -> dict:
    app.connect("builder-inited", add_static_path, priority=400)
    app.add_config_value("book_licence", "CC-BY-4.0", "html")
    # Run before sphinx-comments (priority 500) reads comments_config.
    app.connect("config-inited", derive_settings, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
