"""Drawn points: when they can train, their split, and their CSV text read back by the loader."""

from __future__ import annotations

import numpy as np
import pytest

from gdsim.core.datasets import DatasetError, load_csv
from gdsim.core.drawn_data import CANVAS, MIN_PER_CLASS, DrawnPoints
from gdsim.core.state import NetworkState, StateError
from gdsim.core.state.display import DisplayOptions


def drawn(per_class: int, classes: int = 2) -> DrawnPoints:
    rng = np.random.default_rng(0)
    points = DrawnPoints()
    for label in range(classes):
        for x1, x2 in rng.normal(label, 0.1, (per_class, 2)):
            points = points.added(x1, x2, label)
    return points


def test_too_few_points_of_a_class_say_what_is_missing() -> None:
    points = drawn(MIN_PER_CLASS).added(0.0, 0.0, 0)
    assert points.shortfall() is None
    few = DrawnPoints().added(0.1, 0.2, 0).added(0.3, 0.4, 0)
    assert few.shortfall().endswith("so far class 0: 2, class 1: 0")
    with pytest.raises(DatasetError, match="at least 4 points"):
        few.dataset(0.2, 0)


def test_a_short_class_beside_full_ones_is_named() -> None:
    stray = drawn(7).added(0.5, 0.5, 2)
    assert stray.shortfall() == (
        "class 2 has 1 point: draw at least 4 points of each class, or undo it (Edit > Undo)"
    )
    assert (
        drawn(7)
        .added(0.5, 0.5, 2)
        .added(0.5, 0.6, 3)
        .shortfall()
        .startswith("class 2 has 1 point, class 3 has 1 point: ")
    )


def test_the_drawn_set_is_split_and_spans_the_canvas() -> None:
    points = drawn(10, classes=3)
    data = points.dataset(0.2, 1)
    assert data.task == "multiclass" and data.n_classes == 3
    assert len(data.x_train) == 24 and len(data.x_val) == 6
    (x_low, x_high), _ = data.input_range
    assert x_low <= CANVAS[0][0] and x_high >= 2.0  # the points at x = 2 stretch the canvas


def test_csv_text_loads_back_as_the_same_points(tmp_path) -> None:
    points = drawn(6)
    path = tmp_path / "drawn.csv"
    path.write_text(points.csv_text())
    loaded, made = load_csv(path, 0.25, 3), points.dataset(0.25, 3)
    for name in ("x_train", "y_train", "x_val", "y_val"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(made, name))


def test_bad_points_are_refused_in_one_line() -> None:
    with pytest.raises(DatasetError, match="class must be 0 to 9"):
        DrawnPoints(((0.0, 0.0, 12),))
    with pytest.raises(DatasetError, match="finite"):
        DrawnPoints(((float("nan"), 0.0, 0),))


def test_the_state_keeps_display_and_drawn_points_and_old_states_still_load() -> None:
    state = NetworkState(display=DisplayOptions(discrete=True, surface=False), drawn=drawn(4))
    assert NetworkState.from_dict(state.to_dict()) == state
    old = state.to_dict()
    del old["display"], old["drawn"]
    assert NetworkState.from_dict(old) == NetworkState()
    bad = {**state.to_dict(), "drawn": [[0.0, 1.0]]}
    with pytest.raises(StateError, match=r"drawn\[0\]: must be an \[x1, x2, class\] triple"):
        NetworkState.from_dict(bad)
    with pytest.raises(StateError, match=r"display.surface: must be true or false"):
        NetworkState.from_dict({**state.to_dict(), "display": {"surface": 1}})
