"""The network panel's right-hand side: header, decision map, diagram, run badges, curves, and
beside them the sharpness plot while sharpness is tracked.

Everything here is drawn from the presenter's data: `show_job` once per new job (architecture,
points, badges, axes), `draw` once per paced frame. Nothing is computed here that a frame does
not already hold.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.core.compare import CompareRun
from gdsim.core.datasets import Dataset
from gdsim.core.network import NetworkSpec
from gdsim.core.training_job import TrainingFrame
from gdsim.core.unit_maps import unit_functions
from gdsim.ui.widgets.confusion_view import ConfusionView
from gdsim.ui.widgets.decision_map import DecisionMap
from gdsim.ui.widgets.draw_tools import DisplayToggles
from gdsim.ui.widgets.network_box import layer_labels
from gdsim.ui.widgets.network_diagram import NetworkDiagram
from gdsim.ui.widgets.one_repaint import paint_together
from gdsim.ui.widgets.run_badges import RunBadges
from gdsim.ui.widgets.sharpness_plot import SharpnessPlot
from gdsim.ui.widgets.training_curves import TrainingCurves
from gdsim.ui.widgets.training_header import TrainingHeader

PLOT_LINES = 6
"""The fewest text lines' height a plot keeps (its axis label and three tick labels in the
font it is drawn with), so that a small window (1024x768 in presentation mode with the lesson
pane open) takes the room from the lesson pane instead of squeezing the plots into slivers with
overlapping ticks."""

CURVE_LINES = 14
"""The fewest text lines' height each training curve keeps as its width before the confusion
matrix beside them gives way (hides): their legends need the width more."""


class TrainingViews(QtWidgets.QWidget):
    """The header above a grid: decision map and diagram, the run badges, the two curves and
    beside them the sharpness plot (hidden unless tracked)."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.header = TrainingHeader(self)
        self._specs: list[NetworkSpec] = []
        """Each run's network, for the diagram of the run shown."""
        self._diagram_spec: NetworkSpec | None = None
        self.diagram = NetworkDiagram(self)
        self.diagram.setObjectName("networkDiagram")
        self.decision_plot = DecisionMap(self)
        self.curves = TrainingCurves(self)
        self.run_badges = RunBadges(self)
        self.sharpness_plot = SharpnessPlot(self)
        self.sharpness_plot.hide()
        self.display_toggles = DisplayToggles(self)
        # Its buttons' width must not set the window's minimum (a 700-pixel window, the lesson
        # pane's test): the decision plot's column is wider than them at any usable size.
        self.display_toggles.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Fixed
        )
        self.confusion = ConfusionView(self)
        self.confusion.hide()
        column = QtWidgets.QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        # The header changes text many times a second: outside the grid, its size hints cannot
        # move the grid's columns (which would repaint every plot and starve the worker).
        column.addWidget(self.header)
        grid = QtWidgets.QGridLayout()
        column.addLayout(grid, 1)
        decision = QtWidgets.QVBoxLayout()
        decision.addWidget(self.decision_plot, 1)
        decision.addWidget(self.display_toggles)
        grid.addLayout(decision, 0, 0)
        grid.addWidget(self.diagram, 0, 1)
        grid.addWidget(self.run_badges, 1, 0, 1, 2)
        # The sharpness plot joins the curves' row, not a row of its own: a third row of plots
        # left each a sliver at 1024x768 (presentation mode, lesson pane open).
        curves = QtWidgets.QHBoxLayout()
        for plot in (self.curves.loss_plot, self.curves.metric_plot, self.sharpness_plot,
                     self.confusion):  # fmt: skip
            curves.addWidget(plot, 1)
        grid.addLayout(curves, 2, 0, 1, 2)
        grid.setRowStretch(0, 3)
        grid.setRowStretch(2, 2)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        self._keep_plots_readable()
        self._parts: list[Callable[[], None]] = []
        """The slow views of the last live frame still to draw, each in a turn of its own."""
        self._waiting: tuple[TrainingFrame, Dataset, int, bool] | None = None
        """The newest live frame that came while the last one's parts were still pending (its
        data set, steps and whether it brings a new decision map): drawn once they are done."""
        self._part_timer = QtCore.QTimer(self)
        self._part_timer.setSingleShot(True)
        # A timer, not a queued call: Qt posts a widget's repaint at low priority, after
        # queued calls, so only a timer lets the last part's painting happen before the next.
        self._part_timer.setInterval(0)
        self._part_timer.timeout.connect(self._draw_next_part)

    def changeEvent(self, event: QtCore.QEvent) -> None:
        """Presentation mode's larger font needs taller plots: their minimum follows it."""
        super().changeEvent(event)
        if event.type() == QtCore.QEvent.Type.FontChange:
            self._keep_plots_readable()
            self._make_room()

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self._make_room()

    def _make_room(self) -> None:
        """Show the confusion matrix only where each curve keeps `CURVE_LINES` of width."""
        needed = CURVE_LINES * QtGui.QFontMetrics(self.font()).height()
        table = self.confusion.maximumWidth()
        beside = min(table, self.confusion.sizeHint().width())
        self.confusion.set_room((self.width() - beside) / 2 >= needed)

    def _keep_plots_readable(self) -> None:
        height = PLOT_LINES * QtGui.QFontMetrics(self.font()).height()
        for plot in (self.decision_plot, self.diagram, self.curves.loss_plot,
                     self.curves.metric_plot, self.sharpness_plot):  # fmt: skip
            plot.setMinimumHeight(height)

    def show_job(
        self, runs: Sequence[CompareRun], data: Dataset, frame: TrainingFrame, steps: int
    ) -> None:
        """A new job, before its first step: the shown run's architecture, the data, a badge
        per run, axes framed around the initial loss."""
        self._parts.clear()  # a previous job's frame is not drawn over this one
        self._waiting = None
        self._specs = [run.spec for run in runs]
        self._show_architecture(self._specs[frame.shown])
        self.decision_plot.show_data(data)
        self.display_toggles.fit_to(data)
        self.run_badges.set_runs([run.name for run in runs], [run.note for run in runs])
        self.run_badges.mark_shown(frame.shown)
        self.header.show_state("ready: press Train")
        self.curves.frame_axes(runs[0].spec.task, frame.runs[0].state.train_loss, steps)

    def _show_architecture(self, spec: NetworkSpec) -> None:
        """The diagram's layers for `spec` (a depth or activation compare's runs differ)."""
        if spec != self._diagram_spec:
            self._diagram_spec = spec
            self.diagram.set_architecture(
                spec.widths, layer_labels(spec), unit_functions(spec), spec.features or ()
            )

    def show_sharpness(self, on: bool, lines: Sequence[tuple[float | None, str]]) -> None:
        """Show the sharpness plot while tracking is `on`, with each run's stability line."""
        self.sharpness_plot.setVisible(on)
        self.sharpness_plot.set_lines(lines)

    def draw(
        self, frame: TrainingFrame, data: Dataset, steps: int, detail: bool, live: bool
    ) -> None:
        """One frame; the slow views (decision map, diagram) only when `detail`. While training
        runs (`live`) the frame is drawn in turns of the event loop of their own (the loss
        curves with the header and badges now, then the metric curves, the decision map and
        the diagram, each in a later turn: `_draw_next_part`), every turn painted before the
        next: all at once kept the GUI thread busy for 50-70 ms, a stall a hand on a slider
        feels, and the loss and the metric plot together for ~20 ms, every frame; one at a
        time, input and the worker's frames are served between them. A frame drawn while
        nothing runs (paused, stopped, finished) is drawn whole at once, and drops the parts
        a live frame left pending.

        A live frame that comes while the last one's parts are pending waits for them (the
        newest such frame, with the decision map if any of those it replaced brought one): it
        had dropped them, and once a frame's first turn took longer than the presenter's frame
        interval (frames from the training process come as fast as it asks), the decision map,
        metric and diagram stayed at step 4 for seconds while the loss curves ran on."""
        if live and self._parts:
            brings_detail = detail or (self._waiting is not None and self._waiting[3])
            self._waiting = (frame, data, steps, brings_detail)
            return
        self._waiting = None
        self._parts.clear()
        parts = [lambda: self._draw_metric(frame, steps, paint=live)]
        if detail:
            parts += [
                lambda: self.decision_plot.draw_prediction(data, frame.prediction),
                lambda: self._draw_diagram(frame, data),
            ]
        if not live:
            self.curves.draw_loss(frame, steps, refit=True)
            self._draw_header(frame, live)
            for part in parts:
                part()
            self._paint_together(decision=detail)
            return
        self._parts.extend(parts)
        self.curves.draw_loss(frame, steps)
        self._draw_header(frame, live)
        paint_together([self.curves.loss_plot])
        self._part_timer.start()

    def _draw_header(self, frame: TrainingFrame, live: bool) -> None:
        self.run_badges.show_verdicts(frame)
        self.header.show_metrics(frame)
        if live:
            self.header.show_live(frame)

    def _draw_metric(self, frame: TrainingFrame, steps: int, paint: bool) -> None:
        """The metric curves and the sharpness plot; `paint`: in one pass of the window, the
        turn's own (a plot's scene would send its own repaint at once, and pyqtgraph's
        follow-up changes each another: four passes a turn)."""
        self.curves.draw_metric(frame, steps)
        self.sharpness_plot.draw(frame, steps)
        if paint:
            sharpness = [self.sharpness_plot] if self.sharpness_plot.isVisible() else []
            paint_together([self.curves.metric_plot, *sharpness])

    def _paint_together(self, decision: bool) -> None:
        """Repaint the window once for every plot a whole frame changed (each plot's scene
        would repaint it on its own: three or four passes, each ~5-10 ms of the GIL the worker
        needs, `gdsim.ui.widgets.one_repaint`)."""
        plots = [self.curves.loss_plot, self.curves.metric_plot]
        if self.sharpness_plot.isVisible():
            plots.append(self.sharpness_plot)
        if decision:
            plots.append(self.decision_plot)
        paint_together(plots)

    def _draw_diagram(self, frame: TrainingFrame, data: Dataset) -> None:
        """The diagram's weights and unit maps, and the confusion matrices, of `frame`; after
        the decision map, whose picture is the output unit's map."""
        self._show_architecture(self._specs[frame.shown])  # the weights' own shapes
        self.diagram.set_weights(frame.weights)
        picture = self.decision_plot.image.image if data.input_dim == 2 else None
        self.diagram.set_maps(frame.unit_maps, picture)
        self.confusion.show_confusion(frame.confusion)

    def finish_parts(self) -> None:
        """Draw now what the last live frames left for later turns: an export grabs each
        frame as soon as it is drawn (a GIF's frames had waited for turns that never came
        between two grabs, and showed one picture)."""
        while self._parts or self._waiting is not None:
            self._draw_next_part()
        self._part_timer.stop()

    @QtCore.Slot()
    def _draw_next_part(self) -> None:
        """Draw the next pending part of a live frame, and leave the rest to later turns; once
        none is left, the frame that waited for them, in a turn of its own."""
        if self._parts:
            self._parts.pop(0)()
        elif self._waiting is not None:
            frame, data, steps, detail = self._waiting
            self.draw(frame, data, steps, detail, live=True)
            return
        if self._parts or self._waiting is not None:
            self._part_timer.start()

    @property
    def parts_pending(self) -> int:
        """How many slow views of the last live frame are still to be drawn, plus one for a
        frame that waits for them (0: the newest frame is drawn whole)."""
        return len(self._parts) + (self._waiting is not None)
