"""What a run did, in one word and one sentence: converged, slow, oscillating or diverged.

The same four regimes label a gradient-descent run on a surface (we see its iterates and
gradients) and a network's training (we see only its loss per step). The checks run in this
order and the first that holds wins:

1. **diverged** -- the run stopped early because its loss or iterate became non-finite or left
   the plot's bounds (``stopped_at >= 0``, or ``diverged_at`` for a training history), or the
   loss *grew away*: the final loss exceeds the starting loss ``L0`` by more than both the drop
   the run had achieved (``L0 - min L``) and 10 % of ``|L0|``. ``step`` is where it stopped, or
   the first step whose loss crossed that line.
2. **oscillating** -- successive moves keep reversing direction. A *move* is the step vector
   ``w[t+1] - w[t]`` for a surface run and the loss change ``L[t+1] - L[t]`` for a training
   history. Moves shorter than ``1e-6`` times the longest move are rounding noise and ignored.
   Of the consecutive pairs of the remaining moves, look at the later half (at least one pair):
   when more than half of those pairs reverse (negative dot product), the run oscillates,
   whether it settles (GD on ``w**2`` with eta 0.8) or cycles forever (eta 1.0, the exact
   ``2/lambda`` cycle). ``step`` is the first reversal.
3. **converged** -- the run reached a stationary point. Surface run: the final gradient norm is
   at most ``1e-4`` times the largest gradient norm seen (or ``1e-12`` when that is zero); on a
   quadratic that is a loss gap shrunk by about ``1e-8``. Training history: the loss fell by
   at most ``1e-2`` (1 %) of its total drop over the last 10 % of the steps (at least one step),
   after a total drop of at least ``1e-6`` of the starting loss (less is no progress: slow).
   ``step`` is the first step from which the criterion holds for good.
4. **slow** -- none of the above: the run was still improving when the step budget ran out.

Minibatch noise makes a training loss bounce, which (2) reports as oscillating; that is what a
student sees on the plot.

Curvature tells the same story before a single step is taken: at a minimum with largest Hessian
eigenvalue ``lambda``, gradient descent moves monotonically for ``eta < 1/lambda``, oscillates
but converges for ``1/lambda < eta < 2/lambda`` and diverges beyond ``2/lambda``; heavy-ball
momentum ``beta`` stays stable up to ``2 (1 + beta) / lambda``. ``reference_minimum``,
``lambda_max`` and ``critical_rates`` compute those numbers for a surface and a start.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

import numpy as np
import scipy.optimize

from gdsim.core.optimizers import get_optimizer
from gdsim.core.simulate import RunSpec, RunView, default_bounds, simulate
from gdsim.core.surfaces import Surface


class Regime(StrEnum):
    """The four outcomes a student learns to tell apart."""

    CONVERGED = "converged"
    SLOW = "slow"
    OSCILLATING = "oscillating"
    DIVERGED = "diverged"


@dataclass(frozen=True)
class Verdict:
    """A regime, the step it set in (``None`` when it has none) and one human sentence."""

    regime: Regime
    step: int | None
    reason: str


NEGLIGIBLE_MOVE = 1e-6
"""Moves shorter than this fraction of the longest one are rounding noise, not oscillation."""

GROWTH_MARGIN = 0.1
"""A loss must rise at least this fraction of ``|L0|`` above the start to count as diverging."""

GRADIENT_TOLERANCE = 1e-4
"""A surface run is stationary once its gradient norm is this fraction of the largest seen."""

PLATEAU_TOLERANCE = 1e-2
"""A training loss has converged once its last 10 % of steps gained less than this fraction."""

NO_PROGRESS = 1e-6
"""A training loss that never dropped by this fraction of its start made no progress: slow
(a learning rate far too small), not converged. Only the loss is known, so a start that is
already a minimum reads the same way; with a float32 loss, 1e-6 is rounding."""

_ABSOLUTE_FLOOR = 1e-12


def classify_run(
    points: np.ndarray,
    losses: np.ndarray,
    grads: np.ndarray,
    stopped_at: int | None,
    stop_cause: str | None = None,
) -> Verdict:
    """Classify one surface run from its valid (trimmed) iterates, losses and gradients.

    ``points`` and ``grads`` are ``(n, D)``, ``losses`` is ``(n,)``; ``stopped_at`` is the step
    whose iterate was invalid (``None`` or ``-1`` when the run used its whole budget) and
    ``stop_cause`` a few words saying why (e.g. "the iterate left the plot's bounds").
    """
    early = _early_stop_verdict(stopped_at, stop_cause, len(losses))
    if early is not None:
        return early
    points = np.asarray(points, dtype=float).reshape(len(losses), -1)
    losses = np.asarray(losses, dtype=float)
    grads = np.asarray(grads, dtype=float).reshape(len(losses), -1)
    grown = _growth_verdict(losses)
    if grown is not None:
        return grown
    swinging = _oscillation_verdict(np.diff(points, axis=0), "steps")
    if swinging is not None:
        return swinging
    norms = row_norms(grads)
    tolerance = max(GRADIENT_TOLERANCE * float(norms.max()), _ABSOLUTE_FLOOR)
    settled = _settled_from(norms <= tolerance)
    if settled is not None:
        return Verdict(
            regime=Regime.CONVERGED,
            step=settled,
            reason=(
                f"converged at step {settled}: the gradient is practically zero "
                f"({norms[-1]:.2g}), a stationary point"
            ),
        )
    share = norms[-1] / norms.max()
    return Verdict(
        regime=Regime.SLOW,
        step=None,
        reason=(
            f"slow: still improving after {len(losses) - 1} steps "
            f"(the gradient is still {share:.0%} of its largest size)"
        ),
    )


def classify_loss_history(losses: np.ndarray, diverged_at: int | None = None) -> Verdict:
    """Classify a training run from its loss per step (index 0 = before the first step).

    ``diverged_at`` is the step at which training stopped on a non-finite loss, if it did;
    non-finite entries in ``losses`` are found here as well.
    """
    losses = np.asarray(losses, dtype=float).ravel()
    non_finite = np.flatnonzero(~np.isfinite(losses))
    if non_finite.size:
        first = int(non_finite[0])
        diverged_at = first if diverged_at is None else min(diverged_at, first)
    if diverged_at is not None:
        return _early_stop_verdict(diverged_at, "the loss became non-finite", diverged_at)
    if losses.size == 0:
        raise ValueError("cannot judge a training run without a single loss value")
    grown = _growth_verdict(losses)
    if grown is not None:
        return grown
    swinging = _oscillation_verdict(np.diff(losses)[:, None], "loss changes")
    if swinging is not None:
        return swinging
    drop = losses[0] - losses.min()
    window = max(1, (len(losses) - 1) // 10)
    recent_gain = losses[-1 - window] - losses[-1] if len(losses) > window else 0.0
    tolerance = max(PLATEAU_TOLERANCE * drop, _ABSOLUTE_FLOOR)
    if drop <= NO_PROGRESS * max(abs(losses[0]), _ABSOLUTE_FLOOR) and len(losses) > 1:
        return Verdict(
            regime=Regime.SLOW,
            step=None,
            reason=(
                f"slow: the loss has not measurably moved from {losses[0]:.4g} in "
                f"{len(losses) - 1} steps (the step size is too small to make progress)"
            ),
        )
    if recent_gain <= tolerance:
        settled = _settled_from(losses - losses[-1] <= tolerance)
        return Verdict(
            regime=Regime.CONVERGED,
            step=settled,
            reason=f"converged at step {settled}: the loss stopped falling at {losses[-1]:.4g}",
        )
    return Verdict(
        regime=Regime.SLOW,
        step=None,
        reason=(
            f"slow: the loss was still falling after {len(losses) - 1} steps "
            f"({losses[-1]:.4g}, down {recent_gain:.2g} in the last {window})"
        ),
    )


def row_norms(vectors: np.ndarray) -> np.ndarray:
    """The Euclidean length of each vector along the last axis: ``np.linalg.norm(vectors,
    axis=-1)``'s numbers, ~4x faster on a 20,000-step run's (n, 2) moves and gradients (numpy
    reduces an axis of two entries slowly; a dragged slider judges such a run every frame)."""
    return np.sqrt(np.einsum("...i,...i->...", vectors, vectors))


def _early_stop_verdict(stopped_at: int | None, cause: str | None, length: int) -> Verdict | None:
    """A run cut short by a non-finite value or the bounds has diverged at that step."""
    if stopped_at is None or stopped_at < 0:
        if length == 0:
            raise ValueError("cannot judge a run without a single valid point")
        return None
    because = cause or "the loss or the iterate became non-finite or left the plot's bounds"
    return Verdict(
        regime=Regime.DIVERGED,
        step=int(stopped_at),
        reason=f"diverged at step {stopped_at}: {because}",
    )


def _growth_verdict(losses: np.ndarray) -> Verdict | None:
    """Diverged when the loss ended far above where it started (see the module docstring)."""
    start = losses[0]
    drop = start - losses.min()
    line = start + max(drop, GROWTH_MARGIN * abs(start), _ABSOLUTE_FLOOR)
    if losses[-1] <= line:
        return None
    step = int(np.argmax(losses > line))
    return Verdict(
        regime=Regime.DIVERGED,
        step=step,
        reason=f"diverged from step {step}: the loss grew from {start:.4g} to {losses[-1]:.4g}",
    )


def _oscillation_verdict(moves: np.ndarray, what: str) -> Verdict | None:
    """Oscillating when most later pairs of non-negligible moves reverse direction."""
    lengths = row_norms(moves) if moves.size else np.zeros(0)
    if lengths.size < 2 or lengths.max() == 0.0:
        return None
    kept = moves[lengths > NEGLIGIBLE_MOVE * lengths.max()]
    reversed_pairs = np.einsum("ij,ij->i", kept[:-1], kept[1:]) < 0.0
    later = reversed_pairs[len(reversed_pairs) // 2 :]
    if later.size == 0 or 2 * int(later.sum()) <= later.size:
        return None
    first = int(np.flatnonzero(reversed_pairs)[0]) + 1
    step = int(np.flatnonzero(lengths > NEGLIGIBLE_MOVE * lengths.max())[first]) + 1
    return Verdict(
        regime=Regime.OSCILLATING,
        step=step,
        reason=(
            f"oscillating from step {step}: successive {what} reversed direction "
            f"{int(later.sum())} times in the last {later.size}"
        ),
    )


def _settled_from(holds: np.ndarray) -> int | None:
    """The first index from which ``holds`` is true to the end, or ``None`` if it ends false."""
    if holds.size == 0 or not holds[-1]:
        return None
    failing = np.flatnonzero(~holds)
    return int(failing[-1]) + 1 if failing.size else 0


def classify_view(run: RunView) -> Verdict:
    """``classify_run`` on one run of a :class:`~gdsim.core.simulate.SimulationResult`."""
    return classify_run(run.points, run.losses, run.grads, run.stopped_at, run.stop_cause)


@dataclass(frozen=True)
class CriticalRates:
    """Learning rates where a quadratic model of the minimum changes behaviour.

    ``monotone`` = 1/lambda: the largest step that never overshoots (and, exactly, the one-step
    jump to the minimum); ``stable`` = 2/lambda: gradient descent diverges beyond it;
    ``momentum_stable`` = 2 (1 + beta)/lambda: the same limit for heavy-ball momentum beta.
    """

    lambda_max: float
    momentum: float
    monotone: float
    stable: float
    momentum_stable: float

    def limit_for(self, optimizer: str) -> float | None:
        """The stability limit of ``optimizer``: 2/lambda for plain gradient descent,
        2(1+beta)/lambda for heavy-ball momentum, None for the rest (adaptive methods rescale
        the step per coordinate, so no single threshold applies)."""
        if optimizer == "gd":
            return self.stable
        if optimizer == "momentum":
            return self.momentum_stable
        return None


def critical_rates(lam: float | None, momentum: float = 0.0) -> CriticalRates | None:
    """The critical learning rates for curvature ``lam``; None without a positive curvature."""
    if not 0.0 <= momentum < 1.0:
        raise ValueError(f"momentum must lie in [0, 1), got {momentum:g}")
    if lam is None or not np.isfinite(lam) or lam <= 0.0:
        return None
    return CriticalRates(
        lambda_max=float(lam),
        momentum=float(momentum),
        monotone=1.0 / lam,
        stable=2.0 / lam,
        momentum_stable=2.0 * (1.0 + momentum) / lam,
    )


def reference_minimum(
    surface: Surface, start: Sequence[float] | None = None
) -> tuple[float, ...] | None:
    """The minimum whose curvature sets the critical learning rates for a run from ``start``.

    A named surface: its known global minimum nearest the start. A typed formula: the local
    minimum BFGS reaches from the start on the exact gradient, or None when there is none: the
    minimiser ran out of the simulation bounds or to a non-finite value, did not reach a
    stationary point, or stopped where the Hessian is not positive semi-definite or the function
    still falls nearby along a Hessian eigenvector (a saddle, the inflection of ``w**3``).
    """
    origin = np.asarray(surface.start if start is None else start, dtype=float)
    if surface.minima:
        known = np.asarray(surface.minima, dtype=float)
        return tuple(float(c) for c in known[np.argmin(np.linalg.norm(known - origin, axis=1))])
    found = _local_minimum(surface, origin)
    return None if found is None else tuple(float(c) for c in found)


def distances_to_nearest(points: np.ndarray, minima: np.ndarray) -> np.ndarray:
    """Distance of each iterate (n, dim) to the nearest of the minima (m, dim): the curve that
    shows a run closing in on (or circling) a minimum when the loss alone hides it."""
    gaps = points[:, None, :] - minima[None, :, :]
    return row_norms(gaps).min(axis=1)


def lambda_max(surface: Surface, start: Sequence[float] | None = None) -> float | None:
    """The largest Hessian eigenvalue at :func:`reference_minimum`, or None without one."""
    minimum = reference_minimum(surface, start)
    return None if minimum is None else curvature_at(surface, minimum)


def curvature_at(surface: Surface, point: Sequence[float]) -> float:
    """The largest Hessian eigenvalue at `point` (callers holding the reference minimum
    already use this rather than search for it again: for a typed formula that is a BFGS run)."""
    return float(np.linalg.eigvalsh(_symmetric_hessian(surface, np.asarray(point)))[-1])


_STATIONARY_TOLERANCE = 1e-6
"""Gradient norm, relative to the start's (at least 1), that counts as a stationary point."""

