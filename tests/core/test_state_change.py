"""Naming a change for Edit > Undo, and telling set-up changes from view changes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gdsim.core.drawn_data import DrawnPoints
from gdsim.core.simulate import RunSpec
from gdsim.core.state import AppState, SurfaceState
from gdsim.core.state.display import DisplayOptions
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


def _spec(**network: object) -> AppState:
    return replace(
        BASE, network=replace(BASE.network, network=replace(BASE.network.network, **network))
    )


def _state(**state: object) -> AppState:
    return replace(BASE, network=replace(BASE.network, **state))


def _new_weights(seed: int) -> AppState:
    """What "New weights" changes: the network seed, and the training seed with it."""
    network = _spec(seed=seed).network
    return replace(BASE, network=replace(network, training=replace(network.training, seed=seed)))


DRAWN = DrawnPoints().added(0.1, 0.2, 0)


@pytest.mark.parametrize(
    ("before", "after", "text"),
    [
        (BASE, _new_weights(7), "New weights"),
        (BASE, _network(l1=0.01), "Change L1 penalty"),
        (BASE, _network(l2=0.01), "Change L2 penalty"),
        (BASE, _network(early_stop=3), "Change stop rule"),
        (BASE, _network(stop_at_loss=0.1), "Change stop rule"),
        (BASE, _spec(features=("x1", "x2", "x1^2")), "Change input features"),
        (BASE, _spec(loss="mse"), "Change loss"),
        (BASE, _spec(dropout=0.2), "Change dropout"),
        (BASE, _spec(maxout_pieces=3), "Change maxout pieces"),
        (BASE, _spec(hidden=((16, "tanh"),)), "Change activation"),
        (BASE, _state(display=DisplayOptions(discrete=True)), "Show regions"),
        (BASE, _state(display=DisplayOptions(surface=False)), "Hide surface"),
        (BASE, _state(compare=True), "Compare mode on"),
        (BASE, _state(compare_setting="activation"), "Compare by activation"),
        (BASE, _state(drawn=DRAWN), "Draw data"),
        (_state(drawn=DRAWN), BASE, "Clear drawn data"),
    ],
)
def test_every_network_builder_change_names_itself(
    before: AppState, after: AppState, text: str
) -> None:
    assert describe_change(before, after).text == text
