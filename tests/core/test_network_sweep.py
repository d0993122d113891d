"""The network sweep: batched runs equal one-at-a-time `TrainingSession`s to float precision,
the verdicts follow quadratic theory on a linear model, and the boundaries sit where the
verdict changes."""

from __future__ import annotations

import numpy as np
import pytest

from gdsim.core.datasets import DatasetParams, make_dataset
from gdsim.core.network import NetworkSpec
from gdsim.core.network_sweep import (
    NetworkSweep,
    SweepResult,
    SweepRun,
    regime_boundaries,
    sweep_rates,
)
from gdsim.core.training import ConfigError, TrainingConfig
from gdsim.core.verdict import Regime, Verdict


def _pair(name: str, config: TrainingConfig, lrs: np.ndarray, steps: int, hidden=((8, "tanh"),)):
    data = make_dataset(DatasetParams(name=name, n=120))
    spec = NetworkSpec.for_task(data.task, data.input_dim, data.n_classes, hidden=hidden)
    batched = NetworkSweep(spec, data, config, lrs, steps).run()
    single = NetworkSweep(spec, data, config, lrs, steps, batched=False).run()
    return batched, single


@pytest.mark.parametrize(
    ("name", "config"),
    [
        ("circle", TrainingConfig()),  # binary, BCE, full batch
        ("blobs", TrainingConfig(optimizer="adam", batch_size=16, weight_decay=1e-3)),
        ("sine", TrainingConfig(optimizer="momentum", schedule="cosine")),  # regression
    ],
)
def test_batched_equals_one_at_a_time(name, config):
    lrs = sweep_rates(1e-3, 0.3, 4)
    batched, single = _pair(name, config, lrs, 30)
    for a, b in zip(batched.runs, single.runs, strict=True):
        assert a.lr == b.lr
        assert a.final_loss == pytest.approx(b.final_loss, rel=1e-5)
        assert a.verdict.regime == b.verdict.regime
        assert a.diverged_at == b.diverged_at


def test_a_run_that_blows_up_stops_alone():
    lrs = np.array([0.1, 1e6])
    batched, single = _pair("sine", TrainingConfig(), lrs, 20, hidden=())
    assert batched.runs[0].verdict.regime != Regime.DIVERGED
    assert batched.runs[1].verdict.regime == Regime.DIVERGED
    assert batched.runs[1].diverged_at == single.runs[1].diverged_at is not None
    assert not np.isfinite(batched.runs[1].final_loss)
    assert batched.runs[0].final_loss == pytest.approx(single.runs[0].final_loss, rel=1e-5)


def test_linear_model_regimes_follow_quadratic_theory():
    """No hidden layer, MSE, full batch: a quadratic with λ = λ_max of 2/n AᵀA. Below 1/λ the
    loss falls monotonically, above 2/λ it grows."""
    data = make_dataset(DatasetParams(name="plane"))
    x = data.x_train.double().numpy()
    design = np.hstack([x, np.ones((len(x), 1))])
    lam = float(np.linalg.eigvalsh(2 / len(x) * design.T @ design).max())
    spec = NetworkSpec.for_task("regression", 2, hidden=())
    lrs = np.array([0.5 / lam, 0.9 / lam, 2.2 / lam, 3 / lam])
    result = NetworkSweep(spec, data, TrainingConfig(), lrs, 300).run()
    regimes = [run.verdict.regime for run in result.runs]
    assert regimes[:2] == [Regime.CONVERGED, Regime.CONVERGED]
    assert regimes[2:] == [Regime.DIVERGED, Regime.DIVERGED]
    (boundary,) = result.boundaries
    assert 0.9 / lam < boundary.lr < 2.2 / lam


def test_boundaries_are_where_the_verdict_changes():
    def run(lr: float, regime: Regime) -> SweepRun:
        return SweepRun(lr, 0.1, Verdict(regime, None, ""), None)

    runs = [
        run(0.01, Regime.SLOW),
        run(0.1, Regime.SLOW),
        run(1.0, Regime.CONVERGED),
        run(4.0, Regime.DIVERGED),
    ]
    boundaries = regime_boundaries(runs)
    assert [(b.below, b.above) for b in boundaries] == [
        (Regime.SLOW, Regime.CONVERGED),
        (Regime.CONVERGED, Regime.DIVERGED),
    ]
    assert boundaries[0].lr == pytest.approx(np.sqrt(0.1)) and boundaries[1].lr == pytest.approx(
        2.0
    )
    result = SweepResult(np.array([r.lr for r in runs]), 10, 10, tuple(runs))
    # The range test's suggestion is checked against the sweep: 3.0 lies nearest 4.0.
    assert result.verdict_near(3.0) == Regime.DIVERGED
    assert result.verdict_near(0.9) == Regime.CONVERGED
    assert result.verdict_near(40.0) is None  # outside the swept rates


def test_bad_sweeps_are_refused():
    with pytest.raises(ConfigError, match="3 to 60"):
        sweep_rates(1e-3, 1.0, 61)
    with pytest.raises(ConfigError, match="lowest"):
        sweep_rates(1.0, 1e-3, 20)


def test_a_stack_too_large_for_memory_trains_one_rate_at_a_time(monkeypatch):
    from gdsim.core import network_sweep

    data = make_dataset(DatasetParams(name="sine", n=40))
    spec = NetworkSpec.for_task("regression", 1, hidden=())
    lrs = sweep_rates(0.01, 0.1, 3)
    assert NetworkSweep(spec, data, TrainingConfig(), lrs, 5).batched
    monkeypatch.setattr(network_sweep, "MAX_STACK_BYTES", 100)
    sweep = NetworkSweep(spec, data, TrainingConfig(), lrs, 5)
    assert not sweep.batched and len(sweep.run().runs) == 3
