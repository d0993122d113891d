"""The computational graph drawn in a pyqtgraph plot: inputs left, output right, a labelled box
per node and a local partial derivative on each edge, the backward pass's gradients in their own
colour (`style.GRADIENT_COLOR`).

Boxes and labels are ordinary graphics items inside the plot's view box, in its coordinates
(y pointing down, aspect locked), so their text zooms with the picture: a long formula is
fitted into the view whole, and File > Export figure renders it like any plot. The layout is
measured with every line a box will ever show (value and gradient), so nothing moves while the
passes are stepped through; a step only changes the texts and pens that differ.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.core.autograd_graph import Edge, Graph, Node, number
from gdsim.ui import style

MAX_ZOOM = 1.6
"""The most a small graph is enlarged to fill the view (its text 1.6 times the window's)."""
BOX_PADDING = 4.0
LINE_COLOR = "#555555"
TEXT_COLOR = "#000000"

Line = tuple[str, str]
"""One line of a box or label: its text and its kind ("title", "plain", "grad", "partial")."""


@dataclass
class _Box:
    rect: QtCore.QRectF
    column_left: float
    """Where the box's column starts (boxes are centred in their column)."""


class GraphCanvas(pg.PlotWidget):
    """Draws a `Graph` at a stage of its passes (see `draw`)."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        item = self.getPlotItem()
        for axis in ("left", "bottom"):
            item.hideAxis(axis)
        item.hideButtons()
        item.setMenuEnabled(False)
        self.view_box = item.getViewBox()
        self.view_box.invertY(True)
        self.view_box.setAspectLocked(True)
        self.view_box.sigResized.connect(self.fit)
        self._root: QtWidgets.QGraphicsRectItem | None = None
        self._bounds = QtCore.QRectF()
        self._graph: Graph | None = None
        self._shown = -1
        self._drawn_font = self._font()
        self._lines: list[
            tuple[tuple[str, str], QtWidgets.QGraphicsLineItem, QtWidgets.QGraphicsPolygonItem]
        ] = []
        self._labels: list[tuple[Edge, _TextBlock]] = []
        self._boxes: dict[str, tuple[QtWidgets.QGraphicsRectItem, _TextBlock]] = {}

    # -- public ---------------------------------------------------------------------------

    def draw(self, graph: Graph, shown: int) -> None:
        """Show ``graph`` with ``shown`` stages: -1 structure only, 0 the forward values,
        k >= 1 the first k visits of the backward pass (the k-th highlighted). A new graph is
        laid out, its items made and fitted into view; a new stage only updates the texts and
        pens that change (a step redraws in a few milliseconds)."""
        self._shown = shown
        if graph is not self._graph:
            self._graph = graph
            self._build()
            self.fit()
        self._update()

    def rescale(self) -> None:
        """Presentation mode changed the window's font: lay the graph out again at its size."""
        if self._graph is not None:
            self._build()
            self._update()
            self.fit()

    @QtCore.Slot()
    def fit(self) -> None:
        """The whole graph in view, enlarged at most MAX_ZOOM times."""
        size = self.view_box.size()
        if self._bounds.isEmpty() or size.width() <= 0 or size.height() <= 0:
            return
        bounds = self._bounds.adjusted(-12, -12, 12, 12)
        zoom = min(size.width() / bounds.width(), size.height() / bounds.height(), MAX_ZOOM)
        shown = QtCore.QRectF(0, 0, size.width() / zoom, size.height() / zoom)
        shown.moveCenter(bounds.center())
        self.view_box.setRange(shown, padding=0)

    def node_font(self) -> QtGui.QFont:
        """The font the boxes were last drawn in (for tests)."""
        return QtGui.QFont(self._drawn_font)

    def node_text(self, node_id: str) -> str:
        """The plain text of a node's box as drawn (for tests)."""
        return self._boxes[node_id][1].text()

    # -- drawing --------------------------------------------------------------------------

    def _font(self) -> QtGui.QFont:
        """The widget's font sized in pixels: one scene unit is one pixel at zoom 1."""
        font = QtGui.QFont(self.font())
        font.setPixelSize(QtGui.QFontInfo(self.font()).pixelSize())
        return font

    def _build(self) -> None:
        """Lay the graph out and make its items (lines with arrow heads, derivative labels on
        a white ground, boxes; `_update` writes their text), all children of one item in the
        view box: adding each to the view box costs a millisecond of bookkeeping."""
        graph = self._graph
        assert graph is not None
        if self._root is not None:
            self.view_box.removeItem(self._root)
        self._root = root = QtWidgets.QGraphicsRectItem()
        root.setPen(QtGui.QPen(QtCore.Qt.PenStyle.NoPen))
        self.view_box.addItem(root)
        font = self._drawn_font = self._font()
        metrics = _Metrics(font)
        boxes = self._layout(graph, metrics)
        self._lines = []
        for node in graph.nodes:
            for source in node.inputs:
                start = QtCore.QPointF(boxes[source].rect.right(), boxes[source].rect.center().y())
                end = QtCore.QPointF(boxes[node.id].rect.left(), boxes[node.id].rect.center().y())
                line = QtWidgets.QGraphicsLineItem(QtCore.QLineF(start, end), root)
                arrow = _arrow_head(start, end, metrics.line / 2)
                head = QtWidgets.QGraphicsPolygonItem(arrow, root)
                head.setPen(QtGui.QPen(QtCore.Qt.PenStyle.NoPen))
                self._lines.append(((source, node.id), line, head))
        self._labels = []
        for edge, rect in _label_places(graph.edges, boxes, metrics):
            ground = QtWidgets.QGraphicsRectItem(rect, root)
            ground.setPen(QtGui.QPen(QtCore.Qt.PenStyle.NoPen))
            ground.setBrush(pg.mkBrush(255, 255, 255, 230))
            self._labels.append((edge, _TextBlock(rect, 0.0, LINE_COLOR, metrics, root)))
        self._boxes = {}
        for node in graph.nodes:
            rect = boxes[node.id].rect
            box = QtWidgets.QGraphicsRectItem(rect, root)
            box.setBrush(pg.mkBrush("#ffffff"))
            self._boxes[node.id] = (box, _TextBlock(rect, BOX_PADDING, TEXT_COLOR, metrics, root))

    def _update(self) -> None:
        """Texts and pens for the stage shown: values after the forward pass, gradients as
        the backward pass reaches them, the current node and the edges it sums over in the
        gradient colour."""
        graph, shown = self._graph, self._shown
        assert graph is not None
        current = graph.steps[shown - 1] if shown >= 1 else None
        grads = current.grads if current else {}
        visited = {step.node for step in graph.steps[: max(shown, 0)]}
        lit_edges = {(e.source, e.target) for e in current.terms} if current else set()
        for key, line, head in self._lines:
            lit = key in lit_edges
            line.setPen(_pen(style.GRADIENT_COLOR if lit else LINE_COLOR, 3.0 if lit else 1.3))
            head.setBrush(pg.mkBrush(style.GRADIENT_COLOR if lit else LINE_COLOR))
        for edge, label in self._labels:
            label.show(_edge_lines(edge, shown >= 0))
        for node in graph.nodes:
            box, text = self._boxes[node.id]
            lit = current is not None and current.node == node.id
            box.setPen(_pen(style.GRADIENT_COLOR if lit else LINE_COLOR, 3.0 if lit else 1.3))
            text.show(_node_lines(node, graph.output.id, shown, grads, visited))

    def _layout(self, graph: Graph, metrics: _Metrics) -> dict[str, _Box]:
        """Box rectangles: columns from `Graph.layers`, each as wide as its widest box, with
        room before it for the widest derivative label of the edges that end there."""
        done, output = len(graph.steps), graph.output.id
        sizes = {}
        for node in graph.nodes:
            complete = metrics.size(_node_lines(node, output, done, graph.grads, None))
            partial = metrics.size(_node_lines(node, output, done, graph.grads, set()))
            sizes[node.id] = complete.expandedTo(partial) + QtCore.QSizeF(
                2 * BOX_PADDING, 2 * BOX_PADDING
            )
        label_width: dict[str, float] = {}
        for edge in graph.edges:
            width = metrics.size(_edge_lines(edge, True)).width()
            label_width[edge.target] = max(label_width.get(edge.target, 0.0), width)
        row_pitch = max(size.height() for size in sizes.values()) + 2.5 * metrics.line
        boxes: dict[str, _Box] = {}
        left = 0.0
        for ids in graph.layers():
            gap = max((label_width.get(i, 0.0) for i in ids), default=0.0)
            left += gap + metrics.line if boxes else 0.0
            width = max(sizes[i].width() for i in ids)
            for k, node_id in enumerate(ids):
                rect = QtCore.QRectF(QtCore.QPointF(0, 0), sizes[node_id])
                rect.moveCenter(
                    QtCore.QPointF(left + width / 2, (k - (len(ids) - 1) / 2) * row_pitch)
                )
                boxes[node_id] = _Box(rect, left)
            left += width
        bounds = QtCore.QRectF()
        for box in boxes.values():
            bounds = bounds.united(box.rect)
        self._bounds = bounds
        return boxes


class _Metrics:
    """Sizes of box and label lines from font metrics (rich-text layout is a hundred times
    slower, and the lines are plain text in a few styles)."""

    def __init__(self, font: QtGui.QFont) -> None:
        bold, italic = QtGui.QFont(font), QtGui.QFont(font)
        bold.setBold(True)
        italic.setItalic(True)
        self.fonts = {"title": bold, "grad": bold, "partial": italic, "plain": font}
        self.by_kind = {kind: QtGui.QFontMetricsF(f) for kind, f in self.fonts.items()}
        self.line = self.by_kind["plain"].lineSpacing()
        self._brushes: dict[str, QtGui.QBrush] = {}

    def brush(self, color: str) -> QtGui.QBrush:
        """One brush per colour for all the lines (pyqtgraph's mkBrush parses each time)."""
        if color not in self._brushes:
            self._brushes[color] = pg.mkBrush(color)
        return self._brushes[color]

    def size(self, lines: Sequence[Line]) -> QtCore.QSizeF:
        width = max(self.by_kind[kind].horizontalAdvance(text) for text, kind in lines)
        return QtCore.QSizeF(width + 2, len(lines) * self.line + 2)  # +2: a pixel each side


class _TextBlock:
    """Lines of plain text centred in a rectangle, one simple text item each (rich text cost
    a millisecond a box to lay out), remade only when the lines change; gradients in their
    colour."""

    def __init__(
        self,
        rect: QtCore.QRectF,
        padding: float,
        color: str,
        metrics: _Metrics,
        parent: QtWidgets.QGraphicsItem,
    ) -> None:
        self._rect, self._padding, self._color = rect, padding, color
        self._metrics, self._parent = metrics, parent
        self._lines: tuple[Line, ...] = ()
        self._group: QtWidgets.QGraphicsRectItem | None = None

    def show(self, lines: Sequence[Line]) -> None:
        if tuple(lines) == self._lines and self._group is not None:
            return
        if self._group is not None and self._group.scene() is not None:
            self._group.scene().removeItem(self._group)
        group = QtWidgets.QGraphicsRectItem(self._parent)
        group.setPen(QtGui.QPen(QtCore.Qt.PenStyle.NoPen))
        for row, (text, kind) in enumerate(lines):
            item = QtWidgets.QGraphicsSimpleTextItem(text, group)
            item.setFont(self._metrics.fonts[kind])
            gradient = kind in ("grad", "partial")
            item.setBrush(self._metrics.brush(style.GRADIENT_COLOR if gradient else self._color))
            width = self._metrics.by_kind[kind].horizontalAdvance(text)
            top = self._rect.top() + self._padding + row * self._metrics.line
            item.setPos(self._rect.center().x() - width / 2, top)
        self._group, self._lines = group, tuple(lines)

    def text(self) -> str:
        return "\n".join(text for text, _kind in self._lines)


def _node_lines(
    node: Node,
    output: str,
    shown: int,
    grads: Mapping[str, float],
    visited: set[str] | None,
) -> list[Line]:
    """The box's lines: what the node is, its value after the forward pass, its gradient
    (complete once visited, or when ``visited`` is None; before, "so far": the sum of the
    contributions added by the nodes visited). Name and number on two lines, to keep the
    boxes narrow."""
    title = node.formula if node.op in ("input", "const") else f"{node.id} = {node.formula}"
    lines: list[Line] = [(title, "title")]
    if shown >= 0 and (node.op != "const" or node.formula != number(node.value)):
        lines.append((f"= {number(node.value)}", "plain"))
    grad = grads.get(node.id)
    if grad is not None and node.op != "const":
        name = f"∂{output}/∂{node.id}"
        if visited is None or node.id in visited:
            lines += [(name, "grad"), (f"= {number(grad)}", "grad")]
        elif grad != 0.0:
            lines += [(f"{name} so far", "partial"), (f"= {number(grad)}", "partial")]
    return lines


def _edge_lines(edge: Edge, with_value: bool) -> list[Line]:
    """∂b/∂a, its formula, its value: on separate lines, so that the gaps between the
    columns (as wide as these labels) stay narrow; a short formula on the name's line."""
    name = f"∂{edge.target}/∂{edge.source}"
    if len(edge.symbolic) <= 3:
        lines: list[Line] = [(f"{name} = {edge.symbolic}", "plain")]
    else:
        lines = [(f"{name} =", "plain"), (edge.symbolic, "plain")]
    if with_value and edge.symbolic != number(edge.value):
        lines.append((f"= {number(edge.value)}", "plain"))
    return lines


def _arrow_head(start: QtCore.QPointF, end: QtCore.QPointF, size: float) -> QtGui.QPolygonF:
    """A filled triangle with its tip at ``end``, pointing along start -> end."""
    line = QtCore.QLineF(end, start)
    if line.length() == 0:
        return QtGui.QPolygonF()
    unit = line.unitVector()
    back = QtCore.QPointF(unit.dx() * size, unit.dy() * size)
    side = QtCore.QPointF(-back.y() * 0.45, back.x() * 0.45)
    return QtGui.QPolygonF([end, end + back + side, end + back - side])


def _pen(color: str, width: float) -> QtGui.QPen:
    """A cosmetic pen (its width in screen pixels at any zoom) at the presentation scale."""
    pen = pg.mkPen(color, width=style.scaled(width))
    pen.setCosmetic(True)
    return pen


def _label_places(
    edges: Sequence[Edge], boxes: Mapping[str, _Box], metrics: _Metrics
) -> list[tuple[Edge, QtCore.QRectF]]:
    """Each derivative's label on its edge, in the gap just before the target's column, its
    place measured with its value shown; labels in the same gap that would overlap are pushed
    apart vertically."""
    places: list[tuple[Edge, QtCore.QRectF]] = []
    for edge in edges:
        source, target = boxes[edge.source].rect, boxes[edge.target].rect
        start = QtCore.QPointF(source.right(), source.center().y())
        end = QtCore.QPointF(target.left(), target.center().y())
        size = metrics.size(_edge_lines(edge, True))
        x = boxes[edge.target].column_left - metrics.line / 2 - size.width() / 2
        share = 0.0 if end.x() == start.x() else (x - start.x()) / (end.x() - start.x())
        y = start.y() + (end.y() - start.y()) * min(max(share, 0.0), 1.0)
        rect = QtCore.QRectF(QtCore.QPointF(0, 0), size)
        rect.moveCenter(QtCore.QPointF(x, y))
        places.append((edge, rect))
    by_gap: dict[float, list[QtCore.QRectF]] = {}
    for _edge, rect in sorted(places, key=lambda place: place[1].center().y()):
        column = by_gap.setdefault(round(rect.right()), [])
        for other in column:
            if rect.intersects(other):
                rect.moveTop(other.bottom() + 1)
        column.append(rect)
    return places
