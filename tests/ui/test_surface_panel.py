"""The surface explorer driven as a teacher would: through objectNames and widget methods."""

import math
from dataclasses import replace

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.core.limits import MAX_RUNS
from gdsim.core.presets import Preset, PresetError
from gdsim.core.simulate import RunSpec
from gdsim.core.state import SurfaceState
from gdsim.core.surfaces import parse_point
from gdsim.ui.panels import surface_panel as surface_panel_module
from gdsim.ui.presenters import surface as surface_presenter
from gdsim.ui.widgets.log_slider import LogSlider
from gdsim.ui.widgets.loss_plot import LossPlot, Series
from gdsim.ui.widgets.verdict_badge import verdict_text


@pytest.fixture
def panel(surface_panel):
    """The panel alone; the few tests about the window's own size take ``window`` instead."""
    return surface_panel


def find(panel, kind, name):
    widget = panel.findChild(kind, name)
    assert widget is not None, f"no {kind.__name__} named {name}"
    return widget


def choose_surface(panel, qtbot, name):
    combo = find(panel, QtWidgets.QComboBox, "surfaceCombo")
    combo.setCurrentIndex(combo.findData(name, QtCore.Qt.ItemDataRole.UserRole))
    qtbot.waitUntil(lambda: panel.surface().name == name and panel.result() is not None)
    qtbot.waitUntil(lambda: panel.result().points.shape[2] == panel.surface().dim)


def set_lr(panel, lr):
    find(panel, QtWidgets.QDoubleSpinBox, "lrSpin").setValue(lr)


def badge(panel):
    return find(panel, QtWidgets.QLabel, "regimeLabel")


def test_opens_on_the_parabola_lecture_with_a_verdict(panel, qtbot):
    assert panel.surface().name == "parabola"
    assert find(panel, QtWidgets.QDoubleSpinBox, "lrSpin").value() == pytest.approx(0.2)
    qtbot.waitUntil(lambda: "converged" in badge(panel).text())
    for name in ("surfacePlot", "lossPlot"):
        assert panel.findChild(QtWidgets.QWidget, name) is not None
    for name in ("playButton", "stepButton", "resetButton"):
        assert find(panel, QtWidgets.QPushButton, name).isVisible()


@pytest.mark.parametrize(
    ("lr", "word"),
    [(0.01, "slow"), (0.2, "converged"), (0.8, "oscillating"), (1.1, "diverged")],
)
def test_lecture_verdicts_through_the_spin_box(panel, qtbot, lr, word):
    set_lr(panel, lr)
    qtbot.waitUntil(lambda: word in badge(panel).text())


def test_surface_combo_is_grouped_and_switches_between_1d_and_2d(panel, qtbot):
    combo = find(panel, QtWidgets.QComboBox, "surfaceCombo")
    headers = [combo.itemText(i) for i in range(combo.count()) if combo.itemData(i, 256) is None]
    assert len(headers) == 2 and "1D" in headers[0] and "2D" in headers[1]
    choose_surface(panel, qtbot, "rosenbrock")
    assert panel.view.image.isVisible() and panel.view.color_bar.isVisible()
    assert panel.view.contours.getData()[0].size > 100
    assert np.isnan(panel.view.contours.getData()[0]).any()  # one NaN-separated line item
    view_x, view_y = panel.view.view_box.viewRange()
    assert view_x == pytest.approx([-2.0, 2.0]) and view_y == pytest.approx([-1.0, 3.0])
    choose_surface(panel, qtbot, "double_well")
    assert not panel.view.image.isVisible()
    assert panel.view.curve.getData()[0].size > 100


def test_a_typed_formula_becomes_the_surface_on_enter(panel, qtbot):
    edit = find(panel, QtWidgets.QLineEdit, "expressionEdit")
    edit.setText("x**2 + 3*y**2")
    qtbot.keyClick(edit, QtCore.Qt.Key.Key_Return)
    label = find(panel, QtWidgets.QLabel, "thresholdLabel")
    qtbot.waitUntil(lambda: "λmax = 6" in label.text())
    assert panel.surface().dim == 2


def test_a_found_minimum_is_shown_without_rounding_noise(panel, qtbot):
    """BFGS stops a few 1e-16 off the origin; the label says (0, 0), not (-2.22e-16, ...)."""
    edit = find(panel, QtWidgets.QLineEdit, "expressionEdit")
    edit.setText("x**2 + y**2")
    qtbot.keyClick(edit, QtCore.Qt.Key.Key_Return)
    label = find(panel, QtWidgets.QLabel, "thresholdLabel")
    qtbot.waitUntil(lambda: "(x, y)*" in label.text())
    assert "λmax = 2 at (x, y)* = (0, 0) " in label.text()


def test_a_bad_formula_shows_its_message_and_keeps_the_surface(panel, qtbot):
    qtbot.waitUntil(lambda: panel.result() is not None)
    curve_before = panel.view.curve.getData()[1].copy()
    edit = find(panel, QtWidgets.QLineEdit, "expressionEdit")
    edit.setText("x**2 + import")
    qtbot.keyClick(edit, QtCore.Qt.Key.Key_Return)
    message = find(panel, QtWidgets.QLabel, "expressionError")
    qtbot.waitUntil(message.isVisible)
    assert message.text() and "\n" not in message.text()
    assert panel.surface().name == "parabola"
    assert np.array_equal(panel.view.curve.getData()[1], curve_before)
    edit.setText("w**2 + 1")
    qtbot.keyClick(edit, QtCore.Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not message.isVisible())


def test_slider_and_spin_stay_in_sync(panel, qtbot):
    slider = find(panel, QtWidgets.QSlider, "lrSlider")
    spin = find(panel, QtWidgets.QDoubleSpinBox, "lrSpin")
    spin.setValue(0.05)
    assert slider.value() == panel.lr_slider._position_of(0.05)
    slider.setValue(panel.lr_slider._position_of(1.0))
    assert spin.value() == pytest.approx(1.0)
    qtbot.waitUntil(lambda: panel.runs()[0].lr == pytest.approx(1.0))


def test_threshold_marks_sit_at_half_and_one_on_the_parabola(panel):
    slider = panel.findChild(LogSlider)
    assert sorted(m.value for m in slider.marks()) == pytest.approx([0.5, 1.0])
    assert [m.label for m in slider.marks()] == ["1/λ", "2/λ"]
    text = find(panel, QtWidgets.QLabel, "thresholdLabel").text()
    assert "λmax = 2" in text and "1/λ = 0.5" in text and "2/λ = 1" in text


