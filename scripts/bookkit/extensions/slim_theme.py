"""Sphinx extension: the same book look at a third of the weight, plus reader features.

A default Jupyter Book 1.0.4 page transfers ~950 KiB (gzip) and scores in the
70s-90s on Lighthouse mobile. This extension trims what the reader's browser
downloads without changing how the book looks or what the buttons do.
Each change, and why it is safe:

1. **No fontawesome.js** (1.49 MB raw, 540 KB gzip, and ~200 ms of main-thread
   work). pydata-sphinx-theme loads it only to turn ``<i class="fa-...">``
   into inline SVGs; its CSS already contains every Font Awesome class, so
   the same ``<i>`` elements render from the icon *font* instead. The
   template override (templates/layout.html) drops the script tag.
2. **Icon fonts and icon CSS subset to the icons the book uses.** The theme's CSS points
   at the full Font Awesome webfonts (solid 156 KB + brands 118 KB). After
   each build, every ``fa-*`` icon class in the written pages (plus the
   icons the theme's CSS and JS use: admonitions, external links,
   breadcrumbs, search, close) is collected and the fonts are subset with
   fontTools (already installed with matplotlib) into
   ``_static/bookkit/fa-*.woff`` (a few KB). ``_static/bookkit/icons.css``
   redeclares the same ``@font-face`` families after the theme's CSS, so the
   browser uses (and downloads) only the subsets. If fontTools is missing the
   full fonts are used, nothing breaks. Likewise the theme's CSS carries a
   ``.fa-NAME:before{content:...}`` rule for each of ~2,000 icons (20 KB of
   its 65 KB gzip, all render-blocking): pages link a copy,
   ``_static/bookkit/pydata-sphinx-theme.css``, without the rules of icons
   no page uses. An unknown icon class in a page is a build warning.
3. **No search index on every page.** pydata-sphinx-theme loads
   searchtools.js, language_data.js and searchindex.js (which grows with the
   book) on every page for its optional search-as-you-type; the book's
   search box submits to search.html, which still loads them. Kept when
   ``html_theme_options.search_as_you_type`` is true.
4. **Per-page assets.** A page gets copybutton/clipboard only if it has a
   code block, togglebutton only if it has a toggle or dropdown,
   sphinx-design CSS/JS only if it uses sphinx-design, the myst-nb CSS only
   if it has notebook cells or glued outputs, the comments script only if it
   has comments. sphinx-thebe (live code, off in
   this book: ``launch_buttons.thebe`` is false) is removed everywhere: its
   two copies of an inline ``const THEBE_JS_URL`` threw a SyntaxError in the
   console of every page.
5. **Deferred scripts, lazy images.** Images after a page's first get
   ``loading="lazy"``. Every remaining script file except
   documentation_options.js (inline scripts read it) gets ``defer``, so
   nothing but CSS blocks the first paint.
6. **No CSS @import chain.** The theme's theme.css is only
   ``@import "../basic.css"``; the page links basic.css directly.
7. **Accessibility fixes found by axe-core** (templates/): the search
   button's accessible name includes its visible text (no aria-label
   "Search" over "Search Ctrl+K"), the book title link sits in a ``<nav>``
   landmark, bibliography entries are ``role="listitem"`` of their list.
8. **Small fixes found by the browser tests and the Nu checker**: a default
   colour mode (``auto``; the theme logged "Got invalid theme mode" on
   every page without one), one viewport meta instead of three, an SVG
   favicon (otherwise every page 404s on /favicon.ico), and the saved
   light/dark choice resolved before the first paint (templates/layout.html).

Reader features configured here from the single facts in _config.yml:

* ``sitemap.xml`` of every page (``html_baseurl`` + page, lastmod from git)
  and ``robots.txt`` pointing to it, written here rather than by
  sphinx-sitemap, which lists only the pages an incremental build rewrote
  (see write_sitemap_and_robots).
* a description and social-card metadata on every page (social_meta):
  ``<meta name="description">``, Open Graph title/type/url/site name/
  description and a Twitter summary card. A page's ``html_meta:
  description`` front matter is its description; without one, the first
  paragraph is. (Done here rather than by sphinxext-opengraph, which imports
  matplotlib on every build and ignores the page's own description.)
* 404 page (sphinx-notfound-page): ``notfound_urls_prefix`` is the path of
  ``html_baseurl`` (``/open-models/``), so the page works at any depth.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from pathlib import Path
from urllib.parse import urlparse

from markupsafe import Markup
from sphinx.application import Sphinx
from sphinx.builders.html._assets import _JavaScript
from sphinx.config import Config
from sphinx.util import logging

logger = logging.getLogger(__name__)

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"

# --- per-page asset rules --------------------------------------------------------
CLASS_ATTR = re.compile(r'class="([^"]*)"')


def _classes(body: str) -> set[str]:
    found: set[str] = set()
    for value in CLASS_ATTR.findall(body):
        found.update(value.split())
    return found


def page_needs(body: str) -> dict[str, bool]:
    classes = _classes(body)
    return {
        "copybutton": "<pre" in body,
        "togglebutton": bool(classes & {"toggle", "dropdown", "toggle-details"}),
        "design": any(c.startswith("sd-") for c in classes),
        "design_tabs": "sd-tab-set" in classes,
        "mystnb": bool(
            classes & {"cell", "cell_output", "output", "pasted-text", "pasted-inline"}
        ),
        "thebe": bool(classes & {"thebe", "thebe-launch-button"}),
        "comments": "book-comments" in classes,
    }


def _name(asset) -> str:
    return str(getattr(asset, "filename", asset) or "")


def _body(asset) -> str:
    return getattr(asset, "attributes", {}).get("body", "") or ""


def keep_script(js, needs: dict[str, bool]) -> bool:
    name, body = _name(js), _body(js)
    if "thebe" in name or "THEBE_JS_URL" in body:
        return needs["thebe"]
    if name.endswith(("copybutton.js", "clipboard.min.js")):
        return needs["copybutton"]
    if name.endswith("togglebutton.js") or "togglebutton" in body or "toggleHint" in body or "toggleOpenOnPrint" in body:
        return needs["togglebutton"]
    if name.endswith("design-tabs.js"):
        return needs["design_tabs"]
    if name.endswith("bookkit/book-comments.js"):
        return needs["comments"]
    return True


def keep_css(css, needs: dict[str, bool]) -> bool:
    name = _name(css)
    if "thebe" in name:
        return needs["thebe"]
    if name.endswith("copybutton.css"):
        return needs["copybutton"]
    if name.endswith("togglebutton.css"):
        return needs["togglebutton"]
    if "sphinx-design" in name:
        return needs["design"]
    if Path(name).name.startswith("mystnb."):
        return needs["mystnb"]
    return True


def deferred(js):
    """The same script with ``defer`` (scripts with a body or async stay as they are)."""
    if not isinstance(js, _JavaScript) or not js.filename or _body(js):
        return js
    attrs = dict(js.attributes)
    if "async" in attrs or "defer" in attrs or attrs.get("type") == "module":
        return js
    if _name(js).endswith("documentation_options.js"):
        return js  # inline scripts below it read DOCUMENTATION_OPTIONS at once
    attrs["defer"] = "defer"
    return _JavaScript(js.filename, priority=js.priority, **attrs)


GENERATED_DESCRIPTIONS = {
    "search": "Search {title}.",
    "genindex": "Index of the terms in {title}.",
    "404": "Page not found in {title}.",
}
VIEWPORT = re.compile(r'<meta name="viewport"[^>]*>\s*')
META_DESCRIPTION = re.compile(r'<meta\b[^>]*\bname="description"[^>]*>')
META_CONTENT = re.compile(r'\bcontent="([^"]*)"')
TAGS = re.compile(r"<[^>]+>")


def first_paragraph(doctree, limit: int = 200) -> str:
    """The page's first paragraph of running text, at most *limit* characters."""
    from docutils import nodes

    if doctree is None:
        return ""
    skip = (nodes.Admonition, nodes.sidebar, nodes.topic, nodes.table, nodes.figure, nodes.footnote,
            nodes.citation, nodes.comment, nodes.raw, nodes.literal_block)
    for para in doctree.findall(nodes.paragraph):
        parent, inside = para.parent, False
        while parent is not None:
            if isinstance(parent, skip):
                inside = True
                break
            parent = parent.parent
        text = " ".join(para.astext().split())
        if inside or len(text) < 40:
            continue
        if len(text) > limit:
            text = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "\u2026"
        return text
    return ""


