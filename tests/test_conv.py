"""cnnbook.conv against TensorFlow/Keras, on hypothesis-generated shapes."""

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cnnbook.conv import (
    conv2d,
    conv_matrix,
    conv_output_size,
    corr2d,
    corr2d_loops,
    maxpool_backward,
    pool2d,
    resolve_padding,
)

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

SETTINGS = settings(max_examples=40, deadline=None)

small = st.integers(1, 4)
paddings = st.one_of(
    st.integers(0, 2),
    st.tuples(st.integers(0, 2), st.integers(0, 2)),
    st.sampled_from(["valid", "same"]),
)
steps = st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3)))


def pair(v):
    return (v, v) if np.ndim(v) == 0 else tuple(v)


def tf_padding(padding):
    """Our padding argument in tf.nn.conv2d's terms."""
    if isinstance(padding, str):
        return padding.upper()
    rows, cols = pair(padding)
    return [[0, 0], [rows, rows], [cols, cols], [0, 0]]


def fits(shape, kshape, padding, dilation):
    """Whether the (dilated) kernel fits in the padded input; written independently."""
    if padding == "same":
        return True
    rows, cols = (0, 0) if padding == "valid" else pair(padding)
    (dh, dw), (kh, kw) = pair(dilation), kshape
    return dh * (kh - 1) + 1 <= shape[0] + 2 * rows and dw * (kw - 1) + 1 <= shape[1] + 2 * cols


def test_importing_cnnbook_conv_does_not_import_tensorflow():
    code = "import sys, cnnbook.conv, cnnbook.kernels; assert 'tensorflow' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# --- corr2d and corr2d_loops ------------------------------------------------


@SETTINGS
@given(
    h=st.integers(1, 9), w=st.integers(1, 9), kh=small, kw=small,
    padding=paddings, stride=steps, dilation=steps, seed=st.integers(0, 2**16),
)
def test_corr2d_matches_tf_conv2d(h, w, kh, kw, padding, stride, dilation, seed):
    assume(fits((h, w), (kh, kw), padding, dilation))
    rng = np.random.default_rng(seed)
    x, k = rng.normal(size=(h, w)), rng.normal(size=(kh, kw))
    expected = tf.nn.conv2d(
        x[None, :, :, None], k[:, :, None, None],
        strides=pair(stride), padding=tf_padding(padding), dilations=pair(dilation),
    ).numpy()[0, :, :, 0]
    for f in (corr2d, corr2d_loops):
        out = f(x, k, padding=padding, stride=stride, dilation=dilation)
        assert out.dtype == np.float64
        np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-10)


def test_corr2d_keeps_float32_and_makes_ints_float64():
    rng = np.random.default_rng(0)
    x, k = rng.random((32, 32), np.float32), rng.random((3, 3), np.float32)
    out = corr2d(x, k, padding="same")
    expected = tf.nn.conv2d(x[None, :, :, None], k[:, :, None, None], 1, "SAME")
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, expected.numpy()[0, :, :, 0], rtol=1e-5)
    ints = corr2d(np.arange(16).reshape(4, 4), np.ones((2, 2), int))
    assert ints.dtype == np.float64 and ints[0, 0] == 0 + 1 + 4 + 5


def test_corr2d_textbook_example():
    x = np.arange(9.0).reshape(3, 3)
    k = np.arange(4.0).reshape(2, 2)
    expected = [[19.0, 25.0], [37.0, 43.0]]
    np.testing.assert_array_equal(corr2d(x, k), expected)
    np.testing.assert_array_equal(corr2d_loops(x, k), expected)


def test_same_padding_is_asymmetric_like_tensorflow():
    # 6 wide, kernel 3, stride 2: 1 column of padding in total, on the right.
    assert resolve_padding((6, 6), (3, 3), "same", stride=2) == (0, 1, 0, 1)
    assert resolve_padding((5, 7), (4, 2), "same") == (1, 2, 0, 1)
    assert resolve_padding((5, 7), (3, 3), (1, 2)) == (1, 1, 2, 2)


