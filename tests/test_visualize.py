"""Tests of cnnbook.visualize: gradient ascent, Grad-CAM, occlusion, randomized copies and the measures."""

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnbook import visualize


@pytest.fixture(scope="module")
def small_net():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((12, 12, 1))
    x = keras.layers.Conv2D(4, 3, padding="same", name="conv1")(inputs)
    x = keras.layers.ReLU(name="relu1")(x)
    x = keras.layers.Conv2D(6, 3, padding="same", name="conv2")(x)
    x = keras.layers.ReLU(name="relu2")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    # Named: Keras numbers unnamed layers per process ("dense_187" after other tests).
    return keras.Model(inputs, keras.layers.Dense(3, activation="softmax", name="dense")(x))


def test_filter_pattern_raises_the_response_and_stays_in_range(small_net):
    image, history = visualize.filter_pattern(small_net, "conv2", 1, steps=20, seed=1)
    assert image.shape == (12, 12, 1)
    assert 0 <= image.min() and image.max() <= 1
    assert len(history) == 20 and history[-1] > history[0]


def test_filter_pattern_is_deterministic(small_net):
    a, _ = visualize.filter_pattern(small_net, "conv1", 0, steps=6, seed=3)
    b, _ = visualize.filter_pattern(small_net, "conv1", 0, steps=6, seed=3)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kwargs, message", [
    ({"layer_name": "nope", "channel": 0}, "layer_name"),
    ({"layer_name": "conv1", "channel": 4}, "channel"),
    ({"layer_name": "conv1", "channel": 0, "steps": 0}, "steps"),
    ({"layer_name": "conv1", "channel": 0, "step_size": 0}, "step_size"),
])
def test_filter_pattern_refuses_bad_arguments(small_net, kwargs, message):
    with pytest.raises(ValueError, match=message):
        visualize.filter_pattern(small_net, **kwargs)


def test_grad_cam_shape_range_and_class(small_net):
    rng = np.random.default_rng(0)
    image = rng.uniform(size=(12, 12, 1)).astype("float32")
    heat, k = visualize.grad_cam(small_net, image, "relu2")
    assert heat.shape == (12, 12) and 0 <= heat.min() and heat.max() <= 1
    assert k == int(np.argmax(small_net.predict(image[None], verbose=0)))
    heat2, k2 = visualize.grad_cam(small_net, image, "relu2", class_index=2)
    assert k2 == 2 and heat2.shape == (12, 12)


def _maps_and_probabilities(net, image):
    probe = keras.Model(net.inputs[0], net.get_layer("relu2").output)
    maps = keras.ops.convert_to_numpy(probe(image[None]))[0]
    return maps, net.predict(image[None], verbose=0)[0]


def _scaled(heat):
    heat = np.maximum(heat, 0)
    return heat / heat.max() if heat.max() > 0 else heat


def test_grad_cam_by_hand_from_the_logit(small_net):
    # With global average pooling and a dense layer, the logit's Grad-CAM weights are the dense weights / (H W).
    image = np.random.default_rng(1).uniform(size=(12, 12, 1)).astype("float32")
    heat, k = visualize.grad_cam(small_net, image, "relu2", class_index=0)
    maps, _ = _maps_and_probabilities(small_net, image)
    dense = small_net.layers[-1].get_weights()[0]
    np.testing.assert_allclose(heat, _scaled(maps @ (dense[:, 0] / (12 * 12))), atol=1e-4)


def test_grad_cam_of_the_probability_by_hand(small_net):
    # d p0 / d z_j = p0 (delta_0j - p_j); z = mean(maps) @ dense
    image = np.random.default_rng(1).uniform(size=(12, 12, 1)).astype("float32")
    heat, _ = visualize.grad_cam(small_net, image, "relu2", class_index=0, score="output")
    maps, probabilities = _maps_and_probabilities(small_net, image)
    dense = small_net.layers[-1].get_weights()[0]
    dz = probabilities[0] * ((np.arange(3) == 0) - probabilities)
    np.testing.assert_allclose(heat, _scaled(maps @ (dense @ dz / (12 * 12))), atol=1e-4)


def test_grad_cam_of_the_probability_vanishes_when_the_net_is_sure():
    # A net sure of its answer (p = 1 in float32): the probability's gradient is 0, the logit's is not.
    inputs = keras.Input((6, 6, 1))
    x = keras.layers.Conv2D(2, 3, padding="same", name="conv")(inputs)
    x = keras.layers.GlobalAveragePooling2D()(keras.layers.ReLU(name="relu")(x))
    net = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(x))
    net.get_layer("conv").set_weights([np.ones((3, 3, 1, 2), "float32"), np.zeros(2, "float32")])
    net.layers[-1].set_weights([np.array([[100.0, -100.0], [100.0, -100.0]], "float32"), np.zeros(2, "float32")])
    image = np.ones((6, 6, 1), "float32")
    by_probability, k = visualize.grad_cam(net, image, "relu", score="output")
    by_logit, _ = visualize.grad_cam(net, image, "relu")
    assert k == 0 and by_probability.max() == 0 and by_logit.max() == 1


