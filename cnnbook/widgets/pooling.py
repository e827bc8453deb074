"""`PoolingExplorer`: max and average pooling on a small grid, forward and backward."""

import pathlib

import anywidget
import numpy as np
import traitlets

from ._files import esm
from ._validate import check_grid, check_int

HERE = pathlib.Path(__file__).parent

#: The default grid: small integers, no ties inside a 2x2 window.
DEFAULT_VALUES = [
    [1, 3, 2, 9, 0, 4],
    [5, 6, 1, 7, 8, 2],
    [3, 2, 4, 0, 5, 1],
    [0, 8, 7, 2, 3, 6],
    [9, 1, 5, 6, 2, 7],
    [4, 2, 3, 8, 1, 0],
]


class PoolingExplorer(anywidget.AnyWidget):
    """Max or average pooling, one window at a time, with the backward pass.

    Pick an output cell (click, or arrow keys on the output grid) to see its
    window on the input and the value it takes (the maximum is marked). The
    backward view shows where the gradient of that output goes: all of it to
    the maximum for max pooling (the first one in row-major order on ties, as
    in `cnnbook.conv.maxpool_backward`), ``1/(size*size)`` to every cell of the
    window for average pooling; or, with "all outputs", the sum over every
    output cell of an upstream gradient of ones. No padding ("valid").

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
    _css = HERE / "widgets.css"

    values = traitlets.List(traitlets.List(traitlets.Float())).tag(sync=True)
    size = traitlets.Int(2).tag(sync=True)
    stride = traitlets.Int(2).tag(sync=True)
    mode = traitlets.Unicode("max").tag(sync=True)
    selected = traitlets.List(traitlets.Int(), minlen=2, maxlen=2).tag(sync=True)
    output = traitlets.List(traitlets.List(traitlets.Float())).tag(sync=True)

    def __init__(self, values=None, size=2, stride=2, mode="max"):
        grid = check_grid(DEFAULT_VALUES if values is None else values, "values", 2, 8)
        side = min(grid.shape)
        super().__init__(values=grid.tolist(), size=check_int(size, "size", 1, side),
                         stride=check_int(stride, "stride", 1, side), mode=self._check_mode(mode),
                         selected=[0, 0])
        self._update_output()

    @staticmethod
    def _check_mode(mode):
        if mode not in ("max", "avg"):
            raise ValueError(f"mode must be 'max' or 'avg', got {mode!r}")
        return mode

    @traitlets.validate("values")
    def _valid_values(self, proposal):
        return check_grid(proposal["value"], "values", 2, 8).tolist()

    @traitlets.validate("size", "stride")
    def _valid_window(self, proposal):
        side = min(len(self.values), len(self.values[0])) if self.values else 8
        return check_int(proposal["value"], proposal["trait"].name, 1, side)

    @traitlets.validate("mode")
    def _valid_mode(self, proposal):
        return self._check_mode(proposal["value"])

    @traitlets.observe("values", "size", "stride", "mode")
    def _update_output(self, change=None):
        from cnnbook.conv import pool2d

        if not self.values:
            return
        out = pool2d(np.asarray(self.values), self.size, self.stride, mode=self.mode)
        self.output = out.tolist()
        row, col = self.selected or [0, 0]
        self.selected = [min(row, out.shape[0] - 1), min(col, out.shape[1] - 1)]
