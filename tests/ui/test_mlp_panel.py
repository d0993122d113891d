"""The network builder as a student uses it, through objectNames: build, train, break it with a
large learning rate, change the rate mid-run, stop and close mid-training, export the code."""

from __future__ import annotations

import re

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.core.datasets import DatasetParams
from gdsim.core.limits import MAX_TRAINING_STEPS
from gdsim.core.network import NetworkSpec
from gdsim.core.state import NetworkState
from gdsim.core.training import TrainingConfig
from gdsim.core.training_job import metrics_text
from gdsim.core.verdict import Regime
from gdsim.ui import workers
from gdsim.ui.presenters.network import GRID_POINTS
from gdsim.ui.style import class_color, run_color
from gdsim.ui.widgets.message_area import MessageArea
from gdsim.ui.widgets.run_badge import RunBadge, Swatch
from gdsim.ui.widgets.verdict_badge import verdict_text


@pytest.fixture
def panel(mlp_panel):
    return mlp_panel


@pytest.fixture
def window_panel(window):
    """The panel inside the main window, for what spans both (status bar, window size)."""
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


def message(panel) -> str:
    """The errors and warnings on screen, from the panel's one message area."""
    area = find(panel, MessageArea, "messageArea")
    return " ".join(area.text(key) for key in area.shown())


def train_to_end(qtbot, panel, timeout: int = 60_000) -> None:
    """A generous bound: a loaded 2-core machine trains the compare preset in 10-20 s."""
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
    set_value(panel, "stepsSpin", MAX_TRAINING_STEPS)
    find(panel, QtWidgets.QPushButton, "trainButton").click()
    qtbot.waitUntil(lambda: panel._frame.runs[0].state.step > 20, timeout=10_000)
    find(panel, QtWidgets.QDoubleSpinBox, "mlpLrSpin").setValue(0.0421)
    qtbot.waitUntil(lambda: panel._frame.runs[0].state.lr == pytest.approx(0.0421), timeout=10_000)
    step_after_change = panel._frame.runs[0].state.step
    assert step_after_change > 20, "the weights were not reset by the new rate"
    find(panel, QtWidgets.QPushButton, "stopButton").click()
    assert not panel.runner.is_running()


def test_pause_step_and_stop_then_train_continues(qtbot, panel):
    set_value(panel, "stepsSpin", MAX_TRAINING_STEPS)
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
    set_value(panel, "stepsSpin", MAX_TRAINING_STEPS)
    find(panel, QtWidgets.QPushButton, "trainButton").click()
    qtbot.waitUntil(lambda: panel._frame.runs[0].state.step > 0, timeout=10_000)
    find(panel, QtWidgets.QPushButton, "addLayerButton").click()
    assert not panel.runner.is_running()
    assert panel.job.sessions[0].step_count == 0


def test_a_hundred_start_stop_cycles_leave_no_thread(panel):
    set_value(panel, "stepsSpin", MAX_TRAINING_STEPS)
    train = find(panel, QtWidgets.QPushButton, "trainButton")
    stop = find(panel, QtWidgets.QPushButton, "stopButton")
    for _ in range(100):
        train.click()
        assert panel.runner.is_running()
        stop.click()
        assert not panel.runner.is_running()
    assert workers.running_threads() == 0


def test_closing_the_window_mid_training_stops_the_worker(qtbot, window, window_panel):
    panel = window_panel
    set_value(panel, "stepsSpin", MAX_TRAINING_STEPS)
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
    assert panel.loss_plot.curve_count() == 4 + 4 + 1, "training, validation, the dashed key"
    badges = [find(panel, QtWidgets.QLabel, f"runBadge{i}").text() for i in range(4)]
    assert "η = 10" in badges[3] and "diverged" in badges[3]


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
    assert "expected 3 columns" in message(panel)
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


