"""Sharpness: the largest eigenvalue of the training loss's Hessian with respect to all weights.

On w² the step size fails past 2/λ, λ the curvature. A network has a curvature too: the top
eigenvalue of the Hessian of its loss, its *sharpness*. Cohen et al. 2021 ("Gradient Descent on
Neural Networks Typically Occurs at the Edge of Stability") found that full-batch gradient
descent drives it up until it reaches about 2/η and then keeps it hovering there while the loss
goes on falling, non-monotonically. Measuring it is what shows that.

How: power iteration on Hessian-vector products, H v = ∇(∇L · v), computed by autograd's
double backward. The gradient graph (∇L with `create_graph=True`) is built ONCE per measurement
and reused by every iteration (`retain_graph=True`): rebuilding it per iteration doubles the
cost, and the `torch.func` variants were 3-20x slower (issue 15's measurements). Iterations stop
when the estimate changes by less than `tol` (relative), and the previous measurement's
eigenvector is the next one's start (`warm`): between two measurements K steps apart the top
direction barely turns, so a tracked run needs a few iterations rather than twenty.

Power iteration finds the eigenvalue of largest *magnitude*. For a trained network that is the
top (positive) one: the negative eigenvalues of a loss Hessian are small next to it, which is
also why the edge-of-stability code uses the same definition. It is computed on the full
training set, as the stability threshold 2/η concerns full-batch gradient descent.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import torch
from torch import nn

from gdsim.core.optimizers import OPTIMIZERS
from gdsim.core.verdict import critical_rates

ITERATIONS = 20
"""At most this many Hessian-vector products per measurement (the issue's budget, ~13 ms for
a small network)."""

TOLERANCE = 1e-4
"""Relative change of the estimate between two iterations that counts as converged."""


@dataclass(frozen=True)
class Sharpness:
    """One measurement: `value` (NaN when it could not be measured), the unit eigenvector it
    ended on (None then), to warm-start the next one, and the Hessian-vector products used."""

    value: float
    vector: torch.Tensor | None
    iterations: int


NOT_MEASURED = Sharpness(math.nan, None, 0)


def top_hessian_eigenvalue(
    model: nn.Module,
    loss_fn: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    start: torch.Tensor | None = None,
    iterations: int = ITERATIONS,
    tol: float = TOLERANCE,
) -> Sharpness:
    """The top Hessian eigenvalue of `loss_fn(model(x), y)` over all of `model`'s parameters.

    `start` (a flat vector, e.g. the previous measurement's `vector`) warm-starts the power
    iteration; without it the start is a fixed pseudo-random vector, so a measurement is
    reproducible. Leaves the parameters' `.grad` alone (the gradients go through
    `torch.autograd.grad`, not `backward`), so it can run between two training steps. Never
    raises for a blown-up network: non-finite weights or loss give `NOT_MEASURED`.
    """
    params = [p for p in model.parameters() if p.requires_grad]
    if not params or not all(bool(torch.isfinite(p).all()) for p in params):
        return NOT_MEASURED
    with torch.enable_grad():
        try:
            loss = loss_fn(model(x), y)
        except RuntimeError:  # BCELoss raises on NaN outputs (see training._loss_or_none)
            return NOT_MEASURED
        if not bool(torch.isfinite(loss)):
            return NOT_MEASURED
        grads = torch.autograd.grad(loss, params, create_graph=True)
        flat_grad = torch.cat([g.reshape(-1) for g in grads])

        def hessian_times(vector: torch.Tensor) -> torch.Tensor:
            # ∇(g · v) = H v; the graph of g is kept for the next product.
            products = torch.autograd.grad(
                flat_grad, params, grad_outputs=vector, retain_graph=True
            )
            return torch.cat([p.reshape(-1) for p in products]).detach()

        found = _power_iteration(hessian_times, _start_vector(flat_grad, start), iterations, tol)
        if not found.value < 0:
            return found
        # Power iteration finds the eigenvalue largest in size; a negative one (a network past
        # a saddle, or blowing up) is the bottom of the spectrum. H - λI has its top where H
        # has, shifted by -λ, and no eigenvalue larger in size: a second run finds the top.
        bottom = found.value
        shifted = _power_iteration(
            lambda v: hessian_times(v) - bottom * v,
            _start_vector(flat_grad, None),
            iterations,
            tol,
        )
        done = found.iterations + shifted.iterations
        return Sharpness(shifted.value + bottom, shifted.vector, done)


def _power_iteration(
    product: Callable[[torch.Tensor], torch.Tensor],
    vector: torch.Tensor,
    iterations: int,
    tol: float,
) -> Sharpness:
    """The eigenvalue of largest size of the symmetric operator `product`, from unit `vector`:
    stops when the Rayleigh quotient changes by at most `tol` (relative)."""
    value = math.nan
    for done in range(1, iterations + 1):
        hv = product(vector)
        previous, value = value, float(vector @ hv)
        norm = float(torch.linalg.vector_norm(hv))
        if not (math.isfinite(value) and norm > 0):
            return Sharpness(value if math.isfinite(value) else math.nan, None, done)
        vector = hv / norm
        if abs(value - previous) <= tol * abs(value):
            return Sharpness(value, vector, done)
    return Sharpness(value, vector, iterations)


def _start_vector(like: torch.Tensor, start: torch.Tensor | None) -> torch.Tensor:
    """A unit vector shaped like the flat gradient: `start` if it fits and is usable, else
    a seeded Gaussian one (a fixed start makes measurements reproducible)."""
    if start is not None and start.shape == like.shape and bool(torch.isfinite(start).all()):
        norm = torch.linalg.vector_norm(start)
        if norm > 0:
            return (start / norm).to(like.dtype)
    generator = torch.Generator().manual_seed(0)
    vector = torch.randn(like.shape, generator=generator, dtype=like.dtype)
    return vector / torch.linalg.vector_norm(vector)


def stability_threshold(optimizer: str, lr: float, momentum: float = 0.0) -> float | None:
    """The sharpness where `optimizer` at step size `lr` stops being stable on a quadratic:
    2/η for plain GD, 2(1+β)/η for heavy-ball momentum β; None for the rest (Nesterov and the
    adaptive methods), which must not get a wrong line. The same formula as the critical step
    sizes of a surface with the roles of η and λ swapped: ηλ < 2 reads both ways."""
    rates = critical_rates(lr, momentum)
    return None if rates is None else rates.limit_for(optimizer)


MEASUREMENT_COST_STEPS = 5
"""A tracked measurement (warm-started: the gradient graph and 2-3 Hessian-vector products)
costs about this many training steps of the same network (scripts/bench_sharpness.py); a cold
one with all 20 products about 25."""


def tracking_cost_text(every: int) -> str:
    """What tracking every `every` steps adds to training time, in words for the control."""
    if every <= 0:
        return "off"
    return f"≈ +{100 * MEASUREMENT_COST_STEPS / every:.0f}% time"


def stability_line(
    optimizer: str, lr: float, hyper: Mapping[str, float]
) -> tuple[float | None, str]:
    """The stability line a sharpness plot draws for a run: (value, legend), e.g. (20.0,
    '2/η = 20') or (38.0, '2(1+β)/η = 38'); for an optimizer with no such line (None, why
    none is drawn)."""
    momentum = hyper.get("momentum", 0.0) if optimizer == "momentum" else 0.0
    value = stability_threshold(optimizer, lr, momentum)
    if value is None:
        title = OPTIMIZERS[optimizer].title
        return None, f"no line: 2/η is plain GD's stability limit, not {title}'s"
    name = "2(1+β)/η" if optimizer == "momentum" else "2/η"
    return value, f"{name} = {value:.3g}"
