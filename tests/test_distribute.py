"""Tests of cnnbook.distribute: a MirroredStrategy run on two logical CPUs matches a single-device run."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

# Logical devices can only be set before TensorFlow starts, so the comparison runs in a fresh Python.
SCRIPT = textwrap.dedent("""
    import json
    from cnnbook import distribute
    devices = distribute.split_cpu(2)
    import keras
    import numpy as np
    import tensorflow as tf

    rng = np.random.default_rng(0)
    x = rng.normal(size=(96, 8)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("int32") + (x[:, 2] > 1).astype("int32")

    def build():
        model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"),
                                  keras.layers.Dense(3)])
        model.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        return model

    keras.utils.set_random_seed(0)
    single = build()
    start = single.get_weights()
    single.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)

    mirrored_strategy = distribute.strategy(devices)
    with mirrored_strategy.scope():
        mirrored = build()
    mirrored.set_weights(start)
    mirrored.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)

    diff = max(float(np.max(np.abs(a - b))) for a, b in zip(single.get_weights(), mirrored.get_weights()))
    moved = max(float(np.max(np.abs(a - b))) for a, b in zip(start, single.get_weights()))
    print("RESULT", json.dumps({"devices": devices, "replicas": mirrored_strategy.num_replicas_in_sync,
                               "diff": diff, "moved": moved}))
""")


def test_mirrored_on_two_cpus_matches_single_device():
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.split("RESULT", 1)[1])
    assert len(result["devices"]) == 2 and result["replicas"] == 2
    assert result["moved"] > 1e-2  # training really changed the weights...
    assert result["diff"] < 1e-5   # ...and both runs changed them the same way
    assert "MirroredStrategy over the given devices" in done.stdout


def test_strategy_rejects_empty_device_list():
    from cnnbook import distribute

    with pytest.raises(ValueError, match="at least one device"):
        distribute.strategy(devices=[])


def test_backup_and_restore_resumes_to_the_uninterrupted_weights(tmp_path):
    import keras
    import numpy as np

    from cnnbook import distribute

    rng = np.random.default_rng(0)
    x = rng.normal(size=(96, 8)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("int32")

    def build():
        model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"),
                                  keras.layers.Dense(2)])
        model.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        return model

    keras.utils.set_random_seed(0)
    start = build().get_weights()

    def run(callbacks):
        model = build()
        model.set_weights(start)
        history = model.fit(x, y, batch_size=16, epochs=4, shuffle=False, verbose=0, callbacks=callbacks)
        return model, history

    uninterrupted, uninterrupted_history = run([])
    backup = str(tmp_path / "backup")
    with pytest.raises(distribute.TrainingInterrupted, match="end of epoch 2"):
        run([keras.callbacks.BackupAndRestore(backup), distribute.interrupt_after(2)])
    resumed, resumed_history = run([keras.callbacks.BackupAndRestore(backup)])
    assert resumed_history.epoch == [2, 3]  # only epochs 3 and 4 were trained again
    np.testing.assert_allclose(resumed_history.history["loss"], uninterrupted_history.history["loss"][2:],
                               atol=1e-6)
    moved = max(float(np.max(np.abs(a - b))) for a, b in zip(start, uninterrupted.get_weights()))
    gap = max(float(np.max(np.abs(a - b))) for a, b in zip(uninterrupted.get_weights(), resumed.get_weights()))
    assert moved > 1e-2 and gap < 1e-6


def test_interrupt_after_rejects_epoch_zero():
    from cnnbook import distribute

    with pytest.raises(ValueError, match="epoch must be at least 1"):
        distribute.interrupt_after(0)