def test_compare_badges_pick_the_run_shown_and_wear_its_curve_colour(qtbot, panel):
    find(panel, QtWidgets.QCheckBox, "compareCheck").setChecked(True)
    set_value(panel, "stepsSpin", 100)
    train_to_end(qtbot, panel)
    swatches = [find(panel, Swatch, f"runSwatch{i}") for i in range(4)]
    assert [swatch.color.name() for swatch in swatches] == [
        QtGui.QColor(run_color(i)).name() for i in range(4)
    ]
    frames = [find(panel, RunBadge, f"runBadgeFrame{i}") for i in range(4)]
    assert [frame.is_shown() for frame in frames] == [True, False, False, False]
    qtbot.mouseClick(frames[2], QtCore.Qt.MouseButton.LeftButton)
    assert panel._frame.shown == 2, "a finished session redraws at once"
    expected = panel.job.sessions[2].predict_grid(*panel.job._grid)
    np.testing.assert_allclose(panel._frame.prediction, expected, rtol=1e-5)
    assert [frame.is_shown() for frame in frames] == [False, False, True, False]
    assert "η = 6" in status(panel)
    find(panel, QtWidgets.QPushButton, "resetButton").click()
    assert panel.job.snapshot().shown == 2, "the choice survives a reset"


def test_choosing_a_run_while_training_reaches_the_next_frame(qtbot, panel):
    find(panel, QtWidgets.QCheckBox, "compareCheck").setChecked(True)
    set_value(panel, "stepsSpin", MAX_TRAINING_STEPS)
    find(panel, QtWidgets.QPushButton, "trainButton").click()
    find(panel, RunBadge, "runBadgeFrame1").click()
    qtbot.waitUntil(lambda: panel._frame.shown == 1, timeout=10_000)
    with qtbot.waitSignal(panel.runner.pausedAt, timeout=10_000):
        find(panel, QtWidgets.QPushButton, "pauseButton").click()
    paused_at = panel.job.sessions[0].step_count
    with qtbot.waitSignal(panel.runner.pausedAt, timeout=10_000):
        find(panel, RunBadge, "runBadgeFrame3").click()
    qtbot.waitUntil(lambda: panel._frame.shown == 3, timeout=5_000)
    assert panel.runner.is_paused()
    assert panel.job.sessions[0].step_count == paused_at, "choosing a run does not train"
    assert panel._frame.runs[0].state.step == paused_at
    find(panel, QtWidgets.QPushButton, "stopButton").click()


def hover(panel, x: float, y: float) -> list[str]:
    reports: list[str] = []
    panel.cursorInfo.connect(reports.append)
    box = panel.decision_plot.getViewBox()
    panel._on_mouse_moved(box.mapViewToScene(QtCore.QPointF(x, y)))
    panel.cursorInfo.disconnect(reports.append)
    return reports


def test_the_status_bar_reads_the_prediction_under_the_mouse(qtbot, window, window_panel):
    panel = window_panel
    set_value(panel, "stepsSpin", 300)
    train_to_end(qtbot, panel)
    (report,) = hover(panel, 0.0, 0.0)
    match = re.fullmatch(r"x₁ = -?0\.0\d, x₂ = -?0\.0\d   p\(class 1\) = (\d\.\d\d)", report)
    assert match, report
    assert float(match.group(1)) > 0.5, "the circle's centre is class 1"
    assert window.cursor_label.text() == report
    (_, x_high), (y_low, _) = panel.dataset.input_range
    (corner,) = hover(panel, x_high - 0.01, y_low + 0.01)
    assert float(re.search(r"= (\d\.\d\d)$", corner).group(1)) < 0.5, "a corner is class 0"
    box = panel.decision_plot.getViewBox()
    reports: list[str] = []
    panel.cursorInfo.connect(reports.append)
    panel._on_mouse_moved(box.sceneBoundingRect().topLeft() - QtCore.QPointF(5, 5))
    assert reports == [""], "off the plot, nothing is reported"


@pytest.mark.parametrize(
    ("dataset", "pattern"),
    [("blobs", r"x₁ = .*, x₂ = .*   class [012]"), ("sine", r"x = \S+   ŷ = \S+")],
)
def test_cursor_text_suits_the_task(panel, dataset, pattern):
    choose_dataset(panel, dataset)
    (low, high), *_ = panel.dataset.input_range
    (report,) = hover(panel, (low + high) / 2, 0.0)
    assert re.fullmatch(pattern, report), report


