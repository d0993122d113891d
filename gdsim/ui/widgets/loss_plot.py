"""Loss (or any positive quantity) against iteration, one curve per run, on a log axis.

Built for runs that blow up: values that are non-finite or absurdly large are clipped to a
ceiling derived from the sane part of the data, so one diverging run never squeezes the others
into a flat line at the bottom of an axis that reaches 1e300. Curves are created once and
updated with `setData` (pyqtgraph's fast path), with peak-preserving downsampling for long
histories.

Redrawn up to 60 times a second (a dragged slider, live training), so the axes move only when
they must: the x-range can be fixed to the step budget, and the y-range changes only when the
data leaves it or fills less than half of it. Re-laying out an axis costs ~2 ms a frame.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.core.surfaces import DISPLAY_LIMIT, MIN_SPAN
from gdsim.core.thinning import unchanged
from gdsim.ui.style import scaled
from gdsim.ui.widgets.plot_legend import OutsideLegend

CEILING_FACTOR = 1e4
"""A curve may rise this many times above the largest starting value before it is clipped."""

THICK_LINE_POINTS = 200
"""By default, curves up to this many points get 2 px pens (readable on a projector) and longer
ones 1 px: a 2 px pen costs ~0.5 ms per 500-point curve, 1 px ~0.1 ms, which matters at 60
frames a second; a plot redrawn a few times a second can afford more (`thick_up_to`)."""

LOOSE_RANGE = 2.0
"""The y-range is kept while the data spans more than 1/LOOSE_RANGE of it (axis units)."""

LABEL_MARGIN = 10
"""Pixels above a plot for its top tick label's upper half (the range often ends on a tick)."""

MAX_X_SPAN = 1e7
"""The widest step axis a wheel zoom may reach (runs have at most a million steps): further out,
pyqtgraph's down-sampling asks numpy for an array larger than memory and raises on every
repaint."""

LABEL_ROOM = 1.2
"""Lines of text between two labels of an upright axis: a label and a fifth of a gap."""

LABELLED_TICKS = 3
"""A log axis spanning too little to reach a labelled power or multiple gets this many plain
ticks (2.6, 2.7, 2.8) instead of none."""


@dataclass(frozen=True)
class Series:
    """One curve: its label (empty: no legend entry), x and y values, and colour. A `faint`
    curve is drawn thin and translucent (raw minibatch losses under their bold moving
    average) and has no legend entry either."""

    name: str
    x: np.ndarray
    y: np.ndarray
    color: str
    dashed: bool = False
    faint: bool = False


FAINT_ALPHA = 70
"""Opacity (of 255) of a faint curve: its noise stays visible without hiding the bold one."""


HALO = 3
"""How much wider a curve is drawn when a later one lies exactly on it: it shows as a border
around that one instead of vanishing (w² at η = 0.2 and η = 0.8 have the same loss at every
step, since |1 − 2η| = 0.6 for both)."""


Pairs = dict[tuple[int, int], tuple[Series, Series, bool]]
"""``covered_series``'s answers by the positions of two series, with the series compared."""


def covered_series(series: Sequence[Series], known: Pairs | None = None) -> list[bool]:
    """For each curve, whether a curve drawn after it has the same points (it would be hidden):
    equal to a millionth, and to 1e-12 of the curve's largest value near zero (two runs that
    reach the minimum stop at different rounding errors, 1e-16 against 0). ``known``: the
    answers for pairs of positions from a call before, reused where both series are the same
    objects (while a slider is dragged, only the pairs with its run are compared again), and
    updated."""
    known = {} if known is None else known
    covered = [False] * len(series)
    for index, item in enumerate(series):
        for offset, later in enumerate(series[index + 1 :], start=index + 1):
            before = known.get((index, offset))
            if before is not None and before[0] is item and before[1] is later:
                same = before[2]
            else:
                same = _same_curve(item, later)
                known[(index, offset)] = (item, later, same)
            if same:
                covered[index] = True
                break
    return covered


