"""The chapters as files: listed in the table of contents, executed top to bottom, Colab-ready."""

import pathlib

import nbformat
import pytest

from cnnbook import execute

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))


def test_every_chapter_is_in_the_table_of_contents():
    assert CHAPTERS, "no chapters found"
    assert sorted(execute.toc_notebooks(ROOT)) == CHAPTERS


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_was_executed_top_to_bottom_without_errors(path):
    notebook = nbformat.read(path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))
    errors = [out for cell in code for out in cell.outputs if out.output_type == "error"]
    assert errors == []


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_starts_with_the_colab_install_cell_from_config(path):
    repository = execute.book_config(ROOT)["repository"]
    first = nbformat.read(path, as_version=4).cells[0]
    assert first.metadata["tags"] == ["colab-install", "remove-cell"]
    assert first.source == execute.colab_install_source(repository["url"], repository["branch"])


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_ends_with_exercises_and_provenance(path):
    cells = nbformat.read(path, as_version=4).cells
    headings = [line for c in cells if c.cell_type == "markdown" for line in c.source.splitlines()]
    assert "## Exercises" in headings
    assert cells[-1].source.strip() == "runtime.provenance()"


def test_refresh_colab_cell_refuses_a_chapter_without_one():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(1)")])
    with pytest.raises(ValueError, match="first cell must be a code cell tagged 'colab-install'"):
        execute.refresh_colab_cell(notebook, "https://example.org/repo")
