"""Which points of a long history to draw: a plot a few hundred pixels wide cannot show 20,000
iterates, and handing them all to the plot every frame of a dragged slider costs more than
the rest of the frame.

The selection is the training plots' (``thin_for_display`` in ``gdsim/core/training_job.py``:
per bin the lowest and the highest value, so an oscillation keeps its envelope and a blow-up its
peak), plus the points a reader of the surface explorer looks for: the start, the last step and
the divergence point (the last finite value before a run stopped), which a bin's extremes need
not include.
"""

from __future__ import annotations

import numpy as np

from gdsim.core.training_job import thin_for_display


def display_indices(values: np.ndarray, max_points: int) -> np.ndarray:
    """Sorted indices of about ``max_points`` (at most ``max_points`` + 3) points of ``values``
    to draw; all of them when there are no more than ``max_points``."""
    n = len(values)
    everything = np.arange(n)
    if n <= max_points:
        return everything
    picks, _values = thin_for_display(everything, values, max_points)
    finite = np.flatnonzero(np.isfinite(values))
    kept = [picks, [0, n - 1]]
    if finite.size:
        kept.append(finite[-1:])
    return np.unique(np.concatenate(kept).astype(np.intp))