@pytest.mark.parametrize(("dataset", "y_range"), [("circle", (0.0, 1.0)), ("sine", (-0.05, 1.05))])
def test_plots_are_framed_before_the_first_step(qtbot, panel, dataset, y_range):
    choose_dataset(panel, dataset)
    set_value(panel, "stepsSpin", 400)
    find(panel, QtWidgets.QPushButton, "resetButton").click()
    (x_low, x_high), _ = panel.loss_plot.viewRange()
    assert x_low <= 0 < 380 < x_high <= 420, "x runs from 0 to the step budget"
    (_, _), (y_low, y_high) = panel.metric_plot.viewRange()
    assert y_range[0] - 0.06 <= y_low <= y_range[0] and y_range[1] <= y_high <= y_range[1] + 0.06
    axis = panel.metric_plot.getAxis("left")
    assert axis.autoSIPrefixScale == 1.0 and "x0.001" not in axis.labelString()
    assert axis.labelText == ("R²" if dataset == "sine" else "accuracy")
    (_, _), (log_low, log_high) = panel.loss_plot.viewRange()
    initial = np.log10(panel._frame.runs[0].state.train_loss)
    assert log_low < initial < log_high and log_high - log_low > 1, "a readable loss axis"


def test_a_new_learning_rate_while_paused_waits_for_resume(qtbot, panel):
    set_value(panel, "stepsSpin", MAX_TRAINING_STEPS)
    find(panel, QtWidgets.QPushButton, "trainButton").click()
    qtbot.waitUntil(lambda: panel._frame is not None and panel._frame.runs[0].state.step > 0)
    with qtbot.waitSignal(panel.runner.pausedAt, timeout=10_000):
        find(panel, QtWidgets.QPushButton, "pauseButton").click()
    paused_at = panel.job.sessions[0].step_count
    with qtbot.waitSignal(panel.runner.pausedAt, timeout=10_000):
        set_value(panel, "mlpLrSpin", 0.05)
    assert panel.job.sessions[0].lr == 0.05
    assert panel.job.sessions[0].step_count == paused_at and panel.runner.is_paused()
    find(panel, QtWidgets.QPushButton, "stopButton").click()


def test_compare_rates_beyond_float32_are_refused_and_the_runs_go_on(qtbot, panel):
    find(panel, QtWidgets.QCheckBox, "compareCheck").setChecked(True)
    set_value(panel, "stepsSpin", MAX_TRAINING_STEPS)
    job = panel.job
    find(panel, QtWidgets.QPushButton, "trainButton").click()
    edit = find(panel, QtWidgets.QLineEdit, "compareLrsEdit")
    edit.setText("0.1, 1, 1e300")
    edit.editingFinished.emit()
    assert "float32, which stops at 3.4e38" in message(panel) and "\n" not in message(panel)
    assert panel.job is job and panel.runner.is_running(), "the runs in progress go on"
    assert [s.config.lr for s in job.sessions] == [0.1, 1.0, 6.0, 10.0]
    find(panel, QtWidgets.QPushButton, "stopButton").click()


def test_show_code_in_compare_mode_exports_the_shown_runs_rate(qtbot, panel):
    find(panel, QtWidgets.QCheckBox, "compareCheck").setChecked(True)
    find(panel, RunBadge, "runBadgeFrame2").click()
    find(panel, QtWidgets.QPushButton, "showCodeButton").click()
    code = panel.code_dialog.code().replace(" ", "")
    assert "lr=6.0" in code and "lr=1.0" not in code, "run 2 is η = 6; the slider's 1 is unused"
    panel.code_dialog.close()


def test_control_buttons_say_words_beside_style_icons(qtbot, panel):
    names = ["trainButton", "pauseButton", "stepButton", "stopButton", "resetButton"]
    buttons = [find(panel, QtWidgets.QPushButton, name) for name in names]
    assert [b.text() for b in buttons] == ["Train", "Pause", "Step", "Stop", "Restart"]
    assert not any(b.icon().isNull() for b in buttons)
    set_value(panel, "stepsSpin", MAX_TRAINING_STEPS)
    with qtbot.waitSignal(panel.runner.pausedAt, timeout=10_000):
        buttons[0].click()
        buttons[1].click()
    assert buttons[1].text() == "Resume" and not buttons[1].icon().isNull()
    buttons[3].click()


def badge_texts(panel) -> list[str]:
    return [find(panel, QtWidgets.QLabel, f"runBadge{i}").text() for i in range(4)]


