"""``keras.distribution`` on the JAX backend, run as separate Python processes.

Keras fixes its backend when it is first imported, and JAX fixes its devices
and its process group when it first starts, so each run here is a fresh
Python: ``python -m cnnbook.scaleout RUN`` with ``KERAS_BACKEND=jax``. The
launcher :func:`launch` starts them from any Python (a notebook on the
TensorFlow backend included), on the CPU only, coordinated over the loopback
address 127.0.0.1 on a free port chosen at run time, each process bounded by
a timeout and killed when it passes it.

Runs
----
Both train a small convnet on the shipped MNIST sample, and first take one
step on rows 0-63 from fixed starting weights, saving the weights after it
(``NAME.npz`` in ``--out``), then time ``fit`` (images per second).

``local``
    One process with ``--devices`` simulated CPU devices: the step on one
    device (``one_device``), under ``keras.distribution.DataParallel`` over all
    devices (``devices_N``), then one Dense kernel split over two devices by
    ``ModelParallel`` and a ``LayoutMap``, and which batch statistics batch
    normalization uses under ``DataParallel``.
``cluster``
    ``--processes`` processes joined by ``keras.distribution.initialize`` over
    127.0.0.1, ``DataParallel`` over the devices of all of them
    (``processes_N``); each process feeds its own rows of every batch.

Each run prints lines ``RESULT {json}`` with its figures.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import time

import numpy as np

from cnnbook import checks

GLOBAL_BATCH = 64


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now.

    Returns
    -------
    int

    Examples
    --------
    >>> 1024 <= free_port() < 65536
    True
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def launch(run, out, processes=1, devices=1, steps=100, timeout=120):
    """Run ``python -m cnnbook.scaleout run`` in ``processes`` fresh JAX processes.

    Parameters
    ----------
    run : {"local", "cluster"}
    out : str or pathlib.Path
        Folder where process 0 saves its weights after the first step (``NAME.npz``).
    processes : int
        Processes that form one JAX cluster over 127.0.0.1 (1 or more).
    devices : int
        Simulated CPU devices per process
        (``XLA_FLAGS=--xla_force_host_platform_device_count``).
    steps : int
        Timed training steps of a global batch of 64 after the first step.
    timeout : float
        Seconds each process may run; past it, every process is killed.

    Returns
    -------
    list of str
        The standard output of each process, in process order.

    Raises
    ------
    RuntimeError
        If a process fails (its error output is quoted) or passes ``timeout``.

    Examples
    --------
    >>> (output,) = launch("local", folder, devices=2)  # doctest: +SKIP
    >>> cluster = launch("cluster", folder, processes=2)  # doctest: +SKIP
    """
    checks.choice(run, "run", ("local", "cluster"))
    processes = checks.integer(processes, "processes", 1, 8)
    devices = checks.integer(devices, "devices", 1, 8)
    steps = checks.integer(steps, "steps", 1, 120)  # the MNIST sample has 124 batches of 64
    timeout = checks.real(timeout, "timeout", positive=True)
    if GLOBAL_BATCH % (processes * devices):
        raise ValueError(f"processes * devices must divide the batch of {GLOBAL_BATCH}, "
                         f"got {processes} * {devices}")
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu", CUDA_VISIBLE_DEVICES="",
               TF_CPP_MIN_LOG_LEVEL="3", CNNBOOK_OFFLINE="1",
               # Single-threaded Eigen kernels: on a machine with few cores, the simulated
               # devices' all-reduce can otherwise wait forever for a busy thread pool.
               XLA_FLAGS=f"--xla_force_host_platform_device_count={devices} --xla_cpu_multi_thread_eigen=false")
    port = free_port()
    command = [sys.executable, "-m", "cnnbook.scaleout", run, "--processes", str(processes),
               "--port", str(port), "--steps", str(steps)]
    command += ["--out", str(out)]
    started = [subprocess.Popen(command + ["--process-id", str(i)], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for i in range(processes)]
    outputs, failures = [], []
    deadline = time.monotonic() + timeout
    for i, process in enumerate(started):
        try:
            stdout, stderr = process.communicate(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            for other in started:
                other.kill()
            stdout, stderr = process.communicate()
            failures.append(f"process {i} passed its {timeout} s timeout and was killed")
        if process.returncode != 0 and not failures:
            failures.append(f"process {i} exited with {process.returncode}:\n{stderr[-3000:]}")
        outputs.append(stdout)
    for process in started:  # none outlives the launcher
        if process.poll() is None:
            process.kill()
            process.wait()
    if failures:
        raise RuntimeError("; ".join(failures))
    return outputs


def _convnet():
    import keras

    return keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(8, 3, activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(16, 3, activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Flatten(),
        keras.layers.Dense(10),
    ])


def _local_rows(rows, process_id, processes):
    """The rows of every global batch of 64 that belong to this process.

    Batch k of the single-device run is rows 64k to 64k+63; under data
    parallelism over P processes each process feeds its own contiguous
    64/P of them, and JAX puts the pieces together in process order.
    """
    per_process = GLOBAL_BATCH // processes
    batches = rows.reshape(-1, processes, per_process, *rows.shape[1:])
    return batches[:, process_id].reshape(-1, *rows.shape[1:])


def _start(model, x, y):
    """Compile ``model`` from fixed starting weights (the same in every run) and take one step."""
    import keras

    rng = np.random.default_rng(0)
    model.set_weights([rng.normal(0, 0.1, w.shape).astype("float32") for w in model.get_weights()])
    model.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.train_on_batch(x, y)
    return [np.asarray(w) for w in model.get_weights()]


def _images_per_second(model, x, y, per_process, repeats=3):
    """Global images per second of ``model.fit`` over ``x``: the median of ``repeats`` timed fits
    after a first fit, which compiles."""
    train = dict(x=x, y=y, batch_size=per_process, epochs=1, shuffle=False, verbose=0)
    model.fit(**train)
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        model.fit(**train)
        seconds.append(time.perf_counter() - started)
    return len(x) * (GLOBAL_BATCH // per_process) / float(np.median(seconds))


def _data(args):
    from cnnbook import datasets

    (images, labels), _ = datasets.mnist_sample()
    images = datasets.as_float_images(images)[: GLOBAL_BATCH * (args.steps + 1)]
    labels = labels[: len(images)].astype("int32")
    return (_local_rows(images, args.process_id, args.processes),
            _local_rows(labels, args.process_id, args.processes))


def _show_batch(distribution, args):
    """Print which rows of a global batch each of this process's devices holds."""
    import jax

    layout = distribution.get_data_layout((GLOBAL_BATCH, 1))
    row_numbers = np.arange(GLOBAL_BATCH, dtype="float32").reshape(-1, 1)
    batch = jax.make_array_from_process_local_data(
        layout.backend_layout, _local_rows(row_numbers, args.process_id, args.processes))
    for shard in batch.addressable_shards:
        first, last = int(shard.data[0, 0]), int(shard.data[-1, 0])
        print(f"  process {args.process_id}: rows {first}-{last} of the batch on {shard.device}")


