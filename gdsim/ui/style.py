"""Colours and symbols shared by every view, chosen for projectors and colour-blind viewers.

Runs use the Okabe-Ito palette (distinguishable under the common colour-vision deficiencies);
verdicts are never told by colour alone: each has a symbol and a word too.
"""

from __future__ import annotations

from gdsim.core.verdict import Regime

RUN_COLORS = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow (last: weak on white)
)

VERDICT_STYLE: dict[Regime, tuple[str, str]] = {
    Regime.CONVERGED: ("\u2713", "#1b7837"),  # check mark, green
    Regime.SLOW: ("\u2026", "#4d4d4d"),  # ellipsis, grey
    Regime.OSCILLATING: ("\u223f", "#b35806"),  # sine wave, orange-brown
    Regime.DIVERGED: ("\u2717", "#b2182b"),  # ballot x, red
}

THRESHOLD_COLORS = {"monotone": "#1b7837", "stable": "#b2182b", "momentum": "#7b3294"}


def run_color(index: int) -> str:
    return RUN_COLORS[index % len(RUN_COLORS)]
