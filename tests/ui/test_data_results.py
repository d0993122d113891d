"""The network builder's data and results (issue 17, part E), through objectNames: Restart vs
New weights, the display toggles, the confusion matrix and drawing one's own data."""

from __future__ import annotations

import numpy as np
from PySide6 import QtWidgets


def find(panel, cls, name):
    widget = panel.findChild(cls, name)
    assert widget is not None, name
    return widget


def button(panel, name) -> QtWidgets.QPushButton:
    return find(panel, QtWidgets.QPushButton, name)


def train_steps(qtbot, panel, steps: int) -> np.ndarray:
    """Train `steps` steps from wherever the job is, and return the losses of the run."""
    find(panel, QtWidgets.QSpinBox, "stepsSpin").setValue(steps)
    with qtbot.waitSignal(panel.presenter.finished, timeout=20_000):
        button(panel, "trainButton").click()
    return panel.job.sessions[0].history.arrays()[1]


def first_weights(panel) -> np.ndarray:
    return panel.job.sessions[0].layer_weights()[0][0]


def test_restart_repeats_the_run_and_new_weights_change_it(qtbot, mlp_panel):
    panel = mlp_panel
    seed_spin = find(panel, QtWidgets.QSpinBox, "netSeedSpin")
    start = first_weights(panel)
    losses = train_steps(qtbot, panel, 40)
    button(panel, "resetButton").click()
    np.testing.assert_array_equal(first_weights(panel), start)
    np.testing.assert_array_equal(train_steps(qtbot, panel, 40), losses)

    old_seed = seed_spin.value()
    with qtbot.waitSignal(panel.edited):  # an edit like any other: the undo history hears it
        button(panel, "newWeightsButton").click()
    assert seed_spin.value() != old_seed
    assert panel.state().network.seed == seed_spin.value() == panel.state().training.seed
    assert panel.job.sessions[0].step_count == 0
    assert not np.array_equal(first_weights(panel), start)


def test_a_weight_seed_always_gives_the_same_weights(mlp_panel):
    mlp_panel.use_weight_seed(7)
    drawn = first_weights(mlp_panel)
    mlp_panel.use_weight_seed(0)
    mlp_panel.use_weight_seed(7)
    np.testing.assert_array_equal(first_weights(mlp_panel), drawn)
