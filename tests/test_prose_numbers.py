"""Numbers in the chapters' prose cannot drift from the outputs that made them.

A result-like number in a markdown cell (a decimal such as 90.5, a percentage,
seconds, a ratio such as 2.3×) must be one of: printed by an output of the same
chapter (after rounding to the digits the prose shows), a setting written in
the chapter's code, or quoted from a cited work (a ``{cite...}`` role in the same
sentence). Math, code spans and links are not prose, and exercises, which
propose settings rather than report results, are left out. The test runs on the
stored notebooks and names chapter, cell and number where they disagree.
"""

import math
import pathlib
import re

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
# The chapters and their worked solutions (solutions/), which report results as the chapters do.
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb")) + sorted((ROOT / "solutions").glob("*.ipynb"))

NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
# A decimal, or any number followed by %, "percent", "points", "s" (seconds) or a times sign.
RESULT = re.compile(rf"(?<![\w.,])(?:(?P<dec>\d+\.\d+)(?![\w.]*\d)|(?P<num>{NUMBER})\s?"
                    rf"(?=%|\s?percent\b|\s?points?\b|\s(?:s|seconds|ms)\b|\s?[×x]\b))")
NOT_PROSE = [re.compile(p, re.S) for p in (
    r"\$\$.*?\$\$", r"\$[^$\n]+\$", r"```.*?```", r"`[^`\n]*`", r"\]\([^)]*\)", r"<[^>]+>",
    r"\{[a-z:]+\}`[^`]*`", r"https?://\S+", r"\b[Ee]xercises? \d+\.\d+")]  # "exercise 5.3" names one
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z*(\[])|\n\s*\n|\n[-*] |\n\d+\. ")


def _prose_sentences(markdown):
    """Sentences of a markdown cell with math, code and links blanked, each with its raw text."""
    for raw in SENTENCE_END.split(markdown):
        text = raw
        for pattern in NOT_PROSE:
            text = pattern.sub(" ", text)
        yield raw, text


def _numbers_in(text):
    return [float(n.replace(",", "")) for n in re.findall(rf"-?(?:{NUMBER})", text)]


def _output_numbers(notebook):
    found = set()
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            texts = [output.get("text", "")]
            for mime, value in output.get("data", {}).items():
                if mime.startswith("text/") and mime != "text/html" or mime.endswith("json"):
                    texts.append(value if isinstance(value, str) else repr(value))
                if mime == "text/html":
                    texts.append(re.sub(r"<[^>]+>", " ", value))
            for text in texts:
                found.update(_numbers_in("".join(text)))
    return found


def _code_numbers(notebook):
    return {n for cell in notebook.cells if cell.cell_type == "code" for n in _numbers_in(cell.source)}


def _shown_as(value, digits):
    return f"{value:.{digits}f}"


def _printed(number_text, candidates):
    """True when some candidate, rounded to the prose's digits, reads as the prose's number."""
    clean = number_text.replace(",", "")
    digits = len(clean.split(".")[1]) if "." in clean else 0
    target = float(clean)
    for value in candidates:
        for scaled in (value, 100 * value):  # accuracies printed as fractions
            if math.isclose(abs(scaled), target, abs_tol=0.5 * 10**-digits + 1e-9) and \
                    _shown_as(abs(scaled), digits) == _shown_as(target, digits):
                return True
    return False


def stray_numbers(notebook):
    """(cell index, number, sentence) for each result-like prose number found nowhere it may come from."""
    printed, written = _output_numbers(notebook), _code_numbers(notebook)
    stray, exercises = [], False
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "markdown":
            continue
        heading = re.match(r"#{1,2} (.*)", cell.source)
        if heading:
            exercises = heading.group(1).strip().startswith("Exercises")
        if exercises:  # exercises propose settings to try; they report no results
            continue
        for raw, text in _prose_sentences(cell.source):
            if "{cite" in raw:
                continue
            for match in RESULT.finditer(text):
                number = match.group("dec") or match.group("num")
                if _printed(number, printed) or float(number.replace(",", "")) in written:
                    continue
                stray.append((index, number, " ".join(raw.split())[:160]))
    return stray


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_prose_numbers_come_from_outputs_code_or_citations(path):
    stray = stray_numbers(nbformat.read(path, as_version=4))
    assert not stray, f"{path.stem}: prose numbers that no output prints, no code sets and no citation " \
                      "backs:\n" + "\n".join(f"  cell {i}: {n}  in: {s}" for i, n, s in stray)


def test_a_number_typed_into_prose_is_caught():
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("fit()", outputs=[nbformat.v4.new_output(
            "stream", name="stdout", text="Test accuracy 90.54% (10,000 images), 311.2 s\n")]),
        nbformat.v4.new_markdown_cell("AlexNet reaches 90.5% in 311 s. VGG reaches 89.6%."),
        nbformat.v4.new_markdown_cell("LeNet reached 99.3% in the original paper {cite:p}`lecun1998`."),
        nbformat.v4.new_markdown_cell("Math is not prose: $0.25 \\times 4$ and `lr=0.75`."),
    ])
    assert [(i, n) for i, n, _ in stray_numbers(notebook)] == [(1, "89.6")]
