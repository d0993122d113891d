"""The whole app's state: which panel is shown and each panel's state.

This is the one document settings (``gdsim.ui.preferences``), sessions and lessons save: a
panel's state nested under its name, so a file written by one part of gdsim reads back in any
other, and an error inside a panel's part names its full path ("surface.runs[0].lr: ...").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gdsim.core.state.fields import STATE_VERSION, Fields, StateError
from gdsim.core.state.network import NetworkState
from gdsim.core.state.surface import SurfaceState

PANELS = ("surface", "network")
"""The panels that have a state of their own, in tab order."""

TABS = (*PANELS, "sweep", "lrfind", "grid", "graph", "landscape")
"""Every tab's name, in tab order: the exploration views after the panels. A view works on
the surface or network of a panel, so only which one is shown is saved of it."""


@dataclass(frozen=True)
class AppState:
    active: str = "surface"
    surface: SurfaceState = field(default_factory=SurfaceState)
    network: NetworkState = field(default_factory=NetworkState)

    def __post_init__(self) -> None:
        if self.active not in TABS:
            raise StateError(f"active: must be one of {', '.join(TABS)}, got {self.active!r}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "active": self.active,
            "surface": self.surface.to_dict(),
            "network": self.network.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: object) -> AppState:
        """A missing panel gets its defaults (a file may save only one); a bad one is refused
        with its path."""
        fields = Fields(data)
        fields.only(("version", "active", *PANELS))
        fields.version()
        active = fields.string("active", "surface", choices=TABS)
        surface = _nested("surface", SurfaceState, fields)
        network = _nested("network", NetworkState, fields)
        return cls(active=active, surface=surface, network=network)


    @classmethod
    def salvage(cls, data: object) -> tuple[AppState, str]:
        """What can be read of ``data``, panel by panel: a panel whose part is refused gets
        its defaults, and the reasons come back in one line ("" when all was read). For
        settings saved on close, where one bad panel must not cost the other its state; a
        document that is not an app state at all (not an object, a newer version, no panel
        readable) raises."""
        fields = Fields(data)
        fields.version()
        parts: dict[str, Any] = {}
        refused = []
        for name, read in (
            ("active", lambda: fields.string("active", "surface", choices=TABS)),
            ("surface", lambda: _nested("surface", SurfaceState, fields)),
            ("network", lambda: _nested("network", NetworkState, fields)),
        ):
            try:
                parts[name] = read()
            except StateError as error:
                refused.append(str(error))
        if not set(PANELS) & set(parts):
            raise StateError("; ".join(refused))  # nothing of it can be used
        return cls(**parts), "; ".join(refused)


def _nested(name: str, kind: Any, fields: Fields) -> Any:
    if not fields.has(name):
        return kind()
    data = fields.child(name).data  # refuses a non-object with the field's name
    try:
        return kind.from_dict(data)
    except StateError as error:
        raise StateError(f"{name}.{error}") from None
