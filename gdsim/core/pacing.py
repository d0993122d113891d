"""How often to redraw while a worker thread computes (`RedrawPacer`), how often costly side
work may be done beside it (`SideWorkBudget`), and how fast a narrated run may go (`StepPacer`,
the network builder's pace).

Drawing is Python (pyqtgraph) and holds the GIL that the worker needs between its torch calls;
worse, PySide6 releases and re-takes the GIL around every Qt call, so a redraw hands the GIL
back and forth thousands of times and the worker loses far more than the redraw's own CPU time
(measured here: a 30 Hz redraw of four plots halved training speed, while timing the redraw
alone suggested 10%). `RedrawPacer` therefore measures the GUI thread's whole CPU time between
redraws (painting, layout, signal handling and GIL hand-offs included) and stretches the
interval until that share is near `share`: fast machines keep smooth plots, slow ones get fewer
frames rather than a slower worker.
"""

from __future__ import annotations

import time


class RedrawPacer:
    """Adapts a redraw interval to keep the GUI thread's CPU share near `share`."""

    def __init__(self, fastest_ms: int = 33, slowest_ms: int = 400, share: float = 0.1) -> None:
        self.fastest_ms = fastest_ms
        self.slowest_ms = slowest_ms
        self.share = share
        self.interval_ms = fastest_ms
        self._cpu = time.thread_time()
        self._wall = time.perf_counter()

    def next_interval(self, live: bool) -> int:
        """Call once per redraw, from the GUI thread. While `live` (a worker is computing) the
        interval grows or shrinks with the measured share; otherwise it is the fastest."""
        cpu, wall = time.thread_time(), time.perf_counter()
        used = (cpu - self._cpu) / max(wall - self._wall, 1e-3)
        self._cpu, self._wall = cpu, wall
        if not live:
            self.interval_ms = self.fastest_ms
        else:
            wanted = self.interval_ms * used / self.share
            self.interval_ms = round(min(self.slowest_ms, max(self.fastest_ms, wanted)))
        return self.interval_ms


class StepPacer:
    """Spaces units of work `rate` a second (None: as fast as they come), for narrating
    training step by step.

    The schedule is kept from unit to unit, so a paced run keeps its average rate however long
    each unit takes; after a pause (a unit overdue by more than one interval) it starts afresh
    rather than catching up with a burst.
    """

    def __init__(self, rate: float | None = None) -> None:
        self.rate = rate
        self._due: float | None = None

    def set_rate(self, rate: float | None) -> None:
        """A new pace acts at once: the next unit is due one new interval after the last."""
        if self._due is not None and self.rate is not None and rate is not None:
            self._due += 1.0 / rate - 1.0 / self.rate
        self.rate = rate

    def delay(self, now: float) -> float:
        """Seconds to wait before the next unit (0 when it is due or there is no pace)."""
        if self.rate is None or self._due is None:
            return 0.0
        return max(0.0, self._due - now)

    def done(self, now: float) -> None:
        """Record that a unit was done at `now`: the next is due one interval later."""
        if self.rate is None:
            self._due = None
            return
        interval = 1.0 / self.rate
        late = self._due is None or now - self._due > interval
        self._due = (now if late else self._due) + interval


class SideWorkBudget:
    """Spaces a costly side task (a frame's full-set metrics, its decision map, the redraw of a
    slow view) so that it takes at most `share` of its thread's time, whatever the network's
    size or the machine's speed: each time the task is done its cost is timed, and the next is
    due `cost / share` later, but never sooner than `fastest_s` (no one reads faster) nor later
    than `slowest_s` (the views stay live: a few frames a second at worst)."""

    def __init__(self, share: float, fastest_s: float, slowest_s: float) -> None:
        self.share = share
        self.fastest_s = fastest_s
        self.slowest_s = max(slowest_s, fastest_s)
        self.interval_s = fastest_s
        """The spacing chosen from the last measured cost."""
        self._due: float | None = None

    def due(self, now: float) -> bool:
        """Whether the task should be done again at `now` (always before its first time)."""
        return self._due is None or now >= self._due

    def done(self, started: float, cost: float) -> None:
        """Book one run of the task that began at `started` and cost `cost` seconds."""
        wanted = cost / self.share if self.share > 0 else self.slowest_s
        self.interval_s = min(self.slowest_s, max(self.fastest_s, wanted))
        self._due = started + self.interval_s

    def reset(self) -> None:
        """Make the task due at once (a paused run, a new run shown: drawn whole now)."""
        self._due = None
