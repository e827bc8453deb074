"""Python side of DigitClassifier: what it accepts, what it embeds, and its NumPy twin of the forward pass.

No browser here; tests/test_digit_classifier_browser.py runs the JavaScript.
"""

import numpy as np
import pytest

keras = pytest.importorskip("keras")
from keras import layers

from cnnbook import models
from cnnbook.widgets.digit_classifier import MAX_EXAMPLES, DigitClassifier
from cnnbook.widgets.keras_export import forward_numpy

DIGITS = (np.random.default_rng(0).random((3, 28, 28)) * 255).astype(np.uint8)


@pytest.fixture(scope="module")
def tfjs():
    keras.utils.set_random_seed(0)
    return models.tfjs_convnet()


def _chain(*hidden, input_shape=(28, 28, 1)):
    return keras.Sequential([keras.Input(input_shape), *hidden, layers.Flatten(), layers.Dense(10, activation="softmax")])


def test_embeds_the_weights_as_float32_bytes(tfjs):
    w = DigitClassifier(tfjs)
    assert isinstance(w.weights, bytes) and len(w.weights) == 4 * tfjs.count_params() == 4 * 5_994
    assert [s["kind"] for s in w.layer_specs] == ["Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Flatten",
                                                  "Dense"]
    assert w.layer_specs[0]["kernel"] == [5, 5] and w.layer_specs[0]["output_shape"] == [24, 24, 8]
    for got, want in zip(w.weight_arrays(), tfjs.get_weights()):
        np.testing.assert_array_equal(got, want)
    assert w.class_names == [str(i) for i in range(10)] and w.input_shape == [28, 28, 1]
    assert w.nbytes == len(w.weights) + 28 * 28 * 4  # no examples; the (blank) input image


def test_numpy_forward_pass_matches_keras(tfjs):
    w = DigitClassifier(tfjs)
    x = np.random.default_rng(1).random((4, 28, 28, 1)).astype(np.float32)
    np.testing.assert_allclose(w.predict(x[..., 0]), tfjs.predict(x, verbose=0), atol=1e-6)
    outputs = forward_numpy(w.layer_specs_indexed(), w.weight_arrays(), x)
    assert [o.shape[1:] for o in outputs] == [(24, 24, 8), (12, 12, 8), (8, 8, 16), (4, 4, 16), (256,), (10,)]


def test_chollet_convnet_and_every_supported_layer():
    keras.utils.set_random_seed(0)
    chollet = models.chollet_convnet()
    assert len(DigitClassifier(chollet).weights) == 4 * 93_322
    net = keras.Sequential([
        keras.Input((28, 28, 1)), layers.Rescaling(1 / 255), layers.Conv2D(4, 4, padding="same"),
        layers.AveragePooling2D(2), layers.Conv2D(4, 3, activation="tanh", use_bias=False), layers.ReLU(),
        layers.MaxPooling2D(3, strides=2), layers.Flatten(), layers.Dense(8, activation="sigmoid"),
        layers.Dropout(0.3), layers.Dense(5), layers.Activation("softmax"),
    ])
    w = DigitClassifier(net, value_max=255, class_names="abcde")
    x = np.random.default_rng(2).random((3, 28, 28))
    np.testing.assert_allclose(w.predict(x), net.predict(x[..., None] * 255, verbose=0), atol=1e-5)
    assert w.class_names == list("abcde")


def test_examples_are_embedded_and_the_first_is_shown(tfjs):
    w = DigitClassifier(tfjs, examples=DIGITS, example_labels=[7, 2, 1])
    assert len(w.examples) == 3 * 28 * 28 and w.example_labels == ["7", "2", "1"]
    np.testing.assert_allclose(w.input_image, DIGITS[0] / 255, atol=1e-7)
    np.testing.assert_allclose(w.probabilities, w.predict(DIGITS[:1] / 255)[0])
    w.show(DIGITS[2])
    np.testing.assert_allclose(w.input_image, DIGITS[2] / 255, atol=1e-7)
    assert sum(w.probabilities) == pytest.approx(1)


