# Every target creates .venv on first use from the pins in pyproject.toml.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# nbgrader runs `alembic` by name when it creates a gradebook: the venv's bin must be on PATH.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

SUBMISSIONS ?= autograder/samples
OUT ?= build/grade
# on: student code runs in bubblewrap (installed by `make sandbox`); off: only for code you trust
SANDBOX ?= on
# Local worker processes (default: one per core), or a Dask scheduler whose workers grade instead
WORKERS ?=
SCHEDULER ?=
# The LMS side (see README, For instructors): roster.csv mapping students, canvas|moodle, a download archive
ROSTER ?=
LMS ?=
ARCHIVE ?=
ASSIGNMENT ?=

.PHONY: lab grade release samples sandbox test test-browser test-platforms chromium lint benchmark benchmark-grading clean data-full
.PHONY: report export-lms collect watch

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else \
		"Python >= 3.11 is needed (Keras 3.15 and nbgrader 0.9.6); set PYTHON=python3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

## make lab: JupyterLab on the student notebooks, with nbgrader's extensions
# jupyterlab-settings/ holds the course's defaults: no news question, no update check, no build prompt.
lab: $(VENV)/.installed
	jupyter lab --ServerApp.root_dir=$(CURDIR) --LabApp.default_url=/lab/tree/notebooks \
		--LabApp.app_settings_dir=$(CURDIR)/jupyterlab-settings $$([ "$$(id -u)" = 0 ] && echo --allow-root)

## make sandbox: install bubblewrap, which isolates student code while it is graded (Debian/Ubuntu, as root)
sandbox:
	@command -v bwrap >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
		&& apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null; } \
		|| echo "bubblewrap is not installed and could not be installed here: install it (apt-get install bubblewrap)" \
		        "or grade without isolation with SANDBOX=off"

## make grade [SUBMISSIONS=DIR] [OUT=DIR] [SANDBOX=on|off] [WORKERS=N] [SCHEDULER=tcp://host:8786]
## SUBMISSIONS may be an LMS download (.zip), with [ROSTER=roster.csv]; LMS=canvas|moodle also writes the LMS's CSV
grade: $(VENV)/.installed sandbox
	$(PY) -m autograder.grade --submissions $(SUBMISSIONS) --out $(OUT) --sandbox $(SANDBOX) \
		$(if $(WORKERS),--workers $(WORKERS)) $(if $(SCHEDULER),--scheduler $(SCHEDULER)) \
		$(if $(ROSTER),--roster $(ROSTER)) $(if $(LMS),--lms $(LMS))
	$(if $(LMS),$(PY) -m autograder.lms_export --lms $(LMS) --out $(OUT) $(if $(ROSTER),--roster $(ROSTER)))

## make report [OUT=DIR]: the class report OUT/report.html again, from a graded course folder
report: $(VENV)/.installed
	$(PY) -m autograder.report --out $(OUT)

## make export-lms LMS=canvas|moodle [ROSTER=roster.csv] [OUT=DIR]: the CSV for the LMS's grade import, in OUT/lms/
export-lms: $(VENV)/.installed
	$(if $(LMS),,$(error say which LMS: make export-lms LMS=canvas or LMS=moodle))
	$(PY) -m autograder.lms_export --lms $(LMS) --out $(OUT) $(if $(ROSTER),--roster $(ROSTER))

## make collect ARCHIVE=download.zip [LMS=canvas|moodle] [ASSIGNMENT=A] [ROSTER=roster.csv] [OUT=DIR]
## an LMS's download of one assignment into nbgrader's layout, OUT/collected (then: make grade SUBMISSIONS=OUT/collected)
collect: $(VENV)/.installed
	$(if $(ARCHIVE),,$(error say which archive: make collect ARCHIVE=download.zip))
	$(PY) -m autograder.lms_collect $(ARCHIVE) --out $(OUT) $(if $(LMS),--lms $(LMS)) \
		$(if $(ASSIGNMENT),--assignment $(ASSIGNMENT)) $(if $(ROSTER),--roster $(ROSTER))

## make watch SUBMISSIONS=DIR [OUT=DIR] [SANDBOX=on|off] [WORKERS=N]: grade each submission as it arrives (Ctrl-C stops)
watch: $(VENV)/.installed sandbox
	$(PY) -m autograder.watch --submissions $(SUBMISSIONS) --out $(OUT) --sandbox $(SANDBOX) \
		$(if $(WORKERS),--workers $(WORKERS))

## make release: regenerate notebooks/ from solutions/
release: $(VENV)/.installed
	$(PY) -m autograder.release

## make samples: rebuild autograder/samples/ from autograder/sample_specs/
samples: $(VENV)/.installed
	$(PY) -m autograder.samples

## make test: the whole test suite (what CI runs)
test: $(VENV)/.installed sandbox
	$(PY) -m pytest

## make test-browser: every solution notebook run in JupyterLab in headless Chromium (a few minutes)
test-browser: $(VENV)/.browser-installed chromium
	$(PY) -m pytest tests/browser --browser

# Playwright's Python API only: it drives Debian's chromium and never downloads a browser of its own.
$(VENV)/.browser-installed: $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev,browser]'
	touch $@

## make test-platforms: environment.yml installed into a fresh venv as Binder does, a notebook run there (minutes)
test-platforms: $(VENV)/.installed
	$(PY) -m pytest tests/platforms --platforms

chromium:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
		&& apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
		|| echo "chromium is not installed and could not be installed here: the browser test will be skipped" \
		        "(as root: apt-get install chromium)"

lint: $(VENV)/.installed
	$(PY) -m ruff check .

## make benchmark: time and memory of every notebook in quick mode -> benchmarks/notebooks.md
benchmark: $(VENV)/.installed
	$(PY) benchmarks/run_notebooks.py

## make benchmark-grading: stock nbgrader vs the course's grader on 20 submissions -> benchmarks/grading.md
benchmark-grading: $(VENV)/.installed sandbox
	$(PY) benchmarks/grading.py --record

## make data-full: install the full Fashion-MNIST set for full runs (Debian's dataset-fashion-mnist, as root)
data-full:
	@[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || { [ "$$(id -u)" = 0 ] \
		&& command -v apt-get >/dev/null 2>&1 && apt-get update -qq \
		&& DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null; } \
		|| { echo "could not install it here: as root run 'apt-get install dataset-fashion-mnist'," \
		          "or copy the four Fashion-MNIST .gz files into \$$KERAS_HOME/datasets/fashion-mnist/"; exit 1; }
	@echo "Fashion-MNIST: $$(ls /usr/share/datasets/fashion-mnist/*.gz 2>/dev/null | wc -l) files in /usr/share/datasets/fashion-mnist/"

clean:
	rm -rf build .course
