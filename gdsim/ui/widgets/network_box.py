"""The "Network" box: hidden layers (width and activation each) with a preview of the last
chosen activation and its derivative, maxout's pieces, the input features as toggles, dropout,
the loss (the lecture's match or MSE, a mismatch labelled as such), initialisation and seed,
with the parameter count and the output unit and loss in use."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6 import QtCore, QtGui, QtWidgets
from superqt.utils import signals_blocked

from gdsim.core.datasets import Dataset
from gdsim.core.layers import FEATURE_LABELS, FEATURES
from gdsim.core.network import (
    ACTIVATIONS,
    INITS,
    LOSS_CHOICES,
    LOSSES,
    MAX_DROPOUT,
    MAX_HIDDEN_LAYERS,
    MAX_MAXOUT_PIECES,
    MAX_WIDTH,
    NetworkSpec,
    loss_function,
    parameter_count,
)
from gdsim.ui.widgets.activation_preview import ActivationPreview
from gdsim.ui.widgets.exact_value import ExactSpinBox

OUTPUT_UNITS = {"binary": "sigmoid", "multiclass": "softmax", "regression": "linear"}

FEATURE_OBJECT_NAMES = {
    "x1": "featureX1",
    "x2": "featureX2",
    "x1^2": "featureX1Squared",
    "x2^2": "featureX2Squared",
    "x1*x2": "featureX1X2",
    "sin(x1)": "featureSinX1",
    "sin(x2)": "featureSinX2",
}

MISMATCH_COLOR = "#543005"
"""A dark brown for the loss-mismatch note: at least 35 (CIE ΔE76) from every run, class,
verdict and gradient colour, so that it reads as a remark about the setup, not as a judgement
of a run (the oscillating verdict's orange-brown is the nearest)."""


class LayerEditor(QtWidgets.QWidget):
    """One row (width, activation) per hidden layer; `changed` after any edit."""

    changed = QtCore.Signal()
    activationPicked = QtCore.Signal(int)
    """The row (from 0) whose activation was just chosen: the preview shows that one."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[QtWidgets.QSpinBox, QtWidgets.QComboBox, QtWidgets.QWidget]] = []
        self._layout = QtWidgets.QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)

    def hidden(self) -> tuple[tuple[int, str], ...]:
        return tuple((width.value(), act.currentData()) for width, act, _ in self._rows)

    def count(self) -> int:
        return len(self._rows)

    def add_layer(self, width: int | None = None, activation: str | None = None) -> None:
        """Append a layer; by default a copy of the last one (or 8 ReLU units)."""
        if len(self._rows) >= MAX_HIDDEN_LAYERS:
            return
        last = self.hidden()[-1] if self._rows else (8, "relu")
        row = QtWidgets.QWidget(self)
        line = QtWidgets.QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        label = QtWidgets.QLabel(f"layer {len(self._rows) + 1}", row)
        spin = QtWidgets.QSpinBox(row)
        spin.setRange(1, MAX_WIDTH)
        spin.setValue(width or last[0])
        spin.setSuffix(" units")
        spin.setKeyboardTracking(False)
        spin.setObjectName(f"layerWidthSpin{len(self._rows)}")
        combo = QtWidgets.QComboBox(row)
        combo.setObjectName(f"layerActivationCombo{len(self._rows)}")
        for key, entry in ACTIVATIONS.items():
            combo.addItem(entry.label, key)
            if entry.note:
                combo.setItemData(combo.count() - 1, entry.note, QtCore.Qt.ItemDataRole.ToolTipRole)
        combo.setCurrentIndex(combo.findData(activation or last[1]))
        combo.setToolTip(ACTIVATIONS[combo.currentData()].note)
        line.addWidget(label)
        line.addWidget(spin, 1)
        line.addWidget(combo, 1)
        spin.valueChanged.connect(self.changed)
        combo.currentIndexChanged.connect(self.changed)
        combo.currentIndexChanged.connect(self._picked)
        self._layout.addWidget(row)
        self._rows.append((spin, combo, row))
        self.changed.emit()

    @QtCore.Slot()
    def _picked(self) -> None:
        """The chosen activation's note as the box's tooltip, and the preview told."""
        combo = self.sender()
        for index, (_, act, _) in enumerate(self._rows):
            if act is combo:
                act.setToolTip(ACTIVATIONS[act.currentData()].note)
                self.activationPicked.emit(index)

    def remove_layer(self) -> None:
        if not self._rows:
            return
        *_, row = self._rows.pop()
        row.setParent(None)
        row.deleteLater()
        self.changed.emit()

    def set_hidden(self, hidden: tuple[tuple[int, str], ...]) -> None:
        """Show exactly these layers, emitting `changed` once."""
        with signals_blocked(self):
            while self._rows:
                self.remove_layer()
            for width, activation in hidden:
                self.add_layer(width, activation)
        self.changed.emit()


class NetworkBox(QtWidgets.QGroupBox):
    """`changed` after any edit of the layers, the model options, the initialisation or the
    seed."""

    changed = QtCore.Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__("Network", parent)
        self.layers = LayerEditor(self)
        self.add_layer_button = QtWidgets.QPushButton("+ layer", self)
        self.add_layer_button.setObjectName("addLayerButton")
        self.remove_layer_button = QtWidgets.QPushButton("− layer", self)
        self.remove_layer_button.setObjectName("removeLayerButton")
        self.output_label = QtWidgets.QLabel(self)
        self.output_label.setWordWrap(True)
        self.output_label.setObjectName("outputLabel")
        self._make_model_options()
        self.init_combo = QtWidgets.QComboBox(self)
        self.init_combo.setObjectName("initCombo")
        for key, description in INITS.items():
            self.init_combo.addItem(key, key)
            self.init_combo.setItemData(
                self.init_combo.count() - 1, description, QtCore.Qt.ItemDataRole.ToolTipRole
            )
        self.sigma_spin = ExactSpinBox(self)
        self.sigma_spin.setObjectName("initSigmaSpin")
        self.sigma_spin.setDecimals(3)
        self.sigma_spin.setRange(0.001, 10.0)
        self.sigma_spin.setValue(0.1)
        self.sigma_spin.setKeyboardTracking(False)
        self.sigma_spin.setPrefix("σ ")
        self.seed_spin = QtWidgets.QSpinBox(self)
        self.seed_spin.setObjectName("netSeedSpin")
        self.seed_spin.setRange(0, 999_999)
        self.seed_spin.setKeyboardTracking(False)
        self.param_label = QtWidgets.QLabel(self)
        self.param_label.setObjectName("paramCountLabel")
        self._previewed = 0
        self._lay_out()
        self.layers.changed.connect(self.changed)
        self.layers.activationPicked.connect(self._preview_layer)
        self.add_layer_button.clicked.connect(self._add_layer)
        self.remove_layer_button.clicked.connect(self.layers.remove_layer)
        self.init_combo.currentIndexChanged.connect(self.changed)
        self.sigma_spin.valueChanged.connect(self.changed)
        self.seed_spin.valueChanged.connect(self.changed)
        self.maxout_spin.valueChanged.connect(self.changed)
        self.loss_combo.currentIndexChanged.connect(self.changed)
        self.dropout_spin.valueChanged.connect(self.changed)
        for button in self.feature_buttons.values():
            button.toggled.connect(self.changed)

    def _make_model_options(self) -> None:
        """The activation preview and note, maxout's pieces, the loss, features and dropout."""
        self.preview_label = QtWidgets.QLabel(self)
        self.preview_label.setObjectName("activationPreviewLabel")
        self.preview_label.setWordWrap(True)
        self.preview = ActivationPreview(self)
        self.note_label = QtWidgets.QLabel(self)
        self.note_label.setObjectName("activationNoteLabel")
        self.note_label.setWordWrap(True)
        self.maxout_spin = QtWidgets.QSpinBox(self)
        self.maxout_spin.setObjectName("maxoutPiecesSpin")
        self.maxout_spin.setRange(2, MAX_MAXOUT_PIECES)
        self.maxout_spin.setPrefix("maxout pieces k = ")
        self.maxout_spin.setKeyboardTracking(False)
        self.maxout_spin.setToolTip("linear pieces per maxout unit (its layer has k rows each)")
        self.loss_combo = QtWidgets.QComboBox(self)
        self.loss_combo.setObjectName("lossCombo")
        self.loss_combo.addItem("the lecture's match", None)
        self.loss_combo.addItem("MSE", "mse")
        self.loss_combo.setToolTip(
            "MSE on a classifier is a mismatch a teacher may show on purpose: it trains slower"
        )
        self.mismatch_label = QtWidgets.QLabel(self)
        self.mismatch_label.setObjectName("lossMismatchLabel")
        self.mismatch_label.setWordWrap(True)
        palette = self.mismatch_label.palette()
        palette.setColor(QtGui.QPalette.ColorRole.WindowText, QtGui.QColor(MISMATCH_COLOR))
        self.mismatch_label.setPalette(palette)  # a palette, not a style sheet: its font
        # then follows the window's, presentation mode included
        self.feature_buttons: dict[str, QtWidgets.QCheckBox] = {}
        for name in FEATURES:
            button = QtWidgets.QCheckBox(self)
            button.setObjectName(FEATURE_OBJECT_NAMES[name])
            button.setText(FEATURE_LABELS[name])
            button.setChecked(name in ("x1", "x2"))
            button.setToolTip(f"feed {name} to the first layer")
            self.feature_buttons[name] = button
        self.dropout_spin = ExactSpinBox(self)
        self.dropout_spin.setObjectName("dropoutSpin")
        self.dropout_spin.setRange(0.0, MAX_DROPOUT)
        self.dropout_spin.setSingleStep(0.05)
        self.dropout_spin.setDecimals(2)
        self.dropout_spin.setSpecialValueText("off")
        self.dropout_spin.setKeyboardTracking(False)
        self.dropout_spin.setToolTip(
            "probability of dropping each hidden unit in a training step (never when evaluating)"
        )

    def _lay_out(self) -> None:
        """One column narrow enough for the builder's side panel at 1024 pixels: the layers,
        their buttons, the preview under them, the features in two rows of toggles."""
        column = QtWidgets.QVBoxLayout(self)
        column.addWidget(self.layers)
        layer_buttons = QtWidgets.QHBoxLayout()
        layer_buttons.addWidget(self.add_layer_button)
        layer_buttons.addWidget(self.remove_layer_button)
        layer_buttons.addWidget(self.param_label, 1, QtCore.Qt.AlignmentFlag.AlignRight)
        column.addLayout(layer_buttons)
        column.addWidget(self.maxout_spin)
        column.addWidget(self.preview_label)
        column.addWidget(self.preview)
        column.addWidget(self.note_label)
        features = QtWidgets.QGridLayout()
        features.setHorizontalSpacing(8)
        features.setVerticalSpacing(2)
        features.addWidget(QtWidgets.QLabel("inputs"), 0, 0)
        for index, button in enumerate(self.feature_buttons.values()):
            features.addWidget(button, index // 4, 1 + index % 4)
        features.setColumnStretch(5, 1)
        column.addLayout(features)
        options_row = QtWidgets.QHBoxLayout()
        options_row.addWidget(QtWidgets.QLabel("loss"))
        options_row.addWidget(self.loss_combo, 1)
        options_row.addWidget(QtWidgets.QLabel("dropout"))
        options_row.addWidget(self.dropout_spin)
        column.addLayout(options_row)
        column.addWidget(self.mismatch_label)
        column.addWidget(self.output_label)
        init_row = QtWidgets.QHBoxLayout()
        init_row.addWidget(QtWidgets.QLabel("init"))
        init_row.addWidget(self.init_combo, 1)
        init_row.addWidget(self.sigma_spin)
        init_row.addWidget(QtWidgets.QLabel("seed"))
        init_row.addWidget(self.seed_spin)
        column.addLayout(init_row)

    @QtCore.Slot()
    def _add_layer(self) -> None:
        self.layers.add_layer()

    @QtCore.Slot(int)
    def _preview_layer(self, index: int) -> None:
        self._previewed = index
        self._show_preview()

    def _show_preview(self) -> None:
        """The previewed layer's activation (the last one chosen; the first when it is gone)."""
        hidden = self.layers.hidden()
        if not hidden:
            self.preview_label.setText("no hidden layer")
            self.preview.hide()
            return
        self._previewed = min(self._previewed, len(hidden) - 1)
        activation = hidden[self._previewed][1]
        self.preview.show()
        self.preview.show_activation(activation, self.maxout_spin.value())
        note = f" ({self.preview.note})" if self.preview.note else ""
        self.preview_label.setText(
            f"layer {self._previewed + 1}: {ACTIVATIONS[activation].label}{note}"
        )

    def features(self, input_dim: int) -> tuple[str, ...]:
        """The toggled features a network with `input_dim` inputs can take (x2's need 2)."""
        return tuple(
            name
            for name, button in self.feature_buttons.items()
            if button.isChecked() and (input_dim == 2 or "x2" not in name)
        )

    def spec_for(self, data: Dataset) -> NetworkSpec:
        """The network these controls describe, shaped for `data` (raises SpecError)."""
        return NetworkSpec.for_task(
            data.task,
            data.input_dim,
            data.n_classes,
            hidden=self.layers.hidden(),
            init=self.init_combo.currentData(),
            init_sigma=self.sigma_spin.value(),
            seed=self.seed_spin.value(),
            maxout_pieces=self.maxout_spin.value(),
            loss=self.loss_combo.currentData(),
            features=self.features(data.input_dim),
            dropout=self.dropout_spin.value(),
        )

    def set_spec(self, spec: NetworkSpec) -> None:
        """Show `spec`'s layers, model options, initialisation and seed, emitting `changed`
        once. A one-input spec leaves the x2 toggles as they are (they do not apply to it, and
        a two-input dataset picked next takes them up again)."""
        with signals_blocked(self):
            self.layers.set_hidden(spec.hidden)
            numbers = (
                (self.sigma_spin, spec.init_sigma),
                (self.seed_spin, spec.seed),
                (self.maxout_spin, spec.maxout_pieces),
                (self.dropout_spin, spec.dropout),
            )
            for widget, value in numbers:
                with signals_blocked(widget):
                    widget.setValue(value)
            with signals_blocked(self.init_combo):
                self.init_combo.setCurrentIndex(self.init_combo.findData(spec.init))
            with signals_blocked(self.loss_combo):
                self.loss_combo.setCurrentIndex(0 if spec.loss_mismatch is None else 1)
            for name, button in self.feature_buttons.items():
                if spec.input_dim == 2 or "x2" not in name:
                    with signals_blocked(button):
                        button.setChecked(name in (spec.features or ()))
        self.changed.emit()

    def show_spec(self, spec: NetworkSpec) -> None:
        """The parameter count, the output units and loss, the notes on the activations and
        the loss, the preview, and which buttons apply."""
        self.param_label.setText(f"{parameter_count(spec):,} parameters")
        loss_name = type(loss_function(spec.task, spec.loss)).__name__
        loss_text = LOSSES[spec.task].description
        if spec.loss_mismatch is not None:
            loss_text = f"{OUTPUT_UNITS[spec.task]} output, {LOSS_CHOICES[spec.loss or 'mse']}"
        self.output_label.setText(
            f"output: {spec.output_dim} {OUTPUT_UNITS[spec.task]} "
            f"unit{'' if spec.output_dim == 1 else 's'} · loss: {loss_name}"
            f" ({loss_text})"
        )
        mismatch = spec.loss_mismatch
        self.mismatch_label.setText(f"mismatch: {mismatch}" if mismatch else "")
        self.mismatch_label.setVisible(mismatch is not None)
        used = dict.fromkeys(activation for _, activation in spec.hidden)
        notes = activation_notes(spec.hidden)
        self.note_label.setText("\n".join(notes))
        self.note_label.setVisible(bool(notes))
        self.maxout_spin.setVisible("maxout" in used)
        for name, button in self.feature_buttons.items():
            button.setEnabled(spec.input_dim == 2 or "x2" not in name)
        self.add_layer_button.setEnabled(self.layers.count() < MAX_HIDDEN_LAYERS)
        self.remove_layer_button.setEnabled(self.layers.count() > 0)
        self._show_preview()


def activation_notes(hidden: Sequence[tuple[int, str]]) -> list[str]:
    """One line per activation with a note, naming the layers that use it ("layer 2: Step
    (Heaviside) — zero gradient almost everywhere: ..."): the preview shows one layer, and a
    note without its layer would read as if it were about that one."""
    layers: dict[str, list[int]] = {}
    for number, (_, activation) in enumerate(hidden, start=1):
        layers.setdefault(activation, []).append(number)
    return [
        f"{_layers_text(numbers)}: {ACTIVATIONS[a].label} — {ACTIVATIONS[a].note}"
        for a, numbers in layers.items()
        if ACTIVATIONS[a].note
    ]


def _layers_text(numbers: Sequence[int]) -> str:
    """[2] -> 'layer 2'; [1, 3, 4] -> 'layers 1, 3 and 4'."""
    if len(numbers) == 1:
        return f"layer {numbers[0]}"
    *first, last = numbers
    return f"layers {', '.join(map(str, first))} and {last}"


def layer_labels(spec: NetworkSpec) -> list[str]:
    """The diagram's column captions: 'in 2' (or the features, top to bottom: 'in x₁² x₂²'),
    '16 ReLU', '6 Maxout k=3', ..., '1 sigmoid'."""
    pieces = f" k={spec.maxout_pieces}"
    hidden = [
        f"{w} {ACTIVATIONS[a].label.split()[0]}{pieces if a == 'maxout' else ''}"
        for w, a in spec.hidden
    ]
    inputs = f"in {spec.input_dim}"
    if not spec.raw_features:
        inputs = "in " + " ".join(FEATURE_LABELS[name] for name in spec.features or ())
    return [inputs, *hidden, f"{spec.output_dim} {OUTPUT_UNITS[spec.task]}"]
