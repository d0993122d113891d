"""Placeholder until the real panel lands (being written now)."""

from PySide6 import QtCore, QtWidgets


class MlpPanel(QtWidgets.QWidget):
    statusMessage = QtCore.Signal(str)
    cursorInfo = QtCore.Signal(str)

    def export_plots(self) -> dict:
        return {}
