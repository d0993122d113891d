"""The window fits a 1024x768 projector in both modes, and opens on the screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.ui.widgets.screen_fit import FRAME, fit_to_screen, fitted

LESSONS = Path(__file__).resolve().parents[2] / "resources" / "lessons"


@pytest.mark.parametrize("presentation", [False, True])
def test_the_window_fits_a_1024_by_768_projector(qtbot, window, presentation):
    panel = window.surface_panel
    panel.load_preset(next(p for p in panel.presets() if "too small" in p.title))
    qtbot.waitUntil(lambda: len(panel.verdicts()) == 4)
    window.mlp_panel.findChild(QtWidgets.QCheckBox, "compareCheck").setChecked(True)
    window.set_presentation(presentation)
    for tab in range(window.tabs.count()):
        window.tabs.setCurrentIndex(tab)
        window.resize(1024, 700)
        QtWidgets.QApplication.processEvents()
        hint = window.minimumSizeHint().expandedTo(window.minimumSize())
        assert hint.width() <= 1024 and hint.height() <= 700, (tab, hint)
        assert window.width() == 1024 and window.height() == 700
    window.set_presentation(False)


def test_a_too_large_window_is_shrunk_into_the_screen():
    screen = QtCore.QRect(0, 0, 1280, 800)
    window = fitted(QtCore.QRect(0, 0, 1280, 800), screen)
    framed = window.marginsAdded(FRAME)
    assert screen.contains(framed), framed
    assert window.width() == 1280 - FRAME.left() - FRAME.right()


def test_a_window_left_on_an_unplugged_monitor_comes_back(window):
    available = QtGui.QGuiApplication.primaryScreen().availableGeometry()
    window.setGeometry(5000, 3000, 1280, 800)
    fit_to_screen(window)
    assert available.contains(window.geometry().marginsAdded(FRAME)), window.geometry()


def test_a_window_on_screen_stays_where_it_is(window):
    window.setGeometry(20, 60, 700, 500)
    fit_to_screen(window)
    assert window.geometry() == QtCore.QRect(20, 60, 700, 500)


def test_the_builder_s_plots_stay_readable_at_1024x768_with_a_lesson_in_presentation(
    qtbot, window
):
    """Lesson 9's last step (three rates, sharpness tracked) squeezed the loss, R² and sharpness
    plots to a few pixels each: they keep six lines of text, the sharpness plot beside them."""
    assert window.open_lesson(LESSONS / "09_edge_of_stability.json") is None
    window.lesson_pane.go_to(2)
    window.set_presentation(True)
    window.resize(1024, 768)
    views = window.mlp_panel.views
    plots = (views.curves.loss_plot, views.curves.metric_plot, views.sharpness_plot)
    qtbot.waitUntil(lambda: all(plot.isVisible() for plot in plots))
    QtWidgets.QApplication.processEvents()
    line = QtGui.QFontMetrics(views.font()).height()
    assert all(plot.height() >= 6 * line for plot in plots), [p.height() for p in plots]
    assert len({plot.y() for plot in plots}) == 1
    assert window.height() == 768
    window.set_presentation(False)
