"""`gdsim basins`: the JSON contract on Himmelblau, and one-line errors with exit 2."""

from __future__ import annotations

import pytest

from gdsim.cli import main


def test_himmelblaus_four_basins_add_up_with_the_rest(cli_json):
    doc = cli_json("basins", "--surface", "himmelblau", "--lr", "0.01", "--grid", "20")
    assert [m["point"][0] for m in doc["minima"]] == pytest.approx(
        [3.0, -2.805118, -3.779310, 3.584428]
    )
    assert all(m["fraction"] > 0.1 for m in doc["minima"])
    total = sum(m["fraction"] for m in doc["minima"])
    assert total + doc["diverged_fraction"] + doc["other_fraction"] == pytest.approx(1.0)
    assert (doc["grid"], doc["steps"], doc["optimizer"]) == (20, 200, "gd")


def test_a_too_large_step_diverges_and_momentum_is_an_option(cli_json):
    doc = cli_json("basins", "--surface", "himmelblau", "--lr", "0.5", "--grid", "10")
    assert doc["diverged_fraction"] > 0.95
    doc = cli_json(
        "basins", "--surface", "bowl", "--lr", "0.1", "--momentum", "0.5", "--grid", "4"
    )
    assert doc["optimizer"] == "momentum" and doc["minima"][0]["fraction"] == 1.0


def test_the_table_names_each_minimum(capsys):
    assert main(["basins", "--surface", "himmelblau", "--lr", "0.01", "--grid", "8"]) == 0
    out = capsys.readouterr().out
    assert "minimum (3, 2)" in out and "diverged" in out


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["--surface", "parabola", "--lr", "0.1"], "2D surface"),
        (["--surface", "himmelblau", "--lr", "0.1", "--grid", "401"], "--grid"),
        (["--surface", "himmelblau", "--lr", "-1"], "greater than 0"),
        (["--surface", "himmelblau", "--lr", "0.1", "--start", "1,1"], "--start"),
        (["--surface", "himmelblau"], "--lr"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, argv, error):
    assert main(["basins", *argv]) == 2
    err = capsys.readouterr().err
    assert error in err and err.count("\n") == 1
