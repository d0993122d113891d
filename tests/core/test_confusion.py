"""The confusion matrix and per-class accuracy against hand counts."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gdsim.core.confusion import confusion_matrix, predicted_classes, session_confusions
from gdsim.core.datasets import DatasetParams, make_dataset
from gdsim.core.network import NetworkSpec
from gdsim.core.training import TrainingConfig, TrainingSession


def test_counts_match_a_hand_count() -> None:
    true = [0, 0, 0, 1, 1, 2, 2, 2, 2]
    said = [0, 1, 0, 1, 1, 2, 0, 2, 1]
    matrix = confusion_matrix(np.array(true), np.array(said), 3)
    # Rows true, columns predicted: class 0 twice right, once called 1; class 2 twice right,
    # once called 0, once called 1.
    assert matrix.to_json() == [[2, 1, 0], [0, 2, 0], [1, 1, 2]]
    assert matrix.class_accuracy() == pytest.approx([2 / 3, 1.0, 0.5])
    assert matrix.total == 9


def test_a_class_absent_from_the_set_has_no_accuracy() -> None:
    matrix = confusion_matrix(np.array([0, 0]), np.array([0, 1]), 2)
    assert matrix.class_accuracy() == [0.5, None]


def test_labels_outside_the_classes_are_refused() -> None:
    with pytest.raises(ValueError, match=r"0\.\.1"):
        confusion_matrix(np.array([0, 2]), np.array([0, 1]), 2)


def test_sigmoid_outputs_split_at_the_accuracy_threshold() -> None:
    model = torch.nn.Identity()
    outputs = torch.tensor([[0.2], [0.5], [0.51], [0.9]])
    assert predicted_classes(model, outputs, "binary").tolist() == [0, 0, 1, 1]


def test_the_diagonal_adds_up_to_the_sessions_accuracy() -> None:
    data = make_dataset(DatasetParams("blobs", n=90, seed=3))
    spec = NetworkSpec.for_task("multiclass", 2, data.n_classes)
    session = TrainingSession(spec, data, TrainingConfig(lr=0.5, steps=30))
    session.step(30)
    train, val = session_confusions(session)
    state = session.snapshot()
    assert train.total == len(data.x_train) and val.total == len(data.x_val)
    assert np.trace(train.counts) / train.total == pytest.approx(state.train_metric)
    assert np.trace(val.counts) / val.total == pytest.approx(state.val_metric)


def test_regression_has_no_matrix() -> None:
    data = make_dataset(DatasetParams("plane", n=20))
    session = TrainingSession(NetworkSpec.for_task("regression", 2, 1), data, TrainingConfig())
    assert session_confusions(session) is None
