"""Which loss: a registry surface from a grouped combo, or a typed formula with its plot box,
and a named surface's parameters (κ)."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6 import QtCore, QtWidgets
from superqt.utils import signals_blocked

from gdsim.core.surfaces import SURFACES, Surface, surface_names

FLAGS_ROLE = QtCore.Qt.ItemDataRole.UserRole - 1
"""Where the combo's own QStandardItemModel keeps an item's flags."""


def _fill_grouped(combo: QtWidgets.QComboBox) -> None:
    """Registry surfaces under two unselectable headers, '1D curves' and '2D surfaces'.

    Items go through the combo's own model, never as QStandardItems made in Python: those
    Python-made items crashed the interpreter (a segfault in shiboken's releaseWrapper) when
    a window was deleted late in a long test run."""
    for dim, header in ((1, "── 1D curves ──"), (2, "── 2D surfaces ──")):
        combo.addItem(header)
        combo.setItemData(combo.count() - 1, QtCore.Qt.ItemFlag.NoItemFlags, FLAGS_ROLE)
        for name in surface_names(dim):
            combo.addItem(f"   {SURFACES[name].title}", name)
            combo.setItemData(
                combo.count() - 1, SURFACES[name].description, QtCore.Qt.ItemDataRole.ToolTipRole
            )


class SurfacePicker(QtWidgets.QGroupBox):
    """Reports a surface chosen or typed (``surfaceChosen``), parameters, a typed box and Reset
    view; ``show_surface`` draws the surface shown without reporting anything back."""

    surfaceChosen = QtCore.Signal(str)
    paramsChanged = QtCore.Signal(dict)
    domainEntered = QtCore.Signal(list)
    resetViewClicked = QtCore.Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__("Loss surface", parent)
        layout = QtWidgets.QVBoxLayout(self)
        self.surface_combo = QtWidgets.QComboBox()
        self.surface_combo.setObjectName("surfaceCombo")
        _fill_grouped(self.surface_combo)
        self.surface_combo.setMaxVisibleItems(25)
        self.expression_edit = QtWidgets.QLineEdit()
        self.expression_edit.setObjectName("expressionEdit")
        self.expression_edit.setPlaceholderText("or type a formula: w**4 - w, x**2 + 10*y**2 …")
        self.expression_edit.setClearButtonEnabled(True)
        self.params_box = QtWidgets.QWidget()
        self.params_layout = QtWidgets.QFormLayout(self.params_box)
        self.params_layout.setContentsMargins(0, 0, 0, 0)
        self.param_spins: dict[str, QtWidgets.QDoubleSpinBox] = {}
        self.reset_view_button = QtWidgets.QPushButton("Reset view")
        self.reset_view_button.setObjectName("resetViewButton")
        self.reset_view_button.setToolTip(
            "Undo zooming (mouse wheel) and panning (middle drag); a typed formula also gets "
            "its default domain back"
        )
        layout.addWidget(self.surface_combo)
        layout.addWidget(self.expression_edit)
        layout.addWidget(self._build_domain_box())
        layout.addWidget(self.reset_view_button)
        layout.addWidget(self.params_box)
        self.surface_combo.currentIndexChanged.connect(self._on_combo)
        self.expression_edit.returnPressed.connect(self._on_expression)
        self.reset_view_button.clicked.connect(self.resetViewClicked)

    def _build_domain_box(self) -> QtWidgets.QWidget:
        """A typed formula's plot box (Enter applies)."""
        self.domain_box = QtWidgets.QWidget()
        form = QtWidgets.QFormLayout(self.domain_box)
        form.setContentsMargins(0, 0, 0, 0)
        self.domain_edits: list[QtWidgets.QLineEdit] = []
        self._domain_labels: list[QtWidgets.QLabel] = []
        for name in ("domainXEdit", "domainYEdit"):
            edit = QtWidgets.QLineEdit()
            edit.setObjectName(name)
            edit.setToolTip("From, to: e.g. -2.5, 2.5 (Enter applies)")
            edit.returnPressed.connect(self._on_domain)
            label = QtWidgets.QLabel()
            form.addRow(label, edit)
            self.domain_edits.append(edit)
            self._domain_labels.append(label)
        self._domain_form = form
        return self.domain_box

    def show_surface(self, surface: Surface, params: Mapping[str, float]) -> None:
        index = self.surface_combo.findData(surface.name, QtCore.Qt.ItemDataRole.UserRole)
        with signals_blocked(self.surface_combo):
            self.surface_combo.setCurrentIndex(index)
        # A named surface clears the field: a formula left there would look like the one shown.
        self.expression_edit.setText(surface.expression if index < 0 else "")
        self._show_domain(surface, typed=index < 0)
        self._show_params(surface.name, params)

    def _show_domain(self, surface: Surface, typed: bool) -> None:
        """Domain fields for a typed formula's variables (w; or x and y)."""
        self.domain_box.setVisible(typed)
        for axis, edit in enumerate(self.domain_edits):
            shown = axis < surface.dim
            self._domain_form.setRowVisible(edit, shown)
            if shown:
                low, high = surface.domain[axis]
                edit.setText(f"{low:g}, {high:g}")
                self._domain_labels[axis].setText(f"{surface.variables[axis]} from, to")

    def _show_params(self, name: str, params: Mapping[str, float]) -> None:
        spec = SURFACES.get(name)
        parameters = dict(spec.parameters) if spec is not None else {}
        if set(parameters) != set(self.param_spins):
            while self.params_layout.rowCount():
                self.params_layout.removeRow(0)
            self.param_spins = {}
            for key, parameter in parameters.items():
                spin = QtWidgets.QDoubleSpinBox()
                spin.setObjectName(f"{key}Spin")
                spin.setRange(parameter.low, parameter.high)
                spin.setDecimals(2)
                spin.setKeyboardTracking(False)
                spin.setToolTip(parameter.description)
                spin.valueChanged.connect(self._on_param)
                self.params_layout.addRow(f"{'κ' if key == 'kappa' else key} ({key})", spin)
                self.param_spins[key] = spin
        for key, spin in self.param_spins.items():
            with signals_blocked(spin):
                spin.setValue(params.get(key, parameters[key].default))
        self.params_box.setVisible(bool(self.param_spins))

    @QtCore.Slot(int)
    def _on_combo(self, index: int) -> None:
        name = self.surface_combo.itemData(index, QtCore.Qt.ItemDataRole.UserRole)
        if name is not None:
            self.surfaceChosen.emit(name)

    @QtCore.Slot()
    def _on_expression(self) -> None:
        text = self.expression_edit.text().strip()
        if text:
            self.surfaceChosen.emit(text)

    @QtCore.Slot()
    def _on_domain(self) -> None:
        self.domainEntered.emit([edit.text() for edit in self.domain_edits])

    @QtCore.Slot(float)
    def _on_param(self, _value: float) -> None:
        self.paramsChanged.emit({key: spin.value() for key, spin in self.param_spins.items()})
