"""Sphinx extension: keep the book's build fast, and incremental builds right. Measured with ``make bench``.

pybtex's plugin lookup is slow with many installed packages
------------------------------------------------------------
sphinxcontrib-bibtex resolves every ``{cite}`` reference by asking pybtex
for its style plugins (``pybtex.plugin.find_plugin``), and pybtex 0.26 answers
each time by scanning the entry points of *every installed distribution*
(``importlib.metadata.entry_points``). In this book's environment that was
~13 ms per citation: 780 citations cost 10 s of a 15 s build. The answer
never changes during a build, so it is memoised here (plugins registered at
run time with ``pybtex.plugin.register_plugin`` are still looked up first,
as pybtex does).

Every build re-formats the whole bibliography
---------------------------------------------
sphinxcontrib-bibtex formats every entry of references.bib (twice: the
reference and its tooltip) in ``env-updated`` on *every* build, even a
no-change one: ~0.7 s for 476 entries. The formatted entries are kept in
the build cache (below), keyed by everything the text depends on (style
classes and options, label, entry type, every field and person), so a
changed entry is formatted afresh, and a clean build (output and doctrees
deleted, as ``make test`` does) reuses them. The file is tied to the pybtex
and sphinxcontrib-bibtex versions.

Figure numbering reads every doctree on every build
---------------------------------------------------
With ``numfig`` on, Sphinx numbers figures and tables in ``env-get-updated``
of *every* build by walking the doctree of every page
(``TocTreeCollector.assign_figure_numbers``), so a no-change rebuild
unpickles the whole book. The walk looks only at sections, toctrees and
numbered elements (their ids and captions). A *skeleton* of each page with
just those nodes is kept in the environment, made when the page is read and
dropped when it is purged; the walk is given skeletons in place of the
doctrees, so the numbers are computed by Sphinx's own code from the same
nodes. A page without a skeleton (an environment from before this extension)
is read from its doctree as before.

An incremental build lost the glossary from the search index
------------------------------------------------------------
Sphinx saves its environment after reading, but fills the search index's
*index entries* (``env._search_index_index_entries``: the glossary terms,
``{index}`` entries) while writing. The next incremental build starts from
the saved environment without them and feeds only the pages it rewrites, so
after editing any chapter ``searchindex.js`` lost every glossary entry
(71,249 -> 69,551 bytes). The entries are saved next to the environment
after each build (``bookkit-search-index-entries.pickle`` in the doctrees
folder, so a clean build drops them with it) and given back to the pages
that the next build does not rewrite. tests/extensions/test_incremental.py
checks that an incremental build gives the site of a clean one.

The build cache
---------------
``cache_dir(app)`` is ``.cache/`` beside the doctrees folder
(``_build/.cache`` for ``make html``), outside every output folder, so that
deleting the output does not throw away work that depends only on content.
Everything in it is keyed by the content it was made from, and written
atomically (``write_atomic``), so a stale or half-written file is never used
and two builds can share it. ``make clean`` removes it with the rest of _build.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sphinx.application import Sphinx


def cache_dir(app: Sphinx, *parts: str) -> Path:
    """A folder of the build cache (created), e.g. ``cache_dir(app, "icons")``."""
    path = Path(app.doctreedir).parent.joinpath(".cache", *parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_atomic(path: Path, data: bytes) -> None:
    """Write *data* to *path* so that readers see the old file or the new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def memoise_pybtex_plugins() -> None:
    import pybtex.plugin as plugin

    original = plugin._load_entry_point
    if getattr(original, "bookkit_memoised", False):
        return
    cache: dict[tuple, type] = {}

    def load_entry_point(group, name, use_aliases=False):
        groups = [group, group + ".aliases"] if use_aliases else [group]
        for search_group in groups:
            klass = plugin._RUNTIME_PLUGINS.get(search_group, {}).get(name)
            if klass is not None:
                return klass
        key = (group, name, use_aliases)
        if key not in cache:
            cache[key] = original(group, name, use_aliases)
        return cache[key]

    load_entry_point.bookkit_memoised = True  # type: ignore[attr-defined]
    plugin._load_entry_point = load_entry_point


# --- formatted bibliography entries, kept between builds ---------------------------
CACHE_FILE = "bookkit-pybtex-entries.pickle"
_entries: dict = {}
_used: set = set()
_state = {"loaded": 0, "dirty": False}


def _entry_key(style, label, entry) -> tuple:
    persons = tuple((role, tuple(str(p) for p in people)) for role, people in entry.persons.items())
    fields = tuple((name, str(value)) for name, value in entry.fields.items())
    config = (type(style).__module__, type(style).__qualname__, type(style.name_style).__qualname__,
              type(style.label_style).__qualname__, type(style.sorting_style).__qualname__,
              style.abbreviate_names, style.min_crossrefs)
    return (config, label, entry.key, entry.type, fields, persons)


def memoise_formatted_entries() -> None:
    from pybtex.style.formatting import BaseStyle

    original = BaseStyle.format_entry
    if getattr(original, "bookkit_memoised", False):
        return

    def format_entry(self, label, entry, bib_data=None):
        if bib_data is not None or getattr(entry, "persons", None) is None:
            return original(self, label, entry, bib_data=bib_data)
        try:
            key = _entry_key(self, label, entry)
        except Exception:  # noqa: BLE001 - unusual entry: no caching
            return original(self, label, entry, bib_data=bib_data)
        _used.add(key)
        if key not in _entries:
            _entries[key] = original(self, label, entry, bib_data=bib_data)
            _state["dirty"] = True
        return _entries[key]

    format_entry.bookkit_memoised = True  # type: ignore[attr-defined]
    BaseStyle.format_entry = format_entry


