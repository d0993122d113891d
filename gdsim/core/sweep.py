"""A learning-rate sweep on a surface: hundreds of step sizes on a log grid, run together.

The lecture's story (w² at η = 0.01, 0.2, 0.8, 1.1: slow, converged, oscillating, diverged) is
four points of a curve; the sweep draws the whole curve. Every run starts at the same point with
the same optimizer; only η changes, over ``count`` values spaced evenly in log η. Each run gets
the verdict the explorer shows (``gdsim.core.verdict.classify_run``), its final loss, the
distance of its last iterate to the nearest known minimum and, on a 1D surface, its last
``TAIL`` iterates (the bifurcation diagram: a fixed point below 2/λ, then period two, four...
and chaos on a non-quadratic well).

The runs go through ``simulate`` in a few chunks of at most ``CHUNK_WORK`` run-steps, in order
of increasing η, so that ``SweepJob`` can report progress and be cancelled between two chunks
(and memory stays bounded: 2,000 runs x 20,000 steps in one piece would need gigabytes).

Which minimum sets λ: first the one ``reference_minimum`` predicts from the start (what the
explorer marks before anything runs); once the runs are in, the one the *largest* converged η
settled in, if that is another, as the explorer's ``ThresholdFollower`` follows its selected
run. The largest, because the boundaries are crossed by the runs with the largest steps: on the
tilted double well from w = 1.8, small steps settle in the local valley near 0.93 (λ ~ 6.4,
2/λ ~ 0.31), but from η ~ 0.1 on the first steps throw the run into the global valley near
-1.06 (λ ~ 9.4), whose 2/λ ~ 0.21 is where the period doubling and the divergence happen.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

import numpy as np

from gdsim.core.csv_export import number
from gdsim.core.limits import MAX_SURFACE_STEPS
from gdsim.core.optimizers import get_surface_optimizer
from gdsim.core.simulate import RunBatch, RunView, simulate
from gdsim.core.state.surface import MAX_LR, MIN_LR, SurfaceState
from gdsim.core.surfaces import Surface
from gdsim.core.verdict import (
    CriticalRates,
    Regime,
    Verdict,
    classify_view,
    critical_rates,
    curvature_at,
    reference_minimum,
    same_minimum,
    settled_minimum,
)

MIN_COUNT = 100
MAX_COUNT = 2000
"""How many learning rates a sweep may have: fewer leave gaps at the boundaries, more cost
seconds without showing anything new at a projector's resolution."""

TAIL = 50
"""Late iterates kept per run of a 1D surface for the bifurcation diagram."""

CHUNK_WORK = 250_000
"""Run-steps per ``simulate`` call: about 0.1 s here, the granularity of progress and Cancel."""

FIT_BELOW = 1000.0
FIT_ABOVE = 4.0
"""A fitted range runs from the stability limit / FIT_BELOW (slow) to FIT_ABOVE x the limit
(diverged): three decades of converging runs, then the boundaries, then the blow-up."""

FALLBACK_RANGE = (1e-4, 1.0)
"""The fitted range where no stability limit is known (no minimum, or an adaptive optimizer)."""


class Measure(StrEnum):
    """What the sweep plots against η."""

    LOSS = "final loss"
    DISTANCE = "distance to minimum"


