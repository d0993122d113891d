"""Loss and distance to the minimum, step by step, one line per run, with playback's cursor.

Redrawn every frame of a dragged slider: a long run (up to 20,000 steps) is handed to the plots
thinned to about two points per pixel of their width (``gdsim/core/thinning.py``); a run
whose history did not change keeps the curves it has (only the dragged run changes), and the
minimum a converged run settled in (a BFGS search) is looked up again only when the run ends
somewhere new.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from gdsim.core.explain import SurfaceFrame
from gdsim.core.simulate import RunView
from gdsim.core.surfaces import Surface
from gdsim.core.thinning import display_indices, unchanged
from gdsim.core.verdict import Verdict, distance_target, distances_to_nearest
from gdsim.ui.style import run_color
from gdsim.ui.widgets.loss_plot import LossPlot, Series

POINTS_PER_PIXEL = 2
"""A thinned curve keeps the lowest and the highest value of each pixel column."""

MIN_DISPLAY_WIDTH = 400
"""Pixels assumed for a plot not laid out yet (a hidden tab reports a width of 0 or so)."""


REMEMBERED_TARGETS = 64
"""Distance targets kept at most (a long drag ends runs in many places)."""


class TrajectoryPlots(QtWidgets.QSplitter):
    """``loss_plot`` over ``distance_plot`` (hidden when there is no minimum to measure to)."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(QtCore.Qt.Orientation.Vertical, parent)
        self.loss_plot = LossPlot(y_label="loss", thinned=True)
        self.loss_plot.setObjectName("lossPlot")
        self.distance_plot = LossPlot(y_label="distance to the minimum", thinned=True)
        self.distance_plot.setObjectName("distancePlot")
        self._cursor_lines = []
        self._targets: dict[tuple[str, bytes], np.ndarray] = {}
        """Distance targets by (verdict, where the run ended), for ``_targets_of``."""
        self._targets_for: tuple[Surface, np.ndarray] | None = None
        self._held: dict[tuple[str, int], tuple[tuple[np.ndarray, ...], tuple, Series]] = {}
        """Each plot's curve of run k, with what it was made from, for ``_thinned``."""
        for plot in (self.loss_plot, self.distance_plot):
            line = pg.InfiniteLine(
                angle=90, pen=pg.mkPen("#888888", width=1, style=QtCore.Qt.PenStyle.DashLine)
            )
            line.setVisible(False)
            plot.addItem(line)
            self._cursor_lines.append(line)
            self.addWidget(plot)

    def set_cursor(self, position: int | None) -> None:
        """A dashed line at the step playback shows (none while every step is shown)."""
        for line in self._cursor_lines:
            line.setVisible(position is not None)
            if position is not None:
                line.setValue(position)

    def show_frame(self, frame: SurfaceFrame) -> None:
        result, names = frame.result, frame.names
        floor = frame.surface.min_value
        losses = result.losses if floor is None else result.losses - floor
        finite = losses[np.isfinite(losses)]
        self.loss_plot.set_log(floor is not None or bool(finite.size and finite.min() > 0))
        label = "f − f_min" if floor is not None else "loss f"
        if self.loss_plot.getAxis("left").labelText != label:  # a new label re-lays the axis out
            self.loss_plot.setLabel("left", label)
        # To the longest run's last step: with every run stopped early (a 14-step divergence
        # among 20,000 allowed) the budget's axis drew the runs as a vertical line at 0.
        last = int(result.lengths.max(initial=0)) - 1
        for plot in (self.loss_plot, self.distance_plot):
            plot.set_x_range(0, min(result.n_steps, max(last, 1)))
        self.loss_plot.set_series(
            [
                self._thinned(self.loss_plot, k, names[k], (losses[k],), lambda k=k: losses[k])
                for k in range(len(result))
            ]
        )
        self.distance_plot.setVisible(frame.minima is not None)
        if frame.minima is None:
            return
        series = []
        for k in range(len(result)):
            run, points = result.run(k), result.points[k]
            target = self._target_of(frame.surface, run, frame.verdicts[k], frame.minima)
            series.append(
                self._thinned(
                    self.distance_plot,
                    k,
                    names[k],
                    (points, target),
                    lambda points=points, target=target: distances_to_nearest(points, target),
                )
            )
        self.distance_plot.set_series(series)

    def _thinned(
        self,
        plot: LossPlot,
        k: int,
        name: str,
        sources: tuple[np.ndarray, ...],
        values_of: Callable[[], np.ndarray],
    ) -> Series:
        """Run ``k``'s curve of ``values_of()`` (one value per step, computed from
        ``sources``) with at most ~2 points per pixel column; the one shown already when its
        sources, name and width are unchanged (while a slider is dragged, all runs but one)."""
        width = max(plot.width(), MIN_DISPLAY_WIDTH)
        slot, shape = (plot.objectName(), k), (name, run_color(k), width)
        held = self._held.get(slot)
        if (
            held is not None
            and held[1] == shape
            and all(unchanged(before, now) for before, now in zip(held[0], sources, strict=True))
        ):
            return held[2]
        values = values_of()
        steps = display_indices(values, POINTS_PER_PIXEL * width)
        series = Series(name, steps, values[steps], run_color(k))
        self._held[slot] = (sources, shape, series)
        return series

    def _target_of(
        self, surface: Surface, run: RunView, verdict: Verdict, minima: np.ndarray
    ) -> np.ndarray:
        """``distance_target``, remembered while the surface and its minima stay: a dragged
        slider changes one run, and the others end where they ended."""
        if (
            self._targets_for is None
            or self._targets_for[0] is not surface
            or not np.array_equal(self._targets_for[1], minima)
            or len(self._targets) >= REMEMBERED_TARGETS
        ):
            self._targets_for = (surface, minima)
            self._targets.clear()
        end = run.points[-1].tobytes() if len(run.points) else b""
        key = (verdict.regime.name, end)
        if key not in self._targets:
            self._targets[key] = distance_target(surface, run, verdict, minima)
        return self._targets[key]
