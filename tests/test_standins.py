"""Tests of cnnbook.standins: deterministic synthetic data, and folders that are counted, not trusted."""

import os

import numpy as np
import pytest

from cnnbook import runtime, standins


@pytest.fixture
def cache(monkeypatch, tmp_path):
    monkeypatch.setenv("CNNBOOK_CACHE", str(tmp_path))
    monkeypatch.setattr(standins, "FLOWERS_PER_CLASS", 4)
    monkeypatch.setattr(standins, "CATS_VS_DOGS_PER_CLASS", {"train": 3, "validation": 2})
    return tmp_path


def test_synthetic_shapes_are_deterministic_and_balanced():
    images, labels = standins.synthetic_shapes(2000, (28, 28), seed=3)
    again, _ = standins.synthetic_shapes(2000, (28, 28), seed=3)
    assert np.array_equal(images, again)
    assert np.bincount(labels, minlength=10).min() > 150
    # Each class has its own look: class means differ clearly from one another.
    means = np.stack([images[labels == c].mean(axis=0) for c in range(10)])
    distances = np.linalg.norm((means[:, None] - means[None]).reshape(10, 10, -1), axis=-1)
    assert distances[~np.eye(10, dtype=bool)].min() > 20


def test_synthetic_shapes_validate_shape():
    with pytest.raises(ValueError, match="shape must be"):
        standins.synthetic_shapes(10, (28, 28, 2))


def test_folders_live_in_the_per_user_cache(cache):
    assert standins.folder() == os.path.join(runtime.cache_dir(), "stand_ins")
    assert standins.flowers_folder().startswith(str(cache))


def test_a_folder_missing_images_is_rebuilt(cache):
    root = standins.flowers_folder()
    victim = os.path.join(root, "roses")
    first = sorted(os.listdir(victim))
    os.remove(os.path.join(victim, first[0]))
    assert standins.flowers_folder() == root
    assert sorted(os.listdir(victim)) == first


def test_a_folder_with_extra_images_is_rebuilt(cache):
    root = standins.cats_vs_dogs_folder()
    extra = os.path.join(root, "train", "dogs", "stray.jpg")
    with open(extra, "wb") as file:
        file.write(b"not an image")
    standins.cats_vs_dogs_folder()
    assert not os.path.exists(extra)
    counts = {split: len(os.listdir(os.path.join(root, split, "cats"))) for split in ("train", "validation")}
    assert counts == {"train": 3, "validation": 2}


@pytest.mark.parametrize("label", range(5))
def test_draw_flower(label):
    image = standins.draw_flower(label, np.random.default_rng(label), size=40)
    assert image.shape == (40, 40, 3) and image.dtype == np.uint8


@pytest.mark.parametrize("draw, bad", [(standins.draw_flower, 5), (standins.draw_pet, 2)])
def test_drawings_refuse_unknown_labels(draw, bad):
    with pytest.raises(ValueError, match="label must be"):
        draw(bad, np.random.default_rng(0))
