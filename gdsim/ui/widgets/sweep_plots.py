"""The learning-rate sweep's plots: a measure against η (log-log) and, for a 1D surface, the
bifurcation diagram (the last iterates against η) below it, on the same η axis.

Every dot is one run, coloured by its verdict (the explorer's colours), over pale bands of the
same colours, with dashed lines at 1/λ and 2/λ (and 2(1+β)/λ) in the step-size slider's
colours for them. A log axis cannot show 0, NaN or infinity, so no run is dropped: a diverged
or non-finite run is a ▲ at the top edge, an exact 0 a ▼ at the bottom (``core.sweep.plotted``).

pyqtgraph's log mode transforms only the items that implement ``setLogMode`` (curves), not
scatter items, images or lines: so every item here is given log10 coordinates, and the axes'
log mode only labels the ticks as powers of ten.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.core.sweep import EDGE_BOTTOM, EDGE_TOP, Measure, SweepResult, plotted
from gdsim.core.verdict import Regime
from gdsim.ui.style import THRESHOLD_COLORS, VERDICT_STYLE, scaled
from gdsim.ui.widgets.loss_plot import SparseLogAxis
from gdsim.ui.widgets.plot_legend import OutsideLegend

DOT = 7.0
"""Marker size of a run on the main plot (pixels, before the presentation scale)."""

TAIL_ROWS = 240
"""Rows of the bifurcation image: an iterate lights the row of its value in its run's column.
An image, not markers: 2,000 runs x 50 iterates as scatter points took 1.4 s to set and 0.3 s
to paint; the image takes milliseconds."""

BAND_SHARE = 0.18
"""How much of its verdict's colour a band behind the dots has (the rest is white): pale enough
to read the dots on. Mixed here rather than drawn translucent, and without a grid: blending and
the log axes' grid lines were two thirds of a 2,000-run repaint (53 ms, now ~15)."""

LINE_KINDS = {"1/λ": "monotone", "2/λ": "stable", "2(1+β)/λ": "momentum"}
"""Which threshold colour (``style.THRESHOLD_COLORS``, the step-size slider's) marks which rate."""

LABEL_HEIGHTS = (0.95, 0.83, 0.71)
"""Where along its line each rate's label sits, so that neighbouring labels do not overlap."""

AXIS_WIDTH = 72
"""The left axes' width in pixels, the same on both plots so that their η axes line up."""

SYMBOLS = {0: "o", EDGE_TOP: "t1", EDGE_BOTTOM: "t"}
"""A run inside the plot, above its top edge (▲), below its bottom edge (▼)."""


def verdict_label(regime: Regime) -> str:
    symbol, _ = VERDICT_STYLE[regime]
    return f"{symbol} {regime.value}"