def test_threshold_labels_close_together_are_set_apart_within_the_slider():
    """1/λ and 2/λ an octave apart on a narrow slider printed over each other as "1/2/λ"."""
    from gdsim.ui.widgets.log_slider import LABEL_GAP, label_lefts

    widths = [30, 30]
    for centres in ([100, 110], [380, 395], [2, 6]):
        first, second = label_lefts(centres, widths, 400)
        assert second >= first + widths[0] + LABEL_GAP
        assert first >= 0 and second + widths[1] <= 400
    assert label_lefts([100, 300], widths, 400) == [85, 285]  # room: centred under the marks


def test_threshold_marks_move_with_kappa(panel, qtbot):
    choose_surface(panel, qtbot, "ill_conditioned")
    kappa = find(panel, QtWidgets.QDoubleSpinBox, "kappaSpin")
    assert kappa.isVisible()
    kappa.setValue(25.0)
    qtbot.waitUntil(lambda: min(m.value for m in panel.lr_slider.marks()) == pytest.approx(0.04))
    assert max(m.value for m in panel.lr_slider.marks()) == pytest.approx(0.08)


def test_momentum_adds_its_stability_limit(panel, qtbot):
    combo = find(panel, QtWidgets.QComboBox, "optimizerCombo")
    combo.setCurrentIndex(combo.findData("momentum"))
    qtbot.waitUntil(lambda: len(panel.lr_slider.marks()) == 3)
    assert max(m.value for m in panel.lr_slider.marks()) == pytest.approx(2 * 1.9 / 2)
    assert panel.runs()[0].optimizer == "momentum"


def test_no_minimum_means_no_critical_step_size(panel, qtbot):
    choose_surface(panel, qtbot, "saddle")
    assert panel.lr_slider.marks() == []
    label = find(panel, QtWidgets.QLabel, "thresholdLabel")
    assert label.text() == "no minimum found: no critical step size"


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("flat_then_steep", "λmax = 0 at w* = 0"),
        ("ackley", "curvature undefined at (x, y)* = (0, 0)"),
    ],
)
def test_a_known_minimum_without_usable_curvature_is_not_called_missing(panel, qtbot, name, words):
    """w**4 has a drawn minimum with zero curvature, Ackley a cusp at its minimum: the label
    must say why there is no critical step size, not that there is no minimum."""
    choose_surface(panel, qtbot, name)
    label = find(panel, QtWidgets.QLabel, "thresholdLabel")
    qtbot.waitUntil(lambda: "no critical step size" in label.text())
    assert words in label.text() and "no minimum found" not in label.text()
    assert panel.lr_slider.marks() == []


def test_lecture_preset_compares_four_runs_with_their_verdicts(panel, qtbot):
    combo = find(panel, QtWidgets.QComboBox, "presetCombo")
    combo.setCurrentIndex(1)
    loss_plot = panel.findChild(QtWidgets.QWidget, "lossPlot")
    qtbot.waitUntil(lambda: loss_plot.curve_count() == 4)
    table = find(panel, QtWidgets.QTableWidget, "runsTable")
    assert table.isVisible() and table.rowCount() == 4
    verdicts = [table.cellWidget(row, 3).text() for row in range(4)]
    for text, word in zip(verdicts, ["slow", "converged", "oscillating", "diverged"], strict=True):
        assert word in text
    assert "slow" in badge(panel).text()


def test_in_compare_mode_the_slider_drives_the_selected_run(panel, qtbot):
    find(panel, QtWidgets.QCheckBox, "compareCheck").setChecked(True)
    find(panel, QtWidgets.QPushButton, "addRunButton").click()
    qtbot.waitUntil(lambda: panel.result() is not None and len(panel.result()) == 2)
    assert [run.lr for run in panel.runs()] == pytest.approx([0.2, 0.4])
    set_lr(panel, 1.1)
    qtbot.waitUntil(lambda: "diverged" in panel.runs_table.cellWidget(1, 3).text())
    assert "η = 1.1: diverged" in badge(panel).text()  # the badge describes the selected run
    find(panel, QtWidgets.QTableWidget, "runsTable").selectRow(0)
    assert find(panel, QtWidgets.QDoubleSpinBox, "lrSpin").value() == pytest.approx(0.2)
    find(panel, QtWidgets.QPushButton, "removeRunButton").click()
    qtbot.waitUntil(lambda: len(panel.result()) == 1)
    assert panel.runs()[0].lr == pytest.approx(1.1)


def test_playback_steps_one_iterate_and_resets(panel, qtbot):
    qtbot.waitUntil(lambda: panel.result() is not None)
    step = find(panel, QtWidgets.QPushButton, "stepButton")
    step.click()
    step.click()
    assert panel.playback.position() == 2
    assert panel.view.drawn_count(0) == 3
    run = panel.result().run(0)
    tangent_x, _ = panel.view.tangent.getData()
    assert tangent_x.mean() == pytest.approx(run.points[2, 0])
    find(panel, QtWidgets.QPushButton, "resetButton").click()
    assert panel.playback.position() == 0
    assert panel.view.drawn_count(0) == 1


def test_play_animates_until_the_last_iterate(panel, qtbot):
    panel.steps_spin.setValue(5)
    qtbot.waitUntil(lambda: panel.result() is not None and panel.result().n_steps == 5)
    panel.playback.speed_combo.setCurrentIndex(panel.playback.speed_combo.count() - 1)
    find(panel, QtWidgets.QPushButton, "playButton").click()
    assert panel.playback.is_playing()
    qtbot.waitUntil(lambda: panel.playback.position() == 5 and not panel.playback.is_playing())


def test_clicking_the_plot_sets_the_start(panel, qtbot):
    qtbot.waitUntil(lambda: panel.result() is not None)
    panel.view.startPicked.emit(-2.5, 0.0)
    qtbot.waitUntil(lambda: panel.result().points[0, 0, 0] == pytest.approx(-2.5))
    assert panel.runs()[0].start == (-2.5,)


def test_a_real_mouse_click_on_a_2d_surface_moves_the_start(panel, qtbot):
    choose_surface(panel, qtbot, "bowl")
    view_box = panel.view.view_box
    scene_point = view_box.mapViewToScene(QtCore.QPointF(1.0, -2.0))
    widget_point = panel.view.plot.mapFromScene(scene_point)
    qtbot.mouseClick(panel.view.plot.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=widget_point)
    qtbot.waitUntil(lambda: panel.runs()[0].start is not None)
    assert panel.runs()[0].start == pytest.approx((1.0, -2.0), abs=0.1)


