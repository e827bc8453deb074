# The book's two commands: `make book` builds the HTML book, `make test` runs the tests.
# Both install what they need into .venv first (Python 3.11, see requirements.txt).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin

.PHONY: book test execute clean

book: $(VENV)/installed
	$(BIN)/jupyter-book build . -W --keep-going
	@echo "The book: $(CURDIR)/_build/html/index.html"

test: $(VENV)/installed
	$(BIN)/pytest

# Re-run chapters top to bottom and store their outputs, e.g. `make execute CHAPTERS=chapters/01_convolution_kernels.ipynb`.
execute: $(VENV)/installed
	$(BIN)/python -m cnnbook.execute $(CHAPTERS)

$(VENV)/installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt -e .
	touch $@

clean:
	rm -rf _build $(VENV)
