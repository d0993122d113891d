"""Optimizers as data: torch.optim's update rules, vectorised over many runs on numpy arrays.

Surface trajectories are computed in numpy because a torch step costs 150-400 us while a
batched numpy step over 64 runs costs ~10 us (both measured on 2 cores). To teach what torch
does, each rule here follows torch.optim's single-tensor code line by line (torch 2.x: first
momentum buffer = the gradient; Adam's bias corrections divide the step size and the root of
the second moment, with eps added after that division; Adagrad adds eps after the square
root). The tests hold every rule to the real torch optimizer, step for step, to 1e-10 in
float64.

Every rule updates ``params`` in place. ``params`` and ``grad`` have any one shape, usually
``(D, K)`` for K runs in D coordinates; ``lr`` broadcasts against them, so a ``(K,)`` array
gives every run its own learning rate. Hyper-parameters are plain floats (flags are 0 or 1).

Weight decay is not a hyper-parameter of one optimizer but regularisation for all of them, so
it is passed beside the hyper-parameters: coupled (L2: ``grad + weight_decay * params``) as
torch's SGD, Adagrad, RMSprop and Adam apply it, or decoupled (the weights shrink by
``1 - lr * weight_decay`` before the step) as AdamW does.

``OPTIMIZERS`` is the one optimizer registry: the surface explorer's parameter form, the
network's training and the exported script all read it. Adding an optimizer is adding one
entry: an update rule class, its hyper-parameters and the torch class it mirrors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from gdsim.core.names import suggestion

if TYPE_CHECKING:
    import torch

LearningRate = float | np.ndarray


class UpdateRule(Protocol):
    """One optimizer's state for a batch of runs; ``step`` moves ``params`` in place."""

    def step(self, params: np.ndarray, grad: np.ndarray, lr: LearningRate) -> None: ...


@dataclass(frozen=True)
class HyperParam:
    """A tunable number of an optimizer, with what the UI needs to offer it."""

    name: str
    label: str
    default: float
    low: float
    high: float
    description: str
    log_scale: bool = False
    is_flag: bool = False


LargestStep = Callable[[float, Mapping[str, float], float], float]
"""(lr, resolved hyper-parameters, weight decay) -> the largest number torch derives from the
learning rate and stores in float32 (see ``OptimizerSpec.largest_step``)."""


def _learning_rate_itself(lr: float, hyper: Mapping[str, float], weight_decay: float) -> float:
    return lr


@dataclass(frozen=True)
class OptimizerSpec:
    """Registry entry: how to show an optimizer, run it in numpy, and build its torch twin.

    ``largest_step`` says how far torch scales the learning rate before storing it in float32
    (Adam's first bias-corrected step is lr / (1 - beta1)): above float32's maximum torch raises
    instead of diverging, so training refuses such a rate first. ``decoupled_decay`` marks an
    optimizer that shrinks the weights instead of adding weight decay to the gradient.
    """

    name: str
    title: str
    description: str
    hyper: tuple[HyperParam, ...]
    rule: Callable[[Mapping[str, float]], UpdateRule]
    torch_class: str
    torch_kwargs: Callable[[Mapping[str, float]], dict[str, Any]]
    largest_step: LargestStep = _learning_rate_itself
    decoupled_decay: bool = False

    @property
    def defaults(self) -> dict[str, float]:
        return {h.name: h.default for h in self.hyper}

    def resolve(self, hyper: Mapping[str, float] | None = None) -> dict[str, float]:
        """Defaults overridden by ``hyper``; unknown names and out-of-range values raise."""
        given = dict(hyper or {})
        known = {h.name: h for h in self.hyper}
        unknown = sorted(set(given) - set(known))
        if unknown:
            choices = ", ".join(known) or "none"
            raise ValueError(
                f"{self.title} has no hyper-parameter {unknown[0]!r} (it has: {choices})"
            )
        resolved = self.defaults
        for name, value in given.items():
            spec = known[name]
            number = float(value)
            if not spec.low <= number <= spec.high:
                raise ValueError(
                    f"{spec.label} must lie between {spec.low:g} and {spec.high:g}, got {number:g}"
                )
            if spec.is_flag and number not in (0.0, 1.0):
                raise ValueError(f"{spec.label} is a switch: use 0 or 1, got {number:g}")
            resolved[name] = number
        return resolved

    def make_rule(
        self, hyper: Mapping[str, float] | None = None, weight_decay: float = 0.0
    ) -> UpdateRule:
        """A fresh numpy update rule (empty state) with validated hyper-parameters."""
        rule = self.rule(self.resolve(hyper))
        if weight_decay == 0.0:
            return rule
        decay = _DecoupledDecay if self.decoupled_decay else _CoupledDecay
        return decay(rule, weight_decay)

    def torch_options(
        self, hyper: Mapping[str, float] | None = None, weight_decay: float = 0.0
    ) -> dict[str, Any]:
        """The torch optimizer's keyword arguments besides ``lr`` (its param group's values):
        what builds it, what a live change writes into its param groups, and what the exported
        script passes."""
        return {**self.torch_kwargs(self.resolve(hyper)), "weight_decay": weight_decay}

    def make_torch(
        self,
        params: Sequence[torch.Tensor] | Any,
        lr: float,
        hyper: Mapping[str, float] | None = None,
        weight_decay: float = 0.0,
    ) -> torch.optim.Optimizer:
        """The torch.optim optimizer this entry mirrors (used by training and by the tests)."""
        import torch  # torch costs ~1.2 s to import and surface runs never need it

        optimizer_class = getattr(torch.optim, self.torch_class)
        return optimizer_class(params, lr=lr, **self.torch_options(hyper, weight_decay))


