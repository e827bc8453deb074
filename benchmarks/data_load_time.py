"""Time each offline source of cnnbook.datasets: python benchmarks/data_load_time.py.

Each figure is the median wall time of five loads, each in a fresh Python
process (imports excluded), with the announcement line silenced. The Keras
cache and CNNBOOK_DATA cases use temporary copies of the Debian package's
Fashion-MNIST files, so the script needs ``dataset-fashion-mnist`` installed.
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile

SYSTEM = "/usr/share/datasets/fashion-mnist"
TIMED = ("import contextlib, io, time\n"
         "from cnnbook import datasets\n"
         "started = time.perf_counter()\n"
         "with contextlib.redirect_stdout(io.StringIO()):\n"
         "    datasets.load({name!r})\n"
         "print(time.perf_counter() - started)\n")


def median_seconds(name, env, runs=5):
    times = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", TIMED.format(name=name)], env={**os.environ, **env},
                             capture_output=True, text=True, check=True).stdout
        times.append(float(out))
    return statistics.median(times), min(times), max(times)


def main():
    if not os.path.isdir(SYSTEM):
        raise SystemExit("install the Debian package dataset-fashion-mnist first")
    with tempfile.TemporaryDirectory() as tmp:
        keras_home, data, empty = (os.path.join(tmp, name) for name in ("keras", "data", "empty"))
        shutil.copytree(SYSTEM, os.path.join(keras_home, "datasets", "fashion-mnist"))
        shutil.copytree(SYSTEM, os.path.join(data, "fashion-mnist"))
        base = {"CNNBOOK_OFFLINE": "1", "KERAS_HOME": empty, "CNNBOOK_CACHE": os.path.join(tmp, "cache")}
        cases = [
            ("Fashion-MNIST, Keras cache", "fashion_mnist", {"KERAS_HOME": keras_home}),
            ("Fashion-MNIST, CNNBOOK_DATA folder", "fashion_mnist", {"CNNBOOK_DATA": data}),
            ("Fashion-MNIST, Debian package", "fashion_mnist", {}),
            ("MNIST, shipped 10,000-digit sample", "mnist", {}),
            ("CIFAR-10, synthetic stand-in", "cifar10", {}),
        ]
        print(f"{'source':38s} {'median s':>9s} {'min':>6s} {'max':>6s}")
        for label, name, env in cases:
            middle, low, high = median_seconds(name, {**base, **env})
            print(f"{label:38s} {middle:9.2f} {low:6.2f} {high:6.2f}")


if __name__ == "__main__":
    main()