def _versions() -> tuple:
    from importlib.metadata import version

    return (version("pybtex"), version("sphinxcontrib-bibtex"), 1)


def load_entries(app: Sphinx) -> None:
    import pickle

    path = cache_dir(app) / CACHE_FILE
    if not path.is_file():
        return
    try:
        versions, entries = pickle.loads(path.read_bytes())
    except Exception:  # noqa: BLE001 - unreadable cache: rebuild it
        return
    if versions == _versions():
        _entries.update(entries)
        _state["loaded"] = len(entries)


def save_entries(app: Sphinx, exception) -> None:
    import pickle

    if exception:
        return
    keep = {k: v for k, v in _entries.items() if k in _used}
    if not _state["dirty"] and len(keep) == _state["loaded"]:
        return
    path = cache_dir(app) / CACHE_FILE
    try:
        write_atomic(path, pickle.dumps((_versions(), keep), protocol=pickle.HIGHEST_PROTOCOL))
    except Exception:  # noqa: BLE001 - a cache that cannot be written is no cache
        path.unlink(missing_ok=True)


# --- figure numbering from page skeletons ------------------------------------------
SKELETONS = "bookkit_numbering_skeletons"


def numbering_skeleton(env, doctree):
    """The nodes of *doctree* that figure numbering looks at, in their places."""
    from docutils import nodes
    from sphinx import addnodes

    domains = list(env.domains.values())
    std = env.domains["std"]

    def enumerable(node) -> bool:
        return any(domain.get_enumerable_node_type(node) for domain in domains)

    def prune(node):
        copy = node.copy()
        numbered = enumerable(node)
        if numbered and std.enumerable_nodes.get(node.__class__, (None, None))[1] is not None:
            return node.deepcopy()  # a custom title getter may read anything below
        for child in node.children:
            if not isinstance(child, nodes.Element):
                continue
            if numbered and isinstance(child, (nodes.caption, nodes.title)):
                copy += child.deepcopy()  # the caption decides whether it is numbered
            elif isinstance(child, addnodes.toctree):
                copy += child.copy()
            else:
                sub = prune(child)
                if sub.children or enumerable(child):
                    copy += sub
        return copy

    return prune(doctree)


def keep_skeleton(app: Sphinx, doctree) -> None:
    env = app.env
    if env.config.numfig and env.config.bookkit_numbering_skeletons:
        getattr_or_set(env, SKELETONS)[env.docname] = numbering_skeleton(env, doctree)


def getattr_or_set(env, name: str) -> dict:
    if not hasattr(env, name):
        setattr(env, name, {})
    return getattr(env, name)


def purge_skeleton(app: Sphinx, env, docname: str) -> None:
    getattr_or_set(env, SKELETONS).pop(docname, None)


def merge_skeletons(app: Sphinx, env, docnames, other) -> None:
    ours = getattr_or_set(env, SKELETONS)
    for docname, skeleton in getattr(other, SKELETONS, {}).items():
        if docname in docnames:
            ours[docname] = skeleton


def number_figures_from_skeletons() -> None:
    from sphinx.environment.collectors.toctree import TocTreeCollector

    original = TocTreeCollector.assign_figure_numbers
    if getattr(original, "bookkit_skeletons", False):
        return

    def assign_figure_numbers(self, env):
        if not env.config.bookkit_numbering_skeletons:
            return original(self, env)
        skeletons = getattr(env, SKELETONS, {})
        real = env.get_doctree
        env.get_doctree = lambda docname: skeletons[docname] if docname in skeletons else real(docname)
        try:
            return original(self, env)
        finally:
            del env.get_doctree  # back to the method

    assign_figure_numbers.bookkit_skeletons = True  # type: ignore[attr-defined]
    TocTreeCollector.assign_figure_numbers = assign_figure_numbers


# --- search index entries across incremental builds --------------------------------
INDEX_ENTRIES_FILE = "bookkit-search-index-entries.pickle"


def restore_index_entries(app: Sphinx, env) -> None:
    import pickle

    path = Path(app.doctreedir) / INDEX_ENTRIES_FILE
    entries = getattr(env, "_search_index_index_entries", None)
    if entries is None or not path.is_file():
        return
    try:
        saved = pickle.loads(path.read_bytes())
    except Exception:  # noqa: BLE001 - unreadable: the pages are fed again when written
        return
    for docname, doc_entries in saved.items():
        # Pages written by this build are fed again and replace these.
        if docname in env.all_docs and docname not in entries:
            entries[docname] = doc_entries


def save_index_entries(app: Sphinx, exception) -> None:
    import pickle

    entries = getattr(app.env, "_search_index_index_entries", None)
    if exception or entries is None or app.builder.format != "html":
        return
    current = {doc: e for doc, e in entries.items() if doc in app.env.all_docs}
    write_atomic(Path(app.doctreedir) / INDEX_ENTRIES_FILE,
                 pickle.dumps(current, protocol=pickle.HIGHEST_PROTOCOL))


def setup(app: Sphinx) -> dict:
    memoise_pybtex_plugins()
    memoise_formatted_entries()
    app.connect("builder-inited", load_entries)
    app.connect("build-finished", save_entries)
    number_figures_from_skeletons()
    app.add_config_value("bookkit_numbering_skeletons", True, "env")
    # Late, so that every other handler has changed the page before.
    app.connect("doctree-read", keep_skeleton, priority=900)
    app.connect("env-purge-doc", purge_skeleton)
    app.connect("env-merge-info", merge_skeletons)
    app.connect("env-updated", restore_index_entries)
    app.connect("build-finished", save_index_entries)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
