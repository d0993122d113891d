"""Basins of attraction against Himmelblau's four known minima, and the memory-light path of
``simulate`` against the full history."""

from __future__ import annotations

import re

import numpy as np
import pytest

from gdsim.core.basins import (
    COARSE_GRID,
    DIVERGED,
    BasinSettings,
    BasinsJob,
    compute_basins,
    grid_starts,
    legend_entries,
)
from gdsim.core.simulate import RunSpec, final_states, simulate
from gdsim.core.surfaces import get_surface

HIMMELBLAU = get_surface("himmelblau")


@pytest.fixture(scope="module")
def himmelblau_map():
    return compute_basins(HIMMELBLAU, BasinSettings(lr=0.01, steps=200, grid=40))


def test_each_of_himmelblaus_minima_gets_a_basin(himmelblau_map):
    fractions = himmelblau_map.fractions()
    assert len(fractions) == 4
    assert np.all(fractions > 0.1)
    total = fractions.sum() + himmelblau_map.diverged_fraction + himmelblau_map.other_fraction
    assert total == pytest.approx(1.0)


def test_a_typed_formula_finds_its_own_minima_and_maps_the_same_basins(himmelblau_map):
    """A typed formula lists no minima; Himmelblau typed out finds the named one's four and
    maps a basin for each."""
    typed = get_surface("(x^2+y-11)^2+(x+y^2-7)^2")
    found = compute_basins(typed, BasinSettings(lr=0.01, steps=200, grid=40))
    assert len(found.minima) == 4
    for known in HIMMELBLAU.minima:
        assert min(np.linalg.norm(np.subtract(m, known)) for m in found.minima) < 1e-4
    assert found.other_fraction == 0.0 and np.all(found.fractions() > 0.1)


def test_starts_near_a_minimum_are_labelled_with_it(himmelblau_map):
    for index, (x, y) in enumerate(HIMMELBLAU.minima):
        row, column = himmelblau_map.cell(x, y)
        neighbourhood = himmelblau_map.labels[row - 1 : row + 2, column - 1 : column + 2]
        assert np.all(neighbourhood == index), (x, y)
        assert 0 <= himmelblau_map.steps[row, column] < 200


def test_a_far_too_large_step_diverges_almost_everywhere():
    basins = compute_basins(HIMMELBLAU, BasinSettings(lr=0.5, steps=50, grid=20))
    assert basins.diverged_fraction > 0.95
    assert np.mean(basins.labels == DIVERGED) == basins.diverged_fraction


def test_the_hover_text_names_the_minimum_and_the_steps(himmelblau_map):
    assert re.fullmatch(r"basin: minimum \(3, 2\), \d+ steps?", himmelblau_map.describe(3.0, 2.0))
    assert himmelblau_map.describe(50.0, 0.0) == ""


def test_the_legend_names_each_basin_with_its_share(himmelblau_map):
    entries = legend_entries(himmelblau_map)
    assert [label for label, _ in entries[:4]] == [0, 1, 2, 3]
    assert re.fullmatch(r"\(3, 2\) \d+ %", entries[0][1])
    diverged = legend_entries(compute_basins(HIMMELBLAU, BasinSettings(lr=0.5, steps=5, grid=4)))
    assert diverged[-1] == (DIVERGED, "diverged 100 %")


@pytest.mark.parametrize(
    ("optimizer", "lr", "hyper"),
    [("gd", 0.01, {}), ("gd", 0.05, {}), ("momentum", 0.01, {"momentum": 0.8}), ("adam", 0.2, {})],
)
def test_the_light_path_ends_exactly_where_simulate_does(optimizer, lr, hyper):
    starts = grid_starts(HIMMELBLAU, 12)
    runs = [RunSpec(lr=lr, optimizer=optimizer, start=tuple(p), hyper=hyper) for p in starts]
    full = simulate(HIMMELBLAU, runs, 150)
    given = np.asfortranarray(starts)  # its transpose is contiguous: must still be copied
    light = final_states(HIMMELBLAU, given, lr, 150, optimizer, hyper)
    assert np.array_equal(light.points, full.points[:, -1], equal_nan=True)
    assert np.array_equal(light.stopped_at, full.stopped_at)
    assert np.array_equal(given, starts)


def test_the_light_path_says_since_when_a_run_stayed_put():
    starts = np.array([[2.0, 1.0], [3.0, 2.0]])
    ends = final_states(HIMMELBLAU, starts, 0.01, 100, tolerance=0.1)
    history = simulate(HIMMELBLAU, [RunSpec(lr=0.01, start=(2.0, 1.0))], 100).points[0]
    settled = ends.settled_at[0]
    assert 0 < settled < 100
    assert np.all(np.linalg.norm(history[settled:] - history[settled], axis=1) <= 0.1)
    assert np.linalg.norm(history[settled] - history[0]) > 0.1
    assert ends.settled_at[1] == 0  # started in the minimum


def test_the_job_draws_a_coarse_map_first_then_the_chosen_grid():
    job = BasinsJob(HIMMELBLAU, BasinSettings(lr=0.01, steps=20, grid=80))
    assert job.snapshot().map is None and job.snapshot().progress == 0.0
    while job.snapshot().map is None:
        assert job.advance()
    assert job.snapshot().map.grid == COARSE_GRID and job.snapshot().progress < 0.5
    while job.advance():
        pass
    assert job.snapshot().map.grid == 80 and job.snapshot().progress == 1.0


def test_a_1d_surface_or_a_bad_grid_is_refused_in_one_line():
    with pytest.raises(ValueError, match="2D surface"):
        BasinsJob(get_surface("parabola"), BasinSettings(lr=0.1, steps=10))
    with pytest.raises(ValueError, match="grid"):
        BasinsJob(HIMMELBLAU, BasinSettings(lr=0.1, steps=10, grid=401))
