"""The two columns of every panel and view: its controls on the left, its plots on the right."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

MAX_CONTROLS_SHARE = 0.4
"""The most of a panel's width the controls column takes when it widens for larger text, and
what a shrinking window leaves it."""


class ControlsSplitter(QtWidgets.QSplitter):
    """The controls beside the views. A splitter gives a shrinking window's loss to the column
    that stretches, the views: a controls column widened for presentation mode at 1920 pixels
    kept its 600 pixels at 1024, leaving the network's plots 400, its decision map cut in half
    and its verdict badge three lines tall. A shrinking window takes the controls column down
    to MAX_CONTROLS_SHARE first (never below its minimum); a handle the teacher drags, or a
    growing window, keeps the width they set."""

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() >= event.oldSize().width():
            return
        controls, rest = self.sizes()
        total = controls + rest
        cap = max(round(total * MAX_CONTROLS_SHARE), self.widget(0).minimumSizeHint().width())
        if controls > cap:
            self.setSizes([cap, total - cap])


def controls_beside(
    panel: QtWidgets.QWidget, controls: QtWidgets.QWidget, views: QtWidgets.QWidget, width: int
) -> QtWidgets.QSplitter:
    """Lay ``panel`` out as ``controls`` (``width`` px to start with) beside ``views`` (the
    rest, never collapsed), in a splitter named ``controlsSplitter``: presentation mode finds
    every panel's splitter by that name to widen the controls with the fonts."""
    columns = ControlsSplitter(QtCore.Qt.Orientation.Horizontal, panel)
    columns.setObjectName("controlsSplitter")
    columns.addWidget(controls)
    columns.addWidget(views)
    columns.setCollapsible(1, False)
    columns.setStretchFactor(1, 1)
    columns.setSizes([width, 1000])
    QtWidgets.QHBoxLayout(panel).addWidget(columns)
    return columns
