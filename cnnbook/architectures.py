"""Deep convnets built from block functions: AlexNet, VGG, NiN, GoogLeNet, ResNet, DenseNet, MobileNet, ConvNeXt.

Each *block function* takes a Keras tensor and returns a Keras tensor, so a net
is a few lines of the Keras functional API that read like the paper's figure::

    inputs = keras.Input((224, 224, 3))
    x = vgg_block(inputs, num_convs=2, filters=64)
    ...

Each *net function* returns an uncompiled :class:`keras.Model`. The last layer
computes in float32 (``dtype="float32"``) so that the nets also train under
Keras' ``mixed_float16`` policy. :func:`layer_table` counts parameters and
multiply-adds layer by layer.
"""

import math

from . import checks

#: VGG configuration D (VGG-16): (number of 3x3 convolutions, filters) per block.
VGG16_CONFIG = ((2, 64), (2, 128), (3, 256), (3, 512), (3, 512))

#: ResNet-18: (residual blocks, filters) per stage.
RESNET18_STAGES = ((2, 64), (2, 128), (2, 256), (2, 512))

#: The stems a net can start with: ``"imagenet"`` (the paper's, for 224x224
#: photos) or ``"small"`` (a 3x3 stride-1 convolution, for 28x28 or 32x32 images).
STEMS = ("imagenet", "small")


def classifier(num_classes, name="predictions"):
    """The softmax output layer of every net of the book, in float32 even under Keras' ``mixed_float16`` policy.

    Examples
    --------
    >>> classifier(10, "classes").dtype_policy.compute_dtype
    'float32'
    """
    from keras import layers

    num_classes = checks.num_classes(num_classes)
    return layers.Dense(num_classes, activation="softmax", dtype="float32", name=name)


def _scaler(width):
    """Return ``n(count)``: ``count`` times ``width``, rounded, at least 1."""
    width = checks.real(width, "width", positive=True)
    return lambda count: max(1, round(count * width))


def _check_positive(**values):
    for key, value in values.items():
        checks.integer(value, key, low=1)


def alexnet(input_shape=(227, 227, 3), num_classes=1000, dropout=0.5, activation="relu", width=1.0):
    """AlexNet (Krizhevsky, Sutskever and Hinton, 2012) as one tower, without local response normalization.

    Five convolutions (96 11x11 filters with stride 4, 256 5x5, 384 3x3, 384
    3x3, 256 3x3), three 3x3 max-pools with stride 2 that overlap, and two
    dense layers of 4,096 ReLU units with dropout. The paper says 224x224
    inputs, but the sizes only work out with 227x227: (227 - 11) / 4 + 1 = 55.
    With 1,000 classes this net has 62,378,344 parameters.

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)``; at least 67x67 so that three pools fit.
    num_classes : int
        Output classes, at least 2.
    dropout : float
        Dropout rate of the two 4,096-unit layers (0 turns it off).
    activation : str
        Activation of every hidden layer: ``"relu"`` as in the paper, or e.g.
        ``"sigmoid"`` or ``"tanh"`` to see what ReLU changed.
    width : float
        Multiplies every filter and unit count (e.g. 0.25 for a CPU).

    Returns
    -------
    keras.Model

    Examples
    --------
    >>> alexnet(input_shape=(32, 32, 3))
    Traceback (most recent call last):
    ...
    ValueError: AlexNet needs images of at least 67x67 pixels, got input_shape (32, 32)
    """
    import keras
    from keras import layers

    steps = [(11, 4, "valid"), (3, 2, "valid"), (3, 2, "valid"), (3, 2, "valid")]
    input_shape, num_classes = checks.net("AlexNet", input_shape, num_classes, steps, width=width)
    n = _scaler(width)
    act = activation
    inputs = keras.Input(input_shape)
    x = layers.Conv2D(n(96), 11, strides=4, activation=act, name="conv1")(inputs)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    x = layers.Conv2D(n(256), 5, padding="same", activation=act, name="conv2")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool2")(x)
    x = layers.Conv2D(n(384), 3, padding="same", activation=act, name="conv3")(x)
    x = layers.Conv2D(n(384), 3, padding="same", activation=act, name="conv4")(x)
    x = layers.Conv2D(n(256), 3, padding="same", activation=act, name="conv5")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool5")(x)
    x = layers.Flatten(name="flatten")(x)
    for i in (6, 7):
        x = layers.Dense(n(4096), activation=act, name=f"fc{i}")(x)
        x = layers.Dropout(dropout, name=f"dropout{i}")(x)
    return keras.Model(inputs, classifier(num_classes, "fc8")(x), name="alexnet")


def vgg_block(x, num_convs, filters, name=None):
    """VGG block: ``num_convs`` 3x3 convolutions with ReLU and "same" padding, then a 2x2 max-pool.

    Halves the height and width and sets the channels to ``filters``.
    """
    from keras import layers

    _check_positive(num_convs=num_convs, filters=filters)
    prefix = f"{name}_" if name else ""
    for i in range(num_convs):
        x = layers.Conv2D(filters, 3, padding="same", activation="relu",
                          name=f"{prefix}conv{i + 1}" if name else None)(x)
    return layers.MaxPooling2D(2, strides=2, name=f"{prefix}pool" if name else None)(x)


