"""Basins of attraction: which known minimum each start of a grid over the plot reaches.

"If we start in different places, will we always find the same spot?" A G x G grid of starts
over a 2D surface's plot domain (cell centres, rows = y, columns = x, as the heat map is drawn)
runs together at one learning rate and optimizer through ``final_states``, the memory-light
path of ``simulate`` (40,000 runs x 200 steps would hold ~0.5 GB of history). Each start gets a
label: the index of the known minimum its run ends within ``BASIN_TOLERANCE`` of, ``DIVERGED``
(the run left the simulation's bounds or became non-finite) or ``OTHER`` (it ended anywhere
else: still on its way, oscillating, or in a minimum the surface does not list), and the steps
it needed: the step since which it has stayed that close to where it ends.

``BasinsJob`` is the same computation as a steppable job for the worker: a coarse grid first
(drawn while the fine one computes), then the chosen grid, a chunk of starts per unit of work
so that cancelling never waits long.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from gdsim.core.limits import MAX_SURFACE_STEPS
from gdsim.core.simulate import final_states
from gdsim.core.surfaces import Surface
from gdsim.core.verdict import reference_minimum

OTHER = -1
"""Label of a start whose run ended near no known minimum (and did not diverge)."""

DIVERGED = -2
"""Label of a start whose run left the bounds or became non-finite."""

BASIN_TOLERANCE = 0.01
"""A run has reached a minimum once within this fraction of the plot's (smaller) width of it:
closer than that, the two are one point on the plot."""

MIN_GRID, MAX_GRID = 2, 400
DEFAULT_GRID = 200
COARSE_GRID = 50
"""The grid drawn first, while the chosen one computes (a few tens of milliseconds)."""

SEARCH_GRID = 5
"""A typed formula lists no minima: they are looked for from this many starts a side."""

CHUNK = 2048
"""Starts per unit of work in ``BasinsJob`` (~10-25 ms x 200 steps here): a cancelled or
superseded job ends that soon, and the GUI thread waits no longer when it stops one."""


@dataclass(frozen=True)
class BasinSettings:
    """What a basin map depends on besides the surface."""

    lr: float
    steps: int
    grid: int = DEFAULT_GRID
    optimizer: str = "gd"
    hyper: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class BasinMap:
    """Labels and steps per start (G, G), rows = y from ``y_range[0]`` up, columns = x."""

    settings: BasinSettings
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    minima: tuple[tuple[float, ...], ...]
    labels: np.ndarray
    steps: np.ndarray

    @property
    def grid(self) -> int:
        return int(self.labels.shape[0])

    def fractions(self) -> np.ndarray:
        """The fraction of starts in each known minimum's basin, in ``minima``'s order."""
        return np.array([np.mean(self.labels == m) for m in range(len(self.minima))])

    @property
    def diverged_fraction(self) -> float:
        return float(np.mean(self.labels == DIVERGED))

    @property
    def other_fraction(self) -> float:
        return float(np.mean(self.labels == OTHER))

    def cell(self, x: float, y: float) -> tuple[int, int] | None:
        """(row, column) of the start whose cell holds the point, None off the grid."""
        column = _index(x, self.x_range, self.grid)
        row = _index(y, self.y_range, self.grid)
        return None if column is None or row is None else (row, column)

    def describe(self, x: float, y: float) -> str:
        """What a start at (x, y) does, for the status bar: "basin: minimum (3, 2), 14 steps",
        "basin: diverged", "basin: no minimum in 200 steps"; "" off the grid."""
        cell = self.cell(x, y)
        if cell is None:
            return ""
        label, steps = int(self.labels[cell]), int(self.steps[cell])
        if label == DIVERGED:
            return "basin: diverged"
        if label == OTHER:
            return f"basin: no minimum in {self.settings.steps} steps"
        unit = "step" if steps == 1 else "steps"
        return f"basin: minimum {point_name(self.minima[label])}, {steps} {unit}"


def legend_entries(basins: BasinMap) -> list[tuple[int, str]]:
    """(label, words) for a legend short enough for a projector ("basin of" is its title's):
    every known minimum with its share of the starts ("(3, 2) 26 %"), then "diverged" and
    "no minimum" when some starts are."""
    entries = [
        (m, f"{point_name(point)} {_percent(fraction)}")
        for m, (point, fraction) in enumerate(zip(basins.minima, basins.fractions(), strict=True))
    ]
    if basins.diverged_fraction > 0:
        entries.append((DIVERGED, f"diverged {_percent(basins.diverged_fraction)}"))
    if basins.other_fraction > 0:
        entries.append((OTHER, f"no minimum {_percent(basins.other_fraction)}"))
    return entries


def _percent(fraction: float) -> str:
    return f"{100 * fraction:.0f} %" if fraction == 0 or fraction >= 0.01 else "< 1 %"


def point_name(point: tuple[float, ...]) -> str:
    """A minimum as people say it: (3, 2), (-2.81, 3.13)."""
    return "(" + ", ".join(f"{round(c, 2):g}" for c in point) + ")"


def check_settings(surface: Surface, settings: BasinSettings) -> None:
    """A one-line ValueError for what cannot be mapped (the CLI and the view say it)."""
    if surface.dim != 2:
        raise ValueError(f"basins need a 2D surface; {surface.title} has {surface.dim} variable")
    if not MIN_GRID <= settings.grid <= MAX_GRID:
        raise ValueError(f"the grid must be {MIN_GRID} to {MAX_GRID} starts a side")
    if not 0 <= settings.steps <= MAX_SURFACE_STEPS:
        raise ValueError(f"the number of steps must be 0 to {MAX_SURFACE_STEPS}")


def grid_starts(surface: Surface, grid: int) -> np.ndarray:
    """The starts (G*G, 2), cell centres over the plot domain, row by row from the bottom."""
    (x_low, x_high), (y_low, y_high) = surface.domain
    xs = x_low + (np.arange(grid) + 0.5) * (x_high - x_low) / grid
    ys = y_low + (np.arange(grid) + 0.5) * (y_high - y_low) / grid
    x, y = np.meshgrid(xs, ys)
    return np.column_stack([x.ravel(), y.ravel()])


def surface_minima(surface: Surface, tolerance: float) -> np.ndarray:
    """The minima the starts are labelled by (M, 2): a named surface's known ones; for a
    typed formula, which lists none, each distinct local minimum the minimiser the critical
    rates use reaches from a ``SEARCH_GRID`` grid of starts over the plot."""
    if surface.minima:
        return np.asarray(surface.minima, dtype=float).reshape(-1, 2)
    found: list[tuple[float, ...]] = []
    for start in grid_starts(surface, SEARCH_GRID):
        point = reference_minimum(surface, start)
        if point is not None and all(
            np.linalg.norm(np.subtract(point, seen)) > tolerance for seen in found
        ):
            found.append(point)
    return np.asarray(found, dtype=float).reshape(-1, 2)


def compute_basins(surface: Surface, settings: BasinSettings) -> BasinMap:
    """The whole map at once, in one unit of work (the command line: nothing to cancel, and
    fewer, larger units spend less time in Python per start); the view uses ``BasinsJob``."""
    job = BasinsJob(surface, settings, coarse=False, chunk=settings.grid**2)
    while job.advance():
        pass
    done = job.snapshot().map
    assert done is not None  # the job's last advance completes the map
    return done


@dataclass(frozen=True)
class BasinsSnapshot:
    """What the view draws now: the finest map completed (None before the first), and how
    much of the whole job is done (0 to 1)."""

    settings: BasinSettings
    map: BasinMap | None
    progress: float


class BasinsJob:
    """The map as a steppable job (``gdsim.ui.workers.JobRunner``'s protocol): with
    ``coarse``, a ``COARSE_GRID`` map first, then the chosen grid, ``chunk`` starts a unit."""

    def __init__(
        self, surface: Surface, settings: BasinSettings, coarse: bool = True, chunk: int = CHUNK
    ) -> None:
        check_settings(surface, settings)
        self._chunk = chunk
        self._surface = surface
        self._settings = settings
        grids = [settings.grid]
        if coarse and settings.grid > COARSE_GRID:
            grids.insert(0, COARSE_GRID)
        self._grids = grids
        self._stages = [grid_starts(surface, grid) for grid in grids]
        self._total = sum(len(starts) for starts in self._stages)
        self._done = 0
        self._stage = 0
        self._offset = 0
        self._labels = np.empty(0, dtype=int)
        self._steps = np.empty(0, dtype=int)
        self._map: BasinMap | None = None
        width = min(high - low for low, high in surface.domain)
        self._tolerance = BASIN_TOLERANCE * width
        self._minima: np.ndarray | None = None
        """Found in the first unit of work (a typed formula's take a minimiser: the worker's)."""

    def advance(self) -> bool:
        if self._minima is None:
            self._minima = surface_minima(self._surface, self._tolerance)
        starts = self._stages[self._stage]
        if self._offset == 0:
            self._labels = np.empty(len(starts), dtype=int)
            self._steps = np.empty(len(starts), dtype=int)
        chunk = slice(self._offset, self._offset + self._chunk)
        settings = self._settings
        ends = final_states(
            self._surface,
            starts[chunk],
            settings.lr,
            settings.steps,
            settings.optimizer,
            settings.hyper,
            tolerance=self._tolerance,
        )
        labels = nearest_minimum(ends.points, self._minima, self._tolerance)
        labels[ends.stopped_at >= 0] = DIVERGED
        self._labels[chunk] = labels
        self._steps[chunk] = np.where(labels >= 0, ends.settled_at, -1)
        done = len(starts[chunk])
        self._offset += done
        self._done += done
        if self._offset < len(starts):
            return True
        grid = self._grids[self._stage]
        self._map = BasinMap(
            settings=settings,
            x_range=self._surface.domain[0],
            y_range=self._surface.domain[1],
            minima=tuple(tuple(float(c) for c in m) for m in self._minima),
            labels=self._labels.reshape(grid, grid),
            steps=self._steps.reshape(grid, grid),
        )
        self._stage += 1
        self._offset = 0
        return self._stage < len(self._stages)

    def snapshot(self) -> BasinsSnapshot:
        return BasinsSnapshot(self._settings, self._map, self._done / self._total)


def nearest_minimum(points: np.ndarray, minima: np.ndarray, tolerance: float) -> np.ndarray:
    """Per point (K, 2), the index of the minimum (M, 2) within ``tolerance`` of it, or
    ``OTHER`` (NaN points, those of stopped runs, are near nothing)."""
    labels = np.full(len(points), OTHER)
    if len(minima):
        with np.errstate(invalid="ignore"):
            distances = np.linalg.norm(points[:, None, :] - minima[None, :, :], axis=2)
            nearest = np.argmin(np.nan_to_num(distances, nan=np.inf), axis=1)
            close = distances[np.arange(len(points)), nearest] <= tolerance
        labels[close] = nearest[close]
    return labels


def _index(value: float, span: tuple[float, float], count: int) -> int | None:
    low, high = span
    if not low <= value <= high:
        return None
    return min(int((value - low) / (high - low) * count), count - 1)
