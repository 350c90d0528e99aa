# The one interface to the book. `make help` lists the targets.
# Everything runs inside .venv, which `make` creates and keeps in step with
# requirements/lock.txt, the hashed lock of every Python package (reinstalled
# only when the lock or pyproject.toml changes; `make lock` rewrites the lock).

PYTHON    ?= python3.11
VENV      := .venv
BIN       := $(VENV)/bin
BUILD     := _build
HTML      := $(BUILD)/html
PDF       := $(BUILD)/pdf
EPUB      := $(BUILD)/epub
DOCTREES  := $(BUILD)/doctrees
# Strict: every warning is an error, but keep going so all errors show at once.
STRICT    := -W --keep-going -n
SPHINX    := $(BIN)/sphinx-build
HOST      ?= 127.0.0.1
PORT      ?= 8000
LOCK      := requirements/lock.txt
# make linkcheck stops after this many seconds (the report then says so).
LINKCHECK_MAX ?= 1800

.DEFAULT_GOAL := html
.PHONY: help html pdf epub test serve linkcheck lint stale format clean bench lock

help: ## List the targets, one line each
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | \
	  awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# --- environment ------------------------------------------------------------
# The stamp is older than the lock or pyproject.toml => reinstall; otherwise
# nothing to do. Every package (pip and setuptools included) comes from the
# lock, checked against its hashes; the book itself is then installed without
# dependencies and without build isolation (which would fetch an unpinned
# setuptools).
$(VENV)/.installed: pyproject.toml $(LOCK)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed package.json package-lock.json
	@scripts/ensure-chromium.sh
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

# Jupyter Book turns _config.yml into a Sphinx conf.py (git-ignored), so that
# sphinx-build and sphinx-autobuild read exactly what `jupyter-book build` would.
# The settings are checked first: a broken _config.yml is named with its line.
book/conf.py: book/_config.yml $(VENV)/.installed
	$(BIN)/python -m bookkit.checks.config
	$(BIN)/jupyter-book config sphinx book/ >/dev/null
	@echo "generated book/conf.py from book/_config.yml"

# --- build ------------------------------------------------------------------
html: book/conf.py ## Build the HTML book (incremental) and print where it is
	$(SPHINX) -b html $(STRICT) -q -d $(DOCTREES) book $(HTML)
	@echo "The book is at file://$(CURDIR)/$(HTML)/index.html"

# The offline editions, from the same sources (website-only pages and
# features stay out: see bookkit.extensions.editions). Each has its own
# doctrees, so they never disturb the website's incremental build.
pdf: book/conf.py ## Build the PDF edition (_build/pdf/<name>.pdf) with WeasyPrint
	@scripts/ensure-pdf-libs.sh $(BIN)/python
	$(SPHINX) -b simplepdf $(STRICT) -q -d $(BUILD)/doctrees-pdf book $(PDF)
	@echo "The PDF is at $$(ls $(CURDIR)/$(PDF)/*.pdf)"

epub: book/conf.py ## Build the EPUB edition (_build/epub/<name>.epub)
	$(SPHINX) -b epub $(STRICT) -q -d $(BUILD)/doctrees-epub book $(EPUB)
	@echo "The EPUB is at $$(ls $(CURDIR)/$(EPUB)/*.epub)"

# Tests run on every core, one test file per worker (--dist loadfile: a file's
# tests share their fixtures, such as the browser and the built pages).
PYTEST_WORKERS ?= auto

test: book/conf.py $(VENV)/.installed-test ## Lint, build strictly from a clean folder (web, EPUB, PDF), run all tests
	$(BIN)/python -m bookkit.checks.lint
	rm -rf $(HTML) $(DOCTREES) $(PDF) $(EPUB) $(BUILD)/doctrees-pdf $(BUILD)/doctrees-epub
	$(SPHINX) -b html $(STRICT) -q -d $(DOCTREES) book $(HTML)
	$(MAKE) --no-print-directory epub pdf
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile

serve: book/conf.py ## Live preview at http://127.0.0.1:8000, rebuilt on every save
	$(BIN)/sphinx-autobuild --host $(HOST) --port $(PORT) -d $(DOCTREES) \
	  --watch scripts/bookkit --ignore '*/book/model/*' book $(HTML)

linkcheck: book/conf.py ## Check external links (needs network) and print broken ones by file:line
	$(BIN)/python -m bookkit.checks.linkreport --require-network
	@status=0; timeout $(LINKCHECK_MAX) $(SPHINX) -b linkcheck -q -d $(BUILD)/linkcheck-doctrees \
	  book $(BUILD)/linkcheck || status=$$?; \
	if [ $$status -eq 124 ]; then echo "make linkcheck: stopped after $(LINKCHECK_MAX) s" \
	  "(LINKCHECK_MAX); the report below is partial" >&2; fi; \
	$(BIN)/python -m bookkit.checks.linkreport $(BUILD)/linkcheck/output.json && [ $$status -ne 124 ]

lint: $(VENV)/.installed ## Fast checks that need no build (citations, pages, figures, data)
	$(BIN)/python -m bookkit.checks.lint

stale: $(VENV)/.installed ## List model records not checked for six months (fails if any)
	$(BIN)/python -m bookkit.checks.freshness

format: $(VENV)/.installed ## Rewrite book/references.bib in its canonical form
	$(BIN)/python -m bookkit.checks.bib --format

bench: book/conf.py $(VENV)/.installed-test ## Measure build times, page weight and Lighthouse scores
	scripts/benchmark.sh

lock: $(VENV)/.installed ## Rewrite requirements/lock.txt (hashed) after pyproject.toml changes
	$(BIN)/uv pip compile pyproject.toml requirements/tools.in --extra test --generate-hashes \
	  --universal --python-version 3.11 --custom-compile-command "make lock" --quiet -o $(LOCK)
	@echo "wrote $(LOCK); commit it with pyproject.toml"

clean: ## Remove build output and the generated conf.py (keeps .venv)
	rm -rf $(BUILD) book/conf.py book/_build book/models
