"""The "Landscape" tab: the network builder's network trained as the builder would, then its
loss on a line or a plane through the final weights, with the trajectory projected onto it.

The core (`gdsim.core.landscape.LandscapeJob`) trains and evaluates in a `JobRunner` worker:
first a coarse preview (26 a side on a subset of the points), then the full grid, with a
progress bar and Cancel. The picture is drawn by the surface explorer's own `SurfaceView`
(the same heat map, colour scale, contours, run markers and export), and `Playback` walks
through the iterates as in the explorer. In compare mode every run is drawn on one plane in
its run colour. The tab never changes the builder.
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtWidgets

from gdsim.core.landscape import (
    DEFAULT_GRID,
    MAX_GRID,
    MIN_GRID,
    PLANES,
    LandscapeError,
    LandscapeFrame,
    LandscapeJob,
    LandscapeSettings,
    landscape_csv,
)
from gdsim.core.state import NetworkState
from gdsim.ui.style import run_color
from gdsim.ui.widgets.columns import controls_beside
from gdsim.ui.widgets.message_area import MessageArea, MessageSpec, Severity
from gdsim.ui.widgets.playback import Playback
from gdsim.ui.widgets.surface_view import SurfaceView, Track
from gdsim.ui.workers import JobRunner

MESSAGES = (
    MessageSpec("landscape"),  # settings or a network that make no landscape; a failed job
    MessageSpec("landscapeNotes", Severity.WARNING),  # a low explained variance, a diverged run
    MessageSpec("landscapeCancelled", Severity.NOTE),
)

CONTROL_WIDTH = 300

PLANE_CHOICES = (
    ("random (filter-normalised)", "random"),
    ("PCA of the trajectory", "pca"),
    ("initial → final (1D)", "line"),
)
"""The directions menu: short words (the full ones, `PLANES`, head the results)."""

AXIS_LABELS = {
    "random": ("α (random direction 1)", "β (random direction 2)"),
    "pca": ("α (1st PCA direction)", "β (2nd PCA direction)"),
    "line": ("α (0 = initial, 1 = final weights)", ""),
}


class LandscapePanel(QtWidgets.QWidget):
    """The "Landscape" tab (see the module docstring)."""

    statusMessage = QtCore.Signal(str)
    cursorInfo = QtCore.Signal(str)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("landscapePanel")
        self._network = NetworkState()
        self.frame: LandscapeFrame | None = None
        """The running (or last) job's latest frame: its progress."""
        self._shown: LandscapeFrame | None = None
        """The frame on screen: kept after a failure or Cancel, so the info, the hover
        readout and Export data all describe what is drawn."""
        self._shown_network: NetworkState | None = None
        self._job_network = self._network
        """The network the running job trains: a builder change mid-compute must not
        relabel the slice it draws."""
        self._fresh = False
        """The next frame drawn is a new job's first: playback and hover text start over."""
        self._drawn: np.ndarray | None = None
        """The loss grid on screen (the preview's, then the full one's): redrawn only when
        the job sends a new one."""
        self.runner = JobRunner(self, max_rate=15)
        self._build()
        self._connect()
        self._update_buttons(False)

    # ------------------------------------------------------------------ construction

    def _build(self) -> None:
        self.messages = MessageArea(MESSAGES, self)
        self.network_label = QtWidgets.QLabel(self)
        self.network_label.setObjectName("landscapeNetwork")
        self.network_label.setWordWrap(True)

        box = QtWidgets.QGroupBox("Slice", self)
        form = QtWidgets.QFormLayout(box)
        self.dims_combo = _combo(self, "landscapeDims", [("2D plane", 2), ("1D line", 1)])
        self.plane_combo = _combo(self, "landscapePlane", list(PLANE_CHOICES))
        self.plane_combo.setToolTip(
            "random: Gaussian directions, each unit's weights scaled to the trained ones "
            "(Li et al. 2018); pca: the directions the trajectory moved most in; line: from "
            "the initial to the final weights (1D)"
        )
        self.grid_spin = QtWidgets.QSpinBox(self)
        self.grid_spin.setObjectName("landscapeGrid")
        self.grid_spin.setRange(MIN_GRID, MAX_GRID)
        self.grid_spin.setValue(DEFAULT_GRID)
        self.grid_spin.setSuffix(" a side")
        self.loss_combo = _combo(
            self, "landscapeLoss", [("training loss", "train"), ("validation loss", "validation")]
        )
        form.addRow("shape", self.dims_combo)
        form.addRow("directions", self.plane_combo)
        form.addRow("grid", self.grid_spin)
        form.addRow("loss", self.loss_combo)

        self.compute_button = QtWidgets.QPushButton("Compute", self)
        self.compute_button.setObjectName("landscapeCompute")
        self.compute_button.setToolTip("Train the builder's network, then evaluate the slice")
        self.cancel_button = QtWidgets.QPushButton("Cancel", self)
        self.cancel_button.setObjectName("landscapeCancel")
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.compute_button)
        buttons.addWidget(self.cancel_button)
        self.progress = QtWidgets.QProgressBar(self)
        self.progress.setObjectName("landscapeProgress")
        self.progress.setValue(0)
        self.info_label = QtWidgets.QLabel(self)
        self.info_label.setObjectName("landscapeInfo")
        self.info_label.setWordWrap(True)
        self.info_label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)

        controls = QtWidgets.QWidget(self)
        column = QtWidgets.QVBoxLayout(controls)
        column.addWidget(self.network_label)
        column.addWidget(box)
        column.addLayout(buttons)
        column.addWidget(self.progress)
        column.addWidget(self.info_label)
        column.addStretch(1)
        scroll = QtWidgets.QScrollArea(self)
        scroll.setWidget(controls)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(200)

        self.view = SurfaceView(self)
        self.view.setObjectName("landscapeView")
        self.playback = Playback(self)
        self.playback.setObjectName("landscapePlayback")
        self.playback.set_describer(self._describe_position)
        right = QtWidgets.QWidget(self)
        views = QtWidgets.QVBoxLayout(right)
        views.setContentsMargins(0, 0, 0, 0)
        views.addWidget(self.messages)
        views.addWidget(self.playback)
        views.addWidget(self.view, 1)
        self.columns = controls_beside(self, scroll, right, CONTROL_WIDTH)
        self._show_network()
        self.info_label.setText("Press Compute to train the builder's network and draw its loss.")

    def _connect(self) -> None:
        self.dims_combo.currentIndexChanged.connect(self._on_dims)
        self.compute_button.clicked.connect(self.compute)
        self.cancel_button.clicked.connect(self.cancel)
        self.runner.progress.connect(self._on_frame)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.runningChanged.connect(self._update_buttons)
        self.playback.positionChanged.connect(self._on_position)
        self.view.hovered.connect(self._on_hover)

    # ------------------------------------------------------------------ the window's calls

    def set_network(self, state: NetworkState) -> None:
        """The builder's state, handed over when the tab is shown: the next Compute uses it
        (the slice on screen keeps its own network's label)."""
        if state != self._network:
            self._network = state
            self._show_network()

    def export_plots(self) -> dict[str, QtWidgets.QWidget]:
        return {"landscape": self.view.plot}

    def data_csv(self) -> tuple[str, str]:
        """The grid and the iterates as CSV; ValueError with one line before any result."""
        if self._shown is None:
            raise ValueError("no landscape yet: press Compute first")
        return landscape_csv(self._shown), "landscape.csv"

    # ------------------------------------------------------------------ user intents

    def settings(self) -> LandscapeSettings:
        """The settings in the controls (LandscapeError when they make no slice)."""
        return LandscapeSettings(
            dims=self.dims_combo.currentData(),
            plane=self.plane_combo.currentData(),
            grid=self.grid_spin.value(),
            loss=self.loss_combo.currentData(),
        )

    @QtCore.Slot()
    def compute(self) -> None:
        """Train the builder's network and compute the slice; bad settings are named in one
        line and nothing starts."""
        try:
            job = LandscapeJob(self._network, self.settings())
        except LandscapeError as error:
            self.messages.show_message("landscape", str(error))
            return
        self.messages.clear("landscape", "landscapeNotes", "landscapeCancelled")
        self.frame, self._drawn = None, None
        self._job_network, self._fresh = self._network, True
        previous = " The slice shown is the previous one until the new one is drawn."
        self.info_label.setText("Training the network…" + (previous if self._shown else ""))
        self._show_progress(job.snapshot())
        self.runner.start(job)

    @QtCore.Slot()
    def cancel(self) -> None:
        """Stop the job between two of its short steps; what was drawn stays."""
        if self.runner.is_running():
            self.runner.stop()
            self.messages.show_message(
                "landscapeCancelled", "cancelled: press Compute to start again"
            )
            self.progress.setFormat("cancelled")
            self._show_stopped("Cancelled.")

    # ------------------------------------------------------------------ worker results

    @QtCore.Slot(object)
    def _on_frame(self, frame: LandscapeFrame) -> None:
        self.frame = frame
        self._show_progress(frame)
        if frame.losses is not None and frame.losses is not self._drawn:
            self._draw(frame)

    @QtCore.Slot(object)
    def _on_finished(self, frame: LandscapeFrame) -> None:
        self._on_frame(frame)
        self.statusMessage.emit("landscape done")

    @QtCore.Slot(str)
    def _on_failed(self, message: str) -> None:
        # The worker prefixes the exception's class; an expected refusal reads as one line.
        reason = message.removeprefix(f"{LandscapeError.__name__}: ")
        self.messages.show_message("landscape", reason)
        self.progress.setFormat("failed")
        self._show_stopped(f"Failed: {reason}")

    def _show_stopped(self, headline: str) -> None:
        """The info after a failure or Cancel: why, and what the slice on screen is."""
        if self._shown is None:
            self.info_label.setText(headline)
        else:
            self._show_info(self._shown, f"{headline} Shown: the last slice drawn.")

    @QtCore.Slot(bool)
    def _update_buttons(self, running: bool) -> None:
        self.compute_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)

    @QtCore.Slot()
    def _on_dims(self) -> None:
        """The line is 1D only: a 2D plane falls back to random directions."""
        if self.dims_combo.currentData() == 2 and self.plane_combo.currentData() == "line":
            self.plane_combo.setCurrentIndex(self.plane_combo.findData("random"))

    # ------------------------------------------------------------------ drawing

    def _draw(self, frame: LandscapeFrame) -> None:
        assert frame.losses is not None and frame.alphas is not None
        self._drawn, self._shown = frame.losses, frame
        fresh, self._fresh = self._fresh, False
        if fresh:
            self._shown_network = self._job_network
            self.cursorInfo.emit("")  # the old slice's readout
            self._show_network()
        settings = frame.settings
        x_label, y_label = AXIS_LABELS[settings.plane]
        loss_words = f"{settings.loss} loss"
        alphas = frame.alphas
        if settings.dims == 2:
            assert frame.betas is not None
            self.view.set_field(
                frame.losses,
                (float(alphas[0]), float(alphas[-1])),
                (float(frame.betas[0]), float(frame.betas[-1])),
                log_colors=True,
                labels=(x_label, y_label),
            )
        else:
            # The iterates' own losses may lie above the curve (off the line): frame them too,
            # or their tracks would stop where they leave the view; a diverged run does leave
            # it, as in the explorer (its huge losses would flatten the curve).
            kept = [run.losses for run in frame.runs if run.diverged_at is None]
            shown = np.concatenate([[frame.center_loss], *kept])
            include = shown[np.isfinite(shown)].tolist()
            self.view.set_curve(alphas, frame.losses, x_label=x_label, include=include)
            self.view.plot_item.setLabel("left", loss_words)
        self.playback.set_length(max(len(run.steps) for run in frame.runs))
        if fresh:
            self.playback.show_all()  # a new result: the whole path, not the old position
        self._draw_tracks()
        self._show_info(frame)
        notes = " ".join(frame.notes)
        if notes:
            self.messages.show_message("landscapeNotes", notes)

    def _draw_tracks(self) -> None:
        frame = self._shown
        if frame is None or not frame.runs:
            return
        tracks = []
        for index, run in enumerate(frame.runs):
            xy = (
                run.coords
                if frame.settings.dims == 2
                else np.column_stack([run.coords[:, 0], run.losses])
            )
            tracks.append(Track(xy, run_color(index), run.name))
        self.view.set_tracks(tracks, self.playback.position())

    @QtCore.Slot(object)
    def _on_position(self, _position: int | None) -> None:
        self._draw_tracks()

    def _describe_position(self, position: int | None) -> str:
        """The playback walks through recorded iterates: name each one's training step."""
        frame = self._shown
        if frame is None or not frame.runs:
            return ""
        steps = max((run.steps for run in frame.runs), key=len)
        last = len(steps) - 1
        position = None if position is None else min(position, last)
        return (
            f"all {last + 1} iterates, steps 0–{int(steps[-1])}"
            if position is None
            else f"iterate {position} / {last}: step {int(steps[position])}"
        )

    def _show_info(self, frame: LandscapeFrame, headline: str = "") -> None:
        settings = frame.settings
        size = f"{settings.grid}×{settings.grid}" if settings.dims == 2 else str(settings.grid)
        stage = f"{size} grid" if frame.refined else "preview (26 a side, a subset of the points)"
        run = frame.runs[frame.selected]
        lines = [headline] if headline else []
        lines += [
            f"<b>{_sentence(PLANES[settings.plane])}</b>, {settings.loss} loss: {stage}.",
            f"Loss at the final weights: <b>{frame.center_loss:.4g}</b>.",
        ]
        if len(frame.runs) > 1:
            lines.append(
                f"Centred on <b>{run.name}</b>'s final weights (the run selected in the "
                "builder: select another there to centre on it)."
            )
        if len(run.steps) > 1:
            lines.append(
                f"Trajectory: {len(run.steps)} iterates, every {int(run.steps[1])} training "
                f"steps to step {int(run.steps[-1])} (the playback and the path's numbers "
                "count iterates)."
            )
        if frame.explained is not None:
            shares = " + ".join(f"{share:.1%}" for share in frame.explained)
            lines.append(f"Explained variance: <b>{shares}</b> of the trajectory's.")
        lines.append("The iterates are projected onto the slice; their losses are their own.")
        self.info_label.setText("<br>".join(lines))

    def _show_progress(self, frame: LandscapeFrame) -> None:
        self.progress.setRange(0, max(1, frame.total))
        self.progress.setValue(frame.done)
        if frame.phase == "training":
            self.progress.setFormat("training: step %v of %m")
        elif frame.finished:
            self.progress.setFormat("done: %m points")
        else:
            self.progress.setFormat("grid: %v of %m points")

    @QtCore.Slot(float, float)
    def _on_hover(self, x: float, y: float) -> None:
        frame = self._shown
        if frame is None or frame.losses is None or frame.alphas is None:
            return
        i = int(np.abs(frame.alphas - x).argmin())
        if frame.betas is None:
            self.cursorInfo.emit(f"α = {frame.alphas[i]:.3g}: loss {frame.losses[i]:.4g}")
            return
        j = int(np.abs(frame.betas - y).argmin())
        self.cursorInfo.emit(
            f"α = {frame.alphas[i]:.3g}, β = {frame.betas[j]:.3g}: loss {frame.losses[j, i]:.4g}"
        )

    def _show_network(self) -> None:
        """The network of the slice on screen (before any: the one Compute will train)."""
        state = self._shown_network or self._network
        widths = [w for w, _ in state.network.hidden] or ["none"]
        source = state.csv_path or state.dataset.name
        rates = ", ".join(f"{lr:g}" for lr in state.learning_rates)
        training = f"{state.training.optimizer}, η = {rates}"
        if state.compare and state.compare_setting != "lr":
            values = ", ".join(map(str, state.compared_values))
            training = f"η = {state.training.lr:g} with {state.compare_setting} {values}"
        self.network_label.setText(
            f"On {source} with the builder's network (hidden {', '.join(map(str, widths))}), "
            f"{training}, {state.training.steps} steps."
            + (
                " The builder's network has changed since: Compute trains the new one."
                if state != self._network
                else ""
            )
        )


def _sentence(words: str) -> str:
    return words[:1].upper() + words[1:]


def _combo(
    parent: QtWidgets.QWidget, name: str, items: list[tuple[str, object]]
) -> QtWidgets.QComboBox:
    combo = QtWidgets.QComboBox(parent)
    combo.setObjectName(name)
    # Narrow enough for the controls' column; the open list shows the whole words.
    combo.setSizeAdjustPolicy(
        QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
    )
    combo.setMinimumContentsLength(12)
    for text, data in items:
        combo.addItem(text, data)
    return combo
