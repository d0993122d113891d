"""How fast the surface explorer follows a dragged step-size slider (offscreen).

For 4 runs on rosenbrock with heat map and contours on screen, at 500 steps (the default) and
at 20,000 (the longest run the explorer allows):
- slider change -> recomputed and repainted frame: median and worst of ``repeats`` changes
  (and the median CPU time of the GUI thread, steadier than wall time on a loaded machine),
  split into its parts: ``simulate`` (the simulation itself: the numpy path, or the compiled
  kernel where there is one), ``presenter`` (verdicts, thresholds, the frame), ``histories``
  (loss and distance plots), ``tracks`` (trajectories and arrows on the surface), ``paint``
  (painting the three plots) and ``other`` (the slider, the badge, the runs table, events);
  ``drawing_ms`` is the frame's median without simulate. Targets (issue 16): 4 x 500 median
  under 8 ms overall; 4 x 20,000 under 16 ms (its drawing; simulate reported apart);
- the longest GUI event-loop stall while the slider is dragged at 60 Hz (4 x 500), measured
  by a 1 ms QTimer recording the gaps between its ticks (what a user feels as a stutter).

The frames are timed once the kernel's background thread (``gdsim/core/kernel.py``) has
loaded the generic kernel and compiled rosenbrock's: timed meanwhile, the first frames ran
beside that thread holding the GIL (56 ms a frame instead of 18), which is no steady state.
How long that wait took is printed.

A frame ends when the event loop has painted what changed (the bench of issue 16 also forced a
repaint of the whole panel, its controls column included, which a slider move does not cause).
A run of 4 x 20,000 is more work than the presenter computes in the GUI thread (``SYNC_WORK``):
the app hands it to a worker thread. Here it is computed in the GUI thread like the short one,
so that the whole frame is timed the same way, part by part.

Run: ``python scripts/bench_ui.py`` (numbers vary with the load on the machine's cores).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6 import QtCore, QtWidgets

from gdsim.core.presets import parse_preset
from gdsim.ui.app import create_application

RUNS = 4
STEPS = (500, 20_000)
DRAG_HZ = 60
PARTS = ("simulate", "presenter", "histories", "tracks", "paint")


def _panel_with_four_runs(surface: str, steps: int) -> QtWidgets.QWidget:
    """The surface panel alone at the size it has in a 1280 x 800 window (other tabs' own
    background work would be measured too inside the whole main window)."""
    from gdsim.ui.panels.surface_panel import SurfacePanel

    panel = SurfacePanel()
    panel.resize(1280, 740)
    panel.show()
    preset = parse_preset(
        {
            "title": "bench",
            "surface": surface,
            "steps": steps,
            "runs": [{"lr": lr} for lr in (1e-4, 3e-4, 1e-3, 1.5e-3)[:RUNS]],
        },
        "bench",
    )
    panel.load_preset(preset)
    while panel.result() is None:  # a long run is computed in a worker thread
        QtWidgets.QApplication.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 50)
    return panel


def _kernel_settled(panel: object) -> float:
    """Wait until the kernel's background thread has nothing left to do for ``panel``'s runs
    (their surface's program and compiled loops, and the generic kernel, loaded last); the
    seconds waited."""
    from gdsim.core import kernel

    start = time.perf_counter()
    optimizers = {run.optimizer for run in panel.presenter.state().runs}
    kernel.wait_until_ready(panel.presenter.surface().function, optimizers)
    kernel.wait_until_loaded()
    return time.perf_counter() - start


def _positions(panel: object, count: int) -> list[int]:
    """``count`` slider positions sweeping 1e-4 .. 1e-2 and back, like a hand dragging to and
    fro, spread over the whole range: the slider's own steps are fine, and 60 of them from
    1e-4 had stayed below 4.4e-4, where every run is slow, never reaching 1/λ .. 2/λ (1e-3 ..
    2e-3), where runs converge (each such frame also searches the minimum a run settled in)
    and then oscillate and diverge."""
    low, high = panel.lr_slider._position_of(1e-4), panel.lr_slider._position_of(1e-2)
    half = max(count // 2, 2)
    there = [round(low + (high - low) * i / (half - 1)) for i in range(half)]
    sweep = there + there[-2:0:-1]  # no position twice in a row: each change a new frame
    return [sweep[i % len(sweep)] for i in range(count)]


class _Parts:
    """Seconds spent in each part of the frame being timed (wrapped callables add to it)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    def timed(self, part: str, work: Callable) -> Callable:
        def wrapper(*args: object, **kwargs: object) -> object:
            start = time.perf_counter()
            try:
                return work(*args, **kwargs)
            finally:
                self.seconds[part] += time.perf_counter() - start

        return wrapper


@contextmanager
def _instrumented(panel: object, parts: _Parts) -> Iterator[None]:
    """Time the frame's parts where they are called (the presenter's ``simulate``, verdicts,
    thresholds and frame; the panel's histories and tracks), with long runs computed in the
    GUI thread; everything is put back afterwards."""
    from gdsim.ui.panels import surface_panel
    from gdsim.ui.presenters import surface as presenter_module

    thresholds, module = panel.presenter._thresholds, presenter_module
    patches = [
        (module, "SYNC_WORK", RUNS * max(STEPS)),
        (module, "simulate", parts.timed("simulate", module.simulate)),
        (module, "classify_view", parts.timed("presenter", module.classify_view)),
        (module, "surface_frame", parts.timed("presenter", module.surface_frame)),
        (thresholds, "after_result", parts.timed("presenter", thresholds.after_result)),
        (thresholds, "distance_minima", parts.timed("presenter", thresholds.distance_minima)),
        (panel.trajectories, "show_frame", parts.timed("histories", panel.trajectories.show_frame)),
        (surface_panel, "draw_runs", parts.timed("tracks", surface_panel.draw_runs)),
    ]
    for plot in (panel.view.plot, panel.loss_plot, panel.distance_plot):
        patches.append((plot, "paintEvent", parts.timed("paint", plot.paintEvent)))
    saved = [(owner, name, vars(owner).get(name)) for owner, name, _value in patches]
    for owner, name, value in patches:
        setattr(owner, name, value)
    try:
        yield
    finally:
        for owner, name, value in saved:
            if value is None:  # a method patched on an instance: the class's again
                delattr(owner, name)
            else:
                setattr(owner, name, value)


def _frame_times(panel: object, repeats: int) -> list[dict[str, float]]:
    """One dict per slider change: ``total``, each of PARTS and ``other``, in milliseconds, and
    ``cpu``: the GUI thread's CPU time for the frame (on a loaded machine the wall time also
    counts the time other processes held the core)."""
    app = QtWidgets.QApplication.instance()
    slider = panel.lr_slider.slider
    frames = []
    parts = _Parts()
    with _instrumented(panel, parts):
        for position in _positions(panel, repeats):
            parts.seconds.clear()
            start, cpu = time.perf_counter(), time.thread_time()
            slider.setValue(position)
            app.processEvents()  # computes, draws and paints what changed, as the app does
            end = time.perf_counter()
            frame = {part: parts.seconds[part] * 1e3 for part in PARTS}
            frame["total"] = (end - start) * 1e3
            frame["cpu"] = (time.thread_time() - cpu) * 1e3
            frame["other"] = frame["total"] - sum(frame[part] for part in PARTS)
            frames.append(frame)
    return frames


def _longest_stall(panel: object, changes: int) -> float:
    """Drag at 60 Hz through the normal event loop; return the longest gap between 1 ms ticks."""
    slider = panel.lr_slider.slider
    positions = iter(_positions(panel, changes))
    loop = QtCore.QEventLoop()
    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append((now - last[0]) * 1e3)
        last[0] = now

    def drag() -> None:
        position = next(positions, None)
        if position is None:
            loop.quit()
            return
        slider.setValue(position)
        panel.update()

    ticker = QtCore.QTimer()
    ticker.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
    ticker.setInterval(1)
    ticker.timeout.connect(tick)
    dragger = QtCore.QTimer()
    dragger.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
    dragger.setInterval(round(1000 / DRAG_HZ))
    dragger.timeout.connect(drag)
    ticker.start()
    dragger.start()
    loop.exec()
    ticker.stop()
    dragger.stop()
    return max(gaps[1:]) if len(gaps) > 1 else float("nan")


def bench_frames(steps: int, repeats: int = 60, surface: str = "rosenbrock") -> dict:
    """Median and worst slider-change-to-frame time, and each part's median, in milliseconds;
    ``drawing_ms``: the median frame without its simulation."""
    create_application([])
    panel = _panel_with_four_runs(surface, steps)
    try:
        waited = _kernel_settled(panel)
        _frame_times(panel, 5)  # warm caches (compiled gradients, pens, fonts)
        frames = _frame_times(panel, repeats)
    finally:
        panel.close()
        panel.deleteLater()
    totals = [frame["total"] for frame in frames]
    return {
        "surface": surface,
        "runs": RUNS,
        "steps": steps,
        "kernel_wait_s": waited,
        "median_ms": statistics.median(totals),
        "worst_ms": max(totals),
        "cpu_median_ms": statistics.median(frame["cpu"] for frame in frames),
        "drawing_ms": statistics.median(f["total"] - f["simulate"] for f in frames),
        "parts_ms": {
            part: statistics.median(frame[part] for frame in frames) for part in (*PARTS, "other")
        },
    }


def bench_slider(repeats: int = 60, surface: str = "rosenbrock") -> dict:
    """The frame at each of STEPS, and the longest stall while dragging at 500 steps."""
    report = {f"{RUNS}x{steps}": bench_frames(steps, repeats, surface) for steps in STEPS}
    create_application([])
    panel = _panel_with_four_runs(surface, STEPS[0])
    try:
        _kernel_settled(panel)
        report["longest_stall_ms"] = _longest_stall(panel, repeats)
    finally:
        panel.close()
        panel.deleteLater()
    return report


def print_slider(report: dict) -> None:
    for key, result in report.items():
        if key == "longest_stall_ms":
            print(f"  longest GUI stall while dragging (4 x {STEPS[0]}): {result:.1f} ms")
            continue
        parts = "  ".join(f"{part} {ms:.2f}" for part, ms in result["parts_ms"].items())
        print(
            f"  {result['surface']} {key}: frame median {result['median_ms']:.1f} ms (CPU "
            f"{result['cpu_median_ms']:.1f} ms), worst {result['worst_ms']:.1f} ms; without "
            f"simulate {result['drawing_ms']:.1f} ms (timed after waiting "
            f"{result['kernel_wait_s']:.2f} s for the kernel's thread)\n"
            f"    medians (ms): {parts}"
        )


def main() -> None:
    print(__doc__.splitlines()[0])
    print_slider(bench_slider())


if __name__ == "__main__":
    main()
