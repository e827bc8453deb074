"""What Keras lacks for a book about training: live curves, a results line, plots.

Training itself stays plain Keras: chapters call ``model.compile`` and
``model.fit``. This module adds

* `TrainingLog`, a callback that records every batch's loss and accuracy (not
  only epoch averages) and the wall time of training;
* `LiveCurves`, the same with one figure of training curves that is redrawn in
  place while the model trains and stays in the notebook as a clean final figure;
* `results`, one line with test accuracy, wall time and images per second, and
  the :class:`Run` record that :func:`cnnbook.results.check` reads;
* `fit_and_test`, the compile, fit and `results` block that training chapters
  repeat, and `EpochLine`, one printed line per epoch;
* `kernel_gradient_norms`, the size of the loss's gradient at each layer's
  weights, to see where gradients vanish;
* `seconds_per_step`, a fair timing of training steps of several models;
* `plot_history`, `confusion_matrix`, `plot_confusion_matrix` and
  `show_misclassified` for looking at what a model learned.

Everything here but `kernel_gradient_norms` (which takes its gradient with
TensorFlow's ``GradientTape``, the book's backend) uses Keras callbacks and
NumPy only, so it works on every Keras backend. Importing this module imports
Keras.
"""

import dataclasses
import io
import time

import keras
import numpy as np


class TrainingLog(keras.callbacks.Callback):
    """Record each batch's loss and metrics, each epoch's logs and the training time.

    During an epoch Keras reports *running means* (the mean over the batches
    of the epoch so far). This callback recovers each batch's own value from
    two consecutive running means, ``k * m_k - (k - 1) * m_(k-1)``, so that
    curves can be drawn against iterations.

    Attributes
    ----------
    batches : dict of str to list of float
        Per-batch values by metric name (``"loss"``, ``"accuracy"``, ...).
    epochs : dict of str to list of float
        Keras' epoch logs (training means and ``val_*`` values).
    epoch_iterations : list of int
        The iteration count at the end of each epoch.
    epoch_seconds : list of float
        Wall time of each epoch, its validation included. The first epoch
        also traces and compiles the training step, so later epochs are the
        ones to compare.
    steps_per_epoch : int or None
        Batches per epoch, when Keras knows it.
    seconds : float
        Wall time from the start to the end of training.
    """

    def __init__(self):
        super().__init__()
        self.batches, self.epochs, self.epoch_iterations, self.epoch_seconds = {}, {}, [], []
        self.steps_per_epoch, self.seconds, self._epoch_started = None, 0.0, None
        self._running, self._started = {}, None

    @property
    def iterations(self):
        """Number of batches trained so far."""
        return len(self.batches.get("loss", []))

    def on_train_begin(self, logs=None):
        self._started = time.perf_counter()
        self.steps_per_epoch = (self.params or {}).get("steps")

    def on_epoch_begin(self, epoch, logs=None):
        self._running = {}
        self._epoch_started = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        for name, mean in (logs or {}).items():
            mean = float(mean)
            previous = self._running.get(name)
            value = mean if previous is None else (batch + 1) * mean - batch * previous
            self._running[name] = mean
            self.batches.setdefault(name, []).append(value)

    def on_epoch_end(self, epoch, logs=None):
        for name, value in (logs or {}).items():
            self.epochs.setdefault(name, []).append(float(value))
        self.epoch_iterations.append(self.iterations)
        self.epoch_seconds.append(time.perf_counter() - self._epoch_started)

    def on_train_end(self, logs=None):
        self.seconds = time.perf_counter() - self._started


