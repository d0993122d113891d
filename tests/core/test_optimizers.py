"""Every numpy update rule against the real torch.optim optimizer, step for step in float64."""

import inspect

import numpy as np
import pytest
import torch

from gdsim.core.optimizers import (
    OPTIMIZERS,
    SURFACE_OPTIMIZERS,
    get_optimizer,
    get_surface_optimizer,
)
from gdsim.core.surfaces import get_surface

STARTS = {
    "ill_conditioned": np.array([[-4.5, 1.0, 3.0], [2.0, -3.0, 0.5]]),
    "rosenbrock": np.array([[-1.5, 0.3, 1.2], [2.0, -0.5, 0.8]]),
    "sin(x)*y + 0.1*x**2 + 0.2*y**2": np.array([[-3.0, 0.5, 2.0], [3.0, 1.0, -2.0]]),
}
LEARNING_RATES = {"gd": 2e-4, "momentum": 1e-4, "nesterov": 1e-4}
SETTINGS = {
    "gd": [{}],
    "momentum": [{}, {"momentum": 0.5, "dampening": 0.3}],
    "nesterov": [{}, {"momentum": 0.3}],
    "adagrad": [{}, {"lr_decay": 0.05, "initial_accumulator_value": 0.1, "eps": 1e-6}],
    "rmsprop": [{}, {"alpha": 0.9, "eps": 1e-4, "momentum": 0.5, "centered": 1.0}],
    "adam": [{}, {"beta1": 0.5, "beta2": 0.9, "eps": 1e-4, "amsgrad": 1.0}],
    "adamw": [{}, {"beta1": 0.5, "beta2": 0.9, "eps": 1e-4, "amsgrad": 1.0}],
}
CASES = [
    (name, hyper, surface)
    for name, settings in SETTINGS.items()
    for hyper in settings
    for surface in STARTS
]


WEIGHT_DECAY_CASES = [
    (name, settings[-1], "rosenbrock", 0.3) for name, settings in SETTINGS.items()
]
"""Coupled decay (L2 in the gradient) for all but AdamW, which shrinks the weights instead."""


@pytest.mark.parametrize(
    ("name", "hyper", "surface_name", "weight_decay"),
    [(*case, 0.0) for case in CASES] + WEIGHT_DECAY_CASES,
)
def test_rule_matches_torch_step_for_step(name, hyper, surface_name, weight_decay):
    surface = get_surface(surface_name)
    start = STARTS[surface_name]
    lr = LEARNING_RATES.get(name, 1e-2)
    optimizer = get_optimizer(name)
    rule = optimizer.make_rule(hyper, weight_decay)
    ours = start.copy()
    theirs = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    reference = optimizer.make_torch([theirs], lr, hyper, weight_decay)
    for _ in range(80):
        theirs.grad = torch.from_numpy(np.stack(surface.gradient(*theirs.detach().numpy())))
        reference.step()
        rule.step(ours, np.stack(surface.gradient(*ours)), lr)
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-10, atol=1e-10)
    assert not np.allclose(ours, start), "the runs must actually move"


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_per_run_learning_rates_equal_separate_runs(name):
    surface = get_surface("rosenbrock")
    start = np.array([[-1.5, -1.5, -1.5], [2.0, 2.0, 2.0]])
    lrs = np.array([1e-5, 5e-5, 1e-4])
    together = start.copy()
    batch_rule = get_optimizer(name).make_rule()
    for _ in range(30):
        batch_rule.step(together, np.stack(surface.gradient(*together)), lrs)
    for k, lr in enumerate(lrs):
        alone = start[:, k].copy()
        single_rule = get_optimizer(name).make_rule()
        for _ in range(30):
            single_rule.step(alone, np.stack(surface.gradient(*alone)), lr)
        np.testing.assert_allclose(together[:, k], alone, rtol=1e-14)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_defaults_are_torch_defaults_except_the_momentum_demo_value(name):
    spec = get_optimizer(name)
    signature = inspect.signature(getattr(torch.optim, spec.torch_class)).parameters
    torch_defaults = {key: p.default for key, p in signature.items()}
    if "betas" in torch_defaults:
        torch_defaults["beta1"], torch_defaults["beta2"] = torch_defaults["betas"]
    for hyper in spec.hyper:
        if name in ("momentum", "nesterov") and hyper.name == "momentum":
            assert hyper.default == 0.9
        else:
            assert hyper.default == float(torch_defaults[hyper.name]), hyper.name
        assert hyper.low <= hyper.default <= hyper.high
        assert hyper.description


def test_adamw_decay_is_decoupled_from_the_gradient():
    """With decay, AdamW shrinks the weights by 1 - lr * decay where Adam adds decay * w to
    the gradient (which Adam's scaling then divides away): the two part ways."""
    start = np.array([[2.0], [-1.0]])
    zero_gradient = np.zeros_like(start)
    adamw, adam = start.copy(), start.copy()
    get_optimizer("adamw").make_rule({}, 0.1).step(adamw, zero_gradient, 0.5)
    get_optimizer("adam").make_rule({}, 0.1).step(adam, zero_gradient, 0.5)
    np.testing.assert_allclose(adamw, start * (1 - 0.5 * 0.1))
    assert not np.allclose(adam, adamw)


def test_largest_step_is_what_torch_stores_in_float32():
    assert get_optimizer("gd").largest_step(2.0, {}, 0.0) == 2.0
    adam_hyper = get_optimizer("adam").resolve({"beta1": 0.5})
    assert get_optimizer("adam").largest_step(2.0, adam_hyper, 0.0) == 4.0
    adamw_hyper = get_optimizer("adamw").resolve()
    assert get_optimizer("adamw").largest_step(2.0, adamw_hyper, 100.0) == 200.0


def test_registry_describes_every_optimizer_for_the_form():
    assert set(OPTIMIZERS) == {"gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"}
    for spec in OPTIMIZERS.values():
        assert spec.title and spec.description
        assert spec.resolve() == spec.defaults


def test_bad_choices_raise_one_line_messages():
    with pytest.raises(ValueError, match="unknown optimizer 'sgd2'; choose one of: gd"):
        get_optimizer("sgd2")
    with pytest.raises(ValueError, match="Adam has no hyper-parameter 'momentum'"):
        get_optimizer("adam").resolve({"momentum": 0.9})
    with pytest.raises(ValueError, match=r"momentum β must lie between 0 and 0\.999, got 1\.5"):
        get_optimizer("momentum").resolve({"momentum": 1.5})
    with pytest.raises(ValueError, match="switch: use 0 or 1"):
        get_optimizer("adam").resolve({"amsgrad": 0.5})


def test_nesterov_without_momentum_is_refused_alike_on_a_surface_and_in_training():
    """torch refuses Nesterov without momentum; the surface explorer used to run it anyway."""
    with pytest.raises(ValueError, match=r"momentum β must lie between 0\.01 and"):
        get_optimizer("nesterov").resolve({"momentum": 0.0})


def test_a_loss_surface_offers_every_optimizer_but_adamw_and_says_why():
    """AdamW is Adam where nothing decays: the surface explorer and `gdsim run` leave it out."""
    assert set(SURFACE_OPTIMIZERS) == set(OPTIMIZERS) - {"adamw"}
    with pytest.raises(ValueError, match=r"only by its weight decay.*use adam"):
        get_surface_optimizer("adamw")
    assert get_surface_optimizer("adam") is OPTIMIZERS["adam"]
