# The README's two commands: `make demo` and `make test`. Both create .venv on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-test
DOCS_STAMP := $(VENV)/.installed-docs
# Figures are written to files in tests and docs builds; no display is needed.
export MPLBACKEND := Agg

.PHONY: demo test lint format bench docs mutation mutation-report clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test,plot,persist]"
	touch $(STAMP)

$(DOCS_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[docs,plot,persist,distributed]"
	touch $(DOCS_STAMP)

demo: $(STAMP)
	$(BIN)/python examples/demo.py

# The test suite and the doctests of every module (their Examples sections).
test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 tests skweights --doctest-modules
	$(BIN)/python -m ruff check .

lint: $(STAMP)
	$(BIN)/python -m ruff check .
	$(BIN)/python -m ruff format --check .

format: $(STAMP)
	$(BIN)/python -m ruff format .
	$(BIN)/python -m ruff check --fix .

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# The documentation site, into docs/_build/html; runs every examples/plot_*.py.
docs: $(DOCS_STAMP)
	$(BIN)/python -m sphinx -W --keep-going -b html docs docs/_build/html

# Mutation testing of the math-critical functions (tools/mutation.py lists them;
# [tool.mutmut] in pyproject.toml configures mutmut). A fixed 30% sample of the
# scope's mutants (2,808 on 2026-12-06: 45 minutes on the idle 2-core machine;
# docs/contributing.rst); not part of `make test`. `make mutation-report` prints
# the last run's report; `tools/mutation.py resume` continues an interrupted run.
MUTATION_STAMP := $(VENV)/.installed-mutation

$(MUTATION_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[mutation,plot,persist]"
	touch $(MUTATION_STAMP)

mutation: $(MUTATION_STAMP)
	$(BIN)/python tools/mutation.py run

mutation-report:
	$(BIN)/python tools/mutation.py report

clean:
	rm -rf $(VENV) docs/_build docs/auto_examples docs/gen_modules .pytest_cache mutants
