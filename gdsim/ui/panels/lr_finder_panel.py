"""The "LR range test" tab: which learning rates suit the network builder's network.

Two plots share a log η axis: the range test (one run whose learning rate grows step by step:
raw loss faint, smoothed loss bold, the suggested η marked) and the sweep (one short run per
rate from the same initial weights: the final loss, a dot per rate coloured by verdict). The
rates where the sweep's verdict changes are drawn on both, so the suggestion can be read
against the regimes. "Use this η", or a click on a sweep dot, opens the builder's network at
that rate (`openNetwork`); the builder's own network is never trained here: the core trains
fresh copies from the same initial weights (`gdsim.core.lr_finder`, `gdsim.core.network_sweep`).

Both computations run in the one worker (`JobRunner`), one at a time: starting one cancels the
other. The dataset is built in the worker too (`StateJob`): reading a CSV file may take longer
than the GUI thread may block.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.core.lr_finder import (
    DEFAULT_LR_MAX,
    DEFAULT_LR_MIN,
    DEFAULT_STEPS,
    DIVERGENCE_FACTOR,
    MIN_STEPS,
    LRRangeTest,
    RangeTestResult,
    StateJob,
    parse_bounds,
    results_csv,
)
from gdsim.core.network_sweep import (
    DEFAULT_RATES,
    MAX_RATES,
    MAX_STEPS,
    MIN_RATES,
    NetworkSweep,
    SweepResult,
    sweep_rates,
)
from gdsim.core.network_sweep import DEFAULT_STEPS as DEFAULT_SWEEP_STEPS
from gdsim.core.state import NetworkState
from gdsim.core.training import ConfigError
from gdsim.core.verdict import Regime
from gdsim.ui import style
from gdsim.ui.widgets.columns import controls_beside
from gdsim.ui.widgets.message_area import MessageArea, MessageSpec
from gdsim.ui.widgets.plot_legend import OutsideLegend
from gdsim.ui.workers import JobRunner

MESSAGES = (
    MessageSpec("input"),  # a refused rate range: nothing started, the results stay
    MessageSpec("job"),  # the worker stopped on an error (e.g. the CSV file is gone)
)

RAW_ALPHA = 90
"""The raw loss is drawn faint: minibatch noise around the smoothed curve, not the message."""

SYMBOLS = {Regime.CONVERGED: "o", Regime.SLOW: "s", Regime.OSCILLATING: "d", Regime.DIVERGED: "t"}
"""Verdicts are never told by colour alone (`gdsim.ui.style`): each has its marker too."""

BOUNDARY_COLOR = "#9a9a9a"
"""Regime boundaries: a light dotted grey, lighter than the "slow" verdict's dark grey and
neither a run's nor a verdict's colour."""

TOP_OVER_BEST = 1.1 * DIVERGENCE_FACTOR
"""The range test's y axis ends a little above the stopping line (4x the best smoothed loss)."""

NON_FINITE_FACTOR = 10.0
"""Runs whose final loss is not a number are drawn this factor above the highest finite one."""

CONTROL_WIDTH = 300


