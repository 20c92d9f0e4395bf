# The developer interface: `make run` and `make test` are all a new checkout needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test index lint bench install install-dev clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# torch first, pinned: it is the CPU build here; an unpinned torch pulls a multi-GB CUDA build.
$(STAMP): pyproject.toml | $(PY)
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(PY)
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e '.[dev]'
	touch $(STAMP) $@

install: $(STAMP)
install-dev: $(DEV_STAMP)

index: $(STAMP)
	$(PY) -m assistant index

run: $(STAMP)
	$(PY) -m assistant index
	$(PY) app.py

# Two workers, one per core; a test file stays on one worker (its module fixtures are shared).
# TEST_WORKERS=0 runs the suite in one process.
TEST_WORKERS ?= 2
test: $(DEV_STAMP)
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .

# Speed and scale against baselines measured in the same run (see the README's Performance).
bench: $(DEV_STAMP)
	$(PY) -m assistant bench

# Removes the venv and every built index file; index/README.md stays.
clean:
	rm -rf $(VENV) index/builds index/keyword-cache index/CURRENT index/PREVIOUS index/.build.lock