def test_a_diverged_run_is_drawn_only_inside_the_domain(panel, qtbot):
    set_lr(panel, 1.1)
    qtbot.waitUntil(lambda: "diverged" in badge(panel).text())
    run = panel.result().run(0)
    drawn = panel.view.drawn_count(0)
    assert drawn < len(run.points)
    inside = np.abs(run.points[: drawn - 1, 0]) <= 4.0
    assert inside.all() and abs(run.points[drawn - 1, 0]) > 4.0
    view_x, _ = panel.view.view_box.viewRange()
    assert view_x == pytest.approx([-4.0, 4.0])


def test_the_cursor_reports_loss_and_gradient(panel, qtbot):
    with qtbot.waitSignal(panel.cursorInfo) as signal:
        panel.view.hovered.emit(1.5, 0.0)
    assert signal.args[0] == "w = 1.5   f = 2.25   |∇f| = 3"


def test_long_runs_go_to_a_worker_and_still_give_a_verdict(panel, qtbot):
    panel.steps_spin.setValue(20_000)
    qtbot.waitUntil(lambda: panel.result() is not None and panel.result().n_steps == 20_000)
    assert "converged" in badge(panel).text()


def test_space_toggles_play(panel, qtbot):
    panel.playback.reset()
    panel.view.plot.setFocus()
    qtbot.keyClick(panel.view.plot, QtCore.Qt.Key.Key_Space)
    assert panel.playback.is_playing()
    qtbot.keyClick(panel.view.plot, QtCore.Qt.Key.Key_Space)
    assert not panel.playback.is_playing()


def type_formula(panel, qtbot, text):
    edit = find(panel, QtWidgets.QLineEdit, "expressionEdit")
    edit.setText(text)
    qtbot.keyClick(edit, QtCore.Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.surface().expression == text and panel.result() is not None)


@pytest.mark.parametrize(
    "formula", ["1e308*w*w", "tan(w)*1e308", "relu(w)*1e308", "tan(x)*1e308 + y", "5e-324*w"]
)
def test_huge_or_subnormal_values_are_drawn_with_their_own_verdict(panel, qtbot, formula):
    qtbot.waitUntil(lambda: panel.result() is not None)
    type_formula(panel, qtbot, formula)
    panel.grab()  # axes paint now: pytest-qt fails the test on an exception in paintEvent
    assert find(panel, QtWidgets.QLabel, "descriptionLabel").text() == "Your own formula."
    assert badge(panel).text().endswith(verdict_text(panel.verdicts()[0]))
    for low, high in panel.view.view_box.viewRange():
        assert np.isfinite(high - low) and high > low


@pytest.mark.parametrize("log", [True, False])
def test_losses_of_1e308_get_a_finite_loss_axis(qtbot, log):
    plot = LossPlot(log=log)
    qtbot.addWidget(plot)
    steps = np.arange(3.0)
    plot.set_series([Series("a", steps, np.array([1e308, -1e308, 5e-324]), "#000000")])
    plot.grab()
    low, high = plot.getViewBox().viewRange()[1]
    assert np.isfinite(high - low) and high > low


def test_choosing_a_2d_surface_while_a_1d_demo_plays_keeps_playing_it(panel, qtbot):
    qtbot.waitUntil(lambda: panel.result() is not None)
    find(panel, QtWidgets.QPushButton, "playButton").click()
    choose_surface(panel, qtbot, "bowl")
    panel.grab()
    type_formula(panel, qtbot, "w**2 - w")
    panel.grab()
    assert panel.result().points.shape[2] == 1


def test_the_header_badge_follows_the_selected_run(panel, qtbot):
    find(panel, QtWidgets.QCheckBox, "compareCheck").setChecked(True)
    find(panel, QtWidgets.QPushButton, "addRunButton").click()
    set_lr(panel, 1.1)
    qtbot.waitUntil(lambda: "η = 1.1: diverged" in badge(panel).text())
    find(panel, QtWidgets.QTableWidget, "runsTable").selectRow(0)
    qtbot.waitUntil(lambda: "η = 0.2: converged" in badge(panel).text())


def test_switching_to_rosenbrock_tames_a_step_size_that_would_diverge_and_says_so(panel, qtbot):
    choose_surface(panel, qtbot, "rosenbrock")
    label = find(panel, QtWidgets.QLabel, "thresholdLabel")
    note = "η set to 0.000998 = 1/λ at (x, y)* = (1, 1): 0.2 diverges on Rosenbrock"
    qtbot.waitUntil(lambda: note in label.text())
    assert find(panel, QtWidgets.QDoubleSpinBox, "lrSpin").value() == pytest.approx(0.000998)
    assert "diverged" not in badge(panel).text()
    set_lr(panel, 0.0005)
    qtbot.waitUntil(lambda: "η set to" not in label.text())


def test_a_preset_keeps_its_own_step_sizes(panel, qtbot):
    combo = find(panel, QtWidgets.QComboBox, "presetCombo")
    combo.setCurrentIndex(1)
    qtbot.waitUntil(lambda: panel.result() is not None and len(panel.result()) == 4)
    assert [run.lr for run in panel.runs()] == pytest.approx([0.01, 0.2, 0.8, 1.1])
    assert "η set to" not in find(panel, QtWidgets.QLabel, "thresholdLabel").text()


@pytest.mark.parametrize("optimizer", ["adagrad", "rmsprop", "adam"])
def test_adaptive_optimizers_show_gd_thresholds_dimmed_with_a_note(panel, qtbot, optimizer):
    combo = find(panel, QtWidgets.QComboBox, "optimizerCombo")
    combo.setCurrentIndex(combo.findData(optimizer))
    label = find(panel, QtWidgets.QLabel, "thresholdLabel")
    qtbot.waitUntil(lambda: "plain gradient descent's limits (dimmed)" in label.text())
    assert {m.color for m in panel.lr_slider.marks()} == {"#b8b8b8"}
    combo.setCurrentIndex(combo.findData("gd"))
    qtbot.waitUntil(lambda: "dimmed" not in label.text())
    assert "#b8b8b8" not in {m.color for m in panel.lr_slider.marks()}


