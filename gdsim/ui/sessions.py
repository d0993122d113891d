"""File > Save / Save as / Open / Open recent / Open from text, Edit > Copy set-up, the modified
mark in the title, and the unsaved-changes question.

A session is the whole ``AppState`` (``gdsim.core.session_file``). Opening applies all of it
or nothing: when a panel refuses its part, the state from before is put back and the reason is
said. "Modified" means the set-up differs from the one last saved or opened (or shown at
start-up); where playback stands and which panel is in front do not count.

Every action that would need a dialog has a method that takes the dialog's answer
(``save_session(path)``, ``open_session(path)``, ``open_setup_text(text)``, and
``_ask_save_changes()`` for the Save / Discard / Cancel question), so tests never open a
modal dialog.
"""

from __future__ import annotations

import enum
import html
from collections.abc import Callable
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.core.json_document import DocumentError
from gdsim.core.session_file import SUFFIX, read_session, write_session
from gdsim.core.setup_text import SetupTextError, decode_setup, encode_setup
from gdsim.core.state import AppState
from gdsim.core.state_change import same_setup
from gdsim.ui import preferences
from gdsim.ui.undo import UndoHistory

FILTER = f"gdsim session (*{SUFFIX});;All files (*)"


class Answer(enum.Enum):
    SAVE = "save"
    DISCARD = "discard"
    CANCEL = "cancel"


