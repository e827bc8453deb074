"""Training throughput of Chollet's convnet: plain fit, fit with the book's callbacks, one fit per batch.

Prints images per second for batch sizes 64 and 256 on whatever Keras computes on (any backend:
``KERAS_BACKEND=jax`` works; nothing here imports TensorFlow):

* ``fit``: one ``model.fit`` over NumPy arrays (Keras shuffles and batches them);
* ``fit + LiveCurves``: the same with `cnnbook.training.LiveCurves`, the callback the chapters use
  (it records every batch and redraws its figure every 3 seconds); the overhead should stay below 3%;
* ``one fit per batch``: the loop of the TensorFlow.js article (chapter 7), ``model.fit`` called on a
  single batch at a time.

The images are random (throughput does not depend on what they show). Each measurement follows a
warm-up and is repeated, plain and with callbacks interleaved; the best repetition is printed (on a
shared machine the best is the least disturbed). Because wall-clock differences of a few percent drown
in the noise of a busy machine, the time spent inside the callback's own methods is also measured and
printed as a share of the fit time ("in callback"). Runs in about 3 minutes on a 2-core CPU.

Usage::

    nice python benchmarks/train_throughput.py
    KERAS_BACKEND=jax python benchmarks/train_throughput.py --images 200000   # e.g. on a GPU

``--images`` sets how many images each measurement trains on: raise it on fast hardware so that each
measurement lasts several seconds.
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import matplotlib  # noqa: E402
import numpy as np  # noqa: E402

matplotlib.use("Agg")

from cnnbook import models, runtime, training  # noqa: E402


class TimedLiveCurves(training.LiveCurves):
    """LiveCurves that adds up the time spent in its own callback methods."""

    def __init__(self):
        super().__init__()
        self.inside = 0.0

    def _timed(self, method, *args):
        started = time.perf_counter()
        method(*args)
        self.inside += time.perf_counter() - started

    def on_train_begin(self, logs=None):
        self._timed(super().on_train_begin, logs)

    def on_train_batch_end(self, batch, logs=None):
        self._timed(super().on_train_batch_end, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._timed(super().on_epoch_end, epoch, logs)

    def on_train_end(self, logs=None):
        self._timed(super().on_train_end, logs)


def make_model():
    model = models.chollet_convnet()
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def repeated(x, y, n):
    """The first n images of x, y repeated as often as needed."""
    pick = np.arange(n) % len(x)
    return x[pick], y[pick]


def time_fit(model, data, batch_size, callbacks):
    x, y = data
    started = time.perf_counter()
    model.fit(x, y, batch_size=batch_size, epochs=1, callbacks=callbacks, shuffle=True, verbose=0)
    return time.perf_counter() - started


def time_loop(model, x, y, batch_size, calls):
    started = time.perf_counter()
    for i in range(calls):
        pick = np.take(np.arange(len(x)), range(i * batch_size, (i + 1) * batch_size), mode="wrap")
        model.fit(x[pick], y[pick], batch_size=batch_size, epochs=1, verbose=0)
    return time.perf_counter() - started


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=32768, help="images per fit measurement")
    parser.add_argument("--loop-calls", type=int, default=60, help="fit calls in the one-batch-per-fit loop")
    parser.add_argument("--repeats", type=int, default=3, help="repetitions of each fit measurement")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[64, 256])
    args = parser.parse_args(argv)

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.random((8192, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, len(x)).astype(np.int32)
    print(f"Chollet's convnet ({models.chollet_convnet().count_params():,} parameters), "
          f"Keras {keras.__version__} ({keras.backend.backend()}), {runtime.device_description()}")
    print(f"{args.images:,} images per fit measurement, best of {args.repeats}; "
          f"{args.loop_calls} calls in the one-batch-per-fit loop")
    header = (f"{'batch':>5}  {'fit':>9}  {'fit + LiveCurves':>16}  {'overhead':>8}  {'in callback':>11}  "
              f"{'one fit per batch':>17}  {'fit / loop':>10}")
    print(header)
    print("-" * len(header))
    for batch_size in args.batch_sizes:
        steps = max(1, args.images // batch_size)
        data = repeated(x, y, steps * batch_size)
        model = make_model()
        time_fit(model, repeated(x, y, max(2, steps // 10) * batch_size), batch_size, None)  # warm-up
        plain, with_callbacks, inside = [], [], []
        for _ in range(args.repeats):  # interleaved, so that a busy machine hurts both alike
            plain.append(time_fit(model, data, batch_size, None))
            curves = TimedLiveCurves()
            with_callbacks.append(time_fit(model, data, batch_size, [curves]))
            inside.append(curves.inside / with_callbacks[-1])
        plain_ips = steps * batch_size / min(plain)
        callbacks_ips = steps * batch_size / min(with_callbacks)
        loop_model = make_model()
        time_loop(loop_model, x, y, batch_size, 3)  # warm-up
        loop_ips = args.loop_calls * batch_size / time_loop(loop_model, x, y, batch_size, args.loop_calls)
        overhead = 100 * (plain_ips / callbacks_ips - 1)
        print(f"{batch_size:>5}  {plain_ips:>9,.0f}  {callbacks_ips:>16,.0f}  {overhead:>7.1f}%  "
              f"{100 * statistics.median(inside):>10.1f}%  {loop_ips:>17,.0f}  "
              f"{plain_ips / loop_ips:>9.1f}x", flush=True)
    print("images/second; overhead = extra wall time of fit with LiveCurves over plain fit (best runs); "
          "in callback = median share of the fit spent in LiveCurves' own methods")


if __name__ == "__main__":
    main()
