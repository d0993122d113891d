"""The session's lean step (`lean_forward`, `session_optimizer`, gradients set to None by
hand) gives the canonical loop's bits: every step's loss and the final weights equal those of
the lecture's loop (`optimizer.zero_grad()`, `model(x)`, loss, backward, step) with torch's
default optimizer, for every optimizer, activation, task and batch mode the app offers."""

from __future__ import annotations

import pytest
import torch

from gdsim.core.datasets import DatasetParams, make_dataset
from gdsim.core.network import NetworkSpec, build_model, loss_function, training_output
from gdsim.core.optimizers import OPTIMIZERS
from gdsim.core.training import TrainingConfig, TrainingSession, batch_indices, build_optimizer

STEPS = 25


def canonical(session: TrainingSession) -> tuple[list[float], list[torch.Tensor]]:
    """The lecture's loop on a fresh copy of the session's model, data order and optimizer."""
    spec, config, data = session.spec, session.config, session.dataset
    model = build_model(spec, dropout_seed=config.seed)
    loss_fn = loss_function(spec.task, spec.loss)
    optimizer = build_optimizer(model.parameters(), config)
    batches = batch_indices(len(data.x_train), config.batch_size, torch.Generator().manual_seed(0))
    losses = []
    for _ in range(config.steps):
        index = next(batches)
        x, y = data.x_train, data.y_train
        xb, yb = (x, y) if index is None else (x[index], y[index])
        optimizer.zero_grad()
        loss = loss_fn(training_output(model, xb), yb)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses, [p.detach().clone() for p in model.parameters()]


def assert_same_bits(session: TrainingSession) -> None:
    losses = session.step(session.config.steps).tolist()
    expected_losses, expected_weights = canonical(session)
    assert losses == expected_losses
    for weight, expected in zip(session.model.parameters(), expected_weights, strict=True):
        assert torch.equal(weight.detach(), expected)


def session_for(
    dataset: str = "circle",
    hidden: tuple[tuple[int, str], ...] = ((8, "relu"), (8, "tanh")),
    dropout: float = 0.0,
    **config: object,
) -> TrainingSession:
    data = make_dataset(DatasetParams(name=dataset, n=120))
    spec = NetworkSpec.for_task(
        data.task, data.input_dim, data.n_classes, hidden=hidden, dropout=dropout
    )
    return TrainingSession(spec, data, TrainingConfig(steps=STEPS, **config))


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize("batch_size", [None, 16])
def test_every_optimizer_full_batch_and_minibatch_gives_the_canonical_bits(optimizer, batch_size):
    lr = 0.5 if optimizer in ("gd", "momentum", "nesterov") else 0.02
    assert_same_bits(
        session_for(optimizer=optimizer, lr=lr, batch_size=batch_size, weight_decay=0.01)
    )


@pytest.mark.parametrize(
    ("optimizer", "hyper"),
    [
        ("rmsprop", {"momentum": 0.5, "centered": 1.0}),
        ("adam", {"amsgrad": 1.0, "beta1": 0.5}),
        ("momentum", {"dampening": 0.3}),
    ],
)
def test_optimizer_options_give_the_canonical_bits(optimizer, hyper):
    assert_same_bits(session_for(optimizer=optimizer, hyper=hyper, lr=0.05))


@pytest.mark.parametrize(
    ("dataset", "hidden", "dropout"),
    [
        ("spiral", (("leaky_relu", 8), ("maxout", 6)), 0.0),  # multiclass, forward() modules
        ("sine", (("sigmoid", 8), ("linear", 4), ("gelu", 4)), 0.0),  # regression, Identity
        ("circle", (("relu", 8),), 0.3),  # dropout keeps training_output
    ],
)
def test_every_kind_of_layer_and_task_gives_the_canonical_bits(dataset, hidden, dropout):
    layers = tuple((width, name) for name, width in hidden)
    assert_same_bits(session_for(dataset, layers, dropout, lr=0.1, batch_size=32))
