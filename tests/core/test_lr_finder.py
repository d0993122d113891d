"""The LR range test against a network whose answer is known: a linear model (no hidden layer)
fitted by full-batch gradient descent with mean squared error, whose Hessian 2/n AᵀA (A = the
inputs with a column of ones) gives λ_max exactly: 1/λ is the largest monotone step, 2/λ the
edge of divergence."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdsim.core.datasets import DatasetParams, make_dataset
from gdsim.core.lr_finder import (
    DIVERGENCE_FACTOR,
    LRRangeTest,
    Smoother,
    exponential_ramp,
    suggestion_index,
)
from gdsim.core.network import NetworkSpec
from gdsim.core.training import ConfigError, TrainingConfig, TrainingSession


@pytest.fixture(scope="module")
def linear():
    data = make_dataset(DatasetParams(name="plane"))
    x = data.x_train.double().numpy()
    design = np.hstack([x, np.ones((len(x), 1))])
    lam = float(np.linalg.eigvalsh(2 / len(x) * design.T @ design).max())
    return data, NetworkSpec.for_task("regression", 2, hidden=()), lam


def test_suggestion_lies_below_the_monotone_limit_and_near_it(linear):
    data, spec, lam = linear
    result = LRRangeTest(spec, data, TrainingConfig(), 1e-4, 100.0, 100).run()
    assert result.suggestion is not None
    assert 1 / (20 * lam) < result.suggestion < 1 / lam < 2 / lam


def test_stops_at_four_times_the_best_after_divergence_before_the_top_rate(linear):
    data, spec, lam = linear
    result = LRRangeTest(spec, data, TrainingConfig(), 1e-4, 100.0, 100).run()
    stop = result.stopped_at
    assert stop is not None and stop < result.steps - 1
    assert 2 / lam < result.lrs[stop] < 100.0
    assert result.smoothed[stop] > DIVERGENCE_FACTOR * np.nanmin(result.smoothed[:stop])
    assert len(result.losses) == stop + 1


def test_each_loss_is_measured_after_the_update_at_its_rate(linear):
    """Entry i belongs to lrs[i]: a session run at the same rates by hand gives the losses."""
    data, spec, _lam = linear
    result = LRRangeTest(spec, data, TrainingConfig(), 1e-3, 1.0, 20).run()
    session = TrainingSession(spec, data, TrainingConfig(lr=1e-3, steps=21))
    expected = []
    for index, lr in enumerate([*exponential_ramp(1e-3, 1.0, 20), 1.0]):
        session.set_lr(float(lr))
        value = session.step(1)[0]
        if index:
            expected.append(value)
    np.testing.assert_allclose(result.losses, expected, rtol=1e-6)
    assert result.stopped_at is None  # 1.0 is below 2/λ: the ramp reached its end


def test_the_users_network_is_untouched(linear):
    data, spec, _lam = linear
    session = TrainingSession(spec, data, TrainingConfig(lr=0.1, steps=10))
    before = session.parameters_numpy()
    LRRangeTest(spec, data, TrainingConfig(lr=0.1), 1e-3, 10.0, 20).run()
    np.testing.assert_array_equal(session.parameters_numpy(), before)
    assert session.step_count == 0


def test_smoothing_is_bias_corrected():
    smoother = Smoother(0.98)
    assert [smoother.add(2.0) for _ in range(3)] == pytest.approx([2.0, 2.0, 2.0])
    assert math.isnan(Smoother().add(math.nan))


def test_an_early_spike_is_not_the_suggestion():
    """Lightning #14248: a spike in the first steps, then the real descent at step ~60."""
    lrs = exponential_ramp(1e-4, 10.0, 100)
    steps = np.arange(100)
    losses = 1.0 - 0.9 / (1 + np.exp(-(steps - 60) / 4))
    losses[2] = 50.0
    smoother = Smoother()
    burn_in = 10
    smoothed = np.array(
        [smoother.add(v) if i >= burn_in else math.nan for i, v in enumerate(losses)]
    )
    index = suggestion_index(lrs, smoothed, burn_in)
    assert index is not None and 55 <= index <= 75


def test_slope_is_taken_against_log_eta():
    """A loss linear in log η falls equally fast everywhere on a log ramp: on a non-uniform
    grid the slope against η itself would pick the narrowest step."""
    lrs = np.array([1e-3, 1e-2, 2e-2, 3e-2, 1e-1, 1.0])
    smoothed = -np.log(lrs)
    smoothed[-1] = 10.0  # the minimum is at 0.1
    index = suggestion_index(lrs, smoothed, 0)
    slopes = np.gradient(smoothed[:5], np.log(lrs[:5]))
    assert index is not None and slopes[index] == pytest.approx(-1.0)


def test_no_descent_no_suggestion():
    assert suggestion_index(np.geomspace(1, 10, 20), np.linspace(1, 2, 20), 2) is None


@pytest.mark.parametrize(
    ("lr_min", "lr_max", "steps", "words"),
    [(1.0, 0.1, 100, "below"), (0.0, 1.0, 100, "above 0"), (1e-3, 1.0, 3, "at least")],
)
def test_bad_ramps_are_refused_in_one_line(linear, lr_min, lr_max, steps, words):
    data, spec, _lam = linear
    with pytest.raises(ConfigError, match=words) as error:
        LRRangeTest(spec, data, TrainingConfig(), lr_min, lr_max, steps)
    assert "\n" not in str(error.value)


def test_a_flat_loss_gets_no_suggestion_whatever_its_rounding():
    """A dead network (rates far past divergence) or rates too small to move the loss: no
    rate is better than another, so none is suggested (rounding once made one)."""
    lrs = np.geomspace(1e3, 1e30, 100)
    flat = np.full(100, 49.375) * (1 + 1e-12 * np.sin(np.arange(100)))
    assert suggestion_index(lrs, flat, burn_in=10) is None
    falling = np.linspace(1.0, 0.5, 100)
    assert suggestion_index(lrs, falling, burn_in=10) is not None