def _data_parallel(devices, args, x, y):
    """One step and the speed under DataParallel over ``devices``; process 0 saves the weights."""
    import keras

    mesh = keras.distribution.DeviceMesh((len(devices),), ["batch"], devices)
    # Each process already feeds only its own rows, so Keras must not shard them again.
    distribution = keras.distribution.DataParallel(device_mesh=mesh, auto_shard_dataset=False)
    if args.process_id == 0:
        print(f"DataParallel: mesh {dict(zip(mesh.axis_names, mesh.shape))} over {list(mesh.devices)}")
        print(f"a global batch of {GLOBAL_BATCH} images is split by rows:")
    _show_batch(distribution, args)
    per_process = GLOBAL_BATCH // args.processes
    with distribution.scope():
        model = _convnet()
        weights = _start(model, x[:per_process], y[:per_process])
        speed = _images_per_second(model, x[per_process:], y[per_process:], per_process)
    return weights, speed


def _report(args, name, weights, speed, devices):
    if args.process_id != 0:
        return
    np.savez(os.path.join(args.out, f"{name}.npz"), *weights)
    print(f"{name}: one step taken and its weights saved; {speed:,.0f} images/s")
    print("RESULT " + json.dumps({"run": name, "processes": args.processes, "devices": len(devices),
                                  "images_per_second": speed}))


def _local(args):
    """On the devices of one process: one device, then DataParallel over all, then ModelParallel."""
    import jax
    import keras

    devices = keras.distribution.list_devices("cpu")
    print(f"one process, devices {devices}")
    x, y = _data(args)
    model = _convnet()
    with jax.default_device(jax.devices("cpu")[0]):
        weights = _start(model, x[:GLOBAL_BATCH], y[:GLOBAL_BATCH])
        speed = _images_per_second(model, x[GLOBAL_BATCH:], y[GLOBAL_BATCH:], GLOBAL_BATCH)
    _report(args, "one_device", weights, speed, devices[:1])
    if len(devices) > 1:
        _report(args, f"devices_{len(devices)}", *_data_parallel(devices, args, x, y), devices)
        _model_parallel(devices)
        _batch_norm(devices)


