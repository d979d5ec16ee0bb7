# Two entry points: `make grade` (grade a submission) and `make test` (the test suite).
# Both create .venv on first use and install the pinned dependencies into it.
# Also: `make notebook` (JupyterLab on NOTEBOOK), `make test-student` (the student-facing
# tests only, which CI runs on Linux, macOS and Windows), lint, starter, datasets, lock.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SUBMISSION ?= starter
NOTEBOOK ?= solution/lab1.ipynb
# requirements.lock pins versions resolved on CPython 3.11; other Pythons take the
# newest versions within pyproject.toml's bounds.
LOCK_PYTHON := 3.11
CONSTRAINTS = $(shell $(BIN)/python -c 'import sys; print("-c requirements.lock" if "%d.%d" % sys.version_info[:2] == "$(LOCK_PYTHON)" else "")')
PIP_INSTALL = $(BIN)/python -m pip install --quiet --disable-pip-version-check $(CONSTRAINTS)

.PHONY: grade test test-student notebook lint starter datasets lock clean

grade: $(VENV)/.core
	$(BIN)/python -m grader $(SUBMISSION)

# Two workers (pytest-xdist), one test file each at a time; tests marked serial run alone.
test: $(VENV)/.dev
	$(BIN)/python -m pytest -n 2 --dist loadfile

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

# Re-pin every dependency to what a fresh install resolves today.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet -e '.[dev]'
	echo "# Pinned by \`make lock\` on CPython $(LOCK_PYTHON); bounds live in pyproject.toml." > requirements.lock
	.lock-venv/bin/python -m pip freeze --exclude-editable >> requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) grading-output
