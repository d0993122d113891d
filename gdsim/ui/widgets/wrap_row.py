"""A row of widgets that stacks them when it is too narrow for them side by side.

The surface explorer's header (the verdict badge, then the playback controls) is one row at
1280 pixels, but at 1024 pixels, or with presentation mode's larger text, the two together are
wider than the plots under them, and a plain row would set the window's minimum width. A
`WrapRow` asks only for its widest widget's width and goes from a row to a column below the
width its widgets need side by side. The first widget's need is counted as ROOM_CHARACTERS
characters, not its text of the moment: a verdict changes every frame, the arrangement should
not (nor hook every layout request: Python event overrides that run while Qt tears a widget
down are a crash risk).
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

ROOM_CHARACTERS = 30
"""Room for the first widget: a verdict such as '✓ η = 0.01 Nesterov: converged in 100 steps'."""


class WrapRow(QtWidgets.QWidget):
    """``widgets`` left to right (the first stretched), or top to bottom when narrow."""

    def __init__(
        self, widgets: list[QtWidgets.QWidget], parent: QtWidgets.QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._widgets = widgets
        self._layout = QtWidgets.QBoxLayout(QtWidgets.QBoxLayout.Direction.LeftToRight, self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        for index, widget in enumerate(widgets):
            self._layout.addWidget(widget, 1 if index == 0 else 0)

    def is_wrapped(self) -> bool:
        return self._layout.direction() == QtWidgets.QBoxLayout.Direction.TopToBottom

    def _side_by_side_width(self) -> int:
        """The width the widgets need in one row: room for the first one's words, the others'
        size hints."""
        first, *others = self._widgets
        spacing = self._layout.spacing() * len(others)
        room = first.fontMetrics().averageCharWidth() * ROOM_CHARACTERS
        return room + sum(widget.sizeHint().width() for widget in others) + spacing

    def minimumSizeHint(self) -> QtCore.QSize:
        width = max(widget.minimumSizeHint().width() for widget in self._widgets)
        return QtCore.QSize(width, self._layout.minimumSize().height())

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange(event.size().width())

    def rescale(self) -> None:
        """Presentation mode changed the fonts: the row may need the other arrangement."""
        self._arrange(self.width())

    def _arrange(self, width: int) -> None:
        direction = QtWidgets.QBoxLayout.Direction
        narrow = width < self._side_by_side_width()
        wanted = direction.TopToBottom if narrow else direction.LeftToRight
        if wanted != self._layout.direction():
            self._layout.setDirection(wanted)
            self.updateGeometry()
