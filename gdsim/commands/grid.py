"""`gdsim grid`: the lecture's grid search, learning rate x number of hidden layers.

`gdsim grid --dataset D --lr A B .. --layers 1 2 .. [--width W] [--steps N] [--seed S]
[--backend loky|dask] [--scheduler ADDR] [--jobs N] [--json]`, plus the data and training
options of `gdsim train` (activation, optimizer, batch size, points, noise). Every cell trains
from the same seed for the same budget; `--json` prints `cells`, each {`lr`, `layers`,
`val_loss`, `regime`} (row by row: layers, then rates), and `best` (the cell with the lowest
finite validation loss, or null).

The train options are added as they are (`add_network_options`), then `--layers` is replaced:
here it takes layer counts, there widths. The parser resolves the clash
(`conflict_handler="resolve"`), and the network options are read with `--layers` set to
one layer of `--width` units, so they are checked exactly as `gdsim train` checks them.
"""

from __future__ import annotations

import argparse
from typing import Any

from gdsim.commands import common
from gdsim.commands.network_options import add_network_options, network_setup


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `grid`; the core (and torch, joblib) is imported only when the command runs."""
    parser = subparsers.add_parser(
        "grid",
        help="grid search: learning rates x hidden layers, in parallel",
        description=(
            "Train one network per (learning rate, number of hidden layers) cell, all from the "
            "same seed, in parallel (joblib on every core, or a Dask cluster); score each by "
            "its final validation loss."
        ),
        conflict_handler="resolve",
    )
    add_network_options(parser)
    parser.add_argument(
        "--lr", action="extend", nargs="+", required=True, metavar="ETA", help="learning rates"
    )
    parser.add_argument(
        "--layers",
        action="extend",
        nargs="+",
        required=True,
        metavar="N",
        help="numbers of hidden layers, e.g. 1 2 3 (0 for none)",
    )
    parser.add_argument("--width", default="16", help="units per hidden layer (default 16)")
    parser.add_argument(
        "--backend",
        choices=("loky", "dask"),
        default="loky",
        help="loky: processes on this machine (default); dask: a Dask cluster",
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDR",
        help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (default: a local cluster)",
    )
    parser.add_argument(
        "--jobs", default="-1", help="parallel workers; -1 every core (default), 1 one process"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(func=execute)


def execute(args: argparse.Namespace) -> int:
    from gdsim.core.grid_search import GridJob, GridSpec, best_cell
    from gdsim.core.network import MAX_HIDDEN_LAYERS, MAX_WIDTH

    width = common.int_in_range(args.width, 1, MAX_WIDTH, "--width")
    setup = network_setup(argparse.Namespace(**{**vars(args), "layers": str(width)}))
    lrs = tuple(common.learning_rates(args.lr))
    layers = tuple(common.int_in_range(t, 0, MAX_HIDDEN_LAYERS, "--layers") for t in args.layers)
    jobs = common.int_in_range(args.jobs, -1, 1024, "--jobs")
    if jobs == 0:
        raise common.UsageError("--jobs must be -1 (every core) or a count from 1")
    if args.scheduler and args.backend != "dask":
        raise common.UsageError("--scheduler needs --backend dask")
    activation = setup.spec.hidden[0][1]
    try:
        grid = GridSpec(
            lrs=lrs,
            axis="layers",
            values=layers,
            steps=setup.config.steps,
            width=width,
            activation=activation,
        )
        job = GridJob(
            grid,
            setup.spec,
            setup.config,
            setup.dataset,
            backend=args.backend,
            scheduler=args.scheduler,
            n_jobs=jobs,
        )
        frame = job.run()
    except ValueError as error:  # GridError, ConfigError, DatasetError: one line each
        raise common.UsageError(str(error)) from None
    if frame.error:
        raise common.UsageError(frame.error)
    cells = sorted(frame.cells, key=lambda c: (c.row, c.col))
    best = best_cell(cells)
    rows = [_cell(c) for c in cells]
    if args.json:
        common.print_json(
            {
                "dataset": setup.params.name,
                "width": width,
                "activation": activation,
                "steps": setup.config.steps,
                "seed": setup.config.seed,
                "backend": args.backend,
                "cells": rows,
                "best": None if best is None else _cell(best),
            }
        )
    else:
        print(f"dataset {setup.params.name}, {width} units per layer, {setup.config.steps} steps")
        common.print_table(
            ["layers", "lr", "val loss", "regime"],
            [[r["layers"], r["lr"], r["val_loss"], r["regime"]] for r in rows],
        )
        if best is not None:
            print(f"best: lr {best.lr:g}, {best.value} layer(s), val loss {best.val_loss:.4g}")
    return 0


def _cell(cell: Any) -> dict[str, Any]:
    return {"lr": cell.lr, "layers": cell.value, "val_loss": cell.val_loss, "regime": cell.regime}
