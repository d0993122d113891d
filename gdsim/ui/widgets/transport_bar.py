"""Train, Pause, Step, Stop, Restart, New weights, Show code and the pace: words beside the
style's media icons.

Icons come from the style, not from symbol characters: common fonts lack the media-control
glyphs (⏸ draws as an empty box), a style always has its icons.
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

PLAY = QtWidgets.QStyle.StandardPixmap.SP_MediaPlay
PAUSE = QtWidgets.QStyle.StandardPixmap.SP_MediaPause
STEP = QtWidgets.QStyle.StandardPixmap.SP_MediaSkipForward
STOP = QtWidgets.QStyle.StandardPixmap.SP_MediaStop
RESET = QtWidgets.QStyle.StandardPixmap.SP_BrowserReload

PACES: tuple[float | None, ...] = (10.0, 30.0, 100.0, None)
"""Steps per second offered by the pace box; None is full speed (the default): 1,000 steps
take about 0.4 s, too fast to narrate, hence the slow paces."""


class TransportBar(QtWidgets.QWidget):
    """The seven buttons in three rows and the pace beside Show code; `show_state` enables
    what applies and names Pause/Resume. Reports `paceChanged(rate)` (steps/s, None for full
    speed).

    Restart and New weights are two actions because a teacher needs both: the same initial
    weights to show that a setting alone changed the outcome, new ones to show how much the
    outcome depends on the draw."""

    paceChanged = QtCore.Signal(object)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.train_button = self._button("Train", "trainButton", PLAY)
        self.pause_button = self._button("Pause", "pauseButton", PAUSE)
        self.step_button = self._button("Step", "stepButton", STEP)
        self.stop_button = self._button("Stop", "stopButton", STOP)
        self.reset_button = self._button("Restart", "resetButton", RESET)
        self.reset_button.setToolTip("Start again from the same initial weights (same seed)")
        self.new_weights_button = self._button("New weights", "newWeightsButton")
        self.new_weights_button.setToolTip(
            "Start again from new random initial weights: draws a new network seed"
        )
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
                self.new_weights_button,
                self.code_button,
            )
        ):
            grid.addWidget(button, index // 3, index % 3)
        self.pace_combo = QtWidgets.QComboBox(self)
        self.pace_combo.setObjectName("paceCombo")
        self.pace_combo.setToolTip("Training pace: slow it down to narrate the steps")
        for rate in PACES:
            self.pace_combo.addItem("full speed" if rate is None else f"{rate:g} steps/s", rate)
        self.pace_combo.setCurrentIndex(PACES.index(None))
        pace_label = QtWidgets.QLabel("pace", self)
        pace_label.setBuddy(self.pace_combo)
        pace_row = QtWidgets.QHBoxLayout()
        pace_row.addWidget(pace_label)
        pace_row.addWidget(self.pace_combo, 1)
        grid.addLayout(pace_row, 2, 1, 1, 2)
        self.pace_combo.currentIndexChanged.connect(self._on_pace)

    def _button(
        self, text: str, name: str, icon: QtWidgets.QStyle.StandardPixmap | None = None
    ) -> QtWidgets.QPushButton:
        button = QtWidgets.QPushButton(text, self)
        button.setObjectName(name)
        if icon is not None:
            button.setIcon(self.style().standardIcon(icon))
        return button

    def pace(self) -> float | None:
        """Steps per second per run; None for full speed."""
        return self.pace_combo.currentData()

    @QtCore.Slot(int)
    def _on_pace(self, _index: int) -> None:
        self.paceChanged.emit(self.pace())

    def show_state(self, running: bool, paused: bool, can_train: bool) -> None:
        """Train starts a run; once one is under way (running or paused), Pause / Resume is
        the one button that continues it, so Train is disabled rather than a second Resume."""
        self.train_button.setEnabled(can_train and not running)
        self.pause_button.setEnabled(running)
        self.pause_button.setText("Resume" if paused else "Pause")
        self.pause_button.setIcon(self.style().standardIcon(PLAY if paused else PAUSE))
        self.step_button.setEnabled(can_train and (not running or paused))
        self.stop_button.setEnabled(running)
