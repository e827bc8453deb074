"""Argument checks shared by the package: each refuses bad input up front with a ValueError naming the argument.

Sizes are integers of any integral type (``int``, ``numpy.int64``...) but
never booleans; arrays hold real numbers (no complex, strings or objects);
and anything that allocates first checks an element budget, before the
allocation, so that a typo such as ``padding=100_000`` fails at once instead
of filling the memory.

>>> integer(np.int64(3), "stride", low=1)
3
>>> integer(True, "stride", low=1)
Traceback (most recent call last):
...
ValueError: stride must be an integer, got True
>>> budget((100_000, 100_000), "the padded input")
Traceback (most recent call last):
...
ValueError: the padded input would have 10,000,000,000 elements (shape (100000, 100000)), over the budget of 134,217,728
"""

import math
import numbers

import numpy as np

#: Most elements an array made from the arguments may have: 2**27, i.e. 0.5 GiB of float32 or 1 GiB of float64.
MAX_ELEMENTS = 2**27


def integer(value, name, low=None, high=None):
    """Return ``value`` as an int in ``[low, high]`` (a bound of None is open) or raise ValueError.

    Any integral type is accepted (``int``, ``numpy.int64``); booleans,
    floats, strings and None are refused.

    >>> integer(5, "size", 1, 8)
    5
    >>> integer(0, "size", low=1)
    Traceback (most recent call last):
    ...
    ValueError: size must be at least 1, got 0
    """
    bounded = low is not None and high is not None
    wanted = f"an integer in [{low}, {high}]" if bounded else "an integer"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be {wanted}, got {value!r}")
    value = int(value)
    if bounded and not low <= value <= high:
        raise ValueError(f"{name} must be {wanted}, got {value}")
    if low is not None and value < low:
        raise ValueError(f"{name} must be at least {low}, got {value}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be at most {high}, got {value}")
    return value


