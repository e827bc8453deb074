"""The results ledger: every result the text relies on, recorded where it is computed and checked.

A chapter calls :func:`check` in the cell that computes a result (an
accuracy, a time, a speed-up). The call prints one line, the check the reader
sees, and raises ``AssertionError`` when the value leaves the range expected
for the active profile, so that ``pytest --nbval`` fails when a result
regresses. Results computed on data that is not real (a synthetic stand-in,
random weights; :attr:`cnnbook.runtime.DataSource.real`) are recorded but not
checked: no range means anything there. A check may carry the ``claim`` of the
text it holds (a comparison: X beats Y), and an accuracy its ``chance`` level,
which every range of a model that learns must exceed. When
``CNNBOOK_RESULTS_LOG`` names a file, each entry is also appended to it as a
line of JSON, so that runs which store nothing (``pytest --nbval`` under other
seeds) leave their values for ``scripts/seed_spread.py``.

Each check also leaves a machine-readable copy of its entry in the cell's
output (MIME type :data:`MIME_TYPE`). The execute command collects them into
``results/<chapter>.json`` and writes the book's Results page from those files
(:func:`collect`, :func:`write_page`).
"""

import json
import math
import numbers
import os
import pathlib

import numpy as np

from cnnbook import runtime

MIME_TYPE = "application/vnd.cnnbook.result+json"
#: The keys of one entry, in the order they are written.
FIELDS = ("id", "value", "unit", "spread", "seeds", "claim", "data", "real", "n_train", "n_test", "profile",
          "expected", "ranges", "chance", "learns", "seed_shift", "seed", "device", "seconds", "source")


