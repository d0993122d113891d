"""gdsim's benchmark: speed is measured here, against baselines timed in the same run, never
asserted in tests.

Sections (all by default; `--only` picks some; `--json` prints one JSON document):
- simulate: K runs x 500 steps on rosenbrock and on a typed expression, gdsim's simulate
  (compiled kernel, numpy where it is unavailable) against a bare per-step torch.optim.SGD
  loop doing the same work (the same K iterates in one tensor, autograd each step).
  Targets: 4 x 500 < 5 ms, 1,000 x 500 < 200 ms.
- kernel: whole simulate calls on rosenbrock in ns per step and run, each of its paths in the
  same process in alternating rounds: the kernel specialised to the formula and rule (after
  waiting for its compilation) with a call that differs from a recent one only in its rates
  prepared (the app's) and unprepared, the generic kernel (GDSIM_KERNEL=generic), the numpy
  path (GDSIM_KERNEL=numpy), and at 1,000 runs and more the runs given as arrays (RunBatch)
  and hand-written vectorised numpy Rosenbrock loops keeping the iterates alone (the issue's
  baseline) and the same history as simulate (like with like): 4 x 500 (the slider: single
  calls between other work, and hot, repeated calls as in a drag), 4 x 20,000 (a long run),
  1,000 x 500 (a sweep), 40,000 x 100 (a basins map, also through final_states, which the
  basins view runs, against the points-only hand loop in the same rounds). Targets
  (issue 16): <= 25 ns per step and run everywhere; no slower than the hand-written loop. Then
  the seconds a specialised kernel takes to compile per (formula, rule, loop), cache empty and
  warm, in new processes.
  Also a typed formula's first frame (parse + simulate 4 x 500) in a fresh process whose
  kernel cache is empty (the kernel compiles in the background meanwhile) and warm. Target:
  < 50 ms.
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
from dataclasses import replace
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

    from gdsim.core import kernel
    from gdsim.core.simulate import RunSpec, simulate
    from gdsim.core.surfaces import get_surface

    kernel.wait_until_loaded()  # simulate as the app runs it once started: compiled
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


KERNEL_CASES = ((4, 500), (4, 20_000), (1_000, 500), (40_000, 100))
KERNEL_MODES = ("specialised", "generic", "numpy")
"""simulate's paths: the kernel specialised to the formula and rule (the app's, once
compiled), the generic kernel (GDSIM_KERNEL=generic, while it compiles) and numpy."""

HOT_CALLS = 40
"""Calls per block in the hot timing of 4 x 500: a slider drag is such a block of calls that
differ only in the rate."""


def bench_kernel(repeats: int = 5) -> dict[str, dict[str, float]]:
    """ns per step and run (whole simulate calls) on rosenbrock, every path in this process,
    in alternating rounds.

    Each call has a new rate for its first run, as a slider frame does. "specialised" is the
    app's call: one that differs from a recent call only in the rates is prepared (its checks
    and inputs kept, see ``simulate._Prepared``); "unprepared" is the same kernel with nothing
    kept. At 4 x 500 both are timed cold (single calls between the other paths' calls, caches
    evicted) and hot (the median call of blocks of ``HOT_CALLS`` calls, blocks alternating
    between the paths: a drag). At 1,000 runs and more the baselines are hand-written vectorised
    numpy Rosenbrock loops: "hand_points" keeps the iterates alone (the issue's baseline, 16
    bytes per step and run), "hand_history" the same history as simulate (iterates, gradients
    and losses: 40 bytes); like with like, simulate gets its runs as arrays ("arrays", a
    ``RunBatch``) as the hand loops do, and as ``RunSpec`` objects ("specialised")."""
    import numpy as np

    from gdsim.core import kernel
    from gdsim.core.simulate import RunBatch, RunSpec, final_states, forget_prepared, simulate
    from gdsim.core.surfaces import get_surface

    surface = get_surface("rosenbrock")
    with _kernel_mode("specialised"):
        ready = kernel.wait_until_ready(surface.function, ["gd"]) and kernel.wait_until_ready(
            surface.function, ["gd"], "final"
        )
    if not (ready and kernel.wait_until_loaded()):
        raise SystemExit("bench: the compiled kernels are unavailable (numba missing?)")
    lr = 1e-4
    results: dict[str, dict[str, float]] = {}
    for count, steps in KERNEL_CASES:
        starts = np.random.default_rng(0).uniform((-1.5, -0.5), (1.5, 2.5), (count, 2))
        first, *rest = [RunSpec(lr=lr, start=tuple(p)) for p in starts]
        frames = [[replace(first, lr=lr * (1.0 + 0.01 * k)), *rest] for k in range(8)]
        call = partial(_next_frame, simulate, surface, frames, steps)
        works = {f"{mode}_ns": (mode, call) for mode in KERNEL_MODES}
        works["unprepared_ns"] = ("specialised", partial(_unprepared, forget_prepared, call))
        if count >= 1000:
            batch = RunBatch(np.full(count, lr), starts)
            works["arrays_ns"] = ("specialised", partial(simulate, surface, batch, steps))
            for keep in ("points", "history"):
                hand = partial(_hand_written_rosenbrock, starts.T.copy(), lr, steps, keep)
                works[f"hand_{keep}_ns"] = ("numpy", hand)
        few = repeats if count * steps < 1e6 else 3
        row = _alternating(works, few, 1e9 / (count * steps))
        if count * steps < 1e4:
            hot = {key: works[key] for key in ("specialised_ns", "unprepared_ns")}
            hot_row = _alternating(hot, 3 * repeats, 1e9 / (count * steps), HOT_CALLS)
            row |= {key.replace("_", "_hot_", 1): value for key, value in hot_row.items()}
        results[f"simulate {count}x{steps}"] = row
    count, steps = KERNEL_CASES[-1]
    starts = np.random.default_rng(0).uniform((-1.5, -0.5), (1.5, 2.5), (count, 2))
    basins = partial(final_states, surface, starts, lr, steps, tolerance=1e-3)
    works = {f"{mode}_ns": (mode, basins) for mode in KERNEL_MODES}
    hand = partial(_hand_written_rosenbrock, starts.T.copy(), lr, steps, "points")
    works["hand_points_ns"] = ("numpy", hand)
    results[f"final_states {count}x{steps}"] = _alternating(works, 3, 1e9 / (count * steps))
    return results


def _next_frame(simulate: Callable, surface: object, frames: list, steps: int) -> object:
    """``simulate`` with the next of ``frames`` (the same runs but for the first one's rate)."""
    frames.append(frames.pop(0))
    return simulate(surface, frames[0], steps)


def _unprepared(forget: Callable[[], None], call: Callable[[], object]) -> object:
    forget()
    return call()


def _alternating(
    works: dict[str, tuple[str, Callable[[], object]]],
    repeats: int,
    scale: float,
    calls: int = 1,
) -> dict[str, float]:
    """Median wall and CPU time of one call of each work x ``scale``, timed in alternating
    rounds (the machine's load shifts between rounds, not within one) after one warm-up call
    each; a round times a block of ``calls`` calls of each work in turn."""
    import statistics
    import time

    walls: dict[str, list[float]] = {key: [] for key in works}
    cpus: dict[str, list[float]] = {key: [] for key in works}
    for round_ in range(repeats + 1):
        for key, (mode, work) in works.items():
            with _kernel_mode(mode):
                wall, cpu = time.perf_counter(), time.process_time()
                for _ in range(calls):
                    work()
                if round_:
                    walls[key].append((time.perf_counter() - wall) / calls)
                    cpus[key].append((time.process_time() - cpu) / calls)
    row = {key: statistics.median(times) * scale for key, times in walls.items()}
    row |= {key.replace("_ns", "_cpu_ns"): statistics.median(t) * scale for key, t in cpus.items()}
    return row


COMPILE = """
import json, sys, time
from gdsim.core import kernel
from gdsim.core.surfaces import get_surface
started = time.perf_counter()
import numba  # imported once per process, by the first compilation
times = {"import numba": time.perf_counter() - started}
for name, label in ((sys.argv[1], "rosenbrock"), (sys.argv[2], "typed")):
    function = get_surface(name).function
    kernel.wait_until_ready(function, ["gd"], "history")  # the program, and numba set up
    for optimizer, kind in (("adam", "history"), ("momentum", "final")):
        began = time.perf_counter()
        assert kernel.wait_until_ready(function, [optimizer], kind)
        times[f"{label} {optimizer} {kind}"] = time.perf_counter() - began
print(json.dumps(times))
"""


def bench_compile() -> dict[str, dict[str, float]]:
    """Seconds from asking to a ready specialised kernel per (formula, rule, loop) in a new
    process: cache empty (compiled), then warm (loaded from numba's cache)."""
    formulas = ["rosenbrock", TYPED_EXPRESSION]
    runs = _cold_then_warm(COMPILE, {"cold": formulas, "warm": formulas})
    return {f"compile {case}": result for case, result in runs.items()}


def _cold_then_warm(script: str, cases: dict[str, list[str]]) -> dict[str, dict]:
    """The JSON that ``script`` prints, run with each case's arguments in a new process, in
    order, all sharing one kernel cache that starts empty."""
    import subprocess
    import tempfile

    results = {}
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "GDSIM_CACHE_DIR": cache}
        env.pop("GDSIM_KERNEL", None)
        for case, args in cases.items():
            output = subprocess.run(
                [sys.executable, "-c", script, *args],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            results[case] = json.loads(output)
    return results


class _kernel_mode:
    """simulate's path inside the block: GDSIM_KERNEL set to ``mode`` ("specialised": unset,
    the app's default)."""

    def __init__(self, mode: str) -> None:
        self._mode = mode

    def __enter__(self) -> None:
        from gdsim.core import kernel

        self._before = os.environ.pop(kernel.FORCE_NUMPY_ENV, None)
        if self._mode != "specialised":
            os.environ[kernel.FORCE_NUMPY_ENV] = self._mode

    def __exit__(self, *exc: object) -> None:
        from gdsim.core import kernel

        os.environ.pop(kernel.FORCE_NUMPY_ENV, None)
        if self._before is not None:
            os.environ[kernel.FORCE_NUMPY_ENV] = self._before


def _hand_written_rosenbrock(start: object, lr: float, steps: int, keep: str) -> object:
    """The issue's baseline: plain gradient descent on Rosenbrock with the gradient written out,
    vectorised over runs, keeping every iterate ("points"), or every iterate, gradient and
    loss as simulate does ("history"); neither checks for stops."""
    import numpy as np

    x, y = np.array(start[0]), np.array(start[1])
    history = np.empty((steps + 1, 2, len(x)))
    if keep == "history":
        grads, losses = np.empty_like(history), np.empty((steps + 1, len(x)))
    for t in range(steps + 1):
        history[t] = x, y
        inner = y - x * x
        gx = -2.0 * (1.0 - x) - 400.0 * x * inner
        gy = 200.0 * inner
        if keep == "history":
            grads[t] = gx, gy
            losses[t] = (1.0 - x) ** 2 + 100.0 * inner * inner
        if t < steps:
            x -= lr * gx
            y -= lr * gy
    return history


FIRST_FRAME = """
import json, sys, time
from gdsim.core import kernel
from gdsim.core.simulate import RunSpec, simulate
from gdsim.core.formula_warm_up import warm_up
from gdsim.core.surfaces import get_surface
from gdsim.core.verdict import curvature_at, reference_minimum
started = time.perf_counter()
kernel.loaded()  # the app's first frame starts loading the kernel
simulate(get_surface("parabola"), [RunSpec(lr=0.1)], 10)
warm_up()  # the app runs it in the background as its window appears
if sys.argv[1] == "warm":
    kernel.wait_until_loaded()
loading = time.perf_counter() - started
began = time.perf_counter()
surface = get_surface("0.5*x^2 + 2*y^2 + 0.3*sin(3*x)*cos(2*y) + 0.01*x*y")
parsed = time.perf_counter()
compiled = kernel.usable(surface.function, ["gd"])
simulate(surface, [RunSpec(lr=0.01 * (k + 1)) for k in range(4)], 500)
done = time.perf_counter()
minimum = reference_minimum(surface, surface.start)  # the explorer's critical step sizes
if minimum is not None:
    curvature_at(surface, minimum)
rates = time.perf_counter()
kernel.wait_until_loaded()
print(json.dumps({"parse_ms": (parsed - began) * 1e3, "simulate_ms": (done - parsed) * 1e3,
                  "first_frame_ms": (done - began) * 1e3, "compiled": compiled,
                  "rates_ms": (rates - done) * 1e3,
                  "kernel_ready_s": time.perf_counter() - started if sys.argv[1] == "fresh"
                  else loading}))
"""


def bench_first_frame() -> dict[str, dict[str, float]]:
    """A typed formula's first frame in a new process, kernel cache empty, then warm; and the
    critical step sizes the explorer computes for a new formula (Hessian, BFGS) besides."""
    runs = _cold_then_warm(FIRST_FRAME, {"fresh": ["fresh"], "warm": ["warm"]})
    return {f"{case} cache": result for case, result in runs.items()}


def print_kernel(results: dict[str, dict[str, float]]) -> None:
    print(
        "kernel (rosenbrock, whole simulate calls, ns per step and run, wall (CPU); target "
        "<= 25, no slower than the hand-written loop keeping the same history)"
    )
    columns = (
        "specialised",
        "unprepared",
        "specialised_hot",
        "unprepared_hot",
        "arrays",
        "generic",
        "numpy",
        "hand_points",
        "hand_history",
    )
    for case, row in results.items():
        if "specialised_ns" not in row:
            continue
        cells = ", ".join(
            f"{name} {row[name + '_ns']:.1f} ({row[name + '_cpu_ns']:.1f})"
            for name in columns
            if name + "_ns" in row
        )
        print(f"  {case}: {cells}")
        hand = row.get("hand_history_ns")
        if hand:
            print(
                f"    vs the hand loop keeping the same history: specialised "
                f"{hand / row['specialised_ns']:.2f}x, arrays {hand / row['arrays_ns']:.2f}x "
                f"(points only: {row['hand_points_ns'] / row['arrays_ns']:.2f}x)"
            )
        if case.startswith("final_states"):
            print(
                f"    the basins map (final_states, what the basins view runs) vs the issue's "
                f"points-only hand loop: {row['hand_points_ns'] / row['specialised_ns']:.2f}x "
                "(target >= 1)"
            )
        if "specialised_hot_ns" in row:
            steps = int(case.split("x")[-1])
            runs = int(case.split()[-1].split("x")[0])
            print(
                f"    whole call: cold {row['specialised_ns'] * runs * steps / 1e3:.0f} us, hot "
                f"{row['specialised_hot_ns'] * runs * steps / 1e3:.0f} us "
                f"(unprepared: cold {row['unprepared_ns'] * runs * steps / 1e3:.0f}, hot "
                f"{row['unprepared_hot_ns'] * runs * steps / 1e3:.0f}); target <= 50 us"
            )
    for case, row in results.items():
        if case.startswith("compile"):
            times = ", ".join(f"{name} {seconds:.2f}" for name, seconds in row.items())
            print(f"  {case} (s): {times}")
    for case, row in results.items():
        if "first_frame_ms" in row:
            print(
                f"  typed formula's first frame, {case}: {row['first_frame_ms']:.1f} ms "
                f"(parse {row['parse_ms']:.1f} + simulate 4x500 {row['simulate_ms']:.1f}, "
                f"{'compiled' if row['compiled'] else 'numpy path'}), critical step sizes "
                f"{row['rates_ms']:.1f} ms more; kernel ready after "
                f"{row['kernel_ready_s']:.2f} s"
            )


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
        "--only", nargs="+", choices=["simulate", "kernel", "slider", "training"], default=None
    )
    args = parser.parse_args(argv)
    sections = args.only or ["simulate", "kernel", "slider", "training"]
    report: dict[str, object] = {}
    if "simulate" in sections:
        report["simulate"] = bench_simulate()
        if not args.json:
            print_simulate(report["simulate"])
    if "kernel" in sections:
        report["kernel"] = {**bench_kernel(), **bench_compile(), **bench_first_frame()}
        if not args.json:
            print_kernel(report["kernel"])
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
