"""Receptive fields of a convnet's units: the theoretical field of every layer, and the effective one.

The **theoretical** receptive field of a unit is the patch of input pixels that
can change it. For a chain of convolutions and poolings it follows from three
numbers per layer, computed front to back as in Araujo, Norris and Sim,
"Computing Receptive Fields of Convolutional Neural Networks" (Distill, 2019):

* the field's **size** :math:`r_l = r_{l-1} + (k^*_l - 1)\\, j_{l-1}`, with the
  dilated kernel :math:`k^*_l = d_l (k_l - 1) + 1`;
* the **jump** :math:`j_l = j_{l-1}\\, s_l`, how many input pixels apart two
  neighbouring units of layer :math:`l` look (the product of the strides);
* the **start** :math:`c_l = c_{l-1} + ((k^*_l - 1)/2 - p_l)\\, j_{l-1}`, the
  centre of the first unit's field, where :math:`p_l` is the padding added
  before the first row (or column).

Pixel ``i`` of the input has its centre at coordinate ``i``, so ``start = 0``
and ``size = 1`` at the input. Unit ``u`` of a layer sees input pixels
``start + u * jump - (size - 1) / 2`` to ``start + u * jump + (size - 1) / 2``;
near a border part of that range lies in the padding, outside the image.
Where branches meet (``Add``, ``Concatenate``: ResNet, GoogLeNet) a unit sees
the union of its inputs' fields.

The **effective** receptive field (Luo et al., 2016) is how strongly each
input pixel actually moves a unit: the magnitude of the gradient
:func:`effective_fields` computes.
"""

import math

import numpy as np

from . import checks

#: Layers that keep each pixel where it is: the field passes through unchanged (or, where
#: several inputs meet, becomes the union of theirs).
PIXELWISE = (
    "Activation", "ReLU", "LeakyReLU", "ELU", "PReLU", "Softmax", "BatchNormalization", "Dropout",
    "SpatialDropout2D", "GaussianNoise", "GaussianDropout", "Rescaling", "Identity", "Add", "Subtract",
    "Multiply", "Average", "Maximum", "Minimum", "Concatenate",
)


