"""Compare runs trained as one batch (gdsim/core/batched_training.py) against the same runs
trained as separate sessions: the same losses, verdicts and divergence for every optimizer, a
diverging run that stops alone, the predicate's fallbacks, and a TrainingJob that batches."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from torch import nn

from gdsim.core import batched_training
from gdsim.core.batched_training import SessionBatch, batch_refusal, stacked_refusal
from gdsim.core.datasets import DatasetParams, make_dataset
from gdsim.core.network import NetworkSpec
from gdsim.core.optimizers import OPTIMIZERS
from gdsim.core.training import TrainingConfig, TrainingSession
from gdsim.core.training_job import TrainingJob

CIRCLE = make_dataset(DatasetParams("circle", n=100))
SINE = make_dataset(DatasetParams("sine", n=100))
BINARY = NetworkSpec.for_task("binary", 2, hidden=((8, "relu"),))
REGRESSION = NetworkSpec.for_task("regression", 1, hidden=((8, "tanh"),))
STEPS = 200


def sessions(spec, data, config, rates) -> list[TrainingSession]:
    return [TrainingSession(spec, data, replace(config, lr=lr)) for lr in rates]


def run_alone(spec, data, config, rates) -> list[TrainingSession]:
    """`sessions`, each trained to its end on its own: what a batch must equal."""
    alone = sessions(spec, data, config, rates)
    for session in alone:
        session.run()
    return alone


def train_batched(runs: list[TrainingSession], chunk: int = 64) -> None:
    batch = SessionBatch(runs)
    while not batch.finished:
        batch.step(chunk)


def assert_same_runs(alone: list[TrainingSession], batched: list[TrainingSession]) -> None:
    """Every loss and weight equal bit for bit (NaN where NaN), the same divergence step and
    the same verdict."""
    for a, b in zip(alone, batched, strict=True):
        (steps_a, losses_a), (steps_b, losses_b) = a.history.arrays(), b.history.arrays()
        assert np.array_equal(steps_a, steps_b)
        assert b.diverged_at == a.diverged_at
        np.testing.assert_array_equal(losses_b, losses_a)
        np.testing.assert_array_equal(b.parameters_numpy(), a.parameters_numpy())
        assert b.verdict.regime == a.verdict.regime
        np.testing.assert_equal(b.snapshot().grad_norm, a.snapshot().grad_norm)


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_a_batch_trains_as_separate_runs_would_with_every_optimizer(optimizer):
    """Minibatches too (each run's data order is its own), with a rate that blows up."""
    small = 0.1 if optimizer in ("gd", "momentum", "nesterov") else 0.001
    config = TrainingConfig(optimizer=optimizer, steps=STEPS, batch_size=40, weight_decay=1e-3)
    rates = (small, 10 * small, 1e4)
    alone = run_alone(BINARY, CIRCLE, config, rates)
    batched = sessions(BINARY, CIRCLE, config, rates)
    train_batched(batched)
    assert_same_runs(alone, batched)
    assert [s.step_count for s in batched[:2]] == [STEPS] * 2
    assert batched[-1].verdict.regime == "diverged"
    assert not np.allclose(batched[0].parameters_numpy(), batched[1].parameters_numpy())


def test_a_run_whose_loss_blows_up_stops_alone_and_the_others_finish():
    config = TrainingConfig(steps=100, schedule="step", step_size=30, gamma=0.5)
    rates = (0.01, 0.1, 1e3)
    alone = run_alone(REGRESSION, SINE, config, rates)
    batched = sessions(REGRESSION, SINE, config, rates)
    batch = SessionBatch(batched)
    stepped = batch.step(100)
    assert alone[2].diverged_at is not None and alone[2].diverged_at < 10
    assert_same_runs(alone, batched)
    assert [len(losses) for _, losses in stepped] == [100, 100, alone[2].diverged_at + 1]
    assert batch.finished and batch.step_count == 100
    assert [s.verdict.regime for s in batched][2] == "diverged"


def test_what_cannot_be_batched_is_refused_with_a_reason(monkeypatch):
    config = TrainingConfig(steps=20)
    assert batch_refusal(sessions(BINARY, CIRCLE, config, (0.1, 1.0))) is None
    assert "two runs" in batch_refusal(sessions(BINARY, CIRCLE, config, (0.1,)))
    wider = NetworkSpec.for_task("binary", 2, hidden=((12, "relu"),))
    mixed = [TrainingSession(BINARY, CIRCLE, config), TrainingSession(wider, CIRCLE, config)]
    assert "different networks" in batch_refusal(mixed)
    other_data = make_dataset(DatasetParams("circle", seed=1))
    mixed = [TrainingSession(BINARY, CIRCLE, config), TrainingSession(BINARY, other_data, config)]
    assert "different data" in batch_refusal(mixed)
    for change in ({"batch_size": 16}, {"seed": 3}, {"optimizer": "adam"}, {"schedule": "cosine"}):
        changed = replace(config, **change, lr=2.0)
        mixed = [TrainingSession(BINARY, CIRCLE, config), TrainingSession(BINARY, CIRCLE, changed)]
        assert "more than the learning rate" in batch_refusal(mixed)
    ahead = sessions(BINARY, CIRCLE, config, (0.1, 1.0))
    ahead[0].step(3)
    assert "different steps" in batch_refusal(ahead)
    measuring = sessions(BINARY, CIRCLE, config, (0.1, 1.0))
    for session in measuring:  # TrainingConfig.sharpness_every, which issue 16's sharpness adds
        object.__setattr__(session.config, "sharpness_every", 5)
    assert "sharpness" in batch_refusal(measuring)
    monkeypatch.setattr(batched_training, "MAX_BATCH_BYTES", 1000)
    assert "memory" in batch_refusal(sessions(BINARY, CIRCLE, config, (0.1, 1.0)))
    with pytest.raises(ValueError, match="cannot train as one batch"):
        SessionBatch(sessions(BINARY, CIRCLE, config, (0.1,)))


def test_a_training_job_batches_compare_runs_and_its_runs_are_those_of_separate_sessions():
    config = TrainingConfig(steps=100)
    rates = (0.1, 1.0, 1e4)
    grid = (np.linspace(-1, 1, 5), np.linspace(-1, 1, 4))
    job = TrainingJob(sessions(BINARY, CIRCLE, config, rates), grid)
    assert job.batched
    job.advance()
    changed_at = job.sessions[0].step_count
    job.set_hyper(optimizer="adam", hyper={"beta1": 0.8})  # a new optimizer: bound again
    assert job.batched
    while job.advance():
        pass
    alone = sessions(BINARY, CIRCLE, config, rates)
    for session in alone:
        session.step(changed_at)
        session.set_hyper(optimizer="adam", hyper={"beta1": 0.8})
        session.run()
    assert_same_runs(alone, job.sessions)
    frame = job.snapshot()
    assert [run.verdict.regime for run in frame.runs] == [s.verdict.regime for s in alone]
    assert job.fresh_copy().batched


def test_runs_that_differ_in_more_than_the_rate_train_separately_in_a_job():
    grid = (np.linspace(-1, 1, 5), np.linspace(-1, 1, 4))
    runs = [
        TrainingSession(BINARY, CIRCLE, TrainingConfig(steps=50)),
        TrainingSession(BINARY, CIRCLE, TrainingConfig(steps=50, batch_size=50)),
    ]
    job = TrainingJob(runs, grid)
    assert not job.batched
    while job.advance():
        pass
    assert [s.step_count for s in runs] == [50, 50]


@pytest.mark.parametrize(
    ("spec", "data", "optimizer", "batch_size"),
    [(BINARY, CIRCLE, "momentum", 7), (BINARY, CIRCLE, "adam", 1), (REGRESSION, SINE, "adam", 30)],
)
def test_a_batch_gives_the_separate_runs_losses_and_weights_bit_for_bit(
    spec, data, optimizer, batch_size
):
    """Minibatches of odd sizes too: the stacked loss of binary runs must not depend on how a
    run's elements fall into the kernels' vectors (a stacked sigmoid would)."""
    config = TrainingConfig(optimizer=optimizer, steps=60, batch_size=batch_size)
    alone = run_alone(spec, data, config, (0.01, 0.1, 3.0))
    batched = sessions(spec, data, config, (0.01, 0.1, 3.0))
    train_batched(batched, chunk=37)
    assert_same_runs(alone, batched)


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        ({"hidden": ((8, "step"),)}, "step activation"),
        ({"hidden": ((8, "maxout"),)}, "maxout activation"),
        ({"features": ("x1^2", "x2^2")}, "input features"),
        ({"loss": "mse"}, "mismatched loss"),
        ({"dropout": 0.2}, "dropout"),
    ],
)
def test_model_options_the_batch_does_not_implement_train_run_by_run(options, reason):
    spec = replace(BINARY, **options)
    assert reason in batch_refusal(sessions(spec, CIRCLE, TrainingConfig(steps=5), (0.1, 1.0)))


