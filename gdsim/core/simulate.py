"""K optimizer runs of N steps on one surface at once, as numpy arrays.

Two paths give the same result: a compiled kernel (``gdsim.core.kernel``: ~10-300x faster,
used once it is ready in the background) and the numpy path described here, which is the
reference and the fallback (numba missing, a formula the kernel does not cover,
``GDSIM_KERNEL=numpy``). They agree to a few units in the last place, not bit for bit.

The step-size slider redraws while it is dragged and later views run 1,000 learning rates
through this same function (and a 200 x 200 grid of starts through ``final_states``, the same
loop keeping only the current state), so the loop is vectorised over runs: the
state is a ``(D, K)`` array, the surface's exact gradient is called once per step on coordinate
views, and the outputs are preallocated. Runs that share an optimizer and its hyper-parameters
form one batch; each run keeps its own learning rate, start, gradient noise and seed. Runs come
as ``RunSpec`` objects, or as one ``RunBatch`` of arrays (a sweep's rates, a grid's starts).
A slider drag calls again and again with only new rates: such a call reuses the checked input
of one of the last few calls (``_PreparedCalls``), so that it costs little more than the kernel.

Nothing is checked inside the loop. Afterwards all losses come from one vectorised call over the
whole ``(N+1, K)`` history, and each run is cut at its first *invalid* iterate: a non-finite
coordinate or loss, or a point outside the bounds. Conventions:

- ``points[k, t]`` is the iterate after step ``t`` (``t = 0`` is the start), so N steps give
  N+1 points; ``grads[k, t]`` is the exact (noise-free) gradient there.
- A run that stops records ``stopped_at[k] = t``, the step whose iterate was invalid. That
  iterate is NOT kept: ``lengths[k] = t`` valid points remain, the last of them inside the
  bounds, and every entry from ``t`` on is NaN. Runs that used the whole budget have
  ``stopped_at = -1`` and ``lengths = N+1``. A start that is itself invalid gives
  ``stopped_at = lengths = 0``.
- Default bounds: the surface's plot domain enlarged ten-fold about its centre, each coordinate
  in ``[c - 10 h, c + 10 h]`` (c the centre, h the half-width): far enough that a run leaving it
  has clearly diverged, near enough that it stops before floats overflow.
- Gradient noise: the optimizer sees the exact gradient plus Gaussian noise of standard
  deviation ``noise`` in every coordinate, drawn from ``numpy.random.default_rng(seed)`` for
  that run alone, so a run's path does not depend on the other runs simulated with it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import chain
from operator import attrgetter, is_

import numpy as np
import sympy

from gdsim.core import kernel
from gdsim.core.expr import CompiledFunction
from gdsim.core.optimizers import OptimizerSpec, UpdateRule, get_surface_optimizer
from gdsim.core.recycled import HISTORIES
from gdsim.core.surfaces import Surface

BOUNDS_FACTOR = 10.0
"""Default bounds: the plot domain scaled by this factor about its centre."""

Bounds = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class RunSpec:
    """One run: learning rate, optimizer and its hyper-parameters, start (None = the
    surface's), standard deviation of the gradient noise and the seed that draws it."""

    lr: float
    optimizer: str = "gd"
    start: tuple[float, ...] | None = None
    hyper: Mapping[str, float] = field(default_factory=dict)
    noise: float = 0.0
    seed: int = 0


@dataclass(frozen=True, eq=False)
class RunBatch(Sequence[RunSpec]):
    """Many runs that share the optimizer, its settings, the noise and the seed, given as arrays:
    ``lrs`` (K,) and ``starts`` (K, D) (None: the surface's start for every run).

    A sweep of 1,000 rates or a map of 40,000 starts reads these at C speed; reading as many
    ``RunSpec`` objects one by one cost ~5 ns per step and run of a 100-step simulation, half of
    the kernel's own time. It is a sequence of ``RunSpec`` (``batch[k]``), so a result's ``runs``
    reads the same either way; every run of it draws the same noise, from ``seed``. The arrays are
    copied: changing the caller's afterwards changes nothing here."""

    lrs: np.ndarray
    starts: np.ndarray | None = None
    optimizer: str = "gd"
    hyper: Mapping[str, float] = field(default_factory=dict)
    noise: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "lrs", np.array(self.lrs, dtype=float, ndmin=1))
        if self.starts is not None:
            object.__setattr__(self, "starts", np.array(self.starts, dtype=float, ndmin=2))
        object.__setattr__(self, "hyper", dict(self.hyper))

    def __len__(self) -> int:
        return len(self.lrs)

    def __getitem__(self, k: int) -> RunSpec:  # type: ignore[override]
        """Run ``k`` as a ``RunSpec`` (an index, not a slice)."""
        return RunSpec(
            lr=float(self.lrs[k]),
            optimizer=self.optimizer,
            start=None if self.starts is None else tuple(self.starts[k].tolist()),
            hyper=self.hyper,
            noise=self.noise,
            seed=self.seed,
        )


