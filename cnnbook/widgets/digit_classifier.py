"""`DigitClassifier`: draw a digit and watch a trained convnet classify it, layer by layer, in the browser."""


import anywidget
import numpy as np
import traitlets

from cnnbook import checks

from ._files import css, esm
from .keras_export import activate, check_weights, export_layers, forward_numpy


#: At most this many weights are embedded (4 bytes each, stored in the notebook and the HTML book).
MAX_PARAMETERS = 250_000
#: At most this many example images are embedded.
MAX_EXAMPLES = 24

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
        specs, arrays = export_layers(model)
        arrays = check_weights(specs, arrays)
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
            out = activate(out, "softmax")
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