@pytest.mark.parametrize("layer, message", [
    (layers.BatchNormalization(name="bn"), "layer 'bn' is a BatchNormalization"),
    (layers.Conv2D(4, 3, strides=2, name="c"), "layer 'c' (Conv2D) has strides"),
    (layers.Conv2D(4, 3, dilation_rate=2, name="c"), "dilated"),
    (layers.Conv2D(4, 3, activation="elu", name="c"), "layer 'c' (Conv2D) has activation 'elu'"),
    (layers.MaxPooling2D(2, padding="same", name="p"), "layer 'p' (MaxPooling2D) has padding 'same'"),
    (layers.DepthwiseConv2D(3, name="d"), "layer 'd' is a DepthwiseConv2D"),
])
def test_unsupported_layers_are_named(layer, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        DigitClassifier(_chain(layer))


def test_rejects_models_it_cannot_run(tfjs):
    with pytest.raises(ValueError, match="built keras.Model"):
        DigitClassifier("not a model")
    with pytest.raises(ValueError, match=r"grayscale images .* got input shape \(32, 32, 3\)"):
        DigitClassifier(models.tfjs_convnet(input_shape=(32, 32, 3)))
    dense_first = keras.Sequential([keras.Input((28, 28, 1)), layers.Dense(4), layers.Flatten(), layers.Dense(10)])
    with pytest.raises(ValueError, match="needs a Flatten layer before the first Dense"):
        DigitClassifier(dense_first)
    wide = _chain(layers.Conv2D(400, 3))
    with pytest.raises(ValueError, match="weights; the widget embeds at most"):
        DigitClassifier(wide)
    inputs = keras.Input((28, 28, 1))
    a = layers.Conv2D(2, 3, name="a")(inputs)
    b = layers.Conv2D(2, 3, name="b")(inputs)
    branching = keras.Model(inputs, layers.Dense(10)(layers.Flatten()(layers.Add()([a, b]))))
    with pytest.raises(ValueError, match="layer 'b' .* does not take the output of the layer before it"):
        DigitClassifier(branching)
    for bad in (0, -1, 256, True, "1"):
        with pytest.raises(ValueError, match="value_max"):
            DigitClassifier(tfjs, value_max=bad)


def test_rejects_weights_that_are_not_finite():
    net = models.tfjs_convnet()
    weights = net.get_weights()
    weights[2][0, 0, 0, 0] = np.nan
    net.set_weights(weights)
    with pytest.raises(ValueError, match="layer 'conv_2': the kernel must hold finite numbers"):
        DigitClassifier(net)
    weights[2][0, 0, 0, 0] = 0
    weights[-1][3] = np.inf
    net.set_weights(weights)
    with pytest.raises(ValueError, match="layer 'classes': the bias must hold finite numbers"):
        DigitClassifier(net)


def test_rejects_bad_examples_and_names(tfjs):
    with pytest.raises(ValueError, match=r"examples must be uint8 \(0..255\) or float in \[0, 1\]"):
        DigitClassifier(tfjs, examples=DIGITS.astype(np.int64))
    # Floats in [0, 1] are stored as the uint8 images they come from.
    assert DigitClassifier(tfjs, examples=DIGITS / 255).examples == DigitClassifier(tfjs, examples=DIGITS).examples
    with pytest.raises(ValueError, match=r"shaped \(n, 28, 28\)"):
        DigitClassifier(tfjs, examples=DIGITS[:, :20])
    with pytest.raises(ValueError, match=f"give 1 to {MAX_EXAMPLES} examples"):
        DigitClassifier(tfjs, examples=np.zeros((MAX_EXAMPLES + 1, 28, 28), np.uint8))
    with pytest.raises(ValueError, match="got 2 example_labels for 3 examples"):
        DigitClassifier(tfjs, examples=DIGITS, example_labels=[1, 2])
    with pytest.raises(ValueError, match="got 3 class_names for a model with 10 outputs"):
        DigitClassifier(tfjs, class_names=["a", "b", "c"])
    w = DigitClassifier(tfjs)
    with pytest.raises(ValueError, match=r"image must be shaped \(28, 28\)"):
        w.show(np.zeros((20, 20)))
    with pytest.raises(ValueError, match=r"image must hold values in \[0, 1\] when float"):
        w.show(np.full((28, 28), 2.0))
    with pytest.raises(Exception, match="image must be 3136 bytes"):
        w.image = b"\0" * 10


def test_reads_back_what_the_browser_sends(tfjs):
    # The browser sends the net's input (float32 bytes, arriving as a memoryview) and its probabilities.
    w = DigitClassifier(tfjs)
    drawn = np.zeros((28, 28), np.float32)
    drawn[4:24, 13:15] = 1
    w.set_state({"image": memoryview(drawn.tobytes()), "probabilities": [0.1] * 10})
    np.testing.assert_array_equal(w.input_image, drawn)
    assert w.probabilities == [0.1] * 10
