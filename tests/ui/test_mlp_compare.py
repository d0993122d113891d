"""Compare mode by any setting in the network builder: the 'compare by' chooser, badges named
by what differs, live settings that leave each run its compared value, Show code of the shown
run, validation curves dashed in each run's colour with one legend entry, and the state."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6 import QtCore, QtWidgets

from gdsim.core.state import NetworkState
from gdsim.ui.style import REFERENCE_COLOR, run_color
from gdsim.ui.widgets.message_area import MessageArea
from gdsim.ui.widgets.run_badge import RunBadge
from gdsim.ui.widgets.training_curves import VALIDATION_KEY


@pytest.fixture
def panel(mlp_panel):
    find(mlp_panel, QtWidgets.QSpinBox, "stepsSpin").setValue(30)
    find(mlp_panel, QtWidgets.QCheckBox, "compareCheck").setChecked(True)
    return mlp_panel


def find(panel, cls, name):
    widget = panel.findChild(cls, name)
    assert widget is not None, name
    return widget


def compare_by(panel, key: str) -> None:
    combo = find(panel, QtWidgets.QComboBox, "compareSettingCombo")
    combo.setCurrentIndex(combo.findData(key))


def type_values(panel, text: str) -> None:
    edit = find(panel, QtWidgets.QLineEdit, "compareLrsEdit")
    edit.setText(text)
    edit.editingFinished.emit()


def badge_texts(panel) -> list[str]:
    return [badge.badge.text() for badge in panel.findChildren(RunBadge)]


def message(panel) -> str:
    area = find(panel, MessageArea, "messageArea")
    return " ".join(area.text(key) for key in area.shown())


def test_a_batch_size_compare_is_full_batch_against_sgd_against_minibatch(panel):
    compare_by(panel, "batch_size")
    assert find(panel, QtWidgets.QLineEdit, "compareLrsEdit").text() == "0, 1, 16"
    assert "0 = full batch (GD)" in find(panel, QtWidgets.QLabel, "compareHint").text()
    assert badge_texts(panel) == ["full batch (GD)", "batch 1 (SGD)", "batch 16 (mini-batch)"]
    assert [s.config.batch_size for s in panel.job.sessions] == [None, 1, 16]
    assert panel.lr_slider.isEnabled(), "every run trains at the slider's rate"
    badge = panel.findChildren(RunBadge)[1]
    assert "same initial weights" in badge.toolTip()


def test_a_live_setting_leaves_each_run_its_compared_value(panel):
    compare_by(panel, "batch_size")
    find(panel, QtWidgets.QSpinBox, "batchSizeSpin").setValue(8)
    find(panel, QtWidgets.QDoubleSpinBox, "weightDecaySpin").setValue(0.01)
    sessions = panel.job.sessions
    assert [s.config.batch_size for s in sessions] == [None, 1, 16]
    assert [s.config.weight_decay for s in sessions] == [0.01] * 3
    find(panel, QtWidgets.QDoubleSpinBox, "mlpLrSpin").setValue(0.5)
    assert [s.config.lr for s in sessions] == [0.5] * 3, "the slider sets every run's rate"


def test_typed_activations_and_depths_name_their_runs_and_shapes(panel):
    compare_by(panel, "activation")
    type_values(panel, "tanh, sigmoid")
    assert badge_texts(panel) == ["Tanh", "Sigmoid"]
    compare_by(panel, "depth")
    type_values(panel, "1 3")
    assert badge_texts(panel) == ["1 layer", "3 layers"]
    assert [s.spec.widths for s in panel.job.sessions] == [(2, 16, 1), (2, 16, 16, 16, 1)]
    assert "own initial weights" in panel.findChildren(RunBadge)[0].toolTip()
    edges = panel.diagram.edge_count()
    panel.findChildren(RunBadge)[1].click()
    assert panel.diagram.edge_count() > edges, "the diagram draws the shown run's layers"
    compare_by(panel, "activation")
    assert find(panel, QtWidgets.QLineEdit, "compareLrsEdit").text() == "tanh, sigmoid"


def test_a_refused_value_names_it_and_keeps_the_runs(panel):
    compare_by(panel, "activation")
    job = panel.job
    type_values(panel, "relu, tanhh")
    assert "value 2: unknown activation 'tanhh'" in message(panel)
    assert "the previous values relu, tanh, sigmoid stay in use" in message(panel)
    assert panel.job is job


def test_a_repeated_value_is_refused_and_a_whole_set_batch_is_full_batch(panel):
    job = panel.job
    type_values(panel, "0.1, 1, 0.10")
    assert "value 3: '0.10' repeats value 1" in message(panel) and panel.job is job
    compare_by(panel, "batch_size")
    type_values(panel, "16, 500")  # the circle's 200 points keep 160 for training
    assert badge_texts(panel) == ["batch 16 (mini-batch)", "batch 500 (= full batch)"]


def test_show_code_exports_the_shown_runs_batch_size(panel):
    compare_by(panel, "batch_size")
    panel.findChildren(RunBadge)[1].click()
    find(panel, QtWidgets.QPushButton, "showCodeButton").click()
    code = panel.code_dialog.code()
    panel.code_dialog.close()
    assert "BATCH_SIZE = 1 " in code


def test_validation_curves_are_dashed_in_each_runs_colour_with_one_legend_entry(qtbot, panel):
    compare_by(panel, "batch_size")
    with qtbot.waitSignal(panel.runner.finished, timeout=30_000):
        find(panel, QtWidgets.QPushButton, "trainButton").click()
    panel._redraw()
    curves = [c for c in panel.loss_plot.listDataItems() if c.isVisible()]
    dashed = [c.opts["pen"] for c in curves if c.opts["pen"].style() == QtCore.Qt.PenStyle.DashLine]
    colours = [pen.color().name().upper() for pen in dashed]
    assert colours == [*(run_color(i).upper() for i in range(3)), REFERENCE_COLOR]
    labels = [label.text for _, label in panel.loss_plot.legend.items]
    assert labels.count(VALIDATION_KEY) == 1
    assert labels[:3] == ["full batch (GD)", "batch 1 (SGD)", "batch 16 (mini-batch)"]


def test_the_compare_comes_back_with_the_state(panel):
    compare_by(panel, "optimizer")
    type_values(panel, "adam, gd")
    state = panel.state()
    assert (state.compare_setting, state.compare_values) == ("optimizer", ("adam", "gd"))
    assert NetworkState.from_dict(state.to_dict()) == state
    assert panel.set_state(replace(state, compare_setting="lr")) is None
    assert find(panel, QtWidgets.QComboBox, "compareSettingCombo").currentData() == "lr"
    assert not panel.lr_slider.isEnabled()
    assert panel.set_state(state) is None
    assert badge_texts(panel) == ["Adam", "Gradient descent"]
    assert [s.config.optimizer for s in panel.job.sessions] == ["adam", "gd"]
