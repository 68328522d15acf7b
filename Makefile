# Two commands do everything on a fresh machine: `make reconcile` and `make test`.
# The newest of python3.13, python3.12 and python3.11 that runs: a name on the PATH counts only if
# `NAME -c ''` succeeds (a pyenv shim is there for every version pyenv has, runnable or not).
# Looked for only when .venv is made; `make PYTHON=/path/to/python3.x` chooses another.
PYTHONS := python3.13 python3.12 python3.11
PYTHON ?= $(or $(firstword $(foreach p,$(PYTHONS),$(shell $(p) -c '' >/dev/null 2>&1 && echo $(p)))),\
	$(error none of $(PYTHONS) runs here; install one or name it: make PYTHON=/path/to/python3.x))
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
INPUT ?= sample_data
OUTPUT ?= outputs
PERIOD ?=
SCALE_DIR ?= /tmp/aid-fund-scale
RUNS ?= 3

.PHONY: install libreoffice reconcile validate test fuzz lint sample scale bench clean

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

# tests/test_libreoffice.py opens the workbook in LibreOffice and prints it to PDF. Where soffice,
# poppler's pdfinfo/pdftotext/pdftoppm or a Chinese font is missing, this installs Debian's packages
# (as root, or through sudo without a password); where it cannot, it says so, `make test` goes on
# and those tests skip with the same message in pytest's summary. LIBREOFFICE_INSTALL=no skips it.
LO_PACKAGES := libreoffice-calc-nogui poppler-utils fonts-wqy-zenhei
LO_LOG := /tmp/aid-fund-libreoffice-install.log
LIBREOFFICE_INSTALL ?= yes

libreoffice:
	@if command -v soffice >/dev/null && command -v pdftoppm >/dev/null \
		&& command -v pdftotext >/dev/null && command -v pdfinfo >/dev/null \
		&& fc-list :lang=zh family 2>/dev/null | grep -q .; then exit 0; fi; \
	if [ "$(LIBREOFFICE_INSTALL)" != yes ]; then \
		echo "WARNING: LibreOffice tests will SKIP: LIBREOFFICE_INSTALL=$(LIBREOFFICE_INSTALL)"; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=; elif sudo -n true 2>/dev/null; then sudo="sudo -n"; \
	else echo "WARNING: LibreOffice tests will SKIP: not root (nor password-less sudo), cannot run" \
		"apt-get install --no-install-recommends $(LO_PACKAGES)"; exit 0; fi; \
	if ! command -v apt-get >/dev/null; then \
		echo "WARNING: LibreOffice tests will SKIP: no apt-get to install $(LO_PACKAGES)"; exit 0; fi; \
	echo "Installing LibreOffice for the workbook tests: apt-get install $(LO_PACKAGES) (log: $(LO_LOG))"; \
	start=$$(date +%s); \
	if { $$sudo apt-get update -q && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q \
		--no-install-recommends $(LO_PACKAGES); } >$(LO_LOG) 2>&1; then \
		echo "LibreOffice installed in $$(( $$(date +%s) - start )) s"; \
	else tail -n 5 $(LO_LOG); \
		echo "WARNING: LibreOffice tests will SKIP: apt-get install failed, see $(LO_LOG)"; fi

test: $(STAMP) libreoffice
	$(PY) -m pytest -q

# The long fuzzing (tests/test_fuzz.py): FUZZ_EXAMPLES messy folders, a fresh random seed each
# time; `make test` runs the same test on 10 fixed ones.
FUZZ_EXAMPLES ?= 500
fuzz: $(STAMP)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest -q -p no:cacheprovider tests/test_fuzz.py --hypothesis-show-statistics

lint: $(STAMP)
	$(VENV)/bin/ruff check pipeline schemas tests
	$(VENV)/bin/ruff format --check pipeline schemas tests
	$(VENV)/bin/mypy pipeline schemas tests/bench.py

sample: $(STAMP)
	$(PY) -m tests.generator.generate sample_data

# The large folders live outside the repository; a marker beside each says it is complete.
$(SCALE_DIR)/%.done: | $(STAMP)
	rm -rf $(SCALE_DIR)/$*
	$(PY) -m tests.generator.generate $(SCALE_DIR)/$* --records $(if $(filter 1m,$*),1000000,100000)
	@touch $@

scale: $(SCALE_DIR)/100k.done $(SCALE_DIR)/1m.done

bench: $(STAMP) scale
	$(PY) -m tests.bench --runs $(RUNS) $(SCALE_DIR)/100k $(SCALE_DIR)/1m

clean:
	rm -rf $(VENV) outputs/*.xlsx outputs/*.json outputs/*.csv outputs/libreoffice
