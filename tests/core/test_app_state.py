"""The whole app's state: one document for settings, sessions and lessons."""

from __future__ import annotations

import json

import pytest

from gdsim.core.simulate import RunSpec
from gdsim.core.state import AppState, NetworkState, StateError, SurfaceState


def test_the_app_state_round_trips_through_json():
    state = AppState(
        active="network",
        surface=SurfaceState(surface="rosenbrock", runs=(RunSpec(lr=0.001),), steps=500),
        network=NetworkState(compare=True, compare_lrs=(0.1, 1.0)),
    )
    assert AppState.from_dict(json.loads(json.dumps(state.to_dict()))) == state


def test_a_missing_panel_gets_its_defaults():
    state = AppState.from_dict({"version": 1, "active": "surface"})
    assert state.surface == SurfaceState() and state.network == NetworkState()


def _surface_with_lr(lr: float) -> dict:
    data = SurfaceState().to_dict()
    data["runs"][0]["lr"] = lr
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"active": "weather"}, r"^active: must be one of surface, network"),
        ({"surface": [1]}, r"^surface: must be an object"),
        ({"surface": _surface_with_lr(50.0)}, r"^surface\.runs\[0\]\.lr: must lie between"),
        ({"network": {"compare_lrs": "fast"}}, r"^network\.compare_lrs: "),
        ({"panels": {}}, r"^panels: unknown field"),
        ({"version": 99}, r"^version: "),
    ],
)
def test_a_bad_field_anywhere_is_refused_with_its_full_path(data, message):
    with pytest.raises(StateError, match=message):
        AppState.from_dict(data)


def test_salvage_keeps_the_panels_that_can_be_read_and_says_which_could_not():
    good = NetworkState(compare=True, compare_lrs=(0.1, 1.0))
    data = AppState(active="network", network=good).to_dict()
    data["surface"]["steps"] = "many"
    state, refused = AppState.salvage(data)
    assert state.network == good and state.active == "network"
    assert state.surface == SurfaceState()
    assert refused.startswith("surface.steps: must be a whole number")
    assert AppState.salvage(AppState().to_dict()) == (AppState(), "")
    with pytest.raises(StateError, match=r"^version: "):
        AppState.salvage({"version": 99})
    with pytest.raises(StateError, match=r"^surface: .*; network: "):
        AppState.salvage({"surface": 1, "network": 2})
