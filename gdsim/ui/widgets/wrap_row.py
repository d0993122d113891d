"""A row of widgets that stacks them when it is too narrow for them side by side.

The surface explorer's header (the verdict badge, then the playback controls) is one row at
1280 pixels, but at 1024 pixels, or with presentation mode's larger text, the two together are
wider than the plots under them, and a plain row would set the window's minimum width. A
`WrapRow` asks only for its widest widget's width and goes from a row to a column below the
width its widgets need side by side.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets


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
        """The width the widgets need in one row (their size hints: comfortable, not cramped)."""
        spacing = self._layout.spacing() * (len(self._widgets) - 1)
        return sum(widget.sizeHint().width() for widget in self._widgets) + spacing

    def minimumSizeHint(self) -> QtCore.QSize:
        width = max(widget.minimumSizeHint().width() for widget in self._widgets)
        return QtCore.QSize(width, self._layout.minimumSize().height())

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange(event.size().width())

    def event(self, event: QtCore.QEvent) -> bool:
        """A widget's new text or font (presentation mode) may need the other arrangement."""
        handled = super().event(event)
        if event.type() in (QtCore.QEvent.Type.LayoutRequest, QtCore.QEvent.Type.FontChange):
            self._arrange(self.width())
        return handled

    def _arrange(self, width: int) -> None:
        direction = QtWidgets.QBoxLayout.Direction
        narrow = width < self._side_by_side_width()
        wanted = direction.TopToBottom if narrow else direction.LeftToRight
        if wanted != self._layout.direction():
            self._layout.setDirection(wanted)
            self.updateGeometry()
