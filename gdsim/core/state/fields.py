"""Reading a saved state back, field by field, with errors that name the field.

Sessions, lessons and settings store each panel's state as JSON. A hand-edited or corrupt file
must give one line that says *which* field is wrong ("runs[2].lr: must be a number above 0, got
'fast'"), never a KeyError from deep inside a panel, and nothing may be half applied: a state
object is built whole from its dict or not at all. ``Fields`` wraps one JSON object with its
path, so nested readers report full paths.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterator, Mapping
from typing import Any

STATE_VERSION = 1
"""Bumped when a state's dict changes shape; older versions are read where they can be."""


class StateError(ValueError):
    """A saved state that cannot be used; the message starts with the bad field's path."""


class Fields:
    """Typed, path-aware access to one JSON object of a saved state."""

    def __init__(self, data: object, path: str = "") -> None:
        if not isinstance(data, Mapping):
            raise StateError(f"{path or 'state'}: must be an object, got {shown_value(data)}")
        if not all(isinstance(key, str) for key in data):
            raise StateError(
                f"{path or 'state'}: field names must be text, got {shown_value(data)}"
            )
        self.data: Mapping[str, Any] = data
        self.path = path

    def where(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def fail(self, name: str, why: str) -> StateError:
        return StateError(f"{self.where(name)}: {why}")

    def has(self, name: str) -> bool:
        return name in self.data and self.data[name] is not None

    def raw(self, name: str, default: Any = ...) -> Any:
        if name in self.data:
            return self.data[name]
        if default is ...:
            raise self.fail(name, "missing")
        return default

    def only(self, names: Collection[str]) -> None:
        """Refuse keys this state does not know: a typo must not be silently ignored."""
        unknown = sorted(set(self.data) - set(names))
        if unknown:
            key = unknown[0]
            shown = key if key.isprintable() and len(key) <= 40 else shown_value(key)
            raise self.fail(shown, f"unknown field (known: {', '.join(sorted(names))})")

    def version(self) -> int:
        value = self.raw("version", STATE_VERSION)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= STATE_VERSION:
            raise self.fail(
                "version",
                f"this gdsim reads versions 1 to {STATE_VERSION}, got {shown_value(value)}",
            )
        return value

    def number(
        self,
        name: str,
        default: Any = ...,
        low: float = -math.inf,
        high: float = math.inf,
        above: float | None = None,
    ) -> float:
        """A finite number in [low, high] (and > ``above`` when given)."""
        value = self.raw(name, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(name, f"must be a finite number, got {shown_value(value)}")
        try:
            value = float(value)  # a JSON integer may exceed float's range
        except OverflowError:
            value = math.inf
        if not math.isfinite(value):
            raise self.fail(
                name, f"must be a finite number, got {shown_value(self.raw(name, default))}"
            )
        if above is not None and not value > above:
            raise self.fail(name, f"must be a number above {above:g}, got {value:g}")
        if not low <= value <= high:
            raise self.fail(name, f"must lie between {low:g} and {high:g}, got {value:g}")
        return float(value)

    def integer(self, name: str, default: Any = ..., low: int = 0, high: int | None = None) -> int:
        value = self.raw(name, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(name, f"must be a whole number, got {shown_value(value)}")
        if value < low or (high is not None and value > high):
            top = "" if high is None else f" to {high}"
            raise self.fail(name, f"must be a whole number from {low}{top}, got {value}")
        return value

    def boolean(self, name: str, default: Any = ...) -> bool:
        value = self.raw(name, default)
        if not isinstance(value, bool):
            raise self.fail(name, f"must be true or false, got {shown_value(value)}")
        return value

    def string(self, name: str, default: Any = ..., choices: Collection[str] | None = None) -> str:
        value = self.raw(name, default)
        if not isinstance(value, str):
            raise self.fail(name, f"must be text, got {shown_value(value)}")
        if choices is not None and value not in choices:
            raise self.fail(name, f"must be one of {', '.join(choices)}, got {value!r}")
        return value

    def numbers(
        self, name: str, default: Any = ..., length: int | None = None
    ) -> tuple[float, ...]:
        """A list of finite numbers (a start point, learning rates), ``length`` long if given."""
        value = self.raw(name, default)
        if value is None:
            return ()
        if not isinstance(value, list | tuple) or (length is not None and len(value) != length):
            size = "a list" if length is None else f"a list of {length} numbers"
            raise self.fail(name, f"must be {size}, got {shown_value(value)}")
        items = Fields({str(k): v for k, v in enumerate(value)}, self.where(name))
        return tuple(items.number(str(k)) for k in range(len(value)))

    def number_map(self, name: str, default: Any = ...) -> dict[str, float]:
        """An object of named finite numbers (hyper-parameters, surface parameters)."""
        inner = self.child(name, default)
        return {key: inner.number(key) for key in inner.data}

    def child(self, name: str, default: Any = ...) -> Fields:
        return Fields(self.raw(name, default), self.where(name))

    def children(self, name: str, low: int = 0, high: int | None = None) -> Iterator[Fields]:
        """Each object of a list field, with its index in the path (``runs[2]``)."""
        value = self.raw(name)
        if not isinstance(value, list):
            raise self.fail(name, f"must be a list, got {shown_value(value)}")
        if len(value) < low or (high is not None and len(value) > high):
            top = "" if high is None else f" to {high}"
            raise self.fail(name, f"must hold {low}{top} entries, got {len(value)}")
        for index, item in enumerate(value):
            yield Fields(item, f"{self.where(name)}[{index}]")


def shown_value(value: object) -> str:
    """A short rendering of a bad value for a message (a corrupt file can hold megabytes)."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
