"""The LR range test (what fastai's `lr_find` does), on a fresh copy of a network.

The learning rate grows exponentially from `lr_min` to `lr_max`, one rate per step, while the
loss is recorded; the test stops once the smoothed loss passes DIVERGENCE_FACTOR times its best
(the ramp has gone past the rates that train). The suggestion is the rate where the smoothed
loss falls fastest *per factor of η*: the steepest slope of the smoothed loss against log η,
between the end of a burn-in and the smoothed loss's minimum.

Why those choices:
- Smoothing is an exponential moving average with bias correction (fastai's `SmoothenValue`):
  without the correction the first values are pulled towards zero, a fake early descent.
- The slope is taken against log η (`np.gradient` with log η as the coordinate): against η
  itself the widest steps of the ramp dominate (Lightning #1767).
- The first BURN_IN of the steps are not judged, and the smoothing starts after them: an early
  spike and its recovery look like the steepest descent of all (Lightning #14248), and a
  moving average that saw the spike keeps falling from it for a hundred steps; a spike above
  DIVERGENCE_FACTOR times the best would even stop the test before it began.
- Each recorded loss is the one measured *after* the update made at its rate, so a rate is
  credited with what it did (the loss before its update belongs to the rate before).

The network trained is a fresh `TrainingSession` from the spec's initial weights: the user's
network and its training are never touched, so nothing needs restoring afterwards.
"""

from __future__ import annotations

import csv
import io
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from gdsim.core.csv_export import number
from gdsim.core.datasets import Dataset, load_csv, make_dataset
from gdsim.core.network import NetworkSpec
from gdsim.core.state import NetworkState
from gdsim.core.training import (
    NO_STOP_RULES,
    ConfigError,
    TrainingConfig,
    TrainingSession,
    check_learning_rate,
)
from gdsim.core.training_job import TARGET_ADVANCE_S

if TYPE_CHECKING:
    from gdsim.core.network_sweep import SweepResult

SMOOTHING = 0.98
"""The moving average's beta (fastai's): about the last 50 losses weigh in."""

DIVERGENCE_FACTOR = 4.0
"""Stop once the smoothed loss exceeds this many times its best (fastai's)."""

BURN_IN = 0.1
"""Share of the step budget skipped before a slope may be the suggestion."""

MIN_FALL = 0.01
"""How much (a share of its value after the burn-in) the smoothed loss must fall for any
rate to be suggested."""

DEFAULT_LR_MIN = 1e-4
DEFAULT_LR_MAX = 100.0
"""The network builder's learning-rate range: every suggestion can be shown there."""

DEFAULT_STEPS = 100
MIN_STEPS = 10


def exponential_ramp(lr_min: float, lr_max: float, steps: int) -> np.ndarray:
    """`steps` rates from lr_min to lr_max, each a constant factor above the one before."""
    return lr_min * (lr_max / lr_min) ** (np.arange(steps) / max(1, steps - 1))


class Smoother:
    """Exponential moving average with bias correction: after values v0..vi it holds their
    average weighted by beta^(i-j), divided by the weights' sum (1 - beta^(i+1)), so a
    constant loss smooths to itself from the first value on; a non-finite value makes every
    later average non-finite."""

    def __init__(self, beta: float = SMOOTHING) -> None:
        self.beta = beta
        self._average = 0.0
        self._count = 0

    def add(self, value: float) -> float:
        """Take the next value; return the smoothed value now."""
        self._count += 1
        self._average = self.beta * self._average + (1 - self.beta) * value
        return self._average / (1 - self.beta**self._count)


def suggestion_index(lrs: np.ndarray, smoothed: np.ndarray, burn_in: int) -> int | None:
    """Where the smoothed loss falls fastest against log η, between step `burn_in` (the
    entries before it are not judged) and the smoothed loss's minimum; None when it never
    falls there (the ramp started too high, or too few steps)."""
    judged = smoothed[burn_in:]
    finite = np.isfinite(judged)
    end = int(np.argmin(finite)) if not finite.all() else len(judged)
    if end < 2:
        return None
    lowest = int(np.argmin(judged[:end]))
    if judged[0] - judged[lowest] <= MIN_FALL * abs(judged[0]):
        return None  # flat (a dead network, rates too small): rounding is no descent
    slopes = np.gradient(judged[:end], np.log(lrs[burn_in : burn_in + end]))
    index = int(np.argmin(slopes[: lowest + 1]))
    return burn_in + index if slopes[index] < 0 else None


