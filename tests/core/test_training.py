"""TrainingSession: the lecture example learns, a huge step size diverges without an
exception, live changes act at the next step without resetting the weights, runs repeat bit for
bit, memory stays bounded, and snapshots report what the model really does."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from torch import nn

from gdsim.core.datasets import DATASETS, DatasetParams, make_dataset
from gdsim.core.network import NetworkSpec, build_model
from gdsim.core.optimizers import OPTIMIZERS
from gdsim.core.training import (
    MAX_LEARNING_RATE,
    ConfigError,
    LossHistory,
    ThinnedRecord,
    TrainingConfig,
    TrainingSession,
    batch_indices,
    compare_learning_rates,
    configs_for_rates,
    parse_learning_rates,
)
from gdsim.core.verdict import Regime


def session_for(name: str, hidden=((16, "relu"),), n: int = 200, **config) -> TrainingSession:
    data = make_dataset(DatasetParams(name=name, n=n))
    spec = NetworkSpec.for_task(data.task, data.input_dim, data.n_classes, hidden=hidden)
    return TrainingSession(spec, data, TrainingConfig(**config))


@pytest.mark.parametrize("name", ["circle", "xor"])
def test_lecture_example_learns_circle_and_xor(name):
    session = session_for(name, lr=1.0, steps=500)
    session.run()
    snap = session.snapshot()
    assert session.finished and snap.step == 500 and snap.diverged_at is None
    assert snap.train_metric >= 0.95 and snap.val_metric >= 0.9
    assert snap.train_loss < 0.15 < session.history.arrays()[1][0]
    assert session.verdict.regime in (Regime.CONVERGED, Regime.SLOW)


def test_softmax_network_separates_blobs():
    session = session_for("blobs", lr=0.5, steps=400)
    session.run()
    assert session.snapshot().val_metric >= 0.9


def test_huge_learning_rate_on_regression_stops_at_the_non_finite_step():
    session = session_for("sine", lr=1e3, steps=500)
    losses = session.step(500)
    assert session.finished and session.diverged_at is not None
    assert session.diverged_at == len(losses) - 1 < 500
    assert np.all(np.isfinite(losses[:-1])) and not np.isfinite(losses[-1])
    verdict = session.verdict
    assert verdict.regime == Regime.DIVERGED and verdict.step == session.diverged_at
    assert session.step(10).size == 0
    assert session.snapshot().diverged_at == session.diverged_at


def test_huge_learning_rate_on_a_sigmoid_network_is_judged_diverged():
    """BCE on a saturated sigmoid stays finite, but the loss grows far above its start."""
    session = session_for("circle", lr=1e3, steps=100)
    session.run()
    assert session.verdict.regime == Regime.DIVERGED


@pytest.mark.parametrize("lr", [1e10, 1e30, 3e38])
@pytest.mark.parametrize("name", list(DATASETS))
def test_absurd_learning_rates_diverge_on_every_dataset_without_an_exception(name, lr):
    """NaN outputs made BCELoss raise instead of the run being reported as diverged."""
    session = session_for(name, hidden=((8, "relu"), (8, "tanh")), n=60, lr=lr, steps=40)
    session.run()
    assert session.verdict.regime == Regime.DIVERGED
    assert session.snapshot().step == session.step_count


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_every_optimizer_reports_divergence_on_a_sigmoid_output(optimizer):
    session = session_for("moons", n=60, optimizer=optimizer, lr=1e30, steps=40)
    session.run()
    assert session.verdict.regime == Regime.DIVERGED
    assert session.diverged_at is not None and session.step(1).size == 0


def test_adam_rates_just_below_the_float32_limit_diverge_instead_of_overflowing():
    """Adam's first step is lr / (1 - beta1): the config refuses the rates whose step torch
    cannot store in float32 and accepts those just below, which then diverge like any other."""
    limit = MAX_LEARNING_RATE * (1 - 0.9)
    with pytest.raises(ConfigError):
        TrainingConfig(optimizer="adam", lr=limit * (1 + 1e-12))
    session = session_for("sine", n=30, optimizer="adam", lr=limit * (1 - 1e-12), steps=5)
    session.run()
    assert session.verdict.regime == Regime.DIVERGED


def reference_sgd_losses(session: TrainingSession, lrs: list[float]) -> list[float]:
    """The canonical loop by hand, full batch, lr per step as given."""
    model = build_model(session.spec)
    optimizer = torch.optim.SGD(model.parameters(), lr=lrs[0])
    loss_fn = nn.BCELoss()
    losses = []
    for lr in lrs:
        optimizer.param_groups[0]["lr"] = lr
        optimizer.zero_grad()
        loss = loss_fn(model(session.dataset.x_train), session.dataset.y_train)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def test_set_lr_takes_effect_at_the_next_step_and_keeps_the_weights():
    session = session_for("circle", lr=0.5, steps=100)
    first = session.step(20)
    weights = session.parameters_numpy()
    session.set_lr(2.0)
    assert np.array_equal(session.parameters_numpy(), weights)
    assert session.lr == 2.0 and session.snapshot().lr == 2.0
    second = session.step(5)
    expected = reference_sgd_losses(session, [0.5] * 20 + [2.0] * 5)
    assert np.concatenate([first, second]).tolist() == expected


def test_set_hyper_keeps_adam_moments_and_matches_torch():
    session = session_for("circle", optimizer="adam", lr=0.01, steps=50)
    first = session.step(10)
    session.set_hyper(hyper={"beta1": 0.5}, lr=0.02)
    second = session.step(10)

    model = build_model(session.spec)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for step in range(20):
        if step == 10:
            optimizer.param_groups[0].update(betas=(0.5, 0.999), lr=0.02)
        optimizer.zero_grad()
        loss = nn.BCELoss()(model(session.dataset.x_train), session.dataset.y_train)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert np.concatenate([first, second]).tolist() == losses


def test_hyper_parameters_come_from_the_optimizer_registry():
    """A config holds every hyper-parameter of its optimizer (defaults filled in), and the
    torch optimizer it builds gets them, weight decay beside them."""
    config = TrainingConfig(optimizer="adam", hyper={"beta1": 0.5}, weight_decay=0.01)
    assert config.hyper == {"beta1": 0.5, "beta2": 0.999, "eps": 1e-8, "amsgrad": 0.0}
    assert config == TrainingConfig(optimizer="adam", hyper={**config.hyper}, weight_decay=0.01)
    session = session_for("circle", optimizer="adam", hyper={"beta1": 0.5}, weight_decay=0.01)
    group = session.optimizer.param_groups[0]
    assert group["betas"] == (0.5, 0.999) and group["weight_decay"] == 0.01


def test_switching_optimizer_mid_run_keeps_the_weights():
    session = session_for("circle", lr=0.5, steps=50)
    session.step(10)
    weights = session.parameters_numpy()
    session.set_hyper(optimizer="adam", lr=0.01)
    assert isinstance(session.optimizer, torch.optim.Adam)
    assert session.config.hyper == OPTIMIZERS["adam"].defaults
    assert np.array_equal(session.parameters_numpy(), weights)
    session.step(1)
    assert not np.array_equal(session.parameters_numpy(), weights)


def test_live_changes_are_validated():
    session = session_for("circle", steps=10)
    with pytest.raises(ConfigError, match="learning rate"):
        session.set_lr(float("inf"))
    with pytest.raises(ConfigError, match="seed cannot change"):
        session.set_hyper(seed=5)
    with pytest.raises(ConfigError, match="unknown training setting"):
        session.set_hyper(colour=1)
    assert session.config.lr == 1.0


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_same_seed_same_run_bit_for_bit(optimizer):
    config = {"optimizer": optimizer, "lr": 0.05, "batch_size": 16, "steps": 30, "seed": 4}
    a = session_for("moons", **config)
    b = session_for("moons", **config)
    assert np.array_equal(a.step(30), b.step(30))
    assert np.array_equal(a.parameters_numpy(), b.parameters_numpy())
    c = session_for("moons", **{**config, "seed": 5})
    assert not np.array_equal(a.history.arrays()[1], c.step(30))


def test_minibatches_visit_every_point_once_per_epoch():
    batches = batch_indices(10, 4, torch.Generator().manual_seed(0))
    epoch = [next(batches) for _ in range(3)]
    assert [len(b) for b in epoch] == [4, 4, 2]
    assert sorted(torch.cat(epoch).tolist()) == list(range(10))
    assert next(batch_indices(10, 0, torch.Generator())) is None


def test_snapshot_epoch_and_norms():
    session = session_for("circle", batch_size=32, steps=100)  # 160 training points
    session.step(10)
    snap = session.snapshot()
    assert snap.step == 10 and snap.epoch == pytest.approx(2.0)
    assert snap.param_norm == pytest.approx(float(np.linalg.norm(session.parameters_numpy())))
    assert snap.grad_norm > 0
    assert session.snapshot() is snap


def test_snapshot_accuracy_and_r2_agree_with_predictions():
    session = session_for("xor", lr=1.0, steps=200)
    session.run()
    data = session.dataset
    predicted = session.predict(data.x_val.numpy()) > 0.5
    accuracy = np.mean(predicted == (data.y_val[:, 0].numpy() == 1))
    assert session.snapshot().val_metric == pytest.approx(accuracy)

    regression = session_for("plane", hidden=(), lr=0.1, steps=300)
    regression.run()
    y = regression.dataset.y_val[:, 0].numpy()
    fitted = regression.predict(regression.dataset.x_val.numpy())
    r2 = 1 - np.sum((y - fitted) ** 2) / np.sum((y - y.mean()) ** 2)
    snap = regression.snapshot()
    assert snap.metric_name == "r2" and snap.val_metric == pytest.approx(r2, rel=1e-5)
    assert snap.val_metric > 0.9  # a plane is fitted by linear regression


def test_predict_grid_orientation_and_outputs():
    session = session_for("circle", steps=10)
    xs, ys = np.linspace(-1, 1, 5), np.linspace(-2, 2, 3)
    grid = session.predict_grid(xs, ys)
    assert grid.shape == (3, 5) and np.all((grid >= 0) & (grid <= 1))
    assert grid[2, 1] == pytest.approx(session.predict(np.array([[xs[1], ys[2]]]))[0])

    blobs = session_for("blobs", steps=10)
    classes = blobs.predict_grid(xs, ys)
    assert set(np.unique(classes)) <= {0.0, 1.0, 2.0}
    assert blobs.predict(np.zeros((4, 2))).sum(axis=1) == pytest.approx(np.ones(4))

    curve = session_for("sine", steps=10).predict_grid(np.linspace(-3, 3, 7))
    assert curve.shape == (7,)


def test_learning_rate_schedules():
    config = TrainingConfig(lr=0.4, schedule="step", step_size=10, gamma=0.5, steps=100)
    assert [config.lr_at(s) for s in (0, 9, 10, 25)] == [0.4, 0.4, 0.2, 0.1]
    cosine = TrainingConfig(lr=1.0, schedule="cosine", steps=100)
    assert cosine.lr_at(0) == 1.0 and cosine.lr_at(50) == pytest.approx(0.5)
    assert cosine.lr_at(100) == pytest.approx(0.0, abs=1e-12)
    warm = TrainingConfig(lr=1.0, schedule="warmup", warmup_steps=4)
    assert [warm.lr_at(s) for s in range(5)] == [0.25, 0.5, 0.75, 1.0, 1.0]

    session = session_for("circle", lr=0.4, schedule="step", step_size=10, gamma=0.5)
    session.step(10)
    assert session.optimizer.param_groups[0]["lr"] == 0.4 and session.lr == 0.2
    session.step(1)
    assert session.optimizer.param_groups[0]["lr"] == 0.2


def test_loss_history_stays_bounded_over_a_million_steps():
    history = LossHistory(capacity=32768, recent=4096)
    for step in range(1_000_000):
        history.append(float(step))
    steps, values = history.arrays()
    assert len(history) == 1_000_000 and len(steps) <= 32768 + 4096
    assert np.array_equal(steps, values.astype(np.int64))
    assert steps[0] == 0 and np.all(np.diff(steps) > 0)
    assert np.array_equal(steps[-4096:], np.arange(1_000_000 - 4096, 1_000_000))
    assert np.all(np.diff(steps[:-4096]) == history.stride)


def test_thinned_record_keeps_even_spacing():
    record: ThinnedRecord[int] = ThinnedRecord(capacity=4, every=1, stretch=True)
    for step in range(20):
        if record.wants(step):
            record.append(step, step)
    kept = [s for s, _ in record.items()]
    assert len(kept) <= 4 and np.ptp(np.diff(kept)) == 0 and record.every > 1


def test_parameter_trajectory_is_recorded_every_k_steps():
    data = make_dataset(DatasetParams(name="circle", n=50))
    session = TrainingSession(NetworkSpec(), data, TrainingConfig(steps=20), record_params_every=5)
    initial = session.parameters_numpy()
    session.run()
    steps, weights = session.param_trajectory()
    assert steps.tolist() == [0, 5, 10, 15, 20]
    assert np.array_equal(weights[0], initial)
    assert np.array_equal(weights[-1], session.parameters_numpy())
    assert session_for("circle", steps=5).param_trajectory()[1].shape == (0, 0)


def test_compare_learning_rates_starts_all_runs_from_the_same_weights():
    data = make_dataset(DatasetParams(name="sine", n=100))
    spec = NetworkSpec.for_task("regression", 1, hidden=((16, "tanh"),))
    runs = compare_learning_rates(spec, data, TrainingConfig(steps=150), [1e-3, 0.1, 100.0])
    first_losses = {run.history.arrays()[1][0] for run in runs}
    assert len(first_losses) == 1
    too_small, right, way_too_big = runs
    assert right.snapshot().train_loss < 0.5 * too_small.snapshot().train_loss
    assert way_too_big.verdict.regime == Regime.DIVERGED


def test_mismatched_network_and_dataset_are_refused():
    data = make_dataset(DatasetParams(name="sine"))
    with pytest.raises(ConfigError, match="takes 2 input"):
        TrainingSession(NetworkSpec(), data, TrainingConfig())
    with pytest.raises(ConfigError, match="built for a binary task"):
        TrainingSession(NetworkSpec(input_dim=1), data, TrainingConfig())


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"optimizer": "lbfgs"}, "unknown optimizer"),
        ({"optimizer": "adma"}, r"choose one of gd, .*, adamw \(did you mean adam\?\)"),
        ({"schedule": "cosin"}, r"\(did you mean cosine\?\)"),
        ({"lr": 0.0}, "learning rate"),
        ({"lr": float("nan")}, "learning rate"),
        ({"lr": 1e300}, "rate 1e300 is too large: torch trains in float32, which stops at 3.4e38$"),
        ({"optimizer": "adam", "lr": 3e38}, "too large for Adam: .* up to 3.4e\\+37"),
        ({"optimizer": "adamw", "lr": 1e36, "weight_decay": 1e3}, "too large for AdamW"),
        ({"batch_size": -1}, "batch size"),
        ({"optimizer": "momentum", "hyper": {"momentum": 1.0}}, "momentum β must lie between"),
        ({"hyper": {"momentum": 0.9}}, "Gradient descent has no hyper-parameter 'momentum'"),
        ({"optimizer": "adam", "hyper": {"amsgrad": 0.5}}, "AMSGrad is a switch"),
        ({"optimizer": "nesterov", "hyper": {"momentum": 0.0}}, "β must lie between 0.01 and"),
        ({"schedule": "cyclic"}, "unknown schedule"),
        ({"steps": 0}, "steps"),
    ],
)
def test_bad_training_configs_raise_one_line_errors(fields, message):
    with pytest.raises(ConfigError, match=message) as caught:
        TrainingConfig(**fields)
    assert "\n" not in str(caught.value)


def test_weight_decay_shrinks_weights():
    plain = session_for("circle", lr=0.5, steps=200)
    decayed = session_for("circle", lr=0.5, steps=200, weight_decay=0.05)
    plain.run()
    decayed.run()
    assert decayed.snapshot().param_norm < plain.snapshot().param_norm
    assert replace(decayed.config, weight_decay=0.0) == plain.config


def test_configs_for_rates_refuse_a_setting_any_rate_cannot_train_with():
    """Adam's first step is lr / (1 - beta1): at 1e38 it overflows float32, at 0.1 it does not,
    so the whole set is refused (compare mode changes all its runs or none)."""
    adam = TrainingConfig(optimizer="adam")
    assert [c.lr for c in configs_for_rates(adam, [0.1, 1.0])] == [0.1, 1.0]
    with pytest.raises(ConfigError, match="1e\\+38 is too large for Adam"):
        configs_for_rates(adam, [0.1, 1e38])
    assert [c.optimizer for c in configs_for_rates(TrainingConfig(), [0.1, 1e38])] == ["gd"] * 2


@pytest.mark.parametrize("typed", ["0.1 2 6 10", "0.1;2; 6,10", "0.1, 2 ,6  10"])
def test_learning_rates_are_typed_as_on_the_command_line(typed):
    assert parse_learning_rates(typed, 8) == [0.1, 2.0, 6.0, 10.0]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0.1, fast", "must be numbers separated by commas or spaces: '0.1, fast'"),
        ("", "give 1 to 3 learning rates above 0"),
        ("1 2 3 4", "give 1 to 3 learning rates above 0"),
        ("0.1 -1", "give 1 to 3 learning rates above 0"),
        ("0.1 1e300", "rate 1e300 is too large: torch trains in float32"),
    ],
)
def test_bad_learning_rate_lists_raise_one_line_errors(typed, message):
    with pytest.raises(ConfigError, match=message):
        parse_learning_rates(typed, 3)
