"""`gdsim grid`: the JSON contract (cells row by row, best, diverged cells as null), and
one-line errors with exit 2. In-process on one worker (`--jobs 1`): the parallel backends are
tested in tests/core/test_grid_search.py."""

from __future__ import annotations

import sys

import pytest

from gdsim.cli import main
from gdsim.core.grid_search import DASK_MISSING

GRID = ("grid", "--dataset", "circle", "--n", "60", "--width", "4", "--steps", "30", "--jobs", "1")


def test_cells_row_by_row_with_the_best_and_diverged_as_null(cli_json):
    doc = cli_json(*GRID, "--lr", "0.5", "1000", "--layers", "1", "2")
    assert [(c["layers"], c["lr"]) for c in doc["cells"]] == [
        (1, 0.5),
        (1, 1000.0),
        (2, 0.5),
        (2, 1000.0),
    ]
    diverged = [c for c in doc["cells"] if c["lr"] == 1000.0]
    assert all(c["regime"] == "diverged" and c["val_loss"] is None for c in diverged)
    finite = [c for c in doc["cells"] if c["val_loss"] is not None]
    assert doc["best"] == min(finite, key=lambda c: c["val_loss"])
    assert (doc["width"], doc["steps"], doc["backend"]) == (4, 30, "loky")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--lr", "0.1", "--layers", "9"], "--layers must be between 0 and 8"),
        (["--lr", "-1", "--layers", "1"], "must be a finite number greater than 0"),
        (["--lr", "0.1", "--layers", "1", "1"], "only once"),
        (["--lr", "0.1", "--layers", "1", "--scheduler", "tcp://x:1"], "needs --backend dask"),
        (["--lr", "0.1", "--layers", "1", "--activation", "nope"], "unknown activation"),
        (["--lr", "0.1"], "--layers"),
        (
            ["--lr", "0.1", "--layers", "1", "--backend", "dask", "--scheduler", "garbage"],
            "'garbage' is not a Dask scheduler's address",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, extra, message):
    assert main([*GRID, *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_dask_without_the_cluster_extra_names_it(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    assert main([*GRID, "--lr", "0.1", "--layers", "1", "--backend", "dask"]) == 2
    assert capsys.readouterr().err == f"gdsim: error: {DASK_MISSING}\n"
