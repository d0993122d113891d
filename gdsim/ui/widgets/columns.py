"""The two columns of every panel and view: its controls on the left, its plots on the right."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets


def controls_beside(
    panel: QtWidgets.QWidget, controls: QtWidgets.QWidget, views: QtWidgets.QWidget, width: int
) -> QtWidgets.QSplitter:
    """Lay ``panel`` out as ``controls`` (``width`` px to start with) beside ``views`` (the
    rest, never collapsed), in a splitter named ``controlsSplitter``: presentation mode finds
    every panel's splitter by that name to widen the controls with the fonts."""
    columns = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal, panel)
    columns.setObjectName("controlsSplitter")
    columns.addWidget(controls)
    columns.addWidget(views)
    columns.setCollapsible(1, False)
    columns.setStretchFactor(1, 1)
    columns.setSizes([width, 1000])
    QtWidgets.QHBoxLayout(panel).addWidget(columns)
    return columns
