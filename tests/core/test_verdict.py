"""Verdicts and critical learning rates against the theory of quadratics."""

import numpy as np
import pytest

from gdsim.core.simulate import RunSpec, simulate
from gdsim.core.surfaces import get_surface
from gdsim.core.verdict import (
    Regime,
    classify_loss_history,
    classify_run,
    classify_view,
    critical_rates,
    curvature_at,
    distance_target,
    distances_to_nearest,
    diverges_at_once,
    lambda_max,
    reference_minimum,
    row_norms,
    same_minimum,
    settled_minimum,
    steep_start_curvature,
    tame_learning_rate,
)


def regimes(surface, runs, steps):
    result = simulate(surface, runs, steps)
    return [classify_view(result.run(k)).regime for k in range(len(runs))]


def test_the_lecture_parabola_story():
    verdicts = {
        eta: classify_view(simulate(get_surface("parabola"), [RunSpec(eta)], 100).run(0))
        for eta in (0.01, 0.2, 0.8, 1.0, 1.1)
    }
    assert verdicts[0.01].regime is Regime.SLOW
    assert verdicts[0.2].regime is Regime.CONVERGED
    assert verdicts[0.8].regime is Regime.OSCILLATING
    assert verdicts[1.0].regime is Regime.OSCILLATING
    assert verdicts[1.1].regime is Regime.DIVERGED
    assert verdicts[1.1].step == 15
    assert verdicts[1.1].reason == "diverged at step 15: the iterate left the plot's bounds"
    assert verdicts[0.8].step == 2


# (surface, parameters, start along the steepest direction, lambda_max)
QUADRATICS = [
    ("parabola", {}, (3.0,), 2.0),
    ("bowl", {}, (3.0, 2.0), 2.0),
    ("ill_conditioned", {"kappa": 10.0}, (0.0, 2.0), 10.0),
    ("ill_conditioned", {"kappa": 100.0}, (0.0, 2.0), 100.0),
    ("rotated_quadratic", {"kappa": 20.0}, (2.0, -2.0), 20.0),
]


@pytest.mark.parametrize(("name", "params", "start", "lam"), QUADRATICS)
def test_gd_regimes_switch_at_one_and_two_over_lambda(name, params, start, lam):
    surface = get_surface(name, **params)
    fractions = [0.5, 0.95, 1.05, 1.5, 1.9, 2.1, 3.0]
    runs = [RunSpec(f / lam, start=start) for f in fractions]
    assert regimes(surface, runs, 300) == [
        Regime.CONVERGED,
        Regime.CONVERGED,
        Regime.OSCILLATING,
        Regime.OSCILLATING,
        Regime.OSCILLATING,
        Regime.DIVERGED,
        Regime.DIVERGED,
    ]


@pytest.mark.parametrize("kappa", [10.0, 50.0])
def test_ill_conditioned_stability_limit_from_the_default_start(kappa):
    surface = get_surface("ill_conditioned", kappa=kappa)
    stable, unstable = RunSpec(0.95 * 2.0 / kappa), RunSpec(1.05 * 2.0 / kappa)
    below, above = regimes(surface, [stable, unstable], 3000)
    assert below is not Regime.DIVERGED
    assert above is Regime.DIVERGED


@pytest.mark.parametrize(("name", "params", "start", "lam"), QUADRATICS)
@pytest.mark.parametrize("beta", [0.5, 0.9])
def test_heavy_ball_limit_is_two_one_plus_beta_over_lambda(name, params, start, lam, beta):
    limit = 2.0 * (1.0 + beta) / lam
    hyper = {"momentum": beta}
    runs = [RunSpec(f * limit, "momentum", start=start, hyper=hyper) for f in (0.95, 1.05)]
    below, above = regimes(get_surface(name, **params), runs, 600)
    assert below is not Regime.DIVERGED
    assert above is Regime.DIVERGED


def test_momentum_below_the_limit_spirals_in():
    runs = [RunSpec(0.95 * 1.9, "momentum", hyper={"momentum": 0.9})]
    result = simulate(get_surface("parabola"), runs, 600)
    assert classify_view(result.run(0)).regime is Regime.OSCILLATING
    assert abs(result.run(0).points[-1, 0]) < 1e-6


def test_slow_is_still_improving_and_says_how_much():
    verdict = classify_view(simulate(get_surface("rosenbrock"), [RunSpec(1e-4)], 200).run(0))
    assert verdict.regime is Regime.SLOW and verdict.step is None
    assert verdict.reason.startswith("slow: still improving after 200 steps")


