"""Chapters 7-9's code path on Keras' JAX backend: models, a tiny fit, the training helpers, the widget.

Keras picks its backend when it is first imported, so the check runs in a
fresh Python with ``KERAS_BACKEND`` set.
"""

import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent("""
    import matplotlib
    matplotlib.use("Agg")
    import numpy as np
    import keras
    from cnnbook import models, runtime, training
    from cnnbook.widgets.feature_maps import FeatureMapExplorer

    assert keras.backend.backend() == "jax", keras.backend.backend()
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.random((64, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, 64)
    for build in (models.chollet_convnet, models.tfjs_convnet, models.lenet_d2l, models.modern_lenet):
        model = build()
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        curves = training.LiveCurves(interval=0.0)
        model.fit(x, y, batch_size=16, epochs=1, validation_split=0.25, callbacks=[curves], verbose=0)
        assert curves.iterations == 3 and "val_accuracy" in curves.epochs, (curves.iterations, curves.epochs)
        data = runtime.DataSource("noise", "random images", real=False)
        run = training.results(model, x[:16], y[:16], curves, n_train=48, data=data, label=model.name)
        matrix = training.confusion_matrix(y[:16], run.predictions, num_classes=10)
        assert matrix.sum() == 16
    # The TensorFlow.js article's loop: one batch per fit call.
    model = models.tfjs_convnet()
    model.compile(optimizer=keras.optimizers.SGD(0.15), loss="sparse_categorical_crossentropy")
    for i in range(3):
        model.fit(x[16 * i:16 * (i + 1)], y[16 * i:16 * (i + 1)], batch_size=16, epochs=1, verbose=0)
    training.plot_history(curves, x="iteration")
    widget = FeatureMapExplorer(model, x[:2, :, :, 0])
    assert widget.nbytes > 0
    print("jax", __import__("jax").__version__, "ok")
""")


def test_chapter_code_runs_on_jax():
    pytest.importorskip("jax")
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu", CNNBOOK_OFFLINE="1")
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "ok" in done.stdout
    assert "test accuracy" in done.stdout
