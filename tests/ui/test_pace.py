"""The network builder's pace: a run a teacher can narrate (10, 30, 100 steps/s or full speed),
with Train, Pause, Step and Stop acting at once at every pace.

Time is only ever waited for with `qtbot.waitUntil`. The bounds are the ones a pace
guarantees however loaded the machine is: a paced run never does more than one step per
interval (plus the first), and reaching step n takes at least n - 1 intervals."""

from __future__ import annotations

import pytest
from PySide6 import QtCore, QtWidgets

from gdsim.core.limits import MAX_TRAINING_STEPS
from gdsim.ui.widgets.transport_bar import PACES
from gdsim.ui.workers import JobRunner


@pytest.fixture
def panel(mlp_panel):
    mlp_panel.findChild(QtWidgets.QSpinBox, "stepsSpin").setValue(MAX_TRAINING_STEPS)
    return mlp_panel


def button(panel, name: str) -> QtWidgets.QPushButton:
    return panel.findChild(QtWidgets.QPushButton, name)


def choose_pace(panel, rate: float | None) -> None:
    combo = panel.findChild(QtWidgets.QComboBox, "paceCombo")
    combo.setCurrentIndex(PACES.index(rate))


def steps(panel) -> int:
    """Steps done: a paced run trains in the worker thread, so its job is here, exact."""
    return panel.job.sessions[0].step_count


def shown_steps(panel) -> int:
    """Steps of the last frame: what to wait on while a run trains at full speed, in the
    training process."""
    return panel._frame.runs[0].state.step


def wait_for(qtbot, seconds: float) -> None:
    clock = QtCore.QElapsedTimer()
    clock.start()
    qtbot.waitUntil(lambda: clock.elapsed() >= 1000 * seconds, timeout=int(3000 * seconds) + 5000)


def test_the_pace_box_offers_the_slow_paces_and_starts_at_full_speed(panel):
    combo = panel.findChild(QtWidgets.QComboBox, "paceCombo")
    labels = [combo.itemText(i) for i in range(combo.count())]
    assert labels == ["10 steps/s", "30 steps/s", "100 steps/s", "full speed"]
    assert combo.currentText() == "full speed"


def test_at_ten_steps_a_second_training_goes_at_a_narrators_pace(qtbot, panel):
    choose_pace(panel, 10.0)
    clock = QtCore.QElapsedTimer()
    clock.start()
    button(panel, "trainButton").click()
    qtbot.waitUntil(lambda: steps(panel) >= 4, timeout=10_000)
    assert clock.elapsed() >= 300, "four steps at 10 steps/s take at least three intervals"
    wait_for(qtbot, 0.5)
    done, seconds = steps(panel), clock.elapsed() / 1000
    assert done <= 2 + 10 * seconds
    button(panel, "stopButton").click()

    choose_pace(panel, None)
    button(panel, "resetButton").click()
    clock.start()
    button(panel, "trainButton").click()
    qtbot.waitUntil(lambda: shown_steps(panel) > 20 * done, timeout=10_000)
    button(panel, "stopButton").click()


def test_pause_stops_the_count_at_a_slow_pace(qtbot, panel):
    choose_pace(panel, 30.0)
    button(panel, "trainButton").click()
    qtbot.waitUntil(lambda: steps(panel) >= 3, timeout=10_000)
    with qtbot.waitSignal(panel.runner.pausedAt, timeout=5_000):
        button(panel, "pauseButton").click()
    paused_at = steps(panel)
    wait_for(qtbot, 0.4)
    assert steps(panel) == paused_at
    assert button(panel, "pauseButton").text() == "Resume"
    assert not button(panel, "trainButton").isEnabled(), "one Resume, not two"
    button(panel, "pauseButton").click()
    qtbot.waitUntil(lambda: steps(panel) > paused_at, timeout=5_000)
    assert button(panel, "pauseButton").text() == "Pause"
    button(panel, "stopButton").click()


@pytest.mark.parametrize("rate", PACES)
def test_step_advances_by_exactly_one_at_every_pace(qtbot, panel, rate):
    choose_pace(panel, rate)
    for expected in (1, 2, 3):
        with qtbot.waitSignal(panel.runner.progress, timeout=5_000) as stepped:
            button(panel, "stepButton").click()
        assert stepped.args[0].runs[0].state.step == expected
        assert steps(panel) == expected
    assert panel.runner.is_paused()
    button(panel, "stopButton").click()


def test_a_new_pace_takes_effect_while_training_runs(qtbot, panel):
    button(panel, "trainButton").click()
    qtbot.waitUntil(lambda: shown_steps(panel) > 50, timeout=10_000)
    choose_pace(panel, 10.0)
    wait_for(qtbot, 0.2)  # the chunk under way when the pace changed is done by now
    before = steps(panel)
    clock = QtCore.QElapsedTimer()
    clock.start()
    wait_for(qtbot, 0.5)
    assert steps(panel) - before <= 2 + 10 * clock.elapsed() / 1000
    choose_pace(panel, None)
    slow = steps(panel)
    qtbot.waitUntil(lambda: shown_steps(panel) > slow + 200, timeout=10_000)
    button(panel, "stopButton").click()


class Counter:
    """A job that counts its units of work."""

    def __init__(self) -> None:
        self.count = 0

    def advance(self) -> bool:
        self.count += 1
        return True

    def snapshot(self) -> int:
        return self.count


def test_pause_and_stop_do_not_wait_for_a_paced_unit(qtbot):
    """At one unit per five seconds, pausing and stopping still act at once (the worker waits
    on its wake event, not in a sleep)."""
    runner = JobRunner(max_rate=100)
    runner.set_pace(0.2)
    job = Counter()
    runner.start(job)
    qtbot.waitUntil(lambda: job.count == 1, timeout=5_000)
    clock = QtCore.QElapsedTimer()
    clock.start()
    with qtbot.waitSignal(runner.pausedAt, timeout=5_000):
        runner.pause()
    assert clock.elapsed() < 2_500
    runner.set_pace(None)
    runner.resume()
    qtbot.waitUntil(lambda: job.count > 100, timeout=5_000)
    runner.set_pace(0.2)
    clock.start()
    assert runner.stop()
    assert clock.elapsed() < 2_500
