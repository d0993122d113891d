"""The learning-rate sweep tab: the explorer's selected run at hundreds of step sizes at once.

It is handed the explorer's state when the tab is shown (``set_surface``) and sweeps that
run's surface, start, optimizer and hyper-parameters; a click on a dot opens that run in the
explorer (``openSurface``), with the sweep's step budget, so it gets the verdict the dot has.

Recomputation is live: a changed surface, η range, count or step budget starts a new sweep
after a short pause (DEBOUNCE_MS), because the work never runs in the GUI thread (a
``SweepJob`` in a ``JobRunner``, in chunks, each drawn as it arrives, with progress and
Cancel) and a new sweep cancels the one running. A typical sweep (200 rates x 100 steps on a
1D surface) is done in a few tenths of a second; a large one (2,000 x 20,000) takes long
enough to be cancelled, and Run starts it again.
"""

from __future__ import annotations

from dataclasses import replace

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets
from superqt.utils import signals_blocked

from gdsim.core.limits import MAX_SURFACE_STEPS
from gdsim.core.state import SurfaceState
from gdsim.core.state.surface import MAX_LR, MIN_LR
from gdsim.core.sweep import (
    MAX_COUNT,
    MIN_COUNT,
    Measure,
    SweepConfig,
    SweepJob,
    SweepResult,
    describe_run,
    nearest_run,
    sweep_csv,
)
from gdsim.ui.widgets.columns import controls_beside
from gdsim.ui.widgets.message_area import MessageArea, MessageSpec
from gdsim.ui.widgets.sweep_plots import SweepPlots
from gdsim.ui.workers import JobRunner

MESSAGES = (MessageSpec("surface"), MessageSpec("sweep"))
"""``surface``: the explorer's state cannot be swept; ``sweep``: bad settings or a failure."""

DEBOUNCE_MS = 300
"""A pause in editing the settings this long starts the sweep (typing "1000" is one sweep)."""

REDRAWS_PER_SECOND = 10.0
"""Partial results drawn a second at most: a 2,000-run redraw takes ~40 ms of the GUI thread."""

DEFAULT_COUNT = 200
CONTROL_WIDTH = 260


def _sweep_key(state: SurfaceState) -> tuple:
    """What of the explorer's state the sweep depends on (not η, the playback or the demo)."""
    run = state.selected_run()
    return (
        state.surface,
        tuple(sorted(state.params.items())),
        state.domain,
        run.start,
        run.optimizer,
        tuple(sorted(run.hyper.items())),
        run.noise,
        run.seed,
    )


