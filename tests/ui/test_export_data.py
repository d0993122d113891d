"""File > Export data: the panel's trajectories or training histories as a CSV file, read back."""

from __future__ import annotations

import csv

from PySide6 import QtWidgets

from gdsim.core.limits import MAX_TRAINING_STEPS


def read(path) -> list[dict[str, str]]:
    with path.open(newline="") as file:
        return list(csv.DictReader(file))


def test_the_lecture_demo_exports_every_run_step_by_step(window, qtbot, tmp_path):
    panel = window.surface_panel
    demo = next(p for p in panel.presets() if len(p.runs) == 4)
    panel.load_preset(demo)
    qtbot.waitUntil(lambda: panel.result() is not None and len(panel.result()) == 4)
    target = tmp_path / "lecture.csv"
    assert window.exports.save_data(target)
    assert window.statusBar().currentMessage() == f"Saved {target}"
    rows = read(target)
    assert list(rows[0]) == ["run", "lr", "optimizer", "step", "w", "loss", "grad_norm"]
    result = panel.result()
    assert len(rows) == int(result.lengths.sum())
    assert {float(row["lr"]) for row in rows} == {run.lr for run in panel.runs()}


def test_training_histories_export_once_paused_and_are_refused_while_running(
    window, qtbot, tmp_path, warnings
):
    window.tabs.setCurrentWidget(window.mlp_panel)
    panel = window.mlp_panel
    panel.findChild(QtWidgets.QSpinBox, "stepsSpin").setValue(MAX_TRAINING_STEPS)
    panel.findChild(QtWidgets.QPushButton, "trainButton").click()
    # While it trains the job is in the training process: its frames say how far it is.
    qtbot.waitUntil(lambda: panel._frame.runs[0].state.step > 30, timeout=10_000)
    target = tmp_path / "training.csv"
    assert not window.exports.save_data(target)
    assert "pause or stop training first" in warnings[0]
    assert not target.exists()
    with qtbot.waitSignal(panel.runner.pausedAt, timeout=5_000):
        panel.findChild(QtWidgets.QPushButton, "pauseButton").click()
        # Asked to pause, not paused yet: the run is still coming back (a CSV written now
        # had one row of a run the screen showed at step 4,107).
        assert not window.exports.save_data(target)
        assert "pause or stop training first" in warnings[1]
    assert window.exports.save_data(target)
    rows = read(target)
    assert list(rows[0]) == [
        "run", "lr", "step", "train_loss", "val_loss", "train_accuracy", "val_accuracy"
    ]
    assert len(rows) == panel.job.sessions[0].step_count + 1
    panel.findChild(QtWidgets.QPushButton, "stopButton").click()


def test_the_file_dialog_suggests_a_name_and_a_missing_folder_is_said(
    window, qtbot, tmp_path, monkeypatch, warnings
):
    qtbot.waitUntil(lambda: window.surface_panel.result() is not None)
    asked: list[str] = []

    def answer(_parent, _title, name, _filter):
        asked.append(name)
        return str(tmp_path / "gone" / name), ""

    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", answer)
    window.exports.data_action.trigger()
    assert asked == ["trajectories.csv"]
    assert "does not exist" in warnings[0]