# --- conv2d ------------------------------------------------------------------


@SETTINGS
@given(
    batch=st.sampled_from([None, 1, 3]), h=st.integers(1, 8), w=st.integers(1, 8),
    c_in=st.integers(1, 3), c_out=st.integers(1, 3), kh=st.integers(1, 3), kw=st.integers(1, 3),
    padding=st.sampled_from(["valid", "same"]), step=st.integers(1, 3),
    step_is_dilation=st.booleans(), use_bias=st.booleans(), seed=st.integers(0, 2**16),
)
def test_conv2d_matches_keras_conv2d(
    batch, h, w, c_in, c_out, kh, kw, padding, step, step_is_dilation, use_bias, seed
):
    # Keras refuses strides > 1 together with dilation > 1: test them one at a time.
    stride, dilation = (1, step) if step_is_dilation else (step, 1)
    assume(fits((h, w), (kh, kw), padding, dilation))
    rng = np.random.default_rng(seed)
    shape = (h, w, c_in) if batch is None else (batch, h, w, c_in)
    x = rng.normal(size=shape)
    weights, bias = rng.normal(size=(kh, kw, c_in, c_out)), rng.normal(size=c_out)
    layer = keras.layers.Conv2D(
        c_out, (kh, kw), strides=stride, padding=padding, dilation_rate=dilation,
        use_bias=use_bias, dtype="float64",
    )
    layer.build((1, h, w, c_in))
    layer.set_weights([weights, bias] if use_bias else [weights])
    expected = layer(x if batch else x[None]).numpy()
    out = conv2d(x, weights, bias if use_bias else None, padding, stride, dilation)
    assert out.shape == (expected.shape if batch else expected.shape[1:])
    np.testing.assert_allclose(out, expected if batch else expected[0], rtol=1e-10, atol=1e-10)


@SETTINGS
@given(
    h=st.integers(1, 8), w=st.integers(1, 8), c_in=st.integers(1, 3), c_out=st.integers(1, 3),
    kh=small, kw=small, padding=paddings, stride=steps, dilation=steps, seed=st.integers(0, 2**16),
)
def test_conv2d_matches_tf_with_explicit_padding_strides_and_dilations(
    h, w, c_in, c_out, kh, kw, padding, stride, dilation, seed
):
    assume(fits((h, w), (kh, kw), padding, dilation))
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(2, h, w, c_in))
    weights, bias = rng.normal(size=(kh, kw, c_in, c_out)), rng.normal(size=c_out)
    expected = tf.nn.conv2d(
        x, weights, strides=pair(stride), padding=tf_padding(padding), dilations=pair(dilation)
    ).numpy() + bias
    out = conv2d(x, weights, bias, padding, stride, dilation)
    np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-10)


def test_conv2d_of_one_channel_is_corr2d():
    rng = np.random.default_rng(1)
    x, k = rng.normal(size=(7, 6)), rng.normal(size=(3, 2))
    out = conv2d(x[:, :, None], k[:, :, None, None], padding="same", stride=2)
    np.testing.assert_allclose(out[:, :, 0], corr2d(x, k, padding="same", stride=2))


@pytest.mark.parametrize("padding, stride", [("same", 1), ("valid", 2), (1, (2, 1))])
def test_large_inputs_processed_in_pieces_match_tf(padding, stride):
    # corr2d works in bands of rows and conv2d a few images at a time: cross
    # several of those boundaries, including a partial last piece.
    rng = np.random.default_rng(3)
    x, k = rng.normal(size=(301, 999)), rng.normal(size=(3, 4))
    expected = tf.nn.conv2d(x[None, :, :, None], k[:, :, None, None], stride, tf_padding(padding))
    np.testing.assert_allclose(corr2d(x, k, padding, stride), expected.numpy()[0, :, :, 0], atol=1e-10)
    xb, w = rng.normal(size=(23, 17, 15, 3)), rng.normal(size=(3, 2, 3, 4))
    expected = tf.nn.conv2d(xb, w, stride, tf_padding(padding))
    np.testing.assert_allclose(conv2d(xb, w, None, padding, stride), expected.numpy(), atol=1e-10)


