"""Sphinx extension: utterances comments that work, follow the theme, load late.

Comments on a page are GitHub issues of the book's repository, shown by
utterances (https://utteranc.es). The settings live in book/_config.yml under
``html.comments.utterances`` (``issue-term``, ``label``, optional ``theme``);
the repository is derived from ``repository.url`` by bookkit.extensions.book.

Why not the stock sphinx-comments script
----------------------------------------
sphinx-comments 0.0.3 (kept enabled: Jupyter Book loads it and it still
provides ``comments_config``) injects an inline script into every page that

* looks for ``div.section`` to attach the widget to; Sphinx 7 writes
  ``<section>`` elements, so the widget is never inserted, and the script
  throws ``TypeError: Cannot read properties of undefined`` on every page;
* hard-codes ``theme: github-light`` (follows neither the site's light/dark
  switch nor the operating system);
* loads ``https://utteranc.es/client.js`` at page load on every page, even for
  readers who never reach the comments;
* carries a ``kind`` attribute that is invalid HTML.

So this extension reads ``comments_config["utterances"]`` at ``config-inited``
priority 450 -- after bookkit.extensions.book (400) has filled in ``repo`` and
before sphinx-comments (500) reads it -- keeps the settings for itself and
removes ``utterances`` from ``comments_config``. sphinx-comments then injects
nothing (it still handles hypothesis/dokieli if they are ever enabled).

What it puts in a page instead
------------------------------
Every page built from a source file (chapters and the front page; not the
search, index or 404 pages) ends with::

    <div class="book-comments" id="book-comments" role="region" aria-labelledby="book-comments-title"
             data-repo="OWNER/NAME" data-issue-term="pathname" data-label="comments"
             data-theme-light="github-light" data-theme-dark="github-dark"
             data-theme="github-light"> heading, note, "Show comments" button </div>

and ``static/book-comments.js`` (deferred, ~2 KB) which

* inserts the utterances script (with ``repo``, ``issue-term``, ``label``,
  ``theme``, ``crossorigin`` attributes, as utterances expects) only when the
  reader has scrolled and the comments block is in view
  (IntersectionObserver), or presses "Show comments" (for pages too short to
  scroll, and keyboard users). Readers who never get there download nothing
  from utteranc.es or github.com;
* picks ``data-theme-light``/``data-theme-dark`` from the site's resolved theme
  (``<html data-theme>``, which pydata-sphinx-theme sets from its light / dark
  / auto switch), and on every switch updates ``data-theme`` and sends
  ``{type: "set-theme", theme}`` to the utterances iframe (its documented
  postMessage API), so the widget follows the site's switch, not only the OS.

Page front matter ``comments: false`` leaves a page without comments.
"""

from __future__ import annotations

import html

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError


DEFAULTS = {
    "issue-term": "pathname",
    "label": "comments",
    "theme-light": "github-light",
    "theme-dark": "github-dark",
    "crossorigin": "anonymous",
}


def take_utterances(app: Sphinx, config: Config) -> None:
    """Move the utterances settings out of sphinx-comments' hands."""
    comments = dict(config.comments_config or {})
    utterances = comments.pop("utterances", None)
    config.comments_config = comments
    if not utterances:
        config.bookkit_utterances = {}
        return
    settings = {**DEFAULTS, **dict(utterances)}
    # A fixed `theme` from _config.yml is the light theme; dark follows it
    # unless set with `theme-dark`.
    if "theme" in settings:
        settings["theme-light"] = settings.pop("theme")
    if not settings.get("repo"):
        raise ConfigError(
            "html.comments.utterances needs a repository: set repository.url in "
            "book/_config.yml (bookkit.extensions.book derives the repo from it)"
        )
    config.bookkit_utterances = settings


def add_static(app: Sphinx) -> None:
    from bookkit.extensions.book import html_only

    if not html_only(app):
        return
    if app.config.bookkit_utterances:
        app.add_js_file("bookkit/book-comments.js", loading_method="defer")


def comments_html(settings: dict) -> str:
    attrs = {
        "data-repo": settings["repo"],
        "data-issue-term": settings["issue-term"],
        "data-label": settings["label"],
        "data-theme-light": settings["theme-light"],
        "data-theme-dark": settings["theme-dark"],
        "data-theme": settings["theme-light"],
        "data-crossorigin": settings["crossorigin"],
    }
    attr_text = " ".join(f'{k}="{html.escape(str(v))}"' for k, v in attrs.items())
    issues = html.escape(f"https://github.com/{settings['repo']}/issues")
    return (
        f'\n<div class="book-comments" id="book-comments" role="region" aria-labelledby="book-comments-title" {attr_text}>\n'
        '<h2 id="book-comments-title">Comments</h2>\n'
        '<p class="book-comments__note">Comments are '
        f'<a href="{issues}">GitHub issues</a> of the book\'s repository, shown with '
        '<a href="https://utteranc.es">utterances</a>. They load from GitHub when you '
        "reach this point of the page.</p>\n"
        '<button type="button" class="btn book-comments__load">Show comments</button>\n'
        "</div>\n"
    )


def add_comments(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    settings = app.config.bookkit_utterances
    if not settings or doctree is None or "body" not in context:
        return
    if pagename not in app.env.found_docs:
        return
    meta = context.get("meta") or {}
    if str(meta.get("comments", "")).lower() in ("false", "no", "off"):
        return
    context["body"] += comments_html(settings)


def setup(app: Sphinx) -> dict:
    app.setup_extension("bookkit.extensions.book")  # registers the static folder
    app.add_config_value("bookkit_utterances", {}, "html")
    # After bookkit.extensions.book (400) derived the repo, before sphinx-comments (500).
    app.connect("config-inited", take_utterances, priority=450)
    app.connect("builder-inited", add_static)
    app.connect("html-page-context", add_comments)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
