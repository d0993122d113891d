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
    and its verdict badge three lines tall. So the column keeps the width last chosen for it
    (set in code, or its handle dragged) only up to MAX_CONTROLS_SHARE of the panel (never
    below its minimum), at every size the window takes: a smaller window narrows it, a larger
    one gives it back, up to that width."""

    def __init__(self, orientation: QtCore.Qt.Orientation, parent: QtWidgets.QWidget) -> None:
        super().__init__(orientation, parent)
        self._wanted: int | None = None
        """The controls' width last chosen (by `setSizes` or the handle)."""
        self.splitterMoved.connect(self._remember_handle)

    def setSizes(self, sizes: list[int]) -> None:
        self._wanted = sizes[0]
        super().setSizes(sizes)
        self._fit()

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _remember_handle(self) -> None:
        self._wanted = self.sizes()[0]

    def _fit(self) -> None:
        controls, rest = self.sizes()
        total = controls + rest
        if self._wanted is None or not total:
            return
        share = max(round(total * MAX_CONTROLS_SHARE), self.widget(0).minimumSizeHint().width())
        width = min(self._wanted, share)
        if controls and width != controls:
            super().setSizes([width, total - width])


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
