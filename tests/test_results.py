"""Tests of the results ledger, and of the stored results against the notebooks and the Results page."""

import json
import pathlib

import nbformat
import pytest

from book import execute, results_page
from cnnbook import results, runtime

ROOT = pathlib.Path(__file__).resolve().parent.parent
RANGES = {"smoke": (20, 60), "quick": (80, 95), "full": (85, 95)}


@pytest.fixture(autouse=True)
def profile_quick(monkeypatch):
    monkeypatch.setenv("CNNBOOK_PROFILE", "quick")
    monkeypatch.setattr(runtime, "gpu_names", lambda: [])
    runtime.profile.cache_clear()
    yield
    runtime.profile.cache_clear()


FASHION = runtime.DataSource("fashion_mnist", "Fashion-MNIST, complete", real=True)
STAND_IN = runtime.DataSource("fashion_mnist", "Fashion-MNIST STAND-IN (synthetic shapes)", real=False)


def test_check_prints_one_line_and_returns_the_entry(capsys):
    entry = results.check("lenet_accuracy", 88.36, unit="%", expected=RANGES, data=FASHION,
                          n_train=60_000, n_test=10_000, seconds=35.31, chance=10,
                          source={"value": 75.27, "unit": "%", "cite": "d2l2020lenet", "note": "TF2 log"})
    assert capsys.readouterr().out == ("check lenet_accuracy: 88.36% in [80, 95] (quick, Fashion-MNIST, complete); "
                                       "source: 75.27%\n")
    assert list(entry) == list(results.FIELDS)
    assert entry["profile"] == "quick" and entry["seconds"] == 35.3 and entry["device"].startswith("CPU")
    assert entry["expected"] == [80, 95] and entry["ranges"]["smoke"] == [20, 60] and entry["real"]


@pytest.mark.parametrize("value", [10.0, 79.99, 95.01])
def test_check_fails_outside_the_profiles_range(value):
    with pytest.raises(AssertionError, match="outside the range expected for profile quick"):
        results.check("acc", value, unit="%", expected=RANGES, data=FASHION)


def test_a_failing_claim_is_named_in_the_error():
    with pytest.raises(AssertionError, match='the claim "A beats B" does not hold'):
        results.check("a_minus_b", -1.0, unit="points", claim="A beats B", data=FASHION,
                      expected={"smoke": None, "quick": (0.5, 5), "full": (0.5, 5)})


def test_a_claim_is_recorded_and_shown(capsys):
    entry = results.check("a_minus_b", 2.0, unit="points", claim="A beats B", data=FASHION,
                          expected={"smoke": None, "quick": (0.5, 5), "full": (0.5, 5)})
    assert entry["claim"] == "A beats B" and "holds: A beats B" in capsys.readouterr().out


def test_a_profile_without_a_range_records_but_does_not_judge(capsys, monkeypatch):
    monkeypatch.setenv("CNNBOOK_PROFILE", "smoke")
    runtime.profile.cache_clear()
    entry = results.check("a_minus_b", -30.0, unit="points", data=FASHION,
                          expected={"smoke": None, "quick": (0.5, 5), "full": (0.5, 5)})
    assert entry["expected"] is None and "not judged in profile smoke" in capsys.readouterr().out


def test_check_does_not_judge_data_that_is_not_real(capsys):
    entry = results.check("acc", 100.0, unit="%", expected=RANGES, data=STAND_IN)
    assert "not checked: Fashion-MNIST STAND-IN (synthetic shapes) is not real data" in capsys.readouterr().out
    assert entry["real"] is False


def test_random_weights_are_recognised_by_the_flag_not_by_a_phrase(capsys):
    # The words say nothing of a stand-in: only the flag does.
    weights = runtime.DataSource("MobileNetV2", "MobileNetV2, offline", real=False)
    entry = results.check("gain", 99.0, unit="points", expected=RANGES, data=[FASHION, weights])
    assert entry["real"] is False and "not checked" in capsys.readouterr().out


