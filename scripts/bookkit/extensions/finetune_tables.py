"""Sphinx extension: fine-tuning memory tables computed from the model data.

Directive (MyST syntax shown)::

    ```{finetune-memory} llama-3.1-8b qwen3-30b-a3b llama-3.3-70b
    :name: table-adapting-memory
    :adapter-share: 0.01
    ```

One row per model id (in the order given), with the memory to fine-tune it by
full fine-tuning, LoRA and QLoRA, in GB, before activations. The parameter
counts come from book/data/models.yaml; the arithmetic, with its sources, is
in bookkit.data.finetune. The table is built from docutils nodes with every
cell as plain text, so nothing in it is parsed as markup. ``:name:`` is the
label (default ``table-finetune-memory``); ``:adapter-share:`` the size of the
LoRA adapters as a share of the model's parameters (default 0.01).
"""

from __future__ import annotations

from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from bookkit.data import finetune as ft
from bookkit.extensions.model_directives import _data_files, count_short, text_table

HEAD = ["Model", "Parameters", "Full fine-tuning", "LoRA", "QLoRA"]


def rows(data, ids: list[str], share: float) -> list[list[str]]:
    """The table's body as text: one row per model id. Raises ValueError for a bad id."""
    by_id = data.by_id()
    out = []
    for ident in ids:
        rec = by_id.get(ident)
        if rec is None:
            raise ValueError(f"no record with id '{ident}' in the model data")
        if rec.parameters_b is None:
            raise ValueError(f"'{ident}' has no parameter count ({rec.unknown.get('parameters_b', 'null')})")
        params = rec.parameters_b * 1e9
        size = count_short(rec.parameters_b)
        if rec.active_parameters_b:
            size += f" ({count_short(rec.active_parameters_b)} active)"
        out.append([rec.name, size] + [f"{ft.gb(ft.estimate(params, m, share).total)} GB" for m in ft.METHODS])
    return out


def caption(share: float) -> str:
    return (f"Memory to fine-tune, in GB (10\u2079 bytes), before activations: full fine-tuning at "
            f"{ft.FULL_BYTES_PER_PARAM:g} bytes per parameter; LoRA with a 16-bit base and QLoRA with a 4-bit "
            f"NF4 base, both with adapters of {share:.1%} of the parameters.")


def _share(value: str) -> float:
    share = float(value)
    if not 0 < share < 1:
        raise ValueError("adapter-share must be between 0 and 1")
    return share


class FinetuneMemory(SphinxDirective):
    required_arguments = 1
    final_argument_whitespace = True
    option_spec = {"name": directives.unchanged, "adapter-share": _share}

    def run(self):
        for path in _data_files(self.env.app)[:2]:
            self.env.note_dependency(str(path))
        share = self.options.get("adapter-share", ft.DEFAULT_ADAPTER_SHARE)
        try:
            body = rows(self.env.app.modeldata, self.arguments[0].split(), share)
        except ValueError as err:
            raise self.error(f"{self.name}: {err}") from None
        table = text_table(caption(share), HEAD, body, classes=["finetune-table"])
        self.options.setdefault("name", "table-finetune-memory")
        self.add_name(table)
        return [table]


def setup(app: Sphinx) -> dict:
    app.setup_extension("bookkit.extensions.model_directives")  # loads the data, adds the table CSS
    app.add_directive("finetune-memory", FinetuneMemory)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
