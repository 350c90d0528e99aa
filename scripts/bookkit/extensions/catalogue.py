"""Sphinx extension: the catalogue, every model in one table (```{model-catalogue}```).

The table is plain HTML that works without JavaScript: every record, in
order of release, each name linking to its model page. The book's own small
script (static/bookkit/catalogue.js, no library, served with the page and
loaded only here) then adds, as a progressive enhancement:

* sorting by any column: each header becomes a button; ``aria-sort`` says
  the order to screen readers;
* filters by organisation, year, modality, licence class, size and context
  (labelled selects, plus a name search), and a live count of the rows shown.

The filter form is in the HTML with ``hidden`` so that readers without
JavaScript see no controls that cannot work; the script reveals it.
Every data value is written escaped (data is text, never markup).
Website only: the EPUB and PDF carry the data chapter's full table instead.
"""

from __future__ import annotations

import html
from collections import Counter

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

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


def short_count(billions: float | None) -> str:
    if billions is None:
        return "–"
    if billions >= 1000:
        return f"{billions / 1000:g}T"
    if billions >= 1:
        return f"{billions:g}B"
    return f"{billions * 1000:g}M"


def short_context(tokens: int | None) -> str:
    if tokens is None:
        return "–"
    return f"{tokens // 1024}K" if tokens >= 1024 and tokens % 1024 == 0 else f"{tokens:,}"


#: Filters: (key, label, value of a record). Keys are data-* attribute names.
def filters(data: ModelData) -> list[tuple[str, str, callable]]:
    return [
        ("organisation", "Organisation", lambda m: m.organisation),
        ("year", "Year", lambda m: str(m.released.year)),
        ("modality", "Modality", lambda m: m.modality),
        ("licence", "Licence class", lambda m: licence_class(data, m)),
        ("size", "Size", lambda m: size_bucket(m.parameters_b)),
        ("context", "Context", lambda m: context_bucket(m.context_length)),
    ]


class catalogue_node(nodes.General, nodes.Element):
    """Placeholder: the HTML writer renders the table (links need the builder)."""


class ModelCatalogue(SphinxDirective):
    def run(self) -> list[nodes.Node]:
        for name in (self.config.modeldata_models, self.config.modeldata_licences):
            self.env.note_dependency(name)
        return [catalogue_node()]


def _options(values, order=None) -> str:
    counts = Counter(values)
    keys = order if order else sorted(counts, key=str.lower)
    return "".join(f'<option value="{html.escape(k)}">{html.escape(k)} ({counts[k]})</option>'
                   for k in keys if k in counts)


def catalogue_html(data: ModelData, href) -> str:
    """The whole catalogue as HTML; ``href(id)`` gives a model page's URL."""
    esc = html.escape
    models = sorted(data.models, key=lambda m: (m.released, m.name.lower()))
    specs = filters(data)
    order = {"size": [s[0] for s in SIZES] + [UNKNOWN], "context": [c[0] for c in CONTEXTS] + [UNKNOWN],
             "year": sorted({str(m.released.year) for m in models})}
    form = ['<form class="catalogue-filters" data-catalogue-filters hidden aria-label="Filter the models">',
            '<div class="catalogue-filter"><label for="catalogue-q">Name contains</label>'
            '<input id="catalogue-q" type="search" data-filter-text autocomplete="off"></div>']
    for key, label, value in specs:
        form.append(f'<div class="catalogue-filter"><label for="catalogue-{key}">{label}</label>'
                    f'<select id="catalogue-{key}" data-filter="{key}"><option value="">all</option>'
                    f'{_options([value(m) for m in models], order.get(key))}</select></div>')
    form.append('<div class="catalogue-filter"><button type="reset" class="catalogue-reset">Show all</button></div></form>')
    head = [("Model", "text"), ("Organisation", "text"), ("Released", "text"), ("Modality", "text"),
            ("Parameters", "number"), ("Context", "number"), ("Licence", "text"), ("Licence class", "text")]
    rows = []
    for m in models:
        lic = data.licences[m.licence]
        attrs = " ".join(f'data-{key}="{esc(value(m))}"' for key, _, value in specs)
        cells = [
            f'<th scope="row" data-sort="{esc(m.name.lower())}"><a href="{esc(href(m.id))}">{esc(m.name)}</a></th>',
            f"<td>{esc(m.organisation)}</td>",
            f'<td data-sort="{m.released.isoformat()}">{m.released:%Y-%m}</td>',
            f"<td>{esc(m.modality)}</td>",
            f'<td data-sort="{m.parameters_b if m.parameters_b is not None else -1}">{short_count(m.parameters_b)}</td>',
            f'<td data-sort="{m.context_length if m.context_length is not None else -1}">{short_context(m.context_length)}</td>',
            f"<td>{esc(lic.name)}</td>",
            f"<td>{esc(licence_class(data, m))}</td>",
        ]
        rows.append(f'<tr {attrs}>{"".join(cells)}</tr>')
    ths = "".join(f'<th scope="col" data-sort-type="{kind}">{name}</th>' for name, kind in head)
    total = len(models)
    return "\n".join([
        '<div class="model-catalogue" data-catalogue>',
        "".join(form),
        f'<p class="catalogue-count" data-catalogue-count role="status" aria-live="polite">'
        f"{total} models, in order of release.</p>",
        '<div class="catalogue-scroll" tabindex="0" role="region" aria-labelledby="catalogue-caption">',
        '<table class="catalogue-table table">',
        f'<caption id="catalogue-caption">Every model in the book\'s data ({total} records). '
        "Parameters: total (B = billion); context: tokens (K = 1,024); "
        "\u2013: not known (the model's page says why).</caption>",
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
