# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint install bench bench-import soak postman clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): $(BIN)/python setup.py
	$(BIN)/pip install -q -e '.[testing]'
	touch $(STAMP)

install: $(STAMP)

# Ctrl-C or SIGTERM stops the server, then the embedded PostgreSQL it started (var/pg, var/pgtest).
RUN_ARGS ?=
run: $(STAMP)
	$(BIN)/jobhax --ini development.ini serve $(RUN_ARGS)

# Lint and format first (ruff.toml): a finding fails the run before the suite starts.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

TESTS ?= tests
test: lint
	$(BIN)/pytest $(TESTS)

# Seeds 1,000,000 applications, then 20 s per endpoint with wrk and pgbench; see bench/README.md.
# A quick run: make bench BENCH_ARGS="--duration 3 --total 100000 --compare-total 0 --reuse"
BENCH_ARGS ?=
bench: $(STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# The Gmail import of 1,000 messages with 50 ms per provider call (JOBHAX_BENCH_DATABASE_URL's server).
bench-import: $(STAMP)
	$(BIN)/python bench/import_bench.py

# Mixed traffic from several processes against production.ini; SOAK_SECONDS=60 for a short run.
SOAK_SECONDS ?= 600
soak: $(STAMP)
	$(BIN)/python soak/soak.py --duration $(SOAK_SECONDS)

# The Postman collection, made from the API document (/__api__); commit the result.
postman: $(STAMP)
	$(BIN)/python -m jobhax.ops.postman docs/jobhax.postman_collection.json

clean:
	rm -rf $(VENV) var build *.egg-info
