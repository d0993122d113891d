"""The network builder: pick a dataset, build an MLP, choose a learning rate, press Train, and
watch the loss converge, oscillate or blow up while the window stays responsive.

Data flow: widgets -> `NetworkSpec` / `TrainingConfig` / `Dataset` (the core's
frozen data) -> `TrainingSession`s wrapped in a `TrainingJob` -> `JobRunner` (the one worker
thread) -> `TrainingFrame`s. The panel keeps only the latest frame and redraws from it on its
own 30 Hz timer, never in the signal slot, so drawing cost never slows training down.

While the worker runs, the sessions belong to it: every change reaches them through
`JobRunner.call` (a new learning rate takes effect at the next step). A change to the network
or the data rebuilds the job from scratch after the worker has stopped.
"""

from __future__ import annotations

import functools
import re
from dataclasses import replace

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.core.codegen import export_script
from gdsim.core.datasets import Dataset, DatasetError
from gdsim.core.limits import MAX_RUNS
from gdsim.core.network import (
    ACTIVATIONS,
    INITS,
    LOSSES,
    MAX_HIDDEN_LAYERS,
    MAX_WIDTH,
    NetworkSpec,
    SpecError,
    parameter_count,
)
from gdsim.core.pacing import RedrawPacer
from gdsim.core.training import (
    OPTIMIZERS,
    SCHEDULES,
    ConfigError,
    Snapshot,
    TrainingConfig,
    TrainingSession,
    check_learning_rate,
    configs_for_rates,
)
from gdsim.core.training_job import DISPLAY_POINTS, RunFrame, TrainingFrame, TrainingJob
from gdsim.core.verdict import Verdict
from gdsim.ui.style import run_color
from gdsim.ui.widgets.code_dialog import CodeDialog
from gdsim.ui.widgets.dataset_picker import DatasetPicker, class_color
from gdsim.ui.widgets.log_slider import LogSlider
from gdsim.ui.widgets.loss_plot import LossPlot, Series
from gdsim.ui.widgets.network_diagram import NetworkDiagram
from gdsim.ui.widgets.run_badge import RunBadge
from gdsim.ui.widgets.verdict_badge import VerdictBadge
from gdsim.ui.workers import JobRunner

GRID_POINTS = 80
"""Decision-map resolution per axis: 6,400 forward passes per frame, well under a millisecond."""

REDRAW_MS = 33
GUI_SHARE = 0.08
"""While training runs, drawing may take this share of the time (it holds the GIL the worker
needs); redraws, and the worker's frames with them, are spaced to keep it so."""
DETAIL_MS = 250
"""The decision map and the network diagram change slowly and cost most to paint: they are
refreshed at most this often while training runs (every frame when paused or done)."""
MESSAGE_HOLD_MS = 5_000
"""A message (a refused edit) stays this long before the live training status, redrawn many
times a second, takes the badge back: else it would vanish before anyone could read it."""
DEFAULT_LR = 1.0
DEFAULT_COMPARE_LRS = "0.1, 1, 6, 10"
"""On the default circle network: too small (slow), right, too big (oscillating), way too big
(diverged) -- the lecture's learning-rate figure."""

PLAY = QtWidgets.QStyle.StandardPixmap.SP_MediaPlay
PAUSE = QtWidgets.QStyle.StandardPixmap.SP_MediaPause
STEP = QtWidgets.QStyle.StandardPixmap.SP_MediaSkipForward
STOP = QtWidgets.QStyle.StandardPixmap.SP_MediaStop
RESET = QtWidgets.QStyle.StandardPixmap.SP_BrowserReload
"""Button icons come from the style, not from symbol characters: common fonts lack the
media-control glyphs (⏸ draws as an empty box), a style always has its icons."""

VALUE_SHADES = 32
"""Regression targets are drawn in this many shades of the colour map, one scatter item each."""

OUTPUT_UNITS = {"binary": "sigmoid", "multiclass": "softmax", "regression": "linear"}
PROBABILITY_MAP = pg.ColorMap([0.0, 0.5, 1.0], ["#8cc4e6", "#ffffff", "#f2b38c"])
VALUE_MAP = pg.colormap.get("viridis")


class TrainingInputError(ValueError):
    """Widget state that cannot make a network or a configuration; one line for the user."""


def parse_learning_rates(text: str) -> list[float]:
    """'0.1, 1, 7' or '0.1 1 7' (as the command line takes them) -> [0.1, 1.0, 7.0]: 1 to
    MAX_RUNS rates (one colour each), separated by commas, semicolons and/or spaces,
    each one training can use (`check_learning_rate`: torch cannot store 1e300 in float32)."""
    try:
        rates = [float(part) for part in re.split(r"[\s,;]+", text) if part]
    except ValueError:
        raise TrainingInputError(
            f"learning rates must be numbers separated by commas or spaces: {text!r}"
        ) from None
    if not 1 <= len(rates) <= MAX_RUNS or not all(np.isfinite(r) and r > 0 for r in rates):
        raise TrainingInputError(
            f"give 1 to {MAX_RUNS} learning rates above 0, e.g. 0.1, 1, 6, 10"
        )
    for rate in rates:
        check_learning_rate(rate)
    return rates