@dataclass(frozen=True)
class SweepConfig:
    """One sweep: the surface (built from the explorer's name or formula, parameters and
    domain: see ``from_state``), the start, the optimizer and its hyper-parameters, gradient
    noise and seed (as the explorer's selected run has them), the step budget, and ``count``
    learning rates from ``lr_min`` to ``lr_max`` on a log grid. ``lr_min = lr_max = None``
    fits the range around the stability limit (``fitted_range``)."""

    surface: Surface
    start: tuple[float, ...]
    optimizer: str = "gd"
    hyper: Mapping[str, float] = field(default_factory=dict)
    noise: float = 0.0
    seed: int = 0
    steps: int = 100
    lr_min: float | None = None
    lr_max: float | None = None
    count: int = 200

    @classmethod
    def from_state(cls, state: SurfaceState, **settings: object) -> SweepConfig:
        """The sweep of the explorer's selected run: its surface, start, optimizer, noise and
        seed; ``settings`` set the rest (steps, lr_min, lr_max, count). StateError (a
        ValueError) names a bad field."""
        surface = state.make_surface()
        run = state.selected_run()
        start = tuple(surface.start if run.start is None else run.start)
        base = cls(
            surface=surface,
            start=start,
            optimizer=run.optimizer,
            hyper=dict(run.hyper),
            noise=run.noise,
            seed=run.seed,
            steps=state.steps,
        )
        return replace(base, **settings)  # type: ignore[arg-type]

    def check(self) -> None:
        """Raise a one-line ValueError naming what is wrong; nothing else is changed."""
        if not MIN_COUNT <= self.count <= MAX_COUNT:
            raise ValueError(
                f"the number of learning rates must be from {MIN_COUNT} to {MAX_COUNT}, "
                f"got {self.count}"
            )
        if not 1 <= self.steps <= MAX_SURFACE_STEPS:
            raise ValueError(
                f"the number of steps must be from 1 to {MAX_SURFACE_STEPS}, got {self.steps}"
            )
        if (self.lr_min is None) != (self.lr_max is None):
            raise ValueError("give both ends of the learning-rate range, or neither (fitted)")
        if self.lr_min is not None and self.lr_max is not None:
            for name, value in (("smallest", self.lr_min), ("largest", self.lr_max)):
                if not (math.isfinite(value) and value > 0):
                    raise ValueError(
                        f"the {name} learning rate must be a finite number above 0, got {value:g}"
                    )
            if not self.lr_min < self.lr_max:
                raise ValueError(
                    f"the smallest learning rate ({self.lr_min:g}) must lie below the largest "
                    f"({self.lr_max:g})"
                )
        if len(self.start) != self.surface.dim:
            raise ValueError(
                f"the start needs {self.surface.dim} coordinate(s), got {len(self.start)}"
            )
        get_surface_optimizer(self.optimizer).resolve(self.hyper)

    def momentum(self) -> float:
        """Heavy-ball beta (it moves the stability limit to 2(1+beta)/lambda), else 0."""
        if self.optimizer != "momentum":
            return 0.0
        return get_surface_optimizer(self.optimizer).resolve(self.hyper).get("momentum", 0.0)

    def runs(self, lrs: np.ndarray) -> RunBatch:
        """The runs of this sweep at step sizes ``lrs``, as arrays (read at C speed)."""
        return RunBatch(
            lrs,
            np.tile(self.start, (len(lrs), 1)),
            optimizer=self.optimizer,
            hyper=self.hyper,
            noise=self.noise,
            seed=self.seed,
        )


def fitted_range(rates: CriticalRates | None, optimizer: str) -> tuple[float, float]:
    """Learning rates around the stability limit (2/λ, or 2(1+β)/λ with momentum), within the
    explorer's slider (a clicked point must open there); FALLBACK_RANGE without a limit."""
    limit = None if rates is None else rates.limit_for(optimizer)
    if limit is None:
        return FALLBACK_RANGE
    high = min(FIT_ABOVE * limit, MAX_LR)
    low = max(limit / FIT_BELOW, MIN_LR)
    return (low, high) if low < high else FALLBACK_RANGE


