"""The network builder trains in the training process (gdsim/core/training_server.py) and gets
the numbers the worker thread gets; a process that dies mid-run, or a window closed while it
trains, costs neither the run nor a hang."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PySide6 import QtWidgets

from gdsim.core import training_server
from gdsim.core.limits import MAX_TRAINING_STEPS
from gdsim.core.training_server import ProcessJob
from gdsim.ui import workers

ROOT = Path(__file__).resolve().parents[2]


def find(panel, cls, name):
    widget = panel.findChild(cls, name)
    assert widget is not None, name
    return widget


def train_to_end(qtbot, panel) -> None:
    with qtbot.waitSignal(panel.runner.finished, timeout=60_000):
        find(panel, QtWidgets.QPushButton, "trainButton").click()


def trained(panel) -> tuple[list[np.ndarray], list[list[torch.Tensor]]]:
    sessions = panel.presenter.job.sessions
    return (
        [s.history.arrays()[1].copy() for s in sessions],
        [[p.detach().clone() for p in s.model.parameters()] for s in sessions],
    )


@pytest.mark.parametrize("compare", [False, True])
def test_a_run_trained_in_the_process_equals_the_run_trained_in_the_thread(
    qtbot, mlp_panel, monkeypatch, compare
):
    panel = mlp_panel
    find(panel, QtWidgets.QAbstractSpinBox, "stepsSpin").setValue(400)
    if compare:
        find(panel, QtWidgets.QCheckBox, "compareCheck").setChecked(True)
    train_to_end(qtbot, panel)
    run = panel.presenter._run
    assert isinstance(run, ProcessJob) and run.trained_in_process
    in_process = trained(panel)
    monkeypatch.setenv(training_server.TRAINING_ENV, "thread")
    train_to_end(qtbot, panel)  # a finished run starts over from its initial weights
    assert panel.presenter._run is panel.presenter.job
    in_thread = trained(panel)
    assert len(in_thread[0]) == (4 if compare else 1)
    for a, b in zip(in_process[0], in_thread[0], strict=True):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(in_process[1], in_thread[1], strict=True):
        assert all(torch.equal(p, q) for p, q in zip(a, b, strict=True))


def start_long_run(window):
    """The network tab's longest run started: the panel and the run's `ProcessJob`."""
    panel = window.mlp_panel
    window.tabs.setCurrentWidget(panel)
    find(panel, QtWidgets.QAbstractSpinBox, "stepsSpin").setValue(MAX_TRAINING_STEPS)
    find(panel, QtWidgets.QPushButton, "trainButton").click()
    return panel, panel.presenter._run


def test_a_training_process_killed_mid_run_leaves_the_run_training_with_one_line(qtbot, window):
    panel, run = start_long_run(window)
    run.checkpoint_s = 0.05
    qtbot.waitUntil(lambda: run._checkpoint is not None, timeout=10_000)
    server = panel.presenter._server
    server.process.kill()
    bar = window.statusBar()
    qtbot.waitUntil(lambda: "goes on in this process" in bar.currentMessage(), timeout=10_000)
    assert panel.runner.is_running()
    step = panel.job.sessions[0].step_count
    qtbot.waitUntil(lambda: panel._frame.runs[0].state.step > step, timeout=10_000)
    find(panel, QtWidgets.QPushButton, "stopButton").click()
    assert not server.process.is_alive() and server.process.exitcode is not None
    assert training_server.shared_server() is not server, "a new process for later runs"
    assert training_server.shared_server().wait_ready(60.0)


def test_closing_the_window_while_the_process_trains_brings_the_run_back(qtbot, window):
    panel, run = start_long_run(window)
    qtbot.waitUntil(lambda: run.in_process and panel._frame.runs[0].state.step > 50,
                    timeout=10_000)  # fmt: skip
    window.close()
    assert workers.running_threads() == 0
    assert not run.in_process and panel.job.sessions[0].step_count > 50
    assert panel.presenter._server.wait_ready(0.0), "the process stays for the next run"


UNGUARDED_SCRIPT = """
import sys, time
from PySide6 import QtCore, QtWidgets
from gdsim.ui.app import create_application
from gdsim.ui.main_window import MainWindow

app = create_application([])
window = MainWindow()
window.show()
panel = window.mlp_panel
panel.findChild(QtWidgets.QSpinBox, "stepsSpin").setValue(1_000_000)
panel.findChild(QtWidgets.QPushButton, "trainButton").click()
deadline = time.monotonic() + 90
while not (panel.presenter._run.in_process and panel._frame.runs[0].state.step > 100):
    assert time.monotonic() < deadline, "the run never reached the training process"
    app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 50)
print("training in the process", flush=True)
sys.exit(0)
"""


def test_a_script_without_a_main_guard_trains_in_the_process_and_exits_mid_run(tmp_path):
    """spawn runs the parent's main script again in the child unless told not to: a
    teacher's script with no `if __name__ == "__main__"` opened a second app there, and the
    run never reached the process. Exiting mid-run leaves no process and no traceback."""
    script = tmp_path / "lesson_script.py"
    script.write_text(UNGUARDED_SCRIPT)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True, text=True, env=env, timeout=150, check=False,
    )  # fmt: skip
    assert "training in the process" in result.stdout, result.stderr[-2000:]
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr


def test_train_says_training_at_the_click_not_at_the_first_frame(qtbot, window):
    panel, _run = start_long_run(window)
    assert find(panel, QtWidgets.QLabel, "trainingStatusLabel").text() == "training…"
    find(panel, QtWidgets.QPushButton, "stopButton").click()
