"""Compare mode's runs: one setting, several values, one run per value.

The lecture compares learning rates; it also compares full-batch, stochastic and mini-batch
descent, and the activation table invites comparing activations. A compare is therefore a
setting (``SETTINGS``: learning rate, batch size, activation, depth, optimizer, loss) and its
values, and ``compare_runs`` turns a network, a training configuration and those values into
one ``CompareRun`` per value: the base spec and config with that one setting changed, and the
name the badges, curves and header give the run.

The runs share the base spec's seed. Where the value leaves every weight's shape alone
(learning rate, batch size, optimizer, loss, activation) that means the same initial weights,
so the runs differ only in what is compared; a depth changes the shapes, so each depth has its
own initial weights (``CompareSetting.same_weights`` says which, and the badge's tooltip).

Each setting is a row of data: how to read a value (typed text or JSON), how to apply it,
how to name a run. ``loss`` applies to ``NetworkSpec.loss``: the task's own loss or MSE, the
mismatch the lecture warns about.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from gdsim.core.limits import MAX_RUNS
from gdsim.core.names import suggestion
from gdsim.core.network import (
    ACTIVATIONS,
    ALLOWED_LOSSES,
    MATCHED_LOSS,
    MAX_HIDDEN_LAYERS,
    NetworkSpec,
    SpecError,
    activation_name,
)
from gdsim.core.optimizers import OPTIMIZERS
from gdsim.core.training import ConfigError, TrainingConfig, check_learning_rate
from gdsim.core.training_job import rate_name

CompareValue = float | int | str
Applied = tuple[NetworkSpec, TrainingConfig]

MAX_BATCH_SIZE = 100_000
LOSS_NAMES = {"bce": "BCE", "ce": "CE", "mse": "MSE"}
"""The losses a network may be trained with (``NetworkSpec.loss``), as badges spell them."""
DEPTH_LAYER = (16, "relu")
"""The hidden layer a depth compare repeats when the base network has none."""


class CompareError(ConfigError):
    """Compare values that cannot be used; the message is one line."""


@dataclass(frozen=True)
class CompareRun:
    """One run of a compare: what it trains, and how it is named (``name``) and explained
    (``note``, the badge's tooltip)."""

    spec: NetworkSpec
    config: TrainingConfig
    value: CompareValue
    name: str
    note: str


@dataclass(frozen=True)
class CompareSetting:
    """A setting a compare can vary. ``read`` turns a typed token or a JSON value into a
    value (raising CompareError), ``apply`` gives a run's spec and config, ``name`` its
    label (given the training set's size where known: a batch that large is the full
    batch); ``config_fields`` are the training fields the runs hold apart (a live change of
    settings leaves them to each run)."""

    key: str
    label: str
    hint: str
    defaults: tuple[CompareValue, ...]
    read: Callable[[object], CompareValue]
    apply: Callable[[NetworkSpec, TrainingConfig, CompareValue], Applied]
    name: Callable[[CompareValue, NetworkSpec, int | None], str]
    same_weights: bool = True
    config_fields: tuple[str, ...] = ()

    @property
    def changes_network(self) -> bool:
        """Whether the runs are different networks (activation, depth, loss), not one network
        trained differently: their loss landscapes differ too."""
        return not self.config_fields

    def defaults_for(self, spec: NetworkSpec) -> tuple[CompareValue, ...]:
        """The values a compare of this setting starts from on `spec`: a loss compare offers
        the losses `spec`'s task allows (its own and MSE), whatever the generic defaults."""
        return ALLOWED_LOSSES[spec.task] if self.key == "loss" else self.defaults


# ---------------------------------------------------------------- reading values


def _number(raw: object) -> float:
    if isinstance(raw, bool):
        raise CompareError(f"'{raw}' is not a number")
    try:
        return float(raw if isinstance(raw, int | float) else str(raw))
    except (ValueError, OverflowError):  # an integer past float's range: JSON allows it
        raise CompareError(f"'{raw}' is not a number") from None


def _whole(raw: object, low: int, high: int, what: str) -> int:
    number = _number(raw)
    if not (math.isfinite(number) and number == int(number) and low <= number <= high):
        raise CompareError(f"{what} must be a whole number from {low} to {high}, got '{raw}'")
    return int(number)


def _read_lr(raw: object) -> float:
    lr = _number(raw)
    try:
        check_learning_rate(lr)
    except ConfigError as error:
        raise CompareError(str(error)) from None
    return lr


def _read_batch(raw: object) -> int:
    return _whole(raw, 0, MAX_BATCH_SIZE, "a batch size")


def _read_depth(raw: object) -> int:
    return _whole(raw, 0, MAX_HIDDEN_LAYERS, "a depth (hidden layers)")


def _name(raw: object) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise CompareError(f"'{raw}' is not a name")
    return raw.strip()


def _read_activation(raw: object) -> str:
    try:
        return activation_name(_name(raw))
    except SpecError as error:
        raise CompareError(str(error)) from None


def _read_choice(choices: Sequence[str], what: str) -> Callable[[object], str]:
    def read(raw: object) -> str:
        name = _name(raw).lower()
        if name not in choices:
            raise CompareError(
                f"unknown {what} '{raw}'; choose from {', '.join(choices)}"
                f"{suggestion(name, choices)}"
            )
        return name

    return read


# ---------------------------------------------------------------- applying values


def _with_lr(spec: NetworkSpec, config: TrainingConfig, value: CompareValue) -> Applied:
    return spec, replace(config, lr=float(value))


def _with_batch(spec: NetworkSpec, config: TrainingConfig, value: CompareValue) -> Applied:
    return spec, replace(config, batch_size=int(value) or None)


def _with_activation(spec: NetworkSpec, config: TrainingConfig, value: CompareValue) -> Applied:
    if not spec.hidden:
        raise CompareError("comparing activations needs at least one hidden layer")
    hidden = tuple((width, str(value)) for width, _ in spec.hidden)
    return replace(spec, hidden=hidden), config


def _with_depth(spec: NetworkSpec, config: TrainingConfig, value: CompareValue) -> Applied:
    first = spec.hidden[0] if spec.hidden else DEPTH_LAYER
    return replace(spec, hidden=(first,) * int(value)), config


def _with_optimizer(spec: NetworkSpec, config: TrainingConfig, value: CompareValue) -> Applied:
    """Another optimizer starts from its own default hyper-parameters (the base config's
    belong to the base optimizer)."""
    hyper = config.hyper if value == config.optimizer else {}
    return spec, replace(config, optimizer=str(value), hyper=hyper)


def _with_loss(spec: NetworkSpec, config: TrainingConfig, value: CompareValue) -> Applied:
    return replace(spec, loss=value), config  # type: ignore[call-arg]


# ---------------------------------------------------------------- naming runs


def _batch_name(value: CompareValue, _spec: NetworkSpec, train_size: int | None) -> str:
    """A batch at least as large as the training set holds all of it: that run is full-batch
    descent, whatever the number typed, and its badge must not teach otherwise."""
    if value == 0:
        return "full batch (GD)"
    if train_size is not None and int(value) >= train_size:
        return f"batch {value} (= full batch)"
    if value == 1:
        return "batch 1 (SGD)"
    return f"batch {value} (mini-batch)"


def _depth_name(value: CompareValue, _spec: NetworkSpec, _size: int | None) -> str:
    return f"{value} layer" if value == 1 else f"{value} layers"


def _loss_name(value: CompareValue, spec: NetworkSpec, _size: int | None) -> str:
    mismatch = "" if MATCHED_LOSS[spec.task] == value else " (mismatch)"
    return f"{LOSS_NAMES[str(value)]}{mismatch}"


SETTINGS: dict[str, CompareSetting] = {
    s.key: s
    for s in (
        CompareSetting(
            key="lr",
            label="learning rate",
            hint="learning rates, e.g. 0.1, 1, 6, 10",
            defaults=(0.1, 1.0, 6.0, 10.0),
            read=_read_lr,
            apply=_with_lr,
            name=lambda value, _spec, _size: rate_name(float(value)),
            config_fields=("lr",),
        ),
        CompareSetting(
            key="batch_size",
            label="batch size",
            hint="batch sizes: 0 = full batch (GD), 1 = stochastic (SGD), k = mini-batch",
            defaults=(0, 1, 16),
            read=_read_batch,
            apply=_with_batch,
            name=_batch_name,
            config_fields=("batch_size",),
        ),
        CompareSetting(
            key="activation",
            label="activation",
            hint=f"activations of every hidden layer: {', '.join(ACTIVATIONS)}",
            defaults=("relu", "tanh", "sigmoid"),
            read=_read_activation,
            apply=_with_activation,
            name=lambda value, _spec, _size: ACTIVATIONS[str(value)].label,
        ),
        CompareSetting(
            key="depth",
            label="depth",
            hint=f"hidden layers (0 to {MAX_HIDDEN_LAYERS}), each like the first",
            defaults=(1, 2, 3),
            read=_read_depth,
            apply=_with_depth,
            name=_depth_name,
            same_weights=False,
        ),
        CompareSetting(
            key="optimizer",
            label="optimizer",
            hint=f"optimizers: {', '.join(OPTIMIZERS)}",
            defaults=("gd", "momentum", "adam"),
            read=_read_choice(tuple(OPTIMIZERS), "optimizer"),
            apply=_with_optimizer,
            name=lambda value, _spec, _size: OPTIMIZERS[str(value)].title,
            config_fields=("optimizer", "hyper"),
        ),
        CompareSetting(
            key="loss",
            label="loss",
            hint="losses: bce, ce, mse (the task's own, or a mismatch)",
            defaults=("bce", "mse"),
            read=_read_choice(tuple(LOSS_NAMES), "loss"),
            apply=_with_loss,
            name=_loss_name,
        ),
    )
}


def setting(key: str) -> CompareSetting:
    """The setting named ``key``, or a CompareError listing those there are."""
    keys = list(SETTINGS)
    if key not in keys:
        raise CompareError(
            f"cannot compare by '{key}'; choose one of {', '.join(keys)}{suggestion(key, keys)}"
        )
    return SETTINGS[key]


def check_values(key: str, values: Sequence[object]) -> tuple[CompareValue, ...]:
    """``values`` read for setting ``key``: 1 to MAX_RUNS of them, each valid and each
    different once read (0.1 and 0.10 are one rate, tanh and Tanh one activation: two runs of
    it would be one run drawn twice under two identical badges); the first bad one is named
    by its position, from 1."""
    compared = setting(key)
    if not 1 <= len(values) <= MAX_RUNS:
        raise CompareError(f"give 1 to {MAX_RUNS} {compared.label} values")
    read: list[CompareValue] = []
    for position, value in enumerate(values, start=1):
        try:
            value_read = compared.read(value)
        except CompareError as error:
            raise CompareError(f"value {position}: {error}") from None
        if value_read in read:
            raise CompareError(
                f"value {position}: '{value}' repeats value {read.index(value_read) + 1}; "
                f"give each run a different {compared.label}"
            )
        read.append(value_read)
    return tuple(read)


def parse_values(key: str, text: str) -> tuple[CompareValue, ...]:
    """'0, 1, 16' or 'tanh relu' (commas, semicolons and/or spaces) -> the values."""
    return check_values(key, [part for part in re.split(r"[\s,;]+", text) if part])


def values_text(values: Sequence[CompareValue]) -> str:
    """What ``parse_values`` reads back: '0.1, 1, 6' or 'relu, tanh'."""
    return ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in values)


def compare_runs(
    spec: NetworkSpec,
    config: TrainingConfig,
    key: str,
    values: Sequence[object],
    train_size: int | None = None,
) -> list[CompareRun]:
    """One run per value: ``spec`` and ``config`` with setting ``key`` at that value. Every
    run is checked before any is used (Adam's first step at a rate plain descent takes may
    not fit float32): a CompareError names the run that cannot be built. ``train_size``, the
    training set's size where the caller knows the data, lets a batch that large be named
    the full batch it is."""
    compared = setting(key)
    runs = []
    for value in check_values(key, values):
        try:
            run_spec, run_config = compared.apply(spec, config, value)
        except (SpecError, ConfigError) as error:
            raise CompareError(f"{compared.name(value, spec, train_size)}: {error}") from None
        name = compared.name(value, run_spec, train_size)
        note = (
            "same initial weights as the other runs"
            if compared.same_weights
            else "own initial weights: its layers have other shapes"
        )
        runs.append(CompareRun(run_spec, run_config, value, name, note))
    return runs
