"""Naming a change for Edit > Undo, and telling set-up changes from view changes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gdsim.core.simulate import RunSpec
from gdsim.core.state import AppState, SurfaceState
from gdsim.core.state_change import describe_change, same_setup

BASE = AppState()


def _surface(**changes: object) -> AppState:
    return replace(BASE, surface=replace(BASE.surface, **changes))


def _network(**training: object) -> AppState:
    return replace(
        BASE, network=replace(BASE.network, training=replace(BASE.network.training, **training))
    )


def test_the_panel_shown_and_the_playback_position_are_not_set_up() -> None:
    assert same_setup(BASE, replace(_surface(position=12), active="network"))
    assert not same_setup(BASE, _surface(steps=50))


@pytest.mark.parametrize(
    ("after", "text", "key"),
    [
        (_surface(runs=(RunSpec(lr=0.8),)), "Change η", "surface.lr"),
        (_surface(surface="rosenbrock", steps=200), "Surface: Rosenbrock", None),
        (
            _surface(surface="x**2 + 3*y**2 + sin(x)*cos(y) + 0.1*x**4"),
            "Surface: x**2 + 3*y**2 + sin(x)*cos(y)…",
            None,
        ),
        (
            _surface(runs=(RunSpec(lr=0.2, optimizer="momentum", hyper={"momentum": 0.9}),)),
            "Change optimizer",
            "surface.optimizer",
        ),
        (_surface(steps=300), "Change steps", "surface.steps"),
        (
            _surface(runs=(RunSpec(lr=0.2), RunSpec(lr=0.4)), compare=True, selected=1),
            "Add run",
            None,
        ),
        (_surface(compare=True), "Compare mode on", None),
        (_surface(runs=(RunSpec(lr=0.2, start=(1.0,)),)), "Move start", "surface.start"),
        (_network(lr=0.3), "Change η (network)", "network.lr"),
        (_network(batch_size=10), "Change training settings", "network.training"),
        (_surface(steps=300, runs=(RunSpec(lr=0.8),)), "change in the surface explorer", None),
        (replace(_network(lr=0.3), surface=SurfaceState(steps=3)), "change", None),
    ],
)
def test_a_change_is_named_for_the_undo_menu(after: AppState, text: str, key: str | None) -> None:
    change = describe_change(BASE, after)
    assert (change.text, change.key) == (text, key)
