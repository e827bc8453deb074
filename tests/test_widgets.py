"""Python side of cnnbook.widgets: input checks and the state Python reads back.

No browser here; tests/test_browser.py checks the JavaScript side.
"""

import itertools
import json
import pathlib
import shutil
import subprocess

import numpy as np
import pytest

from cnnbook.conv import corr2d, pool2d
from cnnbook.widgets import ConvArithmeticExplorer, KernelExplorer, PoolingExplorer
from cnnbook.widgets.conv_arithmetic import LIMITS, output_size

IMAGE = (np.arange(64, dtype=np.uint8).reshape(8, 8) * 3)


# ---------------------------------------------------------------------------
# KernelExplorer
# ---------------------------------------------------------------------------


def test_kernel_explorer_sends_image_as_float32_buffer():
    w = KernelExplorer(IMAGE, "sharpen")
    assert isinstance(w.image_data, bytes) and len(w.image_data) == 8 * 8 * 4
    assert w.image_shape == [8, 8] and w.value_max == 255
    np.testing.assert_array_equal(w.image, IMAGE.astype(np.float32))


def test_kernel_explorer_value_is_same_padded_corr2d():
    w = KernelExplorer(IMAGE, "sobel_h")
    expected = corr2d(IMAGE.astype(float), np.asarray(w.kernel), padding="same")
    for pixel in ([0, 0], [3, 5], [7, 7]):
        w.selected = pixel
        assert w.value == pytest.approx(expected[tuple(pixel)])
    w.selected = [4, 4]
    w.kernel = np.eye(3).tolist()
    assert w.value == pytest.approx(float(IMAGE[3, 3]) + IMAGE[4, 4] + IMAGE[5, 5])
    np.testing.assert_allclose(w.output(), corr2d(IMAGE.astype(float), np.eye(3), padding="same"))


def test_kernel_explorer_presets_and_5x5():
    assert KernelExplorer(IMAGE, "identity").kernel == [[0, 0, 0], [0, 1, 0], [0, 0, 0]]
    w = KernelExplorer(IMAGE, "gaussian_blur", size=5)
    assert np.asarray(w.kernel).shape == (5, 5) and w.kernel_name == "gaussian_blur_5x5"
    assert "sobel_v" in w.presets and "box_blur_5x5" in w.presets
    w = KernelExplorer(np.full((5, 5), 0.5), np.ones((5, 5)) / 25)
    assert w.value == pytest.approx(0.5) and w.value_max == 1.0


def test_kernel_explorer_takes_an_image_from_the_browser():
    # What the browser sends when the reader drops in an image: a float32
    # buffer (as a memoryview), its shape, the selection.
    w = KernelExplorer(IMAGE, "sharpen")
    gray = np.arange(20, dtype=np.float32).reshape(4, 5) * 10
    w.set_state({"image_shape": [4, 5], "value_max": 255.0, "image_data": memoryview(gray.tobytes()),
                 "selected": [2, 3]})
    np.testing.assert_array_equal(w.image, gray)
    expected = corr2d(gray.astype(float), np.asarray(w.kernel), padding="same")
    assert w.value == pytest.approx(expected[2, 3])
    np.testing.assert_allclose(w.output(), expected)


def test_kernel_explorer_downsamples_large_images():
    w = KernelExplorer(np.zeros((600, 300), np.uint8))
    assert w.image_shape == [256, 128]
    assert "downsampled from 300\u00d7600 to 128\u00d7256" in w.note


@pytest.mark.parametrize("image, message", [
    (np.zeros((8, 8, 3), np.uint8), "colour image"),
    (np.zeros(8, np.uint8), "2-D grayscale"),
    (np.zeros((2, 8), np.uint8), "at least 3x3"),
    (np.zeros((8, 8), np.int64), "uint8 .* or float"),
    (np.full((8, 8), 2.0), r"values in \[0, 1\]"),
    (np.full((8, 8), np.nan), "NaN"),
])
def test_kernel_explorer_rejects_bad_images(image, message):
    with pytest.raises(ValueError, match=message):
        KernelExplorer(image)


@pytest.mark.parametrize("kernel, size, message", [
    (np.ones((4, 4)), None, "3x3 or 5x5"),
    (np.ones((3, 5)), None, "3x3 or 5x5"),
    (np.ones(3), None, "2-D"),
    ([[1, 2, 3], [4, 5]], None, "2-D array|real numbers"),
    ("no_such_kernel", None, "unknown 3x3 kernel preset"),
    ("sharpen", 4, "size must be 3 or 5"),
    ("sharpen", 5, "unknown 5x5 kernel preset"),
    (np.ones((3, 3)), 5, "does not match"),
    (np.full((3, 3), np.inf), None, "NaN or infinity"),
])
def test_kernel_explorer_rejects_bad_kernels(kernel, size, message):
    with pytest.raises(ValueError, match=message):
        KernelExplorer(IMAGE, kernel, size=size)


