"""Input checks of the widgets: those of `cnnbook.checks`, with the widgets' bounds."""

from cnnbook import checks


def check_int(value, name, low, high):
    """Return ``value`` as an int in ``[low, high]`` or raise ValueError (any integral type, not a bool).

    >>> check_int(True, "size", 1, 6)
    Traceback (most recent call last):
    ...
    ValueError: size must be an integer in [1, 6], got True
    """
    return checks.integer(value, name, low, high)


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