def _layer_window(layer):
    """``(kernel, stride, dilation, padding_before)`` of ``layer`` per axis, or None if it keeps pixels in place."""
    import keras

    name = type(layer).__name__
    if isinstance(layer, (keras.layers.Conv2D, keras.layers.DepthwiseConv2D, keras.layers.SeparableConv2D)):
        if isinstance(layer, keras.layers.Conv2DTranspose):
            raise ValueError(f"layer {layer.name!r} ({name}) upsamples; receptive fields of transposed "
                             "convolutions are not supported")
        kernel, stride, dilation = layer.kernel_size, layer.strides, layer.dilation_rate
        padding = layer.padding
    elif isinstance(layer, (keras.layers.MaxPooling2D, keras.layers.AveragePooling2D)):
        kernel, stride, dilation, padding = layer.pool_size, layer.strides, (1, 1), layer.padding
    elif isinstance(layer, keras.layers.ZeroPadding2D):
        (top, _), (left, _) = layer.padding
        return (1, 1), (1, 1), (1, 1), (top, left)
    elif name in PIXELWISE:
        return None
    else:
        raise ValueError(f"layer {layer.name!r} ({name}) outputs feature maps but its receptive field is not "
                         f"known here; supported: convolutions, pooling, ZeroPadding2D and {', '.join(PIXELWISE)}")
    if getattr(layer, "data_format", "channels_last") != "channels_last":
        raise ValueError(f"layer {layer.name!r} uses data_format={layer.data_format!r}; only channels_last "
                         "is supported")
    n_in, n_out = layer.input.shape[1:3], layer.output.shape[1:3]
    before = []
    for axis in range(2):
        wide = dilation[axis] * (kernel[axis] - 1) + 1
        if padding == "same":
            # TensorFlow's and JAX's "SAME": the smaller half of the padding goes before the first pixel.
            total = max((n_out[axis] - 1) * stride[axis] + wide - n_in[axis], 0)
            before.append(total // 2)
        else:
            before.append(0)
    return tuple(kernel), tuple(stride), tuple(dilation), tuple(before)


def _union(fields):
    """The smallest field holding every field of ``fields`` (same jump): per axis (size, jump, start)."""
    jumps = {field[1] for field in fields}
    if len(jumps) != 1:
        raise ValueError(f"inputs with different jumps {sorted(jumps)} meet; their units are not aligned")
    low = min(start - (size - 1) / 2 for size, _, start in fields)
    high = max(start + (size - 1) / 2 for size, _, start in fields)
    return int(high - low + 1), jumps.pop(), (low + high) / 2


def receptive_fields(model):
    """The theoretical receptive field of every layer with feature maps, as a table (Araujo et al., 2019).

    Parameters
    ----------
    model : keras.Model
        A built Sequential or functional model with one fixed-size
        ``(height, width, channels)`` input. Convolutions (also depthwise,
        separable, strided, dilated, "valid" or "same"), max and average
        pooling, zero padding and pixel-wise layers (activations, batch
        normalization, dropout, ``Add``, ``Concatenate``) are followed; the
        table stops where the maps end (``Flatten``, global pooling).

    Returns
    -------
    list of dict
        One row per layer, the input first, with keys ``"name"``, ``"kind"``
        (the layer's class), ``"inputs"`` (the names of the rows it reads),
        ``"output"`` (height, width), ``"kernel"``,
        ``"stride"``, ``"dilation"``, ``"padding"`` (pixels added before the
        first row and column), and the field: ``"size"``, ``"jump"`` and
        ``"start"``, each a (rows, columns) pair. Pixel-wise layers have
        kernel, stride and dilation 1 and padding 0.

    Examples
    --------
    >>> from cnnbook import models
    >>> rows = receptive_fields(models.chollet_convnet())
    >>> [(row["name"], row["size"][0], row["jump"][0], row["start"][0]) for row in rows]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('image', 1, 1, 0.0), ('conv_1', 3, 1, 1.0), ('pool_1', 4, 2, 1.5),
     ('conv_2', 8, 2, 3.5), ('pool_2', 10, 4, 4.5), ('conv_3', 18, 4, 8.5)]

    conv_3's unit 0 sees input rows 8.5 - 8.5 = 0 to 17; its unit 1 rows 4 to 21.
    """
    import keras

    if not isinstance(model, keras.Model):
        raise ValueError(f"model must be a keras.Model, got {type(model).__name__}")
    if not model.built or not getattr(model, "inputs", None):
        raise ValueError("model must be built with a keras.Input (Sequential or functional)")
    if len(model.inputs) != 1:
        raise ValueError(f"model must have one input, got {len(model.inputs)}")
    image = model.inputs[0]
    shape = tuple(image.shape[1:])
    if len(shape) != 3 or None in shape:
        raise ValueError(f"model's input must be a fixed (height, width, channels), got {shape}")
    first = image._keras_history.operation
    fields = {id(image): ((1, 1, 0.0), (1, 1, 0.0))}
    names = {id(image): first.name}
    rows = [_row(first.name, "InputLayer", shape[:2], ((1, 1),) * 3 + ((0, 0),), fields[id(image)], [])]
    for layer in model.layers:
        if layer is first:
            continue
        inputs = layer.input if isinstance(layer.input, (list, tuple)) else [layer.input]
        if len(layer.output.shape) != 4 or not all(id(t) in fields for t in inputs):
            continue  # past the feature maps (Flatten, Dense, global pooling)
        window = _layer_window(layer)
        if window is None:
            field = tuple(_union([fields[id(t)][axis] for t in inputs]) for axis in range(2))
            window = ((1, 1), (1, 1), (1, 1), (0, 0))
        else:
            if len(inputs) != 1:
                raise ValueError(f"layer {layer.name!r} has {len(inputs)} inputs")
            field = []
            for axis in range(2):
                size, jump, start = fields[id(inputs[0])][axis]
                kernel, stride, dilation, before = (w[axis] for w in window)
                wide = dilation * (kernel - 1) + 1
                field.append((size + (wide - 1) * jump, jump * stride, start + ((wide - 1) / 2 - before) * jump))
            field = tuple(field)
        fields[id(layer.output)] = field
        names[id(layer.output)] = layer.name
        rows.append(_row(layer.name, type(layer).__name__, tuple(layer.output.shape[1:3]), window, field,
                         [names[id(t)] for t in inputs]))
    return rows


def _row(name, kind, output, window, field, inputs):
    kernel, stride, dilation, padding = window
    return {"name": name, "kind": kind, "inputs": inputs, "output": tuple(int(n) for n in output),
            "kernel": tuple(kernel),
            "stride": tuple(stride), "dilation": tuple(dilation), "padding": tuple(padding),
            "size": tuple(int(f[0]) for f in field), "jump": tuple(int(f[1]) for f in field),
            "start": tuple(float(f[2]) for f in field)}


def field_bounds(row, unit):
    """The input pixels unit ``unit`` of a layer sees: ``((top, bottom), (left, right))``, inclusive.

    Computed from a row of :func:`receptive_fields`; the ranges are not
    clipped to the image, so a unit near a border of a "same" layer reaches
    into the padding (negative indices, or indices past the last pixel).

    Parameters
    ----------
    row : dict
        A row of :func:`receptive_fields`.
    unit : (int, int)
        The unit's (row, column) in the layer's output.

    Examples
    --------
    >>> from cnnbook import models
    >>> conv_3 = receptive_fields(models.chollet_convnet())[-1]
    >>> field_bounds(conv_3, (1, 2))
    ((4, 21), (8, 25))
    """
    if not isinstance(row, dict) or not {"size", "jump", "start", "output"} <= set(row):
        raise ValueError("row must be a row of receptive_fields(model)")
    unit = checks.pair(unit, "unit", low=0)
    bounds = []
    for axis in range(2):
        if unit[axis] >= row["output"][axis]:
            raise ValueError(f"unit must lie in the {row['output'][0]}x{row['output'][1]} output of "
                             f"{row['name']!r}, got {unit}")
        centre = row["start"][axis] + unit[axis] * row["jump"][axis]
        half = (row["size"][axis] - 1) / 2
        bounds.append((math.floor(centre - half + 0.5), math.floor(centre + half + 0.5)))
    return tuple(bounds)


def format_fields(rows):
    """Format :func:`receptive_fields` rows as aligned text; a pair of equal numbers prints as one.

    Examples
    --------
    >>> from cnnbook import models
    >>> print(format_fields(receptive_fields(models.tfjs_convnet())))
    layer   kind          output  kernel  stride  padding    size  jump  start
    image   InputLayer     28x28       1       1        0       1     1    0.0
    conv_1  Conv2D         24x24       5       1        0       5     1    2.0
    pool_1  MaxPooling2D   12x12       2       2        0       6     2    2.5
    conv_2  Conv2D           8x8       5       1        0      14     2    6.5
    pool_2  MaxPooling2D     4x4       2       2        0      16     4    7.5
    """
    if not rows:
        raise ValueError("no rows to format")

    def one(pair, fmt="{}"):
        return fmt.format(pair[0]) if pair[0] == pair[1] else "x".join(fmt.format(v) for v in pair)

    def kernel(row):
        text = one(row["kernel"])
        return text + (f" d{one(row['dilation'])}" if row["dilation"] != (1, 1) else "")

    width = max(len(row["name"]) for row in rows + [{"name": "layer"}])
    kind = max(len(row["kind"]) for row in rows + [{"kind": "kind"}])
    lines = [f"{'layer':<{width}}  {'kind':<{kind}}  {'output':>6}  {'kernel':>6}  {'stride':>6}  {'padding':>7}"
             f"  {'size':>6}  {'jump':>4}  {'start':>5}"]
    for row in rows:
        lines.append(f"{row['name']:<{width}}  {row['kind']:<{kind}}  {'x'.join(map(str, row['output'])):>6}  "
                     f"{kernel(row):>6}  {one(row['stride']):>6}  {one(row['padding']):>7}  "
                     f"{one(row['size']):>6}  {one(row['jump']):>4}  {one(row['start'], '{:.1f}'):>5}")
    return "\n".join(lines)


def effective_fields(model, layer_name, images, units):
    """The effective receptive field of units of one layer: ``|d unit / d input|`` (Luo et al., 2016).

    The "unit" is the sum over the layer's channels at one position, so the
    map says how strongly each input pixel moves that position of the layer.
    The gradient is taken with TensorFlow's ``GradientTape`` (Keras'
    TensorFlow backend), in inference mode (dropout off), summed over the
    input's channels.

    Parameters
    ----------
    model : keras.Model
        A built model with one fixed-size input.
    layer_name : str
        A layer whose output is ``(batch, height, width, channels)``.
    images : array_like, shape (n, H, W, C)
        Inputs shaped like the model's input.
    units : sequence of (int, int)
        Positions ``(row, column)`` in the layer's output.

    Returns
    -------
    ndarray, shape (n, len(units), H, W), float32
        The gradient magnitudes, not normalized.

    Examples
    --------
    >>> import keras
    >>> net = keras.Sequential([keras.Input((8, 8, 1)),
    ...                         keras.layers.Conv2D(1, 3, name="conv")])
    >>> heat = effective_fields(net, "conv", np.ones((1, 8, 8, 1)), [(0, 0)])
    >>> heat.shape, np.flatnonzero(heat[0, 0].any(axis=1)).tolist()
    ((1, 1, 8, 8), [0, 1, 2])
    """
    import keras
    import tensorflow as tf

    names = [layer.name for layer in model.layers]
    if layer_name not in names:
        raise ValueError(f"model {model.name!r} has no layer {layer_name!r}; it has {', '.join(names)}")
    layer = model.get_layer(layer_name)
    if len(layer.output.shape) != 4:
        raise ValueError(f"layer {layer_name!r} outputs shape {tuple(layer.output.shape)}, not feature maps")
    shape = tuple(model.inputs[0].shape[1:])
    x = checks.array(images, "images", ndim=4, dtype="float32")
    if tuple(x.shape[1:]) != shape:
        raise ValueError(f"images must be shaped (n, {', '.join(map(str, shape))}), got {x.shape}")
    rows, cols = layer.output.shape[1:3]
    units = [checks.pair(u, "units", low=0) for u in units]
    for unit in units:
        if unit[0] >= rows or unit[1] >= cols:
            raise ValueError(f"units must lie in {layer_name!r}'s {rows}x{cols} output, got {unit}")
    checks.budget((len(x), len(units)) + shape, "the gradients")
    probe = keras.Model(model.inputs, layer.output)
    heat = np.zeros((len(x), len(units)) + shape[:2], np.float32)
    for i, image in enumerate(x):
        batch = tf.constant(np.repeat(image[None], len(units), axis=0))
        # One copy of the image per unit: a one-hot mask picks each copy's unit, so one backward pass does all.
        mask = np.zeros((len(units), rows, cols, 1), np.float32)
        for k, (r, c) in enumerate(units):
            mask[k, r, c, 0] = 1
        with tf.GradientTape() as tape:
            tape.watch(batch)
            total = tf.reduce_sum(probe([batch], training=False) * mask)
        heat[i] = np.abs(tape.gradient(total, batch).numpy()).sum(axis=-1)
    return heat


def core_size(heat, centre, share=0.9):
    """Side of the smallest square centred on ``centre`` that holds ``share`` of ``heat``'s total.

    A measure of the effective receptive field's extent: for a unit whose
    gradient is spread evenly over its theoretical field it is the field's
    size; Luo et al. (2016) found it much smaller, the gradient piling up
    in the middle. The widget's JavaScript draws the same square.

    Parameters
    ----------
    heat : (H, W) array_like
        Non-negative weights, e.g. one map of :func:`effective_fields`.
    centre : (float, float)
        (row, column) of the square's centre: the centre of the unit's
        theoretical field, ``start + unit * jump``.
    share : float
        In (0, 1].

    Returns
    -------
    int
        An odd number for a centre on a pixel, an even one for a centre
        between pixels.

    Examples
    --------
    >>> heat = np.zeros((9, 9)); heat[4, 4] = 8; heat[2, 4] = 2
    >>> core_size(heat, (4, 4), 0.8), core_size(heat, (4, 4), 0.9)
    (1, 5)
    """
    heat = checks.array(heat, "heat", ndim=2)
    if heat.min() < 0:
        raise ValueError("heat must not be negative")
    share = checks.real(share, "share", positive=True)
    if share > 1:
        raise ValueError(f"share must be in (0, 1], got {share}")
    if heat.sum() == 0:
        raise ValueError("heat is all zero: no gradient reaches the input")
    rows, cols = np.indices(heat.shape)
    cr, cc = (checks.real(v, "centre") for v in centre)
    distance = np.maximum(np.abs(rows - cr), np.abs(cols - cc)).ravel()
    order = np.argsort(distance, kind="stable")
    cumulative = np.cumsum(heat.ravel()[order])
    reach = distance[order][np.searchsorted(cumulative, share * cumulative[-1] * (1 - 1e-12))]
    return int(round(2 * reach + 1))
