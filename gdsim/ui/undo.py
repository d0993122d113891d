"""Edit > Undo / Redo of parameter changes, on Qt's ``QUndoStack``.

Each panel emits ``edited`` after the user changes something. The history then (on the next
event-loop pass, once the panel has finished reacting: a new surface's step sizes are tamed
there) reads the window's state and, if the set-up changed, pushes a command holding the state
before and after. Undo and redo show those whole states with the window's ``set_state``: one
recomputation, never a replay of edits, and never recorded as an edit of their own (edits
reported while a state is applied are ignored). Successive changes of one kind within
``MERGE_SECONDS`` (a dragged slider) merge into one command.

Undo is refused, with a line in the status bar, while a network trains: showing another state
would stop the training under the teacher's hands.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from PySide6 import QtCore, QtGui

from gdsim.core.state import AppState
from gdsim.core.state_change import Change, describe_change, same_setup

MERGE_SECONDS = 1.0
"""Changes of one kind closer together than this are one gesture (one undo step)."""
MERGE_ID = 1
BUSY = "Undo and redo wait while a network trains: stop it first"


class StateCommand(QtGui.QUndoCommand):
    """One change: the states before and after it (the window shows them whole)."""

    def __init__(
        self, history: UndoHistory, before: AppState, after: AppState, change: Change
    ) -> None:
        super().__init__(change.text)
        self._history = history
        self.before, self.after = before, after
        self.key = change.key
        self.when = time.monotonic()
        self._done = True
        """The change is already on screen when the command is pushed: the first redo skips."""

    def id(self) -> int:
        return -1 if self.key is None else MERGE_ID

    def mergeWith(self, other: QtGui.QUndoCommand) -> bool:
        if not isinstance(other, StateCommand) or other.key != self.key:
            return False
        if other.when - self.when > MERGE_SECONDS:
            return False
        self.after, self.when = other.after, other.when
        self.setObsolete(same_setup(self.before, self.after))  # dragged back where it began
        return True

    def redo(self) -> None:
        if self._done:
            self._done = False
            return
        self._history.apply(self.after)

    def undo(self) -> None:
        self._history.apply(self.before)


class UndoHistory(QtCore.QObject):
    """The undo stack of one window (see the module docstring)."""

    changed = QtCore.Signal()
    """The state shown changed through a recorded edit, an undo or a redo."""
    applied = QtCore.Signal()
    """An undo or redo put a state on screen (the lesson pane finds the step it shows)."""
    statusMessage = QtCore.Signal(str)

    def __init__(
        self,
        state: Callable[[], AppState],
        show: Callable[[AppState], str | None],
        busy: Callable[[], bool],
        parent: QtCore.QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._state, self._show, self._busy = state, show, busy
        self.stack = QtGui.QUndoStack(self)
        self._known = state()
        self._applying = False
        self._lesson_step: str | None = None
        """The title of the lesson step waiting to be recorded, if that is the change."""
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._record_now)
        self.undo_action = QtGui.QAction("&Undo", self)
        self.undo_action.setObjectName("undoAction")
        self.undo_action.setShortcut(QtGui.QKeySequence.StandardKey.Undo)
        self.undo_action.triggered.connect(self.undo)
        self.redo_action = QtGui.QAction("&Redo", self)
        self.redo_action.setObjectName("redoAction")
        self.redo_action.setShortcuts(
            [QtGui.QKeySequence("Ctrl+Shift+Z"), QtGui.QKeySequence("Ctrl+Y")]
        )
        self.redo_action.triggered.connect(self.redo)
        self.stack.indexChanged.connect(self._update_actions)
        self._update_actions()

    @QtCore.Slot()
    def record(self) -> None:
        """A panel took a user edit: record it once the panel has settled."""
        if not self._applying:
            self._timer.start()

    def record_step(self, title: str) -> None:
        """A lesson step is on screen: one undo step of its own, named after it (never
        merged with the next, however fast the teacher pages through)."""
        if not self._applying:
            self._lesson_step = title
            self._timer.start()

    def reset(self) -> None:
        """A new document (opened, or restored at start-up): nothing to undo."""
        self._timer.stop()
        self.stack.clear()
        self._known = self._state()

    @QtCore.Slot()
    def undo(self) -> None:
        self._step(self.stack.undo)

    @QtCore.Slot()
    def redo(self) -> None:
        self._step(self.stack.redo)

    def _step(self, move: Callable[[], None]) -> None:
        if self._timer.isActive():  # an edit not yet recorded is undone first
            self._timer.stop()
            self._record_now()
        if self._busy():
            self.statusMessage.emit(BUSY)
            return
        move()

    def apply(self, state: AppState) -> None:
        """Show ``state`` for an undo or redo, without recording it as an edit."""
        self._applying = True
        try:
            why = self._show(state)
        finally:
            self._applying = False
        self._timer.stop()
        self._known = self._state()
        if why:
            self.statusMessage.emit(f"Not all undone: {why}")
        self.changed.emit()
        self.applied.emit()

    @QtCore.Slot()
    def _record_now(self) -> None:
        now = self._state()
        before, self._known = self._known, now
        step, self._lesson_step = self._lesson_step, None
        if same_setup(before, now):
            return
        before = replace(before, active=now.active)  # undo shows the panel the edit was in
        change = describe_change(before, now) if step is None else Change(step, None)
        self.stack.push(StateCommand(self, before, now, change))
        self.changed.emit()

    @QtCore.Slot()
    def _update_actions(self) -> None:
        for action, able, text, verb in (
            (self.undo_action, self.stack.canUndo(), self.stack.undoText(), "Undo"),
            (self.redo_action, self.stack.canRedo(), self.stack.redoText(), "Redo"),
        ):
            action.setEnabled(able)
            action.setText(f"&{verb} {text}" if text else f"&{verb}")
