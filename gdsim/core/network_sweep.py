"""The network's learning-rate sweep: the same network, from the same initial weights, trained
for a short budget at each rate of a log grid; the final training loss and the verdict per
rate, and the regime boundaries (the rates where the verdict changes).

Batched: all the rates train as one network whose weights are stacked along a leading "run"
axis (`torch.baddbmm` per layer), so each step is one forward and one backward for every rate
instead of one per rate. Each run keeps its own leaf tensors and its own param group of one
torch optimizer, so the update arithmetic is exactly `TrainingSession`'s, at its own learning
rate; the minibatches come from one generator seeded as each session's would be, so every run
sees the same batches a session would. The runs differ from one-at-a-time sessions only by
the rounding of the stacked matrix products (tests/core/test_network_sweep.py holds them to
float precision; near the edge of stability, where runs are chaotic, that rounding can grow
until one rate's verdict differs).
A run whose loss becomes non-finite stops there, as a session does, and leaves the stack.

`NetworkSweep(batched=False)` trains one `TrainingSession` per rate instead: the reference
the batched runs are tested and benchmarked against (scripts/bench_lrfind.py).
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, replace

import numpy as np
import torch
from torch import nn

from gdsim.core.batched_training import spec_refusal
from gdsim.core.datasets import Dataset
from gdsim.core.network import LOSSES, NetworkSpec
from gdsim.core.training import (
    NO_STOP_RULES,
    SCHEDULES,
    ConfigError,
    TrainingConfig,
    TrainingSession,
    batch_indices,
    build_optimizer,
    configs_for_rates,
    judge_losses,
    noisy_losses,
    smoothed_losses,
)
from gdsim.core.training_job import TARGET_ADVANCE_S
from gdsim.core.verdict import Regime, Verdict

MIN_RATES = 3
MAX_RATES = 60
DEFAULT_RATES = 30
DEFAULT_STEPS = 200
MAX_STEPS = 20_000
"""A sweep keeps every run's loss per step (60 x 20,000 floats at most: 10 MB)."""

MAX_STACK_BYTES = 256 * 1024 * 1024
"""The most the stacked runs' activations may take; a larger sweep trains one rate at a time."""


def sweep_rates(lr_min: float, lr_max: float, count: int) -> np.ndarray:
    """`count` rates evenly spaced in log η from lr_min to lr_max."""
    if not isinstance(count, int) or not MIN_RATES <= count <= MAX_RATES:
        raise ConfigError(f"a sweep takes {MIN_RATES} to {MAX_RATES} learning rates, got {count!r}")
    if not (math.isfinite(lr_min) and math.isfinite(lr_max) and 0 < lr_min < lr_max):
        raise ConfigError(f"the sweep needs 0 < lowest rate < highest, got {lr_min:g}, {lr_max:g}")
    return np.geomspace(lr_min, lr_max, count)


@dataclass(frozen=True)
class SweepRun:
    """One rate's outcome: the full training-set loss at its final weights (non-finite when
    it blew up) and its verdict; `diverged_at` is the step its loss became non-finite."""

    lr: float
    final_loss: float
    verdict: Verdict
    diverged_at: int | None


@dataclass(frozen=True)
class Boundary:
    """Where the verdict changes between two neighbouring rates of the grid: `lr` is their
    geometric mean (the middle on the log axis)."""

    lr: float
    below: Regime
    above: Regime


@dataclass(frozen=True)
class SweepResult:
    """The sweep so far: `runs` (one per rate, in rate order) once it has finished."""

    lrs: np.ndarray
    steps_done: int
    steps: int
    runs: tuple[SweepRun, ...]

    @property
    def finished(self) -> bool:
        return len(self.runs) == len(self.lrs)

    @property
    def boundaries(self) -> list[Boundary]:
        return regime_boundaries(self.runs)

    def verdict_near(self, lr: float) -> Regime | None:
        """The verdict of the swept rate nearest to `lr` on the log axis (None before the
        sweep has finished, or when `lr` lies outside the swept range)."""
        if not self.finished or not self.runs or not (self.lrs[0] <= lr <= self.lrs[-1]):
            return None
        nearest = int(np.argmin(np.abs(np.log(self.lrs) - math.log(lr))))
        return self.runs[nearest].verdict.regime


def regime_boundaries(runs: tuple[SweepRun, ...] | list[SweepRun]) -> list[Boundary]:
    """A boundary between each two neighbouring runs (in rate order) whose verdicts differ."""
    return [
        Boundary(math.sqrt(a.lr * b.lr), a.verdict.regime, b.verdict.regime)
        for a, b in itertools.pairwise(runs)
        if a.verdict.regime != b.verdict.regime
    ]