def test_a_compare_job_of_a_network_with_model_options_trains_its_runs_exactly_as_alone():
    spec = replace(BINARY, hidden=((6, "maxout"),), features=("x1^2", "x2^2"), dropout=0.2)
    config = TrainingConfig(steps=40, batch_size=32)
    grid = (np.linspace(-1, 1, 5), np.linspace(-1, 1, 4))
    job = TrainingJob(sessions(spec, CIRCLE, config, (0.1, 1.0)), grid)
    assert not job.batched
    while job.advance():
        pass
    alone = run_alone(spec, CIRCLE, config, (0.1, 1.0))
    assert_same_runs(alone, job.sessions)


@pytest.mark.parametrize(
    ("hidden", "batch_size", "changes"),
    [
        (((16, "relu"),), 0, {}),
        (((8, "tanh"), (6, "sigmoid")), 7, {"weight_decay": 1e-3}),
        (((16, "relu"),), 32, {"schedule": "step", "step_size": 20}),
    ],
)
def test_plain_descent_of_binary_runs_is_stacked_and_gives_the_separate_runs_bit_for_bit(
    hidden, batch_size, changes
):
    """Whole minibatches and odd ones (element-wise ops per run), two hidden layers, weight
    decay, a schedule, and a rate that blows up and leaves the stacked batch."""
    spec = NetworkSpec.for_task("binary", 2, hidden=hidden)
    config = TrainingConfig(steps=STEPS, batch_size=batch_size, **changes)
    rates = (0.1, 2.0, 1e4)
    alone = run_alone(spec, CIRCLE, config, rates)
    batched = sessions(spec, CIRCLE, config, rates)
    batch = SessionBatch(batched)
    assert batch.stacked
    while not batch.finished:
        batch.step(64)
    assert_same_runs(alone, batched)
    assert batched[-1].verdict.regime == "diverged"


