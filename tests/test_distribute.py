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
