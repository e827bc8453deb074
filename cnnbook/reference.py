"""What Keras computes for :mod:`cnnbook.conv`'s functions, to check them against.

The chapters write convolution and pooling from scratch, then check every
number against a library. Each function here builds the Keras layer that
computes the same thing, on one image (2-D) or a channels-last batch, sets
its weights and returns a NumPy array of the same layout as its
:mod:`cnnbook.conv` counterpart, so that a check is one ``np.allclose``.

Keras is imported when a function is called, not when the module is.
"""

import numpy as np

from . import checks

__all__ = ["keras_corr2d", "keras_conv_transpose", "keras_pool2d"]


def _keras():
    import keras

    return keras


def _one_channel(x, name):
    """A 2-D array as a float32 batch of one single-channel image."""
    x = checks.array(x, name, ndim=2, dtype=np.float32)
    return x[np.newaxis, :, :, np.newaxis]


def _padding(padding):
    if isinstance(padding, str):
        return checks.choice(padding, "padding", ("valid", "same"))
    return checks.pair(padding, "padding", low=0)


def keras_corr2d(x, k, padding=0, stride=1, dilation=1):
    """Run ``keras.layers.Conv2D`` with kernel `k` on the single-channel image `x`.

    What Keras computes for :func:`cnnbook.conv.corr2d` with the same
    arguments. Keras' ``Conv2D`` knows only the paddings ``"valid"`` and
    ``"same"``; an explicit number of zero rows and columns is a
    ``ZeroPadding2D`` layer in front of it.

    Parameters
    ----------
    x : array_like, 2-D
        The image.
    k : array_like, 2-D
        The kernel, no larger than the (padded) image.
    padding : int, pair of int, "valid" or "same"
        Zero rows and columns added on each side, or Keras' named padding.
    stride, dilation : int or pair of int
        At least 1 each; Keras refuses a stride and a dilation both above 1.

    Returns
    -------
    ndarray, 2-D, float32

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbook import conv
    >>> x = np.arange(9.0).reshape(3, 3)
    >>> k = np.array([[0.0, 1.0], [2.0, 3.0]])
    >>> keras_corr2d(x, k).tolist()
    [[19.0, 25.0], [37.0, 43.0]]
    >>> keras_corr2d(x, k, padding="same").shape
    (3, 3)
    >>> bool(np.allclose(keras_corr2d(x, k, padding=1, stride=2),
    ...                  conv.corr2d(x, k, padding=1, stride=2)))
    True
    """
    keras = _keras()
    batch = _one_channel(x, "x")
    k = checks.array(k, "k", ndim=2, dtype=np.float32)
    padding = _padding(padding)
    stride = checks.pair(stride, "stride", low=1)
    dilation = checks.pair(dilation, "dilation", low=1)
    if max(stride) > 1 and max(dilation) > 1:
        raise ValueError(f"stride, dilation: Keras refuses both above 1, got {stride} and {dilation}")
    named = isinstance(padding, str)
    if not named:
        batch = keras.layers.ZeroPadding2D(padding)(batch)
    span = [d * (n - 1) + 1 for n, d in zip(k.shape, dilation)]
    if padding != "same" and any(s > n for s, n in zip(span, batch.shape[1:3])):
        raise ValueError(f"k: a kernel spanning {tuple(span)} does not fit in the padded "
                         f"input of shape {tuple(batch.shape[1:3])}")
    layer = keras.layers.Conv2D(1, k.shape, strides=stride, dilation_rate=dilation,
                                padding=padding if named else "valid", use_bias=False)
    layer.build(batch.shape)
    # Keras' layout: (kernel height, kernel width, input channels, output channels)
    layer.set_weights([k[:, :, np.newaxis, np.newaxis]])
    return keras.ops.convert_to_numpy(layer(batch))[0, :, :, 0]


