"""Basins of attraction in the surface explorer: off by default, 2D only, computed in the
worker, redrawn with η, drawn in pale tints under the contours, named in a legend and under
the mouse."""

from __future__ import annotations

import pytest
from PySide6 import QtWidgets

from gdsim.ui.style import BASIN_COLORS, BASIN_DIVERGED


@pytest.fixture
def himmelblau(surface_panel, qtbot):
    """The explorer on Himmelblau at η = 0.01 with a small basin grid."""
    surface_panel.presenter.choose_surface("himmelblau")
    surface_panel.lr_slider.setValue(0.01)
    box = surface_panel.findChild(QtWidgets.QGroupBox, "basinsBox")
    box.findChild(QtWidgets.QSpinBox, "basinsGridSpin").setValue(24)
    return surface_panel


def _turn_on(panel, qtbot) -> None:
    panel.findChild(QtWidgets.QCheckBox, "basinsCheck").setChecked(True)
    qtbot.waitUntil(lambda: panel.basins.shown_map() is not None and not panel.basins.is_running())


def _pixel(panel, x: float, y: float) -> str:
    """The basin image's colour at plot point (x, y), '#rrggbb'."""
    row, column = panel.basins.shown_map().cell(x, y)
    red, green, blue, _ = panel.view.basins.image[row, column]
    return f"#{red:02X}{green:02X}{blue:02X}"


def test_off_by_default_2d_only_and_gone_when_turned_off_or_1d(surface_panel, qtbot):
    panel = surface_panel
    box = panel.findChild(QtWidgets.QGroupBox, "basinsBox")
    check = panel.findChild(QtWidgets.QCheckBox, "basinsCheck")
    assert box.isHidden()  # the parabola
    panel.presenter.choose_surface("himmelblau")
    assert box.isVisible() and not check.isChecked() and not panel.view.basins.isVisible()
    box.findChild(QtWidgets.QSpinBox, "basinsGridSpin").setValue(8)
    _turn_on(panel, qtbot)
    check.setChecked(False)
    assert not panel.view.basins.isVisible() and not panel.view.basins_legend.isVisible()
    _turn_on(panel, qtbot)
    panel.presenter.choose_surface("parabola")
    assert not panel.view.basins.isVisible() and panel.basins.shown_map() is None


def test_tints_legend_hover_and_colour_by_steps(himmelblau, qtbot):
    _turn_on(himmelblau, qtbot)
    assert himmelblau.view.basins.isVisible()
    assert himmelblau.view.basins.zValue() < himmelblau.view.contours.zValue()
    for index, (x, y) in enumerate(himmelblau.surface().minima):
        assert _pixel(himmelblau, x, y) == BASIN_COLORS[index]
    legend = himmelblau.view.findChild(QtWidgets.QLabel, "basinsLegend")
    assert legend.isVisible() and "Basin of each start" in legend.text()
    assert "(3, 2) 2" in legend.text()  # its share: about a quarter
    with qtbot.waitSignal(himmelblau.cursorInfo) as signal:
        himmelblau.view.hovered.emit(3.0, 2.0)
    assert "basin: minimum (3, 2), " in signal.args[0]
    combo = himmelblau.findChild(QtWidgets.QComboBox, "basinsColourCombo")
    combo.setCurrentIndex(combo.findData("steps"))
    assert "Steps to reach a minimum" in legend.text()
    at_minimum, far = _pixel(himmelblau, 3.0, 2.0), _pixel(himmelblau, 4.9, 4.9)
    assert at_minimum != far and at_minimum not in BASIN_COLORS


def test_the_step_size_redraws_them_and_a_large_one_diverges(himmelblau, qtbot):
    _turn_on(himmelblau, qtbot)
    himmelblau.lr_slider.setValue(0.5)
    qtbot.waitUntil(lambda: himmelblau.basins.shown_map().settings.lr == 0.5)
    qtbot.waitUntil(lambda: not himmelblau.basins.is_running())
    row, column = himmelblau.basins.shown_map().cell(3.0, 2.0)
    block = himmelblau.view.basins.image[row : row + 4, column, :3]
    hatch = {f"#{r:02X}{g:02X}{b:02X}" for r, g, b in block}
    assert hatch == {BASIN_DIVERGED, "#FFFFFF"}  # hatched: a flat grey reads as "slow"
    assert "diverged" in himmelblau.view.basins_legend.text()
    himmelblau.lr_slider.setValue(0.025)  # most oscillate; under 1 % reach (-2.81, 3.13)
    qtbot.waitUntil(lambda: himmelblau.basins.shown_map().settings.lr == 0.025)
    qtbot.waitUntil(lambda: not himmelblau.basins.is_running())
    assert "(-2.81, 3.13) &lt; 1 %" in himmelblau.view.basins_legend.text()


def test_a_fine_grid_shows_a_coarse_map_first_and_cancel_stops_it(himmelblau, qtbot):
    box = himmelblau.findChild(QtWidgets.QGroupBox, "basinsBox")
    box.findChild(QtWidgets.QSpinBox, "basinsGridSpin").setValue(400)
    himmelblau.findChild(QtWidgets.QCheckBox, "basinsCheck").setChecked(True)
    qtbot.waitUntil(lambda: himmelblau.basins.shown_map() is not None)
    assert himmelblau.basins.shown_map().grid == 50
    assert himmelblau.basins.is_running()  # 160,000 starts: seconds
    cancel = box.findChild(QtWidgets.QPushButton, "basinsCancelButton")
    qtbot.waitUntil(cancel.isVisible)
    cancel.click()
    assert not himmelblau.basins.is_running()
    qtbot.waitUntil(lambda: not cancel.isVisible())
    assert himmelblau.view.basins.isVisible() and himmelblau.basins.shown_map().grid == 50
    box.findChild(QtWidgets.QSpinBox, "basinsGridSpin").setValue(350)
    qtbot.waitUntil(himmelblau.basins.is_running)
    # Left running: the fixture deletes the panel mid-job, and the suite's leak check fails
    # the test if the worker thread outlives it.
