"""Tests of the execute command's file handling: atomic writes, and a clear refusal outside a checkout."""

import json
import nbformat
import pytest

from book import execute


def small_notebook():
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('stored output')")])


def test_a_failed_write_leaves_the_old_notebook_whole(tmp_path, monkeypatch):
    path = tmp_path / "chapter.ipynb"
    nbformat.write(small_notebook(), path)
    before = path.read_bytes()

    def write_half_then_fail(notebook, file, **kwargs):
        file.write('{"cells": [')  # a disk that fills up half-way
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(nbformat, "write", write_half_then_fail)
    with pytest.raises(OSError, match="No space left"):
        execute.write_atomically(small_notebook(), path)
    assert path.read_bytes() == before
    assert "".join(json.loads(before)["cells"][0]["source"]) == "print('stored output')"
    assert [p.name for p in tmp_path.iterdir()] == ["chapter.ipynb"]  # no temporary file left


def test_a_good_write_replaces_the_notebook(tmp_path):
    path = tmp_path / "chapter.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), path)
    execute.write_atomically(small_notebook(), path)
    assert nbformat.read(path, as_version=4).cells[0].source == "print('stored output')"


def test_outside_a_checkout_it_says_where_it_runs(tmp_path):
    with pytest.raises(SystemExit, match="runs in a checkout of the cnnbook repository"):
        execute.toc_notebooks(tmp_path)


def test_the_colab_cell_pins_the_given_commit():
    source = execute.colab_install_source("https://github.com/o/r", "a" * 40)
    assert 'repository = "git+https://github.com/o/r"' in source and f'commit = "{"a" * 40}"' in source
    assert source.endswith('%pip install --quiet "cnnbook @ {repository}@{commit}"')
    assert all(len(line) <= 79 for line in source.splitlines())


def test_the_profile_is_read_from_the_setup_record_not_from_text():
    from cnnbook import runtime

    printed = nbformat.v4.new_output("stream", name="stdout", text="cnnbook: profile smoke · CPU (2 cores)\n")
    recorded = nbformat.v4.new_output("display_data", data={
        "text/plain": "cnnbook: profile full", runtime.SETUP_MIME_TYPE: {"profile": "full", "seed_shift": 0}})
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("", outputs=[printed, recorded])])
    assert execute._setup_record(notebook)["profile"] == "full"
    assert execute._setup_record(nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("", outputs=[printed])])) is None


def test_stored_outputs_refuse_shifted_seeds(monkeypatch, tmp_path):
    monkeypatch.setenv("CNNBOOK_SEED", "1")
    with pytest.raises(RuntimeError, match="unset CNNBOOK_SEED"):
        execute.execute(tmp_path / "never_read.ipynb")