# --- conv_output_size ----------------------------------------------------------


@SETTINGS
@given(
    n=st.integers(1, 12), k=small, padding=st.one_of(st.integers(0, 2), st.sampled_from(["valid", "same"])),
    stride=st.integers(1, 3), dilation=st.integers(1, 3),
)
def test_conv_output_size_matches_keras(n, k, padding, stride, dilation):
    assume(stride == 1 or dilation == 1)
    assume(fits((n, n), (k, k), padding, dilation))
    layers = [keras.layers.ZeroPadding2D(padding)] if isinstance(padding, int) else []
    layers.append(
        keras.layers.Conv2D(
            1, k, strides=stride, dilation_rate=dilation,
            padding=padding if isinstance(padding, str) else "valid",
        )
    )
    out = keras.Sequential(layers)(np.zeros((1, n, n, 1), np.float32))
    assert conv_output_size(n, k, padding, stride, dilation) == out.shape[1]


def test_conv_output_size_examples_from_the_book():
    # The four padding/stride cases of chapter 3.
    assert conv_output_size(7, 3) == 5
    assert conv_output_size(5, 3, padding=1) == 5
    assert conv_output_size(5, 3, padding=1, stride=2) == 3
    assert conv_output_size(2, 3, padding=2) == 4
    assert conv_output_size(28, 3) == 26
    assert conv_output_size(10, 3, padding=(0, 2)) == 10


# --- pooling -----------------------------------------------------------------


@SETTINGS
@given(
    ndim=st.sampled_from([2, 3, 4]), h=st.integers(1, 9), w=st.integers(1, 9),
    size=st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3))),
    stride=st.one_of(st.none(), st.integers(1, 3)), padding=st.sampled_from(["valid", "same"]),
    mode=st.sampled_from(["max", "avg"]), seed=st.integers(0, 2**16),
)
def test_pool2d_matches_keras_pooling(ndim, h, w, size, stride, padding, mode, seed):
    ph, pw = pair(size)
    assume(padding == "same" or (ph <= h and pw <= w))
    rng = np.random.default_rng(seed)
    x4 = rng.normal(size=(2, h, w, 3))
    x = {2: x4[0, :, :, 0], 3: x4[0], 4: x4}[ndim]
    layer_type = keras.layers.MaxPooling2D if mode == "max" else keras.layers.AveragePooling2D
    layer = layer_type(size, strides=stride, padding=padding, dtype="float64")
    expected = layer(x.reshape((-1, h, w, x4.shape[3] if ndim > 2 else 1))).numpy()
    out = pool2d(x, size, stride, padding, mode)
    assert out.ndim == ndim
    np.testing.assert_allclose(out, expected.reshape(out.shape), rtol=1e-12, atol=1e-12)
    assert out.shape[ndim - 3 if ndim > 2 else 0] == conv_output_size(
        h, ph, padding, pair(stride or size)[0]
    )