def _same_curve(item: Series, later: Series) -> bool:
    """Whether ``later`` hides ``item`` (see ``covered_series``). The last points are compared
    first, as plain numbers: different runs almost always end apart, and comparing every
    pair of curves whole cost ~1 ms a frame of a dragged slider."""
    if later.x.shape != item.x.shape or not np.array_equal(later.x, item.x):
        return False
    atol = 1e-12 * _scale(item.y)
    if item.y.size:
        end, later_end = float(item.y[-1]), float(later.y[-1])
        both_nan = math.isnan(end) and math.isnan(later_end)
        if not (both_nan or end == later_end or abs(later_end - end) <= atol + 1e-6 * abs(end)):
            return False
    return np.allclose(later.y, item.y, rtol=1e-6, atol=atol, equal_nan=True)


def _scale(values: np.ndarray) -> float:
    finite = np.abs(values[np.isfinite(values)])
    return float(finite.max()) if finite.size else 0.0


Extent = tuple[float, float, float]
"""A series' smallest and largest value worth showing, and the size of its first one."""


def series_extent(y: np.ndarray, log: bool) -> Extent | None:
    """What ``display_limits`` needs of one series' values (positive ones only on a log
    axis); None when it has none."""
    values = np.clip(y[np.isfinite(y)], -DISPLAY_LIMIT, DISPLAY_LIMIT)
    if log:
        values = values[values > 0]
    if not values.size:
        return None
    return float(values.min()), float(values.max()), abs(float(values[0]))


def display_limits(
    series: Sequence[Series], log: bool, extents: Sequence[Extent | None] | None = None
) -> tuple[float, float] | None:
    """The y-range worth showing: from the smallest (positive, on log axes) value to the
    smaller of the largest value and CEILING_FACTOR x the largest starting value. ``extents``:
    each series' ``series_extent``, when known already."""
    if extents is None:
        extents = [series_extent(item.y, log) for item in series]
    found = [extent for extent in extents if extent is not None]
    if not found:
        return None
    low = min(extent[0] for extent in found)
    high = max(extent[1] for extent in found)
    start = max(extent[2] for extent in found)
    ceiling = start * CEILING_FACTOR if start > 0 else high
    high = min(high, ceiling) if ceiling > low else high
    if log:
        low = max(low, high * 1e-16)
        return low, max(high, low * (1.0 + 1e-9))
    return low, max(high, low + MIN_SPAN)


def refresh_legend(
    legend: pg.LegendItem, items: Sequence[pg.GraphicsObject], names: Sequence[str], restyled: bool
) -> None:
    """Show ``names`` for the first ``len(names)`` items. The legend is rebuilt only when its
    entries are other items or another count (a rebuild lays out new text items: ~15 ms, the
    longest part of a training run's first frame). Otherwise only the labels whose text changed
    are relabelled, in entries that only grow (cheap enough for every frame of a dragged
    slider), and a restyle (``restyled``: new pens, a run thickened or haloed) repaints the
    samples, which draw their item's pen and symbol as they are now."""
    entries = [sample.item for sample, _label in legend.items]
    if len(entries) != len(names) or any(
        entry is not item for entry, item in zip(entries, items, strict=False)
    ):
        legend.clear()
        for item, name in zip(items, names, strict=False):
            legend.addItem(item, name)
        return
    for (sample, label), name in zip(legend.items, names, strict=True):
        if label.text != name:
            relabel(label, name)
        if restyled:
            sample.update()