_CURVATURE_TOLERANCE = 1e-8
"""Hessian eigenvalues above ``-tol * max|eig|`` count as non-negative (rounding)."""

_PROBE = 1e-2
"""Probe distance, relative to the plot domain: a minimum is lower than its neighbours there
along every Hessian eigenvector (this rejects the flat inflection of ``w**3``)."""


def _local_minimum(surface: Surface, origin: np.ndarray) -> np.ndarray | None:
    """BFGS from ``origin``, accepted only at a genuine local minimum inside the bounds."""
    function = surface.function

    def value(x: np.ndarray) -> float:
        return float(function.value(*x))

    def gradient(x: np.ndarray) -> np.ndarray:
        return np.array([float(g) for g in function.gradient(*x)])

    lows, highs = np.array(default_bounds(surface)).T

    def stop_outside(x: np.ndarray) -> None:
        """Give up as soon as an iterate leaves the bounds: on a formula without a minimum
        (``3*w``) BFGS would otherwise spend its 2000 iterations walking to infinity (~1 s
        in the GUI thread per typed formula)."""
        if not np.all((lows <= x) & (x <= highs)):
            raise StopIteration

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        found = scipy.optimize.minimize(
            value,
            origin,
            jac=gradient,
            method="BFGS",
            callback=stop_outside,
            options={"maxiter": 2000, "gtol": 1e-10},
        ).x
    if not (np.all(np.isfinite(found)) and np.all((lows <= found) & (found <= highs))):
        return None
    centre = value(found)
    if not np.isfinite(centre):
        return None  # NaN or inf there (1e309, log(-1 - w**2)): no value, no minimum
    if not _largest_component(gradient(found)) <= _STATIONARY_TOLERANCE * _gradient_scale(
        surface, origin
    ):
        return None
    eigenvalues, vectors = np.linalg.eigh(_symmetric_hessian(surface, found))
    if not np.all(np.isfinite(eigenvalues)):
        return None
    size = max(float(np.abs(eigenvalues).max()), _ABSOLUTE_FLOOR)
    if eigenvalues[0] < -_CURVATURE_TOLERANCE * size:
        return None
    width = _PROBE * min(hi - lo for lo, hi in surface.domain)
    for direction in vectors.T:
        if any(value(found + side * width * direction) < centre for side in (-1.0, 1.0)):
            return None
    return found


