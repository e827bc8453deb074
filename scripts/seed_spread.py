"""Print each check's value under several seeds, their spread, and whether each lies in the stored range.

Usage: ``python scripts/seed_spread.py LOG [LOG ...]``, each LOG a file that a run
with ``CNNBOOK_RESULTS_LOG=LOG`` wrote (one JSON entry per line, see
:mod:`cnnbook.results`), e.g. one per value of ``CNNBOOK_SEED``. The stored
outputs' entries (``results/<chapter>.json``, seed shift 0) are added when a
log's checks belong to a stored chapter (give one chapter's logs per call). The table is Markdown, for the README
or a closing note.
"""

import json
import pathlib
import statistics
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def main(paths):
    values = {}  # id -> {seed shift: entry}
    for path in paths:
        for line in pathlib.Path(path).read_text().splitlines():
            entry = json.loads(line)
            values.setdefault(entry["id"], {})[entry["seed_shift"]] = entry
    # The stored run of the chapter the logs come from: the results file sharing most of their ids
    # (ids are unique within a chapter only).
    chapters = [json.loads(path.read_text()) for path in sorted((ROOT / "results").glob("*.json"))]
    stored = max(chapters, key=lambda entries: len({e["id"] for e in entries} & set(values)), default=[])
    for entry in stored:
        if entry["id"] in values and "seed_shift" in entry:
            values[entry["id"]].setdefault(entry["seed_shift"], entry)
    print("| check | profile | range | values by seed shift | mean ± sd | all in range? |")
    print("|---|---|---|---|---|---|")
    for name, by_shift in values.items():
        shifts = sorted(by_shift)
        numbers = [by_shift[s]["value"] for s in shifts]
        first = by_shift[shifts[0]]
        bounds = first.get("expected")
        inside = "not judged" if bounds is None else \
            "yes" if all(bounds[0] <= v <= bounds[1] for v in numbers) else "**no**"
        spread = f"{statistics.mean(numbers):.2f} ± {statistics.stdev(numbers):.2f}" if len(numbers) > 1 else "–"
        shown = ", ".join(f"{s:+d}: {v:.2f}" for s, v in zip(shifts, numbers))
        print(f"| {name} | {first['profile']} | {bounds} | {shown} | {spread} | {inside} |")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