@pytest.mark.parametrize("typed", ["0.1 2 6 10", "0.1;2; 6,10", "0.1, 2 ,6  10"])
def test_compare_rates_may_be_separated_by_spaces_commas_or_semicolons(panel, typed):
    """As on the command line (`--lr 0.1 1 6 10`)."""
    find(panel, QtWidgets.QCheckBox, "compareCheck").setChecked(True)
    edit = find(panel, QtWidgets.QLineEdit, "compareLrsEdit")
    edit.setText(typed)
    edit.editingFinished.emit()
    assert [s.config.lr for s in panel.job.sessions] == [0.1, 2.0, 6.0, 10.0], status(panel)
    assert badge_texts(panel)[1] == "η = 2"


def test_a_refused_compare_text_keeps_the_runs_on_screen_for_train_step_and_show_code(qtbot, panel):
    """The badges, the plots and the job stay those of the last rates training accepted."""
    find(panel, QtWidgets.QCheckBox, "compareCheck").setChecked(True)
    set_value(panel, "stepsSpin", 30)
    train_to_end(qtbot, panel)
    job = panel.job
    verdicts = badge_texts(panel)
    edit = find(panel, QtWidgets.QLineEdit, "compareLrsEdit")
    edit.setText("0.1, fast")
    edit.editingFinished.emit()
    refusal = "'0.1, fast'; the previous rates 0.1, 1, 6, 10 stay in use"
    assert refusal in message(panel)
    for button in ("trainButton", "stepButton"):
        find(panel, QtWidgets.QPushButton, button).click()
        assert refusal in message(panel)
        assert panel.job is job and not panel.runner.is_running(), f"{button} kept the runs"
    assert badge_texts(panel) == verdicts
    find(panel, RunBadge, "runBadgeFrame2").click()
    find(panel, QtWidgets.QPushButton, "showCodeButton").click()
    assert panel.code_dialog is not None, message(panel)
    assert "lr=6.0" in panel.code_dialog.code().replace(" ", "")
    panel.code_dialog.close()


def test_a_long_message_wraps_and_leaves_the_metrics_line_whole_at_1280_px(
    qtbot, window, window_panel
):
    """A long error once pushed "val loss" and "accuracy" off the right edge: it now has its
    own line above the header, wrapped, and the metrics line stays whole."""
    panel = window_panel
    window.resize(1280, 800)
    find(panel, QtWidgets.QCheckBox, "compareCheck").setChecked(True)
    edit = find(panel, QtWidgets.QLineEdit, "compareLrsEdit")
    edit.setText("1e300")
    edit.editingFinished.emit()
    error = find(panel, QtWidgets.QLabel, "ratesError")
    metrics = find(panel, QtWidgets.QLabel, "metricsLabel")
    assert "val loss" in metrics.text() and len(error.text()) > 100
    for _ in range(3):  # lay out now what the new text asked for (nested layouts: passes)
        QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.LayoutRequest)
    assert metrics.width() >= metrics.sizeHint().width(), "the metrics text is cut"
    assert error.height() >= error.heightForWidth(error.width()), "the message is cut"
    for label in (error, metrics):
        right = label.mapTo(window, QtCore.QPoint(label.width(), 0)).x()
        assert right <= window.width(), f"{label.objectName()} runs off the window"


def choose_optimizer(panel, key: str) -> QtWidgets.QComboBox:
    combo = find(panel, QtWidgets.QComboBox, "optimizerCombo")
    combo.setCurrentIndex(combo.findData(key))
    return combo


def type_rates(panel, text: str) -> None:
    edit = find(panel, QtWidgets.QLineEdit, "compareLrsEdit")
    edit.setText(text)
    edit.editingFinished.emit()


def run_settings(panel) -> list[tuple[str, float]]:
    return [(s.config.optimizer, s.config.lr) for s in panel.job.sessions]


def assert_refusal_outlives_a_frame(qtbot, panel, refusal: str) -> None:
    """The live status, redrawn many times a second, must not wipe the message at once."""
    with qtbot.waitSignal(panel.runner.progress, timeout=10_000):
        pass
    panel._redraw()
    assert refusal in message(panel) and "\n" not in message(panel)


