"""A logarithmic step-size slider with an exact numeric field and labelled threshold marks.

Why a custom widget: learning rates span five decades (1e-4 to 10) and the interesting values
(1/lambda, 2/lambda) must be visible on the scale *before* anything runs. A linear QSlider cannot
do either. The spin box holds the exact value; the slider is a log-scaled view of it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6 import QtCore, QtGui, QtWidgets
from superqt.utils import signals_blocked

from gdsim.core.explain import round_sig

_TICKS_PER_DECADE = 200
LABEL_GAP = 4
"""Pixels between two marks' labels."""


@dataclass(frozen=True)
class Mark:
    """A labelled value drawn on the slider's scale (e.g. 2/lambda)."""

    value: float
    label: str
    color: str = "#d62728"


class _MarkedSlider(QtWidgets.QSlider):
    """A horizontal QSlider that paints threshold marks and their labels under its groove."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(QtCore.Qt.Orientation.Horizontal, parent)
        self.marks: list[Mark] = []
        self.to_position = lambda value: 0
        self.setMinimumHeight(44)

    def mark_x(self, value: float) -> int:
        """Pixel x of a value, matching where the handle's centre would be."""
        option = QtWidgets.QStyleOptionSlider()
        self.initStyleOption(option)
        style = self.style()
        handle = style.subControlRect(
            QtWidgets.QStyle.ComplexControl.CC_Slider,
            option,
            QtWidgets.QStyle.SubControl.SC_SliderHandle,
            self,
        )
        span = self.width() - handle.width()
        pos = QtWidgets.QStyle.sliderPositionFromValue(
            self.minimum(), self.maximum(), self.to_position(value), span
        )
        return pos + handle.width() // 2

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        super().paintEvent(event)
        if not self.marks:
            return
        painter = QtGui.QPainter(self)
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        font = painter.font()
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        painter.setFont(font)
        metrics = QtGui.QFontMetrics(font)
        mid = self.height() // 2
        marks = sorted(self.marks, key=lambda mark: mark.value)
        centres = [self.mark_x(mark.value) for mark in marks]
        widths = [metrics.horizontalAdvance(mark.label) for mark in marks]
        lefts = label_lefts(centres, widths, self.width())
        for mark, x, left in zip(marks, centres, lefts, strict=True):
            painter.setPen(QtGui.QPen(QtGui.QColor(mark.color), 2))
            painter.drawLine(x, mid - 9, x, mid + 9)
            painter.drawText(left, self.height() - 2, mark.label)
        painter.end()


def label_lefts(centres: list[int], widths: list[int], span: int) -> list[int]:
    """The left edge of each label (marks in increasing order), centred under its mark where
    there is room, else pushed apart by LABEL_GAP and kept within ``span``: 1/λ and 2/λ an
    octave apart on a narrow slider (1024 pixels in presentation mode) printed as "1/2/λ"."""
    lefts: list[int] = []
    for centre, width in zip(centres, widths, strict=True):
        left = max(0, centre - width // 2)
        if lefts:
            left = max(left, lefts[-1] + widths[len(lefts) - 1] + LABEL_GAP)
        lefts.append(left)
    right = span  # then back inside the slider, from the right, keeping the gaps
    for index in range(len(lefts) - 1, -1, -1):
        lefts[index] = max(0, min(lefts[index], right - widths[index]))
        right = lefts[index] - LABEL_GAP
    return lefts


class LogSlider(QtWidgets.QWidget):
    """Slider (log scale) + spin box (exact value), kept in sync; emits `valueChanged(float)`.

    The spin box is the source of truth: typing 0.8 gives exactly 0.8; dragging gives values
    rounded to three significant digits. Marks (e.g. 1/lambda, 2/lambda) are drawn on the scale.
    """

    valueChanged = QtCore.Signal(float)

    def __init__(
        self,
        minimum: float = 1e-4,
        maximum: float = 10.0,
        value: float = 0.1,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._log_min = math.log10(minimum)
        self._log_max = math.log10(maximum)
        self.slider = _MarkedSlider(self)
        self.slider.to_position = self._position_of
        self.slider.setRange(0, round((self._log_max - self._log_min) * _TICKS_PER_DECADE))
        self.slider.setSingleStep(_TICKS_PER_DECADE // 20)
        self.slider.setPageStep(_TICKS_PER_DECADE // 2)
        self.spin = QtWidgets.QDoubleSpinBox(self)
        self.spin.setDecimals(max(6, 2 - math.floor(math.log10(minimum))))  # 3 digits at min
        self.spin.setRange(minimum, maximum)
        self.spin.setStepType(QtWidgets.QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        self.spin.setKeyboardTracking(False)
        self.spin.setMinimumWidth(96)
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.spin)
        self.slider.valueChanged.connect(self._on_slider)
        self.spin.valueChanged.connect(self._on_spin)
        self.spin.setValue(value)
        self._sync_slider(value)

    def value(self) -> float:
        return self.spin.value()

    def setValue(self, value: float) -> None:
        self.spin.setValue(value)

    def set_marks(self, marks: list[Mark]) -> None:
        """Show labelled thresholds on the scale (values outside the range are left out)."""
        low, high = self.spin.minimum(), self.spin.maximum()
        self.slider.marks = [m for m in marks if low <= m.value <= high]
        self.slider.setToolTip("\n".join(f"{m.label} = {m.value:.4g}" for m in marks))
        self.slider.update()

    def marks(self) -> list[Mark]:
        return list(self.slider.marks)

    def _position_of(self, value: float) -> int:
        return round((math.log10(value) - self._log_min) * _TICKS_PER_DECADE)

    def _sync_slider(self, value: float) -> None:
        with signals_blocked(self.slider):
            self.slider.setValue(self._position_of(value))

    @QtCore.Slot(int)
    def _on_slider(self, position: int) -> None:
        value = round_sig(10 ** (self._log_min + position / _TICKS_PER_DECADE))
        with signals_blocked(self.spin):
            self.spin.setValue(value)
        self.valueChanged.emit(self.spin.value())

    @QtCore.Slot(float)
    def _on_spin(self, value: float) -> None:
        self._sync_slider(value)
        self.valueChanged.emit(value)
