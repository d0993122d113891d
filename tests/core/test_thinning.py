"""Thinning a long history for display: few points, and every point a reader looks for."""

import itertools

import numpy as np
import pytest

from gdsim.core.thinning import display_indices, path_indices, unchanged


def test_a_short_history_is_drawn_whole():
    assert np.array_equal(display_indices(np.linspace(1, 0, 500), 800), np.arange(500))


def test_a_long_history_keeps_its_ends_extremes_and_divergence_point():
    rng = np.random.default_rng(0)
    values = np.abs(rng.normal(size=20_001)) + 1.0
    values[7_777] = 1e9  # a spike
    values[12_345] = 1e-6  # the lowest point
    values[15_001:] = np.nan  # diverged: stopped after step 15,000
    picks = display_indices(values, 800)
    assert len(picks) <= 803
    assert np.all(np.diff(picks) > 0)
    for index in (0, 7_777, 12_345, 15_000, 20_000):
        assert index in picks


def test_an_oscillation_keeps_its_envelope():
    steps = np.arange(20_001)
    values = 1.0 + 0.5 * (-1.0) ** steps * np.exp(-steps / 5_000)
    picks = display_indices(values, 800)
    thinned = values[picks]
    bins = np.array_split(np.arange(20_001), 40)
    for chunk in bins:  # every stretch keeps its highs and lows (to a bin's decay)
        inside = thinned[(picks >= chunk[0]) & (picks <= chunk[-1])]
        assert inside.max() == pytest.approx(values[chunk].max(), rel=1e-2)
        assert inside.min() == pytest.approx(values[chunk].min(), rel=1e-2)


def test_a_converging_path_keeps_one_point_per_cell_its_ends_and_breaks():
    steps = np.arange(20_001)
    xy = np.column_stack([np.exp(-steps / 500), 0.5 * np.exp(-steps / 300)])  # into (0, 0)
    xy[9_000] = np.nan  # a break in the line is never dropped
    picks = path_indices(xy, (0.01, 0.01))
    assert len(picks) < 400
    assert np.all(np.diff(picks) > 0)
    for index in (0, 9_000, 20_000):
        assert index in picks
    kept = xy[picks]
    for start, end in itertools.pairwise(picks):  # what was left out stayed put
        skipped = xy[start:end]
        finite = skipped[np.all(np.isfinite(skipped), axis=1)]
        if finite.size and np.all(np.isfinite(xy[start])):
            assert np.all(np.abs(finite - xy[start]) < 0.01 + 1e-12)
    assert np.array_equal(kept[-1], xy[-1])


def test_a_path_is_drawn_whole_without_a_cell_size():
    xy = np.zeros((1_000, 2))
    assert np.array_equal(path_indices(xy, (0.0, 0.0)), np.arange(1_000))
    assert np.array_equal(path_indices(xy, (0.1, 0.1)), [0, 999])


def test_unchanged_compares_every_bit_and_nan_equals_itself():
    before = np.array([[1.0, np.nan], [3.0, 4.0]])
    assert unchanged(before, before.copy())
    moved = before.copy()
    moved[1, 1] = np.nextafter(4.0, 5.0)
    assert not unchanged(before, moved)
    assert not unchanged(before, before[:1])
    assert not unchanged(before, before.astype(np.float32))
