"""Data figures drawn from the model records (SVG, via matplotlib).

Each figure is a function ``(data) -> matplotlib Figure`` registered in
FIGURES with its caption and alt text; numbers on the axes follow
bookkit.data.formats. bookkit.extensions.model_directives writes them to
SVG once per change of the data (not on every build).
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable

from . import formats
from .models import ModelData, ModelRecord

# Okabe-Ito colours: distinguishable with colour-vision deficiencies.
LICENCE_GROUPS = {
    "permissive": ("Permissive (OSI-approved)", "#0072B2", "o"),
    "conditional": ("Open weights, conditions apply", "#E69F00", "s"),
    "noncommercial": ("Open weights, non-commercial", "#CC79A7", "^"),
}
# The chart groups the modalities as the Models part groups its pages, one
# Okabe-Ito (colour-blind safe) colour per group.
MODALITY_GROUPS = {
    "text": "language and code", "code": "language and code",
    "vision-language": "vision-language and omni", "multimodal": "vision-language and omni",
    "image": "image and video", "video": "image and video",
    "speech": "speech and audio", "audio": "speech and audio",
    "retrieval": "retrieval", "document": "documents", "robotics": "robotics",
}
MODALITY_COLOURS = {
    "language and code": "#0072B2", "vision-language and omni": "#009E73", "image and video": "#E69F00",
    "speech and audio": "#D55E00", "retrieval": "#56B4E9", "documents": "#CC79A7", "robotics": "#000000",
}


DOCTYPE = re.compile(r"<!DOCTYPE[^>]*>\s*")


def save_svg(fig, path: Path) -> None:
    """Write a figure as SVG, then close it. matplotlib declares the SVG 1.1
    DTD, an external entity that EPUB 3 forbids (EPUBCheck OPF-073, HTM-003);
    browsers and WeasyPrint ignore it, so it is left out."""
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    plt.close(fig)
    path.write_text(DOCTYPE.sub("", buffer.getvalue(), count=1), encoding="utf-8")


def licence_group(data: ModelData, model: ModelRecord) -> str:
    lic = data.licences[model.licence]
    if lic.osi_approved:
        return "permissive"
    return "noncommercial" if lic.commercial == "no" else "conditional"


def open_models(data: ModelData) -> list[ModelRecord]:
    return sorted((m for m in data.models if m.open_weights), key=lambda m: m.released)


def _axes(width: float = 7.0, height: float = 4.2):
    import matplotlib

    matplotlib.use("svg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({
        "svg.fonttype": "none",  # keep text as text: smaller, searchable, crisp
        "svg.hashsalt": "open-models",  # stable ids: same data, same file
        "font.family": "sans-serif",
        "font.size": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
    })
    fig, ax = plt.subplots(figsize=(width, height), facecolor="white")
    ax.grid(True, color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    return fig, ax


def _year_float(d: date) -> float:
    return d.year + (d.timetuple().tm_yday - 1) / 365.25


def _label_points(ax, points: list[tuple[float, float, str]], max_labels: int = 10) -> None:
    """Name points in priority order, skipping any whose label would overlap one already placed."""
    ax.autoscale_view()
    placed: list[tuple[float, float, float]] = []  # display x, y and label width
    for x, y, text in points:
        px, py = ax.transData.transform((x, y))
        width = 5.2 * len(text)  # ~ pixels at 7.5 pt
        if any(abs(py - qy) < 13 and px < qx + qw + 6 and qx < px + width + 6 for qx, qy, qw in placed):
            continue
        placed.append((px, py, width))
        ax.annotate(text, (x, y), xytext=(4, 3), textcoords="offset points", fontsize=7.5, color="#333333")
        if len(placed) >= max_labels:
            break


def _legend_below(ax, ncols: int = 2) -> None:
    ax.legend(frameon=False, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=ncols)


def releases_over_time(data: ModelData):
    models = open_models(data)
    first, last = models[0].released, models[-1].released
    # Every half-year in the range, including those with no release.
    halves = [(y, h) for y in range(first.year, last.year + 1) for h in (1, 2)
              if (first.year, 1 if first.month <= 6 else 2) <= (y, h) <= (last.year, 1 if last.month <= 6 else 2)]
    labels = [f"{y} H{h}" for y, h in halves]
    counts = {mod: Counter() for mod in MODALITY_COLOURS}
    for m in models:
        counts[MODALITY_GROUPS[m.modality]][(m.released.year, 1 if m.released.month <= 6 else 2)] += 1
    fig, ax = _axes()
    bottom = [0] * len(halves)
    for modality, colour in MODALITY_COLOURS.items():
        heights = [counts[modality][h] for h in halves]
        if any(heights):
            ax.bar(labels, heights, bottom=bottom, color=colour, label=modality, edgecolor="white", linewidth=0.5)
            bottom = [b + h for b, h in zip(bottom, heights)]
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("open-weight models in this book")
    ax.tick_params(axis="x", rotation=45)
    ax.legend(frameon=False, fontsize=8, loc="upper left", ncols=2)
    fig.tight_layout()
    return fig


def _scatter_by_licence(ax, data: ModelData, models: list[ModelRecord], x, y) -> None:
    """One scatter series per kind of licence, so colour and marker both tell it."""
    for group, (label, colour, marker) in LICENCE_GROUPS.items():
        pts = [m for m in models if licence_group(data, m) == group]
        if pts:
            ax.scatter([x(m) for m in pts], [y(m) for m in pts], c=colour, marker=marker, s=28,
                       label=label, alpha=0.85, edgecolors="white", linewidths=0.5)


def parameters_over_time(data: ModelData):
    fig, ax = _axes()
    models = [m for m in open_models(data) if m.parameters_b]
    _scatter_by_licence(ax, data, models, lambda m: _year_float(m.released), lambda m: m.parameters_b)
    # Name the largest model of each year so the reader can anchor the cloud.
    largest: dict[int, ModelRecord] = {}
    for m in models:
        if m.released.year not in largest or m.parameters_b > largest[m.released.year].parameters_b:
            largest[m.released.year] = m
    ax.set_yscale("log")
    _label_points(ax, [(_year_float(m.released), m.parameters_b, m.name)
                       for m in sorted(largest.values(), key=lambda m: m.released)])
    _count_axis(ax.yaxis, formats.parameters)
    ax.set_ylabel("total parameters (log scale)")
    ax.set_xlabel("release date")
    _legend_below(ax, ncols=3)
    fig.tight_layout()
    return fig


def tokens_vs_parameters(data: ModelData):
    fig, ax = _axes()
    models = [m for m in open_models(data) if m.parameters_b and m.training_tokens_t]
    _scatter_by_licence(ax, data, models, lambda m: m.parameters_b, lambda m: m.training_tokens_t)
    if models:
        lo = min(m.parameters_b for m in models) / 1.5
        hi = max(m.parameters_b for m in models) * 1.5
        # Chinchilla's compute-optimal rule of thumb: about 20 tokens per parameter.
        ax.plot([lo, hi], [lo * 20 / 1000, hi * 20 / 1000], color="#666666", linestyle="--", linewidth=1,
                label="20 tokens per parameter")
    ax.set_xscale("log")
    ax.set_yscale("log")
    # Name the outliers: most tokens per parameter, fewest, and the largest models.
    ratio = sorted(models, key=lambda m: m.training_tokens_t / m.parameters_b)
    largest = sorted(models, key=lambda m: -m.parameters_b)[:3]
    picks = ratio[::-1][:5] + ratio[:3] + largest
    unique = list({m.id: m for m in picks}.values())
    _label_points(ax, [(m.parameters_b, m.training_tokens_t, m.name) for m in unique])
    _count_axis(ax.xaxis, formats.parameters)
    _count_axis(ax.yaxis, formats.tokens)
    ax.set_xlabel("total parameters (log scale)")
    ax.set_ylabel("training tokens (log scale)")
    _legend_below(ax, ncols=2)
    fig.tight_layout()
    return fig


def context_over_time(data: ModelData):
    fig, ax = _axes()
    models = [m for m in open_models(data) if m.context_length and m.modality in ("text", "code", "vision-language", "multimodal")]
    ax.scatter([_year_float(m.released) for m in models], [m.context_length for m in models],
               c="#0072B2", s=26, alpha=0.8, edgecolors="white", linewidths=0.5, label="open-weight model")
    # The running maximum shows the frontier of what an open model could read.
    xs, ys, best = [], [], 0
    for m in models:
        if m.context_length > best:
            best = m.context_length
            xs.append(_year_float(m.released))
            ys.append(best)
    if xs:
        xs.append(max(_year_float(m.released) for m in models))
        ys.append(best)
        ax.step(xs, ys, where="post", color="#D55E00", linewidth=1.2, label="longest so far")
    ax.set_yscale("log", base=2)
    ax.yaxis.set_major_formatter(_token_formatter())
    ax.set_ylabel("context window (tokens, log scale)")
    ax.set_xlabel("release date")
    _legend_below(ax)
    fig.tight_layout()
    return fig


def _count_axis(axis, fmt) -> None:
    """Label a log axis's ticks in the book's number format (bookkit.data.formats)."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    def label(value, _pos):
        return fmt(value) if value > 0 else ""

    axis.set_major_formatter(FuncFormatter(label))
    axis.set_minor_formatter(NullFormatter())


