"""The network builder's whole state as data: dataset, network, training and compare mode.

What sessions, lessons and settings save for the "Network builder" tab, and what the panel
shows through ``MlpPanel.set_state``. The parts are the core's own frozen values
(``DatasetParams``, ``NetworkSpec``, ``TrainingConfig``), so their validation is the core's;
reading a dict back turns their errors into ``StateError``s that name the field's path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from gdsim.core.compare import (
    SETTINGS,
    CompareError,
    CompareRun,
    CompareValue,
    check_values,
    compare_runs,
    setting,
)
from gdsim.core.datasets import DATASETS, MAX_POINTS, TASKS, DatasetError, DatasetParams
from gdsim.core.drawn_data import DrawnPoints
from gdsim.core.limits import MAX_RUNS, MAX_TRAINING_STEPS
from gdsim.core.network import (
    ALLOWED_LOSSES,
    INITS,
    LOSS_CHOICES,
    MAX_DROPOUT,
    MAX_MAXOUT_PIECES,
    NetworkSpec,
    SpecError,
    parse_features,
)
from gdsim.core.optimizers import OPTIMIZERS
from gdsim.core.state.display import DisplayOptions
from gdsim.core.state.fields import STATE_VERSION, Fields, StateError, shown_value
from gdsim.core.training import (
    MAX_PATIENCE,
    MAX_PENALTY,
    SCHEDULES,
    ConfigError,
    TrainingConfig,
    configs_for_rates,
)

DEFAULT_COMPARE_LRS = tuple(float(rate) for rate in SETTINGS["lr"].defaults)
"""On the default circle network: too small (slow), right, too big (oscillating), way too big
(diverged) -- the lecture's learning-rate figure."""

_DATASET_FIELDS = ("name", "n", "noise", "val_fraction", "seed", "n_classes", "csv_path")
_TRAINING_FIELDS = (
    "optimizer",
    "lr",
    "hyper",
    "batch_size",
    "weight_decay",
    "schedule",
    "step_size",
    "gamma",
    "warmup_steps",
    "steps",
    "seed",
    "sharpness_every",
    "l1",
    "l2",
    "stop_at_loss",
    "stop_at_accuracy",
    "early_stop",
)
_TOP_FIELDS = (
    "version",
    "dataset",
    "network",
    "training",
    "compare",
    "compare_lrs",
    "compare_setting",
    "compare_values",
    "selected",
    "display",
    "drawn",
)

Built = TypeVar("Built")


