"""One place per panel where errors and warnings appear.

A panel declares its messages once (``MessageSpec``: a key and a severity, as Orange3's widgets
declare ``Error`` and ``Warning`` classes), then shows or clears each by key. Every message has
its own line, so a bad formula and a moved start can be on screen together and each goes away
when its own cause does; nothing is said through a dialog or a restyled badge. Each line's
objectName is ``<key>Error``, ``<key>Warning`` or ``<key>Note``, so tests and teachers' scripts
find a message by what it is about.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from PySide6 import QtCore, QtWidgets


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


_LOOK: dict[Severity, tuple[str, str, str]] = {
    Severity.ERROR: ("✗", "#b2182b", "Error"),
    Severity.WARNING: ("⚠", "#8c510a", "Warning"),
    Severity.NOTE: ("ℹ", "#2c5d8a", "Note"),
}
"""Symbol, text colour (dark enough for a projector on white) and objectName suffix."""


@dataclass(frozen=True)
class MessageSpec:
    """A message a panel can show: ``key`` names its cause (``"expression"``, ``"training"``)."""

    key: str
    severity: Severity = Severity.ERROR


class MessageArea(QtWidgets.QWidget):
    """Lines for declared messages, hidden until shown.

    The area keeps the height of one line even when empty: it sits above the plots, and a
    message that came and went with every keystroke of a formula made them jump."""

    changed = QtCore.Signal()

    def __init__(
        self, messages: Sequence[MessageSpec], parent: QtWidgets.QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("messageArea")
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self._labels: dict[str, QtWidgets.QLabel] = {}
        self._symbols: dict[str, str] = {}
        for spec in messages:
            if spec.key in self._labels:
                raise ValueError(f"message {spec.key!r} declared twice")
            symbol, color, suffix = _LOOK[spec.severity]
            label = QtWidgets.QLabel()
            label.setObjectName(f"{spec.key}{suffix}")
            label.setWordWrap(True)
            label.setTextFormat(QtCore.Qt.TextFormat.PlainText)  # file names may hold "<h1>"
            label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setStyleSheet(f"color: {color}; font-weight: bold;")
            label.setVisible(False)
            layout.addWidget(label)
            self._labels[spec.key] = label
            self._symbols[spec.key] = symbol
        line = QtWidgets.QLabel("✗ X")
        self.setMinimumHeight(line.sizeHint().height())

    def sizeHint(self) -> QtCore.QSize:
        return super().sizeHint().expandedTo(self.minimumSize())

    def show_message(self, key: str, text: str) -> None:
        """Show (or replace) the message ``key``; an empty text clears it."""
        if not text:
            self.clear(key)
            return
        label = self._label(key)
        label.setText(f"{self._symbols[key]} {text}")
        label.setVisible(True)
        self._update()

    def clear(self, *keys: str) -> None:
        """Hide the named messages, or every message when none is named."""
        for key in keys or tuple(self._labels):
            label = self._label(key)
            label.setVisible(False)
            label.clear()
        self._update()

    def text(self, key: str) -> str:
        """The message ``key`` as shown (symbol included), or "" when it is not shown."""
        label = self._label(key)
        return label.text() if label.isVisibleTo(self) else ""

    def shown(self) -> list[str]:
        """Keys of the messages on screen, in declaration order."""
        return [key for key, label in self._labels.items() if label.isVisibleTo(self)]

    def _label(self, key: str) -> QtWidgets.QLabel:
        try:
            return self._labels[key]
        except KeyError:
            known = ", ".join(self._labels)
            raise KeyError(f"message {key!r} is not declared (have: {known})") from None

    def _update(self) -> None:
        self.changed.emit()
