"""Run colours never read as verdict colours; legends never cover the curves; one spelling of η.

"The green one" meant two things on the lecture demo (the converged run drawn orange beside a
green badge, the oscillating run green beside an orange one): run colours are now held away from
the verdict colours, and from each other, by their CIE Lab distance.
"""

from __future__ import annotations

import itertools

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6 import QtWidgets

from gdsim.core.explain import lr_name
from gdsim.core.simulate import RunSpec
from gdsim.core.training_job import rate_name
from gdsim.core.verdict import Regime, Verdict
from gdsim.ui.style import (
    BASIN_COLORS,
    BASIN_DIVERGED,
    BASIN_NO_MINIMUM,
    BASIN_STEPS,
    CLASS_COLORS,
    REFERENCE_COLOR,
    RUN_COLORS,
    VERDICT_STYLE,
)
from gdsim.ui.widgets.verdict_badge import VerdictBadge, show_verdict, verdict_text

RUN_TO_VERDICT = 30.0
"""Smallest ΔE76 allowed between a run colour and a verdict colour (about 2.3 is a 'just
noticeable difference'; 30 reads as another colour name)."""

RUN_TO_RUN = 25.0
"""Smallest ΔE76 allowed between two run colours."""


def lab(color: str) -> np.ndarray:
    """CIE L*a*b* (D65) of an sRGB '#rrggbb' colour."""
    rgb = np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)]) / 255.0
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    to_xyz = np.array(
        [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]
    )
    xyz = to_xyz @ linear / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def delta_e(a: str, b: str) -> float:
    return float(np.linalg.norm(lab(a) - lab(b)))


def test_the_lab_conversion_is_right():
    assert lab("#ffffff") == pytest.approx([100, 0, 0], abs=0.05)
    assert lab("#ff0000") == pytest.approx([53.24, 80.09, 67.20], abs=0.05)


@pytest.mark.parametrize("run", RUN_COLORS)
def test_no_run_colour_is_near_a_verdict_colour(run):
    for symbol, verdict in VERDICT_STYLE.values():
        assert delta_e(run, verdict) > RUN_TO_VERDICT, (run, symbol, verdict)


def test_run_colours_are_far_from_each_other():
    for a, b in itertools.combinations(RUN_COLORS, 2):
        assert delta_e(a, b) > RUN_TO_RUN, (a, b)


def test_the_reference_grey_reads_as_neither_a_run_nor_a_verdict():
    """The curves' "dashed: validation" key and the 2/η line are drawn in it: a dark grey
    read as the fifth run's black."""
    for run in RUN_COLORS:
        assert delta_e(REFERENCE_COLOR, run) > RUN_TO_RUN, run
    for symbol, verdict in VERDICT_STYLE.values():
        assert delta_e(REFERENCE_COLOR, verdict) > RUN_TO_VERDICT, (symbol, verdict)


BASIN_TINTS = (*BASIN_COLORS, BASIN_DIVERGED, BASIN_NO_MINIMUM, *BASIN_STEPS)


@pytest.mark.parametrize("tint", BASIN_TINTS)
def test_basin_tints_read_as_neither_a_run_nor_a_verdict(tint):
    for color in (*RUN_COLORS, *(verdict for _, verdict in VERDICT_STYLE.values())):
        assert delta_e(tint, color) > RUN_TO_VERDICT, (tint, color)


@pytest.mark.parametrize("tint", BASIN_COLORS)
def test_basin_tints_are_not_the_sweeps_pale_verdict_bands(tint):
    """The explorer's basins and the sweep tab's verdict bands are both pale areas."""
    from gdsim.ui.widgets.sweep_plots import BAND_SHARE

    for _, verdict in VERDICT_STYLE.values():
        rgb = (int(verdict[i : i + 2], 16) for i in (1, 3, 5))
        band = "#" + "".join(f"{round(255 + BAND_SHARE * (v - 255)):02x}" for v in rgb)
        assert delta_e(tint, band) > 18.0, (tint, verdict)


def test_basin_tints_are_apart_from_each_other():
    for a, b in itertools.combinations((*BASIN_COLORS, BASIN_DIVERGED, BASIN_NO_MINIMUM), 2):
        assert delta_e(a, b) > 15.0, (a, b)


