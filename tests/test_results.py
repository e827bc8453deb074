"""Tests of the results ledger, and of the stored results against the notebooks and the Results page."""

import json
import pathlib

import nbformat
import pytest

from cnnbook import execute, results, runtime

ROOT = pathlib.Path(__file__).resolve().parent.parent
RANGES = {"smoke": (10, 60), "quick": (80, 95), "full": (85, 95)}


@pytest.fixture(autouse=True)
def profile_quick(monkeypatch):
    monkeypatch.setenv("CNNBOOK_PROFILE", "quick")
    monkeypatch.setattr(runtime, "gpu_names", lambda: [])
    runtime.profile.cache_clear()
    yield
    runtime.profile.cache_clear()


def test_check_prints_one_line_and_returns_the_entry(capsys):
    entry = results.check("lenet_accuracy", 88.36, unit="%", expected=RANGES, data="Fashion-MNIST, complete",
                          n_train=60_000, n_test=10_000, seconds=35.31,
                          source={"value": 75.27, "unit": "%", "cite": "d2l2020lenet", "note": "TF2 log"})
    assert capsys.readouterr().out == ("check lenet_accuracy: 88.36% in [80, 95] (quick, Fashion-MNIST, complete); "
                                       "source: 75.27%\n")
    assert list(entry) == list(results.FIELDS)
    assert entry["profile"] == "quick" and entry["seconds"] == 35.3 and entry["device"].startswith("CPU")


@pytest.mark.parametrize("value", [10.0, 79.99, 95.01])
def test_check_fails_outside_the_profiles_range(value):
    with pytest.raises(AssertionError, match="outside the range expected for profile quick"):
        results.check("acc", value, unit="%", expected=RANGES, data="Fashion-MNIST, complete")


def test_check_does_not_judge_a_stand_in(capsys):
    results.check("acc", 100.0, unit="%", expected=RANGES, data="Fashion-MNIST STAND-IN (synthetic shapes)")
    assert "not checked: Fashion-MNIST STAND-IN" in capsys.readouterr().out


@pytest.mark.parametrize("kwargs, message", [
    ({"id": "two words"}, "id must be"),
    ({"value": float("nan")}, "value must be a finite"),
    ({"value": True}, "value must be a finite"),
    ({"expected": {"quick": (1, 2)}}, "expected must give a \\(low, high\\) range for each of smoke"),
    ({"expected": {"smoke": (1, 2), "quick": (3, 1), "full": (1, 2)}}, "expected\\['quick'\\]"),
    ({"data": ""}, "data must name"),
    ({"source": {"value": 1}}, "source must be a dict"),
])
def test_check_refuses_bad_arguments(kwargs, message):
    arguments = dict(id="acc", value=85.0, unit="%", expected=RANGES, data="MNIST, complete") | kwargs
    with pytest.raises(ValueError, match=message):
        results.check(arguments.pop("id"), arguments.pop("value"), **arguments)


def notebook_with(*entries):
    cells = [nbformat.v4.new_code_cell("", outputs=[nbformat.v4.new_output(
        "display_data", data={"text/plain": "check", results.MIME_TYPE: entry})]) for entry in entries]
    return nbformat.v4.new_notebook(cells=cells)


def entry(id, value=1.0):
    return {key: None for key in results.FIELDS} | {"id": id, "value": value, "unit": "%", "data": "d",
                                                    "profile": "quick"}


def test_entries_must_have_unique_ids():
    with pytest.raises(ValueError, match="repeated: a"):
        results.entries(notebook_with(entry("a"), entry("a", 2.0)))


def test_collect_writes_and_removes_the_chapter_file(tmp_path):
    path = tmp_path / "08_lenet.ipynb"
    nbformat.write(notebook_with(entry("a"), entry("b")), path)
    assert [e["id"] for e in results.collect(path, tmp_path / "results")] == ["a", "b"]
    assert json.loads((tmp_path / "results" / "08_lenet.json").read_text())[1]["id"] == "b"
    nbformat.write(notebook_with(), path)
    results.collect(path, tmp_path / "results")
    assert not (tmp_path / "results" / "08_lenet.json").exists()


def test_page_shows_the_sources_figure(tmp_path):
    stored = [entry("a", 88.4) | {"source": {"value": 75.3, "unit": "%", "cite": "d2l2020lenet", "note": "x"}}]
    (tmp_path / "08_lenet.json").write_text(json.dumps(stored))
    text = results.page(tmp_path, {"08_lenet": "chapters/08_lenet"})
    assert "## {doc}`chapters/08_lenet`" in text
    assert "| <code class=\"cnnbook-result-id\">a</code> | 88.40% | d · – / – |" in text
    assert "| 75.30% {cite:p}`d2l2020lenet` (x) | above, by 13.1 points |" in text
    assert "Profile **quick**" in text


def test_agreement_with_the_source():
    def said(value, **source):
        return results.agreement({"value": value, "unit": "%", "source": {"value": 90.0, "cite": "c"} | source})

    assert said(91.0, spread=2) == "within its spread (90 ± 2)"
    assert said(93.0, spread=2) == "above its spread (90 ± 2)"
    assert said(80.0, range=(85, 95)) == "below its spread (85 to 95)"
    assert said(89.5) == "below, by 0.5 points"
    assert said(90.0) == "the same"
    assert results.agreement({"value": 1.0, "unit": "%", "source": None}) == ""


def test_result_ids_break_only_after_underscores(tmp_path):
    (tmp_path / "07_x.json").write_text(json.dumps([entry("dense_accuracy")]))
    assert "dense_<wbr>accuracy</code>" in results.page(tmp_path)


# The stored book ------------------------------------------------------------------------------------------

CHAPTERS = execute.toc_notebooks(ROOT)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_results_file_matches_the_notebook(path):
    found = results.entries(json.loads(path.read_text()))
    stored = ROOT / execute.RESULTS_DIR / f"{path.stem}.json"
    if not found:
        assert not stored.exists()
        return
    assert json.loads(stored.read_text()) == found


def test_results_page_matches_the_results_files():
    links = execute.chapter_links(ROOT)
    assert links["08_lenet"] == "8. LeNet <chapters/08_lenet>"
    assert (ROOT / execute.RESULTS_PAGE).read_text() == results.page(ROOT / execute.RESULTS_DIR, links) + "\n"
