"""The book's Results page, written from the checks the chapters' stored outputs hold.

The execute command (:mod:`book.execute`) collects each chapter's result
entries (:data:`cnnbook.results.MIME_TYPE`) into ``results/<chapter>.json``
(:func:`collect`) and rewrites ``results.md`` from those files (:func:`page`),
with the GPU run's figures (:func:`gpu_section`) at its end.
"""

import json
import pathlib

from cnnbook.results import FIELDS, MIME_TYPE, format_value


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
    unit = " points" if unit == "%" else format_value(0, unit).removeprefix("0")
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
            value = format_value(entry["value"], entry["unit"])
            if entry.get("spread") is not None:
                value += f" ± {format_value(entry['spread'])} ({entry['seeds']} seeds)"
            sizes = " / ".join("–" if n is None else f"{n:,}" for n in (entry["n_train"], entry["n_test"]))
            seconds = "" if entry["seconds"] is None else f" · {entry['seconds']:.1f}\u00a0s"  # no break before "s"
            source = entry.get("source")
            if source:
                unit = source.get("unit", entry["unit"])
                note = f" ({source['note']})" if source.get("note") else ""
                differs = f"; differs: {source['differs']}" if source.get("differs") else ""
                quoted = f"{format_value(source['value'], unit)} {{cite:p}}`{source['cite']}`{note}{differs}"
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
