"""`FeatureMapExplorer`: the feature maps of a trained convnet, browsable without a kernel."""


import anywidget
import numpy as np
import traitlets

from cnnbook import checks

from ._files import css, esm


#: At most this many images are embedded (the state is stored in the notebook and the HTML book).
MAX_IMAGES = 8


def _pick_layers(model, layers):
    """Return the model's layers to show: those named, or all with (H, W, C) outputs."""
    by_name = {layer.name: layer for layer in model.layers}
    if layers is None:
        chosen = [layer for layer in model.layers if len(layer.output.shape) == 4]
        if not chosen:
            raise ValueError(f"model {model.name!r} has no layer with (height, width, channels) outputs")
        return chosen
    if isinstance(layers, str):
        layers = [layers]
    chosen = []
    for name in layers:
        if name not in by_name:
            raise ValueError(f"model {model.name!r} has no layer {name!r}; it has {', '.join(by_name)}")
        if len(by_name[name].output.shape) != 4:
            raise ValueError(f"layer {name!r} outputs shape {tuple(by_name[name].output.shape)}, not feature maps "
                             "(batch, height, width, channels)")
        chosen.append(by_name[name])
    if not chosen:
        raise ValueError("layers must name at least one layer")
    return chosen


class FeatureMapExplorer(anywidget.AnyWidget):
    """Browse the feature maps of a trained convnet: pick an image, a layer and a channel.

    The activations are computed once, in Python, when the widget is made;
    they travel in the widget's state as bytes (uint8, quantized per layer and
    channel over the images, so that one channel compares across images), and
    the JavaScript draws them. The widget therefore works in the static HTML
    book, where no Python runs.

    Parameters
    ----------
    model : keras.Model
        A built model whose input is an image.
    images : array_like
        1 to `MAX_IMAGES` images shaped like the model's input (a grayscale
        channel axis may be left out), uint8 or float in [0, 1].
    layers : str or sequence of str, optional
        Names of the layers to show; by default every layer whose output has
        height, width and channels.
    max_channels : int
        Layers with more channels show only the `max_channels` most active
        ones (largest mean absolute activation), to keep the page light.
    labels : sequence of str, optional
        A caption per image (e.g. ``"7 (predicted 7)"``).

    Attributes
    ----------
    image_index, layer_index, channel : int
        The current choice; setting them from Python moves the widget.
        `channel` counts the channels shown for the layer;
        ``layer_info[layer_index]["channels"]`` gives their numbers in the model.
    nbytes : int
        Size of the embedded activations and images.

    Examples
    --------
    >>> FeatureMapExplorer(model, x_test[:4], labels=["7", "2", "1", "0"])  # doctest: +SKIP
    """

    _esm = esm("feature_maps.js")
    _css = css("feature_maps.css")

    images = traitlets.Bytes().tag(sync=True)
    image_shape = traitlets.List(traitlets.Int()).tag(sync=True)
    labels = traitlets.List(traitlets.Unicode()).tag(sync=True)
    maps = traitlets.Bytes().tag(sync=True)
    layer_info = traitlets.List(traitlets.Dict()).tag(sync=True)
    model_name = traitlets.Unicode("").tag(sync=True)
    image_index = traitlets.Int(0).tag(sync=True)
    layer_index = traitlets.Int(0).tag(sync=True)
    channel = traitlets.Int(0).tag(sync=True)

    def __init__(self, model, images, layers=None, max_channels=16, labels=None):
        import keras

        if not isinstance(model, keras.Model) or not getattr(model, "built", False) or not model.inputs:
            raise ValueError("model must be a built keras.Model with a known input (start it with keras.Input)")
        max_channels = checks.integer(max_channels, "max_channels", 1, 64)
        pixels = checks.image(images, "images", shape=tuple(model.inputs[0].shape[1:]), stack=True)  # float32 in [0, 1]
        if len(pixels) > MAX_IMAGES:
            raise ValueError(f"give 1 to {MAX_IMAGES} images (they are embedded in the page), got {len(pixels)}")
        if labels is None:
            labels = [f"image {i + 1}" for i in range(len(pixels))]
        labels = [str(label) for label in labels]
        if len(labels) != len(pixels):
            raise ValueError(f"got {len(labels)} labels for {len(pixels)} images")
        chosen = _pick_layers(model, layers)
        inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
        probe = keras.Model(inputs=inputs, outputs=[layer.output for layer in chosen])
        # A direct call, not probe.predict: no prediction function to trace for a few images.
        outputs = probe(pixels, training=False)
        if len(chosen) == 1:
            outputs = [outputs]
        chunks, info, offset = [], [], 0
        for layer, maps in zip(chosen, outputs):
            maps = np.asarray(keras.ops.convert_to_numpy(maps), dtype=np.float32)
            channels = np.argsort(-np.abs(maps).mean(axis=(0, 1, 2)), kind="stable")[:max_channels]
            channels = np.sort(channels)
            maps = maps[..., channels]
            low, high = maps.min(axis=(0, 1, 2)), maps.max(axis=(0, 1, 2))
            span = np.where(high > low, high - low, 1.0)
            quantized = np.round((maps - low) / span * 255).astype(np.uint8)
            # Channel-major per image: each map is one contiguous block of height x width bytes.
            block = np.ascontiguousarray(quantized.transpose(0, 3, 1, 2))
            info.append({
                "name": layer.name,
                "kind": type(layer).__name__,
                "height": int(maps.shape[1]),
                "width": int(maps.shape[2]),
                "channels": [int(c) for c in channels],
                "total_channels": int(layer.output.shape[-1]),
                "low": [round(float(v), 4) for v in low],
                "high": [round(float(v), 4) for v in high],
                "offset": offset,
            })
            chunks.append(block.tobytes())
            offset += block.nbytes
        shown = np.round(pixels * 255).astype(np.uint8)
        super().__init__(
            images=shown.tobytes(),
            image_shape=list(shown.shape),
            labels=labels,
            maps=b"".join(chunks),
            layer_info=info,
            model_name=model.name,
        )

    @property
    def nbytes(self):
        """Bytes of image and activation data embedded in the widget's state."""
        return len(self.images) + len(self.maps)

    def feature_map(self, image_index=None, layer_index=None, channel=None):
        """Return one embedded map as float32 (de-quantized); defaults to the current choice."""
        image_index = self.image_index if image_index is None else image_index
        layer_index = self.layer_index if layer_index is None else layer_index
        channel = self.channel if channel is None else channel
        info = self.layer_info[layer_index]
        height, width, count = info["height"], info["width"], len(info["channels"])
        start = info["offset"] + (image_index * count + channel) * height * width
        block = np.frombuffer(self.maps, np.uint8, height * width, start).reshape(height, width)
        low, high = info["low"][channel], info["high"][channel]
        return (low + block.astype(np.float32) / 255 * (high - low)).astype(np.float32)

    @traitlets.validate("image_index")
    def _valid_image(self, proposal):
        return checks.integer(proposal["value"], "image_index", 0, max(0, len(self.labels) - 1))

    @traitlets.validate("layer_index")
    def _valid_layer(self, proposal):
        return checks.integer(proposal["value"], "layer_index", 0, max(0, len(self.layer_info) - 1))

    @traitlets.validate("channel")
    def _valid_channel(self, proposal):
        count = len(self.layer_info[self.layer_index]["channels"]) if self.layer_info else 1
        return checks.integer(proposal["value"], "channel", 0, count - 1)

    @traitlets.observe("layer_index")
    def _reset_channel(self, change):
        if self.channel >= len(self.layer_info[change["new"]]["channels"]):
            self.channel = 0
