"""Keep a window on the screen: its default size inside a small screen, its saved place on one
that still exists.

The default 1280x800 window plus a title bar overflowed a 1280x800 screen, and a place saved
on a second monitor (a projector since unplugged) would open the window where nobody can see
it. Before a window is shown, its decorations are unknown: FRAME leaves room for a typical
title bar and border.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

FRAME = QtCore.QMargins(8, 40, 8, 8)
"""Room left for the window manager's border and title bar (left, top, right, bottom)."""


def fitted(rect: QtCore.QRect, available: QtCore.QRect) -> QtCore.QRect:
    """``rect`` (a window's contents) shrunk to fit ``available`` with FRAME around it, and
    moved inside it when any part of it was outside."""
    room = available.marginsRemoved(FRAME)
    width = min(rect.width(), room.width())
    height = min(rect.height(), room.height())
    left = min(max(rect.left(), room.left()), room.right() - width + 1)
    top = min(max(rect.top(), room.top()), room.bottom() - height + 1)
    return QtCore.QRect(left, top, width, height)


def fit_to_screen(window: QtWidgets.QWidget) -> None:
    """Move and shrink ``window`` into the screen under its centre (the primary screen when
    none is there), never below its minimum size."""
    geometry = window.geometry()
    screen = QtGui.QGuiApplication.screenAt(geometry.center())
    screen = screen or QtGui.QGuiApplication.primaryScreen()
    target = fitted(geometry, screen.availableGeometry())
    minimum = window.minimumSizeHint().expandedTo(window.minimumSize())
    target.setSize(target.size().expandedTo(minimum))
    if target != geometry:
        window.setGeometry(target)
