"""Export a plain chain of Keras layers to what `DigitClassifier`'s JavaScript computes, and the same computation in NumPy.

`export_layers` turns a Keras model into layer specs and weight arrays (or
says which layer it cannot compute and why); `check_weights` checks the arrays
against the specs; `forward_numpy` runs the exported net with
:mod:`cnnbook.conv`, the reference the widget and its tests compare with.
"""

import numpy as np

from cnnbook import conv

_ACTIVATIONS = ("linear", "relu", "sigmoid", "tanh", "softmax")
_SUPPORTED = ("InputLayer, Rescaling, Conv2D (stride 1, 'valid' or 'same' padding), MaxPooling2D and "
              "AveragePooling2D ('valid' padding), Flatten, Dense, Dropout and Activation")


def _activation_name(layer):
    """Return the name of `layer`'s activation, or raise ValueError naming the layer."""
    activation = getattr(layer, "activation", None)
    name = getattr(activation, "__name__", None) if activation is not None else "linear"
    if name not in _ACTIVATIONS:
        raise ValueError(f"layer {layer.name!r} ({type(layer).__name__}) has activation {name!r}; the widget "
                         f"computes {', '.join(_ACTIVATIONS)}")
    return name


def _kernel_and_bias(layer):
    """Return a Conv2D or Dense layer's kernel and bias (zeros without one) as NumPy arrays."""
    weights = [np.asarray(w) for w in layer.get_weights()]
    if len(weights) == 1:
        weights.append(np.zeros(weights[0].shape[-1], weights[0].dtype))
    if len(weights) != 2:
        raise ValueError(f"layer {layer.name!r} ({type(layer).__name__}) has {len(weights)} weight arrays, "
                         "expected a kernel and a bias (a quantized or LoRA layer?)")
    return weights


def _pair(value, what, layer):
    pair = tuple(int(v) for v in (value if isinstance(value, (tuple, list)) else (value, value)))
    if len(pair) != 2:
        raise ValueError(f"layer {layer.name!r}: {what} must be two numbers, got {value!r}")
    return pair


def export_layers(model):
    """Return (layer specs, list of float32 weight arrays) for the widget, or raise ValueError.

    Each spec says what the JavaScript computes; its ``"weights"`` entry gives the
    indices of its arrays in the returned list.
    """
    specs, arrays = [], []
    shape = tuple(int(n) for n in model.inputs[0].shape[1:])
    previous = model.inputs[0]
    for layer in model.layers:
        kind = type(layer).__name__
        spec = {"name": layer.name, "kind": kind, "input_shape": list(shape)}
        if getattr(layer, "data_format", "channels_last") != "channels_last":
            raise ValueError(f"layer {layer.name!r} ({kind}) uses data_format={layer.data_format!r}; "
                             "the widget needs channels_last (Keras' default)")
        if kind == "InputLayer":
            continue
        try:
            chained = layer.input is previous
        except (AttributeError, ValueError):  # a layer called more than once
            chained = False
        if not chained:
            raise ValueError(f"layer {layer.name!r} ({kind}) does not take the output of the layer before it "
                             "(a branching model?); the widget needs a plain chain of layers")
        previous = layer.output
        if kind == "Rescaling":
            scale, offset = np.asarray(layer.scale, float), np.asarray(layer.offset, float)
            if scale.size != 1 or offset.size != 1:
                raise ValueError(f"layer {layer.name!r} (Rescaling) must use one scale and one offset, "
                                 "not one per channel")
            spec.update(scale=float(scale), offset=float(offset))
        elif kind == "Conv2D":
            if _pair(layer.strides, "strides", layer) != (1, 1):
                raise ValueError(f"layer {layer.name!r} (Conv2D) has strides {layer.strides}; the widget "
                                 "computes stride 1 only")
            if _pair(layer.dilation_rate, "dilation_rate", layer) != (1, 1):
                raise ValueError(f"layer {layer.name!r} (Conv2D) is dilated; the widget computes dilation 1 only")
            if getattr(layer, "groups", 1) != 1:
                raise ValueError(f"layer {layer.name!r} (Conv2D) is grouped; the widget computes groups=1 only")
            if layer.padding not in ("valid", "same"):
                raise ValueError(f"layer {layer.name!r} (Conv2D) has padding {layer.padding!r}; "
                                 "the widget computes 'valid' and 'same'")
            kernel, bias = _kernel_and_bias(layer)
            kh, kw, cin, cout = kernel.shape
            if cin != shape[-1]:
                raise ValueError(f"layer {layer.name!r} (Conv2D): kernel expects {cin} input channels, "
                                 f"the layer before gives {shape[-1]}")
            spec.update(kernel=[kh, kw], filters=cout, padding=layer.padding, activation=_activation_name(layer),
                        weights=[len(arrays), len(arrays) + 1])
            arrays += [kernel, bias]
        elif kind in ("MaxPooling2D", "AveragePooling2D"):
            if layer.padding != "valid":
                raise ValueError(f"layer {layer.name!r} ({kind}) has padding {layer.padding!r}; the widget "
                                 "computes 'valid' pooling only")
            spec.update(pool=list(_pair(layer.pool_size, "pool_size", layer)),
                        strides=list(_pair(layer.strides, "strides", layer)))
        elif kind == "Flatten":
            pass
        elif kind == "Dense":
            if len(shape) != 1:
                raise ValueError(f"layer {layer.name!r} (Dense) receives shape {shape}; the widget needs a "
                                 "Flatten layer before the first Dense layer")
            kernel, bias = _kernel_and_bias(layer)
            spec.update(units=int(kernel.shape[1]), activation=_activation_name(layer),
                        weights=[len(arrays), len(arrays) + 1])
            arrays += [kernel, bias]
        elif kind == "Dropout":
            spec["kind"] = "Activation"
            spec["activation"] = "linear"  # does nothing at inference
        elif kind in ("Activation", "ReLU", "Softmax"):
            if kind == "Activation":
                spec["activation"] = _activation_name(layer)
            else:
                if kind == "ReLU" and (layer.max_value is not None or float(layer.negative_slope) != 0
                                       or float(layer.threshold) != 0):
                    raise ValueError(f"layer {layer.name!r} (ReLU) has options the widget does not compute")
                spec["kind"], spec["activation"] = "Activation", kind.lower()
        else:
            raise ValueError(f"layer {layer.name!r} is a {kind}, which the widget cannot compute; "
                             f"it computes {_SUPPORTED}")
        try:
            shape = tuple(int(n) for n in layer.output.shape[1:])
        except (AttributeError, TypeError, ValueError):
            raise ValueError(f"layer {layer.name!r} ({kind}) has no single known output shape") from None
        spec["output_shape"] = list(shape)
        specs.append(spec)
    if len(shape) != 1 or shape[0] < 2:
        raise ValueError(f"the model's output must be a vector of class scores, got shape {shape}")
    return specs, [np.asarray(a) for a in arrays]


