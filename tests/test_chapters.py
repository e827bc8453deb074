"""The chapters as files: listed in the table of contents, executed top to bottom, Colab-ready."""

import pathlib
import re
import subprocess

import nbformat
import pytest

from book import execute
from cnnbook import runtime

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))


def test_every_chapter_is_in_the_table_of_contents():
    assert CHAPTERS, "no chapters found"
    listed = [path for path in execute.toc_notebooks(ROOT) if path.parent.name == "chapters"]
    assert sorted(listed) == CHAPTERS


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_was_executed_top_to_bottom_without_errors(path):
    notebook = nbformat.read(path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))
    errors = [out for cell in code for out in cell.outputs if out.output_type == "error"]
    assert errors == []


GPU_CHAPTERS = {path for path, part in execute.toc_chapters(ROOT) if part.startswith(execute.GPU_PARTS)}


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_starts_with_the_colab_install_cell_pinned_to_a_commit(path):
    repository = execute.book_config(ROOT)["repository"]
    notebook = nbformat.read(path, as_version=4)
    first = notebook.cells[0]
    assert first.metadata["tags"] == ["colab-install", "remove-cell"]
    commit = re.search(r'commit = "([0-9a-f]{40})"', first.source)
    assert commit, "the install cell must pin a commit"
    assert first.source == execute.colab_install_source(repository["url"], commit.group(1))
    known = subprocess.run(["git", "cat-file", "-e", f"{commit.group(1)}^{{commit}}"], cwd=ROOT)
    assert known.returncode == 0, f"{commit.group(1)} is not a commit of this repository"
    assert (notebook.metadata.get("accelerator") == "GPU") == (path in GPU_CHAPTERS)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_records_the_profile_of_its_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    profile = notebook.metadata.get("cnnbook", {}).get("profile")
    assert profile in ("smoke", "quick", "full")
    # The setup record the chapter's outputs hold, not a line parsed back out of printed text.
    records = [out.data[runtime.SETUP_MIME_TYPE] for cell in notebook.cells if cell.cell_type == "code"
               for out in cell.outputs if runtime.SETUP_MIME_TYPE in out.get("data", {})]
    assert records and all(record["profile"] == profile for record in records)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_ends_with_exercises_provenance_and_references(path):
    cells = nbformat.read(path, as_version=4).cells
    headings = [line for c in cells if c.cell_type == "markdown" for line in c.source.splitlines()]
    assert "## Exercises" in headings
    code = [c for c in cells if c.cell_type == "code"]
    assert code[-1].source.strip() == "runtime.provenance()"
    after = cells[cells.index(code[-1]) + 1:]
    assert all(c.source.startswith("## References") for c in after), "only the References may follow"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_names_sources_by_title_not_file_name(path):
    notebook = nbformat.read(path, as_version=4)
    for index, cell in enumerate(notebook.cells):
        assert not re.search(r"\bseed ?00[0-4]\b", cell.source, re.I), f"cell {index} names a seed file"


def test_refresh_colab_cell_refuses_a_chapter_without_one():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(1)")])
    with pytest.raises(ValueError, match="first cell must be a code cell tagged 'colab-install'"):
        execute.refresh_colab_cell(notebook, "https://example.org/repo", "0" * 40)


def _output_text(output):
    data = output.get("data", {})
    return output.get("text", "") + data.get("text/plain", "") + data.get("text/html", "")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_stored_outputs_come_from_real_data_and_name_no_machine_path(path):
    notebook = nbformat.read(path, as_version=4)
    records = [output["data"][runtime.PROVENANCE_MIME_TYPE] for cell in notebook.cells if cell.cell_type == "code"
               for output in cell.get("outputs", []) if runtime.PROVENANCE_MIME_TYPE in output.get("data", {})]
    assert len(records) == 1, "the chapter's provenance() line must leave its record once"
    # Judged by each source's flag, never by the words that describe it.
    assert all(source["real"] for source in records[0]["data"]), f"made on data that is not real: {records[0]}"
    assert records[0]["seed_shift"] == 0, "stored outputs must use the chapters' own seeds"
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            text = _output_text(output)
            path_shown = re.search(r"(/tmp/|/root/|/home/|/usr/share/)\S*", text)
            assert not path_shown, f"cell {index} shows a path of the machine: {path_shown.group(0)[:60]}"