def relabel(label: pg.LabelItem, text: str) -> None:
    """``label.setText(text)``, never narrower until the legend's next rebuild, and without
    re-laying the plot out when the text fits the room the label has. The dragged run's name
    changes every frame ("η = 0.0012" against "η = 0.00115"): a narrower label re-laid the
    plot out (axes, cached heat map and contours) and shook it, and ``setText`` alone asks the
    plot's layout three times to place everything again (~1 ms a plot and frame), though
    nothing moves. Plain text (no markup) only swaps the characters in the label's styled
    document, keeping pyqtgraph's colour and size."""
    width, height = label.minimumWidth(), label.minimumHeight()
    if "<" not in text and "&" not in text:
        cursor = QtGui.QTextCursor(label.item.document())
        cursor.select(QtGui.QTextCursor.SelectionType.Document)
        cursor.insertText(text)
        room = label.itemRect()
        if room.width() <= width and room.height() <= height:
            label.text = text
            return
    label.setText(text)
    label.setMinimumWidth(max(width, label.minimumWidth()))


def distinct_labels(values: Sequence[float]) -> list[str]:
    """The values with as few significant digits as keep them apart (at least 3): pyqtgraph's
    own '%g' labels every tick of 1e308*w*w, or of values far from zero, the same."""
    labels: list[str] = []
    for digits in range(3, 18):
        labels = [f"{value:.{digits}g}" for value in values]
        if len(set(labels)) == len(labels):
            break
    return labels


def plain_ticks(low: float, high: float, count: int = LABELLED_TICKS) -> np.ndarray:
    """At least ``count`` round values (1, 2 or 5 times a power of ten apart) in [low, high]."""
    power = math.floor(math.log10(high - low))
    for exponent in range(power, power - 3, -1):
        for multiple in (5, 2, 1):
            step = multiple * 10.0**exponent
            ticks = np.arange(math.ceil(low / step), math.floor(high / step) + 1) * step
            if len(ticks) >= count:
                return ticks
    return np.array([low, high])


def wider_spacing(spacing: float) -> float:
    """The next tick spacing of the 1-2-5 series after ``spacing`` (500 -> 1000 -> 2000)."""
    power = 10.0 ** math.floor(math.log10(spacing))
    for multiple in (2, 5, 10):
        if multiple * power > spacing * (1 + 1e-9):
            return multiple * power
    return 10 * power


class PlainAxis(pg.AxisItem):
    """An axis that labels values as they are: no SI prefix scaling (a loss axis read
    "(x0.001)", a huge curve "(x1e+27)"), never two ticks with the same label, and never more
    labels than fit side by side (or one above another)."""

    def __init__(self, orientation: str, **kwargs: object) -> None:
        super().__init__(orientation, **kwargs)
        self.enableAutoSIPrefix(False)

    def tickSpacing(
        self, minVal: float, maxVal: float, size: float
    ) -> list[tuple[float, float]]:
        """pyqtgraph keeps at least two intervals whatever the length, so a narrow step axis
        (three plots side by side at 1024x768 in presentation mode) printed "5001000 1500" and
        a short R² axis six labels in 70 px: widen the spacing until the widest label (or a
        line of text, upright), plus a gap, fits between ticks."""
        levels = super().tickSpacing(minVal, maxVal, size)
        if self.logMode or not levels or size <= 0:
            return levels
        metrics = self._tick_metrics()
        largest = max(abs(minVal), abs(maxVal))

        def crowded(spacing: float) -> bool:
            if self.orientation in ("left", "right"):
                return spacing * size / span < metrics.height() * LABEL_ROOM
            value = math.floor(largest / spacing) * spacing
            widest = f"{-value if min(minVal, maxVal) < 0 else value:g}"
            gap = metrics.horizontalAdvance("0") / 2
            return spacing * size / span < metrics.horizontalAdvance(widest) + gap

        spacing, span = levels[0][0], abs(maxVal - minVal)
        while crowded(spacing) and span / spacing > 1:
            spacing = wider_spacing(spacing)
        return levels if spacing == levels[0][0] else [(spacing, 0.0)]

    def _tick_metrics(self) -> QtGui.QFontMetricsF:
        return QtGui.QFontMetricsF(self.style["tickFont"] or self.font())

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        strings = super().tickStrings(values, scale, spacing)
        if self.logMode or len(set(strings)) == len(strings):
            return strings
        return distinct_labels([value * scale for value in values])