class SweepPlots(QtWidgets.QWidget):
    """Draws a ``SweepResult``; reports the η under the mouse and the run clicked."""

    runClicked = QtCore.Signal(int)
    """The index of the run whose dot was clicked."""
    hovered = QtCore.Signal(float)
    """The η under the mouse (on either plot)."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(
            self, axisItems={"left": SparseLogAxis("left"), "bottom": SparseLogAxis("bottom")}
        )
        self.plot.setObjectName("sweepPlot")
        self.bifurcation = pg.PlotWidget(self, axisItems={"bottom": SparseLogAxis("bottom")})
        self.bifurcation.setObjectName("bifurcationPlot")
        splitter = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical, self)
        splitter.setObjectName("sweepPlotsSplitter")
        splitter.addWidget(self.plot)
        splitter.addWidget(self.bifurcation)
        splitter.setSizes([600, 400])
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

        main = self.plot.getPlotItem()
        main.setLogMode(x=True, y=True)
        main.setLabel("bottom", "learning rate η")
        main.setMenuEnabled(False)
        self.bands = pg.ImageItem(axisOrder="row-major")
        self.bands.setZValue(-10)
        main.addItem(self.bands, ignoreBounds=True)
        self.dots = {regime: self._scatter(main, regime, DOT) for regime in Regime}
        self.lines: list[pg.InfiniteLine] = []
        for label in LINE_KINDS:
            line = pg.InfiniteLine(angle=90, movable=False, label=label)
            line.setZValue(5)
            line.hide()
            main.addItem(line, ignoreBounds=True)
            self.lines.append(line)
        self.legend = OutsideLegend(main)
        for regime, item in self.dots.items():
            self.legend.addItem(item, verdict_label(regime))

        tails = self.bifurcation.getPlotItem()
        tails.setLogMode(x=True, y=False)
        tails.setLabel("bottom", "learning rate η")
        tails.setLabel("left", "last 50 iterates w")
        tails.setMenuEnabled(False)
        self.tail_image = pg.ImageItem(axisOrder="row-major")
        tails.addItem(self.tail_image)
        self.tail_lines: list[pg.InfiniteLine] = []
        for _label in LINE_KINDS:
            line = pg.InfiniteLine(angle=90, movable=False)
            line.hide()
            tails.addItem(line, ignoreBounds=True)
            self.tail_lines.append(line)

        for view in (self.plot, self.bifurcation):  # the two η axes line up
            view.getAxis("left").setWidth(AXIS_WIDTH)
            # Fixed views: a zoom on one would leave the other's η axis behind (a link
            # between two views outliving one another is a crash risk on deletion).
            view.getPlotItem().setMouseEnabled(x=False, y=False)
        self._result: SweepResult | None = None
        self._measure = Measure.LOSS
        self._marks: list[tuple[str, float]] = []
        for view in (self.plot, self.bifurcation):
            view.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.rescale()

    def _scatter(self, plot: pg.PlotItem, regime: Regime, size: float) -> pg.ScatterPlotItem:
        _, color = VERDICT_STYLE[regime]
        item = pg.ScatterPlotItem(size=size, pen=None, brush=pg.mkBrush(color))
        item.base_size = size  # type: ignore[attr-defined]
        item.sigClicked.connect(self._on_clicked)
        plot.addItem(item)
        return item

    def draw(self, result: SweepResult, measure: Measure) -> None:
        """Show the runs done so far for ``measure`` (the caller offers only measures that
        apply: ``plotted`` is None for a distance without a known minimum)."""
        self._result, self._measure = result, measure
        points = plotted(result, measure)
        regimes = np.array([r.value for r in result.regimes])
        x = np.log10(result.lrs[: result.done]) if result.done else np.zeros(0)
        main = self.plot.getPlotItem()
        if points is not None:
            y = np.log10(points.values)
            for regime, item in self.dots.items():
                members = np.flatnonzero(regimes == regime.value)
                symbols = [SYMBOLS[int(e)] for e in points.edge[members]]
                item.setData(x=x[members], y=y[members], data=members, symbol=symbols)
            main.setLabel("left", points.label)
            main.setYRange(math.log10(points.low), math.log10(points.high), padding=0)
            self._draw_bands(result, regimes, math.log10(points.low), math.log10(points.high))
        low, high = np.log10(result.lrs[[0, -1]])
        for view in (self.plot, self.bifurcation):  # the same η axis, set rather than linked
            view.getPlotItem().setXRange(low, high, padding=0.02)
        self._marks = result.critical_marks()
        self._draw_lines()
        self._draw_tails(result, regimes)

    def _draw_bands(
        self, result: SweepResult, regimes: np.ndarray, low: float, high: float
    ) -> None:
        """One pale column per run (the grid is even in log η, so the columns are equal)."""
        if result.done == 0:
            self.bands.hide()
            return
        colours = _verdict_colours(regimes, BAND_SHARE)[None, :, :]
        self.bands.setImage(colours, autoLevels=False)
        self.bands.setRect(_columns(result, low, high))
        self.bands.show()

    def _draw_lines(self) -> None:
        for index, (line, twin) in enumerate(zip(self.lines, self.tail_lines, strict=True)):
            if index >= len(self._marks):
                line.hide()
                twin.hide()
                continue
            name, value = self._marks[index]
            color = THRESHOLD_COLORS[LINE_KINDS[name]]
            pen = pg.mkPen(color, width=scaled(1.5), style=QtCore.Qt.PenStyle.DashLine)
            for item in (line, twin):
                item.setPos(math.log10(value))
                item.setPen(pen)
                item.show()
            line.label.setFormat(f"{name} = {value:.3g}")
            line.label.setColor(color)
            line.label.setPosition(LABEL_HEIGHTS[index])
            line.label.fill = pg.mkBrush(255, 255, 255, 220)

    def _draw_tails(self, result: SweepResult, regimes: np.ndarray) -> None:
        """The late iterates of each run in its column, in its verdict's colour; hidden for a
        2D surface. The value range follows the runs that stay: a diverging run's growing
        swings would flatten the orbits into a line (they leave the image)."""
        tails = result.tails
        self.bifurcation.setVisible(tails is not None)
        if tails is None or result.done == 0:
            self.tail_image.hide()
            return
        kept = tails[regimes != Regime.DIVERGED.value]
        finite = kept[np.isfinite(kept)]
        if finite.size == 0:
            self.tail_image.hide()
            return
        span = max(float(finite.max() - finite.min()), 1e-9)
        low, high = float(finite.min()) - 0.05 * span, float(finite.max()) + 0.05 * span
        with np.errstate(invalid="ignore"):
            rows = np.floor((tails - low) / (high - low) * TAIL_ROWS)
        columns = np.broadcast_to(np.arange(result.done)[:, None], tails.shape)
        lit = np.isfinite(rows) & (rows >= 0) & (rows < TAIL_ROWS)
        image = np.zeros((TAIL_ROWS, result.done, 4), dtype=np.uint8)
        colours = _verdict_colours(regimes)[columns[lit]]
        thickness = round(scaled(1.0))  # rows lit on each side: a lone row vanishes on screen
        for shift in range(-thickness, thickness + 1):
            image[np.clip(rows[lit].astype(int) + shift, 0, TAIL_ROWS - 1), columns[lit]] = colours
        self.tail_image.setImage(image, autoLevels=False)
        self.tail_image.setRect(_columns(result, low, high))
        self.tail_image.show()
        self.bifurcation.getPlotItem().setYRange(low, high, padding=0)

    def rescale(self) -> None:
        """Markers, lines and iterates at the presentation scale (see
        `gdsim.ui.widgets.presentation`)."""
        for item in self.dots.values():
            item.setSize(scaled(item.base_size))  # type: ignore[attr-defined]
        self._draw_lines()
        if self._result is not None:
            regimes = np.array([r.value for r in self._result.regimes])
            self._draw_tails(self._result, regimes)

    @QtCore.Slot(object, object, object)
    def _on_clicked(self, _item: pg.ScatterPlotItem, points: list, _event: object) -> None:
        if len(points):
            self.runClicked.emit(int(points[0].data()))

    @QtCore.Slot(object)
    def _on_mouse_moved(self, position: QtCore.QPointF) -> None:
        scene = self.sender()
        for view in (self.plot, self.bifurcation):
            box = view.getPlotItem().getViewBox()
            if view.scene() is scene and box.sceneBoundingRect().contains(position):
                self.hovered.emit(10 ** box.mapSceneToView(position).x())


def _verdict_colours(regimes: np.ndarray, share: float = 1.0) -> np.ndarray:
    """Each run's verdict colour as opaque RGBA bytes, (K, 4), mixed with ``1 - share`` of
    white."""
    colours = np.zeros((len(regimes), 4), dtype=np.uint8)
    for regime in Regime:
        rgb = np.array(QtGui.QColor(VERDICT_STYLE[regime][1]).getRgb()[:3], dtype=float)
        mixed = np.round(share * rgb + (1.0 - share) * 255.0).astype(np.uint8)
        colours[regimes == regime.value] = (*mixed, 255)
    return colours


def _columns(result: SweepResult, low: float, high: float) -> QtCore.QRectF:
    """Where an image with one column per run done goes: the grid is even in log η, so each
    column is one grid step wide, centred on its run."""
    logs = np.log10(result.lrs)
    half = (logs[-1] - logs[0]) / max(len(logs) - 1, 1) / 2
    left = logs[0] - half
    return QtCore.QRectF(left, low, logs[result.done - 1] + half - left, high - low)