def test_a_run_starting_at_the_minimum_has_converged_at_step_zero():
    result = simulate(get_surface("bowl"), [RunSpec(0.1, start=(0.0, 0.0))], 10)
    assert classify_view(result.run(0)) == classify_run(
        result.points[0], result.losses[0], result.grads[0], -1
    )
    assert classify_view(result.run(0)).step == 0
    assert classify_view(result.run(0)).regime is Regime.CONVERGED


def test_loss_histories():
    t = np.arange(201)
    assert classify_loss_history(0.7 * 0.9**t).regime is Regime.CONVERGED
    assert classify_loss_history(0.7 * 0.999**t).regime is Regime.SLOW
    assert classify_loss_history(0.7 * 1.05**t).regime is Regime.DIVERGED
    bouncing = 0.5 + 0.2 * (-1.0) ** t
    assert classify_loss_history(bouncing).regime is Regime.OSCILLATING
    flat = classify_loss_history(np.full(50, 0.69))
    assert flat.regime is Regime.SLOW and "not measurably moved" in flat.reason
    crawling = classify_loss_history(0.69 - 1e-9 * t)
    assert crawling.regime is Regime.SLOW, "a learning rate of 1e-9 makes no progress"
    blown = classify_loss_history(np.array([0.7, 0.6, 5.0, np.inf, np.nan]))
    assert (blown.regime, blown.step) == (Regime.DIVERGED, 3)
    assert blown.reason == "diverged at step 3: the loss became non-finite"
    stopped = classify_loss_history(0.7 * 0.9 ** t[:12], diverged_at=12)
    assert (stopped.regime, stopped.step) == (Regime.DIVERGED, 12)


def test_a_loss_that_dips_and_climbs_back_past_the_start_diverged():
    losses = np.concatenate([np.linspace(1.0, 0.8, 20), np.linspace(0.8, 1.5, 20)])
    verdict = classify_loss_history(losses)
    assert verdict.regime is Regime.DIVERGED
    assert losses[verdict.step] > 1.2 >= losses[verdict.step - 1]
    with pytest.raises(ValueError, match="without a single loss value"):
        classify_loss_history(np.array([]))


@pytest.mark.parametrize(
    ("name", "params", "expected"),
    [
        ("parabola", {}, 2.0),
        ("ill_conditioned", {"kappa": 37.0}, 37.0),
        ("rotated_quadratic", {"kappa": 20.0}, 20.0),
        ("x**2+3*y**2", {}, 6.0),
    ],
)
def test_lambda_max_of_quadratics(name, params, expected):
    assert lambda_max(get_surface(name, **params)) == pytest.approx(expected, rel=1e-9)


def test_lambda_max_of_rosenbrock_at_its_minimum():
    # Hessian at (1, 1): [[802, -400], [-400, 200]], top eigenvalue 501 + sqrt(301^2 + 400^2)
    assert lambda_max(get_surface("rosenbrock")) == pytest.approx(501 + np.hypot(301, 400))
    assert lambda_max(get_surface("rosenbrock")) == pytest.approx(1001.6, abs=0.01)


@pytest.mark.parametrize("text", ["x**2 - y**2", "w**3", "x**2*y**2 - x", "5e-324*w", "1e-300*x"])
def test_no_minimum_no_curvature(text):
    surface = get_surface(text)
    assert reference_minimum(surface) is None
    assert lambda_max(surface) is None
    assert critical_rates(lambda_max(surface)) is None


def test_typed_formulas_find_the_local_minimum_reached_from_the_start():
    surface = get_surface("(w - 1)**2 * (w + 2)**2")
    assert reference_minimum(surface, (3.0,)) == pytest.approx((1.0,), abs=1e-7)
    assert reference_minimum(surface, (-4.0,)) == pytest.approx((-2.0,), abs=1e-7)
    assert lambda_max(surface, (3.0,)) == pytest.approx(18.0, rel=1e-6)


def test_named_surfaces_use_the_known_minimum_nearest_the_start():
    himmelblau = get_surface("himmelblau")
    assert reference_minimum(himmelblau, (3.5, -1.0)) == pytest.approx(
        (3.5844283403304917, -1.8481265269644034)
    )
    assert reference_minimum(himmelblau, (-3.0, 3.0)) == pytest.approx(
        (-2.805118086952745, 3.131312518250573)
    )


