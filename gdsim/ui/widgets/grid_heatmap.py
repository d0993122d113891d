"""The grid search's heat map: one rectangle per cell, learning rates across, the second axis
up, coloured by final validation loss on a log scale with a colour bar beside it.

Why rectangles and not an `ImageItem`: a diverged cell must not take a colour on the loss
scale, so it is drawn in a light grey hatch with "div" written in it; an unfinished cell is
left white. Every cell also says its value and its verdict's symbol in words and signs, so
the verdict is never told by colour (the verdicts' colours are not used here at all): the loss
scale is one blue, light (high loss) to dark (low), and the best cell is outlined in black.
The view draws a `GridFrame` and reports the cell under a click (`cellClicked(row, col)`) or
under the cursor (`cellHovered(row, col)`, -1 outside); it computes nothing.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.core.grid_search import AXES, CellResult, GridFrame, best_cell
from gdsim.core.verdict import Regime
from gdsim.ui import style

LOSS_COLORS = pg.ColorMap(
    pos=np.array([0.0, 0.5, 1.0]),
    color=np.array([[8, 48, 107], [66, 146, 198], [239, 243, 255]], dtype=np.ubyte),
)
"""Low loss dark blue, high loss nearly white (ColorBrewer's Blues, one hue)."""

HATCH = "#9e9e9e"
BEST_OUTLINE = "#000000"
DARK_TEXT = "#000000"
LIGHT_TEXT = "#ffffff"
LIGHT_BELOW = 0.45
"""Cells darker than this fraction of the scale get white text."""


TEXT_SIZES = ((True, 1.8), (True, 1.4), (True, 1.0), (False, 1.0), (False, 0.8), (False, 0.65))
"""(verdict in words, font size relative to the window's), tried in turn until the texts fit
the cells: a 4x4 grid says "✓ converged" under each value, a 16x12 one "0.057 ✓"."""


def loss_text(cell: CellResult, words: bool = True) -> str:
    """'0.0554' over '✓ converged' (or '0.0554 ✓' in a wide grid): the value a student
    reads and the verdict in a sign and a word, never by colour alone; 'div' when the cell
    diverged."""
    regime = Regime(cell.regime)
    symbol = style.VERDICT_STYLE[regime][0]
    value = f"{cell.val_loss:.3g}" if cell.finite else "div"
    return f"{value}\n{symbol} {regime}" if words else f"{value} {symbol}"


def loss_ticks(low: float, high: float) -> list[tuple[float, str]]:
    """The colour bar's ticks at 1, 2 and 5 times the powers of ten between two log10 ends,
    labelled with the losses themselves (a student reads 0.2, not -0.7)."""
    ticks = []
    for power in range(math.floor(low) - 1, math.ceil(high) + 1):
        for mantissa in (1, 2, 5):
            value = mantissa * 10.0**power
            if low - 1e-9 <= math.log10(value) <= high + 1e-9:
                ticks.append((math.log10(value), f"{value:g}"))
    return ticks or [(low, f"{10**low:.2g}"), (high, f"{10**high:.2g}")]


class GridHeatmap(pg.GraphicsLayoutWidget):
    """The heat map and its colour bar (objectName ``gridPlot``)."""

    cellClicked = QtCore.Signal(int, int)
    cellHovered = QtCore.Signal(int, int)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("gridPlot")
        self.setBackground("w")
        self.plot = self.addPlot(row=0, col=0)
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.invertY(False)
        self.plot.setLabel("bottom", "learning rate η")
        self.bar = pg.ColorBarItem(
            values=(-2, 0), colorMap=LOSS_COLORS, interactive=False, label="validation loss"
        )
        self.addItem(self.bar, row=0, col=1)
        self.bar.hide()
        self._items: list[QtWidgets.QGraphicsItem] = []
        self.frame: GridFrame | None = None
        self.texts: dict[tuple[int, int], str] = {}
        """What each drawn cell says, by (row, col): what tests and the cursor read."""
        self.best: tuple[int, int] | None = None
        self.scene().sigMouseClicked.connect(self._on_click)
        self.scene().sigMouseMoved.connect(self._on_move)

    def rescale(self) -> None:
        """Presentation mode changed: rebuild the texts and outline at the new scale."""
        if self.frame is not None:
            self.draw(self.frame)

    def draw(self, frame: GridFrame) -> None:
        self.frame = frame
        for item in self._items:
            self.plot.removeItem(item)
        self._items = []
        self.texts = {}
        grid = frame.grid
        rows, cols = grid.shape
        self.plot.setLabel("left", AXES[grid.axis])
        self.plot.getAxis("bottom").setTicks([[(c, f"{lr:g}") for c, lr in enumerate(grid.lrs)]])
        self.plot.getAxis("left").setTicks([[(r, str(v)) for r, v in enumerate(grid.values)]])
        self.plot.setXRange(-0.5, cols - 0.5, padding=0)
        self.plot.setYRange(-0.5, rows - 0.5, padding=0)
        finite = [c for c in frame.cells if c.finite]
        low, high = _levels([c.val_loss for c in finite])
        self.bar.setLevels((low, high))
        self.bar.axis.setTicks([loss_ticks(low, high)])
        self.bar.setVisible(bool(finite))
        best = best_cell(frame.cells)
        words, font = self._text_size(frame)
        self.best = None if best is None else (best.row, best.col)
        for cell in frame.cells:
            self._draw_cell(cell, low, high, font, words, cell is best)
        if best is not None:
            # Black around white: seen on the darkest blue and on the palest alike.
            for color, width, inset in ((BEST_OUTLINE, 5, 0.04), ("w", 2, 0.09)):
                outline = QtWidgets.QGraphicsRectItem(
                    best.col - 0.5 + inset, best.row - 0.5 + inset, 1 - 2 * inset, 1 - 2 * inset
                )
                pen = pg.mkPen(color, width=style.scaled(width))
                pen.setCosmetic(True)
                outline.setPen(pen)
                self._add(outline)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        """The texts' size follows the cells' size on screen."""
        super().resizeEvent(event)
        frame = getattr(self, "frame", None)  # pyqtgraph resizes while it is built
        if frame is not None:
            self.draw(frame)

    def _text_size(self, frame: GridFrame) -> tuple[bool, QtGui.QFont]:
        """The largest text style whose every cell text fits its cell on screen."""
        rows, cols = frame.grid.shape
        box = self.plot.vb.boundingRect()
        width, height = 0.9 * box.width() / cols, 0.9 * box.height() / rows
        for words, relative in TEXT_SIZES:
            font = style.badge_font(relative)
            metrics = QtGui.QFontMetricsF(font)
            lines = [
                line
                for cell in frame.cells
                for line in (loss_text(cell, words) + ("\nbest" if words else "")).split("\n")
            ]
            count = 3 if words else 1
            widest = max((metrics.horizontalAdvance(line) for line in lines), default=0.0)
            if widest <= width and count * metrics.lineSpacing() <= height:
                return words, font
        return False, font

    def _draw_cell(
        self,
        cell: CellResult,
        low: float,
        high: float,
        font: QtGui.QFont,
        words: bool,
        best: bool,
    ) -> None:
        rect = QtWidgets.QGraphicsRectItem(cell.col - 0.5, cell.row - 0.5, 1.0, 1.0)
        rect.setPen(pg.mkPen("w", width=1))
        if cell.finite:
            share = (math.log10(cell.val_loss) - low) / (high - low) if high > low else 0.5
            share = min(1.0, max(0.0, share))
            rect.setBrush(pg.mkBrush(LOSS_COLORS.map(share, mode="qcolor")))
            color = LIGHT_TEXT if share < LIGHT_BELOW else DARK_TEXT
        else:
            brush = QtGui.QBrush(QtGui.QColor(HATCH), QtCore.Qt.BrushStyle.BDiagPattern)
            brush.setTransform(QtGui.QTransform.fromScale(0.02, 0.02))
            rect.setBrush(brush)
            color = DARK_TEXT
        self._add(rect)
        text = loss_text(cell, words) + ("\nbest" if best and words else "")
        label = pg.TextItem(text, color=color, anchor=(0.5, 0.5))
        label.setFont(font)
        centred = QtGui.QTextOption(QtCore.Qt.AlignmentFlag.AlignHCenter)
        label.textItem.document().setDefaultTextOption(centred)
        label.textItem.setTextWidth(label.textItem.document().idealWidth())
        if not cell.finite:
            label.fill = pg.mkBrush("w")
        label.setPos(cell.col, cell.row)
        self._add(label)
        self.texts[(cell.row, cell.col)] = text

    def _add(self, item: QtWidgets.QGraphicsItem) -> None:
        self.plot.addItem(item)
        self._items.append(item)

    def _cell_at(self, scene_pos: QtCore.QPointF) -> tuple[int, int] | None:
        if self.frame is None or not self.plot.sceneBoundingRect().contains(scene_pos):
            return None
        point = self.plot.vb.mapSceneToView(scene_pos)
        row, col = round(point.y()), round(point.x())
        rows, cols = self.frame.grid.shape
        return (row, col) if 0 <= row < rows and 0 <= col < cols else None

    def _on_click(self, event: object) -> None:
        cell = self._cell_at(event.scenePos())  # type: ignore[attr-defined]
        if cell is not None:
            self.cellClicked.emit(*cell)

    def _on_move(self, scene_pos: QtCore.QPointF) -> None:
        cell = self._cell_at(scene_pos)
        self.cellHovered.emit(*(cell or (-1, -1)))


def _levels(losses: list[float]) -> tuple[float, float]:
    """The colour scale's ends in log10 units: the finite losses' range (a decade around a
    single value, so one cell still has a colour in the middle)."""
    if not losses:
        return -2.0, 0.0
    logs = [math.log10(loss) if loss > 0 else -12.0 for loss in losses]
    low, high = min(logs), max(logs)
    if high - low < 1e-9:
        return low - 0.5, high + 0.5
    return low, high
