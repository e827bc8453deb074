"""Convolution and pooling written from scratch with NumPy.

Everything here follows the conventions of Keras and TensorFlow, so the
results can be checked against ``keras.layers.Conv2D`` and friends:

* "Convolution" in deep learning is *cross-correlation*: the kernel is not
  flipped. ``corr2d(x, k)[i, j] = sum_{a, b} x[i + a, j + b] * k[a, b]``.
* Images are channels-last: ``(H, W)``, ``(H, W, C)`` or ``(N, H, W, C)``;
  convolution weights are ``(kh, kw, C_in, C_out)``.
* ``padding`` is an int (all sides), a pair ``(rows, cols)`` (rows are added
  at the top and at the bottom, cols at the left and at the right), or the
  strings ``"valid"`` (no padding) and ``"same"`` (output length
  ``ceil(n / stride)``; when the total padding is odd, TensorFlow puts the
  extra row/column at the bottom/right, and so do we).
* ``stride`` and ``dilation`` are a positive int or a pair ``(rows, cols)``.

Dtype: float32 and float64 inputs keep their precision (float32 in, float32
out, like TensorFlow); anything else (booleans, integers, float16...) is
computed in float64. Complex numbers, strings and None are refused.

Every argument is checked before any work, with a ValueError that names it:
sizes are integers of any integral type (``numpy.int64`` too) but not
booleans, kernels have sides of at least 1, and an input that padding,
dilation or a pooling window would blow up beyond `cnnbook.checks.MAX_ELEMENTS`
elements is refused before anything is allocated.
"""

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import checks

__all__ = [
    "conv_output_size",
    "resolve_padding",
    "corr2d",
    "corr2d_loops",
    "conv2d",
    "depthwise_conv2d",
    "separable_conv2d",
    "conv_matrix",
    "pool2d",
    "maxpool_backward",
]


# ---------------------------------------------------------------------------
# Geometry: padding, strides and output sizes
# ---------------------------------------------------------------------------


def _positive_pair(value, name):
    """Return ``value`` as a pair of positive ints (an int means both axes)."""
    return checks.pair(value, name, low=1)


def _axis_padding(n, k, padding, stride, dilation):
    """(before, after) padding along one axis; see `conv_output_size`."""
    if isinstance(padding, str):
        if padding == "valid":
            return 0, 0
        if padding == "same":
            span = dilation * (k - 1) + 1
            total = max((math.ceil(n / stride) - 1) * stride + span - n, 0)
            return total // 2, total - total // 2  # TF: the odd one goes after
        raise ValueError(
            f"unknown padding {padding!r}; use an int, a pair, 'valid' or 'same'"
        )
    return checks.pair(padding, "padding", low=0)


def conv_output_size(n, k, padding=0, stride=1, dilation=1):
    """Length of a convolution or pooling output along one axis.

    Parameters
    ----------
    n : int
        Input length.
    k : int
        Kernel (or pooling window) length.
    padding : int, pair of int, "valid" or "same"
        Zero padding added on both ends (int), or ``(before, after)``,
        or Keras/TensorFlow's "valid" (none) and "same" (output
        ``ceil(n / stride)``).
    stride : int
        Step between windows.
    dilation : int
        Spacing between kernel taps; the kernel spans ``dilation*(k-1)+1``.

    Returns
    -------
    int
        ``(n + before + after - dilation*(k-1) - 1) // stride + 1``.

    Raises
    ------
    ValueError
        On a length or kernel below 1, a non-positive stride or dilation, a
        bad padding, or a kernel that spans more than the padded input.

    Examples
    --------
    >>> conv_output_size(28, 3)
    26
    >>> conv_output_size(5, 3, padding=1, stride=2)
    3
    >>> conv_output_size(28, 5, padding="same", stride=2)
    14
    >>> conv_output_size(5, 0)
    Traceback (most recent call last):
    ...
    ValueError: k must be at least 1, got 0
    """
    n = checks.integer(n, "n", low=1)
    k = checks.integer(k, "k", low=1)
    stride = _positive_pair(stride, "stride")[0]
    dilation = _positive_pair(dilation, "dilation")[0]
    before, after = _axis_padding(n, k, padding, stride, dilation)
    span = dilation * (k - 1) + 1
    if span > n + before + after:
        raise ValueError(
            f"kernel larger than the padded input: the kernel spans {span} "
            f"(size {k}, dilation {dilation}) but the padded input has "
            f"{n + before + after}"
        )
    return (n + before + after - span) // stride + 1


