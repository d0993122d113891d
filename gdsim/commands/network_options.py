"""The options that say which network to train on which data: shared by `gdsim train` and
every sub-command that trains networks (so `--layers 8,8 --activation tanh` means the same
everywhere, and is checked the same way).

`add_network_options(parser)` adds them; `network_setup(args, steps)` reads them into the
core's objects, or raises `common.UsageError` with one line. Learning rates are each
command's own business (one, several, a range), so they are not here.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gdsim.commands import common
from gdsim.core.optimizers import OPTIMIZERS

if TYPE_CHECKING:
    from gdsim.core.datasets import Dataset, DatasetParams
    from gdsim.core.network import NetworkSpec
    from gdsim.core.training import TrainingConfig


@dataclass(frozen=True)
class NetworkSetup:
    """What the network options name: the data, the network, how to train it (lr left at
    the config's default for the command to set)."""

    params: DatasetParams
    dataset: Dataset
    spec: NetworkSpec
    config: TrainingConfig


def add_network_options(
    parser: argparse.ArgumentParser, default_steps: int = 200, loss_option: bool = True
) -> None:
    """--dataset (required), --layers, --activation, --maxout-pieces, --loss, --features,
    --dropout, --optimizer, --batch-size, --steps, --seed, --n, --noise. A command whose own
    --loss means something else (`gdsim landscape`: train or validation) passes
    `loss_option=False` and trains with the lecture's loss."""
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
    parser.add_argument(
        "--maxout-pieces", default="2", help="linear pieces per maxout unit, 2 to 8 (default 2)"
    )
    if loss_option:
        common.registry_option(
            parser,
            "--loss",
            registry="gdsim.core.network:LOSS_CHOICES",
            help="loss: {names} (default: the lecture's match for the task)",
            default=None,
            dest="network_loss",
        )
    parser.add_argument(
        "--features",
        default=None,
        help="input features, e.g. x1,x2,x1^2,x2^2,x1*x2,sin(x1),sin(x2) (default: the raw inputs)",
    )
    parser.add_argument(
        "--dropout", default="0", help="dropout probability after each hidden layer, 0 to 0.9"
    )
    parser.add_argument("--optimizer", default="gd", help=f"{', '.join(OPTIMIZERS)} (default gd)")
    parser.add_argument(
        "--batch-size", default="0", help="minibatch size; 0 = full batch (default 0)"
    )
    parser.add_argument(
        "--steps", default=str(default_steps), help=f"number of updates (default {default_steps})"
    )
    parser.add_argument("--seed", default="0", help="seed for data, weights and shuffling")
    parser.add_argument("--n", default="200", help="number of points (default 200)")
    parser.add_argument("--noise", default=None, help="noise level (default: the dataset's)")


def network_setup(args: argparse.Namespace) -> NetworkSetup:
    """The dataset, network and training config the options name; UsageError says what is
    wrong in one line."""
    from gdsim.core.datasets import DatasetParams, make_dataset
    from gdsim.core.limits import MAX_TRAINING_STEPS
    from gdsim.core.network import MAX_MAXOUT_PIECES, NetworkSpec, parse_features, parse_layers
    from gdsim.core.training import TrainingConfig

    steps = common.int_in_range(args.steps, 1, MAX_TRAINING_STEPS, "--steps")
    seed = common.int_in_range(args.seed, 0, 2**31 - 1, "--seed")
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
            dataset.task,
            dataset.input_dim,
            dataset.n_classes,
            hidden=hidden,
            seed=seed,
            maxout_pieces=common.int_in_range(
                args.maxout_pieces, 2, MAX_MAXOUT_PIECES, "--maxout-pieces"
            ),
            loss=getattr(args, "network_loss", None),
            features=None if args.features is None else parse_features(args.features),
            dropout=_number(args.dropout, "--dropout"),
        )
        batch_size = common.int_in_range(args.batch_size, 0, 100_000, "--batch-size")
        config = TrainingConfig(
            optimizer=args.optimizer, batch_size=batch_size, steps=steps, seed=seed
        )
    except ValueError as error:
        raise common.UsageError(str(error)) from None
    return NetworkSetup(params, dataset, spec, config)


def add_training_options(parser: argparse.ArgumentParser) -> None:
    """--l1, --l2, --stop-at-loss, --stop-at-accuracy, --early-stop: how `gdsim train`
    regularises and ends a run (`TrainingConfig`'s fields of the same names)."""
    parser.add_argument(
        "--l1",
        default="0",
        metavar="R",
        help="L1 penalty rate: adds R * sum |w| over weights and biases to the loss (default 0)",
    )
    parser.add_argument(
        "--l2",
        default="0",
        metavar="R",
        help="L2 penalty rate: adds R * sum w^2 over weights and biases to the loss; with gd, "
        "weight decay wd is the same as --l2 wd/2 (default 0)",
    )
    parser.add_argument(
        "--stop-at-loss",
        default=None,
        metavar="V",
        help="stop once the training set's loss is at most V (checked at each evaluation)",
    )
    parser.add_argument(
        "--stop-at-accuracy",
        default=None,
        metavar="A",
        help="stop once the training accuracy is at least A, in (0, 1]; classification only",
    )
    parser.add_argument(
        "--early-stop",
        default="0",
        metavar="K",
        help="stop when the validation loss has not improved for K evaluations (about 60 per "
        "run); 0 = off (default)",
    )


def with_training_options(args: argparse.Namespace, config: TrainingConfig) -> TrainingConfig:
    """`config` with the options `add_training_options` added; UsageError in one line."""
    from dataclasses import replace

    from gdsim.core.training import MAX_PATIENCE

    try:
        return replace(
            config,
            l1=_number(args.l1, "--l1"),
            l2=_number(args.l2, "--l2"),
            stop_at_loss=_optional(args.stop_at_loss, "--stop-at-loss"),
            stop_at_accuracy=_optional(args.stop_at_accuracy, "--stop-at-accuracy"),
            early_stop=common.int_in_range(args.early_stop, 0, MAX_PATIENCE, "--early-stop"),
        )
    except ValueError as error:
        raise common.UsageError(str(error)) from None


def _number(text: str, option: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise common.UsageError(f"{option} '{text}' is not a number") from None


def _optional(text: str | None, option: str) -> float | None:
    return None if text is None else _number(text, option)


def _noise(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise common.UsageError(f"--noise '{text}' is not a number") from None
