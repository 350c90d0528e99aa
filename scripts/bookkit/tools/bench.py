"""Benchmark the book: build times, page weight, Lighthouse scores, HTML validity.

Run by ``make bench`` (scripts/benchmark.sh). Writes benchmarks/results.json
(every number) and benchmarks/results.md (a summary against the targets).
Nothing here is a test: numbers depend on the machine; the targets are
checked and reported, not asserted.

Measured:

* build: a full strict build from a clean output folder and environment,
  as ``make test`` does (``-W --keep-going -n``), a
  no-change rebuild, a one-chapter-edit rebuild (the chapter's mtime is
  bumped, then restored), each the median of ``--runs``; and the *floor*: the
  same sources built by bare Sphinx + myst-parser (basic theme, no other
  extension; warnings allowed). Builds go to _build/bench/, never to the
  shared _build/html.
* pages: the built site served with gzip on 127.0.0.1 under its base-URL
  path (bookkit.tools.sitesrv); Lighthouse 12 (node_modules, Node 20) with
  CHROME_PATH=/usr/bin/chromium, mobile and desktop presets, home page and
  Models chapter, median performance of ``--runs``; transferred KiB in all
  and without images, from Lighthouse's network records.
* stock: the same pages built with the stock theme (this book's
  bookkit.extensions.slim_theme and bookkit.extensions.comments left out), for
  before/after.
* HTML: the Nu HTML checker (node_modules/vnu-jar, Java) on every page.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from bookkit.tools.sitesrv import serve, site_prefix

ROOT = Path(__file__).resolve().parents[3]
BOOK = ROOT / "book"
BENCH = ROOT / "_build" / "bench"
OUT = ROOT / "benchmarks"
BIN = Path(sys.executable).parent
SPHINX = [str(BIN / "sphinx-build")]
STRICT = ["-W", "--keep-going", "-n", "-q"]
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync --no-first-run --disable-quic"
)
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
OUR_EXTENSIONS = ("bookkit.extensions.slim_theme", "bookkit.extensions.comments")

TARGETS = {
    "mobile performance": ">= 95",
    "accessibility": "100",
    "best practices": "100",
    "SEO": "100",
    "chapter page weight (images aside)": "<= 300 KiB",
    "full build": "<= 1.5 x floor",
    "no-change rebuild": "<= 3 s",
    "one-chapter edit": "<= 5 s",
    "Nu HTML checker errors": "0",
}


def log(msg: str) -> None:
    print(f"[bench] {msg}", flush=True)


def run(cmd: list[str], **kw) -> float:
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, **kw)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"failed ({result.returncode}): {' '.join(cmd)}\n{result.stdout}\n{result.stderr}")
    return elapsed


# --- builds ---------------------------------------------------------------------
def sphinx(out: Path, *extra: str, strict: bool = True) -> float:
    return run([*SPHINX, "-b", "html", *(STRICT if strict else ["-q"]), *extra,
                "-d", str(out / "doctrees"), str(BOOK), str(out / "html")])


def floor_conf(where: Path) -> Path:
    """A conf.py for bare Sphinx + myst-parser with the book's parse settings."""
    from bookkit.data import safeyaml

    config = safeyaml.load_file(BOOK / "_config.yml")
    myst = (config.get("parse") or {}).get("myst_enable_extensions") or []
    excludes = config.get("exclude_patterns") or []
    where.mkdir(parents=True, exist_ok=True)
    (where / "conf.py").write_text(
        "project = 'floor'\n"
        "extensions = ['myst_parser']\n"
        f"myst_enable_extensions = {myst!r}\n"
        f"exclude_patterns = {excludes + ['_build', 'conf.py']!r}\n"
        "html_theme = 'basic'\n"
        "suppress_warnings = ['*']\n"
    )
    return where


