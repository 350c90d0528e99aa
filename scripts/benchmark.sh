#!/usr/bin/env bash
# `make bench`: build times (vs. bare Sphinx + myst-parser), page weight and
# Lighthouse scores (this book's theme and the stock one), Nu HTML checker.
# Results: benchmarks/results.json and benchmarks/results.md.
# Options go to scripts/bookkit/tools/bench.py, e.g. `scripts/benchmark.sh --runs 1`.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x node_modules/.bin/lighthouse ]; then
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
fi
exec .venv/bin/python -m bookkit.tools.bench "$@"
