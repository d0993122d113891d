"""Near misses of a menu name: a typo gets a suggestion, not only the list of choices."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest_name(name: str, choices: Iterable[str]) -> str | None:
    """The choice `name` most likely misspells (difflib's default similarity of 0.6), if any."""
    matches = difflib.get_close_matches(name.strip().lower(), list(choices), n=1)
    return matches[0] if matches else None


def suggestion(name: str, choices: Iterable[str]) -> str:
    """' (did you mean adam?)' for a near miss of one of `choices`, '' otherwise: the tail of
    an "unknown ..." message."""
    closest = closest_name(name, choices)
    return "" if closest is None else f" (did you mean {closest}?)"
