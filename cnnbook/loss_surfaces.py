"""Two-dimensional loss surfaces, and the paths Keras' optimizers take on them.

Three surfaces that show what tells the optimizers apart:

* ``"ravine"``, an ill-conditioned quadratic, :math:`0.1 x^2 + 2 y^2`: twenty
  times steeper across than along, so a step size that is safe across is tiny along;
* ``"valley"``, a curved valley after Rosenbrock, :math:`(1 - x)^2 + 5 (y - x^2)^2`,
  lowest at (1, 1) at the end of a long bent floor;
* ``"saddle"``, :math:`x^2 / 2 + y^4 / 4 - y^2 / 2`: a saddle point at the
  origin, minima at (0, 1) and (0, -1).

The same losses, with their gradients written out, run in the JavaScript of
`cnnbook.widgets.OptimizerExplorer`; the tests check that its paths are those
of :func:`keras_path`.
"""

import numpy as np

from . import checks

#: Per surface: title, the drawn window, the default start, and per optimizer the default
#: learning rate (each chosen so that 100 steps show the optimizer's character, not its best).
SURFACES = {
    "ravine": {"title": "Ill-conditioned quadratic", "x": (-5.0, 5.0), "y": (-2.5, 2.5), "start": (-4.5, 1.5),
               "minimum": (0.0, 0.0),
               "rates": {"SGD": 0.45, "Momentum": 0.01, "Nesterov": 0.01, "RMSProp": 0.05, "Adam": 0.1}},
    "valley": {"title": "Curved valley (Rosenbrock-like)", "x": (-2.0, 2.0), "y": (-1.0, 3.0),
               "start": (-1.5, 2.5), "minimum": (1.0, 1.0),
               "rates": {"SGD": 0.02, "Momentum": 0.005, "Nesterov": 0.005, "RMSProp": 0.05, "Adam": 0.1}},
    "saddle": {"title": "Saddle point", "x": (-2.0, 2.0), "y": (-2.0, 2.0), "start": (-1.8, 0.02),
               "minimum": (0.0, 1.0),
               "rates": {"SGD": 0.05, "Momentum": 0.01, "Nesterov": 0.01, "RMSProp": 0.02, "Adam": 0.05}},
}

