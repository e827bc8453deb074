"""The book's models, each a small function that returns a Keras model.

Every model starts with ``keras.Input`` so that it is built at once (its
``summary()`` shows shapes and parameter counts before any training) and names
its layers, so that summaries read the same in every run. Inputs are float
images in [0, 1] shaped ``(height, width, channels)``; the last layer gives
class probabilities (softmax). Only ``keras.layers`` are used, so the models
run on every Keras backend (TensorFlow, JAX, PyTorch).

Parameters for 28x28x1 inputs and 10 classes:

* `dense_baseline`: seed 001's fully connected comparison, 407,050;
* `seed001_convnet`: seed 001's first convnet, 93,322;
* `tfjs_convnet`: seed 000's TensorFlow.js network, 5,994;
* `lenet5`: LeNet-5 as in seed 002 (sigmoid, average pooling), 61,706;
* `lenet_d2l`: LeNet as in seed 004 (sigmoid, max pooling), 44,426;
* `modern_lenet`: seed 004's LeNet with ReLU and batch normalization, 45,104
  (of which 452 are batch-normalization statistics, not trained by gradients).
"""


def _check(input_shape, num_classes):
    """Validate the arguments shared by all model functions; return them as tuple and int."""
    shape = tuple(input_shape)
    if len(shape) != 3 or any(not isinstance(n, int) or n < 1 for n in shape):
        raise ValueError(f"input_shape must be (height, width, channels) of positive ints, got {input_shape!r}")
    if not isinstance(num_classes, int) or num_classes < 2:
        raise ValueError(f"num_classes must be an int >= 2, got {num_classes!r}")
    return shape, num_classes


def dense_baseline(input_shape=(28, 28, 1), num_classes=10):
    """A fully connected network: flatten, Dense(512, relu), Dense(softmax).

    The network that seed 001 compares the convnet with (97.8% on MNIST in
    *Deep Learning with Python*).

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

    input_shape, num_classes = _check(input_shape, num_classes)
    return keras.Sequential([
        keras.Input(input_shape, name="image"),
        layers.Flatten(name="flatten"),
        layers.Dense(512, activation="relu", name="dense_512"),
        layers.Dense(num_classes, activation="softmax", name="classes"),
    ], name="dense_baseline")


def seed001_convnet(input_shape=(28, 28, 1), num_classes=10):
    """Seed 001's first convnet: three 3x3 convolutions, two max-poolings, two dense layers.

    Conv(32) -> MaxPool -> Conv(64) -> MaxPool -> Conv(64) -> Flatten ->
    Dense(64) -> Dense(10): 26x26x32, 13x13x32, 11x11x64, 5x5x64, 3x3x64, 576,
    64, 10; 93,322 parameters on MNIST.

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

    input_shape, num_classes = _check(input_shape, num_classes)
    return keras.Sequential([
        keras.Input(input_shape, name="image"),
        layers.Conv2D(32, 3, activation="relu", name="conv_1"),
        layers.MaxPooling2D(2, name="pool_1"),
        layers.Conv2D(64, 3, activation="relu", name="conv_2"),
        layers.MaxPooling2D(2, name="pool_2"),
        layers.Conv2D(64, 3, activation="relu", name="conv_3"),
        layers.Flatten(name="flatten"),
        layers.Dense(64, activation="relu", name="dense_64"),
        layers.Dense(num_classes, activation="softmax", name="classes"),
    ], name="seed001_convnet")


