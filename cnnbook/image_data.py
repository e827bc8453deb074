"""Folders of images, loaded the way you would load your own: flowers, cats vs dogs, and pretrained nets.

Online, each data set is downloaded and extracted once with
``keras.utils.get_file`` (cached under ``$KERAS_HOME/datasets``) and read with
``keras.utils.image_dataset_from_directory``, which expects one sub-folder per
class. With ``CNNBOOK_OFFLINE=1`` and no cached copy, a small folder of
*stand-in* images (procedural drawings, same classes and folder layout) is
written to a temporary folder and read by the same code, announced loudly.
Every load prints one source line, recorded for :func:`cnnbook.runtime.provenance`.
"""

import glob
import os
import tempfile

import numpy as np

from cnnbook import runtime
from cnnbook.datasets import announce, keras_datasets_dir

FLOWERS_URL = "https://storage.googleapis.com/download.tensorflow.org/example_images/flower_photos.tgz"
CATS_VS_DOGS_URL = "https://storage.googleapis.com/mledu-datasets/cats_and_dogs_filtered.zip"
FLOWER_CLASSES = ("daisy", "dandelion", "roses", "sunflowers", "tulips")
CATS_VS_DOGS_CLASSES = ("cats", "dogs")

#: Stand-in images written in offline mode: per class (flowers), per class and split (cats vs dogs).
STAND_IN_FLOWERS_PER_CLASS = 120
STAND_IN_CATS_VS_DOGS = {"train": 300, "validation": 100}
_STAND_IN_SIZE = 128


def stand_in_dir():
    """Folder where offline stand-in images are written (``$CNNBOOK_CACHE`` or the temporary folder)."""
    # Not ".../cnnbook": a folder of that name would shadow the package for scripts run from there.
    root = os.environ.get("CNNBOOK_CACHE") or os.path.join(tempfile.gettempdir(), "cnnbook-cache")
    return os.path.join(root, "stand_ins")


def _find_dir(root, required):
    """The folder under ``root`` (or ``root`` itself) that contains all ``required`` sub-folders."""
    for folder in [root] + sorted(glob.glob(os.path.join(root, "**", ""), recursive=True)):
        if all(os.path.isdir(os.path.join(folder, name)) for name in required):
            return os.path.normpath(folder)
    return None


def _download_folder(fname, url, required):
    """Download and extract an archive with Keras (once), return the folder holding ``required``."""
    import keras

    extracted = os.path.join(keras_datasets_dir(), fname.split(".")[0] + "_extracted")
    folder = _find_dir(extracted, required) if os.path.isdir(extracted) else None
    if folder:
        return folder, True
    if runtime.is_offline():
        return None, False
    try:
        path = keras.utils.get_file(fname, origin=url, extract=True)
    except Exception as error:
        raise RuntimeError(f"Could not download {url} ({error}). Check the internet connection, or set "
                           f"CNNBOOK_OFFLINE=1 to use a stand-in that cnnbook says it uses.") from error
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
        folder = _write_stand_in_flowers()
        total = STAND_IN_FLOWERS_PER_CLASS * len(FLOWER_CLASSES)
        announce(f"!! FLOWERS STAND-IN (offline mode, no cached copy): {total:,} SYNTHETIC drawings of "
                  f"5 'flower' classes written to {folder}. These are NOT the flower photos; "
                  f"accuracies below say nothing about real flowers.",
                  "flowers STAND-IN (synthetic drawings)")
    else:
        count = sum(len(glob.glob(os.path.join(folder, name, "*.jpg"))) for name in FLOWER_CLASSES)
        how = "from the Keras cache" if cached else "downloaded via keras.utils.get_file"
        announce(f"Flowers: {count:,} photos of 5 classes (TensorFlow flower photos, CC-BY) {how} in {folder}",
                  "TensorFlow flower photos")
    return folder


