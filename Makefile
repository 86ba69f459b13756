# scbig: install, test, docs. Run `make help` for the list.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CONSTRAINTS := .ci/constraints.txt
# Real data: point SCBIG_DATA_DIR at ../shared/data when that folder exists (developer machines, CI).
ifneq ($(wildcard ../shared/data),)
export SCBIG_DATA_DIR ?= $(abspath ../shared/data)
endif
# Extra notebook flags to run (e.g. `make test TEST_FLAGS=slow`); tst_flags in pyproject.toml skip them by default.
TEST_FLAGS ?=
# pytest-xdist workers for `make test` (each runs torch on one thread: tests/conftest.py); 0 runs in one process.
TEST_WORKERS ?= 2
XDIST = $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS))
PYTEST_ARGS ?=

.PHONY: help install test benchmark docs readme export clean-nbs clean

help:
	@echo "make install   create $(VENV) (torch pinned by $(CONSTRAINTS)) and pip install -e '.[dev,docs]'"
	@echo "make test      export/clean checks, every notebook, tests/ (installs first if $(VENV) is missing)"
	@echo "make benchmark the main job: scbig benchmark on the Norman subset (installs first if $(VENV) is missing)"
	@echo "make docs      render the docs site offline into _docs/ (nbdev-proc-nbs + smalldocs)"
	@echo "make readme    regenerate README.md from nbs/index.ipynb"
	@echo "make export    nbdev-export + nbdev-clean + readme (run before committing)"

install:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -c $(CONSTRAINTS) torch==2.13.0
	$(BIN)/pip install -q -c $(CONSTRAINTS) -e '.[dev,docs]'
	@$(BIN)/python -c "import scbig, torch; print('scbig', scbig.__version__, '| torch', torch.__version__)"

# Order-only prerequisite: install only when .venv is missing.
$(BIN)/python:
	$(MAKE) install

test: | $(BIN)/python
	@if [ -n "$(XDIST)" ] && ! $(BIN)/python -c 'import xdist' 2>/dev/null; then \
	  echo "make test: pytest-xdist is missing from $(VENV) (made before it joined the dev extra). Fix: make install, or make test TEST_WORKERS=0"; exit 1; fi
	@SCBIG_TEST_FLAGS="$(TEST_FLAGS)" $(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests (exit 5): treated as a failure"; exit 1; fi; exit $$rc

# The main job on real data: scBIG and every baseline on the 5 k-fold splits of the Norman subset, report in scbig-benchmark/.
BENCH_ARGS ?= --dataset norman19_subset --out scbig-benchmark
benchmark: | $(BIN)/python
	$(BIN)/scbig benchmark $(BENCH_ARGS)

docs: | $(BIN)/python
	$(BIN)/python tools/render_docs.py

readme: | $(BIN)/python
	$(BIN)/python tools/make_readme.py

export: | $(BIN)/python
	$(BIN)/nbdev-export
	$(BIN)/nbdev-clean
	$(BIN)/python tools/make_readme.py

clean:
	rm -rf _docs _proc _screenshots .pytest_cache