def tfjs_convnet(input_shape=(28, 28, 1), num_classes=10):
    """Seed 000's TensorFlow.js network: Conv(8, 5x5) -> MaxPool -> Conv(16, 5x5) -> MaxPool -> Dense.

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

    input_shape, num_classes = _check(input_shape, num_classes)
    init = "variance_scaling"
    return keras.Sequential([
        keras.Input(input_shape, name="image"),
        layers.Conv2D(8, 5, activation="relu", kernel_initializer=init, name="conv_1"),
        layers.MaxPooling2D(2, strides=2, name="pool_1"),
        layers.Conv2D(16, 5, activation="relu", kernel_initializer=init, name="conv_2"),
        layers.MaxPooling2D(2, strides=2, name="pool_2"),
        layers.Flatten(name="flatten"),
        layers.Dense(num_classes, activation="softmax", kernel_initializer=init, name="classes"),
    ], name="tfjs_convnet")


def lenet5(input_shape=(28, 28, 1), num_classes=10, activation="sigmoid"):
    """LeNet-5 as in seed 002: 5x5 convolutions with average pooling.

    The first convolution zero-pads ("same") so that a 28x28 MNIST digit gets
    the 32x32 treatment of LeCun et al. (1998): 28x28x6, 14x14x6, 10x10x16,
    5x5x16, 400, 120, 84, 10. With ``activation="relu"`` this is seed 002's
    "LeNet-like" network.

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)`` of the images.
    num_classes : int
        Number of classes.
    activation : str
        Activation of the hidden layers: ``"sigmoid"`` (LeNet-5) or ``"relu"`` (LeNet-like).

    Returns
    -------
    keras.Sequential
    """
    import keras
    from keras import layers

    input_shape, num_classes = _check(input_shape, num_classes)
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
        layers.Dense(num_classes, activation="softmax", name="classes"),
    ], name=name)


def lenet_d2l(input_shape=(28, 28, 1), num_classes=10):
    """LeNet as in seed 004 (Dive into Deep Learning 5.5): sigmoid, max pooling, no padding.

    Shapes on Fashion-MNIST: 24x24x6, 12x12x6, 8x8x16, 4x4x16, 256, 120, 84, 10.
    (Seed 004's last layer was a sigmoid too; here it is a softmax, like every
    classifier in the book.)

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

    input_shape, num_classes = _check(input_shape, num_classes)
    return keras.Sequential([
        keras.Input(input_shape, name="image"),
        layers.Conv2D(6, 5, activation="sigmoid", name="conv_1"),
        layers.MaxPooling2D(2, strides=2, name="pool_1"),
        layers.Conv2D(16, 5, activation="sigmoid", name="conv_2"),
        layers.MaxPooling2D(2, strides=2, name="pool_2"),
        layers.Flatten(name="flatten"),
        layers.Dense(120, activation="sigmoid", name="dense_120"),
        layers.Dense(84, activation="sigmoid", name="dense_84"),
        layers.Dense(num_classes, activation="softmax", name="classes"),
    ], name="lenet_d2l")


def modern_lenet(input_shape=(28, 28, 1), num_classes=10):
    """Seed 004's LeNet with today's habits: ReLU and batch normalization.

    Same shapes as `lenet_d2l`; each convolution and hidden dense layer is
    followed by batch normalization and then ReLU (the layers before batch
    normalization have no bias: its shift replaces it).

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

    input_shape, num_classes = _check(input_shape, num_classes)
    return keras.Sequential([
        keras.Input(input_shape, name="image"),
        layers.Conv2D(6, 5, use_bias=False, name="conv_1"),
        layers.BatchNormalization(name="bn_1"),
        layers.Activation("relu", name="relu_1"),
        layers.MaxPooling2D(2, strides=2, name="pool_1"),
        layers.Conv2D(16, 5, use_bias=False, name="conv_2"),
        layers.BatchNormalization(name="bn_2"),
        layers.Activation("relu", name="relu_2"),
        layers.MaxPooling2D(2, strides=2, name="pool_2"),
        layers.Flatten(name="flatten"),
        layers.Dense(120, use_bias=False, name="dense_120"),
        layers.BatchNormalization(name="bn_3"),
        layers.Activation("relu", name="relu_3"),
        layers.Dense(84, use_bias=False, name="dense_84"),
        layers.BatchNormalization(name="bn_4"),
        layers.Activation("relu", name="relu_4"),
        layers.Dense(num_classes, activation="softmax", name="classes"),
    ], name="modern_lenet")


def layer_shapes(model):
    """Return ``[(layer name, output shape without the batch axis, parameter count), ...]``.

    The shape walk of seed 004, for any built model.

    Parameters
    ----------
    model : keras.Model
        A built model (all the book's models are).

    Returns
    -------
    list of tuple
    """
    if not getattr(model, "built", False):
        raise ValueError("the model is not built yet; give it a keras.Input or call it on data first")
    return [(layer.name, tuple(layer.output.shape[1:]), layer.count_params()) for layer in model.layers]
