"""The network's prediction over the input plane (or line), with the data on top.

The points are drawn once per dataset (filled: training, hollow triangles: validation); what
changes during training is the prediction underneath: a probability map for binary tasks, the
argmax class for multiclass ones, a colour-mapped value for regression, a curve for 1D inputs.
`set_display` applies the display toggles (`DisplayOptions`): hard class regions, validation
points hidden, or no prediction under the points. `show_drawn` shows points being drawn that
cannot train yet (too few of a class).
"""

from __future__ import annotations

import functools

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.core.datasets import Dataset
from gdsim.core.drawn_data import CANVAS, DrawnPoints
from gdsim.core.state.display import DisplayOptions
from gdsim.ui.style import class_color, pen_scale, scaled
from gdsim.ui.widgets.plot_legend import OutsideLegend

VALUE_SHADES = 32
"""Regression targets are drawn in this many shades of the colour map, one scatter item each."""

LIGHTEN = 0.55
"""Class colours are blended this far towards white under the points, so they stay visible."""
VALUE_MAP = pg.colormap.get("viridis")

FULL_MARKERS = 300
"""Pixels of the plot's shorter side from which markers take their full size (times the
presentation scale at most; smaller plots get smaller markers, down to half size): doubled
markers on a 170-pixel map at 1024x768 in presentation mode covered the whole map."""


