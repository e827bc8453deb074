"""`PoolingExplorer`: max and average pooling on a small grid, forward and backward."""

import numbers

import anywidget
import numpy as np
import traitlets

from cnnbook import checks

from ._files import css, esm
from ._validate import check_grid


#: The default grid: small integers, no ties inside a 2x2 window.
DEFAULT_VALUES = [
    [1, 3, 2, 9, 0, 4],
    [5, 6, 1, 7, 8, 2],
    [3, 2, 4, 0, 5, 1],
    [0, 8, 7, 2, 3, 6],
    [9, 1, 5, 6, 2, 7],
    [4, 2, 3, 8, 1, 0],
]


class _Integer(traitlets.Int):
    """An ``Int`` trait that also takes numpy integers (booleans are left to `check_state` to refuse)."""

    def validate(self, obj, value):
        if isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)):
            value = int(value)
        return super().validate(obj, value)


class PoolingExplorer(anywidget.AnyWidget):
    """Max or average pooling, one window at a time, with the backward pass.

    Pick an output cell (click, or arrow keys on the output grid) to see its
    window on the input and the value it takes (the maximum is marked). The
    backward view shows where the gradient of that output goes: all of it to
    the maximum for max pooling (the first one in row-major order on ties, as
    in `cnnbook.conv.maxpool_backward`), ``1/(size*size)`` to every cell of the
    window for average pooling; or, with "all outputs", the sum over every
    output cell of an upstream gradient of ones. No padding ("valid").

    Each change is checked against the rest of the state before anything
    changes; `set` changes several settings at once (a smaller grid and a
    smaller window, say).

    Parameters
    ----------
    values : (H, W) array_like, optional
        A grid of numbers, 2x2 to 8x8 (default: a fixed 6x6 example of small integers).
    size : int
        Pooling window side, at most the grid's smaller side.
    stride : int
        Step between windows, 1 to the grid's smaller side.
    mode : {"max", "avg"}

    Attributes
    ----------
    output : list of list of float
        ``cnnbook.conv.pool2d(values, size, stride, mode=mode)``.
    selected : [row, col]
        The highlighted output cell.
    """

    _esm = esm("pooling.js")
    _css = css()

    values = traitlets.List(traitlets.List(traitlets.Float())).tag(sync=True)
    size = _Integer(2).tag(sync=True)
    stride = _Integer(2).tag(sync=True)
    mode = traitlets.Unicode("max").tag(sync=True)
    selected = traitlets.List(traitlets.Int(), minlen=2, maxlen=2).tag(sync=True)
    output = traitlets.List(traitlets.List(traitlets.Float())).tag(sync=True)

    def __init__(self, values=None, size=2, stride=2, mode="max"):
        grid, size, stride, mode = check_state(DEFAULT_VALUES if values is None else values, size, stride, mode)
        super().__init__(values=grid.tolist(), size=size, stride=stride, mode=mode, selected=[0, 0])
        self._update_output()

    def set(self, **state):
        """Change several of ``values``, ``size``, ``stride`` and ``mode`` at once.

        The whole new state is checked first; if it is refused, nothing
        changes. Setting one trait at a time checks it against the others as
        they are, so going from a 6x6 grid with a 3x3 window to a 2x2 grid
        takes ``set(values=..., size=2)`` (or setting ``size`` first).

        Examples
        --------
        >>> w = PoolingExplorer(size=3, stride=1)
        >>> w.set(values=[[1, 2], [3, 4]], size=2)
        >>> w.output
        [[4.0]]
        """
        unknown = sorted(set(state) - {"values", "size", "stride", "mode"})
        if unknown:
            raise ValueError(f"unknown settings {unknown}; use values, size, stride and mode")
        new = {name: state.get(name, getattr(self, name)) for name in ("values", "size", "stride", "mode")}
        grid, size, stride, mode = check_state(**new)
        with self.hold_trait_notifications():
            self.values, self.size, self.stride, self.mode = grid.tolist(), size, stride, mode

    @traitlets.validate("values")
    def _valid_values(self, proposal):
        return check_state(proposal["value"], self.size, self.stride, self.mode)[0].tolist()

    @traitlets.validate("size", "stride")
    def _valid_window(self, proposal):
        name = proposal["trait"].name
        window = {"size": self.size, "stride": self.stride, name: proposal["value"]}
        return check_state(self.values, **window, mode=self.mode)[1 if name == "size" else 2]

    @traitlets.validate("mode")
    def _valid_mode(self, proposal):
        return check_state(self.values, self.size, self.stride, proposal["value"])[3]

    @traitlets.observe("values", "size", "stride", "mode")
    def _update_output(self, change=None):
        from cnnbook.conv import pool2d

        out = pool2d(np.asarray(self.values), self.size, self.stride, mode=self.mode)
        self.output = out.tolist()
        row, col = self.selected or [0, 0]
        self.selected = [min(row, out.shape[0] - 1), min(col, out.shape[1] - 1)]


def check_state(values, size, stride, mode):
    """Check a whole state of `PoolingExplorer` at once; return it as (grid, size, stride, mode).

    The grid is 2x2 to 8x8 real numbers, and the window (``size``) and its
    step (``stride``) must fit in it: each from 1 to the grid's smaller side.

    Examples
    --------
    >>> try:
    ...     check_state([[1, 2], [3, 4]], 3, 1, "max")
    ... except ValueError as err:
    ...     print(err)
    size must be an integer in [1, 2] (the smaller side of the 2x2 grid of values), got 3
    """
    try:
        grid = check_grid(values, "values", 2, 8)
        side = min(grid.shape)
        try:
            size = checks.integer(size, "size", 1, side)
            stride = checks.integer(stride, "stride", 1, side)
        except ValueError as err:
            message, got = str(err).rsplit(", got ", 1)
            where = f" (the smaller side of the {grid.shape[0]}x{grid.shape[1]} grid of values)"
            raise ValueError(f"{message}{where}, got {got}") from None
        return grid, size, stride, checks.choice(mode, "mode", ("max", "avg"))
    except ValueError as err:
        raise StateError(str(err)) from None


class StateError(ValueError, traitlets.TraitError):
    """A refused `PoolingExplorer` state: a ValueError that traitlets also knows.

    When the browser sends several changes at once (``set_state``), traitlets
    checks them together at the end and undoes them all on a TraitError.
    """
