"""The runs: step budget, gradient noise, compare mode and the table of runs with verdicts."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6 import QtCore, QtGui, QtWidgets
from superqt.utils import signals_blocked

from gdsim.core.explain import format_start
from gdsim.core.limits import MAX_RUNS, MAX_SURFACE_STEPS
from gdsim.core.state import SurfaceState
from gdsim.core.verdict import Verdict
from gdsim.ui.style import badge_font, run_color
from gdsim.ui.widgets.verdict_badge import VerdictBadge, show_verdict

START_COLUMN = 2
VERDICT_COLUMN = 3


class RunsBox(QtWidgets.QGroupBox):
    """Reports edits (steps, noise, compare, a row chosen, a start typed, add/remove) through
    signals; ``show_state`` and ``show_verdicts`` draw without reporting anything back."""

    stepsChanged = QtCore.Signal(int)
    noiseChanged = QtCore.Signal(float)
    compareToggled = QtCore.Signal(bool)
    rowSelected = QtCore.Signal(int)
    startTyped = QtCore.Signal(int, str)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__("Runs", parent)
        layout = QtWidgets.QVBoxLayout(self)
        form = QtWidgets.QFormLayout()
        self.steps_spin = QtWidgets.QSpinBox()
        self.steps_spin.setObjectName("stepsSpin")
        self.steps_spin.setRange(1, MAX_SURFACE_STEPS)
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
        self.compare_box = QtWidgets.QWidget()
        compare_layout = QtWidgets.QVBoxLayout(self.compare_box)
        compare_layout.setContentsMargins(0, 0, 0, 0)
        compare_layout.addWidget(self._build_table())
        buttons = QtWidgets.QHBoxLayout()
        self.add_run_button = QtWidgets.QPushButton("+ Add run")
        self.add_run_button.setObjectName("addRunButton")
        self.remove_run_button = QtWidgets.QPushButton("− Remove run")
        self.remove_run_button.setObjectName("removeRunButton")
        buttons.addWidget(self.add_run_button)
        buttons.addWidget(self.remove_run_button)
        compare_layout.addLayout(buttons)
        self.compare_box.setVisible(False)
        layout.addWidget(self.compare_box)
        self.steps_spin.valueChanged.connect(self.stepsChanged)
        self.noise_spin.valueChanged.connect(self.noiseChanged)
        self.compare_check.toggled.connect(self.compareToggled)
        self.runs_table.itemSelectionChanged.connect(self._on_row_selected)
        self.runs_table.itemChanged.connect(self._on_item_changed)

    def _build_table(self) -> QtWidgets.QTableWidget:
        table = QtWidgets.QTableWidget(0, 4)
        table.setObjectName("runsTable")
        table.setHorizontalHeaderLabels(["η", "optimizer", "start", "verdict"])
        table.verticalHeader().setVisible(False)
        table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        triggers = QtWidgets.QAbstractItemView.EditTrigger
        table.setEditTriggers(
            triggers.DoubleClicked | triggers.EditKeyPressed | triggers.SelectedClicked
        )
        table.setToolTip("Double-click a start to type it, e.g. 1.5 or -1, 2")
        header = table.horizontalHeader()
        header.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(VERDICT_COLUMN, QtWidgets.QHeaderView.ResizeMode.Stretch)
        table.setMinimumHeight(150)
        self.runs_table = table
        return table

    def show_state(self, state: SurfaceState, starts: Sequence[tuple[float, ...]]) -> None:
        """Steps, the selected run's noise, compare mode, and one row per run (``starts``: each
        run's start, the surface's where the run has none)."""
        # A spin box rewrites (and repaints) its text on every setValue, even to the value
        # it shows: only real changes, as a dragged slider restates all this every frame.
        if self.steps_spin.value() != state.steps:
            with signals_blocked(self.steps_spin):
                self.steps_spin.setValue(state.steps)
        if self.noise_spin.value() != state.selected_run().noise:
            with signals_blocked(self.noise_spin):
                self.noise_spin.setValue(state.selected_run().noise)
        with signals_blocked(self.compare_check):
            self.compare_check.setChecked(state.compare)
        self.compare_box.setVisible(state.compare)
        table = self.runs_table
        with signals_blocked(table):
            if table.rowCount() != len(state.runs):
                self._set_rows(len(state.runs))
            for row, run in enumerate(state.runs):
                texts = (f"{run.lr:g}", run.optimizer, format_start(starts[row]))
                for column, text in enumerate(texts):
                    item = table.item(row, column) or self._new_item(row, column)
                    if item.text() != text:
                        item.setText(text)
            selected = table.selectionModel().selectedRows()
            if [index.row() for index in selected] != [state.selected]:
                table.selectRow(state.selected)
        full = len(state.runs) >= MAX_RUNS
        self.add_run_button.setEnabled(not full)
        self.add_run_button.setToolTip(
            f"At most {MAX_RUNS} runs side by side (one colour each)"
            if full
            else "A copy of the selected run with twice its step size"
        )
        self.remove_run_button.setEnabled(len(state.runs) > 1)

    def show_verdicts(self, verdicts: Sequence[Verdict]) -> None:
        for row, verdict in enumerate(verdicts[: self.runs_table.rowCount()]):
            badge = self.runs_table.cellWidget(row, VERDICT_COLUMN)
            if isinstance(badge, VerdictBadge):
                show_verdict(badge, verdict)

    def _set_rows(self, count: int) -> None:
        table = self.runs_table
        table.setRowCount(count)
        for row in range(count):
            if not isinstance(table.cellWidget(row, VERDICT_COLUMN), VerdictBadge):
                badge = VerdictBadge(short_words=True)
                badge.setMinimumWidth(60)
                badge.setFont(badge_font(0.85))
                table.setCellWidget(row, VERDICT_COLUMN, badge)

    def _new_item(self, row: int, column: int) -> QtWidgets.QTableWidgetItem:
        item = QtWidgets.QTableWidgetItem()
        item.setForeground(QtGui.QColor(run_color(row)))
        if column != START_COLUMN:  # only the start is typed in the table
            item.setFlags(item.flags() & ~QtCore.Qt.ItemFlag.ItemIsEditable)
        self.runs_table.setItem(row, column, item)
        return item

    @QtCore.Slot()
    def _on_row_selected(self) -> None:
        rows = self.runs_table.selectionModel().selectedRows()
        if rows:
            self.rowSelected.emit(rows[0].row())

    @QtCore.Slot(QtWidgets.QTableWidgetItem)
    def _on_item_changed(self, item: QtWidgets.QTableWidgetItem) -> None:
        if item.column() == START_COLUMN:
            self.startTyped.emit(item.row(), item.text())