def pair(value, name, low=None, high=None):
    """Return an int or a pair of ints as a ``(int, int)`` tuple, each checked by :func:`integer`.

    >>> pair(3, "kernel_size", low=1)
    (3, 3)
    >>> pair((2, np.int64(1)), "strides", low=1)
    (2, 1)
    """
    if isinstance(value, (tuple, list, np.ndarray)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an integer or a pair of integers, got {value!r}")
        return tuple(integer(v, name, low, high) for v in value)
    number = integer(value, name, low, high)
    return number, number


def real(value, name, low=None, positive=False):
    """Return ``value`` as a finite float (at least ``low``; above 0 if ``positive``) or raise ValueError.

    Any real number type is accepted; booleans, complex numbers, strings and None are refused.

    >>> real(1.5, "sigma", positive=True)
    1.5
    >>> real("2", "sigma")
    Traceback (most recent call last):
    ...
    ValueError: sigma must be a real number, got '2'
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be positive, got {value}")
    if low is not None and value < low:
        raise ValueError(f"{name} must be at least {low}, got {value}")
    return value


def array(values, name, ndim=None, min_side=1, dtype=np.float64, finite=True):
    """Return ``values`` as an array of real numbers or raise ValueError.

    Parameters
    ----------
    values : array_like
        Booleans, integers or floats (complex numbers, strings, None and
        ragged lists are refused).
    name : str
        The argument's name, for the messages.
    ndim : int or tuple of int, optional
        Allowed numbers of dimensions.
    min_side : int
        Smallest length of every axis (1: no empty arrays).
    dtype : numpy dtype or None
        The returned dtype; None keeps the input's.
    finite : bool
        Refuse NaN and infinity.

    Returns
    -------
    ndarray

    Examples
    --------
    >>> array([[1, 2], [3, 4]], "kernel").dtype
    dtype('float64')
    >>> array([1 + 2j], "x")
    Traceback (most recent call last):
    ...
    ValueError: x must hold real numbers, got dtype complex128
    >>> array(np.zeros((0, 0)), "kernel")
    Traceback (most recent call last):
    ...
    ValueError: kernel must have every side at least 1, got shape (0, 0)
    """
    if values is None:
        raise ValueError(f"{name} must be an array of real numbers, got None")
    try:
        out = np.asarray(values)
    except (ValueError, TypeError) as err:  # ragged lists and the like
        raise ValueError(f"{name} must be an array of real numbers: {err}") from None
    if out.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold real numbers, got dtype {out.dtype}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if out.ndim not in allowed:
            wanted = " or ".join(f"{n}-D" for n in allowed)
            raise ValueError(f"{name} must be {wanted}, got shape {out.shape}")
    if out.size == 0 or min(out.shape, default=1) < min_side:
        raise ValueError(f"{name} must have every side at least {min_side}, got shape {out.shape}")
    if dtype is not None:
        out = out.astype(dtype, copy=False)
    if finite and out.dtype.kind == "f" and not np.all(np.isfinite(out)):
        raise ValueError(f"{name} must not contain NaN or infinity")
    return out


def image(values, name, shape=None, stack=False, min_side=1):
    """Return an image, or with ``stack`` a stack of images, as float32 in [0, 1], or raise ValueError.

    The one image check of the widgets: uint8 (0..255, as the data sets give
    images) is divided by 255; floats must be finite and in [0, 1]; other
    dtypes are refused. A trailing channel axis of 1 may be given or left out.

    Parameters
    ----------
    values : array_like
        The image, ``(height, width)`` or ``(height, width, 1)``; with
        ``stack``, images one after another along a first axis.
    name : str
        The argument's name, for the messages.
    shape : tuple of int, optional
        The shape of one image, ``(height, width)`` or ``(height, width, 1)``;
        the result has exactly this shape (per image). None: any grayscale
        image, returned as ``(height, width)``.
    stack : bool
        ``values`` holds one image or more along its first axis.
    min_side : int
        Smallest height and width.

    Returns
    -------
    ndarray of float32

    Examples
    --------
    >>> image(np.array([[0, 51], [255, 102]], np.uint8), "image")
    array([[0. , 0.2],
           [1. , 0.4]], dtype=float32)
    >>> image(np.zeros((3, 28, 28)), "images", shape=(28, 28, 1), stack=True).shape
    (3, 28, 28, 1)
    >>> image(np.full((28, 28), 2.0), "image")
    Traceback (most recent call last):
    ...
    ValueError: image must hold values in [0, 1] when float, got [2, 2]; scale it or pass uint8 (0..255)
    """
    lead = 1 if stack else 0
    try:
        array = np.asarray(values)
    except (ValueError, TypeError) as err:  # ragged lists and the like
        raise ValueError(f"{name} must be an array of images: {err}") from None
    if values is None or not (array.dtype == np.uint8 or array.dtype.kind == "f"):
        raise ValueError(f"{name} must be uint8 (0..255) or float in [0, 1], got dtype {array.dtype}")
    if shape is None:
        if array.ndim == lead + 3 and array.shape[-1] in (3, 4):
            raise ValueError(f"{name} must be grayscale, got shape {array.shape} (a colour image?); "
                             "convert it first, e.g. with skimage.color.rgb2gray")
        if array.ndim == lead + 3 and array.shape[-1] == 1:
            array = array[..., 0]
        if array.ndim != lead + 2:
            what = "a stack of 2-D grayscale images" if stack else "a 2-D grayscale array"
            raise ValueError(f"{name} must be {what}, got shape {array.shape}")
    else:
        shape = tuple(shape)
        if array.ndim == lead + 2 and shape[2:] == (1,):
            array = array[..., None]
        elif array.ndim == lead + 3 and len(shape) == 2 and array.shape[-1] == 1:
            array = array[..., 0]
        if array.shape[lead:] != shape:
            forms = sorted({shape[:2], (*shape[:2], 1)}, key=len) if shape[2:] in ((), (1,)) else [shape]
            text = " or ".join("(" + ", ".join(["n"] * lead + [str(n) for n in form]) + ")" for form in forms)
            raise ValueError(f"{name} must be shaped {text}, got {np.shape(values)}")
    if stack and len(array) == 0:
        raise ValueError(f"{name} must hold at least one image, got shape {array.shape}")
    height, width = array.shape[lead:lead + 2]
    if min(height, width) < min_side:
        raise ValueError(f"{name} must be at least {min_side}x{min_side} pixels, got {height}x{width}")
    if array.dtype == np.uint8:
        return array.astype(np.float32) / np.float32(255)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must hold finite values in [0, 1] when float, got NaN or infinity")
    low, high = array.min(), array.max()
    if low < 0 or high > 1:
        raise ValueError(f"{name} must hold values in [0, 1] when float, got [{low:.3g}, {high:.3g}]; "
                         "scale it or pass uint8 (0..255)")
    return array.astype(np.float32)


def choice(value, name, options):
    """Return ``value`` if it is one of ``options``, else raise ValueError listing them.

    >>> choice("max", "mode", ("max", "avg"))
    'max'
    """
    if not isinstance(value, str) or value not in options:
        listed = ", ".join(repr(option) for option in options)
        raise ValueError(f"{name} must be one of {listed}, got {value!r}")
    return value


def budget(shape, what, limit=None):
    """Raise ValueError if an array of ``shape`` would hold more than ``limit`` elements (default :data:`MAX_ELEMENTS`).

    Call it before allocating; the product is taken in Python integers, so it cannot overflow.

    >>> budget((64, 28, 28, 32), "x")
    """
    limit = MAX_ELEMENTS if limit is None else limit
    count = math.prod(int(n) for n in shape)
    if count > limit:
        raise ValueError(f"{what} would have {count:,} elements (shape {tuple(int(n) for n in shape)}), "
                         f"over the budget of {limit:,}")


def input_shape(shape, name="input_shape"):
    """Return a net's ``(height, width, channels)`` as a tuple of three positive ints or raise ValueError.

    >>> input_shape((28, 28, np.int64(1)))
    (28, 28, 1)
    >>> input_shape((227, 227))
    Traceback (most recent call last):
    ...
    ValueError: input_shape must be (height, width, channels), got (227, 227)
    """
    if isinstance(shape, (str, bytes)) or not hasattr(shape, "__len__") or len(shape) != 3:
        raise ValueError(f"{name} must be (height, width, channels), got {shape!r}")
    return tuple(integer(n, name, low=1) for n in shape)


def num_classes(value, name="num_classes"):
    """Return a classifier's number of classes, an integer at least 2, or raise ValueError.

    A softmax over one class outputs 1.0 for every input, so one class is refused.
    """
    return integer(value, name, low=2)


def smallest_input(steps, name, size, limit=4096):
    """Check that ``size`` survives a net's downsampling; the message names the smallest size that does.

    Parameters
    ----------
    steps : sequence of (int, int, str)
        ``(kernel, stride, padding)`` of every layer that can shrink the
        image, in order; padding is ``"valid"`` or ``"same"``.
    name : str
        The net's name, for the message.
    size : (int, int)
        The input's height and width.

    >>> smallest_input([(3, 1, "valid"), (2, 2, "valid")], "a net", (8, 8))
    >>> smallest_input([(3, 1, "valid"), (2, 2, "valid")], "a net", (3, 8))
    Traceback (most recent call last):
    ...
    ValueError: a net needs images of at least 4x4 pixels, got input_shape (3, 8)
    """

    def survives(n):
        for kernel, stride, padding in steps:
            n = -(-n // stride) if padding == "same" else (n - kernel) // stride + 1
            if n < 1:
                return False
        return True

    if all(survives(n) for n in size):
        return
    smallest = next(n for n in range(1, limit + 1) if survives(n))
    raise ValueError(f"{name} needs images of at least {smallest}x{smallest} pixels, "
                     f"got input_shape {tuple(size)}")


def net(name, shape, classes, steps=(), **positive):
    """Validate a net function's arguments; return ``input_shape`` as a tuple and ``num_classes`` as an int.

    The one check every net function of :mod:`cnnbook.architectures` and
    :mod:`cnnbook.models` runs before building anything.

    Parameters
    ----------
    name : str
        The net, for the messages.
    shape : sequence of 3 int
        The ``input_shape``, ``(height, width, channels)``; integers of any integral type.
    classes : int
        The ``num_classes``: at least 2 (a softmax over one class is 1.0 for every image).
    steps : sequence of (int, int, str)
        ``(kernel, stride, padding)`` of every layer that shrinks the image:
        an input too small for them is refused with the smallest size that fits.
    **positive : float
        Further arguments that must be positive numbers (``width=0.25``...).

    Returns
    -------
    (tuple of int, int)

    Examples
    --------
    >>> net("LeNet", (28, 28, 1), 10, steps=[(5, 1, "valid"), (2, 2, "valid")])
    ((28, 28, 1), 10)
    >>> net("LeNet", (28, 28, 1), 1)
    Traceback (most recent call last):
    ...
    ValueError: num_classes must be at least 2, got 1
    """
    shape, classes = input_shape(shape), num_classes(classes)
    for key, value in positive.items():
        real(value, key, positive=True)
    smallest_input(steps, name, shape[:2])
    return shape, classes
