"""The training loss and the accuracy (or R²) curves of every run, per step.

Two plots that the panel places apart (under the decision map and under the diagram), drawn
together from one frame: the training curve of each run in its run's colour with its validation
curve dashed in the same colour. In compare mode the legend names each run once and says
"dashed: validation" once, in a neutral dark grey that is no run's colour.
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtWidgets

from gdsim.core.training_job import DISPLAY_POINTS, TrainingFrame
from gdsim.ui.style import REFERENCE_COLOR, run_color
from gdsim.ui.widgets.loss_plot import LossPlot, Series

VALIDATION_KEY = "dashed: validation"
"""Compare mode's one legend entry for every run's validation curve."""


class TrainingCurves:
    """``trainLossPlot`` and ``metricPlot``, framed before the first step and fed frames."""

    def __init__(self, parent: QtWidgets.QWidget) -> None:
        # Curves are thinned to DISPLAY_POINTS and redrawn a few times a second while the
        # worker runs: 2 px pens stay affordable and read better on a projector.
        thick = 2 * DISPLAY_POINTS + 1
        self.loss_plot = LossPlot(parent, y_label="loss", x_label="step", thick_up_to=thick)
        self.loss_plot.setObjectName("trainLossPlot")
        self.loss_plot.setLabel("left", "loss")
        self.loss_plot.getAxis("left").enableAutoSIPrefix(False)
        self.metric_plot = LossPlot(
            parent, y_label="accuracy", x_label="step", log=False, thick_up_to=thick
        )
        self.metric_plot.setObjectName("metricPlot")
        self.metric_plot.getAxis("left").enableAutoSIPrefix(False)

    def frame_axes(self, task: str, initial_loss: float, steps: int) -> None:
        """Axes that make sense before the first step: accuracy on [0, 1] (R² on [-1, 1] at
        most) for good, and the loss from its starting value down two decades, until data
        comes. Resetting the loss axis drops its memory of the last run's range, so the new
        run's first points choose a fresh one."""
        regression = task == "regression"
        self.metric_plot.setLabel("left", "R²" if regression else "accuracy")
        self.metric_plot.getViewBox().setLimits(
            yMin=-1.05 if regression else -0.02,
            yMax=1.05 if regression else 1.02,
            minYRange=1.1 if regression else 1.04,
        )
        self.metric_plot.setYRange(
            -0.05 if regression else 0.0, 1.05 if regression else 1.0, padding=0
        )
        self.loss_plot.reset_y()
        self.loss_plot.set_x_range(0, steps)
        if np.isfinite(initial_loss) and initial_loss > 0:
            top = np.log10(initial_loss)
            self.loss_plot.setYRange(top - 2.0, top + 0.3, padding=0)

    def draw(self, frame: TrainingFrame, steps: int) -> None:
        """Every run's curves, on a step axis as long as the budget (or the longest run)."""
        compare = len(frame.runs) > 1
        losses: list[Series] = []
        metrics: list[Series] = []
        validation: list[tuple[Series, Series]] = []
        for index, run in enumerate(frame.runs):
            if not run.losses.size:
                continue  # a lone step-0 validation point would squeeze the y-axis to nothing
            color = run_color(index)
            name = run.name if compare else "train"
            losses.append(Series(name, run.loss_steps, run.losses, color))
            metrics.append(Series(name, run.metric_steps, run.train_metric, color))
            if run.val_steps.size:
                val_name = "" if compare else "validation"
                validation.append(
                    (
                        Series(val_name, run.val_steps, run.val_losses, color, True),
                        Series(val_name, run.metric_steps, run.val_metric, color, True),
                    )
                )
        # Training curves first, then validation: the legend lists the runs in order.
        losses += [loss for loss, _ in validation]
        metrics += [metric for _, metric in validation]
        if compare and validation:
            empty = np.empty(0)
            key = Series(VALIDATION_KEY, empty, empty, REFERENCE_COLOR, True)
            losses.append(key)
            metrics.append(key)
        budget = max(steps, *(run.state.step for run in frame.runs))
        for plot in (self.loss_plot, self.metric_plot):
            plot.set_x_range(0, budget)
        self.loss_plot.set_series(losses)
        self.metric_plot.set_series(metrics)