def _token_formatter():
    from matplotlib.ticker import FuncFormatter

    def label(value, _pos):
        return formats.context(int(value)) if value >= 1 and value == int(value) else ""

    return FuncFormatter(label)


@dataclass(frozen=True)
class FigureSpec:
    draw: Callable[[ModelData], object]
    caption: str
    alt: Callable[[ModelData], str]


def _span(data: ModelData) -> str:
    models = open_models(data)
    return f"{models[0].released.year} to {models[-1].released.year}" if models else "no years"


FIGURES: dict[str, FigureSpec] = {
    "releases-over-time": FigureSpec(
        releases_over_time,
        "Open-weight models covered in this book, by half-year of release and by modality.",
        lambda d: f"Stacked bar chart of {len(open_models(d))} open-weight model releases per half-year "
                  f"from {_span(d)}, coloured by modality.",
    ),
    "parameters-over-time": FigureSpec(
        parameters_over_time,
        "Total parameters of open-weight models against release date (log scale), coloured by the kind of "
        "licence. The largest model of each year is named.",
        lambda d: f"Scatter plot of total parameter counts of open-weight models from {_span(d)} on a "
                  "logarithmic axis, coloured by permissive, conditional or non-commercial licence.",
    ),
    "tokens-vs-parameters": FigureSpec(
        tokens_vs_parameters,
        "Training tokens against total parameters, both on log scales. Points far above the dashed line "
        "were trained on many more tokens per parameter than the Chinchilla rule of thumb.",
        lambda d: "Log-log scatter plot of training tokens against parameters for open-weight models, "
                  "with a dashed line at twenty tokens per parameter.",
    ),
    "context-over-time": FigureSpec(
        context_over_time,
        "Context window of open-weight language models against release date (log scale); the step line "
        "is the longest context available in an open model at each date.",
        lambda d: f"Scatter plot of context window lengths from {_span(d)} on a logarithmic axis, with a "
                  "step line tracing the longest context so far.",
    ),
}
