# shoplens — the two commands are `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
DEMO_DB ?= demo.duckdb

.PHONY: demo test install lint docs bench clean

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

## Lint and run the whole test suite (real DuckDB files, real data sets in ../shared/datasets).
test: install
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check src tests bench

## Regenerate docs/data-model.md from the model (a test fails when it is stale).
docs: install
	$(BIN)/shoplens schema > docs/data-model.md

## Import benchmarks (not part of `make test`); results go to docs/performance.md.
bench: install
	$(BIN)/python bench/import_bench.py --out docs/performance.md

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info src/*.egg-info $(DEMO_DB)
