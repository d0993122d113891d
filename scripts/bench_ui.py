"""How fast the surface explorer follows a dragged step-size slider (offscreen).

Two figures, for 4 runs x 500 steps on a 2D surface with heat map and contours on screen:
- slider change -> recomputed and repainted frame: median and worst of ``repeats`` changes
  (targets: median < 16 ms, one 60 Hz frame; worst < 50 ms);
- the longest GUI event-loop stall while the slider is dragged at 60 Hz, measured by a 1 ms
  QTimer recording the gaps between its ticks (what a user feels as a stutter).

Run: ``python scripts/bench_ui.py`` (numbers vary with the load on the machine's cores).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6 import QtCore, QtWidgets

from gdsim.core.presets import parse_preset
from gdsim.ui.app import create_application

RUNS = 4
STEPS = 500
DRAG_HZ = 60


def _panel_with_four_runs(surface: str) -> tuple[QtWidgets.QWidget, object]:
    """The surface panel alone at the size it has in a 1280 x 800 window (other tabs' own
    background work would be measured too inside the whole main window)."""
    from gdsim.ui.panels.surface_panel import SurfacePanel

    panel = SurfacePanel()
    panel.resize(1280, 740)
    panel.show()
    window = panel
    preset = parse_preset(
        {
            "title": "bench",
            "surface": surface,
            "steps": STEPS,
            "runs": [{"lr": lr} for lr in (1e-4, 3e-4, 1e-3, 1.5e-3)[:RUNS]],
        },
        "bench",
    )
    panel.load_preset(preset)
    QtWidgets.QApplication.processEvents()
    return window, panel


def _positions(panel: object, count: int) -> list[int]:
    """Slider positions sweeping 1e-4 .. 1e-2 and back, like a hand dragging to and fro."""
    low, high = panel.lr_slider._position_of(1e-4), panel.lr_slider._position_of(1e-2)
    sweep = list(range(low, high + 1)) + list(range(high, low - 1, -1))
    return [sweep[i % len(sweep)] for i in range(count)]


def _frame_times(panel: object, repeats: int) -> list[float]:
    app = QtWidgets.QApplication.instance()
    slider = panel.lr_slider.slider
    times = []
    for position in _positions(panel, repeats):
        start = time.perf_counter()
        slider.setValue(position)
        app.processEvents()
        panel.repaint()
        times.append((time.perf_counter() - start) * 1e3)
    return times


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


def bench_slider(repeats: int = 100, surface: str = "rosenbrock") -> dict:
    """Median and worst slider-change-to-frame time and the longest stall, in milliseconds."""
    create_application([])
    window, panel = _panel_with_four_runs(surface)
    try:
        _frame_times(panel, 5)  # warm caches (compiled gradients, pens, fonts)
        times = _frame_times(panel, repeats)
        stall = _longest_stall(panel, repeats)
    finally:
        window.close()
    return {
        "surface": surface,
        "runs": RUNS,
        "steps": STEPS,
        "median_ms": statistics.median(times),
        "worst_ms": max(times),
        "longest_stall_ms": stall,
    }


def main() -> None:
    for surface in ("rosenbrock", "bowl"):
        result = bench_slider(surface=surface)
        print(
            f"{surface:>10}: {result['runs']} runs x {result['steps']} steps  "
            f"slider -> frame median {result['median_ms']:.1f} ms, "
            f"worst {result['worst_ms']:.1f} ms (targets 16 / 50)  "
            f"longest stall while dragging {result['longest_stall_ms']:.1f} ms"
        )


if __name__ == "__main__":
    main()
