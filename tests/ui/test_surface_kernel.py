"""The surface explorer where the compiled simulation kernel is unavailable: it opens and runs
on the numpy path, with no dialog (tests/core/test_kernel.py holds the kernel to that path)."""

import sys

import pytest
from PySide6 import QtWidgets

from gdsim.core import kernel


@pytest.fixture
def without_numba(monkeypatch):
    """A fresh kernel loader that finds no numba."""
    monkeypatch.setitem(sys.modules, "numba", None)
    monkeypatch.delitem(sys.modules, "gdsim.core.numba_kernel", raising=False)
    monkeypatch.setattr(kernel, "_LOADER", kernel._Loader())
    assert not kernel.wait_until_loaded(timeout=30)


def test_the_explorer_opens_and_runs_without_the_compiled_kernel(
    without_numba, surface_panel, qtbot, warnings
):
    badge = surface_panel.findChild(QtWidgets.QLabel, "regimeLabel")
    qtbot.waitUntil(lambda: "converged" in badge.text())
    surface_panel.findChild(QtWidgets.QDoubleSpinBox, "lrSpin").setValue(1.1)
    qtbot.waitUntil(lambda: "diverged" in badge.text())
    assert not kernel.usable(surface_panel.surface().function, ["gd"])
    assert warnings == []
