"""Sphinx extension: the book's dated editions, online and offline.

The edition (year.month) is set once, as ``book_edition`` in _config.yml
(bookkit.extensions.book checks it and makes it ``version``/``release`` and
the ``{{ edition }}`` substitution). This extension adds:

* ```{edition-downloads}```: one line for the front page, "Edition 2026.12 of
  December 2026; download the latest PDF or EPUB", linking the files that the
  release workflow (.github/workflows/release.yml) attaches to the GitHub
  release of each edition: ``<repository>/releases/latest/download/<name>``.
* The offline editions' settings, derived from the same facts: file names
  (``<repository name>.pdf`` / ``.epub``), EPUB identifier and metadata, the
  PDF cover line with the edition date, print styles (book/_static is not
  used; ``bookkit/print.css`` is added for the PDF only).
* Pages that only make sense on the website (``bookkit_web_only``: the
  catalogue with its script, the model pages, what's new with its feed) are
  excluded from every builder that is not a website builder; the PDF and
  EPUB carry the same facts in the data chapter's full table.

Builders: ``make epub`` uses Sphinx's ``epub`` builder, ``make pdf``
sphinx-simplepdf's ``simplepdf`` (HTML + CSS printed by WeasyPrint).
"""

from __future__ import annotations

from datetime import date

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util.docutils import SphinxDirective
from sphinx.util.matching import Matcher

from bookkit.extensions.book import html_only, repository_slug
from bookkit.extensions.model_directives import doc_link

#: What the offline files are called inside a release (stable across editions,
#: so that .../releases/latest/download/<name> always gives the newest).
FORMATS = {"pdf": "PDF", "epub": "EPUB"}


def edition_month(edition: str) -> str:
    """'2026.12' -> 'December 2026'."""
    year, month = edition.split(".")
    return f"{date(int(year), int(month), 1):%B %Y}"


def file_stem(config: Config) -> str:
    """The repository's name: the files are <name>.pdf and <name>.epub."""
    return config.bookkit_repository.split("/")[-1]


def download_url(config: Config, fmt: str) -> str:
    return f"{config.bookkit_repository}/releases/latest/download/{file_stem(config)}.{fmt}"


class EditionDownloads(SphinxDirective):
    """The edition and links to the latest PDF and EPUB (plain text, no markup parsed)."""

    def run(self) -> list[nodes.Node]:
        config = self.config
        edition = config.book_edition
        para = nodes.paragraph(classes=["book-edition"])
        para += nodes.strong(text=f"Edition {edition}")
        para += nodes.Text(f" ({edition_month(edition)}). Read it offline: download the latest ")
        for i, (fmt, label) in enumerate(FORMATS.items()):
            if i:
                para += nodes.Text(" or the ")
            para += nodes.reference("", f"{label} edition", refuri=download_url(config, fmt))
        para += nodes.Text(".")
        if html_only(self.env.app):  # these pages are on the website only
            para += nodes.Text(" Every model is listed in the ")
            para += doc_link("/catalogue", "catalogue")
            para += nodes.Text(", and what changed in each edition in ")
            para += doc_link("/whats-new", "What's new")
            para += nodes.Text(".")
        return [para]


def configure(app: Sphinx, config: Config) -> None:
    """Offline editions' settings from the single facts (priority after book.py)."""
    # Kept apart: the PDF builder replaces html_theme_options with its own.
    repo = config.html_theme_options.get("repository_url", "").rstrip("/")
    repository_slug(repo)  # a clear error if it is not a GitHub repository URL
    config.bookkit_repository = repo
    stem = file_stem(config)
    config.epub_basename = stem
    config.simplepdf_file_name = f"{stem}.pdf" if hasattr(config, "simplepdf_file_name") else None
    # One identifier per edition, usable as the OPF's XML id too: Sphinx writes
    # epub_uid into the NCX as the book's identifier (EPUBCheck NCX-001).
    config.epub_identifier = config.epub_uid = f"{stem}-{config.book_edition}"
    config.epub_publisher = config.author
    config.epub_description = (
        f"{config.project}, edition {config.book_edition} ({edition_month(config.book_edition)})."
    )
    config.epub_show_urls = "no"  # links stay links; no URL printed after each one
    config.epub_tocdepth = 2


def builder_inited(app: Sphinx) -> None:
    if html_only(app):
        return
    # Website-only pages stay out of the offline editions, and out of the
    # table of contents that sphinx-external-toc read from _toc.yml.
    app.config.exclude_patterns = [*app.config.exclude_patterns, *app.config.bookkit_web_only]
    web_only = Matcher(app.config.bookkit_web_only)
    site_map = getattr(app.config, "external_site_map", None)
    for doc in (site_map.values() if site_map is not None else []):
        for tree in doc.subtrees:
            tree.items[:] = [item for item in tree.items
                             if not (isinstance(item, str) and web_only(f"{item}.md"))]
    if app.builder.name == "simplepdf":
        context = dict(app.config.html_context or {})
        edition = app.config.book_edition
        # The cover already reads "Version <edition>" (sphinx-simplepdf's template): add the month.
        context["cover_meta_data"] = f"The {edition_month(edition)} edition"
        context["cover_footer"] = (
            f"{app.config.author}. Text, figures and data: CC BY 4.0. "
            f"Online: {app.config.html_baseurl}"
        )
        app.config.html_context = context
        app.add_css_file("bookkit/print.css")
        app.config.simplepdf_use_weasyprint_api = True  # no `weasyprint` command needed on PATH
        app.config.simplepdf_file_name = f"{file_stem(app.config)}.pdf"


def setup(app: Sphinx) -> dict:
    app.setup_extension("bookkit.extensions.book")
    app.add_config_value("bookkit_repository", "", "env")
    app.add_config_value("bookkit_web_only", ["catalogue.md", "whats-new.md", "model/*"], "env")
    app.add_directive("edition-downloads", EditionDownloads)
    app.connect("config-inited", configure, priority=460)
    app.connect("builder-inited", builder_inited, priority=450)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
