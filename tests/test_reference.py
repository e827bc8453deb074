"""cnnbook.reference: the Keras layers that compute what cnnbook.conv computes."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from cnnbook import conv, reference

pytest.importorskip("keras")


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 9), m=st.integers(1, 9), kh=st.integers(1, 4), kw=st.integers(1, 4),
       padding=st.one_of(st.integers(0, 2), st.sampled_from(["valid", "same"])),
       stride=st.integers(1, 3), seed=st.integers(0, 2**16))
def test_keras_corr2d_matches_corr2d(n, m, kh, kw, padding, stride, seed):
    rng = np.random.default_rng(seed)
    x, k = rng.normal(size=(n, m)), rng.normal(size=(kh, kw))
    try:
        ours = conv.corr2d(x, k, padding=padding, stride=stride)
    except ValueError:
        with pytest.raises(ValueError):
            reference.keras_corr2d(x, k, padding=padding, stride=stride)
        return
    theirs = reference.keras_corr2d(x, k, padding=padding, stride=stride)
    assert theirs.shape == ours.shape
    assert np.allclose(theirs, ours, atol=1e-4)


def test_keras_corr2d_dilation():
    x, k = np.random.default_rng(1).normal(size=(9, 9)), np.arange(9.0).reshape(3, 3)
    assert np.allclose(reference.keras_corr2d(x, k, dilation=2), conv.corr2d(x, k, dilation=2), atol=1e-4)


@pytest.mark.parametrize("call, message", [
    (lambda: reference.keras_corr2d(np.ones(3), np.ones((2, 2))), "x must be 2-D"),
    (lambda: reference.keras_corr2d(np.ones((3, 3)), np.ones((2, 2)), padding="full"), "padding must be one of"),
    (lambda: reference.keras_corr2d(np.ones((3, 3)), np.ones((2, 2)), stride=0), "stride must be at least 1"),
    (lambda: reference.keras_corr2d(np.ones((5, 5)), np.ones((2, 2)), stride=2, dilation=2), "stride, dilation"),
    (lambda: reference.keras_corr2d(np.ones((3, 3)), np.ones((4, 4))), "^k: "),
    (lambda: reference.keras_conv_transpose(np.ones((2, 2)), np.ones((3, 3)), output_padding=1),
     "output_padding must be below"),
    (lambda: reference.keras_pool2d(np.ones((2, 2)), 3), "^size: "),
    (lambda: reference.keras_pool2d(np.ones((4, 4)), 2, mode="min"), "mode must be one of"),
    (lambda: reference.keras_pool2d(np.ones((4, 4, 1)), 2), "x must be 2-D or 4-D"),
])
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("stride, extra", [(1, None), (2, None), (2, 1), (3, 2)])
def test_keras_conv_transpose_is_the_transposed_matrix(stride, extra):
    x, k = np.random.default_rng(stride).normal(size=(3, 3)), np.arange(9.0).reshape(3, 3)
    y = reference.keras_conv_transpose(x, k, stride=stride, output_padding=extra)
    n = (3 - 1) * stride + 3 + (extra or 0)
    assert y.shape == (n, n)
    C = conv.conv_matrix((n, n), k, stride=stride)
    assert np.allclose(y, (C.T @ x.ravel()).reshape(n, n), atol=1e-4)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 9), size=st.integers(1, 4), stride=st.one_of(st.none(), st.integers(1, 3)),
       padding=st.sampled_from(["valid", "same"]), mode=st.sampled_from(["max", "avg"]),
       seed=st.integers(0, 2**16))
def test_keras_pool2d_matches_pool2d(n, size, stride, padding, mode, seed):
    x = np.random.default_rng(seed).normal(size=(2, n, n + 1, 3))
    if padding == "valid" and size > n:
        with pytest.raises(ValueError):
            reference.keras_pool2d(x, size, stride, padding, mode)
        return
    ours = conv.pool2d(x, size, stride, padding, mode=mode)
    theirs = reference.keras_pool2d(x, size, stride, padding, mode)
    assert theirs.shape == ours.shape
    assert np.allclose(theirs, ours, atol=1e-5)
    assert np.allclose(reference.keras_pool2d(x[0, :, :, 0], size, stride, padding, mode),
                       ours[0, :, :, 0], atol=1e-5)