_SCALE_SAMPLES = 5
"""Points per axis of the grid on which a formula's typical gradient size is measured."""


def _gradient_scale(surface: Surface, origin: np.ndarray) -> float:
    """The largest finite gradient component at the start and on a coarse grid over the
    domain: what "practically zero" is measured against. A fixed floor of 1 would call every
    point of ``5e-324*w`` stationary, a straight line with no minimum; 0 (a constant) stays 0."""
    with np.errstate(all="ignore"):
        sizes = [_largest_component(surface.gradient(*origin)), *_grid_gradient_sizes(surface)]
    return max((size for size in sizes if np.isfinite(size)), default=0.0)


@functools.lru_cache(maxsize=16)
def _grid_gradient_sizes(surface: Surface) -> tuple[float, ...]:
    """The largest gradient component at each point of the coarse grid: the same for every
    search on a surface (25 gradients, ~1 ms of each search while a slider is dragged)."""
    axes = [np.linspace(lo, hi, _SCALE_SAMPLES) for lo, hi in surface.domain]
    grid = np.stack([a.ravel() for a in np.meshgrid(*axes)], axis=1)
    with np.errstate(all="ignore"):
        return tuple(_largest_component(surface.gradient(*point)) for point in grid)


def _largest_component(gradient: Sequence[float] | np.ndarray) -> float:
    """The gradient's size as its largest component: a Euclidean norm squares 5e-324 to 0."""
    return float(np.max(np.abs(np.asarray(gradient, dtype=float))))