def resolve_padding(shape, kernel_shape, padding=0, stride=1, dilation=1):
    """Padding of a 2-D input as ``(top, bottom, left, right)``.

    Parameters
    ----------
    shape : pair of int
        Input height and width.
    kernel_shape : pair of int
        Kernel height and width.
    padding : int, pair of int, "valid" or "same"
        An int pads all four sides; ``(rows, cols)`` pads ``rows`` at the top
        and at the bottom and ``cols`` at the left and at the right; "valid"
        and "same" follow Keras/TensorFlow (extra padding at bottom/right).
    stride, dilation : int or pair of int
        Only "same" padding depends on them.

    Returns
    -------
    tuple of 4 int
        ``(top, bottom, left, right)``.

    Examples
    --------
    >>> resolve_padding((5, 5), (3, 3), "same")
    (1, 1, 1, 1)
    >>> resolve_padding((6, 6), (3, 3), "same", stride=2)
    (0, 1, 0, 1)
    """
    strides = _positive_pair(stride, "stride")
    dilations = _positive_pair(dilation, "dilation")
    shape = [checks.integer(n, "shape", low=1) for n in shape]
    kernel_shape = [checks.integer(k, "kernel_shape", low=1) for k in kernel_shape]
    if isinstance(padding, str):
        per_axis = (padding, padding)
    else:
        per_axis = checks.pair(padding, "padding", low=0)
    pads = []
    for n, k, p, s, d in zip(shape, kernel_shape, per_axis, strides, dilations):
        pads += _axis_padding(n, k, p, s, d)
    return tuple(pads)


def _geometry(shape, kernel_shape, padding, stride, dilation):
    """Validated (top, bottom, left, right), output shape, strides, dilations."""
    strides = _positive_pair(stride, "stride")
    dilations = _positive_pair(dilation, "dilation")
    top, bottom, left, right = resolve_padding(
        shape, kernel_shape, padding, strides, dilations
    )
    out_shape = tuple(
        conv_output_size(n, k, pad, s, d)
        for n, k, pad, s, d in zip(
            shape, kernel_shape, [(top, bottom), (left, right)], strides, dilations
        )
    )
    return (top, bottom, left, right), out_shape, strides, dilations


def _float_dtype(*arrays):
    """float32 or float64 stay as they are; everything else becomes float64."""
    dtype = np.result_type(*arrays)
    if dtype in (np.float32, np.float64):
        return dtype
    return np.dtype(np.float64)


def _as_array(a, name, ndim):
    """``a`` as an array of real numbers with ``ndim`` dimensions and no empty side."""
    return checks.array(a, name, ndim=ndim, dtype=None, finite=False)


def _check_padded(shape, pads, name="x"):
    """Refuse, before allocating it, a padded input over the element budget."""
    top, bottom, left, right = pads
    padded = list(shape)
    padded[-3 if len(shape) > 2 else 0] += top + bottom
    padded[-2 if len(shape) > 2 else 1] += left + right
    checks.budget(padded, f"{name} padded")


# ---------------------------------------------------------------------------
# 2-D cross-correlation of one image with one kernel
# ---------------------------------------------------------------------------


