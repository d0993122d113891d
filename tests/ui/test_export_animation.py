"""File > Export animation: a surface playback or a training run as an animated GIF, read back
frame by frame; Cancel leaves the old file (or none); MP4 refused, naming the extra, without
imageio-ffmpeg."""

from __future__ import annotations

import imageio.v3 as iio
import numpy as np
from PySide6 import QtWidgets

from gdsim.core import animation
from gdsim.ui.widgets.animation_dialog import AnimationDialog


def run_to_end(qtbot, window, path, **options):
    export = window.exports.start_animation(path, **options)
    assert export is not None
    with qtbot.waitSignal(export.done, timeout=60_000) as ended:
        pass
    return ended.args


def test_a_surface_playback_becomes_a_gif_one_frame_per_position(window, qtbot, tmp_path):
    panel = window.surface_panel
    qtbot.waitUntil(lambda: panel.result() is not None)
    panel.findChild(QtWidgets.QSpinBox, "stepsSpin").setValue(9)
    qtbot.waitUntil(lambda: int(panel.result().lengths.max()) == 10)
    target = tmp_path / "parabola.gif"
    message, failed = run_to_end(qtbot, window, target, fps=5)
    assert (message, failed) == (f"Saved {target}", False)
    frames = iio.imread(target, index=None, extension=".gif")
    plots = panel.plots
    assert frames.shape == (10, plots.height(), plots.width(), 3)
    assert not np.array_equal(frames[1], frames[-1]), "the run moves from frame to frame"
    assert iio.immeta(target, extension=".gif")["duration"] == 200
    assert panel.playback.position() is None, "the panel shows every iterate again"
    assert window.statusBar().currentMessage() == f"Saved {target}"


def test_a_long_playback_is_thinned_to_the_frames_asked(window, qtbot, tmp_path):
    qtbot.waitUntil(lambda: window.surface_panel.result() is not None)
    target = tmp_path / "thinned.gif"
    run_to_end(qtbot, window, target, max_frames=7)
    assert iio.imread(target, index=None, extension=".gif").shape[0] == 7


def test_cancel_keeps_the_old_file_and_leaves_nothing_behind(window, qtbot, tmp_path):
    qtbot.waitUntil(lambda: window.surface_panel.result() is not None)
    target = tmp_path / "old.gif"
    target.write_bytes(b"last week's animation")
    export = window.exports.start_animation(target)
    qtbot.waitUntil(lambda: export.dialog.value() > 0, timeout=20_000)
    with qtbot.waitSignal(export.done, timeout=10_000) as ended:
        export.dialog.findChild(QtWidgets.QPushButton).click()
    assert ended.args == ["Animation export cancelled: nothing was written", False]
    assert target.read_bytes() == b"last week's animation"
    assert list(tmp_path.iterdir()) == [target]
    assert not export.dialog.isVisible()
    assert window.surface_panel.playback.position() is None
    assert window.exports.animation is None, "a new export may start"


def test_cancel_while_encoding_writes_no_file(window, qtbot, tmp_path):
    qtbot.waitUntil(lambda: window.surface_panel.result() is not None)
    target = tmp_path / "new.gif"
    export = window.exports.start_animation(target, max_frames=40)
    qtbot.waitUntil(lambda: export.runner.is_running(), timeout=30_000)
    with qtbot.waitSignal(export.done, timeout=10_000):
        export.cancel()
    assert list(tmp_path.iterdir()) == []


def test_without_imageio_ffmpeg_mp4_is_refused_naming_the_extra(
    window, qtbot, tmp_path, monkeypatch, warnings
):
    monkeypatch.setattr(animation, "video_available", lambda: False)
    assert window.exports.start_animation(tmp_path / "run.mp4") is None
    assert len(warnings) == 1 and "pip install 'gdsim[video]'" in warnings[0]
    assert list(tmp_path.iterdir()) == []


def test_a_training_run_is_replayed_into_a_gif(window, qtbot, tmp_path, warnings):
    window.tabs.setCurrentWidget(window.mlp_panel)
    panel = window.mlp_panel
    panel.findChild(QtWidgets.QSpinBox, "stepsSpin").setValue(80)
    with qtbot.waitSignal(panel.runner.finished, timeout=20_000):
        panel.findChild(QtWidgets.QPushButton, "trainButton").click()
    shown = panel.presenter.frame
    target = tmp_path / "training.gif"
    message, failed = run_to_end(qtbot, window, target, max_frames=6)
    assert not failed, message
    frames = iio.imread(target, index=None, extension=".gif")
    assert frames.shape == (6, panel.views.height(), panel.views.width(), 3)
    assert not np.array_equal(frames[0], frames[-1])
    assert panel.presenter.frame is shown, "the panel shows the trained run again"
    assert warnings == []


def test_the_menu_asks_speed_and_frames_then_where(window, qtbot, tmp_path, monkeypatch):
    qtbot.waitUntil(lambda: window.surface_panel.result() is not None)

    def settle(dialog) -> int:
        assert "15.0 s" in dialog.findChild(QtWidgets.QLabel, "animationLengthLabel").text()
        dialog.findChild(QtWidgets.QSpinBox, "animationFpsSpin").setValue(4)
        dialog.findChild(QtWidgets.QSpinBox, "animationFramesSpin").setValue(5)
        return QtWidgets.QDialog.DialogCode.Accepted

    monkeypatch.setattr(AnimationDialog, "exec", settle)
    target = tmp_path / "menu"
    monkeypatch.setattr(
        QtWidgets.QFileDialog, "getSaveFileName", lambda *_args: (str(target), "Animated GIF")
    )
    window.exports.animation_action.trigger()
    export = window.exports.animation
    with qtbot.waitSignal(export.done, timeout=60_000):
        pass
    gif = target.with_suffix(".gif")
    assert iio.imread(gif, index=None, extension=".gif").shape[0] == 5
    assert iio.immeta(gif, extension=".gif")["duration"] == 250


def test_a_replayed_run_earns_its_verdict_only_as_it_goes(window, qtbot, tmp_path, monkeypatch):
    """Frame 0 of a replay said 'converged in 632 steps' in the header and the badges."""
    from gdsim.ui.exports import animation as rendering

    window.tabs.setCurrentWidget(window.mlp_panel)
    panel = window.mlp_panel
    panel.findChild(QtWidgets.QSpinBox, "stepsSpin").setValue(60)
    with qtbot.waitSignal(panel.runner.finished, timeout=20_000):
        panel.findChild(QtWidgets.QPushButton, "trainButton").click()
    header = panel.header.status_label
    final = header.text()
    assert final.startswith(("✓", "…", "∿", "✗"))
    seen: list[str] = []
    grab = rendering.grab_rgb
    monkeypatch.setattr(rendering, "grab_rgb", lambda w: (seen.append(header.text()), grab(w))[1])
    message, failed = run_to_end(qtbot, window, tmp_path / "run.gif", max_frames=4)
    assert not failed, message
    assert "step 0" in seen[0] and final not in seen[0]
    assert header.text() == final, "the trained run's verdict is back after the export"


def test_closing_the_window_mid_export_writes_nothing(window, qtbot, tmp_path):
    panel = window.surface_panel
    qtbot.waitUntil(lambda: panel.result() is not None)
    target = tmp_path / "closed.gif"
    export = window.exports.start_animation(target, max_frames=40)
    assert export is not None
    with qtbot.waitSignal(export.done, timeout=10_000) as ended:
        window.close()
    message, failed = ended.args
    assert "cancelled" in message and not failed
    assert not target.exists() and list(tmp_path.iterdir()) == []
