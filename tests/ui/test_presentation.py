"""Presentation mode: every font 1.5x, the runs' pens and markers 2x, and exactly back.

Measured on named widgets and plot items of both panels, with the lecture demo on screen (its
legends and numbered iterates exist only then).
"""

from __future__ import annotations

import itertools

import pyqtgraph as pg
import pytest
from PySide6 import QtGui, QtWidgets

from gdsim.ui import style
from gdsim.ui.main_window import MainWindow

WIDGETS = (
    "regimeLabel",
    "thresholdLabel",
    "positionLabel",
    "trainingStatusLabel",
    "networkDiagram",
)
PLOTS = ("surfacePlot", "lossPlot", "distancePlot", "trainLossPlot", "metricPlot", "decisionPlot")


def size_of(font: QtGui.QFont) -> float:
    """Point size, or pixel size for a font sized in pixels (QFont gives -1 for the other)."""
    return font.pointSizeF() if font.pointSizeF() > 0 else float(font.pixelSize())


def fonts(window: MainWindow) -> dict[str, float]:
    """The font sizes a student at the back reads: widgets, axes, legends, iterate numbers."""
    sizes = {name: size_of(window.findChild(QtWidgets.QWidget, name).font()) for name in WIDGETS}
    sizes["statusBar"] = size_of(window.statusBar().font())
    for name in PLOTS:
        plot = window.findChild(pg.PlotWidget, name)
        axis = plot.getPlotItem().getAxis("left")
        sizes[f"{name} ticks"] = size_of(axis.style["tickFont"] or plot.font())
        sizes[f"{name} axis label"] = size_of(axis.label.font())
        for index, item in enumerate(plot.scene().items()):
            if isinstance(item, pg.LegendItem):
                sizes[f"{name} legend"] = float(item.opts["labelTextSize"].removesuffix("pt"))
            elif isinstance(item, pg.TextItem):
                sizes[f"{name} text {index}"] = size_of(item.textItem.font())
    return sizes


def pens(window: MainWindow) -> dict[str, float]:
    """Line widths and marker sizes of the runs (the contour lines may stay thin)."""
    view = window.surface_panel.view
    track = view._track_items[0]
    widths = {
        "track": track.opts["pen"].widthF(),
        "track marker": float(track.opts["symbolSize"]),
        "surface curve": view.curve.opts["pen"].widthF(),
        "tangent": view.tangent.opts["pen"].widthF(),
        "train points": float(window.mlp_panel.decision_plot.train_scatter.opts["size"]),
    }
    for name in ("lossPlot", "distancePlot"):
        curve = window.findChild(pg.PlotWidget, name)._curves[0]
        widths[name] = curve.opts["pen"].widthF()
    return widths


@pytest.fixture
def demo_window(qtbot, window):
    panel = window.surface_panel
    panel.load_preset(next(p for p in panel.presets() if "too small" in p.title))
    qtbot.waitUntil(lambda: len(panel.verdicts()) == 4)
    qtbot.waitUntil(lambda: len(panel.view.legend.items) == 4)
    return window


def test_presentation_mode_enlarges_everything_and_restores_it_exactly(qtbot, demo_window):
    window = demo_window
    action = window.findChild(QtGui.QAction, "presentationAction")
    assert action.isCheckable() and action.shortcut() == QtGui.QKeySequence("F5")
    fonts_before, pens_before = fonts(window), pens(window)
    assert any(" text " in name for name in fonts_before), "the iterates are numbered"

    action.trigger()
    assert action.isChecked() and window.presentation.is_on()
    fonts_on, pens_on = fonts(window), pens(window)
    for name, size in fonts_before.items():
        assert fonts_on[name] >= 1.5 * size - 1e-9, name
    for name, width in pens_before.items():
        assert pens_on[name] >= 2 * width - 1e-9, name

    action.trigger()
    assert not action.isChecked()
    assert fonts(window) == fonts_before
    assert pens(window) == pens_before
    assert window.font() == QtWidgets.QApplication.font()


def test_a_redraw_keeps_the_presentation_pens(qtbot, demo_window):
    """Views that rebuild pens on a new frame read the scale then."""
    window = demo_window
    panel = window.surface_panel
    window.set_presentation(True)
    try:
        panel.findChild(QtWidgets.QDoubleSpinBox, "lrSpin").setValue(0.3)
        qtbot.waitUntil(lambda: "0.3" in panel.findChild(QtWidgets.QLabel, "regimeLabel").text())
        assert panel.loss_plot._curves[0].opts["pen"].widthF() == 2 * style.PRESENTATION_PEN
        assert panel.view._track_items[0].opts["symbolSize"] == 9 * style.PRESENTATION_PEN
    finally:
        window.set_presentation(False)
    assert style.pen_scale() == 1.0