class SweepPanel(QtWidgets.QWidget):
    """The "Learning-rate sweep" tab (see the module docstring)."""

    statusMessage = QtCore.Signal(str)
    cursorInfo = QtCore.Signal(str)
    openSurface = QtCore.Signal(object)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sweepPanel")
        self.runner = JobRunner(self, max_rate=REDRAWS_PER_SECOND)
        self._state: SurfaceState | None = None
        self._key: tuple | None = None
        self._config: SweepConfig | None = None
        self.result: SweepResult | None = None
        self._build()
        self._connect()

    def _build(self) -> None:
        self.messages = MessageArea(MESSAGES, self)
        self.plots = SweepPlots(self)
        box = QtWidgets.QGroupBox("Learning-rate sweep", self)
        form = QtWidgets.QFormLayout(box)
        self.fit_range = QtWidgets.QCheckBox("Fit the range to 2/λ", box)
        self.fit_range.setObjectName("sweepFitRange")
        self.fit_range.setChecked(True)
        self.fit_range.setToolTip("From 2/λ ÷ 1000 to 4 × 2/λ, within the explorer's slider")
        self.lr_min = self._lr_box("sweepLrMin", 1e-3)
        self.lr_max = self._lr_box("sweepLrMax", 1.0)
        self.count = QtWidgets.QSpinBox(box)
        self.count.setObjectName("sweepCount")
        self.count.setRange(MIN_COUNT, MAX_COUNT)
        self.count.setSingleStep(100)
        self.count.setValue(DEFAULT_COUNT)
        self.steps = QtWidgets.QSpinBox(box)
        self.steps.setObjectName("sweepSteps")
        self.steps.setRange(1, MAX_SURFACE_STEPS)
        self.steps.setValue(100)
        self.measure = QtWidgets.QComboBox(box)
        self.measure.setObjectName("sweepMeasure")
        for measure in Measure:
            self.measure.addItem(measure.value, measure)
        form.addRow(self.fit_range)
        form.addRow("η from", self.lr_min)
        form.addRow("η to", self.lr_max)
        form.addRow("rates", self.count)
        form.addRow("steps", self.steps)
        form.addRow("plot", self.measure)
        self.run_button = QtWidgets.QPushButton("Run", box)
        self.run_button.setObjectName("sweepRun")
        self.cancel_button = QtWidgets.QPushButton("Cancel", box)
        self.cancel_button.setObjectName("sweepCancel")
        self.cancel_button.setEnabled(False)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        form.addRow(buttons)
        self.progress = QtWidgets.QProgressBar(box)
        self.progress.setObjectName("sweepProgress")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        form.addRow(self.progress)
        self.info = QtWidgets.QLabel(box)
        self.info.setObjectName("sweepInfo")
        self.info.setWordWrap(True)
        self.info.setText("Shown with the surface explorer's selected run.")
        form.addRow(self.info)
        self.caption = QtWidgets.QLabel(
            "Each dot is one run. ▲ at the top: diverged (or not finite); ▼ at the bottom: "
            "below the axis (0 included). Click a dot to open that run in the explorer.",
            box,
        )
        self.caption.setObjectName("sweepCaption")
        self.caption.setWordWrap(True)
        form.addRow(self.caption)

        controls = QtWidgets.QScrollArea(self)
        controls.setWidget(box)
        controls.setWidgetResizable(True)
        controls.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        right = QtWidgets.QWidget(self)
        column = QtWidgets.QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.messages)
        column.addWidget(self.plots, 1)
        self.columns = controls_beside(self, controls, right, CONTROL_WIDTH)

        self.debounce = QtCore.QTimer(self)
        self.debounce.setSingleShot(True)
        self.debounce.setInterval(DEBOUNCE_MS)

    def _lr_box(self, name: str, value: float) -> QtWidgets.QDoubleSpinBox:
        box = QtWidgets.QDoubleSpinBox(self)
        box.setObjectName(name)
        box.setDecimals(5)
        box.setRange(MIN_LR, MAX_LR)
        box.setStepType(QtWidgets.QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        box.setValue(value)
        return box

    def _connect(self) -> None:
        for spin in (self.lr_min, self.lr_max):
            spin.valueChanged.connect(self._on_range_edited)
        for spin in (self.count, self.steps):
            spin.valueChanged.connect(self._schedule)
        self.fit_range.toggled.connect(self._schedule)
        self.debounce.timeout.connect(self.run_sweep)
        self.measure.currentIndexChanged.connect(self._redraw)
        self.run_button.clicked.connect(self.run_sweep)
        self.cancel_button.clicked.connect(self.cancel)
        self.runner.progress.connect(self._on_progress)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.plots.runClicked.connect(self.open_run)
        self.plots.hovered.connect(self._on_hovered)

    # ------------------------------------------------------------------ the view protocol

    def set_surface(self, state: SurfaceState) -> None:
        """Sweep the explorer's selected run, unless what the sweep depends on is unchanged."""
        self._state = state
        key = _sweep_key(state)
        if key == self._key:
            return
        self._key = key
        try:
            self._config = SweepConfig.from_state(state)
        except ValueError as error:
            self._config = None
            self.messages.show_message("surface", f"Cannot sweep this surface: {error}")
            return
        self.messages.clear("surface")
        with signals_blocked(self.steps):
            self.steps.setValue(state.steps)
        self.run_sweep()

    def export_plots(self) -> dict[str, pg.PlotWidget]:
        plots = {"sweep": self.plots.plot}
        if self.result is not None and self.result.tails is not None:
            plots["bifurcation"] = self.plots.bifurcation
        return plots

    def data_csv(self) -> tuple[str, str]:
        """The runs as CSV (lr, regime, final_loss, distance, stopped_at) and a file name."""
        if self.result is None or self.result.done == 0:
            raise ValueError("no sweep to export yet: show this tab with a surface first")
        return sweep_csv(self.result), "learning_rate_sweep.csv"

    # ------------------------------------------------------------------ work

    def settings(self) -> SweepConfig | None:
        """The sweep the controls ask for (None before a surface was handed over)."""
        if self._config is None:
            return None
        fitted = self.fit_range.isChecked()
        return replace(
            self._config,
            steps=self.steps.value(),
            count=self.count.value(),
            lr_min=None if fitted else self.lr_min.value(),
            lr_max=None if fitted else self.lr_max.value(),
        )

    @QtCore.Slot()
    def run_sweep(self) -> None:
        """Start the sweep the controls ask for (cancelling one running); bad settings are
        one line in the message area and start nothing."""
        self.debounce.stop()
        config = self.settings()
        if config is None:
            return
        try:
            job = SweepJob(config)
        except ValueError as error:
            self.messages.show_message("sweep", str(error))
            return
        self.messages.clear("sweep")
        self.progress.setRange(0, config.count)
        self.progress.setValue(0)
        self.cancel_button.setEnabled(True)
        self.runner.start(job)

    @QtCore.Slot()
    def cancel(self) -> None:
        """Stop the sweep; the runs done so far stay on the plot."""
        self.runner.stop()
        self.cancel_button.setEnabled(False)
        if self.result is not None and not self.result.complete:
            self.statusMessage.emit(
                f"Sweep cancelled after {self.result.done} of {len(self.result.lrs)} rates"
            )

    @QtCore.Slot(object)
    def _on_progress(self, result: SweepResult | None) -> None:
        if result is not None:
            self._show(result)

    @QtCore.Slot(object)
    def _on_finished(self, result: SweepResult | None) -> None:
        self.cancel_button.setEnabled(False)
        if result is not None:
            self._show(result)

    @QtCore.Slot(str)
    def _on_failed(self, message: str) -> None:
        self.cancel_button.setEnabled(False)
        self.messages.show_message("sweep", f"The sweep failed: {message}")

    def _show(self, result: SweepResult) -> None:
        self.result = result
        self.progress.setValue(result.done)
        if self.fit_range.isChecked() and result.config.lr_min is not None:
            with signals_blocked(self.lr_min), signals_blocked(self.lr_max):
                self.lr_min.setValue(result.config.lr_min)
                self.lr_max.setValue(result.config.lr_max or MAX_LR)
        distance = self.measure.findData(Measure.DISTANCE)
        item = self.measure.model().item(distance)  # type: ignore[attr-defined]
        item.setEnabled(result.distance is not None)
        if result.distance is None and self.measure.currentData() is Measure.DISTANCE:
            with signals_blocked(self.measure):
                self.measure.setCurrentIndex(self.measure.findData(Measure.LOSS))
        self.info.setText(_info_text(result))
        self._redraw()

    @QtCore.Slot()
    def _redraw(self) -> None:
        if self.result is not None:
            self.plots.draw(self.result, self.measure.currentData())

    @QtCore.Slot()
    def _schedule(self) -> None:
        """Sweep once the editing pauses (a direct connection of ``valueChanged(int)`` to
        ``QTimer.start`` would pick its ``start(msec)`` overload: 1000 rates, a 1 s wait)."""
        self.debounce.start()

    @QtCore.Slot()
    def _on_range_edited(self) -> None:
        """An η typed by hand is the range to use: fitting is switched off."""
        with signals_blocked(self.fit_range):
            self.fit_range.setChecked(False)
        self._schedule()

    # ------------------------------------------------------------------ the user's picks

    @QtCore.Slot(int)
    def open_run(self, index: int) -> None:
        """Open run ``index`` in the explorer: its state with the selected run's η set to this
        run's, and the sweep's step budget (so the explorer's verdict is the dot's)."""
        if self.result is None or self._state is None or not 0 <= index < self.result.done:
            return
        state = self._state
        lr = min(max(float(self.result.lrs[index]), MIN_LR), MAX_LR)
        runs = list(state.runs)
        runs[state.selected] = replace(runs[state.selected], lr=lr)
        self.openSurface.emit(
            replace(
                state, runs=tuple(runs), steps=self.result.config.steps, position=None, demo=None
            )
        )

    @QtCore.Slot(float)
    def _on_hovered(self, lr: float) -> None:
        if self.result is None:
            return
        index = nearest_run(self.result, lr)
        if index is not None:
            self.cursorInfo.emit(describe_run(self.result, index))

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        """Closing the tab on its own (not only the window) also ends its sweep."""
        self.runner.stop()
        super().closeEvent(event)


def _info_text(result: SweepResult) -> str:
    """λ and the critical rates in words, for the panel's info line."""
    title = result.config.surface.title
    done = f"{result.done} of {len(result.lrs)} rates" if not result.complete else ""
    if result.rates is None:
        rates = "no minimum with a positive curvature: no critical rates"
    else:
        marks = ", ".join(f"{name} = {value:.3g}" for name, value in result.critical_marks())
        rates = f"λ = {result.rates.lambda_max:.4g}: {marks}"
    return "\n".join(part for part in (title, rates, done) if part)
