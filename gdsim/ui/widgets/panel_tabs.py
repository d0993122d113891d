"""Tabs for the main window's panels: a QTabBar over a QStackedWidget.

Why not QTabWidget: it answers every layout request from its current page by repainting the
whole page. Our panels change label texts 30-60 times a second (verdicts while a slider is
dragged, step counts while training), and each change repainted every plot in the window:
measured here, that halved training throughput (Python painting holds the GIL the worker
needs). A bare QStackedWidget repaints only what changed.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets


class PanelTabs(QtWidgets.QWidget):
    """The subset of QTabWidget's API the window uses, with the same names."""

    currentChanged = QtCore.Signal(int)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = QtWidgets.QTabBar(self)
        self.bar.setDocumentMode(True)
        self.bar.setExpanding(False)
        self.stack = QtWidgets.QStackedWidget(self)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.bar)
        layout.addWidget(self.stack, 1)
        self.bar.currentChanged.connect(self.stack.setCurrentIndex)
        self.bar.currentChanged.connect(self.currentChanged)

    def addTab(self, widget: QtWidgets.QWidget, title: str) -> int:
        self.stack.addWidget(widget)
        return self.bar.addTab(title)

    def count(self) -> int:
        return self.stack.count()

    def currentIndex(self) -> int:
        return self.stack.currentIndex()

    def setCurrentIndex(self, index: int) -> None:
        self.bar.setCurrentIndex(index)

    def currentWidget(self) -> QtWidgets.QWidget:
        return self.stack.currentWidget()

    def setCurrentWidget(self, widget: QtWidgets.QWidget) -> None:
        self.bar.setCurrentIndex(self.stack.indexOf(widget))

    def widget(self, index: int) -> QtWidgets.QWidget:
        return self.stack.widget(index)

    def tabText(self, index: int) -> str:
        return self.bar.tabText(index)
