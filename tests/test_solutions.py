"""The exercises' worked solutions (solutions/NN_<chapter>_solutions.ipynb): made and linked like the chapters.

Each solution notebook is executed by the execute command, stored with its outputs, listed in the Solutions
part of the table of contents, opens in Colab with the chapters' install cell, and runs under strict nbval
(``testpaths``). Every exercise of a chapter that has a solution notebook carries the label ``ex-C-N`` and a
link to ``sol-C-N``; the solution carries that label and links back.
"""

import pathlib
import re

import nbformat
import pytest

from book import execute
from cnnbook import exercises, runtime

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOLUTIONS = sorted((ROOT / "solutions").glob("*_solutions.ipynb"))


def _chapter_of(path):
    return ROOT / "chapters" / (path.name.removesuffix("_solutions.ipynb") + ".ipynb")


def _exercise_items(chapter):
    cells = nbformat.read(chapter, as_version=4).cells
    cell = next(c for c in cells if c.cell_type == "markdown" and c.source.startswith("## Exercises"))
    return re.findall(r"^(\d+)\. ", cell.source, re.M), cell.source


def test_solutions_are_in_the_solutions_part_after_the_appendix():
    assert SOLUTIONS, "no solution notebooks found"
    parts = [part for _, part in execute.toc_chapters(ROOT)]
    listed = [path for path, part in execute.toc_chapters(ROOT) if part == "Solutions"]
    assert listed == SOLUTIONS
    assert parts.index("Solutions") > parts.index("Appendix")
    for path in SOLUTIONS:
        assert _chapter_of(path).exists(), f"{path.name} names no chapter"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_solution_was_executed_with_a_profile_and_a_pinned_colab_cell(path):
    notebook = nbformat.read(path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))
    assert not [out for cell in code for out in cell.outputs if out.output_type == "error"]
    assert code[-1].source.strip() == "runtime.provenance()"
    first = notebook.cells[0]
    assert first.metadata["tags"] == ["colab-install", "remove-cell"]
    commit = re.search(r'commit = "([0-9a-f]{40})"', first.source)
    assert commit and first.source == execute.colab_install_source(
        execute.book_config(ROOT)["repository"]["url"], commit.group(1))
    profile = notebook.metadata.get("cnnbook", {}).get("profile")
    records = [out.data[runtime.SETUP_MIME_TYPE] for cell in code for out in cell.outputs
               if runtime.SETUP_MIME_TYPE in out.get("data", {})]
    assert profile in ("smoke", "quick", "full") and records and records[0]["profile"] == profile
    provenance = [out.data[runtime.PROVENANCE_MIME_TYPE] for cell in code for out in cell.outputs
                  if runtime.PROVENANCE_MIME_TYPE in out.get("data", {})]
    assert len(provenance) == 1 and provenance[0]["seed_shift"] == 0
    assert all(source["real"] for source in provenance[0]["data"])


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_every_exercise_and_its_solution_link_both_ways(path):
    c = int(path.name[:2])
    numbers, exercises_cell = _exercise_items(_chapter_of(path))
    assert numbers == [str(n) for n in range(1, len(numbers) + 1)]
    text = "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells
                     if cell.cell_type == "markdown")
    for n in numbers:
        label = f"{c}-{n}"
        assert f"{n}. (ex-{label})=" in exercises_cell, f"exercise {label} has no label"
        assert f"<sol-{label}>`" in exercises_cell, f"exercise {label} does not link to its solution"
        assert f"(sol-{label})=\n## Exercise {c}.{n}:" in text, f"no solution for exercise {label}"
        assert f"<ex-{label}>`" in text, f"solution {label} does not link back"
    assert not re.findall(rf"\(sol-{c}-(?!(?:{'|'.join(numbers)})\))\d+\)=", text), "a solution without exercise"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_self_checks_are_called_by_the_solutions_and_say_right(path):
    c = path.name[:2].lstrip("0")
    ids = [i for i in exercises.exercise_ids() if i.split(".")[0] == c]
    notebook = nbformat.read(path, as_version=4)
    for exercise in ids:
        verdicts = [out.get("data", {}).get("text/plain", "") for cell in notebook.cells
                    if cell.cell_type == "code" and f'exercises.check("{exercise}"' in cell.source
                    for out in cell.outputs]
        assert verdicts, f"the solution never calls exercises.check({exercise!r}, ...)"
        assert "right" in verdicts, f"exercises.check({exercise!r}, ...) did not say right: {verdicts}"


@pytest.mark.parametrize("path", SOLUTIONS + sorted((ROOT / "chapters").glob("*.ipynb")), ids=lambda p: p.stem)
def test_profile_records_are_not_compared_by_nbval(path):
    # CI runs every notebook in the smoke profile against outputs stored in another one: the cells that
    # print the profile (setup, provenance) must be left out of the comparison, or strict nbval fails.
    for cell in nbformat.read(path, as_version=4).cells:
        records = {key for out in cell.get("outputs", []) for key in out.get("data", {})}
        if records & {runtime.SETUP_MIME_TYPE, runtime.PROVENANCE_MIME_TYPE}:
            assert "nbval-ignore-output" in cell.metadata.get("tags", []), cell.source[:60]
