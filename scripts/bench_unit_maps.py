"""What the network diagram's per-neuron maps cost: the core's maps (every unit over a 24x24
grid, `gdsim/core/unit_maps.py`) against the decision map's own 80x80 prediction and against
one training step, for a 2-16-1 and a 2-32-32-1 network, plus the diagram's side: an edge
hit-test per mouse move and a full repaint with maps, at 8 hidden layers of 32 units.

Run with `python scripts/bench_unit_maps.py` (offscreen: no display needed).
"""

from __future__ import annotations

import itertools
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import torch
from _timing import median_seconds

from gdsim.core.datasets import DatasetParams, make_dataset
from gdsim.core.network import NetworkSpec
from gdsim.core.training import TrainingConfig, TrainingSession
from gdsim.core.unit_maps import map_grid, unit_maps


def bench_core() -> None:
    torch.set_num_threads(1)  # as in the worker (gdsim/ui/workers.py)
    data = make_dataset(DatasetParams(name="circle", n=200))
    (x0, x1), (y0, y1) = data.input_range
    xs, ys = np.linspace(x0, x1, 80), np.linspace(y0, y1, 80)
    coarse = map_grid(xs, ys)
    for hidden in (((16, "tanh"),), ((32, "tanh"), (32, "tanh"))):
        spec = NetworkSpec(hidden=hidden)
        session = TrainingSession(spec, data, TrainingConfig(lr=0.1, steps=100_000))
        maps = median_seconds(lambda s=session: unit_maps(s.model, *coarse), 200)
        grid = median_seconds(lambda s=session: s.predict_grid(xs, ys), 200)
        step = median_seconds(lambda s=session: s.step(1), 200)
        name = "-".join(str(w) for w in spec.widths)
        print(
            f"{name:>10}: unit maps {1e3 * maps:.3f} ms per detail frame = "
            f"{maps / grid:.2f}x the decision map's prediction ({1e3 * grid:.3f} ms), "
            f"{maps / step:.2f}x a training step ({1e3 * step:.3f} ms); at 4 detail frames "
            f"a second, {100 * 4 * maps:.2f}% of the worker's time"
        )


def bench_diagram() -> None:
    from PySide6 import QtCore, QtWidgets

    from gdsim.ui.widgets.network_diagram import NetworkDiagram

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    widths = (2, *([32] * 8), 1)
    diagram = NetworkDiagram()
    diagram.resize(900, 600)
    diagram.set_architecture(widths, [str(w) for w in widths], ["tanh"] * 8 + ["σ"])
    rng = np.random.default_rng(0)
    layers = [
        (rng.normal(size=(b, a)).astype(np.float32), np.zeros(b, np.float32))
        for a, b in itertools.pairwise(widths)
    ]
    maps = [rng.normal(size=(w, 24, 24)).astype(np.float32) for w in widths[1:]]
    diagram.set_weights(layers)
    diagram.set_maps(maps, None)
    points = [QtCore.QPointF(x, y) for x, y in rng.uniform((0, 0), (900, 600), size=(200, 2))]

    def hover() -> None:
        for point in points:
            diagram.hover_at(point)

    def repaint() -> None:
        diagram.set_maps(maps, None)
        diagram.grab()

    per_move = median_seconds(hover, 5) / len(points)
    paint = median_seconds(repaint, 10)
    diagram.set_maps([], None)
    plain = median_seconds(lambda: (diagram.set_weights(layers), diagram.grab()), 10)
    print(
        f"2-32x8-1 diagram: hover hit-test {1e3 * per_move:.3f} ms per mouse move; repaint "
        f"with maps {1e3 * paint:.2f} ms = {paint / plain:.2f}x without ({1e3 * plain:.2f} ms)"
    )
    app.processEvents()


if __name__ == "__main__":
    bench_core()
    bench_diagram()
