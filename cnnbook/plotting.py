"""Figures used across the chapters."""

import math

import numpy as np


def show_images(images, titles=None, suptitle=None, cols=None, cmap="gray", figsize=None):
    """Show images in a labelled grid.

    Parameters
    ----------
    images : sequence of array_like
        2-D (grayscale) or 3-D (colour, last axis 3) images.
    titles : sequence of str, optional
        One title per image.
    suptitle : str, optional
        Title of the whole figure.
    cols : int, optional
        Images per row; at most 4 by default.
    cmap : str
        Colour map for grayscale images.
    figsize : tuple of float, optional
        Figure size in inches; about 3 inches per image by default.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    images = [np.asarray(image) for image in images]
    if not images:
        raise ValueError("show_images needs at least one image")
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"got {len(titles)} titles for {len(images)} images")
    cols = cols or min(len(images), 4)
    rows = math.ceil(len(images) / cols)
    figsize = figsize or (3 * cols, 3 * rows + (0.4 if suptitle else 0))
    fig, axes = plt.subplots(rows, cols, figsize=figsize, squeeze=False, layout="constrained")
    for ax in axes.flat:
        ax.axis("off")
    for i, (ax, image) in enumerate(zip(axes.flat, images)):
        ax.imshow(image, cmap=cmap if image.ndim == 2 else None)
        if titles is not None:
            ax.set_title(titles[i])
    if suptitle:
        fig.suptitle(suptitle)
    return fig