def _symmetric_hessian(surface: Surface, point: np.ndarray) -> np.ndarray:
    hessian = np.asarray(surface.hessian(*point), dtype=float)
    return (hessian + hessian.T) / 2.0


QUICK_STEPS = 20
"""Steps simulated to tell whether a step size diverges at once ("diverged at step 1"). Fewer
let Ackley keep eta = 5, which leaves the plot at step 15."""

MAX_HALVINGS = 40
"""Halvings tried before giving up on finding a step size that does not diverge at once."""


@dataclass(frozen=True)
class Taming:
    """A step size offered for one that diverges at once on a new surface (see
    :func:`tame_learning_rate`). ``from_curvature``: it started from 1/lambda (the old step
    was above the stability limit), else from the old step; ``halvings``: how often it was then
    halved; ``safe``: False when even the smallest step size tried still diverged at once."""

    lr: float
    from_curvature: bool
    halvings: int
    safe: bool


def tame_learning_rate(
    surface: Surface, run: RunSpec, lam: float | None, smallest: float = 0.0
) -> Taming | None:
    """A step size for ``run`` on ``surface`` that does not diverge at once, or None when its
    own does not: a step size kept from another surface can be absurd on the new one (0.2 on
    Rosenbrock, where 2/lambda = 0.002, diverges at step 1).

    Above its optimizer's stability limit at curvature ``lam`` the run gets 1/lambda. But
    1/lambda is the minimum's: Goldstein-Price from (1.5, 1.5) has curvature 3e5 there against
    965 at the minimum, and 1/lambda still diverges at step 1; surfaces with no usable lambda
    (a saddle, Ackley's cusp, a flat minimum) have no limit at all. So the step size (1/lambda,
    or the run's own) is halved until the first QUICK_STEPS steps do not diverge, at most
    MAX_HALVINGS times and not below ``smallest`` (the slider's floor). Halving keeps the
    largest such step: 1/lambda at the start's curvature (3.3e-6) leaves Goldstein-Price slow
    after 200 steps, where 1/lambda halved 5 times (3.2e-5) converges."""
    momentum = _heavy_ball(run)
    rates = critical_rates(lam, momentum)
    limit = None if rates is None else rates.limit_for(run.optimizer)
    from_curvature = rates is not None and limit is not None and run.lr > limit
    if not from_curvature and not diverges_at_once(surface, run):
        return None
    lr = rates.monotone if from_curvature and rates is not None else run.lr
    halvings = 0
    while diverges_at_once(surface, replace(run, lr=lr)):
        if halvings == MAX_HALVINGS or lr / 2.0 < smallest:
            return Taming(
                lr=max(lr / 2.0, smallest),
                from_curvature=from_curvature,
                halvings=halvings,
                safe=False,
            )
        lr /= 2.0
        halvings += 1
    return Taming(lr=lr, from_curvature=from_curvature, halvings=halvings, safe=True)


