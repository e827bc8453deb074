"""`ReceptiveFieldExplorer`: what one unit of a trained net sees, in theory and in effect."""

import math

import anywidget
import numpy as np
import traitlets

from cnnbook import checks
from cnnbook.receptive_field import effective_fields, field_bounds, receptive_fields

from ._files import css, esm


#: At most this many images are embedded (the gradients of every stored unit are stored per image).
MAX_IMAGES = 4


def _unit_grid(side, max_units):
    """Every ``step``-th unit along a side of ``side`` units, at most ``max_units`` of them."""
    step = math.ceil(side / max_units)
    return list(range(0, side, step))


class ReceptiveFieldExplorer(anywidget.AnyWidget):
    """Pick a unit of a layer; see its theoretical receptive field and its effective one on a real image.

    The theoretical field (Araujo et al., 2019) is computed in the browser
    from the layer table (kernel, stride, dilation and padding of every
    layer; `cnnbook.receptive_field.receptive_fields` computes the same in
    Python) and drawn on the image, with the part that falls in the padding
    outside it. The effective field (Luo et al., 2016) is the magnitude of
    the gradient of the unit (summed over the layer's channels) with respect
    to the input pixels, computed here in Python with the trained net
    (`cnnbook.receptive_field.effective_fields`) for a grid of units and
    stored in the page, each map scaled to its own largest value; the widget
    shows the nearest stored unit and the smallest square around the unit's
    centre that holds 90% of the gradient.

    Click a unit on the layer's grid (or on the image: the unit whose field
    is centred nearest), or focus the grid and move with the arrow keys.

    Parameters
    ----------
    nets : keras.Model or dict of str to keras.Model
        One net, or several by name (e.g. trained and random weights), all
        with the same fixed-size one-channel input.
    images : array_like, shape (n, H, W) or (n, H, W, 1)
        1 to 4 images, uint8 (0..255) or float in [0, 1].
    layers : sequence of str, optional
        The layers to offer (default: every convolution and pooling layer
        of the first net). Every net must have them.
    labels : sequence of str, optional
        A caption per image.
    max_units : int
        Gradients are stored for at most this many units per side of a
        layer's map (every second unit of a 28x28 map for 14), 2 to 32.
    """

    _esm = esm("receptive_field.js")
    _css = css("receptive_field.css")

    nets = traitlets.List().tag(sync=True)
    image_data = traitlets.Bytes().tag(sync=True)
    image_shape = traitlets.List(traitlets.Int()).tag(sync=True)
    labels = traitlets.List(traitlets.Unicode()).tag(sync=True)
    gradients = traitlets.Bytes().tag(sync=True)
    net = traitlets.Int(0).tag(sync=True)
    layer = traitlets.Unicode().tag(sync=True)
    image = traitlets.Int(0).tag(sync=True)
    unit = traitlets.List(traitlets.Int(), minlen=2, maxlen=2).tag(sync=True)

    def __init__(self, nets, images, layers=None, labels=None, max_units=14):
        import keras

        if isinstance(nets, keras.Model):
            nets = {nets.name: nets}
        if not isinstance(nets, dict) or not nets:
            raise ValueError("nets must be a keras.Model or a non-empty dict of name to keras.Model")
        for name, model in nets.items():
            if not isinstance(model, keras.Model):
                raise ValueError(f"nets[{name!r}] must be a keras.Model, got {type(model).__name__}")
        tables = {name: receptive_fields(model) for name, model in nets.items()}
        shapes = {tuple(model.inputs[0].shape[1:]) for model in nets.values()}
        if len(shapes) != 1:
            raise ValueError(f"nets must share one input shape, got {sorted(shapes)}")
        shape = shapes.pop()
        if shape[-1] != 1:
            raise ValueError(f"nets must take one-channel (grayscale) images, got input shape {shape}")
        x = checks.image(images, "images", shape=shape, stack=True)  # float32 in [0, 1]
        if len(x) > MAX_IMAGES:
            raise ValueError(f"give 1 to {MAX_IMAGES} images (their gradients are embedded in the page), got {len(x)}")
        max_units = checks.integer(max_units, "max_units", 2, 32)
        first = next(iter(tables.values()))
        if layers is None:
            layers = [row["name"] for row in first if "Conv" in row["kind"] or "Pooling" in row["kind"]]
        if isinstance(layers, str) or not layers:
            raise ValueError(f"layers must be a non-empty list of layer names, got {layers!r}")
        for name, table in tables.items():
            known = [row["name"] for row in table[1:]]
            for layer in layers:
                if layer not in known:
                    raise ValueError(f"layers: net {name!r} has no layer {layer!r} with feature maps; it has "
                                     f"{', '.join(known)}")
        if labels is None:
            labels = [f"image {i + 1}" for i in range(len(x))]
        if isinstance(labels, str) or len(labels) != len(x) or not all(isinstance(t, str) for t in labels):
            raise ValueError(f"labels must be {len(x)} strings, one per image, got {labels!r}")

        chunks, offset, described = [], 0, []
        for name, model in nets.items():
            rows = {row["name"]: row for row in tables[name]}
            entries = {}
            for layer in layers:
                row = rows[layer]
                grid_rows, grid_cols = (_unit_grid(n, max_units) for n in row["output"])
                units = [(r, c) for r in grid_rows for c in grid_cols]
                heat = effective_fields(model, layer, x, units)
                boxes, unit_offsets, size = [], [], 0
                for unit in units:
                    (top, bottom), (left, right) = field_bounds(row, unit)
                    top, left = max(top, 0), max(left, 0)
                    bottom, right = min(bottom, shape[0] - 1), min(right, shape[1] - 1)
                    boxes.append([top, left, bottom - top + 1, right - left + 1])
                    unit_offsets.append(size)
                    size += (bottom - top + 1) * (right - left + 1)
                for i in range(len(x)):
                    for k, (top, left, h, w) in enumerate(boxes):
                        crop = heat[i, k, top:top + h, left:left + w]
                        peak = crop.max()
                        chunks.append(np.round(crop / peak * 255).astype(np.uint8) if peak > 0
                                      else np.zeros_like(crop, np.uint8))
                entries[layer] = {"offset": offset, "image_stride": size, "rows": grid_rows, "cols": grid_cols,
                                  "boxes": boxes, "unit_offsets": unit_offsets}
                offset += size * len(x)
            table = [{key: (list(value) if isinstance(value, tuple) else value) for key, value in row.items()
                      if key not in ("size", "jump", "start")} for row in tables[name]]
            described.append({"name": name, "table": table, "layers": list(layers), "effective": entries})
        gradients = b"".join(chunk.tobytes() for chunk in chunks)
        pixels = np.round(x[..., 0] * 255).astype(np.uint8)
        out = {row["name"]: row for row in first}[layers[-1]]["output"]
        super().__init__(nets=described, image_data=pixels.tobytes(), image_shape=list(shape[:2]),
                         labels=list(labels), gradients=gradients, net=0, layer=layers[-1], image=0,
                         unit=[out[0] // 2, out[1] // 2])

    @traitlets.validate("net")
    def _valid_net(self, proposal):
        return checks.integer(proposal["value"], "net", 0, len(self.nets) - 1)

    @traitlets.validate("image")
    def _valid_image(self, proposal):
        return checks.integer(proposal["value"], "image", 0, len(self.labels) - 1)

    @traitlets.validate("layer")
    def _valid_layer(self, proposal):
        return checks.choice(proposal["value"], "layer", tuple(self.nets[0]["layers"]))
