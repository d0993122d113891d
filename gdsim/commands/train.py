"""`gdsim train`: train a small network on a generated dataset from the command line.

A stable contract that scripts and tests depend on:
`gdsim train --dataset D [--layers 8,8] [--activation tanh] [--optimizer gd] [--lr ETA ...]
[--batch-size N] [--steps N] [--seed S] [--sharpness-every K] [--l1 R] [--l2 R]
[--stop-at-loss V] [--stop-at-accuracy A] [--early-stop K] [--compare SETTING=V1,V2,...]
[--json]`. Several learning rates give one run each, all from the same initial weights (the
lecture's "too small / right / too big" comparison); `--compare` varies any one setting
instead (`gdsim.core.compare`: `batch_size=0,1,16` is the lecture's full batch / stochastic /
mini-batch), from the same initial weights wherever the shapes allow.

In the JSON document `losses` holds the training loss of every step (entry i is measured on
step i's minibatch before its update); `val_losses` and the metric (`accuracy` for
classification, `r2` for regression, on the validation set) are taken every `eval_every` steps,
at the steps listed in `eval_steps`. With `--sharpness-every K` each run also has `sharpness`:
[step, value] pairs, the top Hessian eigenvalue of the training loss every K steps from step 0
(`gdsim.core.sharpness`; null where the weights were not finite). `compare_setting` names what
the runs differ in (`lr` without `--compare`), and each run its `value` of it and its `name`
("batch 1 (SGD)"); with `--compare` each run also has its own `network`.

With `--l1`/`--l2`, `losses` include the penalty (what the run minimises); the evaluations'
losses are the data loss alone. Each run says why it ended: `stop_reason` is "steps",
"diverged", "target loss", "target accuracy" or "early stopping", `stop_step` the updates
done, and `best_step` (early stopping only, else null) the step of the lowest validation loss.
The stop rules are checked at the core's own evaluations (`TrainingConfig.evaluation_every`,
about 60 per run, as in the app): `--eval-every`'s default, so that `eval_steps` are those
steps; another `--eval-every` changes what is reported, not where the rules are checked.
Classification runs end with
`confusion` ({"train": rows, "val": rows}: rows are true classes, columns predicted ones) and
`class_accuracy` (the same two sets, one share per class, null for a class absent from a set).
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from gdsim.commands import common
from gdsim.commands.network_options import (
    add_network_options,
    add_training_options,
    network_setup,
    with_training_options,
)
from gdsim.core.limits import MAX_TRAINING_STEPS

if TYPE_CHECKING:
    from gdsim.core.compare import CompareRun
    from gdsim.core.confusion import Confusion
    from gdsim.core.network import NetworkSpec
    from gdsim.core.training import Snapshot, TrainingConfig, TrainingSession

DEFAULT_LR = 1.0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `train`; the core (and torch) is imported only when the command runs."""
    parser = subparsers.add_parser(
        "train",
        help="train a small neural network on a generated dataset",
        description="Train an MLP on a generated dataset; one run per learning rate.",
    )
    add_network_options(parser)
    add_training_options(parser)
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
        help="steps between validation evaluations (default: the app's, about 60 per run, "
        "where the stop rules are checked)",
    )
    parser.add_argument(
        "--sharpness-every",
        default="0",
        metavar="K",
        help="measure the sharpness (top Hessian eigenvalue) every K steps; 0 = off (default)",
    )
    parser.add_argument(
        "--compare",
        default=None,
        metavar="SETTING=V1,V2",
        help="one run per value of one setting, e.g. batch_size=0,1,16 (0 = full batch), "
        "activation=tanh,relu, depth=1,2,3, optimizer=gd,adam, lr=0.1,1; the runs train at "
        "the one --lr and share the initial weights where the shapes allow",
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
        else config.evaluation_every
    )
    every = common.int_in_range(args.sharpness_every, 0, MAX_TRAINING_STEPS, "--sharpness-every")
    config = with_training_options(args, replace(config, sharpness_every=every))
    try:
        runs = _runs(args, spec, config, lrs, len(dataset.x_train))
        sessions = [TrainingSession(run.spec, dataset, run.config) for run in runs]
    except ValueError as error:  # a rate too large for the optimizer, a value refused
        raise common.UsageError(str(error)) from None

    records = [
        {
            "name": run.name,
            "value": run.value,
            **({"network": run.spec.settings()} if args.compare else {}),
            **record,
        }
        for run, record in zip(runs, _train_all(sessions, eval_every), strict=True)
    ]
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
                "network": {**spec.settings(), "parameters": parameter_count(spec)},
                "compare_setting": _setting(args),
                "runs": records,
            }
        )
    else:
        _print_table(params.name, spec, records)
    return 0


def _setting(args: argparse.Namespace) -> str:
    return "lr" if args.compare is None else args.compare.partition("=")[0].strip()


def _runs(
    args: argparse.Namespace,
    spec: NetworkSpec,
    config: TrainingConfig,
    lrs: list[float],
    train_size: int,
) -> list[CompareRun]:
    """One run per `--lr` (any number of them), or per `--compare` value (at the one rate;
    a batch of `train_size` or more is named the full batch); the error says what is wrong
    in one line."""
    from gdsim.core.compare import CompareError, CompareRun, compare_runs
    from gdsim.core.training_job import rate_name

    if args.compare is None:
        return [
            CompareRun(spec, replace(config, lr=lr), lr, rate_name(lr), "same initial weights")
            for lr in lrs
        ]
    config = replace(config, lr=lrs[0])
    key, equals, text = args.compare.partition("=")
    if not equals or not key.strip():
        raise common.UsageError(
            f"--compare '{args.compare}': expected SETTING=V1,V2,... e.g. batch_size=0,1,16"
        )
    if key.strip() == "lr" and args.lr:
        raise common.UsageError("--compare lr=... and --lr both give the rates: use one of them")
    option, default = _COMPARED_OPTIONS.get(key.strip(), ("", None))
    if option and getattr(args, option.lstrip("-").replace("-", "_")) != default:
        raise common.UsageError(
            f"--compare {key.strip()}=... and {option} both set it: use one of them"
        )
    if len(lrs) > 1:
        raise common.UsageError(
            "--compare runs at one --lr: the runs differ only in the compared setting"
        )
    values = [part for part in text.replace(";", ",").split(",") if part.strip()]
    try:
        return compare_runs(spec, config, key.strip(), values, train_size)
    except CompareError as error:
        raise common.UsageError(f"--compare: {error}") from None


_COMPARED_OPTIONS = {"batch_size": ("--batch-size", "0"), "optimizer": ("--optimizer", "gd")}
"""Options a compare of the same setting would silently override: (option, its default)."""


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
        "stop_reason": session.stop_reason,
        "stop_step": session.step_count,
        "best_step": session.best_step,
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
        [
            "lr",
            "optimizer",
            "regime",
            "stopped at",
            "ended by",
            "train loss",
            "val loss",
            f"val {metric}",
            "run",
        ],
        [
            [
                run["lr"],
                run["optimizer"],
                run["regime"],
                run["stopped_at"],
                run["stop_reason"],
                run["final_train_loss"],
                run["final_val_loss"],
                run[f"final_val_{metric}"],
                run["name"],
            ]
            for run in runs
        ],
    )
