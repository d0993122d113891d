"""A compare-mode run's verdict badge that also picks the run the other views show.

Why a swatch next to the badge rather than a coloured badge: the badge's own colour already
says the verdict (green, red ...), so the run's curve colour sits beside it on the neutral
background, where it reads like the loss plot's legend entry. The run shown in the decision
map and the network diagram is framed.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.core.verdict import Verdict
from gdsim.ui.widgets.verdict_badge import VerdictBadge, show_verdict

SHOWN_FRAME = "#222222"


def shorter_name(name: str) -> str:
    """The shorter of a run's name without its parenthesised gloss and the gloss alone
    ('batch 1 (SGD)' -> 'SGD', 'full batch (GD)' -> 'GD', 'batch 16 (mini-batch)' -> 'batch
    16', 'Step (Heaviside)' -> 'Step'), '' for a name without one: what an eliding badge
    shows before cutting the name with '…' ("f…" told nothing)."""
    head, gloss = name.split(" (", 1) if " (" in name else (name, "")
    gloss = gloss.removesuffix(")")
    if not gloss:
        return ""
    return min(head, gloss, key=len)


class Swatch(QtWidgets.QWidget):
    """A disc in a run's colour, as tall as the text beside it: painted rather than a '●'
    glyph, whose size is the font's choice and which a style-sheet size would fix in pixels
    (presentation mode could not enlarge it)."""

    def __init__(self, color: str, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.color = QtGui.QColor(color)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Fixed, QtWidgets.QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QtCore.QSize:
        side = round(self.fontMetrics().height() * 1.3)
        return QtCore.QSize(side, side)

    def minimumSizeHint(self) -> QtCore.QSize:
        return self.sizeHint()

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        painter = QtGui.QPainter(self)
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        painter.setPen(QtCore.Qt.PenStyle.NoPen)
        painter.setBrush(self.color)
        side = min(self.width(), self.height()) - 2
        painter.drawEllipse(QtCore.QRectF(1, (self.height() - side) / 2, side, side))
        painter.end()


class RunBadge(QtWidgets.QFrame):
    """`● <verdict badge>` for run `index`; a click (or `click()`) emits `clicked(index)`."""

    clicked = QtCore.Signal(int)

    def __init__(self, index: int, color: str, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self.setObjectName(f"runBadgeFrame{index}")
        self.setCursor(QtCore.Qt.CursorShape.PointingHandCursor)
        # The width comes from the row, never from the text: a verdict that changes every frame
        # must not move the columns of the plots around it. One line high: in a narrow column
        # (three runs at 1024 px in presentation mode) the run's name gives way, never the
        # verdict (wrapped, the badges were four lines tall and squeezed the decision map).
        self.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred
        )
        self.setToolTip("Click to show this run's decision map and weights")
        self.swatch = Swatch(color, self)
        self.swatch.setObjectName(f"runSwatch{index}")
        self.badge = VerdictBadge(self, elide_prefix=True, short_words=True)
        self.badge.setObjectName(f"runBadge{index}")
        row = QtWidgets.QHBoxLayout(self)
        row.setContentsMargins(4, 1, 2, 1)
        row.setSpacing(3)
        row.addWidget(self.swatch)
        row.addWidget(self.badge, 1)
        self._shown: bool | None = None
        self.set_shown(False)

    def set_verdict(self, verdict: Verdict, name: str) -> None:
        """`name`'s verdict; the name shortened when the badge is narrow."""
        show_verdict(self.badge, verdict, f"{name}: ", shorter_name(name))

    def clear_verdict(self, text: str) -> None:
        self.badge.clear_verdict(text)

    def is_shown(self) -> bool:
        return bool(self._shown)

    def set_shown(self, shown: bool) -> None:
        """Frame the badge of the run on display; restyled only on a change (a style sheet
        re-polishes the window around it, too costly for every frame)."""
        if shown == self._shown:
            return
        self._shown = shown
        border = SHOWN_FRAME if shown else "transparent"
        self.setStyleSheet(
            f"#{self.objectName()} {{ border: 2px solid {border}; border-radius: 8px; }}"
        )
        self.setAccessibleDescription("shown in the decision map" if shown else "")

    def click(self) -> None:
        self.clicked.emit(self.index)

    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:
        event.accept()  # so that the release comes here too

    def mouseReleaseEvent(self, event: QtGui.QMouseEvent) -> None:
        if event.button() == QtCore.Qt.MouseButton.LeftButton and self.rect().contains(
            event.position().toPoint()
        ):
            self.click()
