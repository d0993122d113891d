"""The surface explorer: pick or type a loss, drag the step size, watch every run's verdict.

Data flows one way: the views report what the user did to ``SurfacePresenter``, which owns
the ``SurfaceState`` (core/state/surface.py), recomputes, and hands back what to show: the
surface, the state for the controls, the thresholds, and a ``SurfaceFrame`` per result. This
file only builds the views, lays them out and wires them to the presenter. The slider,
optimizer form and noise box edit the *selected* run, and the header reports that run.
"""

from __future__ import annotations

import functools

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.core.basins import BasinMap, BasinSettings
from gdsim.core.explain import SurfaceFrame
from gdsim.core.optimizers import SURFACE_OPTIMIZERS, get_optimizer
from gdsim.core.presets import Preset, PresetError, load_presets
from gdsim.core.simulate import RunSpec, SimulationResult
from gdsim.core.state import SurfaceState
from gdsim.core.state.surface import MAX_LR, MIN_LR
from gdsim.core.surfaces import Surface
from gdsim.core.verdict import Verdict
from gdsim.ui.presenters.basins import BasinsPresenter
from gdsim.ui.presenters.surface import SurfacePresenter
from gdsim.ui.widgets.basins_box import BasinsBox
from gdsim.ui.widgets.columns import controls_beside
from gdsim.ui.widgets.demo_box import DemoBox
from gdsim.ui.widgets.message_area import MessageArea, MessageSpec, Severity
from gdsim.ui.widgets.one_repaint import paint_together
from gdsim.ui.widgets.optimizer_form import OptimizerForm
from gdsim.ui.widgets.playback import Playback
from gdsim.ui.widgets.runs_box import RunsBox
from gdsim.ui.widgets.step_size_box import StepSizeBox
from gdsim.ui.widgets.surface_drawing import draw_basins, draw_runs, draw_surface, draw_zoomed
from gdsim.ui.widgets.surface_picker import SurfacePicker
from gdsim.ui.widgets.surface_view import SurfaceView
from gdsim.ui.widgets.trajectory_plots import TrajectoryPlots
from gdsim.ui.widgets.verdict_badge import VerdictBadge, show_verdict
from gdsim.ui.widgets.wrap_row import WrapRow

MESSAGES = (
    MessageSpec("expression"),
    MessageSpec("params"),
    MessageSpec("start"),
    MessageSpec("simulation"),
    MessageSpec("demo"),
    MessageSpec("demos", Severity.WARNING),  # the demo files could not be read: none offered
    MessageSpec("state"),
    MessageSpec("outside", Severity.WARNING),
    MessageSpec("runs", Severity.WARNING),
    MessageSpec("view", Severity.WARNING),
    MessageSpec("basins"),
)
"""Every error and warning this panel can show, each on its own line of the message area."""

CONTROL_WIDTH = 370
"""The controls column's width at start; the splitter beside it narrows it, or hides it."""

MIN_CONTROL_WIDTH = 200
"""Narrower than its contents, the column scrolls sideways: a 1024-pixel projector fits."""


def _read_presets() -> tuple[list[Preset], str]:
    """The lecture demos, or none and why (a broken demo file must not stop the app)."""
    try:
        return load_presets(), ""
    except PresetError as error:
        return [], f"Lecture demos not loaded: {error}"