def test_a_start_typed_into_the_runs_table_moves_that_run(panel, qtbot):
    choose_surface(panel, qtbot, "bowl")
    find(panel, QtWidgets.QCheckBox, "compareCheck").setChecked(True)
    table = find(panel, QtWidgets.QTableWidget, "runsTable")
    assert table.item(0, 2).flags() & QtCore.Qt.ItemFlag.ItemIsEditable
    assert not table.item(0, 0).flags() & QtCore.Qt.ItemFlag.ItemIsEditable
    table.item(0, 2).setText("-1, 2")
    qtbot.waitUntil(lambda: panel.result().points[0, 0].tolist() == [-1.0, 2.0])
    assert panel.runs()[0].start == (-1.0, 2.0)
    qtbot.waitUntil(lambda: table.item(0, 2).text() == "(-1, 2)")


def test_a_bad_start_in_the_runs_table_says_why_and_keeps_the_old_one(panel, qtbot):
    qtbot.waitUntil(lambda: panel.result() is not None)
    find(panel, QtWidgets.QCheckBox, "compareCheck").setChecked(True)
    table = find(panel, QtWidgets.QTableWidget, "runsTable")
    table.item(0, 2).setText("1.5, oops")
    message = find(panel, QtWidgets.QLabel, "startError")
    qtbot.waitUntil(message.isVisible)
    assert "is not a point" in message.text() and "\n" not in message.text()
    qtbot.waitUntil(lambda: table.item(0, 2).text() == "(3)")
    assert panel.runs()[0].start is None
    table.item(0, 2).setText("1.5")
    qtbot.waitUntil(lambda: panel.result().points[0, 0, 0] == pytest.approx(1.5))


def test_double_well_thresholds_follow_the_minimum_the_run_settles_in(panel, qtbot):
    choose_surface(panel, qtbot, "double_well")
    label = find(panel, QtWidgets.QLabel, "thresholdLabel")
    set_lr(panel, 0.05)
    qtbot.waitUntil(lambda: "converged" in badge(panel).text())
    qtbot.waitUntil(lambda: "w* = 0.93 (the minimum this run settles in)" in label.text())
    assert "λmax = 6.38" in label.text()
    assert max(m.value for m in panel.lr_slider.marks()) == pytest.approx(2 / 6.38, rel=1e-2)
    panel.set_start((-1.5,))
    qtbot.waitUntil(lambda: "w* = -1.06" in label.text())
    assert "settles in" not in label.text()


def test_a_typed_double_well_shows_its_two_wells_by_default(panel, qtbot):
    type_formula(panel, qtbot, "w**4 - 3*w**2 + w")
    _, (low, high) = panel.view.view_box.viewRange()
    # wells at -3.51 (w = -1.30) and -1.07 (w = 1.13), the hump between at 0.08; the walls
    # reach 550 on the +-5 box: the wells must take a real share of the plot's height
    assert low < -3.51 and high > 0.08
    assert (0.08 - -3.51) / (high - low) > 0.1


def test_a_typed_double_well_gets_a_domain_and_the_view_follows(panel, qtbot):
    type_formula(panel, qtbot, "w**4 - 3*w**2 + w")
    edit = find(panel, QtWidgets.QLineEdit, "domainXEdit")
    assert edit.isVisible() and edit.text() == "-5, 5"
    assert not find(panel, QtWidgets.QLineEdit, "domainYEdit").isVisible()
    edit.setText("-2.5, 2.5")
    qtbot.keyClick(edit, QtCore.Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.surface().domain == ((-2.5, 2.5),))
    qtbot.waitUntil(lambda: panel.result() is not None)
    (view_x, view_y) = panel.view.view_box.viewRange()
    assert view_x == pytest.approx([-2.5, 2.5]) and view_y[1] - view_y[0] < 40
    assert panel.result().points[0, 0, 0] == pytest.approx(2.5)  # the start moved inside
    find(panel, QtWidgets.QPushButton, "resetViewButton").click()
    qtbot.waitUntil(lambda: panel.surface().domain == ((-5.0, 5.0),))
    assert edit.text() == "-5, 5"


def test_a_bad_domain_says_why_and_keeps_the_surface(panel, qtbot):
    type_formula(panel, qtbot, "x**2 + y**2")
    edit = find(panel, QtWidgets.QLineEdit, "domainYEdit")
    assert edit.isVisible()
    edit.setText("3, -3")
    qtbot.keyClick(edit, QtCore.Qt.Key.Key_Return)
    message = find(panel, QtWidgets.QLabel, "expressionError")
    assert message.isVisible() and "y must range" in message.text()
    assert panel.surface().domain == ((-5.0, 5.0), (-5.0, 5.0))


def test_a_named_surface_has_no_domain_fields(panel):
    assert not find(panel, QtWidgets.QLineEdit, "domainXEdit").isVisible()


def test_choosing_a_named_surface_clears_the_typed_formula(panel, qtbot):
    type_formula(panel, qtbot, "w**4 - w")
    choose_surface(panel, qtbot, "rosenbrock")
    assert find(panel, QtWidgets.QLineEdit, "expressionEdit").text() == ""


def zoom(panel, qtbot, factor):
    """What the mouse wheel does: scale the view about its centre, then the manual signal."""
    with qtbot.waitSignal(panel.view.viewZoomed):
        panel.view.view_box.scaleBy((factor, factor))
        panel.view.view_box.sigRangeChangedManually.emit([True, True])


def test_zooming_a_1d_curve_resamples_it_on_the_view_and_reset_view_undoes_it(panel, qtbot):
    qtbot.waitUntil(lambda: panel.result() is not None)
    zoom(panel, qtbot, 0.25)
    (x_low, x_high), _ = panel.view.view_ranges()
    assert x_high - x_low == pytest.approx(2.0)
    curve_x = panel.view.curve.getData()[0]
    assert curve_x[0] == pytest.approx(x_low) and curve_x[-1] == pytest.approx(x_high)
    assert panel.surface().domain == ((-4.0, 4.0),)  # looking closer changes no run
    find(panel, QtWidgets.QPushButton, "resetViewButton").click()
    assert panel.view.view_ranges()[0] == pytest.approx((-4.0, 4.0))
    assert panel.view.curve.getData()[0][0] == pytest.approx(-4.0)


def test_zooming_a_2d_surface_redraws_the_heat_map_over_the_view(panel, qtbot):
    choose_surface(panel, qtbot, "rosenbrock")
    zoom(panel, qtbot, 0.5)
    (x_low, x_high), (y_low, y_high) = panel.view.view_ranges()
    rect = panel.view.image.mapRectToParent(panel.view.image.boundingRect())
    assert rect.left() == pytest.approx(x_low) and rect.right() == pytest.approx(x_high)
    assert rect.top() == pytest.approx(y_low) and rect.bottom() == pytest.approx(y_high)


