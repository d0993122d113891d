"""What every sub-command shares: the error type that becomes exit status 2 with one line on
stderr, argument parsers for numbers a user types, option help that lists a registry's names,
and JSON output that never contains NaN or Infinity (which are not JSON)."""

from __future__ import annotations

import argparse
import importlib
import json
import math
import sys
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np


class UsageError(Exception):
    """Bad input from the user: reported as one line on stderr with exit status 2."""


def registry_option(
    parser: argparse.ArgumentParser, flag: str, registry: str, help: str, **kwargs: Any
) -> argparse.Action:
    """Add `flag` whose help lists the names of `registry` ("module:NAME", a mapping in the
    core) where `help` says `{names}`: the list is the registry itself, so a new entry cannot be
    left out. The names are read only when the help is printed (see RegistryHelpFormatter)."""
    action = parser.add_argument(flag, help=help, **kwargs)
    action.registry = registry  # type: ignore[attr-defined]
    return action


class RegistryHelpFormatter(argparse.HelpFormatter):
    """Fills `{names}` in the help of an option added by `registry_option`.

    The registries live in modules that import torch or sympy (seconds): reading them when the
    parser is built would make every `gdsim run` pay for that, so the formatter imports a
    registry only to print a help text. `_get_help_string` is the hook the standard library's
    own ArgumentDefaultsHelpFormatter overrides for the same purpose."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = super()._get_help_string(action)
        registry = getattr(action, "registry", None)
        if text is None or registry is None:
            return text
        module, _, name = registry.partition(":")
        names = ", ".join(getattr(importlib.import_module(module), name))
        return text.replace("{names}", names)


def positive_finite_float(text: str) -> float:
    """Parse a learning rate or scale: a finite number greater than zero."""
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"'{text}' is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise UsageError(f"'{text}' must be a finite number greater than 0")
    return value


def learning_rates(texts: Sequence[str]) -> list[float]:
    """``--lr 0.1 1 6`` and ``--lr 0.1,1,6`` alike (the builder's compare field takes commas,
    so a teacher copies them): each rate a finite number greater than zero."""
    pieces = [piece.strip() for text in texts for piece in text.split(",")]
    if "" in pieces:
        raise UsageError("--lr: an empty rate between commas")
    return [positive_finite_float(piece) for piece in pieces]


def float_tuple(text: str, length: int | None = None, what: str = "value") -> tuple[float, ...]:
    """Parse 'X' or 'X,Y' into finite floats, optionally of a required length."""
    parts = [p.strip() for p in text.split(",")]
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        raise UsageError(f"{what} '{text}' is not a comma-separated list of numbers") from None
    if not all(math.isfinite(v) for v in values):
        raise UsageError(f"{what} '{text}' must contain finite numbers")
    if length is not None and len(values) != length:
        raise UsageError(f"{what} '{text}' needs {length} number(s), got {len(values)}")
    return values


def int_in_range(text: str, low: int, high: int, what: str) -> int:
    """Parse an integer in [low, high]."""
    try:
        value = int(text)
    except ValueError:
        raise UsageError(f"{what} '{text}' is not a whole number") from None
    if not low <= value <= high:
        raise UsageError(f"{what} must be between {low} and {high}, got {value}")
    return value


def jsonable(value: Any) -> Any:
    """Convert numpy arrays and scalars to plain JSON values; non-finite floats become None."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def print_json(document: Any) -> None:
    """Print one JSON document; `allow_nan=False` guarantees no NaN/Infinity slipped through."""
    json.dump(jsonable(document), sys.stdout, allow_nan=False)
    sys.stdout.write("\n")


def print_table(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> None:
    """A plain aligned text table for humans."""
    cells = [list(map(str, header))] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(cells[0]))]
    for r in cells:
        print("  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)))


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if value is None:
        return "-"
    return str(value)
