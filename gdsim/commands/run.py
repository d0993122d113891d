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
from gdsim.core.limits import MAX_SURFACE_STEPS

DEFAULT_LR = 0.1


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run",
        help="simulate gradient descent on a surface",
        description="Simulate optimizer runs on a named surface or a typed expression.",
    )
    common.registry_option(
        parser,
        "--surface",
        registry="gdsim.core.surfaces:SURFACES",
        help="a registry name ({names}) or a formula in w, or in x and y",
        required=True,
    )
    parser.add_argument(
        "--lr",
        action="extend",
        nargs="+",
        default=None,
        metavar="ETA",
        help=f"learning rate(s); one run each (default {DEFAULT_LR})",
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
    parser.add_argument("--steps", default="100", help="number of steps (default 100)")
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="surface parameter, e.g. kappa=50 for ill_conditioned",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(func=execute)


def execute(args: argparse.Namespace) -> int:
    from gdsim.core.expr import ExpressionError
    from gdsim.core.simulate import RunSpec, simulate
    from gdsim.core.surfaces import get_surface
    from gdsim.core.verdict import classify_view, critical_rates, lambda_max

    try:
        surface = get_surface(args.surface, **_surface_params(args.param))
    except ExpressionError as error:
        raise common.UsageError(f"bad --surface expression: {error}") from None
    except ValueError as error:
        raise common.UsageError(str(error)) from None
    lrs = [common.positive_finite_float(text) for text in (args.lr or [str(DEFAULT_LR)])]
    optimizer, hyper = _optimizer_and_hyper(args.optimizer, args.momentum)
    start = (
        common.float_tuple(args.start, surface.dim, "--start")
        if args.start is not None
        else tuple(surface.start)
    )
    steps = common.int_in_range(args.steps, 1, MAX_SURFACE_STEPS, "--steps")

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
                "surface": {
                    "name": surface.name,
                    "expression": surface.expression,
                    "dim": surface.dim,
                },
                "lambda_max": lam,
                "lr_critical": lr_critical,
                "runs": run_documents,
            }
        )
    else:
        _print_human(surface.title, lam, lr_critical, run_documents)
    return 0


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
