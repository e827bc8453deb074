"""Folders of images, loaded the way you would load your own: flowers, cats vs dogs, and pretrained nets.

Online, each data set is downloaded and extracted once with
``keras.utils.get_file`` (cached under ``$KERAS_HOME/datasets``) and read with
``keras.utils.image_dataset_from_directory``, which expects one sub-folder per
class. With ``CNNBOOK_OFFLINE=1`` and no cached copy, a small folder of
*stand-in* images (:mod:`cnnbook.standins`: drawings with the same classes and
folder layout) is read by the same code, announced loudly. Every load prints
one source line, recorded for :func:`cnnbook.runtime.provenance`.
"""

import glob
import os

from cnnbook import runtime, standins
from cnnbook.standins import CATS_VS_DOGS_CLASSES, FLOWER_CLASSES

FLOWERS_URL = "https://storage.googleapis.com/download.tensorflow.org/example_images/flower_photos.tgz"
CATS_VS_DOGS_URL = "https://storage.googleapis.com/mledu-datasets/cats_and_dogs_filtered.zip"


def _find_dir(root, required):
    """The folder under ``root`` (or ``root`` itself) that contains all ``required`` sub-folders."""
    for folder in [root] + sorted(glob.glob(os.path.join(root, "**", ""), recursive=True)):
        if all(os.path.isdir(os.path.join(folder, name)) for name in required):
            return os.path.normpath(folder)
    return None


def _download_folder(fname, url, required):
    """Download and extract an archive with Keras (once), return the folder holding ``required``."""
    import keras

    extracted = os.path.join(runtime.keras_datasets_dir(), fname.split(".")[0] + "_extracted")
    folder = _find_dir(extracted, required) if os.path.isdir(extracted) else None
    if folder:
        return folder, True
    if runtime.is_offline():
        return None, False
    try:
        path = keras.utils.get_file(fname, origin=url, extract=True)
    except Exception as error:
        raise RuntimeError(f"Could not download {url} ({error}). Check the internet connection, or set "
                           f"CNNBOOK_OFFLINE=1 to use a stand-in that cnnbook announces as such.") from error
    folder = _find_dir(path, required)
    if folder is None:
        raise RuntimeError(f"{path} has no folder with sub-folders {', '.join(required)}")
    return folder, False


def flowers_dir():
    """Return the folder of the TensorFlow flower photos (one sub-folder per class), downloading it once.

    Offline without a cached copy, return a folder of stand-in drawings
    instead and say so loudly.
    """
    folder, cached = _download_folder("flower_photos.tgz", FLOWERS_URL, FLOWER_CLASSES)
    if folder is None:
        folder = standins.flowers_folder()
        total = standins.FLOWERS_PER_CLASS * len(FLOWER_CLASSES)
        runtime.note_data_source(
            "flowers", "flowers STAND-IN (synthetic drawings)",
            f"!! FLOWERS STAND-IN (offline, no cached copy): {total:,} SYNTHETIC drawings of 5 'flower' "
            f"classes in the cnnbook cache folder. These are NOT the flower photos; results below say "
            f"nothing about real flowers.", real=False)
    else:
        count = sum(len(glob.glob(os.path.join(folder, name, "*.jpg"))) for name in FLOWER_CLASSES)
        how = "from the Keras cache ($KERAS_HOME/datasets)" if cached else "downloaded with Keras"
        runtime.note_data_source("flowers", "TensorFlow flower photos",
                                 f"Flowers: {count:,} photos of 5 classes (TensorFlow flower photos, CC BY) {how}.")
    return folder


def cats_vs_dogs_dir():
    """Return the folder of the filtered cats-vs-dogs subset, with ``train/`` and ``validation/`` (2,000 and 1,000 photos).

    Offline without a cached copy, a folder of stand-in drawings instead, said loudly.
    """
    folder, cached = _download_folder("cats_and_dogs_filtered.zip", CATS_VS_DOGS_URL, ("train", "validation"))
    if folder is None:
        folder = standins.cats_vs_dogs_folder()
        counts = " + ".join(f"{2 * n:,} {split}" for split, n in standins.CATS_VS_DOGS_PER_CLASS.items())
        runtime.note_data_source(
            "cats_vs_dogs", "cats vs dogs STAND-IN (synthetic drawings)",
            f"!! CATS VS DOGS STAND-IN (offline, no cached copy): {counts} SYNTHETIC drawings of 'cat' and "
            f"'dog' faces in the cnnbook cache folder. These are NOT photos of cats and dogs; results below "
            f"say nothing about the real task.", real=False)
    else:
        counts = {split: len(glob.glob(os.path.join(folder, split, "*", "*.jpg"))) for split in ("train", "validation")}
        how = "from the Keras cache ($KERAS_HOME/datasets)" if cached else "downloaded with Keras"
        runtime.note_data_source(
            "cats_vs_dogs", f"cats vs dogs (filtered {sum(counts.values()):,}-photo subset)",
            f"Cats vs dogs: {counts['train']:,} train + {counts['validation']:,} validation photos "
            f"(filtered Kaggle/Microsoft Asirra subset) {how}.")
    return folder