def test_rates_that_blow_up_a_step_apart_stop_alone_in_a_stacked_batch():
    """When one rate's loss turns NaN, another's weights may already be NaN with its loss
    still finite: the batch is rebuilt then, and must neither probe nor stack NaN weights
    (a sigmoid output of NaN made the probe's BCE raise, ending every run)."""
    spec = NetworkSpec.for_task("binary", 2, hidden=((8, "tanh"), (6, "sigmoid")))
    config = TrainingConfig(steps=STEPS, batch_size=7, weight_decay=1e-3)
    rates = (1.0, 1e10, 1e12)
    alone = run_alone(spec, CIRCLE, config, rates)
    batched = sessions(spec, CIRCLE, config, rates)
    train_batched(batched, chunk=64)
    assert_same_runs(alone, batched)
    assert batched[0].diverged_at is None and batched[0].step_count == STEPS
    assert batched[1].diverged_at != batched[2].diverged_at


def test_a_step_the_probe_finds_inexact_leaves_the_runs_on_the_generic_batch(monkeypatch):
    """The stacked step is used only where one step of it equals autograd's bit for bit on
    this machine: a backward op that rounds differently is caught before it trains."""
    inexact = dict(batched_training._ACTIVATIONS)
    inexact[nn.ReLU] = (torch.relu, lambda grad, output: grad * (output > 0) * 1.0000001)
    monkeypatch.setattr(batched_training, "_ACTIVATIONS", inexact)
    config = TrainingConfig(steps=50)
    batched = sessions(BINARY, CIRCLE, config, (0.1, 1.0))
    batch = SessionBatch(batched)
    assert not batch.stacked
    while not batch.finished:
        batch.step(20)
    alone = run_alone(BINARY, CIRCLE, config, (0.1, 1.0))
    assert_same_runs(alone, batched)


@pytest.mark.parametrize(
    ("spec", "optimizer", "reason"),
    [
        (BINARY, "momentum", "plain gradient descent"),
        (BINARY, "adam", "plain gradient descent"),
        (REGRESSION, "gd", "only binary networks"),
        (replace(BINARY, hidden=((8, "elu"),)), "gd", "ReLU, tanh or sigmoid"),
    ],
)
def test_what_the_stacked_step_does_not_write_out_takes_the_generic_batch(spec, optimizer, reason):
    data = SINE if spec.task == "regression" else CIRCLE
    runs = sessions(spec, data, TrainingConfig(optimizer=optimizer, steps=5), (0.1, 1.0))
    assert reason in stacked_refusal(runs)
    assert not SessionBatch(runs).stacked


def test_a_weight_set_by_hand_between_chunks_reaches_only_its_run_in_a_stacked_batch():
    """The runs' weights are views of the batch's stacked weights: an edit must reach the
    batch's next step and no other run."""
    config = TrainingConfig(steps=60)
    alone = sessions(BINARY, CIRCLE, config, (0.1, 1.0))
    batched = sessions(BINARY, CIRCLE, config, (0.1, 1.0))
    batch = SessionBatch(batched)
    assert batch.stacked
    for session in alone:
        session.step(20)
    batch.step(20)
    alone[1].set_weight(0, 2, 1, 0.75)
    batched[1].set_weight(0, 2, 1, 0.75)
    for session in alone:
        session.run()
    while not batch.finished:
        batch.step(20)
    assert_same_runs(alone, batched)
