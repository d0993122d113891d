"""The lecture demos: a combo of prepared scenes and the words that go with the one shown."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6 import QtCore, QtWidgets
from superqt.utils import signals_blocked

from gdsim.core.presets import Preset


class DemoBox(QtWidgets.QGroupBox):
    """Reports the ``Preset`` chosen (``demoChosen``); shows which one is on and its words."""

    demoChosen = QtCore.Signal(object)

    def __init__(self, presets: Sequence[Preset], parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__("Lecture demos", parent)
        self._presets = {preset.name: preset for preset in presets}
        layout = QtWidgets.QVBoxLayout(self)
        self.preset_combo = QtWidgets.QComboBox()
        self.preset_combo.setObjectName("presetCombo")
        self.preset_combo.addItem("Choose a demo…", None)
        for preset in presets:
            self.preset_combo.addItem(preset.title, preset.name)
            index = self.preset_combo.count() - 1
            self.preset_combo.setItemData(
                index, preset.description, QtCore.Qt.ItemDataRole.ToolTipRole
            )
        # Sized by the column, not by the longest demo title (which pushed the column wider
        # than its scroll area); the open list still shows whole titles.
        self.preset_combo.setSizeAdjustPolicy(
            QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.preset_combo.setMinimumContentsLength(16)
        self.preset_combo.view().setMinimumWidth(self.preset_combo.view().sizeHintForColumn(0))
        self.description_label = QtWidgets.QLabel()
        self.description_label.setObjectName("descriptionLabel")
        self.description_label.setWordWrap(True)
        layout.addWidget(self.preset_combo)
        layout.addWidget(self.description_label)
        self.preset_combo.currentIndexChanged.connect(self._on_chosen)

    def presets(self) -> list[Preset]:
        return list(self._presets.values())

    def show_demo(self, name: str | None, surface_description: str) -> None:
        """The demo ``name`` (None: none) as chosen, with its words, else the surface's."""
        with signals_blocked(self.preset_combo):
            self.preset_combo.setCurrentIndex(max(0, self.preset_combo.findData(name)))
        demo = self._presets.get(name) if name is not None else None
        self.description_label.setText(surface_description if demo is None else demo.description)

    @QtCore.Slot(int)
    def _on_chosen(self, index: int) -> None:
        name = self.preset_combo.itemData(index)
        if name in self._presets:
            self.demoChosen.emit(self._presets[name])