def test_ranges_keyed_by_data_pick_the_loaded_data():
    sample = runtime.DataSource("mnist", "MNIST, 10,000-digit sample", real=True)
    keyed = {"MNIST, 10,000-digit sample": RANGES,
             "MNIST, complete": {"smoke": (90, 99), "quick": (97, 99.5), "full": (98, 99.5)}}
    assert results.check("acc", 85.0, unit="%", expected=keyed, data=sample)["expected"] == [80, 95]
    with pytest.raises(AssertionError):
        results.check("acc", 85.0, unit="%", expected=keyed,
                      data=runtime.DataSource("mnist", "MNIST, complete", real=True))


def test_a_range_that_reaches_chance_is_refused_for_a_model_that_learns():
    with pytest.raises(ValueError, match="reaches chance"):
        results.check("acc", 85.0, unit="%", expected=RANGES, data=FASHION, chance=20)
    # Said to fail on purpose (the sigmoid AlexNet): allowed, and recorded so.
    entry = results.check("acc", 85.0, unit="%", expected=RANGES, data=FASHION, chance=20, learns=False)
    assert entry["learns"] is False


class FakeRun:
    accuracy, chance, n_train, n_test, seconds, seed = 88.0, 10.0, 600, 100, 3.0, 0
    data = FASHION


def test_a_run_gives_value_counts_time_data_and_chance():
    entry = results.check("acc", run=FakeRun(), expected=RANGES)
    assert (entry["value"], entry["unit"], entry["n_train"], entry["n_test"], entry["seconds"],
            entry["chance"], entry["data"]) == (88.0, "%", 600, 100, 3.0, 10.0, "Fashion-MNIST, complete")


def test_a_value_from_two_runs_takes_their_shared_counts():
    entry = results.check("gap", 1.5, unit="points", run=[FakeRun(), FakeRun()],
                          expected={"smoke": None, "quick": (0.5, 3), "full": (0.5, 3)})
    assert entry["n_train"] == 600 and entry["chance"] is None and entry["seconds"] == 3.0


@pytest.mark.parametrize("kwargs, message", [
    ({"id": "two words"}, "id must be"),
    ({"value": float("nan")}, "value must be a finite"),
    ({"value": True}, "value must be a finite"),
    ({"expected": {"quick": (1, 2)}}, "expected must give a \\(low, high\\) range or None for each of smoke"),
    ({"expected": {"smoke": (1, 2), "quick": (3, 1), "full": (1, 2)}}, "expected\\['quick'\\]"),
    ({"data": "MNIST, complete"}, "data must be a cnnbook.runtime.DataSource"),
    ({"source": {"value": 1}}, "source must be a dict"),
    ({"claim": " "}, "claim must be"),
    ({"learns": "yes"}, "learns must be"),
])
def test_check_refuses_bad_arguments(kwargs, message):
    arguments = dict(id="acc", value=85.0, unit="%", expected=RANGES, data=FASHION) | kwargs
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
        results_page.entries(notebook_with(entry("a"), entry("a", 2.0)))


def test_collect_writes_and_removes_the_chapter_file(tmp_path):
    path = tmp_path / "08_lenet.ipynb"
    nbformat.write(notebook_with(entry("a"), entry("b")), path)
    assert [e["id"] for e in results_page.collect(path, tmp_path / "results")] == ["a", "b"]
    assert json.loads((tmp_path / "results" / "08_lenet.json").read_text())[1]["id"] == "b"
    nbformat.write(notebook_with(), path)
    results_page.collect(path, tmp_path / "results")
    assert not (tmp_path / "results" / "08_lenet.json").exists()


