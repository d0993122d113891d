"""The lesson pane in the window: every shipped lesson steps through and shows the verdicts it
states; keys, hidden controls, refusals that change nothing, and the editor's round trip."""

from __future__ import annotations

import json

import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.core.lessons import MAX_STEPS, load_lesson, state_at
from gdsim.core.state import AppState, SurfaceState
from gdsim.resources import LESSONS
from gdsim.ui.widgets.lesson_pane import CONTROL_OBJECTS, TEXT_SCALE

PATHS = sorted(LESSONS.glob("*.json"))


def find(window, kind, name):
    widget = window.findChild(kind, name)
    assert widget is not None, name
    return widget


def pane_text(window) -> str:
    return find(window, QtWidgets.QTextBrowser, "lessonText").toPlainText()


def position(window) -> str:
    return find(window, QtWidgets.QLabel, "lessonPosition").text()


def regimes(window) -> list[str]:
    return [verdict.regime.value for verdict in window.surface_panel.verdicts()]


def wait_for_verdicts(qtbot, window, runs, expect) -> None:
    """The runs' result on screen, with these verdicts, and the selected one in the badge."""
    panel = window.surface_panel
    qtbot.waitUntil(
        lambda: (
            panel.result() is not None
            and panel.result().runs == runs
            and regimes(window) == list(expect)
        ),
        timeout=20_000,
    )
    badge = find(panel, QtWidgets.QLabel, "regimeLabel")
    qtbot.waitUntil(lambda: expect[0] in badge.text())


def test_every_shipped_lesson_steps_through_showing_its_verdicts(window, qtbot):
    """All lessons in one window, one after the other, as a teacher would go through them."""
    for path in PATHS:
        lesson = load_lesson(path)
        base = window.state()
        assert window.open_lesson(path) is None
        assert window.lesson_pane.isVisible()
        next_button = find(window, QtWidgets.QPushButton, "lessonNext")
        for index, step in enumerate(lesson.steps):
            if index:
                next_button.click()
            assert position(window) == f"Step {index + 1} of {len(lesson.steps)}"
            assert step.title in pane_text(window)
            expected = state_at(base, lesson, index)
            assert window.state().surface == expected.surface, (path.name, index)
            assert window.state().network == expected.network, (path.name, index)
            assert window.tabs.currentIndex() == (0 if expected.active == "surface" else 1)
            if step.expect:
                wait_for_verdicts(qtbot, window, expected.surface.runs, step.expect)
        assert not next_button.isEnabled()
        assert not find(window, QtWidgets.QLabel, "lessonError").isVisible()


def test_page_down_up_and_alt_arrows_walk_the_steps(window, qtbot):
    window.open_lesson(LESSONS / "02_learning_rate.json")
    window.activateWindow()
    qtbot.keyClick(window, QtCore.Qt.Key.Key_PageDown)
    assert position(window) == "Step 2 of 6"
    qtbot.keyClick(window, QtCore.Qt.Key.Key_Right, QtCore.Qt.KeyboardModifier.AltModifier)
    assert position(window) == "Step 3 of 6"
    assert window.surface_panel.state().runs[0].lr == 0.8
    qtbot.keyClick(window, QtCore.Qt.Key.Key_PageUp)
    qtbot.keyClick(window, QtCore.Qt.Key.Key_Left, QtCore.Qt.KeyboardModifier.AltModifier)
    assert position(window) == "Step 1 of 6"
    assert window.surface_panel.state().runs[0].lr == 0.01
    window.lesson_pane.view_action.trigger()  # the pane closed: the keys are the widgets' again
    qtbot.keyClick(window, QtCore.Qt.Key.Key_PageDown)
    assert window.lesson_pane.index() == 0


