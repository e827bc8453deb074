"""Tests of cnnbook.architectures: block output shapes, parameter and multiply-add counts."""

import keras
import numpy as np
import pytest
from hypothesis import example, given, settings, strategies as st

from cnnbook import architectures as arch


def _output_shape(block, input_shape, *args, **kwargs):
    inputs = keras.Input(input_shape)
    return tuple(block(inputs, *args, **kwargs).shape[1:])


def test_alexnet_parameter_count_and_shapes():
    model = arch.alexnet()
    assert model.count_params() == 62_378_344
    shapes = {layer.name: tuple(layer.output.shape[1:]) for layer in model.layers}
    assert shapes["conv1"] == (55, 55, 96)
    assert shapes["pool1"] == (27, 27, 96)
    assert shapes["pool2"] == (13, 13, 256)
    assert shapes["pool5"] == (6, 6, 256)
    assert shapes["fc8"] == (1000,)


def test_vgg16_parameter_count():
    # Simonyan and Zisserman's configuration D: 138,357,544 parameters (the figure keras.applications.VGG16 has too).
    model = arch.vgg()
    assert model.count_params() == 138_357_544
    assert model.get_layer("block5_pool").output.shape[1:] == (7, 7, 512)


def test_vgg_width_scales_parameters():
    small = arch.vgg(input_shape=(64, 64, 3), num_classes=5, width=0.25)
    assert small.get_layer("block1_conv1").filters == 16
    assert small.get_layer("fc1").units == 1024
    assert small.count_params() < arch.vgg(input_shape=(64, 64, 3), num_classes=5).count_params() / 10


def test_resnet18_matches_torchvision_count():
    model = arch.resnet18()
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert trainable == 11_689_512


