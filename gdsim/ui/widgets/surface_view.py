"""One view for 1D curves and 2D surfaces, fed with plain arrays so any loss can use it.

The surface explorer feeds it formulas sampled on a grid; a later landscape view will feed it a
network's loss on a slice. Either way the view receives numbers (a curve or a grid of values,
trajectories as (n, 2) points in plot coordinates, minima, arrows) and never a Surface.

Drawing follows what was measured on a 2-core machine: every item is created once and
updated with ``setData``; contour lines come from contourpy (~2 ms) and are drawn as ONE
NaN-separated line item (pyqtgraph's isocurves take ~190 ms); the heat map is a float32
``ImageItem`` with fixed levels; view ranges start at the domain and move only when the user
zooms (wheel) or pans (middle drag), so a diverging run never blows up the axes. Trajectories
stop at the first point that leaves the domain.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import contourpy
import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from gdsim.core.surfaces import FLOAT32_DISPLAY_LIMIT, display_range, zoom_limits
from gdsim.core.thinning import path_indices, unchanged
from gdsim.ui.style import scaled
from gdsim.ui.widgets.loss_plot import (
    LABEL_MARGIN,
    PlainAxis,
    cache_while_still,
    refresh_legend,
    shows_points,
)
from gdsim.ui.widgets.plot_legend import OutsideLegend

CONTOUR_LEVELS = 14
LABELLED_ITERATES = 16
"""1D iterates get a number next to them, up to this many (more would be an unreadable smear)."""

MARKED_ITERATES = 250
"""Tracks up to this long get a marker on every iterate."""

CELLS_PER_PIXEL = 2
"""An unmarked track is drawn through one point per cell it enters (``path_indices``), cells
of a quarter to half a pixel: a converging 20,000-step run piles most of its iterates into a
few pixels, and painting them all was most of a dragged slider's frame."""

THICK_LINE_LIMIT = 200
"""Tracks longer than this are drawn with 1 px pens (2 px pens are ~5x slower on long lines)."""

ARROW_FRACTION = 0.12
"""The -gradient arrow's length as a fraction of the domain's width (its direction matters)."""

CLIP_SPANS = 1e3
"""Coordinates are clipped this many view widths beyond the view: far enough that a line to
a clipped point keeps its direction on screen, near enough not to overflow the painter."""

ZOOM_DELAY_MS = 120
"""A zoom or pan re-samples the surface once the wheel or drag pauses this long."""

Range = tuple[float, float]

_FIELD_COLORS = ("#ffffff", "#dfe6ee", "#b7c4d3", "#8796a8")
"""Light blue-greys: every run colour of the palette stays readable on top of them."""


@dataclass(frozen=True)
class Track:
    """One trajectory in plot coordinates (1D: (w, f(w)); 2D: (x, y)), with colour and name."""

    xy: np.ndarray
    color: str
    name: str


def inside_prefix(xy: np.ndarray, x_range: Range, y_range: Range) -> np.ndarray:
    """The points up to and including the first one outside the box: the drawn line visibly
    leaves the plot where the run left the domain, and nothing beyond is drawn."""
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    with np.errstate(invalid="ignore"):
        inside = (
            (xy[:, 0] >= x_range[0])
            & (xy[:, 0] <= x_range[1])
            & (xy[:, 1] >= y_range[0])
            & (xy[:, 1] <= y_range[1])
        )
    outside = np.flatnonzero(~inside)
    return xy if outside.size == 0 else xy[: outside[0] + 1]


def contour_lines(
    x: np.ndarray, y: np.ndarray, z: np.ndarray, levels: Sequence[float]
) -> tuple[np.ndarray, np.ndarray]:
    """All contour lines of ``z`` as one pair of x, y arrays separated by NaNs."""
    generator = contourpy.contour_generator(
        x, y, np.ma.masked_invalid(z), line_type=contourpy.LineType.ChunkCombinedNan
    )
    pieces = []
    for level in levels:
        chunks = generator.lines(level)[0]
        pieces.extend(chunk for chunk in chunks if chunk is not None)
        pieces.append(np.full((1, 2), np.nan))
    if not pieces:
        return np.empty(0), np.empty(0)
    joined = np.concatenate(pieces)
    return joined[:, 0], joined[:, 1]


