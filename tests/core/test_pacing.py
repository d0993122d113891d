"""Redraw pacing: what keeps live plots from starving a training worker of the GIL."""

from __future__ import annotations

import time

import pytest

from gdsim.core.pacing import RedrawPacer, SideWorkBudget, StepPacer


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


def test_a_step_pacer_spaces_units_at_its_rate_without_drift():
    pacer = StepPacer(10.0)
    assert pacer.delay(0.0) == 0.0, "the first step goes at once"
    pacer.done(0.0)
    assert pacer.delay(0.05) == pytest.approx(0.05)
    pacer.done(0.1003)  # a little late: the schedule, not the lateness, sets the next
    assert pacer.delay(0.15) == pytest.approx(0.05)


def test_after_a_pause_a_step_pacer_starts_afresh_instead_of_bursting():
    pacer = StepPacer(10.0)
    pacer.done(0.0)
    pacer.done(5.0)  # resumed after five seconds
    assert pacer.delay(5.0) == pytest.approx(0.1)


def test_a_new_rate_acts_at_once_and_full_speed_never_waits():
    pacer = StepPacer(10.0)
    pacer.done(0.0)
    pacer.set_rate(100.0)
    assert pacer.delay(0.0) == pytest.approx(0.01)
    pacer.set_rate(None)
    assert pacer.delay(0.0) == 0.0
    pacer.done(0.0)
    assert pacer.delay(0.0) == 0.0


def test_side_work_takes_its_share_of_the_time_within_the_bounds():
    budget = SideWorkBudget(share=0.03, fastest_s=0.1, slowest_s=0.5)
    assert budget.due(0.0), "the first time is due at once"
    budget.done(0.0, 0.006)  # 6 ms of work: 3% of 0.2 s
    assert not budget.due(0.19)
    assert budget.due(0.2)
    budget.done(1.0, 0.0001)  # cheap work: no more often than the fastest
    assert not budget.due(1.09) and budget.due(1.1)
    budget.done(2.0, 1.0)  # very costly: still a few times a second
    assert budget.due(2.5)
    budget.reset()
    assert budget.due(2.0)
