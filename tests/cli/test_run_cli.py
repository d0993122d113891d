"""`gdsim run`: the JSON contract, the lecture's verdicts, and one-line errors with exit 2."""

from __future__ import annotations

import subprocess
import sys
import warnings

import pytest

from gdsim.cli import main


def test_lecture_learning_rates_on_the_parabola(cli_json):
    doc = cli_json(
        "run",
        "--surface",
        "parabola",
        "--start",
        "3",
        "--steps",
        "100",
        "--lr",
        "0.01",
        "0.2",
        "0.8",
        "1.0",
        "--lr",
        "1.1",
    )
    assert doc["surface"] == {"name": "parabola", "expression": "w**2", "dim": 1}
    assert doc["lambda_max"] == pytest.approx(2.0)
    assert doc["lr_critical"] == pytest.approx(1.0)
    regimes = [(r["lr"], r["regime"]) for r in doc["runs"]]
    assert regimes == [
        (0.01, "slow"),
        (0.2, "converged"),
        (0.8, "oscillating"),
        (1.0, "oscillating"),
        (1.1, "diverged"),
    ]
    for run in doc["runs"][:4]:
        assert run["stopped_at"] is None
        assert len(run["points"]) == len(run["losses"]) == 101
        assert run["points"][0] == [3.0] and run["losses"][0] == 9.0
        assert run["optimizer"] == "gd" and run["start"] == [3.0]
    slow = doc["runs"][0]
    assert slow["points"][1] == [pytest.approx(3.0 - 0.01 * 6.0)]
    assert slow["final_loss"] == pytest.approx((3.0 * 0.98**100) ** 2)
    diverged = doc["runs"][4]
    assert diverged["stopped_at"] is not None
    assert len(diverged["points"]) == diverged["stopped_at"]


def test_typed_expression_in_2d_with_momentum(cli_json):
    doc = cli_json(
        "run",
        "--surface",
        "x**2 + 3*y**2",
        "--start",
        "1,1",
        "--momentum",
        "0.5",
        "--lr",
        "0.2",
        "--steps",
        "50",
    )
    assert doc["surface"]["dim"] == 2
    assert doc["lambda_max"] == pytest.approx(6.0)
    assert doc["lr_critical"] == pytest.approx(2 * 1.5 / 6.0)
    assert doc["runs"][0]["optimizer"] == "momentum"
    assert doc["runs"][0]["points"][0] == [1.0, 1.0]


def test_surface_parameters_change_the_curvature(cli_json):
    doc = cli_json("run", "--surface", "ill_conditioned", "--param", "kappa=50", "--lr", "0.01")
    assert doc["lambda_max"] == pytest.approx(50.0)
    assert doc["lr_critical"] == pytest.approx(2 / 50)


def test_no_minimum_means_null_thresholds_and_non_finite_is_null(cli_json):
    doc = cli_json("run", "--surface", "log(w)", "--start", "-1", "--lr", "0.1")
    assert doc["lambda_max"] is None and doc["lr_critical"] is None
    run = doc["runs"][0]
    assert run["regime"] == "diverged" and run["stopped_at"] == 0
    assert run["points"] == [] and run["final_loss"] is None


@pytest.mark.parametrize("surface", ["1e309", "0/0", "log(-1 - w**2)"])
def test_a_surface_without_a_finite_value_has_no_curvature(cli_json, surface):
    """lambda_max was 0.0 (and 2.0 for the log) at a 'minimum' where the value is inf or NaN."""
    doc = cli_json("run", "--surface", surface, "--lr", "0.1")
    assert doc["lambda_max"] is None and doc["lr_critical"] is None


@pytest.mark.parametrize(
    ("surface", "start", "expected"),
    [
        ("bowl", "-1.5,2", [-1.5, 2.0]),
        ("parabola", "-1e-3", [-0.001]),
        ("bowl", "-.5,-2", [-0.5, -2.0]),
    ],
)
def test_negative_starts_are_accepted_as_the_readme_writes_them(cli_json, surface, start, expected):
    spaced = cli_json("run", "--surface", surface, "--start", start, "--steps", "3")
    joined = cli_json("run", "--surface", surface, f"--start={start}", "--steps", "3")
    assert spaced == joined
    assert spaced["runs"][0]["start"] == expected


