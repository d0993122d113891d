"""The explorer's "Basins of attraction" controls: on/off, what the colours say, the grid, and
the progress of the computation with its Cancel button."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from gdsim.core.basins import DEFAULT_GRID, MAX_GRID, MIN_GRID

COLOUR_MODES = (("minimum", "minimum reached"), ("steps", "steps needed"))
"""(key, words) of the colour-by choices, in the combo's order."""


class BasinsBox(QtWidgets.QGroupBox):
    """Reports ``changed`` (read ``enabled()``, ``mode()``, ``grid()``) and ``cancelClicked``;
    ``show_progress`` shows how far the worker is (None: not computing)."""

    changed = QtCore.Signal()
    cancelClicked = QtCore.Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__("Basins of attraction", parent)
        self.setObjectName("basinsBox")
        self.setToolTip(
            "A grid of starts over the plot, all run with the selected run's η, optimizer and "
            "steps: each start is coloured by the minimum its run reaches"
        )
        layout = QtWidgets.QVBoxLayout(self)
        self.check = QtWidgets.QCheckBox("Show basins of attraction")
        self.check.setObjectName("basinsCheck")
        layout.addWidget(self.check)
        self.settings = QtWidgets.QWidget()
        form = QtWidgets.QFormLayout(self.settings)
        form.setContentsMargins(0, 0, 0, 0)
        self.mode_combo = QtWidgets.QComboBox()
        self.mode_combo.setObjectName("basinsColourCombo")
        for key, words in COLOUR_MODES:
            self.mode_combo.addItem(words, key)
        self.grid_spin = QtWidgets.QSpinBox()
        self.grid_spin.setObjectName("basinsGridSpin")
        self.grid_spin.setRange(MIN_GRID, MAX_GRID)
        self.grid_spin.setSingleStep(50)
        self.grid_spin.setValue(DEFAULT_GRID)
        self.grid_spin.setSuffix(" starts a side")
        self.grid_spin.setKeyboardTracking(False)
        form.addRow("colour by", self.mode_combo)
        form.addRow("grid", self.grid_spin)
        progress_row = QtWidgets.QHBoxLayout()
        self.progress = QtWidgets.QProgressBar()
        self.progress.setObjectName("basinsProgress")
        self.progress.setRange(0, 100)
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        self.cancel_button.setObjectName("basinsCancelButton")
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)
        form.addRow(progress_row)
        layout.addWidget(self.settings)
        self.settings.setVisible(False)
        self.show_progress(None)
        self.check.toggled.connect(self.settings.setVisible)
        self.check.toggled.connect(self.changed)
        self.mode_combo.currentIndexChanged.connect(self.changed)
        self.grid_spin.valueChanged.connect(self.changed)
        self.cancel_button.clicked.connect(self.cancelClicked)

    def enabled(self) -> bool:
        return self.check.isChecked()

    def mode(self) -> str:
        return str(self.mode_combo.currentData())

    def grid(self) -> int:
        return self.grid_spin.value()

    def show_progress(self, fraction: float | None) -> None:
        """The bar and Cancel while computing (``fraction`` 0 to 1), hidden otherwise."""
        computing = fraction is not None
        self.progress.setVisible(computing)
        self.cancel_button.setVisible(computing)
        if computing:
            self.progress.setValue(round(100 * fraction))
