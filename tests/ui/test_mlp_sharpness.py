"""Sharpness in the network builder: the "sharpness" control (off by default) shows the plot and
what tracking costs, a trained run draws its measurements with the dashed 2/η line at the right
height, an optimizer without such a line gets none and says why, and the setting is state."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6 import QtCore, QtWidgets

from gdsim.core.datasets import DatasetParams
from gdsim.core.network import NetworkSpec
from gdsim.core.state import NetworkState
from gdsim.core.training import TrainingConfig
from gdsim.ui.style import VERDICT_STYLE

DASH = QtCore.Qt.PenStyle.DashLine


def find(panel, cls, name):
    widget = panel.findChild(cls, name)
    assert widget is not None, name
    return widget


def sharpness_plot(panel) -> pg.PlotWidget:
    return find(panel, pg.PlotWidget, "sharpnessPlot")


def curves(plot: pg.PlotWidget) -> list[tuple[np.ndarray, np.ndarray, bool]]:
    """(x, y, dashed) of each curve drawn."""
    return [
        (item.xData, item.yData, item.opts["pen"].style() == QtCore.Qt.PenStyle.DashLine)
        for item in plot.listDataItems()
        if item.isVisible() and item.xData is not None and len(item.xData)
    ]


def small_state(every: int, optimizer: str = "gd", lr: float = 0.1) -> NetworkState:
    return NetworkState(
        dataset=DatasetParams("sine", n=60, noise=0.1),
        network=NetworkSpec(input_dim=1, hidden=((8, "tanh"),), task="regression"),
        training=TrainingConfig(optimizer=optimizer, lr=lr, steps=40, sharpness_every=every),
    )


def test_tracking_is_off_by_default_and_the_control_shows_the_plot_and_its_cost(mlp_panel):
    spin = find(mlp_panel, QtWidgets.QSpinBox, "sharpnessEverySpin")
    cost = find(mlp_panel, QtWidgets.QLabel, "sharpnessCostLabel")
    assert spin.value() == 0 and spin.text() == "off" and cost.text() == "off"
    assert not sharpness_plot(mlp_panel).isVisible()
    spin.setValue(10)
    assert sharpness_plot(mlp_panel).isVisible()
    assert cost.text() == "≈ +50% time"
    assert mlp_panel.state().training.sharpness_every == 10
    assert "sharpness" in mlp_panel.export_plots()
    spin.setValue(0)
    assert not sharpness_plot(mlp_panel).isVisible()
    assert "sharpness" not in mlp_panel.export_plots()


def test_a_trained_run_draws_its_sharpness_under_the_dashed_2_over_eta_line(qtbot, mlp_panel):
    assert mlp_panel.set_state(small_state(every=10)) is None
    with qtbot.waitSignal(mlp_panel.runner.finished, timeout=60_000):
        find(mlp_panel, QtWidgets.QPushButton, "trainButton").click()
    plot = sharpness_plot(mlp_panel)
    drawn = curves(plot)
    lines = [y for _, y, dashed in drawn if dashed]
    runs = [(x, y) for x, y, dashed in drawn if not dashed]
    assert [line.tolist() for line in lines] == [[pytest.approx(20.0)] * 2]
    assert runs[0][0].tolist() == [0, 10, 20, 30, 40]
    assert np.all(runs[0][1] > 0)
    legend = [label.text for _, label in plot.legend.items]
    assert legend == ["sharpness", "2/η = 20"]
    # The line the curve is meant to reach is drawn in no verdict's colour ("diverged" red
    # beside a converging run read as one colour meaning two things).
    dashed = [item for item in plot.listDataItems() if item.opts["pen"].style() == DASH]
    verdicts = {color.lower() for _, color in VERDICT_STYLE.values()}
    assert dashed[0].opts["pen"].color().name() not in verdicts


def test_an_optimizer_without_a_stability_line_gets_none_and_the_plot_says_why(mlp_panel):
    assert mlp_panel.set_state(small_state(every=10, optimizer="adam", lr=0.01)) is None
    plot = sharpness_plot(mlp_panel)
    assert plot.isVisible()
    assert not any(dashed for _, _, dashed in curves(plot))
    assert "not Adam's" in plot.getAxis("bottom").labelText


def test_the_setting_comes_back_from_the_panel_s_state(mlp_panel):
    state = small_state(every=25)
    assert mlp_panel.set_state(state) is None
    assert mlp_panel.state() == state
    assert find(mlp_panel, QtWidgets.QSpinBox, "sharpnessEverySpin").value() == 25


def test_moving_the_learning_rate_moves_the_line_at_once(mlp_panel):
    assert mlp_panel.set_state(small_state(every=10)) is None
    find(mlp_panel, QtWidgets.QDoubleSpinBox, "mlpLrSpin").setValue(0.05)
    lines = [y for _, y, dashed in curves(sharpness_plot(mlp_panel)) if dashed]
    assert [line.tolist() for line in lines] == [[pytest.approx(40.0)] * 2]


def test_on_a_small_plot_the_line_labels_never_overlap_nor_sit_by_another_line(qtbot, mlp_panel):
    """Lesson 9's three rates at 1024x768 in presentation mode: "2/η = 40" and "2/η = 20"
    printed over each other, and "2/η = 10" sat beside the line at 20."""
    state = replace(small_state(every=10), compare=True, compare_lrs=(0.05, 0.1, 0.2))
    assert mlp_panel.set_state(state) is None
    plot = sharpness_plot(mlp_panel)
    for height in (130, 400):
        plot.setFixedSize(220, height)
        QtWidgets.QApplication.processEvents()
        boxes = [label.sceneBoundingRect() for label in plot._labels if label.isVisible()]
        assert all(not a.intersects(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
        lines = [plot.getViewBox().mapViewToScene(QtCore.QPointF(0, y)).y() for y in (40, 20, 10)]
        for box in boxes:
            assert sum(box.top() + 1 < y < box.bottom() - 1 for y in lines) == 0, (height, box)
    assert plot.line_labels() == ["2/η = 40", "2/η = 20", "2/η = 10"], "a tall plot names all"