def shown_whole(label):
    """Whether the label's visible text fits inside it (bold, as the verdict style draws it)."""
    font = QtGui.QFont(label.font())
    font.setBold(True)
    return QtGui.QFontMetrics(font).horizontalAdvance(label.text()) + 16 <= label.width()


def narrow_nesterov_header(window, qtbot):
    """A long run name (a small η, Nesterov) in a narrow header badge. The header row stacks
    its widgets when the window is narrow, so even the narrowest window leaves the badge the
    room for this name: the badge is narrowed by hand, as a longer name would need."""
    panel = window.surface_panel
    choose_surface(panel, qtbot, "himmelblau")
    combo = find(panel, QtWidgets.QComboBox, "optimizerCombo")
    combo.setCurrentIndex(combo.findData("nesterov"))
    set_lr(panel, 0.000123)
    badge(panel).setMaximumWidth(300)
    qtbot.waitUntil(lambda: badge(panel).text().endswith(": slow"))
    return panel


def test_a_narrow_header_shortens_the_run_name_never_the_verdict(window, qtbot):
    panel = narrow_nesterov_header(window, qtbot)
    qtbot.waitUntil(lambda: shown_whole(badge(panel)))
    assert "η = 0.000123 Nesterov: slow" in badge(panel).toolTip()
    assert "nesterov momentum" not in badge(panel).toolTip()
    set_lr(panel, 0.03)
    qtbot.waitUntil(lambda: "diverged" in badge(panel).text())
    words = verdict_text(panel.verdicts()[0])
    qtbot.waitUntil(lambda: badge(panel).text().endswith(f": {words}"))
    assert shown_whole(badge(panel)) and words[-1].isdigit()


def test_changing_kappa_tames_a_step_size_that_would_diverge_like_a_new_surface(panel, qtbot):
    choose_surface(panel, qtbot, "ill_conditioned")
    set_lr(panel, 0.2)
    find(panel, QtWidgets.QDoubleSpinBox, "kappaSpin").setValue(50.0)
    label = find(panel, QtWidgets.QLabel, "thresholdLabel")
    qtbot.waitUntil(lambda: "η set to 0.02 = 1/λ at (x, y)* = (0, 0): 0.2 diverges" in label.text())
    assert find(panel, QtWidgets.QDoubleSpinBox, "lrSpin").value() == pytest.approx(0.02)
    qtbot.waitUntil(lambda: panel.verdicts() and "diverged" not in badge(panel).text())


def test_a_start_far_steeper_than_the_minimum_is_explained(panel, qtbot):
    type_formula(panel, qtbot, "w**4 - 3*w**2 + w")
    label = find(panel, QtWidgets.QLabel, "thresholdLabel")
    qtbot.waitUntil(lambda: "At the start w = 3 the curvature is 102" in label.text())
    assert "steps above 2/λ = 0.0196 overshoot there." in label.text()
    panel.set_start((1.2,))
    qtbot.waitUntil(lambda: "At the start" not in label.text())


def test_the_distance_plot_measures_a_run_to_the_minimum_it_settles_in(panel, qtbot):
    choose_surface(panel, qtbot, "double_well")
    set_lr(panel, 0.05)
    qtbot.waitUntil(lambda: "converged" in badge(panel).text())
    _steps, distances = panel.distance_plot.curve_values(0)
    assert distances[0] == pytest.approx(1.8 - 0.93, abs=0.01)
    assert np.nanmin(distances) < 1e-3  # the local well near 0.93, not the global one 2 away
    assert panel.distance_plot.getAxis("left").labelText == "distance to the minimum"


def test_the_control_column_is_never_cut_by_its_scroll_bar(window, qtbot):
    panel = window.surface_panel
    combo = find(panel, QtWidgets.QComboBox, "presetCombo")
    combo.setCurrentIndex(combo.findText("Adaptive step sizes on Beale"))
    qtbot.waitUntil(lambda: panel.result() is not None and len(panel.result()) == 3)
    find(panel, QtWidgets.QTableWidget, "runsTable").selectRow(2)
    scroll = panel.controls_scroll
    qtbot.waitUntil(lambda: scroll.verticalScrollBar().isVisible())
    qtbot.waitUntil(lambda: scroll.widget().width() <= scroll.viewport().width())


def test_a_start_outside_the_plot_is_moved_inside_and_says_so(panel, qtbot):
    choose_surface(panel, qtbot, "bowl")
    find(panel, QtWidgets.QCheckBox, "compareCheck").setChecked(True)
    table = find(panel, QtWidgets.QTableWidget, "runsTable")
    table.item(0, 2).setText("1e9, 1e9")
    message = find(panel, QtWidgets.QLabel, "outsideWarning")
    qtbot.waitUntil(message.isVisible)
    assert message.text() == "⚠ Start (1e9, 1e9) lies outside the plot: moved to (4, 4)"
    qtbot.waitUntil(lambda: panel.runs()[0].start == (4.0, 4.0))


def test_a_straight_line_has_no_minimum(panel, qtbot):
    type_formula(panel, qtbot, "5e-324*w")
    label = find(panel, QtWidgets.QLabel, "thresholdLabel")
    qtbot.waitUntil(lambda: label.text() == "no minimum found: no critical step size")


def tick_labels(axis):
    """The non-empty labels of the ticks inside the axis's range, as the axis would draw them."""
    low, high = axis.range
    labels = []
    for spacing, values in axis.tickValues(low, high, max(axis.height(), 200)):
        inside = [v for v in values if low <= v <= high]
        strings = axis.tickStrings(inside, axis.autoSIPrefixScale * axis.scale, spacing)
        labels += [text for text in strings if text]
    return labels


def test_a_log_axis_spanning_less_than_a_decade_still_labels_its_ticks(qtbot):
    plot = LossPlot(y_label="distance to the minimum")
    qtbot.addWidget(plot)
    plot.set_series([Series("a", np.arange(50.0), np.linspace(2.85, 2.55, 50), "#000000")])
    plot.grab()
    labels = tick_labels(plot.getAxis("left"))
    assert len(labels) >= 2 and len(set(labels)) == len(labels), labels
    assert all(2.5 <= float(text) <= 2.9 for text in labels), labels


