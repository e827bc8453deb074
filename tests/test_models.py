"""The book's models against the sources' shapes and parameter counts, their argument checks, and the feature-map widget."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from cnnbook import architectures, models  # noqa: E402
from cnnbook.widgets.feature_maps import MAX_IMAGES, FeatureMapExplorer  # noqa: E402

NETS = [models.dense_baseline, models.chollet_convnet, models.tfjs_convnet, models.lenet5, models.lenet5_like,
        models.lenet_d2l, models.modern_lenet]


def walk(model):
    return [(row["output_shape"], row["params"]) for row in architectures.layer_table(model, weighted_only=False)]


def test_chollet_convnet_matches_the_summary_of_deep_learning_with_python():
    model = models.chollet_convnet()
    assert walk(model) == [
        ((26, 26, 32), 320), ((13, 13, 32), 0), ((11, 11, 64), 18_496), ((5, 5, 64), 0),
        ((3, 3, 64), 36_928), ((576,), 0), ((64,), 36_928), ((10,), 650),
    ]
    assert model.count_params() == 93_322
    assert model.name == "chollet_convnet"
    # Chollet's arithmetic: (3*3*channels_in + 1) * filters.
    assert [(9 * 1 + 1) * 32, (9 * 32 + 1) * 64, (9 * 64 + 1) * 64] == [320, 18_496, 36_928]


def test_dense_baseline():
    model = models.dense_baseline()
    assert walk(model) == [((784,), 0), ((512,), 784 * 512 + 512), ((10,), 512 * 10 + 10)]
    assert model.count_params() == 407_050


def test_tfjs_convnet():
    model = models.tfjs_convnet()
    assert walk(model) == [
        ((24, 24, 8), 5 * 5 * 8 + 8), ((12, 12, 8), 0), ((8, 8, 16), 5 * 5 * 8 * 16 + 16), ((4, 4, 16), 0),
        ((256,), 0), ((10,), 256 * 10 + 10),
    ]
    assert model.count_params() == 5_994


def test_lenet_d2l_shape_walk_of_dive_into_deep_learning():
    model = models.lenet_d2l()
    shapes = [shape for shape, _ in walk(model)]
    assert shapes == [(24, 24, 6), (12, 12, 6), (8, 8, 16), (4, 4, 16), (256,), (120,), (84,), (10,)]
    assert model.count_params() == 44_426
    assert [layer.activation.__name__ for layer in model.layers if hasattr(layer, "activation")][:4] == ["sigmoid"] * 4
    assert isinstance(model.layers[1], keras.layers.MaxPooling2D)


def test_lenet5_uses_sigmoid_and_average_pooling():
    model = models.lenet5()
    shapes = [shape for shape, _ in walk(model)]
    assert shapes == [(28, 28, 6), (14, 14, 6), (10, 10, 16), (5, 5, 16), (400,), (120,), (84,), (10,)]
    assert model.count_params() == 61_706
    assert isinstance(model.layers[1], keras.layers.AveragePooling2D)
    assert model.layers[0].activation.__name__ == "sigmoid"
    like = models.lenet5(activation="relu")
    assert like.layers[0].activation.__name__ == "relu" and like.count_params() == 61_706


def test_lenet5_like_is_taspinars_code():
    # taspinar/sidl, cnn_models/lenet5_like.py: 16 and 16 filters of 5x5, "SAME" padding in both convolutions,
    # ReLU, 2x2 average pooling, hidden layers of 120 and 120.
    model = models.lenet5_like()
    assert walk(model) == [
        ((28, 28, 16), 5 * 5 * 16 + 16), ((14, 14, 16), 0), ((14, 14, 16), 5 * 5 * 16 * 16 + 16), ((7, 7, 16), 0),
        ((784,), 0), ((120,), 784 * 120 + 120), ((120,), 120 * 120 + 120), ((10,), 120 * 10 + 10),
    ]
    assert model.count_params() == 116_762
    assert [layer.padding for layer in model.layers if isinstance(layer, keras.layers.Conv2D)] == ["same"] * 2
    assert all(isinstance(model.layers[i], keras.layers.AveragePooling2D) for i in (1, 3))
    assert [layer.activation.__name__ for layer in model.layers if hasattr(layer, "activation")] == \
        ["relu"] * 4 + ["softmax"]


def test_modern_lenet_keeps_the_shapes_and_adds_batch_norm():
    model = models.modern_lenet()
    shapes = [row["output_shape"] for row in architectures.layer_table(model, weighted_only=False)
              if not row["name"].startswith(("bn", "relu"))]
    assert shapes == [(24, 24, 6), (12, 12, 6), (8, 8, 16), (4, 4, 16), (256,), (120,), (84,), (10,)]
    assert sum(isinstance(layer, keras.layers.BatchNormalization) for layer in model.layers) == 4
    assert model.count_params() == 45_104


def test_lenet_d2l_variants_change_one_thing_each():
    # Chapter 8's one-change table builds every row with lenet_d2l's two arguments.
    base = models.lenet_d2l()
    relu = models.lenet_d2l(activation="relu")
    assert relu.name == "lenet_d2l_relu" and relu.count_params() == base.count_params() == 44_426
    assert [layer.activation.__name__ for layer in relu.layers if hasattr(layer, "activation")] == ["relu"] * 4 + [
        "softmax"]
    normed = models.lenet_d2l(batch_norm=np.True_)
    assert normed.name == "lenet_d2l_bn" and normed.count_params() == 45_104
    assert sum(isinstance(layer, keras.layers.BatchNormalization) for layer in normed.layers) == 4
    assert [layer.name for layer in normed.layers[:4]] == ["conv_1", "bn_1", "sigmoid_1", "pool_1"]
    assert not normed.get_layer("conv_1").use_bias and normed.get_layer("classes").use_bias


def test_lenet_d2l_with_relu_and_batch_norm_is_the_modern_lenet():
    variant, modern = models.lenet_d2l(activation="relu", batch_norm=True), models.modern_lenet()
    assert [(layer.name, type(layer)) for layer in variant.layers] == [
        (layer.name, type(layer)) for layer in modern.layers]
    assert variant.count_params() == modern.count_params() == 45_104
    assert modern.name == "modern_lenet" and variant.name == "lenet_d2l_relu_bn"


@pytest.mark.parametrize("net", [models.lenet_d2l, models.lenet5])
@pytest.mark.parametrize("bad", ["relu!", "", None, 1, max])
def test_bad_activation_is_named(net, bad):
    with pytest.raises(ValueError, match="activation must be the name of a Keras activation"):
        net(activation=bad)


@pytest.mark.parametrize("bad", [1, 0, "yes", None, 1.0])
def test_bad_batch_norm_is_named(bad):
    with pytest.raises(ValueError, match="batch_norm must be True or False"):
        models.lenet_d2l(batch_norm=bad)


def test_colour_inputs_and_class_count():
    model = models.lenet5((32, 32, 3), num_classes=5, activation="relu")
    assert architectures.layer_table(model)[0]["output_shape"] == (32, 32, 6)
    assert model.output_shape == (None, 5)


@pytest.mark.parametrize("bad", [(28, 28), (28, 28, 0), "28x28", (28.0, 28, 1), (28, 28, True), None])
def test_bad_input_shape(bad):
    with pytest.raises(ValueError, match="input_shape"):
        models.chollet_convnet(bad)


@pytest.mark.parametrize("net", NETS)
@pytest.mark.parametrize("bad", [1, 0, -3, 2.0, True, "10", None])
def test_bad_class_count(net, bad):
    with pytest.raises(ValueError, match="num_classes"):
        net(num_classes=bad)


@pytest.mark.parametrize("net", NETS)
def test_numpy_integers_accepted(net):
    # The architectures functions accepted numpy.int64(10); the models functions refused it.
    model = net(input_shape=(np.int64(28), np.int32(28), np.int64(1)), num_classes=np.int64(10))
    assert model.output_shape == (None, 10)


@pytest.mark.parametrize("net, smallest", [
    (models.chollet_convnet, 18), (models.tfjs_convnet, 16), (models.lenet5, 12), (models.lenet_d2l, 16),
    (models.modern_lenet, 16),
])
def test_too_small_input_names_the_smallest_size(net, smallest):
    # At 8x8 these nets failed deep inside Keras ("Computed output size would be zero or negative").
    with pytest.raises(ValueError, match=f"at least {smallest}x{smallest} pixels"):
        net(input_shape=(8, 8, 1))
    with pytest.raises(ValueError, match=f"at least {smallest}x{smallest} pixels"):
        net(input_shape=(smallest - 1, 28, 1))
    assert net(input_shape=(smallest, smallest, 1)).output_shape == (None, 10)


def test_lenet5_like_pads_so_small_inputs_fit():
    # Both convolutions keep the size; only the two poolings halve it.
    assert models.lenet5_like(input_shape=(8, 8, 1)).output_shape == (None, 10)
    with pytest.raises(ValueError, match="at least 4x4 pixels"):
        models.lenet5_like(input_shape=(3, 28, 1))


@pytest.mark.parametrize("net", NETS)
def test_float32_output_under_mixed_precision(net, mixed_precision):
    model = net()
    assert model.layers[0].compute_dtype == "float16"
    assert model.layers[-1].compute_dtype == "float32"
    x = np.random.default_rng(0).random((2, 28, 28, 1), dtype=np.float32)
    assert keras.ops.convert_to_numpy(model(x)).dtype == np.float32


def test_outputs_are_probabilities():
    model = models.tfjs_convnet()
    out = keras.ops.convert_to_numpy(model(np.random.default_rng(0).random((3, 28, 28, 1), dtype=np.float32)))
    assert out.shape == (3, 10)
    assert np.allclose(out.sum(axis=1), 1, atol=1e-5)


# FeatureMapExplorer ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def small_model():
    return models.tfjs_convnet()


@pytest.fixture(scope="module")
def digits():
    return (np.random.default_rng(1).random((3, 28, 28)) * 255).astype(np.uint8)


def test_widget_embeds_every_spatial_layer(small_model, digits):
    widget = FeatureMapExplorer(small_model, digits, labels=["a", "b", "c"])
    names = [info["name"] for info in widget.layer_info]
    assert names == ["conv_1", "pool_1", "conv_2", "pool_2"]
    # uint8 maps: images x (24*24*8 + 12*12*8 + 8*8*16 + 4*4*16) bytes, plus the images.
    assert len(widget.maps) == 3 * (24 * 24 * 8 + 12 * 12 * 8 + 8 * 8 * 16 + 4 * 4 * 16)
    assert widget.nbytes == len(widget.maps) + 3 * 28 * 28


def test_widget_maps_match_keras(small_model, digits):
    widget = FeatureMapExplorer(small_model, digits, layers=["conv_2"])
    probe = keras.Model(small_model.inputs[0], small_model.get_layer("conv_2").output)
    expected = keras.ops.convert_to_numpy(probe(digits[..., None].astype("float32") / 255))
    info = widget.layer_info[0]
    for image in range(3):
        for position, channel in enumerate(info["channels"]):
            ours = widget.feature_map(image, 0, position)
            step = (info["high"][position] - info["low"][position]) / 255
            assert np.allclose(ours, expected[image, :, :, channel], atol=step / 2 + 1e-4)


def test_widget_keeps_the_most_active_channels(small_model, digits):
    widget = FeatureMapExplorer(small_model, digits, layers="conv_2", max_channels=4)
    info = widget.layer_info[0]
    assert len(info["channels"]) == 4 and info["total_channels"] == 16
    assert info["channels"] == sorted(info["channels"])


def test_widget_selection_is_validated(small_model, digits):
    widget = FeatureMapExplorer(small_model, digits[:2])
    widget.layer_index = 2
    widget.channel = 15
    with pytest.raises(Exception, match="channel"):
        widget.channel = 16
    with pytest.raises(Exception, match="image_index"):
        widget.image_index = 2
    with pytest.raises(Exception, match="layer_index"):
        widget.layer_index = -1
    widget.layer_index = 0  # conv_1 has 8 channels: the choice falls back to the first
    assert widget.channel == 0


@pytest.mark.parametrize("images, message", [
    (np.zeros((2, 32, 32), np.uint8), "shaped"),
    (np.zeros((MAX_IMAGES + 1, 28, 28), np.uint8), "1 to"),
    (np.zeros((0, 28, 28), np.uint8), "at least one image"),
    (np.full((1, 28, 28), 2.0), r"\[0, 1\]"),
    (np.full((1, 28, 28), np.nan), r"\[0, 1\]"),
    (np.zeros((1, 28, 28), np.int32), "uint8"),
    (np.array(["a"]), "dtype"),
])
def test_widget_rejects_bad_images(small_model, images, message):
    with pytest.raises(ValueError, match=message):
        FeatureMapExplorer(small_model, images)


def test_widget_rejects_bad_arguments(small_model, digits):
    with pytest.raises(ValueError, match="no layer"):
        FeatureMapExplorer(small_model, digits, layers=["nope"])
    with pytest.raises(ValueError, match="not feature maps"):
        FeatureMapExplorer(small_model, digits, layers=["flatten"])
    with pytest.raises(ValueError, match="labels"):
        FeatureMapExplorer(small_model, digits, labels=["only one"])
    with pytest.raises(ValueError, match="max_channels"):
        FeatureMapExplorer(small_model, digits, max_channels=0)
    with pytest.raises(ValueError, match="keras.Model"):
        FeatureMapExplorer("not a model", digits)
