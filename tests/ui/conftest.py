"""Fixtures for the Qt tests: isolated preferences, pyqtgraph configured like the app, and a
check that fails any test which leaves a worker thread running (a leaked QThread is a crash
waiting to happen on a teacher's laptop)."""

from __future__ import annotations

import pytest
from PySide6 import QtCore

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


@pytest.fixture(autouse=True)
def _no_leaked_threads(qapp):
    yield
    leaked = workers.running_threads()
    workers.stop_all()
    assert leaked == 0, f"{leaked} worker thread(s) still running after the test"


@pytest.fixture
def window(qtbot):
    from gdsim.ui import MainWindow

    main = MainWindow()
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    return main
