"""Tests of cnnbook.visualize: gradient ascent, Grad-CAM, randomized copies and the two measures."""

import keras
import numpy as np
import pytest

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
    return keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(x))


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


def test_grad_cam_by_hand(small_net):
    # With global average pooling and a dense layer, Grad-CAM's weights are proportional to the dense weights.
    image = np.random.default_rng(1).uniform(size=(12, 12, 1)).astype("float32")
    heat, k = visualize.grad_cam(small_net, image, "relu2", class_index=0)
    probe = keras.Model(small_net.inputs[0], small_net.get_layer("relu2").output)
    maps = keras.ops.convert_to_numpy(probe(image[None]))[0]
    probabilities = small_net.predict(image[None], verbose=0)[0]
    dense = small_net.layers[-1].get_weights()[0]
    # d p0 / d z_j = p0 (delta_0j - p_j); z = mean(maps) @ dense
    dz = probabilities[0] * ((np.arange(3) == 0) - probabilities)
    alpha = dense @ dz / (12 * 12)
    expected = np.maximum(maps @ alpha, 0)
    if expected.max() > 0:
        expected /= expected.max()
    np.testing.assert_allclose(heat, expected, atol=1e-4)


def test_grad_cam_refuses_wrong_shapes(small_net):
    with pytest.raises(ValueError, match="image"):
        visualize.grad_cam(small_net, np.zeros((10, 10, 1)), "relu2")
    with pytest.raises(ValueError, match="layer_name"):
        visualize.grad_cam(small_net, np.zeros((12, 12, 1)), "dense")


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
