"""Trajectories and training histories as CSV text, for a spreadsheet or a plotting script.

Numbers are written with `repr`, the shortest text that reads back as the same float, so a
value survives the round trip exactly; NaN and infinities are written `nan`, `inf` and `-inf`
(what Python's `float()` and pandas read back). An empty cell means "not evaluated at this
step". One row per run and step, runs one after another, with a header row.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gdsim.core.simulate import SimulationResult

COORDINATES = {1: ("w",), 2: ("x", "y")}
"""The surface's variables, named as the formulas name them."""


def number(value: float | None) -> str:
    """`repr` of the float (full precision), 'nan' / 'inf' / '-inf', or '' for None."""
    if value is None:
        return ""
    value = float(value)
    if math.isnan(value):
        return "nan"
    return repr(value)


def trajectories_csv(result: SimulationResult) -> str:
    """The surface explorer's runs, columns `run,lr,optimizer,step,w,loss,grad_norm` (1D) or
    `run,lr,optimizer,step,x,y,loss,grad_norm` (2D):

    - `run`: 1, 2, ... in the order of the runs table; `lr` and `optimizer` its settings;
    - `step`: 0 is the start, so N steps give N+1 rows (fewer when the run stopped: only
      its valid iterates, as drawn);
    - `w` or `x,y`: the iterate after `step` steps; `loss` there; `grad_norm` the norm of
      the exact (noise-free) gradient there.
    """
    dim = result.points.shape[2]
    header = ["run", "lr", "optimizer", "step", *COORDINATES[dim], "loss", "grad_norm"]
    rows: list[list[str]] = []
    for k in range(len(result)):
        view = result.run(k)
        norms = np.linalg.norm(view.grads, axis=1)
        for t in range(len(view.losses)):
            rows.append(
                [
                    str(k + 1),
                    number(view.spec.lr),
                    view.spec.optimizer,
                    str(t),
                    *(number(c) for c in view.points[t]),
                    number(view.losses[t]),
                    number(norms[t]),
                ]
            )
    return _csv(header, rows)


@dataclass(frozen=True)
class TrainingHistory:
    """One network run's history as recorded: the loss of every step (`loss_steps`,
    `losses`: thinned to every k-th step past 32,768 steps), the validation loss
    (`val_steps`, `val_losses`) and the metrics (`metric_steps`, `train_metric`,
    `val_metric`) where the run was evaluated on the full sets. `steps` is how many updates
    were done; without a validation set (`has_validation` False) its columns stay empty."""

    lr: float
    metric: str
    steps: int
    has_validation: bool
    loss_steps: np.ndarray
    losses: np.ndarray
    val_steps: np.ndarray
    val_losses: np.ndarray
    metric_steps: np.ndarray
    train_metric: np.ndarray
    val_metric: np.ndarray


def training_csv(runs: Sequence[TrainingHistory]) -> str:
    """The network builder's runs, columns `run,lr,step,train_loss,val_loss,train_accuracy,
    val_accuracy` (`train_r2,val_r2` for a regression):

    - `run`: 1, 2, ... (compare mode's runs in order); `lr` its learning rate;
    - `step`: 0 to the last update done, one row each (steps+1 rows; past 32,768 steps
      only the kept ones);
    - `train_loss`: the loss of the minibatch of the update made at `step` (the curve
      drawn), empty on the last row (no update was made there);
    - `val_loss`, `train_*`, `val_*`: full-set evaluations, made about 60 times a run and
      at each redraw, empty at the steps in between (and without a validation set).
    """
    metric = runs[0].metric if runs else "accuracy"
    header = ["run", "lr", "step", "train_loss", "val_loss", f"train_{metric}", f"val_{metric}"]
    rows: list[list[str]] = []
    for index, run in enumerate(runs):
        losses = _by_step(run.loss_steps, run.losses)
        val_losses = _by_step(run.val_steps, run.val_losses) if run.has_validation else {}
        train_metric = _by_step(run.metric_steps, run.train_metric)
        val_metric = _by_step(run.metric_steps, run.val_metric) if run.has_validation else {}
        for step in sorted({*losses, *val_losses, *train_metric, run.steps}):
            rows.append(
                [
                    str(index + 1),
                    number(run.lr),
                    str(step),
                    *(number(c.get(step)) for c in (losses, val_losses, train_metric, val_metric)),
                ]
            )
    return _csv(header, rows)


def _by_step(steps: np.ndarray, values: np.ndarray) -> dict[int, float]:
    return dict(zip(steps.tolist(), values.tolist(), strict=True))


def _csv(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()
