"""Which setting compare mode varies: a combo of the settings `gdsim.core.compare` offers and,
under it, what to type in the values field for that setting (0 = full batch, the activation
names ...), so a teacher need not remember the spellings."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets
from superqt.utils import signals_blocked

from gdsim.core.compare import SETTINGS


class CompareSettingPicker(QtWidgets.QWidget):
    """`settingChosen(key)` when the user picks a setting; `show_setting` draws one silently."""

    settingChosen = QtCore.Signal(str)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = QtWidgets.QComboBox(self)
        self.combo.setObjectName("compareSettingCombo")
        self.combo.setToolTip("The one setting the compared runs differ in")
        for key, compared in SETTINGS.items():
            self.combo.addItem(compared.label, key)
        self.hint = QtWidgets.QLabel(self)
        self.hint.setObjectName("compareHint")
        self.hint.setWordWrap(True)
        self.hint.setEnabled(False)  # the palette's quieter text: a hint, not a value
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.combo)
        layout.addWidget(self.hint)
        self.combo.currentIndexChanged.connect(self._on_chosen)
        self._show_hint()

    def setting(self) -> str:
        return str(self.combo.currentData())

    def show_setting(self, key: str) -> None:
        """Show `key` as chosen without reporting it."""
        with signals_blocked(self.combo):
            self.combo.setCurrentIndex(self.combo.findData(key))
        self._show_hint()

    def _show_hint(self) -> None:
        self.hint.setText(SETTINGS[self.setting()].hint)

    @QtCore.Slot(int)
    def _on_chosen(self, _index: int) -> None:
        self._show_hint()
        self.settingChosen.emit(self.setting())
