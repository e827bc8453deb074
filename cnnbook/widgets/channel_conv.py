"""`ChannelConvExplorer`: a convolution over several input channels, one output cell at a time."""


import anywidget
import numpy as np
import traitlets

from cnnbook import checks

from ._files import css, esm


#: Largest sizes the widget draws, so that a padded input channel fits a phone's column.
LIMITS = {"side": 6, "channels": 4, "filters": 4, "kernel": 5, "padding": (0, 2), "stride": (1, 3)}

#: The default example, in the style of CS231n's demo: a 5x5x3 input of small
#: integers and two 3x3x3 filters of -1, 0 and 1, with biases 1 and 0.
_rng = np.random.default_rng(231)
DEFAULT_X = _rng.integers(0, 3, size=(5, 5, 3)).astype(float)
DEFAULT_W = _rng.integers(-1, 2, size=(3, 3, 3, 2)).astype(float)
DEFAULT_B = np.array([1.0, 0.0])


def check_arrays(x, w, b=None):
    """Return the input, weights and bias as float64 arrays that fit together, or raise ValueError.

    Parameters
    ----------
    x : (H, W, C_in) array_like
        Finite numbers; H and W at most ``LIMITS["side"]``, C_in at most ``LIMITS["channels"]``.
    w : (kh, kw, C_in, C_out) array_like
        Keras' layout (``Conv2D.kernel``); kh, kw at most ``LIMITS["kernel"]`` and at most H, W
        (so that the kernel fits at every padding); C_out at most ``LIMITS["filters"]``.
    b : (C_out,) array_like, optional
        One bias per filter (default zeros).

    Examples
    --------
    >>> x, w, b = check_arrays(np.zeros((5, 5, 3)), np.ones((3, 3, 3, 2)))
    >>> b
    array([0., 0.])
    >>> check_arrays(np.zeros((5, 5, 3)), np.ones((3, 3, 1, 2)))
    Traceback (most recent call last):
    ...
    ValueError: w must have as many input channels (axis 2) as x has channels, 3; got shape (3, 3, 1, 2)
    """
    x = checks.array(x, "x", ndim=3)
    w = checks.array(w, "w", ndim=4)
    side, channels, kernel, filters = LIMITS["side"], LIMITS["channels"], LIMITS["kernel"], LIMITS["filters"]
    if max(x.shape[:2]) > side or x.shape[2] > channels:
        raise ValueError(f"x must be at most {side}x{side} with at most {channels} channels, got shape {x.shape}")
    if w.shape[2] != x.shape[2]:
        raise ValueError(f"w must have as many input channels (axis 2) as x has channels, {x.shape[2]}; "
                         f"got shape {w.shape}")
    if max(w.shape[:2]) > kernel or w.shape[3] > filters:
        raise ValueError(f"w must be at most {kernel}x{kernel} with at most {filters} filters, got shape {w.shape}")
    if w.shape[0] > x.shape[0] or w.shape[1] > x.shape[1]:
        raise ValueError(f"w's kernel ({w.shape[0]}x{w.shape[1]}) must fit in x ({x.shape[0]}x{x.shape[1]})")
    b = np.zeros(w.shape[3]) if b is None else checks.array(b, "b", ndim=1)
    if b.shape != (w.shape[3],):
        raise ValueError(f"b must hold one bias per filter ({w.shape[3]}), got shape {b.shape}")
    return x, w, b


def _names(names, count, name, default):
    if names is None:
        return [f"{default} {k}" for k in range(count)]
    if isinstance(names, str) or len(names) != count or not all(isinstance(n, str) for n in names):
        raise ValueError(f"{name} must be {count} strings, got {names!r}")
    return list(names)


