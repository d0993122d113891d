"""The decision plot's display toggles, and the controls for drawing one's own data.

`DisplayToggles` sits under the decision plot: three checkable buttons that say how it draws
(`DisplayOptions`), each disabled with a tooltip saying why where it means nothing (1D data,
regression, multiclass maps that are already hard-edged). `DrawTools` sits in the Data box:
the draw mode, the class a left click adds, Clear and Save as CSV.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets
from superqt.utils import signals_blocked

from gdsim.core.datasets import MAX_CLASSES, Dataset
from gdsim.core.state.display import DisplayOptions

TIPS = {
    "discrete": "Predicted class regions with hard edges instead of the probability shading",
    "validation": "Validation points (hollow triangles): shown or hidden",
    "surface": "The prediction under the points; off: only the points' classes",
}


class DisplayToggles(QtWidgets.QWidget):
    """`displayChanged(DisplayOptions)` when the user flips a toggle."""

    displayChanged = QtCore.Signal(object)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.discrete = self._toggle("Regions", "discreteToggle", False)
        self.validation = self._toggle("Validation", "validationToggle", True)
        self.surface = self._toggle("Surface", "surfaceToggle", True)
        row = QtWidgets.QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QtWidgets.QLabel("show", self))
        for button in (self.discrete, self.validation, self.surface):
            row.addWidget(button)
        row.addStretch(1)

    def _toggle(self, text: str, name: str, on: bool) -> QtWidgets.QToolButton:
        button = QtWidgets.QToolButton(self)
        button.setText(text)
        button.setObjectName(name)
        button.setCheckable(True)
        button.setChecked(on)
        button.setAutoRaise(False)
        button.toggled.connect(self._on_toggled)
        return button

    def _buttons(self) -> dict[str, QtWidgets.QToolButton]:
        return {"discrete": self.discrete, "validation": self.validation, "surface": self.surface}

    def options(self) -> DisplayOptions:
        return DisplayOptions(**{name: b.isChecked() for name, b in self._buttons().items()})

    def show_options(self, options: DisplayOptions) -> None:
        """Show `options` without reporting them as the user's change."""
        for name, button in self._buttons().items():
            with signals_blocked(button):
                button.setChecked(getattr(options, name))

    def fit_to(self, data: Dataset) -> None:
        """Enable the toggles that mean something for `data`; the others say why not."""
        one_d = data.input_dim == 1
        why_not = {
            "discrete": _discrete_refusal(data),
            "surface": "1D data: the fitted curve is the prediction" if one_d else None,
            "validation": None,
        }
        for name, button in self._buttons().items():
            button.setEnabled(why_not[name] is None)
            button.setToolTip(TIPS[name] if why_not[name] is None else f"Not for {why_not[name]}")

    @QtCore.Slot()
    def _on_toggled(self) -> None:
        self.displayChanged.emit(self.options())


def _discrete_refusal(data: Dataset) -> str | None:
    if data.input_dim == 1:
        return "1D data: the fitted curve has no class regions"
    if data.task == "regression":
        return "regression: there are no classes to show"
    if data.task == "multiclass":
        return "several classes: the map already shows each point's predicted class"
    return None


class DrawTools(QtWidgets.QWidget):
    """Draw mode on the decision plot (`drawButton`), the class a left click adds
    (`drawClassSpin`; a right click adds class 1), `clearDrawnButton`, `saveDrawnButton`.

    One row where the Data box is wide enough, else two (draw and class above Clear and Save):
    in one row at 1024 pixels in presentation mode they were wider than the controls column,
    which scrolled "Load CSV…" and "Save CSV…" out of sight."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.draw_button = QtWidgets.QPushButton("Draw data", self)
        self.draw_button.setObjectName("drawButton")
        self.draw_button.setCheckable(True)
        self.draw_button.setToolTip(
            "Click on the decision plot to add points: left click the class beside, right "
            "click class 1; the drawn points are then the data"
        )
        self.class_spin = QtWidgets.QSpinBox(self)
        self.class_spin.setObjectName("drawClassSpin")
        self.class_spin.setRange(0, MAX_CLASSES - 1)
        self.class_spin.setPrefix("class ")
        self.class_spin.setToolTip("The class a left click adds (a right click adds class 1)")
        self.clear_button = QtWidgets.QPushButton("Clear", self)
        self.clear_button.setObjectName("clearDrawnButton")
        self.clear_button.setToolTip("Remove the drawn points (back to the dataset chosen above)")
        self.save_button = QtWidgets.QPushButton("Save CSV…", self)
        self.save_button.setObjectName("saveDrawnButton")
        self.save_button.setToolTip("Save the drawn points as a CSV file Load CSV… reads back")
        self._grid = QtWidgets.QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._widgets = (self.draw_button, self.class_spin, self.clear_button, self.save_button)
        self._arrange(two_rows=False)

    def _arrange(self, two_rows: bool) -> None:
        """The four widgets in one row, or two rows of two."""
        for index, widget in enumerate(self._widgets):
            row, column = divmod(index, 2) if two_rows else (0, index)
            self._grid.addWidget(widget, row, column)
        self._two_rows = two_rows
        self.updateGeometry()

    def _one_row_width(self) -> int:
        spacing = self._grid.horizontalSpacing() * (len(self._widgets) - 1)
        return sum(widget.sizeHint().width() for widget in self._widgets) + spacing

    def minimumSizeHint(self) -> QtCore.QSize:
        """As narrow as the wider pair (the two-row arrangement)."""
        pairs = (self._widgets[:2], self._widgets[2:])
        width = max(sum(w.minimumSizeHint().width() for w in pair) for pair in pairs)
        width += self._grid.horizontalSpacing()
        return QtCore.QSize(width, self._grid.minimumSize().height())

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        two_rows = event.size().width() < self._one_row_width()
        if two_rows != self._two_rows:
            self._arrange(two_rows)

    def show_count(self, count: int) -> None:
        """Clear and Save apply once there are drawn points."""
        self.clear_button.setEnabled(count > 0)
        self.save_button.setEnabled(count > 0)
