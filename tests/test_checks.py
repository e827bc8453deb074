"""checks.image: the one image check of the widgets (uint8 or float in [0, 1], a channel axis of 1 optional)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from cnnbook import checks

SIDES = st.tuples(st.integers(1, 12), st.integers(1, 12))


@given(hnp.arrays(np.uint8, SIDES))
def test_uint8_images_become_their_gray_levels_over_255(pixels):
    out = checks.image(pixels, "image")
    assert out.dtype == np.float32 and out.shape == pixels.shape
    assert 0 <= out.min() and out.max() <= 1
    np.testing.assert_array_equal(np.round(out * 255).astype(np.uint8), pixels)  # no level lost


@given(hnp.arrays(np.float64, SIDES, elements=st.floats(0, 1)))
def test_floats_in_the_unit_interval_pass_unchanged(values):
    np.testing.assert_array_equal(checks.image(values, "image"), values.astype(np.float32))


@given(st.integers(1, 4), st.booleans())
def test_a_channel_axis_of_one_may_be_given_or_left_out(n, with_axis):
    images = np.zeros((n, 5, 6, 1) if with_axis else (n, 5, 6), np.uint8)
    assert checks.image(images, "images", shape=(5, 6, 1), stack=True).shape == (n, 5, 6, 1)
    assert checks.image(images, "images", shape=(5, 6), stack=True).shape == (n, 5, 6)
    assert checks.image(images[0], "image", shape=(5, 6)).shape == (5, 6)


@pytest.mark.parametrize("values, kwargs, message", [
    (np.zeros((8, 8), np.int64), {}, r"image must be uint8 \(0..255\) or float in \[0, 1\], got dtype int64"),
    (np.zeros((8, 8), bool), {}, "got dtype bool"),
    (None, {}, "got dtype object"),
    ([[0.0, 1.0], [0.5]], {}, "image must be an array of images"),
    (np.zeros((8, 8, 3), np.uint8), {}, r"image must be grayscale, got shape \(8, 8, 3\) \(a colour image\?\)"),
    (np.zeros(8, np.uint8), {}, "image must be a 2-D grayscale array"),
    (np.zeros((2, 8), np.uint8), {"min_side": 3}, "image must be at least 3x3 pixels, got 2x8"),
    (np.zeros((20, 20)), {"shape": (28, 28)}, r"image must be shaped \(28, 28\) or \(28, 28, 1\), got \(20, 20\)"),
    (np.zeros((2, 27, 28)), {"shape": (28, 28, 1), "stack": True},
     r"images? must be shaped \(n, 28, 28\) or \(n, 28, 28, 1\), got \(2, 27, 28\)"),
    (np.zeros((0, 28, 28)), {"shape": (28, 28), "stack": True}, "must hold at least one image"),
    (np.full((4, 4), np.nan), {}, r"image must hold finite values in \[0, 1\] when float, got NaN or infinity"),
    (np.full((4, 4), -0.5), {}, r"image must hold values in \[0, 1\] when float, got \[-0.5, -0.5\]"),
])
def test_refuses_what_is_not_an_image_and_names_the_argument(values, kwargs, message):
    with pytest.raises(ValueError, match=message):
        checks.image(values, "images" if kwargs.get("stack") else "image", **kwargs)
