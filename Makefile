# Two commands do all set-up on a fresh clone (only Python 3.11 needed):
#   make book   build the site under _build/html, executing every chapter
#   make test   unit tests and every notebook in the quick profile
# Both first create .venv and install requirements.txt and course_utils into it.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The book's profile: "full" for the published site, "quick" for a fast local preview.
COURSE_PROFILE ?= full

.PHONY: book test editions benchmarks instructor clean

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -e .
	touch $(STAMP)

# What Colab preinstalls, fetched once into uv's cache: the Colab-like test then builds a
# fresh environment from it offline, in seconds. Only the tests need it, not the book.
COLAB_STAMP := $(VENV)/.colab-installed
$(COLAB_STAMP): $(STAMP) tests/colab-preinstalled.txt
	$(BIN)/uv venv --quiet --clear --seed --python $(BIN)/python $(VENV)/colab
	VIRTUAL_ENV=$(VENV)/colab $(BIN)/uv pip install --quiet -r tests/colab-preinstalled.txt
	touch $(COLAB_STAMP)

# Re-executes only the chapters whose code, library, profile or data changed (see
# course_utils/build.py), and prints which ran and for how long.
book: $(STAMP)
	COURSE_PROFILE=$(COURSE_PROFILE) $(BIN)/python -m course_utils.build

# ruff first: an unused import or an overlong line fails in a second, before any training.
# nbval runs each notebook in a kernel of this .venv and fails on any error; the quick
# profile keeps every chapter short. -n 2 --dist loadgroup: tests run on both cores, each
# notebook's cells together on one of them (tests/conftest.py). nbval hides its
# kernels' output, so the training progress lines go to a log that tail shows as they come.
# The chapters run as their solution editions, which hold the book's code cell for cell
# (tests/test_editions.py), with COURSE_CHECKS_MUST_PASS: every exercise check must pass; the
# book's other pages run as they are. So each chapter's code runs once here, not twice; `make
# book` runs the chapters' sources themselves.
NOTEBOOKS := $(filter-out book/0%,$(wildcard book/*.ipynb)) editions/solutions templates
PROGRESS_LOG := _build/test-progress.log
test: $(STAMP) $(COLAB_STAMP)
	$(BIN)/ruff check .
	@mkdir -p _build && : > $(PROGRESS_LOG)
	@tail -n 0 -f $(PROGRESS_LOG) >&2 & tail=$$!; \
	COURSE_PROFILE=quick COURSE_CHECKS_MUST_PASS=1 COURSE_PROGRESS_LOG=$(CURDIR)/$(PROGRESS_LOG) \
	$(BIN)/python -m pytest \
		-n 2 --dist loadgroup --durations=10 tests --nbval-lax --nbval-current-env \
		--nbval-cell-timeout=900 $(NOTEBOOKS); status=$$?; kill $$tail; exit $$status

# The exercise and solution editions Colab opens, written from book/ (never edit them by hand).
editions: $(STAMP)
	$(BIN)/python -m course_utils.editions

# Every benchmark in full, each against its plain baseline in the same run (a few minutes).
benchmarks: $(STAMP)
	$(BIN)/python benchmarks/run.py

# Re-execute chapters with your parameters, e.g. make instructor ARGS="--out runs/dry --profile
# quick 01 03" (see book/instructor.ipynb, or add ARGS="--help").
instructor: $(STAMP)
	$(BIN)/python -m course_utils.instructor run $(ARGS)

clean:
	rm -rf _build
