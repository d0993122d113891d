"""The app comes back as the teacher left it: window size, panel shown, each panel's state;
a preference that cannot be used is skipped with one line, never a crash."""

from __future__ import annotations

import json

import pytest
from PySide6 import QtCore, QtWidgets

from gdsim.core.simulate import RunSpec
from gdsim.core.state import NetworkState, SurfaceState
from gdsim.ui import preferences
from gdsim.ui.main_window import MainWindow


@pytest.fixture(autouse=True)
def _no_saved_preferences():
    QtCore.QSettings().clear()
    yield
    QtCore.QSettings().clear()


def _window(qtbot, new_window) -> MainWindow:
    window = new_window()
    window.restore_preferences()
    window.show()
    qtbot.waitExposed(window)
    return window


def test_closing_and_reopening_brings_back_the_surface_the_rates_the_network_and_the_size(
    qtbot, new_window
):
    first = _window(qtbot, new_window)
    first.resize(1100, 700)
    surface = SurfaceState(surface="rosenbrock", runs=(RunSpec(lr=0.0015),), steps=500)
    first.surface_panel.set_state(surface)
    first.mlp_panel.findChild(QtWidgets.QDoubleSpinBox, "mlpLrSpin").setValue(0.37)
    first.tabs.setCurrentIndex(1)
    first.close()

    second = _window(qtbot, new_window)
    assert second.surface_panel.state() == first.surface_panel.state()
    assert second.surface_panel.surface().name == "rosenbrock"
    assert second.surface_panel.runs()[0].lr == pytest.approx(0.0015)
    assert second.mlp_panel.state().training.lr == pytest.approx(0.37)
    assert second.tabs.currentIndex() == 1
    # The offscreen screen is 800 px wide, so Qt fits a restored width to it; the height shows
    # that the geometry came back (a new window is as high as the screen allows).
    assert second.height() == 700


def test_a_window_that_did_not_restore_preferences_does_not_overwrite_them(new_window):
    window = new_window()
    window.close()
    assert preferences.saved_state() == (None, "")


@pytest.mark.parametrize(
    ("saved", "words"),
    [
        ("{not json", "not restored (Expecting property name"),
        ('{"version": 99}', "not restored (version: "),
        ('{"surface": {"surface": "parabola", "runs": "many"}}', "partly restored (surface."),
    ],
)
def test_a_corrupt_or_newer_preference_is_skipped_with_one_line(qtbot, saved, words, new_window):
    QtCore.QSettings().setValue(preferences.STATE_KEY, saved)
    window = _window(qtbot, new_window)
    assert window.statusBar().currentMessage().startswith(f"Last session's settings {words}")
    assert window.surface_panel.state() == SurfaceState()


@pytest.mark.parametrize(
    "saved",
    ['{"network": {"compare_lrs": [1' + "0" * 400 + "]}}", "[" * 200_000],
    ids=["number beyond float", "nesting beyond the recursion limit"],
)
def test_preferences_that_break_the_json_reader_still_let_the_app_start(qtbot, saved, new_window):
    QtCore.QSettings().setValue(preferences.STATE_KEY, saved)
    window = _window(qtbot, new_window)
    assert window.statusBar().currentMessage().startswith("Last session's settings ")
    assert window.surface_panel.state() == SurfaceState()


def test_a_saved_panel_state_that_cannot_be_shown_is_said_and_the_other_panel_restored(
    qtbot, new_window
):
    first = _window(qtbot, new_window)
    first.mlp_panel.findChild(QtWidgets.QDoubleSpinBox, "mlpLrSpin").setValue(0.37)
    first.close()
    saved = json.loads(QtCore.QSettings().value(preferences.STATE_KEY))
    saved["surface"]["surface"] = "w**4 - w"  # a typed formula given a box it cannot take
    saved["surface"]["domain"] = [[0.0, 1e-12]]
    QtCore.QSettings().setValue(preferences.STATE_KEY, json.dumps(saved))
    second = _window(qtbot, new_window)
    message = second.statusBar().currentMessage()
    assert message.startswith("Last session's settings partly restored (surface.domain: ")
    assert second.mlp_panel.state().training.lr == pytest.approx(0.37)


def test_a_csv_file_deleted_since_the_last_session_is_said_at_start_and_the_surface_restored(
    qtbot, tmp_path, new_window
):
    first = _window(qtbot, new_window)
    first.surface_panel.set_state(SurfaceState(surface="rosenbrock", runs=(RunSpec(lr=0.001),)))
    data = tmp_path / "points.csv"
    data.write_text("x1,x2,y\n" + "".join(f"{k / 10},{k % 3},{k % 2}\n" for k in range(40)))
    picker = first.mlp_panel.picker
    with qtbot.waitSignal(picker.datasetChanged, timeout=10_000):
        picker.load_csv_file(data)
    first.close()
    data.unlink()
    second = _window(qtbot, new_window)
    message = second.statusBar().currentMessage()
    assert message.startswith("Last session's settings partly restored (network builder: ")
    assert "no such file" in message
    assert second.surface_panel.surface().name == "rosenbrock"


def test_reasons_from_reading_and_from_showing_share_one_status_line(qtbot, tmp_path, new_window):
    saved = {
        "surface": {"steps": "many"},
        "network": NetworkState(csv_path=str(tmp_path / "gone.csv")).to_dict(),
    }
    QtCore.QSettings().setValue(preferences.STATE_KEY, json.dumps(saved))
    message = _window(qtbot, new_window).statusBar().currentMessage()
    assert message.startswith("Last session's settings partly restored (surface.steps: ")
    assert message.endswith(")") and "; network builder: " in message
