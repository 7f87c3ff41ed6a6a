# Two entry points on a fresh machine: `make demo` and `make test`.
# Every target sets up what it needs first and is safe to rerun.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# uv, pinned with hashes in .ci/uv.txt, installs every Python package from uv.lock.
UV     := .uv/bin/uv
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON := $(PYTHON)
NODE_STAMP := node_modules/.installed
BROWSER_STAMP := $(VENV)/.chromium

.PHONY: setup lock demo demo-stream test lint format bench bench-beam compile docs clean help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

setup: $(STAMP) $(NODE_STAMP)  ## create .venv from uv.lock (every extra) and node_modules from package-lock.json

$(UV): .ci/uv.txt
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --require-hashes --upgrade --target .uv -r .ci/uv.txt
	touch $@

# --locked: install exactly what uv.lock pins, and fail if pyproject.toml has changed since it was written.
$(STAMP): pyproject.toml uv.lock $(UV)
	$(UV) sync --locked --all-extras --quiet
	touch $@

lock: $(UV)  ## resolve the newest versions pyproject.toml allows into uv.lock; then run make test
	$(UV) lock --upgrade

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

demo: setup  ## simulate a day of traffic, run the Dataform workflow on DuckDB, print the marts, write the dashboard
	$(BIN)/clickstream demo

demo-stream: setup  ## the same day through the local stack: GCS and Pub/Sub emulators, subscription sink, notifications
	$(BIN)/clickstream demo --streaming

# Debian's Chromium for the dashboard's browser test. As root it is installed (and a failure
# stops the build); otherwise the test is skipped with its reason.
$(BROWSER_STAMP): $(STAMP)
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else echo "chromium is not installed and this is not root: the dashboard's browser test will be skipped"; fi
	touch $@

# Parallel workers for the tests (pytest-xdist); TEST_WORKERS=0 runs them in this process.
TEST_WORKERS ?= 2

test: setup $(BROWSER_STAMP) lint  ## lint, then run the whole test suite (SQL, runner, simulator, real data, emulators, Beam, provisioning)
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadgroup

lint: setup  ## uv.lock matches pyproject.toml; ruff; the CI files, Dockerfiles and template metadata validate offline
	$(UV) lock --check
	bash .ci/validate
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup  ## format the code and sort its imports with ruff
	$(BIN)/ruff check --select I --fix .
	$(BIN)/ruff format .

docs: setup  ## regenerate docs/ (data dictionary, schema diagram, lineage) from the compiled graph
	$(BIN)/clickstream docs

compile: setup  ## compile the Dataform project with the pinned CLI
	$(BIN)/clickstream local compile

bench: setup  ## simulator, local build, streaming and BigQuery-cost benchmarks (prints figures)
	$(BIN)/python bench/simulator.py
	$(BIN)/python bench/local_build.py
	$(BIN)/python bench/streaming.py
	$(BIN)/python bench/bigquery_cost.py

bench-beam: setup  ## the local-build benchmark with the Beam comparison, and the DoS-alert job's throughput
	$(BIN)/python bench/local_build.py --with-beam
	$(BIN)/python bench/dos_alert.py

clean:  ## stop the local stack, remove the local warehouse and landing zone
	-test -x $(BIN)/clickstream && $(BIN)/clickstream local down
	rm -rf .local
