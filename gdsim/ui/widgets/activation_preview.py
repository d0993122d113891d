"""A small plot of a hidden layer's activation f and its derivative f', beside the layer's
choice in the network box: a teacher sees at once that a step is flat (f' = 0: nothing flows
back) and where ReLU's derivative jumps.

The numbers are `gdsim.core.network.activation_curve`'s (torch.autograd's derivative, the one
training uses); this widget only draws them. f is drawn solid in the reference colour and f'
dashed in the gradient colour (the colour of backpropagated gradients elsewhere in the app), so
neither reads as a run or a verdict; each curve is named by a label at its right end.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from gdsim.core.network import ACTIVATIONS, activation_curve
from gdsim.ui import style

SPAN = 3.0
"""The preview shows z from -SPAN to SPAN."""


class ActivationPreview(pg.PlotWidget):
    """`show_activation(name, pieces)` draws f and f'; `rescale()` follows presentation mode."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent, background="w")
        self.setObjectName("activationPreview")
        self.setMinimumSize(150, 90)
        self.setMaximumHeight(110)
        item = self.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        item.setMouseEnabled(False, False)
        item.showGrid(x=True, y=True, alpha=0.2)
        item.getAxis("left").setTickSpacing(1.0, 0.5)
        item.getAxis("bottom").setTickSpacing(1.0, 0.5)
        item.addLine(x=0, pen=pg.mkPen("#bbbbbb"))
        item.addLine(y=0, pen=pg.mkPen("#bbbbbb"))
        self.f_curve = item.plot()
        self.slope_curve = item.plot()
        self.f_label = pg.TextItem("f", color=style.REFERENCE_COLOR, anchor=(0, 0.5))
        self.slope_label = pg.TextItem("f′", color=style.GRADIENT_COLOR, anchor=(0, 0.5))
        for label in (self.f_label, self.slope_label):
            item.addItem(label)
        self.note = ""
        self.shown = ""
        self._drawn: tuple[str, int] | None = None
        """What the curves show: the same activation again (every Train that starts over
        shows the network's spec anew) is not drawn again, a ~10 ms repaint of the window."""
        self.rescale()

    def show_activation(self, name: str, pieces: int = 2) -> None:
        """Draw `name`'s f and f' (maxout with `pieces` example pieces, see `note`)."""
        if (name, pieces) == self._drawn:
            return
        self._drawn = (name, pieces)
        curve = activation_curve(name, pieces, SPAN)
        self.f_curve.setData(curve.z, curve.f)
        self.slope_curve.setData(curve.z, curve.slope)
        self.f_label.setPos(SPAN, float(curve.f[-1]))
        self.slope_label.setPos(SPAN, float(curve.slope[-1]))
        self._separate_labels()
        low = min(float(curve.f.min()), float(curve.slope.min()), -0.2)
        high = max(float(curve.f.max()), float(curve.slope.max()), 1.2)
        self.getPlotItem().setRange(
            xRange=(-SPAN, SPAN * 1.25), yRange=(low, min(high, SPAN)), padding=0.05
        )
        self.note = curve.note
        self.shown = name
        self.setToolTip(f"{ACTIVATIONS[name].label}: f solid, f′ dashed. {curve.note}".strip())

    def _separate_labels(self) -> None:
        """Where f and f' end at the same height (a step's f' = 0 beside f = 1 is not, but
        sign's f = 1 and the linear unit's f' = 1 are), move f' half a unit down."""
        f_y, slope_y = self.f_label.pos().y(), self.slope_label.pos().y()
        if abs(f_y - slope_y) < 0.4:
            self.slope_label.setPos(SPAN, slope_y - 0.5)

    def rescale(self) -> None:
        """Pens at the presentation scale (solid f, dashed f')."""
        self.f_curve.setPen(pg.mkPen(style.REFERENCE_COLOR, width=style.scaled(2)))
        self.slope_curve.setPen(
            pg.mkPen(style.GRADIENT_COLOR, width=style.scaled(2), style=QtCore.Qt.PenStyle.DashLine)
        )
