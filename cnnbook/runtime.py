"""Profiles, device and provenance: what a chapter ran with.

Every chapter calls :func:`setup` once and :func:`provenance` at its end, and
sizes its experiments with :func:`scaled`. The profile is chosen with the
environment variable ``CNNBOOK_PROFILE``:

``full``
    the settings of the source articles (the default when a GPU is visible);
``quick``
    real data, each chapter in under 5 minutes on a 2-core CPU (the default
    otherwise);
``smoke``
    only proves the code runs (continuous integration).
"""

import os
import platform
import types

PROFILES = ("smoke", "quick", "full")


def is_offline():
    """Return True when offline mode was asked for with ``CNNBOOK_OFFLINE=1``."""
    return os.environ.get("CNNBOOK_OFFLINE", "").strip().lower() in {"1", "true", "yes"}


def gpu_names():
    """Return the names of the GPUs that the Keras backend can see.

    Returns
    -------
    list of str
        Empty when there is no GPU.
    """
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        return [tf.config.experimental.get_device_details(g).get("device_name", g.name) for g in gpus]
    if backend == "jax":
        import jax

        return [d.device_kind for d in jax.devices() if d.platform == "gpu"]
    if backend == "torch":
        import torch

        return [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    return []


def profile():
    """Return the active profile: ``"smoke"``, ``"quick"`` or ``"full"``.

    Raises
    ------
    ValueError
        If ``CNNBOOK_PROFILE`` names no profile.
    """
    name = os.environ.get("CNNBOOK_PROFILE", "").strip().lower()
    if not name:
        return "full" if gpu_names() else "quick"
    if name not in PROFILES:
        raise ValueError(f"CNNBOOK_PROFILE={name!r} is not one of {', '.join(PROFILES)}")
    return name


def device_description():
    """Describe in a few words where Keras computes, e.g. ``"GPU: NVIDIA H100"``."""
    names = gpu_names()
    if names:
        return "GPU: " + ", ".join(names)
    return f"CPU ({os.cpu_count()} cores, {platform.machine()})"


def _supports_mixed_precision():
    """True when the first GPU has tensor cores (compute capability 7.0 or newer)."""
    import keras

    if keras.backend.backend() != "tensorflow":
        # JAX and PyTorch GPUs that are lent for this book are all recent.
        return bool(gpu_names())
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return False
    capability = tf.config.experimental.get_device_details(gpus[0]).get("compute_capability", (0, 0))
    return capability >= (7, 0)


def setup(seed=0):
    """Prepare a chapter: seed everything, use the GPU well, print one provenance line.

    On a GPU with tensor cores, Keras' ``mixed_float16`` policy is switched on
    (layers compute in float16 and keep float32 weights); Keras 3 compiles
    training steps with XLA by default (``jit_compile="auto"``). Both are said
    in the printed line, so nothing changes behind the reader's back.

    Parameters
    ----------
    seed : int
        Seed for Python, NumPy and the Keras backend.

    Returns
    -------
    str
        The active profile.
    """
    import keras

    keras.utils.set_random_seed(seed)
    name = profile()
    parts = [f"cnnbook: profile {name}", device_description()]
    if gpu_names():
        if _supports_mixed_precision():
            keras.mixed_precision.set_global_policy("mixed_float16")
            parts.append("mixed precision on")
        parts.append("XLA on (jit_compile='auto')")
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        parts.append(f"TensorFlow {tf.__version__}")
    parts.append(f"Keras {keras.__version__} ({backend} backend)")
    if is_offline():
        parts.append("OFFLINE mode")
    print(" · ".join(parts))
    return name


def scaled(**settings):
    """Pick each setting's value for the active profile and say what changed.

    Parameters
    ----------
    **settings : dict
        Each keyword maps to a dict with the keys ``"smoke"``, ``"quick"`` and
        ``"full"``. ``None`` conventionally means "all" (e.g. all images).

    Returns
    -------
    types.SimpleNamespace
        The values for the active profile, by keyword.

    Examples
    --------
    >>> run = scaled(epochs={"smoke": 1, "quick": 2, "full": 5})  # doctest: +SKIP
    Profile quick: epochs 2 (full: 5)
    """
    name = profile()
    chosen = {}
    changes = []
    for key, by_profile in settings.items():
        missing = set(PROFILES) - set(by_profile)
        if missing:
            raise ValueError(f"setting {key!r} has no value for profile(s) {', '.join(sorted(missing))}")
        chosen[key] = by_profile[name]
        if by_profile[name] != by_profile["full"]:
            changes.append(f"{key} {_show(by_profile[name])} (full: {_show(by_profile['full'])})")
        else:
            changes.append(f"{key} {_show(by_profile[name])}")
    same = " (the source articles' settings)" if name == "full" else ""
    print(f"Profile {name}{same}: " + ", ".join(changes))
    return types.SimpleNamespace(**chosen)


def _show(value):
    return "all" if value is None else str(value)


def provenance():
    """Print one closing line: profile, device, versions and the data sets used."""
    import keras

    from cnnbook import datasets

    sources = datasets.loaded_sources()
    used = "; ".join(sources) if sources else "no data set"
    print(f"Ran with profile {profile()} on {device_description()}, Keras {keras.__version__} "
          f"({keras.backend.backend()}). Data: {used}.")
