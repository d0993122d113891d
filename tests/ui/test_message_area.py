"""The message area: declared messages, each on its own line, cleared by their own cause."""

from __future__ import annotations

import pytest
from PySide6 import QtWidgets

from gdsim.ui.widgets.message_area import MessageArea, MessageSpec, Severity


@pytest.fixture
def area(qtbot):
    holder = QtWidgets.QWidget()
    qtbot.addWidget(holder)
    specs = [MessageSpec("expression"), MessageSpec("start", Severity.WARNING)]
    widget = MessageArea([*specs, MessageSpec("demo", Severity.NOTE)], holder)
    layout = QtWidgets.QVBoxLayout(holder)
    layout.addWidget(widget)
    layout.addStretch(1)
    holder.resize(800, 300)
    holder.show()
    yield widget  # the holder stays alive (and owns the area) until the test ends


def test_messages_show_on_their_own_line_and_clear_independently(area, qtbot):
    empty_height = area.sizeHint().height()
    assert empty_height > 0, "an empty area keeps one line, so the plots below never jump"
    area.show_message("expression", "unknown name 'q'")
    qtbot.waitUntil(lambda: area.height() == empty_height)
    assert area.height() == empty_height
    area.show_message("start", "moved inside the plot")
    assert area.shown() == ["expression", "start"]
    assert area.findChild(QtWidgets.QLabel, "expressionError").isVisible()
    assert area.text("expression") == "✗ unknown name 'q'"
    assert area.text("start").startswith("⚠ ")
    area.clear("expression")
    assert area.shown() == ["start"]
    assert area.text("expression") == ""
    area.show_message("start", "")
    assert area.shown() == []


def test_clear_without_keys_clears_everything(area):
    area.show_message("demo", "Demo loaded")
    area.show_message("expression", "bad")
    area.clear()
    assert area.shown() == []


def test_undeclared_keys_and_duplicates_are_refused(qtbot, area):
    with pytest.raises(KeyError, match="not declared"):
        area.show_message("typo", "x")
    with pytest.raises(ValueError, match="declared twice"):
        MessageArea([MessageSpec("a"), MessageSpec("a")])


def test_markup_in_a_message_is_shown_as_typed_not_rendered(area):
    """A file named '<h1><font color=red>HUGE</font></h1>.json' became a huge red heading."""
    label = area.findChild(QtWidgets.QLabel, "expressionError")
    area.show_message("expression", "HUGE.json not opened")
    one_line = label.heightForWidth(2000)
    area.show_message("expression", "<h1><font color=red>HUGE</font></h1>.json not opened")
    assert label.heightForWidth(2000) == one_line