@dataclass(frozen=True)
class NetworkState:
    """Everything the network panel shows, as plain frozen data.

    ``csv_path`` names the file the points came from (``dataset`` then only carries the
    validation share and seed the file's points are split with). ``selected`` is the run on
    display: 0 outside compare mode, an index into the compared values in it.

    A compare varies ``compare_setting`` (``gdsim.core.compare.SETTINGS``): the learning
    rate over ``compare_lrs`` (what states saved before other settings could be compared
    hold), any other setting over ``compare_values`` (empty: that setting's defaults; with
    the learning rate, always empty). ``display`` is how the decision plot draws; ``drawn``
    holds the points drawn on it, which are the data (split with ``dataset``'s validation
    share and seed) whenever there are any.
    """

    dataset: DatasetParams = field(default_factory=DatasetParams)
    csv_path: str | None = None
    network: NetworkSpec = field(default_factory=NetworkSpec)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    compare: bool = False
    compare_lrs: tuple[float, ...] = DEFAULT_COMPARE_LRS
    selected: int = 0
    compare_setting: str = "lr"
    compare_values: tuple[CompareValue, ...] = ()
    display: DisplayOptions = field(default_factory=DisplayOptions)
    drawn: DrawnPoints = field(default_factory=DrawnPoints)

    def __post_init__(self) -> None:
        if self.dataset.noise is None:
            # The dataset's own noise, written out: the panel shows that number and reads it
            # back, so a state with None would not come back equal from the panel.
            noise = self.dataset.effective_noise
            object.__setattr__(self, "dataset", replace(self.dataset, noise=noise))
        if self.csv_path is None and not self.drawn:
            self._check_network_fits_dataset()
        if not 1 <= len(self.compare_lrs) <= MAX_RUNS:
            raise StateError(f"compare_lrs: must hold 1 to {MAX_RUNS} rates")
        try:
            configs_for_rates(self.training, self.compare_lrs)
        except ConfigError as error:
            raise StateError(f"compare_lrs: {error}") from None
        self._check_compare_values()
        if not 0 <= self.selected < self.run_count:
            raise StateError(f"selected: must be a run from 0 to {self.run_count - 1}")

    def _check_compare_values(self) -> None:
        """Each value valid for its setting (whether the runs can be built depends on the
        network too: the panel says so when it builds them); empty means the defaults."""
        try:
            compared = setting(self.compare_setting)
        except CompareError as error:
            raise StateError(f"compare_setting: {error}") from None
        values = self.compare_values or compared.defaults_for(self.network)
        if compared.key == "lr":
            values = ()
        try:
            values = check_values(compared.key, values) if values else ()
        except CompareError as error:
            raise StateError(f"compare_values: {error}") from None
        object.__setattr__(self, "compare_values", values)

    def _check_network_fits_dataset(self) -> None:
        """A generated dataset fixes the network's inputs, task and outputs."""
        kind = self.dataset.kind
        fitting = NetworkSpec.for_task(
            kind.task, kind.input_dim, self.dataset.n_classes or kind.n_classes
        )
        net = self.network
        shape = (net.task, net.input_dim, net.output_dim)
        if shape != (fitting.task, fitting.input_dim, fitting.output_dim):
            raise StateError(
                f"network: a {net.task} network with {net.input_dim} input(s) and "
                f"{net.output_dim} output(s) does not fit the {kind.name} dataset"
            )

    @property
    def compared_values(self) -> tuple[CompareValue, ...]:
        """The values the compare varies its setting over (whether compare mode is on or not)."""
        return self.compare_lrs if self.compare_setting == "lr" else self.compare_values

    @property
    def run_count(self) -> int:
        return len(self.compared_values) if self.compare else 1

    def runs(self, train_size: int | None = None) -> list[CompareRun]:
        """The runs this state trains: one per compared value in compare mode, else the one
        (the core's SpecError or ConfigError where a run cannot be built); `train_size`, the
        training points, names a batch as large as full batch."""
        if not self.compare:
            return compare_runs(self.network, self.training, "lr", [self.training.lr])
        return compare_runs(
            self.network,
            self.training,
            self.compare_setting,
            self.compared_values,
            train_size=train_size,
        )

    @property
    def learning_rates(self) -> tuple[float, ...]:
        """One rate per run: the compare rates in a compare by learning rate, else the
        training rate (every run of another compare trains at it)."""
        if self.compare and self.compare_setting == "lr":
            return self.compare_lrs
        return (self.training.lr,) * self.run_count

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready plain data; ``from_dict(to_dict(s)) == s``."""
        data = self.dataset
        training = self.training
        return {
            "version": STATE_VERSION,
            "dataset": {
                "name": data.name,
                "n": data.n,
                "noise": data.noise,
                "val_fraction": data.val_fraction,
                "seed": data.seed,
                "n_classes": data.n_classes,
                "csv_path": self.csv_path,
            },
            "network": self.network.to_dict(),
            "training": {
                "optimizer": training.optimizer,
                "lr": training.lr,
                "hyper": dict(training.hyper),
                "batch_size": training.batch_size,
                "weight_decay": training.weight_decay,
                "schedule": training.schedule,
                "step_size": training.step_size,
                "gamma": training.gamma,
                "warmup_steps": training.warmup_steps,
                "steps": training.steps,
                "seed": training.seed,
                "sharpness_every": training.sharpness_every,
                **_unless_default(
                    {
                        "l1": training.l1,
                        "l2": training.l2,
                        "stop_at_loss": training.stop_at_loss,
                        "stop_at_accuracy": training.stop_at_accuracy,
                        "early_stop": training.early_stop,
                    }
                ),
            },
            "compare": self.compare,
            "compare_lrs": list(self.compare_lrs),
            "selected": self.selected,
            **_unless_default(
                {
                    "compare_setting": self.compare_setting,
                    "compare_values": list(self.compare_values),
                    "display": self.display.to_dict(),
                    "drawn": self.drawn.to_json(),
                }
            ),
        }

    @classmethod
    def from_dict(cls, data: object) -> NetworkState:
        """The state ``data`` describes, or a ``StateError`` naming the first bad field."""
        top = Fields(data)
        top.only(_TOP_FIELDS)
        top.version()
        dataset, csv_path = _read_dataset(top.child("dataset", {}))
        network = _read_network(top.child("network", {}))
        training = _read_training(top.child("training", {}))
        compare = top.boolean("compare", False)
        rates = top.numbers("compare_lrs", list(DEFAULT_COMPARE_LRS))
        for index, rate in enumerate(rates):
            if not rate > 0:
                raise top.fail(f"compare_lrs[{index}]", f"must be a number above 0, got {rate:g}")
        selected = top.integer("selected", 0)
        compare_setting, values = _read_compare(top)
        display = DisplayOptions.read(top.child("display", {}))
        drawn = _read_drawn(top)
        return cls(
            dataset,
            csv_path,
            network,
            training,
            compare,
            rates,
            selected,
            compare_setting,
            values,
            display,
            drawn,
        )


_NEWER_DEFAULTS: dict[str, object] = {
    **{
        name: getattr(TrainingConfig(), name)
        for name in ("l1", "l2", "stop_at_loss", "stop_at_accuracy", "early_stop")
    },
    "compare_setting": "lr",
    "compare_values": [],
    "display": DisplayOptions().to_dict(),
    "drawn": [],
}
"""Fields newer than most saved states, and what reading a state without them gives."""


def _unless_default(fields: dict[str, Any]) -> dict[str, Any]:
    """`fields` less those at their `_NEWER_DEFAULTS` value: reading them back gives the same,
    and a default state's set-up line (gdsim/core/setup_text.py) stays short enough to paste."""
    return {name: value for name, value in fields.items() if value != _NEWER_DEFAULTS[name]}


