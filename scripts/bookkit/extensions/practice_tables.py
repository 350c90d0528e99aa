"""Sphinx extension: memory and decode-speed tables computed from the model data.

Directives (MyST syntax shown), used by book/choosing.md and book/running.md:

* ```{hardware-tiers}```       one table per hardware tier (bookkit.data.memory.TIERS):
  the models that newly fit at 4 bits, with the memory they need at 4, 8 and
  16 bits (weights plus KV cache at memory.CONTEXT tokens), then the models
  too large for every tier
* ```{kv-cache-table}```       worked KV-cache examples; ``:models:`` lists record ids
* ```{decode-bound}```         upper bound on tokens per second for the devices of
  book/data/hardware.yaml; ``:models:`` lists record ids, ``:bits:`` the weight
  precision (default 4)
* ```{decode-bound-figure}```  the same bound as a chart (SVG written to the
  build's modeldata folder), labelled ``fig-decode-bound``

Tables are built as docutils nodes: the data goes in as plain text, never as
markup. The shortlist rule of {hardware-tiers} is documented in SHORTLIST_RULE
and on the page.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

from bookkit.data import memory
from bookkit.data import figures
from bookkit.data.models import DataError, ModelData, ModelRecord
from bookkit.extensions.model_directives import (
    LANGUAGE, ModelDataDirective, artefact_dir, count_short, text_table,
)

logger = logging.getLogger(__name__)

#: How many models a tier lists at most.
PER_TIER = 6
#: Records released before this year are left out of the shortlists.
FROM_YEAR = 2025


def _gb(value: float) -> str:
    gb = value / memory.GB
    return f"{gb:,.0f}" if gb >= 100 else f"{gb:.1f}"


def _params(m: ModelRecord) -> str:
    if m.active_parameters_b:
        return f"{count_short(m.parameters_b)} ({count_short(m.active_parameters_b)})"
    return count_short(m.parameters_b)


def candidates(data: ModelData) -> list[ModelRecord]:
    """Open-weight language models since FROM_YEAR with a known size and attention shape.

    Guard (classifier) models are left out; of several records of one
    organisation and size (instruct, thinking and coder variants, updates),
    only the newest stays.
    """
    keep: dict[tuple, ModelRecord] = {}
    for m in data.models:
        if not (m.open_weights and m.modality in LANGUAGE and m.released.year >= FROM_YEAR
                and "guard" not in m.tags and memory.total_bytes(m, 4) is not None):
            continue
        key = (m.organisation, m.parameters_b, m.active_parameters_b)
        if key not in keep or (m.released, m.id) > (keep[key].released, keep[key].id):
            keep[key] = m
    return list(keep.values())


#: A model is listed in a tier when its 4-bit footprint fits and uses more than this share of it.
MIN_SHARE = 1 / 3


def tier_shortlists(data: ModelData) -> list[tuple[memory.Tier, list[ModelRecord]]]:
    """For each tier, the newest PER_TIER candidates that fit it at 4 bits and use over MIN_SHARE of it."""
    out = []
    for tier in memory.TIERS:
        fit = [m for m in candidates(data) if memory.fits(m, 4, tier.memory_gb)
               and memory.total_bytes(m, 4) > MIN_SHARE * tier.memory_gb * memory.GB]
        fit.sort(key=lambda m: (m.released, m.id), reverse=True)
        out.append((tier, fit[:PER_TIER]))
    return out


def too_large(data: ModelData) -> list[ModelRecord]:
    top = memory.TIERS[-1].memory_gb
    return sorted((m for m in candidates(data) if not memory.fits(m, 4, top)),
                  key=lambda m: (m.released, m.id), reverse=True)


def missing_shape(data: ModelData) -> list[ModelRecord]:
    """Open-weight language models since FROM_YEAR left out for lack of an attention shape."""
    return [m for m in data.models if m.open_weights and m.modality in LANGUAGE
            and m.released.year >= FROM_YEAR and "guard" not in m.tags
            and memory.kv_bytes_per_token(m) is None]


def build_table(title: str, head: list[str], rows: list[list[str]], ident: str) -> nodes.table:
    return text_table(title, head, rows, classes=["model-table", "practice-table"], ids=[ident])


def _ids(text: str) -> list[str]:
    return [t.strip() for t in text.replace(",", " ").split() if t.strip()]


class PracticeDirective(ModelDataDirective):
    def records(self, data: ModelData, ids: list[str]) -> list[ModelRecord]:
        by_id = data.by_id()
        out = []
        for ident in ids:
            rec = by_id.get(ident)
            if rec is None:
                self.fail(f"no record with id '{ident}' in the model data")
            if memory.kv_bytes_per_token(rec) is None or rec.parameters_b is None:
                self.fail(f"record '{ident}' lacks the size or attention shape this table needs")
            out.append(rec)
        return out

    def hardware(self) -> list[memory.Device]:
        self.env.note_dependency(str(hardware_file(self.env.app)))
        return self.env.app.hardware


class HardwareTiers(PracticeDirective):
    def run(self):
        data = self.data()
        ctx = f"{memory.CONTEXT // 1024}K"
        result: list[nodes.Node] = []
        for tier, models in tier_shortlists(data):
            title = f"{tier.label} ({tier.example}): GB needed"
            if not models:
                para = nodes.paragraph(text=f"{title}: no model in the data fits this tier and uses "
                                            "more than a third of it.")
                result.append(para)
                continue
            rows = []
            for m in models:
                cells = [m.name, _params(m)]
                for bits in memory.PRECISIONS:
                    need = memory.total_bytes(m, bits)
                    mark = "✓" if need <= tier.memory_gb * memory.GB else "✗"
                    cells.append(f"{mark} {_gb(need)}")
                rows.append(cells)
            head = ["Model", "Parameters (active)", "4-bit", "8-bit", "16-bit"]
            result.append(build_table(title, head, rows, f"table-tier-{tier.key}"))
        big = too_large(data)
        if big:
            names = ", ".join(f"{m.name} ({_gb(memory.total_bytes(m, 4))} GB)" for m in big)
            result.append(nodes.paragraph(
                text=f"Too large for every tier even at 4 bits and {ctx} tokens: {names}."))
        missing = missing_shape(data)
        if missing:
            result.append(nodes.paragraph(
                text=f"Left out because the data lacks their attention shape ({len(missing)} "
                     f"records, each with its reason in the data): "
                     + ", ".join(m.name for m in sorted(missing, key=lambda m: m.name.lower())) + "."))
        return result


class KvCacheTable(PracticeDirective):
    option_spec = {"models": directives.unchanged_required}

    def run(self):
        data = self.data()
        rows = []
        for m in self.records(data, _ids(self.options.get("models", ""))):
            layers = m.kv_layers or m.layers
            if m.kv_latent_dim:
                shape = f"{layers} × {m.kv_latent_dim} (latent)"
            else:
                shape = f"2 × {layers} × {m.kv_heads} × {m.head_dim}"
            per_token = memory.kv_bytes_per_token(m)
            rows.append([m.name, shape, f"{per_token / 1024:,.0f}",
                         _gb(memory.kv_cache_bytes(m))])
        head = ["Model", "Values per token", "KiB per token", f"GB at {memory.CONTEXT // 1024}K"]
        title = f"KV cache at 16-bit, from the attention shape in the model data"
        return [build_table(title, head, rows, "table-kv-cache")]


class DecodeBound(PracticeDirective):
    option_spec = {"models": directives.unchanged_required, "bits": directives.positive_int,
                   "name": directives.unchanged}

    def run(self):
        data = self.data()
        bits = self.options.get("bits", 4)
        models = self.records(data, _ids(self.options.get("models", "")))
        devices = self.hardware()
        head = ["Device (bandwidth)"] + [m.name for m in models]
        rows = [["GB read per token"] + [_gb(memory.bytes_per_decoded_token(m, bits)) for m in models]]
        for dev in devices:
            cells = [f"{dev.short} ({dev.bandwidth_gb_s:,.0f} GB/s)"]
            for m in models:
                if not memory.fits(m, bits, dev.memory_gb):
                    cells.append("too big")
                else:
                    bound = memory.decode_bound(dev.bandwidth_gb_s, memory.bytes_per_decoded_token(m, bits))
                    cells.append(f"{bound:,.0f}")
            rows.append(cells)
        title = (f"Upper bound on tokens per second for one sequence ({bits}-bit weights, "
                 f"{memory.CONTEXT // 1024}K-token context)")
        return [build_table(title, head, rows, self.options.get("name", f"table-decode-bound-{bits}"))]


FIGURE_MODELS = ("gpt-oss-20b", "qwen3-30b-a3b-instruct-2507", "gpt-oss-120b", "llama-3.3-70b",
                 "deepseek-v3.2")
FIGURE_CAPTION = (
    "Upper bound on decoding speed for one sequence against memory bandwidth, for 4-bit weights and a "
    "16-bit KV cache at 32K tokens: bandwidth divided by the bytes read per token (active weights plus "
    "the cache). Vertical lines mark the devices of the hardware data. Mixture-of-experts models read "
    "only their active weights, so they sit far above dense models of the same total size."
)


def draw_decode_figure(data: ModelData, devices: list[memory.Device]):
    from bookkit.data.figures import _axes

    fig, ax = _axes(4.8, 4.6)
    by_id = data.by_id()
    xs = [100 * 1.1 ** i for i in range(0, 46)]  # 100 GB/s to about 7 TB/s
    colours = ["#0072B2", "#009E73", "#E69F00", "#D55E00", "#CC79A7"]
    for colour, ident in zip(colours, FIGURE_MODELS):
        m = by_id.get(ident)
        if m is None or memory.bytes_per_decoded_token(m, 4) is None:
            continue
        per_token = memory.bytes_per_decoded_token(m, 4)
        ax.plot(xs, [memory.decode_bound(x, per_token) for x in xs], color=colour, linewidth=1.8,
                label=f"{m.name} ({count_short(m.active_parameters_b or m.parameters_b)} active)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    bottom = ax.get_ylim()[0]
    for dev in devices:
        ax.axvline(dev.bandwidth_gb_s, color="#777777", linewidth=0.8, linestyle="--")
        ax.text(dev.bandwidth_gb_s * 1.04, bottom * 1.3, dev.short, rotation=90, va="bottom", fontsize=9,
                color="#444444")
    ax.set_xlabel("Memory bandwidth (GB/s, log scale)")
    ax.set_ylabel("Tokens per second, upper bound")
    ax.legend(loc="upper left", bbox_to_anchor=(-0.18, -0.14), ncols=1, frameon=False, fontsize=9)
    return fig


class DecodeBoundFigure(PracticeDirective):
    option_spec = {"width": directives.unchanged, "name": directives.unchanged}

    def run(self):
        self.data()
        self.hardware()
        text = "\n".join([
            f":::{{figure}} {self.artefact('decode-bound.svg')}",
            f":name: {self.options.get('name', 'fig-decode-bound')}",
            ":alt: Log-log chart of the decoding-speed upper bound against memory bandwidth for five "
            "models, with dashed vertical lines at the bandwidth of each device in the hardware data.",
            f":width: {self.options.get('width', '100%')}", "",
            FIGURE_CAPTION + " Data: the book's model and hardware records ({doc}`/data`).",
            ":::",
        ])
        return self.parse(text)


def hardware_file(app: Sphinx) -> Path:
    return Path(app.srcdir) / "data" / "hardware.yaml"


def load_and_draw(app: Sphinx) -> None:
    try:
        app.hardware = memory.load_hardware(hardware_file(app), Path(app.srcdir) / "references.bib")
    except DataError as err:
        raise ExtensionError("the hardware data does not validate:\n" + str(err)) from None
    digest = hashlib.sha256()
    for path in (hardware_file(app), Path(app.srcdir) / app.config.modeldata_models,
                 Path(memory.__file__), Path(figures.__file__), Path(__file__)):
        digest.update(path.read_bytes())
    out = artefact_dir(app)
    stamp = out / "decode-bound.stamp"
    if stamp.is_file() and stamp.read_text() == digest.hexdigest() and (out / "decode-bound.svg").is_file():
        return
    out.mkdir(parents=True, exist_ok=True)
    figures.save_svg(draw_decode_figure(app.modeldata, app.hardware), out / "decode-bound.svg")
    stamp.write_text(digest.hexdigest())


def setup(app: Sphinx) -> dict:
    app.setup_extension("bookkit.extensions.model_directives")
    # After model_directives has loaded and validated the model data (priority 500).
    app.connect("builder-inited", load_and_draw, priority=600)
    app.add_css_file("bookkit/practice-tables.css")
    app.add_directive("hardware-tiers", HardwareTiers)
    app.add_directive("kv-cache-table", KvCacheTable)
    app.add_directive("decode-bound", DecodeBound)
    app.add_directive("decode-bound-figure", DecodeBoundFigure)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
