"""The "Grid search" tab: learning rates x hidden layers (or width, or batch size) on the network
builder's dataset and network, every cell trained from the same seed, the final validation
losses as a heat map that fills in while the cells finish.

The cells run as joblib tasks (`gdsim.core.grid_search.GridJob`) on every core, in this one
process, or on a Dask cluster; the job runs in a `JobRunner` worker thread, which only waits
for the next cell to come back, so the window stays free while the pool trains. Cancel asks
the job to stop before its next cell (it closes joblib's generator, which cancels the cells
not yet started); the first use of the process pool starts its workers (each imports torch),
so the first cell of the first run comes seconds later than the rest.

A click on a cell opens that network in the builder (`openNetwork`); File > Export data
writes the cells as CSV (`data_csv`).
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from gdsim.core.grid_search import (
    AXES,
    MAX_GRID_STEPS,
    MAX_RATES,
    GridError,
    GridFrame,
    GridJob,
    cell_state,
    grid_csv,
    grid_for_network,
    log_grid,
    parse_values,
)
from gdsim.core.state import NetworkState
from gdsim.core.training import parse_learning_rates, rates_text
from gdsim.ui.widgets.columns import controls_beside
from gdsim.ui.widgets.grid_heatmap import GridHeatmap
from gdsim.ui.widgets.message_area import MessageArea, MessageSpec, Severity
from gdsim.ui.workers import JobRunner

MESSAGES = (
    MessageSpec("grid"),  # settings that make no grid: nothing runs
    MessageSpec("run"),  # the job could not run (no cluster, an unreadable file) or failed
    MessageSpec("cancelled", Severity.NOTE),
)

DEFAULT_RATES = (0.01, 0.1, 1.0, 10.0)
DEFAULT_VALUES = {"layers": "1, 2, 3, 4", "width": "4, 8, 16, 32", "batch_size": "10, 40, 160"}
DEFAULT_STEPS = 200

BACKEND_CHOICES = (
    ("All cores (joblib)", "loky", -1),
    ("One process", "loky", 1),
    ("Dask cluster", "dask", -1),
)
"""What the backend menu offers: label, joblib backend, n_jobs."""

CONTROL_WIDTH = 330

CLOSE_WAIT_S = 10.0


class GridPanel(QtWidgets.QWidget):
    """The "Grid search" tab (see the module docstring)."""

    statusMessage = QtCore.Signal(str)
    cursorInfo = QtCore.Signal(str)
    openNetwork = QtCore.Signal(object)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("gridPanel")
        self._network = NetworkState()
        self._run_network = self._network
        """The builder's state the frame shown was computed from (a click opens a cell of
        it, even if the builder changed since)."""
        self.job: GridJob | None = None
        self.frame: GridFrame | None = None
        self.runner = JobRunner(self, max_rate=10)
        self._build()
        self._connect()
        self._update_buttons(False)

    # ------------------------------------------------------------------ construction

    def _build(self) -> None:
        self.messages = MessageArea(MESSAGES, self)
        self.network_label = QtWidgets.QLabel(self)
        self.network_label.setObjectName("gridNetwork")
        self.network_label.setWordWrap(True)

        rates_box = QtWidgets.QGroupBox("Learning rates", self)
        rates = QtWidgets.QGridLayout(rates_box)
        self.rates_edit = _line(self, "gridRates", rates_text(DEFAULT_RATES))
        self.rates_edit.setToolTip(f"1 to {MAX_RATES} rates, separated by commas or spaces")
        self.lr_min = _line(self, "gridLrMin", "0.001")
        self.lr_max = _line(self, "gridLrMax", "10")
        self.lr_count = QtWidgets.QSpinBox(self)
        self.lr_count.setObjectName("gridLrCount")
        self.lr_count.setRange(2, MAX_RATES)
        self.lr_count.setValue(5)
        self.fill_button = QtWidgets.QPushButton("Fill", self)
        self.fill_button.setObjectName("gridFill")
        self.fill_button.setToolTip("Write a log-spaced grid of rates into the list above")
        rates.addWidget(self.rates_edit, 0, 0, 1, 4)
        rates.addWidget(QtWidgets.QLabel("log grid", self), 1, 0)
        rates.addWidget(self.lr_min, 1, 1)
        rates.addWidget(QtWidgets.QLabel("to", self), 1, 2)
        rates.addWidget(self.lr_max, 1, 3)
        rates.addWidget(QtWidgets.QLabel("rates", self), 2, 0)
        rates.addWidget(self.lr_count, 2, 1)
        rates.addWidget(self.fill_button, 2, 3)

        axis_box = QtWidgets.QGroupBox("Second axis", self)
        axis = QtWidgets.QFormLayout(axis_box)
        self.axis_combo = QtWidgets.QComboBox(self)
        self.axis_combo.setObjectName("gridAxis")
        for key, words in AXES.items():
            self.axis_combo.addItem(words, key)
        self.values_edit = _line(self, "gridValues", DEFAULT_VALUES["layers"])
        axis.addRow("axis", self.axis_combo)
        axis.addRow("values", self.values_edit)

        run_box = QtWidgets.QGroupBox("Run", self)
        run = QtWidgets.QFormLayout(run_box)
        self.steps_spin = QtWidgets.QSpinBox(self)
        self.steps_spin.setObjectName("gridSteps")
        self.steps_spin.setRange(1, MAX_GRID_STEPS)
        self.steps_spin.setValue(DEFAULT_STEPS)
        self.backend_combo = QtWidgets.QComboBox(self)
        self.backend_combo.setObjectName("gridBackend")
        for label, backend, n_jobs in BACKEND_CHOICES:
            self.backend_combo.addItem(label, (backend, n_jobs))
        self.scheduler_edit = _line(self, "gridScheduler", "")
        self.scheduler_edit.setPlaceholderText("tcp://host:8786 (empty: a local cluster)")
        run.addRow("steps per cell", self.steps_spin)
        run.addRow("run on", self.backend_combo)
        run.addRow("scheduler", self.scheduler_edit)

        self.run_button = QtWidgets.QPushButton("Run", self)
        self.run_button.setObjectName("gridRun")
        self.cancel_button = QtWidgets.QPushButton("Cancel", self)
        self.cancel_button.setObjectName("gridCancel")
        self.progress = QtWidgets.QProgressBar(self)
        self.progress.setObjectName("gridProgress")
        self.progress.setFormat("%v of %m cells")
        self.progress.setValue(0)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)

        controls = QtWidgets.QWidget(self)
        column = QtWidgets.QVBoxLayout(controls)
        column.addWidget(self.network_label)
        for widget in (rates_box, axis_box, run_box):
            column.addWidget(widget)
        column.addLayout(buttons)
        column.addWidget(self.progress)
        column.addStretch(1)
        scroll = QtWidgets.QScrollArea(self)
        scroll.setWidget(controls)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        scroll.setMinimumWidth(200)

        self.heatmap = GridHeatmap(self)
        right = QtWidgets.QWidget(self)
        views = QtWidgets.QVBoxLayout(right)
        views.setContentsMargins(0, 0, 0, 0)
        views.addWidget(self.messages)
        views.addWidget(self.heatmap, 1)
        self.columns = controls_beside(self, scroll, right, CONTROL_WIDTH)
        self._show_network()

    def _connect(self) -> None:
        self.fill_button.clicked.connect(self.fill_log_grid)
        self.axis_combo.currentIndexChanged.connect(self._on_axis)
        self.backend_combo.currentIndexChanged.connect(self._on_backend)
        self.run_button.clicked.connect(self.run)
        self.cancel_button.clicked.connect(self.cancel)
        self.runner.progress.connect(self._on_frame)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.runningChanged.connect(self._update_buttons)
        self.heatmap.cellClicked.connect(self.open_cell)
        self.heatmap.cellHovered.connect(self._on_hover)
        self._on_backend()

    # ------------------------------------------------------------------ the window's calls

    def set_network(self, state: NetworkState) -> None:
        """The builder's state, handed over when the tab is shown: the next run uses it."""
        if state != self._network:
            self._network = state
            self._show_network()

    def export_plots(self) -> dict[str, QtWidgets.QWidget]:
        return {"grid_search": self.heatmap}

    def data_csv(self) -> tuple[str, str]:
        """The cells as CSV; ValueError with one line before any cell has finished."""
        if self.frame is None:
            raise ValueError("no grid cell has finished yet: press Run first")
        return grid_csv(self.frame), "grid_search.csv"

    # ------------------------------------------------------------------ user intents

    @QtCore.Slot()
    def fill_log_grid(self) -> None:
        try:
            low, high = float(self.lr_min.text()), float(self.lr_max.text())
            rates = log_grid(low, high, self.lr_count.value())
        except ValueError as error:
            text = str(error) if isinstance(error, GridError) else "the log grid's ends: numbers"
            self.messages.show_message("grid", text)
            return
        self.messages.clear("grid")
        self.rates_edit.setText(rates_text(rates))

    @QtCore.Slot()
    def run(self) -> None:
        """Start the grid on the builder's current network (the settings are checked first:
        a bad one is named in one line and nothing starts)."""
        backend, n_jobs = self.backend_combo.currentData()
        try:
            lrs = parse_learning_rates(self.rates_edit.text(), MAX_RATES)
            axis = self.axis_combo.currentData()
            values = parse_values(self.values_edit.text(), axis)
            network = self._network
            grid = grid_for_network(network.network, lrs, axis, values, self.steps_spin.value())
            job = GridJob(
                grid,
                network.network,
                network.training,
                network,
                backend=backend,
                scheduler=self.scheduler_edit.text().strip() or None,
                n_jobs=n_jobs,
            )
        except ValueError as error:  # GridError, ConfigError, DatasetError: one line each
            self.messages.show_message("grid", str(error))
            return
        self.messages.clear("grid", "run", "cancelled")
        self.job, self._run_network = job, network
        self.progress.setRange(0, job.total)
        self.progress.setValue(0)
        self.progress.setFormat("%v of %m cells")
        self._on_frame(job.snapshot())
        self.runner.start(job)

    @QtCore.Slot()
    def cancel(self) -> None:
        """Stop now: the cells not started are cancelled; returns at once (the job lets
        go of the pool in its own thread)."""
        if self.job is not None and self.runner.is_running():
            self.job.cancel()
            self.cancel_button.setEnabled(False)
            self.progress.setFormat("cancelling… %v of %m cells")

    @QtCore.Slot(int, int)
    def open_cell(self, row: int, col: int) -> None:
        """Open the network of cell (`row`, `col`) in the builder."""
        if self.frame is None:
            return
        grid = self.frame.grid
        try:
            state = cell_state(self._run_network, grid, grid.lrs[col], grid.values[row])
        except ValueError as error:  # a state the builder cannot hold: say why, open nothing
            self.statusMessage.emit(f"cannot open this cell: {error}")
            return
        self.openNetwork.emit(state)

    # ------------------------------------------------------------------ worker results

    @QtCore.Slot(object)
    def _on_frame(self, frame: GridFrame) -> None:
        """Draw the cells in; the worker also sends frames while it waits for a cell, which
        change nothing and are not redrawn."""
        old = self.frame
        if old is not None and (old.grid, old.cells, old.finished) == (
            frame.grid,
            frame.cells,
            frame.finished,
        ):
            return
        self.frame = frame
        self.progress.setValue(len(frame.cells))
        self.heatmap.draw(frame)

    @QtCore.Slot(object)
    def _on_finished(self, frame: GridFrame) -> None:
        self._on_frame(frame)
        if frame.error:
            self.messages.show_message("run", frame.error)
        elif frame.cancelled:
            self.messages.show_message(
                "cancelled", f"cancelled after {len(frame.cells)} of {frame.total} cells"
            )
            self.progress.setFormat("cancelled: %v of %m cells")
        else:
            self.statusMessage.emit(f"grid search done: {frame.total} cells")

    @QtCore.Slot(str)
    def _on_failed(self, message: str) -> None:
        self.messages.show_message("run", message)

    @QtCore.Slot(bool)
    def _update_buttons(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        job = self.job
        if not running and job is not None and not job.snapshot().finished:
            # Stopped from outside: the window is closing. Let the pool go before the
            # process ends (loky's exit otherwise races the job's last cell), waiting at
            # most CLOSE_WAIT_S for the cell being trained.
            job.cancel()
            job.wait(CLOSE_WAIT_S)

    @QtCore.Slot()
    def _on_axis(self) -> None:
        self.values_edit.setText(DEFAULT_VALUES[self.axis_combo.currentData()])

    @QtCore.Slot()
    def _on_backend(self) -> None:
        self.scheduler_edit.setEnabled(self.backend_combo.currentData()[0] == "dask")

    @QtCore.Slot(int, int)
    def _on_hover(self, row: int, col: int) -> None:
        text = self.heatmap.texts.get((row, col))
        if self.frame is None or text is None:
            self.cursorInfo.emit("")
            return
        grid = self.frame.grid
        self.cursorInfo.emit(
            f"η = {grid.lrs[col]:g}, {AXES[grid.axis]} {grid.values[row]}: val loss {text}"
            " (click: open in the network builder)"
        )

    def _show_network(self) -> None:
        state = self._network
        widths = [w for w, _ in state.network.hidden] or ["none"]
        source = state.csv_path or state.dataset.name
        training = state.training
        self.network_label.setText(
            f"On {source} with the builder's network (hidden {', '.join(map(str, widths))}), "
            f"{training.optimizer}, seed {training.seed}."
        )


def _line(parent: QtWidgets.QWidget, name: str, text: str) -> QtWidgets.QLineEdit:
    edit = QtWidgets.QLineEdit(text, parent)
    edit.setObjectName(name)
    return edit
