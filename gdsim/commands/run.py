"""`gdsim run`: simulate optimizer runs on a surface from the command line.

A stable contract that scripts and tests depend on:
`gdsim run --surface S [--lr ETA ...] [--optimizer NAME] [--momentum B] [--start X[,Y]]
[--steps N] [--param NAME=VALUE ...] [--json]`. Several learning rates give one run each.
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from gdsim.commands import common
from gdsim.commands.surface_options import add_surface_options, surface_document, surface_setup

DEFAULT_LR = 0.1


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run",
        help="simulate gradient descent on a surface",
        description="Simulate optimizer runs on a named surface or a typed expression.",
    )
    add_surface_options(parser)
    parser.add_argument(
        "--lr",
        action="extend",
        nargs="+",
        default=None,
        metavar="ETA",
        help=f"learning rate(s); one run each (default {DEFAULT_LR})",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(func=execute)


def execute(args: argparse.Namespace) -> int:
    from gdsim.core.simulate import RunSpec, simulate
    from gdsim.core.verdict import classify_view, critical_rates, lambda_max

    setup = surface_setup(args)
    surface, start, optimizer, hyper, steps = (
        setup.surface,
        setup.start,
        setup.optimizer,
        setup.hyper,
        setup.steps,
    )
    lrs = common.learning_rates(args.lr or [str(DEFAULT_LR)])

    runs = [RunSpec(lr=lr, optimizer=optimizer, start=start, hyper=hyper) for lr in lrs]
    # Overflow on the way to divergence is expected and reported as such (null, "diverged"):
    # numpy's RuntimeWarnings would only add noise to stderr.
    with np.errstate(all="ignore"):
        result = simulate(surface, runs, steps)
        lam = lambda_max(surface, start)
        rates = critical_rates(lam, hyper.get("momentum", 0.0))
        lr_critical = None if rates is None else rates.limit_for(optimizer)
        run_documents = []
        for k in range(len(result)):
            view = result.run(k)
            verdict = classify_view(view)
            run_documents.append(
                {
                    "optimizer": optimizer,
                    "lr": view.spec.lr,
                    "start": list(start),
                    "points": view.points,
                    "losses": view.losses,
                    "regime": verdict.regime.value,
                    "stopped_at": view.stopped_at,
                    "final_loss": view.losses[-1] if len(view.losses) else None,
                }
            )
    if args.json:
        common.print_json(
            {
                "surface": surface_document(surface),
                "lambda_max": lam,
                "lr_critical": lr_critical,
                "runs": run_documents,
            }
        )
    else:
        _print_human(surface.title, lam, lr_critical, run_documents)
    return 0


def _print_human(
    title: str, lam: float | None, lr_critical: float | None, runs: list[dict[str, Any]]
) -> None:
    curvature = "unknown" if lam is None else f"{lam:.6g}"
    critical = "unknown" if lr_critical is None else f"{lr_critical:.6g}"
    print(f"{title}: lambda_max = {curvature}, critical lr = {critical}")
    common.print_table(
        ["lr", "regime", "final loss", "steps"],
        [[r["lr"], r["regime"], r["final_loss"], max(len(r["losses"]) - 1, 0)] for r in runs],
    )
