"""Small generated datasets for the network panel, and loading a user's own CSV file.

Every generator is a self-contained numpy function `(n, noise, rng, ...) -> (x, y)`: it uses
nothing but numpy and its own arguments, so the code exporter can copy its source verbatim into
a standalone script that regenerates exactly the same points. The split into training and
validation sets and the conversion to tensors are likewise plain functions, shared by the app
and the exported script.
"""

from __future__ import annotations

import csv
import itertools
import math
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TextIO

import numpy as np
import torch

from gdsim.core.names import suggestion

Task = Literal["binary", "multiclass", "regression"]
TASKS: tuple[Task, ...] = ("binary", "multiclass", "regression")

MAX_POINTS = 100_000
MAX_CSV_BYTES = 20 * 1024 * 1024
MAX_CLASSES = 10
MAX_VAL_FRACTION = 0.9


class DatasetError(ValueError):
    """A dataset request or file the user gave cannot be used; the message is one line."""


# ---------------------------------------------------------------- generators (self-contained)


def circle(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Class 1 inside a disk of radius 0.5, class 0 on a ring between 0.7 and 1.0."""
    labels = (np.arange(n) % 2).astype(np.int64)
    radius = np.where(labels == 1, rng.uniform(0.0, 0.5, n), rng.uniform(0.7, 1.0, n))
    angle = rng.uniform(0.0, 2.0 * np.pi, n)
    x = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    return x + noise * rng.standard_normal((n, 2)), labels


def xor(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Class 1 where the two coordinates share a sign: no straight line separates it."""
    x = rng.uniform(-1.0, 1.0, (n, 2))
    x = x + np.sign(x) * 0.05
    labels = (x[:, 0] * x[:, 1] > 0).astype(np.int64)
    return x + noise * rng.standard_normal((n, 2)), labels


def gaussians(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two round clouds: linearly separable, the easiest case (a single neuron suffices)."""
    labels = (np.arange(n) % 2).astype(np.int64)
    centres = np.array([[-0.5, -0.5], [0.5, 0.5]])
    spread = 0.2 + noise
    return centres[labels] + spread * rng.standard_normal((n, 2)), labels


def spiral(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spiral arms: needs depth or width and patience."""
    labels = (np.arange(n) % 2).astype(np.int64)
    t = np.sqrt(rng.uniform(0.0, 1.0, n)) * 3.0 * np.pi
    angle = t + np.pi * labels
    radius = t / (3.0 * np.pi)
    x = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    return x + noise * rng.standard_normal((n, 2)), labels


def moons(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interlocking half circles, as in scikit-learn's make_moons."""
    labels = (np.arange(n) % 2).astype(np.int64)
    angle = rng.uniform(0.0, np.pi, n)
    upper = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    lower = np.stack([1.0 - np.cos(angle), 0.5 - np.sin(angle)], axis=1)
    x = np.where(labels[:, None] == 0, upper, lower) - np.array([0.5, 0.25])
    return x + noise * rng.standard_normal((n, 2)), labels


def blobs(
    n: int, noise: float, rng: np.random.Generator, n_classes: int = 3
) -> tuple[np.ndarray, np.ndarray]:
    """`n_classes` clouds with centres on a circle: the softmax + cross-entropy case."""
    labels = (np.arange(n) % n_classes).astype(np.int64)
    angles = 2.0 * np.pi * np.arange(n_classes) / n_classes
    centres = 0.6 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    spread = 0.15 + noise
    return centres[labels] + spread * rng.standard_normal((n, 2)), labels


def sine(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """y = sin(x) on [-3, 3] plus Gaussian noise: a smooth curve to fit."""
    x = rng.uniform(-3.0, 3.0, (n, 1))
    return x, np.sin(x[:, 0]) + noise * rng.standard_normal(n)


def step(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """y = 1 for x > 0, else 0, plus noise: a jump that smooth activations only approximate."""
    x = rng.uniform(-2.0, 2.0, (n, 1))
    return x, (x[:, 0] > 0).astype(np.float64) + noise * rng.standard_normal(n)


def plane(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """y = 0.8 x1 - 0.5 x2 + 0.2 plus noise: linear regression, solvable with no hidden layer."""
    x = rng.uniform(-1.0, 1.0, (n, 2))
    return x, 0.8 * x[:, 0] - 0.5 * x[:, 1] + 0.2 + noise * rng.standard_normal(n)


def bumps(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A Gaussian hill and a Gaussian pit: a non-linear 2D regression surface."""
    x = rng.uniform(-1.0, 1.0, (n, 2))
    hill = np.exp(-np.sum((x - np.array([0.4, 0.4])) ** 2, axis=1) / 0.1)
    pit = np.exp(-np.sum((x + np.array([0.4, 0.4])) ** 2, axis=1) / 0.1)
    return x, hill - pit + noise * rng.standard_normal(n)


# ---------------------------------------------------------------- shared pipeline steps


def split_indices(n: int, val_fraction: float, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Shuffle 0..n-1 and cut off the last `round(n * val_fraction)` indices for validation."""
    order = rng.permutation(n)
    n_val = round(n * val_fraction)
    return order[: n - n_val], order[n - n_val :]


def to_tensors(x: np.ndarray, y: np.ndarray, task: str) -> tuple[torch.Tensor, torch.Tensor]:
    """float32 inputs; targets shaped for the task's loss: class indices (int64) for
    CrossEntropyLoss, a float32 column for BCELoss and MSELoss."""
    inputs = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    if task == "multiclass":
        return inputs, torch.from_numpy(np.ascontiguousarray(y, dtype=np.int64))
    return inputs, torch.from_numpy(np.ascontiguousarray(y, dtype=np.float32).reshape(-1, 1))


# ---------------------------------------------------------------- registry


Generator = Callable[..., tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class DatasetKind:
    """One entry of the dataset menu. `n_classes` is the default for multiclass sets (the
    generator then takes an `n_classes` argument) and 1 for regression."""

    name: str
    task: Task
    input_dim: int
    n_classes: int
    description: str
    generator: Generator
    default_noise: float = 0.1


DATASETS: dict[str, DatasetKind] = {
    kind.name: kind
    for kind in (
        DatasetKind(
            name="circle",
            task="binary",
            input_dim=2,
            n_classes=2,
            description="a disk inside a ring",
            generator=circle,
        ),
        DatasetKind(
            name="xor",
            task="binary",
            input_dim=2,
            n_classes=2,
            description="four quadrants, diagonal classes",
            generator=xor,
        ),
        DatasetKind(
            name="gaussians",
            task="binary",
            input_dim=2,
            n_classes=2,
            description="two separable clouds",
            generator=gaussians,
        ),
        DatasetKind(
            name="spiral",
            task="binary",
            input_dim=2,
            n_classes=2,
            description="two interleaved spirals",
            generator=spiral,
            default_noise=0.05,
        ),
        DatasetKind(
            name="moons",
            task="binary",
            input_dim=2,
            n_classes=2,
            description="two interlocking half circles",
            generator=moons,
        ),
        DatasetKind(
            name="blobs",
            task="multiclass",
            input_dim=2,
            n_classes=3,
            description="several clouds, one per class",
            generator=blobs,
        ),
        DatasetKind(
            name="sine",
            task="regression",
            input_dim=1,
            n_classes=1,
            description="y = sin(x) with noise",
            generator=sine,
        ),
        DatasetKind(
            name="step",
            task="regression",
            input_dim=1,
            n_classes=1,
            description="a jump at x = 0",
            generator=step,
            default_noise=0.05,
        ),
        DatasetKind(
            name="plane",
            task="regression",
            input_dim=2,
            n_classes=1,
            description="a tilted plane",
            generator=plane,
        ),
        DatasetKind(
            name="bumps",
            task="regression",
            input_dim=2,
            n_classes=1,
            description="a hill and a pit",
            generator=bumps,
            default_noise=0.05,
        ),
    )
}


@dataclass(frozen=True)
class DatasetParams:
    """What regenerates a dataset exactly: plain data, so it can be saved and exported.
    `noise=None` means the dataset's own default; `n_classes` only applies to multiclass sets."""

    name: str = "circle"
    n: int = 200
    noise: float | None = None
    val_fraction: float = 0.2
    seed: int = 0
    n_classes: int | None = None

    def __post_init__(self) -> None:
        if self.name not in DATASETS:
            raise DatasetError(
                f"unknown dataset '{self.name}'{suggestion(self.name, DATASETS)}; "
                f"choose one of {', '.join(DATASETS)}"
            )
        if not 10 <= self.n <= MAX_POINTS:
            raise DatasetError(f"dataset size must be between 10 and {MAX_POINTS}, got {self.n}")
        if self.noise is not None and not (math.isfinite(self.noise) and 0 <= self.noise <= 2):
            raise DatasetError(f"noise must be between 0 and 2, got {self.noise}")
        _check_val_fraction(self.val_fraction)
        if self.n_classes is not None:
            if DATASETS[self.name].task != "multiclass":
                raise DatasetError(f"dataset '{self.name}' has a fixed number of classes")
            if not 2 <= self.n_classes <= MAX_CLASSES:
                raise DatasetError(
                    f"number of classes must be between 2 and {MAX_CLASSES}, got {self.n_classes}"
                )

    @property
    def kind(self) -> DatasetKind:
        return DATASETS[self.name]

    @property
    def effective_noise(self) -> float:
        return self.kind.default_noise if self.noise is None else self.noise

    @property
    def generator_kwargs(self) -> dict[str, int]:
        """Extra arguments for the generator (the class count of a multiclass set)."""
        if self.kind.task != "multiclass":
            return {}
        return {"n_classes": self.n_classes or self.kind.n_classes}


@dataclass(frozen=True)
class Dataset:
    """Training and validation tensors ready for a loss function, plus what a plot needs.
    `input_range` holds (low, high) per input dimension, with a margin around the points."""

    name: str
    task: Task
    n_classes: int
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    input_range: tuple[tuple[float, float], ...] = field(default=())

    @property
    def input_dim(self) -> int:
        return int(self.x_train.shape[1])

    @property
    def output_dim(self) -> int:
        """Output units of a matching network: one per class for multiclass, else one."""
        return self.n_classes if self.task == "multiclass" else 1


def make_dataset(params: DatasetParams) -> Dataset:
    """Generate, split and convert: the same params always give the same tensors."""
    rng = np.random.default_rng(params.seed)
    x, y = params.kind.generator(params.n, params.effective_noise, rng, **params.generator_kwargs)
    n_classes = params.generator_kwargs.get("n_classes", params.kind.n_classes)
    return _assemble(params.name, params.kind.task, n_classes, x, y, params.val_fraction, rng)


def _assemble(
    name: str,
    task: Task,
    n_classes: int,
    x: np.ndarray,
    y: np.ndarray,
    val_fraction: float,
    rng: np.random.Generator,
) -> Dataset:
    train_idx, val_idx = split_indices(len(x), val_fraction, rng)
    _check_training_points(name, task, n_classes, y[train_idx], val_fraction)
    x_train, y_train = to_tensors(x[train_idx], y[train_idx], task)
    x_val, y_val = to_tensors(x[val_idx], y[val_idx], task)
    return Dataset(
        name=name,
        task=task,
        n_classes=n_classes,
        x_train=x_train,
        y_train=y_train,
        x_val=x_val,
        y_val=y_val,
        input_range=_input_range(x),
    )


def _check_training_points(
    name: str, task: Task, n_classes: int, y_train: np.ndarray, val_fraction: float
) -> None:
    """Training needs a point, and a classifier a point of every class: an empty training set
    cannot even give a loss, a missing class can never be predicted."""
    if len(y_train) == 0:
        raise DatasetError(
            f"{name}: a validation share of {val_fraction:g} leaves no training point; lower it"
        )
    if task != "regression" and len(np.unique(y_train)) < n_classes:
        raise DatasetError(
            f"{name}: a validation share of {val_fraction:g} leaves a class without training "
            "points; lower it"
        )


def _input_range(x: np.ndarray) -> tuple[tuple[float, float], ...]:
    """Bounds per input with a 10% margin, so a decision-boundary plot shows some context;
    never beyond float32's range (the prediction grid is fed to the network in float32), and
    never empty, even for one repeated huge value."""
    low, high = x.min(axis=0), x.max(axis=0)
    scale = np.maximum(1.0, np.maximum(np.abs(low), np.abs(high)))
    margin = 0.1 * np.maximum(high - low, 1e-6 * scale)
    bounds = np.clip([low - margin, high + margin], -FLOAT32_MAX, FLOAT32_MAX)
    return tuple((float(lo), float(hi)) for lo, hi in zip(*bounds, strict=True))


def _check_val_fraction(val_fraction: float) -> None:
    if not (math.isfinite(val_fraction) and 0 <= val_fraction <= MAX_VAL_FRACTION):
        raise DatasetError(
            f"validation fraction must be between 0 and {MAX_VAL_FRACTION}, got {val_fraction}"
        )


# ---------------------------------------------------------------- CSV files

FLOAT32_MAX = float(np.finfo(np.float32).max)
MAX_LINE_CHARS = 1_000
"""A row of three numbers takes well under a hundred characters: a longer line is no row of
this format, and reading it whole (a 20 MB single line) would cost memory for nothing."""
CHUNK_ROWS = 2_000
"""Rows parsed per `CsvReadJob.advance()`: a few milliseconds, so a stop request or a newer
choice is heard almost at once when a worker reads a large file."""


@dataclass(frozen=True)
class CsvTable:
    """The numbers of a CSV file before the split: kept so that a new validation share or seed
    splits the points again without reading the file again."""

    name: str
    x: np.ndarray
    labels: np.ndarray

    def dataset(self, val_fraction: float = 0.2, seed: int = 0) -> Dataset:
        """Whole-number labels with 2 to MAX_CLASSES distinct values make a classification set
        (labels renumbered 0..k-1 in sorted order); anything else is regression."""
        _check_val_fraction(val_fraction)
        task, n_classes, y = _infer_task(self.name, self.labels)
        rng = np.random.default_rng(seed)
        return _assemble(self.name, task, n_classes, self.x, y, val_fraction, rng)


@dataclass(frozen=True)
class CsvProgress:
    """A `CsvReadJob`'s snapshot: data rows parsed so far, then the table or the error."""

    path: Path
    rows: int
    table: CsvTable | None = None
    error: str | None = None


class CsvReadJob:
    """Reads `x1, x2, label` rows (an optional header line), CHUNK_ROWS per `advance()`.

    A steppable job, so that the UI's worker can read a large file off the GUI thread and drop
    it between two chunks. Reading stops at the first bad row or at row MAX_POINTS + 1, never
    later. A bad file ends the job with `error` set rather than raising from `advance()` (a
    worker would report a traceback's type name); only the cheap checks made on construction
    (the file exists, is a file, is not too large) raise `DatasetError`.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        if not os.fspath(path):
            raise DatasetError("no file name given")
        self.path = Path(path)
        self.size = _checked_size(self.path)
        self._rows: list[list[float]] = []
        self._parser = _parse_rows(self.path)
        self._table: CsvTable | None = None
        self._error: str | None = None
        self._done = False

    def advance(self) -> bool:
        """Parse the next chunk of rows; False once the table or the error is known."""
        if self._done:
            return False
        before = len(self._rows)
        try:
            for row in itertools.islice(self._parser, CHUNK_ROWS):
                self._rows.append(row)
            if len(self._rows) - before == CHUNK_ROWS:
                return True
            self._table = _table(self.path, self._rows)
        except DatasetError as error:
            self._error = str(error)
        self._parser.close()
        self._done = True
        return False

    def snapshot(self) -> CsvProgress:
        return CsvProgress(self.path, len(self._rows), self._table, self._error)

    def read(self) -> CsvTable:
        """Read to the end here and now; raises `DatasetError` for a bad file."""
        while self.advance():
            pass
        if self._error is not None:
            raise DatasetError(self._error)
        assert self._table is not None  # a finished job has one or the other
        return self._table


def load_csv(path: str | os.PathLike[str], val_fraction: float = 0.2, seed: int = 0) -> Dataset:
    """Read a CSV file (see `CsvReadJob`) and split it (see `CsvTable.dataset`)."""
    _check_val_fraction(val_fraction)
    return CsvReadJob(path).read().dataset(val_fraction, seed)


def _checked_size(file: Path) -> int:
    """The file's size, after refusing what is no readable file or too large to be a dataset.
    Only a regular file with bytes in it is read: a pipe or a device may block the reader
    forever, and so may a system file that reports 0 bytes (/proc/kmsg)."""
    name = file.name or repr(str(file))  # '/' has no name of its own
    try:
        info = file.stat()
    except FileNotFoundError:
        raise DatasetError(f"no such file: {file}") from None
    except OSError as error:
        raise DatasetError(f"cannot read {name}: {_reason(error)}") from None
    except ValueError as error:  # a NUL character in the name
        raise DatasetError(f"{str(file)!r} cannot be a file name: {error}") from None
    if stat.S_ISDIR(info.st_mode):
        raise DatasetError(f"{name} is a folder, not a CSV file")
    if not stat.S_ISREG(info.st_mode):
        raise DatasetError(f"{name} is not a regular file")
    if info.st_size == 0:
        raise DatasetError(
            f"{name} has a size of 0 bytes (empty, or a system file):"
            " a CSV file needs at least 2 data rows"
        )
    if info.st_size > MAX_CSV_BYTES:
        raise DatasetError(f"{name} is larger than {MAX_CSV_BYTES // (1024 * 1024)} MB")
    return info.st_size


def _parse_rows(file: Path) -> Iterator[list[float]]:
    """Yield each data row's three numbers; raise `DatasetError` at the first bad line, or
    once there are more than MAX_POINTS rows (without reading further)."""
    count = 0
    first = True
    try:
        with file.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(_bounded_lines(handle, file.name))
            for cells in reader:
                if not any(cell.strip() for cell in cells):
                    continue
                values = _row_values(cells, f"{file.name} line {reader.line_num}", first)
                first = False
                if values is None:
                    continue
                count += 1
                if count > MAX_POINTS:
                    raise DatasetError(
                        f"{file.name} has more than {MAX_POINTS} rows; the limit is {MAX_POINTS}"
                    )
                yield values
    except OSError as error:
        raise DatasetError(f"cannot read {file.name}: {_reason(error)}") from None
    except (UnicodeDecodeError, csv.Error) as error:
        reason = "not UTF-8 text" if isinstance(error, UnicodeDecodeError) else str(error)
        raise DatasetError(f"{file.name} is not a readable CSV text file ({reason})") from None


def _bounded_lines(handle: TextIO, name: str) -> Iterator[str]:
    """The file's lines, refusing one longer than MAX_LINE_CHARS without reading it whole."""
    number = 0
    while line := handle.readline(MAX_LINE_CHARS + 1):
        number += 1
        if len(line.rstrip("\r\n")) > MAX_LINE_CHARS:
            raise DatasetError(
                f"{name} line {number}: longer than {MAX_LINE_CHARS} characters, "
                "not a row of x1, x2, label"
            )
        yield line


def _row_values(cells: list[str], where: str, first: bool) -> list[float] | None:
    """The row's numbers, or None for a header: a first row of nothing but non-numbers. A row
    that mixes numbers and other text is an error, even the first (it is no header)."""
    if len(cells) != 3:
        raise DatasetError(f"{where}: expected 3 columns (x1, x2, label), got {len(cells)}")
    values = [_number(cell) for cell in cells]
    if first and all(value is None for value in values):
        return None
    for cell, value in zip(cells, values, strict=True):
        shown = repr(cell.strip()[:30])
        if value is None:
            raise DatasetError(f"{where}: {shown} is not a number")
        if not math.isfinite(value):
            raise DatasetError(f"{where}: {shown} is NaN or infinite")
        if abs(value) > FLOAT32_MAX:
            raise DatasetError(
                f"{where}: {shown} is beyond ±{FLOAT32_MAX:.4g}, the float32 range torch uses"
            )
    return [value for value in values if value is not None]


def _number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def _reason(error: OSError) -> str:
    return error.strerror or type(error).__name__


def _table(file: Path, rows: list[list[float]]) -> CsvTable:
    if len(rows) < 2:
        raise DatasetError(f"{file.name} needs at least 2 data rows, found {len(rows)}")
    table = np.array(rows, dtype=np.float64)
    return CsvTable(name=file.stem, x=table[:, :2], labels=table[:, 2])


def _infer_task(name: str, labels: np.ndarray) -> tuple[Task, int, np.ndarray]:
    distinct = np.unique(labels)
    if len(distinct) == 1:
        raise DatasetError(_single_label(name, float(distinct[0])))
    if np.all(distinct == np.round(distinct)) and len(distinct) <= MAX_CLASSES:
        classes = np.searchsorted(distinct, labels).astype(np.int64)
        return ("binary" if len(distinct) == 2 else "multiclass"), len(distinct), classes
    return "regression", 1, labels


def _single_label(name: str, label: float) -> str:
    """Why a file whose rows all share one label cannot be learned, in the student's terms:
    a whole number reads as a class, anything else as a regression target."""
    if label == round(label):
        return f"{name}: all rows have class {label:g}: a classifier needs at least two classes"
    return f"{name}: all rows have the target {label:g}: a regression needs targets that vary"
