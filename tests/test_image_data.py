"""Tests of cnnbook.image_data in offline mode: stand-in folders loaded through Keras' folder loader."""

import numpy as np
import pytest

from cnnbook import image_data, runtime, standins


@pytest.fixture
def offline(monkeypatch, tmp_path):
    monkeypatch.setenv("CNNBOOK_OFFLINE", "1")
    monkeypatch.setenv("CNNBOOK_CACHE", str(tmp_path))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))  # no cached real data set
    monkeypatch.setattr(standins, "FLOWERS_PER_CLASS", 6)
    monkeypatch.setattr(standins, "CATS_VS_DOGS_PER_CLASS", {"train": 8, "validation": 4})
    return tmp_path


def test_flowers_stand_in_loads_through_image_dataset_from_directory(offline, capsys):
    train, validation = image_data.load_flowers(image_size=(64, 64), batch_size=8, validation_split=0.2)
    out = capsys.readouterr().out
    assert "FLOWERS STAND-IN" in out and "NOT the flower photos" in out
    assert runtime.data_source("flowers").real is False
    assert runtime.data_source("flowers").description == "flowers STAND-IN (synthetic drawings)"
    assert str(offline) not in out  # no path of the machine in what the reader sees
    assert train.class_names == list(image_data.FLOWER_CLASSES)
    images, labels = next(iter(train))
    assert images.shape[1:] == (64, 64, 3) and images.dtype == "float32"
    n_train = sum(int(batch[0].shape[0]) for batch in train)
    n_validation = sum(int(batch[0].shape[0]) for batch in validation)
    assert (n_train, n_validation) == (24, 6)
    assert set(np.unique(np.concatenate([y.numpy() for _, y in train]))) <= set(range(5))


def test_cats_vs_dogs_stand_in_has_train_and_validation(offline, capsys):
    train, validation = image_data.load_cats_vs_dogs(image_size=(48, 48), batch_size=4)
    assert "CATS VS DOGS STAND-IN" in capsys.readouterr().out
    assert train.class_names == ["cats", "dogs"]
    labels = np.concatenate([y.numpy() for _, y in validation]).ravel()
    assert labels.shape == (8,) and sorted(labels) == [0, 0, 0, 0, 1, 1, 1, 1]


def test_prepare_keeps_batches_and_shuffles_images(offline):
    train, _ = image_data.load_flowers(image_size=(32, 32), batch_size=4)
    prepared = image_data.prepare(train, batches=3, shuffle=True, batch_size=4)
    assert int(prepared.cardinality()) == 3
    first = np.concatenate([y.numpy() for _, y in prepared])
    second = np.concatenate([y.numpy() for _, y in prepared])
    assert sorted(first) == sorted(second) and len(first) == 12
    with pytest.raises(ValueError, match="batches"):
        image_data.prepare(train, batches=0)


def test_pretrained_offline_has_random_weights(offline, capsys):
    model = image_data.pretrained("MobileNetV2", input_shape=(96, 96, 3))
    assert "RANDOM WEIGHTS" in capsys.readouterr().out
    assert runtime.data_source("MobileNetV2").real is False
    assert model.output.shape[1:] == (3, 3, 1280)
    with pytest.raises(ValueError, match="no model"):
        image_data.pretrained("NoSuchNet")


def test_cached_download_is_used_offline(offline, capsys):
    # A copy extracted by keras.utils.get_file earlier is found and used instead of a stand-in.
    folder = offline / "keras" / "datasets" / "flower_photos_extracted" / "flower_photos"
    rng = np.random.default_rng(0)
    for label, name in enumerate(image_data.FLOWER_CLASSES):
        standins._save([standins.draw_flower(label, rng, size=32) for _ in range(2)], str(folder / name), name)
    assert image_data.flowers_dir() == str(folder)
    out = capsys.readouterr().out
    assert "from the Keras cache" in out and "10 photos" in out and "STAND-IN" not in out


def test_pretrained_download_failure_says_what_to_do(monkeypatch, tmp_path):
    import socket

    monkeypatch.setenv("CNNBOOK_OFFLINE", "0")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))

    def unreachable(*args, **kwargs):
        raise OSError("network is unreachable (test)")

    monkeypatch.setattr(socket, "create_connection", unreachable)
    monkeypatch.setattr(socket, "getaddrinfo", unreachable)
    with pytest.raises(RuntimeError, match="(?s)Could not download the ImageNet weights of MobileNetV2.*"
                                           "CNNBOOK_OFFLINE=1"):
        image_data.pretrained("MobileNetV2", input_shape=(96, 96, 3))


def test_cached_cats_vs_dogs_line_counts_the_photos(offline, capsys):
    root = offline / "keras" / "datasets" / "cats_and_dogs_filtered_extracted" / "cats_and_dogs_filtered"
    for split, n in (("train", 3), ("validation", 2)):
        for label in ("cats", "dogs"):
            (root / split / label).mkdir(parents=True)
            for i in range(n):
                (root / split / label / f"{i}.jpg").write_bytes(b"")
    assert image_data.cats_vs_dogs_dir() == str(root)
    assert "Cats vs dogs: 6 train + 4 validation photos" in capsys.readouterr().out
    assert runtime.data_source("cats_vs_dogs").description == "cats vs dogs (filtered 10-photo subset)"
