"""How the network builder's decision plot draws its prediction and data (saved with the state).

Display only: none of it changes what trains. Playground's toggles, which a teacher uses to
point at one thing at a time: the hard class regions rather than the probability shading, the
training points alone, or the points' classes on a blank plane.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gdsim.core.state.fields import Fields

_FIELDS = ("discrete", "validation", "surface")


@dataclass(frozen=True)
class DisplayOptions:
    """``discrete``: predicted classes with hard edges; ``validation``: validation points
    shown; ``surface``: the prediction drawn under the points (else only the points' classes)."""

    discrete: bool = False
    validation: bool = True
    surface: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _FIELDS}

    @classmethod
    def read(cls, fields: Fields) -> DisplayOptions:
        """The options in ``fields`` (a missing one takes its default)."""
        fields.only(_FIELDS)
        defaults = cls()
        return cls(*(fields.boolean(name, getattr(defaults, name)) for name in _FIELDS))
