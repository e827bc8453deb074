"""Figures used across the chapters.

Figures fit the book's text column: at most :data:`MAX_WIDTH` inches wide and at
most :data:`MAX_COLS` images a row, so that what a figure shows stays legible at
reading size.
"""

import math
import textwrap

import numpy as np

from . import checks

#: Widest figure, in inches: the text column of the HTML book.
MAX_WIDTH = 7.0
#: Most images in one row of :func:`show_images`.
MAX_COLS = 4
#: Colour map for signed values (``symmetric=True``): blue below zero, red above.
DIVERGING_CMAP = "RdBu_r"


def show_images(
    images,
    titles=None,
    suptitle=None,
    cols=None,
    cmap=None,
    figsize=None,
    *,
    vmin=None,
    vmax=None,
    symmetric=False,
    max_width=MAX_WIDTH,
):
    """Show images in a titled grid that fits the text column.

    Parameters
    ----------
    images : sequence of array_like
        2-D (grayscale) or 3-D (colour, last axis 3 or 4) images.
    titles : sequence of str, optional
        One title per image; long titles wrap to the image's width.
    suptitle : str, optional
        Title of the whole figure.
    cols : int, optional
        Images per row, at most 4 (more are wrapped onto further rows).
        By default ``min(len(images), 4)``.
    cmap : str, optional
        Colour map for grayscale images: ``"gray"`` by default, a diverging map
        (``"RdBu_r"``) with ``symmetric=True``.
    figsize : tuple of float, optional
        Figure size in inches. Wider than `max_width` is scaled down; when `cols`
        is above 4 the height is recomputed for the extra rows.
    vmin, vmax : float, optional
        Value limits of the grayscale colour scale, the same for every image:
        values at or below `vmin` are black, at or above `vmax` white. By default
        each image is scaled from its own minimum to its own maximum.
    symmetric : bool
        For signed values such as kernels and gradients: centre the scale on
        zero, from ``-m`` to ``m`` with ``m`` the largest absolute value of
        each image (or ``m = vmax`` when `vmax` is given), and use a diverging
        colour map.
    max_width : float
        Widest figure in inches (default 7, the text column).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbook.plotting import show_images
    >>> ramp = np.linspace(0, 1, 16).reshape(4, 4)
    >>> fig = show_images([ramp, 1 - ramp], titles=["ramp", "inverted"], vmin=0, vmax=1)
    >>> [round(float(inches), 2) for inches in fig.get_size_inches()]
    [6.0, 3.3]
    >>> fig.axes[0].images[0].get_clim()
    (0.0, 1.0)
    >>> kernel = np.array([[-1.0, 0.0, 2.0]])
    >>> show_images([kernel], symmetric=True).axes[0].images[0].get_clim()
    (-2.0, 2.0)
    >>> len(show_images([ramp] * 8, cols=8).axes)  # 8 images, 4 a row
    8
    """
    import matplotlib.pyplot as plt

    images = [np.asarray(image) for image in images]
    if not images:
        raise ValueError("images: show_images needs at least one image")
    for i, image in enumerate(images):
        if not (image.ndim == 2 or (image.ndim == 3 and image.shape[-1] in (3, 4))):
            raise ValueError(
                f"images[{i}]: expected a 2-D image or a 3-D colour image with 3 or 4 channels last, "
                f"got shape {image.shape}"
            )
    if titles is not None:
        titles = [str(title) for title in titles]
        if len(titles) != len(images):
            raise ValueError(f"titles: got {len(titles)} titles for {len(images)} images")
    if cols is not None:
        cols = checks.integer(cols, "cols", low=1)
    max_width = checks.real(max_width, "max_width", positive=True)
    if symmetric and vmin is not None:
        raise ValueError("vmin: a symmetric scale runs from -vmax to vmax; give vmax only")
    if vmin is not None and vmax is not None and not vmin < vmax:
        raise ValueError(f"vmin, vmax: expected vmin < vmax, got {vmin} and {vmax}")
    if symmetric and vmax is not None and not vmax > 0:
        raise ValueError(f"vmax: a symmetric scale needs vmax > 0, got {vmax}")
    if cmap is None:
        cmap = DIVERGING_CMAP if symmetric else "gray"

    requested_cols = int(cols) if cols is not None else min(len(images), MAX_COLS)
    cols = min(requested_cols, MAX_COLS, len(images))
    rows = math.ceil(len(images) / cols)

    if figsize is not None and requested_cols <= MAX_COLS:
        width, height = figsize
        if width > max_width:
            width, height = max_width, height * max_width / width
        panel_width = width / cols
    else:
        width = min(max_width, 3.0 * cols) if figsize is None else min(max_width, figsize[0])
        panel_width = width / cols
        height = None

    if titles is not None:
        chars = max(8, int(panel_width * 13))  # about 13 characters an inch at 10 points
        titles = [title if "\n" in title else textwrap.fill(title, chars) for title in titles]
    if height is None:
        aspect = max(image.shape[0] / image.shape[1] for image in images)
        lines = max(title.count("\n") + 1 for title in titles) if titles else 0
        height = rows * (panel_width * aspect + 0.2 * lines + 0.1) + (0.35 if suptitle else 0)

    fig, axes = plt.subplots(rows, cols, figsize=(width, height), squeeze=False, layout="constrained")
    for ax in axes.flat:
        ax.axis("off")
    for i, (ax, image) in enumerate(zip(axes.flat, images)):
        if image.ndim == 2:
            low, high = vmin, vmax
            if symmetric:
                high = vmax if vmax is not None else float(np.max(np.abs(image)))
                high = high or 1.0  # an all-zero image: any symmetric scale
                low = -high
            ax.imshow(image, cmap=cmap, vmin=low, vmax=high)
        else:
            ax.imshow(image)
        if titles is not None:
            ax.set_title(titles[i], fontsize=10)
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def frame(ax, row, col, height, width=None, *, color="tab:red", linewidth=2, **style):
    """Frame a block of pixels of an image drawn with ``imshow``.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    row, col : float
        The block's top-left pixel (pixel centres are whole numbers, as
        ``imshow`` draws them).
    height : float
        Rows in the block, above 0.
    width : float, optional
        Columns in the block; `height` by default (a square).
    color : str
        The frame's colour.
    linewidth : float
        The frame's width in points.
    **style
        Further ``matplotlib.patches.Rectangle`` properties (``linestyle``,
        ``facecolor`` with ``fill=True``, ...).

    Returns
    -------
    matplotlib.patches.Rectangle

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> box = frame(ax, 2, 3, 5)
    >>> box.get_xy(), box.get_width(), box.get_height()
    ((2.5, 1.5), 5, 5)
    >>> frame(ax, 0, 0, 0)
    Traceback (most recent call last):
    ...
    ValueError: height must be positive, got 0.0
    """
    from matplotlib.patches import Rectangle

    row, col = checks.real(row, "row"), checks.real(col, "col")
    checks.real(height, "height", positive=True)
    width = height if width is None else width
    checks.real(width, "width", positive=True)
    style.setdefault("fill", False)
    box = Rectangle((col - 0.5, row - 0.5), width, height, edgecolor=color,
                    linewidth=linewidth, **style)
    ax.add_patch(box)
    return box