def test_loss_axes_give_their_top_label_room_and_scale_no_values(qtbot):
    plot = LossPlot(log=False)
    qtbot.addWidget(plot)
    plot.set_series([Series("a", np.arange(3.0), np.array([-1e-3, -2e-3, -2.5e-3]), "#000")])
    plot.grab()
    axis = plot.getAxis("left")
    assert axis.style["hideOverlappingLabels"] is False
    assert plot.getPlotItem().getContentsMargins()[1] >= 10
    assert axis.autoSIPrefixScale == 1.0 and "(x" not in axis.labelString()
    assert any(text.startswith("-0.00") for text in tick_labels(axis))


def test_a_curve_of_1e308_gets_distinct_tick_labels_without_a_scale_factor(panel, qtbot):
    qtbot.waitUntil(lambda: panel.result() is not None)
    type_formula(panel, qtbot, "1e308*w*w")
    panel.grab()
    axis = panel.view.plot_item.getAxis("left")
    labels = tick_labels(axis)
    assert len(labels) >= 2 and len(set(labels)) == len(labels), labels
    assert axis.autoSIPrefixScale == 1.0 and "(x" not in axis.labelString()


def type_domain(panel, qtbot, name, text):
    edit = find(panel, QtWidgets.QLineEdit, name)
    edit.setText(text)
    qtbot.keyClick(edit, QtCore.Qt.Key.Key_Return)


@pytest.mark.parametrize(
    ("formula", "typed", "inside"),
    [("w**2", "500000", (5.0,)), ("x**2 + y**2", "5e5, -5e5", (5.0, -5.0))],
)
def test_reset_view_moves_a_typed_start_back_inside_the_default_box_and_says_so(
    panel, qtbot, formula, typed, inside
):
    type_formula(panel, qtbot, formula)
    set_lr(panel, 0.1)
    for name in ("domainXEdit", "domainYEdit")[: len(inside)]:
        type_domain(panel, qtbot, name, "-1e6, 1e6")
    qtbot.waitUntil(lambda: panel.surface().domain[0] == (-1e6, 1e6))
    find(panel, QtWidgets.QCheckBox, "compareCheck").setChecked(True)
    find(panel, QtWidgets.QTableWidget, "runsTable").item(0, 2).setText(typed)
    qtbot.waitUntil(lambda: panel.runs()[0].start[0] == 5e5)
    message = find(panel, QtWidgets.QLabel, "outsideWarning")
    find(panel, QtWidgets.QPushButton, "resetViewButton").click()
    qtbot.waitUntil(message.isVisible)
    assert (
        message.text().startswith("⚠ Start (")
        and "lies outside the plot: moved to (5" in message.text()
    )
    assert panel.runs()[0].start == inside
    qtbot.waitUntil(lambda: panel.result() is not None and "converged" in badge(panel).text())
    assert "no minimum found" not in find(panel, QtWidgets.QLabel, "thresholdLabel").text()


def test_a_smaller_typed_domain_moves_a_typed_start_inside_it(panel, qtbot):
    type_formula(panel, qtbot, "x**2 + y**2")
    find(panel, QtWidgets.QCheckBox, "compareCheck").setChecked(True)
    find(panel, QtWidgets.QTableWidget, "runsTable").item(0, 2).setText("4, -4")
    qtbot.waitUntil(lambda: panel.runs()[0].start == (4.0, -4.0))
    type_domain(panel, qtbot, "domainXEdit", "-2, 2")
    message = find(panel, QtWidgets.QLabel, "outsideWarning")
    assert message.isVisible()
    assert message.text() == "⚠ Start (4, -4) lies outside the plot: moved to (2, -4)"
    qtbot.waitUntil(lambda: panel.result() is not None and panel.runs()[0].start == (2.0, -4.0))
    assert panel.view.drawn_count(0) > 1
    assert panel.result().points[0, 0].tolist() == [2.0, -4.0]


def wheel(panel, notches, delta, plot=None):
    """Real mouse-wheel notches on the middle of a plot, by default the surface plot (what a
    user's wheel sends)."""
    viewport = (plot or panel.view.plot).viewport()
    centre = QtCore.QPointF(viewport.width() / 2, viewport.height() / 2)
    where = QtCore.QPointF(viewport.mapToGlobal(centre.toPoint()))
    for _ in range(notches):
        event = QtGui.QWheelEvent(
            centre,
            where,
            QtCore.QPoint(0, 0),
            QtCore.QPoint(0, delta),
            QtCore.Qt.MouseButton.NoButton,
            QtCore.Qt.KeyboardModifier.NoModifier,
            QtCore.Qt.ScrollPhase.NoScrollPhase,
            False,
        )
        QtWidgets.QApplication.sendEvent(viewport, event)


@pytest.mark.parametrize(
    ("formula", "out"), [("1e308*w*w", 200), ("w**2", 1400), ("x**2 + y**2", 1400)]
)
def test_the_mouse_wheel_zooms_out_and_back_in_as_far_as_the_plot_allows(
    panel, qtbot, formula, out
):
    type_formula(panel, qtbot, formula)
    messages = []
    panel.statusMessage.connect(messages.append)
    wheel(panel, out, -120)
    with qtbot.waitSignal(panel.view.viewZoomed):
        pass
    (x_low, x_high), (y_low, y_high) = panel.view.view_ranges()
    assert x_low >= -1e6 and x_high <= 1e6 and x_high - x_low == pytest.approx(2e6)
    assert np.isfinite([y_low, y_high]).all() and y_high - y_low > 0
    wheel(panel, 400, 120)
    with qtbot.waitSignal(panel.view.viewZoomed):
        pass
    (x_low, x_high), (y_low, y_high) = panel.view.view_ranges()
    narrowest = 1e-9 * max(1.0, abs(x_low), abs(x_high))  # the narrowest box there
    assert narrowest < x_high - x_low < 5 * narrowest and y_high > y_low
    assert not messages, messages  # the view was redrawn, not refused
    assert "view" not in panel.messages.shown()
    if panel.surface().dim == 1:
        assert panel.view.curve.getData()[0][[0, -1]] == pytest.approx([x_low, x_high])


