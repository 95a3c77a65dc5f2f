# Two commands: `make site` builds the website into site/, `make test` runs every test.
# Each creates the local virtual environment .venv and installs the pinned dependencies it needs.

export NO_MKDOCS_2_WARNING := 1

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check

.PHONY: site test check lock clean

site: $(VENV)/.site-installed
	$(BIN)/site-builder check
	@# Builds beside the published folder and swaps only on success: a failed build never leaves a half-written site.
	$(BIN)/site-builder build

test: $(VENV)/.test-installed
	$(BIN)/python -m pytest

check: $(VENV)/.site-installed
	$(BIN)/site-builder check

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.site-installed: requirements/site.lock pyproject.toml | $(BIN)/python
	$(PIP) -r requirements/site.lock
	$(PIP) --no-deps -e .
	touch $@

$(VENV)/.test-installed: requirements/test.lock $(VENV)/.site-installed
	$(PIP) -r requirements/test.lock
	touch $@

# Re-pin after changing dependencies in pyproject.toml.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet . && .lock-venv/bin/pip uninstall --quiet -y site-builder
	(echo "# Pinned dependencies for building the site. Regenerate with: make lock"; .lock-venv/bin/pip freeze) > requirements/site.lock
	.lock-venv/bin/pip install --quiet ".[test]"  && .lock-venv/bin/pip uninstall --quiet -y site-builder
	(echo "# Pinned dependencies for the tests (on top of site.lock). Regenerate with: make lock"; \
	 .lock-venv/bin/pip freeze | grep -vxFf requirements/site.lock) > requirements/test.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) site .site-*
