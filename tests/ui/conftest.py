"""Fixtures for the Qt tests: isolated preferences, pyqtgraph configured like the app, and a
check that fails any test which leaves a worker thread running (a leaked QThread is a crash
waiting to happen on a teacher's laptop)."""

from __future__ import annotations

import gc

import pyqtgraph as pg
import pytest
from pyqtgraph.parametertree import ParameterTree
from PySide6 import QtCore, QtWidgets

from gdsim.core import training_server
from gdsim.ui import workers
from gdsim.ui.app import configure_pyqtgraph


@pytest.fixture(scope="session", autouse=True)
def _isolated_settings(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Preferences go to a temporary folder under a test organisation, never the user's."""
    QtCore.QCoreApplication.setOrganizationName("gdsim-tests")
    QtCore.QCoreApplication.setApplicationName("gdsim-tests")
    folder = str(tmp_path_factory.mktemp("settings"))
    for scope in (QtCore.QSettings.Scope.UserScope, QtCore.QSettings.Scope.SystemScope):
        QtCore.QSettings.setPath(QtCore.QSettings.Format.IniFormat, scope, folder)
        QtCore.QSettings.setPath(QtCore.QSettings.Format.NativeFormat, scope, folder)
    configure_pyqtgraph()


@pytest.fixture(scope="session", autouse=True)
def _training_process() -> None:
    """The one training process of this pytest process (as of the app's), up before the
    first test trains, so that the panels' tests train through it as a user's runs do."""
    server = training_server.shared_server()
    if server is not None:
        assert server.wait_ready(60.0), "the training process did not start"


@pytest.fixture(autouse=True)
def _no_leaked_threads(qapp):
    yield
    leaked = workers.running_threads()
    workers.stop_all()
    assert leaked == 0, f"{leaked} worker thread(s) still running after the test"


def _shown(qtbot, widget):
    widget.resize(1280, 800)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _deleted(widget) -> None:
    """Close ``widget`` and delete it now, not at some later ``deleteLater`` pass: a window
    destroyed during a later test's event loop, while that test's worker trained, crashed the
    suite in torch (and shiboken) several times in long runs."""
    widget.close()
    # Parameter trees hold tree items made in Python; deleted by Qt with their tree, their
    # wrappers outlived them, and a new object at the same address came back as one ("a
    # QTreeWidgetItem has no attribute 'children'", then a segfault when collected). Taking
    # the items out first hands them back to Python, which frees them itself.
    for tree in widget.findChildren(ParameterTree):
        tree.clear()
    # Plain graphics items (the autograd graph's boxes, the grid's cells) are no QObjects:
    # Qt deletes them with their scene behind their Python wrappers' backs. Taken out of the
    # plots first, they are freed by Python while their scene still exists.
    for plot in widget.findChildren(pg.PlotWidget):
        plot.getPlotItem().clear()
    widget.deleteLater()
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)
    # Wrappers whose C++ objects just went, held only by reference cycles, are freed now,
    # before a new object can take one's address and be handed its stale wrapper ("a
    # QTreeWidgetItem has no attribute 'children'" while a later test built a plot).
    gc.collect()


@pytest.fixture
def warnings(monkeypatch) -> list[str]:
    """The texts of the warning boxes the test caused (none opens: a modal box would hang)."""
    shown: list[str] = []
    monkeypatch.setattr(
        QtWidgets.QMessageBox, "warning", lambda _parent, _title, text: shown.append(text)
    )
    return shown


@pytest.fixture
def surface_panel(qtbot):
    """The surface explorer alone (a third of the cost of a whole main window)."""
    from gdsim.ui.panels.surface_panel import SurfacePanel

    panel = _shown(qtbot, SurfacePanel())
    yield panel
    _deleted(panel)


@pytest.fixture
def mlp_panel(qtbot):
    """The network builder alone."""
    from gdsim.ui.panels.mlp_panel import MlpPanel

    panel = _shown(qtbot, MlpPanel())
    yield panel
    _deleted(panel)


@pytest.fixture
def window(qtbot):
    """The whole main window, for tests of what spans panels (menus, tabs, exports)."""
    from gdsim.ui import MainWindow

    main = _shown(qtbot, MainWindow())
    yield main
    _deleted(main)


@pytest.fixture
def new_window(owned):
    """Build main windows on demand, for tests that need a second one or one not yet shown
    (restoring preferences first); each is deleted as `window`'s is."""
    from gdsim.ui import MainWindow

    def make() -> MainWindow:
        main = MainWindow()
        owned(main)
        return main

    return make


@pytest.fixture
def owned():
    """Call it with each widget a test builds itself: deleted at the end as the fixtures'
    are. qtbot.addWidget leaves a panel's tree items to Qt, whose stale wrappers came back
    later as other objects ("'QTreeWidgetItem' object has no attribute 'children'")."""
    made: list[QtWidgets.QWidget] = []
    yield made.append
    for widget in made:
        _deleted(widget)


@pytest.fixture
def grid_panel(qtbot):
    """The grid search view alone."""
    from gdsim.ui.panels.grid_panel import GridPanel

    panel = _shown(qtbot, GridPanel())
    yield panel
    _deleted(panel)


@pytest.fixture
def sweep_panel(qtbot):
    """The learning-rate sweep tab alone."""
    from gdsim.ui.panels.sweep_panel import SweepPanel

    panel = _shown(qtbot, SweepPanel())
    yield panel
    _deleted(panel)


@pytest.fixture
def landscape_panel(qtbot):
    """The loss landscape tab alone."""
    from gdsim.ui.panels.landscape_panel import LandscapePanel

    panel = _shown(qtbot, LandscapePanel())
    yield panel
    _deleted(panel)
