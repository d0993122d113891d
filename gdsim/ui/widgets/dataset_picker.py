"""Choose a dataset: a menu with a thumbnail of each generated set, its size, noise, validation
share and seed, a CSV file of one's own, or points drawn on the decision plot (`use_drawn`).

The picker only turns widget state into the core's `DatasetParams` (or a `CsvReadJob`) and hands out
the resulting `Dataset`; a request the core rejects becomes `failed(message)`, never a traceback.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets
from superqt.utils import signals_blocked

from gdsim.core.datasets import (
    DATASETS,
    MAX_POINTS,
    MAX_VAL_FRACTION,
    CsvProgress,
    CsvReadJob,
    CsvTable,
    Dataset,
    DatasetError,
    DatasetKind,
    DatasetParams,
    make_dataset,
)
from gdsim.core.drawn_data import DrawnPoints
from gdsim.core.files import write_text_atomic
from gdsim.ui.style import class_color
from gdsim.ui.widgets.draw_tools import DrawTools
from gdsim.ui.widgets.exact_value import ExactSpinBox
from gdsim.ui.workers import JobRunner

THUMBNAIL_SIZE = 40
CSV_ROLE = QtCore.Qt.ItemDataRole.UserRole + 1
DRAWN_ROLE = QtCore.Qt.ItemDataRole.UserRole + 2
BACKGROUND_BYTES = 64 * 1024
"""CSV files larger than this (some 3,000 rows, under 0.1 s to parse) are read in the worker:
a full 100,000-row file takes one to two seconds, too long to freeze the window for."""


def thumbnail(kind: DatasetKind, size: int = THUMBNAIL_SIZE) -> QtGui.QPixmap:
    """A tiny scatter of the dataset at its default noise: the menu shows what each set looks
    like, which names alone ('moons', 'bumps') do not."""
    x, y = kind.generator(160, kind.default_noise, np.random.default_rng(1))
    points = np.column_stack([x[:, 0], y]) if kind.input_dim == 1 else x[:, :2]
    low, high = points.min(axis=0), points.max(axis=0)
    scaled = (points - low) / np.maximum(high - low, 1e-9) * (size - 6) + 3
    pixmap = QtGui.QPixmap(size, size)
    pixmap.fill(QtGui.QColor("white"))
    painter = QtGui.QPainter(pixmap)
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
    painter.setPen(QtCore.Qt.PenStyle.NoPen)
    for (px, py), label in zip(scaled, y, strict=True):
        color = "#444444" if kind.task == "regression" else class_color(int(label))
        painter.setBrush(QtGui.QColor(color))
        painter.drawEllipse(QtCore.QPointF(px, size - py), 1.6, 1.6)
    painter.setPen(QtGui.QPen(QtGui.QColor("#bbbbbb")))
    painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
    painter.drawRect(0, 0, size - 1, size - 1)
    painter.end()
    return pixmap


class DatasetPicker(QtWidgets.QWidget):
    """`datasetChanged(Dataset)` whenever the choice or a parameter changes; `failed(str)` for
    a choice the core rejects (a bad CSV file), leaving the previous dataset and the controls
    that made it in place; `loading(str)` while a large file is read in the worker.

    Drawn points, once in use, are the data (a menu entry names them) until another entry is
    chosen or they are cleared. While they cannot train (too few of a class, a split that
    leaves a class out) `drawnIncomplete(reason)` says why instead of `datasetChanged`."""

    datasetChanged = QtCore.Signal(object)
    failed = QtCore.Signal(str)
    loading = QtCore.Signal(str)
    drawnIncomplete = QtCore.Signal(str)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = QtWidgets.QComboBox(self)
        self.combo.setObjectName("datasetCombo")
        self.combo.setIconSize(QtCore.QSize(THUMBNAIL_SIZE, THUMBNAIL_SIZE))
        for kind in DATASETS.values():
            self.combo.addItem(QtGui.QIcon(thumbnail(kind)), kind.name, kind.name)
            index = self.combo.count() - 1
            self.combo.setItemData(
                index, f"{kind.description} ({kind.task})", QtCore.Qt.ItemDataRole.ToolTipRole
            )
        self.size_spin = self._spin(QtWidgets.QSpinBox(), "datasetSizeSpin", 10, MAX_POINTS, 200)
        self.size_spin.setSingleStep(50)
        self.noise_spin = self._spin(ExactSpinBox(), "noiseSpin", 0.0, 2.0, 0.1)
        self.noise_spin.setSingleStep(0.05)
        self.val_spin = self._spin(ExactSpinBox(), "valFractionSpin", 0.0, MAX_VAL_FRACTION, 0.2)
        self.val_spin.setSingleStep(0.05)
        self.seed_spin = self._spin(QtWidgets.QSpinBox(), "dataSeedSpin", 0, 999_999, 0)
        self.csv_button = QtWidgets.QPushButton("Load CSV…", self)
        self.csv_button.setObjectName("loadCsvButton")
        self.csv_button.setToolTip("Rows of x1, x2, label (an optional header line)")
        self.csv_button.clicked.connect(self._ask_csv)
        form = QtWidgets.QGridLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.draw_tools = DrawTools(self)
        self.draw_tools.show_count(0)
        self.draw_tools.clear_button.clicked.connect(self.clear_drawn)
        self.draw_tools.save_button.clicked.connect(self._ask_save_drawn)
        form.addWidget(self.combo, 0, 0, 1, 3)
        form.addWidget(self.csv_button, 0, 3)
        form.addWidget(self.draw_tools, 3, 0, 1, 4)
        for column, (label, widget) in enumerate(
            (("points", self.size_spin), ("noise", self.noise_spin))
        ):
            form.addWidget(QtWidgets.QLabel(label), 1, 2 * column)
            form.addWidget(widget, 1, 2 * column + 1)
        for column, (label, widget) in enumerate(
            (("validation", self.val_spin), ("seed", self.seed_spin))
        ):
            form.addWidget(QtWidgets.QLabel(label), 2, 2 * column)
            form.addWidget(widget, 2, 2 * column + 1)
        self.loader = JobRunner(self)
        self.loader.finished.connect(self._on_read)
        self.loader.failed.connect(self._on_read_failed)
        self._csv: tuple[Path, CsvTable] | None = None
        self._drawn = DrawnPoints()
        self._waiting = False
        self._before_drawing = 0
        """The menu entry in use when drawing began: Clear goes back to it."""
        self._syncing = False
        self.combo.currentIndexChanged.connect(self._on_kind)
        self._sync_noise()
        self._publish(make_dataset(self.params()))

    def _spin(
        self, spin: QtWidgets.QAbstractSpinBox, name: str, low: float, high: float, value: float
    ) -> QtWidgets.QAbstractSpinBox:
        spin.setObjectName(name)
        spin.setRange(low, high)
        spin.setValue(value)
        spin.setKeyboardTracking(False)
        spin.valueChanged.connect(self._regenerate)
        return spin

    def dataset(self) -> Dataset:
        return self._dataset

    def source(self) -> DatasetParams | Dataset:
        """What the code exporter needs: parameters that regenerate a generated set, or the
        loaded points themselves for a CSV file or drawn points."""
        return self._dataset if self._csv is not None or self._drawn else self.params()

    def csv_path(self) -> Path | None:
        """The file the points in use came from; None for a generated set or drawn points."""
        return None if self._csv is None or self._drawn else self._csv[0]

    def drawn(self) -> DrawnPoints:
        """The drawn points in use as the data; empty when the data is a generated set or a
        file."""
        return self._drawn

    def use_drawn(self, points: DrawnPoints) -> None:
        """Make `points` the data (split with the validation share and seed shown): one
        `datasetChanged`, or `drawnIncomplete` while they cannot train. No points: back to
        the entry chosen before drawing."""
        self.loader.stop()
        self._drawn = points
        self.draw_tools.show_count(len(points))
        index = self.combo.findData(True, DRAWN_ROLE)
        self._syncing = True
        if not points:
            self._waiting = False
            if index >= 0:
                self.combo.setCurrentIndex(self._before_drawing)
                self.combo.removeItem(index)
            self._syncing = False
            self._regenerate()
            return
        if index < 0:
            self._before_drawing = self.combo.currentIndex()
            self.combo.addItem("", None)
            index = self.combo.count() - 1
            self.combo.setItemData(index, True, DRAWN_ROLE)
        self.combo.setItemText(index, f"drawn points ({len(points)})")
        self.combo.setCurrentIndex(index)
        self._syncing = False
        self._set_generated_controls(False)
        try:
            dataset = points.dataset(self.val_spin.value(), self.seed_spin.value())
        except DatasetError as error:
            self._waiting = True
            self.drawnIncomplete.emit(str(error))
            return
        self._waiting = False
        self._publish(dataset)

    def drawn_waiting(self) -> bool:
        """Whether the data are drawn points that cannot train yet (`drawnIncomplete` said
        why): `dataset()` is then the data from before, not to be trained on."""
        return self._waiting

    @QtCore.Slot()
    def clear_drawn(self) -> None:
        self.use_drawn(DrawnPoints())

    def save_drawn(self, path: str | os.PathLike[str]) -> str | None:
        """Write the drawn points as a CSV file that `load_csv_file` reads back; the reason
        it could not be written (one line), or None."""
        try:
            write_text_atomic(Path(path), self._drawn.csv_text())
        except OSError as error:
            return str(error)
        return None

    @QtCore.Slot()
    def _ask_save_drawn(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Save the drawn points", "drawn.csv", "CSV files (*.csv)"
        )
        if path:
            why = self.save_drawn(path)
            if why is not None:
                self.failed.emit(why)

    def set_params(self, params: DatasetParams) -> None:
        """Show and use a generated set's parameters (a saved state's): one `datasetChanged`."""
        self.loader.stop()
        self._forget_drawn()
        for widget, value in (
            (self.size_spin, params.n),
            (self.noise_spin, params.effective_noise),
            (self.val_spin, params.val_fraction),
            (self.seed_spin, params.seed),
        ):
            with signals_blocked(widget):
                widget.setValue(value)
        with signals_blocked(self.combo):
            self.combo.setCurrentIndex(self.combo.findData(params.name))
        self._set_generated_controls(True)
        self._regenerate()

    def params(self) -> DatasetParams:
        return DatasetParams(
            name=self.combo.currentData() or "circle",
            n=self.size_spin.value(),
            noise=self.noise_spin.value(),
            val_fraction=self.val_spin.value(),
            seed=self.seed_spin.value(),
        )

    def _forget_drawn(self) -> None:
        """Another choice replaces the drawn points: their menu entry goes too."""
        self._drawn = DrawnPoints()
        self._waiting = False
        self.draw_tools.show_count(0)
        index = self.combo.findData(True, DRAWN_ROLE)
        if index >= 0:
            with signals_blocked(self.combo):
                self.combo.removeItem(index)

    def load_csv_file(self, path: str | Path) -> bool:
        """Use a CSV file. A small one is read here and now; a larger one in the worker, the
        panel staying usable meanwhile, and its points are used only if no other choice came
        first. False when the file is refused at once (`failed` says why and the current
        dataset stays); True when it is in use, or being read (`loading` said so)."""
        self.loader.stop()
        try:
            job = CsvReadJob(path)
            if job.size > BACKGROUND_BYTES:
                self.loader.start(job)
                self.loading.emit(f"reading {job.path.name}…")
                return True
            return self._use_table(job.path, job.read())
        except DatasetError as error:
            self._refuse(str(error))
            return False

    @staticmethod
    def csv_refusal(path: str | Path) -> str | None:
        """Why `path` names no CSV file the picker can use (missing, a folder, unreadable, a
        bad row among the first ones), or None; it is opened, but nothing changes here. A
        saved state checks its file with this before it applies anything."""
        try:
            job = CsvReadJob(path)
        except DatasetError as error:
            return str(error)
        job.advance()
        return job.snapshot().error

    @QtCore.Slot(object)
    def _on_read(self, progress: CsvProgress) -> None:
        """The worker has read a file (a stopped or superseded read never gets here)."""
        if progress.table is None:
            self._refuse(str(progress.error))
        else:
            self._use_table(progress.path, progress.table)

    @QtCore.Slot(str)
    def _on_read_failed(self, message: str) -> None:
        self._refuse(f"reading the file stopped: {message}")

    def _use_table(self, path: Path, table: CsvTable) -> bool:
        """Split the file's points with the current share and seed, then make them the
        dataset; nothing changes if the split is refused."""
        try:
            dataset = table.dataset(self.val_spin.value(), self.seed_spin.value())
        except DatasetError as error:
            self._refuse(str(error))
            return False
        self._csv = (path, table)
        self._forget_drawn()
        index = self.combo.findData(str(path), CSV_ROLE)
        self._syncing = True
        if index < 0:
            self.combo.addItem(f"{path.name} (CSV)", None)
            index = self.combo.count() - 1
            self.combo.setItemData(index, str(path), CSV_ROLE)
        self.combo.setCurrentIndex(index)
        self._syncing = False
        self._set_generated_controls(False)
        self._publish(dataset)
        return True

    def _refuse(self, message: str) -> None:
        """A request the core refused: the controls go back to what the dataset in use was
        made from, so what they show is what trains."""
        self._syncing = True
        self.combo.setCurrentIndex(self._published.index)
        for spin, value in zip(
            (self.size_spin, self.noise_spin, self.val_spin, self.seed_spin),
            self._published.values,
            strict=True,
        ):
            with signals_blocked(spin):
                spin.setValue(value)
        self._syncing = False
        self._set_generated_controls(self._csv is None)
        self.failed.emit(message)

    @QtCore.Slot()
    def _ask_csv(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self, "Load a dataset", "", "CSV files (*.csv);;All files (*)"
        )
        if path:
            self.load_csv_file(path)

    @QtCore.Slot(int)
    def _on_kind(self, index: int) -> None:
        if self._syncing or self.combo.itemData(index, DRAWN_ROLE):
            return
        self.loader.stop()
        self._forget_drawn()
        csv_path = self.combo.itemData(index, CSV_ROLE)
        if csv_path:
            self.load_csv_file(csv_path)
            return
        self._sync_noise()
        self._regenerate()

    def _sync_noise(self) -> None:
        """Each dataset starts at its own default noise (a spiral at 0.1 is unreadable)."""
        kind = DATASETS[self.combo.currentData() or "circle"]
        with signals_blocked(self.noise_spin):
            self.noise_spin.setValue(kind.default_noise)

    def _set_generated_controls(self, enabled: bool) -> None:
        self.size_spin.setEnabled(enabled)
        self.noise_spin.setEnabled(enabled)

    @QtCore.Slot()
    def _regenerate(self) -> None:
        """The choice or a parameter changed: split the loaded CSV points again (without
        reading the file again) or generate the chosen set; drawn points are split again."""
        if self._drawn:
            self.use_drawn(self._drawn)
            return
        csv_path = self.combo.currentData(CSV_ROLE)
        loaded = self._csv is not None and str(self._csv[0]) == csv_path
        if csv_path and not loaded:
            return  # that file is being read: its points are split with the new values
        try:
            if self._csv is not None and loaded:
                dataset = self._csv[1].dataset(self.val_spin.value(), self.seed_spin.value())
            else:
                dataset = make_dataset(self.params())
        except DatasetError as error:
            self._refuse(str(error))
            return
        if not csv_path:
            self._csv = None
            self._set_generated_controls(True)
        self.loader.stop()  # a file still being read came before this choice: drop it
        self._publish(dataset)

    def _publish(self, dataset: Dataset) -> None:
        self._dataset = dataset
        self._published = _Choice(
            self.combo.currentIndex(),
            (
                self.size_spin.value(),
                self.noise_spin.value(),
                self.val_spin.value(),
                self.seed_spin.value(),
            ),
        )
        self.datasetChanged.emit(dataset)


@dataclass(frozen=True)
class _Choice:
    """The menu entry and the size, noise, validation share and seed of the dataset in use."""

    index: int
    values: tuple[float, float, float, float]