class LiveCurves(TrainingLog):
    """Draw loss and accuracy while a model trains, in one figure updated in place.

    In Jupyter the figure is shown once and then replaced in place (an IPython
    display handle); when training ends it is drawn a last time, which is the
    figure a stored notebook keeps. Drawing is kept cheap: at most every
    `interval` seconds, and never more than about 1% of the training time (a
    slow machine redraws less often). Outside IPython nothing is shown, but the
    figure is still drawn, so timings compare.

    Parameters
    ----------
    metrics : sequence of str
        Metrics to plot, one panel each; their ``val_`` versions are added when
        there is validation data.
    interval : float
        Least number of seconds between two redraws during training.
    smooth : int
        Training values are averaged over this many batches.
    title : str, optional
        Title of the figure.

    Examples
    --------
    >>> curves = LiveCurves(title="Chollet's convnet")  # doctest: +SKIP
    >>> model.fit(x, y, epochs=5, validation_split=0.1, callbacks=[curves], verbose=2)  # doctest: +SKIP
    """

    #: Drawing may take at most this share of the time between two redraws.
    DRAW_SHARE = 0.01

    def __init__(self, metrics=("loss", "accuracy"), interval=3.0, smooth=20, title=None):
        super().__init__()
        if isinstance(metrics, str) or not metrics:
            raise ValueError(f"metrics must be a non-empty sequence of names, got {metrics!r}")
        from cnnbook import checks

        interval = checks.real(interval, "interval", low=0)
        smooth = checks.integer(smooth, "smooth", low=1)
        self.metrics, self.interval, self.smooth, self.title = tuple(metrics), interval, smooth, title
        self.figure, self._handle, self._lines, self._next_draw = None, None, {}, 0.0

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        from matplotlib.figure import Figure

        # A Figure outside pyplot: the notebook shows it only through our display
        # handle, never a second time at the end of the cell. Fixed margins, no
        # layout engine: that halves the cost of a redraw.
        self.figure = Figure(figsize=(min(7.0, 3.5 * len(self.metrics)), 3.0), dpi=80)
        self.figure.subplots_adjust(left=0.1, right=0.97, bottom=0.15, top=0.82 if self.title else 0.9, wspace=0.3)
        axes = self.figure.subplots(1, len(self.metrics), squeeze=False).flat
        self._lines = {}
        for ax, metric in zip(axes, self.metrics):
            (train,) = ax.plot([], [], label="training")
            (val,) = ax.plot([], [], "o--", color=train.get_color(), label="validation")
            self._lines[metric] = (ax, train, val)
            ax.set_title(metric)
            ax.set_xlabel("epoch")
            ax.set_ylabel(metric)
            ax.grid(alpha=0.3)
        if self.title:
            self.figure.suptitle(self.title)
        self._next_draw = self._started + self.interval

    def on_train_batch_end(self, batch, logs=None):
        super().on_train_batch_end(batch, logs)
        if time.perf_counter() >= self._next_draw:
            self._draw()

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch, logs)
        if time.perf_counter() >= self._next_draw:
            self._draw()

    def on_train_end(self, logs=None):
        super().on_train_end(logs)
        self._draw()

    def _draw(self):
        started = time.perf_counter()
        steps = self.steps_per_epoch or max(1, self.iterations)
        for metric, (ax, train, val) in self._lines.items():
            values = self.batches.get(metric, [])
            train.set_data(np.arange(1, len(values) + 1) / steps, _moving_average(values, self.smooth))
            epochs = self.epochs.get(f"val_{metric}", [])
            val.set_data(np.asarray(self.epoch_iterations[:len(epochs)]) / steps, epochs)
            if epochs and ax.get_legend() is None:
                ax.legend(loc="upper right" if metric == "loss" else "lower right", fontsize="small")
            ax.relim()
            ax.autoscale_view()
        png = io.BytesIO()
        self.figure.savefig(png, format="png")
        self._show(png.getvalue())
        finished = time.perf_counter()
        self._next_draw = finished + max(self.interval, (finished - started) / self.DRAW_SHARE)

    def _show(self, png):
        try:
            from IPython import get_ipython
            from IPython.display import Image, display
        except ImportError:
            return
        if get_ipython() is None:
            return
        if self._handle is None:
            self._handle = display(Image(data=png), display_id=True)
        else:
            self._handle.update(Image(data=png))


def _moving_average(values, window):
    values = np.asarray(values, dtype=float)
    window = max(1, min(window, len(values)))
    sums = np.cumsum(np.insert(values, 0, 0.0))
    # Shorter windows at the start, so that the curve starts at the first batch.
    counts = np.minimum(np.arange(1, len(values) + 1), window)
    ends = np.arange(1, len(values) + 1)
    return (sums[ends] - sums[ends - counts]) / counts


