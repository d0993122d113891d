"""The surface explorer's words and frames: run names, critical step sizes, taming notes,
moved starts, and the frame a result is drawn from.

What the panel says about a surface and its runs is computed here, without Qt, so a core test
can pin every sentence and the panel's views only show them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from gdsim.core.optimizers import OPTIMIZERS, get_optimizer
from gdsim.core.simulate import RunSpec, SimulationResult
from gdsim.core.state.surface import SurfaceState
from gdsim.core.surfaces import Surface
from gdsim.core.verdict import (
    QUICK_STEPS,
    CriticalRates,
    Taming,
    Verdict,
    critical_rates,
    curvature_at,
    reference_minimum,
    same_minimum,
    settled_minimum,
    steep_start_curvature,
    tame_learning_rate,
)

ROUNDING_NOISE = 1e-9
"""Coordinates smaller than this are shown as 0: a minimiser stops a few 1e-16 off (0, 0)."""


def round_sig(value: float, digits: int = 3) -> float:
    """Round to significant digits so that a dragged slider shows 0.0123, not 0.01229...."""
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))


def format_point(point: Sequence[float], mark: str = "*") -> str:
    """'w* = 0.93' or '(x, y)* = (1, 1)'; ``mark=""`` for a point that is no minimum."""
    shown = [0.0 if abs(c) < ROUNDING_NOISE else c for c in point]
    if len(shown) == 1:
        return f"w{mark} = {shown[0]:.3g}"
    return f"(x, y){mark} = (" + ", ".join(f"{c:.3g}" for c in shown) + ")"


def format_start(start: Sequence[float]) -> str:
    """A start as the runs table and legends show it: '(1.5)' or '(-1, 2)'."""
    return "(" + ", ".join(f"{c:.3g}" for c in start) + ")"


def moved_inside(typed: str, inside: Sequence[float]) -> str:
    """The warning for a start moved onto the plot's edge (typed outside, or left outside by a
    smaller box)."""
    return f"Start ({typed}) lies outside the plot: moved to {format_start(inside)}"


def lr_name(run: RunSpec) -> str:
    """'η = 0.01': what a narrow header keeps of a run's name."""
    return f"η = {run.lr:g}"


def short_name(run: RunSpec) -> str:
    """'η = 0.2', or 'η = 0.01 Nesterov' for another optimizer than plain descent: the
    header's name for a run (its start is in the runs table)."""
    name = lr_name(run)
    if run.optimizer != "gd":
        name += f" {OPTIMIZERS[run.optimizer].title.split()[0]}"
    return name


def run_names(runs: Sequence[RunSpec], starts: Sequence[tuple[float, ...]]) -> list[str]:
    """Legend names: the short name, plus the start when the runs start in different places."""
    names = [short_name(run) for run in runs]
    if len(set(starts)) > 1:
        pairs = zip(names, starts, strict=True)
        names = [f"{name} from {format_start(start)}" for name, start in pairs]
    return names


def threshold_text(
    rates: CriticalRates,
    where: Sequence[float],
    settled: bool,
    optimizer: str,
    steep: tuple[tuple[float, ...], float] | None,
) -> str:
    """The critical step sizes at the minimum ``where`` (the one the run settles in, when
    ``settled``); for an optimizer they do not apply to, said to be plain descent's; ``steep``
    is (start, its curvature) when the start is much steeper than the minimum."""
    place = format_point(where)
    if settled:
        place += " (the minimum this run settles in)"
    text = (
        f"λmax = {rates.lambda_max:.4g} at {place}  →  "
        f"1/λ = {rates.monotone:.3g} (fastest monotone), "
        f"2/λ = {rates.stable:.3g} (stability limit)"
    )
    if rates.momentum > 0:
        text += f", 2(1+β)/λ = {rates.momentum_stable:.3g} (momentum limit)"
    if rates.limit_for(optimizer) is None:
        title = OPTIMIZERS[optimizer].title
        text += f". These are plain gradient descent's limits (dimmed): not {title}'s"
    if steep is not None:
        start, curvature = steep
        text += (
            f". At the start {format_point(start, mark='')} the curvature is {curvature:.4g}: "
            f"steps above 2/λ = {2.0 / curvature:.3g} overshoot there."
        )
    return text


