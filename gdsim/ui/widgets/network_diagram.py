"""A drawing of an MLP whose edges show each weight's sign (colour) and size (thickness).

Why painted by hand rather than with QGraphicsItems: the whole picture changes 30 times a second
while training, and one `paintEvent` over at most a few thousand lines is cheaper than keeping
thousands of scene items in sync. Wide layers show their first units and a "+N more" note, so a
256-unit layer stays legible on a projector.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.core.network import unit_weights
from gdsim.ui.style import scaled

MAX_SHOWN_UNITS = 10
POSITIVE = QtGui.QColor("#0072B2")
NEGATIVE = QtGui.QColor("#D55E00")
UNKNOWN = QtGui.QColor("#9e9e9e")
MAX_EDGE_WIDTH = 5.0


def shown_units(width: int) -> int:
    """How many units of a layer are drawn (the rest are summarised as '+N')."""
    return min(width, MAX_SHOWN_UNITS)


class NetworkDiagram(QtWidgets.QWidget):
    """`set_architecture(widths, labels)` draws the layers; `set_weights(per-layer (W, b))`
    then styles the edges. Without weights the edges are thin and grey."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(240, 180)
        self._widths: tuple[int, ...] = ()
        self._labels: tuple[str, ...] = ()
        self._weights: list[np.ndarray] = []
        self._rendered: QtGui.QPixmap | None = None
        """The last picture, reused until the weights, layers or size change: other widgets'
        updates repaint this one too, and antialiased wide edges are slow to draw."""
        self.setToolTip(
            "Edges: blue = positive weight, orange = negative; thicker = larger |weight|"
        )

    def set_architecture(self, widths: Sequence[int], labels: Sequence[str]) -> None:
        self._widths = tuple(widths)
        self._labels = tuple(labels)
        self._weights = []
        self._rendered = None
        self.update()

    def set_weights(self, layers: Sequence[tuple[np.ndarray, np.ndarray]]) -> None:
        """Per Linear layer (weight (out, in), bias); only the drawn units' weights are kept,
        a maxout layer's pieces folded into its units (`unit_weights`)."""
        widths = self._widths[1:]
        per_unit = [
            unit_weights(np.asarray(w), widths[i] if i < len(widths) else w.shape[0])
            for i, (w, _) in enumerate(layers)
        ]
        self._weights = [w[: shown_units(w.shape[0]), : shown_units(w.shape[1])] for w in per_unit]
        self._rendered = None
        self.update()

    def edge_count(self) -> int:
        """Edges drawn (tests and the tooltip use it)."""
        return sum(shown_units(a) * shown_units(b) for a, b in itertools.pairwise(self._widths))

    def _unit_positions(self) -> list[list[QtCore.QPointF]]:
        margin_x, top = 36.0, 18.0
        bottom = 2.0 * self.fontMetrics().height() + 14.0  # two lines of layer labels
        area_w = max(1.0, self.width() - 2 * margin_x)
        area_h = max(1.0, self.height() - top - bottom)
        columns = len(self._widths)
        positions = []
        for column, width in enumerate(self._widths):
            x = margin_x + (area_w * column / (columns - 1) if columns > 1 else area_w / 2)
            count = shown_units(width)
            gap = area_h / max(count, 1)
            positions.append([QtCore.QPointF(x, top + gap * (row + 0.5)) for row in range(count)])
        return positions

    def rescale(self) -> None:
        """Edges, units and labels (their font too) at the presentation scale, redrawn
        (`gdsim.ui.widgets.presentation`)."""
        self._rendered = None
        self.update()

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        self._rendered = None
        super().resizeEvent(event)

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        if not self._widths:
            return
        if self._rendered is None:
            self._rendered = self._render()
        painter = QtGui.QPainter(self)
        painter.drawPixmap(0, 0, self._rendered)
        painter.end()

    def _render(self) -> QtGui.QPixmap:
        ratio = self.devicePixelRatioF()
        pixmap = QtGui.QPixmap(self.size() * ratio)
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(QtCore.Qt.GlobalColor.transparent)
        painter = QtGui.QPainter(pixmap)
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        painter.setFont(self.font())
        positions = self._unit_positions()
        self._paint_edges(painter, positions)
        self._paint_units(painter, positions)
        painter.end()
        return pixmap

    def _paint_edges(self, painter: QtGui.QPainter, positions: list[list[QtCore.QPointF]]) -> None:
        """Edges grouped by pen (sign x EDGE_LEVELS sizes): a handful of `drawLines` calls
        instead of one call per edge, which matters when the picture updates 30 times a second."""
        finite = [np.abs(w[np.isfinite(w)]) for w in self._weights]
        largest = max((float(f.max()) for f in finite if f.size), default=0.0)
        groups: dict[tuple[int, int], list[QtCore.QLineF]] = {}
        for layer, (sources, targets) in enumerate(itertools.pairwise(positions)):
            weights = self._weights[layer] if layer < len(self._weights) else None
            for t, target in enumerate(targets):
                for s, source in enumerate(sources):
                    key = _edge_key(weights, t, s, largest)
                    groups.setdefault(key, []).append(QtCore.QLineF(source, target))
        for key, lines in groups.items():
            painter.setPen(_edge_pen(*key))
            painter.drawLines(lines)

    def _paint_units(self, painter: QtGui.QPainter, positions: list[list[QtCore.QPointF]]) -> None:
        radius = max(4.0, min(scaled(11.0), (self.height() - 60) / (2.6 * MAX_SHOWN_UNITS)))
        painter.setPen(QtGui.QPen(QtGui.QColor("#333333"), scaled(1.2)))
        painter.setBrush(QtGui.QColor("#fafafa"))
        metrics = painter.fontMetrics()
        for column, units in enumerate(positions):
            for point in units:
                painter.drawEllipse(point, radius, radius)
            hidden = self._widths[column] - len(units)
            if hidden:
                note = f"+{hidden}"
                last = units[-1]
                painter.drawText(
                    QtCore.QPointF(last.x() + radius + 3, last.y() + metrics.ascent() / 2), note
                )
        for box, text in self.label_layout():
            painter.drawText(box, _LABEL_FLAGS, text)

    def label_layout(self) -> list[tuple[QtCore.QRectF, str]]:
        """Each layer's label as drawn and the rectangle it fills, under its column: on one
        line, or on two, each cut with '…', when the columns are closer than the label is wide
        (at 3+ layers '16 ReLU' and '16 ReLU' ran together)."""
        metrics = self.fontMetrics()
        xs = [units[0].x() for units in self._unit_positions()]
        room = (xs[1] - xs[0] if len(xs) > 1 else float(self.width())) - LABEL_GAP
        height = 2.0 * metrics.height()
        layout = []
        for column, x in enumerate(xs):
            label = self._labels[column] if column < len(self._labels) else ""
            text = _fitted_label(label, metrics, room)
            width = max(metrics.horizontalAdvance(line) for line in text.split("\n"))
            left = min(max(2.0, x - width / 2), self.width() - width - 2)
            layout.append((QtCore.QRectF(left, self.height() - height - 6, width, height), text))
        return layout