def diverges_at_once(surface: Surface, run: RunSpec) -> bool:
    """Whether ``run`` diverges within its first QUICK_STEPS steps."""
    with np.errstate(all="ignore"):
        result = simulate(surface, [run], QUICK_STEPS)
    return classify_view(result.run(0)).regime is Regime.DIVERGED


def _heavy_ball(run: RunSpec) -> float:
    """The momentum whose stability limit 2(1+beta)/lambda applies to ``run`` (0 for others)."""
    hyper = get_optimizer(run.optimizer).resolve(run.hyper)
    return hyper.get("momentum", 0.0) if run.optimizer == "momentum" else 0.0


SAME_POINT = 1e-6
"""Minima closer than this fraction of the plot domain's width are the same minimum."""


def settled_minimum(surface: Surface, run: RunView, verdict: Verdict) -> tuple[float, ...] | None:
    """The local minimum a converged run settled in, or None (the run did not converge, or it
    stopped on something that is not a minimum). The critical rates that matter for such a run
    are that minimum's: on the tilted double well a run from w = 1.8 settles in the local
    minimum near 0.93 (lambda ~ 6.4), not the global one near -1.06 (lambda ~ 9.4). Cheap: the
    minimiser starts where the run ended, already at the stationary point."""
    if verdict.regime is not Regime.CONVERGED or len(run.points) == 0:
        return None
    return _minimum_settled_at(surface, np.asarray(run.points[-1], dtype=float).tobytes())


