"""The learning-rate sweep tab: it sweeps the explorer's run in the worker, draws every run
(diverged ones at the top edge) with the critical rates marked, opens a clicked run in the
explorer, refuses bad settings in one line, cancels, and exports its table."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6 import QtWidgets

from gdsim.core.simulate import RunSpec
from gdsim.core.state import SurfaceState
from gdsim.core.verdict import Regime
from gdsim.ui.panels.sweep_panel import DEBOUNCE_MS
from gdsim.ui.widgets.sweep_plots import DOT

PARABOLA = SurfaceState(surface="parabola", runs=(RunSpec(lr=0.2, start=(3.0,)),), steps=100)


def _swept(qtbot, panel, state=PARABOLA):
    with qtbot.waitSignal(panel.runner.finished, timeout=20_000):
        panel.set_surface(state)
    return panel.result


def test_the_parabola_sweep_marks_one_and_two_over_lambda(qtbot, sweep_panel):
    result = _swept(qtbot, sweep_panel)
    assert result.complete and len(result.lrs) == 200
    info = sweep_panel.findChild(QtWidgets.QLabel, "sweepInfo").text()
    assert "1/λ = 0.5" in info and "2/λ = 1" in info
    lines = sweep_panel.plots.lines
    assert [line.isVisible() for line in lines] == [True, True, False]
    assert lines[0].value() == pytest.approx(math.log10(0.5))
    assert lines[1].label.format == "2/λ = 1"
    dots = sweep_panel.plots.dots
    assert sum(len(item.data) for item in dots.values()) == 200  # no run dropped
    top = max(y for item in dots.values() for y in item.data["y"])
    assert len(dots[Regime.DIVERGED].data) > 0
    assert np.all(dots[Regime.DIVERGED].data["y"] == top)
    assert sweep_panel.plots.bifurcation.isVisible()
    assert sweep_panel.findChild(QtWidgets.QProgressBar, "sweepProgress").value() == 200


def test_hover_and_click_name_and_open_the_run(qtbot, sweep_panel):
    result = _swept(qtbot, sweep_panel)
    with qtbot.waitSignal(sweep_panel.cursorInfo) as hover:
        sweep_panel.plots.hovered.emit(0.8)
    assert hover.args[0].startswith("η = 0.7") and ": oscillating, final loss" in hover.args[0]
    oscillating = sweep_panel.plots.dots[Regime.OSCILLATING]
    point = oscillating.points()[0]
    with qtbot.waitSignal(sweep_panel.openSurface) as opened:
        oscillating.sigClicked.emit(oscillating, [point], None)
    state = opened.args[0]
    assert state.runs[0].lr == result.lrs[int(point.data())]
    assert state.runs[0].start == (3.0,) and state.steps == 100
    assert result.regimes[int(point.data())] is Regime.OSCILLATING


def test_an_unchanged_surface_is_not_swept_again_and_a_2d_one_has_no_bifurcation(
    qtbot, sweep_panel
):
    _swept(qtbot, sweep_panel)
    moved = SurfaceState(surface="parabola", runs=(RunSpec(lr=0.9, start=(3.0,)),), steps=100)
    sweep_panel.set_surface(moved)  # only η changed: the sweep does not depend on it
    assert not sweep_panel.runner.is_running()
    bowl = SurfaceState(surface="rosenbrock", runs=(RunSpec(lr=0.001),), steps=50)
    result = _swept(qtbot, sweep_panel, bowl)
    assert result.config.surface.name == "rosenbrock" and result.tails is None
    assert not sweep_panel.plots.bifurcation.isVisible()
    assert sweep_panel.findChild(QtWidgets.QSpinBox, "sweepSteps").value() == 50
    assert set(sweep_panel.export_plots()) == {"sweep"}


def test_bad_settings_are_one_line_and_start_nothing(qtbot, sweep_panel):
    _swept(qtbot, sweep_panel)
    low = sweep_panel.findChild(QtWidgets.QDoubleSpinBox, "sweepLrMin")
    high = sweep_panel.findChild(QtWidgets.QDoubleSpinBox, "sweepLrMax")
    high.setValue(0.01)
    low.setValue(0.5)
    assert not sweep_panel.findChild(QtWidgets.QCheckBox, "sweepFitRange").isChecked()
    sweep_panel.run_sweep()
    error = sweep_panel.findChild(QtWidgets.QLabel, "sweepError")
    assert error.isVisible() and "must lie below" in error.text()
    assert not sweep_panel.runner.is_running()
    low.setValue(0.001)  # a good range again: the sweep reruns after the pause
    with qtbot.waitSignal(sweep_panel.runner.finished, timeout=20_000):
        pass
    assert not error.isVisible() and sweep_panel.result.lrs[0] == pytest.approx(0.001)


def test_cancel_stops_the_sweep_and_keeps_what_was_done(qtbot, sweep_panel, monkeypatch):
    monkeypatch.setattr("gdsim.core.sweep.CHUNK_WORK", 20_000)
    _swept(qtbot, sweep_panel)
    sweep_panel.findChild(QtWidgets.QSpinBox, "sweepSteps").setValue(5000)
    sweep_panel.run_sweep()
    cancel = sweep_panel.findChild(QtWidgets.QPushButton, "sweepCancel")
    assert cancel.isEnabled()
    qtbot.waitUntil(lambda: sweep_panel.result.config.steps == 5000, timeout=10_000)
    cancel.click()
    assert not sweep_panel.runner.is_running() and not cancel.isEnabled()
    assert not sweep_panel.result.complete
    sweep_panel.findChild(QtWidgets.QPushButton, "sweepRun").click()
    assert sweep_panel.runner.is_running()
    sweep_panel.close()  # closing mid-sweep ends the worker
    assert not sweep_panel.runner.is_running()


def test_csv_export_has_a_row_per_rate(qtbot, sweep_panel):
    with pytest.raises(ValueError, match="no sweep"):
        sweep_panel.data_csv()
    _swept(qtbot, sweep_panel)
    text, name = sweep_panel.data_csv()
    lines = text.splitlines()
    assert name.endswith(".csv") and lines[0] == "lr,regime,final_loss,distance,stopped_at"
    assert len(lines) == 201


def test_the_window_tab_sweeps_the_explorer_and_opens_a_pick_there(qtbot, window):
    sweep = window.tabs.widget(2)
    assert window.tabs.tabText(2) == "Learning-rate sweep"
    with qtbot.waitSignal(sweep.runner.finished, timeout=20_000):
        window.tabs.setCurrentIndex(2)
    assert window.state().active == "sweep"
    window.set_presentation(True)
    assert sweep.plots.dots[Regime.SLOW].opts["size"] == pytest.approx(2 * DOT)
    window.set_presentation(False)
    sweep.open_run(10)
    assert window.tabs.currentWidget() is window.surface_panel
    assert window.surface_panel.state().selected_run().lr == pytest.approx(sweep.result.lrs[10])


def test_an_edited_count_sweeps_again_after_a_short_pause(qtbot, sweep_panel):
    _swept(qtbot, sweep_panel)
    sweep_panel.findChild(QtWidgets.QSpinBox, "sweepCount").setValue(1000)
    assert sweep_panel.debounce.isActive() and sweep_panel.debounce.interval() == DEBOUNCE_MS
    with qtbot.waitSignal(sweep_panel.runner.finished, timeout=20_000):
        pass
    assert len(sweep_panel.result.lrs) == 1000 and sweep_panel.result.complete
