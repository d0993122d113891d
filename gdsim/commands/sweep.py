"""`gdsim sweep`: hundreds of learning rates on one surface, with the verdict of each.

`gdsim sweep --surface S [--start X[,Y]] [--optimizer NAME] [--momentum B] [--steps N]
[--param NAME=VALUE ...] --lr-min A --lr-max B --count C [--json]`: C learning rates from A to
B on a log grid, all from the same start. `--json` prints `surface` {`name`, `expression`,
`dim`}, `lambda_max`, `lr_critical` (the stability limit, as `gdsim run` gives it) and `runs`,
each {`lr`, `regime`, `final_loss`, `stopped_at`}.
"""

from __future__ import annotations

import argparse

import numpy as np

from gdsim.commands import common
from gdsim.commands.surface_options import add_surface_options, surface_document, surface_setup

HUMAN_ROWS = 20
"""Rows of the human-readable table: a thousand would scroll the critical rates away."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sweep",
        help="run many learning rates on a surface and judge each",
        description=(
            "Run COUNT learning rates from LR_MIN to LR_MAX (log grid) on a named surface or a "
            "typed expression, all from the same start, and print each run's verdict."
        ),
    )
    add_surface_options(parser)
    parser.add_argument("--lr-min", required=True, metavar="A", help="smallest learning rate")
    parser.add_argument("--lr-max", required=True, metavar="B", help="largest learning rate")
    parser.add_argument(
        "--count", required=True, metavar="C", help="how many learning rates (100 to 2000)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(func=execute)


def execute(args: argparse.Namespace) -> int:
    from gdsim.core.sweep import MAX_COUNT, MIN_COUNT, SweepConfig, run_sweep

    setup = surface_setup(args)
    lr_min = common.positive_finite_float(args.lr_min)
    lr_max = common.positive_finite_float(args.lr_max)
    if not lr_min < lr_max:
        raise common.UsageError(f"--lr-min ({lr_min:g}) must be smaller than --lr-max ({lr_max:g})")
    count = common.int_in_range(args.count, MIN_COUNT, MAX_COUNT, "--count")
    config = SweepConfig(
        surface=setup.surface,
        start=setup.start,
        optimizer=setup.optimizer,
        hyper=setup.hyper,
        steps=setup.steps,
        lr_min=lr_min,
        lr_max=lr_max,
        count=count,
    )
    result = run_sweep(config)
    runs = [
        {
            "lr": float(result.lrs[k]),
            "regime": result.regimes[k].value,
            "final_loss": result.final_loss[k],
            "stopped_at": int(result.stopped_at[k]) if result.stopped_at[k] >= 0 else None,
        }
        for k in range(result.done)
    ]
    surface = setup.surface
    if args.json:
        common.print_json(
            {
                "surface": surface_document(surface),
                "lambda_max": result.lambda_max,
                "lr_critical": result.lr_critical,
                "runs": runs,
            }
        )
        return 0
    shown = np.unique(np.linspace(0, len(runs) - 1, HUMAN_ROWS).round().astype(int))
    print(f"{surface.title}: {len(runs)} learning rates from {lr_min:g} to {lr_max:g}")
    common.print_table(
        ["lr", "regime", "final loss", "stopped at"],
        [
            [runs[k]["lr"], runs[k]["regime"], runs[k]["final_loss"], runs[k]["stopped_at"]]
            for k in shown
        ],
    )
    print(f"({len(shown)} of the {len(runs)} runs shown, evenly spaced in log lr; --json: all)")
    marks = result.critical_marks()
    if marks:
        rates = ", ".join(f"{_ascii(name)} = {value:.6g}" for name, value in marks)
        print(f"lambda_max = {result.lambda_max:.6g}: {rates}")
    else:
        print("no critical learning rates: no minimum with a positive curvature was found")
    return 0


def _ascii(name: str) -> str:
    """ "2(1+β)/λ" as "2(1+beta)/lambda": a terminal may not print Greek letters."""
    return name.replace("λ", "lambda").replace("β", "beta")
