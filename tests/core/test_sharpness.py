"""Sharpness: the top Hessian eigenvalue against exact ones, its tracking during training, and
the edge of stability on the lesson's network (the sharpness settles at 2/η)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
import scipy.sparse.linalg
import torch
from torch import nn

from gdsim.core.codegen import export_script
from gdsim.core.datasets import DatasetParams, make_dataset
from gdsim.core.lessons import load_lesson, state_at
from gdsim.core.network import NetworkSpec
from gdsim.core.sharpness import (
    stability_line,
    stability_threshold,
    top_hessian_eigenvalue,
    tracking_cost_text,
)
from gdsim.core.state import AppState, NetworkState, StateError
from gdsim.core.training import ConfigError, TrainingConfig, TrainingSession
from gdsim.resources import LESSONS


def _linear_problem(seed: int = 0) -> tuple[nn.Linear, torch.Tensor, torch.Tensor, np.ndarray]:
    """A linear model with MSE: its Hessian over (weights, bias) is (2/n) AᵀA, A = [X, 1]."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((50, 3)) * np.array([3.0, 1.0, 0.3])
    y = rng.standard_normal((50, 1))
    model = nn.Linear(3, 1)
    a = np.hstack([x, np.ones((50, 1))])
    exact = np.linalg.eigvalsh(2.0 / 50 * a.T @ a)[-1]
    return model, torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32), exact


def test_the_sharpness_of_a_quadratic_loss_is_its_exact_top_hessian_eigenvalue() -> None:
    model, x, y, exact = _linear_problem()
    measured = top_hessian_eigenvalue(model, nn.MSELoss(), x, y, tol=1e-7)
    assert measured.value == pytest.approx(exact, rel=1e-4)


def test_a_network_s_sharpness_agrees_with_scipy_lanczos_on_the_same_products() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(1, 8), nn.Tanh(), nn.Linear(8, 1))
    x = torch.linspace(-3, 3, 40)[:, None]
    y = torch.sin(x)
    params = list(model.parameters())
    n = sum(p.numel() for p in params)

    def hessian_times(v: np.ndarray) -> np.ndarray:
        grads = torch.autograd.grad(nn.MSELoss()(model(x), y), params, create_graph=True)
        flat = torch.cat([g.reshape(-1) for g in grads])
        vector = torch.tensor(np.ravel(v), dtype=torch.float32)
        products = torch.autograd.grad(flat, params, grad_outputs=vector)
        return torch.cat([p.reshape(-1) for p in products]).double().numpy()

    operator = scipy.sparse.linalg.LinearOperator((n, n), matvec=hessian_times)
    lanczos = scipy.sparse.linalg.eigsh(operator, k=1, which="LA", return_eigenvectors=False)[0]
    measured = top_hessian_eigenvalue(model, nn.MSELoss(), x, y, iterations=200, tol=1e-7)
    assert measured.value == pytest.approx(lanczos, rel=1e-3)


def test_a_warm_start_needs_fewer_products_and_gradients_are_left_alone() -> None:
    model, x, y, exact = _linear_problem()
    cold = top_hessian_eigenvalue(model, nn.MSELoss(), x, y)
    warm = top_hessian_eigenvalue(model, nn.MSELoss(), x, y, start=cold.vector)
    assert warm.iterations < cold.iterations
    assert warm.value == pytest.approx(exact, rel=1e-3)
    assert all(p.grad is None for p in model.parameters())


def test_non_finite_weights_give_nan_and_never_raise() -> None:
    model, x, y, _ = _linear_problem()
    with torch.no_grad():
        model.weight[0, 0] = math.nan
    assert math.isnan(top_hessian_eigenvalue(model, nn.MSELoss(), x, y).value)
    huge = nn.Sequential(nn.Linear(3, 1), nn.Sigmoid())
    with torch.no_grad():
        huge[0].bias.fill_(math.inf)
    labels = (y > 0).float()
    assert math.isnan(top_hessian_eigenvalue(huge, nn.BCELoss(), x, labels).value)


@pytest.mark.parametrize(
    ("optimizer", "momentum", "expected"),
    [("gd", 0.0, 20.0), ("momentum", 0.9, 38.0), ("nesterov", 0.9, None), ("adam", 0.0, None)],
)
def test_the_stability_line_is_2_over_eta_for_gd_and_2_1_plus_beta_over_eta_for_heavy_ball(
    optimizer: str, momentum: float, expected: float | None
) -> None:
    threshold = stability_threshold(optimizer, 0.1, momentum)
    assert threshold == (None if expected is None else pytest.approx(expected))


def _eos_state(steps: int, every: int) -> NetworkState:
    lesson = load_lesson(LESSONS / "09_edge_of_stability.json")
    network = state_at(AppState(), lesson, 0).network
    training = network.training
    return NetworkState(
        dataset=network.dataset,
        network=network.network,
        training=TrainingConfig(
            optimizer=training.optimizer, lr=training.lr, steps=steps, sharpness_every=every
        ),
    )


