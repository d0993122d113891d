"""File > Export animation: frames rendered from the panel's own views, then encoded.

Three phases behind one progress dialog with Cancel:
1. (network builder only) a replay of the training run in the worker (`ReplayJob`, whose
   docstring says why a replay) gives the frames' data;
2. each frame is drawn by the panel's views and grabbed; that touches widgets, so it runs on
   the GUI thread in slices of at most SLICE_MS (a zero-delay QTimer), the window staying
   responsive and Cancel acting between two frames;
3. the encoding runs in the worker (`AnimationEncoder`, one frame per unit of work), which
   writes the file all at once at the end.
Cancel at any point stops the phase under way and puts the panel back as it was; the
destination is never touched (the old file, if any, stays).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.core.animation import (
    DEFAULT_FPS,
    MAX_FRAMES,
    AnimationEncoder,
    frame_positions,
    refusal,
)
from gdsim.core.training_job import ReplayJob, TrainingFrame, replay_length
from gdsim.ui.panels.mlp_panel import MlpPanel
from gdsim.ui.panels.surface_panel import SurfacePanel
from gdsim.ui.workers import JobRunner, SteppableJob

SLICE_MS = 50
"""The GUI thread renders frames for at most about this long before it handles events."""
MAX_WIDTH = 1280
"""Frames wider than this are scaled down: an animation is for slides, not for print."""


class FrameSource(Protocol):
    """What a panel gives an animation: the work before rendering (or None), how many
    frames, each frame as pixels, and a way back to what was shown."""

    def prepare(self) -> SteppableJob | None: ...

    def count(self) -> int: ...

    def render(self, index: int) -> np.ndarray: ...

    def restore(self) -> None: ...


def grab_rgb(widget: QtWidgets.QWidget) -> np.ndarray:
    """The widget as drawn now, as a (height, width, 3) uint8 array."""
    image = widget.grab().toImage()
    if image.width() > MAX_WIDTH:
        image = image.scaledToWidth(MAX_WIDTH, QtCore.Qt.TransformationMode.SmoothTransformation)
    image = image.convertToFormat(QtGui.QImage.Format.Format_RGB888)
    width, height, line = image.width(), image.height(), image.bytesPerLine()
    pixels = np.frombuffer(image.constBits(), np.uint8, count=line * height)
    return pixels.reshape(height, line)[:, : 3 * width].reshape(height, width, 3).copy()


class SurfaceFrames:
    """The surface explorer's playback: the surface and its trajectory plots at each
    position (thinned evenly), drawn by the panel as its Step button would."""

    def __init__(self, panel: SurfacePanel, max_frames: int) -> None:
        self._panel = panel
        self._before = panel.playback.position()
        result = panel.result()
        length = 0 if result is None else int(result.lengths.max())
        self._positions = frame_positions(length, max_frames)

    def prepare(self) -> None:
        return None

    def count(self) -> int:
        return len(self._positions)

    def render(self, index: int) -> np.ndarray:
        self._panel.playback.show_step(self._positions[index])
        return grab_rgb(self._panel.plots)

    def restore(self) -> None:
        self._panel.playback.show_step(self._before)


class TrainingFrames:
    """The network builder's run, replayed from its initial weights: header, curves,
    decision map and diagram at evenly spaced steps, drawn by the panel's views."""

    def __init__(self, panel: MlpPanel, max_frames: int) -> None:
        job = panel.job
        assert job is not None
        self._panel = panel
        self._replay = ReplayJob(job, frame_positions(replay_length(job) + 1, max_frames))

    def prepare(self) -> ReplayJob:
        return self._replay

    def count(self) -> int:
        return len(self._replay.positions)

    def render(self, index: int) -> np.ndarray:
        panel = self._panel
        frame: TrainingFrame = self._replay.frames[index]
        # As while training: no verdict before the run has earned it (the badges and the
        # header held the final verdicts from the first frame on).
        for badge, run in zip(panel.run_badges.badges, frame.runs, strict=False):
            badge.clear_verdict(run.name)
        panel.views.draw(frame, panel.dataset, panel.steps_spin.value(), True, True)
        panel.views.finish_parts()
        return grab_rgb(panel.views)

    def restore(self) -> None:
        panel = self._panel
        frame = panel.presenter.frame
        if frame is not None:
            panel.presenter.show_now(frame)
            if frame.runs[frame.shown].verdict is None:
                panel.header.show_paused(frame)
            else:
                panel.header.show_verdict(frame)


