"""The surface explorer's long runs drawn lean: thinned to the plots' width, nothing lost that a
reader looks for (first and last step, extremes, where a run diverged)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from gdsim.core.presets import parse_preset
from gdsim.ui.presenters import surface as surface_presenter
from gdsim.ui.widgets import loss_plot
from gdsim.ui.widgets.loss_plot import LeanCurve, LossPlot, Series
from gdsim.ui.widgets.trajectory_plots import MIN_DISPLAY_WIDTH, POINTS_PER_PIXEL

STEPS = 20_000


def _show_long_runs(panel, qtbot) -> None:
    preset = parse_preset(
        {"title": "long", "surface": "rosenbrock", "steps": STEPS,
         "runs": [{"lr": 1e-3}, {"lr": 0.01}]},
        "long",
    )  # fmt: skip
    panel.load_preset(preset)
    qtbot.waitUntil(lambda: panel.result() is not None, timeout=20_000)


def test_a_long_run_is_drawn_thinned_keeping_its_ends_extremes_and_divergence(
    surface_panel, qtbot
):
    panel = surface_panel
    _show_long_runs(panel, qtbot)
    result = panel.result()
    assert panel.verdicts()[1].regime == "diverged"
    for plot, values in (
        (panel.loss_plot, result.losses - panel.surface().min_value),
        (panel.distance_plot, None),
    ):
        for k in range(2):
            x, y = plot.curve_values(k)
            columns = max(plot.width(), MIN_DISPLAY_WIDTH)
            assert len(x) <= POINTS_PER_PIXEL * columns + 3 < STEPS / 10
            assert x[0] == 0 and x[-1] == STEPS
            last_finite = int(np.flatnonzero(np.isfinite(result.losses[k]))[-1])
            assert last_finite in x  # where the diverged run's curve ends
            if values is not None:
                lowest = int(np.nanargmin(values[k]))
                assert lowest in x
                assert y[list(x).index(lowest)] == values[k][lowest]


def test_a_dragged_slider_redoes_only_the_changed_runs_verdict_curves_and_track(
    surface_panel, qtbot, monkeypatch
):
    panel = surface_panel
    _show_long_runs(panel, qtbot)
    panel.runs_box.runs_table.selectRow(1)
    qtbot.waitUntil(lambda: panel.state().selected == 1)
    track = panel.view._track_items[0]
    before = (panel.loss_plot.curve_values(0)[1], track.xData)
    classified = []
    classify = surface_presenter.classify_view
    monkeypatch.setattr(
        surface_presenter, "classify_view", lambda run: classified.append(run) or classify(run)
    )
    panel.lr_slider.setValue(2e-3)
    qtbot.waitUntil(lambda: panel.result().runs[1].lr == 2e-3, timeout=20_000)
    assert panel.loss_plot.curve_values(0)[1] is before[0]  # not handed to pyqtgraph again
    assert track.xData is before[1]
    assert [run.spec.lr for run in classified] == [2e-3]
    # The unchanged run is painted from its pixmap, the dragged one afresh.
    cached = QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache
    for plot in (panel.loss_plot, panel.distance_plot):
        still, dragged = (item.cacheMode() for item in plot.listDataItems()[:2])
        assert (still, dragged) == (cached, QtWidgets.QGraphicsItem.CacheMode.NoCache)
    assert track.curve.cacheMode() == cached


def test_a_long_track_is_drawn_through_the_pixels_it_enters_from_its_start_to_its_end(
    surface_panel, qtbot
):
    panel = surface_panel
    _show_long_runs(panel, qtbot)
    view, points = panel.view, panel.result().points[0]
    drawn = view.drawn_count(0)
    assert drawn == STEPS + 1  # the arrows stand at the last iterate, not the last drawn
    track = view._track_items[0]
    assert len(track.xData) < drawn / 10
    assert (track.xData[0], track.yData[0]) == tuple(points[0])
    assert (track.xData[-1], track.yData[-1]) == tuple(points[drawn - 1])
    # A window grown (or presentation mode) has smaller pixels: the track gets its points again.
    small = len(track.xData)
    view.resize(view.width() * 3, view.height() * 3)
    QtWidgets.QApplication.processEvents()
    assert len(track.xData) > small


def test_a_dragged_slider_shows_its_last_value_once_and_keeps_the_legends_still(
    surface_panel, qtbot
):
    panel = surface_panel
    qtbot.waitUntil(lambda: panel.result() is not None)
    panel.add_run()
    qtbot.waitUntil(lambda: len(panel.result()) == 2)
    frames = []
    panel.presenter.frameReady.connect(frames.append)
    values = (1e-3, 1.15e-3, 2e-3, 1.25e-3)  # labels narrower and wider
    for lr in values:  # in one event-loop pass: one frame, of the last value
        panel.lr_slider.setValue(lr)
    qtbot.waitUntil(lambda: len(frames) == 1)
    assert frames[0].result.runs[1].lr == panel.state().runs[1].lr

    def settle(lr: float) -> list:
        panel.lr_slider.setValue(lr)
        qtbot.waitUntil(lambda: panel.result().runs[1].lr == panel.state().runs[1].lr)
        qtbot.wait(1)  # the layout pass
        return [legend.geometry() for legend in (panel.view.legend, panel.loss_plot.legend)]

    shown = [settle(lr) for lr in values][-1]  # each label shown once
    assert all(settle(lr) == shown for lr in values)


def test_a_slider_step_leaves_the_unchanged_controls_unpainted(surface_panel, qtbot):
    """Each frame of a dragged slider restates the whole state to the controls: the steps and
    noise boxes rewrote their text (and repainted the column around them) every frame."""
    panel = surface_panel
    qtbot.waitUntil(lambda: panel.result() is not None)
    steps = panel.findChild(QtWidgets.QSpinBox, "stepsSpin")
    noise = panel.findChild(QtWidgets.QDoubleSpinBox, "noiseSpin")
    boxes = [steps.lineEdit(), noise.lineEdit()]
    paints = []

    class Paints(QtCore.QObject):
        def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
            if event.type() == QtCore.QEvent.Type.Paint:
                paints.append(watched)
            return False

    counter = Paints()
    for box in boxes:
        box.installEventFilter(counter)
    for lr in (1e-3, 1.15e-3, 2e-3):
        panel.lr_slider.setValue(lr)
        qtbot.waitUntil(lambda lr=lr: panel.result().runs[0].lr == lr)
        qtbot.wait(1)  # the paint pass
    assert steps.value() == panel.state().steps
    assert paints == []


def test_the_explorer_curves_are_lean_and_show_what_a_downsampling_plot_shows(qtbot):
    """Thinned series are drawn as PlotCurveItems that map to the log axis themselves: the same
    points on screen as the network builder's PlotDataItems (log10 of the positive values,
    gaps where a value is not positive or finite), the values as given kept for readouts."""
    steps = np.arange(6.0)
    losses = np.array([10.0, 1.0, 0.0, np.nan, 1e-3, -2.0])
    lean, full = LossPlot(thinned=True), LossPlot()
    for plot in (lean, full):
        qtbot.addWidget(plot)
        plot.set_series([Series("a", steps, losses, "#000000")])
    curve = lean.listDataItems()[0]
    assert type(curve) is LeanCurve and not isinstance(curve, pg.PlotDataItem)
    np.testing.assert_array_equal(curve.yData, [1.0, 0.0, np.nan, np.nan, -3.0, np.nan])
    np.testing.assert_array_equal(lean.curve_values(0)[1], full.curve_values(0)[1])
    for log in (True, False):
        for plot in (lean, full):
            plot.set_log(log)
        drawn = full.listDataItems()[0].curve
        np.testing.assert_array_equal(curve.yData, drawn.yData)
        assert [curve.dataBounds(ax) for ax in (0, 1)] == [drawn.dataBounds(ax) for ax in (0, 1)]
    lean.set_series([Series("a", steps[:2], losses[:2], "#000000")])  # finite: bounds kept
    assert curve.dataBounds(1) == (1.0, 10.0) and curve.opts["skipFiniteCheck"]


def test_a_dragged_run_alone_is_measured_again_for_the_axis_and_the_halos(qtbot, monkeypatch):
    """Per frame only the dragged run's series is new: the others' extents and the pairs of
    them are not scanned again, and the plot shows what a fresh one shows."""
    steps = np.arange(5.0)
    runs = [Series(f"r{k}", steps, np.geomspace(1.0, 10.0**-k, 5), "#000000") for k in range(4)]
    plot = LossPlot(thinned=True)
    qtbot.addWidget(plot)
    plot.set_series(runs)
    measured, compared = [], []
    extent, same = loss_plot.series_extent, loss_plot._same_curve
    monkeypatch.setattr(
        loss_plot, "series_extent", lambda y, log: measured.append(y) or extent(y, log)
    )
    monkeypatch.setattr(
        loss_plot, "_same_curve", lambda a, b: compared.append((a.name, b.name)) or same(a, b)
    )
    dragged = Series("r1", steps, runs[3].y.copy() * 1e3, "#000000")
    plot.set_series([runs[0], dragged, runs[2], runs[3]])
    assert len(measured) == 1 and measured[0] is dragged.y
    assert compared and all("r1" in pair for pair in compared)
    monkeypatch.undo()
    fresh = LossPlot(thinned=True)
    qtbot.addWidget(fresh)
    fresh.set_series([runs[0], dragged, runs[2], runs[3]])
    assert plot.viewRange()[1] == fresh.viewRange()[1]
    widths = [[c.opts["pen"].widthF() for c in p.listDataItems()[:4]] for p in (plot, fresh)]
    assert widths[0] == widths[1]


def test_runs_that_all_stop_early_fill_the_iteration_axis(surface_panel, qtbot):
    """w² at η = 1.1 diverges within a few dozen steps: on the axis of the 20,000 steps
    allowed it was a vertical line at 0."""
    preset = parse_preset(
        {"title": "short", "surface": "parabola", "steps": STEPS, "runs": [{"lr": 1.1}]}, "short"
    )
    surface_panel.load_preset(preset)
    qtbot.waitUntil(lambda: surface_panel.result() is not None, timeout=20_000)
    result = surface_panel.result()
    last = int(result.lengths[0]) - 1
    assert 0 < last < 100
    plot = surface_panel.findChild(LossPlot, "lossPlot")
    qtbot.waitUntil(lambda: plot.getViewBox().viewRange()[0][1] < 1.1 * last)
