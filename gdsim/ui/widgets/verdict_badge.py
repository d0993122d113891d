"""A coloured badge that states a run's verdict in a word, a symbol and a colour."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.core.verdict import Regime, Verdict
from gdsim.ui.style import VERDICT_STYLE, badge_font

PADDING = 8
"""Pixels of the badge's colour left and right of its text (the style sheet's padding)."""


def verdict_text(verdict: Verdict) -> str:
    """'diverged at step 12', 'converged in 87 steps', 'oscillating from step 1', 'slow'."""
    regime, step = verdict.regime, verdict.step
    if step is None:
        return regime.value
    if regime is Regime.DIVERGED:
        return f"diverged at step {step}"
    if regime is Regime.CONVERGED:
        return f"converged in {step} step{'' if step == 1 else 's'}"
    if regime is Regime.OSCILLATING:
        return f"oscillating from step {step}"
    return f"{regime.value} ({step} steps)"


class VerdictBadge(QtWidgets.QLabel):
    """Shows '<symbol> <prefix><verdict text>' on the regime's colour; the reason is the tooltip.

    With ``elide_prefix`` the verdict is always shown whole: when the badge is too narrow, only
    the prefix (a run's name) is shortened, and the tooltip holds the full text. A label
    clipped in the middle instead once read "diverged at step 1" for step 15. The name gives
    way to its ``shorter`` form first (the step size without the optimizer's title: the key
    fact), and only that is cut with '…' ("η = 0…: slow" told nothing).

    With ``short_words`` a badge too narrow for its verdict's words shows the regime's word
    alone ("✓ converged"), the step in its tooltip: a runs table's verdict column at 1280x800
    used to cut "converged in 8518 steps" at both ends. With both, the name gives way first, and
    when even '…: converged in 498 steps' does not fit, the words go down to the regime's word,
    beside as much of the name as then fits ("✓ η = 1: converged": compare mode's run badges,
    one line each, at 1024 pixels in presentation mode).
    """

    def __init__(
        self,
        parent: QtWidgets.QWidget | None = None,
        elide_prefix: bool = False,
        short_words: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        # Bold by a font, not a style sheet's font-weight (presentation mode scales fonts).
        self.setFont(badge_font())
        self._elide = elide_prefix
        self._short_words = short_words
        self._word = ""
        """The regime's word: what a ``short_words`` badge shows when its words do not fit."""
        if not elide_prefix:  # an eliding badge's minimum follows its words (minimumSizeHint)
            self.setMinimumWidth(150)
        self._parts = ("", "", "")
        """Symbol, prefix and verdict words: what the badge says when there is room."""
        self._shorter = ""
        """The prefix's name in fewer words, shown before any '…' (see the class docstring)."""
        self.clear_verdict()

    def full_text(self) -> str:
        """The whole text, whatever fits on screen (``text()`` is what is shown)."""
        symbol, prefix, words = self._parts
        return f"{symbol} {prefix}{words}" if symbol else words

    def set_verdict(self, verdict: Verdict, prefix: str = "", shorter: str = "") -> None:
        symbol, color = VERDICT_STYLE[verdict.regime]
        self._shorter = shorter
        self._word = verdict.regime.value
        self._show((symbol, prefix, verdict_text(verdict)))
        whole = f"{prefix}{verdict_text(verdict)}\n"
        self.setToolTip(f"{whole if self._elide else ''}{verdict.reason}")
        self._restyle(
            f"QLabel {{ background: {color}; color: white; border-radius: 6px;"
            f" padding: 3px {PADDING}px; }}"
        )
        self.setAccessibleDescription(verdict.reason)

    def clear_verdict(self, text: str = "no run yet") -> None:
        self._shorter = ""
        self._word = ""
        self._show(("", "", text))
        self.setToolTip("")
        self._restyle(
            "QLabel { background: #e0e0e0; color: #333; border-radius: 6px;"
            f" padding: 3px {PADDING}px; }}"
        )

    def sizeHint(self) -> QtCore.QSize:
        """Room for the whole text, not the shortened one shown: a layout sizing the badge by
        what it shows would shrink it step by step down to its minimum."""
        hint = super().sizeHint()
        if not self._elide:
            return hint
        return QtCore.QSize(self._width_of(self.full_text()), hint.height())

    def minimumSizeHint(self) -> QtCore.QSize:
        """Never narrower than the symbol and the verdict's words beside the name's shorter
        form, or '…' where it has none (with ``short_words``: than the symbol and the
        regime's word beside it). A layout gave the header's badge room for '…' alone, and
        it read "…: converged" where "GD: converged" fits."""
        hint = super().minimumSizeHint()
        if not self._elide:
            return hint
        symbol, prefix, words = self._parts
        shortest = self.full_text()
        if prefix:
            said = self._word if self._short_words and self._word else words
            shortest = f"{symbol} {self._shorter or '…'}: {said}"
        elif self._short_words and self._word:
            shortest = f"{symbol} {self._word}"
        return QtCore.QSize(self._width_of(shortest), hint.height())

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._elide or self._short_words:  # a plain badge keeps text set on it directly
            self._fit()

    def _show(self, parts: tuple[str, str, str]) -> None:
        if parts != self._parts:
            self._parts = parts
            self.updateGeometry()
        self._fit()

    def _fit(self) -> None:
        """Show the full text, or with ``elide_prefix`` the prefix shortened to fit: its name,
        else its shorter form, else (with ``short_words``) either beside the regime's word,
        else that cut with '…'."""
        symbol, prefix, words = self._parts
        short = self._short_words and self._word
        if not (self._elide and prefix):
            too_wide = short and self._width_of(self.full_text()) > self.width()
            self.setText(f"{symbol} {self._word}" if too_wide else self.full_text())
            return
        name = prefix.rstrip(": ")
        separator = prefix[len(name) :]
        choices = [words, self._word] if short else [words]
        for said in choices:
            room = self._room(said)
            fitting = [n for n in (name, self._shorter) if n and self._advance(n) <= room]
            if fitting:
                self.setText(f"{symbol} {fitting[0]}{separator}{said}")
                return
        said = choices[-1]
        cut = self._metrics().elidedText(
            self._shorter or name, QtCore.Qt.TextElideMode.ElideRight, self._room(said)
        )
        self.setText(f"{symbol} {cut or '…'}{separator}{said}")

    def _advance(self, text: str) -> int:
        return self._metrics().horizontalAdvance(text)

    def _room(self, words: str) -> int:
        """Pixels left for the run's name beside the symbol, the separator and `words`."""
        symbol, prefix, _words = self._parts
        separator = prefix[len(prefix.rstrip(": ")) :]
        fixed = self._advance(f"{symbol} {separator}{words}")
        return max(self.width() - 2 * PADDING - 4 - fixed, 0)

    def _metrics(self) -> QtGui.QFontMetrics:
        return self.fontMetrics()

    def _width_of(self, text: str) -> int:
        return self._metrics().horizontalAdvance(text) + 2 * PADDING + 6

    def _restyle(self, sheet: str) -> None:
        """Set the style sheet only when it changes: re-polishing a widget repaints the whole
        window around it, which at 30 updates a second starves a training worker of the GIL."""
        if sheet != self.styleSheet():
            self.setStyleSheet(sheet)


def show_verdict(
    badge: VerdictBadge, verdict: Verdict, prefix: str = "", shorter: str = ""
) -> None:
    """Restyle a badge only when its words change: a style sheet costs ~1 ms a badge, which
    adds up at 60 slider frames a second; the tooltip (the reason, with numbers) always."""
    symbol = VERDICT_STYLE[verdict.regime][0]
    if badge.full_text() != f"{symbol} {prefix}{verdict_text(verdict)}":
        badge.set_verdict(verdict, prefix, shorter)
    badge.setToolTip(f"{prefix}{verdict_text(verdict)}\n{verdict.reason}")
