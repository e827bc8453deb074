"""The widgets' kit (cnnbook/widgets/dom.js), its pure parts run in node: the one number
formatter and the byte views. Its buttons and panels are exercised through the widgets in
the browser tests (Play, Pause and Step in test_browser.py and test_channel_conv.py)."""

import json
import pathlib
import shutil
import subprocess

import numpy as np
import pytest

DOM = pathlib.Path(__file__).resolve().parent.parent / "cnnbook" / "widgets" / "dom.js"

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


def _run(tmp_path, body, *args):
    script = tmp_path / "kit.mjs"
    script.write_text(DOM.read_text() + "\n" + body)
    result = subprocess.run(["node", str(script), *map(json.dumps, args)], capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def test_fmt_prints_short_numbers_the_reader_can_check(tmp_path):
    cases = [(0, 3, False, "0"), (-0.0, 3, False, "0"), (255, 3, False, "255"), (-3, 3, False, "-3"),
             (0.5, 3, False, "0.5"), (-0.125, 3, False, "-0.125"), (1 / 3, 3, False, "0.333"),
             (12.345, 3, False, "12.35"), (-128.25, 3, False, "-128.3"), (13.5, 1, False, "13.5"),
             (0.25, 1, False, "0.3"), (0.0004, 3, False, "0.000"), (-0.0004, 3, False, "0.000"),
             (1e-5, 4, True, "1e-5"), (0.0123, 4, True, "0.0123"), (123456.7, 4, True, "1.23e+5"),
             (0.1 + 0.2, 3, False, "0.3")]
    got = _run(tmp_path, """const cases = JSON.parse(process.argv[2]);
console.log(JSON.stringify(cases.map(([v, d, p]) => fmt(v, d, p))));""", [c[:3] for c in cases])
    assert got == [c[3] for c in cases]


def test_fmt_is_within_half_a_unit_of_its_last_decimal(tmp_path):
    values = np.random.default_rng(0).normal(0, 30, 500)
    shown = _run(tmp_path, """console.log(JSON.stringify(JSON.parse(process.argv[2]).map((v) => fmt(v))));""",
                 values.tolist())
    for v, text in zip(values, shown, strict=True):
        decimals = len(text.split(".")[1]) if "." in text else 0
        assert decimals <= 3 and abs(float(text) - v) <= 0.5 * 10 ** -max(decimals, 1) + 1e-12, (v, text)


def test_byte_views_read_float32_from_any_offset(tmp_path):
    floats = np.array([1.5, -2.25, 3e-8, 7.0], np.float32)
    data = b"\x09" + floats.tobytes()  # one byte in front: the floats start unaligned
    got = _run(tmp_path, """const bytes = Uint8Array.from(JSON.parse(process.argv[2]));
const view = new DataView(bytes.buffer, 1);  // as a bytes trait arrives in the browser
console.log(JSON.stringify([Array.from(floats32(view)), bytesOf(view).length, bytesOf(null).length,
  Array.from(floats32(bytesOf(bytes.buffer).subarray(5, 13)))]));""", list(data))
    assert got == [floats.tolist(), 16, 0, floats[1:3].tolist()]
