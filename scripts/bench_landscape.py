"""Time a 51x51 loss landscape of a 2-50-1 network on 1,000 points (issue 15's figure).

Four ways in one run, on one thread (as the worker runs): the sequential loop that writes
each grid point's parameters into the model (`vector_to_parameters`) and evaluates it, the
hand-batched `baddbmm` path and the `functional_call` + `vmap` path of
`gdsim.core.landscape.BatchedLoss`, and `PlaneLoss` (what the job's grid uses: weights linear
in the plane's coordinates); then the job's own grid: `PlaneLoss` on `GRID_THREADS` torch
threads (every core), as `LandscapeJob` evaluates it; then the coarse preview (26x26 on at most
256 points). Prints each median, the ratios against the loop (issue 15's target: the job's
grid at least 5x the loop and under 0.1 s), and the batched paths at a few chunk sizes.

    .venv/bin/python scripts/bench_landscape.py
"""

from __future__ import annotations

import numpy as np
import torch
from _timing import median_seconds

from gdsim.core import landscape
from gdsim.core.datasets import DatasetParams, make_dataset
from gdsim.core.landscape import BatchedLoss, Plane, PlaneLoss
from gdsim.core.network import NetworkSpec, build_model, loss_function

GRID = 51


def main() -> None:
    torch.set_num_threads(1)
    data = make_dataset(DatasetParams(name="circle", n=1250, val_fraction=0.2))
    x, y = data.x_train, data.y_train
    spec = NetworkSpec(hidden=((50, "relu"),))
    model = build_model(spec)
    theta = torch.nn.utils.parameters_to_vector(model.parameters()).detach().numpy()
    shapes = [tuple(p.shape) for p in model.parameters()]
    rng = np.random.default_rng(0)
    directions = np.stack([landscape.filter_normalized(theta, shapes, rng) for _ in range(2)])
    plane = Plane("random", theta.astype(float), directions, ((-1.0, 1.0), (-1.0, 1.0)))
    coords = plane.grid_coordinates(GRID)
    points = plane.points(coords).astype(np.float32)
    print(f"{len(x)} points, a 2-50-1 network ({theta.size} parameters), {GRID}x{GRID} grid")

    loss_fn = loss_function(spec.task)

    def loop() -> np.ndarray:
        out = np.empty(len(points))
        with torch.no_grad():
            for i, point in enumerate(points):
                torch.nn.utils.vector_to_parameters(torch.from_numpy(point), model.parameters())
                out[i] = float(loss_fn(model(x), y))
        return out

    batched = BatchedLoss(model, spec.task, x, y)
    vmapped = BatchedLoss(model, spec.task, x, y, force_vmap=True)
    np.testing.assert_allclose(batched(points), loop(), rtol=1e-5, atol=1e-6)
    on_plane = PlaneLoss(batched, plane)  # its chunk sized for the job's GRID_THREADS
    one_thread = PlaneLoss(batched, plane)
    one_thread.chunk = max(1, on_plane.chunk // landscape.GRID_THREADS)

    def job_grid() -> np.ndarray:
        with landscape.grid_threads():
            return on_plane(coords)

    np.testing.assert_allclose(vmapped(points), loop(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(on_plane(coords), loop(), rtol=1e-5, atol=1e-6)
    ways = {
        "sequential loop": loop,
        "batched (baddbmm)": lambda: batched(points),
        "batched (vmap)": lambda: vmapped(points),
        "on the plane": lambda: one_thread(coords),
        f"the job ({landscape.GRID_THREADS} thr.)": job_grid,
    }
    times: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(3):  # alternating rounds: each way sees the same machine load
        for name, work in ways.items():
            times[name].append(median_seconds(work, 1))
    t_loop = float(np.median(times["sequential loop"]))
    for name, measured in times.items():
        t = float(np.median(measured))
        print(f"{name:20s}{t * 1e3:8.1f} ms   {t_loop / t:5.1f}x the loop")
    stride = max(1, -(-len(x) // landscape.PREVIEW_POINTS))
    coarse = PlaneLoss(BatchedLoss(model, spec.task, x[::stride], y[::stride]), plane)
    preview = plane.grid_coordinates(landscape.PREVIEW_GRID)
    t_preview = median_seconds(lambda: coarse(preview), 5)
    print(f"preview 26x26       {t_preview * 1e3:8.1f} ms   on {len(coarse.loss.x)} points")
    print(f"chunks: baddbmm {batched.chunk}, on the plane {one_thread.chunk} grid points")
    for chunk in (1, 5, 10, 20, 40, 100):
        batched.chunk = on_plane.chunk = chunk
        t_b = median_seconds(lambda: batched(points), 3)
        t_p = median_seconds(lambda: on_plane(coords), 3)  # one thread here
        print(f"  chunk {chunk:4d}: baddbmm {t_b * 1e3:7.1f} ms, on the plane {t_p * 1e3:7.1f} ms")


if __name__ == "__main__":
    main()
