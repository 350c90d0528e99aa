"""Sphinx extension: render the model data into the book.

Directives and role (MyST syntax shown):

* ```{model-facts} ID```       a fact box for one record
* ```{model-table} PRESET```   a comparison table (presets in TABLES), labelled
  ``table-PRESET`` unless a ``:name:`` option is given
* ```{model-figure} PRESET```  a data figure (presets in modelfigures.FIGURES),
  labelled ``fig-PRESET`` unless ``:name:`` is given; ``:width:`` optional
* ```{model-downloads}```      links to the data as CSV and JSON
* {fact}`ID:FIELD`             one value inline, e.g. {fact}`mistral-7b:parameters_b`

Fact boxes and tables are built as docutils nodes: every data field is a
text node (a name with ``*`` or ``|`` shows as written, never as markup);
citations go through sphinxcontrib-bibtex's ``cite:p`` role. Numbers and
dates follow bookkit.data.formats, the book's one number format.

The data is validated once per build (bad data stops the build with
``file:line`` messages). Figures, CSV and JSON are written to
``<build>/modeldata/`` only when the data or this code changed, so a no-change
rebuild does no work; pages using the data depend on the data files, so an
edit to the data re-reads exactly those pages.
"""

from __future__ import annotations

from datetime import date

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Union

from docutils import nodes
from docutils.parsers.rst import directives, roles
from docutils.statemachine import StringList
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from bookkit.data import formats as fmt
from bookkit.extensions.book import html_only

if TYPE_CHECKING:  # loading the data layer (pydantic) waits until a page needs the data
    from bookkit.data.models import ModelData, ModelRecord

logger = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent


# --- formatting: one convention for the whole book (bookkit.data.formats) -------------
# The names of the formatters this module had before bookkit.data.formats,
# for extensions that import them; they all write the one format.
count_short = fmt.parameters
count_words = fmt.parameters
context_short = fmt.context
day = fmt.day

def fact_value(data: ModelData, rec: ModelRecord, field: str) -> str:
    """The inline text of one field, as the {fact} role shows it."""
    value = getattr(rec, field)
    if value is None:
        raise ValueError(f"'{rec.id}' has no {field} ({rec.unknown.get(field, 'null')})")
    if field in ("parameters_b", "active_parameters_b"):
        return fmt.parameters(value)
    if field == "training_tokens_t":
        return fmt.tokens(value)
    if field == "context_length":
        return fmt.context(value)
    if field == "released":
        return fmt.day(value)
    if field == "licence":
        return data.licences[value].name
    if field == "commercial_use":
        return f"{value} ({rec.commercial_condition})" if rec.commercial_condition else value
    if field in ("name", "organisation", "modality", "architecture"):
        return str(value)
    raise ValueError(f"field '{field}' cannot be shown inline")


def openness(rec: ModelRecord) -> str:
    parts = [("weights", rec.open_weights), ("training code", rec.open_training_code),
             ("training data", rec.open_training_data)]
    return ", ".join(f"{name} {'open' if is_open else 'closed'}" for name, is_open in parts)


@dataclass(frozen=True)
class Cited:
    """A table cell: the text, then a ``{cite:p}`` reference to the record's sources."""

    text: str
    keys: tuple[str, ...]


@dataclass(frozen=True)
class Link:
    """A table cell: the text as a link to *url*."""

    text: str
    url: str


@dataclass(frozen=True)
class Linked:
    """A table cell: the text as a ``{ROLE}`text <target>``` cross-reference, then ``{cite:p}``."""

    text: str
    role: str
    target: str
    keys: tuple[str, ...]


Cell = Union[str, Cited, Link, Linked]


def cited(rec: ModelRecord) -> Cited:
    return Cited(rec.name, tuple(rec.citations))


# --- tables -----------------------------------------------------------------

Row = Callable[["ModelData", "ModelRecord"], list[Cell]]


def _base_row(data: ModelData, m: ModelRecord) -> list[Cell]:
    return [
        cited(m), m.organisation, fmt.month(m.released), fmt.parameters(m.parameters_b),
        fmt.tokens(m.training_tokens_t), fmt.context(m.context_length), data.licences[m.licence].name,
        m.commercial_use,
    ]


BASE_HEAD = ["Model", "Organisation", "Released", "Parameters", "Training tokens", "Context", "Licence",
             "Commercial use"]
LANGUAGE = ("text", "code", "vision-language", "multimodal")


