"""Reading a gdsim data file (a session or a lesson) before anything trusts it.

Both kinds of file are small JSON documents a teacher may have edited by hand, mailed, or
mistaken for another. One reader refuses, in one line each, what neither can be: a folder, a
FIFO or device (reading one would block or never end), a file too large to be ours (refused
before it is read), text that is not UTF-8, JSON that is cut short or malformed (with its line
and column), NaN and Infinity (Python's reader takes them; JSON does not) and numbers too large
for a float. What the document then means is the caller's to check.
"""

from __future__ import annotations

import json
import math
import os
import stat
from pathlib import Path
from typing import Any


class DocumentError(ValueError):
    """A file that cannot be read as a gdsim document; the message is the one line to show."""


def read_text(path: Path, max_bytes: int) -> str:
    """A small regular UTF-8 file's text (special and large files are refused unread)."""
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise DocumentError("it is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise DocumentError("it is not a regular file")
        if info.st_size > max_bytes:
            raise DocumentError(
                f"{info.st_size / 1e6:.1f} MB is too large for a gdsim file "
                f"(at most {max_bytes / 1e6:g} MB)"
            )
        with open(path, "rb") as file:
            data = file.read(max_bytes + 1)
    except OSError as error:
        raise DocumentError(f"cannot read it: {error.strerror or error}") from None
    if len(data) > max_bytes:  # it grew between stat and read
        raise DocumentError(f"too large for a gdsim file (at most {max_bytes / 1e6:g} MB)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DocumentError(f"not a text file (byte {error.start} is not UTF-8)") from None


def parse_json(text: str) -> Any:
    """Strict JSON: NaN and Infinity (which Python's reader accepts) and numbers too large for a
    float are refused; a syntax error names its line and column, and says "cut short" when the
    text ends where more was expected."""

    def refuse_constant(token: str) -> None:
        raise DocumentError(f"{token} is not a number JSON allows (a hand edit?)")

    def finite(token: str) -> float:
        value = float(token)
        if not math.isfinite(value):
            raise DocumentError(f"the number {token[:20]} is too large")
        return value

    try:
        return json.loads(text, parse_constant=refuse_constant, parse_float=finite)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno} column {error.colno}"
        if not text[error.pos :].strip() or error.msg.startswith("Unterminated string"):
            raise DocumentError(f"the file is cut short (truncated at {where})") from None
        message = error.msg.removesuffix(" at")  # "Unterminated string starting at"
        raise DocumentError(f"not valid JSON: {message} at {where}") from None
    except RecursionError:
        raise DocumentError("not valid JSON: nested too deeply") from None
    except DocumentError:
        raise
    except ValueError:  # an integer with more digits than Python converts (thousands)
        raise DocumentError("not valid JSON: a number with too many digits") from None


def read_document(path: Path, max_bytes: int) -> Any:
    """The JSON value in ``path``, or ``DocumentError`` in one line."""
    return parse_json(read_text(path, max_bytes))


def kind_name(value: object) -> str:
    """How a JSON value is called in a message ("a JSON list")."""
    names = {list: "list", str: "string", int: "number", float: "number", bool: "true/false"}
    return names.get(type(value), "null" if value is None else type(value).__name__)
