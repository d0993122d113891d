"""The window as a user first meets it: title, menus with shortcuts, both panels."""

from PySide6 import QtWidgets


def test_window_opens_with_menus_and_panels(window):
    # "[*]" is where Qt shows the modified mark; Qt appends " — gdsim"
    assert window.windowTitle() == "Gradient descent simulator[*]"
    menus = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert menus == ["File", "Edit", "View", "Help"]
    assert window.tabs.count() >= 2
    shortcuts = {
        a.shortcut().toString() for m in window.menuBar().findChildren(QtWidgets.QMenu)
        for a in m.actions()
    }
    assert {"Ctrl+1", "Ctrl+2", "Ctrl+E", "F1", "Ctrl+Q", "Ctrl+S", "Ctrl+O", "Ctrl+Z"} <= shortcuts


def test_view_shortcuts_switch_panels(window, qtbot):
    window.tabs.setCurrentIndex(0)
    view = next(a.menu() for a in window.menuBar().actions() if "View" in a.text())
    view.actions()[1].trigger()
    assert window.tabs.currentIndex() == 1


def test_the_readme_example_reads_a_verdict(qtbot, owned):
    """The snippet the README gives teachers for their own tests (deleted as the suite's
    windows are)."""
    from gdsim.ui import MainWindow

    window = MainWindow()
    owned(window)
    window.surface_panel.findChild(QtWidgets.QDoubleSpinBox, "lrSpin").setValue(1.1)
    label = window.surface_panel.findChild(QtWidgets.QLabel, "regimeLabel")
    qtbot.waitUntil(lambda: "diverged" in label.text())


def test_every_tab_is_saved_by_its_name_and_shown_again(window):
    """A session saved on an exploration view reopens on it: the window's tabs are the
    state's TABS, in order."""
    from dataclasses import replace

    from gdsim.core.state import TABS

    assert window.tabs.count() == len(TABS)
    for index, name in enumerate(TABS):
        window.tabs.setCurrentIndex(index)
        assert window.state().active == name
    window.tabs.setCurrentIndex(0)
    assert window.set_state(replace(window.state(), active="grid")) is None
    assert window.tabs.tabText(window.tabs.currentIndex()) == "Grid search"
