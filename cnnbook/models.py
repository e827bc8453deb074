"""The book's small models, each a function that returns a Keras model.

Every model starts with ``keras.Input`` so that it is built at once (its
``summary()`` shows shapes and parameter counts before any training) and names
its layers, so that summaries read the same in every run. Inputs are float
images in [0, 1] shaped ``(height, width, channels)``; the last layer gives
class probabilities (softmax), computed in float32 even under Keras'
``mixed_float16`` policy. Only ``keras.layers`` are used, so the models run on
every Keras backend (TensorFlow, JAX, PyTorch). Arguments are checked with
:func:`cnnbook.checks.net`, as for the deeper nets, and
:func:`cnnbook.architectures.layer_table` tabulates any of them.

Parameters for 28x28x1 inputs and 10 classes:

* `dense_baseline`: the fully connected comparison of Chollet's *Deep
  Learning with Python* (section 5.1), 407,050;
* `chollet_convnet`: the first convnet of *Deep Learning with Python*, 93,322;
* `tfjs_convnet`: the TensorFlow.js network of naughty's "Deep learning in
  the browser: TensorFlow.js (6)", 5,994;
* `lenet5`: LeNet-5 as in Taspinar's "Building convolutional neural networks
  with TensorFlow" (sigmoid, average pooling), 61,706;
* `lenet5_like`: Taspinar's "LeNet-like" network as his code builds it (ReLU,
  16 and 16 filters, both convolutions zero-padded, hidden layers 120 and 120),
  116,762;
* `lenet_d2l`: LeNet as in *Dive into Deep Learning*, section 5.5 (sigmoid,
  max pooling), 44,426; its ``activation`` and ``batch_norm`` arguments make
  the one-change variants of chapter 8;
* `modern_lenet`: that LeNet with ReLU and batch normalization, 45,104
  (of which 452 are batch-normalization statistics, not trained by gradients).

>>> chollet_convnet().count_params()
93322
"""

from . import checks
from .architectures import classifier

#: The layers of each model that shrink the image, as ``(kernel, stride, padding)``.
_STEPS = {
    "chollet_convnet": [(3, 1, "valid"), (2, 2, "valid"), (3, 1, "valid"), (2, 2, "valid"), (3, 1, "valid")],
    "tfjs_convnet": [(5, 1, "valid"), (2, 2, "valid"), (5, 1, "valid"), (2, 2, "valid")],
    "lenet5": [(5, 1, "same"), (2, 2, "valid"), (5, 1, "valid"), (2, 2, "valid")],
    "lenet5_like": [(5, 1, "same"), (2, 2, "valid"), (5, 1, "same"), (2, 2, "valid")],
    "lenet_d2l": [(5, 1, "valid"), (2, 2, "valid"), (5, 1, "valid"), (2, 2, "valid")],
}


def dense_baseline(input_shape=(28, 28, 1), num_classes=10):
    """A fully connected network: flatten, Dense(512, relu), Dense(softmax).

    The network that Chollet's *Deep Learning with Python* (section 5.1)
    compares its convnet with (97.8% on MNIST there).

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)`` of the images.
    num_classes : int
        Number of classes.

    Returns
    -------
    keras.Sequential
    """
    import keras
    from keras import layers

    input_shape, num_classes = checks.net("The dense baseline", input_shape, num_classes)
    return keras.Sequential([
        keras.Input(input_shape, name="image"),
        layers.Flatten(name="flatten"),
        layers.Dense(512, activation="relu", name="dense_512"),
        classifier(num_classes, "classes"),
    ], name="dense_baseline")


def chollet_convnet(input_shape=(28, 28, 1), num_classes=10, name="chollet_convnet"):
    """The first convnet of Chollet's *Deep Learning with Python* (section 5.1): three 3x3 convolutions, two max-pools.

    Conv(32) -> MaxPool -> Conv(64) -> MaxPool -> Conv(64) -> Flatten ->
    Dense(64) -> Dense(10): 26x26x32, 13x13x32, 11x11x64, 5x5x64, 3x3x64, 576,
    64, 10; 93,322 parameters on MNIST.

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)`` of the images, at least 18x18.
    num_classes : int
        Number of classes.
    name : str
        The Keras model's name.

    Returns
    -------
    keras.Sequential
    """
    import keras
    from keras import layers

    input_shape, num_classes = checks.net("The Deep Learning with Python convnet", input_shape, num_classes,
                                         _STEPS["chollet_convnet"])
    return keras.Sequential([
        keras.Input(input_shape, name="image"),
        layers.Conv2D(32, 3, activation="relu", name="conv_1"),
        layers.MaxPooling2D(2, name="pool_1"),
        layers.Conv2D(64, 3, activation="relu", name="conv_2"),
        layers.MaxPooling2D(2, name="pool_2"),
        layers.Conv2D(64, 3, activation="relu", name="conv_3"),
        layers.Flatten(name="flatten"),
        layers.Dense(64, activation="relu", name="dense_64"),
        classifier(num_classes, "classes"),
    ], name=name)