class ChannelConvExplorer(anywidget.AnyWidget):
    """A convolution layer over several input channels, one output cell at a time.

    Shows every input channel (zero-padded), the slices of the selected
    output's filter, and every output map. Selecting an output cell (click,
    arrow keys on an output map, Step or Play) marks its window in every input
    channel and shows the arithmetic: one sum per channel, window times slice,
    then those sums plus the filter's bias, which is the output value. Padding
    and stride are sliders. The JavaScript computes everything the reader sees;
    `output` is computed in Python with `cnnbook.conv.conv2d`.

    Parameters
    ----------
    x : (H, W, C_in) array_like, optional
        Input, channels last (default: a 5x5x3 example of small integers).
        Sizes are bounded by `LIMITS`.
    w : (kh, kw, C_in, C_out) array_like, optional
        Filters in Keras' layout (default: two 3x3x3 filters of -1, 0, 1).
    b : (C_out,) array_like, optional
        Biases (default zeros; with the default filters, 1 and 0).
    padding : int
        Zero padding on every side, 0 to 2.
    stride : int
        1 to 3.
    channel_names, filter_names : list of str, optional
        Labels of the input channels and of the filters.

    Attributes
    ----------
    output : list of list of list of float
        ``conv2d(x, w, b, padding, stride)``, shape (H_out, W_out, C_out).
    selected : [row, col, filter]
        The highlighted output cell.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(18.0).reshape(3, 3, 2)
    >>> w = np.ones((2, 2, 2, 1))
    >>> widget = ChannelConvExplorer(x, w, b=[0.5], padding=0)
    >>> widget.output  # top left: x[:2, :2].sum() + 0.5 = 36 + 0.5
    [[[36.5], [52.5]], [[84.5], [100.5]]]
    """

    _esm = esm("channel_conv.js")
    _css = css("channel_conv.css")

    x = traitlets.List().tag(sync=True)
    w = traitlets.List().tag(sync=True)
    b = traitlets.List(traitlets.Float()).tag(sync=True)
    padding = traitlets.Int(1).tag(sync=True)
    stride = traitlets.Int(1).tag(sync=True)
    channel_names = traitlets.List(traitlets.Unicode()).tag(sync=True)
    filter_names = traitlets.List(traitlets.Unicode()).tag(sync=True)
    limits = traitlets.Dict().tag(sync=True)
    selected = traitlets.List(traitlets.Int(), minlen=3, maxlen=3).tag(sync=True)
    output = traitlets.List().tag(sync=True)

    def __init__(self, x=None, w=None, b=None, padding=1, stride=1, channel_names=None, filter_names=None):
        if x is None and w is None and b is None:
            x, w, b = DEFAULT_X, DEFAULT_W, DEFAULT_B
        x, w, b = check_arrays(x, w, b)
        padding = checks.integer(padding, "padding", *LIMITS["padding"])
        stride = checks.integer(stride, "stride", *LIMITS["stride"])
        super().__init__(
            x=x.tolist(), w=w.tolist(), b=b.tolist(), padding=padding, stride=stride,
            channel_names=_names(channel_names, x.shape[2], "channel_names", "channel"),
            filter_names=_names(filter_names, w.shape[3], "filter_names", "filter"),
            limits={"padding": list(LIMITS["padding"]), "stride": list(LIMITS["stride"])},
            selected=[0, 0, 0],
        )
        self._update_output()

    @traitlets.validate("padding", "stride")
    def _valid_setting(self, proposal):
        name = proposal["trait"].name
        return checks.integer(proposal["value"], name, *LIMITS[name])

    @traitlets.validate("x", "w", "b")
    def _valid_arrays(self, proposal):
        arrays = {"x": self.x, "w": self.w, "b": self.b, proposal["trait"].name: proposal["value"]}
        if not (arrays["x"] and arrays["w"] and arrays["b"]):  # still being set up
            return proposal["value"]
        return check_arrays(**arrays)["xwb".index(proposal["trait"].name)].tolist()

    @traitlets.observe("x", "w", "b", "padding", "stride")
    def _update_output(self, change=None):
        from cnnbook.conv import conv2d

        if not (self.x and self.w and self.b):
            return
        out = conv2d(np.asarray(self.x), np.asarray(self.w), np.asarray(self.b),
                     padding=self.padding, stride=self.stride)
        self.output = out.tolist()
        row, col, channel = self.selected or [0, 0, 0]
        self.selected = [min(row, out.shape[0] - 1), min(col, out.shape[1] - 1), min(channel, out.shape[2] - 1)]