class _SGD:
    """torch.optim.SGD: plain, heavy-ball momentum (first buffer = gradient) or Nesterov."""

    def __init__(self, momentum: float = 0.0, dampening: float = 0.0, nesterov: bool = False):
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.buffer: np.ndarray | None = None

    def step(self, params: np.ndarray, grad: np.ndarray, lr: LearningRate) -> None:
        if self.momentum != 0.0:
            if self.buffer is None:
                self.buffer = grad.copy()
            else:
                self.buffer *= self.momentum
                self.buffer += (1.0 - self.dampening) * grad
            grad = grad + self.momentum * self.buffer if self.nesterov else self.buffer
        params -= lr * grad


class _Adagrad:
    """torch.optim.Adagrad: step ``lr / (1 + (t-1) lr_decay)`` over ``sqrt(sum g^2) + eps``."""

    def __init__(self, lr_decay: float, initial_accumulator_value: float, eps: float):
        self.lr_decay = lr_decay
        self.initial = initial_accumulator_value
        self.eps = eps
        self.count = 0
        self.sum: np.ndarray | None = None

    def step(self, params: np.ndarray, grad: np.ndarray, lr: LearningRate) -> None:
        if self.sum is None:
            self.sum = np.full_like(params, self.initial)
        self.count += 1
        decayed_lr = lr / (1.0 + (self.count - 1) * self.lr_decay)
        self.sum += grad * grad
        params -= decayed_lr * (grad / (np.sqrt(self.sum) + self.eps))


class _RMSprop:
    """torch.optim.RMSprop: running mean of g^2 (optionally centred), eps after the root."""

    def __init__(self, alpha: float, eps: float, momentum: float, centered: bool):
        self.alpha = alpha
        self.eps = eps
        self.momentum = momentum
        self.centered = centered
        self.square_avg: np.ndarray | None = None
        self.grad_avg: np.ndarray | None = None
        self.buffer: np.ndarray | None = None

    def step(self, params: np.ndarray, grad: np.ndarray, lr: LearningRate) -> None:
        if self.square_avg is None:
            self.square_avg = np.zeros_like(params)
            self.grad_avg = np.zeros_like(params)
            self.buffer = np.zeros_like(params)
        self.square_avg *= self.alpha
        self.square_avg += (1.0 - self.alpha) * (grad * grad)
        if self.centered:
            self.grad_avg += (1.0 - self.alpha) * (grad - self.grad_avg)
            avg = np.sqrt(self.square_avg - self.grad_avg * self.grad_avg) + self.eps
        else:
            avg = np.sqrt(self.square_avg) + self.eps
        if self.momentum > 0.0:
            self.buffer *= self.momentum
            self.buffer += grad / avg
            params -= lr * self.buffer
        else:
            params -= lr * (grad / avg)


