"""The nbval sanitizer (tests/nbval_sanitize.cfg) masks what changes from run to run, and nothing else.

Issue 14: it replaced every 32-digit hex string, meant for widget model ids, so a
changed checksum printed by a chapter passed unnoticed.
"""

import pathlib
import re

import pytest
from nbval.plugin import get_sanitize_patterns

CONFIG = pathlib.Path(__file__).with_name("nbval_sanitize.cfg")
PATTERNS = get_sanitize_patterns(CONFIG.read_text())


def sanitize(text):
    """What nbval does to each output string before comparing it."""
    for regex, replace in PATTERNS:
        text = re.sub(regex, replace, text)
    return text


MODEL_ID = "156cff25b15641cfaa4b177b249facf0"


@pytest.mark.parametrize("text, expected", [
    (f'{{"model_id": "{MODEL_ID}", "version_major": 2}}', '{"model_id": "MODEL_ID", "version_major": 2}'),
    (f"{{'model_id': '{MODEL_ID}'}}", "{'model_id': 'MODEL_ID'}"),
    (f"Output(model_id='{MODEL_ID}')", "Output(model_id='MODEL_ID')"),
    (f"children=('IPY_MODEL_{MODEL_ID}',)", "children=('IPY_MODEL_MODEL_ID',)"),
    ("<function f at 0x7f3a2b4c5d60>", "<function f at 0xADDRESS>"),
    ("saved to /tmp/tmpab12_cd/model.keras", "saved to /tmp/PATH"),
    ("338/338 - 2s - 6ms/step - accuracy: 0.9", "338/338 - TIME - TIME - accuracy: 0.9"),
    ("test accuracy 88.50% in 0.3 s", "test accuracy 88.50% in TIME"),
    ("93.00%, training 2.5 s", "93.00%, training TIME"),
    ("eager: 2.19 ms per step, tf.function: 0.76 ms per step", "eager: TIME per step, tf.function: TIME per step"),
])
def test_masks_what_changes_from_run_to_run(text, expected):
    assert sanitize(text) == expected


@pytest.mark.parametrize("text", [
    "md5 of the weights: 9e107d9d372bb6826bd81d3542a419d6",   # a checksum is compared
    "sha256 d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d06d0aa62f3d6f0",
    "checksum 0x1a2b3c4d5e6f",                                 # a hex number that is not an address
    "the kernel spans 3 (size 3) over 9 s-shaped strokes",
    "5 s",
    "/home/reader/tmp/data.npz",
])
def test_leaves_everything_else(text):
    assert sanitize(text) == text


def test_every_section_has_one_regex_and_one_replacement():
    sections = re.findall(r"^\[(\w+)\]$", CONFIG.read_text(), flags=re.MULTILINE)
    assert len(sections) == len(PATTERNS) == 5
    for regex, _ in PATTERNS:
        re.compile(regex)
