"""What a teacher takes to slides: File > Export figure / data / animation, Edit > Copy figure,
and the plots' right-click Export… and Copy.

The window builds one `Exports` and adds its actions to its menus; every action has a method
beside it that takes the answer a dialog would give (`save_figure(plot, path, scale)`,
`save_data(path)`, `start_animation(path)`), which tests and scripts call without dialogs.
Each outcome is said in the status bar; a failure also in a message box (the old file, if
any, is still there).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.core.animation import DEFAULT_FPS, MAX_FRAMES, video_available
from gdsim.core.csv_export import training_csv, trajectories_csv
from gdsim.core.files import write_text_atomic
from gdsim.ui.export import DEFAULT_FORMAT, FIGURE_FORMATS, export_plot, figure_target, plot_image
from gdsim.ui.exports.animation import AnimationExport, start_animation
from gdsim.ui.panels.mlp_panel import MlpPanel
from gdsim.ui.panels.surface_panel import SurfacePanel
from gdsim.ui.widgets.animation_dialog import AnimationDialog

COPY_SCALE = 2.0
"""A copied figure is pasted into slides: twice the pixels on screen, like the PNG default."""


class Exports(QtCore.QObject):
    """The export actions of `window` (a QMainWindow whose `tabs` hold the panels)."""

    def __init__(self, window: QtWidgets.QMainWindow) -> None:
        super().__init__(window)
        self._window = window
        self._figure_format = DEFAULT_FORMAT
        """The last format chosen: a teacher exports several figures alike."""
        self.animation: AnimationExport | None = None
        self._fps, self._max_frames = DEFAULT_FPS, MAX_FRAMES
        self.figure_action = self._action("&Export figure…", "Ctrl+E", self.export_figure)
        self.data_action = self._action("Export &data (CSV)…", "Ctrl+Shift+E", self.export_data)
        self.animation_action = self._action("Export &animation…", None, self.export_animation)
        self.copy_action = self._action("&Copy figure", "Ctrl+Shift+C", self.copy_figure)
        self.copy_action.setObjectName("copyFigureAction")

    def _action(self, text: str, shortcut: str | None, slot: object) -> QtGui.QAction:
        action = QtGui.QAction(text, self._window)
        if shortcut is not None:
            action.setShortcut(QtGui.QKeySequence(shortcut))
        action.triggered.connect(slot)
        return action

    def file_actions(self) -> list[QtGui.QAction]:
        return [self.figure_action, self.data_action, self.animation_action]

    def edit_actions(self) -> list[QtGui.QAction]:
        return [self.copy_action]

    def add_panel(self, panel: QtWidgets.QWidget) -> None:
        """pyqtgraph's right-click "Export..." opens its own dialog, which writes in place and
        reports a failed PNG write as success: the menu gets this window's Export… and Copy."""
        for name, plot in panel.export_plots().items():  # type: ignore[attr-defined]
            export = QtGui.QAction("Export…", plot)
            export.triggered.connect(lambda _checked=False, n=name, p=plot: self.ask_figure(n, p))
            copy = QtGui.QAction("Copy", plot)
            copy.triggered.connect(lambda _checked=False, p=plot: self.copy_plot(p))
            plot.scene().contextMenu = [export, copy]

    # ------------------------------------------------------------------ figures

    def _panel(self) -> QtWidgets.QWidget:
        return self._window.tabs.currentWidget()  # type: ignore[attr-defined]

    def _plots(self) -> dict[str, pg.PlotWidget]:
        return self._panel().export_plots()  # type: ignore[attr-defined, no-any-return]

    @QtCore.Slot()
    def export_figure(self) -> None:
        """Ask which plot (when the panel has several), then where and in which format."""
        plots = self._plots()
        name = next(iter(plots))
        if len(plots) > 1:
            name, ok = QtWidgets.QInputDialog.getItem(
                self._window, "Export figure", "Plot:", list(plots), 0, False
            )
            if not ok:
                return
        self.ask_figure(name, plots[name])

    def ask_figure(self, name: str, plot: pg.PlotWidget) -> None:
        """One file dialog: its filter is the format and scale (PNG 1x / 2x / 3x, SVG)."""
        suffix = FIGURE_FORMATS[self._figure_format][0]
        path, chosen = QtWidgets.QFileDialog.getSaveFileName(
            self._window,
            "Export figure",
            f"{name}{suffix}",
            ";;".join(FIGURE_FORMATS),
            self._figure_format,
        )
        if not path:
            return
        if chosen in FIGURE_FORMATS:
            self._figure_format = chosen
        target, scale = figure_target(Path(path), chosen)
        self.save_figure(plot, target, scale)

    def save_figure(self, plot: pg.PlotWidget, path: Path, scale: float = 2.0) -> bool:
        """Write `plot` to `path` (PNG at `scale` times its size on screen, or SVG)."""
        return self._written(path, lambda: export_plot(plot, path, scale))

    @QtCore.Slot()
    def copy_figure(self) -> None:
        """Copy the plot under the mouse, else the current panel's main (first) plot."""
        plots = list(self._plots().values())
        under = [plot for plot in plots if plot.underMouse()]
        self.copy_plot(under[0] if under else plots[0])

    def copy_plot(self, plot: pg.PlotWidget) -> None:
        """Put `plot` on the clipboard as an image, COPY_SCALE times its size on screen."""
        image = plot_image(plot, COPY_SCALE)
        QtGui.QGuiApplication.clipboard().setImage(image)
        self._say(f"Figure copied ({image.width()} x {image.height()} pixels)")

    # ------------------------------------------------------------------ data

    def data_text(self) -> tuple[str, str]:
        """The current panel's CSV and a file name for it; ValueError says why there is none."""
        panel = self._panel()
        if isinstance(panel, SurfacePanel):
            result = panel.result()
            if result is None:
                raise ValueError("no trajectories yet: the runs are still being computed")
            return trajectories_csv(result), "trajectories.csv"
        if isinstance(panel, MlpPanel):
            job = panel.job
            if job is None:
                raise ValueError("no training runs: the network cannot be trained as set up")
            if panel.presenter.live:
                raise ValueError("pause or stop training first: its history is still growing")
            return training_csv(job.histories()), "training.csv"
        if hasattr(panel, "data_csv"):  # an exploration view: its table and a file name
            return panel.data_csv()  # type: ignore[no-any-return]
        raise ValueError("this tab has no data to export")

    @QtCore.Slot()
    def export_data(self) -> None:
        try:
            _, name = self.data_text()
        except ValueError as error:
            self._failed("Nothing to export", str(error))
            return
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self._window, "Export data", name, "CSV table (*.csv)"
        )
        if path:
            self.save_data(Path(path))

    def save_data(self, path: Path) -> bool:
        """Write the current panel's trajectories or training histories to `path` as CSV."""
        return self._written(path, lambda: write_text_atomic(path, self.data_text()[0]))

    def _written(self, path: Path, write: Callable[[], None]) -> bool:
        """Run `write`; say "Saved" or, on a one-line OSError/ValueError, why not."""
        try:
            write()
        except (OSError, ValueError) as error:
            self._failed("Export failed", str(error))
            return False
        self._say(f"Saved {path}")
        return True

    # ------------------------------------------------------------------ animation

    @QtCore.Slot()
    def export_animation(self) -> None:
        """Ask the speed and the frame budget, then where (GIF, or MP4 if it can be made)."""
        settings = AnimationDialog(self._fps, self._max_frames, self._window)
        if settings.exec() != QtWidgets.QDialog.DialogCode.Accepted:
            return
        self._fps, self._max_frames = settings.fps(), settings.max_frames()
        kinds = ["Animated GIF (*.gif)"]
        if video_available():
            kinds.append("MP4 video (*.mp4)")
        path, chosen = QtWidgets.QFileDialog.getSaveFileName(
            self._window, "Export animation", "animation.gif", ";;".join(kinds)
        )
        if not path:
            return
        target = Path(path)
        if not target.suffix:
            target = target.with_suffix(".mp4" if chosen.startswith("MP4") else ".gif")
        self.start_animation(target, self._fps, self._max_frames)

    def start_animation(
        self, path: Path, fps: float = DEFAULT_FPS, max_frames: int = MAX_FRAMES
    ) -> AnimationExport | None:
        """Render the current panel's animation (surface playback, or the training run
        replayed) to `path` with a progress dialog; None, and a message, when refused."""
        if self.animation is not None:
            self._failed("Export animation", "an animation is already being exported")
            return None
        try:
            export = start_animation(self._panel(), path, fps, max_frames)
        except ValueError as error:
            self._failed("Animation not saved", str(error))
            return None
        self.animation = export
        export.done.connect(self._animation_done)
        export.start()
        return export

    def cancel_animation(self) -> None:
        """End an export under way, writing nothing (the window is closing)."""
        if self.animation is not None:
            self.animation.cancel()

    @QtCore.Slot(str, bool)
    def _animation_done(self, message: str, failed: bool) -> None:
        self.animation = None
        if failed:
            self._failed("Animation not saved", message)
        else:
            self._say(message)

    # ------------------------------------------------------------------ messages

    def _say(self, message: str) -> None:
        self._window.statusBar().showMessage(message, 6000)

    def _failed(self, title: str, message: str) -> None:
        self._say(f"{title}: {message}")
        # Escaped in a paragraph: a file name like "<h1>x.png" is shown as typed, not rendered.
        QtWidgets.QMessageBox.warning(
            self._window, title, f"<p>{html.escape(message, quote=False)}</p>"
        )
