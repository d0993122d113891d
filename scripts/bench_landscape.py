"""Time a 51x51 loss landscape of a 2-50-1 network on 1,000 points (issue 15's figure).

Three ways in one run, on one thread (as the worker runs): the sequential loop that writes
each grid point's parameters into the model (`vector_to_parameters`) and evaluates it, the
hand-batched `baddbmm` path and the `functional_call` + `vmap` path of
`gdsim.core.landscape.BatchedLoss`; then the coarse preview (26x26 on at most 256 points).
Prints each median, the ratios against the loop, and the batched path at a few chunk sizes.

    .venv/bin/python scripts/bench_landscape.py
"""

from __future__ import annotations

import numpy as np
import torch
from _timing import median_seconds

from gdsim.core import landscape
from gdsim.core.datasets import DatasetParams, make_dataset
from gdsim.core.landscape import BatchedLoss, Plane
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
    points = plane.points(plane.grid_coordinates(GRID)).astype(np.float32)
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
    np.testing.assert_allclose(vmapped(points), loop(), rtol=1e-5, atol=1e-6)
    t_loop = median_seconds(loop, 3)
    t_batched = median_seconds(lambda: batched(points), 5)
    t_vmap = median_seconds(lambda: vmapped(points), 5)
    stride = max(1, -(-len(x) // landscape.PREVIEW_POINTS))
    coarse = BatchedLoss(model, spec.task, x[::stride], y[::stride])
    preview = plane.points(plane.grid_coordinates(landscape.PREVIEW_GRID)).astype(np.float32)
    t_preview = median_seconds(lambda: coarse(preview), 5)
    print(f"sequential loop     {t_loop * 1e3:8.1f} ms")
    print(f"batched (baddbmm)   {t_batched * 1e3:8.1f} ms   {t_loop / t_batched:5.1f}x the loop")
    print(f"batched (vmap)      {t_vmap * 1e3:8.1f} ms   {t_loop / t_vmap:5.1f}x the loop")
    print(f"preview 26x26       {t_preview * 1e3:8.1f} ms   on {len(coarse.x)} points")
    print(f"chunk: {batched.chunk} grid points ({landscape.CHUNK_BYTES >> 20} MiB of activations)")
    for chunk in (1, 5, 20, 100, 500):
        batched.chunk = chunk
        print(f"  chunk {chunk:5d}: {median_seconds(lambda: batched(points), 3) * 1e3:8.1f} ms")


if __name__ == "__main__":
    main()