class _ZoomViewBox(pg.ViewBox):
    """The wheel zooms and a middle-button drag pans (right drag zooms, as in pyqtgraph); a
    left drag is left alone: it moves the start point.

    Zooming keeps to ``zoom_limits`` around the range shown when it starts: finite (the wheel
    once zoomed out to inf and raised on every later event), and no narrower than a box that
    can still be re-sampled where the view is (1e-8 wide near 0, 4e-4 near 1e5)."""

    values_on_y = False
    """Whether the y axis shows a curve's values (1D) rather than a variable (2D)."""

    def limit_zoom(self, x_range: Range, y_range: Range) -> None:
        """Limit zooming and panning to ``zoom_limits`` around these ranges."""
        x, y = zoom_limits(x_range), zoom_limits(y_range, values=self.values_on_y)
        self.setLimits(
            xMin=x.low,
            xMax=x.high,
            minXRange=x.narrowest,
            maxXRange=x.widest,
            yMin=y.low,
            yMax=y.high,
            minYRange=y.narrowest,
            maxYRange=y.widest,
        )

    def scaleBy(self, *args: object, **kwargs: object) -> None:
        """Every zoom (wheel, right drag) starts from limits around the view shown now."""
        (x_low, x_high), (y_low, y_high) = self.viewRange()
        self.limit_zoom((x_low, x_high), (y_low, y_high))
        super().scaleBy(*args, **kwargs)

    def mouseDragEvent(self, ev: object, axis: int | None = None) -> None:
        if ev.button() == QtCore.Qt.MouseButton.LeftButton:  # type: ignore[attr-defined]
            ev.ignore()  # type: ignore[attr-defined]
            return
        super().mouseDragEvent(ev, axis)


