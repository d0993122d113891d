"""Grid search's benchmark: a 4x4 grid (learning rates x hidden layers) on `circle`, the same
cells on one process (joblib n_jobs=1: in this process, one after the other) and on every core
(n_jobs=-1: loky worker processes), timed in the same run; prints both and the ratio.

The pool's first use starts its worker processes (each imports torch and gdsim): that delay
is timed on its own, on a one-cell grid, before the comparison, so the all-cores figure is a
warm pool's, as every run after the first is in the app.

Run: `.venv/bin/python scripts/bench_grid.py [--steps N] [--json]`.
"""

from __future__ import annotations

import argparse
import json
import os
import time

from gdsim.core.datasets import DatasetParams, make_dataset
from gdsim.core.grid_search import GridJob, GridSpec
from gdsim.core.network import NetworkSpec
from gdsim.core.training import TrainingConfig

RATES = (0.03, 0.3, 3.0, 30.0)
LAYERS = (1, 2, 3, 4)


def timed_grid(grid: GridSpec, n_jobs: int) -> tuple[float, list[tuple[int, int, str]]]:
    """Wall time of the whole grid and its cells (place and exact loss, to check that both
    runs computed the same thing)."""
    dataset = make_dataset(DatasetParams("circle"))
    spec = NetworkSpec.for_task(dataset.task, dataset.input_dim, dataset.n_classes)
    start = time.perf_counter()
    frame = GridJob(grid, spec, TrainingConfig(), dataset, n_jobs=n_jobs).run()
    seconds = time.perf_counter() - start
    return seconds, sorted((c.row, c.col, c.val_loss.hex()) for c in frame.cells)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=500, help="steps per cell (default 500)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    grid = GridSpec(lrs=RATES, axis="layers", values=LAYERS, steps=args.steps, width=16)
    first_use, _ = timed_grid(GridSpec(lrs=(0.1,), values=(1,), steps=1), -1)
    one, cells_one = timed_grid(grid, 1)
    every, cells_every = timed_grid(grid, -1)
    if cells_one != cells_every:
        raise SystemExit("the two runs computed different cells")
    figures = {
        "cores": os.cpu_count(),
        "cells": len(cells_one),
        "steps_per_cell": args.steps,
        "pool_first_use_s": round(first_use, 3),
        "one_process_s": round(one, 3),
        "all_cores_s": round(every, 3),
        "speed_up": round(one / every, 2),
    }
    if args.json:
        print(json.dumps(figures))
        return
    print(f"grid 4x4 on circle, {args.steps} steps per cell, {os.cpu_count()} cores")
    print(f"  pool's first use (workers start): {first_use:7.2f} s")
    print(f"  one process  (n_jobs=1):          {one:7.2f} s")
    print(f"  all cores    (n_jobs=-1):         {every:7.2f} s")
    print(f"  speed-up:                         {one / every:7.2f}x  (same cells, bit for bit)")


if __name__ == "__main__":
    main()
