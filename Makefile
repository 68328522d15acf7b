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

# The large folders live outside the repository; a marker beside each says it is complete.
$(SCALE_DIR)/%.done: | $(STAMP)
	rm -rf $(SCALE_DIR)/$*
	$(PY) -m sample_data.generate $(SCALE_DIR)/$* --records $(if $(filter 1m,$*),1000000,100000)
	@touch $@

scale: $(SCALE_DIR)/100k.done $(SCALE_DIR)/1m.done

bench: $(STAMP) scale
	$(PY) -m pipeline.bench $(SCALE_DIR)/100k $(SCALE_DIR)/1m

clean:
	rm -rf $(VENV) outputs/*.xlsx outputs/*.json outputs/*.csv