def test_grad_cam_of_a_batch_is_each_image_s(small_net):
    images = np.random.default_rng(2).uniform(size=(3, 12, 12, 1)).astype("float32")
    heats, classes = visualize.grad_cam(small_net, images, "relu2")
    assert heats.shape == (3, 12, 12) and classes.shape == (3,)
    for image, heat, k in zip(images, heats, classes):
        single, k_single = visualize.grad_cam(small_net, image, "relu2")
        assert k_single == k
        np.testing.assert_allclose(heat, single, atol=1e-5)
    heats, classes = visualize.grad_cam(small_net, images, "relu2", class_index=[2, 1, 0])
    assert classes.tolist() == [2, 1, 0]


def test_grad_cam_with_a_softmax_layer_reads_its_input(small_net):
    # A net whose softmax is a layer of its own: the logit is that layer's input, the same as in small_net.
    inputs = small_net.inputs[0]
    features = small_net.layers[-2].output
    dense = small_net.layers[-1]
    logits = keras.layers.Dense(3, name="logits")(features)
    split = keras.Model(inputs, keras.layers.Softmax()(logits))
    split.get_layer("logits").set_weights(dense.get_weights())
    image = np.random.default_rng(3).uniform(size=(12, 12, 1)).astype("float32")
    np.testing.assert_allclose(visualize.grad_cam(split, image, "relu2", class_index=1)[0],
                               visualize.grad_cam(small_net, image, "relu2", class_index=1)[0], atol=1e-5)


def test_grad_cam_refuses_wrong_shapes(small_net):
    with pytest.raises(ValueError, match="image"):
        visualize.grad_cam(small_net, np.zeros((10, 10, 1)), "relu2")
    with pytest.raises(ValueError, match="layer_name"):
        visualize.grad_cam(small_net, np.zeros((12, 12, 1)), "dense")
    with pytest.raises(ValueError, match="score"):
        visualize.grad_cam(small_net, np.zeros((12, 12, 1)), "relu2", score="probability")
    with pytest.raises(ValueError, match="class_index"):
        visualize.grad_cam(small_net, np.zeros((12, 12, 1)), "relu2", class_index=3)
    with pytest.raises(ValueError, match="class_index"):
        visualize.grad_cam(small_net, np.zeros((2, 12, 12, 1)), "relu2", class_index=[0, 1, 2])


def test_grad_cam_of_the_logit_needs_a_known_last_layer():
    inputs = keras.Input((6, 6, 1))
    x = keras.layers.Conv2D(2, 3, name="conv")(inputs)
    net = keras.Model(inputs, keras.layers.GlobalAveragePooling2D()(x))
    with pytest.raises(ValueError, match="score='output'"):
        visualize.grad_cam(net, np.zeros((6, 6, 1)), "conv")
    heat, _ = visualize.grad_cam(net, np.ones((6, 6, 1)), "conv", score="output")
    assert heat.shape == (4, 4)


def _linear_net(side, seed):
    inputs = keras.Input((side, side, 1))
    net = keras.Model(inputs, keras.layers.Dense(2)(keras.layers.Flatten()(inputs)))
    rng = np.random.default_rng(seed)
    net.layers[-1].set_weights([rng.normal(size=(side * side, 2)).astype("float32"),
                                rng.normal(size=2).astype("float32")])
    return net


@settings(max_examples=25, deadline=None)
@given(side=st.integers(4, 9), patch=st.integers(1, 4), stride=st.integers(1, 4), value=st.sampled_from([0.0, 0.5]),
       seed=st.integers(0, 2**16))
