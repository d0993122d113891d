"""`gdsim train`: train a small network on a generated dataset from the command line.

A stable contract that scripts and tests depend on:
`gdsim train --dataset D [--layers 8,8] [--activation tanh] [--optimizer gd] [--lr ETA ...]
[--batch-size N] [--steps N] [--seed S] [--json]`. Several learning rates give one run each,
all from the same initial weights (the lecture's "too small / right / too big" comparison).

In the JSON document `losses` holds the training loss of every step (entry i is measured on
step i's minibatch before its update); `val_losses` and the metric (`accuracy` for
classification, `r2` for regression, on the validation set) are taken every `eval_every` steps,
at the steps listed in `eval_steps`.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from gdsim.commands import common
from gdsim.core.limits import MAX_TRAINING_STEPS
from gdsim.core.optimizers import OPTIMIZERS

if TYPE_CHECKING:
    from gdsim.core.network import NetworkSpec
    from gdsim.core.training import TrainingSession

DEFAULT_LR = 1.0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `train`; the core (and torch) is imported only when the command runs."""
    parser = subparsers.add_parser(
        "train",
        help="train a small neural network on a generated dataset",
        description="Train an MLP on a generated dataset; one run per learning rate.",
    )
    common.registry_option(
        parser,
        "--dataset",
        registry="gdsim.core.datasets:DATASETS",
        help="generated dataset: {names}",
        required=True,
    )
    parser.add_argument(
        "--layers",
        default="16",
        help="hidden widths, e.g. 8,8 or 8:tanh,4:relu; empty for none (default 16)",
    )
    common.registry_option(
        parser,
        "--activation",
        registry="gdsim.core.network:ACTIVATIONS",
        help="hidden activation: {names} (default relu)",
        default="relu",
    )
    parser.add_argument("--optimizer", default="gd", help=f"{', '.join(OPTIMIZERS)} (default gd)")
    parser.add_argument(
        "--lr",
        action="extend",
        nargs="+",
        default=None,
        metavar="ETA",
        help=f"learning rate(s); one run each, same initial weights (default {DEFAULT_LR})",
    )
    parser.add_argument(
        "--batch-size", default="0", help="minibatch size; 0 = full batch (default 0)"
    )
    parser.add_argument("--steps", default="200", help="number of updates (default 200)")
    parser.add_argument("--seed", default="0", help="seed for data, weights and shuffling")
    parser.add_argument("--n", default="200", help="number of points (default 200)")
    parser.add_argument("--noise", default=None, help="noise level (default: the dataset's)")
    parser.add_argument(
        "--eval-every",
        default=None,
        help="steps between validation evaluations (default: about 50 per run)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(func=execute)


def execute(args: argparse.Namespace) -> int:
    from gdsim.core.datasets import DatasetParams, make_dataset
    from gdsim.core.network import NetworkSpec, parameter_count, parse_layers
    from gdsim.core.training import TrainingConfig, TrainingSession

    steps = common.int_in_range(args.steps, 1, MAX_TRAINING_STEPS, "--steps")
    seed = common.int_in_range(args.seed, 0, 2**31 - 1, "--seed")
    lrs = [common.positive_finite_float(text) for text in (args.lr or [str(DEFAULT_LR)])]
    eval_every = (
        common.int_in_range(args.eval_every, 1, MAX_TRAINING_STEPS, "--eval-every")
        if args.eval_every is not None
        else max(1, steps // 50)
    )
    try:
        params = DatasetParams(
            name=args.dataset,
            n=common.int_in_range(args.n, 10, 100_000, "--n"),
            noise=None if args.noise is None else _noise(args.noise),
            seed=seed,
        )
        dataset = make_dataset(params)
        hidden = parse_layers(args.layers, args.activation)
        spec = NetworkSpec.for_task(
            dataset.task, dataset.input_dim, dataset.n_classes, hidden=hidden, seed=seed
        )
        batch_size = common.int_in_range(args.batch_size, 0, 100_000, "--batch-size")
        config = TrainingConfig(
            optimizer=args.optimizer, batch_size=batch_size, steps=steps, seed=seed
        )
        sessions = [TrainingSession(spec, dataset, replace(config, lr=lr)) for lr in lrs]
    except ValueError as error:
        raise common.UsageError(str(error)) from None

    runs = _train_all(sessions, eval_every)
    if args.json:
        common.print_json(
            {
                "dataset": {
                    "name": params.name,
                    "task": dataset.task,
                    "n_classes": dataset.n_classes,
                    "n_train": len(dataset.x_train),
                    "n_val": len(dataset.x_val),
                    "noise": params.effective_noise,
                    "seed": seed,
                },
                "network": {**spec.to_dict(), "parameters": parameter_count(spec)},
                "runs": runs,
            }
        )
    else:
        _print_table(params.name, spec, runs)
    return 0


def _noise(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise common.UsageError(f"--noise '{text}' is not a number") from None


def _train_all(sessions: list[TrainingSession], eval_every: int) -> list[dict[str, Any]]:
    """Tiny networks train 10-20x faster on one thread than on two contended ones."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return [_train(session, eval_every) for session in sessions]
    finally:
        torch.set_num_threads(previous)


def _train(session: TrainingSession, eval_every: int) -> dict[str, Any]:
    """Run one session to its budget, evaluating every `eval_every` steps."""
    losses: list[float] = []
    evaluations = [session.snapshot()]
    while not session.finished:
        losses.extend(session.step(eval_every).tolist())
        evaluations.append(session.snapshot())
    final = evaluations[-1]
    verdict = session.verdict
    metric = final.metric_name
    return {
        "lr": session.config.lr,
        "optimizer": session.config.optimizer,
        "batch_size": session.config.batch_size or None,
        "losses": losses,
        "eval_steps": [e.step for e in evaluations],
        "val_losses": [e.val_loss for e in evaluations],
        "metric": metric,
        metric: [e.val_metric for e in evaluations],
        "regime": str(verdict.regime),
        "verdict_step": verdict.step,
        "reason": verdict.reason,
        "stopped_at": session.diverged_at,
        "final_train_loss": final.train_loss,
        "final_val_loss": final.val_loss,
        f"final_train_{metric}": final.train_metric,
        f"final_val_{metric}": final.val_metric,
    }


def _print_table(dataset: str, spec: NetworkSpec, runs: list[dict[str, Any]]) -> None:
    layers = " -> ".join(str(width) for width in spec.widths)
    print(f"dataset {dataset}, network {layers}")
    metric = runs[0]["metric"]
    common.print_table(
        ["lr", "optimizer", "regime", "stopped at", "train loss", "val loss", f"val {metric}"],
        [
            [
                run["lr"],
                run["optimizer"],
                run["regime"],
                run["stopped_at"],
                run["final_train_loss"],
                run["final_val_loss"],
                run[f"final_val_{metric}"],
            ]
            for run in runs
        ],
    )
