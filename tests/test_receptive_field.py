"""`cnnbook.receptive_field` against a brute-force probe, on every net of the book with a fixed input size.

The probe: give the net strictly positive weights, zero biases and batch
normalization that does nothing, feed it a black image with one row (or one
column) of input pixels set to 1, and see which rows (columns) of every
layer's maps move. With ReLU the untouched maps stay exactly 0, and a sum of
positive numbers can never cancel, so a unit moves exactly when the perturbed
row lies inside its field (clipped to the image; in the padding it cannot be
perturbed). For the sigmoid nets the untouched maps are constant and any
increase of a pre-activation increases the output, so the same holds.
"""

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
from keras import layers  # noqa: E402

from cnnbook import architectures, models  # noqa: E402
from cnnbook.receptive_field import effective_fields, field_bounds, format_fields, receptive_fields  # noqa: E402


def chapter14_convnet():
    """The convnet of chapter 14 (three 'same' 3x3 conv blocks), as the chapter builds it."""
    inputs = keras.Input((28, 28, 1))
    x = inputs
    for i, filters in enumerate((8, 8, 8), start=1):
        x = layers.Conv2D(filters, 3, padding="same", name=f"conv{i}")(x)
        x = layers.ReLU(name=f"relu{i}")(x)
        x = layers.MaxPooling2D(2, name=f"pool{i}")(x)
    x = layers.Flatten()(layers.Dropout(0.3)(x))
    return keras.Model(inputs, layers.Dense(10)(x))


def odd_net():
    """Every kind the table follows: dilation, 'same' with stride on odd sizes, depthwise, padding, branches."""
    inputs = keras.Input((23, 21, 2))
    x = layers.ZeroPadding2D(((2, 0), (1, 1)))(inputs)
    x = layers.Conv2D(3, (3, 5), strides=(2, 1), padding="same")(x)
    x = layers.DepthwiseConv2D(3, dilation_rate=2, padding="same")(x)
    a = layers.MaxPooling2D(3, strides=2, padding="same")(x)
    b = layers.AveragePooling2D(2, strides=2, padding="same")(x)
    x = layers.Concatenate()([a, b])
    x = layers.SeparableConv2D(4, 3, strides=2, padding="valid")(x)
    y = layers.Conv2D(4, 1, activation="relu")(x)
    x = layers.Add()([x, layers.Conv2D(4, 3, padding="same", activation="relu")(y)])
    return keras.Model(inputs, layers.GlobalAveragePooling2D()(x))


NETS = {
    "chollet_convnet": lambda: models.chollet_convnet(),
    "tfjs_convnet": lambda: models.tfjs_convnet(),
    "lenet5": lambda: models.lenet5(),
    "lenet_d2l": lambda: models.lenet_d2l(),
    "modern_lenet": lambda: models.modern_lenet(),
    "chapter14_convnet": chapter14_convnet,
    "alexnet": lambda: architectures.alexnet(input_shape=(67, 67, 1), num_classes=10, width=1 / 32),
    "vgg_small": lambda: architectures.vgg(((1, 64), (1, 128), (2, 256)), input_shape=(32, 32, 1),
                                           num_classes=10, width=1 / 16, dense_units=32),
    "nin_small": lambda: architectures.nin(input_shape=(28, 28, 1), num_classes=10, width=1 / 16, stem="small"),
    "googlenet_small": lambda: architectures.small_googlenet(input_shape=(28, 28, 1), num_classes=10,
                                                             width=1 / 16, stem="small"),
    "resnet18_small": lambda: architectures.resnet18(input_shape=(28, 28, 1), num_classes=10, width=1 / 16,
                                                     stem="small"),
    "resnet18_imagenet_stem": lambda: architectures.resnet18(input_shape=(40, 40, 1), num_classes=10,
                                                             width=1 / 16, stages=((1, 64), (1, 128))),
    "cifar_resnet": lambda: architectures.cifar_resnet(input_shape=(32, 32, 1), width=4),
    "small_mobilenet": lambda: architectures.small_mobilenet(input_shape=(32, 32, 1), width=2),
    "odd_net": odd_net,
}


