"""The network builder's data and results (issue 17, part E), through objectNames: Restart vs
New weights, the display toggles, the confusion matrix and drawing one's own data."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtWidgets


def find(panel, cls, name):
    widget = panel.findChild(cls, name)
    assert widget is not None, name
    return widget


def button(panel, name) -> QtWidgets.QAbstractButton:
    return find(panel, QtWidgets.QAbstractButton, name)


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
    mlp_panel.show_code()  # the exported script reproduces the new run
    assert "torch.manual_seed(7)" in mlp_panel.code_dialog.code()
    mlp_panel.code_dialog.close()


def colours_drawn(panel) -> int:
    """Distinct colours in the decision map's image."""
    image = panel.decision_plot.image.image
    return len(np.unique(image.reshape(-1, image.shape[-1]), axis=0))


def test_display_toggles_change_what_is_drawn_and_are_saved(qtbot, mlp_panel):
    panel = mlp_panel
    plot = panel.decision_plot
    train_steps(qtbot, panel, 60)
    assert colours_drawn(panel) > 2  # the probability shading
    button(panel, "discreteToggle").click()
    assert colours_drawn(panel) == 2  # hard class regions
    button(panel, "validationToggle").click()
    assert not plot.val_scatter.isVisible() and plot.train_scatter.isVisible()
    button(panel, "surfaceToggle").click()
    assert not plot.image.isVisible() and plot.train_scatter.isVisible()
    saved = panel.state()
    assert (saved.display.discrete, saved.display.validation, saved.display.surface) == (
        True, False, False,
    )  # fmt: skip
    button(panel, "surfaceToggle").click()
    button(panel, "validationToggle").click()
    assert plot.image.isVisible() and plot.val_scatter.isVisible()
    assert panel.set_state(saved) is None
    assert not plot.image.isVisible() and not plot.val_scatter.isVisible()
    assert not button(panel, "surfaceToggle").isChecked()


def test_on_1d_data_only_the_validation_toggle_applies(mlp_panel):
    combo = find(mlp_panel, QtWidgets.QComboBox, "datasetCombo")
    combo.setCurrentIndex(combo.findData("sine"))
    assert button(mlp_panel, "validationToggle").isEnabled()
    for name in ("discreteToggle", "surfaceToggle"):
        assert not button(mlp_panel, name).isEnabled()
        assert button(mlp_panel, name).toolTip().startswith("Not for 1D data")


def click_plot(qtbot, panel, x: float, y: float, which) -> None:
    plot = panel.decision_plot
    scene_point = plot.getViewBox().mapViewToScene(QtCore.QPointF(x, y))
    qtbot.mouseClick(plot.viewport(), which, pos=plot.mapFromScene(scene_point))


def test_drawn_points_become_the_data_and_save_as_csv(qtbot, mlp_panel, tmp_path):
    panel = mlp_panel
    button(panel, "drawButton").click()
    click_plot(qtbot, panel, -0.5, -0.5, QtCore.Qt.MouseButton.LeftButton)
    click_plot(qtbot, panel, 0.5, 0.5, QtCore.Qt.MouseButton.RightButton)
    points = panel.picker.drawn().points
    assert [label for _, _, label in points] == [0, 1]
    assert np.allclose([points[0][:2], points[1][:2]], [[-0.5, -0.5], [0.5, 0.5]], atol=0.05)
    assert panel.decision_plot.drawn_scatter.isVisible()
    assert not button(panel, "trainButton").isEnabled()
    assert "at least 4 points" in panel.messages.findChild(QtWidgets.QLabel, "datasetError").text()

    rng = np.random.default_rng(1)
    for label, centre in ((0, -0.5), (1, 0.5)):
        for x1, x2 in rng.normal(centre, 0.1, (4, 2)):
            panel.add_drawn_point(x1, x2, label)
    assert button(panel, "trainButton").isEnabled()
    assert not panel.decision_plot.drawn_scatter.isVisible()
    data = panel.dataset
    assert data.name == "drawn" and len(data.x_train) + len(data.x_val) == 10
    train_steps(qtbot, panel, 30)
    assert panel.job.sessions[0].dataset is data

    path = tmp_path / "mine.csv"
    assert panel.picker.save_drawn(path) is None
    assert panel.picker.load_csv_file(path)
    np.testing.assert_array_equal(panel.dataset.x_train, data.x_train)
    np.testing.assert_array_equal(panel.dataset.y_val, data.y_val)


def test_clear_goes_back_to_the_dataset_chosen_before(mlp_panel):
    panel = mlp_panel
    before = panel.dataset
    for label in (0, 0, 1):
        panel.add_drawn_point(0.1 * label, 0.2, label)
    assert panel.state().drawn.points[-1] == (0.1, 0.2, 1)
    button(panel, "clearDrawnButton").click()
    assert find(panel, QtWidgets.QComboBox, "datasetCombo").currentText() == "circle"
    assert not panel.picker.drawn() and panel.dataset.name == before.name
    assert button(panel, "trainButton").isEnabled()


def test_the_confusion_matrix_counts_the_shown_runs_points(qtbot, mlp_panel):
    from gdsim.core.confusion import session_confusions

    panel = mlp_panel
    train_steps(qtbot, panel, 60)
    view = find(panel, QtWidgets.QWidget, "confusionView")
    table = find(panel, QtWidgets.QTableWidget, "confusionTable")
    assert view.isVisible()
    train, val = session_confusions(panel.job.sessions[0])

    def shown() -> list[list[int]]:
        return [[int(table.item(r, c).text()) for c in range(2)] for r in range(2)]

    assert shown() == train.to_json()
    accuracy = train.class_accuracy()[0]
    assert table.item(0, 2).text() == f"{accuracy:.0%}"
    find(panel, QtWidgets.QComboBox, "confusionSetCombo").setCurrentIndex(1)
    assert shown() == val.to_json()
    combo = find(panel, QtWidgets.QComboBox, "datasetCombo")
    combo.setCurrentIndex(combo.findData("sine"))
    train_steps(qtbot, panel, 5)
    assert not view.isVisible()


def test_a_drawn_point_and_a_display_toggle_are_undone(qtbot, window):
    window.tabs.setCurrentWidget(window.mlp_panel)
    panel, history = window.mlp_panel, window.sessions.history
    panel.add_drawn_point(0.2, 0.3, 0)
    qtbot.waitUntil(lambda: history.undo_action.text() == "&Undo Draw data")
    button(panel, "surfaceToggle").click()
    qtbot.waitUntil(lambda: history.undo_action.text() == "&Undo Hide surface")
    history.undo()
    assert button(panel, "surfaceToggle").isChecked() and panel.picker.drawn()
    history.undo()
    assert not panel.picker.drawn() and panel.dataset.name == "circle"
    assert not panel.decision_plot.drawn_scatter.isVisible()
    assert button(panel, "trainButton").isEnabled()
