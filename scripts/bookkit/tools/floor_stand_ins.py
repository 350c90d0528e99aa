"""Sphinx extension for the benchmark's floors only: no-op stand-ins for the book's roles and directives.

The floors (bookkit.tools.bench) build the book's sources with bare Sphinx
+ myst-parser, or with just the content extensions. The book uses roles and
directives those do not know ({cite:p}, {fact}, model-facts, ...): without
stand-ins each use is an "unknown role" error, reported and rendered, about
1,000 per build (``suppress_warnings = ['*']`` matches no warning type, and
docutils' errors cannot be suppressed by configuration). With them a floor
prints no warning at all, which the benchmark checks.

``floor_roles`` and ``floor_directives`` (config values) list the names the
book uses; those still unknown when the builder starts get a stand-in: a
role shows its text, a directive renders nothing (or, when it has a
``:name:``, an empty numbered figure for ``{numref}`` to point at). With ``floor_no_toc``
(the bare floor, which has no table of contents) every page counts as an
orphan, so Sphinx does not report it missing from the table of contents.
"""

from __future__ import annotations

from docutils import nodes
from docutils.parsers.rst import Directive, directives, roles


class AnyOption(dict):
    """Accepts every option name as plain text."""

    def __contains__(self, key) -> bool:
        return True

    def __getitem__(self, key):
        return directives.unchanged

    def get(self, key, default=None):  # myst-parser looks options up with get()
        return directives.unchanged

    def __bool__(self) -> bool:  # an empty dict would tell myst-parser "no options"
        return True


class StandIn(Directive):
    has_content = True
    optional_arguments = 10
    final_argument_whitespace = True
    option_spec = AnyOption()

    def run(self):
        if "name" not in self.options:
            return []
        # A generated figure or table that the text cites with {numref}: give
        # the label a numbered stand-in to point at (a figure, whatever it was).
        figure = nodes.figure()
        figure += nodes.caption(text=self.name)
        self.add_name(figure)
        return [figure]


def stand_in_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    return [nodes.inline(rawtext, text)], []


def known(app, registry: dict, kind: str) -> set[str]:
    names = set(registry)
    for domain in app.env.domains.values():
        own = getattr(domain, kind)
        names |= set(own) | {f"{domain.name}:{name}" for name in own}
    return names


def add_stand_ins(app) -> None:
    known_roles = known(app, {**roles._roles, **roles._role_registry}, "roles")
    for name in app.config.floor_roles:
        if name not in known_roles:
            roles.register_local_role(name, stand_in_role)
    known_directives = known(app, {**directives._directives, **directives._directive_registry}, "directives")
    for name in app.config.floor_directives:
        if name not in known_directives:
            directives.register_directive(name, StandIn)


def add_stand_in_domains(app, config) -> None:
    """A name like ``cite:p`` needs a ``cite`` domain: Sphinx warns about unknown domains itself."""
    from sphinx.domains import Domain

    wanted: dict[str, dict[str, set[str]]] = {}
    for kind, names in (("roles", config.floor_roles), ("directives", config.floor_directives)):
        for name in names:
            domain, sep, element = name.partition(":")
            if sep:
                wanted.setdefault(domain, {"roles": set(), "directives": set()})[kind].add(element)
    for domain, elements in wanted.items():
        if domain in app.registry.domains:
            continue
        app.add_domain(type(f"StandIn_{domain}", (Domain,), {
            "name": domain, "label": f"stand-in for {domain}",
            "roles": {name: stand_in_role for name in elements["roles"]},
            "directives": {name: StandIn for name in elements["directives"]},
        }))


def plain_numref_without_toc(app, config) -> None:
    """Without a table of contents Sphinx numbers no figure, so every {numref} would warn:
    the bare floor shows its text instead."""
    if config.floor_no_toc:
        app.add_role_to_domain("std", "numref", stand_in_role, override=True)


def drop_book_theme_options(app, config) -> None:
    """bookkit.extensions.book adds a footer option of the book's theme, which the basic theme lacks."""
    options = dict(config.html_theme_options or {})
    options.pop("extra_footer", None)
    config.html_theme_options = options


def mark_orphan(app, doctree) -> None:
    """The bare floor has no table of contents: no page is in one, and that is no news."""
    if app.config.floor_no_toc:
        app.env.metadata[app.env.docname]["orphan"] = True


def setup(app) -> dict:
    app.add_config_value("floor_no_toc", False, "env")
    app.connect("doctree-read", mark_orphan)
    app.add_config_value("floor_roles", [], "env")
    # bookkit.extensions.book (set up by model_directives) reads sphinx-comments' setting.
    if "comments_config" not in app.config:
        app.add_config_value("comments_config", {}, "html")
    app.add_config_value("floor_directives", [], "env")
    app.connect("config-inited", add_stand_in_domains)
    app.connect("config-inited", plain_numref_without_toc)
    app.connect("config-inited", drop_book_theme_options, priority=450)
    app.connect("builder-inited", add_stand_ins)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