class SparseLogAxis(PlainAxis):
    """A log axis that labels only 1, 2 and 5 times a power of ten once ticks are many:
    pyqtgraph judges crowding by total text length, so across two decades it printed all of
    0.02 ... 0.09 on top of each other. Across less than a decade, where pyqtgraph finds at
    most one tick (2.55 to 2.85 has none), it gets plain ones. An upright axis too short for
    its 1-2-5 labels keeps the powers of ten, and if even those crowd, every k-th."""

    _decade_step = 1
    """Label every k-th power of ten; 0: label 1, 2 and 5 times them (set per layout)."""

    def logTickValues(
        self, minVal: float, maxVal: float, size: float, stdTicks: list
    ) -> list[tuple[float | None, list[float]]]:
        self._decade_step = 0
        if self.orientation in ("left", "right") and maxVal > minVal and size > 0:
            fits = max(1, int(size / (self._tick_metrics().height() * LABEL_ROOM)))
            values = np.log10([m * 10.0**e for e in range(math.floor(minVal), math.ceil(maxVal) + 1)
                               for m in (1, 2, 5)])  # fmt: skip
            decades = math.floor(maxVal) - math.ceil(minVal) + 1
            if np.count_nonzero((values >= minVal) & (values <= maxVal)) > fits:
                self._decade_step = max(1, math.ceil(decades / fits))
        levels = super().logTickValues(minVal, maxVal, size, stdTicks)
        inside = [v for _spacing, values in levels for v in values if minVal <= v <= maxVal]
        if len(inside) >= 2 or not maxVal > minVal:
            return levels
        return [(None, list(np.log10(plain_ticks(10.0**minVal, 10.0**maxVal))))]

    def logTickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        mantissas = np.round(10 ** (np.asarray(values) - np.floor(values)), 6)
        if not np.all(mantissas == np.round(mantissas)):  # plain ticks: 2.6, 2.7, 2.8
            return distinct_labels(list(10.0 ** np.asarray(values) * scale))
        strings = super().logTickStrings(values, scale, spacing)
        if self._decade_step:
            step = self._decade_step
            return [
                text if m == 1 and round(v) % step == 0 else ""
                for text, m, v in zip(strings, mantissas, values, strict=True)
            ]
        if len(values) <= 6:
            return strings
        return [text if m in (1, 2, 5) else "" for text, m in zip(strings, mantissas, strict=True)]


def cache_while_still(item: QtWidgets.QGraphicsItem, still: bool) -> None:
    """Paint ``item`` from a pixmap of itself while its data stay (``still``), directly
    while they change. A dragged slider changes one run, but that curve's bounding rectangle
    spans the whole plot, so every curve under it was repainted each frame (the curves' own
    painting, 4 runs x 500 steps: ~1.8 ms a frame over the three plots, ~1.1 ms cached). Qt
    redraws the pixmap when the view's transform changes (zoom, pan, resize) or the item is
    updated; an export at another scale gets its own, its antialiased edges a level or two
    of 255 apart. A curve that changes every frame is not cached: filling its pixmap as well
    as painting it costs more than painting it."""
    mode = (
        QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache
        if still
        else QtWidgets.QGraphicsItem.CacheMode.NoCache
    )
    if item.cacheMode() != mode:
        item.setCacheMode(mode)


def shows_points(curve: pg.PlotDataItem | LeanCurve, x: np.ndarray, y: np.ndarray) -> bool:
    """Whether ``curve`` holds exactly these points already (as given, before any log
    mapping). Setting them again costs ~0.5 ms a curve or track, and only one run of four
    changes while a slider is dragged."""
    x_shown, y_shown = given_points(curve)
    if x_shown is None or y_shown is None:
        return False
    return unchanged(x_shown, x) and unchanged(y_shown, y)


