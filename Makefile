# The two quick-start commands are `make run` and `make test`; both set everything up.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint format bench chaos clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/careerflow dev

test: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python -m bench.domain_bench
	$(BIN)/python -m bench.http_bench
	$(BIN)/python -m bench.roster_bench
	$(BIN)/python -m bench.workflow_bench
	$(BIN)/python -m bench.projection_bench
	$(BIN)/python -m bench.read_bench
	$(BIN)/python -m bench.page_bench
	$(BIN)/python -m bench.scale_bench
	$(BIN)/python -m bench.storm_bench

# Every process apart, killed at random, PostgreSQL and Temporal restarted (about 30 min).
chaos: $(STAMP)
	$(BIN)/python -m bench.chaos

clean:
	rm -rf $(VENV) .careerflow .mypy_cache .ruff_cache .pytest_cache .hypothesis
