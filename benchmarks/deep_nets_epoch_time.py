"""Per-epoch training time of AlexNet, VGG-16 and ResNet-18 on this machine, at chapter 10's quick image size.

Usage: ``python benchmarks/deep_nets_epoch_time.py [--image-size 96] [--batch-size 32] [--steps 5]``

For each net (full width, 5 classes, as cnnbook.architectures builds them), a
few training steps on random images are run first (tracing and warm-up, not
timed), then ``--steps`` steps are timed. The epoch time is *extrapolated*
from the mean step time to one epoch of the flowers' training split (2,936
images, 80% of 3,670), so that the nets compare at equal work.
"""

import argparse
import math
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

FLOWERS_TRAIN_IMAGES = 2936


def time_net(name, model, image_size, batch_size, steps, warmup=2):
    import keras
    import numpy as np
    import tensorflow as tf

    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (batch_size, image_size, image_size, 3)).astype("float32")
    y = rng.integers(0, 5, batch_size)
    data = tf.data.Dataset.from_tensors((x, y)).repeat()
    model.compile(optimizer=keras.optimizers.Adam(1e-4), loss="sparse_categorical_crossentropy")
    model.fit(data, epochs=1, steps_per_epoch=warmup, shuffle=False, verbose=0)
    started = time.perf_counter()
    model.fit(data, epochs=1, steps_per_epoch=steps, shuffle=False, verbose=0)
    per_step = (time.perf_counter() - started) / steps
    epoch = per_step * math.ceil(FLOWERS_TRAIN_IMAGES / batch_size)
    print(f"{name:<10}{model.count_params():>13,}{per_step:>12.3f}{batch_size / per_step:>12.1f}{epoch:>16.0f}",
          flush=True)
    return per_step


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image-size", type=int, default=96)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args(argv)

    import keras

    from cnnbook import architectures, runtime

    keras.utils.set_random_seed(0)
    shape = (args.image_size, args.image_size, 3)
    print(f"Training time per epoch on {runtime.device_description()}, Keras {keras.__version__} "
          f"({keras.backend.backend()}); {args.image_size}x{args.image_size} images, batch {args.batch_size}, "
          f"{args.steps} timed steps after 2 warm-up steps; epoch = {FLOWERS_TRAIN_IMAGES:,} images, "
          "extrapolated from the step time")
    print(f"{'net':<10}{'parameters':>13}{'s/step':>12}{'images/s':>12}{'s/epoch (extr.)':>16}")
    nets = [("AlexNet", lambda: architectures.alexnet(shape, num_classes=5)),
            ("VGG-16", lambda: architectures.vgg(input_shape=shape, num_classes=5)),
            ("ResNet-18", lambda: architectures.resnet18(shape, num_classes=5))]
    for name, build in nets:
        time_net(name, build(), args.image_size, args.batch_size, args.steps)


if __name__ == "__main__":
    main()
