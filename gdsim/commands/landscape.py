"""`gdsim landscape`: a trained network's loss on a line or a plane, from the command line.

`gdsim landscape --dataset D [network options] [--lr ETA] --plane random|pca|line --grid G
[--dims 1|2] [--loss train|validation] [--json]` trains the network (as `gdsim train` does)
and evaluates the loss on a grid (see `gdsim.core.landscape`). The JSON document has `alphas`,
`betas` (2D only), `losses` (2D: one row per beta), `trajectory` {`steps`, `alphas`, `betas`
(2D only), `losses`: each iterate's own loss}, `center_loss` (the final weights' loss),
`explained_variance` (PCA only, else null) and `notes`.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from gdsim.commands import common
from gdsim.commands.network_options import add_network_options, network_setup

if TYPE_CHECKING:
    from gdsim.core.landscape import LandscapeFrame


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `landscape`; the core (and torch) is imported only when the command runs."""
    parser = subparsers.add_parser(
        "landscape",
        help="the loss landscape of a trained network, with its trajectory",
        description=(
            "Train a network, then evaluate its loss on a line or plane through the final "
            "weights (random filter-normalised or PCA directions, or the line from the "
            "initial weights) and project the trajectory onto it."
        ),
    )
    add_network_options(parser, loss_option=False)
    parser.add_argument("--lr", default=None, help="learning rate (default: the builder's)")
    parser.add_argument(
        "--plane", default="random", help="random, pca or line (1D only) (default random)"
    )
    parser.add_argument("--grid", default="51", help="points a side, 21 to 101 (default 51)")
    parser.add_argument("--dims", default=None, help="1 or 2 (default 2; 1 for --plane line)")
    parser.add_argument("--loss", default="train", help="train or validation (default train)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(func=execute)


def execute(args: argparse.Namespace) -> int:
    from dataclasses import replace

    import torch

    from gdsim.core.landscape import MAX_GRID, MIN_GRID, LandscapeJob, LandscapeSettings
    from gdsim.core.state import NetworkState

    setup = network_setup(args)
    default_dims = "1" if args.plane == "line" else "2"
    dims = common.int_in_range(args.dims or default_dims, 1, 2, "--dims")
    grid = common.int_in_range(args.grid, MIN_GRID, MAX_GRID, "--grid")
    try:
        config = setup.config
        if args.lr is not None:
            config = replace(config, lr=common.positive_finite_float(args.lr))
        state = NetworkState(dataset=setup.params, network=setup.spec, training=config)
        settings = LandscapeSettings(dims=dims, plane=args.plane, grid=grid, loss=args.loss)
        job = LandscapeJob(state, settings, setup.dataset)
    except ValueError as error:
        raise common.UsageError(str(error)) from None
    previous = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny networks: one thread is faster than two contended
    try:
        frame = job.run()
    except ValueError as error:  # a plane the trajectory does not span (LandscapeError)
        raise common.UsageError(str(error)) from None
    finally:
        torch.set_num_threads(previous)
    if args.json:
        common.print_json(document(frame))
    else:
        _print_summary(frame)
    return 0


def document(frame: LandscapeFrame) -> dict:
    """The JSON document (see the module docstring)."""
    run = frame.runs[frame.selected]
    trajectory = {"steps": run.steps, "alphas": run.coords[:, 0], "losses": run.losses}
    out = {
        "plane": frame.settings.plane,
        "dims": frame.settings.dims,
        "loss": frame.settings.loss,
        "grid": frame.settings.grid,
        "alphas": frame.alphas,
        "losses": frame.losses,
        "trajectory": trajectory,
        "center_loss": frame.center_loss,
        "explained_variance": frame.explained,
        "diverged_at": run.diverged_at,
        "notes": list(frame.notes),
    }
    if frame.settings.dims == 2:
        out["betas"] = frame.betas
        trajectory["betas"] = run.coords[:, 1]
    return out


def _print_summary(frame: LandscapeFrame) -> None:
    import numpy as np

    settings, run = frame.settings, frame.runs[frame.selected]
    size = f"{settings.grid}x{settings.grid}" if settings.dims == 2 else f"{settings.grid}"
    print(f"{settings.plane} {settings.dims}D landscape, {size} points, {settings.loss} loss")
    print(f"loss at the final weights: {frame.center_loss:.6g}")
    losses = np.asarray(frame.losses)
    if np.isfinite(losses).any():
        print(f"grid loss: lowest {np.nanmin(losses):.6g}, highest {np.nanmax(losses):.6g}")
    if frame.explained is not None:
        shares = ", ".join(f"{share:.1%}" for share in frame.explained)
        print(f"explained variance: {shares}")
    print(f"trajectory: {len(run.steps)} iterates, steps 0 to {int(run.steps[-1])}")
    for note in frame.notes:
        print(note)
