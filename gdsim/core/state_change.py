"""What changed between two app states, in words: for Edit > Undo's text and the modified mark.

The window keeps the last state it knew and, after each user edit, compares it with the new one:
``same_setup`` says whether anything a session would keep changed (which panel is in front and
where playback stands are views, not set-up), and ``describe_change`` names the change ("Change
η", "Surface: Rosenbrock") with a key saying which successive changes are one gesture (a dragged
slider: one undo step, not a hundred).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from gdsim.core.compare import SETTINGS
from gdsim.core.state import AppState
from gdsim.core.surfaces import SURFACES

VIEW_ONLY = ("version", "active", "surface.version", "surface.position", "network.version")
"""Paths that say how the set-up is being looked at, not what it is."""


@dataclass(frozen=True)
class Change:
    text: str
    """What an undo would take back, e.g. "Change η"."""
    key: str | None
    """Successive changes with the same key merge into one undo step (None: never)."""


def same_setup(first: AppState, second: AppState) -> bool:
    """True when the two differ at most in what is a view (panel shown, playback position)."""
    return not changed_paths(first, second)


def changed_paths(before: AppState, after: AppState) -> list[str]:
    """The paths of the leaves that differ ("surface.runs[0].lr"); a list whose length changed
    is one path ("surface.runs")."""
    found: list[str] = []
    _diff(before.to_dict(), after.to_dict(), "", found)
    return [path for path in found if path not in VIEW_ONLY]


def _diff(first: Any, second: Any, path: str, found: list[str]) -> None:
    if isinstance(first, dict) and isinstance(second, dict):
        for name in sorted(set(first) | set(second), key=str):
            where = f"{path}.{name}" if path else str(name)
            _diff(first.get(name), second.get(name), where, found)
    elif isinstance(first, list | tuple) and isinstance(second, list | tuple):
        if len(first) != len(second):
            found.append(path)
            return
        for index, (one, other) in enumerate(zip(first, second, strict=True)):
            _diff(one, other, f"{path}[{index}]", found)
    elif first != second:
        found.append(path)


RULES: tuple[tuple[str, str, str | None], ...] = (
    (r"surface\.runs\[\d+\]\.lr", "Change η", "surface.lr"),
    (r"surface\.runs\[\d+\]\.(optimizer|hyper\..*)", "Change optimizer", "surface.optimizer"),
    (r"surface\.runs\[\d+\]\.noise", "Change noise σ", "surface.noise"),
    (r"surface\.runs\[\d+\]\.start(\[\d\])?", "Move start", "surface.start"),
    (r"surface\.steps", "Change steps", "surface.steps"),
    (r"surface\.params\.kappa", "Change κ", "surface.params"),
    (r"surface\.domain.*", "Change plot box", None),
    (r"surface\.selected", "Select run", None),
    (r"network\.training\.lr", "Change η (network)", "network.lr"),
    (r"network\.(network|training)\.seed", "New weights", None),
    (r"network\.training\.l1", "Change L1 penalty", "network.l1"),
    (r"network\.training\.l2", "Change L2 penalty", "network.l2"),
    (r"network\.training\.(stop_at_.*|early_stop)", "Change stop rule", "network.stop"),
    (r"network\.network\.features.*", "Change input features", None),
    (r"network\.network\.loss", "Change loss", None),
    (r"network\.network\.dropout", "Change dropout", "network.dropout"),
    (r"network\.network\.maxout_pieces", "Change maxout pieces", "network.maxout_pieces"),
    (r"network\.network\.hidden\[\d+\]\[1\]", "Change activation", None),
    (r"network\.(dataset\..*|csv_path)", "Change data", "network.dataset"),
    (r"network\.network\..*", "Change network", "network.network"),
    (r"network\.training\..*", "Change training settings", "network.training"),
    (r"network\.compare_lrs.*", "Change compared rates", None),
    (r"network\.compare_values.*", "Change compared values", None),
    (r"network\.selected", "Show another run", None),
    (r"network\.drawn.*", "Draw data", "network.drawn"),
    (r"network\.display.*", "Change the decision plot's display", None),
)
"""(every changed path matches this, text, key): the first rule that covers all changes wins."""


def describe_change(before: AppState, after: AppState) -> Change:
    """Name the change from ``before`` to ``after`` for an undo command."""
    paths = changed_paths(before, after)
    surface = after.surface
    if "surface.surface" in paths:
        title = SURFACES[surface.surface].title if surface.surface in SURFACES else None
        return Change(f"Surface: {title or _short(surface.surface)}", None)
    if "surface.demo" in paths and surface.demo is not None:
        return Change("Show demo", None)
    if "surface.runs" in paths:
        more = len(surface.runs) > len(before.surface.runs)
        return Change("Add run" if more else "Remove run", None)
    if paths == ["surface.compare"]:
        return Change(f"Compare mode {'on' if surface.compare else 'off'}", None)
    network = _network_change(before, after, paths)
    if network is not None:
        return network
    for pattern, text, key in RULES:
        if paths and all(re.fullmatch(pattern, path) for path in paths):
            return Change(text, key)
    panels = {path.split(".")[0] for path in paths}
    if panels == {"surface"}:
        return Change("change in the surface explorer", None)
    if panels == {"network"}:
        return Change("change in the network builder", None)
    return Change("change", None)


DISPLAY_NAMES = {"discrete": "regions", "validation": "validation points", "surface": "surface"}
"""The decision plot's display toggles (``DisplayOptions`` fields) as their undo text says."""


def _network_change(before: AppState, after: AppState, paths: list[str]) -> Change | None:
    """The network builder's changes that a path alone cannot name: a toggle says which way
    it went, clearing the drawing is not drawing (and must not merge with the clicks before
    it into no change at all), a new compared setting says which."""
    network = after.network
    if paths == ["network.compare"]:
        return Change(f"Compare mode {'on' if network.compare else 'off'}", None)
    if "network.compare_setting" in paths and all(
        re.fullmatch(r"network\.compare_(setting|values.*|lrs.*)", path) for path in paths
    ):
        label = SETTINGS[network.compare_setting].label
        return Change(f"Compare by {label}", None)
    if paths == ["network.drawn"] and not network.drawn:
        return Change("Clear drawn data", None)
    if paths and all(path.startswith("network.display") for path in paths):
        toggled = [
            name
            for name in DISPLAY_NAMES
            if getattr(before.network.display, name) != getattr(network.display, name)
        ]
        if len(toggled) == 1:
            shown = getattr(network.display, toggled[0])
            return Change(f"{'Show' if shown else 'Hide'} {DISPLAY_NAMES[toggled[0]]}", None)
    return None


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
