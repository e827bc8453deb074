"""cnnbook.conv's depthwise and depthwise separable convolutions against Keras, on hypothesis-generated shapes."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cnnbook.conv import conv2d, depthwise_conv2d, separable_conv2d

keras = pytest.importorskip("keras")

SETTINGS = settings(max_examples=30, deadline=None)


def fits(shape, kshape, padding, dilation):
    """Whether the dilated kernel fits in the input ("same" always does)."""
    return padding == "same" or all(dilation * (k - 1) + 1 <= n for n, k in zip(shape, kshape))


geometry = dict(
    batch=st.sampled_from([None, 1, 3]), h=st.integers(1, 7), w=st.integers(1, 7),
    c_in=st.integers(1, 3), mult=st.integers(1, 2), kh=st.integers(1, 3), kw=st.integers(1, 3),
    padding=st.sampled_from(["valid", "same"]), step=st.integers(1, 3),
    step_is_dilation=st.booleans(), use_bias=st.booleans(), seed=st.integers(0, 2**16),
)


@SETTINGS
@given(**geometry)
def test_depthwise_conv2d_matches_keras(batch, h, w, c_in, mult, kh, kw, padding, step, step_is_dilation,
                                        use_bias, seed):
    # Keras refuses strides > 1 together with dilation > 1: one at a time.
    stride, dilation = (1, step) if step_is_dilation else (step, 1)
    assume(fits((h, w), (kh, kw), padding, dilation))
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(h, w, c_in) if batch is None else (batch, h, w, c_in))
    weights, bias = rng.normal(size=(kh, kw, c_in, mult)), rng.normal(size=c_in * mult)
    layer = keras.layers.DepthwiseConv2D((kh, kw), strides=stride, padding=padding, depth_multiplier=mult,
                                         dilation_rate=dilation, use_bias=use_bias, dtype="float64")
    layer.build((1, h, w, c_in))
    layer.set_weights([weights, bias] if use_bias else [weights])
    expected = keras.ops.convert_to_numpy(layer(x if batch else x[None]))
    out = depthwise_conv2d(x, weights, bias if use_bias else None, padding, stride, dilation)
    assert out.shape == (expected.shape if batch else expected.shape[1:])
    np.testing.assert_allclose(out, expected if batch else expected[0], rtol=1e-10, atol=1e-10)


@SETTINGS
@given(**geometry, c_out=st.integers(1, 4))
def test_separable_conv2d_matches_keras(batch, h, w, c_in, mult, kh, kw, padding, step, step_is_dilation,
                                        use_bias, seed, c_out):
    stride, dilation = (1, step) if step_is_dilation else (step, 1)
    assume(fits((h, w), (kh, kw), padding, dilation))
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(h, w, c_in) if batch is None else (batch, h, w, c_in))
    depthwise = rng.normal(size=(kh, kw, c_in, mult))
    pointwise = rng.normal(size=(1, 1, c_in * mult, c_out))
    bias = rng.normal(size=c_out)
    layer = keras.layers.SeparableConv2D(c_out, (kh, kw), strides=stride, padding=padding, depth_multiplier=mult,
                                         dilation_rate=dilation, use_bias=use_bias, dtype="float64")
    layer.build((1, h, w, c_in))
    layer.set_weights([depthwise, pointwise, bias] if use_bias else [depthwise, pointwise])
    expected = keras.ops.convert_to_numpy(layer(x if batch else x[None]))
    out = separable_conv2d(x, depthwise, pointwise, bias if use_bias else None, padding, stride, dilation)
    assert out.shape == (expected.shape if batch else expected.shape[1:])
    np.testing.assert_allclose(out, expected if batch else expected[0], rtol=1e-10, atol=1e-10)


@SETTINGS
@given(h=st.integers(3, 7), c_in=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_depthwise_is_conv2d_with_a_diagonal_kernel(h, c_in, seed):
    # A standard convolution whose kernel only connects channel c to channel c.
    rng = np.random.default_rng(seed)
    x, w = rng.normal(size=(2, h, h, c_in)), rng.normal(size=(3, 3, c_in, 1))
    full = np.zeros((3, 3, c_in, c_in))
    for c in range(c_in):
        full[:, :, c, c] = w[:, :, c, 0]
    np.testing.assert_allclose(depthwise_conv2d(x, w, padding="same"), conv2d(x, full, padding="same"),
                               rtol=1e-10, atol=1e-10)


def test_float32_stays_float32():
    x = np.ones((2, 5, 5, 3), "float32")
    assert depthwise_conv2d(x, np.ones((3, 3, 3, 1), "float32")).dtype == np.float32
    out = separable_conv2d(x, np.ones((3, 3, 3, 1), "float32"), np.ones((1, 1, 3, 4), "float32"))
    assert out.dtype == np.float32 and out.shape == (2, 3, 3, 4)


@pytest.mark.parametrize(
    "x_shape, w_shape, b_shape, kwargs, message",
    [
        ((5, 5), (3, 3, 1, 1), None, {}, r"x must be \(H, W, C\) or \(N, H, W, C\)"),
        ((5, 5, 1), (3, 3, 1), None, {}, r"w must be \(kh, kw, C_in, depth_multiplier\)"),
        ((5, 5, 3), (3, 3, 2, 1), None, {}, "channel mismatch: x has 3 channels but w expects 2"),
        ((5, 5, 2), (3, 3, 2, 2), (2,), {}, r"b must have shape \(4,\)"),
        ((2, 2, 1), (3, 3, 1, 1), None, {}, "kernel larger than the padded input"),
        ((5, 5, 1), (3, 3, 1, 1), None, {"stride": 0}, "stride must be at least 1"),
        ((5, 5, 1), (3, 3, 1, 1), None, {"padding": "full"}, "unknown padding"),
    ],
)
def test_depthwise_conv2d_errors(x_shape, w_shape, b_shape, kwargs, message):
    b = None if b_shape is None else np.ones(b_shape)
    with pytest.raises(ValueError, match=message):
        depthwise_conv2d(np.ones(x_shape), np.ones(w_shape), b, **kwargs)


@pytest.mark.parametrize(
    "d_shape, p_shape, message",
    [
        ((3, 3, 2), (1, 1, 2, 4), r"depthwise must be \(kh, kw, C_in, depth_multiplier\)"),
        ((3, 3, 2, 1), (3, 3, 2, 4), r"pointwise must be \(1, 1, C_in \* depth_multiplier, C_out\)"),
        ((3, 3, 2, 2), (1, 1, 2, 4), "pointwise must take the 4 channels of the depthwise step"),
        ((3, 3, 3, 1), (1, 1, 3, 4), "channel mismatch: x has 2 channels but w expects 3"),
    ],
)
def test_separable_conv2d_errors(d_shape, p_shape, message):
    with pytest.raises(ValueError, match=message):
        separable_conv2d(np.ones((5, 5, 2)), np.ones(d_shape), np.ones(p_shape))
