"""Optimizer choice plus its hyper-parameters, built from the optimizer registry.

The form is generated, not hand-written: each ``HyperParam`` of the chosen optimizer becomes a
row of pyqtgraph's parameter tree (a bounded float box, decade-stepping for log-scale values,
a check box for switches), so a new optimizer in the registry appears here with no UI code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pyqtgraph.parametertree import Parameter, ParameterTree
from PySide6 import QtCore, QtWidgets
from superqt.utils import signals_blocked

from gdsim.core.optimizers import OPTIMIZERS, HyperParam

_ROW_HEIGHT = 26


def _child_options(hyper: HyperParam, value: float) -> dict:
    options: dict = {"name": hyper.name, "title": hyper.label, "tip": hyper.description}
    if hyper.is_flag:
        return {**options, "type": "bool", "value": value == 1.0}
    return {
        **options,
        "type": "float",
        "value": value,
        "limits": (hyper.low, hyper.high),
        "dec": hyper.log_scale,
        "step": 0.5 if hyper.log_scale else 0.05,
        "decimals": 4,
    }


class OptimizerForm(QtWidgets.QWidget):
    """``optimizerCombo`` + a parameter tree; emits ``changed()`` on any edit."""

    changed = QtCore.Signal()

    def __init__(
        self, parent: QtWidgets.QWidget | None = None, names: Sequence[str] | None = None
    ) -> None:
        """``names``: the registry entries offered (all by default; the surface explorer
        leaves out AdamW, which is Adam where there is no weight decay)."""
        super().__init__(parent)
        self.combo = QtWidgets.QComboBox(self)
        self.combo.setObjectName("optimizerCombo")
        for spec in (OPTIMIZERS[name] for name in names or OPTIMIZERS):
            self.combo.addItem(spec.title, spec.name)
            self.combo.setItemData(
                self.combo.count() - 1, spec.description, QtCore.Qt.ItemDataRole.ToolTipRole
            )
        self.tree = ParameterTree(self, showHeader=False)
        self.tree.setObjectName("optimizerParameters")
        self.tree.setVerticalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.tree.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.tree.header().setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.Stretch)
        self._parameters: Parameter | None = None
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo)
        layout.addWidget(self.tree)
        self.combo.currentIndexChanged.connect(self._on_optimizer_chosen)
        self._build_tree({})

    def optimizer(self) -> str:
        return self.combo.currentData()

    def hyper(self) -> dict[str, float]:
        """The current hyper-parameters as plain floats (switches as 0 or 1)."""
        if self._parameters is None:
            return {}
        return {child.name(): float(child.value()) for child in self._parameters.children()}

    def momentum(self) -> float:
        """Heavy-ball beta (it moves the stability limit to 2(1+beta)/lambda), else 0."""
        return self.hyper().get("momentum", 0.0) if self.optimizer() == "momentum" else 0.0

    def set_optimizer(self, name: str, hyper: Mapping[str, float] | None = None) -> None:
        """Show ``name`` with ``hyper`` (defaults for the rest) without emitting ``changed``."""
        with signals_blocked(self), signals_blocked(self.combo):
            self.combo.setCurrentIndex(self.combo.findData(name))
            self._build_tree(hyper or {})

    @QtCore.Slot(int)
    def _on_optimizer_chosen(self, _index: int) -> None:
        self._build_tree({})
        self.changed.emit()

    def _build_tree(self, hyper: Mapping[str, float]) -> None:
        spec = OPTIMIZERS[self.optimizer()]
        values = spec.resolve(hyper)
        children = [_child_options(h, values[h.name]) for h in spec.hyper]
        self._parameters = Parameter.create(name="hyper", type="group", children=children)
        self._parameters.sigTreeStateChanged.connect(self._on_tree_changed)
        self.tree.setParameters(self._parameters, showTop=False)
        self.tree.setVisible(bool(children))
        self.tree.setFixedHeight(_ROW_HEIGHT * len(children) + 6)

    def _on_tree_changed(self, *_args: object) -> None:
        self.changed.emit()