def _moe_row(data: ModelData, m: ModelRecord) -> list[Cell]:
    return [cited(m), m.organisation, fmt.month(m.released), fmt.parameters(m.parameters_b),
            fmt.parameters(m.active_parameters_b), fmt.share(m.active_parameters_b, m.parameters_b),
            fmt.context(m.context_length), data.licences[m.licence].name]


TABLES: dict[str, tuple[str, list[str], Callable[[ModelRecord], bool], Row]] = {
    "under-15b-2023": (
        "Open-weight language models under 15 billion parameters released in 2023. " + fmt.CONVENTION,
        BASE_HEAD,
        lambda m: m.open_weights and m.released.year == 2023 and m.modality in LANGUAGE
        and m.parameters_b is not None and m.parameters_b < 15,
        _base_row,
    ),
    "small-models": (
        "Open-weight language models under 15 billion parameters released in the twelve months to "
        "November 2026. " + fmt.CONVENTION,
        BASE_HEAD,
        lambda m: m.open_weights and date(2025, 12, 1) <= m.released <= date(2026, 11, 30)
        and m.modality in LANGUAGE
        and m.parameters_b is not None and m.parameters_b < 15,
        _base_row,
    ),
    "moe-models": (
        "Open-weight mixture-of-experts models: total parameters, parameters active per token, and the "
        "active share. " + fmt.CONVENTION,
        ["Model", "Organisation", "Released", "Total", "Active", "Active share", "Context", "Licence"],
        lambda m: m.open_weights and m.is_moe,
        _moe_row,
    ),
    "retrieval-models": (
        "Open embedding and reranking models in the book's data; each name links to its section in "
        "{doc}`/models/retrieval`.",
        ["Model", "Organisation", "Kind", "Released", "Parameters", "Context", "Licence", "Commercial use"],
        lambda m: m.modality == "retrieval",
        lambda data, m: [cited(m), m.organisation,
                         "reranker" if "rerank" in m.id else "embedding", fmt.month(m.released),
                         fmt.parameters(m.parameters_b), fmt.context(m.context_length),
                         data.licences[m.licence].name, m.commercial_use],
    ),
    "guard-models": (
        "Open-weight guard and moderation models in the book's data (records tagged guard).",
        ["Model", "Organisation", "Released", "Modality", "Parameters", "Licence", "Commercial use"],
        lambda m: m.open_weights and "guard" in m.tags,
        lambda data, m: [cited(m), m.organisation, fmt.month(m.released), m.modality,
                         fmt.parameters(m.parameters_b), data.licences[m.licence].name, m.commercial_use],
    ),
    "all-models": (
        "Every model in the book's data, open or not, in order of release.",
        ["Model", "Organisation", "Released", "Modality", "Parameters", "Licence", "Open weights"],
        lambda m: True,
        lambda data, m: [cited(m), m.organisation, fmt.iso_day(m.released), m.modality,
                         fmt.parameters(m.parameters_b), data.licences[m.licence].name,
                         "yes" if m.open_weights else "no"],
    ),
}


# Presets whose first column links each model to its section (label ``models-ID``) on a models page;
# a model whose label is not on that page yet links to the page itself.
LINKED = {"retrieval-models": "models/retrieval"}
LABEL = re.compile(r"^\((models-[^)\s]+)\)=", re.MULTILINE)


def _linked(m: ModelRecord, page: str, labels: frozenset[str]) -> Linked:
    label = f"models-{m.id}"
    if label in labels:
        return Linked(m.name, "ref", label, tuple(m.citations))
    return Linked(m.name, "doc", f"/{page}", tuple(m.citations))


@dataclass
class TableSpec:
    """A generated table: caption (MyST written here, never data), column heads and one list of cells per row."""

    caption: str
    head: list[str]
    rows: list[list[Cell]]


def table_spec(data: ModelData, preset: str, labels: frozenset[str] = frozenset()) -> TableSpec:
    if preset == "by-licence":
        return licence_table_spec(data)
    caption, head, keep, row = TABLES[preset]
    models = sorted((m for m in data.models if keep(m)), key=lambda m: (m.released, m.name))
    if not models:
        raise ValueError(f"no record matches table '{preset}'")
    rows = []
    for m in models:
        cells = row(data, m)
        if preset in LINKED:
            cells[0] = _linked(m, LINKED[preset], labels)
        rows.append(cells)
    return TableSpec(caption, head, rows)