def cats_vs_dogs_dir():
    """Return the folder of the filtered cats-vs-dogs subset, with ``train/`` (2,000) and ``validation/`` (1,000).

    Offline without a cached copy, a folder of stand-in drawings instead, said loudly.
    """
    folder, cached = _download_folder("cats_and_dogs_filtered.zip", CATS_VS_DOGS_URL, ("train", "validation"))
    if folder is None:
        folder = _write_stand_in_cats_vs_dogs()
        counts = " + ".join(f"{2 * n:,} {split}" for split, n in STAND_IN_CATS_VS_DOGS.items())
        announce(f"!! CATS VS DOGS STAND-IN (offline mode, no cached copy): {counts} SYNTHETIC drawings of "
                  f"'cat' and 'dog' faces written to {folder}. These are NOT photos of cats and dogs; "
                  f"accuracies below say nothing about the real task.",
                  "cats vs dogs STAND-IN (synthetic drawings)")
    else:
        how = "from the Keras cache" if cached else "downloaded via keras.utils.get_file"
        announce(f"Cats vs dogs: 2,000 train + 1,000 validation photos (filtered Kaggle/Microsoft Asirra subset) "
                  f"{how} in {folder}", "cats vs dogs (filtered 3,000-photo subset)")
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
        announce(f"!! {name} WITH RANDOM WEIGHTS (offline mode): the architecture is {name}, but the ImageNet "
                  f"weights were not downloaded, so nothing below is transfer learning.",
                  f"{name} with RANDOM weights (offline)")
    else:
        model = build(weights="imagenet", include_top=include_top, input_shape=tuple(input_shape))
        announce(f"{name}: ImageNet weights from keras.applications (cached in ~/.keras/models)",
                  f"{name} ImageNet weights")
    return model


# Stand-in drawings ---------------------------------------------------------------------------------------

def _save(images, folder, prefix):
    from PIL import Image

    os.makedirs(folder, exist_ok=True)
    for i, image in enumerate(images):
        Image.fromarray(image).save(os.path.join(folder, f"{prefix}{i:04d}.jpg"), quality=90)


def _complete(folder):
    return os.path.exists(os.path.join(folder, "COMPLETE"))


def _mark_complete(folder):
    with open(os.path.join(folder, "COMPLETE"), "w") as file:
        file.write("stand-in images written by cnnbook.image_data\n")


def _write_stand_in_flowers():
    folder = os.path.join(stand_in_dir(), "flower_photos")
    if not _complete(folder):
        rng = np.random.default_rng(0)
        for label, name in enumerate(FLOWER_CLASSES):
            images = [draw_flower(label, rng) for _ in range(STAND_IN_FLOWERS_PER_CLASS)]
            _save(images, os.path.join(folder, name), name)
        _mark_complete(folder)
    return folder


def _write_stand_in_cats_vs_dogs():
    folder = os.path.join(stand_in_dir(), "cats_and_dogs")
    if not _complete(folder):
        rng = np.random.default_rng(1)
        for split, count in STAND_IN_CATS_VS_DOGS.items():
            for label, name in enumerate(CATS_VS_DOGS_CLASSES):
                images = [draw_pet(label, rng) for _ in range(count)]
                _save(images, os.path.join(folder, split, name), name[:-1] + ".")
        _mark_complete(folder)
    return folder


def _canvas(rng, size):
    """Grid coordinates and a noisy grass-and-sky background."""
    rows, cols = np.mgrid[0:size, 0:size].astype(np.float32) / size
    sky = np.array([0.55, 0.7, 0.9]) * rng.uniform(0.7, 1.1)
    grass = np.array([0.25, 0.5, 0.2]) * rng.uniform(0.7, 1.1)
    horizon = rng.uniform(0.3, 0.8)
    image = np.where((rows > horizon)[..., None], grass, sky) + rng.normal(0, 0.05, (size, size, 3))
    return rows, cols, image