class StopCause(StrEnum):
    """Why a run was cut short, worded to complete "diverged at step t: ..."."""

    NON_FINITE = "the loss or the iterate became non-finite"
    OUT_OF_BOUNDS = "the iterate left the plot's bounds"


@dataclass(frozen=True)
class RunView:
    """One run's valid history: ``points`` (n, D), ``losses`` (n,), ``grads`` (n, D)."""

    spec: RunSpec
    points: np.ndarray
    losses: np.ndarray
    grads: np.ndarray
    stopped_at: int | None
    stop_cause: StopCause | None


@dataclass(frozen=True)
class SimulationResult:
    """All runs side by side; entries after a run stopped are NaN (see the module docstring)."""

    runs: tuple[RunSpec, ...] | RunBatch
    points: np.ndarray
    losses: np.ndarray
    grads: np.ndarray
    stopped_at: np.ndarray
    stop_causes: tuple[StopCause | None, ...]
    lengths: np.ndarray
    n_steps: int
    bounds: Bounds

    def __len__(self) -> int:
        return len(self.runs)

    @property
    def steps(self) -> np.ndarray:
        """Step vectors ``points[:, t+1] - points[:, t]``, shape (K, N, D), NaN after a stop."""
        return np.diff(self.points, axis=1)

    def run(self, k: int) -> RunView:
        """Run ``k`` trimmed to its valid points."""
        n = int(self.lengths[k])
        stop = int(self.stopped_at[k])
        return RunView(
            spec=self.runs[k],
            points=self.points[k, :n],
            losses=self.losses[k, :n],
            grads=self.grads[k, :n],
            stopped_at=stop if stop >= 0 else None,
            stop_cause=self.stop_causes[k],
        )


def default_bounds(surface: Surface) -> Bounds:
    """The plot domain enlarged ``BOUNDS_FACTOR`` times about its centre, per coordinate."""
    enlarged = []
    for lo, hi in surface.domain:
        centre, half = (lo + hi) / 2.0, (hi - lo) / 2.0
        enlarged.append((centre - BOUNDS_FACTOR * half, centre + BOUNDS_FACTOR * half))
    return tuple(enlarged)


def simulate(
    surface: Surface,
    runs: Sequence[RunSpec] | RunBatch,
    steps: int,
    bounds: Bounds | None = None,
) -> SimulationResult:
    """Run every spec for ``steps`` steps on ``surface``; bad input raises a one-line ValueError."""
    batch = isinstance(runs, RunBatch)
    if not batch:
        runs = tuple(runs)
    if not len(runs):
        raise ValueError("nothing to simulate: give at least one run")
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 0:
        raise ValueError(f"the number of steps must be a whole number >= 0, got {steps!r}")
    steps = int(steps)
    prepared = None if batch else _PREPARED.find(surface, runs, steps, bounds)
    if prepared is None:
        prepared = (_prepare_batch if batch else _prepare)(surface, runs, steps, bounds)
        lrs = prepared.lrs
    else:
        lrs = _non_negative(list(map(_LR, runs)))
        if lrs is None:
            lrs = np.array([_lr_of(spec) for spec in runs])
    calls = prepared.compiled()
    if calls is not None:
        return _simulate_compiled(runs, prepared, calls, lrs, steps)
    dim, bounds = surface.dim, prepared.bounds
    trace = np.empty((steps + 1, dim, len(runs)))
    grad_trace = np.empty_like(trace)
    for (members, optimizer, hyper), draws in zip(prepared.batches, prepared.draws, strict=True):
        points, grads = _integrate(
            surface,
            optimizer.make_rule(hyper),
            prepared.starts[:, members],
            lrs[members],
            draws,
            steps,
        )
        trace[:, :, members] = points
        grad_trace[:, :, members] = grads

    with np.errstate(all="ignore"):
        losses = np.asarray(surface.value(*trace.transpose(1, 0, 2)), dtype=float)
        losses = np.broadcast_to(losses, (steps + 1, len(runs))).copy()
        stopped_at, causes = _first_invalid(trace, losses, bounds)
    lengths = np.where(stopped_at >= 0, stopped_at, steps + 1)
    dead = np.arange(steps + 1)[:, None] >= lengths[None, :]
    dead_coords = np.broadcast_to(dead[:, None, :], trace.shape)
    trace[dead_coords] = np.nan
    grad_trace[dead_coords] = np.nan
    losses[dead] = np.nan
    return SimulationResult(
        runs=runs,
        points=np.ascontiguousarray(trace.transpose(2, 0, 1)),
        losses=np.ascontiguousarray(losses.T),
        grads=np.ascontiguousarray(grad_trace.transpose(2, 0, 1)),
        stopped_at=stopped_at,
        stop_causes=causes,
        lengths=lengths,
        n_steps=steps,
        bounds=bounds,
    )


