"""Grid search, the lecture's "how do we pick hyper-parameters?": learning rates x one more
axis (hidden layers, width or batch size), every cell trained for the same budget from the
same seed, scored by its final validation loss, with its verdict.

Cells are independent tasks, so they run on a real parallel engine rather than a home-made
pool: joblib (loky processes, one per core, by default), or joblib's Dask backend on a
`dask.distributed` cluster (a scheduler's address, or a `LocalCluster` started for the run).
Each task is `train_cell`, a top-level function of picklable arguments (specs, config and the
dataset's tensors) that pins torch to one thread: a tiny network trains fastest on one core,
and several processes sharing the cores must not each start a thread per core. A cell's
numbers depend only on its arguments, so they are the same, bit for bit, whichever backend
ran it and in whatever order the cells finished.

`GridJob` is the steppable job the UI's worker drives: each `advance()` takes the next cell to
finish (joblib's `return_as="generator_unordered"`), so the view fills in live, and closing the
generator on `cancel()` cancels the cells not yet started.
"""

from __future__ import annotations

import contextlib
import math
import queue
import re
import threading
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from gdsim.core.datasets import Dataset, DatasetError, load_csv, make_dataset
from gdsim.core.network import MAX_HIDDEN_LAYERS, MAX_WIDTH, NetworkSpec
from gdsim.core.state.network import NetworkState
from gdsim.core.training import (
    ConfigError,
    TrainingConfig,
    TrainingSession,
    check_learning_rate,
)
from gdsim.core.verdict import Regime

AXES: dict[str, str] = {
    "layers": "hidden layers",
    "width": "width",
    "batch_size": "batch size",
}
"""The second axis a user may pick, with the words a label uses."""

BACKENDS: dict[str, str] = {
    "loky": "joblib's loky processes on this machine",
    "dask": "a Dask cluster, through joblib's dask backend",
}
"""`n_jobs` says how many workers: -1 every core (a cluster's every worker), 1 one process
(joblib then runs the cells in this process, one after the other)."""

MAX_RATES = 16
MAX_VALUES = 12
MAX_GRID_STEPS = 20_000
"""A grid trains rates x values networks: a budget per cell bounded well below a single
run's, so that the whole grid stays a few minutes at worst."""

DASK_MISSING = "the dask backend needs the 'cluster' extra: pip install gdsim[cluster]"


class GridError(ValueError):
    """A grid that cannot run; the message is one line."""


@dataclass(frozen=True)
class GridSpec:
    """What the grid spans. `width` and `depth` give the hidden layers where the axis does
    not (layers of `width` units for the layers axis, `depth` layers for the width axis and
    the batch-size axis), all with `activation`."""

    lrs: tuple[float, ...]
    axis: str = "layers"
    values: tuple[int, ...] = (1, 2)
    steps: int = 200
    width: int = 16
    depth: int = 1
    activation: str = "relu"

    def __post_init__(self) -> None:
        if not 1 <= len(self.lrs) <= MAX_RATES:
            raise GridError(f"give 1 to {MAX_RATES} learning rates")
        for lr in self.lrs:
            try:
                check_learning_rate(lr)
            except ConfigError as error:
                raise GridError(str(error)) from None
        if self.axis not in AXES:
            raise GridError(f"unknown axis '{self.axis}'; choose one of {', '.join(AXES)}")
        if not 1 <= len(self.values) <= MAX_VALUES:
            raise GridError(f"give 1 to {MAX_VALUES} values of {AXES[self.axis]}")
        low, high = {
            "layers": (0, MAX_HIDDEN_LAYERS),
            "width": (1, MAX_WIDTH),
            "batch_size": (1, 100_000),
        }[self.axis]
        for value in self.values:
            if not isinstance(value, int) or not low <= value <= high:
                raise GridError(f"{AXES[self.axis]} must be whole numbers {low} to {high}")
        if len(set(self.values)) != len(self.values) or len(set(self.lrs)) != len(self.lrs):
            raise GridError("each learning rate and each axis value may appear only once")
        if not isinstance(self.steps, int) or not 1 <= self.steps <= MAX_GRID_STEPS:
            raise GridError(f"steps per cell must be 1 to {MAX_GRID_STEPS}")
        if not 1 <= self.width <= MAX_WIDTH or not 0 <= self.depth <= MAX_HIDDEN_LAYERS:
            raise GridError(f"width must be 1 to {MAX_WIDTH}, depth 0 to {MAX_HIDDEN_LAYERS}")

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns): one row per axis value, one column per learning rate."""
        return len(self.values), len(self.lrs)

    def cell(
        self, spec: NetworkSpec, config: TrainingConfig, lr: float, value: int
    ) -> tuple[NetworkSpec, TrainingConfig]:
        """The network and training of the cell at (`lr`, `value`): `spec` and `config` (the
        builder's, or the command line's) with the cell's hidden layers, rate, batch size
        and the grid's budget."""
        depth, width, batch = self.depth, self.width, config.batch_size
        if self.axis == "layers":
            depth = value
        elif self.axis == "width":
            width = value
        else:
            batch = value
        hidden = ((width, self.activation),) * depth
        return (
            replace(spec, hidden=hidden),
            replace(config, lr=lr, batch_size=batch, steps=self.steps),
        )


