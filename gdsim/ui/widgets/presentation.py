"""Presentation mode: the whole window readable from the back of a classroom, and back.

One place scales everything, so that no view carries its own "big" variant:

- **Fonts** x PRESENTATION_FONT: the window's font (which every widget without a font of its
  own inherits: labels, badges, buttons, the status bar, the network diagram's labels), each
  widget that sets a font of its own (the verdict header, the threshold text), and inside the
  plots the tick labels, axis labels, legends and text items, which do not inherit Qt's fonts.
- **Pens and markers** x PRESENTATION_PEN: `gdsim.ui.style.pen_scale()` is what views read when
  they build a pen; each view that draws runs implements `Rescalable.rescale()` to rebuild its
  pens now (a view that rebuilds pens on a later frame reads the same scale).

Everything changed is recorded first and put back as it was when the mode is left, so "off"
restores the exact fonts, pens and sizes (a test compares them). The mode is a view preference:
it is not part of the app state that sessions save.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import pyqtgraph as pg
import shiboken6
from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.ui import style
from gdsim.ui.widgets.columns import MAX_CONTROLS_SHARE


@runtime_checkable
class Rescalable(Protocol):
    """A view whose pens or markers follow `style.pen_scale()`."""

    def rescale(self) -> None:
        """Rebuild pens and markers at the current scale."""


def scaled_font(font: QtGui.QFont, factor: float) -> QtGui.QFont:
    """``font`` ``factor`` times larger, whether it was sized in points or in pixels."""
    bigger = QtGui.QFont(font)
    if font.pointSizeF() > 0:
        bigger.setPointSizeF(font.pointSizeF() * factor)
    else:
        bigger.setPixelSize(round(font.pixelSize() * factor))
    return bigger


def _points(size: str) -> float:
    """'9pt' -> 9.0 (pyqtgraph's legend sizes are CSS strings)."""
    return float(size.removesuffix("pt"))


@dataclass
class _Saved:
    """What presentation mode changed, to put back as it was."""

    root_font: QtGui.QFont | None = None
    own_fonts: list[tuple[QtWidgets.QWidget, QtGui.QFont]] = field(default_factory=list)
    tick_fonts: list[tuple[pg.AxisItem, QtGui.QFont | None, QtGui.QFont]] = field(
        default_factory=list
    )
    legends: list[tuple[pg.LegendItem, str]] = field(default_factory=list)
    texts: list[tuple[pg.TextItem, QtGui.QFont]] = field(default_factory=list)
    splitters: list[tuple[QtWidgets.QSplitter, list[int]]] = field(default_factory=list)


class Presentation:
    """Presentation mode for the widgets under ``root`` (the main window)."""

    def __init__(self, root: QtWidgets.QWidget) -> None:
        self._root = root
        self._saved: _Saved | None = None

    def is_on(self) -> bool:
        return self._saved is not None

    def set_on(self, on: bool) -> None:
        if on == self.is_on():
            return
        if on:
            self._saved = self._scale_up()
        else:
            assert self._saved is not None
            self._restore(self._saved)
            self._saved = None
        style.set_pen_scale(style.PRESENTATION_PEN if on else 1.0)
        style.set_font_scale(style.PRESENTATION_FONT if on else 1.0)
        for view in self._root.findChildren(QtWidgets.QWidget):
            if isinstance(view, Rescalable):
                view.rescale()

    def _scale_up(self) -> _Saved:
        factor = style.PRESENTATION_FONT
        saved = _Saved()
        # Plots first: their default tick font is the view's font, before it grows.
        for view in self._root.findChildren(pg.GraphicsView):
            self._scale_plot(view, factor, saved)
        own = [w for w in self._root.findChildren(QtWidgets.QWidget) if _has_own_font(w)]
        saved.own_fonts = [(widget, widget.font()) for widget in own]
        if _has_own_font(self._root):
            saved.root_font = self._root.font()
        self._root.setFont(scaled_font(self._root.font(), factor))
        for widget, font in saved.own_fonts:
            widget.setFont(scaled_font(font, factor))
        for splitter in self._root.findChildren(QtWidgets.QSplitter, "controlsSplitter"):
            if splitter.isVisible():  # a tab never shown has no sizes yet: nothing to put back
                saved.splitters.append((splitter, splitter.sizes()))
                _widen_controls(splitter, factor)
        return saved

    @staticmethod
    def _scale_plot(view: pg.GraphicsView, factor: float, saved: _Saved) -> None:
        for item in view.scene().items():
            if isinstance(item, pg.AxisItem):
                tick, label = item.style["tickFont"], item.label.font()
                saved.tick_fonts.append((item, tick, label))
                item.setTickFont(scaled_font(tick or view.font(), factor))
                item.label.setFont(scaled_font(label, factor))
                item._updateLabel()  # re-lays the axis out for its label's new height
            elif isinstance(item, pg.LegendItem):
                size = item.opts["labelTextSize"]
                saved.legends.append((item, size))
                item.setLabelTextSize(f"{_points(size) * factor:g}pt")
            elif isinstance(item, pg.TextItem):
                font = item.textItem.font()
                saved.texts.append((item, font))
                item.setFont(scaled_font(font, factor))

    def _restore(self, saved: _Saved) -> None:
        for axis, tick, label in saved.tick_fonts:
            if shiboken6.isValid(axis):
                axis.setTickFont(tick)
                axis.label.setFont(label)
                axis._updateLabel()
        for legend, size in saved.legends:
            if shiboken6.isValid(legend):
                legend.setLabelTextSize(size)
        for text, font in saved.texts:
            if shiboken6.isValid(text):
                text.setFont(font)
        for splitter, sizes in saved.splitters:
            if shiboken6.isValid(splitter):
                splitter.setSizes(sizes)
        # An empty font resolves nothing: the window inherits the application's font again.
        self._root.setFont(saved.root_font or QtGui.QFont())
        recorded = set()
        for widget, font in saved.own_fonts:
            if shiboken6.isValid(widget):
                widget.setFont(font)
                recorded.add(widget)
        # Made during the presentation (compare mode's badges are rebuilt per job), these took
        # the large font once and keep it: shrink them by the same factor.
        for widget in self._root.findChildren(QtWidgets.QWidget):
            if widget not in recorded and _has_own_font(widget):
                widget.setFont(scaled_font(widget.font(), 1 / style.PRESENTATION_FONT))


def _widen_controls(splitter: QtWidgets.QSplitter, factor: float) -> None:
    """Give the controls column room for text ``factor`` times larger (the runs table's
    verdicts were cut to "converged in 19 step"), up to MAX_CONTROLS_SHARE of the panel; a
    column the teacher collapsed stays collapsed."""
    controls, rest = splitter.sizes()
    total = controls + rest
    wider = min(round(controls * factor), round(total * MAX_CONTROLS_SHARE))
    if controls and wider > controls:
        splitter.setSizes([wider, total - wider])


def _has_own_font(widget: QtWidgets.QWidget) -> bool:
    """Whether the widget keeps its font when its parent's changes: it was given one, or a
    style sheet applies to it (Qt's style-sheet style fixes a styled widget's font when it
    polishes it: a later change of the window's font does not reach it)."""
    attributes = QtCore.Qt.WidgetAttribute
    return widget.testAttribute(attributes.WA_SetFont) or widget.testAttribute(
        attributes.WA_StyleSheet
    )