SETTLED_REMEMBERED = 64
"""``settled_minimum``'s answers kept, by surface and end point."""


@functools.lru_cache(maxsize=SETTLED_REMEMBERED)
def _minimum_settled_at(surface: Surface, end: bytes) -> tuple[float, ...] | None:
    """``settled_minimum`` for a run that ended at ``end`` (its float64 bits): asked twice a
    frame of a dragged slider for the same run, by the thresholds and by the distance plot,
    and each converged step size ends somewhere new (~4 ms a search on rosenbrock)."""
    found = _local_minimum(surface, np.frombuffer(end, dtype=float).copy())
    return None if found is None else tuple(float(c) for c in found)


def distance_target(
    surface: Surface, run: RunView, verdict: Verdict, minima: np.ndarray
) -> np.ndarray:
    """The minima to measure ``run``'s distance to (for :func:`distances_to_nearest`): the one
    it settles in when it converged to a minimum, else ``minima`` (m, dim), the nearest of which
    counts. On the tilted double well a run from w = 1.8 settles near 0.93, about 2 from the
    only listed (global) minimum: measured to that one its curve would read "never got there"."""
    with np.errstate(all="ignore"):
        settled = settled_minimum(surface, run, verdict)
    return minima if settled is None else np.asarray([settled], dtype=float)


STEEP_START = 1.5
"""The start's curvature must exceed the minimum's by this factor to be worth a sentence."""


def steep_start_curvature(
    surface: Surface, start: Sequence[float], lam: float | None
) -> float | None:
    """The curvature at ``start`` when it is clearly larger than ``lam`` (the minimum's), else
    None. 2/lambda at the minimum does not protect the first steps: ``w**4 - 3*w**2 + w`` from
    w = 3 has curvature 102 there (2/lambda = 0.0196) against 9.3 at the minimum (0.214), so
    eta = 0.2 overshoots at once and diverges."""
    if lam is None or not np.isfinite(lam) or lam <= 0.0:
        return None
    with np.errstate(all="ignore"):
        here = curvature_at(surface, start)
    return here if np.isfinite(here) and here > STEEP_START * lam else None


def same_minimum(surface: Surface, a: Sequence[float], b: Sequence[float]) -> bool:
    """Whether two minima found by separate searches are the same point of ``surface``."""
    width = min(hi - lo for lo, hi in surface.domain)
    return float(np.linalg.norm(np.subtract(a, b))) <= SAME_POINT * width