def grid_for_network(
    network: NetworkSpec, lrs: Sequence[float], axis: str, values: Sequence[int], steps: int
) -> GridSpec:
    """A grid around the builder's network: its first layer's width and activation, its
    depth (at least one layer, so that the width axis has something to widen)."""
    width, activation = network.hidden[0] if network.hidden else (16, "relu")
    return GridSpec(
        lrs=tuple(lrs),
        axis=axis,
        values=tuple(values),
        steps=steps,
        width=width,
        depth=max(1, len(network.hidden)),
        activation=activation,
    )


@dataclass(frozen=True)
class CellResult:
    """One trained cell: where it sits (`row` = axis value index, `col` = rate index), its
    rate and axis value, the final validation loss (NaN when it diverged) and the verdict."""

    row: int
    col: int
    lr: float
    value: int
    val_loss: float
    regime: str

    @property
    def finite(self) -> bool:
        return math.isfinite(self.val_loss) and self.regime != Regime.DIVERGED


def train_cell(
    spec: NetworkSpec, dataset: Dataset, config: TrainingConfig, row: int, col: int, value: int
) -> CellResult:
    """Train one cell to its budget; the task joblib ships to a worker process."""
    import torch

    torch.set_num_threads(1)
    session = TrainingSession(spec, dataset, replace(config, sharpness_every=0))
    session.run(chunk=config.steps)
    val_loss = session.snapshot().val_loss
    regime = session.verdict.regime
    loss = math.nan if val_loss is None or regime == Regime.DIVERGED else float(val_loss)
    return CellResult(row, col, config.lr, value, loss, str(regime))


def best_cell(cells: Sequence[CellResult]) -> CellResult | None:
    """The cell with the lowest finite validation loss (the first in grid order on a tie)."""
    finite = [c for c in cells if c.finite]
    return min(finite, key=lambda c: (c.val_loss, c.row, c.col)) if finite else None


def dataset_for(state: NetworkState) -> Dataset:
    """The data the builder trains on: its generated set, or its CSV file read again (a
    DatasetError says what is wrong with the file in one line)."""
    if state.drawn:
        return state.drawn.dataset(state.dataset.val_fraction, state.dataset.seed)
    if state.csv_path:
        return load_csv(state.csv_path, state.dataset.val_fraction, state.dataset.seed)
    return make_dataset(state.dataset)


def cell_state(state: NetworkState, grid: GridSpec, lr: float, value: int) -> NetworkState:
    """The builder's state showing one cell: its rate, layers / width / batch size and the
    grid's step budget (so that pressing Train there reproduces the cell), one run."""
    spec, config = grid.cell(state.network, state.training, lr, value)
    return replace(state, network=spec, training=config, compare=False, selected=0)


def log_grid(low: float, high: float, count: int) -> tuple[float, ...]:
    """`count` rates evenly spaced in log scale from `low` to `high`, each rounded to three
    significant digits (a teacher reads 0.0316, not 0.031622776601683794)."""
    if not (math.isfinite(low) and math.isfinite(high) and 0 < low < high):
        raise GridError("the log grid needs 0 < from < to")
    if not 2 <= count <= MAX_RATES:
        raise GridError(f"the log grid needs 2 to {MAX_RATES} rates")
    ratio = (high / low) ** (1 / (count - 1))
    rates = tuple(float(f"{low * ratio**i:.3g}") for i in range(count))
    for rate in rates:
        try:
            check_learning_rate(rate)
        except ConfigError as error:
            raise GridError(str(error)) from None
    return rates


