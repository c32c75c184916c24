# sourced — `make chat` to set up and chat, `make test` to run the tests.
# Every target is idempotent: stamps in .venv record what is installed, so a second run
# reinstalls nothing unless pyproject.toml or constraints.txt changed.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
PORT   ?= 7860
STORE  ?= .sourced/store

# Offline by design: the models come from PyPI packages, never from a hub.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False

.PHONY: chat test install install-test install-local model ingest lint check-cuda eval bench clean help

help:
	@echo "make chat   - set everything up, ingest seeds/, open the chat on http://127.0.0.1:$(PORT)"
	@echo "make test   - install what the tests need and run the whole suite"
	@echo "make lint | eval | bench | clean"

chat: install-local ingest
	$(BIN)/sourced chat --store $(STORE) --port $(PORT) --examples eval/demo_questions.txt

ingest: install
	$(BIN)/sourced ingest seeds --store $(STORE)

test: install-test
	$(BIN)/python -m ruff check .
	$(BIN)/python -m vulture vectorstore qa ui tests eval bench vulture_whitelist.py --min-confidence 60
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/python -m ruff check .
	$(BIN)/python -m vulture vectorstore qa ui tests eval bench vulture_whitelist.py --min-confidence 60

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test $(VENV)/.browser
install-local: $(VENV)/.installed-local

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

# torch first, pinned to the CPU wheel: unpinned, pip would pull a multi-GB CUDA build.
$(VENV)/.torch: | $(BIN)/python
	$(PIP) install -q torch==2.13.0
	touch $@

$(VENV)/.installed: pyproject.toml constraints.txt $(VENV)/.torch
	$(PIP) install -q -c constraints.txt -e .
	$(MAKE) --no-print-directory check-cuda
	$(BIN)/sourced model --embedder-only  # builds the int8 embedder once, offline, from the packaged weights
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) install -q -c constraints.txt -e '.[test]'
	touch $@

$(VENV)/.installed-local: $(VENV)/.installed
	$(PIP) install -q -c constraints.txt -e '.[local]'
	$(BIN)/sourced model --prepare
	touch $@

# Chromium for the browser tests: Debian's package (Playwright's own download needs the internet).
$(VENV)/.browser:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get install -y -q chromium >/dev/null || (apt-get update -q && apt-get install -y -q chromium); \
	  else sudo -n apt-get install -y -q chromium || echo "warning: chromium missing; browser tests will be skipped"; fi; \
	fi
	touch $@

check-cuda:
	@if $(PIP) list 2>/dev/null | grep -iE '^(nvidia-|cuda-|triton)'; then \
	  echo "error: CUDA packages ended up in $(VENV) (see above); torch must be the CPU wheel"; exit 1; \
	else echo "ok: no CUDA packages in $(VENV)"; fi

eval: install
	$(BIN)/sourced eval eval/seed_questions.jsonl --store $(STORE) --generator extractive --report eval/out/report.md --out eval/out/results.jsonl

bench: install
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) .sourced .pytest_cache .ruff_cache
