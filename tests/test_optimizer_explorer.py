"""OptimizerExplorer: its JavaScript update rules against Keras' optimizer classes, and its input checks.

The comparison imports the widget's ES module, exactly as it ships, into a
blank page of headless Chromium and runs 100 steps of every optimizer on every
surface, with the surface's default settings and with changed ones; Keras'
own optimizers (``cnnbook.loss_surfaces.keras_path``, float64) must reach the
same points to 1e-5.
"""

import base64
import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from cnnbook import loss_surfaces  # noqa: E402
from cnnbook.widgets import OptimizerExplorer  # noqa: E402
from cnnbook.widgets._files import esm  # noqa: E402

from browser import pytestmark as needs_browser  # noqa: E402  (skip, or fail in CI, without Chromium)

STEPS = 100
# Settings away from the defaults, so that every parameter is exercised.
CHANGED = {"SGD": {"lr": 0.01}, "Momentum": {"lr": 0.003, "momentum": 0.5},
           "Nesterov": {"lr": 0.003, "momentum": 0.95}, "RMSProp": {"lr": 0.01, "rho": 0.99, "epsilon": 1e-3},
           "Adam": {"lr": 0.03, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-4}}


@pytest.fixture(scope="module")
def module_page(browser):
    """A blank page with the widget's ES module imported as window.oe."""
    page = browser.new_page()
    page.set_content("<!doctype html><html><body></body></html>")
    source = base64.b64encode(esm("optimizer_explorer.js").encode()).decode()
    page.evaluate("async (src) => { window.oe = await import('data:text/javascript;base64,' + src); }", source)
    return page


def _cases():
    for surface in loss_surfaces.SURFACES:
        defaults = loss_surfaces.default_settings(surface)
        for name in loss_surfaces.OPTIMIZERS:
            yield surface, name, defaults[name], loss_surfaces.SURFACES[surface]["start"]
            yield surface, name, {**defaults[name], **CHANGED[name]}, (1.3, -0.7)


@needs_browser
def test_javascript_paths_are_keras_paths(module_page):
    cases = list(_cases())
    js = module_page.evaluate("""([cases, steps]) => cases.map(([surface, name, settings, start]) =>
        oe.trajectory(surface, name, settings, start, steps).points)""",
                              [[list(c[:3]) + [list(c[3])] for c in cases], STEPS])
    worst = 0.0
    for (surface, name, settings, start), points in zip(cases, js):
        ours = np.array(points)
        assert ours.shape == (STEPS + 1, 2), (surface, name, "the JavaScript path stopped (diverged)")
        theirs = loss_surfaces.keras_path(surface, loss_surfaces.keras_optimizer(name, settings), start, STEPS)
        error = np.abs(ours - theirs).max()
        worst = max(worst, error)
        assert error < 1e-5, (surface, name, settings, error)
    print(f"{len(cases)} paths of {STEPS} steps: largest difference from Keras {worst:.1e}")


@needs_browser
def test_javascript_losses_and_gradients_match_keras(module_page):
    """The JavaScript surfaces are the Python ones: losses equal, gradients those of TensorFlow's tape."""
    import tensorflow as tf

    points = np.random.default_rng(0).uniform(-2, 2, (20, 2))
    for surface in loss_surfaces.SURFACES:
        js = module_page.evaluate("""([surface, points]) => points.map(([x, y]) =>
            [oe.SURFACES[surface].loss(x, y), ...oe.SURFACES[surface].grad(x, y)])""", [surface, points.tolist()])
        xy = tf.Variable(points)
        with tf.GradientTape() as tape:
            values = loss_surfaces.loss(surface, xy[:, 0], xy[:, 1])
        grads = tape.gradient(values, xy).numpy()
        np.testing.assert_allclose(np.array(js)[:, 0], values.numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(np.array(js)[:, 1:], grads, rtol=1e-12, atol=1e-12)
        ours = np.array([loss_surfaces.gradient(surface, x, y) for x, y in points])
        assert np.array_equal(np.array(js)[:, 1:], ours)  # bit for bit: the same formula in the same order


def test_keras_path_starts_where_asked():
    import keras

    path = loss_surfaces.keras_path("saddle", keras.optimizers.Adam(0.05), steps=3)
    assert path.shape == (4, 2) and tuple(path[0]) == loss_surfaces.SURFACES["saddle"]["start"]
    with pytest.raises(ValueError, match="optimizer must be a keras.optimizers.Optimizer"):
        loss_surfaces.keras_path("saddle", "adam")
    with pytest.raises(ValueError, match="surface must be one of"):
        loss_surfaces.keras_path("bowl", keras.optimizers.Adam())


def test_widget_checks_its_inputs():
    w = OptimizerExplorer("valley", start=(0.5, 0.5), steps=50, settings={"Adam": {"lr": 0.3}}, shown=["SGD", "Adam"])
    assert w.settings["Adam"]["lr"] == 0.3 and w.settings["SGD"]["lr"] == 0.02 and w.shown == ["SGD", "Adam"]
    for kwargs, message in [
        ({"surface": "bowl"}, "surface must be one of"),
        ({"start": (9, 0)}, "start must lie in the window"),
        ({"start": (0, 0, 0)}, "start must be a point"),
        ({"steps": 5}, r"steps must be an integer in \[10, 500\]"),
        ({"settings": {"Adam": {"lr": 0}}}, r"Adam's lr must be in \(0, 10\]"),
        ({"settings": {"Adam": {"beta_1": 1.0}}}, r"Adam's beta_1 must be in \[0, 1\)"),
        ({"settings": {"SGD": {"momentum": 0.9}}}, "SGD takes lr and nothing else"),
        ({"settings": {"Adagrad": {"lr": 0.1}}}, "settings' optimizer must be one of"),
        ({"shown": "Adam"}, "shown must be a list"),
    ]:
        with pytest.raises(ValueError, match=message):
            OptimizerExplorer(**kwargs)
    with pytest.raises(Exception, match=r"steps must be an integer"):
        w.steps = 1000
    w.surface = "saddle"  # another surface brings its own start and rates, as in the browser
    assert tuple(w.start) == loss_surfaces.SURFACES["saddle"]["start"] and w.settings["SGD"]["lr"] == 0.05
