"""`make lint`: every check that needs no build, all problems at once.

Each check is a function ``check(root) -> list[str]`` returning problems as
``path:line: message``. To add one, append it to CHECKS.
Run: ``python -m bookkit.checks.lint``; exit status 1 if anything is wrong.
WARNINGS are printed too but never fail the run (e.g. records not checked
against their sources for six months: a reason to look, not an error).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from bookkit.checks import bib as bibcheck
from bookkit.checks import freshness
from bookkit.data import memory as hardwaredata
from bookkit.checks import config as configcheck
from bookkit.data import models as modeldata
from bookkit.data import scores as scoredata
from bookkit.data import safeyaml
from bookkit.checks import onetruth
from bookkit.checks import pages as pagecheck
from bookkit.checks import rendered
from bookkit.checks import safety
from bookkit.checks import urls as urlcheck
from bookkit.checks.source import ROOT

CHECKS = [
    configcheck.check, # _config.yml, _toc.yml, guards.yml: strict YAML, Jupyter Book's schema
    bibcheck.check,    # references.bib: parse, keys, fields, duplicates, citations, canonical form
    pagecheck.check,   # pages and figures: titles, intros, TODOs, captions, alt text, images, scripts
    safety.check,      # symlinks out of book/, SVG content, eval-rst raw, invisible characters
    urlcheck.check,    # URL hygiene in pages, data and config (the bib's URLs: bibcheck)
    modeldata.check,   # book/data/*.yaml: schema, units, dates, licences, citation keys
    hardwaredata.check,  # book/data/hardware.yaml: schema, units, datasheet citation keys
    scoredata.check,   # book/data/scores.yaml: schema, model ids, benchmark ids, source keys
    onetruth.check,    # model facts typed in prose that the data already holds
    rendered.spelling, # codespell on pages, data, bib, README, CONTRIBUTING (scripts/codespell-words.txt)
]
WARNINGS = [
    freshness.warnings,  # records whose `checked` date is older than six months
]


def main(argv: list[str] | None = None) -> int:
    root = Path(argv[0]) if argv else ROOT
    start = time.perf_counter()
    problems: list[str] = []
    for check in CHECKS:
        try:
            problems += check(root)
        except safeyaml.YamlError as err:  # e.g. _toc.yml refused: say it once
            if str(err) not in problems:
                problems.append(str(err))
        except Exception as err:  # a crashing check must not hide the others
            problems.append(f"{check.__module__}: crashed: {err!r}")
    warned: list[str] = []
    for warn in WARNINGS:
        try:
            warned += warn(root)
        except Exception as err:
            warned.append(f"{warn.__module__}: crashed: {err!r}")
    for p in problems:
        print(p)
    for w in warned:
        print(w)
    took = time.perf_counter() - start
    sys.stdout.flush()  # the problems first, then the summary on stderr
    if problems:
        print(f"lint: {len(problems)} problem(s) in {took:.1f} s; each line says file:line "
              "and what to do (see CONTRIBUTING.md, 'Checks')", file=sys.stderr)
        return 1
    extra = f" ({len(warned)} warning(s) above, not failures)" if warned else ""
    print(f"lint: all {len(CHECKS)} checks passed in {took:.1f} s{extra}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