def corr2d_loops(x, k, padding=0, stride=1, dilation=1):
    """2-D cross-correlation with plain Python loops (slow; for reading).

    Same arguments and results as `corr2d`: one output pixel at a time, each
    the sum of a window of the padded input times the kernel.

    Examples
    --------
    >>> x = np.arange(9.0).reshape(3, 3)
    >>> corr2d_loops(x, np.ones((2, 2)))
    array([[ 8., 12.],
           [20., 24.]])
    """
    x, k = _as_array(x, "x", 2), _as_array(k, "k", 2)
    (top, bottom, left, right), (out_h, out_w), (sh, sw), (dh, dw) = _geometry(
        x.shape, k.shape, padding, stride, dilation
    )
    _check_padded(x.shape, (top, bottom, left, right))
    dtype = _float_dtype(x, k)
    xp = np.pad(x.astype(dtype), ((top, bottom), (left, right)))
    kh, kw = k.shape
    out = np.zeros((out_h, out_w), dtype)
    for i in range(out_h):
        for j in range(out_w):
            r, c = i * sh, j * sw  # top-left corner of the window
            window = xp[r : r + dh * (kh - 1) + 1 : dh, c : c + dw * (kw - 1) + 1 : dw]
            out[i, j] = np.sum(window * k)
    return out


