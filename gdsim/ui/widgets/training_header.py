"""The network panel's header: the shown run's state or verdict, and its metrics line.

It follows the run on display (compare mode's chosen badge): its verdict, its step, its losses.
Errors never appear here; they go to the panel's message area.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.core.training_job import TrainingFrame, metrics_text
from gdsim.ui.widgets.run_badge import shorter_name
from gdsim.ui.widgets.verdict_badge import VerdictBadge

METRICS_CHARACTERS = 44
"""Characters' width the metrics keep beside the badge where they can (half their line: two
lines of it): the badge gives way first, eliding its run name down to its words (a wrapped
verdict badge had made the header five lines tall at 1024 pixels in presentation mode). It is
not the metrics' minimum width: a minimum that followed the header's own width had ratcheted
the window wider than a 1024-pixel screen after a run."""
BESIDE_SHARE = 2 / 3
"""Where beside the badge's words the metrics would get less than this share of their two
lines' width (four lines or more: 320 pixels tall in an 800-pixel window in presentation
mode), they go below the badge, on the header's whole width."""
NO_LIMIT = 16_777_215
"""Qt's QWIDGETSIZE_MAX (not exported by PySide6): the badge's width below the metrics."""


class TrainingHeader(QtWidgets.QWidget):
    """``trainingStatusLabel`` beside ``metricsLabel``, or above it in a narrow header."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.status_label = VerdictBadge(self, elide_prefix=True)
        self.status_label.setMinimumWidth(0)
        self.status_label.setObjectName("trainingStatusLabel")
        self.metrics_label = QtWidgets.QLabel(self)
        self.metrics_label.setObjectName("metricsLabel")
        # Wrapped at its ' · ' separators when the header is narrow (a 1024-pixel projector, or
        # presentation mode's larger text): on one line it alone was wider than the plots.
        self.metrics_label.setWordWrap(True)
        # The room left by the badge, at least its minimum (`resizeEvent`): a wrapped label's
        # own width hint had taken the room of the badge's run name.
        self.metrics_label.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred
        )
        self._layout = QtWidgets.QBoxLayout(QtWidgets.QBoxLayout.Direction.LeftToRight, self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addWidget(self.status_label, 0, QtCore.Qt.AlignmentFlag.AlignLeft)
        self._layout.addWidget(self.metrics_label, 1)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        """Keep room for two lines of metrics (`METRICS_CHARACTERS`) by capping the badge's
        width, never below its words: the header's minimum width is then the badge's words
        alone, whatever its own width, so a narrow header wraps its metrics to more lines."""
        super().resizeEvent(event)
        self._cap_badge()

    def _cap_badge(self) -> None:
        """The badge's maximum width, and the metrics beside or below it, for the header's
        width and the badge's words now (a new text may need more room than the last one's
        cap: it had cut "converged" to "onverged")."""
        two_lines = METRICS_CHARACTERS * self.metrics_label.fontMetrics().averageCharWidth()
        words = self.status_label.minimumSizeHint().width()
        beside = self.width() - self._layout.spacing() - words >= BESIDE_SHARE * two_lines
        room = self.width() - two_lines - self._layout.spacing()
        self.status_label.setMaximumWidth(max(room, words) if beside else NO_LIMIT)
        direction = QtWidgets.QBoxLayout.Direction
        self._layout.setDirection(direction.LeftToRight if beside else direction.TopToBottom)

    def show_state(self, text: str) -> None:
        """A state without a verdict ("ready: press Train", "training… step 1,200")."""
        self.status_label.clear_verdict(text)
        self._cap_badge()

    @QtCore.Slot(object)
    def show_verdict(self, frame: TrainingFrame, prefix: str = "") -> None:
        """The shown run's verdict, named by its rate in compare mode."""
        run = frame.runs[frame.shown]
        if run.verdict is None:
            self.show_state("ready: press Train")
        elif len(frame.runs) > 1:
            short = shorter_name(run.name)
            shorter = f"{prefix}{short}" if short else ""
            self.status_label.set_verdict(run.verdict, f"{prefix}{run.name}: ", shorter)
        else:
            self.status_label.set_verdict(run.verdict, prefix)
        self._cap_badge()
        # Lay out now, not at the next event pass: until then the badge keeps the width of the
        # previous text, and would show this one cut to "…" (once a verdict, not every frame).
        self.layout().activate()

    @QtCore.Slot(object)
    def show_paused(self, frame: TrainingFrame) -> None:
        self.show_state(f"paused at step {frame.runs[frame.shown].state.step}")

    def show_live(self, frame: TrainingFrame) -> None:
        """While training: the shown run's step, or its verdict once it has diverged."""
        shown = frame.runs[frame.shown].state
        if shown.diverged_at is not None:
            self.show_verdict(frame)
        else:
            self.show_state(f"training… step {shown.step:,}")

    def show_metrics(self, frame: TrainingFrame) -> None:
        self.metrics_label.setText(metrics_text(frame.runs[frame.shown].state))
