"""Pick the right ``tf.distribute`` strategy: a TPU, several GPUs, or the one default device.

Keras trains on several devices when the model is built and compiled inside a
strategy's scope::

    strategy = distribute.strategy()
    with strategy.scope():
        model = make_model()
        model.compile(...)
    model.fit(...)   # each batch is split between the replicas

This works with Keras' TensorFlow backend, which is the one this book uses.
Keras' own multi-device API on the JAX backend, ``keras.distribution``, is run
by :mod:`cnnbook.scaleout` in separate processes.
"""


class TrainingInterrupted(RuntimeError):
    """Raised by :func:`interrupt_after` to stand in for a crash partway through training."""


def interrupt_after(epoch):
    """A Keras callback that stops training with :class:`TrainingInterrupted` at the end of ``epoch``.

    Put it after ``keras.callbacks.BackupAndRestore`` in the callbacks list,
    so that the backup of that epoch is written before the "crash".

    Parameters
    ----------
    epoch : int
        The epoch, counted from 1, after which training stops.

    Returns
    -------
    keras.callbacks.Callback

    Examples
    --------
    >>> interrupt_after(0)
    Traceback (most recent call last):
    ...
    ValueError: epoch must be at least 1, got 0
    """
    from cnnbook import checks

    epoch = checks.integer(epoch, "epoch", low=1)
    import keras

    class Interrupt(keras.callbacks.Callback):
        def on_epoch_end(self, index, logs=None):
            if index + 1 == epoch:
                raise TrainingInterrupted(f"training interrupted at the end of epoch {epoch}")

    return Interrupt()


def split_cpu(count=2):
    """Split the CPU into ``count`` logical devices, to try multi-device code on one machine.

    Must be called before TensorFlow starts its runtime (before any tensor,
    model or dataset is made); in a notebook, call it first and restart the
    kernel if it fails.

    Returns
    -------
    list of str
        Names of the logical CPU devices, e.g. ``["/device:CPU:0", "/device:CPU:1"]``.
    """
    import tensorflow as tf

    if count < 1:
        raise ValueError(f"count must be at least 1, got {count}")
    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * count)
    except RuntimeError as error:
        current = len(tf.config.list_logical_devices("CPU"))
        if current != count:
            raise RuntimeError(f"TensorFlow has already started with {current} CPU device(s); call split_cpu "
                               f"before anything else uses TensorFlow (restart the kernel)") from error
    return [device.name for device in tf.config.list_logical_devices("CPU")]


def _tpu_resolver():
    """A connected TPU cluster resolver, or None when there is no TPU (the usual case)."""
    import tensorflow as tf

    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
    except (ValueError, RuntimeError):
        return None
    tf.config.experimental_connect_to_cluster(resolver)
    tf.tpu.experimental.initialize_tpu_system(resolver)
    return resolver


def strategy(devices=None, use_tpu=True):
    """Return the strategy for this machine and print one line saying which it is.

    * ``devices`` given: ``MirroredStrategy`` over them (e.g. the logical CPUs of :func:`split_cpu`);
    * a TPU found and ``use_tpu``: ``TPUStrategy`` (only where TensorFlow runs on the TPU; Colab's
      TPU runtimes have had no TensorFlow since March 2025, so there use the JAX backend and
      ``keras.distribution``);
    * two or more GPUs: ``MirroredStrategy`` over all of them;
    * otherwise the default strategy, which runs on the one device there is.

    Parameters
    ----------
    devices : sequence of str, optional
    use_tpu : bool
        Look for a TPU (skip it to save the look-up where there can be none).

    Returns
    -------
    tf.distribute.Strategy
    """
    import tensorflow as tf

    if devices is not None:
        devices = list(devices)
        if not devices:
            raise ValueError("devices must name at least one device")
        chosen = tf.distribute.MirroredStrategy(devices)
        why = f"MirroredStrategy over the given devices {', '.join(devices)}"
    else:
        resolver = _tpu_resolver() if use_tpu else None
        gpus = tf.config.list_logical_devices("GPU")
        if resolver is not None:
            chosen = tf.distribute.TPUStrategy(resolver)
            why = "TPUStrategy on the TPU found"
        elif len(gpus) > 1:
            chosen = tf.distribute.MirroredStrategy([gpu.name for gpu in gpus])
            why = f"MirroredStrategy over {len(gpus)} GPUs"
        else:
            chosen = tf.distribute.get_strategy()
            why = "default strategy (one device: " + (gpus[0].name if gpus else "CPU") + ")"
    print(f"Distribution: {why}; {chosen.num_replicas_in_sync} replica(s) in sync")
    return chosen
