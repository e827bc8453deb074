"""The notebooks' code cells follow one recorded style: black with pyproject.toml's [tool.black]."""

import re
import tomllib
from pathlib import Path

import nbformat
import pytest

black = pytest.importorskip("black")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(ROOT.glob("chapters/*.ipynb")) + sorted(ROOT.glob("solutions/*.ipynb"))
# A trailing comment after a closing bracket on its own line: black wrapped a statement
# and left the comment behind its last line, far from what it explains.
STRANDED_COMMENT = re.compile(r"^\s*[)\]}]+[,;]?\s+#(?! fmt: skip)")


def _mode():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["black"]
    return black.Mode(line_length=config["line-length"], is_ipynb=True)


def _code_cells(path):
    notebook = nbformat.read(path, as_version=4)
    return [(i, cell.source) for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"]


def test_the_configuration_is_recorded():
    assert _mode().line_length == 79


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_code_cells_are_formatted_with_the_recorded_configuration(path):
    mode = _mode()
    unformatted = []
    for index, source in _code_cells(path):
        try:
            formatted = black.format_cell(source, fast=False, mode=mode)
        except black.NothingChanged:
            continue
        if formatted != source:
            unformatted.append(index)
    assert not unformatted, f"cells {unformatted} differ from `make format`'s output: run `make format`"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_comments_sit_on_their_own_lines_not_behind_a_wrapped_bracket(path):
    stranded = [(index, line.strip()) for index, source in _code_cells(path)
                for line in source.splitlines() if STRANDED_COMMENT.match(line)]
    assert not stranded, f"move these comments above the statement they explain: {stranded}"
