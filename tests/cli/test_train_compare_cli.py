"""`gdsim train --compare SETTING=V1,V2,...`: one run per value, each exactly the run the
matching single option gives, named in the JSON; one-line errors with exit status 2."""

from __future__ import annotations

import pytest

from gdsim.cli import main

BASE = ("train", "--dataset", "circle", "--n", "60", "--steps", "20", "--layers", "6")


def test_a_batch_size_compare_is_gd_sgd_and_minibatch_each_as_trained_alone(cli_json):
    doc = cli_json(*BASE, "--compare", "batch_size=0,1,16")
    assert doc["compare_setting"] == "batch_size"
    runs = doc["runs"]
    assert [(r["value"], r["batch_size"]) for r in runs] == [(0, None), (1, 1), (16, 16)]
    assert [r["name"] for r in runs] == [
        "full batch (GD)",
        "batch 1 (SGD)",
        "batch 16 (mini-batch)",
    ]
    (alone,) = cli_json(*BASE, "--batch-size", "1")["runs"]  # the core tests check them all
    assert runs[1]["losses"] == alone["losses"]


def test_a_batch_as_large_as_the_training_set_is_named_full_batch(cli_json):
    doc = cli_json(*BASE, "--compare", "batch_size=16,48")  # 60 points, 48 of them training
    assert [r["name"] for r in doc["runs"]] == ["batch 16 (mini-batch)", "batch 48 (= full batch)"]


def test_an_activation_compare_trains_each_activation_as_alone(cli_json):
    doc = cli_json(*BASE, "--compare", "activation=tanh,relu", "--lr", "0.5")
    tanh, relu = doc["runs"]
    assert tanh["network"]["hidden"] == [[6, "tanh"]] and relu["name"] == "ReLU"
    (alone,) = cli_json(*BASE, "--activation", "tanh", "--lr", "0.5")["runs"]
    assert tanh["losses"] == alone["losses"] and tanh["lr"] == 0.5
    assert doc["network"]["hidden"] == [[6, "relu"]], "the base network, as given"


def test_several_lrs_name_the_learning_rate_as_the_compared_setting(cli_json):
    doc = cli_json(*BASE, "--lr", "0.1,1")
    assert doc["compare_setting"] == "lr"
    assert [(r["value"], r["name"]) for r in doc["runs"]] == [(0.1, "η = 0.1"), (1.0, "η = 1")]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--compare", "batch_size"], "expected SETTING=V1,V2,... e.g. batch_size=0,1,16"),
        (["--compare", "speed=1,2"], "cannot compare by 'speed'"),
        (["--compare", "batch_size=0,-1"], "--compare: value 2: a batch size must be a whole"),
        (["--compare", "depth=1,9"], "value 2: a depth (hidden layers) must be"),
        (["--compare", "optimizer=gd,adm"], "(did you mean adam?)"),
        (["--compare", "lr=0.1,1", "--lr", "1"], "--compare lr=... and --lr both give the rates"),
        (["--compare", "depth=1,2", "--lr", "0.1,1"], "--compare runs at one --lr"),
        (["--compare", "activation="], "give 1 to 8 activation values"),
        (["--compare", "activation=relu,relu"], "value 2: 'relu' repeats value 1; give each"),
    ],
)
def test_bad_compares_are_one_line_and_exit_2(capsys, argv, message):
    assert main([*BASE, *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
