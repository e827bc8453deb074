"""`ConvArithmeticExplorer`: padding, stride, dilation and transposed convolution on a grid."""


import anywidget
import traitlets

from cnnbook import checks

from ._files import css, esm


#: Slider ranges (name -> (low, high)); the grid stays readable within them.
LIMITS = {"input_size": (1, 12), "kernel_size": (1, 7), "padding": (0, 6), "stride": (1, 5), "dilation": (1, 4)}


def output_size(input_size, kernel_size, padding=0, stride=1, dilation=1, transposed=False):
    """Output length along one axis, or None for an impossible combination.

    Convolution: ``floor((n + 2p - d(k - 1) - 1) / s) + 1``, impossible when the
    kernel spans more than the padded input. Transposed convolution (the
    gradient of that convolution): ``(n - 1)s - 2p + d(k - 1) + 1``; the widget
    draws it as a stride-1 convolution over the input with ``s - 1`` zeros
    between cells and ``d(k - 1) - p`` zeros around it, so it flags ``p > d(k - 1)``,
    and an output smaller than 1 (e.g. n 2, k 3, p 2, where p, the framework's
    padding, crops 4 cells from a 4-cell result).

    Examples
    --------
    >>> output_size(5, 3, padding=1, stride=2)
    3
    >>> output_size(2, 3, transposed=True)  # the TensorFlow.js article's 2x2 -> 4x4
    4
    >>> output_size(2, 3, padding=2, transposed=True) is None  # would be 0x0
    True
    """
    span = dilation * (kernel_size - 1) + 1
    if transposed:
        if padding > span - 1:
            return None
        size = (input_size - 1) * stride - 2 * padding + span
        return size if size >= 1 else None
    if span > input_size + 2 * padding:
        return None
    from cnnbook.conv import conv_output_size

    return conv_output_size(input_size, kernel_size, padding, stride, dilation)


class ConvArithmeticExplorer(anywidget.AnyWidget):
    """Which input cells feed each output cell, for any padding, stride and dilation.

    In the style of Dumoulin and Visin's convolution arithmetic animations: the
    input grid with its zero padding drawn around it, the kernel's footprint,
    and the output grid; pressing play walks through the output cells. The
    output-size formula is shown with the current numbers, and combinations
    that cannot work (a kernel larger than the padded input, ...) are flagged
    instead of drawn.

    Parameters
    ----------
    input_size, kernel_size, padding, stride, dilation : int
        Square input and kernel; the ranges are those of `LIMITS`.
    transposed : bool
        Show the transposed convolution with these settings instead.

    Attributes
    ----------
    output_size : int or None
        Output side length (None when the combination is impossible); kept
        up to date as the reader moves the sliders.
    selected : int
        Index (row-major) of the highlighted output cell.
    """

    _esm = esm("conv_arithmetic.js")
    _css = css()

    input_size = traitlets.Int(5).tag(sync=True)
    kernel_size = traitlets.Int(3).tag(sync=True)
    padding = traitlets.Int(0).tag(sync=True)
    stride = traitlets.Int(1).tag(sync=True)
    dilation = traitlets.Int(1).tag(sync=True)
    transposed = traitlets.Bool(False).tag(sync=True)
    limits = traitlets.Dict().tag(sync=True)
    output_size = traitlets.Int(None, allow_none=True).tag(sync=True)
    selected = traitlets.Int(0).tag(sync=True)

    def __init__(self, input_size=5, kernel_size=3, padding=0, stride=1, dilation=1, transposed=False):
        settings = dict(input_size=input_size, kernel_size=kernel_size, padding=padding,
                        stride=stride, dilation=dilation)
        for name, value in settings.items():
            checks.integer(value, name, *LIMITS[name])
        if not isinstance(transposed, bool):
            raise ValueError(f"transposed must be True or False, got {transposed!r}")
        super().__init__(**settings, transposed=transposed, limits={k: list(v) for k, v in LIMITS.items()})
        self._update_output_size()

    @traitlets.validate("input_size", "kernel_size", "padding", "stride", "dilation")
    def _valid_setting(self, proposal):
        name = proposal["trait"].name
        return checks.integer(proposal["value"], name, *LIMITS[name])

    @traitlets.observe("input_size", "kernel_size", "padding", "stride", "dilation", "transposed")
    def _update_output_size(self, change=None):
        self.output_size = output_size(self.input_size, self.kernel_size, self.padding,
                                       self.stride, self.dilation, self.transposed)