def _read_compare(top: Fields) -> tuple[str, tuple[CompareValue, ...]]:
    """The compared setting (the learning rate where none is named, as in every state saved
    before other settings could be compared) and its values."""
    key = top.string("compare_setting", "lr")
    raw = top.raw("compare_values") if top.has("compare_values") else []
    if not isinstance(raw, list | tuple) or not all(
        isinstance(value, int | float | str) and not isinstance(value, bool) for value in raw
    ):
        shown = shown_value(raw)
        raise top.fail("compare_values", f"must be a list of numbers or names, got {shown}")
    return key, tuple(raw)


def _core(fields: Fields, name: str, build: Callable[[], Built]) -> Built:
    """``build()``, its core error turned into a ``StateError`` at ``name``'s path."""
    try:
        return build()
    except (DatasetError, SpecError, ConfigError) as error:
        raise fields.fail(name, str(error)) from None


def _read_dataset(fields: Fields) -> tuple[DatasetParams, str | None]:
    fields.only(_DATASET_FIELDS)
    name = fields.string("name", "circle", choices=DATASETS)
    n = fields.integer("n", 200, low=10, high=MAX_POINTS)
    noise = fields.number("noise", low=0.0, high=2.0) if fields.has("noise") else None
    val_fraction = fields.number("val_fraction", 0.2, low=0.0, high=1.0)
    seed = fields.integer("seed", 0)
    n_classes = fields.integer("n_classes") if fields.has("n_classes") else None
    csv_path = fields.string("csv_path") if fields.has("csv_path") else None
    params = _core(
        fields,
        "n_classes" if n_classes is not None else "val_fraction",
        lambda: DatasetParams(name, n, noise, val_fraction, seed, n_classes),
    )
    return params, csv_path


def _read_drawn(top: Fields) -> DrawnPoints:
    """``drawn``: a list of [x1, x2, class] triples."""
    points = []
    for index, point in enumerate(top.raw("drawn", [])):
        where = f"drawn[{index}]"
        if not isinstance(point, list | tuple) or len(point) != 3:
            raise top.fail(where, f"must be an [x1, x2, class] triple, got {shown_value(point)}")
        triple = Fields({"x1": point[0], "x2": point[1], "label": point[2]}, top.where(where))
        points.append((triple.number("x1"), triple.number("x2"), triple.integer("label")))
    return _core(top, "drawn", lambda: DrawnPoints(tuple(points)))


def _read_network(fields: Fields) -> NetworkSpec:
    """Each field read by its JSON type first: the core's checks (``activation in
    ACTIVATIONS``) assume the types, and a list there raised TypeError, not one line."""
    fields.only(NetworkSpec.__dataclass_fields__)
    values: dict[str, Any] = {}
    given = fields.data
    for name in ("input_dim", "output_dim", "seed"):
        if name in given:
            values[name] = fields.integer(name)
    for name, choices in (("task", TASKS), ("init", INITS)):
        if name in given:
            values[name] = fields.string(name, choices=choices)
    if "init_sigma" in given:
        values["init_sigma"] = fields.number("init_sigma", above=0.0)
    if "hidden" in given:
        values["hidden"] = _read_layers(fields)
    _read_model_options(fields, values)
    return _core(fields, "hidden", lambda: NetworkSpec(**values))


