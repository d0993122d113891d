"""The worker pattern: throttled progress, pause/step/resume, commands between steps, errors as
messages, and clean stops (no thread left behind)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from gdsim.core.datasets import DatasetParams, make_dataset
from gdsim.core.network import NetworkSpec
from gdsim.core.training import TrainingConfig, TrainingSession
from gdsim.core.training_job import TrainingJob
from gdsim.ui.workers import JobRunner, running_threads

ROOT = Path(__file__).resolve().parents[2]


class CountingJob:
    """Counts to `limit`; `increment` may be changed by a command between steps."""

    def __init__(self, limit: int = 10**9, fail_at: int | None = None) -> None:
        self.count = 0
        self.limit = limit
        self.fail_at = fail_at
        self.increment = 1
        self.snapshots = 0
        self.threads: set[int] = set()

    def advance(self) -> bool:
        self.threads.add(threading.get_ident())
        if self.fail_at is not None and self.count >= self.fail_at:
            raise ValueError("loss became NaN\nsecond line is not shown")
        self.count += self.increment
        return self.count < self.limit

    def snapshot(self) -> int:
        self.snapshots += 1
        return self.count


def test_job_runs_off_the_gui_thread_and_reports_its_result(qtbot):
    runner = JobRunner()
    job = CountingJob(limit=50_000)
    with qtbot.waitSignal(runner.finished, timeout=10_000) as blocker:
        runner.start(job)
    assert blocker.args == [50_000]
    assert threading.get_ident() not in job.threads
    assert running_threads() == 0


def test_progress_is_throttled_not_one_signal_per_step(qtbot):
    runner = JobRunner(max_rate=30)
    job = CountingJob(limit=300_000)
    received: list[int] = []
    runner.progress.connect(received.append)
    with qtbot.waitSignal(runner.finished, timeout=20_000):
        runner.start(job)
    assert received == sorted(received)
    assert len(received) < job.count / 100


def test_pause_step_resume_and_commands_between_steps(qtbot):
    runner = JobRunner()
    job = CountingJob()
    with qtbot.waitSignal(runner.pausedAt, timeout=5_000) as paused:
        runner.start(job, paused=True)
    assert paused.args == [0]
    runner.call(lambda: setattr(job, "increment", 5))
    with qtbot.waitSignal(runner.progress, timeout=5_000) as stepped:
        runner.step()
    assert stepped.args == [5]
    assert runner.is_paused()
    runner.resume()
    qtbot.waitUntil(lambda: job.count > 1_000, timeout=5_000)
    assert runner.stop()
    assert not runner.is_running()


def test_an_error_in_the_job_becomes_a_one_line_message(qtbot):
    runner = JobRunner()
    with qtbot.waitSignal(runner.failed, timeout=5_000) as failed:
        runner.start(CountingJob(fail_at=10))
    assert failed.args == ["ValueError: loss became NaN"]
    assert not runner.is_running()


@pytest.mark.parametrize("cycles", [100])
def test_many_start_stop_cycles_leave_no_thread(qtbot, cycles):
    runner = JobRunner()
    for _ in range(cycles):
        runner.start(CountingJob())
        assert runner.stop()
    assert running_threads() == 0


def test_a_command_while_paused_is_applied_without_resuming(qtbot):
    runner = JobRunner()
    job = CountingJob()
    with qtbot.waitSignal(runner.pausedAt, timeout=5_000):
        runner.start(job, paused=True)
    with qtbot.waitSignal(runner.pausedAt, timeout=5_000) as repaused:
        runner.call(lambda: setattr(job, "count", 42))
    assert repaused.args == [42]
    assert job.count == 42 and runner.is_paused()
    assert runner.stop()


DELETE_WHILE_TRAINING = """
import gc, time
from PySide6 import QtCore, QtWidgets
from gdsim.ui.app import create_application
from gdsim.ui.main_window import MainWindow

app = create_application([])
for doomed in ("panel", "window"):
    window = MainWindow()
    window.show()
    panel = window.mlp_panel
    panel.findChild(QtWidgets.QSpinBox, "stepsSpin").setValue(1_000_000)
    panel.findChild(QtWidgets.QPushButton, "trainButton").click()
    deadline = time.monotonic() + 60
    while not (panel._frame and panel._frame.runs[0].state.step > 0):
        assert time.monotonic() < deadline, "training never started"
        app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 50)
    (panel if doomed == "panel" else window).deleteLater()
    del panel
    for _ in range(3):
        QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)
        app.processEvents()
        gc.collect()
    print("still alive after deleting the", doomed, flush=True)
    if doomed == "panel":
        window.close()
        print("window closed after deleting the panel", flush=True)
QtCore.QTimer.singleShot(0, app.quit)
app.exec()
"""


def test_deleting_the_panel_or_window_mid_training_stops_the_worker_instead_of_aborting():
    """`deleteLater()` sends no close event; Qt aborts the process (SIGABRT) if it destroys a
    running QThread. Closing the window afterwards must not touch the deleted runner (it
    emitted on it: "Signal source has been deleted", then a segfault). In a subprocess, so a
    regression fails this test, not the whole suite."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", DELETE_WHILE_TRAINING],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "after deleting the panel" in result.stdout
    assert "after deleting the window" in result.stdout
    assert "window closed after deleting the panel" in result.stdout
    assert "Traceback" not in result.stderr and "Destroyed while thread" not in result.stderr



PAUSED_AT_EXIT = """
import sys, time
from PySide6 import QtCore, QtWidgets
from gdsim.ui.app import create_application
from gdsim.ui.main_window import MainWindow

app = create_application([])
window = MainWindow()
window.show()
panel = window.mlp_panel
panel.findChild(QtWidgets.QPushButton, "stepButton").click()
deadline = time.monotonic() + 90
while not (panel._frame and panel._frame.runs[0].state.step == 1):
    assert time.monotonic() < deadline, "the step never came"
    app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 50)
assert panel.runner.is_paused()
print("paused after one step, window still open", flush=True)
app.quit()
sys.exit(0)
"""


def test_a_process_ending_with_training_paused_and_the_window_open_exits_cleanly():
    """A teacher's script (or a notebook) may end without closing the window: the paused
    worker must still be stopped before Qt and Python tear its objects down (it printed
    "Signal source has been deleted" tracebacks, or Qt aborted on a running QThread)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", PAUSED_AT_EXIT],
        capture_output=True, text=True, env=env, timeout=150, check=False,
    )
    assert "paused after one step, window still open" in result.stdout, result.stderr[-2000:]
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "Destroyed while thread" not in result.stderr

def test_a_new_learning_rate_sent_through_the_runner_applies_at_the_next_step(qtbot):
    data = make_dataset(DatasetParams("gaussians", n=60))
    spec = NetworkSpec.for_task("binary", 2, hidden=((4, "tanh"),))
    session = TrainingSession(spec, data, TrainingConfig(lr=0.5, steps=10**6))
    job = TrainingJob([session], (np.linspace(-1.0, 1.0, 7), np.linspace(-1.0, 1.0, 5)))
    runner = JobRunner()
    with qtbot.waitSignal(runner.pausedAt, timeout=10_000):
        runner.start(job, paused=True)
    runner.call(lambda: job.set_lr(0.0123))
    runner.call(job.step_once)
    with qtbot.waitSignal(runner.progress, timeout=10_000) as stepped:
        runner.step()
    assert stepped.args[0].runs[0].state.lr == pytest.approx(0.0123)
    assert stepped.args[0].runs[0].state.step == 1
    assert runner.stop()