class LrFinderPanel(QtWidgets.QWidget):
    """The "LR range test" tab (see the module docstring)."""

    statusMessage = QtCore.Signal(str)
    cursorInfo = QtCore.Signal(str)
    openNetwork = QtCore.Signal(object)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lrFinderPanel")
        self.runner = JobRunner(self, max_rate=15)
        self.network_state: NetworkState | None = None
        self.range_result: RangeTestResult | None = None
        self.sweep_result: SweepResult | None = None
        self._computed_for: tuple[object, ...] | None = None
        """What of the builder's state the results depend on (`_what_counts`)."""
        self._build()
        self.runner.progress.connect(self._on_progress)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.runningChanged.connect(self._update_buttons)
        self._update_buttons()

    # ------------------------------------------------------------------ construction

    def _build(self) -> None:
        self.messages = MessageArea(MESSAGES, self)
        self.network_label = QtWidgets.QLabel("No network yet: open the network builder.", self)
        self.network_label.setObjectName("lrfindNetworkLabel")
        self.network_label.setWordWrap(True)
        note = QtWidgets.QLabel(
            "Trains fresh copies of the builder's network from its initial weights: the "
            "network in the builder is not changed.",
            self,
        )
        note.setWordWrap(True)

        self.lr_min_edit = QtWidgets.QLineEdit(f"{DEFAULT_LR_MIN:g}", self)
        self.lr_min_edit.setObjectName("lrMinEdit")
        self.lr_max_edit = QtWidgets.QLineEdit(f"{DEFAULT_LR_MAX:g}", self)
        self.lr_max_edit.setObjectName("lrMaxEdit")
        rates_box = QtWidgets.QGroupBox("Learning rates η", self)
        rates_form = QtWidgets.QFormLayout(rates_box)
        rates_form.addRow("from", self.lr_min_edit)
        rates_form.addRow("to", self.lr_max_edit)

        self.range_steps_spin = _spin(MIN_STEPS, 100_000, DEFAULT_STEPS, "rangeStepsSpin", self)
        self.run_range_button = QtWidgets.QPushButton("Run range test", self)
        self.run_range_button.setObjectName("runRangeTestButton")
        self.run_range_button.setToolTip(
            "One run whose learning rate grows by the same factor every step, stopped once "
            "the smoothed loss passes 4x its best"
        )
        range_box = QtWidgets.QGroupBox("Range test", self)
        range_form = QtWidgets.QFormLayout(range_box)
        range_form.addRow("steps", self.range_steps_spin)
        range_form.addRow(self.run_range_button)

        self.sweep_count_spin = _spin(MIN_RATES, MAX_RATES, DEFAULT_RATES, "sweepCountSpin", self)
        self.sweep_steps_spin = _spin(1, MAX_STEPS, DEFAULT_SWEEP_STEPS, "sweepStepsSpin", self)
        self.run_sweep_button = QtWidgets.QPushButton("Run sweep", self)
        self.run_sweep_button.setObjectName("runSweepButton")
        self.run_sweep_button.setToolTip(
            "One short run per learning rate, all from the same initial weights: the final "
            "loss and the verdict of each"
        )
        sweep_box = QtWidgets.QGroupBox("Sweep", self)
        sweep_form = QtWidgets.QFormLayout(sweep_box)
        sweep_form.addRow("rates", self.sweep_count_spin)
        sweep_form.addRow("steps each", self.sweep_steps_spin)
        sweep_form.addRow(self.run_sweep_button)

        self.progress = QtWidgets.QProgressBar(self)
        self.progress.setObjectName("lrfindProgress")
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.cancel_button = QtWidgets.QPushButton("Cancel", self)
        self.cancel_button.setObjectName("cancelButton")
        progress_row = QtWidgets.QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)

        self.suggestion_label = QtWidgets.QLabel(self)
        self.suggestion_label.setObjectName("suggestionLabel")
        self.suggestion_label.setWordWrap(True)
        self.use_button = QtWidgets.QPushButton("Use this η", self)
        self.use_button.setObjectName("useSuggestionButton")
        self.use_button.setToolTip("Open the builder's network at the suggested learning rate")
        self.boundaries_label = QtWidgets.QLabel(self)
        self.boundaries_label.setObjectName("boundariesLabel")
        self.boundaries_label.setWordWrap(True)

        controls = QtWidgets.QWidget(self)
        column = QtWidgets.QVBoxLayout(controls)
        column.addWidget(self.network_label)
        column.addWidget(note)
        for widget in (rates_box, range_box, sweep_box):
            column.addWidget(widget)
        column.addLayout(progress_row)
        column.addWidget(self.suggestion_label)
        column.addWidget(self.use_button)
        column.addWidget(self.boundaries_label)
        column.addStretch(1)
        scroll = QtWidgets.QScrollArea(self)
        scroll.setWidget(controls)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        scroll.setMinimumWidth(200)

        self.range_plot = pg.PlotWidget(self)
        self.range_plot.setObjectName("rangeTestPlot")
        self.sweep_plot = pg.PlotWidget(self)
        self.sweep_plot.setObjectName("sweepPlot")
        for plot, label in ((self.range_plot, "loss"), (self.sweep_plot, "final loss")):
            plot.setBackground("w")
            plot.setLogMode(x=True, y=plot is self.sweep_plot)
            plot.setLabel("left", label)
            plot.setLabel("bottom", "learning rate η")
            plot.showGrid(x=True, y=True, alpha=0.2)
            plot.setMouseEnabled(x=True, y=False)
            plot.getAxis("left").enableAutoSIPrefix(False)  # "loss (x0.001)" misleads
        self.sweep_plot.setXLink(self.range_plot)
        self.range_legend = OutsideLegend(self.range_plot.getPlotItem())
        self.sweep_legend = OutsideLegend(self.sweep_plot.getPlotItem())
        self.raw_curve = self.range_plot.plot(name="raw loss")
        self.smooth_curve = self.range_plot.plot(name="smoothed loss")
        self.range_legend.addItem(self.raw_curve, "loss at each step")
        self.range_legend.addItem(self.smooth_curve, "smoothed loss")
        self.sweep_scatters = {
            regime: pg.ScatterPlotItem(name=str(regime), symbol=symbol, hoverable=True)
            for regime, symbol in SYMBOLS.items()
        }
        for scatter in self.sweep_scatters.values():
            scatter.setObjectName("sweepDots")
            scatter.sigClicked.connect(self._on_dot_clicked)
            self.sweep_plot.addItem(scatter)
        self._lines: dict[pg.PlotWidget, list[pg.InfiniteLine]] = {
            self.range_plot: [],
            self.sweep_plot: [],
        }
        """Each plot's vertical lines (suggestion, boundaries), made once and reused: a new
        labelled line costs ~10 ms, too much for a redraw."""
        self._lines_used = dict.fromkeys(self._lines, 0)
        self._legend_regimes: list[Regime] = []
        self.non_finite_line = pg.InfiniteLine(
            angle=0,
            pen=pg.mkPen(BOUNDARY_COLOR, width=1, style=QtCore.Qt.PenStyle.DashLine),
            label="loss not a number (blew up)",
            labelOpts={"position": 0.98, "anchors": [(1, 0), (1, 0)], "color": "#333333"},
        )
        self.sweep_plot.addItem(self.non_finite_line)

        right = QtWidgets.QWidget(self)
        views = QtWidgets.QVBoxLayout(right)
        views.setContentsMargins(0, 0, 0, 0)
        views.addWidget(self.messages)
        plots = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical, right)
        plots.addWidget(self.range_plot)
        plots.addWidget(self.sweep_plot)
        views.addWidget(plots, 1)
        self.columns = controls_beside(self, scroll, right, CONTROL_WIDTH)

        self.run_range_button.clicked.connect(self.run_range_test)
        self.run_sweep_button.clicked.connect(self.run_sweep)
        self.cancel_button.clicked.connect(self.cancel)
        self.use_button.clicked.connect(self.use_suggestion)
        self.range_plot.scene().sigMouseMoved.connect(self._on_range_mouse)
        self.sweep_plot.scene().sigMouseMoved.connect(self._on_sweep_mouse)
        self._redraw()

    # ------------------------------------------------------------------ the window's view API

    def set_network(self, state: NetworkState) -> None:
        """The builder's network, handed over when the tab is shown. A new network, data or
        optimizer makes the results stale: they are cleared and the range test (a second or
        so) starts. A new learning rate or step budget does not (neither is used here: after
        "Use this η" the results are still there to compare)."""
        self.network_state = state
        if _what_counts(state) == self._computed_for:
            return
        self._computed_for = _what_counts(state)
        self.network_label.setText(_describe(state))
        self.runner.stop()
        self.range_result = self.sweep_result = None
        self._redraw()
        self.run_range_test()

    def export_plots(self) -> dict[str, pg.PlotWidget]:
        return {"lr-range-test": self.range_plot, "lr-sweep": self.sweep_plot}

    def data_csv(self) -> tuple[str, str]:
        return results_csv(self.range_result, self.sweep_result), "lr-range-test.csv"

    # ------------------------------------------------------------------ actions

    @QtCore.Slot()
    def run_range_test(self) -> None:
        """Start the range test over the typed rates (cancelling a running job)."""
        bounds = self._bounds()
        if bounds is None or self.network_state is None:
            return
        state, steps = self.network_state, self.range_steps_spin.value()
        self.range_result = None
        self._redraw()
        self._start(
            StateJob(
                state, lambda data: LRRangeTest(state.network, data, state.training, *bounds, steps)
            ),
        )

    @QtCore.Slot()
    def run_sweep(self) -> None:
        """Start the sweep over the typed rates (cancelling a running job)."""
        bounds = self._bounds()
        if bounds is None or self.network_state is None:
            return
        state = self.network_state
        lrs = sweep_rates(*bounds, self.sweep_count_spin.value())
        steps = self.sweep_steps_spin.value()
        self._start(
            StateJob(
                state, lambda data: NetworkSweep(state.network, data, state.training, lrs, steps)
            ),
        )

    @QtCore.Slot()
    def cancel(self) -> None:
        self.runner.stop()
        self.progress.setValue(0)
        self._update_buttons()

    @QtCore.Slot()
    def use_suggestion(self) -> None:
        if self.range_result is not None and self.range_result.suggestion is not None:
            self.open_rate(self.range_result.suggestion)

    def open_rate(self, lr: float) -> None:
        """Ask the window to show the builder's network at learning rate `lr` (a single run:
        compare mode is left, so the run at that rate is the one shown)."""
        if self.network_state is None:
            return
        state = self.network_state
        try:
            training = replace(state.training, lr=float(f"{lr:.3g}"))
            opened = replace(state, training=training, compare=False, selected=0)
        except (ConfigError, ValueError) as error:
            self.messages.show_message("input", str(error))
            return
        self.openNetwork.emit(opened)

    # ------------------------------------------------------------------ worker

    def _bounds(self) -> tuple[float, float] | None:
        """The typed rates, if training can use both with the builder's optimizer (Adam's
        first step is lr / (1 - beta1): said here, before a job starts, not by the worker)."""
        try:
            bounds = parse_bounds(self.lr_min_edit.text(), self.lr_max_edit.text())
            if self.network_state is not None:
                replace(self.network_state.training, lr=bounds[1])
        except ConfigError as error:
            self.messages.show_message("input", str(error))
            return None
        self.messages.clear("input")
        return bounds

    def _start(self, job: StateJob) -> None:
        self.messages.clear("job")
        self.progress.setValue(0)
        self.runner.start(job)
        self._update_buttons()

    @QtCore.Slot(object)
    def _on_progress(self, snapshot: Any) -> None:
        self._take(snapshot)

    @QtCore.Slot(object)
    def _on_finished(self, snapshot: Any) -> None:
        self._take(snapshot)
        self._update_buttons()
        if isinstance(snapshot, RangeTestResult):
            self.statusMessage.emit(snapshot.reason)

    @QtCore.Slot(str)
    def _on_failed(self, message: str) -> None:
        self.messages.show_message("job", f"Stopped: {message}")
        self._update_buttons()

    def _take(self, snapshot: Any) -> None:
        if isinstance(snapshot, RangeTestResult):
            self.range_result = snapshot
            self.progress.setValue(round(1000 * len(snapshot.lrs) / snapshot.steps))
            if not snapshot.finished:
                self._draw_range()  # the curves only: labelled lines cost ~10 ms each
                return
        elif isinstance(snapshot, SweepResult):
            self.progress.setValue(round(1000 * snapshot.steps_done / snapshot.steps))
            if not snapshot.finished:
                return
            self.sweep_result = snapshot
        else:
            return
        self._redraw()

    @QtCore.Slot()
    def _update_buttons(self) -> None:
        running = self.runner.is_running()
        ready = self.network_state is not None
        self.run_range_button.setEnabled(ready)
        self.run_sweep_button.setEnabled(ready)
        self.cancel_button.setEnabled(running)
        result = self.range_result
        self.use_button.setEnabled(
            result is not None and result.finished and result.suggestion is not None
        )

    # ------------------------------------------------------------------ drawing

    def rescale(self) -> None:
        """Pens, markers and labels at the presentation scale now."""
        self._redraw()

    def _redraw(self) -> None:
        self._lines_used = dict.fromkeys(self._lines, 0)
        self._fit_x()
        self._draw_range()
        self._draw_sweep()
        self._draw_suggestion()
        self._draw_boundaries()
        for plot, lines in self._lines.items():
            for line in lines[self._lines_used[plot] :]:
                line.setVisible(False)
        self._describe_results()
        self._update_buttons()

    def _fit_x(self) -> None:
        """Both plots (x-linked) span every rate either computation covers, the range test's
        whole ramp included: a test that stopped early still shows where the sweep went."""
        ends = []
        if self.range_result is not None and len(self.range_result.lrs):
            ends += [float(self.range_result.lrs[0]), self.range_result.lr_max]
        if self.sweep_result is not None:
            ends += [float(self.sweep_result.lrs[0]), float(self.sweep_result.lrs[-1])]
        if ends:
            self.range_plot.setXRange(math.log10(min(ends)), math.log10(max(ends)), padding=0.03)

    def _draw_range(self) -> None:
        color = style.run_color(0)
        faint = QtGui.QColor(color)
        faint.setAlpha(RAW_ALPHA)
        self.raw_curve.setPen(pg.mkPen(faint, width=style.scaled(1)))
        self.smooth_curve.setPen(pg.mkPen(color, width=style.scaled(3)))
        result = self.range_result
        if result is None or not len(result.lrs):
            self.raw_curve.setData([], [])
            self.smooth_curve.setData([], [])
            return
        self.raw_curve.setData(result.lrs, _finite_or_nan(result.losses), connect="finite")
        self.smooth_curve.setData(result.lrs, _finite_or_nan(result.smoothed), connect="finite")
        smoothed = result.smoothed[np.isfinite(result.smoothed)]
        raw = result.losses[np.isfinite(result.losses)]
        if raw.size:
            # Up to a little above the stop (DIVERGENCE_FACTOR x the best): a last jump to 40x
            # would flatten the descent that matters into the bottom of the plot.
            low = float(min(raw.min(), smoothed.min() if smoothed.size else raw.min()))
            top = float(smoothed.max()) if smoothed.size else float(raw.max())
            if smoothed.size:
                top = min(top, TOP_OVER_BEST * float(smoothed.min()))
            self.range_plot.setYRange(low, max(top, low * 1.01 + 1e-12), padding=0.03)

    def _draw_sweep(self) -> None:
        result = self.sweep_result
        runs = () if result is None else result.runs
        finite = [r.final_loss for r in runs if math.isfinite(r.final_loss) and r.final_loss > 0]
        ceiling = max(finite) * NON_FINITE_FACTOR if finite else 1.0
        size = style.scaled(11)
        for regime, scatter in self.sweep_scatters.items():
            mine = [r for r in runs if r.verdict.regime == regime]
            color = style.VERDICT_STYLE[regime][1]
            scatter.setData(
                x=[math.log10(r.lr) for r in mine],
                y=[math.log10(_shown_loss(r.final_loss, ceiling, finite)) for r in mine],
                data=[r.lr for r in mine],
                size=size,
                pen=pg.mkPen("w", width=style.scaled(1)),
                brush=pg.mkBrush(color),
                symbol=SYMBOLS[regime],
            )
        shown = [regime for regime in SYMBOLS if any(r.verdict.regime == regime for r in runs)]
        if shown != self._legend_regimes:  # a legend's re-layout is the costliest part here
            self._legend_regimes = shown
            self.sweep_legend.clear()
            for regime in shown:
                name = f"{style.VERDICT_STYLE[regime][0]} {regime}"
                self.sweep_legend.addItem(self.sweep_scatters[regime], name)
        if finite:
            low = math.log10(min(finite))
            self.sweep_plot.setYRange(low - 0.2, math.log10(ceiling) + 0.6, padding=0)
        blown = any(not math.isfinite(r.final_loss) for r in runs)
        self.non_finite_line.setVisible(blown)
        if blown:
            self.non_finite_line.setValue(math.log10(ceiling))
            self.non_finite_line.label.setFont(style.badge_font(0.8))

    def _draw_suggestion(self) -> None:
        result = self.range_result
        if result is not None and result.suggestion is not None:
            color = style.run_color(0)
            self._mark(
                self.range_plot,
                result.suggestion,
                pg.mkPen(color, width=style.scaled(2), style=QtCore.Qt.PenStyle.DashLine),
                f"suggested η = {result.suggestion:.3g}",
                color,
                0.9,
            )

    def _draw_boundaries(self) -> None:
        if self.sweep_result is None:
            return
        pen = pg.mkPen(BOUNDARY_COLOR, width=style.scaled(1.5), style=QtCore.Qt.PenStyle.DotLine)
        for index, boundary in enumerate(self.sweep_result.boundaries):
            # Symbols, not words: neighbouring boundaries' labels fit (the legend and the
            # text beside the plots give the words).
            text = f"{_symbol(boundary.below)} | {_symbol(boundary.above)}"
            # Neighbouring boundaries' labels take turns in height rather than overlap.
            self._mark(self.sweep_plot, boundary.lr, pen, text, "#333333", 0.95 - 0.1 * (index % 3))
            self._mark(self.range_plot, boundary.lr, pen, None, None, 0.0)

    def _mark(
        self,
        plot: pg.PlotWidget,
        lr: float,
        pen: QtGui.QPen,
        text: str | None,
        color: str | None,
        position: float,
    ) -> None:
        """A vertical line at `lr` (log axis), labelled at `position` of the height: the
        plot's next line from its pool."""
        lines, used = self._lines[plot], self._lines_used[plot]
        if used == len(lines):
            line = pg.InfiniteLine(angle=90, label="", labelOpts={"fill": (255, 255, 255, 200)})
            plot.addItem(line)
            lines.append(line)
        line = lines[used]
        self._lines_used[plot] = used + 1
        line.setPen(pen)
        line.setValue(math.log10(lr))
        line.setVisible(True)
        line.label.setVisible(text is not None)
        if text is not None:
            line.label.setFont(style.badge_font(0.8))
            line.label.setColor(color)
            line.label.setFormat(text)
            line.label.setPosition(position)

    def _describe_results(self) -> None:
        test, sweep = self.range_result, self.sweep_result
        if test is None:
            self.suggestion_label.setText("Range test: not run yet.")
        else:
            near = (
                None
                if sweep is None or test.suggestion is None
                else (sweep.verdict_near(test.suggestion))
            )
            warning = (
                f" The sweep calls rates near it {near}: a rate below the first boundary "
                "trains more safely."
                if near in (Regime.OSCILLATING, Regime.DIVERGED)
                else ""
            )
            self.suggestion_label.setText(test.reason + warning)
        if sweep is None:
            self.boundaries_label.setText("Sweep: press Run sweep to see the regimes.")
            return
        parts = [f"{b.below} → {b.above} at η ≈ {b.lr:.3g}" for b in sweep.boundaries]
        regime = sweep.runs[0].verdict.regime if sweep.runs else None
        self.boundaries_label.setText(
            "Regimes: "
            + ("; ".join(parts) if parts else f"all {regime}")
            + ". Click a dot to open the network at that η."
        )

    # ------------------------------------------------------------------ interaction

    def _on_dot_clicked(self, _scatter: pg.ScatterPlotItem, points: Any, *_: Any) -> None:
        if len(points):
            self.open_rate(float(points[0].data()))

    @QtCore.Slot(object)
    def _on_range_mouse(self, scene_pos: QtCore.QPointF) -> None:
        self._say_point(self.range_plot, scene_pos, "loss", lambda y: y)

    @QtCore.Slot(object)
    def _on_sweep_mouse(self, scene_pos: QtCore.QPointF) -> None:
        self._say_point(self.sweep_plot, scene_pos, "final loss", lambda y: 10**y)

    def _say_point(
        self, plot: pg.PlotWidget, scene_pos: QtCore.QPointF, what: str, y_value: Any
    ) -> None:
        """The status bar's readout: η and the loss under the mouse (axes are log η)."""
        box = plot.getPlotItem().vb
        if not box.sceneBoundingRect().contains(scene_pos):
            self.cursorInfo.emit("")
            return
        point = box.mapSceneToView(scene_pos)
        self.cursorInfo.emit(f"η = {10 ** point.x():.3g}   {what} = {y_value(point.y()):.4g}")

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        self.runner.stop()
        super().closeEvent(event)