class _Adam:
    """torch.optim.Adam: bias-corrected moments, eps added after dividing the root by sqrt(bc2)."""

    def __init__(self, beta1: float, beta2: float, eps: float, amsgrad: bool):
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.amsgrad = amsgrad
        self.count = 0
        self.exp_avg: np.ndarray | None = None
        self.exp_avg_sq: np.ndarray | None = None
        self.max_exp_avg_sq: np.ndarray | None = None

    def step(self, params: np.ndarray, grad: np.ndarray, lr: LearningRate) -> None:
        if self.exp_avg is None:
            self.exp_avg = np.zeros_like(params)
            self.exp_avg_sq = np.zeros_like(params)
            self.max_exp_avg_sq = np.zeros_like(params)
        self.count += 1
        self.exp_avg += (1.0 - self.beta1) * (grad - self.exp_avg)
        self.exp_avg_sq *= self.beta2
        self.exp_avg_sq += (1.0 - self.beta2) * (grad * grad)
        step_size = lr / (1.0 - self.beta1**self.count)
        correction2_root = (1.0 - self.beta2**self.count) ** 0.5
        second_moment = self.exp_avg_sq
        if self.amsgrad:
            np.maximum(self.max_exp_avg_sq, self.exp_avg_sq, out=self.max_exp_avg_sq)
            second_moment = self.max_exp_avg_sq
        denom = np.sqrt(second_moment) / correction2_root + self.eps
        params -= step_size * (self.exp_avg / denom)


class _CoupledDecay:
    """L2 regularisation as torch's SGD, Adagrad, RMSprop and Adam apply ``weight_decay``: the
    wrapped rule sees ``grad + weight_decay * params``."""

    def __init__(self, rule: UpdateRule, weight_decay: float):
        self.rule = rule
        self.weight_decay = weight_decay

    def step(self, params: np.ndarray, grad: np.ndarray, lr: LearningRate) -> None:
        self.rule.step(params, grad + self.weight_decay * params, lr)


class _DecoupledDecay:
    """torch.optim.AdamW's decay: the weights shrink by ``1 - lr * weight_decay`` before the
    wrapped rule's step, which sees the plain gradient."""

    def __init__(self, rule: UpdateRule, weight_decay: float):
        self.rule = rule
        self.weight_decay = weight_decay

    def step(self, params: np.ndarray, grad: np.ndarray, lr: LearningRate) -> None:
        params *= 1.0 - lr * self.weight_decay
        self.rule.step(params, grad, lr)


def _adam_hyper() -> tuple[HyperParam, ...]:
    return (
        HyperParam(
            "beta1",
            "β₁",
            0.9,
            0.0,
            0.999,
            "how much of the running mean of gradients each step keeps",
        ),
        HyperParam(
            "beta2",
            "β₂",
            0.999,
            0.0,
            0.99999,
            "how much of the running mean of squared gradients each step keeps",
        ),
        _eps_param(1e-8),
        HyperParam(
            "amsgrad",
            "AMSGrad",
            0.0,
            0.0,
            1.0,
            "1 = divide by the largest second moment so far (never shrinks)",
            is_flag=True,
        ),
    )


def _adam_rule(h: Mapping[str, float]) -> UpdateRule:
    return _Adam(h["beta1"], h["beta2"], h["eps"], h["amsgrad"] == 1.0)


def _adam_kwargs(h: Mapping[str, float]) -> dict[str, Any]:
    return {"betas": (h["beta1"], h["beta2"]), "eps": h["eps"], "amsgrad": h["amsgrad"] == 1.0}


def _adam_step(lr: float, hyper: Mapping[str, float], weight_decay: float) -> float:
    """Adam's first bias-corrected step size."""
    return lr / (1.0 - hyper["beta1"])


def _adamw_step(lr: float, hyper: Mapping[str, float], weight_decay: float) -> float:
    """AdamW also shrinks the weights by 1 - lr * weight_decay."""
    return max(_adam_step(lr, hyper, weight_decay), lr * weight_decay)


def _momentum_param(default: float, low: float = 0.0) -> HyperParam:
    """``low`` above 0 for Nesterov: torch refuses it without momentum, so both panels and
    sessions refuse it the same way (a bounded box, not a late error)."""
    return HyperParam(
        "momentum",
        "momentum β",
        default,
        low,
        0.999,
        "fraction of the previous step kept in the next"
        + (" (0 = plain gradient descent)" if low == 0 else ""),
    )


def _eps_param(default: float) -> HyperParam:
    return HyperParam(
        "eps",
        "ε",
        default,
        1e-12,
        1e-1,
        "added to the denominator to avoid division by zero",
        log_scale=True,
    )


