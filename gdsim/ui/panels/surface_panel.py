"""The surface explorer: pick or type a loss, drag the step size, watch every run's verdict.

Data flows one way: widget state -> ``RunSpec`` list + surface -> ``simulate`` (core) ->
``SimulationResult`` -> views. The panel holds the runs; the slider, optimizer form and noise
box edit the *selected* run (the only one outside compare mode). Recomputing is coalesced by
a zero-delay single-shot timer, so a dragged slider recomputes at most once per event-loop
pass; short work (4 runs x 500 steps takes a few ms) runs in the GUI thread so the plot follows
the handle, and anything longer goes through ``JobRunner`` so the window never freezes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.core.expr import ExpressionError
from gdsim.core.limits import MAX_RUNS, MAX_STEPS
from gdsim.core.optimizers import OPTIMIZERS
from gdsim.core.presets import Preset, PresetError, load_presets
from gdsim.core.simulate import RunSpec, SimulationJob, SimulationResult, simulate
from gdsim.core.surfaces import (
    SURFACES,
    Surface,
    get_surface,
    parse_point,
    surface_names,
    with_domain,
)
from gdsim.core.verdict import (
    QUICK_STEPS,
    Taming,
    Verdict,
    classify_view,
    critical_rates,
    curvature_at,
    distance_target,
    distances_to_nearest,
    reference_minimum,
    same_minimum,
    settled_minimum,
    steep_start_curvature,
    tame_learning_rate,
)
from gdsim.ui.style import THRESHOLD_COLORS, VERDICT_STYLE, run_color
from gdsim.ui.widgets.log_slider import LogSlider, Mark, round_sig
from gdsim.ui.widgets.loss_plot import LossPlot, Series
from gdsim.ui.widgets.optimizer_form import OptimizerForm
from gdsim.ui.widgets.playback import Playback
from gdsim.ui.widgets.surface_view import SurfaceView, Track
from gdsim.ui.widgets.verdict_badge import VerdictBadge, verdict_text
from gdsim.ui.workers import JobRunner

SYNC_WORK = 4_000
"""Runs x steps computed in the GUI thread (~5-20 ms here); more goes to a worker thread."""

MIN_LR = 1e-5
"""The slider's smallest step size: Goldstein-Price from its start needs 3.2e-5 not to diverge."""

STATIONARY_ARROW = 1e-6
"""No -gradient arrow where the gradient is below this fraction of the run's largest."""
GRID_2D = 200
GRID_1D = 600
DEFAULT_STEPS = {1: 100, 2: 200}
CONTROL_WIDTH = 370
START_COLUMN = 2
DIMMED_MARK = "#b8b8b8"
"""Threshold marks of plain gradient descent, shown for an optimizer they do not apply to."""


def _grouped_surface_model() -> QtGui.QStandardItemModel:
    """Registry surfaces under two unselectable headers, '1D curves' and '2D surfaces'."""
    model = QtGui.QStandardItemModel()
    for dim, header in ((1, "── 1D curves ──"), (2, "── 2D surfaces ──")):
        title = QtGui.QStandardItem(header)
        title.setFlags(QtCore.Qt.ItemFlag.NoItemFlags)
        model.appendRow(title)
        for name in surface_names(dim):
            item = QtGui.QStandardItem(f"   {SURFACES[name].title}")
            item.setData(name, QtCore.Qt.ItemDataRole.UserRole)
            item.setToolTip(SURFACES[name].description)
            model.appendRow(item)
    return model


_ROUNDING_NOISE = 1e-9
"""Coordinates smaller than this are shown as 0: a minimiser stops a few 1e-16 off (0, 0)."""


def _format_point(point: Sequence[float], mark: str = "*") -> str:
    """'w* = 0.93' or '(x, y)* = (1, 1)'; ``mark=""`` for a point that is no minimum."""
    shown = [0.0 if abs(c) < _ROUNDING_NOISE else c for c in point]
    if len(shown) == 1:
        return f"w{mark} = {shown[0]:.3g}"
    return f"(x, y){mark} = (" + ", ".join(f"{c:.3g}" for c in shown) + ")"


def _moved_inside(typed: str, inside: Sequence[float]) -> str:
    """The status line for a start moved onto the plot's edge (typed outside, or left outside
    by a smaller box)."""
    return (
        f"Start ({typed}) lies outside the plot: moved to ({', '.join(f'{c:.3g}' for c in inside)})"
    )


def _show_verdict(
    badge: VerdictBadge, verdict: Verdict, prefix: str = "", shorter: str = ""
) -> None:
    """Restyle a badge only when its words change: a style sheet costs ~1 ms a badge, which
    adds up at 60 slider frames a second; the tooltip (the reason, with numbers) always."""
    symbol = VERDICT_STYLE[verdict.regime][0]
    if badge.full_text() != f"{symbol} {prefix}{verdict_text(verdict)}":
        badge.set_verdict(verdict, prefix, shorter)
    badge.setToolTip(f"{prefix}{verdict_text(verdict)}\n{verdict.reason}")


