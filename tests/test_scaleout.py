"""Tests of cnnbook.scaleout: keras.distribution on JAX in fresh processes, over 127.0.0.1 only.

Each run is a separate Python with KERAS_BACKEND=jax, bounded by a timeout.
"""

import json
import socket

import numpy as np
import pytest

from cnnbook import scaleout

pytest.importorskip("jax")


def results(*outputs):
    found = {}
    for output in outputs:
        for line in output.splitlines():
            if line.startswith("RESULT "):
                entry = json.loads(line[len("RESULT "):])
                found[entry["run"]] = entry
    return found


def largest_gap(first, second):
    with np.load(first) as a, np.load(second) as b:
        assert sorted(a) == sorted(b)
        return max(float(np.max(np.abs(a[k] - b[k]))) for k in a)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """One local run on two simulated devices and one cluster of two processes, with a few timed steps."""
    folder = tmp_path_factory.mktemp("scaleout")
    (local,) = scaleout.launch("local", folder, devices=2, steps=4, timeout=120)
    cluster = scaleout.launch("cluster", folder, processes=2, steps=4, timeout=120)
    return folder, local, cluster


def test_two_processes_take_the_single_device_step(runs):
    folder, _, cluster = runs
    assert len(cluster) == 2
    assert "process 1 of 2" in cluster[1] and "rows 32-63 of the batch" in cluster[1]
    assert "rows 0-31 of the batch" in cluster[0]
    entry = results(*cluster)["processes_2"]
    assert entry["processes"] == 2 and entry["devices"] == 2 and entry["images_per_second"] > 0
    assert largest_gap(folder / "one_device.npz", folder / "processes_2.npz") < 1e-6


def test_simulated_devices_take_the_single_device_step(runs):
    folder, local, _ = runs
    assert "rows 32-63 of the batch on cpu:1" in local
    assert largest_gap(folder / "one_device.npz", folder / "devices_2.npz") < 1e-6
    # ...and the step really moved the weights, so the comparison means something.
    with np.load(folder / "one_device.npz") as after:
        assert any(np.abs(after[k]).max() > 0 for k in after)


def test_model_parallel_kernel_is_split_and_exact(runs):
    _, local, _ = runs
    entry = results(local)["model_parallel"]
    assert entry["shards"] == 2 and entry["difference"] < 1e-5
    assert "columns 0-3 (6, 4) on cpu:0" in local and "columns 4-7 (6, 4) on cpu:1" in local


def test_batch_norm_uses_the_global_batch_under_data_parallel(runs):
    _, local, _ = runs
    entry = results(local)["batch_norm"]
    assert entry["from_global"] < 1e-4 and entry["from_first_half"] > 1


def test_free_port_is_free():
    port = scaleout.free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", port))


def test_launch_rejects_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="run must be one of"):
        scaleout.launch("nowhere", tmp_path)
    with pytest.raises(ValueError, match="processes must be"):
        scaleout.launch("cluster", tmp_path, processes=0)
    with pytest.raises(ValueError, match="must divide the batch of 64"):
        scaleout.launch("cluster", tmp_path, processes=3)


def test_launch_kills_processes_past_the_timeout(tmp_path):
    with pytest.raises(RuntimeError, match="timeout and was killed"):
        scaleout.launch("local", tmp_path, timeout=1)