def test_output_closed_early_ends_quietly(tmp_path):
    """`gdsim run ... | head` closed the pipe: no BrokenPipeError traceback."""
    with subprocess.Popen(
        [sys.executable, "-m", "gdsim", "run", "--surface", "parabola", "--steps", "20000",
         "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:  # fmt: skip
        process.stdout.read(10)
        process.stdout.close()
        stderr = process.stderr.read().decode()
    assert process.returncode == 141 and stderr == ""


def test_human_table(capsys):
    assert main(["run", "--surface", "parabola", "--lr", "0.2", "1.1"]) == 0
    out = capsys.readouterr().out
    assert "lambda_max = 2" in out and "critical lr = 1" in out
    assert "converged" in out and "diverged" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--surface", "nope(w)"], "bad --surface expression"),
        (["--surface", "w +* 2"], "bad --surface expression"),
        (["--surface", "__import__('os')"], "bad --surface expression"),
        (["--surface", "parabola", "--lr", "0"], "greater than 0"),
        (["--surface", "parabola", "--lr", "-1"], "greater than 0"),
        (["--surface", "parabola", "--lr", "0.1", "-1e-3"], "'-1e-3' must be a finite number"),
        (["--surface", "parabola", "--start", "-inf"], "must contain finite numbers"),
        (["--surface", "w", "--steps", "0"], "between 1 and"),
        (["--surface", "ill_conditioned", "--param", "kappa=-1"], "kappa must be between"),
        (["--surface", "parabola", "--start", "nan"], "must contain finite numbers"),
        (["--surface", "rosenbrok"], "no surface named 'rosenbrok'; did you mean rosenbrock? ("),
        (["--surface", "parabolla"], "styblinski_tang; or a formula in w, or in x and y)"),
        (["--surface", "max(w, log(-1-w**2))"], "max() compares real numbers"),
        (["--surface", "parabola", "--optimizer", "adma"], "(did you mean adam?)"),
        (["--surface", "parabola", "--lr", "nan"], "finite"),
        (["--surface", "parabola", "--lr", "inf"], "finite"),
        (["--surface", "parabola", "--lr", "fast"], "not a number"),
        (["--surface", "parabola", "--start", "1,2"], "needs 1 number"),
        (["--surface", "rosenbrock", "--start", "x"], "not a comma-separated list"),
        (["--surface", "parabola", "--steps", "0"], "between 1 and"),
        (["--surface", "parabola", "--steps", "1000000000"], "between 1 and"),
        (["--surface", "parabola", "--optimizer", "lbfgs"], "unknown optimizer"),
        (["--surface", "parabola", "--optimizer", "gd", "--momentum", "0.9"], "no momentum"),
        (["--surface", "parabola", "--momentum", "1.5"], "must lie between 0 and 0.999"),
        (["--surface", "parabola", "--momentum", "0.9995"], "must lie between 0 and 0.999"),
        (["--surface", "parabola", "--momentum", "-1e-3"], "must lie between 0 and 0.999"),
        (["--surface", "parabola", "--param", "kappa=3"], "no parameter"),
        (["--lr", "0.1"], "required"),
    ],
)
def test_bad_input_is_one_line_on_stderr_with_status_2(capsys, argv, message):
    assert main(["run", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in captured.err


def test_the_installed_command(tmp_path, strict_json):
    gdsim = [sys.executable, "-m", "gdsim"]
    ok = subprocess.run(
        [*gdsim, "run", "--surface", "parabola", "--lr", "1.1", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0
    assert strict_json(ok.stdout)["runs"][0]["regime"] == "diverged"
    bad = subprocess.run(
        [*gdsim, "run", "--surface", "w**", "--json"], capture_output=True, text=True, check=False
    )
    assert bad.returncode == 2 and bad.stdout == ""
    assert len(bad.stderr.strip().splitlines()) == 1


def test_an_undefined_formula_is_reported_as_a_diverged_run_not_a_traceback(cli_json):
    doc = cli_json("run", "--surface", "(0*w)**(-1/w)", "--lr", "0.1")
    assert doc["lambda_max"] is None and doc["runs"][0]["regime"] == "diverged"


@pytest.mark.parametrize(
    "argv",
    [
        ("--surface", "rosenbrock", "--start", "1e308,1e308"),
        ("--surface", "tan(x)*1e308+y", "--lr", "1e-320", "0.1"),
    ],
)
def test_overflow_on_the_way_to_divergence_prints_no_numpy_warning(cli_json, argv):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert "diverged" in [run["regime"] for run in cli_json("run", *argv)["runs"]]


def test_the_table_counts_zero_steps_for_a_run_stopped_at_its_start(capsys):
    assert main(["run", "--surface", "log(w)", "--start", "-1", "--lr", "0.1"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1].split()
    assert last == ["0.1", "diverged", "-", "0"]
