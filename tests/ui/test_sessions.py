"""File > Save / Open / Open recent / Open from text and Edit > Copy set-up, through the window:
a session comes back whole; a bad file, a refused part or bad text changes nothing and says why
in one line; the title marks unsaved changes, which are asked about before they are lost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.core.session_file import MAX_BYTES, read_session
from gdsim.core.setup_text import encode_setup
from gdsim.core.simulate import RunSpec
from gdsim.core.state import AppState, NetworkState, SurfaceState
from gdsim.core.training import TrainingConfig
from gdsim.ui import preferences
from gdsim.ui.app import open_at_start
from gdsim.ui.main_window import MainWindow
from gdsim.ui.sessions import Answer

ROSENBROCK = SurfaceState(surface="rosenbrock", runs=(RunSpec(lr=0.0015),), steps=500)


@pytest.fixture(autouse=True)
def _no_recent_files():
    preferences.set_recent_files([])
    yield
    preferences.set_recent_files([])


def _edit_lr(qtbot, window: MainWindow, lr: float) -> None:
    window.surface_panel.findChild(QtWidgets.QDoubleSpinBox, "lrSpin").setValue(lr)
    qtbot.waitUntil(window.isWindowModified)


def _session(path: Path, state: dict) -> Path:
    path.write_text(json.dumps({"gdsim": "session", "version": 1, "state": state}))
    return path


def test_save_then_open_brings_the_whole_state_back(qtbot, window, tmp_path) -> None:
    window.surface_panel.set_state(ROSENBROCK)
    window.mlp_panel.findChild(QtWidgets.QDoubleSpinBox, "mlpLrSpin").setValue(0.37)
    window.tabs.setCurrentIndex(1)
    saved = window.state()
    path = tmp_path / "lecture.json"
    window.save_session(path)
    assert read_session(path) == saved
    assert window.windowTitle() == "lecture.json[*] — Gradient descent simulator"
    assert not window.isWindowModified()
    assert window.statusBar().currentMessage() == "Saved lecture.json"

    window.surface_panel.set_state(SurfaceState())
    window.tabs.setCurrentIndex(0)
    assert window.open_session(path) is None
    assert window.state() == saved
    assert window.surface_panel.surface().name == "rosenbrock"
    assert not window.isWindowModified()
    assert preferences.recent_files() == [str(path.resolve())]


def test_an_edit_marks_the_title_and_undoing_it_clears_the_mark(qtbot, window, tmp_path) -> None:
    window.save_session(tmp_path / "a.json")
    _edit_lr(qtbot, window, 0.8)
    window.sessions.history.undo()
    assert not window.isWindowModified()
    window.tabs.setCurrentIndex(1)
    assert not window.sessions.is_modified(), "the panel shown is not part of the set-up"


BAD_FILES = {
    "truncated": ('{"gdsim": "session", "version": 1, "state": {"active": ', "cut short"),
    "not JSON": ("surface = rosenbrock\n", "not valid JSON: Expecting value at line 1 column 1"),
    "a list": ("[1, 2]", "not a gdsim session (the file holds a JSON list)"),
    "a lesson": ('{"gdsim": "lesson", "version": 1}', "it says it is a 'lesson'"),
    "a preset": ('{"title": "demo", "surface": "parabola", "runs": []}', 'no "gdsim" field'),
    "newer": ('{"gdsim": "session", "version": 9, "state": {}}', "made by a newer gdsim"),
    "invalid field": (
        '{"gdsim": "session", "version": 1, "state": {"surface": {"steps": -5}}}',
        "state.surface.steps: ",
    ),
    "NaN": (
        '{"gdsim": "session", "version": 1, "state": {"network": {"training": {"lr": NaN}}}}',
        "NaN is not a number JSON allows",
    ),
}


@pytest.mark.parametrize("case", [*BAD_FILES, "too large", "a folder", "missing"])
def test_a_bad_file_changes_nothing_and_says_why_in_one_line(qtbot, window, tmp_path, case):
    window.surface_panel.set_state(ROSENBROCK)
    before = window.state().to_dict()
    path = tmp_path / "bad.json"
    if case in BAD_FILES:
        text, words = BAD_FILES[case]
        path.write_text(text)
    elif case == "too large":
        path.write_text(" " * (MAX_BYTES + 1))
        words = "too large for a gdsim file"
    elif case == "a folder":
        path.mkdir()
        words = "it is a folder"
    else:
        words = "No such file or directory"
    why = window.open_session(path)
    assert why is not None and words in why and "\n" not in why
    assert why.startswith("bad.json not opened: ")
    assert window.statusBar().currentMessage() == why
    assert window.state().to_dict() == before
    assert preferences.recent_files() == []


def test_a_session_a_panel_refuses_is_not_half_opened(qtbot, window, tmp_path) -> None:
    """The surface part is fine, the network panel cannot show two seeds: nothing changes."""
    before = window.state().to_dict()
    network = NetworkState(training=TrainingConfig(seed=3)).to_dict()
    path = _session(tmp_path / "s.json", {"surface": ROSENBROCK.to_dict(), "network": network})
    why = window.open_session(path)
    assert why is not None and "seeds the weights and the minibatch shuffling alike" in why
    assert window.state().to_dict() == before
    assert window.surface_panel.surface().name == "parabola"


def test_a_failed_save_raises_one_line_and_keeps_the_document(qtbot, window, tmp_path) -> None:
    window.save_session(tmp_path / "kept.json")
    with pytest.raises(OSError, match="does not exist"):
        window.save_session(tmp_path / "no folder" / "x.json")
    assert window.sessions.path == (tmp_path / "kept.json").resolve()


def _closing(window: MainWindow, monkeypatch, answer: Answer) -> list[str]:
    asked: list[str] = []

    def ask() -> Answer:
        asked.append("asked")
        return answer

    monkeypatch.setattr(window.sessions, "_ask_save_changes", ask)
    window.sessions.ask_before_closing = True
    return asked


def test_quitting_with_unsaved_changes_asks_and_cancel_keeps_the_window(
    qtbot, window, monkeypatch
) -> None:
    _edit_lr(qtbot, window, 0.8)
    asked = _closing(window, monkeypatch, Answer.CANCEL)
    assert not window.close()
    assert window.isVisible() and asked == ["asked"]
    monkeypatch.setattr(window.sessions, "_ask_save_changes", lambda: Answer.DISCARD)
    assert window.close()


def test_quitting_with_save_writes_the_file_first(qtbot, window, monkeypatch, tmp_path) -> None:
    path = tmp_path / "lesson.json"
    window.save_session(path)
    _edit_lr(qtbot, window, 0.8)
    _closing(window, monkeypatch, Answer.SAVE)
    assert window.close()
    assert read_session(path).surface.runs[0].lr == 0.8


def test_quitting_without_changes_does_not_ask(qtbot, window, monkeypatch) -> None:
    asked = _closing(window, monkeypatch, Answer.CANCEL)
    window.tabs.setCurrentIndex(1)
    assert window.close()
    assert asked == []


def test_opening_over_unsaved_changes_asks_first(qtbot, window, monkeypatch, tmp_path) -> None:
    path = _session(tmp_path / "other.json", {"surface": ROSENBROCK.to_dict()})
    preferences.add_recent_file(str(path))
    _edit_lr(qtbot, window, 0.8)
    before = window.state()
    asked = _closing(window, monkeypatch, Answer.CANCEL)
    assert window.sessions.open_recent(str(path)) is None
    assert asked == ["asked"] and window.state() == before
    monkeypatch.setattr(window.sessions, "_ask_save_changes", lambda: Answer.DISCARD)
    assert window.sessions.open_recent(str(path)) is None
    assert window.state().surface == ROSENBROCK
    window.sessions.ask_before_closing = False


def test_open_recent_lists_newest_first_drops_a_missing_file_and_clears(
    qtbot, window, tmp_path
) -> None:
    for name in ("a.json", "b.json"):
        window.save_session(tmp_path / name)
    menu = window.sessions.recent_menu
    menu.aboutToShow.emit()
    texts = [action.text() for action in menu.actions() if not action.isSeparator()]
    assert texts == ["&1 b.json", "&2 a.json", "&Clear list"]
    (tmp_path / "a.json").unlink()
    why = window.sessions.open_recent(str((tmp_path / "a.json").resolve()))
    assert why == "a.json is no longer there: removed from the list"
    assert window.statusBar().currentMessage() == why
    assert preferences.recent_files() == [str((tmp_path / "b.json").resolve())]
    menu.aboutToShow.emit()
    menu.findChild(QtGui.QAction, "clearRecentAction").trigger()
    assert preferences.recent_files() == []


def test_copy_set_up_and_open_from_text_bring_the_state_back(qtbot, window) -> None:
    window.surface_panel.set_state(ROSENBROCK)
    copied = window.state()
    window.sessions.copy_action.trigger()
    text = QtGui.QGuiApplication.clipboard().text()
    assert text.startswith("gdsim:1:")
    window.surface_panel.set_state(SurfaceState())
    assert window.open_setup_text(text) is None
    assert window.state() == copied
    assert window.windowTitle() == "Gradient descent simulator[*]"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("https://playground.tensorflow.org/#lr=0.03", "not a gdsim set-up"),
        (encode_setup(AppState())[:100], "cut short"),
        (encode_setup(AppState(surface=SurfaceState(steps=3)))[:-1] + "!", "damaged"),
    ],
)
def test_bad_set_up_text_changes_nothing(qtbot, window, text, words) -> None:
    before = window.state().to_dict()
    why = window.open_setup_text(text)
    assert why is not None and why.startswith("Set-up not opened: ") and words in why
    assert window.statusBar().currentMessage() == why
    assert window.state().to_dict() == before


def test_open_from_a_code_path_takes_a_plain_string_too(qtbot, window, tmp_path) -> None:
    path = _session(tmp_path / "s.json", {"active": "network"})
    assert window.open_path(str(path)) is None  # type: ignore[arg-type]
    assert window.state() == AppState(active="network")
    assert QtCore.QFileInfo(window.windowFilePath()).fileName() == "s.json"


def test_a_file_named_on_the_command_line_opens_or_says_why(qtbot, window, tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("[1]")
    open_at_start(window, bad)
    err = capsys.readouterr().err
    assert err == "gdsim: bad.json not opened: not a gdsim session (the file holds a JSON list)\n"
    assert window.statusBar().currentMessage() == err.strip().removeprefix("gdsim: ")
    assert window.state() == AppState()
    good = _session(tmp_path / "good.json", {"surface": ROSENBROCK.to_dict()})
    open_at_start(window, good)
    assert capsys.readouterr().err == ""
    assert window.state().surface == ROSENBROCK
