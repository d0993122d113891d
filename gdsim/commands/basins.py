"""`gdsim basins`: which known minimum each start of a grid over a 2D surface reaches.

`gdsim basins --surface S --lr ETA [--optimizer NAME] [--momentum B] [--steps N] [--grid G]
[--param NAME=VALUE ...] [--json]`. The JSON document has `surface`, `lr`, `optimizer`,
`steps`, `grid`, `minima` (each {`point`, `fraction`}), `diverged_fraction` and
`other_fraction` (ended near no known minimum); the fractions add up to 1.
"""

from __future__ import annotations

import argparse

from gdsim.commands import common
from gdsim.commands.surface_options import add_surface_options, surface_document, surface_setup

DEFAULT_GRID = 100
DEFAULT_STEPS = 200


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "basins",
        help="basins of attraction of a 2D surface's minima",
        description=(
            "Run a G x G grid of starts over a 2D surface's plot and say which share of them "
            "reaches each of its known minima, diverges, or ends elsewhere."
        ),
    )
    add_surface_options(parser, default_steps=DEFAULT_STEPS)
    parser.add_argument("--lr", required=True, metavar="ETA", help="the learning rate")
    parser.add_argument(
        "--grid",
        default=str(DEFAULT_GRID),
        metavar="G",
        help=f"starts a side (default {DEFAULT_GRID})",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(func=execute)


def execute(args: argparse.Namespace) -> int:
    import numpy as np

    from gdsim.core.basins import MAX_GRID, MIN_GRID, BasinSettings, compute_basins, point_name

    if args.start is not None:
        raise common.UsageError("--start does not apply: basins start from every grid point")
    setup = surface_setup(args)
    if setup.surface.dim != 2:
        raise common.UsageError(f"basins need a 2D surface; {setup.surface.title} is 1D")
    settings = BasinSettings(
        lr=common.positive_finite_float(args.lr),
        steps=setup.steps,
        grid=common.int_in_range(args.grid, MIN_GRID, MAX_GRID, "--grid"),
        optimizer=setup.optimizer,
        hyper=setup.hyper,
    )
    with np.errstate(all="ignore"):
        basins = compute_basins(setup.surface, settings)
    minima = [
        {"point": list(point), "fraction": float(fraction)}
        for point, fraction in zip(basins.minima, basins.fractions(), strict=True)
    ]
    if args.json:
        surface = setup.surface
        common.print_json(
            {
                "surface": surface_document(surface),
                "lr": settings.lr,
                "optimizer": settings.optimizer,
                "steps": settings.steps,
                "grid": settings.grid,
                "minima": minima,
                "diverged_fraction": basins.diverged_fraction,
                "other_fraction": basins.other_fraction,
            }
        )
        return 0
    print(f"{setup.surface.title}: {settings.grid} x {settings.grid} starts, lr = {settings.lr:g}")
    rows = [[f"minimum {point_name(tuple(m['point']))}", m["fraction"]] for m in minima]
    rows += [["diverged", basins.diverged_fraction], ["no minimum", basins.other_fraction]]
    common.print_table(["ends in", "fraction"], rows)
    return 0