#: The optimizers, with Keras' defaults for everything but the learning rate.
OPTIMIZERS = {
    "SGD": {},
    "Momentum": {"momentum": 0.9},
    "Nesterov": {"momentum": 0.9},
    "RMSProp": {"rho": 0.9, "epsilon": 1e-7},
    "Adam": {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
}


def loss(surface, x, y):
    """The loss of ``surface`` at ``(x, y)``, written with ``keras.ops`` (so it can be differentiated).

    Examples
    --------
    >>> float(loss("valley", 1.0, 1.0)), float(loss("saddle", 0.0, 1.0))
    (0.0, -0.25)
    """
    from keras import ops

    surface = checks.choice(surface, "surface", tuple(SURFACES))
    if surface == "ravine":
        return 0.1 * ops.square(x) + 2 * ops.square(y)
    if surface == "valley":
        return ops.square(1 - x) + 5 * ops.square(y - ops.square(x))
    return 0.5 * ops.square(x) + 0.25 * ops.power(y, 4) - 0.5 * ops.square(y)


def gradient(surface, x, y):
    """The gradient of :func:`loss` at ``(x, y)``, written out term by term as the widget's JavaScript does.

    Written out rather than taken by automatic differentiation so that Python
    and JavaScript round alike: on the curved valley a step of RMSProp or Adam
    near the floor depends on the gradient's last bits, and after a hundred
    steps the paths would part by more than 1e-5. The tests check it against
    TensorFlow's gradient of :func:`loss`.

    Examples
    --------
    >>> gradient("ravine", 1.0, 1.0)
    (0.2, 4.0)
    """
    surface = checks.choice(surface, "surface", tuple(SURFACES))
    if surface == "ravine":
        return 0.2 * x, 4 * y
    if surface == "valley":
        return -2 * (1 - x) - 20 * x * (y - x * x), 10 * (y - x * x)
    return x, y**3 - y


def default_settings(surface):
    """Each optimizer's settings on ``surface``: its default learning rate there and Keras' other defaults.

    >>> default_settings("valley")["Adam"]
    {'beta_1': 0.9, 'beta_2': 0.999, 'epsilon': 1e-07, 'lr': 0.1}
    """
    surface = checks.choice(surface, "surface", tuple(SURFACES))
    return {name: {**params, "lr": SURFACES[surface]["rates"][name]} for name, params in OPTIMIZERS.items()}


def keras_optimizer(name, settings):
    """A Keras optimizer object for one of :data:`OPTIMIZERS` with ``settings`` (``lr`` and its parameters).

    >>> type(keras_optimizer("Nesterov", {"lr": 0.01, "momentum": 0.9})).__name__
    'SGD'
    """
    import keras

    name = checks.choice(name, "optimizer", tuple(OPTIMIZERS))
    s = check_settings(name, settings)
    if name == "SGD":
        return keras.optimizers.SGD(s["lr"])
    if name in ("Momentum", "Nesterov"):
        return keras.optimizers.SGD(s["lr"], momentum=s["momentum"], nesterov=name == "Nesterov")
    if name == "RMSProp":
        return keras.optimizers.RMSprop(s["lr"], rho=s["rho"], epsilon=s["epsilon"])
    return keras.optimizers.Adam(s["lr"], beta_1=s["beta_1"], beta_2=s["beta_2"], epsilon=s["epsilon"])


def check_settings(name, settings):
    """Return one optimizer's ``settings`` as floats, checked: ``lr`` in (0, 10], decay rates in [0, 1),
    ``epsilon`` in (0, 1]. Missing parameters take Keras' defaults; unknown ones are refused.

    >>> check_settings("RMSProp", {"lr": 0.01, "rho": 1.0})
    Traceback (most recent call last):
    ...
    ValueError: RMSProp's rho must be in [0, 1), got 1.0
    """
    name = checks.choice(name, "optimizer", tuple(OPTIMIZERS))
    if not isinstance(settings, dict):
        raise ValueError(f"settings of {name} must be a dict, got {type(settings).__name__}")
    unknown = sorted(set(settings) - {"lr"} - set(OPTIMIZERS[name]))
    if unknown:
        raise ValueError(f"{name} takes lr and {', '.join(OPTIMIZERS[name]) or 'nothing else'}, got {unknown}")
    if "lr" not in settings:
        raise ValueError(f"settings of {name} must give lr, the learning rate")
    out = {**OPTIMIZERS[name], **settings}
    for key, value in out.items():
        value = checks.real(value, f"{name}'s {key}")
        if key == "lr" and not 0 < value <= 10:
            raise ValueError(f"{name}'s lr must be in (0, 10], got {value}")
        if key == "epsilon" and not 0 < value <= 1:
            raise ValueError(f"{name}'s epsilon must be in (0, 1], got {value}")
        if key in ("momentum", "rho", "beta_1", "beta_2") and not 0 <= value < 1:
            raise ValueError(f"{name}'s {key} must be in [0, 1), got {value}")
        out[key] = value
    return out


def check_start(surface, start):
    """Return ``start`` as a pair of floats inside ``surface``'s window, or raise ValueError.

    >>> check_start("ravine", (6, 0))
    Traceback (most recent call last):
    ...
    ValueError: start must lie in the window x in [-5.0, 5.0], y in [-2.5, 2.5] of 'ravine', got (6.0, 0.0)
    """
    surface = checks.choice(surface, "surface", tuple(SURFACES))
    point = checks.array(start, "start", ndim=1)
    if point.shape != (2,):
        raise ValueError(f"start must be a point (x, y), got shape {point.shape}")
    x, y = (float(v) for v in point)
    box = SURFACES[surface]
    if not (box["x"][0] <= x <= box["x"][1] and box["y"][0] <= y <= box["y"][1]):
        raise ValueError(f"start must lie in the window x in [{box['x'][0]}, {box['x'][1]}], y in "
                         f"[{box['y'][0]}, {box['y'][1]}] of {surface!r}, got ({x}, {y})")
    return x, y


def keras_path(surface, optimizer, start=None, steps=100):
    """The points a Keras optimizer visits on ``surface``: ``steps`` updates from ``start``, in float64.

    Each step computes the :func:`gradient` at the current point and applies
    it with the optimizer's own ``apply_gradients`` to a float64 ``keras.Variable``.

    Parameters
    ----------
    surface : {"ravine", "valley", "saddle"}
    optimizer : keras.optimizers.Optimizer
        A fresh optimizer (it keeps its slots and step count between calls).
    start : (float, float), optional
        The surface's default start if None.
    steps : int
        1 to 10,000.

    Returns
    -------
    ndarray, shape (steps + 1, 2)
        The start, then the point after each step.

    Examples
    --------
    >>> import keras
    >>> keras_path("ravine", keras.optimizers.SGD(0.5), start=(1.0, 1.0), steps=2).tolist()
    [[1.0, 1.0], [0.9, -1.0], [0.81, 1.0]]
    """
    import keras

    surface = checks.choice(surface, "surface", tuple(SURFACES))
    if not isinstance(optimizer, keras.optimizers.Optimizer):
        raise ValueError(f"optimizer must be a keras.optimizers.Optimizer, got {type(optimizer).__name__}")
    x, y = check_start(surface, SURFACES[surface]["start"] if start is None else start)
    steps = checks.integer(steps, "steps", 1, 10_000)
    point = keras.Variable(np.array([x, y]), dtype="float64")
    path = [[x, y]]
    for _ in range(steps):
        grad = np.array(gradient(surface, *path[-1]), dtype=np.float64)
        optimizer.apply_gradients([(keras.ops.convert_to_tensor(grad), point)])
        path.append(keras.ops.convert_to_numpy(point.value).tolist())
    return np.array(path)