@dataclass(frozen=True)
class SweepResult:
    """The runs done so far (``done`` of ``len(lrs)``, smallest η first) and what the surface
    says about them. Arrays hold one entry per run done: ``final_loss`` (the last valid loss),
    ``distance`` (of the last valid iterate to the nearest known minimum; None when the surface
    has none), ``stopped_at`` (-1: the run used its budget), ``tails`` (1D only: the last TAIL
    iterates, NaN where the run had stopped). ``loss_floor`` is the lowest known minimum value
    (what "final loss" is measured above on a plot; None when unknown)."""

    config: SweepConfig
    lrs: np.ndarray
    done: int
    regimes: tuple[Regime, ...]
    final_loss: np.ndarray
    distance: np.ndarray | None
    stopped_at: np.ndarray
    tails: np.ndarray | None
    minimum: tuple[float, ...] | None
    rates: CriticalRates | None
    loss_floor: float | None

    @property
    def complete(self) -> bool:
        return self.done == len(self.lrs)

    @property
    def lambda_max(self) -> float | None:
        return None if self.rates is None else self.rates.lambda_max

    @property
    def lr_critical(self) -> float | None:
        """The stability limit of the sweep's optimizer (None for adaptive ones)."""
        return None if self.rates is None else self.rates.limit_for(self.config.optimizer)

    def critical_marks(self) -> list[tuple[str, float]]:
        """The critical rates to mark, with their names: 1/λ, 2/λ, and 2(1+β)/λ with
        heavy-ball momentum."""
        if self.rates is None:
            return []
        marks = [("1/λ", self.rates.monotone), ("2/λ", self.rates.stable)]
        if self.rates.momentum > 0:
            marks.append(("2(1+β)/λ", self.rates.momentum_stable))
        return marks


class SweepJob:
    """A sweep as a steppable job for ``gdsim.ui.workers.JobRunner``: the first ``advance``
    finds the minimum and λ (and fits the range), each later one simulates and judges one
    chunk of runs; ``snapshot`` is the result so far (None before the first chunk's plan)."""

    def __init__(self, config: SweepConfig) -> None:
        config.check()
        self._config = config
        self._plan: _Plan | None = None
        self._parts: list[_Chunk] = []
        self._first_converged: tuple[RunView, Verdict] | None = None
        self._last_converged: tuple[RunView, Verdict] | None = None
        self._result: SweepResult | None = None

    def advance(self) -> bool:
        with np.errstate(all="ignore"):
            if self._plan is None:
                self._plan = _plan(self._config)
            else:
                self._parts.append(self._chunk(len(self._parts)))
            complete = len(self._parts) == len(self._plan.chunks)
            plan = self._plan
            self._result = self._final() if complete else self._assemble(plan.minimum, plan.rates)
        return not complete

    def snapshot(self) -> SweepResult | None:
        return self._result

    def _chunk(self, index: int) -> _Chunk:
        plan = self._plan
        assert plan is not None
        config = self._config
        members = plan.chunks[index]
        result = simulate(config.surface, config.runs(plan.lrs[members]), config.steps)
        regimes = []
        finals = np.empty((len(result), config.surface.dim))
        for k in range(len(result)):
            view = result.run(k)
            verdict = classify_view(view)
            regimes.append(verdict.regime)
            if verdict.regime is Regime.CONVERGED:
                self._first_converged = self._first_converged or (view, verdict)
                self._last_converged = (view, verdict)
            finals[k] = view.points[-1] if len(view.points) else np.nan
        last = np.maximum(result.lengths - 1, 0)
        losses = result.losses[np.arange(len(result)), last]
        # A copy: a view would keep the chunk's whole history alive (2,000 runs x 20,000
        # steps is 320 MB).
        tails = result.points[:, -TAIL:, 0].copy() if config.surface.dim == 1 else None
        return _Chunk(tuple(regimes), losses, finals, result.stopped_at.copy(), tails)

    def _final(self) -> SweepResult:
        """The result with the minima the converged runs settled in: the largest η's sets λ
        when it is another than the predicted one (see the module docstring); the smallest
        η's is one more minimum to measure distances to (the double well's local valley)."""
        surface = self._config.surface
        settled = [
            settled_minimum(surface, *run)
            for run in (self._last_converged, self._first_converged)
            if run is not None
        ]
        plan = self._plan
        assert plan is not None
        minimum, rates = plan.minimum, plan.rates
        largest = settled[0] if settled else None
        if largest is not None and not (minimum and same_minimum(surface, largest, minimum)):
            minimum = largest
            rates = critical_rates(curvature_at(surface, largest), self._config.momentum())
        return self._assemble(minimum, rates, settled)

    def _assemble(
        self,
        minimum: tuple[float, ...] | None,
        rates: CriticalRates | None,
        settled: Sequence[tuple[float, ...] | None] = (),
    ) -> SweepResult:
        """The result so far, with ``minimum`` and its ``rates`` (the predicted ones until
        ``_final``) and the ``settled`` minima found."""
        plan = self._plan
        assert plan is not None
        surface = self._config.surface
        dim = surface.dim
        parts = self._parts
        finals = np.concatenate([p.finals for p in parts]) if parts else np.zeros((0, dim))
        targets = _known_minima(surface, plan.minimum, minimum, *settled)
        distance = None
        if targets is not None:
            gaps = finals[:, None, :] - targets[None, :, :]
            distance = np.linalg.norm(gaps, axis=2).min(axis=1)
        tails = None
        if dim == 1:
            tails = (
                np.concatenate([p.tails for p in parts if p.tails is not None])
                if parts
                else np.zeros((0, min(TAIL, self._config.steps + 1)))
            )
        return SweepResult(
            config=replace(self._config, lr_min=float(plan.lrs[0]), lr_max=float(plan.lrs[-1])),
            lrs=plan.lrs,
            done=len(finals),
            regimes=tuple(r for p in parts for r in p.regimes),
            final_loss=np.concatenate([p.losses for p in parts]) if parts else np.zeros(0),
            distance=distance,
            stopped_at=(
                np.concatenate([p.stopped_at for p in parts]) if parts else np.zeros(0, int)
            ),
            tails=tails,
            minimum=minimum,
            rates=rates,
            loss_floor=_loss_floor(surface, targets),
        )