def chapter_to_edit() -> Path:
    for name in ("models.md", "timeline.md"):
        if (BOOK / name).is_file():
            return BOOK / name
    return sorted(BOOK.glob("*.md"))[0]


def measure_builds(runs: int) -> dict:
    subprocess.run([str(BIN / "jupyter-book"), "config", "sphinx", "book/"], cwd=ROOT,
                   capture_output=True, check=True)
    out = BENCH / "book"
    floor_out = BENCH / "floor"
    floor_dir = floor_conf(BENCH / "floor-conf")
    chapter = chapter_to_edit()
    full, nochange, edit, floor = [], [], [], []
    for i in range(runs):
        shutil.rmtree(floor_out, ignore_errors=True)
        floor.append(sphinx(floor_out, "-c", str(floor_dir), strict=False))
        # As `make test` does: a clean output and environment (the model
        # data's generated figures, cached next to them, are kept).
        shutil.rmtree(out / "html", ignore_errors=True)
        shutil.rmtree(out / "doctrees", ignore_errors=True)
        full.append(sphinx(out))
        nochange.append(sphinx(out))
        stat = chapter.stat()
        try:
            os.utime(chapter, (stat.st_atime, time.time()))
            edit.append(sphinx(out))
        finally:
            os.utime(chapter, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        sphinx(out)  # back in step with the restored mtime
        log(f"build run {i + 1}/{runs}: floor {floor[-1]:.2f}s full {full[-1]:.2f}s "
            f"no-change {nochange[-1]:.2f}s edit {edit[-1]:.2f}s")
    med = {k: round(statistics.median(v), 2) for k, v in
           {"floor_s": floor, "full_s": full, "nochange_s": nochange, "edit_s": edit}.items()}
    med["full_over_floor"] = round(med["full_s"] / med["floor_s"], 2)
    med.update(measure_imports(runs))
    med["edited_chapter"] = chapter.name
    med["runs"] = {"floor": floor, "full": full, "nochange": nochange, "edit": edit}
    return med


STACK_IMPORTS = {
    "floor": "import sphinx.application, sphinx.builders.html, myst_parser.sphinx_ext.main",
    "book": (
        "import sphinx.application, sphinx.builders.html, myst_nb.sphinx_ext, jupyter_book, "
        "sphinx_book_theme, sphinxcontrib.bibtex, sphinx_design, sphinx_external_toc, "
        "sphinx_thebe, sphinx_togglebutton, sphinx_copybutton, sphinx_comments, "
        "sphinx_jupyterbook_latex, sphinx_multitoc_numbering, sphinx_last_updated_by_git, "
        "notfound.extension, bookkit.extensions.model_directives, bookkit.extensions.slim_theme"
    ),
}


def measure_imports(runs: int) -> dict:
    """Seconds to import each stack's modules: the fixed cost of every build."""
    result = {}
    for name, code in STACK_IMPORTS.items():
        result[f"{name}_import_s"] = round(statistics.median(
            run([sys.executable, "-c", code]) for _ in range(runs)), 2)
    return result


def build_stock() -> Path:
    """The book with the stock theme: our slimming and comments extensions left out."""
    conf_dir = BENCH / "stock-conf"
    conf_dir.mkdir(parents=True, exist_ok=True)
    text = (BOOK / "conf.py").read_text(encoding="utf-8")
    for ext in OUR_EXTENSIONS:
        text = text.replace(f"'{ext}', ", "").replace(f", '{ext}'", "")
    (conf_dir / "conf.py").write_text(text)
    out = BENCH / "stock"
    shutil.rmtree(out, ignore_errors=True)
    run([*SPHINX, "-b", "html", "-q", "-c", str(conf_dir), "-d", str(out / "doctrees"),
         str(BOOK), str(out / "html")])
    return out / "html"


# --- Lighthouse -------------------------------------------------------------------
def lighthouse(url: str, preset: str, out: Path) -> dict:
    cmd = [str(LIGHTHOUSE), url, "--quiet", f"--chrome-flags={CHROME_FLAGS}",
           "--only-categories=performance,accessibility,best-practices,seo",
           "--output=json", f"--output-path={out}"]
    if preset == "desktop":
        cmd.append("--preset=desktop")
    env = dict(os.environ, CHROME_PATH=CHROME)
    subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, check=True, timeout=180)
    report = json.loads(out.read_text())
    scores = {k: round(v["score"] * 100) for k, v in report["categories"].items()}
    items = report["audits"]["network-requests"]["details"]["items"]
    total = sum(i.get("transferSize", 0) for i in items)
    images = sum(i.get("transferSize", 0) for i in items if i.get("resourceType") == "Image")
    failing = sorted(
        k for k, a in report["audits"].items()
        if a.get("score") is not None and a["score"] < 1
        and a.get("scoreDisplayMode") in ("binary", "numeric", "metricSavings")
    )
    metrics = {k: report["audits"][k].get("displayValue") for k in
               ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time",
                "cumulative-layout-shift", "speed-index")}
    return {"scores": scores, "kib": round(total / 1024, 1),
            "kib_no_images": round((total - images) / 1024, 1), "requests": len(items),
            "metrics": metrics, "not_perfect": failing}


