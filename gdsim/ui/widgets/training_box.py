"""The "Training" box: optimizer and its hyper-parameters (the shared `OptimizerForm`), learning
rate, batch size, weight decay, L1/L2 penalties, steps, schedule, stop rules, sharpness tracking,
and compare mode: the setting its runs differ in (`CompareSettingPicker`) and their values."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets
from superqt.utils import signals_blocked

from gdsim.core.sharpness import MEASUREMENT_COST_STEPS, tracking_cost_text
from gdsim.core.training import (
    EVALUATIONS,
    MAX_PATIENCE,
    MAX_PENALTY,
    SCHEDULES,
    TrainingConfig,
)
from gdsim.ui.widgets.compare_setting import CompareSettingPicker
from gdsim.ui.widgets.exact_value import ExactLogSlider, ExactSpinBox
from gdsim.ui.widgets.optimizer_form import OptimizerForm

DEFAULT_LR = 1.0
MAX_BATCH = 100_000



LR_SLIDER_WIDTH = 120
"""The learning-rate slider's fewest pixels: narrower, the row wraps under its label instead."""

class TrainingBox(QtWidgets.QGroupBox):
    """Reports intent: `lrChanged(lr)` (acts at the next step), `settingsChanged()` (optimizer,
    hyper-parameters, batch, decay, penalties, steps, schedule, stop rules), `compareToggled(on)`,
    `compareEdited()`."""

    lrChanged = QtCore.Signal(float)
    settingsChanged = QtCore.Signal()
    compareToggled = QtCore.Signal(bool)
    compareEdited = QtCore.Signal()

    def __init__(self, max_steps: int, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__("Training", parent)
        self.optimizer_form = OptimizerForm(self)
        self.lr_slider = ExactLogSlider(1e-4, 100.0, DEFAULT_LR, self)
        self.lr_slider.spin.setObjectName("mlpLrSpin")
        self.lr_slider.setToolTip("Learning rate η: moving it while training acts at the next step")
        self.batch_spin = self._spin("batchSizeSpin", 0, MAX_BATCH, 0)
        self.batch_spin.setSpecialValueText("full batch")
        self.decay_spin = ExactSpinBox(self)
        self.decay_spin.setObjectName("weightDecaySpin")
        self.decay_spin.setDecimals(5)
        self.decay_spin.setRange(0.0, 1.0)
        self.decay_spin.setSingleStep(1e-4)
        self.decay_spin.setKeyboardTracking(False)
        self.l1_spin = self._rate_spin(
            "l1Spin",
            "L1 penalty: adds L1 × Σ|w| over every weight and bias to the loss each step "
            "minimises, pulling small weights to exactly 0. The training curve then shows data "
            "loss + penalty; validation and the header show the data loss alone.",
        )
        self.l2_spin = self._rate_spin(
            "l2Spin",
            "L2 penalty: adds L2 × Σw² over every weight and bias to the loss each step "
            "minimises. Weight decay wd adds wd·w to each gradient, which is exactly L2 = wd/2 "
            "for gradient descent (and the other optimizers here but AdamW, whose decay is "
            "decoupled from Adam's scaled step).",
        )
        self.stop_loss_spin = ExactSpinBox(self)
        self.stop_loss_spin.setObjectName("stopAtLossSpin")
        self.stop_loss_spin.setDecimals(4)
        self.stop_loss_spin.setRange(0.0, 1e3)
        self.stop_loss_spin.setSingleStep(0.01)
        self.stop_loss_spin.setSpecialValueText("off")
        self.stop_loss_spin.setKeyboardTracking(False)
        self.stop_loss_spin.setToolTip(
            "Stop once the whole training set's loss (without penalty) is at or below this; "
            f"checked at each of the run's {EVALUATIONS} evaluations. 0 = off."
        )
        self.stop_accuracy_spin = ExactSpinBox(self)
        self.stop_accuracy_spin.setObjectName("stopAtAccuracySpin")
        self.stop_accuracy_spin.setDecimals(3)
        self.stop_accuracy_spin.setRange(0.0, 1.0)
        self.stop_accuracy_spin.setSingleStep(0.01)
        self.stop_accuracy_spin.setSpecialValueText("off")
        self.stop_accuracy_spin.setKeyboardTracking(False)
        self.stop_accuracy_spin.setToolTip(
            "Stop once the training set's accuracy (0 to 1) reaches this; checked at each "
            "evaluation. Classification only. 0 = off."
        )
        self.early_stop_spin = self._spin("earlyStopSpin", 0, MAX_PATIENCE, 0)
        self.early_stop_spin.setSpecialValueText("off")
        self.early_stop_spin.setPrefix("patience ")
        self.early_stop_spin.setToolTip(
            "Early stopping: stop when the validation loss has not improved for this many "
            f"evaluations in a row (a run has {EVALUATIONS}, spread evenly over its steps); the "
            "curves mark the best validation step. Needs a validation share above 0. 0 = off."
        )
        self.steps_spin = self._spin("stepsSpin", 1, max_steps, 1000)
        self.steps_spin.setSingleStep(100)
        self.schedule_combo = QtWidgets.QComboBox(self)
        self.schedule_combo.setObjectName("scheduleCombo")
        for key in SCHEDULES:
            self.schedule_combo.addItem(key, key)
        self.sharpness_spin = self._spin("sharpnessEverySpin", 0, max_steps, 0)
        self.sharpness_spin.setSingleStep(10)
        self.sharpness_spin.setSpecialValueText("off")
        self.sharpness_spin.setPrefix("every ")
        self.sharpness_spin.setSuffix(" steps")
        self.sharpness_spin.setToolTip(
            "Measure the loss's sharpness (the top eigenvalue of its Hessian) on the whole "
            "training set every K steps and plot it against 2/η. Each measurement costs about "
            f"{MEASUREMENT_COST_STEPS} training steps."
        )
        self.sharpness_cost = QtWidgets.QLabel(tracking_cost_text(0), self)
        self.sharpness_cost.setObjectName("sharpnessCostLabel")
        sharpness_row = QtWidgets.QHBoxLayout()
        sharpness_row.addWidget(self.sharpness_spin)
        sharpness_row.addWidget(self.sharpness_cost, 1)
        self.compare_check = QtWidgets.QCheckBox("compare runs", self)
        self.compare_check.setObjectName("compareCheck")
        self.compare_edit = QtWidgets.QLineEdit(self)
        self.compare_edit.setObjectName("compareLrsEdit")
        self.compare_edit.setToolTip("Same network, same initial weights, one run per rate")
        self.compare_edit.setEnabled(False)
        self._schedule_shape = _schedule_shape(TrainingConfig())
        """Step size, gamma and warm-up: no control shows them, so a given config keeps its."""
        form = QtWidgets.QFormLayout(self)
        # A field that does not fit beside its label goes under it: at 1024x768 in presentation
        # mode the column scrolled sideways and hid the learning rate's value.
        form.setRowWrapPolicy(QtWidgets.QFormLayout.RowWrapPolicy.WrapLongRows)
        self.lr_slider.slider.setMinimumWidth(LR_SLIDER_WIDTH)  # else it shrank to nothing
        form.addRow(self.optimizer_form)  # the whole width: the hyper-parameters need it
        form.addRow("learning rate η", self.lr_slider)
        form.addRow("batch size", self.batch_spin)
        form.addRow("weight decay", self.decay_spin)
        penalties = QtWidgets.QHBoxLayout()
        for label, spin in (("L1", self.l1_spin), ("L2", self.l2_spin)):
            penalties.addWidget(QtWidgets.QLabel(label, self))
            penalties.addWidget(spin, 1)
        form.addRow("penalty", penalties)
        form.addRow("steps", self.steps_spin)
        form.addRow("schedule", self.schedule_combo)
        form.addRow("stop at loss", self.stop_loss_spin)
        form.addRow("stop at accuracy", self.stop_accuracy_spin)
        form.addRow("early stopping", self.early_stop_spin)
        form.addRow("sharpness", sharpness_row)
        form.addRow(self.compare_check, self.compare_edit)
        self.compare_setting = CompareSettingPicker(self)  # the one setting the runs differ in
        form.addRow("compare by", self.compare_setting)
        self.lr_slider.valueChanged.connect(self.lrChanged)
        self.optimizer_form.changed.connect(self.settingsChanged)
        for spin in (self.batch_spin, self.decay_spin, self.steps_spin, self.sharpness_spin,
                     self.l1_spin, self.l2_spin, self.stop_loss_spin, self.stop_accuracy_spin,
                     self.early_stop_spin):  # fmt: skip
            spin.valueChanged.connect(self.settingsChanged)
        self.sharpness_spin.valueChanged.connect(self._show_cost)
        self.schedule_combo.currentIndexChanged.connect(self.settingsChanged)
        self.compare_check.toggled.connect(self._on_compare_toggled)
        self.compare_edit.editingFinished.connect(self.compareEdited)

    def _spin(self, name: str, low: int, high: int, value: int) -> QtWidgets.QSpinBox:
        spin = QtWidgets.QSpinBox(self)
        spin.setObjectName(name)
        spin.setRange(low, high)
        spin.setValue(value)
        spin.setKeyboardTracking(False)
        return spin

    def _rate_spin(self, name: str, tooltip: str) -> ExactSpinBox:
        """A penalty rate from 0 (off) to MAX_PENALTY."""
        spin = ExactSpinBox(self)
        spin.setObjectName(name)
        spin.setDecimals(5)
        spin.setRange(0.0, MAX_PENALTY)
        spin.setSingleStep(1e-3)
        spin.setSpecialValueText("off")
        spin.setKeyboardTracking(False)
        spin.setToolTip(tooltip)
        return spin

    def config(self, seed: int) -> TrainingConfig:
        """The configuration the controls describe (raises ConfigError)."""
        return TrainingConfig(
            optimizer=self.optimizer_form.optimizer(),
            lr=self.lr_slider.value(),
            hyper=self.optimizer_form.hyper(),
            batch_size=self.batch_spin.value() or None,
            weight_decay=self.decay_spin.value(),
            schedule=self.schedule_combo.currentData(),
            steps=self.steps_spin.value(),
            seed=seed,
            sharpness_every=self.sharpness_spin.value(),
            l1=self.l1_spin.value(),
            l2=self.l2_spin.value(),
            stop_at_loss=self.stop_loss_spin.value() or None,
            stop_at_accuracy=self.stop_accuracy_spin.value() or None,
            early_stop=self.early_stop_spin.value(),
            **self._schedule_shape,
        )

    def show_config(self, config: TrainingConfig) -> None:
        """Show `config` without reporting it as a change (a refused edit goes back to it)."""
        self.optimizer_form.set_optimizer(config.optimizer, config.hyper)
        self._schedule_shape = _schedule_shape(config)
        with signals_blocked(self.lr_slider):
            self.lr_slider.setValue(config.lr)
        with signals_blocked(self.schedule_combo):
            self.schedule_combo.setCurrentIndex(self.schedule_combo.findData(config.schedule))
        for spin, value in (
            (self.batch_spin, config.batch_size or 0),
            (self.decay_spin, config.weight_decay),
            (self.steps_spin, config.steps),
            (self.sharpness_spin, config.sharpness_every),
            (self.l1_spin, config.l1),
            (self.l2_spin, config.l2),
            (self.stop_loss_spin, config.stop_at_loss or 0.0),
            (self.stop_accuracy_spin, config.stop_at_accuracy or 0.0),
            (self.early_stop_spin, config.early_stop),
        ):
            with signals_blocked(spin):
                spin.setValue(value)
        self._show_cost(config.sharpness_every)

    @QtCore.Slot(int)
    def _show_cost(self, every: int) -> None:
        self.sharpness_cost.setText(tracking_cost_text(every))

    def compare_on(self) -> bool:
        return self.compare_check.isChecked()

    def show_compare(self, on: bool, text: str) -> None:
        """Compare mode's switch and rates, without reporting a change."""
        with signals_blocked(self.compare_check):
            self.compare_check.setChecked(on)
        self.compare_edit.setText(text)
        self._enable_for_compare(on)

    @QtCore.Slot(bool)
    def _on_compare_toggled(self, on: bool) -> None:
        self._enable_for_compare(on)
        self.compareToggled.emit(on)

    def _enable_for_compare(self, on: bool) -> None:
        """In compare mode the runs' rates come from the text: the slider is out of use."""
        self.compare_edit.setEnabled(on)
        self.lr_slider.setEnabled(not on)


def _schedule_shape(config: TrainingConfig) -> dict[str, float]:
    """The schedule's settings besides its name (a step schedule's step size and gamma)."""
    return {
        "step_size": config.step_size,
        "gamma": config.gamma,
        "warmup_steps": config.warmup_steps,
    }