_BatchCall = tuple[Callable[[np.ndarray, tuple], None], np.ndarray | None]
"""A batch's compiled loop bound to all but the rates, and its members (None: every run)."""


@dataclass(eq=False)
class _Prepared:
    """Everything ``simulate`` derives from its input except the learning rates, checked: the
    slider calls it again and again with only a new rate, and deriving this anew cost more
    than the compiled kernel itself at 4 x 500 (see ``_PreparedCalls``). Its arrays are never
    written to after they are made: the kernels only read the starts and the noise."""

    surface: Surface
    steps: int
    given_bounds: Bounds | None
    key: tuple | None
    given_starts: tuple | None
    bounds: Bounds
    limits: np.ndarray
    starts: np.ndarray
    lrs: np.ndarray
    batches: list[tuple[np.ndarray, OptimizerSpec, dict]]
    draws: list[np.ndarray | None]
    settled: list[_BatchCall] | None = None

    @property
    def noiseless(self) -> bool:
        return all(draws is None for draws in self.draws)

    def compiled(self) -> list[_BatchCall] | None:
        """Per batch, its compiled loop with everything but the rates bound
        (``kernel.bind_history``) and its members (None: all runs); None where the numpy path
        runs now. Kept once they are the specialised kernels for good (a finished kernel never
        changes), unless ``GDSIM_KERNEL`` asks otherwise."""
        default = kernel.default_mode()
        if self.settled is not None and default:
            return self.settled
        names = [optimizer.name for _, optimizer, _ in self.batches]
        found = kernel.loops(self.surface.function, names)
        if found is None:
            return None
        whole = len(self.batches) == 1
        calls = [
            (
                kernel.bind_history(
                    found[optimizer.name],
                    self.surface.function,
                    optimizer.name,
                    hyper,
                    self.starts if whole else np.ascontiguousarray(self.starts[:, members]),
                    draws,
                    self.limits,
                    members,
                ),
                None if whole else members,
            )
            for (members, optimizer, hyper), draws in zip(self.batches, self.draws, strict=True)
        ]
        if default and kernel.specialised(found):
            self.settled = calls
        return calls


def _prepare(
    surface: Surface, runs: tuple[RunSpec, ...], steps: int, bounds: Bounds | None
) -> _Prepared:
    """Check and derive ``simulate``'s input in its documented order (the first bad thing
    raises its message), and keep the result for calls that differ only in the rates."""
    dim = surface.dim
    checked = default_bounds(surface) if bounds is None else _checked_bounds(bounds, dim)
    starts, lrs, noise = _inputs(runs, surface, dim)
    batches = _batches(runs)
    draws = [_noise_draws(runs, members, noise, steps, dim) for members, _, _ in batches]
    key = _frozen_key(runs) if len(runs) <= _PreparedCalls.MAX_RUNS else None
    small = sum(0 if d is None else d.size for d in draws) <= _PreparedCalls.MAX_NOISE
    prepared = _Prepared(
        surface=surface,
        steps=steps,
        given_bounds=None if bounds is None else checked,
        key=key,
        given_starts=tuple(map(_START, runs)),
        bounds=checked,
        limits=_bounds_array(checked),
        starts=starts,
        lrs=lrs,
        batches=batches,
        draws=draws,
    )
    if key is not None and small:
        _PREPARED.keep(prepared)
    return prepared


