"""`DigitClassifier`: draw a digit and watch a trained convnet classify it, layer by layer, in the browser."""


import anywidget
import numpy as np
import traitlets

from cnnbook import checks, conv

from ._files import css, esm


#: At most this many weights are embedded (4 bytes each, stored in the notebook and the HTML book).
MAX_PARAMETERS = 250_000
#: At most this many example images are embedded.
MAX_EXAMPLES = 24

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


def _export_layers(model):
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


def _check_weights(specs, arrays):
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


def _activate(x, name):
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
            x = _activate(conv.conv2d(x, kernel, bias, padding=spec["padding"]), spec["activation"])
        elif kind in ("MaxPooling2D", "AveragePooling2D"):
            mode = "max" if kind == "MaxPooling2D" else "avg"
            x = conv.pool2d(x, spec["pool"], spec["strides"], mode=mode)
        elif kind == "Flatten":
            x = x.reshape(len(x), -1)
        elif kind == "Dense":
            kernel, bias = (arrays[i].astype(np.float64) for i in spec["weights"])
            x = _activate(x @ kernel + bias, spec["activation"])
        elif kind == "Activation":
            x = _activate(x, spec["activation"])
        outputs.append(x)
    return outputs


def _check_examples(examples, labels, input_shape):
    """Return (uint8 examples (n, H, W), labels as strings) or raise ValueError."""
    if examples is None:
        if labels is not None:
            raise ValueError("example_labels given without examples")
        return np.zeros((0, *input_shape[:2]), np.uint8), []
    # Stored as uint8 (0..255): a quarter of the bytes of float32.
    array = np.round(checks.image(examples, "examples", shape=tuple(input_shape[:2]), stack=True) * 255)
    array = array.astype(np.uint8)
    if len(array) > MAX_EXAMPLES:
        raise ValueError(f"give 1 to {MAX_EXAMPLES} examples (they are embedded in the page), got {len(array)}")
    if labels is None:
        labels = [f"example {i + 1}" for i in range(len(array))]
    labels = [str(label) for label in np.asarray(labels).ravel().tolist()] if not isinstance(labels, list) \
        else [str(label) for label in labels]
    if len(labels) != len(array):
        raise ValueError(f"got {len(labels)} example_labels for {len(array)} examples")
    return np.ascontiguousarray(array), labels