class AnimationExport(QtCore.QObject):
    """One export under way; `done(message, failed)` says how it ended ("Saved …",
    cancelled, or what failed) once the dialog is gone and the panel is back as it was."""

    done = QtCore.Signal(str, bool)

    def __init__(
        self,
        source: FrameSource,
        path: Path,
        fps: float = DEFAULT_FPS,
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._source = source
        self._path = path
        self._fps = fps
        self._frames: list[np.ndarray] = []
        self._encoder: AnimationEncoder | None = None
        self._ended = False
        self._restored = False
        self.runner = JobRunner(self, max_rate=20)
        self.runner.progress.connect(self._on_progress)
        self.runner.finished.connect(self._on_job_finished)
        self.runner.failed.connect(self._fail)
        count = source.count()
        self._prepare = source.prepare()
        self._base = count if self._prepare is not None else 0
        self.dialog = QtWidgets.QProgressDialog(
            "Rendering frames…", "Cancel", 0, self._base + 2 * count, parent
        )
        self.dialog.setObjectName("animationProgress")
        self.dialog.setWindowTitle("Export animation")
        self.dialog.setWindowModality(QtCore.Qt.WindowModality.WindowModal)
        self.dialog.setAutoReset(False)
        self.dialog.setAutoClose(False)
        self.dialog.setMinimumDuration(0)
        self.dialog.canceled.connect(self.cancel)
        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._render_slice)

    def start(self) -> None:
        """Begin: the replay in the worker first if there is one, else the rendering."""
        self.dialog.show()
        if self._prepare is not None:
            self.dialog.setLabelText("Replaying the training run…")
            self.runner.start(self._prepare)
        else:
            self._timer.start()

    @QtCore.Slot()
    def cancel(self) -> None:
        """Stop whatever runs, drop the partial work, show the panel as it was."""
        if self._ended:
            return
        self._timer.stop()
        self.runner.stop()
        if self._encoder is not None:
            self._encoder.discard()
        self._end("Animation export cancelled: nothing was written", failed=False)

    @QtCore.Slot()
    def _render_slice(self) -> None:
        clock = QtCore.QElapsedTimer()
        clock.start()
        total = self._source.count()
        while len(self._frames) < total and (not self._frames or clock.elapsed() < SLICE_MS):
            self._frames.append(self._source.render(len(self._frames)))
            if clock.elapsed() >= SLICE_MS:
                break
        self.dialog.setValue(self._base + len(self._frames))
        if len(self._frames) < total:
            return
        self._timer.stop()
        self._restore()
        self._encode()

    def _restore(self) -> None:
        """Show the panel as before the export (once, however the export ends)."""
        if not self._restored:
            self._restored = True
            self._source.restore()

    def _encode(self) -> None:
        try:
            self._encoder = AnimationEncoder(self._frames, self._path, self._fps)
        except ValueError as error:
            self._fail(str(error))
            return
        self.dialog.setLabelText(f"Encoding {self._path.name}…")
        self.runner.start(self._encoder)

    @QtCore.Slot(object)
    def _on_progress(self, done: int) -> None:
        """Frames replayed, or frames encoded (after the replayed and the rendered ones)."""
        if self._encoder is None:
            self.dialog.setValue(done)
        else:
            self.dialog.setValue(self._base + self._source.count() + done)

    @QtCore.Slot(object)
    def _on_job_finished(self, _done: int) -> None:
        if self._ended:
            return
        if self._encoder is None:
            self.dialog.setLabelText("Rendering frames…")
            self._timer.start()
            return
        if self._encoder.written:
            self._end(f"Saved {self._path}", failed=False)

    @QtCore.Slot(str)
    def _fail(self, message: str) -> None:
        if self._ended:
            return
        self._timer.stop()
        if self._encoder is not None:
            self._encoder.discard()
        self._end(message, failed=True)

    def _end(self, message: str, failed: bool) -> None:
        self._ended = True
        self._restore()
        self.dialog.close()
        self.done.emit(message, failed)


def start_animation(
    panel: QtWidgets.QWidget,
    path: Path,
    fps: float = DEFAULT_FPS,
    max_frames: int = MAX_FRAMES,
) -> AnimationExport:
    """Export `panel`'s animation to `path` (.gif, or .mp4 with the video extra); raises
    ValueError with a one-line reason when there is nothing to animate or the format is
    refused. The export runs on: its `done` signal says how it ended."""
    why = refusal(path)
    if why is not None:
        raise ValueError(why)
    source: FrameSource
    if isinstance(panel, SurfacePanel):
        if panel.result() is None:
            raise ValueError("nothing to animate yet: the runs are still being computed")
        source = SurfaceFrames(panel, max_frames)
    elif isinstance(panel, MlpPanel):
        if panel.job is None:
            raise ValueError("nothing to animate: the network cannot be trained as set up")
        if panel.presenter.live:
            raise ValueError("pause or stop training first: the animation replays the run")
        source = TrainingFrames(panel, max_frames)
    else:
        raise ValueError("this tab has no animation")
    return AnimationExport(source, path, fps, panel.window())