#: Per flower class: petals, petal colour, centre colour, centre size, petal sharpness.
_FLOWER_LOOKS = (
    (12, (0.95, 0.95, 0.95), (0.95, 0.8, 0.1), 0.25, 1.0),   # daisy: white, yellow centre
    (30, (1.0, 0.85, 0.1), (0.9, 0.7, 0.05), 0.1, 0.3),      # dandelion: many thin yellow petals
    (5, (0.8, 0.05, 0.15), (0.55, 0.0, 0.1), 0.35, 2.0),     # roses: few round red petals
    (16, (1.0, 0.8, 0.0), (0.35, 0.2, 0.05), 0.45, 1.0),     # sunflowers: big brown centre
    (3, (0.95, 0.35, 0.55), (0.95, 0.35, 0.55), 0.0, 3.0),   # tulips: three broad pink petals
)


def draw_flower(label, rng, size=_STAND_IN_SIZE):
    """Draw one stand-in "flower" of class ``label`` (0-4) as a uint8 RGB image: a polar rose on grass and sky."""
    if not 0 <= label < len(_FLOWER_LOOKS):
        raise ValueError(f"label must be 0 to {len(_FLOWER_LOOKS) - 1}, got {label}")
    petals, petal, centre, centre_size, sharpness = _FLOWER_LOOKS[label]
    rows, cols, image = _canvas(rng, size)
    cy, cx, radius = rng.uniform(0.35, 0.65), rng.uniform(0.35, 0.65), rng.uniform(0.2, 0.32)
    dy, dx = rows - cy, cols - cx
    r, theta = np.hypot(dy, dx) / radius, np.arctan2(dy, dx) + rng.uniform(0, 2 * np.pi)
    outline = 0.35 + 0.65 * np.abs(np.cos(petals * theta / 2)) ** sharpness
    tint = np.clip(np.array(petal) * rng.uniform(0.85, 1.1) + rng.normal(0, 0.03, 3), 0, 1)
    image = np.where((r < outline)[..., None], tint, image)
    image = np.where((r < centre_size)[..., None], centre, image)
    return (np.clip(image, 0, 1) * 255).astype(np.uint8)


def draw_pet(label, rng, size=_STAND_IN_SIZE):
    """Draw one stand-in pet face as a uint8 RGB image: label 0 a "cat" (pointed ears), 1 a "dog" (floppy ears)."""
    if label not in (0, 1):
        raise ValueError(f"label must be 0 (cat) or 1 (dog), got {label}")
    rows, cols, image = _canvas(rng, size)
    fur = rng.uniform(0.1, 0.9) * np.array([1.0, 0.8, 0.6]) + rng.normal(0, 0.05, 3)
    cy, cx, radius = rng.uniform(0.45, 0.6), rng.uniform(0.35, 0.65), rng.uniform(0.18, 0.26)
    head = np.hypot(rows - cy, cols - cx) < radius
    ears = np.zeros_like(head)
    for side in (-1, 1):
        ex = cx + side * radius * 0.7
        if label == 0:  # triangles pointing up
            top = cy - radius * 1.6
            height = (rows - top) / (radius * 0.9)
            ears |= (height > 0) & (height < 1) & (np.abs(cols - ex) < height * radius * 0.45)
        else:  # long ellipses hanging down the sides of the head
            ears |= ((rows - cy) / (radius * 0.9)) ** 2 + ((cols - ex - side * radius * 0.35) / (radius * 0.3)) ** 2 < 1
    image = np.where((head | ears)[..., None], np.clip(fur, 0, 1), image)
    for side in (-1, 1):  # eyes
        eye = np.hypot(rows - (cy - radius * 0.2), cols - (cx + side * radius * 0.4)) < radius * 0.12
        image = np.where(eye[..., None], 0.05, image)
    image = image + rng.normal(0, 0.04, image.shape)
    return (np.clip(image, 0, 1) * 255).astype(np.uint8)