def corr2d(x, k, padding=0, stride=1, dilation=1):
    """2-D cross-correlation of an image with a kernel (vectorized).

    ``out[i, j] = sum_{a, b} xp[i*s + a*d, j*s + b*d] * k[a, b]`` where ``xp``
    is ``x`` zero-padded. This is what ``keras.layers.Conv2D`` computes for one
    input and one output channel (no kernel flip).

    Parameters
    ----------
    x : (H, W) array_like
        Input image.
    k : (kh, kw) array_like
        Kernel.
    padding : int, pair of int, "valid" or "same"
        Zero padding; see the module docstring.
    stride : int or pair of int
        Step between output pixels.
    dilation : int or pair of int
        Spacing between kernel taps.

    Returns
    -------
    out : (H_out, W_out) ndarray
        Float array; sizes as given by `conv_output_size`.

    Raises
    ------
    ValueError
        If ``x`` or ``k`` is not 2-D, on a bad padding, stride or dilation, or
        if the kernel is larger than the padded input.

    Notes
    -----
    Instead of looping over the ``H_out * W_out`` output pixels (see
    `corr2d_loops`) we loop over the ``kh * kw`` kernel taps: each tap adds
    ``k[a, b]`` times a shifted (strided) view of the image. NumPy does each
    of these whole-array operations in compiled code.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(4, 4)
    >>> corr2d(x, [[1, 0], [0, -1]])
    array([[-5., -5., -5.],
           [-5., -5., -5.],
           [-5., -5., -5.]])
    >>> corr2d(x, np.ones((3, 3)), padding="same", stride=2).shape
    (2, 2)
    """
    x, k = _as_array(x, "x", 2), _as_array(k, "k", 2)
    (top, bottom, left, right), (out_h, out_w), (sh, sw), (dh, dw) = _geometry(
        x.shape, k.shape, padding, stride, dilation
    )
    _check_padded(x.shape, (top, bottom, left, right))
    dtype = _float_dtype(x, k)
    xp = np.pad(x.astype(dtype, copy=False), ((top, bottom), (left, right)))
    k = k.astype(dtype, copy=False)
    out = np.zeros((out_h, out_w), dtype)
    # Work through the output in bands of rows small enough to stay in the CPU
    # cache while all the taps are added: about 1.5x faster on large images.
    band = max(1, 2**16 // out_w)
    tap = np.empty((min(band, out_h), out_w), dtype)
    for first in range(0, out_h, band):
        acc = out[first : first + band]  # a view: adding to it fills out
        buf = tap[: len(acc)]
        for a in range(k.shape[0]):
            for b in range(k.shape[1]):
                r, c = first * sh + a * dh, b * dw
                shifted = xp[r : r + (len(acc) - 1) * sh + 1 : sh, c : c + (out_w - 1) * sw + 1 : sw]
                np.multiply(shifted, k[a, b], out=buf)  # in place: no temporaries
                acc += buf
    return out


def conv_matrix(shape, k, padding=0, stride=1, dilation=1):
    """The matrix ``C`` of a 2-D cross-correlation: ``C @ x.ravel()`` is ``corr2d(x, k, ...).ravel()``.

    Row ``i * W_out + j`` holds the kernel's weights at the columns of the
    input pixels under output pixel ``(i, j)``'s window, and zeros elsewhere
    (taps that fall on the zero padding are left out). Every row holds the
    same weights, shifted: that is weight sharing; most entries are zero:
    that is locality. ``C.T`` maps an output-sized array back to the input's
    size: it is the transposed convolution, and ``C.T @ g`` is the gradient of
    ``sum(corr2d(x, k) * g)`` with respect to ``x``.

    Parameters
    ----------
    shape : pair of int
        Input height and width ``(H, W)``.
    k : (kh, kw) array_like
        Kernel.
    padding, stride, dilation
        As in `corr2d`.

    Returns
    -------
    C : (H_out * W_out, H * W) ndarray
        Dense float64 matrix (float32 for a float32 kernel), meant for small
        sizes: it has ``H_out * W_out * H * W`` entries.

    Raises
    ------
    ValueError
        On a bad shape or kernel, the cases listed in `corr2d`, or a matrix
        larger than `cnnbook.checks.MAX_ELEMENTS` entries.

    Examples
    --------
    >>> C = conv_matrix((3, 3), [[1, 2], [3, 4]])
    >>> C
    array([[1., 2., 0., 3., 4., 0., 0., 0., 0.],
           [0., 1., 2., 0., 3., 4., 0., 0., 0.],
           [0., 0., 0., 1., 2., 0., 3., 4., 0.],
           [0., 0., 0., 0., 1., 2., 0., 3., 4.]])
    >>> x = np.arange(9.0).reshape(3, 3)
    >>> np.array_equal(C @ x.ravel(), corr2d(x, [[1, 2], [3, 4]]).ravel())
    True
    """
    shape = checks.pair(shape, "shape", low=1)
    k = _as_array(k, "k", 2)
    (top, _, left, _), (out_h, out_w), (sh, sw), (dh, dw) = _geometry(
        shape, k.shape, padding, stride, dilation
    )
    h, w = shape
    checks.budget((out_h * out_w, h * w), "the matrix")
    C = np.zeros((out_h, out_w, h, w), _float_dtype(k))
    for i in range(out_h):
        for j in range(out_w):
            for a in range(k.shape[0]):
                for b in range(k.shape[1]):
                    # The input pixel under tap (a, b) of window (i, j).
                    r, c = i * sh + a * dh - top, j * sw + b * dw - left
                    if 0 <= r < h and 0 <= c < w:  # else: on the padding
                        C[i, j, r, c] = k[a, b]
    return C.reshape(out_h * out_w, h * w)


# ---------------------------------------------------------------------------
# Multi-channel convolution (what keras.layers.Conv2D computes)
# ---------------------------------------------------------------------------


def _image_and_kernel(x, w, kernel_axes):
    """Check images (H, W, C) or (N, H, W, C) and a 4-D kernel whose third axis is their channels."""
    x = checks.array(x, "x", dtype=None, finite=False)
    w = checks.array(w, "w", dtype=None, finite=False)
    if x.ndim not in (3, 4):
        raise ValueError(
            f"x must be (H, W, C) or (N, H, W, C), got {x.ndim} dimensions {x.shape}"
        )
    if w.ndim != 4:
        raise ValueError(f"w must be {kernel_axes}, got {w.ndim} dimensions {w.shape}")
    if w.shape[2] != x.shape[-1]:
        raise ValueError(
            f"channel mismatch: x has {x.shape[-1]} channels but w expects {w.shape[2]}"
        )
    return x, w


def _bias(b, size):
    """Check an optional bias of ``size`` numbers."""
    if b is None:
        return None
    b = checks.array(b, "b", dtype=None, finite=False)
    if b.shape != (size,):
        raise ValueError(f"b must have shape ({size},), got {b.shape}")
    return b


def conv2d(x, w, b=None, padding=0, stride=1, dilation=1):
    """Multi-channel 2-D convolution, like ``keras.layers.Conv2D``.

    ``out[n, i, j, o] = b[o] + sum_{a, c, ch} xp[n, i*s + a*d, j*s + c*d, ch]
    * w[a, c, ch, o]``: each output channel is the sum over the input channels
    of `corr2d` with one kernel slice, plus a bias.

    Parameters
    ----------
    x : (H, W, C_in) or (N, H, W, C_in) array_like
        Input, channels last.
    w : (kh, kw, C_in, C_out) array_like
        Weights in Keras layout (``layer.kernel``).
    b : (C_out,) array_like, optional
        Bias (``layer.bias``).
    padding : int, pair of int, "valid" or "same"
        Zero padding; see the module docstring.
    stride, dilation : int or pair of int
        As in `corr2d`.

    Returns
    -------
    out : (H_out, W_out, C_out) or (N, H_out, W_out, C_out) ndarray
        Batched if and only if ``x`` is.

    Raises
    ------
    ValueError
        On wrong numbers of dimensions, channel or bias mismatch, and the
        cases listed in `corr2d`.

    Notes
    -----
    "im2col": every output pixel's window (kh*kw*C_in numbers) becomes a row
    of a matrix, so the layer is a matrix product with the weights reshaped
    to (kh*kw*C_in, C_out), which BLAS does fast.

    Examples
    --------
    >>> x = np.ones((5, 5, 3))
    >>> w = np.ones((3, 3, 3, 2))
    >>> out = conv2d(x, w, b=[0.0, 1.0])
    >>> out.shape, out[0, 0]
    ((3, 3, 2), array([27., 28.]))
    """
    x, w = _image_and_kernel(x, w, "(kh, kw, C_in, C_out)")
    kh, kw, c_in, c_out = w.shape
    b = _bias(b, c_out)
    batched = x.ndim == 4
    if not batched:
        x = x[np.newaxis]
    (top, bottom, left, right), (out_h, out_w), (sh, sw), (dh, dw) = _geometry(
        x.shape[1:3], (kh, kw), padding, stride, dilation
    )
    _check_padded(x.shape, (top, bottom, left, right))
    checks.budget((x.shape[0], out_h, out_w, kh * kw * c_in), "the windows of x")
    checks.budget((x.shape[0], out_h, out_w, c_out), "the output")
    dtype = _float_dtype(x, w) if b is None else _float_dtype(x, w, b)
    w = w.astype(dtype, copy=False)
    xp = np.pad(x.astype(dtype, copy=False), ((0, 0), (top, bottom), (left, right), (0, 0)))
    # (N, H', W', C, span_h, span_w) views of every window, then keep the
    # windows on the stride grid and the taps on the dilation grid.
    windows = sliding_window_view(
        xp, (dh * (kh - 1) + 1, dw * (kw - 1) + 1), axis=(1, 2)
    )[:, : (out_h - 1) * sh + 1 : sh, : (out_w - 1) * sw + 1 : sw, :, ::dh, ::dw]
    # Order each window (kh, kw, C_in) like the first three axes of w.
    windows = windows.transpose(0, 1, 2, 4, 5, 3)
    w_matrix = w.reshape(kh * kw * c_in, c_out)
    out = np.empty((x.shape[0], out_h, out_w, c_out), dtype)
    # A few images at a time, so that each im2col matrix is still in the CPU
    # cache when the matrix product reads it: about 1.5x faster on batches.
    step = max(1, 4096 // (out_h * out_w))
    for first in range(0, x.shape[0], step):
        cols = windows[first : first + step].reshape(-1, kh * kw * c_in)  # copies
        np.matmul(cols, w_matrix, out=out[first : first + step].reshape(-1, c_out))
    if b is not None:
        out += b.astype(dtype, copy=False)
    return out if batched else out[0]


def depthwise_conv2d(x, w, b=None, padding=0, stride=1, dilation=1):
    """Depthwise 2-D convolution, like ``keras.layers.DepthwiseConv2D``.

    Each input channel is filtered on its own by ``M`` kernels (the depth
    multiplier): ``out[n, i, j, c*M + m] = b[c*M + m] + sum_{a, e}
    xp[n, i*s + a*d, j*s + e*d, c] * w[a, e, c, m]``. No channel sees another,
    so it costs ``kh * kw * C_in * M`` multiply-adds per output pixel,
    against ``kh * kw * C_in * C_out`` for `conv2d`.

    Parameters
    ----------
    x : (H, W, C_in) or (N, H, W, C_in) array_like
        Input, channels last.
    w : (kh, kw, C_in, M) array_like
        Weights in Keras layout (``layer.kernel`` of ``DepthwiseConv2D``).
    b : (C_in * M,) array_like, optional
        Bias (``layer.bias``).
    padding : int, pair of int, "valid" or "same"
        Zero padding; see the module docstring.
    stride, dilation : int or pair of int
        As in `corr2d`.

    Returns
    -------
    out : (H_out, W_out, C_in * M) or (N, H_out, W_out, C_in * M) ndarray
        Batched if and only if ``x`` is.

    Raises
    ------
    ValueError
        On wrong numbers of dimensions, channel or bias mismatch, and the
        cases listed in `corr2d`.

    Examples
    --------
    >>> x = np.stack([np.ones((4, 4)), 2 * np.ones((4, 4))], axis=-1)
    >>> out = depthwise_conv2d(x, np.ones((3, 3, 2, 1)))
    >>> out.shape, out[0, 0]
    ((2, 2, 2), array([ 9., 18.]))
    """
    x, w = _image_and_kernel(x, w, "(kh, kw, C_in, depth_multiplier)")
    kh, kw, c_in, mult = w.shape
    b = _bias(b, c_in * mult)
    batched = x.ndim == 4
    if not batched:
        x = x[np.newaxis]
    (top, bottom, left, right), (out_h, out_w), (sh, sw), (dh, dw) = _geometry(
        x.shape[1:3], (kh, kw), padding, stride, dilation
    )
    _check_padded(x.shape, (top, bottom, left, right))
    checks.budget((x.shape[0], out_h, out_w, c_in * mult), "the output")
    dtype = _float_dtype(x, w) if b is None else _float_dtype(x, w, b)
    w = w.astype(dtype, copy=False)
    xp = np.pad(x.astype(dtype, copy=False), ((0, 0), (top, bottom), (left, right), (0, 0)))
    out = np.zeros((x.shape[0], out_h, out_w, c_in, mult), dtype)
    # One tap of the kernel at a time: a strided view of the padded input,
    # scaled channel by channel (kh * kw passes, no window matrix).
    for a in range(kh):
        for e in range(kw):
            view = xp[:, a * dh : a * dh + (out_h - 1) * sh + 1 : sh,
                      e * dw : e * dw + (out_w - 1) * sw + 1 : sw, :]
            out += view[..., np.newaxis] * w[a, e]
    out = out.reshape(x.shape[0], out_h, out_w, c_in * mult)
    if b is not None:
        out += b.astype(dtype, copy=False)
    return out if batched else out[0]


def separable_conv2d(x, depthwise, pointwise, b=None, padding=0, stride=1, dilation=1):
    """Depthwise separable convolution, like ``keras.layers.SeparableConv2D``.

    A `depthwise_conv2d` (space, each channel on its own) followed by a 1x1
    `conv2d` (channels, each pixel on its own), then the bias. Per output
    pixel it costs ``kh * kw * C_in * M + C_in * M * C_out`` multiply-adds
    instead of ``kh * kw * C_in * C_out``.

    Parameters
    ----------
    x : (H, W, C_in) or (N, H, W, C_in) array_like
        Input, channels last.
    depthwise : (kh, kw, C_in, M) array_like
        Depthwise weights (``layer.depthwise_kernel``).
    pointwise : (1, 1, C_in * M, C_out) array_like
        Pointwise weights (``layer.pointwise_kernel``).
    b : (C_out,) array_like, optional
        Bias (``layer.bias``), added after the pointwise step.
    padding : int, pair of int, "valid" or "same"
        Zero padding of the depthwise step; see the module docstring.
    stride, dilation : int or pair of int
        Of the depthwise step, as in `corr2d`.

    Returns
    -------
    out : (H_out, W_out, C_out) or (N, H_out, W_out, C_out) ndarray

    Raises
    ------
    ValueError
        As `depthwise_conv2d` and `conv2d`; also when ``pointwise`` is not
        1x1 or does not take ``C_in * M`` channels.

    Examples
    --------
    >>> x = np.ones((4, 4, 2))
    >>> out = separable_conv2d(x, np.ones((3, 3, 2, 1)), np.ones((1, 1, 2, 3)))
    >>> out.shape, out[0, 0]
    ((2, 2, 3), array([18., 18., 18.]))
    """
    depthwise = checks.array(depthwise, "depthwise", dtype=None, finite=False)
    pointwise = checks.array(pointwise, "pointwise", dtype=None, finite=False)
    if depthwise.ndim != 4:
        raise ValueError(f"depthwise must be (kh, kw, C_in, depth_multiplier), got {depthwise.ndim} "
                         f"dimensions {depthwise.shape}")
    if pointwise.ndim != 4 or pointwise.shape[:2] != (1, 1):
        raise ValueError(f"pointwise must be (1, 1, C_in * depth_multiplier, C_out), got shape {pointwise.shape}")
    channels = depthwise.shape[2] * depthwise.shape[3]
    if pointwise.shape[2] != channels:
        raise ValueError(f"pointwise must take the {channels} channels of the depthwise step, "
                         f"got shape {pointwise.shape}")
    mid = depthwise_conv2d(x, depthwise, padding=padding, stride=stride, dilation=dilation)
    return conv2d(mid, pointwise, b=b)


# ---------------------------------------------------------------------------
# Pooling
# ---------------------------------------------------------------------------


def _as_nhwc(x):
    """View x (2-D, (H, W, C) or (N, H, W, C)) as 4-D, and a function undoing it."""
    x = checks.array(x, "x", dtype=None, finite=False)
    if x.ndim == 2:
        return x[np.newaxis, :, :, np.newaxis], lambda y: y[0, :, :, 0]
    if x.ndim == 3:
        return x[np.newaxis], lambda y: y[0]
    if x.ndim == 4:
        return x, lambda y: y
    raise ValueError(
        f"x must be (H, W), (H, W, C) or (N, H, W, C), got {x.ndim} dimensions {x.shape}"
    )


def _pool_windows(x4, size, stride, padding, fill):
    """Windows (N, H_out, W_out, C, ph, pw) of x4 padded with ``fill``."""
    size = _positive_pair(size, "size")
    stride = size if stride is None else _positive_pair(stride, "stride")
    (top, bottom, left, right), (out_h, out_w), (sh, sw), _ = _geometry(
        x4.shape[1:3], size, padding, stride, 1
    )
    if max(top, bottom) >= size[0] or max(left, right) >= size[1]:
        raise ValueError(
            f"padding {padding!r} must be smaller than the pooling window {size}: "
            "a window would hold padding only"
        )
    _check_padded(x4.shape, (top, bottom, left, right))
    xp = np.pad(
        x4, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=fill
    )
    windows = sliding_window_view(xp, size, axis=(1, 2))
    windows = windows[:, : (out_h - 1) * sh + 1 : sh, : (out_w - 1) * sw + 1 : sw]
    return windows, (top, bottom, left, right), (sh, sw)


def pool2d(x, size, stride=None, padding=0, mode="max"):
    """Max or average pooling, like ``keras.layers.MaxPooling2D`` / ``AveragePooling2D``.

    Parameters
    ----------
    x : (H, W), (H, W, C) or (N, H, W, C) array_like
        Input; each channel is pooled separately.
    size : int or pair of int
        Pooling window (``pool_size``).
    stride : int or pair of int, optional
        Step between windows; defaults to ``size`` (as in Keras).
    padding : int, pair of int, "valid" or "same"
        As in `corr2d`. Padded positions never count: the max ignores them and
        the average divides by the number of real pixels in the window (this
        is what Keras does for "same"). Explicit padding must be smaller than
        the window.
    mode : {"max", "avg"}
        Take the maximum or the mean of each window.

    Returns
    -------
    out : ndarray
        Same number of dimensions as ``x``, float.

    Raises
    ------
    ValueError
        On an unknown mode, wrong dimensions, or bad size/stride/padding.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(4, 4)
    >>> pool2d(x, 2)
    array([[ 5.,  7.],
           [13., 15.]])
    >>> pool2d(x, 2, mode="avg")
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """
    checks.choice(mode, "mode", ("max", "avg"))
    x4, restore = _as_nhwc(x)
    x4 = x4.astype(_float_dtype(x4), copy=False)
    if mode == "max":
        windows, _, _ = _pool_windows(x4, size, stride, padding, fill=-np.inf)
        return restore(windows.max(axis=(-2, -1)))
    # Average over real pixels only: sum the zero-padded windows and divide by
    # the count of ones in the same windows of an all-ones image.
    sums = _pool_windows(x4, size, stride, padding, fill=0)[0].sum(axis=(-2, -1))
    ones = np.ones((1,) + x4.shape[1:3] + (1,), x4.dtype)
    counts = _pool_windows(ones, size, stride, padding, fill=0)[0].sum(axis=(-2, -1))
    return restore(sums / counts)


def maxpool_backward(x, grad_out, size, stride=None, padding=0):
    """Gradient of max pooling with respect to its input.

    Each output gradient flows back to the input pixel that was the maximum of
    its window; every other pixel gets zero. Overlapping windows (stride
    smaller than size) add up their contributions.

    Parameters
    ----------
    x : (H, W), (H, W, C) or (N, H, W, C) array_like
        The input of the forward pass.
    grad_out : array_like
        Gradient of the loss with respect to ``pool2d(x, size, stride,
        padding)``, same shape as that output.
    size, stride, padding
        As in `pool2d`.

    Returns
    -------
    grad_x : ndarray
        Same shape as ``x``.

    Notes
    -----
    Ties: when several pixels of a window share the maximum, the whole
    gradient goes to the first of them in row-major order (top row first,
    then left to right), which is what ``tf.GradientTape`` gives for
    ``keras.layers.MaxPooling2D`` on CPU.

    Examples
    --------
    >>> x = np.array([[1.0, 2.0], [4.0, 3.0]])
    >>> maxpool_backward(x, [[10.0]], 2)
    array([[ 0.,  0.],
           [10.,  0.]])
    """
    x4, restore = _as_nhwc(x)
    x4 = x4.astype(_float_dtype(x4), copy=False)
    windows, (top, bottom, left, right), (sh, sw) = _pool_windows(
        x4, size, stride, padding, fill=-np.inf
    )
    n, out_h, out_w, c, ph, pw = windows.shape
    grad_out = checks.array(grad_out, "grad_out", dtype=x4.dtype, finite=False)
    pooled_shape = restore(windows[..., 0, 0]).shape
    if grad_out.shape != pooled_shape:
        raise ValueError(
            f"grad_out must have the pooled shape {pooled_shape}, got {grad_out.shape}"
        )
    grad_out = grad_out.reshape(n, out_h, out_w, c)
    # Position of each window's (first) maximum, in padded-input coordinates.
    first_max = windows.reshape(n, out_h, out_w, c, ph * pw).argmax(axis=-1)
    rows = np.arange(out_h)[:, None, None] * sh + first_max // pw
    cols = np.arange(out_w)[None, :, None] * sw + first_max % pw
    grad = np.zeros((n, top + x4.shape[1] + bottom, left + x4.shape[2] + right, c), x4.dtype)
    batch = np.arange(n)[:, None, None, None]
    channel = np.arange(c)
    np.add.at(grad, (batch, rows, cols, channel), grad_out)  # += with repeats
    return restore(grad[:, top : top + x4.shape[1], left : left + x4.shape[2]])
