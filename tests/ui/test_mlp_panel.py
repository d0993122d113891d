"""The network builder as a student uses it, through objectNames: build, train, break it with a
large learning rate, change the rate mid-run, stop and close mid-training, export the code."""

from __future__ import annotations

import re

import pytest
from PySide6 import QtWidgets

from gdsim.core.verdict import Regime
from gdsim.ui import workers


@pytest.fixture
def panel(window):
    window.tabs.setCurrentWidget(window.mlp_panel)
    return window.mlp_panel


def find(panel, cls, name):
    widget = panel.findChild(cls, name)
    assert widget is not None, name
    return widget


def choose_dataset(panel, name: str) -> None:
    combo = find(panel, QtWidgets.QComboBox, "datasetCombo")
    combo.setCurrentIndex(combo.findData(name))


def set_value(panel, name: str, value) -> None:
    spin = find(panel, QtWidgets.QAbstractSpinBox, name)
    spin.setValue(value)


def status(panel) -> str:
    return find(panel, QtWidgets.QLabel, "trainingStatusLabel").text()


def train_to_end(qtbot, panel, timeout: int = 20_000) -> None:
    with qtbot.waitSignal(panel.runner.finished, timeout=timeout):
        find(panel, QtWidgets.QPushButton, "trainButton").click()


def test_layers_change_the_parameter_count_and_the_diagram(panel):
    label = find(panel, QtWidgets.QLabel, "paramCountLabel")
    assert label.text() == "65 parameters"  # 2-16-1: 3*16 + 17
    find(panel, QtWidgets.QPushButton, "addLayerButton").click()
    assert label.text() == "337 parameters"  # 2-16-16-1: 48 + 272 + 17
    assert panel.job.sessions[0].spec.widths == (2, 16, 16, 1)
    set_value(panel, "layerWidthSpin1", 4)
    assert label.text() == "121 parameters"  # 48 + 68 + 5
    remove = find(panel, QtWidgets.QPushButton, "removeLayerButton")
    remove.click()
    remove.click()
    assert label.text() == "3 parameters"  # logistic regression: 2 weights + 1 bias
    assert not remove.isEnabled()
    assert panel.diagram.edge_count() == 2


def test_training_converges_on_an_easy_dataset(qtbot, panel):
    choose_dataset(panel, "gaussians")
    find(panel, QtWidgets.QDoubleSpinBox, "mlpLrSpin").setValue(5.0)
    set_value(panel, "stepsSpin", 600)
    train_to_end(qtbot, panel)
    assert re.search(r"converged in \d+ steps", status(panel)), status(panel)
    state = panel.job.sessions[0].snapshot()
    assert state.train_metric >= 0.95
    assert state.train_loss < 0.05


def test_a_large_learning_rate_diverges_with_the_step_shown(qtbot, panel):
    choose_dataset(panel, "sine")
    find(panel, QtWidgets.QDoubleSpinBox, "mlpLrSpin").setValue(3.0)
    train_to_end(qtbot, panel)
    match = re.search(r"diverged at step (\d+)", status(panel))
    assert match, status(panel)
    assert int(match.group(1)) == panel.job.sessions[0].diverged_at
    panel._redraw()
    y_high = panel.loss_plot.viewRange()[1][1]
    assert y_high < 30, "the log axis must not be blown up to 1e300 by the diverged run"


def test_moving_the_learning_rate_during_training_acts_without_reset(qtbot, panel):
    set_value(panel, "stepsSpin", 1_000_000)
    find(panel, QtWidgets.QPushButton, "trainButton").click()
    qtbot.waitUntil(lambda: panel._frame.runs[0].state.step > 20, timeout=10_000)
    find(panel, QtWidgets.QDoubleSpinBox, "mlpLrSpin").setValue(0.0421)
    qtbot.waitUntil(lambda: panel._frame.runs[0].state.lr == pytest.approx(0.0421), timeout=10_000)
    step_after_change = panel._frame.runs[0].state.step
    assert step_after_change > 20, "the weights were not reset by the new rate"
    find(panel, QtWidgets.QPushButton, "stopButton").click()
    assert not panel.runner.is_running()


