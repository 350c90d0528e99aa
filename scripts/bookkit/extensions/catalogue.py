"""Sphinx extension: the catalogue, every model in one table (```{model-catalogue}```).

The table is plain HTML that works without JavaScript: every record, in
order of release, each name linking to its model page. The book's own small
script (static/bookkit/catalogue.js, no library, served with the page and
loaded only here) then adds, as a progressive enhancement:

* sorting by any column: each header becomes a button; ``aria-sort`` says
  the order to screen readers;
* filters by organisation, year, modality, licence class, size and context
  (labelled selects, plus a name search), and a live count of the rows shown.

The script builds the filter form itself from the rows' ``data-*`` values,
so readers without JavaScript see no controls that cannot work, and the
page carries no form markup (the built-site allow-list refuses forms).
Every data value is written escaped (data is text, never markup).
Website only: the EPUB and PDF carry the data chapter's full table instead.
"""

from __future__ import annotations

import html

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from bookkit.data import formats as fmt
from bookkit.data.models import ModelData, ModelRecord

#: Size buckets (billions of parameters) and context buckets (tokens), shown in this order.
SIZES = [("under 3B", 0, 3), ("3B to 15B", 3, 15), ("15B to 100B", 15, 100), ("100B and more", 100, float("inf"))]
CONTEXTS = [("up to 8K", 0, 8192), ("8K to 32K", 8193, 32768), ("32K to 128K", 32769, 131072),
            ("over 128K", 131073, float("inf"))]
UNKNOWN = "not known"


def context_bucket(tokens: int | None) -> str:
    if tokens is None:
        return UNKNOWN
    for name, low, high in CONTEXTS:
        if low <= tokens <= high:
            return name
    return CONTEXTS[-1][0]


def size_bucket(billions: float | None) -> str:
    if billions is None:
        return UNKNOWN
    for name, low, high in SIZES:
        if low <= billions < high:
            return name
    return SIZES[-1][0]


def licence_class(data: ModelData, rec: ModelRecord) -> str:
    """A coarse class for filtering: what the weights' licence lets you do."""
    if not rec.open_weights:
        return "weights not released"
    lic = data.licences[rec.licence]
    if lic.osi_approved:
        return "open source (OSI-approved)"
    return {"yes": "open weights, commercial use",
            "conditional": "open weights, conditional commercial use",
            "no": "open weights, non-commercial"}[rec.commercial_use]


#: Filters: (key, label, value of a record). Keys are data-* attribute names on each row;
#: catalogue.js knows the same keys and labels (the browser tests check each one).
def filters(data: ModelData) -> list[tuple[str, str, callable]]:
    return [
        ("organisation", "Organisation", lambda m: m.organisation),
        ("year", "Year", lambda m: str(m.released.year)),
        ("modality", "Modality", lambda m: m.modality),
        ("licence", "Licence class", lambda m: licence_class(data, m)),
        ("size", "Size", lambda m: size_bucket(m.parameters_b)),
        ("context", "Context", lambda m: context_bucket(m.context_length)),
    ]


#: The data-* attributes the catalogue writes; the built-site HTML check accepts them.
DATA_ATTRIBUTES = frozenset({"data-catalogue", "data-catalogue-count", "data-sort", "data-sort-type"} |
                            {f"data-{key}" for key, _, _ in filters(None)})


class catalogue_node(nodes.General, nodes.Element):
    """Placeholder: the HTML writer renders the table (links need the builder)."""


class ModelCatalogue(SphinxDirective):
    def run(self) -> list[nodes.Node]:
        for name in (self.config.modeldata_models, self.config.modeldata_licences):
            self.env.note_dependency(name)
        return [catalogue_node()]


def catalogue_html(data: ModelData, href) -> str:
    """The whole catalogue as HTML; ``href(id)`` gives a model page's URL."""
    esc = html.escape
    models = sorted(data.models, key=lambda m: (m.released, m.name.lower()))
    specs = filters(data)
    head = [("Model", "text"), ("Organisation", "text"), ("Released", "text"), ("Modality", "text"),
            ("Parameters", "number"), ("Context", "number"), ("Licence", "text"), ("Licence class", "text")]
    rows = []
    for m in models:
        lic = data.licences[m.licence]
        attrs = " ".join(f'data-{key}="{esc(value(m))}"' for key, _, value in specs)
        cells = [
            f'<th scope="row" data-sort="{esc(m.name.lower())}"><a href="{esc(href(m.id))}">{esc(m.name)}</a></th>',
            f"<td>{esc(m.organisation)}</td>",
            f'<td data-sort="{fmt.iso_day(m.released)}">{fmt.month(m.released)}</td>',
            f"<td>{esc(m.modality)}</td>",
            f'<td data-sort="{m.parameters_b if m.parameters_b is not None else -1}">{fmt.parameters(m.parameters_b)}</td>',
            f'<td data-sort="{m.context_length if m.context_length is not None else -1}">{fmt.context(m.context_length)}</td>',
            f'<td title="{esc(lic.name)}">{esc(lic.id)}</td>',
            f"<td>{esc(licence_class(data, m))}</td>",
        ]
        rows.append(f'<tr {attrs}>{"".join(cells)}</tr>')
    ths = "".join(f'<th scope="col" data-sort-type="{kind}">{name}</th>' for name, kind in head)
    total = len(models)
    return "\n".join([
        '<div class="model-catalogue" data-catalogue>',
        # The script puts the filters here; catalogue.css reserves their space
        # when scripting is on, so nothing below them moves (no layout shift).
        '<div class="catalogue-controls"></div>',
        f'<p class="catalogue-count" data-catalogue-count role="status" aria-live="polite">'
        f"{total} models, in order of release.</p>",
        f'<p class="catalogue-key">Parameters are totals. {esc(fmt.CONVENTION)} {fmt.MISSING} means not '
        "known (the model's page says why). Licences are shown by their short name; hover or open the "
        "model's page for the full name.</p>",
        '<div class="catalogue-scroll" tabindex="0" role="region" aria-labelledby="catalogue-caption">',
        '<table class="catalogue-table table">',
        f'<caption id="catalogue-caption">Every model in the book\'s data ({total} records)</caption>',
        f"<thead><tr>{ths}</tr></thead>",
        "<tbody>", *rows, "</tbody></table></div></div>",
    ])


def visit_catalogue_html(self, node: catalogue_node) -> None:
    builder = self.builder
    docname = builder.current_docname

    def href(ident: str) -> str:
        return builder.get_relative_uri(docname, f"model/{ident}")

    self.body.append(catalogue_html(builder.app.modeldata, href))
    raise nodes.SkipNode


def skip(self, node) -> None:
    raise nodes.SkipNode


def page_assets(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Only the catalogue page loads the catalogue's script and styles."""
    if doctree is not None and next(iter(doctree.findall(catalogue_node)), None) is not None:
        app.add_css_file("bookkit/catalogue.css")
        app.add_js_file("bookkit/catalogue.js", loading_method="defer")


def setup(app: Sphinx) -> dict:
    app.setup_extension("bookkit.extensions.model_directives")
    app.add_node(catalogue_node, html=(visit_catalogue_html, None), epub=(skip, None),
                 latex=(skip, None), text=(skip, None), man=(skip, None), texinfo=(skip, None))
    app.add_directive("model-catalogue", ModelCatalogue)
    app.connect("html-page-context", page_assets, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
