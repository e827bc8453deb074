"""How fast is cnnbook.conv next to SciPy and TensorFlow? (CPU)

Run:  python benchmarks/conv_speed.py

For each method: median wall time over several runs (timeit, one call per
run), the best run, the ratio of the median to tf.nn.conv2d's, and the largest
error relative to tf.nn.conv2d's output: max |ours - tf| / max |tf|.
Everything is float32 with "same" zero padding. In the batched case, TensorFlow
and cnnbook take turns call by call, so that both run under the same load.
Run it with nothing else running: ``flock /tmp/cnnbook-cpu.lock python benchmarks/conv_speed.py``
on the shared development machine.
"""

import os
import platform
import timeit

import numpy as np
import scipy
import scipy.ndimage
import scipy.signal
import tensorflow as tf

from cnnbook.conv import conv2d, corr2d, corr2d_loops


def timed(f, repeat):
    """Median and best of ``repeat`` single calls, in milliseconds."""
    times = np.array(timeit.repeat(f, number=1, repeat=repeat)) * 1e3
    return np.median(times), times.min()


def rel_error(ours, reference):
    return np.abs(ours - reference).max() / np.abs(reference).max()


def report(name, f, reference, tf_median, repeat, note=""):
    median, best = timed(f, repeat)
    error = rel_error(f(), reference)
    ratio = median / tf_median if tf_median else 1.0
    print(f"  {name:<26}{median:>10.2f}{best:>10.2f}{ratio:>9.2f}x{error:>12.1e}  {note}")
    return median


def header():
    print(f"  {'method':<26}{'median ms':>10}{'best ms':>10}{'vs tf':>10}{'rel error':>12}")


def tf_corr(x, k):
    return tf.nn.conv2d(x[None, :, :, None], k[:, :, None, None], 1, "SAME").numpy()[0, :, :, 0]


def bench_2d(size, ksize, rng):
    x = rng.random((size, size), dtype=np.float32)
    k = rng.normal(size=(ksize, ksize)).astype(np.float32)
    reference = tf_corr(x, k)
    print(f"\n2-D cross-correlation, {size}x{size} float32 image, {ksize}x{ksize} kernel, 'same' padding")
    header()
    tf_median = report("tf.nn.conv2d", lambda: tf_corr(x, k), reference, None, 50)
    report("cnnbook corr2d", lambda: corr2d(x, k, padding="same"), reference, tf_median, 50)
    report(
        "scipy.ndimage.correlate",
        lambda: scipy.ndimage.correlate(x, k, mode="constant"), reference, tf_median, 30,
    )
    report(
        "scipy.signal.correlate2d",
        lambda: scipy.signal.correlate2d(x, k, mode="same"), reference, tf_median, 10,
    )
    # The loop version is far too slow for 512x512: time it on a 64x64 crop
    # (64 times fewer pixels) and scale the time up.
    small = x[:64, :64]
    small_ref = tf_corr(small, k)
    scale = x.size / small.size
    median, best = timed(lambda: corr2d_loops(small, k, padding="same"), 3)
    error = rel_error(corr2d_loops(small, k, padding="same"), small_ref)
    print(
        f"  {'cnnbook corr2d_loops':<26}{median * scale:>10.0f}{best * scale:>10.0f}"
        f"{median * scale / tf_median:>9.0f}x{error:>12.1e}  "
        f"(timed on a 64x64 crop: {median:.1f} ms, times {scale:.0f})"
    )


def interleaved(functions, repeat):
    """Median and best times (ms) of each function, calling them in turn ``repeat`` times.

    Taking turns puts every method under the same load when the machine is
    shared, so the ratios compare like with like.
    """
    times = {name: [] for name in functions}
    for f in functions.values():
        f()  # warm up
    for _ in range(repeat):
        for name, f in functions.items():
            times[name].append(timeit.timeit(f, number=1) * 1e3)
    return {name: (np.median(t), np.min(t)) for name, t in times.items()}


def bench_conv2d(rng, repeat=60):
    x = rng.random((64, 28, 28, 32), dtype=np.float32)
    w = (rng.normal(size=(3, 3, 32, 64)) / np.sqrt(3 * 3 * 32)).astype(np.float32)
    b = rng.normal(size=64).astype(np.float32)

    def with_tf():
        return (tf.nn.conv2d(x, w, 1, "SAME") + b).numpy()

    reference = with_tf()
    functions = {
        "tf.nn.conv2d (+ bias)": with_tf,
        "cnnbook conv2d": lambda: conv2d(x, w, b, padding="same"),
    }
    print("\nMulti-channel conv2d, batch (64, 28, 28, 32) float32, kernel (3, 3, 32, 64) + bias, 'same'")
    print(f"  (the two take turns, {repeat} calls each)")
    header()
    results = interleaved(functions, repeat)
    tf_median = results["tf.nn.conv2d (+ bias)"][0]
    for name, (median, best) in results.items():
        error = rel_error(functions[name](), reference)
        print(f"  {name:<26}{median:>10.2f}{best:>10.2f}{median / tf_median:>9.2f}x{error:>12.1e}")


def main():
    print(
        f"CPU: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f} at start; NumPy {np.__version__}, "
        f"SciPy {scipy.__version__}, TensorFlow {tf.__version__}"
    )
    rng = np.random.default_rng(0)
    for ksize in (3, 5):
        bench_2d(512, ksize, rng)
    bench_conv2d(rng)


if __name__ == "__main__":
    main()