def _batch_norm(devices):
    """Which statistics batch normalization uses under DataParallel: each device's, or the global batch's."""
    import keras

    # Two halves as different as can be: the devices' own means are far from the batch's.
    x = np.random.default_rng(2).normal(size=(GLOBAL_BATCH, 3)).astype("float32")
    x[GLOBAL_BATCH // 2:] += 5.0
    mesh = keras.distribution.DeviceMesh((len(devices),), ["batch"], devices)
    with keras.distribution.DataParallel(device_mesh=mesh).scope():
        model = keras.Sequential([keras.Input((3,)), keras.layers.BatchNormalization(momentum=0.0),
                                  keras.layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
        model.train_on_batch(x, np.zeros((GLOBAL_BATCH, 1), "float32"))
    moving_mean = np.asarray(model.layers[0].moving_mean)  # momentum 0: the last batch's mean
    halves = [x[:GLOBAL_BATCH // 2].mean(axis=0), x[GLOBAL_BATCH // 2:].mean(axis=0)]
    print(f"BatchNormalization under DataParallel: mean used {np.round(moving_mean, 2)}; "
          f"whole batch {np.round(x.mean(axis=0), 2)}, device halves {np.round(halves[0], 2)} "
          f"and {np.round(halves[1], 2)}")
    print("RESULT " + json.dumps({"run": "batch_norm",
                                  "from_global": float(np.max(np.abs(moving_mean - x.mean(axis=0)))),
                                  "from_first_half": float(np.max(np.abs(moving_mean - halves[0])))}))


def _cluster(args):
    """DataParallel over the devices of all the processes, which meet at 127.0.0.1."""
    import jax
    import keras

    keras.distribution.initialize(job_addresses=f"127.0.0.1:{args.port}",
                                  num_processes=args.processes, process_id=args.process_id)
    devices = keras.distribution.list_devices("cpu")
    print(f"process {jax.process_index()} of {jax.process_count()}: own devices "
          f"{[str(d) for d in jax.local_devices()]}, all devices {devices}")
    x, y = _data(args)
    _report(args, f"processes_{args.processes}", *_data_parallel(devices, args, x, y), devices)


def _model_parallel(devices):
    """A Dense layer whose kernel's columns are split over two devices, against the unsharded layer."""
    import keras

    mesh = keras.distribution.DeviceMesh((1, 2), ["batch", "model"], devices[:2])
    layout_map = keras.distribution.LayoutMap(mesh)
    layout_map["wide/kernel"] = (None, "model")  # split the output units
    layout_map["wide/bias"] = ("model",)
    sharded = keras.distribution.ModelParallel(layout_map=layout_map, batch_dim_name="batch")
    print(f"ModelParallel: mesh {dict(zip(mesh.axis_names, mesh.shape))}, "
          f"layout of 'wide/kernel' {layout_map['wide/kernel'].axes}")
    x = np.random.default_rng(1).normal(size=(4, 6)).astype("float32")
    plain = keras.layers.Dense(8, name="wide")
    expected = np.asarray(plain(x))
    with sharded.scope():
        layer = keras.layers.Dense(8, name="wide")
        layer.build(x.shape)
        layer.set_weights(plain.get_weights())
        output = np.asarray(layer(x))
    kernel = layer.kernel.value
    print(f"kernel {tuple(kernel.shape)}, sharding {kernel.sharding.spec}:")
    for shard in sorted(kernel.addressable_shards, key=lambda s: s.device.id):
        columns = shard.index[1]
        print(f"  columns {columns.start}-{columns.stop - 1} {shard.data.shape} on {shard.device}")
    difference = float(np.max(np.abs(output - expected)))
    print(f"largest difference from the unsharded layer: {difference:.1e}")
    print("RESULT " + json.dumps({"run": "model_parallel", "difference": difference,
                                  "shards": len(kernel.addressable_shards)}))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m cnnbook.scaleout", description=__doc__.split("\n")[0])
    parser.add_argument("run", choices=["local", "cluster"])
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--process-id", type=int, default=0)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--out", default=".")
    args = parser.parse_args(argv)
    {"local": _local, "cluster": _cluster}[args.run](args)


if __name__ == "__main__":
    main()
