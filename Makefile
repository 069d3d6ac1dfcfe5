# Two commands: `make run` and `make test`. Both set everything up on first use and are
# fast no-ops afterwards (the install is keyed on pyproject.toml through a stamp file).
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.threatscribe-installed
PORT   ?= 8501

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: setup index run test lint typecheck pytest eval bench clean

setup: $(STAMP)

# torch first, from the CPU build on this machine's disk: installing the rest first would make
# pip pull a multi-GB CUDA build to satisfy sentence-transformers.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check torch==2.13.0
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

index: $(STAMP)
	$(BIN)/threatscribe kb build --quiet

run: index
	$(BIN)/streamlit run app/ui/main.py --server.headless true --server.address 127.0.0.1 \
		--server.port $(PORT) --browser.gatherUsageStats false

lint: $(STAMP)
	$(BIN)/ruff check app tests evals benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy app

# pytest exits 5 when it collects nothing: that is a broken suite, not a pass.
pytest: $(STAMP)
	@$(BIN)/pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi; exit $$rc

test: lint typecheck pytest

eval: index
	$(BIN)/threatscribe eval retrieval
	$(BIN)/threatscribe eval retrieval --queries evals/retrieval/holdout2.yaml
	$(BIN)/threatscribe eval extraction
	$(BIN)/threatscribe eval paraphrases --file evals/extraction/paraphrases2.yaml
	$(BIN)/threatscribe eval scenarios evals/scenarios
	$(BIN)/threatscribe eval scenarios evals/scenarios_batch2
	$(BIN)/threatscribe eval scenarios evals/scenarios_holdout
	$(BIN)/threatscribe eval interview
	$(BIN)/threatscribe eval conversations evals/conversations
	$(BIN)/threatscribe eval conversations evals/conversations_holdout
	$(BIN)/threatscribe eval conversations evals/conversations_holdout2
	$(BIN)/threatscribe eval concerns evals/concerns/dev.yaml
	$(BIN)/threatscribe eval concerns evals/concerns/holdout.yaml
	$(BIN)/threatscribe eval concerns evals/concerns/holdout2.yaml

bench: index
	$(BIN)/python benchmarks/kb_bench.py

clean:
	rm -rf $(VENV) workspace *.egg-info