def _plot_log(ax, log, metric, label, x, smooth):
    """Plot one metric of a TrainingLog or keras History on ``ax``; return the colour used."""
    name = f"{label}: " if label else ""
    xlabel = "iteration (batches)" if x == "iteration" else "epoch"
    if isinstance(log, TrainingLog):
        steps = log.steps_per_epoch or max(1, log.epoch_iterations[0] if log.epoch_iterations else 1)
        scale = 1.0 if x == "iteration" else 1.0 / steps
        values = log.batches.get(metric, [])
        line = None
        if values:
            where = np.arange(1, len(values) + 1) * scale
            (line,) = ax.plot(where, _moving_average(values, smooth), label=f"{name}training")
        val = log.epochs.get(f"val_{metric}", [])
        if val:
            where = np.asarray(log.epoch_iterations[:len(val)]) * scale
            ax.plot(where, val, "o--", color=line.get_color() if line else None, label=f"{name}validation")
    else:
        history = getattr(log, "history", log)
        if metric not in history:
            raise ValueError(f"no {metric!r} in the history; it has {', '.join(history)}")
        if x == "iteration":
            raise ValueError("a keras History only has epochs; record iterations with TrainingLog")
        epochs = np.arange(1, len(history[metric]) + 1)
        (line,) = ax.plot(epochs, history[metric], "o-", label=f"{name}training")
        if f"val_{metric}" in history:
            ax.plot(epochs, history[f"val_{metric}"], "o--", color=line.get_color(), label=f"{name}validation")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(metric)
    ax.set_title(metric)
    ax.grid(alpha=0.3)


