"""Everything a chapter reads from its environment: profile, offline mode, folders, device, provenance.

Every chapter calls :func:`setup` once and :func:`provenance` at its end, and
sizes its experiments with :func:`scaled`. The environment variables:

``CNNBOOK_PROFILE``
    ``full``: the richest settings, the source articles' own where a chapter
    reproduces one (the default when a GPU is visible); ``quick``: each chapter
    in a few minutes on a 2-core CPU (the default otherwise); ``smoke``: small
    settings for continuous integration, whose results are still checked.
    Read once per Python session.
``CNNBOOK_SEED``
    an integer added to every seed a chapter uses (:func:`seed`), to check
    that its results and lessons hold under other random draws; unset or
    ``0``: the seeds the stored outputs were made with.
``CNNBOOK_OFFLINE``
    ``1``, ``true``, ``yes`` or ``on``: download nothing; ``0``, ``false``,
    ``no``, ``off`` or unset: download what is missing. Anything else is refused.
``CNNBOOK_DATA``
    a folder of data sets the reader has put there (see :mod:`cnnbook.datasets`).
``CNNBOOK_CACHE``
    where cnnbook writes files of its own (default ``~/.cache/cnnbook``).
``KERAS_HOME``
    Keras' own folder; data sets are cached in its ``datasets`` sub-folder.

This module also keeps the ledger of the data sets loaded in this session
(:class:`DataSource` records), which :func:`provenance` prints and
:mod:`cnnbook.results` reads.
"""

import dataclasses
import functools
import os
import platform
import types

PROFILES = ("smoke", "quick", "full")
OFFLINE_VALUES = {"1": True, "true": True, "yes": True, "on": True,
                  "0": False, "false": False, "no": False, "off": False, "": False}

#: The MIME type of the structured copy of :func:`setup`'s line (profile, seed shift, device),
#: which the execute command stores as the notebook's metadata.
SETUP_MIME_TYPE = "application/vnd.cnnbook.setup+json"
#: The MIME type of the structured copy of :func:`provenance`'s line: the data sources with their
#: ``real`` flags, which the tests read to refuse stored outputs made on a stand-in.
PROVENANCE_MIME_TYPE = "application/vnd.cnnbook.provenance+json"


@dataclasses.dataclass(frozen=True)
class DataSource:
    """Where one data set (or set of weights) of this session came from.

    Attributes
    ----------
    name : str
        The data set, e.g. ``"fashion_mnist"``.
    description : str
        A few words for the ledger, e.g. ``"Fashion-MNIST, complete"``.
    real : bool
        False for a synthetic stand-in or random weights: results computed
        on it are recorded but never judged.

    Examples
    --------
    >>> DataSource("mnist", "MNIST, 10,000-digit sample", real=True)
    DataSource('MNIST, 10,000-digit sample')
    """

    name: str
    description: str
    real: bool

    def __repr__(self):
        return f"DataSource({self.description!r})"

    def __str__(self):
        return self.description


#: Data set name -> its :class:`DataSource`, in load order.
_data_sources = {}


def is_offline():
    """Return True when ``CNNBOOK_OFFLINE`` asks for offline mode.

    Raises
    ------
    ValueError
        If the variable holds a value that is neither on nor off.
    """
    value = os.environ.get("CNNBOOK_OFFLINE", "").strip().lower()
    if value not in OFFLINE_VALUES:
        raise ValueError(f"CNNBOOK_OFFLINE={value!r} is not understood: use 1, true, yes or on for offline, "
                         f"0, false, no or off (or leave it unset) to allow downloads")
    return OFFLINE_VALUES[value]


def keras_datasets_dir():
    """Return the folder where ``keras.utils.get_file`` caches data sets (``$KERAS_HOME/datasets``)."""
    # Keras has no public accessor for it.
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return os.path.join(home, "datasets")


def data_dir():
    """Return the folder named by ``CNNBOOK_DATA``, or None when it is unset."""
    return os.environ.get("CNNBOOK_DATA") or None


def cache_dir():
    """Return the folder where cnnbook writes files of its own: ``$CNNBOOK_CACHE`` or ``~/.cache/cnnbook``.

    The default lies in the user's home, so users of one machine never share it.
    """
    if os.environ.get("CNNBOOK_CACHE"):
        return os.environ["CNNBOOK_CACHE"]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "cnnbook")


def gpu_names():
    """Return the names of the GPUs that the Keras backend can see (empty without a GPU)."""
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