def test_classes_are_not_drawn_in_the_first_runs_colours():
    """The decision map shows classes beside compare mode's swatches (four runs by default)."""
    assert not {c.lower() for c in CLASS_COLORS[:4]} & {c.lower() for c in RUN_COLORS[:4]}


@pytest.mark.parametrize("regime", list(Regime))
def test_a_verdict_says_a_symbol_and_a_word_besides_its_colour(qtbot, regime):
    badge = VerdictBadge()
    qtbot.addWidget(badge)
    badge.set_verdict(Verdict(regime, 3, "reason"), "η = 0.2: ")
    symbol = VERDICT_STYLE[regime][0]
    assert badge.text().startswith(f"{symbol} η = 0.2: ")
    assert regime.value in badge.text()


def test_a_narrow_table_badge_keeps_its_verdict_word_and_the_step_in_its_tooltip(qtbot):
    """At 1280x800 the explorer's runs table cut "converged in 8518 steps" at both ends."""
    badge = VerdictBadge(short_words=True)
    qtbot.addWidget(badge)
    badge.setMinimumWidth(60)
    verdict = Verdict(Regime.CONVERGED, 8518, "reason")
    show_verdict(badge, verdict)
    badge.show()
    badge.resize(400, 30)
    assert badge.text() == "✓ converged in 8518 steps"
    badge.resize(110, 30)
    assert badge.text() == "✓ converged"
    assert "converged in 8518 steps" in badge.toolTip()
    badge.resize(400, 30)
    assert badge.text() == "✓ converged in 8518 steps"


def test_eta_is_spelt_one_way_on_both_panels():
    assert rate_name(0.1) == "η = 0.1"
    assert lr_name(RunSpec(lr=0.2)) == "η = 0.2"


def _legend_clear_of_data(plot: pg.PlotWidget, entries: int) -> None:
    """The legend lists the runs and lies outside the view box, so it covers no curve."""
    item = plot.getPlotItem()
    legends = [i for i in plot.scene().items() if isinstance(i, pg.LegendItem)]
    assert len(legends) == 1
    legend = legends[0]
    assert len(legend.items) == entries
    assert not legend.sceneBoundingRect().intersects(item.getViewBox().sceneBoundingRect())


def test_surface_legends_stay_off_the_curves(qtbot, surface_panel):
    preset = next(p for p in surface_panel.presets() if "too small" in p.title)
    surface_panel.load_preset(preset)
    qtbot.waitUntil(lambda: len(surface_panel.verdicts()) == 4)
    for name in ("surfacePlot", "lossPlot", "distancePlot"):
        plot = surface_panel.findChild(pg.PlotWidget, name)
        qtbot.waitUntil(lambda p=plot: all(len(leg.items) == 4 for leg in _legends(p)))
        _legend_clear_of_data(plot, 4)


def _legends(plot: pg.PlotWidget) -> list[pg.LegendItem]:
    return [i for i in plot.scene().items() if isinstance(i, pg.LegendItem)]


def test_compare_legends_stay_off_the_curves(qtbot, mlp_panel):
    mlp_panel.findChild(QtWidgets.QCheckBox, "compareCheck").setChecked(True)
    mlp_panel.findChild(QtWidgets.QAbstractSpinBox, "stepsSpin").setValue(100)
    with qtbot.waitSignal(mlp_panel.runner.finished, timeout=60_000):
        mlp_panel.findChild(QtWidgets.QPushButton, "trainButton").click()
    for name in ("trainLossPlot", "metricPlot"):
        plot = mlp_panel.findChild(pg.PlotWidget, name)
        # The four runs and one "dashed: validation" entry for their validation curves.
        qtbot.waitUntil(lambda p=plot: len(_legends(p)[0].items) == 5)
        _legend_clear_of_data(plot, 5)
    assert [badge.badge.text().split(":")[0][2:] for badge in mlp_panel.run_badges.badges] == [
        "η = 0.1",
        "η = 1",
        "η = 6",
        "η = 10",
    ]


def test_one_step_is_said_in_the_singular():
    """w² at η = 0.5 = 1/λ lands on the minimum in one step: '1 step', not '1 steps'."""
    assert verdict_text(Verdict(Regime.CONVERGED, 1, "")) == "converged in 1 step"
    assert verdict_text(Verdict(Regime.CONVERGED, 19, "")) == "converged in 19 steps"