def social_meta(app: Sphinx, pagename: str, context: dict, doctree) -> str:
    """``<meta name="description">`` and social-card (Open Graph) tags.

    The description is the page's ``html_meta: description`` front matter,
    else its first paragraph (search, index and 404 pages get a fixed one).
    sphinxext-opengraph did this too, but it imports matplotlib for its
    image cards on every build (0.3 s of a no-change rebuild) and ignores the
    page's own description for og:description.
    """
    existing = META_DESCRIPTION.search(context.get("metatags") or "")
    title_of_book = app.config.html_title or app.config.project
    if existing:
        description = html.unescape(META_CONTENT.search(existing.group(0)).group(1))
    elif pagename in GENERATED_DESCRIPTIONS:
        description = GENERATED_DESCRIPTIONS[pagename].format(title=title_of_book)
    else:
        description = first_paragraph(doctree)
    title = html.unescape(TAGS.sub("", context.get("title") or title_of_book))
    tags = [("property", "og:title", title), ("property", "og:type", "website"),
            ("property", "og:site_name", title_of_book)]
    if app.config.html_baseurl and pagename != "404":
        url = app.config.html_baseurl.rstrip("/") + "/" + app.builder.get_target_uri(pagename)
        tags.append(("property", "og:url", url))
    if description:
        tags.append(("property", "og:description", description))
        if not existing:
            tags.append(("name", "description", description))
    tags.append(("name", "twitter:card", "summary"))
    return "".join(
        f'\n<meta {kind}="{key}" content="{html.escape(value, quote=True)}" />' for kind, key, value in tags
    )