class StatusBadge(VerdictBadge):
    """The header's state, verdict or error: one line as wide as its text when the header has
    room, wrapped onto more lines when it has not, so a long error never pushes the metrics line
    beside it off screen (a word-wrapped QLabel's own size hint is a narrow block, which would
    wrap even a short state)."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)

    def sizeHint(self) -> QtCore.QSize:
        self.ensurePolished()
        margins = self.contentsMargins()
        text = self.fontMetrics().horizontalAdvance(self.text()) + 1  # + rounding
        width = text + margins.left() + margins.right() + 2 * self.margin()
        return QtCore.QSize(width, self.heightForWidth(width))


class LayerEditor(QtWidgets.QWidget):
    """One row (width, activation) per hidden layer; `changed` after any edit."""

    changed = QtCore.Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[QtWidgets.QSpinBox, QtWidgets.QComboBox, QtWidgets.QWidget]] = []
        self._layout = QtWidgets.QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)

    def hidden(self) -> tuple[tuple[int, str], ...]:
        return tuple((width.value(), act.currentData()) for width, act, _ in self._rows)

    def count(self) -> int:
        return len(self._rows)

    def add_layer(self, width: int | None = None, activation: str | None = None) -> None:
        """Append a layer; by default a copy of the last one (or 8 ReLU units)."""
        if len(self._rows) >= MAX_HIDDEN_LAYERS:
            return
        last = self.hidden()[-1] if self._rows else (8, "relu")
        row = QtWidgets.QWidget(self)
        line = QtWidgets.QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        label = QtWidgets.QLabel(f"layer {len(self._rows) + 1}", row)
        spin = QtWidgets.QSpinBox(row)
        spin.setRange(1, MAX_WIDTH)
        spin.setValue(width or last[0])
        spin.setSuffix(" units")
        spin.setKeyboardTracking(False)
        spin.setObjectName(f"layerWidthSpin{len(self._rows)}")
        combo = QtWidgets.QComboBox(row)
        combo.setObjectName(f"layerActivationCombo{len(self._rows)}")
        for key, entry in ACTIVATIONS.items():
            combo.addItem(entry.label, key)
        combo.setCurrentIndex(combo.findData(activation or last[1]))
        line.addWidget(label)
        line.addWidget(spin, 1)
        line.addWidget(combo, 1)
        spin.valueChanged.connect(self.changed)
        combo.currentIndexChanged.connect(self.changed)
        self._layout.addWidget(row)
        self._rows.append((spin, combo, row))
        self.changed.emit()

    def remove_layer(self) -> None:
        if not self._rows:
            return
        *_, row = self._rows.pop()
        row.setParent(None)
        row.deleteLater()
        self.changed.emit()


class MlpPanel(QtWidgets.QWidget):
    """The "Network builder" tab (see the module docstring for how the pieces talk)."""

    statusMessage = QtCore.Signal(str)
    cursorInfo = QtCore.Signal(str)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mlpPanel")
        self.runner = JobRunner(self, max_rate=1000 / REDRAW_MS)
        self._pacer = RedrawPacer(fastest_ms=REDRAW_MS, slowest_ms=500, share=GUI_SHARE)
        self._job: TrainingJob | None = None
        self._frame: TrainingFrame | None = None
        self._dirty = False
        self._run_badges: list[RunBadge] = []
        self._shown_run = 0
        """The compare run the decision map and the diagram show; kept across rebuilds."""
        self._compare_rates = parse_learning_rates(DEFAULT_COMPARE_LRS)
        """The compare rates in use: the last ones typed that training accepted. A refused
        text stays in the field to be corrected, but never reaches the runs."""
        self.code_dialog: CodeDialog | None = None
        self._message_clock = QtCore.QElapsedTimer()
        self._build_widgets()
        self._hyper = self.config()
        """The optimizer settings in use: a refused change puts the widgets back to these."""
        self._connect()
        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self._redraw)
        self._detail_clock = QtCore.QElapsedTimer()
        self.layers.add_layer(16, "relu")
        self._rebuild()
        self._timer.start()

    # ------------------------------------------------------------------ construction

    def _build_widgets(self) -> None:
        self.picker = DatasetPicker(self)
        self.layers = LayerEditor(self)
        self.add_layer_button = self._button("+ layer", "addLayerButton")
        self.remove_layer_button = self._button("− layer", "removeLayerButton")
        self.output_label = QtWidgets.QLabel(self)
        self.output_label.setWordWrap(True)
        self.output_label.setObjectName("outputLabel")
        self.init_combo = QtWidgets.QComboBox(self)
        self.init_combo.setObjectName("initCombo")
        for key, description in INITS.items():
            self.init_combo.addItem(key, key)
            self.init_combo.setItemData(
                self.init_combo.count() - 1, description, QtCore.Qt.ItemDataRole.ToolTipRole
            )
        self.sigma_spin = self._double_spin("initSigmaSpin", 0.001, 10.0, 0.1, 3)
        self.sigma_spin.setPrefix("σ ")
        self.net_seed_spin = QtWidgets.QSpinBox(self)
        self.net_seed_spin.setObjectName("netSeedSpin")
        self.net_seed_spin.setRange(0, 999_999)
        self.net_seed_spin.setKeyboardTracking(False)
        self.param_label = QtWidgets.QLabel(self)
        self.param_label.setObjectName("paramCountLabel")

        self.optimizer_combo = QtWidgets.QComboBox(self)
        self.optimizer_combo.setObjectName("optimizerCombo")
        for key, kind in OPTIMIZERS.items():
            self.optimizer_combo.addItem(kind.title, key)
        self.lr_slider = LogSlider(1e-4, 100.0, DEFAULT_LR, self)
        self.lr_slider.spin.setObjectName("mlpLrSpin")
        self.lr_slider.setToolTip("Learning rate η: moving it while training acts at the next step")
        self.batch_spin = QtWidgets.QSpinBox(self)
        self.batch_spin.setObjectName("batchSizeSpin")
        self.batch_spin.setRange(0, 100_000)
        self.batch_spin.setSpecialValueText("full batch")
        self.batch_spin.setKeyboardTracking(False)
        self.decay_spin = self._double_spin("weightDecaySpin", 0.0, 1.0, 0.0, 5)
        self.decay_spin.setSingleStep(1e-4)
        self.steps_spin = QtWidgets.QSpinBox(self)
        self.steps_spin.setObjectName("stepsSpin")
        self.steps_spin.setRange(1, 1_000_000)
        self.steps_spin.setValue(1000)
        self.steps_spin.setSingleStep(100)
        self.steps_spin.setKeyboardTracking(False)
        self.schedule_combo = QtWidgets.QComboBox(self)
        self.schedule_combo.setObjectName("scheduleCombo")
        for key in SCHEDULES:
            self.schedule_combo.addItem(key, key)
        self.compare_check = QtWidgets.QCheckBox("compare learning rates", self)
        self.compare_check.setObjectName("compareCheck")
        self.compare_edit = QtWidgets.QLineEdit(DEFAULT_COMPARE_LRS, self)
        self.compare_edit.setObjectName("compareLrsEdit")
        self.compare_edit.setToolTip("Same network, same initial weights, one run per rate")
        self.compare_edit.setEnabled(False)

        self.train_button = self._button("Train", "trainButton", PLAY)
        self.pause_button = self._button("Pause", "pauseButton", PAUSE)
        self.step_button = self._button("Step", "stepButton", STEP)
        self.stop_button = self._button("Stop", "stopButton", STOP)
        self.reset_button = self._button("Reset", "resetButton", RESET)
        self.code_button = self._button("Show code", "showCodeButton")
        self.train_button.setDefault(True)

        self.status_label = StatusBadge(self)
        self.status_label.setObjectName("trainingStatusLabel")
        self.metrics_label = QtWidgets.QLabel(self)
        self.metrics_label.setObjectName("metricsLabel")
        # Always its whole text: the status badge beside it gives way (wraps) instead.
        self.metrics_label.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Minimum, QtWidgets.QSizePolicy.Policy.Preferred
        )
        self.diagram = NetworkDiagram(self)
        self.diagram.setObjectName("networkDiagram")
        self.decision_plot = pg.PlotWidget(self)
        self.decision_plot.setObjectName("decisionPlot")
        self.decision_plot.setMenuEnabled(False)
        self.decision_image = pg.ImageItem()
        self.decision_curve = pg.PlotDataItem(pen=pg.mkPen("#222222", width=2.5))
        self._data_shown: Dataset | None = None
        self.train_scatter = pg.ScatterPlotItem(size=7, pen=pg.mkPen("#333333", width=0.6))
        self.val_scatter = pg.ScatterPlotItem(size=8, symbol="t", brush=pg.mkBrush("w"))
        for item in (self.decision_image, self.train_scatter, self.val_scatter):
            self.decision_plot.addItem(item)
        self.decision_plot.addItem(self.decision_curve)
        legend = self.decision_plot.addLegend(offset=(-8, 8))
        legend.addItem(self.train_scatter, "train")
        legend.addItem(self.val_scatter, "validation")
        # Training curves are thinned to DISPLAY_POINTS and redrawn a few times a second while
        # the worker runs: 2 px pens stay affordable and read better on a projector.
        thick = 2 * DISPLAY_POINTS + 1
        self.loss_plot = LossPlot(self, y_label="loss", x_label="step", thick_up_to=thick)
        self.loss_plot.setObjectName("trainLossPlot")
        self.loss_plot.setLabel("left", "loss")
        self.loss_plot.getAxis("left").enableAutoSIPrefix(False)
        self.metric_plot = LossPlot(
            self, y_label="accuracy", x_label="step", log=False, thick_up_to=thick
        )
        self.metric_plot.setObjectName("metricPlot")
        self.metric_plot.getAxis("left").enableAutoSIPrefix(False)
        self.badge_row = QtWidgets.QGridLayout()
        self.badge_row.setContentsMargins(0, 0, 0, 0)
        self._lay_out()

    def _lay_out(self) -> None:
        controls = QtWidgets.QWidget(self)
        column = QtWidgets.QVBoxLayout(controls)
        data_box = QtWidgets.QGroupBox("Data", controls)
        QtWidgets.QVBoxLayout(data_box).addWidget(self.picker)
        net_box = QtWidgets.QGroupBox("Network", controls)
        net = QtWidgets.QVBoxLayout(net_box)
        net.addWidget(self.layers)
        layer_buttons = QtWidgets.QHBoxLayout()
        layer_buttons.addWidget(self.add_layer_button)
        layer_buttons.addWidget(self.remove_layer_button)
        layer_buttons.addWidget(self.param_label, 1, QtCore.Qt.AlignmentFlag.AlignRight)
        net.addLayout(layer_buttons)
        net.addWidget(self.output_label)
        init_row = QtWidgets.QHBoxLayout()
        init_row.addWidget(QtWidgets.QLabel("init"))
        init_row.addWidget(self.init_combo, 1)
        init_row.addWidget(self.sigma_spin)
        init_row.addWidget(QtWidgets.QLabel("seed"))
        init_row.addWidget(self.net_seed_spin)
        net.addLayout(init_row)
        train_box = QtWidgets.QGroupBox("Training", controls)
        form = QtWidgets.QFormLayout(train_box)
        form.addRow("optimizer", self.optimizer_combo)
        form.addRow("learning rate η", self.lr_slider)
        form.addRow("batch size", self.batch_spin)
        form.addRow("weight decay", self.decay_spin)
        form.addRow("steps", self.steps_spin)
        form.addRow("schedule", self.schedule_combo)
        form.addRow(self.compare_check, self.compare_edit)
        buttons = QtWidgets.QGridLayout()
        for index, button in enumerate(
            (
                self.train_button,
                self.pause_button,
                self.step_button,
                self.stop_button,
                self.reset_button,
                self.code_button,
            )
        ):
            buttons.addWidget(button, index // 3, index % 3)
        for box in (data_box, net_box, train_box):
            column.addWidget(box)
        column.addLayout(buttons)
        column.addStretch(1)
        scroll = QtWidgets.QScrollArea(self)
        scroll.setWidget(controls)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(400)
        scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)

        views = QtWidgets.QWidget(self)
        column_of_views = QtWidgets.QVBoxLayout(views)
        column_of_views.setContentsMargins(0, 0, 0, 0)
        header = QtWidgets.QHBoxLayout()
        header.addWidget(self.status_label)
        header.addWidget(self.metrics_label, 1)
        # The header changes text many times a second: outside the grid, its size hints cannot
        # move the grid's columns (which would repaint every plot and starve the worker). Its
        # height changes only when the badge's text wraps onto another line (a long error).
        column_of_views.addLayout(header)
        grid = QtWidgets.QGridLayout()
        column_of_views.addLayout(grid, 1)
        grid.addWidget(self.decision_plot, 0, 0)
        grid.addWidget(self.diagram, 0, 1)
        grid.addLayout(self.badge_row, 1, 0, 1, 2)
        grid.addWidget(self.loss_plot, 2, 0)
        grid.addWidget(self.metric_plot, 2, 1)
        grid.setRowStretch(0, 3)
        grid.setRowStretch(2, 2)
        grid.setColumnStretch(0, 3)
        grid.setColumnStretch(1, 2)
        layout = QtWidgets.QHBoxLayout(self)
        layout.addWidget(scroll)
        layout.addWidget(views, 1)

    def _button(
        self, text: str, name: str, icon: QtWidgets.QStyle.StandardPixmap | None = None
    ) -> QtWidgets.QPushButton:
        button = QtWidgets.QPushButton(text, self)
        button.setObjectName(name)
        if icon is not None:
            button.setIcon(self.style().standardIcon(icon))
        return button

    def _double_spin(
        self, name: str, low: float, high: float, value: float, decimals: int
    ) -> QtWidgets.QDoubleSpinBox:
        spin = QtWidgets.QDoubleSpinBox(self)
        spin.setObjectName(name)
        spin.setDecimals(decimals)
        spin.setRange(low, high)
        spin.setValue(value)
        spin.setKeyboardTracking(False)
        return spin

    def _connect(self) -> None:
        self.picker.datasetChanged.connect(self._on_structure_changed)
        self.picker.failed.connect(self.show_error)
        self.picker.loading.connect(self.status_label.clear_verdict)
        self.layers.changed.connect(self._on_structure_changed)
        self.add_layer_button.clicked.connect(self._add_layer)
        self.remove_layer_button.clicked.connect(self.layers.remove_layer)
        self.init_combo.currentIndexChanged.connect(self._on_structure_changed)
        self.sigma_spin.valueChanged.connect(self._on_structure_changed)
        self.net_seed_spin.valueChanged.connect(self._on_structure_changed)
        self.compare_check.toggled.connect(self._on_compare_toggled)
        self.compare_edit.editingFinished.connect(self._on_compare_edited)
        self.lr_slider.valueChanged.connect(self._on_lr)
        self.optimizer_combo.currentIndexChanged.connect(self._on_hyper)
        self.batch_spin.valueChanged.connect(self._on_hyper)
        self.decay_spin.valueChanged.connect(self._on_hyper)
        self.steps_spin.valueChanged.connect(self._on_hyper)
        self.schedule_combo.currentIndexChanged.connect(self._on_hyper)
        self.train_button.clicked.connect(self.train)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.step_button.clicked.connect(self.step)
        self.stop_button.clicked.connect(self.stop)
        self.reset_button.clicked.connect(self.reset)
        self.code_button.clicked.connect(self.show_code)
        self.decision_plot.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.runner.progress.connect(self._on_frame)
        self.runner.pausedAt.connect(self._on_paused)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.runningChanged.connect(self._update_buttons)

    # ------------------------------------------------------------------ widget state -> core

    @property
    def dataset(self) -> Dataset:
        return self.picker.dataset()

    @property
    def job(self) -> TrainingJob | None:
        """The job being shown (its sessions belong to the worker while it runs)."""
        return self._job

    def spec(self) -> NetworkSpec:
        data = self.dataset
        return NetworkSpec.for_task(
            data.task,
            data.input_dim,
            data.n_classes,
            hidden=self.layers.hidden(),
            init=self.init_combo.currentData(),
            init_sigma=self.sigma_spin.value(),
            seed=self.net_seed_spin.value(),
        )

    def config(self) -> TrainingConfig:
        return TrainingConfig(
            optimizer=self.optimizer_combo.currentData(),
            lr=self.lr_slider.value(),
            batch_size=self.batch_spin.value() or None,
            weight_decay=self.decay_spin.value(),
            schedule=self.schedule_combo.currentData(),
            steps=self.steps_spin.value(),
            seed=self.net_seed_spin.value(),
        )

    def learning_rates(self) -> list[float]:
        if self.compare_check.isChecked():
            return list(self._compare_rates)
        return [self.lr_slider.value()]

    def _new_job(self) -> TrainingJob:
        spec, config, data = self.spec(), self.config(), self.dataset
        configs = configs_for_rates(config, self.learning_rates())
        sessions = [TrainingSession(spec, data, run_config) for run_config in configs]
        (x_low, x_high), *rest = data.input_range
        xs = np.linspace(x_low, x_high, GRID_POINTS)
        ys = np.linspace(*rest[0], GRID_POINTS) if rest else None
        self._shown_run = min(self._shown_run, len(sessions) - 1)
        return TrainingJob(sessions, (xs, ys), shown=self._shown_run)

    # ------------------------------------------------------------------ actions

    @QtCore.Slot()
    def train(self) -> None:
        """Start (or continue a stopped run); a finished run starts again from its init."""
        if not self._take_typed_rates():
            return
        self._message_clock.invalidate()
        if self.runner.is_running():
            self.runner.resume()
            self._update_buttons()
            return
        if self._job is None or self._job.finished:
            self._rebuild()
        if self._job is not None:
            self.runner.start(self._job)
            self._update_buttons()

    @QtCore.Slot()
    def toggle_pause(self) -> None:
        if not self.runner.is_running():
            return
        if self.runner.is_paused():
            self.runner.resume()
        else:
            self.runner.pause()
        self._update_buttons()

    @QtCore.Slot()
    def step(self) -> None:
        """One optimizer step (per run), then stay paused."""
        if not self._take_typed_rates():
            return
        if not self.runner.is_running():
            if self._job is None or self._job.finished:
                self._rebuild()
            if self._job is None:
                return
            self.runner.start(self._job, paused=True)
        if self._job is not None:
            self.runner.call(self._job.step_once)
            self.runner.step()
        self._update_buttons()

    @QtCore.Slot()
    def stop(self) -> None:
        """End the worker; the trained state stays on screen (Train continues from it)."""
        self.runner.stop()
        if self._job is not None:
            self._show_frame(self._job.snapshot())
            self._show_verdict(self._frame, prefix="stopped: ")
        self._update_buttons()

    @QtCore.Slot()
    def reset(self) -> None:
        """Back to the initial weights of the current spec."""
        self.runner.stop()
        self._rebuild()

    @QtCore.Slot()
    def show_code(self) -> None:
        """The standalone PyTorch script for the current spec, data and optimizer, at the
        learning rate of the run on display (in compare mode the slider is not in use)."""
        try:
            config = replace(self.config(), lr=self._shown_lr())
            code = export_script(self.spec(), self.picker.source(), config)
        except (SpecError, ConfigError, DatasetError, TrainingInputError) as error:
            self.show_error(str(error))
            return
        if self.code_dialog is not None:
            self.code_dialog.close()
        self.code_dialog = CodeDialog(code, f"train_{self.dataset.name}.py", self)
        self.code_dialog.show()

    def _shown_lr(self) -> float:
        """The slider's rate, or in compare mode (the slider greyed out) the rate of the run
        on display, as its frame says."""
        if not self.compare_check.isChecked():
            return self.lr_slider.value()
        frame = self._frame
        if self._job is None or frame is None:
            return self.learning_rates()[0]  # no runs: the network or data was refused
        return frame.runs[frame.shown].lr

    @QtCore.Slot(str)
    def show_error(self, message: str) -> None:
        """A one-line message in the panel (and the status bar); the panel stays usable."""
        self._message_clock.start()
        self.status_label.setText(f"⚠ {message}")
        self.status_label.setStyleSheet(
            "QLabel { background: #fde0dd; color: #7f0000; border-radius: 6px; padding: 3px 8px; }"
        )
        self.statusMessage.emit(message)

    # ------------------------------------------------------------------ reacting to edits

    @QtCore.Slot()
    def _add_layer(self) -> None:
        self.layers.add_layer()

    @QtCore.Slot()
    def _on_structure_changed(self) -> None:
        """Network, data or compare list changed: stop the worker and start over."""
        self.runner.stop()
        self._rebuild()

    @QtCore.Slot()
    def _on_compare_edited(self) -> None:
        self._take_typed_rates()

    def _take_typed_rates(self) -> bool:
        """In compare mode, put the rates typed in compareLrsEdit in use, starting over if they
        changed. Rates training cannot use are refused with a message before anything stops,
        so the runs in progress and on screen, and their rates, stay as they were: False."""
        if not self.compare_check.isChecked():
            return True
        try:
            rates = self._typed_rates()
        except TrainingInputError as error:
            self.show_error(str(error))
            return False
        if rates != self._compare_rates:
            self._compare_rates = rates
            self._on_structure_changed()
        return True

    def _typed_rates(self) -> list[float]:
        """The rates in compareLrsEdit, each checked against the current configuration (an
        optimizer may allow less than float32 does); a refusal says which rates stay in use."""
        text = self.compare_edit.text()
        try:
            rates = parse_learning_rates(text)
            configs_for_rates(self.config(), rates)
        except (TrainingInputError, ConfigError) as error:
            in_use = ", ".join(f"{rate:g}" for rate in self._compare_rates)
            raise TrainingInputError(f"{error}; the previous rates {in_use} stay in use") from None
        return rates

    @QtCore.Slot(bool)
    def _on_compare_toggled(self, on: bool) -> None:
        """Compare mode takes the rates in the field if training accepts them; else it starts
        with the rates last in use and says why the field's were refused."""
        self.compare_edit.setEnabled(on)
        self.lr_slider.setEnabled(not on)
        refusal = None
        if on:
            try:
                self._compare_rates = self._typed_rates()
            except TrainingInputError as error:
                refusal = str(error)
                self._fall_back_to_usable_rates()
        self._on_structure_changed()
        if refusal is not None:
            self.show_error(refusal)

    def _fall_back_to_usable_rates(self) -> None:
        """The rates last in use may not suit the optimizer chosen since (1e38 with Adam): then
        compare mode starts from the lecture's default rates rather than with no runs at all."""
        try:
            configs_for_rates(self.config(), self._compare_rates)
        except ConfigError:
            self._compare_rates = parse_learning_rates(DEFAULT_COMPARE_LRS)

    def _rebuild(self) -> None:
        try:
            job = self._new_job()
        except (SpecError, ConfigError, TrainingInputError) as error:
            self._job = None
            self.show_error(str(error))
            self._update_buttons()
            return
        self._job = job
        self._hyper = job.sessions[0].config
        spec = job.sessions[0].spec
        self.param_label.setText(f"{parameter_count(spec):,} parameters")
        loss_name, loss_text = LOSSES[spec.task]
        self.output_label.setText(
            f"output: {spec.output_dim} {OUTPUT_UNITS[spec.task]} unit(s) · loss: {loss_name}"
            f" ({loss_text})"
        )
        self.diagram.set_architecture(spec.widths, self._layer_labels(spec))
        self.add_layer_button.setEnabled(self.layers.count() < MAX_HIDDEN_LAYERS)
        self.remove_layer_button.setEnabled(self.layers.count() > 0)
        self._show_data(self.dataset)
        self._make_badges(job)
        self._mark_shown_badge()
        self.status_label.clear_verdict("ready: press Train")
        self.cursorInfo.emit("")
        frame = job.snapshot()
        self._frame_plots(spec.task, frame.runs[0].state.train_loss)
        self._show_frame(frame)
        self._update_buttons()

    def _frame_plots(self, task: str, initial_loss: float) -> None:
        """Axes that make sense before the first step: accuracy on [0, 1] (R² on [-1, 1] at
        most) for good, and the loss from its starting value down two decades, until data comes.
        Toggling the log mode drops the loss plot's memory of the last run's range, so the new
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
        self.loss_plot.set_x_range(0, self.steps_spin.value())
        if np.isfinite(initial_loss) and initial_loss > 0:
            top = np.log10(initial_loss)
            self.loss_plot.setYRange(top - 2.0, top + 0.3, padding=0)

    @staticmethod
    def _layer_labels(spec: NetworkSpec) -> list[str]:
        hidden = [f"{w} {ACTIVATIONS[a].label.split()[0]}" for w, a in spec.hidden]
        return [f"in {spec.input_dim}", *hidden, f"{spec.output_dim} {OUTPUT_UNITS[spec.task]}"]

    @QtCore.Slot(float)
    def _on_lr(self, lr: float) -> None:
        """A new learning rate acts at the next step, without resetting the weights."""
        job = self._job
        if job is None or self.compare_check.isChecked():
            return
        self._send(functools.partial(job.set_lr, lr))

    @QtCore.Slot()
    def _on_hyper(self) -> None:
        """Optimizer, batch size, decay, steps or schedule: applied between two steps. A setting
        some run's learning rate cannot train with is refused before any run changes, and the
        widgets go back to the settings in use."""
        try:
            config = self.config()
            configs_for_rates(config, self.learning_rates())
        except ConfigError as error:
            self._restore_hyper()
            self.show_error(f"{error}; the settings in use stay")
            return
        self._hyper = config
        job = self._job
        if job is None:
            return
        changes = {
            "optimizer": config.optimizer,
            "batch_size": config.batch_size,
            "weight_decay": config.weight_decay,
            "schedule": config.schedule,
            "steps": config.steps,
        }
        self._send(functools.partial(job.set_hyper, **changes))
        self._update_buttons()

    def _restore_hyper(self) -> None:
        """Show the optimizer settings in use again, without reacting to the change."""
        hyper = self._hyper
        combos = ((self.optimizer_combo, hyper.optimizer), (self.schedule_combo, hyper.schedule))
        spins = (
            (self.batch_spin, hyper.batch_size or 0),
            (self.decay_spin, hyper.weight_decay),
            (self.steps_spin, hyper.steps),
        )
        for combo, key in combos:
            with QtCore.QSignalBlocker(combo):
                combo.setCurrentIndex(combo.findData(key))
        for spin, value in spins:
            with QtCore.QSignalBlocker(spin):
                spin.setValue(value)

    def _send(self, command: functools.partial[None]) -> None:
        """Run `command` on the job: in the worker between two steps if it runs, else now."""
        if self.runner.is_running():
            self.runner.call(command)
        else:
            command()

    # ------------------------------------------------------------------ worker -> panel

    @QtCore.Slot(object)
    def _on_frame(self, frame: TrainingFrame) -> None:
        """Keep only the latest frame; the timer draws it."""
        self._frame = frame
        self._dirty = True

    @QtCore.Slot(object)
    def _on_paused(self, frame: TrainingFrame) -> None:
        self._on_frame(frame)
        self.status_label.clear_verdict(f"paused at step {frame.runs[0].state.step}")

    @QtCore.Slot(object)
    def _on_finished(self, frame: TrainingFrame) -> None:
        self._on_frame(frame)
        self._redraw()
        self._show_verdict(frame)
        self._update_buttons()

    @QtCore.Slot(str)
    def _on_failed(self, message: str) -> None:
        self.show_error(f"training stopped: {message}")
        self._update_buttons()

    @QtCore.Slot()
    def _update_buttons(self) -> None:
        running = self.runner.is_running()
        paused = self.runner.is_paused()
        can_train = self._job is not None
        self.train_button.setEnabled(can_train and (not running or paused))
        self.pause_button.setEnabled(running)
        self.pause_button.setText("Resume" if paused else "Pause")
        self.pause_button.setIcon(self.style().standardIcon(PLAY if paused else PAUSE))
        self.step_button.setEnabled(can_train and (not running or paused))
        self.stop_button.setEnabled(running)
        self.train_button.setText("Resume" if paused else "Train")

    # ------------------------------------------------------------------ drawing

    def _show_frame(self, frame: TrainingFrame) -> None:
        self._frame = frame
        self._dirty = True
        self._redraw()

    def _show_verdict(self, frame: TrainingFrame | None, prefix: str = "") -> None:
        if frame is None:
            return
        verdict = frame.runs[frame.shown].verdict
        if verdict is None:
            self.status_label.clear_verdict("ready: press Train")
        elif len(frame.runs) > 1:
            self.status_label.set_verdict(verdict, f"{prefix}η={_rate(frame.runs[frame.shown])}: ")
        else:
            self.status_label.set_verdict(verdict, prefix)

    @QtCore.Slot()
    def _redraw(self) -> None:
        """Draw the latest frame, at most once per timer tick, only if a new one arrived."""
        frame = self._frame
        if frame is None or not self._dirty:
            return
        self._dirty = False
        self._draw_losses(frame)
        live = self.runner.is_running() and not self.runner.is_paused()
        if not live or not self._detail_clock.isValid() or self._detail_clock.hasExpired(DETAIL_MS):
            self._draw_prediction(frame)
            self.diagram.set_weights(frame.weights)
            self._detail_clock.start()
        for badge, run in zip(self._run_badges, frame.runs, strict=False):
            if run.verdict is not None:
                badge.set_verdict(run.verdict, f"η={_rate(run)}: ")
        shown = frame.runs[frame.shown].state
        self.metrics_label.setText(self._metrics_text(shown))
        if live and not self._message_held():
            if shown.diverged_at is not None:
                self._show_verdict(frame)
            else:
                self.status_label.clear_verdict(f"training… step {shown.step:,}")
        interval = self._pacer.next_interval(live)
        self._timer.setInterval(interval)
        self.runner.set_max_rate(1000 / interval)

    def _message_held(self) -> bool:
        clock = self._message_clock
        return clock.isValid() and not clock.hasExpired(MESSAGE_HOLD_MS)

    @staticmethod
    def _metrics_text(state: Snapshot) -> str:
        name = "R²" if state.metric_name == "r2" else "accuracy"
        parts = [f"step {state.step:,}", f"train loss {state.train_loss:.4g}"]
        if state.val_loss is not None:
            parts.append(f"val loss {state.val_loss:.4g}")
        parts.append(f"{name} {_percent(state.train_metric, state.metric_name)}")
        if state.val_metric is not None:
            parts.append(f"val {_percent(state.val_metric, state.metric_name)}")
        return "  ·  ".join(parts)

    def _draw_losses(self, frame: TrainingFrame) -> None:
        compare = len(frame.runs) > 1
        losses: list[Series] = []
        metrics: list[Series] = []
        for index, run in enumerate(frame.runs):
            if not run.losses.size:
                continue  # a lone step-0 validation point would squeeze the y-axis to nothing
            color = run_color(index)
            name = f"η={_rate(run)}" if compare else "train"
            losses.append(Series(name, run.loss_steps, run.losses, color))
            metrics.append(Series(name, run.metric_steps, run.train_metric, color))
            if not compare and run.val_steps.size:
                losses.append(Series("validation", run.val_steps, run.val_losses, color, True))
                metrics.append(Series("validation", run.metric_steps, run.val_metric, color, True))
        budget = max(self.steps_spin.value(), *(run.state.step for run in frame.runs))
        for plot in (self.loss_plot, self.metric_plot):
            plot.set_x_range(0, budget)
        self.loss_plot.set_series(losses)
        self.metric_plot.set_series(metrics)

    def _show_data(self, data: Dataset) -> None:
        """Scatter of the points (filled: training, triangles: validation), set once per
        dataset; the prediction underneath is what changes during training. Reset and a new
        network keep the dataset: redrawing 100,000 points for them froze the window ~1 s."""
        if data is self._data_shown:
            return
        self._data_shown = data
        one_d = data.input_dim == 1
        self.decision_plot.setAspectLocked(not one_d)
        self.val_scatter.setPen(pg.mkPen("#111111", width=1.2))
        for scatter, x, y in (
            (self.train_scatter, data.x_train.numpy(), data.y_train.numpy()),
            (self.val_scatter, data.x_val.numpy(), data.y_val.numpy()),
        ):
            y = y.reshape(-1)
            if one_d:
                _set_groups(scatter, [])
                scatter.setData(x[:, 0], y, brush=pg.mkBrush("#555555"))
                continue
            scatter.setData([], [])
            if data.task == "regression":
                shade = np.minimum((_unit(y, data) * VALUE_SHADES).astype(int), VALUE_SHADES - 1)
                colors = VALUE_MAP.map((np.arange(VALUE_SHADES) + 0.5) / VALUE_SHADES, "qcolor")
            else:
                shade = y.astype(int)
                colors = [class_color(k) for k in range(data.n_classes)]
            _set_groups(scatter, [(x[shade == k], color) for k, color in enumerate(colors)])
        (x0, x1), *rest = data.input_range
        if one_d:
            self.decision_image.setVisible(False)
            self.decision_curve.setVisible(True)
            self.decision_plot.setLabel("left", "y")
        else:
            (y0, y1) = rest[0]
            self.decision_image.setVisible(True)
            self.decision_curve.setVisible(False)
            self.decision_plot.setLabel("left", "x₂")
            self.decision_plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        self.decision_plot.setLabel("bottom", "x₁" if not one_d else "x")
        if one_d:
            self.decision_plot.autoRange()

    def _draw_prediction(self, frame: TrainingFrame) -> None:
        data = self.dataset
        prediction = np.nan_to_num(frame.prediction, nan=0.0, posinf=1e6, neginf=-1e6)
        if data.input_dim == 1:
            xs = np.linspace(*data.input_range[0], len(prediction))
            self.decision_curve.setData(xs, prediction)
            return
        if data.task == "binary":
            rgba = PROBABILITY_MAP.map(np.clip(prediction, 0.0, 1.0).ravel(), mode="byte")
        elif data.task == "multiclass":
            palette = np.array(
                [_lighten(class_color(k)) for k in range(data.n_classes)], dtype=np.ubyte
            )
            rgba = palette[np.clip(prediction.astype(int), 0, data.n_classes - 1).ravel()]
        else:
            rgba = VALUE_MAP.map(_unit(prediction.ravel(), data), mode="byte")
        image = np.ascontiguousarray(rgba.reshape(*prediction.shape, -1))
        self.decision_image.setImage(image, autoLevels=False)
        (x0, x1), (y0, y1) = data.input_range
        self.decision_image.setRect(QtCore.QRectF(x0, y0, x1 - x0, y1 - y0))

    @QtCore.Slot(QtCore.QPointF)
    def _on_mouse_moved(self, scene_pos: QtCore.QPointF) -> None:
        """Report the point under the mouse and the latest frame's prediction there."""
        box = self.decision_plot.getViewBox()
        if self._frame is None or not box.sceneBoundingRect().contains(scene_pos):
            self.cursorInfo.emit("")
            return
        point = box.mapSceneToView(scene_pos)
        self.cursorInfo.emit(cursor_text(self.dataset, self._frame.prediction, point))

    # ------------------------------------------------------------------ compare mode

    def _make_badges(self, job: TrainingJob) -> None:
        for badge in self._run_badges:
            badge.setParent(None)
            badge.deleteLater()
        self._run_badges = []
        if len(job.sessions) < 2:
            return
        count = len(job.sessions)
        columns = count if count <= 3 else -(-count // 2)  # two rows from four runs on
        for column in range(MAX_RUNS):
            self.badge_row.setColumnStretch(column, 1 if column < columns else 0)
        for index, session in enumerate(job.sessions):
            badge = RunBadge(index, run_color(index), self)
            badge.clear_verdict(f"η={session.config.lr:g}")
            badge.clicked.connect(self.show_run)
            self.badge_row.addWidget(badge, index // columns, index % columns)
            self._run_badges.append(badge)

    @QtCore.Slot(int)
    def show_run(self, index: int) -> None:
        """Show run `index` in the decision map and the diagram: while the worker runs (or is
        paused) its next frame carries it; a stopped or finished session is redrawn at once."""
        job = self._job
        if job is None or not 0 <= index < len(job.sessions):
            return
        self._shown_run = index
        self._mark_shown_badge()
        if self.runner.is_running():
            self.runner.call(functools.partial(job.show_run, index))
            return
        job.show_run(index)
        self._show_frame(job.snapshot())
        self._show_verdict(self._frame)

    def _mark_shown_badge(self) -> None:
        for badge in self._run_badges:
            badge.set_shown(badge.index == self._shown_run)

    def run_verdicts(self) -> list[Verdict | None]:
        """The verdict of each run in the latest frame (compare mode's figure)."""
        return [] if self._frame is None else [run.verdict for run in self._frame.runs]

    # ------------------------------------------------------------------ window protocol

    def export_plots(self) -> dict[str, pg.PlotWidget]:
        return {
            "loss": self.loss_plot,
            "decision boundary": self.decision_plot,
            "accuracy": self.metric_plot,
        }

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        """Closing the panel on its own (not only the window) also ends its workers."""
        self.runner.stop()
        self.picker.loader.stop()
        super().closeEvent(event)


def cursor_text(data: Dataset, prediction: np.ndarray, point: QtCore.QPointF) -> str:
    """'x₁ = 0.42, x₂ = -0.13   p(class 1) = 0.87': the point and the nearest cell of the
    prediction grid (which spans `data.input_range`); just the point outside the grid."""
    x, y = point.x(), point.y()
    if data.input_dim == 1:
        column = _nearest_cell(x, data.input_range[0], len(prediction))
        if column is None:
            return f"x = {x:.3g}"
        return f"x = {x:.3g}   ŷ = {prediction[column]:.3g}"
    where = f"x₁ = {x:.2f}, x₂ = {y:.2f}"
    column = _nearest_cell(x, data.input_range[0], prediction.shape[1])
    row = _nearest_cell(y, data.input_range[1], prediction.shape[0])
    if column is None or row is None:
        return where
    value = float(prediction[row, column])
    if data.task == "binary":
        return f"{where}   p(class 1) = {value:.2f}"
    if data.task == "multiclass":
        return f"{where}   class {int(value)}" if np.isfinite(value) else where
    return f"{where}   ŷ = {value:.3g}"


def _nearest_cell(value: float, span: tuple[float, float], cells: int) -> int | None:
    """Index of the grid point nearest to `value` on `cells` points spanning `span`."""
    low, high = span
    if not low <= value <= high or cells < 1:
        return None
    return min(cells - 1, round((value - low) / max(high - low, 1e-12) * (cells - 1)))


def _set_groups(scatter: pg.ScatterPlotItem, groups: list[tuple[np.ndarray, object]]) -> None:
    """Draw each group of points (an (n, 2) array and its colour) as one child scatter of
    `scatter`, in one brush: pyqtgraph builds a brush object per point when given one brush
    per point (~16 s for 100,000 points on the GUI thread), and one per item costs nothing.
    The children share `scatter`'s symbol, size and pen, and its legend entry and visibility."""
    for child in scatter.childItems():
        child.setParentItem(None)
        if child.scene() is not None:
            child.scene().removeItem(child)
    opts = scatter.opts
    for points, color in groups:
        if len(points):
            child = pg.ScatterPlotItem(
                points[:, 0],
                points[:, 1],
                symbol=opts["symbol"],
                size=opts["size"],
                pen=opts["pen"],
                brush=pg.mkBrush(color),
            )
            child.setParentItem(scatter)


def _rate(run: RunFrame) -> str:
    return f"{run.lr:g}"


def _percent(value: float, metric_name: str) -> str:
    if metric_name == "r2":
        return f"{value:.3f}"
    return f"{100 * value:.1f}%"


def _unit(values: np.ndarray, data: Dataset) -> np.ndarray:
    """Regression values scaled to [0, 1] by the training targets' range (for a colour map)."""
    y = data.y_train.numpy().reshape(-1)
    low, high = float(y.min()), float(y.max())
    return np.clip((np.asarray(values, dtype=float) - low) / max(high - low, 1e-9), 0.0, 1.0)


def _lighten(color: str, share: float = 0.55) -> list[int]:
    """An RGBA row for a class colour blended towards white, so points stay visible on it."""
    rgb = np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)
    return [*(rgb + (255 - rgb) * share).astype(int).tolist(), 255]