def vgg(config=VGG16_CONFIG, input_shape=(224, 224, 3), num_classes=1000, width=1.0, dense_units=4096,
        dropout=0.5):
    """A VGG net: VGG blocks as listed in ``config``, then two dense layers and the classifier.

    ``vgg()`` is VGG-16, configuration D of Simonyan and Zisserman (2014):
    138,357,544 parameters with 1,000 classes at 224x224.

    Parameters
    ----------
    config : sequence of (int, int)
        ``(num_convs, filters)`` per block.
    input_shape : tuple of int
        ``(height, width, channels)``; height and width divisible by ``2**len(config)``.
    num_classes : int
        Output classes, at least 2.
    width : float
        Multiplies every filter count and ``dense_units`` (e.g. 0.25 for a
        net 16 times cheaper to run, for a CPU).
    dense_units : int
        Units of the two hidden dense layers before scaling by ``width``.
    dropout : float
        Dropout rate after each hidden dense layer.

    Returns
    -------
    keras.Model
    """
    import keras
    from keras import layers

    input_shape, num_classes = checks.net("VGG", input_shape, num_classes, width=width)
    checks.integer(dense_units, "dense_units", low=1)
    n = _scaler(width)
    factor = 2 ** len(config)
    if input_shape[0] % factor or input_shape[1] % factor:
        raise ValueError(f"height and width must be divisible by {factor} for {len(config)} VGG blocks, "
                         f"got {input_shape[:2]}")
    inputs = keras.Input(input_shape)
    x = inputs
    for i, (num_convs, filters) in enumerate(config):
        x = vgg_block(x, num_convs, n(filters), name=f"block{i + 1}")
    x = layers.Flatten(name="flatten")(x)
    for i in (1, 2):
        x = layers.Dense(n(dense_units), activation="relu", name=f"fc{i}")(x)
        x = layers.Dropout(dropout, name=f"dropout{i}")(x)
    name = "vgg16" if tuple(config) == VGG16_CONFIG and width == 1 else "vgg"
    return keras.Model(inputs, classifier(num_classes)(x), name=name)


def nin_block(x, filters, kernel_size, strides=1, padding="valid", batch_norm=False):
    """Network-in-network block: one convolution followed by two 1x1 convolutions, all with ReLU.

    The 1x1 convolutions act as a small dense net applied at every pixel.
    With ``batch_norm=True`` each convolution drops its bias and is followed
    by batch normalization before its ReLU.
    """
    from keras import layers

    _check_positive(filters=filters)
    checks.pair(kernel_size, "kernel_size", low=1)
    checks.pair(strides, "strides", low=1)
    for kernel, stride, pad in ((kernel_size, strides, padding), (1, 1, "valid"), (1, 1, "valid")):
        x = layers.Conv2D(filters, kernel, strides=stride, padding=pad, use_bias=not batch_norm)(x)
        if batch_norm:
            x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
    return x


def nin(input_shape=(224, 224, 3), num_classes=10, dropout=0.5, width=1.0, stem="imagenet", batch_norm=False):
    """NiN (Lin, Chen and Yan, 2013): NiN blocks, no dense layers; global average pooling gives the scores.

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)``; at least 67x67 with the ImageNet stem,
        15x15 with the small one.
    num_classes : int
        Output classes, at least 2: the last NiN block has one channel per class.
    dropout : float
        Dropout rate before the last NiN block.
    width : float
        Multiplies the filters of every NiN block but the last.
    stem : {"imagenet", "small"}
        The first NiN block: an 11x11 convolution with stride 4 (the paper's,
        for 224x224 images), or a 3x3 one with stride 1 and "same" padding
        (for 28x28 images such as Fashion-MNIST).
    batch_norm : bool
        Batch normalization after every convolution but those of the last
        block, which give the class scores (the model is then named
        ``"nin_batch_norm"``).

    Returns
    -------
    keras.Model

    Examples
    --------
    >>> nin(input_shape=(28, 28, 1), stem="small", width=0.25).output.shape
    (None, 10)
    >>> nin(input_shape=(28, 28, 1), stem="small", batch_norm=True).name
    'nin_batch_norm'
    """
    import keras
    from keras import layers

    stem = checks.choice(stem, "stem", STEMS)
    first = (11, 4, "valid") if stem == "imagenet" else (3, 1, "same")
    steps = [first] + [(3, 2, "valid")] * 3
    input_shape, num_classes = checks.net("NiN", input_shape, num_classes, steps, width=width)
    n = _scaler(width)
    inputs = keras.Input(input_shape)
    kernel, strides, padding = first
    if not isinstance(batch_norm, bool):
        raise ValueError(f"batch_norm must be True or False, got {batch_norm!r}")
    x = nin_block(inputs, n(96), kernel, strides=strides, padding=padding, batch_norm=batch_norm)
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = nin_block(x, n(256), 5, padding="same", batch_norm=batch_norm)
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = nin_block(x, n(384), 3, padding="same", batch_norm=batch_norm)
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = layers.Dropout(dropout)(x)
    x = nin_block(x, num_classes, 3, padding="same")
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Activation("softmax", dtype="float32", name="predictions")(x)
    return keras.Model(inputs, outputs, name="nin_batch_norm" if batch_norm else "nin")


