"""Edit > Undo / Redo: whole states back and forth, named changes, a dragged slider as one
step, nothing recorded for an undo itself or a refused edit, and no undo while a network trains."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from gdsim.core.state import AppState
from gdsim.core.state_change import same_setup
from gdsim.resources import LESSONS
from gdsim.ui import undo
from gdsim.ui.main_window import MainWindow


def _stack(window: MainWindow):
    return window.sessions.history.stack


def _recorded(qtbot, window: MainWindow, count: int) -> None:
    qtbot.waitUntil(lambda: _stack(window).count() == count)


def _verdict(window: MainWindow) -> str:
    return window.surface_panel.findChild(QtWidgets.QLabel, "regimeLabel").text()


def _choose_surface(window: MainWindow, title: str) -> None:
    combo = window.surface_panel.findChild(QtWidgets.QComboBox, "surfaceCombo")
    combo.setCurrentIndex(combo.findText(title, QtCore.Qt.MatchFlag.MatchContains))


def _texts(window: MainWindow) -> tuple[str, str]:
    history = window.sessions.history
    return history.undo_action.text(), history.redo_action.text()


def test_change_eta_change_surface_undo_twice_then_redo_twice(qtbot, window) -> None:
    qtbot.waitUntil(lambda: "converged" in _verdict(window))
    first = window.state()
    window.surface_panel.findChild(QtWidgets.QDoubleSpinBox, "lrSpin").setValue(0.8)
    _recorded(qtbot, window, 1)
    qtbot.waitUntil(lambda: "oscillating" in _verdict(window))
    assert _texts(window) == ("&Undo Change η", "&Redo")
    _choose_surface(window, "Rosenbrock")
    _recorded(qtbot, window, 2)
    qtbot.waitUntil(lambda: "η = 0.000998" in _verdict(window))  # tamed for the new surface
    after_both = window.state()
    assert _texts(window)[0] == "&Undo Surface: Rosenbrock"

    window.sessions.history.undo_action.trigger()
    assert window.state().surface.surface == "parabola"
    assert window.state().surface.runs[0].lr == 0.8
    assert _texts(window) == ("&Undo Change η", "&Redo Surface: Rosenbrock")
    window.sessions.history.undo_action.trigger()
    assert window.state() == first
    qtbot.waitUntil(lambda: "converged" in _verdict(window))
    assert not window.sessions.history.undo_action.isEnabled()

    window.sessions.history.redo_action.trigger()
    window.sessions.history.redo_action.trigger()
    assert window.state() == after_both
    qtbot.waitUntil(lambda: "0.000998" in _verdict(window))
    assert _stack(window).count() == 2, "an undo or redo must not be recorded as an edit"


def test_the_shortcuts_are_the_usual_ones(window) -> None:
    history = window.sessions.history
    assert history.undo_action.shortcut().toString() == "Ctrl+Z"
    shortcuts = [key.toString() for key in history.redo_action.shortcuts()]
    assert shortcuts == ["Ctrl+Shift+Z", "Ctrl+Y"]


def test_a_dragged_slider_is_one_undo_step(qtbot, window) -> None:
    spin = window.surface_panel.findChild(QtWidgets.QDoubleSpinBox, "lrSpin")
    for lr in (0.3, 0.4, 0.5, 0.6):
        spin.setValue(lr)
        qtbot.waitUntil(lambda lr=lr: window.state().surface.runs[0].lr == lr)
        qtbot.wait(1)  # let the recording pass run
    _recorded(qtbot, window, 1)
    window.sessions.history.undo()
    assert window.state().surface.runs[0].lr == 0.2


def test_changes_further_apart_than_the_merge_window_are_separate_steps(
    qtbot, window, monkeypatch
) -> None:
    monkeypatch.setattr(undo, "MERGE_SECONDS", -1.0)
    spin = window.surface_panel.findChild(QtWidgets.QDoubleSpinBox, "lrSpin")
    spin.setValue(0.3)
    _recorded(qtbot, window, 1)
    spin.setValue(0.4)
    _recorded(qtbot, window, 2)
    window.sessions.history.undo()
    assert window.state().surface.runs[0].lr == 0.3


def test_a_refused_edit_records_nothing(qtbot, window) -> None:
    edit = window.surface_panel.findChild(QtWidgets.QLineEdit, "expressionEdit")
    edit.setText("x**")
    edit.returnPressed.emit()
    error = window.surface_panel.findChild(QtWidgets.QLabel, "expressionError")
    qtbot.waitUntil(error.isVisible)
    qtbot.wait(10)  # the recording pass
    assert _stack(window).count() == 0
    assert not window.isWindowModified()


def test_network_settings_are_undone_too(qtbot, window) -> None:
    window.tabs.setCurrentIndex(1)
    window.mlp_panel.findChild(QtWidgets.QDoubleSpinBox, "mlpLrSpin").setValue(0.37)
    _recorded(qtbot, window, 1)
    assert _texts(window)[0] == "&Undo Change η (network)"
    window.tabs.setCurrentIndex(0)
    window.sessions.history.undo()
    assert window.state().network.training.lr == 1.0
    assert window.tabs.currentIndex() == 1, "undo shows the panel the change was made in"


def test_undo_waits_while_a_network_trains(qtbot, window) -> None:
    window.surface_panel.findChild(QtWidgets.QDoubleSpinBox, "lrSpin").setValue(0.8)
    _recorded(qtbot, window, 1)
    panel = window.mlp_panel
    panel.findChild(QtWidgets.QSpinBox, "stepsSpin").setValue(100_000)
    _recorded(qtbot, window, 2)
    panel.findChild(QtWidgets.QPushButton, "trainButton").click()
    qtbot.waitUntil(panel.runner.is_running)
    before = window.state()
    window.sessions.history.undo_action.trigger()
    assert window.statusBar().currentMessage() == undo.BUSY
    assert window.state().surface == before.surface
    assert _stack(window).index() == 2
    panel.findChild(QtWidgets.QPushButton, "stopButton").click()
    qtbot.waitUntil(lambda: not panel.runner.is_running())
    window.sessions.history.undo()
    assert window.state().network.training.steps == 1000


def test_a_slider_dragged_back_where_it_began_leaves_nothing_to_undo(qtbot, window) -> None:
    spin = window.surface_panel.findChild(QtWidgets.QDoubleSpinBox, "lrSpin")
    spin.setValue(0.3)
    _recorded(qtbot, window, 1)
    spin.setValue(0.2)
    _recorded(qtbot, window, 0)
    assert not window.sessions.history.undo_action.isEnabled()
    assert not window.isWindowModified()


def test_each_lesson_step_is_one_undo_step_and_the_words_follow_the_picture(window, qtbot):
    pane = window.lesson_pane
    position = window.lesson_pane.findChild(QtWidgets.QLabel, "lessonPosition")
    assert pane.open_lesson(LESSONS / "02_learning_rate.json") is None
    _recorded(qtbot, window, 1)
    first_step = window.state()
    assert not same_setup(first_step, AppState())
    for index, count in ((1, 2), (2, 3)):  # paged through quickly: η changes each time
        assert pane.go_to(index) is None
        _recorded(qtbot, window, count)
    assert window.sessions.history.undo_action.text() == "&Undo Lesson step 3"
    window.sessions.history.undo()
    assert position.text() == "Step 2 of 6", "the words follow the picture back"
    window.sessions.history.undo()
    assert same_setup(window.state(), first_step)
    assert position.text() == "Step 1 of 6"
    window.sessions.history.redo()
    assert position.text() == "Step 2 of 6"
