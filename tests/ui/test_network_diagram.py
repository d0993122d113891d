"""The network diagram as a teacher uses it: per-neuron maps after training, a hovered unit's map
large in the decision plot, a hovered weight's value, and a weight edited by clicking its edge
(while paused only; bad text refused, nothing changed)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets
from test_colours import RUN_TO_VERDICT, delta_e

from gdsim.core.unit_maps import map_grid, unit_formula, unit_maps
from gdsim.ui.presenters.network import GRID_POINTS
from gdsim.ui.style import RUN_COLORS, VERDICT_STYLE
from gdsim.ui.widgets.message_area import MessageArea
from gdsim.ui.widgets.network_diagram import MAP_NEGATIVE, MAP_POSITIVE, map_rgba


def find(panel, cls, name):
    widget = panel.findChild(cls, name)
    assert widget is not None, name
    return widget


def message(panel) -> str:
    area = find(panel, MessageArea, "messageArea")
    return " ".join(area.text(key) for key in area.shown())


@pytest.fixture
def panel(qtbot, mlp_panel):
    """A 2-4-1 tanh network on the circle, trained 40 steps, the diagram large enough for maps."""
    combo = find(mlp_panel, QtWidgets.QComboBox, "datasetCombo")
    combo.setCurrentIndex(combo.findData("circle"))
    mlp_panel.layers.set_hidden(((4, "tanh"),))
    mlp_panel.network_box.changed.emit()
    find(mlp_panel, QtWidgets.QAbstractSpinBox, "stepsSpin").setValue(40)
    mlp_panel.resize(1400, 900)
    with qtbot.waitSignal(mlp_panel.runner.finished, timeout=60_000):
        find(mlp_panel, QtWidgets.QPushButton, "trainButton").click()
    qtbot.waitUntil(lambda: mlp_panel.presenter.frame.runs[0].state.step == 40)
    return mlp_panel


def diagram(panel):
    return find(panel, QtWidgets.QWidget, "networkDiagram")


def core_maps(panel) -> list[np.ndarray]:
    (x0, x1), (y0, y1) = panel.dataset.input_range
    grid = np.linspace(x0, x1, GRID_POINTS), np.linspace(y0, y1, GRID_POINTS)
    return unit_maps(panel.job.sessions[0].model, *map_grid(*grid))


def test_every_hidden_unit_shows_its_map_equal_to_the_core_s_activations(panel):
    view = diagram(panel)
    assert view.has_map(1) and view.has_map(2) and not view.has_map(0)
    hidden = core_maps(panel)[0]
    scale = float(np.abs(hidden).max())
    for unit in range(4):
        np.testing.assert_array_equal(view.unit_image(1, unit), map_rgba(hidden[unit], scale))


def test_each_unit_is_painted_with_its_own_map(panel):
    """The thumbnails are made a layer at a time: each still shows its unit's colours."""
    view = diagram(panel)
    for unit in range(4):
        image = view._map_image(1, unit).convertToFormat(QtGui.QImage.Format.Format_RGBA8888)
        height, width = image.height(), image.width()
        pixels = np.frombuffer(image.constBits(), np.uint8).reshape(height, width, 4)
        np.testing.assert_array_equal(pixels[::-1], view.unit_image(1, unit))


def test_hovering_a_unit_shows_its_map_large_then_the_decision_surface_again(qtbot, panel):
    view, plot = diagram(panel), panel.decision_plot
    with qtbot.waitSignal(panel.cursorInfo) as info:
        view.hover_at(view.unit_center(1, 2))
    weights, bias = panel.presenter.frame.weights[0]
    formula = unit_formula(weights[2], float(bias[2]), "tanh", ["x1", "x2"])
    assert info.args[0] == f"Layer 1, unit 3: {formula}"  # h = tanh(0.52·x1 − 1.3·x2 + 0.1)
    assert plot.unit_map.isVisible() and not plot.image.isVisible()
    np.testing.assert_array_equal(plot.unit_map.image, view.unit_image(1, 2))
    assert plot.unit_title.isVisible()
    assert plot.unit_title.textItem.toPlainText() == "Layer 1, unit 3: tanh(w·x + b)"
    assert plot.train_scatter.zValue() > plot.unit_map.zValue()  # the data stay on top
    view.hover_at(QtCore.QPointF(1, 1))
    assert not plot.unit_map.isVisible() and plot.image.isVisible()
    assert not plot.unit_title.isVisible()


