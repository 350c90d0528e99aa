"""Sphinx extension: render developer-reported benchmark scores (book/data/scores.yaml).

Directive (MyST syntax shown)::

    ```{score-table} gpqa-diamond swe-bench-verified
    :name: table-scores
    ```

One table, one row per model and benchmark, limited to the benchmark ids
given as arguments (all benchmarks when none are given), and to rows the
model's developer reported. Each score sits next to the setting it was
measured in and the report that states it. The caption says the numbers are
the developers' own and are not like-for-like. The table is labelled
``table-scores`` unless ``:name:`` is given.

The table is built from docutils nodes: every data field is plain text and is
never parsed as markup. Only the citation of each row's source is made with
the ``{cite:p}`` role, from a key checked against references.bib and against a
strict pattern.
"""

from __future__ import annotations

import re
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective

from bookkit.data import models as modeldata
from bookkit.data import scores as scoredata

CAPTION = ("Benchmark scores as reported by the developer of each model, with the setting each was measured in. "
           "Developers use different harnesses, prompts and sampling settings, so scores in different rows "
           "are not like-for-like: read them as each developer's claim, not as a ranking.")
HEAD = ["Model", "Benchmark", "Score", "Setting (as reported) and source"]
SAFE_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")


def _files(app: Sphinx) -> tuple[Path, Path, Path]:
    src = Path(app.srcdir)
    return src / app.config.scoredata_scores, src / app.config.modeldata_models, src / "references.bib"


def load_scores(app: Sphinx) -> None:
    """Validate the scores once per build; bad data stops the build with file:line messages."""
    scores_file, models_file, bib_file = _files(app)
    try:
        app.scoredata = scoredata.load(scores_file, models_file, bib_file)
    except modeldata.DataError as err:
        raise ExtensionError("the benchmark scores do not validate:\n" + str(err)) from None


def format_score(score: scoredata.Score) -> str:
    """As the reports print them: one decimal unless the source gave more (84.0, not 84)."""
    value = f"{score.score:.1f}" if round(score.score, 1) == score.score else f"{score.score:g}"
    return f"{value}%" if score.unit == "%" else value


class ScoreTable(SphinxDirective):
    optional_arguments = 20
    option_spec = {"name": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        for path in _files(self.env.app):
            self.env.note_dependency(str(path))
        data: scoredata.ScoreData = self.env.app.scoredata
        models = self.env.app.modeldata.by_id()
        wanted = self.arguments or list(data.benchmarks)
        unknown = [b for b in wanted if b not in data.benchmarks]
        if unknown:
            raise self.error(f"score-table: unknown benchmark(s) {unknown}; use ids from "
                             f"{self.env.app.config.scoredata_scores}: {sorted(data.benchmarks)}")
        order = {b: i for i, b in enumerate(wanted)}
        rows = [s for s in data.scores if s.benchmark in order and s.reported_by == "developer"]
        if not rows:
            raise self.error(f"score-table: no developer-reported score for {wanted}")
        rows.sort(key=lambda s: (order[s.benchmark], models[s.model].released,
                                 -(models[s.model].parameters_b or 0), models[s.model].name, s.setting))

        table = nodes.table(classes=["model-table", "score-table"])
        table += nodes.title(text=CAPTION)
        group = nodes.tgroup(cols=len(HEAD))
        table += group
        for width in (3, 3, 2, 6):
            group += nodes.colspec(colwidth=width)
        thead = nodes.thead()
        group += thead
        thead += self._row([nodes.Text(h) for h in HEAD])
        tbody = nodes.tbody()
        group += tbody
        for score in rows:
            bench = data.benchmarks[score.benchmark]
            tbody += self._row([
                nodes.Text(models[score.model].name),
                nodes.Text(bench.name),
                nodes.Text(format_score(score)),
                [nodes.Text(score.setting + (f" ({score.note})" if score.note else "") + " "),
                 *self._cite(score.source)],
            ])
        table["ids"] = []
        table["names"] = []
        name = self.options.get("name", "table-scores")
        self.options["name"] = name
        self.add_name(table)
        return [table]

    @staticmethod
    def _row(cells: list) -> nodes.row:
        """A table row; a cell is a node or a list of inline nodes."""
        row = nodes.row()
        for cell in cells:
            entry = nodes.entry()
            para = nodes.paragraph()
            para += cell if isinstance(cell, list) else [cell]
            entry += para
            row += entry
        return row

    def _cite(self, key: str) -> list[nodes.Node]:
        if not SAFE_KEY.match(key):  # validated against the bib already; never pass other text to the parser
            raise self.error(f"score-table: citation key {key!r} has characters a key cannot have")
        inline, messages = self.state.inline_text(f"{{cite:p}}`{key}`", self.lineno)
        container = nodes.inline()
        container.extend(inline + messages)
        return [container]


def setup(app: Sphinx) -> dict:
    app.setup_extension("bookkit.extensions.model_directives")  # the model records and modeldata_models
    app.add_config_value("scoredata_scores", "data/scores.yaml", "env")
    app.connect("builder-inited", load_scores)
    app.add_directive("score-table", ScoreTable)
    app.add_css_file("bookkit/score-tables.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