def tfjs_convnet(input_shape=(28, 28, 1), num_classes=10):
    """The TensorFlow.js network of naughty's "Deep learning in the browser" (6): two 5x5 convolutions.

    Conv(8, 5x5) -> MaxPool -> Conv(16, 5x5) -> MaxPool -> Dense.
    Shapes on MNIST: 24x24x8, 12x12x8, 8x8x16, 4x4x16, 256, 10. The kernels
    start from TensorFlow.js' ``varianceScaling`` initializer, which is
    Keras' `keras.initializers.VarianceScaling` with its defaults.

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)`` of the images.
    num_classes : int
        Number of classes.

    Returns
    -------
    keras.Sequential
    """
    import keras
    from keras import layers

    input_shape, num_classes = checks.net("The TensorFlow.js convnet", input_shape, num_classes,
                                         _STEPS["tfjs_convnet"])
    init = "variance_scaling"
    return keras.Sequential([
        keras.Input(input_shape, name="image"),
        layers.Conv2D(8, 5, activation="relu", kernel_initializer=init, name="conv_1"),
        layers.MaxPooling2D(2, strides=2, name="pool_1"),
        layers.Conv2D(16, 5, activation="relu", kernel_initializer=init, name="conv_2"),
        layers.MaxPooling2D(2, strides=2, name="pool_2"),
        layers.Flatten(name="flatten"),
        layers.Dense(num_classes, activation="softmax", kernel_initializer=init, dtype="float32", name="classes"),
    ], name="tfjs_convnet")


def lenet5(input_shape=(28, 28, 1), num_classes=10, activation="sigmoid"):
    """LeNet-5 as in Taspinar's "Building convolutional neural networks with TensorFlow": average pooling.

    The first convolution zero-pads ("same") so that a 28x28 MNIST digit gets
    the 32x32 treatment of LeCun et al. (1998): 28x28x6, 14x14x6, 10x10x16,
    5x5x16, 400, 120, 84, 10. With ``activation="relu"`` it is LeNet-5 with
    ReLU, which is not Taspinar's "LeNet-like" network: that one is
    `lenet5_like`.

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)`` of the images.
    num_classes : int
        Number of classes.
    activation : str
        Activation of the hidden layers: ``"sigmoid"`` (LeNet-5) or ``"relu"``.

    Returns
    -------
    keras.Sequential
    """
    import keras
    from keras import layers

    input_shape, num_classes = checks.net("LeNet-5", input_shape, num_classes, _STEPS["lenet5"])
    activation = _activation(activation)
    name = "lenet5" if activation == "sigmoid" else f"lenet5_{activation}"
    return keras.Sequential([
        keras.Input(input_shape, name="image"),
        layers.Conv2D(6, 5, padding="same", activation=activation, name="conv_1"),
        layers.AveragePooling2D(2, name="pool_1"),
        layers.Conv2D(16, 5, activation=activation, name="conv_2"),
        layers.AveragePooling2D(2, name="pool_2"),
        layers.Flatten(name="flatten"),
        layers.Dense(120, activation=activation, name="dense_120"),
        layers.Dense(84, activation=activation, name="dense_84"),
        classifier(num_classes, "classes"),
    ], name=name)


def _activation(activation):
    """Return ``activation`` if it names a Keras activation, or raise ValueError naming the argument."""
    import keras

    wanted = "the name of a Keras activation such as 'sigmoid' or 'relu'"
    if not isinstance(activation, str):
        raise ValueError(f"activation must be {wanted}, got {activation!r}")
    try:
        keras.activations.get(activation)
    except ValueError:
        raise ValueError(f"activation must be {wanted}, got {activation!r}") from None
    return activation


def _flag(value, name):
    """Return ``value`` as a bool if it is one (Python's or NumPy's), or raise ValueError naming the argument."""
    import numpy as np

    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def _lenet(input_shape, num_classes, activation, batch_norm, title, name=None):
    """The LeNet of *Dive into Deep Learning* with any activation, with or without batch normalization."""
    import keras
    from keras import layers

    input_shape, num_classes = checks.net(title, input_shape, num_classes, _STEPS["lenet_d2l"])
    activation, batch_norm = _activation(activation), _flag(batch_norm, "batch_norm")
    if name is None:
        name = "lenet_d2l" + ("" if activation == "sigmoid" else f"_{activation}") + ("_bn" if batch_norm else "")
    count = 0

    def block(layer, *size, name):
        """A weighted layer and its activation, with batch normalization between them if asked."""
        nonlocal count
        if not batch_norm:
            return [layer(*size, activation=activation, name=name)]
        count += 1
        return [
            layer(*size, use_bias=False, name=name),  # batch normalization's shift replaces the bias
            layers.BatchNormalization(name=f"bn_{count}"),
            layers.Activation(activation, name=f"{activation}_{count}"),
        ]

    return keras.Sequential(
        [keras.Input(input_shape, name="image")]
        + block(layers.Conv2D, 6, 5, name="conv_1")
        + [layers.MaxPooling2D(2, strides=2, name="pool_1")]
        + block(layers.Conv2D, 16, 5, name="conv_2")
        + [layers.MaxPooling2D(2, strides=2, name="pool_2"), layers.Flatten(name="flatten")]
        + block(layers.Dense, 120, name="dense_120")
        + block(layers.Dense, 84, name="dense_84")
        + [classifier(num_classes, "classes")],
        name=name,
    )


