"""Session files: the whole app's state (``AppState``) as versioned JSON a teacher can keep.

A session is plain data, never code: ``{"gdsim": "session", "version": 1, "state": {...}}``,
where ``state`` is ``AppState.to_dict()``. The envelope says what the file is (a lesson, a
preset or another program's JSON is refused by name, not misread as a session) and which
envelope version wrote it; the state carries its own version for its fields.

Reading refuses a bad file with one line that names what is wrong (the file cannot be read, it
is too large, not UTF-8, not JSON or cut short, holds NaN, is not a session, comes from a newer
gdsim, or a field is invalid: its path from ``StateError``) and never returns a half-read state,
so the caller can leave what is on screen exactly as it was.
"""

from __future__ import annotations

import json
from pathlib import Path

from gdsim.core.files import write_text_atomic
from gdsim.core.json_document import DocumentError, kind_name, parse_json, read_text
from gdsim.core.state import AppState, StateError
from gdsim.core.state.fields import shown_value

KIND = "session"
SESSION_VERSION = 1
"""The envelope's version; bumped when the envelope (not the state inside) changes shape."""
MAX_BYTES = 5_000_000
"""A session is a few kilobytes; anything near this is not one, and is refused unread."""
SUFFIX = ".json"


class SessionError(DocumentError):
    """A session that cannot be opened; the message is the one line to show. Whatever makes
    a file unreadable as JSON is a ``DocumentError`` (``gdsim.core.json_document``)."""


def session_text(state: AppState) -> str:
    """The file's text: indented, so a teacher can read (and diff) it."""
    envelope = {"gdsim": KIND, "version": SESSION_VERSION, "state": state.to_dict()}
    return json.dumps(envelope, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_session(path: Path, state: AppState) -> None:
    """Write ``state`` to ``path`` atomically; on failure the old file is kept and the
    ``OSError`` says why in one line."""
    write_text_atomic(path, session_text(state))


def read_session(path: Path) -> AppState:
    """The state saved in ``path``, or ``DocumentError`` (a ``SessionError`` when the file
    reads but is no session) saying in one line why not."""
    return parse_session(read_text(path, MAX_BYTES))


def parse_session(text: str) -> AppState:
    """The state in a session file's text, or ``SessionError`` (see the module docstring)."""
    document = parse_json(text)
    if not isinstance(document, dict):
        raise SessionError(f"not a gdsim session (the file holds a JSON {kind_name(document)})")
    kind = document.get("gdsim")
    if kind is None:
        raise SessionError('not a gdsim session (no "gdsim" field: another program\'s file?)')
    if kind != KIND:
        raise SessionError(f"not a gdsim session (it says it is a {shown_value(kind)})")
    unknown = sorted(set(document) - {"gdsim", "version", "state"})
    if unknown:
        raise SessionError(f"{shown_value(unknown[0])}: unknown field in a session file")
    version = document.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise SessionError(f"version: must be a whole number from 1, got {shown_value(version)}")
    if version > SESSION_VERSION:
        raise SessionError(
            f"made by a newer gdsim (session version {version}; this one reads up to "
            f"{SESSION_VERSION})"
        )
    if "state" not in document:
        raise SessionError("state: missing")
    try:
        return AppState.from_dict(document["state"])
    except StateError as error:
        where = str(error)
        raise SessionError(where if where.startswith("state") else f"state.{where}") from None
    except (TypeError, ValueError, OverflowError, RecursionError) as error:
        raise SessionError(f"state: {error}") from None


MAX_RECENT = 8


def with_recent(recent: list[str], path: str) -> list[str]:
    """File > Open recent after ``path`` was opened or saved: newest first, once, at most
    ``MAX_RECENT``."""
    return [path, *(entry for entry in recent if entry != path)][:MAX_RECENT]