def check_range(lr_min: float, lr_max: float, steps: int) -> None:
    """Refuse a ramp that cannot run, in one line."""
    check_bounds(lr_min, lr_max)
    if not isinstance(steps, int) or steps < MIN_STEPS:
        raise ConfigError(f"the range test needs at least {MIN_STEPS} steps, got {steps!r}")


def check_bounds(lr_min: float, lr_max: float) -> None:
    """Both rates usable by training, the lowest below the highest (ConfigError, one line)."""
    for rate in (lr_min, lr_max):
        check_learning_rate(rate)
    if not lr_min < lr_max:
        raise ConfigError(f"the lowest rate {lr_min:g} must be below the highest {lr_max:g}")


def parse_bounds(low: str, high: str) -> tuple[float, float]:
    """The two rates a user typed ('1e-4', '100'), checked by `check_bounds`."""
    rates = []
    for text, name in ((low, "lowest"), (high, "highest")):
        try:
            rates.append(float(text))
        except ValueError:
            raise ConfigError(f"the {name} rate '{text.strip()}' is not a number") from None
    check_bounds(*rates)
    return rates[0], rates[1]


@dataclass(frozen=True)
class RangeTestResult:
    """The test so far. `losses[i]` is the (minibatch) loss after the update at `lrs[i]`;
    `smoothed` is NaN during the burn-in; `stopped_at` is the entry where the smoothed loss
    passed DIVERGENCE_FACTOR times its best or a loss became non-finite (None: the ramp
    reached lr_max); `suggestion` the suggested rate (None: no descent found, `reason` says
    why). `steps` is the ramp's whole length up to `lr_max`, `lrs` the part run so far."""

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    suggestion: float | None
    stopped_at: int | None
    steps: int
    lr_max: float
    finished: bool
    reason: str


class LRRangeTest:
    """The range test as a steppable job: `advance()` runs steps for ~TARGET_ADVANCE_S,
    `snapshot()` gives a `RangeTestResult`; `run()` does it all at once (CLI, tests)."""

    def __init__(
        self,
        spec: NetworkSpec,
        dataset: Dataset,
        config: TrainingConfig,
        lr_min: float = DEFAULT_LR_MIN,
        lr_max: float = DEFAULT_LR_MAX,
        steps: int = DEFAULT_STEPS,
    ) -> None:
        check_range(lr_min, lr_max, steps)
        # The highest rate is checked against the optimizer (Adam's first step is lr/(1-b1)).
        # One more session step than entries: entry i's loss is measured by step i + 1.
        run_config = replace(
            config, lr=lr_max, schedule="none", steps=steps + 1, sharpness_every=0, **NO_STOP_RULES
        )
        self._session = TrainingSession(spec, dataset, replace(run_config, lr=lr_min))
        self.lrs = exponential_ramp(lr_min, lr_max, steps)
        self._losses: list[float] = []
        self._smoothed: list[float] = []
        self.burn_in = max(1, round(BURN_IN * steps))
        self._smoother = Smoother()
        self._best = math.inf
        self._stopped_at: int | None = None

    @property
    def finished(self) -> bool:
        return self._stopped_at is not None or len(self._losses) == len(self.lrs)

    def advance(self) -> bool:
        """Steps for about TARGET_ADVANCE_S (at least one); False once the test is over."""
        deadline = time.perf_counter() + TARGET_ADVANCE_S
        while not self.finished:
            self._step()
            if time.perf_counter() >= deadline:
                break
        return not self.finished

    def run(self) -> RangeTestResult:
        while self.advance():
            pass
        return self.snapshot()

    def _step(self) -> None:
        """One update at the next rate; its loss is the one the following step measures.
        The rate goes straight into the optimizer: `set_lr` would check a whole config."""
        done = self._session.step_count
        lr = float(self.lrs[min(done, len(self.lrs) - 1)])
        for group in self._session.optimizer.param_groups:
            group["lr"] = lr
        measured = self._session.step(1)
        value = float(measured[0]) if measured.size else math.nan
        if done == 0 and math.isfinite(value):
            return  # the loss before any update: no rate's doing
        self._record(value)

    def _record(self, value: float) -> None:
        """Keep the loss; after the burn-in, smooth it and stop past DIVERGENCE_FACTOR times
        the best smoothed loss. A non-finite loss stops the test at once."""
        index = len(self._losses)
        self._losses.append(value)
        smoothed = self._smoother.add(value) if index >= self.burn_in else math.nan
        self._smoothed.append(smoothed)
        if not math.isfinite(value):
            self._stopped_at = index
        elif math.isfinite(smoothed):
            self._best = min(self._best, smoothed)
            if smoothed > DIVERGENCE_FACTOR * self._best:
                self._stopped_at = index

    def snapshot(self) -> RangeTestResult:
        done = len(self._losses)
        lrs = self.lrs[:done].copy()
        smoothed = np.array(self._smoothed)
        index = suggestion_index(lrs, smoothed, self.burn_in) if self.finished else None
        return RangeTestResult(
            lrs=lrs,
            losses=np.array(self._losses),
            smoothed=smoothed,
            suggestion=None if index is None else float(lrs[index]),
            stopped_at=self._stopped_at,
            steps=len(self.lrs),
            lr_max=float(self.lrs[-1]),
            finished=self.finished,
            reason=self._reason(index),
        )

    def _reason(self, index: int | None) -> str:
        if not self.finished:
            return f"running: {len(self._losses)} of {len(self.lrs)} steps"
        if index is not None:
            return (
                f"suggested η = {self.lrs[index]:.3g}: the smoothed loss falls fastest there "
                "(per factor of η)"
            )
        if not self._losses or not math.isfinite(self._losses[0]):
            return "no suggestion: the loss was non-finite from the first step"
        return (
            "no suggestion: the smoothed loss never fell after the burn-in; "
            "try another range of rates or more steps"
        )