@pytest.mark.parametrize("training", [False, True])
@pytest.mark.parametrize("optimizer", ["adam", "adamw"])
def test_an_optimizer_too_weak_for_a_compare_rate_is_refused_and_the_combo_goes_back(
    qtbot, panel, training, optimizer
):
    """Gradient descent trains at η = 3e38; Adam's first step (η / (1 - β1)) overflows
    float32. Switching used to stop the runs with a ConfigError (or raise in the slot)."""
    find(panel, QtWidgets.QCheckBox, "compareCheck").setChecked(True)
    set_value(panel, "stepsSpin", MAX_TRAINING_STEPS)
    type_rates(panel, "1e38, 3e38")
    job = panel.job
    if training:
        find(panel, QtWidgets.QPushButton, "trainButton").click()
    combo = choose_optimizer(panel, optimizer)
    assert "too large for Adam" in message(panel) and "settings in use stay" in message(panel)
    assert combo.currentData() == "gd", "the combo shows the optimizer in use"
    assert panel.job is job and panel.runner.is_running() == training
    if training:
        assert_refusal_outlives_a_frame(qtbot, panel, "too large for Adam")
        find(panel, QtWidgets.QPushButton, "stopButton").click()
    assert run_settings(panel) == [("gd", 1e38), ("gd", 3e38)]


def test_an_optimizer_refused_at_one_compare_rate_changes_no_run(panel):
    """All runs or none: 0.1 allows Adam, 1e38 does not, so both stay on gradient descent."""
    find(panel, QtWidgets.QCheckBox, "compareCheck").setChecked(True)
    type_rates(panel, "0.1, 1e38")
    assert choose_optimizer(panel, "adam").currentData() == "gd"
    assert run_settings(panel) == [("gd", 0.1), ("gd", 1e38)]
    assert "too large for Adam" in message(panel)


def test_compare_rates_too_large_for_the_optimizer_in_use_leave_the_runs_going(qtbot, panel):
    choose_optimizer(panel, "adam")
    find(panel, QtWidgets.QCheckBox, "compareCheck").setChecked(True)
    set_value(panel, "stepsSpin", MAX_TRAINING_STEPS)
    type_rates(panel, "0.1, 1")
    job = panel.job
    find(panel, QtWidgets.QPushButton, "trainButton").click()
    type_rates(panel, "0.1, 1e38")
    assert panel.job is job and panel.runner.is_running(), "the runs in progress go on"
    assert_refusal_outlives_a_frame(qtbot, panel, "the previous rates 0.1, 1 stay in use")
    find(panel, QtWidgets.QPushButton, "stopButton").click()
    assert run_settings(panel) == [("adam", 0.1), ("adam", 1.0)]
    assert find(panel, QtWidgets.QPushButton, "trainButton").isEnabled()


def point_groups(scatter) -> list[tuple[int, str]]:
    return [(len(child.data), child.opts["brush"].color().name()) for child in scatter.childItems()]


def test_the_data_is_drawn_one_scatter_per_class_not_one_brush_per_point(panel):
    """A brush object per point froze the GUI thread for ~16 s on a 100,000-row CSV."""
    choose_dataset(panel, "blobs")
    data = panel.dataset
    for scatter, labels in ((panel.train_scatter, data.y_train), (panel.val_scatter, data.y_val)):
        counts = np.bincount(labels.numpy().reshape(-1).astype(int), minlength=3)
        assert point_groups(scatter) == [
            (counts[k], QtGui.QColor(class_color(k)).name()) for k in range(3)
        ]
        assert len(scatter.data) == 0, "no points of its own, one brush per class"


def test_regression_targets_are_drawn_in_a_few_shades_not_one_brush_per_point(panel):
    choose_dataset(panel, "bumps")
    groups = point_groups(panel.train_scatter)
    assert 1 < len(groups) <= 32 < len(panel.dataset.x_train)
    assert sum(n for n, _ in groups) == len(panel.dataset.x_train)
    choose_dataset(panel, "sine")
    assert point_groups(panel.train_scatter) == [], "1D data: one item, one grey brush"
    assert len(panel.train_scatter.data) == len(panel.dataset.x_train)


