# The two quick-start commands are `make run` and `make test`; both set everything up.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: messages install run test lint format bench bench-quick chaos clean

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
	$(BIN)/python -m bench.sealing_bench
	$(BIN)/python -m bench.http_bench
	$(BIN)/python -m bench.roster_bench
	$(BIN)/python -m bench.framework_bench
	$(BIN)/python -m bench.workflow_bench
	$(BIN)/python -m bench.projection_bench
	$(BIN)/python -m bench.read_bench
	$(BIN)/python -m bench.page_bench
	$(BIN)/python -m bench.notifier_bench
	$(BIN)/python -m bench.scale_bench
	$(BIN)/python -m bench.storm_bench --sizes 1000,10000,100000 --workers 1
	$(BIN)/python -m bench.storm_bench --sizes 1000,10000 --workers 2

# The same benchmarks at CI sizes: the figures and goals
# are printed as in `make bench`, on smaller companies and fewer requests.
bench-quick: $(STAMP)
	$(BIN)/python -m bench.domain_bench --employees 1000 --commands 300
	$(BIN)/python -m bench.sealing_bench --employees 1000 --commands 300 --cases 1000
	$(BIN)/python -m bench.http_bench --requests 1000 --rounds 1
	$(BIN)/python -m bench.roster_bench --people 10000 --requests 500
	$(BIN)/python -m bench.framework_bench --cases 10000 --runs 50
	$(BIN)/python -m bench.workflow_bench --sizes 500,2000 --deadlines 50
	$(BIN)/python -m bench.projection_bench --events 100000
	$(BIN)/python -m bench.read_bench --employees 10000 --runs 100
	$(BIN)/python -m bench.page_bench --employees 10000 --runs 30
	$(BIN)/python -m bench.notifier_bench --messages 5000
	$(BIN)/python -m bench.scale_bench --sizes 1000
	$(BIN)/python -m bench.storm_bench --sizes 500,2000 --workers 1,2

messages: $(STAMP)  # extract message ids; bring notifications/locale/*/careerflow.po up to them
	$(BIN)/pybabel extract -F babel.cfg -k N_ -o notifications/locale/careerflow.pot --omit-header .
	$(BIN)/python -m notifications.catalogue

# Every process apart, killed at random, PostgreSQL and Temporal restarted (about 30 min).
chaos: $(STAMP)
	$(BIN)/python -m bench.chaos

clean:
	rm -rf $(VENV) .careerflow .mypy_cache .ruff_cache .pytest_cache .hypothesis
