"""The Landscape tab: computes in the worker and draws through the shared SurfaceView,
refuses what it cannot draw in one line, and cancels or closes cleanly mid-compute."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtWidgets

from gdsim.core.datasets import DatasetParams
from gdsim.core.network import NetworkSpec
from gdsim.core.state import NetworkState
from gdsim.core.training import TrainingConfig


def _label(panel, name: str) -> QtWidgets.QLabel:
    return panel.findChild(QtWidgets.QLabel, name)


def _compute(qtbot, panel) -> None:
    with qtbot.waitSignal(panel.runner.finished, timeout=30_000):
        panel.findChild(QtWidgets.QPushButton, "landscapeCompute").click()


def test_compare_mode_on_one_plane_with_a_diverged_regression_run(qtbot, landscape_panel):
    panel = landscape_panel
    panel.set_network(
        NetworkState(
            dataset=DatasetParams(name="sine", n=80),
            network=NetworkSpec.for_task("regression", 1, 1, hidden=((8, "tanh"),)),
            compare=True,
            compare_lrs=(0.1, 10.0),
            training=TrainingConfig(steps=40),
        )
    )
    panel.findChild(QtWidgets.QSpinBox, "landscapeGrid").setValue(21)
    _compute(qtbot, panel)
    view = panel.findChild(QtWidgets.QWidget, "landscapeView")
    assert view.image.isVisible() and view.image.image.shape == (21, 21)
    assert view.drawn_count(0) > 1 and view.drawn_count(1) >= 1
    assert "Loss at the final weights" in _label(panel, "landscapeInfo").text()
    assert "Centred on <b>η = 0.1</b>'s final weights" in _label(panel, "landscapeInfo").text()
    assert "diverged at step" in _label(panel, "landscapeNotesWarning").text()
    assert panel.findChild(QtWidgets.QProgressBar, "landscapeProgress").format().startswith("done")
    csv_text, name = panel.data_csv()
    assert name == "landscape.csv" and csv_text.count("\ngrid,") == 21 * 21


@pytest.mark.parametrize("directions", ["line", "random"])
def test_1d_on_a_classification_set_draws_a_curve_and_plays_back(
    qtbot, landscape_panel, directions
):
    """Every iterate is drawn at (α, its own loss), also where that lies off the curve."""
    panel = landscape_panel
    panel.set_network(NetworkState(dataset=DatasetParams(n=80), training=TrainingConfig(steps=30)))
    panel.findChild(QtWidgets.QComboBox, "landscapeDims").setCurrentIndex(1)
    plane = panel.findChild(QtWidgets.QComboBox, "landscapePlane")
    plane.setCurrentIndex(plane.findData(directions))
    panel.findChild(QtWidgets.QSpinBox, "landscapeGrid").setValue(21)
    _compute(qtbot, panel)
    view = panel.findChild(QtWidgets.QWidget, "landscapeView")
    assert not view.image.isVisible()
    x, y = view.curve.getData()
    assert len(x) == 21 and np.isfinite(y).all()
    assert view.drawn_count(0) == 31
    playback = panel.findChild(QtWidgets.QWidget, "landscapePlayback")
    assert playback.position_label.text() == "all 31 iterates, steps 0–30"
    panel.findChild(QtWidgets.QPushButton, "stepButton").click()
    assert view.drawn_count(0) == 2
    assert playback.position_label.text() == "iterate 1 / 30: step 1"
    for _twice in range(2):  # the second Reset changes no position: the label stays worded
        panel.findChild(QtWidgets.QPushButton, "resetButton").click()
        assert playback.position_label.text() == "iterate 0 / 30: step 0"
    readouts = []
    panel.cursorInfo.connect(readouts.append)
    panel._on_hover(0.5, 0.0)
    # A new Compute with the builder changed mid-way: the whole new path, no stale readout,
    # and the label names the network the slice was computed for.
    with qtbot.waitSignal(panel.runner.finished, timeout=30_000):
        panel.findChild(QtWidgets.QPushButton, "landscapeCompute").click()
        panel.set_network(NetworkState(training=TrainingConfig(steps=5)))
    assert view.drawn_count(0) == 31 and readouts[-1] == ""
    network = _label(panel, "landscapeNetwork").text()
    assert "30 steps" in network and "has changed since" in network


def test_pca_in_compare_mode_is_refused_in_one_line(landscape_panel):
    panel = landscape_panel
    panel.set_network(NetworkState(compare=True))
    plane = panel.findChild(QtWidgets.QComboBox, "landscapePlane")
    plane.setCurrentIndex(plane.findData("pca"))
    panel.findChild(QtWidgets.QPushButton, "landscapeCompute").click()
    assert "compare mode" in _label(panel, "landscapeError").text()
    assert not panel.runner.is_running()


def test_cancel_and_close_mid_compute(qtbot, landscape_panel):
    panel = landscape_panel
    panel.set_network(NetworkState(training=TrainingConfig(steps=100_000)))
    compute = panel.findChild(QtWidgets.QPushButton, "landscapeCompute")
    compute.click()
    qtbot.waitUntil(lambda: panel.frame is not None and panel.frame.done > 0, timeout=10_000)
    panel.findChild(QtWidgets.QPushButton, "landscapeCancel").click()
    assert not panel.runner.is_running() and compute.isEnabled()
    assert "cancelled" in _label(panel, "landscapeCancelledNote").text()
    assert _label(panel, "landscapeInfo").text() == "Cancelled."
    compute.click()  # and left running: the fixture closes the panel mid-compute
    assert panel.runner.is_running()


def test_a_failed_compute_says_why_in_one_line(qtbot, landscape_panel):
    panel = landscape_panel
    panel.set_network(NetworkState(dataset=DatasetParams(n=80), training=TrainingConfig(steps=1)))
    plane = panel.findChild(QtWidgets.QComboBox, "landscapePlane")
    plane.setCurrentIndex(plane.findData("pca"))
    with qtbot.waitSignal(panel.runner.failed, timeout=30_000):
        panel.findChild(QtWidgets.QPushButton, "landscapeCompute").click()
    reason = "PCA needs more than 2 recorded iterates: train longer"
    assert _label(panel, "landscapeError").text() == f"✗ {reason}"
    assert _label(panel, "landscapeInfo").text() == f"Failed: {reason}"