def test_five_run_badges_at_1112_px_name_each_run_and_its_verdict(qtbot, window, window_panel):
    """Two rows of three columns, each badge one line: 'η = 1: converged in 632 steps' was cut
    to '… 632 ste'; where it does not fit, the rate and the regime's word stay ('η = 1:
    converged'), the whole verdict in the tooltip."""
    panel = window_panel
    window.resize(1112, 800)
    find(panel, QtWidgets.QCheckBox, "compareCheck").setChecked(True)
    type_rates(panel, "0.1, 1, 3, 6, 10")
    train_to_end(qtbot, panel)
    for _ in range(3):  # lay out now what the new texts asked for (nested layouts: passes)
        QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.LayoutRequest)
    for index, verdict in enumerate(panel.run_verdicts()):
        label = find(panel, QtWidgets.QLabel, f"runBadge{index}")
        rate = f"{panel.job.sessions[index].config.lr:g}"
        whole = f"η = {rate}: {verdict_text(verdict)}"
        assert label.text().endswith((whole, f"η = {rate}: {verdict.regime.value}")), label.text()
        assert whole in label.toolTip()
        assert text_fits(label), f"{label.text()!r} is cut"


def text_fits(label: QtWidgets.QLabel) -> bool:
    """Whether the label's bold text (a verdict badge's style), wrapped if the label wraps,
    fits in its contents rectangle (inside the style sheet's padding)."""
    bold = QtGui.QFont(label.font())
    bold.setBold(True)
    room = label.contentsRect()
    wrap = QtCore.Qt.TextFlag.TextWordWrap if label.wordWrap() else QtCore.Qt.TextFlag(0)
    needed = QtGui.QFontMetrics(bold).boundingRect(
        QtCore.QRect(0, 0, room.width(), 10_000), int(wrap), label.text()
    )
    return needed.width() <= room.width() and needed.height() <= room.height()


def test_compare_mode_falls_back_to_the_default_rates_when_neither_typed_nor_last_suit(panel):
    """1e38 trained with gradient descent; compare off, Adam chosen, compare on again: neither
    the field's rates nor the last ones suit Adam, so the lecture's defaults run, not nothing."""
    compare = find(panel, QtWidgets.QCheckBox, "compareCheck")
    compare.setChecked(True)
    type_rates(panel, "1e38, 3e38")
    compare.setChecked(False)
    choose_optimizer(panel, "adam")
    compare.setChecked(True)
    assert panel.job is not None, "compare mode must leave runs to train"
    assert run_settings(panel) == [("adam", 0.1), ("adam", 1.0), ("adam", 6.0), ("adam", 10.0)]
    assert "too large for Adam" in message(panel)
    assert find(panel, QtWidgets.QPushButton, "trainButton").isEnabled()


def test_reset_and_a_new_layer_keep_the_drawn_points_of_an_unchanged_dataset(panel, monkeypatch):
    """Redrawing a 100,000-row CSV's points on every Reset froze the window for about 1 s."""
    calls = []
    original = pg.ScatterPlotItem.setData

    def counted(item, *args, **kwargs):
        calls.append(item)
        return original(item, *args, **kwargs)

    monkeypatch.setattr(pg.ScatterPlotItem, "setData", counted)
    find(panel, QtWidgets.QPushButton, "resetButton").click()
    find(panel, QtWidgets.QPushButton, "addLayerButton").click()
    assert calls == []
    choose_dataset(panel, "moons")
    assert calls, "a new dataset is drawn"


def hyper_item(panel, name: str):
    """The optimizer form's row for hyper-parameter `name`, as the user edits it."""
    tree = find(panel, QtWidgets.QTreeWidget, "optimizerParameters")
    items = [item for item in tree.listAllItems() if getattr(item, "param", None) is not None]
    (item,) = [item for item in items if item.param.name() == name]
    return item


def test_the_optimizer_form_offers_every_hyper_parameter_and_reaches_the_runs(panel):
    """The network panel once had loose spin boxes for some optimizers' settings only."""
    choose_optimizer(panel, "adam")
    tree = find(panel, QtWidgets.QTreeWidget, "optimizerParameters")
    assert tree.isVisible()
    hyper_item(panel, "beta1").param.setValue(0.5)
    config = panel.job.sessions[0].config
    assert config.optimizer == "adam" and config.hyper["beta1"] == 0.5
    assert panel.state().training.hyper["beta1"] == 0.5