def test_badges_made_in_presentation_mode_are_large_and_shrink_after(qtbot, window):
    """Compare mode's badges are rebuilt per job: they inherit the window's font."""
    panel = window.mlp_panel
    window.tabs.setCurrentIndex(1)
    normal = size_of(window.font())
    window.set_presentation(True)
    panel.findChild(QtWidgets.QCheckBox, "compareCheck").setChecked(True)
    surface = window.surface_panel
    surface.load_preset(next(p for p in surface.presets() if "too small" in p.title))
    table = surface.runs_table
    qtbot.waitUntil(lambda: table.rowCount() == 4)
    badge = panel.findChild(QtWidgets.QLabel, "runBadge0")
    row_badge = table.cellWidget(3, table.columnCount() - 1)
    for made in (badge, row_badge):
        made.ensurePolished()  # a styled widget takes its font when polished
    assert size_of(badge.font()) >= 1.5 * normal
    assert size_of(row_badge.font()) >= 1.5 * 0.85 * normal - 1e-9
    assert badge.font().bold()
    window.set_presentation(False)
    assert size_of(badge.font()) == normal
    assert size_of(row_badge.font()) == pytest.approx(0.85 * normal)


def test_presentation_mode_is_not_part_of_the_saved_state(window):
    before = window.state()
    window.set_presentation(True)
    assert window.state() == before
    window.set_presentation(False)


def test_f5_is_listed_among_the_shortcuts():
    from gdsim.ui.main_window import SHORTCUTS

    assert any(keys == "F5" and "Presentation" in what for keys, what in SHORTCUTS)


@pytest.mark.parametrize("presentation", [False, True])
def test_the_diagrams_layer_labels_never_run_together(qtbot, window, presentation):
    """Four hidden layers in the narrow diagram of a 1024-pixel window."""
    panel = window.mlp_panel
    window.tabs.setCurrentIndex(1)
    window.resize(1024, 700)
    window.set_presentation(presentation)
    for _ in range(3):
        panel.findChild(QtWidgets.QPushButton, "addLayerButton").click()
    diagram = panel.findChild(QtWidgets.QWidget, "networkDiagram")
    qtbot.waitUntil(lambda: len(diagram.label_layout()) == 6)
    boxes = [box for box, _text in diagram.label_layout()]
    for left, right in itertools.pairwise(boxes):
        assert left.right() < right.left(), (left, right)
    assert all(box.left() >= 0 and box.right() <= diagram.width() for box in boxes)
    window.set_presentation(False)


def test_the_runs_verdicts_are_read_whole_in_presentation_mode(qtbot, demo_window):
    """The controls column widens with the text: at 1.5x the table's badges were cut to
    "converged in 19 step" in a column sized for the normal font."""
    window = demo_window
    window.resize(1920, 1080)
    qtbot.waitUntil(lambda: window.width() == 1920)
    table = window.surface_panel.runs_table
    badges = [table.cellWidget(row, table.columnCount() - 1) for row in range(4)]
    window.set_presentation(True)
    try:
        for badge in badges:
            qtbot.waitUntil(
                lambda b=badge: b.width() >= b.fontMetrics().horizontalAdvance(b.text())
            )
    finally:
        window.set_presentation(False)


def test_a_tab_first_shown_in_presentation_mode_keeps_its_normal_column_after(
    qtbot, window, new_window
):
    """The network tab's splitter had no sizes yet ([39, 39]) when the mode began; putting
    those back left its controls column at 291 px instead of 400 for the rest of the session."""
    window.resize(1600, 900)
    splitter = window.mlp_panel.findChild(QtWidgets.QSplitter, "controlsSplitter")
    window.set_presentation(True)
    window.tabs.setCurrentIndex(1)
    qtbot.waitUntil(splitter.isVisible)
    window.set_presentation(False)
    reference = new_window()
    reference.resize(1600, 900)
    reference.show()
    reference.tabs.setCurrentIndex(1)
    other = reference.mlp_panel.findChild(QtWidgets.QSplitter, "controlsSplitter")
    qtbot.waitUntil(other.isVisible)
    qtbot.waitUntil(lambda: splitter.sizes()[0] == other.sizes()[0])
