"""The playback buttons as a teacher sees them on a projector."""

import pytest
from PySide6 import QtGui, QtWidgets


@pytest.mark.parametrize("playing", [False, True])
def test_playback_buttons_use_standard_icons_and_words_every_font_has(window, qtbot, playing):
    """U+23F8 (pause) was an empty box in common fonts: icons come from the Qt style."""
    panel = window.surface_panel
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