def measure_pages(html: Path, runs: int, label: str) -> dict:
    results = {}
    reports = BENCH / "lighthouse" / label
    reports.mkdir(parents=True, exist_ok=True)
    pages = {"home": "index.html", "models": "models.html"}
    with serve(html, gzip=True, prefix=site_prefix(BOOK / "_config.yml")) as site:
        for name, page in pages.items():
            if not (html / page).is_file():
                continue
            for preset in ("mobile", "desktop"):
                samples = [lighthouse(site + page, preset, reports / f"{name}-{preset}-{i}.json")
                           for i in range(runs)]
                samples.sort(key=lambda s: s["scores"]["performance"])
                best = samples[len(samples) // 2]
                best["performance_runs"] = [s["scores"]["performance"] for s in samples]
                results[f"{name} {preset}"] = best
                log(f"{label} {name} {preset}: {best['scores']} {best['kib']} KiB")
    return results


# --- HTML validity ---------------------------------------------------------------
def vnu(html: Path) -> dict:
    pages = sorted(str(p) for p in html.rglob("*.html") if "_static" not in p.parts)
    result = subprocess.run(["java", "-jar", str(VNU), "--format", "json", "--exit-zero-always", *pages],
                            capture_output=True, text=True, timeout=600)
    messages = json.loads(result.stderr or result.stdout or '{"messages": []}')["messages"]
    errors = [m for m in messages if m.get("type") == "error"]
    warnings = [m for m in messages if m.get("type") == "info" and m.get("subType") == "warning"]

    def short(m):
        return f"{Path(m.get('url', '')).name}:{m.get('lastLine', '?')}: {m.get('message', '')}"

    return {"pages": len(pages), "errors": len(errors), "warnings": len(warnings),
            "error_messages": [short(m) for m in errors][:50],
            "warning_messages": sorted({re.sub(r'^[^:]*:\d+: ', '', short(m)) for m in warnings})[:20]}


# --- report -------------------------------------------------------------------------
def ok(flag: bool) -> str:
    return "yes" if flag else "**no**"


def summary(data: dict) -> str:
    b = data.get("build", {})
    pages = data.get("pages", {})
    stock = data.get("stock", {})
    lines = [
        "# Benchmarks",
        "",
        f"Measured {data['when']} on {data['machine']} by `make bench` "
        "(scripts/benchmark.sh, scripts/bookkit/bench.py); every number is in results.json.",
        "",
    ]
    if b:
        lines += [
            "## Build",
            "",
            f"Median of {len(b['runs']['full'])} runs. Floor: the same sources, bare Sphinx + myst-parser.",
            "",
            "| build | seconds | target | met |",
            "|---|---:|---|---|",
            f"| floor (bare Sphinx + myst-parser) | {b['floor_s']} | | |",
            f"| full strict build | {b['full_s']} ({b['full_over_floor']} x floor) | <= 1.5 x floor | {ok(b['full_over_floor'] <= 1.5)} |",
            f"| no-change rebuild | {b['nochange_s']} | <= 3 s | {ok(b['nochange_s'] <= 3)} |",
            f"| one-chapter edit ({b['edited_chapter']}) | {b['edit_s']} | <= 5 s | {ok(b['edit_s'] <= 5)} |",
            "",
        ]
        if "book_import_s" in b:
            lines += [
                f"Importing the extensions alone takes {b['book_import_s']} s for the book "
                f"(Jupyter Book's fixed set: myst-nb with jupyter-cache and SQLAlchemy, the themes, "
                f"sphinxcontrib-bibtex, ...) against {b['floor_import_s']} s for the floor: a fixed "
                "cost of every build, before any page is read.",
                "",
            ]
    if pages:
        lines += [
            "## Pages (Lighthouse 12, served with gzip on 127.0.0.1)",
            "",
            "| page | theme | performance | accessibility | best practices | SEO | KiB transferred | KiB without images | requests |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for label, results in (("stock", stock), ("this book", pages)):
            for key, r in results.items():
                s = r["scores"]
                lines.append(
                    f"| {key} | {label} | {s['performance']} ({'/'.join(map(str, r['performance_runs']))}) "
                    f"| {s['accessibility']} | {s['best-practices']} | {s['seo']} | {r['kib']} "
                    f"| {r['kib_no_images']} | {r['requests']} |"
                )
        mobile_ok = all(r["scores"]["performance"] >= 95 for k, r in pages.items() if "mobile" in k)
        others_ok = all(r["scores"][c] == 100 for r in pages.values()
                        for c in ("accessibility", "best-practices", "seo"))
        weight = pages.get("models mobile", {}).get("kib_no_images")
        lines += [
            "",
            f"- Mobile performance >= 95: {ok(mobile_ok)}; accessibility, best practices, SEO all 100: {ok(others_ok)}.",
            f"- Chapter page (Models) <= 300 KiB without images: {ok(weight is not None and weight <= 300)} ({weight} KiB).",
            "",
        ]
    if "vnu" in data:
        v = data["vnu"]
        lines += [
            "## HTML validity (Nu HTML checker)",
            "",
            f"{v['pages']} pages: {v['errors']} errors ({ok(v['errors'] == 0)}), {v['warnings']} warnings.",
            "",
        ]
        lines += [f"- {m}" for m in v["error_messages"][:20]]
        if v["warning_messages"]:
            lines += ["", "Warnings (kinds):", ""] + [f"- {m}" for m in v["warning_messages"]]
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="repeats per measurement (median)")
    parser.add_argument("--skip", action="append", default=[],
                        choices=["build", "pages", "stock", "vnu"], help="leave a part out")
    args = parser.parse_args()
    data: dict = {
        "when": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "targets": TARGETS,
    }
    if "build" not in args.skip:
        data["build"] = measure_builds(args.runs)
    html = BENCH / "book" / "html"
    if not (html / "index.html").is_file():
        sphinx(BENCH / "book")
    if "pages" not in args.skip:
        data["pages"] = measure_pages(html, args.runs, "book")
    if "stock" not in args.skip:
        data["stock"] = measure_pages(build_stock(), args.runs, "stock")
    if "vnu" not in args.skip:
        data["vnu"] = vnu(html)
        log(f"Nu HTML checker: {data['vnu']['errors']} errors, {data['vnu']['warnings']} warnings")
    OUT.mkdir(exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(data, indent=1) + "\n")
    (OUT / "results.md").write_text(summary(data))
    print(summary(data))


if __name__ == "__main__":
    main()
