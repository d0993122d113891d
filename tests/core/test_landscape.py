"""The loss landscape against theory: batched losses equal the model evaluated point by point,
PCA recovers a trajectory that lies in a known plane, filter normalisation scales each row,
and the job's refusals and notes."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from torch import nn

from gdsim.core import landscape
from gdsim.core.datasets import DatasetParams, make_dataset
from gdsim.core.landscape import (
    BatchedLoss,
    LandscapeError,
    LandscapeJob,
    LandscapeSettings,
    Plane,
    PlaneLoss,
    batched_losses,
    filter_normalized,
    make_plane,
    pca_directions,
)
from gdsim.core.lr_finder import network_dataset
from gdsim.core.network import NetworkSpec, build_model, loss_function
from gdsim.core.state import NetworkState
from gdsim.core.training import TrainingConfig, TrainingSession


def _direct(model: nn.Module, task: str, points: np.ndarray, x, y) -> np.ndarray:
    """The sequential loop: write each point into the model and evaluate it."""
    loss_fn = loss_function(task)
    out = []
    with torch.no_grad():
        for point in points:
            nn.utils.vector_to_parameters(
                torch.as_tensor(point, dtype=torch.float32), model.parameters()
            )
            out.append(float(loss_fn(model(x), y)))
    return np.array(out)


@pytest.mark.parametrize(
    ("dataset", "hidden"),
    [
        ("circle", ((8, "tanh"), (6, "relu"))),
        ("blobs", ((8, "gelu"),)),
        ("sine", ((8, "sigmoid"),)),
    ],
)
@pytest.mark.parametrize("force_vmap", [False, True])
def test_batched_losses_equal_direct_evaluation(dataset, hidden, force_vmap):
    data = make_dataset(DatasetParams(name=dataset, n=120))
    spec = NetworkSpec.for_task(data.task, data.input_dim, data.n_classes, hidden=hidden)
    model = build_model(spec)
    theta = nn.utils.parameters_to_vector(model.parameters()).detach().numpy().astype(float)
    shapes = [tuple(p.shape) for p in model.parameters()]
    rng = np.random.default_rng(1)
    directions = np.stack([filter_normalized(theta, shapes, rng) for _ in range(2)])
    plane = Plane("random", theta, directions, ((-1.0, 1.0), (-1.0, 1.0)))
    coords = plane.grid_coordinates(21)[[0, 7, 220, 440]]  # corners, inside, the centre
    points = plane.points(coords)
    batched = BatchedLoss(model, spec.task, data.x_train, data.y_train, force_vmap=force_vmap)
    assert batched.hand is not force_vmap
    expected = _direct(build_model(spec), spec.task, points, data.x_train, data.y_train)
    np.testing.assert_allclose(batched(points), expected, rtol=1e-5, atol=1e-6)


def _layer_norm_network():
    """A network with a layer neither batched path knows (LayerNorm): data, model, weights, and
    its batched loss."""
    data = make_dataset(DatasetParams(name="sine", n=60))
    model = nn.Sequential(nn.Linear(1, 6), nn.LayerNorm(6), nn.Tanh(), nn.Linear(6, 1))
    theta = nn.utils.parameters_to_vector(model.parameters()).detach().numpy().astype(float)
    return data, model, theta, BatchedLoss(model, "regression", data.x_train, data.y_train)


def test_a_layer_the_hand_path_does_not_know_goes_through_vmap():
    data, model, theta, batched = _layer_norm_network()
    points = theta + np.random.default_rng(0).normal(0, 0.3, (5, theta.size))
    assert not batched.hand
    expected = _direct(model, "regression", points, data.x_train, data.y_train)
    np.testing.assert_allclose(batched(points), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    ("dataset", "hidden", "dims"),
    [
        ("circle", ((8, "tanh"), (6, "relu")), 2),
        ("blobs", ((8, "gelu"),), 2),
        ("sine", ((8, "sigmoid"), (5, "leaky_relu")), 1),
    ],
)
def test_plane_losses_equal_direct_evaluation(dataset, hidden, dims):
    """The grid's path (weights linear in the plane's coordinates) on every task, with bias
    directions (PCA and line planes have them) and on a line."""
    data = make_dataset(DatasetParams(name=dataset, n=120))
    spec = NetworkSpec.for_task(data.task, data.input_dim, data.n_classes, hidden=hidden)
    model = build_model(spec)
    theta = nn.utils.parameters_to_vector(model.parameters()).detach().numpy().astype(float)
    directions = np.random.default_rng(2).normal(0, 0.5, (dims, theta.size))
    plane = Plane("pca", theta, directions, ((-1.0, 1.0),) * dims)
    coords = plane.grid_coordinates(21)[[0, 7, 13, 20]]
    grid = PlaneLoss(BatchedLoss(model, spec.task, data.x_train, data.y_train), plane)
    grid.chunk = 3  # chunks of unequal length
    assert grid.fast
    points = plane.points(coords)
    expected = _direct(build_model(spec), spec.task, points, data.x_train, data.y_train)
    np.testing.assert_allclose(grid(coords), expected, rtol=1e-5, atol=1e-6)


def test_plane_losses_of_a_layer_the_plane_path_does_not_know_go_through_vmap():
    data, model, theta, batched = _layer_norm_network()
    directions = np.random.default_rng(0).normal(0, 0.3, (2, theta.size))
    plane = Plane("pca", theta, directions, ((-1.0, 1.0), (-1.0, 1.0)))
    coords = plane.grid_coordinates(21)[[0, 100, 440]]
    grid = PlaneLoss(batched, plane)
    assert not grid.fast
    expected = _direct(model, "regression", plane.points(coords), data.x_train, data.y_train)
    np.testing.assert_allclose(grid(coords), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("labels", [[0.0, 1.0, 1.0, 0.0], [0.2, 1.0, 0.7, 0.0]])
def test_binary_losses_equal_bce_for_hard_and_soft_labels(labels):
    """Hard labels take a shorter formula; both equal BCELoss, saturated outputs included."""
    output = torch.tensor([[0.3, 1.0, 0.0, 0.0], [0.9, 0.5, 1e-30, 1.0]]).unsqueeze(2)
    y = torch.tensor(labels).unsqueeze(1)
    expected = [float(nn.BCELoss()(row, y)) for row in output]
    np.testing.assert_allclose(batched_losses(output, y, "binary"), expected, rtol=1e-6)


def test_filter_normalisation_scales_each_row_and_zeroes_biases():
    shapes = [(5, 3), (5,), (2, 5), (2,)]
    theta = np.random.default_rng(0).normal(size=sum(np.prod(s) for s in shapes))
    d = filter_normalized(theta, shapes, np.random.default_rng(1))
    w1, _b1, w2, _b2 = np.split(theta, [15, 20, 30])
    d1, db1, d2, db2 = np.split(d, [15, 20, 30])
    np.testing.assert_allclose(
        np.linalg.norm(d1.reshape(5, 3), axis=1), np.linalg.norm(w1.reshape(5, 3), axis=1)
    )
    np.testing.assert_allclose(
        np.linalg.norm(d2.reshape(2, 5), axis=1), np.linalg.norm(w2.reshape(2, 5), axis=1)
    )
    assert not db1.any() and not db2.any()


def test_pca_recovers_a_trajectory_that_lies_in_a_plane():
    rng = np.random.default_rng(3)
    size = 40
    basis, _ = np.linalg.qr(rng.normal(size=(size, 2)))
    center = rng.normal(size=size)
    t = np.linspace(0, 1, 60)
    coords = np.column_stack([3 * np.cos(4 * t) * (1 - t), 0.7 * np.sin(5 * t) * (1 - t)])
    iterates = center + coords @ basis.T
    _directions, explained = pca_directions(iterates, center, 2)
    assert explained.sum() == pytest.approx(1.0, abs=1e-12) and explained[0] > explained[1]
    settings = LandscapeSettings(plane="pca")
    plane = make_plane(settings, [(size,)], iterates[0], center, [iterates], seed=0)
    projected = plane.coordinates(iterates)
    np.testing.assert_allclose(plane.points(projected), iterates, atol=1e-10)
    # The PCA axes are the plane's axes up to rotation: distances are preserved.
    np.testing.assert_allclose(np.linalg.norm(projected, axis=1), np.linalg.norm(coords, axis=1))
    assert plane.explained == pytest.approx(tuple(explained))


def test_pca_refuses_a_trajectory_that_spans_no_plane():
    with pytest.raises(LandscapeError, match="hardly moved"):
        pca_directions(np.zeros((10, 4)), np.zeros(4), 2)


def _state(**training) -> NetworkState:
    config = TrainingConfig(steps=training.pop("steps", 40), **training)
    return NetworkState(dataset=DatasetParams(n=80), training=config)


def test_line_runs_from_the_initial_to_the_final_weights():
    frame = LandscapeJob(_state(), LandscapeSettings(dims=1, plane="line", grid=21)).run()
    run = frame.runs[0]
    assert run.coords[0, 0] == pytest.approx(0.0, abs=1e-6)
    assert run.coords[-1, 0] == pytest.approx(1.0, abs=1e-6)
    assert frame.alphas[0] == pytest.approx(-0.5) and frame.alphas[-1] == pytest.approx(1.5)
    assert frame.losses.shape == (21,) and frame.refined
    assert frame.center_loss == pytest.approx(run.losses[-1], rel=1e-6)
    assert frame.explained is None


def test_compare_mode_refuses_pca_and_puts_every_run_on_one_plane():
    state = NetworkState(
        dataset=DatasetParams(n=80), compare=True, training=TrainingConfig(steps=30)
    )
    with pytest.raises(LandscapeError, match="compare mode"):
        LandscapeJob(state, LandscapeSettings(plane="pca"))
    frame = LandscapeJob(state, LandscapeSettings(grid=21)).run()
    assert len(frame.runs) == state.run_count and frame.losses.shape == (21, 21)
    assert [run.lr for run in frame.runs] == list(state.compare_lrs)


def test_a_batch_size_compare_draws_each_run_trained_as_its_own_setting_says():
    """Full batch and SGD on one plane, named by their batch size; a compare whose runs are
    different networks (activation, depth, loss) has no one landscape and is refused."""
    state = NetworkState(
        dataset=DatasetParams(n=80),
        compare=True,
        compare_setting="batch_size",
        compare_values=(0, 1),
        training=TrainingConfig(steps=30),
    )
    frame = LandscapeJob(state, LandscapeSettings(grid=21)).run()
    assert [run.name for run in frame.runs] == ["full batch (GD)", "batch 1 (SGD)"]
    data = network_dataset(state)
    for compared, run in zip(state.runs(), frame.runs, strict=True):
        session = TrainingSession(compared.spec, data, compared.config)
        session.step(30)
        final = session.loss_fn(session.model(data.x_train), data.y_train).item()
        assert run.losses[-1] == pytest.approx(final, rel=1e-4)  # each run as trained alone
    assert run.losses[-1] != pytest.approx(frame.runs[0].losses[-1], rel=1e-3)
    by_activation = replace(state, compare_setting="activation", compare_values=("relu", "tanh"))
    with pytest.raises(LandscapeError, match="compare by activation trains different networks"):
        LandscapeJob(by_activation, LandscapeSettings(grid=21))


def test_a_diverged_run_is_drawn_up_to_its_last_finite_loss():
    spec = NetworkSpec.for_task("regression", 1, 1, hidden=((8, "tanh"),))
    state = NetworkState(
        dataset=DatasetParams(name="sine", n=80),
        network=spec,
        compare=True,
        compare_lrs=(0.1, 10.0),
        training=TrainingConfig(steps=30),
        selected=1,
    )
    frame = LandscapeJob(state, LandscapeSettings(grid=21)).run()
    diverged = frame.runs[1]
    assert diverged.diverged_at is not None and np.isfinite(diverged.losses).all()
    assert np.isfinite(frame.center_loss) and np.isfinite(frame.losses).any()
    assert any("diverged at step" in note for note in frame.notes)


def test_validation_loss_needs_validation_points():
    state = NetworkState(dataset=DatasetParams(n=80, val_fraction=0.0))
    with pytest.raises(LandscapeError, match="no validation points"):
        LandscapeJob(state, LandscapeSettings(loss="validation"))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"grid": 20}, "21 to 101"),
        ({"plane": "line"}, "is 1D"),
        ({"dims": 3}, "1 or 2"),
        ({"loss": "test"}, "train or validation"),
    ],
)
def test_bad_settings_are_one_line(kwargs, message):
    with pytest.raises(LandscapeError, match=message):
        LandscapeSettings(**kwargs)


def test_a_run_whose_loss_blew_up_is_diverged_as_training_says():
    """η = 100 kills the ReLUs at once: the weights stay finite, the loss jumps 0.7 → 50."""
    state = _state(lr=100.0, steps=200)
    frame = LandscapeJob(state, LandscapeSettings(grid=21)).run()
    assert frame.runs[0].diverged_at == 1
    assert frame.notes == ("η = 100 diverged at step 1: its loss blew up.",)
    with pytest.raises(LandscapeError) as error:
        LandscapeJob(state, LandscapeSettings(plane="pca", grid=21)).run()
    assert str(error.value).startswith("the run diverged at step 1: too few distinct iterates")


def test_iterates_are_evenly_spaced_up_to_the_final_step():
    frame = LandscapeJob(_state(steps=250), LandscapeSettings(dims=1, grid=21)).run()
    steps = frame.runs[0].steps
    assert steps[-1] == 250 and len(steps) <= 200
    assert set(np.diff(steps)) == {2}


def test_the_grid_is_evaluated_on_every_core_and_the_worker_keeps_its_one_thread(monkeypatch):
    """A 51x51 plane took 175 ms on the worker's one torch thread and 68 ms on two."""
    seen: list[int] = []
    evaluate = PlaneLoss.chunk_losses

    def recording(self, coords):
        seen.append(torch.get_num_threads())
        return evaluate(self, coords)

    monkeypatch.setattr(PlaneLoss, "chunk_losses", recording)
    monkeypatch.setattr(landscape, "GRID_THREADS", 2)
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        LandscapeJob(_state(), LandscapeSettings(grid=21)).run()
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
    assert seen[-1] == 2
