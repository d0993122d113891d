"""Grid search: the cells equal a plain training run, the best cell is the lowest finite val
loss, the dask backend gives the loky backend's numbers bit for bit, and a cancel leaves the
cells not yet started unstarted. Loky's first use starts worker processes (seconds): the tests
that need processes share one module-wide run."""

from __future__ import annotations

import math
import sys
from dataclasses import replace

import pytest

from gdsim.core.datasets import DatasetParams, make_dataset
from gdsim.core.grid_search import (
    DASK_MISSING,
    CellResult,
    GridError,
    GridFrame,
    GridJob,
    GridSpec,
    best_cell,
    cell_state,
    grid_csv,
    grid_for_network,
    log_grid,
    parse_values,
    train_cell,
)
from gdsim.core.network import NetworkSpec
from gdsim.core.state import NetworkState
from gdsim.core.training import TrainingConfig, TrainingSession

DATASET = make_dataset(DatasetParams("circle", n=80))
SPEC = NetworkSpec.for_task(DATASET.task, DATASET.input_dim, DATASET.n_classes)
CONFIG = TrainingConfig(seed=3)
TINY = GridSpec(lrs=(0.5, 1000.0), axis="layers", values=(1, 2), steps=30, width=4)


def _bits(cells):
    """Each cell's place, rate, exact loss (float.hex: NaN equals NaN) and verdict."""
    return sorted((c.row, c.col, c.lr, c.value, c.val_loss.hex(), c.regime) for c in cells)


@pytest.fixture(scope="module")
def loky_cells():
    return GridJob(TINY, SPEC, CONFIG, DATASET, backend="loky", n_jobs=2).run().cells


def test_a_cell_is_the_builder_run_with_that_cells_settings():
    spec, config = TINY.cell(SPEC, CONFIG, 0.5, 2)
    assert spec.hidden == ((4, "relu"), (4, "relu"))
    assert (config.lr, config.steps, config.seed) == (0.5, 30, 3)
    session = TrainingSession(spec, DATASET, config)
    session.run()
    cell = train_cell(spec, DATASET, config, 1, 0, 2)
    assert cell.val_loss == session.snapshot().val_loss
    assert cell.regime == str(session.verdict.regime)


def test_the_other_axes_change_width_or_batch_size():
    grid = grid_for_network(SPEC, [0.1], "width", [8, 32], 10)
    assert grid.cell(SPEC, CONFIG, 0.1, 32)[0].hidden == ((32, "relu"),)
    grid = replace(grid, axis="batch_size", values=(5,))
    spec, config = grid.cell(SPEC, CONFIG, 0.1, 5)
    assert (spec.hidden, config.batch_size) == (((16, "relu"),), 5)


def test_best_cell_is_the_lowest_finite_val_loss_and_divergence_is_never_best():
    cells = [
        CellResult(0, 0, 0.1, 1, 0.3, "slow"),
        CellResult(0, 1, 1.0, 1, 0.1, "converged"),
        CellResult(1, 1, 9.0, 2, math.nan, "diverged"),
    ]
    assert best_cell(cells) == cells[1]
    assert best_cell(cells[2:]) is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"lrs": ()}, "learning rates"),
        ({"lrs": (-1.0,)}, "learning rate"),
        ({"axis": "depth"}, "unknown axis"),
        ({"values": (0, 9)}, "hidden layers must be whole numbers 0 to 8"),
        ({"values": (1, 1)}, "only once"),
        ({"steps": 0}, "steps per cell"),
    ],
)
def test_bad_grids_are_refused_in_one_line(changes, message):
    with pytest.raises(GridError, match=message):
        replace(TINY, **changes)


def test_no_validation_set_is_refused_before_anything_runs():
    state = replace(NetworkState(), dataset=DatasetParams(val_fraction=0.0))
    with pytest.raises(GridError, match="validation share"):
        GridJob(TINY, SPEC, CONFIG, state)


def test_loky_cells_cover_the_grid_and_flag_divergence(loky_cells):
    assert sorted((c.row, c.col) for c in loky_cells) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert [c.regime for c in loky_cells if c.lr == 1000.0] == ["diverged", "diverged"]
    assert all(math.isnan(c.val_loss) for c in loky_cells if c.lr == 1000.0)
    assert best_cell(loky_cells).lr == 0.5


def test_one_process_gives_the_same_cells(loky_cells):
    state = NetworkState(dataset=DatasetParams("circle", n=80))
    job = GridJob(TINY, SPEC, CONFIG, state, n_jobs=1)  # the builder's data, made in the job
    assert _bits(job.run().cells) == _bits(loky_cells)


def test_dask_backend_equals_loky_bit_for_bit(loky_cells):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        address = cluster.scheduler_address
        job = GridJob(TINY, SPEC, CONFIG, DATASET, backend="dask", scheduler=address)
        frame = job.run()
    assert frame.finished and not frame.cancelled
    assert _bits(frame.cells) == _bits(loky_cells)


def test_without_dask_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    frame = GridJob(TINY, SPEC, CONFIG, DATASET, backend="dask").run()
    assert frame.error == DASK_MISSING and not frame.cancelled
    assert "pip install gdsim[cluster]" in DASK_MISSING


def test_cancel_leaves_the_cells_not_started_unstarted(loky_cells):
    grid = replace(TINY, lrs=(0.1, 0.2, 0.3, 0.4), values=(1, 2, 3, 4), steps=200)
    job = GridJob(grid, SPEC, CONFIG, DATASET, backend="loky", n_jobs=2)
    while not job.snapshot().cells:
        assert job.advance()
    job.cancel()
    assert not job.advance()
    frame = job.snapshot()
    assert frame.finished and frame.cancelled and len(frame.cells) < job.total
    assert job.wait(60)
    assert job.started < job.total  # the generator's close cancelled the cells not started


def test_log_grid_rounds_to_what_a_teacher_reads():
    assert log_grid(0.001, 10, 5) == (0.001, 0.01, 0.1, 1.0, 10.0)
    assert log_grid(0.01, 1, 3) == (0.01, 0.1, 1.0)
    with pytest.raises(GridError, match="0 < from < to"):
        log_grid(1, 0.1, 3)


def test_axis_values_are_read_from_text_in_one_line_errors():
    assert parse_values("1, 2 4", "layers") == (1, 2, 4)
    with pytest.raises(GridError, match="width: whole numbers"):
        parse_values("8, wide", "width")


def test_csv_and_the_opened_cell_state():
    cells = (
        CellResult(1, 0, 0.5, 2, 0.25, "converged"),
        CellResult(0, 0, 0.5, 1, math.nan, "diverged"),
    )
    frame = GridFrame(TINY, cells, 4, True, True)
    assert grid_csv(frame) == "lr,layers,val_loss,regime\n0.5,1,,diverged\n0.5,2,0.25,converged\n"
    with pytest.raises(ValueError, match="press Run"):
        grid_csv(replace(frame, cells=()))
    state = NetworkState(compare=True)
    opened = cell_state(state, TINY, 0.5, 2)
    assert opened.network.hidden == ((4, "relu"), (4, "relu"))
    assert (opened.training.lr, opened.training.steps, opened.compare) == (0.5, 30, False)
