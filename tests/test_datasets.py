import socket

import numpy as np
import pytest

from cnnbook import datasets


@pytest.fixture
def empty_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    return tmp_path


@pytest.fixture
def offline(monkeypatch, empty_cache):
    monkeypatch.setenv("CNNBOOK_OFFLINE", "1")


def test_offline_mnist_is_the_shipped_sample_of_real_digits(offline, capsys):
    (x_train, y_train), (x_test, y_test) = datasets.load_mnist()
    assert x_train.shape == (4000, 28, 28) and x_test.shape == (1000, 28, 28)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    assert set(np.unique(y_train)) == set(range(10)) and set(np.unique(y_test)) == set(range(10))
    assert x_train.max() == 255 and x_train.min() == 0
    # Real digits are mostly background: about a fifth of MNIST's pixels are ink.
    assert 0.1 < (x_train > 128).mean() < 0.3
    line = capsys.readouterr().out
    assert "MNIST (OFFLINE SAMPLE)" in line and "CC BY-SA 3.0" in line
    assert datasets.loaded_sources()[-1] == "MNIST offline sample of 5,000 real digits"


@pytest.mark.parametrize("loader, shape", [(datasets.load_fashion_mnist, (28, 28)),
                                           (datasets.load_cifar10, (32, 32, 3))])
def test_offline_stand_ins_have_the_real_shapes_and_say_so(offline, capsys, loader, shape):
    (x_train, y_train), (x_test, y_test) = loader()
    assert x_train.shape[1:] == shape and x_test.shape[1:] == shape
    assert x_train.dtype == np.uint8 and y_train.shape == (len(x_train),)
    assert set(np.unique(y_train)) == set(range(10))
    assert "STAND-IN" in capsys.readouterr().out
    assert "STAND-IN" in datasets.loaded_sources()[-1]


def test_failed_download_explains_and_leaves_no_file(monkeypatch, empty_cache):
    monkeypatch.delenv("CNNBOOK_OFFLINE", raising=False)

    def no_network(*args, **kwargs):
        raise OSError("network is unreachable (test)")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    with pytest.raises(RuntimeError, match="(?s)Could not download MNIST.*CNNBOOK_OFFLINE=1"):
        datasets.load_mnist()
    leftovers = [p for p in empty_cache.rglob("*") if p.is_file()]
    assert leftovers == []


def test_unknown_data_set_is_refused():
    with pytest.raises(ValueError, match="unknown data set 'imagenet'"):
        datasets.load("imagenet")


def test_synthetic_shapes_are_deterministic_and_balanced():
    images, labels = datasets.synthetic_shapes(2000, (28, 28), seed=3)
    again, _ = datasets.synthetic_shapes(2000, (28, 28), seed=3)
    assert np.array_equal(images, again)
    assert np.bincount(labels, minlength=10).min() > 150
    # Each class has its own look: class means differ clearly from one another.
    means = np.stack([images[labels == c].mean(axis=0) for c in range(10)])
    distances = np.linalg.norm((means[:, None] - means[None]).reshape(10, 10, -1), axis=-1)
    assert distances[~np.eye(10, dtype=bool)].min() > 20


def test_synthetic_shapes_validate_shape():
    with pytest.raises(ValueError, match="shape must be"):
        datasets.synthetic_shapes(10, (28, 28, 2))


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
