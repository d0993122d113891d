"""Compare by any setting: each run trains exactly as it would alone, runs of the same shapes
start from the same weights, depth builds the right shapes, runs are named by what differs,
and bad values are refused in one line."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from gdsim.core.compare import SETTINGS, CompareError, compare_runs, parse_values, values_text
from gdsim.core.datasets import DatasetParams, make_dataset
from gdsim.core.network import NetworkSpec, build_model
from gdsim.core.state import AppState, NetworkState, StateError
from gdsim.core.state_change import describe_change
from gdsim.core.training import TrainingConfig, TrainingSession
from gdsim.core.training_job import TrainingJob

GRID = (np.linspace(-1.0, 1.0, 5), np.linspace(-1.0, 1.0, 5))
DATA = make_dataset(DatasetParams("circle", n=60, seed=3))
SPEC = NetworkSpec.for_task("binary", 2, hidden=((6, "relu"),), seed=5)
CONFIG = TrainingConfig(lr=0.5, steps=40, seed=5)


def trained_in_compare(key: str, values: list) -> tuple[list, TrainingJob]:
    runs = compare_runs(SPEC, CONFIG, key, values)
    sessions = [TrainingSession(run.spec, DATA, run.config) for run in runs]
    job = TrainingJob(sessions, GRID, names=[run.name for run in runs])
    while job.advance():
        pass
    return runs, job


@pytest.mark.parametrize(
    ("key", "values"),
    [
        ("batch_size", [0, 1, 16]),
        ("activation", ["tanh", "relu"]),
        ("optimizer", ["gd", "adam"]),
        ("loss", ["bce", "mse"]),
    ],
)
def test_each_compared_run_trains_bit_for_bit_as_it_does_alone(key, values):
    runs, job = trained_in_compare(key, values)
    for run, session in zip(runs, job.sessions, strict=True):
        alone = TrainingSession(run.spec, DATA, run.config)
        alone.step(CONFIG.steps)
        assert np.array_equal(session.history.arrays()[1], alone.history.arrays()[1])
    assert [frame.name for frame in job.snapshot().runs] == [run.name for run in runs]


def test_the_batch_compare_is_the_lectures_gd_sgd_and_minibatch():
    runs = compare_runs(SPEC, CONFIG, "batch_size", [0, 1, 16])
    assert [run.config.batch_size for run in runs] == [None, 1, 16]
    assert [run.name for run in runs] == [
        "full batch (GD)",
        "batch 1 (SGD)",
        "batch 16 (mini-batch)",
    ]


@pytest.mark.parametrize(
    ("key", "values"),
    [("batch_size", [0, 1]), ("activation", ["tanh", "sigmoid"]), ("optimizer", ["gd", "adam"])],
)
def test_runs_of_the_same_shapes_start_from_the_same_weights(key, values):
    runs = compare_runs(SPEC, CONFIG, key, values)
    first, *others = (build_model(run.spec).state_dict() for run in runs)
    for other in others:
        assert all(torch.equal(first[name], other[name]) for name in first)
    assert all(run.note == "same initial weights as the other runs" for run in runs)


def test_a_depth_compare_builds_each_depth_like_the_first_layer():
    runs = compare_runs(SPEC, CONFIG, "depth", [0, 1, 3])
    assert [run.spec.widths for run in runs] == [(2, 1), (2, 6, 1), (2, 6, 6, 6, 1)]
    assert [run.name for run in runs] == ["0 layers", "1 layer", "3 layers"]
    assert all(run.note.startswith("own initial weights") for run in runs)


def test_runs_are_named_by_what_differs():
    names = {
        "lr": (["0.1", "2"], ["η = 0.1", "η = 2"]),
        "activation": (["tanh", "swish"], ["Tanh", "SiLU (Swish)"]),
        "optimizer": (["adam", "momentum"], ["Adam", "Momentum (heavy ball)"]),
    }
    for key, (values, expected) in names.items():
        assert [run.name for run in compare_runs(SPEC, CONFIG, key, values)] == expected


def test_a_batch_of_the_whole_training_set_is_named_full_batch_not_mini_batch():
    runs = compare_runs(SPEC, CONFIG, "batch_size", [0, 16, 48, 100], train_size=48)
    assert [run.name for run in runs] == [
        "full batch (GD)",
        "batch 16 (mini-batch)",
        "batch 48 (= full batch)",
        "batch 100 (= full batch)",
    ]


def test_a_loss_compare_offers_the_tasks_own_loss_and_the_mse_mismatch():
    multiclass = NetworkSpec.for_task("multiclass", 2, 3, hidden=((6, "relu"),))
    assert SETTINGS["loss"].defaults_for(multiclass) == ("ce", "mse")
    runs = compare_runs(multiclass, CONFIG, "loss", SETTINGS["loss"].defaults_for(multiclass))
    assert [run.name for run in runs] == ["CE", "MSE (mismatch)"]
    assert [run.spec.loss for run in runs] == ["ce", "mse"]
    state = NetworkState(
        dataset=DatasetParams("blobs", n=60, n_classes=3),
        network=multiclass,
        compare=True,
        compare_setting="loss",
    )
    assert [run.name for run in state.runs()] == ["CE", "MSE (mismatch)"]
    with pytest.raises(CompareError, match="cannot train with"):
        compare_runs(multiclass, CONFIG, "loss", ["bce", "mse"])


def test_another_optimizer_starts_from_its_own_defaults():
    config = TrainingConfig(optimizer="momentum", hyper={"momentum": 0.5})
    momentum, adam = compare_runs(SPEC, config, "optimizer", ["momentum", "adam"])
    assert momentum.config.hyper["momentum"] == 0.5
    assert adam.config.hyper == TrainingConfig(optimizer="adam").hyper


@pytest.mark.parametrize(
    ("key", "text", "message"),
    [
        ("batch_size", "0, -1", r"^value 2: a batch size must be a whole number from 0"),
        ("depth", "2.5", r"^value 1: a depth \(hidden layers\) must be a whole number"),
        ("activation", "relu, tanhh", r"^value 2: unknown activation 'tanhh'"),
        ("optimizer", "adm", r"^value 1: unknown optimizer 'adm'.*did you mean adam"),
        ("lr", "0.1, x", r"^value 2: 'x' is not a number"),
        ("lr", "", r"^give 1 to 8 learning rate values"),
        ("width", "1", r"^cannot compare by 'width'"),
        ("lr", "0.1, 1, 0.10", r"^value 3: '0.10' repeats value 1; give each run a different lea"),
        ("activation", "tanh, relu, Tanh", r"^value 3: 'Tanh' repeats value 1; give each run"),
        ("batch_size", "0, 0", r"^value 2: '0' repeats value 1; give each run a different batch"),
    ],
)
def test_bad_values_are_refused_in_one_line(key, text, message):
    with pytest.raises(CompareError, match=message):
        parse_values(key, text)


def test_an_activation_compare_needs_a_hidden_layer():
    spec = NetworkSpec.for_task("binary", 2, hidden=())
    with pytest.raises(CompareError, match="at least one hidden layer"):
        compare_runs(spec, CONFIG, "activation", ["tanh"])


def test_values_read_back_from_their_text():
    for key, text in (
        ("lr", "0.1, 1, 6"),
        ("batch_size", "0, 1, 16"),
        ("activation", "tanh, relu"),
    ):
        assert values_text(parse_values(key, text)) == text


def test_a_compare_by_any_setting_round_trips_through_the_state():
    state = NetworkState(
        compare=True, compare_setting="activation", compare_values=("tanh", "relu")
    )
    again = NetworkState.from_dict(state.to_dict())
    assert again == state and again.run_count == 2 and again.learning_rates == (1.0, 1.0)
    assert NetworkState(compare_setting="depth").compare_values == (1, 2, 3)  # the defaults


def test_an_old_state_with_only_compare_lrs_compares_learning_rates():
    state = NetworkState.from_dict({"compare": True, "compare_lrs": [0.1, 1.0], "selected": 1})
    assert state.compare_setting == "lr" and state.compared_values == (0.1, 1.0)
    assert state.compare_values == ()


def test_bad_compare_fields_name_their_path():
    with pytest.raises(StateError, match=r"^compare_values: value 2: unknown optimizer"):
        NetworkState.from_dict({"compare_setting": "optimizer", "compare_values": ["gd", "x"]})
    with pytest.raises(StateError, match=r"^compare_setting: cannot compare by 'speed'"):
        NetworkState.from_dict({"compare_setting": "speed"})
    with pytest.raises(StateError, match=r"^compare_values: must be a list of numbers or names"):
        NetworkState.from_dict({"compare_setting": "depth", "compare_values": [[1]]})


def test_undo_names_a_change_of_the_compared_setting():
    before = AppState(network=NetworkState(compare=True))
    after = replace(before, network=replace(before.network, compare_setting="batch_size"))
    assert describe_change(before, after).text == "Compare by batch size"