def test_hovering_an_edge_says_its_weight(qtbot, panel):
    view = diagram(panel)
    value = float(panel.presenter.frame.weights[0][0][2, 1])
    with qtbot.waitSignal(panel.cursorInfo) as info:
        view.hover_at(view.edge_midpoint(0, 2, 1))
    assert info.args[0] == f"w[1](3←2) = {value:.4g}"
    assert view.toolTip() == info.args[0]


def click_and_type(qtbot, panel, text: str) -> None:
    view = diagram(panel)
    assert view.click_at(view.edge_midpoint(0, 2, 1))
    editor = find(panel, QtWidgets.QLineEdit, "weightEditor")
    assert editor.isVisible()
    editor.setText(text)
    qtbot.keyClick(editor, QtCore.Qt.Key.Key_Return)


def test_an_edge_clicked_while_paused_edits_the_weight_and_the_pictures_follow(qtbot, panel):
    find(panel, QtWidgets.QPushButton, "stepButton").click()  # from the start, then paused
    qtbot.waitUntil(
        lambda: panel.runner.is_paused() and panel.presenter.frame.runs[0].state.step == 1
    )
    before = panel.presenter.frame
    click_and_type(qtbot, panel, "2.5")
    qtbot.waitUntil(lambda: panel.presenter.frame.weights[0][0][2, 1] == 2.5)
    after = panel.presenter.frame
    assert float(panel.job.sessions[0].model[0].weight.detach()[2, 1]) == 2.5
    assert not np.array_equal(after.prediction, before.prediction)
    assert after.runs[0].state.train_loss != before.runs[0].state.train_loss
    assert diagram(panel).weight(0, 2, 1) == 2.5
    assert "weight" not in message(panel)
    find(panel, QtWidgets.QPushButton, "showCodeButton").click()
    assert "(1, 0, 2, 1, 2.5)," in panel.code_dialog.editor.toPlainText()


def test_bad_text_is_refused_with_one_line_and_changes_nothing(qtbot, panel):
    before = float(panel.presenter.frame.weights[0][0][2, 1])
    click_and_type(qtbot, panel, "abc")
    assert "'abc' is not a number" in message(panel)
    assert float(panel.job.sessions[0].model[0].weight.detach()[2, 1]) == before
    assert panel.job.sessions[0].edits == []
    assert "no weight (9←2)" in panel.edit_weight(0, 8, 1, "1")  # a network since rebuilt


def test_an_edge_clicked_while_training_runs_is_refused(qtbot, panel):
    find(panel, QtWidgets.QComboBox, "paceCombo").setCurrentIndex(0)  # 10 steps a second
    find(panel, QtWidgets.QAbstractSpinBox, "stepsSpin").setValue(1000)
    find(panel, QtWidgets.QPushButton, "trainButton").click()
    qtbot.waitUntil(lambda: panel.presenter.live)
    view = diagram(panel)
    view.click_at(view.edge_midpoint(0, 2, 1))
    assert "pause training to edit a weight" in message(panel)
    assert not find(panel, QtWidgets.QLineEdit, "weightEditor").isVisible()
    assert panel.edit_weight(0, 2, 1, "1.0") is not None
    assert panel.job.sessions[0].edits == []
    find(panel, QtWidgets.QPushButton, "stopButton").click()


