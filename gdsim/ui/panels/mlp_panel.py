"""The network builder: pick a dataset, build an MLP, choose a learning rate, press Train, and
watch the loss converge, oscillate or blow up while the window stays responsive.

This file only builds, composes and wires. `NetworkPresenter` owns the training job, the worker
thread and the paced redraw (its docstring says how frames flow); the boxes on the left report
what the user asks for, the views on the right draw the frames the presenter emits. The whole
state reads back as a `NetworkState` (`state()` / `set_state()`). Errors and warnings go to one
message area above the header, one line per cause.
"""

from __future__ import annotations

import contextlib
import random
from dataclasses import replace

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets
from superqt.utils import signals_blocked

from gdsim.core.codegen import export_script
from gdsim.core.compare import SETTINGS, CompareRun, values_text
from gdsim.core.datasets import Dataset, DatasetError, make_dataset
from gdsim.core.limits import MAX_TRAINING_STEPS
from gdsim.core.network import NetworkSpec, SpecError
from gdsim.core.sharpness import stability_line
from gdsim.core.state import NetworkState
from gdsim.core.training import ConfigError, TrainingConfig, check_rules_fit
from gdsim.core.training_job import TrainingFrame, TrainingJob
from gdsim.core.verdict import Verdict
from gdsim.ui.presenters.network import PAUSE_TO_EDIT, NetworkPresenter
from gdsim.ui.widgets.code_dialog import CodeDialog
from gdsim.ui.widgets.columns import controls_beside
from gdsim.ui.widgets.dataset_picker import DatasetPicker
from gdsim.ui.widgets.decision_map import cursor_text
from gdsim.ui.widgets.message_area import MessageArea, MessageSpec
from gdsim.ui.widgets.network_box import NetworkBox
from gdsim.ui.widgets.training_box import TrainingBox
from gdsim.ui.widgets.training_views import TrainingViews
from gdsim.ui.widgets.transport_bar import TransportBar
from gdsim.ui.widgets.weight_editor import WeightEditor

MESSAGES = (
    MessageSpec("dataset"),  # a refused file or dataset setting; the previous data stays
    MessageSpec("network"),  # a network or configuration that cannot be built: no runs
    MessageSpec("settings"),  # a refused training setting
    MessageSpec("rates"),  # refused compare rates (the text stays to be corrected)
    MessageSpec("state"),  # a saved state that cannot be shown: nothing of it was applied
    MessageSpec("training"),  # the worker stopped on an error
    MessageSpec("weight"),  # a weight edit refused (training runs, bad text): nothing changed
)

CONTROL_WIDTH = 400
"""The settings column's width at start; the splitter beside it narrows it, or hides it."""

MIN_CONTROL_WIDTH = 200