def test_pause_step_and_stop_then_train_continues(qtbot, panel):
    set_value(panel, "stepsSpin", 1_000_000)
    with qtbot.waitSignal(panel.runner.pausedAt, timeout=10_000):
        find(panel, QtWidgets.QPushButton, "trainButton").click()
        find(panel, QtWidgets.QPushButton, "pauseButton").click()
    assert find(panel, QtWidgets.QPushButton, "pauseButton").text().endswith("Resume")
    paused_at = panel._frame.runs[0].state.step
    with qtbot.waitSignal(panel.runner.progress, timeout=10_000) as stepped:
        find(panel, QtWidgets.QPushButton, "stepButton").click()
    assert stepped.args[0].runs[0].state.step == paused_at + 1
    find(panel, QtWidgets.QPushButton, "stopButton").click()
    assert not panel.runner.is_running()
    assert "stopped" in status(panel)
    find(panel, QtWidgets.QPushButton, "trainButton").click()
    qtbot.waitUntil(lambda: panel._frame.runs[0].state.step > paused_at + 10, timeout=10_000)
    find(panel, QtWidgets.QPushButton, "resetButton").click()
    assert not panel.runner.is_running()
    assert panel.job.sessions[0].step_count == 0


def test_changing_the_network_mid_training_ends_the_worker(qtbot, panel):
    set_value(panel, "stepsSpin", 1_000_000)
    find(panel, QtWidgets.QPushButton, "trainButton").click()
    qtbot.waitUntil(lambda: panel._frame.runs[0].state.step > 0, timeout=10_000)
    find(panel, QtWidgets.QPushButton, "addLayerButton").click()
    assert not panel.runner.is_running()
    assert panel.job.sessions[0].step_count == 0


def test_a_hundred_start_stop_cycles_leave_no_thread(panel):
    set_value(panel, "stepsSpin", 1_000_000)
    train = find(panel, QtWidgets.QPushButton, "trainButton")
    stop = find(panel, QtWidgets.QPushButton, "stopButton")
    for _ in range(100):
        train.click()
        assert panel.runner.is_running()
        stop.click()
        assert not panel.runner.is_running()
    assert workers.running_threads() == 0


def test_closing_the_window_mid_training_stops_the_worker(qtbot, window, panel):
    set_value(panel, "stepsSpin", 1_000_000)
    find(panel, QtWidgets.QPushButton, "trainButton").click()
    qtbot.waitUntil(lambda: panel._frame.runs[0].state.step > 0, timeout=10_000)
    window.close()
    assert workers.running_threads() == 0


def test_compare_mode_draws_the_lectures_learning_rate_figure(qtbot, panel):
    """The default comparison on the default network is the seeds' story: too small (slow),
    right (converged), too big (oscillating), way too big (diverged)."""
    find(panel, QtWidgets.QCheckBox, "compareCheck").setChecked(True)
    train_to_end(qtbot, panel)
    regimes = [verdict.regime for verdict in panel.run_verdicts()]
    assert regimes == [Regime.SLOW, Regime.CONVERGED, Regime.OSCILLATING, Regime.DIVERGED]
    assert panel.loss_plot.curve_count() == 4
    badges = [find(panel, QtWidgets.QLabel, f"runBadge{i}").text() for i in range(4)]
    assert "η=10" in badges[3] and "diverged" in badges[3]


def test_show_code_exports_a_script_that_can_be_saved(qtbot, panel, tmp_path):
    find(panel, QtWidgets.QPushButton, "showCodeButton").click()
    dialog = panel.code_dialog
    assert dialog is not None and dialog.isVisible()
    code = dialog.code()
    assert "nn.Sequential" in code and "BCELoss" in code and "lr=1.0" in code.replace(" ", "")
    target = tmp_path / "train.py"
    dialog.save_to(target)
    assert target.read_text(encoding="utf-8") == code
    dialog.close()


def test_a_bad_csv_file_shows_a_message_and_keeps_the_panel_usable(panel, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2\n3,4\n", encoding="utf-8")
    before = panel.dataset
    assert not panel.picker.load_csv_file(bad)
    assert "expected 3 columns" in status(panel)
    assert panel.dataset is before
    assert find(panel, QtWidgets.QPushButton, "trainButton").isEnabled()


def test_a_good_csv_file_trains(qtbot, panel, tmp_path):
    rows = "\n".join(f"{x / 10},{(x * 7 % 10) / 10},{int(x > 9)}" for x in range(20))
    good = tmp_path / "mine.csv"
    good.write_text("x1,x2,label\n" + rows, encoding="utf-8")
    assert panel.picker.load_csv_file(good)
    set_value(panel, "stepsSpin", 50)
    train_to_end(qtbot, panel)
    assert panel._frame.runs[0].state.step == 50
