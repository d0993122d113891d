"""Spin boxes that give back exactly the value a program set, while they show it rounded.

A saved state holds a weight decay of 1e-7 or a noise of 0.123; a box with five or two
decimals shows 0.00000 or 0.12 and, read back, would train on the rounded value and save it:
the state drifts a little on every launch. These widgets keep the exact value a program gave
them until the user changes the value, so ``state()`` after ``set_state(s)`` is ``s``.
"""

from __future__ import annotations

from typing import Any

from PySide6 import QtCore, QtWidgets

from gdsim.ui.widgets.log_slider import LogSlider


class KeepsExactValue:
    """Mixin for a widget with ``value()``, ``setValue()``, ``minimum()``, ``maximum()`` and a
    ``valueChanged`` signal; list it first among the bases so its methods come first."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._exact: float | None = None
        self._setting = False
        # Connected first, so that any later slot of a user's change reads the new value.
        self.valueChanged.connect(self._forget_exact)  # type: ignore[attr-defined]

    def setValue(self, value: float) -> None:
        """Show ``value`` (rounded if the widget must) and give it back exactly."""
        self._exact = value  # what slots of the change below read
        self._setting = True
        try:
            super().setValue(value)  # type: ignore[misc]
        finally:
            self._setting = False
        shown = super().value()  # type: ignore[misc]
        in_range = self.minimum() <= value <= self.maximum()  # type: ignore[attr-defined]
        if shown == value or not in_range:
            self._exact = None

    def value(self) -> float:
        return super().value() if self._exact is None else self._exact  # type: ignore[misc]

    @QtCore.Slot()
    def _forget_exact(self) -> None:
        if not self._setting:
            self._exact = None


class ExactSpinBox(KeepsExactValue, QtWidgets.QDoubleSpinBox):
    """A QDoubleSpinBox that keeps a program's exact value (see the module docstring)."""


class ExactLogSlider(KeepsExactValue, LogSlider):
    """A LogSlider that keeps a program's exact value: its field shows three significant
    digits at the bottom of its range (0.000123 for a saved 0.0001234)."""

    def minimum(self) -> float:
        return self.spin.minimum()

    def maximum(self) -> float:
        return self.spin.maximum()