def given_points(
    curve: pg.PlotDataItem | LeanCurve,
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The points last handed to ``curve``, in data units (pyqtgraph keeps them apart from
    their log mapping; a `LeanCurve` in ``values``)."""
    return curve.values if isinstance(curve, LeanCurve) else (curve.xData, curve.yData)


def _show(curve: pg.PlotDataItem | LeanCurve, x: np.ndarray, y: np.ndarray) -> None:
    if isinstance(curve, LeanCurve):
        curve.show(x, y)
    else:
        curve.setData(x, y, connect="finite")


def _log10(values: np.ndarray) -> np.ndarray:
    """What a log axis plots of ``values``: log10 where positive, NaN elsewhere (as
    PlotDataItem's log mode maps them)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        mapped = np.log10(values)
    mapped[~np.isfinite(mapped)] = np.nan
    return mapped


class LeanCurve(pg.PlotCurveItem):
    """One curve of a plot whose series arrive thinned to its width (the surface explorer's
    histories), redrawn every frame of a dragged slider. PlotDataItem's extra work per
    ``setData`` buys nothing there (no symbols, nothing to downsample or clip to the view):
    this item maps to the log axis itself, once per series, as PlotDataItem does (log10 of
    the positive values, the rest not drawn), skips pyqtgraph's finite check when the values
    are finite, and keeps the bounds it computed then instead of scanning the data again.
    ``values`` holds the points as given, in data units (what a readout or test reads)."""

    values: tuple[np.ndarray | None, np.ndarray | None] = (None, None)
    _log: tuple[bool, bool] = (False, False)
    _bounds: tuple[tuple[float, float], tuple[float, float]] | None = None

    def setLogMode(self, x: bool, y: bool) -> None:
        """Called by the plot when its axes change (as for its PlotDataItems)."""
        if (x, y) != self._log:
            self._log = (x, y)
            if self.values[0] is not None:
                self.show(*self.values)

    def show(self, x: np.ndarray, y: np.ndarray) -> None:
        """Draw these points (NaN breaks the line)."""
        self.values = (x, y)
        shown = [_log10(v) if log else v for v, log in zip((x, y), self._log, strict=True)]
        finite = all(np.isfinite(v).all() for v in shown)
        self._bounds = None
        if finite and len(shown[0]):
            self._bounds = tuple((float(v.min()), float(v.max())) for v in shown)
        self.setData(*shown, connect="all" if finite else "finite", skipFiniteCheck=finite)

    def dataBounds(
        self, ax: int, frac: float = 1.0, orthoRange: tuple[float, float] | None = None
    ) -> tuple[float | None, float | None]:
        pen = self.opts["pen"]
        if self._bounds is None or frac < 1.0 or orthoRange is not None or not pen.isCosmetic():
            return super().dataBounds(ax, frac, orthoRange)
        return self._bounds[ax]


class LossPlot(pg.PlotWidget):
    """A multi-run loss plot; `set_series` replaces what is shown, reusing curve items.

    ``from_zero`` keeps 0 in the y-range of a linear plot whose values' size is the point (the
    sharpness climbing to its line), not only their changes. ``thinned``: the caller hands
    series already thinned to the plot's width, drawn as `LeanCurve`s; otherwise curves are
    PlotDataItems that downsample long histories to the view themselves."""

    def __init__(
        self,
        parent: QtWidgets.QWidget | None = None,
        *,
        y_label: str = "loss",
        x_label: str = "iteration",
        log: bool = True,
        thick_up_to: int = THICK_LINE_POINTS,
        from_zero: bool = False,
        thinned: bool = False,
    ) -> None:
        axes = {"left": SparseLogAxis("left"), "bottom": PlainAxis("bottom")}
        super().__init__(parent, axisItems=axes)
        # The range often ends on a tick, whose label is centred on the edge: let it overflow
        # the axis into a margin above the plot instead of being cut in half.
        self.getAxis("left").setStyle(hideOverlappingLabels=False)
        self.getPlotItem().setContentsMargins(0, LABEL_MARGIN, 0, 0)
        self.setLabel("left", y_label)
        self.setLabel("bottom", x_label)
        self.showGrid(x=False, y=False)
        self.legend = OutsideLegend(self.getPlotItem())
        self._series: list[Series] = []
        self._thinned = thinned
        self._curves: list[pg.PlotDataItem | LeanCurve] = []
        self._styles: list[tuple[str, bool, bool, bool, bool]] = []
        """Colours and dashes shown now: pens and legend are rebuilt only when these change
        (rebuilding them every frame cost ~8 ms while a slider was dragged)."""
        self._set_as: list[tuple[Series, tuple[float, float] | None]] = []
        """Each curve's series and the y-limits it was clipped to when last set (``_still``)."""
        self._extents: list[tuple[Series, bool, Extent | None]] = []
        """Each series' ``series_extent`` with the series and axis it was computed for."""
        self._pairs: Pairs = {}
        """``covered_series``'s answers for pairs of curves, reused for unchanged series."""
        self._log = log
        self._thick_up_to = thick_up_to
        self._from_zero = from_zero and not log
        self._y_shown: tuple[float, float] | None = None
        self._x_fixed: tuple[float, float] | None = None
        self.setLogMode(y=log)
        self._limit_zoom()

    def set_log(self, log: bool) -> None:
        if log != self._log:
            self._log = log
            self._y_shown = None
            self._set_as = []  # clipped anew for the other axis
            self.setLogMode(y=log)
            self._limit_zoom()

    def _limit_zoom(self) -> None:
        """Keep wheel zoom and drag within finite ranges the axes can label (a log axis counts
        in decades: float64 spans about 630 of them)."""
        y_limit = 2 * math.log10(DISPLAY_LIMIT) if self._log else DISPLAY_LIMIT
        self.getViewBox().setLimits(
            xMin=-MAX_X_SPAN,
            xMax=MAX_X_SPAN,
            minXRange=1e-3,
            maxXRange=MAX_X_SPAN,
            yMin=-y_limit,
            yMax=y_limit,
            minYRange=MIN_SPAN if not self._log else 1e-9,
        )

    def reset_y(self) -> None:
        """Forget the y-range shown, so the next data (a new run) sets it afresh."""
        self._y_shown = None

    def set_x_range(self, low: float, high: float) -> None:
        """Fix the x-axis (e.g. to the step budget) so it does not re-layout as data grows."""
        if (low, high) != self._x_fixed:
            self._x_fixed = (low, high)
            self.setXRange(low, high, padding=0.02)

    def set_series(self, series: Sequence[Series]) -> None:
        """Show exactly these curves (clipped for display, legend updated)."""
        self._series = list(series)
        # Faint curves (each step's noisy loss) do not frame the axis: one minibatch's loss
        # near 0 squeezed every moving average into the top decade of a log axis.
        extents = self._extents_of(series)
        framing = [extent for item, extent in zip(series, extents, strict=True) if not item.faint]
        limits = display_limits(series, self._log, framing if len(framing) else extents)
        if limits is not None and self._from_zero:
            limits = (min(limits[0], 0.0), max(limits[1], 0.0))
        while len(self._curves) < len(series):
            self._curves.append(self._new_curve())
        thick = self._thick_up_to
        covered = covered_series(series, self._pairs)
        styles = [
            (item.color, item.dashed, len(item.x) <= thick, hidden, item.faint)
            for item, hidden in zip(series, covered, strict=True)
        ]
        restyle = styles != self._styles
        self._styles = styles
        for index, (curve, item, (color, dashed, short, hidden, faint)) in enumerate(
            zip(self._curves, series, styles, strict=False)
        ):
            if restyle:
                dash = QtCore.Qt.PenStyle.DashLine if dashed else QtCore.Qt.PenStyle.SolidLine
                width = (2 if short and not faint else 1) * (HALO if hidden else 1)
                pen_color = QtGui.QColor(color)
                if faint:
                    pen_color.setAlpha(FAINT_ALPHA)
                curve.setPen(pg.mkPen(pen_color, width=scaled(width), style=dash))
            changed = restyle or not self._still(index, item, limits)
            if changed:  # a dragged slider changes one run
                y = self._clip(item.y, limits)
                changed = restyle or not shows_points(curve, item.x, y)
                if changed:
                    _show(curve, item.x, y)
            cache_while_still(curve if self._thinned else curve.curve, not changed)
            curve.setVisible(True)
        # A faint curve is the backdrop of the bold one named after it, and a nameless one
        # (compare mode's validation curves) is named by one key: no entry of their own.
        pairs = zip(self._curves, series, strict=False)
        named = [(curve, item.name) for curve, item in pairs if item.name and not item.faint]
        curves, names = [curve for curve, _ in named], [name for _, name in named]
        refresh_legend(self.legend, curves, names, restyle)
        self._set_as = [(item, limits) for item in series]
        for curve in self._curves[len(series) :]:
            _show(curve, np.empty(0), np.empty(0))
            curve.setVisible(False)
        if limits is not None:
            low, high = limits
            if self._log:
                low, high = np.log10(low), np.log10(high)
            self._follow_y(float(low), float(high))
            if self._x_fixed is None:
                self.enableAutoRange(x=True)

    def _extents_of(self, series: Sequence[Series]) -> list[Extent | None]:
        """Each series' ``series_extent``, computed again only for series that are new since
        the last call (while a slider is dragged, one run of four)."""
        held = []
        for index, item in enumerate(series):
            known = self._extents[index] if index < len(self._extents) else None
            if known is None or known[0] is not item or known[1] != self._log:
                known = (item, self._log, series_extent(item.y, self._log))
            held.append(known)
        self._extents = held
        return [extent for _item, _log, extent in held]

    def _new_curve(self) -> pg.PlotDataItem | LeanCurve:
        if self._thinned:
            curve = LeanCurve(pen=pg.mkPen("k"))
            self.addItem(curve)
            return curve
        curve = self.plot(pen=pg.mkPen("k"))
        curve.setDownsampling(auto=True, method="peak")
        curve.setClipToView(True)
        return curve

    def curve_values(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """Curve ``index``'s points as given, in data units (clipped for display, before any
        log mapping): what a reader of the plot sees, for tests and teachers' checks."""
        return given_points(self._curves[index])

    def _still(self, index: int, item: Series, limits: tuple[float, float] | None) -> bool:
        """Whether curve ``index`` shows ``item`` already: the same object (a surface run's
        thinned history is handed back unchanged while another run is dragged) clipped to the
        same limits. Saves clipping and comparing it again (~0.15 ms a plot and frame)."""
        if index >= len(self._set_as):
            return False
        drawn, drawn_limits = self._set_as[index]
        return drawn is item and drawn_limits == limits

    def _follow_y(self, low: float, high: float) -> None:
        """Move the y-range only if the data left it or became much smaller than it."""
        span = max(high - low, 1e-12 * max(1.0, abs(high)))
        shown = self._y_shown
        if shown is not None:
            inside = shown[0] <= low and high <= shown[1]
            if inside and (shown[1] - shown[0]) <= LOOSE_RANGE * span * 1.1:
                return
        pad = 0.05 * span
        self._y_shown = (low - pad, high + pad)
        self.setYRange(*self._y_shown, padding=0)

    def rescale(self) -> None:
        """Pens at the presentation scale now (`gdsim.ui.widgets.presentation`)."""
        self._styles = []
        self.set_series(self._series)

    def curve_count(self) -> int:
        return sum(1 for c in self._curves if c.isVisible())

    def _clip(self, y: np.ndarray, limits: tuple[float, float] | None) -> np.ndarray:
        y = np.asarray(y, dtype=float)
        if limits is None:
            return y
        low, high = limits
        clipped = np.where(np.isfinite(y), y, np.nan)
        clipped = np.minimum(clipped, high)
        if self._log:
            clipped = np.where(clipped > 0, np.maximum(clipped, low), np.nan)
        return clipped
