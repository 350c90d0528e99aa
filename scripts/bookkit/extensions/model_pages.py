"""Sphinx extension: one page per model at ``model/<id>.html``, from the data.

For each record of book/data/models.yaml a small MyST source is written to
``book/model/<id>.md`` (git-ignored; never edit it) before Sphinx looks for
sources. The page holds, in order: a one-line summary, the record's fact box
(the ``{model-facts}`` directive of bookkit.extensions.model_directives), its
licence linked to the licences chapter, links to every section of the book
that discusses the model, related models (same ``family``, or linked by
``base_model``), its sources, when it was last checked, and a "cite this
record" snippet. The title is the model's name, so the search finds it.

Incremental builds: a generated file is rewritten only when its text
changes, and its text carries a digest of everything the page shows (the
record, its licence, its related records, the sections that mention it).
The pages do not depend on models.yaml as a whole (that dependency, noted by
the fact-box directive, is dropped), so editing one record re-reads only the
pages whose inputs changed, plus the chapters that use the data.

Where a chapter discusses a model is found in its source: a ``{model-facts}
ID`` box or a ``{fact}`ID:field``` role. When the chapter is read, the
section holding each such line gets a label, and the model page links to it
(so the link follows the section, in any builder).

The pages are reached from the catalogue (catalogue.md), not the sidebar: a
sidebar entry per model would weigh on every page of the book. They are
orphans (``orphan: true``) kept out of _toc.yml on purpose; sphinx-external-toc
would exclude files missing from the toc, so their folder is removed from
the exclusions it adds.

Data is text: names and other fields reach the page as text nodes (or
escaped, in the few places where they are written into MyST).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from datetime import date
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ExtensionError
from sphinx.util import logging
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective
from sphinx.util.matching import Matcher

from bookkit.data import models as modeldata
from bookkit.data.models import ModelData, ModelRecord
from bookkit.extensions.model_directives import doc_link

logger = logging.getLogger(__name__)

#: The folder of generated pages, under the book's source folder.
FOLDER = "model"
#: Where each chapter discusses a model: the directive and the role.
FACTS_BOX = re.compile(r"^\s*(?:`{3,}|~{3,}|:{3,})\{model-facts\}\s+([A-Za-z0-9.-]+)")
FACT_ROLE = re.compile(r"\{fact\}`([A-Za-z0-9.-]+):")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
CODE_DIRECTIVES = {"code", "code-block", "code-cell", "sourcecode", "literalinclude", "eval-rst"}
PARTS = ("licence", "mentions", "related", "sources", "checked", "cite")
HEAD = "% Generated from book/data/models.yaml by bookkit.extensions.model_pages: edit the record, not this file."


def md_text(text: str) -> str:
    """Escape text for a MyST heading: every ASCII punctuation mark is literal."""
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", " ".join(text.split()))


def day(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


# --- where the book discusses each model -------------------------------------------


def scan_mentions(srcdir: Path, exclude: Matcher) -> dict[str, dict[str, list[tuple[int, str]]]]:
    """{docname: {model id: [(line, heading above it), ...]}} from the MyST sources.

    Fenced code is skipped; fenced directives (```{note} ...) are read, since
    their content is MyST too.
    """
    found: dict[str, dict[str, list[tuple[int, str]]]] = {}
    for path in sorted(srcdir.rglob("*.md")):
        rel = path.relative_to(srcdir).as_posix()
        if rel.startswith((FOLDER + "/", "_build/")) or exclude(rel):
            continue
        per_model: dict[str, list[tuple[int, str]]] = defaultdict(list)
        heading = ""
        fences: list[tuple[str, int, bool]] = []  # open fences: (char, length, is code)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            marker = FENCE.match(line)
            if marker:
                mark, info = marker.group(1), line.strip()[len(marker.group(1)):].strip()
                if fences and not info and mark[0] == fences[-1][0] and len(mark) >= fences[-1][1]:
                    fences.pop()
                    continue
                if not (fences and fences[-1][2]):
                    name = info[1:].split("}")[0] if info.startswith("{") else ""
                    fences.append((mark[0], len(mark), not name or name in CODE_DIRECTIVES))
                    for ident in FACTS_BOX.findall(line):
                        per_model[ident].append((number, heading))
                    continue
            if fences and fences[-1][2]:
                continue
            head = HEADING.match(line)
            if head:
                heading = head.group(2)
            for regex in (FACTS_BOX, FACT_ROLE):
                for ident in regex.findall(line):
                    per_model[ident].append((number, heading))
        if per_model:
            found[rel[: -len(".md")]] = dict(per_model)
    return found


def mention_label(docname: str, section_id: str) -> str:
    return f"bookkit-model-mention:{docname}#{section_id}"


def label_mentioned_sections(app: Sphinx, doctree: nodes.document) -> None:
    """doctree-read of a chapter: label each section that discusses a model."""
    env = app.env
    mentions = getattr(app, "model_mentions", {}).get(env.docname)
    if not mentions:
        return
    # Sections in document order with the source line of their title.
    starts = []
    for section in doctree.findall(nodes.section):
        title = section.next_node(nodes.title)
        line = (title.line if title is not None and title.line else section.line) or 0
        if section["ids"]:
            starts.append((line, section))
    starts.sort(key=lambda item: item[0])
    std = env.get_domain("std")
    found: dict[str, list[str]] = {}
    for ident, places in mentions.items():
        for line, _heading in places:
            inner = None
            for start, section in starts:
                if start <= line:
                    inner = section
                else:
                    break
            if inner is None:
                continue
            sid = inner["ids"][0]
            label = mention_label(env.docname, sid)
            title = inner.next_node(nodes.title)
            std.note_hyperlink_target(label, env.docname, sid, title.astext() if title else env.docname)
            found.setdefault(ident, [])
            if label not in found[ident]:
                found[ident].append(label)
    env.model_mentions = getattr(env, "model_mentions", {})
    env.model_mentions[env.docname] = found


def purge_mentions(app: Sphinx, env, docname: str) -> None:
    getattr(env, "model_mentions", {}).pop(docname, None)


def merge_mentions(app: Sphinx, env, docnames, other) -> None:
    env.model_mentions = getattr(env, "model_mentions", {})
    for docname in docnames:
        if docname in getattr(other, "model_mentions", {}):
            env.model_mentions[docname] = other.model_mentions[docname]


# --- relations between records ------------------------------------------------------


def related(data: ModelData, rec: ModelRecord) -> list[tuple[ModelRecord, str]]:
    """Records in the same family or linked through base_model, with the reason."""
    out = []
    for other in data.models:
        if other.id == rec.id:
            continue
        if rec.base_model == other.id:
            why = "its base model"
        elif other.base_model == rec.id:
            why = "derived from it"
        elif rec.base_model and other.base_model == rec.base_model:
            why = "same base model"
        elif rec.family and other.family == rec.family:
            why = f"same family ({rec.family})"
        else:
            continue
        out.append((other, why))
    return sorted(out, key=lambda item: (item[0].released, item[0].name))


# --- generated sources --------------------------------------------------------------


def page_source(data: ModelData, rec: ModelRecord, mentions: list[tuple[str, str]]) -> str:
    """The MyST source of one model page; its digest line covers every input."""
    lic = data.licences[rec.licence]
    inputs = {
        "record": rec.model_dump(mode="json"),
        "licence": lic.model_dump(mode="json"),
        "related": [(o.id, o.name, o.released.isoformat(), why) for o, why in related(data, rec)],
        "mentions": mentions,
    }
    digest = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()
    description = (f"{rec.name} ({rec.organisation}, {rec.released.year}): the book's record of this "
                   f"{rec.modality} model, with its licence, sources and the sections that discuss it.")
    lines = [
        "---", "orphan: true", "myst:", "  html_meta:",
        f"    \"description lang=en\": {json.dumps(description, ensure_ascii=False)}", "---", "",
        HEAD, f"% Inputs: {digest}", "",
        f"(model-{rec.id})=", f"# {md_text(rec.name)}", "",
        f"```{{model-page}} {rec.id} summary", "```", "",
        f"```{{model-facts}} {rec.id}", "```", "",
    ]
    titles = {"licence": "Licence", "mentions": "Where the book discusses it", "related": "Related models",
              "sources": "Sources", "checked": "Last checked", "cite": "Cite this record"}
    for part in PARTS:
        lines += [f"## {titles[part]}", "", f"```{{model-page}} {rec.id} {part}", "```", ""]
    return "\n".join(lines)


def generate_pages(app: Sphinx, config: Config) -> None:
    """config-inited, before sphinx-external-toc: (re)write book/model/<id>.md."""
    src = Path(app.srcdir)
    try:
        # Validation (with the bibliography) is model_directives' job; here only the records.
        data = modeldata.load(src / config.modeldata_models, src / config.modeldata_licences, None)
    except modeldata.DataError as err:
        raise ExtensionError("the model data does not validate:\n" + str(err)) from None
    app.model_mentions = scan_mentions(src, Matcher(config.exclude_patterns))
    by_model: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for docname, per_model in sorted(app.model_mentions.items()):
        for ident, places in per_model.items():
            for _line, heading in places:
                if (docname, heading) not in by_model[ident]:
                    by_model[ident].append((docname, heading))
    folder = src / FOLDER
    folder.mkdir(exist_ok=True)
    wanted = set()
    written = 0
    for rec in data.models:
        path = folder / f"{rec.id}.md"
        wanted.add(path.name)
        text = page_source(data, rec, by_model.get(rec.id, []))
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written += 1
    for old in folder.glob("*.md"):  # a record removed or renamed: its page goes too
        if old.name not in wanted and HEAD in old.read_text(encoding="utf-8"):
            old.unlink()  # (only files this extension wrote)
    if written:
        logger.info("model pages: wrote %d of %d sources in %s", written, len(data.models), folder)


def keep_pages_out_of_exclusions(app: Sphinx, config: Config) -> None:
    """After sphinx-external-toc (900) excluded files missing from _toc.yml."""
    prefix = FOLDER + "/"
    config.exclude_patterns = [p for p in config.exclude_patterns if not p.startswith(prefix)]


def drop_whole_file_dependency(app: Sphinx, doctree: nodes.document) -> None:
    """A model page depends on its own generated source (digest), not on all records."""
    docname = app.env.docname
    if not docname.startswith(FOLDER + "/"):
        return
    src = Path(app.srcdir)
    whole = {(src / name).resolve() for name in (app.config.modeldata_models, app.config.modeldata_licences)}
    deps = app.env.dependencies.get(docname, set())
    for dep in list(deps):
        if (src / dep).resolve() in whole:  # stored absolute or relative to the source folder
            deps.discard(dep)


class mentions_placeholder(nodes.General, nodes.Element):
    """Where a model page lists the sections that discuss the model."""


class MentionLinks(SphinxPostTransform):
    """Before references are resolved: the placeholder becomes links to the sections."""

    default_priority = 5  # sphinx's ReferencesResolver is 10

    def run(self, **kwargs) -> None:
        for node in list(self.document.findall(mentions_placeholder)):
            ident = node["ident"]
            items = nodes.bullet_list()
            for docname, per_model in sorted(getattr(self.env, "model_mentions", {}).items()):
                for label in per_model.get(ident, []):
                    para = nodes.paragraph()
                    ref = addnodes.pending_xref("", refdomain="std", reftype="ref", reftarget=label,
                                                refexplicit=False, refwarn=True, refdoc=self.env.docname)
                    ref += nodes.inline(text=label)
                    para += ref
                    para += nodes.Text(", in ")
                    para += addnodes.pending_xref("", nodes.inline(text=docname), refdomain="std",
                                                  reftype="doc", reftarget="/" + docname,
                                                  refexplicit=False, refwarn=True, refdoc=self.env.docname)
                    items.append(nodes.list_item("", para))
            if len(items):
                node.replace_self(items)
            else:
                node.replace_self(nodes.paragraph(
                    text="No chapter discusses this model yet: its facts are in the catalogue "
                         "and in the data chapter's tables."))


# --- the page's parts -----------------------------------------------------------------


class ModelPage(SphinxDirective):
    """```{model-page} ID PART```: one part of a generated model page."""

    required_arguments = 2

    def run(self) -> list[nodes.Node]:
        data: ModelData = self.env.app.modeldata
        ident, part = self.arguments
        rec = data.by_id().get(ident)
        if rec is None:
            raise self.error(f"model-page: no record with id '{ident}' in the model data")
        render = getattr(self, f"part_{part}", None)
        if render is None:
            raise self.error(f"model-page: unknown part '{part}'; use summary or one of {PARTS}")
        return render(data, rec)

    def part_summary(self, data: ModelData, rec: ModelRecord) -> list[nodes.Node]:
        lic = data.licences[rec.licence]
        weights = (f"Its weights are released under the {lic.name}." if rec.open_weights
                   else "Its weights are not released.")
        text = (f"{rec.name} is a {rec.modality} model from {rec.organisation}, released on "
                f"{day(rec.released)}. {weights}")
        para = nodes.paragraph(classes=["model-page-summary"])
        para += nodes.Text(text + " ")
        para += nodes.Text("All models: ")
        para += doc_link("/catalogue", "the catalogue")
        para += nodes.Text(".")
        return [para]

    def part_licence(self, data: ModelData, rec: ModelRecord) -> list[nodes.Node]:
        lic = data.licences[rec.licence]
        items = nodes.bullet_list()

        def item(*children: nodes.Node) -> None:
            para = nodes.paragraph()
            para.extend(children)
            items.append(nodes.list_item("", para))

        name: nodes.Node = (nodes.reference("", lic.name, refuri=lic.url) if lic.url
                            else nodes.Text(lic.name))
        item(nodes.Text("Licence of the weights: "), name,
             nodes.Text(" (OSI-approved)." if lic.osi_approved else " (not OSI-approved)."))
        commercial = f"Commercial use: {rec.commercial_use}"
        if rec.commercial_condition:
            commercial += f" ({rec.commercial_condition})"
        item(nodes.Text(commercial + "."))
        opened = [k for k, v in (("weights", rec.open_weights), ("training code", rec.open_training_code),
                                 ("training data", rec.open_training_data)) if v]
        item(nodes.Text("Open: " + (", ".join(opened) if opened else "nothing") + "."))
        para = nodes.paragraph()
        para += nodes.Text("What these terms allow, and the pitfalls: ")
        para += doc_link("/licences", "the licences chapter")
        para += nodes.Text(". The summary is not legal advice: read the licence itself.")
        return [items, para]

    def part_mentions(self, data: ModelData, rec: ModelRecord) -> list[nodes.Node]:
        # Filled in by MentionLinks once every chapter has been read.
        return [mentions_placeholder("", ident=rec.id)]

    def part_related(self, data: ModelData, rec: ModelRecord) -> list[nodes.Node]:
        rel = related(data, rec)
        if not rel:
            return [nodes.paragraph(text="No other record shares its family or base model.")]
        items = nodes.bullet_list()
        for other, why in rel:
            para = nodes.paragraph()
            para += doc_link(f"/{FOLDER}/{other.id}", other.name)
            para += nodes.Text(f" ({other.organisation}, {other.released:%Y-%m}): {why}")
            items.append(nodes.list_item("", para))
        return [items]

    def part_sources(self, data: ModelData, rec: ModelRecord) -> list[nodes.Node]:
        # Citation keys are checked against references.bib; they are identifiers, not prose.
        text = "\n".join(f"- {{cite:t}}`{key}`" for key in rec.citations)
        container = nodes.container()
        from docutils.statemachine import StringList

        self.state.nested_parse(StringList(text.splitlines(), source=self.get_source_info()[0]),
                                self.content_offset, container)
        para = nodes.paragraph()
        para += nodes.Text("Full entries: ")
        para += doc_link("/references", "References")
        para += nodes.Text(". The record follows "
                           + ("its developer's own sources." if rec.evidence == "primary"
                              else "two independent secondary sources (no primary source was found)."))
        return [*container.children, para]  # the record's note is in the fact box above

    def part_checked(self, data: ModelData, rec: ModelRecord) -> list[nodes.Node]:
        age = (date.today() - rec.checked).days
        para = nodes.paragraph()
        para += nodes.Text(f"The record was last checked against its sources on {day(rec.checked)}")
        para += nodes.Text(" (more than six months ago: it may be out of date)." if age > 183 else ".")
        return [para]

    def part_cite(self, data: ModelData, rec: ModelRecord) -> list[nodes.Node]:
        config = self.config
        url = (config.html_baseurl.rstrip("/") + "/" if config.html_baseurl else "") + f"{FOLDER}/{rec.id}.html"
        edition = config.book_edition
        year = edition.split(".")[0]
        braces = str.maketrans("", "", "{}\\")
        bib = "\n".join([
            f"@misc{{openmodels-{rec.id},",
            f"  title  = {{{rec.name.translate(braces)}: a record of {config.project.translate(braces)}}},",
            f"  author = {{{{{config.author.translate(braces)}}}}},",
            f"  year   = {{{year}}},",
            f"  note   = {{Edition {edition}; record last checked {rec.checked.isoformat()}}},",
            f"  url    = {{{url}}},",
            "}",
        ])
        para = nodes.paragraph(text=f"{config.author} ({year}). {rec.name}. In {config.project}, "
                                    f"edition {edition}. {url}")
        block = nodes.literal_block(bib, bib, language="bibtex")
        return [para, block]


def setup(app: Sphinx) -> dict:
    app.setup_extension("bookkit.extensions.model_directives")
    app.setup_extension("bookkit.extensions.editions")
    # Before sphinx-external-toc (900) globs the sources, then after it.
    app.connect("config-inited", generate_pages, priority=800)
    app.connect("config-inited", keep_pages_out_of_exclusions, priority=950)
    app.connect("doctree-read", label_mentioned_sections)
    app.connect("doctree-read", drop_whole_file_dependency)
    app.connect("env-purge-doc", purge_mentions)
    app.connect("env-merge-info", merge_mentions)
    app.add_node(mentions_placeholder)
    app.add_post_transform(MentionLinks)
    app.add_directive("model-page", ModelPage)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}
