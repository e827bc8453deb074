"""The examples in the docstrings of cnnbook's modules (and of the book's machinery, ``book``) run, and print what they show.

Every module of the package is searched for examples, so a new module's examples run without
being listed here. Run here (rather than with ``pytest --doctest-modules``) so that they run
with every way the project calls pytest, ``-o addopts=""`` included. ``pytest
--doctest-modules cnnbook/conv.py`` runs the same examples.
"""

import doctest
import importlib
import pkgutil

import pytest

import book
import cnnbook

FINDER = doctest.DocTestFinder()
NAMES = sorted(info.name for package in (cnnbook, book)
               for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."))


def _runs(example):
    return not example.options.get(doctest.SKIP)


def _examples(name):
    """The module's own docstring tests with at least one example that is not skipped."""
    module = importlib.import_module(name)
    return [test for test in FINDER.find(module, name)
            if test.filename == module.__file__ and any(map(_runs, test.examples))]


MODULES = [name for name in NAMES if _examples(name)]


def test_modules_with_examples_are_found():
    # The modules whose examples the chapters lean on: if discovery broke, this list would shrink.
    for name in ("cnnbook.checks", "cnnbook.conv", "cnnbook.kernels", "cnnbook.architectures"):
        assert name in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    failures = []
    for test in _examples(name):
        result = runner.run(test, out=failures.append)
        assert result.attempted
    assert not failures, "".join(failures)