def inception_block(x, c1, c2, c3, c4):
    """GoogLeNet's Inception block: four parallel paths concatenated along the channels.

    Parameters
    ----------
    x : keras tensor
    c1 : int
        Filters of path 1, a 1x1 convolution.
    c2 : (int, int)
        Path 2: a 1x1 convolution to ``c2[0]`` channels, then a 3x3 to ``c2[1]``.
    c3 : (int, int)
        Path 3: a 1x1 convolution to ``c3[0]`` channels, then a 5x5 to ``c3[1]``.
    c4 : int
        Path 4: 3x3 max-pool with stride 1, then a 1x1 convolution to ``c4``.

    Returns
    -------
    keras tensor with the input's height and width and ``c1 + c2[1] + c3[1] + c4`` channels.
    """
    from keras import layers

    _check_positive(c1=c1, c2_reduce=c2[0], c2=c2[1], c3_reduce=c3[0], c3=c3[1], c4=c4)
    p1 = layers.Conv2D(c1, 1, activation="relu")(x)
    p2 = layers.Conv2D(c2[0], 1, activation="relu")(x)
    p2 = layers.Conv2D(c2[1], 3, padding="same", activation="relu")(p2)
    p3 = layers.Conv2D(c3[0], 1, activation="relu")(x)
    p3 = layers.Conv2D(c3[1], 5, padding="same", activation="relu")(p3)
    p4 = layers.MaxPooling2D(3, strides=1, padding="same")(x)
    p4 = layers.Conv2D(c4, 1, activation="relu")(p4)
    return layers.Concatenate()([p1, p2, p3, p4])


def small_googlenet(input_shape=(96, 96, 3), num_classes=10, width=1.0, stem="imagenet"):
    """A shortened GoogLeNet (Szegedy et al., 2014): stem, two stages of Inception blocks, global pooling.

    The real GoogLeNet stacks nine Inception blocks; this one keeps the first
    four (with the paper's channel numbers) so that it trains on a CPU.

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)``.
    num_classes : int
        Output classes, at least 2.
    width : float
        Multiplies every filter count (e.g. 0.25 for a CPU).
    stem : {"imagenet", "small"}
        ``"imagenet"``: the paper's 7x7 stride-2 convolution and two max-pools
        (the Inception blocks see 1/8 of the input's side). ``"small"``: a 3x3
        stride-1 convolution and one max-pool (1/2), for 28x28 images.

    Returns
    -------
    keras.Model

    Examples
    --------
    >>> small_googlenet(input_shape=(28, 28, 1), stem="small", width=0.25).output.shape
    (None, 10)
    """
    import keras
    from keras import layers

    stem = checks.choice(stem, "stem", STEMS)
    input_shape, num_classes = checks.net("GoogLeNet", input_shape, num_classes, width=width)
    n = _scaler(width)

    def inception(x, c1, c2, c3, c4):
        return inception_block(x, n(c1), (n(c2[0]), n(c2[1])), (n(c3[0]), n(c3[1])), n(c4))

    inputs = keras.Input(input_shape)
    if stem == "imagenet":
        x = layers.Conv2D(n(64), 7, strides=2, padding="same", activation="relu")(inputs)
    else:
        x = layers.Conv2D(n(64), 3, padding="same", activation="relu")(inputs)
    x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
    x = layers.Conv2D(n(64), 1, activation="relu")(x)
    x = layers.Conv2D(n(192), 3, padding="same", activation="relu")(x)
    if stem == "imagenet":
        x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
    x = inception(x, 64, (96, 128), (16, 32), 32)
    x = inception(x, 128, (128, 192), (32, 96), 64)
    x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
    x = inception(x, 192, (96, 208), (16, 48), 64)
    x = inception(x, 160, (112, 224), (24, 64), 64)
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, classifier(num_classes)(x), name="small_googlenet")


def residual_block(x, filters, strides=1):
    """ResNet's basic residual block: two 3x3 convolutions with batch normalization, plus a shortcut.

    The block computes ``relu(x + F(x))``. When ``strides`` > 1 or the number
    of channels changes, the shortcut is a strided 1x1 convolution (with batch
    normalization) so that the two can be added.
    """
    from keras import layers

    _check_positive(filters=filters, strides=strides)
    shortcut = x
    y = layers.Conv2D(filters, 3, strides=strides, padding="same", use_bias=False)(x)
    y = layers.BatchNormalization()(y)
    y = layers.Activation("relu")(y)
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False)(y)
    y = layers.BatchNormalization()(y)
    if strides != 1 or x.shape[-1] != filters:
        shortcut = layers.Conv2D(filters, 1, strides=strides, use_bias=False)(x)
        shortcut = layers.BatchNormalization()(shortcut)
    return layers.Activation("relu")(layers.Add()([y, shortcut]))


