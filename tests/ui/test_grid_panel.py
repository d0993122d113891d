"""The "Grid search" tab: cells fill in from the worker with the progress in words, the best
cell outlined, diverged cells written "div", a click opens the cell in the network builder,
Cancel stops before the next cell, and bad settings are named in one line with nothing run.
The cells run in this process ("One process"): the parallel backends are tested in
tests/core/test_grid_search.py."""

from __future__ import annotations

import sys

from PySide6 import QtWidgets

from gdsim.core.datasets import DatasetParams
from gdsim.core.grid_search import DASK_MISSING
from gdsim.core.state import NetworkState

SMALL = NetworkState(dataset=DatasetParams("circle", n=60))


def _set_up(panel, rates="0.5, 1000", values="1, 2", steps=20, backend="One process"):
    panel.set_network(SMALL)
    panel.rates_edit.setText(rates)
    panel.values_edit.setText(values)
    panel.steps_spin.setValue(steps)
    panel.backend_combo.setCurrentText(backend)


def _run(qtbot, panel):
    with qtbot.waitSignal(panel.runner.finished, timeout=60_000):
        panel.run_button.click()


def test_cells_fill_in_with_the_best_outlined_and_divergence_written(qtbot, grid_panel):
    _set_up(grid_panel)
    _run(qtbot, grid_panel)
    progress = grid_panel.findChild(QtWidgets.QProgressBar, "gridProgress")
    assert progress.text() == "4 of 4 cells"
    texts = grid_panel.heatmap.texts
    assert sorted(texts) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert texts[(0, 1)].startswith("div") and texts[(1, 1)].startswith("div")
    assert grid_panel.heatmap.best in {(0, 0), (1, 0)}
    csv, name = grid_panel.data_csv()
    assert name == "grid_search.csv"
    assert csv.splitlines()[0] == "lr,layers,val_loss,regime"
    assert csv.splitlines()[2] == "1000.0,1,,diverged"
    assert grid_panel.findChild(QtWidgets.QPushButton, "gridRun").isEnabled()


def test_a_click_opens_the_cell_in_the_builder(qtbot, grid_panel):
    _set_up(grid_panel)
    _run(qtbot, grid_panel)
    with qtbot.waitSignal(grid_panel.openNetwork) as opened:
        grid_panel.heatmap.cellClicked.emit(1, 0)
    state = opened.args[0]
    assert state.training.lr == 0.5 and len(state.network.hidden) == 2
    assert state.dataset == SMALL.dataset and state.training.steps == 20


def test_cancel_stops_before_the_next_cell(qtbot, grid_panel):
    _set_up(grid_panel, rates="0.1, 0.2, 0.3, 0.4", values="1, 2, 3", steps=300)
    grid_panel.run_button.click()
    qtbot.waitUntil(lambda: bool(grid_panel.frame and grid_panel.frame.cells), timeout=60_000)
    with qtbot.waitSignal(grid_panel.runner.finished, timeout=60_000):
        grid_panel.findChild(QtWidgets.QPushButton, "gridCancel").click()
    note = grid_panel.findChild(QtWidgets.QLabel, "cancelledNote")
    assert note.isVisible() and "of 12 cells" in note.text()
    assert len(grid_panel.frame.cells) < 12


def test_bad_settings_are_named_and_nothing_runs(grid_panel):
    _set_up(grid_panel, values="1, many")
    grid_panel.run_button.click()
    error = grid_panel.findChild(QtWidgets.QLabel, "gridError")
    assert "hidden layers: whole numbers" in error.text()
    assert not grid_panel.runner.is_running()
    grid_panel.lr_max.setText("0.0001")
    grid_panel.fill_button.click()
    assert "0 < from < to" in error.text()
    grid_panel.lr_max.setText("1")
    grid_panel.lr_count.setValue(3)
    grid_panel.fill_button.click()
    assert grid_panel.rates_edit.text() == "0.001, 0.0316, 1"
    assert not error.isVisible()


def test_dask_without_the_extra_says_which_extra(qtbot, grid_panel, monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    _set_up(grid_panel, backend="Dask cluster")
    assert grid_panel.scheduler_edit.isEnabled()
    _run(qtbot, grid_panel)
    assert grid_panel.findChild(QtWidgets.QLabel, "runError").text().endswith(DASK_MISSING)


def test_the_window_hands_over_the_builder_and_opens_the_pick(qtbot, window):
    panel = window.findChild(QtWidgets.QWidget, "gridPanel")
    window.mlp_panel.set_state(SMALL)
    window.tabs.setCurrentWidget(panel)
    assert "circle" in panel.network_label.text()
    _set_up(panel, rates="0.5", values="3")
    _run(qtbot, panel)
    panel.open_cell(0, 0)
    assert window.tabs.currentWidget() is window.mlp_panel
    shown = window.mlp_panel.state()
    assert shown.training.lr == 0.5 and len(shown.network.hidden) == 3