def check_weights(specs, arrays):
    """Check every weight array's shape against its layer and that all values are finite; return float32 copies."""
    checked = []
    for spec in specs:
        if "weights" not in spec:
            continue
        kernel, bias = (arrays[i] for i in spec["weights"])
        if spec["kind"] == "Conv2D":
            want = (*spec["kernel"], spec["input_shape"][-1], spec["filters"])
        else:
            want = (int(np.prod(spec["input_shape"])), spec["units"])
        if kernel.shape != want or bias.shape != (want[-1],):
            raise ValueError(f"layer {spec['name']!r}: weights shaped {kernel.shape} and {bias.shape}, "
                             f"expected {want} and ({want[-1]},)")
        for what, array in (("kernel", kernel), ("bias", bias)):
            if array.dtype.kind not in "fiu" or not np.all(np.isfinite(array)):
                raise ValueError(f"layer {spec['name']!r}: the {what} must hold finite numbers (NaN or "
                                 "infinity found: was the net trained with a too large learning rate?)")
        checked += [np.ascontiguousarray(kernel, np.float32), np.ascontiguousarray(bias, np.float32)]
    return checked


def activate(x, name):
    """Apply the activation called `name` (one of the exported names) to `x`."""
    if name == "relu":
        return np.maximum(x, 0)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-x))
    if name == "tanh":
        return np.tanh(x)
    if name == "softmax":
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    return x


def forward_numpy(specs, arrays, images):
    """Run the exported net in NumPy with :mod:`cnnbook.conv`: the same computation as the widget's JavaScript.

    Parameters
    ----------
    specs : list of dict
        ``DigitClassifier.layer_specs``.
    arrays : list of numpy.ndarray
        The weights, ``DigitClassifier.weight_arrays()``.
    images : numpy.ndarray
        float images shaped (n, height, width, channels), as the model takes them.

    Returns
    -------
    list of numpy.ndarray
        Every layer's output, in order; the last one is the class probabilities.

    Examples
    --------
    >>> from cnnbook.widgets import DigitClassifier
    >>> w = DigitClassifier(model)  # doctest: +SKIP
    >>> forward_numpy(w.layer_specs, w.weight_arrays(), images)[-1]  # doctest: +SKIP
    """
    x = np.asarray(images, np.float64)
    outputs = []
    for spec in specs:
        kind = spec["kind"]
        if kind == "Rescaling":
            x = x * spec["scale"] + spec["offset"]
        elif kind == "Conv2D":
            kernel, bias = (arrays[i].astype(np.float64) for i in spec["weights"])
            x = activate(conv.conv2d(x, kernel, bias, padding=spec["padding"]), spec["activation"])
        elif kind in ("MaxPooling2D", "AveragePooling2D"):
            mode = "max" if kind == "MaxPooling2D" else "avg"
            x = conv.pool2d(x, spec["pool"], spec["strides"], mode=mode)
        elif kind == "Flatten":
            x = x.reshape(len(x), -1)
        elif kind == "Dense":
            kernel, bias = (arrays[i].astype(np.float64) for i in spec["weights"])
            x = activate(x @ kernel + bias, spec["activation"])
        elif kind == "Activation":
            x = activate(x, spec["activation"])
        outputs.append(x)
    return outputs