class _StackedRuns:
    """Every rate's copy of the network trained at once (see the module docstring)."""

    def __init__(self, reference: TrainingSession, configs: list[TrainingConfig]) -> None:
        self.config = configs[0]
        self.dataset = reference.dataset
        self._noisy = noisy_losses(reference.spec, self.config, len(self.dataset.x_train))
        self.rates = [config.lr for config in configs]
        self._modules: list[nn.Module | int] = []
        """The model's layers in order: a Linear layer's index into `_layers`, else the module
        itself (activations act elementwise, on any number of leading axes)."""
        linear: list[nn.Linear] = []
        for module in reference.model:
            if isinstance(module, nn.Linear):
                self._modules.append(len(linear))
                linear.append(module)
            else:
                self._modules.append(module)
        self._params = [
            [
                p.detach().clone().requires_grad_()
                for layer in linear
                for p in (layer.weight, layer.bias)
            ]
            for _ in configs
        ]
        # One optimizer, one param group per run: each group's update is what the run's own
        # optimizer would do, without one optimizer call per run per step (a sweep ran 1.7x faster).
        self._optimizer = build_optimizer(
            [{"params": params} for params in self._params], configs[0]
        )
        self._loss = getattr(nn, LOSSES[reference.spec.task].module)(reduction="none")
        self._batches = batch_indices(
            len(self.dataset.x_train),
            self.config.batch_size,
            torch.Generator().manual_seed(self.config.seed),
        )
        self.alive = list(range(len(configs)))
        self.diverged_at: list[int | None] = [None] * len(configs)
        self.history = np.full((len(configs), self.config.steps), np.nan)
        self.step_count = 0

    def _forward(self, runs: list[int], x: torch.Tensor) -> torch.Tensor:
        """Outputs (len(runs), n, outputs) of the given runs' networks."""
        h = x.expand(len(runs), *x.shape)
        for module in self._modules:
            if isinstance(module, int):
                weight = torch.stack([self._params[r][2 * module] for r in runs])
                bias = torch.stack([self._params[r][2 * module + 1] for r in runs])
                h = torch.baddbmm(bias.unsqueeze(1), h, weight.transpose(1, 2))
            else:
                h = module(h)
        return h

    def _losses(self, output: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Each run's mean loss, (runs,), as the session's loss (mean reduction) computes it."""
        runs, n = output.shape[:2]
        target = y.expand(runs, *y.shape).reshape(runs * n, *y.shape[1:])
        return (
            self._loss(output.reshape(runs * n, *output.shape[2:]), target)
            .reshape(runs, -1)
            .mean(1)
        )

    def step(self) -> None:
        """One update of every live run on the next minibatch."""
        index = next(self._batches)
        x, y = self.dataset.x_train, self.dataset.y_train
        xb, yb = (x, y) if index is None else (x[index], y[index])
        factor = SCHEDULES[self.config.schedule](self.step_count, **self.config.schedule_args())
        self._optimizer.zero_grad()  # gone runs keep no gradient: the optimizer skips them
        output = self._forward(self.alive, xb)
        # BCELoss raises on NaN outputs (training.py's _loss_or_none): judge those runs first.
        finite = torch.isfinite(output).flatten(1).all(1).tolist()
        judged = [r for r, ok in zip(self.alive, finite, strict=True) if ok]
        values: dict[int, float] = dict.fromkeys(self.alive, math.nan)
        if judged:
            kept = output if len(judged) == len(self.alive) else output[torch.tensor(finite)]
            losses = self._losses(kept, yb)
            losses.sum().backward()
            values.update(zip(judged, losses.tolist(), strict=True))
        groups = self._optimizer.param_groups
        for r, value in values.items():
            self.history[r, self.step_count] = value
            if not math.isfinite(value):
                self.diverged_at[r] = self.step_count
                for param in groups[r]["params"]:
                    param.grad = None
            groups[r]["lr"] = self.rates[r] * factor
        self._optimizer.step()
        self.alive = [r for r in self.alive if self.diverged_at[r] is None]
        self.step_count += 1

    @property
    def finished(self) -> bool:
        return not self.alive or self.step_count >= self.config.steps

    def results(self) -> list[SweepRun]:
        """Each run's final full-set loss and verdict (as `TrainingSession.verdict` judges)."""
        final = np.full(len(self.rates), np.nan)
        if self.alive:
            with torch.no_grad():
                output = self._forward(self.alive, self.dataset.x_train)
                finite = torch.isfinite(output).flatten(1).all(1)
                losses = self._losses(output.nan_to_num(0.5), self.dataset.y_train)
                losses[~finite] = math.nan
            final[self.alive] = losses.numpy()
        runs = []
        for r, lr in enumerate(self.rates):
            diverged_at = self.diverged_at[r]
            if diverged_at is None and not all(
                bool(torch.isfinite(p).all()) for p in self._params[r]
            ):
                diverged_at = self.step_count  # weights non-finite though each loss was not
            history = self.history[r, : self.step_count if diverged_at is None else diverged_at + 1]
            verdict = _verdict(history, diverged_at, self._noisy)
            runs.append(SweepRun(lr, float(final[r]), verdict, diverged_at))
        return runs


def _verdict(history: np.ndarray, diverged_at: int | None, noisy: bool) -> Verdict:
    """As `TrainingSession.verdict` judges: noisy losses by their moving average."""
    verdict = judge_losses(smoothed_losses(history) if noisy else history, noisy)
    if diverged_at is not None and verdict.regime != Regime.DIVERGED:
        return Verdict(
            Regime.DIVERGED,
            diverged_at,
            f"diverged at step {diverged_at}: the weights became non-finite",
        )
    return verdict


def stack_bytes(spec: NetworkSpec, dataset: Dataset, config: TrainingConfig, rates: int) -> int:
    """About what the stacked runs' activations take per step: each rate's copy of every
    layer's output for a whole batch, kept for the backward pass with its gradient."""
    batch = config.batch_size or len(dataset.x_train)
    batch = min(batch, len(dataset.x_train))
    return 2 * 4 * rates * batch * sum(spec.widths)


class NetworkSweep:
    """The sweep as a steppable job: `advance()` trains for ~TARGET_ADVANCE_S, `snapshot()`
    gives a `SweepResult`; `run()` does it all at once (CLI, tests, bench).

    A stack larger than MAX_STACK_BYTES (60 rates x 100,000 points x 8 layers of 256 would
    take gigabytes at once) trains one rate at a time instead (`batched` says which)."""

    def __init__(
        self,
        spec: NetworkSpec,
        dataset: Dataset,
        config: TrainingConfig,
        lrs: np.ndarray | list[float],
        steps: int = DEFAULT_STEPS,
        batched: bool = True,
    ) -> None:
        if not isinstance(steps, int) or not 1 <= steps <= MAX_STEPS:
            raise ConfigError(f"a sweep trains 1 to {MAX_STEPS} steps per rate, got {steps!r}")
        configs = configs_for_rates(
            replace(config, steps=steps, sharpness_every=0, **NO_STOP_RULES),
            [float(lr) for lr in lrs],
        )
        self.lrs = np.array([c.lr for c in configs])
        self.steps = steps
        # The stacked loss has no L1/L2 term: a penalised sweep trains one rate at a time.
        batched = batched and not config.penalised
        batched = batched and stack_bytes(spec, dataset, config, len(configs)) <= MAX_STACK_BYTES
        batched = batched and spec_refusal(spec) is None  # e.g. its loss or dropout: run by run
        self.batched = batched
        self._sessions = [
            TrainingSession(spec, dataset, c) for c in (configs if not batched else configs[:1])
        ]
        self._stacked = _StackedRuns(self._sessions[0], configs) if batched else None
        self._runs: tuple[SweepRun, ...] = ()

    @property
    def finished(self) -> bool:
        return len(self._runs) == len(self.lrs)

    def advance(self) -> bool:
        deadline = time.perf_counter() + TARGET_ADVANCE_S
        while not self._all_trained():
            self._train_a_little()
            if time.perf_counter() >= deadline:
                return True
        if not self.finished:
            self._runs = tuple(self._results())
        return False

    def run(self) -> SweepResult:
        while self.advance():
            pass
        return self.snapshot()

    def _all_trained(self) -> bool:
        if self._stacked is not None:
            return self._stacked.finished
        return all(session.finished for session in self._sessions)

    def _train_a_little(self) -> None:
        if self._stacked is not None:
            self._stacked.step()
            return
        session = next(s for s in self._sessions if not s.finished)
        session.step(25)

    def _results(self) -> list[SweepRun]:
        if self._stacked is not None:
            return self._stacked.results()
        return [
            SweepRun(s.config.lr, s.snapshot().train_loss, s.verdict, s.diverged_at)
            for s in self._sessions
        ]

    def snapshot(self) -> SweepResult:
        if self._stacked is not None:
            done = self._stacked.step_count
        else:
            done = sum(s.step_count for s in self._sessions) // len(self._sessions)
        return SweepResult(self.lrs.copy(), done, self.steps, self._runs)
