"""Lecture demos and interesting surfaces as JSON data files, checked before anything runs.

A preset is what a teacher clicks to put a lecture's picture on the projector: a surface (a
registry name with its parameters, or a typed formula), a step budget and one or more runs.
Presets are data (``resources/presets/*.json``) so that adding a demo is adding a file; this
module turns a file into a :class:`Preset` of ready :class:`RunSpec` objects and refuses a bad
file with a one-line :class:`PresetError` that names the file and the field at fault.

File format (only ``title``, ``surface`` and ``runs`` are required)::

    {
      "title": "Learning rate: too small, right, too big, way too big",
      "description": "The lecture's story on L(w) = w² ...",
      "surface": "parabola",          # a registry name or a formula such as "x**2 + 3*y**2"
      "params": {},                   # surface parameters, e.g. {"kappa": 25}
      "steps": 100,
      "runs": [{"lr": 0.01}, {"lr": 0.8, "optimizer": "momentum", "hyper": {"momentum": 0.5},
               "start": [2.5], "noise": 0.0, "seed": 0}]
    }

Files are listed in file-name order, so a numeric prefix (``01_...``) sets the menu order.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gdsim.core.expr import ExpressionError
from gdsim.core.limits import MAX_RUNS, MAX_SURFACE_STEPS
from gdsim.core.optimizers import get_optimizer
from gdsim.core.simulate import RunSpec
from gdsim.core.surfaces import Surface, get_surface

_TOP_LEVEL_KEYS = {"title", "description", "surface", "params", "steps", "runs"}
_RUN_KEYS = {"lr", "optimizer", "hyper", "start", "noise", "seed"}


class PresetError(ValueError):
    """A preset file we refuse; the message is one line naming the file and the problem."""


@dataclass(frozen=True)
class Preset:
    """A validated demo: what to show (surface + parameters), for how long, and which runs."""

    name: str
    title: str
    description: str
    surface: str
    params: Mapping[str, float]
    steps: int
    runs: tuple[RunSpec, ...]
    dim: int = field(default=1)

    def make_surface(self) -> Surface:
        return get_surface(self.surface, **self.params)


def load_presets(folder: Path | None = None) -> list[Preset]:
    """Every ``*.json`` preset in ``folder`` (default: the app's presets), in file-name order."""
    if folder is None:
        from gdsim.resources import PRESETS

        folder = PRESETS
    return [load_preset(path) for path in sorted(Path(folder).glob("*.json"))]


def load_preset(path: Path) -> Preset:
    """Read and validate one preset file."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise PresetError(f"{path.name}: cannot read the file ({error.strerror})") from None
    except json.JSONDecodeError as error:
        raise PresetError(
            f"{path.name}: not valid JSON ({error.msg} at line {error.lineno})"
        ) from None
    return parse_preset(data, path.stem)


def parse_preset(data: Any, name: str) -> Preset:
    """Validate already-decoded JSON; ``name`` identifies the preset in messages."""
    try:
        return _parse(data, name)
    except PresetError:
        raise
    except (ValueError, TypeError) as error:
        raise PresetError(f"{name}: {error}") from None


def _parse(data: Any, name: str) -> Preset:
    if not isinstance(data, dict):
        raise PresetError(f"{name}: a preset must be a JSON object")
    _refuse_unknown(data, _TOP_LEVEL_KEYS, "the preset")
    title = _text(data, "title", required=True)
    surface_text = _text(data, "surface", required=True)
    params = data.get("params", {})
    if not isinstance(params, dict):
        raise ValueError("'params' must be an object such as {\"kappa\": 25}")
    params = {str(key): _number(value, f"params.{key}") for key, value in params.items()}
    try:
        surface = get_surface(surface_text, **params)
    except ExpressionError as error:
        raise ValueError(f"surface '{surface_text}': {error}") from None
    steps = data.get("steps", 100)
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= MAX_SURFACE_STEPS:
        raise ValueError(
            f"'steps' must be a whole number from 1 to {MAX_SURFACE_STEPS}, got {steps!r}"
        )
    raw_runs = data.get("runs")
    if not isinstance(raw_runs, list) or not 1 <= len(raw_runs) <= MAX_RUNS:
        raise ValueError(f"'runs' must be a list of 1 to {MAX_RUNS} runs")
    runs = tuple(_run(raw, index, surface.dim) for index, raw in enumerate(raw_runs, 1))
    return Preset(
        name=name,
        title=title,
        description=_text(data, "description", required=False),
        surface=surface_text,
        params=params,
        steps=steps,
        runs=runs,
        dim=surface.dim,
    )


def _run(raw: Any, index: int, dim: int) -> RunSpec:
    where = f"run {index}"
    if not isinstance(raw, dict):
        raise ValueError(f'{where} must be an object such as {{"lr": 0.1}}')
    _refuse_unknown(raw, _RUN_KEYS, where)
    if "lr" not in raw:
        raise ValueError(f"{where} needs a learning rate 'lr'")
    lr = _number(raw["lr"], f"{where}: lr")
    if lr <= 0:
        raise ValueError(f"{where}: lr must be positive, got {lr:g}")
    optimizer = raw.get("optimizer", "gd")
    if not isinstance(optimizer, str):
        raise ValueError(f"{where}: 'optimizer' must be a name such as \"momentum\"")
    hyper = raw.get("hyper", {})
    if not isinstance(hyper, dict):
        raise ValueError(f"{where}: 'hyper' must be an object such as {{\"momentum\": 0.9}}")
    hyper = {str(k): _number(v, f"{where}: hyper.{k}") for k, v in hyper.items()}
    try:
        get_optimizer(optimizer).resolve(hyper)
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None
    start = raw.get("start")
    if start is not None:
        if not isinstance(start, list) or len(start) != dim:
            raise ValueError(f"{where}: 'start' must be a list of {dim} number(s)")
        start = tuple(_number(c, f"{where}: start") for c in start)
    noise = _number(raw.get("noise", 0.0), f"{where}: noise")
    if noise < 0:
        raise ValueError(f"{where}: noise must be >= 0, got {noise:g}")
    seed = raw.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"{where}: 'seed' must be a whole number >= 0")
    return RunSpec(lr=lr, optimizer=optimizer, start=start, hyper=hyper, noise=noise, seed=seed)


def _refuse_unknown(data: dict, known: set[str], where: str) -> None:
    """A misspelt key would silently fall back to a default: name it instead."""
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(
            f"{where} has an unknown field '{unknown[0]}' (known: {', '.join(sorted(known))})"
        )


def _text(data: dict, key: str, required: bool) -> str:
    value = data.get(key, None if required else "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise ValueError(f"'{key}' must be a non-empty text")
    return value.strip()


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, got {value!r}")
    return float(value)