@SETTINGS
@given(
    h=st.integers(2, 8), w=st.integers(2, 8), size=st.integers(2, 3),
    stride=st.integers(1, 3), pad=st.integers(0, 1), seed=st.integers(0, 2**16),
)
def test_pool2d_with_explicit_padding(h, w, size, stride, pad, seed):
    assume(size <= h + 2 * pad and size <= w + 2 * pad)
    x = np.random.default_rng(seed).normal(size=(h, w)).astype(np.float32)
    maxed = pool2d(x, size, stride, pad, "max")
    expected = tf.nn.max_pool2d(
        x[None, :, :, None], size, stride, [[0, 0], [pad, pad], [pad, pad], [0, 0]]
    ).numpy()[0, :, :, 0]
    np.testing.assert_array_equal(maxed, expected)
    # Average over the real pixels of each window only, computed by brute force.
    x = x.astype(np.float64)
    averaged = pool2d(x, size, stride, pad, "avg")
    xp = np.pad(x, pad, constant_values=np.nan)
    for i in range(averaged.shape[0]):
        for j in range(averaged.shape[1]):
            window = xp[i * stride : i * stride + size, j * stride : j * stride + size]
            assert np.isclose(averaged[i, j], np.nanmean(window), rtol=1e-12, atol=1e-12)


@SETTINGS
@given(
    batch=st.integers(1, 2), h=st.integers(2, 8), w=st.integers(2, 8), c=st.integers(1, 2),
    size=st.integers(1, 3), stride=st.one_of(st.none(), st.integers(1, 3)),
    padding=st.sampled_from(["valid", "same"]), dtype=st.sampled_from(["float32", "float64"]),
    seed=st.integers(0, 2**16),
)
def test_maxpool_backward_matches_gradient_tape(batch, h, w, c, size, stride, padding, dtype, seed):
    assume(padding == "same" or size <= min(h, w))
    rng = np.random.default_rng(seed)
    # Small integers: many ties inside windows, to check the tie rule too.
    x = rng.integers(0, 3, size=(batch, h, w, c)).astype(dtype)
    layer = keras.layers.MaxPooling2D(size, strides=stride, padding=padding, dtype=dtype)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt)
    grad_out = rng.normal(size=y.shape).astype(dtype)
    expected = tape.gradient(y, xt, output_gradients=tf.constant(grad_out)).numpy()
    out = maxpool_backward(x, grad_out, size, stride, padding)
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-6)


def test_maxpool_backward_routes_through_the_max_mask():
    x = np.array([[1.0, 5.0, 2.0, 0.0], [3.0, 4.0, 7.0, 7.0]])
    grad = maxpool_backward(x, [[10.0, 20.0]], 2)
    # First window's max is the 5; in the second, the first 7 (row-major) wins the tie.
    np.testing.assert_array_equal(grad, [[0, 10, 0, 0], [0, 0, 20, 0]])
    grad3 = maxpool_backward(x[:, :, None], [[[10.0], [20.0]]], 2)
    np.testing.assert_array_equal(grad3[:, :, 0], grad)


# --- errors --------------------------------------------------------------------


@pytest.mark.parametrize("f", [corr2d, corr2d_loops])
@pytest.mark.parametrize(
    "x_shape, k_shape, kwargs, message",
    [
        ((3, 3, 1), (2, 2), {}, "x must be 2-D"),
        ((3, 3), (2,), {}, "k must be 2-D"),
        ((3, 3), (4, 4), {}, "kernel larger than the padded input"),
        ((5, 5), (3, 3), {"dilation": 3}, "kernel larger than the padded input"),
        ((3, 3), (2, 2), {"stride": 0}, "stride must be at least 1"),
        ((3, 3), (2, 2), {"stride": (1, -1)}, "stride must be at least 1"),
        ((3, 3), (2, 2), {"stride": 1.5}, "stride must be an integer"),
        ((3, 3), (2, 2), {"dilation": 0}, "dilation must be at least 1"),
        ((3, 3), (2, 2), {"padding": -1}, "padding must be at least 0"),
        ((3, 3), (2, 2), {"padding": (1, -1)}, "padding must be at least 0"),
        ((3, 3), (2, 2), {"padding": "full"}, "unknown padding 'full'"),
        ((3, 3), (2, 2), {"padding": 1.5}, "padding must be an int"),
        ((3, 3), (2, 2), {"padding": (1, 2, 3)}, "padding must be an int"),
    ],
)
def test_corr2d_errors(f, x_shape, k_shape, kwargs, message):
    with pytest.raises(ValueError, match=message):
        f(np.ones(x_shape), np.ones(k_shape), **kwargs)


