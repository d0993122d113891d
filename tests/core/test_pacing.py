"""Redraw pacing: what keeps live plots from starving a training worker of the GIL."""

from __future__ import annotations

import time

from gdsim.core.pacing import RedrawPacer


def _burn_cpu(seconds: float) -> None:
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def test_a_busy_gui_thread_stretches_the_interval_and_idle_resets_it():
    pacer = RedrawPacer(fastest_ms=33, slowest_ms=500, share=0.1)
    _burn_cpu(0.03)
    intervals = [pacer.next_interval(live=True)]
    for _ in range(5):
        _burn_cpu(0.03)
        intervals.append(pacer.next_interval(live=True))
    assert intervals[0] > 33, "a GUI thread busy all the time must redraw less often"
    assert intervals[-1] == 500, "...down to the slowest rate"
    assert pacer.next_interval(live=False) == 33
