"""The code view's Save as…: a failed save says why and never costs the script already there."""

from __future__ import annotations

import errno
import io
import os

from PySide6 import QtWidgets

from gdsim.ui.widgets.code_dialog import CodeDialog


class _FullDiskFile:
    """A file opened for writing on a full disk: opening works (and truncates), writing fails."""

    def __init__(self, file: io.IOBase) -> None:
        self._file = file

    def write(self, _data: object) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __enter__(self) -> _FullDiskFile:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._file.close()

    def __getattr__(self, name: str) -> object:
        return getattr(self._file, name)


def test_save_as_on_a_full_disk_keeps_the_old_script_and_says_why(qtbot, tmp_path, monkeypatch):
    target = tmp_path / "train.py"
    target.write_text("my edited script", encoding="utf-8")
    dialog = CodeDialog("import torch\n")
    qtbot.addWidget(dialog)
    warnings: list[str] = []
    monkeypatch.setattr(
        QtWidgets.QFileDialog, "getSaveFileName", lambda *_args: (str(target), "")
    )
    monkeypatch.setattr(
        QtWidgets.QMessageBox, "warning", lambda _parent, _title, text: warnings.append(text)
    )
    real_open = io.open

    def full_disk_open(file, mode="r", *args, **kwargs):
        opened = real_open(file, mode, *args, **kwargs)
        return _FullDiskFile(opened) if set(mode) & set("wax+") else opened

    monkeypatch.setattr(io, "open", full_disk_open)
    dialog.findChild(QtWidgets.QPushButton, "saveCodeButton").click()
    monkeypatch.undo()
    assert len(warnings) == 1 and "No space left on device" in warnings[0]
    assert target.read_text(encoding="utf-8") == "my edited script"
    assert os.listdir(tmp_path) == ["train.py"]


def test_save_as_replaces_the_script(qtbot, tmp_path):
    target = tmp_path / "train.py"
    target.write_text("old", encoding="utf-8")
    dialog = CodeDialog("import torch\n")
    qtbot.addWidget(dialog)
    dialog.save_to(target)
    assert target.read_text(encoding="utf-8") == "import torch\n"
