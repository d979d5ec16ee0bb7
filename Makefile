# Two entry points: `make grade` (grade a submission) and `make test` (the test suite).
# Both create .venv on first use and install the pinned dependencies into it.
# Also: `make notebook` (JupyterLab on NOTEBOOK), `make test-student` (the student-facing
# tests only, which CI runs on Linux, macOS and Windows), lint, starter, datasets, lock.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SUBMISSION ?= starter
NOTEBOOK ?= solution/lab1.ipynb
# requirements.lock pins every supported CPython (3.10 to 3.13), each resolved on its own.
PIP_INSTALL = $(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock
# One interpreter of each supported version, for `make lock`.
LOCK_PYTHONS ?= python3.10 python3.11 python3.12 python3.13

.PHONY: grade test test-student notebook lint starter datasets lock clean

grade: $(VENV)/.core
	$(BIN)/python -m grader $(SUBMISSION)

# Two workers (pytest-xdist), one test file each at a time, the longest files first (in the
# order tests/conftest.py collects them); tests marked serial run alone.
test: $(VENV)/.dev
	$(BIN)/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder

test-student: $(VENV)/.dev
	$(BIN)/python -m pytest -m student_facing

notebook: $(VENV)/.notebook
	$(BIN)/python -m jupyterlab $(NOTEBOOK)

lint: $(VENV)/.dev
	$(BIN)/python -m ruff check .
	$(BIN)/actionlint .github/workflows/*.yml

starter: $(VENV)/.core
	$(BIN)/python -m grader make-starter

datasets: $(VENV)/.core
	$(BIN)/python -m grader make-datasets

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.core: pyproject.toml requirements.lock | $(BIN)/python
	$(PIP_INSTALL) -e .
	touch $@

$(VENV)/.dev: $(VENV)/.core
	$(PIP_INSTALL) -e '.[dev]'
	touch $@

$(VENV)/.notebook: $(VENV)/.core
	$(PIP_INSTALL) -e '.[notebook]'
	touch $@

# Re-pin every dependency to what a fresh install resolves today, on each supported
# Python (grader/authoring/lock.py; this .venv needs Python 3.11 or newer to run it).
lock: $(VENV)/.core
	$(BIN)/python -m grader.authoring.lock $(LOCK_PYTHONS)

clean:
	rm -rf $(VENV) grading-output
