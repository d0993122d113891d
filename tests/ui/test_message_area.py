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
    holder.show()
    yield widget  # the holder stays alive (and owns the area) until the test ends


def test_messages_show_on_their_own_line_and_clear_independently(area):
    assert not area.isVisible(), "an empty area takes no room"
    area.show_message("expression", "unknown name 'q'")
    area.show_message("start", "moved inside the plot")
    assert area.isVisible()
    assert area.shown() == ["expression", "start"]
    assert area.findChild(QtWidgets.QLabel, "expressionError").isVisible()
    assert area.text("expression") == "✗ unknown name 'q'"
    assert area.text("start").startswith("⚠ ")
    area.clear("expression")
    assert area.shown() == ["start"]
    assert area.text("expression") == ""
    area.show_message("start", "")
    assert area.shown() == [] and not area.isVisible()


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
