"""A coloured badge that states a run's verdict in a word, a symbol and a colour."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from gdsim.core.verdict import Regime, Verdict
from gdsim.ui.style import VERDICT_STYLE


def verdict_text(verdict: Verdict) -> str:
    """'diverged at step 12', 'converged in 87 steps', 'oscillating from step 1', 'slow'."""
    regime, step = verdict.regime, verdict.step
    if step is None:
        return regime.value
    if regime is Regime.DIVERGED:
        return f"diverged at step {step}"
    if regime is Regime.CONVERGED:
        return f"converged in {step} steps"
    if regime is Regime.OSCILLATING:
        return f"oscillating from step {step}"
    return f"{regime.value} ({step} steps)"


class VerdictBadge(QtWidgets.QLabel):
    """Shows '<symbol> <verdict text>' on the regime's colour; the reason is the tooltip."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.setMinimumWidth(150)
        self.clear_verdict()

    def set_verdict(self, verdict: Verdict, prefix: str = "") -> None:
        symbol, color = VERDICT_STYLE[verdict.regime]
        self.setText(f"{symbol} {prefix}{verdict_text(verdict)}")
        self.setToolTip(verdict.reason)
        self._restyle(
            f"QLabel {{ background: {color}; color: white; border-radius: 6px;"
            f" padding: 3px 8px; font-weight: bold; }}"
        )
        self.setAccessibleDescription(verdict.reason)

    def clear_verdict(self, text: str = "no run yet") -> None:
        self.setText(text)
        self.setToolTip("")
        self._restyle(
            "QLabel { background: #e0e0e0; color: #333; border-radius: 6px; padding: 3px 8px; }"
        )

    def _restyle(self, sheet: str) -> None:
        """Set the style sheet only when it changes: re-polishing a widget repaints the whole
        window around it, which at 30 updates a second starves a training worker of the GIL."""
        if sheet != self.styleSheet():
            self.setStyleSheet(sheet)
