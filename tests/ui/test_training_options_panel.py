"""The network builder's training options as a teacher uses them, through objectNames: an L1/L2
penalty named on the training curve, the raw minibatch losses faint under their bold moving
average, a stop rule ending the run with its reason in the metrics line and a mark on the
loss plot, and a rule the data cannot serve refused in one line."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtWidgets

from gdsim.ui.widgets.loss_plot import FAINT_ALPHA
from gdsim.ui.widgets.message_area import MessageArea


def spin(panel, name: str) -> QtWidgets.QAbstractSpinBox:
    widget = panel.findChild(QtWidgets.QAbstractSpinBox, name)
    assert widget is not None, name
    return widget


def train_to_end(qtbot, panel) -> None:
    with qtbot.waitSignal(panel.runner.finished, timeout=60_000):
        panel.findChild(QtWidgets.QPushButton, "trainButton").click()


def legend_names(plot) -> list[str]:
    return [label.text for _sample, label in plot.legend.items]


def visible_marks(plot) -> list[tuple[float, str]]:
    return [
        (item.value(), item.label.format)
        for item in plot.getPlotItem().items
        if isinstance(item, pg.InfiniteLine) and item.isVisible()
    ]


def test_minibatch_losses_are_faint_under_their_bold_moving_average(qtbot, mlp_panel):
    spin(mlp_panel, "stepsSpin").setValue(60)
    spin(mlp_panel, "batchSizeSpin").setValue(10)
    spin(mlp_panel, "l2Spin").setValue(0.01)
    train_to_end(qtbot, mlp_panel)
    plot = mlp_panel.loss_plot
    assert legend_names(plot) == ["train + L2, smoothed", "validation"]
    faint, bold, _validation = (c for c in plot.listDataItems() if c.isVisible())
    assert faint.opts["pen"].color().alpha() == FAINT_ALPHA
    assert bold.opts["pen"].color().alpha() == 255
    assert "faint" in plot.getAxis("left").labelText
    assert mlp_panel.job.sessions[0].config.l2 == 0.01


def test_full_batch_keeps_one_training_curve(qtbot, mlp_panel):
    spin(mlp_panel, "stepsSpin").setValue(20)
    train_to_end(qtbot, mlp_panel)
    assert legend_names(mlp_panel.loss_plot) == ["train", "validation"]
    assert mlp_panel.loss_plot.getAxis("left").labelText == "loss"


def test_a_stop_rule_ends_the_run_says_why_and_marks_the_curves(qtbot, mlp_panel):
    spin(mlp_panel, "stepsSpin").setValue(600)
    spin(mlp_panel, "stopAtLossSpin").setValue(0.3)
    spin(mlp_panel, "earlyStopSpin").setValue(50)
    train_to_end(qtbot, mlp_panel)
    session = mlp_panel.job.sessions[0]
    assert session.stop_reason == "target loss" and session.step_count < 600
    metrics = mlp_panel.findChild(QtWidgets.QLabel, "metricsLabel").text()
    assert metrics.endswith("stopped: target loss")
    marks = visible_marks(mlp_panel.loss_plot)
    assert (session.step_count, "target loss") in marks
    assert (session.best_step, "best val") in marks


def test_a_target_the_initial_weights_meet_ends_the_run_at_step_0_with_a_verdict(
    qtbot, mlp_panel
):
    """The header said "ready: press Train" beside "stopped: target loss", and Train seemed
    to do nothing."""
    spin(mlp_panel, "stopAtLossSpin").setValue(50)
    train_to_end(qtbot, mlp_panel)
    assert mlp_panel.job.sessions[0].step_count == 0
    badge = mlp_panel.findChild(QtWidgets.QLabel, "trainingStatusLabel")
    assert badge.text() == "✓ converged in 0 steps"
    assert "met by the initial weights" in badge.toolTip()


def test_early_stopping_without_validation_points_is_refused_in_one_line(qtbot, mlp_panel):
    spin(mlp_panel, "valFractionSpin").setValue(0.0)
    spin(mlp_panel, "earlyStopSpin").setValue(5)
    area = mlp_panel.findChild(MessageArea, "messageArea")
    text = " ".join(area.text(key) for key in area.shown())
    assert "early stopping needs a validation set" in text and "\n" not in text
    assert spin(mlp_panel, "earlyStopSpin").value() == 0
    assert mlp_panel.state().training.early_stop == 0


def test_the_options_reach_the_saved_state(mlp_panel):
    spin(mlp_panel, "l1Spin").setValue(0.002)
    spin(mlp_panel, "stopAtAccuracySpin").setValue(0.9)
    training = mlp_panel.state().training
    assert (training.l1, training.stop_at_accuracy) == (0.002, 0.9)
    spin(mlp_panel, "stopAtAccuracySpin").setValue(0.0)  # "off"
    assert mlp_panel.state().training.stop_at_accuracy is None
