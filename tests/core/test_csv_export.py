"""File > Export data's CSV text: the documented header, one row per step (steps + 1 per run),
numbers that read back exactly, and non-finite values a spreadsheet and Python both read."""

from __future__ import annotations

import csv
import io
import math

import numpy as np
import pytest

from gdsim.core.csv_export import number, training_csv, trajectories_csv
from gdsim.core.datasets import DatasetParams, make_dataset
from gdsim.core.network import NetworkSpec
from gdsim.core.simulate import RunSpec, simulate
from gdsim.core.surfaces import get_surface
from gdsim.core.training import TrainingConfig, TrainingSession
from gdsim.core.training_job import TrainingJob


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_surface_runs_give_the_documented_columns_and_steps_plus_one_rows():
    result = simulate(get_surface("parabola"), [RunSpec(0.2), RunSpec(0.8, "momentum")], 30)
    text = trajectories_csv(result)
    assert text.splitlines()[0] == "run,lr,optimizer,step,w,loss,grad_norm"
    table = rows(text)
    assert len(table) == 2 * 31
    first, last = table[0], table[-1]
    assert (first["run"], first["lr"], first["optimizer"], first["step"]) == ("1", "0.2", "gd", "0")
    assert (last["run"], last["optimizer"], last["step"]) == ("2", "momentum", "30")
    w = result.points[1, 30, 0]
    assert float(last["w"]) == w, "full precision: the same float reads back"
    assert float(last["loss"]) == result.losses[1, 30]
    assert float(last["grad_norm"]) == pytest.approx(abs(2 * w))


def test_a_2d_surface_names_both_coordinates_and_a_stopped_run_keeps_its_valid_rows():
    result = simulate(get_surface("bowl"), [RunSpec(0.1), RunSpec(5.0)], 40)
    table = rows(trajectories_csv(result))
    assert list(table[0]) == ["run", "lr", "optimizer", "step", "x", "y", "loss", "grad_norm"]
    diverged = [row for row in table if row["run"] == "2"]
    assert len(diverged) == int(result.lengths[1]) < 41
    assert all(math.isfinite(float(row["x"])) for row in diverged)


def test_non_finite_numbers_are_written_as_python_and_spreadsheets_read_them():
    assert [number(v) for v in (math.nan, math.inf, -math.inf, None)] == ["nan", "inf", "-inf", ""]
    assert number(0.1 + 0.2) == "0.30000000000000004"
    assert float(number(np.float32(1 / 3))) == float(np.float32(1 / 3))


def training_job(steps: int, val_fraction: float = 0.25) -> TrainingJob:
    data = make_dataset(DatasetParams("gaussians", n=60, val_fraction=val_fraction))
    spec = NetworkSpec.for_task("binary", 2, hidden=((4, "tanh"),))
    sessions = [
        TrainingSession(spec, data, TrainingConfig(lr=lr, steps=steps)) for lr in (0.5, 30.0)
    ]
    return TrainingJob(sessions, (np.linspace(-1, 1, 5), np.linspace(-1, 1, 5)))


def test_training_histories_give_one_row_per_step_and_evaluations_where_made():
    job = training_job(120)
    while job.advance():
        pass
    job.snapshot()  # the final evaluation, as the panel's last frame makes it
    text = training_csv(job.histories())
    assert text.splitlines()[0] == (
        "run,lr,step,train_loss,val_loss,train_accuracy,val_accuracy"
    )
    table = rows(text)
    first_run = [row for row in table if row["run"] == "1"]
    assert [int(row["step"]) for row in first_run] == list(range(121))
    assert first_run[-1]["train_loss"] == "", "no update was made at the last step"
    _, losses = job.sessions[0].history.arrays()
    assert [float(row["train_loss"]) for row in first_run[:-1]] == losses.tolist()
    evaluated = [row for row in first_run if row["val_loss"]]
    assert 10 < len(evaluated) < 121, "evaluations at about 60 steps, empty in between"
    assert all(row["train_accuracy"] and row["val_accuracy"] for row in evaluated)
    assert first_run[-1]["val_loss"] and first_run[0]["val_loss"]
    assert {row["lr"] for row in table} == {"0.5", "30.0"}


def test_without_a_validation_set_its_columns_stay_empty():
    job = training_job(20, val_fraction=0.0)
    while job.advance():
        pass
    table = rows(training_csv(job.histories()))
    assert all(row["val_loss"] == "" and row["val_accuracy"] == "" for row in table)
    assert any(row["train_accuracy"] for row in table)