def test_state_round_trips_through_the_panel(panel):
    state = NetworkState(
        dataset=DatasetParams(name="xor", n=300, noise=0.2, seed=3),
        network=NetworkSpec(hidden=((4, "tanh"), (3, "relu")), seed=7),
        training=TrainingConfig(
            optimizer="adam", lr=0.05, hyper={"beta1": 0.5}, batch_size=16, steps=40, seed=7
        ),
        compare=True,
        compare_lrs=(0.01, 0.1, 1.0),
        selected=2,
    )
    panel.set_state(state)
    assert panel.state() == state
    assert [s.config.lr for s in panel.job.sessions] == [0.01, 0.1, 1.0]
    assert panel.job.sessions[0].config.hyper["beta1"] == 0.5
    assert panel.job.sessions[0].spec.widths == (2, 4, 3, 1)
    assert find(panel, RunBadge, "runBadgeFrame2").is_shown()
    assert find(panel, QtWidgets.QLabel, "paramCountLabel").text() == "31 parameters"  # 12 + 15 + 4


def test_a_state_the_controls_cannot_show_changes_nothing_and_says_why(panel):
    before = panel.state()
    panel.set_state(NetworkState(training=TrainingConfig(lr=1e3)))
    assert "State not shown: learning rate 1000 lies outside" in message(panel)
    assert panel.state() == before


def test_paused_header_follows_the_chosen_run(qtbot, panel):
    """A diverged run stops counting steps; the header speaks for the run on display."""
    choose_dataset(panel, "sine")  # a regression: a large rate blows the loss up
    find(panel, QtWidgets.QCheckBox, "compareCheck").setChecked(True)
    type_rates(panel, "0.01, 3")
    set_value(panel, "stepsSpin", MAX_TRAINING_STEPS)
    find(panel, QtWidgets.QPushButton, "trainButton").click()
    qtbot.waitUntil(lambda: panel._frame.runs[1].state.diverged_at is not None, timeout=10_000)
    find(panel, RunBadge, "runBadgeFrame1").click()
    qtbot.waitUntil(lambda: panel._frame.shown == 1, timeout=5_000)
    with qtbot.waitSignal(panel.runner.pausedAt, timeout=10_000):
        find(panel, QtWidgets.QPushButton, "pauseButton").click()
    diverged = panel._frame.runs[1].state.step
    assert diverged < panel._frame.runs[0].state.step
    assert status(panel) == f"paused at step {diverged}"
    with qtbot.waitSignal(panel.runner.pausedAt, timeout=10_000) as chosen:
        find(panel, RunBadge, "runBadgeFrame0").click()
    shown = chosen.args[0].runs[0].state
    metrics = find(panel, QtWidgets.QLabel, "metricsLabel").text()
    assert metrics == metrics_text(shown), "the header must give the chosen run's numbers at once"
    find(panel, QtWidgets.QPushButton, "stopButton").click()


def test_live_frames_redraw_the_slow_views_only_when_new_and_the_last_is_the_whole_run(
    qtbot, panel
):
    """While training runs the decision map and the diagram are redrawn only with new ones
    (their cost is budgeted); the finished run's last frame is computed whole and is the
    same run trained headless."""
    from gdsim.core.training import TrainingSession

    choose_dataset(panel, "gaussians")
    set_value(panel, "stepsSpin", 300)
    drawn = []
    panel.presenter.frameReady.connect(lambda frame, detail: drawn.append((frame, detail)))
    train_to_end(qtbot, panel)
    qtbot.waitUntil(lambda: drawn and drawn[-1][0].runs[0].state.step == 300)
    detailed = [id(frame.prediction) for frame, detail in drawn if detail]
    assert len(detailed) == len(set(detailed)), "a map already on screen is not drawn again"
    last, detail = drawn[-1]
    assert detail
    trained = panel.job.sessions[0]
    headless = TrainingSession(trained.spec, trained.dataset, trained.config)
    headless.run()
    assert last.runs[0].state == headless.snapshot()
    (x0, x1), (y0, y1) = trained.dataset.input_range
    grid = np.linspace(x0, x1, GRID_POINTS), np.linspace(y0, y1, GRID_POINTS)
    np.testing.assert_array_equal(last.prediction, headless.predict_grid(*grid))
