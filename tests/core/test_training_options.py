"""Training options of the network builder: the L1/L2 penalty against a hand computation and
against weight decay, the smoothed minibatch loss against its formula, and each stop rule
ending a run at the step a hand replay of the evaluations says, with its reason."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
import torch

from gdsim.core.batched_training import SessionBatch, batch_refusal
from gdsim.core.datasets import DatasetParams, make_dataset
from gdsim.core.lr_finder import LRRangeTest
from gdsim.core.network import NetworkSpec
from gdsim.core.network_sweep import NetworkSweep
from gdsim.core.training import (
    EMA_FACTOR,
    NO_STOP_RULES,
    ConfigError,
    LossEma,
    TrainingConfig,
    TrainingSession,
)
from gdsim.core.training_job import metrics_text
from gdsim.core.verdict import Regime, classify_loss_history


def session_for(
    name: str = "circle", hidden=((4, "tanh"),), val_fraction: float = 0.2, **config
) -> TrainingSession:
    data = make_dataset(DatasetParams(name=name, n=100, val_fraction=val_fraction))
    spec = NetworkSpec.for_task(data.task, data.input_dim, data.n_classes, hidden=hidden)
    return TrainingSession(spec, data, TrainingConfig(**config))


def test_penalised_loss_is_data_loss_plus_l1_and_l2_over_weights_and_biases():
    session = session_for(l1=0.01, l2=0.003, steps=5)
    x, y = session.dataset.x_train, session.dataset.y_train
    params = [p.detach().double() for p in session.model.parameters()]
    with torch.no_grad():
        data_loss = float(session.loss_fn(session.model(x), y))
    by_hand = (
        data_loss
        + 0.01 * sum(float(p.abs().sum()) for p in params)
        + 0.003 * sum(float((p**2).sum()) for p in params)
    )
    first = session.step(1)[0]
    assert first == pytest.approx(by_hand, rel=1e-6)
    assert first > data_loss  # the curve of minibatch losses includes the penalty ...
    assert session.snapshot().train_loss < first  # ... the full-set loss does not


@pytest.mark.parametrize(
    ("l1", "l2", "name"),
    [(0.0, 0.0, ""), (0.01, 0.0, "L1"), (0.0, 0.01, "L2"), (0.1, 0.2, "L1 + L2")],
)
def test_the_penalty_is_named_by_the_penalties_on(l1, l2, name):
    assert TrainingConfig(l1=l1, l2=l2).penalty_name == name


def test_l2_of_half_the_weight_decay_is_weight_decay_for_gradient_descent():
    decayed = session_for(lr=0.5, weight_decay=0.1, steps=50)
    penalised = session_for(lr=0.5, l2=0.05, steps=50)
    decayed.run()
    penalised.run()
    np.testing.assert_allclose(
        penalised.parameters_numpy(), decayed.parameters_numpy(), rtol=1e-5, atol=1e-6
    )


def test_l1_drives_weights_towards_zero():
    plain, sparse = session_for(lr=0.5, steps=200), session_for(lr=0.5, l1=0.05, steps=200)
    plain.run()
    sparse.run()
    assert np.abs(sparse.parameters_numpy()).sum() < 0.7 * np.abs(plain.parameters_numpy()).sum()


def test_moving_average_is_bias_corrected_by_hand():
    ema = LossEma(0.9)
    values = [4.0, 2.0, 1.0]
    m1 = 0.1 * 4.0
    m2 = 0.9 * m1 + 0.1 * 2.0
    m3 = 0.9 * m2 + 0.1 * 1.0
    expected = [m1 / (1 - 0.9), m2 / (1 - 0.9**2), m3 / (1 - 0.9**3)]
    assert [ema.update(v) for v in values] == pytest.approx(expected, rel=1e-12)
    assert expected[0] == pytest.approx(4.0)  # corrected: the first value is not pulled to 0


def test_session_keeps_the_moving_average_of_its_minibatch_losses():
    session = session_for(lr=0.5, batch_size=8, steps=40)
    session.run()
    _, raw = session.history.arrays()
    _, smoothed = session.smoothed.arrays()
    ema = LossEma(EMA_FACTOR)
    assert smoothed == pytest.approx([ema.update(v) for v in raw], rel=1e-12)
    assert np.std(np.diff(smoothed)) < np.std(np.diff(raw))


def test_a_minibatch_run_is_judged_on_its_moving_average_not_its_noise():
    """SGD on the circle at a sound rate: each step's loss jumps with the point drawn, which
    read "oscillating" at every rate; its moving average falls, and that is the verdict."""
    session = session_for(hidden=((16, "relu"),), lr=0.1, batch_size=1, steps=1000)
    session.run()
    assert classify_loss_history(session.history.arrays()[1]).regime is Regime.OSCILLATING
    verdict = session.verdict
    assert verdict == replace(
        classify_loss_history(session.smoothed.arrays()[1]), reason=verdict.reason
    )
    assert verdict.regime is not Regime.OSCILLATING
    assert "moving average of the step losses" in verdict.reason
    full = session_for(hidden=((16, "relu"),), lr=0.1, steps=50)
    full.run()
    assert not full.noisy_losses and "moving average" not in full.verdict.reason
    data = make_dataset(DatasetParams(name="circle", n=100))
    dropout = NetworkSpec.for_task("binary", 2, hidden=((16, "relu"),), dropout=0.3)
    masked = TrainingSession(dropout, data, TrainingConfig(lr=0.1, steps=50))
    masked.run()  # full batch, but each step draws its dropout mask: noisy too
    assert masked.noisy_losses and "moving average" in masked.verdict.reason


def replay_evaluations(config: TrainingConfig, **session_options) -> list[tuple[int, object]]:
    """The snapshot at each evaluation step of the same run without stop rules."""
    free = replace(config, **NO_STOP_RULES)
    session = session_for(**session_options, **free.__dict__)
    every = config.evaluation_every
    states = [(0, session.snapshot())]
    while not session.finished:
        session.step(every)
        states.append((session.step_count, session.snapshot()))
    return states


def test_stop_at_loss_stops_at_the_first_evaluation_at_or_below_it():
    config = TrainingConfig(lr=1.0, steps=600, stop_at_loss=0.3)
    states = replay_evaluations(config)
    expected = next(step for step, state in states if state.train_loss <= 0.3)
    session = session_for(**config.__dict__)
    session.run()
    assert 0 < expected < 600
    assert (session.step_count, session.stop_reason) == (expected, "target loss")
    assert session.finished and "stopped: target loss" in metrics_text(session.snapshot())


def test_stop_at_accuracy_stops_at_the_first_evaluation_reaching_it():
    config = TrainingConfig(lr=1.0, steps=600, stop_at_accuracy=0.9)
    states = replay_evaluations(config)
    expected = next(step for step, state in states if state.train_metric >= 0.9)
    session = session_for(**config.__dict__)
    session.run(chunk=7)  # chunks that do not fall on evaluations change nothing
    assert 0 < expected < 600
    assert (session.step_count, session.stop_reason) == (expected, "target accuracy")


def test_early_stopping_stops_k_evaluations_after_the_best_validation_loss():
    # A wide network on few noisy points at a large rate overfits: validation loss turns up.
    options = {"name": "xor", "hidden": ((32, "relu"), (32, "relu")), "val_fraction": 0.5}
    config = TrainingConfig(optimizer="adam", lr=0.03, steps=600, early_stop=3)
    states = replay_evaluations(config, **options)
    best, since, expected, best_step = math.inf, 0, None, None
    for step, state in states:
        if state.val_loss < best:
            best, best_step, since = state.val_loss, step, 0
        else:
            since += 1
            if since == 3:
                expected = step
                break
    session = session_for(**options, **config.__dict__)
    session.run()
    assert expected is not None and expected < 600
    assert (session.step_count, session.stop_reason) == (expected, "early stopping")
    assert session.best_step == best_step


def test_runs_without_rules_end_by_their_budget_or_by_divergence():
    budget = session_for(steps=10)
    budget.run()
    assert budget.stop_reason == "steps"
    blown = session_for(name="sine", hidden=(), lr=1e10, steps=50)
    blown.run()
    assert blown.stop_reason == "diverged"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"l1": -0.1}, r"L1 must be in \[0, 10\]"),
        ({"l2": 11.0}, r"L2 must be in \[0, 10\]"),
        ({"l2": math.nan}, "L2 must be"),
        ({"stop_at_loss": 0.0}, "stop at loss must be a number above 0"),
        ({"stop_at_accuracy": 1.5}, r"stop at accuracy must be in \(0, 1\]"),
        ({"early_stop": -1}, "early stopping patience must be a whole number"),
        ({"early_stop": 2.5}, "early stopping patience must be a whole number"),
    ],
)
def test_bad_training_options_raise_one_line_errors(fields, message):
    with pytest.raises(ConfigError, match=message) as caught:
        TrainingConfig(**fields)
    assert "\n" not in str(caught.value)


def test_rules_the_data_cannot_serve_are_refused_in_one_line():
    with pytest.raises(ConfigError, match="early stopping needs a validation set"):
        session_for(val_fraction=0.0, early_stop=3)
    with pytest.raises(ConfigError, match="stop at accuracy needs a classification task"):
        session_for(name="sine", stop_at_accuracy=0.9)
    session = session_for(val_fraction=0.0)
    with pytest.raises(ConfigError, match="early stopping needs a validation set"):
        session.set_hyper(early_stop=2)
    assert session.config.early_stop == 0


@pytest.mark.parametrize(
    ("option", "reason"),
    [
        ({"l1": 0.01}, "L1/L2 penalty"),
        ({"l2": 0.01}, "L1/L2 penalty"),
        ({"stop_at_loss": 0.1}, "stop rule"),
        ({"early_stop": 2}, "stop rule"),
    ],
)
def test_compare_batches_refuse_penalties_and_stop_rules(option, reason):
    sessions = [session_for(lr=lr, **option) for lr in (0.1, 1.0)]
    assert reason in batch_refusal(sessions)
    assert SessionBatch.of(sessions) is None


def test_rate_views_train_their_fixed_steps_whatever_the_builders_stop_rules():
    session = session_for(stop_at_loss=10.0, l2=0.01)  # met at step 0
    spec, data, config = session.spec, session.dataset, session.config
    ramp = LRRangeTest(spec, data, config, 1e-3, 1.0, steps=30).run()
    assert len(ramp.losses) == 30 and ramp.stopped_at is None
    sweep = NetworkSweep(spec, data, config, [0.1, 0.5, 1.0], steps=10)
    assert not sweep.batched  # the stacked loss has no penalty term
    result = sweep.run()
    assert result.steps_done == 10 and len(result.runs) == 3