# ---------------------------------------------------------------- jobs from the builder's state


def network_dataset(state: NetworkState) -> Dataset:
    """The points the network builder trains on: its CSV file, or its generated dataset.
    Raises DatasetError (one line) when the file cannot be read any more."""
    if state.drawn:
        return state.drawn.dataset(state.dataset.val_fraction, state.dataset.seed)
    if state.csv_path:
        return load_csv(state.csv_path, state.dataset.val_fraction, state.dataset.seed)
    return make_dataset(state.dataset)


class StateJob:
    """A job built from the builder's state in the worker, at its first `advance()`: reading
    a CSV file and building the job may take longer than the GUI thread may block. The
    snapshot is None until then."""

    def __init__(self, state: NetworkState, build: Callable[[Dataset], Any]) -> None:
        self.state = state
        self._build = build
        self._job: Any = None

    def advance(self) -> bool:
        if self._job is None:
            self._job = self._build(network_dataset(self.state))
            return True
        return bool(self._job.advance())

    def snapshot(self) -> Any:
        return None if self._job is None else self._job.snapshot()


def results_csv(test: RangeTestResult | None, sweep: SweepResult | None) -> str:
    """Both tables in one CSV text, columns `table,lr,loss,smoothed_loss,regime`: the range
    test's rows (`range`: the raw loss after the update at `lr`, the smoothed loss, empty
    during the burn-in), then the sweep's (`sweep`: the final training loss and the verdict).
    Numbers as `gdsim.core.csv_export.number` writes them. ValueError when there is neither."""
    if test is None and sweep is None:
        raise ValueError("nothing to export yet: run the range test or the sweep first")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["table", "lr", "loss", "smoothed_loss", "regime"])
    if test is not None:
        for lr, loss, smoothed in zip(test.lrs, test.losses, test.smoothed, strict=True):
            shown = number(smoothed) if math.isfinite(smoothed) else ""
            writer.writerow(["range", number(lr), number(loss), shown, ""])
    if sweep is not None:
        for run in sweep.runs:
            writer.writerow(
                ["sweep", number(run.lr), number(run.final_loss), "", run.verdict.regime]
            )
    return out.getvalue()
