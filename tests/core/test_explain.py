"""The surface explorer's words, pinned without a window."""

from __future__ import annotations

import pytest

from gdsim.core.explain import (
    ThresholdFollower,
    cursor_text,
    format_point,
    moved_inside,
    no_rates_text,
    run_names,
    short_name,
    taming_note,
    thresholds_at,
)
from gdsim.core.simulate import RunSpec
from gdsim.core.state import SurfaceState
from gdsim.core.surfaces import get_surface
from gdsim.core.verdict import QUICK_STEPS, Taming


def test_points_lose_rounding_noise_and_say_whether_they_are_a_minimum():
    assert format_point((1e-16, 1.0)) == "(x, y)* = (0, 1)"
    assert format_point((0.931,), mark="") == "w = 0.931"


def test_run_names_add_the_optimizer_and_the_start_only_where_they_differ():
    runs = [RunSpec(0.2), RunSpec(0.01, "nesterov")]
    assert short_name(runs[1]) == "η = 0.01 Nesterov"
    assert run_names(runs, [(3.0,), (3.0,)]) == ["η = 0.2", "η = 0.01 Nesterov"]
    assert run_names(runs, [(3.0,), (-1.0,)])[1] == "η = 0.01 Nesterov from (-1)"


def test_the_parabola_marks_half_and_one_with_their_words():
    shown = thresholds_at(get_surface("parabola"), (0.0,), RunSpec(0.2), (3.0,))
    assert [(m.kind, m.value) for m in shown.marks] == [("monotone", 0.5), ("stable", 1.0)]
    assert not shown.dimmed
    assert shown.text.startswith("λmax = 2 at w* = 0  →  1/λ = 0.5 (fastest monotone)")


def test_momentum_adds_its_limit_and_an_adaptive_optimizer_dims_the_marks():
    surface = get_surface("parabola")
    heavy = thresholds_at(
        surface, (0.0,), RunSpec(0.2, "momentum", hyper={"momentum": 0.5}), (3.0,)
    )
    assert heavy.marks[-1].kind == "momentum" and heavy.marks[-1].value == pytest.approx(1.5)
    assert "2(1+β)/λ = 1.5 (momentum limit)" in heavy.text
    adam = thresholds_at(surface, (0.0,), RunSpec(0.2, "adam"), (3.0,))
    assert adam.dimmed and "plain gradient descent's limits (dimmed): not Adam's" in adam.text


def test_without_usable_curvature_the_words_say_why():
    assert no_rates_text(None, None) == "no minimum found: no critical step size"
    assert "(a flat minimum)" in no_rates_text((0.0,), 0.0)
    assert "curvature undefined at w* = 0" in no_rates_text((0.0,), float("nan"))


def test_a_taming_note_says_where_one_over_lambda_came_from_and_any_halving():
    at_lambda = Taming(lr=0.5, from_curvature=True, halvings=0, safe=True)
    note = taming_note(3.0, 0.5, at_lambda, "Parabola", 2.0, (0.0,))
    assert note == "η set to 0.5 = 1/λ at w* = 0: 3 diverges on Parabola"
    halved = Taming(lr=0.25, from_curvature=False, halvings=1, safe=True)
    assert taming_note(3.0, 0.25, halved, "P", None, None).endswith(
        "halved 1 time until it did not"
    )
    hopeless = Taming(lr=1e-5, from_curvature=False, halvings=20, safe=False)
    assert f"diverge within {QUICK_STEPS} steps on P" in taming_note(
        3.0, 1e-5, hopeless, "P", None, None
    )


def test_the_cursor_line_and_the_moved_start_warning():
    assert cursor_text(get_surface("parabola"), (1.0,)) == "w = 1   f = 1   |∇f| = 2"
    assert (
        moved_inside("1e9, 1e9", (4.0, 4.0))
        == "Start (1e9, 1e9) lies outside the plot: moved to (4, 4)"
    )


def test_the_follower_tames_a_diverging_step_to_one_over_lambda_and_says_where():
    follower = ThresholdFollower()
    state = SurfaceState(runs=(RunSpec(lr=3.0),))
    surface = state.make_surface()
    assert follower.at_start(surface, state).reference == pytest.approx((0.0,))
    tamed, note = follower.tame(surface, state, smallest=1e-5)
    assert tamed.runs[0].lr == pytest.approx(0.5)
    assert note == "η set to 0.5 = 1/λ at w* = 0: 3 diverges on Parabola"
    assert follower.with_note(note).shown_text().endswith(note)
    assert follower.distance_minima(surface).tolist() == [[0.0]]
