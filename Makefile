# Every target builds the virtualenv it needs: a fresh clone needs only python3 and make.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
JOBS   ?= 2
# The README tour's git repository of the example, outside the checkout (see fixtures/demo.py).
TOUR   ?= $(or $(TMPDIR),/tmp)/ssot-migrate-tour

.PHONY: install demo test lint bench fuzz clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) fixtures/demo.py --tour $(TOUR)

test: $(STAMP)
	$(PY) -m pytest -q -n $(JOBS) tests

lint: $(STAMP)
	$(VENV)/bin/ruff check src codemods tests fixtures/*.py
	$(VENV)/bin/ruff format --check src codemods tests fixtures/*.py
	$(VENV)/bin/mypy src/ssot_migrate
	$(VENV)/bin/lint-imports

bench: $(STAMP)
	$(PY) tests/benchmarks/bench.py

# The property tests with 20x the examples (HYPOTHESIS_PROFILE=fuzz, see tests/conftest.py).
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest -q -n $(JOBS) tests/test_properties.py \
		--hypothesis-show-statistics

clean:
	rm -rf $(VENV) .ssot-migrate-cache bench-trees