def licence_table_spec(data: ModelData) -> TableSpec:
    head = ["Licence", "OSI-approved", "Commercial use by default", "Models in this book"]
    rows: list[list[Cell]] = []
    for lic in sorted(data.licences.values(), key=lambda l: l.name.lower()):
        names = sorted(m.name for m in data.models if m.licence == lic.id)
        if names:
            rows.append([Link(lic.name, lic.url) if lic.url else lic.name,
                         "yes" if lic.osi_approved else "no", lic.commercial, ", ".join(names)])
    return TableSpec("Models in this book grouped by the licence of their weights.", head, rows)


# --- build-time state ----------------------------------------------------------


def _data_files(app: Sphinx) -> tuple[Path, Path, Path]:
    src = Path(app.srcdir)
    return (src / app.config.modeldata_models, src / app.config.modeldata_licences,
            src / "references.bib")


def artefact_dir(app: Sphinx) -> Path:
    return Path(app.doctreedir).parent / "modeldata"


def model_data(app: Sphinx) -> ModelData:
    """The validated model data, loaded on first use in a build."""
    if getattr(app, "modeldata", None) is None:
        from bookkit.data import models as modeldata

        models_file, licences_file, bib_file = _data_files(app)
        try:
            app.modeldata = modeldata.load(models_file, licences_file, bib_file)
        except modeldata.DataError as err:
            raise ExtensionError("the model data does not validate:\n" + str(err)) from None
    return app.modeldata


def load_and_generate(app: Sphinx) -> None:
    """Validate the data (``app.modeldata``), then (re)write figures and downloads if anything changed."""
    app.modeldata = None
    model_data(app)
    models_file, licences_file, _bib = _data_files(app)
    digest = hashlib.sha256()
    data_code = HERE.parent / "data"
    for path in (models_file, licences_file, data_code / "figures.py", data_code / "formats.py",
                 data_code / "models.py", Path(__file__)):
        digest.update(path.read_bytes())
    out = artefact_dir(app)
    stamp = out / "stamp"
    if stamp.is_file() and stamp.read_text() == digest.hexdigest():
        return  # nothing changed since the last build
    data = app.modeldata
    from bookkit.data import models as modeldata
    from bookkit.data.figures import FIGURES, save_svg

    out.mkdir(parents=True, exist_ok=True)
    for name, spec in FIGURES.items():
        save_svg(spec.draw(data), out / f"{name}.svg")
    (out / "models.json").write_text(modeldata.to_json(data), encoding="utf-8")
    (out / "models.csv").write_text(modeldata.to_csv(data), encoding="utf-8")
    stamp.write_text(digest.hexdigest())
    logger.info("model data: wrote %d figures and the CSV/JSON downloads to %s", len(FIGURES), out)


class ModelDataDirective(SphinxDirective):
    """Shared plumbing: depend on the data files, build table nodes from data.

    Data fields become text nodes, never markup: a model name with ``*`` or
    a licence with ``|`` shows as written. Citations go through the
    ``{cite:p}`` role itself, so they render as they do in the prose.
    """

    def data(self) -> ModelData:
        for path in _data_files(self.env.app)[:2]:
            self.env.note_dependency(str(path))
        return model_data(self.env.app)

    def fail(self, message: str) -> list[nodes.Node]:
        raise self.error(f"{self.name}: {message}")

    def parse(self, text: str) -> list[nodes.Node]:
        """Parse MyST text written by this module (figures, downloads: no data fields)."""
        container = nodes.container()
        lines = StringList(text.splitlines(), source=self.get_source_info()[0])
        self.state.nested_parse(lines, self.content_offset, container)
        return container.children

    def role(self, name: str, text: str) -> list[nodes.Node]:
        """The nodes of ``{NAME}`TEXT``` (the role itself, as the prose would use it)."""
        role, messages = roles.role(name, self.state_machine.language, self.lineno, self.state.reporter)
        if role is None:
            raise self.error(f"{self.name}: the {name} role is not available")
        result, problems = role(name, f"{{{name}}}`{text}`", text, self.lineno, self.state.inliner)
        return [*result, *messages, *problems]

    def cite(self, keys: tuple[str, ...]) -> list[nodes.Node]:
        """The nodes of ``{cite:p}`KEY,...``` (sphinxcontrib-bibtex's role)."""
        return self.role("cite:p", ",".join(keys))

    def artefact(self, name: str) -> str:
        """Path of a generated file relative to the current document's folder."""
        doc_dir = Path(self.env.doc2path(self.env.docname)).parent
        return Path(os.path.relpath(artefact_dir(self.env.app) / name, doc_dir)).as_posix()

    def cell(self, value: Cell) -> nodes.paragraph:
        para = nodes.paragraph()
        if isinstance(value, Cited):
            if value.text:
                para += nodes.Text(value.text + " ")
            para.extend(self.cite(value.keys))
        elif isinstance(value, Link):
            para += nodes.reference(value.text, value.text, refuri=value.url)
        elif isinstance(value, Linked):
            para.extend(self.role(value.role, f"{value.text} <{value.target}>"))
            para += nodes.Text(" ")
            para.extend(self.cite(value.keys))
        else:
            para += nodes.Text(value)
        return para

    def table(self, rows: list[list[Cell]], widths: list[int], *, classes: list[str],
              head: list[str] | None = None) -> nodes.table:
        """A table node as docutils' ``list-table`` (widths given) or MyST's pipe table builds it."""
        table = nodes.table(classes=classes)
        group = nodes.tgroup(cols=len(widths))
        table += group
        for width in widths:
            group += nodes.colspec(colwidth=width)

        def row(cells) -> nodes.row:
            node = nodes.row()
            for value in cells:
                node += nodes.entry("", self.cell(value))
            return node

        if head:
            group += nodes.thead("", row(head))
        group += nodes.tbody("", *(row(cells) for cells in rows))
        return table


