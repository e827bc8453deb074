"""Classic image-processing kernels, for use with `cnnbook.conv.corr2d`.

Convention: these are *cross-correlation* kernels, the way a convolutional
layer uses them (no flip): ``corr2d(image, kernel)[i, j]`` is the sum of the
window at ``(i, j)`` times the kernel. So ``sobel_h()``, with -1 -2 -1 on top
and +1 +2 +1 at the bottom, responds positively where the image gets brighter
going down.

Names follow scikit-image: ``*_h`` kernels find *horizontal* edges (the
intensity changes along the rows' axis, i.e. going down), ``*_v`` kernels find
*vertical* edges (changes going right), as ``skimage.filters.sobel_h`` and
``sobel_v`` do. The edge kernels here have integer weights; scikit-image
divides them so the smoothing part sums to 1. Away from the border (where
scikit-image reflects the image and we pad with zeros)::

    skimage.filters.sobel_h(img)   == corr2d(img, sobel_h(), padding="same") / 4
    skimage.filters.prewitt_h(img) == corr2d(img, prewitt_h(), padding="same") / 3
    skimage.filters.scharr_h(img)  == corr2d(img, scharr_h(), padding="same") / 16
    skimage.filters.laplace(img)   == corr2d(img, laplacian(), padding="same")

and the same for ``*_v``.

Each function returns a fresh float64 array, so callers may modify it.
`named_kernels` maps names to kernels (for menus and widget presets). Sizes
are odd integers (any integral type, not booleans); a size whose kernel would
exceed `cnnbook.checks.MAX_ELEMENTS` elements is refused before allocating.
"""


import numpy as np

from . import checks

__all__ = [
    "identity",
    "box_blur",
    "gaussian_blur",
    "sharpen",
    "emboss",
    "outline",
    "prewitt_h",
    "prewitt_v",
    "sobel_h",
    "sobel_v",
    "scharr_h",
    "scharr_v",
    "laplacian",
    "named_kernels",
]


def _odd_size(size):
    """``size`` as an int (:func:`cnnbook.checks.integer`), odd, within the element budget."""
    size = checks.integer(size, "size", low=1)
    if size % 2 == 0:
        raise ValueError(f"size must be odd, so that the kernel has a centre; got {size}")
    checks.budget((size, size), f"a {size}x{size} kernel")
    return size


def identity(size=3):
    """Leaves the image unchanged: a single 1 in the centre.

    Examples
    --------
    >>> identity()
    array([[0., 0., 0.],
           [0., 1., 0.],
           [0., 0., 0.]])
    """
    size = _odd_size(size)
    k = np.zeros((size, size))
    k[size // 2, size // 2] = 1.0
    return k


def box_blur(size=3):
    """Blurs by averaging each ``size`` x ``size`` neighbourhood (sums to 1).

    Examples
    --------
    >>> box_blur(3).sum()
    np.float64(1.0)
    >>> box_blur(True)
    Traceback (most recent call last):
    ...
    ValueError: size must be an integer, got True
    """
    size = _odd_size(size)
    return np.full((size, size), 1.0 / size**2)


def gaussian_blur(size=5, sigma=1.0):
    """Blurs with a Gaussian bell of width ``sigma``, sampled and scaled to sum to 1.

    Examples
    --------
    >>> k = gaussian_blur(5, sigma=1.0)
    >>> k.shape, round(k.sum(), 12), k.argmax() == 12
    ((5, 5), np.float64(1.0), np.True_)
    """
    size = _odd_size(size)
    sigma = checks.real(sigma, "sigma", positive=True)
    if sigma**2 == 0:  # would divide by zero below
        raise ValueError(f"sigma is too small to square in floating point, got {sigma}")
    r = np.arange(size) - size // 2
    g = np.exp(-(r**2) / (2.0 * sigma**2))
    k = np.outer(g, g)
    return k / k.sum()


def sharpen():
    """Sharpens: the pixel plus its difference from its 4 neighbours (sums to 1).

    Examples
    --------
    >>> sharpen()
    array([[ 0., -1.,  0.],
           [-1.,  5., -1.],
           [ 0., -1.,  0.]])
    """
    return np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=float)