def positive_copy(model, seed=0):
    """``model`` with strictly positive kernels (about 1 / fan-in), zero biases, and identity batch norms."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            gamma, beta, mean, var = layer.get_weights()
            layer.set_weights([np.ones_like(gamma), np.zeros_like(beta), np.zeros_like(mean), np.ones_like(var)])
            continue
        new = []
        for w in layer.get_weights():
            if w.ndim == 1:
                new.append(np.zeros_like(w))
            else:
                fan_in = max(1, w.shape[-2]) if w.ndim == 4 else w.shape[0]
                new.append(rng.uniform(0.5, 1.5, w.shape).astype(w.dtype) / fan_in)
        layer.set_weights(new)
    return model


def moved_rows(model, names, axis):
    """For each layer in ``names``: a boolean (input index, unit index) table of which units move
    when the whole input row (``axis`` 0) or column (1) at that index is set to 1."""
    shape = tuple(model.inputs[0].shape[1:])
    n = shape[axis]
    probe = keras.Model(model.inputs, [model.get_layer(name).output for name in names])
    x = np.zeros((n + 1,) + shape, np.float32)  # the last image: the unperturbed black one
    for i in range(n):
        if axis == 0:
            x[i, i] = 1
        else:
            x[i, :, i] = 1
    outputs = probe([x], training=False)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    tables = {}
    for name, out in zip(names, outputs):
        out = keras.ops.convert_to_numpy(out).astype(np.float64)
        diff = np.abs(out[:-1] - out[-1:])
        other = (2, 3) if axis == 0 else (1, 3)
        tables[name] = diff.max(axis=other) > 0
    return tables


@pytest.mark.parametrize("net", sorted(NETS))
def test_fields_match_the_probe(net):
    model = positive_copy(NETS[net]())
    rows = receptive_fields(model)
    assert rows[0]["size"] == (1, 1) and rows[0]["jump"] == (1, 1)
    layer_rows = rows[1:]
    names = [row["name"] for row in layer_rows]
    dilated = any(row["dilation"] != (1, 1) for row in rows)
    size = tuple(model.inputs[0].shape[1:3])
    for axis in range(2):
        tables = moved_rows(model, names, axis)
        for row in layer_rows:
            table = tables[row["name"]]
            assert table.shape[1] == row["output"][axis], row["name"]
            for unit in range(row["output"][axis]):
                seen = np.flatnonzero(table[:, unit])
                position = (unit, 0) if axis == 0 else (0, unit)
                low, high = field_bounds(row, position)[axis]
                expected = (max(low, 0), min(high, size[axis] - 1))
                if expected[0] > expected[1]:  # a unit of zero padding: its field is all outside the image
                    assert seen.size == 0, (net, row["name"], unit, seen)
                    continue
                assert seen.size, f"{net} {row['name']} unit {unit}: nothing moves it"
                where = (net, row["name"], axis, unit, seen, low, high)
                if not dilated:
                    assert (seen[0], seen[-1]) == expected, where
                    assert seen.size == seen[-1] - seen[0] + 1, where
                else:  # a dilated kernel skips pixels: its field is the hull, whose clipped ends may be holes
                    assert expected[0] <= seen[0] and seen[-1] <= expected[1], where
                    assert low < 0 or seen[0] == low, where
                    assert high >= size[axis] or seen[-1] == high, where


def test_known_fields():
    """Published values: VGG-16's pool5 sees 212 pixels, AlexNet's pool5 195 (Araujo et al., Table 1)."""
    vgg = {row["name"]: row for row in receptive_fields(architectures.vgg(width=1 / 64, dense_units=8))}
    assert vgg["block5_conv3"]["size"] == (196, 196) and vgg["block5_pool"]["size"] == (212, 212)
    assert vgg["block5_pool"]["jump"] == (32, 32)
    alex = {row["name"]: row for row in receptive_fields(architectures.alexnet(width=1 / 32))}
    assert alex["conv5"]["size"] == (163, 163) and alex["pool5"]["size"] == (195, 195)
    assert alex["pool5"]["jump"] == (32, 32)
    assert "block5_pool" in format_fields(list(vgg.values()))


def test_same_padding_start_and_border():
    """'same' padding centres the field on the unit; at the border half of it lies in the padding."""
    net = keras.Sequential([keras.Input((10, 10, 1)), layers.Conv2D(1, 5, padding="same", name="c")])
    row = receptive_fields(net)[-1]
    assert row["start"] == (0.0, 0.0) and row["padding"] == (2, 2)
    assert field_bounds(row, (0, 9)) == ((-2, 2), (7, 11))


def test_refuses_what_it_cannot_follow():
    with pytest.raises(ValueError, match="model must be a keras.Model"):
        receptive_fields("vgg")
    up = keras.Sequential([keras.Input((8, 8, 1)), layers.UpSampling2D(2)])
    with pytest.raises(ValueError, match="UpSampling2D"):
        receptive_fields(up)
    free = keras.Sequential([keras.Input((None, None, 1)), layers.Conv2D(1, 3)])
    with pytest.raises(ValueError, match="fixed"):
        receptive_fields(free)
    row = receptive_fields(models.tfjs_convnet())[-1]
    with pytest.raises(ValueError, match="unit must lie in the 4x4 output of 'pool_2'"):
        field_bounds(row, (4, 0))
    with pytest.raises(ValueError, match="row must be a row"):
        field_bounds({}, (0, 0))


def test_effective_field_lies_inside_the_theoretical_one():
    model = models.chollet_convnet()
    rows = {row["name"]: row for row in receptive_fields(model)}
    images = np.random.default_rng(0).random((2, 28, 28, 1))
    units = [(0, 0), (2, 3), (4, 4)]
    heat = effective_fields(model, "pool_2", images, units)
    assert heat.shape == (2, 3, 28, 28)
    for k, unit in enumerate(units):
        (top, bottom), (left, right) = field_bounds(rows["pool_2"], unit)
        inside = np.zeros((28, 28), bool)
        inside[max(top, 0):bottom + 1, max(left, 0):right + 1] = True
        assert heat[:, k].max() > 0
        assert np.all(heat[:, k][:, ~inside] == 0)
    with pytest.raises(ValueError, match="units must lie in 'pool_2'"):
        effective_fields(model, "pool_2", images, [(5, 0)])
    with pytest.raises(ValueError, match="no layer 'conv9'"):
        effective_fields(model, "conv9", images, units)
    with pytest.raises(ValueError, match="not feature maps"):
        effective_fields(model, "dense_64", images, units)
    with pytest.raises(ValueError, match="images must be shaped"):
        effective_fields(model, "pool_2", np.zeros((1, 27, 28, 1)), units)


def test_core_size():
    from cnnbook.receptive_field import core_size

    flat = np.zeros((10, 10))
    flat[2:7, 3:8] = 1  # a 5x5 field centred on (4, 5), evenly weighted
    assert core_size(flat, (4, 5), 1.0) == 5
    assert core_size(flat, (4, 5), 0.3) == 3  # 9 of 25 pixels
    with pytest.raises(ValueError, match="share must be in"):
        core_size(flat, (4, 5), 1.5)
    with pytest.raises(ValueError, match="all zero"):
        core_size(np.zeros((3, 3)), (1, 1))


def test_explorer_stores_what_the_page_needs():
    from cnnbook.widgets import ReceptiveFieldExplorer

    keras.utils.set_random_seed(0)
    net = models.tfjs_convnet()
    images = (np.random.default_rng(0).random((2, 28, 28)) * 255).astype(np.uint8)
    w = ReceptiveFieldExplorer({"a": net}, images, max_units=5)
    (described,) = w.nets
    assert described["layers"] == ["conv_1", "pool_1", "conv_2", "pool_2"] and w.layer == "pool_2"
    rows = {row["name"]: row for row in receptive_fields(net)}
    total = 0
    for layer, entry in described["effective"].items():
        assert len(entry["rows"]) <= 5 and entry["rows"][0] == 0
        units = [(r, c) for r in entry["rows"] for c in entry["cols"]]
        for (r, c), (top, left, h, w_) in zip(units, entry["boxes"]):
            (t, b), (lo, hi) = field_bounds(rows[layer], (r, c))
            assert (top, left, h, w_) == (max(t, 0), max(lo, 0), min(b, 27) - max(t, 0) + 1,
                                          min(hi, 27) - max(lo, 0) + 1)
        total += entry["image_stride"] * 2
    assert len(w.gradients) == total and len(w.image_data) == 2 * 28 * 28


@pytest.mark.parametrize("kwargs, message", [
    ({"images": np.zeros((5, 28, 28), np.uint8)}, "give 1 to 4 images"),
    ({"images": np.zeros((2, 27, 28), np.uint8)}, "images must be shaped"),
    ({"images": np.full((1, 28, 28), 2.0)}, r"values in \[0, 1\]"),
    ({"layers": ["conv_9"]}, "has no layer 'conv_9'"),
    ({"labels": ["one"]}, "labels must be 2 strings"),
    ({"max_units": 1}, r"max_units must be an integer in \[2, 32\]"),
    ({"nets": "lenet"}, "nets must be a keras.Model"),
])
def test_explorer_refuses_bad_input(kwargs, message):
    from cnnbook.widgets import ReceptiveFieldExplorer

    arguments = {"nets": models.tfjs_convnet(), "images": np.zeros((2, 28, 28), np.uint8), **kwargs}
    with pytest.raises(ValueError, match=message):
        ReceptiveFieldExplorer(**arguments)
