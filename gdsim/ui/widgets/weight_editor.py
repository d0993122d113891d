"""A small line edit that opens on a clicked edge of the network diagram to type its weight.

Why inline rather than a dialog: a teacher edits a weight, presses Enter and watches the
decision map change, with the diagram still in view; a modal dialog would hide both. Enter
submits the text as typed (the panel parses it and refuses bad input with one line, changing
nothing); Escape or clicking elsewhere closes it unchanged.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.core.unit_maps import weight_label


class WeightEditor(QtWidgets.QLineEdit):
    """``weightEditor``: `open_at(layer, row, column, value, where)`; `submitted(layer, row,
    column, text)` on Enter."""

    submitted = QtCore.Signal(int, int, int, str)

    def __init__(self, parent: QtWidgets.QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("weightEditor")
        self._target = (0, 0, 0)
        self.hide()
        self.returnPressed.connect(self._submit)

    def open_at(
        self, layer: int, row: int, column: int, value: float, where: QtCore.QPointF
    ) -> None:
        """Show the editor centred on `where` (the edge's middle) holding `value`, selected,
        so that typing replaces it."""
        self._target = (layer, row, column)
        self.setToolTip(f"{weight_label(layer, row, column, value)}: type a value, Enter")
        self.setText(f"{value:.6g}")
        width = self.fontMetrics().horizontalAdvance("-0.000000e+00") + 12
        self.resize(width, self.sizeHint().height())
        room = self.parentWidget().size() - self.size()
        x = min(max(0, round(where.x() - width / 2)), max(0, room.width()))
        y = min(max(0, round(where.y() - self.height() / 2)), max(0, room.height()))
        self.move(x, y)
        self.show()
        self.raise_()
        self.setFocus()
        self.selectAll()

    @QtCore.Slot()
    def _submit(self) -> None:
        self.hide()
        self.submitted.emit(*self._target, self.text())

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        if event.key() == QtCore.Qt.Key.Key_Escape:
            self.hide()
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QtGui.QFocusEvent) -> None:
        self.hide()
        super().focusOutEvent(event)