@settings(max_examples=8, deadline=None)
@given(size=st.integers(8, 40), num_convs=st.integers(1, 3), filters=st.integers(1, 16))
def test_vgg_block_halves_size(size, num_convs, filters):
    assert _output_shape(arch.vgg_block, (size, size, 3), num_convs, filters) == (size // 2, size // 2, filters)


@settings(max_examples=8, deadline=None)
@given(size=st.integers(12, 40), kernel=st.sampled_from([1, 3, 5]), strides=st.integers(1, 3))
def test_nin_block_shape(size, kernel, strides):
    expected = (size - kernel) // strides + 1
    assert _output_shape(arch.nin_block, (size, size, 3), 8, kernel, strides) == (expected, expected, 8)


def test_inception_block_concatenates_channels():
    assert _output_shape(arch.inception_block, (28, 28, 192), 64, (96, 128), (16, 32), 32) == (28, 28, 256)
    assert _output_shape(arch.inception_block, (28, 28, 256), 128, (128, 192), (32, 96), 64) == (28, 28, 480)


@pytest.mark.parametrize("in_channels, filters, strides, expected", [
    (64, 64, 1, (16, 16, 64)),   # identity shortcut
    (64, 128, 2, (8, 8, 128)),   # 1x1 strided shortcut
    (3, 32, 1, (16, 16, 32)),    # channels change, size stays
])
def test_residual_block_shape(in_channels, filters, strides, expected):
    assert _output_shape(arch.residual_block, (16, 16, in_channels), filters, strides) == expected


def test_residual_block_identity_shortcut_adds_input():
    # With the residual path's weights at zero, the block is relu(x): the shortcut carries x through.
    inputs = keras.Input((6, 6, 4))
    model = keras.Model(inputs, arch.residual_block(inputs, 4))
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            layer.kernel.assign(np.zeros(layer.kernel.shape))
    x = np.random.default_rng(0).normal(size=(2, 6, 6, 4)).astype("float32")
    np.testing.assert_allclose(model(x, training=False), np.maximum(x, 0), atol=1e-5)


def test_dense_and_separable_blocks():
    assert _output_shape(arch.dense_block, (8, 8, 16), 3, 12) == (8, 8, 16 + 3 * 12)
    assert _output_shape(arch.separable_block, (16, 16, 8), 32, 2) == (8, 8, 32)


def test_small_nets_outputs():
    for model in (arch.small_googlenet(), arch.small_mobilenet(), arch.nin(input_shape=(96, 96, 3)),
                  arch.cifar_resnet(width=8)):
        assert model.output.shape[1:] == (10,)
    assert arch.cifar_resnet().count_params() == 6_577_600


def test_multiply_adds_of_conv_and_dense():
    model = arch.alexnet()
    rows = {row["name"]: row for row in arch.layer_table(model)}
    assert rows["conv1"]["macs"] == 55 * 55 * 96 * 11 * 11 * 3
    assert rows["fc6"]["macs"] == 9216 * 4096
    assert sum(row["params"] for row in rows.values()) == model.count_params()
    text = arch.format_table(arch.layer_table(model))
    assert text.splitlines()[-1].split()[1] == "62,378,344"


def test_separable_block_costs_less():
    inputs = keras.Input((32, 32, 64))
    model = keras.Model(inputs, arch.separable_block(inputs, 128))
    macs = sum(arch.multiply_adds(layer) for layer in model.layers)
    assert macs == 32 * 32 * (3 * 3 * 64 + 64 * 128)


def test_invalid_arguments():
    with pytest.raises(ValueError, match="divisible by 32"):
        arch.vgg(input_shape=(100, 100, 3))
    with pytest.raises(ValueError, match="at least 67x67"):
        arch.alexnet(input_shape=(32, 32, 3))
    with pytest.raises(ValueError, match="filters"):
        arch.vgg_block(keras.Input((8, 8, 3)), 1, 0)
    with pytest.raises(ValueError, match="num_classes"):
        arch.resnet18(num_classes=0)


# Argument checks at build time (issue 14) --------------------------------------------------------------

NETS = [arch.alexnet, arch.vgg, arch.nin, arch.small_googlenet, arch.resnet18, arch.cifar_resnet,
        arch.small_mobilenet]
SMALL = {arch.alexnet: (67, 67, 3), arch.vgg: (32, 32, 3), arch.nin: (67, 67, 3),
         arch.small_googlenet: (32, 32, 3), arch.resnet18: (32, 32, 3), arch.cifar_resnet: (8, 8, 3),
         arch.small_mobilenet: (32, 32, 3)}


def _small(net, input_shape=None, **kwargs):
    """``net`` at its smallest input and an eighth of its width (or 4 filters), quick to build."""
    width = 4 if net in (arch.cifar_resnet, arch.small_mobilenet) else 0.125
    return net(input_shape=input_shape or SMALL[net], width=width, **kwargs)


@pytest.mark.parametrize("net, size, smallest", [
    (arch.nin, 32, 67), (arch.alexnet, 40, 67), (arch.cifar_resnet, 4, 8),
    (arch.nin, 14, 15),  # with the small stem
])
def test_too_small_input_names_the_smallest_size(net, size, smallest):
    # NiN at 32x32 and the CIFAR ResNet at 4x4 failed deep inside Keras.
    kwargs = {"stem": "small"} if smallest == 15 else {}
    with pytest.raises(ValueError, match=f"at least {smallest}x{smallest} pixels"):
        net(input_shape=(size, size, 3), **kwargs)


def test_input_shape_without_channels_refused():
    # alexnet(input_shape=(227, 227)) failed in Keras with "min_ndim=4".
    with pytest.raises(ValueError, match=r"input_shape must be \(height, width, channels\)"):
        arch.alexnet(input_shape=(227, 227))


@pytest.mark.parametrize("net", NETS)
@pytest.mark.parametrize("bad", [0, 1, -1, True, 2.5, "10"])
def test_num_classes_at_least_two(net, bad):
    # nin and cifar_resnet accepted 0 classes; small_mobilenet built with one and output 1.0 for every image.
    with pytest.raises(ValueError, match="num_classes"):
        net(num_classes=bad)


@pytest.mark.parametrize("net", NETS)
def test_numpy_integers_accepted(net):
    shape = tuple(np.int64(n) for n in SMALL[net])
    model = _small(net, input_shape=shape, num_classes=np.int64(3))
    assert model.output.shape[1:] == (3,)
    assert model.input.shape[1:] == SMALL[net]


@pytest.mark.parametrize("net", NETS)
def test_float32_output_under_mixed_precision(net, mixed_precision):
    model = _small(net)
    assert model.layers[-1].compute_dtype == "float32"
    assert model.output.dtype == "float32"


@pytest.mark.parametrize("net", [arch.nin, arch.small_googlenet, arch.resnet18])
def test_small_stem_and_width_for_fashion_mnist(net):
    model = net(input_shape=(28, 28, 1), num_classes=10, width=0.25, stem="small")
    assert model.output.shape[1:] == (10,)
    first = next(layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D))
    assert first.kernel_size == (3, 3) and first.strides == (1, 1)
    wide = net(input_shape=(28, 28, 1), num_classes=10, width=0.5, stem="small")
    assert wide.count_params() > 2 * model.count_params()
    with pytest.raises(ValueError, match="stem"):
        net(stem="cifar")
    with pytest.raises(ValueError, match="width"):
        net(width=0)