def conv_windows(ax, n, k, padding=0, stride=1):
    """Draw a kernel's first two windows on a padded input, beside the output.

    The diagram of Dumoulin and Visin's guide to convolution arithmetic, for
    a square input: on the left the ``n × n`` input (gray) with `padding`
    rings of zeros (dashed), the kernel's first window (red) and its second,
    one `stride` to the right (blue, dashed); on the right the output (light
    blue), with the two cells those windows compute framed in the same
    colours. Axes count the rows and columns of the padded input.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    n : int
        Side of the input, at least 1.
    k : int
        Side of the kernel, at least 1 and at most ``n + 2 * padding``.
    padding : int
        Zero rows and columns on each side, at least 0.
    stride : int
        At least 1.

    Returns
    -------
    int
        Side of the output, :func:`cnnbook.conv.conv_output_size`.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> conv_windows(ax, 5, 3, padding=1, stride=2)
    3
    >>> ax.get_title()
    '5×5, pad 1, stride 2 → 3×3'
    >>> conv_windows(ax, 2, 7)
    Traceback (most recent call last):
    ...
    ValueError: kernel larger than the padded input: the kernel spans 7 (size 7, dilation 1) but the padded input has 2
    """
    from .conv import conv_output_size

    n = checks.integer(n, "n", low=1)
    k = checks.integer(k, "k", low=1)
    padding = checks.integer(padding, "padding", low=0)
    stride = checks.integer(stride, "stride", low=1)
    out = conv_output_size(n, k, padding, stride)
    size = n + 2 * padding
    for r in range(size):
        for c in range(size):
            inside = padding <= r < padding + n and padding <= c < padding + n
            frame(ax, r + 0.5, c + 0.5, 1, color="0.3", linewidth=0.8, fill=True,
                  facecolor="0.75" if inside else "white", linestyle="-" if inside else "--")
    frame(ax, 0.5, 0.5, k, linewidth=3)
    frame(ax, 0.5, stride + 0.5, k, color="tab:blue", linestyle="--")
    left = size + 1  # the output grid, to the right of the input
    for r in range(out):
        for c in range(out):
            first = {(0, 0): "tab:red", (0, 1): "tab:blue"}.get((r, c))
            frame(ax, r + 0.5, left + c + 0.5, 1, color=first or "0.3", fill=True,
                  facecolor="#cfe3f7", linewidth=2.5 if first else 0.8)
    ax.set(xlim=(-0.2, left + out + 0.2), ylim=(size + 0.2, -0.2), aspect="equal",
           title=f"{n}×{n}, pad {padding}, stride {stride} → {out}×{out}",
           xlabel="column (padded input)", ylabel="row (padded input)")
    ticks = np.arange(size)
    # labels on the cells' centres
    ax.set_xticks(ticks + 0.5, labels=ticks)
    ax.set_yticks(ticks + 0.5, labels=ticks)
    return out
