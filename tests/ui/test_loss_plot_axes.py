"""The loss plot keeps stable axes, so live plots do not re-lay themselves out every frame,
and keeps its labels apart on a narrow plot."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from gdsim.ui.widgets.loss_plot import LossPlot, Series, wider_spacing


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


def test_a_curve_lying_under_a_later_one_is_drawn_wider_so_both_show(qtbot):
    """w² from 3 at η = 0.2 and η = 0.8: |1 − 2η| = 0.6 for both, so the losses are equal at
    every step and the later curve used to hide the earlier one entirely."""
    plot = LossPlot()
    qtbot.addWidget(plot)
    steps = np.arange(101)
    losses = [9.0 * (1 - 2 * lr) ** (2 * steps) for lr in (0.01, 0.2, 0.8, 1.1)]
    colors = ["#0072B2", "#CC79A7", "#7B3294", "#56B4E9"]
    plot.set_series([Series(c, steps, y, c) for y, c in zip(losses, colors, strict=True)])
    widths = [curve.opts["pen"].widthF() for curve in plot._curves[:4]]
    assert widths[1] >= 2.5 * widths[2], "η = 0.2 shows as a border around η = 0.8"
    assert widths[0] == widths[2] == widths[3]


def test_curves_equal_but_for_rounding_at_the_minimum_still_count_as_one_under_another(qtbot):
    """|w| of w² at η = 0.2 and 0.8: equal, except where one lands on 1e-16 and the other on 0."""
    plot = LossPlot()
    qtbot.addWidget(plot)
    steps = np.arange(80)
    under = 3.0 * 0.6**steps
    over = under.copy()
    under[-1], over[-1] = 1e-16, 0.0
    plot.set_series([Series("0.2", steps, under, "#CC79A7"), Series("0.8", steps, over, "#7B3294")])
    widths = [curve.opts["pen"].widthF() for curve in plot._curves[:2]]
    assert widths[0] >= 2.5 * widths[1]


def test_a_narrow_step_axis_never_prints_labels_on_top_of_each_other(qtbot):
    """Three plots side by side at 1024x768 in presentation mode printed "5001000 1500"."""
    plot = LossPlot()
    qtbot.addWidget(plot)
    axis = plot.getAxis("bottom")
    metrics = QtGui.QFontMetricsF(axis.style["tickFont"] or axis.font())
    label = metrics.horizontalAdvance("2000")
    for width in (90, 150, 300, 1200):
        spacing = axis.tickSpacing(0.0, 2000.0, width)[0][0]
        assert spacing * width / 2000.0 >= label, (width, spacing)
    assert axis.tickSpacing(0.0, 2000.0, 1200)[0][0] <= 500, "a wide axis keeps its ticks"


def test_tick_spacings_widen_along_one_two_five():
    widened = [wider_spacing(s) for s in (0.1, 0.2, 0.5, 500.0, 1000.0)]
    assert widened == [0.2, 0.5, 1.0, 1000.0, 2000.0]


def test_a_from_zero_plot_frames_a_lone_constant_line_from_zero(qtbot):
    """The sharpness plot before its first measurement: only the 2/η line, at 20."""
    plot = LossPlot(log=False, from_zero=True)
    qtbot.addWidget(plot)
    plot.set_series([Series("2/η = 20", np.array([0, 100]), np.array([20.0, 20.0]), "#333333")])
    low, high = plot.getViewBox().viewRange()[1]
    assert low <= 0.0 and 20.0 < high < 25.0


def test_a_short_upright_axis_keeps_its_labels_a_line_apart(qtbot):
    """Lesson 9 at 1024x768 in presentation mode: six R² labels in 70 px printed as one."""
    plot = LossPlot(log=False)
    qtbot.addWidget(plot)
    axis = plot.getAxis("left")
    line = QtGui.QFontMetricsF(axis.style["tickFont"] or axis.font()).height()
    for height in (60, 120, 600):
        spacing = axis.tickSpacing(0.0, 1.0, height)[0][0]
        assert spacing * height >= line, (height, spacing)
    assert axis.tickSpacing(0.0, 1.0, 600)[0][0] <= 0.2, "a tall axis keeps its ticks"


def test_a_short_log_axis_labels_only_powers_of_ten(qtbot):
    """0.01 to 1 in 80 px printed 1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01 over each other."""
    plot = LossPlot()
    qtbot.addWidget(plot)
    axis = plot.getAxis("left")
    values = list(np.log10([0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0]))

    def labels(height: float) -> list[str]:
        axis.logTickValues(-2.0, 0.0, height, [])
        return [text for text in axis.logTickStrings(values, 1.0, 1.0) if text]

    assert len(labels(80)) == 3 and labels(80)[0] == "0.01"
    assert len(labels(800)) == 7
    assert len(labels(25)) < 3


def test_the_bold_moving_averages_frame_the_axis_not_the_faint_step_losses(qtbot):
    """SGD: one point's loss near 1e-8 stretched the log axis and squeezed every moving
    average into its top decade."""
    plot = LossPlot()
    qtbot.addWidget(plot)
    steps = np.arange(200)
    raw = np.where(steps % 5 == 0, 1e-8, 0.5)
    plot.set_series(
        [
            Series("sgd", steps, raw, "#0072B2", faint=True),
            Series("sgd", steps, np.linspace(0.7, 0.2, 200), "#0072B2"),
        ]
    )
    low, high = plot.getViewBox().viewRange()[1]
    assert low > np.log10(0.1) and high < np.log10(1.0)


class _LayoutRequests(QtCore.QObject):
    """Counts the layout requests an object receives (a relayout of a plot's axes and view)."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, _obj: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.LayoutRequest:
            self.count += 1
        return False


def test_a_renamed_run_is_relabelled_in_place_in_its_style(qtbot):
    """A dragged run's new name ("η = 0.001" after "η = 0.0012") shows in the legend in the
    colour and size it had, without re-laying the plot out (each relayout cost ~1 ms a plot
    and frame); a longer name still gets the room it needs."""
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.resize(500, 300)
    plot.show()
    steps = np.arange(10)

    def show(first: str) -> None:
        plot.set_series([Series(n, steps, 0.9**steps, "#0072B2") for n in (first, "GD η = 0.1")])

    show("GD η = 0.0012")
    for _ in range(5):  # laid out, the legend refitted to the width, laid out again
        QtWidgets.QApplication.processEvents()
    label = plot.legend.items[0][1]
    style = label.item.document().begin().begin().fragment().charFormat()
    width = label.minimumWidth()
    requests = _LayoutRequests()
    plot.getPlotItem().installEventFilter(requests)
    plot.legend.installEventFilter(requests)
    show("GD η = 0.001")
    QtWidgets.QApplication.processEvents()
    assert label.item.toPlainText() == label.text == "GD η = 0.001"
    shown = label.item.document().begin().begin().fragment().charFormat()
    assert shown.foreground().color() == style.foreground().color()
    assert shown.font().pointSizeF() == style.font().pointSizeF()
    assert requests.count == 0
    assert label.minimumWidth() == width
    show("GD η = 0.00123456789 from (1, 2)")
    assert label.item.toPlainText() == "GD η = 0.00123456789 from (1, 2)"
    assert label.minimumWidth() > width


def test_a_run_grown_past_the_thick_line_keeps_its_legend_entry_with_the_new_pen(qtbot):
    """A training run's curve is drawn thinner once it is long (the pens change): its legend
    entry stays the same entry (a rebuild took ~15 ms of a run's first frame) and its sample
    line shows the thinner pen; a curve that leaves the legend still rebuilds it."""
    plot = LossPlot(thick_up_to=20)
    qtbot.addWidget(plot)
    plot.resize(500, 300)
    plot.show()

    def show(steps: int, names: tuple[str, ...] = ("train", "validation")) -> None:
        x = np.arange(steps)
        plot.set_series([Series(n, x, 0.9**x, "#0072B2") for n in names])

    show(10)
    sample, label = plot.legend.items[0]
    thick = sample.item.opts["pen"].widthF()
    show(30)
    assert plot.legend.items[0][0] is sample and plot.legend.items[0][1] is label
    assert sample.item.opts["pen"].widthF() < thick
    show(30, ("train",))
    assert len(plot.legend.items) == 1