def load_flowers(image_size=(180, 180), batch_size=32, validation_split=0.2, seed=0):
    """Load the flowers as ``tf.data`` datasets of (images, integer labels) batches.

    Parameters
    ----------
    image_size : (int, int)
        Every image is resized to this (height, width).
    batch_size : int
    validation_split : float
        Fraction of the images held out for validation.
    seed : int
        Seed of the train/validation split and the shuffling.

    Returns
    -------
    train, validation : tf.data.Dataset
        float32 images with values 0-255, shaped ``(batch, *image_size, 3)``;
        ``train.class_names`` lists the classes.
    """
    import keras

    if not 0 < validation_split < 1:
        raise ValueError(f"validation_split must be between 0 and 1, got {validation_split}")
    return keras.utils.image_dataset_from_directory(
        flowers_dir(), validation_split=validation_split, subset="both", seed=seed,
        image_size=tuple(image_size), batch_size=batch_size, verbose=False)


def load_cats_vs_dogs(image_size=(150, 150), batch_size=32, seed=0):
    """Load cats vs dogs as ``tf.data`` datasets of (images, labels) batches; label 1 is a dog.

    Returns
    -------
    train, validation : tf.data.Dataset
        float32 images with values 0-255 and float32 labels of shape ``(batch, 1)``.
    """
    import keras

    folder = cats_vs_dogs_dir()
    kwargs = dict(image_size=tuple(image_size), batch_size=batch_size, label_mode="binary", seed=seed,
                  verbose=False)
    train = keras.utils.image_dataset_from_directory(os.path.join(folder, "train"), **kwargs)
    validation = keras.utils.image_dataset_from_directory(os.path.join(folder, "validation"), shuffle=False,
                                                          **kwargs)
    return train, validation


def prepare(dataset, batches=None, shuffle=False, batch_size=32, seed=0):
    """Make a loaded dataset fast to train on: keep the first ``batches``, cache decoded images, shuffle, prefetch.

    The folder loaders decode JPEG files on every pass; this function decodes
    them once, here, and keeps them in memory. Caching fixes the order of
    the images, so shuffling (of single images) comes after it.

    Parameters
    ----------
    dataset : tf.data.Dataset
        Batches of (images, labels), as :func:`load_flowers` returns.
    batches : int, optional
        Keep only this many batches (all by default).
    shuffle : bool
        Reshuffle the images at each epoch (for training data).
    batch_size : int
    seed : int

    Returns
    -------
    tf.data.Dataset
    """
    import tensorflow as tf

    if batches is not None:
        if batches < 1:
            raise ValueError(f"batches must be at least 1, got {batches}")
        dataset = dataset.take(batches)
    images = dataset.unbatch().cache()
    # One pass fills the cache and counts the images, so Keras knows the epoch length from the start.
    count = int(images.reduce(0, lambda total, _: total + 1))
    if shuffle:
        images = images.shuffle(4096, seed=seed, reshuffle_each_iteration=True)
    images = images.apply(tf.data.experimental.assert_cardinality(count))
    return images.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def pretrained(name="MobileNetV2", input_shape=(160, 160, 3), include_top=False):
    """A ``keras.applications`` network with ImageNet weights (offline: random weights, said loudly).

    Parameters
    ----------
    name : str
        A model of ``keras.applications``, e.g. ``"MobileNetV2"``, ``"VGG16"``, ``"ResNet50"``.
    input_shape : tuple of int
    include_top : bool
        Keep the 1,000-class ImageNet classifier.

    Returns
    -------
    keras.Model
    """
    import keras

    build = getattr(keras.applications, name, None)
    if build is None or not callable(build):
        raise ValueError(f"keras.applications has no model {name!r}")
    if runtime.is_offline():
        model = build(weights=None, include_top=include_top, input_shape=tuple(input_shape))
        runtime.note_data_source(
            name, f"{name} with RANDOM weights (offline)",
            f"!! {name} WITH RANDOM WEIGHTS (offline): the architecture is {name}, but the ImageNet weights "
            f"were not downloaded, so nothing below is transfer learning.", real=False)
        return model
    try:
        model = build(weights="imagenet", include_top=include_top, input_shape=tuple(input_shape))
    except Exception as error:
        raise RuntimeError(
            f"Could not download the ImageNet weights of {name} with Keras ({error}). Check the internet "
            f"connection; Keras caches weights in $KERAS_HOME/models. Offline (CNNBOOK_OFFLINE=1) cnnbook "
            f"builds {name} with random weights and says so.") from error
    runtime.note_data_source(name, f"{name} ImageNet weights",
                             f"{name}: ImageNet weights from keras.applications (cached in $KERAS_HOME/models).")
    return model
