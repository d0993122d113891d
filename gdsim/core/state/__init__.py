"""Each panel's whole state as plain, frozen data: what sessions, lessons and settings save.

Qt-free by design (the import-linter contract on ``gdsim.core`` checks it): a state can be
built, validated, compared and round-tripped (``from_dict(to_dict(s)) == s``) in a test or a
script without a window.
"""

from gdsim.core.state.app import PANELS, TABS, AppState
from gdsim.core.state.fields import STATE_VERSION, Fields, StateError
from gdsim.core.state.network import NetworkState
from gdsim.core.state.surface import SurfaceState

__all__ = [
    "PANELS",
    "STATE_VERSION",
    "TABS",
    "AppState",
    "Fields",
    "NetworkState",
    "StateError",
    "SurfaceState",
]