@pytest.mark.parametrize(
    "x_shape, w_shape, b_shape, kwargs, message",
    [
        ((5, 5), (3, 3, 1, 1), None, {}, r"x must be \(H, W, C\) or \(N, H, W, C\)"),
        ((1, 1, 5, 5, 1), (3, 3, 1, 1), None, {}, r"x must be \(H, W, C\)"),
        ((5, 5, 1), (3, 3, 1), None, {}, r"w must be \(kh, kw, C_in, C_out\)"),
        ((5, 5, 3), (3, 3, 2, 4), None, {}, "channel mismatch: x has 3 channels but w expects 2"),
        ((5, 5, 1), (3, 3, 1, 4), (3,), {}, r"b must have shape \(4,\)"),
        ((2, 2, 1), (3, 3, 1, 1), None, {}, "kernel larger than the padded input"),
        ((5, 5, 1), (3, 3, 1, 1), None, {"stride": -2}, "stride must be at least 1"),
        ((5, 5, 1), (3, 3, 1, 1), None, {"padding": "full"}, "unknown padding"),
    ],
)
def test_conv2d_errors(x_shape, w_shape, b_shape, kwargs, message):
    b = None if b_shape is None else np.ones(b_shape)
    with pytest.raises(ValueError, match=message):
        conv2d(np.ones(x_shape), np.ones(w_shape), b, **kwargs)


@pytest.mark.parametrize(
    "x_shape, kwargs, message",
    [
        ((4,), {"size": 2}, r"x must be \(H, W\)"),
        ((1, 1, 4, 4, 1), {"size": 2}, r"x must be \(H, W\)"),
        ((4, 4), {"size": 2, "mode": "min"}, "mode must be one of 'max', 'avg', got 'min'"),
        ((4, 4), {"size": 5}, "kernel larger than the padded input"),
        ((4, 4), {"size": 0}, "size must be at least 1"),
        ((4, 4), {"size": 2, "stride": 0}, "stride must be at least 1"),
        ((4, 4), {"size": 2, "padding": 2}, "must be smaller than the pooling window"),
        ((4, 4), {"size": 2, "padding": "full"}, "unknown padding"),
    ],
)
def test_pool2d_errors(x_shape, kwargs, message):
    with pytest.raises(ValueError, match=message):
        pool2d(np.ones(x_shape), **kwargs)


def test_maxpool_backward_errors():
    with pytest.raises(ValueError, match=r"grad_out must have the pooled shape \(2, 2\)"):
        maxpool_backward(np.ones((4, 4)), np.ones((3, 3)), 2)
    with pytest.raises(ValueError, match="x must be"):
        maxpool_backward(np.ones(4), np.ones(2), 2)