def no_rates_text(reference: Sequence[float] | None, lam: float | None) -> str:
    """Why there is no critical step size: no minimum, or one whose curvature is zero (w**4)
    or undefined (Ackley's cusp): a drawn minimum must not be called missing."""
    if reference is None:
        return "no minimum found: no critical step size"
    where = format_point(reference)
    if lam is not None and np.isfinite(lam):
        return f"λmax = {lam:.3g} at {where} (a flat minimum): no critical step size"
    return f"curvature undefined at {where} (not smooth there): no critical step size"


def taming_note(
    old: float,
    lr: float,
    taming: Taming,
    title: str,
    lam: float | None,
    reference: Sequence[float] | None,
) -> str:
    """One line: the new η, where 1/λ was taken (the threshold line may have moved on to the
    minimum the run settles in: the two must not disagree silently), and any halving after
    it."""
    if not taming.safe:
        return (
            f"η set to {lr:g}, the smallest offered: {old:g} and every η tried down to it "
            f"diverge within {QUICK_STEPS} steps on {title}"
        )
    halved = f"halved {taming.halvings} time{'s' if taming.halvings != 1 else ''}"
    if not taming.from_curvature or lam is None or reference is None:
        return (
            f"η set to {lr:g}: {old:g} diverges within {QUICK_STEPS} steps on {title}, "
            f"{halved} until it did not"
        )
    rate = f"1/λ at {format_point(reference)}"
    if taming.halvings == 0:
        return f"η set to {lr:g} = {rate}: {old:g} diverges on {title}"
    return (
        f"η set to {lr:g}: {old:g} diverges on {title}, and {rate} = {1.0 / lam:.3g} still "
        f"diverged within {QUICK_STEPS} steps from the start: {halved}"
    )


@dataclass(frozen=True)
class ThresholdMark:
    """A critical step size on the slider; ``kind`` keys its colour (monotone, stable,
    momentum)."""

    kind: str
    value: float
    label: str


@dataclass(frozen=True)
class Thresholds:
    """What the step-size box shows for one minimum: marks (``dimmed`` when they are plain
    descent's limits shown for another optimizer), their words, and the note of a step size
    just tamed (shown until η is changed)."""

    reference: tuple[float, ...] | None
    lam: float | None
    marks: tuple[ThresholdMark, ...] = ()
    dimmed: bool = False
    text: str = ""
    note: str = ""

    def shown_text(self) -> str:
        return "\n".join(part for part in (self.text, self.note) if part)


def momentum_of(run: RunSpec) -> float:
    """Heavy-ball beta (it moves the stability limit to 2(1+beta)/lambda), else 0."""
    if run.optimizer != "momentum":
        return 0.0
    return get_optimizer(run.optimizer).resolve(run.hyper).get("momentum", 0.0)


def thresholds_at(
    surface: Surface,
    reference: tuple[float, ...] | None,
    run: RunSpec,
    start: tuple[float, ...],
    settled: bool = False,
) -> Thresholds:
    """Marks at 1/λ and 2/λ (and 2(1+β)/λ with momentum) at the minimum ``reference``, for
    ``run`` starting at ``start``."""
    with np.errstate(all="ignore"):
        lam = None if reference is None else curvature_at(surface, reference)
    rates = critical_rates(lam, momentum_of(run))
    if rates is None or reference is None:
        return Thresholds(reference, lam, text=no_rates_text(reference, lam))
    marks = [
        ThresholdMark("monotone", rates.monotone, "1/λ"),
        ThresholdMark("stable", rates.stable, "2/λ"),
    ]
    if rates.momentum > 0:
        marks.append(ThresholdMark("momentum", rates.momentum_stable, "2(1+β)/λ"))
    steep = steep_start_curvature(surface, start, rates.lambda_max)
    text = threshold_text(
        rates, reference, settled, run.optimizer, None if steep is None else (start, steep)
    )
    dimmed = rates.limit_for(run.optimizer) is None
    return Thresholds(reference, lam, tuple(marks), dimmed, text)


def cursor_text(surface: Surface, point: tuple[float, ...]) -> str:
    """The status line under the mouse: where, the loss there and the gradient's size."""
    with np.errstate(all="ignore"):
        value = float(surface.value(*point))
        gradient = float(np.linalg.norm([float(g) for g in surface.gradient(*point)]))
    where = f"w = {point[0]:.4g}" if len(point) == 1 else f"x = {point[0]:.4g}, y = {point[1]:.4g}"
    return f"{where}   f = {value:.4g}   |∇f| = {gradient:.4g}"


