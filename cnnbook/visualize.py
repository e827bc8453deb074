"""Looking inside a trained convnet: filter patterns, Grad-CAM, and the randomized-weights sanity check.

* :func:`filter_pattern` finds, by regularized gradient ascent on the input,
  an image that makes one channel of one layer respond strongly (jitter, blur
  and a small L2 penalty keep the pattern readable);
* :func:`grad_cam` computes a Grad-CAM heat map (Selvaraju et al., 2017) for
  one image and one class;
* :func:`randomized_copy` returns the same architecture with freshly
  initialized weights, for the sanity check of Adebayo et al. (2018): an
  explanation that looks the same for a trained net and for a random one says
  little about what the net learned;
* :func:`share_on_mask` and :func:`rank_correlation` put numbers on such
  comparisons.

The gradients are taken with TensorFlow's ``GradientTape``, so
:func:`filter_pattern` and :func:`grad_cam` need Keras' TensorFlow backend.
"""

import numpy as np

from cnnbook import checks


def _layer(model, layer_name):
    names = [layer.name for layer in model.layers]
    if layer_name not in names:
        raise ValueError(f"layer_name {layer_name!r} is not a layer of {model.name!r}; "
                         f"its layers are {', '.join(names)}")
    return model.get_layer(layer_name)


def _blur(image, sigma):
    """Gaussian blur of a (1, H, W, C) tensor, channel by channel, with reflected borders."""
    import tensorflow as tf

    radius = max(1, int(round(2 * sigma)))
    x = np.arange(-radius, radius + 1, dtype="float32")
    kernel = np.exp(-0.5 * (x / sigma) ** 2)
    kernel /= kernel.sum()
    channels = image.shape[-1]
    kernel_2d = np.outer(kernel, kernel)[:, :, None, None] * np.ones((1, 1, channels, 1), "float32")
    padded = tf.pad(image, [[0, 0], [radius, radius], [radius, radius], [0, 0]], mode="REFLECT")
    return tf.nn.depthwise_conv2d(padded, kernel_2d, strides=[1, 1, 1, 1], padding="VALID")


def filter_pattern(model, layer_name, channel, steps=128, step_size=0.05, jitter=2, blur_sigma=0.5,
                   blur_every=4, l2=0.0, seed=0):
    """Return an input that makes one channel of a layer respond strongly, found by gradient ascent.

    Starting from gray with a little noise, each step shifts the image by a
    random offset of up to ``jitter`` pixels (so that the pattern cannot rely on
    one exact pixel position), moves it along the normalized gradient of the
    channel's mean output (minus ``l2`` times the mean squared deviation from
    gray) and clips it to [0, 1]; every ``blur_every`` steps a Gaussian blur
    removes the high-frequency noise that gradients on their own produce.

    Parameters
    ----------
    model : keras.Model
        A model whose input is images in [0, 1].
    layer_name : str
        The layer whose output is maximized; take a layer *before* its ReLU
        (a convolution without activation) so that the gradient is not zero
        where the unit is off.
    channel : int
        The channel of that layer's output.
    steps : int
        Gradient steps.
    step_size : float
        Size of each step, in units of the gradient's root mean square.
    jitter : int
        Largest random shift in pixels per step (0: none).
    blur_sigma : float
        Standard deviation of the blur in pixels (0: none).
    blur_every : int
        Blur after every this many steps.
    l2 : float
        Weight of the penalty on the image's mean squared distance from gray.
    seed : int
        Seed of the starting noise and the jitter.

    Returns
    -------
    image : numpy.ndarray
        The pattern, shaped like one input image, values in [0, 1].
    history : list of float
        The channel's mean output (without the penalty) after each step.

    Examples
    --------
    >>> import keras
    >>> inputs = keras.Input((12, 12, 1))
    >>> model = keras.Model(inputs, keras.layers.Conv2D(2, 3, name="conv")(inputs))
    >>> image, history = filter_pattern(model, "conv", 0, steps=8)
    >>> image.shape, history[-1] > history[0]
    ((12, 12, 1), True)
    """
    import keras
    import tensorflow as tf

    layer = _layer(model, layer_name)
    channels = layer.output.shape[-1]
    channel = checks.integer(channel, "channel", low=0, high=channels - 1)
    steps = checks.integer(steps, "steps", low=1)
    jitter = checks.integer(jitter, "jitter", low=0)
    blur_every = checks.integer(blur_every, "blur_every", low=1)
    if step_size <= 0:
        raise ValueError(f"step_size must be positive, got {step_size}")
    if blur_sigma < 0 or l2 < 0:
        raise ValueError(f"blur_sigma and l2 must be at least 0, got {blur_sigma} and {l2}")
    extractor = keras.Model(model.inputs[0], layer.output)
    rng = np.random.default_rng(seed)
    shape = tuple(model.inputs[0].shape[1:])
    image = tf.Variable(0.5 + 0.05 * rng.standard_normal((1, *shape)).astype("float32"))
    history = []
    for step in range(steps):
        dy, dx = rng.integers(-jitter, jitter + 1, size=2) if jitter else (0, 0)
        with tf.GradientTape() as tape:
            shifted = tf.roll(image, shift=(int(dy), int(dx)), axis=(1, 2))
            response = tf.reduce_mean(extractor(shifted, training=False)[..., channel])
            objective = response - l2 * tf.reduce_mean(tf.square(image - 0.5))
        gradient = tape.gradient(objective, image)
        gradient /= tf.sqrt(tf.reduce_mean(tf.square(gradient))) + 1e-8
        updated = tf.clip_by_value(image + step_size * gradient, 0, 1)
        if blur_sigma > 0 and (step + 1) % blur_every == 0:
            updated = _blur(updated, blur_sigma)
        image.assign(updated)
        history.append(float(tf.reduce_mean(extractor(image, training=False)[..., channel])))
    return image.numpy()[0], history