@pytest.mark.parametrize(
    "args, kwargs, message",
    [
        ((5, 6), {}, "kernel larger than the padded input"),
        ((5, 3), {"stride": 0}, "stride must be at least 1"),
        ((5, 3), {"dilation": -1}, "dilation must be at least 1"),
        ((5, 3), {"padding": -1}, "padding must be at least 0"),
        ((5, 3), {"padding": "Same"}, "unknown padding 'Same'"),
    ],
)
def test_conv_output_size_errors(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        conv_output_size(*args, **kwargs)


# --- bad input refused up front (issue 14) ---------------------------------------


def _peak_bytes(f):
    """Run ``f`` (which must raise ValueError) and return the peak of memory traced while it ran."""
    import tracemalloc

    tracemalloc.start()
    try:
        with pytest.raises(ValueError) as info:
            f()
        return tracemalloc.get_traced_memory()[1], str(info.value)
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("f", [corr2d, corr2d_loops])
@pytest.mark.parametrize("k", [np.zeros((0, 0)), np.zeros((0, 3)), np.zeros((3, 0))])
def test_empty_kernel_refused(f, k):
    # A 0x0 kernel gave a (6, 6) array of zeros.
    with pytest.raises(ValueError, match="k must have every side at least 1"):
        f(np.ones((5, 5)), k)


@pytest.mark.parametrize("w_shape", [(3, 3, 1, 0), (0, 0, 1, 4), (3, 0, 1, 4)])
def test_empty_conv2d_weights_refused(w_shape):
    # Empty weights gave numpy's "cannot reshape array".
    with pytest.raises(ValueError, match="w must have every side at least 1"):
        conv2d(np.ones((5, 5, 1)), np.zeros(w_shape))


@pytest.mark.parametrize("k", [0, -3])
def test_conv_output_size_refuses_kernels_below_one(k):
    # conv_output_size(5, 0) returned 6 and (5, -3) returned 9.
    with pytest.raises(ValueError, match=f"k must be at least 1, got {k}"):
        conv_output_size(5, k)


COMPLEX = np.ones((5, 5)) * (1 + 1j)


@pytest.mark.parametrize("call, name", [
    (lambda: corr2d(COMPLEX, np.ones((3, 3))), "x"),
    (lambda: corr2d(np.ones((5, 5)), np.ones((3, 3)) * 1j), "k"),
    (lambda: corr2d_loops(COMPLEX, np.ones((3, 3))), "x"),
    (lambda: conv2d(COMPLEX[..., None], np.ones((3, 3, 1, 1))), "x"),
    (lambda: conv2d(np.ones((5, 5, 1)), np.ones((3, 3, 1, 1)), [1j]), "b"),
    (lambda: pool2d(COMPLEX, 2), "x"),
    (lambda: maxpool_backward(np.ones((4, 4)), np.ones((2, 2)) * 1j, 2), "grad_out"),
])
def test_complex_input_refused(call, name):
    # Complex input silently lost its imaginary part.
    with pytest.raises(ValueError, match=f"{name} must hold real numbers, got dtype complex128"):
        call()


@pytest.mark.parametrize("call, message", [
    (lambda: corr2d(None, np.ones((3, 3))), "x must be an array of real numbers, got None"),
    (lambda: corr2d(np.ones((5, 5)), None), "k must be an array of real numbers, got None"),
    (lambda: conv2d(None, np.ones((3, 3, 1, 1))), "x must be an array"),
    (lambda: conv2d(np.ones((5, 5, 1)), None), "w must be an array"),
    (lambda: pool2d(None, 2), "x must be an array"),
    (lambda: corr2d([[1, None], [2, 3]], np.ones((1, 1))), "x must hold real numbers, got dtype object"),
    (lambda: conv_output_size(None, 3), "n must be an integer, got None"),
    (lambda: conv_output_size(5, None), "k must be an integer, got None"),
    (lambda: corr2d(np.ones((5, 5)), np.ones((3, 3)), stride=None), "stride must be an integer, got None"),
])
def test_none_refused(call, message):
    # None gave NaN.
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("call, message", [
    (lambda: corr2d([["1", "2"], ["3", "4"]], np.ones((1, 1))), "x must hold real numbers, got dtype <U1"),
    (lambda: conv_output_size("5", 3), "n must be an integer, got '5'"),
    (lambda: conv_output_size(5, "3"), "k must be an integer, got '3'"),
    (lambda: corr2d(np.ones((5, 5)), np.ones((3, 3)), stride="2"), "stride must be an integer, got '2'"),
    (lambda: corr2d(np.ones((5, 5)), np.ones((3, 3)), padding="1"), "unknown padding '1'"),
    (lambda: pool2d(np.ones((4, 4)), "2"), "size must be an integer, got '2'"),
])
def test_numeric_strings_refused(call, message):
    # Numeric strings were parsed.
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("kwargs, name", [
    ({"stride": True}, "stride"), ({"stride": (1, True)}, "stride"), ({"dilation": True}, "dilation"),
    ({"padding": True}, "padding"), ({"padding": (np.bool_(True), 0)}, "padding"),
])
def test_booleans_refused_as_sizes(kwargs, name):
    # stride=True meant 1.
    for call in (lambda: corr2d(np.ones((5, 5)), np.ones((3, 3)), **kwargs),
                 lambda: conv2d(np.ones((5, 5, 1)), np.ones((3, 3, 1, 1)), **kwargs),
                 lambda: conv_output_size(5, 3, **kwargs)):
        with pytest.raises(ValueError, match=f"{name} must be an integer"):
            call()
    with pytest.raises(ValueError, match="size must be an integer"):
        pool2d(np.ones((4, 4)), True)
    with pytest.raises(ValueError, match="k must be an integer"):
        conv_output_size(5, True)


integral = st.sampled_from([int, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint32, np.uint64])


@SETTINGS
@given(n=st.integers(1, 60), k=st.integers(1, 7), padding=st.integers(0, 3), stride=st.integers(1, 4),
       dilation=st.integers(1, 3), t=integral)
def test_any_integral_type_accepted(n, k, padding, stride, dilation, t):
    assume(dilation * (k - 1) + 1 <= n + 2 * padding)
    expected = (n + 2 * padding - dilation * (k - 1) - 1) // stride + 1
    assert conv_output_size(t(n), t(k), t(padding), t(stride), t(dilation)) == expected
    x = np.arange(n * n, dtype=np.float64).reshape(n, n)
    kernel = np.ones((k, k))
    reference = corr2d(x, kernel, padding, stride, dilation)
    np.testing.assert_array_equal(corr2d(x, kernel, t(padding), (t(stride), t(stride)), t(dilation)), reference)


bad_sizes = st.one_of(
    st.booleans(), st.none(), st.floats(allow_nan=True), st.complex_numbers(),
    st.integers(1, 9).map(str), st.integers(-5, 0),
)


@SETTINGS
@given(value=bad_sizes, name=st.sampled_from(["stride", "dilation"]))
def test_bad_strides_and_dilations_name_the_argument(value, name):
    with pytest.raises(ValueError, match=f"^{name} must be"):
        corr2d(np.ones((6, 6)), np.ones((2, 2)), **{name: value})
    with pytest.raises(ValueError, match=f"^{name} must be"):
        conv_output_size(6, 2, **{name: value})


@SETTINGS
@given(value=bad_sizes.filter(lambda v: not (isinstance(v, int) and not isinstance(v, bool) and v == 0)))
def test_bad_kernel_sizes_name_the_argument(value):
    with pytest.raises(ValueError, match="^k must be"):
        conv_output_size(6, value)
    with pytest.raises(ValueError, match="^size must be"):
        pool2d(np.ones((6, 6)), value)


@pytest.mark.parametrize("call", [
    lambda: corr2d(np.ones((5, 5), np.float32), np.ones((3, 3)), padding=100_000),
    lambda: corr2d_loops(np.ones((5, 5)), np.ones((3, 3)), padding=100_000),
    lambda: corr2d(np.ones((5, 5)), np.ones((3, 3)), padding="same", dilation=100_000),
    lambda: conv2d(np.ones((5, 5, 1)), np.ones((3, 3, 1, 1)), padding=100_000),
    lambda: conv2d(np.ones((5, 5, 1)), np.ones((3, 3, 1, 1)), padding="same", dilation=100_000),
    lambda: conv2d(np.ones((1000, 5, 5, 1)), np.ones((3, 3, 1, 1)), padding=200),
    lambda: pool2d(np.ones((4, 4)), 100_000, padding="same"),
    lambda: pool2d(np.ones((4, 4)), 100_000, padding="same", mode="avg"),
    lambda: maxpool_backward(np.ones((4, 4)), np.ones((1, 1)), 100_000, padding="same"),
])
def test_huge_allocations_refused_before_allocating(call):
    # These tried to allocate hundreds of GiB; a 10 GB request would be granted and filled.
    peak, message = _peak_bytes(call)
    assert "over the budget of" in message and "padded" in message
    assert peak < 1_000_000  # bytes: nothing big was allocated before the refusal


def test_budget_leaves_ordinary_work_alone():
    x = np.ones((64, 28, 28, 32), np.float32)
    assert conv2d(x, np.ones((3, 3, 32, 64), np.float32), padding="same").shape == (64, 28, 28, 64)
    assert pool2d(np.ones((2048, 2048)), 2).shape == (1024, 1024)


# --- conv_matrix --------------------------------------------------------------


@SETTINGS
@given(
    h=st.integers(1, 7), w=st.integers(1, 7), kh=small, kw=small,
    padding=paddings, stride=steps, dilation=steps, seed=st.integers(0, 2**16),
)
def test_conv_matrix_times_x_is_corr2d_and_its_transpose_is_the_input_gradient(
    h, w, kh, kw, padding, stride, dilation, seed
):
    assume(fits((h, w), (kh, kw), padding, dilation))
    rng = np.random.default_rng(seed)
    x, k = rng.normal(size=(h, w)), rng.normal(size=(kh, kw))
    C = conv_matrix((h, w), k, padding, stride, dilation)
    y = corr2d(x, k, padding, stride, dilation)
    assert C.shape == (y.size, x.size)
    np.testing.assert_allclose(C @ x.ravel(), y.ravel(), rtol=1e-10, atol=1e-10)
    # Each row holds at most the kh*kw weights (fewer where taps hit padding).
    assert np.all(np.count_nonzero(C, axis=1) <= kh * kw)
    # C.T is the gradient of sum(corr2d(x) * g) with respect to x (tf computes it).
    if max(pair(dilation)) > 1:
        return  # TF's CPU input gradient has no dilation
    g = rng.normal(size=y.shape)
    xv = tf.Variable(x[None, :, :, None])
    with tf.GradientTape() as tape:
        out = tf.nn.conv2d(xv, k[:, :, None, None], strides=pair(stride),
                           padding=tf_padding(padding), dilations=pair(dilation))
        loss = tf.reduce_sum(out * g[None, :, :, None])
    grad = tape.gradient(loss, xv).numpy()[0, :, :, 0]
    np.testing.assert_allclose(C.T @ g.ravel(), grad.ravel(), rtol=1e-9, atol=1e-9)


def test_conv_matrix_transpose_is_keras_conv2d_transpose():
    rng = np.random.default_rng(0)
    k = rng.normal(size=(3, 3)).astype("float32")
    x = rng.normal(size=(2, 2)).astype("float32")
    for stride, n in ((1, 4), (2, 5)):  # valid: (2 - 1) * stride + 3
        layer = keras.layers.Conv2DTranspose(1, 3, strides=stride, use_bias=False)
        layer.build((1, 2, 2, 1))
        layer.set_weights([k[:, :, None, None]])
        theirs = keras.ops.convert_to_numpy(layer(x[None, :, :, None]))[0, :, :, 0]
        C = conv_matrix((n, n), k, stride=stride)
        np.testing.assert_allclose((C.T @ x.ravel()).reshape(n, n), theirs, atol=1e-5)


def test_conv_matrix_rejects_bad_arguments():
    with pytest.raises(ValueError, match="shape"):
        conv_matrix((0, 3), np.ones((2, 2)))
    with pytest.raises(ValueError, match="k must"):
        conv_matrix((3, 3), np.ones(3))
    with pytest.raises(ValueError, match="kernel larger"):
        conv_matrix((2, 2), np.ones((3, 3)))
    with pytest.raises(ValueError, match="matrix"):
        conv_matrix((4000, 4000), np.ones((1, 1)))
