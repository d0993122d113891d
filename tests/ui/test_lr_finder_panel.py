"""The "LR range test" tab: runs in the worker on copies of the builder's network, shows the
suggestion and the sweep's verdicts, opens the network at a chosen η, refuses bad input."""

from __future__ import annotations

import math
from dataclasses import replace

import pyqtgraph as pg
import pytest

from gdsim.core.datasets import DatasetParams
from gdsim.core.network import NetworkSpec
from gdsim.core.state import NetworkState
from gdsim.core.training import TrainingConfig
from gdsim.core.verdict import Regime
from gdsim.ui import style
from gdsim.ui.panels.lr_finder_panel import LrFinderPanel

WAIT_MS = 20_000


@pytest.fixture
def panel(qtbot, owned):
    """The view alone, deleted at the end as tests/ui/conftest.py's fixtures are."""
    view = LrFinderPanel()
    owned(view)
    view.resize(1280, 800)
    view.show()
    qtbot.waitExposed(view)
    return view


def sine_state() -> NetworkState:
    """A 1D regression on a small network: rates up to 100 blow it up."""
    return NetworkState(
        dataset=DatasetParams(name="sine", n=80),
        network=NetworkSpec.for_task("regression", 1, hidden=((8, "tanh"),)),
        training=TrainingConfig(lr=0.3),
    )


def finish(qtbot, view: LrFinderPanel) -> None:
    qtbot.waitUntil(lambda: not view.runner.is_running(), timeout=WAIT_MS)


def test_shown_network_runs_the_range_test_and_its_suggestion_opens_the_builder(qtbot, panel):
    state = sine_state()
    panel.set_network(state)
    finish(qtbot, panel)
    result = panel.range_result
    assert result is not None and result.finished and result.suggestion is not None
    assert panel.findChild(object, "suggestionLabel").text().startswith("suggested η = ")
    assert len(panel.smooth_curve.getData()[0]) == len(result.lrs)
    button = panel.findChild(object, "useSuggestionButton")
    assert button.isEnabled()
    with qtbot.waitSignal(panel.openNetwork) as opened:
        button.click()
    shown = opened.args[0]
    assert shown.training.lr == pytest.approx(result.suggestion, rel=1e-2)
    assert shown == replace(state, training=replace(state.training, lr=shown.training.lr))
    assert panel.network_state == state  # the builder's own state is untouched


def test_sweep_colours_every_rate_by_verdict_and_a_dot_opens_its_rate(qtbot, panel):
    panel.set_network(sine_state())
    finish(qtbot, panel)
    panel.sweep_count_spin.setValue(6)
    panel.sweep_steps_spin.setValue(40)
    panel.lr_max_edit.setText("1e4")
    panel.findChild(object, "runSweepButton").click()
    finish(qtbot, panel)
    runs = panel.sweep_result.runs
    assert len(runs) == 6 and runs[-1].verdict.regime == Regime.DIVERGED
    assert not math.isfinite(runs[-1].final_loss)
    dots = {regime: scatter.points() for regime, scatter in panel.sweep_scatters.items()}
    assert sum(len(points) for points in dots.values()) == 6  # non-finite ones kept, at the top
    for regime, points in dots.items():
        for point in points:
            assert point.brush().color().name() == style.VERDICT_STYLE[regime][1]
    assert panel.findChild(object, "boundariesLabel").text().startswith("Regimes: ")
    for plot in (panel.sweep_plot, panel.range_plot):  # the boundaries, drawn on both plots
        items = plot.getPlotItem().items
        lines = [i for i in items if isinstance(i, pg.InfiniteLine) and i.angle == 90]
        assert sum(line.isVisible() for line in lines) >= len(panel.sweep_result.boundaries) > 0
    assert panel.non_finite_line.isVisible()  # the line the blown-up runs' dots sit on
    first = dots[runs[0].verdict.regime][0]
    scatter = panel.sweep_scatters[runs[0].verdict.regime]
    with qtbot.waitSignal(panel.openNetwork) as opened:
        scatter.sigClicked.emit(scatter, [first], None)
    assert opened.args[0].training.lr == pytest.approx(runs[0].lr, rel=1e-2)
    text, name = panel.data_csv()
    assert name.endswith(".csv") and text.count("\nsweep,") == 6 and "\nrange," in text


def test_bad_rates_are_refused_in_one_line_and_nothing_starts(qtbot, panel):
    with pytest.raises(ValueError, match="nothing to export"):
        panel.data_csv()
    panel.lr_min_edit.setText("ten")
    panel.set_network(sine_state())
    assert not panel.runner.is_running()
    error = panel.findChild(object, "inputError")
    assert error.isVisible() and "'ten' is not a number" in error.text()
    panel.lr_min_edit.setText("1e-3")
    panel.findChild(object, "runRangeTestButton").click()
    assert not error.isVisible()
    finish(qtbot, panel)
    adam = sine_state()
    panel.lr_max_edit.setText("1e38")
    panel.set_network(replace(adam, training=replace(adam.training, optimizer="adam")))
    assert error.isVisible() and "too large for Adam" in error.text()
    assert not panel.runner.is_running() and panel.range_result is None


def test_a_new_job_cancels_the_running_one_and_cancel_stops_it(qtbot, panel):
    panel.set_network(sine_state())  # starts the range test
    panel.sweep_steps_spin.setValue(20_000)
    panel.run_sweep()
    assert panel.runner.is_running()
    panel.findChild(object, "cancelButton").click()
    assert not panel.runner.is_running() and panel.sweep_result is None
    assert panel.range_result is None or not panel.range_result.finished
    assert not panel.findChild(object, "cancelButton").isEnabled()


def test_a_dataset_file_gone_is_said_in_one_line(qtbot, panel, tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("x1,x2,label\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(30)))
    state = NetworkState(csv_path=str(path), network=NetworkSpec.for_task("binary", 2))
    path.unlink()
    panel.set_network(state)
    error = panel.findChild(object, "jobError")
    qtbot.waitUntil(error.isVisible, timeout=WAIT_MS)
    assert "points.csv" in error.text() and "\n" not in error.text()
    assert panel.range_result is None


def test_the_window_hands_over_the_builder_and_opens_the_pick_there(qtbot, window):
    view = window.findChild(LrFinderPanel)
    window.tabs.setCurrentWidget(view)
    assert view.network_state == window.mlp_panel.state()
    finish(qtbot, view)
    window.set_presentation(True)
    assert view.smooth_curve.opts["pen"].widthF() == 3 * style.PRESENTATION_PEN
    window.set_presentation(False)
    view.open_rate(0.25)
    assert window.tabs.currentWidget() is window.mlp_panel
    assert window.mlp_panel.state().training.lr == 0.25
    result = view.range_result
    window.tabs.setCurrentWidget(view)  # only the rate changed: the results stay, nothing reruns
    assert view.range_result is result and not view.runner.is_running()
    assert view.network_state.training.lr == 0.25
    view.run_sweep()  # closing the window mid-job stops it (the fixture checks no thread is left)