def test_critical_rates():
    rates = critical_rates(2.0, momentum=0.9)
    assert (rates.monotone, rates.stable) == (0.5, 1.0)
    assert rates.momentum_stable == pytest.approx(1.9)
    assert critical_rates(2.0).momentum_stable == 1.0
    assert critical_rates(0.0) is None and critical_rates(None) is None
    with pytest.raises(ValueError, match="momentum must lie in"):
        critical_rates(2.0, momentum=1.0)


def test_stability_limit_per_optimizer():
    rates = critical_rates(2.0, momentum=0.5)
    assert rates.limit_for("gd") == 1.0
    assert rates.limit_for("momentum") == pytest.approx(1.5)
    assert rates.limit_for("adam") is None


def test_distance_to_the_nearest_minimum():
    minima = np.array([[1.0, 1.0], [-1.0, -1.0]])
    points = np.array([[1.0, 4.0], [-1.0, -1.0], [0.0, 0.0]])
    np.testing.assert_allclose(distances_to_nearest(points, minima), [3.0, 0.0, np.sqrt(2.0)])


@pytest.mark.parametrize("shape", [(2_000, 2), (500, 1), (300, 3, 2), (0, 2)])
def test_row_norms_are_numpys_norms_bit_for_bit_with_overflow_and_nan(shape):
    """The verdicts of a dragged run are the same numbers as before the faster norms."""
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=shape) * 10.0 ** rng.integers(-200, 200, size=shape)
    vectors.flat[::13] = np.nan
    with np.errstate(over="ignore"):
        expected = np.linalg.norm(vectors, axis=-1)
    assert np.array_equal(row_norms(vectors), expected, equal_nan=True)


def test_curvature_at_the_reference_minimum_is_lambda_max():
    surface = get_surface("x**2 + 3*y**2")
    minimum = reference_minimum(surface, (1.0, 1.0))
    assert curvature_at(surface, minimum) == pytest.approx(lambda_max(surface, (1.0, 1.0)))
    assert curvature_at(surface, (5.0, -2.0)) == pytest.approx(6.0)


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        (RunSpec(lr=0.2), 1 / 1002),
        (RunSpec(lr=0.001), None),
        (RunSpec(lr=0.001, optimizer="momentum", hyper={"momentum": 0.9}), None),
        (RunSpec(lr=0.01, optimizer="momentum", hyper={"momentum": 0.9}), 1 / 1002),
        (RunSpec(lr=0.2, optimizer="adam"), None),
    ],
)
def test_a_step_size_above_the_stability_limit_is_tamed_to_one_over_lambda(run, expected):
    surface = get_surface("rosenbrock")
    tamed = tame_learning_rate(surface, run, lambda_max(surface))
    if expected is None:
        assert tamed is None
    else:
        assert tamed.lr == pytest.approx(expected, rel=1e-3)
        assert tamed.from_curvature and tamed.halvings == 0 and tamed.safe


def test_one_over_lambda_that_still_diverges_from_a_steep_start_is_halved_until_it_does_not():
    """Goldstein-Price: curvature 965 at the minimum, 3e5 at the start (1.5, 1.5)."""
    surface = get_surface("goldstein_price")
    lam = lambda_max(surface)
    assert diverges_at_once(surface, RunSpec(lr=1 / lam))
    tamed = tame_learning_rate(surface, RunSpec(lr=10.0), lam, smallest=1e-5)
    assert tamed.from_curvature and tamed.safe and tamed.halvings >= 1
    assert tamed.lr == pytest.approx(1 / lam / 2**tamed.halvings)
    assert not diverges_at_once(surface, RunSpec(lr=tamed.lr))
    assert diverges_at_once(surface, RunSpec(lr=2 * tamed.lr))  # the largest halving that holds


@pytest.mark.parametrize("name", ["flat_then_steep", "saddle", "ackley"])
def test_without_a_usable_lambda_a_step_that_diverges_at_once_is_halved(name):
    surface = get_surface(name)
    lam = lambda_max(surface)  # 0 (a flat minimum), None (no minimum), nan (a cusp)
    assert diverges_at_once(surface, RunSpec(lr=10.0))
    tamed = tame_learning_rate(surface, RunSpec(lr=10.0), lam)
    assert not tamed.from_curvature and tamed.safe and tamed.halvings >= 1
    assert tamed.lr == 10.0 / 2**tamed.halvings
    assert not diverges_at_once(surface, RunSpec(lr=tamed.lr))


def test_a_step_size_that_does_not_diverge_at_once_is_kept():
    assert tame_learning_rate(get_surface("saddle"), RunSpec(lr=0.01), None) is None


