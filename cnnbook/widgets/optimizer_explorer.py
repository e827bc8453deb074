"""`OptimizerExplorer`: SGD, Momentum, Nesterov, RMSProp and Adam moving on a two-dimensional loss surface."""

import copy

import anywidget
import traitlets

from cnnbook import checks, loss_surfaces

from ._files import css, esm


#: Most steps a path may take (five paths are recomputed on every move of the start point).
MAX_STEPS = 500


class OptimizerExplorer(anywidget.AnyWidget):
    """Five optimizers on a loss surface, step by step, computed in the browser.

    Drag the ring (the start point) with the mouse, a pen or a finger, or
    focus the picture and move it with the arrow keys (Shift: ten times
    farther); every path is recomputed at once. Play animates the paths step
    by step, with the loss of each beside them. Each optimizer's learning
    rate and parameters (momentum; RMSProp's rho; Adam's beta_1 and beta_2;
    epsilon) can be edited in the table. The update rules are those of
    Keras' optimizer classes (`cnnbook.loss_surfaces.keras_path` gives the
    same points). Choosing another surface resets the start and the settings
    to that surface's defaults (`cnnbook.loss_surfaces.default_settings`).

    Parameters
    ----------
    surface : {"ravine", "valley", "saddle"}
        See `cnnbook.loss_surfaces`.
    start : (float, float), optional
        The start point, inside the surface's window (default: the surface's).
    steps : int
        Steps per path, 10 to 500.
    settings : dict, optional
        Per optimizer name, the settings to change from the surface's defaults,
        e.g. ``{"Adam": {"lr": 0.3}}``.
    shown : sequence of str, optional
        The optimizers drawn (default: all five).
    """

    _esm = esm("optimizer_explorer.js")
    _css = css("optimizer_explorer.css")

    surface = traitlets.Unicode("ravine").tag(sync=True)
    start = traitlets.List(traitlets.Float(), minlen=2, maxlen=2).tag(sync=True)
    steps = traitlets.Int(100).tag(sync=True)
    frame = traitlets.Int(100).tag(sync=True)
    settings = traitlets.Dict().tag(sync=True)
    shown = traitlets.List(traitlets.Unicode()).tag(sync=True)
    defaults = traitlets.Dict().tag(sync=True)

    def __init__(self, surface="ravine", start=None, steps=100, settings=None, shown=None):
        surface = checks.choice(surface, "surface", tuple(loss_surfaces.SURFACES))
        point = loss_surfaces.check_start(surface, loss_surfaces.SURFACES[surface]["start"] if start is None
                                          else start)
        steps = checks.integer(steps, "steps", 10, MAX_STEPS)
        merged = loss_surfaces.default_settings(surface)
        if settings is not None:
            if not isinstance(settings, dict):
                raise ValueError(f"settings must be a dict of optimizer name to settings, got {type(settings).__name__}")
            for name, changes in settings.items():
                checks.choice(name, "settings' optimizer", tuple(loss_surfaces.OPTIMIZERS))
                if not isinstance(changes, dict):
                    raise ValueError(f"settings[{name!r}] must be a dict, got {type(changes).__name__}")
                merged[name] = loss_surfaces.check_settings(name, {**merged[name], **changes})
        if shown is None:
            shown = list(loss_surfaces.OPTIMIZERS)
        if isinstance(shown, str) or not all(isinstance(s, str) for s in shown):
            raise ValueError(f"shown must be a list of optimizer names, got {shown!r}")
        for name in shown:
            checks.choice(name, "shown", tuple(loss_surfaces.OPTIMIZERS))
        defaults = {key: {"start": list(box["start"]), "settings": loss_surfaces.default_settings(key)}
                    for key, box in loss_surfaces.SURFACES.items()}
        super().__init__(surface=surface, start=list(point), steps=steps, frame=steps, settings=merged,
                         shown=[name for name in loss_surfaces.OPTIMIZERS if name in shown], defaults=defaults)
        self._built = True

    @traitlets.validate("surface")
    def _valid_surface(self, proposal):
        return checks.choice(proposal["value"], "surface", tuple(loss_surfaces.SURFACES))

    @traitlets.validate("steps")
    def _valid_steps(self, proposal):
        return checks.integer(proposal["value"], "steps", 10, MAX_STEPS)

    @traitlets.validate("settings")
    def _valid_settings(self, proposal):
        value = copy.deepcopy(proposal["value"])
        if set(value) != set(loss_surfaces.OPTIMIZERS):
            raise traitlets.TraitError(f"settings must give every optimizer, {', '.join(loss_surfaces.OPTIMIZERS)}")
        try:
            return {name: loss_surfaces.check_settings(name, s) for name, s in value.items()}
        except ValueError as err:
            raise traitlets.TraitError(str(err)) from None

    @traitlets.observe("surface")
    def _reset_to_surface(self, change):
        """Another surface: its default start and learning rates, as the browser does."""
        if getattr(self, "_built", False) and change["old"] != change["new"]:
            with self.hold_trait_notifications():
                self.start = list(loss_surfaces.SURFACES[change["new"]]["start"])
                self.settings = loss_surfaces.default_settings(change["new"])
