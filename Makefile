# Two commands do everything on a fresh machine: `make reconcile` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
INPUT ?= sample_data
OUTPUT ?= outputs
PERIOD ?=
SCALE_DIR ?= /tmp/aid-fund-scale

.PHONY: install reconcile validate test lint sample scale bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

reconcile: $(STAMP)
	$(PY) -m pipeline reconcile $(INPUT) --out $(OUTPUT) $(if $(PERIOD),--period $(PERIOD))

validate: $(STAMP)
	$(PY) -m pipeline validate $(INPUT)

test: $(STAMP)
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check pipeline schemas sample_data tests
	$(VENV)/bin/ruff format --check pipeline schemas sample_data tests
	$(VENV)/bin/mypy pipeline schemas

sample: $(STAMP)
	$(PY) -m sample_data.generate sample_data

scale: $(STAMP)
	$(PY) -m sample_data.generate --records 100000 $(SCALE_DIR)/100k
	$(PY) -m sample_data.generate --records 1000000 $(SCALE_DIR)/1m

bench: $(STAMP)
	$(PY) -m pipeline.bench $(SCALE_DIR)

clean:
	rm -rf $(VENV) outputs/*.xlsx outputs/*.json outputs/*.csv
