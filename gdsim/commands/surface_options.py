"""The options that say which surface to run on, from where, with which optimizer: shared by
`gdsim run` and every sub-command that simulates on a surface (sweep, basins), so that
`--surface`, `--param`, `--start`, `--optimizer`, `--momentum` and `--steps` mean the same
everywhere and are checked the same way.

`add_surface_options(parser)` adds them; `surface_setup(args)` reads them into the core's
objects, or raises `common.UsageError` with one line. Learning rates are each command's own
business (one, several, a range), so they are not here.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gdsim.commands import common
from gdsim.core.limits import MAX_SURFACE_STEPS

if TYPE_CHECKING:
    from gdsim.core.surfaces import Surface


@dataclass(frozen=True)
class SurfaceSetup:
    """What the surface options name."""

    surface: Surface
    start: tuple[float, ...]
    optimizer: str
    hyper: dict[str, float]
    steps: int


def add_surface_options(parser: argparse.ArgumentParser, default_steps: int = 100) -> None:
    """--surface (required), --optimizer, --momentum, --start, --steps, --param."""
    common.registry_option(
        parser,
        "--surface",
        registry="gdsim.core.surfaces:SURFACES",
        help="a registry name ({names}) or a formula in w, or in x and y",
        required=True,
    )
    common.registry_option(
        parser,
        "--optimizer",
        registry="gdsim.core.optimizers:SURFACE_OPTIMIZERS",
        help="{names} (default gd; momentum when --momentum is given)",
        default=None,
    )
    parser.add_argument("--momentum", default=None, help="momentum coefficient beta (0 = none)")
    parser.add_argument("--start", default=None, help="start point: X for 1D, X,Y for 2D")
    parser.add_argument(
        "--steps", default=str(default_steps), help=f"number of steps (default {default_steps})"
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="surface parameter, e.g. kappa=50 for ill_conditioned",
    )


def surface_setup(args: argparse.Namespace) -> SurfaceSetup:
    """The surface, start, optimizer and steps the options name; UsageError says what is
    wrong in one line."""
    from gdsim.core.expr import ExpressionError
    from gdsim.core.surfaces import get_surface

    try:
        surface = get_surface(args.surface, **_surface_params(args.param))
    except ExpressionError as error:
        raise common.UsageError(f"bad --surface expression: {error}") from None
    except ValueError as error:
        raise common.UsageError(str(error)) from None
    optimizer, hyper = _optimizer_and_hyper(args.optimizer, args.momentum)
    start = (
        common.float_tuple(args.start, surface.dim, "--start")
        if args.start is not None
        else tuple(surface.start)
    )
    steps = common.int_in_range(args.steps, 1, MAX_SURFACE_STEPS, "--steps")
    return SurfaceSetup(surface, start, optimizer, hyper, steps)


def surface_document(surface: Surface) -> dict[str, object]:
    """How every command's JSON names the surface it ran on."""
    return {"name": surface.name, "expression": surface.expression, "dim": surface.dim}


def _surface_params(pairs: list[str]) -> dict[str, float]:
    params = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise common.UsageError(f"--param '{pair}' must look like NAME=VALUE")
        params[name.strip()] = common.float_tuple(value, 1, f"--param {name.strip()}")[0]
    return params


def _optimizer_and_hyper(name: str | None, momentum: str | None) -> tuple[str, dict[str, float]]:
    """Resolve the optimizer; `--momentum` alone means heavy-ball momentum. Its range is the
    optimizer's own (the one the simulation checks), so the two can never disagree."""
    from gdsim.core.optimizers import get_surface_optimizer

    if name is None:
        name = "gd" if momentum is None else "momentum"
    try:
        spec = get_surface_optimizer(name)
    except ValueError as error:
        raise common.UsageError(str(error)) from None
    if momentum is None:
        return name, {}
    beta = common.float_tuple(momentum, 1, "--momentum")[0]
    if "momentum" not in {h.name for h in spec.hyper}:
        raise common.UsageError(f"optimizer '{name}' has no momentum; try --optimizer momentum")
    try:
        spec.resolve({"momentum": beta})
    except ValueError as error:
        raise common.UsageError(f"--momentum: {error}") from None
    return name, {"momentum": beta}