def _read_model_options(fields: Fields, values: dict[str, Any]) -> None:
    """Maxout pieces, loss, features and dropout (issue 17), each optional: files written
    before them take the spec's defaults."""
    given = fields.data
    if "maxout_pieces" in given:
        values["maxout_pieces"] = fields.integer("maxout_pieces", low=2, high=MAX_MAXOUT_PIECES)
    if "loss" in given:
        values["loss"] = fields.string("loss", choices=LOSS_CHOICES)
        task = values.get("task", "binary")
        if values["loss"] not in ALLOWED_LOSSES.get(task, LOSS_CHOICES):
            raise fields.fail("loss", f"a {task} network cannot train with {values['loss']}")
    if "dropout" in given:
        values["dropout"] = fields.number("dropout", low=0.0, high=MAX_DROPOUT)
    if "features" in given:
        names = fields.raw("features")
        if not isinstance(names, list | tuple) or not all(isinstance(n, str) for n in names):
            raise fields.fail("features", f"must be a list of names, got {shown_value(names)}")
        features = _core(fields, "features", lambda: parse_features(",".join(names)))
        if not features or len(set(features)) != len(features):
            raise fields.fail("features", "choose at least one input feature, each once")
        values["features"] = features


def _read_layers(fields: Fields) -> tuple[tuple[int, str], ...]:
    """``hidden``: a list of [width, activation] pairs."""
    layers = fields.raw("hidden")
    if not isinstance(layers, list | tuple):
        raise fields.fail(
            "hidden", f"must be a list of [width, activation] pairs, got {shown_value(layers)}"
        )
    read = []
    for index, layer in enumerate(layers):
        where = f"hidden[{index}]"
        if not isinstance(layer, list | tuple) or len(layer) != 2:
            raise fields.fail(
                where, f"must be a [width, activation] pair, got {shown_value(layer)}"
            )
        pair = Fields({"width": layer[0], "activation": layer[1]}, fields.where(where))
        read.append((pair.integer("width"), pair.string("activation")))
    return tuple(read)


def _read_training(fields: Fields) -> TrainingConfig:
    fields.only(_TRAINING_FIELDS)
    optimizer = fields.string("optimizer", "gd", choices=OPTIMIZERS)
    hyper = fields.number_map("hyper", {})
    try:
        OPTIMIZERS[optimizer].resolve(hyper)
    except ValueError as error:
        raise fields.fail("hyper", str(error)) from None
    batch_size = fields.integer("batch_size") if fields.has("batch_size") else None
    values: Mapping[str, Any] = {
        "optimizer": optimizer,
        "lr": fields.number("lr", 1.0, above=0.0),
        "hyper": hyper,
        "batch_size": batch_size,
        "weight_decay": fields.number("weight_decay", 0.0, low=0.0, high=1e3),
        "schedule": fields.string("schedule", "none", choices=SCHEDULES),
        "step_size": fields.integer("step_size", 100, low=1),
        "gamma": fields.number("gamma", 0.5, low=0.0, high=1.0),
        "warmup_steps": fields.integer("warmup_steps", 100, low=1),
        "steps": fields.integer("steps", 1000, low=1, high=MAX_TRAINING_STEPS),
        "seed": fields.integer("seed", 0),
        "sharpness_every": fields.integer("sharpness_every", 0, low=0, high=MAX_TRAINING_STEPS),
        "l1": fields.number("l1", 0.0, low=0.0, high=MAX_PENALTY),
        "l2": fields.number("l2", 0.0, low=0.0, high=MAX_PENALTY),
        # A stop rule that is off is null (or left out).
        "stop_at_loss": fields.number("stop_at_loss", above=0.0)
        if fields.has("stop_at_loss")
        else None,
        "stop_at_accuracy": fields.number("stop_at_accuracy", above=0.0, high=1.0)
        if fields.has("stop_at_accuracy")
        else None,
        "early_stop": fields.integer("early_stop", 0, low=0, high=MAX_PATIENCE),
    }
    # What the optimizer refuses at any rate (Nesterov without momentum) is the hyper-parameters'
    # fault; what remains (a step too large for float32) is the learning rate's.
    _core(fields, "hyper", lambda: TrainingConfig(**{**values, "lr": 1e-3}))
    return _core(fields, "lr", lambda: TrainingConfig(**values))
