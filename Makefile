# shoplens — the two commands are `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
DEMO_DB ?= demo.duckdb
BENCH_EVENTS ?= 1M

.PHONY: demo serve test install lint docs bench bench-import bench-metrics bench-behaviour bench-deps clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

## Build the deterministic demo store and show it (store summary + headline KPIs).
demo: install
	$(BIN)/shoplens --db $(DEMO_DB) demo
	@echo "Explore it: $(BIN)/shoplens --db $(DEMO_DB) info   (or export SHOPLENS_DB=$(DEMO_DB))"
	@echo "REST API:   make serve   (http://127.0.0.1:8000/docs, log in with the login above)"

## Serve the REST API over the demo store (demo mode: a random secret key; Ctrl-C stops it).
serve: install
	$(BIN)/shoplens --db $(DEMO_DB) serve --demo

## Lint and run the whole test suite (real DuckDB files, real data sets in ../shared/datasets).
test: install
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check src tests bench

## Regenerate docs/data-model.md and docs/metrics.md (a test fails when they are stale).
docs: install
	$(BIN)/shoplens schema > docs/data-model.md
	$(BIN)/python -m shoplens.metrics.docs > docs/metrics.md

## Benchmarks (not part of `make test`): import, then the metrics overview query at BENCH_EVENTS
## (default 1M; `make bench-metrics BENCH_EVENTS=1M,10M,20M` for the full table; demo stores are cached
## in .bench/). Each bench rewrites its own section of docs/performance.md.
bench: bench-deps
	$(BIN)/python bench/import_bench.py --out docs/performance.md
	$(BIN)/python bench/metrics_bench.py --events $(BENCH_EVENTS) --out docs/performance.md
	$(BIN)/python bench/behaviour_bench.py --events $(BENCH_EVENTS) --out docs/performance.md

## chdb (ClickHouse in-process) is only needed by the behaviour benchmark's comparison.
bench-deps: install
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev,bench]"

bench-behaviour: bench-deps
	$(BIN)/python bench/behaviour_bench.py --events $(BENCH_EVENTS) --out docs/performance.md

bench-import: install
	$(BIN)/python bench/import_bench.py --out docs/performance.md

bench-metrics: install
	$(BIN)/python bench/metrics_bench.py --events $(BENCH_EVENTS) --out docs/performance.md

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .bench build *.egg-info src/*.egg-info $(DEMO_DB)