class SurfaceView(QtWidgets.QWidget):
    """A curve or a heat map with contours, trajectories, minima and the current step's arrows.

    Signals carry plot coordinates: ``startPicked(x, y)`` on click or drag (1D: x is w),
    ``hovered(x, y)`` while the mouse moves over the plot.
    """

    startPicked = QtCore.Signal(float, float)
    hovered = QtCore.Signal(float, float)
    viewZoomed = QtCore.Signal(object, object)
    """(x_range, y_range) after the user zoomed or panned, at most once per ZOOM_DELAY_MS."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        axes = {"left": PlainAxis("left"), "bottom": PlainAxis("bottom")}
        self.plot = pg.PlotWidget(self, viewBox=_ZoomViewBox(), axisItems=axes)
        self.plot.setObjectName("surfacePlot")
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot_item = self.plot.getPlotItem()
        self.view_box = self.plot_item.getViewBox()
        self.view_box.setMouseEnabled(True, True)
        self.view_box.disableAutoRange()
        self._zoom_timer = QtCore.QTimer(self)
        self._zoom_timer.setSingleShot(True)
        self._zoom_timer.setInterval(ZOOM_DELAY_MS)
        self._zoom_timer.timeout.connect(self._emit_zoom)
        self.view_box.sigRangeChangedManually.connect(self._zoom_timer.start)
        # The range ends on a tick, whose label is centred on the edge: let it overflow the
        # axis (by up to 15 px, pyqtgraph's allowance) into a margin instead of being clipped.
        self.plot_item.getAxis("left").setStyle(hideOverlappingLabels=False)
        self.plot_item.setContentsMargins(0, LABEL_MARGIN, 0, 0)
        self.basins_legend = QtWidgets.QLabel()
        self.basins_legend.setObjectName("basinsLegend")
        self.basins_legend.setWordWrap(True)
        self.basins_legend.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.basins_legend.setVisible(False)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.basins_legend)
        self._x_range: Range = (0.0, 1.0)
        self._y_range: Range = (0.0, 1.0)
        self._tracks: list[Track] = []
        self._drawn: list[np.ndarray] = []
        """What ``drawn_points`` gave for each track when it was last drawn."""
        self._held: dict[int, tuple[tuple, np.ndarray, np.ndarray, np.ndarray]] = {}
        """Per track item: how it was drawn (playback position, domain, pixel size), from
        which points, what ``drawn_points`` gave and the points handed to the item; while a
        slider is dragged only one run changes, and the others are not clipped, thinned and
        compared again (~1 ms a 20,000-step track)."""
        self._styles: list[tuple[str, bool, bool]] = []
        self._upto: int | None = None
        self.view_box.sigResized.connect(self._on_resized)
        self._create_items()
        scene = self.plot.scene()
        scene.sigMouseClicked.connect(self._on_click)
        scene.sigMouseMoved.connect(self._on_move)

    def _create_items(self) -> None:
        self.image = pg.ImageItem()
        self.image.setZValue(-20)
        self.plot.addItem(self.image)
        colormap = pg.ColorMap(np.linspace(0, 1, len(_FIELD_COLORS)), list(_FIELD_COLORS))
        self.color_bar = self.plot_item.addColorBar(
            self.image, colorMap=colormap, values=(0.0, 1.0), interactive=False, width=16
        )
        # Basins of attraction: an opaque RGBA image over the heat map, under the contours.
        self.basins = pg.ImageItem(axisOrder="row-major")
        self.basins.setZValue(-15)
        self.basins.setVisible(False)
        self.plot.addItem(self.basins)
        self.contours = self.plot.plot(pen=pg.mkPen((60, 70, 90, 150), width=1))
        self.contours.setZValue(-10)
        self.curve = self.plot.plot()
        self.curve.setZValue(-10)
        for static in (self.image, self.contours.curve, self.curve.curve):
            # Thousands of contour segments, the heat map and the 1D curve change only with the
            # surface, but a trajectory redrawn on top repaints everything under it: paint
            # them once into a cached pixmap (redrawn on resize/zoom) instead of every frame
            # (the contours alone cost ~2.7 ms a frame).
            static.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)
        # Not scaled in presentation mode: a larger star would hide where the runs end.
        self.minima = pg.ScatterPlotItem(
            symbol="star", size=22, brush=pg.mkBrush("#FFD700"), pen=pg.mkPen("k", width=1.5)
        )
        self.minima.setZValue(5)
        self.plot.addItem(self.minima)
        self.legend = OutsideLegend(self.plot_item, "11pt")
        self._track_items: list[pg.PlotDataItem] = []
        # Two-point lines moved every frame of a dragged slider: bare curves, without the
        # symbols, downsampling and clipping machinery of a PlotDataItem (~0.3 ms a setData).
        self.tangent = pg.PlotCurveItem()
        self.gradient_line = pg.PlotCurveItem()
        self.step_line = pg.PlotCurveItem()
        self.gradient_head = pg.ArrowItem(pen=None, brush="#d62728")
        self.step_head = pg.ArrowItem(pen=None, brush="#222222")
        for item in (
            self.tangent, self.gradient_line, self.step_line, self.gradient_head, self.step_head
        ):  # fmt: skip
            item.setZValue(10)
            self.plot.addItem(item)
        self._number_items = [pg.TextItem(anchor=(0.5, 1.3)) for _ in range(LABELLED_ITERATES)]
        for text in self._number_items:
            text.setZValue(12)
            self.plot.addItem(text)
        self._style_markers()

    def _style_markers(self) -> None:
        """The curve, tangent and arrows at the presentation scale (`style.scaled`)."""
        self.curve.setPen(pg.mkPen("#9a9a9a", width=scaled(3)))  # lighter than any run
        self.tangent.setPen(pg.mkPen("#d62728", width=scaled(2.5)))
        self.gradient_line.setPen(pg.mkPen("#d62728", width=scaled(2.5)))
        self.step_line.setPen(pg.mkPen("#222222", width=scaled(2.5)))
        for head in (self.gradient_head, self.step_head):
            head.setStyle(headLen=scaled(16))

    def rescale(self) -> None:
        """Pens and markers at the presentation scale now (`gdsim.ui.widgets.presentation`)."""
        self._style_markers()
        self._styles = []
        self.set_tracks(self._tracks, self._upto)

    # -- content ---------------------------------------------------------------------------

    def set_curve(
        self,
        x: np.ndarray,
        y: np.ndarray,
        x_label: str = "w",
        include: Sequence[float] = (),
        keep_view: bool = False,
        focus: bool = False,
    ) -> None:
        """Show a 1D loss curve; the view range becomes its domain and the body of its values
        (a few spikes such as tan(w)'s poles do not flatten the rest), always including the
        ``include`` values (e.g. the start's loss, so a run is not cut off at its first point);
        ``focus`` frames the valleys rather than the walls (see ``display_range``)."""
        self._show_field(False)
        self.contours.setData([], [])
        y_range = display_range(y, robust=True, include=include, focus=focus)
        self.curve.setData(x, _clip_beyond(y, y_range), connect="finite")
        if not keep_view:
            self._set_ranges((float(x[0]), float(x[-1])), y_range, values=True)
        self.plot_item.setLabel("bottom", x_label)
        self.plot_item.setLabel("left", "loss L(w)")

    def set_field(
        self,
        values: np.ndarray,
        x_range: Range,
        y_range: Range,
        log_colors: bool = False,
        labels: tuple[str, str] = ("x", "y"),
        keep_view: bool = False,
    ) -> None:
        """Show a 2D grid (rows = y, columns = x) as a heat map with contour lines and a
        colour bar; with ``log_colors`` colours follow log10(f - min + eps), so a valley six
        decades below the rim is still visible."""
        self._show_field(True)
        self.curve.setData([], [])
        shown, label = _colour_values(np.asarray(values, dtype=float), log_colors)
        low, high = display_range(shown, robust=True, limit=FLOAT32_DISPLAY_LIMIT)
        with np.errstate(invalid="ignore"):
            shown = np.clip(np.nan_to_num(shown, nan=high, posinf=high, neginf=low), low, high)
        image = np.ascontiguousarray(shown, dtype=np.float32)
        self.image.setImage(image, levels=(low, high), autoLevels=False)
        width, height = x_range[1] - x_range[0], y_range[1] - y_range[0]
        self.image.setRect(QtCore.QRectF(x_range[0], y_range[0], width, height))
        self.color_bar.setLevels((low, high))
        self.color_bar.setLabel("right", label)
        ny, nx = shown.shape
        x = np.linspace(x_range[0], x_range[1], nx)
        y = np.linspace(y_range[0], y_range[1], ny)
        levels = np.linspace(low, high, CONTOUR_LEVELS + 2)[1:-1]
        self.contours.setData(*contour_lines(x, y, shown, levels), connect="finite")
        if not keep_view:
            self._set_ranges(x_range, y_range, values=False)
        self.plot_item.setLabel("bottom", labels[0])
        self.plot_item.setLabel("left", labels[1])

    def set_basins(
        self, rgba: np.ndarray | None, x_range: Range, y_range: Range, legend: str = ""
    ) -> None:
        """Show an RGBA image (rows = y, columns = x, uint8) over the box under the contours,
        and ``legend`` (rich text) under the plot; None removes both."""
        if rgba is None:
            self.basins.setVisible(False)
            self.basins.clear()
            self.basins_legend.setVisible(False)
            return
        self.basins.setImage(np.ascontiguousarray(rgba, dtype=np.uint8), autoLevels=False)
        width, height = x_range[1] - x_range[0], y_range[1] - y_range[0]
        self.basins.setRect(QtCore.QRectF(x_range[0], y_range[0], width, height))
        self.basins.setVisible(True)
        self.basins_legend.setText(legend)
        self.basins_legend.setVisible(bool(legend))

    def set_minima(self, xy: np.ndarray) -> None:
        """Mark known minima with stars (an empty array removes them)."""
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        shown = np.column_stack(
            [_clip_beyond(xy[:, 0], self._x_range), _clip_beyond(xy[:, 1], self._y_range)]
        )
        self.minima.setData(pos=shown)

    def set_tracks(self, tracks: Sequence[Track], upto: int | None = None) -> None:
        """Draw trajectories with markers; ``upto`` shows only iterates 0..upto (playback)."""
        self._tracks = list(tracks)
        self._upto = upto
        while len(self._track_items) < len(self._tracks):
            item = self.plot.plot(symbol="o")
            item.setZValue(100 - len(self._track_items))  # the first run (the badge's) on top
            self._track_items.append(item)
        styles = []
        cell = tuple(_cell(size) for size in self.view_box.viewPixelSize())
        how = (upto, self._x_range, self._y_range, cell)
        self._drawn = []
        for index, (item, track) in enumerate(zip(self._track_items, self._tracks, strict=False)):
            held = self._held.get(index)
            kept = held is not None and held[0] == how and unchanged(held[1], track.xy)
            if kept:
                xy, shown = held[2], held[3]
            else:
                xy = self.drawn_points(track)
                shown = xy
                if len(xy) > MARKED_ITERATES:  # no marker per iterate: the points that show
                    shown = xy[path_indices(xy, cell)]
                self._held[index] = (how, np.asarray(track.xy), xy, shown)
            self._drawn.append(xy)
            style = (track.color, len(xy) <= THICK_LINE_LIMIT, len(xy) <= MARKED_ITERATES)
            restyle = index >= len(self._styles) or self._styles[index] != style
            if restyle:
                _apply_style(item, *style)
            styles.append(style)
            changed = restyle or not (kept or shows_points(item, shown[:, 0], shown[:, 1]))
            if changed:
                item.setData(shown[:, 0], shown[:, 1])
            for part in (item.curve, item.scatter):
                cache_while_still(part, not changed)
            item.setVisible(True)
        for index in range(len(self._tracks), len(self._track_items)):
            self._held.pop(index, None)
        for item in self._track_items[len(self._tracks) :]:
            item.setData([], [])
            item.setVisible(False)
        restyled = styles != self._styles
        self._styles = styles
        # A lone run needs no legend: the header names it.
        names = [t.name for t in self._tracks] if len(self._tracks) > 1 else []
        refresh_legend(self.legend, self._track_items, names, restyled)
        self._number_first_track()

    def drawn_points(self, track: Track) -> np.ndarray:
        """What is actually drawn of a track: up to the playback position, inside the domain."""
        xy = np.asarray(track.xy, dtype=float).reshape(-1, 2)
        if self._upto is not None:
            xy = xy[: self._upto + 1]
        drawn = inside_prefix(xy, self._x_range, self._y_range)
        return np.column_stack(
            [_clip_beyond(drawn[:, 0], self._x_range), _clip_beyond(drawn[:, 1], self._y_range)]
        )

    def drawn_count(self, index: int) -> int:
        """How many points of track ``index`` are on screen (tests and teachers' checks)."""
        return len(self._drawn[index])

    def set_tangent(self, x: float, y: float, slope: float) -> None:
        """1D: the tangent line at the current iterate, a fifth of the domain wide."""
        half = 0.1 * (self._x_range[1] - self._x_range[0])
        if not all(math.isfinite(v) for v in (x, y, slope)):
            self.clear_markers()
            return
        with np.errstate(over="ignore"):
            ends = _clip_beyond(np.array([y - slope * half, y + slope * half]), self._y_range)
        self.tangent.setData([x - half, x + half], ends)

    def set_arrows(
        self, origin: Sequence[float], gradient: Sequence[float], step: Sequence[float] | None
    ) -> None:
        """2D: the downhill direction -grad (fixed length, its size is in the status bar) and
        the step actually taken from ``origin`` (true length)."""
        origin = np.asarray(origin, dtype=float)
        downhill = -np.asarray(gradient, dtype=float)
        norm = float(np.hypot(*downhill))
        if not (np.all(np.isfinite(origin)) and math.isfinite(norm)) or norm == 0.0:
            self._arrow(self.gradient_line, self.gradient_head, None, None)
        else:
            length = ARROW_FRACTION * (self._x_range[1] - self._x_range[0])
            self._arrow(self.gradient_line, self.gradient_head, origin, downhill * length / norm)
        step_vector = None if step is None else np.asarray(step, dtype=float)
        self._arrow(self.step_line, self.step_head, origin, step_vector)

    def clear_markers(self) -> None:
        """Remove tangent and arrows (e.g. when nothing is current)."""
        self.tangent.setData([], [])
        self._arrow(self.gradient_line, self.gradient_head, None, None)
        self._arrow(self.step_line, self.step_head, None, None)

    # -- internals -------------------------------------------------------------------------

    def _arrow(
        self,
        line: pg.PlotDataItem,
        head: pg.ArrowItem,
        origin: np.ndarray | None,
        vector: np.ndarray | None,
    ) -> None:
        drawable = origin is not None and vector is not None and np.all(np.isfinite(vector))
        if not drawable or float(np.hypot(*vector)) == 0.0:
            line.setData([], [])
            head.setVisible(False)
            return
        tip = origin + vector
        line.setData([origin[0], tip[0]], [origin[1], tip[1]], skipFiniteCheck=True)
        pixel_w, pixel_h = self.view_box.viewPixelSize()
        if pixel_w and pixel_h:  # a plot not laid out yet (a hidden tab) has no pixels
            screen_angle = math.degrees(math.atan2(vector[1] / pixel_h, vector[0] / pixel_w))
        else:
            screen_angle = math.degrees(math.atan2(vector[1], vector[0]))
        if head.opts["angle"] != 180.0 - screen_angle:  # setStyle rebuilds the head's path
            head.setStyle(angle=180.0 - screen_angle)
        head.setPos(float(tip[0]), float(tip[1]))
        head.setVisible(True)

    def _number_first_track(self) -> None:
        """Number the first track's iterates (1D only: the lectures' numbered pictures),
        skipping iterates that would print on top of the previous number."""
        points = (
            self._drawn[0]
            if self._tracks and not self.image.isVisible()
            else np.empty((0, 2))
        )
        pixel_w, pixel_h = self.view_box.viewPixelSize()
        labelled: list[tuple[int, np.ndarray]] = []
        for index, point in enumerate(points):
            if len(labelled) == len(self._number_items):
                break
            if labelled:
                dx, dy = (point - labelled[-1][1]) / (pixel_w, pixel_h)
                if math.hypot(dx, dy) < scaled(16):  # numbers grow in presentation mode
                    continue
            labelled.append((index, point))
        for slot, text in enumerate(self._number_items):
            if slot < len(labelled):
                index, point = labelled[slot]
                text.setText(str(index), color=self._tracks[0].color)
                text.setPos(float(point[0]), float(point[1]))
                text.setVisible(True)
            else:
                text.setVisible(False)

    def _show_field(self, visible: bool) -> None:
        self.clear_markers()
        self.image.setVisible(visible)
        self.color_bar.setVisible(visible)
        self.color_bar.setMaximumWidth(10_000 if visible else 0)
        self.plot_item.setAspectLocked(False)

    def _set_ranges(self, x_range: Range, y_range: Range, values: bool) -> None:
        """Show these ranges (``values``: the y axis shows a curve's values, not a variable)."""
        self._x_range, self._y_range = x_range, y_range
        self.view_box.values_on_y = values
        self.view_box.limit_zoom(x_range, y_range)
        self.view_box.setRange(xRange=x_range, yRange=y_range, padding=0.0)

    def view_ranges(self) -> tuple[Range, Range]:
        """The x and y ranges on screen now (after any zoom or pan)."""
        (x_low, x_high), (y_low, y_high) = self.view_box.viewRange()
        return (float(x_low), float(x_high)), (float(y_low), float(y_high))

    @QtCore.Slot(object)
    def _on_resized(self, _view_box: object) -> None:
        """A new size is a new pixel size: tracks thinned for the old one get their points
        again (`set_tracks` redraws only those whose cells changed)."""
        if self._tracks:
            self.set_tracks(self._tracks, self._upto)

    @QtCore.Slot()
    def _emit_zoom(self) -> None:
        """Tracks again at the new pixel size (thinned for the old one, a zoom in on a
        converged run would show its last pixel's worth of steps as one), then the news."""
        self.set_tracks(self._tracks, self._upto)
        self.viewZoomed.emit(*self.view_ranges())

    def _view_point(self, scene_pos: QtCore.QPointF) -> QtCore.QPointF | None:
        if not self.view_box.sceneBoundingRect().contains(scene_pos):
            return None
        return self.view_box.mapSceneToView(scene_pos)

    def _on_click(self, event: object) -> None:
        if event.button() != QtCore.Qt.MouseButton.LeftButton:  # type: ignore[attr-defined]
            return
        point = self._view_point(event.scenePos())  # type: ignore[attr-defined]
        if point is not None:
            self.startPicked.emit(point.x(), point.y())

    def _on_move(self, scene_pos: QtCore.QPointF) -> None:
        point = self._view_point(scene_pos)
        if point is None:
            return
        self.hovered.emit(point.x(), point.y())
        buttons = QtWidgets.QApplication.mouseButtons()
        if buttons & QtCore.Qt.MouseButton.LeftButton:
            self.startPicked.emit(point.x(), point.y())


def _cell(pixel: float) -> float:
    """A power of two between a quarter and half of ``pixel`` (0 when the plot has no pixels
    yet): the size a track is thinned at changes with the zoom, not with every sub-pixel
    change of the plot's layout (which would thin and hand over every track again)."""
    if not (math.isfinite(pixel) and pixel > 0):
        return 0.0
    return 2.0 ** math.floor(math.log2(pixel / CELLS_PER_PIXEL))


def _clip_beyond(y: np.ndarray, shown: Range) -> np.ndarray:
    """Values clipped to CLIP_SPANS range-widths beyond ``shown``: lines that leave the view
    still run off its edge, but no coordinate is large enough to overflow the painter (1e308)."""
    span = CLIP_SPANS * (shown[1] - shown[0])
    with np.errstate(invalid="ignore"):
        return np.clip(np.asarray(y, dtype=float), shown[0] - span, shown[1] + span)


def _apply_style(item: pg.PlotDataItem, color: str, thick: bool, marked: bool) -> None:
    """Pens and markers of a track, set only when they change (each setter costs ~1 ms):
    short tracks get 2 px lines and a marker per iterate, long ones 1 px lines (2 px pens are
    ~5x slower on long lines) and no markers (a smear, and slow to place)."""
    item.setPen(pg.mkPen(color, width=scaled(2 if thick else 1)))
    item.setSymbol("o" if marked else None)
    item.setSymbolSize(scaled(9))
    item.setSymbolBrush(pg.mkBrush(color))
    item.setSymbolPen(pg.mkPen("w", width=scaled(1)))


def _colour_values(values: np.ndarray, log_colors: bool) -> tuple[np.ndarray, str]:
    """What the colours show: f itself, or log10(f - min + eps) with eps a millionth of the
    range (so the minimum itself is finite)."""
    if not log_colors:
        return values, "f"
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return values, "f"
    low = float(finite.min())
    eps = max(1e-6 * (float(finite.max()) - low), 1e-12)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.log10(values - low + eps), "log₁₀(f − min)"