class SessionActions(QtCore.QObject):
    """The session file of one window, its undo history and the menu actions for both."""

    statusMessage = QtCore.Signal(str)

    def __init__(
        self,
        window: QtWidgets.QMainWindow,
        state: Callable[[], AppState],
        show: Callable[[AppState], str | None],
        busy: Callable[[], bool],
    ) -> None:
        super().__init__(window)
        self._window, self._state, self._show = window, state, show
        self._title = window.windowTitle()
        self.path: Path | None = None
        self._saved = state()
        self.ask_before_closing = False
        """Only the app's window asks (a test's window closes without a dialog)."""
        self.history = UndoHistory(state, show, busy, self)
        self.history.changed.connect(self.refresh_modified)
        self.history.statusMessage.connect(self.statusMessage)
        self.recent_menu = QtWidgets.QMenu("Open &recent", window)
        self.recent_menu.setObjectName("recentMenu")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        act = self._action
        self.open_action = act("&Open…", "openAction", QtGui.QKeySequence.StandardKey.Open)
        self.open_action.triggered.connect(self._open_dialog)
        self.open_text_action = act("Open from &text…", "openTextAction", None)
        self.open_text_action.triggered.connect(self._open_text_dialog)
        self.save_action = act("&Save", "saveAction", QtGui.QKeySequence.StandardKey.Save)
        self.save_action.triggered.connect(self.save)
        self.save_as_action = act("Save &as…", "saveAsAction", "Ctrl+Shift+S")
        self.save_as_action.triggered.connect(self.save_as)
        self.copy_action = act("&Copy set-up", "copySetupAction", None)
        self.copy_action.triggered.connect(self.copy_setup)
        self._show_title()

    def _action(
        self, text: str, name: str, shortcut: str | QtGui.QKeySequence.StandardKey | None
    ) -> QtGui.QAction:
        action = QtGui.QAction(text, self)
        action.setObjectName(name)
        if shortcut is not None:
            action.setShortcut(QtGui.QKeySequence(shortcut))
        return action

    def file_actions(self) -> list[QtGui.QAction]:
        """For the File menu, in order (Open recent is ``recent_menu``, after Open)."""
        return [self.open_action, self.recent_menu.menuAction(), self.open_text_action,
                self.save_action, self.save_as_action]  # fmt: skip

    def edit_actions(self) -> list[QtGui.QAction]:
        separator = QtGui.QAction(self)
        separator.setSeparator(True)
        return [self.history.undo_action, self.history.redo_action, separator, self.copy_action]

    # -- the document ---------------------------------------------------------------------

    def is_modified(self) -> bool:
        return not same_setup(self._saved, self._state())

    @QtCore.Slot()
    def refresh_modified(self) -> None:
        self._window.setWindowModified(self.is_modified())

    def reset(self) -> None:
        """What is shown now is a new, unmodified document (start-up, opened): nothing to undo."""
        self._saved = self._state()
        self.history.reset()
        self.refresh_modified()

    def _show_title(self) -> None:
        name = "" if self.path is None else f"{self.path.name}[*] — "
        self._window.setWindowTitle(f"{name}{self._title}{'' if name else '[*]'}")
        self._window.setWindowFilePath("" if self.path is None else str(self.path))
        self.refresh_modified()

    # -- saving ---------------------------------------------------------------------------

    def save_session(self, path: Path) -> None:
        """Save the whole state to ``path``; on failure ``OSError`` (one line) and the old
        file is left as it was."""
        path = Path(path)
        state = self._state()
        write_session(path, state)
        self.path = path.resolve()
        self._saved = state
        preferences.add_recent_file(str(self.path))
        self._show_title()
        self.statusMessage.emit(f"Saved {self.path.name}")

    @QtCore.Slot()
    def save(self) -> bool:
        """Save to the file open now, or ask where. False when not saved."""
        if self.path is None:
            return self.save_as()
        return self._save_reporting(self.path)

    @QtCore.Slot()
    def save_as(self) -> bool:
        start = str(self.path or Path.home() / f"session{SUFFIX}")
        chosen, _ = QtWidgets.QFileDialog.getSaveFileName(
            self._window, "Save session", start, FILTER
        )
        if not chosen:
            return False
        path = Path(chosen)
        return self._save_reporting(path if path.suffix else path.with_suffix(SUFFIX))

    def _save_reporting(self, path: Path) -> bool:
        try:
            self.save_session(path)
        except OSError as error:
            self.statusMessage.emit(f"Not saved: {error}")
            QtWidgets.QMessageBox.warning(
                self._window, "Session not saved", f"<p>{html.escape(str(error), quote=False)}</p>"
            )
            return False
        return True

    # -- opening --------------------------------------------------------------------------

    def open_session(self, path: Path) -> str | None:
        """Show the session saved in ``path``, all of it, or nothing: returns None when shown,
        else the one-line reason (also said in the status bar)."""
        path = Path(path)
        try:
            state = read_session(path)
        except DocumentError as error:  # a SessionError too
            return self._refuse(f"{path.name} not opened: {error}")
        why = self.show_whole(state)
        if why:
            return self._refuse(f"{path.name} not opened: {why}")
        self.path = path.resolve()
        preferences.add_recent_file(str(self.path))
        self.reset()
        self._show_title()
        self.statusMessage.emit(f"Opened {path.name}")
        return None

    def open_setup_text(self, text: str) -> str | None:
        """Show the set-up in ``text`` (from Copy set-up), as ``open_session`` does; the
        result is an unsaved document."""
        try:
            state = decode_setup(text)
        except SetupTextError as error:
            return self._refuse(f"Set-up not opened: {error}")
        why = self.show_whole(state)
        if why:
            return self._refuse(f"Set-up not opened: {why}")
        self.path = None
        self.reset()
        self._show_title()
        self.statusMessage.emit("Set-up opened from text")
        return None

    def show_whole(self, state: AppState) -> str | None:
        """Show ``state``, or (a panel refused its part) put back what was shown and say why."""
        before = self._state()
        why = self._show(state)
        if why:
            self._show(before)
        return why

    def _refuse(self, message: str) -> str:
        self.statusMessage.emit(message)
        return message

    def open_chosen(self, path: Path) -> str | None:
        """Open ``path`` after the unsaved-changes question (None also when cancelled)."""
        if not self.may_discard_changes():
            return None
        return self.open_session(path)

    @QtCore.Slot()
    def _open_dialog(self) -> None:
        start = str(self.path.parent if self.path else Path.home())
        chosen, _ = QtWidgets.QFileDialog.getOpenFileName(
            self._window, "Open session", start, FILTER
        )
        if chosen:
            self._warn(self.open_chosen(Path(chosen)))

    def open_recent(self, path: str) -> str | None:
        """A file from Open recent; one since deleted or moved leaves the list."""
        if not Path(path).is_file():
            preferences.remove_recent_file(path)
            return self._refuse(f"{Path(path).name} is no longer there: removed from the list")
        return self.open_chosen(Path(path))

    @QtCore.Slot()
    def clear_recent(self) -> None:
        preferences.set_recent_files([])

    @QtCore.Slot()
    def _fill_recent_menu(self) -> None:
        menu = self.recent_menu
        menu.clear()
        paths = preferences.recent_files()
        for number, path in enumerate(paths, start=1):
            action = menu.addAction(f"&{number} {Path(path).name}")
            action.setToolTip(path)
            action.setStatusTip(path)
            action.triggered.connect(lambda _checked=False, p=path: self._warn(self.open_recent(p)))
        if paths:
            menu.addSeparator()
        clear = menu.addAction("&Clear list", self.clear_recent)
        clear.setObjectName("clearRecentAction")
        clear.setEnabled(bool(paths))

    @QtCore.Slot()
    def _open_text_dialog(self) -> None:
        text, ok = QtWidgets.QInputDialog.getMultiLineText(
            self._window, "Open from text", "Paste a set-up copied with Edit > Copy set-up:"
        )
        if ok and text.strip() and self.may_discard_changes():
            self._warn(self.open_setup_text(text))

    def _warn(self, refusal: str | None) -> None:
        """A refusal after a dialog also gets a message box: the teacher is waiting for it."""
        if refusal:
            # Escaped in a paragraph: a file name like "<h1>x.json" is shown as typed.
            QtWidgets.QMessageBox.warning(
                self._window, "Not opened", f"<p>{html.escape(refusal, quote=False)}</p>"
            )

    # -- copying --------------------------------------------------------------------------

    @QtCore.Slot()
    def copy_setup(self) -> str:
        """Put the set-up's one-line text form on the clipboard (and return it)."""
        text = encode_setup(self._state())
        QtGui.QGuiApplication.clipboard().setText(text)
        self.statusMessage.emit(
            f"Set-up copied ({len(text)} characters): paste it in File > Open from text"
        )
        return text

    # -- unsaved changes ------------------------------------------------------------------

    def may_discard_changes(self) -> bool:
        """True when what is shown may be replaced or closed: nothing unsaved, or the teacher
        saved it or chose to discard it."""
        if not self.is_modified():
            return True
        answer = self._ask_save_changes()
        if answer is Answer.SAVE:
            return self.save()
        return answer is Answer.DISCARD

    def _ask_save_changes(self) -> Answer:
        """Save / Discard / Cancel (tests replace this method: no modal dialog in a test)."""
        buttons = QtWidgets.QMessageBox.StandardButton
        name = self.path.name if self.path else "this set-up"
        reply = QtWidgets.QMessageBox.question(
            self._window,
            "Unsaved changes",
            f"Save the changes to {name}?",
            buttons.Save | buttons.Discard | buttons.Cancel,
            buttons.Save,
        )
        return {buttons.Save: Answer.SAVE, buttons.Discard: Answer.DISCARD}.get(
            reply, Answer.CANCEL
        )

    def may_close(self) -> bool:
        """Closing the window: ask only in the app's window (``ask_before_closing``)."""
        return not self.ask_before_closing or self.may_discard_changes()
