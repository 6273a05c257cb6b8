# shoplens — the two commands are `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
DEMO_DB ?= demo.duckdb
BENCH_EVENTS ?= 1M
PORT ?= 8000
# pytest-xdist workers for make test (each runs one test file at a time); 0 runs the suite in one process
TEST_WORKERS ?= 2

.PHONY: demo serve test test-spark java-deps install lint docs bench bench-import bench-metrics bench-behaviour bench-api bench-memory bench-monitor bench-collect bench-deps browser-deps clean bench-forecast bench-products

# statsforecast 2.1.1 (demand forecast) declares pandas<3 but runs on our pandas 3.1 (the models and calls we use
# are tested in tests/test_forecast.py): pip would refuse it as a dependency, so it is installed alone with --no-deps
# after the rest; its own dependencies are pinned in pyproject.toml and constraints.txt (docs/dev-notes.md,
# "statsforecast"). `pip check` reports that one declared conflict; nothing runs pip check.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -c constraints.txt statsforecast
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

## Build the deterministic demo store, show it (store summary + headline KPIs), then serve the dashboard
## and API on http://127.0.0.1:8000 (make demo PORT=8765 for another) with the printed login (Ctrl-C stops the server; the store stays).
demo: install
	$(BIN)/shoplens --db $(DEMO_DB) demo
	@echo "Explore it: $(BIN)/shoplens --db $(DEMO_DB) info   (or export SHOPLENS_DB=$(DEMO_DB))"
	@echo "Dashboard:  http://127.0.0.1:$(PORT)   API docs: http://127.0.0.1:$(PORT)/docs   (Ctrl-C stops it; make serve restarts it)"
	$(BIN)/shoplens --db $(DEMO_DB) serve --demo --port $(PORT)

## Serve the dashboard and REST API over the demo store again (demo mode: a random secret key).
serve: install
	$(BIN)/shoplens --db $(DEMO_DB) serve --demo --port $(PORT)

## Debian's Chromium for the browser tests (tests/test_dashboard_browser.py): installed when missing, as root.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
	  else \
	    echo "note: no chromium: the browser tests skip (in CI they fail); install it: apt-get install chromium"; \
	  fi; }

## Java 17 for the Spark engine's tests (pyspark in local mode): Debian's headless JRE, installed when missing, as root.
java-deps:
	@command -v java >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's openjdk-17-jre-headless for the Spark tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	  else \
	    echo "note: no java: the Spark tests fail; install it: apt-get install openjdk-17-jre-headless"; \
	  fi; }

## Lint and run the whole test suite (real DuckDB files, real data sets in ../shared/datasets, Spark in local mode).
test: install browser-deps java-deps
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

## Only the tests that run on Spark (local mode): the lake-equality suite with Spark reading the lake.
test-spark: install java-deps
	$(BIN)/python -m pytest -q -m spark

## Schemathesis over every route of a real server on a demo store, logged in as an admin: 0 server errors
## and 0 mismatches with the OpenAPI schema (tests/fuzz_api.py; FUZZ_EXAMPLES cases per route and phase).
.PHONY: fuzz
FUZZ_EXAMPLES ?= 100
fuzz: install
	$(BIN)/python tests/fuzz_api.py --examples $(FUZZ_EXAMPLES)

lint: install
	$(BIN)/ruff check src tests bench

## Regenerate docs/data-model.md and docs/metrics.md (a test fails when they are stale).
docs: install
	$(BIN)/shoplens schema > docs/data-model.md
	$(BIN)/python -m shoplens.metrics.docs > docs/metrics.md

## Regenerate docs/img/brief-en.png and brief-zh.png: the demo's daily brief at a phone's width (Chromium)
.PHONY: brief-img
brief-img: install
	$(BIN)/python tests/brief_screenshots.py

## Regenerate docs/img/dashboard-<page>-<lang>.png (1440 px) and a few -mobile.png (390 px): every dashboard page of
## a fresh demo store in both languages (Chromium; not part of `make test`)
.PHONY: screenshots
screenshots: install
	$(BIN)/python tests/screenshots.py

## Benchmarks (not part of `make test`): import, then the metrics overview query at BENCH_EVENTS
## (default 1M; `make bench-metrics BENCH_EVENTS=1M,10M,20M` for the full table; demo stores are cached
## in .bench/). Each bench rewrites its own section of docs/performance.md.
bench: bench-deps
	$(BIN)/python bench/import_bench.py --out docs/performance.md
	$(BIN)/python bench/metrics_bench.py --events $(BENCH_EVENTS) --out docs/performance.md
	$(BIN)/python bench/behaviour_bench.py --events $(BENCH_EVENTS) --out docs/performance.md
	$(BIN)/python bench/api_bench.py --events $(BENCH_EVENTS) --out docs/performance.md
	$(BIN)/python bench/memory_bench.py --out docs/performance.md
	$(BIN)/python bench/monitor_bench.py --events $(BENCH_EVENTS) --out docs/performance.md
	$(BIN)/python bench/forecast_bench.py --out docs/performance.md
	$(BIN)/python bench/products_bench.py --events $(BENCH_EVENTS) --out docs/performance.md

## chdb (ClickHouse in-process) is only needed by the behaviour benchmark's comparison.
bench-deps: install
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev,bench]"

bench-api: install
	$(BIN)/python bench/api_bench.py --events $(BENCH_EVENTS) --out docs/performance.md

bench-behaviour: bench-deps
	$(BIN)/python bench/behaviour_bench.py --events $(BENCH_EVENTS) --out docs/performance.md

bench-import: install
	$(BIN)/python bench/import_bench.py --out docs/performance.md

bench-metrics: install
	$(BIN)/python bench/metrics_bench.py --events $(BENCH_EVENTS) --out docs/performance.md

## Root cause, anomalies and alerts as whole CLI processes (target: 3 s cold at 20 M events).
bench-monitor: install
	$(BIN)/python bench/monitor_bench.py --events $(BENCH_EVENTS) --out docs/performance.md

## Product ABC (and roles, when the CLI has it) as whole CLI processes over 50 k SKUs (target: 2 s at 20 M events).
bench-products: install
	$(BIN)/python bench/products_bench.py --events $(BENCH_EVENTS) --out docs/performance.md

## Peak RSS (and time) of the biggest inputs: a 20 M-event demo build, a 3 M-row CSV, a 2 GB gzip, a 3 GB line.
bench-memory: install
	$(BIN)/python bench/memory_bench.py --out docs/performance.md

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .bench build *.egg-info src/*.egg-info $(DEMO_DB)

## The event collector under load: 2,000 events/s for 30 s on loopback; fails unless every event is stored once.
bench-collect:
	$(BIN)/python bench/collect_load.py --rate 2000 --seconds 30 --threads 8 --batch 50

## Demand forecast: 1,000 weekly series with the backtest on 2 cores (target 60 s).
bench-forecast: install
	$(BIN)/python bench/forecast_bench.py --series 1000 --jobs 2 --out docs/performance.md
