"""The book's training nets at their `full` sizes, timed on a GPU with JAX or PyTorch: one command, a fixed budget.

Trains, one after the other, the nets that chapters 7, 8, 10 and 11 train,
built by the same `cnnbook.models` and `cnnbook.architectures` functions at
the `full` profile's sizes and with the chapters' optimizers and batch sizes:

* chapter 7: the *Deep Learning with Python* convnet on MNIST (offline: the
  10,000-digit sample shipped with cnnbook);
* chapter 8: d2l's LeNet (sigmoid, SGD 0.9, pixels 0-255 as d2l) and the
  modern LeNet (ReLU, batch normalization, Adam with one-cycle) on the
  complete Fashion-MNIST;
* chapter 10: AlexNet at 224 px, VGG-11 at 224 px with d2l's width ratio (1/4);
* chapter 11: NiN at 224 px, GoogLeNet (the shortened one) and ResNet-18 at
  96 px, full widths.

Fashion-MNIST's 28x28 images are resized inside the model, batch by batch,
on the device (``keras.layers.Resizing``, as the chapters do), so the 224 px
copies never exist in host memory.

For each net it prints, as it goes (``flush=True``), one line per epoch and
then one row: images per second of training after warm-up, seconds per epoch,
test accuracy, device, backend and precision (``mixed_float16`` on a GPU, as
`cnnbook.runtime.setup` switches it on). Each row is added to a JSON file at
once, so that a run cut short still leaves what it measured.

How the time is spent:

* each backend runs in a child process with ``KERAS_BACKEND`` set (Keras
  picks its backend at import); JAX first, then PyTorch where both are
  installed (``--backends``). The first backend gets 60% of ``--budget``, the
  rest share what is left; a child that overruns its share by 60 s is stopped;
* per net, a warm-up fit of one full and one last, shorter batch compiles
  both batch shapes (not timed as training); then the timed fit runs the
  net's budget of epochs (the chapters' `full` epochs for the small nets,
  ``--deep-epochs`` of them for the deep ones; the learning-rate schedule
  spans the epochs run) and stops early at the net's time cap: the smaller of
  ``--net-cap`` and 60% of the backend's time left divided by the nets left;
* images per second = images trained in the timed fit / its seconds;
  seconds per epoch = the mean of the complete epochs, or, if the cap came
  first, the training images divided by images per second ("extrapolated");
  test accuracy after the epochs run, on the whole test set, with no
  validation during training.

Usage, on a GPU machine where ``keras`` is installed (see the README section
"Running the book on a GPU" for the carried folder and its one command)::

    python benchmarks/gpu_book_run.py                    # every net, JAX then PyTorch, under 8 minutes
    python benchmarks/gpu_book_run.py --plan             # the time estimate from the nets' multiply-adds
    python benchmarks/gpu_book_run.py --backends jax --nets alexnet,resnet18 --budget 120

The figures go to ``--out-dir`` (default ``results/gpu``), one file per device,
``<device>.json``, which `book.results_page.gpu_section` shows on the Results page.
Nothing here imports TensorFlow.
"""

import argparse
import datetime
import json
import math
import os
import pathlib
import re
import subprocess
import sys
import time

#: The format written in every results file, so that readers can refuse what they do not know.
FORMAT = "cnnbook-gpu-run/1"
#: Share of the budget the first backend gets; the others share the rest equally.
FIRST_SHARE = 0.6
#: Share of a net's slice of the time left that its timed fit may use (the rest: compiling, testing).
TRAIN_SHARE = 0.6
#: Seconds a child may overrun its share before the parent stops it.
GRACE = 60
VGG11_CONFIG = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))


