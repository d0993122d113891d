"""The network box's model options (issue 17) as a user meets them: the activation preview and
its note, maxout's pieces, the loss choice and its mismatch label, the input features as
toggles, dropout; each reaches the network the panel trains."""

from __future__ import annotations

import numpy as np
from PySide6 import QtWidgets
from torch import nn

from gdsim.core.layers import Features
from gdsim.core.state import NetworkState
from gdsim.ui.widgets.activation_preview import ActivationPreview
from gdsim.ui.widgets.message_area import MessageArea
from gdsim.ui.widgets.network_box import activation_notes
from gdsim.ui.widgets.network_diagram import NetworkDiagram


def child(panel, kind, name: str):
    widget = panel.findChild(kind, name)
    assert widget is not None, name
    return widget


def test_choosing_step_previews_it_and_says_its_gradient_is_zero(mlp_panel):
    combo = child(mlp_panel, QtWidgets.QComboBox, "layerActivationCombo0")
    preview = child(mlp_panel, ActivationPreview, "activationPreview")
    note = child(mlp_panel, QtWidgets.QLabel, "activationNoteLabel")
    assert preview.shown == "relu" and note.isHidden()
    combo.setCurrentIndex(combo.findData("step"))
    assert preview.shown == "step"
    assert (
        child(mlp_panel, QtWidgets.QLabel, "activationPreviewLabel")
        .text()
        .startswith("layer 1: Step")
    )
    assert note.isVisible() and "zero gradient almost everywhere" in note.text()
    assert "zero gradient" in combo.itemData(combo.currentIndex(), 3)  # its tooltip
    assert combo.toolTip().startswith("zero gradient")


def test_the_note_names_the_layer_it_is_about_and_the_preview_the_layer_last_chosen(mlp_panel):
    child(mlp_panel, QtWidgets.QPushButton, "addLayerButton").click()
    first, second = (
        child(mlp_panel, QtWidgets.QComboBox, f"layerActivationCombo{i}") for i in (0, 1)
    )
    first.setCurrentIndex(first.findData("tanh"))
    second.setCurrentIndex(second.findData("step"))
    preview = child(mlp_panel, QtWidgets.QLabel, "activationPreviewLabel")
    note = child(mlp_panel, QtWidgets.QLabel, "activationNoteLabel")
    assert preview.text() == "layer 2: Step (Heaviside)"
    assert note.text().startswith("layer 2: Step (Heaviside) — zero gradient almost everywhere")
    first.setCurrentIndex(first.findData("relu"))
    assert preview.text() == "layer 1: ReLU" and note.text().startswith("layer 2: Step")
    hidden = ((4, "sign"), (4, "relu"), (4, "sign"), (4, "sign"))
    assert [line.split(" — ")[0] for line in activation_notes(hidden)] == [
        "layers 1, 3 and 4: Sign"
    ]


def test_maxout_pieces_appear_with_maxout_and_widen_its_layer(mlp_panel):
    pieces = child(mlp_panel, QtWidgets.QSpinBox, "maxoutPiecesSpin")
    assert pieces.isHidden()
    combo = child(mlp_panel, QtWidgets.QComboBox, "layerActivationCombo0")
    combo.setCurrentIndex(combo.findData("maxout"))
    pieces.setValue(3)
    assert pieces.isVisible()
    count = child(mlp_panel, QtWidgets.QLabel, "paramCountLabel").text()
    assert count == f"{(2 + 1) * 16 * 3 + 17} parameters"
    assert mlp_panel.job.sessions[0].model[0].out_features == 48
    pieces = mlp_panel.job.sessions[0].model[0].weight.detach().numpy().reshape(16, 3, 2)
    largest = np.abs(pieces).argmax(axis=1)
    expected = np.take_along_axis(pieces, largest[:, None, :], axis=1)[:10, 0]
    diagram = child(mlp_panel, NetworkDiagram, "networkDiagram")
    assert np.array_equal(diagram._weights[0], expected)  # unit j's edges: its largest piece
    assert "3 lines" in child(mlp_panel, ActivationPreview, "activationPreview").note


def test_mse_on_a_classifier_is_labelled_a_mismatch_and_trains_with_mse(mlp_panel):
    mismatch = child(mlp_panel, QtWidgets.QLabel, "lossMismatchLabel")
    assert mismatch.isHidden()
    loss = child(mlp_panel, QtWidgets.QComboBox, "lossCombo")
    loss.setCurrentIndex(loss.findData("mse"))
    assert mismatch.isVisible()
    assert mismatch.text() == (
        "mismatch: the lecture pairs a sigmoid output with binary cross-entropy"
    )
    assert "MSELoss" in child(mlp_panel, QtWidgets.QLabel, "outputLabel").text()
    assert isinstance(mlp_panel.job.sessions[0].loss_fn, nn.MSELoss)


def test_feature_toggles_feed_the_first_layer_and_an_empty_set_is_refused(mlp_panel):
    for name, on in (("featureX1Squared", True), ("featureX2Squared", True)):
        child(mlp_panel, QtWidgets.QCheckBox, name).setChecked(on)
    for name in ("featureX1", "featureX2"):
        child(mlp_panel, QtWidgets.QCheckBox, name).setChecked(False)
    model = mlp_panel.job.sessions[0].model
    assert isinstance(model[0], Features) and model[0].names == ("x1^2", "x2^2")
    assert mlp_panel.state().network.features == ("x1^2", "x2^2")
    for name in ("featureX1Squared", "featureX2Squared"):
        child(mlp_panel, QtWidgets.QCheckBox, name).setChecked(False)
    area = child(mlp_panel, MessageArea, "messageArea")
    assert "choose at least one input feature" in area.text("network")


def test_dropout_reaches_the_network_and_one_input_data_disables_the_x2_features(mlp_panel):
    child(mlp_panel, QtWidgets.QDoubleSpinBox, "dropoutSpin").setValue(0.3)
    assert mlp_panel.job.sessions[0].spec.dropout == 0.3
    data = mlp_panel.state().to_dict()
    data["dataset"]["name"], data["dataset"]["noise"] = "sine", None
    data["network"].update(input_dim=1, task="regression")
    sine = NetworkState.from_dict(data)
    assert mlp_panel.set_state(sine) is None
    assert not child(mlp_panel, QtWidgets.QCheckBox, "featureX2").isEnabled()
    assert child(mlp_panel, QtWidgets.QCheckBox, "featureSinX1").isEnabled()
    assert mlp_panel.job.sessions[0].spec.features == ("x1",)
