"""`gdsim lrfind`: the JSON contract on a network whose answer is known, the human summary,
and one-line errors with exit status 2."""

from __future__ import annotations

import pytest

from gdsim.cli import main


def test_linear_model_suggestion_and_stop(cli_json):
    """plane with no hidden layer: λ_max ≈ 2.03 (tests/core/test_lr_finder.py), so 2/λ ≈ 1."""
    doc = cli_json("lrfind", "--dataset", "plane", "--layers", "", "--steps", "60")
    assert doc["steps"] == 60 and doc["network"]["hidden"] == []
    stop = doc["stopped_at"]
    assert (
        stop is not None
        and len(doc["lrs"]) == len(doc["losses"]) == len(doc["smoothed"]) == stop + 1
    )
    assert doc["lrs"][0] == pytest.approx(1e-4) and 1.0 < doc["lrs"][stop] < 100
    assert doc["smoothed"][0] is None  # the burn-in is not judged
    assert 0.02 < doc["suggestion"] < 0.5
    assert doc["suggestion"] in doc["lrs"]


def test_a_ramp_that_stays_low_reaches_its_end(cli_json):
    doc = cli_json(
        "lrfind", "--dataset", "plane", "--layers", "", "--steps", "20", "--lr-max", "0.5"
    )
    assert doc["stopped_at"] is None and doc["lrs"][-1] == pytest.approx(0.5)
    assert len(doc["losses"]) == 20


def test_human_summary(capsys):
    assert main(["lrfind", "--dataset", "plane", "--layers", "", "--steps", "30"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("suggested η = ")
    assert lines[1].startswith("stopped at step ")
    assert lines[2].split() == ["step", "lr", "loss", "smoothed"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--lr-min", "3", "--lr-max", "1"], "must be below the highest"),
        (["--lr-min", "0"], "greater than 0"),
        (["--steps", "5"], "at least 10 steps"),
        (["--optimizer", "adam", "--lr-max", "1e38"], "too large"),
        (["--layers", "x"], "whole-number width"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, argv, message):
    assert main(["lrfind", "--dataset", "plane", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