def keras_conv_transpose(x, k, stride=1, padding="valid", output_padding=None):
    """Run ``keras.layers.Conv2DTranspose`` with kernel `k` on the single-channel image `x`.

    The transposed convolution: each input pixel paints a copy of `k`, scaled
    by its value, onto the output, the copies `stride` pixels apart.

    Parameters
    ----------
    x : array_like, 2-D
        The image.
    k : array_like, 2-D
        The kernel.
    stride : int or pair of int
        At least 1.
    padding : "valid" or "same"
        Keras' padding: ``"valid"`` gives ``(n - 1) * stride + k`` pixels.
    output_padding : int or pair of int, optional
        Rows and columns added at the bottom and right, below `stride`.

    Returns
    -------
    ndarray, 2-D, float32

    Examples
    --------
    >>> import numpy as np
    >>> keras_conv_transpose(np.ones((2, 2)), np.ones((3, 3))).tolist()[0]
    [1.0, 2.0, 2.0, 1.0]
    >>> keras_conv_transpose(np.ones((2, 2)), np.ones((3, 3)), stride=2).shape
    (5, 5)
    >>> keras_conv_transpose(np.ones((2, 2)), np.ones((3, 3)), stride=2,
    ...                      output_padding=1).shape
    (6, 6)
    """
    keras = _keras()
    batch = _one_channel(x, "x")
    k = checks.array(k, "k", ndim=2, dtype=np.float32)
    stride = checks.pair(stride, "stride", low=1)
    padding = checks.choice(padding, "padding", ("valid", "same"))
    if output_padding is not None:
        output_padding = checks.pair(output_padding, "output_padding", low=0)
        if any(p >= s for p, s in zip(output_padding, stride)):
            raise ValueError(f"output_padding must be below the stride {stride}, got {output_padding}")
    layer = keras.layers.Conv2DTranspose(1, k.shape, strides=stride, padding=padding,
                                         output_padding=output_padding, use_bias=False)
    layer.build(batch.shape)
    layer.set_weights([k[:, :, np.newaxis, np.newaxis]])
    return keras.ops.convert_to_numpy(layer(batch))[0, :, :, 0]


def keras_pool2d(x, size, stride=None, padding="valid", mode="max"):
    """Run ``keras.layers.MaxPooling2D`` or ``AveragePooling2D`` on `x`.

    What Keras computes for :func:`cnnbook.conv.pool2d` with the same
    arguments, in the same layout.

    Parameters
    ----------
    x : array_like
        One map (2-D) or a channels-last batch (4-D, N × H × W × C).
    size : int or pair of int
        The window.
    stride : int or pair of int, optional
        By default the window size.
    padding : "valid" or "same"
        Keras' padding; padded positions never count.
    mode : "max" or "avg"
        Which summary of each window.

    Returns
    -------
    ndarray, float32, 2-D or 4-D as `x`

    Examples
    --------
    >>> import numpy as np
    >>> fmap = np.array([[1.0, 3.0, 2.0, 1.0], [4.0, 6.0, 5.0, 0.0],
    ...                  [7.0, 2.0, 9.0, 8.0], [3.0, 1.0, 4.0, 6.0]])
    >>> keras_pool2d(fmap, 2).tolist()
    [[6.0, 5.0], [7.0, 9.0]]
    >>> keras_pool2d(fmap, 2, mode="avg").tolist()
    [[3.5, 2.0], [3.25, 6.75]]
    >>> keras_pool2d(np.ones((1, 5, 5, 3)), 2, padding="same").shape
    (1, 3, 3, 3)
    """
    keras = _keras()
    x = checks.array(x, "x", ndim=(2, 4), dtype=np.float32)
    batch = x[np.newaxis, :, :, np.newaxis] if x.ndim == 2 else x
    size = checks.pair(size, "size", low=1)
    stride = size if stride is None else checks.pair(stride, "stride", low=1)
    padding = checks.choice(padding, "padding", ("valid", "same"))
    mode = checks.choice(mode, "mode", ("max", "avg"))
    if padding == "valid" and any(s > n for s, n in zip(size, batch.shape[1:3])):
        raise ValueError(f"size: a window of {size} does not fit in a map of {batch.shape[1:3]}")
    pool = keras.layers.MaxPooling2D if mode == "max" else keras.layers.AveragePooling2D
    out = keras.ops.convert_to_numpy(pool(size, strides=stride, padding=padding)(batch))
    return out[0, :, :, 0] if x.ndim == 2 else out
