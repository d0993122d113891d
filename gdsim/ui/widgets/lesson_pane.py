"""The lesson pane: a lecture told step by step beside the plots, and its editor.

A dock beside the panels: pick a lesson (or open a file), read the step's words, and go on
with Next / Previous, Page Down / Page Up (what a presentation clicker sends) or Alt+Right /
Alt+Left. Each step shows its state through the window (``host.set_state``) and hides the
control groups it names. Step k's state is the steps up to k merged over what was on screen
when the lesson opened (``state_at``), so Previous shows the earlier picture again.

The editor (Edit) turns what is on screen into a new step after the current one, edits the
step's title and words, moves and deletes steps, and saves the lesson as JSON. All the rules
(merging, differences, checks, the file format) are in ``gdsim.core.lessons``.
"""

from __future__ import annotations

import html
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from PySide6 import QtCore, QtGui, QtWidgets
from superqt.utils import signals_blocked

from gdsim.core.lessons import (
    MAX_STEPS,
    Lesson,
    LessonError,
    LessonStep,
    lesson_from_dict,
    lesson_to_dict,
    load_lesson,
    markup_html,
    partial_state,
    save_lesson,
    shipped_lessons,
    state_at,
)
from gdsim.core.state import AppState, StateError
from gdsim.core.state_change import same_setup
from gdsim.ui.widgets.message_area import MessageArea, MessageSpec

CONTROL_OBJECTS = {
    "demos": "demoBox",
    "surface": "surfaceBox",
    "optimizer": "optimizerBox",
    "runs": "runsBox",
    "step_size": "stepSizeBox",
    "data": "dataBox",
    "network": "networkBox",
    "training": "trainingBox",
}
"""A lesson's control names (``gdsim.core.lessons.CONTROLS``) and the panels' group boxes."""

TEXT_SCALE = 1.25
"""The explanation is read from the back of the room: this much above the window's font."""

NEXT_KEYS = ("PgDown", "Alt+Right")
PREVIOUS_KEYS = ("PgUp", "Alt+Left")

SIDE_WIDTH = 340
"""The picker, buttons and editor beside the text (below it when docked at a side)."""

_OPEN = -1
"""The picker item that asks for a file (others hold an index into the pane's lessons)."""


class LessonHost(Protocol):
    """What the pane needs from the window (``MainWindow`` has it)."""

    def state(self) -> AppState: ...

    def set_state(self, state: AppState) -> str | None: ...


class LessonText(QtWidgets.QTextBrowser):
    """The explanation, ``TEXT_SCALE`` times the inherited font: it grows with the app font
    (presentation mode enlarges that), which a fixed point size would not."""

    def sizeHint(self) -> QtCore.QSize:
        """A title and about three lines of words (longer steps scroll): below the plots, the
        dock leaves them room even on a 768-pixel projector in presentation mode."""
        lines = QtGui.QFontMetrics(self.document().defaultFont()).lineSpacing()
        return QtCore.QSize(40 * lines, 5 * lines + 2 * self.frameWidth() + 8)

    def changeEvent(self, event: QtCore.QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QtCore.QEvent.Type.FontChange:
            self._scale()

    def _scale(self) -> None:
        font = QtGui.QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * TEXT_SCALE)
        self.document().setDefaultFont(font)


