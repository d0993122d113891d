"""Application start-up: the QApplication, the main window, and a warm-up off the critical path.

`import torch` takes ~1.2 s and the first optimizer step loads ~1.3 s more (measured here). The
window is shown first; a background thread then imports torch and runs one tiny training step,
so that the first Train click is instant.

Ctrl+C in the terminal quits like closing the window (workers stopped), with exit status 130.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.core.formula_warm_up import warm_up_in_background
from gdsim.resources import ICONS
from gdsim.ui import workers
from gdsim.ui.display_check import display_problem

if TYPE_CHECKING:
    from gdsim.ui.main_window import MainWindow

ORGANISATION = "gdsim"
APPLICATION = "gdsim"
SIGINT_STATUS = 130
"""128 + SIGINT: what a shell reports for a program ended by Ctrl+C."""
WAKE_MS = 200
READY_VARIABLE = "GDSIM_REPORT_READY"
"""When set, the event loop's start is announced on stderr (tests wait for it)."""


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


def quit_on_sigint(app: QtWidgets.QApplication, before: Callable[[], None]) -> None:
    """Make Ctrl+C close the windows as the close button does (workers stopped, settings
    saved) and leave the event loop with `SIGINT_STATUS`; ``before`` runs first (it turns
    off the unsaved-changes question: Ctrl+C in a terminal means now).

    Python runs signal handlers only when the interpreter has control, and Qt's event loop
    is C++: a timer (owned by `app`) that calls into Python every WAKE_MS lets the handler
    run within 0.2 s."""

    def on_sigint(_signum: int, _frame: object) -> None:
        before()
        workers.stop_all()
        app.closeAllWindows()
        app.exit(SIGINT_STATUS)

    signal.signal(signal.SIGINT, on_sigint)
    timer = QtCore.QTimer(app)
    timer.timeout.connect(lambda: None)
    timer.start(WAKE_MS)


def _announce_ready() -> None:
    print("gdsim: event loop running", file=sys.stderr, flush=True)


def open_at_start(window: MainWindow, path: Path) -> None:
    """`gdsim PATH.json`: a file that cannot be opened still opens the window, with the
    reason in the status bar (until the next message) and on stderr."""
    why = window.open_path(path)
    if why:
        print(f"gdsim: {why}", file=sys.stderr)
        window.statusBar().showMessage(why)


def run_app(path: Path | None = None) -> int:
    """Open the main window (with the file at ``path``, if given) and run the event loop
    until it closes."""
    problem = display_problem()
    if problem is not None:
        print(f"gdsim: {problem}", file=sys.stderr)
        return 1
    app = create_application()
    from gdsim.ui.main_window import MainWindow

    window = MainWindow()
    window.restore_preferences()
    window.sessions.ask_before_closing = True
    if path is not None:
        open_at_start(window, path)
    window.show()
    warm_up_torch()
    warm_up_in_background()

    def quit_now() -> None:
        window.sessions.ask_before_closing = False

    quit_on_sigint(app, quit_now)
    if os.environ.get(READY_VARIABLE):
        QtCore.QTimer.singleShot(0, _announce_ready)
    return app.exec()
