"""`gdsim lrfind`: the LR range test on a network, from the command line.

`gdsim lrfind --dataset D [network options] [--lr-min A] [--lr-max B] [--steps N] [--json]`
ramps the learning rate exponentially from A to B over N steps on a fresh network (see
`gdsim.core.lr_finder`). The JSON document has `lrs`, `losses` (raw: entry i is the loss
after the update at `lrs[i]`), `smoothed` (null during the burn-in), `suggestion` (null when
no descent was found, `reason` says why) and `stopped_at` (the entry where the smoothed loss
passed 4x its best, or null when the ramp reached B).
"""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING

from gdsim.commands import common
from gdsim.commands.network_options import add_network_options, network_setup

if TYPE_CHECKING:
    from gdsim.core.lr_finder import RangeTestResult

TABLE_ROWS = 12
"""Rows of the human table: the ramp sampled evenly, the stop and the suggestion kept."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `lrfind`; the core (and torch) is imported only when the command runs."""
    parser = subparsers.add_parser(
        "lrfind",
        help="LR range test: ramp the learning rate and suggest one",
        description=(
            "Ramp the learning rate exponentially on a fresh network and suggest the rate "
            "where the smoothed loss falls fastest (per factor of the learning rate)."
        ),
    )
    add_network_options(parser, default_steps=100)
    parser.add_argument("--lr-min", default="1e-4", help="lowest learning rate (default 1e-4)")
    parser.add_argument("--lr-max", default="100", help="highest learning rate (default 100)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(func=execute)


def execute(args: argparse.Namespace) -> int:
    import torch

    from gdsim.core.lr_finder import LRRangeTest

    setup = network_setup(args)
    lr_min = common.positive_finite_float(args.lr_min)
    lr_max = common.positive_finite_float(args.lr_max)
    try:
        test = LRRangeTest(
            setup.spec, setup.dataset, setup.config, lr_min, lr_max, setup.config.steps
        )
    except ValueError as error:
        raise common.UsageError(str(error)) from None
    previous = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny networks: one thread is 10-20x faster than two contended
    try:
        result = test.run()
    finally:
        torch.set_num_threads(previous)
    if args.json:
        common.print_json(
            {
                "dataset": setup.params.name,
                "network": setup.spec.to_dict(),
                "optimizer": setup.config.optimizer,
                "batch_size": setup.config.batch_size or None,
                "lr_min": lr_min,
                "lr_max": lr_max,
                "steps": result.steps,
                "lrs": result.lrs,
                "losses": result.losses,
                "smoothed": result.smoothed,
                "suggestion": result.suggestion,
                "stopped_at": result.stopped_at,
                "reason": result.reason,
            }
        )
    else:
        _print_summary(result)
    return 0


def _print_summary(result: RangeTestResult) -> None:
    print(result.reason)
    if result.stopped_at is None:
        print(f"the ramp reached its highest rate {result.lrs[-1]:.3g}")
    else:
        print(
            f"stopped at step {result.stopped_at} (η = {result.lrs[result.stopped_at]:.3g}): "
            "the loss blew up"
        )
    count = len(result.lrs)
    rows = set(range(0, count, max(1, math.ceil(count / TABLE_ROWS)))) | {count - 1}
    if result.suggestion is not None:
        rows.add(int((result.lrs == result.suggestion).argmax()))
    common.print_table(
        ["step", "lr", "loss", "smoothed"],
        [
            [i, float(result.lrs[i]), float(result.losses[i]), float(result.smoothed[i])]
            for i in sorted(rows)
        ],
    )


def _shown(smoothed: float) -> float | None:
    """The burn-in's smoothed entries are NaN: not judged, printed as '-'."""
    return float(smoothed) if math.isfinite(smoothed) else None
