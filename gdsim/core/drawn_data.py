"""Points a student draws on the decision plot, as a dataset and as CSV text (Qt-free).

Drawing one's own data answers "what if the classes overlapped here?" faster than any generator.
The points become a dataset the way a loaded CSV file does (`CsvTable.dataset`: the same split
and checks), and they are saved in the very format the dataset picker loads, so a drawn set can
be kept and loaded back.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, replace

import numpy as np

from gdsim.core.datasets import (
    FLOAT32_MAX,
    MAX_CLASSES,
    MAX_POINTS,
    CsvTable,
    Dataset,
    DatasetError,
)

MIN_PER_CLASS = 4
"""Fewer points of a class than this leave the validation share nothing to take, or a class
one stray click wide: training waits for more."""

CANVAS = ((-1.5, 1.5), (-1.5, 1.5))
"""The plane a drawing starts on (the generated sets lie within about ±1.2); the plot keeps it
while points are added, so the view does not jump at every click."""

NAME = "drawn"

Point = tuple[float, float, int]


@dataclass(frozen=True)
class DrawnPoints:
    """(x1, x2, class) per point, in the order drawn."""

    points: tuple[Point, ...] = ()

    def __post_init__(self) -> None:
        if len(self.points) > MAX_POINTS:
            raise DatasetError(f"at most {MAX_POINTS} drawn points, got {len(self.points)}")
        for index, (x1, x2, label) in enumerate(self.points):
            if not all(math.isfinite(v) and abs(v) <= FLOAT32_MAX for v in (x1, x2)):
                raise DatasetError(f"drawn point {index}: coordinates must be finite numbers")
            if not 0 <= label < MAX_CLASSES:
                raise DatasetError(
                    f"drawn point {index}: class must be 0 to {MAX_CLASSES - 1}, got {label}"
                )

    def __len__(self) -> int:
        return len(self.points)

    def added(self, x1: float, x2: float, label: int) -> DrawnPoints:
        return DrawnPoints((*self.points, (float(x1), float(x2), int(label))))

    def counts(self) -> dict[int, int]:
        """Points per class drawn so far, by class."""
        return dict(sorted(Counter(label for _, _, label in self.points).items()))

    def shortfall(self) -> str | None:
        """Why these points cannot train yet, in one line, or None once they can. Once two
        classes are drawn it names the classes that are short ("class 2 has 1 point: ..."):
        with 7 points in each of two classes, a stray click of a third is what blocks
        training, and a generic "at least 4 of each" would not say so."""
        counts = self.counts()
        short = {label: n for label, n in counts.items() if n < MIN_PER_CLASS}
        if len(counts) >= 2 and not short:
            return None
        if len(counts) >= 2:
            which = ", ".join(
                f"class {label} has {n} point{'' if n == 1 else 's'}" for label, n in short.items()
            )
            undo = "it" if len(short) == 1 else "them"
            return (
                f"{which}: draw at least {MIN_PER_CLASS} points of each class, "
                f"or undo {undo} (Edit > Undo)"
            )
        shown = {0: 0, 1: 0, **counts}
        so_far = ", ".join(f"class {k}: {n}" for k, n in shown.items())
        return (
            f"draw at least {MIN_PER_CLASS} points of each of 2 or more classes "
            f"(left click: the chosen class, right click: class 1); so far {so_far}"
        )

    def dataset(self, val_fraction: float, seed: int) -> Dataset:
        """The points split like a loaded CSV file's, on at least the drawing's canvas.
        Raises `DatasetError` (one line) while they cannot train (`shortfall`)."""
        why = self.shortfall()
        if why is not None:
            raise DatasetError(why)
        table = np.array(self.points, dtype=np.float64)
        data = CsvTable(NAME, table[:, :2], table[:, 2]).dataset(val_fraction, seed)
        spans = (
            (min(low, canvas[0]), max(high, canvas[1]))
            for (low, high), canvas in zip(data.input_range, CANVAS, strict=True)
        )
        return replace(data, input_range=tuple(spans))

    def csv_text(self) -> str:
        """A header and one `x1,x2,label` row per point (`repr` floats: read back exactly)."""
        rows = (f"{x1!r},{x2!r},{label}" for x1, x2, label in self.points)
        return "\n".join(["x1,x2,label", *rows]) + "\n"

    def to_json(self) -> list[list[float]]:
        return [[x1, x2, label] for x1, x2, label in self.points]