def test_a_step_hides_its_control_groups_and_gives_them_back(window):
    demos = find(window, QtWidgets.QGroupBox, CONTROL_OBJECTS["demos"])
    optimizer = find(window, QtWidgets.QGroupBox, CONTROL_OBJECTS["optimizer"])
    window.open_lesson(LESSONS / "02_learning_rate.json")
    assert demos.isHidden() and optimizer.isHidden()
    window.lesson_pane.go_to(5)  # the last step hides nothing
    assert not demos.isHidden() and not optimizer.isHidden()
    window.lesson_pane.go_to(0)
    assert demos.isHidden()
    window.lesson_pane.view_action.trigger()  # closing the pane ends the lesson's hiding
    assert not window.lesson_pane.isVisible()
    assert not demos.isHidden() and not optimizer.isHidden()
    window.lesson_pane.view_action.trigger()
    assert demos.isHidden()


def test_every_control_name_finds_its_group_in_the_window(window):
    for name in CONTROL_OBJECTS.values():
        find(window, QtWidgets.QWidget, name)


def test_a_bad_lesson_file_is_refused_with_its_line_and_the_window_unchanged(window, tmp_path):
    window.open_lesson(LESSONS / "02_learning_rate.json")
    window.lesson_pane.go_to(2)
    before = window.state()
    bad = tmp_path / "broken.json"
    bad.write_text(json.dumps({"gdsim": "lesson", "version": 1, "title": "x", "steps": []}))
    why = window.open_lesson(bad)
    assert why == "Lesson not opened: broken.json: steps: must hold 1 to 50 entries, got 0"
    assert find(window, QtWidgets.QLabel, "lessonError").text().endswith(why)
    assert window.statusBar().currentMessage() == why
    assert window.state() == before
    assert position(window) == "Step 3 of 6"


def test_a_step_that_cannot_be_shown_over_the_screen_says_why_and_stays(window, tmp_path):
    """A typed formula's plot box on screen; the lesson names a surface but not ``domain``."""
    typed = SurfaceState(surface="x**2 + y**2", domain=((-2.0, 2.0), (-2.0, 2.0)))
    assert window.set_state(AppState(surface=typed)) is None
    path = tmp_path / "partial.json"
    step = {"title": "Parabola", "text": "w²", "state": {"surface": {"surface": "parabola"}}}
    path.write_text(json.dumps({"gdsim": "lesson", "version": 1, "title": "P", "steps": [step]}))
    before = window.state()
    why = window.open_lesson(path)
    assert why is not None and "domain" in why and why.startswith("Step not shown: step 1: ")
    assert window.state() == before
    assert window.lesson_pane.lesson() is None


def test_the_editor_builds_a_lesson_that_saves_and_loads_back_equal(window, qtbot, tmp_path):
    pane = window.lesson_pane
    window.lesson_pane.show()
    find(window, QtWidgets.QToolButton, "lessonEditButton").click()
    find(window, QtWidgets.QPushButton, "lessonNew").click()
    assert find(window, QtWidgets.QDialog, "lessonEditor").isVisible()
    assert "No steps yet" in pane_text(window) and position(window) == ""
    first = window.state()
    find(window, QtWidgets.QPushButton, "lessonAddStep").click()
    window.surface_panel.findChild(QtWidgets.QDoubleSpinBox, "lrSpin").setValue(0.8)
    second = window.state()
    find(window, QtWidgets.QPushButton, "lessonAddStep").click()
    assert position(window) == "Step 2 of 2"
    assert pane.lesson().steps[1].state == {
        "surface": {"runs": [second.to_dict()["surface"]["runs"][0]]}
    }
    title = find(window, QtWidgets.QLineEdit, "lessonStepTitleEdit")
    title.clear()
    qtbot.keyClicks(title, "Too big")
    text = find(window, QtWidgets.QPlainTextEdit, "lessonStepTextEdit")
    text.setPlainText("**η = 0.8** jumps *across*")
    assert "η = 0.8 jumps across" in pane_text(window)
    lesson_title = find(window, QtWidgets.QLineEdit, "lessonTitleEdit")
    lesson_title.clear()
    qtbot.keyClicks(lesson_title, "Mine")
    path = tmp_path / "mine.json"
    assert pane.save_lesson_as(path) is None
    saved = load_lesson(path)
    assert saved == pane.lesson()
    assert saved.title == "Mine" and saved.steps[1].title == "Too big"
    assert state_at(AppState(), saved, 0) == first
    assert state_at(AppState(), saved, 1) == second

    find(window, QtWidgets.QPushButton, "lessonMoveUp").click()
    assert [step.title for step in pane.lesson().steps] == ["Too big", "Step 1"]
    assert position(window) == "Step 1 of 2"
    find(window, QtWidgets.QPushButton, "lessonMoveDown").click()
    find(window, QtWidgets.QPushButton, "lessonDeleteStep").click()
    assert [step.title for step in pane.lesson().steps] == ["Step 1"]
    assert window.state() == first
    pane.editor.close()  # the editor window's close box leaves edit mode
    assert not find(window, QtWidgets.QToolButton, "lessonEditButton").isChecked()