def resnet18(input_shape=(224, 224, 3), num_classes=1000, stages=RESNET18_STAGES, width=1.0, stem="imagenet"):
    """ResNet-18 (He et al., 2015): a 7x7 stem, four stages of two residual blocks, global pooling.

    With 1,000 classes at 224x224 it has 11,689,512 trainable parameters, the
    same as torchvision's ``resnet18``.

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)``.
    num_classes : int
        Output classes, at least 2.
    stages : sequence of (int, int)
        ``(residual blocks, filters)`` per stage; every stage after the first halves the side.
    width : float
        Multiplies every filter count (e.g. 0.25 for a CPU).
    stem : {"imagenet", "small"}
        ``"imagenet"``: the paper's 7x7 stride-2 convolution and 3x3 stride-2
        max-pool. ``"small"``: a 3x3 stride-1 convolution and no max-pool, as
        in ResNets for CIFAR-10, for 28x28 or 32x32 images.

    Returns
    -------
    keras.Model

    Examples
    --------
    >>> resnet18(input_shape=(28, 28, 1), num_classes=10, stem="small", width=0.25).count_params()
    703578
    """
    import keras
    from keras import layers

    stem = checks.choice(stem, "stem", STEMS)
    input_shape, num_classes = checks.net("ResNet-18", input_shape, num_classes, width=width)
    n = _scaler(width)
    inputs = keras.Input(input_shape)
    if stem == "imagenet":
        x = layers.Conv2D(n(64), 7, strides=2, padding="same", use_bias=False)(inputs)
    else:
        x = layers.Conv2D(n(64), 3, padding="same", use_bias=False)(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    if stem == "imagenet":
        x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
    for stage, (blocks, filters) in enumerate(stages):
        for block in range(blocks):
            x = residual_block(x, n(filters), strides=2 if block == 0 and stage > 0 else 1)
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, classifier(num_classes)(x), name="resnet18")


def cifar_resnet(input_shape=(32, 32, 3), num_classes=10, width=64):
    """A small residual net for 32x32 images, after the "ResNet-9" of fast CIFAR-10 training (Page, 2018).

    conv(w) -> conv(2w), pool, residual(2w) -> conv(4w), pool -> conv(8w),
    pool, residual(8w) -> global max-pool -> dense, scaled by 1/8. Every convolution is 3x3
    with batch normalization and ReLU. With ``width=64`` it has 6.6 million
    parameters and reaches 94% on CIFAR-10 in about 24 epochs.

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)``; at least 8x8 for the three 2x2 pools.
    num_classes : int
        Output classes, at least 2.
    width : int
        Filters of the first convolution; the others are multiples of it.

    Returns
    -------
    keras.Model
    """
    import keras
    from keras import layers

    steps = [(2, 2, "valid")] * 3
    input_shape, num_classes = checks.net("The CIFAR ResNet", input_shape, num_classes, steps)
    width = checks.integer(width, "width", low=1)

    def conv_bn(x, filters, pool=False):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
        # Running statistics that follow the weights within a few dozen steps, for short fast runs.
        x = layers.BatchNormalization(momentum=0.9)(x)
        x = layers.Activation("relu")(x)
        return layers.MaxPooling2D(2)(x) if pool else x

    def residual(x, filters):
        return layers.Add()([x, conv_bn(conv_bn(x, filters), filters)])

    inputs = keras.Input(input_shape)
    x = conv_bn(inputs, width)
    x = residual(conv_bn(x, 2 * width, pool=True), 2 * width)
    x = conv_bn(x, 4 * width, pool=True)
    x = residual(conv_bn(x, 8 * width, pool=True), 8 * width)
    x = layers.GlobalMaxPooling2D()(x)
    x = layers.Dense(num_classes, use_bias=False)(x)
    # Page's output scaling: small logits at the start keep high learning rates from blowing up.
    x = layers.Rescaling(0.125)(x)
    outputs = layers.Activation("softmax", dtype="float32", name="predictions")(x)
    return keras.Model(inputs, outputs, name="cifar_resnet")


def dense_block(x, num_convs, growth_rate, bottleneck=None):
    """DenseNet's dense block: each BN-ReLU-3x3 convolution sees all earlier outputs, concatenated.

    Adds ``num_convs * growth_rate`` channels; height and width stay. With
    ``bottleneck=None`` each layer is Dive into Deep Learning's (batch
    normalization, ReLU, a 3x3 convolution with bias); with ``bottleneck=4``
    it is DenseNet-BC's (Huang et al., 2017): BN-ReLU-1x1 convolution to
    ``4 * growth_rate`` channels, then BN-ReLU-3x3, both without bias, as in
    DenseNet-121.
    """
    from keras import layers

    _check_positive(num_convs=num_convs, growth_rate=growth_rate)
    if bottleneck is not None:
        checks.integer(bottleneck, "bottleneck", low=1)
    for _ in range(num_convs):
        y = layers.BatchNormalization(epsilon=1.001e-5)(x)
        y = layers.Activation("relu")(y)
        if bottleneck is not None:
            y = layers.Conv2D(bottleneck * growth_rate, 1, use_bias=False)(y)
            y = layers.BatchNormalization(epsilon=1.001e-5)(y)
            y = layers.Activation("relu")(y)
        y = layers.Conv2D(growth_rate, 3, padding="same", use_bias=bottleneck is None)(y)
        x = layers.Concatenate()([x, y])
    return x


def transition_block(x, filters, use_bias=True):
    """DenseNet's transition layer: BN, ReLU, a 1x1 convolution to ``filters`` channels, 2x2 average pool.

    It keeps the channels of a dense net in check (each dense block adds
    some) and halves the height and width.
    """
    from keras import layers

    _check_positive(filters=filters)
    x = layers.BatchNormalization(epsilon=1.001e-5)(x)
    x = layers.Activation("relu")(x)
    x = layers.Conv2D(filters, 1, use_bias=use_bias)(x)
    return layers.AveragePooling2D(2, strides=2)(x)


#: DenseNet-121 (Huang et al., 2017): dense layers per block.
DENSENET121_BLOCKS = (6, 12, 24, 16)


