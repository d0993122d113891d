"""Colours, symbols and the presentation scale shared by every view, chosen for projectors and
colour-blind viewers.

Runs, verdicts and classes each get their own colours, so that "the green one" means one thing:

- **Verdicts** are green, grey, orange and red, and are never told by colour alone: each has a
  symbol and a word too.
- **Runs** use hues the verdicts do not (blues, purples, black, a dark yellow, turquoise), from
  the Okabe-Ito and Tol palettes (distinguishable under the common colour-vision deficiencies).
  `tests/ui/test_colours.py` holds every run colour at a CIE Lab distance (ΔE76) above 30 from
  every verdict colour and above 25 from every other run colour.
- **Classes** of a dataset (points of the decision map and the dataset thumbnails) use dark
  yellow and turquoise (apart under the common colour-vision deficiencies), then wine and
  black: colours of the fifth run and later only, so compare mode's four default runs never
  share a colour with a class.

The presentation scale (View > Presentation mode) is read by every view when it builds a pen
or a marker, so a redraw in presentation mode keeps the wide lines.
"""

from __future__ import annotations

from PySide6 import QtGui

from gdsim.core.verdict import Regime

RUN_COLORS = (
    "#0072B2",  # blue
    "#CC79A7",  # reddish purple
    "#6A3D9A",  # purple
    "#56B4E9",  # sky blue
    "#000000",  # black (not earlier: the 1D loss curve is grey)
    "#B8A000",  # dark yellow
    "#882255",  # wine
    "#00CED1",  # turquoise
)

VERDICT_STYLE: dict[Regime, tuple[str, str]] = {
    Regime.CONVERGED: ("\u2713", "#1b7837"),  # check mark, green
    Regime.SLOW: ("\u2026", "#4d4d4d"),  # ellipsis, grey
    Regime.OSCILLATING: ("\u223f", "#b35806"),  # sine wave, orange-brown
    Regime.DIVERGED: ("\u2717", "#b2182b"),  # ballot x, red
}

CLASS_COLORS = ("#B8A000", "#00CED1", "#882255", "#000000", "#6A3D9A", "#0072B2", "#CC79A7")
"""Class k of a dataset: dark yellow, turquoise, wine, black, then the first runs' colours."""

BASIN_COLORS = ("#FAFAC8", "#8C8CFA", "#FAD2FA", "#C8AAFA", "#F0FA8C", "#FA8CFA")
"""Basin of the k-th known minimum (cycling): pale yellow, periwinkle, pale pink, lavender,
lime, orchid: areas under the contours, each far (CIE ΔE76 > 30) from every run and verdict
colour, and, being no green, orange, red or grey, never read as the sweep's pale verdict bands
on the next tab (a teacher read mint as "converged" there)."""

BASIN_DIVERGED = "#BDBDBD"
BASIN_NO_MINIMUM = "#FFFFFF"
BASIN_STEPS = ("#FBF4E6", "#A88A62")
"""Colour by steps needed: from pale cream (at once) to a tan (the slowest start shown)."""

THRESHOLD_COLORS = {"monotone": "#1b7837", "stable": "#b2182b", "momentum": "#7b3294"}

REFERENCE_COLOR = "#999999"
"""A dashed reference line that is no run, no verdict and no rate the slider marks: one run's
2/η on the sharpness plot, which the curve is *meant* to reach and hover on (the slider's 2/λ
red beside a run that has not diverged read as "diverged"), and the curves' "dashed:
validation" key. A mid grey: the dark grey it was sat within ΔE 21 of the fifth run's black
and 12 of the "slow" verdict's grey, so the key read as a run (`tests/ui/test_colours.py`
holds it as far from both as the run colours are)."""

GRADIENT_COLOR = "#DD0077"
"""Backpropagated gradients in the autograd graph (magenta: far from every run, verdict and
threshold colour, and dark enough for text on white)."""

PRESENTATION_FONT = 1.5
"""Presentation mode's factor on every font (the issue asks for at least 1.5x)."""

PRESENTATION_PEN = 2.0
"""Presentation mode's factor on the runs' pens and markers (at least 2x)."""

_pen_scale = 1.0
_font_scale = 1.0


def run_color(index: int) -> str:
    return RUN_COLORS[index % len(RUN_COLORS)]


def class_color(label: int) -> str:
    return CLASS_COLORS[label % len(CLASS_COLORS)]


def pen_scale() -> float:
    """The factor on pen widths and marker sizes now: 1, or PRESENTATION_PEN in presentation
    mode. Views read it whenever they build a pen, never once at start-up."""
    return _pen_scale


def set_pen_scale(scale: float) -> None:
    """Set by `gdsim.ui.widgets.presentation` only; the views are then asked to restyle."""
    global _pen_scale
    _pen_scale = scale


def set_font_scale(scale: float) -> None:
    """Set by `gdsim.ui.widgets.presentation` only (1, or PRESENTATION_FONT)."""
    global _font_scale
    _font_scale = scale


def badge_font(relative: float = 1.0) -> QtGui.QFont:
    """A bold font ``relative`` times the application's, at the presentation scale in force.

    For badges: a widget with a style sheet takes its font from the application when it is
    polished, not from the window, so one made during presentation mode would come out at the
    normal size (and presentation's end would shrink it below that)."""
    font = QtGui.QFont(QtGui.QGuiApplication.font())
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * relative * _font_scale)
    return font


def scaled(width: float) -> float:
    """A pen width or marker size at the current scale."""
    return width * _pen_scale