IMG = re.compile(r"<img\b(?![^>]*\bloading=)")


def lazy_images(body: str) -> str:
    """Every image but the first loads when it nears the viewport."""
    first = True

    def mark(match: re.Match) -> str:
        nonlocal first
        if first:
            first = False
            return match.group(0)
        return '<img loading="lazy" decoding="async"'

    return IMG.sub(mark, body)


def slim_page(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if app.builder.format != "html":
        return
    if pagename in app.env.all_docs:
        app.bookkit_pages_written = getattr(app, "bookkit_pages_written", 0) + 1
    body = context.get("body", "") or ""
    needs = page_needs(body)
    if body.count("<img ") > 1:
        body = context["body"] = lazy_images(body)
    if 'role="doc-biblioentry"' in body:
        # docutils puts citations (role="doc-biblioentry", deprecated in
        # ARIA 1.3) in a role="list": axe-core wants list items there.
        body = context["body"] = body.replace('role="doc-biblioentry"', 'role="listitem"')
    if "script_files" in context:
        scripts = [js for js in context["script_files"] if keep_script(js, needs)]
        # search.html loads searchtools.js synchronously, which needs doctools.js.
        if pagename != "search":
            scripts = [deferred(js) for js in scripts]
        context["script_files"] = scripts
    if "css_files" in context:
        context["css_files"] = [css for css in context["css_files"] if keep_css(css, needs)]
    # basic/layout.html writes one viewport meta itself; drop the copies.
    if context.get("metatags"):
        context["metatags"] = VIEWPORT.sub("", context["metatags"])
    context["metatags"] = (context.get("metatags") or "") + social_meta(app, pagename, context, doctree)
    context["bookkit_search_on_every_page"] = bool(
        app.config.html_theme_options.get("search_as_you_type")
    )
    # The sidebar's section toggles are <summary> elements holding only an
    # icon: axe-core wants them named (summary-name).
    toctree = context.get("generate_toctree_html")
    if toctree is not None and not getattr(toctree, "bookkit_named", False):
        def named_toctree(*args, **kwargs):
            return Markup(str(toctree(*args, **kwargs)).replace(
                "<summary>", '<summary aria-label="Show or hide the pages of this section">'))

        named_toctree.bookkit_named = True
        context["generate_toctree_html"] = named_toctree


# --- sidebar navigation, rendered once per build -----------------------------------
# sphinx-book-theme calls pydata-sphinx-theme's generate_toctree_html() on
# every page; it resolves the book's whole table of contents, renders it with
# docutils and rewrites it with BeautifulSoup: work in proportion to the
# number of pages, done for every page (so the book's build time would grow
# with the square of its page count). The tree is the same on every page of a
# folder except for the entries that lead to the page itself. So it is
# rendered once per folder for a page that is not in the tree, and each page
# then marks its own branch exactly as Sphinx and the theme do:
#   <a class="reference internal" href="PAGE.html">  ->  class="current reference internal" href="#"
#   each enclosing <li class="toctree-lN ...">      ->  "toctree-lN current active ..." (+ <details open>)
#   each enclosing <ul ...>                          ->  class "current ..." first
# Anything else (a collapsing sidebar, a page listed twice, show_navbar_depth
# 0, a non-"html" builder, a page whose tree another extension renders, such
# as the 404 page's) falls back to the theme's own function.
# tests/extensions/test_sidebar.py compares both on a book with nested chapters.
SIDEBAR_NEUTRAL_PAGE = "__bookkit-sidebar__"
TAG = re.compile(r"<(/?)(li|ul|details)\b([^>]*)>")


def mark_current(html_text: str, href: str) -> str | None:
    """The neutral sidebar *html_text* with the entry linking to *href* marked current.

    None if *href* is not linked exactly once (the caller then renders the
    sidebar the theme's way).
    """
    anchor = f'<a class="reference internal" href="{href}">'
    at = html_text.find(anchor)
    if at < 0 or html_text.find(anchor, at + 1) >= 0:
        return None
    stack: list[re.Match] = []
    for tag in TAG.finditer(html_text, 0, at):
        if tag.group(1):
            if stack and stack[-1].group(2) == tag.group(2):
                stack.pop()
        else:
            stack.append(tag)
    edits: list[tuple[int, int, str]] = [(at, at + len(anchor), '<a class="current reference internal" href="#">')]

    def open_details(tag: re.Match) -> None:
        if "open=" not in tag.group(3):
            edits.append((tag.end(3), tag.end(3), ' open="open"'))

    previous = None
    for tag in stack:
        name, attrs = tag.group(2), tag.group(3)
        if name == "li":
            new = re.sub(r'class="(toctree-l\d+)', r'class="\1 current active', attrs, count=1)
            if new == attrs:
                return None
            edits.append((tag.start(3), tag.end(3), new))
        elif name == "ul":
            new = (attrs.replace('class="', 'class="current ', 1) if 'class="' in attrs
                   else attrs + ' class="current"')
            edits.append((tag.start(3), tag.end(3), new))
        elif previous is not None and previous.group(2) == "li":
            open_details(tag)  # an enclosing entry shows its children
        previous = tag
    # The page's own entry shows its children too.
    after = TAG.search(html_text, at + len(anchor))
    if after is not None and after.group(2) == "details" and not after.group(1):
        open_details(after)
    out = html_text
    for start, end, text in sorted(edits, reverse=True):
        out = out[:start] + text + out[end:]
    return out


SUMMARY_AFTER_LINK = re.compile(
    r'(<a class="[^"]*reference internal[^"]*" href="[^"]*">)(.*?)(</a><details(?: open="open")?>)<summary>')


def name_summaries(html_text: str) -> str:
    """Give each sidebar toggle (``<summary>``, only a chevron icon) an accessible name.

    axe-core: "Summary elements must have discernible text". The name says
    what the toggle shows: "Sections of Models".
    """
    def named(match: re.Match) -> str:
        title = html.escape(html.unescape(TAGS.sub("", match.group(2))).strip(), quote=True)
        return f'{match.group(1)}{match.group(2)}{match.group(3)}<summary aria-label="Sections of {title}">'

    return SUMMARY_AFTER_LINK.sub(named, html_text)


def sidebar_once(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Swap the theme's generate_toctree_html for one that renders the sidebar once per folder."""
    original = context.get("generate_toctree_html")
    if original is None or app.builder.format != "html":
        return

    def theme_sidebar(kind, *args, **kwargs):
        result = original(kind, *args, **kwargs)
        return name_summaries(str(result)) if kind == "sidebar" else result

    context["generate_toctree_html"] = theme_sidebar
    if app.builder.name != "html" or not app.config.bookkit_sidebar_once:
        return
    if not getattr(context.get("toctree"), "__module__", "").startswith("sphinx."):
        return  # another extension renders this page's tree (the 404 page's absolute links)
    from pydata_sphinx_theme.toctree import add_toctree_functions

    cache = app.env.__dict__.setdefault("_bookkit_sidebar", {})
    if cache.get("build") is not app.builder:  # a new build: nothing cached
        cache.clear()
        cache["build"] = app.builder
    folder = pagename.rpartition("/")[0]

    def neutral(kind, kwargs_key):
        key = (folder, kind, kwargs_key)
        if key not in cache:
            neutral_page = f"{folder}/{SIDEBAR_NEUTRAL_PAGE}" if folder else SIDEBAR_NEUTRAL_PAGE
            fake = {"toctree": lambda **kw: app.builder._get_local_toctree(neutral_page, **kw)}
            add_toctree_functions(app, neutral_page, templatename, fake, None)
            cache[key] = name_summaries(str(fake["generate_toctree_html"](kind, **dict(kwargs_key))))
        return cache[key]

    def generate_toctree_html(kind, startdepth=1, show_nav_level=1, **kwargs):
        usable = (kind == "sidebar" and startdepth == 0 and int(show_nav_level) > 0
                  and not kwargs.get("collapse"))
        if usable:
            kwargs_key = tuple(sorted({**kwargs, "startdepth": 0, "show_nav_level": show_nav_level}.items()))
            html_text = neutral(kind, kwargs_key)
            href = app.builder.get_target_uri(pagename).rpartition("/")[2]
            if "in_tree" not in cache:
                cache["in_tree"] = {doc for docs in app.env.toctree_includes.values() for doc in docs}
            marked = mark_current(html_text, href) if pagename in cache["in_tree"] else html_text
            if marked is not None:
                return marked
        return theme_sidebar(kind, startdepth=startdepth, show_nav_level=show_nav_level, **kwargs)

    context["generate_toctree_html"] = generate_toctree_html


def install_sidebar_once(app: Sphinx) -> None:
    """Run sidebar_once right after the theme adds its toctree functions.

    The theme's next listener (update_and_remove_templates) renders every
    sidebar template once to drop the empty ones: with the theme's own
    function that is a full sidebar per page, the largest cost of a build of
    many small pages. Chained here, that render uses the cached sidebar too.
    Listeners keep their order; if the theme's listener is not found, the
    swap happens later (priority 600) and only the page itself benefits."""
    from pydata_sphinx_theme import toctree as theme_toctree

    listeners = app.events.listeners.get("html-page-context", [])
    for index, listener in enumerate(listeners):
        if listener.handler is theme_toctree.add_toctree_functions:
            def chained(app, pagename, templatename, context, doctree, _theme=listener.handler):
                _theme(app, pagename, templatename, context, doctree)
                sidebar_once(app, pagename, templatename, context, doctree)

            listeners[index] = listener._replace(handler=chained)
            return
    app.connect("html-page-context", sidebar_once, priority=600)


# --- config --------------------------------------------------------------------
def configure(app: Sphinx, config: Config) -> None:
    # pydata-sphinx-theme reads the default colour mode from html_context.
    context = dict(config.html_context or {})
    context.setdefault("default_mode", "auto")
    config.html_context = context
    # sphinx-notfound-page: absolute links under the site's path.
    if hasattr(config, "notfound_urls_prefix") and config.html_baseurl:
        path = urlparse(config.html_baseurl).path or "/"
        if not path.endswith("/"):
            path += "/"
        config.notfound_urls_prefix = path
        context = dict(getattr(config, "notfound_context", {}) or {})
        context.setdefault("title", "Page not found")
        if "Unfortunately we couldn't find" in context.get("body", ""):
            context.pop("body")  # sphinx-notfound-page's default: no way back
        context.setdefault(
            "body",
            "<h1>Page not found</h1>\n"
            "<p>There is no page at this address. It may have moved: try the "
            f'<a href="{path}index.html">front page</a>, the '
            f'<a href="{path}search.html">search</a> or the table of contents.</p>',
        )
        config.notfound_context = context


def builder_inited(app: Sphinx) -> None:
    from bookkit.extensions.book import html_only

    if not html_only(app):
        return
    env = getattr(app.builder, "templates", None)
    # The template overrides, first in the search path: added here rather than
    # to templates_path, because only now is the builder known (an EPUB or PDF
    # theme has no pydata-sphinx-theme templates to extend).
    if env is not None and hasattr(env, "loaders"):
        from sphinx.jinja2glue import SphinxFileSystemLoader

        env.pathchain.insert(0, str(TEMPLATES))
        env.loaders.insert(0, SphinxFileSystemLoader(str(TEMPLATES)))
    if env is not None and hasattr(env, "environment"):
        env.environment.filters["bookkit_pre_assets"] = pre_assets


FONTAWESOME_JS = re.compile(r'\s*<script[^>]*scripts/fontawesome\.js[^>]*></script>')
THEME_CSS = re.compile(r'(<link href=")([^"]*?)styles/theme\.css\?[^"]*(" rel="stylesheet" />)')


THEME_MAIN_CSS = re.compile(r'(<link href=")([^"]*?)styles/pydata-sphinx-theme\.css\?digest=([0-9a-f]+)(" rel="stylesheet" />)')


def pre_assets(html: str) -> str:
    """Filter for pydata-sphinx-theme's head_pre_assets(): see points 1, 2 and 6."""
    html = FONTAWESOME_JS.sub("", str(html))
    html = THEME_CSS.sub(r"\1\2basic.css\3", html)
    html = THEME_MAIN_CSS.sub(r"\1\2bookkit/pydata-sphinx-theme.css?digest=\3\4", html)
    return html


# --- icon font subsets ------------------------------------------------------------
STYLE_TOKENS = {
    "fa": "solid", "fas": "solid", "fa-solid": "solid",
    "far": "regular", "fa-regular": "regular",
    "fab": "brands", "fa-brands": "brands",
}
NOT_ICONS = {
    "fa-lg", "fa-xs", "fa-sm", "fa-1x", "fa-2x", "fa-3x", "fa-fw", "fa-spin",
    "fa-pulse", "fa-border", "fa-inverse", "fa-stack", "fa-ul", "fa-li",
}
# Icons the theme's JavaScript inserts at run time.
DYNAMIC_ICONS = {("solid", "xmark")}
FONT_FILES = {
    "solid": ("fa-solid-900", "Font Awesome 6 Free", 900),
    "regular": ("fa-regular-400", "Font Awesome 6 Free", 400),
    "brands": ("fa-brands-400", "Font Awesome 6 Brands", 400),
}


def _theme_static() -> Path:
    import pydata_sphinx_theme

    return Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme" / "static"


def _codepoints(css: str) -> dict[str, int]:
    """Map ``name`` -> code point from rules like ``.fa-sun:before{content:"\\f185"}``."""
    mapping: dict[str, int] = {}
    for selectors, code in re.findall(r'((?:\.fa-[a-z0-9-]+:before,?)+)\{content:"\\([0-9a-f]+)"\}', css):
        for name in re.findall(r"\.fa-([a-z0-9-]+):before", selectors):
            mapping.setdefault(name, int(code, 16))
    return mapping


ICON_RULE = re.compile(r'((?:\.fa-[a-z0-9-]+:before,?)+)\{content:"\\[0-9a-f]+"\}')


def _keep_icon_rule(match: re.Match, used: set[str]) -> str:
    names = re.findall(r"\.fa-([a-z0-9-]+):before", match.group(1))
    return match.group(0) if used.intersection(names) else ""


def used_icons(outdir: Path) -> set[tuple[str, str]]:
    icons = set(DYNAMIC_ICONS)
    for page in outdir.rglob("*.html"):
        text = page.read_text(encoding="utf-8", errors="replace")
        for value in CLASS_ATTR.findall(text):
            tokens = value.split()
            names = [t[3:] for t in tokens if t.startswith("fa-") and t not in STYLE_TOKENS and t not in NOT_ICONS]
            if not names:
                continue
            style = next((STYLE_TOKENS[t] for t in tokens if t in STYLE_TOKENS), "solid")
            icons.update((style, n) for n in names)
    return icons


def css_icon_codepoints(css: str) -> dict[str, set[int]]:
    """Code points the theme's CSS puts in generated content with the FA fonts."""
    found = {"solid": set(), "brands": set(), "regular": set()}
    for code in re.findall(r'--pst-(?:icon-[a-z-]+|breadcrumb-divider):"\\([0-9a-f]+)"', css):
        found["solid"].add(int(code, 16))
    # a.github:before / a.gitlab:before use the brands font
    for name in ("github", "gitlab"):
        m = re.search(rf'--pst-icon-{name}:"\\([0-9a-f]+)"', css)
        if m:
            found["brands"].add(int(m.group(1), 16))
    return found


def subset_icon_fonts(app: Sphinx, exception) -> None:
    if exception or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    target = outdir / "_static" / "bookkit"
    if not getattr(app, "bookkit_pages_written", 0) and (target / "icons.css").is_file() \
            and (target / "pydata-sphinx-theme.css").is_file():
        return  # no page of the book was written: the icons in use are those of the last build
    target.mkdir(parents=True, exist_ok=True)
    static = _theme_static()
    css = (static / "styles" / "pydata-sphinx-theme.css").read_text(encoding="utf-8")
    names = _codepoints(css)
    wanted = css_icon_codepoints(css)
    unknown = []
    icons = used_icons(outdir)
    for style, name in sorted(icons):
        if name in names:
            wanted[style].add(names[name])
        else:
            unknown.append(f"{style}:{name}")
    for item in unknown:
        logger.warning("bookkit: unknown Font Awesome icon %s (not in the theme's icon set)", item,
                       type="bookkit", subtype="icon")
    used_names = {name for _style, name in icons}
    trimmed = ICON_RULE.sub(lambda m: _keep_icon_rule(m, used_names), css)
    trimmed = trimmed.replace("sourceMappingURL=", "x-sourceMappingURL-dropped=")
    # url(../vendor/...) and friends are relative to styles/; this copy is in bookkit/.
    _write_if_changed(target / "pydata-sphinx-theme.css", trimmed)
    key = json.dumps({s: sorted(v) for s, v in wanted.items()}, sort_keys=True)
    try:
        from fontTools import subset, version as fonttools_version
        from fontTools.ttLib import TTFont
    except ImportError:  # pragma: no cover - fontTools comes with matplotlib
        logger.info("bookkit: fontTools not installed; using the full icon fonts")
        (target / "icons.css").write_text("/* full Font Awesome fonts in use */\n")
        return
    # The subsets depend only on the code points, the theme's fonts and
    # fontTools: kept in the build cache under a digest of the three.
    from bookkit.extensions.buildspeed import cache_dir, write_atomic

    import pydata_sphinx_theme

    recipe = f"{key}|fontTools {fonttools_version}|theme {pydata_sphinx_theme.__version__}|{ICON_RECIPE}"
    digest_of_key = hashlib.sha256(recipe.encode()).hexdigest()[:20]
    cached = cache_dir(app, "icon-fonts", digest_of_key)
    if not (cached / "icons.css").is_file():
        for name, data in icon_subsets(static, wanted, subset, TTFont).items():
            write_atomic(cached / name, data)  # icons.css last: it marks the folder complete
    for item in cached.iterdir():
        if not item.name.startswith("."):
            _write_bytes_if_changed(target / item.name, item.read_bytes())


ICON_RECIPE = 1  # bump when icon_subsets() changes what it writes


def icon_subsets(static: Path, wanted: dict[str, set[int]], subset, TTFont) -> dict[str, bytes]:
    """The subset fonts (WOFF) and icons.css declaring them, by file name (icons.css last)."""
    import io

    files: dict[str, bytes] = {}
    rules = [
        "/* Font Awesome Free 6 icons (fonts: SIL OFL 1.1, icons: CC BY 4.0,\n"
        "   https://fontawesome.com/license/free), subset by bookkit.extensions.slim_theme\n"
        "   to the icons this book uses. Overrides the theme's full-font @font-face. */"
    ]
    for style, codes in wanted.items():
        if not codes:
            continue
        stem, family, weight = FONT_FILES[style]
        # recalcTimestamp=False: the same icons give the same bytes (reproducible builds).
        font = TTFont(static / "vendor" / "fontawesome" / "webfonts" / f"{stem}.ttf", recalcTimestamp=False)
        options = subset.Options()
        options.flavor = "woff"
        options.layout_features = ["*"]
        options.name_IDs = ["*"]
        options.notdef_outline = True
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=sorted(codes))
        subsetter.subset(font)
        font.flavor = "woff"
        buffer = io.BytesIO()
        font.save(buffer)
        files[f"{stem}.woff"] = buffer.getvalue()
        digest = hashlib.sha1(files[f"{stem}.woff"]).hexdigest()[:10]
        rules.append(
            f'@font-face{{font-family:"{family}";font-style:normal;font-weight:{weight};'
            f'font-display:block;src:url("{stem}.woff?v={digest}") format("woff")}}'
        )
    files["icons.css"] = ("\n".join(rules) + "\n").encode("utf-8")
    return files


def _write_bytes_if_changed(path: Path, data: bytes) -> None:
    if not path.is_file() or path.read_bytes() != data:
        path.write_bytes(data)


def _write_if_changed(path: Path, text: str) -> None:
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def write_sitemap_and_robots(app: Sphinx, exception) -> None:
    """sitemap.xml of every page of the book, and robots.txt pointing to it.

    sphinx-sitemap 2.9 lists only the pages written by the current build, so
    an incremental ``make html`` left a sitemap of one or two pages; it also
    starts a multiprocessing manager process on every build. This lists
    every document of the environment (only _toc.yml pages are built), with
    ``lastmod`` from git (sphinx-last-updated-by-git) where known.
    """
    if exception or app.builder.format != "html" or not app.config.html_baseurl:
        return
    from datetime import datetime, timezone
    from xml.sax.saxutils import escape

    base = app.config.html_baseurl.rstrip("/") + "/"
    updated = getattr(app.env, "git_last_updated", {}) or {}
    entries = []
    for doc in sorted(app.env.found_docs):
        url = escape(base + app.builder.get_target_uri(doc))
        line = f"<url><loc>{url}</loc>"
        stamp = (updated.get(doc) or (None,))[0]
        if stamp:
            day = datetime.fromtimestamp(int(stamp), timezone.utc).strftime("%Y-%m-%d")
            line += f"<lastmod>{day}</lastmod>"
        entries.append(line + "</url>")
    xml = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "\n".join(entries)
        + "\n</urlset>\n"
    )
    _write_if_changed(Path(app.outdir) / "sitemap.xml", xml)
    _write_if_changed(
        Path(app.outdir) / "robots.txt", f"User-agent: *\nAllow: /\n\nSitemap: {base}sitemap.xml\n"
    )


def setup(app: Sphinx) -> dict:
    app.setup_extension("bookkit.extensions.book")  # registers the static folder
    app.setup_extension("notfound.extension")  # the 404 page (website only)
    app.connect("config-inited", configure, priority=450)
    app.connect("builder-inited", builder_inited)
    # After everything else has added its assets for the page.
    app.connect("html-page-context", slim_page, priority=900)
    app.add_config_value("bookkit_sidebar_once", True, "html")
    app.connect("builder-inited", install_sidebar_once, priority=900)
    app.connect("build-finished", subset_icon_fonts)
    app.connect("build-finished", write_sitemap_and_robots)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
