# packbill: `make demo` and `make test` set everything up from the pinned files.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench bench-full serve clean lock openapi

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==26.3
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/packbill demo --seed 7

test: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 --dist loadgroup

openapi: $(STAMP)
	$(BIN)/packbill openapi docs/openapi.json

bench: $(STAMP)
	$(BIN)/python -m bench

bench-full: $(STAMP)
	PACKBILL_BENCH_SCALE=1 $(BIN)/python -m bench

serve: $(STAMP)
	$(BIN)/packbill serve

lock:
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^packbill' > requirements.lock

clean:
	rm -rf $(VENV) packbill-demo.db* packbill-demo-report.html
