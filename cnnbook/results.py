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
    entry = {"id": id, "value": float(value), "unit": unit, "spread": None if spread is None else float(spread),
             "seeds": seeds, "claim": claim, "data": described, "real": real, "n_train": n_train, "n_test": n_test, "profile": profile,
             "expected": None if bounds is None else [float(b) for b in bounds],
             "ranges": {name: None if r is None else [float(b) for b in r] for name, r in ranges.items()},
             "chance": None if chance is None else float(chance), "learns": learns,
             "seed_shift": runtime.seed_shift(), "seed": seed, "device": runtime.device_description(),
             "seconds": None if seconds is None else round(float(seconds), 1), "source": source}
    shown = format_value(value, unit)
    line = f"check {id}: {shown}"
    if spread is not None:
        line += f" ± {_number(spread)} over {seeds} seeds"
    judged = real and bounds is not None
    if not real:
        line += f" (not checked: {described} is not real data)"
    elif not ranges:
        line += f" (not checked: no range for {described})"
    elif bounds is None:
        line += f" (recorded, not judged in profile {profile}; {described})"
    else:
        line += f" in [{_number(bounds[0])}, {_number(bounds[1])}] ({profile}, {described})"
    if source:
        line += f"; source: {format_value(source['value'], source.get('unit', unit))}"
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


def difference(id, a, b, *, claim, expected, run=None, unit="points", **details):
    """Check a claim that A differs from B, from their values over several seeds: the mean of A − B.

    A and B are paired by seed (the same seeds, data and budget): the
    differences are taken seed by seed and their standard deviation is the
    spread. The line printed gives the mean difference ± its spread and the
    number of seeds, so the reader sees whether the gap stands out of the noise.

    Parameters
    ----------
    id : str
        The check's name.
    a, b : sequence of float
        The values of A and of B, one per seed, in the same seed order.
    claim : str
        The sentence of the text the check holds.
    expected : dict
        As for :func:`check`: the ranges of the mean difference, which must
        exclude the opposite conclusion.
    run : cnnbook.training.Run or sequence of Run, optional
        Runs whose data and counts the entry records.
    unit : str
        The difference's unit, ``"points"`` for accuracies in percent.
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
    ...                    expected={"smoke": (0.3, 3), "quick": (0.3, 3),
    ...                              "full": (0.3, 3)})
    ... # doctest: +ELLIPSIS
    check a_beats_b: 0.933 points ± 0.153 over 3 seeds in [0.3, 3] (...)
      holds: A beats B
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.ndim != 1 or a.shape != b.shape or len(a) < 2:
        raise ValueError(f"a and b must hold one value per seed, as many each and at least two; "
                         f"got {len(a)} and {len(b)}")
    spread = float(np.std(a - b, ddof=1))
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


def format_value(value, unit=""):
    """Return a value as the ledger shows it: ``"97.09%"``, ``"2.5 s"``, ``"3"``.

    Examples
    --------
    >>> format_value(97.0942, "%"), format_value(2.5, "s"), format_value(3.0)
    ('97.09%', '2.50 s', '3')
    """
    return f"{_number(value)}{_space(unit)}{unit}"
