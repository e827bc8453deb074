"""cnnbook.kernels: shapes, sums, and agreement with scikit-image's edge filters."""

import numpy as np
import pytest
import skimage.filters
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnbook import kernels
from cnnbook.conv import corr2d


def test_named_kernels_are_fresh_3x3_float_arrays_in_menu_order():
    named = kernels.named_kernels()
    assert list(named) == [
        "identity", "box_blur", "gaussian_blur", "sharpen", "emboss", "outline",
        "prewitt_h", "prewitt_v", "sobel_h", "sobel_v", "scharr_h", "scharr_v", "laplacian",
    ]
    for name, k in named.items():
        assert k.shape == (3, 3) and k.dtype == np.float64, name
        assert name in kernels.__all__ and kernels.__dict__[name].__doc__, name
    named["identity"][1, 1] = 99.0  # callers may scribble on their copy
    assert kernels.named_kernels()["identity"][1, 1] == 1.0


@settings(max_examples=20, deadline=None)
@given(size=st.sampled_from([1, 3, 5, 7]), sigma=st.floats(0.3, 5.0))
def test_blurs_sum_to_one_and_are_symmetric(size, sigma):
    for k in (kernels.box_blur(size), kernels.gaussian_blur(size, sigma)):
        assert k.shape == (size, size)
        assert np.isclose(k.sum(), 1.0)
        np.testing.assert_allclose(k, k.T)
        np.testing.assert_allclose(k, k[::-1, ::-1])
    g = kernels.gaussian_blur(size, sigma)
    assert g.argmax() == size * size // 2  # peak in the centre


def test_identity_leaves_the_image_unchanged():
    img = np.random.default_rng(0).random((6, 7))
    np.testing.assert_array_equal(corr2d(img, kernels.identity(), padding="same"), img)
    np.testing.assert_array_equal(corr2d(img, kernels.identity(5), padding="same"), img)


@pytest.mark.parametrize(
    "name, total",
    [("sharpen", 1), ("emboss", 1), ("outline", 0), ("laplacian", 0),
     ("sobel_h", 0), ("sobel_v", 0), ("prewitt_h", 0), ("prewitt_v", 0),
     ("scharr_h", 0), ("scharr_v", 0)],
)
def test_kernel_sums(name, total):
    assert getattr(kernels, name)().sum() == total


@pytest.mark.parametrize(
    "name, scale", [("sobel", 4), ("prewitt", 3), ("scharr", 16)]
)
@pytest.mark.parametrize("axis", ["h", "v"])
def test_edge_kernels_match_skimage_in_the_interior(name, scale, axis):
    img = np.random.default_rng(1).random((20, 25))
    ours = corr2d(img, getattr(kernels, f"{name}_{axis}")(), padding="same") / scale
    theirs = getattr(skimage.filters, f"{name}_{axis}")(img)
    # skimage reflects the image at the border, we zero-pad: compare inside.
    np.testing.assert_allclose(ours[1:-1, 1:-1], theirs[1:-1, 1:-1], atol=1e-12)


def test_laplacian_matches_skimage_laplace_in_the_interior():
    img = np.random.default_rng(2).random((20, 25))
    ours = corr2d(img, kernels.laplacian(), padding="same")
    np.testing.assert_allclose(ours[1:-1, 1:-1], skimage.filters.laplace(img)[1:-1, 1:-1], atol=1e-12)


def test_h_kernels_find_horizontal_edges_with_a_positive_response():
    # Dark top half, bright bottom half: one horizontal edge, brighter going down.
    img = np.zeros((8, 8))
    img[4:] = 1.0
    for name in ("sobel", "prewitt", "scharr"):
        h = corr2d(img, getattr(kernels, f"{name}_h")())
        v = corr2d(img, getattr(kernels, f"{name}_v")())
        assert h.min() == 0 and h.max() > 0, name
        np.testing.assert_array_equal(v, 0)


@pytest.mark.parametrize("size", [0, 2, -3, 2.5])
def test_bad_sizes(size):
    with pytest.raises(ValueError, match="size must be (an integer|at least 1|odd)"):
        kernels.box_blur(size)
    with pytest.raises(ValueError, match="size must be (an integer|at least 1|odd)"):
        kernels.gaussian_blur(size)


def test_bad_sigma():
    with pytest.raises(ValueError, match="sigma must be positive"):
        kernels.gaussian_blur(3, sigma=0)


# --- bad input refused up front (issue 14) ---------------------------------------

SIZED = [kernels.identity, kernels.box_blur, kernels.gaussian_blur]


@pytest.mark.parametrize("f", SIZED)
@pytest.mark.parametrize("size", [True, False, np.bool_(True), None, "3", 3.0, 3 + 0j])
def test_sizes_must_be_integers_not_booleans_or_strings(f, size):
    # gaussian_blur(True) made a 1x1 kernel.
    with pytest.raises(ValueError, match="size must be (an integer|at least 1|odd)"):
        f(size)


@settings(max_examples=20, deadline=None)
@given(size=st.integers(0, 6).map(lambda n: 2 * n + 1),
       t=st.sampled_from([int, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint64]))
def test_sizes_of_any_integral_type(size, t):
    for f in SIZED:
        np.testing.assert_array_equal(f(t(size)), f(size))


@pytest.mark.parametrize("sigma", [True, None, "1.0", 1j, float("nan"), float("inf"), -1.0, 0.0, 1e-300])
def test_bad_sigma_named(sigma):
    with pytest.raises(ValueError, match="sigma"):
        kernels.gaussian_blur(3, sigma=sigma)


@settings(max_examples=10, deadline=None)
@given(sigma=st.floats(1e-3, 1e3), t=st.sampled_from([float, np.float32, np.float64, int, np.int64]))
def test_sigma_of_any_real_type(sigma, t):
    value = t(max(1, round(sigma))) if t in (int, np.int64) else t(sigma)
    k = kernels.gaussian_blur(5, value)
    assert np.all(np.isfinite(k)) and np.isclose(k.sum(), 1.0)


@pytest.mark.parametrize("f", SIZED)
def test_huge_kernels_refused_before_allocating(f):
    # box_blur(100001) tried to allocate 80 GB.
    import tracemalloc

    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="over the budget"):
            f(100_001)
        assert tracemalloc.get_traced_memory()[1] < 1_000_000
    finally:
        tracemalloc.stop()
