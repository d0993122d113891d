"""The surface explorer's whole state as data: what is shown, which runs, which one is edited.

The panel's widgets only show a ``SurfaceState`` and report edits of it, so the learning rate
(or a start, or the step budget) lives in one place. A state is checked whole
(``check``) before anything is shown: a session or lesson file with one bad field is refused
with that field's path, never half applied.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from gdsim.core.expr import ExpressionError
from gdsim.core.limits import MAX_RUNS, MAX_SURFACE_STEPS
from gdsim.core.optimizers import SURFACE_OPTIMIZERS, get_surface_optimizer
from gdsim.core.simulate import RunSpec
from gdsim.core.state.fields import STATE_VERSION, Fields, StateError
from gdsim.core.surfaces import SURFACES, Surface, get_surface, with_domain

MIN_LR = 1e-5
"""The smallest step size offered: Goldstein-Price from its start needs 3.2e-5 not to diverge."""
MAX_LR = 10.0
"""The largest step size the slider offers (an added run halves rather than pass it)."""

DEFAULT_STEPS = {1: 100, 2: 200}
"""The step budget a new surface gets, by dimension (2D valleys need more steps)."""

_FIELDS = (
    "version", "surface", "params", "domain", "runs", "selected", "steps", "compare",
    "position", "demo",
)  # fmt: skip
_RUN_FIELDS = ("lr", "optimizer", "hyper", "start", "noise", "seed")

Box = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class SurfaceState:
    """``surface`` is a registry name or a typed formula; ``params`` a named surface's (kappa);
    ``domain`` a typed formula's plot box (None: its default); ``position`` the playback step
    shown (None: every iterate); ``demo`` the name of the lecture demo shown, if any."""

    surface: str = "parabola"
    params: Mapping[str, float] = field(default_factory=dict)
    domain: Box | None = None
    runs: tuple[RunSpec, ...] = (RunSpec(lr=0.2),)
    selected: int = 0
    steps: int = DEFAULT_STEPS[1]
    compare: bool = False
    position: int | None = None
    demo: str | None = None

    def selected_run(self) -> RunSpec:
        return self.runs[self.selected]

    def make_surface(self) -> Surface:
        """The surface to draw and simulate; raises StateError naming the field at fault."""
        try:
            surface = get_surface(self.surface, **self.params)
        except (ExpressionError, ValueError) as error:
            where = "params" if self.params and self.surface.strip() in SURFACES else "surface"
            raise StateError(f"{where}: {error}") from None
        if self.domain is None:
            return surface
        if not surface.typed:
            raise StateError("domain: only a typed formula takes a domain")
        try:
            return with_domain(surface, self.domain)
        except ValueError as error:
            raise StateError(f"domain: {error}") from None

    def check(self) -> Surface:
        """Every field checked against the others (a start as long as the surface has
        variables, ``selected`` among the runs); returns the surface so it is built once."""
        surface = self.make_surface()
        if not 1 <= len(self.runs) <= MAX_RUNS:
            raise StateError(f"runs: must hold 1 to {MAX_RUNS} entries, got {len(self.runs)}")
        for index, run in enumerate(self.runs):
            _check_run(run, f"runs[{index}]", surface.dim)
        if not 0 <= self.selected < len(self.runs):
            raise StateError(
                f"selected: must be a run's index from 0 to {len(self.runs) - 1}, "
                f"got {self.selected}"
            )
        if not 1 <= self.steps <= MAX_SURFACE_STEPS:
            raise StateError(
                f"steps: must be a whole number from 1 to {MAX_SURFACE_STEPS}, got {self.steps}"
            )
        if not self.compare and len(self.runs) > 1:
            raise StateError(f"compare: must be on to show {len(self.runs)} runs")
        if self.position is not None and not 0 <= self.position <= self.steps:
            raise StateError(
                f"position: must be a step from 0 to {self.steps}, got {self.position}"
            )
        return surface

    def to_dict(self) -> dict:
        """Plain JSON types only (lists, not tuples), with this format's version."""
        return {
            "version": STATE_VERSION,
            "surface": self.surface,
            "params": dict(self.params),
            "domain": None if self.domain is None else [list(pair) for pair in self.domain],
            "runs": [_run_dict(run) for run in self.runs],
            "selected": self.selected,
            "steps": self.steps,
            "compare": self.compare,
            "position": self.position,
            "demo": self.demo,
        }

    @classmethod
    def from_dict(cls, data: object) -> SurfaceState:
        """A checked state from ``to_dict``'s output (or a hand-edited copy: a missing field
        takes its default, as in ``NetworkState``); StateError with the bad field's path."""
        fields = Fields(data)
        fields.only(_FIELDS)
        fields.version()
        steps = fields.integer("steps", DEFAULT_STEPS[1], low=1, high=MAX_SURFACE_STEPS)
        default = cls()
        runs = (
            tuple(_read_run(run) for run in fields.children("runs", 1, MAX_RUNS))
            if fields.has("runs")
            else default.runs
        )
        state = cls(
            surface=fields.string("surface", default.surface),
            params=fields.number_map("params", {}),
            domain=_read_domain(fields),
            runs=runs,
            selected=fields.integer("selected", 0),
            steps=steps,
            compare=fields.boolean("compare", False),
            position=fields.integer("position", low=0) if fields.has("position") else None,
            demo=fields.string("demo") if fields.has("demo") else None,
        )
        state.check()
        return state


def _check_run(run: RunSpec, path: str, dim: int) -> None:
    if not (math.isfinite(run.lr) and MIN_LR <= run.lr <= MAX_LR):
        raise StateError(
            f"{path}.lr: must lie between {MIN_LR:g} and {MAX_LR:g} (the step-size slider's "
            f"range), got {run.lr:g}"
        )
    try:
        get_surface_optimizer(run.optimizer).resolve(run.hyper)
    except ValueError as error:
        where = "hyper" if run.optimizer in SURFACE_OPTIMIZERS else "optimizer"
        raise StateError(f"{path}.{where}: {error}") from None
    if run.start is not None and len(run.start) != dim:
        raise StateError(
            f"{path}.start: must be {dim} number(s) on this {dim}D surface, got {len(run.start)}"
        )
    if not (math.isfinite(run.noise) and run.noise >= 0):
        raise StateError(f"{path}.noise: must be a finite number from 0, got {run.noise:g}")
    if run.seed < 0:
        raise StateError(f"{path}.seed: must be a whole number from 0, got {run.seed}")


def _run_dict(run: RunSpec) -> dict:
    return {
        "lr": run.lr,
        "optimizer": run.optimizer,
        "hyper": dict(run.hyper),
        "start": None if run.start is None else list(run.start),
        "noise": run.noise,
        "seed": run.seed,
    }


def _read_run(fields: Fields) -> RunSpec:
    fields.only(_RUN_FIELDS)
    start = fields.numbers("start", None)
    return RunSpec(
        lr=fields.number("lr", low=MIN_LR, high=MAX_LR),
        optimizer=fields.string("optimizer", "gd"),
        hyper=fields.number_map("hyper", {}),
        start=start or None,
        noise=fields.number("noise", 0.0, low=0.0),
        seed=fields.integer("seed", 0),
    )


def _read_domain(fields: Fields) -> Box | None:
    if not fields.has("domain"):
        return None
    value = fields.raw("domain")
    if not isinstance(value, list | tuple) or not value:
        raise fields.fail("domain", "must be a list of (from, to) pairs")
    pairs = Fields({f"domain[{k}]": pair for k, pair in enumerate(value)})
    return tuple(pairs.numbers(f"domain[{k}]", length=2) for k in range(len(value)))  # type: ignore[misc]