def text_table(title: str, head: list[str], rows: list[list[str]], *, classes: list[str],
               ids: list[str] | None = None) -> nodes.table:
    """A titled table of plain-text cells, equal column widths (the generated practice tables)."""
    table = nodes.table(classes=classes, ids=ids or [])
    table += nodes.title(text=title)
    group = nodes.tgroup(cols=len(head))
    table += group
    for _ in head:
        group += nodes.colspec(colwidth=1)

    def row(cells: list[str]) -> nodes.row:
        return nodes.row("", *(nodes.entry("", nodes.paragraph(text=text)) for text in cells))

    group += nodes.thead("", row(head))
    group += nodes.tbody("", *(row(cells) for cells in rows))
    return table


def doc_link(target: str, text: str) -> addnodes.pending_xref:
    """A link to a page of the book by its docname; the text is plain text."""
    ref = addnodes.pending_xref("", refdomain="std", reftype="doc", reftarget=target,
                                refexplicit=True, refwarn=True)
    ref += nodes.inline(text=text)
    return ref


class ModelFacts(ModelDataDirective):
    required_arguments = 1

    def run(self):
        data = self.data()
        rec = data.by_id().get(self.arguments[0])
        if rec is None:
            return self.fail(f"no record with id '{self.arguments[0]}' in the model data")
        lic = data.licences[rec.licence]
        params = (fmt.parameters(rec.parameters_b) if rec.parameters_b
                  else f"not known ({rec.unknown['parameters_b']})")
        if rec.active_parameters_b:
            params += f" in total, {fmt.parameters(rec.active_parameters_b)} active per token"
        tokens = (fmt.tokens(rec.training_tokens_t) if rec.training_tokens_t
                  else f"not known ({rec.unknown['training_tokens_t']})")
        context = (f"{fmt.context(rec.context_length)} tokens" if rec.context_length
                   else f"not known ({rec.unknown['context_length']})")
        licence: Cell = Link(lic.name, lic.url) if lic.url else lic.name
        commercial = rec.commercial_use + (f": {rec.commercial_condition}" if rec.commercial_condition else "")
        rows: list[list[Cell]] = [
            ["Organisation", rec.organisation], ["Released", fmt.day(rec.released)],
            ["Modality", rec.modality], ["Parameters", params], ["Training tokens", tokens],
            ["Context window", context], ["Architecture", rec.architecture], ["Licence", licence],
            ["Commercial use", commercial], ["Openness", openness(rec)],
            ["Sources", Cited("", tuple(rec.citations))],
        ]
        # Readers must see when a record rests on secondary sources, and where sources disagree.
        if rec.evidence == "secondary":
            rows.append(["Evidence", "secondary sources only: no primary source (card, paper or "
                                     "announcement) was found for this release"])
        if rec.note:
            rows.append(["Note", rec.note])
        box = nodes.container(classes=["model-facts"])
        box += nodes.rubric(text=f"{rec.name} at a glance")
        box += self.table(rows, [1, 3], classes=["colwidths-given", "model-facts-table"])
        # On the website each model also has its own page (bookkit.extensions.model_pages);
        # the offline editions have no such pages, so no link there.
        if (html_only(self.env.app) and "bookkit.extensions.model_pages" in self.env.app.extensions
                and self.env.docname != f"model/{rec.id}"):
            more = nodes.paragraph(classes=["model-facts-page"])
            more += nodes.Text("Its own page: ")
            more += doc_link(f"/model/{rec.id}", rec.name)
            more += nodes.Text(", with related models, every section that discusses it and how to cite the record.")
            box += more
        return [box]