def test_saving_a_lesson_that_would_not_load_back_is_refused(window, tmp_path):
    window.lesson_pane.new_lesson()
    path = tmp_path / "empty.json"
    why = window.lesson_pane.save_lesson_as(path)
    assert why is not None and "steps" in why
    assert not path.exists()


def test_the_words_grow_with_the_window_font(window):
    text = find(window, QtWidgets.QTextBrowser, "lessonText")
    size = text.document().defaultFont().pointSizeF()
    assert size == pytest.approx(window.font().pointSizeF() * TEXT_SCALE)
    font = QtGui.QFont(window.font())
    font.setPointSizeF(font.pointSizeF() * 1.5)
    window.setFont(font)
    assert text.document().defaultFont().pointSizeF() == pytest.approx(size * 1.5)


def test_view_lessons_is_a_checkable_ctrl_l_entry(window):
    action = find(window, QtGui.QAction, "lessonsAction")
    assert action.isCheckable() and action.shortcut() == QtGui.QKeySequence("Ctrl+L")
    menus = {entry.text(): entry.menu() for entry in window.menuBar().actions()}
    assert action in menus["&View"].actions()
    assert not window.lesson_pane.isVisible()
    action.trigger()
    assert window.lesson_pane.isVisible() and action.isChecked()


def test_a_step_one_panel_refuses_is_not_half_shown(window, tmp_path):
    """The network builder seeds weights and shuffling alike: a step that seeds them apart
    is refused there, and the surface explorer, which took its part, gives it back."""
    step = {
        "title": "Two seeds",
        "text": "x",
        "state": {"surface": {"steps": 50}, "network": {"training": {"seed": 5}}},
    }
    path = tmp_path / "seeds.json"
    path.write_text(json.dumps({"gdsim": "lesson", "version": 1, "title": "S", "steps": [step]}))
    before = window.state()
    why = window.open_lesson(path)
    assert why is not None and why.startswith("Step 1 not shown: network builder: ")
    assert window.state() == before


def test_a_lesson_file_named_on_the_command_line_opens_in_the_pane(window, tmp_path):
    assert window.open_path(LESSONS / "02_learning_rate.json") is None
    assert window.lesson_pane.isVisible() and position(window) == "Step 1 of 6"
    session = tmp_path / "lecture.json"
    window.save_session(session)
    assert window.open_path(session) is None
    assert window.sessions.path == session.resolve()


def test_the_editor_refuses_a_step_past_the_most_a_lesson_holds(window):
    pane = window.lesson_pane
    pane.show()
    pane.new_lesson()
    for _ in range(MAX_STEPS + 1):
        pane.add_current_step()
    assert len(pane.lesson().steps) == MAX_STEPS
    assert f"at most {MAX_STEPS} steps" in find(window, QtWidgets.QLabel, "lessonError").text()


def test_the_same_lesson_file_opened_twice_has_one_picker_entry(window):
    picker = find(window, QtWidgets.QComboBox, "lessonPicker")
    assert window.open_lesson(PATHS[0]) is None
    count = picker.count()
    assert window.open_lesson(PATHS[0]) is None
    assert picker.count() == count