def run_sweep(config: SweepConfig) -> SweepResult:
    """The whole sweep at once (the command line; tests)."""
    job = SweepJob(config)
    while job.advance():
        pass
    result = job.snapshot()
    assert result is not None
    return result


@dataclass(frozen=True)
class _Plan:
    lrs: np.ndarray
    chunks: tuple[np.ndarray, ...]
    minimum: tuple[float, ...] | None
    rates: CriticalRates | None


@dataclass(frozen=True)
class _Chunk:
    regimes: tuple[Regime, ...]
    losses: np.ndarray
    finals: np.ndarray
    stopped_at: np.ndarray
    tails: np.ndarray | None


def _plan(config: SweepConfig) -> _Plan:
    """The predicted minimum, its critical rates, the learning rates and their chunks."""
    minimum = reference_minimum(config.surface, config.start)
    lam = None if minimum is None else curvature_at(config.surface, minimum)
    rates = critical_rates(lam, config.momentum())
    if config.lr_min is None or config.lr_max is None:
        low, high = fitted_range(rates, config.optimizer)
    else:
        low, high = config.lr_min, config.lr_max
    lrs = np.geomspace(low, high, config.count)
    per_chunk = max(1, CHUNK_WORK // config.steps)
    chunks = tuple(np.array_split(np.arange(config.count), math.ceil(config.count / per_chunk)))
    return _Plan(lrs, chunks, minimum, rates)


def _known_minima(surface: Surface, *found: tuple[float, ...] | None) -> np.ndarray | None:
    """The surface's listed minima and the ones found for this sweep, (m, dim); None if none."""
    points = [tuple(m) for m in surface.minima]
    for candidate in found:
        if candidate is not None and not any(same_minimum(surface, candidate, p) for p in points):
            points.append(candidate)
    return np.asarray(points, dtype=float) if points else None


def _loss_floor(surface: Surface, minima: np.ndarray | None) -> float | None:
    """The lowest value among the known minima (and the surface's listed minimum value)."""
    values = [] if surface.min_value is None else [float(surface.min_value)]
    if minima is not None:
        values += [float(surface.value(*point)) for point in minima]
    values = [v for v in values if math.isfinite(v)]
    return min(values) if values else None


@dataclass(frozen=True)
class SweepPoints:
    """What a plot draws for one measure: η, a positive finite y for every run, where each
    run sits (``EDGE_TOP``: diverged or non-finite, drawn at the top edge; ``EDGE_BOTTOM``: 0 or
    below DEPTH times the highest value, drawn at the bottom edge; else ``INSIDE``), and the
    y-range."""

    lrs: np.ndarray
    values: np.ndarray
    edge: np.ndarray
    low: float
    high: float
    label: str


INSIDE, EDGE_TOP, EDGE_BOTTOM = 0, 1, -1
DEPTH = 1e-30
"""The lowest value a plot shows, relative to its highest: w² at η = 0.45 ends at 1e-280 after
100 steps, which would leave the rest of the runs in a sliver at the top; anything below is a
▼ at the bottom edge, as an exact 0 is."""

EDGE_ROOM = 10**0.25
"""How far (a factor, a quarter decade) beyond the data the edge rows sit."""


def plotted(result: SweepResult, measure: Measure) -> SweepPoints | None:
    """The runs done as a log-log plot draws them (see ``SweepPoints``); None when the
    measure does not apply (no known minimum to measure the distance to)."""
    lrs = result.lrs[: result.done]
    if measure is Measure.DISTANCE:
        if result.distance is None:
            return None
        raw = result.distance
        label = "distance to the nearest minimum"
    elif result.loss_floor is None:
        raw = result.final_loss
        label = "final loss"
    else:
        raw = result.final_loss - result.loss_floor
        floor = result.loss_floor
        if floor == 0:
            label = "final loss"
        else:  # "final loss + 1.51" above the lowest minimum, never "− (-1.51)"
            label = f"final loss {'+' if floor < 0 else '−'} {abs(floor):.3g}"
    diverged = np.array([r is Regime.DIVERGED for r in result.regimes], dtype=bool)
    top = diverged | ~np.isfinite(raw)
    positive = raw[~top & (raw > 0)]
    high = float(positive.max()) if positive.size else 1.0
    floor = high * DEPTH
    bottom = ~top & (raw < floor)
    shown = raw[~top & ~bottom]
    low = float(shown.min()) if shown.size else floor
    top_row, bottom_row = high * EDGE_ROOM, low / EDGE_ROOM
    values = np.where(top, top_row, np.where(bottom, bottom_row, raw))
    edge = np.where(top, EDGE_TOP, np.where(bottom, EDGE_BOTTOM, INSIDE))
    return SweepPoints(
        lrs=lrs,
        values=values.astype(float),
        edge=edge,
        low=bottom_row / EDGE_ROOM,
        high=top_row * EDGE_ROOM,
        label=label,
    )


def nearest_run(result: SweepResult, lr: float) -> int | None:
    """The run whose η is nearest ``lr`` on the log axis (None before any is done)."""
    if result.done == 0 or not (math.isfinite(lr) and lr > 0):
        return None
    return int(np.argmin(np.abs(np.log(result.lrs[: result.done]) - math.log(lr))))


def describe_run(result: SweepResult, index: int) -> str:
    """One line for the status bar: "η = 0.83: oscillating, final loss 1.2e-3"."""
    lr = result.lrs[index]
    regime = result.regimes[index]
    loss = result.final_loss[index]
    stop = int(result.stopped_at[index])
    tail = f"stopped at step {stop}" if stop >= 0 else f"final loss {loss:.3g}"
    distance = "" if result.distance is None else f", distance {result.distance[index]:.3g}"
    return f"η = {lr:.3g}: {regime.value}, {tail}{distance}"


def sweep_csv(result: SweepResult) -> str:
    """lr, regime, final_loss, distance, stopped_at: one row per run done, numbers written as
    ``gdsim.core.csv_export`` writes them (an empty distance: the surface has no known minimum;
    an empty stopped_at: the run used its whole budget)."""
    rows = []
    for k in range(result.done):
        stop = int(result.stopped_at[k])
        rows.append(
            [
                number(result.lrs[k]),
                result.regimes[k].value,
                number(result.final_loss[k]),
                number(None if result.distance is None else result.distance[k]),
                "" if stop < 0 else str(stop),
            ]
        )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["lr", "regime", "final_loss", "distance", "stopped_at"])
    writer.writerows(rows)
    return out.getvalue()