def _prepare_batch(
    surface: Surface, runs: RunBatch, steps: int, bounds: Bounds | None
) -> _Prepared:
    """``_prepare`` for a ``RunBatch``: the same checks in the same order, each on a whole
    array, with the messages the same runs given as ``RunSpec`` get."""
    dim, count = surface.dim, len(runs)
    checked = default_bounds(surface) if bounds is None else _checked_bounds(bounds, dim)
    if runs.lrs.ndim != 1:
        raise ValueError(
            f"the learning rates must be a list of numbers, got shape {runs.lrs.shape}"
        )
    if runs.starts is None:
        starts = np.empty((dim, count))
        starts.T[:] = surface.start
    elif runs.starts.ndim != 2 or len(runs.starts) != count:
        raise ValueError(f"the starts must be a ({count}, {dim}) array: one row per rate")
    elif runs.starts.shape[1] != dim:
        raise ValueError(
            f"the start needs {dim} coordinates, got {runs.starts.shape[1]}: "
            f"{tuple(runs.starts[0].tolist())}"
        )
    else:
        starts = runs.starts.T.copy()
    lrs = runs.lrs
    if not (np.isfinite(lrs).all() and (lrs >= 0.0).all()):
        _lr_of(runs[int(np.argmin(np.isfinite(lrs) & (lrs >= 0.0)))])
    noise = _noise_of(runs[0])
    optimizer = get_surface_optimizer(runs.optimizer)
    batches = [(np.arange(count), optimizer, optimizer.resolve(runs.hyper))]
    draws = None
    if noise > 0.0:
        draw = np.random.default_rng(runs.seed).normal(0.0, noise, size=(steps, dim))
        draws = np.repeat(draw[:, :, None], count, axis=2)
    return _Prepared(
        surface=surface,
        steps=steps,
        given_bounds=None if bounds is None else checked,
        key=None,
        given_starts=None,
        bounds=checked,
        limits=_bounds_array(checked),
        starts=starts,
        lrs=lrs,
        batches=batches,
        draws=[draws],
    )


_REST = attrgetter("optimizer", "hyper", "noise", "seed")
"""A run's fields but its learning rate and start: what a prepared call is keyed on by value
(its starts are keyed by identity, see ``_PreparedCalls``)."""

_PLAIN = (float, int, np.float64)


def _frozen_key(runs: tuple[RunSpec, ...]) -> tuple | None:
    """``_REST`` of every run as plain immutable values (the hyper-parameters copied), or None
    where a field or a start is anything else (an array, a list, a Decimal: such calls are
    never kept). A later call equal to it has equal values, so it converts to the same floats
    and passes the same checks: its noise, batches and bounds are this call's."""
    key = []
    for spec in runs:
        optimizer, hyper, noise, seed = _REST(spec)
        start = spec.start
        plain = (
            type(optimizer) is str
            and (start is None or (type(start) is tuple and all(type(c) in _PLAIN for c in start)))
            and type(hyper) is dict
            and all(type(k) is str and type(v) in _PLAIN for k, v in hyper.items())
            and type(noise) in _PLAIN
            and type(seed) is int
        )
        if not plain:
            return None
        key.append((optimizer, dict(hyper), noise, seed))
    return tuple(key)


