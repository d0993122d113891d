"""Training a network step by step: the session the network panel's worker drives.

A `TrainingSession` owns a model, an optimizer and a dataset and advances by `step(n)`, running
exactly the canonical loop of the lecture (zero_grad, forward, loss, backward, step) and nothing
else per step except `loss.item()`: validation loss, accuracy, norms and parameter copies are
computed only when asked for (`snapshot()`, `parameters_numpy()`). The loop gives the lecture
loop's bits with less Python per step (`lean_forward`, `session_optimizer`): in the app the
worker shares the interpreter with the GUI's drawing, so it must run faster than a bare torch
loop for the app to keep up with one. Learning rate and optimizer hyper-parameters can change
between steps without resetting the weights.

Loss histories are indexed like `gdsim.core.verdict.classify_loss_history` expects: entry `i`
is the loss at the weights after `i` updates (entry 0 is the loss before the first step). A
session uses no global state (its randomness comes from its own torch.Generator), so several
can run in different threads; `torch.set_num_threads` is the caller's business.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any, Generic, TypeVar

import numpy as np
import torch
from torch import nn
from torch.nn import functional

from gdsim.core.datasets import FLOAT32_MAX, Dataset
from gdsim.core.names import suggestion
from gdsim.core.network import NetworkSpec, build_model, loss_function, training_output
from gdsim.core.optimizers import OPTIMIZERS, OptimizerSpec
from gdsim.core.sharpness import top_hessian_eigenvalue
from gdsim.core.unit_maps import WeightEdit, set_weight
from gdsim.core.verdict import Regime, Verdict, classify_loss_history


class ConfigError(ValueError):
    """A training configuration that cannot be used; the message is one line."""


# ---------------------------------------------------------------- learning-rate schedules
# Each returns the factor applied to the base learning rate before update number `step`
# (0-based). They are self-contained so the code exporter can copy them verbatim.


def constant(step: int, **_: float) -> float:
    """No schedule."""
    return 1.0


def step_decay(step: int, step_size: int, gamma: float, **_: float) -> float:
    """Multiply by `gamma` every `step_size` updates."""
    return gamma ** (step // step_size)


def cosine(step: int, steps: int, **_: float) -> float:
    """Half a cosine from 1 down to 0 over the whole step budget."""
    return 0.5 * (1.0 + math.cos(math.pi * min(step, steps) / steps))


def warmup(step: int, warmup_steps: int, **_: float) -> float:
    """Grow linearly over `warmup_steps` updates, then hold."""
    return min(1.0, (step + 1) / warmup_steps)


SCHEDULES: dict[str, Callable[..., float]] = {
    "none": constant,
    "step": step_decay,
    "cosine": cosine,
    "warmup": warmup,
}


# ---------------------------------------------------------------- configuration


@dataclass(frozen=True)
class TrainingConfig:
    """How to train. `batch_size` None or 0 means full batch (gradient descent proper), 1 is
    stochastic gradient descent. `hyper` holds the optimizer's hyper-parameters by the names
    of its `OptimizerSpec` (e.g. {"beta1": 0.5} for Adam); after construction it holds all of
    them, the defaults filled in, so two configs that train alike compare equal. Weight decay
    is a field of its own: it regularises whatever the optimizer. `sharpness_every=k` measures
    the loss's sharpness (`gdsim.core.sharpness`) every k updates; 0 (the default) never.

    `l1` and `l2` add `penalty` to the loss each update minimises (0 = off). The stop rules are
    checked at each evaluation (`evaluation_every`): `stop_at_loss` (the whole training set's
    data loss at or below it), `stop_at_accuracy` (its accuracy at or above it; classification
    only) and `early_stop=k` (the validation loss has not improved for k evaluations; needs a
    validation set); None / 0 = off."""

    optimizer: str = "gd"
    lr: float = 1.0
    hyper: Mapping[str, float] = field(default_factory=dict)
    batch_size: int | None = None
    weight_decay: float = 0.0
    schedule: str = "none"
    step_size: int = 100
    gamma: float = 0.5
    warmup_steps: int = 100
    steps: int = 1000
    seed: int = 0
    sharpness_every: int = 0
    l1: float = 0.0
    l2: float = 0.0
    stop_at_loss: float | None = None
    stop_at_accuracy: float | None = None
    early_stop: int = 0

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise ConfigError(
                f"unknown optimizer '{self.optimizer}'; choose one of {', '.join(OPTIMIZERS)}"
                f"{suggestion(self.optimizer, OPTIMIZERS)}"
            )
        if self.schedule not in SCHEDULES:
            raise ConfigError(
                f"unknown schedule '{self.schedule}'; choose one of {', '.join(SCHEDULES)}"
                f"{suggestion(self.schedule, SCHEDULES)}"
            )
        check_learning_rate(self.lr)
        try:
            hyper = self.optimizer_spec.resolve(self.hyper)
        except ValueError as error:
            raise ConfigError(str(error)) from None
        object.__setattr__(self, "hyper", hyper)
        if self.batch_size is not None and not (
            isinstance(self.batch_size, int) and self.batch_size >= 0
        ):
            raise ConfigError(f"batch size must be a whole number >= 0, got {self.batch_size!r}")
        _check_range("weight decay", self.weight_decay, 0.0, 1e3)
        _check_range("gamma", self.gamma, 0.0, 1.0)
        for name in ("step_size", "warmup_steps", "steps"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name.replace('_', ' ')} must be a whole number >= 1")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ConfigError(f"seed must be a whole number >= 0, got {self.seed!r}")
        every = self.sharpness_every
        if isinstance(every, bool) or not isinstance(every, int) or every < 0:
            raise ConfigError(
                f"sharpness every must be a whole number of steps >= 0 (0 = off), "
                f"got {self.sharpness_every!r}"
            )
        _check_range("L1", self.l1, 0.0, MAX_PENALTY)
        _check_range("L2", self.l2, 0.0, MAX_PENALTY)
        _check_stop_values(self)
        step = self.optimizer_spec.largest_step(self.lr, hyper, self.weight_decay)
        if step > MAX_LEARNING_RATE:
            raise ConfigError(
                f"learning rate {self.lr:g} is too large for {self.optimizer_spec.title}: its "
                f"steps fit in float32 only up to {self.lr * MAX_LEARNING_RATE / step:.3g}"
            )

    @property
    def optimizer_spec(self) -> OptimizerSpec:
        return OPTIMIZERS[self.optimizer]

    def torch_options(self) -> dict[str, Any]:
        """The optimizer's param-group values besides the learning rate."""
        return self.optimizer_spec.torch_options(self.hyper, self.weight_decay)

    def schedule_args(self) -> dict[str, float]:
        """The keyword arguments every schedule function accepts."""
        return {
            "steps": self.steps,
            "step_size": self.step_size,
            "gamma": self.gamma,
            "warmup_steps": self.warmup_steps,
        }

    def lr_at(self, step: int) -> float:
        """The learning rate used for update number `step` (0-based)."""
        return self.lr * SCHEDULES[self.schedule](step, **self.schedule_args())

    @property
    def penalised(self) -> bool:
        """Whether the loss minimised (and the minibatch loss recorded) includes `penalty`."""
        return self.l1 > 0 or self.l2 > 0

    @property
    def penalty_name(self) -> str:
        """The penalties on, as the training curve's name adds them ("L2", "L1 + L2"; "" when
        none): a curve named "L1/L2" with only L2 on would send a teacher looking for an L1."""
        return " + ".join(name for name, rate in (("L1", self.l1), ("L2", self.l2)) if rate > 0)

    @property
    def stop_rules(self) -> bool:
        """Whether any stop rule is on (training may end before `steps`)."""
        return (
            self.stop_at_loss is not None
            or self.stop_at_accuracy is not None
            or self.early_stop > 0
        )

    @property
    def evaluation_every(self) -> int:
        """Updates between two full-set evaluations: the steps the validation curve is drawn
        at and the stop rules are checked at, in the app, `gdsim train` and an exported
        script alike."""
        return max(1, self.steps // EVALUATIONS)


NO_STOP_RULES: dict[str, Any] = {"stop_at_loss": None, "stop_at_accuracy": None, "early_stop": 0}
"""`replace(config, **NO_STOP_RULES)`: the config trained to its budget, for the views that
measure a fixed number of steps per rate (LR range test, learning-rate sweep)."""

EVALUATIONS = 60
"""Full-set evaluations (validation loss, accuracy) spread evenly over a run's step budget, step
0 included: the validation curve's points and the moments the stop rules are checked. Each
costs about one forward pass over the data (~2-3% of a run in all)."""

MAX_PENALTY = 10.0
"""The largest L1 or L2 rate: past it the penalty swamps any data loss the lectures train."""

MAX_PATIENCE = 1000
"""The most evaluations early stopping waits for (a run has about EVALUATIONS of them)."""


def _check_stop_values(config: TrainingConfig) -> None:
    loss, accuracy, patience = config.stop_at_loss, config.stop_at_accuracy, config.early_stop
    if loss is not None and not (
        isinstance(loss, (int, float)) and math.isfinite(loss) and loss > 0
    ):
        raise ConfigError(f"stop at loss must be a number above 0 (or off), got {loss!r}")
    if accuracy is not None and not (isinstance(accuracy, (int, float)) and 0 < accuracy <= 1):
        raise ConfigError(f"stop at accuracy must be in (0, 1] (or off), got {accuracy!r}")
    if (
        isinstance(patience, bool)
        or not isinstance(patience, int)
        or not (0 <= patience <= MAX_PATIENCE)
    ):
        raise ConfigError(
            f"early stopping patience must be a whole number of evaluations from 0 (off) to "
            f"{MAX_PATIENCE}, got {patience!r}"
        )


def penalty(parameters: Iterable[torch.Tensor], l1: float, l2: float) -> torch.Tensor | float:
    """l1 * sum |w| + l2 * sum w^2 over every parameter, weights and biases alike (as torch's
    weight decay, so that for plain gradient descent an L2 rate of wd / 2 is weight decay wd).
    Self-contained: the code exporter copies it verbatim, so the script adds the same terms
    in the same order and its losses stay the app's bit for bit."""
    flat = torch.cat([p.reshape(-1) for p in parameters])  # few ops: tiny nets pay per op
    total: torch.Tensor | float = 0.0
    if l1 > 0:
        total = total + l1 * flat.abs().sum()
    if l2 > 0:
        total = total + l2 * flat.dot(flat)
    return total


MAX_LEARNING_RATE = FLOAT32_MAX
"""torch trains in float32: a larger learning rate cannot even be stored in the optimizer."""


def check_learning_rate(lr: float) -> None:
    """Refuse a learning rate training cannot use, with one line a user understands; the CLI
    and the network panel call this before anything starts."""
    if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
        raise ConfigError(f"learning rate must be a finite number above 0, got {lr!r}")
    if lr > MAX_LEARNING_RATE:
        raise ConfigError(
            f"learning rate {_plain(lr, 6)} is too large: torch trains in float32, which stops"
            f" at {_plain(MAX_LEARNING_RATE, 2)}"
        )


def configs_for_rates(config: TrainingConfig, rates: Sequence[float]) -> list[TrainingConfig]:
    """`config` at each learning rate (compare mode's runs), every one checked before any is
    used: a setting valid at one rate may not be at another (Adam's first step is
    lr / (1 - beta1)), and applying it to some runs but not the others would mix optimizers."""
    return [replace(config, lr=lr) for lr in rates]


def parse_learning_rates(text: str, max_runs: int) -> list[float]:
    """'0.1, 1, 7' or '0.1 1 7' (as the command line takes them) -> [0.1, 1.0, 7.0]: 1 to
    `max_runs` rates separated by commas, semicolons and/or spaces, each one training can use
    (`check_learning_rate`: torch cannot store 1e300 in float32)."""
    try:
        rates = [float(part) for part in re.split(r"[\s,;]+", text) if part]
    except ValueError:
        raise ConfigError(
            f"learning rates must be numbers separated by commas or spaces: {text!r}"
        ) from None
    if not 1 <= len(rates) <= max_runs or not all(math.isfinite(r) and r > 0 for r in rates):
        raise ConfigError(f"give 1 to {max_runs} learning rates above 0, e.g. 0.1, 1, 6, 10")
    for rate in rates:
        check_learning_rate(rate)
    return rates


def rates_text(rates: Sequence[float]) -> str:
    """[0.1, 1.0, 6.0] -> '0.1, 1, 6': what `parse_learning_rates` reads back."""
    return ", ".join(f"{rate:g}" for rate in rates)


def _plain(number: float, digits: int) -> str:
    """1e300 -> '1e300', as a student types it, not Python's '1e+300'."""
    return f"{number:.{digits}g}".replace("e+", "e")


def _check_range(name: str, value: float, low: float, high: float, high_open: bool = False) -> None:
    ok = isinstance(value, (int, float)) and math.isfinite(value) and value >= low
    ok = ok and (value < high if high_open else value <= high)
    if not ok:
        bracket = ")" if high_open else "]"
        raise ConfigError(f"{name} must be in [{low:g}, {high:g}{bracket}, got {value!r}")


def build_optimizer(params: Any, config: TrainingConfig) -> torch.optim.Optimizer:
    """The torch optimizer for `config`, at the schedule's first learning rate."""
    return config.optimizer_spec.make_torch(
        params, config.lr_at(0), config.hyper, config.weight_decay
    )


def session_optimizer(params: Any, config: TrainingConfig) -> torch.optim.Optimizer:
    """`build_optimizer` on torch's foreach path: one call updates every tensor, where the
    default on CPU loops over them in Python (SGD's step ~45% cheaper on a small network,
    Adam's ~20%). Every update rule gives the same bits on both paths: tests/core/
    test_training_lean.py trains each optimizer both ways and compares losses and weights."""
    optimizer = build_optimizer(params, config)
    for group in optimizer.param_groups:
        group["foreach"] = True
    return optimizer


SAME_AS_MODULE: dict[type[nn.Module], Callable[[torch.Tensor], torch.Tensor]] = {
    nn.ReLU: torch.relu,
    nn.Tanh: torch.tanh,
    nn.Sigmoid: torch.sigmoid,
}
"""Modules whose `forward` is exactly this torch function (no options used by gdsim)."""


def lean_forward(model: nn.Sequential) -> Callable[[torch.Tensor], torch.Tensor]:
    """`training_output(model, x)` with less Python per call: each layer's kernel called on the
    layer's own tensors (`F.linear(x, weight, bias)`, `torch.relu`, ...), other modules through
    their `forward`, so neither `nn.Module.__call__` nor `nn.Sequential` runs per step. The
    same kernels on the same tensors give the same bits. A model with dropout keeps
    `training_output` (its masks need training mode for the one forward pass). The layers'
    tensors are bound once: gdsim changes weights only in place (the optimizer,
    `set_weight`), and registers no hooks a module call would run."""
    if getattr(model, "uses_dropout", False):
        return functools.partial(training_output, model)
    calls: list[Callable[[torch.Tensor], torch.Tensor]] = []
    for module in model:
        if type(module) is nn.Linear:
            weight, bias = module.weight, module.bias
            calls.append(functools.partial(functional.linear, weight=weight, bias=bias))
        elif type(module) in SAME_AS_MODULE:
            calls.append(SAME_AS_MODULE[type(module)])
        elif type(module) is not nn.Identity:
            calls.append(module.forward)

    def forward(x: torch.Tensor) -> torch.Tensor:
        for call in calls:
            x = call(x)
        return x

    return forward


def batch_indices(n: int, batch_size: int | None, generator: torch.Generator) -> BatchOrder:
    """Endless minibatch index tensors: a fresh shuffle each epoch, the last batch of an epoch
    possibly smaller; `None` (every step) for full-batch training."""
    return BatchOrder(n, batch_size, generator)


class BatchOrder:
    """The iterator `batch_indices` returns: an object rather than a generator, because a run
    saved mid-epoch (pickled: gdsim trains in a separate process and takes runs back and forth)
    must resume with the same batches; it keeps its place, the epoch's order and the next
    start."""

    def __init__(self, n: int, batch_size: int | None, generator: torch.Generator) -> None:
        self._n = n
        self._size = batch_size if batch_size and batch_size < n else None
        self._generator = generator
        self._order: torch.Tensor | None = None
        self._start = 0

    def __iter__(self) -> BatchOrder:
        return self

    def __next__(self) -> torch.Tensor | None:
        if self._size is None:
            return None
        if self._order is None or self._start >= self._n:
            self._order = torch.randperm(self._n, generator=self._generator)
            self._start = 0
        start, self._start = self._start, self._start + self._size
        return self._order[start : start + self._size]


# ---------------------------------------------------------------- bounded records


class LossHistory:
    """Loss per step in bounded memory: every `stride`-th value (the stride doubles whenever
    `capacity` fills up) plus the last `recent` values exactly."""

    def __init__(self, capacity: int = 32768, recent: int = 4096) -> None:
        self._steps = np.empty(capacity, dtype=np.int64)
        self._values = np.empty(capacity, dtype=np.float64)
        self._size = 0
        self._stride = 1
        self._recent = np.empty(recent, dtype=np.float64)
        self._count = 0

    def __len__(self) -> int:
        """How many values were appended (not how many are kept)."""
        return self._count

    @property
    def stride(self) -> int:
        return self._stride

    def append(self, value: float) -> None:
        index = self._count
        self._recent[index % len(self._recent)] = value
        if index % self._stride == 0:
            if self._size == len(self._values):
                self._thin()
            if index % self._stride == 0:
                self._steps[self._size] = index
                self._values[self._size] = value
                self._size += 1
        self._count = index + 1

    def _thin(self) -> None:
        keep = self._size // 2 + self._size % 2
        self._steps[:keep] = self._steps[: self._size : 2]
        self._values[:keep] = self._values[: self._size : 2]
        self._size = keep
        self._stride *= 2

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(steps, values): the thinned past followed by the exact recent window (copies)."""
        first_recent = max(0, self._count - len(self._recent))
        older = self._steps[: self._size] < first_recent
        recent_steps = np.arange(first_recent, self._count)
        recent_values = self._recent[recent_steps % len(self._recent)]
        return (
            np.concatenate([self._steps[: self._size][older], recent_steps]),
            np.concatenate([self._values[: self._size][older], recent_values]),
        )


Item = TypeVar("Item")


class ThinnedRecord(Generic[Item]):
    """(step, item) pairs in bounded memory: when `capacity` is reached every other pair is
    dropped; with `stretch`, the recording interval `every` then doubles too, so kept pairs
    stay evenly spaced."""

    def __init__(self, capacity: int, every: int = 1, stretch: bool = False) -> None:
        self._items: list[tuple[int, Item]] = []
        self._capacity = max(2, capacity)
        self.every = every
        self._stretch = stretch

    def wants(self, step: int) -> bool:
        return step % self.every == 0

    def append(self, step: int, item: Item) -> None:
        if len(self._items) >= self._capacity:
            self._items = self._items[::2]
            if self._stretch:
                self.every *= 2
        self._items.append((step, item))

    @property
    def last_step(self) -> int | None:
        return self._items[-1][0] if self._items else None

    def items(self) -> list[tuple[int, Item]]:
        return list(self._items)


EMA_FACTOR = 0.95
"""The smoothed minibatch loss keeps 95% of its last value and takes 5% of the new one: it
averages over about the last 20 updates, enough to show stochastic gradient descent's trend
through its noise, short enough to follow a learning-rate change within an epoch or two."""


class LossEma:
    """The exponential moving average of a loss, bias-corrected: m_t = f m_(t-1) + (1 - f) x_t
    from m_0 = 0, read as m_t / (1 - f^t), so the first values are not pulled towards 0."""

    def __init__(self, factor: float = EMA_FACTOR) -> None:
        self.factor = factor
        self._mean = 0.0
        self._count = 0

    def update(self, value: float) -> float:
        """Take the next loss and return the smoothed loss up to it."""
        self._count += 1
        self._mean = self.factor * self._mean + (1.0 - self.factor) * value
        return self._mean / (1.0 - self.factor**self._count)


def noisy_losses(spec: NetworkSpec, config: TrainingConfig, n_train: int) -> bool:
    """Whether each step's loss varies with more than the weights: with its minibatch (a
    batch smaller than the `n_train` points) or with its dropout mask. Such a loss goes up
    and down from step to step; its moving average (`LossEma`) tells the trend."""
    size = config.batch_size
    return (bool(size) and size < n_train) or spec.dropout > 0


def smoothed_losses(losses: np.ndarray) -> np.ndarray:
    """The moving average of `losses` as a session keeps it (`TrainingSession.smoothed`)."""
    ema = LossEma()
    return np.array([ema.update(float(value)) for value in losses])


def judge_losses(losses: np.ndarray, noisy: bool) -> Verdict:
    """The verdict on a run's losses, which for `noisy` ones (`noisy_losses`) are their moving
    average: each step's own loss goes up and down with its minibatch or dropout mask and read
    as "oscillating" at every rate. The reason then says what was judged."""
    verdict = classify_loss_history(losses)
    if noisy and verdict.regime != Regime.DIVERGED:
        reason = f"{verdict.reason} (judged on the moving average of the step losses)"
        verdict = replace(verdict, reason=reason)
    return verdict


STOP_REASONS = ("steps", "target loss", "target accuracy", "early stopping", "diverged")
"""Why a run ended (`TrainingSession.stop_reason`): its step budget, a stop rule, or a loss
that became non-finite."""


# ---------------------------------------------------------------- snapshots


@dataclass(frozen=True)
class Snapshot:
    """Where training stands. Losses and metrics are over the whole training / validation
    set at the current weights (`val_*` are None without a validation set). The metric is
    accuracy for classification and R^2 for regression (`metric_name` says which);
    `grad_norm` is the norm of the last minibatch gradient; `stop_reason` is the session's."""

    step: int
    epoch: float
    train_loss: float
    val_loss: float | None
    train_metric: float
    val_metric: float | None
    metric_name: str
    grad_norm: float
    param_norm: float
    lr: float
    finished: bool
    diverged_at: int | None
    stop_reason: str | None = None


