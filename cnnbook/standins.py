"""Synthetic stand-ins, for readers who have neither the internet nor the data.

A stand-in has the shapes, dtype, classes and folder layout of a real data
set, so that a chapter's code runs end to end; it teaches nothing about the
real data, and every loader that falls back to one says so in capitals. The
stored book never shows a stand-in: it is built from real data.

* :func:`synthetic_shapes`: arrays shaped like MNIST, Fashion-MNIST or CIFAR-10;
* :func:`flowers_folder` and :func:`cats_vs_dogs_folder`: folders of drawn
  JPEG images, laid out like the real downloads, under the cnnbook cache folder.
"""

import os

import numpy as np

from cnnbook import runtime

FLOWER_CLASSES = ("daisy", "dandelion", "roses", "sunflowers", "tulips")
CATS_VS_DOGS_CLASSES = ("cats", "dogs")

#: Images written per class (flowers), and per class and split (cats vs dogs).
FLOWERS_PER_CLASS = 120
CATS_VS_DOGS_PER_CLASS = {"train": 300, "validation": 100}
_IMAGE_SIZE = 128


def folder():
    """Return the folder that holds the stand-in image folders: ``stand_ins`` in :func:`cnnbook.runtime.cache_dir`."""
    return os.path.join(runtime.cache_dir(), "stand_ins")


def flowers_folder():
    """Return a folder of stand-in "flower" drawings, one sub-folder per class, writing what is missing.

    The folder is trusted only if every class holds its full count of images;
    otherwise the images are drawn again (they are the same every time).
    """
    root = os.path.join(folder(), "flower_photos")
    expected = {name: FLOWERS_PER_CLASS for name in FLOWER_CLASSES}
    if not _holds(root, expected):
        rng = np.random.default_rng(0)
        for label, name in enumerate(FLOWER_CLASSES):
            _save([draw_flower(label, rng) for _ in range(FLOWERS_PER_CLASS)], os.path.join(root, name), name)
    return root


def cats_vs_dogs_folder():
    """Return a folder of stand-in pet drawings with ``train/`` and ``validation/`` sub-folders, writing what is missing."""
    root = os.path.join(folder(), "cats_and_dogs")
    expected = {os.path.join(split, name): count
                for split, count in CATS_VS_DOGS_PER_CLASS.items() for name in CATS_VS_DOGS_CLASSES}
    if not _holds(root, expected):
        rng = np.random.default_rng(1)
        for split, count in CATS_VS_DOGS_PER_CLASS.items():
            for label, name in enumerate(CATS_VS_DOGS_CLASSES):
                images = [draw_pet(label, rng) for _ in range(count)]
                _save(images, os.path.join(root, split, name), name[:-1] + ".")
    return root


def _holds(root, expected):
    """True when each sub-folder of ``root`` named in ``expected`` holds exactly that many JPEG files."""
    for sub, count in expected.items():
        path = os.path.join(root, sub)
        if not os.path.isdir(path) or sum(name.endswith(".jpg") for name in os.listdir(path)) != count:
            return False
    return True


def _save(images, path, prefix):
    from PIL import Image

    os.makedirs(path, exist_ok=True)
    for old in os.listdir(path):
        if old.endswith(".jpg"):
            os.remove(os.path.join(path, old))
    for i, image in enumerate(images):
        Image.fromarray(image).save(os.path.join(path, f"{prefix}{i:04d}.jpg"), quality=90)


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


def draw_flower(label, rng, size=_IMAGE_SIZE):
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


def draw_pet(label, rng, size=_IMAGE_SIZE):
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
