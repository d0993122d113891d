"""Train, Pause, Step, Stop, Reset and Show code: words beside the style's media icons.

Icons come from the style, not from symbol characters: common fonts lack the media-control
glyphs (⏸ draws as an empty box), a style always has its icons.
"""

from __future__ import annotations

from PySide6 import QtWidgets

PLAY = QtWidgets.QStyle.StandardPixmap.SP_MediaPlay
PAUSE = QtWidgets.QStyle.StandardPixmap.SP_MediaPause
STEP = QtWidgets.QStyle.StandardPixmap.SP_MediaSkipForward
STOP = QtWidgets.QStyle.StandardPixmap.SP_MediaStop
RESET = QtWidgets.QStyle.StandardPixmap.SP_BrowserReload


class TransportBar(QtWidgets.QWidget):
    """The six buttons in two rows; `show_state` enables what applies and names Pause/Resume."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.train_button = self._button("Train", "trainButton", PLAY)
        self.pause_button = self._button("Pause", "pauseButton", PAUSE)
        self.step_button = self._button("Step", "stepButton", STEP)
        self.stop_button = self._button("Stop", "stopButton", STOP)
        self.reset_button = self._button("Reset", "resetButton", RESET)
        self.code_button = self._button("Show code", "showCodeButton")
        self.train_button.setDefault(True)
        grid = QtWidgets.QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        for index, button in enumerate(
            (
                self.train_button,
                self.pause_button,
                self.step_button,
                self.stop_button,
                self.reset_button,
                self.code_button,
            )
        ):
            grid.addWidget(button, index // 3, index % 3)

    def _button(
        self, text: str, name: str, icon: QtWidgets.QStyle.StandardPixmap | None = None
    ) -> QtWidgets.QPushButton:
        button = QtWidgets.QPushButton(text, self)
        button.setObjectName(name)
        if icon is not None:
            button.setIcon(self.style().standardIcon(icon))
        return button

    def show_state(self, running: bool, paused: bool, can_train: bool) -> None:
        startable = can_train and (not running or paused)
        self.train_button.setEnabled(startable)
        self.train_button.setText("Resume" if paused else "Train")
        self.pause_button.setEnabled(running)
        self.pause_button.setText("Resume" if paused else "Pause")
        self.pause_button.setIcon(self.style().standardIcon(PLAY if paused else PAUSE))
        self.step_button.setEnabled(startable)
        self.stop_button.setEnabled(running)
