"""Loss and distance to the minimum, step by step, one line per run, with playback's cursor."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from gdsim.core.explain import SurfaceFrame
from gdsim.core.verdict import distance_target, distances_to_nearest
from gdsim.ui.style import run_color
from gdsim.ui.widgets.loss_plot import LossPlot, Series


class TrajectoryPlots(QtWidgets.QSplitter):
    """``loss_plot`` over ``distance_plot`` (hidden when there is no minimum to measure to)."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(QtCore.Qt.Orientation.Vertical, parent)
        self.loss_plot = LossPlot(y_label="loss")
        self.loss_plot.setObjectName("lossPlot")
        self.distance_plot = LossPlot(y_label="distance to the minimum")
        self.distance_plot.setObjectName("distancePlot")
        self._cursor_lines = []
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
        steps = np.arange(result.n_steps + 1)
        for plot in (self.loss_plot, self.distance_plot):
            plot.set_x_range(0, result.n_steps)
        self.loss_plot.set_series(
            [Series(names[k], steps, losses[k], run_color(k)) for k in range(len(result))]
        )
        self.distance_plot.setVisible(frame.minima is not None)
        if frame.minima is None:
            return
        series = []
        for k in range(len(result)):
            run = result.run(k)
            target = distance_target(frame.surface, run, frame.verdicts[k], frame.minima)
            distances = distances_to_nearest(result.points[k], target)
            series.append(Series(names[k], steps, distances, run_color(k)))
        self.distance_plot.set_series(series)