class DecisionMap(pg.PlotWidget):
    """``decisionPlot``: `show_data` once per dataset, `draw_prediction` per frame."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("decisionPlot")
        self.setMenuEnabled(False)
        self.image = pg.ImageItem()
        self.curve = pg.PlotDataItem()
        # Grey: the legend's sample of "train" must not look like one of the classes.
        self.train_scatter = pg.ScatterPlotItem(brush=pg.mkBrush("#9a9a9a"))
        # Hollow: the class colour is the outline (see `_set_groups`), so validation points
        # read as "not trained on" at a glance.
        self.val_scatter = pg.ScatterPlotItem(symbol="t", brush=pg.mkBrush(None))
        self.drawn_scatter = pg.ScatterPlotItem(symbol="o")
        self.drawn_scatter.setObjectName("drawnPoints")
        self.marker_scale = 1.0
        """The factor on the markers now (see `FULL_MARKERS`)."""
        self._style_markers()
        for item in (self.image, self.train_scatter, self.val_scatter, self.drawn_scatter):
            self.addItem(item)
        self.addItem(self.curve)
        self.legend = OutsideLegend(self.getPlotItem())
        self.legend.addItem(self.train_scatter, "train")
        self.legend.addItem(self.val_scatter, "validation")
        self._data_shown: Dataset | None = None
        self.unit_map = pg.ImageItem()  # a hovered unit's map, under the points: show_unit_map
        self.unit_map.setZValue(-1)
        self.unit_map.hide()
        self.addItem(self.unit_map)
        self.unit_title = pg.TextItem(color="#111111", fill=pg.mkBrush(255, 255, 255, 220))
        self.unit_title.setParentItem(self.getViewBox())  # fixed in the corner, not panned
        self.unit_title.hide()
        for axis in ("left", "bottom"):
            # Data spanning less than ±1 read as "-700..800, x₂ (x0.001)" with the SI prefix.
            self.getPlotItem().getAxis(axis).enableAutoSIPrefix(False)
        self.getViewBox().sigResized.connect(self._fit_markers)
        self.display = DisplayOptions()
        self._prediction: tuple[Dataset, np.ndarray] | None = None
        """The latest prediction drawn, drawn again when a display toggle changes."""

    def _fitting_scale(self) -> float:
        """The markers' factor for the plot's size now: its shorter side over `FULL_MARKERS`,
        between one half and the presentation scale. A hidden plot has no size yet (its
        resize waits until it is shown, which refits): the presentation scale."""
        if not self.isVisible():
            return pen_scale()
        box = self.getViewBox().size()
        side = min(box.width(), box.height())
        return min(max(side / FULL_MARKERS, 0.5), pen_scale())

    def _fit_markers(self) -> None:
        """Restyle the markers when the plot's size changes their factor (not on every resize
        pixel: restyling 100,000 points costs)."""
        if round(self._fitting_scale(), 2) != self.marker_scale:
            self._style_markers()

    def _style_markers(self) -> None:
        """Points at a scale fitted to the plot (`_fitting_scale`), the 1D prediction curve at
        the presentation scale (`style.scaled`)."""
        self.marker_scale = marker = round(self._fitting_scale(), 2)
        self.curve.setPen(pg.mkPen("#222222", width=scaled(2.5)))
        self.train_scatter.setSize(7 * marker)
        self.train_scatter.setPen(pg.mkPen("#333333", width=0.6 * marker))
        self.val_scatter.setSize(9 * marker)
        self.val_scatter.setPen(pg.mkPen("#111111", width=2 * marker))
        self.drawn_scatter.setSize(9 * marker)
        self.drawn_scatter.setPen(pg.mkPen("#333333", width=0.8 * marker))
        for scatter in (self.train_scatter, self.val_scatter, self.drawn_scatter):
            for child in scatter.childItems():  # the per-class groups (see `_set_groups`)
                child.setSize(scatter.opts["size"])
                if scatter is self.val_scatter:
                    child.setPen(pg.mkPen(child.opts["pen"].color(), width=2 * marker))
                else:
                    child.setPen(scatter.opts["pen"])

    def rescale(self) -> None:
        """Markers at the presentation scale now (`gdsim.ui.widgets.presentation`)."""
        self._style_markers()

    def show_data(self, data: Dataset) -> None:
        """Scatter of the points, set once per dataset. Reset and a new network keep the
        dataset: redrawing 100,000 points for them froze the window ~1 s."""
        if data is self._data_shown:
            return
        self._data_shown = data
        self._prediction = None
        one_d = data.input_dim == 1
        self.setAspectLocked(not one_d)
        for scatter, x, y in (
            (self.train_scatter, data.x_train.numpy(), data.y_train.numpy()),
            (self.val_scatter, data.x_val.numpy(), data.y_val.numpy()),
        ):
            y = y.reshape(-1)
            if one_d:
                _set_groups(scatter, [])
                scatter.setData(x[:, 0], y, brush=pg.mkBrush("#555555"))
                continue
            scatter.setData([], [])
            if data.task == "regression":
                shade = np.minimum((_unit(y, data) * VALUE_SHADES).astype(int), VALUE_SHADES - 1)
                colors = VALUE_MAP.map((np.arange(VALUE_SHADES) + 0.5) / VALUE_SHADES, "qcolor")
            else:
                shade = y.astype(int)
                colors = [class_color(k) for k in range(data.n_classes)]
            _set_groups(scatter, [(x[shade == k], color) for k, color in enumerate(colors)])
        (x0, x1), *rest = data.input_range
        self.curve.setVisible(one_d)
        self._apply_display()
        self.setLabel("left", "y" if one_d else "x₂")
        self.setLabel("bottom", "x" if one_d else "x₁")
        if one_d:
            self.autoRange()
        else:
            self.setRange(xRange=(x0, x1), yRange=rest[0], padding=0)

    def set_display(self, options: DisplayOptions) -> None:
        """Draw with `options` from now on, the latest prediction at once."""
        self.display = options
        self._apply_display()
        if self._prediction is not None:
            self.draw_prediction(*self._prediction)

    def _apply_display(self) -> None:
        """Which layers show: the prediction (2D, unless "classes only"), the validation
        points (unless hidden), the drawn points instead of the data while they cannot train."""
        data = self._data_shown
        drawing = bool(self.drawn_scatter.childItems())
        two_d = data is not None and data.input_dim == 2
        self.image.setVisible(two_d and self.display.surface and not drawing)
        self.train_scatter.setVisible(not drawing)
        self.val_scatter.setVisible(self.display.validation and not drawing)
        self.drawn_scatter.setVisible(drawing)

    def show_drawn(self, points: DrawnPoints | None) -> None:
        """Points drawn so far that cannot train yet, in their class colours on the drawing's
        canvas, instead of the data; None puts the data back."""
        groups = []
        if points is not None and len(points):
            table = np.array(points.points, dtype=float)
            labels = table[:, 2].astype(int)
            groups = [(table[labels == k, :2], class_color(k)) for k in np.unique(labels)]
            self.setAspectLocked(True)
            self.setRange(xRange=CANVAS[0], yRange=CANVAS[1], padding=0)
        _set_groups(self.drawn_scatter, groups)
        self._apply_display()

    def draw_prediction(self, data: Dataset, prediction: np.ndarray) -> None:
        self._prediction = (data, prediction)
        prediction = np.nan_to_num(prediction, nan=0.0, posinf=1e6, neginf=-1e6)
        if data.input_dim == 1:
            xs = np.linspace(*data.input_range[0], len(prediction))
            self.curve.setData(xs, prediction)
            return
        if data.task == "binary" and self.display.discrete:
            palette = np.array([_lighten(class_color(k)) for k in (0, 1)], dtype=np.ubyte)
            rgba = palette[(prediction > 0.5).astype(int).ravel()]
        elif data.task == "binary":
            rgba = _probability_map().map(np.clip(prediction, 0.0, 1.0).ravel(), mode="byte")
        elif data.task == "multiclass":
            palette = np.array(
                [_lighten(class_color(k)) for k in range(data.n_classes)], dtype=np.ubyte
            )
            rgba = palette[np.clip(prediction.astype(int), 0, data.n_classes - 1).ravel()]
        else:
            rgba = VALUE_MAP.map(_unit(prediction.ravel(), data), mode="byte")
        image = np.ascontiguousarray(rgba.reshape(*prediction.shape, -1))
        shape = None if self.image.image is None else self.image.image.shape
        self.image.setImage(image, autoLevels=False)
        (x0, x1), (y0, y1) = data.input_range
        rect = QtCore.QRectF(x0, y0, x1 - x0, y1 - y0)
        if image.shape != shape or rect != self.image.mapRectToParent(self.image.boundingRect()):
            # Only when it moves: a new transform makes the plot recompute its bounds.
            self.image.setRect(rect)

    def show_unit_map(self, image: np.ndarray | None, title: str) -> None:
        """A unit of the network diagram, hovered: its map (RGBA rows from the bottom, over
        the data's extent) in place of the prediction, the data still on top, and `title` in
        the corner; (None, title) titles the prediction itself (the output unit's map);
        (None, '') puts the plot back (gdsim/ui/widgets/network_diagram.py)."""
        data = self._data_shown
        shown = image is not None and data is not None and data.input_dim == 2
        if shown and data is not None:
            (x0, x1), (y0, y1) = data.input_range
            self.unit_map.setImage(np.ascontiguousarray(image), autoLevels=False)
            self.unit_map.setRect(QtCore.QRectF(x0, y0, x1 - x0, y1 - y0))
        self.unit_map.setVisible(shown)
        self._apply_display()  # the prediction back as the display toggles want it
        if shown:
            self.image.hide()
        self.unit_title.setText(title)
        self.unit_title.setVisible(bool(title))

    def point_at(self, scene_pos: QtCore.QPointF) -> QtCore.QPointF | None:
        """The data coordinates under a scene position, or None outside the plot."""
        box = self.getViewBox()
        if not box.sceneBoundingRect().contains(scene_pos):
            return None
        return box.mapSceneToView(scene_pos)


def cursor_text(data: Dataset, prediction: np.ndarray, point: QtCore.QPointF) -> str:
    """'x₁ = 0.42, x₂ = -0.13   p(class 1) = 0.87': the point and the nearest cell of the
    prediction grid (which spans `data.input_range`); just the point outside the grid."""
    x, y = point.x(), point.y()
    if data.input_dim == 1:
        column = _nearest_cell(x, data.input_range[0], len(prediction))
        if column is None:
            return f"x = {x:.3g}"
        return f"x = {x:.3g}   ŷ = {prediction[column]:.3g}"
    where = f"x₁ = {x:.2f}, x₂ = {y:.2f}"
    column = _nearest_cell(x, data.input_range[0], prediction.shape[1])
    row = _nearest_cell(y, data.input_range[1], prediction.shape[0])
    if column is None or row is None:
        return where
    value = float(prediction[row, column])
    if data.task == "binary":
        return f"{where}   p(class 1) = {value:.2f}"
    if data.task == "multiclass":
        return f"{where}   class {int(value)}" if np.isfinite(value) else where
    return f"{where}   ŷ = {value:.3g}"


def _nearest_cell(value: float, span: tuple[float, float], cells: int) -> int | None:
    """Index of the grid point nearest to `value` on `cells` points spanning `span`."""
    low, high = span
    if not low <= value <= high or cells < 1:
        return None
    return min(cells - 1, round((value - low) / max(high - low, 1e-12) * (cells - 1)))


def _set_groups(scatter: pg.ScatterPlotItem, groups: list[tuple[np.ndarray, object]]) -> None:
    """Draw each group of points (an (n, 2) array and its colour) as one child scatter of
    `scatter`, in one brush: pyqtgraph builds a brush object per point when given one brush
    per point (~16 s for 100,000 points on the GUI thread), and one per item costs nothing.
    The children share `scatter`'s symbol, size and pen, and its legend entry and visibility."""
    for child in scatter.childItems():
        child.setParentItem(None)
        if child.scene() is not None:
            child.scene().removeItem(child)
    opts = scatter.opts
    hollow = opts["brush"].style() == QtCore.Qt.BrushStyle.NoBrush
    for points, color in groups:
        if len(points):
            fill = QtGui.QColor(color)
            if hollow:  # the class colour is the outline's (validation points)
                fill.setAlpha(0)
            child = pg.ScatterPlotItem(
                points[:, 0],
                points[:, 1],
                symbol=opts["symbol"],
                size=opts["size"],
                pen=pg.mkPen(color, width=opts["pen"].widthF()) if hollow else opts["pen"],
                brush=pg.mkBrush(fill),
            )
            child.setParentItem(scatter)


@functools.cache
def _probability_map() -> pg.ColorMap:
    """p(class 1) from class 0's colour through white to class 1's, both lightened."""
    ends = [_lighten(class_color(k))[:3] for k in (0, 1)]
    return pg.ColorMap([0.0, 0.5, 1.0], [ends[0], (255, 255, 255), ends[1]])


def _unit(values: np.ndarray, data: Dataset) -> np.ndarray:
    """Regression values scaled to [0, 1] by the training targets' range (for a colour map)."""
    y = data.y_train.numpy().reshape(-1)
    low, high = float(y.min()), float(y.max())
    return np.clip((np.asarray(values, dtype=float) - low) / max(high - low, 1e-9), 0.0, 1.0)


def _lighten(color: str, share: float = LIGHTEN) -> list[int]:
    """An RGBA row for a class colour blended towards white, so points stay visible on it."""
    rgb = np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)
    return [*(rgb + (255 - rgb) * share).astype(int).tolist(), 255]
