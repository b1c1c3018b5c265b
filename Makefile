# Two entry points (see README): `make demo` and `make test`. Both create .venv on
# first use and install the project with its test extras.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast setup ui bench bench-llm bench-faults bench-cv fit clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/committee review examples/strong-safety-pm.md

# pytest-xdist workers, one per logical CPU (2 on the CI machine); `make test JOBS=0` runs
# in one process. `--dist loadgroup` keeps each `xdist_group` (the `langgraph dev` tests) in one worker.
JOBS ?= logical
XDIST = -n $(JOBS) --dist loadgroup

test: $(STAMP)
	bash scripts/test-deps.sh
	$(BIN)/python -m pytest $(XDIST)

# the edit loop: everything but the tests marked slow (they start services or processes, or
# run the engine over many packets; tests/conftest.py SLOW_FILES and `slow` marks). CI runs `make test`.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow" $(XDIST)

ui: $(STAMP)
	$(BIN)/committee ui

bench: $(STAMP)
	$(BIN)/python bench/eval_offline.py
	$(BIN)/python bench/questions.py
	$(BIN)/python bench/bench_llm.py
	$(BIN)/python bench/bench_store.py
	$(BIN)/python bench/bench_faults.py

# 20 Ctrl-Cs and 20 kill -9s at random points of runs, each followed by `resume`
bench-faults: $(STAMP)
	$(BIN)/python bench/bench_faults.py

# the LLM engines (both adapters) against local stand-in servers at 0.3 s per call
bench-llm: $(STAMP)
	$(BIN)/python bench/bench_llm.py

# refit the offline engine's shipped parameters after a corpus, exemplar or feature change
fit: $(STAMP)
	$(BIN)/python -c "from committee.engines.offline.learned import write_shipped; print(write_shipped())"

bench-cv: $(STAMP)
	$(BIN)/python bench/cv_learned.py

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