def plot_history(logs, metrics=("loss", "accuracy"), x="epoch", smooth=20, title=None, validation=True, axes=None):
    """Plot training curves of one or several runs, one panel per metric.

    Parameters
    ----------
    logs : TrainingLog, keras.callbacks.History, dict or dict of str to those
        One run (a `TrainingLog`, a Keras ``History`` or its ``.history``
        dict), or several runs by label, drawn in one figure to compare them.
    metrics : sequence of str
        Metrics to plot, one panel each.
    x : {"epoch", "iteration"}
        Horizontal axis; ``"iteration"`` needs `TrainingLog` records.
    smooth : int
        Per-batch values are averaged over this many batches.
    title : str, optional
        Title of the figure.
    validation : bool
        Also draw the ``val_`` values at the end of each epoch.
    axes : sequence of matplotlib.axes.Axes, optional
        Draw into these (one per metric) instead of a new figure, e.g. to put
        several data sets side by side.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    if x not in ("epoch", "iteration"):
        raise ValueError(f"x must be 'epoch' or 'iteration', got {x!r}")
    if isinstance(metrics, str):
        metrics = (metrics,)
    runs = logs if isinstance(logs, dict) and not _is_history_dict(logs) else {None: logs}
    if not runs:
        raise ValueError("no runs to plot")
    if axes is None:
        fig, axes = plt.subplots(1, len(metrics), figsize=(min(7.0, 3.5 * len(metrics)), 3.0),
                                 squeeze=False, layout="constrained")
        axes = axes.flat
    else:
        axes = list(np.ravel(axes))
        if len(axes) != len(metrics):
            raise ValueError(f"got {len(axes)} axes for {len(metrics)} metrics")
        fig = axes[0].figure
    for ax, metric in zip(axes, metrics):
        for label, log in runs.items():
            if not validation and isinstance(log, TrainingLog):
                log = _without_validation(log)
            _plot_log(ax, log, metric, label, x, smooth)
        ax.legend(loc="best", fontsize="small")
    if title:
        fig.suptitle(title)
    return fig


def _is_history_dict(value):
    return all(isinstance(v, (list, tuple)) for v in value.values())


def _without_validation(log):
    copy = TrainingLog()
    copy.batches, copy.epoch_iterations, copy.steps_per_epoch = log.batches, log.epoch_iterations, log.steps_per_epoch
    copy.epochs = {k: v for k, v in log.epochs.items() if not k.startswith("val_")}
    return copy


def predict_probabilities(model, images, batch_size=500):
    """Return the model's class probabilities for `images` as a NumPy array.

    The model is called directly on batches (no ``model.predict``), so that
    calling this for many models in a row does not make TensorFlow trace a new
    prediction function each time.
    """
    images = np.asarray(images)
    if not len(images):
        raise ValueError("no images to predict")
    parts = [keras.ops.convert_to_numpy(model(images[i:i + batch_size], training=False))
             for i in range(0, len(images), batch_size)]
    return np.concatenate(parts).astype(np.float32)


def predict_classes(model, images, batch_size=500):
    """Return the class with the highest predicted probability for each image (NumPy ints)."""
    return np.argmax(predict_probabilities(model, images, batch_size), axis=-1)


@dataclasses.dataclass(frozen=True, repr=False)
class Run:
    """What one training run gave on its test images: the record a result check reads.

    Attributes
    ----------
    label : str or None
        The run's name, as printed.
    accuracy : float
        Test accuracy in percent.
    loss : float
        Mean cross-entropy on the test images.
    n_train, n_test : int
        Training images (the set's size, not times the epochs) and test images.
    seconds : float
        Wall time of training.
    images_per_second : float
        Training images processed (all epochs) per second.
    parameters : int
        Parameters of the model.
    data : cnnbook.runtime.DataSource
        Where the images came from.
    seed : int or None
        The seed the run's weights were drawn with, when the chapter says it.
    chance : float
        The accuracy in percent of a classifier that learned nothing (100 / classes).
    probabilities, predictions : numpy.ndarray
        Each test image's class probabilities and most probable class.
    """

    label: object
    accuracy: float
    loss: float
    n_train: int
    n_test: int
    seconds: float
    images_per_second: float
    parameters: int
    data: object
    seed: object
    chance: float
    probabilities: np.ndarray
    predictions: np.ndarray

    def __repr__(self):
        return (f"Run({self.label!r}, accuracy={self.accuracy:.2f}%, n_train={self.n_train:,}, "
                f"n_test={self.n_test:,}, seconds={self.seconds:.1f}, data={self.data!s})")


def results(model, x_test, y_test, log, *, n_train, data, seed=None, label=None):
    """Measure a trained classifier on its test images, print one line, and return the :class:`Run`.

    Parameters
    ----------
    model : keras.Model
        A trained classifier with a softmax output.
    x_test, y_test : array_like
        Test images and integer labels.
    log : TrainingLog or float
        The log of the training (its seconds and the epochs it ran), or the
        seconds of a training that processed ``n_train`` images once.
    n_train : int
        Images in the training set.
    data : cnnbook.runtime.DataSource
        Where the images came from (:func:`cnnbook.runtime.data_source`).
    seed : int, optional
        The seed the run's weights were drawn with.
    label : str, optional
        Name of the run, at the start of the line.

    Returns
    -------
    Run
    """
    from cnnbook import checks, runtime

    y_test = np.asarray(y_test).reshape(-1)
    if len(x_test) != len(y_test):
        raise ValueError(f"got {len(x_test)} test images but {len(y_test)} labels")
    checks.integer(n_train, "n_train", low=1)
    if not isinstance(data, runtime.DataSource):
        raise ValueError(f"data must be a cnnbook.runtime.DataSource (runtime.data_source(name)), got {data!r}")
    if isinstance(log, TrainingLog):
        seconds, epochs = log.seconds, max(len(log.epoch_iterations), 1)
    else:
        seconds, epochs = checks.real(log, "log", positive=True), 1
    if not seconds > 0:
        raise ValueError(f"the training time must be > 0 s, got {seconds!r}: pass the TrainingLog of a fit")
    probabilities = predict_probabilities(model, x_test)
    predictions = np.argmax(probabilities, axis=-1)
    picked = probabilities[np.arange(len(y_test)), y_test.astype(int)]
    run = Run(label=label, accuracy=100 * float(np.mean(predictions == y_test)),
              loss=float(-np.mean(np.log(np.clip(picked, 1e-7, 1.0)))), n_train=int(n_train),
              n_test=len(y_test), seconds=float(seconds), images_per_second=n_train * epochs / seconds,
              parameters=model.count_params(), data=data, seed=seed, chance=100 / probabilities.shape[-1],
              probabilities=probabilities, predictions=predictions)
    start = f"{label}: t" if label else "T"
    # Short enough for the book's 80-character column; the device is in the chapter's first line.
    print(f"{start}est accuracy {run.accuracy:.2f}% ({run.n_test:,} images), {seconds:.1f} s, "
          f"{run.images_per_second:,.0f} images/s")
    return run


class EpochLine(keras.callbacks.Callback):
    """Print one short line per epoch: training accuracy, watched accuracy, seconds.

    Parameters
    ----------
    watched : str
        What the ``val_accuracy`` of the logs was measured on, as printed
        (``"test"`` when a chapter watches its test images, ``"validation"``).
    """

    def __init__(self, watched="validation"):
        super().__init__()
        self.watched = watched

    def on_epoch_begin(self, epoch, logs=None):
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        line = f"epoch {epoch + 1}: train {logs.get('accuracy', float('nan')):.1%}"
        if "val_accuracy" in logs:
            line += f", {self.watched} {logs['val_accuracy']:.1%}"
        print(f"{line}, {time.perf_counter() - self._started:.0f} s")


def fit_and_test(model, train, test, *, data, epochs, batch_size=128, optimizer="adam", watch=None,
                 epoch_lines=False, seed=None, label=None):
    """Compile a classifier of integer labels, train it, test it: the block training chapters repeat.

    Parameters
    ----------
    model : keras.Model
        An untrained classifier with a softmax output.
    train, test : tuple of array_like
        ``(images, labels)`` to train on and to test on.
    data : cnnbook.runtime.DataSource
        Where the images came from.
    epochs, batch_size : int
        Passes over ``train`` and images per update.
    optimizer : str or keras.optimizers.Optimizer
        Anything ``model.compile`` accepts.
    watch : {None, "test"} or tuple of array_like
        Images measured after every epoch (the log's ``val_*`` curves):
        none, the test images (to draw test curves, never to choose
        settings), or a validation pair ``(images, labels)``.
    epoch_lines : bool
        Print an :class:`EpochLine` per epoch.
    seed, label
        Recorded in the :class:`Run` (see :func:`results`); the weights were
        drawn when ``model`` was built.

    Returns
    -------
    run : Run
    log : TrainingLog

    Examples
    --------
    >>> import keras, numpy as np
    >>> from cnnbook import runtime
    >>> keras.utils.set_random_seed(0)
    >>> x = np.random.default_rng(0).random((64, 4, 4, 1), dtype="float32")
    >>> y = (x.mean(axis=(1, 2, 3)) > 0.5).astype(int)
    >>> model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(),
    ...                           keras.layers.Dense(2, activation="softmax")])
    >>> data = runtime.DataSource("toy", "64 random images", real=False)
    >>> run, log = fit_and_test(model, (x, y), (x, y), data=data, epochs=2,
    ...                         batch_size=32, label="toy")  # doctest: +ELLIPSIS
    toy: test accuracy ...% (64 images), ...
    >>> len(log.epoch_iterations), run.n_train
    (2, 64)
    """
    from cnnbook import checks

    x_train, y_train = _pair(train, "train")
    x_test, y_test = _pair(test, "test")
    checks.integer(epochs, "epochs", low=1)
    checks.integer(batch_size, "batch_size", low=1)
    if watch is None:
        validation, watched = None, None
    elif isinstance(watch, str) and watch == "test":
        validation, watched = (x_test, y_test), "test"
    else:
        validation, watched = _pair(watch, "watch"), "validation"
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    log = TrainingLog()
    callbacks = [log, EpochLine(watched)] if epoch_lines else [log]
    model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=0,
              validation_data=validation, callbacks=callbacks)
    run = results(model, x_test, y_test, log, n_train=len(x_train), data=data, seed=seed, label=label)
    return run, log


def kernel_gradient_norms(model, images, labels):
    """The norm of the mean cross-entropy's gradient at each kernel of `model`, first layer first.

    Parameters
    ----------
    model : keras.Model
        A classifier with a softmax output (nested models are searched too).
    images, labels : array_like
        One batch and its integer labels.

    Returns
    -------
    dict of str to float
        ``{layer name: Frobenius norm of the gradient of its kernel}``, with the
        model run in inference mode (no dropout), so that the numbers are
        those of the weights as they are.

    Examples
    --------
    >>> import keras, numpy as np
    >>> keras.utils.set_random_seed(0)
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, name="hidden"),
    ...                           keras.layers.Dense(2, activation="softmax", name="out")])
    >>> norms = kernel_gradient_norms(model, np.ones((5, 3)), np.zeros(5, int))
    >>> list(norms), all(v > 0 for v in norms.values())
    (['hidden', 'out'], True)
    """
    import tensorflow as tf

    images = np.asarray(images, "float32")
    labels = np.asarray(labels).reshape(-1)
    if len(images) != len(labels) or len(images) == 0:
        raise ValueError(f"give one label per image and at least one image, got {len(images)} images and "
                         f"{len(labels)} labels")
    kernels = [w for w in model.trainable_weights if w.name == "kernel"]
    if not kernels:
        raise ValueError(f"model {model.name!r} has no trainable kernels")
    with tf.GradientTape() as tape:
        probabilities = model(images, training=False)
        loss = keras.ops.mean(keras.losses.sparse_categorical_crossentropy(labels, probabilities))
    gradients = tape.gradient(loss, kernels)
    # A kernel's path is ".../<layer>/kernel": name it by its layer.
    return {k.path.split("/")[-2]: float(np.linalg.norm(g)) for k, g in zip(kernels, gradients)}


def seconds_per_step(models, images, labels, *, steps=10, repeats=3):
    """Time one training step of each compiled model on the same batch, fairly on a shared CPU.

    Each model first takes one step that is not timed (it traces and
    compiles the step). Then, `repeats` times, each model in turn takes
    `steps` steps; a model's time is its best round, divided by `steps`.
    Taking turns and keeping the best round keeps a passing load on the
    machine from favouring one model.

    Parameters
    ----------
    models : dict of str to keras.Model
        Compiled models that accept `images` and `labels`. Their weights change.
    images, labels : array_like
        One batch.
    steps, repeats : int
        Steps per round and rounds.

    Returns
    -------
    dict of str to float
        Seconds per training step, by name.

    Examples
    --------
    >>> import keras, numpy as np
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    >>> model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    >>> times = seconds_per_step({"tiny": model}, np.ones((4, 3)), np.zeros(4, int), steps=2, repeats=2)
    >>> list(times), times["tiny"] > 0
    (['tiny'], True)
    """
    from cnnbook import checks

    checks.integer(steps, "steps", low=1)
    checks.integer(repeats, "repeats", low=1)
    if not isinstance(models, dict) or not models:
        raise ValueError(f"models must be a non-empty dict of name to compiled keras.Model, got {models!r}")
    for name, model in models.items():
        if not getattr(model, "compiled", False):
            raise ValueError(f"models[{name!r}] is not compiled: call its compile() first")
        model.train_on_batch(images, labels)
    best = dict.fromkeys(models, float("inf"))
    for _ in range(repeats):
        for name, model in models.items():
            started = time.perf_counter()
            for _ in range(steps):
                model.train_on_batch(images, labels)
            best[name] = min(best[name], (time.perf_counter() - started) / steps)
    return best


def _pair(value, name):
    if not (isinstance(value, (tuple, list)) and len(value) == 2):
        raise ValueError(f"{name} must be a pair (images, labels), got {type(value).__name__}")
    images, labels = value
    if len(images) != len(labels):
        raise ValueError(f"{name} has {len(images)} images but {len(labels)} labels")
    return images, labels


def confusion_matrix(y_true, y_pred, num_classes=None):
    """Count, for each true class (row), how often each class (column) was predicted.

    Parameters
    ----------
    y_true, y_pred : array_like of int
        True and predicted classes, 0 to ``num_classes - 1``.
    num_classes : int, optional
        Number of classes; by default one more than the largest class seen.

    Returns
    -------
    numpy.ndarray of int, shaped (num_classes, num_classes)
    """
    y_true = np.asarray(y_true).reshape(-1)
    y_pred = np.asarray(y_pred).reshape(-1)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same length, got {len(y_true)} and {len(y_pred)}")
    if y_true.size and (min(y_true.min(), y_pred.min()) < 0):
        raise ValueError("classes must be non-negative integers")
    if num_classes is None:
        num_classes = int(max(y_true.max(initial=0), y_pred.max(initial=0))) + 1
    if y_true.size and max(y_true.max(), y_pred.max()) >= num_classes:
        raise ValueError(f"a class is >= num_classes={num_classes}")
    flat = y_true.astype(np.int64) * num_classes + y_pred.astype(np.int64)
    return np.bincount(flat, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def plot_confusion_matrix(matrix, class_names=None, title="Confusion matrix"):
    """Draw a confusion matrix with its counts; the diagonal holds the right answers.

    Parameters
    ----------
    matrix : (n, n) array_like of int
        From `confusion_matrix`.
    class_names : sequence of str, optional
        Names of the n classes (default: their numbers).
    title : str
        Title of the figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    matrix = np.asarray(matrix)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"matrix must be square, got shape {matrix.shape}")
    n = matrix.shape[0]
    names = [str(i) for i in range(n)] if class_names is None else list(class_names)
    if len(names) != n:
        raise ValueError(f"got {len(names)} class names for {n} classes")
    side = min(7.0, 0.42 * n + 1.8)
    fig, ax = plt.subplots(figsize=(side, side * 0.92), layout="constrained")
    # Log-like colour scale so that the few mistakes are visible next to the large diagonal.
    ax.imshow(np.log1p(matrix), cmap="Blues")
    for (row, col), count in np.ndenumerate(matrix):
        if count:
            dark = np.log1p(count) > 0.6 * np.log1p(matrix.max())
            ax.text(col, row, str(count), ha="center", va="center", fontsize=8, color="white" if dark else "black")
    ax.set_xticks(range(n), names, rotation=45 if max(map(len, names)) > 2 else 0, ha="right" if max(map(len, names)) > 2 else "center")
    ax.set_yticks(range(n), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title)
    return fig


