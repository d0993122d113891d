"""File > Export figure (and the plots' right-click Export…) as a teacher uses them: every plot of
both panels, in both formats, read back; failures said, never "Saved", and never a damaged file."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.core import files
from gdsim.ui.export import FIGURE_FORMATS, figure_target, render_plot, spell_out_close_path

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def dialogs(monkeypatch):
    """Answers the plot picker, the file dialog and the warning box as a user would: `answer`
    holds the plot name and the path to give; `warnings` collects the messages shown."""
    answer: dict[str, object] = {}
    warnings: list[str] = []
    monkeypatch.setattr(
        QtWidgets.QInputDialog, "getItem", lambda *_args: (answer["plot"], True)
    )
    monkeypatch.setattr(
        QtWidgets.QFileDialog, "getSaveFileName", lambda *_args: (str(answer["path"]), "")
    )
    monkeypatch.setattr(
        QtWidgets.QMessageBox, "warning", lambda _parent, _title, text: warnings.append(text)
    )
    return answer, warnings


def export(window, dialogs, plot: str, path: Path) -> None:
    answer, _ = dialogs
    answer["plot"], answer["path"] = plot, path
    window.exports.export_figure()


def assert_png(path: Path, plot_width: int) -> None:
    image = QtGui.QImage(str(path))
    assert not image.isNull(), f"{path.name} is not a PNG image"
    assert image.width() >= 1.5 * plot_width  # exported at twice the size on screen


def assert_svg(path: Path) -> None:
    root = ElementTree.parse(path).getroot()
    assert root.tag == f"{SVG}svg"
    assert len(root.findall(f".//{SVG}path")) > 0, f"{path.name} holds no path"


def export_every_plot(window, panel, dialogs, folder: Path) -> None:
    window.tabs.setCurrentWidget(panel)
    for name, plot in panel.export_plots().items():
        for suffix in (".png", ".svg"):
            target = folder / f"{name}{suffix}"
            export(window, dialogs, name, target)
            assert window.statusBar().currentMessage() == f"Saved {target}"
            if suffix == ".png":
                assert_png(target, plot.width())
            else:
                assert_svg(target)
    assert dialogs[1] == []


def choose_surface(window, qtbot, name: str) -> None:
    panel = window.surface_panel
    combo = panel.findChild(QtWidgets.QComboBox, "surfaceCombo")
    combo.setCurrentIndex(combo.findData(name, QtCore.Qt.ItemDataRole.UserRole))
    qtbot.waitUntil(lambda: panel.surface().name == name and panel.result() is not None)


@pytest.mark.parametrize("surface", ["parabola", "rosenbrock"])
def test_every_surface_plot_exports_as_png_and_svg(window, qtbot, dialogs, tmp_path, surface):
    choose_surface(window, qtbot, surface)
    if surface == "rosenbrock":  # the heat map, its contours and the colour bar are drawn
        assert window.surface_panel.view.color_bar.isVisible()
    export_every_plot(window, window.surface_panel, dialogs, tmp_path)


def test_every_network_plot_exports_as_png_and_svg(window, qtbot, dialogs, tmp_path):
    panel = window.mlp_panel
    panel.findChild(QtWidgets.QSpinBox, "stepsSpin").setValue(60)
    with qtbot.waitSignal(panel.runner.finished, timeout=20_000):
        panel.findChild(QtWidgets.QPushButton, "trainButton").click()
    export_every_plot(window, panel, dialogs, tmp_path)


def test_right_click_export_goes_through_the_same_checked_save(window, dialogs, tmp_path):
    answer, _ = dialogs
    plot = window.surface_panel.export_plots()["loss"]
    answer["path"] = tmp_path / "loss.svg"
    plot.scene().contextMenu[0].trigger()
    assert_svg(tmp_path / "loss.svg")


def test_a_missing_folder_says_what_failed_and_writes_nothing(window, dialogs, tmp_path):
    target = tmp_path / "gone" / "surface.png"
    export(window, dialogs, "surface", target)
    assert "does not exist" in window.statusBar().currentMessage()
    assert "does not exist" in dialogs[1][0]
    assert not target.exists()


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux's /proc")
def test_a_read_only_folder_says_what_failed(window, dialogs):
    """/proc takes no new file even from root, which chmod would not stop."""
    export(window, dialogs, "loss", Path("/proc/loss.png"))
    assert window.statusBar().currentMessage().startswith("Export failed: could not write")
    assert len(dialogs[1]) == 1


def test_a_full_disk_keeps_the_old_figure_and_says_so(window, dialogs, tmp_path, monkeypatch):
    target = tmp_path / "surface.png"
    target.write_bytes(b"last week's figure")

    def disk_full(_fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files.os, "fsync", disk_full)
    export(window, dialogs, "surface", target)
    assert "No space left on device" in window.statusBar().currentMessage()
    assert target.read_bytes() == b"last week's figure"
    assert os.listdir(tmp_path) == ["surface.png"]


def test_closed_sub_paths_become_lines_back_to_their_start():
    assert spell_out_close_path("M0,0 L5,0 L5,5 Z M1,1 L2,2 Z ") == (
        "M0,0 L5,0 L5,5 L0,0 M1,1 L2,2 L1,1"
    )
    assert spell_out_close_path("M0,0 L1,1") == "M0,0 L1,1"


def text_box(png: bytes) -> tuple[int, int]:
    """Width and height of the black ink (text) in a PNG: the coloured legend sample and the
    background are not counted."""
    image = QtGui.QImage.fromData(png).convertToFormat(QtGui.QImage.Format.Format_ARGB32)
    pixels = pg.functions.ndarray_from_qimage(image)
    ink = (pixels[..., 3] > 128) & (pixels[..., :3].max(axis=2) < 100)
    rows, columns = np.nonzero(ink)
    assert rows.size, "no text drawn"
    return int(np.ptp(columns)) + 1, int(np.ptp(rows)) + 1


def test_a_png_at_twice_the_size_has_legend_text_twice_as_large(qtbot):
    """A legend ignores the view's transforms; the 2x export once kept it at 1x beside 2x
    axes, unreadable on a slide."""
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    plot.resize(400, 300)
    plot.show()
    for axis in ("left", "bottom"):
        plot.hideAxis(axis)  # only the legend's text is black
    plot.addLegend()
    plot.plot([], [], pen=pg.mkPen("#0072b2", width=2), name="η=0.1 converged")
    (width, height), (width2, height2) = (text_box(render_plot(plot, ".png", s)) for s in (1, 2))
    assert width2 == pytest.approx(2 * width, rel=0.1)
    assert height2 == pytest.approx(2 * height, rel=0.15)


@pytest.mark.parametrize("scale", [1, 2, 3])
def test_the_chosen_png_scale_gives_that_many_times_the_pixels_on_screen(
    window, qtbot, dialogs, tmp_path, monkeypatch, scale
):
    choose_surface(window, qtbot, "rosenbrock")
    plot = window.surface_panel.export_plots()["surface"]
    chosen = next(f for f, (suffix, s) in FIGURE_FORMATS.items() if suffix == ".png" and s == scale)
    target = tmp_path / "surface"  # no suffix typed: the filter's is added
    monkeypatch.setattr(
        QtWidgets.QFileDialog, "getSaveFileName", lambda *_args: (str(target), chosen)
    )
    window.exports.ask_figure("surface", plot)
    image = QtGui.QImage(str(target.with_suffix(".png")))
    assert (image.width(), image.height()) == (scale * plot.width(), scale * plot.height())
    rgb = image.convertToFormat(QtGui.QImage.Format.Format_RGB32)
    pixels = pg.functions.ndarray_from_qimage(rgb)  # a view of rgb's memory: rgb must outlive it
    assert len(np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0)) > 50, "blank image"


def test_an_svg_holds_the_loss_curves_as_paths(window, qtbot, dialogs, tmp_path):
    choose_surface(window, qtbot, "parabola")
    plot = window.surface_panel.export_plots()["loss"]
    assert window.exports.save_figure(plot, tmp_path / "loss.svg")
    root = ElementTree.parse(tmp_path / "loss.svg").getroot()
    steps = window.surface_panel.findChild(QtWidgets.QSpinBox, "stepsSpin").value()
    segments = list(root.iter(f"{SVG}polyline"))  # Qt writes a curve as its segments
    assert len(segments) > steps, "the loss curve's segments are missing"


def test_the_filter_picks_format_and_scale_and_a_typed_suffix_wins():
    png1, png3, svg = (
        next(f for f, v in FIGURE_FORMATS.items() if v == value)
        for value in ((".png", 1.0), (".png", 3.0), (".svg", 1.0))
    )
    assert figure_target(Path("a"), png3) == (Path("a.png"), 3.0)
    assert figure_target(Path("a"), svg) == (Path("a.svg"), 1.0)
    assert figure_target(Path("a.svg"), png1) == (Path("a.svg"), 1.0)
    assert figure_target(Path("a.png"), svg) == (Path("a.png"), 2.0)
    assert figure_target(Path("a.png"), "") == (Path("a.png"), 2.0)


def test_copy_figure_puts_the_main_plot_on_the_clipboard_at_twice_its_size(window, qtbot):
    choose_surface(window, qtbot, "parabola")
    QtWidgets.QApplication.clipboard().clear()
    window.findChild(QtGui.QAction, "copyFigureAction").trigger()
    plot = window.surface_panel.export_plots()["surface"]
    image = QtWidgets.QApplication.clipboard().image()
    assert (image.width(), image.height()) == (2 * plot.width(), 2 * plot.height())
    assert window.exports.copy_action.shortcut().toString() == "Ctrl+Shift+C"


def test_a_plots_right_click_copy_copies_that_plot(window, qtbot):
    window.tabs.setCurrentWidget(window.mlp_panel)
    plot = window.mlp_panel.export_plots()["decision boundary"]
    QtWidgets.QApplication.clipboard().clear()
    copy = next(a for a in plot.scene().contextMenu if a.text() == "Copy")
    copy.trigger()
    image = QtWidgets.QApplication.clipboard().image()
    assert (image.width(), image.height()) == (2 * plot.width(), 2 * plot.height())
