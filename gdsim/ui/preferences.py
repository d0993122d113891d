"""What gdsim remembers between launches: the window's size and place, the panel shown, and
each panel's state (last surface, learning rates, runs, dataset, network, training settings),
and the session files opened or saved last (File > Open recent).

Stored with ``QSettings`` (the platform's own place for preferences) as the ``AppState``'s JSON,
the same document sessions save, so there is one format to read back and one validation. A
preference that cannot be used (a corrupt entry, one from a newer gdsim, a CSV file since
deleted) is skipped with one line in the status bar: a preference never stops the app from
starting and is never half applied.
"""

from __future__ import annotations

import json

from PySide6 import QtCore

from gdsim.core.session_file import with_recent
from gdsim.core.state import AppState, StateError

GEOMETRY_KEY = "window/geometry"
STATE_KEY = "state"
RECENT_KEY = "recent/files"


def save(geometry: QtCore.QByteArray, state: AppState) -> None:
    settings = QtCore.QSettings()
    settings.setValue(GEOMETRY_KEY, geometry)
    settings.setValue(STATE_KEY, json.dumps(state.to_dict()))
    settings.sync()


def partly(refused: str) -> str:
    """The status line for settings restored but for the parts named in ``refused``."""
    return f"Last session's settings partly restored ({refused})"


def saved_geometry() -> QtCore.QByteArray | None:
    value = QtCore.QSettings().value(GEOMETRY_KEY)
    return value if isinstance(value, QtCore.QByteArray) else None


def saved_state() -> tuple[AppState | None, str]:
    """The saved state (a panel whose part is refused gets its defaults) and the reasons for
    what was refused ("" for none), or None and the status line saying why nothing was
    restored ("" when nothing was saved yet)."""
    text = QtCore.QSettings().value(STATE_KEY)
    if text is None:
        return None, ""
    try:
        return AppState.salvage(json.loads(str(text)))
    except (ValueError, StateError, RecursionError) as error:  # RecursionError: deep nesting
        return None, f"Last session's settings not restored ({error})"
    except Exception as error:  # a preference must never stop gdsim from starting
        return None, f"Last session's settings not restored ({type(error).__name__}: {error})"


def recent_files() -> list[str]:
    """File > Open recent, newest first (a corrupt entry reads as an empty list: it is only
    a convenience). Stored as JSON text: QSettings' own lists differ between platforms."""
    try:
        paths = json.loads(str(QtCore.QSettings().value(RECENT_KEY, "[]")))
    except ValueError:
        return []
    if not isinstance(paths, list):
        return []
    return [path for path in paths if isinstance(path, str)]


def set_recent_files(paths: list[str]) -> None:
    settings = QtCore.QSettings()
    settings.setValue(RECENT_KEY, json.dumps(paths))
    settings.sync()


def add_recent_file(path: str) -> None:
    set_recent_files(with_recent(recent_files(), path))


def remove_recent_file(path: str) -> None:
    set_recent_files([entry for entry in recent_files() if entry != path])
