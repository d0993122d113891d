"""The playback buttons as a teacher sees them on a projector."""

import pytest
from PySide6 import QtGui, QtWidgets


@pytest.mark.parametrize("playing", [False, True])
def test_playback_buttons_use_standard_icons_and_words_every_font_has(
    surface_panel, qtbot, playing
):
    """U+23F8 (pause) was an empty box in common fonts: icons come from the Qt style."""
    panel = surface_panel
    play = panel.findChild(QtWidgets.QPushButton, "playButton")
    if playing:
        play.click()
        assert panel.playback.is_playing()
    for name in ("playButton", "stepButton", "resetButton"):
        button = panel.findChild(QtWidgets.QPushButton, name)
        metrics = QtGui.QFontMetrics(button.font())
        assert button.text().isascii() and all(metrics.inFont(c) for c in button.text())
        assert not button.icon().isNull()
    assert play.text() == ("Pause" if playing else "Play")


def test_one_step_is_singular(surface_panel, qtbot):
    playback = surface_panel.playback
    playback.set_length(2)
    assert playback.findChild(QtWidgets.QLabel, "positionLabel").text() == "all 1 step"


def test_the_top_tick_label_of_the_surface_plot_has_room_above_the_plot(surface_panel):
    view = surface_panel.view
    axis = view.plot_item.getAxis("left")
    assert axis.style["hideOverlappingLabels"] is False
    assert view.plot_item.getContentsMargins()[1] >= 10