@pytest.mark.parametrize("end", [MAP_NEGATIVE, MAP_POSITIVE])
def test_unit_map_colours_read_as_neither_a_run_nor_a_verdict(end):
    for color in (*RUN_COLORS, *(verdict for _, verdict in VERDICT_STYLE.values())):
        assert delta_e(end, color) > RUN_TO_VERDICT, (end, color)


def test_features_name_the_inputs_and_a_maxout_edge_edits_the_piece_it_shows(qtbot, mlp_panel):
    """Inputs x1², x2² and a maxout layer (k = 2): the formulas name the features, and an edge
    into a maxout unit (drawn as its piece of largest |w|) edits that piece's weight."""
    from gdsim.core.network import piece_rows
    from gdsim.core.unit_maps import linear_layers

    combo = find(mlp_panel, QtWidgets.QComboBox, "datasetCombo")
    combo.setCurrentIndex(combo.findData("circle"))
    for name, on in (("featureX1", False), ("featureX2", False), ("featureX1Squared", True),
                     ("featureX2Squared", True)):  # fmt: skip
        find(mlp_panel, QtWidgets.QCheckBox, name).setChecked(on)
    mlp_panel.layers.set_hidden(((3, "maxout"),))
    mlp_panel.network_box.changed.emit()
    find(mlp_panel, QtWidgets.QAbstractSpinBox, "stepsSpin").setValue(5)
    mlp_panel.resize(1400, 900)
    with qtbot.waitSignal(mlp_panel.runner.finished, timeout=60_000):
        find(mlp_panel, QtWidgets.QPushButton, "trainButton").click()
    qtbot.waitUntil(lambda: mlp_panel.presenter.frame.runs[0].state.step == 5)
    view = diagram(mlp_panel)
    assert view.hover_at(view.unit_center(0, 1)) == "input x2²"
    assert "max of 2 pieces" in view.hover_at(view.unit_center(1, 2))
    weight = linear_layers(mlp_panel.job.sessions[0].model)[0].weight
    piece = int(piece_rows(weight.detach().numpy(), 3)[2, 1])
    assert view.weight(0, 2, 1) == float(weight.detach()[piece, 1])
    assert view.click_at(view.edge_midpoint(0, 2, 1))
    editor = find(mlp_panel, QtWidgets.QLineEdit, "weightEditor")
    editor.setText("7")
    qtbot.keyClick(editor, QtCore.Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: float(weight.detach()[piece, 1]) == 7.0)
    qtbot.waitUntil(lambda: view.weight(0, 2, 1) == 7.0)  # the largest piece now: still shown


def test_the_picture_is_painted_again_only_when_a_change_would_show(qtbot, monkeypatch):
    """Training sends new weights several times a second; weights that would look the same
    (no edge changes colour or width step) keep the picture, a visible change repaints it."""
    from gdsim.ui.widgets.network_diagram import NetworkDiagram

    renders = []
    original = NetworkDiagram._render
    monkeypatch.setattr(NetworkDiagram, "_render", lambda self: renders.append(1) or original(self))
    view = NetworkDiagram()
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.set_architecture((2, 3, 1), ("2 inputs", "3 tanh", "1 sigmoid"))
    view.show()
    hidden = np.array([[1.0, -0.5], [0.2, 0.8], [-1.0, 0.3]])
    layers = [(hidden, np.zeros(3)), (np.array([[0.5, -0.5, 1.0]]), np.zeros(1))]
    view.set_weights(layers)
    first = view.grab().toImage()
    view.set_weights([(w * 1.001, b) for w, b in layers])
    assert view.grab().toImage() == first
    assert len(renders) == 1, "a change too small to see is not painted again"
    flipped = hidden.copy()
    flipped[0, 0] = -1.0
    view.set_weights([(flipped, np.zeros(3)), layers[1]])
    assert view.grab().toImage() != first, "a weight that changed sign is drawn in its colour"
    assert len(renders) == 2
