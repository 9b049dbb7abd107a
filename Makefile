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

.PHONY: book test editions clean

$(STAMP): requirements.txt pyproject.toml tests/colab-preinstalled.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -e .
	@# What Colab preinstalls, fetched once into uv's cache: the Colab-like test then builds a
	@# fresh environment from it offline, in seconds.
	$(BIN)/uv venv --quiet --clear --seed --python $(BIN)/python $(VENV)/colab
	VIRTUAL_ENV=$(VENV)/colab $(BIN)/uv pip install --quiet -r tests/colab-preinstalled.txt
	touch $(STAMP)

book: $(STAMP)
	COURSE_PROFILE=$(COURSE_PROFILE) $(BIN)/jupyter-book build . -W -n --keep-going

# ruff first: an unused import or an overlong line fails in a second, before any training.
# nbval runs each notebook in a kernel of this .venv and fails on any error; the quick
# profile keeps every chapter to seconds.
test: $(STAMP)
	$(BIN)/ruff check .
	COURSE_PROFILE=quick $(BIN)/python -m pytest tests \
		--nbval-lax --nbval-current-env --nbval-cell-timeout=900 book templates

# The exercise and solution editions Colab opens, written from book/ (never edit them by hand).
editions: $(STAMP)
	$(BIN)/python -m course_utils.editions

clean:
	rm -rf _build