def check(id, value=None, *, run=None, unit=None, expected, data=None, n_train=None, n_test=None,
          seconds=None, chance=None, learns=True, claim=None, source=None, spread=None, seeds=None):
    """Record a result and check it against the range expected for the active profile.

    Parameters
    ----------
    id : str
        A name unique within the chapter, e.g. ``"lenet_d2l_accuracy"``.
    value : float, optional
        The result, in ``unit``. Without it, the test accuracy of ``run``.
    run : cnnbook.training.Run or sequence of Run, optional
        The run(s) the result comes from: the data, the image counts, the
        seconds, the seed and (for its own accuracy) the chance level are read
        from it. Arguments given explicitly take precedence.
    unit : str, optional
        ``"%"``, ``"points"``, ``"s"``, ``"x"`` (a ratio), ...; ``"%"`` when the
        value is a run's accuracy.
    expected : dict
        ``{"smoke": range, "quick": range, "full": range}``, each range a closed
        ``(low, high)`` the result must fall in on real data, or None where the
        profile is too small to show the result (it is then recorded, not judged).
        Where the range depends on the data, a dict of such dicts keyed by the
        data's description (``"MNIST, 10,000-digit sample"``).
    data : cnnbook.runtime.DataSource or sequence of them, optional
        Where the data came from (:func:`cnnbook.runtime.data_source`); from
        ``run`` when omitted. A result on data that is not real (a stand-in,
        random weights) is recorded but never judged.
    n_train, n_test : int, optional
        Images used for training and for measuring.
    seconds : float, optional
        Wall time of the experiment.
    chance : float, optional
        The value of a model that learned nothing (10 for the accuracy of a
        10-class classifier). When ``learns`` is true, every profile's range
        must lie above it, so that no check passes a model that did not learn.
    learns : bool
        False for a model the text shows failing to learn (its range may then
        include chance).
    claim : str, optional
        The sentence of the text this check holds, e.g. ``"the convnet makes
        fewer errors than the dense net"``; the range must exclude its opposite.
    source : dict, optional
        The source article's figure for the same experiment: ``value``,
        ``unit``, ``cite`` (a BibTeX key of the book) and ``note`` (its data and
        setting, in words).
    spread, seeds : float and int, optional
        For a mean over several seeds: the standard deviation over them, and
        how many there were (:func:`difference` fills both).

    Returns
    -------
    dict
        The recorded entry.

    Raises
    ------
    AssertionError
        If the value is outside the expected range and the data is real.

    Examples
    --------
    >>> from cnnbook.runtime import DataSource
    >>> mnist = DataSource("mnist", "MNIST, complete", real=True)
    >>> entry = check("demo", 97.5, unit="%", data=mnist, chance=10,
    ...               expected={"smoke": (90, 100), "quick": (90, 100), "full": (90, 100)})
    ... # doctest: +ELLIPSIS
    check demo: 97.50% in [90, 100] (..., MNIST, complete)
    >>> entry["value"], entry["data"], entry["real"]
    (97.5, 'MNIST, complete', True)
    """
    runs = [] if run is None else list(run) if isinstance(run, (list, tuple)) else [run]
    if value is None:
        if len(runs) != 1:
            raise ValueError(f"check {id!r}: give a value, or exactly one run whose accuracy is the value")
        value, unit = runs[0].accuracy, "%" if unit is None else unit
        chance = runs[0].chance if chance is None else chance
    if data is None:
        data = [r.data for r in runs]
    sources = list(data) if isinstance(data, (list, tuple)) else [data]
    sources = [s for i, s in enumerate(sources) if s not in sources[:i]]

    def shared(name, given):
        values = {getattr(r, name) for r in runs}
        return given if given is not None or len(values) != 1 else values.pop()

    n_train, n_test, seconds = shared("n_train", n_train), shared("n_test", n_test), shared("seconds", seconds)
    seed = shared("seed", None)
    _validate(id, value, unit, sources, chance, learns, claim, source)
    described = "; ".join(s.description for s in sources)
    ranges = expected.get(described, {}) if set(expected) - set(runtime.PROFILES) else expected
    _validate_ranges(id, ranges, chance, learns)
    profile = runtime.profile()
    bounds = ranges.get(profile)
    real = all(s.real for s in sources)
    entry = {"id": id, "value": float(value), "unit": unit,
             "spread": None if spread is None else float(spread), "seeds": seeds, "claim": claim, "data": described, "real": real,
             "n_train": n_train, "n_test": n_test, "profile": profile,
             "expected": None if bounds is None else [float(b) for b in bounds],
             "ranges": {name: None if r is None else [float(b) for b in r] for name, r in ranges.items()},
             "chance": None if chance is None else float(chance), "learns": learns,
             "seed_shift": runtime.seed_shift(), "seed": seed, "device": runtime.device_description(),
             "seconds": None if seconds is None else round(float(seconds), 1), "source": source}
    shown = f"{_number(value)}{_space(unit)}{unit}"
    line = f"check {id}: {shown}"
    if spread is not None:
        line += f" ± {_number(spread)} over {seeds} seeds"
    judged = real and bounds is not None
    if not real:
        line += f" (not checked: {described} is not real data)"
    elif not ranges:
        line += f" (not checked: no range for {described})"
    elif bounds is None:
        line += f" (not judged in profile {profile}, too small to show it; {described})"
    else:
        line += f" in [{_number(bounds[0])}, {_number(bounds[1])}] ({profile}, {described})"
    if source:
        line += f"; source: {_number(source['value'])}{_space(source.get('unit', unit))}{source.get('unit', unit)}"
    if claim:
        line += f"\n  holds: {claim}"
    runtime.display_record(line, MIME_TYPE, entry)
    if os.environ.get("CNNBOOK_RESULTS_LOG"):
        # Runs that store nothing (pytest --nbval under other seeds) still leave their values for
        # scripts/seed_spread.py.
        with open(os.environ["CNNBOOK_RESULTS_LOG"], "a") as log:
            log.write(json.dumps(entry, ensure_ascii=False) + "\n")
    if judged and not bounds[0] <= value <= bounds[1]:
        raise AssertionError(f"{id} = {shown} is outside the range expected for profile {profile} on "
                             f"{described}: [{_number(bounds[0])}, {_number(bounds[1])}]"
                             + (f"; the claim \"{claim}\" does not hold" if claim else ""))
    return entry


