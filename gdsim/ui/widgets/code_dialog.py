"""A read-only view of an exported PyTorch script with Copy and Save as…

The point of the view is that a student sees the plain `nn.Sequential` + training loop behind
what the app just did, and can take it home; so the text is monospaced, selectable, and saved
exactly as shown.
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtGui, QtWidgets

from gdsim.core.files import write_text_atomic


class CodeDialog(QtWidgets.QDialog):
    """Shows `code`; `save_to(path)` writes it (the Save as… button asks for the path)."""

    def __init__(
        self,
        code: str,
        suggested_name: str = "train.py",
        parent: QtWidgets.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("codeDialog")
        self.setWindowTitle("PyTorch code for this network")
        self.resize(760, 640)
        self._suggested_name = suggested_name
        self.editor = QtWidgets.QPlainTextEdit(self)
        self.editor.setObjectName("codeView")
        self.editor.setReadOnly(True)
        self.editor.setLineWrapMode(QtWidgets.QPlainTextEdit.LineWrapMode.NoWrap)
        font = QtGui.QFontDatabase.systemFont(QtGui.QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(max(font.pointSizeF(), 11.0))
        self.editor.setFont(font)
        self.editor.setPlainText(code)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close, self)
        copy_button = buttons.addButton("Copy", QtWidgets.QDialogButtonBox.ButtonRole.ActionRole)
        save_button = buttons.addButton(
            "Save as…", QtWidgets.QDialogButtonBox.ButtonRole.ActionRole
        )
        save_button.setObjectName("saveCodeButton")
        copy_button.clicked.connect(self.copy_to_clipboard)
        save_button.clicked.connect(self._ask_save)
        buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.editor)
        layout.addWidget(buttons)

    def code(self) -> str:
        return self.editor.toPlainText()

    def copy_to_clipboard(self) -> None:
        QtWidgets.QApplication.clipboard().setText(self.code())

    def save_to(self, path: Path) -> None:
        """Write the script as UTF-8, atomically: a failure (no permission, disk full) leaves
        any script already there intact and raises an OSError, the caller's to report."""
        write_text_atomic(path, self.code())

    def _ask_save(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Save the script", self._suggested_name, "Python script (*.py)"
        )
        if not path:
            return
        try:
            self.save_to(Path(path))
        except OSError as error:
            QtWidgets.QMessageBox.warning(self, "Could not save", str(error))
