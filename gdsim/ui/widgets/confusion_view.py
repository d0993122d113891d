"""The confusion matrix and the accuracy per class of the run on display (classification only).

Rows are the true classes, columns the predicted ones, the last column each class's accuracy;
a cell's grey shade is its share of the row, so the diagonal of a good classifier is dark and a
class the network confuses with another shows up as a dark cell off it. Grey, not a verdict or
a run colour: the numbers are the message. Updated with the decision map (the run's detail), not
every frame.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.core.confusion import Confusion
from gdsim.ui.style import class_color

SETS = ("train", "validation")


class ConfusionView(QtWidgets.QWidget):
    """``confusionView``: ``confusionSetCombo`` (train / validation) over ``confusionTable``."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("confusionView")
        self.set_combo = QtWidgets.QComboBox(self)
        self.set_combo.setObjectName("confusionSetCombo")
        self.set_combo.addItems(SETS)
        self.set_combo.setToolTip("The points the matrix counts")
        self.table = QtWidgets.QTableWidget(self)
        self.table.setObjectName("confusionTable")
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.table.setToolTip("Rows: the true class; columns: the class predicted; acc.: the "
                              "share of the row's class predicted right")  # fmt: skip
        # As narrow as its numbers: beside the loss and accuracy curves, which need the width
        # more (a 1024-pixel projector in presentation mode left them slivers).
        self.table.horizontalHeader().setSectionResizeMode(
            QtWidgets.QHeaderView.ResizeMode.ResizeToContents
        )
        self.table.verticalHeader().setSectionResizeMode(
            QtWidgets.QHeaderView.ResizeMode.Stretch
        )
        self.title = QtWidgets.QLabel("confusion", self)
        self.caption = QtWidgets.QLabel("rows: true class, columns: predicted", self)
        self.caption.setWordWrap(True)
        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.set_combo)
        column = QtWidgets.QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(top)
        column.addWidget(self.table, 1)
        column.addWidget(self.caption)
        self._confusions: tuple[Confusion, Confusion] | None = None
        self._room = True
        """Whether the curves beside it leave it room (`set_room`)."""
        self.set_combo.currentIndexChanged.connect(self._fill)

    def show_confusion(self, confusions: tuple[Confusion, Confusion] | None) -> None:
        """The (train, validation) matrices of the run on display; None hides the view."""
        self._confusions = confusions
        self.setVisible(confusions is not None and self._room)
        self._fill()

    def set_room(self, room: bool) -> None:
        """Give way (hide) while the loss and accuracy curves beside it need its width: at
        1024 pixels in presentation mode it left them too narrow for their legends."""
        self._room = room
        self.setVisible(self._confusions is not None and room)

    def shown(self) -> Confusion | None:
        """The matrix on display (the set the combo names)."""
        if self._confusions is None:
            return None
        return self._confusions[self.set_combo.currentIndex()]

    @QtCore.Slot()
    def _fill(self) -> None:
        matrix = self.shown()
        if matrix is None:
            return
        k = matrix.n_classes
        table = self.table
        if table.rowCount() != k:
            table.setRowCount(k)
            table.setColumnCount(k + 1)
            labels = [str(c) for c in range(k)]
            table.setHorizontalHeaderLabels([*labels, "acc."])
            table.setVerticalHeaderLabels(labels)
            for c in range(k):
                for header in (table.horizontalHeaderItem(c), table.verticalHeaderItem(c)):
                    header.setForeground(QtGui.QColor(class_color(c)))
        rows = matrix.counts.sum(axis=1)
        for true in range(k):
            for said in range(k):
                count = int(matrix.counts[true, said])
                share = count / rows[true] if rows[true] else 0.0
                self._set(true, said, f"{count}", share)
            accuracy = matrix.class_accuracy()[true]
            self._set(true, k, "–" if accuracy is None else f"{accuracy:.0%}", None)
        self._fit_width()

    def _fit_width(self) -> None:
        """No wider than the table's columns or the title row need."""
        table = self.table
        columns = sum(table.columnWidth(c) for c in range(table.columnCount()))
        needed = columns + table.verticalHeader().width() + 2 * table.frameWidth() + 4
        top = self.title.sizeHint().width() + self.set_combo.sizeHint().width() + 8
        self.setMaximumWidth(max(needed, top))

    def changeEvent(self, event: QtCore.QEvent) -> None:
        """Presentation mode's larger font needs wider columns."""
        super().changeEvent(event)
        if event.type() == QtCore.QEvent.Type.FontChange and self.shown() is not None:
            self.table.resizeColumnsToContents()
            self._fit_width()

    def _set(self, row: int, column: int, text: str, share: float | None) -> None:
        item = self.table.item(row, column)
        if item is None:
            item = QtWidgets.QTableWidgetItem()
            item.setTextAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
            self.table.setItem(row, column, item)
        item.setText(text)
        if share is not None:
            grey = round(255 - 150 * share)
            item.setBackground(QtGui.QColor(grey, grey, grey))
            item.setForeground(QtGui.QColor("white" if share > 0.6 else "black"))
