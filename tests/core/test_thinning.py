"""Thinning a long history for display: few points, and every point a reader looks for."""

import numpy as np
import pytest

from gdsim.core.thinning import display_indices


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
