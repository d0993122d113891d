"""`gdsim train`'s model options (issue 17): new activations (per layer too), maxout pieces,
the loss, input features and dropout reach the network and the JSON; bad values are one line
and exit status 2."""

from __future__ import annotations

import pytest

from gdsim.cli import main


def test_model_options_reach_the_network_and_the_json(cli_json):
    doc = cli_json(
        "train",
        "--dataset", "circle", "--layers", "6:maxout,4:step", "--maxout-pieces", "3",
        "--loss", "mse", "--features", "x1²,x2**2,sin(x1)", "--dropout", "0.25",
        "--steps", "20",
    )  # fmt: skip
    network = doc["network"]
    assert network["hidden"] == [[6, "maxout"], [4, "step"]] and network["maxout_pieces"] == 3
    assert network["loss"] == "mse" and network["dropout"] == 0.25
    assert network["features"] == ["x1^2", "x2^2", "sin(x1)"]
    assert network["parameters"] == (3 + 1) * 18 + (6 + 1) * 4 + (4 + 1) * 1
    assert len(doc["runs"][0]["losses"]) == 20


def test_the_defaults_are_the_lectures_match_and_the_raw_inputs(cli_json):
    doc = cli_json("train", "--dataset", "sine", "--activation", "piecewise_linear", "--steps", "5")
    network = doc["network"]
    assert (network["loss"], network["features"], network["dropout"]) == ("mse", ["x1"], 0.0)
    assert network["hidden"] == [[16, "piecewise_linear"]]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--dataset", "xor", "--activation", "stepp"], "(did you mean step?)"),
        (["--dataset", "xor", "--maxout-pieces", "9"], "--maxout-pieces must be between 2 and 8"),
        (["--dataset", "xor", "--loss", "hinge"], "unknown loss 'hinge'"),
        (["--dataset", "sine", "--loss", "bce"], "regression network cannot train with binary"),
        (["--dataset", "xor", "--features", "x1,x3"], "unknown feature 'x3'"),
        (["--dataset", "xor", "--features", ","], "at least one input feature"),
        (["--dataset", "xor", "--features", "x1,x1"], "each input feature may be chosen once"),
        (["--dataset", "sine", "--features", "x1,x2"], "feature 'x2' needs x2"),
        (["--dataset", "xor", "--dropout", "1"], "dropout must be a probability from 0 to 0.9"),
        (["--dataset", "xor", "--dropout", "half"], "--dropout 'half' is not a number"),
    ],
)
def test_bad_model_options_are_one_line_and_exit_2(capsys, argv, message):
    assert main(["train", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
