"""File > Export animation's settings: frames per second and at most how many frames, with the
length they give, before the file dialog asks where."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets


class AnimationDialog(QtWidgets.QDialog):
    """Asks `fps()` and `max_frames()`; a longer playback or run is thinned evenly to that many
    frames, so the two together set the animation's length (shown as it is edited)."""

    def __init__(self, fps: float, max_frames: int, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("animationDialog")
        self.setWindowTitle("Export animation")
        self.fps_spin = QtWidgets.QSpinBox(self)
        self.fps_spin.setObjectName("animationFpsSpin")
        self.fps_spin.setRange(1, 60)
        self.fps_spin.setValue(round(fps))
        self.fps_spin.setSuffix(" frames/s")
        self.frames_spin = QtWidgets.QSpinBox(self)
        self.frames_spin.setObjectName("animationFramesSpin")
        self.frames_spin.setRange(2, 1000)
        self.frames_spin.setValue(max_frames)
        self.frames_spin.setSuffix(" frames")
        self.length_label = QtWidgets.QLabel(self)
        self.length_label.setObjectName("animationLengthLabel")
        buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Ok
            | QtWidgets.QDialogButtonBox.StandardButton.Cancel,
            self,
        )
        buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok).setText("Choose file…")
        form = QtWidgets.QFormLayout(self)
        form.addRow("speed", self.fps_spin)
        form.addRow("at most", self.frames_spin)
        form.addRow(self.length_label)
        form.addRow(buttons)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.fps_spin.valueChanged.connect(self._show_length)
        self.frames_spin.valueChanged.connect(self._show_length)
        self._show_length()

    def fps(self) -> float:
        return float(self.fps_spin.value())

    def max_frames(self) -> int:
        return self.frames_spin.value()

    @QtCore.Slot()
    def _show_length(self) -> None:
        seconds = self.max_frames() / self.fps()
        self.length_label.setText(
            f"lasts at most {seconds:.1f} s (a shorter run: one frame per step)"
        )