# ---------------------------------------------------------------- the session

PARAM_RECORD_BYTES = 64 * 1024 * 1024
SHARPNESS_CAPACITY = 2048
"""Sharpness measurements kept per run; past it every other one is dropped and the interval
doubles, like the other bounded records."""


class TrainingSession:
    """One network trained on one dataset with one configuration, advanced by `step()`.

    `record_params_every=k` keeps a copy of the flattened weights every k updates (thinned to
    bounded memory) for a loss-landscape view of the trajectory; 0 keeps none.
    """

    def __init__(
        self,
        spec: NetworkSpec,
        dataset: Dataset,
        config: TrainingConfig,
        record_params_every: int = 0,
    ) -> None:
        _check_compatible(spec, dataset)
        check_rules_fit(config, spec, dataset)
        self.spec = spec
        self.dataset = dataset
        self.config = config
        self.model = build_model(spec, dropout_seed=config.seed)
        self.loss_fn = loss_function(spec.task, spec.loss)
        self.optimizer = session_optimizer(self.model.parameters(), config)
        self._forward = lean_forward(self.model)
        self._loss_forward = self.loss_fn.forward
        self._parameters = list(self.model.parameters())
        self.history = LossHistory()
        self.smoothed = LossHistory()
        """`LossEma` of the minibatch losses, one entry per entry of `history`."""
        self._ema = LossEma()
        self.val_history: ThinnedRecord[float] = ThinnedRecord(4096)
        self._generator = torch.Generator().manual_seed(config.seed)
        self._batches = batch_indices(len(dataset.x_train), config.batch_size, self._generator)
        self._steps_per_epoch = _steps_per_epoch(len(dataset.x_train), config.batch_size)
        self._step = 0
        self._diverged_at: int | None = None
        self._stop_rule: str | None = None
        self._stop_checked: int | None = None
        self._rules = StopRules(config.stop_at_loss, config.stop_at_accuracy, config.early_stop)
        self._snapshot: Snapshot | None = None
        n_params = sum(p.numel() for p in self.model.parameters())
        capacity = min(2048, PARAM_RECORD_BYTES // (4 * n_params))
        self._trajectory: ThinnedRecord[np.ndarray] | None = None
        if record_params_every > 0:
            self._trajectory = ThinnedRecord(capacity, record_params_every, stretch=True)
            self._trajectory.append(0, self.parameters_numpy())
        self._sharpness: ThinnedRecord[float] = ThinnedRecord(SHARPNESS_CAPACITY, stretch=True)
        self._sharpness_vector: torch.Tensor | None = None
        self.edits: list[WeightEdit] = []
        """Weights set by hand (`set_weight`), in order: the exported script replays them."""

    # -- transfer ------------------------------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        """What a session is, for the training process (gdsim/core/training_server.py): its
        attributes less the calls bound to its tensors (`lean_forward`'s closure, which
        cannot be pickled), plus the parameters' gradients, which a pickled parameter drops
        and a snapshot's gradient norm reads."""
        state = self.__dict__.copy()
        del state["_forward"], state["_loss_forward"]
        state["_gradients"] = [parameter.grad for parameter in self._parameters]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        gradients = state.pop("_gradients")
        self.__dict__.update(state)
        for parameter, gradient in zip(self._parameters, gradients, strict=True):
            parameter.grad = gradient
        self._forward = lean_forward(self.model)
        self._loss_forward = self.loss_fn.forward

    # -- state ---------------------------------------------------------------------------

    @property
    def step_count(self) -> int:
        """Updates done so far."""
        return self._step

    @property
    def diverged_at(self) -> int | None:
        """History index of the first non-finite loss, if training blew up."""
        return self._diverged_at

    @property
    def finished(self) -> bool:
        return self.stop_reason is not None

    @property
    def stop_reason(self) -> str | None:
        """Why the run ended (one of STOP_REASONS), None while it may go on."""
        if self._diverged_at is not None:
            return "diverged"
        if self._stop_rule is not None:
            return self._stop_rule
        return "steps" if self._step >= self.config.steps else None

    @property
    def best_step(self) -> int | None:
        """With early stopping, the step of the lowest validation loss evaluated so far."""
        return None if self._rules.best is None else self._rules.best[1]

    @property
    def lr(self) -> float:
        """The learning rate the next update will use."""
        return self.config.lr_at(self._step)

    # -- stepping ------------------------------------------------------------------------

    def step(self, n: int = 1) -> np.ndarray:
        """Do up to `n` updates (fewer when the budget runs out or the loss blows up) and
        return the loss of each, measured before its update on its minibatch."""
        if self.finished:
            return np.empty(0)
        n = max(0, min(n, self.config.steps - self._step))
        scheduled = self.config.schedule != "none"
        forward, loss_fn, optimizer = self._forward, self._loss_forward, self.optimizer
        parameters = self._parameters
        losses = np.empty(n)
        done = 0
        self._track_sharpness()  # step 0, in the worker's first call rather than in __init__
        self._check_stop_rules()
        l1, l2 = self.config.l1, self.config.l2
        penalised = self.config.penalised
        while done < n and not self.finished:
            xb, yb = self.next_batch()
            if scheduled:
                lr = self.config.lr_at(self._step)
                for group in optimizer.param_groups:
                    group["lr"] = lr
            for parameter in parameters:  # optimizer.zero_grad(), without its profiler hook
                parameter.grad = None
            loss = _loss_or_none(loss_fn, forward(xb), yb)
            if loss is None:
                value = math.nan
            else:
                if penalised:
                    loss = loss + penalty(parameters, l1, l2)
                loss.backward()
                optimizer.step()
                value = loss.item()
            losses[done] = value
            done += 1
            if not self.record_update(value):
                break
            self._track_sharpness()
        return losses[:done]

    def next_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The (inputs, targets) of the next update, in this session's data order."""
        index = next(self._batches)
        x, y = self.dataset.x_train, self.dataset.y_train
        return (x, y) if index is None else (x[index], y[index])

    def record_update(self, value: float) -> bool:
        """Book one update of this session's weights whose minibatch loss was `value`: the
        history, the step count, the weight trajectory and divergence. `step()` books its own
        updates here; a batch of compare runs (gdsim/core/batched_training.py), which updates
        several sessions' weights in one forward and backward, books each run's here too, so
        the two keep identical records. False when the run has diverged (and stops)."""
        self.history.append(value)
        self.smoothed.append(self._ema.update(value))
        if not math.isfinite(value):
            self._diverged_at = self._step
            return False
        self._step += 1
        if self._trajectory is not None and self._trajectory.wants(self._step):
            self._trajectory.append(self._step, self.parameters_numpy())
        if self.finished and not self._parameters_finite():
            self._diverged_at = self._step
        self._check_stop_rules()
        return True

    @property
    def evaluation_due(self) -> bool:
        """Whether this step is one of the run's evaluations: every `evaluation_every` steps
        from step 0, and its last step. Curves get their points only there, so that a stop
        rule's mark falls on one; a snapshot taken between them (a live frame) is shown in
        the header, not added to a curve."""
        return self._step % self.config.evaluation_every == 0 or self.finished

    def _check_stop_rules(self) -> None:
        """At each evaluation step (`config.evaluation_every`, step 0 included), when a stop
        rule is on: evaluate the whole training and validation sets (`snapshot`, which also
        records the validation curve's point) and end the run if a rule is met. The data
        loss is compared, without the L1/L2 penalty, as the curves and the header show it."""
        config = self.config
        if (
            not config.stop_rules
            or self.finished
            or self._step % config.evaluation_every
            or self._stop_checked == self._step
        ):
            return
        self._stop_checked = self._step
        state = self.snapshot()
        self._stop_rule = self._rules.check(
            self._step, state.train_loss, state.train_metric, state.val_loss
        )

    def run(self, should_stop: Callable[[], bool] = lambda: False, chunk: int = 50) -> None:
        """Step until finished or `should_stop()` says so (checked every `chunk` steps)."""
        while not self.finished and not should_stop():
            self.step(chunk)

    def _track_sharpness(self) -> None:
        """Measure the sharpness on the full training set if it is due at this step: every
        `config.sharpness_every` updates (step 0 included), times the record's stretch, which
        doubles each time the record thins itself. Warm-started from the last eigenvector."""
        every = self.config.sharpness_every * self._sharpness.every
        if every == 0 or self._step % every or self._sharpness.last_step == self._step:
            return
        measured = top_hessian_eigenvalue(
            self.model,
            self.loss_fn,
            self.dataset.x_train,
            self.dataset.y_train,
            start=self._sharpness_vector,
        )
        self._sharpness_vector = measured.vector
        self._sharpness.append(self._step, measured.value)

    # -- live changes --------------------------------------------------------------------

    def set_weight(self, layer: int, row: int, column: int, value: float) -> None:
        """Set one weight by hand (the diagram's editor) before the next update; the
        optimizer's state stays, the full-set losses are evaluated again, and the edit is
        recorded for the exported script."""
        set_weight(self.model, layer, row, column, value)
        self.edits.append(WeightEdit(self._step, layer, row, column, value))
        self._snapshot = None

    def set_lr(self, lr: float) -> None:
        """Change the base learning rate; the next update uses it, the weights stay."""
        self.set_hyper(lr=lr)

    def set_hyper(self, **changes: Any) -> None:
        """Change config fields between steps without touching the weights. A new optimizer
        name builds a fresh optimizer (its momentum/moment state starts from zero); a new
        batch size starts a new epoch. The seed cannot change mid-run. `hyper` replaces the
        hyper-parameters as a whole (names left out go back to their defaults), as a config's
        does; a new optimizer without `hyper` starts from that optimizer's defaults."""
        unknown = set(changes) - {f.name for f in fields(TrainingConfig)}
        if unknown:
            raise ConfigError(f"unknown training setting(s): {', '.join(sorted(unknown))}")
        if "seed" in changes and changes["seed"] != self.config.seed:
            raise ConfigError("the seed cannot change during a run; start a new session")
        if "optimizer" in changes and changes["optimizer"] != self.config.optimizer:
            changes.setdefault("hyper", {})
        old, new = self.config, replace(self.config, **changes)
        check_rules_fit(new, self.spec, self.dataset)
        self.config = new
        rules = self._rules  # new thresholds; early stopping's best so far stays
        rules.stop_at_loss, rules.stop_at_accuracy = new.stop_at_loss, new.stop_at_accuracy
        rules.early_stop = new.early_stop
        if new.optimizer != old.optimizer:
            self.optimizer = session_optimizer(self.model.parameters(), new)
        values = {"lr": new.lr_at(self._step), **new.torch_options()}
        for group in self.optimizer.param_groups:
            group.update(values)
        if new.batch_size != old.batch_size:
            n = len(self.dataset.x_train)
            self._batches = batch_indices(n, new.batch_size, self._generator)
            self._steps_per_epoch = _steps_per_epoch(n, new.batch_size)

    # -- queries -------------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """Full-set losses and metrics at the current weights (cached until the next step)."""
        cached = self._snapshot
        if cached and (cached.step, cached.diverged_at, cached.finished) == (
            self._step,
            self._diverged_at,
            self.finished,
        ):
            return cached
        data = self.dataset
        with torch.no_grad():
            task = self.spec.task
            train_loss, train_metric = evaluate(
                self.model, self.loss_fn, task, data.x_train, data.y_train
            )
            val_loss, val_metric = (None, None)
            if len(data.x_val):
                val_loss, val_metric = evaluate(
                    self.model, self.loss_fn, task, data.x_val, data.y_val
                )
            params = [p.detach() for p in self.model.parameters()]
            grads = [p.grad.detach() for p in self.model.parameters() if p.grad is not None]
            param_norm = float(torch.linalg.vector_norm(torch.cat([p.ravel() for p in params])))
            grad_norm = (
                float(torch.linalg.vector_norm(torch.cat([g.ravel() for g in grads])))
                if grads
                else 0.0
            )
        if (
            val_loss is not None
            and self.evaluation_due
            and self.val_history.last_step != self._step
        ):
            self.val_history.append(self._step, val_loss)
        self._snapshot = Snapshot(
            step=self._step,
            epoch=self._step / self._steps_per_epoch,
            train_loss=train_loss,
            val_loss=val_loss,
            train_metric=train_metric,
            val_metric=val_metric,
            metric_name="r2" if self.spec.task == "regression" else "accuracy",
            grad_norm=grad_norm,
            param_norm=param_norm,
            lr=self.lr,
            finished=self.finished,
            diverged_at=self._diverged_at,
            stop_reason=self.stop_reason,
        )
        return self._snapshot

    def parameters_numpy(self) -> np.ndarray:
        """All weights and biases flattened into one new float32 array (layer order)."""
        with torch.no_grad():
            return torch.cat([p.detach().ravel() for p in self.model.parameters()]).numpy()

    def layer_weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """(weight (out, in), bias (out,)) copies per Linear layer, for a network diagram."""
        return [
            (m.weight.detach().numpy().copy(), m.bias.detach().numpy().copy())
            for m in self.model
            if isinstance(m, nn.Linear)
        ]

    def param_trajectory(self) -> tuple[np.ndarray, np.ndarray]:
        """(steps, weights (m, P)) recorded with `record_params_every`; empty without it."""
        if self._trajectory is None:
            return np.empty(0, dtype=np.int64), np.empty((0, 0), dtype=np.float32)
        items = self._trajectory.items()
        return np.array([s for s, _ in items]), np.stack([w for _, w in items])

    def sharpness(self) -> tuple[np.ndarray, np.ndarray]:
        """(steps, values) of the sharpness measured so far (`sharpness_every`); NaN where
        the weights were not finite."""
        items = self._sharpness.items()
        return (
            np.array([s for s, _ in items], dtype=np.int64),
            np.array([v for _, v in items], dtype=np.float64),
        )

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Model outputs for inputs (n, input_dim): P(class 1) (n,) for binary, class
        probabilities (n, k) for multiclass, predicted values (n,) for regression."""
        inputs = torch.as_tensor(np.asarray(x, dtype=np.float32).reshape(-1, self.spec.input_dim))
        with torch.no_grad():
            output = self.model(inputs)
            if self.spec.task == "multiclass":
                return torch.softmax(output, dim=1).numpy()
            return output[:, 0].numpy()

    def predict_grid(self, xs: np.ndarray, ys: np.ndarray | None = None) -> np.ndarray:
        """What a background heat map shows: for 2D inputs an array (len(ys), len(xs)) of
        P(class 1) / the argmax class / the regression output; for 1D inputs the curve over
        `xs` (ys unused)."""
        xs = np.asarray(xs, dtype=np.float32)
        if self.spec.input_dim == 1:
            return self.predict(xs[:, None]).reshape(-1)
        if ys is None:
            raise ValueError("a 2D network needs both xs and ys for its grid")
        gx, gy = np.meshgrid(xs, np.asarray(ys, dtype=np.float32))
        output = self.predict(np.stack([gx.ravel(), gy.ravel()], axis=1))
        if self.spec.task == "multiclass":
            output = output.argmax(axis=1).astype(np.float32)
        return output.reshape(gx.shape)

    @property
    def noisy_losses(self) -> bool:
        """Whether each step's loss varies with its minibatch or dropout mask (`noisy_losses`)."""
        return noisy_losses(self.spec, self.config, len(self.dataset.x_train))

    @property
    def verdict(self) -> Verdict:
        """converged / slow / oscillating / diverged, judged from the loss history (on
        minibatches, from its moving average: see `judge_losses`). For runs longer than the
        history keeps exactly, the steps quoted are those of the thinned history mapped back
        to real steps."""
        noisy = self.noisy_losses
        steps, losses = (self.smoothed if noisy else self.history).arrays()
        if losses.size == 0 and self._stop_rule is not None:
            return Verdict(
                Regime.CONVERGED,
                0,
                f"stopped before the first step: its {self._stop_rule} "
                "was met by the initial weights",
            )
        if losses.size == 0:
            raise ValueError("no step has been taken yet")
        verdict = judge_losses(losses, noisy)
        if verdict.step is not None:
            verdict = replace(verdict, step=int(steps[verdict.step]))
        if self._diverged_at is not None and verdict.regime != Regime.DIVERGED:
            verdict = Verdict(
                Regime.DIVERGED,
                self._diverged_at,
                f"diverged at step {self._diverged_at}: the weights became non-finite",
            )
        return verdict

    def _parameters_finite(self) -> bool:
        return all(bool(torch.isfinite(p).all()) for p in self.model.parameters())


def evaluate(
    model: nn.Module,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    task: str,
    x: torch.Tensor,
    y: torch.Tensor,
) -> tuple[float, float]:
    """(loss, metric) of `model` on a whole set: NaN loss where the outputs are not finite;
    accuracy for a classifier, R^2 for regression. Self-contained but for `_loss_or_none`:
    the code exporter copies both, so an exported script stops where the app stops. The
    model is evaluated with every unit kept: an exported script's network is in training mode
    here, and its dropout masks must not draw numbers the app's training steps then lack."""
    training = model.training
    model.eval()
    try:
        with torch.no_grad():
            output = model(x)
    finally:
        model.train(training)
    with torch.no_grad():
        loss_value = _loss_or_none(loss_fn, output, y)
        loss = math.nan if loss_value is None else float(loss_value)
        if task == "binary":
            metric = float(((output > 0.5).float() == y).float().mean())
        elif task == "multiclass":
            metric = float((output.argmax(dim=1) == y).float().mean())
        else:
            residual = float(((y - output) ** 2).sum())
            spread = float(((y - y.mean()) ** 2).sum())
            metric = 1.0 - residual / spread if spread > 0 else float("nan")
    return loss, metric


class StopRules:
    """The stop rules' verdict at each evaluation, in order: the training set's loss at or
    below `stop_at_loss`, its accuracy at or above `stop_at_accuracy`, or (`early_stop` = k
    > 0) a validation loss that has not improved on its best for k evaluations in a row. None
    is off. Self-contained: the code exporter copies it, so a script stops where the app does.
    """

    def __init__(
        self, stop_at_loss: float | None, stop_at_accuracy: float | None, early_stop: int
    ) -> None:
        self.stop_at_loss = stop_at_loss
        self.stop_at_accuracy = stop_at_accuracy
        self.early_stop = early_stop
        self.best: tuple[float, int] | None = None  # (lowest validation loss, its step)
        self.since_best = 0

    def check(
        self, step: int, train_loss: float, train_metric: float, val_loss: float | None
    ) -> str | None:
        """Why training stops after the evaluation at `step`, or None to go on."""
        if self.stop_at_loss is not None and train_loss <= self.stop_at_loss:
            return "target loss"
        if self.stop_at_accuracy is not None and train_metric >= self.stop_at_accuracy:
            return "target accuracy"
        if self.early_stop > 0 and val_loss is not None:
            if self.best is None or val_loss < self.best[0]:
                self.best = (val_loss, step)
                self.since_best = 0
            else:
                self.since_best += 1
                if self.since_best >= self.early_stop:
                    return "early stopping"
        return None


def _loss_or_none(
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    output: torch.Tensor,
    target: torch.Tensor,
) -> torch.Tensor | None:
    """The loss, or None when the outputs are non-finite. MSE and cross-entropy turn NaN
    outputs into a NaN loss, but BCELoss raises on them instead ("all elements of input should
    be between 0 and 1"); the outputs are checked only then, so a healthy step costs nothing."""
    try:
        return loss_fn(output, target)
    except RuntimeError:
        if bool(torch.isfinite(output).all()):
            raise
        return None


def _check_compatible(spec: NetworkSpec, dataset: Dataset) -> None:
    if spec.input_dim != dataset.input_dim:
        raise ConfigError(
            f"the network takes {spec.input_dim} input(s) but '{dataset.name}' has "
            f"{dataset.input_dim}"
        )
    if spec.task != dataset.task or spec.output_dim != dataset.output_dim:
        raise ConfigError(
            f"the network is built for a {spec.task} task with {spec.output_dim} output(s), "
            f"'{dataset.name}' is {dataset.task} with {dataset.output_dim}"
        )


def check_rules_fit(config: TrainingConfig, spec: NetworkSpec, dataset: Dataset) -> None:
    """Refuse (ConfigError, one line) the stop rules that need what this data or task lacks:
    sessions check at their start and at each change, the panel before it sends a change."""
    if config.early_stop > 0 and not len(dataset.x_val):
        raise ConfigError("early stopping needs a validation set: set the validation share above 0")
    if config.stop_at_accuracy is not None and spec.task == "regression":
        raise ConfigError("stop at accuracy needs a classification task, not regression")


def _steps_per_epoch(n: int, batch_size: int | None) -> int:
    if not batch_size or batch_size >= n:
        return 1
    return math.ceil(n / batch_size)


def compare_learning_rates(
    spec: NetworkSpec,
    dataset: Dataset,
    config: TrainingConfig,
    lrs: Sequence[float],
    record_params_every: int = 0,
) -> list[TrainingSession]:
    """The lecture's figure: the same network from the same initial weights trained at each
    learning rate (too small / right / too big / way too big), each run to its budget."""
    sessions = [
        TrainingSession(spec, dataset, run_config, record_params_every)
        for run_config in configs_for_rates(config, lrs)
    ]
    for session in sessions:
        session.run()
    return sessions
