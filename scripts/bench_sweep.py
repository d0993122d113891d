"""The learning-rate sweep's benchmark: 1,000 learning rates x 500 steps on rosenbrock.

Measured in the same run, so the figures are comparable on any machine:
- compute: ``run_sweep`` (the runs in a few ``simulate`` chunks, each judged by the verdict
  classifier, the critical rates, the distances);
- draw: ``SweepPlots.draw`` (setData on the view's items) and one repaint, offscreen;
- baseline: the same 1,000 runs as 1,000 separate one-run ``simulate`` calls, each judged.
Target: compute + draw under 0.2 s. Median of a few repeats, after a warm-up.

Run: `.venv/bin/python scripts/bench_sweep.py [--repeats N]`.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from _timing import median_seconds

COUNT = 1000
STEPS = 500
LR_RANGE = (1e-5, 1e-2)
TARGET = 0.2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from PySide6 import QtWidgets

    from gdsim.core.simulate import simulate
    from gdsim.core.surfaces import get_surface
    from gdsim.core.sweep import Measure, SweepConfig, run_sweep
    from gdsim.core.verdict import classify_view
    from gdsim.ui.app import configure_pyqtgraph
    from gdsim.ui.widgets.sweep_plots import SweepPlots

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    configure_pyqtgraph()
    surface = get_surface("rosenbrock")
    config = SweepConfig(
        surface=surface,
        start=surface.start,
        steps=STEPS,
        lr_min=LR_RANGE[0],
        lr_max=LR_RANGE[1],
        count=COUNT,
    )
    result = run_sweep(config)
    compute = median_seconds(lambda: run_sweep(config), args.repeats)

    plots = SweepPlots()
    plots.resize(1280, 800)
    plots.show()
    app.processEvents()

    def draw() -> None:
        plots.draw(result, Measure.LOSS)
        plots.plot.grab()  # the repaint, offscreen

    drawing = median_seconds(draw, args.repeats)

    def one_by_one() -> None:
        with np.errstate(all="ignore"):
            for lr in result.lrs:
                classify_view(simulate(surface, [config.run(lr)], STEPS).run(0))

    baseline = median_seconds(one_by_one, 1)
    total = compute + drawing
    print(f"sweep of {COUNT} learning rates x {STEPS} steps on rosenbrock")
    verdict = "met" if total < TARGET else "missed"
    print(f"  compute               {compute * 1e3:8.1f} ms")
    print(f"  draw (setData, paint) {drawing * 1e3:8.1f} ms")
    print(f"  compute + draw        {total * 1e3:8.1f} ms  (target 200 ms: {verdict})")
    print(f"  baseline, {COUNT} one-run simulate calls {baseline * 1e3:8.1f} ms")
    print(f"  the sweep's compute is {baseline / compute:.1f}x faster than the baseline")
    plots.close()


if __name__ == "__main__":
    main()