def test_small_stems_keep_more_pixels():
    small = arch.resnet18(input_shape=(28, 28, 1), num_classes=10, stem="small", width=0.25)
    assert not any(isinstance(layer, keras.layers.MaxPooling2D) for layer in small.layers)
    last = [layer for layer in small.layers if isinstance(layer, keras.layers.Add)][-1]
    assert last.output.shape[1:3] == (4, 4)
    googlenet = arch.small_googlenet(input_shape=(28, 28, 1), stem="small", width=0.25)
    last = [layer for layer in googlenet.layers if isinstance(layer, keras.layers.Concatenate)][-1]
    assert last.output.shape[1:3] == (7, 7)


def test_defaults_keep_full_size_counts():
    # The counts before the width and stem arguments existed.
    assert arch.nin().count_params() == 2_015_398
    assert arch.nin(input_shape=(224, 224, 3), num_classes=1000).count_params() == 7_439_608
    assert arch.small_googlenet().count_params() == 1_507_314
    assert arch.small_mobilenet().count_params() == 549_578


def test_layer_table_refuses_what_is_not_a_built_model():
    with pytest.raises(ValueError, match="model must be a keras.Model"):
        arch.layer_table("alexnet")
    with pytest.raises(ValueError, match="not built"):
        arch.layer_table(keras.Sequential([keras.layers.Dense(3)]))


def test_nin_with_batch_norm_normalizes_every_block_but_the_scoring_one():
    plain = arch.nin(input_shape=(28, 28, 1), stem="small", width=0.25)
    normed = arch.nin(input_shape=(28, 28, 1), stem="small", width=0.25, batch_norm=True)
    norms = [layer for layer in normed.layers if layer.__class__.__name__ == "BatchNormalization"]
    assert len(norms) == 9 and normed.name == "nin_batch_norm"
    # Each normalized convolution drops its bias and gains a scale, an offset and two running statistics.
    dropped = sum(layer.input.shape[-1] for layer in norms)
    assert normed.count_params() == plain.count_params() - dropped + 4 * dropped
    with pytest.raises(ValueError, match="batch_norm"):
        arch.nin(input_shape=(28, 28, 1), stem="small", batch_norm="yes")

# DenseNet, MobileNetV2, ConvNeXt and the ConvNeXt path (issue 28) ---------------------------------------

@pytest.mark.parametrize("ours, reference, published", [
    (lambda: arch.densenet((224, 224, 3), 1000, arch.DENSENET121_BLOCKS, bottleneck=4),
     lambda: keras.applications.DenseNet121(weights=None), 8_062_504),
    (lambda: arch.mobilenet_v2(), lambda: keras.applications.MobileNetV2(weights=None), 3_538_984),
    (lambda: arch.convnext(), lambda: keras.applications.ConvNeXtTiny(weights=None), 28_589_128),
])
def test_full_size_counts_match_keras_applications(ours, reference, published):
    # DenseNet-121 and MobileNetV2: the Keras documentation's table; ConvNeXt-T: "28M" in Liu et al. (2022).
    mine = ours()
    assert mine.count_params() == reference().count_params() == published
    # Weight by weight too (by size: our layer scale is a 1x1 depthwise kernel, Keras' a vector).
    sizes = sorted(int(np.prod(w.shape)) for w in mine.weights)
    assert sizes == sorted(int(np.prod(w.shape)) for w in reference().weights)


def test_full_size_multiply_adds_match_the_papers():
    # MobileNetV2: 300 million multiply-adds (Sandler et al.); ConvNeXt-T: 4.5 G (Liu et al.).
    mobilenet = sum(row["macs"] for row in arch.layer_table(arch.mobilenet_v2()))
    convnext = sum(row["macs"] for row in arch.layer_table(arch.convnext()))
    assert round(mobilenet / 1e6, -1) == 300 and round(convnext / 1e9, 1) == 4.5


def test_dense_block_bottleneck_and_transition():
    assert _output_shape(arch.dense_block, (8, 8, 16), 2, 8, bottleneck=4) == (8, 8, 32)
    assert _output_shape(arch.transition_block, (8, 8, 32), 16) == (4, 4, 16)
    inputs = keras.Input((8, 8, 16))
    model = keras.Model(inputs, arch.dense_block(inputs, 1, 8, bottleneck=4))
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    assert [c.kernel_size for c in convs] == [(1, 1), (3, 3)] and convs[0].filters == 32


