# The two commands of the README. Each works on a fresh machine: it makes .venv, installs torch's
# CPU wheel first (so pip never pulls a CUDA build), then the project.
PY ?= python3.11
VENV ?= .venv
BIN = $(VENV)/bin
export HF_HUB_OFFLINE = 1

.PHONY: run test install install-test chromium

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip
	$(BIN)/pip install torch==2.13.0

install: $(BIN)/python
	$(BIN)/pip install -e .

install-test: $(BIN)/python chromium
	$(BIN)/pip install -e ".[test]"

# Browser tests drive Debian's chromium (never a browser download).
chromium:
	@command -v chromium >/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && $$SUDO apt-get install -y -q chromium; }

run: install
	$(BIN)/python app.py

test: install-test
	ASSISTANT_TEST_ARTIFACTS=$(CURDIR)/test-artifacts $(BIN)/python -m pytest