class SurfacePanel(QtWidgets.QWidget):
    """The surface explorer tab (see the module docstring)."""

    statusMessage = QtCore.Signal(str)
    cursorInfo = QtCore.Signal(str)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("surfacePanel")
        self._surface = get_surface("parabola")
        self._params: dict[str, float] = {}
        self._runs: list[RunSpec] = [RunSpec(lr=0.2)]
        self._selected = 0
        self._result: SimulationResult | None = None
        self._verdicts: list[Verdict] = []
        self._reference: tuple[float, ...] | None = None
        """The minimum whose thresholds are shown (the settled one, or the start's)."""
        self._start_reference: tuple[float, ...] | None = None
        self._thresholds_dirty = True
        self._tame_pending = False
        self._threshold_text = ""
        self._lr_note = ""
        self._job_pending = False
        self._presets = self._read_presets()
        self._runner = JobRunner(self)
        self._runner.finished.connect(self._on_job_finished)
        self._runner.failed.connect(self._on_job_failed)
        self._recompute_timer = QtCore.QTimer(self)
        self._recompute_timer.setSingleShot(True)
        self._recompute_timer.setInterval(0)
        self._recompute_timer.timeout.connect(self._recompute)
        self._build()
        self._connect()
        self._apply_surface(self._surface, keep_starts=True)
        self._show_selected_run()

    # -- construction ----------------------------------------------------------------------

    def _read_presets(self) -> list[Preset]:
        try:
            return load_presets()
        except PresetError as error:
            message = f"Lecture demos not loaded: {error}"
            QtCore.QTimer.singleShot(0, lambda: self.statusMessage.emit(message))
            return []

    def _build(self) -> None:
        controls = QtWidgets.QWidget()
        column = QtWidgets.QVBoxLayout(controls)
        column.setContentsMargins(6, 6, 6, 6)
        column.addWidget(self._build_demo_box())
        column.addWidget(self._build_surface_box())
        column.addWidget(self._build_optimizer_box())
        column.addWidget(self._build_runs_box())
        column.addStretch(1)
        scroll = QtWidgets.QScrollArea()
        scroll.setWidget(controls)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Room for the vertical scroll bar besides CONTROL_WIDTH: when a long optimizer form or
        # runs table brings it up, it must not cover the right edge of combos and badges.
        bar = scroll.style().pixelMetric(QtWidgets.QStyle.PixelMetric.PM_ScrollBarExtent)
        scroll.setFixedWidth(CONTROL_WIDTH + bar)
        scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.controls_scroll = scroll

        self.regime_label = VerdictBadge(elide_prefix=True)
        self.regime_label.setObjectName("regimeLabel")
        font = self.regime_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.35)
        self.regime_label.setFont(font)
        self.playback = Playback()
        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.regime_label)
        top.addStretch(1)
        top.addWidget(self.playback)

        self.view = SurfaceView()
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
        side = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        side.addWidget(self.loss_plot)
        side.addWidget(self.distance_plot)
        self.plots = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        self.plots.addWidget(self.view)
        self.plots.addWidget(side)
        self.plots.setSizes([600, 360])

        right = QtWidgets.QVBoxLayout()
        right.setContentsMargins(0, 4, 0, 0)
        right.addWidget(self._build_step_box())
        right.addLayout(top)
        right.addWidget(self.plots, 1)
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 4, 0)
        layout.addWidget(scroll)
        layout.addLayout(right, 1)
        shortcut = QtGui.QShortcut(QtGui.QKeySequence(QtCore.Qt.Key.Key_Space), self)
        shortcut.setContext(QtCore.Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.playback.toggle)

    def _build_demo_box(self) -> QtWidgets.QGroupBox:
        box = QtWidgets.QGroupBox("Lecture demos")
        layout = QtWidgets.QVBoxLayout(box)
        self.preset_combo = QtWidgets.QComboBox()
        self.preset_combo.setObjectName("presetCombo")
        self.preset_combo.addItem("Choose a demo…", None)
        for preset in self._presets:
            self.preset_combo.addItem(preset.title, preset.name)
            index = self.preset_combo.count() - 1
            self.preset_combo.setItemData(
                index, preset.description, QtCore.Qt.ItemDataRole.ToolTipRole
            )
        # Sized by the column, not by the longest demo title (which pushed the column wider
        # than its scroll area); the open list still shows whole titles.
        self.preset_combo.setSizeAdjustPolicy(
            QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.preset_combo.setMinimumContentsLength(16)
        self.preset_combo.view().setMinimumWidth(self.preset_combo.view().sizeHintForColumn(0))
        self.description_label = QtWidgets.QLabel()
        self.description_label.setObjectName("descriptionLabel")
        self.description_label.setWordWrap(True)
        layout.addWidget(self.preset_combo)
        layout.addWidget(self.description_label)
        return box

    def _build_surface_box(self) -> QtWidgets.QGroupBox:
        box = QtWidgets.QGroupBox("Loss surface")
        layout = QtWidgets.QVBoxLayout(box)
        self.surface_combo = QtWidgets.QComboBox()
        self.surface_combo.setObjectName("surfaceCombo")
        self.surface_combo.setModel(_grouped_surface_model())
        self.surface_combo.setMaxVisibleItems(25)
        self.expression_edit = QtWidgets.QLineEdit()
        self.expression_edit.setObjectName("expressionEdit")
        self.expression_edit.setPlaceholderText("or type a formula: w**4 - w, x**2 + 10*y**2 …")
        self.expression_edit.setClearButtonEnabled(True)
        self.expression_error = QtWidgets.QLabel()
        self.expression_error.setObjectName("expressionError")
        self.expression_error.setWordWrap(True)
        self.expression_error.setStyleSheet("color: #b2182b; font-weight: bold;")
        self.expression_error.setVisible(False)
        self.params_box = QtWidgets.QWidget()
        self.params_layout = QtWidgets.QFormLayout(self.params_box)
        self.params_layout.setContentsMargins(0, 0, 0, 0)
        self.param_spins: dict[str, QtWidgets.QDoubleSpinBox] = {}
        layout.addWidget(self.surface_combo)
        layout.addWidget(self.expression_edit)
        layout.addWidget(self.expression_error)
        layout.addWidget(self._build_domain_box())
        self.reset_view_button = QtWidgets.QPushButton("Reset view")
        self.reset_view_button.setObjectName("resetViewButton")
        self.reset_view_button.setToolTip(
            "Undo zooming (mouse wheel) and panning (middle drag); a typed formula also gets "
            "its default domain back"
        )
        self.reset_view_button.clicked.connect(self._on_reset_view)
        layout.addWidget(self.reset_view_button)
        layout.addWidget(self.params_box)
        return box

    def _build_domain_box(self) -> QtWidgets.QWidget:
        """A typed formula's plot box (Enter applies), and a button back to the default."""
        self.domain_box = QtWidgets.QWidget()
        form = QtWidgets.QFormLayout(self.domain_box)
        form.setContentsMargins(0, 0, 0, 0)
        self.domain_edits: list[QtWidgets.QLineEdit] = []
        self._domain_labels: list[QtWidgets.QLabel] = []
        for name in ("domainXEdit", "domainYEdit"):
            edit = QtWidgets.QLineEdit()
            edit.setObjectName(name)
            edit.setToolTip("From, to: e.g. -2.5, 2.5 (Enter applies)")
            edit.returnPressed.connect(self._on_domain_entered)
            label = QtWidgets.QLabel()
            form.addRow(label, edit)
            self.domain_edits.append(edit)
            self._domain_labels.append(label)
        self._domain_form = form
        return self.domain_box

    def _build_step_box(self) -> QtWidgets.QGroupBox:
        box = QtWidgets.QGroupBox("Step size η (learning rate)")
        layout = QtWidgets.QVBoxLayout(box)
        self.lr_slider = LogSlider(minimum=MIN_LR, value=0.2)
        self.lr_slider.slider.setObjectName("lrSlider")
        self.lr_slider.spin.setObjectName("lrSpin")
        self.threshold_label = QtWidgets.QLabel()
        self.threshold_label.setObjectName("thresholdLabel")
        self.threshold_label.setWordWrap(True)
        font = self.threshold_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.threshold_label.setFont(font)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.lr_slider)
        layout.addWidget(self.threshold_label)
        return box

    def _build_optimizer_box(self) -> QtWidgets.QGroupBox:
        box = QtWidgets.QGroupBox("Optimizer")
        layout = QtWidgets.QVBoxLayout(box)
        self.optimizer_form = OptimizerForm()
        layout.addWidget(self.optimizer_form)
        return box

    def _build_runs_box(self) -> QtWidgets.QGroupBox:
        box = QtWidgets.QGroupBox("Runs")
        layout = QtWidgets.QVBoxLayout(box)
        form = QtWidgets.QFormLayout()
        self.steps_spin = QtWidgets.QSpinBox()
        self.steps_spin.setObjectName("stepsSpin")
        self.steps_spin.setRange(1, MAX_STEPS)
        self.steps_spin.setValue(DEFAULT_STEPS[1])
        self.steps_spin.setKeyboardTracking(False)
        self.noise_spin = QtWidgets.QDoubleSpinBox()
        self.noise_spin.setObjectName("noiseSpin")
        self.noise_spin.setRange(0.0, 100.0)
        self.noise_spin.setSingleStep(0.1)
        self.noise_spin.setKeyboardTracking(False)
        self.noise_spin.setToolTip(
            "Standard deviation of Gaussian noise added to every gradient (a stand-in for "
            "minibatch noise in stochastic gradient descent)"
        )
        form.addRow("steps", self.steps_spin)
        form.addRow("gradient noise σ", self.noise_spin)
        layout.addLayout(form)
        self.compare_check = QtWidgets.QCheckBox("Compare several runs")
        self.compare_check.setObjectName("compareCheck")
        layout.addWidget(self.compare_check)
        self.runs_table = QtWidgets.QTableWidget(0, 4)
        self.runs_table.setObjectName("runsTable")
        self.runs_table.setHorizontalHeaderLabels(["η", "optimizer", "start", "verdict"])
        self.runs_table.verticalHeader().setVisible(False)
        self.runs_table.setSelectionBehavior(
            QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows
        )
        self.runs_table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        triggers = QtWidgets.QAbstractItemView.EditTrigger
        self.runs_table.setEditTriggers(
            triggers.DoubleClicked | triggers.EditKeyPressed | triggers.SelectedClicked
        )
        self.runs_table.setToolTip("Double-click a start to type it, e.g. 1.5 or -1, 2")
        header = self.runs_table.horizontalHeader()
        header.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QtWidgets.QHeaderView.ResizeMode.Stretch)
        self.runs_table.setMinimumHeight(150)
        buttons = QtWidgets.QHBoxLayout()
        self.add_run_button = QtWidgets.QPushButton("+ Add run")
        self.add_run_button.setObjectName("addRunButton")
        self.remove_run_button = QtWidgets.QPushButton("− Remove run")
        self.remove_run_button.setObjectName("removeRunButton")
        buttons.addWidget(self.add_run_button)
        buttons.addWidget(self.remove_run_button)
        self.compare_box = QtWidgets.QWidget()
        compare_layout = QtWidgets.QVBoxLayout(self.compare_box)
        compare_layout.setContentsMargins(0, 0, 0, 0)
        compare_layout.addWidget(self.runs_table)
        compare_layout.addLayout(buttons)
        self.compare_box.setVisible(False)
        layout.addWidget(self.compare_box)
        return box

    def _connect(self) -> None:
        self.preset_combo.currentIndexChanged.connect(self._on_preset_chosen)
        self.surface_combo.currentIndexChanged.connect(self._on_surface_chosen)
        self.expression_edit.returnPressed.connect(self._on_expression_entered)
        self.lr_slider.valueChanged.connect(self._on_lr_changed)
        self.optimizer_form.changed.connect(self._on_optimizer_changed)
        self.noise_spin.valueChanged.connect(self._on_noise_changed)
        self.steps_spin.valueChanged.connect(self._request_recompute)
        self.compare_check.toggled.connect(self._on_compare_toggled)
        self.runs_table.itemSelectionChanged.connect(self._on_row_selected)
        self.runs_table.itemChanged.connect(self._on_table_edited)
        self.add_run_button.clicked.connect(self.add_run)
        self.remove_run_button.clicked.connect(self.remove_run)
        self.playback.positionChanged.connect(self._on_position_changed)
        self.view.startPicked.connect(self._on_start_picked)
        self.view.hovered.connect(self._on_hover)
        self.view.viewZoomed.connect(self._on_view_zoomed)

    # -- public API (the main window, tests, teachers' scripts) --------------------------------

    def export_plots(self) -> dict[str, pg.PlotWidget]:
        return {"surface": self.view.plot, "loss": self.loss_plot, "distance": self.distance_plot}

    def surface(self) -> Surface:
        return self._surface

    def runs(self) -> list[RunSpec]:
        return list(self._runs)

    def result(self) -> SimulationResult | None:
        return self._result

    def verdicts(self) -> list[Verdict]:
        return list(self._verdicts)

    def presets(self) -> list[Preset]:
        return list(self._presets)

    def load_preset(self, preset: Preset) -> None:
        """Show a demo: its surface, step budget and runs (compare mode for several)."""
        try:
            surface = preset.make_surface()
        except (ValueError, ExpressionError) as error:
            self.statusMessage.emit(f"{preset.title}: {error}")
            return
        self._runs = list(preset.runs)
        self._selected = 0
        self._set_steps(preset.steps)
        self._params = dict(preset.params)
        self._apply_surface(surface, keep_starts=True)
        self._set_compare(len(self._runs) > 1)
        self._show_selected_run()
        self.description_label.setText(preset.description)
        blocked = self.preset_combo.blockSignals(True)
        self.preset_combo.setCurrentIndex(max(0, self.preset_combo.findData(preset.name)))
        self.preset_combo.blockSignals(blocked)
        self.playback.show_all()
        self.statusMessage.emit(f"Demo: {preset.title}")

    def set_start(self, start: tuple[float, ...]) -> None:
        """Move the selected run's start, and every run that started with it."""
        old = self._start_of(self._selected)
        self._runs = [
            replace(run, start=start) if self._start_of(k) == old else run
            for k, run in enumerate(self._runs)
        ]
        self._thresholds_dirty = True
        self._refresh_table()
        self._request_recompute()

    def add_run(self) -> None:
        """A copy of the selected run with a step size twice as big (or half, near the top)."""
        if len(self._runs) >= MAX_RUNS:
            self.statusMessage.emit(f"At most {MAX_RUNS} runs side by side")
            return
        run = self._runs[self._selected]
        lr = run.lr * 2 if run.lr * 2 <= self.lr_slider.spin.maximum() else run.lr / 2
        self._runs.append(replace(run, lr=round_sig(lr), seed=len(self._runs)))
        self._selected = len(self._runs) - 1
        self._refresh_table()
        self._show_selected_run()
        self._request_recompute()

    def remove_run(self) -> None:
        if len(self._runs) <= 1:
            return
        del self._runs[self._selected]
        self._selected = min(self._selected, len(self._runs) - 1)
        self._refresh_table()
        self._show_selected_run()
        self._request_recompute()

    # -- reacting to the user ----------------------------------------------------------------

    @QtCore.Slot(int)
    def _on_preset_chosen(self, index: int) -> None:
        name = self.preset_combo.itemData(index)
        preset = next((p for p in self._presets if p.name == name), None)
        if preset is not None:
            self.load_preset(preset)

    @QtCore.Slot(int)
    def _on_surface_chosen(self, index: int) -> None:
        name = self.surface_combo.itemData(index, QtCore.Qt.ItemDataRole.UserRole)
        if name is None:
            return
        self._change_surface(get_surface(name))

    @QtCore.Slot()
    def _on_expression_entered(self) -> None:
        text = self.expression_edit.text().strip()
        if not text:
            return
        try:
            surface = get_surface(text)
        except (ExpressionError, ValueError) as error:
            self.expression_error.setText(f"✗ {error}")
            self.expression_error.setVisible(True)
            return
        self._change_surface(surface)

    @QtCore.Slot()
    def _on_domain_entered(self) -> None:
        """A typed formula's new box; bad text shows why and keeps the current one."""
        edits = self.domain_edits[: self._surface.dim]
        try:
            box = [parse_point(edit.text(), 2) for edit in edits]
            surface = with_domain(self._surface, box)
        except ValueError as error:
            self.expression_error.setText(f"✗ domain: {error}")
            self.expression_error.setVisible(True)
            return
        self.expression_error.setVisible(False)
        self._apply_surface(surface, keep_starts=True)

    @QtCore.Slot(float)
    def _on_param_changed(self, _value: float) -> None:
        params = {name: spin.value() for name, spin in self.param_spins.items()}
        try:
            surface = get_surface(self._surface.name, **params)
        except ValueError as error:
            self.statusMessage.emit(str(error))
            return
        self._params = params
        self._tame_pending = True  # a new κ is a new surface: tame η as a change of surface does
        self._lr_note = ""
        self._apply_surface(surface, keep_starts=True)

    @QtCore.Slot(float)
    def _on_lr_changed(self, lr: float) -> None:
        if self._lr_note:
            self._lr_note = ""
            self._show_threshold_text()
        self._runs[self._selected] = replace(self._runs[self._selected], lr=lr)
        self._refresh_table()
        self._request_recompute()

    @QtCore.Slot()
    def _on_optimizer_changed(self) -> None:
        form = self.optimizer_form
        run = self._runs[self._selected]
        self._runs[self._selected] = replace(run, optimizer=form.optimizer(), hyper=form.hyper())
        self._thresholds_dirty = True
        self._refresh_table()
        self._request_recompute()

    @QtCore.Slot(float)
    def _on_noise_changed(self, noise: float) -> None:
        self._runs[self._selected] = replace(self._runs[self._selected], noise=noise)
        self._request_recompute()

    @QtCore.Slot(bool)
    def _on_compare_toggled(self, compare: bool) -> None:
        self.compare_box.setVisible(compare)
        if not compare and len(self._runs) > 1:
            self._runs = [self._runs[self._selected]]
            self._selected = 0
            self._request_recompute()
        self._refresh_table()

    @QtCore.Slot()
    def _on_row_selected(self) -> None:
        rows = self.runs_table.selectionModel().selectedRows()
        if rows and rows[0].row() != self._selected:
            self._selected = rows[0].row()
            self._thresholds_dirty = True
            self._show_selected_run()
            self._request_recompute()

    @QtCore.Slot(QtWidgets.QTableWidgetItem)
    def _on_table_edited(self, item: QtWidgets.QTableWidgetItem) -> None:
        """A start typed into the table ("1.5", "-1, 2"); bad text restores the old value."""
        if item.column() != START_COLUMN:
            return
        row = item.row()
        try:
            start = parse_point(item.text(), self._surface.dim)
        except ValueError as error:
            self.statusMessage.emit(f"Start not changed: {error}")
            QtCore.QTimer.singleShot(0, self._refresh_table)  # not inside the editor's commit
            return
        self._selected = row
        inside = self._surface.clamp(start)
        if inside != start:
            self.statusMessage.emit(_moved_inside(item.text().strip("() "), inside))
        self._runs[row] = replace(self._runs[row], start=inside)
        self._thresholds_dirty = True
        QtCore.QTimer.singleShot(0, self._refresh_table)
        self._request_recompute()

    @QtCore.Slot(object)
    def _on_position_changed(self, position: int | None) -> None:
        for line in self._cursor_lines:
            line.setVisible(position is not None)
            if position is not None:
                line.setValue(position)
        self._draw_tracks()

    @QtCore.Slot(float, float)
    def _on_start_picked(self, x: float, y: float) -> None:
        self.set_start(self._surface.clamp((x,) if self._surface.dim == 1 else (x, y)))

    @QtCore.Slot(float, float)
    def _on_hover(self, x: float, y: float) -> None:
        point = (x,) if self._surface.dim == 1 else (x, y)
        with np.errstate(all="ignore"):
            value = float(self._surface.value(*point))
            gradient = float(np.linalg.norm([float(g) for g in self._surface.gradient(*point)]))
        where = f"w = {x:.4g}" if self._surface.dim == 1 else f"x = {x:.4g}, y = {y:.4g}"
        self.cursorInfo.emit(f"{where}   f = {value:.4g}   |∇f| = {gradient:.4g}")

    # -- surface ---------------------------------------------------------------------------

    def _change_surface(self, surface: Surface) -> None:
        """A new surface from the combo or the formula field: runs restart from its start, the
        step budget suits its dimension, and the previous error message goes away."""
        self.expression_error.setVisible(False)
        self.preset_combo.setCurrentIndex(0)
        self._params = {}
        if surface.dim != self._surface.dim:
            self._set_steps(DEFAULT_STEPS[surface.dim])
        self._tame_pending = True
        self._lr_note = ""
        self.description_label.setText(surface.description)  # before drawing: never stale
        self._apply_surface(surface, keep_starts=False)
        self.playback.show_all()
        self.statusMessage.emit(f"Surface: {surface.title}")

    def _apply_surface(self, surface: Surface, keep_starts: bool) -> None:
        """Show ``surface``; the previous surface's result is dropped at once, so nothing
        (playback, the badge) draws old runs against the new surface before the recompute."""
        self._surface = surface
        if keep_starts:
            self._move_starts_inside()
        else:
            self._runs = [replace(run, start=None) for run in self._runs]
        self._result = None
        self._verdicts = []
        self.view.set_tracks([])
        self.view.clear_markers()
        self.regime_label.clear_verdict("computing…")
        self._sync_surface_controls()
        self._draw_surface()
        self._thresholds_dirty = True
        self._refresh_table()
        self._request_recompute()

    def _move_starts_inside(self) -> None:
        """Typed starts follow a new box into it (a start of 5e5 typed on a +-1e6 box, then
        Reset view, would otherwise diverge at step 0 off the plot); the first move is said."""
        moved = ""
        for index, run in enumerate(self._runs):
            if run.start is None:
                continue
            inside = self._surface.clamp(run.start)
            if inside != tuple(run.start):
                self._runs[index] = replace(run, start=inside)
                typed = ", ".join(f"{c:g}" for c in run.start)
                moved = moved or _moved_inside(typed, inside)
        if moved:
            self.statusMessage.emit(moved)

    def _sync_surface_controls(self) -> None:
        surface = self._surface
        index = self.surface_combo.findData(surface.name, QtCore.Qt.ItemDataRole.UserRole)
        blocked = self.surface_combo.blockSignals(True)
        self.surface_combo.setCurrentIndex(index)
        self.surface_combo.blockSignals(blocked)
        # A named surface clears the field: a formula left there would look like the one shown.
        self.expression_edit.setText(surface.expression if index < 0 else "")
        if not self.description_label.text() or index >= 0:
            self.description_label.setText(surface.description)
        self._sync_domain_edits(typed=index < 0)
        self._rebuild_param_spins()

    def _sync_domain_edits(self, typed: bool) -> None:
        """Domain fields for a typed formula's variables (w; or x and y)."""
        self.domain_box.setVisible(typed)
        for axis, edit in enumerate(self.domain_edits):
            shown = axis < self._surface.dim
            self._domain_form.setRowVisible(edit, shown)
            if shown:
                low, high = self._surface.domain[axis]
                edit.setText(f"{low:g}, {high:g}")
                self._domain_labels[axis].setText(f"{self._surface.variables[axis]} from, to")

    def _rebuild_param_spins(self) -> None:
        spec = SURFACES.get(self._surface.name)
        parameters = dict(spec.parameters) if spec is not None else {}
        if set(parameters) != set(self.param_spins):
            while self.params_layout.rowCount():
                self.params_layout.removeRow(0)
            self.param_spins = {}
            for name, parameter in parameters.items():
                spin = QtWidgets.QDoubleSpinBox()
                spin.setObjectName(f"{name}Spin")
                spin.setRange(parameter.low, parameter.high)
                spin.setDecimals(2)
                spin.setKeyboardTracking(False)
                spin.setToolTip(parameter.description)
                spin.valueChanged.connect(self._on_param_changed)
                self.params_layout.addRow(f"{'κ' if name == 'kappa' else name} ({name})", spin)
                self.param_spins[name] = spin
        for name, spin in self.param_spins.items():
            blocked = spin.blockSignals(True)
            spin.setValue(self._params.get(name, parameters[name].default))
            spin.blockSignals(blocked)
        self.params_box.setVisible(bool(self.param_spins))

    def _draw_surface(self) -> None:
        surface = self._surface
        minima = np.asarray(surface.minima, dtype=float).reshape(-1, surface.dim)
        if surface.dim == 1:
            (w,), f = surface.sample(GRID_1D)
            with np.errstate(all="ignore"):
                start_value = float(surface.value(*self._start_of(self._selected)))
            # A typed formula has no curated box: frame its valleys; the start may sit above.
            include = [] if surface.typed else [start_value]
            self.view.set_curve(w, f, include=include, focus=surface.typed)
            values = np.asarray(surface.value(minima[:, 0]), dtype=float) if len(minima) else []
            self.view.set_minima(
                np.column_stack([minima[:, 0], np.broadcast_to(values, len(minima))])
            )
        else:
            _axes, values = surface.sample(GRID_2D)
            x_range, y_range = surface.domain
            self.view.set_field(values, x_range, y_range, surface.log_colors)
            self.view.set_minima(minima)

    @QtCore.Slot(object, object)
    def _on_view_zoomed(self, x_range: tuple[float, float], y_range: tuple[float, float]) -> None:
        """Re-sample the surface over what is on screen after a zoom or pan (the simulation
        keeps its domain and bounds: zooming looks closer, it changes no run)."""
        box = [x_range] if self._surface.dim == 1 else [x_range, y_range]
        try:
            shown = with_domain(self._surface, box)
        except ValueError as error:
            self.statusMessage.emit(f"View not redrawn: {error}")
            return
        if shown.dim == 1:
            (w,), f = shown.sample(GRID_1D)
            self.view.set_curve(w, f, keep_view=True)
        else:
            _axes, values = shown.sample(GRID_2D)
            self.view.set_field(values, x_range, y_range, shown.log_colors, keep_view=True)

    @QtCore.Slot()
    def _on_reset_view(self) -> None:
        """Back to the default view: a typed formula also gets its default domain back."""
        self.expression_error.setVisible(False)
        if not self._surface.typed:
            self._draw_surface()
            self._draw_tracks()
            return
        self._apply_surface(get_surface(self._surface.expression), keep_starts=True)

    # -- runs ------------------------------------------------------------------------------

    def _start_of(self, index: int) -> tuple[float, ...]:
        start = self._runs[index].start
        return tuple(self._surface.start if start is None else start)

    def _set_steps(self, steps: int) -> None:
        blocked = self.steps_spin.blockSignals(True)
        self.steps_spin.setValue(steps)
        self.steps_spin.blockSignals(blocked)

    def _set_compare(self, compare: bool) -> None:
        blocked = self.compare_check.blockSignals(True)
        self.compare_check.setChecked(compare)
        self.compare_check.blockSignals(blocked)
        self.compare_box.setVisible(compare)
        self._refresh_table()

    def _show_selected_run(self) -> None:
        """Put the selected run's settings into the slider, optimizer form and noise box."""
        run = self._runs[self._selected]
        blocked = self.lr_slider.blockSignals(True)
        self.lr_slider.setValue(run.lr)
        self.lr_slider.blockSignals(blocked)
        self.optimizer_form.set_optimizer(run.optimizer, run.hyper)
        blocked = self.noise_spin.blockSignals(True)
        self.noise_spin.setValue(run.noise)
        self.noise_spin.blockSignals(blocked)
        self._thresholds_dirty = True
        self._refresh_table()

    def _short_name(self, index: int) -> str:
        """'η = 0.2', or 'η = 0.01 Nesterov' for another optimizer than plain descent: the
        header's name for a run (its start is in the runs table)."""
        run = self._run_spec(index)
        name = self._lr_name(index)
        if run.optimizer != "gd":
            name += f" {OPTIMIZERS[run.optimizer].title.split()[0]}"
        return name

    def _lr_name(self, index: int) -> str:
        """'η = 0.01': what a narrow header keeps of a run's name."""
        return f"η = {self._run_spec(index).lr:g}"

    def _run_spec(self, index: int) -> RunSpec:
        """The run as computed (as edited while no result is shown)."""
        return self._runs[index] if self._result is None else self._result.runs[index]

    def _run_name(self, index: int) -> str:
        """The short name, plus the start when the runs start in different places (legends)."""
        name = self._short_name(index)
        if len({self._start_of(k) for k in range(len(self._runs))}) > 1 and index < len(self._runs):
            name += " from (" + ", ".join(f"{c:.3g}" for c in self._start_of(index)) + ")"
        return name

    def _refresh_table(self) -> None:
        table = self.runs_table
        blocked = table.blockSignals(True)
        if table.rowCount() != len(self._runs):
            table.setRowCount(len(self._runs))
            for row in range(len(self._runs)):
                if not isinstance(table.cellWidget(row, 3), VerdictBadge):
                    badge = VerdictBadge()
                    badge.setMinimumWidth(60)
                    font = badge.font()
                    font.setPointSizeF(font.pointSizeF() * 0.85)
                    badge.setFont(font)
                    table.setCellWidget(row, 3, badge)
        for row, run in enumerate(self._runs):
            start = ", ".join(f"{c:.3g}" for c in self._start_of(row))
            texts = (f"{run.lr:g}", run.optimizer, f"({start})")
            for column, text in enumerate(texts):
                item = table.item(row, column)
                if item is None:
                    item = QtWidgets.QTableWidgetItem()
                    item.setForeground(QtGui.QColor(run_color(row)))
                    if column != START_COLUMN:  # only the start is typed in the table
                        item.setFlags(item.flags() & ~QtCore.Qt.ItemFlag.ItemIsEditable)
                    table.setItem(row, column, item)
                if item.text() != text:
                    item.setText(text)
        table.selectRow(self._selected)
        table.blockSignals(blocked)

    def _refresh_badges(self) -> None:
        """The header badge describes the selected run (the one the slider edits)."""
        if self._verdicts:
            selected = min(self._selected, len(self._verdicts) - 1)
            name, shorter = self._short_name(selected), self._lr_name(selected)
            _show_verdict(self.regime_label, self._verdicts[selected], f"{name}: ", shorter)
        for row, verdict in enumerate(self._verdicts[: self.runs_table.rowCount()]):
            badge = self.runs_table.cellWidget(row, 3)
            if isinstance(badge, VerdictBadge):
                _show_verdict(badge, verdict)

    # -- thresholds ------------------------------------------------------------------------

    def _update_thresholds(self) -> None:
        """Marks at 1/λ and 2/λ (and 2(1+β)/λ with momentum) for the selected run's start,
        dimmed for optimizers they do not apply to; after a change of surface, step sizes
        that would diverge at once are tamed to 1/λ first."""
        self._thresholds_dirty = False
        start = self._start_of(self._selected)
        with np.errstate(all="ignore"):
            self._start_reference = reference_minimum(self._surface, start)
        lam = self._show_thresholds(self._start_reference, settled=False)
        if self._tame_pending:
            self._tame_pending = False
            self._lr_note = self._tame_learning_rates(lam)
            self._show_threshold_text()

    def _follow_settled_minimum(self) -> None:
        """Thresholds at the minimum the selected run converged to when that is not the one
        predicted from its start (the double well's local valley), else at the predicted one."""
        result = self._result
        assert result is not None
        selected = min(self._selected, len(result) - 1)
        with np.errstate(all="ignore"):
            settled = settled_minimum(self._surface, result.run(selected), self._verdicts[selected])
        start = self._start_reference
        if settled and start and same_minimum(self._surface, settled, start):
            settled = None
        shown = self._reference
        target = self._start_reference if settled is None else settled
        if shown is None or target is None or not same_minimum(self._surface, shown, target):
            self._show_thresholds(target, settled=settled is not None)

    def _show_thresholds(self, reference: tuple[float, ...] | None, settled: bool) -> float | None:
        """Marks and words for the minimum ``reference``; returns its curvature λ."""
        self._reference = reference
        with np.errstate(all="ignore"):
            lam = None if reference is None else curvature_at(self._surface, reference)
        beta = self.optimizer_form.momentum()
        rates = critical_rates(lam, beta)
        if rates is None or self._reference is None:
            self.lr_slider.set_marks([])
            self._threshold_text = self._no_rates_text(lam)
            self._show_threshold_text()
            return lam
        optimizer = self._runs[self._selected].optimizer
        applies = rates.limit_for(optimizer) is not None
        colors = THRESHOLD_COLORS if applies else dict.fromkeys(THRESHOLD_COLORS, DIMMED_MARK)
        marks = [
            Mark(rates.monotone, "1/λ", colors["monotone"]),
            Mark(rates.stable, "2/λ", colors["stable"]),
        ]
        where = _format_point(self._reference)
        if settled:
            where += " (the minimum this run settles in)"
        text = (
            f"λmax = {rates.lambda_max:.4g} at {where}  →  "
            f"1/λ = {rates.monotone:.3g} (fastest monotone), "
            f"2/λ = {rates.stable:.3g} (stability limit)"
        )
        if beta > 0:
            marks.append(Mark(rates.momentum_stable, "2(1+β)/λ", colors["momentum"]))
            text += f", 2(1+β)/λ = {rates.momentum_stable:.3g} (momentum limit)"
        if not applies:
            title = OPTIMIZERS[optimizer].title
            text += f". These are plain gradient descent's limits (dimmed): not {title}'s"
        text += self._steep_start_text(rates.lambda_max)
        self.lr_slider.set_marks(marks)
        self._threshold_text = text
        self._show_threshold_text()
        return lam

    def _steep_start_text(self, lam: float) -> str:
        """A sentence when the selected run starts where the curve is much steeper than at the
        minimum: there a smaller step than 2/λ already overshoots (see steep_start_curvature)."""
        start = self._start_of(self._selected)
        steep = steep_start_curvature(self._surface, start, lam)
        if steep is None:
            return ""
        return (
            f". At the start {_format_point(start, mark='')} the curvature is {steep:.4g}: "
            f"steps above 2/λ = {2.0 / steep:.3g} overshoot there."
        )

    def _show_threshold_text(self) -> None:
        """The thresholds, then the note of a step size just tamed (until η is changed)."""
        parts = [self._threshold_text, self._lr_note]
        self.threshold_label.setText("\n".join(part for part in parts if part))

    def _tame_learning_rates(self, lam: float | None) -> str:
        """Runs whose η diverges at once on the new surface get one that does not (see
        tame_learning_rate); the note says which and why, for the selected run if it was."""
        note = ""
        smallest = self.lr_slider.spin.minimum()
        for index, run in enumerate(self._runs):
            taming = tame_learning_rate(self._surface, run, lam, smallest)
            if taming is None:
                continue
            lr = max(round_sig(taming.lr), smallest)
            self._runs[index] = replace(run, lr=lr)
            if index == self._selected or not note:
                note = self._taming_note(run.lr, lr, taming, lam)
        if note:
            blocked = self.lr_slider.blockSignals(True)
            self.lr_slider.setValue(self._runs[self._selected].lr)
            self.lr_slider.blockSignals(blocked)
            self._refresh_table()
        return note

    def _taming_note(self, old: float, lr: float, taming: Taming, lam: float | None) -> str:
        """One line: the new η, where 1/λ was taken (the threshold line above may have moved on
        to the minimum the run settles in: the two must not disagree silently), and any
        halving after it."""
        title = self._surface.title
        if not taming.safe:
            return (
                f"η set to {lr:g}, the smallest offered: {old:g} and every η tried down to it "
                f"diverge within {QUICK_STEPS} steps on {title}"
            )
        halved = f"halved {taming.halvings} time{'s' if taming.halvings != 1 else ''}"
        if not taming.from_curvature or lam is None or self._start_reference is None:
            return (
                f"η set to {lr:g}: {old:g} diverges within {QUICK_STEPS} steps on {title}, "
                f"{halved} until it did not"
            )
        rate = f"1/λ at {_format_point(self._start_reference)}"
        if taming.halvings == 0:
            return f"η set to {lr:g} = {rate}: {old:g} diverges on {title}"
        return (
            f"η set to {lr:g}: {old:g} diverges on {title}, and {rate} = {1.0 / lam:.3g} still "
            f"diverged within {QUICK_STEPS} steps from the start: {halved}"
        )

    def _no_rates_text(self, lam: float | None) -> str:
        """Why there is no critical step size: no minimum, or one whose curvature is zero (w**4)
        or undefined (Ackley's cusp): a drawn minimum must not be called missing."""
        if self._reference is None:
            return "no minimum found: no critical step size"
        where = _format_point(self._reference)
        if lam is not None and np.isfinite(lam):
            return f"λmax = {lam:.3g} at {where} (a flat minimum): no critical step size"
        return f"curvature undefined at {where} (not smooth there): no critical step size"

    # -- computing ---------------------------------------------------------------------------

    @QtCore.Slot()
    def _request_recompute(self) -> None:
        """Coalesce: however many changes arrive in one event-loop pass, compute once."""
        if not self._recompute_timer.isActive():
            self._recompute_timer.start()

    @QtCore.Slot()
    def _recompute(self) -> None:
        if self._thresholds_dirty:
            self._update_thresholds()
        steps = self.steps_spin.value()
        runs = list(self._runs)
        if self._runner.is_running():
            self._job_pending = True
            return
        if steps * len(runs) <= SYNC_WORK:
            try:
                self._show_result(simulate(self._surface, runs, steps))
            except ValueError as error:
                self.statusMessage.emit(str(error))
            return
        self._job_pending = False
        self.regime_label.clear_verdict("computing…")
        self._runner.start(SimulationJob(self._surface, runs, steps))

    @QtCore.Slot(object)
    def _on_job_finished(self, result: SimulationResult | None) -> None:
        if self._job_pending or result is None:
            self._job_pending = False
            self._request_recompute()
            return
        self._show_result(result)

    @QtCore.Slot(str)
    def _on_job_failed(self, message: str) -> None:
        self.regime_label.clear_verdict("failed")
        self.statusMessage.emit(message)

    def _show_result(self, result: SimulationResult) -> None:
        self._result = result
        self._verdicts = [classify_view(result.run(k)) for k in range(len(result))]
        self._follow_settled_minimum()
        self._refresh_badges()
        self._plot_histories()
        self.playback.set_length(int(result.lengths.max()))
        self._draw_tracks()

    def _plot_histories(self) -> None:
        result = self._result
        assert result is not None
        floor = self._surface.min_value
        losses = result.losses if floor is None else result.losses - floor
        finite = losses[np.isfinite(losses)]
        log = floor is not None or bool(finite.size and finite.min() > 0)
        self.loss_plot.set_log(log)
        label = "f − f_min" if floor is not None else "loss f"
        if self.loss_plot.getAxis("left").labelText != label:  # a new label re-lays the axis out
            self.loss_plot.setLabel("left", label)
        steps = np.arange(result.n_steps + 1)
        for plot in (self.loss_plot, self.distance_plot):
            plot.set_x_range(0, result.n_steps)
        names = [self._run_name(k) for k in range(len(result))]
        self.loss_plot.set_series(
            [Series(names[k], steps, losses[k], run_color(k)) for k in range(len(result))]
        )
        minima = self._minima_for_distance()
        self.distance_plot.setVisible(minima is not None)
        if minima is not None:
            series = []
            for k in range(len(result)):
                target = distance_target(self._surface, result.run(k), self._verdicts[k], minima)
                distances = distances_to_nearest(result.points[k], target)
                series.append(Series(names[k], steps, distances, run_color(k)))
            self.distance_plot.set_series(series)

    def _minima_for_distance(self) -> np.ndarray | None:
        if self._surface.minima:
            return np.asarray(self._surface.minima, dtype=float)
        if self._reference is not None:
            return np.asarray([self._reference], dtype=float)
        return None

    def _draw_tracks(self) -> None:
        result = self._result
        if result is None:
            return
        position = self.playback.position()
        tracks = []
        for k in range(len(result)):
            run = result.run(k)
            xy = (
                run.points
                if self._surface.dim == 2
                else np.column_stack([run.points[:, 0], run.losses])
            )
            tracks.append(Track(xy, run_color(k), self._run_name(k)))
        self.view.set_tracks(tracks, position)
        self._draw_current(position)

    def _draw_current(self, position: int | None) -> None:
        """Tangent (1D) or gradient and step arrows (2D) at the selected run's current iterate."""
        assert self._result is not None
        selected = min(self._selected, len(self._result) - 1)
        run = self._result.run(selected)
        drawn = self.view.drawn_count(selected)
        if drawn == 0:
            self.view.clear_markers()
            return
        index = drawn - 1 if position is None else min(position, drawn - 1)
        point, gradient = run.points[index], run.grads[index]
        with np.errstate(over="ignore"):  # gradients near 1e308 square to inf: still "large"
            norms = np.linalg.norm(run.grads, axis=1)
            stationary = np.linalg.norm(gradient) <= STATIONARY_ARROW * np.nanmax(norms)
        if stationary:
            gradient = np.zeros_like(gradient)  # at a minimum its direction is rounding noise
        if self._surface.dim == 1:
            self.view.set_tangent(float(point[0]), float(run.losses[index]), float(gradient[0]))
            return
        step = run.points[index + 1] - point if index + 1 < len(run.points) else None
        self.view.set_arrows(point, gradient, step)