class _PreparedCalls:
    """The last few ``_Prepared``, found again by a call with the same surface (the same
    object: surfaces are immutable), steps, bounds and runs but for their rates.

    Equal is enough for every field but two. The seed: ``5.0 == 5``, yet only an int seeds the
    noise, so a call with noise must also give int seeds. The start: ``-0.0 == 0.0``, yet a
    gradient like 1/x tells them apart, so starts must be the very same tuples (the slider's
    runs keep theirs: only the rate is replaced). A stored key holds only plain immutable values
    (``_frozen_key``; kept starts are tuples of numbers), so a caller mutating its own objects
    later cannot make a stale entry match. Entries are replaced, never changed in place, so
    threads may share them.
    """

    SLOTS = 4
    MAX_RUNS = 64
    """The most runs a kept call has: the slider's few; keying a 1,000-run sweep would cost
    ~1 ms a call for nothing (its calls differ in more than the rates)."""
    MAX_NOISE = 1 << 20
    """The most noise draws an entry keeps (8 MiB); larger calls are not kept."""

    def __init__(self) -> None:
        self._entries: tuple[_Prepared, ...] = ()

    def find(
        self, surface: Surface, runs: tuple[RunSpec, ...], steps: int, bounds: Bounds | None
    ) -> _Prepared | None:
        for entry in self._entries:
            if entry.surface is not surface or entry.steps != steps or len(entry.key) != len(runs):
                continue
            if not all(map(is_, map(_START, runs), entry.given_starts)):
                continue
            try:
                same = bounds == entry.given_bounds and tuple(map(_REST, runs)) == entry.key
            except (TypeError, ValueError):  # an array compared with a tuple
                return None
            if same and (entry.noiseless or all(type(spec.seed) is int for spec in runs)):
                return entry
        return None

    def keep(self, entry: _Prepared) -> None:
        self._entries = (entry, *self._entries[: self.SLOTS - 1])

    def clear(self) -> None:
        self._entries = ()


_PREPARED = _PreparedCalls()


def forget_prepared() -> None:
    """Forget the kept calls, so that the next call prepares afresh (benchmarks and tests
    time and check that path)."""
    _PREPARED.clear()


def _simulate_compiled(
    runs: tuple[RunSpec, ...] | RunBatch,
    prepared: _Prepared,
    calls: list[_BatchCall],
    lrs: np.ndarray,
    steps: int,
) -> SimulationResult:
    """``simulate`` on the compiled path (``gdsim.core.kernel``), which writes the result's
    arrays directly, losses, stops and NaN tails included: at many runs the numpy path's
    passes over the whole history after the loop cost as much as the loop itself. A slider
    frame's whole call is ~15 us of kernel: every Python step here counts."""
    count, dim = len(runs), prepared.starts.shape[0]
    size = count * (steps + 1)
    memory = HISTORIES.take(size * (2 * dim + 1))
    points = memory[: size * dim].reshape(count, steps + 1, dim)
    grads = memory[size * dim : 2 * size * dim].reshape(count, steps + 1, dim)
    losses = memory[2 * size * dim :].reshape(count, steps + 1)
    stopped_at = np.empty(count, dtype=np.int64)  # empty + fill: np.full is Python, ~1 us
    stopped_at.fill(-1)
    codes = np.zeros(count, dtype=np.int8)
    out = (points, grads, losses, stopped_at, codes)
    for call, members in calls:
        call(lrs if members is None else lrs[members], out)
    stops = stopped_at.tolist()
    if max(stops) < 0:
        lengths = np.empty(count, dtype=np.int64)
        lengths.fill(steps + 1)
        causes = (None,) * count
    else:
        lengths = np.array([steps + 1 if stop < 0 else stop for stop in stops])
        causes = tuple(map(_CAUSES.__getitem__, codes.tolist()))
    return SimulationResult(
        runs=runs,
        points=points,
        losses=losses,
        grads=grads,
        stopped_at=stopped_at,
        stop_causes=causes,
        lengths=lengths,
        n_steps=steps,
        bounds=prepared.bounds,
    )


_CAUSES = (None, StopCause.NON_FINITE, StopCause.OUT_OF_BOUNDS)
"""The compiled path's stop codes."""


@functools.lru_cache(maxsize=16)
def _bounds_array(bounds: Bounds) -> np.ndarray:
    """The bounds as the (D, 2) array the kernels read, made once per bounds (never written to)."""
    limits = np.array(bounds)
    return limits


