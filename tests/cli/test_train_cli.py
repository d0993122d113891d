"""`gdsim train`: the JSON contract, the learning-rate comparison from one initialisation, the
human table, and one-line errors with exit status 2."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gdsim.cli import main


def test_lecture_network_on_circle_learns_at_lr_1(cli_json):
    doc = cli_json("train", "--dataset", "circle", "--steps", "300", "--eval-every", "100")
    assert doc["dataset"]["name"] == "circle" and doc["dataset"]["task"] == "binary"
    assert doc["network"]["hidden"] == [[16, "relu"]] and doc["network"]["parameters"] == 65
    (run,) = doc["runs"]
    assert run["lr"] == 1.0 and run["optimizer"] == "gd" and run["batch_size"] is None
    assert len(run["losses"]) == 300 and run["eval_steps"] == [0, 100, 200, 300]
    assert run["metric"] == "accuracy" and len(run["accuracy"]) == 4
    assert run["accuracy"][-1] >= 0.95 and run["final_val_accuracy"] == run["accuracy"][-1]
    assert run["final_train_loss"] < 0.15 < run["losses"][0]
    assert run["stopped_at"] is None and run["regime"] in ("converged", "slow")


def test_several_learning_rates_share_one_initialisation(cli_json):
    doc = cli_json(
        "train",
        "--dataset", "sine", "--layers", "16:tanh", "--steps", "100",
        "--lr", "0.001,0.1", "--lr", "1000",
    )  # fmt: skip
    runs = doc["runs"]
    assert [r["lr"] for r in runs] == [0.001, 0.1, 1000.0]
    assert len({r["losses"][0] for r in runs}) == 1
    assert runs[1]["final_train_loss"] < runs[0]["final_train_loss"]
    assert runs[0]["metric"] == "r2" and "accuracy" not in runs[0]
    blown = runs[2]
    assert blown["regime"] == "diverged" and blown["stopped_at"] is not None
    assert len(blown["losses"]) == blown["stopped_at"] + 1
    assert blown["losses"][-1] is None  # the non-finite loss, written as JSON null
    assert all(math.isfinite(x) for x in blown["losses"][:-1])


def test_options_reach_the_session(cli_json):
    doc = cli_json(
        "train",
        "--dataset", "blobs", "--layers", "8,8", "--activation", "tanh",
        "--optimizer", "adam", "--lr", "0.05", "--batch-size", "32", "--steps", "20",
        "--seed", "3", "--n", "100",
    )  # fmt: skip
    assert doc["network"]["hidden"] == [[8, "tanh"], [8, "tanh"]]
    assert doc["network"]["output_dim"] == 3 and doc["network"]["seed"] == 3
    assert doc["dataset"]["n_train"] + doc["dataset"]["n_val"] == 100
    run = doc["runs"][0]
    assert run["optimizer"] == "adam" and run["batch_size"] == 32 and len(run["losses"]) == 20


def test_same_seed_same_json(cli_json):
    argv = ["--dataset", "moons", "--steps", "15", "--batch-size", "8", "--seed", "9"]
    assert cli_json("train", *argv) == cli_json("train", *argv)


def test_human_table(capsys):
    assert main(["train", "--dataset", "xor", "--steps", "20", "--lr", "0.5", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "dataset xor, network 2 -> 16 -> 1"
    assert "val accuracy" in out[1] and len(out) == 4
    assert out[2].split()[0] == "0.5" and out[3].split()[0] == "2"


@pytest.mark.parametrize("dataset", ["circle", "moons", "blobs", "sine"])
def test_absurd_learning_rates_are_reported_as_diverged_in_strict_json(cli_json, dataset):
    doc = cli_json("train", "--dataset", dataset, "--steps", "30", "--lr", "1e10", "1e30", "3e38")
    assert [run["regime"] for run in doc["runs"]] == ["diverged"] * 3


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--dataset", "moon"], "unknown dataset 'moon' (did you mean moons?)"),
        (["--dataset", "xor", "--layers", "8,x"], "whole-number width"),
        (["--dataset", "xor", "--layers", "300"], "width must be 1 to 256"),
        (["--dataset", "xor", "--activation", "swoosh"], "unknown activation"),
        (["--dataset", "xor", "--activation", "tanhh"], "(did you mean tanh?)"),
        (["--dataset", "xor", "--optimizer", "adma"], "(did you mean adam?)"),
        (["--dataset", "xor", "--noise", "-1e-3"], "noise must be between"),
        (["--dataset", "xor", "--optimizer", "lbfgs"], "unknown optimizer"),
        (["--dataset", "xor", "--lr", "-1"], "greater than 0"),
        (["--dataset", "xor", "--lr", "fast"], "not a number"),
        (["--dataset", "xor", "--lr", "0.1,,1"], "an empty rate between commas"),
        (["--dataset", "circle", "--lr", "1e300"], "float32, which stops at 3.4e38"),
        (["--dataset", "circle", "--optimizer", "adam", "--lr", "3e38"], "too large for Adam"),
        (["--dataset", "xor", "--steps", "0"], "--steps must be between"),
        (["--dataset", "xor", "--batch-size", "x"], "--batch-size 'x' is not a whole number"),
        (["--dataset", "xor", "--noise", "-1"], "noise must be between"),
        (["--dataset", "xor", "--noise", "lots"], "--noise 'lots' is not a number"),
        (["--layers", "8"], "required: --dataset"),
        (["--dataset", "sine", "--sharpness-every", "-5"], "--sharpness-every must be between"),
        (["--dataset", "sine", "--sharpness-every", "often"], "'often' is not a whole number"),
        (["--dataset", "xor", "--l1", "-1"], "L1 must be in [0, 10]"),
        (["--dataset", "xor", "--l2", "lots"], "--l2 'lots' is not a number"),
        (["--dataset", "xor", "--stop-at-loss", "0"], "stop at loss must be a number above 0"),
        (["--dataset", "xor", "--stop-at-accuracy", "95"], "stop at accuracy must be in (0, 1]"),
        (["--dataset", "sine", "--stop-at-accuracy", "0.9"], "needs a classification task"),
        (["--dataset", "xor", "--early-stop", "-2"], "--early-stop must be between 0 and"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, argv, message):
    assert main(["train", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_sharpness_every_k_steps_adds_step_value_pairs_to_each_run(cli_json):
    doc = cli_json(
        "train",
        "--dataset", "sine", "--layers", "8:tanh", "--steps", "30", "--lr", "0.1", "0.2",
        "--sharpness-every", "10",
    )  # fmt: skip
    for run in doc["runs"]:
        assert [step for step, _ in run["sharpness"]] == [0, 10, 20, 30]
        assert all(value > 0 for _, value in run["sharpness"])
    plain = cli_json("train", "--dataset", "sine", "--steps", "5")
    assert "sharpness" not in plain["runs"][0]


def test_penalty_and_stop_rules_reach_the_runs_and_each_says_why_it_ended(cli_json):
    base = ("train", "--dataset", "circle", "--steps", "300", "--eval-every", "50")
    plain = cli_json(*base)["runs"][0]
    assert (plain["stop_reason"], plain["stop_step"], plain["best_step"]) == ("steps", 300, None)
    penalised = cli_json(*base, "--l2", "0.01")["runs"][0]
    assert penalised["losses"][0] > plain["losses"][0]  # the minibatch loss carries the penalty
    stopped = cli_json(*base, "--stop-at-loss", "0.3", "--early-stop", "50")["runs"][0]
    assert stopped["stop_reason"] == "target loss" and stopped["stop_step"] < 300
    assert stopped["stop_step"] % 5 == 0  # checked at the evaluations: every 300 // 60 steps
    assert len(stopped["losses"]) == stopped["stop_step"]
    assert stopped["eval_steps"][-1] == stopped["stop_step"]
    assert stopped["val_losses"][-1] is not None and stopped["best_step"] is not None


def test_real_entry_point_in_a_subprocess(strict_json):
    script = Path(sys.executable).with_name("gdsim")
    gdsim = [str(script)] if script.exists() else [sys.executable, "-m", "gdsim"]
    result = subprocess.run(
        [*gdsim, "train", "--dataset", "gaussians", "--steps", "5",
         "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert len(strict_json(result.stdout)["runs"][0]["losses"]) == 5
    bad = subprocess.run(
        [*gdsim, "train", "--layers", "8"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and bad.stderr.startswith("gdsim: error:")


def test_classification_runs_carry_their_confusion_matrix(cli_json):
    doc = cli_json("train", "--dataset", "blobs", "--steps", "40", "--n", "60")
    run = doc["runs"][0]
    train, val = run["confusion"]["train"], run["confusion"]["val"]
    assert len(train) == 3 and all(len(row) == 3 for row in train)
    assert sum(map(sum, train)) == doc["dataset"]["n_train"]
    assert sum(map(sum, val)) == doc["dataset"]["n_val"]
    right = sum(val[k][k] for k in range(3))
    assert run["final_val_accuracy"] == pytest.approx(right / doc["dataset"]["n_val"])
    for split, matrix in (("train", train), ("val", val)):
        shares = run["class_accuracy"][split]
        assert shares == [row[k] / sum(row) if sum(row) else None for k, row in enumerate(matrix)]


def test_regression_runs_have_no_confusion_matrix(cli_json):
    run = cli_json("train", "--dataset", "sine", "--steps", "5")["runs"][0]
    assert "confusion" not in run and "class_accuracy" not in run
