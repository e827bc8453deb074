"""Per-epoch training time of Part III's nets on this machine, at the sizes chapters 10, 11 and 13 train them.

Usage: ``python benchmarks/deep_nets_epoch_time.py [--sizes quick|full] [--batch-size 128] [--steps 10]``

``--sizes quick`` (default) times the nets as the CPU profiles train them on
Fashion-MNIST (28x28 grey images, resized or padded inside the model):
AlexNet width 1/4 at 67 px, VGG-11 width 1/8 at 32 px, NiN and the shortened
GoogLeNet width 1/4 with the small stem, ResNet-18 width 1/8 with the small
stem, and chapter 14's three-block convnet. ``--sizes full`` times the `full`
profile's nets, meant for a GPU (AlexNet at 224, VGG-11 width 1/4 at 224,
NiN at 224, GoogLeNet and ResNet-18 at 96, full width).

For each net a few training steps on random images are run first (tracing and
warm-up, not timed), then ``--steps`` steps are timed. The epoch time is
*extrapolated* from the mean step time to one epoch of Fashion-MNIST's 60,000
training images. The nets are backend-agnostic Keras 3: run with
``KERAS_BACKEND=jax`` on a GPU.
"""

import argparse
import math
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

TRAIN_IMAGES = 60_000
VGG11_CONFIG = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))


def nets(sizes):
    """Return (name, input size, builder) for each net of the chosen sizes."""
    from keras import layers

    from cnnbook import architectures as A

    def convnet():
        import keras

        inputs = keras.Input((28, 28, 1))
        x = inputs
        for filters in (32, 64, 128):
            x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
            x = layers.MaxPooling2D(2)(x)
        x = layers.Dense(128, activation="relu")(layers.Flatten()(x))
        return keras.Model(inputs, layers.Dense(10, activation="softmax")(x), name="convnet")

    if sizes == "quick":
        return [
            ("AlexNet w/4", 67, lambda: A.alexnet((67, 67, 1), 10, width=0.25)),
            ("VGG-11 w/8", 32, lambda: A.vgg(VGG11_CONFIG, (32, 32, 1), 10, width=0.125)),
            ("NiN w/4", 28, lambda: A.nin((28, 28, 1), 10, width=0.25, stem="small")),
            ("GoogLeNet w/4", 28, lambda: A.small_googlenet((28, 28, 1), 10, width=0.25, stem="small")),
            ("ResNet-18 w/8", 28, lambda: A.resnet18((28, 28, 1), 10, width=0.125, stem="small")),
            ("convnet (ch13)", 28, convnet),
        ]
    return [
        ("AlexNet", 224, lambda: A.alexnet((224, 224, 1), 10)),
        ("VGG-11 w/4", 224, lambda: A.vgg(VGG11_CONFIG, (224, 224, 1), 10, width=0.25)),
        ("NiN", 224, lambda: A.nin((224, 224, 1), 10)),
        ("GoogLeNet", 96, lambda: A.small_googlenet((96, 96, 1), 10)),
        ("ResNet-18", 96, lambda: A.resnet18((96, 96, 1), 10)),
    ]


def time_net(name, net, size, batch_size, steps, warmup=2):
    """Time `steps` training steps of `net` fed 28x28 images fitted to `size`; print one row."""
    import keras
    import numpy as np
    from keras import layers

    fit_in = [] if size == 28 else [layers.ZeroPadding2D(2) if size == 32 else layers.Resizing(size, size)]
    model = keras.Sequential([keras.Input((28, 28, 1)), *fit_in, net])
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (batch_size * (warmup + steps), 28, 28, 1)).astype("float32")
    y = rng.integers(0, 10, len(x))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x[: batch_size * warmup], y[: batch_size * warmup], batch_size=batch_size, verbose=0)
    started = time.perf_counter()
    model.fit(x[batch_size * warmup:], y[batch_size * warmup:], batch_size=batch_size, verbose=0)
    per_step = (time.perf_counter() - started) / steps
    epoch = per_step * math.ceil(TRAIN_IMAGES / batch_size)
    print(f"{name:<16}{size:>5}{net.count_params():>12,}{1000 * per_step:>10.0f}{batch_size / per_step:>11.0f}"
          f"{epoch:>10.0f}", flush=True)
    return per_step


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", choices=("quick", "full"), default="quick")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args(argv)
    if args.batch_size < 1 or args.steps < 1:
        parser.error("--batch-size and --steps must be at least 1")

    import keras

    from cnnbook import runtime

    keras.utils.set_random_seed(0)
    print(f"Training time on {runtime.device_description()}, Keras {keras.__version__} "
          f"({keras.backend.backend()}); batch {args.batch_size}, {args.steps} timed steps after 2 warm-up "
          f"steps; epoch = {TRAIN_IMAGES:,} images, extrapolated from the step time")
    print(f"{'net':<16}{'px':>5}{'parameters':>12}{'ms/step':>10}{'images/s':>11}{'s/epoch':>10}")
    for name, size, build in nets(args.sizes):
        time_net(name, build(), size, args.batch_size, args.steps)


if __name__ == "__main__":
    main()