@dataclass(frozen=True)
class SurfaceFrame:
    """One computed result as the views draw it: verdicts, legend names, the header's run."""

    surface: Surface
    result: SimulationResult
    verdicts: tuple[Verdict, ...]
    names: tuple[str, ...]
    selected: int
    header: str
    header_short: str
    minima: np.ndarray | None
    """Where the distance plot measures to (None: no distance plot)."""


def start_of(surface: Surface, run: RunSpec) -> tuple[float, ...]:
    """Where ``run`` starts: its own start, or the surface's."""
    return tuple(surface.start if run.start is None else run.start)


class ThresholdFollower:
    """Which minimum's thresholds the step-size box shows, and the taming of step sizes on a
    new surface: first the minimum predicted from the selected run's start, then, once a
    result is in, the one that run settled in if that is another (the double well's local
    valley)."""

    def __init__(self) -> None:
        self.start_reference: tuple[float, ...] | None = None
        self.shown = Thresholds(None, None)

    def at_start(self, surface: Surface, state: SurfaceState) -> Thresholds:
        run = state.selected_run()
        start = start_of(surface, run)
        with np.errstate(all="ignore"):
            self.start_reference = reference_minimum(surface, start)
        return self._show(thresholds_at(surface, self.start_reference, run, start))

    def after_result(
        self,
        surface: Surface,
        state: SurfaceState,
        result: SimulationResult,
        verdicts: Sequence[Verdict],
    ) -> Thresholds | None:
        """The thresholds at the minimum the selected run settled in; None when unchanged."""
        selected = min(state.selected, len(result) - 1)
        with np.errstate(all="ignore"):
            settled = settled_minimum(surface, result.run(selected), verdicts[selected])
        start = self.start_reference
        if settled and start and same_minimum(surface, settled, start):
            settled = None
        shown = self.shown.reference
        target = start if settled is None else settled
        if shown is not None and target is not None and same_minimum(surface, shown, target):
            return None
        run = state.runs[min(state.selected, len(state.runs) - 1)]
        at = thresholds_at(surface, target, run, start_of(surface, run), settled is not None)
        return self._show(at)

    def with_note(self, note: str) -> Thresholds:
        """The note of a step size just tamed ("" clears it: η was changed)."""
        self.shown = replace(self.shown, note=note)
        return self.shown

    def tame(
        self, surface: Surface, state: SurfaceState, smallest: float
    ) -> tuple[SurfaceState, str]:
        """Runs whose η diverges at once on ``surface`` get one that does not (see
        tame_learning_rate); the note says which and why, for the selected run if it was."""
        note = ""
        runs = list(state.runs)
        for index, run in enumerate(runs):
            taming = tame_learning_rate(surface, run, self.shown.lam, smallest)
            if taming is None:
                continue
            lr = max(round_sig(taming.lr), smallest)
            runs[index] = replace(run, lr=lr)
            if index == state.selected or not note:
                reference = self.start_reference
                note = taming_note(run.lr, lr, taming, surface.title, self.shown.lam, reference)
        return replace(state, runs=tuple(runs)), note

    def distance_minima(self, surface: Surface) -> np.ndarray | None:
        """Where the distance plot measures to: the known minima, else the one shown."""
        if surface.minima:
            return np.asarray(surface.minima, dtype=float)
        if self.shown.reference is not None:
            return np.asarray([self.shown.reference], dtype=float)
        return None

    def _show(self, thresholds: Thresholds) -> Thresholds:
        self.shown = replace(thresholds, note=self.shown.note)
        return self.shown


def surface_frame(
    surface: Surface,
    state: SurfaceState,
    result: SimulationResult,
    verdicts: Sequence[Verdict],
    minima: np.ndarray | None,
) -> SurfaceFrame:
    """The frame for ``result``: runs are named as computed (the state may have moved on)."""
    specs = result.runs
    starts = [start_of(surface, spec) for spec in specs]
    selected = min(state.selected, len(result) - 1)
    return SurfaceFrame(
        surface=surface,
        result=result,
        verdicts=tuple(verdicts),
        names=tuple(run_names(specs, starts)),
        selected=selected,
        header=short_name(specs[selected]),
        header_short=lr_name(specs[selected]),
        minima=minima,
    )
