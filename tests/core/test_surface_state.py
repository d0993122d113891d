"""The surface explorer's state as data: it round-trips through JSON and refuses every bad
field with that field's path."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdsim.core.limits import MAX_RUNS, MAX_SURFACE_STEPS
from gdsim.core.optimizers import SURFACE_OPTIMIZERS
from gdsim.core.simulate import RunSpec
from gdsim.core.state import STATE_VERSION, StateError, SurfaceState
from gdsim.core.state.surface import MAX_LR, MIN_LR
from gdsim.core.surfaces import surface_names

lrs = st.floats(min_value=MIN_LR, max_value=MAX_LR, allow_nan=False, allow_infinity=False)


@st.composite
def states(draw: st.DrawFn) -> SurfaceState:
    surface = draw(st.sampled_from(surface_names()))
    dim = 1 if surface in surface_names(1) else 2
    coordinate = st.floats(min_value=-3, max_value=3, allow_nan=False)
    start = st.none() | st.tuples(*[coordinate] * dim)
    run = st.builds(
        RunSpec,
        lr=lrs,
        optimizer=st.sampled_from(SURFACE_OPTIMIZERS),
        start=start,
        noise=st.floats(min_value=0, max_value=10, allow_nan=False),
        seed=st.integers(min_value=0, max_value=1000),
    )
    runs = tuple(draw(st.lists(run, min_size=1, max_size=MAX_RUNS)))
    steps = draw(st.integers(min_value=1, max_value=MAX_SURFACE_STEPS))
    return SurfaceState(
        surface=surface,
        runs=runs,
        selected=draw(st.integers(min_value=0, max_value=len(runs) - 1)),
        steps=steps,
        compare=len(runs) > 1 or draw(st.booleans()),
        position=draw(st.none() | st.integers(min_value=0, max_value=steps)),
        demo=draw(st.none() | st.text(min_size=1, max_size=10)),
    )


@settings(max_examples=60, deadline=None)
@given(states())
def test_a_state_round_trips_through_json(state):
    data = json.loads(json.dumps(state.to_dict()))
    assert data["version"] == STATE_VERSION
    assert SurfaceState.from_dict(data) == state


def test_a_typed_formula_with_its_box_and_a_surface_parameter_round_trip():
    typed = SurfaceState(
        surface="w**4 - w", domain=((-2.0, 3.0),), runs=(RunSpec(0.1, start=(1.0,)),)
    )
    assert SurfaceState.from_dict(typed.to_dict()) == typed
    assert typed.make_surface().domain == ((-2.0, 3.0),)
    named = SurfaceState(surface="ill_conditioned", params={"kappa": 50.0}, steps=200)
    assert SurfaceState.from_dict(named.to_dict()) == named


def good() -> dict:
    return SurfaceState(
        surface="x**2 + y**2",
        domain=((-2.0, 2.0), (-2.0, 2.0)),
        runs=(RunSpec(0.1, start=(1.0, 1.0)), RunSpec(0.2, "momentum", hyper={"momentum": 0.5})),
        compare=True,
        steps=200,
    ).to_dict()


def edited(path: tuple, value: object) -> dict:
    data = good()
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("surface",), "rosenbrok", r"^surface: no surface named 'rosenbrok'; did you mean"),
        (("surface",), "x**2 + import", r"^surface: "),
        (("surface",), 3, r"^surface: must be text"),
        (("domain",), [[1.0, 1.0 + 1e-12], [-2.0, 2.0]], r"^domain: x from 1 to 1 is too narrow"),
        (("domain",), [[2.0, -2.0], [-2.0, 2.0]], r"^domain: x must range"),
        (("domain",), [[-2.0, 2.0], [-2.0]], r"^domain\[1\]: must be a list of 2 numbers"),
        (("runs", 0, "lr"), 0.0, r"^runs\[0\]\.lr: must lie between 1e-05 and 10"),
        (("runs", 0, "lr"), 50.0, r"^runs\[0\]\.lr: must lie between 1e-05 and 10"),
        (("runs", 1, "lr"), math.inf, r"^runs\[1\]\.lr: must be a finite number"),
        (("runs", 0, "optimizer"), "adamm", r"^runs\[0\]\.optimizer: unknown optimizer 'adamm'"),
        (("runs", 1, "hyper"), {"momentum": 1.5}, r"^runs\[1\]\.hyper: .*between 0 and"),
        (("runs", 1, "hyper"), {"beta": 0.5}, r"^runs\[1\]\.hyper: .*no hyper-parameter 'beta'"),
        (("runs", 0, "start"), [1.0], r"^runs\[0\]\.start: must be 2 number\(s\)"),
        (("runs", 0, "noise"), -0.1, r"^runs\[0\]\.noise: must lie between 0"),
        (("runs", 0, "seed"), -1, r"^runs\[0\]\.seed: must be a whole number from 0"),
        (("runs", 0, "speed"), 1, r"^runs\[0\]\.speed: unknown field"),
        (("runs",), [], r"^runs: must hold 1 to 8 entries, got 0"),
        (("selected",), 2, r"^selected: must be a run's index from 0 to 1, got 2"),
        (("steps",), 0, r"^steps: must be a whole number from 1"),
        (
            ("steps",),
            MAX_SURFACE_STEPS + 1,
            rf"^steps: must be a whole number from 1 to {MAX_SURFACE_STEPS}",
        ),
        (("compare",), False, r"^compare: must be on to show 2 runs"),
        (("position",), 201, r"^position: must be a step from 0 to 200, got 201"),
        (("demo",), 7, r"^demo: must be text"),
        (("version",), STATE_VERSION + 1, r"^version: this gdsim reads versions"),
        (("colour",), "red", r"^colour: unknown field"),
    ],
)
def test_every_bad_field_is_refused_with_its_path(path, value, message):
    with pytest.raises(StateError, match=message):
        SurfaceState.from_dict(edited(path, value))


def test_runs_beyond_the_limit_are_refused():
    data = good()
    data["runs"] = [data["runs"][0]] * (MAX_RUNS + 1)
    with pytest.raises(StateError, match=rf"^runs: must hold 1 to {MAX_RUNS} entries"):
        SurfaceState.from_dict(data)


def test_a_parameter_out_of_its_range_or_unknown_is_refused():
    data = SurfaceState(surface="ill_conditioned", params={"kappa": 50.0}).to_dict()
    data["params"] = {"kappa": 1e9}
    with pytest.raises(StateError, match=r"^params: kappa must be between 1 and 1000"):
        SurfaceState.from_dict(data)
    data["params"] = {"lambda": 2.0}
    with pytest.raises(StateError, match=r"^params: ill_conditioned has no parameter 'lambda'"):
        SurfaceState.from_dict(data)


def test_a_named_surface_takes_no_domain():
    data = SurfaceState(surface="parabola").to_dict()
    data["domain"] = [[-1.0, 1.0]]
    with pytest.raises(StateError, match=r"^domain: only a typed formula takes a domain"):
        SurfaceState.from_dict(data)


def test_a_state_built_in_code_is_checked_as_a_read_one_is():
    with pytest.raises(StateError, match=r"^runs\[0\]\.lr: must lie between 1e-05 and 10"):
        SurfaceState(runs=(RunSpec(lr=-1.0),)).check()


def test_missing_fields_take_their_defaults_as_in_the_network_state():
    assert SurfaceState.from_dict({}) == SurfaceState()
    assert SurfaceState.from_dict({"surface": "bowl"}).surface == "bowl"
