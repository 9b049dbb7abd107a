# Two commands do all set-up on a fresh clone (only Python 3.11 needed):
#   make book   build the site under _build/html, executing every chapter
#   make test   unit tests and every notebook in the quick profile (about 4½ minutes warm)
#   make test-slow   the tests that re-run whole chapters under other conditions (CI runs both)
# Both first create .venv and install requirements.txt and course_utils into it.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The book's profile: "full" for the published site, "quick" for a fast local preview.
COURSE_PROFILE ?= full

.PHONY: book pdf test test-slow editions benchmarks instructor lock clean

# The site's scripts (MathJax aside): pinned npm packages, installed once per lock file change,
# so that the published site loads nothing from a CDN (booktools/assets.py). Needs Node.js.
SITE_STAMP := site/node_modules/.installed
$(SITE_STAMP): site/package.json site/package-lock.json
	npm ci --prefix site --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $(SITE_STAMP)

# Exact versions: requirements.lock pins every package with its hashes, resolved from the loose
# ranges of requirements.txt and pyproject.toml, so that a fresh clone months from now installs
# what the book was built and tested with. `make lock` updates it after a range changed, `make
# lock ARGS=--upgrade` moves it to the newest versions (commit it after make test passes). CI's
# canary installs the ranges instead, with LOCK=requirements.txt. pip installs uv alone (its pin
# in requirements.txt); uv installs the rest, in about 20 s where pip takes a minute or more.
# --compile-bytecode, as pip does: where Python writes no .pyc files (PYTHONDONTWRITEBYTECODE),
# every kernel would otherwise compile TensorFlow anew (10 s, not 4).
LOCK ?= requirements.lock
$(STAMP): $(LOCK) requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "$$(grep -o '^uv==[^ ]*' requirements.txt)"
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -r $(LOCK)
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

# The lock's resolution: Python 3.11.5 or later, on any platform (--universal), with hashes.
# It keeps the locked versions and adds or drops what the ranges changed; make lock
# ARGS=--upgrade moves every package to the newest version the ranges allow.
lock: $(STAMP)
	$(BIN)/uv pip compile --quiet requirements.txt pyproject.toml --universal \
		--python-version 3.11.5 --generate-hashes --custom-compile-command "make lock" \
		-o requirements.lock $(ARGS)

# What Colab preinstalls, fetched once into uv's cache: the Colab-like test then builds a
# fresh environment from it offline, in seconds. Only the tests need it, not the book.
COLAB_STAMP := $(VENV)/.colab-installed
$(COLAB_STAMP): $(STAMP) tests/colab-preinstalled.txt
	$(BIN)/uv venv --quiet --clear --seed --python $(BIN)/python $(VENV)/colab
	VIRTUAL_ENV=$(VENV)/colab $(BIN)/uv pip install --quiet -r tests/colab-preinstalled.txt
	touch $(COLAB_STAMP)

# Re-executes only the chapters whose code, library, profile or data changed (see
# booktools/build.py), and prints which ran and for how long.
# Then the PDF of the site (booktools/pdf.py), which the introduction links to.
book: $(STAMP) $(SITE_STAMP)
	COURSE_PROFILE=$(COURSE_PROFILE) $(BIN)/python -m booktools.build
	$(BIN)/python -m booktools.pdf

# The book as one PDF, printed from the built site by Chromium (make book does it too).
pdf: $(STAMP)
	$(BIN)/python -m booktools.pdf

# ruff first: an unused import or an overlong line fails in a second, before any training.
# Then the quick-profile site, which tests/test_site.py opens in headless Chromium: every page of
# the book executes, two at a time, with COURSE_CHECKS_MUST_PASS (the book's answers must pass
# their checks; an error fails the build), cached in _build/test-site and keyed like make
# book's, so that a run with no change executes none. So each chapter's code runs once here:
# its solution edition holds the same code cell for cell (tests/test_editions.py). --exercises:
# after the pages, in the same pool, each exercise edition runs end to end with every answer left
# blank, kept in _build/test-site/_build/exercise-runs and keyed the same way, for
# tests/test_editions.py to check (in a Colab-like environment, tests/test_colab.py, in make
# test-slow). Then the quick site's PDF (tests/test_pdf.py reads it). nbval runs the chapter
# template. -n 2 --dist loadgroup: tests run on both cores, each notebook's cells together on
# one of them (tests/conftest.py). Kernels started by tests hide their output, so the training
# progress lines go to a log that tail shows. The tests marked slow are left to make test-slow
# (pyproject.toml says which and why).
NOTEBOOKS := templates
PROGRESS_LOG := _build/test-progress.log
TEST_SITE := _build/test-site
PYTEST = @mkdir -p _build && : > $(PROGRESS_LOG); \
	tail -n 0 -f $(PROGRESS_LOG) >&2 & tail=$$!; \
	COURSE_PROFILE=quick COURSE_CHECKS_MUST_PASS=1 COURSE_PROGRESS_LOG=$(CURDIR)/$(PROGRESS_LOG) \
	$(BIN)/python -m pytest -n 2 --dist loadgroup --durations=10
test: $(STAMP) $(SITE_STAMP)
	$(BIN)/ruff check .
	COURSE_PROFILE=quick COURSE_CHECKS_MUST_PASS=1 $(BIN)/python -m booktools.build \
		--out $(TEST_SITE) --exercises
	$(BIN)/python -m booktools.pdf --site $(TEST_SITE)/_build/html
	$(PYTEST) -m "not slow" tests --nbval-lax --nbval-current-env \
		--nbval-cell-timeout=900 $(NOTEBOOKS); status=$$?; kill $$tail; exit $$status

# Whole chapters again under other conditions, about 5 minutes: three chapters trained twice
# from empty model caches and once with another seed (same seed, same numbers), the exercise
# editions in a Colab-like environment, chapter 3 on MNIST, the faces chapters on a CelebA
# folder, the instructor's command on two chapters.
test-slow: $(STAMP) $(COLAB_STAMP)
	$(PYTEST) -m slow tests; status=$$?; kill $$tail; exit $$status

# The exercise and solution editions Colab opens, written from book/ (never edit them by hand).
editions: $(STAMP)
	$(BIN)/python -m booktools.editions

# Every benchmark in full, each against its plain baseline in the same run (a few minutes).
benchmarks: $(STAMP)
	$(BIN)/python benchmarks/run.py

# Re-execute chapters with your parameters, e.g. make instructor ARGS="--out runs/dry --profile
# quick 01 03" (see book/instructor.ipynb, or add ARGS="--help").
instructor: $(STAMP)
	$(BIN)/python -m booktools.instructor run $(ARGS)

clean:
	rm -rf _build