def grad_cam(model, image, layer_name, class_index=None):
    """Grad-CAM heat map of one image for one class, scaled to [0, 1].

    Each channel :math:`A^k` of the layer is weighted by the mean gradient of
    the class score with respect to it, :math:`\\alpha_k`, and the map is
    :math:`\\operatorname{ReLU}(\\sum_k \\alpha_k A^k)`, divided by its maximum.

    Parameters
    ----------
    model : keras.Model
        A classifier with a softmax (or sigmoid) output.
    image : array_like
        One input image, shaped like the model's input without the batch axis.
    layer_name : str
        A layer with a spatial output, usually the last convolution.
    class_index : int, optional
        The class to explain; by default the one the model predicts.

    Returns
    -------
    heat : numpy.ndarray
        Shaped like the layer's height and width; all zeros when no position
        has positive evidence.
    class_index : int
        The class explained.

    Examples
    --------
    >>> import keras
    >>> inputs = keras.Input((8, 8, 1))
    >>> x = keras.layers.Conv2D(4, 3, activation="relu", name="conv")(inputs)
    >>> x = keras.layers.GlobalAveragePooling2D()(x)
    >>> model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(x))
    >>> heat, k = grad_cam(model, np.ones((8, 8, 1), "float32"), "conv")
    >>> heat.shape, bool(0 <= heat.min() <= heat.max() <= 1)
    ((6, 6), True)
    """
    import keras
    import tensorflow as tf

    layer = _layer(model, layer_name)
    if len(layer.output.shape) != 4:
        raise ValueError(f"layer_name must name a layer with (height, width, channels) output, "
                         f"got {layer_name!r} with shape {layer.output.shape}")
    image = np.asarray(image, dtype="float32")
    if image.shape != tuple(model.inputs[0].shape[1:]):
        raise ValueError(f"image must have the model's input shape {tuple(model.inputs[0].shape[1:])}, "
                         f"got {image.shape}")
    cam_model = keras.Model(model.inputs[0], [layer.output, model.outputs[0]])
    with tf.GradientTape() as tape:
        maps, probabilities = cam_model(image[None], training=False)
        if class_index is None:
            class_index = int(tf.argmax(probabilities[0]))
        class_index = checks.integer(class_index, "class_index", low=0, high=probabilities.shape[-1] - 1)
        score = probabilities[0, class_index]
    gradients = tape.gradient(score, maps)[0]
    weights = tf.reduce_mean(gradients, axis=(0, 1))
    heat = tf.nn.relu(tf.reduce_sum(maps[0] * weights, axis=-1)).numpy()
    top = heat.max()
    return (heat / top if top > 0 else heat), class_index


def randomized_copy(model, seed=0):
    """Return a model with the same layers as ``model`` and freshly initialized weights.

    Parameters
    ----------
    model : keras.Model
    seed : int
        Seed of the new weights.

    Examples
    --------
    >>> import keras
    >>> inputs = keras.Input((4,))
    >>> model = keras.Model(inputs, keras.layers.Dense(3)(inputs))
    >>> copy = randomized_copy(model)
    >>> copy.count_params() == model.count_params()
    True
    >>> bool(np.allclose(copy.get_weights()[0], model.get_weights()[0]))
    False
    """
    import keras

    keras.utils.set_random_seed(seed)
    return keras.models.clone_model(model)


def share_on_mask(heat, mask):
    """Return the fraction of a heat map's total that falls on the pixels where ``mask`` is true.

    Parameters
    ----------
    heat : array_like of float
        Non-negative values.
    mask : array_like of bool
        Same shape as ``heat``.

    Examples
    --------
    >>> share_on_mask([[1, 3], [0, 0]], [[False, True], [False, False]])
    0.75
    """
    heat, mask = np.asarray(heat, dtype=float), np.asarray(mask, dtype=bool)
    if heat.shape != mask.shape:
        raise ValueError(f"heat and mask must have the same shape, got {heat.shape} and {mask.shape}")
    if np.any(heat < 0):
        raise ValueError("heat must be non-negative")
    total = heat.sum()
    return float(heat[mask].sum() / total) if total > 0 else float("nan")


def rank_correlation(a, b):
    """Spearman's rank correlation of two arrays of the same shape (ties get their mean rank).

    Examples
    --------
    >>> rank_correlation([1, 2, 3, 4], [10, 20, 30, 40])
    1.0
    >>> rank_correlation([1, 2, 3, 4], [4, 3, 2, 1])
    -1.0
    """
    a, b = np.ravel(np.asarray(a, dtype=float)), np.ravel(np.asarray(b, dtype=float))
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same number of values, got {a.size} and {b.size}")
    ranks = [_ranks(v) for v in (a, b)]
    if min(r.std() for r in ranks) == 0:
        return float("nan")
    return float(np.corrcoef(*ranks)[0, 1])


def _ranks(values):
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values))
    sorted_values = values[order]
    # Mean rank for ties.
    start = 0
    for end in range(1, len(values) + 1):
        if end == len(values) or sorted_values[end] != sorted_values[start]:
            ranks[order[start:end]] = (start + end - 1) / 2
            start = end
    return ranks
