"""`gdsim train`: train a small network on a generated dataset from the command line.

A stable contract that scripts and tests depend on:
`gdsim train --dataset D [--layers 8,8] [--activation tanh] [--optimizer gd] [--lr ETA ...]
[--batch-size N] [--steps N] [--seed S] [--sharpness-every K] [--json]`. Several learning
rates give one run each, all from the same initial weights (the lecture's "too small / right /
too big" comparison).

In the JSON document `losses` holds the training loss of every step (entry i is measured on
step i's minibatch before its update); `val_losses` and the metric (`accuracy` for
classification, `r2` for regression, on the validation set) are taken every `eval_every` steps,
at the steps listed in `eval_steps`. With `--sharpness-every K` each run also has `sharpness`:
[step, value] pairs, the top Hessian eigenvalue of the training loss every K steps from step 0
(`gdsim.core.sharpness`; null where the weights were not finite). Classification runs end with
`confusion` ({"train": rows, "val": rows}: rows are true classes, columns predicted ones) and
`class_accuracy` (the same two sets, one share per class, null for a class absent from a set).
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from gdsim.commands import common
from gdsim.commands.network_options import add_network_options, network_setup
from gdsim.core.limits import MAX_TRAINING_STEPS

if TYPE_CHECKING:
    from gdsim.core.confusion import Confusion
    from gdsim.core.network import NetworkSpec
    from gdsim.core.training import Snapshot, TrainingSession

DEFAULT_LR = 1.0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `train`; the core (and torch) is imported only when the command runs."""
    parser = subparsers.add_parser(
        "train",
        help="train a small neural network on a generated dataset",
        description="Train an MLP on a generated dataset; one run per learning rate.",
    )
    add_network_options(parser)
    parser.add_argument(
        "--lr",
        action="extend",
        nargs="+",
        default=None,
        metavar="ETA",
        help=f"learning rate(s); one run each, same initial weights (default {DEFAULT_LR})",
    )
    parser.add_argument(
        "--eval-every",
        default=None,
        help="steps between validation evaluations (default: about 50 per run)",
    )
    parser.add_argument(
        "--sharpness-every",
        default="0",
        metavar="K",
        help="measure the sharpness (top Hessian eigenvalue) every K steps; 0 = off (default)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(func=execute)


def execute(args: argparse.Namespace) -> int:
    from gdsim.core.network import parameter_count
    from gdsim.core.training import TrainingSession

    setup = network_setup(args)
    params, dataset, spec, config = setup.params, setup.dataset, setup.spec, setup.config
    lrs = common.learning_rates(args.lr or [str(DEFAULT_LR)])
    eval_every = (
        common.int_in_range(args.eval_every, 1, MAX_TRAINING_STEPS, "--eval-every")
        if args.eval_every is not None
        else max(1, config.steps // 50)
    )
    every = common.int_in_range(args.sharpness_every, 0, MAX_TRAINING_STEPS, "--sharpness-every")
    config = replace(config, sharpness_every=every)
    try:
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
                    "seed": config.seed,
                },
                "network": {**spec.to_dict(), "parameters": parameter_count(spec)},
                "runs": runs,
            }
        )
    else:
        _print_table(params.name, spec, runs)
    return 0


def _train_all(sessions: list[TrainingSession], eval_every: int) -> list[dict[str, Any]]:
    """Every run to its budget, evaluating every `eval_every` steps: as one batch when
    `SessionBatch` can take them (one forward and backward for all the rates), else one run
    after another. Tiny networks train 10-20x faster on one thread than on two contended
    ones."""
    import torch

    from gdsim.core.batched_training import SessionBatch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    losses: dict[int, list[float]] = {id(s): [] for s in sessions}
    evaluations = {id(s): [s.snapshot()] for s in sessions}
    batch = SessionBatch.of(sessions)
    try:
        for unit in [batch] if batch is not None else sessions:
            while not unit.finished:
                stepped = (
                    unit.step(eval_every)
                    if isinstance(unit, SessionBatch)
                    else [(unit, unit.step(eval_every))]
                )
                for session, run_losses in stepped:
                    losses[id(session)].extend(run_losses.tolist())
                    evaluations[id(session)].append(session.snapshot())
    finally:
        torch.set_num_threads(previous)
    return [_run(s, losses[id(s)], evaluations[id(s)]) for s in sessions]


def _run(
    session: TrainingSession, losses: list[float], evaluations: list[Snapshot]
) -> dict[str, Any]:
    """One run's JSON record: its losses per step and its evaluations."""
    from gdsim.core.confusion import session_confusions

    final = evaluations[-1]
    verdict = session.verdict
    metric = final.metric_name
    sharpness = {}
    if session.config.sharpness_every:
        steps, values = session.sharpness()
        sharpness["sharpness"] = [[int(s), float(v)] for s, v in zip(steps, values, strict=True)]
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
        **sharpness,
        **_confusion_fields(session_confusions(session)),
    }


def _confusion_fields(confusions: tuple[Confusion, Confusion] | None) -> dict[str, Any]:
    """Classification runs' final confusion matrices (rows true, columns predicted) and
    accuracy per class (null for a class with no point in that set), training and validation."""
    if confusions is None:
        return {}
    train, val = confusions
    return {
        "confusion": {"train": train.to_json(), "val": val.to_json()},
        "class_accuracy": {"train": train.class_accuracy(), "val": val.class_accuracy()},
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