OPTIMIZERS: dict[str, OptimizerSpec] = {
    spec.name: spec
    for spec in (
        OptimizerSpec(
            name="gd",
            title="Gradient descent",
            description="w ← w − η ∇L: a step against the gradient, scaled by the learning rate",
            hyper=(),
            rule=lambda h: _SGD(),
            torch_class="SGD",
            torch_kwargs=lambda h: {},
        ),
        OptimizerSpec(
            name="momentum",
            title="Momentum (heavy ball)",
            description="keeps a running sum of gradients, so steps build up speed in steady "
            "directions and cancel in zig-zags",
            hyper=(
                _momentum_param(0.9),
                HyperParam(
                    "dampening",
                    "dampening",
                    0.0,
                    0.0,
                    1.0,
                    "fraction of each new gradient left out of the running sum",
                ),
            ),
            rule=lambda h: _SGD(h["momentum"], h["dampening"]),
            torch_class="SGD",
            torch_kwargs=lambda h: {"momentum": h["momentum"], "dampening": h["dampening"]},
        ),
        OptimizerSpec(
            name="nesterov",
            title="Nesterov momentum",
            description="momentum that looks ahead: the step uses the gradient plus the "
            "momentum-weighted running sum",
            hyper=(_momentum_param(0.9, low=0.01),),
            rule=lambda h: _SGD(h["momentum"], nesterov=True),
            torch_class="SGD",
            torch_kwargs=lambda h: {"momentum": h["momentum"], "nesterov": True},
        ),
        OptimizerSpec(
            name="adagrad",
            title="Adagrad",
            description="divides each coordinate's step by the root of its summed squared "
            "gradients, so steps shrink over time",
            hyper=(
                HyperParam(
                    "lr_decay",
                    "learning-rate decay",
                    0.0,
                    0.0,
                    1.0,
                    "step t uses η / (1 + (t − 1) · decay)",
                ),
                HyperParam(
                    "initial_accumulator_value",
                    "initial accumulator",
                    0.0,
                    0.0,
                    10.0,
                    "starting value of the summed squared gradients",
                ),
                _eps_param(1e-10),
            ),
            rule=lambda h: _Adagrad(h["lr_decay"], h["initial_accumulator_value"], h["eps"]),
            torch_class="Adagrad",
            torch_kwargs=dict,
        ),
        OptimizerSpec(
            name="rmsprop",
            title="RMSprop",
            description="divides each coordinate's step by the root of a running mean of its "
            "squared gradients",
            hyper=(
                HyperParam(
                    "alpha",
                    "smoothing α",
                    0.99,
                    0.0,
                    0.9999,
                    "how much of the running mean of squared gradients each step keeps",
                ),
                _eps_param(1e-8),
                _momentum_param(0.0),
                HyperParam(
                    "centered",
                    "centred",
                    0.0,
                    0.0,
                    1.0,
                    "1 = divide by the running variance instead of the mean square",
                    is_flag=True,
                ),
            ),
            rule=lambda h: _RMSprop(h["alpha"], h["eps"], h["momentum"], h["centered"] == 1.0),
            torch_class="RMSprop",
            torch_kwargs=lambda h: {**h, "centered": h["centered"] == 1.0},
        ),
        OptimizerSpec(
            name="adam",
            title="Adam",
            description="momentum on the gradient and RMSprop scaling, both corrected for "
            "their zero start",
            hyper=_adam_hyper(),
            rule=_adam_rule,
            torch_class="Adam",
            torch_kwargs=_adam_kwargs,
            largest_step=_adam_step,
        ),
        OptimizerSpec(
            name="adamw",
            title="AdamW",
            description="Adam with decoupled weight decay: the weights shrink by "
            "1 − η · decay before each step, instead of decay joining the gradient",
            hyper=_adam_hyper(),
            rule=_adam_rule,
            torch_class="AdamW",
            torch_kwargs=_adam_kwargs,
            largest_step=_adamw_step,
            decoupled_decay=True,
        ),
    )
}


SURFACE_OPTIMIZERS = tuple(name for name, spec in OPTIMIZERS.items() if not spec.decoupled_decay)
"""What the surface explorer and ``gdsim run`` offer: AdamW differs from Adam only in how it
applies weight decay, and a loss surface has no weights to decay (there it *is* Adam)."""


def get_surface_optimizer(name: str) -> OptimizerSpec:
    """``get_optimizer`` for a loss surface: a one-line ValueError for AdamW."""
    spec = get_optimizer(name)
    if name not in SURFACE_OPTIMIZERS:
        raise ValueError(
            f"{spec.title} differs from Adam only by its weight decay, which a loss surface "
            f"does not have: use adam (or {spec.name} on a network)"
        )
    return spec


def get_optimizer(name: str) -> OptimizerSpec:
    """The registry entry called ``name``; an unknown name raises a one-line ValueError."""
    try:
        return OPTIMIZERS[name]
    except KeyError:
        raise ValueError(
            f"unknown optimizer {name!r}; choose one of: {', '.join(OPTIMIZERS)}"
            f"{suggestion(name, OPTIMIZERS)}"
        ) from None
