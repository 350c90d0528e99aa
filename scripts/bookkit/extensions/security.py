"""Sphinx extension: what a page may read and run, and what a reader's browser allows.

Pages and data arrive by pull request and the site runs in readers' browsers.
This extension makes the build itself refuse what must never be published,
each with a build error at the page's file and line:

1. **Nothing outside book/ is read.** Every path a page names (``{include}``,
   ``{literalinclude}``, ``{download}``, images and figures, ``:file:`` of
   ``raw`` and ``csv-table``) goes through ``BuildEnvironment.relfn2path``,
   which is wrapped here: a path whose real location (symlinks resolved) is
   outside the source folder is refused before the file is opened (the
   build's own generated model-data folder, ``_build/modeldata``, excepted). A page
   that is itself a symlink to a file outside book/ is read as empty.
   ``raw``/``csv-table`` with ``:url:`` are refused (the build makes no
   network request). An SVG image that runs script or loads anything
   (bookkit.checks.safety) is refused too.
2. **Raw HTML follows an allow-list** (bookkit.checks.htmlsafety, parsed with
   html5lib as a browser would): no script, event handler, iframe, form,
   style or ``javascript:`` URL, from MyST HTML, ``{raw} html`` or
   ``.. raw:: html`` inside ``{eval-rst}``. A refused fragment is removed
   from the page and reported; links written in Markdown must use https,
   http, mailto or a relative target.
3. **No Thebe.** Live code is off in this book; sphinx-thebe still appended
   a configuration block and an inline ``kernelName`` script to every page.
   Its listener is disconnected.

Web HTML builders only (html, dirhtml, singlehtml: pages a browser opens):

4. **A Content-Security-Policy on every page** (``<meta http-equiv>``, first
   in ``<head>``): scripts only from the site itself, the comments host and
   the hashes of the few known inline scripts the page has
   (KNOWN_INLINE_SCRIPTS; any other inline script is blocked, and the build
   warns); no inline event
   handlers (the theme's two ``onclick`` buttons are rewired by
   ``static/bookkit/page-actions.js``); frames only from the comments host;
   ``object-src 'none'``; forms post only to the site; and a referrer policy
   (``same-origin``: other sites learn nothing of where readers came from).
   The policy is computed per page after it is written, so its hashes match
   the page exactly; an inline handler that remains is a build warning.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import DirectiveError
from docutils.parsers.rst.directives.misc import Raw
from docutils.parsers.rst.directives.tables import CSVTable
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

from bookkit.checks.htmlsafety import WHAT_TO_DO, fragment_problems, url_scheme

logger = logging.getLogger(__name__)

#: Where the comments widget (utterances) lives; see bookkit.extensions.comments.
COMMENTS_HOST = "https://utteranc.es"
SAFE_LINK_SCHEMES = {"", "http", "https", "mailto"}
META_NAMES = {"description", "keywords", "author"}
META_ATTRS = {"name", "content", "lang", "xml:lang"}
REFERRER_POLICY = "same-origin"

# --- 1. nothing outside the source folder ------------------------------------------


def inside(folder: str | Path, path: str | Path) -> bool:
    """Whether ``path`` (symlinks resolved) is ``folder`` or lies under it."""
    top = os.path.realpath(folder)
    real = os.path.realpath(path)
    return real == top or real.startswith(top + os.sep)


class OutsideBook(DirectiveError):
    """A path that resolves outside the source folder (a docutils error, level 3)."""

    def __init__(self, name: str, real: str):
        super().__init__(3, f"'{name}' resolves outside book/ (to {real}): a page may only use files "
                            "inside book/; copy the file into book/ (no symlinks that leave it)")

    def __str__(self) -> str:  # literalinclude reports str(error)
        return self.msg


_relfn2path = BuildEnvironment.relfn2path


def generated_dir(env: BuildEnvironment) -> Path:
    """The folder of files the build itself generates from the model data
    (bookkit.extensions.model_directives.artefact_dir): pages may use those."""
    return Path(env.doctreedir).parent / "modeldata"


def guarded_relfn2path(self: BuildEnvironment, filename: str, docname: str | None = None):
    rel, absolute = _relfn2path(self, filename, docname)
    if not (inside(self.srcdir, absolute) or inside(generated_dir(self), absolute)):
        raise OutsideBook(filename, os.path.realpath(absolute))
    return rel, absolute


guarded_relfn2path.__doc__ = _relfn2path.__doc__
guarded_relfn2path.bookkit_guard = True  # type: ignore[attr-defined]


def _guard_file_options(directive) -> None:
    if "url" in directive.options:
        raise directive.error(f"{directive.name}: :url: is refused (the build makes no network request): "
                              "save the content in book/ and use :file:")
    if "file" in directive.options:
        env = directive.state.document.settings.env
        try:
            env.relfn2path(directive.options["file"], env.docname)
        except OutsideBook as err:
            raise directive.error(f"{directive.name}: {err.msg}") from None


class GuardedRaw(Raw):
    def run(self):
        _guard_file_options(self)
        return super().run()


class GuardedCSVTable(CSVTable):
    def run(self):
        _guard_file_options(self)
        return super().run()


def guard_source(app: Sphinx, docname: str, source: list[str]) -> None:
    path = app.env.doc2path(docname)
    if not inside(app.srcdir, path):
        logger.warning("%s is a link to %s, outside book/: it is not published; replace the link "
                       "with the file itself", docname, os.path.realpath(path), location=docname,
                       type="bookkit", subtype="outside")
        source[0] = ""


def _line_of(path: str | Path, needle: str) -> int | None:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    return next((no for no, line in enumerate(lines, start=1) if needle in line), None)


def _refuse(node: nodes.Node, message: str) -> None:
    """A build warning at the node's page and line (the nearest ancestor's line
    when the node itself has none, as with roles)."""
    source, line = node, None
    if isinstance(node, nodes.Inline) and isinstance(node.parent, nodes.TextElement):
        source = node.parent  # MyST gives roles the line of an earlier block
    while source is not None and not line:
        line, source = source.line, source.parent
    location = (node.document.settings.env.docname, line) if node.document and line else node
    logger.warning(message, location=location, type="bookkit", subtype="html")


def guard_doctree(app: Sphinx, doctree: nodes.document) -> None:
    """Before Sphinx's collectors copy images and downloads: refuse what leaves book/,
    unsafe raw HTML and unsafe link schemes."""
    env = app.env
    for node in list(doctree.findall(addnodes.download_reference)):
        target = node.get("reftarget", "")
        if "://" in target:
            continue
        try:
            env.relfn2path(target, env.docname)
        except OutsideBook as err:
            _refuse(node, f"download: {err.msg}")
            node.replace_self(nodes.inline(node.astext(), node.astext()))
    for node in list(doctree.findall(nodes.image)):
        uri = node.get("uri", "")
        if "://" in uri or uri.startswith("data:"):
            continue
        try:
            _, absolute = env.relfn2path(uri.split("?")[0], env.docname)
        except OutsideBook as err:
            _refuse(node, f"image: {err.msg}")
            node.parent.remove(node)
            continue
        if absolute.lower().endswith(".svg") and os.path.isfile(absolute):
            from bookkit.checks.safety import svg_problems

            found = svg_problems(Path(app.srcdir), Path(absolute))
            for message in found:
                _refuse(node, f"image {uri}: {message.split(': ', 1)[1]}")
            if found:
                node.parent.remove(node)
    for node in list(doctree.findall(nodes.raw)):
        if "html" not in node.get("format", "").split():
            continue
        found = fragment_problems(node.astext())
        for message, _ in found:
            _refuse(node, f"raw HTML: {message}: {WHAT_TO_DO}")
        if found:
            node.parent.remove(node)
    for node in list(doctree.findall(nodes.meta)):
        # Front matter html_meta: a description is fine; http-equiv (a refresh
        # that redirects readers, a weaker policy) and other attributes are not.
        extra = sorted(set(node.attributes) - META_ATTRS - set(nodes.Element.known_attributes))
        if extra or node.get("name", "").lower() not in META_NAMES:
            what = extra[0] if extra else f"name={node.get('name', '')}"
            node.line = _line_of(env.doc2path(env.docname), what) or node.line
            _refuse(node, f"html_meta '{what}' is not allowed: a page's front matter may only set "
                          f"{', '.join(sorted(META_NAMES))}")
            node.parent.remove(node)
    for node in list(doctree.findall(nodes.reference)):
        uri = node.get("refuri", "")
        scheme = url_scheme(uri)
        if uri and scheme not in SAFE_LINK_SCHEMES:
            _refuse(node, f"link to '{scheme}:...' ({node.astext()[:40]!r}): only https, http, mailto and "
                          "relative links are allowed")
            node.replace_self(nodes.inline(node.astext(), node.astext()))


# --- 3. no Thebe ----------------------------------------------------------------


def drop_thebe(app: Sphinx) -> None:
    for listeners in app.events.listeners.values():
        for listener in list(listeners):
            if getattr(listener.handler, "__module__", "").startswith("sphinx_thebe"):
                app.disconnect(listener.id)


# --- 4. Content-Security-Policy ------------------------------------------------------

INLINE_SCRIPT_RE = re.compile(r"<script\b(?![^>]*\bsrc\s*=)([^>]*)>(.*?)</script\s*>", re.S | re.I)
# The inline scripts that stay, and get their hash in the policy: Sphinx's
# per-page options, the theme's saved light/dark choice (templates/layout.html)
# and the search page's focus. Any other inline script (from a template, a
# setting such as html.extra_footer, an extension) is not hashed, so the
# browser blocks it, and the build warns: ship it as a file instead.
KNOWN_INLINE_SCRIPTS = [
    re.compile(r"^\s*DOCUMENTATION_OPTIONS\.pagename = '[\w./-]*';\s*$"),
    re.compile(r"^\s*DOCUMENTATION_OPTIONS\.search_as_you_type = (true|false);\s*$"),
    re.compile(r"^\s*\(function \(root\) \{.*localStorage\.getItem\(\"mode\"\).*\}\)\(document\.documentElement\);\s*$",
               re.S),
    re.compile(r"^\s*// Activate the search field on page load\s*let searchInput = "
               r"document\.querySelector\(\"form\.bd-search input\"\);.*\}\s*$", re.S),
]
TYPE_RE = re.compile(r"\btype\s*=\s*[\"']?([^\"'\s>]+)", re.I)
JS_TYPES = {"", "module", "text/javascript", "application/javascript", "text/ecmascript",
            "application/ecmascript", "text/jscript", "text/livescript"}
# The theme's two inline handlers, and what replaces them (page-actions.js).
HANDLERS = {
    'onclick="window.print()"': 'data-bookkit-action="print"',
    'onclick="toggleFullScreen()"': 'data-bookkit-action="fullscreen"',
}
HANDLER_RE = re.compile(r"<[a-zA-Z][^>]*?\s(on[a-z]+)\s*=", re.S)
CHARSET_RE = re.compile(r"<meta charset=[^>]*>", re.I)
OLD_META_RE = re.compile(r'\s*<meta (http-equiv="Content-Security-Policy"|name="referrer")[^>]*>')


def policy(script_hashes: list[str], comments_host: str | None) -> str:
    frames = comments_host or "'none'"
    scripts = " ".join(["'self'", *([comments_host] if comments_host else []),
                        *(f"'sha256-{h}'" for h in script_hashes)])
    return "; ".join([
        "default-src 'self'",
        f"script-src {scripts}",
        # Sphinx writes table and figure widths as style attributes; no style
        # can run script, and the content allow-list refuses <style> and style=.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        f"frame-src {frames}",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ])


def inline_scripts(page: str) -> tuple[list[str], list[str]]:
    """(sha256 hashes of the known inline scripts, the start of each unknown one)."""
    hashes, unknown = [], []
    for m in INLINE_SCRIPT_RE.finditer(page):
        kind = TYPE_RE.search(m[1])
        if kind and kind[1].lower() not in JS_TYPES:
            continue  # data, not script: the browser never runs it
        if not any(p.match(m[2]) for p in KNOWN_INLINE_SCRIPTS):
            unknown.append(" ".join(m[2].split())[:60])
            continue
        digest = base64.b64encode(hashlib.sha256(m[2].encode("utf-8")).digest()).decode()
        if digest not in hashes:
            hashes.append(digest)
    return hashes, unknown


def script_hashes(page: str) -> list[str]:
    return inline_scripts(page)[0]


def secure_page(page: str, comments_host: str | None) -> tuple[str, list[str]]:
    """The page with its policy and referrer meta first in <head>; and what the
    policy blocks that the page has: inline handlers and unknown inline scripts."""
    for old, new in HANDLERS.items():
        page = page.replace(old, new)
    page = OLD_META_RE.sub("", page)
    hashes, unknown = inline_scripts(page)
    meta = (f'<meta http-equiv="Content-Security-Policy" content="{policy(hashes, comments_host)}" />'
            f'\n    <meta name="referrer" content="{REFERRER_POLICY}" />')
    m = CHARSET_RE.search(page)
    if m:
        page = page[:m.end()] + "\n    " + meta + page[m.end():]
    else:
        page = re.sub(r"<head>", lambda h: h[0] + "\n    " + meta, page, count=1, flags=re.I)
    blocked = [f"inline event handler {h}=" for h in sorted({h[1] for h in HANDLER_RE.finditer(page)})]
    return page, blocked + [f"inline script '{u}...'" for u in unknown]


def note_page(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if context.get("sourcename") and pagename in app.env.found_docs \
            and not inside(app.srcdir, app.env.doc2path(pagename)):
        context["sourcename"] = ""  # never copy a file from outside book/ into _sources/
    app.bookkit_written = getattr(app, "bookkit_written", set()) | {pagename}  # type: ignore[attr-defined]


#: Builders whose pages a browser opens from the site (not e-books).
WEB_BUILDERS = {"html", "dirhtml", "singlehtml"}


def add_policy(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.name not in WEB_BUILDERS:
        return
    host = COMMENTS_HOST if getattr(app.config, "bookkit_utterances", None) else None
    for pagename in sorted(getattr(app, "bookkit_written", ())):
        path = Path(app.builder.get_outfilename(pagename))
        if not path.is_file():
            continue
        page, blocked = secure_page(path.read_text(encoding="utf-8"), host)
        path.write_text(page, encoding="utf-8")
        for what in blocked:
            logger.warning("%s: %s is blocked by the page's Content-Security-Policy: put the code in a "
                           "script file under scripts/bookkit/extensions/static/bookkit/ (or, for a "
                           "script that must stay inline, add it to KNOWN_INLINE_SCRIPTS in %s)",
                           path.name, what, Path(__file__).name, type="bookkit", subtype="csp")
    app.bookkit_written = set()  # type: ignore[attr-defined]


def add_static(app: Sphinx) -> None:
    from bookkit.extensions.book import add_static_path

    if app.builder.name in WEB_BUILDERS:
        add_static_path(app)
        app.add_js_file("bookkit/page-actions.js", loading_method="defer")


def setup(app: Sphinx) -> dict:
    if not getattr(BuildEnvironment.relfn2path, "bookkit_guard", False):
        BuildEnvironment.relfn2path = guarded_relfn2path  # type: ignore[method-assign]
    app.add_directive("raw", GuardedRaw, override=True)
    app.add_directive("csv-table", GuardedCSVTable, override=True)
    app.connect("source-read", guard_source)
    # Before the image and download collectors (priority 500) copy anything.
    app.connect("doctree-read", guard_doctree, priority=100)
    app.connect("builder-inited", drop_thebe)
    app.connect("builder-inited", add_static)
    app.connect("html-page-context", note_page)
    # Last, after any other extension has rewritten the pages: the hashes must
    # match the final text.
    app.connect("build-finished", add_policy, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": False}