class LessonPane(QtWidgets.QDockWidget):
    """The "Lessons" dock. ``statusMessage`` carries news for the window's status bar."""

    statusMessage = QtCore.Signal(str)
    stepShown = QtCore.Signal(int)
    """A step's picture is on screen (the window's undo history records it as one change)."""

    def __init__(self, host: LessonHost, window: QtWidgets.QMainWindow) -> None:
        super().__init__("Lesson", window)
        self.setObjectName("lessonPane")
        self._host = host
        self._window = window
        self._lesson: Lesson | None = None
        self._index = -1
        self._base = AppState()
        self._hidden: list[QtWidgets.QWidget] = []
        self._choices: list[Lesson] = []
        self.messages = MessageArea((MessageSpec("lesson"),))
        self._build()
        self._fill_picker()
        self._keys = [
            self._shortcut(key, slot)
            for keys, slot in ((NEXT_KEYS, self.next_step), (PREVIOUS_KEYS, self.previous_step))
            for key in keys
        ]
        self.view_action = self.toggleViewAction()
        self.view_action.setText("&Lessons")
        self.view_action.setObjectName("lessonsAction")
        self.view_action.setShortcut(QtGui.QKeySequence("Ctrl+L"))
        self._show_step()

    # -- construction ------------------------------------------------------------------------

    def _build(self) -> None:
        body = QtWidgets.QWidget()
        self._layout = QtWidgets.QBoxLayout(QtWidgets.QBoxLayout.Direction.LeftToRight, body)
        self._layout.setContentsMargins(6, 4, 6, 6)
        self.picker = QtWidgets.QComboBox()
        self.picker.setObjectName("lessonPicker")
        self.picker.setSizeAdjustPolicy(
            QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.picker.setMinimumContentsLength(14)
        self.text = LessonText()
        self.text.setObjectName("lessonText")
        self.text.setOpenExternalLinks(False)
        self.text._scale()
        self.previous_button = QtWidgets.QPushButton("◀ Previous")
        self.previous_button.setObjectName("lessonPrevious")
        self.previous_button.setToolTip("Previous step (Page Up, Alt+Left)")
        self.next_button = QtWidgets.QPushButton("Next ▶")
        self.next_button.setObjectName("lessonNext")
        self.next_button.setToolTip("Next step (Page Down, Alt+Right)")
        self.position_label = QtWidgets.QLabel()
        self.position_label.setObjectName("lessonPosition")
        self.position_label.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.edit_button = QtWidgets.QToolButton()
        self.edit_button.setObjectName("lessonEditButton")
        self.edit_button.setText("Edit")
        self.edit_button.setCheckable(True)
        self.edit_button.setToolTip("Add the current state as a step, edit, reorder, save")
        self._build_editor()
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.previous_button)
        row.addWidget(self.position_label, 1)
        row.addWidget(self.next_button)
        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.picker, 1)
        top.addWidget(self.edit_button)
        side = QtWidgets.QWidget()
        side.setMaximumWidth(SIDE_WIDTH)
        column = QtWidgets.QVBoxLayout(side)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(top)
        column.addWidget(self.messages)
        column.addLayout(row)
        column.addStretch(1)
        self._layout.addWidget(side)
        self._layout.addWidget(self.text, 1)
        self.setWidget(body)
        self.dockLocationChanged.connect(self._on_docked)
        self.previous_button.clicked.connect(self.previous_step)
        self.next_button.clicked.connect(self.next_step)
        self.picker.activated.connect(self._on_picked)
        self.edit_button.toggled.connect(self.editor.setVisible)

    def _build_editor(self) -> None:
        """A small window of its own: editing happens before class, and the plots keep the
        height of a 768-pixel projector."""
        self.editor = QtWidgets.QDialog(self)
        self.editor.setWindowTitle("Edit lesson")
        self.editor.setObjectName("lessonEditor")
        self.editor.setModal(False)
        form = QtWidgets.QFormLayout(self.editor)
        self.title_edit = QtWidgets.QLineEdit()
        self.title_edit.setObjectName("lessonTitleEdit")
        self.step_title_edit = QtWidgets.QLineEdit()
        self.step_title_edit.setObjectName("lessonStepTitleEdit")
        self.step_text_edit = QtWidgets.QPlainTextEdit()
        self.step_text_edit.setObjectName("lessonStepTextEdit")
        self.step_text_edit.setPlaceholderText("A few sentences: **bold**, *italic*, η, λ, ∇, ²")
        self.step_text_edit.setMinimumHeight(120)
        form.addRow("Lesson:", self.title_edit)
        form.addRow("Step:", self.step_title_edit)
        form.addRow(self.step_text_edit)
        buttons = QtWidgets.QGridLayout()
        actions = (
            ("lessonAddStep", "Add current state as step", self.add_current_step),
            ("lessonMoveUp", "Move up", lambda: self.move_step(-1)),
            ("lessonMoveDown", "Move down", lambda: self.move_step(1)),
            ("lessonDeleteStep", "Delete step", self.delete_step),
            ("lessonNew", "New lesson", self.new_lesson),
            ("lessonSaveAs", "Save lesson as…", self._ask_save_as),
        )
        self.edit_buttons: dict[str, QtWidgets.QPushButton] = {}
        for index, (name, text, slot) in enumerate(actions):
            button = QtWidgets.QPushButton(text)
            button.setObjectName(name)
            button.clicked.connect(slot)
            self.edit_buttons[name] = button
            if index == 0:
                buttons.addWidget(button, 0, 0, 1, 2)
            else:
                buttons.addWidget(button, 1 + (index - 1) // 2, (index - 1) % 2)
        form.addRow(buttons)
        self.editor.finished.connect(lambda _result: self.edit_button.setChecked(False))
        self.title_edit.textEdited.connect(self._on_title_edited)
        self.step_title_edit.textEdited.connect(self._on_step_edited)
        self.step_text_edit.textChanged.connect(self._on_step_edited)

    def _fill_picker(self) -> None:
        """Shipped lessons, then "Open lesson file…"; a broken shipped file offers none and
        says so (the app still starts)."""
        try:
            lessons = shipped_lessons()
        except LessonError as error:
            lessons = []
            self.messages.show_message("lesson", f"Lessons not loaded: {error}")
        self.picker.addItem("Choose a lesson…", None)
        for lesson in lessons:
            self._choices.append(lesson)
            self.picker.addItem(lesson.title, len(self._choices) - 1)
            self.picker.setItemData(
                self.picker.count() - 1, lesson.summary, QtCore.Qt.ItemDataRole.ToolTipRole
            )
        self.picker.addItem("Open lesson file…", _OPEN)

    def _shortcut(self, key: str, slot: object) -> QtGui.QShortcut:
        shortcut = QtGui.QShortcut(QtGui.QKeySequence(key), self._window)
        shortcut.setContext(QtCore.Qt.ShortcutContext.WindowShortcut)
        shortcut.activated.connect(slot)
        shortcut.setEnabled(False)
        return shortcut

    # -- public API (the window, tests, scripts) ----------------------------------------------

    def lesson(self) -> Lesson | None:
        return self._lesson

    def index(self) -> int:
        """The step shown (0-based), -1 when none."""
        return self._index

    def open_lesson(self, path: Path | str) -> str | None:
        """Open a lesson file at its first step; a bad file changes nothing and says why
        (returned, in the pane and the status line). None when shown."""
        try:
            lesson = load_lesson(path)
        except LessonError as error:
            return self._refuse(f"Lesson not opened: {error}")
        why = self.set_lesson(lesson)
        if why is None:
            self._select_in_picker(lesson, Path(path).name)
        return why

    def set_lesson(self, lesson: Lesson) -> str | None:
        """Show ``lesson`` from its first step, over what is on screen now."""
        previous = (self._lesson, self._index, self._base)
        self._restore_controls()
        self._lesson, self._index, self._base = lesson, -1, self._host.state()
        if not lesson.steps:  # a new lesson, to be filled by the editor
            self._show_step()
            return None
        why = self.go_to(0)
        if why is not None:
            self._lesson, self._index, self._base = previous
            self._hide_controls()
            self._show_step()
        return why

    def go_to(self, index: int) -> str | None:
        """Show step ``index``; one that cannot be shown leaves the lesson where it was and
        says why. None when shown."""
        if self._lesson is None or not 0 <= index < len(self._lesson.steps):
            return "no such step"
        try:
            state = state_at(self._base, self._lesson, index)
        except StateError as error:
            return self._refuse(f"Step not shown: {error}")
        before = self._host.state()
        why = self._host.set_state(state)
        if why is not None:
            self._host.set_state(before)  # a panel that took its part gives it back
            return self._refuse(f"Step {index + 1} not shown: {why}")
        self.messages.clear("lesson")
        self._restore_controls()
        self._index = index
        self._hide_controls()
        self._show_step()
        self.stepShown.emit(index)
        return None

    @QtCore.Slot()
    def follow_screen(self) -> None:
        """After an undo or redo: the words of the step whose picture is now on screen (the
        pane said "Step 2" over step 1's picture). A picture no step makes changes nothing."""
        if self._lesson is None:
            return
        shown = self._host.state()
        for index in range(len(self._lesson.steps)):
            try:
                picture = state_at(self._base, self._lesson, index)
            except StateError:
                return
            if same_setup(picture, shown):
                if index != self._index:
                    self._restore_controls()
                    self._index = index
                    self._hide_controls()
                    self._show_step()
                return

    @QtCore.Slot()
    def next_step(self) -> None:
        if self._lesson is not None and self._index + 1 < len(self._lesson.steps):
            self.go_to(self._index + 1)

    @QtCore.Slot()
    def previous_step(self) -> None:
        if self._lesson is not None and self._index > 0:
            self.go_to(self._index - 1)

    def close_lesson(self) -> None:
        """Back to no lesson: every control the lesson hid is shown again."""
        self._restore_controls()
        self._lesson, self._index = None, -1
        with signals_blocked(self.picker):
            self.picker.setCurrentIndex(0)
        self._show_step()

    # -- editing ------------------------------------------------------------------------------

    @QtCore.Slot()
    def new_lesson(self) -> None:
        """An empty lesson to fill with "Add current state as step"."""
        self.set_lesson(Lesson("Untitled lesson"))
        with signals_blocked(self.picker):
            self.picker.setCurrentIndex(0)
        self.edit_button.setChecked(True)

    @QtCore.Slot()
    def add_current_step(self) -> None:
        """What is on screen becomes a step after the current one, holding only what differs
        from the current step's state (a first step holds it all: it is shown over whatever
        the audience had on screen). A lesson holds at most MAX_STEPS: one more is refused
        here, not at Save (which could not write the work)."""
        if self._lesson is not None and len(self._lesson.steps) >= MAX_STEPS:
            self._refuse(f"Step not added: a lesson holds at most {MAX_STEPS} steps")
            return
        lesson = self._lesson or Lesson("Untitled lesson")
        if self._lesson is None:
            self._lesson, self._base = lesson, self._host.state()
        current = self._host.state()
        previous = state_at(self._base, lesson, self._index) if self._index >= 0 else None
        number = self._index + 2
        step = LessonStep(title=f"Step {number}", state=partial_state(previous, current))
        self._lesson = lesson.inserted(self._index + 1, step)
        self._restore_controls()
        self._index += 1
        self._show_step()

    def move_step(self, offset: int) -> None:
        """Move the current step; it stays the one shown, with the picture it now makes."""
        if self._lesson is None or self._index < 0:
            return
        target = max(0, min(len(self._lesson.steps) - 1, self._index + offset))
        if target != self._index:
            self._lesson = self._lesson.moved(self._base, self._index, offset)
            self.go_to(target)

    @QtCore.Slot()
    def delete_step(self) -> None:
        """Delete the current step and show the one that takes its place."""
        if self._lesson is None or self._index < 0:
            return
        index = self._index
        self._lesson = self._lesson.removed(self._base, index)
        self._restore_controls()
        self._index = -1
        last = len(self._lesson.steps) - 1
        if last < 0 or self.go_to(min(index, last)) is not None:
            self._show_step()

    def save_lesson_as(self, path: Path | str) -> str | None:
        """Write the lesson; one that would not load back (no steps, no title) or a failed
        write is refused with one line, and an existing file stays. None when saved."""
        if self._lesson is None:
            return self._refuse("No lesson to save: choose one or start a new one")
        try:
            lesson_from_dict(lesson_to_dict(self._lesson))
            save_lesson(path, self._lesson)
        except (StateError, OSError) as error:
            return self._refuse(f"Lesson not saved: {error}")
        self.messages.clear("lesson")
        self.statusMessage.emit(f"Saved {path}")
        return None

    @QtCore.Slot()
    def _ask_save_as(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Save lesson", "lesson.json", "gdsim lesson (*.json)"
        )
        if path:
            self.save_lesson_as(path)

    @QtCore.Slot(str)
    def _on_title_edited(self, text: str) -> None:
        if self._lesson is not None:
            self._lesson = replace(self._lesson, title=text)

    @QtCore.Slot()
    def _on_step_edited(self) -> None:
        if self._lesson is None or self._index < 0:
            return
        step = self._lesson.steps[self._index]
        edited = replace(
            step, title=self.step_title_edit.text(), text=self.step_text_edit.toPlainText()
        )
        if edited != step:
            self._lesson = self._lesson.with_step(self._index, edited)
            self._render_text()

    # -- showing ------------------------------------------------------------------------------

    def _show_step(self) -> None:
        lesson, index = self._lesson, self._index
        count = 0 if lesson is None else len(lesson.steps)
        self.position_label.setText(f"Step {index + 1} of {count}" if index >= 0 else "")
        self.previous_button.setEnabled(index > 0)
        self.next_button.setEnabled(0 <= index < count - 1)
        has_step = index >= 0
        for name in ("lessonMoveUp", "lessonMoveDown", "lessonDeleteStep"):
            self.edit_buttons[name].setEnabled(has_step)
        self.step_title_edit.setEnabled(has_step)
        self.step_text_edit.setEnabled(has_step)
        step = lesson.steps[index] if lesson is not None and has_step else None
        with signals_blocked(self.title_edit):
            self.title_edit.setText("" if lesson is None else lesson.title)
        with signals_blocked(self.step_title_edit):
            self.step_title_edit.setText("" if step is None else step.title)
        with signals_blocked(self.step_text_edit):
            self.step_text_edit.setPlainText("" if step is None else step.text)
        self._render_text()

    def _render_text(self) -> None:
        lesson, index = self._lesson, self._index
        if lesson is None:
            body = markup_html(
                "Choose a lesson above: each step sets up the plots and explains them.\n"
                "**Page Down** / **Page Up** (or Alt+→ / Alt+←) go through the steps."
            )
        elif index < 0:
            body = f"<h3>{html.escape(lesson.title)}</h3>" + markup_html(
                "No steps yet: set up the plots, then **Add current state as step**."
            )
        else:
            step = lesson.steps[index]
            body = f"<h3>{html.escape(step.title)}</h3>{markup_html(step.text)}"
        self.text.setHtml(body)

    def _refuse(self, why: str) -> str:
        self.messages.show_message("lesson", why)
        self.statusMessage.emit(why)
        return why

    def _select_in_picker(self, lesson: Lesson, name: str) -> None:
        """A lesson opened from a file joins the picker (above "Open lesson file…"); the same
        file opened again takes its entry's place instead of adding one."""
        text = f"{lesson.title} ({name})"
        with signals_blocked(self.picker):
            found = self.picker.findText(text)
            if found >= 0:
                self._choices[self.picker.itemData(found)] = lesson
            else:
                self._choices.append(lesson)
                found = self.picker.count() - 1
                self.picker.insertItem(found, text, len(self._choices) - 1)
            self.picker.setCurrentIndex(found)

    @QtCore.Slot(int)
    def _on_picked(self, index: int) -> None:
        data = self.picker.itemData(index)
        if data == _OPEN:
            path, _ = QtWidgets.QFileDialog.getOpenFileName(
                self, "Open lesson", "", "gdsim lesson (*.json)"
            )
            if not path or self.open_lesson(path) is not None:
                self._reselect()
        elif isinstance(data, int):
            if self.set_lesson(self._choices[data]) is not None:
                self._reselect()
        else:
            self.close_lesson()

    def _reselect(self) -> None:
        """The picker back on the lesson shown (a refused choice changed nothing)."""
        shown = [k for k, lesson in enumerate(self._choices) if lesson is self._lesson]
        with signals_blocked(self.picker):
            self.picker.setCurrentIndex(max(0, self.picker.findData(shown[0]) if shown else 0))

    @QtCore.Slot(QtCore.Qt.DockWidgetArea)
    def _on_docked(self, area: QtCore.Qt.DockWidgetArea) -> None:
        """Below the plots the words go beside the buttons (a 1024 x 768 projector has
        height to spare, not width); beside the plots, under them."""
        sideways = area in (
            QtCore.Qt.DockWidgetArea.LeftDockWidgetArea,
            QtCore.Qt.DockWidgetArea.RightDockWidgetArea,
        )
        direction = QtWidgets.QBoxLayout.Direction
        self._layout.setDirection(direction.TopToBottom if sideways else direction.LeftToRight)

    # -- hidden controls ----------------------------------------------------------------------

    def _hide_controls(self) -> None:
        """Hide the current step's control groups (only while the pane is shown)."""
        if self._lesson is None or self._index < 0 or self.isHidden():
            return
        for name in self._lesson.steps[self._index].hide:
            widget = self._window.findChild(QtWidgets.QWidget, CONTROL_OBJECTS[name])
            if widget is not None and not widget.isHidden():
                widget.hide()
                self._hidden.append(widget)

    def _restore_controls(self) -> None:
        for widget in self._hidden:
            widget.show()
        self._hidden.clear()

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        if not event.spontaneous():
            for shortcut in self._keys:
                shortcut.setEnabled(True)
            self._hide_controls()

    def hideEvent(self, event: QtGui.QHideEvent) -> None:
        """Closing the pane ends what the lesson hid and its keys (a minimised window
        sends a spontaneous hide, which changes nothing)."""
        super().hideEvent(event)
        if not event.spontaneous():
            for shortcut in self._keys:
                shortcut.setEnabled(False)
            self._restore_controls()
