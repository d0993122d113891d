"""Play / Pause / Step / Reset and a speed control that walk through iterates one at a time.

Teaching needs the steps one by one ("here is w0, the gradient points there, so w1 lands
here..."), while exploring needs whole trajectories at once. The controller holds only a
position: ``None`` means "not animating, show everything"; an integer ``t`` means "show iterates
0..t". It knows nothing about what is drawn; views listen to ``positionChanged``.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore, QtGui, QtWidgets

SPEEDS = (1, 2, 4, 8, 16, 32, 64)
"""Iterates per second offered by the speed box."""


class Playback(QtWidgets.QWidget):
    """A QTimer-driven cursor over ``length`` iterates; emits ``positionChanged(object)``."""

    positionChanged = QtCore.Signal(object)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._position: int | None = None
        self._length = 0
        self._describe: Callable[[int | None], str] | None = None
        self._timer = QtCore.QTimer(self)
        self._timer.timeout.connect(self._advance)
        self.play_button = self._button("Play", "playButton", "Animate the iterates (Space)")
        self.step_button = self._button("Step", "stepButton", "Show one more iterate")
        self.reset_button = self._button("Reset", "resetButton", "Back to the start point")
        self.step_button.setIcon(_icon(QtWidgets.QStyle.StandardPixmap.SP_MediaSkipForward))
        self.reset_button.setIcon(_icon(QtWidgets.QStyle.StandardPixmap.SP_MediaSeekBackward))
        self.play_button.setCheckable(True)
        self.speed_combo = QtWidgets.QComboBox(self)
        self.speed_combo.setObjectName("speedCombo")
        self.speed_combo.setToolTip("Animation speed")
        for speed in SPEEDS:
            self.speed_combo.addItem(f"{speed} steps/s", speed)
        self.speed_combo.setCurrentIndex(SPEEDS.index(4))
        self.position_label = QtWidgets.QLabel(self)
        self.position_label.setObjectName("positionLabel")
        self.position_label.setMinimumWidth(110)
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.play_button, self.step_button, self.reset_button, self.speed_combo):
            layout.addWidget(widget)
        layout.addWidget(self.position_label)
        self.play_button.toggled.connect(self._on_play_toggled)
        self.step_button.clicked.connect(self.step)
        self.reset_button.clicked.connect(self.reset)
        self.speed_combo.currentIndexChanged.connect(self._apply_speed)
        self._apply_speed()
        self._show_play_state(False)
        self._show_position()

    def _button(self, text: str, name: str, tip: str) -> QtWidgets.QPushButton:
        button = QtWidgets.QPushButton(text, self)
        button.setObjectName(name)
        button.setToolTip(tip)
        return button

    def _show_play_state(self, playing: bool) -> None:
        """Qt's standard media icons and plain words: glyphs such as U+23F8 (pause) are
        missing from common fonts and rendered as an empty box."""
        pixmap = QtWidgets.QStyle.StandardPixmap
        self.play_button.setText("Pause" if playing else "Play")
        self.play_button.setIcon(_icon(pixmap.SP_MediaPause if playing else pixmap.SP_MediaPlay))

    def position(self) -> int | None:
        return self._position

    def is_playing(self) -> bool:
        return self._timer.isActive()

    def set_describer(self, describe: Callable[[int | None], str] | None) -> None:
        """Who words the position label: a view whose iterates are not one per step (the
        landscape records every k-th step) names each iterate's step; None restores "step t / N".
        The label is written here on every change, a Reset to where it already was included,
        so an owner never overwrites it after the fact."""
        self._describe = describe
        self._show_position()

    def set_length(self, length: int) -> None:
        """The number of iterates now available; an animation keeps its place (clamped)."""
        self._length = max(0, length)
        if self._position is not None and self._position > self._last():
            self._set_position(self._last())
        self._show_position()

    @QtCore.Slot()
    def toggle(self) -> None:
        """Play if paused, pause if playing (the Space shortcut)."""
        self.play_button.toggle()

    @QtCore.Slot()
    def step(self) -> None:
        """Show one more iterate (from 'show everything', start over at the first step)."""
        self.play_button.setChecked(False)
        if self._position is None or self._position >= self._last():
            self._set_position(min(1, self._last()))
        else:
            self._set_position(self._position + 1)

    @QtCore.Slot()
    def reset(self) -> None:
        """Pause and go back to the start point alone."""
        self.play_button.setChecked(False)
        self._set_position(0)

    def show_all(self) -> None:
        """Stop animating: views show complete trajectories again."""
        self.show_step(None)

    @QtCore.Slot(object)
    def show_step(self, position: int | None) -> None:
        """Pause at iterate ``position`` (None: every iterate), e.g. where a saved state was."""
        self.play_button.setChecked(False)
        self._set_position(position)

    @QtCore.Slot(bool)
    def _on_play_toggled(self, playing: bool) -> None:
        self._show_play_state(playing)
        if not playing:
            self._timer.stop()
            return
        if self._position is None or self._position >= self._last():
            self._set_position(0)
        self._timer.start()

    @QtCore.Slot()
    def _advance(self) -> None:
        if self._position is None or self._position >= self._last():
            self.play_button.setChecked(False)
            return
        self._set_position(self._position + 1)

    @QtCore.Slot()
    def _apply_speed(self) -> None:
        self._timer.setInterval(round(1000 / self.speed_combo.currentData()))

    def _last(self) -> int:
        return max(0, self._length - 1)

    def _set_position(self, position: int | None) -> None:
        changed = position != self._position
        self._position = position
        self._show_position()
        if changed:
            self.positionChanged.emit(position)

    def _show_position(self) -> None:
        if self._describe is not None:
            self.position_label.setText(self._describe(self._position))
        elif self._position is None:
            last = self._last()
            self.position_label.setText(f"all {last} step{'' if last == 1 else 's'}")
        else:
            self.position_label.setText(f"step {self._position} / {self._last()}")


def _icon(pixmap: QtWidgets.QStyle.StandardPixmap) -> QtGui.QIcon:
    return QtWidgets.QApplication.style().standardIcon(pixmap)
