"""Looking inside a trained convnet: filter patterns, Grad-CAM, occlusion, and the randomized-weights sanity checks.

* :func:`filter_pattern` finds, by regularized gradient ascent on the input,
  an image that makes one channel of one layer respond strongly (jitter, blur
  and a small L2 penalty keep the pattern readable);
* :func:`grad_cam` computes Grad-CAM heat maps (Selvaraju et al., 2017) of
  the class logit for one image or a batch;
* :func:`occlusion` measures, without gradients, how much the class score
  drops when a square of the image is covered (Zeiler and Fergus, 2014);
* :func:`randomized_copy` returns the same architecture with freshly
  initialized weights, and :func:`cascading_randomization` copies with the
  layers re-initialized one after another from the top, for the sanity
  checks of Adebayo et al. (2018): an explanation that looks the same for a
  trained net and for a random one says little about what the net learned;
* :func:`share_on_mask`, :func:`field_coverage` and :func:`rank_correlation`
  put numbers on such comparisons.

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


def _scored(model, layer, score):
    """A probe model giving ``[layer's maps, ...] + [what the scores are read from]`` and a function to the scores.

    With ``score="logit"`` the scores are the last layer's pre-activation:
    a final ``Dense`` layer's ``x @ kernel + bias`` recomputed from its
    input (whatever its activation), or the input of a final ``Softmax`` or
    ``Activation`` layer. With ``score="output"`` they are the model's output.
    """
    import keras

    score = checks.choice(score, "score", ("logit", "output"))
    last = model.layers[-1]
    if score == "output":
        read, finish = model.outputs[0], (lambda t: t)
    elif isinstance(last, keras.layers.Dense):
        read = last.input

        def finish(t):
            logits = keras.ops.matmul(t, last.kernel)
            return logits + last.bias if last.use_bias else logits
    elif isinstance(last, (keras.layers.Softmax, keras.layers.Activation)):
        read, finish = last.input, (lambda t: t)
    else:
        raise ValueError(f"score='logit' needs a model whose last layer is Dense, Softmax or Activation; "
                         f"{model.name!r} ends in {last.name!r} ({type(last).__name__}); use score='output'")
    outputs = [read] if layer is None else [layer.output, read]
    return keras.Model(model.inputs[0], outputs), finish


def _batch(model, images, name):
    """``images`` as a float32 batch shaped like the model's input, and whether one image was given."""
    shape = tuple(model.inputs[0].shape[1:])
    x = checks.array(images, name, ndim=(len(shape), len(shape) + 1), dtype="float32")
    single = x.ndim == len(shape)
    if tuple(x.shape[int(not single):]) != shape:
        raise ValueError(f"{name} must be one image of the model's input shape {shape} or a batch of them, "
                         f"got {x.shape}")
    return (x[None] if single else x), single


def _classes(class_index, scores, name="class_index"):
    """One class per image: the highest score's by default, or the ``class_index`` given (one int or one per image)."""
    n, classes = scores.shape
    if class_index is None:
        return np.argmax(scores, axis=1)
    values = np.broadcast_to(np.asarray(class_index), (n,)) if np.ndim(class_index) == 0 else class_index
    if len(values) != n:
        raise ValueError(f"{name} must be one integer or one per image ({n}), got {len(values)}")
    return np.array([checks.integer(v, name, low=0, high=classes - 1) for v in values])


def grad_cam(model, image, layer_name, class_index=None, score="logit"):
    """Grad-CAM heat map of one image (or a batch) for one class, each map scaled to [0, 1].

    Each channel :math:`A^k` of the layer is weighted by the mean gradient of
    the class score :math:`y^c` with respect to it, :math:`\\alpha_k`, and the
    map is :math:`\\operatorname{ReLU}(\\sum_k \\alpha_k A^k)`, divided by its
    maximum. As in Selvaraju et al. (2017), :math:`y^c` is the class's
    *logit*, the score before the softmax: the softmax probability's gradient,
    :math:`p_c(\\nabla y^c - \\sum_j p_j \\nabla y^j)`, vanishes when the net
    is sure (:math:`p_c \\to 1`), and its maps come out all zero.

    Parameters
    ----------
    model : keras.Model
        A classifier ending in a ``Dense`` layer (any activation) or in a
        ``Softmax`` or ``Activation`` layer.
    image : array_like
        One input image, shaped like the model's input without the batch
        axis, or a batch of them.
    layer_name : str
        A layer with a spatial output, usually the last convolution.
    class_index : int or sequence of int, optional
        The class to explain (one for all images, or one per image); by
        default the one the model predicts for each image.
    score : {"logit", "output"}
        Differentiate the class's logit (the method's definition), or the
        model's output (the softmax probability), for comparison.

    Returns
    -------
    heat : numpy.ndarray
        Shaped like the layer's height and width (with a leading batch axis
        for a batch); a map is all zeros when no position has positive
        evidence: count such maps, they have no share to average.
    class_index : int or numpy.ndarray
        The class explained (one per image for a batch).

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
    >>> heats, ks = grad_cam(model, np.ones((5, 8, 8, 1)), "conv", class_index=2)
    >>> heats.shape, ks.tolist()
    ((5, 6, 6), [2, 2, 2, 2, 2])
    """
    import tensorflow as tf

    layer = _layer(model, layer_name)
    if len(layer.output.shape) != 4:
        raise ValueError(f"layer_name must name a layer with (height, width, channels) output, "
                         f"got {layer_name!r} with shape {layer.output.shape}")
    batch, single = _batch(model, image, "image")
    cam_model, finish = _scored(model, layer, score)
    batch = tf.constant(batch)
    with tf.GradientTape() as tape:
        maps, read = cam_model(batch, training=False)
        scores = finish(read)
        classes = _classes(class_index, np.asarray(scores))
        picked = tf.gather(scores, classes.astype("int32"), axis=1, batch_dims=1)
        total = tf.reduce_sum(picked)
    gradients = tape.gradient(total, maps)
    weights = tf.reduce_mean(gradients, axis=(1, 2))
    heat = tf.nn.relu(tf.einsum("nhwc,nc->nhw", maps, weights)).numpy()
    top = heat.max(axis=(1, 2), keepdims=True)
    heat = np.where(top > 0, heat / np.where(top > 0, top, 1), 0).astype("float32")
    return (heat[0], int(classes[0])) if single else (heat, classes)


def occlusion(model, images, patch, stride, class_index=None, value=0.0, score="logit", batch_size=512):
    """Occlusion sensitivity (Zeiler and Fergus, 2014): how much the class score drops when a square is covered.

    A ``patch`` x ``patch`` square of ``value`` is slid over each image in
    steps of ``stride``, laid out like a "same" convolution: there are
    ``ceil(side / stride)`` positions per axis, and the squares overhang the
    image equally (or one pixel more at the end) where
    ``(positions - 1) * stride + patch`` exceeds the side. Patch 8 and stride
    4 on 28 pixels give a 7 x 7 map whose squares are centred on pixels 1.5,
    5.5, ..., 25.5. No gradient is needed, only forward passes.

    Parameters
    ----------
    model : keras.Model
        A classifier (see :func:`grad_cam` for ``score``).
    images : array_like
        A batch shaped ``(n, *input_shape)``.
    patch, stride : int
        Side of the square and step between squares, in pixels.
    class_index : int or sequence of int, optional
        The class whose score is watched; by default each image's prediction.
    value : float
        What the square is filled with (0: Fashion-MNIST's black background).
    score : {"logit", "output"}
        Watch the class's logit or the model's output.
    batch_size : int
        Occluded images per forward pass.

    Returns
    -------
    drop : numpy.ndarray, shape (n, rows, columns)
        The score of the image minus the score with the square at each
        position: positive where the covered pixels were evidence for the class.
    class_index : numpy.ndarray
        The class watched for each image.

    Examples
    --------
    >>> import keras
    >>> inputs = keras.Input((6, 6, 1))
    >>> x = keras.layers.Flatten()(inputs)
    >>> model = keras.Model(inputs, keras.layers.Dense(2, use_bias=False)(x))
    >>> weights = np.zeros((36, 2), "float32"); weights[0, 1] = 1.0
    >>> model.layers[-1].set_weights([weights])
    >>> drop, k = occlusion(model, np.ones((1, 6, 6, 1)), patch=2, stride=2, class_index=1)
    >>> drop[0].tolist()  # only the square over pixel (0, 0) moves class 1's score
    [[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    """
    x, single = _batch(model, images, "images")
    if single:
        raise ValueError(f"images must be a batch (n, {', '.join(map(str, x.shape[1:]))}); "
                         "add a leading axis for one image")
    patch = checks.integer(patch, "patch", low=1)
    stride = checks.integer(stride, "stride", low=1)
    value = checks.real(value, "value")
    batch_size = checks.integer(batch_size, "batch_size", low=1)
    probe, finish = _scored(model, None, score)

    def scores(batch):
        return np.concatenate([np.asarray(finish(probe(batch[i:i + batch_size], training=False)))
                               for i in range(0, len(batch), batch_size)])

    sides = x.shape[1:3]
    starts = []
    for side in sides:
        if patch > side:
            raise ValueError(f"patch must be at most the image's side {side}, got {patch}")
        count = -(-side // stride)
        overhang = max((count - 1) * stride + patch - side, 0)
        starts.append([k * stride - overhang // 2 for k in range(count)])
    corners = [(r, c) for r in starts[0] for c in starts[1]]
    checks.budget((len(corners), *x.shape[1:]), "one image's occluded copies")
    base = scores(x)
    classes = _classes(class_index, base)
    drop = np.empty((len(x), len(corners)), "float32")
    for i, image in enumerate(x):
        covered = np.repeat(image[None], len(corners), axis=0)
        for j, (r, c) in enumerate(corners):
            covered[j, max(r, 0):r + patch, max(c, 0):c + patch] = value
        drop[i] = base[i, classes[i]] - scores(covered)[:, classes[i]]
    return drop.reshape(len(x), len(starts[0]), len(starts[1])), classes


def cascading_randomization(model, layer_names, seed=0):
    """Copies of ``model`` with more and more of its layers re-initialized, in the order given (Adebayo et al., 2018).

    Adebayo et al.'s *cascading* randomization starts at the top: copy 1 has
    the first layer of ``layer_names`` (usually the output layer) re-initialized,
    copy 2 that one and the next, and so on; the other layers keep their
    trained weights. The new weights are those of
    ``randomized_copy(model, seed)``, so the last copy, with every layer named,
    is that random copy wherever the named layers hold all the weights.

    Parameters
    ----------
    model : keras.Model
    layer_names : sequence of str
        Layers with weights, from the top down.
    seed : int
        Seed of the new weights.

    Returns
    -------
    list of keras.Model
        One copy per name; copy ``i`` has ``layer_names[:i + 1]`` re-initialized.

    Examples
    --------
    >>> import keras
    >>> inputs = keras.Input((4,))
    >>> hidden = keras.layers.Dense(3, name="hidden")(inputs)
    >>> model = keras.Model(inputs, keras.layers.Dense(2, name="top")(hidden))
    >>> copies = cascading_randomization(model, ["top", "hidden"])
    >>> [[bool(np.array_equal(copy.get_layer(name).get_weights()[0],
    ...                       model.get_layer(name).get_weights()[0]))
    ...   for name in ("top", "hidden")] for copy in copies]
    [[False, True], [False, False]]
    """
    import keras

    names = [layer.name for layer in model.layers]
    if isinstance(layer_names, str) or not len(layer_names):
        raise ValueError(f"layer_names must be a non-empty sequence of layer names, got {layer_names!r}")
    if len(set(layer_names)) != len(layer_names):
        raise ValueError(f"layer_names must not repeat a layer, got {list(layer_names)}")
    for name in layer_names:
        if name not in names:
            raise ValueError(f"layer_names: {name!r} is not a layer of {model.name!r}; its layers are "
                             f"{', '.join(names)}")
        if not model.get_layer(name).weights:
            raise ValueError(f"layer_names: {name!r} has no weights to randomize")
    fresh = randomized_copy(model, seed)
    copies = []
    for i in range(len(layer_names)):
        copy = keras.models.clone_model(model)
        copy.set_weights(model.get_weights())
        for name in layer_names[:i + 1]:
            copy.get_layer(name).set_weights(fresh.get_layer(name).get_weights())
        copies.append(copy)
    return copies


def field_coverage(mask, row):
    """The share of each unit's receptive field, inside the image, where ``mask`` is true.

    Parameters
    ----------
    mask : array_like of bool, shape (H, W)
        For example the pixels of a garment.
    row : dict
        A layer's row of :func:`cnnbook.receptive_field.receptive_fields`.

    Returns
    -------
    numpy.ndarray
        Shaped like the layer's output (rows, columns), values in [0, 1]: 0
        where a unit's field (clipped to the image) holds no true pixel.

    Examples
    --------
    >>> from cnnbook import models
    >>> from cnnbook.receptive_field import receptive_fields
    >>> conv_3 = receptive_fields(models.chollet_convnet())[-1]
    >>> mask = np.zeros((28, 28), bool); mask[:, :14] = True
    >>> field_coverage(mask, conv_3)[0].round(2).tolist()  # columns 0-17, 4-21, 8-25
    [0.78, 0.56, 0.33]
    """
    from cnnbook.receptive_field import field_bounds

    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f"mask must be two-dimensional (H, W), got shape {mask.shape}")
    mask = mask.astype(bool)
    if not isinstance(row, dict) or "output" not in row:
        raise ValueError("row must be a row of receptive_fields(model)")
    rows, cols = row["output"]
    coverage = np.zeros((rows, cols))
    for r in range(rows):
        for c in range(cols):
            (top, bottom), (left, right) = field_bounds(row, (r, c))
            window = mask[max(top, 0):bottom + 1, max(left, 0):right + 1]
            coverage[r, c] = window.mean() if window.size else 0.0
    return coverage


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
