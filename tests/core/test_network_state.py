"""NetworkState: the network panel's whole state round-trips through plain JSON data, and a bad
field is refused with its path in a one-line message, without Qt."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdsim.core.datasets import DATASETS, DatasetParams
from gdsim.core.limits import MAX_TRAINING_STEPS
from gdsim.core.network import NetworkSpec
from gdsim.core.optimizers import OPTIMIZERS
from gdsim.core.state import STATE_VERSION, NetworkState, StateError
from gdsim.core.training import SCHEDULES, TrainingConfig

rates = st.floats(1e-4, 100.0, allow_nan=False)


@st.composite
def states(draw: st.DrawFn) -> NetworkState:
    optimizer = draw(st.sampled_from(sorted(set(OPTIMIZERS) - {"nesterov"})))
    hyper = {
        h.name: draw(st.sampled_from([h.low, h.default, h.high]))
        for h in OPTIMIZERS[optimizer].hyper
    }
    hyper = {
        k: float(v == 1.0) if OPTIMIZERS[optimizer].hyper[i].is_flag else v
        for i, (k, v) in enumerate(hyper.items())
    }
    if optimizer in ("adam", "adamw"):
        hyper["beta1"] = min(hyper["beta1"], 0.9)
    compare_lrs = tuple(draw(st.lists(rates, min_size=1, max_size=8)))
    compare = draw(st.booleans())
    runs = len(compare_lrs) if compare else 1
    kind = DATASETS[draw(st.sampled_from(["circle", "xor", "blobs", "sine", "plane"]))]
    return NetworkState(
        dataset=DatasetParams(
            name=kind.name,
            n=draw(st.integers(10, 5000)),
            noise=draw(st.one_of(st.none(), st.floats(0.0, 2.0))),
            val_fraction=draw(st.sampled_from([0.0, 0.2, 0.5])),
            seed=draw(st.integers(0, 999_999)),
        ),
        csv_path=draw(st.one_of(st.none(), st.text(max_size=20))),
        network=NetworkSpec.for_task(
            kind.task,
            kind.input_dim,
            kind.n_classes,
            hidden=tuple(
                draw(
                    st.lists(
                        st.tuples(st.integers(1, 64), st.sampled_from(["relu", "tanh"])), max_size=3
                    )
                )
            ),
            init=draw(st.sampled_from(["default", "normal"])),
            seed=draw(st.integers(0, 999_999)),
            maxout_pieces=draw(st.integers(2, 8)),
            loss=draw(st.sampled_from([None, "mse"])),
            features=draw(
                st.sampled_from([None, ("x1^2", "x2^2"), ("x1", "x1*x2", "sin(x2)")])
                if kind.input_dim == 2
                else st.sampled_from([None, ("x1", "sin(x1)")])
            ),
            dropout=draw(st.sampled_from([0.0, 0.3])),
        ),
        training=TrainingConfig(
            optimizer=optimizer,
            lr=draw(rates),
            hyper=hyper,
            batch_size=draw(st.one_of(st.none(), st.integers(1, 500))),
            weight_decay=draw(st.sampled_from([0.0, 1e-4, 0.5])),
            schedule=draw(st.sampled_from(list(SCHEDULES))),
            steps=draw(st.integers(1, MAX_TRAINING_STEPS)),
            seed=draw(st.integers(0, 999_999)),
            l1=draw(st.sampled_from([0.0, 1e-3, 10.0])),
            l2=draw(st.sampled_from([0.0, 0.05])),
            stop_at_loss=draw(st.sampled_from([None, 0.01])),
            stop_at_accuracy=draw(st.sampled_from([None, 0.95, 1.0])),
            early_stop=draw(st.sampled_from([0, 5])),
        ),
        compare=compare,
        compare_lrs=compare_lrs,
        selected=draw(st.integers(0, runs - 1)),
    )


@settings(max_examples=60, deadline=None)
@given(states())
def test_round_trip_through_json(state):
    data = json.loads(json.dumps(state.to_dict()))
    assert data["version"] == STATE_VERSION
    assert NetworkState.from_dict(data) == state


def test_defaults_round_trip_and_an_empty_dict_reads_as_the_defaults():
    state = NetworkState()
    assert NetworkState.from_dict(state.to_dict()) == state
    assert NetworkState.from_dict({}) == state
    assert state.learning_rates == (1.0,)


def test_a_session_saved_before_the_training_options_loads_with_them_off():
    data = NetworkState().to_dict()
    for name in ("l1", "l2", "stop_at_loss", "stop_at_accuracy", "early_stop"):
        assert name not in data["training"]  # written only where set: short set-up lines
    training = NetworkState.from_dict(data).training
    assert (training.l1, training.l2, training.early_stop) == (0.0, 0.0, 0)
    assert training.stop_at_loss is None and training.stop_at_accuracy is None
    assert not training.penalised and not training.stop_rules


def test_options_away_from_their_defaults_are_written_and_read_back():
    state = NetworkState(
        training=TrainingConfig(l1=0.01, early_stop=3),
        compare=True,
        compare_setting="batch_size",
        compare_values=(0, 1),
    )
    data = state.to_dict()
    assert data["training"]["l1"] == 0.01 and data["training"]["early_stop"] == 3
    assert "l2" not in data["training"] and data["compare_setting"] == "batch_size"
    assert NetworkState.from_dict(data) == state


def bad(path: list[str | int], value: object) -> dict:
    data = NetworkState().to_dict()
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (["version"], 99, r"^version: this gdsim reads versions"),
        (["colour"], 1, r"^colour: unknown field"),
        (["dataset"], [], r"^dataset: must be an object"),
        (["dataset", "name"], "circel", r"^dataset\.name: must be one of"),
        (["dataset", "n"], 5, r"^dataset\.n: must be a whole number from 10"),
        (["dataset", "noise"], 3.0, r"^dataset\.noise: must lie between 0 and 2"),
        (["dataset", "val_fraction"], 0.95, r"^dataset\.val_fraction: "),
        (["dataset", "seed"], -1, r"^dataset\.seed: must be a whole number"),
        (["dataset", "n_classes"], 4, r"^dataset\.n_classes: .*fixed number of classes"),
        (["dataset", "csv_path"], 3, r"^dataset\.csv_path: must be text"),
        (["dataset", "size"], 3, r"^dataset\.size: unknown field"),
        (["network", "hidden"], [[8, "swish"]], r"^network\.hidden: .*unknown activation"),
        (["network", "hidden"], [8], r"^network\.hidden\[0\]: must be a \[width, activation\]"),
        (["network", "hidden"], None, r"^network\.hidden: must be a list of \[width, activ"),
        (["network", "hidden"], 3, r"^network\.hidden: must be a list of \[width, activation\]"),
        (["network", "hidden"], [[16, []]], r"^network\.hidden\[0\]\.activation: must be text"),
        (["network", "hidden"], [["16", "relu"]], r"^network\.hidden\[0\]\.width: must be a whole"),
        (["network", "init"], [], r"^network\.init: must be text"),
        (["network", "init"], "glorot", r"^network\.init: must be one of"),
        (["network", "task"], {}, r"^network\.task: must be text"),
        (["network", "input_dim"], None, r"^network\.input_dim: must be a whole number"),
        (["network", "init_sigma"], 0, r"^network\.init_sigma: must be a number above 0"),
        (["network", "seed"], "x", r"^network\.seed: must be a whole number"),
        (["network", "depth"], 3, r"^network\.depth: unknown field"),
        (["network", "loss"], "ce", r"^network\.loss: a binary network cannot train with ce"),
        (["network", "loss"], 1, r"^network\.loss: must be text"),
        (["network", "features"], "x1", r"^network\.features: must be a list of names"),
        (["network", "features"], ["x1", "x9"], r"^network\.features: unknown feature 'x9'"),
        (["network", "features"], [], r"^network\.features: choose at least one"),
        (["network", "dropout"], 0.95, r"^network\.dropout: must lie between 0 and 0.9"),
        (["network", "maxout_pieces"], 9, r"^network\.maxout_pieces: must be a whole number"),
        (["training", "optimizer"], "adma", r"^training\.optimizer: must be one of"),
        (["training", "lr"], 0, r"^training\.lr: must be a number above 0"),
        (["training", "lr"], 1e300, r"^training\.lr: learning rate 1e300 is too large"),
        (["training", "hyper"], {"momentum": 0.5}, r"^training\.hyper: Gradient descent has no"),
        (["training", "hyper"], {"x": "a"}, r"^training\.hyper\.x: must be a finite number"),
        (["training", "batch_size"], -2, r"^training\.batch_size: must be a whole number"),
        (["training", "weight_decay"], -1, r"^training\.weight_decay: must lie between"),
        (["training", "schedule"], "cyclic", r"^training\.schedule: must be one of"),
        (["training", "step_size"], 0, r"^training\.step_size: must be a whole number from 1"),
        (["training", "gamma"], 2, r"^training\.gamma: must lie between 0 and 1"),
        (["training", "warmup_steps"], 0, r"^training\.warmup_steps: must be a whole number"),
        (["training", "steps"], 10**7, r"^training\.steps: must be a whole number from 1"),
        (["training", "seed"], 1.5, r"^training\.seed: must be a whole number"),
        (["training", "momentum"], 0.9, r"^training\.momentum: unknown field"),
        (["training", "l1"], -0.1, r"^training\.l1: must lie between 0 and 10"),
        (["training", "l2"], 20, r"^training\.l2: must lie between 0 and 10"),
        (["training", "stop_at_loss"], 0, r"^training\.stop_at_loss: must be a number above 0"),
        (["training", "stop_at_accuracy"], 1.5, r"^training\.stop_at_accuracy: must"),
        (["training", "early_stop"], -1, r"^training\.early_stop: must be a whole number"),
        (["compare"], "yes", r"^compare: must be true or false"),
        (["compare_lrs"], [], r"^compare_lrs: must hold 1 to 8 rates"),
        (["compare_lrs"], [1.0, -1.0], r"^compare_lrs\[1\]: must be a number above 0"),
        (["compare_lrs"], [1.0] * 9, r"^compare_lrs: must hold 1 to 8 rates"),
        (["selected"], 1, r"^selected: must be a run from 0 to 0"),
        (["selected"], -1, r"^selected: must be a whole number"),
    ],
)
def test_every_bad_field_is_refused_with_its_path(path, value, message):
    with pytest.raises(StateError, match=message) as caught:
        NetworkState.from_dict(bad(path, value))
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("dataset", "network"),
    [
        ("sine", {"input_dim": 2}),
        ("circle", {"input_dim": 1}),
        ("blobs", {"task": "multiclass", "output_dim": 5}),
        ("circle", {"task": "regression"}),
    ],
)
def test_a_network_that_does_not_fit_its_generated_dataset_is_refused(dataset, network):
    data = NetworkState().to_dict()
    data["dataset"]["name"] = dataset
    data["network"] = {**NetworkSpec.for_task("binary", 2, 2).to_dict(), **network}
    with pytest.raises(StateError, match=rf"^network: .* does not fit the {dataset} dataset"):
        NetworkState.from_dict(data)


def test_a_csv_files_network_is_shaped_by_the_file_not_the_generator():
    state = NetworkState(csv_path="points.csv", network=NetworkSpec(input_dim=1))
    assert NetworkState.from_dict(state.to_dict()) == state


def test_compare_rates_are_checked_against_the_optimizer():
    data = bad(["training", "optimizer"], "adam")
    data["training"]["hyper"] = {}
    data["compare_lrs"] = [0.1, 1e38]
    with pytest.raises(StateError, match=r"^compare_lrs: .*too large for Adam"):
        NetworkState.from_dict(data)


def test_nesterov_without_momentum_is_the_hyper_parameters_fault():
    data = bad(["training", "optimizer"], "nesterov")
    data["training"]["hyper"] = {"momentum": 0.0}
    with pytest.raises(StateError, match=r"^training\.hyper: momentum β must lie between 0\.01"):
        NetworkState.from_dict(data)


def test_selected_may_name_any_compare_run():
    state = NetworkState(compare=True, compare_lrs=(0.1, 1.0, 6.0), selected=2)
    assert NetworkState.from_dict(state.to_dict()).selected == 2
    assert state.learning_rates == (0.1, 1.0, 6.0)


keys = st.text(max_size=8)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=12,
)
"""Any JSON value (integers of any size: JSON has no bound)."""


def json_paths(data: object, prefix: tuple = ()) -> list[tuple]:
    """Every key path into nested dicts and lists, outermost first."""
    if isinstance(data, dict):
        items = data.items()
    elif isinstance(data, list):
        items = enumerate(data)
    else:
        return []
    paths = []
    for key, value in items:
        paths.append((*prefix, key))
        paths.extend(json_paths(value, (*prefix, key)))
    return paths


def refused_in_one_line_or_read(data: object) -> None:
    """What `from_dict` may do with any input: return a state, or refuse in one line."""
    try:
        NetworkState.from_dict(data)
    except StateError as error:
        assert "\n" not in str(error)


@settings(max_examples=150, deadline=None)
@given(json_values)
def test_any_json_value_is_read_or_refused_with_a_state_error(data):
    refused_in_one_line_or_read(data)


@settings(max_examples=300, deadline=None)
@given(states(), st.data())
def test_any_field_of_a_valid_state_replaced_by_any_json_is_refused_with_a_state_error(state, data):
    """A hand-edited or corrupt file: null, 3 or [[16, []]] as the hidden layers, a list as
    the init raised TypeError, which stopped the app from starting."""
    saved = state.to_dict()
    for path in data.draw(st.lists(st.sampled_from(json_paths(saved)), min_size=1, max_size=3)):
        target = saved
        try:
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = data.draw(json_values)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier replacement removed this path
    refused_in_one_line_or_read(saved)