def test_when_no_step_size_above_the_floor_holds_taming_says_so():
    surface = get_surface("goldstein_price")
    tamed = tame_learning_rate(surface, RunSpec(lr=10.0), lambda_max(surface), smallest=1e-4)
    assert not tamed.safe and tamed.lr == pytest.approx(1e-4, rel=0.5)
    assert tamed.lr >= 1e-4


def _settled(surface, lr, start=None):
    run = simulate(surface, [RunSpec(lr=lr, start=start)], 500).run(0)
    return settled_minimum(surface, run, classify_view(run))


def test_a_run_settling_in_the_local_well_uses_that_minimum_not_the_global_one():
    surface = get_surface("double_well")
    local = _settled(surface, 0.05)
    assert local == pytest.approx((0.93,), abs=0.01)
    assert not same_minimum(surface, local, reference_minimum(surface))
    assert curvature_at(surface, local) == pytest.approx(12 * local[0] ** 2 - 4)
    glob = _settled(surface, 0.05, start=(-1.5,))
    assert same_minimum(surface, glob, reference_minimum(surface, (-1.5,)))


def test_a_run_that_did_not_converge_settles_nowhere():
    surface = get_surface("double_well")
    assert _settled(surface, 0.3) is None  # diverges
    assert _settled(surface, 1e-4) is None  # slow


def test_a_run_is_measured_to_the_minimum_it_settles_in_not_the_global_one():
    surface = get_surface("double_well")
    run = simulate(surface, [RunSpec(lr=0.05)], 500).run(0)
    listed = np.asarray(surface.minima)
    target = distance_target(surface, run, classify_view(run), listed)
    assert target[0] == pytest.approx([0.93], abs=0.01)
    assert distances_to_nearest(run.points, target)[-1] < 1e-4
    assert distances_to_nearest(run.points, listed)[-1] > 1.9  # the global one, far away


def test_a_run_that_settles_nowhere_is_measured_to_the_nearest_listed_minimum():
    surface = get_surface("double_well")
    run = simulate(surface, [RunSpec(lr=1e-4)], 100).run(0)  # slow
    listed = np.asarray(surface.minima)
    assert distance_target(surface, run, classify_view(run), listed) is listed


def test_a_start_far_steeper_than_the_minimum_is_reported_with_its_curvature():
    surface = get_surface("w**4 - 3*w**2 + w")
    lam = lambda_max(surface, (3.0,))
    assert 2 / lam == pytest.approx(0.214, abs=1e-3)
    assert steep_start_curvature(surface, (3.0,), lam) == pytest.approx(102.0)
    assert steep_start_curvature(surface, (1.2,), lam) is None  # about as curved as the minimum
    assert steep_start_curvature(surface, (3.0,), None) is None


def test_a_converged_run_is_searched_for_its_minimum_once_however_often_asked(monkeypatch):
    """The thresholds and the distance plot both ask, every frame of a dragged slider; the
    second answer is the first, without a second BFGS search."""
    import gdsim.core.verdict as verdict

    verdict._minimum_settled_at.cache_clear()  # earlier tests' runs end in the same places
    searches = []
    search = verdict._local_minimum
    monkeypatch.setattr(
        verdict, "_local_minimum", lambda *args: searches.append(args) or search(*args)
    )
    surface = get_surface("double_well")
    run = simulate(surface, [RunSpec(lr=0.05)], 500).run(0)
    first = settled_minimum(surface, run, classify_view(run))
    assert settled_minimum(surface, run, classify_view(run)) == first
    assert first == pytest.approx((0.93,), abs=0.01)
    assert len(searches) == 1
    moved = simulate(surface, [RunSpec(lr=0.04)], 500).run(0)  # ends elsewhere: searched
    assert settled_minimum(surface, moved, classify_view(moved)) == pytest.approx(first)
    assert len(searches) == 2


def test_the_gradient_scale_samples_a_surfaces_grid_once(monkeypatch):
    """Each search for a converged run's minimum measures "practically zero" against the
    gradient on a coarse grid: the same grid every time on one surface."""
    import gdsim.core.verdict as verdict
    from gdsim.core.surfaces import Surface

    surface = get_surface("w**4 - 3*w**2 + w")
    points = []
    gradient = Surface.gradient
    monkeypatch.setattr(
        Surface, "gradient", lambda self, *x: points.append(x) or gradient(self, *x)
    )
    first = verdict._gradient_scale(surface, np.array([0.9]))
    asked = len(points)
    assert verdict._gradient_scale(surface, np.array([0.9])) == first
    assert verdict._gradient_scale(surface, np.array([-1.1])) > 0.0
    assert len(points) == asked + 2  # the two starts, not the grid again