def test_tracking_records_every_k_steps_from_step_0_and_is_off_by_default() -> None:
    state = _eos_state(steps=30, every=10)
    dataset = make_dataset(state.dataset)
    tracked = TrainingSession(state.network, dataset, state.training)
    tracked.run()
    steps, values = tracked.sharpness()
    assert steps.tolist() == [0, 10, 20, 30]
    assert np.all(values > 0)
    plain = TrainingSession(state.network, dataset, TrainingConfig(lr=0.1, steps=30))
    plain.run()
    assert plain.sharpness()[0].size == 0
    assert plain.history.arrays()[1] == pytest.approx(tracked.history.arrays()[1])


@pytest.mark.parametrize("every", [-1, 2.5, True])
def test_a_bad_tracking_interval_is_refused_in_one_line(every: object) -> None:
    with pytest.raises(ConfigError, match="sharpness every must be a whole number"):
        TrainingConfig(sharpness_every=every)  # type: ignore[arg-type]


def test_on_the_lesson_s_network_the_sharpness_settles_at_2_over_eta() -> None:
    """Cohen et al. 2021 on 1-32-32-1 tanh, full-batch GD, η = 0.1: measured here, the
    sharpness overshoots to ~23.7 at step 100 and sits within 1% of 20 from step ~600 on."""
    state = _eos_state(steps=800, every=100)
    session = TrainingSession(state.network, make_dataset(state.dataset), state.training)
    session.run()
    steps, values = session.sharpness()
    assert values[0] < 0.7 * 20  # it starts well below the edge and rises to it
    late = values[steps >= 600]
    assert late.size == 3
    assert np.all(np.abs(late - 20.0) < 0.15 * 20.0), late


def test_the_setting_survives_a_state_round_trip_and_old_sessions_load_with_it_off() -> None:
    state = _eos_state(steps=100, every=25)
    assert NetworkState.from_dict(state.to_dict()) == state
    old = state.to_dict()
    del old["training"]["sharpness_every"]
    assert NetworkState.from_dict(old).training.sharpness_every == 0
    old["training"]["sharpness_every"] = -3
    with pytest.raises(StateError, match=r"training\.sharpness_every: must be a whole number"):
        NetworkState.from_dict(old)


def test_the_line_s_legend_names_the_threshold_or_says_why_there_is_none() -> None:
    assert stability_line("gd", 0.1, {}) == (pytest.approx(20.0), "2/η = 20")
    assert stability_line("momentum", 0.1, {"momentum": 0.9})[1] == "2(1+β)/η = 38"
    value, why = stability_line("adam", 0.1, {"beta1": 0.9})
    assert value is None and "not Adam's" in why
    assert tracking_cost_text(0) == "off"
    assert tracking_cost_text(50) == "≈ +10% time"


def test_show_code_exports_the_same_training_loop_with_or_without_tracking() -> None:
    """Sharpness is the app's measurement, not part of the lecture's loop: the exported script
    leaves it out and stays the script that runs."""
    state = _eos_state(steps=100, every=10)
    tracked = export_script(state.network, state.dataset, state.training)
    plain = export_script(state.network, state.dataset, replace(state.training, sharpness_every=0))
    assert tracked == plain


def test_the_exploration_views_never_measure_the_builders_sharpness(monkeypatch):
    """The builder's "sharpness every K steps" travels in its TrainingConfig; the LR range test,
    the network sweep, the grid's cells and the landscape train from that config and would pay
    for Hessian products nobody sees."""
    from gdsim.core import training
    from gdsim.core.grid_search import train_cell
    from gdsim.core.landscape import LandscapeJob, LandscapeSettings
    from gdsim.core.lr_finder import LRRangeTest
    from gdsim.core.network_sweep import NetworkSweep
    from gdsim.core.state import NetworkState

    def refuse(*_args, **_kwargs):
        raise AssertionError("a view measured the sharpness")

    monkeypatch.setattr(training, "top_hessian_eigenvalue", refuse)
    data = make_dataset(DatasetParams(name="circle", n=60))
    spec = NetworkSpec(hidden=((4, "tanh"),))
    tracked = TrainingConfig(steps=6, sharpness_every=1)
    LRRangeTest(spec, data, tracked, 1e-3, 1.0, 10).run()
    NetworkSweep(spec, data, tracked, [0.01, 0.1], 5).run()
    train_cell(spec, data, tracked, 0, 0, 4)
    state = NetworkState(dataset=DatasetParams(name="circle", n=60), training=tracked)
    LandscapeJob(state, LandscapeSettings(dims=1, plane="line", grid=21)).run()


def test_the_top_eigenvalue_is_found_when_a_negative_one_is_larger_in_size() -> None:
    """Power iteration alone finds -10 here (largest in size); the sharpness is the top, 3."""

    class Saddle(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.w = nn.Parameter(torch.tensor([0.3, -0.2]))

        def forward(self, _x: torch.Tensor) -> torch.Tensor:
            return 0.5 * (3.0 * self.w[0] ** 2 - 10.0 * self.w[1] ** 2)

    measured = top_hessian_eigenvalue(
        Saddle(), lambda out, _y: out, torch.zeros(1), torch.zeros(1), iterations=60, tol=1e-8
    )
    assert measured.value == pytest.approx(3.0, rel=1e-4)