def lenet5_like(input_shape=(28, 28, 1), num_classes=10):
    """Taspinar's "LeNet-like" network, as the code of his article builds it.

    LeNet-5's layout with his changes: ReLU instead of sigmoid, 16 filters of
    5x5 in both convolutions, both zero-padded ("same"), 2x2 average pooling
    after each, and two hidden dense layers of 120 units. Shapes on 28x28
    images: 28x28x16, 14x14x16, 14x14x16, 7x7x16, 784, 120, 120, 10. His
    code starts from truncated normal weights (standard deviation 0.1) and
    biases of 1; here Keras' defaults start them (Glorot uniform, zero
    biases), like every net of the book, and the output is a softmax.

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)`` of the images.
    num_classes : int
        Number of classes.

    Returns
    -------
    keras.Sequential

    Examples
    --------
    >>> model = lenet5_like()
    >>> model.count_params()
    116762
    >>> [layer.output.shape[1:] for layer in model.layers[:4]]
    [(28, 28, 16), (14, 14, 16), (14, 14, 16), (7, 7, 16)]
    """
    import keras
    from keras import layers

    input_shape, num_classes = checks.net("The LeNet-like network", input_shape, num_classes,
                                          _STEPS["lenet5_like"])
    return keras.Sequential([
        keras.Input(input_shape, name="image"),
        layers.Conv2D(16, 5, padding="same", activation="relu", name="conv_1"),
        layers.AveragePooling2D(2, name="pool_1"),
        layers.Conv2D(16, 5, padding="same", activation="relu", name="conv_2"),
        layers.AveragePooling2D(2, name="pool_2"),
        layers.Flatten(name="flatten"),
        layers.Dense(120, activation="relu", name="dense_120a"),
        layers.Dense(120, activation="relu", name="dense_120b"),
        classifier(num_classes, "classes"),
    ], name="lenet5_like")


def lenet_d2l(input_shape=(28, 28, 1), num_classes=10, activation="sigmoid", batch_norm=False):
    """LeNet as in *Dive into Deep Learning*, section 5.5: sigmoid, max pooling, no padding; or one of its variants.

    Shapes on Fashion-MNIST: 24x24x6, 12x12x6, 8x8x16, 4x4x16, 256, 120, 84, 10.
    (The book's TensorFlow 2 port ends with a sigmoid too; here it is a softmax, like every
    classifier in the book.) The two arguments after ``num_classes`` make the
    one-change variants of chapter 8: another activation for the four hidden
    layers, and batch normalization between each of them and its activation
    (the layer before it then has no bias: batch normalization's shift
    replaces it). Both changes together give `modern_lenet`, layer for layer.

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)`` of the images, at least 16x16.
    num_classes : int
        Number of classes.
    activation : str
        Activation of the two convolutions and the two hidden dense layers,
        the name of a Keras activation: ``"sigmoid"`` (d2l's) or ``"relu"``...
    batch_norm : bool
        Put batch normalization after each convolution and hidden dense layer.

    Returns
    -------
    keras.Sequential
        Named ``lenet_d2l``, with ``_<activation>`` and ``_bn`` added for a variant.

    Examples
    --------
    >>> lenet_d2l().count_params()
    44426
    >>> lenet_d2l(activation="relu").count_params()
    44426
    >>> variant = lenet_d2l(batch_norm=True)
    >>> variant.name, variant.count_params()
    ('lenet_d2l_bn', 45104)
    >>> [layer.name for layer in variant.layers][:4]
    ['conv_1', 'bn_1', 'sigmoid_1', 'pool_1']
    >>> lenet_d2l(activation="relu!")
    Traceback (most recent call last):
    ...
    ValueError: activation must be the name of a Keras activation such as 'sigmoid' or 'relu', got 'relu!'
    """
    return _lenet(input_shape, num_classes, activation, batch_norm, "LeNet")


def modern_lenet(input_shape=(28, 28, 1), num_classes=10):
    """The LeNet of *Dive into Deep Learning* with today's habits: ReLU and batch normalization.

    Same shapes as `lenet_d2l`; each convolution and hidden dense layer is
    followed by batch normalization and then ReLU (the layers before batch
    normalization have no bias: its shift replaces it). It is
    ``lenet_d2l(activation="relu", batch_norm=True)``, named ``modern_lenet``.

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)`` of the images, at least 16x16.
    num_classes : int
        Number of classes.

    Returns
    -------
    keras.Sequential

    Examples
    --------
    >>> model = modern_lenet()
    >>> model.count_params()
    45104
    >>> [layer.name for layer in model.layers][:4]
    ['conv_1', 'bn_1', 'relu_1', 'pool_1']
    """
    return _lenet(input_shape, num_classes, "relu", True, "The modern LeNet", "modern_lenet")