def test_occlusion_of_a_linear_net_is_the_weights_times_the_change(side, patch, stride, value, seed):
    # For a linear score w . x + b, covering a square drops the score by sum over the square of w (x - value).
    net = _linear_net(side, seed)
    image = np.random.default_rng(seed + 1).uniform(size=(1, side, side, 1)).astype("float32")
    drop, classes = visualize.occlusion(net, image, patch, stride, class_index=1, value=value)
    weights = net.layers[-1].get_weights()[0][:, 1].reshape(side, side)
    count = -(-side // stride)
    overhang = max((count - 1) * stride + patch - side, 0)
    assert drop.shape == (1, count, count) and classes.tolist() == [1]
    for i in range(count):
        for j in range(count):
            r, c = i * stride - overhang // 2, j * stride - overhang // 2
            square = (slice(max(r, 0), r + patch), slice(max(c, 0), c + patch))
            expected = np.sum(weights[square] * (image[0, ..., 0][square] - value))
            assert drop[0, i, j] == pytest.approx(expected, abs=1e-4)


def test_occlusion_patch_8_stride_4_centres_on_relu3_s_units():
    # On 28 pixels: 7 squares per axis starting at -2, 2, ..., 22, centred on 1.5, 5.5, ..., 25.5.
    net = _linear_net(28, 0)
    image = np.zeros((1, 28, 28, 1), "float32")
    image[0, 5, 5] = 1.0  # only squares over pixel (5, 5) can change the score
    drop, _ = visualize.occlusion(net, image, 8, 4, class_index=0)
    assert drop.shape == (1, 7, 7)
    assert np.flatnonzero(drop[0]).tolist() == [0, 1, 7, 8]  # squares from -2 to 5 and from 2 to 9


@pytest.mark.parametrize("kwargs, message", [
    ({"patch": 0, "stride": 1}, "patch"),
    ({"patch": 13, "stride": 1}, "patch"),
    ({"patch": 2, "stride": 0}, "stride"),
    ({"patch": 2, "stride": 2, "score": "softmax"}, "score"),
    ({"patch": 2, "stride": 2, "batch_size": 0}, "batch_size"),
])
def test_occlusion_refuses_bad_arguments(small_net, kwargs, message):
    with pytest.raises(ValueError, match=message):
        visualize.occlusion(small_net, np.zeros((1, 12, 12, 1)), **kwargs)
    with pytest.raises(ValueError, match="images"):
        visualize.occlusion(small_net, np.zeros((12, 12, 1)), 2, 2)


def test_cascading_randomization_from_the_top(small_net):
    order = ["dense", "conv2", "conv1"]
    copies = visualize.cascading_randomization(small_net, order, seed=4)
    assert len(copies) == 3
    for i, copy in enumerate(copies):
        for name in order:
            same = all(np.array_equal(a, b) for a, b in zip(copy.get_layer(name).get_weights(),
                                                            small_net.get_layer(name).get_weights()))
            assert same == (name not in order[:i + 1]), (i, name)
    fresh = visualize.randomized_copy(small_net, seed=4)
    assert all(np.array_equal(a, b) for a, b in zip(copies[-1].get_weights(), fresh.get_weights()))


@pytest.mark.parametrize("names, message", [
    ([], "non-empty"), ("dense", "non-empty"), (["dense", "dense"], "repeat"), (["nope"], "nope"),
    (["relu1"], "no weights"),
])
def test_cascading_randomization_refuses_bad_names(small_net, names, message):
    with pytest.raises(ValueError, match=message):
        visualize.cascading_randomization(small_net, names)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**16), density=st.floats(0, 1))
def test_field_coverage_against_brute_force(seed, density):
    from cnnbook import models
    from cnnbook.receptive_field import receptive_fields

    rows = {row["name"]: row for row in receptive_fields(models.chollet_convnet())}
    mask = np.random.default_rng(seed).uniform(size=(28, 28)) < density
    for name in ("conv_2", "conv_3"):
        row = rows[name]
        coverage = visualize.field_coverage(mask, row)
        assert coverage.shape == row["output"]
        for r in range(row["output"][0]):
            for c in range(row["output"][1]):
                # Brute force: the pixels within half a field of the unit's centre, inside the image.
                centre = [s + u * j for s, u, j in zip(row["start"], (r, c), row["jump"])]
                ys, xs = np.indices((28, 28))
                inside = ((np.abs(ys - centre[0]) <= (row["size"][0] - 1) / 2)
                          & (np.abs(xs - centre[1]) <= (row["size"][1] - 1) / 2))
                assert coverage[r, c] == pytest.approx(mask[inside].mean())


def test_field_coverage_refuses_bad_arguments():
    with pytest.raises(ValueError, match="mask"):
        visualize.field_coverage(np.zeros(5, bool), {"output": (1, 1)})
    with pytest.raises(ValueError, match="row"):
        visualize.field_coverage(np.zeros((5, 5), bool), {})


def test_randomized_copy_same_architecture_new_weights(small_net):
    copy = visualize.randomized_copy(small_net, seed=5)
    assert [type(layer) for layer in copy.layers] == [type(layer) for layer in small_net.layers]
    assert copy.count_params() == small_net.count_params()
    assert not np.allclose(copy.get_layer("conv1").get_weights()[0], small_net.get_layer("conv1").get_weights()[0])


def test_share_on_mask_and_rank_correlation():
    assert visualize.share_on_mask([[2, 2], [0, 4]], [[True, False], [False, True]]) == 0.75
    assert np.isnan(visualize.share_on_mask(np.zeros((2, 2)), np.ones((2, 2), bool)))
    with pytest.raises(ValueError, match="same shape"):
        visualize.share_on_mask(np.zeros(3), np.zeros(4, bool))
    with pytest.raises(ValueError, match="non-negative"):
        visualize.share_on_mask([-1.0], [True])
    assert visualize.rank_correlation([1, 2, 2, 3], [1, 2, 2, 3]) == pytest.approx(1)
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=50), rng.normal(size=50)
    from scipy.stats import spearmanr

    assert visualize.rank_correlation(a, b) == pytest.approx(spearmanr(a, b).statistic)
