# Two commands on a fresh machine: `make run` opens the app (creating a demo vault of fictional
# children the first time), `make test` runs the whole test suite. Each bootstraps .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench screenshots clean qt-libs

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,postgres]'
	touch $(STAMP)

# Qt's wheels do not bring the system's X11/OpenGL libraries: install the missing ones with apt-get
# (as root, or with sudo when it needs no password), or say the one apt-get line to run.
qt-libs: $(STAMP)
	@$(BIN)/python tools/qt_system_libs.py --install

run: qt-libs
	$(BIN)/transitions-app

test: qt-libs
	$(BIN)/python -m pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python -m bench

screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python tools/screenshots.py

clean:
	rm -rf $(VENV) build dist *.egg-info
