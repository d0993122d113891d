"""Confusion matrix and accuracy per class for a classifier's predictions (Qt-free).

Accuracy alone hides which class a network gets wrong: 90% on a set of nine blue points to one
orange is no better than always saying "blue". Rows are the true classes, columns the predicted
ones, so row k's diagonal share is class k's accuracy (its recall).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch

if TYPE_CHECKING:
    from gdsim.core.training import TrainingSession


@dataclass(frozen=True)
class Confusion:
    """`counts[true, predicted]` over one set of points (training or validation)."""

    counts: np.ndarray

    @property
    def n_classes(self) -> int:
        return int(self.counts.shape[0])

    @property
    def total(self) -> int:
        return int(self.counts.sum())

    def class_accuracy(self) -> list[float | None]:
        """Share of each class's points predicted as that class; None for a class with no
        point in this set (no share to give, rather than a misleading 0%)."""
        per_class = self.counts.sum(axis=1)
        return [
            float(self.counts[k, k] / per_class[k]) if per_class[k] else None
            for k in range(self.n_classes)
        ]

    def to_json(self) -> list[list[int]]:
        return self.counts.astype(int).tolist()


def confusion_matrix(true: np.ndarray, predicted: np.ndarray, n_classes: int) -> Confusion:
    """Count each (true, predicted) pair of class indices in 0..n_classes-1."""
    true = np.asarray(true, dtype=np.int64).reshape(-1)
    predicted = np.asarray(predicted, dtype=np.int64).reshape(-1)
    if true.shape != predicted.shape:
        raise ValueError(f"{len(true)} true labels but {len(predicted)} predictions")
    both = np.concatenate([true, predicted])
    if len(both) and not (both.min() >= 0 and both.max() < n_classes):
        raise ValueError(f"class indices must lie in 0..{n_classes - 1}")
    counts = np.bincount(true * n_classes + predicted, minlength=n_classes * n_classes)
    return Confusion(counts.reshape(n_classes, n_classes))


def predicted_classes(model: torch.nn.Module, x: torch.Tensor, task: str) -> np.ndarray:
    """The class a model says for each input: p(class 1) > 0.5 for a sigmoid output (the
    accuracy's own threshold, so the matrix's diagonal adds up to it), the largest logit for
    a softmax one."""
    with torch.no_grad():
        output = model(x)
    if task == "multiclass":
        return output.argmax(dim=1).numpy()
    return (output[:, 0] > 0.5).long().numpy()


def session_confusions(session: TrainingSession) -> tuple[Confusion, Confusion] | None:
    """The (training, validation) matrices of a session's network now; None for regression.
    An empty validation set gives a matrix of zeros (and no accuracy for any class)."""
    data, task = session.dataset, session.spec.task
    if task == "regression":
        return None
    train, val = (
        confusion_matrix(
            y.reshape(-1).long().numpy(), predicted_classes(session.model, x, task), data.n_classes
        )
        for x, y in ((data.x_train, data.y_train), (data.x_val, data.y_val))
    )
    return train, val
