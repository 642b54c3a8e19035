# Everything installs itself on first use into .venv: `make run` and `make test` work on a
# fresh machine with Python 3.10+ and network access to the package registries.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SCENARIO ?= scenarios/sentiment.yaml
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test bench lint install dev clean fuzz

$(RUN_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	$(BIN)/python -m compileall -q rnntrace  # bytecode, as a regular install has
	touch $@

$(DEV_STAMP): $(RUN_STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,lint]' torch==2.13.0
	touch $@

install: $(RUN_STAMP)  ## the tool only
dev: $(DEV_STAMP)      ## the tool, the test oracles (PyTorch) and the linters

run: $(RUN_STAMP)      ## the worked solution of the bundled sentiment scenario
	$(BIN)/rnntrace run $(SCENARIO)

test: $(DEV_STAMP)     ## the test suite
	$(BIN)/python -m pytest

bench: $(DEV_STAMP)    ## speed, as ratios to references measured in the same run
	$(BIN)/python benchmarks/run_all.py

fuzz: $(DEV_STAMP)     ## a long fuzzing campaign (RNNTRACE_FUZZ_CASES, default 3000; RNNTRACE_FUZZ_SEED)
	RNNTRACE_FUZZ_CASES=$${RNNTRACE_FUZZ_CASES:-3000} $(BIN)/python -m pytest tests/test_fuzz_cli.py -q -s

lint: $(DEV_STAMP)     ## ruff (lint and format check) and mypy
	$(BIN)/ruff check rnntrace tests benchmarks
	$(BIN)/ruff format --check rnntrace tests benchmarks
	$(BIN)/mypy rnntrace

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
