"""`gdsim landscape`: the JSON keys for each plane, the human summary, one-line errors."""

from __future__ import annotations

import pytest

from gdsim.cli import main

FAST = ("--dataset", "circle", "--n", "80", "--steps", "30", "--grid", "21")


def test_pca_plane_json(cli_json):
    doc = cli_json("landscape", *FAST, "--plane", "pca")
    assert len(doc["alphas"]) == len(doc["betas"]) == 21
    assert len(doc["losses"]) == 21 and all(len(row) == 21 for row in doc["losses"])
    trajectory = doc["trajectory"]
    assert len(trajectory["steps"]) == len(trajectory["alphas"]) == len(trajectory["betas"])
    assert len(trajectory["losses"]) == 31 and trajectory["steps"][-1] == 30
    assert doc["center_loss"] == pytest.approx(trajectory["losses"][-1])
    assert 0.9 < sum(doc["explained_variance"]) <= 1.0


def test_line_is_1d_without_betas(cli_json):
    doc = cli_json("landscape", *FAST, "--plane", "line", "--loss", "validation")
    assert "betas" not in doc and "betas" not in doc["trajectory"]
    assert len(doc["losses"]) == 21 and doc["explained_variance"] is None
    assert doc["trajectory"]["alphas"][-1] == pytest.approx(1.0, abs=1e-6)


def test_human_summary(capsys):
    assert main(["landscape", *FAST]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "random 2D landscape, 21x21 points, train loss"
    assert lines[1].startswith("loss at the final weights: ")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--grid", "200"], "--grid must be between 21 and 101"),
        (["--plane", "line", "--dims", "2"], "is 1D"),
        (["--plane", "cube"], "plane: one of random, pca, line"),
        (["--loss", "test"], "train or validation"),
        (["--lr", "-1"], "greater than 0"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, argv, message):
    assert main(["landscape", "--dataset", "circle", "--steps", "5", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