LABEL_GAP = 8
"""Pixels kept free between two columns' labels."""


def _fitted_label(label: str, metrics: QtGui.QFontMetrics, width: float) -> str:
    """The label on one line if it fits, else number and activation on two lines, each cut
    with '…' rather than run into the next column's ("1 sigmoid" at 3+ narrow layers)."""
    if metrics.horizontalAdvance(label) <= width:
        return label
    elide = QtCore.Qt.TextElideMode.ElideRight
    return "\n".join(metrics.elidedText(line, elide, int(width)) for line in label.split(" ", 1))


_LABEL_FLAGS = int(QtCore.Qt.AlignmentFlag.AlignHCenter | QtCore.Qt.AlignmentFlag.AlignTop)

EDGE_LEVELS = 8
_NO_WEIGHTS, _NON_FINITE = 0, 2


def _edge_key(weights: np.ndarray | None, t: int, s: int, largest: float) -> tuple[int, int]:
    """(kind, level): kind 1 = positive, -1 = negative, 0 = no weights yet, 2 = non-finite;
    level = |w| / largest quantised to EDGE_LEVELS steps."""
    if weights is None or largest <= 0:
        return _NO_WEIGHTS, 0
    value = float(weights[t, s])
    if not np.isfinite(value):
        return _NON_FINITE, 0
    level = round(min(1.0, abs(value) / largest) * EDGE_LEVELS)
    return (1 if value >= 0 else -1), level


def _edge_pen(kind: int, level: int) -> QtGui.QPen:
    if kind == _NO_WEIGHTS:
        return QtGui.QPen(UNKNOWN, scaled(0.6))
    if kind == _NON_FINITE:
        return QtGui.QPen(UNKNOWN, scaled(1.0), QtCore.Qt.PenStyle.DotLine)
    share = level / EDGE_LEVELS
    color = QtGui.QColor(POSITIVE if kind > 0 else NEGATIVE)
    color.setAlphaF(0.25 + 0.75 * share)
    return QtGui.QPen(color, scaled(0.4 + MAX_EDGE_WIDTH * share))