def difference(id, a, b, *, claim, expected, run=None, unit="points", paired=True, **details):
    """Check a claim that A differs from B, from their values over several seeds: the mean of A − B.

    With ``paired`` (the same seeds, data and budget for A and B), the
    differences are taken seed by seed and their standard deviation is the
    spread; otherwise the spread is that of the two means' difference. The
    line printed gives the mean difference ± its spread and the number of
    seeds, so the reader sees whether the gap stands out of the noise.

    Parameters
    ----------
    id : str
        The check's name.
    a, b : sequence of float
        The values of A and of B, one per seed (in the same seed order when paired).
    claim : str
        The sentence of the text the check holds.
    expected : dict
        As for :func:`check`: the ranges of the mean difference, which must
        exclude the opposite conclusion.
    run : cnnbook.training.Run or sequence of Run, optional
        Runs whose data and counts the entry records.
    unit : str
        The difference's unit, ``"points"`` for accuracies in percent.
    paired : bool
        Whether ``a[i]`` and ``b[i]`` share seed ``i``.
    **details
        Passed to :func:`check` (``data``, ``n_train``, ``n_test``, ``source``).

    Returns
    -------
    dict
        The recorded entry; ``spread`` is the standard deviation of the difference.

    Examples
    --------
    >>> from cnnbook.runtime import DataSource
    >>> data = DataSource("fashion_mnist", "Fashion-MNIST, complete", real=True)
    >>> entry = difference("a_beats_b", [90.1, 90.4, 90.0], [89.0, 89.6, 89.1],
    ...                    claim="A beats B", data=data,
    ...                    expected={"smoke": None, "quick": (0.3, 3), "full": (0.3, 3)})
    ... # doctest: +ELLIPSIS
    check a_beats_b: 0.933 points ± 0.153 over 3 seeds in [0.3, 3] (...)
      holds: A beats B
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.ndim != 1 or len(a) < 2 or (paired and a.shape != b.shape) or len(b) < 2:
        raise ValueError(f"a and b must hold a value per seed, at least two each (and as many when paired); "
                         f"got {len(a)} and {len(b)}")
    if paired:
        spread = float(np.std(a - b, ddof=1))
    else:
        spread = float(np.sqrt(np.var(a, ddof=1) / len(a) + np.var(b, ddof=1) / len(b)) * np.sqrt(len(a)))
    return check(id, float(a.mean() - b.mean()), unit=unit, expected=expected, run=run, claim=claim,
                 spread=spread, seeds=len(a), **details)


def _validate(id, value, unit, sources, chance, learns, claim, source):
    if not isinstance(id, str) or not id or not id.replace("_", "").replace("-", "").isalnum():
        raise ValueError(f"id must be a non-empty name of letters, digits, '_' and '-', got {id!r}")
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"value must be a finite real number, got {value!r}")
    if not isinstance(unit, str):
        raise ValueError(f"unit must be a string, got {unit!r}")
    if not sources or not all(isinstance(s, runtime.DataSource) for s in sources):
        raise ValueError(f"data must be a cnnbook.runtime.DataSource (runtime.data_source(name)) or a list of "
                         f"them, or come from run; got {sources!r}")
    if chance is not None and (isinstance(chance, bool) or not isinstance(chance, numbers.Real)):
        raise ValueError(f"chance must be a real number, got {chance!r}")
    if not isinstance(learns, bool):
        raise ValueError(f"learns must be True or False, got {learns!r}")
    if claim is not None and (not isinstance(claim, str) or not claim.strip()):
        raise ValueError(f"claim must be the sentence the check holds, got {claim!r}")
    if source is not None and not (isinstance(source, dict) and "value" in source and "cite" in source):
        raise ValueError(f"source must be a dict with at least 'value' and 'cite', got {source!r}")


def _validate_ranges(id, ranges, chance, learns):
    if not ranges:
        return
    if not isinstance(ranges, dict) or set(ranges) != set(runtime.PROFILES):
        raise ValueError(f"expected must give a (low, high) range or None for each of "
                         f"{', '.join(runtime.PROFILES)} (or such a dict per data description), got {ranges!r}")
    for name, bounds in ranges.items():
        if bounds is None:
            continue
        if len(bounds) != 2 or not bounds[0] <= bounds[1]:
            raise ValueError(f"expected[{name!r}] must be (low, high) with low <= high, got {bounds!r}")
        if chance is not None and learns and bounds[0] <= chance:
            raise ValueError(f"check {id!r}: expected[{name!r}] = {tuple(bounds)} reaches chance ({chance:g}), "
                             f"so a model that learned nothing would pass; raise its floor above chance, "
                             f"or say learns=False for a model the text shows failing")


def _space(unit):
    return "" if unit in ("%", "x", "") else " "


def _number(value):
    value = float(value)
    if value == int(value) and abs(value) < 1e6:
        return str(int(value))
    return f"{value:.2f}" if abs(value) >= 1 else f"{value:.3g}"


def entries(notebook):
    """Return the result entries stored in a notebook's outputs, in cell order.

    Parameters
    ----------
    notebook : dict or nbformat.NotebookNode
        A notebook as read by ``nbformat`` or ``json``.
    """
    found = []
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []) if cell["cell_type"] == "code" else []:
            entry = output.get("data", {}).get(MIME_TYPE)
            if entry is not None:
                found.append({key: entry.get(key) for key in FIELDS})
    ids = [entry["id"] for entry in found]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise ValueError(f"result ids must be unique within a chapter; repeated: {', '.join(repeated)}")
    return found


def collect(notebook_path, results_dir):
    """Write ``results_dir/<notebook stem>.json`` from a notebook's stored checks; remove it if there are none.

    Returns
    -------
    list of dict
        The entries written.
    """
    notebook = json.loads(pathlib.Path(notebook_path).read_text())
    found = entries(notebook)
    target = pathlib.Path(results_dir) / (pathlib.Path(notebook_path).stem + ".json")
    if found:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(found, indent=1, ensure_ascii=False) + "\n")
    elif target.exists():
        target.unlink()
    return found


def agreement(entry):
    """Say how a result stands against its source's figure: within, above or below.

    Within the source's spread when the source gives one (``range``: (low, high), or
    ``spread``: a half-width around its value); otherwise above or below its single
    figure, by how much. Returns ``""`` for an entry without a source.

    Examples
    --------
    >>> agreement({"value": 97.0, "unit": "%", "source": {"value": 99.2, "cite": "c"}})
    'below, by 2.2 points'
    >>> agreement({"value": 88.5, "unit": "%", "source": {"value": 88.2, "spread": 0.5, "cite": "c"}})
    'within its spread (88.2 ± 0.5)'
    """
    source = entry.get("source")
    if not source:
        return ""
    value, theirs = float(entry["value"]), float(source["value"])
    if source.get("range") is not None or source.get("spread") is not None:
        if source.get("range") is not None:
            low, high = (float(v) for v in source["range"])
            shown = f"{low:g} to {high:g}"
        else:
            low, high = theirs - float(source["spread"]), theirs + float(source["spread"])
            shown = f"{theirs:g} ± {float(source['spread']):g}"
        if low <= value <= high:
            return f"within its spread ({shown})"
        return f"{'above' if value > high else 'below'} its spread ({shown})"
    if value == theirs:
        return "the same"
    unit = source.get("unit", entry["unit"])
    unit = " points" if unit == "%" else _space(unit) + unit
    return f"{'above' if value > theirs else 'below'}, by {abs(value - theirs):.1f}{unit}"


def _result_id(name):
    """An id that may break after its underscores only, never inside a word."""
    return '<code class="cnnbook-result-id">' + "_<wbr>".join(name.split("_")) + "</code>"


def page(results_dir, titles=None):
    """Return the Markdown of the book's Results page, made from the ``*.json`` files in ``results_dir``.

    One table per chapter, headed by the profile its results were computed with. Each
    row gives the result, the data and sizes it came from, and, where the chapter quotes
    one, the source's figure for the same experiment with the source's own setting (and
    what differs, when the source entry says so), and whether ours agrees with it
    (:func:`agreement`). On a phone each row reads as a card (``_static/cnnbook.css``).

    Parameters
    ----------
    results_dir : path-like
        The folder of ``<chapter>.json`` files.
    titles : dict, optional
        Chapter stem -> the chapter's document name for a link, e.g.
        ``{"08_lenet": "chapters/08_lenet"}``.
    """
    titles = titles or {}
    lines = [
        "# Results",
        "",
        "Every result the chapters rely on, as their stored outputs computed and checked it. Each row was "
        "recorded by `cnnbook.results.check` in the cell that computed it; the execute command wrote this page "
        "from `results/*.json`, and a test fails if this page and the notebooks disagree.",
        "",
        "Where a chapter reproduces an experiment of a source, the source's figure stands beside ours with the "
        "source's own setting, and what differs between the two runs when anything does; *agrees?* says "
        "whether our figure is within the source's spread (where it gives one), or above or below its figure "
        "and by how much. Each chapter says the profile its results were computed with "
        "(`full`: the sources' settings; `quick`: smaller settings for a 2-core CPU; see the README). "
        "A result that holds a comparison the text draws says so under its name (*holds: ...*): its "
        "range excludes the opposite conclusion.",
        "",
    ]
    for path in sorted(pathlib.Path(results_dir).glob("*.json")):
        stored = json.loads(path.read_text())
        document = titles.get(path.stem)
        lines.append(f"## {{doc}}`{document}`" if document else f"## {path.stem}")
        profiles = sorted({entry["profile"] for entry in stored})
        devices = sorted({entry["device"] for entry in stored if entry.get("device")})
        lines += ["", f"Profile **{', '.join(profiles)}**" + (f", on {'; '.join(devices)}" if devices else "")
                  + f"; {len(stored)} result{'s' if len(stored) != 1 else ''}.", ""]
        lines += ["| result | value | data · train / test · seconds | source's figure (its setting) | agrees? |",
                  "|---|---|---|---|---|"]
        for entry in stored:
            value = f"{_number(entry['value'])}{_space(entry['unit'])}{entry['unit']}"
            if entry.get("spread") is not None:
                value += f" ± {_number(entry['spread'])} ({entry['seeds']} seeds)"
            sizes = " / ".join("–" if n is None else f"{n:,}" for n in (entry["n_train"], entry["n_test"]))
            seconds = "" if entry["seconds"] is None else f" · {entry['seconds']:.1f}\u00a0s"  # no break before "s"
            source = entry.get("source")
            if source:
                unit = source.get("unit", entry["unit"])
                note = f" ({source['note']})" if source.get("note") else ""
                differs = f"; differs: {source['differs']}" if source.get("differs") else ""
                quoted = f"{_number(source['value'])}{_space(unit)}{unit} {{cite:p}}`{source['cite']}`{note}{differs}"
            else:
                quoted = "–"
            claim = f"<br>*holds: {entry['claim']}*" if entry.get("claim") else ""
            lines.append(f"| {_result_id(entry['id'])}{claim} | {value} | {entry['data']} · {sizes}{seconds} "
                         f"| {quoted} | {agreement(entry) or '–'} |")
        lines.append("")
    lines.append(gpu_section(pathlib.Path(results_dir) / "gpu"))
    return "\n".join(lines)


#: The format of the files ``benchmarks/gpu_book_run.py`` writes, one per device, in ``results/gpu/``.
GPU_RUN_FORMAT = "cnnbook-gpu-run/1"


def gpu_section(folder):
    """Return the Markdown of the Results page's GPU section, from the files ``benchmarks/gpu_book_run.py`` wrote.

    One table per GPU: for each net and Keras backend, the images per second of
    training after warm-up, the seconds per epoch, the epochs the run's budget
    allowed and the test accuracy after them. Files of another format, and runs
    on a CPU, are left out. Without any GPU file the section says that the GPU
    figures were not obtained.

    Parameters
    ----------
    folder : path-like
        The folder of ``<device>.json`` files (``results/gpu``); it need not exist.

    Returns
    -------
    str

    Examples
    --------
    >>> print(gpu_section("no-such-folder").splitlines()[2])  # doctest: +ELLIPSIS
    GPU figures: **not obtained**. ...
    """
    folder = pathlib.Path(folder)
    runs = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            stored = json.loads(path.read_text())
        except ValueError as error:
            raise ValueError(f"{path} is not valid JSON ({error}); run benchmarks/gpu_book_run.py again") from error
        if isinstance(stored, dict) and stored.get("format") == GPU_RUN_FORMAT \
                and str(stored.get("device", "")).startswith("GPU"):
            runs.append(stored)
    lines = ["## On a GPU", ""]
    if not runs:
        lines.append("GPU figures: **not obtained**. The command that measures them, `benchmarks/gpu_book_run.py` "
                     "(README, \"Running the book on a GPU\"), is ready; no GPU machine has run it for this edition.")
        return "\n".join(lines) + "\n"
    lines += ["The training nets of chapters 7, 8, 10 and 11 at their `full` sizes, each for a fixed budget "
              "(`benchmarks/gpu_book_run.py`): images per second of training after warm-up, seconds per epoch "
              "(\\* extrapolated from images per second where the time cap came before a whole epoch), and test "
              "accuracy after the epochs run.", ""]
    for stored in runs:
        lines += [f"### {stored['device']}", "", f"Run started {stored.get('run_id', '–')}.", "",
                  "| net | chapter | backend | px | precision | images/s | s/epoch | epochs run (chapter's) "
                  "| test accuracy | data |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for row in stored.get("rows", []):
            head = f"| {row['title']} | {row['chapter']} | {row.get('backend_version', row['backend'])} " \
                   f"| {row['image_px']} | {row.get('precision', '–')} "
            if row.get("status") != "ok":
                lines.append(head + f"| {row.get('status', 'not run')} | | | | |")
                continue
            mark = "\\*" if row["epoch_s_how"] == "extrapolated" else ""
            lines.append(head + f"| {row['images_per_s']:,.0f} | {row['epoch_s']:.3g}{mark} "
                         f"| {row['epochs_run']:.2f} ({row['chapter_epochs']}) | {row['test_accuracy']:.1f}% "
                         f"| {row['data']} |")
        lines.append("")
    return "\n".join(lines)