def test_kernel_explorer_rejects_bad_state():
    w = KernelExplorer(IMAGE)
    with pytest.raises(ValueError, match="outside"):
        w.selected = [8, 0]
    with pytest.raises(ValueError, match="3x3 or 5x5"):
        w.kernel = [[1.0, 2.0], [3.0, 4.0]]
    with pytest.raises(ValueError, match="scaling"):
        KernelExplorer(IMAGE, scaling="log")


# ---------------------------------------------------------------------------
# ConvArithmeticExplorer
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("settings, expected", [
    # The four padding/stride cases of the TensorFlow.js article.
    (dict(input_size=7, kernel_size=3), 5),
    (dict(input_size=5, kernel_size=3, padding=1), 5),
    (dict(input_size=5, kernel_size=3, padding=1, stride=2), 3),
    (dict(input_size=2, kernel_size=3, padding=2), 4),
    (dict(input_size=7, kernel_size=3, dilation=2), 3),
    (dict(input_size=3, kernel_size=5), None),  # kernel larger than the input
    (dict(input_size=2, kernel_size=3, stride=2, transposed=True), 5),
    (dict(input_size=5, kernel_size=3, padding=1, stride=2, transposed=True), 9),
    (dict(input_size=5, kernel_size=3, padding=3, transposed=True), None),
    # The article's fourth case as a transposed convolution: p is the
    # framework's padding, so 2x2 -> 4x4 is p 0 (2 zeros drawn around).
    (dict(input_size=2, kernel_size=3, transposed=True), 4),
    # Impossible: the output would be 0x0 and -1x-1.
    (dict(input_size=2, kernel_size=3, padding=2, transposed=True), None),
    (dict(input_size=1, kernel_size=3, padding=2, transposed=True), None),
    (dict(input_size=1, kernel_size=3, padding=1, transposed=True), 1),
])
def test_conv_arithmetic_output_size(settings, expected):
    assert ConvArithmeticExplorer(**settings).output_size == expected


def _settings_grid():
    ranges = [range(lo, hi + 1) for lo, hi in LIMITS.values()]
    for n, k, p, s, d in itertools.product(*ranges):
        yield dict(input_size=n, kernel_size=k, padding=p, stride=s, dilation=d)


def test_transposed_output_size_inverts_the_convolution():
    # Wherever a transposed output size is given, it is at least 1 and the
    # convolution with the same settings maps it back to the input size.
    given = impossible = 0
    for settings in _settings_grid():
        o = output_size(**settings, transposed=True)
        if o is None:
            impossible += 1
            n, k, p, s, d = settings.values()
            assert p > d * (k - 1) or (n - 1) * s - 2 * p + d * (k - 1) + 1 < 1
            continue
        given += 1
        assert o >= 1
        assert output_size(o, *list(settings.values())[1:]) == settings["input_size"]
    assert given > 0 and impossible > 0


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_conv_arithmetic_js_agrees_with_python(tmp_path):
    # geometry() of the widget's JavaScript, run in node on every setting.
    module = pathlib.Path(__file__).resolve().parent.parent / "cnnbook" / "widgets" / "conv_arithmetic.js"
    source = module.read_text().split("function render(")[0]
    script = tmp_path / "geometry.mjs"
    script.write_text(source + """
const limits = JSON.parse(process.argv[2]);
const out = [];
const r = (name) => { const [lo, hi] = limits[name]; return Array.from({length: hi - lo + 1}, (_, i) => lo + i); };
for (const transposed of [false, true])
  for (const n of r("input_size")) for (const k of r("kernel_size")) for (const p of r("padding"))
    for (const s of r("stride")) for (const d of r("dilation")) {
      const g = geometry({input_size: n, kernel_size: k, padding: p, stride: s, dilation: d, transposed});
      out.push([n, k, p, s, d, transposed, g.output, g.error !== ""]);
    }
console.log(JSON.stringify(out));
""")
    result = subprocess.run(["node", str(script), json.dumps(LIMITS)], capture_output=True, text=True, check=True)
    rows = json.loads(result.stdout)
    assert len(rows) == 2 * np.prod([hi - lo + 1 for lo, hi in LIMITS.values()])
    for n, k, p, s, d, transposed, shown, flagged in rows:
        expected = output_size(n, k, p, s, d, transposed)
        assert shown == expected, (n, k, p, s, d, transposed)
        assert flagged == (expected is None)  # every impossible setting is flagged
        assert expected is None or expected >= 1