def _net_specs():
    """Each net as the chapters train it at the `full` profile: what to build, the data, the recipe."""
    from cnnbook import architectures as A
    from cnnbook import models as M

    def adam_cosine(rate):
        # Chapters 10 and 11: Adam, cosine decay over every step of the run.
        return lambda steps: _keras().optimizers.Adam(_keras().optimizers.schedules.CosineDecay(rate, steps))

    def one_cycle(peak):
        # Chapter 8: linear warm-up for 10% of the steps, then cosine decay to 0.
        def make(steps):
            schedules = _keras().optimizers.schedules
            return _keras().optimizers.Adam(schedules.CosineDecay(
                0.0, steps - steps // 10, warmup_target=peak, warmup_steps=steps // 10))
        return make

    return [
        dict(key="convnet", title="DLwP convnet", chapter=7, data="mnist", pixels="unit", size=28,
             hold_out=0.1, batch=64, epochs=5, deep=False, build=M.chollet_convnet,
             optimizer=lambda steps: "rmsprop"),
        dict(key="lenet", title="d2l LeNet", chapter=8, data="fashion_mnist", pixels="raw", size=28,
             hold_out=0.1, batch=32, epochs=5, deep=False, build=M.lenet_d2l,
             optimizer=lambda steps: _keras().optimizers.SGD(learning_rate=0.9)),
        dict(key="modern_lenet", title="modern LeNet", chapter=8, data="fashion_mnist", pixels="unit", size=28,
             hold_out=0.1, batch=128, epochs=5, deep=False, build=M.modern_lenet, optimizer=one_cycle(3e-3)),
        dict(key="alexnet", title="AlexNet", chapter=10, data="fashion_mnist", pixels="unit", size=224,
             hold_out=0.0, batch=128, epochs=10, deep=True,
             build=lambda: A.alexnet((224, 224, 1), 10, width=1.0), optimizer=adam_cosine(1e-4)),
        dict(key="vgg11", title="VGG-11 w/4", chapter=10, data="fashion_mnist", pixels="unit", size=224,
             hold_out=0.0, batch=128, epochs=10, deep=True,
             build=lambda: A.vgg(VGG11_CONFIG, (224, 224, 1), 10, width=0.25), optimizer=adam_cosine(1e-4)),
        dict(key="nin", title="NiN", chapter=11, data="fashion_mnist", pixels="unit", size=224,
             hold_out=0.0, batch=128, epochs=10, deep=True,
             build=lambda: A.nin((224, 224, 1), 10, width=1.0, stem="imagenet"), optimizer=adam_cosine(2e-3)),
        dict(key="googlenet", title="GoogLeNet", chapter=11, data="fashion_mnist", pixels="unit", size=96,
             hold_out=0.0, batch=128, epochs=10, deep=True,
             build=lambda: A.small_googlenet((96, 96, 1), 10, width=1.0, stem="imagenet"),
             optimizer=adam_cosine(2e-3)),
        dict(key="resnet18", title="ResNet-18", chapter=11, data="fashion_mnist", pixels="unit", size=96,
             hold_out=0.0, batch=128, epochs=10, deep=True,
             build=lambda: A.resnet18((96, 96, 1), 10, width=1.0, stem="imagenet"),
             optimizer=adam_cosine(2e-3)),
    ]


NET_KEYS = ("convnet", "lenet", "modern_lenet", "alexnet", "vgg11", "nin", "googlenet", "resnet18")


def _keras():
    import keras

    return keras


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default=None,
                        help="comma-separated Keras backends, in order (default: jax,torch, those installed)")
    parser.add_argument("--nets", default=",".join(NET_KEYS), help=f"comma-separated, from {', '.join(NET_KEYS)}")
    parser.add_argument("--budget", type=float, default=410,
                        help="seconds for the whole run; a child may overrun its share by 60 s (default 410)")
    parser.add_argument("--net-cap", type=float, default=40, help="most seconds of timed training per net")
    parser.add_argument("--deep-epochs", type=int, default=3,
                        help="epochs for the nets of chapters 10 and 11 (their `full` profile trains 10)")
    parser.add_argument("--epochs", type=int, default=None, help="epochs for every net (overrides the defaults)")
    parser.add_argument("--batch-size", type=int, default=None, help="batch size for every net (default: the chapters')")
    parser.add_argument("--train-images", type=int, default=None, help="train on the first N images only")
    parser.add_argument("--test-images", type=int, default=None, help="test on the first N images only")
    parser.add_argument("--precision", default="auto",
                        choices=("auto", "float32", "mixed_float16", "mixed_bfloat16"),
                        help="Keras dtype policy; auto: as cnnbook.runtime.setup (mixed_float16 on a GPU)")
    parser.add_argument("--out-dir", default=os.path.join("results", "gpu"), help="folder of the results file")
    parser.add_argument("--plan", action="store_true",
                        help="print the time estimate from each net's multiply-adds and exit (trains nothing)")
    parser.add_argument("--assume-tflops", type=float, default=100,
                        help="sustained training rate that --plan assumes, in TFLOP/s (default 100)")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)  # the backend a child process runs
    parser.add_argument("--deadline", type=float, default=None, help=argparse.SUPPRESS)  # time.time() to end by
    parser.add_argument("--run-id", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    nets = [name.strip() for name in args.nets.split(",") if name.strip()]
    unknown = sorted(set(nets) - set(NET_KEYS))
    if unknown or not nets:
        parser.error(f"--nets: unknown {', '.join(unknown) or 'empty list'}; choose from {', '.join(NET_KEYS)}")
    args.nets = nets
    for name in ("budget", "net_cap"):
        if not getattr(args, name) > 0:
            parser.error(f"--{name.replace('_', '-')} must be positive")
    for name in ("deep_epochs", "epochs", "batch_size", "train_images", "test_images"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    return args


# ---------------------------------------------------------------- the parent: one child per backend


def installed_backends():
    """The Keras backends this Python can import, of the two this run knows, JAX first."""
    import importlib.util

    return [name for name in ("jax", "torch") if importlib.util.find_spec(name) is not None]


def main(argv=None):
    args = parse_args(argv)
    if args.child:
        return run_backend(args)
    if args.plan:
        return plan(args)
    started = time.time()
    backends = args.backends.split(",") if args.backends else installed_backends()
    backends = [b.strip() for b in backends if b.strip()]
    if not backends:
        sys.exit("no Keras backend to run: install JAX or PyTorch, or name one with --backends")
    bad = sorted(set(backends) - {"jax", "torch"})
    if bad:
        sys.exit(f"--backends: {', '.join(bad)} not supported here; use jax and/or torch (no TensorFlow)")
    run_id = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    print(f"gpu_book_run: backends {', '.join(backends)}; nets {', '.join(args.nets)}; budget {args.budget:.0f} s, "
          f"per-net cap {args.net_cap:.0f} s; results in {args.out_dir}", flush=True)
    shares = _shares(len(backends))
    end = started
    codes = {}
    for backend, share in zip(backends, shares):
        end += share * args.budget  # what a backend leaves unused goes to the next
        deadline = max(end, time.time() + 10)
        env = dict(os.environ, KERAS_BACKEND=backend, CNNBOOK_PROFILE="full", PYTHONUNBUFFERED="1")
        env.setdefault("CNNBOOK_OFFLINE", "1")
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        command = [sys.executable, os.path.abspath(__file__), *_passed_on(argv), "--child", backend,
                   "--deadline", f"{deadline:.1f}", "--run-id", run_id]
        try:
            codes[backend] = subprocess.run(command, env=env, timeout=deadline - time.time() + GRACE).returncode
        except subprocess.TimeoutExpired:
            print(f"gpu_book_run: the {backend} run overran its share by {GRACE} s and was stopped", flush=True)
            codes[backend] = "stopped"
    print_summary(args.out_dir, run_id)
    failed = {b: c for b, c in codes.items() if c != 0}
    print(f"gpu_book_run: done in {time.time() - started:.0f} s"
          + (f"; child exit codes {failed}" if failed else ""), flush=True)
    return 0 if not failed else 1


def _shares(count):
    """Fractions of the budget for `count` backends: the first gets FIRST_SHARE, the rest share the rest."""
    if count == 1:
        return [1.0]
    return [FIRST_SHARE] + [(1 - FIRST_SHARE) / (count - 1)] * (count - 1)


def _passed_on(argv):
    """The command-line arguments the parent hands to its children: all but --backends."""
    argv = list(sys.argv[1:] if argv is None else argv)
    kept, skip = [], False
    for item in argv:
        if skip:
            skip = False
            continue
        if item == "--backends":
            skip = True
            continue
        if item.startswith("--backends="):
            continue
        kept.append(item)
    return kept


def print_summary(out_dir, run_id):
    """Print every row this run wrote, one line per net and backend."""
    rows = []
    for path in sorted(pathlib.Path(out_dir).glob("*.json")):
        try:
            stored = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if stored.get("format") == FORMAT and stored.get("run_id") == run_id:
            rows += [dict(row, device=stored["device"]) for row in stored["rows"]]
    print("\nSummary (images/s: training after warm-up; s/epoch: * = extrapolated from images/s)")
    print(format_rows(rows) if rows else "no row was written", flush=True)


def format_rows(rows):
    """Format result rows as an aligned text table."""
    lines = [f"{'net':<14}{'backend':<8}{'px':>5}{'precision':>16}{'images/s':>10}{'s/epoch':>10}"
             f"{'epochs':>8}{'test acc':>10}  device"]
    for row in rows:
        if row["status"] != "ok":
            lines.append(f"{row['title']:<14}{row['backend']:<8}{row['image_px']:>5}  {row['status']}")
            continue
        mark = "*" if row["epoch_s_how"] == "extrapolated" else " "
        lines.append(f"{row['title']:<14}{row['backend']:<8}{row['image_px']:>5}{row['precision']:>16}"
                     f"{row['images_per_s']:>10,.0f}{_seconds(row['epoch_s']):>9}{mark}{row['epochs_run']:>8.2f}"
                     f"{row['test_accuracy']:>9.1f}%  {row['device']}")
    return "\n".join(lines)


def _seconds(value):
    """Seconds with three significant digits: 0.0431, 2.35, 41.2, 318."""
    return f"{value:.3g}" if value < 100 else f"{value:.0f}"


def plan(args):
    """Print, per net, its training work and the seconds it would take at ``--assume-tflops``; return 0.

    Training FLOPs per image are taken as 3 x 2 x the forward multiply-adds
    (forward, and a backward pass of about twice the forward's work), counted by
    `cnnbook.architectures.layer_table` over convolutions and dense layers.
    """
    from cnnbook import architectures

    print(f"{'net':<14}{'M mult-adds/img':>16}{'train GFLOP/img':>16}{'epochs':>7}{'images':>10}"
          f"{'TFLOP':>8}{'s at ' + format(args.assume_tflops, 'g') + ' TFLOP/s':>18}")
    total = 0.0
    for spec in _net_specs():
        if spec["key"] not in args.nets:
            continue
        net = spec["build"]()
        macs = sum(row["macs"] for row in architectures.layer_table(net))
        n_train = 60_000 if spec["data"] == "fashion_mnist" else 8_004
        n_fit = min(n_train - int(spec["hold_out"] * n_train), args.train_images or n_train)
        epochs = args.epochs or (min(args.deep_epochs, spec["epochs"]) if spec["deep"] else spec["epochs"])
        flop = 6 * macs * n_fit * epochs
        seconds = flop / (args.assume_tflops * 1e12)
        total += seconds
        print(f"{spec['title']:<14}{macs / 1e6:>16,.1f}{6 * macs / 1e9:>16.3f}{epochs:>7}{n_fit * epochs:>10,}"
              f"{flop / 1e12:>8,.1f}{_seconds(seconds):>18}")
    print(f"training in all: {_seconds(total)} s at {args.assume_tflops:g} TFLOP/s, before compiling, "
          f"per-step overheads and the per-net cap of {args.net_cap:g} s")
    return 0


# ---------------------------------------------------------------- the child: one backend, every net


def run_backend(args):
    """Train every net on this process's Keras backend; write each row as soon as it is measured."""
    import keras

    from cnnbook import runtime

    if keras.backend.backend() != args.child:
        sys.exit(f"KERAS_BACKEND is {keras.backend.backend()!r}, expected {args.child!r}")
    runtime.setup()
    if args.precision != "auto":
        keras.mixed_precision.set_global_policy(args.precision)
    precision = keras.mixed_precision.global_policy().name
    device = runtime.device_description()
    version = _backend_version(args.child)
    out = pathlib.Path(args.out_dir) / f"{_slug(device)}.json"
    passed = sys.argv[1:sys.argv.index("--child")] if "--child" in sys.argv else sys.argv[1:]
    header = {"format": FORMAT, "run_id": args.run_id or "standalone", "device": device,
              "budget_s": args.budget, "net_cap_s": args.net_cap, "arguments": " ".join(passed)}
    print(f"[{args.child}] {device}; {version}, Keras {keras.__version__}; precision {precision}; "
          f"results to {out}", flush=True)
    data = {}
    specs = [spec for spec in _net_specs() if spec["key"] in args.nets]
    specs.sort(key=lambda spec: args.nets.index(spec["key"]))
    deadline = args.deadline or time.time() + args.budget
    for position, spec in enumerate(specs):
        left = deadline - time.time()
        share = TRAIN_SHARE * left / (len(specs) - position)
        cap = min(args.net_cap, share)
        row = {"net": spec["key"], "title": spec["title"], "chapter": spec["chapter"], "image_px": spec["size"],
               "backend": args.child, "backend_version": version, "keras": keras.__version__,
               "precision": precision}
        if share < 3:  # too little left to compile and train this net
            row["status"] = f"not run: {left:.0f} s left of this backend's share"
            print(f"[{args.child}] {spec['title']}: {row['status']}", flush=True)
        else:
            if spec["data"] not in data:
                data[spec["data"]] = _load(spec["data"])
            try:
                row.update(train_one(spec, data[spec["data"]], args, cap))
                row["status"] = "ok"
            except Exception as error:  # one net failing must not cost the others their turn
                row["status"] = f"failed: {type(error).__name__}: {str(error)[:300]}"
                print(f"[{args.child}] {spec['title']}: {row['status']}", flush=True)
        write_row(out, header, row)
    return 0


def _backend_version(backend):
    module = __import__(backend)
    return f"{backend} {module.__version__}"


def _slug(text):
    """``"GPU: NVIDIA H100 80GB HBM3"`` -> ``"gpu-nvidia-h100-80gb-hbm3"``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "device"


def _load(name):
    from cnnbook import datasets, runtime

    (x_train, y_train), (x_test, y_test) = datasets.load(name)
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test,
            "source": runtime.data_source(name).description}


def _images(raw, pixels):
    """uint8 (N, 28, 28) -> float32 (N, 28, 28, 1): in [0, 1], or 0 to 255 as d2l's LeNet takes them."""
    from cnnbook import datasets

    if pixels == "raw":
        return raw[..., None].astype("float32")
    return datasets.as_float_images(raw)


def train_one(spec, data, args, cap):
    """Warm up, train for the net's epochs or until `cap` seconds, test; return the row's figures."""
    import keras
    import numpy as np
    from keras import layers

    from cnnbook import runtime

    tag = f"[{args.child}] {spec['title']}"
    n_fit = len(data["x_train"]) - int(spec["hold_out"] * len(data["x_train"]))  # the chapters' hold-out
    n_fit = min(n_fit, args.train_images or n_fit)
    x_train = _images(data["x_train"][:n_fit], spec["pixels"])
    y_train = data["y_train"][:n_fit]
    n_test = min(len(data["x_test"]), args.test_images or len(data["x_test"]))
    x_test, y_test = _images(data["x_test"][:n_test], spec["pixels"]), data["y_test"][:n_test]
    batch = min(args.batch_size or spec["batch"], n_fit)
    epochs = args.epochs or (min(args.deep_epochs, spec["epochs"]) if spec["deep"] else spec["epochs"])
    steps_per_epoch = math.ceil(n_fit / batch)
    last = n_fit - (steps_per_epoch - 1) * batch  # the size of each epoch's last batch
    warm = batch + last if last < batch else min(2 * batch, n_fit)

    keras.utils.set_random_seed(0)
    net = spec["build"]()
    resize = [] if spec["size"] == 28 else [layers.Resizing(spec["size"], spec["size"])]
    model = net if not resize else keras.Sequential([keras.Input((28, 28, 1)), *resize, net], name=net.name)
    warm_steps = math.ceil(warm / batch)
    model.compile(optimizer=spec["optimizer"](epochs * steps_per_epoch + warm_steps),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    print(f"{tag} (chapter {spec['chapter']}): {net.count_params():,} parameters, {spec['size']} px, "
          f"batch {batch}, {epochs} epochs of {n_fit:,} images (chapter: {spec['epochs']}), "
          f"cap {cap:.0f} s; data: {data['source']}", flush=True)

    started = time.perf_counter()
    model.fit(x_train[:warm], y_train[:warm], batch_size=batch, epochs=1, shuffle=False, verbose=0)
    warm_s = time.perf_counter() - started

    clock = CappedClock(cap, batch, steps_per_epoch, last, tag)
    started = time.perf_counter()
    model.fit(x_train, y_train, batch_size=batch, epochs=epochs, shuffle=True, verbose=0, callbacks=[clock])
    train_s = time.perf_counter() - started
    ips = clock.images / train_s
    if clock.epoch_seconds:
        epoch_s, how = float(np.mean(clock.epoch_seconds)), "measured"
    else:
        epoch_s, how = n_fit / ips, "extrapolated"

    started = time.perf_counter()
    _, accuracy = model.evaluate(x_test, y_test, batch_size=min(500, n_test), verbose=0)
    test_s = time.perf_counter() - started
    epochs_run = clock.images / n_fit
    stopped = "cap" if clock.capped else "epochs"
    print(f"{tag}: {ips:,.0f} images/s, {epoch_s:.1f} s/epoch ({how}), test accuracy {100 * accuracy:.1f}% "
          f"after {epochs_run:.2f} epochs (stopped by {stopped}); warm-up {warm_s:.1f} s, test {test_s:.1f} s; "
          f"{args.child}, {keras.mixed_precision.global_policy().name}, {runtime.device_description()}", flush=True)
    return {"data": data["source"], "parameters": int(net.count_params()), "batch_size": batch,
            "train_images": n_fit, "test_images": n_test, "epochs_planned": epochs, "chapter_epochs": spec["epochs"],
            "epochs_run": round(epochs_run, 3), "stopped_by": stopped, "warmup_s": round(warm_s, 2),
            "train_s": round(train_s, 2), "images_per_s": round(ips, 1), "epoch_s": round(epoch_s, 2),
            "epoch_s_how": how, "test_accuracy": round(100 * float(accuracy), 2), "test_s": round(test_s, 2)}


def CappedClock(cap, batch, steps_per_epoch, last, tag):
    """Return a Keras callback that counts images, times epochs and stops training after `cap` seconds."""
    return _capped_clock_class()(cap, batch, steps_per_epoch, last, tag)


def _capped_clock_class():
    import keras

    class CappedClockImpl(keras.callbacks.Callback):
        """Counts images, times whole epochs, and stops training once `cap` seconds have passed.

        The backends run steps asynchronously: the host can be ahead of the
        device. So the clock is read after waiting for the device (reading the
        loss) at most about once a second and at the end of every epoch.
        """

        def __init__(self, cap, batch, steps_per_epoch, last, tag):
            super().__init__()
            self.cap, self.batch, self.steps_per_epoch, self.last, self.tag = cap, batch, steps_per_epoch, last, tag
            self.images, self.epoch_seconds, self.capped = 0, [], False

        def on_train_begin(self, logs=None):
            self.started = self.synced = time.perf_counter()

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch_started = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            self.images += self.last if batch == self.steps_per_epoch - 1 else self.batch
            now = time.perf_counter()
            if now - self.synced < 1.0:
                return
            _wait_for(logs)
            self.synced = time.perf_counter()
            if self.synced - self.started > self.cap:
                self.capped = True
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            _wait_for(logs)
            if self.capped:
                return  # a cut epoch is not a whole epoch's time
            seconds = time.perf_counter() - self.epoch_started
            self.epoch_seconds.append(seconds)
            accuracy = float(logs.get("accuracy", float("nan"))) if logs else float("nan")
            print(f"{self.tag}: epoch {epoch + 1}: {seconds:.1f} s, training accuracy {100 * accuracy:.1f}%",
                  flush=True)

    return CappedClockImpl


def _wait_for(logs):
    """Block until the device has computed the step that produced `logs`."""
    if logs and "loss" in logs:
        float(logs["loss"])


def write_row(path, header, row):
    """Add `row` to the results file at `path`, atomically; start the file afresh for a new run."""
    path.parent.mkdir(parents=True, exist_ok=True)
    stored = None
    if path.exists():
        try:
            stored = json.loads(path.read_text())
        except ValueError:
            stored = None
    if not stored or stored.get("format") != FORMAT or stored.get("run_id") != header["run_id"]:
        stored = dict(header, rows=[])
    stored["rows"] = [r for r in stored["rows"] if (r["net"], r["backend"]) != (row["net"], row["backend"])]
    stored["rows"].append(row)
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(stored, indent=1) + "\n")
    os.replace(temporary, path)


if __name__ == "__main__":
    sys.exit(main())