class SurfacePanel(QtWidgets.QWidget):
    """The surface explorer tab (see the module docstring)."""

    statusMessage = QtCore.Signal(str)
    cursorInfo = QtCore.Signal(str)
    edited = QtCore.Signal()
    """The user changed something (the window's undo history compares states, so an edit
    the presenter refused records nothing)."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("surfacePanel")
        self.presenter = SurfacePresenter(self)
        self.basins = BasinsPresenter(self)
        self._hover = (0.0, 0.0)
        self._frame: SurfaceFrame | None = None
        self.messages = MessageArea(MESSAGES)
        self._build()
        self._connect()
        self.presenter.show()

    # -- construction ----------------------------------------------------------------------

    def _build(self) -> None:
        presets, why_not = _read_presets()
        self.messages.show_message("demos", why_not)
        self.demo_box = DemoBox(presets)
        self.demo_box.setObjectName("demoBox")
        self.surface_picker = SurfacePicker()
        self.surface_picker.setObjectName("surfaceBox")
        optimizer_box = QtWidgets.QGroupBox("Optimizer")
        optimizer_box.setObjectName("optimizerBox")
        self.optimizer_form = OptimizerForm(names=SURFACE_OPTIMIZERS)
        QtWidgets.QVBoxLayout(optimizer_box).addWidget(self.optimizer_form)
        self.runs_box = RunsBox()
        self.runs_box.setObjectName("runsBox")
        self.steps_spin, self.runs_table = self.runs_box.steps_spin, self.runs_box.runs_table
        controls = QtWidgets.QWidget()
        column = QtWidgets.QVBoxLayout(controls)
        column.setContentsMargins(6, 6, 6, 6)
        self.basins_box = BasinsBox()
        boxes = (self.demo_box, self.surface_picker, optimizer_box, self.runs_box, self.basins_box)
        for box in boxes:
            column.addWidget(box)
        column.addStretch(1)
        self.controls_scroll = self._scroll(controls)

        self.step_box = StepSizeBox(MIN_LR, MAX_LR)
        self.step_box.setObjectName("stepSizeBox")
        self.lr_slider = self.step_box.lr_slider
        self.regime_label = VerdictBadge(elide_prefix=True)
        self.regime_label.setObjectName("regimeLabel")
        font = self.regime_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.35)
        self.regime_label.setFont(font)
        self.playback = Playback()
        top = WrapRow([self.regime_label, self.playback])
        top.setObjectName("headerRow")

        self.view = SurfaceView()
        self.trajectories = TrajectoryPlots()
        self.loss_plot = self.trajectories.loss_plot
        self.distance_plot = self.trajectories.distance_plot
        self.plots = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        self.plots.addWidget(self.view)
        self.plots.addWidget(self.trajectories)
        self.plots.setSizes([600, 360])

        views = QtWidgets.QWidget()
        right = QtWidgets.QVBoxLayout(views)
        right.setContentsMargins(0, 4, 0, 0)
        right.addWidget(self.step_box)
        right.addWidget(self.messages)
        right.addWidget(top)
        right.addWidget(self.plots, 1)
        # Room for the vertical scroll bar besides CONTROL_WIDTH: when a long optimizer form or
        # runs table brings it up, it must not cover the right edge of combos and badges.
        bar = self.style().pixelMetric(QtWidgets.QStyle.PixelMetric.PM_ScrollBarExtent)
        self.columns = controls_beside(self, self.controls_scroll, views, CONTROL_WIDTH + bar)
        self.layout().setContentsMargins(0, 0, 4, 0)
        shortcut = QtGui.QShortcut(QtGui.QKeySequence(QtCore.Qt.Key.Key_Space), self)
        shortcut.setContext(QtCore.Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.playback.toggle)

    @staticmethod
    def _scroll(controls: QtWidgets.QWidget) -> QtWidgets.QScrollArea:
        scroll = QtWidgets.QScrollArea()
        scroll.setWidget(controls)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(MIN_CONTROL_WIDTH)
        scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        return scroll

    def _connect(self) -> None:
        presenter, runs_box, picker = self.presenter, self.runs_box, self.surface_picker
        self.demo_box.demoChosen.connect(presenter.load_preset)
        picker.surfaceChosen.connect(presenter.choose_surface)
        picker.paramsChanged.connect(presenter.set_params)
        picker.domainEntered.connect(presenter.set_domain)
        picker.resetViewClicked.connect(self._on_reset_view)
        self.lr_slider.valueChanged.connect(presenter.set_lr)
        self.optimizer_form.changed.connect(self._on_optimizer_changed)
        runs_box.stepsChanged.connect(presenter.set_steps)
        runs_box.noiseChanged.connect(presenter.set_noise)
        runs_box.compareToggled.connect(presenter.set_compare)
        runs_box.rowSelected.connect(presenter.select)
        runs_box.startTyped.connect(presenter.type_start)
        runs_box.add_run_button.clicked.connect(presenter.add_run)
        runs_box.remove_run_button.clicked.connect(presenter.remove_run)
        self.playback.positionChanged.connect(self._on_position_changed)
        self.view.startPicked.connect(presenter.pick_start)
        self.view.hovered.connect(self._remember_hover)  # before the presenter says its text
        self.view.hovered.connect(presenter.hover)
        self.view.viewZoomed.connect(self._on_view_zoomed)
        presenter.surfaceChanged.connect(self._show_surface)
        presenter.stateChanged.connect(self._show_state)
        presenter.thresholdsChanged.connect(self.step_box.show_thresholds)
        presenter.computing.connect(
            functools.partial(self.regime_label.clear_verdict, "computing…")
        )
        presenter.failed.connect(self._show_failure)
        presenter.frameReady.connect(self._show_frame)
        presenter.message.connect(self.messages.show_message)
        presenter.statusMessage.connect(self.statusMessage)
        presenter.cursorInfo.connect(self._on_cursor_info)
        presenter.frameReady.connect(self._request_basins)
        self.basins_box.changed.connect(self._on_basins_changed)
        self.basins_box.cancelClicked.connect(self.basins.cancel)
        self.basins.mapReady.connect(self._draw_basins)
        self.basins.progress.connect(self.basins_box.show_progress)
        self.basins.runningChanged.connect(self._on_basins_running)
        self.basins.failed.connect(self._on_basins_failed)
        presenter.positionShown.connect(self.playback.show_step)
        # After the presenter's slots above, so that the state they made is there to read.
        for intent in (self.demo_box.demoChosen, picker.surfaceChosen, picker.paramsChanged,
                       picker.domainEntered, picker.resetViewClicked, self.lr_slider.valueChanged,
                       self.optimizer_form.changed, runs_box.stepsChanged, runs_box.noiseChanged,
                       runs_box.compareToggled, runs_box.rowSelected, runs_box.startTyped,
                       runs_box.add_run_button.clicked, runs_box.remove_run_button.clicked,
                       self.view.startPicked):  # fmt: skip
            intent.connect(self._on_user_edit)

    @QtCore.Slot()
    def _on_user_edit(self) -> None:
        """A slot, not a signal-to-signal connection: the intents carry arguments `edited`
        does not take."""
        self.edited.emit()

    # -- public API (the main window, tests, teachers' scripts) --------------------------------

    def state(self) -> SurfaceState:
        return self.presenter.state()

    def set_state(self, state: SurfaceState) -> str | None:
        """Show ``state`` whole; one that cannot be shown changes nothing and says why (in
        the message area, and as the returned text; None when shown)."""
        return self.presenter.set_state(state)

    def export_plots(self) -> dict[str, pg.PlotWidget]:
        return {"surface": self.view.plot, "loss": self.loss_plot, "distance": self.distance_plot}

    def surface(self) -> Surface:
        return self.presenter.surface()

    def runs(self) -> list[RunSpec]:
        return list(self.presenter.state().runs)

    def result(self) -> SimulationResult | None:
        return self.presenter.result()

    def verdicts(self) -> list[Verdict]:
        return self.presenter.verdicts()

    def presets(self) -> list[Preset]:
        return self.demo_box.presets()

    def load_preset(self, preset: Preset) -> None:
        """Show a demo: its surface, step budget and runs (compare mode for several)."""
        self.presenter.load_preset(preset)

    def set_start(self, start: tuple[float, ...]) -> None:
        """Move the selected run's start, and every run that started with it."""
        self.presenter.set_start(start)

    def add_run(self) -> None:
        self.presenter.add_run()

    def remove_run(self) -> None:
        self.presenter.remove_run()

    # -- what the presenter says -------------------------------------------------------------

    @QtCore.Slot(object)
    def _show_surface(self, surface: Surface) -> None:
        self._frame = None
        self.view.set_tracks([])
        self.view.clear_markers()
        self.regime_label.clear_verdict("computing…")
        state = self.presenter.state()
        self.surface_picker.show_surface(surface, state.params)
        draw_surface(self.view, surface, self.presenter.start_of(state.selected))
        self.basins_box.setVisible(surface.dim == 2)
        self.basins.clear()

    @QtCore.Slot(object)
    def _show_state(self, state: SurfaceState) -> None:
        run = state.selected_run()
        self.step_box.show_lr(run.lr)
        form = self.optimizer_form
        shown = (form.optimizer(), form.hyper())
        if shown != (run.optimizer, get_optimizer(run.optimizer).resolve(run.hyper)):
            form.set_optimizer(run.optimizer, run.hyper)  # not while its own edit comes back
        starts = [self.presenter.start_of(k) for k in range(len(state.runs))]
        self.runs_box.show_state(state, starts)
        self.demo_box.show_demo(state.demo, self.presenter.surface().description)

    @QtCore.Slot()
    def _show_failure(self) -> None:
        """No verdict may outlive the result it described (the reason is in the area)."""
        self._frame = None
        self.regime_label.clear_verdict("failed")
        self.view.set_tracks([])
        self.view.clear_markers()

    @QtCore.Slot(object)
    def _show_frame(self, frame: SurfaceFrame) -> None:
        self._frame = frame
        verdict = frame.verdicts[frame.selected]
        show_verdict(self.regime_label, verdict, f"{frame.header}: ", frame.header_short)
        self.runs_box.show_verdicts(frame.verdicts)
        self.trajectories.show_frame(frame)
        self.playback.set_length(int(frame.result.lengths.max()))
        draw_runs(self.view, frame, self.playback.position())
        paint_together([self.view.plot, self.loss_plot, self.distance_plot])

    # -- what the user does on the plots -------------------------------------------------------

    @QtCore.Slot()
    def _on_optimizer_changed(self) -> None:
        self.presenter.set_optimizer(self.optimizer_form.optimizer(), self.optimizer_form.hyper())

    @QtCore.Slot(object)
    def _on_position_changed(self, position: int | None) -> None:
        self.presenter.set_position(position)
        self.trajectories.set_cursor(position)
        if self._frame is not None:
            draw_runs(self.view, self._frame, position)
        paint_together([self.view.plot, self.loss_plot, self.distance_plot])

    @QtCore.Slot(object, object)
    def _on_view_zoomed(self, x_range: tuple[float, float], y_range: tuple[float, float]) -> None:
        try:
            draw_zoomed(self.view, self.presenter.surface(), x_range, y_range)
        except ValueError as error:
            self.messages.show_message("view", f"View not redrawn: {error}")
            return
        self.messages.clear("view")

    @QtCore.Slot()
    def _on_reset_view(self) -> None:
        """Back to the default view: a typed formula also gets its default domain back."""
        if not self.presenter.reset_domain():
            state = self.presenter.state()
            draw_surface(self.view, self.surface(), self.presenter.start_of(state.selected))
            if self._frame is not None:
                draw_runs(self.view, self._frame, self.playback.position())

    # -- basins of attraction ----------------------------------------------------------------

    @QtCore.Slot()
    def _on_basins_changed(self) -> None:
        """On/off, colours or grid: computed again only when what it depends on changed."""
        self.messages.clear("basins")
        self.basins.set_enabled(self.basins_box.enabled())
        self._request_basins()
        self._draw_basins(self.basins.shown_map())

    @QtCore.Slot()
    def _request_basins(self) -> None:
        """The selected run's η, optimizer and steps, from every start of the grid."""
        state = self.presenter.state()
        run = state.selected_run()
        settings = BasinSettings(
            lr=run.lr,
            steps=state.steps,
            grid=self.basins_box.grid(),
            optimizer=run.optimizer,
            hyper=dict(run.hyper),
        )
        self.basins.request(self.presenter.surface(), settings)

    @QtCore.Slot(object)
    def _draw_basins(self, basins: BasinMap | None) -> None:
        draw_basins(self.view, basins, self.basins_box.mode())

    @QtCore.Slot(bool)
    def _on_basins_running(self, running: bool) -> None:
        if not running:
            self.basins_box.show_progress(None)

    @QtCore.Slot(str)
    def _on_basins_failed(self, message: str) -> None:
        self.messages.show_message("basins", f"Basins not computed: {message}")

    @QtCore.Slot(float, float)
    def _remember_hover(self, x: float, y: float) -> None:
        self._hover = (x, y)

    @QtCore.Slot(str)
    def _on_cursor_info(self, text: str) -> None:
        """The presenter's loss and gradient under the mouse, and the basin of that start."""
        basin = self.basins.describe(*self._hover)
        self.cursorInfo.emit(f"{text}   {basin}" if basin and text else text)
