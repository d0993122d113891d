"""A drawing of an MLP whose edges show each weight's sign (colour) and size (thickness), and
whose units show what each computes over the input plane (a small heat map, TensorFlow
Playground's per-neuron maps).

Why painted by hand rather than with QGraphicsItems: the whole picture changes 30 times a second
while training, and one `paintEvent` over at most a few thousand lines is cheaper than keeping
thousands of scene items in sync. The picture is kept as a pixmap and painted again only when
what it shows would change (an edge's colour or width step, a map moved by more than
MAP_TOLERANCE): at 32-wide layers one picture costs ~15 ms of the GUI thread, time it would
otherwise take from training, which shares the GIL. Wide layers show their first units and a
"+N more" note, so a 256-unit layer stays legible on a projector; the maps are drawn on the
units shown.

The mouse: hovering a unit says its formula ('h = tanh(0.52·x1 − 1.3·x2 + 0.1)') and emits its
map for the decision plot to show large; hovering an edge says its weight ('w[1](3←2) = 0.734');
clicking an edge asks to edit that weight (`weightClicked`). Edges are hit-tested in one numpy
pass over every drawn segment (at most 8 x 10 x 10), never a Python loop per mouse move.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.core.network import piece_rows, unit_weights
from gdsim.core.unit_maps import input_names, unit_formula, unit_title, weight_label
from gdsim.ui.style import scaled

MAX_SHOWN_UNITS = 10
POSITIVE = QtGui.QColor("#0072B2")
NEGATIVE = QtGui.QColor("#D55E00")
UNKNOWN = QtGui.QColor("#9e9e9e")
MAX_EDGE_WIDTH = 5.0

MAP_NEGATIVE = "#A88A62"
MAP_POSITIVE = "#8C8CFA"
"""Unit maps: tan below 0, white at 0, periwinkle above, scaled per layer to its largest
|output| (so a unit that is off everywhere is white and units of a layer compare). The basins'
tints (`gdsim.ui.style`), held far from every run and verdict colour (CIE ΔE76 > 30), apart
under the common colour-vision deficiencies (yellow-blue), and not the edges' blue and orange:
a map is an output, an edge a weight."""
MIN_MAP_SIDE = 14.0
"""Below this many pixels a map is a smudge: the units stay plain circles."""
MAX_MAP_SIDE = 64.0
MAP_TOLERANCE = 0.01
"""A unit's map is drawn again once some value moved by this share of its layer's scale (a
colour step of ~1%, or about half a pixel of a 1D unit's curve): less does not show."""
HIT_PIXELS = 5.0
"""An edge is hovered or clicked when the mouse is within this many pixels of it."""
LEGEND = (
    "Edges: blue = positive weight, orange = negative; thicker = larger |weight|. "
    "Units: each unit's output over the input plane, tan < 0 < periwinkle (white = 0), "
    "scaled per layer. Hover a unit or an edge for its numbers; click an edge to edit "
    "its weight (paused training only)."
)


def shown_units(width: int) -> int:
    """How many units of a layer are drawn (the rest are summarised as '+N')."""
    return min(width, MAX_SHOWN_UNITS)


class NetworkDiagram(QtWidgets.QWidget):
    """`set_architecture(widths, labels, functions)` draws the layers; `set_weights(per-layer
    (W, b))` then styles the edges and `set_maps` fills the units. Without weights the edges
    are thin and grey; without maps the units are circles.

    Signals: `unitHovered(image, title)` (the unit's map as RGBA rows from the bottom, or None
    for the output unit, whose map is the decision plot itself; (None, '') when the mouse
    leaves the unit), `hoverText(str)` (the numbers under the mouse, '' over nothing) and
    `weightClicked(layer, row, column)`."""

    unitHovered = QtCore.Signal(object, str)
    hoverText = QtCore.Signal(str)
    weightClicked = QtCore.Signal(int, int, int)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(240, 180)
        self.setMouseTracking(True)
        self._widths: tuple[int, ...] = ()
        self._labels: tuple[str, ...] = ()
        self._functions: tuple[str, ...] = ()
        self._features: tuple[str, ...] = ()
        self._weights: list[np.ndarray] = []
        self._layers: list[tuple[np.ndarray, np.ndarray]] = []
        """Every weight and bias (the formulas name all of a unit's inputs, drawn or not)."""
        self._maps: list[np.ndarray] = []
        self._output_image: np.ndarray | None = None
        self._images: dict[tuple[int, int], QtGui.QImage] = {}
        self._hover: tuple[str, int, int, int] | None = None
        """('unit', column, unit, 0) or ('edge', layer, row, column) under the mouse."""
        self._rendered: QtGui.QPixmap | None = None
        """The last picture, reused until the weights, layers or size change: other widgets'
        updates repaint this one too, and antialiased wide edges are slow to draw."""
        self._drawn: tuple[list[np.ndarray], list[np.ndarray]] | None = None
        """The edge styles and maps the picture shows (`_visible`): new weights or maps that
        would look the same keep it."""
        self.setToolTip(LEGEND)

    def set_architecture(
        self,
        widths: Sequence[int],
        labels: Sequence[str],
        functions: Sequence[str] = (),
        features: Sequence[str] = (),
    ) -> None:
        """The layers' widths and captions, each Linear layer's function as the formulas
        write it (`gdsim.core.unit_maps.unit_functions`) and the input units' features
        (`NetworkSpec.features`; x1, x2 when not given)."""
        self._widths = tuple(widths)
        self._labels = tuple(labels)
        self._functions = tuple(functions)
        self._features = tuple(features)
        self._weights = []
        self._layers = []
        self._maps = []
        self._output_image = None
        self._images = {}
        self._set_hover(None)
        self._rendered = None
        self.update()

    def set_weights(self, layers: Sequence[tuple[np.ndarray, np.ndarray]]) -> None:
        """Per Linear layer (weight (out, in), bias): the edges show the drawn units' weights,
        a maxout layer's pieces folded into its units (`unit_weights`)."""
        self._layers = [(np.asarray(w), np.asarray(b)) for w, b in layers]
        widths = self._widths[1:]
        per_unit = [
            unit_weights(w, widths[i] if i < len(widths) else w.shape[0])
            for i, (w, _) in enumerate(self._layers)
        ]
        self._weights = [w[: shown_units(w.shape[0]), : shown_units(w.shape[1])] for w in per_unit]
        self._redraw_if_changed()
        self._refresh_hover()
        self.update()

    def set_maps(self, maps: Sequence[np.ndarray], output_image: np.ndarray | None) -> None:
        """Each layer's unit outputs over the input plane (`TrainingFrame.unit_maps`:
        (units, ny, nx) for 2D inputs, (units, nx) curves for 1D), and the decision plot's
        picture (RGBA rows from the bottom) for a single output unit, whose map it is."""
        self._maps = list(maps)
        old = self._output_image
        if (old is None) != (output_image is None) or (
            old is not None and not np.array_equal(old, output_image)
        ):
            self._rendered = None  # the output unit's thumbnail is the decision plot's picture
        self._output_image = output_image
        self._redraw_if_changed()
        self._refresh_hover()
        self.update()

    def _visible(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """What the picture shows of the weights and maps: each drawn edge's style
        (`_edge_keys`) and each layer's maps over their scale."""
        finite = [np.abs(w[np.isfinite(w)]) for w in self._weights]
        largest = max((float(f.max()) for f in finite if f.size), default=0.0)
        keys = [_edge_keys(w, largest) for w in self._weights]
        return keys, [m / _layer_scale(m) for m in self._maps]

    def _redraw_if_changed(self) -> None:
        """Paint the picture again only if its edges or maps would look different."""
        drawn = self._drawn
        keys, maps = self._visible()
        if (
            self._rendered is not None
            and drawn is not None
            and _same_keys(keys, drawn[0])
            and _maps_close(maps, drawn[1])
        ):
            return
        self._rendered = None
        self._images = {}
        self.update()

    def unit_image(self, column: int, unit: int) -> np.ndarray | None:
        """Unit `unit` of layer column `column` (1 = the first hidden layer) as RGBA rows
        from the bottom, the colours of its thumbnail; None without a 2D map."""
        layer = column - 1
        if not 0 <= layer < len(self._maps) or self._maps[layer].ndim != 3:
            return None
        maps = self._maps[layer]
        if unit >= len(maps):
            return None
        return map_rgba(maps[unit], _layer_scale(maps))

    def _map_image(self, column: int, unit: int) -> QtGui.QImage | None:
        """The thumbnail drawn on a unit (cached until the next maps)."""
        key = (column, unit)
        if key not in self._images:
            self._images.update(self._column_images(column))
        return self._images.get(key)

    def _column_images(self, column: int) -> dict[tuple[int, int], QtGui.QImage]:
        """The thumbnails of layer column `column`'s drawn units, made together: the layer's
        scale found once and its colours in one numpy pass, not once per unit (a picture of
        2-8-8-1 spent a third of its ~10 ms there). The colours are `unit_image`'s."""
        output = column == len(self._widths) - 1
        if output and self._widths[-1] == 1 and self._output_image is not None:
            pictures = [self._output_image]
        else:
            layer = column - 1
            if not 0 <= layer < len(self._maps) or self._maps[layer].ndim != 3:
                return {}
            maps = self._maps[layer]
            pictures = map_rgba(maps[: shown_units(len(maps))], _layer_scale(maps))
        images = {}
        for unit, rgba in enumerate(pictures):
            rows = np.ascontiguousarray(rgba[::-1])  # QImage's first row is the top
            height, width = rows.shape[:2]
            image = QtGui.QImage(
                rows.data, width, height, 4 * width, QtGui.QImage.Format.Format_RGBA8888
            )
            images[(column, unit)] = image.copy()  # the array goes away; the picture stays
        return images

    def edge_count(self) -> int:
        """Edges drawn (tests and the tooltip use it)."""
        return sum(shown_units(a) * shown_units(b) for a, b in itertools.pairwise(self._widths))

    def _area(self) -> tuple[float, float, float, float]:
        """(left, top, width, height) of the region the units fill."""
        margin_x, top = 36.0, 18.0
        bottom = 2.0 * self.fontMetrics().height() + 14.0  # two lines of layer labels
        area_w = max(1.0, self.width() - 2 * margin_x)
        area_h = max(1.0, self.height() - top - bottom)
        return margin_x, top, area_w, area_h

    def _unit_positions(self) -> list[list[QtCore.QPointF]]:
        margin_x, top, area_w, area_h = self._area()
        columns = len(self._widths)
        positions = []
        for column, width in enumerate(self._widths):
            x = margin_x + (area_w * column / (columns - 1) if columns > 1 else area_w / 2)
            count = shown_units(width)
            gap = area_h / max(count, 1)
            positions.append([QtCore.QPointF(x, top + gap * (row + 0.5)) for row in range(count)])
        return positions

    def _radius(self) -> float:
        """A plain unit's radius."""
        return max(4.0, min(scaled(11.0), (self.height() - 60) / (2.6 * MAX_SHOWN_UNITS)))

    def map_side(self) -> float:
        """The side of a unit's map in pixels: as large as the rows and the columns leave room
        for; below MIN_MAP_SIDE (a small window, 8 layers) the units stay circles."""
        columns = len(self._widths)
        if columns < 2:
            return 0.0
        _, _, area_w, area_h = self._area()
        rows = max(shown_units(width) for width in self._widths)
        side = min(0.8 * area_h / rows, 0.45 * area_w / (columns - 1), scaled(MAX_MAP_SIDE))
        return side if side >= MIN_MAP_SIDE else 0.0

    def has_map(self, column: int) -> bool:
        """Whether layer column `column` draws its units as maps now."""
        if column < 1 or column >= len(self._widths) or not self.map_side():
            return False
        single_output = column == len(self._widths) - 1 and self._widths[-1] == 1
        return column - 1 < len(self._maps) or (single_output and self._output_image is not None)

    def _half_size(self, column: int) -> float:
        """Half the drawn size of a unit in `column` (its hit radius)."""
        return self.map_side() / 2 if self.has_map(column) else self._radius()

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
        self._paint_hover(painter)
        painter.end()

    def _render(self) -> QtGui.QPixmap:
        ratio = self.devicePixelRatioF()
        pixmap = QtGui.QPixmap(self.size() * ratio)
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(QtCore.Qt.GlobalColor.transparent)
        self._drawn = self._visible()
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
        radius = self._radius()
        side = self.map_side()
        border = QtGui.QPen(QtGui.QColor("#333333"), scaled(1.2))
        painter.setBrush(QtGui.QColor("#fafafa"))
        metrics = painter.fontMetrics()
        for column, units in enumerate(positions):
            maps = self.has_map(column)
            for unit, point in enumerate(units):
                painter.setPen(border)
                if not maps:
                    painter.drawEllipse(point, radius, radius)
                    continue
                box = QtCore.QRectF(point.x() - side / 2, point.y() - side / 2, side, side)
                self._paint_map(painter, column, unit, box)
                painter.setPen(border)
                painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
                painter.drawRect(box)
                painter.setBrush(QtGui.QColor("#fafafa"))
            hidden = self._widths[column] - len(units)
            if hidden:
                note = f"+{hidden}"
                last = units[-1]
                right = last.x() + (side / 2 if maps else radius) + 3
                painter.drawText(QtCore.QPointF(right, last.y() + metrics.ascent() / 2), note)
        for box, text in self.label_layout():
            painter.drawText(box, _LABEL_FLAGS, text)

    def _paint_map(
        self, painter: QtGui.QPainter, column: int, unit: int, box: QtCore.QRectF
    ) -> None:
        """A 2D unit's heat map, or a 1D unit's output as a small curve (white behind it)."""
        image = self._map_image(column, unit)
        if image is not None:
            painter.drawImage(box, image)
            return
        painter.fillRect(box, QtGui.QColor("#ffffff"))
        layer = column - 1
        if layer >= len(self._maps) or self._maps[layer].ndim != 2:
            return
        values = self._maps[layer][unit]
        scale = _layer_scale(self._maps[layer])
        xs = box.left() + np.linspace(0.0, box.width(), len(values))
        ys = box.center().y() - np.clip(values / scale, -1, 1) * box.height() * 0.45
        painter.setPen(QtGui.QPen(QtGui.QColor("#bdbdbd"), scaled(0.6)))
        painter.drawLine(QtCore.QLineF(box.left(), box.center().y(), box.right(), box.center().y()))
        painter.setPen(QtGui.QPen(QtGui.QColor("#333333"), scaled(1.2)))
        finite = np.isfinite(ys)
        if finite.any():  # pyqtgraph cannot fill an empty polygon (a diverged run's curves)
            painter.drawPolyline(pg.functions.arrayToQPolygonF(xs[finite], ys[finite]))

    def _paint_hover(self, painter: QtGui.QPainter) -> None:
        """The edge or unit under the mouse, outlined (drawn over the cached picture)."""
        hover = self._hover
        if hover is None:
            return
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        painter.setPen(QtGui.QPen(QtGui.QColor("#000000"), scaled(2.5)))
        painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        kind, a, b, c = hover
        if kind == "edge":
            painter.drawLine(QtCore.QLineF(self.unit_center(a, c), self.unit_center(a + 1, b)))
            return
        half = self._half_size(a) + scaled(2.0)
        center = self.unit_center(a, b)
        painter.drawRect(QtCore.QRectF(center.x() - half, center.y() - half, 2 * half, 2 * half))

    # ------------------------------------------------------------------ the mouse

    def unit_center(self, column: int, unit: int) -> QtCore.QPointF:
        """Where unit `unit` of layer column `column` is drawn (column 0: the inputs)."""
        return self._unit_positions()[column][unit]

    def edge_midpoint(self, layer: int, row: int, column: int) -> QtCore.QPointF:
        """The middle of the edge of weight [row, column] of Linear layer `layer`."""
        source, target = self.unit_center(layer, column), self.unit_center(layer + 1, row)
        return (source + target) / 2

    def _hit(self, point: QtCore.QPointF) -> tuple[str, int, int, int] | None:
        """The unit under `point` (first), else the nearest edge within HIT_PIXELS."""
        positions = self._unit_positions()
        for column, units in enumerate(positions):
            half = self._half_size(column)
            for unit, center in enumerate(units):
                if abs(point.x() - center.x()) <= half and abs(point.y() - center.y()) <= half:
                    return ("unit", column, unit, 0)
        best: tuple[float, tuple[str, int, int, int]] | None = None
        p = np.array([point.x(), point.y()])
        for layer, (sources, targets) in enumerate(itertools.pairwise(positions)):
            if not sources or not targets:
                continue
            if not sources[0].x() <= point.x() <= targets[0].x():
                continue  # the mouse is not between these two columns
            a = np.array([[q.x(), q.y()] for q in sources])[None, :, :]  # (1, S, 2)
            b = np.array([[q.x(), q.y()] for q in targets])[:, None, :]  # (T, 1, 2)
            d = b - a
            t = np.clip(((p - a) * d).sum(-1) / np.maximum((d * d).sum(-1), 1e-12), 0.0, 1.0)
            distance = np.linalg.norm(a + t[..., None] * d - p, axis=-1)  # (T, S)
            row, source = np.unravel_index(int(distance.argmin()), distance.shape)
            nearest = float(distance[row, source])
            if nearest <= HIT_PIXELS and (best is None or nearest < best[0]):
                best = (nearest, ("edge", layer, int(row), int(source)))
        return None if best is None else best[1]

    def hover_at(self, point: QtCore.QPointF) -> str:
        """Hover `point` (what a mouse move does): returns the text shown for it."""
        self._set_hover(self._hit(point))
        return self.hover_text()

    def click_at(self, point: QtCore.QPointF) -> bool:
        """Click `point` (what a left click does): an edge asks to edit its weight."""
        hit = self._hit(point)
        if hit is None or hit[0] != "edge" or hit[1] >= len(self._layers):
            return False
        self.weightClicked.emit(hit[1], hit[2], hit[3])
        return True

    def mouseMoveEvent(self, event: QtGui.QMouseEvent) -> None:
        self.hover_at(event.position())
        super().mouseMoveEvent(event)

    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:
        if event.button() == QtCore.Qt.MouseButton.LeftButton and self.click_at(event.position()):
            event.accept()
            return
        super().mousePressEvent(event)

    def leaveEvent(self, event: QtCore.QEvent) -> None:
        self._set_hover(None)
        super().leaveEvent(event)

    def weight(self, layer: int, row: int, column: int) -> float | None:
        """The weight of the edge from unit `column` to unit `row` of Linear layer `layer` as
        last drawn (None before any)."""
        if layer >= len(self._layers):
            return None
        return float(self._layers[layer][0][self.linear_row(layer, row, column), column])

    def linear_row(self, layer: int, row: int, column: int) -> int:
        """The row of Linear layer `layer`'s weights that the edge into unit `row` stands for:
        the unit's own row, or a maxout unit's piece the edge shows (`piece_rows`)."""
        weights = self._layers[layer][0]
        units = self._widths[layer + 1] if layer + 1 < len(self._widths) else weights.shape[0]
        if weights.shape[0] == units:
            return row
        return int(piece_rows(weights[:, column : column + 1], units)[row, 0])

    def hover_text(self) -> str:
        """The numbers under the mouse: a unit's formula, an edge's weight, or ''."""
        hover = self._hover
        if hover is None:
            return ""
        kind, a, b, c = hover
        if kind == "edge":
            value = self.weight(a, b, c)
            return "" if value is None else weight_label(a, b, c, value)
        if a == 0:
            return f"input {input_names(0, self._widths[0], self._features)[b]}"
        layer = a - 1
        title = self._unit_title(a, b)
        if layer >= len(self._layers):
            return title
        weights, bias = self._layers[layer]
        if weights.shape[0] != self._widths[a]:  # maxout: k rows of weights per unit
            pieces = weights.shape[0] // self._widths[a]
            return (
                f"{title.split(':')[0]}: h = max of {pieces} pieces wᵢ·x + bᵢ "
                "(each edge shows its piece of largest |w|)"
            )
        output = a == len(self._widths) - 1
        symbol = ("ŷ" if self._widths[-1] == 1 else "z") if output else "h"  # z: a logit
        names = input_names(layer, weights.shape[1], self._features)
        formula = unit_formula(weights[b], float(bias[b]), self._function(layer), names, symbol)
        return f"{title.split(':')[0]}: {formula}"

    def _function(self, layer: int) -> str:
        return self._functions[layer] if layer < len(self._functions) else ""

    def _unit_title(self, column: int, unit: int) -> str:
        output = column == len(self._widths) - 1
        return unit_title(column - 1, unit, self._function(column - 1), output)

    def _set_hover(self, hit: tuple[str, int, int, int] | None) -> None:
        was_unit = self._hover is not None and self._hover[0] == "unit"
        if hit == self._hover:
            return
        self._hover = hit
        self._announce(was_unit)
        self.update()

    def _refresh_hover(self) -> None:
        """New numbers or maps under a still mouse: say them again (the large map follows)."""
        if self._hover is not None:
            self._announce(was_unit=self._hover[0] == "unit")

    def _announce(self, was_unit: bool) -> None:
        text = self.hover_text()
        self.hoverText.emit(text)
        self.setToolTip(text or LEGEND)
        hover = self._hover
        if hover is not None and hover[0] == "unit" and hover[1] > 0:
            _, column, unit, _ = hover
            single_output = column == len(self._widths) - 1 and self._widths[-1] == 1
            # A single output unit's map is the decision plot itself: only its title changes;
            # a 1D hidden unit has no picture there (its curve is in its box here).
            image = None if single_output else self.unit_image(column, unit)
            shown = single_output or image is not None
            self.unitHovered.emit(image, self._unit_title(column, unit) if shown else "")
        elif was_unit:
            self.unitHovered.emit(None, "")

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


def _edge_keys(weights: np.ndarray, largest: float) -> np.ndarray:
    """`_edge_key` of every edge of a layer at once (kind * (EDGE_LEVELS + 1) + level), for
    telling whether new weights would draw differently without a Python loop per edge."""
    if largest <= 0:
        return np.zeros(weights.shape, dtype=np.int64)
    finite = np.isfinite(weights)
    safe = np.where(finite, weights, 0.0)
    levels = np.round(np.minimum(1.0, np.abs(safe) / largest) * EDGE_LEVELS).astype(np.int64)
    kinds = np.where(finite, np.where(safe >= 0, 1, -1), _NON_FINITE)
    return np.where(finite, kinds * (EDGE_LEVELS + 1) + levels, _NON_FINITE * (EDGE_LEVELS + 1))


def _same_keys(new: list[np.ndarray], old: list[np.ndarray]) -> bool:
    return len(new) == len(old) and all(np.array_equal(a, b) for a, b in zip(new, old, strict=True))


def _maps_close(new: list[np.ndarray], old: list[np.ndarray]) -> bool:
    """Whether every map moved by at most MAP_TOLERANCE of its scale (non-finite values must
    stay where they were)."""
    if len(new) != len(old):
        return False
    for a, b in zip(new, old, strict=True):
        if a.shape != b.shape or not np.array_equal(np.isfinite(a), np.isfinite(b)):
            return False
        finite = np.isfinite(a)
        if finite.any() and float(np.abs(a[finite] - b[finite]).max()) > MAP_TOLERANCE:
            return False
    return True


def _layer_scale(maps: np.ndarray) -> float:
    """A layer's largest finite |output|: its maps' colour scale (1 when there is none)."""
    finite = np.abs(maps[np.isfinite(maps)])
    largest = float(finite.max()) if finite.size else 0.0
    return largest if largest > 0 else 1.0


def map_rgba(values: np.ndarray, scale: float) -> np.ndarray:
    """A unit's map (ny, nx) as RGBA bytes (ny, nx, 4): MAP_NEGATIVE (-scale) through white
    (0) to MAP_POSITIVE (+scale); non-finite values grey."""
    share = np.clip(np.nan_to_num(values / scale, nan=0.0), -1.0, 1.0)[..., None]
    white = np.array([255.0, 255.0, 255.0])
    ends = [np.array(_rgb(color), dtype=float) for color in (MAP_NEGATIVE, MAP_POSITIVE)]
    towards = np.where(share < 0, *ends)
    rgb = white + (towards - white) * np.abs(share)
    rgb = np.where(np.isfinite(values)[..., None], rgb, 158.0)
    alpha = np.full((*values.shape, 1), 255.0)
    return np.ascontiguousarray(np.concatenate([rgb, alpha], axis=-1).astype(np.uint8))


def _rgb(color: str) -> tuple[int, int, int]:
    """(r, g, b) of a '#rrggbb' colour."""
    value = QtGui.QColor(color)
    return value.red(), value.green(), value.blue()


def _edge_pen(kind: int, level: int) -> QtGui.QPen:
    if kind == _NO_WEIGHTS:
        return QtGui.QPen(UNKNOWN, scaled(0.6))
    if kind == _NON_FINITE:
        return QtGui.QPen(UNKNOWN, scaled(1.0), QtCore.Qt.PenStyle.DotLine)
    share = level / EDGE_LEVELS
    color = QtGui.QColor(POSITIVE if kind > 0 else NEGATIVE)
    color.setAlphaF(0.25 + 0.75 * share)
    return QtGui.QPen(color, scaled(0.4 + MAX_EDGE_WIDTH * share))
