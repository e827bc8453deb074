"""Input checks shared by the widgets (clear ValueErrors, no traitlets magic)."""

import numbers

import numpy as np


def check_int(value, name, low, high):
    """Return ``value`` as an int in ``[low, high]`` or raise ValueError."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer in [{low}, {high}], got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be an integer in [{low}, {high}], got {value}")
    return int(value)


def check_grid(values, name, min_side, max_side):
    """Return ``values`` as a finite 2-D float array with sides in ``[min_side, max_side]``."""
    try:
        array = np.asarray(values)
    except Exception as err:  # ragged lists and the like
        raise ValueError(f"{name} must be a 2-D array of numbers: {err}") from None
    if array.dtype == object or array.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold real numbers, got dtype {array.dtype}")
    if array.ndim != 2:
        raise ValueError(f"{name} must be 2-D, got shape {array.shape}")
    if not (min_side <= array.shape[0] <= max_side and min_side <= array.shape[1] <= max_side):
        raise ValueError(
            f"{name} must be between {min_side}x{min_side} and {max_side}x{max_side}, got {array.shape[0]}x{array.shape[1]}"
        )
    array = array.astype(np.float64)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must not contain NaN or infinity")
    return array