def emboss():
    """Embossed, relief look: brightness change along the top-left to bottom-right diagonal.

    Examples
    --------
    >>> emboss()
    array([[-2., -1.,  0.],
           [-1.,  1.,  1.],
           [ 0.,  1.,  2.]])
    """
    return np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]], dtype=float)


def outline():
    """Outlines: edges in every direction (8-neighbour Laplacian, sums to 0).

    Examples
    --------
    >>> outline()
    array([[-1., -1., -1.],
           [-1.,  8., -1.],
           [-1., -1., -1.]])
    """
    return np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], dtype=float)


def prewitt_h():
    """Finds horizontal edges (brightness change going down), Prewitt weights.

    ``skimage.filters.prewitt_h`` is this divided by 3.

    Examples
    --------
    >>> prewitt_h()
    array([[-1., -1., -1.],
           [ 0.,  0.,  0.],
           [ 1.,  1.,  1.]])
    """
    return np.array([[-1, -1, -1], [0, 0, 0], [1, 1, 1]], dtype=float)


def prewitt_v():
    """Finds vertical edges (brightness change going right), Prewitt weights.

    ``skimage.filters.prewitt_v`` is this divided by 3.

    Examples
    --------
    >>> prewitt_v()
    array([[-1.,  0.,  1.],
           [-1.,  0.,  1.],
           [-1.,  0.,  1.]])
    """
    return prewitt_h().T


def sobel_h():
    """Finds horizontal edges (brightness change going down), Sobel weights.

    ``skimage.filters.sobel_h`` is this divided by 4.

    Examples
    --------
    >>> sobel_h()
    array([[-1., -2., -1.],
           [ 0.,  0.,  0.],
           [ 1.,  2.,  1.]])
    """
    return np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], dtype=float)


def sobel_v():
    """Finds vertical edges (brightness change going right), Sobel weights.

    ``skimage.filters.sobel_v`` is this divided by 4.

    Examples
    --------
    >>> sobel_v()
    array([[-1.,  0.,  1.],
           [-2.,  0.,  2.],
           [-1.,  0.,  1.]])
    """
    return sobel_h().T


def scharr_h():
    """Finds horizontal edges (brightness change going down), Scharr weights.

    ``skimage.filters.scharr_h`` is this divided by 16.

    Examples
    --------
    >>> scharr_h()
    array([[ -3., -10.,  -3.],
           [  0.,   0.,   0.],
           [  3.,  10.,   3.]])
    """
    return np.array([[-3, -10, -3], [0, 0, 0], [3, 10, 3]], dtype=float)


def scharr_v():
    """Finds vertical edges (brightness change going right), Scharr weights.

    ``skimage.filters.scharr_v`` is this divided by 16.

    Examples
    --------
    >>> scharr_v()
    array([[ -3.,   0.,   3.],
           [-10.,   0.,  10.],
           [ -3.,   0.,   3.]])
    """
    return scharr_h().T


def laplacian():
    """Finds edges and spots in every direction (4-neighbour Laplacian, sums to 0).

    Centre +4, neighbours -1, as ``skimage.filters.laplace`` (minus the
    discrete second derivative :math:`\\nabla^2`).

    Examples
    --------
    >>> laplacian()
    array([[ 0., -1.,  0.],
           [-1.,  4., -1.],
           [ 0., -1.,  0.]])
    """
    return np.array([[0, -1, 0], [-1, 4, -1], [0, -1, 0]], dtype=float)


def named_kernels():
    """Fresh copies of the 3x3 kernels, by name, in menu order.

    Returns
    -------
    dict of str to (3, 3) ndarray
        Keys are the function names (``"identity"``, ``"box_blur"``, ...,
        ``"laplacian"``); ``gaussian_blur`` is the 3x3 one with sigma 1.

    Examples
    --------
    >>> list(named_kernels())[:4]
    ['identity', 'box_blur', 'gaussian_blur', 'sharpen']
    """
    return {
        "identity": identity(),
        "box_blur": box_blur(3),
        "gaussian_blur": gaussian_blur(3, sigma=1.0),
        "sharpen": sharpen(),
        "emboss": emboss(),
        "outline": outline(),
        "prewitt_h": prewitt_h(),
        "prewitt_v": prewitt_v(),
        "sobel_h": sobel_h(),
        "sobel_v": sobel_v(),
        "scharr_h": scharr_h(),
        "scharr_v": scharr_v(),
        "laplacian": laplacian(),
    }