class DigitClassifier(anywidget.AnyWidget):
    """Draw a digit and watch a trained convnet classify it, every layer shown.

    The trained weights travel in the widget's state as float32 bytes, and the
    whole forward pass runs in JavaScript in the reader's browser, as the
    reader draws: the widget works in Jupyter, in Colab and in the static HTML
    book, with no Python running. The drawing is centred and scaled the way
    MNIST's digits were (its bounding box scaled to fit a 20x20 box, then
    placed in the 28x28 field so that its centre of mass is at the centre).

    Parameters
    ----------
    model : keras.Model
        A trained classifier for grayscale images, a chain of InputLayer,
        Rescaling, Conv2D (stride 1, 'valid' or 'same' padding), MaxPooling2D,
        AveragePooling2D ('valid' padding), Flatten, Dense, Dropout and
        Activation layers with linear, relu, sigmoid, tanh or softmax
        activations, at most `MAX_PARAMETERS` weights, input (H, W, 1) with
        8 <= H, W <= 64. The last layer's outputs are shown as probabilities
        (a softmax is applied when the net ends without one).
    examples : array_like of uint8 (or float in [0, 1]), optional
        Up to `MAX_EXAMPLES` images (n, H, W) shown as a gallery, stored as
        uint8; a click loads one, exactly as stored, into the net. The first is shown at the start.
    example_labels : sequence, optional
        A caption per example (e.g. the true labels).
    class_names : sequence of str, optional
        Names of the classes (default ``"0"``, ``"1"``, ...).
    value_max : float
        The value the net expects for full ink: 1 for images scaled to [0, 1]
        (the book's convention), 255 for a net that takes raw pixel values.

    Attributes
    ----------
    layer_specs : list of dict
        What the JavaScript computes, layer by layer.
    input_image : numpy.ndarray
        The net's current input (H, W) in [0, 1], sent back by the browser
        after each stroke (as float32 bytes in the `image` trait); set it
        with `show`.
    probabilities : list of float
        The class probabilities the browser computed for `image`.
    nbytes : int
        Bytes of weights and examples embedded in the widget's state.

    Examples
    --------
    >>> DigitClassifier(model, examples=x_test[:8], example_labels=y_test[:8])  # doctest: +SKIP
    """

    _esm = esm("digit_classifier.js")
    _css = css("digit_classifier.css")

    weights = traitlets.Bytes().tag(sync=True)
    layer_specs = traitlets.List(traitlets.Dict()).tag(sync=True)
    input_shape = traitlets.List(traitlets.Int()).tag(sync=True)
    value_max = traitlets.Float(1.0).tag(sync=True)
    class_names = traitlets.List(traitlets.Unicode()).tag(sync=True)
    model_name = traitlets.Unicode("").tag(sync=True)
    examples = traitlets.Bytes().tag(sync=True)
    example_labels = traitlets.List(traitlets.Unicode()).tag(sync=True)
    # Sent back by the browser after each stroke: its buffer arrives as a memoryview.
    image = traitlets.Bytes().tag(sync=True, from_json=lambda value, widget: None if value is None else bytes(value))
    probabilities = traitlets.List(traitlets.Float()).tag(sync=True)

    def __init__(self, model, examples=None, example_labels=None, class_names=None, value_max=1.0):
        import keras

        if not isinstance(model, keras.Model) or not getattr(model, "built", False) or len(model.inputs or []) != 1:
            raise ValueError("model must be a built keras.Model with one known input (start it with keras.Input)")
        input_shape = tuple(int(n) for n in model.inputs[0].shape[1:])
        if len(input_shape) != 3 or input_shape[-1] != 1 or not all(8 <= n <= 64 for n in input_shape[:2]):
            raise ValueError(f"model must take grayscale images (height, width, 1) with sides 8 to 64, "
                             f"got input shape {input_shape}")
        if isinstance(value_max, bool) or not isinstance(value_max, (int, float)) or not 0 < value_max <= 255:
            raise ValueError(f"value_max must be a number in (0, 255], got {value_max!r}")
        specs, arrays = _export_layers(model)
        arrays = _check_weights(specs, arrays)
        count = sum(a.size for a in arrays)
        if count > MAX_PARAMETERS:
            raise ValueError(f"model {model.name!r} has {count:,} weights; the widget embeds at most "
                             f"{MAX_PARAMETERS:,} ({MAX_PARAMETERS * 4 // 1000:,} kB) in the page")
        offset = 0
        for spec in specs:  # weights -> [byte offset, length] pairs in the one buffer
            if "weights" in spec:
                pairs = []
                for i in spec["weights"]:
                    pairs.append([offset, int(arrays[i].size)])
                    offset += arrays[i].nbytes
                spec["weights"] = pairs
        classes = int(specs[-1]["output_shape"][0])
        if class_names is None:
            class_names = [str(i) for i in range(classes)]
        class_names = [str(name) for name in class_names]
        if len(class_names) != classes:
            raise ValueError(f"got {len(class_names)} class_names for a model with {classes} outputs")
        pictures, labels = _check_examples(examples, example_labels, input_shape)
        start = (pictures[0].astype(np.float32) / 255 if len(pictures)
                 else np.zeros(input_shape[:2], np.float32))
        super().__init__(
            weights=b"".join(a.tobytes() for a in arrays),
            layer_specs=specs,
            input_shape=list(input_shape),
            value_max=float(value_max),
            class_names=class_names,
            model_name=model.name,
            examples=pictures.tobytes(),
            example_labels=labels,
        )
        self._check_against(model, arrays)
        self.show(start)

    def _check_against(self, model, arrays):
        """Make sure the exported chain computes what the model computes (catches branching models)."""
        probe = np.random.default_rng(0).random((2, *self.input_shape)).astype(np.float32) * self.value_max
        want = np.asarray(model(probe, training=False), np.float64)
        got = forward_numpy(self.layer_specs_indexed(), arrays, probe)[-1]
        if got.shape != want.shape or not np.allclose(got, want, atol=1e-3, rtol=1e-3):
            raise ValueError(f"model {model.name!r} does not compute its layers one after the other "
                             "(a branching model?); the widget needs a plain chain of layers")

    def layer_specs_indexed(self):
        """`layer_specs` with each ``"weights"`` entry as indices into `weight_arrays`."""
        specs, index = [], 0
        for spec in self.layer_specs:
            spec = dict(spec)
            if "weights" in spec:
                spec["weights"] = list(range(index, index + len(spec["weights"])))
                index += len(spec["weights"])
            specs.append(spec)
        return specs

    def weight_arrays(self):
        """The embedded weights as float32 arrays shaped as in Keras (kernel, bias per layer)."""
        arrays = []
        for spec in self.layer_specs:
            if "weights" not in spec:
                continue
            (k_off, k_len), (b_off, b_len) = spec["weights"]
            kernel = np.frombuffer(self.weights, np.float32, k_len, k_off)
            shape = ((*spec["kernel"], -1, spec["filters"]) if spec["kind"] == "Conv2D" else (-1, spec["units"]))
            arrays += [kernel.reshape(shape), np.frombuffer(self.weights, np.float32, b_len, b_off)]
        return arrays

    def predict(self, images):
        """Class probabilities of `images` (n, H, W) in [0, 1] by the embedded net, computed in NumPy."""
        x = np.asarray(images, np.float64).reshape(-1, *self.input_shape) * self.value_max
        out = forward_numpy(self.layer_specs_indexed(), self.weight_arrays(), x)[-1]
        if self.layer_specs[-1].get("activation") != "softmax":
            out = _activate(out, "softmax")
        return out

    def show(self, image):
        """Load `image` (H, W), uint8 or float in [0, 1], into the net as it is (no centring)."""
        array = checks.image(image, "image", shape=tuple(self.input_shape[:2]))
        self.image = array.tobytes()
        self.probabilities = [float(p) for p in self.predict(array[None])[0]]

    @property
    def input_image(self):
        """The net's current input, float32 (H, W) in [0, 1]."""
        return np.frombuffer(self.image, np.float32).reshape(self.input_shape[:2])

    @property
    def nbytes(self):
        """Bytes of weights and example images embedded in the widget's state."""
        return len(self.weights) + len(self.examples) + len(self.image)

    @traitlets.validate("image")
    def _valid_image(self, proposal):
        value = bytes(proposal["value"])
        size = 4 * self.input_shape[0] * self.input_shape[1] if self.input_shape else len(value)
        if len(value) != size:
            raise ValueError(f"image must be {size} bytes (float32 {self.input_shape[:2]}), got {len(value)}")
        return value