def densenet(input_shape=(96, 96, 1), num_classes=10, blocks=(4, 4, 4, 4), growth_rate=32, stem_filters=64,
             bottleneck=None, stem="imagenet"):
    """DenseNet: a stem, dense blocks with transition layers between them that halve the channels, global pooling.

    The defaults are Dive into Deep Learning's DenseNet (four blocks of four
    layers, growth rate 32). ``densenet(DENSENET121_BLOCKS, bottleneck=4,
    input_shape=(224, 224, 3), num_classes=1000)`` is DenseNet-121, with
    8,062,504 parameters like ``keras.applications.DenseNet121``.

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)``.
    num_classes : int
        Output classes, at least 2.
    blocks : sequence of int
        Layers per dense block.
    growth_rate : int
        Channels each layer adds.
    stem_filters : int
        Channels of the stem's convolution.
    bottleneck : int, optional
        ``None``: d2l's layers; an int: DenseNet-BC's 1x1 bottleneck to
        ``bottleneck * growth_rate`` channels (see :func:`dense_block`).
    stem : {"imagenet", "small"}
        ``"imagenet"``: a 7x7 stride-2 convolution, BN, ReLU and a 3x3
        stride-2 max-pool; ``"small"``: a 3x3 stride-1 convolution, BN and
        ReLU, for 28x28 images.

    Returns
    -------
    keras.Model

    Examples
    --------
    >>> net = densenet((28, 28, 1), growth_rate=8, stem_filters=16, stem="small")
    >>> net.output.shape
    (None, 10)
    """
    import keras
    from keras import layers

    stem = checks.choice(stem, "stem", STEMS)
    input_shape, num_classes = checks.net("DenseNet", input_shape, num_classes)
    _check_positive(growth_rate=growth_rate, stem_filters=stem_filters)
    blocks = tuple(blocks)
    if not blocks:
        raise ValueError("blocks must list at least one dense block")
    for count in blocks:
        checks.integer(count, "blocks", low=1)
    bc = bottleneck is not None
    inputs = keras.Input(input_shape)
    if stem == "imagenet":
        x = layers.Conv2D(stem_filters, 7, strides=2, padding="same", use_bias=not bc)(inputs)
    else:
        x = layers.Conv2D(stem_filters, 3, padding="same", use_bias=not bc)(inputs)
    x = layers.BatchNormalization(epsilon=1.001e-5)(x)
    x = layers.Activation("relu")(x)
    if stem == "imagenet":
        x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
    for i, count in enumerate(blocks):
        x = dense_block(x, count, growth_rate, bottleneck=bottleneck)
        if i < len(blocks) - 1:
            x = transition_block(x, x.shape[-1] // 2, use_bias=not bc)
    x = layers.BatchNormalization(epsilon=1.001e-5)(x)
    x = layers.Activation("relu")(x)
    x = layers.GlobalAveragePooling2D()(x)
    name = "densenet121" if tuple(blocks) == DENSENET121_BLOCKS and bc else "densenet"
    return keras.Model(inputs, classifier(num_classes)(x), name=name)


def separable_block(x, filters, strides=1):
    """Depthwise-separable convolution (MobileNet): a 3x3 depthwise convolution, then a 1x1 pointwise one.

    Each is followed by batch normalization and ReLU. A k x k convolution from
    C to F channels costs ``k*k*C*F`` multiply-adds per pixel; this block costs
    ``k*k*C + C*F``.
    """
    from keras import layers

    _check_positive(filters=filters, strides=strides)
    x = layers.DepthwiseConv2D(3, strides=strides, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.Conv2D(filters, 1, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return layers.Activation("relu")(x)


def small_mobilenet(input_shape=(96, 96, 3), num_classes=10, width=32):
    """A small MobileNet-style net: a strided 3x3 stem, then separable blocks doubling channels as they stride.

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)``.
    num_classes : int
        Output classes, at least 2.
    width : int
        Filters of the stem; the separable blocks have 2 to 16 times as many.

    Returns
    -------
    keras.Model
    """
    import keras
    from keras import layers

    input_shape, num_classes = checks.net("The small MobileNet", input_shape, num_classes)
    width = checks.integer(width, "width", low=1)
    inputs = keras.Input(input_shape)
    x = layers.Conv2D(width, 3, strides=2, padding="same", use_bias=False)(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    for multiple, strides in ((2, 1), (4, 2), (4, 1), (8, 2), (8, 1), (16, 2), (16, 1)):
        x = separable_block(x, width * multiple, strides)
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, classifier(num_classes)(x), name="small_mobilenet")


def _divisible(value, divisor=8):
    """``value`` rounded to a multiple of ``divisor``, never below 90% of it (MobileNet's channel rule)."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


def inverted_residual_block(x, filters, expansion=6, strides=1):
    """MobileNetV2's inverted residual: 1x1 expansion, 3x3 depthwise, 1x1 linear projection, shortcut.

    The block widens its input ``expansion`` times (BN, ReLU6), filters each
    channel on its own with a 3x3 depthwise convolution (BN, ReLU6), and
    projects back to ``filters`` channels with no activation (a "linear
    bottleneck"). The input is added when the shapes allow (stride 1, same
    channels). ``expansion=1`` leaves out the first 1x1 convolution.
    """
    from keras import layers

    _check_positive(filters=filters, expansion=expansion, strides=strides)
    channels = x.shape[-1]
    y = x
    if expansion != 1:
        y = layers.Conv2D(expansion * channels, 1, use_bias=False)(y)
        y = layers.BatchNormalization(epsilon=1e-3, momentum=0.999)(y)
        y = layers.ReLU(6.0)(y)
    y = layers.DepthwiseConv2D(3, strides=strides, padding="same", use_bias=False)(y)
    y = layers.BatchNormalization(epsilon=1e-3, momentum=0.999)(y)
    y = layers.ReLU(6.0)(y)
    y = layers.Conv2D(filters, 1, use_bias=False)(y)
    y = layers.BatchNormalization(epsilon=1e-3, momentum=0.999)(y)
    if strides == 1 and channels == filters:
        y = layers.Add()([x, y])
    return y


#: MobileNetV2 (Sandler et al., 2018): (expansion t, channels c, blocks n, first stride s) per stage.
MOBILENET_V2_STAGES = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                       (6, 160, 3, 2), (6, 320, 1, 1))


def mobilenet_v2(input_shape=(224, 224, 3), num_classes=1000, width=1.0, last_filters=1280, stem="imagenet",
                 stages=MOBILENET_V2_STAGES):
    """MobileNetV2: a 3x3 stem, inverted residual blocks, a 1x1 convolution to ``last_filters``, global pooling.

    With the defaults it is the paper's net, with 3,538,984 parameters like
    ``keras.applications.MobileNetV2``. Channels are multiplied by ``width``
    and rounded to multiples of 8, as in Keras.

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)``.
    num_classes : int
        Output classes, at least 2.
    width : float
        The width multiplier (the paper's alpha).
    last_filters : int
        Channels of the last 1x1 convolution.
    stem : {"imagenet", "small"}
        ``"imagenet"``: the paper's 3x3 convolution with stride 2;
        ``"small"``: stride 1, for 28x28 images.
    stages : sequence of (int, int, int, int)
        ``(expansion, channels, blocks, first stride)`` per stage.

    Returns
    -------
    keras.Model

    Examples
    --------
    >>> mobilenet_v2((28, 28, 1), 10, width=0.25, last_filters=128, stem="small").output.shape
    (None, 10)
    """
    import keras
    from keras import layers

    stem = checks.choice(stem, "stem", STEMS)
    input_shape, num_classes = checks.net("MobileNetV2", input_shape, num_classes, width=width)
    checks.integer(last_filters, "last_filters", low=1)
    inputs = keras.Input(input_shape)
    x = layers.Conv2D(_divisible(32 * width), 3, strides=2 if stem == "imagenet" else 1, padding="same",
                      use_bias=False)(inputs)
    x = layers.BatchNormalization(epsilon=1e-3, momentum=0.999)(x)
    x = layers.ReLU(6.0)(x)
    for expansion, channels, count, strides in stages:
        for i in range(count):
            x = inverted_residual_block(x, _divisible(channels * width), expansion, strides if i == 0 else 1)
    x = layers.Conv2D(last_filters, 1, use_bias=False)(x)
    x = layers.BatchNormalization(epsilon=1e-3, momentum=0.999)(x)
    x = layers.ReLU(6.0)(x)
    x = layers.GlobalAveragePooling2D()(x)
    name = "mobilenet_v2" if width == 1 and stem == "imagenet" else "small_mobilenet_v2"
    return keras.Model(inputs, classifier(num_classes)(x), name=name)


def layer_scale(x, init=1e-6):
    """ConvNeXt's layer scale: each channel multiplied by a learned factor that starts at ``init``.

    Written as a 1x1 depthwise convolution without bias, which is exactly a
    per-channel product: one weight per channel.
    """
    import keras
    from keras import layers

    checks.real(init, "init", positive=True)
    return layers.DepthwiseConv2D(1, use_bias=False,
                                  depthwise_initializer=keras.initializers.Constant(init))(x)


def convnext_block(x, kernel_size=7, expansion=4, scale=1e-6):
    """ConvNeXt's block (Liu et al., 2022): 7x7 depthwise, LayerNorm, 1x1 to 4C, GELU, 1x1 back to C, shortcut.

    One normalization and one activation per block, an inverted bottleneck
    (the 1x1 convolutions are dense layers on every pixel) and a layer scale
    (see :func:`layer_scale`; ``scale=None`` leaves it out). Height, width
    and channels stay.
    """
    from keras import layers

    _check_positive(kernel_size=kernel_size, expansion=expansion)
    channels = x.shape[-1]
    y = layers.DepthwiseConv2D(kernel_size, padding="same")(x)
    y = layers.LayerNormalization(epsilon=1e-6)(y)
    y = layers.Dense(expansion * channels)(y)
    y = layers.Activation("gelu")(y)
    y = layers.Dense(channels)(y)
    if scale is not None:
        y = layer_scale(y, scale)
    return layers.Add()([x, y])


#: ConvNeXt-T: blocks per stage and channels per stage.
CONVNEXT_TINY = ((3, 3, 9, 3), (96, 192, 384, 768))


def convnext(input_shape=(224, 224, 3), num_classes=1000, depths=CONVNEXT_TINY[0], dims=CONVNEXT_TINY[1],
             kernel_size=7, stem="imagenet"):
    """ConvNeXt: a patchify stem, stages of ConvNeXt blocks with separate downsampling layers, global pooling.

    With the defaults it is ConvNeXt-T, with 28,589,128 parameters like
    ``keras.applications.ConvNeXtTiny`` (stochastic depth, a training
    device, is left out: it has no weights).

    Parameters
    ----------
    input_shape : tuple of int
        ``(height, width, channels)``.
    num_classes : int
        Output classes, at least 2.
    depths, dims : sequence of int
        Blocks and channels per stage.
    kernel_size : int
        Side of the depthwise kernels.
    stem : {"imagenet", "small"}
        ``"imagenet"``: 4x4 patches with stride 4 (the paper's);
        ``"small"``: 2x2 patches, for 28x28 images.

    Returns
    -------
    keras.Model

    Examples
    --------
    >>> convnext((28, 28, 1), 10, depths=(1, 1), dims=(8, 16), stem="small").output.shape
    (None, 10)
    """
    import keras
    from keras import layers

    stem = checks.choice(stem, "stem", STEMS)
    input_shape, num_classes = checks.net("ConvNeXt", input_shape, num_classes)
    depths, dims = tuple(depths), tuple(dims)
    if not depths or len(depths) != len(dims):
        raise ValueError(f"depths and dims must give one value per stage, got {depths} and {dims}")
    for count in depths:
        checks.integer(count, "depths", low=1)
    for channels in dims:
        checks.integer(channels, "dims", low=1)
    patch = 4 if stem == "imagenet" else 2
    inputs = keras.Input(input_shape)
    x = layers.Conv2D(dims[0], patch, strides=patch)(inputs)
    x = layers.LayerNormalization(epsilon=1e-6)(x)
    for i, (count, channels) in enumerate(zip(depths, dims)):
        if i > 0:
            # Downsampling of its own between stages: LayerNorm, then 2x2 patches.
            x = layers.LayerNormalization(epsilon=1e-6)(x)
            x = layers.Conv2D(channels, 2, strides=2, padding="same")(x)
        for _ in range(count):
            x = convnext_block(x, kernel_size)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.LayerNormalization(epsilon=1e-6)(x)
    name = "convnext_tiny" if (depths, dims) == CONVNEXT_TINY and stem == "imagenet" else "convnext"
    return keras.Model(inputs, classifier(num_classes)(x), name=name)


#: The ConvNeXt path in miniature: each step adds one of Liu et al.'s changes to the one before.
CONVNEXT_PATH = ("resnet", "patchify", "depthwise", "inverted_bottleneck", "large_kernel", "convnext")


def convnext_path(step, input_shape=(28, 28, 1), num_classes=10, width=0.125, widen=1.5):
    """A small ResNet modernized up to ``step`` of :data:`CONVNEXT_PATH`, as Liu et al. (2022) did at full size.

    * ``"resnet"``: :func:`resnet18` with the small stem and ``width``
      (chapter 11's ResNet at ``width=0.125``).
    * ``"patchify"``: the stem becomes a 2x2 convolution with stride 2 (BN, ReLU).
    * ``"depthwise"``: every 3x3 convolution of a block becomes a 3x3
      depthwise one followed by a 1x1 (BN and ReLU after each), and the
      channels grow ``widen`` times, as the paper widened its net.
    * ``"inverted_bottleneck"``: the block becomes MobileNetV2's: 1x1 to 4C,
      3x3 depthwise, 1x1 back to C.
    * ``"large_kernel"``: the depthwise convolution moves to the front and
      grows to 7x7.
    * ``"convnext"``: the micro design: one LayerNorm and one GELU per block,
      layer scale, no activation after the addition, separate downsampling
      layers; this is :func:`convnext` with these stages.

    Parameters
    ----------
    step : str
        One of :data:`CONVNEXT_PATH`.
    input_shape : tuple of int
        ``(height, width, channels)``.
    num_classes : int
        Output classes, at least 2.
    width : float
        Multiplies the filters of ResNet-18's stages (64 to 512).
    widen : float
        How many times the channels grow from the ``"depthwise"`` step on.

    Returns
    -------
    keras.Model

    Examples
    --------
    >>> [convnext_path(step).output.shape for step in CONVNEXT_PATH[:2]]
    [(None, 10), (None, 10)]
    """
    import keras
    from keras import layers

    step = checks.choice(step, "step", CONVNEXT_PATH)
    widen = checks.real(widen, "widen", positive=True)
    input_shape, num_classes = checks.net("The ConvNeXt path", input_shape, num_classes, width=width)
    n = _scaler(width)
    stages = tuple((blocks, n(filters)) for blocks, filters in RESNET18_STAGES)
    level = CONVNEXT_PATH.index(step)
    if level == 0:
        net = resnet18(input_shape, num_classes, width=width, stem="small")
        return keras.Model(net.input, net.output, name="resnet")
    if level >= 2:
        stages = tuple((blocks, max(1, round(channels * widen))) for blocks, channels in stages)
    if step == "convnext":
        return convnext(input_shape, num_classes, depths=[b for b, _ in stages], dims=[c for _, c in stages],
                        stem="small")

    def bn(x, relu=True):
        x = layers.BatchNormalization()(x)
        return layers.Activation("relu")(x) if relu else x

    def separable(x, channels, strides, relu):
        x = bn(layers.DepthwiseConv2D(3, strides=strides, padding="same", use_bias=False)(x))
        return bn(layers.Conv2D(channels, 1, use_bias=False)(x), relu)

    def block(x, channels, strides):
        if step == "patchify":
            return residual_block(x, channels, strides)
        if step == "depthwise":
            y = separable(separable(x, channels, strides, True), channels, 1, False)
        elif step == "inverted_bottleneck":
            y = bn(layers.Conv2D(4 * channels, 1, use_bias=False)(x))
            y = bn(layers.DepthwiseConv2D(3, strides=strides, padding="same", use_bias=False)(y))
            y = bn(layers.Conv2D(channels, 1, use_bias=False)(y), relu=False)
        else:  # large_kernel
            y = bn(layers.DepthwiseConv2D(7, strides=strides, padding="same", use_bias=False)(x), relu=False)
            y = bn(layers.Conv2D(4 * channels, 1, use_bias=False)(y))
            y = bn(layers.Conv2D(channels, 1, use_bias=False)(y), relu=False)
        shortcut = x
        if strides != 1 or x.shape[-1] != channels:
            shortcut = bn(layers.Conv2D(channels, 1, strides=strides, use_bias=False)(x), relu=False)
        return layers.Activation("relu")(layers.Add()([y, shortcut]))

    inputs = keras.Input(input_shape)
    x = bn(layers.Conv2D(stages[0][1], 2, strides=2, use_bias=False)(inputs))
    for stage, (blocks, channels) in enumerate(stages):
        for i in range(blocks):
            x = block(x, channels, 2 if i == 0 and stage > 0 else 1)
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, classifier(num_classes)(x), name=step)


def multiply_adds(layer):
    """Multiply-adds of one forward pass of ``layer`` for one image (0 for layers without weights).

    Counts Conv2D, DepthwiseConv2D, SeparableConv2D and Dense layers: each output value of a
    convolution costs ``kernel_height * kernel_width * input_channels / groups``
    multiply-adds; each output of a dense layer, one per input (at every
    pixel, for a dense layer on a feature map).
    """
    import keras
    if isinstance(layer, keras.layers.SeparableConv2D):
        # The depthwise step at every output pixel, then the pointwise one.
        kh, kw = layer.kernel_size
        middle = layer.input.shape[-1] * layer.depth_multiplier
        return math.prod(layer.output.shape[1:3]) * (kh * kw * middle + middle * layer.filters)
    if isinstance(layer, keras.layers.DepthwiseConv2D):
        kh, kw = layer.kernel_size
        return math.prod(layer.output.shape[1:]) * kh * kw
    if isinstance(layer, keras.layers.Conv2D):
        kh, kw = layer.kernel_size
        in_channels = layer.input.shape[-1] // layer.groups
        return math.prod(layer.output.shape[1:]) * kh * kw * in_channels
    if isinstance(layer, keras.layers.Dense):
        # A dense layer on a feature map (ConvNeXt's 1x1 layers) acts at every pixel.
        return math.prod(layer.output.shape[1:-1]) * layer.input.shape[-1] * layer.units
    return 0


def layer_table(model, weighted_only=True):
    """Tabulate a model layer by layer: output shape, parameters and multiply-adds per image.

    Parameters
    ----------
    model : keras.Model
        A built functional or sequential model.
    weighted_only : bool
        Leave out layers without weights (pools, activations, dropout...).

    Returns
    -------
    list of dict
        One dict per layer with keys ``"name"``, ``"output_shape"``
        (without the batch axis), ``"params"`` and ``"macs"``.

    Examples
    --------
    >>> from cnnbook import models
    >>> [(row["name"], row["output_shape"], row["params"]) for row in layer_table(models.tfjs_convnet())]
    [('conv_1', (24, 24, 8), 208), ('conv_2', (8, 8, 16), 3216), ('classes', (10,), 2570)]
    >>> print(format_table(layer_table(models.tfjs_convnet(), weighted_only=False)[-2:]))
    layer    output shape        parameters    multiply-adds
    flatten  256                          0                0
    classes  10                       2,570            2,560
    total                             2,570            2,560
    """
    import keras

    if not isinstance(model, keras.Model):
        raise ValueError(f"model must be a keras.Model, got {type(model).__name__}")
    if not model.built:
        raise ValueError("model is not built yet; give it a keras.Input or call it on data first")
    rows = []
    for layer in model.layers:
        if weighted_only and not layer.weights:
            continue
        rows.append({"name": layer.name, "output_shape": tuple(layer.output.shape[1:]),
                     "params": layer.count_params(), "macs": multiply_adds(layer)})
    return rows


def format_table(rows):
    """Format :func:`layer_table` rows as aligned text, with a total line."""
    if not rows:
        raise ValueError("no rows to format")
    width = max(len(row["name"]) for row in rows + [{"name": "total"}])
    lines = [f"{'layer':<{width}}  {'output shape':<16}{'parameters':>14}{'multiply-adds':>17}"]
    for row in rows:
        shape = "x".join(str(d) for d in row["output_shape"])
        lines.append(f"{row['name']:<{width}}  {shape:<16}{row['params']:>14,}{row['macs']:>17,}")
    total_params = sum(row["params"] for row in rows)
    total_macs = sum(row["macs"] for row in rows)
    lines.append(f"{'total':<{width}}  {'':<16}{total_params:>14,}{total_macs:>17,}")
    return "\n".join(lines)
