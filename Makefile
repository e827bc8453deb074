# The book's two commands: `make book` builds the HTML book, `make test` runs the tests.
# Both install what they need into .venv first (Python 3.11): `make book` only the build tools
# (requirements-book.txt), `make test` everything (requirements.txt and the package).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip install --quiet --disable-pip-version-check
# The execute command (see README, "How the outputs are made").
EXECUTE := $(BIN)/python -m book.execute

.PHONY: book test execute format lock clean

# --all: every page is read again (a few seconds), so warnings of unchanged pages still fail
# the build and changed files under _static/ are copied again.
book: $(VENV)/installed-book
	$(BIN)/jupyter-book build . -W --keep-going --all
	@echo "The book: $(CURDIR)/_build/html/index.html"

test: $(VENV)/installed
	$(BIN)/pytest

# Re-run chapters top to bottom and store their outputs, e.g. `make execute CHAPTERS=chapters/01_convolution_kernels.ipynb`.
execute: $(VENV)/installed
	$(EXECUTE) $(CHAPTERS)

# Restyle the notebooks' code cells with the configuration in pyproject.toml ([tool.black]).
format: $(VENV)/installed
	$(BIN)/black chapters $(wildcard solutions)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip

# The book is built from the outputs stored in the notebooks: Jupyter Book and its extensions only.
# Their versions, and those of everything beneath them, are locked in constraints-book.txt.
$(VENV)/installed-book: requirements-book.txt constraints-book.txt | $(BIN)/python
	@echo "Installing the book's build tools into $(VENV) (requirements-book.txt: jupyter-book, sphinxcontrib-bibtex; no TensorFlow; locked by constraints-book.txt) ..."
	$(PIP) -c constraints-book.txt -r requirements-book.txt
	touch $@

# Everything: TensorFlow, JAX, Playwright, the test tools and the cnnbook package (editable).
$(VENV)/installed: requirements.txt requirements-book.txt constraints-book.txt pyproject.toml | $(BIN)/python
	@echo "Installing everything the chapters and tests need into $(VENV) (requirements.txt: TensorFlow, JAX, Playwright, pytest; about 3 GB) ..."
	$(PIP) -c constraints-book.txt -r requirements.txt -e .
	touch $@ $(VENV)/installed-book

# Refresh constraints-book.txt: resolve requirements-book.txt afresh in a throw-away venv and freeze it.
lock:
	rm -rf $(VENV)-lock
	$(PYTHON) -m venv $(VENV)-lock
	$(VENV)-lock/bin/pip install --quiet --disable-pip-version-check -r requirements-book.txt
	sed -n '/^#/p' constraints-book.txt > constraints-book.new
	$(VENV)-lock/bin/pip freeze --exclude-editable >> constraints-book.new
	mv constraints-book.new constraints-book.txt
	rm -rf $(VENV)-lock
	@echo "constraints-book.txt refreshed: build the book and run the tests before committing it."

clean:
	rm -rf _build $(VENV)
