# Every target creates .venv on first use from the pins in pyproject.toml.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# nbgrader runs `alembic` by name when it creates a gradebook: the venv's bin must be on PATH.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

SUBMISSIONS ?= autograder/samples
OUT ?= build/grade

.PHONY: lab grade release samples test lint benchmark clean

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else \
		"Python >= 3.11 is needed (Keras 3.15 and nbgrader 0.9.6); set PYTHON=python3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

## make lab: JupyterLab on the student notebooks, with nbgrader's extensions
lab: $(VENV)/.installed
	jupyter lab --ServerApp.root_dir=$(CURDIR) --LabApp.default_url=/lab/tree/notebooks

## make grade [SUBMISSIONS=DIR] [OUT=DIR]: release, autograde, feedback, grades.csv, a table
grade: $(VENV)/.installed
	$(PY) -m autograder.grade --submissions $(SUBMISSIONS) --out $(OUT)

## make release: regenerate notebooks/ from solutions/
release: $(VENV)/.installed
	$(PY) -m autograder.release

## make samples: rebuild autograder/samples/ from autograder/sample_specs/
samples: $(VENV)/.installed
	$(PY) -m autograder.samples

## make test: the whole test suite (what CI runs)
test: $(VENV)/.installed
	$(PY) -m pytest

lint: $(VENV)/.installed
	$(PY) -m ruff check .

## make benchmark: time and memory of every notebook in quick mode -> benchmarks/notebooks.md
benchmark: $(VENV)/.installed
	$(PY) benchmarks/run_notebooks.py

clean:
	rm -rf build .course
