"""Regenerate the lecture figures from the lesson files, headlessly, as PNGs for slides.

Every step of every shipped lesson (``resources/lessons/*.json``) is shown in an offscreen main
window in presentation mode (text 1.5x, lines 2x: what a projector needs), the way a teacher
stepping through the lesson sees it, and each plot of the panel it shows is written at
``--scale`` times its on-screen size (3x by default: a 1600x900 window gives plots 1,500 to
3,000 pixels wide). A surface step is exported once its verdicts are in; a
network step is trained to its step budget first, as the lesson's text tells the teacher to.
The lessons are the figures' one source: edit a lesson and rerun this script.

    python scripts/make_figures.py                      # every lesson, into figures/
    python scripts/make_figures.py --lesson learning_rate --out /tmp/slides --scale 2

Files are named ``<lesson file>/<step number>-<plot>.png`` (e.g.
``02_learning_rate/04-loss.png``). Exit status 1 when a step could not be shown or trained
(its reason is printed and the other figures are still written).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

WINDOW_SIZE = (1600, 900)
"""A 16:9 window: the plots have a slide's proportions."""
TIMEOUT_MS = 120_000
"""The longest a step may take to compute or train before it is reported as failed."""
LAYOUT_MS = 300
"""Event-loop time after a step's result, for what lays itself out on later passes (the
legends refit on a zero-delay timer once their plot has its size)."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("figures"), help="folder to write into")
    parser.add_argument("--scale", type=float, default=3.0, help="pixels per screen pixel")
    parser.add_argument("--lesson", default="", help="only lesson files whose name contains this")
    args = parser.parse_args(argv)
    if not 0.5 <= args.scale <= 8:
        parser.error("--scale must be between 0.5 and 8")

    from gdsim.core.lessons import load_lesson, state_at
    from gdsim.core.state import AppState
    from gdsim.resources import LESSONS
    from gdsim.ui.app import create_application
    from gdsim.ui.export import export_plot
    from gdsim.ui.main_window import MainWindow

    paths = [path for path in sorted(LESSONS.glob("*.json")) if args.lesson in path.stem]
    if not paths:
        parser.error(f"no lesson file in {LESSONS} matches '{args.lesson}'")
    app = create_application(["make_figures"])
    window = MainWindow()
    window.resize(*WINDOW_SIZE)
    window.show()
    window.set_presentation(True)
    failures = 0
    for path in paths:
        lesson = load_lesson(path)
        folder = args.out / path.stem
        folder.mkdir(parents=True, exist_ok=True)
        for index, step in enumerate(lesson.steps):
            name = f"{path.stem} step {index + 1} ({step.title})"
            problem = window.set_state(state_at(AppState(), lesson, index))
            problem = problem or _settle(app, window)
            if problem:
                print(f"{name}: {problem}", file=sys.stderr)
                failures += 1
                continue
            panel = window.tabs.currentWidget()
            for plot_name, plot in panel.export_plots().items():
                target = folder / f"{index + 1:02d}-{plot_name}.png"
                export_plot(plot, target, args.scale)
                print(target)
    window.close()
    return 1 if failures else 0


def _settle(app: object, window: object) -> str | None:
    """Wait until the step's picture is complete: a surface's verdicts in, or a network
    trained to its step budget, then laid out. The reason when it could not be (None when it
    is)."""
    if window.tabs.currentWidget() is window.surface_panel:
        panel = window.surface_panel
        if not _wait(app, lambda: panel.result() is not None and panel.verdicts()):
            return "the surface explorer computed no verdict"
    else:
        panel = window.mlp_panel
        panel.train()
        if not _wait(app, lambda: not panel.runner.is_running()):
            return "training did not finish"
    _wait(app, lambda: False, LAYOUT_MS)
    return None


def _wait(app: object, done: Callable[[], object], timeout_ms: int = TIMEOUT_MS) -> bool:
    """Run the event loop until ``done()`` (True) or ``timeout_ms`` (False)."""
    from PySide6 import QtCore

    timer = QtCore.QElapsedTimer()
    timer.start()
    while not done():
        if timer.elapsed() > timeout_ms:
            return False
        app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 50)
    return True


if __name__ == "__main__":
    sys.exit(main())
