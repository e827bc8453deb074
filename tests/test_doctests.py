"""The examples in the docstrings of cnnbook's modules run, and print what they show.

Run here (rather than with ``pytest --doctest-modules``) so that they run with
every way the project calls pytest, ``-o addopts=""`` included. ``pytest
--doctest-modules cnnbook/conv.py`` runs the same examples.
"""

import doctest
import importlib

import pytest

MODULES = [
    "cnnbook.checks",
    "cnnbook.conv",
    "cnnbook.kernels",
    "cnnbook.models",
    "cnnbook.architectures",
    "cnnbook.receptive_field",
    "cnnbook.loss_surfaces",
    "cnnbook.widgets._validate",
    "cnnbook.widgets.channel_conv",
    "cnnbook.widgets.pooling",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    tests = [test for test in finder.find(module, name) if test.examples]
    assert tests, f"{name} has no docstring examples"
    failures = []
    for test in tests:
        result = runner.run(test, out=failures.append)
        assert result.attempted
    assert not failures, "".join(failures)
