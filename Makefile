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

DATA ?= data

.PHONY: install libreoffice browser serve reconcile validate test fuzz lint sample scale bench clean

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

# The page for the finance office, on this computer only: http://127.0.0.1:8000/
serve: $(STAMP)
	$(PY) -m pipeline serve --data $(DATA)

# Debian packages some tests need, installed the same way for each: $(call debian,WHAT,PACKAGES,
# CHECK,SWITCH) runs CHECK and, when it fails, installs PACKAGES with apt-get (as root, or through
# sudo without a password). Where it cannot, it says so, `make test` goes on and the tests that
# need them skip with the same message in pytest's summary. SWITCH=no skips the install.
define debian
	@if $(3); then exit 0; fi; \
	if [ "$(4)" != yes ]; then echo "WARNING: $(1) tests will SKIP: install switched off ($(4))"; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=; elif sudo -n true 2>/dev/null; then sudo="sudo -n"; \
	else echo "WARNING: $(1) tests will SKIP: not root (nor password-less sudo), cannot run" \
		"apt-get install --no-install-recommends $(2)"; exit 0; fi; \
	if ! command -v apt-get >/dev/null; then \
		echo "WARNING: $(1) tests will SKIP: no apt-get to install $(2)"; exit 0; fi; \
	log=/tmp/aid-fund-$(1)-install.log; \
	echo "Installing $(1) for its tests: apt-get install $(2) (log: $$log)"; \
	start=$$(date +%s); \
	if { $$sudo apt-get update -q && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q \
		--no-install-recommends $(2); } >$$log 2>&1; then \
		echo "$(1) installed in $$(( $$(date +%s) - start )) s"; \
	else tail -n 5 $$log; \
		echo "WARNING: $(1) tests will SKIP: apt-get install failed, see $$log"; fi
endef

# tests/test_libreoffice.py opens the workbook in LibreOffice and prints it to PDF: soffice,
# poppler's pdfinfo/pdftotext/pdftoppm and a Chinese font. LIBREOFFICE_INSTALL=no skips it.
LIBREOFFICE_INSTALL ?= yes
libreoffice:
	$(call debian,LibreOffice,libreoffice-calc-nogui poppler-utils fonts-wqy-zenhei,\
	command -v soffice >/dev/null && command -v pdftoppm >/dev/null \
		&& command -v pdftotext >/dev/null && command -v pdfinfo >/dev/null \
		&& fc-list :lang=zh family 2>/dev/null | grep -q .,$(LIBREOFFICE_INSTALL))

# tests/test_browser.py drives the page in Debian's chromium through its chromedriver (Selenium);
# the Chinese font is LibreOffice's. BROWSER_INSTALL=no skips it.
BROWSER_INSTALL ?= yes
browser:
	$(call debian,Chromium,chromium chromium-driver fonts-wqy-zenhei,\
	command -v chromium >/dev/null && command -v chromedriver >/dev/null \
		&& fc-list :lang=zh family 2>/dev/null | grep -q .,$(BROWSER_INSTALL))

test: $(STAMP) libreoffice browser
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

# The large folders live outside the repository, one per size (its name is its record count:
# 100k, 1m, 10m); a marker beside each says it is complete. `make scale SIZES="100k 1m 10m"`.
SIZES ?= 100k 1m
$(SCALE_DIR)/%.done: | $(STAMP)
	rm -rf $(SCALE_DIR)/$*
	$(PY) -m tests.generator.generate $(SCALE_DIR)/$* --records $*
	@touch $@

scale: $(SIZES:%=$(SCALE_DIR)/%.done)

bench: $(STAMP) scale
	$(PY) -m tests.bench --runs $(RUNS) $(SIZES:%=$(SCALE_DIR)/%)

clean:
	rm -rf $(VENV) outputs/*.xlsx outputs/*.json outputs/*.csv outputs/libreoffice outputs/page