def _integrate(
    surface: Surface,
    rule: UpdateRule,
    start: np.ndarray,
    lr: np.ndarray,
    noise: np.ndarray | None,
    steps: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The whole history on the numpy path (the reference, and the fallback where no compiled
    loop is available, see ``kernel.loops``): every iterate and the gradient there, (N+1, D, K)."""
    points = np.empty((steps + 1, *start.shape))
    grads = np.empty_like(points)
    points[0] = start
    params = start.copy()
    gradient = _gradient_kernel(surface.function)
    with np.errstate(all="ignore"):
        for t in _iterate(gradient, rule, params, lr, noise, steps, grads):
            points[t] = params
        for d, component in enumerate(gradient(*params)):
            grads[steps, d] = component
    return points, grads


def _iterate(
    gradient: Callable[..., tuple],
    rule: UpdateRule,
    params: np.ndarray,
    lr: np.ndarray,
    noise: np.ndarray | None,
    steps: int,
    grads: np.ndarray,
) -> Iterator[int]:
    """The hot loop, shared by the full history and the final-state path: one gradient call
    and one in-place update of ``params`` per step, no checks; yields t after step t, when
    ``params`` holds iterate t. ``grads[t]`` receives the gradient at iterate t (``grads`` of
    length 1 is reused: the final-state path keeps no history)."""
    last = len(grads) - 1
    for t in range(steps):
        grad = grads[min(t, last)]
        for d, component in enumerate(gradient(*params)):
            grad[d] = component
        rule.step(params, grad if noise is None else grad + noise[t], lr)
        yield t + 1


@dataclass(frozen=True)
class FinalStates:
    """Where many runs of one optimizer ended, without their histories (``final_states``).

    ``points`` (K, D): the last iterate, NaN for a run that stopped; ``stopped_at`` (K,): as
    in ``SimulationResult`` (-1: none); ``settled_at`` (K,): the step since which the run has
    stayed put: the first of its last stretch of iterates that all lie within the tolerance of
    that stretch's first iterate (the number of steps a run needed to reach where it ends;
    -1 for a run that stopped)."""

    points: np.ndarray
    stopped_at: np.ndarray
    settled_at: np.ndarray


def final_states(
    surface: Surface,
    starts: np.ndarray,
    lr: float,
    steps: int,
    optimizer: str = "gd",
    hyper: Mapping[str, float] | None = None,
    tolerance: float = 0.0,
) -> FinalStates:
    """``simulate`` for K runs from ``starts`` (K, D) that share everything but the start,
    keeping only the current state: 40,000 runs x 200 steps would hold ~0.5 GB of history.

    The iterates are ``simulate``'s to the last bit (the same loop: ``_iterate`` on the numpy
    path, ``gdsim.core.numba_kernel``'s on the compiled one, see ``gdsim.core.kernel``). A run stops
    at its first iterate outside the default bounds or non-finite, as there; unlike there, a
    non-finite *loss* at a finite point inside the bounds is not looked for (that would cost a
    surface evaluation per step), so on a surface with singularities such a run stops one step
    later, at its first non-finite iterate. Where a run settled is found without knowing where
    it ends: each run keeps an anchor, moved to the iterate (and the step noted) whenever the
    run gets farther than ``tolerance`` from it; a handful of array operations a step whatever
    the surface (measuring the distance to every known minimum each step cost twice as much as
    the integration itself)."""
    starts = np.asarray(starts, dtype=float)
    if starts.ndim != 2 or starts.shape[1] != surface.dim or len(starts) == 0:
        raise ValueError(f"starts must be a (K, {surface.dim}) array with K >= 1")
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 0:
        raise ValueError(f"the number of steps must be a whole number >= 0, got {steps!r}")
    rate = _lr_of(RunSpec(lr=lr))
    spec = get_surface_optimizer(optimizer)
    resolved = spec.resolve(hyper)
    bounds = np.array(default_bounds(surface))
    compiled = kernel.final(
        surface.function,
        optimizer,
        resolved,
        starts.T,
        np.full(len(starts), rate),
        steps,
        bounds,
        tolerance,
    )
    if compiled is not None:
        ends, stopped_at, settled_at = compiled
        return _final_states(ends, stopped_at, settled_at)
    rule = spec.make_rule(resolved)
    lows, highs = bounds[:, :1], bounds[:, 1:]
    params = np.array(starts.T, order="C")  # a copy: the loop updates it in place
    count = params.shape[1]
    stopped_at = np.full(count, -1)
    settled_at = np.zeros(count, dtype=int)
    anchor = params.copy()
    gap = np.empty_like(params)
    moved = np.empty(count, dtype=bool)
    gradient = _gradient_kernel(surface.function)

    def check(t: int) -> None:
        valid = ((params >= lows) & (params <= highs)).all(axis=0)  # NaN compares False
        stopped_at[~valid & (stopped_at < 0)] = t
        np.subtract(params, anchor, out=gap)
        np.multiply(gap, gap, out=gap)
        np.greater(gap.sum(axis=0), tolerance * tolerance, out=moved)
        np.copyto(anchor, params, where=moved)
        settled_at[moved] = t

    scratch = np.empty((1, *params.shape))
    with np.errstate(all="ignore"):
        check(0)
        for t in _iterate(gradient, rule, params, np.full(count, rate), None, steps, scratch):
            check(t)
    return _final_states(params, stopped_at, settled_at)


def _final_states(ends: np.ndarray, stopped_at: np.ndarray, settled_at: np.ndarray) -> FinalStates:
    """``FinalStates`` from the loop's last iterates (D, K): a stopped run ends at NaN and
    settled nowhere."""
    stopped = stopped_at >= 0
    settled_at[stopped] = -1
    points = ends.T.copy()
    points[stopped] = np.nan
    return FinalStates(points, stopped_at, settled_at)


@functools.lru_cache(maxsize=64)
def _gradient_kernel(function: CompiledFunction) -> Callable[..., tuple]:
    """The exact gradient without ``CompiledFunction.gradient``'s per-call argument checks and
    errstate (~5 us a call, half of a step's budget at 4 runs): the loop already runs inside
    errstate and copies each component into a ``(D, K)`` array, which broadcasts constant
    components. A gradient with the imaginary unit in it (``(-1)**w``) keeps the
    checked path, which turns complex values into NaN instead of dropping the imaginary part."""
    if any(component.has(sympy.I) for component in function.gradient_exprs):
        return function.gradient
    return function.bare_gradient


def _batches(runs: tuple[RunSpec, ...]) -> list[tuple[np.ndarray, OptimizerSpec, dict]]:
    """Runs sharing an optimizer and hyper-parameters: their indices, optimizer and settings.

    Each distinct setting is resolved once, in the order of the runs (the first bad one
    raises): with the compiled kernel, resolving it for each of 1,000 runs cost as much as
    simulating them. The usual call (one optimizer, no settings given) is recognised from two
    passes over the runs: grouping 40,000 runs one by one cost more than simulating them."""
    names = set(map(_OPTIMIZER, runs))
    if len(names) == 1 and not any(map(_HYPER, runs)):
        return [(np.arange(len(runs)), *_default_setting(runs[0].optimizer))]
    given: dict[tuple, list[int]] = {}
    for k, spec in enumerate(runs):
        key = (spec.optimizer, tuple(sorted(spec.hyper.items())))
        given.setdefault(key, []).append(k)
    groups: dict[tuple, tuple[list[int], OptimizerSpec, dict[str, float]]] = {}
    for (name, hyper), members in given.items():
        optimizer = get_surface_optimizer(name)
        resolved = optimizer.resolve(dict(hyper))
        key = (name, tuple(sorted(resolved.items())))
        groups.setdefault(key, ([], optimizer, resolved))[0].extend(members)
    return [
        (np.array(sorted(members), dtype=np.int64), optimizer, hyper)
        for members, optimizer, hyper in groups.values()
    ]


@functools.lru_cache(maxsize=16)
def _default_setting(name: str) -> tuple[OptimizerSpec, dict[str, float]]:
    """An optimizer with its default settings, resolved once per name (the slider's every
    frame asks for them; nothing mutates the settings a batch carries)."""
    optimizer = get_surface_optimizer(name)
    return optimizer, optimizer.resolve({})


def _noise_draws(
    runs: tuple[RunSpec, ...], members: np.ndarray, noise: np.ndarray, steps: int, dim: int
) -> np.ndarray | None:
    """Per-run seeded Gaussian gradient noise, shape (N, D, K_batch); None when all are 0."""
    if not (max(noise.tolist()) > 0.0 and np.any(noise[members] > 0.0)):
        return None
    draws = np.zeros((steps, dim, len(members)))
    for column, k in enumerate(members):
        if noise[k] > 0.0:
            rng = np.random.default_rng(runs[k].seed)
            draws[:, :, column] = rng.normal(0.0, noise[k], size=(steps, dim))
    return draws


def _first_invalid(
    trace: np.ndarray, losses: np.ndarray, bounds: Bounds
) -> tuple[np.ndarray, tuple[StopCause | None, ...]]:
    """Per run, the first step with a non-finite or out-of-bounds iterate (-1 if none)."""
    lows = np.array([lo for lo, _ in bounds])[None, :, None]
    highs = np.array([hi for _, hi in bounds])[None, :, None]
    finite = np.isfinite(trace).all(axis=1) & np.isfinite(losses)
    inside = ((trace >= lows) & (trace <= highs)).all(axis=1)
    invalid = ~(finite & inside)
    stopped = np.where(invalid.any(axis=0), invalid.argmax(axis=0), -1)
    causes = tuple(
        None if t < 0 else StopCause.OUT_OF_BOUNDS if finite[t, k] else StopCause.NON_FINITE
        for k, t in enumerate(stopped)
    )
    return stopped, causes


def _inputs(
    runs: tuple[RunSpec, ...], surface: Surface, dim: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The runs' starts (D, K, C-contiguous), learning rates and noise levels, each checked as
    a whole with loops that run in C (checking 40,000 runs one by one in Python cost more than
    simulating them, and a numpy test per array costs microseconds at 4 runs); where that
    fails, the per-run checks raise the message naming the first bad run."""
    count = len(runs)
    starts = _starts(list(map(_START, runs)), surface.start, count, dim)
    if starts is None:
        starts = np.array([_start_of(spec, surface, dim) for spec in runs])
    lrs = _non_negative(list(map(_LR, runs)))
    if lrs is None:
        lrs = np.array([_lr_of(spec) for spec in runs])
    noise = _non_negative(list(map(_NOISE, runs)))
    if noise is None:
        noise = np.array([_noise_of(spec) for spec in runs])
    return starts.T.copy(), lrs, noise


_START, _LR, _NOISE = attrgetter("start"), attrgetter("lr"), attrgetter("noise")
_OPTIMIZER, _HYPER = attrgetter("optimizer"), attrgetter("hyper")


def _starts(given: list, default: tuple[float, ...], count: int, dim: int) -> np.ndarray | None:
    """The starts (K, D) if each is ``dim`` numbers (None: the surface's), else None."""
    try:  # a start given as a numpy array makes ``in`` raise: the per-run checks take it
        if None in given:
            given = [default if start is None else start for start in given]
        if set(map(len, given)) != {dim}:
            return None
        flat = np.fromiter(chain.from_iterable(given), dtype=float, count=count * dim)
    except (TypeError, ValueError):
        return None
    return flat.reshape(count, dim)


def _non_negative(values: list) -> np.ndarray | None:
    """``values`` as a float array if they are all finite numbers >= 0 (a finite sum has no
    NaN nor infinity), else None."""
    try:
        total = sum(values)
        if not (total - total == 0.0 and min(values) >= 0.0):
            return None
        array = np.array(values, dtype=float)
    except (TypeError, ValueError, ArithmeticError):  # ArithmeticError: a signalling Decimal
        return None
    return array if array.shape == (len(values),) else None


def _start_of(spec: RunSpec, surface: Surface, dim: int) -> tuple[float, ...]:
    start = surface.start if spec.start is None else spec.start
    if len(start) != dim:
        raise ValueError(f"the start needs {dim} coordinates, got {len(start)}: {tuple(start)}")
    return tuple(float(c) for c in start)


def _lr_of(spec: RunSpec) -> float:
    lr = float(spec.lr)
    if not np.isfinite(lr) or lr < 0.0:
        raise ValueError(f"the learning rate must be a finite number >= 0, got {spec.lr!r}")
    return lr


def _noise_of(spec: RunSpec) -> float:
    noise = float(spec.noise)
    if not np.isfinite(noise) or noise < 0.0:
        raise ValueError(f"the gradient noise must be a finite number >= 0, got {spec.noise!r}")
    return noise


def _checked_bounds(bounds: Bounds, dim: int) -> Bounds:
    pairs = tuple((float(lo), float(hi)) for lo, hi in bounds)
    if len(pairs) != dim or any(not lo < hi for lo, hi in pairs):
        raise ValueError(f"bounds need one (low, high) pair with low < high for each of {dim} axes")
    return pairs


class SimulationJob:
    """One ``simulate`` call as a steppable job (the protocol of ``gdsim.ui.workers.JobRunner``):
    a single unit of work, so that long simulations leave the GUI thread."""

    def __init__(self, surface: Surface, runs: Sequence[RunSpec] | RunBatch, steps: int) -> None:
        self._args = (surface, runs if isinstance(runs, RunBatch) else list(runs), steps)
        self._result: SimulationResult | None = None

    def advance(self) -> bool:
        self._result = simulate(*self._args)
        return False

    def snapshot(self) -> SimulationResult | None:
        return self._result