def show_misclassified(images, y_true, y_pred, class_names=None, count=12, probabilities=None, cols=4):
    """Show the first `count` images the model got wrong, titled "true → predicted".

    Parameters
    ----------
    images : array_like
        Images shaped (N, H, W), (N, H, W, 1) or (N, H, W, 3).
    y_true, y_pred : array_like of int
        True and predicted classes.
    class_names : sequence of str, optional
        Names of the classes.
    count : int
        Most images to show.
    probabilities : (N, classes) array_like, optional
        Predicted probabilities; the probability of the prediction is added to each title.
    cols : int
        Images per row, at most 4 (the book's column).

    Returns
    -------
    matplotlib.figure.Figure or None
        None (and a printed line) when there is no mistake.
    """
    from cnnbook.plotting import show_images

    images = np.asarray(images)
    y_true = np.asarray(y_true).reshape(-1)
    y_pred = np.asarray(y_pred).reshape(-1)
    if not len(images) == len(y_true) == len(y_pred):
        raise ValueError(f"got {len(images)} images, {len(y_true)} true and {len(y_pred)} predicted labels")
    wrong = np.flatnonzero(y_true != y_pred)[:count]
    if not len(wrong):
        print("No misclassified images.")
        return None
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    name = (lambda c: str(c)) if class_names is None else (lambda c: class_names[c])
    titles = []
    for i in wrong:
        title = f"{name(y_true[i])} → {name(y_pred[i])}"
        if probabilities is not None:
            title += f" ({100 * probabilities[i][y_pred[i]]:.0f}%)"
        titles.append(title)
    total = int(np.sum(y_true != y_pred))
    return show_images(images[wrong], titles=titles, cols=min(cols, 4),
                       suptitle=f"{len(wrong)} of the {total} misclassified test images (true → predicted)")