def parse_values(text: str, axis: str) -> tuple[int, ...]:
    """'1, 2, 4' or '1 2 4' -> (1, 2, 4): the axis values a user typed (GridSpec checks their
    range)."""
    parts = [part for part in re.split(r"[\s,;]+", text) if part]
    try:
        values = tuple(int(part) for part in parts)
    except ValueError:
        raise GridError(
            f"{AXES[axis]}: whole numbers separated by commas or spaces, e.g. 1, 2, 4"
        ) from None
    if not values:
        raise GridError(f"give at least one value of {AXES[axis]}")
    return values


def grid_csv(frame: GridFrame) -> str:
    """The cells as CSV, row by row: lr, the axis value, val_loss (empty when diverged),
    regime. ValueError when no cell has finished yet."""
    if not frame.cells:
        raise ValueError("no grid cell has finished yet: press Run first")
    lines = [f"lr,{frame.grid.axis},val_loss,regime"]
    for cell in sorted(frame.cells, key=lambda c: (c.row, c.col)):
        loss = repr(cell.val_loss) if math.isfinite(cell.val_loss) else ""
        lines.append(f"{cell.lr!r},{cell.value},{loss},{cell.regime}")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class GridFrame:
    """What the view draws: the cells done so far (in finishing order), how many there are
    in all, and whether the job ended (`cancelled` when it was stopped early, `error` the
    one-line reason when it could not run: no cluster, an unreadable CSV file)."""

    grid: GridSpec
    cells: tuple[CellResult, ...]
    total: int
    finished: bool
    cancelled: bool
    error: str | None = None


POLL_S = 0.05
"""The longest one `advance()` waits for a cell: stop, cancel and a closing window are heard
within it, however long a cell trains."""

_POOL = threading.Lock()
"""One grid at a time: the loky pool is shared by the process, and a cancelled grid's abort
stops its workers, which would kill a newer grid's cells. A new grid waits (in its own
thread) until the cancelled one has let go."""


@dataclass(frozen=True)
class _End:
    """The consumer's last word: None, or why the grid could not run."""

    error: str | None = None


