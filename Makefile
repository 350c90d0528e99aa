# The one interface to the book. `make help` lists the targets.
# Everything runs inside .venv, which `make` creates and keeps in step with
# pyproject.toml (it is reinstalled only when pyproject.toml changes).

PYTHON    ?= python3.11
VENV      := .venv
BIN       := $(VENV)/bin
BUILD     := _build
HTML      := $(BUILD)/html
DOCTREES  := $(BUILD)/doctrees
# Strict: every warning is an error, but keep going so all errors show at once.
STRICT    := -W --keep-going -n
SPHINX    := $(BIN)/sphinx-build
HOST      ?= 127.0.0.1
PORT      ?= 8000

.DEFAULT_GOAL := html
.PHONY: help html test serve linkcheck lint format clean bench

help: ## List the targets, one line each
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | \
	  awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# --- environment ------------------------------------------------------------
# The stamp is older than pyproject.toml => reinstall; otherwise nothing to do.
$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed package.json package-lock.json
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@scripts/ensure-chromium.sh
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

# Jupyter Book turns _config.yml into a Sphinx conf.py (git-ignored), so that
# sphinx-build and sphinx-autobuild read exactly what `jupyter-book build` would.
book/conf.py: book/_config.yml $(VENV)/.installed
	$(BIN)/jupyter-book config sphinx book/ >/dev/null
	@echo "generated book/conf.py from book/_config.yml"

# --- build ------------------------------------------------------------------
html: book/conf.py ## Build the HTML book (incremental) and print where it is
	$(SPHINX) -b html $(STRICT) -q -d $(DOCTREES) book $(HTML)
	@echo "The book is at file://$(CURDIR)/$(HTML)/index.html"

# Tests run on every core, one test file per worker (--dist loadfile: a file's
# tests share their fixtures, such as the browser and the built pages).
PYTEST_WORKERS ?= auto

test: book/conf.py $(VENV)/.installed-test ## Lint, build strictly from a clean folder, run all tests
	$(BIN)/python -m bookkit.checks.lint
	rm -rf $(HTML) $(DOCTREES)
	$(SPHINX) -b html $(STRICT) -q -d $(DOCTREES) book $(HTML)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile

serve: book/conf.py ## Live preview at http://127.0.0.1:8000, rebuilt on every save
	$(BIN)/sphinx-autobuild --host $(HOST) --port $(PORT) -d $(DOCTREES) \
	  --watch scripts/bookkit book $(HTML)

linkcheck: book/conf.py ## Check external links (needs network) and print broken ones by file:line
	$(BIN)/python -m bookkit.checks.linkreport --require-network
	-$(SPHINX) -b linkcheck -q -d $(BUILD)/linkcheck-doctrees book $(BUILD)/linkcheck
	$(BIN)/python -m bookkit.checks.linkreport $(BUILD)/linkcheck/output.json

lint: $(VENV)/.installed ## Fast checks that need no build (citations, pages, figures, data)
	$(BIN)/python -m bookkit.checks.lint

format: $(VENV)/.installed ## Rewrite book/references.bib in its canonical form
	$(BIN)/python -m bookkit.checks.bib --format

bench: book/conf.py $(VENV)/.installed-test ## Measure build times, page weight and Lighthouse scores
	scripts/benchmark.sh

clean: ## Remove build output and the generated conf.py (keeps .venv)
	rm -rf $(BUILD) book/conf.py book/_build