def test_conv_arithmetic_follows_changes():
    w = ConvArithmeticExplorer()
    assert w.output_size == 3
    w.padding = 1
    assert w.output_size == 5
    w.kernel_size = 7
    assert w.output_size == 1
    w.padding = 0
    assert w.output_size is None
    w.transposed = True
    assert w.output_size == 11


@pytest.mark.parametrize("settings, message", [
    (dict(stride=0), r"stride must be an integer in \[1, 5\]"),
    (dict(input_size=13), "input_size"),
    (dict(kernel_size=2.5), "kernel_size must be an integer"),
    (dict(padding=-1), "padding"),
    (dict(dilation=True), "dilation"),
    (dict(transposed="yes"), "transposed"),
])
def test_conv_arithmetic_rejects_bad_settings(settings, message):
    with pytest.raises(ValueError, match=message):
        ConvArithmeticExplorer(**settings)


# ---------------------------------------------------------------------------
# PoolingExplorer
# ---------------------------------------------------------------------------


def test_pooling_output_matches_pool2d():
    w = PoolingExplorer()
    values = np.asarray(w.values)
    assert values.shape == (6, 6)
    np.testing.assert_allclose(w.output, pool2d(values, 2, 2))
    w.mode = "avg"
    np.testing.assert_allclose(w.output, pool2d(values, 2, 2, mode="avg"))
    w.size, w.stride = 3, 1
    np.testing.assert_allclose(w.output, pool2d(values, 3, 1, mode="avg"))
    w = PoolingExplorer([[1, 2], [3, 4]], size=1, stride=1)
    assert w.output == [[1, 2], [3, 4]]


@pytest.mark.parametrize("kwargs, message", [
    (dict(values=np.zeros((4, 4, 1))), "2-D"),
    (dict(values=[[1]]), "between 2x2 and 8x8"),
    (dict(values=np.zeros((9, 4))), "between 2x2 and 8x8"),
    (dict(values=[["a", "b"], ["c", "d"]]), "real numbers"),
    (dict(values=[[1, np.nan], [1, 2]]), "NaN"),
    (dict(size=7), r"size must be an integer in \[1, 6\]"),
    (dict(stride=0), "stride"),
    (dict(mode="min"), "mode must be one of 'max', 'avg'"),
    (dict(size=True), "size must be an integer"),
    (dict(stride=2.0), "stride must be an integer"),
    (dict(values=[[1, 2j], [3, 4]]), "real numbers"),
    (dict(values=None, size=None), "size must be an integer"),
])
def test_pooling_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        PoolingExplorer(**kwargs)


def _pooling_state(w):
    return {name: getattr(w, name) for name in ("values", "size", "stride", "mode", "output", "selected")}


@pytest.mark.parametrize("change", [
    lambda w: setattr(w, "values", [[1, 2], [3, 4]]),
    lambda w: w.set(values=[[1, 2], [3, 4]]),
    lambda w: w.set(values=[[1, 2], [3, 4]], size=2, stride=3),
    lambda w: w.set_state({"values": [[1, 2], [3, 4]]}),          # what the browser sends
    lambda w: w.set_state({"values": [[1, 2], [3, 4]], "size": 3, "mode": "avg"}),
])
def test_pooling_checks_the_whole_new_state_before_changing_anything(change):
    # Issue 14: a 2x2 grid while the window was 3 raised only after the values had changed,
    # about a "kernel", and left a stale output.
    w = PoolingExplorer(size=3, stride=1)
    w.selected = [3, 3]
    before = _pooling_state(w)
    with pytest.raises(ValueError, match=r"(size|stride) must be an integer in \[1, 2\] "
                                         r"\(the smaller side of the 2x2 grid of values\)"):
        change(w)
    assert _pooling_state(w) == before


def test_pooling_changes_grid_and_window_together():
    w = PoolingExplorer(size=3, stride=1)
    w.selected = [3, 3]
    w.set(values=[[1, 2], [3, 4]], size=2)
    assert (w.size, w.stride, w.output, w.selected) == (2, 1, [[4.0]], [0, 0])
    w.set_state({"values": [[1, 5, 2], [3, 4, 0], [7, 1, 1]], "size": 3, "mode": "avg"})
    assert w.output == [[pytest.approx(24 / 9)]]
    with pytest.raises(ValueError, match="unknown settings"):
        w.set(window=2)


def test_pooling_accepts_numpy_integers_and_refuses_booleans():
    w = PoolingExplorer()
    w.size, w.stride = np.int64(3), np.int32(1)
    assert (w.size, w.stride) == (3, 1) and np.asarray(w.output).shape == (4, 4)
    before = _pooling_state(w)
    with pytest.raises(ValueError, match="stride must be an integer"):
        w.stride = True
    assert _pooling_state(w) == before
