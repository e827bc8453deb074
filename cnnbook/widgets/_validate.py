"""The one input check the widgets add to `cnnbook.checks`: a grid of numbers of bounded size."""

from cnnbook import checks


def check_grid(values, name, min_side, max_side):
    """Return ``values`` as a finite 2-D float64 array with sides in ``[min_side, max_side]``.

    >>> check_grid([[1, 2], [3, 4]], "values", 2, 8).dtype
    dtype('float64')
    >>> check_grid([[1]], "values", 2, 8)
    Traceback (most recent call last):
    ...
    ValueError: values must be between 2x2 and 8x8, got 1x1
    """
    array = checks.array(values, name, ndim=2, dtype=None, finite=False)
    if not (min_side <= array.shape[0] <= max_side and min_side <= array.shape[1] <= max_side):
        raise ValueError(
            f"{name} must be between {min_side}x{min_side} and {max_side}x{max_side}, "
            f"got {array.shape[0]}x{array.shape[1]}"
        )
    return checks.array(array, name, dtype="float64")
