"""The "Network" box: hidden layers (width and activation each), initialisation and seed,
with the parameter count and the output unit and loss the task implies."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets
from superqt.utils import signals_blocked

from gdsim.core.datasets import Dataset
from gdsim.core.network import (
    ACTIVATIONS,
    INITS,
    LOSSES,
    MAX_HIDDEN_LAYERS,
    MAX_WIDTH,
    NetworkSpec,
    parameter_count,
)
from gdsim.ui.widgets.exact_value import ExactSpinBox

OUTPUT_UNITS = {"binary": "sigmoid", "multiclass": "softmax", "regression": "linear"}


class LayerEditor(QtWidgets.QWidget):
    """One row (width, activation) per hidden layer; `changed` after any edit."""

    changed = QtCore.Signal()

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
        combo.setCurrentIndex(combo.findData(activation or last[1]))
        line.addWidget(label)
        line.addWidget(spin, 1)
        line.addWidget(combo, 1)
        spin.valueChanged.connect(self.changed)
        combo.currentIndexChanged.connect(self.changed)
        self._layout.addWidget(row)
        self._rows.append((spin, combo, row))
        self.changed.emit()

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
    """`changed` after any edit of the layers, the initialisation or the seed."""

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
        self._lay_out()
        self.layers.changed.connect(self.changed)
        self.add_layer_button.clicked.connect(self._add_layer)
        self.remove_layer_button.clicked.connect(self.layers.remove_layer)
        self.init_combo.currentIndexChanged.connect(self.changed)
        self.sigma_spin.valueChanged.connect(self.changed)
        self.seed_spin.valueChanged.connect(self.changed)

    def _lay_out(self) -> None:
        column = QtWidgets.QVBoxLayout(self)
        column.addWidget(self.layers)
        layer_buttons = QtWidgets.QHBoxLayout()
        layer_buttons.addWidget(self.add_layer_button)
        layer_buttons.addWidget(self.remove_layer_button)
        layer_buttons.addWidget(self.param_label, 1, QtCore.Qt.AlignmentFlag.AlignRight)
        column.addLayout(layer_buttons)
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
        )

    def set_spec(self, spec: NetworkSpec) -> None:
        """Show `spec`'s layers, initialisation and seed, emitting `changed` once."""
        with signals_blocked(self):
            self.layers.set_hidden(spec.hidden)
            for widget, value in ((self.sigma_spin, spec.init_sigma), (self.seed_spin, spec.seed)):
                with signals_blocked(widget):
                    widget.setValue(value)
            with signals_blocked(self.init_combo):
                self.init_combo.setCurrentIndex(self.init_combo.findData(spec.init))
        self.changed.emit()

    def show_spec(self, spec: NetworkSpec) -> None:
        """The parameter count, the output units and loss, and which layer buttons apply."""
        self.param_label.setText(f"{parameter_count(spec):,} parameters")
        loss_name, loss_text = LOSSES[spec.task]
        self.output_label.setText(
            f"output: {spec.output_dim} {OUTPUT_UNITS[spec.task]} "
            f"unit{'' if spec.output_dim == 1 else 's'} · loss: {loss_name}"
            f" ({loss_text})"
        )
        self.add_layer_button.setEnabled(self.layers.count() < MAX_HIDDEN_LAYERS)
        self.remove_layer_button.setEnabled(self.layers.count() > 0)


def layer_labels(spec: NetworkSpec) -> list[str]:
    """The diagram's column captions: 'in 2', '16 ReLU', ..., '1 sigmoid'."""
    hidden = [f"{w} {ACTIVATIONS[a].label.split()[0]}" for w, a in spec.hidden]
    return [f"in {spec.input_dim}", *hidden, f"{spec.output_dim} {OUTPUT_UNITS[spec.task]}"]
