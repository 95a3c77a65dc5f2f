# Two commands: `make site` builds the website into site/, `make test` runs every test.
# Each creates the local virtual environment .venv and installs the pinned dependencies it needs.

export NO_MKDOCS_2_WARNING := 1

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check

.PHONY: site test check check-data lock clean

site: $(VENV)/.site-installed
	$(BIN)/site-builder check
	@# Builds beside the published folder and swaps only on success: a failed build never leaves a half-written site.
	@# A preview until mkdocs.yml names the publisher (docs/ci.md); PUBLISH=1 (the deploy workflow) refuses placeholders.
	$(BIN)/site-builder build $(if $(PUBLISH),,--allow-placeholders)

test: $(VENV)/.test-installed
	$(BIN)/ruff check site_builder tests bench
	$(BIN)/ruff format --check site_builder tests bench
	$(BIN)/mypy
	@# Chromium, poppler and the CJK fonts are system packages: without them, say which command installs them.
	$(BIN)/python tests/preflight.py
	$(BIN)/python -m pytest
	@# The code tests never read the live rules/ and stations/ (tests/fixtures/): the project's own commands check them.
	$(MAKE) --no-print-directory check-data

check: $(VENV)/.site-installed
	$(BIN)/site-builder check

# The live data as CI checks it (docs/ci.md): records and rule files, the rule tests, the editor schema, the format.
check-data: $(VENV)/.site-installed
	$(BIN)/site-builder check
	$(BIN)/site-builder test
	$(BIN)/site-builder schema --check
	$(BIN)/site-builder fmt --check

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.site-installed: requirements/site.lock pyproject.toml | $(BIN)/python
	$(PIP) --require-hashes -r requirements/site.lock
	$(PIP) --no-deps -e .
	touch $@

$(VENV)/.test-installed: requirements/test.lock $(VENV)/.site-installed
	$(PIP) --require-hashes -r requirements/test.lock
	touch $@

# Re-pin after changing dependencies in pyproject.toml: every file is pinned by version and sha256 (pip then installs
# in hash-checking mode). Existing pins are kept where they still fit; `make lock UPGRADE=--upgrade` takes the newest.
# pdf.lock, test.lock and bench.lock are whole environments (site packages included, at the same versions) for
# build --pdf, for the tests and for the benchmarks (bench/README.md).
PIP_COMPILE = .lock-venv/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
              --no-emit-index-url --no-emit-find-links $(UPGRADE)
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv && .lock-venv/bin/pip install --quiet pip-tools
	$(PIP_COMPILE) --output-file requirements/site.lock pyproject.toml
	$(PIP_COMPILE) --extra pdf --output-file requirements/pdf.lock pyproject.toml
	$(PIP_COMPILE) --extra test --output-file requirements/test.lock pyproject.toml
	$(PIP_COMPILE) --extra bench --output-file requirements/bench.lock pyproject.toml
	rm -rf .lock-venv

clean:
	@# Only what the build makes: a glob such as .site-* would also take a folder of the user's (.site-backup-2024).
	rm -rf $(VENV) site .site-builds .site.lock