def _spin(
    low: int, high: int, value: int, name: str, parent: QtWidgets.QWidget
) -> QtWidgets.QSpinBox:
    spin = QtWidgets.QSpinBox(parent)
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setGroupSeparatorShown(True)
    spin.setObjectName(name)
    return spin


def _what_counts(state: NetworkState) -> tuple[object, ...]:
    """The parts of the builder's state both computations use: not its learning rate, step
    budget or compare runs (they ramp or sweep their own rates, over their own budgets)."""
    return (state.dataset, state.csv_path, state.network, replace(state.training, lr=1.0, steps=1))


def _describe(state: NetworkState) -> str:
    """'circle · 2 → 16 → 1 · gd, full batch': what the runs here train."""
    source = state.csv_path or state.dataset.name
    layers = " → ".join(str(width) for width in state.network.widths)
    batch = state.training.batch_size
    batching = f"batches of {batch}" if batch else "full batch"
    return f"{source} · {layers} · {state.training.optimizer}, {batching}"


def _finite_or_nan(values: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(values), values, np.nan)


def _shown_loss(loss: float, ceiling: float, finite: list[float]) -> float:
    """Where a run's dot sits: its loss; a non-finite one at the ceiling, never dropped; a
    zero loss (log axis) at the lowest positive one."""
    if not math.isfinite(loss):
        return ceiling
    if loss <= 0:
        return min(finite) if finite else 1.0
    return loss


def _symbol(regime: Regime) -> str:
    return style.VERDICT_STYLE[regime][0]