def test_goldstein_price_after_a_huge_step_gets_one_that_does_not_diverge_and_says_how(
    panel, qtbot
):
    set_lr(panel, 10.0)
    choose_surface(panel, qtbot, "goldstein_price")
    label = find(panel, QtWidgets.QLabel, "thresholdLabel")
    assert (
        "η set to 3.24e-05: 10 diverges on Goldstein-Price, and 1/λ at (x, y)* = (0, -1) = "
        "0.00104 still diverged within 20 steps from the start: halved 5 times" in label.text()
    )
    assert find(panel, QtWidgets.QDoubleSpinBox, "lrSpin").value() == pytest.approx(3.24e-5)
    qtbot.waitUntil(lambda: bool(panel.verdicts()))
    assert "diverged" not in badge(panel).text()


@pytest.mark.parametrize("name", ["flat_then_steep", "saddle", "ackley"])
def test_a_huge_step_on_a_surface_without_lambda_is_halved_until_it_does_not_diverge_at_once(
    panel, qtbot, name
):
    set_lr(panel, 10.0)
    choose_surface(panel, qtbot, name)
    label = find(panel, QtWidgets.QLabel, "thresholdLabel")
    assert "10 diverges within 20 steps on" in label.text() and "until it did not" in label.text()
    assert panel.runs()[0].lr < 10.0
    qtbot.waitUntil(lambda: bool(panel.verdicts()))
    verdict = panel.verdicts()[0]
    assert verdict.regime.value != "diverged" or verdict.step > 20, verdict


def test_the_taming_note_names_the_minimum_its_one_over_lambda_comes_from(panel, qtbot):
    """Six-hump camel from (-1.5, -1): η is tamed at the global minimum nearest the start, the
    run settles in another one, and the line above moves there: both say where."""
    set_lr(panel, 10.0)
    choose_surface(panel, qtbot, "six_hump_camel")
    label = find(panel, QtWidgets.QLabel, "thresholdLabel")
    qtbot.waitUntil(lambda: "the minimum this run settles in" in label.text())
    line, note = label.text().split("\n")
    assert "λmax = 10.02 at (x, y)* = (-1.61, -0.569)" in line and "1/λ = 0.0998" in line
    assert note.startswith("η set to 0.0606 = 1/λ at (x, y)* = (0.0898, -0.713): 10 diverges")


def test_a_narrow_header_drops_the_optimizer_before_shortening_the_step_size(window, qtbot):
    panel = narrow_nesterov_header(window, qtbot)
    qtbot.waitUntil(lambda: badge(panel).text().endswith(" η = 0.000123: slow"))
    assert shown_whole(badge(panel))
    badge(panel).setMaximumWidth(16_777_215)
    qtbot.waitUntil(lambda: badge(panel).text().endswith(" η = 0.000123 Nesterov: slow"))


@pytest.mark.parametrize("name", ["lossPlot", "distancePlot"])
def test_the_wheel_zooms_the_loss_plots_far_out_and_back_without_an_error(panel, qtbot, name):
    plot = find(panel, QtWidgets.QWidget, name)
    wheel(panel, 300, -120, plot)
    wheel(panel, 300, 120, plot)
    plot.grab()  # repaint at the extreme zoom: pyqtgraph's down-sampling raised here
    for low, high in plot.getViewBox().viewRange():
        assert np.isfinite(low) and np.isfinite(high) and low < high


def compare_two_runs(panel, qtbot):
    find(panel, QtWidgets.QCheckBox, "compareCheck").setChecked(True)
    find(panel, QtWidgets.QPushButton, "addRunButton").click()
    qtbot.waitUntil(lambda: panel.result() is not None and len(panel.result()) == 2)


def test_the_optimizer_form_edits_the_selected_run_and_the_header_names_it(panel, qtbot):
    compare_two_runs(panel, qtbot)
    combo = find(panel, QtWidgets.QComboBox, "optimizerCombo")
    combo.setCurrentIndex(combo.findData("nesterov"))
    qtbot.waitUntil(lambda: [run.optimizer for run in panel.runs()] == ["gd", "nesterov"])
    qtbot.waitUntil(lambda: "η = 0.4 Nesterov: " in badge(panel).text())
    find(panel, QtWidgets.QTableWidget, "runsTable").selectRow(0)
    assert combo.currentData() == "gd"
    qtbot.waitUntil(lambda: "η = 0.2: converged" in badge(panel).text())


def test_the_learning_rate_lives_in_the_state_that_every_control_shows(panel, qtbot):
    compare_two_runs(panel, qtbot)
    set_lr(panel, 0.05)
    assert panel.state().runs[1].lr == pytest.approx(0.05)
    assert panel.runs_table.item(1, 0).text() == "0.05"
    panel.runs_table.selectRow(0)
    assert find(panel, QtWidgets.QDoubleSpinBox, "lrSpin").value() == pytest.approx(0.2)
    assert panel.state().selected == 0


def test_a_state_round_trips_through_the_panel(panel, qtbot):
    choose_surface(panel, qtbot, "himmelblau")
    compare_two_runs(panel, qtbot)
    find(panel, QtWidgets.QSpinBox, "stepsSpin").setValue(150)
    saved = panel.state()
    choose_surface(panel, qtbot, "double_well")
    assert panel.state() != saved
    panel.set_state(saved)
    qtbot.waitUntil(lambda: panel.result() is not None and len(panel.result()) == 2)
    assert panel.state() == saved
    assert find(panel, QtWidgets.QSpinBox, "stepsSpin").value() == 150
    assert find(panel, QtWidgets.QCheckBox, "compareCheck").isChecked()
    assert find(panel, QtWidgets.QDoubleSpinBox, "lrSpin").value() == pytest.approx(
        saved.runs[1].lr
    )
    assert panel.result().n_steps == 150 and panel.surface().name == "himmelblau"


def test_a_state_that_cannot_be_shown_changes_nothing_and_says_why(panel, qtbot):
    qtbot.waitUntil(lambda: panel.result() is not None)
    before = panel.state()
    panel.set_state(SurfaceState(surface="bowl", runs=(RunSpec(lr=0.1, start=(1.0,)),)))
    message = find(panel, QtWidgets.QLabel, "stateError")
    assert message.isVisible() and "runs[0].start: must be 2 number(s)" in message.text()
    assert panel.state() == before and panel.surface().name == "parabola"
    panel.set_state(before)
    assert not message.isVisible()


def test_a_failed_simulation_leaves_no_verdict_showing(panel, qtbot, monkeypatch):
    qtbot.waitUntil(lambda: "converged" in badge(panel).text())

    def refuse(*_args):
        raise ValueError("the learning rate is not allowed here")

    monkeypatch.setattr(surface_presenter, "simulate", refuse)
    set_lr(panel, 0.3)
    message = find(panel, QtWidgets.QLabel, "simulationError")
    qtbot.waitUntil(message.isVisible)
    assert "not allowed here" in message.text()
    assert "converged" not in badge(panel).text() and panel.result() is None
    monkeypatch.undo()
    set_lr(panel, 0.2)
    qtbot.waitUntil(lambda: "converged" in badge(panel).text())
    assert not message.isVisible()


