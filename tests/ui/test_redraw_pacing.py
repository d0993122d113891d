"""Redraw pacing and the loss plot's stable axes: what keeps live plots from starving a
training worker of the GIL."""

from __future__ import annotations

import time

import numpy as np

from gdsim.ui.pacing import RedrawPacer
from gdsim.ui.widgets.loss_plot import LossPlot, Series


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


def test_loss_plot_keeps_its_axes_while_the_data_fits(qtbot):
    plot = LossPlot()
    qtbot.addWidget(plot)
    steps = np.arange(101)
    plot.set_x_range(0, 100)
    plot.set_series([Series("a", steps, 10.0 * 0.9**steps, "#0072B2")])
    first = plot.getViewBox().viewRange()
    plot.set_series([Series("a", steps, 9.0 * 0.9**steps, "#0072B2")])
    assert plot.getViewBox().viewRange() == first
    plot.set_series([Series("a", steps, 1e6 * 0.9**steps, "#0072B2")])
    moved = plot.getViewBox().viewRange()
    assert moved[1][1] > first[1][1] + 4
    assert moved[0] == first[0]


def test_a_blown_up_run_does_not_blow_up_the_axis(qtbot):
    plot = LossPlot()
    qtbot.addWidget(plot)
    steps = np.arange(50)
    diverged = 9.0 * 1.44**steps
    diverged[40:] = np.inf
    plot.set_series(
        [
            Series("ok", steps, 9.0 * 0.36**steps, "#0072B2"),
            Series("bad", steps, diverged, "#D55E00"),
        ]
    )
    high = plot.getViewBox().viewRange()[1][1]
    assert high < np.log10(9.0 * 1e4) + 1
