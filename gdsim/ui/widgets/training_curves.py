"""The training loss and the accuracy (or R²) curves of every run, per step.

Two plots that the panel places apart (under the decision map and under the diagram), drawn
together from one frame: the training curve of each run in its run's colour with its validation
curve dashed in the same colour. In compare mode the legend names each run once and says
"dashed: validation" once, in a neutral dark grey that is no run's colour.

A run on minibatches or with dropout has a noisy loss per step: it is drawn faint, under its
moving average (`TrainingSession.smoothed`) drawn bold in the same colour, so the noise and the
trend both show, and only the bold curves frame the axis; otherwise one curve. With an L1/L2
penalty the training curve is the loss minimised (data + penalty, "+ L2" or "+ L1 + L2" in its
name); the validation curve is the data loss. A run ended by a stop rule has a dotted vertical
line at its last step, labelled with the rule; early stopping adds a dashed one at the best
validation step (in compare mode, in each run's colour, with words for the run shown only).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from gdsim.core.training_job import DISPLAY_POINTS, RULE_STOPS, RunFrame, TrainingFrame
from gdsim.ui import style
from gdsim.ui.style import REFERENCE_COLOR, run_color
from gdsim.ui.widgets.loss_plot import LossPlot, Series

Mark = tuple[int, str, str, bool]
"""A vertical line on the loss plot: (step, label, colour, dashed)."""

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
        self.stop_lines: list[pg.InfiniteLine] = []
        """The stop rules' marks on the loss plot (a pool: lines are shown, hidden, reused)."""
        self._marks: list[tuple[int, str, str, bool, float]] = []
        """The marks shown, with the pen scale they were drawn at."""

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
        self.draw_loss(frame, steps)
        self.draw_metric(frame, steps)

    def draw_loss(self, frame: TrainingFrame, steps: int, refit: bool = False) -> None:
        """The loss plot of `draw` alone (a live frame draws the two plots in turns of their
        own, `TrainingViews.draw`). `refit`: the y-range chosen from this frame's data alone,
        not kept from the frames before while the data fit it (a frame drawn while nothing
        runs: the picture shown at the end is the same however the live frames fell)."""
        losses, _ = _series(frame)
        if refit:
            self.loss_plot.reset_y()
        self.loss_plot.set_x_range(0, _budget(frame, steps))
        self.loss_plot.set_series(losses)
        noisy = any(run.noisy for run in frame.runs)
        label = "loss (faint: each step)" if noisy else "loss"
        if label != self.loss_plot.getAxis("left").labelText:
            # Only when it changes: setting it re-lays the axis out and regenerates its ticks,
            # ~5 ms of every live frame.
            self.loss_plot.setLabel("left", label)
        # In compare mode only the run shown (the header's) has words: eight labels overlapped.
        self._show_marks(
            [m for i, run in enumerate(frame.runs) for m in _marks(run, i, i == frame.shown)]
        )

    def draw_metric(self, frame: TrainingFrame, steps: int) -> None:
        """The metric plot of `draw` alone."""
        _, metrics = _series(frame)
        self.metric_plot.set_x_range(0, _budget(frame, steps))
        self.metric_plot.set_series(metrics)

    def _show_marks(self, marks: list[Mark]) -> None:
        """Vertical lines at the stop and best steps; untouched while they stay the same (a
        frame comes several times a second)."""
        key = [(*mark, style.pen_scale()) for mark in marks]
        if key == self._marks:
            return
        self._marks = key
        while len(self.stop_lines) < len(marks):
            line = pg.InfiniteLine(angle=90, movable=False, label="")
            line.setZValue(5)
            line.label.setFont(style.badge_font(0.8))  # presentation mode scales it from here
            self.loss_plot.addItem(line, ignoreBounds=True)
            self.stop_lines.append(line)
        for index, line in enumerate(self.stop_lines):
            line.setVisible(index < len(marks))
            if index >= len(marks):
                continue
            step, text, color, dashed = marks[index]
            dash = QtCore.Qt.PenStyle.DashLine if dashed else QtCore.Qt.PenStyle.DotLine
            line.setPen(pg.mkPen(color, width=style.scaled(1.5), style=dash))
            line.setValue(step)
            line.label.setFormat(text)
            line.label.setColor(color)
            # Best step low, stop step high: the two labels of a run never overlap.
            line.label.setPosition(0.15 if dashed else 0.85)


def _loss_series(run: RunFrame, name: str, color: str, compare: bool) -> list[Series]:
    """The training loss curve(s) of one run: noisy ones, the raw losses faint under
    their bold moving average ("train, smoothed"; in compare mode the run's own name, which
    the legend is there to tell apart); full batch, the losses themselves."""
    if run.noisy and run.smoothed.size:
        bold = name if compare else f"{name}, smoothed"
        return [
            Series(name, run.loss_steps, run.losses, color, faint=True),
            Series(bold, run.smoothed_steps, run.smoothed, color),
        ]
    return [Series(name, run.loss_steps, run.losses, color)]


def _marks(run: RunFrame, index: int, labelled: bool) -> list[Mark]:
    """A run's stop mark (a stop rule ended it) and early stopping's best validation step,
    in its colour, `labelled` with words or not."""
    color = run_color(index)
    marks: list[Mark] = []
    if run.best_step is not None:
        marks.append((run.best_step, "best val" if labelled else "", color, True))
    if run.state.stop_reason in RULE_STOPS:
        marks.append((run.state.step, run.state.stop_reason if labelled else "", color, False))
    return marks


def _series(frame: TrainingFrame) -> tuple[list[Series], list[Series]]:
    """The loss plot's and the metric plot's series of `frame`: each run's training curves
    first, then validation (the legend lists the runs in order)."""
    compare = len(frame.runs) > 1
    losses: list[Series] = []
    metrics: list[Series] = []
    validation: list[tuple[Series, Series]] = []
    for index, run in enumerate(frame.runs):
        if not run.losses.size:
            continue  # a lone step-0 validation point would squeeze the y-axis to nothing
        color = run_color(index)
        name = run.name if compare else "train"
        penalty = f" + {run.penalty_name}" if run.penalty_name else ""
        losses += _loss_series(run, name + penalty, color, compare)
        metrics.append(Series(name, run.metric_steps, run.train_metric, color))
        if run.val_steps.size:
            val_name = "" if compare else "validation"
            validation.append(
                (
                    Series(val_name, run.val_steps, run.val_losses, color, True),
                    Series(val_name, run.metric_steps, run.val_metric, color, True),
                )
            )
    losses += [loss for loss, _ in validation]
    metrics += [metric for _, metric in validation]
    if compare and validation:
        empty = np.empty(0)
        key = Series(VALIDATION_KEY, empty, empty, REFERENCE_COLOR, True)
        losses.append(key)
        metrics.append(key)
    return losses, metrics


def _budget(frame: TrainingFrame, steps: int) -> int:
    """The step axis's length: the budget, or the longest run; the steps taken when every
    run ended by a stop rule."""
    if all(run.state.stop_reason in RULE_STOPS for run in frame.runs):
        return max(1, *(run.state.step for run in frame.runs))
    return max(steps, *(run.state.step for run in frame.runs))