class ModelTable(ModelDataDirective):
    required_arguments = 1
    # A label must be unique in the book: give :name: when a table appears twice.
    option_spec = {"name": directives.unchanged}

    def run(self):
        preset = self.arguments[0]
        if preset not in TABLES and preset != "by-licence":
            return self.fail(f"unknown table '{preset}'; use one of {sorted([*TABLES, 'by-licence'])}")
        labels: frozenset[str] = frozenset()
        if preset in LINKED:  # the labels on the linked page, read from its source
            page = Path(self.env.srcdir) / f"{LINKED[preset]}.md"
            self.env.note_dependency(str(page))
            labels = frozenset(LABEL.findall(page.read_text(encoding="utf-8")))
        try:
            spec = table_spec(self.data(), preset, labels)
        except ValueError as err:
            return self.fail(str(err))
        widths = [100 // len(spec.head)] * len(spec.head)
        table = self.table(spec.rows, widths, classes=["colwidths-auto", "model-table"], head=spec.head)
        # The caption is written in this module (it may hold a {doc} link), never taken from data.
        caption, messages = self.state.inline_text(spec.caption, self.lineno)
        table.insert(0, nodes.title(spec.caption, "", *caption))
        self.options.setdefault("name", f"table-{preset}")
        self.add_name(table)
        return [table, *messages]


class ModelFigure(ModelDataDirective):
    required_arguments = 1
    option_spec = {"width": directives.unchanged, "name": directives.unchanged}

    def run(self):
        from bookkit.data.figures import FIGURES

        preset = self.arguments[0]
        if preset not in FIGURES:
            return self.fail(f"unknown figure '{preset}'; use one of {sorted(FIGURES)}")
        spec = FIGURES[preset]
        data = self.data()
        text = "\n".join([
            f":::{{figure}} {self.artefact(preset + '.svg')}", f":name: {self.options.get('name', 'fig-' + preset)}",
            f":alt: {spec.alt(data)}", f":width: {self.options.get('width', '100%')}", "",
            f"{spec.caption} Data: the book's model records ({{doc}}`/data`), each cited to its sources.",
            ":::",
        ])
        return self.parse(text)


class ModelDownloads(ModelDataDirective):
    def run(self):
        self.data()
        text = "\n".join([
            f"- {{download}}`models.csv <{self.artefact('models.csv')}>`: one row per model, for spreadsheets.",
            f"- {{download}}`models.json <{self.artefact('models.json')}>`: every field, with the licences.",
        ])
        return self.parse(text)


def fact_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    env = inliner.document.settings.env
    for path in _data_files(env.app)[:2]:
        env.note_dependency(str(path))
    data = model_data(env.app)
    ident, _, field = text.partition(":")
    rec = data.by_id().get(ident)
    try:
        if rec is None:
            raise ValueError(f"no record with id '{ident}'")
        value = fact_value(data, rec, field)
    except ValueError as err:
        msg = inliner.reporter.error(f"{{fact}}`{text}`: {err}", line=lineno)
        return [inliner.problematic(rawtext, rawtext, msg)], [msg]
    return [nodes.inline(rawtext, value, classes=["model-fact"])], []


def setup(app: Sphinx) -> dict:
    app.setup_extension("bookkit.extensions.book")  # registers the static folder
    app.add_css_file("bookkit/model-data.css")
    app.add_config_value("modeldata_models", "data/models.yaml", "env")
    app.add_config_value("modeldata_licences", "data/licences.yaml", "env")
    app.connect("builder-inited", load_and_generate)
    app.add_directive("model-facts", ModelFacts)
    app.add_directive("model-table", ModelTable)
    app.add_directive("model-figure", ModelFigure)
    app.add_directive("model-downloads", ModelDownloads)
    app.add_role("fact", fact_role)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
