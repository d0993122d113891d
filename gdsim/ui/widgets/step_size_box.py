"""The step size η: a logarithmic slider with the critical step sizes marked, and their words."""

from __future__ import annotations

from PySide6 import QtWidgets
from superqt.utils import signals_blocked

from gdsim.core.explain import Thresholds
from gdsim.ui.style import THRESHOLD_COLORS
from gdsim.ui.widgets.log_slider import LogSlider, Mark

DIMMED_MARK = "#b8b8b8"
"""Threshold marks of plain gradient descent, shown for an optimizer they do not apply to."""


class StepSizeBox(QtWidgets.QGroupBox):
    """``lr_slider.valueChanged`` reports η; ``show_lr`` and ``show_thresholds`` draw."""

    def __init__(
        self, minimum: float, maximum: float, parent: QtWidgets.QWidget | None = None
    ) -> None:
        super().__init__("Step size η (learning rate)", parent)
        layout = QtWidgets.QVBoxLayout(self)
        self.lr_slider = LogSlider(minimum=minimum, maximum=maximum, value=0.2)
        self.lr_slider.slider.setObjectName("lrSlider")
        self.lr_slider.spin.setObjectName("lrSpin")
        self.threshold_label = QtWidgets.QLabel()
        self.threshold_label.setObjectName("thresholdLabel")
        self.threshold_label.setWordWrap(True)
        font = self.threshold_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.threshold_label.setFont(font)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.lr_slider)
        layout.addWidget(self.threshold_label)

    def show_lr(self, lr: float) -> None:
        if self.lr_slider.value() != lr:
            with signals_blocked(self.lr_slider):
                self.lr_slider.setValue(lr)

    def show_thresholds(self, thresholds: Thresholds) -> None:
        colors = THRESHOLD_COLORS
        if thresholds.dimmed:
            colors = dict.fromkeys(THRESHOLD_COLORS, DIMMED_MARK)
        self.lr_slider.set_marks(
            [Mark(mark.value, mark.label, colors[mark.kind]) for mark in thresholds.marks]
        )
        self.threshold_label.setText(thresholds.shown_text())
