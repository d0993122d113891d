"""A plot legend that never covers the data: a framed strip above the plot, in as many columns
as fit.

pyqtgraph's own legend floats over the view box at a fixed corner: on a compare run's loss plot
it hid the η = 10 curve, and on the Beale demo a trajectory. The emptiest corner changes with
every run and may not exist (a diverging run crosses them all), so the legend takes its own row
in the plot's layout, the title's (gdsim's plots have no title), above the view box, where it
takes space from the plot instead of covering it. Its entries flow into as many columns as the
plot's width holds, so four runs take one row on a wide plot and two on a narrow one. It stays
inside the plot item, so exported figures keep it.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtCore

BACKGROUND = (255, 255, 255, 230)
FRAME = "#c8c8c8"
SPACING = 14
"""Pixels between two columns of entries."""

MAX_HEIGHT_SHARE = 0.3
"""A legend that would take more of its plot's height than this is left out: on a plot that
small (a narrow loss plot at 1024 pixels in presentation mode) the curves matter more, and the
plots beside it name the same runs in the same colours."""

TITLE_ROW = 0
"""The row of pyqtgraph's plot layout that holds the (unused) title, above the top axis."""


class OutsideLegend(pg.LegendItem):
    """A legend placed by ``plot_item``'s layout above its view box (see the module docstring)."""

    def __init__(self, plot_item: pg.PlotItem, text_size: str = "10pt") -> None:
        super().__init__(offset=None, labelTextSize=text_size, brush=BACKGROUND, pen=FRAME)
        self._plot_item = plot_item
        self._fitting = False
        self.layout.setHorizontalSpacing(SPACING)
        self.layout.setContentsMargins(6, 1, 6, 1)
        grid = plot_item.layout
        grid.removeItem(plot_item.titleLabel)  # hidden and empty: gdsim's plots have no title
        grid.addItem(self, TITLE_ROW, 0, 1, 2)  # over the left axis and the view box
        grid.setAlignment(self, QtCore.Qt.AlignmentFlag.AlignCenter)
        # PlotItem fixes the title row at 0 px while there is no title: let it hold the legend.
        grid.setRowMinimumHeight(TITLE_ROW, 0)
        grid.setRowMaximumHeight(TITLE_ROW, 10_000)
        # Refit after a resize, not inside it: changing the legend's rows while the plot's
        # layout is placing its items would re-enter that layout.
        self._refit = QtCore.QTimer(self)
        self._refit.setSingleShot(True)
        self._refit.setInterval(0)
        self._refit.timeout.connect(self.fit)
        plot_item.getViewBox().sigResized.connect(self._refit.start)

    def updateSize(self) -> None:
        """pyqtgraph sizes a floating legend itself; this one asks the plot's layout."""
        self.fit()
        self.updateGeometry()

    def setLabelTextSize(self, size: str) -> None:
        """pyqtgraph only records the size: the labels are redrawn at it here."""
        super().setLabelTextSize(size)
        for _, label in self.items:
            label.setText(label.text)
        self.fit()

    def fit(self) -> None:
        """As many columns as the plot's width holds (one at least): the strip may reach over
        the axis beside the view box, which holds no data."""
        if not self.items or self._fitting:
            return
        self._fitting = True
        room = self._plot_item.getViewBox().width() + self._plot_item.getAxis("left").width()
        views = self._plot_item.scene().views() if self._plot_item.scene() else []
        if views:  # a legend wider than its widget had stretched the plot past the widget
            room = min(room, views[0].viewport().width() - 2 * SPACING)
        preferred = QtCore.Qt.SizeHint.PreferredSize
        columns = len(self.items)
        self.setColumnCount(columns)
        while columns > 1 and self._width(preferred) > room:
            columns -= 1
            self.setColumnCount(columns)
        self.setMaximumWidth(room)  # never wider than the room: the plot would stretch instead
        height = self.layout.effectiveSizeHint(preferred).height()
        fits = height <= MAX_HEIGHT_SHARE * self._plot_item.height()
        self.setVisible(fits)
        self.setMaximumHeight(height if fits else 0)
        self._fitting = False

    def _width(self, which: QtCore.Qt.SizeHint) -> float:
        self.layout.invalidate()
        return self.layout.effectiveSizeHint(which).width()

    def setColumnCount(self, columnCount: int) -> None:
        if columnCount != self.columnCount:
            super().setColumnCount(columnCount)
            self.updateGeometry()
