"""gdsim's benchmark: speed is measured here, against baselines timed in the same run, never
asserted in tests.

Sections (all by default; `--only` picks some; `--json` prints one JSON document):
- simulate: K runs x 500 steps on rosenbrock and on a typed expression, gdsim's vectorised
  numpy simulator against a bare per-step torch.optim.SGD loop doing the same work (the same K
  iterates in one tensor, autograd each step). Targets: 4 x 500 < 5 ms, 1,000 x 500 < 200 ms.
- slider: slider-change-to-redrawn-frame time in the surface explorer, offscreen
  (scripts/bench_ui.py), 4 runs x 500 and x 20,000 steps on rosenbrock, split into simulate,
  presenter, histories, tracks and paint. Targets: 4 x 500 median < 8 ms; 4 x 20,000 < 16 ms
  (simulate reported apart); longest stall while dragging < 50 ms.
- training: the app's training worker against a bare PyTorch loop on the same model and data
  (scripts/bench_training.py). Target: >= 0.9x; GUI stall while training < 50 ms.

Run: `.venv/bin/python scripts/bench.py` (after `scripts/test` or `scripts/run` set up .venv).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

from _timing import median_seconds

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))

TYPED_EXPRESSION = "0.5*x**2 + 2*y**2 + 0.3*sin(3*x)*cos(2*y)"
STEPS = 500


def bench_simulate(repeats: int = 7) -> dict[str, dict[str, float]]:
    import numpy as np
    import sympy
    import torch

    from gdsim.core.simulate import RunSpec, simulate
    from gdsim.core.surfaces import get_surface

    torch.set_num_threads(1)
    results: dict[str, dict[str, float]] = {}
    for name in ("rosenbrock", TYPED_EXPRESSION):
        surface = get_surface(name)
        torch_f = sympy.lambdify(
            sympy.symbols(" ".join(surface.variables)), surface.function.expr, modules="torch"
        )
        lr = 1e-4 if name == "rosenbrock" else 0.05
        for k in (4, 1000):
            rng = np.random.default_rng(0)
            (x_lo, x_hi), (y_lo, y_hi) = surface.domain
            starts = np.column_stack(
                [rng.uniform(x_lo, x_hi, k) / 2, rng.uniform(y_lo, y_hi, k) / 2]
            )
            runs = [RunSpec(lr=lr, start=tuple(p)) for p in starts]

            t_ours = median_seconds(partial(simulate, surface, runs, STEPS), repeats)
            t_torch = median_seconds(
                partial(_torch_sgd_loop, torch_f, starts, lr), max(3, repeats // 2)
            )
            label = "rosenbrock" if name == "rosenbrock" else "typed"
            results[f"{label} {k}x{STEPS}"] = {
                "gdsim_ms": t_ours * 1e3,
                "torch_sgd_ms": t_torch * 1e3,
                "speedup": t_torch / t_ours,
            }
    return results


def _torch_sgd_loop(function: Callable, starts: object, lr: float) -> object:
    """The baseline: the same K iterates as one tensor, autograd + torch.optim.SGD per step."""
    import torch

    point = torch.tensor(starts, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([point], lr=lr)
    for _ in range(STEPS):
        optimizer.zero_grad()
        function(point[:, 0], point[:, 1]).sum().backward()
        optimizer.step()
    return point


def print_simulate(results: dict[str, dict[str, float]]) -> None:
    print(f"simulate ({STEPS} steps; typed = {TYPED_EXPRESSION})")
    print(f"  {'case':<22}{'gdsim ms':>10}{'torch.optim ms':>16}{'speed-up':>10}")
    for case, row in results.items():
        print(
            f"  {case:<22}{row['gdsim_ms']:>10.2f}{row['torch_sgd_ms']:>16.1f}"
            f"{row['speedup']:>9.1f}x"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--only", nargs="+", choices=["simulate", "slider", "training"], default=None
    )
    args = parser.parse_args(argv)
    sections = args.only or ["simulate", "slider", "training"]
    report: dict[str, object] = {}
    if "simulate" in sections:
        report["simulate"] = bench_simulate()
        if not args.json:
            print_simulate(report["simulate"])
    if "slider" in sections:
        import bench_ui

        report["slider"] = bench_ui.bench_slider()
        if not args.json:
            print("slider (median and worst frame, each part's median):")
            bench_ui.print_slider(report["slider"])
    if "training" in sections:
        import bench_training

        report["training"] = bench_training.bench_training()
        if not args.json:
            print("training", json.dumps(report["training"], indent=2))
    if args.json:
        print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
