"""Basins of attraction's benchmark: 200 x 200 starts x 200 steps on himmelblau (target under
1 s), against the baseline of ``simulate()`` keeping the whole history, timed in the same run
on a slice of the same grid and scaled to the whole (the whole would hold ~0.5 GB). Two ways:
``compute_basins`` in one unit of work (``gdsim basins``), and the explorer's ``BasinsJob``
in units of ``CHUNK`` starts (cancellable, a coarse 50 x 50 map first).

Run: `.venv/bin/python scripts/bench_basins.py [--json]`.
"""

from __future__ import annotations

import argparse
import json

from _timing import median_seconds

GRID = 200
STEPS = 200
LR = 0.01
BASELINE_SLICE = 10
"""The baseline runs one tenth of the grid's starts, and its time is multiplied by ten."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    import numpy as np

    from gdsim.core.basins import BasinSettings, BasinsJob, compute_basins, grid_starts
    from gdsim.core.simulate import RunSpec, simulate
    from gdsim.core.surfaces import get_surface

    surface = get_surface("himmelblau")
    settings = BasinSettings(lr=LR, steps=STEPS, grid=GRID)
    starts = grid_starts(surface, GRID)[:: BASELINE_SLICE]
    runs = [RunSpec(lr=LR, start=tuple(point)) for point in starts]

    def baseline() -> None:
        result = simulate(surface, runs, STEPS)
        with np.errstate(invalid="ignore"):
            np.linalg.norm(result.points[:, -1, None, :] - np.array(surface.minima), axis=2)

    def in_the_view() -> None:
        job = BasinsJob(surface, settings)
        while job.advance():
            pass

    with np.errstate(all="ignore"):
        basins_s = median_seconds(lambda: compute_basins(surface, settings), args.repeats)
        view_s = median_seconds(in_the_view, args.repeats)
        baseline_s = median_seconds(baseline, args.repeats) * BASELINE_SLICE
    figures = {
        "basins_s": basins_s,
        "view_job_s": view_s,
        "simulate_full_trace_s": baseline_s,
        "speedup": baseline_s / basins_s,
        "target_s": 1.0,
    }
    if args.json:
        print(json.dumps(figures))
        return
    print(f"basins {GRID}x{GRID} starts x {STEPS} steps on himmelblau (target < 1 s)")
    print(f"  gdsim basins (final_states, one unit):   {basins_s * 1e3:8.1f} ms")
    print(f"  the explorer's job (coarse + chunks):    {view_s * 1e3:8.1f} ms")
    scaled = f"1/{BASELINE_SLICE} x {BASELINE_SLICE}"
    print(f"  simulate() full trace ({scaled}):       {baseline_s * 1e3:8.1f} ms")
    print(f"  ratio: {baseline_s / basins_s:.1f}x faster than the full trace")


if __name__ == "__main__":
    main()
