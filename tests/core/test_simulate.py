"""simulate(): array conventions, stopping rules, batching and noise, checked against theory."""

import warnings

import numpy as np
import pytest

from gdsim.core.simulate import RunSpec, StopCause, default_bounds, simulate
from gdsim.core.surfaces import get_surface


def test_gd_on_the_parabola_follows_the_closed_form():
    etas = (0.01, 0.2, 0.8, 1.0)
    result = simulate(get_surface("parabola"), [RunSpec(eta) for eta in etas], 50)
    assert result.points.shape == (4, 51, 1)
    assert result.losses.shape == (4, 51)
    assert result.grads.shape == (4, 51, 1)
    assert result.steps.shape == (4, 50, 1)
    t = np.arange(51)
    for k, eta in enumerate(etas):
        expected = 3.0 * (1.0 - 2.0 * eta) ** t
        np.testing.assert_allclose(result.points[k, :, 0], expected, rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(result.losses[k], expected**2, rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(result.grads[k, :, 0], 2.0 * expected, rtol=1e-12, atol=1e-300)
    assert list(result.stopped_at) == [-1] * 4
    assert list(result.lengths) == [51] * 4


def test_a_run_leaving_the_bounds_stops_before_the_first_point_outside():
    result = simulate(get_surface("parabola"), [RunSpec(0.2), RunSpec(1.1)], 100)
    assert result.bounds == ((-40.0, 40.0),)
    # |w_t| = 3 * 1.2**t first exceeds 40 at t = 15
    assert list(result.stopped_at) == [-1, 15]
    assert list(result.lengths) == [101, 15]
    assert result.stop_causes == (None, StopCause.OUT_OF_BOUNDS)
    assert np.all(np.isnan(result.points[1, 15:])) and np.all(np.isnan(result.losses[1, 15:]))
    assert np.all(np.isnan(result.grads[1, 15:]))
    diverging = result.run(1)
    assert diverging.points.shape == (15, 1) and diverging.stopped_at == 15
    assert abs(diverging.points[-1, 0]) <= 40.0
    np.testing.assert_allclose(diverging.points[-1, 0], 3.0 * (-1.2) ** 14)
    settled = result.run(0)
    assert settled.stopped_at is None and settled.stop_cause is None
    assert settled.points.shape == (101, 1)


def test_overflow_inside_huge_bounds_stops_as_non_finite():
    surface = get_surface("flat_then_steep")
    result = simulate(surface, [RunSpec(1.0)], 30, bounds=((-1e308, 1e308),))
    stop = int(result.stopped_at[0])
    assert 0 < stop < 30
    assert result.stop_causes == (StopCause.NON_FINITE,)
    assert np.all(np.isfinite(result.run(0).points))
    assert np.all(np.isfinite(result.run(0).losses))


def test_a_start_outside_the_bounds_is_an_immediate_stop():
    result = simulate(get_surface("parabola"), [RunSpec(0.1, start=(50.0,))], 10)
    assert result.stopped_at[0] == 0 and result.lengths[0] == 0
    assert result.run(0).points.shape == (0, 1)


def test_default_bounds_enlarge_the_domain_ten_fold_about_its_centre():
    assert default_bounds(get_surface("rosenbrock")) == ((-20.0, 20.0), (-19.0, 21.0))


def test_mixed_optimizers_equal_separate_simulations_in_the_given_order():
    surface = get_surface("rosenbrock")
    runs = [
        RunSpec(1e-3, "adam"),
        RunSpec(1e-4),
        RunSpec(2e-3, "adam", start=(0.5, -0.5)),
        RunSpec(1e-4, "momentum", hyper={"momentum": 0.5}),
        RunSpec(1e-4, "momentum"),
    ]
    together = simulate(surface, runs, 40)
    for k, spec in enumerate(runs):
        alone = simulate(surface, [spec], 40)
        np.testing.assert_array_equal(together.points[k], alone.points[0])
        np.testing.assert_array_equal(together.losses[k], alone.losses[0])
    assert together.runs == tuple(runs)


def test_recorded_gradients_are_exact_at_the_recorded_points():
    surface = get_surface("himmelblau")
    result = simulate(surface, [RunSpec(0.01, noise=0.5), RunSpec(0.005)], 25)
    for k in range(2):
        run = result.run(k)
        exact = np.stack(surface.gradient(*run.points.T), axis=-1)
        np.testing.assert_allclose(run.grads, exact, rtol=1e-13)
        np.testing.assert_allclose(run.losses, surface.value(*run.points.T), rtol=1e-13)


def test_gradient_noise_is_seeded_per_run():
    surface = get_surface("bowl")
    noisy = RunSpec(0.1, noise=0.3, seed=7)
    first = simulate(surface, [noisy, RunSpec(0.1)], 20)
    again = simulate(surface, [RunSpec(0.05, noise=1.0, seed=1), noisy], 20)
    np.testing.assert_array_equal(first.points[0], again.points[1])
    reseeded = simulate(surface, [RunSpec(0.1, noise=0.3, seed=8)], 20)
    assert not np.allclose(reseeded.points[0], first.points[0])
    # the noise-free run is plain GD: x_t = x_0 (1 - 2 eta)^t
    np.testing.assert_allclose(first.points[1, :, 0], 3.0 * 0.8 ** np.arange(21), rtol=1e-12)
    # the noise is centred: the noisy run still ends near the minimum, not on the exact path
    assert np.linalg.norm(first.points[0, -1]) < 1.0
    assert not np.allclose(first.points[0, 1:], first.points[1, 1:])


def test_a_thousand_learning_rates_diverge_exactly_beyond_two_over_lambda():
    surface = get_surface("ill_conditioned", kappa=10.0)
    etas = np.geomspace(0.01, 0.4, 1000)
    decisive = np.abs(etas - 0.2) > 0.01
    result = simulate(surface, [RunSpec(float(eta)) for eta in etas], 400)
    stopped = result.stopped_at >= 0
    np.testing.assert_array_equal(stopped[decisive], etas[decisive] > 0.2)


def test_zero_steps_give_just_the_start():
    result = simulate(get_surface("bowl"), [RunSpec(0.1, start=(1.0, -2.0))], 0)
    np.testing.assert_array_equal(result.points, [[[1.0, -2.0]]])
    assert result.losses[0, 0] == 5.0


@pytest.mark.parametrize(
    ("runs", "steps", "message"),
    [
        ([], 10, "at least one run"),
        ([RunSpec(0.1)], -1, "whole number >= 0"),
        ([RunSpec(-0.1)], 10, "learning rate must be a finite number >= 0"),
        ([RunSpec(float("nan"))], 10, "learning rate must be a finite number >= 0"),
        ([RunSpec(0.1, start=(1.0, 2.0))], 10, "the start needs 1 coordinates"),
        ([RunSpec(0.1, optimizer="lbfgs")], 10, "unknown optimizer 'lbfgs'"),
        ([RunSpec(0.1, hyper={"beta": 0.5})], 10, "has no hyper-parameter 'beta'"),
        ([RunSpec(0.1, noise=-1.0)], 10, "gradient noise must be a finite number >= 0"),
    ],
)
def test_bad_input_raises_a_clear_message(runs, steps, message):
    with pytest.raises(ValueError, match=message):
        simulate(get_surface("parabola"), runs, steps)


def test_bad_bounds_raise_a_clear_message():
    with pytest.raises(ValueError, match="one \\(low, high\\) pair"):
        simulate(get_surface("bowl"), [RunSpec(0.1)], 5, bounds=((-1.0, 1.0),))


def test_a_complex_valued_gradient_is_not_a_silent_zero():
    """d/dw (-1)**w = i*pi*(-1)**w: not a real gradient. Dropping its imaginary part gave 0, a
    run that "converged in 0 steps"; like CompiledFunction.gradient, it must be NaN."""
    surface = get_surface("(-1)**w")
    with warnings.catch_warnings():
        warnings.simplefilter("error", np.exceptions.ComplexWarning)
        result = simulate(surface, [RunSpec(0.1, start=(3.0,))], 10)
    assert np.isnan(result.grads[0, 0, 0])
    assert result.stopped_at[0] >= 0
