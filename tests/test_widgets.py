"""Python side of cnnbook.widgets: input checks and the state Python reads back.

No browser here; tests/test_browser.py checks the JavaScript side.
"""

import pathlib

import numpy as np
import pytest

from cnnbook.conv import corr2d, pool2d
from cnnbook.widgets import ConvArithmeticExplorer, KernelExplorer, PoolingExplorer

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


def test_kernel_explorer_downsamples_large_images():
    w = KernelExplorer(np.zeros((600, 300), np.uint8))
    assert w.image_shape == [256, 128]
    assert "downsampled from 300\u00d7600 to 128\u00d7256" in w.note


def test_widget_code_lives_in_files():
    # Each widget's module is the shared dom.js followed by the widget's own file.
    here = pathlib.Path(KernelExplorer.__module__.replace(".", "/")).parent
    package = pathlib.Path(__file__).resolve().parent.parent / here
    shared = (package / "dom.js").read_text()
    for cls, name in ((KernelExplorer, "kernel_explorer.js"), (ConvArithmeticExplorer, "conv_arithmetic.js"),
                      (PoolingExplorer, "pooling.js")):
        assert str(cls._esm) == shared + "\n" + (package / name).read_text()
        assert str(cls._css) == (package / "widgets.css").read_text()


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
])
def test_conv_arithmetic_output_size(settings, expected):
    assert ConvArithmeticExplorer(**settings).output_size == expected


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
    (dict(mode="min"), "mode must be 'max' or 'avg'"),
])
def test_pooling_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        PoolingExplorer(**kwargs)
