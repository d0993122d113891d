"""Application start-up: the QApplication, the main window, and a warm-up off the critical path.

`import torch` takes ~1.2 s and the first optimizer step loads ~1.3 s more (measured here). The
window is shown first; a background thread then imports torch and runs one tiny training step,
so that the first Train click is instant.
"""

from __future__ import annotations

import sys
import threading

import pyqtgraph as pg
from PySide6 import QtGui, QtWidgets

from gdsim.resources import ICONS
from gdsim.ui.display_check import display_problem

ORGANISATION = "gdsim"
APPLICATION = "gdsim"


def configure_pyqtgraph() -> None:
    """Light background for projectors and printed slides; antialiasing per item, not globally
    (antialiased wide pens are slow on long lines)."""
    pg.setConfigOptions(background="w", foreground="k", antialias=False, imageAxisOrder="row-major")


def warm_up_torch() -> threading.Thread:
    """Import torch and take one optimizer step in a daemon thread (never blocks the GUI)."""

    def work() -> None:
        import torch

        model = torch.nn.Linear(2, 1)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        loss = model(torch.zeros(4, 2)).pow(2).mean()
        loss.backward()
        optimizer.step()

    thread = threading.Thread(target=work, name="gdsim-warm-up", daemon=True)
    thread.start()
    return thread


def create_application(argv: list[str] | None = None) -> QtWidgets.QApplication:
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(argv or sys.argv)
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("gdsim")
    app.setWindowIcon(QtGui.QIcon(str(ICONS / "gdsim.svg")))
    configure_pyqtgraph()
    return app


def run_app() -> int:
    """Open the main window and run the event loop until it closes."""
    problem = display_problem()
    if problem is not None:
        print(f"gdsim: {problem}", file=sys.stderr)
        return 1
    app = create_application()
    from gdsim.ui.main_window import MainWindow

    window = MainWindow()
    window.show()
    warm_up_torch()
    return app.exec()