@functools.cache
def profile():
    """Return the active profile, ``"smoke"``, ``"quick"`` or ``"full"``, decided once per session.

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


def seed_shift():
    """Return the integer in ``CNNBOOK_SEED`` (0 when unset).

    Raises
    ------
    ValueError
        If the variable holds something other than an integer.
    """
    value = os.environ.get("CNNBOOK_SEED", "").strip()
    try:
        return int(value) if value else 0
    except ValueError:
        raise ValueError(f"CNNBOOK_SEED={value!r} is not an integer") from None


def seed(stored=0):
    """Return the seed to use where the stored outputs used ``stored``: ``stored + CNNBOOK_SEED``.

    Chapters pass every seed they use through this function, so that one
    variable re-runs a whole chapter under other random draws.

    Examples
    --------
    >>> import os
    >>> os.environ.pop("CNNBOOK_SEED", None) and None
    >>> seed(3)
    3
    """
    return int(stored) + seed_shift()


def setup(seed=0):
    """Prepare a chapter: seed everything, use the GPU well, print one provenance line.

    On a GPU with tensor cores, Keras' ``mixed_float16`` policy is switched on
    (layers compute in float16 and keep float32 weights); Keras 3 compiles
    training steps with XLA by default (``jit_compile="auto"``). Both are said
    in the printed line, so nothing changes behind the reader's back. Figures
    are drawn at double resolution, for sharp screens.

    Parameters
    ----------
    seed : int
        Seed for Python, NumPy and the Keras backend, before the shift in
        ``CNNBOOK_SEED`` (:func:`seed`).

    Returns
    -------
    str
        The active profile.
    """
    import keras

    _retina_figures()
    shift = seed_shift()
    keras.utils.set_random_seed(int(seed) + shift)
    name = profile()
    parts = [f"cnnbook: profile {name}", device_description()]
    if shift:
        parts.append(f"seeds shifted by {shift} (CNNBOOK_SEED)")
    if gpu_names():
        if _supports_mixed_precision():
            keras.mixed_precision.set_global_policy("mixed_float16")
            parts.append("mixed precision on")
        parts.append("XLA on (jit_compile='auto')")
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        parts.append(f"TensorFlow {tf.__version__}")
    parts.append(f"Keras {keras.__version__} ({backend})")
    if is_offline():
        parts.append("offline")
    display_record(" · ".join(parts), SETUP_MIME_TYPE,
                   {"profile": name, "seed_shift": shift, "device": device_description()})
    return name


def display_record(line, mime_type, record):
    """Show ``line`` to the reader; inside IPython also leave ``record`` in the output under ``mime_type``.

    The execute command and the tests read such records from the stored
    outputs, so nothing is parsed back out of printed text.
    """
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None:
        display({"text/plain": line, mime_type: record}, raw=True)
    else:
        print(line)


def _retina_figures():
    """Inside IPython, draw inline figures at double resolution; elsewhere do nothing."""
    try:
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:
        return
    if get_ipython() is not None:
        set_matplotlib_formats("retina")


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
    print(f"Profile {name}: " + ", ".join(changes))
    return types.SimpleNamespace(**chosen)


def _show(value):
    return "all" if value is None else str(value)


def note_data_source(name, description, line, real=True):
    """Record where data set ``name`` came from, print ``line`` for the reader, return the record.

    Parameters
    ----------
    name, description, real
        As the attributes of :class:`DataSource`.
    line : str
        The sentence printed for the reader. It names the source in words, never
        a path of the machine that ran the chapter.

    Returns
    -------
    DataSource
    """
    if not isinstance(real, bool):
        raise ValueError(f"real must be True or False, got {real!r}")
    record = DataSource(name, description, real)
    _data_sources[name] = record
    print(line)
    return record


def data_source(name):
    """Return the :class:`DataSource` recorded by the last load of data set ``name`` in this session.

    Raises
    ------
    LookupError
        If the data set was not loaded in this session.
    """
    if name not in _data_sources:
        raise LookupError(f"data set {name!r} was not loaded in this session; loaded: "
                          f"{', '.join(_data_sources) or 'none'}")
    return _data_sources[name]


def data_sources():
    """Return the :class:`DataSource` of every data set loaded in this session, in load order."""
    return list(_data_sources.values())


def provenance():
    """Print one closing line: profile, device, versions and the data sets used."""
    import keras

    used = "; ".join(map(str, data_sources())) or "no data set"
    line = (f"Ran with profile {profile()} on {device_description()}, Keras {keras.__version__} "
            f"({keras.backend.backend()}). Data: {used}.")
    display_record(line, PROVENANCE_MIME_TYPE,
                   {"profile": profile(), "seed_shift": seed_shift(),
                    "data": [dataclasses.asdict(source) for source in data_sources()]})