@settings(max_examples=15, deadline=None)
@given(channels=st.integers(1, 12), filters=st.integers(1, 12), expansion=st.integers(1, 6),
       strides=st.integers(1, 2))
@example(channels=2, filters=6, expansion=3, strides=1)  # projection as wide as the expansion
def test_inverted_residual_shape_and_shortcut(channels, filters, expansion, strides):
    inputs = keras.Input((8, 8, channels))
    outputs = arch.inverted_residual_block(inputs, filters, expansion, strides)
    model = keras.Model(inputs, outputs)
    assert tuple(outputs.shape[1:]) == (8 // strides, 8 // strides, filters)
    has_add = any(isinstance(layer, keras.layers.Add) for layer in model.layers)
    assert has_add == (strides == 1 and channels == filters)
    # A 1x1 expansion comes first when expansion > 1, then the 1x1 projection (the
    # depthwise layer is not a Conv2D); compare by position, since the projection's
    # filters may equal the expanded width.
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    assert [c.filters for c in convs] == ([expansion * channels] if expansion != 1 else []) + [filters]


def test_convnext_block_starts_near_the_identity():
    inputs = keras.Input((7, 7, 8))
    model = keras.Model(inputs, arch.convnext_block(inputs))
    x = np.random.default_rng(0).normal(size=(2, 7, 7, 8)).astype("float32")
    # Layer scale starts at 1e-6: the block adds almost nothing to its input.
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(x)), x, atol=1e-4)
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds.count("LayerNormalization") == 1 and kinds.count("Activation") == 1


def test_layer_scale_is_one_weight_per_channel():
    inputs = keras.Input((4, 4, 5))
    model = keras.Model(inputs, arch.layer_scale(inputs, 0.5))
    assert model.count_params() == 5
    x = np.ones((1, 4, 4, 5), "float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(model(x)), 0.5 * x)


def test_convnext_path_starts_at_chapter_11s_resnet_and_ends_at_convnext():
    counts = [arch.convnext_path(step).count_params() for step in arch.CONVNEXT_PATH]
    assert counts[0] == arch.resnet18((28, 28, 1), 10, width=0.125, stem="small").count_params() == 177_458
    assert counts[-1] == arch.convnext((28, 28, 1), 10, depths=(2, 2, 2, 2), dims=(12, 24, 48, 96),
                                       stem="small").count_params()
    macs = {step: sum(row["macs"] for row in arch.layer_table(arch.convnext_path(step)))
            for step in arch.CONVNEXT_PATH}
    # Patchifying the stem quarters the feature maps, so the multiply-adds fall about 4-fold.
    assert 3 < macs["resnet"] / macs["patchify"] < 5
    assert macs["depthwise"] < macs["patchify"]
    for step in arch.CONVNEXT_PATH:
        model = arch.convnext_path(step)
        assert model.output.shape[1:] == (10,) and model.name == step
    large = arch.convnext_path("large_kernel")
    kernels = {layer.kernel_size for layer in large.layers if isinstance(layer, keras.layers.DepthwiseConv2D)}
    assert kernels == {(7, 7)}


def test_multiply_adds_of_separable_and_dense_on_feature_maps():
    inputs = keras.Input((10, 10, 6))
    model = keras.Model(inputs, keras.layers.SeparableConv2D(4, 3, strides=2, padding="same",
                                                             depth_multiplier=2)(inputs))
    assert arch.multiply_adds(model.layers[-1]) == 5 * 5 * (9 * 12 + 12 * 4)
    model = keras.Model(inputs, keras.layers.Dense(3)(inputs))
    assert arch.multiply_adds(model.layers[-1]) == 10 * 10 * 6 * 3


def test_new_nets_refuse_bad_arguments():
    with pytest.raises(ValueError, match="step"):
        arch.convnext_path("transformer")
    with pytest.raises(ValueError, match="depths and dims"):
        arch.convnext(depths=(1, 1), dims=(8,))
    with pytest.raises(ValueError, match="blocks"):
        arch.densenet(blocks=())
    with pytest.raises(ValueError, match="growth_rate"):
        arch.dense_block(keras.Input((8, 8, 3)), 2, 0)
    with pytest.raises(ValueError, match="width"):
        arch.mobilenet_v2(width=0)
    with pytest.raises(ValueError, match="num_classes"):
        arch.convnext(num_classes=1)
    with pytest.raises(ValueError, match="stem"):
        arch.densenet(stem="cifar")
