"""`gdsim sweep`: the JSON document the issue names, the verdicts against the lecture's
thresholds, the thinned human table, and one-line errors with exit status 2."""

from __future__ import annotations

import pytest

from gdsim.cli import main


def test_the_document_on_the_parabola(cli_json):
    doc = cli_json(
        "sweep", "--surface", "parabola", "--start", "3", "--steps", "100",
        "--lr-min", "0.01", "--lr-max", "10", "--count", "100",
    )  # fmt: skip
    assert set(doc) == {"surface", "lambda_max", "lr_critical", "runs"}
    assert doc["surface"] == {"name": "parabola", "expression": "w**2", "dim": 1}
    assert doc["lambda_max"] == pytest.approx(2.0) and doc["lr_critical"] == pytest.approx(1.0)
    runs = doc["runs"]
    assert len(runs) == 100 and set(runs[0]) == {"lr", "regime", "final_loss", "stopped_at"}
    assert runs[0]["lr"] == 0.01 and runs[-1]["lr"] == pytest.approx(10.0)
    by_lr = {round(r["lr"], 6): r["regime"] for r in runs}
    assert by_lr[0.811131] == "oscillating" and by_lr[1.149757] == "diverged"
    assert runs[0]["stopped_at"] is None and isinstance(runs[-1]["stopped_at"], int)


def test_momentum_moves_lr_critical(cli_json):
    doc = cli_json(
        "sweep", "--surface", "x**2 + 3*y**2", "--start", "-1,1", "--momentum", "0.5",
        "--lr-min", "0.01", "--lr-max", "1", "--count", "100", "--steps", "50",
    )  # fmt: skip
    assert doc["lr_critical"] == pytest.approx(2 * 1.5 / 6.0)
    diverged = [r["lr"] for r in doc["runs"] if r["regime"] == "diverged"]
    assert min(diverged) > 0.5


def test_human_output_is_a_short_table_with_the_critical_rates(capsys):
    assert main(["sweep", "--surface", "parabola", "--lr-min", "0.01", "--lr-max", "10",
                 "--count", "1000", "--steps", "30"]) == 0  # fmt: skip
    out = capsys.readouterr().out.splitlines()
    assert "20 of the 1000 runs shown" in out[-2]
    assert out[-1] == "lambda_max = 2: 1/lambda = 0.5, 2/lambda = 1"
    assert len(out) == 1 + 1 + 20 + 2


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--lr-min", "1", "--lr-max", "0.1", "--count", "100"], "must be smaller"),
        (["--lr-min", "0", "--lr-max", "1", "--count", "100"], "greater than 0"),
        (["--lr-min", "0.1", "--lr-max", "1", "--count", "50"], "between 100 and 2000"),
        (["--lr-min", "0.1", "--lr-max", "1"], "--count"),
        (["--lr-min", "0.1", "--lr-max", "1", "--count", "100", "--start", "1,2"], "--start"),
    ],
)
def test_bad_input_is_one_line_and_exit_two(capsys, argv, words):
    assert main(["sweep", "--surface", "parabola", *argv]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1
