"""Sphinx extension: derive per-feature settings from the book's single facts.

_config.yml states each fact about the book once (title, author, repository
URL, site URL, text licence). Features that need the same fact in another
shape get it from here, so nothing is typed twice:

* ``comments_config["utterances"]["repo"]`` <- ``owner/name`` of the repository URL
* the licence line of every page footer <- ``book_licence``
* ``project`` (the name EPUB and PDF print) <- ``title`` (``html_title``);
  Jupyter Book leaves it unset, so other builders said "Project name not set"
* ``version``/``release`` and the ``{{ edition }}`` substitution <- ``book_edition``
  (the edition, year.month, set under ``sphinx: config:`` in _config.yml)

Website-only features (theme trimming, comments, sitemap, social cards, 404
page: the modules in WEB_ONLY) act only for the builders that write the
website (html, dirhtml, singlehtml). Sphinx 7.4 loads extensions before it
knows the builder, so at ``builder-inited`` (first of all handlers) their
remaining event handlers are disconnected for any other builder: the EPUB and
PDF editions get none of their templates, buttons or scripts.
``html_only(app)`` answers the same question inside a handler.

It also registers ``scripts/bookkit/static`` (CSS, JS and icons under
``_static/bookkit/``) once, for every bookkit extension that ships assets.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError

#: Builders that write the website; everything else (epub, simplepdf, latex...)
#: is an edition to read offline and gets no web-only features.
HTML_BUILDERS = frozenset({"html", "dirhtml", "singlehtml"})

EDITION = re.compile(r"^(20[0-9]{2})\.(0[1-9]|1[0-2])$")


#: Modules whose event handlers serve the website only.
WEB_ONLY = ("notfound.", "sphinx_comments", "sphinx_thebe", "bookkit.extensions.slim_theme",
            "bookkit.extensions.comments", "bookkit.extensions.redirects")


def html_only(app: Sphinx) -> bool:
    """True when the current builder writes the website."""
    return getattr(app, "builder", None) is not None and app.builder.name in HTML_BUILDERS


def drop_web_only_handlers(app: Sphinx) -> None:
    """Other builders than the website's: disconnect WEB_ONLY handlers."""
    if html_only(app):
        return
    for listeners in app.events.listeners.values():
        for listener in list(listeners):
            module = getattr(listener.handler, "__module__", "") or ""
            if module.startswith(WEB_ONLY):
                listeners.remove(listener)

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
    if config.html_title and config.project in ("", "Project name not set"):
        config.project = config.html_title
    edition = str(config.book_edition)
    if not EDITION.match(edition):
        raise ConfigError(
            f"book/_config.yml: sphinx.config.book_edition {edition!r} must be YEAR.MONTH, e.g. 2026.12"
        )
    config.version = config.release = edition
    subs = dict(config.myst_substitutions or {}) if hasattr(config, "myst_substitutions") else {}
    subs.setdefault("edition", edition)
    config.myst_substitutions = subs
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
    app.connect("builder-inited", drop_web_only_handlers, priority=1)
    app.connect("builder-inited", add_static_path, priority=400)
    app.add_config_value("book_licence", "CC-BY-4.0", "html")
    app.add_config_value("book_edition", "", "env")
    # Run before sphinx-comments (priority 500) reads comments_config.
    app.connect("config-inited", derive_settings, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