def test_too_many_runs_is_a_warning_in_the_message_area(panel, qtbot):
    find(panel, QtWidgets.QCheckBox, "compareCheck").setChecked(True)
    add = find(panel, QtWidgets.QPushButton, "addRunButton")
    remove = find(panel, QtWidgets.QPushButton, "removeRunButton")
    assert not remove.isEnabled(), "the last run cannot be removed"
    for _ in range(MAX_RUNS - 1):
        add.click()
    assert not add.isEnabled() and f"At most {MAX_RUNS} runs" in add.toolTip()
    panel.add_run()  # a script asking for one more
    warning = find(panel, QtWidgets.QLabel, "runsWarning")
    assert warning.isVisible() and f"At most {MAX_RUNS} runs" in warning.text()
    assert len(panel.runs()) == MAX_RUNS
    find(panel, QtWidgets.QPushButton, "removeRunButton").click()
    assert not warning.isVisible()


def test_a_state_with_a_playback_position_shows_that_iterate(panel, qtbot):
    qtbot.waitUntil(lambda: panel.result() is not None)
    panel.set_state(replace(panel.state(), position=3))
    qtbot.waitUntil(lambda: panel.result() is not None)
    assert panel.playback.position() == 3 and panel.state().position == 3
    assert find(panel, QtWidgets.QLabel, "positionLabel").text() == "step 3 / 100"
    assert panel.view.drawn_count(0) == 4


def test_a_demo_that_cannot_be_shown_says_why_in_the_message_area(panel, qtbot):
    qtbot.waitUntil(lambda: panel.result() is not None)
    before = panel.state()
    broken = Preset("broken", "Broken demo", "", "x**2 + import", {}, 50, (RunSpec(0.1),))
    panel.load_preset(broken)
    message = find(panel, QtWidgets.QLabel, "demoError")
    assert message.isVisible() and message.text().startswith("✗ Broken demo: surface: ")
    assert panel.state() == before


def test_demos_that_cannot_be_read_are_said_once_and_the_explorer_still_works(
    qtbot, monkeypatch, owned
):
    def unreadable():
        raise PresetError("demo.json: not JSON")

    monkeypatch.setattr(surface_panel_module, "load_presets", unreadable)
    panel = surface_panel_module.SurfacePanel()
    owned(panel)
    panel.show()
    message = find(panel, QtWidgets.QLabel, "demosWarning")
    assert message.isVisible() and "Lecture demos not loaded: demo.json" in message.text()
    assert panel.presets() == []
    qtbot.waitUntil(lambda: "converged" in badge(panel).text())


def test_a_refusal_goes_away_once_another_edit_is_accepted(panel, qtbot):
    """'At most 8 runs' and 'Start not changed' speak of a state that a new surface replaces."""
    find(panel, QtWidgets.QCheckBox, "compareCheck").setChecked(True)
    for _ in range(MAX_RUNS):
        panel.add_run()
    find(panel, QtWidgets.QTableWidget, "runsTable").item(0, 2).setText("oops")
    runs = find(panel, QtWidgets.QLabel, "runsWarning")
    start = find(panel, QtWidgets.QLabel, "startError")
    qtbot.waitUntil(lambda: runs.isVisible() and start.isVisible())
    choose_surface(panel, qtbot, "rosenbrock")
    assert not runs.isVisible() and not start.isVisible()
    panel.set_state(SurfaceState(surface="bowl", runs=(RunSpec(lr=0.1, start=(1.0,)),)))
    refused = find(panel, QtWidgets.QLabel, "stateError")
    assert refused.isVisible()
    set_lr(panel, 0.001)
    assert not refused.isVisible()


def test_reset_view_keeps_the_error_of_a_formula_still_typed(panel, qtbot):
    edit = find(panel, QtWidgets.QLineEdit, "expressionEdit")
    edit.setText("w**")
    qtbot.keyClick(edit, QtCore.Qt.Key.Key_Return)
    error = find(panel, QtWidgets.QLabel, "expressionError")
    assert error.isVisible()
    find(panel, QtWidgets.QPushButton, "resetViewButton").click()
    assert error.isVisible()


def test_adding_a_run_outside_compare_mode_turns_it_on_and_the_state_stays_loadable(panel, qtbot):
    panel.add_run()
    assert find(panel, QtWidgets.QCheckBox, "compareCheck").isChecked()
    assert SurfaceState.from_dict(panel.state().to_dict()) == panel.state()


@pytest.mark.parametrize(
    ("state", "words"),
    [
        (SurfaceState(runs=(RunSpec(lr=0.1, start=(math.nan,)),)), "runs[0].start.0: must be"),
        (SurfaceState(steps=50.5), "steps: must be a whole number"),
        (SurfaceState(runs=(RunSpec(lr="fast"),)), "runs[0].lr: must be a finite number"),
    ],
)
def test_a_state_built_in_code_is_checked_as_a_loaded_one(panel, qtbot, state, words):
    qtbot.waitUntil(lambda: panel.result() is not None)
    before = panel.state()
    panel.set_state(state)
    message = find(panel, QtWidgets.QLabel, "stateError")
    assert message.isVisible() and words in message.text()
    assert panel.state() == before


def test_a_domain_edit_leaves_a_state_that_reloads_to_the_same_picture(panel, qtbot):
    """Narrowing the box moves the start in; widening it again must not leave a start that the
    saved state does not know (a restart drew another trajectory)."""
    type_formula(panel, qtbot, "x**2 + 3*y**2")
    edit = find(panel, QtWidgets.QLineEdit, "domainXEdit")
    for box in ("-1, 1", "-3, 3"):
        edit.setText(box)
        qtbot.keyClick(edit, QtCore.Qt.Key.Key_Return)
        qtbot.waitUntil(lambda b=box: panel.surface().domain[0] == parse_point(b, 2))
    qtbot.waitUntil(lambda: panel.result() is not None)
    live = panel.result().points[0].copy()
    panel.set_state(panel.state())
    qtbot.waitUntil(lambda: panel.result() is not None)
    np.testing.assert_array_equal(panel.result().points[0], live)