class MlpPanel(QtWidgets.QWidget):
    """The "Network builder" tab (see the module docstring for how the pieces talk)."""

    statusMessage = QtCore.Signal(str)
    cursorInfo = QtCore.Signal(str)
    edited = QtCore.Signal()
    """The user changed a setting (the window's undo history compares states, so an edit
    that was refused records nothing)."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mlpPanel")
        self.presenter = NetworkPresenter(self)
        self.runner = self.presenter.runner
        self.code_dialog: CodeDialog | None = None
        self._build()
        self._in_use = self.config()
        """The training settings in use: a refused change puts the controls back to these."""
        self._connect()
        self.layers.add_layer(16, "relu")

    # ------------------------------------------------------------------ construction

    def _build(self) -> None:
        self.messages = MessageArea(MESSAGES, self)
        self.picker = DatasetPicker(self)
        self.network_box = NetworkBox(self)
        self.training_box = TrainingBox(MAX_TRAINING_STEPS, self)
        self.compare_setting = self.training_box.compare_setting
        self.transport = TransportBar(self)
        self.views = TrainingViews(self)
        self.header = self.views.header
        self.decision_plot = self.views.decision_plot
        self.diagram = self.views.diagram
        self.run_badges = self.views.run_badges
        self.weight_editor = WeightEditor(self.diagram)
        # What scripts and tests reach for by name.
        self.layers = self.network_box.layers
        self.lr_slider = self.training_box.lr_slider
        self.batch_spin = self.training_box.batch_spin
        self.steps_spin = self.training_box.steps_spin
        self.status_label = self.header.status_label
        self.train_scatter = self.decision_plot.train_scatter
        self.val_scatter = self.decision_plot.val_scatter
        self.loss_plot = self.views.curves.loss_plot
        self.metric_plot = self.views.curves.metric_plot
        self.sharpness_plot = self.views.sharpness_plot
        self._show_compare(False)
        self.display_toggles = self.views.display_toggles
        self.confusion_view = self.views.confusion
        self.draw_tools = self.picker.draw_tools

        controls = QtWidgets.QWidget(self)
        column = QtWidgets.QVBoxLayout(controls)
        data_box = QtWidgets.QGroupBox("Data", controls)
        data_box.setObjectName("dataBox")
        self.network_box.setObjectName("networkBox")
        self.training_box.setObjectName("trainingBox")
        QtWidgets.QVBoxLayout(data_box).addWidget(self.picker)
        for widget in (data_box, self.network_box, self.training_box):
            column.addWidget(widget)
        column.addStretch(1)
        scroll = QtWidgets.QScrollArea(self)
        scroll.setWidget(controls)
        scroll.setWidgetResizable(True)
        # Narrower than its contents (a 1024-pixel projector, presentation mode's larger
        # text), the column scrolls sideways rather than set the window's minimum width.
        scroll.setMinimumWidth(MIN_CONTROL_WIDTH)
        scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        # Train / Pause / Step / Stop under the scrolling settings, never scrolled away: a
        # long optimizer form pushed them below a 768-pixel projector's edge.
        left_column = QtWidgets.QWidget(self)
        left = QtWidgets.QVBoxLayout(left_column)
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(scroll, 1)
        left.addWidget(self.transport)

        right_column = QtWidgets.QWidget(self)
        views = QtWidgets.QVBoxLayout(right_column)
        views.setContentsMargins(0, 0, 0, 0)
        views.addWidget(self.messages)
        views.addWidget(self.views, 1)
        self.columns = controls_beside(self, left_column, right_column, CONTROL_WIDTH)

    def _connect(self) -> None:
        self.picker.datasetChanged.connect(self._on_dataset)
        self.picker.failed.connect(self._on_dataset_refused)
        self.picker.loading.connect(self.header.show_state)
        self.picker.drawnIncomplete.connect(self._on_drawn_incomplete)
        self.display_toggles.displayChanged.connect(self.decision_plot.set_display)
        self.decision_plot.scene().sigMouseClicked.connect(self._on_plot_clicked)
        self.network_box.changed.connect(self._rebuild)
        box = self.training_box
        box.lrChanged.connect(self._on_lr)
        box.settingsChanged.connect(self._on_settings)
        box.compareToggled.connect(self._on_compare_toggled)
        box.compareEdited.connect(self._take_typed_rates)
        self.compare_setting.settingChosen.connect(self._on_compare_setting)
        transport = self.transport
        transport.train_button.clicked.connect(self.train)
        transport.pause_button.clicked.connect(self.presenter.toggle_pause)
        transport.step_button.clicked.connect(self.step)
        transport.stop_button.clicked.connect(self.stop)
        transport.reset_button.clicked.connect(self.reset)
        transport.new_weights_button.clicked.connect(self.new_weights)
        transport.code_button.clicked.connect(self.show_code)
        transport.paceChanged.connect(self.presenter.set_pace)
        self.run_badges.runChosen.connect(self.show_run)
        self.decision_plot.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.diagram.hoverText.connect(self.cursorInfo)
        self.diagram.unitHovered.connect(self.decision_plot.show_unit_map)
        self.diagram.weightClicked.connect(self._on_weight_clicked)
        self.weight_editor.submitted.connect(self.edit_weight)
        self.presenter.frameReady.connect(self._draw)
        self.presenter.paused.connect(self.header.show_paused)
        self.presenter.finished.connect(self.header.show_verdict)
        self.presenter.failed.connect(self._on_failed)
        self.presenter.notice.connect(self.statusMessage)
        self.presenter.runningChanged.connect(self._update_buttons)
        # After the handlers above, so that the state they made is there to read.
        for intent in (self.picker.datasetChanged, self.network_box.changed, box.lrChanged,
                       box.settingsChanged, box.compareToggled, box.compareEdited,
                       self.compare_setting.settingChosen,
                       self.run_badges.runChosen, self.picker.drawnIncomplete,
                       self.display_toggles.displayChanged):  # fmt: skip
            intent.connect(self._on_user_edit)

    @QtCore.Slot()
    def _on_user_edit(self) -> None:
        """A slot, not a signal-to-signal connection: the intents carry arguments `edited`
        does not take."""
        self.edited.emit()

    # ------------------------------------------------------------------ state

    @property
    def dataset(self) -> Dataset:
        return self.picker.dataset()

    @property
    def job(self) -> TrainingJob | None:
        """The job being shown (its sessions belong to the worker while it runs)."""
        return self.presenter.job

    @property
    def _frame(self) -> TrainingFrame | None:
        return self.presenter.frame

    def spec(self) -> NetworkSpec:
        return self.network_box.spec_for(self.dataset)

    def config(self) -> TrainingConfig:
        return self.training_box.config(self.network_box.seed_spin.value())

    def runs(self, config: TrainingConfig | None = None) -> list[CompareRun]:
        """The runs the controls describe with `config` (the controls' own by default): one
        per compared value in compare mode (raises SpecError or ConfigError)."""
        compare = self.training_box.compare_on()
        train_size = len(self.dataset.x_train)
        return self.presenter.runs(self.spec(), config or self.config(), compare, train_size)

    def state(self) -> NetworkState:
        """What the panel shows, as data (the settings in use, not a refused edit)."""
        source = self.picker.csv_path()
        return NetworkState(
            dataset=self.picker.params(),
            csv_path=None if source is None else str(source),
            network=self.spec(),
            training=replace(self._in_use, lr=self.lr_slider.value()),
            compare=self.training_box.compare_on(),
            compare_lrs=tuple(self.presenter.compare_rates),
            selected=self.presenter.shown_run if self.training_box.compare_on() else 0,
            compare_setting=self.presenter.compare_setting,
            compare_values=self.presenter.values_in_use(),  # the state keeps rates apart
            display=self.display_toggles.options(),
            drawn=self.picker.drawn(),
        )

    def set_state(self, state: NetworkState) -> str | None:
        """Show `state`: all of it, or (a state these controls cannot show) nothing, saying
        why in the message area; the reason is returned too (None once shown), for the
        window to say at start-up. A state built in code is checked as a loaded one is."""
        try:
            state = NetworkState.from_dict(state.to_dict())
        except (AttributeError, TypeError, ValueError, OverflowError) as error:
            why: str | None = str(error)  # a StateError, or a field of the wrong type
        else:
            why = self._unshowable(state)
        if why is not None:
            self.messages.show_message("state", f"State not shown: {why}")
            return why
        self.runner.stop()
        self.messages.clear()
        with signals_blocked(self.picker):
            self.picker.set_params(state.dataset)
        if state.csv_path:
            self.picker.load_csv_file(state.csv_path)
        if state.drawn:
            self.picker.use_drawn(state.drawn)
        if not self.picker.drawn_waiting():
            self.decision_plot.show_drawn(None)
        self.display_toggles.show_options(state.display)
        self.decision_plot.set_display(state.display)
        self.training_box.show_config(state.training)
        self._in_use = state.training
        self.presenter.compare_rates = list(state.compare_lrs)
        self.presenter.compare_setting = state.compare_setting
        if state.compare_setting != "lr":
            self.presenter.compare_values[state.compare_setting] = state.compare_values
        self._show_compare(state.compare)
        self.presenter.shown_run = state.selected
        self.network_box.set_spec(state.network)
        return None

    def _unshowable(self, state: NetworkState) -> str | None:
        """Why the controls cannot show `state` (a value beyond a control's range, two seeds
        where the panel has one, a class count it has no control for, a CSV file it cannot
        read: checked first, since loading it comes after the rest is applied), or None."""
        if state.training.seed != state.network.seed:
            return "this panel seeds the weights and the minibatch shuffling alike"
        if state.dataset.n_classes is not None:
            return "this panel shows each dataset with its own number of classes"
        if state.drawn:
            if state.drawn.shortfall() is None:  # fewer points are shown, waiting for more
                try:
                    state.drawn.dataset(state.dataset.val_fraction, state.dataset.seed)
                except DatasetError as error:
                    return str(error)
        elif state.csv_path:
            why = self.picker.csv_refusal(state.csv_path)
            if why is not None:
                return why
        else:
            try:  # e.g. a validation share that leaves a class without training points
                data = make_dataset(state.dataset)
                check_rules_fit(state.training, state.network, data)  # e.g. no validation set
            except (DatasetError, ConfigError) as error:
                return str(error)
        ranges = (
            (self.lr_slider.spin, state.training.lr, "learning rate"),
            (self.training_box.decay_spin, state.training.weight_decay, "weight decay"),
            (self.training_box.stop_loss_spin, state.training.stop_at_loss or 0, "stop at loss"),
            (self.batch_spin, state.training.batch_size or 0, "batch size"),
            (self.network_box.seed_spin, state.network.seed, "network seed"),
            (self.network_box.sigma_spin, state.network.init_sigma, "init sigma"),
            (self.picker.seed_spin, state.dataset.seed, "data seed"),
            (self.picker.size_spin, state.dataset.n, "number of points"),
            (self.picker.noise_spin, state.dataset.effective_noise, "data noise"),
            (self.picker.val_spin, state.dataset.val_fraction, "validation share"),
        )
        for spin, value, name in ranges:
            if not spin.minimum() <= value <= spin.maximum():
                return f"{name} {value:g} lies outside {spin.minimum():g} to {spin.maximum():g}"
        return None

    # ------------------------------------------------------------------ actions

    @QtCore.Slot()
    def train(self) -> None:
        """Start (or continue a stopped run); a finished run starts again from its init."""
        if not self._take_typed_rates():
            return
        self.messages.clear("training", "state")  # a refused state is stale once an edit is taken
        if self.presenter.needs_rebuild():
            self._rebuild()
        self.presenter.start()
        if self.presenter.live:
            # At once, not at the first frame: "ready: press Train" stayed up to a second after
            # the click while the run went to the training process, and teachers clicked again.
            self.header.show_state("training…")

    @QtCore.Slot()
    def step(self) -> None:
        """One optimizer step (per run), then stay paused."""
        if not self._take_typed_rates():
            return
        if self.presenter.needs_rebuild():
            self._rebuild()
        self.presenter.step()

    @QtCore.Slot()
    def stop(self) -> None:
        """End the worker; the trained state stays on screen (Train continues from it)."""
        self.presenter.stop()
        if self._frame is not None and self.job is not None:
            self.header.show_verdict(self._frame, prefix="stopped: ")

    @QtCore.Slot()
    def reset(self) -> None:
        """Back to the initial weights of the current spec."""
        self._rebuild()

    @QtCore.Slot()
    def new_weights(self) -> None:
        """Start over from new random initial weights: a random network seed unlike the one in
        use (see `use_weight_seed`)."""
        seed = random.Random().randrange(self.network_box.seed_spin.maximum())
        self.use_weight_seed(seed + (seed >= self.network_box.seed_spin.value()))

    def use_weight_seed(self, seed: int) -> None:
        """Start over from the initial weights of network seed `seed`, shown in the seed box
        and saved with the state, so that Show code and a session reproduce the new run. Set
        through the box, it is an edit like any other: rebuilt, and undoable."""
        self.network_box.seed_spin.setValue(seed)
        self.statusMessage.emit(f"New random weights: network seed {seed}")

    def add_drawn_point(self, x1: float, x2: float, label: int) -> None:
        """Add a point of class `label` to the drawn data (which become the data: training
        starts over on them once each class has enough points)."""
        self.picker.use_drawn(self.picker.drawn().added(x1, x2, label))

    @QtCore.Slot(object)
    def _on_plot_clicked(self, event: object) -> None:
        """In draw mode a left click adds a point of the chosen class, a right click one of
        class 1 (the lecture's two-class case takes no class picking)."""
        if not self.draw_tools.draw_button.isChecked():
            return
        buttons = QtCore.Qt.MouseButton
        label = {buttons.LeftButton: self.draw_tools.class_spin.value(), buttons.RightButton: 1}
        point = self.decision_plot.point_at(event.scenePos())  # type: ignore[attr-defined]
        if point is None or event.button() not in label:  # type: ignore[attr-defined]
            return
        event.accept()  # type: ignore[attr-defined]
        self.add_drawn_point(point.x(), point.y(), label[event.button()])  # type: ignore[attr-defined]

    @QtCore.Slot(str)
    def _on_drawn_incomplete(self, message: str) -> None:
        """Drawn points that cannot train yet: shown, no runs, the message says what is
        missing."""
        self.presenter.clear()
        self.decision_plot.show_drawn(self.picker.drawn())
        self.confusion_view.show_confusion(None)
        self.messages.show_message("dataset", message)
        self.header.show_state("no runs: see the message above")
        self.cursorInfo.emit("")
        self._update_buttons()

    @QtCore.Slot(int)
    def show_run(self, index: int) -> None:
        """Show run `index` in the decision map, the diagram and the header."""
        if self.presenter.show_run(index):
            self.run_badges.mark_shown(index)
            if not self.runner.is_running() and self._frame is not None:
                self.header.show_verdict(self._frame)

    @QtCore.Slot()
    def show_code(self) -> None:
        """The standalone PyTorch script of the run on display: the current spec, data and
        settings, with the compared setting at that run's value (in a compare by learning
        rate the slider is not in use)."""
        try:
            runs = self.runs()
            shown = min(self.presenter.shown_run, len(runs) - 1)
            edits = [] if self.job is None else self.job.sessions[shown].edits
            code = export_script(runs[shown].spec, self.picker.source(), runs[shown].config, edits)
        except (SpecError, ConfigError, DatasetError) as error:
            self.messages.show_message("settings", str(error))
            return
        if self.code_dialog is not None:
            self.code_dialog.close()
        self.code_dialog = CodeDialog(code, f"train_{self.dataset.name}.py", self)
        self.code_dialog.show()

    @QtCore.Slot(int, int, int)
    def _on_weight_clicked(self, layer: int, row: int, column: int) -> None:
        """An edge clicked: its weight in the inline editor, unless training runs."""
        value = self.diagram.weight(layer, row, column)
        if self.presenter.live:
            self.messages.show_message("weight", PAUSE_TO_EDIT)
            return
        if value is None:  # no frame drawn yet: nothing to show in the editor
            return
        self.messages.clear("weight")
        where = self.diagram.edge_midpoint(layer, row, column)
        row = self.diagram.linear_row(layer, row, column)  # a maxout unit: the piece shown
        self.weight_editor.open_at(layer, row, column, value, where)

    @QtCore.Slot(int, int, int, str)
    def edit_weight(self, layer: int, row: int, column: int, text: str) -> str | None:
        """Set weight [row, column] of Linear layer `layer` of the shown run to `text` (the
        editor's Enter); None once done, else the one-line reason (also in the message area)."""
        why = self.presenter.edit_weight(layer, row, column, text)
        if why is None:
            self.messages.clear("weight")
        else:
            self.messages.show_message("weight", why)
        return why

    # ------------------------------------------------------------------ reacting to edits

    @QtCore.Slot(object)
    def _on_dataset(self, _data: Dataset) -> None:
        self.messages.clear("dataset", "state")
        self.decision_plot.show_drawn(None)
        self._rebuild()

    @QtCore.Slot(str)
    def _on_dataset_refused(self, message: str) -> None:
        """The data in use stays; the header leaves "reading file.csv…" for its runs' state."""
        self.messages.show_message("dataset", message)
        self.statusMessage.emit(message)
        if self._frame is not None and not self.presenter.live:
            self.header.show_verdict(self._frame)

    @QtCore.Slot()
    def _take_typed_rates(self) -> bool:
        """In compare mode, put the typed rates in use, starting over if they changed. Rates
        training cannot use are refused before anything stops, so the runs in progress and on
        screen, and their rates, stay as they were: False."""
        if not self.training_box.compare_on():
            return True
        try:
            changed = self.presenter.accept_values(
                self.training_box.compare_edit.text(), self.spec(), self.config()
            )
        except (SpecError, ConfigError) as error:
            self.messages.show_message("rates", str(error))
            return False
        self.messages.clear("rates")
        if changed:
            self._rebuild()
        return True

    @QtCore.Slot(bool)
    def _on_compare_toggled(self, on: bool) -> None:
        """Compare mode takes the typed rates if training accepts them; else it starts with
        the rates last in use (or the lecture's, if those no longer suit) and says why."""
        refusal = None
        self.messages.clear("rates")
        if on:
            text = self.training_box.compare_edit.text()
            try:
                self.presenter.accept_values(text, self.spec(), self.config())
            except (SpecError, ConfigError) as error:
                refusal = str(error)
                with contextlib.suppress(SpecError, ConfigError):  # _rebuild says why
                    self.presenter.fall_back_to_usable_values(self.spec(), self.config())
        self._enable_lr_slider()
        self._rebuild()
        if refusal is not None:
            self.messages.show_message("rates", refusal)

    @QtCore.Slot(str)
    def _on_compare_setting(self, key: str) -> None:
        """Compare another setting: its values in use go in the field (each setting keeps
        its own), and in compare mode the runs start over."""
        self.presenter.compare_setting = key
        self._show_compare(self.training_box.compare_on())
        self.messages.clear("rates")
        if self.training_box.compare_on():
            self._rebuild()

    def _show_compare(self, on: bool) -> None:
        """Compare mode's switch, setting and values in use, without reporting a change."""
        key = self.presenter.compare_setting
        self.compare_setting.show_setting(key)
        self.training_box.show_compare(on, values_text(self.presenter.values_in_use()))
        self.training_box.compare_edit.setToolTip(f"One run per value: {SETTINGS[key].hint}")
        self._enable_lr_slider()

    def _compares_rates(self) -> bool:
        return self.training_box.compare_on() and self.presenter.compare_setting == "lr"

    def _enable_lr_slider(self) -> None:
        """The slider sets every run's rate, except in a compare by learning rate."""
        self.lr_slider.setEnabled(not self._compares_rates())

    @QtCore.Slot()
    def _rebuild(self) -> None:
        """A new job from the initial weights; a refusal leaves no runs and no stale verdict.
        Drawn points that cannot train yet leave none either (their message says why)."""
        if self.picker.drawn_waiting():
            return
        try:
            spec, config = self.spec(), self.config()
            runs = self.runs(config)
            compared = SETTINGS[self.presenter.compare_setting]
            held = compared.config_fields if self.training_box.compare_on() else ()
            job = self.presenter.rebuild(runs, self.dataset, held)
        except (SpecError, ConfigError) as error:
            self.presenter.clear()  # else Train trained the previous settings' job
            self.messages.show_message("network", str(error))
            self.header.show_state("no runs: see the message above")
            self._update_buttons()
            return
        self.messages.clear("network", "state")
        self._in_use = config
        self.network_box.show_spec(spec)
        frame = job.snapshot()
        self.views.show_job(runs, self.dataset, frame, self.steps_spin.value())
        self.cursorInfo.emit("")
        self._show_sharpness()
        self.presenter.show_now(frame)
        self._update_buttons()

    @QtCore.Slot(float)
    def _on_lr(self, lr: float) -> None:
        """A new learning rate acts at the next step, without resetting the weights."""
        if not self._compares_rates():
            self.presenter.set_lr(lr)
            self._show_sharpness()

    def _show_sharpness(self) -> None:
        """The sharpness plot while the settings in use track it, with each run's line."""
        config = self._in_use
        try:
            runs = self.runs(replace(config, lr=self.lr_slider.value()))
        except (SpecError, ConfigError):
            runs = []
        lines = [stability_line(r.config.optimizer, r.config.lr, r.config.hyper) for r in runs]
        self.views.show_sharpness(config.sharpness_every > 0, lines)

    @QtCore.Slot()
    def _on_settings(self) -> None:
        """Optimizer, hyper-parameters, batch size, decay, steps or schedule: applied between
        two steps. A setting some run's learning rate cannot train with is refused before any
        run changes, and the controls go back to the settings in use."""
        try:
            config = self.config()
            self.runs(config)
            check_rules_fit(config, self.spec(), self.dataset)
        except (SpecError, ConfigError) as error:
            self.training_box.show_config(replace(self._in_use, lr=self.lr_slider.value()))
            self.messages.show_message("settings", f"{error}; the settings in use stay")
            return
        self.messages.clear("settings", "state")
        self._in_use = config
        self.presenter.set_hyper(
            optimizer=config.optimizer,
            hyper=config.hyper,
            batch_size=config.batch_size,
            weight_decay=config.weight_decay,
            schedule=config.schedule,
            steps=config.steps,
            sharpness_every=config.sharpness_every,
            l1=config.l1,
            l2=config.l2,
            stop_at_loss=config.stop_at_loss,
            stop_at_accuracy=config.stop_at_accuracy,
            early_stop=config.early_stop,
        )
        self._show_sharpness()
        self._update_buttons()

    # ------------------------------------------------------------------ presenter -> views

    @QtCore.Slot(object, bool)
    def _draw(self, frame: TrainingFrame, detail: bool) -> None:
        """Draw one frame (the presenter paces them, never in the worker signal's slot)."""
        live = self.presenter.live
        self.views.draw(frame, self.dataset, self.steps_spin.value(), detail, live)

    @QtCore.Slot()
    def _redraw(self) -> None:
        self.presenter.redraw()

    @QtCore.Slot(str)
    def _on_failed(self, message: str) -> None:
        self.messages.show_message("training", f"training stopped: {message}")

    @QtCore.Slot()
    def _update_buttons(self) -> None:
        self.transport.show_state(
            self.runner.is_running(), self.runner.is_paused(), self.presenter.can_train()
        )

    @QtCore.Slot(QtCore.QPointF)
    def _on_mouse_moved(self, scene_pos: QtCore.QPointF) -> None:
        """Report the point under the mouse and the latest frame's prediction there."""
        point = self.decision_plot.point_at(scene_pos)
        if self._frame is None or point is None:
            self.cursorInfo.emit("")
            return
        self.cursorInfo.emit(cursor_text(self.dataset, self._frame.prediction, point))

    def run_verdicts(self) -> list[Verdict | None]:
        """The verdict of each run in the latest frame (compare mode's figure)."""
        return [] if self._frame is None else [run.verdict for run in self._frame.runs]

    # ------------------------------------------------------------------ window protocol

    def export_plots(self) -> dict[str, pg.PlotWidget]:
        plots = {
            "loss": self.loss_plot,
            "decision boundary": self.decision_plot,
            "accuracy": self.metric_plot,
        }
        if self.sharpness_plot.isVisibleTo(self):
            plots["sharpness"] = self.sharpness_plot
        return plots

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        """Closing the panel on its own (not only the window) also ends its workers."""
        self.runner.stop()
        self.picker.loader.stop()
        super().closeEvent(event)