class GridJob:
    """The whole grid as a steppable job: `advance()` takes the next finished cell (waiting
    at most POLL_S) and returns False once all are in, or at once after `cancel()`.

    joblib's generator, the Dask client and the pool belong to one thread of the job's own
    (the *consumer*): a joblib generator must be closed by the thread that started it, its
    backend setting is per thread, and its `next()` cannot be interrupted. The consumer
    hands cells over through a queue; on cancel it closes the generator after the cell it
    is waiting for, which cancels the cells not yet started (and stops the pool's running
    ones). `wait()` joins it."""

    def __init__(
        self,
        grid: GridSpec,
        spec: NetworkSpec,
        config: TrainingConfig,
        dataset: Dataset | NetworkState,
        backend: str = "loky",
        scheduler: str | None = None,
        n_jobs: int = -1,
    ) -> None:
        if backend not in BACKENDS:
            raise GridError(f"unknown backend '{backend}'; choose one of {', '.join(BACKENDS)}")
        if val_share_missing(dataset):
            raise GridError("the grid scores cells by validation loss: set a validation share")
        self.grid = grid
        # Every cell is built (and so checked) here: a setting one cell cannot use (a step
        # too large for float32 at one rate) is refused before anything runs.
        self._tasks = [
            (*grid.cell(spec, config, lr, value), row, col, value)
            for row, value in enumerate(grid.values)
            for col, lr in enumerate(grid.lrs)
        ]
        self._dataset = dataset
        self._backend = backend
        self._scheduler = scheduler
        self._n_jobs = n_jobs
        self._cells: list[CellResult] = []
        self._queue: queue.SimpleQueue[CellResult | _End] = queue.SimpleQueue()
        self._consumer: threading.Thread | None = None
        self._cancel = threading.Event()
        self._closed = False
        self._error: str | None = None
        self.started = 0
        """Cells handed to joblib so far: fewer than all after an early cancel."""

    @property
    def total(self) -> int:
        return len(self._tasks)

    def cancel(self) -> None:
        """Stop: thread-safe and immediate (the consumer lets go after its current cell)."""
        self._cancel.set()

    close = cancel

    def advance(self) -> bool:
        if self._closed:
            return False
        if self._cancel.is_set():
            self._closed = True
            return False
        if self._consumer is None:
            self._consumer = threading.Thread(
                target=self._consume, name="gdsim-grid-consumer", daemon=True
            )
            self._consumer.start()
        try:
            item = self._queue.get(timeout=POLL_S)
        except queue.Empty:
            return True
        if isinstance(item, _End):
            self._error, self._closed = item.error, True
            return False
        self._cells.append(item)
        return True

    def snapshot(self) -> GridFrame:
        cells = tuple(self._cells)
        return GridFrame(
            self.grid,
            cells,
            self.total,
            self._closed,
            self._closed and len(cells) < self.total and self._error is None,
            self._error,
        )

    def run(self) -> GridFrame:
        """Every cell, here and now (the command line and the bench), the pool or cluster
        released before it returns."""
        try:
            while self.advance():
                pass
        finally:
            self.cancel()
            self.wait()
        return self.snapshot()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the consumer to let go of the pool; True once it has."""
        if self._consumer is not None:
            self._consumer.join(timeout)
            return not self._consumer.is_alive()
        return True

    def _consume(self) -> None:
        """The consumer thread: run the grid, hand each cell over, stop when cancelled."""
        error = None
        with _POOL, contextlib.ExitStack() as resources:
            try:
                results = self._start(resources)
                try:
                    for cell in results:
                        self._queue.put(cell)
                        if self._cancel.is_set():
                            break
                finally:
                    # Closing early makes joblib warn that tasks were cancelled: as asked.
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        results.close()  # type: ignore[attr-defined]
            except (GridError, DatasetError, OSError) as failure:
                error = str(failure)
            except Exception as failure:  # a worker that died, a task that raised
                error = f"{type(failure).__name__}: {failure}".splitlines()[0]
        self._queue.put(_End(error))

    def _start(self, resources: contextlib.ExitStack) -> Iterator[CellResult]:
        from joblib import Parallel, delayed, parallel_config

        dataset = self._dataset
        if isinstance(dataset, NetworkState):
            dataset = dataset_for(dataset)
        backend: dict[str, Any] = {}
        if self._backend == "dask":
            resources.enter_context(dask_client(self._scheduler))
            backend = {"backend": "dask"}
        # batch_size=1: a cell is its own task, so progress is per cell and a cancel leaves
        # the rest unstarted (auto-batching would bundle fast cells together).
        with parallel_config(**backend):
            parallel = Parallel(n_jobs=self._n_jobs, return_as="generator_unordered", batch_size=1)
            return parallel(delayed(train_cell)(*task) for task in self._counted(dataset))

    def _counted(self, dataset: Dataset) -> Iterator[tuple[Any, ...]]:
        """The tasks, handed to joblib one by one as workers free up; none after a cancel
        (joblib's callback thread asks for the next task when a cell ends, and at exit that
        would be after the pool's shutdown)."""
        for cell_spec, cell_config, row, col, value in self._tasks:
            if self._cancel.is_set():
                return
            self.started += 1
            yield cell_spec, dataset, cell_config, row, col, value


def val_share_missing(dataset: Dataset | NetworkState) -> bool:
    """True when the data has no validation set to score the cells on."""
    if isinstance(dataset, NetworkState):
        return dataset.dataset.val_fraction <= 0
    return len(dataset.x_val) == 0


@contextlib.contextmanager
def dask_client(scheduler: str | None) -> Iterator[Any]:
    """A `dask.distributed` client for joblib's dask backend: connected to `scheduler`, or
    to a `LocalCluster` (one single-threaded worker process per core) started here and
    closed on exit. Without the optional extra, a GridError naming it."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise GridError(DASK_MISSING) from None
    with contextlib.ExitStack() as stack:
        if scheduler:
            try:
                client = stack.enter_context(Client(scheduler, timeout=10))
            except OSError as error:
                why = f"cannot reach the Dask scheduler at {scheduler}: {error}"
                raise GridError(why) from None
            except (ValueError, TypeError) as error:  # dask's parse of the address
                why = f"'{scheduler}' is not a Dask scheduler's address ({error}): write it as tcp://host:8786"
                raise GridError(why) from None
        else:
            cluster = stack.enter_context(
                LocalCluster(threads_per_worker=1, processes=True, dashboard_address=None)
            )
            client = stack.enter_context(Client(cluster))
        yield client