def test_page_shows_the_sources_figure(tmp_path):
    stored = [entry("a", 88.4) | {"source": {"value": 75.3, "unit": "%", "cite": "d2l2020lenet", "note": "x"}}]
    (tmp_path / "08_lenet.json").write_text(json.dumps(stored))
    text = results_page.page(tmp_path, {"08_lenet": "chapters/08_lenet"})
    assert "## {doc}`chapters/08_lenet`" in text
    assert "| <code class=\"cnnbook-result-id\">a</code> | 88.40% | d · – / – |" in text
    assert "| 75.30% {cite:p}`d2l2020lenet` (x) | above, by 13.1 points |" in text
    assert "Profile **quick**" in text


def test_agreement_with_the_source():
    def said(value, **source):
        return results_page.agreement({"value": value, "unit": "%", "source": {"value": 90.0, "cite": "c"} | source})

    assert said(91.0, spread=2) == "within its spread (90 ± 2)"
    assert said(93.0, spread=2) == "above its spread (90 ± 2)"
    assert said(80.0, range=(85, 95)) == "below its spread (85 to 95)"
    assert said(89.5) == "below, by 0.5 points"
    assert said(90.0) == "the same"
    assert results_page.agreement({"value": 1.0, "unit": "%", "source": None}) == ""


def test_result_ids_break_only_after_underscores(tmp_path):
    (tmp_path / "07_x.json").write_text(json.dumps([entry("dense_accuracy")]))
    assert "dense_<wbr>accuracy</code>" in results_page.page(tmp_path)


# The stored book ------------------------------------------------------------------------------------------

CHAPTERS = execute.toc_notebooks(ROOT)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_results_file_matches_the_notebook(path):
    found = results_page.entries(json.loads(path.read_text()))
    stored = ROOT / execute.RESULTS_DIR / f"{path.stem}.json"
    if not found:
        assert not stored.exists()
        return
    assert json.loads(stored.read_text()) == found


def test_results_page_matches_the_results_files():
    links = execute.chapter_links(ROOT)
    assert links["08_lenet"] == "8. LeNet <chapters/08_lenet>"
    assert (ROOT / execute.RESULTS_PAGE).read_text() == results_page.page(ROOT / execute.RESULTS_DIR, links) + "\n"


def stored_entries():
    for path in sorted((ROOT / execute.RESULTS_DIR).glob("*.json")):
        for stored in json.loads(path.read_text()):
            yield path.stem, stored


def test_stored_results_are_judged_on_real_data_with_ranges():
    for chapter, stored in stored_entries():
        assert stored.get("real") is True, f"{chapter} {stored['id']}: not made on real data ({stored['data']})"
        assert stored.get("ranges"), f"{chapter} {stored['id']}: no ranges recorded; re-execute the chapter"
        assert stored.get("seed_shift") == 0, f"{chapter} {stored['id']}: made with CNNBOOK_SEED set"


def test_every_accuracy_check_says_its_chance_level():
    missing = [f"{chapter} {e['id']}" for chapter, e in stored_entries()
               if e["unit"] == "%" and e["id"].endswith("accuracy") and e.get("chance") is None]
    assert not missing, "accuracy checks without chance=: " + ", ".join(missing)


def test_no_range_of_a_model_that_learns_reaches_chance():
    # A range from chance to near-perfect checks nothing; only a model the text shows failing may reach chance.
    reaching = [f"{chapter} {e['id']} {name} {bounds}" for chapter, e in stored_entries()
                if e.get("chance") is not None and e.get("learns", True)
                for name, bounds in (e.get("ranges") or {}).items()
                if bounds is not None and bounds[0] <= e["chance"]]
    assert not reaching, "ranges that a model that learned nothing would pass: " + "; ".join(reaching)


def test_a_results_log_keeps_every_entry(tmp_path, monkeypatch):
    log = tmp_path / "seed1.jsonl"
    monkeypatch.setenv("CNNBOOK_RESULTS_LOG", str(log))
    results.check("acc", 85.0, unit="%", expected=RANGES, data=FASHION)
    results.check("acc2", 86.0, unit="%", expected=RANGES, data=FASHION)
    assert [json.loads(line)["id"] for line in log.read_text().splitlines()] == ["acc", "acc2"]
